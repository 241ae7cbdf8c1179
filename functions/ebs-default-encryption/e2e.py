"""events/ebs-default-encryption: EBS encryption by default is off in every region after a reset.

TARGET_REGIONS names two regions, so the schedule and the manual sweeps fix both in one invocation,
while the Config, CloudTrail and Security Hub events fix only their own region (us-east-1).
"""

FUNCTION = "ebs-default-encryption"
REGIONS = ["us-east-1", "eu-west-1"]
ENV = {"TARGET_REGIONS": ",".join(REGIONS)}

CASES = {
    "config-noncompliant.json": "remediated",
    "cloudtrail.json": "remediated",
    # Only a change of the default key: acted on when EBS_DEFAULT_KMS_KEY_ID is set, which it is not here.
    "cloudtrail-reset-default-key.json": "ignored",
    "securityhub.json": "remediated",
    "securityhub-unconsolidated.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-sweep.json": "remediated",
    "manual-region.json": "remediated",
}

SWEEPS = {"schedule.json", "manual.json", "manual-sweep.json"}


def seed(aws, event_file):
    """Nothing to create: the emulator starts with encryption by default off in every region."""
    for region in REGIONS:
        assert not aws.client("ec2", region=region).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    return {}


def regions_of(event_file):
    if event_file in SWEEPS:
        return REGIONS
    if event_file == "manual-region.json":
        return ["eu-west-1"]
    return ["us-east-1"]


def compliant(aws, event_file, ids):
    """Encryption by default is on in every region the event names (read back with boto3)."""
    return all(
        aws.client("ec2", region=region).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
        for region in regions_of(event_file)
    )
