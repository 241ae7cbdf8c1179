"""events/s3-block-public-access: seed a bucket and an account without Block Public Access."""

FUNCTION = "s3-block-public-access"
ENV = {}
BUCKET = "example-public-bucket"
ACCOUNT = "123456789012"

CASES = {
    "config-noncompliant.json": "remediated",
    "config-account-noncompliant.json": "remediated",
    "cloudtrail.json": "remediated",
    "cloudtrail-failed.json": "ignored",
    "cloudtrail-put-account-public-access-block.json": "remediated",
    "securityhub.json": "remediated",
    "securityhub-account-finding.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-account.json": "remediated",
    "manual-dry-run.json": "would_remediate",
}

ACCOUNT_LEVEL = {"config-account-noncompliant.json", "cloudtrail-put-account-public-access-block.json",
                 "securityhub-account-finding.json", "manual-account.json"}


def seed(aws, event_file):
    """A public bucket (no Block Public Access) and an account without the account-level setting."""
    aws.client("s3").create_bucket(Bucket=BUCKET)
    return {}


def _all_on(config):
    return all(config.get(k) for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                       "RestrictPublicBuckets"))


def bucket_blocked(aws):
    try:
        return _all_on(aws.client("s3").get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"])
    except aws.client("s3").exceptions.ClientError:
        return False


def account_blocked(aws):
    s3control = aws.client("s3control")
    try:
        return _all_on(s3control.get_public_access_block(AccountId=ACCOUNT)["PublicAccessBlockConfiguration"])
    except s3control.exceptions.ClientError:
        return False


def compliant(aws, event_file, ids):
    if event_file == "schedule.json":
        return bucket_blocked(aws) and account_blocked(aws)
    if event_file in ACCOUNT_LEVEL:
        return account_blocked(aws)
    return bucket_blocked(aws)
