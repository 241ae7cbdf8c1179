//! kms-cancel-key-deletion against the emulator: every trigger shape and every way of naming a key,
//! with the key state read back from KMS.

use aws_sdk_kms::types::Tag;
use integration_tests::*;
use kms_cancel_key_deletion::KmsCancelKeyDeletion;
use remediation_core::{Error, Outcome, Report, Runtime, TargetResult};
use serde_json::{json, Value};

type Rt = Runtime<KmsCancelKeyDeletion>;

/// The key id and alias the events/ samples use.
const PLACEHOLDER_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const PLACEHOLDER_ALIAS: &str = "alias/example-app-key";
const OTHER_REGION: &str = "eu-west-1";

struct Setup {
    proxy: Proxy,
    config: aws_config::SdkConfig,
    kms: aws_sdk_kms::Client,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let kms = aws_sdk_kms::Client::new(&config);
    Setup { proxy, config, kms }
}

async fn kms_in(proxy: &Proxy, region: &str) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&proxy.sdk_config(region).await)
}

struct TestKey {
    id: String,
    arn: String,
    alias: String,
}

/// A customer managed key with an alias, optionally tagged; `Enabled`.
async fn new_key(kms: &aws_sdk_kms::Client, tags: &[(&str, &str)]) -> TestKey {
    let mut create = kms.create_key().description("integration test key");
    for (k, v) in tags {
        create = create.tags(Tag::builder().tag_key(*k).tag_value(*v).build().unwrap());
    }
    let meta = create.send().await.unwrap().key_metadata.unwrap();
    let alias = format!("alias/{}", unique("app-key"));
    kms.create_alias().alias_name(&alias).target_key_id(meta.key_id()).send().await.unwrap();
    TestKey { id: meta.key_id().to_owned(), arn: meta.arn().unwrap().to_owned(), alias }
}

async fn schedule_deletion(kms: &aws_sdk_kms::Client, key_id: &str) {
    kms.schedule_key_deletion().key_id(key_id).pending_window_in_days(7).send().await.unwrap();
}

/// A key in `PendingDeletion`.
async fn pending_key(kms: &aws_sdk_kms::Client, tags: &[(&str, &str)]) -> TestKey {
    let key = new_key(kms, tags).await;
    schedule_deletion(kms, &key.id).await;
    assert_eq!(key_state(kms, &key.id).await.as_deref(), Some("PendingDeletion"));
    key
}

/// The key state as KMS reports it; `None` when there is no such key.
async fn key_state(kms: &aws_sdk_kms::Client, key_id: &str) -> Option<String> {
    match kms.describe_key().key_id(key_id).send().await {
        Ok(out) => out.key_metadata.and_then(|m| m.key_state().map(|s| s.as_str().to_owned())),
        Err(e) => {
            let code = aws_sdk_kms::error::ProvideErrorMetadata::code(&e).map(str::to_owned);
            assert_eq!(code.as_deref(), Some("NotFoundException"), "{e:?}");
            None
        }
    }
}

/// An events/ sample naming this key instead of the placeholder.
fn sample(file: &str, key: &TestKey) -> Value {
    let text = event(&format!("kms-cancel-key-deletion/{file}")).to_string();
    serde_json::from_str(&text.replace(PLACEHOLDER_ID, &key.id).replace(PLACEHOLDER_ALIAS, &key.alias)).unwrap()
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

/// KMS calls as the proxy saw them (without the one STS call for the function's own account).
fn operations(proxy: &Proxy) -> Vec<String> {
    proxy.requests().into_iter().map(|r| r.operation).filter(|op| op != "GetCallerIdentity").collect()
}

fn write_operations(proxy: &Proxy) -> Vec<String> {
    proxy.writes().into_iter().map(|r| r.operation).filter(|op| op != "Publish").collect()
}

/// The report's before/after: pending with a date before, enabled and no date after.
fn assert_cancelled_and_enabled(r: &TargetResult) {
    assert_eq!(r.outcome, Outcome::Remediated, "{r:#?}");
    assert_eq!(r.before["KeyState"], "PendingDeletion");
    assert!(r.before["DeletionDate"].as_str().is_some_and(|d| d.ends_with('Z')), "{:?}", r.before);
    assert_eq!(r.after["KeyState"], "Enabled");
    assert_eq!(r.after["DeletionDate"], Value::Null);
    let date = r.before["DeletionDate"].as_str().unwrap();
    assert_eq!(r.detail, format!("cancelled the deletion scheduled for {date} and enabled the key again"));
}

#[tokio::test]
async fn every_trigger_shape_cancels_the_deletion_and_enables_the_key() {
    let s = setup().await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    for (file, kind) in [
        ("config-noncompliant.json", "config"),
        ("cloudtrail.json", "cloudtrail"),
        ("securityhub.json", "securityhub"),
        ("manual.json", "manual"),
    ] {
        let key = pending_key(&s.kms, &[]).await;
        s.proxy.clear();
        let report = rt.handle(&sample(file, &key)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind);
        let r = only(&report);
        assert_eq!((r.resource.as_str(), r.account.as_str(), r.region.as_str()), (key.arn.as_str(), ACCOUNT, REGION));
        assert_cancelled_and_enabled(r);
        assert_eq!(write_operations(&s.proxy), ["CancelKeyDeletion", "EnableKey"], "{file}");
        assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("Enabled"), "{file}: read back from KMS");
    }
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 4, "one SNS message per invocation that changed something");
    for m in &messages {
        let attrs = &m["MessageAttributes"];
        assert_eq!(attrs["control"]["Value"], "kms-cancel-key-deletion");
        assert_eq!(attrs["outcome"]["Value"], "remediated");
        assert_eq!(attrs["region"]["Value"], REGION);
    }
}

#[tokio::test]
async fn a_key_is_found_by_id_arn_alias_and_alias_arn() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    for how in ["id", "arn", "alias", "alias arn"] {
        let key = pending_key(&s.kms, &[]).await;
        let named = match how {
            "id" => key.id.clone(),
            "arn" => key.arn.clone(),
            "alias" => key.alias.clone(),
            _ => format!("arn:aws:kms:{REGION}:{ACCOUNT}:{}", key.alias),
        };
        let report = rt.handle(&json!({ "resource_id": named })).await.unwrap_or_else(|e| panic!("{how}: {e}"));
        let r = only(&report);
        assert_eq!(r.resource, key.arn, "{how}: reported by key ARN");
        assert_cancelled_and_enabled(r);
        assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("Enabled"), "{how}");
    }
}

#[tokio::test]
async fn keys_not_pending_deletion_get_no_write() {
    let s = setup().await;
    let enabled = new_key(&s.kms, &[]).await;
    // KMS.3 checks deletion only: a key someone disabled on purpose stays disabled.
    let disabled = new_key(&s.kms, &[]).await;
    s.kms.disable_key().key_id(&disabled.id).send().await.unwrap();
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_ids": [enabled.alias, disabled.arn] })).await.unwrap();
    let states: Vec<_> = report.results.iter().map(|r| (r.outcome, r.before["KeyState"].clone())).collect();
    assert_eq!(states, [(Outcome::AlreadyCompliant, json!("Enabled")), (Outcome::AlreadyCompliant, json!("Disabled"))]);
    assert!(report.results.iter().all(|r| r.after.is_null()));
    assert!(!s.proxy.requests().is_empty());
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    assert_eq!(key_state(&s.kms, &enabled.id).await.as_deref(), Some("Enabled"));
    assert_eq!(key_state(&s.kms, &disabled.id).await.as_deref(), Some("Disabled"));
}

#[tokio::test]
async fn reenable_switched_off_leaves_the_key_disabled() {
    let s = setup().await;
    let key = pending_key(&s.kms, &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("KMS_REENABLE_KEY", "false")]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("config-noncompliant.json", &key)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert!(r.detail.ends_with("the key is left Disabled (KMS_REENABLE_KEY=false)"), "{}", r.detail);
    assert_eq!(
        (r.before["KeyState"].as_str(), r.after["KeyState"].as_str()),
        (Some("PendingDeletion"), Some("Disabled"))
    );
    assert_eq!(write_operations(&s.proxy), ["CancelKeyDeletion"]);
    assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("Disabled"));
}

#[tokio::test]
async fn exempt_by_tag_list_and_principal_stay_pending_deletion() {
    let s = setup().await;
    let default_tag = pending_key(&s.kms, &[("auto-remediation", "skip")]).await;
    let custom_tag = pending_key(&s.kms, &[("keep-deleting", "yes")]).await;
    let by_id = pending_key(&s.kms, &[]).await;
    let by_arn = pending_key(&s.kms, &[]).await;
    let by_alias = pending_key(&s.kms, &[]).await;
    let exempt = format!("{},{},{}", by_id.id, by_arn.arn, by_alias.alias);

    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("EXEMPT_RESOURCES", &exempt)]).await;
    s.proxy.clear();
    // Named otherwise than listed, so the match needs the key's own id, ARN and aliases.
    let report =
        rt.handle(&json!({ "resource_ids": [default_tag.id, by_id.arn, by_arn.alias, by_alias.id] })).await.unwrap();
    let details: Vec<_> = report.results.iter().map(|r| (r.outcome, r.detail.as_str())).collect();
    assert_eq!(
        details,
        [
            (Outcome::Exempt, "tagged auto-remediation=skip"),
            (Outcome::Exempt, format!("{} is listed in EXEMPT_RESOURCES", by_id.id).as_str()),
            (Outcome::Exempt, format!("{} is listed in EXEMPT_RESOURCES", by_arn.arn).as_str()),
            (Outcome::Exempt, format!("{} is listed in EXEMPT_RESOURCES", by_alias.alias).as_str()),
        ]
    );
    assert!(operations(&s.proxy).contains(&"ListAliases".to_owned()));

    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("EXEMPT_TAG", "keep-deleting")]).await;
    let report = rt.handle(&json!({ "resource_id": custom_tag.arn })).await.unwrap();
    assert_eq!((only(&report).outcome, only(&report).detail.as_str()), (Outcome::Exempt, "tagged keep-deleting"));

    // The IaC pipeline's role schedules the deletion: its CloudTrail call is not fought.
    let by_pipeline = pending_key(&s.kms, &[]).await;
    let rt: Rt =
        s.proxy.runtime(s.config.clone(), &[("EXEMPT_PRINCIPALS", "arn:aws:iam::123456789012:role/Adm*")]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("cloudtrail.json", &by_pipeline)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Exempt);
    assert!(r.detail.contains("exempt principal arn:aws:iam::123456789012:role/Admin"), "{}", r.detail);
    assert!(operations(&s.proxy).is_empty(), "an exempt principal needs no KMS call: {:?}", operations(&s.proxy));

    for key in [&default_tag, &custom_tag, &by_id, &by_arn, &by_alias, &by_pipeline] {
        assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("PendingDeletion"), "{}", key.id);
    }
}

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    let key = pending_key(&s.kms, &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_id": key.alias, "dry_run": true })).await.unwrap();
    assert!(report.dry_run);
    let r = only(&report);
    assert_eq!((r.outcome, r.before["KeyState"].as_str()), (Outcome::WouldRemediate, Some("PendingDeletion")));

    let env_dry: Rt = s.proxy.runtime(s.config.clone(), &[("DRY_RUN", "true")]).await;
    let report = env_dry.handle(&sample("securityhub.json", &key)).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::WouldRemediate);
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("PendingDeletion"));
}

#[tokio::test]
async fn a_key_that_does_not_exist_is_not_found() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let never = TestKey {
        id: "0badc0de-0000-4000-8000-000000000000".into(),
        arn: String::new(),
        alias: format!("alias/{}", unique("gone")),
    };
    for file in ["config-noncompliant.json", "cloudtrail.json", "manual.json"] {
        let report = rt.handle(&sample(file, &never)).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::NotFound, "{file}: {r:?}");
        assert!(r.resource.starts_with(&format!("arn:aws:kms:{REGION}:{ACCOUNT}:")), "{}", r.resource);
    }
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
}

/// moto cannot create an AWS managed key (its `alias/aws/*` keys say `KeyManager: CUSTOMER`), so
/// KMS's answer for one is injected at the proxy.
#[tokio::test]
async fn an_aws_managed_key_is_exempt() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let id = "5a2f0c8e-1111-4222-8333-444455556666";
    s.proxy.inject(Fault {
        matches: |r| r.operation == "DescribeKey",
        status: 200,
        body: json!({"KeyMetadata": {
            "AWSAccountId": ACCOUNT, "KeyId": id, "Arn": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}"),
            "KeyManager": "AWS", "KeyState": "PendingDeletion", "Enabled": false, "CreationDate": 1.7e9,
            "DeletionDate": 1.8e9, "Origin": "AWS_KMS", "KeyUsage": "ENCRYPT_DECRYPT"
        }})
        .to_string(),
        times: None,
    });
    let report = rt.handle(&json!({ "resource_id": "alias/aws/ebs" })).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.detail.as_str()), (Outcome::Exempt, "an AWS managed key: its lifecycle belongs to AWS"));
    assert_eq!(r.resource, format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}"));
    assert_eq!(operations(&s.proxy), ["DescribeKey"], "nothing read or written after the DescribeKey");
}

#[tokio::test]
async fn a_key_in_another_region_is_handled_there() {
    let s = setup().await;
    let eu = kms_in(&s.proxy, OTHER_REGION).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;

    // By ARN (manual, Security Hub): the ARN's region wins.
    let by_arn = pending_key(&eu, &[]).await;
    let report = rt.handle(&json!({ "resource_id": by_arn.arn })).await.unwrap();
    assert_eq!(only(&report).region, OTHER_REGION);
    assert_cancelled_and_enabled(only(&report));
    assert_eq!(key_state(&eu, &by_arn.id).await.as_deref(), Some("Enabled"));

    // By bare id in a CloudTrail record of that region: the event's region.
    let by_id = pending_key(&eu, &[]).await;
    let mut call = sample("cloudtrail.json", &by_id);
    let text = call.to_string().replace(REGION, OTHER_REGION);
    call = serde_json::from_str(&text).unwrap();
    set(&mut call, "/detail/requestParameters/keyId", &by_id.id);
    let report = rt.handle(&call).await.unwrap();
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::Remediated, OTHER_REGION));
    assert_eq!(key_state(&eu, &by_id.id).await.as_deref(), Some("Enabled"));

    // A bare id with no region is looked for in the function's own region only.
    let elsewhere = pending_key(&eu, &[]).await;
    let report = rt.handle(&json!({ "resource_id": elsewhere.id })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::NotFound);
    let report = rt.handle(&json!({ "resource_id": elsewhere.alias, "region": OTHER_REGION })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Remediated);
    assert_eq!(key_state(&eu, &elsewhere.id).await.as_deref(), Some("Enabled"));
}

#[tokio::test]
async fn a_multi_region_replica_is_handled_in_its_own_region() {
    let s = setup().await;
    let eu = kms_in(&s.proxy, OTHER_REGION).await;
    let primary = s.kms.create_key().multi_region(true).send().await.unwrap().key_metadata.unwrap();
    let replica = s
        .kms
        .replicate_key()
        .key_id(primary.key_id())
        .replica_region(OTHER_REGION)
        .send()
        .await
        .unwrap()
        .replica_key_metadata
        .unwrap();
    assert_eq!(replica.key_id(), primary.key_id(), "a replica shares the primary's mrk- id");
    schedule_deletion(&eu, replica.key_id()).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let key = TestKey { id: replica.key_id().into(), arn: replica.arn().unwrap().into(), alias: String::new() };
    let mut finding = sample("securityhub.json", &key);
    let text = finding.to_string().replace(&format!("arn:aws:kms:{REGION}:"), &format!("arn:aws:kms:{OTHER_REGION}:"));
    finding = serde_json::from_str(&text).unwrap();
    set(&mut finding, "/detail/findings/0/Resources/0/Region", OTHER_REGION);
    s.proxy.clear();
    let report = rt.handle(&finding).await.unwrap();
    let r = only(&report);
    assert_eq!((r.resource.as_str(), r.region.as_str()), (key.arn.as_str(), OTHER_REGION));
    assert_cancelled_and_enabled(r);
    assert_eq!(key_state(&eu, &key.id).await.as_deref(), Some("Enabled"));
    assert_eq!(key_state(&s.kms, primary.key_id()).await.as_deref(), Some("Enabled"), "the primary is untouched");
}

#[tokio::test]
async fn sweep_covers_target_regions_skips_aws_managed_keys_and_stays_cheap() {
    let s = setup().await;
    // Its own account: a sweep would otherwise see every other test's keys.
    let account = unique_account();
    let config = s.proxy.sdk_config_in(&account, REGION).await;
    let us = aws_sdk_kms::Client::new(&config);
    let eu = aws_sdk_kms::Client::new(&s.proxy.sdk_config_in(&account, OTHER_REGION).await);
    let pending_us = pending_key(&us, &[]).await;
    let pending_eu = pending_key(&eu, &[]).await;
    let tagged = pending_key(&us, &[("auto-remediation", "skip")]).await;
    let enabled = new_key(&eu, &[]).await;
    let disabled = new_key(&us, &[]).await;
    us.disable_key().key_id(&disabled.id).send().await.unwrap();
    // moto creates the AWS managed key behind alias/aws/ebs on first use and then lists it.
    let aws_managed = us.describe_key().key_id("alias/aws/ebs").send().await.unwrap().key_metadata.unwrap();
    let listed = us.list_keys().send().await.unwrap();
    assert!(listed.keys().iter().any(|k| k.key_id() == Some(aws_managed.key_id())));

    let regions = format!("{REGION},{OTHER_REGION}");
    let rt: Rt = s.proxy.runtime(config.clone(), &[("TARGET_REGIONS", &regions)]).await;
    s.proxy.clear();
    let schedule: Value =
        serde_json::from_str(&event("kms-cancel-key-deletion/schedule.json").to_string().replace(ACCOUNT, &account))
            .unwrap();
    let report = rt.handle(&schedule).await.unwrap();
    let outcome =
        |key: &TestKey| report.results.iter().find(|r| r.resource == key.arn).map(|r| (r.outcome, r.region.clone()));
    assert_eq!(outcome(&pending_us), Some((Outcome::Remediated, REGION.into())));
    assert_eq!(outcome(&pending_eu), Some((Outcome::Remediated, OTHER_REGION.into())));
    assert_eq!(outcome(&tagged), Some((Outcome::Exempt, REGION.into())));
    assert_eq!(outcome(&enabled), Some((Outcome::AlreadyCompliant, OTHER_REGION.into())));
    assert_eq!(outcome(&disabled), Some((Outcome::AlreadyCompliant, REGION.into())));
    assert_eq!(report.results.len(), 5, "the AWS managed key is not listed: {report:#?}");
    assert_eq!(key_state(&us, &pending_us.id).await.as_deref(), Some("Enabled"));
    assert_eq!(key_state(&eu, &pending_eu.id).await.as_deref(), Some("Enabled"));
    assert_eq!(key_state(&eu, &enabled.id).await.as_deref(), Some("Enabled"));
    assert_eq!(key_state(&us, &tagged.id).await.as_deref(), Some("PendingDeletion"));
    assert_eq!(key_state(&us, &disabled.id).await.as_deref(), Some("Disabled"));

    // Again: nothing to write, and per region one ListAliases and one ListKeys, then per key one
    // DescribeKey (locate; its KeyState is the read). Tags are read only for a noncompliant key (the
    // tagged one, still pending deletion): a compliant key costs one read (before: 2 per key, 14 in all).
    s.proxy.clear();
    let again = rt.handle(&schedule).await.unwrap();
    assert!(again.results.iter().all(|r| matches!(r.outcome, Outcome::AlreadyCompliant | Outcome::Exempt)));
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    let ops = operations(&s.proxy);
    let count = |op: &str| ops.iter().filter(|o| *o == op).count();
    assert_eq!((count("ListAliases"), count("ListKeys")), (2, 2));
    assert_eq!((count("DescribeKey"), count("ListResourceTags")), (5, 1));
    assert_eq!(ops.len(), 10, "{ops:?}");
}

#[tokio::test]
async fn a_key_that_does_not_read_back_enabled_is_a_failure() {
    let s = setup().await;
    let key = pending_key(&s.kms, &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    // EnableKey answers success but never reaches KMS: the read-back must catch it.
    s.proxy.inject(Fault { matches: |r| r.operation == "EnableKey", status: 200, body: "{}".into(), times: Some(1) });
    let err = rt.handle(&json!({ "resource_id": key.id })).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    assert!(err.to_string().contains("the read-back is still noncompliant"), "{err}");
    assert_eq!(s.proxy.injected(), 1);
    assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("Disabled"));

    // A second run sees a Disabled key that is not pending deletion: compliant with KMS.3.
    let report = rt.handle(&json!({ "resource_id": key.id })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::AlreadyCompliant);
}

#[tokio::test]
async fn a_denied_enable_fails_with_the_aws_error_code() {
    let s = setup().await;
    let denied = pending_key(&s.kms, &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.inject(Fault {
        matches: |r| r.operation == "EnableKey",
        status: 400,
        body: r#"{"__type":"AccessDeniedException","message":"not allowed to kms:EnableKey"}"#.into(),
        times: Some(1),
    });
    let err = rt.handle(&sample("config-noncompliant.json", &denied)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(
        text.contains("kms:EnableKey") && text.contains("AccessDeniedException") && text.contains(&denied.id),
        "{text}"
    );
    assert_eq!(key_state(&s.kms, &denied.id).await.as_deref(), Some("Disabled"), "cancelled, not enabled");
}

#[tokio::test]
async fn a_member_account_key_is_handled_with_the_member_role() {
    let s = setup().await;
    let member = unique_account();
    let member_kms = aws_sdk_kms::Client::new(&s.proxy.sdk_config_in(&member, REGION).await);
    let key = pending_key(&member_kms, &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("MEMBER_ROLE_NAME", "RemediationMember")]).await;
    let text = sample("securityhub.json", &key).to_string().replace(ACCOUNT, &member);
    let report = rt.handle(&serde_json::from_str(&text).unwrap()).await.unwrap();
    let r = only(&report);
    assert_eq!((r.account.as_str(), r.resource.as_str()), (member.as_str(), key.arn.as_str()));
    assert_cancelled_and_enabled(r);
    assert_eq!(key_state(&member_kms, &key.id).await.as_deref(), Some("Enabled"));
}

#[tokio::test]
async fn malformed_events_are_rejected_before_any_aws_call() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let key = TestKey { id: PLACEHOLDER_ID.into(), arn: String::new(), alias: PLACEHOLDER_ALIAS.into() };
    let mut numeric_key = sample("cloudtrail.json", &key);
    *numeric_key.pointer_mut("/detail/requestParameters/keyId").unwrap() = json!(42);
    let mut wrong_arn = sample("securityhub.json", &key);
    set(&mut wrong_arn, "/detail/findings/0/Resources/0/Id", "arn:aws:kms:us-east-1:123456789012:grant/abc");
    let mut wrong_partition = sample("securityhub.json", &key);
    set(
        &mut wrong_partition,
        "/detail/findings/0/Resources/0/Id",
        &format!("arn:aws-cn:kms:cn-north-1:123456789012:key/{PLACEHOLDER_ID}"),
    );
    let mut no_resource = sample("config-noncompliant.json", &key);
    no_resource["detail"].as_object_mut().unwrap().remove("resourceId");
    no_resource["detail"]["newEvaluationResult"]["evaluationResultIdentifier"]["evaluationResultQualifier"]
        .as_object_mut()
        .unwrap()
        .remove("resourceId");
    for (payload, says) in [
        (json!("1234abcd-12ab-34cd-56ef-1234567890ab"), "must be a JSON object"),
        (json!({}), "name a resource"),
        (json!({ "resource_id": "my-key" }), "not a KMS key id, key ARN, alias name"),
        (json!({ "resource_id": "alias/has space" }), "whitespace"),
        (json!({ "resource_id": "arn:aws:s3:::bucket" }), "not a KMS key ARN or alias ARN"),
        (json!({ "key_id": PLACEHOLDER_ID }), "unknown field \"key_id\""),
        (numeric_key, "requestParameters.keyId must be a string"),
        (wrong_arn, "not a KMS key ARN or alias ARN"),
        (wrong_partition, "partition aws-cn"),
        (no_resource, "detail.resourceId is missing"),
    ] {
        let err = rt.handle(&payload).await.expect_err(&payload.to_string());
        assert!(matches!(err, Error::InvalidEvent(_)), "{payload}: {err:?}");
        assert!(err.to_string().contains(says), "{payload}: {err}");
    }
    assert!(s.proxy.requests().is_empty(), "no AWS call for invalid input: {:?}", operations(&s.proxy));
}

#[tokio::test]
async fn events_with_nothing_to_do_are_ignored_without_aws_calls() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let key = TestKey { id: PLACEHOLDER_ID.into(), arn: String::new(), alias: PLACEHOLDER_ALIAS.into() };
    let mut compliant = sample("config-noncompliant.json", &key);
    set(&mut compliant, "/detail/newEvaluationResult/complianceType", "COMPLIANT");
    let mut failed_call = sample("cloudtrail.json", &key);
    failed_call["detail"]["errorCode"] = json!("KMSInvalidStateException");
    let mut own_call = sample("cloudtrail.json", &key);
    set(
        &mut own_call,
        "/detail/userIdentity/arn",
        "arn:aws:sts::123456789012:assumed-role/remediation/kms-cancel-key-deletion",
    );
    let mut cancel_call = sample("cloudtrail.json", &key);
    set(&mut cancel_call, "/detail/eventName", "CancelKeyDeletion");
    let mut other_control = sample("securityhub.json", &key);
    set(&mut other_control, "/detail/findings/0/Compliance/SecurityControlId", "KMS.4");
    let mut other_type = sample("config-noncompliant.json", &key);
    set(&mut other_type, "/detail/resourceType", "AWS::KMS::Alias");
    for (payload, says) in [
        (compliant, "not NON_COMPLIANT"),
        (failed_call, "failed with KMSInvalidStateException"),
        (own_call, "made by this function"),
        (cancel_call, "CancelKeyDeletion is not a call"),
        (other_control, "no FAILED finding for KMS.3"),
        (other_type, "AWS::KMS::Alias is not handled"),
    ] {
        let report = rt.handle(&payload).await.unwrap();
        assert!(report.results.is_empty(), "{report:#?}");
        assert!(report.ignored.as_deref().unwrap_or_default().contains(says), "{:?} vs {says}", report.ignored);
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", operations(&s.proxy));
}

/// Issue 20: a CloudTrail event names the key by ARN: no DescribeKey to locate it, and the first
/// DescribeKey (the read) and ListResourceTags go out at once (held back 2 s each, the second reaches
/// the proxy while the first is held); one DescribeKey before the writes, one to read back.
#[tokio::test]
async fn an_event_reads_the_key_and_its_tags_at_once() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let key = pending_key(&s.kms, &[]).await;
    let hold = Action::Delay(std::time::Duration::from_millis(2000));
    s.proxy.inject_action(|r| r.operation == "DescribeKey", hold.clone(), Some(1));
    s.proxy.inject_action(|r| r.operation == "ListResourceTags", hold, Some(1));
    s.proxy.clear();
    let report = rt.handle(&sample("cloudtrail.json", &key)).await.unwrap();
    assert_cancelled_and_enabled(only(&report));
    // Sent at once: the second read reached the proxy while the first was held back (one after the
    // other, the second would arrive 2 s after the first, however fast or slow the machine).
    let requests = s.proxy.requests();
    let arrival = |op: &str| requests.iter().find(|r| r.operation == op).map(|r| r.at).unwrap();
    let (read, tags) = (arrival("DescribeKey"), arrival("ListResourceTags"));
    let apart = read.max(tags) - read.min(tags);
    assert!(apart < std::time::Duration::from_millis(1000), "the reads one after the other: {apart:?} apart");
    let ops = operations(&s.proxy);
    let count = |op: &str| ops.iter().filter(|o| *o == op).count();
    assert_eq!((count("DescribeKey"), count("ListResourceTags")), (2, 1), "{ops:?}");
    assert_eq!(write_operations(&s.proxy), ["CancelKeyDeletion", "EnableKey"]);
}

/// A runtime with its own ledger table (`LEDGER_TABLE`): fixes carry an action id that undo takes.
async fn with_ledger(s: &Setup, vars: &[(&str, &str)]) -> Rt {
    let table = ledger_table(&s.config).await;
    let mut all = vec![("LEDGER_TABLE", table.as_str())];
    all.extend_from_slice(vars);
    s.proxy.runtime(s.config.clone(), &all).await
}

/// The ledger's own requests (DynamoDB) and SNS: what is left are KMS's.
const NOT_KMS: &[&str] = &["Query", "TransactWriteItems", "UpdateItem", "PutItem", "Publish", "GetCallerIdentity"];

fn kms_writes(proxy: &Proxy) -> Vec<String> {
    proxy.writes().into_iter().map(|r| r.operation).filter(|op| !NOT_KMS.contains(&op.as_str())).collect()
}

/// The deletion date KMS reports, `None` when no deletion is scheduled.
async fn deletion_date(kms: &aws_sdk_kms::Client, key_id: &str) -> Option<aws_sdk_kms::primitives::DateTime> {
    let meta = kms.describe_key().key_id(key_id).send().await.unwrap().key_metadata.unwrap();
    meta.deletion_date().copied()
}

fn days_from_now(date: aws_sdk_kms::primitives::DateTime) -> f64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    (date.as_secs_f64() - now) / 86_400.0
}

#[tokio::test]
async fn undo_schedules_the_cancelled_deletion_again_never_sooner() {
    let s = setup().await;
    for (window, reenable, after_fix) in [(7, "true", "Enabled"), (30, "false", "Disabled")] {
        let rt = with_ledger(&s, &[("KMS_REENABLE_KEY", reenable)]).await;
        let key = new_key(&s.kms, &[]).await;
        s.kms.schedule_key_deletion().key_id(&key.id).pending_window_in_days(window).send().await.unwrap();
        let scheduled = deletion_date(&s.kms, &key.id).await.expect("a deletion date");
        let fixed = rt.handle(&json!({ "resource_id": key.alias })).await.unwrap();
        let r = only(&fixed);
        assert_eq!(r.outcome, Outcome::Remediated, "{r:#?}");
        assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some(after_fix));
        let action = r.action_id.clone().expect("an action id with LEDGER_TABLE");

        s.proxy.clear();
        let undone = rt.handle(&undo(&action)).await.unwrap();
        let u = only(&undone);
        assert_eq!((u.outcome, u.resource.as_str()), (Outcome::Undone, key.arn.as_str()), "{u:#?}");
        assert!(u.detail.starts_with(&format!("scheduled the key's deletion again in {window} days")), "{}", u.detail);
        assert_eq!(kms_writes(&s.proxy), ["ScheduleKeyDeletion"], "one write: no DisableKey needed");
        // Read back from KMS: pending deletion again, what was left of the window, never sooner.
        assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("PendingDeletion"));
        let again = deletion_date(&s.kms, &key.id).await.expect("a deletion date again");
        assert!(again >= scheduled, "{again:?} before {scheduled:?}");
        assert!((days_from_now(again) - f64::from(window)).abs() < 0.01, "{again:?}");
        assert_eq!(u.after["KeyState"], "PendingDeletion");
        assert_eq!(u.before["KeyState"], after_fix, "the report's before is the state undo found");
    }
}

#[tokio::test]
async fn undo_refuses_a_key_changed_since_the_fix_and_writes_nothing() {
    let s = setup().await;
    let rt = with_ledger(&s, &[]).await;
    let key = pending_key(&s.kms, &[]).await;
    let action = only(&rt.handle(&json!({ "resource_id": key.id })).await.unwrap()).action_id.clone().unwrap();
    // Someone disables the key the fix enabled.
    s.kms.disable_key().key_id(&key.id).send().await.unwrap();
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action"), "{text}");
    assert!(text.contains(r#""KeyState":"Disabled""#) && text.contains(r#""KeyState":"Enabled""#), "both: {text}");
    assert_eq!(kms_writes(&s.proxy), Vec::<String>::new(), "nothing written to KMS");
    assert_eq!(key_state(&s.kms, &key.id).await.as_deref(), Some("Disabled"));
    assert_eq!(deletion_date(&s.kms, &key.id).await, None);
}
