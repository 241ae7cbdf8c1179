//! IAM.8 / IAM.22: an IAM user's access keys unused for longer than `CREDENTIAL_MAX_UNUSED_DAYS` are
//! deactivated (`UpdateAccessKey Status=Inactive`), never deleted: a deactivated key can be turned back
//! on by its owner, a deleted one is gone. Keys in use are never touched. What needs a person is
//! reported, not changed: keys older than `ACCESS_KEY_MAX_AGE_DAYS` but in use (IAM.3: rotation needs
//! whoever uses the key) and console passwords unused for as long (removing a login profile cannot be
//! undone by the user).

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types::StatusType;
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{Arn, AwsError, Control, Cx, Description, Error, Resolved, ResourceRef, Result, Settings};
use serde::{Deserialize, Serialize};

const DAY: u64 = 86_400;
const NO_SUCH_ENTITY: &[&str] = &["NoSuchEntity"];
/// Security Hub's access key resources are named `AWS::IAM::AccessKey:<key id>` (GuardDuty's shape).
const ACCESS_KEY_PREFIX: &str = "AWS::IAM::AccessKey:";

pub struct IamUnusedCredentials {
    max_unused_secs: u64,
    max_age_secs: u64,
    max_unused_days: u64,
    max_age_days: u64,
    /// `EXEMPT_TAG` is set: only then are a user's tags listed.
    list_tags: bool,
}

/// How an event named the user, until `locate` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A user name (from a name or an ARN, whose path is ignored: names are unique in an account).
    Name(String),
    /// The unique id (`AIDA…`) AWS Config names users by.
    UserId(String),
    /// A manual `AIDA…`-shaped string: a user id, or (unlikely, but legal) a user with that name.
    IdOrName(String),
    /// An access key id (`AKIA…`): its owner, as `GetAccessKeyLastUsed` says.
    AccessKey(String),
}

/// An IAM user: as named by the event, and what IAM said about it once found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub named: Named,
    pub found: Option<Found>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub arn: String,
    pub user_id: String,
    /// `PasswordLastUsed` in the same answer (GetUser or ListUsers).
    pub password_last_used: Option<DateTime>,
}

impl User {
    pub fn named(named: Named) -> Self {
        User { named, found: None }
    }

    fn from_iam(user: &aws_sdk_iam::types::User) -> Self {
        let found = Found {
            name: user.user_name().to_owned(),
            arn: user.arn().to_owned(),
            user_id: user.user_id().to_owned(),
            password_last_used: user.password_last_used().copied(),
        };
        User { named: Named::Name(found.name.clone()), found: Some(found) }
    }

    /// The user name IAM calls take; only known for a name or once found.
    fn name(&self) -> Option<&str> {
        match (&self.found, &self.named) {
            (Some(found), _) => Some(&found.name),
            (None, Named::Name(name)) => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.named {
            Named::Name(s) | Named::UserId(s) | Named::IdOrName(s) | Named::AccessKey(s) => f.write_str(s),
        }
    }
}

/// What the report shows as `before`: each key with its status, creation and last use (never a
/// secret), the console password's, and the "now" the ages were measured against.
///
/// The read-back after a fix (`read`), and so the report's `after`, the ledger's `after` and what undo
/// compares with it, leaves out last use, ages and "now": they change with time and with use alone (a
/// key still in use is used again any minute), and undo must see only a change of keys or statuses
/// as someone else's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", try_from = "Recorded")]
pub struct Credentials {
    pub user_name: String,
    pub access_keys: Vec<AccessKey>,
    /// Null when the user has no console password (no login profile).
    pub console_password: Option<ConsolePassword>,
    /// Left out with the usage (`read`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKey {
    pub access_key_id: String,
    pub status: String,
    pub create_date: String,
    /// `None` in the read-back (see `Credentials`).
    #[serde(flatten)]
    pub usage: Option<KeyUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyUsage {
    /// Null when the key was never used.
    pub last_used_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_service: Option<String>,
    /// Whole days since the last use, or since creation for a key never used.
    pub days_unused: u64,
    pub days_old: u64,
    /// To the second (the thresholds are); from the dates again when read from JSON.
    #[serde(skip)]
    idle_secs: u64,
    #[serde(skip)]
    age_secs: u64,
}

impl AccessKey {
    fn is_active(&self) -> bool {
        self.status == StatusType::Active.as_str()
    }

    fn last_use(&self) -> String {
        match self.usage.as_ref().map(|u| (&u.last_used_date, &u.last_used_service)) {
            Some((Some(date), Some(service))) => format!("last used {date} ({service})"),
            Some((Some(date), None)) => format!("last used {date}"),
            Some((None, _)) => format!("never used, created {}", self.create_date),
            None => format!("created {}", self.create_date),
        }
    }

    fn days_unused(&self) -> u64 {
        self.usage.as_ref().map_or(0, |u| u.days_unused)
    }

    fn days_old(&self) -> u64 {
        self.usage.as_ref().map_or(0, |u| u.days_old)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConsolePassword {
    pub create_date: String,
    /// `None` in the read-back (see `Credentials`).
    #[serde(flatten)]
    pub usage: Option<PasswordUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordUsage {
    /// Null when the password was never used to sign in.
    pub last_used_date: Option<String>,
    pub days_unused: u64,
    #[serde(skip)]
    idle_secs: u64,
}

impl Credentials {
    /// What undo compares and the read-back reports: the keys, their status and the console password's
    /// existence (see `Credentials`).
    pub fn without_usage(mut self) -> Self {
        for key in &mut self.access_keys {
            key.usage = None;
        }
        if let Some(password) = &mut self.console_password {
            password.usage = None;
        }
        self.checked_at = None;
        self
    }
}

/// `Credentials` as its JSON holds it; the ages to the second are measured again from its dates.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Recorded {
    user_name: String,
    access_keys: Vec<AccessKey>,
    console_password: Option<ConsolePassword>,
    #[serde(default)]
    checked_at: Option<String>,
}

impl TryFrom<Recorded> for Credentials {
    type Error = String;

    fn try_from(r: Recorded) -> std::result::Result<Self, String> {
        let mut c = Credentials {
            user_name: r.user_name,
            access_keys: r.access_keys,
            console_password: r.console_password,
            checked_at: r.checked_at,
        };
        let has_usage = c.access_keys.iter().any(|k| k.usage.is_some())
            || c.console_password.as_ref().is_some_and(|p| p.usage.is_some());
        let Some(checked_at) = c.checked_at.as_deref() else {
            return if has_usage { Err("last use recorded without CheckedAt".into()) } else { Ok(c) };
        };
        let date = |s: &str| {
            DateTime::from_str(s, DateTimeFormat::DateTime).map_err(|e| format!("{s:?} is not an RFC 3339 date: {e}"))
        };
        let now = date(checked_at)?;
        for key in &mut c.access_keys {
            let created = date(&key.create_date)?;
            if let Some(u) = &mut key.usage {
                let used = u.last_used_date.as_deref().map(date).transpose()?;
                u.idle_secs = elapsed(&now, used.as_ref().unwrap_or(&created));
                u.age_secs = elapsed(&now, &created);
            }
        }
        if let Some(p) = &mut c.console_password {
            let created = date(&p.create_date)?;
            if let Some(u) = &mut p.usage {
                let used = u.last_used_date.as_deref().map(date).transpose()?;
                u.idle_secs = elapsed(&now, used.as_ref().unwrap_or(&created));
            }
        }
        Ok(c)
    }
}

fn rfc3339(t: &DateTime) -> String {
    t.fmt(DateTimeFormat::DateTime).unwrap_or_else(|_| t.secs().to_string())
}

/// Seconds from `then` to `now`; a date in the future (clock skew) counts as now.
fn elapsed(now: &DateTime, then: &DateTime) -> u64 {
    u64::try_from(now.secs().saturating_sub(then.secs())).unwrap_or(0)
}

fn is_user_name(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// IAM's `UserId` pattern is `[\w]+`, 16 to 128 characters.
fn is_user_id(s: &str) -> bool {
    (16..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `AIDA` and 17 upper-case letters or digits: how AWS shows an IAM user's unique id.
fn looks_like_user_id(s: &str) -> bool {
    s.len() == 21 && s.starts_with("AIDA") && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A long-term access key id (`AKIA` and 16 upper-case letters or digits).
fn is_access_key_id(s: &str) -> bool {
    s.len() == 20 && s.starts_with("AKIA") && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn access_key(id: &str) -> Result<Resolved<User>, String> {
    if id.starts_with("ASIA") {
        return Err(format!("{id} is a temporary (STS session) key: it belongs to no IAM user"));
    }
    if !is_access_key_id(id) {
        return Err(format!("{id:?} is not an IAM access key id (AKIA…)"));
    }
    Ok(Resolved::target(User::named(Named::AccessKey(id.to_owned()))))
}

fn not_found(e: &AwsError) -> bool {
    e.is(NO_SUCH_ENTITY)
}

/// GetUser by name; `None` when there is no such user.
async fn get_user(cx: &Cx<'_, aws_sdk_iam::Client>, name: &str) -> Result<Option<User>> {
    match cx.client.get_user().user_name(name).send().await {
        Ok(out) => Ok(out.user.as_ref().map(User::from_iam)),
        Err(e) => {
            let e = AwsError::from_sdk("iam:GetUser", name, e);
            if not_found(&e) {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

/// Every user of the account, page by page (`ListUsers` has no filter by id: this is the lookup that
/// cannot miss).
async fn list_users(cx: &Cx<'_, aws_sdk_iam::Client>) -> Result<Vec<User>> {
    let mut pages = cx.client.list_users().into_paginator().page_size(1000).send();
    let mut users = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk("iam:ListUsers", cx.account, e))?;
        users.extend(page.users().iter().map(User::from_iam));
    }
    Ok(users)
}

impl IamUnusedCredentials {
    fn is_unused_secs(&self, idle_secs: u64) -> bool {
        idle_secs > self.max_unused_secs
    }

    /// An active key unused for too long: the one thing this function fixes. (Judged on a state read
    /// with its usage: the read-back has none.)
    pub fn is_unused(&self, key: &AccessKey) -> bool {
        key.is_active() && key.usage.as_ref().is_some_and(|u| self.is_unused_secs(u.idle_secs))
    }

    /// IAM.3: an active key in use but older than `ACCESS_KEY_MAX_AGE_DAYS`.
    pub fn is_old_in_use(&self, key: &AccessKey) -> bool {
        key.is_active()
            && key.usage.as_ref().is_some_and(|u| !self.is_unused_secs(u.idle_secs) && u.age_secs > self.max_age_secs)
    }

    pub fn is_password_unused(&self, password: &ConsolePassword) -> bool {
        password.usage.as_ref().is_some_and(|u| self.is_unused_secs(u.idle_secs))
    }

    /// What is left for a person: old keys in use, an unused console password.
    fn for_a_person(&self, state: &Credentials) -> Vec<String> {
        let mut todo: Vec<String> = state
            .access_keys
            .iter()
            .filter(|k| self.is_old_in_use(k))
            .map(|k| {
                format!(
                    "access key {} is {} days old (ACCESS_KEY_MAX_AGE_DAYS={}) and in use, {}: rotate it with whoever \
                     uses it (IAM.3)",
                    k.access_key_id,
                    k.days_old(),
                    self.max_age_days,
                    k.last_use()
                )
            })
            .collect();
        let unused = state.console_password.as_ref().filter(|p| self.is_password_unused(p));
        if let Some((p, u)) = unused.and_then(|p| Some((p, p.usage.as_ref()?))) {
            let used = match &u.last_used_date {
                Some(date) => format!("last used {date}"),
                None => format!("never used, created {}", p.create_date),
            };
            todo.push(format!(
                "the console password is unused for {} days ({used}): remove the login profile if the user does not \
                 need the console (not done automatically)",
                u.days_unused
            ));
        }
        todo
    }

    /// ListAccessKeys, GetAccessKeyLastUsed per key (only `with_usage`), GetLoginProfile; `None` when
    /// the user is gone.
    async fn credentials(
        &self,
        cx: &Cx<'_, aws_sdk_iam::Client>,
        name: &str,
        password_last_used: Option<DateTime>,
        with_usage: bool,
    ) -> Result<Option<Credentials>> {
        let now = DateTime::from(cx.now);
        let mut listed = Vec::new();
        let mut pages = cx.client.list_access_keys().user_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => listed.extend(page.access_key_metadata().iter().cloned()),
                Err(e) => {
                    let e = AwsError::from_sdk("iam:ListAccessKeys", name, e);
                    return if not_found(&e) { Ok(None) } else { Err(e.into()) };
                }
            }
        }
        let mut access_keys = Vec::new();
        // One key after the other, in IAM's order: a user has at most two.
        for meta in listed {
            let (Some(id), Some(created)) = (meta.access_key_id(), meta.create_date()) else {
                continue;
            };
            let status = meta.status().map(|s| s.as_str().to_owned()).unwrap_or_else(|| "Unknown".into());
            if !with_usage {
                access_keys.push(AccessKey {
                    access_key_id: id.to_owned(),
                    status,
                    create_date: rfc3339(created),
                    usage: None,
                });
                continue;
            }
            let last_used = match cx.client.get_access_key_last_used().access_key_id(id).send().await {
                Ok(out) => out.access_key_last_used,
                Err(e) => {
                    let e = AwsError::from_sdk("iam:GetAccessKeyLastUsed", id, e);
                    if not_found(&e) {
                        continue; // deleted since the listing
                    }
                    return Err(e.into());
                }
            };
            let used_at = last_used.as_ref().and_then(|u| u.last_used_date());
            let service = last_used.as_ref().map(|u| u.service_name()).filter(|s| !s.is_empty() && *s != "N/A");
            let idle_secs = elapsed(&now, used_at.unwrap_or(created));
            let age_secs = elapsed(&now, created);
            access_keys.push(AccessKey {
                access_key_id: id.to_owned(),
                status,
                create_date: rfc3339(created),
                usage: Some(KeyUsage {
                    last_used_date: used_at.map(rfc3339),
                    last_used_service: service.map(str::to_owned),
                    days_unused: idle_secs / DAY,
                    days_old: age_secs / DAY,
                    idle_secs,
                    age_secs,
                }),
            });
        }
        let console_password = match cx.client.get_login_profile().user_name(name).send().await {
            Ok(out) => out.login_profile.map(|profile| {
                let created = *profile.create_date();
                let idle_secs = elapsed(&now, password_last_used.as_ref().unwrap_or(&created));
                let usage = with_usage.then(|| PasswordUsage {
                    last_used_date: password_last_used.as_ref().map(rfc3339),
                    days_unused: idle_secs / DAY,
                    idle_secs,
                });
                ConsolePassword { create_date: rfc3339(&created), usage }
            }),
            Err(e) => {
                let e = AwsError::from_sdk("iam:GetLoginProfile", name, e);
                // NoSuchEntity: no password (or no user, which ListAccessKeys just said exists).
                if !not_found(&e) {
                    return Err(e.into());
                }
                None
            }
        };
        let checked_at = with_usage.then(|| rfc3339(&now));
        Ok(Some(Credentials { user_name: name.to_owned(), access_keys, console_password, checked_at }))
    }

    async fn tags(&self, cx: &Cx<'_, aws_sdk_iam::Client>, name: &str) -> Result<Option<Vec<(String, String)>>> {
        let mut tags = Vec::new();
        let mut pages = cx.client.list_user_tags().user_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => tags.extend(page.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned()))),
                Err(e) => {
                    let e = AwsError::from_sdk("iam:ListUserTags", name, e);
                    return if not_found(&e) { Ok(None) } else { Err(e.into()) };
                }
            }
        }
        Ok(Some(tags))
    }
}

impl Control for IamUnusedCredentials {
    type Target = User;
    type State = Credentials;
    type Client = aws_sdk_iam::Client;

    const NAME: &'static str = "iam-unused-credentials";
    /// No CloudTrail trigger: no single call makes a key unused; time does (Config's periodic rule, the
    /// schedule).
    const EVENT_NAMES: &'static [&'static str] = &[];
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::IAM::User"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["IAM.8", "IAM.22", "IAM.3"];
    const GLOBAL_SWEEP: bool = true;
    const WIRING: Wiring = Wiring {
        summary:
            "Deactivates IAM user access keys unused for longer than allowed, never deletes them (IAM.8, IAM.22); \
                  reports old keys in use (IAM.3) and unused console passwords.",
        event_source: "aws.iam",
        cloudtrail_source: "iam.amazonaws.com",
        global_service: true,
        config_rules: &[ConfigRule {
            identifier: "IAM_USER_UNUSED_CREDENTIALS_CHECK",
            name: "iam-user-unused-credentials-check",
            resource_types: &[],
            input_parameters: r#"{"maxCredentialUsageAge": "${CredentialMaxUnusedDays}"}"#,
        }],
        settings: &[
            Setting::new(
                "CREDENTIAL_MAX_UNUSED_DAYS",
                "90",
                "days an active access key may go unused (or, never used, exist) before it is deactivated; \
                 console passwords unused as long are reported.",
            )
            .pattern("^[1-9][0-9]{0,3}$"),
            Setting::new(
                "ACCESS_KEY_MAX_AGE_DAYS",
                "90",
                "keys older than this but in use are reported needs_action (IAM.3): rotation needs the key's owner.",
            )
            .pattern("^[1-9][0-9]{0,3}$"),
        ],
        permissions: &[
            Permission::allow(
                "Users",
                &[
                    "iam:GetUser",
                    "iam:ListUserTags",
                    "iam:ListAccessKeys",
                    "iam:GetAccessKeyLastUsed",
                    "iam:GetLoginProfile",
                    "iam:UpdateAccessKey",
                ],
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*",
            ),
            Permission::allow("IamNoResourceType", &["iam:ListUsers"], "*"),
        ],
        timeout: 900,
        timeout_why: "A sweep reads every IAM user of the account (ListUsers, then 4-6 calls a user, 16 at a time); \
                      IAM throttles, so large accounts need the most Lambda allows.",
    };

    fn new(settings: &Settings) -> Result<Self> {
        let max_unused_days = settings.number("CREDENTIAL_MAX_UNUSED_DAYS", 90, 1..=3650)?;
        let max_age_days = settings.number("ACCESS_KEY_MAX_AGE_DAYS", 90, 1..=3650)?;
        Ok(IamUnusedCredentials {
            max_unused_secs: max_unused_days * DAY,
            max_age_secs: max_age_days * DAY,
            max_unused_days,
            max_age_days,
            list_tags: settings.exempt_tag.is_some(),
        })
    }

    fn client(config: &SdkConfig) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(config)
    }

    /// A user name, a user ARN (with or without a path), the unique id AWS Config names users by
    /// (`AWS::IAM::User`), or an access key (`AwsIamAccessKey`, `AWS::IAM::AccessKey:AKIA…`) whose owner
    /// `locate` asks IAM for. A Security Hub `AwsAccount` resource means every user.
    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<User>, String> {
        let id = r.id.as_str();
        match r.resource_type.as_deref() {
            Some("AWS::IAM::User") => {
                return if is_user_id(id) {
                    Ok(Resolved::target(User::named(Named::UserId(id.to_owned()))))
                } else {
                    Err(format!("{id:?} is not an IAM user's unique id (AIDA…)"))
                };
            }
            Some("AwsAccount") => return Ok(Resolved::Sweep),
            Some("AwsIamAccessKey") if !id.starts_with("arn:") => {
                return access_key(id.strip_prefix(ACCESS_KEY_PREFIX).unwrap_or(id));
            }
            _ => {}
        }
        if let Some(key_id) = id.strip_prefix(ACCESS_KEY_PREFIX) {
            return access_key(key_id);
        }
        if id.starts_with("AWS::::Account:") {
            return Ok(Resolved::Sweep);
        }
        if let Some(arn) = Arn::parse(id) {
            let name = arn.resource.strip_prefix("user/").and_then(|path| path.rsplit('/').next());
            return match name {
                Some(name) if arn.service == "iam" && arn.region.is_empty() && is_user_name(name) => {
                    Ok(Resolved::Target {
                        target: User::named(Named::Name(name.to_owned())),
                        account: arn.account(),
                        region: None,
                    })
                }
                _ => Err(format!("{id} is not an IAM user ARN (arn:aws:iam::<account>:user/<path/>name)")),
            };
        }
        if looks_like_user_id(id) {
            return Ok(Resolved::target(User::named(Named::IdOrName(id.to_owned()))));
        }
        if is_user_name(id) {
            return Ok(Resolved::target(User::named(Named::Name(id.to_owned()))));
        }
        Err(format!(
            "{id:?} is not an IAM user name (1-64 of letters, digits and +=,.@_-), user ARN or unique id (AIDA…)"
        ))
    }

    /// The user's own ARN once found (it has the path); before that, the ARN a plain name has, an
    /// access key as Security Hub names it, or the id as the event gave it. Each resolves again to the
    /// same user.
    fn arn(&self, user: &User, partition: &str, account: &str, _region: &str) -> String {
        match (&user.found, &user.named) {
            (Some(found), _) => found.arn.clone(),
            (None, Named::Name(name)) => format!("arn:{partition}:iam::{account}:user/{name}"),
            (None, Named::AccessKey(key_id)) => format!("{ACCESS_KEY_PREFIX}{key_id}"),
            (None, _) => user.to_string(),
        }
    }

    /// Every user, once per account (IAM is global). The listing carries name, ARN, id and
    /// `PasswordLastUsed`, so `locate` needs no `GetUser` for them.
    async fn sweep(&self, cx: &Cx<'_, aws_sdk_iam::Client>) -> Result<Vec<User>> {
        list_users(cx).await
    }

    async fn locate(&self, cx: &Cx<'_, aws_sdk_iam::Client>, user: User) -> Result<Option<(User, Option<String>)>> {
        if user.found.is_some() {
            return Ok(Some((user, None)));
        }
        let found = match &user.named {
            Named::Name(name) => get_user(cx, name).await?,
            Named::UserId(id) => {
                list_users(cx).await?.into_iter().find(|u| u.found.as_ref().is_some_and(|f| f.user_id == *id))
            }
            Named::IdOrName(s) => match get_user(cx, s).await? {
                Some(u) => Some(u),
                None => list_users(cx).await?.into_iter().find(|u| u.found.as_ref().is_some_and(|f| f.user_id == *s)),
            },
            Named::AccessKey(key_id) => {
                let owner = match cx.client.get_access_key_last_used().access_key_id(key_id).send().await {
                    Ok(out) => out.user_name,
                    Err(e) => {
                        let e = AwsError::from_sdk("iam:GetAccessKeyLastUsed", key_id, e);
                        if !not_found(&e) {
                            return Err(e.into());
                        }
                        None
                    }
                };
                match owner {
                    Some(name) => get_user(cx, &name).await?,
                    None => None,
                }
            }
        };
        Ok(found.map(|u| (u, None)))
    }

    async fn describe(&self, cx: &Cx<'_, aws_sdk_iam::Client>, user: &User) -> Result<Option<Description>> {
        let Some(found) = &user.found else {
            return Ok(None);
        };
        let tags = if self.list_tags {
            match self.tags(cx, &found.name).await? {
                Some(tags) => tags,
                None => return Ok(None),
            }
        } else {
            Vec::new()
        };
        Ok(Some(Description {
            tags,
            names: vec![found.name.clone(), found.arn.clone(), found.user_id.clone()],
            not_ours: None,
        }))
    }

    /// The read-back (after a fix or an undo, and what undo compares): GetUser (whether the user still
    /// exists), the keys and their status, whether there is a console password; no last use, no ages
    /// (see `Credentials`), so no GetAccessKeyLastUsed.
    async fn read(&self, cx: &Cx<'_, aws_sdk_iam::Client>, user: &User) -> Result<Option<Credentials>> {
        let Some(name) = user.name() else {
            return Ok(None);
        };
        if get_user(cx, name).await?.is_none() {
            return Ok(None);
        }
        self.credentials(cx, name, None, false).await
    }

    /// The state that decides, with every key's last use and age. The listing or GetUser that found
    /// the user, milliseconds old, gives `PasswordLastUsed`.
    async fn read_before(&self, cx: &Cx<'_, aws_sdk_iam::Client>, user: &User) -> Result<Option<Credentials>> {
        let found = match &user.found {
            Some(found) => found.clone(),
            None => match user.name() {
                Some(name) => match get_user(cx, name).await?.and_then(|u| u.found) {
                    Some(found) => found,
                    None => return Ok(None),
                },
                None => return Ok(None),
            },
        };
        self.credentials(cx, &found.name, found.password_last_used, true).await
    }

    /// No active key unused too long, no active key too old (IAM.3), no console password unused too long.
    fn is_compliant(&self, state: &Credentials) -> bool {
        !state.access_keys.iter().any(|k| self.is_unused(k) || self.is_old_in_use(k))
            && !state.console_password.as_ref().is_some_and(|p| self.is_password_unused(p))
    }

    /// Only old keys in use and an unused password are wrong: nothing this function may change.
    fn needs_action(&self, state: &Credentials) -> Option<String> {
        if state.access_keys.iter().any(|k| self.is_unused(k)) {
            return None;
        }
        let todo = self.for_a_person(state);
        (!todo.is_empty()).then(|| format!("{}: {}", state.user_name, todo.join("; ")))
    }

    /// Fixed when no active key is unused any more. An old key in use or an unused password may remain:
    /// those are a person's to act on, and the detail says so.
    /// (The read-back has no usage: every key judged unused before must be inactive, or gone, now.)
    fn is_fixed(&self, before: &Credentials, after: &Credentials) -> bool {
        before.access_keys.iter().filter(|k| self.is_unused(k)).all(|k| {
            let now = after.access_keys.iter().find(|a| a.access_key_id == k.access_key_id);
            now.is_none_or(|a| !a.is_active())
        })
    }

    async fn fix(&self, cx: &Cx<'_, aws_sdk_iam::Client>, _user: &User, before: &Credentials) -> Result<String> {
        let name = before.user_name.as_str();
        let mut done = Vec::new();
        for key in before.access_keys.iter().filter(|k| self.is_unused(k)) {
            let id = key.access_key_id.as_str();
            match set_status(cx, name, id, StatusType::Inactive).await {
                Ok(_) => done.push(format!(
                    "{id} ({}, unused {} days > CREDENTIAL_MAX_UNUSED_DAYS={})",
                    key.last_use(),
                    key.days_unused(),
                    self.max_unused_days
                )),
                Err(mut e) => {
                    // Deleted since the read: nothing left to deactivate; the read-back decides.
                    if not_found(&e) {
                        continue;
                    }
                    if !done.is_empty() {
                        e.message = format!("{} (deactivated before it: {})", e.message, done.join(", "));
                    }
                    return Err(Error::Aws(e));
                }
            }
        }
        let mut detail = if done.is_empty() {
            "no key left to deactivate (deleted since the read)".to_owned()
        } else {
            format!("deactivated {} (not deleted: the owner can turn a key back on)", done.join(", "))
        };
        let todo = self.for_a_person(before);
        if !todo.is_empty() {
            detail.push_str("; still for a person: ");
            detail.push_str(&todo.join("; "));
        }
        Ok(detail)
    }

    /// Undo: reactivate the keys the fix deactivated, and no other: those active in the recorded
    /// `before` and inactive now. The engine calls it only while the user's keys are as the fix left
    /// them (the read-back, milliseconds after the fix), so these are the fix's. A key inactive before
    /// the fix stays inactive. If IAM refuses one, the keys already reactivated are deactivated again:
    /// the user is left as the fix left them.
    async fn restore(
        &self,
        cx: &Cx<'_, aws_sdk_iam::Client>,
        _user: &User,
        before: &Credentials,
        now: &Credentials,
    ) -> Result<String> {
        let name = now.user_name.as_str();
        if before.user_name != name {
            return Err(Error::Target(format!(
                "the recorded before is of user {}, not {name}: nothing was written",
                before.user_name
            )));
        }
        let deactivated: Vec<&str> = before
            .access_keys
            .iter()
            .filter(|b| b.is_active())
            .filter(|b| now.access_keys.iter().any(|n| n.access_key_id == b.access_key_id && !n.is_active()))
            .map(|b| b.access_key_id.as_str())
            .collect();
        let mut reactivated: Vec<&str> = Vec::new();
        for id in &deactivated {
            let sent = set_status(cx, name, id, StatusType::Active).await;
            let Err(e) = sent else {
                reactivated.push(id);
                continue;
            };
            let mut left = Vec::new();
            for done in &reactivated {
                if let Err(again) = set_status(cx, name, done, StatusType::Inactive).await {
                    left.push(format!("{done} ({again})"));
                }
            }
            return Err(Error::NeedsAction(if left.is_empty() {
                let again = if reactivated.is_empty() {
                    String::new()
                } else {
                    format!(" ({} reactivated, then deactivated again)", reactivated.join(", "))
                };
                format!(
                    "{e}; nothing of the undo was kept{again}: the keys of {name} are as the fix left them. Reactivate \
                     {} by hand (aws iam update-access-key --status Active) once the cause is fixed, or run the undo \
                     again",
                    deactivated.join(", ")
                )
            } else {
                format!(
                    "{e}; then deactivating again the keys reactivated before it failed: {} stay active. Compare \
                     {name}'s keys with this action's before and set their status by hand",
                    left.join(", ")
                )
            }));
        }
        Ok(if reactivated.is_empty() {
            "no key to reactivate: none was active before the fix and inactive now".to_owned()
        } else {
            format!("reactivated {} (deactivated by the fix; no other key touched)", reactivated.join(", "))
        })
    }

    /// The same keys with the same status as before (and the same console password, created when it
    /// was), whatever their last use and ages say now.
    fn is_restored(&self, before: &Credentials, after: &Credentials) -> bool {
        let settled = |c: &Credentials| {
            let mut c = c.clone().without_usage();
            c.access_keys.sort_by(|a, b| a.access_key_id.cmp(&b.access_key_id));
            c
        };
        settled(before) == settled(after)
    }
}

async fn set_status(
    cx: &Cx<'_, aws_sdk_iam::Client>,
    user_name: &str,
    key_id: &str,
    status: StatusType,
) -> std::result::Result<(), AwsError> {
    cx.client
        .update_access_key()
        .user_name(user_name)
        .access_key_id(key_id)
        .status(status)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("iam:UpdateAccessKey", format!("{key_id} of {user_name}"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(vars: &[(&str, &str)]) -> IamUnusedCredentials {
        IamUnusedCredentials::new(&Settings::from_vars(vars.iter().copied()).unwrap()).unwrap()
    }

    fn resolve(r: ResourceRef) -> Result<Resolved<User>, String> {
        control(&[]).resolve(&r)
    }

    fn manual(id: &str) -> Result<Resolved<User>, String> {
        resolve(ResourceRef { id: id.into(), ..Default::default() })
    }

    fn typed(id: &str, resource_type: &str) -> Result<Resolved<User>, String> {
        resolve(ResourceRef { id: id.into(), resource_type: Some(resource_type.into()), ..Default::default() })
    }

    fn target(named: Named) -> Result<Resolved<User>, String> {
        Ok(Resolved::target(User::named(named)))
    }

    fn key(status: &str, unused_days: u64, age_days: u64) -> AccessKey {
        keyed("AKIAIOSFODNN7EXAMPLE", status, unused_days, age_days)
    }

    fn keyed(id: &str, status: &str, unused_days: u64, age_days: u64) -> AccessKey {
        AccessKey {
            access_key_id: id.into(),
            status: status.into(),
            create_date: "2025-01-01T00:00:00Z".into(),
            usage: Some(KeyUsage {
                last_used_date: None,
                last_used_service: None,
                days_unused: unused_days,
                days_old: age_days,
                idle_secs: unused_days * DAY + 1,
                age_secs: age_days * DAY + 1,
            }),
        }
    }

    fn state(keys: Vec<AccessKey>, password_unused_days: Option<u64>) -> Credentials {
        Credentials {
            user_name: "deploy+ci@example.com".into(),
            access_keys: keys,
            console_password: password_unused_days.map(|d| ConsolePassword {
                create_date: "2025-01-01T00:00:00Z".into(),
                usage: Some(PasswordUsage { last_used_date: None, days_unused: d, idle_secs: d * DAY + 1 }),
            }),
            checked_at: Some("2026-03-05T00:00:00Z".into()),
        }
    }

    #[test]
    fn resolves_names_arns_ids_and_keys() {
        for name in ["deploy+ci@example.com", "a", "svc_1=x,y.z-w", "123456789012", &"n".repeat(64)] {
            assert_eq!(manual(name), target(Named::Name(name.into())), "{name}");
        }
        assert_eq!(
            manual("arn:aws:iam::111122223333:user/division/ci/deploy+ci@example.com"),
            Ok(Resolved::Target {
                target: User::named(Named::Name("deploy+ci@example.com".into())),
                account: Some("111122223333".into()),
                region: None
            })
        );
        assert_eq!(manual("AIDAZ3EXAMPLE7CIDEPLY"), target(Named::IdOrName("AIDAZ3EXAMPLE7CIDEPLY".into())));
        // AWS Config names users by unique id; moto's ids are lower case and have no AIDA prefix.
        for id in ["AIDAZ3EXAMPLE7CIDEPLY", "k2v8x0q4m6n1b3c5d7f9"] {
            assert_eq!(typed(id, "AWS::IAM::User"), target(Named::UserId(id.into())), "{id}");
        }
        for id in ["AKIAIOSFODNN7EXAMPLE", "AWS::IAM::AccessKey:AKIAIOSFODNN7EXAMPLE"] {
            assert_eq!(typed(id, "AwsIamAccessKey"), target(Named::AccessKey("AKIAIOSFODNN7EXAMPLE".into())), "{id}");
        }
        assert_eq!(
            manual("AWS::IAM::AccessKey:AKIAIOSFODNN7EXAMPLE"),
            target(Named::AccessKey("AKIAIOSFODNN7EXAMPLE".into()))
        );
        assert_eq!(typed("AWS::::Account:123456789012", "AwsAccount"), Ok(Resolved::Sweep));
    }

    #[test]
    fn rejects_what_is_not_a_user() {
        for bad in [
            "bücket-ü",
            "has/slash",
            "has:colon",
            "has*star",
            &"n".repeat(65),
            "arn:aws:iam::111122223333:role/admin",
            "arn:aws:iam::111122223333:user/",
            "arn:aws:iam:us-east-1:111122223333:user/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::111122223333:user/path/bad*name",
        ] {
            let err = manual(bad).unwrap_err();
            assert!(err.contains("IAM user"), "{bad}: {err}");
        }
        assert!(typed("not an id", "AWS::IAM::User").unwrap_err().contains("unique id"));
        assert!(typed("short", "AWS::IAM::User").is_err());
        let err = typed("AWS::IAM::AccessKey:ASIAZ3EXAMPLEJD4K8RT", "AwsIamAccessKey").unwrap_err();
        assert!(err.contains("temporary"), "{err}");
        assert!(typed("AKIA-not-a-key", "AwsIamAccessKey").unwrap_err().contains("access key id"));
    }

    #[test]
    fn unused_active_keys_are_fixed_and_inactive_ones_left() {
        let c = control(&[]);
        assert!(c.is_compliant(&state(vec![key("Active", 10, 80)], None)));
        assert!(c.is_compliant(&state(vec![key("Inactive", 400, 400)], None)), "an inactive key is done with");
        let unused = state(vec![key("Active", 91, 91)], None);
        assert!(!c.is_compliant(&unused));
        assert_eq!(c.needs_action(&unused), None, "this function fixes it");
        // 90 days and a second is older than 90 days; exactly 90 days is not.
        let mut edge = key("Active", 90, 90);
        assert!(c.is_unused(&edge));
        edge.usage.as_mut().unwrap().idle_secs = 90 * DAY;
        assert!(!c.is_unused(&edge));
    }

    #[test]
    fn old_keys_in_use_and_unused_passwords_need_a_person() {
        let c = control(&[]);
        let old = state(vec![key("Active", 3, 200)], None);
        assert!(!c.is_compliant(&old));
        let what = c.needs_action(&old).unwrap();
        assert!(what.contains("AKIAIOSFODNN7EXAMPLE is 200 days old (ACCESS_KEY_MAX_AGE_DAYS=90)"), "{what}");
        assert!(what.contains("rotate it"), "{what}");
        let password = state(vec![], Some(120));
        assert!(!c.is_compliant(&password));
        assert!(c.needs_action(&password).unwrap().contains("console password is unused for 120 days"));
        assert!(c.is_compliant(&state(vec![], Some(30))));
        let lenient = control(&[("ACCESS_KEY_MAX_AGE_DAYS", "365")]);
        assert!(lenient.is_compliant(&old));
    }

    #[test]
    fn deactivating_the_unused_keys_is_a_fix_even_with_an_old_key_in_use_left() {
        let c = control(&[]);
        let (used, unused) = ("AKIAZ3EXAMPLE7CIUSED1", "AKIAZ3EXAMPLE7CIOLD01");
        let before = state(vec![keyed(used, "Active", 3, 200), keyed(unused, "Active", 150, 150)], Some(120));
        assert_eq!(c.needs_action(&before), None);
        let after = state(vec![keyed(used, "Active", 3, 200), keyed(unused, "Inactive", 150, 150)], Some(120));
        assert!(!c.is_compliant(&after), "IAM.3 and the password still fail");
        // The read-back has no usage: judged by the keys the fix was for.
        assert!(c.is_fixed(&before, &after.clone().without_usage()));
        assert!(c.is_fixed(&before, &state(vec![keyed(used, "Active", 3, 200)], None).without_usage()), "deleted");
        assert!(!c.is_fixed(&before, &before.clone().without_usage()), "a key still active and unused is a failed fix");
    }

    #[test]
    fn settings_are_checked() {
        let c = control(&[("CREDENTIAL_MAX_UNUSED_DAYS", "45"), ("EXEMPT_TAG", "")]);
        assert_eq!((c.max_unused_days, c.max_unused_secs, c.max_age_days, c.list_tags), (45, 45 * DAY, 90, false));
        for (k, v) in [
            ("CREDENTIAL_MAX_UNUSED_DAYS", "0"),
            ("ACCESS_KEY_MAX_AGE_DAYS", "ninety"),
            ("ACCESS_KEY_MAX_AGE_DAYS", "-1"),
        ] {
            let settings = Settings::from_vars([(k, v)]).unwrap();
            let err = IamUnusedCredentials::new(&settings).err().unwrap();
            assert_eq!(err.error_type(), "InvalidConfig");
            assert!(err.to_string().starts_with(k), "{err}");
        }
    }

    #[test]
    fn report_names_the_user_by_arn() {
        let c = control(&[]);
        let arn = |u: &User| c.arn(u, "aws", "111122223333", "us-east-1");
        assert_eq!(arn(&User::named(Named::Name("a@b".into()))), "arn:aws:iam::111122223333:user/a@b");
        assert_eq!(arn(&User::named(Named::UserId("AIDAZ3EXAMPLE7CIDEPLY".into()))), "AIDAZ3EXAMPLE7CIDEPLY");
        let found = User {
            named: Named::Name("a@b".into()),
            found: Some(Found {
                name: "a@b".into(),
                arn: "arn:aws:iam::111122223333:user/ci/a@b".into(),
                user_id: "AIDAZ3EXAMPLE7CIDEPLY".into(),
                password_last_used: None,
            }),
        };
        assert_eq!(arn(&found), "arn:aws:iam::111122223333:user/ci/a@b");
    }

    /// A state as `credentials` measures it at `checked_at`: the ages follow from the dates.
    fn measured() -> Credentials {
        let date = |s: &str| DateTime::from_str(s, DateTimeFormat::DateTime).unwrap();
        let now = date("2026-03-05T10:20:30.5Z");
        let usage = |created: &str, used: Option<&str>, service: Option<&str>| {
            let idle_secs = elapsed(&now, &date(used.unwrap_or(created)));
            let age_secs = elapsed(&now, &date(created));
            KeyUsage {
                last_used_date: used.map(Into::into),
                last_used_service: service.map(Into::into),
                days_unused: idle_secs / DAY,
                days_old: age_secs / DAY,
                idle_secs,
                age_secs,
            }
        };
        let key = |id: &str, status: &str, created: &str, used, service| AccessKey {
            access_key_id: id.into(),
            status: status.into(),
            create_date: created.into(),
            usage: Some(usage(created, used, service)),
        };
        let password_idle = elapsed(&now, &date("2025-11-02T08:00:00Z"));
        Credentials {
            user_name: "deploy+ci@example.com".into(),
            access_keys: vec![
                key(
                    "AKIAZ3EXAMPLE7CIUSED1",
                    "Active",
                    "2025-01-01T00:00:00Z",
                    Some("2026-03-04T23:59:59Z"),
                    Some("s3"),
                ),
                key("AKIAZ3EXAMPLE7CIOLD01", "Inactive", "2025-06-30T12:00:00Z", None, None),
            ],
            console_password: Some(ConsolePassword {
                create_date: "2025-01-01T00:00:00Z".into(),
                usage: Some(PasswordUsage {
                    last_used_date: Some("2025-11-02T08:00:00Z".into()),
                    days_unused: password_idle / DAY,
                    idle_secs: password_idle,
                }),
            }),
            checked_at: Some(rfc3339(&now)),
        }
    }

    /// Undo reads `before` (with usage) and compares read-backs (without) from the ledger's JSON: both
    /// give the same state back, the ages to the second included.
    #[test]
    fn state_round_trips_through_its_json() {
        let full = measured();
        let no_password = Credentials { console_password: None, access_keys: vec![], ..full.clone() };
        for state in [full.clone(), full.clone().without_usage(), no_password.clone(), no_password.without_usage()] {
            let json = serde_json::to_value(&state).unwrap();
            let back: Credentials = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, state, "{json}");
        }
        let c = control(&[("CREDENTIAL_MAX_UNUSED_DAYS", "1")]);
        let back: Credentials = serde_json::from_value(serde_json::to_value(&full).unwrap()).unwrap();
        assert_eq!(back.access_keys[0].usage.as_ref().unwrap().idle_secs, 10 * 3600 + 20 * 60 + 31);
        assert!(!c.is_unused(&back.access_keys[0]), "used 10 hours ago");
        let mut undated = serde_json::to_value(&full).unwrap();
        undated.as_object_mut().unwrap().remove("CheckedAt");
        assert!(serde_json::from_value::<Credentials>(undated).unwrap_err().to_string().contains("CheckedAt"));
    }

    #[test]
    fn the_read_back_shows_keys_and_statuses_only() {
        let json = serde_json::to_value(measured().without_usage()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"UserName": "deploy+ci@example.com",
                "AccessKeys": [
                    {"AccessKeyId": "AKIAZ3EXAMPLE7CIUSED1", "Status": "Active", "CreateDate": "2025-01-01T00:00:00Z"},
                    {"AccessKeyId": "AKIAZ3EXAMPLE7CIOLD01", "Status": "Inactive", "CreateDate": "2025-06-30T12:00:00Z"}
                ],
                "ConsolePassword": {"CreateDate": "2025-01-01T00:00:00Z"}})
        );
    }

    #[test]
    fn restored_means_the_same_keys_with_the_same_status() {
        let c = control(&[]);
        let before = measured();
        let mut after = before.clone().without_usage();
        assert!(c.is_restored(&before, &after));
        after.access_keys.reverse();
        assert!(c.is_restored(&before, &after), "in another order");
        for change in [
            |c: &mut Credentials| c.access_keys[0].status = "Inactive".into(),
            |c: &mut Credentials| c.access_keys[1].status = "Active".into(),
            |c: &mut Credentials| drop(c.access_keys.pop()),
            |c: &mut Credentials| c.console_password = None,
        ] {
            let mut after = before.clone().without_usage();
            change(&mut after);
            assert!(!c.is_restored(&before, &after), "{after:?}");
        }
    }

    /// Undo resolves the report's `resource` (what `arn` wrote) back to the same user.
    #[test]
    fn report_names_resolve_to_the_same_user() {
        let c = control(&[]);
        let found = User {
            named: Named::Name("a@b".into()),
            found: Some(Found {
                name: "a@b".into(),
                arn: "arn:aws:iam::111122223333:user/ci/a@b".into(),
                user_id: "AIDAZ3EXAMPLE7CIDEPLY".into(),
                password_last_used: None,
            }),
        };
        let cases = [
            (found, Named::Name("a@b".into()), Some("111122223333")),
            (User::named(Named::Name("a@b".into())), Named::Name("a@b".into()), Some("111122223333")),
            (
                User::named(Named::AccessKey("AKIAIOSFODNN7EXAMPLE".into())),
                Named::AccessKey("AKIAIOSFODNN7EXAMPLE".into()),
                None,
            ),
            // A unique id is a name or an id until IAM says (locate tries both).
            (
                User::named(Named::UserId("AIDAZ3EXAMPLE7CIDEPLY".into())),
                Named::IdOrName("AIDAZ3EXAMPLE7CIDEPLY".into()),
                None,
            ),
        ];
        for (user, named, account) in cases {
            let name = c.arn(&user, "aws", "111122223333", "us-east-1");
            let r = ResourceRef {
                id: name.clone(),
                account: Some("111122223333".into()),
                region: Some("us-east-1".into()),
                ..Default::default()
            };
            let want = Resolved::Target { target: User::named(named), account: account.map(Into::into), region: None };
            assert_eq!(c.resolve(&r), Ok(want), "{name}");
        }
    }

    #[test]
    fn the_report_shows_no_secret_and_every_date() {
        let json = serde_json::to_value(state(vec![key("Active", 91, 91)], None)).unwrap();
        assert_eq!(
            json["AccessKeys"][0],
            serde_json::json!({"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Active",
                "CreateDate": "2025-01-01T00:00:00Z", "LastUsedDate": null, "DaysUnused": 91, "DaysOld": 91})
        );
        assert_eq!(json["ConsolePassword"], serde_json::Value::Null);
    }
}
