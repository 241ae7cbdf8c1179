#!/usr/bin/env python3
"""Writes the bad-input corpus: events every function must reject (InvalidEvent) or ignore, with no
AWS call and no panic. `all-*` files apply to every function, `<function>-*` files to one.
`.bin` files are raw bytes (not JSON at all); `.json` files are valid JSON of the wrong kind.
Run it again after changing it: python3 tests/corpus/generate.py"""

import copy
import json
import pathlib

HERE = pathlib.Path(__file__).parent
EVENTS = HERE.parent.parent / "events"


def load(path):
    return json.loads((EVENTS / path).read_text())


CONFIG = load("s3-block-public-access/config-noncompliant.json")
TRAIL = load("s3-block-public-access/cloudtrail.json")
HUB = load("s3-block-public-access/securityhub.json")


def edit(base, pointer, value=None, delete=False):
    event = copy.deepcopy(base)
    *path, last = [p for p in pointer.split("/") if p]
    node = event
    for key in path:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        last = int(last)
    if delete:
        del node[last]
    else:
        node[last] = value
    return event


json_cases = {
    # not an event at all
    "all-null": None,
    "all-number": 42,
    "all-string": "arn:aws:s3:::bucket",
    "all-array-of-events": [CONFIG, TRAIL],
    "all-bool": True,
    # EventBridge envelopes of other kinds
    "all-detail-type-number": {"detail-type": 7, "source": "aws.config", "detail": {}},
    "all-ec2-state-change": {"version": "0", "detail-type": "EC2 Instance State-change Notification",
                             "source": "aws.ec2", "account": "123456789012", "region": "us-east-1",
                             "detail": {"instance-id": "i-0123456789abcdef0", "state": "running"}},
    "all-s3-object-created": {"version": "0", "detail-type": "Object Created", "source": "aws.s3",
                              "detail": {"bucket": {"name": "example-public-bucket"}}},
    "all-guardduty-finding": {"detail-type": "GuardDuty Finding", "source": "aws.guardduty", "detail": {"id": "x"}},
    "all-health-event": {"detail-type": "AWS Health Event", "source": "aws.health", "detail": {}},
    "all-source-without-detail-type": {"source": "aws.config", "detail": {}},
    "all-unicode-detail-type": {"detail-type": "Cönfig Rüles Compliance Change ✓", "detail": {}},
    # Config compliance changes that are broken or need nothing
    "all-config-no-detail": edit(CONFIG, "/detail", delete=True),
    "all-config-detail-string": edit(CONFIG, "/detail", "NON_COMPLIANT"),
    "all-config-no-evaluation": edit(CONFIG, "/detail/newEvaluationResult", delete=True),
    "all-config-compliant": edit(CONFIG, "/detail/newEvaluationResult/complianceType", "COMPLIANT"),
    "all-config-not-applicable": edit(CONFIG, "/detail/newEvaluationResult/complianceType", "NOT_APPLICABLE"),
    "all-config-insufficient-data": edit(CONFIG, "/detail/newEvaluationResult/complianceType", "INSUFFICIENT_DATA"),
    "all-config-other-resource-type": edit(
        edit(CONFIG, "/detail/resourceType", "AWS::EC2::Instance"), "/detail/resourceId", "i-0123456789abcdef0"),
    "all-config-no-resource-id": edit(
        edit(CONFIG, "/detail/resourceId", delete=True),
        "/detail/newEvaluationResult/evaluationResultIdentifier/evaluationResultQualifier/resourceId", delete=True),
    "all-config-resource-id-number": edit(CONFIG, "/detail/resourceId", 12345),
    "all-config-bad-account": edit(CONFIG, "/detail/awsAccountId", "12345"),
    "all-config-bad-region": edit(CONFIG, "/detail/awsRegion", "moon-base-1"),
    "all-config-huge-compliant": edit(edit(CONFIG, "/detail/newEvaluationResult/complianceType", "COMPLIANT"),
                                      "/detail/newEvaluationResult/annotation", "x" * 200_000),
    # CloudTrail calls that are broken or need nothing
    "all-cloudtrail-no-event-name": edit(TRAIL, "/detail/eventName", delete=True),
    "all-cloudtrail-event-name-number": edit(TRAIL, "/detail/eventName", 5),
    "all-cloudtrail-access-denied": edit(TRAIL, "/detail/errorCode", "AccessDenied"),
    "all-cloudtrail-iam-create-user": edit(edit(edit(TRAIL, "/detail/eventName", "CreateUser"),
                                                "/detail/eventSource", "iam.amazonaws.com"),
                                           "/detail/requestParameters", {"userName": "mallory"}),
    "all-cloudtrail-read-only-call": edit(TRAIL, "/detail/eventName", "GetBucketPolicy"),
    "all-cloudtrail-bucket-name-array": edit(TRAIL, "/detail/requestParameters/bucketName", ["example-public-bucket"]),
    "all-cloudtrail-bad-recipient": edit(TRAIL, "/detail/recipientAccountId", "not-an-account"),
    "all-cloudtrail-bad-region": edit(TRAIL, "/detail/awsRegion", "US-EAST-1"),
    # Security Hub findings that are broken or need nothing
    "all-securityhub-findings-object": edit(HUB, "/detail/findings", {"Id": "x"}),
    "all-securityhub-findings-empty": edit(HUB, "/detail/findings", []),
    "all-securityhub-passed": edit(HUB, "/detail/findings/0/Compliance/Status", "PASSED"),
    "all-securityhub-archived": edit(HUB, "/detail/findings/0/RecordState", "ARCHIVED"),
    "all-securityhub-suppressed": edit(HUB, "/detail/findings/0/Workflow/Status", "SUPPRESSED"),
    "all-securityhub-other-control": edit(edit(HUB, "/detail/findings/0/Compliance/SecurityControlId", "IAM.1"),
                                          "/detail/findings/0/GeneratorId", "security-control/IAM.1"),
    "all-securityhub-resource-without-id": edit(HUB, "/detail/findings/0/Resources/0/Id", delete=True),
    "all-securityhub-resource-not-object": edit(HUB, "/detail/findings/0/Resources", ["arn:aws:s3:::x"]),
    "all-securityhub-bad-account": edit(HUB, "/detail/findings/0/AwsAccountId", "123"),
    "all-securityhub-finding-not-object": edit(HUB, "/detail/findings", ["finding"]),
    # manual payloads
    "all-manual-empty-object-typo": {"resourceid": "example-public-bucket"},
    "all-manual-unknown-field": {"resource_id": "example-public-bucket", "force": True},
    "all-manual-id-number": {"resource_id": 123456789012},
    "all-manual-id-empty": {"resource_id": ""},
    "all-manual-id-null-and-typo": {"resource_id": None, "sweeps": True},
    "all-manual-ids-string": {"resource_ids": "example-public-bucket"},
    "all-manual-ids-empty": {"resource_ids": []},
    "all-manual-ids-mixed-types": {"resource_ids": ["example-public-bucket", 7]},
    "all-manual-id-and-sweep": {"resource_id": "example-public-bucket", "sweep": True},
    "all-manual-dry-run-string": {"resource_id": "example-public-bucket", "dry_run": "true"},
    "all-manual-sweep-number": {"sweep": 1},
    "all-manual-region-invalid": {"resource_id": "example-public-bucket", "region": "mars-1"},
    "all-manual-region-number": {"sweep": True, "region": 1},
    "all-manual-account-short": {"resource_id": "example-public-bucket", "account_id": "1234"},
    "all-manual-account-letters": {"sweep": True, "account_id": "12345678901a"},
    "all-manual-id-huge": {"resource_id": "a" * 3000},
    "all-manual-too-many-ids": {"resource_ids": [f"bucket-{i:05d}" for i in range(1001)]},
    "all-manual-id-whitespace": {"resource_id": "example public bucket"},
    "all-manual-id-control-char": {"resource_id": "example\u0007bucket"},
    "all-manual-id-unicode": {"resource_id": "bücket-ü-🪣"},
    "all-manual-arn-aws-cn": {"resource_id": "arn:aws-cn:s3:::example-public-bucket"},
    "all-manual-arn-aws-us-gov": {"resource_id": "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
    "all-manual-huge-unknown-field": {"payload": "z" * 1_000_000},
    # ids of the wrong shape for one function
    "s3-block-public-access-snapshot-arn": {"resource_id": "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0123456789abcdef0"},
    "s3-block-public-access-uppercase-bucket": {"resource_id": "Example_Bucket"},
    "s3-block-public-access-object-arn": {"resource_id": "arn:aws:s3:::example-public-bucket/private/key.txt"},
    "kms-cancel-key-deletion-snapshot-id": {"resource_id": "snap-0123456789abcdef0"},
    "kms-cancel-key-deletion-bucket-arn": {"resource_id": "arn:aws:s3:::example-public-bucket"},
    "kms-cancel-key-deletion-not-a-uuid": {"resource_id": "1234abcd-12ab-34cd"},
    "ebs-snapshot-revoke-public-bucket-name": {"resource_id": "example-public-bucket"},
    "ebs-snapshot-revoke-public-volume-id": {"resource_id": "vol-0123456789abcdef0"},
    "ebs-snapshot-revoke-public-key-arn": {"resource_id": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
    "ebs-default-encryption-snapshot-id": {"resource_id": "snap-0123456789abcdef0"},
    "ebs-default-encryption-availability-zone": {"resource_id": "us-east-1a"},
    "ebs-default-encryption-bucket-arn": {"resource_id": "arn:aws:s3:::example-public-bucket"},
}

raw_cases = {
    "all-empty": b"",
    "all-truncated-config": json.dumps(CONFIG).encode()[:300],
    "all-truncated-cloudtrail": json.dumps(TRAIL).encode()[:-1],
    "all-truncated-manual": b'{"resource_id": "example-public-bucket"',
    "all-not-utf8": b'{"resource_id": "\xff\xfe"}',
    "all-deep-nesting": b"[" * 5000 + b"]" * 5000,
    "all-trailing-garbage": b'{"sweep": true} {"sweep": true}',
    "all-single-quotes": b"{'resource_id': 'example-public-bucket'}",
    "all-nan": b'{"resource_id": NaN}',
}

for old in HERE.glob("*.json"):
    old.unlink()
for old in HERE.glob("*.bin"):
    old.unlink()
for name, value in json_cases.items():
    (HERE / f"{name}.json").write_text(json.dumps(value, ensure_ascii=False))
for name, value in raw_cases.items():
    (HERE / f"{name}.bin").write_bytes(value)
print(f"{len(json_cases)} json + {len(raw_cases)} raw = {len(json_cases) + len(raw_cases)} cases")
