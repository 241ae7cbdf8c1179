"""events/iam-unused-credentials: seed the user every sample names, `deploy+ci@example.com` under
`/ci/`, with one access key.

The binary runs on the real clock and the emulator cannot back-date a key, so the key is seconds
old: nothing is unused yet, and every event must come back `already_compliant` with the key left
Active. What this proves end to end is the lookup of each trigger shape through the binary (AWS
Config's unique id through ListUsers, the ARN with its path, the access key through
GetAccessKeyLastUsed, the name with `+` and `@`, the sweep) and that a fresh key is never touched.
Deactivation itself, with the clock fixed 200 days ahead, is in tests/emulator.rs.
"""

FUNCTION = "iam-unused-credentials"
ENV = {}
NAME = "deploy+ci@example.com"
PLACEHOLDER_ID = "AIDAZ3EXAMPLE7CIDEPLY"
PLACEHOLDER_KEY = "AKIAZ3EXAMPLE7CIKEY1"

CASES = {
    "config-noncompliant.json": "already_compliant",
    "securityhub.json": "already_compliant",
    "securityhub-iam3.json": "already_compliant",
    "securityhub-access-key.json": "already_compliant",
    "schedule.json": "already_compliant",
    "manual.json": "already_compliant",
    "manual-arn.json": "already_compliant",
}


def seed(aws, event_file):
    """The user and its key; the events get the user's real unique id and key id."""
    iam = aws.client("iam")
    user = iam.create_user(UserName=NAME, Path="/ci/")["User"]
    key = iam.create_access_key(UserName=NAME)["AccessKey"]
    return {PLACEHOLDER_ID: user["UserId"], PLACEHOLDER_KEY: key["AccessKeyId"]}


def compliant(aws, event_file, ids):
    """Whether the function deactivated the key. The run expects "compliant after" only for
    `remediated`; here a fresh key must stay Active, so this is False when the function did right."""
    keys = aws.client("iam").list_access_keys(UserName=NAME)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [ids[PLACEHOLDER_KEY]]
    return keys[0]["Status"] == "Inactive"
