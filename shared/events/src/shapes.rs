//! The events as AWS and callers send them, as serde types: the details of the three EventBridge
//! events read here (the envelope is `aws_lambda_events`' `EventBridgeEvent`), lenient as AWS adds
//! fields, and the manual payload, which admits no unknown field and no null. [`read`] names the path
//! of the field at fault: `detail.newEvaluationResult.complianceType is missing`.

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{is_account_id, is_region};
use crate::trigger::Accounts;

/// Largest id, name or ARN accepted from an event (ARNs are at most 2048 characters).
const MAX_ID_LEN: usize = 2048;

/// Deserializes `value`, found at path `at`, as `T`; an error names the path of the field at fault.
/// Tracking the path costs an allocation per key, so only a failed read is read again to find it.
pub(crate) fn read<T: DeserializeOwned>(value: &Value, at: &str) -> Result<T, String> {
    T::deserialize(value).or_else(|_| serde_path_to_error::deserialize(value)).map_err(|e| {
        let path = match e.path().to_string() {
            p if p == "." => at.to_owned(),
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

/// A string read only when `check` finds nothing wrong; its message follows the field's path.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, Deserialize)]
        #[serde(try_from = "String")]
        pub(crate) struct $name(pub(crate) String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(v: String) -> Result<Self, String> {
                let check: fn(&str) -> Option<String> = $check;
                check(&v).map_or(Ok($name(v)), Err)
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
        _ if id.chars().any(|c| c.is_control() || c.is_whitespace()) => {
            Some(format!("{id:?} contains whitespace or control characters"))
        }
        _ => None,
    }
);
checked_string!(Account, |v| (!is_account_id(v)).then(|| format!("{:?} is not a 12-digit account id", clip(v))));
checked_string!(Region, |v| (!is_region(v)).then(|| format!("{:?} is not a region name", clip(v))));

/// A string the envelope gave untyped, checked as `T`.
pub(crate) fn check<T: TryFrom<String, Error = String>>(path: &str, v: Option<String>) -> Result<Option<T>, String> {
    v.map(T::try_from).transpose().map_err(|msg| format!("{path} {msg}"))
}

/// `detail` of "Config Rules Compliance Change".
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConfigDetail {
    pub new_evaluation_result: Option<Evaluation>,
    pub aws_account_id: Option<Account>,
    pub aws_region: Option<Region>,
    pub resource_id: Option<Id>,
    pub resource_type: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Evaluation {
    pub compliance_type: String,
    pub evaluation_result_identifier: Option<EvaluationIdentifier>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EvaluationIdentifier {
    pub evaluation_result_qualifier: Option<Qualifier>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Qualifier {
    pub resource_id: Option<Id>,
    pub resource_type: Option<String>,
}

/// `detail` of "AWS API Call via CloudTrail", lenient where `aws_lambda_events`' `AWSAPICall` is not:
/// it keeps `errorCode`, and `userIdentity` may lack `type` (AWS services). `requestParameters`,
/// `responseElements` and `userIdentity.sessionContext` are untyped (`"sessionIssuer": {}` for IAM
/// users, `webIdFederationData.attributes` an object for web identities): they are read from the event
/// as it is, rather than copied through serde.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CloudTrailDetail {
    pub event_name: String,
    pub event_source: Option<String>,
    pub recipient_account_id: Option<Account>,
    pub aws_region: Option<Region>,
    pub user_identity: Option<UserIdentity>,
    pub error_code: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserIdentity {
    pub arn: Option<String>,
    pub principal_id: Option<String>,
}

/// `detail` of "Security Hub Findings - Imported": what is read of each ASFF finding.
#[derive(Serialize, Deserialize)]
pub(crate) struct SecurityHubDetail {
    pub findings: Vec<Finding>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Finding {
    pub aws_account_id: Option<Account>,
    pub region: Option<Region>,
    pub compliance: Option<Compliance>,
    pub record_state: Option<String>,
    pub workflow: Option<Workflow>,
    pub product_fields: Option<ProductFields>,
    pub generator_id: Option<String>,
    pub resources: Vec<AsffResource>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Compliance {
    pub status: Option<String>,
    pub security_control_id: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Workflow {
    pub status: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ProductFields {
    pub control_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffResource {
    pub id: Id,
    pub r#type: Option<String>,
    pub region: Option<Region>,
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
