//! Resolution, `ignore_call`, compliance and the state's JSON: decisions that need no AWS. Everything
//! that calls EC2 or KMS (the encryption switch, the default-key path, undo) is tested against the
//! emulator in tests/ebs_default_encryption.rs.

use remediation_core::ApiCall;

use super::*;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";
const KEY_ID: &str = "0ea3fef3-80a7-4778-9d8c-1c0c6e0a4b21";
const ALIAS: &str = "alias/ebs-default";

fn key_arn(region: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{KEY_ID}")
}

fn control(key: Option<&str>) -> EbsDefaultEncryption {
    let vars: Vec<(&str, &str)> = key.map(|k| ("EBS_DEFAULT_KMS_KEY_ID", k)).into_iter().collect();
    EbsDefaultEncryption::new(&Settings::from_vars(vars).unwrap()).unwrap()
}

fn resolve(id: &str, resource_type: Option<&str>, region: Option<&str>) -> Result<Resolved<Region>, String> {
    let r = ResourceRef {
        id: id.into(),
        resource_type: resource_type.map(Into::into),
        account: Some(ACCOUNT.into()),
        region: region.map(Into::into),
        ..Default::default()
    };
    control(None).resolve(&r)
}

fn region_target(region: &str, account: Option<&str>) -> Resolved<Region> {
    Resolved::Target { target: Region(region.into()), account: account.map(Into::into), region: Some(region.into()) }
}

#[test]
fn resolves_regions_accounts_and_its_own_names() {
    assert_eq!(resolve("eu-west-1", None, None), Ok(region_target("eu-west-1", None)));
    assert_eq!(resolve("us-gov-west-1", None, Some("us-east-1")), Ok(region_target("us-gov-west-1", None)));
    // Config names the account; the region is the evaluation's.
    assert_eq!(
        resolve(ACCOUNT, Some("AWS::::Account"), Some("ap-south-1")),
        Ok(region_target("ap-south-1", Some(ACCOUNT)))
    );
    // Security Hub EC2.7 and a manual account id.
    assert_eq!(
        resolve(&format!("AWS::::Account:{ACCOUNT}"), Some("AwsAccount"), Some("eu-west-1")),
        Ok(region_target("eu-west-1", Some(ACCOUNT)))
    );
    assert_eq!(resolve("210987654321", None, Some("us-east-2")), Ok(region_target("us-east-2", Some("210987654321"))));
    // Without a region on the resource, the engine's sweep of the event's region is that one region.
    assert_eq!(resolve(ACCOUNT, Some("AWS::::Account"), None), Ok(Resolved::Sweep));
    // The report's own name round-trips.
    let name = control(None).arn(&Region("eu-north-1".into()), "aws", ACCOUNT, "eu-north-1");
    assert_eq!(name, "arn:aws:ec2:eu-north-1:123456789012:ebs-encryption-by-default");
    assert_eq!(resolve(&name, None, Some("us-east-1")), Ok(region_target("eu-north-1", Some(ACCOUNT))));
}

#[test]
fn rejects_what_is_not_a_region_or_an_account() {
    for (bad, says) in [
        ("narnia", "not a region name"),
        ("snap-0123456789abcdef0", "not a region name"),
        ("us-east-1a", "not a region name"),
        ("arn:aws:ec2:us-east-1:123456789012:volume/vol-1", "is not an arn:<partition>:ec2"),
        ("arn:aws:kms:us-east-1:123456789012:key/x", "is not an arn:<partition>:ec2"),
        ("arn:aws:ec2::123456789012:ebs-encryption-by-default", "is not an arn:<partition>:ec2"),
    ] {
        let err = resolve(bad, None, Some(REGION)).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
    let err = resolve("AWS::::Account:12", Some("AwsAccount"), Some(REGION)).unwrap_err();
    assert!(err.contains("does not name an account"), "{err}");
}

#[test]
fn key_calls_count_only_with_a_configured_key() {
    let call = |name: &str| ApiCall { event_name: name.into(), ..ApiCall::default() };
    let plain = control(None);
    assert_eq!(plain.ignore_call(&call("DisableEbsEncryptionByDefault")), None);
    for name in ["ResetEbsDefaultKmsKeyId", "ModifyEbsDefaultKmsKeyId"] {
        let why = plain.ignore_call(&call(name)).unwrap();
        assert!(why.contains("EBS_DEFAULT_KMS_KEY_ID is not set"), "{why}");
        assert_eq!(control(Some(ALIAS)).ignore_call(&call(name)), None);
    }
}

#[test]
fn compliant_only_when_on_and_with_the_configured_key() {
    let on = EbsDefaults { ebs_encryption_by_default: true, ..Default::default() };
    assert!(control(None).is_compliant(&on));
    assert!(!control(None).is_compliant(&EbsDefaults::default()));
    let with_key = |current: &str| EbsDefaults {
        ebs_encryption_by_default: true,
        kms_key_id: Some(current.into()),
        wanted_kms_key_id: Some(key_arn(REGION)),
        kms_key_problem: None,
    };
    let c = control(Some(ALIAS));
    assert!(c.is_compliant(&with_key(&key_arn(REGION))));
    assert!(c.is_compliant(&with_key(KEY_ID)), "EC2 may answer with the bare key id");
    assert!(!c.is_compliant(&with_key("alias/aws/ebs")));
    assert!(!c.is_compliant(&EbsDefaults { ebs_encryption_by_default: false, ..with_key(&key_arn(REGION)) }));
    assert!(!c.is_compliant(&EbsDefaults { kms_key_problem: Some("gone".into()), ..with_key(&key_arn(REGION)) }));
    // Configuring the AWS managed key by alias matches EC2's own answer for it.
    assert!(control(Some("alias/aws/ebs"))
        .is_compliant(&EbsDefaults { wanted_kms_key_id: Some(key_arn(REGION)), ..with_key("alias/aws/ebs") }));
}

// --- Undo ---------------------------------------------------------------------------------------------

#[test]
fn a_state_round_trips_through_its_json() {
    for state in [
        EbsDefaults::default(),
        EbsDefaults {
            ebs_encryption_by_default: true,
            kms_key_id: Some("alias/aws/ebs".into()),
            wanted_kms_key_id: Some(key_arn(REGION)),
            kms_key_problem: None,
        },
        EbsDefaults {
            ebs_encryption_by_default: false,
            kms_key_id: None,
            wanted_kms_key_id: Some(ALIAS.into()),
            kms_key_problem: Some("KMS key is Disabled, not Enabled".into()),
        },
    ] {
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(serde_json::from_value::<EbsDefaults>(json).unwrap(), state);
    }
}

/// Undo resolves the report's `resource` (what `arn` gave) with the recorded account and region.
#[test]
fn the_reported_name_resolves_to_the_same_region_in_every_partition() {
    for (partition, region) in [("aws", "eu-west-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")] {
        let name = control(None).arn(&Region(region.into()), partition, ACCOUNT, region);
        let r = ResourceRef {
            id: name.clone(),
            account: Some(ACCOUNT.into()),
            region: Some(region.into()),
            ..Default::default()
        };
        assert_eq!(control(None).resolve(&r), Ok(region_target(region, Some(ACCOUNT))), "{name}");
    }
}
