use super::*;

fn control(vars: &[(&str, &str)]) -> Result<IamPasswordPolicy> {
    IamPasswordPolicy::new(&Settings::from_vars(vars.iter().copied())?)
}

fn defaults() -> IamPasswordPolicy {
    control(&[]).unwrap()
}

/// A policy as IAM answers after `UpdateAccountPasswordPolicy --minimum-password-length 8`.
fn weak() -> Policy {
    Policy {
        minimum_password_length: Some(8),
        require_uppercase_characters: false,
        require_lowercase_characters: false,
        require_numbers: false,
        require_symbols: false,
        password_reuse_prevention: None,
        max_password_age: None,
        allow_users_to_change_password: false,
        hard_expiry: false,
    }
}

fn resource(id: &str) -> ResourceRef {
    ResourceRef { id: id.into(), ..ResourceRef::default() }
}

#[test]
fn settings_default_to_the_contract() {
    let c = defaults();
    assert_eq!((c.min_length, c.require, c.reuse_prevention, c.max_age_days), (14, [true; 4], 24, None));
}

#[test]
fn settings_are_parsed() {
    let c = control(&[
        ("PASSWORD_MIN_LENGTH", "20"),
        ("PASSWORD_REQUIRE", " Symbols ,numbers,,"),
        ("PASSWORD_REUSE_PREVENTION", "5"),
        ("PASSWORD_MAX_AGE_DAYS", "90"),
    ])
    .unwrap();
    assert_eq!(
        (c.min_length, c.require, c.reuse_prevention, c.max_age_days),
        (20, [false, false, true, true], 5, Some(90))
    );
    assert_eq!(control(&[("PASSWORD_REQUIRE", "none")]).unwrap().require, [false; 4]);
    assert_eq!(control(&[("PASSWORD_REQUIRE", "")]).unwrap().require, [true; 4], "blank is the default");
    assert_eq!(control(&[("PASSWORD_MAX_AGE_DAYS", " ")]).unwrap().max_age_days, None);
    for (name, edge) in
        [("PASSWORD_MIN_LENGTH", "6"), ("PASSWORD_MIN_LENGTH", "128"), ("PASSWORD_MAX_AGE_DAYS", "1095")]
    {
        assert!(control(&[(name, edge)]).is_ok(), "{name}={edge}");
    }
}

#[test]
fn malformed_settings_are_invalid_config() {
    for (name, value) in [
        ("PASSWORD_MIN_LENGTH", "5"),
        ("PASSWORD_MIN_LENGTH", "129"),
        ("PASSWORD_MIN_LENGTH", "fourteen"),
        ("PASSWORD_MIN_LENGTH", "-14"),
        ("PASSWORD_REUSE_PREVENTION", "0"),
        ("PASSWORD_REUSE_PREVENTION", "25"),
        ("PASSWORD_MAX_AGE_DAYS", "0"),
        ("PASSWORD_MAX_AGE_DAYS", "1096"),
        ("PASSWORD_MAX_AGE_DAYS", "90d"),
        ("PASSWORD_REQUIRE", "uppercase,emoji"),
        ("PASSWORD_REQUIRE", "none,symbols"),
    ] {
        let err = control(&[(name, value)]).err().unwrap_or_else(|| panic!("{name}={value} accepted"));
        assert_eq!(err.error_type(), "InvalidConfig", "{name}={value}");
        assert!(err.to_string().starts_with(name), "{err}");
    }
}

#[test]
fn compliance_follows_each_setting() {
    let c = defaults();
    let strong = c.strengthened(Some(&weak()));
    assert!(c.is_compliant(&AccountPolicy(Some(strong.clone()))));
    assert!(!c.is_compliant(&AccountPolicy(None)), "no policy is noncompliant");
    assert!(!c.is_compliant(&AccountPolicy(Some(weak()))));
    let mut short = strong.clone();
    short.minimum_password_length = Some(13);
    assert!(!c.is_compliant(&AccountPolicy(Some(short))));
    let mut no_symbols = strong.clone();
    no_symbols.require_symbols = false;
    assert!(!c.is_compliant(&AccountPolicy(Some(no_symbols.clone()))));
    let relaxed = control(&[("PASSWORD_REQUIRE", "uppercase,lowercase,numbers")]).unwrap();
    assert!(relaxed.is_compliant(&AccountPolicy(Some(no_symbols))), "only the configured classes count");
    // Expiry is judged only when PASSWORD_MAX_AGE_DAYS is set.
    let expiring = control(&[("PASSWORD_MAX_AGE_DAYS", "90")]).unwrap();
    assert!(!expiring.is_compliant(&AccountPolicy(Some(strong.clone()))), "no expiry");
    let mut yearly = strong.clone();
    yearly.max_password_age = Some(365);
    assert!(c.is_compliant(&AccountPolicy(Some(yearly.clone()))));
    assert!(!expiring.is_compliant(&AccountPolicy(Some(yearly))));
    let mut monthly = strong;
    monthly.max_password_age = Some(30);
    assert!(expiring.is_compliant(&AccountPolicy(Some(monthly))));
}

#[test]
fn strengthening_raises_only_what_is_weaker() {
    let c = defaults();
    let want = c.strengthened(Some(&weak()));
    assert_eq!(
        want,
        Policy {
            minimum_password_length: Some(14),
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            require_numbers: true,
            require_symbols: true,
            password_reuse_prevention: Some(24),
            max_password_age: None,
            allow_users_to_change_password: false,
            hard_expiry: false,
        }
    );
    // Stronger fields, HardExpiry, AllowUsersToChangePassword and an existing expiry are kept.
    let stronger = Policy {
        minimum_password_length: Some(32),
        require_symbols: true,
        max_password_age: Some(60),
        allow_users_to_change_password: true,
        hard_expiry: true,
        ..weak()
    };
    let relaxed = control(&[("PASSWORD_REQUIRE", "numbers"), ("PASSWORD_REUSE_PREVENTION", "5")]).unwrap();
    let want = relaxed.strengthened(Some(&stronger));
    assert_eq!(
        want,
        Policy { require_numbers: true, password_reuse_prevention: Some(5), ..stronger.clone() },
        "a class not required and already on stays on; nothing else moves"
    );
    // A configured expiry lowers a longer one and keeps a shorter one; it is added where there is none.
    let expiring = control(&[("PASSWORD_MAX_AGE_DAYS", "90")]).unwrap();
    assert_eq!(expiring.strengthened(Some(&stronger)).max_password_age, Some(60));
    assert_eq!(
        expiring.strengthened(Some(&Policy { max_password_age: Some(400), ..weak() })).max_password_age,
        Some(90)
    );
    assert_eq!(expiring.strengthened(Some(&weak())).max_password_age, Some(90));
    // A longer reuse history is kept.
    let long_history = Policy { password_reuse_prevention: Some(24), ..weak() };
    assert_eq!(relaxed.strengthened(Some(&long_history)).password_reuse_prevention, Some(24));
}

#[test]
fn no_policy_becomes_the_requirements_with_users_allowed_to_change_passwords() {
    let want = defaults().strengthened(None);
    assert_eq!(want.minimum_password_length, Some(14));
    assert_eq!(want.classes(), [true; 4]);
    assert_eq!(want.password_reuse_prevention, Some(24));
    assert_eq!(want.max_password_age, None, "no expiry unless configured");
    assert!(want.allow_users_to_change_password && !want.hard_expiry);
    let relaxed = control(&[("PASSWORD_REQUIRE", "none"), ("PASSWORD_MIN_LENGTH", "8")]).unwrap();
    assert_eq!(relaxed.strengthened(None).classes(), [false; 4]);
}

#[test]
fn changes_name_each_raised_field() {
    let c = control(&[("PASSWORD_MAX_AGE_DAYS", "90")]).unwrap();
    let before = Policy { require_numbers: true, max_password_age: Some(180), ..weak() };
    let after = c.strengthened(Some(&before));
    assert_eq!(
        IamPasswordPolicy::changes(&before, &after),
        [
            "MinimumPasswordLength 8 -> 14",
            "PasswordReusePrevention none -> 24",
            "MaxPasswordAge 180 -> 90",
            "RequireUppercaseCharacters false -> true",
            "RequireLowercaseCharacters false -> true",
            "RequireSymbols false -> true",
        ]
    );
}

#[test]
fn the_read_back_must_keep_every_stronger_field() {
    let c = defaults();
    let before = AccountPolicy(Some(Policy { minimum_password_length: Some(20), hard_expiry: true, ..weak() }));
    let fixed = c.strengthened(before.0.as_ref());
    assert!(c.is_fixed(&before, &AccountPolicy(Some(fixed.clone()))));
    let shortened = Policy { minimum_password_length: Some(14), ..fixed.clone() };
    assert!(c.is_compliant(&AccountPolicy(Some(shortened.clone()))));
    assert!(!c.is_fixed(&before, &AccountPolicy(Some(shortened))), "20 was stronger than 14");
    let soft = Policy { hard_expiry: false, ..fixed.clone() };
    assert!(!c.is_fixed(&before, &AccountPolicy(Some(soft))));
    assert!(!c.is_fixed(&before, &AccountPolicy(None)));
    let created = c.strengthened(None);
    assert!(c.is_fixed(&AccountPolicy(None), &AccountPolicy(Some(created.clone()))));
    let locked = Policy { allow_users_to_change_password: false, ..created };
    assert!(!c.is_fixed(&AccountPolicy(None), &AccountPolicy(Some(locked))));
}

#[test]
fn state_serializes_as_the_policy_fields() {
    let none = json_of(&AccountPolicy(None));
    assert_eq!(none, r#"{"Exists":false}"#);
    let some = json_of(&AccountPolicy(Some(weak())));
    assert_eq!(
        some,
        r#"{"MinimumPasswordLength":8,"RequireUppercaseCharacters":false,"RequireLowercaseCharacters":false,"RequireNumbers":false,"RequireSymbols":false,"PasswordReusePrevention":null,"MaxPasswordAge":null,"AllowUsersToChangePassword":false,"HardExpiry":false}"#
    );
}

/// Undo reads `before` back from the ledger's JSON: every shape the report writes gives the same state.
#[test]
fn state_round_trips_through_its_json() {
    let c = defaults();
    let stronger = Policy { max_password_age: Some(60), hard_expiry: true, ..c.strengthened(Some(&weak())) };
    for state in [AccountPolicy(None), AccountPolicy(Some(weak())), AccountPolicy(Some(stronger))] {
        let json = serde_json::to_value(&state).unwrap();
        let back: AccountPolicy = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(back, state, "{json}");
    }
    for bad in [
        serde_json::json!({"Exists": true}),
        serde_json::json!({"Exists": false, "MinimumPasswordLength": 8}),
        serde_json::json!({"MinimumPasswordLength": 8}),
        serde_json::json!(null),
    ] {
        assert!(serde_json::from_value::<AccountPolicy>(bad.clone()).is_err(), "{bad}");
    }
}

/// Undo resolves the report's `resource` (what `arn` wrote) back to the same account.
#[test]
fn the_report_name_resolves_to_the_same_account() {
    let c = defaults();
    let target = Account("111122223333".into());
    let name = c.arn(&target, "aws", "123456789012", "eu-west-1");
    let r = ResourceRef {
        id: name.clone(),
        account: Some("111122223333".into()),
        region: Some("eu-west-1".into()),
        ..ResourceRef::default()
    };
    assert_eq!(
        c.resolve(&r),
        Ok(Resolved::Target { target, account: Some("111122223333".into()), region: None }),
        "{name}"
    );
}

fn json_of(state: &AccountPolicy) -> String {
    serde_json::to_string(state).unwrap()
}

#[test]
fn iam_zeroes_mean_unset() {
    let p =
        PasswordPolicy::builder().minimum_password_length(8).max_password_age(0).password_reuse_prevention(0).build();
    let p = Policy::from_iam(&p);
    assert_eq!((p.max_password_age, p.password_reuse_prevention, p.hard_expiry), (None, None, false));
}

#[test]
fn resources_name_the_account() {
    let c = defaults();
    let account = |id: &str| c.resolve(&resource(id));
    let want =
        Resolved::Target { target: Account("123456789012".into()), account: Some("123456789012".into()), region: None };
    for id in ["123456789012", "AWS::::Account:123456789012", "arn:aws:iam::123456789012:root"] {
        assert_eq!(account(id), Ok(want.clone()), "{id}");
    }
    for id in [
        "AWS::::Account:1234",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:s3:::bucket",
        "us-east-1",
        "not-an-account",
    ] {
        let err = account(id).unwrap_err();
        assert!(err.contains("does not name an account"), "{id}: {err}");
    }
    assert_eq!(
        c.arn(&Account("123456789012".into()), "aws", "123456789012", "us-east-1"),
        "AWS::::Account:123456789012"
    );
}

#[test]
fn the_declaration_matches_the_settings() {
    let w = &IamPasswordPolicy::WIRING;
    let names: Vec<_> = w.settings.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        ["PASSWORD_MIN_LENGTH", "PASSWORD_REQUIRE", "PASSWORD_REUSE_PREVENTION", "PASSWORD_MAX_AGE_DAYS"]
    );
    // The Config rule's parameters refer to the template parameters of two of them (CamelCase).
    let params: serde_json::Value = serde_json::from_str(w.config_rules[0].input_parameters).unwrap();
    assert_eq!(params["MinimumPasswordLength"], "${PasswordMinLength}");
    assert_eq!(params["PasswordReusePrevention"], "${PasswordReusePrevention}");
    // Each default parses.
    let defaults: Vec<_> = w.settings.iter().map(|s| (s.name, s.default)).collect();
    assert!(control(&defaults).is_ok());
}
