//! ebs-default-encryption against the emulator: every trigger shape, read back per region with EC2.
//!
//! The setting is one per account and region, and tests run in parallel on one emulator: every test
//! works in an account of its own (`unique_account`).

use aws_config::SdkConfig;
use aws_types::region::Region;
use ebs_default_encryption::{Client, EbsDefaultEncryption};
use integration_tests::*;
use remediation_core::{Control, Error, Outcome, Report, Runtime, TargetResult};
use serde_json::{json, Value};

type Rt = Runtime<EbsDefaultEncryption>;

const EU: &str = "eu-west-1";
const AP: &str = "ap-southeast-2";

struct Setup {
    proxy: Proxy,
    account: String,
    /// Credentials of `account`, in `REGION` (the function's own region).
    config: SdkConfig,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let account = unique_account();
    let config = proxy.sdk_config_in(&account, REGION).await;
    Setup { proxy, account, config }
}

impl Setup {
    fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config.to_builder().region(Region::new(region.to_owned())).build())
    }

    /// EBS encryption by default as EC2 reports it now.
    async fn encrypted(&self, region: &str) -> bool {
        let out = self.ec2(region).get_ebs_encryption_by_default().send().await.unwrap();
        out.ebs_encryption_by_default().expect("EbsEncryptionByDefault in the answer")
    }

    async fn turn_on(&self, region: &str) {
        self.ec2(region).enable_ebs_encryption_by_default().send().await.unwrap();
        assert!(self.encrypted(region).await);
    }

    async fn runtime(&self, vars: &[(&str, &str)]) -> Rt {
        self.proxy.runtime(self.config.clone(), vars).await
    }

    /// An events/ sample naming this test's account.
    fn sample(&self, file: &str) -> Value {
        let text = event(&format!("ebs-default-encryption/{file}")).to_string();
        serde_json::from_str(&text.replace(ACCOUNT, &self.account)).unwrap()
    }

    fn name(&self, region: &str) -> String {
        format!("arn:aws:ec2:{region}:{}:ebs-encryption-by-default", self.account)
    }

    /// The operations of the requests made since the last `proxy.clear()`, writes only.
    fn writes(&self) -> Vec<String> {
        self.proxy.writes().into_iter().map(|r| r.operation).collect()
    }

    /// How many `operation` requests the proxy saw since the last `proxy.clear()` (answered or forwarded).
    fn count(&self, operation: &str) -> usize {
        self.proxy.requests().iter().filter(|r| r.operation == operation).count()
    }

    /// The `KmsKeyId` of every ModifyEbsDefaultKmsKeyId since the last `proxy.clear()`, as sent.
    fn modified_to(&self) -> Vec<String> {
        let modify = self.proxy.requests().into_iter().filter(|r| r.operation == "ModifyEbsDefaultKmsKeyId");
        modify.map(|r| form_value(&r.body, "KmsKeyId").expect("KmsKeyId in the request")).collect()
    }

    /// The function's own clients (EC2, KMS) in `region`, for the test's setup.
    fn clients(&self, region: &str) -> Client {
        EbsDefaultEncryption::client(&self.config.to_builder().region(Region::new(region.to_owned())).build())
    }

    /// A new symmetric encryption key in `region`, and an alias of it: (alias, key ARN).
    async fn key_with_alias(&self, region: &str) -> (String, String) {
        let kms = self.clients(region).kms;
        let key = kms.create_key().send().await.unwrap().key_metadata.unwrap();
        let alias = format!("alias/{}", unique("ebs-default"));
        kms.create_alias().alias_name(&alias).target_key_id(key.key_id()).send().await.unwrap();
        (alias, key.arn().unwrap().to_owned())
    }

    /// The emulator's own record of `REGION`'s default key: the key it gives a volume encrypted without
    /// one (moto makes the AWS managed key, `alias/aws/ebs`, the default when none was set).
    async fn default_key_in_emulator(&self) -> String {
        let ec2 = self.ec2(REGION);
        let volume = ec2.create_volume().availability_zone("us-east-1a").size(1).encrypted(true).send().await.unwrap();
        volume.kms_key_id().expect("an encrypted volume names its key").to_owned()
    }

    /// Answers the next `GetEbsDefaultKmsKeyId` requests (moto: HTTP 500), one each, in this order.
    fn answer_default_key(&self, keys: &[Option<&str>]) {
        for key in keys {
            let body = default_key_answer(*key);
            self.proxy.inject(Fault { matches: get_default_key, status: 200, body, times: Some(1) });
        }
    }
}

/// One field of a query-protocol (form-encoded) request body, percent-decoded.
fn form_value(body: &str, name: &str) -> Option<String> {
    let raw = body.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?;
    let mut bytes = Vec::new();
    let mut rest = raw.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'%' if tail.len() >= 2 => {
                bytes.push(u8::from_str_radix(std::str::from_utf8(&tail[..2]).ok()?, 16).ok()?);
                rest = &tail[2..];
            }
            b'+' => {
                bytes.push(b' ');
                rest = tail;
            }
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).ok()
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

fn in_region<'a>(report: &'a Report, region: &str) -> &'a TargetResult {
    let found: Vec<_> = report.results.iter().filter(|r| r.region == region).collect();
    assert_eq!(found.len(), 1, "one result for {region}: {report:#?}");
    found[0]
}

#[tokio::test]
async fn every_trigger_shape_turns_encryption_on_in_its_region() {
    for (file, kind, region) in [
        ("config-noncompliant.json", "config", REGION),
        ("cloudtrail.json", "cloudtrail", REGION),
        ("securityhub.json", "securityhub", REGION),
        ("securityhub-unconsolidated.json", "securityhub", REGION),
        ("schedule.json", "schedule", REGION),
        ("manual.json", "manual", REGION),
        ("manual-sweep.json", "manual", REGION),
        ("manual-region.json", "manual", EU),
    ] {
        let s = setup().await;
        let other = if region == EU { REGION } else { EU };
        assert!(!s.encrypted(region).await && !s.encrypted(other).await, "{file}: off before");
        let rt = s.runtime(&[]).await;
        let report = rt.handle(&s.sample(file)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind, "{file}");
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Remediated, "{file}: {r:?}");
        assert_eq!(r.resource, s.name(region), "{file}");
        assert_eq!((r.account.as_str(), r.region.as_str()), (s.account.as_str(), region), "{file}");
        assert_eq!(r.detail, "turned on EBS encryption by default", "{file}");
        assert_eq!(r.before, json!({ "EbsEncryptionByDefault": false }), "{file}");
        assert_eq!(r.after, json!({ "EbsEncryptionByDefault": true }), "{file}");
        assert!(s.encrypted(region).await, "{file}: read back from EC2 in {region}");
        assert!(!s.encrypted(other).await, "{file}: {other} is not this event's region");
    }
}

#[tokio::test]
async fn regional_events_act_in_the_event_region_not_the_function_region() {
    let region = "eu-central-1";
    for file in ["config-noncompliant.json", "cloudtrail.json", "securityhub.json"] {
        let s = setup().await;
        let rt = s.runtime(&[("TARGET_REGIONS", "us-east-1,eu-west-1")]).await;
        let text = s.sample(file).to_string().replace(REGION, region);
        let report = rt.handle(&serde_json::from_str(&text).unwrap()).await.unwrap();
        let r = only(&report);
        assert_eq!((r.outcome, r.region.as_str()), (Outcome::Remediated, region), "{file}");
        assert!(s.encrypted(region).await, "{file}");
        assert!(!s.encrypted(REGION).await && !s.encrypted(EU).await, "{file}: TARGET_REGIONS is for sweeps only");
    }
}

#[tokio::test]
async fn already_on_gets_no_write() {
    let s = setup().await;
    s.turn_on(REGION).await;
    let rt = s.runtime(&[]).await;
    for file in ["manual.json", "cloudtrail.json", "config-noncompliant.json"] {
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::AlreadyCompliant, "{file}");
        assert_eq!(r.before, json!({ "EbsEncryptionByDefault": true }));
        assert_eq!(r.after, Value::Null);
        let reads: Vec<_> = s.proxy.requests().into_iter().map(|r| r.operation).collect();
        assert!(reads.contains(&"GetEbsEncryptionByDefault".to_owned()), "{file}: {reads:?}");
        assert!(s.writes().is_empty(), "{file}: no write on a compliant region: {:?}", s.writes());
    }
    assert!(s.encrypted(REGION).await);
}

#[tokio::test]
async fn target_regions_are_fixed_in_one_invocation() {
    let s = setup().await;
    s.turn_on(EU).await;
    let subscriber = Subscriber::new(&s.config).await;
    let regions = [REGION, EU, AP];
    let rt = s.runtime(&[("TARGET_REGIONS", &regions.join(",")), ("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    assert_eq!(report.results.len(), 3, "{report:#?}");
    assert_eq!(in_region(&report, REGION).outcome, Outcome::Remediated);
    assert_eq!(in_region(&report, EU).outcome, Outcome::AlreadyCompliant);
    assert_eq!(in_region(&report, AP).outcome, Outcome::Remediated);
    assert_eq!(in_region(&report, AP).resource, s.name(AP));
    for region in regions {
        assert!(s.encrypted(region).await, "read back in {region}");
    }
    let mut writes = s.writes();
    writes.retain(|w| w != "Publish");
    assert_eq!(writes, ["EnableEbsEncryptionByDefault"; 2], "one write per region that was off");

    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1, "one report per invocation");
    let attrs = &messages[0]["MessageAttributes"];
    assert_eq!(attrs["control"]["Value"], "ebs-default-encryption");
    let outcomes: Value = serde_json::from_str(attrs["outcome"]["Value"].as_str().unwrap()).unwrap();
    assert_eq!(outcomes, json!(["remediated", "already_compliant"]), "the headline first");
    let body: Report = serde_json::from_str(messages[0]["Message"].as_str().unwrap()).unwrap();
    assert_eq!(body.results.len(), 3);

    // A manual {} covers TARGET_REGIONS too; everything is on now, so nothing is written.
    s.proxy.clear();
    let again = rt.handle(&s.sample("manual.json")).await.unwrap();
    assert_eq!(again.results.len(), 3);
    assert!(again.results.iter().all(|r| r.outcome == Outcome::AlreadyCompliant), "{again:#?}");
    assert!(s.writes().is_empty(), "{:?}", s.writes());
}

#[tokio::test]
async fn one_region_failing_does_not_stop_the_others() {
    let s = setup().await;
    let regions = [REGION, EU, AP];
    let rt = s.runtime(&[("TARGET_REGIONS", &regions.join(","))]).await;
    fn enable(r: &Request) -> bool {
        r.operation == "EnableEbsEncryptionByDefault"
    }
    // Whichever region writes first is denied (regions run in parallel, so which one is not fixed).
    s.proxy.inject(Fault {
        matches: enable,
        status: 403,
        body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>UnauthorizedOperation</Code>\
               <Message>You are not authorized to perform this operation.</Message></Error></Errors>\
               <RequestID>5e1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8</RequestID></Response>"
            .into(),
        times: Some(1),
    });
    let err = rt.handle(&s.sample("schedule.json")).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let msg = err.to_string();
    assert!(msg.contains("ec2:EnableEbsEncryptionByDefault") && msg.contains("UnauthorizedOperation"), "{msg}");
    assert!(msg.contains("2 remediated") && msg.contains("1 failed"), "{msg}");
    assert_eq!(s.proxy.injected(), 1);
    let mut on = 0;
    for region in regions {
        if s.encrypted(region).await {
            on += 1;
        } else {
            assert!(msg.contains(&s.name(region)), "the failed region is named: {msg}");
        }
    }
    assert_eq!(on, 2, "the other two regions were still fixed");
}

#[tokio::test]
async fn target_regions_all_lists_the_enabled_regions() {
    let s = setup().await;
    let listed = s.ec2(REGION).describe_regions().send().await.unwrap();
    let mut all: Vec<String> = listed.regions().iter().filter_map(|r| r.region_name()).map(str::to_owned).collect();
    all.sort();
    assert!(all.len() > 3, "{all:?}");
    s.turn_on(EU).await;
    let rt = s.runtime(&[("TARGET_REGIONS", "all")]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    let mut covered: Vec<String> = report.results.iter().map(|r| r.region.clone()).collect();
    covered.sort();
    assert_eq!(covered, all, "one result per region DescribeRegions lists");
    for r in &report.results {
        let expected = if r.region == EU { Outcome::AlreadyCompliant } else { Outcome::Remediated };
        assert_eq!(r.outcome, expected, "{r:?}");
        assert!(s.encrypted(&r.region).await, "read back in {}", r.region);
    }
    let ops: Vec<_> = s.proxy.requests().into_iter().map(|r| r.operation).collect();
    assert_eq!(ops.iter().filter(|o| *o == "DescribeRegions").count(), 1);
    assert_eq!(s.writes().len(), all.len() - 1, "every region but the one already on");
}

// --- The default key (EBS_DEFAULT_KMS_KEY_ID) --------------------------------------------------------
//
// Moto implements ModifyEbsDefaultKmsKeyId (it keeps the key: `default_key_in_emulator` sees it) but not
// GetEbsDefaultKmsKeyId (HTTP 500): the proxy answers that one, in the order the test gives. The keys
// are moto's own (created, disabled, asymmetric, pending deletion...), so DescribeKey is real.

/// `<GetEbsDefaultKmsKeyIdResponse>` as EC2 answers it (`None`: an answer without a key).
fn default_key_answer(key: Option<&str>) -> String {
    let key = key.map(|k| format!("<kmsKeyId>{k}</kmsKeyId>")).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><GetEbsDefaultKmsKeyIdResponse \
         xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>7d2c9f4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f</requestId>\
         {key}</GetEbsDefaultKmsKeyIdResponse>"
    )
}

fn get_default_key(r: &Request) -> bool {
    r.operation == "GetEbsDefaultKmsKeyId"
}

fn describe_key(r: &Request) -> bool {
    r.operation == "DescribeKey"
}

fn reset_default_key(r: &Request) -> bool {
    r.operation == "ResetEbsDefaultKmsKeyId"
}

#[tokio::test]
async fn configured_default_key_is_set_and_read_back() {
    let s = setup().await;
    let (alias, key_arn) = s.key_with_alias(REGION).await;
    // First the AWS managed key, then, for the read-back, the key the function set. The write itself
    // goes to the emulator (checked below).
    s.answer_default_key(&[Some("alias/aws/ebs"), Some(&key_arn)]);
    let rt = s.runtime(&[("EBS_DEFAULT_KMS_KEY_ID", &alias)]).await;
    s.proxy.clear();
    // A reset of the default key is acted on once a key is configured.
    let report = rt.handle(&s.sample("cloudtrail-reset-default-key.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert_eq!(
        r.detail,
        format!("turned on EBS encryption by default; made {key_arn} the default KMS key (was alias/aws/ebs)")
    );
    assert_eq!(r.before["KmsKeyId"], "alias/aws/ebs");
    assert_eq!(r.before["WantedKmsKeyId"], key_arn.as_str(), "the alias is resolved to the key ARN");
    assert_eq!(r.after, json!({ "EbsEncryptionByDefault": true, "KmsKeyId": key_arn, "WantedKmsKeyId": key_arn }));
    assert_eq!(s.writes(), ["EnableEbsEncryptionByDefault", "ModifyEbsDefaultKmsKeyId"]);
    assert_eq!(s.modified_to(), [key_arn.as_str()], "EC2 is given the key ARN KMS resolved, not the alias");
    assert_eq!((s.count("DescribeKey"), s.count("GetEbsDefaultKmsKeyId")), (2, 2), "the read and the read-back");
    assert_eq!(s.proxy.injected(), 2);
    assert!(s.encrypted(REGION).await);
    assert_eq!(s.default_key_in_emulator().await, key_arn, "ModifyEbsDefaultKmsKeyId reached EC2");
}

#[tokio::test]
async fn only_the_key_is_changed_when_encryption_is_already_on() {
    let s = setup().await;
    s.turn_on(REGION).await;
    let kms = s.clients(REGION).kms;
    let other = kms.create_key().send().await.unwrap().key_metadata.unwrap().arn.unwrap();
    let wanted = kms.create_key().send().await.unwrap().key_metadata.unwrap();
    let wanted_arn = wanted.arn().unwrap().to_owned();
    s.ec2(REGION).modify_ebs_default_kms_key_id().kms_key_id(&other).send().await.unwrap();
    s.answer_default_key(&[Some(&other), Some(&wanted_arn)]);
    // The bare key id, as EBS_DEFAULT_KMS_KEY_ID may give it.
    let rt = s.runtime(&[("EBS_DEFAULT_KMS_KEY_ID", wanted.key_id())]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert_eq!(r.detail, format!("made {wanted_arn} the default KMS key (was {other})"));
    assert_eq!(r.after["KmsKeyId"], wanted_arn.as_str());
    assert_eq!(s.writes(), ["ModifyEbsDefaultKmsKeyId"], "no EnableEbsEncryptionByDefault");
    assert_eq!(s.modified_to(), [wanted_arn.as_str()]);
    assert!(s.encrypted(REGION).await);
    assert_eq!(s.default_key_in_emulator().await, wanted_arn);
}

#[tokio::test]
async fn already_the_default_key_means_no_write() {
    let s = setup().await;
    s.turn_on(REGION).await;
    let (alias, key_arn) = s.key_with_alias(REGION).await;
    s.ec2(REGION).modify_ebs_default_kms_key_id().kms_key_id(&alias).send().await.unwrap();
    s.answer_default_key(&[Some(&key_arn)]);
    let rt = s.runtime(&[("EBS_DEFAULT_KMS_KEY_ID", &alias)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::AlreadyCompliant, "{r:?}");
    assert_eq!(r.before, json!({ "EbsEncryptionByDefault": true, "KmsKeyId": key_arn, "WantedKmsKeyId": key_arn }));
    assert_eq!(r.after, Value::Null);
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert_eq!((s.count("DescribeKey"), s.count("GetEbsDefaultKmsKeyId")), (1, 1), "one read, no read-back");
    assert_eq!(s.default_key_in_emulator().await, key_arn);
}

/// EC2 checks a new default key asynchronously: a key that does not stick must not count as fixed.
#[tokio::test]
async fn a_read_back_with_another_key_stays_noncompliant() {
    let s = setup().await;
    s.turn_on(REGION).await;
    let (alias, key_arn) = s.key_with_alias(REGION).await;
    let subscriber = Subscriber::new(&s.config).await;
    s.answer_default_key(&[Some("alias/aws/ebs"), Some("alias/aws/ebs")]);
    let rt = s.runtime(&[("EBS_DEFAULT_KMS_KEY_ID", &alias), ("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let err = rt.handle(&s.sample("manual.json")).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let done = format!("made {key_arn} the default KMS key (was alias/aws/ebs)");
    assert!(err.to_string().contains(&format!("{done}, but the read-back is still noncompliant")), "{err}");
    let mut writes = s.writes();
    writes.retain(|w| w != "Publish");
    assert_eq!(writes, ["ModifyEbsDefaultKmsKeyId"]);
    assert_eq!(s.count("GetEbsDefaultKmsKeyId"), 2);
    let body: Report = serde_json::from_str(subscriber.messages().await[0]["Message"].as_str().unwrap()).unwrap();
    let r = only(&body);
    assert_eq!(r.outcome, Outcome::Failed, "{r:?}");
    assert_eq!(
        r.after,
        json!({ "EbsEncryptionByDefault": true, "KmsKeyId": "alias/aws/ebs", "WantedKmsKeyId": key_arn })
    );
    assert_eq!(s.default_key_in_emulator().await, key_arn, "the write reached EC2; only EC2's answer differs");
}

#[tokio::test]
async fn a_key_that_cannot_be_used_fails_with_the_aws_error() {
    let s = setup().await;
    let subscriber = Subscriber::new(&s.config).await;
    let missing = format!("alias/{}", unique("missing"));
    let rt = s.runtime(&[("EBS_DEFAULT_KMS_KEY_ID", &missing), ("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let err = rt.handle(&s.sample("manual.json")).await.unwrap_err();
    assert!(matches!(err, Error::RemediationFailed(_)), "{err:?}");
    assert_eq!(err.error_type(), "RemediationFailed");
    let msg = err.to_string();
    assert!(msg.contains(&format!("kms:DescribeKey on {missing} failed (NotFoundException)")), "{msg}");
    assert!(msg.contains("is not found"), "KMS's own message is kept: {msg}");
    // The key problem does not keep the region unencrypted.
    assert!(s.encrypted(REGION).await, "encryption by default is on");
    assert!(msg.contains("turned on EBS encryption by default, but EBS_DEFAULT_KMS_KEY_ID"), "{msg}");
    let mut writes = s.writes();
    writes.retain(|w| w != "Publish");
    assert_eq!(writes, ["EnableEbsEncryptionByDefault"], "no ModifyEbsDefaultKmsKeyId with a missing key");
    assert_eq!((s.count("DescribeKey"), s.count("GetEbsDefaultKmsKeyId")), (1, 0), "the default key is not read");
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1, "the failure is reported before the invocation fails");
    assert_eq!(messages[0]["MessageAttributes"]["outcome"]["Value"], "failed");
    let body: Report = serde_json::from_str(messages[0]["Message"].as_str().unwrap()).unwrap();
    let r = only(&body);
    assert_eq!((r.outcome, r.resource.as_str()), (Outcome::Failed, s.name(REGION).as_str()));
    assert!(r.detail.contains("NotFoundException"), "{}", r.detail);
    assert_eq!(r.before["EbsEncryptionByDefault"], false);
    assert_eq!(r.before["WantedKmsKeyId"], missing.as_str(), "as configured: KMS resolved nothing");
    assert!(r.before["KmsKeyProblem"].as_str().unwrap().contains("NotFoundException"), "{}", r.before);
    assert!(r.before.get("KmsKeyId").is_none(), "{}", r.before);
}

/// DescribeKey as KMS answers it for `key` (a key moto made in another region), for the one request
/// moto cannot answer that way.
fn describe_key_answer(account: &str, key_id: &str, arn: &str) -> String {
    json!({ "KeyMetadata": {
        "AWSAccountId": account, "KeyId": key_id, "Arn": arn, "CreationDate": 1.7e9, "Enabled": true,
        "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled", "Origin": "AWS_KMS", "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT", "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": false,
    } })
    .to_string()
}

/// Every key KMS describes but EBS cannot use: failed, no EC2 write (encryption is already on), and the
/// default key is neither read nor changed.
#[tokio::test]
async fn unusable_keys_fail_without_a_write() {
    let s = setup().await;
    s.turn_on(REGION).await;
    let kms = s.clients(REGION).kms;
    let new_key = |spec: &'static str, usage: &'static str| {
        let kms = kms.clone();
        async move {
            let key = kms.create_key().key_spec(spec.into()).key_usage(usage.into()).send().await.unwrap();
            let key = key.key_metadata.unwrap();
            let alias = format!("alias/{}", unique("ebs-default"));
            kms.create_alias().alias_name(&alias).target_key_id(key.key_id()).send().await.unwrap();
            (alias, key.key_id().to_owned())
        }
    };
    let (disabled, id) = new_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT").await;
    kms.disable_key().key_id(&id).send().await.unwrap();
    let (pending, id) = new_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT").await;
    kms.schedule_key_deletion().key_id(&id).pending_window_in_days(7).send().await.unwrap();
    let (signing, _) = new_key("RSA_2048", "SIGN_VERIFY").await;
    let (asymmetric, _) = new_key("RSA_2048", "ENCRYPT_DECRYPT").await;
    // A key of another region, by ARN: moto's KMS does not find it here...
    let elsewhere = s.clients(EU).kms.create_key().send().await.unwrap().key_metadata.unwrap();
    let elsewhere_arn = elsewhere.arn().unwrap().to_owned();
    // ...and a KMS that did would still name its region, which EBS here cannot use: the proxy answers
    // DescribeKey with that key's metadata.
    let describes_elsewhere = describe_key_answer(&s.account, elsewhere.key_id(), &elsewhere_arn);
    for (configured, says, answer) in [
        (disabled.as_str(), "is Disabled, not Enabled".to_owned(), None),
        (pending.as_str(), "is PendingDeletion, not Enabled".to_owned(), None),
        (signing.as_str(), "is RSA_2048 / SIGN_VERIFY: EBS needs a symmetric encryption key".to_owned(), None),
        (asymmetric.as_str(), "is RSA_2048 / ENCRYPT_DECRYPT: EBS needs a symmetric encryption key".to_owned(), None),
        (elsewhere_arn.as_str(), format!("kms:DescribeKey on {elsewhere_arn} failed (NotFoundException)"), None),
        (
            elsewhere_arn.as_str(),
            format!("is in {EU}: EBS in {REGION} needs a key of {REGION}"),
            Some(describes_elsewhere.clone()),
        ),
    ] {
        let rt = s.runtime(&[("EBS_DEFAULT_KMS_KEY_ID", configured)]).await;
        if let Some(body) = answer {
            s.proxy.inject(Fault { matches: describe_key, status: 200, body, times: Some(1) });
        }
        s.proxy.clear();
        let err = rt.handle(&s.sample("manual.json")).await.unwrap_err();
        assert_eq!(err.error_type(), "RemediationFailed", "{says}");
        let msg = err.to_string();
        let cannot =
            format!("{}: EBS_DEFAULT_KMS_KEY_ID {configured} cannot be the default key in {REGION}", s.name(REGION));
        assert!(msg.contains(&cannot), "{msg}");
        assert!(msg.contains(&says), "{msg}");
        assert!(s.writes().is_empty(), "{says}: {:?}", s.writes());
        assert_eq!((s.count("DescribeKey"), s.count("GetEbsDefaultKmsKeyId")), (1, 0), "{says}");
        assert!(s.encrypted(REGION).await);
    }
    assert_eq!(s.proxy.injected(), 1);
}

#[tokio::test]
async fn without_a_configured_key_neither_kms_nor_the_default_key_is_read() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.detail.as_str()), (Outcome::Remediated, "turned on EBS encryption by default"));
    assert_eq!(r.after, json!({ "EbsEncryptionByDefault": true }));
    let mut ops: Vec<_> = s.proxy.requests().into_iter().map(|r| r.operation).collect();
    // The engine's own: a manual {} names no account.
    ops.retain(|op| op != "GetCallerIdentity");
    assert_eq!(ops, ["GetEbsEncryptionByDefault", "EnableEbsEncryptionByDefault", "GetEbsEncryptionByDefault"]);
    assert!(s.encrypted(REGION).await);
}

#[tokio::test]
async fn exempt_regions_are_untouched() {
    let s = setup().await;
    let regions = [REGION, EU, AP];
    let exempt = format!("{EU},{}", s.name(AP));
    let rt = s.runtime(&[("TARGET_REGIONS", &regions.join(",")), ("EXEMPT_RESOURCES", &exempt)]).await;
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    assert_eq!(in_region(&report, REGION).outcome, Outcome::Remediated);
    for (region, listed) in [(EU, EU.to_owned()), (AP, s.name(AP))] {
        let r = in_region(&report, region);
        assert_eq!(r.outcome, Outcome::Exempt, "{r:?}");
        assert_eq!(r.detail, format!("{listed} is listed in EXEMPT_RESOURCES"));
        assert!(!s.encrypted(region).await, "{region} is exempt and stays off");
    }
    assert!(s.encrypted(REGION).await);

    // An exempt region named by an event, and a change made by an exempt principal.
    let rt = s.runtime(&[("EXEMPT_RESOURCES", EU)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual-region.json")).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Exempt);
    let rt = s.runtime(&[("EXEMPT_PRINCIPALS", "arn:aws:iam::*")]).await;
    let mut call = s.sample("cloudtrail.json");
    set(&mut call, "/detail/awsRegion", AP);
    let report = rt.handle(&call).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.region.as_str()), (Outcome::Exempt, AP));
    assert!(r.detail.contains("was made by exempt principal"), "{}", r.detail);
    assert!(!s.encrypted(EU).await && !s.encrypted(AP).await);
    assert!(s.writes().is_empty(), "{:?}", s.writes());
}

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    let rt = s.runtime(&[("DRY_RUN", "true"), ("TARGET_REGIONS", "us-east-1,eu-west-1")]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(report.results.len(), 2);
    for r in &report.results {
        assert_eq!(r.outcome, Outcome::WouldRemediate, "{r:?}");
        assert_eq!(r.before, json!({ "EbsEncryptionByDefault": false }));
    }
    let per_payload = s.runtime(&[]).await;
    let report = per_payload.handle(&json!({ "region": AP, "dry_run": true })).await.unwrap();
    assert!(report.dry_run);
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::WouldRemediate, AP));
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    for region in [REGION, EU, AP] {
        assert!(!s.encrypted(region).await, "{region} is still off");
    }
}

#[tokio::test]
async fn resource_ids_name_regions() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    let report = rt.handle(&json!({ "resource_ids": [EU, s.name(AP)] })).await.unwrap();
    assert_eq!(report.results.len(), 2);
    assert!(report.results.iter().all(|r| r.outcome == Outcome::Remediated), "{report:#?}");
    assert!(s.encrypted(EU).await && s.encrypted(AP).await && !s.encrypted(REGION).await);
    // The account id means the account's setting in the payload's region (or the function's).
    let report = rt.handle(&json!({ "resource_id": s.account, "region": "ca-central-1" })).await.unwrap();
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::Remediated, "ca-central-1"));
    let report = rt.handle(&json!({ "resource_id": format!("AWS::::Account:{}", s.account) })).await.unwrap();
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::Remediated, REGION));
    assert!(s.encrypted("ca-central-1").await && s.encrypted(REGION).await);
}

#[tokio::test]
async fn invalid_events_are_rejected_before_any_aws_call() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let mut not_an_account = s.sample("config-noncompliant.json");
    set(&mut not_an_account, "/detail/resourceId", "not-an-account");
    let mut bad_region = s.sample("cloudtrail.json");
    set(&mut bad_region, "/detail/awsRegion", "mars-north-one");
    let mut no_account = s.sample("cloudtrail.json");
    no_account["detail"].as_object_mut().unwrap().remove("recipientAccountId");
    let mut wrong_partition = s.sample("securityhub.json");
    set(&mut wrong_partition, "/detail/findings/0/Resources/0/Id", "arn:aws-cn:ec2:cn-north-1:123456789012:x");
    let mut no_evaluation = s.sample("config-noncompliant.json");
    no_evaluation["detail"].as_object_mut().unwrap().remove("newEvaluationResult");
    for (payload, says) in [
        (json!([]), "must be a JSON object"),
        (json!("us-east-1"), "must be a JSON object"),
        (json!({ "resource_id": "narnia" }), "not a region name"),
        (json!({ "resource_id": "vol-0123456789abcdef0" }), "not a region name"),
        (json!({ "resource_id": "arn:aws:ec2:us-east-1:123456789012:volume/vol-1" }), "is not an arn:<partition>:ec2"),
        (json!({ "region": "mars-1" }), "not a region name"),
        (json!({ "regions": ["us-east-1"] }), "unknown field \"regions\""),
        (json!({ "sweep": "yes" }), "sweep must be true or false"),
        (json!({ "dry_run": 1 }), "dry_run must be true or false"),
        (not_an_account, "\"not-an-account\" does not name an account"),
        (bad_region, "not a region name"),
        (no_account, "no recipientAccountId"),
        (wrong_partition, "partition aws-cn"),
        (no_evaluation, "complianceType is missing"),
    ] {
        let err = rt.handle(&payload).await.expect_err(&payload.to_string());
        assert!(matches!(err, Error::InvalidEvent(_)), "{payload}: {err:?}");
        assert_eq!(err.error_type(), "InvalidEvent");
        assert!(err.to_string().contains(says), "{payload}: {err}");
    }
    assert!(s.proxy.requests().is_empty(), "no AWS call for invalid input: {:?}", s.proxy.requests());
}

#[tokio::test]
async fn events_with_nothing_to_do_are_ignored_without_aws_calls() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let mut compliant = s.sample("config-noncompliant.json");
    set(&mut compliant, "/detail/newEvaluationResult/complianceType", "COMPLIANT");
    let mut failed_call = s.sample("cloudtrail.json");
    failed_call["detail"]["errorCode"] = json!("Client.UnauthorizedOperation");
    let mut own = s.sample("cloudtrail.json");
    set(
        &mut own,
        "/detail/userIdentity/arn",
        "arn:aws:sts::123456789012:assumed-role/remediation/ebs-default-encryption",
    );
    let mut enable = s.sample("cloudtrail.json");
    set(&mut enable, "/detail/eventName", "EnableEbsEncryptionByDefault");
    let mut other_control = s.sample("securityhub.json");
    set(&mut other_control, "/detail/findings/0/Compliance/SecurityControlId", "EC2.3");
    let mut other_type = s.sample("config-noncompliant.json");
    set(&mut other_type, "/detail/resourceType", "AWS::EC2::Volume");
    for (payload, says) in [
        (compliant, "COMPLIANT"),
        (failed_call, "failed with Client.UnauthorizedOperation"),
        (own, "made by this function"),
        (enable, "EnableEbsEncryptionByDefault is not a call"),
        (s.sample("cloudtrail-reset-default-key.json"), "EBS_DEFAULT_KMS_KEY_ID is not set"),
        (other_control, "no FAILED finding for EC2.7"),
        (other_type, "AWS::EC2::Volume is not handled"),
    ] {
        let report = rt.handle(&payload).await.unwrap();
        assert!(report.results.is_empty(), "{report:#?}");
        assert!(report.ignored.as_deref().unwrap_or_default().contains(says), "{:?} vs {says}", report.ignored);
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", s.proxy.requests());
    assert!(!s.encrypted(REGION).await);
}

/// The ledger's own requests (DynamoDB) and SNS: what is left are EC2's.
const NOT_EC2: &[&str] = &["Query", "TransactWriteItems", "UpdateItem", "PutItem", "Publish"];

fn ec2_writes(proxy: &Proxy) -> Vec<String> {
    proxy.writes().into_iter().map(|r| r.operation).filter(|op| !NOT_EC2.contains(&op.as_str())).collect()
}

#[tokio::test]
async fn undo_turns_encryption_off_again_in_the_recorded_region_only() {
    let s = setup().await;
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table)]).await;
    s.turn_on(REGION).await;
    let fixed = rt.handle(&s.sample("manual-region.json")).await.unwrap();
    let r = only(&fixed);
    assert_eq!((r.outcome, r.region.as_str()), (Outcome::Remediated, EU), "{r:?}");
    let action = r.action_id.clone().expect("an action id with LEDGER_TABLE");
    assert!(s.encrypted(EU).await);

    s.proxy.clear();
    let undone = rt.handle(&undo(&action)).await.unwrap();
    let u = only(&undone);
    assert_eq!((u.outcome, u.resource.as_str(), u.region.as_str()), (Outcome::Undone, s.name(EU).as_str(), EU));
    assert!(u.detail.starts_with("turned EBS encryption by default off again (undo of action"), "{}", u.detail);
    assert_eq!(u.after, json!({ "EbsEncryptionByDefault": false }));
    assert_eq!(ec2_writes(&s.proxy), ["DisableEbsEncryptionByDefault"]);
    let key_calls = ["DescribeKey", "GetEbsDefaultKmsKeyId", "ResetEbsDefaultKmsKeyId"].map(|op| s.count(op));
    assert_eq!(key_calls, [0; 3], "without a configured key, undo never touches the default key");
    assert!(!s.encrypted(EU).await, "read back from EC2: off, as before the fix");
    assert!(s.encrypted(REGION).await, "the function's own region is not the recorded one");
}

#[tokio::test]
async fn undo_refuses_a_region_changed_since_the_fix_and_writes_nothing() {
    let s = setup().await;
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table)]).await;
    let fixed = rt.handle(&s.sample("manual.json")).await.unwrap();
    let action = only(&fixed).action_id.clone().unwrap();
    // Someone turns it off by hand after the fix: undo is refused, as for any change since the fix.
    s.ec2(REGION).disable_ebs_encryption_by_default().send().await.unwrap();
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action"), "{text}");
    assert!(
        text.contains(r#"now {"EbsEncryptionByDefault":false}"#)
            && text.contains(r#"the fix left {"EbsEncryptionByDefault":true}"#),
        "both states: {text}"
    );
    assert_eq!(ec2_writes(&s.proxy), Vec::<String>::new(), "nothing written to EC2");
    assert!(!s.encrypted(REGION).await);
}

/// The AWS managed key, as moto makes it: the default key of `REGION` once an encrypted volume is made
/// without one. Returns its ARN.
async fn aws_managed_default(s: &Setup) -> String {
    s.default_key_in_emulator().await;
    let key = s.clients(REGION).kms.describe_key().key_id("alias/aws/ebs").send().await.unwrap();
    key.key_metadata.unwrap().arn.unwrap()
}

/// Moto does not implement ResetEbsDefaultKmsKeyId (HTTP 500): the proxy answers it as EC2 does, so
/// the reset itself does not reach the emulator, whose default key stays the configured one. Encryption
/// by default, turned off after it, is read back from the emulator.
#[tokio::test]
async fn undo_puts_the_aws_managed_key_back_then_turns_encryption_off() {
    let s = setup().await;
    let aws_managed = aws_managed_default(&s).await;
    let (alias, key_arn) = s.key_with_alias(REGION).await;
    // The fix's read and read-back, undo's read and read-back.
    s.answer_default_key(&[Some("alias/aws/ebs"), Some(&key_arn), Some(&key_arn), Some("alias/aws/ebs")]);
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table), ("EBS_DEFAULT_KMS_KEY_ID", &alias)]).await;
    let fixed = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&fixed);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert_eq!(
        r.before,
        json!({ "EbsEncryptionByDefault": false, "KmsKeyId": "alias/aws/ebs", "WantedKmsKeyId": key_arn })
    );
    let action = r.action_id.clone().unwrap();
    assert_eq!(s.default_key_in_emulator().await, key_arn);

    let reset = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ResetEbsDefaultKmsKeyIdResponse \
         xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5</requestId>\
         <kmsKeyId>{aws_managed}</kmsKeyId></ResetEbsDefaultKmsKeyIdResponse>"
    );
    s.proxy.inject(Fault { matches: reset_default_key, status: 200, body: reset, times: Some(1) });
    s.proxy.clear();
    let undone = rt.handle(&undo(&action)).await.unwrap();
    let u = only(&undone);
    assert_eq!(u.outcome, Outcome::Undone, "{u:?}");
    assert!(
        u.detail.starts_with(
            "made the AWS managed key (alias/aws/ebs) the default KMS key again; turned EBS encryption by default off \
             again (undo of action"
        ),
        "{}",
        u.detail
    );
    assert_eq!(u.after, r.before, "read back as recorded");
    assert_eq!(ec2_writes(&s.proxy), ["ResetEbsDefaultKmsKeyId", "DisableEbsEncryptionByDefault"], "key first");
    assert_eq!(s.count("ModifyEbsDefaultKmsKeyId"), 0);
    assert_eq!(s.proxy.injected(), 5, "four GetEbsDefaultKmsKeyId, one ResetEbsDefaultKmsKeyId");
    assert!(!s.encrypted(REGION).await, "read back from EC2: off, as before the fix");
}

/// Here the old default is a customer key, put back with ModifyEbsDefaultKmsKeyId, which the emulator
/// keeps (GetEbsDefaultKmsKeyId is answered by the proxy, as above).
#[tokio::test]
async fn undo_puts_the_old_default_key_back() {
    let s = setup().await;
    let kms = s.clients(REGION).kms;
    let old = kms.create_key().send().await.unwrap().key_metadata.unwrap().arn().unwrap().to_owned();
    let wanted = kms.create_key().send().await.unwrap().key_metadata.unwrap().arn().unwrap().to_owned();
    s.ec2(REGION).modify_ebs_default_kms_key_id().kms_key_id(&old).send().await.unwrap();
    // The fix's read and read-back, undo's read and read-back.
    s.answer_default_key(&[Some(&old), Some(&wanted), Some(&wanted), Some(&old)]);
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table), ("EBS_DEFAULT_KMS_KEY_ID", &wanted)]).await;
    let fixed = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&fixed);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    let action = r.action_id.clone().unwrap();

    s.proxy.clear();
    let undone = rt.handle(&undo(&action)).await.unwrap();
    let u = only(&undone);
    assert_eq!(u.outcome, Outcome::Undone, "{u:?}");
    assert!(
        u.detail
            .starts_with(&format!("made {old} the default KMS key again; turned EBS encryption by default off again")),
        "{}",
        u.detail
    );
    assert_eq!(ec2_writes(&s.proxy), ["ModifyEbsDefaultKmsKeyId", "DisableEbsEncryptionByDefault"], "key first");
    assert_eq!(s.modified_to(), [old.as_str()]);
    assert_eq!(s.proxy.injected(), 4);
    assert!(!s.encrypted(REGION).await);
    assert_eq!(s.default_key_in_emulator().await, old, "ModifyEbsDefaultKmsKeyId reached EC2");
}

#[tokio::test]
async fn undo_puts_a_customer_key_back_and_leaves_encryption_on_when_it_was() {
    let s = setup().await;
    s.turn_on(REGION).await;
    let kms = s.clients(REGION).kms;
    let old = kms.create_key().send().await.unwrap().key_metadata.unwrap().arn.unwrap();
    let wanted = kms.create_key().send().await.unwrap().key_metadata.unwrap();
    let wanted_arn = wanted.arn().unwrap().to_owned();
    s.ec2(REGION).modify_ebs_default_kms_key_id().kms_key_id(&old).send().await.unwrap();
    s.answer_default_key(&[Some(&old), Some(&wanted_arn), Some(&wanted_arn), Some(&old)]);
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table), ("EBS_DEFAULT_KMS_KEY_ID", wanted.key_id())]).await;
    let fixed = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&fixed);
    assert_eq!(
        (r.outcome, r.detail.as_str()),
        (Outcome::Remediated, format!("made {wanted_arn} the default KMS key (was {old})").as_str())
    );
    let action = r.action_id.clone().unwrap();

    s.proxy.clear();
    let undone = rt.handle(&undo(&action)).await.unwrap();
    let u = only(&undone);
    assert_eq!(u.outcome, Outcome::Undone, "{u:?}");
    assert!(u.detail.starts_with(&format!("made {old} the default KMS key again (undo of action")), "{}", u.detail);
    assert_eq!(u.after, r.before);
    assert_eq!(ec2_writes(&s.proxy), ["ModifyEbsDefaultKmsKeyId"], "only what the fix changed");
    assert_eq!(s.modified_to(), [old.as_str()]);
    assert!(s.encrypted(REGION).await, "it was on before the fix");
    assert_eq!(s.default_key_in_emulator().await, old, "read back from EC2");
}

/// When EC2 named no default key before the fix there is nothing to put back: undo asks for a person
/// and writes nothing, not even the encryption part.
#[tokio::test]
async fn undo_refuses_without_a_write_when_no_default_key_was_recorded() {
    let s = setup().await;
    let (alias, key_arn) = s.key_with_alias(REGION).await;
    // The fix's read (no key), its read-back and undo's read.
    s.answer_default_key(&[None, Some(&key_arn), Some(&key_arn)]);
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table), ("EBS_DEFAULT_KMS_KEY_ID", &alias)]).await;
    let fixed = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&fixed);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert_eq!(r.before, json!({ "EbsEncryptionByDefault": false, "WantedKmsKeyId": key_arn }));
    assert!(r.detail.ends_with(&format!("made {key_arn} the default KMS key (was none)")), "{}", r.detail);
    let action = r.action_id.clone().unwrap();

    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let what = err.to_string();
    assert!(what.contains("named no default KMS key") && what.contains("reset-ebs-default-kms-key-id"), "{what}");
    assert!(what.contains(&format!("disable-ebs-encryption-by-default --region {REGION}")), "{what}");
    assert_eq!(ec2_writes(&s.proxy), Vec::<String>::new(), "nothing written to EC2");
    assert_eq!(s.count("GetEbsDefaultKmsKeyId"), 1, "undo's read only: no read-back");
    assert!(s.encrypted(REGION).await);
    assert_eq!(s.default_key_in_emulator().await, key_arn);
}
