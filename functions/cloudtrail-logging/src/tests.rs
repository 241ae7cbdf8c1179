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

fn trail_state(logging: bool, validation: bool) -> TrailState {
    TrailState {
        name: "management-events".into(),
        trail_arn: ARN.into(),
        home_region: "eu-west-1".into(),
        is_logging: logging,
        log_file_validation_enabled: validation,
        is_multi_region_trail: false,
        is_organization_trail: false,
        managed_by: None,
    }
}

/// Undo reads `before` back from the ledger: each kind of state survives its own JSON, as that kind.
#[test]
fn the_state_round_trips_through_its_json() {
    let mut org = trail_state(false, true);
    org.managed_by = Some("111122223333".into());
    let mut managed = mr("org", false, "All", true);
    managed.managed_by = Some("111122223333".into());
    let mut with_single = acct(vec![mr("a", true, "WriteOnly", false), managed], false);
    if let State::Account(a) = &mut with_single {
        a.single_region_trails = vec!["regional".into()];
    }
    for state in [
        State::Trail(trail_state(false, false)),
        State::Trail(org),
        acct(vec![], false),
        acct(vec![mr("a", false, "All", true)], false),
        with_single,
    ] {
        let json = serde_json::to_value(&state).unwrap();
        let back: State = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, state, "{json}");
    }
    // Whether a trail may be created is a setting, not AWS's state: not in the JSON, not read back.
    let settable = acct(vec![], true);
    let back: State = serde_json::from_value(serde_json::to_value(&settable).unwrap()).unwrap();
    assert_eq!(back, acct(vec![], false));
}

/// Undo resolves the recorded `resource` (the report's name) to the same target, in its home Region.
#[test]
fn the_report_names_resolve_back_to_their_targets() {
    let c = control(&[]);
    let found = TrailInfo {
        name: "management-events".into(),
        arn: ARN.into(),
        home_region: "eu-west-1".into(),
        multi_region: true,
        include_global_service_events: true,
        log_file_validation_enabled: false,
    };
    let located = Target::Trail(Trail { name: ARN.into(), found: Some(found) });
    let gov = "arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:trail/gov-trail";
    for (target, partition, region) in [
        (located, "aws", "eu-west-1"),
        (Target::Trail(Trail::named(gov)), "aws-us-gov", "us-gov-west-1"),
        (Target::Trail(Trail::named("cn-trail")), "aws-cn", "cn-north-1"),
    ] {
        let name = c.arn(&target, partition, ACCOUNT, region);
        let r = ResourceRef { id: name.clone(), account: Some(ACCOUNT.into()), ..Default::default() };
        let Ok(Resolved::Target { target: Target::Trail(t), account, region: home }) = c.resolve(&r) else {
            panic!("{name}: {:?}", c.resolve(&r));
        };
        assert_eq!((t.name, account, home), (name.clone(), Some(ACCOUNT.into()), Some(region.into())), "{name}");
    }
    let name = c.arn(&Target::Account(ACCOUNT.into()), "aws", ACCOUNT, "us-east-1");
    let r =
        ResourceRef { id: name, account: Some(ACCOUNT.into()), region: Some("us-east-1".into()), ..Default::default() };
    assert_eq!(c.resolve(&r), Ok(account(ACCOUNT)));
}

fn steps(before: State, now: State) -> Result<Vec<UndoStep>, String> {
    undo_steps(&before, &now, "us-east-1")
}

#[test]
fn undo_turns_off_only_what_the_fix_turned_on() {
    let off = |arn: &str, region: &str| UndoStep::ValidationOff { arn: arn.into(), home_region: region.into() };
    let stop = |arn: &str, region: &str| UndoStep::StopLogging { arn: arn.into(), home_region: region.into() };
    // A trail: validation off first, then logging stopped.
    let t = |l, v| State::Trail(trail_state(l, v));
    assert_eq!(steps(t(false, false), t(true, true)), Ok(vec![off(ARN, "eu-west-1"), stop(ARN, "eu-west-1")]));
    assert_eq!(steps(t(false, true), t(true, true)), Ok(vec![stop(ARN, "eu-west-1")]));
    assert_eq!(steps(t(true, false), t(true, true)), Ok(vec![off(ARN, "eu-west-1")]));
    // Anything else changed: refused.
    let mut multi = trail_state(true, true);
    multi.is_multi_region_trail = true;
    let why = steps(t(false, false), State::Trail(multi)).unwrap_err();
    assert!(why.contains("more than logging and log file validation"), "{why}");
    assert!(steps(t(true, true), t(false, true)).unwrap_err().contains("less turned on now"));
    assert!(steps(t(false, false), acct(vec![], false)).unwrap_err().contains("not of the same target"));

    // The account: the stopped trail started by the fix is stopped again, in its home Region.
    let arn = format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/a");
    let mut validated = mr("a", true, "All", true);
    validated.log_file_validation_enabled = true;
    assert_eq!(
        steps(acct(vec![mr("a", false, "All", true)], false), acct(vec![validated], false)),
        Ok(vec![off(&arn, "us-east-1"), stop(&arn, "us-east-1")])
    );
    let why = steps(acct(vec![mr("a", false, "All", true)], false), acct(vec![mr("a", true, "ReadOnly", true)], false));
    assert!(why.unwrap_err().contains("more than logging"));
    let why = steps(acct(vec![mr("a", false, "All", true)], false), acct(vec![], false)).unwrap_err();
    assert!(why.contains("is gone, and undo does not recreate trails"), "{why}");
}

#[test]
fn undo_deletes_only_the_trail_the_fix_creates() {
    let created = mr(NEW_TRAIL_NAME, true, "All", true);
    let data_only = mr("data", true, "None", true);
    assert_eq!(
        steps(acct(vec![data_only.clone()], false), acct(vec![data_only.clone(), created.clone()], false)),
        Ok(vec![UndoStep::DeleteTrail {
            name: NEW_TRAIL_NAME.into(),
            arn: created.trail_arn.clone(),
            home_region: "us-east-1".into()
        }])
    );
    // Another new trail, the same name in another Region, an organization trail: not the fix's.
    let mut elsewhere = created.clone();
    elsewhere.home_region = "eu-west-1".into();
    elsewhere.trail_arn = elsewhere.trail_arn.replace("us-east-1", "eu-west-1");
    let mut org = created.clone();
    org.managed_by = Some("111122223333".into());
    for other in [mr("someone-elses", true, "All", true), elsewhere, org] {
        let why = steps(acct(vec![], false), acct(vec![other.clone()], false)).unwrap_err();
        assert!(why.contains("is not the trail the fix creates"), "{other:?}: {why}");
    }
    // A single-Region trail added since: the read-back could never equal the recorded before.
    let State::Account(mut now) = acct(vec![created], false) else { unreachable!() };
    now.single_region_trails = vec!["new-regional".into()];
    let why = steps(acct(vec![], false), State::Account(now)).unwrap_err();
    assert!(why.contains("single-Region trails differ"), "{why}");
}

#[test]
fn default_selectors_are_none_or_all_management_events() {
    assert!(default_selectors(&[], &[]));
    assert!(default_selectors(&[basic(ReadWriteType::All, true)], &[]));
    assert!(!default_selectors(&[basic(ReadWriteType::WriteOnly, true)], &[]));
    assert!(!default_selectors(&[basic(ReadWriteType::All, true), basic(ReadWriteType::All, false)], &[]));
    let excluding = EventSelector::builder()
        .read_write_type(ReadWriteType::All)
        .include_management_events(true)
        .exclude_management_event_sources("kms.amazonaws.com")
        .build();
    assert!(!default_selectors(&[excluding], &[]));
    assert!(!default_selectors(&[], &[advanced(&[("eventCategory", "Management")])]));
}
