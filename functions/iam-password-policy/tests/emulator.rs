//! iam-password-policy against the emulator: every trigger shape, the policy read back with IAM.
//!
//! The policy is one per account and tests run in parallel on one emulator: every test works in an
//! account of its own (`unique_account`). moto resets omitted fields of UpdateAccountPasswordPolicy
//! to AWS's defaults, so a write that left a field out would show here.

use aws_config::SdkConfig;
use aws_sdk_iam::operation::update_account_password_policy::builders::UpdateAccountPasswordPolicyFluentBuilder;
use emulator_harness::*;
use iam_password_policy::IamPasswordPolicy;
use remediation_core::{Error, Outcome, Report, Runtime, TargetResult};
use serde_json::{json, Value};

type Rt = Runtime<IamPasswordPolicy>;

struct Setup {
    proxy: Proxy,
    account: String,
    config: SdkConfig,
    iam: aws_sdk_iam::Client,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let account = unique_account();
    let config = proxy.sdk_config_in(&account, REGION).await;
    let iam = aws_sdk_iam::Client::new(&config);
    Setup { proxy, account, config, iam }
}

/// The policy IAM reports now, as the function's report shows it (`{"Exists": false}` when none).
async fn policy(iam: &aws_sdk_iam::Client) -> Value {
    match iam.get_account_password_policy().send().await {
        Ok(out) => {
            let p = out.password_policy().expect("PasswordPolicy in the answer");
            json!({
                "MinimumPasswordLength": p.minimum_password_length(),
                "RequireUppercaseCharacters": p.require_uppercase_characters(),
                "RequireLowercaseCharacters": p.require_lowercase_characters(),
                "RequireNumbers": p.require_numbers(),
                "RequireSymbols": p.require_symbols(),
                "PasswordReusePrevention": p.password_reuse_prevention(),
                // moto answers 0 where AWS leaves the field out.
                "MaxPasswordAge": p.max_password_age().filter(|n| *n > 0),
                "AllowUsersToChangePassword": p.allow_users_to_change_password(),
                "HardExpiry": p.hard_expiry().unwrap_or(false),
            })
        }
        Err(e) => {
            let code = e.as_service_error().map(|s| s.is_no_such_entity_exception());
            assert_eq!(code, Some(true), "{e:?}");
            json!({ "Exists": false })
        }
    }
}

/// Every field at the defaults' requirements, nothing else.
fn compliant_policy() -> Value {
    json!({
        "MinimumPasswordLength": 14,
        "RequireUppercaseCharacters": true,
        "RequireLowercaseCharacters": true,
        "RequireNumbers": true,
        "RequireSymbols": true,
        "PasswordReusePrevention": 24,
        "MaxPasswordAge": null,
        "AllowUsersToChangePassword": true,
        "HardExpiry": false,
    })
}

impl Setup {
    async fn runtime(&self, vars: &[(&str, &str)]) -> Rt {
        self.proxy.runtime(self.config.clone(), vars).await
    }

    /// Writes a policy (fields left out get IAM's defaults, as in AWS).
    async fn set(
        &self,
        build: impl FnOnce(UpdateAccountPasswordPolicyFluentBuilder) -> UpdateAccountPasswordPolicyFluentBuilder,
    ) {
        build(self.iam.update_account_password_policy()).send().await.unwrap();
    }

    /// What a console user gets from "minimum length 8, users may change their password".
    async fn set_weak(&self) {
        self.set(|b| b.minimum_password_length(8).allow_users_to_change_password(true)).await;
    }

    async fn set_compliant(&self) {
        self.set(|b| {
            b.minimum_password_length(14)
                .require_uppercase_characters(true)
                .require_lowercase_characters(true)
                .require_numbers(true)
                .require_symbols(true)
                .password_reuse_prevention(24)
                .allow_users_to_change_password(true)
        })
        .await;
        assert_eq!(policy(&self.iam).await, compliant_policy());
    }

    async fn policy(&self) -> Value {
        policy(&self.iam).await
    }

    /// An events/ sample naming this test's account.
    fn sample(&self, file: &str) -> Value {
        let text = event(&format!("iam-password-policy/{file}")).to_string();
        serde_json::from_str(&text.replace(ACCOUNT, &self.account)).unwrap()
    }

    fn name(&self) -> String {
        format!("AWS::::Account:{}", self.account)
    }

    fn writes(&self) -> Vec<String> {
        self.proxy.writes().into_iter().map(|r| r.operation).filter(|o| o != "Publish").collect()
    }

    /// IAM writes the proxy saw since the last `clear` (the ledger's DynamoDB writes left out).
    fn iam_writes(&self) -> Vec<String> {
        let iam = |r: &Request| r.body.contains("Version=2010-05-08");
        self.proxy.writes().into_iter().filter(iam).map(|r| r.operation).collect()
    }

    /// A runtime with a ledger table of its own (`LEDGER_TABLE`), for undo.
    async fn with_ledger(&self) -> Rt {
        let table = ledger_table(&self.config).await;
        self.runtime(&[("LEDGER_TABLE", &table)]).await
    }

    fn reads_of_the_policy(&self) -> usize {
        self.proxy.requests().iter().filter(|r| r.operation == "GetAccountPasswordPolicy").count()
    }
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

const SAMPLES: [(&str, &str); 9] = [
    ("config-noncompliant.json", "config"),
    ("config-securityhub-rule.json", "config"),
    ("cloudtrail-update.json", "cloudtrail"),
    ("cloudtrail-delete.json", "cloudtrail"),
    ("securityhub.json", "securityhub"),
    ("securityhub-cis.json", "securityhub"),
    ("schedule.json", "schedule"),
    ("manual.json", "manual"),
    ("manual-account.json", "manual"),
];

#[tokio::test]
async fn every_trigger_shape_strengthens_the_account_policy() {
    for (file, kind) in SAMPLES {
        let s = setup().await;
        if file != "cloudtrail-delete.json" {
            s.set_weak().await;
        }
        let before = s.policy().await;
        let rt = s.runtime(&[]).await;
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind, "{file}");
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Remediated, "{file}: {r:?}");
        assert_eq!((r.resource.as_str(), r.account.as_str()), (s.name().as_str(), s.account.as_str()), "{file}");
        assert_eq!(r.before, before, "{file}: before is the policy as IAM had it");
        assert_eq!(s.policy().await, compliant_policy(), "{file}: read back from IAM");
        assert_eq!(r.after, compliant_policy(), "{file}");
        assert_eq!(s.writes(), ["UpdateAccountPasswordPolicy"], "{file}: one write");
    }
}

#[tokio::test]
async fn no_policy_is_created_with_users_allowed_to_change_passwords() {
    let s = setup().await;
    assert_eq!(s.policy().await, json!({ "Exists": false }));
    let rt = s.runtime(&[]).await;
    let report = rt.handle(&s.sample("cloudtrail-delete.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(r.before, json!({ "Exists": false }));
    assert_eq!(
        r.detail,
        "created the password policy (the account had none): MinimumPasswordLength 14, RequireUppercaseCharacters \
         true, RequireLowercaseCharacters true, RequireNumbers true, RequireSymbols true, PasswordReusePrevention 24, \
         AllowUsersToChangePassword true"
    );
    assert_eq!(s.policy().await, compliant_policy(), "no expiry, no HardExpiry, users may change passwords");
}

#[tokio::test]
async fn stronger_fields_are_kept() {
    let s = setup().await;
    s.set(|b| {
        b.minimum_password_length(32)
            .require_symbols(true)
            .password_reuse_prevention(5)
            .max_password_age(60)
            .hard_expiry(true)
            .allow_users_to_change_password(false)
    })
    .await;
    let rt = s.runtime(&[]).await;
    let report = rt.handle(&s.sample("securityhub.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert_eq!(
        r.detail,
        "strengthened the password policy: PasswordReusePrevention 5 -> 24, RequireUppercaseCharacters false -> \
         true, RequireLowercaseCharacters false -> true, RequireNumbers false -> true"
    );
    let want = json!({
        "MinimumPasswordLength": 32,
        "RequireUppercaseCharacters": true,
        "RequireLowercaseCharacters": true,
        "RequireNumbers": true,
        "RequireSymbols": true,
        "PasswordReusePrevention": 24,
        "MaxPasswordAge": 60,
        "AllowUsersToChangePassword": false,
        "HardExpiry": true,
    });
    assert_eq!(s.policy().await, want, "length 32, expiry 60, HardExpiry and AllowUsersToChangePassword kept");
    assert_eq!(r.after, want);
}

#[tokio::test]
async fn one_weaker_field_is_the_only_change() {
    let s = setup().await;
    s.set_compliant().await;
    s.set(|b| {
        b.minimum_password_length(12)
            .require_uppercase_characters(true)
            .require_lowercase_characters(true)
            .require_numbers(true)
            .require_symbols(true)
            .password_reuse_prevention(24)
            .allow_users_to_change_password(true)
    })
    .await;
    let rt = s.runtime(&[]).await;
    let report = rt.handle(&s.sample("securityhub-cis.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(r.detail, "strengthened the password policy: MinimumPasswordLength 12 -> 14");
    let mut before = compliant_policy();
    before["MinimumPasswordLength"] = json!(12);
    assert_eq!(r.before, before);
    assert_eq!(s.policy().await, compliant_policy());
}

#[tokio::test]
async fn a_compliant_policy_gets_one_read_and_no_write() {
    let s = setup().await;
    s.set_compliant().await;
    let rt = s.runtime(&[]).await;
    for (file, _) in SAMPLES {
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::AlreadyCompliant, "{file}");
        assert_eq!(r.before, compliant_policy(), "{file}");
        assert_eq!(r.after, Value::Null, "{file}");
        assert_eq!(s.reads_of_the_policy(), 1, "{file}: {:?}", s.proxy.requests());
        assert!(s.writes().is_empty(), "{file}: {:?}", s.writes());
    }
}

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    s.set_weak().await;
    let weak = s.policy().await;
    s.proxy.clear();
    let rt = s.runtime(&[("DRY_RUN", "true")]).await;
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    assert!(report.dry_run);
    assert_eq!((only(&report).outcome, &only(&report).before), (Outcome::WouldRemediate, &weak));
    let rt = s.runtime(&[]).await;
    let report = rt.handle(&json!({ "dry_run": true })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::WouldRemediate);
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert_eq!(s.policy().await, weak);
}

#[tokio::test]
async fn an_exempt_account_is_untouched() {
    let s = setup().await;
    s.set_weak().await;
    let weak = s.policy().await;
    for listed in [s.account.clone(), s.name()] {
        let rt = s.runtime(&[("EXEMPT_RESOURCES", &format!("111122223333,{listed}"))]).await;
        s.proxy.clear();
        for file in ["config-noncompliant.json", "schedule.json", "cloudtrail-update.json"] {
            let report = rt.handle(&s.sample(file)).await.unwrap();
            let r = only(&report);
            assert_eq!(r.outcome, Outcome::Exempt, "{file}");
            assert_eq!(r.detail, format!("{listed} is listed in EXEMPT_RESOURCES"));
        }
        assert_eq!(s.reads_of_the_policy(), 0, "a listed account is not even read");
        assert!(s.writes().is_empty());
    }
    // A change by an exempt principal (the identity team's pipeline) is left as it is.
    let pipeline = format!("arn:aws:iam::{}:role/Admin", s.account);
    let rt = s.runtime(&[("EXEMPT_PRINCIPALS", &pipeline)]).await;
    let report = rt.handle(&s.sample("cloudtrail-update.json")).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Exempt);
    assert!(only(&report).detail.contains("was made by exempt principal"), "{}", only(&report).detail);
    assert_eq!(s.policy().await, weak);
}

#[tokio::test]
async fn expiry_is_required_and_set_only_when_configured() {
    let s = setup().await;
    s.set_compliant().await;
    // Unset: a policy without expiry is compliant (IAM.17's finding is answered already_compliant).
    let rt = s.runtime(&[]).await;
    let mut expiry_finding = s.sample("securityhub-cis.json");
    set(&mut expiry_finding, "/detail/findings/0/Compliance/SecurityControlId", "IAM.17");
    let report = rt.handle(&expiry_finding).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::AlreadyCompliant);

    // Set: expiry is added where there is none...
    let rt = s.runtime(&[("PASSWORD_MAX_AGE_DAYS", "90")]).await;
    let report = rt.handle(&expiry_finding).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(r.detail, "strengthened the password policy: MaxPasswordAge none -> 90");
    let mut want = compliant_policy();
    want["MaxPasswordAge"] = json!(90);
    assert_eq!(s.policy().await, want, "HardExpiry stays off");

    // ...lowered where it is longer, and kept where it is shorter.
    s.set(|b| {
        b.minimum_password_length(14)
            .require_uppercase_characters(true)
            .require_lowercase_characters(true)
            .require_numbers(true)
            .require_symbols(true)
            .password_reuse_prevention(24)
            .allow_users_to_change_password(true)
            .max_password_age(365)
    })
    .await;
    let report = rt.handle(&s.sample("manual-account.json")).await.unwrap();
    assert_eq!(only(&report).detail, "strengthened the password policy: MaxPasswordAge 365 -> 90");
    assert_eq!(s.policy().await["MaxPasswordAge"], 90);
    let shorter = s.runtime(&[("PASSWORD_MAX_AGE_DAYS", "180")]).await;
    s.proxy.clear();
    let report = shorter.handle(&s.sample("manual.json")).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::AlreadyCompliant, "90 days is within 180");
    assert!(s.writes().is_empty());

    // Unset: an existing expiry is kept by a fix of another field (never dropped).
    let rt = s.runtime(&[]).await;
    s.set(|b| b.minimum_password_length(10).max_password_age(45).allow_users_to_change_password(true)).await;
    let report = rt.handle(&s.sample("manual.json")).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Remediated);
    assert_eq!(s.policy().await["MaxPasswordAge"], 45);
}

#[tokio::test]
async fn configured_requirements_are_what_is_enforced() {
    let s = setup().await;
    s.set_weak().await;
    let vars =
        [("PASSWORD_MIN_LENGTH", "20"), ("PASSWORD_REQUIRE", "numbers,symbols"), ("PASSWORD_REUSE_PREVENTION", "10")];
    let rt = s.runtime(&vars).await;
    let report = rt.handle(&s.sample("config-noncompliant.json")).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Remediated);
    let want = json!({
        "MinimumPasswordLength": 20,
        "RequireUppercaseCharacters": false,
        "RequireLowercaseCharacters": false,
        "RequireNumbers": true,
        "RequireSymbols": true,
        "PasswordReusePrevention": 10,
        "MaxPasswordAge": null,
        "AllowUsersToChangePassword": true,
        "HardExpiry": false,
    });
    assert_eq!(s.policy().await, want);
}

#[tokio::test]
async fn malformed_settings_stop_the_cold_start() {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    for (name, value) in [
        ("PASSWORD_MIN_LENGTH", "5"),
        ("PASSWORD_MIN_LENGTH", "x"),
        ("PASSWORD_REUSE_PREVENTION", "25"),
        ("PASSWORD_MAX_AGE_DAYS", "0"),
        ("PASSWORD_MAX_AGE_DAYS", "1096"),
        ("PASSWORD_REQUIRE", "upper"),
    ] {
        let err = proxy.try_runtime::<IamPasswordPolicy>(config.clone(), &[(name, value)], None).err();
        let err = err.unwrap_or_else(|| panic!("{name}={value} was accepted"));
        assert!(matches!(err, Error::InvalidConfig(_)), "{name}={value}: {err:?}");
        assert!(err.to_string().contains(name), "{err}");
    }
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

#[tokio::test]
async fn a_sweep_checks_the_account_once_whatever_the_regions() {
    let s = setup().await;
    s.set_weak().await;
    let rt = s.runtime(&[("TARGET_REGIONS", "us-east-1,eu-west-1,ap-southeast-2")]).await;
    s.proxy.clear();
    for file in ["schedule.json", "manual.json"] {
        let report = rt.handle(&s.sample(file)).await.unwrap();
        assert_eq!(report.results.len(), 1, "{file}: {report:#?}");
    }
    assert_eq!(s.writes(), ["UpdateAccountPasswordPolicy"], "the second sweep found it compliant");
    assert_eq!(s.policy().await, compliant_policy());
}

#[tokio::test]
async fn a_refused_write_fails_with_the_aws_error() {
    let s = setup().await;
    s.set_weak().await;
    let weak = s.policy().await;
    fn update(r: &Request) -> bool {
        r.operation == "UpdateAccountPasswordPolicy"
    }
    s.proxy.inject(Fault {
        matches: update,
        status: 403,
        body: "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
               <Code>AccessDenied</Code><Message>User is not authorized to perform: iam:UpdateAccountPasswordPolicy \
               with an explicit deny in a service control policy</Message></Error>\
               <RequestId>3a5c7e9b-1d3f-4a5c-8e9b-1d3f5a7c9e1b</RequestId></ErrorResponse>"
            .into(),
        times: Some(1),
    });
    let rt = s.runtime(&[]).await;
    let err = rt.handle(&s.sample("manual-account.json")).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let msg = err.to_string();
    assert!(msg.contains(&format!("iam:UpdateAccountPasswordPolicy on {} failed (AccessDenied)", s.account)), "{msg}");
    assert_eq!(s.proxy.injected(), 1);
    assert_eq!(s.policy().await, weak);
}

#[tokio::test]
async fn events_with_nothing_to_do_or_malformed_make_no_call() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let mut compliant = s.sample("config-noncompliant.json");
    set(&mut compliant, "/detail/newEvaluationResult/complianceType", "COMPLIANT");
    let mut failed_call = s.sample("cloudtrail-update.json");
    failed_call["detail"]["errorCode"] = json!("AccessDenied");
    let mut own = s.sample("cloudtrail-update.json");
    set(&mut own, "/detail/userIdentity/arn", "arn:aws:sts::123456789012:assumed-role/remediation/iam-password-policy");
    let mut other_call = s.sample("cloudtrail-update.json");
    set(&mut other_call, "/detail/eventName", "GetAccountPasswordPolicy");
    let mut other_control = s.sample("securityhub.json");
    set(&mut other_control, "/detail/findings/0/Compliance/SecurityControlId", "IAM.8");
    for (payload, says) in [
        (compliant, "COMPLIANT"),
        (failed_call, "failed with AccessDenied"),
        (own, "made by this function"),
        (other_call, "GetAccountPasswordPolicy is not a call"),
        (other_control, "no FAILED finding for IAM.7"),
    ] {
        let report = rt.handle(&payload).await.unwrap();
        assert!(report.results.is_empty(), "{report:#?}");
        assert!(report.ignored.as_deref().unwrap_or_default().contains(says), "{:?} vs {says}", report.ignored);
    }
    let mut user = s.sample("securityhub.json");
    set(&mut user, "/detail/findings/0/Resources/0/Id", "arn:aws:iam::123456789012:user/alice");
    for (payload, says) in [
        (json!({ "resource_id": "alice" }), "does not name an account"),
        (json!({ "resource_id": "AWS::::Account:42" }), "does not name an account"),
        (user, "does not name an account"),
    ] {
        let err = rt.handle(&payload).await.expect_err(&payload.to_string());
        assert_eq!(err.error_type(), "InvalidEvent");
        assert!(err.to_string().contains(says), "{err}");
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", s.proxy.requests());
}

/// Fixes `payload` and returns the action id of the remediated result.
async fn fixed(rt: &Rt, payload: &Value) -> String {
    let report = rt.handle(payload).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    r.action_id.clone().expect("an action id with LEDGER_TABLE")
}

#[tokio::test]
async fn undo_puts_the_old_policy_back_field_for_field() {
    let s = setup().await;
    let rt = s.with_ledger().await;
    // Weaker in some fields, stronger in others, expiry and HardExpiry on, users locked out of changes.
    s.set(|b| {
        b.minimum_password_length(32)
            .require_symbols(true)
            .password_reuse_prevention(5)
            .max_password_age(60)
            .hard_expiry(true)
            .allow_users_to_change_password(false)
    })
    .await;
    let before = s.policy().await;
    let action = fixed(&rt, &s.sample("manual-account.json")).await;
    assert_ne!(s.policy().await, before);
    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.resource.as_str()), (Outcome::Undone, s.name().as_str()), "{r:?}");
    assert!(
        r.detail.starts_with(
            "put the password policy back as it was before the fix: PasswordReusePrevention 24 -> 5, \
             RequireUppercaseCharacters true -> false, RequireLowercaseCharacters true -> false, RequireNumbers true \
             -> false (undo of action "
        ),
        "{}",
        r.detail
    );
    assert_eq!(s.policy().await, before, "read back from IAM: the policy as it was");
    assert_eq!(r.after, before);
    assert_eq!(s.iam_writes(), ["UpdateAccountPasswordPolicy"]);

    // The fix only raised the numbers: unset ones come back unset (no reuse prevention, no expiry). In
    // an account of its own: the core does not fix again for a while what undo restored.
    let s = setup().await;
    let rt = s.with_ledger().await;
    s.set_weak().await;
    let weak = s.policy().await;
    assert_eq!((&weak["PasswordReusePrevention"], &weak["MaxPasswordAge"]), (&Value::Null, &Value::Null));
    let action = fixed(&rt, &s.sample("manual-account.json")).await;
    rt.handle(&undo(&action)).await.unwrap();
    assert_eq!(s.policy().await, weak);
}

#[tokio::test]
async fn undo_deletes_a_policy_the_fix_created() {
    let s = setup().await;
    let rt = s.with_ledger().await;
    assert_eq!(s.policy().await, json!({ "Exists": false }));
    let action = fixed(&rt, &s.sample("cloudtrail-delete.json")).await;
    assert_eq!(s.policy().await, compliant_policy());
    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Undone, "{r:?}");
    assert!(r.detail.starts_with("deleted the password policy: the account had none before the fix"), "{}", r.detail);
    assert_eq!(s.policy().await, json!({ "Exists": false }), "read back from IAM: no policy, as before");
    assert_eq!(s.iam_writes(), ["DeleteAccountPasswordPolicy"]);
}

#[tokio::test]
async fn undo_of_a_policy_changed_since_the_fix_writes_nothing() {
    let s = setup().await;
    let rt = s.with_ledger().await;
    s.set_weak().await;
    let action = fixed(&rt, &s.sample("manual-account.json")).await;
    // Someone raises the length further after the fix: undo must not lower it back to 8.
    s.set(|b| {
        b.minimum_password_length(20)
            .require_uppercase_characters(true)
            .require_lowercase_characters(true)
            .require_numbers(true)
            .require_symbols(true)
            .password_reuse_prevention(24)
            .allow_users_to_change_password(true)
    })
    .await;
    let changed = s.policy().await;
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action"), "{text}");
    assert!(
        text.contains("\"MinimumPasswordLength\":20") && text.contains("\"MinimumPasswordLength\":14"),
        "both: {text}"
    );
    assert_eq!(s.iam_writes(), Vec::<String>::new(), "no IAM write: {:?}", s.proxy.requests());
    assert_eq!(s.policy().await, changed);

    // A policy deleted since a fix that created it: its state is "no policy", not the fix's.
    let s = setup().await;
    let rt = s.with_ledger().await;
    let action = fixed(&rt, &s.sample("cloudtrail-delete.json")).await;
    s.iam.delete_account_password_policy().send().await.unwrap();
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert!(err.to_string().contains("now {\"Exists\":false}"), "{err}");
    assert_eq!(s.iam_writes(), Vec::<String>::new());
    assert_eq!(s.policy().await, json!({ "Exists": false }));
}

#[tokio::test]
async fn bad_input_is_rejected_or_ignored_without_a_call() {
    let (rejected, ignored) = bad_input_makes_no_call::<IamPasswordPolicy>().await;
    assert!(rejected > 0 && ignored > 0, "{rejected} rejected, {ignored} ignored");
}
