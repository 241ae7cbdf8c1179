//! Resolution and the default-key path. The key path runs on the SDK's own mocks (aws-smithy-mocks)
//! because the emulator does not implement GetEbsDefaultKmsKeyId; the encryption switch itself is
//! tested against the emulator in tests/ebs_default_encryption.rs.

use aws_sdk_ec2::operation::disable_ebs_encryption_by_default::DisableEbsEncryptionByDefaultOutput;
use aws_sdk_ec2::operation::enable_ebs_encryption_by_default::EnableEbsEncryptionByDefaultOutput;
use aws_sdk_ec2::operation::get_ebs_default_kms_key_id::GetEbsDefaultKmsKeyIdOutput;
use aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultOutput;
use aws_sdk_ec2::operation::modify_ebs_default_kms_key_id::ModifyEbsDefaultKmsKeyIdOutput;
use aws_sdk_ec2::operation::reset_ebs_default_kms_key_id::ResetEbsDefaultKmsKeyIdOutput;
use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
use aws_sdk_kms::types::KeyMetadata;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
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

// --- The default-key path on aws-smithy-mocks -------------------------------------------------------

/// GetEbsEncryptionByDefault answering `values` in order.
fn encryption(values: &[bool]) -> Rule {
    let mut seq = mock!(aws_sdk_ec2::Client::get_ebs_encryption_by_default).sequence();
    for v in values.iter().copied() {
        seq = seq.output(move || GetEbsEncryptionByDefaultOutput::builder().ebs_encryption_by_default(v).build());
    }
    seq.build()
}

/// GetEbsDefaultKmsKeyId answering `keys` in order.
fn default_key(keys: &[&str]) -> Rule {
    let mut seq = mock!(aws_sdk_ec2::Client::get_ebs_default_kms_key_id).sequence();
    for k in keys.iter().map(|k| k.to_string()) {
        seq = seq.output(move || GetEbsDefaultKmsKeyIdOutput::builder().kms_key_id(k.clone()).build());
    }
    seq.build()
}

fn enable() -> Rule {
    mock!(aws_sdk_ec2::Client::enable_ebs_encryption_by_default)
        .then_output(|| EnableEbsEncryptionByDefaultOutput::builder().ebs_encryption_by_default(true).build())
}

/// ModifyEbsDefaultKmsKeyId, only for the key ARN KMS resolved (an alias or id is never passed on).
fn modify(expected: String) -> Rule {
    mock!(aws_sdk_ec2::Client::modify_ebs_default_kms_key_id)
        .match_requests(move |req| req.kms_key_id() == Some(expected.as_str()))
        .then_compute_output(|req| {
            ModifyEbsDefaultKmsKeyIdOutput::builder().set_kms_key_id(req.kms_key_id().map(str::to_owned)).build()
        })
}

fn key(configured: &'static str, metadata: KeyMetadata) -> Rule {
    mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(move |req| req.key_id() == Some(configured))
        .then_output(move || DescribeKeyOutput::builder().key_metadata(metadata.clone()).build())
}

fn key_metadata(region: &str, state: KeyState, spec: KeySpec, usage: KeyUsageType) -> KeyMetadata {
    KeyMetadata::builder()
        .key_id(KEY_ID)
        .arn(key_arn(region))
        .key_state(state)
        .key_usage(usage)
        .key_spec(spec)
        .build()
        .unwrap()
}

fn usable_key(region: &str) -> KeyMetadata {
    key_metadata(region, KeyState::Enabled, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt)
}

/// DescribeKey as KMS answers for a key or alias that does not exist (the real JSON error body).
fn key_not_found(configured: &'static str) -> Rule {
    let body = format!(
        r#"{{"__type":"NotFoundException","message":"Alias arn:aws:kms:{REGION}:{ACCOUNT}:{configured} is not found."}}"#
    );
    mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(move |req| req.key_id() == Some(configured))
        .sequence()
        .http_status(400, Some(body))
        .repeatedly()
        .build()
}

fn client(ec2: &[&Rule], kms: &[&Rule]) -> Client {
    Client {
        ec2: mock_client!(aws_sdk_ec2, RuleMode::MatchAny, ec2),
        kms: mock_client!(aws_sdk_kms, RuleMode::MatchAny, kms),
    }
}

struct Run {
    before: EbsDefaults,
    fixed: Option<Result<String>>,
    after: Option<EbsDefaults>,
}

/// The engine's steps for one target: read → compliant? → fix → read back.
async fn remediate(control: &EbsDefaultEncryption, client: &Client) -> Run {
    let cx = Cx { client, account: ACCOUNT, region: REGION, now: std::time::SystemTime::now() };
    let target = Region(REGION.into());
    let before = control.read(&cx, &target).await.unwrap().unwrap();
    if control.is_compliant(&before) {
        return Run { before, fixed: None, after: None };
    }
    let fixed = control.fix(&cx, &target, &before).await;
    let after = match fixed {
        Ok(_) => control.read(&cx, &target).await.unwrap(),
        Err(_) => None,
    };
    Run { before, fixed: Some(fixed), after }
}

#[tokio::test]
async fn sets_the_configured_alias_as_default_key_and_reads_it_back() {
    let (get, on) = (encryption(&[false, true]), enable());
    let (current, change) = (default_key(&["alias/aws/ebs", &key_arn(REGION)]), modify(key_arn(REGION)));
    let describe = key(ALIAS, usable_key(REGION));
    let c = control(Some(ALIAS));
    let run = remediate(&c, &client(&[&get, &on, &current, &change], &[&describe])).await;

    assert_eq!(run.before.kms_key_id.as_deref(), Some("alias/aws/ebs"));
    assert_eq!(run.before.wanted_kms_key_id, Some(key_arn(REGION)), "the alias is resolved to the key ARN");
    let done = run.fixed.unwrap().unwrap();
    assert_eq!(
        done,
        format!(
            "turned on EBS encryption by default; made {} the default KMS key (was alias/aws/ebs)",
            key_arn(REGION)
        )
    );
    let after = run.after.unwrap();
    assert_eq!(after.kms_key_id, Some(key_arn(REGION)), "read back with GetEbsDefaultKmsKeyId");
    assert!(after.ebs_encryption_by_default && c.is_compliant(&after));
    assert_eq!((on.num_calls(), change.num_calls(), current.num_calls()), (1, 1, 2));
    let json = serde_json::to_value(&after).unwrap();
    assert_eq!(json["KmsKeyId"], key_arn(REGION));
    assert_eq!(json["EbsEncryptionByDefault"], true);
    assert!(json.get("KmsKeyProblem").is_none());
}

#[tokio::test]
async fn only_the_key_is_changed_when_encryption_is_already_on() {
    let (get, on) = (encryption(&[true, true]), enable());
    let other = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let (current, change) = (default_key(&[other, &key_arn(REGION)]), modify(key_arn(REGION)));
    let describe = key(KEY_ID, usable_key(REGION));
    let run = remediate(&control(Some(KEY_ID)), &client(&[&get, &on, &current, &change], &[&describe])).await;
    assert_eq!(run.fixed.unwrap().unwrap(), format!("made {} the default KMS key (was {other})", key_arn(REGION)));
    assert_eq!(run.after.unwrap().kms_key_id, Some(key_arn(REGION)));
    assert_eq!((on.num_calls(), change.num_calls()), (0, 1));
}

#[tokio::test]
async fn already_the_default_key_means_no_write() {
    let (get, on) = (encryption(&[true]), enable());
    let (current, change) = (default_key(&[&key_arn(REGION)]), modify(key_arn(REGION)));
    let describe = key(ALIAS, usable_key(REGION));
    let run = remediate(&control(Some(ALIAS)), &client(&[&get, &on, &current, &change], &[&describe])).await;
    assert!(run.fixed.is_none(), "compliant: no fix");
    assert_eq!((on.num_calls(), change.num_calls(), describe.num_calls()), (0, 0, 1));
}

#[tokio::test]
async fn a_read_back_with_another_key_stays_noncompliant() {
    // EC2 validates the key asynchronously: a default key that does not stick must not count as fixed.
    let (get, on) = (encryption(&[true, true]), enable());
    let (current, change) = (default_key(&["alias/aws/ebs", "alias/aws/ebs"]), modify(key_arn(REGION)));
    let describe = key(ALIAS, usable_key(REGION));
    let c = control(Some(ALIAS));
    let run = remediate(&c, &client(&[&get, &on, &current, &change], &[&describe])).await;
    assert!(run.fixed.unwrap().is_ok());
    assert!(!c.is_compliant(&run.after.unwrap()), "the engine reports this read-back as failed");
}

#[tokio::test]
async fn a_missing_key_fails_with_the_aws_error_after_turning_encryption_on() {
    let (get, on) = (encryption(&[false]), enable());
    let (current, change) = (default_key(&[]), modify(key_arn(REGION)));
    let describe = key_not_found("alias/missing");
    let c = control(Some("alias/missing"));
    let run = remediate(&c, &client(&[&get, &on, &current, &change], &[&describe])).await;
    let problem = run.before.kms_key_problem.clone().unwrap();
    assert!(problem.contains("kms:DescribeKey on alias/missing failed (NotFoundException)"), "{problem}");
    assert!(problem.contains("is not found"), "AWS's own message is kept: {problem}");
    let err = run.fixed.unwrap().unwrap_err().to_string();
    assert!(err.starts_with("turned on EBS encryption by default, but EBS_DEFAULT_KMS_KEY_ID alias/missing"), "{err}");
    assert!(err.contains("NotFoundException"), "{err}");
    assert_eq!(on.num_calls(), 1, "a bad key does not keep the region unencrypted");
    assert_eq!((current.num_calls(), change.num_calls()), (0, 0), "the default key is neither read nor changed");
    let json = serde_json::to_value(&run.before).unwrap();
    assert_eq!(json["WantedKmsKeyId"], "alias/missing");
    assert!(json["KmsKeyProblem"].as_str().unwrap().contains("NotFoundException"));
}

#[tokio::test]
async fn unusable_keys_fail_without_a_write() {
    let disabled = key_metadata(REGION, KeyState::Disabled, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt);
    let asymmetric = key_metadata(REGION, KeyState::Enabled, KeySpec::Rsa2048, KeyUsageType::SignVerify);
    let elsewhere = usable_key("us-east-1");
    for (metadata, says) in [
        (disabled, "is Disabled, not Enabled"),
        (asymmetric, "RSA_2048 / SIGN_VERIFY: EBS needs a symmetric encryption key"),
        (elsewhere, "is in us-east-1: EBS in eu-west-1 needs a key of eu-west-1"),
    ] {
        let (get, on) = (encryption(&[true]), enable());
        let (current, change) = (default_key(&[]), modify(key_arn(REGION)));
        let describe = key(ALIAS, metadata);
        let c = control(Some(ALIAS));
        let run = remediate(&c, &client(&[&get, &on, &current, &change], &[&describe])).await;
        assert!(!c.is_compliant(&run.before));
        let err = run.fixed.unwrap().unwrap_err().to_string();
        assert!(
            err.starts_with("EBS_DEFAULT_KMS_KEY_ID alias/ebs-default cannot be the default key in eu-west-1"),
            "{err}"
        );
        assert!(err.contains(says), "{err}");
        assert_eq!((on.num_calls(), current.num_calls(), change.num_calls()), (0, 0, 0), "{says}");
    }
}

#[tokio::test]
async fn without_a_configured_key_neither_kms_nor_the_default_key_is_read() {
    let (get, on) = (encryption(&[false, true]), enable());
    let current = default_key(&[]);
    let c = control(None);
    let run = remediate(&c, &client(&[&get, &on, &current], &[])).await;
    assert_eq!(run.fixed.unwrap().unwrap(), "turned on EBS encryption by default");
    let after = run.after.unwrap();
    assert_eq!(after, EbsDefaults { ebs_encryption_by_default: true, ..Default::default() });
    assert_eq!(serde_json::to_value(&after).unwrap(), serde_json::json!({ "EbsEncryptionByDefault": true }));
    assert_eq!(current.num_calls(), 0);
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

fn disable() -> Rule {
    mock!(aws_sdk_ec2::Client::disable_ebs_encryption_by_default)
        .then_output(|| DisableEbsEncryptionByDefaultOutput::builder().ebs_encryption_by_default(false).build())
}

fn reset() -> Rule {
    mock!(aws_sdk_ec2::Client::reset_ebs_default_kms_key_id)
        .then_output(|| ResetEbsDefaultKmsKeyIdOutput::builder().kms_key_id("alias/aws/ebs").build())
}

struct Undo {
    restored: Result<String>,
    after: Option<EbsDefaults>,
}

/// The engine's undo for one target: read (it equals the fix's after) → restore → read back.
async fn undo(control: &EbsDefaultEncryption, client: &Client, before: &EbsDefaults) -> Undo {
    let cx = Cx { client, account: ACCOUNT, region: REGION, now: std::time::SystemTime::now() };
    let target = Region(REGION.into());
    let now = control.read(&cx, &target).await.unwrap().unwrap();
    let restored = control.restore(&cx, &target, before, &now).await;
    let after = match restored {
        Ok(_) => control.read(&cx, &target).await.unwrap(),
        Err(_) => None,
    };
    Undo { restored, after }
}

fn defaults(on: bool, key: Option<&str>) -> EbsDefaults {
    EbsDefaults {
        ebs_encryption_by_default: on,
        kms_key_id: key.map(Into::into),
        wanted_kms_key_id: key.map(|_| key_arn(REGION)),
        kms_key_problem: None,
    }
}

#[tokio::test]
async fn undo_puts_the_aws_managed_key_back_then_turns_encryption_off() {
    let before = defaults(false, Some("alias/aws/ebs"));
    let (get, off, back) = (encryption(&[true, false]), disable(), reset());
    let current = default_key(&[&key_arn(REGION), "alias/aws/ebs"]);
    let change = modify(key_arn(REGION));
    let describe = key(ALIAS, usable_key(REGION));
    let c = control(Some(ALIAS));
    let run = undo(&c, &client(&[&get, &off, &back, &current, &change], &[&describe]), &before).await;
    assert_eq!(
        run.restored.unwrap(),
        "made the AWS managed key (alias/aws/ebs) the default KMS key again; turned EBS encryption by default off again"
    );
    let after = run.after.unwrap();
    assert_eq!(after, before, "read back as recorded");
    assert!(c.is_restored(&before, &after));
    assert_eq!((back.num_calls(), off.num_calls(), change.num_calls()), (1, 1, 0));
}

#[tokio::test]
async fn undo_puts_a_customer_key_back_and_leaves_encryption_on_when_it_was() {
    let old = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let before = defaults(true, Some(old));
    let (get, off, back) = (encryption(&[true, true]), disable(), reset());
    let current = default_key(&[&key_arn(REGION), old]);
    let change = modify(old.to_owned());
    let describe = key(KEY_ID, usable_key(REGION));
    let c = control(Some(KEY_ID));
    let run = undo(&c, &client(&[&get, &off, &back, &current, &change], &[&describe]), &before).await;
    assert_eq!(run.restored.unwrap(), format!("made {old} the default KMS key again"));
    assert!(c.is_restored(&before, &run.after.unwrap()));
    assert_eq!((change.num_calls(), off.num_calls(), back.num_calls()), (1, 0, 0), "only what the fix changed");
}

#[tokio::test]
async fn undo_without_a_configured_key_only_turns_encryption_off() {
    let before = defaults(false, None);
    let (get, off, back) = (encryption(&[true, false]), disable(), reset());
    let current = default_key(&[]);
    let c = control(None);
    let run = undo(&c, &client(&[&get, &off, &back, &current], &[]), &before).await;
    assert_eq!(run.restored.unwrap(), "turned EBS encryption by default off again");
    assert!(c.is_restored(&before, &run.after.unwrap()));
    assert_eq!((off.num_calls(), back.num_calls(), current.num_calls()), (1, 0, 0));
}

#[tokio::test]
async fn undo_refuses_without_a_write_when_no_default_key_was_recorded() {
    let before = EbsDefaults { kms_key_id: None, ..defaults(false, Some("unused")) };
    let (get, off, back) = (encryption(&[true]), disable(), reset());
    let current = default_key(&[&key_arn(REGION)]);
    let change = modify(key_arn(REGION));
    let describe = key(ALIAS, usable_key(REGION));
    let run =
        undo(&control(Some(ALIAS)), &client(&[&get, &off, &back, &current, &change], &[&describe]), &before).await;
    let Err(Error::NeedsAction(what)) = run.restored else { panic!("{:?}", run.restored) };
    assert!(what.contains("named no default KMS key") && what.contains("reset-ebs-default-kms-key-id"), "{what}");
    assert!(what.contains("disable-ebs-encryption-by-default --region eu-west-1"), "{what}");
    assert_eq!((off.num_calls(), back.num_calls(), change.num_calls()), (0, 0, 0), "nothing written");
}
