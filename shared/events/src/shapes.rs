//! The events as AWS and callers send them, as serde types: the EventBridge envelope and the details
//! of the three EventBridge events read here, lenient as AWS adds fields, and the manual payload,
//! which admits no unknown field and no null. [`read`] names the path of the field at fault:
//! `detail.newEvaluationResult.complianceType is missing`.
//!
//! The EventBridge shapes borrow their strings from the event ([`Text`]): a field only looked at (a
//! compliance status, an error code, the envelope's `source`) costs no copy; what the [`Trigger`] keeps is
//! copied once, when it is kept.
//!
//! [`Trigger`]: crate::Trigger

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::config::{is_account_id, is_region};
use crate::trigger::Accounts;

/// Largest id, name or ARN accepted from an event (ARNs are at most 2048 characters).
const MAX_ID_LEN: usize = 2048;

/// Deserializes `value`, found at path `at`, as `T`; an error names the path of the field at fault.
/// Tracking the path costs an allocation per key, so only a failed read is read again to find it,
/// and only then is `at` written out.
pub(crate) fn read<'a, T: Deserialize<'a>>(value: &'a Value, at: impl fmt::Display) -> Result<T, String> {
    T::deserialize(value).or_else(|_| serde_path_to_error::deserialize(value)).map_err(|e| {
        let at = at.to_string();
        let path = match e.path().to_string() {
            p if p == "." => at,
            p if at.is_empty() => p,
            p => format!("{at}.{p}"),
        };
        sentence(&path, &e.inner().to_string())
    })
}

/// serde's wording, rephrased with the path as the subject and JSON's names for types:
/// `detail.eventName is missing`, `sweep must be true or false, got string "yes"`.
fn sentence(path: &str, msg: &str) -> String {
    if let Some(field) = msg.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
        return if path.is_empty() { format!("{field} is missing") } else { format!("{path}.{field} is missing") };
    }
    if let Some((got, want)) = msg.strip_prefix("invalid type: ").and_then(|m| m.rsplit_once(", expected ")) {
        return format!("{path} must be {}, got {}", json_words(want), clip(&json_words(got).replace('`', "")));
    }
    if let Some((field, want)) = msg.strip_prefix("unknown field `").and_then(|m| m.rsplit_once("`, expected ")) {
        return format!("unknown field {:?} in the manual payload: expected {}", clip(field), want.replace('`', ""));
    }
    format!("{path} {msg}")
}

fn json_words(serde_words: &str) -> &str {
    match serde_words {
        "a boolean" => "true or false",
        "a sequence" | "sequence" => "an array",
        "map" | "a map" => "an object",
        "unit value" => "null",
        s if s.starts_with("struct ") => "an object",
        s => s,
    }
}

pub(crate) fn clip(v: &str) -> String {
    v.chars().take(80).collect()
}

/// A string of the event, borrowed from it. (serde's own `Cow<str>` borrows only outside an `Option`.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self)
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Text<'_>> for String {
    fn from(t: Text<'_>) -> String {
        t.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Cow<'de, str>;
            // `String`'s words, so that errors read as they did with owned strings.
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(TextVisitor).map(Text)
    }
}

/// A string with a rule of its own: [`Checked::fault`] says what is wrong with one, if anything.
pub(crate) trait Checked {
    fn fault(v: &str) -> Option<String>;
}

/// A string read only when its check finds nothing wrong; the message follows the field's path.
/// `S` is `String` where the value is kept as it is (manual payloads), [`Text`] where it is borrowed.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub(crate) struct $name<S = String>(pub(crate) S);

        impl Checked for $name {
            fn fault(v: &str) -> Option<String> {
                let check: fn(&str) -> Option<String> = $check;
                check(v)
            }
        }

        impl<'de, S: Deserialize<'de> + AsRef<str>> Deserialize<'de> for $name<S> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = S::deserialize(d)?;
                match <$name>::fault(v.as_ref()) {
                    None => Ok($name(v)),
                    Some(msg) => Err(de::Error::custom(msg)),
                }
            }
        }
    };
}

checked_string!(
    /// An id, name or ARN: not empty, at most [`MAX_ID_LEN`] long, no whitespace or control character.
    Id,
    |id| match id {
        "" => Some("is empty".into()),
        _ if id.len() > MAX_ID_LEN => Some(format!("is longer than {MAX_ID_LEN} characters")),
        _ if has_space_or_control(id) => {
            Some(format!("{id:?} contains whitespace or control characters"))
        }
        _ => None,
    }
);
/// Whether `id` has a whitespace or control character. Most ids are ASCII with neither: one pass over
/// the bytes says so; only a space, a control byte or a non-ASCII one calls for the char-by-char check.
fn has_space_or_control(id: &str) -> bool {
    !id.bytes().all(|b| b.is_ascii_graphic()) && id.chars().any(|c| c.is_control() || c.is_whitespace())
}

checked_string!(Account, |v| (!is_account_id(v)).then(|| format!("{:?} is not a 12-digit account id", clip(v))));
checked_string!(Region, |v| (!is_region(v)).then(|| format!("{:?} is not a region name", clip(v))));

/// A string the envelope gave unchecked, checked as `T` and kept.
pub(crate) fn check<T: Checked>(path: &str, v: Option<Text>) -> Result<Option<String>, String> {
    match v {
        Some(v) => T::fault(&v).map_or(Ok(Some(v.into())), |msg| Err(format!("{path} {msg}"))),
        None => Ok(None),
    }
}

/// The EventBridge envelope: field for field and type for type `aws_lambda_events`' [`EventBridgeEvent`],
/// which copies every string of the envelope and parses `time` with chrono: about half of what a
/// Scheduled Event cost to parse (README, "Typed events"). This one borrows its strings and counts
/// `resources`; the functions read `id`, `account`, `region` and `detail`, the other fields are checked
/// as `EventBridgeEvent` checks them. The tests hold the two to the same answers and the same errors.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", bound(deserialize = "'de: 'a, D: Deserialize<'de>"))]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Envelope<'a, D> {
    #[serde(default)]
    pub version: Option<Text<'a>>,
    #[serde(default)]
    pub id: Option<Text<'a>>,
    pub detail_type: Text<'a>,
    pub source: Text<'a>,
    #[serde(default)]
    pub account: Option<Text<'a>>,
    #[serde(default)]
    pub time: Option<Time<'a>>,
    #[serde(default)]
    pub region: Option<Text<'a>>,
    #[serde(default)]
    pub resources: Option<Strings>,
    pub detail: D,
}

/// An array of strings, checked as `Vec<String>` is (same errors) and counted, not kept.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Strings(pub(crate) usize);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StringsVisitor;
        impl<'de> Visitor<'de> for StringsVisitor {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut count = 0;
                while seq.next_element::<Text>()?.is_some() {
                    count += 1;
                }
                Ok(Strings(count))
            }
        }
        d.deserialize_seq(StringsVisitor)
    }
}

/// The envelope's `time`, accepted exactly when `aws_lambda_events` accepts it (chrono's RFC 3339
/// parser) and refused with the same words. AWS writes `2026-03-04T08:51:03Z`: that form is checked
/// here, without chrono; any other goes through chrono as before.
#[derive(Debug)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Time<'a>(pub(crate) Text<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Time<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl<'de> Visitor<'de> for TimeVisitor {
            type Value = Cow<'de, str>;
            // chrono's words.
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 formatted date and time string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                check_time(v).map(|()| Cow::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                check_time(v).map(|()| Cow::Owned(v.to_owned()))
            }
        }
        d.deserialize_str(TimeVisitor).map(|t| Time(Text(t)))
    }
}

fn check_time<E: de::Error>(v: &str) -> Result<(), E> {
    if is_utc_second(v) {
        return Ok(());
    }
    chrono_time(v).map(drop)
}

/// `v` read by `EventBridgeEvent`'s own `time` field (chrono's `DateTime<Utc>`, named through the
/// field rather than by a dependency of ours): its value or its error, exactly.
fn chrono_time<E: de::Error>(v: &str) -> Result<EventBridgeEvent, E> {
    let mut envelope = EventBridgeEvent::default();
    envelope.time = Some(Deserialize::deserialize(de::value::BorrowedStrDeserializer::new(v))?);
    Ok(envelope)
}

/// `YYYY-MM-DDThh:mm:ssZ` naming a real date and time (leap seconds aside): a subset of what
/// chrono's RFC 3339 parser accepts.
pub(crate) fn is_utc_second(v: &str) -> bool {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1, b'Z'] = v.as_bytes()
    else {
        return false;
    };
    if ![y0, y1, y2, y3, m0, m1, d0, d1, h0, h1, n0, n1, s0, s1].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let number = |tens: u8, ones: u8| u32::from(tens - b'0') * 10 + u32::from(ones - b'0');
    let (year, month, day) = (number(y0, y1) * 100 + number(y2, y3), number(m0, m1), number(d0, d1));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && number(h0, h1) < 24 && number(n0, n1) < 60 && number(s0, s1) < 60
}

/// `detail` of "Config Rules Compliance Change".
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct ConfigDetail<'a> {
    pub new_evaluation_result: Option<Evaluation<'a>>,
    pub aws_account_id: Option<Account<Text<'a>>>,
    pub aws_region: Option<Region<Text<'a>>>,
    pub resource_id: Option<Id<Text<'a>>>,
    pub resource_type: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct Evaluation<'a> {
    pub compliance_type: Text<'a>,
    pub evaluation_result_identifier: Option<EvaluationIdentifier<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct EvaluationIdentifier<'a> {
    pub evaluation_result_qualifier: Option<Qualifier<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct Qualifier<'a> {
    pub resource_id: Option<Id<Text<'a>>>,
    pub resource_type: Option<Text<'a>>,
}

/// `detail` of "AWS API Call via CloudTrail", lenient where `aws_lambda_events`' `AWSAPICall` is not:
/// it keeps `errorCode`, and `userIdentity` may lack `type` (AWS services). `requestParameters`,
/// `responseElements` and `userIdentity.sessionContext` are untyped (`"sessionIssuer": {}` for IAM
/// users, `webIdFederationData.attributes` an object for web identities): they are read from the event
/// as it is, rather than copied through serde.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct CloudTrailDetail<'a> {
    pub event_name: Text<'a>,
    pub event_source: Option<Text<'a>>,
    pub recipient_account_id: Option<Account<Text<'a>>>,
    pub aws_region: Option<Region<Text<'a>>>,
    pub user_identity: Option<UserIdentity<'a>>,
    pub error_code: Option<Text<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct UserIdentity<'a> {
    pub arn: Option<Text<'a>>,
    pub principal_id: Option<Text<'a>>,
}

/// `detail` of "Security Hub Findings - Imported": what is read of each ASFF finding.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub(crate) struct SecurityHubDetail<'a> {
    pub findings: Vec<Finding<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct Finding<'a> {
    pub aws_account_id: Option<Account<Text<'a>>>,
    pub region: Option<Region<Text<'a>>>,
    pub compliance: Option<Compliance<'a>>,
    pub record_state: Option<Text<'a>>,
    pub workflow: Option<Workflow<'a>>,
    pub product_fields: Option<ProductFields<'a>>,
    pub generator_id: Option<Text<'a>>,
    pub resources: Vec<AsffResource<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct Compliance<'a> {
    pub status: Option<Text<'a>>,
    pub security_control_id: Option<Text<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct Workflow<'a> {
    pub status: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct ProductFields<'a> {
    pub control_id: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
pub(crate) struct AsffResource<'a> {
    pub id: Id<Text<'a>>,
    pub r#type: Option<Text<'a>>,
    pub region: Option<Region<Text<'a>>>,
}

/// `{"resource_id": ...}`, `{"resource_ids": [...]}` or `{"sweep": true}`, with optional `region`,
/// `account_id` and `dry_run`. A field may be absent, never null: a script whose variable was unset
/// must not act on a default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manual {
    #[serde(default, deserialize_with = "present")]
    pub resource_id: Option<Id>,
    #[serde(default, deserialize_with = "present")]
    pub resource_ids: Option<Vec<Id>>,
    #[serde(default, deserialize_with = "present")]
    pub sweep: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub region: Option<Region>,
    #[serde(default, deserialize_with = "present")]
    pub account_id: Option<Account>,
    #[serde(default, deserialize_with = "present")]
    pub dry_run: Option<bool>,
    /// `"organization"` or a list of account ids: the sweep fans out, one SQS message per (account, region).
    #[serde(default, deserialize_with = "present")]
    pub accounts: Option<AccountsField>,
    /// An action id of the ledger: reverse that remediation.
    #[serde(default, deserialize_with = "present")]
    pub undo: Option<ActionId>,
}

/// A ledger action id as the report shows it: 1 to 64 letters, digits and `-`.
#[derive(Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct ActionId(pub(crate) String);

impl TryFrom<String> for ActionId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!("{} is not an action id (letters, digits and -, as a report's action_id)", clip(&s)));
        }
        Ok(ActionId(s))
    }
}

/// `accounts` of a manual sweep.
#[derive(Deserialize)]
#[serde(try_from = "Value")]
pub(crate) struct AccountsField(pub(crate) Accounts);

impl TryFrom<Value> for AccountsField {
    type Error = String;
    fn try_from(v: Value) -> Result<Self, String> {
        const WANT: &str = "must be \"organization\" or an array of 12-digit account ids";
        match v {
            Value::String(s) if s == "organization" => Ok(AccountsField(Accounts::Organization)),
            Value::Array(items) if items.is_empty() => Err("is empty: name at least one account".into()),
            Value::Array(items) if items.len() > MAX_ACCOUNTS => {
                Err(format!("has more than {MAX_ACCOUNTS} accounts: use \"organization\""))
            }
            Value::Array(items) => {
                let mut ids: Vec<String> = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) if is_account_id(&s) => {
                            if !ids.contains(&s) {
                                ids.push(s)
                            }
                        }
                        other => return Err(format!("{WANT}; {} is not", clip(&other.to_string()))),
                    }
                }
                Ok(AccountsField(Accounts::List(ids)))
            }
            other => Err(format!("{WANT}, got {}", clip(&other.to_string()))),
        }
    }
}

/// Most accounts a manual payload may list (AWS Organizations' default quota is 10, raised to thousands).
pub(crate) const MAX_ACCOUNTS: usize = 10_000;

/// The body of one fan-out message (what the coordinator writes, see `SweepOrder`): no unknown field,
/// no null.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SweepBody {
    pub control: String,
    pub account_id: Account,
    pub region: Region,
    #[serde(default, deserialize_with = "present")]
    pub dry_run: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub sweep_id: Option<String>,
}

/// A field that is there must hold a value: `null` is an error, not `None`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    /// Every events/ sample and every bad-input corpus event.
    fn events() -> Vec<(String, Value)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut dirs: Vec<_> = std::fs::read_dir(root.join("events")).unwrap().map(|d| d.unwrap().path()).collect();
        dirs.push(root.join("tests/corpus"));
        let mut events = Vec::new();
        for dir in dirs.into_iter().filter(|d| d.is_dir()) {
            for file in std::fs::read_dir(&dir).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    let bytes = std::fs::read(&path).unwrap();
                    if let Ok(event) = serde_json::from_slice(&bytes) {
                        events.push((path.display().to_string(), event));
                    }
                }
            }
        }
        assert!(events.len() > 150, "{} events", events.len());
        events
    }

    /// Our envelope and `aws_lambda_events`' read `event` alike: the same fields, or the same error.
    fn agree(name: &str, event: &Value) {
        let theirs = read::<EventBridgeEvent<Option<Value>>>(event, "");
        let ours = read::<Envelope<Option<Value>>>(event, "");
        match (theirs, ours) {
            (Ok(t), Ok(o)) => {
                let text = |v: Option<Text>| v.map(String::from);
                assert_eq!(t.version, text(o.version), "{name}");
                assert_eq!(t.id, text(o.id), "{name}");
                assert_eq!(t.detail_type, String::from(o.detail_type), "{name}");
                assert_eq!(t.source, String::from(o.source), "{name}");
                assert_eq!(t.account, text(o.account), "{name}");
                assert_eq!(t.region, text(o.region), "{name}");
                assert_eq!(t.resources.map(|r| r.len()), o.resources.map(|r| r.0), "{name}");
                let time = o.time.map(|v| chrono_time::<serde_json::Error>(&v.0).unwrap().time.unwrap());
                assert_eq!(t.time, time, "{name}");
                assert_eq!(t.detail, o.detail, "{name}");
            }
            (Err(t), Err(o)) => assert_eq!(t, o, "{name}"),
            (t, o) => panic!("{name}: aws_lambda_events {:?}, ours {:?}", t.map(drop), o.map(drop)),
        }
    }

    #[test]
    fn the_envelope_reads_as_aws_lambda_events_reads_it() {
        let mut seen = 0;
        for (name, event) in events() {
            agree(&name, &event);
            seen += usize::from(read::<Envelope<IgnoredDetail>>(&event, "").is_ok());
        }
        assert!(seen > 60, "only {seen} EventBridge events");
    }

    type IgnoredDetail = Option<de::IgnoredAny>;

    #[test]
    fn every_field_of_the_envelope_is_checked_as_aws_lambda_events_checks_it() {
        let base = json!({
            "version": "0", "id": "4e1f3a52", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-03-05T03:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/sweep"], "detail": {}
        });
        let values = [
            json!(null),
            json!(17),
            json!(-1.5),
            json!(true),
            json!(""),
            json!("x"),
            json!([]),
            json!(["a", "b"]),
            json!(["a", 1]),
            json!([null]),
            json!({}),
            json!({"a": 1}),
        ];
        for field in base.as_object().unwrap().keys() {
            let mut missing = base.clone();
            missing.as_object_mut().unwrap().remove(field);
            agree(&format!("no {field}"), &missing);
            for value in &values {
                let mut event = base.clone();
                event[field] = value.clone();
                agree(&format!("{field}: {value}"), &event);
            }
        }
        for time in TIMES {
            let mut event = base.clone();
            event["time"] = json!(time);
            agree(time, &event);
        }
    }

    const TIMES: &[&str] = &[
        "2026-03-05T03:00:00Z",
        "2026-03-05T03:00:00.123Z",
        "2026-03-05t03:00:00z",
        "2026-03-05 03:00:00Z",
        "2026-03-05T03:00:00+01:00",
        "2026-03-05T03:00:00-00:00",
        "2026-03-05T03:00:00",
        "2026-03-05",
        "2026-03-05T03:00Z",
        "2026-03-05T23:59:60Z",
        "2026-03-05T24:00:00Z",
        "2026-02-29T00:00:00Z",
        "2024-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-13-10T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "+2026-03-05T03:00:00Z",
        "2026-3-5T3:0:0Z",
        "２０２６-03-05T03:00:00Z",
        "2026-03-05T03:00:00Z ",
        " 2026-03-05T03:00:00Z",
        "",
        "now",
    ];

    /// chrono's reading of `v` as JSON (`None`: refused).
    fn chrono(v: &str) -> Option<Value> {
        chrono_time::<serde_json::Error>(v).ok().map(|e| serde_json::to_value(e.time).unwrap())
    }

    #[test]
    fn aws_own_time_form_is_read_without_chrono_as_chrono_reads_it() {
        // Every form AWS writes that chrono takes, and only those: each month's days, leap years.
        let mut checked = 0;
        for year in [0, 4, 100, 1900, 1970, 2000, 2024, 2025, 2026, 2100, 2400, 9999] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let v = format!("{year:04}-{month:02}-{day:02}T12:34:56Z");
                    assert_eq!(is_utc_second(&v), chrono(&v).is_some(), "{v}");
                    if is_utc_second(&v) {
                        assert_eq!(chrono(&v), Some(json!(v)), "{v}");
                    }
                    checked += 1;
                }
            }
        }
        for (hour, minute, second) in (0..=25).flat_map(|h| (0..=61).map(move |m| (h, m, m))) {
            let v = format!("2026-03-05T{hour:02}:{minute:02}:{second:02}Z");
            assert!(!is_utc_second(&v) || chrono(&v) == Some(json!(v)), "{v}");
            assert_eq!(is_utc_second(&v), chrono(&v).is_some() && second < 60, "{v}");
            checked += 1;
        }
        // Any other form is chrono's to judge; this one takes none of them.
        for v in TIMES {
            assert!(!is_utc_second(v) || chrono(v) == Some(json!(v)), "{v}");
        }
        assert!(checked > 5000);
    }

    #[test]
    fn ids_with_spaces_or_control_characters() {
        let slow = |id: &str| id.chars().any(|c| c.is_control() || c.is_whitespace());
        for c in (0..0x3100).filter_map(char::from_u32).chain(['\u{feff}', '\u{10ffff}']) {
            let id = format!("a{c}b");
            assert_eq!(has_space_or_control(&id), slow(&id), "{c:?}");
        }
    }
}
