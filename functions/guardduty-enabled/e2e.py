"""events/guardduty-enabled: GuardDuty is off after a reset (no detector anywhere).

TARGET_REGIONS names two regions. The scheduled sweep finds a suspended detector in both (each is
re-enabled); the manual sweeps ({} and {"sweep": true}) find none (one is created in each). The CloudTrail
UpdateDetector sample names a suspended detector of us-east-1, which the seed creates; the DeleteDetector
sample finds none (one is created). An UpdateDetector that only changes the finding frequency is ignored.

Undo (run.py undoes every remediated result): a re-enabled detector is suspended again. A created one
is deleted only after ListFindings shows it has no findings, and the emulator has no ListFindings
(HTTP 404), so undo refuses: the detector stays, as it must when its findings cannot be checked. A sweep
whose regions split between the two cannot be expressed (UNDO is per file), hence the sweeps' seeds.
Creating in one region and re-enabling in the other in one invocation is covered by the emulator test
target_regions_are_fixed_in_one_invocation.
"""

FUNCTION = "guardduty-enabled"
REGIONS = ["us-east-1", "eu-west-1"]
ENV = {"TARGET_REGIONS": ",".join(REGIONS)}
# The detector id in events/guardduty-enabled/cloudtrail*.json.
PLACEHOLDER = "12abc34d567e8fa901bc2d34e56789f0"

CASES = {
    "config-noncompliant.json": "remediated",
    "cloudtrail.json": "remediated",
    "cloudtrail-delete.json": "remediated",
    "cloudtrail-frequency.json": "ignored",
    "securityhub.json": "remediated",
    "securityhub-unconsolidated.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-sweep.json": "remediated",
    "manual-region.json": "remediated",
}

SWEEPS = {"schedule.json", "manual.json", "manual-sweep.json"}

NO_LIST_FINDINGS = (
    "the emulator has no ListFindings (HTTP 404), so undo cannot check that the created detector has no "
    "findings, and refuses to delete it"
)
# The remediated cases that create a detector: their undo is refused here (see the module's docstring).
UNDO = {
    file: NO_LIST_FINDINGS
    for file in ("config-noncompliant.json", "cloudtrail-delete.json", "securityhub.json",
                 "securityhub-unconsolidated.json", "manual.json", "manual-sweep.json")
}


def regions_of(event_file):
    if event_file in SWEEPS:
        return REGIONS
    if event_file == "manual-region.json":
        return ["eu-west-1"]
    return ["us-east-1"]


def seed(aws, event_file):
    """A suspended detector where the event expects one; otherwise none."""
    for region in REGIONS:
        assert not aws.client("guardduty", region=region).list_detectors()["DetectorIds"]
    if event_file in ("cloudtrail.json", "cloudtrail-frequency.json"):
        detector = aws.client("guardduty").create_detector(Enable=False)["DetectorId"]
        return {PLACEHOLDER: detector}
    if event_file == "schedule.json":
        for region in REGIONS:
            aws.client("guardduty", region=region).create_detector(Enable=False)
    if event_file == "manual-region.json":
        aws.client("guardduty", region="eu-west-1").create_detector(Enable=False)
    return {}


def compliant(aws, event_file, ids):
    """Exactly one detector, ENABLED, in every region the event names (read back with boto3)."""
    for region in regions_of(event_file):
        gd = aws.client("guardduty", region=region)
        detectors = gd.list_detectors()["DetectorIds"]
        if len(detectors) != 1 or gd.get_detector(DetectorId=detectors[0])["Status"] != "ENABLED":
            return False
    return True
