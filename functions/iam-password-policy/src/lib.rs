//! The IAM account password policy (IAM.7, CIS IAM.11–IAM.17): strengthen only the fields weaker than
//! configured, keep everything else exactly as it is.

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_iam::types::PasswordPolicy;
use remediation_core::config::is_account_id;
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{Arn, AwsError, Control, Cx, Description, Error, Resolved, ResourceRef, Result, Settings};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// IAM's own limits (UpdateAccountPasswordPolicy): a setting outside them could never be written.
const LENGTH_RANGE: std::ops::RangeInclusive<u64> = 6..=128;
const REUSE_RANGE: std::ops::RangeInclusive<u64> = 1..=24;
const MAX_AGE_RANGE: std::ops::RangeInclusive<u64> = 1..=1095;

/// The character classes of `PASSWORD_REQUIRE`, in IAM's field order.
const CLASSES: [&str; 4] = ["uppercase", "lowercase", "numbers", "symbols"];

pub struct IamPasswordPolicy {
    /// `PASSWORD_MIN_LENGTH`.
    pub min_length: i32,
    /// `PASSWORD_REQUIRE`: uppercase, lowercase, numbers, symbols.
    pub require: [bool; 4],
    /// `PASSWORD_REUSE_PREVENTION`.
    pub reuse_prevention: i32,
    /// `PASSWORD_MAX_AGE_DAYS`; `None`: expiry is neither required nor set.
    pub max_age_days: Option<i32>,
}

/// The account: the password policy exists once per account (IAM is global).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account(pub String);

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The fields of the account password policy, as `GetAccountPasswordPolicy` answers them (the
/// read-only `ExpirePasswords` left out: it only says whether `MaxPasswordAge` is set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub minimum_password_length: Option<i32>,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub password_reuse_prevention: Option<i32>,
    /// `None`: passwords never expire (IAM also reports this as 0).
    pub max_password_age: Option<i32>,
    pub allow_users_to_change_password: bool,
    pub hard_expiry: bool,
}

impl Policy {
    fn from_iam(p: &PasswordPolicy) -> Self {
        Policy {
            minimum_password_length: p.minimum_password_length,
            require_uppercase_characters: p.require_uppercase_characters,
            require_lowercase_characters: p.require_lowercase_characters,
            require_numbers: p.require_numbers,
            require_symbols: p.require_symbols,
            password_reuse_prevention: p.password_reuse_prevention.filter(|n| *n > 0),
            max_password_age: p.max_password_age.filter(|n| *n > 0),
            allow_users_to_change_password: p.allow_users_to_change_password,
            hard_expiry: p.hard_expiry.unwrap_or(false),
        }
    }

    fn classes(&self) -> [bool; 4] {
        [
            self.require_uppercase_characters,
            self.require_lowercase_characters,
            self.require_numbers,
            self.require_symbols,
        ]
    }
}

/// What the control reads: the account's policy, or none (`NoSuchEntity`). Serialized as the
/// policy's fields, or `{"Exists": false}` (and read back from the ledger in the same two shapes).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Recorded")]
pub struct AccountPolicy(pub Option<Policy>);

/// The two JSON shapes of `AccountPolicy`. `Absent` first: a policy never has an `Exists` field.
#[derive(Deserialize)]
#[serde(untagged)]
enum Recorded {
    Absent(Absent),
    Policy(Policy),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct Absent {
    exists: bool,
}

impl TryFrom<Recorded> for AccountPolicy {
    type Error = &'static str;

    fn try_from(recorded: Recorded) -> std::result::Result<Self, Self::Error> {
        match recorded {
            Recorded::Absent(Absent { exists: false }) => Ok(AccountPolicy(None)),
            Recorded::Absent(Absent { exists: true }) => Err("{\"Exists\": true} without the policy's fields"),
            Recorded::Policy(policy) => Ok(AccountPolicy(Some(policy))),
        }
    }
}

impl Serialize for AccountPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match &self.0 {
            Some(policy) => policy.serialize(s),
            None => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("Exists", &false)?;
                map.end()
            }
        }
    }
}

const CLASS_FIELDS: [&str; 4] =
    ["RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireNumbers", "RequireSymbols"];

fn shown(n: Option<i32>) -> String {
    n.map_or_else(|| "none".to_owned(), |n| n.to_string())
}

impl IamPasswordPolicy {
    /// The policy to write: the current one with every field below the requirement raised, and every
    /// other field (stronger ones, `AllowUsersToChangePassword`, `HardExpiry`, an existing
    /// `MaxPasswordAge`) as it is. With no policy, IAM's `AllowUsersToChangePassword` stays true as
    /// users had it without one.
    pub fn strengthened(&self, current: Option<&Policy>) -> Policy {
        let classes = current.map(Policy::classes).unwrap_or_default();
        let class = |i: usize| classes[i] || self.require[i];
        let max_password_age = match (current.and_then(|p| p.max_password_age), self.max_age_days) {
            (Some(age), Some(limit)) => Some(age.min(limit)),
            (age, limit) => age.or(limit),
        };
        Policy {
            minimum_password_length: Some(
                current.and_then(|p| p.minimum_password_length).unwrap_or(0).max(self.min_length),
            ),
            require_uppercase_characters: class(0),
            require_lowercase_characters: class(1),
            require_numbers: class(2),
            require_symbols: class(3),
            password_reuse_prevention: Some(
                current.and_then(|p| p.password_reuse_prevention).unwrap_or(0).max(self.reuse_prevention),
            ),
            max_password_age,
            allow_users_to_change_password: current.is_none_or(|p| p.allow_users_to_change_password),
            hard_expiry: current.is_some_and(|p| p.hard_expiry),
        }
    }

    fn meets(&self, p: &Policy) -> bool {
        p.minimum_password_length.unwrap_or(0) >= self.min_length
            && p.classes().iter().zip(self.require).all(|(has, required)| *has || !required)
            && p.password_reuse_prevention.unwrap_or(0) >= self.reuse_prevention
            && self.max_age_days.is_none_or(|limit| p.max_password_age.is_some_and(|age| age <= limit))
    }

    /// What `strengthened` changes, field by field: `MinimumPasswordLength 8 -> 14`.
    fn changes(before: &Policy, after: &Policy) -> Vec<String> {
        let mut done = Vec::new();
        let mut number = |field: &str, was: Option<i32>, now: Option<i32>| {
            if was != now {
                done.push(format!("{field} {} -> {}", shown(was), shown(now)));
            }
        };
        number("MinimumPasswordLength", before.minimum_password_length, after.minimum_password_length);
        number("PasswordReusePrevention", before.password_reuse_prevention, after.password_reuse_prevention);
        number("MaxPasswordAge", before.max_password_age, after.max_password_age);
        for ((field, was), now) in CLASS_FIELDS.iter().zip(before.classes()).zip(after.classes()) {
            if was != now {
                done.push(format!("{field} {was} -> {now}"));
            }
        }
        done
    }
}

/// `PASSWORD_REQUIRE`: a comma list of classes, or `none`.
fn parse_require(settings: &Settings) -> Result<[bool; 4]> {
    let Some(list) = settings.list("PASSWORD_REQUIRE") else {
        return Ok([true; 4]);
    };
    let mut require = [false; 4];
    if list.len() == 1 && list[0].eq_ignore_ascii_case("none") {
        return Ok(require);
    }
    for class in &list {
        let i = CLASSES.iter().position(|c| c.eq_ignore_ascii_case(class)).ok_or_else(|| {
            Error::InvalidConfig(format!("PASSWORD_REQUIRE: {class:?} is not one of {} (or none)", CLASSES.join(", ")))
        })?;
        require[i] = true;
    }
    Ok(require)
}

impl Control for IamPasswordPolicy {
    type Target = Account;
    type State = AccountPolicy;
    type Client = aws_sdk_iam::Client;

    const NAME: &'static str = "iam-password-policy";
    const EVENT_NAMES: &'static [&'static str] = &["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"];
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::::Account"];
    /// IAM.7 (the whole policy) and the CIS checks of its parts.
    const SECURITY_HUB_CONTROLS: &'static [&'static str] =
        &["IAM.7", "IAM.11", "IAM.12", "IAM.13", "IAM.14", "IAM.15", "IAM.16", "IAM.17"];
    /// One policy per account: a sweep checks the account once, whatever TARGET_REGIONS says.
    const GLOBAL_SWEEP: bool = true;
    const MANUAL_EMPTY_IS_SWEEP: bool = true;
    const WIRING: Wiring = Wiring {
        summary: "Strengthens the IAM account password policy to the configured minimums, keeping every stronger field (IAM.7, IAM.11-IAM.17).",
        event_source: "aws.iam",
        cloudtrail_source: "iam.amazonaws.com",
        global_service: true,
        config_rules: &[ConfigRule {
            identifier: "IAM_PASSWORD_POLICY",
            name: "iam-password-policy",
            resource_types: &[],
            // The character classes have no parameter to pass (the rule's are booleans, the setting a
            // list), and the rule's MaxPasswordAge cannot be left out: both keep the rule's defaults.
            input_parameters: r#"{"MinimumPasswordLength": "${PasswordMinLength}", "PasswordReusePrevention": "${PasswordReusePrevention}"}"#,
        }],
        settings: &[
            Setting::new("PASSWORD_MIN_LENGTH", "14", "minimum password length required (6-128)")
                .pattern("^([6-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$"),
            Setting::new(
                "PASSWORD_REQUIRE",
                "uppercase,lowercase,numbers,symbols",
                "comma list of character classes every password must contain: uppercase, lowercase, numbers, symbols (or none)",
            )
            .pattern("^(none|(uppercase|lowercase|numbers|symbols)( *, *(uppercase|lowercase|numbers|symbols))*)$"),
            Setting::new("PASSWORD_REUSE_PREVENTION", "24", "number of previous passwords users may not reuse (1-24)")
                .pattern("^([1-9]|1[0-9]|2[0-4])$"),
            Setting::new(
                "PASSWORD_MAX_AGE_DAYS",
                "",
                "maximum password age in days (1-1095); empty: expiry is neither required nor set (NIST SP 800-63B)",
            )
            .pattern("^([1-9][0-9]{0,2}|10[0-8][0-9]|109[0-5])?$"),
        ],
        // No action has a resource type: the policy is the account's. Delete: undo where there was none.
        permissions: &[Permission::allow(
            "PasswordPolicyNoResourceType",
            &["iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"],
            "*",
        )],
        timeout: 30,
        timeout_why: "Three IAM calls per account (read, write, read back); 30 s leaves room for the SDK's retries.",
    };

    fn new(settings: &Settings) -> Result<Self> {
        let number = |name: &str, default: u64, range| {
            settings.number(name, default, range).map(|n| i32::try_from(n).expect("the ranges fit in i32"))
        };
        let max_age_days = match settings.var("PASSWORD_MAX_AGE_DAYS") {
            None => None,
            Some(_) => Some(number("PASSWORD_MAX_AGE_DAYS", 0, MAX_AGE_RANGE)?),
        };
        Ok(IamPasswordPolicy {
            min_length: number("PASSWORD_MIN_LENGTH", 14, LENGTH_RANGE)?,
            require: parse_require(settings)?,
            reuse_prevention: number("PASSWORD_REUSE_PREVENTION", 24, REUSE_RANGE)?,
            max_age_days,
        })
    }

    fn client(config: &SdkConfig) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(config)
    }

    /// An account id, `AWS::::Account:<id>` (Config, Security Hub) or `arn:<partition>:iam::<id>:root`.
    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Account>, String> {
        let account = if let Some(id) = r.id.strip_prefix("AWS::::Account:") {
            Some(id)
        } else if let Some(arn) = Arn::parse(&r.id) {
            (arn.service == "iam" && arn.region.is_empty() && arn.resource == "root").then_some(arn.account)
        } else {
            Some(r.id.as_str())
        };
        match account.filter(|a| is_account_id(a)) {
            Some(account) => Ok(Resolved::Target {
                target: Account(account.to_owned()),
                account: Some(account.to_owned()),
                region: None,
            }),
            None => Err(format!(
                "{:?} does not name an account: the password policy is the account's (give a 12-digit account id, \
                 AWS::::Account:<id> or arn:<partition>:iam::<id>:root)",
                r.id
            )),
        }
    }

    /// The name Config and Security Hub give the account.
    fn arn(&self, target: &Account, _partition: &str, _account: &str, _region: &str) -> String {
        format!("AWS::::Account:{}", target.0)
    }

    async fn sweep(&self, cx: &Cx<'_, aws_sdk_iam::Client>) -> Result<Vec<Account>> {
        Ok(vec![Account(cx.account.to_owned())])
    }

    /// An account has no tags here; `EXEMPT_RESOURCES` matches its id or `AWS::::Account:<id>`.
    async fn describe(&self, _cx: &Cx<'_, aws_sdk_iam::Client>, _target: &Account) -> Result<Option<Description>> {
        Ok(Some(Description::default()))
    }

    async fn read(&self, cx: &Cx<'_, aws_sdk_iam::Client>, target: &Account) -> Result<Option<AccountPolicy>> {
        match cx.client.get_account_password_policy().send().await {
            Ok(out) => Ok(Some(AccountPolicy(out.password_policy().map(Policy::from_iam)))),
            Err(e) => {
                let e = AwsError::from_sdk("iam:GetAccountPasswordPolicy", target.to_string(), e);
                if e.is(&["NoSuchEntity"]) {
                    Ok(Some(AccountPolicy(None)))
                } else {
                    Err(e.into())
                }
            }
        }
    }

    fn is_compliant(&self, state: &AccountPolicy) -> bool {
        state.0.as_ref().is_some_and(|p| self.meets(p))
    }

    /// Compliant, and nothing weaker than before: a read-back that lost a stronger field (a write
    /// racing ours) is not a fix.
    fn is_fixed(&self, before: &AccountPolicy, after: &AccountPolicy) -> bool {
        let Some(now) = after.0.as_ref() else {
            return false;
        };
        self.is_compliant(after) && {
            let kept = self.strengthened(before.0.as_ref());
            now.minimum_password_length >= kept.minimum_password_length
                && now.password_reuse_prevention >= kept.password_reuse_prevention
                && now.classes().iter().zip(kept.classes()).all(|(now, kept)| *now || !kept)
                && kept.max_password_age.is_none_or(|kept| now.max_password_age.is_some_and(|age| age <= kept))
                && now.allow_users_to_change_password == kept.allow_users_to_change_password
                && now.hard_expiry == kept.hard_expiry
        }
    }

    /// One `UpdateAccountPasswordPolicy` with every field given: an omitted field resets to IAM's weak
    /// default (no symbols, no reuse prevention, users may not change their password).
    async fn fix(&self, cx: &Cx<'_, aws_sdk_iam::Client>, target: &Account, state: &AccountPolicy) -> Result<String> {
        let want = self.strengthened(state.0.as_ref());
        cx.client
            .update_account_password_policy()
            .set_minimum_password_length(want.minimum_password_length)
            .require_uppercase_characters(want.require_uppercase_characters)
            .require_lowercase_characters(want.require_lowercase_characters)
            .require_numbers(want.require_numbers)
            .require_symbols(want.require_symbols)
            .set_password_reuse_prevention(want.password_reuse_prevention)
            // None only when the policy has no expiry and none is configured: omitting it keeps that.
            .set_max_password_age(want.max_password_age)
            .allow_users_to_change_password(want.allow_users_to_change_password)
            .hard_expiry(want.hard_expiry)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("iam:UpdateAccountPasswordPolicy", target.to_string(), e))?;
        Ok(match &state.0 {
            Some(before) => format!("strengthened the password policy: {}", Self::changes(before, &want).join(", ")),
            None => {
                let mut set = vec![format!("MinimumPasswordLength {}", shown(want.minimum_password_length))];
                set.extend(CLASS_FIELDS.iter().zip(want.classes()).map(|(f, on)| format!("{f} {on}")));
                set.push(format!("PasswordReusePrevention {}", shown(want.password_reuse_prevention)));
                if let Some(age) = want.max_password_age {
                    set.push(format!("MaxPasswordAge {age}"));
                }
                set.push("AllowUsersToChangePassword true".into());
                format!("created the password policy (the account had none): {}", set.join(", "))
            }
        })
    }

    /// Undo: the policy as it was, in one `UpdateAccountPasswordPolicy` with every field given (the
    /// fields the fix did not raise are written as they are now), or no policy at all where the account
    /// had none.
    async fn restore(
        &self,
        cx: &Cx<'_, aws_sdk_iam::Client>,
        target: &Account,
        before: &AccountPolicy,
        now: &AccountPolicy,
    ) -> Result<String> {
        let Some(old) = &before.0 else {
            cx.client
                .delete_account_password_policy()
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("iam:DeleteAccountPasswordPolicy", target.to_string(), e))?;
            return Ok("deleted the password policy: the account had none before the fix".into());
        };
        // IAM always reports a length; a policy without one cannot be written back as it was (IAM would
        // store its default, 6).
        if old.minimum_password_length.is_none() {
            return Err(Error::NeedsAction(format!(
                "the recorded policy of {target} has no MinimumPasswordLength, which IAM cannot store: nothing was                  written; set the password policy by hand (aws iam update-account-password-policy)"
            )));
        }
        cx.client
            .update_account_password_policy()
            .set_minimum_password_length(old.minimum_password_length)
            .require_uppercase_characters(old.require_uppercase_characters)
            .require_lowercase_characters(old.require_lowercase_characters)
            .require_numbers(old.require_numbers)
            .require_symbols(old.require_symbols)
            // None: omitted, which is how IAM says "no reuse prevention" / "passwords never expire".
            .set_password_reuse_prevention(old.password_reuse_prevention)
            .set_max_password_age(old.max_password_age)
            .allow_users_to_change_password(old.allow_users_to_change_password)
            .hard_expiry(old.hard_expiry)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("iam:UpdateAccountPasswordPolicy", target.to_string(), e))?;
        let undone = now.0.as_ref().map(|now| Self::changes(now, old)).unwrap_or_default();
        Ok(format!(
            "put the password policy back as it was before the fix: {}",
            if undone.is_empty() { "no field differed".to_owned() } else { undone.join(", ") }
        ))
    }
}

#[cfg(test)]
mod tests;
