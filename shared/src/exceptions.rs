//! Exceptions with an owner, a reason and an end date: the exceptions document (`EXCEPTIONS_PARAMETER`,
//! a JSON list in SSM Parameter Store) and the end date an `EXEMPT_TAG` value may carry.
//!
//! No AWS call here: the engine reads the parameter (at most once a minute) and asks this module.

use std::collections::HashSet;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::config::{is_account_id, is_region, ExemptTag};

/// A calendar day (UTC), as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

impl Date {
    /// The UTC day of `t`.
    pub fn of(t: SystemTime) -> Date {
        let secs = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64) - 1,
        };
        Date(secs.div_euclid(86_400))
    }

    /// `YYYY-MM-DD`, a real calendar day; anything else is `None`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| {
            s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).and_then(|p| p.parse::<i64>().ok())
        };
        let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date(days_from_civil(y, m, d)))
    }

    pub fn add_days(self, n: i64) -> Date {
        Date(self.0 + n)
    }

    pub fn days_until(self, later: Date) -> i64 {
        later.0 - self.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// One entry of the exceptions document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    /// A control's package name, or `*` for every control.
    pub control: String,
    /// A name, id or ARN; a trailing `*` makes it a prefix.
    pub resource: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub reason: String,
    pub owner: String,
    /// The last day (UTC) the exception holds.
    pub expires: Date,
}

impl Entry {
    fn names_match(&self, name: &str) -> bool {
        match self.resource.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == self.resource,
        }
    }

    /// Whether this entry covers a target of `control` in `account` / `region` known by any of `names`.
    pub fn matches<'a>(
        &self,
        control: &str,
        account: &str,
        region: &str,
        mut names: impl Iterator<Item = &'a str>,
    ) -> bool {
        (self.control == "*" || self.control == control)
            && self.account.as_deref().is_none_or(|a| a == account)
            && self.region.as_deref().is_none_or(|r| r == region)
            && names.any(|n| self.names_match(n))
    }

    pub fn is_active(&self, today: Date) -> bool {
        today <= self.expires
    }

    /// The `exempt` result's detail.
    pub fn exempt_detail(&self) -> String {
        format!("exception {} (owner {}, until {} UTC): {}", self.id, self.owner, self.expires, self.reason)
    }

    /// The note on a target this entry no longer exempts.
    pub fn expired_note(&self) -> String {
        format!(
            "exception {} (owner {}) expired: it held through {} UTC; remediated as usual",
            self.id, self.owner, self.expires
        )
    }
}

/// A validated exceptions document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub entries: Vec<Entry>,
}

const FIELDS: &[&str] = &["id", "control", "resource", "account", "region", "reason", "owner", "expires"];

impl Document {
    /// Parses and validates the whole document. Any bad entry makes the whole document invalid (`Err`
    /// names the entry and what is wrong): an exception that silently does not apply, or applies
    /// forever, is worse than an invocation that fails loudly.
    pub fn parse(text: &str, today: Date, max_days: u64) -> Result<Document, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Array(items) = value else {
            return Err("the document must be a JSON list of entries".into());
        };
        let mut entries = Vec::with_capacity(items.len());
        let mut ids = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let name = match item.get("id").and_then(Value::as_str) {
                Some(id) if !id.trim().is_empty() => format!("entry {} (id {id:?})", i + 1),
                _ => format!("entry {}", i + 1),
            };
            let entry = parse_entry(item, today, max_days).map_err(|why| format!("{name}: {why}"))?;
            if !ids.insert(entry.id.clone()) {
                return Err(format!("{name}: id {:?} is used twice", entry.id));
            }
            entries.push(entry);
        }
        Ok(Document { entries })
    }

    /// Entries that cover the target (active and expired).
    pub fn matching<'a>(
        &'a self,
        control: &'a str,
        account: &'a str,
        region: &'a str,
        names: &'a [&'a str],
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.matches(control, account, region, names.iter().copied()))
    }
}

fn parse_entry(item: &Value, today: Date, max_days: u64) -> Result<Entry, String> {
    let Value::Object(map) = item else {
        return Err("must be an object".into());
    };
    if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("unknown field {unknown:?} (fields: {})", FIELDS.join(", ")));
    }
    let text = |field: &str, required: bool| -> Result<Option<String>, String> {
        match map.get(field) {
            None | Some(Value::Null) if !required => Ok(None),
            None | Some(Value::Null) => Err(format!("{field} is missing")),
            Some(Value::String(s)) if s.trim().is_empty() => Err(format!("{field} is empty")),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(format!("{field} must be a string")),
        }
    };
    let required = |field: &str| text(field, true).map(|v| v.unwrap_or_default());
    let id = required("id")?;
    let control = required("control")?;
    if control != "*" && !control.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(format!("control {control:?} is neither a control's package name nor *"));
    }
    let resource = required("resource")?;
    if resource == "*" || resource.trim_end_matches('*').contains('*') || resource.ends_with("**") {
        return Err(format!(
            "resource {resource:?}: name one resource, or a prefix with one trailing * (a bare * is not an exception)"
        ));
    }
    let account = text("account", false)?;
    if let Some(a) = account.as_deref().filter(|a| !is_account_id(a)) {
        return Err(format!("account {a:?} is not a 12-digit account id"));
    }
    let region = text("region", false)?;
    if let Some(r) = region.as_deref().filter(|r| !is_region(r)) {
        return Err(format!("region {r:?} is not a region name"));
    }
    let reason = required("reason")?;
    let owner = required("owner")?;
    let expires_text = required("expires")?;
    let expires =
        Date::parse(&expires_text).ok_or_else(|| format!("expires {expires_text:?} is not a date (YYYY-MM-DD)"))?;
    if today.days_until(expires) > max_days as i64 {
        return Err(format!(
            "expires {expires} is more than EXCEPTION_MAX_DAYS ({max_days}) days away; renew it closer to the date"
        ));
    }
    Ok(Entry { id, control, resource, account, region, reason, owner, expires })
}

/// What the exemption tag on a resource says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagVerdict {
    Exempt(String),
    /// The tag carries an end date that has passed (or a date that is not one): not exempt; the note.
    NotExempt(String),
    Absent,
}

/// `EXEMPT_TAG` with end dates. A tag with `EXEMPT_TAG`'s key exempts when its value is exactly the
/// configured value (as before), or `<value>-until:YYYY-MM-DD` (through that day, UTC). With a key-only
/// `EXEMPT_TAG`, any value exempts, and a value `until:YYYY-MM-DD` or `<anything>-until:YYYY-MM-DD`
/// exempts through that day. A past date, or an until-suffix that is not a date, exempts nothing (the
/// result's detail says why).
pub fn tag_verdict(tag: &ExemptTag, tags: &[(String, String)], today: Date) -> TagVerdict {
    let shown = |v: &str| format!("{}={v}", tag.key);
    let mut note = None;
    for (_, v) in tags.iter().filter(|(k, _)| *k == tag.key) {
        if tag.value.as_deref().is_some_and(|want| want == v) {
            return TagVerdict::Exempt(format!("tagged {}", shown(v)));
        }
        let until = v.rsplit_once("until:").and_then(|(head, date)| {
            let base = if head.is_empty() { Some("") } else { head.strip_suffix('-') };
            base.map(|b| (b, date))
        });
        match (until, tag.value.as_deref()) {
            (Some((base, date)), want) if want.is_none_or(|w| w == base) => match Date::parse(date) {
                Some(end) if today <= end => {
                    return TagVerdict::Exempt(format!("tagged {} (through {end} UTC)", shown(v)));
                }
                Some(end) => {
                    note = Some(format!("tag {} expired: it held through {end} UTC; remediated as usual", shown(v)))
                }
                None => {
                    note = Some(format!("tag {}: {date:?} is not a date (YYYY-MM-DD), so it exempts nothing", shown(v)))
                }
            },
            (_, None) => return TagVerdict::Exempt(format!("tagged {}", tag.key)),
            _ => {}
        }
    }
    note.map_or(TagVerdict::Absent, TagVerdict::NotExempt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn dates() {
        for s in ["1970-01-01", "2024-02-29", "2026-12-31", "2000-03-01", "1999-12-31"] {
            assert_eq!(day(s).to_string(), s);
        }
        assert_eq!(day("1970-01-02"), Date(1));
        for bad in ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01", "", "2026-01-32"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        let t = UNIX_EPOCH + Duration::from_secs(day("2026-05-01").0 as u64 * 86_400 + 86_399);
        assert_eq!(Date::of(t), day("2026-05-01"));
        assert_eq!(Date::of(t + Duration::from_secs(1)), day("2026-05-02"));
        assert_eq!(day("2026-05-01").days_until(day("2026-05-15")), 14);
    }

    const GOOD: &str = r#"[
      {"id": "EXC-1", "control": "kms-cancel-key-deletion", "resource": "arn:aws:kms:us-east-1:123456789012:key/abc",
       "reason": "migration", "owner": "team-a@example.com", "expires": "2026-06-30"},
      {"id": "EXC-2", "control": "*", "resource": "legacy-*", "account": "123456789012", "region": "eu-west-1",
       "reason": "legacy", "owner": "team-b", "expires": "2026-04-30"}
    ]"#;

    #[test]
    fn a_valid_document_matches_by_control_name_prefix_account_and_region() {
        let doc = Document::parse(GOOD, day("2026-05-01"), 365).unwrap();
        assert_eq!(doc.entries.len(), 2);
        let arn = ["arn:aws:kms:us-east-1:123456789012:key/abc"];
        let hit: Vec<_> = doc.matching("kms-cancel-key-deletion", "123456789012", "us-east-1", &arn).collect();
        assert_eq!(hit.len(), 1);
        assert!(hit[0].is_active(day("2026-06-30")) && !hit[0].is_active(day("2026-07-01")));
        assert_eq!(doc.matching("s3-block-public-access", "123456789012", "us-east-1", &arn).count(), 0);
        let legacy = ["legacy-bucket-7"];
        assert_eq!(doc.matching("s3-block-public-access", "123456789012", "eu-west-1", &legacy).count(), 1);
        assert_eq!(doc.matching("s3-block-public-access", "123456789012", "us-east-1", &legacy).count(), 0);
        assert_eq!(doc.matching("s3-block-public-access", "210987654321", "eu-west-1", &legacy).count(), 0);
        assert_eq!(doc.matching("s3-block-public-access", "123456789012", "eu-west-1", &["legacy"]).count(), 0);
        assert!(hit[0].exempt_detail().contains("EXC-1") && hit[0].exempt_detail().contains("team-a@example.com"));
        assert_eq!(Document::parse("[]", day("2026-05-01"), 365).unwrap(), Document::default());
    }

    #[test]
    fn every_kind_of_bad_entry_makes_the_whole_document_invalid() {
        let ok =
            r#"{"id": "A", "control": "*", "resource": "x", "reason": "r", "owner": "o", "expires": "2026-06-01"}"#;
        let with = |field: &str, value: &str| {
            let mut v: Value = serde_json::from_str(ok).unwrap();
            v["id"] = Value::from("Z");
            if value == "<none>" {
                v.as_object_mut().unwrap().remove(field);
            } else {
                v[field] = serde_json::from_str(value).unwrap();
            }
            format!("[{ok}, {v}]")
        };
        let cases = [
            (with("reason", "<none>"), "reason is missing"),
            (with("owner", "\"  \""), "owner is empty"),
            (with("expires", "<none>"), "expires is missing"),
            (with("expires", "\"2026-02-30\""), "is not a date"),
            (with("expires", "\"31/12/2026\""), "is not a date"),
            (with("expires", "\"2027-06-02\""), "EXCEPTION_MAX_DAYS"),
            (with("id", "<none>"), "id is missing"),
            (with("resource", "\"*\""), "a bare *"),
            (with("resource", "\"a*b\""), "prefix"),
            (with("control", "\"S3 Thing\""), "control"),
            (with("account", "\"1234\""), "12-digit"),
            (with("region", "\"narnia\""), "region"),
            (with("expiry", "\"2026-06-01\""), "unknown field \"expiry\""),
            (with("owner", "7"), "must be a string"),
            (format!("[{ok}, {ok}]"), "used twice"),
            ("[1]".to_owned(), "must be an object"),
            ("{}".to_owned(), "JSON list"),
            ("[".to_owned(), "not JSON"),
        ];
        for (doc, want) in cases {
            let err = Document::parse(&doc, day("2026-05-01"), 365).unwrap_err();
            assert!(err.contains(want), "{doc}: {err}");
            if doc.as_bytes().get(1) == Some(&0x7b) && !want.contains("twice") {
                assert!(err.starts_with("entry 2"), "names the entry: {err}");
            }
        }
        // The limit is inclusive: exactly EXCEPTION_MAX_DAYS away is fine.
        let edge = ok.replace("2026-06-01", "2026-05-31");
        assert!(Document::parse(&format!("[{edge}]"), day("2026-05-01"), 30).is_ok());
        assert!(Document::parse(&format!("[{edge}]"), day("2026-04-30"), 30).is_err());
    }

    fn tags(v: &str) -> Vec<(String, String)> {
        vec![("Name".into(), "x".into()), ("auto-remediation".into(), v.into())]
    }

    #[test]
    fn a_tag_can_carry_an_end_date() {
        let skip = ExemptTag { key: "auto-remediation".into(), value: Some("skip".into()) };
        let today = day("2026-05-01");
        assert_eq!(tag_verdict(&skip, &tags("skip"), today), TagVerdict::Exempt("tagged auto-remediation=skip".into()));
        assert!(
            matches!(tag_verdict(&skip, &tags("skip-until:2026-05-01"), today), TagVerdict::Exempt(d) if d.contains("through 2026-05-01"))
        );
        assert!(
            matches!(tag_verdict(&skip, &tags("skip-until:2026-04-30"), today), TagVerdict::NotExempt(d) if d.contains("expired") && d.contains("2026-04-30"))
        );
        assert!(
            matches!(tag_verdict(&skip, &tags("skip-until:soon"), today), TagVerdict::NotExempt(d) if d.contains("not a date"))
        );
        assert_eq!(tag_verdict(&skip, &tags("keep-until:2026-12-31"), today), TagVerdict::Absent);
        assert_eq!(tag_verdict(&skip, &tags("until:2026-12-31"), today), TagVerdict::Absent);
        assert_eq!(tag_verdict(&skip, &tags("no"), today), TagVerdict::Absent);
        assert_eq!(tag_verdict(&skip, &[], today), TagVerdict::Absent);
        // A configured value that itself looks like an until-form still matches exactly.
        let odd = ExemptTag { key: "auto-remediation".into(), value: Some("skip-until:2020-01-01".into()) };
        assert!(matches!(tag_verdict(&odd, &tags("skip-until:2020-01-01"), today), TagVerdict::Exempt(_)));
        // Key only: any value, and an until-suffix is honoured.
        let key = ExemptTag { key: "auto-remediation".into(), value: None };
        assert!(matches!(tag_verdict(&key, &tags("anything"), today), TagVerdict::Exempt(_)));
        assert!(matches!(tag_verdict(&key, &tags("until:2026-12-31"), today), TagVerdict::Exempt(_)));
        assert!(matches!(tag_verdict(&key, &tags("ticket-42-until:2026-01-01"), today), TagVerdict::NotExempt(_)));
    }
}
