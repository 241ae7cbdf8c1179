//! Metrics in CloudWatch's embedded metric format (EMF): JSON log lines on stdout that CloudWatch Logs
//! turns into metrics, with no API call and no permission beyond the logs the function already writes.
//!
//! An EMF record holds one value per dimension, so an invocation writes one record for itself
//! (`AwsRequests`, `ResourcesScanned`, by `Control`) and one per outcome it reported (`Results`, and
//! `TimeToRemediate` on the `remediated` one, by `Control` + `Outcome` and by `Control`).
//!
//! Written by hand rather than with `metrique` or `metrics_cloudwatch_embedded`: both are built for
//! long-lived services (a global recorder or a sink flushed in the background, a dozen crates more in
//! the binary), while what we need is a handful of values known when the report is done, in the same
//! stdout stream as the report line.

use crate::report::{Outcome, Report};

pub const NAMESPACE: &str = "AutoRemediation";
/// EMF takes at most 100 values in one metric's array.
const MAX_VALUES: usize = 100;

/// What the engine measured besides the report.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Measured {
    /// HTTP requests to AWS during the invocation, retries included (the SNS publish too).
    pub aws_requests: u64,
    /// Resources listed by the invocation's sweeps; `None` when it swept nothing.
    pub resources_scanned: Option<u64>,
    /// For each `remediated` result of an event about a change (Config, CloudTrail, Security Hub):
    /// the event's time → read-back done.
    pub time_to_remediate_ms: Vec<u64>,
}

/// One metric of a record: a count, or the values of a distribution (at most `MAX_VALUES`).
enum Metric<'a> {
    One(u64),
    Many(&'a [u64]),
}

/// The invocation's EMF records, one JSON object per line, stamped `timestamp_ms` (milliseconds since
/// the epoch). Written as text directly: building them as `serde_json::Value`s first cost more than the
/// rest of the report's delivery but the publish (bench/RESULTS.md, warm instructions).
pub fn records(report: &Report, measured: &Measured, timestamp_ms: u64) -> Vec<String> {
    let head = |outcome: Option<Outcome>| {
        let mut line = String::with_capacity(320);
        line.push_str("{\"Control\":");
        push_str(&mut line, &report.control);
        line.push_str(",\"Trigger\":");
        push_str(&mut line, report.trigger.as_str());
        if let Some(o) = outcome {
            line.push_str(",\"Outcome\":");
            push_str(&mut line, o.as_str());
        }
        line
    };
    let mut invocation = vec![("AwsRequests", "Count", Metric::One(measured.aws_requests))];
    if let Some(n) = measured.resources_scanned {
        invocation.push(("ResourcesScanned", "Count", Metric::One(n)));
    }
    let mut out = vec![record(head(None), &[&["Control"]], &invocation, timestamp_ms)];

    let mut counts: Vec<(Outcome, u64)> = Vec::new();
    for r in &report.results {
        match counts.iter_mut().find(|(o, _)| *o == r.outcome) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.outcome, 1)),
        }
    }
    let by_outcome: &[&[&str]] = &[&["Control", "Outcome"], &["Control"]];
    let mut times = measured.time_to_remediate_ms.chunks(MAX_VALUES);
    for (outcome, n) in counts {
        let mut metrics = vec![("Results", "Count", Metric::One(n))];
        if outcome == Outcome::Remediated {
            if let Some(first) = times.next() {
                metrics.push(("TimeToRemediate", "Milliseconds", Metric::Many(first)));
            }
        }
        out.push(record(head(Some(outcome)), by_outcome, &metrics, timestamp_ms));
    }
    // A sweep that fixed more than 100 resources: the other times in records of their own.
    for more in times {
        let metrics = [("TimeToRemediate", "Milliseconds", Metric::Many(more))];
        out.push(record(head(Some(Outcome::Remediated)), by_outcome, &metrics, timestamp_ms));
    }
    out
}

/// Ends the record begun in `line` (its dimension fields): the metric values, then the `_aws` metadata.
fn record(mut line: String, dimensions: &[&[&str]], metrics: &[(&str, &str, Metric)], timestamp_ms: u64) -> String {
    for (name, _, value) in metrics {
        line.push(',');
        push_str(&mut line, name);
        line.push(':');
        match value {
            Metric::One(n) => push_u64(&mut line, *n),
            Metric::Many(values) => {
                line.push('[');
                for (i, n) in values.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    push_u64(&mut line, *n);
                }
                line.push(']');
            }
        }
    }
    line.push_str(",\"_aws\":{\"Timestamp\":");
    push_u64(&mut line, timestamp_ms);
    line.push_str(",\"CloudWatchMetrics\":[{\"Namespace\":");
    push_str(&mut line, NAMESPACE);
    line.push_str(",\"Dimensions\":[");
    for (i, set) in dimensions.iter().enumerate() {
        line.push_str(if i > 0 { ",[" } else { "[" });
        for (j, key) in set.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            push_str(&mut line, key);
        }
        line.push(']');
    }
    line.push_str("],\"Metrics\":[");
    for (i, (name, unit, _)) in metrics.iter().enumerate() {
        line.push_str(if i > 0 { ",{\"Name\":" } else { "{\"Name\":" });
        push_str(&mut line, name);
        line.push_str(",\"Unit\":");
        push_str(&mut line, unit);
        line.push('}');
    }
    line.push_str("]}]}}");
    line
}

/// `text` as a JSON string: quotes, backslashes and control characters escaped (RFC 8259).
fn push_str(line: &mut String, text: &str) {
    line.push('"');
    for c in text.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                line.push_str("\\u00");
                line.push(HEX[(c as usize) >> 4] as char);
                line.push(HEX[(c as usize) & 0xf] as char);
            }
            c => line.push(c),
        }
    }
    line.push('"');
}

fn push_u64(line: &mut String, n: u64) {
    use std::fmt::Write;
    let _ = write!(line, "{n}");
}

/// Prints the invocation's records on stdout, one line each, where Lambda sends them to CloudWatch Logs.
pub fn emit(report: &Report, measured: &Measured) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut text = String::new();
    for line in records(report, measured, now.as_millis() as u64) {
        text.push_str(&line);
        text.push('\n');
    }
    // One write for all the records (stdout is line-buffered: `print!` writes up to the last newline).
    print!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TargetResult;
    use crate::trigger::Kind;
    use serde_json::{json, Map, Value};

    const UNITS: &[&str] = &[
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];

    /// The rules of the EMF specification (CloudWatch_Embedded_Metric_Format_Specification) a record
    /// must follow for CloudWatch to extract it; returns the metric values by name.
    fn check(line: &str) -> Map<String, Value> {
        let v: Value = serde_json::from_str(line).expect("a record is one JSON object");
        let root = v.as_object().expect("an object at the root");
        let aws = root["_aws"].as_object().expect("_aws");
        assert!(aws["Timestamp"].is_u64(), "Timestamp: milliseconds since the epoch");
        let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics");
        assert_eq!(directives.len(), 1);
        let mut values = Map::new();
        for d in directives {
            let ns = d["Namespace"].as_str().expect("Namespace");
            assert!(!ns.is_empty() && ns.len() <= 255 && !ns.contains(':'), "{ns}");
            for set in d["Dimensions"].as_array().expect("Dimensions") {
                let keys = set.as_array().expect("a dimension set is an array");
                assert!(!keys.is_empty() && keys.len() <= 30);
                for k in keys {
                    let k = k.as_str().expect("dimension key");
                    let value = root[k].as_str().unwrap_or_else(|| panic!("dimension {k} has a string value"));
                    assert!(!value.is_empty() && value.len() <= 1024 && value.is_ascii());
                }
            }
            let metrics = d["Metrics"].as_array().expect("Metrics");
            assert!(!metrics.is_empty() && metrics.len() <= 100);
            for m in metrics {
                let name = m["Name"].as_str().expect("Name");
                assert!(!name.is_empty() && name.len() <= 1024);
                let unit = m["Unit"].as_str().expect("Unit");
                assert!(UNITS.contains(&unit), "unit {unit}");
                let value = &root[name];
                match value {
                    Value::Number(_) => {}
                    Value::Array(a) => {
                        assert!(!a.is_empty() && a.len() <= MAX_VALUES && a.iter().all(Value::is_number), "{name}")
                    }
                    other => panic!("{name} is {other}, not a number or an array of numbers"),
                }
                values.insert(name.into(), value.clone());
            }
        }
        for key in ["Control", "Trigger"] {
            assert!(root[key].is_string(), "{key}");
        }
        values
    }

    fn result(outcome: Outcome) -> TargetResult {
        TargetResult {
            resource: "arn:aws:s3:::b".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            outcome,
            detail: String::new(),
            before: Value::Null,
            after: Value::Null,
            console_url: None,
            action_id: None,
        }
    }

    fn report(outcomes: &[Outcome]) -> Report {
        Report {
            control: "s3-block-public-access".into(),
            trigger: Kind::Schedule,
            dry_run: false,
            results: outcomes.iter().map(|o| result(*o)).collect(),
            ignored: None,
            finding_id: None,
            finding_url: None,
        }
    }

    #[test]
    fn an_invocation_writes_one_record_for_itself_and_one_per_outcome() {
        let r = report(&[Outcome::Remediated, Outcome::Remediated, Outcome::AlreadyCompliant, Outcome::Failed]);
        let measured = Measured { aws_requests: 9, resources_scanned: Some(3), time_to_remediate_ms: vec![420, 640] };
        let lines: Vec<String> = records(&r, &measured, 1_700_000_000_000);
        assert_eq!(lines.len(), 4);
        let invocation = check(&lines[0]);
        assert_eq!(invocation["AwsRequests"], 9);
        assert_eq!(invocation["ResourcesScanned"], 3);
        let v: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Control"]]));
        assert!(v.get("Outcome").is_none());

        let mut seen = Vec::new();
        for line in &lines[1..] {
            let metrics = check(line);
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
            assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Control", "Outcome"], ["Control"]]));
            assert_eq!(v["Control"], "s3-block-public-access");
            seen.push((v["Outcome"].as_str().unwrap().to_owned(), metrics["Results"].clone()));
            if v["Outcome"] == "remediated" {
                assert_eq!(metrics["TimeToRemediate"], json!([420, 640]));
                assert_eq!(
                    v["_aws"]["CloudWatchMetrics"][0]["Metrics"][1],
                    json!({"Name": "TimeToRemediate", "Unit": "Milliseconds"})
                );
            } else {
                assert!(!metrics.contains_key("TimeToRemediate"));
            }
        }
        assert_eq!(
            seen,
            [("remediated".into(), json!(2)), ("already_compliant".into(), json!(1)), ("failed".into(), json!(1))]
        );
    }

    #[test]
    fn an_event_with_nothing_to_do_writes_only_the_invocation_record() {
        let mut r = report(&[]);
        r.ignored = Some("not a call this function acts on".into());
        let lines = records(&r, &Measured::default(), 1);
        assert_eq!(lines.len(), 1);
        let metrics = check(&lines[0].to_string());
        assert_eq!(metrics["AwsRequests"], 0);
        assert!(!metrics.contains_key("ResourcesScanned"), "no sweep, no scan count");
    }

    #[test]
    fn more_than_100_times_are_split_into_records_of_at_most_100() {
        let r = report(&vec![Outcome::Remediated; 250]);
        let measured = Measured { time_to_remediate_ms: (0..250).collect(), ..Measured::default() };
        let lines = records(&r, &measured, 1);
        assert_eq!(lines.len(), 1 + 3);
        let mut all = Vec::new();
        for line in &lines[1..] {
            let metrics = check(&line.to_string());
            all.extend(metrics["TimeToRemediate"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()));
        }
        assert_eq!(all, (0..250).collect::<Vec<_>>());
        assert_eq!(check(&lines[1].to_string())["Results"], 250, "the count once");
        assert!(!check(&lines[2].to_string()).contains_key("Results"));
    }

    #[test]
    fn strings_are_escaped_as_json() {
        let mut r = report(&[Outcome::Failed]);
        r.control = "a\"b\\c\u{1}\n\u{1f}é".into();
        for line in records(&r, &Measured::default(), 1) {
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!(v["Control"], r.control.as_str());
            assert!(!line.contains('\n'));
        }
    }
}
