//! Resolution, compliance and what the report says; the calls themselves run against the emulator in
//! tests/emulator.rs.

use super::*;
use aws_sdk_config::types::{ExclusionByResourceTypes, RecordingStrategy, RecordingStrategyType, ResourceType};

const ACCOUNT: &str = "123456789012";

fn resolve(id: &str, resource_type: Option<&str>, region: Option<&str>) -> Result<Resolved<Region>, String> {
    let r = ResourceRef {
        id: id.into(),
        resource_type: resource_type.map(Into::into),
        account: Some(ACCOUNT.into()),
        region: region.map(Into::into),
        ..Default::default()
    };
    ConfigRecorderOn.resolve(&r)
}

fn region_target(region: &str, account: Option<&str>) -> Resolved<Region> {
    Resolved::Target { target: Region(region.into()), account: account.map(Into::into), region: Some(region.into()) }
}

#[test]
fn resolves_regions_accounts_and_recorder_names() {
    assert_eq!(resolve("eu-west-1", None, None), Ok(region_target("eu-west-1", None)));
    // Security Hub's Config.1 names the account; the region is the finding's.
    assert_eq!(
        resolve(&format!("AWS::::Account:{ACCOUNT}"), Some("AwsAccount"), Some("eu-west-1")),
        Ok(region_target("eu-west-1", Some(ACCOUNT)))
    );
    // CloudTrail's Stop/Delete calls name the recorder under a key the core does not read: the account
    // and the call's region.
    assert_eq!(
        resolve(ACCOUNT, Some("AWS::::Account"), Some("ap-south-1")),
        Ok(region_target("ap-south-1", Some(ACCOUNT)))
    );
    assert_eq!(resolve(ACCOUNT, Some("AWS::::Account"), None), Ok(Resolved::Sweep));
    // The report's own name round-trips, and a real recorder ARN names its region.
    let name = ConfigRecorderOn.arn(&Region("eu-north-1".into()), "aws", ACCOUNT, "eu-north-1");
    assert_eq!(name, "arn:aws:config:eu-north-1:123456789012:configuration-recorder");
    assert_eq!(resolve(&name, None, Some("us-east-1")), Ok(region_target("eu-north-1", Some(ACCOUNT))));
    let real = "arn:aws:config:us-west-2:210987654321:configuration-recorder/default/a1b2c3d4e5f6g7h8";
    assert_eq!(resolve(real, None, None), Ok(region_target("us-west-2", Some("210987654321"))));
}

#[test]
fn rejects_what_is_not_a_region_an_account_or_a_recorder() {
    for (bad, says) in [
        ("narnia", "not a region name"),
        ("default", "not a region name"),
        ("us-east-1a", "not a region name"),
        ("arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc", "is not an arn:<partition>:config"),
        ("arn:aws:config:us-east-1:123456789012:configuration-recorderX", "is not an arn:<partition>:config"),
        ("arn:aws:s3:::configuration-recorder", "is not an arn:<partition>:config"),
        ("arn:aws:config::123456789012:configuration-recorder", "is not an arn:<partition>:config"),
    ] {
        let err = resolve(bad, None, Some("us-east-1")).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
    let err = resolve("AWS::::Account:12", Some("AwsAccount"), Some("us-east-1")).unwrap_err();
    assert!(err.contains("does not name an account"), "{err}");
}

fn stopped() -> RecorderState {
    RecorderState {
        recorder: Some("default".into()),
        delivery_channels: Some(vec!["default".into()]),
        ..RecorderState::default()
    }
}

#[test]
fn compliant_only_when_a_recorder_records() {
    let c = ConfigRecorderOn;
    assert!(c.is_compliant(&RecorderState { recording: true, ..stopped() }));
    assert!(!c.is_compliant(&stopped()));
    assert!(!c.is_compliant(&RecorderState::default()));
    // A stopped recorder with a channel is fixed here, not handed to a person.
    assert_eq!(c.needs_action(&stopped()), None);
}

#[test]
fn a_missing_recorder_or_channel_needs_a_person() {
    let c = ConfigRecorderOn;
    let none = c.needs_action(&RecorderState { delivery_channels: Some(vec!["default".into()]), ..Default::default() });
    let none = none.unwrap();
    assert!(none.starts_with("no AWS Config configuration recorder in this region: deploy one"), "{none}");
    assert!(none.contains("does not create one"), "{none}");
    let no_channel = c.needs_action(&RecorderState { delivery_channels: Some(Vec::new()), ..stopped() }).unwrap();
    assert!(no_channel.starts_with("configuration recorder default is stopped and the region has no delivery channel"));
    assert!(no_channel.contains("PutDeliveryChannel"), "{no_channel}");
}

#[test]
fn service_linked_recorders_are_not_this_functions() {
    let named = |name: &str| ConfigurationRecorder::builder().name(name).build();
    assert!(customer_managed(&named("default")));
    assert!(!customer_managed(&named("AWSConfigurationRecorderForCloudWatch")));
    let linked = ConfigurationRecorder::builder().name("x").service_principal("securityhub.amazonaws.com").build();
    assert!(!customer_managed(&linked));
}

#[test]
fn the_report_shows_the_recording_group() {
    let group = RecordingGroup::builder()
        .all_supported(false)
        .include_global_resource_types(false)
        .exclusion_by_resource_types(
            ExclusionByResourceTypes::builder().resource_types(ResourceType::NetworkInterface).build(),
        )
        .recording_strategy(
            RecordingStrategy::builder().use_only(RecordingStrategyType::ExclusionByResourceTypes).build(),
        )
        .build();
    let state = RecorderState { recording_group: Some(Group::from(&group)), ..stopped() };
    assert_eq!(
        serde_json::to_value(&state).unwrap(),
        serde_json::json!({
            "Recorder": "default",
            "Recording": false,
            "RecordingGroup": {
                "UseOnly": "EXCLUSION_BY_RESOURCE_TYPES",
                "AllSupported": false,
                "IncludeGlobalResourceTypes": false,
                "ExcludedResourceTypes": ["AWS::EC2::NetworkInterface"]
            },
            "DeliveryChannels": ["default"]
        })
    );
    assert_eq!(serde_json::to_value(RecorderState::default()).unwrap(), serde_json::json!({ "Recording": false }));
}

/// Undo reads `before` back from the ledger: every state must survive its own JSON.
#[test]
fn the_state_round_trips_through_its_json() {
    let group = RecordingGroup::builder()
        .all_supported(false)
        .include_global_resource_types(true)
        .resource_types(ResourceType::Bucket)
        .exclusion_by_resource_types(
            ExclusionByResourceTypes::builder().resource_types(ResourceType::NetworkInterface).build(),
        )
        .recording_strategy(
            RecordingStrategy::builder().use_only(RecordingStrategyType::InclusionByResourceTypes).build(),
        )
        .build();
    for state in [
        RecorderState::default(),
        stopped(),
        RecorderState {
            recorder: Some("default".into()),
            recorder_arn: Some("arn:aws:config:us-east-1:123456789012:configuration-recorder/default/abc".into()),
            recording: false,
            last_status: Some("Failure".into()),
            last_error: Some("AccessDenied: no".into()),
            recording_group: Some(Group::from(&group)),
            delivery_channels: Some(Vec::new()),
        },
        RecorderState { recording: true, delivery_channels: None, ..stopped() },
    ] {
        let json = serde_json::to_value(&state).unwrap();
        let back: RecorderState = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, state, "{json}");
    }
}

/// Undo resolves the recorded `resource` (the report's name) for every region, in any partition.
#[test]
fn the_report_name_resolves_to_its_region_and_account() {
    for (partition, region) in [("aws", "eu-west-1"), ("aws-us-gov", "us-gov-west-1"), ("aws-cn", "cn-north-1")] {
        let name = ConfigRecorderOn.arn(&Region(region.into()), partition, "210987654321", region);
        let r = ResourceRef { id: name.clone(), region: Some(region.into()), ..Default::default() };
        assert_eq!(ConfigRecorderOn.resolve(&r), Ok(region_target(region, Some("210987654321"))), "{name}");
    }
}

#[test]
fn restored_means_the_same_recorder_settings_whatever_config_last_delivered() {
    let c = ConfigRecorderOn;
    let before = RecorderState { last_status: Some("Success".into()), ..stopped() };
    let after = RecorderState { last_status: Some("PENDING".into()), last_error: Some("x: y".into()), ..stopped() };
    assert!(c.is_restored(&before, &after));
    assert!(!c.is_restored(&before, &RecorderState { recording: true, ..before.clone() }));
    let other_group = RecorderState { recording_group: Some(Group::default()), ..before.clone() };
    assert!(!c.is_restored(&before, &other_group));
}
