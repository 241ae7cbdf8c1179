//! Delivering the report: one JSON log line always, one SNS message when something changed or failed.

use aws_sdk_sns::types::MessageAttributeValue;

use crate::error::{AwsError, Error, Result};
use crate::report::{Outcome, Report, TargetResult};

/// SNS takes at most 256 KiB per message, body, subject and attributes together.
pub const SNS_BODY_LIMIT: usize = 240 * 1024;
/// CloudWatch Logs cuts events over 256 KiB: a longer report is logged as several lines.
pub const LOG_LINE_LIMIT: usize = 200 * 1024;

/// Writes the report as one JSON line on stdout (CloudWatch Logs keeps it as a structured record);
/// a report too long for one log event is written as `part` 1..`parts`, each with some of the results.
pub fn log(report: &Report) {
    for line in log_lines(report, LOG_LINE_LIMIT) {
        println!("{line}");
    }
}

pub fn log_lines(report: &Report, limit: usize) -> Vec<String> {
    let whole = serde_json::json!({ "message": "remediation report", "report": report }).to_string();
    if whole.len() <= limit {
        return vec![whole];
    }
    let mut chunks: Vec<Vec<&TargetResult>> = vec![Vec::new()];
    let mut size = 0;
    for r in &report.results {
        let len = serde_json::to_string(r).map(|s| s.len() + 1).unwrap_or(0);
        let last = chunks.last_mut().expect("never empty");
        if !last.is_empty() && size + len > limit.saturating_sub(1024) {
            chunks.push(vec![r]);
            size = len;
        } else {
            last.push(r);
            size += len;
        }
    }
    let parts = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, results)| {
            serde_json::json!({
                "message": "remediation report",
                "part": i + 1,
                "parts": parts,
                "report": { "control": report.control, "trigger": report.trigger, "dry_run": report.dry_run,
                            "results": results, "ignored": report.ignored },
            })
            .to_string()
        })
        .collect()
}

/// The SNS body: the whole report when it fits in `limit` bytes, otherwise the same shape with the
/// results that fit, failed first, then remediated and would-be ones, and `omitted` counting the rest
/// per outcome (every result is in the log lines).
pub fn message_body(report: &Report, limit: usize) -> serde_json::Result<String> {
    let whole = serde_json::to_string(report)?;
    if whole.len() <= limit {
        return Ok(whole);
    }
    let rank = |o: Outcome| match o {
        Outcome::Failed => 0,
        Outcome::Remediated => 1,
        Outcome::WouldRemediate => 2,
        _ => 3,
    };
    let mut order: Vec<&TargetResult> = report.results.iter().collect();
    order.sort_by_key(|r| rank(r.outcome));
    // Room for the envelope and the `omitted` counts.
    let mut room = limit.saturating_sub(2048 + report.ignored.as_ref().map_or(0, String::len));
    let mut shown = Vec::new();
    let mut omitted: Vec<(&str, usize)> = Vec::new();
    for r in order {
        let len = serde_json::to_string(r)?.len() + 1;
        if len <= room {
            room -= len;
            shown.push(r);
        } else {
            match omitted.iter_mut().find(|(o, _)| *o == r.outcome.as_str()) {
                Some((_, n)) => *n += 1,
                None => omitted.push((r.outcome.as_str(), 1)),
            }
        }
    }
    let total: usize = omitted.iter().map(|(_, n)| n).sum();
    let body = serde_json::json!({
        "control": report.control,
        "trigger": report.trigger,
        "dry_run": report.dry_run,
        "results": shown,
        "ignored": report.ignored,
        "omitted": {
            "count": total,
            "by_outcome": omitted.into_iter().map(|(o, n)| (o.to_owned(), serde_json::Value::from(n)))
                .collect::<serde_json::Map<_, _>>(),
            "summary": report.summary(),
            "why": "the whole report is over SNS's message size; every result is in the function's log",
        },
    });
    Ok(body.to_string())
}

/// Publishes the report to `topic_arn` when it holds a remediation, a would-be one or a failure.
/// Attributes `control`, `outcome`, `account`, `region` let subscribers filter; when one invocation
/// spans several accounts, regions or outcomes the attribute is a `String.Array` of them (the most
/// significant outcome first), which SNS filter policies match element by element.
pub async fn publish(sns: &aws_sdk_sns::Client, topic_arn: &str, report: &Report) -> Result<bool> {
    if !report.is_notable() {
        return Ok(false);
    }
    let body = message_body(report, SNS_BODY_LIMIT).map_err(|e| Error::NotificationFailed(e.to_string()))?;
    let mut outcomes: Vec<&str> = report.headline().map(|o| o.as_str()).into_iter().collect();
    let mut accounts = Vec::new();
    let mut regions = Vec::new();
    for r in &report.results {
        push_unique(&mut outcomes, r.outcome.as_str());
        push_unique(&mut accounts, &r.account);
        push_unique(&mut regions, &r.region);
    }
    let subject = format!("[{}] {}", report.control, report.summary());
    let mut request = sns
        .publish()
        .topic_arn(topic_arn)
        .subject(subject.chars().take(100).collect::<String>())
        .message(body)
        .message_attributes("control", attribute(&[report.control.as_str()])?);
    for (name, values) in [("outcome", &outcomes), ("account", &accounts), ("region", &regions)] {
        if !values.is_empty() {
            request = request.message_attributes(name, attribute(values)?);
        }
    }
    request
        .send()
        .await
        .map_err(|e| Error::NotificationFailed(AwsError::from_sdk("sns:Publish", topic_arn, e).to_string()))?;
    Ok(true)
}

/// The daily exceptions reminder of a sweep: its own message, attributes `control` and
/// `outcome=exception_reminder` so subscribers can route it apart from the reports.
pub async fn publish_reminder(
    sns: &aws_sdk_sns::Client,
    topic_arn: &str,
    control: &str,
    subject: &str,
    body: &str,
) -> Result<()> {
    sns.publish()
        .topic_arn(topic_arn)
        .subject(subject.chars().take(100).collect::<String>())
        .message(body)
        .message_attributes("control", attribute(&[control])?)
        .message_attributes("outcome", attribute(&["exception_reminder"])?)
        .send()
        .await
        .map_err(|e| Error::NotificationFailed(AwsError::from_sdk("sns:Publish", topic_arn, e).to_string()))?;
    Ok(())
}

fn push_unique<'a>(list: &mut Vec<&'a str>, value: &'a str) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn attribute(values: &[&str]) -> Result<MessageAttributeValue> {
    let (data_type, value) = match values {
        [one] => ("String", (*one).to_owned()),
        many => ("String.Array", serde_json::to_string(many).expect("strings serialize")),
    };
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .map_err(|e| Error::NotificationFailed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::Kind;

    fn report(n: usize) -> Report {
        let results = (0..n)
            .map(|i| TargetResult {
                resource: format!("arn:aws:ec2:us-east-1:123456789012:snapshot/snap-{i:017}"),
                account: "123456789012".into(),
                region: "us-east-1".into(),
                outcome: match i % 50 {
                    0 => Outcome::Failed,
                    1..=9 => Outcome::AlreadyCompliant,
                    _ => Outcome::Remediated,
                },
                detail: "removed the public createVolumePermission (group all)".into(),
                before: serde_json::json!({"Public": true, "Accounts": []}),
                after: serde_json::json!({"Public": false, "Accounts": []}),
            })
            .collect();
        Report { control: "c".into(), trigger: Kind::Schedule, dry_run: false, results, ignored: None }
    }

    #[test]
    fn a_report_that_fits_is_sent_whole() {
        let r = report(20);
        assert_eq!(message_body(&r, SNS_BODY_LIMIT).unwrap(), serde_json::to_string(&r).unwrap());
        assert_eq!(log_lines(&r, LOG_LINE_LIMIT).len(), 1);
    }

    #[test]
    fn a_long_report_keeps_failures_first_and_counts_the_rest() {
        let r = report(3000);
        let body = message_body(&r, 64 * 1024).unwrap();
        assert!(body.len() <= 64 * 1024, "{}", body.len());
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let shown = v["results"].as_array().unwrap();
        assert_eq!(shown.iter().filter(|x| x["outcome"] == "failed").count(), 60);
        assert!(shown.iter().all(|x| x["outcome"] != "already_compliant"), "compliant ones go first");
        let omitted = &v["omitted"];
        assert_eq!(shown.len() as u64 + omitted["count"].as_u64().unwrap(), 3000);
        assert_eq!(omitted["by_outcome"]["already_compliant"], 540);
        assert_eq!(omitted["summary"], r.summary());
    }

    #[test]
    fn a_long_report_is_logged_in_parts_that_hold_every_result() {
        let r = report(3000);
        let lines = log_lines(&r, 64 * 1024);
        assert!(lines.len() > 5);
        let mut seen = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            assert!(line.len() <= 64 * 1024, "{}", line.len());
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["part"], i + 1);
            assert_eq!(v["parts"], lines.len());
            seen.extend(v["report"]["results"].as_array().unwrap().iter().map(|x| x["resource"].clone()));
        }
        let all: Vec<_> = r.results.iter().map(|x| serde_json::Value::from(x.resource.clone())).collect();
        assert_eq!(seen, all);
    }
}
