"""events/iam-password-policy: the account password policy is weak (or missing) before each event.

The policy is one per account, so every event, whatever its shape, fixes the one account
(123456789012). DeleteAccountPasswordPolicy and the Config rule start from no policy at all; the
others from a console-style weak policy (length 8, nothing required, users may change passwords).
"""

FUNCTION = "iam-password-policy"

CASES = {
    "config-noncompliant.json": "remediated",
    "config-securityhub-rule.json": "remediated",
    "cloudtrail-update.json": "remediated",
    "cloudtrail-delete.json": "remediated",
    "securityhub.json": "remediated",
    "securityhub-cis.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-account.json": "remediated",
}

NO_POLICY = {"config-noncompliant.json", "cloudtrail-delete.json"}


def seed(aws, event_file):
    """A weak policy, or none (moto starts without one, as a new AWS account does)."""
    iam = aws.client("iam")
    if event_file not in NO_POLICY:
        iam.update_account_password_policy(MinimumPasswordLength=8, AllowUsersToChangePassword=True)
    return {}


def compliant(aws, event_file, ids):
    """The defaults' requirements are met and the users' right to change passwords is kept (boto3)."""
    try:
        p = aws.client("iam").get_account_password_policy()["PasswordPolicy"]
    except aws.client("iam").exceptions.NoSuchEntityException:
        return False
    return (
        p["MinimumPasswordLength"] >= 14
        and all(p[k] for k in ("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireNumbers",
                               "RequireSymbols"))
        and p.get("PasswordReusePrevention", 0) >= 24
        and p["AllowUsersToChangePassword"]
        and not p.get("HardExpiry", False)
        and not p.get("MaxPasswordAge")
    )
