//! Resolution, the CloudTrail filter and the decisions on a read state. The AWS calls run against the
//! emulator in tests/emulator.rs.

use remediation_core::{ApiCall, Control, Resolved, ResourceRef, Settings};
use serde_json::json;

use super::*;

const ACCOUNT: &str = "123456789012";
const DETECTOR: &str = "12abc34d567e8fa901bc2d34e56789f0";

fn control(vars: &[(&str, &str)]) -> GuardDutyEnabled {
    GuardDutyEnabled::new(&Settings::from_vars(vars.iter().copied()).unwrap()).unwrap()
}

fn resolve(id: &str, resource_type: Option<&str>, region: Option<&str>) -> Result<Resolved<Region>, String> {
    let r = ResourceRef {
        id: id.into(),
        resource_type: resource_type.map(Into::into),
        account: Some(ACCOUNT.into()),
        region: region.map(Into::into),
        ..Default::default()
    };
    control(&[]).resolve(&r)
}

fn region_target(region: &str, account: Option<&str>) -> Resolved<Region> {
    Resolved::Target { target: Region(region.into()), account: account.map(Into::into), region: Some(region.into()) }
}

#[test]
fn resolves_regions_accounts_detectors_and_its_own_names() {
    assert_eq!(resolve("eu-west-1", None, Some("us-east-1")), Ok(region_target("eu-west-1", None)));
    // Config and Security Hub name the account; the region is the evaluation's or the finding's.
    assert_eq!(
        resolve(ACCOUNT, Some("AWS::::Account"), Some("ap-south-1")),
        Ok(region_target("ap-south-1", Some(ACCOUNT)))
    );
    assert_eq!(
        resolve(&format!("AWS::::Account:{ACCOUNT}"), Some("AwsAccount"), Some("eu-west-1")),
        Ok(region_target("eu-west-1", Some(ACCOUNT)))
    );
    assert_eq!(resolve(ACCOUNT, Some("AWS::::Account"), None), Ok(Resolved::Sweep));
    // CloudTrail's detectorId means the call's region.
    assert_eq!(resolve(DETECTOR, None, Some("eu-central-1")), Ok(region_target("eu-central-1", None)));
    assert_eq!(resolve(DETECTOR, None, None), Ok(Resolved::Sweep));
    // A detector ARN, and the report's own name, round-trip to their region and account.
    let detector_arn = format!("arn:aws:guardduty:ca-central-1:210987654321:detector/{DETECTOR}");
    assert_eq!(
        resolve(&detector_arn, None, Some("us-east-1")),
        Ok(region_target("ca-central-1", Some("210987654321")))
    );
    let name = control(&[]).arn(&Region("eu-north-1".into()), "aws", ACCOUNT, "eu-north-1");
    assert_eq!(name, "arn:aws:guardduty:eu-north-1:123456789012:detector");
    assert_eq!(resolve(&name, None, Some("us-east-1")), Ok(region_target("eu-north-1", Some(ACCOUNT))));
}

#[test]
fn rejects_what_is_not_a_region_an_account_or_a_detector() {
    for (bad, says) in [
        ("narnia", "not a region name"),
        ("12ABC34D567E8FA901BC2D34E56789F0", "not a region name"),
        ("12abc34d567e8fa901bc2d34e56789f", "not a region name"),
        ("us-east-1a", "not a region name"),
        ("arn:aws:guardduty:us-east-1:123456789012:detector/x/filter/y", "is not an arn:<partition>:guardduty"),
        ("arn:aws:guardduty:us-east-1:123456789012:detector/", "is not an arn:<partition>:guardduty"),
        ("arn:aws:guardduty::123456789012:detector", "is not an arn:<partition>:guardduty"),
        ("arn:aws:ec2:us-east-1:123456789012:ebs-encryption-by-default", "is not an arn:<partition>:guardduty"),
    ] {
        let err = resolve(bad, None, Some("us-east-1")).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
    let err = resolve("AWS::::Account:12", Some("AwsAccount"), Some("us-east-1")).unwrap_err();
    assert!(err.contains("does not name an account"), "{err}");
}

#[test]
fn update_detector_counts_only_when_it_disabled() {
    let c = control(&[]);
    let call = |name: &str, params: serde_json::Value| ApiCall {
        event_name: name.into(),
        request_parameters: params,
        ..ApiCall::default()
    };
    assert_eq!(c.ignore_call(&call("DeleteDetector", json!({ "detectorId": DETECTOR }))), None);
    assert_eq!(c.ignore_call(&call("UpdateDetector", json!({ "detectorId": DETECTOR, "enable": false }))), None);
    assert_eq!(c.ignore_call(&call("UpdateDetector", json!({ "detectorId": DETECTOR, "enable": "false" }))), None);
    for params in [
        json!({ "detectorId": DETECTOR, "enable": true }),
        json!({ "detectorId": DETECTOR, "findingPublishingFrequency": "ONE_HOUR" }),
        json!({ "detectorId": DETECTOR, "features": [{ "name": "S3_DATA_EVENTS", "status": "DISABLED" }] }),
        serde_json::Value::Null,
    ] {
        let why = c.ignore_call(&call("UpdateDetector", params.clone())).unwrap_or_else(|| panic!("{params}"));
        assert!(why.contains("did not disable the detector"), "{why}");
    }
}

fn state(id: Option<&str>, status: Option<&str>) -> GuardDutyState {
    GuardDutyState { detector_id: id.map(Into::into), status: status.map(Into::into), ..Default::default() }
}

#[test]
fn compliant_only_with_an_enabled_detector() {
    let c = control(&[]);
    assert!(c.is_compliant(&state(Some(DETECTOR), Some("ENABLED"))));
    assert!(!c.is_compliant(&state(Some(DETECTOR), Some("DISABLED"))));
    assert!(!c.is_compliant(&state(Some(DETECTOR), None)));
    assert!(!c.is_compliant(&GuardDutyState::default()));
}

#[test]
fn no_detector_needs_a_person_only_when_creating_is_off() {
    let none = GuardDutyState::default();
    assert_eq!(control(&[]).needs_action(&none), None);
    assert_eq!(control(&[("GUARDDUTY_CREATE", "true")]).needs_action(&none), None);
    let off = control(&[("GUARDDUTY_CREATE", "false")]);
    let what = off.needs_action(&none).unwrap();
    assert!(what.contains("GUARDDUTY_CREATE is false") && what.contains("starts billing"), "{what}");
    // A suspended detector is re-enabled whatever GUARDDUTY_CREATE says: that creates nothing.
    assert_eq!(off.needs_action(&state(Some(DETECTOR), Some("DISABLED"))), None);
}

#[test]
fn a_malformed_create_setting_stops_the_cold_start() {
    let settings = Settings::from_vars([("GUARDDUTY_CREATE", "sometimes")]).unwrap();
    let err = GuardDutyEnabled::new(&settings).err().expect("InvalidConfig");
    assert_eq!(err.error_type(), "InvalidConfig");
    assert!(err.to_string().contains("GUARDDUTY_CREATE"), "{err}");
}

#[test]
fn the_state_reads_as_guardduty_names_it() {
    let none = serde_json::to_value(GuardDutyState::default()).unwrap();
    assert_eq!(none, json!({ "DetectorId": null, "Status": null }));
    let several = GuardDutyState {
        detector_id: Some(DETECTOR.into()),
        status: Some("ENABLED".into()),
        enabled_features: vec!["S3_DATA_EVENTS".into()],
        other_detector_ids: vec!["0".repeat(32)],
    };
    assert_eq!(
        serde_json::to_value(several).unwrap(),
        json!({
            "DetectorId": DETECTOR, "Status": "ENABLED", "EnabledFeatures": ["S3_DATA_EVENTS"],
            "OtherDetectorIds": ["0".repeat(32)]
        })
    );
}

#[test]
fn detector_ids_are_32_lowercase_hex_digits() {
    assert!(is_detector_id(DETECTOR));
    assert!(!is_detector_id(&DETECTOR.to_uppercase()));
    assert!(!is_detector_id(&DETECTOR[1..]));
    assert!(!is_detector_id("g".repeat(32).as_str()));
}

#[test]
fn the_declaration_names_its_calls_and_setting() {
    let w = &GuardDutyEnabled::WIRING;
    let actions: Vec<&str> = w.permissions.iter().flat_map(|p| p.actions.iter().copied()).collect();
    for action in [
        "guardduty:ListDetectors",
        "guardduty:GetDetector",
        "guardduty:UpdateDetector",
        "guardduty:CreateDetector",
        "guardduty:GetAdministratorAccount",
        "guardduty:ListFindings",
        "guardduty:DeleteDetector",
        "iam:CreateServiceLinkedRole",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let slr = w.permissions.iter().find(|p| p.actions == ["iam:CreateServiceLinkedRole"]).unwrap();
    assert!(slr.resource.ends_with("/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty"));
    let condition: serde_json::Value = serde_json::from_str(slr.condition).unwrap();
    assert_eq!(condition["StringEquals"]["iam:AWSServiceName"], "guardduty.amazonaws.com");
    assert_eq!(w.settings[0].name, "GUARDDUTY_CREATE");
    assert_eq!(w.settings[0].allowed, ["true", "false"]);
    let json: serde_json::Value = serde_json::from_str(&remediation_core::wiring_json::<GuardDutyEnabled>()).unwrap();
    assert_eq!(json["event_names"], json!(["DeleteDetector", "UpdateDetector"]));
    assert_eq!(json["manual_empty_is_sweep"], true);
}

/// Undo reads `before` back from the ledger: every state must survive its own JSON.
#[test]
fn the_state_round_trips_through_its_json() {
    for state in [
        GuardDutyState::default(),
        state(Some(DETECTOR), Some("DISABLED")),
        GuardDutyState {
            detector_id: Some(DETECTOR.into()),
            status: Some("ENABLED".into()),
            enabled_features: vec!["S3_DATA_EVENTS".into(), "RDS_LOGIN_EVENTS".into()],
            other_detector_ids: vec!["0".repeat(32)],
        },
    ] {
        let json = serde_json::to_value(&state).unwrap();
        let back: GuardDutyState = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, state, "{json}");
    }
}

/// Undo resolves the recorded `resource` (the report's name) for every region, in any partition.
#[test]
fn the_report_name_resolves_to_its_region_and_account() {
    let c = control(&[]);
    for (partition, region) in [("aws", "eu-west-1"), ("aws-us-gov", "us-gov-west-1"), ("aws-cn", "cn-north-1")] {
        let name = c.arn(&Region(region.into()), partition, "210987654321", region);
        let r = ResourceRef { id: name.clone(), region: Some(region.into()), ..Default::default() };
        assert_eq!(c.resolve(&r), Ok(region_target(region, Some("210987654321"))), "{name}");
    }
}
