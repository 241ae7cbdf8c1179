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

    def __init__(self, venv_bin, log_dir, keepalive=True, aws_answers=True):
        self.keepalive = keepalive
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(log_dir, "moto.log"), "w")
        env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
        if keepalive:
            argv = [os.path.join(venv_bin, "python"), os.path.join(os.path.dirname(__file__), "moto_keepalive.py")]
            if aws_answers:  # ListBuckets' BucketRegion, DescribeSnapshots' owner and restorable-by filters
                argv.append("--aws-answers")
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

    def requests(self, since, until=None):
        """[(service, operation, arrived, answered)] of the requests that arrived within [since, until]
        (time.perf_counter, the same clock in both processes); [] for moto_server."""
        if not self.keepalive:
            return []
        with urllib.request.urlopen(f"{self.endpoint}/moto-keepalive/requests?since={since!r}", timeout=30) as answer:
            log = json.loads(answer.read())
        return [tuple(r) for r in log if until is None or r[2] <= until]

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


def sample_event(function, name, replace=None):
    """One of the project's sample events (events/<function>/<name>.json), with ids replaced."""
    with open(os.path.join(os.path.dirname(__file__), "..", "events", function, name + ".json")) as f:
        text = f.read()
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    event = json.loads(text)
    if "id" in event:
        event["id"] = str(uuid.uuid4())  # each event is a new one (duplicate-event detection)
    return event


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

    def seed_mixed(self, aws, count, noncompliant):
        """`count` buckets, of which the first `noncompliant` public and the rest with Block Public Access
        on (as AWS makes new buckets since 2023): a real account's mix."""
        names = [f"bench-mixed-{i:05d}" for i in range(count)]

        def make(i_name):
            i, b = i_name
            s3 = aws.client("s3")
            if i < noncompliant:
                s3.create_bucket(Bucket=b, ACL="public-read")
            else:
                s3.create_bucket(Bucket=b)
                s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={k: True for k in ALL_ON})
        parallel(make, list(enumerate(names)))
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

    def callgrind_event(self, bucket):
        return self.ours_event(bucket)

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

    def seed_mixed(self, aws, count, noncompliant):
        """`count` snapshots of which `noncompliant` public, the rest private."""
        volume = self._volume(aws)

        def make(i):
            if i < noncompliant:
                return self._public_snapshot(aws, volume)
            return aws.client("ec2").create_snapshot(VolumeId=volume)["SnapshotId"]
        return parallel(make, range(count))

    def compliant(self, aws, snapshot):
        permissions = aws.client("ec2").describe_snapshot_attribute(
            SnapshotId=snapshot, Attribute="createVolumePermission")["CreateVolumePermissions"]
        return not any(p.get("Group") == "all" for p in permissions)

    def ours_event(self, snapshot):
        # The CloudTrail call that made it public: the trigger that reaches the function first.
        return sample_event(self.function, "cloudtrail", {"snap-0123456789abcdef0": snapshot})

    def callgrind_event(self, snapshot):
        return {"resource_id": snapshot}  # the payload of the instruction counts before issue 20

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
        return sample_event(self.function, "cloudtrail", {'"us-east-1"': json.dumps(region)})

    def callgrind_event(self, region):
        return {"resource_id": region}  # the payload of the instruction counts before issue 20

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
        return sample_event(self.function, "cloudtrail", {"1234abcd-12ab-34cd-56ef-1234567890ab": key_id})

    def callgrind_event(self, key_id):
        return {"resource_id": key_id}  # the payload of the instruction counts before issue 20


CONTROLS = [S3(), Kms(), Snapshot(), Ebs()]


# ---- the other controls: one cold start each (the 128 MB profile, cold instructions) ------------------

class ColdOnly:
    """A control measured only cold: seed one noncompliant resource, invoke once with a manual payload."""
    key = None
    want = "remediated"
    c7n_resource = None

    def ours_event(self, resource):
        return {"resource_id": resource}


class PasswordPolicy(ColdOnly):
    function = "iam-password-policy"

    def seed_one(self, aws):
        aws.client("iam").update_account_password_policy(MinimumPasswordLength=6)
        return ACCOUNT

    def compliant(self, aws, _account):
        return aws.client("iam").get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] >= 14


class DefaultSg(ColdOnly):
    function = "ec2-default-sg-closed"

    def seed_one(self, aws):
        ec2 = aws.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                       {"Name": "group-name", "Values": ["default"]}])
        return groups["SecurityGroups"][0]["GroupId"]  # with its all-egress rule: noncompliant

    def compliant(self, aws, group):
        g = aws.client("ec2").describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
        return not g.get("IpPermissions") and not g.get("IpPermissionsEgress")


class Trail(ColdOnly):
    function = "cloudtrail-logging"

    def seed_one(self, aws):
        bucket, trail = unique("bench-trail-logs"), unique("bench-trail")
        aws.client("s3").create_bucket(Bucket=bucket)
        # A new trail does not log until StartLogging: noncompliant.
        aws.client("cloudtrail").create_trail(Name=trail, S3BucketName=bucket, IsMultiRegionTrail=True,
                                              EnableLogFileValidation=True)
        return trail

    def compliant(self, aws, trail):
        return aws.client("cloudtrail").get_trail_status(Name=trail)["IsLogging"]


class GuardDuty(ColdOnly):
    function = "guardduty-enabled"

    def seed_one(self, aws):
        gd = aws.client("guardduty")
        detectors = gd.list_detectors()["DetectorIds"]
        if detectors:
            for d in detectors:
                gd.update_detector(DetectorId=d, Enable=False)
        else:
            gd.create_detector(Enable=False)
        return REGION

    def compliant(self, aws, _region):
        gd = aws.client("guardduty")
        return all(gd.get_detector(DetectorId=d)["Status"] == "ENABLED" for d in gd.list_detectors()["DetectorIds"])


class UnusedCredentials(ColdOnly):
    function = "iam-unused-credentials"
    # Access keys cannot be back-dated through the API (shared/EMULATOR.md): a new key is in use.
    want = "already_compliant"

    def seed_one(self, aws):
        user = unique("bench-user")
        aws.client("iam").create_user(UserName=user)
        aws.client("iam").create_access_key(UserName=user)
        return user

    def compliant(self, aws, _user):
        return True


class ConfigRecorder(ColdOnly):
    function = "config-recorder-on"

    def seed_one(self, aws):
        config = aws.client("config")
        if not config.describe_configuration_recorders()["ConfigurationRecorders"]:
            bucket = unique("bench-config")
            aws.client("s3").create_bucket(Bucket=bucket)
            config.put_configuration_recorder(ConfigurationRecorder={
                "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
                "recordingGroup": {"allSupported": True}})
            config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
        else:
            config.stop_configuration_recorder(ConfigurationRecorderName="default")
        return REGION

    def compliant(self, aws, _region):
        status = aws.client("config").describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
        return all(s["recording"] for s in status)


COLD_ONLY = [PasswordPolicy(), DefaultSg(), Trail(), GuardDuty(), UnusedCredentials(), ConfigRecorder()]
ALL_CONTROLS = CONTROLS + COLD_ONLY


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
