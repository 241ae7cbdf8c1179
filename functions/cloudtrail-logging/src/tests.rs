//! Resolution, the compliance rules and what needs a person; the AWS paths are in tests/emulator.rs.

use aws_sdk_cloudtrail::types::{AdvancedFieldSelector, EventSelector};
use serde_json::json;

use super::*;

const ACCOUNT: &str = "123456789012";
const ARN: &str = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events";

fn control(vars: &[(&str, &str)]) -> CloudtrailLogging {
    CloudtrailLogging::new(&Settings::from_vars(vars.iter().copied()).unwrap()).unwrap()
}

fn resolve(id: &str, resource_type: Option<&str>) -> Result<Resolved<Target>, String> {
    let r = ResourceRef {
        id: id.into(),
        resource_type: resource_type.map(Into::into),
        account: Some(ACCOUNT.into()),
        region: Some("us-east-1".into()),
        ..Default::default()
    };
    control(&[]).resolve(&r)
}

fn trail(name: &str) -> Resolved<Target> {
    Resolved::target(Target::Trail(Trail::named(name)))
}

fn account(id: &str) -> Resolved<Target> {
    Resolved::Target { target: Target::Account(id.into()), account: Some(id.into()), region: None }
}

#[test]
fn resolves_trails_and_accounts() {
    assert_eq!(resolve("management-events", None), Ok(trail("management-events")));
    assert_eq!(resolve("org.trail_1", Some("AWS::CloudTrail::Trail")), Ok(trail("org.trail_1")));
    // Security Hub CloudTrail.4 names the trail by ARN: its Region is the home Region.
    assert_eq!(
        resolve(ARN, Some("AwsCloudTrailTrail")),
        Ok(Resolved::Target {
            target: Target::Trail(Trail::named(ARN)),
            account: Some(ACCOUNT.into()),
            region: Some("eu-west-1".into())
        })
    );
    assert_eq!(resolve(ACCOUNT, Some("AWS::::Account")), Ok(account(ACCOUNT)));
    assert_eq!(resolve(&format!("AWS::::Account:{ACCOUNT}"), Some("AwsAccount")), Ok(account(ACCOUNT)));
    assert_eq!(resolve("210987654321", None), Ok(account("210987654321")));
    // A trail may be named with digits only: the resource type says it is a trail.
    assert_eq!(resolve("210987654321", Some("AWS::CloudTrail::Trail")), Ok(trail("210987654321")));
}

#[test]
fn rejects_what_is_not_a_trail() {
    for bad in [
        "ab",
        "-starts-with-dash",
        "ends-with-dot.",
        "has space",
        "has/slash",
        &"a".repeat(129),
        "arn:aws:s3:::bucket",
        "arn:aws:cloudtrail:eu-west-1:123456789012:eventdatastore/x",
        "arn:aws:cloudtrail::123456789012:trail/no-region",
        "arn:aws:cloudtrail:eu-west-1:1234:trail/short-account",
    ] {
        let err = resolve(bad, None).unwrap_err();
        assert!(err.contains("trail"), "{bad}: {err}");
    }
}

#[test]
fn report_names() {
    let c = control(&[]);
    let name = |t: &Target| c.arn(t, "aws", ACCOUNT, "us-east-1");
    assert_eq!(name(&Target::Trail(Trail::named("t1"))), "arn:aws:cloudtrail:us-east-1:123456789012:trail/t1");
    assert_eq!(name(&Target::Trail(Trail::named(ARN))), ARN);
    assert_eq!(name(&Target::Account(ACCOUNT.into())), "AWS::::Account:123456789012");
    assert_eq!(Target::Account(ACCOUNT.into()).to_string(), ACCOUNT);
}

#[test]
fn settings() {
    assert!(control(&[]).bucket.is_none());
    assert_eq!(control(&[("CLOUDTRAIL_BUCKET", "org-trail-logs")]).bucket.as_deref(), Some("org-trail-logs"));
    for bad in ["Upper", "a", "bucket/prefix", "-x-"] {
        let err = CloudtrailLogging::new(&Settings::from_vars([("CLOUDTRAIL_BUCKET", bad)]).unwrap()).err().unwrap();
        assert_eq!(err.error_type(), "InvalidConfig", "{bad}");
    }
    // The account is judged in one Region: the function's, if swept; else the first target Region.
    let region = |vars: &[(&str, &str)]| control(vars).account_region;
    assert_eq!(region(&[]), None);
    assert_eq!(region(&[("AWS_REGION", "eu-west-1")]).as_deref(), Some("eu-west-1"));
    assert_eq!(region(&[("AWS_REGION", "eu-west-1"), ("TARGET_REGIONS", "all")]).as_deref(), Some("eu-west-1"));
    let listed = [("AWS_REGION", "eu-west-1"), ("TARGET_REGIONS", "us-east-2,eu-west-1")];
    assert_eq!(region(&listed).as_deref(), Some("eu-west-1"));
    let elsewhere = [("AWS_REGION", "eu-west-1"), ("TARGET_REGIONS", "us-east-2,ap-south-1")];
    assert_eq!(region(&elsewhere).as_deref(), Some("us-east-2"));
    assert_eq!(region(&[("TARGET_REGIONS", "ap-south-1")]).as_deref(), Some("ap-south-1"));
}

fn basic(rw: ReadWriteType, management: bool) -> EventSelector {
    EventSelector::builder().read_write_type(rw).include_management_events(management).build()
}

fn advanced(fields: &[(&str, &str)]) -> AdvancedEventSelector {
    let mut b = AdvancedEventSelector::builder();
    for (field, value) in fields {
        b = b.field_selectors(AdvancedFieldSelector::builder().field(*field).equals(*value).build().unwrap());
    }
    b.build().unwrap()
}

#[test]
fn management_event_coverage() {
    assert_eq!(management_events(&[], &[]), (true, true), "no selectors: CloudTrail's default");
    assert_eq!(management_events(&[basic(ReadWriteType::All, true)], &[]), (true, true));
    assert_eq!(management_events(&[basic(ReadWriteType::WriteOnly, true)], &[]), (false, true));
    assert_eq!(management_events(&[basic(ReadWriteType::All, false)], &[]), (false, false), "data events only");
    let both = [basic(ReadWriteType::ReadOnly, true), basic(ReadWriteType::WriteOnly, true)];
    assert_eq!(management_events(&both, &[]), (true, true));
    assert_eq!(management_events(&[], &[advanced(&[("eventCategory", "Management")])]), (true, true));
    let write = advanced(&[("eventCategory", "Management"), ("readOnly", "false")]);
    assert_eq!(management_events(&[], &[write]), (false, true));
    let data = advanced(&[("eventCategory", "Data"), ("resources.type", "AWS::S3::Object")]);
    assert_eq!(management_events(&[], &[data]), (false, false));
}

fn mr(name: &str, logging: bool, events: &str, global: bool) -> MultiRegionTrail {
    MultiRegionTrail {
        name: name.into(),
        trail_arn: format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}"),
        home_region: "us-east-1".into(),
        is_logging: logging,
        include_global_service_events: global,
        management_events: events.into(),
        log_file_validation_enabled: false,
        managed_by: None,
    }
}

fn acct(trails: Vec<MultiRegionTrail>, can_create: bool) -> State {
    State::Account(AccountState { multi_region_trails: trails, single_region_trails: vec![], can_create })
}

#[test]
fn account_compliance_and_what_needs_a_person() {
    let c = control(&[]);
    assert!(c.is_compliant(&acct(vec![mr("a", true, "All", true)], false)));
    for partial in [mr("a", true, "WriteOnly", true), mr("a", true, "All", false), mr("a", false, "All", true)] {
        assert!(!c.is_compliant(&acct(vec![partial], false)));
    }
    // A stopped trail of our own is started; nothing needs a person.
    assert_eq!(c.needs_action(&acct(vec![mr("a", false, "All", true)], false)), None);
    // Missing selectors or global events: a person decides (cost, and what the trail is for).
    let why = c.needs_action(&acct(vec![mr("a", true, "ReadOnly", true)], true)).unwrap();
    assert!(why.contains("only ReadOnly management events") && why.contains("no second trail"), "{why}");
    // No trail recording management events: created with a bucket, otherwise a person deploys one.
    assert_eq!(c.needs_action(&acct(vec![mr("data", true, "None", true)], true)), None);
    let State::Account(mut none) = acct(vec![], false) else { unreachable!() };
    none.single_region_trails = vec!["regional".into()];
    let why = c.needs_action(&State::Account(none)).unwrap();
    assert!(why.contains("CLOUDTRAIL_BUCKET") && why.contains("regional are not made multi-Region"), "{why}");
    // An organization trail is started by its management account.
    let mut org = mr("org", false, "All", true);
    org.managed_by = Some("111122223333".into());
    let why = c.needs_action(&acct(vec![org], true)).unwrap();
    assert!(why.contains("management account 111122223333"), "{why}");
}

#[test]
fn trail_compliance() {
    let c = control(&[]);
    let t = |logging: bool, validation: bool| {
        State::Trail(TrailState {
            name: "t".into(),
            trail_arn: ARN.into(),
            home_region: "eu-west-1".into(),
            is_logging: logging,
            log_file_validation_enabled: validation,
            is_multi_region_trail: false,
            is_organization_trail: false,
            managed_by: None,
        })
    };
    assert!(c.is_compliant(&t(true, true)));
    assert!(!c.is_compliant(&t(false, true)) && !c.is_compliant(&t(true, false)));
    assert_eq!(c.needs_action(&t(false, false)), None);
    let State::Trail(mut org) = t(false, true) else { unreachable!() };
    org.is_organization_trail = true;
    org.managed_by = Some("111122223333".into());
    assert!(c.needs_action(&State::Trail(org.clone())).unwrap().contains("cannot be changed from a member account"));
    assert_eq!(
        serde_json::to_value(State::Trail(org)).unwrap(),
        json!({"Name": "t", "TrailARN": ARN, "HomeRegion": "eu-west-1", "IsLogging": false,
               "LogFileValidationEnabled": true, "IsMultiRegionTrail": false, "IsOrganizationTrail": true,
               "ManagedBy": "111122223333"})
    );
}

fn call(event_name: &str, params: serde_json::Value) -> ApiCall {
    ApiCall {
        event_name: event_name.into(),
        principal: Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/Admin/jane")),
        request_parameters: params,
        ..Default::default()
    }
}

#[test]
fn calls_name_the_trail_and_the_account() {
    let c = control(&[]);
    assert_eq!(c.call_resources(&call("StopLogging", json!({"name": "t1"}))), None);
    assert_eq!(c.call_resources(&call("CreateTrail", json!({"name": "t1"}))), None);
    assert_eq!(c.call_resources(&call("DeleteTrail", json!({"name": "t1"}))), Some(vec![ACCOUNT.to_owned()]));
    let by_arn = call("DeleteTrail", json!({"name": "arn:aws:cloudtrail:eu-west-1:210987654321:trail/t"}));
    assert_eq!(c.call_resources(&by_arn), Some(vec!["210987654321".to_owned()]));
    assert_eq!(c.call_resources(&call("UpdateTrail", json!({"name": "t1", "enableLogFileValidation": false}))), None);
    for param in ["isMultiRegionTrail", "includeGlobalServiceEvents"] {
        assert_eq!(
            c.call_resources(&call("UpdateTrail", json!({"name": "t1", param: false}))),
            Some(vec!["t1".to_owned(), ACCOUNT.to_owned()]),
            "{param}"
        );
    }
    let anonymous = ApiCall { event_name: "DeleteTrail".into(), ..Default::default() };
    assert_eq!(c.call_resources(&anonymous), Some(vec![]), "no account to name: ignored");
}
