//! Delivering the report: one JSON log line always, one SNS message when something changed or failed.
//!
//! The SNS message is per protocol (`MessageStructure=json`): e-mail subscribers get readable text,
//! every other subscriber (SQS, Lambda, HTTPS, e-mail-json) the JSON report as before.

use aws_sdk_sns::types::MessageAttributeValue;

use crate::error::{AwsError, Error, Result};
use crate::report::{Outcome, Report, TargetResult};
use crate::trigger::Kind;

/// SNS takes at most 256 KiB per message, body, subject and attributes together.
pub const SNS_BODY_LIMIT: usize = 240 * 1024;
/// SNS's limit for the whole message: body (here the per-protocol structure), subject and attributes.
pub const SNS_MESSAGE_LIMIT: usize = 256 * 1024;
/// The e-mail's share of the message; the JSON report keeps the rest.
pub const EMAIL_LIMIT: usize = 48 * 1024;
/// SNS's limit for a subject.
pub const SUBJECT_LIMIT: usize = 100;
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
    // Serialized straight from the report: a `json!` value would copy the whole report into a tree first.
    #[derive(serde::Serialize)]
    struct Line<'a> {
        message: &'static str,
        report: &'a Report,
    }
    let whole = serde_json::to_string(&Line { message: "remediation report", report }).expect("a report is JSON");
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
    let mut body = serde_json::json!({
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
    for (key, value) in [("finding_id", &report.finding_id), ("finding_url", &report.finding_url)] {
        if let Some(value) = value {
            body[key] = serde_json::Value::from(value.as_str());
        }
    }
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
    let mut outcomes: Vec<&str> = report.headline().map(|o| o.as_str()).into_iter().collect();
    let mut accounts = Vec::new();
    let mut regions = Vec::new();
    for r in &report.results {
        push_unique(&mut outcomes, r.outcome.as_str());
        push_unique(&mut accounts, &r.account);
        push_unique(&mut regions, &r.region);
    }
    let subject = subject(report);
    let mut attributes = vec![("control", attribute(&[report.control.as_str()])?)];
    for (name, values) in [("outcome", &outcomes), ("account", &accounts), ("region", &regions)] {
        if !values.is_empty() {
            attributes.push((name, attribute(values)?));
        }
    }
    // SNS counts attribute names, types and values against the message's 256 KiB.
    let attributes_len: usize = attributes
        .iter()
        .map(|(name, a)| name.len() + a.data_type().len() + a.string_value().map_or(0, str::len))
        .sum();
    let room = SNS_MESSAGE_LIMIT.saturating_sub(subject.len() + attributes_len + 1024);
    let message = message(report, room).map_err(|e| Error::NotificationFailed(e.to_string()))?;
    let mut request = sns.publish().topic_arn(topic_arn).subject(subject).message_structure("json").message(message);
    for (name, value) in attributes {
        request = request.message_attributes(name, value);
    }
    request
        .send()
        .await
        .map_err(|e| Error::NotificationFailed(AwsError::from_sdk("sns:Publish", topic_arn, e).to_string()))?;
    Ok(true)
}

/// SNS's per-protocol structure: the keys are protocols, `default` for those not named.
#[derive(serde::Serialize)]
struct PerProtocol<'a> {
    default: &'a str,
    email: &'a str,
}

/// The per-protocol message (`MessageStructure=json`) within `limit` bytes: `default`, what SQS,
/// Lambda, HTTPS and e-mail-json subscribers get, is the JSON report (`message_body`'s long-report
/// rule applies); `email` is the readable text.
pub fn message(report: &Report, limit: usize) -> serde_json::Result<String> {
    let email = email(report, EMAIL_LIMIT.min(limit / 4));
    let mut body_limit = SNS_BODY_LIMIT.min(limit);
    loop {
        let body = message_body(report, body_limit)?;
        let message = serde_json::to_string(&PerProtocol { default: &body, email: &email })?;
        // Escaping the report inside a JSON string makes it longer: shrink the body by the excess.
        if message.len() <= limit || body_limit < 4096 {
            return Ok(message);
        }
        body_limit = body_limit.saturating_sub(message.len() - limit + 1024);
    }
}

/// `<control>: <headline outcome> - <n> resource(s) in <account>`, within SNS's rules for a subject:
/// ASCII, no line break, at most 100 characters.
pub fn subject(report: &Report) -> String {
    let headline = report.headline().map_or("no result", |o| o.as_str());
    let n = report.results.len();
    let mut accounts: Vec<&str> = Vec::new();
    for r in &report.results {
        push_unique(&mut accounts, &r.account);
    }
    let place = match accounts.as_slice() {
        [one] => format!("account {one}"),
        many => format!("{} accounts", many.len()),
    };
    let dry = if report.dry_run { " (dry run)" } else { "" };
    // A guardrail that held some back says so even when something else leads (the blast-radius cap).
    let deferred = report.results.iter().filter(|r| r.outcome == Outcome::Deferred).count();
    let held = match deferred {
        0 => String::new(),
        d if report.headline() == Some(Outcome::Deferred) && d == n => String::new(),
        d => format!(", {d} deferred"),
    };
    let text =
        format!("{}: {headline}{dry} - {n} resource{} in {place}{held}", report.control, if n == 1 { "" } else { "s" });
    text.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).take(SUBJECT_LIMIT).collect()
}

/// Outcomes in the order a reader wants them: what needs a person first.
const READING_ORDER: [Outcome; 10] = [
    Outcome::Failed,
    Outcome::NeedsAction,
    Outcome::Contested,
    Outcome::Deferred,
    Outcome::Remediated,
    Outcome::WouldRemediate,
    Outcome::Undone,
    Outcome::Exempt,
    Outcome::NotFound,
    Outcome::AlreadyCompliant,
];

/// The e-mail: a header, one paragraph per notable result (what changed, before -> after, what to do),
/// the others counted. Within `limit` bytes: results that do not fit are counted at the end.
pub fn email(report: &Report, limit: usize) -> String {
    let trigger = match report.trigger {
        Kind::Config => "an AWS Config compliance change",
        Kind::Cloudtrail => "a CloudTrail API call",
        Kind::Securityhub => "a Security Hub finding",
        Kind::Schedule => "the sweep schedule",
        Kind::Manual => "a manual invocation",
        Kind::Sqs => "an organization-wide sweep (its sweep queue)",
    };
    let mut text = format!("{} ran on {trigger}", report.control);
    if report.dry_run {
        text.push_str(" in dry run (nothing written)");
    }
    text.push_str(&format!(".\nResult: {}.\n", report.summary()));
    if let Some(id) = &report.finding_id {
        text.push_str(&format!("Security Hub finding: {id}\n"));
        if let Some(url) = &report.finding_url {
            text.push_str(&format!("  {url}\n"));
        }
    }
    let tail_room = 512;
    let mut left_out: Vec<(Outcome, usize)> = Vec::new();
    let mut quiet: Vec<(Outcome, usize)> = Vec::new();
    for outcome in READING_ORDER {
        for r in report.results.iter().filter(|r| r.outcome == outcome) {
            if !outcome.is_notable() {
                count(&mut quiet, outcome);
                continue;
            }
            let paragraph = paragraph(r);
            if text.len() + paragraph.len() + tail_room > limit {
                count(&mut left_out, outcome);
            } else {
                text.push_str(&paragraph);
            }
        }
    }
    if !quiet.is_empty() {
        let counts: Vec<String> = quiet.iter().map(|(o, n)| format!("{n} {}", o.as_str())).collect();
        text.push_str(&format!("\nNot listed, nothing to do: {}.\n", counts.join(", ")));
    }
    if !left_out.is_empty() {
        let counts: Vec<String> = left_out.iter().map(|(o, n)| format!("{n} {}", o.as_str())).collect();
        text.push_str(&format!(
            "\nNot listed, too many for one e-mail: {}. Every result is in the function's log.\n",
            counts.join(", ")
        ));
    }
    text.push_str(
        "\n--\nThe JSON report goes to the topic's SQS, Lambda and HTTPS subscribers, with the message \
         attributes control, outcome, account and region to filter on.\n",
    );
    text
}

fn count(counts: &mut Vec<(Outcome, usize)>, outcome: Outcome) {
    match counts.iter_mut().find(|(o, _)| *o == outcome) {
        Some((_, n)) => *n += 1,
        None => counts.push((outcome, 1)),
    }
}

fn paragraph(r: &TargetResult) -> String {
    let mut p =
        format!("\n{}: {}\n  account {}, {}\n", r.outcome.as_str().to_uppercase(), r.resource, r.account, r.region);
    let label = match r.outcome {
        Outcome::NeedsAction => "What to do",
        Outcome::Failed => "Error",
        Outcome::Contested => "Why it was left",
        Outcome::Deferred => "Why it waits",
        _ => "Done",
    };
    if !r.detail.is_empty() {
        p.push_str(&format!("  {label}: {}\n", clip(&r.detail, 1000)));
    }
    let changes = changes(&r.before, &r.after);
    if !changes.is_empty() {
        p.push_str(&format!("  Before -> after: {}\n", changes.join("; ")));
    } else if r.after.is_null() && !r.before.is_null() {
        p.push_str(&format!("  State: {}\n", clip(&r.before.to_string(), 400)));
    }
    if let Some(url) = &r.console_url {
        p.push_str(&format!("  Console: {url}\n"));
    }
    p
}

/// `Field: before -> after` for each top-level field the fix changed.
fn changes(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let null = serde_json::Value::Null;
    let mut keys: Vec<&String> = b.keys().collect();
    keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
    keys.into_iter()
        .filter_map(|k| {
            let (old, new) = (b.get(k).unwrap_or(&null), a.get(k).unwrap_or(&null));
            (old != new).then(|| format!("{k}: {} -> {}", clip(&old.to_string(), 200), clip(&new.to_string(), 200)))
        })
        .collect()
}

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
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
    publish_notice(sns, topic_arn, control, "exception_reminder", subject, body).await
}

/// A message that is not a report (the exceptions reminder, the start of an organization-wide sweep):
/// attributes `control` and `outcome` (`exception_reminder`, `sweep_started`) so subscribers can route it.
pub async fn publish_notice(
    sns: &aws_sdk_sns::Client,
    topic_arn: &str,
    control: &str,
    outcome: &str,
    subject: &str,
    body: &str,
) -> Result<()> {
    sns.publish()
        .topic_arn(topic_arn)
        .subject(subject.chars().take(100).collect::<String>())
        .message(body)
        .message_attributes("control", attribute(&[control])?)
        .message_attributes("outcome", attribute(&[outcome])?)
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
                console_url: None,
                action_id: None,
            })
            .collect();
        Report {
            control: "c".into(),
            trigger: Kind::Schedule,
            dry_run: false,
            results,
            ignored: None,
            finding_id: None,
            finding_url: None,
        }
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

    fn one(outcome: Outcome) -> Report {
        let (detail, before, after) = match outcome {
            Outcome::Remediated | Outcome::Undone => (
                "turned on BlockPublicPolicy, RestrictPublicBuckets",
                serde_json::json!({"BlockPublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": false}),
                serde_json::json!({"BlockPublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}),
            ),
            Outcome::NeedsAction => (
                "the bucket serves a website; move it behind CloudFront, then turn Block Public Access on",
                serde_json::json!({"BlockPublicPolicy": false}),
                serde_json::Value::Null,
            ),
            Outcome::Failed => {
                ("s3:PutPublicAccessBlock: AccessDenied", serde_json::json!({}), serde_json::Value::Null)
            }
            _ => ("as the engine says", serde_json::json!({"BlockPublicPolicy": false}), serde_json::Value::Null),
        };
        Report {
            control: "s3-block-public-access".into(),
            trigger: Kind::Securityhub,
            dry_run: outcome == Outcome::WouldRemediate,
            results: vec![TargetResult {
                resource: "arn:aws:s3:::example-bucket".into(),
                account: "123456789012".into(),
                region: "us-east-1".into(),
                outcome,
                detail: detail.into(),
                before,
                after,
                console_url: crate::links::resource_url("arn:aws:s3:::example-bucket", "us-east-1"),
                action_id: None,
            }],
            ignored: None,
            finding_id: Some("arn:aws:securityhub:us-east-1:123456789012:security-control/S3.8/finding/1".into()),
            finding_url: Some("https://console.aws.amazon.com/securityhub/home?region=us-east-1#/findings".into()),
        }
    }

    #[test]
    fn each_outcome_gets_the_json_report_by_default_and_readable_text_by_email() {
        for outcome in READING_ORDER {
            let r = one(outcome);
            let message = message(&r, SNS_MESSAGE_LIMIT).unwrap();
            let v: serde_json::Value = serde_json::from_str(&message).unwrap();
            let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["default", "email"], "{outcome:?}: SNS needs default; the rest is per protocol");
            let report: Report = serde_json::from_str(v["default"].as_str().unwrap()).unwrap();
            assert_eq!(report, r, "{outcome:?}: the JSON report, unchanged");
            let email = v["email"].as_str().unwrap();
            assert!(email.starts_with("s3-block-public-access ran on a Security Hub finding"), "{email}");
            assert!(email.contains(&format!("Result: 1 {}.", outcome.as_str())), "{email}");
            assert!(email.contains("Security Hub finding: arn:aws:securityhub:"), "{email}");
            let listed = email.contains("arn:aws:s3:::example-bucket");
            assert_eq!(listed, outcome.is_notable(), "{outcome:?}: only what matters is listed\n{email}");
            match outcome {
                Outcome::Remediated | Outcome::Undone => {
                    assert!(email.contains("BlockPublicPolicy: false -> true; RestrictPublicBuckets: false -> true"))
                }
                Outcome::NeedsAction => assert!(email.contains("What to do: the bucket serves a website")),
                Outcome::Failed => assert!(email.contains("Error: s3:PutPublicAccessBlock: AccessDenied")),
                Outcome::WouldRemediate => assert!(email.contains("in dry run")),
                _ => {}
            }
            if outcome.is_notable() {
                assert!(email.contains("Console: https://console.aws.amazon.com/s3/buckets/example-bucket"));
            }
            let subject = subject(&r);
            assert_eq!(
                subject,
                format!(
                    "s3-block-public-access: {}{} - 1 resource in account 123456789012",
                    outcome.as_str(),
                    if r.dry_run { " (dry run)" } else { "" }
                )
            );
        }
    }

    #[test]
    fn the_subject_follows_sns_rules() {
        let mut r = report(3);
        r.control = format!("{}\u{e9}\n", "x".repeat(120));
        r.results[1].account = "210987654321".into();
        let s = subject(&r);
        assert!(s.len() <= SUBJECT_LIMIT && s.chars().all(|c| c.is_ascii_graphic() || c == ' '), "{s}");
        assert!(
            subject(&report(3)).ends_with("- 3 resources in 1 accounts")
                || subject(&report(3)).contains("account 123456789012")
        );
        r.control = "c".into();
        assert_eq!(subject(&r), "c: failed - 3 resources in 2 accounts");
    }

    #[test]
    fn a_sweep_of_1000_results_fits_in_one_sns_message() {
        let r = report(1000);
        // About 250 KB of report: with the e-mail beside it, over what one message takes.
        assert!(serde_json::to_string(&r).unwrap().len() > 200 * 1024);
        let message = message(&r, SNS_MESSAGE_LIMIT - 2048).unwrap();
        assert!(message.len() <= SNS_MESSAGE_LIMIT - 2048, "{}", message.len());
        let v: serde_json::Value = serde_json::from_str(&message).unwrap();
        let body: serde_json::Value = serde_json::from_str(v["default"].as_str().unwrap()).unwrap();
        let shown = body["results"].as_array().unwrap().len() as u64;
        assert_eq!(shown + body["omitted"]["count"].as_u64().unwrap_or(0), 1000);
        assert!(body["results"].as_array().unwrap().iter().filter(|x| x["outcome"] == "failed").count() == 20);
        let email = v["email"].as_str().unwrap();
        assert!(email.len() <= EMAIL_LIMIT);
        assert!(email.contains("Not listed, nothing to do: 180 already_compliant."), "{email}");
        assert_eq!(email.matches("\nFAILED: ").count(), 20, "failures are listed first");
    }

    #[test]
    fn a_sweep_of_3000_results_is_cut_to_fit_in_both_forms() {
        let r = report(3000);
        let message = message(&r, SNS_MESSAGE_LIMIT - 2048).unwrap();
        assert!(message.len() <= SNS_MESSAGE_LIMIT - 2048, "{}", message.len());
        let v: serde_json::Value = serde_json::from_str(&message).unwrap();
        let body: serde_json::Value = serde_json::from_str(v["default"].as_str().unwrap()).unwrap();
        let shown = body["results"].as_array().unwrap().len() as u64;
        assert!(shown > 100);
        assert_eq!(shown + body["omitted"]["count"].as_u64().unwrap(), 3000);
        let email = v["email"].as_str().unwrap();
        assert!(email.contains("Not listed, too many for one e-mail:"), "{email}");
        assert_eq!(email.matches("\nFAILED: ").count(), 60, "every failure is in the e-mail");
    }

    /// The sample in the README ("What you see"): `cargo test -p remediation-core sample_email -- --nocapture`.
    #[test]
    fn sample_email() {
        let mut r = one(Outcome::Remediated);
        let mut needs = one(Outcome::NeedsAction).results.remove(0);
        needs.resource = "arn:aws:s3:::example-website".into();
        needs.console_url = crate::links::resource_url(&needs.resource, "us-east-1");
        r.results.push(needs);
        r.finding_url = crate::links::finding_url(r.finding_id.as_deref().unwrap(), "aws", "us-east-1");
        println!("Subject: {}\n\n{}", subject(&r), email(&r, EMAIL_LIMIT));
        assert!(
            email(&r, EMAIL_LIMIT).find("NEEDS_ACTION").unwrap() < email(&r, EMAIL_LIMIT).find("REMEDIATED").unwrap()
        );
    }
}
