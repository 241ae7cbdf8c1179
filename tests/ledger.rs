//! The ledger and its guardrails against the emulator (moto's DynamoDB and SSM), with S3 buckets as
//! the resources: undo, duplicate events, the blast-radius cap, flapping, the kill switch, faults on
//! the table and the parameter, and what each costs in requests. Each control's own undo is tested
//! with the control.

use integration_tests::*;
use remediation_core::{Outcome, Report, Runtime, TargetResult};
use s3_block_public_access::S3BlockPublicAccess;
use serde_json::{json, Value};

type Rt = Runtime<S3BlockPublicAccess>;

struct Setup {
    proxy: Proxy,
    account: String,
    config: aws_config::SdkConfig,
    s3: aws_sdk_s3::Client,
    table: String,
}

/// An account of its own (sweeps list only its buckets) and a ledger table.
async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let account = unique_account();
    let config = proxy.sdk_config_in(&account, REGION).await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let table = ledger_table(&config).await;
    proxy.clear();
    Setup { proxy, account, config, s3, table }
}

impl Setup {
    async fn runtime(&self, vars: &[(&str, &str)]) -> Rt {
        let mut all = vec![("LEDGER_TABLE", self.table.as_str())];
        all.extend_from_slice(vars);
        self.proxy.runtime(self.config.clone(), &all).await
    }

    async fn bucket(&self) -> String {
        let bucket = unique("ledger");
        self.s3.create_bucket().bucket(&bucket).send().await.unwrap();
        bucket
    }

    /// The bucket's four flags, `None` without a configuration.
    async fn block(&self, bucket: &str) -> Option<[bool; 4]> {
        let out = self.s3.get_public_access_block().bucket(bucket).send().await.ok()?;
        let c = out.public_access_block_configuration().unwrap();
        Some([
            c.block_public_acls().unwrap_or(false),
            c.ignore_public_acls().unwrap_or(false),
            c.block_public_policy().unwrap_or(false),
            c.restrict_public_buckets().unwrap_or(false),
        ])
    }

    async fn set_block(&self, bucket: &str, flags: [bool; 4]) {
        let c = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
            .block_public_acls(flags[0])
            .ignore_public_acls(flags[1])
            .block_public_policy(flags[2])
            .restrict_public_buckets(flags[3])
            .build();
        self.s3.put_public_access_block().bucket(bucket).public_access_block_configuration(c).send().await.unwrap();
    }

    async fn unset_block(&self, bucket: &str) {
        self.s3.delete_public_access_block().bucket(bucket).send().await.unwrap();
    }

    /// S3 writes of Block Public Access the proxy saw since the last `clear`.
    fn s3_writes(&self) -> usize {
        self.proxy.requests().iter().filter(|r| r.operation.contains("publicAccessBlock") && r.is_write()).count()
    }

    fn count(&self, operation: &str) -> usize {
        self.proxy.requests().iter().filter(|r| r.operation == operation).count()
    }

    async fn items(&self) -> Vec<Value> {
        let mut items: Vec<Value> = ledger_items(&self.config, &self.table)
            .await
            .into_iter()
            .map(|item| {
                let fields = item.iter().map(|(k, v)| {
                    let v = v.as_s().map(|s| json!(s)).or_else(|_| v.as_n().map(|n| json!(n))).unwrap_or(Value::Null);
                    (k.clone(), v)
                });
                Value::Object(fields.collect())
            })
            .collect();
        items.sort_by_key(|i| i["sk"].as_str().unwrap_or_default().to_owned());
        items
    }
}

fn manual(bucket: &str) -> Value {
    json!({ "resource_id": bucket })
}

/// An S3 sample event for `bucket` in `account`, with EventBridge id `id`.
fn sample(file: &str, bucket: &str, account: &str, id: &str) -> Value {
    let text = event(&format!("s3-block-public-access/{file}")).to_string();
    let mut e: Value =
        serde_json::from_str(&text.replace("example-public-bucket", bucket).replace(ACCOUNT, account)).unwrap();
    e["id"] = json!(id);
    e
}

fn config_event(s: &Setup, bucket: &str, id: &str) -> Value {
    sample("config-noncompliant.json", bucket, &s.account, id)
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

#[tokio::test]
async fn undo_puts_the_recorded_before_back_once_and_only_over_the_recorded_after() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;

    // No configuration before: undo deletes it again.
    let bucket = s.bucket().await;
    let fixed = rt.handle(&manual(&bucket)).await.unwrap();
    let r = only(&fixed);
    assert_eq!(r.outcome, Outcome::Remediated);
    let action = r.action_id.clone().expect("an action id on a remediated result");
    assert_eq!(s.block(&bucket).await, Some([true; 4]));
    let undone = rt.handle(&undo(&action)).await.unwrap();
    let u = only(&undone);
    assert_eq!((u.outcome, u.resource.as_str()), (Outcome::Undone, format!("arn:aws:s3:::{bucket}").as_str()), "{u:?}");
    assert_eq!(s.block(&bucket).await, None, "no configuration, as before the fix");
    let items = s.items().await;
    let fix = items.iter().find(|i| i["action_id"] == json!(action)).unwrap();
    assert_eq!(fix["status"], "undone");
    assert_eq!(fix["undone_by"], json!(u.action_id.clone().unwrap()));
    let record = items.iter().find(|i| i["kind"] == "undo").unwrap();
    assert_eq!(record["undoes"], json!(action));

    // Twice: refused, nothing written.
    s.proxy.clear();
    let again = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(again.error_type(), "RemediationFailed");
    assert!(again.to_string().contains("is undone"), "{again}");
    assert_eq!(s.s3_writes(), 0);

    // Flags before: the same flags back.
    let bucket = s.bucket().await;
    s.set_block(&bucket, [true, false, true, false]).await;
    let fixed = rt.handle(&manual(&bucket)).await.unwrap();
    let action = only(&fixed).action_id.clone().unwrap();
    rt.handle(&undo(&action)).await.unwrap();
    assert_eq!(s.block(&bucket).await, Some([true, false, true, false]));

    // Changed since the fix: refused with both states, nothing written.
    let bucket = s.bucket().await;
    let fixed = rt.handle(&manual(&bucket)).await.unwrap();
    let action = only(&fixed).action_id.clone().unwrap();
    s.set_block(&bucket, [true, true, true, false]).await;
    s.proxy.clear();
    let refused = rt.handle(&undo(&action)).await;
    let err = refused.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action") && text.contains("\"RestrictPublicBuckets\":false"), "{text}");
    assert!(text.contains("\"RestrictPublicBuckets\":true"), "both states: {text}");
    assert_eq!(s.s3_writes(), 0, "nothing written: {:?}", s.proxy.requests());
    assert_eq!(s.block(&bucket).await, Some([true, true, true, false]));

    // An action id the ledger does not hold.
    let unknown = rt.handle(&undo("20260101T000000Z-0000000000000000")).await.unwrap_err();
    assert!(unknown.to_string().contains("no write with action id"), "{unknown}");
}

#[tokio::test]
async fn a_resource_restored_by_undo_is_not_fixed_again_automatically() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    let bucket = s.bucket().await;
    let action = only(&rt.handle(&manual(&bucket)).await.unwrap()).action_id.clone().unwrap();
    rt.handle(&undo(&action)).await.unwrap();
    s.proxy.clear();
    let report = rt.handle(&config_event(&s, &bucket, "after-undo")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::NeedsAction, "{r:?}");
    assert!(r.detail.contains("restored by undo") && r.detail.contains("exception"), "{}", r.detail);
    assert_eq!(s.s3_writes(), 0);
    assert_eq!(s.block(&bucket).await, None);
}

#[tokio::test]
async fn the_same_event_twice_writes_once() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;

    // One after the other: the second answers with the recorded result.
    let bucket = s.bucket().await;
    let event = config_event(&s, &bucket, &unique("event"));
    let first = rt.handle(&event).await.unwrap();
    s.unset_block(&bucket).await; // changed back: only a new event may fix it again
    s.proxy.clear();
    let second = rt.handle(&event).await.unwrap();
    let (a, b) = (only(&first), only(&second));
    assert_eq!((a.outcome, b.outcome), (Outcome::Remediated, Outcome::Remediated));
    assert_eq!(a.action_id, b.action_id, "the recorded result");
    assert!(b.detail.contains("duplicate of event"), "{}", b.detail);
    assert_eq!(s.s3_writes(), 0);
    assert_eq!(s.count("TransactWriteItems"), 0, "no second write of any kind");

    // At the same time (two invocations, as EventBridge's at-least-once delivery can make):
    // one conditional write wins.
    let bucket = s.bucket().await;
    let event = config_event(&s, &bucket, &unique("event"));
    let rt2 = s.runtime(&[]).await;
    s.proxy.clear();
    let (x, y) = tokio::join!(rt.handle(&event), rt2.handle(&event));
    let outcomes = [only(&x.unwrap()).outcome, only(&y.unwrap()).outcome];
    assert_eq!(s.s3_writes(), 1, "{outcomes:?}");
    assert!(outcomes.contains(&Outcome::Remediated), "{outcomes:?}");
    assert_eq!(s.block(&bucket).await, Some([true; 4]));
}

#[tokio::test]
async fn the_blast_radius_cap_defers_the_rest_of_a_sweep() {
    let s = setup().await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt = s.runtime(&[("MAX_CHANGES_PER_HOUR", "10"), ("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    // The account-level setting is on: the sweep's 30 resources are the buckets.
    let all = aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    let control = <S3BlockPublicAccess as remediation_core::Control>::client(&s.config).s3control;
    control
        .put_public_access_block()
        .account_id(&s.account)
        .public_access_block_configuration(all)
        .send()
        .await
        .unwrap();
    let mut buckets = Vec::new();
    for _ in 0..30 {
        buckets.push(s.bucket().await);
    }
    let report = rt.handle(&json!({ "sweep": true })).await.unwrap();
    let count = |o| report.results.iter().filter(|r| r.outcome == o).count();
    assert_eq!((count(Outcome::Remediated), count(Outcome::Deferred)), (10, 20), "{}", report.summary());
    let deferred = report.results.iter().find(|r| r.outcome == Outcome::Deferred).unwrap();
    assert!(deferred.detail.contains("MAX_CHANGES_PER_HOUR=10"), "{}", deferred.detail);
    let mut blocked = 0;
    for b in &buckets {
        blocked += usize::from(s.block(b).await == Some([true; 4]));
    }
    assert_eq!(blocked, 10, "read back: 10 fixed, 20 left");
    // One notification says the cap held and how many waited.
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1);
    let subject = messages[0]["Subject"].as_str().unwrap_or_default();
    assert!(subject.contains("20 deferred"), "{subject}");
    // The next sweep in the same hour still reports what it finds, and writes nothing.
    s.proxy.clear();
    let again = rt.handle(&json!({ "sweep": true })).await.unwrap();
    assert_eq!(again.results.iter().filter(|r| r.outcome == Outcome::Deferred).count(), 20);
    assert_eq!(s.s3_writes(), 0);
    // Another instance (no memory of the cap) is held by the counter in the table.
    let mut left = None;
    for b in &buckets {
        if s.block(b).await.is_none() {
            left = Some(b.clone());
            break;
        }
    }
    let other = s.runtime(&[("MAX_CHANGES_PER_HOUR", "10")]).await;
    s.proxy.clear();
    let r = only(&other.handle(&manual(&left.unwrap())).await.unwrap()).clone();
    assert_eq!(r.outcome, Outcome::Deferred, "{r:?}");
    assert_eq!(s.s3_writes(), 0);
}

#[tokio::test]
async fn a_resource_reverted_again_and_again_is_contested() {
    let s = setup().await;
    let rt = s.runtime(&[("FLAP_LIMIT", "2")]).await;
    let bucket = s.bucket().await;
    for _ in 0..2 {
        assert_eq!(only(&rt.handle(&manual(&bucket)).await.unwrap()).outcome, Outcome::Remediated);
        s.unset_block(&bucket).await;
    }
    // The third time, the CloudTrail event of the change names who changed it back.
    let mut call = sample("cloudtrail.json", &bucket, &s.account, &unique("event"));
    let mallory = format!("arn:aws:iam::{}:user/mallory", s.account);
    call["detail"]["userIdentity"]["arn"] = json!(mallory);
    s.proxy.clear();
    let report = rt.handle(&call).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Contested, "{r:?}");
    assert!(r.detail.contains(&mallory) && r.detail.contains("fixed 2 times"), "{}", r.detail);
    // Any trigger: a manual run is held too, and says where to look.
    let r = only(&rt.handle(&manual(&bucket)).await.unwrap()).clone();
    assert_eq!(r.outcome, Outcome::Contested, "{r:?}");
    assert!(r.detail.contains("CloudTrail"), "{}", r.detail);
    assert_eq!(s.s3_writes(), 0);
    assert_eq!(s.block(&bucket).await, None);
}

#[tokio::test]
async fn the_kill_switch_stops_every_write_with_one_parameter() {
    let s = setup().await;
    let parameter = mode_parameter(&s.config, "off").await;
    let bucket = s.bucket().await;

    // off: deferred, nothing read but the parameter.
    let rt = s.runtime(&[("MODE_PARAMETER", &parameter)]).await;
    s.proxy.clear();
    let r = only(&rt.handle(&manual(&bucket)).await.unwrap()).clone();
    assert_eq!(r.outcome, Outcome::Deferred, "{r:?}");
    assert!(r.detail.contains("kill switch"), "{}", r.detail);
    let ops: Vec<String> = s.proxy.requests().iter().map(|r| r.operation.clone()).collect();
    assert!(ops.iter().all(|o| o == "GetParameter" || o == "GetCallerIdentity"), "{ops:?}");
    assert_eq!(s.count("GetParameter"), 1);

    // Read at most once a minute: switched on, the same process still sees off for that minute.
    set_mode(&s.config, &parameter, "enforce").await;
    s.proxy.clear();
    assert_eq!(only(&rt.handle(&manual(&bucket)).await.unwrap()).outcome, Outcome::Deferred);
    assert_eq!(s.count("GetParameter"), 0);

    // dry_run: would_remediate, nothing written.
    set_mode(&s.config, &parameter, "dry_run").await;
    let rt = s.runtime(&[("MODE_PARAMETER", &parameter)]).await;
    s.proxy.clear();
    let report = rt.handle(&manual(&bucket)).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(only(&report).outcome, Outcome::WouldRemediate);
    assert_eq!(s.s3_writes(), 0);

    // enforce: fixed.
    set_mode(&s.config, &parameter, "enforce").await;
    let rt = s.runtime(&[("MODE_PARAMETER", &parameter)]).await;
    assert_eq!(only(&rt.handle(&manual(&bucket)).await.unwrap()).outcome, Outcome::Remediated);
    assert_eq!(s.block(&bucket).await, Some([true; 4]));

    // Anything else, or no parameter: failed, nothing written.
    let bucket = s.bucket().await;
    set_mode(&s.config, &parameter, "please").await;
    let rt = s.runtime(&[("MODE_PARAMETER", &parameter)]).await;
    let err = rt.handle(&manual(&bucket)).await.unwrap_err();
    assert!(err.to_string().contains("is not a mode"), "{err}");
    let rt = s.runtime(&[("MODE_PARAMETER", "/no/such/parameter")]).await;
    let err = rt.handle(&manual(&bucket)).await.unwrap_err();
    assert!(err.to_string().contains("could not read the kill switch"), "{err}");
    assert_eq!(s.block(&bucket).await, None);
}

fn dynamodb(op: &'static str) -> fn(&Request) -> bool {
    match op {
        "Query" => |r: &Request| r.operation == "Query",
        "TransactWriteItems" => |r: &Request| r.operation == "TransactWriteItems",
        _ => |r: &Request| r.operation == "UpdateItem",
    }
}

fn ddb_error() -> String {
    json!({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "injected"}).to_string()
}

#[tokio::test]
async fn a_ledger_that_cannot_be_checked_holds_and_one_that_cannot_record_fails_the_invocation() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    for op in ["Query", "TransactWriteItems"] {
        let bucket = s.bucket().await;
        s.proxy.clear();
        s.proxy.inject(Fault { matches: dynamodb(op), status: 500, body: ddb_error(), times: None });
        let err = rt.handle(&manual(&bucket)).await.unwrap_err();
        s.proxy.stop_faults();
        assert_eq!(err.error_type(), "RemediationFailed", "{op}");
        assert!(err.to_string().contains("could not be checked"), "{op}: {err}");
        assert_eq!(s.s3_writes(), 0, "{op}: no write");
        assert_eq!(s.block(&bucket).await, None);
    }
    // After the fix: it stands, is reported, and the invocation fails so that it is retried and seen.
    let bucket = s.bucket().await;
    s.proxy.inject(Fault { matches: dynamodb("UpdateItem"), status: 500, body: ddb_error(), times: None });
    let err = rt.handle(&manual(&bucket)).await.unwrap_err();
    s.proxy.stop_faults();
    assert_eq!(err.error_type(), "LedgerFailed", "{err}");
    assert_eq!(s.block(&bucket).await, Some([true; 4]));
    // The retry finds it compliant: one read, nothing written.
    s.proxy.clear();
    let r = only(&rt.handle(&manual(&bucket)).await.unwrap()).clone();
    assert_eq!(r.outcome, Outcome::AlreadyCompliant);
    assert_eq!(s.proxy.requests().iter().filter(|r| r.is_write()).count(), 0);
}

#[tokio::test]
async fn the_ledger_costs_nothing_per_compliant_resource_and_two_writes_and_a_read_per_fix() {
    let s = setup().await;
    let with = s.runtime(&[]).await;
    let without: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let mut counts = Vec::new();
    for rt in [&without, &with] {
        let bucket = s.bucket().await;
        rt.handle(&manual(&bucket)).await.unwrap(); // cold: the own account is known after this
        let fresh = s.bucket().await;
        s.proxy.clear();
        let fixed = rt.handle(&manual(&fresh)).await.unwrap();
        assert_eq!(only(&fixed).outcome, Outcome::Remediated);
        let fix = s.proxy.requests().len();
        s.proxy.clear();
        let compliant = rt.handle(&manual(&fresh)).await.unwrap();
        assert_eq!(only(&compliant).outcome, Outcome::AlreadyCompliant);
        counts.push((fix, s.proxy.requests().len()));
    }
    let [(fix_without, compliant_without), (fix_with, compliant_with)] = counts[..] else { unreachable!() };
    assert_eq!(compliant_with, compliant_without, "nothing per compliant resource");
    assert_eq!(fix_with, fix_without + 3, "Query, TransactWriteItems, UpdateItem per fix");
}
