//! Exceptions with an owner, a reason and an end date (EXCEPTIONS_PARAMETER in SSM, tag end dates, the
//! sweep's daily reminder) and intended changes across triggers (CloudTrail LookupEvents, answered at
//! the proxy: moto has none), through kms-cancel-key-deletion against the emulator, the clock fixed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_kms::types::Tag;
use integration_tests::*;
use kms_cancel_key_deletion::KmsCancelKeyDeletion;
use remediation_core::{Outcome, Runtime, TargetResult};
use serde_json::json;

type Rt = Runtime<KmsCancelKeyDeletion>;

/// 2026-05-01T12:00:00Z.
fn noon() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(20_574 * 86_400 + 12 * 3600)
}

struct Key {
    id: String,
    arn: String,
}

async fn pending_key(kms: &aws_sdk_kms::Client, tags: &[(&str, &str)]) -> Key {
    let mut create = kms.create_key().description("exceptions test key");
    for (k, v) in tags {
        create = create.tags(Tag::builder().tag_key(*k).tag_value(*v).build().unwrap());
    }
    let meta = create.send().await.unwrap().key_metadata.unwrap();
    kms.schedule_key_deletion().key_id(meta.key_id()).pending_window_in_days(7).send().await.unwrap();
    Key { id: meta.key_id().to_owned(), arn: meta.arn().unwrap().to_owned() }
}

async fn state(kms: &aws_sdk_kms::Client, id: &str) -> String {
    let out = kms.describe_key().key_id(id).send().await.unwrap();
    out.key_metadata.unwrap().key_state().unwrap().as_str().to_owned()
}

/// A new SSM parameter holding `doc`; its name.
async fn document(config: &aws_config::SdkConfig, doc: &str) -> String {
    let name = format!("/{}/exceptions", unique("stack"));
    aws_sdk_ssm::Client::new(config)
        .put_parameter()
        .name(&name)
        .value(doc)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    name
}

fn entry(id: &str, resource: &str, expires: &str) -> serde_json::Value {
    json!({"id": id, "control": "kms-cancel-key-deletion", "resource": resource,
           "reason": "key rotation project", "owner": "platform-team@example.com", "expires": expires})
}

async fn one(rt: &Rt, key: &Key) -> TargetResult {
    let report = rt.handle(&json!({"resource_id": key.id})).await.unwrap();
    assert_eq!(report.results.len(), 1, "{report:?}");
    report.results.into_iter().next().unwrap()
}

fn kms_writes(proxy: &Proxy) -> Vec<Request> {
    proxy.writes().into_iter().filter(|r| !["LookupEvents", "PutParameter"].contains(&r.operation.as_str())).collect()
}

/// Requests but the one sts:GetCallerIdentity of a cold start (a Lambda function learns its account
/// from its ARN instead).
fn calls(proxy: &Proxy) -> Vec<Request> {
    proxy.requests().into_iter().filter(|r| r.operation != "GetCallerIdentity").collect()
}

fn count(proxy: &Proxy, operation: &str) -> usize {
    proxy.requests().iter().filter(|r| r.operation == operation).count()
}

#[tokio::test]
async fn a_valid_entry_exempts_with_its_owner_and_an_expired_one_does_not() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    let kept = pending_key(&kms, &[]).await;
    let lapsed = pending_key(&kms, &[]).await;
    let doc = json!([entry("EXC-7", &kept.arn, "2026-05-01"), entry("EXC-3", &lapsed.id, "2026-04-30")]);
    let param = document(&config, &doc.to_string()).await;
    let rt: Rt = proxy.runtime_at(config, &[("EXCEPTIONS_PARAMETER", &param)], noon()).await;
    proxy.clear();

    let r = one(&rt, &kept).await;
    assert_eq!(r.outcome, Outcome::Exempt, "{r:?}");
    for part in ["EXC-7", "platform-team@example.com", "key rotation project", "2026-05-01"] {
        assert!(r.detail.contains(part), "{}", r.detail);
    }
    assert!(kms_writes(&proxy).is_empty(), "{:?}", proxy.requests());
    // Exempt by the document before any KMS call: the document is the only read (the list step).
    assert_eq!(calls(&proxy).len(), 1, "{:?}", proxy.requests());
    assert_eq!(state(&kms, &kept.id).await, "PendingDeletion");

    let r = one(&rt, &lapsed).await;
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert!(
        r.detail.contains("exception EXC-3") && r.detail.contains("expired") && r.detail.contains("2026-04-30"),
        "{}",
        r.detail
    );
    assert_eq!(state(&kms, &lapsed.id).await, "Enabled");
}

#[tokio::test]
async fn a_prefix_entry_matches_every_key_under_it() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    let key = pending_key(&kms, &[]).await;
    let prefix = format!("{}*", &key.arn[..key.arn.len() - 30]);
    let doc = json!([{"id": "ALL-KEYS", "control": "*", "resource": prefix, "account": ACCOUNT, "region": REGION,
                      "reason": "r", "owner": "o", "expires": "2026-06-01"}]);
    let param = document(&config, &doc.to_string()).await;
    let rt: Rt = proxy.runtime_at(config.clone(), &[("EXCEPTIONS_PARAMETER", &param)], noon()).await;
    let r = one(&rt, &key).await;
    assert_eq!(r.outcome, Outcome::Exempt, "{r:?}");
    assert!(r.detail.contains("ALL-KEYS"));
    // Another region in the entry: not this key.
    let doc = json!([{"id": "ELSEWHERE", "control": "*", "resource": prefix, "region": "eu-west-1",
                      "reason": "r", "owner": "o", "expires": "2026-06-01"}]);
    let param = document(&config, &doc.to_string()).await;
    let rt: Rt = proxy.runtime_at(config, &[("EXCEPTIONS_PARAMETER", &param)], noon()).await;
    assert_eq!(one(&rt, &key).await.outcome, Outcome::Remediated);
}

#[tokio::test]
async fn a_malformed_document_fails_every_target_and_writes_nothing() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    let key = pending_key(&kms, &[]).await;
    let other = pending_key(&kms, &[]).await;
    let good = entry("OK-1", &key.arn, "2026-06-01");
    let bad = |field: &str, value: serde_json::Value| {
        let mut e = entry("BAD-1", "some-other-key", "2026-06-01");
        if value.is_null() {
            e.as_object_mut().unwrap().remove(field);
        } else {
            e[field] = value;
        }
        json!([good, e]).to_string()
    };
    let cases = [
        (bad("reason", json!(null)), "reason is missing"),
        (bad("owner", json!("")), "owner is empty"),
        (bad("expires", json!(null)), "expires is missing"),
        (bad("expires", json!("2026-02-30")), "is not a date"),
        (bad("expires", json!("2027-05-02")), "EXCEPTION_MAX_DAYS"),
        (bad("resource", json!("*")), "a bare *"),
        ("{\"not\": \"a list\"}".to_owned(), "JSON list"),
    ];
    let mut requests = Vec::new();
    for (doc, want) in cases {
        let param = document(&config, &doc).await;
        let rt: Rt = proxy.runtime_at(config.clone(), &[("EXCEPTIONS_PARAMETER", &param)], noon()).await;
        proxy.clear();
        let err = rt.handle(&json!({"resource_ids": [key.id, other.id]})).await;
        let msg = err.expect_err("an invalid document fails the invocation").to_string();
        assert!(msg.contains(want) && msg.contains(&param), "{msg}");
        if doc.starts_with('[') {
            assert!(msg.contains("entry 2 (id \"BAD-1\")"), "names the entry: {msg}");
        }
        assert!(kms_writes(&proxy).is_empty(), "{:?}", proxy.requests());
        requests.push(calls(&proxy).len());
        // Every target failed, the valid entry exempted nothing.
        assert_eq!(state(&kms, &key.id).await, "PendingDeletion");
    }
    // One GetParameter and nothing else per invocation.
    assert!(requests.iter().all(|n| *n == 1), "{requests:?}");
    // The sweep too: one failed result per swept region, no listing.
    let param = document(&config, &cases_first_bad()).await;
    let rt: Rt = proxy.runtime_at(config.clone(), &[("EXCEPTIONS_PARAMETER", &param)], noon()).await;
    proxy.clear();
    assert!(rt.handle(&json!({"sweep": true})).await.is_err());
    assert_eq!(calls(&proxy).len(), 1, "{:?}", proxy.requests());
}

fn cases_first_bad() -> String {
    json!([{"id": "X", "control": "*", "resource": "k", "owner": "o", "expires": "2026-06-01"}]).to_string()
}

#[tokio::test]
async fn a_tag_with_an_end_date_exempts_through_that_day_only() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    let day = Duration::from_secs(86_400);
    for (now, want) in [(noon(), Outcome::Exempt), (noon() + day, Outcome::Remediated)] {
        let key = pending_key(&kms, &[("auto-remediation", "skip-until:2026-05-01")]).await;
        let rt: Rt = proxy.runtime_at(config.clone(), &[], now).await;
        let r = one(&rt, &key).await;
        assert_eq!(r.outcome, want, "{r:?}");
        if want == Outcome::Remediated {
            assert!(r.detail.contains("expired") && r.detail.contains("2026-05-01"), "{}", r.detail);
        } else {
            assert!(r.detail.contains("skip-until:2026-05-01"), "{}", r.detail);
        }
    }
    // Plain skip keeps working.
    let key = pending_key(&kms, &[("auto-remediation", "skip")]).await;
    let rt: Rt = proxy.runtime_at(config, &[], noon()).await;
    assert_eq!(one(&rt, &key).await.outcome, Outcome::Exempt);
}

#[tokio::test]
async fn the_document_is_read_at_most_once_a_minute() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    let key = pending_key(&kms, &[]).await;
    let param = document(&config, &json!([entry("EXC-1", &key.id, "2026-06-01")]).to_string()).await;
    let mut rt: Rt = proxy.runtime_at(config, &[("EXCEPTIONS_PARAMETER", &param)], noon()).await;
    proxy.clear();
    for _ in 0..5 {
        assert_eq!(one(&rt, &key).await.outcome, Outcome::Exempt);
    }
    assert_eq!(count(&proxy, "GetParameter"), 1);
    rt.settings.fixed_now = Some(noon() + Duration::from_secs(59));
    one(&rt, &key).await;
    assert_eq!(count(&proxy, "GetParameter"), 1);
    rt.settings.fixed_now = Some(noon() + Duration::from_secs(60));
    one(&rt, &key).await;
    one(&rt, &key).await;
    assert_eq!(count(&proxy, "GetParameter"), 2);
    assert_eq!(calls(&proxy).len(), 2, "exempt by the document: no KMS call at all");
}

#[tokio::test]
async fn a_sweep_reminds_once_a_day_of_ending_and_unmatched_exceptions() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let region = "ap-south-1";
    let kms = aws_sdk_kms::Client::new(&proxy.sdk_config(region).await);
    let key = pending_key(&kms, &[]).await;
    let doc = json!([
        entry("ENDING", &key.arn, "2026-05-10"),
        entry("FAR", &key.id, "2026-12-31"),
        entry("GONE", "arn:aws:kms:ap-south-1:123456789012:key/deleted-long-ago", "2026-12-31"),
    ]);
    let param = document(&config, &doc.to_string()).await;
    let subscriber = Subscriber::new(&config).await;
    let function = unique("fn");
    let vars = [
        ("EXCEPTIONS_PARAMETER", param.as_str()),
        ("NOTIFY_TOPIC_ARN", subscriber.topic_arn.as_str()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.as_str()),
    ];
    let rt: Rt = proxy.runtime_at(config.clone(), &vars, noon()).await;
    let sweep = json!({"sweep": true, "region": region});
    let report = rt.handle(&sweep).await.unwrap();
    let mine = report.results.iter().find(|r| r.resource == key.arn).expect("the key was swept");
    assert_eq!(mine.outcome, Outcome::Exempt, "{mine:?}");
    let messages = subscriber.messages().await;
    let reminders: Vec<_> =
        messages.iter().filter(|m| m["MessageAttributes"]["outcome"]["Value"] == "exception_reminder").collect();
    assert_eq!(reminders.len(), 1, "{messages:?}");
    let body: serde_json::Value = serde_json::from_str(reminders[0]["Message"].as_str().unwrap()).unwrap();
    let ids =
        |k: &str| body[k].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids("expiring"), ["ENDING"]);
    assert_eq!(ids("matched_nothing"), ["GONE"]);
    assert_eq!(body["expiring"][0]["days_left"], 9);

    // Later the same day (another process, so the document is read again): no second reminder.
    let rt: Rt = proxy.runtime_at(config.clone(), &vars, noon() + Duration::from_secs(3600)).await;
    rt.handle(&sweep).await.unwrap();
    let again = subscriber.messages().await;
    assert!(again.iter().all(|m| m["MessageAttributes"]["outcome"]["Value"] != "exception_reminder"), "{again:?}");
    // The next day: one more.
    let rt: Rt = proxy.runtime_at(config, &vars, noon() + Duration::from_secs(86_400)).await;
    rt.handle(&sweep).await.unwrap();
    let next = subscriber.messages().await;
    assert_eq!(next.iter().filter(|m| m["MessageAttributes"]["outcome"]["Value"] == "exception_reminder").count(), 1);
}

fn lookup_answer(principal_role: &str) -> String {
    let record = json!({"eventName": "ScheduleKeyDeletion", "userIdentity": {
        "type": "AssumedRole", "arn": format!("arn:aws:sts::123456789012:assumed-role/{principal_role}/session"),
        "sessionContext": {"sessionIssuer": {"arn": format!("arn:aws:iam::123456789012:role/{principal_role}")}}}});
    json!({"Events": [{"EventId": "e-1", "EventName": "ScheduleKeyDeletion", "EventTime": 1_777_550_000,
                       "CloudTrailEvent": record.to_string()}]})
    .to_string()
}

fn is_lookup(r: &Request) -> bool {
    r.operation == "LookupEvents"
}

#[tokio::test]
async fn a_deletion_scheduled_by_an_exempt_principal_stays_scheduled_whatever_the_trigger() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    let vars = [("EXEMPT_PRINCIPALS", "arn:aws:iam::123456789012:role/terraform")];

    // Terraform scheduled it: exempt, one LookupEvents, no write.
    let key = pending_key(&kms, &[]).await;
    proxy.inject(Fault { matches: is_lookup, status: 200, body: lookup_answer("terraform"), times: Some(1) });
    let rt: Rt = proxy.runtime_at(config.clone(), &vars, noon()).await;
    proxy.clear();
    let r = one(&rt, &key).await;
    assert_eq!(r.outcome, Outcome::Exempt, "{r:?}");
    assert!(r.detail.contains("ScheduleKeyDeletion") && r.detail.contains("role/terraform"), "{}", r.detail);
    assert_eq!(count(&proxy, "LookupEvents"), 1);
    assert!(kms_writes(&proxy).is_empty(), "{:?}", proxy.requests());
    let exempt_requests = calls(&proxy).len();
    assert_eq!(state(&kms, &key.id).await, "PendingDeletion");

    // Someone else scheduled it: cancelled as usual.
    let key = pending_key(&kms, &[]).await;
    proxy.inject(Fault { matches: is_lookup, status: 200, body: lookup_answer("intern"), times: Some(1) });
    proxy.clear();
    assert_eq!(one(&rt, &key).await.outcome, Outcome::Remediated);
    assert_eq!(count(&proxy, "LookupEvents"), 1);
    assert_eq!(state(&kms, &key.id).await, "Enabled");

    // The lookup fails: nothing written, the target fails (retried later) rather than undoing intent.
    let key = pending_key(&kms, &[]).await;
    proxy.clear();
    let err = rt.handle(&json!({"resource_id": key.id})).await.unwrap_err().to_string();
    assert!(err.contains("cloudtrail:LookupEvents"), "{err}");
    assert!(kms_writes(&proxy).is_empty());

    // Without EXEMPT_PRINCIPALS there is no lookup at all.
    let key = pending_key(&kms, &[]).await;
    let rt: Rt = proxy.runtime_at(config, &[], noon()).await;
    proxy.clear();
    assert_eq!(one(&rt, &key).await.outcome, Outcome::Remediated);
    assert_eq!(count(&proxy, "LookupEvents"), 0);
    println!(
        "requests: exempt by an intended change {exempt_requests}, remediated without lookup {}",
        calls(&proxy).len()
    );
}
