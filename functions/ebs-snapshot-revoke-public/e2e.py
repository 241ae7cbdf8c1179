"""events/ebs-snapshot-revoke-public: seed a snapshot restorable by `all` (and shared with one account)."""

FUNCTION = "ebs-snapshot-revoke-public"
ENV = {}
PLACEHOLDER = "snap-0123456789abcdef0"
SHARED_WITH = "111122223333"

CASES = {
    "config-noncompliant.json": "remediated",
    "cloudtrail.json": "remediated",
    "cloudtrail-remove.json": "ignored",
    "securityhub.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-sweep.json": "remediated",
}

# Undo of every remediated case is refused by design (README "Undo"): it would share the snapshot
# again, which this function's role is denied. The invocation fails and the snapshot stays private.
UNDO = {
    file: "the role may never share a snapshot: the detail gives a person the commands"
    for file, outcome in CASES.items()
    if outcome == "remediated"
}


def seed(aws, event_file):
    """One public snapshot, also shared with one account (a share that must be kept).

    The account-wide events (Config, Security Hub, schedule, manual sweep) name no snapshot: their
    sweep finds this one, the only snapshot in the freshly reset emulator.
    """
    ec2 = aws.client("ec2")
    volume = ec2.create_volume(Size=1, AvailabilityZone="us-east-1a")["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=snapshot, Attribute="createVolumePermission", OperationType="add",
                                  GroupNames=["all"], UserIds=[SHARED_WITH])
    return {PLACEHOLDER: snapshot}


def compliant(aws, event_file, ids):
    """Not restorable by `all` any more, and the account share is still there."""
    permissions = aws.client("ec2").describe_snapshot_attribute(
        SnapshotId=ids[PLACEHOLDER], Attribute="createVolumePermission")["CreateVolumePermissions"]
    public = any(p.get("Group") == "all" for p in permissions)
    kept = any(p.get("UserId") == SHARED_WITH for p in permissions)
    return not public and kept
