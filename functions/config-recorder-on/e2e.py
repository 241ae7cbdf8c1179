"""events/config-recorder-on: the AWS Config recorder is stopped, or half deleted, after a reset.

TARGET_REGIONS names two regions, so the schedule and the manual sweeps start both recorders in one
invocation, while the CloudTrail and Security Hub events act in their own region (us-east-1). The two
deletion events leave a recorder without a channel, or a channel without a recorder: a person must
deploy what is missing (needs_action), and nothing starts recording.
"""

FUNCTION = "config-recorder-on"
REGIONS = ["us-east-1", "eu-west-1"]
ENV = {"TARGET_REGIONS": ",".join(REGIONS)}
ACCOUNT = "123456789012"

CASES = {
    "cloudtrail.json": "remediated",
    "cloudtrail-delete-recorder.json": "needs_action",
    "cloudtrail-delete-channel.json": "needs_action",
    "securityhub.json": "remediated",
    "securityhub-unconsolidated.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-sweep.json": "remediated",
    "manual-region.json": "remediated",
}

SWEEPS = {"schedule.json", "manual.json", "manual-sweep.json"}

# A customer's narrower choice: the function must start the recorder without widening it.
GROUP = {
    "allSupported": False,
    "includeGlobalResourceTypes": False,
    "resourceTypes": ["AWS::S3::Bucket", "AWS::EC2::SecurityGroup"],
    "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
}


def put_recorder(config):
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default",
        "roleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "recordingGroup": GROUP,
    })


def put_channel(config):
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": f"config-bucket-{ACCOUNT}"})


def seed(aws, event_file):
    """A stopped recorder with its channel in each region; the deletion events leave one of the two."""
    for region in REGIONS:
        config = aws.client("config", region=region)
        put_recorder(config)  # moto, like AWS, needs a recorder before a channel
        if event_file == "cloudtrail-delete-channel.json":
            continue
        put_channel(config)
        if event_file == "cloudtrail-delete-recorder.json":
            config.delete_configuration_recorder(ConfigurationRecorderName="default")
    return {}


def regions_of(event_file):
    if event_file in SWEEPS:
        return REGIONS
    if event_file == "manual-region.json":
        return ["eu-west-1"]
    return ["us-east-1"]


def compliant(aws, event_file, ids):
    """Every region the event names records, with the recording group it had (read back with boto3)."""
    for region in regions_of(event_file):
        config = aws.client("config", region=region)
        statuses = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
        if not any(s["recording"] for s in statuses):
            return False
        recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
        if [r["recordingGroup"]["resourceTypes"] for r in recorders] != [GROUP["resourceTypes"]]:
            return False
    return True
