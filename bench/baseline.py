"""The "AWS-native" baseline: each fix as plain boto3, one function per control, in the style of AWS's
SSM remediation runbooks (write, then assert the state; no pre-read, no exemptions, no report):

- s3:        AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock (PutPublicAccessBlock, verify)
- snapshot:  AWS Security Hub ASR's MakeEBSSnapshotsPrivate (ModifySnapshotAttribute remove group all, verify)
- ebs:       AWSConfigRemediation-EnableEbsEncryptionByDefault (EnableEbsEncryptionByDefault, verify)
- kms:       AWSConfigRemediation-CancelKeyDeletion (CancelKeyDeletion, verify; the runbook does not re-enable)

Sweeps are what a user scripts around the runbook: list, then call the function per resource,
one after the other.

    baseline.py once <control> <id> [region]    cold: a fresh interpreter, import boto3, one fix
    baseline.py sweep <control> [regions...]    one sweep, prints {"seconds": ..., "fixed": ...}
    baseline.py serve                           warm: JSON lines on stdin {"control", "id", "region"},
                                                answers {"seconds", "cpu_seconds"} per line
"""

import json
import sys
import time

T0 = time.perf_counter()
import boto3  # noqa: E402  (timed: the import is part of a cold start)
from botocore.config import Config  # noqa: E402
IMPORTED = time.perf_counter()  # CLOCK_MONOTONIC: the driver's clock too (init = imports done - spawn)

CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"})
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}
_clients = {}


def client(service, region="us-east-1"):
    key = (service, region)
    if key not in _clients:
        _clients[key] = boto3.client(service, region_name=region, config=CONFIG)
    return _clients[key]


class VerificationFailed(Exception):
    pass


def fix_s3_bucket(bucket, region="us-east-1"):
    s3 = client("s3", region)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_ON)
    got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    if got != ALL_ON:
        raise VerificationFailed(f"{bucket}: {got}")


def fix_snapshot(snapshot_id, region="us-east-1"):
    ec2 = client("ec2", region)
    ec2.modify_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission",
                                  OperationType="remove", GroupNames=["all"])
    permissions = ec2.describe_snapshot_attribute(
        SnapshotId=snapshot_id, Attribute="createVolumePermission")["CreateVolumePermissions"]
    if any(p.get("Group") == "all" for p in permissions):
        raise VerificationFailed(f"{snapshot_id} is still public")


def fix_ebs_default_encryption(region):
    ec2 = client("ec2", region)
    ec2.enable_ebs_encryption_by_default()
    if not ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]:
        raise VerificationFailed(f"{region}: still off")


def fix_kms_key(key_id, region="us-east-1"):
    kms = client("kms", region)
    kms.cancel_key_deletion(KeyId=key_id)
    state = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
    if state == "PendingDeletion":
        raise VerificationFailed(f"{key_id}: still {state}")


FIX = {"s3": fix_s3_bucket, "snapshot": fix_snapshot, "ebs": fix_ebs_default_encryption, "kms": fix_kms_key}


def call(control, resource, region):
    if control == "ebs":
        return FIX[control](region or resource)
    return FIX[control](resource, region or "us-east-1")


def sweep(control, regions):
    started = time.perf_counter()
    fixed = 0
    if control == "s3":
        for bucket in client("s3").list_buckets()["Buckets"]:
            fix_s3_bucket(bucket["Name"])
            fixed += 1
    elif control == "snapshot":
        for region in regions or ["us-east-1"]:
            pages = client("ec2", region).get_paginator("describe_snapshots").paginate(
                OwnerIds=["self"], RestorableByUserIds=["all"])
            for page in pages:
                for snapshot in page["Snapshots"]:
                    fix_snapshot(snapshot["SnapshotId"], region)
                    fixed += 1
    elif control == "ebs":
        for region in regions:
            fix_ebs_default_encryption(region)
            fixed += 1
    return {"seconds": time.perf_counter() - started, "fixed": fixed}


def peak_rss_kb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def main():
    mode = sys.argv[1]
    if mode == "once":
        control, resource = sys.argv[2], sys.argv[3]
        region = sys.argv[4] if len(sys.argv) > 4 else None
        call(control, resource, region)
        print(json.dumps({"seconds_since_interpreter_code": time.perf_counter() - T0, "imported_at": IMPORTED,
                          "cpu_seconds": time.process_time(), "hwm_kb": peak_rss_kb()}))
    elif mode == "sweep":
        print(json.dumps(sweep(sys.argv[2], sys.argv[3:])))
    elif mode == "serve":
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            wall, cpu = time.perf_counter(), time.process_time()
            call(request["control"], request["id"], request.get("region"))
            print(json.dumps({"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu}),
                  flush=True)


if __name__ == "__main__":
    main()
