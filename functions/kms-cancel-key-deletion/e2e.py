"""events/kms-cancel-key-deletion: seed a customer managed key, aliased, scheduled for deletion."""

FUNCTION = "kms-cancel-key-deletion"
ENV = {}
PLACEHOLDER_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ALIAS = "alias/example-app-key"

CASES = {
    "config-noncompliant.json": "remediated",
    "cloudtrail.json": "remediated",
    "securityhub.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
}


def seed(aws, event_file):
    """The key every sample names (by id, key ARN or alias), in PendingDeletion; the events get its real id."""
    kms = aws.client("kms")
    key_id = kms.create_key(Description="example-app data key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key_id)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    return {PLACEHOLDER_ID: key_id}


def compliant(aws, event_file, ids):
    """Not pending deletion and enabled again (KMS_REENABLE_KEY defaults to true)."""
    meta = aws.client("kms").describe_key(KeyId=ids[PLACEHOLDER_ID])["KeyMetadata"]
    return meta["KeyState"] == "Enabled" and "DeletionDate" not in meta
