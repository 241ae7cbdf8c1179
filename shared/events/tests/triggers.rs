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
    assert!(invalid(no_resources).contains("detail.findings[0].Resources is missing"));
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

#[test]
fn a_null_where_a_value_is_expected_is_rejected() {
    // A script whose variable was unset sends null: it must not act on a default (for the region-wide
    // controls, {"resource_id": null} read as {} would mean "every target region").
    for (event, says) in [
        (json!({"resource_id": null}), "resource_id must be a string, got null"),
        (json!({"resource_ids": null}), "resource_ids must be an array, got null"),
        (json!({"resource_ids": ["abc", null]}), "resource_ids[1] must be a string, got null"),
        (json!({"sweep": null}), "sweep must be true or false, got null"),
        (json!({"resource_id": "abc", "region": null}), "region must be a string, got null"),
        (json!({"resource_id": "abc", "account_id": null}), "account_id must be a string, got null"),
        (json!({"resource_id": "abc", "dry_run": null}), "dry_run must be true or false, got null"),
    ] {
        let msg = invalid(event.clone());
        assert_eq!(msg, says, "{event}");
    }
    // Absent is not null: {} stays "no resource named" (region-wide controls: the target regions).
    let t = Trigger::parse(&json!({})).unwrap();
    assert!(t.resources.is_empty() && !t.sweep && !t.dry_run && t.region.is_none());
}

#[test]
fn errors_name_the_path_of_the_field() {
    let config = || sample("s3-block-public-access/config-noncompliant.json");
    let trail = || sample("s3-block-public-access/cloudtrail.json");
    let finding = || sample("s3-block-public-access/securityhub.json");
    let mut no_compliance = config();
    no_compliance["detail"]["newEvaluationResult"].as_object_mut().unwrap().remove("complianceType");
    let mut compliance_number = config();
    compliance_number["detail"]["newEvaluationResult"]["complianceType"] = json!(3);
    let mut qualifier_id = config();
    qualifier_id["detail"].as_object_mut().unwrap().remove("resourceId");
    *qualifier_id
        .pointer_mut("/detail/newEvaluationResult/evaluationResultIdentifier/evaluationResultQualifier/resourceId")
        .unwrap() = json!("");
    let mut event_name = trail();
    event_name["detail"]["eventName"] = json!({"name": "PutBucketPolicy"});
    let mut key_id = trail();
    key_id["detail"]["requestParameters"] = json!({"keyId": 42});
    let mut resource_id = finding();
    resource_id["detail"]["findings"][0]["Resources"][0]["Id"] = json!("arn:aws:s3:::a b");
    let mut resource_region = finding();
    resource_region["detail"]["findings"][0]["Resources"][0]["Region"] = json!("moon-1");
    let mut envelope_time = finding();
    envelope_time["time"] = json!(17);
    for (event, says) in [
        (no_compliance, "Config event: detail.newEvaluationResult.complianceType is missing"),
        (compliance_number, "Config event: detail.newEvaluationResult.complianceType must be a string, got integer 3"),
        (
            qualifier_id,
            "Config event: detail.newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier.resourceId \
             is empty",
        ),
        (event_name, "CloudTrail event: detail.eventName must be a string, got an object"),
        (key_id, "CloudTrail event: detail.requestParameters.keyId must be a string, got integer 42"),
        (
            resource_id,
            "Security Hub event: detail.findings[0].Resources[0].Id \"arn:aws:s3:::a b\" contains whitespace or \
             control characters",
        ),
        (resource_region, "Security Hub event: detail.findings[0].Resources[0].Region \"moon-1\" is not a region name"),
        (envelope_time, "Security Hub event: time must be an RFC 3339 formatted date and time string, got integer 17"),
        (
            json!({"detail-type": "Scheduled Event", "source": "aws.events", "region": "moon-1"}),
            "Scheduled Event: region \"moon-1\" is not a region name",
        ),
        (json!({"resource_id": "abc", "regions": ["eu-west-1"]}), "unknown field \"regions\" in the manual payload"),
    ] {
        let msg = invalid(event.clone());
        assert!(msg.starts_with(says), "{msg}");
    }
    // The path stays short when a key is huge: only known fields are named.
    let msg = invalid(json!({ "x".repeat(10_000): 1 }));
    assert!(msg.len() < 300, "{} characters", msg.len());
}

#[test]
fn real_cloudtrail_identities() {
    // An IAM user signed in to the console: sessionContext with an empty sessionIssuer.
    let mut console = sample("s3-block-public-access/cloudtrail.json");
    console["detail"]["userIdentity"] = json!({
        "type": "IAMUser",
        "principalId": "AIDAZ3EXAMPLEALICE7Q2",
        "arn": "arn:aws:iam::123456789012:user/alice",
        "accountId": "123456789012",
        "accessKeyId": "ASIAZ3EXAMPLEAL4K8RT",
        "userName": "alice",
        "sessionContext": {
            "sessionIssuer": {},
            "webIdFederationData": {},
            "attributes": {"creationDate": "2026-03-04T08:51:03Z", "mfaAuthenticated": "true"}
        }
    });
    let call = Trigger::parse(&console).unwrap().call.unwrap();
    assert_eq!(call.principal.as_deref(), Some("arn:aws:iam::123456789012:user/alice"));
    assert_eq!((call.role_arn, call.session_name), (None, None));

    // A web identity (GitHub Actions OIDC): webIdFederationData.attributes is an object.
    let mut web = sample("s3-block-public-access/cloudtrail.json");
    web["detail"]["userIdentity"] = json!({
        "type": "AssumedRole",
        "principalId": "AROAZ3EXAMPLEDEPLOY7Q:GitHubActions",
        "arn": "arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions",
        "accountId": "123456789012",
        "accessKeyId": "ASIAZ3EXAMPLEGH4K8RT",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAZ3EXAMPLEDEPLOY7Q",
                "arn": "arn:aws:iam::123456789012:role/deploy",
                "accountId": "123456789012",
                "userName": "deploy"
            },
            "webIdFederationData": {
                "federatedProvider": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
                "attributes": {"aud": "sts.amazonaws.com", "sub": "repo:example/infra:ref:refs/heads/main"}
            },
            "attributes": {"creationDate": "2026-03-04T08:51:03Z", "mfaAuthenticated": "false"}
        }
    });
    let call = Trigger::parse(&web).unwrap().call.unwrap();
    assert_eq!(call.role_arn.as_deref(), Some("arn:aws:iam::123456789012:role/deploy"));
    assert_eq!(call.session_name.as_deref(), Some("GitHubActions"));

    // An AWS service: no type, no ARN, invokedBy.
    let mut service = sample("s3-block-public-access/cloudtrail.json");
    service["detail"]["userIdentity"] = json!({"invokedBy": "cloudformation.amazonaws.com"});
    let call = Trigger::parse(&service).unwrap().call.unwrap();
    assert_eq!((call.principal, call.role_arn, call.session_name), (None, None, None));
}

#[test]
fn aws_shapes_tolerate_new_fields_and_nulls() {
    let mut trail = sample("s3-block-public-access/cloudtrail.json");
    trail["detail"]["someFieldAwsAddsLater"] = json!({"nested": [1, 2, 3]});
    trail["detail"]["userIdentity"]["identityStoreArn"] =
        json!("arn:aws:identitystore::123456789012:identitystore/d-1");
    trail["detail"]["responseElements"] = Value::Null;
    trail["detail"]["eventSource"] = Value::Null;
    trail["newEnvelopeField"] = json!(true);
    let t = Trigger::parse(&trail).unwrap();
    assert_eq!(t.resources[0].id, "example-public-bucket");
    assert_eq!(t.call.unwrap().event_source, "");

    let mut finding = sample("s3-block-public-access/securityhub.json");
    finding["detail"]["findings"][0]["SomeNewAsffField"] = json!({"a": 1});
    finding["detail"]["findings"][0]["Resources"][0]["Details"] = json!({"AwsS3Bucket": {"Owner": "x"}});
    assert_eq!(Trigger::parse(&finding).unwrap().resources.len(), 1);

    let mut config = sample("s3-block-public-access/config-noncompliant.json");
    config["detail"]["awsRegion"] = Value::Null;
    config["detail"]["evaluationMode"] = json!("DETECTIVE");
    // The envelope's region stands in for a null one in the detail.
    assert_eq!(Trigger::parse(&config).unwrap().region.as_deref(), Some("us-east-1"));

    // A failed call is ignored before its parameters are read.
    let mut failed = sample("s3-block-public-access/cloudtrail.json");
    failed["detail"]["errorCode"] = json!("AccessDenied");
    failed["detail"]["requestParameters"]["bucketName"] = json!(42);
    assert!(Trigger::parse(&failed).unwrap().ignored.unwrap().contains("AccessDenied"));

    // A Scheduled Event needs no detail.
    let bare = json!({"detail-type": "Scheduled Event", "source": "aws.events", "region": "eu-west-1"});
    assert_eq!(Trigger::parse(&bare).unwrap().region.as_deref(), Some("eu-west-1"));
}

fn sqs_record(id: &str, body: &str) -> Value {
    json!({"messageId": id, "receiptHandle": "AQEB...", "body": body, "attributes": {"ApproximateReceiveCount": "1"},
           "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
           "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:sweeps", "awsRegion": "us-east-1"})
}

#[test]
fn organization_sweeps_fan_out() {
    use remediation_events::trigger::Accounts;
    let t = Trigger::parse(&json!({"sweep": true, "accounts": "organization"})).unwrap();
    assert_eq!((t.kind, t.sweep, t.accounts), (Kind::Manual, true, Some(Accounts::Organization)));
    let t = Trigger::parse(&json!({"sweep": true, "accounts": ["111122223333", "444455556666", "111122223333"],
                                   "region": "eu-west-1", "dry_run": true}))
    .unwrap();
    assert_eq!(t.accounts, Some(Accounts::List(vec!["111122223333".into(), "444455556666".into()])));
    assert_eq!((t.region.as_deref(), t.dry_run), (Some("eu-west-1"), true));
    for (event, says) in [
        (json!({"accounts": "organization"}), "accounts fans out a sweep"),
        (json!({"sweep": true, "accounts": "org"}), "accounts must be \"organization\" or an array"),
        (json!({"sweep": true, "accounts": []}), "accounts is empty"),
        (json!({"sweep": true, "accounts": ["1234"]}), "\"1234\" is not"),
        (json!({"sweep": true, "accounts": [111122223333u64]}), "111122223333 is not"),
        (json!({"sweep": true, "accounts": null}), "accounts"),
        (json!({"sweep": true, "accounts": "organization", "account_id": "111122223333"}), "only one of account_id"),
        (json!({"resource_id": "x", "accounts": "organization"}), "accounts fans out a sweep"),
    ] {
        let msg = invalid(event.clone());
        assert!(msg.contains(says), "{event}: {msg}");
    }
}

#[test]
fn sqs_batches_are_per_message_sweeps() {
    use remediation_events::trigger::SweepOrder;
    let good = r#"{"control": "ebs-default-encryption", "account_id": "111122223333", "region": "eu-west-1", "sweep_id": "s1"}"#;
    let event = json!({"Records": [
        sqs_record("m1", good),
        sqs_record("m2", "not json"),
        sqs_record("m3", r#"{"control": "ebs-default-encryption", "account_id": "1", "region": "eu-west-1"}"#),
        sqs_record("m4", r#"{"control": "ebs-default-encryption", "account_id": "111122223333", "region": "eu-west-1", "extra": 1}"#),
        sqs_record("m5", r#"{"control": "ebs-default-encryption", "account_id": "111122223333", "region": null}"#),
        sqs_record("m6", "[1]"),
    ]});
    let t = Trigger::parse(&event).unwrap();
    assert_eq!((t.kind, t.sweep), (Kind::Sqs, true));
    let ids: Vec<_> = t.messages.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "m3", "m4", "m5", "m6"]);
    assert_eq!(
        t.messages[0].order,
        Ok(SweepOrder {
            control: "ebs-default-encryption".into(),
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            dry_run: false,
            sweep_id: Some("s1".into()),
        })
    );
    // The coordinator's JSON reads back as the same order.
    let order = t.messages[0].order.clone().unwrap();
    assert_eq!(SweepOrder::parse(&serde_json::to_string(&order).unwrap()), Ok(order));
    let errors: Vec<String> = t.messages[1..].iter().map(|m| m.order.clone().unwrap_err()).collect();
    for (err, says) in errors.iter().zip([
        "not valid JSON",
        "account_id \"1\" is not a 12-digit account id",
        "unknown field \"extra\" in the sweep message body",
        "region must be a string, got null",
        "must be a JSON object",
    ]) {
        assert!(err.contains(says), "{err} should say {says}");
    }
    // The envelope itself must be SQS's, with message ids: otherwise nothing can be reported per message.
    for (event, says) in [
        (json!({"Records": []}), "Records is empty"),
        (json!({"Records": "x"}), "Records must be an array"),
        (json!({"Records": [{"eventSource": "aws:s3", "messageId": "m"}]}), "eventSource must be \"aws:sqs\""),
        (json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}), "Records[0].messageId is missing"),
    ] {
        let msg = invalid(event.clone());
        assert!(msg.starts_with("SQS event: ") && msg.contains(says), "{event}: {msg}");
    }
}

#[test]
fn a_kind_names_itself_as_serde_does() {
    for kind in [Kind::Config, Kind::Cloudtrail, Kind::Securityhub, Kind::Schedule, Kind::Manual, Kind::Sqs] {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
}
