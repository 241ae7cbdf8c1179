"""The dashboard and the alarms read the metrics the code writes: every metric name, dimension and
outcome they use is one the core's EMF records carry (shared/src/metrics.rs, shared/src/report.rs),
the dashboard body is valid JSON once !Sub has filled it, and every deployed control has its
Errors and TimeToRemediate alarms."""

import json
import re
import unittest

from cfn import ROOT, Template, camel, wirings

METRICS_RS = (ROOT / "shared/src/metrics.rs").read_text()
REPORT_RS = (ROOT / "shared/src/report.rs").read_text()


def emitted_metrics():
    return set(re.findall(r'\("(\w+)", "(?:Count|Milliseconds)"', METRICS_RS))


def outcomes():
    return set(re.findall(r'Outcome::\w+ => "(\w+)"', REPORT_RS))


def namespace():
    return re.search(r'pub const NAMESPACE: &str = "(\w+)";', METRICS_RS).group(1)


class Dashboard(unittest.TestCase):
    def setUp(self):
        self.t = Template("template.yaml")
        (self.dashboard,) = self.t.resources("AWS::CloudWatch::Dashboard").values()
        text = self.dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
        params = {k: v for k, v in self.t.params.items()}
        self.body = json.loads(
            re.sub(r"\$\{([^}]+)\}", lambda m: params.get(m.group(1), "x"), text))

    def test_the_body_is_json_and_every_widget_is_on_the_grid(self):
        widgets = self.body["widgets"]
        self.assertGreaterEqual(len(widgets), 8)
        for w in widgets:
            self.assertLessEqual(w["x"] + w["width"], 24, w)

    def test_searches_name_what_the_code_emits(self):
        searches = [
            m["expression"]
            for w in self.body["widgets"] if w["type"] == "metric"
            for row in w["properties"]["metrics"] for m in row if isinstance(m, dict) and "expression" in m
        ]
        self.assertTrue(searches)
        for s in searches:
            with self.subTest(s):
                ns, *dims = re.search(r"\{([^}]+)\}", s).group(1).split(",")
                self.assertEqual(ns, namespace())
                self.assertLessEqual(set(dims), {"Control", "Outcome"})
                self.assertIn(re.search(r'MetricName="(\w+)"', s).group(1), emitted_metrics())
                self.assertLessEqual(set(re.findall(r'Outcome="(\w+)"', s)), outcomes())

    def test_the_widget_list_covers_the_issue(self):
        titles = [w["properties"].get("title", "") for w in self.body["widgets"]]
        for wanted in ["Results by control and outcome", "Time to remediate, p50 and p99 (ms)",
                       "Failed per control", "Waiting: needs_action, deferred, contested",
                       "Failed-event queue depth"]:
            self.assertIn(wanted, titles)


class Alarms(unittest.TestCase):
    def test_each_control_has_its_errors_and_time_to_remediate_alarms(self):
        t = Template("template.yaml")
        alarms = t.resources("AWS::CloudWatch::Alarm")
        for name in wirings():
            c = camel(name)
            with self.subTest(name):
                self.assertIn(f"{c}Errors", alarms)
                ttr = alarms[f"{c}TimeToRemediate"]["Properties"]
                self.assertEqual(ttr["Namespace"], namespace())
                self.assertIn(ttr["MetricName"], emitted_metrics())
                self.assertEqual(ttr["Dimensions"], [{"Name": "Control", "Value": name}])
                self.assertEqual(ttr["ExtendedStatistic"], "p99")
                self.assertEqual(ttr["Threshold"], t.params["TimeToRemediateP99Ms"])
        self.assertEqual(t.params["TimeToRemediateP99Ms"], "1000")


if __name__ == "__main__":
    unittest.main()
