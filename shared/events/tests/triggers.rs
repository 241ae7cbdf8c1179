//! Parsing tests over every events/ sample and the quirks of real AWS events. No AWS, milliseconds.

use std::path::PathBuf;

use remediation_events::{Error, Kind, Trigger};
use serde_json::{json, Value};

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

fn sample(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(events_dir().join(path)).unwrap()).unwrap()
}

fn invalid(event: Value) -> String {
    match Trigger::parse(&event) {
        Err(Error::InvalidEvent(msg)) => msg,
        other => panic!("expected InvalidEvent for {event}, got {other:?}"),
    }
}

#[test]
fn every_sample_event_parses_to_the_shape_its_name_says() {
    let mut seen = 0;
    for dir in std::fs::read_dir(events_dir()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let trigger = Trigger::parse(&event).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let expected = match name.split(['-', '.']).next().unwrap() {
                "config" => Kind::Config,
                "cloudtrail" => Kind::Cloudtrail,
                "securityhub" => Kind::Securityhub,
                "schedule" => Kind::Schedule,
                "manual" => Kind::Manual,
                other => panic!("{}: name events <shape>[-detail].json, not {other}", path.display()),
            };
            assert_eq!(trigger.kind, expected, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} sample events");
}

#[test]
fn config_compliance_change() {
    let t = Trigger::parse(&sample("s3-block-public-access/config-noncompliant.json")).unwrap();
    assert_eq!(t.kind, Kind::Config);
    assert!(t.ignored.is_none());
    assert_eq!(t.resources.len(), 1);
    let r = &t.resources[0];
    assert_eq!(r.id, "example-public-bucket");
    assert_eq!(r.resource_type.as_deref(), Some("AWS::S3::Bucket"));
    assert_eq!((r.account.as_deref(), r.region.as_deref()), (Some("123456789012"), Some("us-east-1")));

    // No oldEvaluationResult (first evaluation of a resource).
    let mut first = sample("s3-block-public-access/config-noncompliant.json");
    first["detail"].as_object_mut().unwrap().remove("oldEvaluationResult");
    assert_eq!(Trigger::parse(&first).unwrap().resources.len(), 1);

    // resourceId only inside the evaluation qualifier.
    let mut qualified = sample("s3-block-public-access/config-noncompliant.json");
    qualified["detail"].as_object_mut().unwrap().remove("resourceId");
    assert_eq!(Trigger::parse(&qualified).unwrap().resources[0].id, "example-public-bucket");

    let mut compliant = sample("s3-block-public-access/config-noncompliant.json");
    compliant["detail"]["newEvaluationResult"]["complianceType"] = json!("COMPLIANT");
    let t = Trigger::parse(&compliant).unwrap();
    assert!(t.ignored.unwrap().contains("COMPLIANT") && t.resources.is_empty());

    let mut not_applicable = sample("s3-block-public-access/config-noncompliant.json");
    not_applicable["detail"]["newEvaluationResult"]["complianceType"] = json!("NOT_APPLICABLE");
    assert!(Trigger::parse(&not_applicable).unwrap().ignored.is_some());

    let mut broken = sample("s3-block-public-access/config-noncompliant.json");
    broken["detail"].as_object_mut().unwrap().remove("newEvaluationResult");
    assert!(invalid(broken).contains("complianceType is missing"));
}

#[test]
fn account_level_config_rule() {
    let t = Trigger::parse(&sample("s3-block-public-access/config-account-noncompliant.json")).unwrap();
    assert!(t.resources[0].is_account(), "{:?}", t.resources[0]);
}

#[test]
fn cloudtrail_call() {
    let t = Trigger::parse(&sample("s3-block-public-access/cloudtrail.json")).unwrap();
    let call = t.call.as_ref().unwrap();
    assert_eq!(call.event_name, "PutBucketPolicy");
    assert_eq!(call.session_name.as_deref(), Some("jane.doe"));
    assert_eq!(call.role_arn.as_deref(), Some("arn:aws:iam::123456789012:role/Admin"));
    assert_eq!(t.resources[0].id, "example-public-bucket");
    assert_eq!(t.account.as_deref(), Some("123456789012"));

    let failed = Trigger::parse(&sample("s3-block-public-access/cloudtrail-failed.json")).unwrap();
    assert!(failed.ignored.unwrap().contains("AccessDenied"));

    // Account-wide calls name no resource: the account stands in.
    let account =
        Trigger::parse(&sample("s3-block-public-access/cloudtrail-put-account-public-access-block.json")).unwrap();
    assert!(account.resources[0].is_account());
    assert_eq!(account.resources[0].id, "123456789012");
}

#[test]
fn cloudtrail_quirks() {
    // userIdentity without type (AWS service calls, some federated principals).
    let mut no_type = sample("s3-block-public-access/cloudtrail.json");
    no_type["detail"]["userIdentity"].as_object_mut().unwrap().remove("type");
    assert_eq!(Trigger::parse(&no_type).unwrap().call.unwrap().session_name.as_deref(), Some("jane.doe"));

    // No userIdentity at all.
    let mut anonymous = sample("s3-block-public-access/cloudtrail.json");
    anonymous["detail"].as_object_mut().unwrap().remove("userIdentity");
    let call = Trigger::parse(&anonymous).unwrap().call.unwrap();
    assert!(call.principal.is_none() && call.session_name.is_none());

    // KMS keyId as an ARN or an alias is kept as given; the control resolves it.
    let mut kms = sample("s3-block-public-access/cloudtrail.json");
    kms["detail"]["requestParameters"] = json!({ "keyId": "alias/app", "pendingWindowInDays": 7 });
    assert_eq!(Trigger::parse(&kms).unwrap().resources[0].id, "alias/app");

    // errorCode null is a success.
    let mut null_error = sample("s3-block-public-access/cloudtrail.json");
    null_error["detail"]["errorCode"] = Value::Null;
    assert!(Trigger::parse(&null_error).unwrap().ignored.is_none());

    let mut wrong_type = sample("s3-block-public-access/cloudtrail.json");
    wrong_type["detail"]["requestParameters"]["bucketName"] = json!(["a"]);
    assert!(invalid(wrong_type).contains("bucketName must be a string"));

    let mut bad_region = sample("s3-block-public-access/cloudtrail.json");
    bad_region["detail"]["awsRegion"] = json!("moon-1");
    assert!(invalid(bad_region).contains("not a region name"));
}

#[test]
fn security_hub_findings() {
    let t = Trigger::parse(&sample("s3-block-public-access/securityhub.json")).unwrap();
    assert_eq!(t.kind, Kind::Securityhub);
    let r = &t.resources[0];
    assert_eq!(r.id, "arn:aws:s3:::example-public-bucket");
    assert_eq!(r.control_id.as_deref(), Some("S3.8"));
    assert_eq!(r.resource_type.as_deref(), Some("AwsS3Bucket"));

    let account = Trigger::parse(&sample("s3-block-public-access/securityhub-account-finding.json")).unwrap();
    assert!(account.resources[0].is_account());
    assert_eq!(account.resources[0].control_id.as_deref(), Some("S3.1"));

    // Without consolidated findings, Compliance.SecurityControlId still names the control.
    let legacy = Trigger::parse(&sample("ebs-default-encryption/securityhub-unconsolidated.json")).unwrap();
    assert_eq!(legacy.resources[0].control_id.as_deref(), Some("EC2.7"));

    for (pointer, value) in [
        ("/detail/findings/0/Compliance/Status", "PASSED"),
        ("/detail/findings/0/RecordState", "ARCHIVED"),
        ("/detail/findings/0/Workflow/Status", "SUPPRESSED"),
    ] {
        let mut e = sample("s3-block-public-access/securityhub.json");
        *e.pointer_mut(pointer).unwrap() = json!(value);
        let t = Trigger::parse(&e).unwrap();
        assert!(t.resources.is_empty() && t.ignored.is_some(), "{pointer}={value}");
    }

    let mut empty = sample("s3-block-public-access/securityhub.json");
    empty["detail"]["findings"] = json!([]);
    assert!(invalid(empty).contains("findings is empty"));
    let mut no_resources = sample("s3-block-public-access/securityhub.json");
    no_resources["detail"]["findings"][0].as_object_mut().unwrap().remove("Resources");
    assert!(invalid(no_resources).contains("Resources must be an array"));
}

#[test]
fn schedule_is_a_sweep() {
    let t = Trigger::parse(&sample("s3-block-public-access/schedule.json")).unwrap();
    assert!(t.sweep && t.resources.is_empty());
    assert_eq!(t.region.as_deref(), Some("us-east-1"));
}

#[test]
fn manual_payloads() {
    let t = Trigger::parse(
        &json!({"resource_id": "b1b", "region": "eu-west-1", "account_id": "111122223333", "dry_run": true}),
    )
    .unwrap();
    assert_eq!(t.kind, Kind::Manual);
    assert!(t.dry_run);
    assert_eq!(t.resources[0].id, "b1b");
    assert_eq!(t.resources[0].region.as_deref(), Some("eu-west-1"));
    assert_eq!(t.resources[0].account.as_deref(), Some("111122223333"));
    let many = Trigger::parse(&json!({"resource_ids": ["a1a", "b2b"]})).unwrap();
    assert_eq!(many.resources.len(), 2);
    assert!(Trigger::parse(&json!({"sweep": true})).unwrap().sweep);
    assert!(Trigger::parse(&json!({})).unwrap().resources.is_empty());
}

#[test]
fn rejections_name_the_problem() {
    for (event, says) in [
        (json!(null), "must be a JSON object"),
        (json!(17), "must be a JSON object"),
        (json!({"detail-type": 5}), "\"detail-type\" must be a string"),
        (json!({"detail-type": "Object Created", "detail": {}}), "unsupported detail-type \"Object Created\""),
        (json!({"source": "aws.s3"}), "needs a \"detail-type\""),
        (json!({"detail-type": "AWS API Call via CloudTrail", "detail": "x"}), "\"detail\" must be an object"),
        (json!({"detail-type": "AWS API Call via CloudTrail", "detail": {}}), "eventName is missing"),
        (json!({"resource_ids": []}), "resource_ids is empty"),
        (json!({"resource_ids": [1]}), "resource_ids[0] must be a string"),
        (json!({"resource_id": "a b"}), "whitespace"),
        (json!({"resource_id": "x".repeat(3000)}), "longer than 2048"),
        (json!({"resource_id": "a\u{0}b"}), "control characters"),
        (json!({"sweep": "yes"}), "sweep must be true or false"),
        (json!({"resource_id": "abc", "resource_ids": ["abc"]}), "only one of"),
        (json!({"resource_id": "abc", "extra": 1}), "unknown field \"extra\""),
        (json!({"resource_ids": vec!["abc"; 1001]}), "more than 1000"),
    ] {
        let msg = invalid(event.clone());
        assert!(msg.contains(says), "{event}: {msg}");
    }
}

#[test]
fn bytes_that_are_not_json() {
    for bytes in [&b""[..], b"{", b"{\"resource_id\": \"abc\"", b"\xff\xfe", b"nul\0l"] {
        match Trigger::from_slice(bytes) {
            Err(Error::InvalidEvent(msg)) => assert!(msg.contains("not valid JSON"), "{msg}"),
            other => panic!("{bytes:?}: {other:?}"),
        }
    }
}
