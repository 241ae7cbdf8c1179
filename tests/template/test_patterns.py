"""The EventBridge patterns of template.yaml (and member-role.yaml's forwarding rules) against the events/
samples, matched by a real EventBridge implementation: moto's. Each pattern becomes a rule with an SQS
target; each sample is put on the bus with PutEvents; the queues say which rules took it.

What a sample must match:
- events/<function>/<file> of shape config / cloudtrail / securityhub: exactly that function's rule of
  that shape, and the member accounts' forwarding rule of that shape; no other function's rule.
- cloudtrail-failed.json (a call with errorCode): no rule at all.
- cloudtrail-remove.json (ModifySnapshotAttribute that only removed permissions): the snapshot
  function's CloudTrail rule, on purpose. The function tells removals from additions and ignores them
  without an AWS call, so "what counts as sharing" is decided in one place (a pattern on the
  request's shape would also drop records of shapes we have not seen, which the function still checks).
- cloudtrail-reset-default-key.json: the EBS function's rule (acted on only with EBS_DEFAULT_KMS_KEY_ID).
- schedule.json: no pattern (scheduled sweeps come from the functions' ScheduleV2 events, checked here too).
- manual*.json: not EventBridge events; they are never put on the bus.
Plus mutations of every sample that must match nothing: a COMPLIANT evaluation, a rule name that is
not ours, a failed call (errorCode added), a PASSED / ARCHIVED / SUPPRESSED finding.

moto 5.2.5 does not descend into arrays of objects when matching (a pattern on
detail.findings.Compliance.Status never matches `"findings": [{...}]`), where EventBridge matches if
any element does. Security Hub puts exactly one finding in each event, and for a one-element array
EventBridge's answer is the answer for the element itself, so the single finding is put as an object
(the test asserts there is exactly one)."""

import copy
import json
import re
import unittest

from cfn import ROOT, Template, wirings
from emulator import Moto

SHAPES = {
    "Config Rules Compliance Change": "config",
    "AWS API Call via CloudTrail": "cloudtrail",
    "Security Hub Findings - Imported": "securityhub",
    "Scheduled Event": "schedule",
}

# Sample files whose expected matches differ from "the function's rule of the sample's shape".
class _NoMatch:
    """Samples of calls that failed (`cloudtrail-failed*.json`, with errorCode): no rule takes them."""

    def __contains__(self, key):
        return key.split("/", 1)[1].startswith("cloudtrail-failed")


NO_MATCH = _NoMatch()

# The Config managed rules the template creates, and the control each belongs to (its WIRING).
CONFIG_RULE_OWNER = {r["identifier"]: name for name, w in wirings().items() for r in w["config_rules"]}

FORWARD = "member-forwarding"


def shape_of_pattern(pattern):
    (detail_type,) = pattern["detail-type"]
    return SHAPES[detail_type]


def central_rules(template):
    """[(function, shape, pattern)] of template.yaml: SAM EventBridgeRule events and AWS::Events::Rule."""
    rules = []
    functions = template.functions()
    by_logical = {logical: name for name, (logical, _) in functions.items()}
    for name, (_, res) in functions.items():
        for event in res["Properties"].get("Events", {}).values():
            if event["Type"] == "EventBridgeRule":
                pattern = event["Properties"]["Pattern"]
                rules.append((name, shape_of_pattern(pattern), pattern))
    for rule in template.resources("AWS::Events::Rule").values():
        (target,) = rule["Properties"]["Targets"]
        function = by_logical[target["Arn"]["Fn::GetAtt"][0]]
        pattern = rule["Properties"]["EventPattern"]
        rules.append((function, shape_of_pattern(pattern), pattern))
    return rules


def member_rules(template):
    rules = []
    for rule in template.resources("AWS::Events::Rule").values():
        pattern = rule["Properties"]["EventPattern"]
        rules.append((FORWARD, shape_of_pattern(pattern), pattern))
    return rules


def samples():
    """[(function, file name, event)] of every events/<function>/*.json."""
    out = []
    for path in sorted((ROOT / "events").glob("*/*.json")):
        out.append((path.parent.name, path.name, json.loads(path.read_text())))
    return out


def entry(event):
    detail = copy.deepcopy(event["detail"])
    if isinstance(detail.get("findings"), list):
        assert len(detail["findings"]) == 1, "Security Hub events carry one finding each"
        detail["findings"] = detail["findings"][0]
    return {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(detail),
        "Resources": event.get("resources", []),
    }


class EventPatterns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.events = cls.moto.client("events")
        cls.sqs = cls.moto.client("sqs")
        # Every rule, whatever the conditions: ListenToSecurityHub=true and forwarding on.
        central = Template("template.yaml", ListenToSecurityHub="true")
        member = Template(
            "member-role.yaml",
            CentralAccountId="111111111111",
            CentralEventBusArn="arn:aws:events:us-east-1:111111111111:event-bus/default",
            ForwardSecurityHub="true",
        )
        cls.rules = {}
        for i, (function, shape, pattern) in enumerate(central_rules(central) + member_rules(member)):
            name = f"r{i}-{function}-{shape}"
            queue = cls.sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = cls.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            cls.events.put_rule(Name=name, EventPattern=json.dumps(pattern))
            cls.events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
            cls.rules[name] = (function, shape, queue)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def matches(self, event):
        """The (function, shape) of every rule that took the event."""
        answer = self.events.put_events(Entries=[entry(event)])
        self.assertEqual(answer["FailedEntryCount"], 0, answer)
        took = set()
        for function, shape, queue in self.rules.values():
            messages = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            for m in messages:
                self.sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
            if messages:
                took.add((function, shape))
        return took

    def test_every_function_has_a_rule_per_shape(self):
        have = {(f, s) for f, s, _ in self.rules.values()}
        functions = {p.parent.name for p in (ROOT / "events").glob("*/*.json")}
        self.assertEqual(functions, set(Template("template.yaml").functions()))
        declared = wirings()
        for function in functions:
            w = declared[function]
            shapes = ["securityhub"] + ["config"] * bool(w["config_rules"]) + ["cloudtrail"] * bool(w["event_names"])
            for shape in shapes:
                self.assertIn((function, shape), have)
        for shape in ("config", "cloudtrail", "securityhub"):
            self.assertIn((FORWARD, shape), have)

    def test_samples_match_their_rule_and_no_other(self):
        checked = 0
        for function, file, event in samples():
            key = f"{function}/{file}"
            with self.subTest(sample=key):
                if "detail-type" not in event:
                    self.assertTrue(file.startswith("manual"), f"{key} is neither an EventBridge event nor manual*")
                    continue
                shape = SHAPES[event["detail-type"]]
                got = self.matches(event)
                if key in NO_MATCH or shape == "schedule":
                    expected = set()
                else:
                    expected = {(function, shape), (FORWARD, shape)}
                self.assertEqual(got, expected, f"{key} ({shape})")
                checked += 1
        self.assertGreaterEqual(checked, 20)

    def test_mutated_samples_match_nothing(self):
        for function, file, event in samples():
            shape = SHAPES.get(event.get("detail-type"))
            if shape in (None, "schedule") or f"{function}/{file}" in NO_MATCH:
                continue
            for what, mutate in MUTATIONS[shape]:
                mutated = copy.deepcopy(event)
                mutate(mutated["detail"])
                with self.subTest(sample=f"{function}/{file}", mutation=what):
                    self.assertEqual(self.matches(mutated), set())

    def test_config_rules_created_by_the_template_reach_their_function(self):
        central = Template("template.yaml")
        sample = json.loads((ROOT / "events/s3-block-public-access/config-noncompliant.json").read_text())
        rules = central.resources("AWS::Config::ConfigRule")
        self.assertEqual({r["Properties"]["Source"]["SourceIdentifier"] for r in rules.values()}, set(CONFIG_RULE_OWNER))
        for rule in rules.values():
            props = rule["Properties"]
            owner = CONFIG_RULE_OWNER[props["Source"]["SourceIdentifier"]]
            for name in (props["ConfigRuleName"], f"securityhub-{props['ConfigRuleName']}-a1b2c3"):
                event = copy.deepcopy(sample)
                event["detail"]["configRuleName"] = name
                with self.subTest(rule=name):
                    self.assertEqual(self.matches(event), {(owner, "config"), (FORWARD, "config")})
        # member-role.yaml creates the same rules.
        member = Template("member-role.yaml", CentralAccountId="111111111111", CreateConfigRules="true")
        member_rules_ = {
            (r["Properties"]["ConfigRuleName"], r["Properties"]["Source"]["SourceIdentifier"])
            for r in member.resources("AWS::Config::ConfigRule").values()
        }
        central_rules_ = {
            (r["Properties"]["ConfigRuleName"], r["Properties"]["Source"]["SourceIdentifier"]) for r in rules.values()
        }
        self.assertEqual(member_rules_, central_rules_)

    def test_patterns_name_what_the_code_acts_on(self):
        """CloudTrail event names and Security Hub control ids in the patterns are the controls' own."""
        central = Template("template.yaml", ListenToSecurityHub="true")
        all_names, all_ids = set(), set()
        for function, shape, pattern in central_rules(central):
            w = wirings()[function]
            if shape == "cloudtrail":
                names = set(w["event_names"])
                all_names |= names
                self.assertEqual(set(pattern["detail"]["eventName"]), names, function)
                self.assertEqual(pattern["detail"]["errorCode"], [{"exists": False}], function)
            if shape == "securityhub":
                ids = set(w["security_hub_controls"])
                all_ids |= ids
                self.assertEqual(set(pattern["detail"]["findings"]["Compliance"]["SecurityControlId"]), ids, function)
            if shape == "config":
                self.assertEqual(pattern["detail"]["newEvaluationResult"]["complianceType"], ["NON_COMPLIANT"])
        member = Template("member-role.yaml", CentralAccountId="111111111111", CentralEventBusArn="arn:aws:events:us-east-1:111111111111:event-bus/default", ForwardSecurityHub="true")
        for _, shape, pattern in member_rules(member):
            if shape == "cloudtrail":
                self.assertEqual(set(pattern["detail"]["eventName"]), all_names)
            if shape == "securityhub":
                self.assertEqual(set(pattern["detail"]["findings"]["Compliance"]["SecurityControlId"]), all_ids)

    def test_sweep_schedules(self):
        """Scheduled sweeps come from ScheduleV2 events with the manual sweep payload, on/off with SweepSchedule."""
        for params, state in (({}, "ENABLED"), ({"SweepSchedule": "off"}, "DISABLED")):
            template = Template("template.yaml", **params)
            for function, (_, res) in template.functions().items():
                with self.subTest(function=function, **params):
                    sweeps = [e for e in res["Properties"]["Events"].values() if e["Type"] == "ScheduleV2"]
                    self.assertEqual(len(sweeps), 1)
                    props = sweeps[0]["Properties"]
                    self.assertEqual(json.loads(props["Input"]), {"sweep": True})
                    self.assertEqual(props["State"], state)
                    self.assertRegex(props["ScheduleExpression"], r"^(rate|cron)\(")
                    # SAM would name it after the logical id: two stacks in one region would clash.
                    self.assertIn("${AWS::StackName}-", props["Name"]["Fn::Sub"])


def _set(path, value):
    def mutate(detail):
        node = detail
        for key in path[:-1]:
            node = node[key][0] if isinstance(node[key], list) else node[key]
        node[path[-1]] = value

    return mutate


MUTATIONS = {
    "config": [
        ("COMPLIANT", _set(["newEvaluationResult", "complianceType"], "COMPLIANT")),
        ("NOT_APPLICABLE", _set(["newEvaluationResult", "complianceType"], "NOT_APPLICABLE")),
        ("another rule", _set(["configRuleName"], "required-tags")),
        ("a conformance pack's s3 rule of another control", _set(["configRuleName"], "s3-bucket-logging-enabled")),
    ],
    "cloudtrail": [
        ("failed call", _set(["errorCode"], "AccessDenied")),
        ("another call", _set(["eventName"], "GetBucketPolicy")),
    ],
    "securityhub": [
        ("PASSED", _set(["findings", "Compliance", "Status"], "PASSED")),
        ("ARCHIVED", _set(["findings", "RecordState"], "ARCHIVED")),
        ("SUPPRESSED", _set(["findings", "Workflow", "Status"], "SUPPRESSED")),
        ("another control", _set(["findings", "Compliance", "SecurityControlId"], "IAM.1")),
    ],
}


if __name__ == "__main__":
    unittest.main()
