//! s3-block-public-access against the emulator: every trigger shape, read back from S3.

use integration_tests::*;
use remediation_core::{Error, Outcome, Report, Runtime};
use s3_block_public_access::S3BlockPublicAccess;
use serde_json::{json, Value};

type Rt = Runtime<S3BlockPublicAccess>;

/// Bucket-level Block Public Access as S3 reports it: `None` when the bucket has no configuration.
async fn bucket_block(s3: &aws_sdk_s3::Client, bucket: &str) -> Option<[bool; 4]> {
    match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration().unwrap();
            Some([
                c.block_public_acls().unwrap_or(false),
                c.ignore_public_acls().unwrap_or(false),
                c.block_public_policy().unwrap_or(false),
                c.restrict_public_buckets().unwrap_or(false),
            ])
        }
        Err(e) => {
            let code = aws_sdk_s3::error::ProvideErrorMetadata::code(&e).map(str::to_owned);
            assert_eq!(code.as_deref(), Some("NoSuchPublicAccessBlockConfiguration"), "{e:?}");
            None
        }
    }
}

async fn account_block(config: &aws_config::SdkConfig, account: &str) -> Option<[bool; 4]> {
    let client = <S3BlockPublicAccess as remediation_core::Control>::client(config);
    match client.s3control.get_public_access_block().account_id(account).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration().unwrap();
            Some([
                c.block_public_acls().unwrap_or(false),
                c.ignore_public_acls().unwrap_or(false),
                c.block_public_policy().unwrap_or(false),
                c.restrict_public_buckets().unwrap_or(false),
            ])
        }
        Err(_) => None,
    }
}

const ALL_ON: Option<[bool; 4]> = Some([true; 4]);

struct Setup {
    proxy: Proxy,
    config: aws_config::SdkConfig,
    s3: aws_sdk_s3::Client,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let s3 = S3BlockPublicAccess::client_s3(&config);
    Setup { proxy, config, s3 }
}

trait S3ClientExt {
    fn client_s3(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client;
}

impl S3ClientExt for S3BlockPublicAccess {
    fn client_s3(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
        <S3BlockPublicAccess as remediation_core::Control>::client(config).s3
    }
}

/// A bucket with no Block Public Access configuration (all four off), optionally tagged.
async fn public_bucket(s3: &aws_sdk_s3::Client, region: &str, tags: &[(&str, &str)]) -> String {
    let bucket = unique("public");
    let mut create = s3.create_bucket().bucket(&bucket);
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        );
    }
    create.send().await.unwrap();
    if !tags.is_empty() {
        let tag_set: Vec<_> =
            tags.iter().map(|(k, v)| aws_sdk_s3::types::Tag::builder().key(*k).value(*v).build().unwrap()).collect();
        s3.put_bucket_tagging()
            .bucket(&bucket)
            .tagging(aws_sdk_s3::types::Tagging::builder().set_tag_set(Some(tag_set)).build().unwrap())
            .send()
            .await
            .unwrap();
    }
    bucket
}

/// An events/ sample with its placeholder bucket and account replaced.
fn sample(file: &str, bucket: &str, account: &str) -> Value {
    let text = event(&format!("s3-block-public-access/{file}")).to_string();
    serde_json::from_str(&text.replace("example-public-bucket", bucket).replace(ACCOUNT, account)).unwrap()
}

fn only(report: &Report) -> &remediation_core::TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

#[tokio::test]
async fn every_bucket_trigger_shape_fixes_the_bucket() {
    let s = setup().await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    for (file, kind) in [
        ("config-noncompliant.json", "config"),
        ("cloudtrail.json", "cloudtrail"),
        ("securityhub.json", "securityhub"),
        ("manual.json", "manual"),
    ] {
        let bucket = public_bucket(&s.s3, REGION, &[]).await;
        assert_eq!(bucket_block(&s.s3, &bucket).await, None);
        let report = rt.handle(&sample(file, &bucket, ACCOUNT)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind);
        let r = only(&report);
        assert_eq!(
            (r.outcome, r.resource.as_str()),
            (Outcome::Remediated, format!("arn:aws:s3:::{bucket}").as_str()),
            "{file}"
        );
        assert_eq!((r.account.as_str(), r.region.as_str()), (ACCOUNT, REGION));
        assert_eq!(r.before["BlockPublicPolicy"], false);
        assert_eq!(r.after["BlockPublicPolicy"], true);
        assert_eq!(bucket_block(&s.s3, &bucket).await, ALL_ON, "{file}: read back from S3");
    }
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 4, "one SNS message per invocation that changed something");
    for m in &messages {
        let attrs = &m["MessageAttributes"];
        assert_eq!(attrs["control"]["Value"], "s3-block-public-access");
        assert_eq!(attrs["outcome"]["Value"], "remediated");
        assert_eq!(attrs["account"]["Value"], ACCOUNT);
        assert_eq!(attrs["region"]["Value"], REGION);
        let body: Report = serde_json::from_str(m["Message"].as_str().unwrap()).unwrap();
        assert_eq!(body.results[0].outcome, Outcome::Remediated);
    }
}

#[tokio::test]
async fn every_account_trigger_shape_fixes_the_account_setting() {
    let s = setup().await;
    for file in [
        "config-account-noncompliant.json",
        "cloudtrail-put-account-public-access-block.json",
        "securityhub-account-finding.json",
        "manual-account.json",
    ] {
        // Each shape in a fresh account: the account-level setting is one per account.
        let account = unique_account();
        let config = s.proxy.sdk_config_in(&account, REGION).await;
        let rt: Rt = s.proxy.runtime(config.clone(), &[]).await;
        assert_eq!(account_block(&config, &account).await, None);
        let report =
            rt.handle(&sample(file, "unused-bucket", &account)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Remediated, "{file}: {r:?}");
        assert_eq!(r.resource, format!("AWS::::Account:{account}"));
        assert_eq!(account_block(&config, &account).await, ALL_ON, "{file}: read back from S3 Control");
    }
}

#[tokio::test]
async fn sweep_fixes_every_bucket_and_the_account() {
    let s = setup().await;
    let account = unique_account();
    let config = s.proxy.sdk_config_in(&account, REGION).await;
    let s3 = S3BlockPublicAccess::client_s3(&config);
    let open = [public_bucket(&s3, REGION, &[]).await, public_bucket(&s3, "eu-west-1", &[]).await];
    let exempt = public_bucket(&s3, REGION, &[("auto-remediation", "skip")]).await;
    let rt: Rt = s.proxy.runtime(config.clone(), &[]).await;
    let report = rt.handle(&sample("schedule.json", "unused", &account)).await.unwrap();
    let outcome = |name: &str| report.results.iter().find(|r| r.resource.ends_with(name)).map(|r| r.outcome);
    for bucket in &open {
        assert_eq!(outcome(bucket), Some(Outcome::Remediated));
        assert_eq!(bucket_block(&s3, bucket).await, ALL_ON);
    }
    assert_eq!(outcome(&exempt), Some(Outcome::Exempt));
    assert_eq!(bucket_block(&s3, &exempt).await, None, "exempt bucket untouched");
    assert_eq!(outcome(&account), Some(Outcome::Remediated));
    assert_eq!(account_block(&config, &account).await, ALL_ON);
    let eu = report.results.iter().find(|r| r.resource.ends_with(&open[1])).unwrap();
    assert_eq!(eu.region, "eu-west-1", "a bucket is handled in its own region");

    // A second sweep finds everything compliant and writes nothing.
    s.proxy.clear();
    let again = rt.handle(&sample("schedule.json", "unused", &account)).await.unwrap();
    assert!(
        again.results.iter().all(|r| matches!(r.outcome, Outcome::AlreadyCompliant | Outcome::Exempt)),
        "{again:#?}"
    );
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
}

#[tokio::test]
async fn already_compliant_bucket_gets_no_write() {
    let s = setup().await;
    let bucket = public_bucket(&s.s3, REGION, &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    rt.handle(&json!({ "resource_id": bucket })).await.unwrap();
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_id": bucket })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::AlreadyCompliant);
    assert!(!s.proxy.requests().is_empty());
    assert!(s.proxy.writes().is_empty(), "no write on a compliant bucket: {:?}", s.proxy.writes());
}

#[tokio::test]
async fn partly_blocked_bucket_is_completed() {
    let s = setup().await;
    let bucket = public_bucket(&s.s3, REGION, &[]).await;
    s.s3.put_public_access_block()
        .bucket(&bucket)
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let report = rt.handle(&json!({ "resource_id": format!("arn:aws:s3:::{bucket}") })).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(r.detail, "turned on BlockPublicPolicy, RestrictPublicBuckets");
    assert_eq!(bucket_block(&s.s3, &bucket).await, ALL_ON);
}

#[tokio::test]
async fn exempt_by_tag_and_by_list_are_untouched() {
    let s = setup().await;
    let tagged = public_bucket(&s.s3, REGION, &[("keep-public", "yes"), ("team", "web")]).await;
    let listed = public_bucket(&s.s3, REGION, &[]).await;
    let listed_arn = format!("arn:aws:s3:::{listed}");
    let rt: Rt = s
        .proxy
        .runtime(
            s.config.clone(),
            &[("EXEMPT_TAG", "keep-public=yes"), ("EXEMPT_RESOURCES", &format!("other,{listed_arn}"))],
        )
        .await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_ids": [tagged, listed] })).await.unwrap();
    assert_eq!(report.results.len(), 2);
    assert!(report.results.iter().all(|r| r.outcome == Outcome::Exempt), "{report:#?}");
    assert_eq!(report.results[0].detail, "tagged keep-public=yes");
    assert_eq!(bucket_block(&s.s3, &tagged).await, None);
    assert_eq!(bucket_block(&s.s3, &listed).await, None);
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    // A tag with another value does not exempt.
    let other_value = public_bucket(&s.s3, REGION, &[("keep-public", "no")]).await;
    let report = rt.handle(&json!({ "resource_id": other_value })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Remediated);
}

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    let bucket = public_bucket(&s.s3, REGION, &[]).await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("manual-dry-run.json", &bucket, ACCOUNT)).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(only(&report).outcome, Outcome::WouldRemediate);
    assert_eq!(bucket_block(&s.s3, &bucket).await, None);
    let writes: Vec<_> = s.proxy.writes().into_iter().filter(|r| r.operation != "Publish").collect();
    assert!(writes.is_empty(), "{writes:?}");
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["MessageAttributes"]["outcome"]["Value"], "would_remediate");

    let env_dry: Rt = s.proxy.runtime(s.config.clone(), &[("DRY_RUN", "true")]).await;
    let report = env_dry.handle(&sample("cloudtrail.json", &bucket, ACCOUNT)).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(only(&report).outcome, Outcome::WouldRemediate);
    assert_eq!(bucket_block(&s.s3, &bucket).await, None);
}

#[tokio::test]
async fn deleted_bucket_is_not_found() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let report = rt.handle(&sample("config-noncompliant.json", &unique("gone"), ACCOUNT)).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::NotFound);
    assert!(s.proxy.writes().is_empty());
}

#[tokio::test]
async fn invalid_events_are_rejected_before_any_aws_call() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let mut wrong_partition = sample("securityhub.json", "some-bucket", ACCOUNT);
    set(&mut wrong_partition, "/detail/findings/0/Resources/0/Id", "arn:aws-cn:s3:::some-bucket");
    let mut no_detail = sample("config-noncompliant.json", "some-bucket", ACCOUNT);
    no_detail.as_object_mut().unwrap().remove("detail");
    for (payload, says) in [
        (json!([]), "must be a JSON object"),
        (json!("bucket"), "must be a JSON object"),
        (json!({}), "name a resource"),
        (json!({ "resource_id": 42 }), "resource_id must be a string"),
        (json!({ "resource_id": "" }), "resource_id is empty"),
        (json!({ "resource_id": "Not_A_Bucket" }), "not an S3 bucket name"),
        (json!({ "resource_id": "arn:aws:kms:us-east-1:123456789012:key/x" }), "not an S3 bucket ARN"),
        (json!({ "resource_ids": "bucket" }), "must be an array"),
        (json!({ "resource_id": "abc", "sweep": true }), "only one of"),
        (json!({ "bucket": "abc" }), "unknown field \"bucket\""),
        (json!({ "resource_id": "abc", "region": "mars-1" }), "not a region name"),
        (json!({ "resource_id": "abc", "account_id": "12" }), "not a 12-digit account id"),
        (json!({ "resource_id": "abc", "dry_run": "yes" }), "dry_run must be true or false"),
        (
            json!({ "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {} }),
            "unsupported detail-type",
        ),
        (no_detail, "\"detail\" must be an object"),
        (wrong_partition, "partition aws-cn"),
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
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let mut compliant = sample("config-noncompliant.json", "some-bucket", ACCOUNT);
    set(&mut compliant, "/detail/newEvaluationResult/complianceType", "COMPLIANT");
    let mut own = sample("cloudtrail.json", "some-bucket", ACCOUNT);
    set(
        &mut own,
        "/detail/userIdentity/arn",
        "arn:aws:sts::123456789012:assumed-role/remediation-role/s3-block-public-access",
    );
    let mut other_call = sample("cloudtrail.json", "some-bucket", ACCOUNT);
    set(&mut other_call, "/detail/eventName", "GetBucketPolicy");
    let mut other_control = sample("securityhub.json", "some-bucket", ACCOUNT);
    set(&mut other_control, "/detail/findings/0/Compliance/SecurityControlId", "S3.5");
    let mut passed = sample("securityhub.json", "some-bucket", ACCOUNT);
    set(&mut passed, "/detail/findings/0/Compliance/Status", "PASSED");
    for (payload, says) in [
        (sample("cloudtrail-failed.json", "some-bucket", ACCOUNT), "failed with AccessDenied"),
        (compliant, "COMPLIANT"),
        (own, "made by this function"),
        (other_call, "GetBucketPolicy is not a call"),
        (other_control, "no FAILED finding for S3.8"),
        (passed, "no FAILED, ACTIVE finding"),
    ] {
        let report = rt.handle(&payload).await.unwrap();
        assert!(report.results.is_empty());
        assert!(report.ignored.as_deref().unwrap_or_default().contains(says), "{:?} vs {says}", report.ignored);
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", s.proxy.requests());
}

#[tokio::test]
async fn exempt_principal_changes_are_left_alone() {
    let s = setup().await;
    let bucket = public_bucket(&s.s3, REGION, &[]).await;
    let rt: Rt =
        s.proxy.runtime(s.config.clone(), &[("EXEMPT_PRINCIPALS", "arn:aws:iam::123456789012:role/Adm*")]).await;
    let report = rt.handle(&sample("cloudtrail.json", &bucket, ACCOUNT)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Exempt);
    assert!(r.detail.contains("exempt principal arn:aws:iam::123456789012:role/Admin"), "{}", r.detail);
    assert_eq!(bucket_block(&s.s3, &bucket).await, None);
}

#[tokio::test]
async fn a_denied_write_fails_the_invocation_after_the_others_are_fixed() {
    let s = setup().await;
    let denied = public_bucket(&s.s3, REGION, &[]).await;
    let fine = public_bucket(&s.s3, REGION, &[]).await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    fn put_block_on_denied(r: &Request) -> bool {
        r.method == "PUT" && r.path.contains("publicAccessBlock") && r.path.contains("-denied-")
    }
    let denied = {
        // Rename so the fault matcher (a plain fn) can recognise the bucket.
        let name = denied.replacen("public-", "public-denied-", 1);
        s.s3.create_bucket().bucket(&name).send().await.unwrap();
        name
    };
    s.proxy.inject(Fault {
        matches: put_block_on_denied,
        status: 403,
        body: "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>".into(),
        times: None,
    });
    let err = rt.handle(&json!({ "resource_ids": [denied, fine] })).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    assert!(err.to_string().contains("AccessDenied"), "{err}");
    assert_eq!(bucket_block(&s.s3, &denied).await, None, "the denied bucket is unchanged");
    assert_eq!(bucket_block(&s.s3, &fine).await, ALL_ON, "the other target was still fixed");
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1, "the report is sent before the invocation fails");
    assert_eq!(messages[0]["MessageAttributes"]["outcome"]["Type"], "String.Array");
    let body: Report = serde_json::from_str(messages[0]["Message"].as_str().unwrap()).unwrap();
    let outcomes: Vec<_> = body.results.iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [Outcome::Failed, Outcome::Remediated]);
    assert!(s.proxy.injected() >= 1);
}

#[tokio::test]
async fn member_accounts_need_the_member_role() {
    let s = setup().await;
    let member = unique_account();
    let member_config = s.proxy.sdk_config_in(&member, REGION).await;
    let member_s3 = S3BlockPublicAccess::client_s3(&member_config);
    let bucket = public_bucket(&member_s3, REGION, &[]).await;
    let event = sample("config-noncompliant.json", &bucket, &member);

    let without: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let err = without.handle(&event).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    assert!(err.to_string().contains("set MEMBER_ROLE_NAME"), "{err}");
    assert_eq!(bucket_block(&member_s3, &bucket).await, None);

    let with: Rt = s.proxy.runtime(s.config.clone(), &[("MEMBER_ROLE_NAME", "RemediationMember")]).await;
    let report = with.handle(&event).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.account.as_str()), (Outcome::Remediated, member.as_str()));
    assert_eq!(bucket_block(&member_s3, &bucket).await, ALL_ON);
    assert!(s.proxy.requests().iter().any(|r| r.operation == "AssumeRole"));
}

fn is_location(r: &Request) -> bool {
    r.method == "GET" && r.path.contains("location")
}

#[tokio::test]
async fn the_bucket_region_from_config_and_security_hub_saves_the_location_lookup() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    for (file, pointer) in [
        ("config-noncompliant.json", "/detail/awsRegion"),
        ("securityhub.json", "/detail/findings/0/Resources/0/Region"),
        ("cloudtrail.json", "/detail/awsRegion"),
    ] {
        let bucket = public_bucket(&s.s3, "eu-west-1", &[]).await;
        let mut ev = sample(file, &bucket, ACCOUNT);
        set(&mut ev, pointer, "eu-west-1");
        s.proxy.clear();
        let report = rt.handle(&ev).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        let r = only(&report);
        assert_eq!((r.outcome, r.region.as_str()), (Outcome::Remediated, "eu-west-1"), "{file}");
        assert_eq!(bucket_block(&s.s3, &bucket).await, ALL_ON, "{file}: read back from S3");
        let lookups = s.proxy.requests().iter().filter(|r| is_location(r)).count();
        // CloudTrail's awsRegion is where the call was made, not necessarily the bucket's home.
        let expected = if file.starts_with("cloudtrail") { 1 } else { 0 };
        assert_eq!(lookups, expected, "{file}: {:?}", s.proxy.requests());
    }
}

#[tokio::test]
async fn a_sweep_takes_each_bucket_region_from_list_buckets() {
    let s = setup().await;
    let account = unique_account();
    let config = s.proxy.sdk_config_in(&account, REGION).await;
    let s3 = S3BlockPublicAccess::client_s3(&config);
    let here = public_bucket(&s3, REGION, &[]).await;
    let there = public_bucket(&s3, "eu-west-1", &[]).await;
    // AWS answers BucketRegion to a ListBuckets with parameters; moto 5.2.5 does not, so the proxy
    // answers the listing as AWS would.
    let entry = |name: &str, region: &str| {
        format!("<Bucket><Name>{name}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate><BucketRegion>{region}</BucketRegion></Bucket>")
    };
    let listing = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult><Owner><ID>x</ID></Owner><Buckets>{}{}</Buckets></ListAllMyBucketsResult>",
        entry(&here, REGION),
        entry(&there, "eu-west-1")
    );
    s.proxy.inject_action(
        |r| r.method == "GET" && r.path.contains("max-buckets"),
        Action::Answer { status: 200, body: listing },
        Some(1),
    );
    let rt: Rt = s.proxy.runtime(config.clone(), &[]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("schedule.json", "unused", &account)).await.unwrap();
    assert_eq!(s.proxy.injected(), 1, "the listing was the injected one");
    for (bucket, region) in [(&here, REGION), (&there, "eu-west-1")] {
        let r = report.results.iter().find(|r| r.resource.ends_with(bucket.as_str())).unwrap();
        assert_eq!((r.outcome, r.region.as_str()), (Outcome::Remediated, region));
        assert_eq!(bucket_block(&s3, bucket).await, ALL_ON);
    }
    assert!(!s.proxy.requests().iter().any(is_location), "{:?}", s.proxy.requests());
}

/// Issue 18: the report names the finding and links to it and to the bucket; SQS subscribers still
/// receive the JSON report (the e-mail text is another protocol's); every request is counted.
#[tokio::test]
async fn a_finding_is_linked_and_sqs_subscribers_still_get_the_json_report() {
    let s = setup().await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    let bucket = public_bucket(&s.s3, REGION, &[]).await;
    let event = sample("securityhub.json", &bucket, ACCOUNT);
    let finding_id = event["detail"]["findings"][0]["Id"].as_str().unwrap().to_owned();

    s.proxy.clear();
    let before = rt.clients.aws().requests();
    let report = rt.handle(&event).await.unwrap();
    let counted = rt.clients.aws().requests() - before;
    assert_eq!(counted as usize, s.proxy.requests().len(), "AwsRequests counts what reached the wire");
    assert!(counted >= 3, "read, fix, read back, publish: {:?}", s.proxy.requests());

    assert_eq!(report.finding_id.as_deref(), Some(finding_id.as_str()));
    let finding_url = report.finding_url.as_deref().unwrap();
    assert!(
        finding_url
            .starts_with("https://console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=Id%3D"),
        "{finding_url}"
    );
    assert!(finding_url.ends_with("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"), "{finding_url}");
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(
        r.console_url.as_deref(),
        Some(format!("https://console.aws.amazon.com/s3/buckets/{bucket}?region={REGION}").as_str())
    );

    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["Subject"], format!("s3-block-public-access: remediated - 1 resource in account {ACCOUNT}"));
    assert_eq!(m["MessageAttributes"]["outcome"]["Value"], "remediated");
    let body: Report = serde_json::from_str(m["Message"].as_str().unwrap()).expect("the JSON report, not the e-mail");
    assert_eq!(body, report);

    // Other triggers carry no finding, and the report's JSON has no such keys.
    let manual = rt.handle(&sample("manual.json", &bucket, ACCOUNT)).await.unwrap();
    let json = serde_json::to_value(&manual).unwrap();
    assert!(json.get("finding_id").is_none() && json.get("finding_url").is_none(), "{json}");
    assert_eq!(only(&manual).outcome, Outcome::AlreadyCompliant);
    assert!(only(&manual).console_url.is_some());
}

#[tokio::test]
async fn the_account_setting_links_to_the_accounts_block_public_access_page() {
    let s = setup().await;
    let account = unique_account();
    let config = s.proxy.sdk_config_in(&account, REGION).await;
    let rt: Rt = s.proxy.runtime(config, &[]).await;
    let report = rt.handle(&sample("manual-account.json", "unused", &account)).await.unwrap();
    assert_eq!(
        only(&report).console_url.as_deref(),
        Some("https://console.aws.amazon.com/s3/settings?region=us-east-1")
    );
}

fn is_tag_read(r: &Request) -> bool {
    r.method == "GET" && r.path.contains("tagging")
}

fn is_block_read(r: &Request) -> bool {
    r.method == "GET" && r.path.contains("publicAccessBlock")
}

/// Issue 20: an event about a change names a bucket that is most likely public, so its Block Public Access
/// and its tags are read at once (held back 2 s each, the second reaches the proxy while the first is
/// held, not 2 s later); a manual payload on a compliant bucket still costs one read and no tag read.
#[tokio::test]
async fn an_event_reads_the_state_and_the_tags_at_once() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let bucket = public_bucket(&s.s3, REGION, &[]).await;
    let hold = Action::Delay(std::time::Duration::from_millis(2000));
    s.proxy.inject_action(is_tag_read, hold.clone(), Some(1));
    s.proxy.inject_action(is_block_read, hold, Some(1));
    s.proxy.clear();
    let report = rt.handle(&sample("config-noncompliant.json", &bucket, ACCOUNT)).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Remediated);
    assert_eq!(bucket_block(&s.s3, &bucket).await, ALL_ON);
    // Sent at once: the second read reached the proxy while the first was held back (one after the
    // other, the second would arrive 2 s after the first, however fast or slow the machine).
    let requests = s.proxy.requests();
    let arrival = |is: fn(&Request) -> bool| requests.iter().find(|r| is(r)).map(|r| r.at).unwrap();
    let (tags, block) = (arrival(is_tag_read), arrival(is_block_read));
    let apart = tags.max(block) - tags.min(block);
    assert!(apart < std::time::Duration::from_millis(1000), "the two reads one after the other: {apart:?} apart");

    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_id": bucket })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::AlreadyCompliant);
    let requests = s.proxy.requests();
    assert_eq!(requests.iter().filter(|r| is_block_read(r)).count(), 1, "{requests:?}");
    assert!(!requests.iter().any(is_tag_read), "a compliant bucket's tags are not read: {requests:?}");
}
