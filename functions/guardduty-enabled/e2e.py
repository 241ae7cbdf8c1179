"""events/guardduty-enabled: GuardDuty is off after a reset (no detector anywhere).

TARGET_REGIONS names two regions. The sweeps (schedule, manual {} and {"sweep": true}) find us-east-1
without a detector (one is created) and eu-west-1 with a suspended one (it is re-enabled), in one
invocation. The CloudTrail UpdateDetector sample names a suspended detector of us-east-1, which the seed
creates; the DeleteDetector sample finds none (one is created). An UpdateDetector that only changes the
finding frequency is ignored.
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
    if event_file in SWEEPS or event_file == "manual-region.json":
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
