//! Delivering the report: one JSON log line always, one SNS message when something changed or failed.

use aws_sdk_sns::types::MessageAttributeValue;

use crate::error::{AwsError, Error, Result};
use crate::report::Report;

/// Writes the report as one JSON line on stdout (CloudWatch Logs keeps it as a structured record).
pub fn log(report: &Report) {
    match serde_json::to_string(&serde_json::json!({ "message": "remediation report", "report": report })) {
        Ok(line) => println!("{line}"),
        Err(e) => tracing::error!(error = %e, "could not serialize the report"),
    }
}

/// Publishes the report to `topic_arn` when it holds a remediation, a would-be one or a failure.
/// Attributes `control`, `outcome`, `account`, `region` let subscribers filter; when one invocation
/// spans several accounts, regions or outcomes the attribute is a `String.Array` of them (the most
/// significant outcome first), which SNS filter policies match element by element.
pub async fn publish(sns: &aws_sdk_sns::Client, topic_arn: &str, report: &Report) -> Result<bool> {
    if !report.is_notable() {
        return Ok(false);
    }
    let body = serde_json::to_string(report).map_err(|e| Error::NotificationFailed(e.to_string()))?;
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
