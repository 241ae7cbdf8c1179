//! Faults between the function and AWS: throttling, 5xx, resets, timeouts, writes that do not take,
//! a failing SNS publish. Through the recording proxy, against the emulator, with the function's own
//! retry policy. Each test ends by checking what is left noncompliant once the faults stop.

use std::time::Duration;

use integration_tests::*;
use remediation_core::{Control, Error, Outcome, Runtime};
use s3_block_public_access::S3BlockPublicAccess;
use serde_json::json;

type Rt = Runtime<S3BlockPublicAccess>;

const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1500);

struct Setup {
    proxy: Proxy,
    s3: aws_sdk_s3::Client,
    rt: Rt,
}

async fn setup(vars: &[(&str, &str)]) -> Setup {
    let proxy = Proxy::start().await;
    let config = proxy.production_config(REGION, ATTEMPT_TIMEOUT).await;
    // Seeding and reading back go straight to the emulator, not through the faults.
    let direct = Proxy::start().await.sdk_config(REGION).await;
    let s3 = S3BlockPublicAccess::client(&direct).s3;
    let rt = proxy.runtime(config, vars).await;
    Setup { proxy, s3, rt }
}

async fn public_bucket(s: &Setup, marker: &str) -> String {
    let bucket = unique(&format!("fault-{marker}"));
    s.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    bucket
}

async fn blocked(s3: &aws_sdk_s3::Client, bucket: &str) -> bool {
    match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration().unwrap();
            [c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()]
                .iter()
                .all(|v| *v == Some(true))
        }
        Err(_) => false,
    }
}

fn is_put_block(r: &Request) -> bool {
    r.method == "PUT" && r.path.contains("publicAccessBlock")
}

fn is_get_block(r: &Request) -> bool {
    r.method == "GET" && r.path.contains("publicAccessBlock")
}

fn s3_error(code: &str) -> String {
    format!("<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>injected</Message></Error>")
}

#[tokio::test]
async fn throttling_and_5xx_are_retried_until_the_fix_lands() {
    let s = setup(&[]).await;
    for (status, code) in [(503, "SlowDown"), (500, "InternalError"), (503, "ServiceUnavailable"), (400, "Throttling")]
    {
        let bucket = public_bucket(&s, "retry").await;
        s.proxy.inject_action(is_put_block, Action::Answer { status, body: s3_error(code) }, Some(2));
        s.proxy.inject_action(is_get_block, Action::Answer { status, body: s3_error(code) }, Some(1));
        let before = s.proxy.injected();
        let report = s.rt.handle(&json!({ "resource_id": bucket })).await.unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(report.results[0].outcome, Outcome::Remediated, "{code}");
        assert_eq!(s.proxy.injected() - before, 3, "{code}: every injected fault was met and retried");
        assert!(blocked(&s.s3, &bucket).await, "{code}");
    }
}

#[tokio::test]
async fn connection_resets_and_timeouts_are_retried() {
    let s = setup(&[]).await;
    let bucket = public_bucket(&s, "reset").await;
    s.proxy.inject_action(is_put_block, Action::Reset, Some(1));
    s.proxy.inject_action(is_get_block, Action::Delay(ATTEMPT_TIMEOUT * 2), Some(1));
    let report = s.rt.handle(&json!({ "resource_id": bucket })).await.unwrap();
    assert_eq!(report.results[0].outcome, Outcome::Remediated);
    assert_eq!(s.proxy.injected(), 2);
    assert!(blocked(&s.s3, &bucket).await);
}

#[tokio::test]
async fn a_write_that_did_not_take_is_never_reported_remediated() {
    let s = setup(&[]).await;
    let bucket = public_bucket(&s, "noop").await;
    // The write answers 200 but changes nothing (as the emulator does for some request forms).
    s.proxy.inject_action(is_put_block, Action::Answer { status: 200, body: String::new() }, None);
    let err = s.rt.handle(&json!({ "resource_id": bucket })).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    assert!(err.to_string().contains("read-back is still noncompliant"), "{err}");
    assert!(!blocked(&s.s3, &bucket).await);

    // Lambda retries once the fault is gone: nothing is left noncompliant.
    s.proxy.stop_faults();
    let report = s.rt.handle(&json!({ "resource_id": bucket })).await.unwrap();
    assert_eq!(report.results[0].outcome, Outcome::Remediated);
    assert!(blocked(&s.s3, &bucket).await);
}

#[tokio::test]
async fn persistent_faults_on_read_write_and_read_back_fail_the_invocation() {
    let s = setup(&[]).await;
    // The read-back alone fails: the first GET of the configuration works, the ones after the write don't.
    fn read_back(r: &Request) -> bool {
        is_get_block(r) && r.path.contains("-readback-")
    }
    for (marker, matches) in
        [("read", is_get_block as fn(&Request) -> bool), ("write", is_put_block), ("readback", read_back)]
    {
        let bucket = public_bucket(&s, marker).await;
        if marker == "readback" {
            // The first read goes through; every read after the write fails.
            s.proxy.inject_action(read_back, Action::Delay(Duration::ZERO), Some(1));
        }
        s.proxy.inject_action(matches, Action::Answer { status: 500, body: s3_error("InternalError") }, None);
        let err = s.rt.handle(&json!({ "resource_id": bucket })).await.unwrap_err();
        assert_eq!(err.error_type(), "RemediationFailed", "{marker}");
        assert!(err.to_string().contains("InternalError"), "{marker}: {err}");
        s.proxy.stop_faults();
        let fixed = s.rt.handle(&json!({ "resource_id": bucket })).await.unwrap();
        assert!(
            matches!(fixed.results[0].outcome, Outcome::Remediated | Outcome::AlreadyCompliant),
            "{marker}: {fixed:?}"
        );
        assert!(blocked(&s.s3, &bucket).await, "{marker}: compliant once faults stop");
    }
}

#[tokio::test]
async fn a_sweep_finishes_every_other_resource_when_one_fails() {
    let s = setup(&[]).await;
    let account = unique_account();
    let config = s.proxy.production_config(REGION, ATTEMPT_TIMEOUT).await;
    let member = s.proxy.sdk_config_in(&account, REGION).await;
    let member_s3 = S3BlockPublicAccess::client(&member).s3;
    let config = config.to_builder().credentials_provider(member.credentials_provider().unwrap()).build();
    let rt: Rt = s.proxy.runtime(config, &[]).await;
    let mut buckets = Vec::new();
    for i in 0..6 {
        let bucket = unique(if i == 0 { "sweep-broken" } else { "sweep" });
        member_s3.create_bucket().bucket(&bucket).send().await.unwrap();
        buckets.push(bucket);
    }
    fn broken(r: &Request) -> bool {
        is_put_block(r) && r.path.contains("sweep-broken")
    }
    s.proxy.inject(Fault { matches: broken, status: 403, body: s3_error("AccessDenied"), times: None });
    let err = rt.handle(&json!({ "sweep": true })).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    assert!(err.to_string().contains("1 failed"), "{err}");
    let mut left = Vec::new();
    for b in &buckets {
        if !blocked(&member_s3, b).await {
            left.push(b.clone());
        }
    }
    assert_eq!(left, [buckets[0].clone()], "only the broken bucket is left");
    s.proxy.stop_faults();
    rt.handle(&json!({ "sweep": true })).await.unwrap();
    for b in &buckets {
        assert!(blocked(&member_s3, b).await, "{b} compliant after the retry");
    }
}

#[tokio::test]
async fn a_failed_publish_does_not_hide_the_remediation() {
    let proxy = Proxy::start().await;
    let config = proxy.production_config(REGION, ATTEMPT_TIMEOUT).await;
    let subscriber = Subscriber::new(&proxy.sdk_config(REGION).await).await;
    let s = setup(&[]).await;
    let rt: Rt = proxy.runtime(config, &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    let bucket = public_bucket(&s, "publish").await;
    proxy.inject_action(
        |r| r.operation == "Publish",
        Action::Answer {
            status: 403,
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>denied</Message></Error></ErrorResponse>".into(),
        },
        None,
    );
    let err = rt.handle(&json!({ "resource_id": bucket })).await.unwrap_err();
    assert!(matches!(err, Error::NotificationFailed(_)), "{err:?}");
    assert!(err.to_string().contains("AuthorizationError"), "{err}");
    assert!(blocked(&s.s3, &bucket).await, "the fix itself landed");
    assert!(subscriber.messages().await.is_empty());
}

#[tokio::test]
async fn two_invocations_for_the_same_bucket_at_once_both_succeed() {
    let s = setup(&[]).await;
    for _ in 0..5 {
        let bucket = public_bucket(&s, "race").await;
        let event = json!({ "resource_id": bucket });
        let (a, b) = tokio::join!(s.rt.handle(&event), s.rt.handle(&event));
        let outcomes = [a.unwrap().results[0].outcome, b.unwrap().results[0].outcome];
        assert!(outcomes.iter().all(|o| matches!(o, Outcome::Remediated | Outcome::AlreadyCompliant)), "{outcomes:?}");
        assert!(blocked(&s.s3, &bucket).await);
    }
}

#[tokio::test]
async fn our_own_write_seen_again_in_cloudtrail_causes_no_second_write() {
    let s = setup(&[]).await;
    let bucket = public_bucket(&s, "loop").await;
    s.rt.handle(&json!({ "resource_id": bucket })).await.unwrap();
    // CloudTrail then reports our PutBucketPublicAccessBlock, made by the function's own session.
    let mut echo = event("s3-block-public-access/cloudtrail.json");
    set(&mut echo, "/detail/eventName", "PutBucketPublicAccessBlock");
    set(&mut echo, "/detail/requestParameters/bucketName", &bucket);
    set(&mut echo, "/detail/userIdentity/arn", "arn:aws:sts::123456789012:assumed-role/fn-role/s3-block-public-access");
    s.proxy.clear();
    let report = s.rt.handle(&echo).await.unwrap();
    assert!(report.ignored.unwrap().contains("made by this function"));
    assert!(s.proxy.requests().is_empty());
    // Even from another session (say the role was renamed), the bucket reads compliant: no write.
    set(&mut echo, "/detail/userIdentity/arn", "arn:aws:sts::123456789012:assumed-role/fn-role/other-session");
    let report = s.rt.handle(&echo).await.unwrap();
    assert_eq!(report.results[0].outcome, Outcome::AlreadyCompliant);
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
}

#[tokio::test]
async fn a_report_too_long_for_sns_is_published_as_a_summary() {
    use remediation_core::{notify, Report, TargetResult};
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let subscriber = Subscriber::new(&config).await;
    let sns = aws_sdk_sns::Client::new(&config);
    // A sweep of 2,000 buckets: about 0.5 MB of report, twice what SNS takes.
    let result = |i: usize, outcome| TargetResult {
        resource: format!("arn:aws:s3:::bucket-{i:05}"),
        account: "123456789012".into(),
        region: REGION.into(),
        outcome,
        detail: "turned on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets".into(),
        before: json!({"BlockPublicAcls": false, "IgnorePublicAcls": false, "BlockPublicPolicy": false, "RestrictPublicBuckets": false}),
        after: json!({"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}),
        console_url: None,
        action_id: None,
    };
    let mut results: Vec<TargetResult> = (0..1990).map(|i| result(i, Outcome::Remediated)).collect();
    results.extend((1990..2000).map(|i| result(i, Outcome::Failed)));
    let report = Report {
        control: "s3-block-public-access".into(),
        trigger: remediation_core::Kind::Schedule,
        dry_run: false,
        results,
        ignored: None,
        finding_id: None,
        finding_url: None,
    };
    // The emulator enforces SNS's limit, as AWS does: the whole report is refused.
    let whole = serde_json::to_string(&report).unwrap();
    assert!(whole.len() > 256 * 1024);
    let refused = sns.publish().topic_arn(&subscriber.topic_arn).message(whole).send().await;
    assert!(refused.is_err(), "the emulator took a message over 256 KiB");

    assert!(notify::publish(&sns, &subscriber.topic_arn, &report).await.unwrap());
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1);
    let body: serde_json::Value = serde_json::from_str(messages[0]["Message"].as_str().unwrap()).unwrap();
    let shown = body["results"].as_array().unwrap();
    let failed = shown.iter().filter(|r| r["outcome"] == "failed").count();
    assert_eq!(failed, 10, "every failure is in the message");
    assert!(shown.len() > 100);
    assert_eq!(shown.len() as u64 + body["omitted"]["count"].as_u64().unwrap(), 2000);
    assert_eq!(body["omitted"]["by_outcome"]["remediated"].as_u64().unwrap() as usize, 2000 - shown.len());
    assert_eq!(messages[0]["MessageAttributes"]["outcome"]["Value"], json!(r#"["failed","remediated"]"#));
}
