"""events/cloudtrail-logging: trails in us-east-1 delivering to a bucket seeded for each case.

CLOUDTRAIL_BUCKET is set, so an account without a multi-Region trail gets one created (DeleteTrail,
CloudTrail.1, the account id). The trail events find `example-trail` stopped with log file validation
off; the account events find a stopped multi-Region trail, or none at all.
"""

FUNCTION = "cloudtrail-logging"
REGION = "us-east-1"
BUCKET = "example-trail-logs"
TRAIL = "example-trail"
NEW_TRAIL = "auto-remediation-multi-region"
ENV = {"CLOUDTRAIL_BUCKET": BUCKET}

CASES = {
    "cloudtrail-stop-logging.json": "remediated",
    "cloudtrail-create-trail.json": "remediated",
    "cloudtrail-update-trail.json": "remediated",
    # The trail records only write management events: a person changes its selectors, no second trail.
    "cloudtrail-put-event-selectors.json": "needs_action",
    "cloudtrail-delete-trail.json": "remediated",
    # The function's own call: never acted on again.
    "cloudtrail-own-update-trail.json": "ignored",
    "config-noncompliant.json": "remediated",
    "config-account-noncompliant.json": "remediated",
    "securityhub.json": "remediated",
    "securityhub-account.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-account.json": "remediated",
    "manual-sweep.json": "would_remediate",
}

# The account is judged: a stopped multi-Region trail (started) or none at all (created).
NO_TRAIL = {"cloudtrail-delete-trail.json", "securityhub-account.json", "manual-account.json"}
ACCOUNT = {"config-account-noncompliant.json", "cloudtrail-put-event-selectors.json"} | NO_TRAIL


def seed(aws, event_file):
    aws.client("s3", region=REGION).create_bucket(Bucket=BUCKET)
    if event_file in NO_TRAIL:
        return {}
    ct = aws.client("cloudtrail", region=REGION)
    # The sweep finds a single-Region trail (started) and no multi-Region one (created): a stopped
    # multi-Region trail would be started by both its own check and the account's, in either order.
    multi = event_file in ACCOUNT or event_file == "cloudtrail-update-trail.json"
    ct.create_trail(Name=TRAIL, S3BucketName=BUCKET, IsMultiRegionTrail=multi, EnableLogFileValidation=False)
    if event_file == "cloudtrail-put-event-selectors.json":
        ct.start_logging(Name=TRAIL)
        ct.put_event_selectors(TrailName=TRAIL, EventSelectors=[
            {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    return {}


def trail_ok(ct, name):
    trail = ct.get_trail(Name=name)["Trail"]
    return ct.get_trail_status(Name=name)["IsLogging"] and trail["LogFileValidationEnabled"]


def compliant(aws, event_file, ids):
    """Trail events: example-trail logs with validation on. Account events: a multi-Region trail logs."""
    ct = aws.client("cloudtrail", region=REGION)
    if event_file in ACCOUNT:
        trails = ct.describe_trails()["trailList"]
        selectors_ok = event_file != "cloudtrail-put-event-selectors.json"
        return selectors_ok and any(
            t["IsMultiRegionTrail"] and ct.get_trail_status(Name=t["TrailARN"])["IsLogging"] for t in trails)
    return trail_ok(ct, TRAIL)
