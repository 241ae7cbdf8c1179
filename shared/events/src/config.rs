//! Settings read once per cold start from the environment (names and defaults: CONTRACT.md).

use std::collections::HashMap;
use std::time::SystemTime;

use crate::error::{Error, Result};

/// `EXEMPT_TAG`: a tag key, optionally with the value it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExemptTag {
    pub key: String,
    pub value: Option<String>,
}

impl ExemptTag {
    pub fn matches<'a>(&self, mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        tags.any(|(k, v)| k == self.key && self.value.as_deref().is_none_or(|want| want == v))
    }
}

/// `TARGET_REGIONS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regions {
    /// The function's own region (or the event's, for regional triggers).
    Own,
    List(Vec<String>),
    /// Every region enabled in the account.
    All,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub notify_topic_arn: Option<String>,
    pub dry_run: bool,
    pub exempt_tag: Option<ExemptTag>,
    pub exempt_resources: Vec<String>,
    pub exempt_principals: Vec<String>,
    pub member_role_name: Option<String>,
    pub target_regions: Regions,
    pub kms_reenable_key: bool,
    pub snapshot_allowed_accounts: Option<Vec<String>>,
    pub ebs_default_kms_key_id: Option<String>,
    /// Role session names this function's own API calls appear under in CloudTrail
    /// (the Lambda function name, and the session it opens in member accounts).
    pub own_session_names: Vec<String>,
    /// Targets handled at once in sweeps and multi-resource events.
    pub concurrency: usize,
    /// "Now" for age-based decisions, fixed by tests; `None`: the system clock.
    pub fixed_now: Option<SystemTime>,
    /// Every variable, for the controls' own settings (`var`, `flag`, `number`).
    vars: HashMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_vars(std::iter::empty::<(String, String)>()).expect("defaults are valid")
    }
}

impl Settings {
    pub fn from_env() -> Result<Self> {
        Self::from_vars(std::env::vars())
    }

    /// Reads settings from name/value pairs; tests pass their own instead of mutating the process env.
    pub fn from_vars<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        let vars: HashMap<String, String> = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

        let exempt_tag = match vars.get("EXEMPT_TAG") {
            None => Some(ExemptTag { key: "auto-remediation".into(), value: Some("skip".into()) }),
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(parse_tag(v.trim())?),
        };
        let target_regions = match get("TARGET_REGIONS") {
            None => Regions::Own,
            Some(v) if v.eq_ignore_ascii_case("all") => Regions::All,
            Some(v) => {
                let list = list(v);
                if let Some(bad) = list.iter().find(|r| !is_region(r)) {
                    return Err(Error::InvalidConfig(format!("TARGET_REGIONS: {bad:?} is not a region name")));
                }
                Regions::List(list)
            }
        };
        let snapshot_allowed_accounts = match get("SNAPSHOT_ALLOWED_ACCOUNTS") {
            None => None,
            Some(v) => {
                let list = list(v);
                if let Some(bad) = list.iter().find(|a| !is_account_id(a)) {
                    return Err(Error::InvalidConfig(format!(
                        "SNAPSHOT_ALLOWED_ACCOUNTS: {bad:?} is not a 12-digit account id"
                    )));
                }
                Some(list)
            }
        };
        let mut own_session_names = Vec::new();
        if let Some(name) = get("AWS_LAMBDA_FUNCTION_NAME") {
            own_session_names.push(name.to_owned());
            own_session_names.push(member_session_name(name));
        }
        let concurrency = match get("REMEDIATION_CONCURRENCY") {
            None => 16,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .ok_or_else(|| Error::InvalidConfig(format!("REMEDIATION_CONCURRENCY: {v:?} is not 1..=256")))?,
        };
        let member_role_name = get("MEMBER_ROLE_NAME").map(str::to_owned);
        if let Some(role) = &member_role_name {
            if role.contains(':') || role.contains(char::is_whitespace) {
                return Err(Error::InvalidConfig(format!(
                    "MEMBER_ROLE_NAME: {role:?} must be a role name, not an ARN"
                )));
            }
        }
        Ok(Settings {
            notify_topic_arn: get("NOTIFY_TOPIC_ARN").map(str::to_owned),
            dry_run: boolean(&vars, "DRY_RUN", false)?,
            exempt_tag,
            exempt_resources: get("EXEMPT_RESOURCES").map(list).unwrap_or_default(),
            exempt_principals: get("EXEMPT_PRINCIPALS").map(list).unwrap_or_default(),
            member_role_name,
            target_regions,
            kms_reenable_key: boolean(&vars, "KMS_REENABLE_KEY", true)?,
            snapshot_allowed_accounts,
            ebs_default_kms_key_id: get("EBS_DEFAULT_KMS_KEY_ID").map(str::to_owned),
            own_session_names,
            concurrency,
            fixed_now: None,
            vars,
        })
    }

    /// A control's own setting: `None` when unset or blank.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// A `true` / `false` setting.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool> {
        boolean(&self.vars, name, default)
    }

    /// A whole-number setting within `range`.
    pub fn number(&self, name: &str, default: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64> {
        match self.var(name) {
            None => Ok(default),
            Some(v) => v.parse::<u64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "{name}: {v:?} is not a whole number in {}..={}",
                    range.start(),
                    range.end()
                ))
            }),
        }
    }

    /// A comma list setting (blank entries dropped).
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        self.var(name).map(list)
    }

    /// The one clock every age-based decision reads (tests fix it with `fixed_now`).
    pub fn now(&self) -> SystemTime {
        self.fixed_now.unwrap_or_else(SystemTime::now)
    }

    /// True when `principal` (an IAM or STS ARN) is listed in `EXEMPT_PRINCIPALS`.
    pub fn is_exempt_principal(&self, principal: &str) -> bool {
        self.exempt_principals.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => principal.starts_with(prefix),
            None => principal == p,
        })
    }
}

/// The role session name used when assuming `MEMBER_ROLE_NAME`, so its CloudTrail calls are recognisable.
pub fn member_session_name(function_name: &str) -> String {
    let mut name: String = format!("auto-remediation-{function_name}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "=,.@-_".contains(*c))
        .collect();
    name.truncate(64);
    name
}

fn list(v: &str) -> Vec<String> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn boolean(vars: &HashMap<String, String>, name: &str, default: bool) -> Result<bool> {
    match vars.get(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(Error::InvalidConfig(format!("{name}: {other:?} is not true or false"))),
    }
}

fn parse_tag(v: &str) -> Result<ExemptTag> {
    let (key, value) = match v.split_once('=') {
        Some((k, val)) => (k.trim(), Some(val.trim().to_owned())),
        None => (v, None),
    };
    if key.is_empty() || key.len() > 128 {
        return Err(Error::InvalidConfig(format!("EXEMPT_TAG: {v:?} needs a tag key (key or key=value)")));
    }
    Ok(ExemptTag { key: key.to_owned(), value })
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`...
/// Called for every region an event names: one pass, no allocation.
pub fn is_region(s: &str) -> bool {
    let Some(dash) = s.bytes().rposition(|b| b == b'-') else { return false };
    let (words, number) = (&s[..dash], &s[dash + 1..]);
    // Two or three words of lowercase letters, the first two letters long.
    let (mut words_seen, mut len) = (1, 0);
    for b in words.bytes() {
        match b {
            b'a'..=b'z' => len += 1,
            b'-' if len == 2 || (words_seen > 1 && len > 0) => (words_seen, len) = (words_seen + 1, 0),
            _ => return false,
        }
    }
    s.len() <= 32 && len > 0 && (2..=3).contains(&words_seen) && number.parse::<u8>().is_ok()
}

/// The ARN partition of a region.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let s = Settings::default();
        assert!(!s.dry_run);
        assert!(s.kms_reenable_key);
        assert_eq!(s.exempt_tag, Some(ExemptTag { key: "auto-remediation".into(), value: Some("skip".into()) }));
        assert_eq!(s.target_regions, Regions::Own);
        assert!(s.notify_topic_arn.is_none() && s.member_role_name.is_none());
        assert!(s.snapshot_allowed_accounts.is_none());
    }

    #[test]
    fn parses_every_setting() {
        let s = Settings::from_vars([
            ("DRY_RUN", "TRUE"),
            ("EXEMPT_TAG", "keep"),
            ("EXEMPT_RESOURCES", " a, arn:aws:s3:::b ,,"),
            ("EXEMPT_PRINCIPALS", "arn:aws:iam::123456789012:role/pipeline*"),
            ("TARGET_REGIONS", "us-east-1,eu-west-1"),
            ("KMS_REENABLE_KEY", "false"),
            ("SNAPSHOT_ALLOWED_ACCOUNTS", "111122223333"),
            ("AWS_LAMBDA_FUNCTION_NAME", "fn"),
        ])
        .unwrap();
        assert!(s.dry_run && !s.kms_reenable_key);
        assert_eq!(s.exempt_tag, Some(ExemptTag { key: "keep".into(), value: None }));
        assert_eq!(s.exempt_resources, ["a", "arn:aws:s3:::b"]);
        assert_eq!(s.target_regions, Regions::List(vec!["us-east-1".into(), "eu-west-1".into()]));
        assert!(s.is_exempt_principal("arn:aws:iam::123456789012:role/pipeline-deploy"));
        assert!(!s.is_exempt_principal("arn:aws:iam::123456789012:role/admin"));
        assert_eq!(s.own_session_names, ["fn", "auto-remediation-fn"]);
        assert_eq!(Settings::from_vars([("TARGET_REGIONS", "All")]).unwrap().target_regions, Regions::All);
        assert!(Settings::from_vars([("EXEMPT_TAG", "")]).unwrap().exempt_tag.is_none());
    }

    #[test]
    fn rejects_malformed_settings() {
        for (k, v) in [
            ("DRY_RUN", "maybe"),
            ("TARGET_REGIONS", "us-east-1,narnia"),
            ("SNAPSHOT_ALLOWED_ACCOUNTS", "1234"),
            ("EXEMPT_TAG", "=x"),
            ("MEMBER_ROLE_NAME", "arn:aws:iam::1:role/x"),
        ] {
            let err = Settings::from_vars([(k, v)]).unwrap_err();
            assert!(err.to_string().starts_with(k), "{err}");
        }
    }

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "eu-central-2"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "us-east-1a", "narnia", "us--1", "us-east-1-"] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
