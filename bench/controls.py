"""The emulator, and per control: how to make one (or many) noncompliant resources, the events and
policies each implementation is given, and how the emulator's state is read back afterwards."""

import concurrent.futures
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

import boto3
from botocore.config import Config

ACCOUNT = "123456789012"
REGION = "us-east-1"
SEED_THREADS = 8
ALL_ON = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """The emulator: moto's server from the project venv, on a free loopback port.

    keepalive=True (the benchmark's default) runs it through bench/moto_keepalive.py, which keeps HTTP/1.1
    connections alive as AWS does; keepalive=False runs `moto_server` itself, whose werkzeug server answers
    every request with `Connection: close` (how the numbers before keep-alive were taken). Same moto, same
    app, same arguments and environment either way."""

    def __init__(self, venv_bin, log_dir, keepalive=True):
        self.keepalive = keepalive
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(log_dir, "moto.log"), "w")
        env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
        if keepalive:
            argv = [os.path.join(venv_bin, "python"), os.path.join(os.path.dirname(__file__), "moto_keepalive.py")]
        else:
            argv = [os.path.join(venv_bin, "moto_server")]
        self.proc = subprocess.Popen(argv + ["-H", "127.0.0.1", "-p", str(self.port)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2)
                break
            except Exception:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("moto_server did not start; see " + self.log.name)
                time.sleep(0.2)
        self.aws = Aws(self.endpoint)
        self.topic_arn = None

    def stats(self):
        """{"connections": TCP connections accepted, "requests": requests answered} since the start
        (bench/moto_keepalive.py's counters); None for moto_server, which answers one request per connection."""
        if not self.keepalive:
            return None
        with urllib.request.urlopen(self.endpoint + "/moto-keepalive/stats", timeout=10) as answer:
            return json.loads(answer.read())

    def since(self, before):
        """Connections and requests the emulator took since `before` (a stats()), this stats request excluded;
        None for moto_server."""
        if before is None:
            return None
        after = self.stats()
        return {"connections": after["connections"] - before["connections"] - 1,
                "requests": after["requests"] - before["requests"] - 1}

    def check_keepalive(self, requests=20):
        """Proves that a client reuses its connection: one boto3 client, `requests` calls, connections counted
        by the server. Raises when they are not reused (the benchmark would then misstate its setup)."""
        client = Aws(self.endpoint).client("sts")
        before = self.stats()
        for _ in range(requests):
            client.get_caller_identity()
        result = self.since(before)
        if result["requests"] != requests or result["connections"] > 1:
            raise RuntimeError(f"the emulator does not keep connections alive: {result} (see {self.log.name})")
        return result

    def reset(self):
        """Clears every resource, then creates the report topic the functions publish to."""
        urllib.request.urlopen(urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST"))
        self.aws.clear()
        self.topic_arn = self.aws.client("sns").create_topic(Name="remediation-reports")["TopicArn"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Aws:
    """boto3 clients on the emulator, for seeding and reading back (never timed)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        self._clients = {}

    def clear(self):
        self._clients = {}

    def client(self, service, region=REGION):
        key = (service, region)
        if key not in self._clients:
            config = Config(s3={"addressing_style": "path"}, max_pool_connections=SEED_THREADS * 2,
                            retries={"max_attempts": 8, "mode": "standard"})
            self._clients[key] = self.session.client(service, endpoint_url=self.endpoint, region_name=region,
                                                     config=config)
        return self._clients[key]


def parallel(fn, items):
    with concurrent.futures.ThreadPoolExecutor(SEED_THREADS) as pool:
        return list(pool.map(fn, items))


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ---- the controls ----------------------------------------------------------------------------------

class S3:
    key = "s3"
    function = "s3-block-public-access"
    minimum = ["read", "write", "read-back", "publish"]
    c7n_resource = "aws.s3"
    c7n_filters = [{"type": "check-public-block"}]
    c7n_actions = [{"type": "set-public-block"}]
    c7n_event = {"source": "s3.amazonaws.com", "event": "CreateBucket", "ids": "requestParameters.bucketName"}

    def seed_one(self, aws):
        bucket = unique("bench")
        aws.client("s3").create_bucket(Bucket=bucket, ACL="public-read")
        return bucket

    def seed_many(self, aws, count):
        names = [f"bench-public-{i:05d}" for i in range(count)]
        parallel(lambda b: aws.client("s3").create_bucket(Bucket=b, ACL="public-read"), names)
        return names

    def compliant(self, aws, bucket):
        try:
            config = aws.client("s3").get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        except aws.client("s3").exceptions.ClientError:
            return False
        return all(config.get(k) for k in ALL_ON)

    def ours_event(self, bucket):
        # The Config rule's compliance change, the trigger the template wires first: it says the bucket's
        # region, so no GetBucketLocation. A CloudTrail or manual event adds that one request.
        with open(os.path.join(os.path.dirname(__file__), "..", "events", "s3-block-public-access",
                               "config-noncompliant.json")) as f:
            return json.loads(f.read().replace("example-public-bucket", bucket))

    def ours_sweep_event(self):
        return {"sweep": True}

    def cloudtrail(self, bucket):
        return {"eventSource": "s3.amazonaws.com", "eventName": "CreateBucket",
                "requestParameters": {"bucketName": bucket}}


class Snapshot:
    key = "snapshot"
    function = "ebs-snapshot-revoke-public"
    minimum = ["read", "write", "read-back", "publish"]
    c7n_resource = "aws.ebs-snapshot"
    c7n_filters = [{"type": "cross-account", "everyone_only": True}]
    c7n_actions = [{"type": "set-permissions", "remove": "matched"}]
    c7n_event = {"source": "ec2.amazonaws.com", "event": "ModifySnapshotAttribute",
                 "ids": "requestParameters.snapshotId"}

    def __init__(self):
        self.volume = None

    def _volume(self, aws):
        if self.volume is None or self.volume[0] is not aws.client("ec2"):
            volume = aws.client("ec2").create_volume(Size=1, AvailabilityZone=REGION + "a")["VolumeId"]
            self.volume = (aws.client("ec2"), volume)
        return self.volume[1]

    def _public_snapshot(self, aws, volume):
        ec2 = aws.client("ec2")
        snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        ec2.modify_snapshot_attribute(SnapshotId=snapshot, Attribute="createVolumePermission",
                                      OperationType="add", GroupNames=["all"])
        return snapshot

    def seed_one(self, aws):
        return self._public_snapshot(aws, self._volume(aws))

    def seed_many(self, aws, count):
        volume = self._volume(aws)
        return parallel(lambda _: self._public_snapshot(aws, volume), range(count))

    def compliant(self, aws, snapshot):
        permissions = aws.client("ec2").describe_snapshot_attribute(
            SnapshotId=snapshot, Attribute="createVolumePermission")["CreateVolumePermissions"]
        return not any(p.get("Group") == "all" for p in permissions)

    def ours_event(self, snapshot):
        return {"resource_id": snapshot}

    def ours_sweep_event(self):
        return {"sweep": True}

    def cloudtrail(self, snapshot):
        return {"eventSource": "ec2.amazonaws.com", "eventName": "ModifySnapshotAttribute",
                "requestParameters": {"snapshotId": snapshot, "attributeType": "CREATE_VOLUME_PERMISSION",
                                      "createVolumePermission": {"add": {"items": [{"groupName": "all"}]}}}}


class Ebs:
    key = "ebs"
    function = "ebs-default-encryption"
    minimum = ["read", "write", "read-back", "publish"]
    c7n_resource = "aws.account"
    c7n_filters = [{"type": "default-ebs-encryption", "state": False}]
    c7n_actions = [{"type": "set-ebs-encryption", "state": True}]
    c7n_event = {"source": "ec2.amazonaws.com", "event": "DisableEbsEncryptionByDefault", "ids": "recipientAccountId"}

    def seed_one(self, aws, region=REGION):
        aws.client("ec2", region).disable_ebs_encryption_by_default()
        return region

    def seed_many(self, aws, regions):
        parallel(lambda r: aws.client("ec2", r).disable_ebs_encryption_by_default(), regions)
        return list(regions)

    def compliant(self, aws, region):
        return aws.client("ec2", region).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]

    def ours_event(self, region):
        return {"resource_id": region}

    def ours_sweep_event(self):
        return {"sweep": True}

    def cloudtrail(self, region):
        return {"eventSource": "ec2.amazonaws.com", "eventName": "DisableEbsEncryptionByDefault",
                "awsRegion": region, "recipientAccountId": ACCOUNT, "requestParameters": {}}


class Kms:
    key = "kms"
    function = "kms-cancel-key-deletion"
    # Two writes: CancelKeyDeletion leaves the key Disabled, EnableKey makes it usable again.
    minimum = ["read", "write", "write", "read-back", "publish"]
    # c7n 0.9.53 has no action that cancels a key deletion (its kms actions: tag, remove-statements,
    # set-rotation, schedule-deletion, ...): no c7n peer for this control.
    c7n_resource = None

    def seed_one(self, aws):
        kms = aws.client("kms")
        key_id = kms.create_key(Description="bench")["KeyMetadata"]["KeyId"]
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        return key_id

    def compliant(self, aws, key_id):
        """KMS.3: no longer pending deletion (the key state is recorded separately)."""
        return aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] not in (
            "PendingDeletion", "PendingReplicaDeletion")

    def key_state(self, aws, key_id):
        return aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]

    def ours_event(self, key_id):
        return {"resource_id": key_id}


CONTROLS = [S3(), Kms(), Snapshot(), Ebs()]


def c7n_lambda_config(control, output_dir):
    """c7n's Lambda config.json: a cloudtrail-mode policy, as `custodian` would deploy it."""
    return {
        "execution-options": {"output_dir": output_dir, "account_id": ACCOUNT, "metrics_enabled": False,
                              "cache_period": 0},
        "policies": [{
            "name": f"bench-{control.key}",
            "resource": control.c7n_resource,
            "mode": {"type": "cloudtrail", "role": f"arn:aws:iam::{ACCOUNT}:role/custodian",
                     "events": [control.c7n_event]},
            "filters": control.c7n_filters,
            "actions": control.c7n_actions,
        }],
    }


def c7n_pull_policy(control):
    return {"policies": [{"name": f"bench-{control.key}", "resource": control.c7n_resource,
                          "filters": control.c7n_filters, "actions": control.c7n_actions}]}


def c7n_event(control, resource_id):
    detail = {"awsRegion": REGION, "recipientAccountId": ACCOUNT, **control.cloudtrail(resource_id)}
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "AWS API Call via CloudTrail",
            "source": "aws." + detail["eventSource"].split(".")[0], "account": ACCOUNT, "region": detail["awsRegion"],
            "detail": detail}


def peer_env(endpoint, work_dir):
    """Environment of a Python peer process: the emulator, credentials in files (c7n-org replaces env
    credentials), path-style S3, and a private c7n cache directory."""
    os.makedirs(work_dir, exist_ok=True)
    config = os.path.join(work_dir, "aws-config")
    with open(config, "w") as f:
        f.write(f"[default]\nregion = {REGION}\ns3 =\n    addressing_style = path\n")
    credentials = os.path.join(work_dir, "aws-credentials")
    with open(credentials, "w") as f:
        f.write("[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": credentials,
                "AWS_DEFAULT_REGION": REGION, "HOME": work_dir,
                "C7N_ORG_PARALLEL": os.environ.get("C7N_ORG_PARALLEL", str(4 * (os.cpu_count() or 1)))})
    return env


def temp_dir(base, name):
    return tempfile.mkdtemp(prefix=name + "-", dir=base)
