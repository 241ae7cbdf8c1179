//! The five event shapes a function accepts, turned into one [`Trigger`]. Pure: no AWS call, no panic.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::{is_account_id, is_region};
use crate::error::{Error, Result};

/// Largest id, name or ARN accepted from an event (ARNs are at most 2048 characters).
const MAX_ID_LEN: usize = 2048;
/// Most resources one event may name.
const MAX_RESOURCES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Config,
    Cloudtrail,
    Securityhub,
    Schedule,
    Manual,
}

/// A resource as an event names it: a name, an id or an ARN, with what the event says about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceRef {
    pub id: String,
    /// AWS Config type (`AWS::S3::Bucket`, `AWS::::Account`) or Security Hub type (`AwsS3Bucket`, `AwsAccount`).
    pub resource_type: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// The Security Hub control id of the finding that named it (`S3.8`).
    pub control_id: Option<String>,
    /// `region` is where the resource lives, as AWS Config and Security Hub report it; not merely
    /// where a call was made (CloudTrail) or what a caller typed (manual).
    pub region_is_home: bool,
}

impl ResourceRef {
    /// True when the event names a whole account rather than one resource.
    pub fn is_account(&self) -> bool {
        matches!(
            self.resource_type.as_deref(),
            Some("AWS::::Account" | "AWS::S3::AccountPublicAccessBlock" | "AwsAccount")
        ) || is_account_id(&self.id)
            || self.id.starts_with("AWS::::Account:")
    }
}

/// What a CloudTrail record says about the call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiCall {
    pub event_source: String,
    pub event_name: String,
    /// `userIdentity.arn`.
    pub principal: Option<String>,
    /// The role behind an assumed-role session (`sessionContext.sessionIssuer.arn`).
    pub role_arn: Option<String>,
    /// The role session name of an assumed-role caller.
    pub session_name: Option<String>,
    pub request_parameters: Value,
    /// What the call answered (the new VPC of `CreateVpc`); null when the record has none.
    pub response_elements: Value,
}

impl ApiCall {
    /// The caller's ARNs, most specific first, for matching `EXEMPT_PRINCIPALS`.
    pub fn principals(&self) -> impl Iterator<Item = &str> {
        self.principal.iter().chain(self.role_arn.iter()).map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub kind: Kind,
    /// The account the event is about, when it says.
    pub account: Option<String>,
    /// The region the event is about, when it says.
    pub region: Option<String>,
    pub resources: Vec<ResourceRef>,
    pub sweep: bool,
    /// `dry_run` of a manual payload.
    pub dry_run: bool,
    /// Why there is nothing to do, decided from the event alone.
    pub ignored: Option<String>,
    pub call: Option<ApiCall>,
}

impl Trigger {
    fn new(kind: Kind) -> Self {
        Trigger {
            kind,
            account: None,
            region: None,
            resources: Vec::new(),
            sweep: false,
            dry_run: false,
            ignored: None,
            call: None,
        }
    }

    fn ignore(mut self, why: impl Into<String>) -> Self {
        self.ignored = Some(why.into());
        self
    }

    /// Parses raw bytes (what fuzzing and callers without a JSON value use).
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| Error::invalid(format!("the event is not valid JSON: {e}")))?;
        Self::parse(&value)
    }

    pub fn parse(event: &Value) -> Result<Self> {
        let obj = event
            .as_object()
            .ok_or_else(|| Error::invalid(format!("the event must be a JSON object, got {}", type_name(event))))?;
        let Some(detail_type) = obj.get("detail-type") else {
            if obj.contains_key("source") || obj.contains_key("detail") {
                return Err(Error::invalid("an EventBridge event needs a \"detail-type\""));
            }
            return parse_manual(obj);
        };
        let detail_type = detail_type.as_str().ok_or_else(|| Error::invalid("\"detail-type\" must be a string"))?;
        let mut trigger = match detail_type {
            "Config Rules Compliance Change" => parse_config(detail(obj)?)?,
            "AWS API Call via CloudTrail" => parse_cloudtrail(detail(obj)?)?,
            "Security Hub Findings - Imported" => parse_security_hub(detail(obj)?)?,
            "Scheduled Event" => {
                let mut t = Trigger::new(Kind::Schedule);
                t.sweep = true;
                t
            }
            other => {
                return Err(Error::invalid(format!(
                    "unsupported detail-type {other:?}: expected a Config compliance change, a CloudTrail API call, \
                     a Security Hub finding or a Scheduled Event"
                )))
            }
        };
        // The envelope's account and region stand in for what the detail does not say.
        if trigger.account.is_none() {
            trigger.account = opt_field(obj, "account", "account", check_account)?;
        }
        if trigger.region.is_none() {
            trigger.region = opt_field(obj, "region", "region", check_region)?;
        }
        Ok(trigger)
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn detail(obj: &Map<String, Value>) -> Result<&Map<String, Value>> {
    obj.get("detail").and_then(Value::as_object).ok_or_else(|| Error::invalid("\"detail\" must be an object"))
}

fn str_at<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let (last, init) = path.split_last()?;
    let mut cur = obj;
    for key in init {
        cur = cur.get(*key)?.as_object()?;
    }
    cur.get(*last)?.as_str()
}

fn check_id(what: &str, id: &str) -> Result<String> {
    if id.is_empty() {
        return Err(Error::invalid(format!("{what} is empty")));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::invalid(format!("{what} is longer than {MAX_ID_LEN} characters")));
    }
    if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid(format!("{what} {id:?} contains whitespace or control characters")));
    }
    Ok(id.to_owned())
}

fn check_account(what: &str, v: &str) -> Result<String> {
    if is_account_id(v) {
        Ok(v.to_owned())
    } else {
        Err(Error::invalid(format!("{what} {:?} is not a 12-digit account id", clip(v))))
    }
}

fn check_region(what: &str, v: &str) -> Result<String> {
    if is_region(v) {
        Ok(v.to_owned())
    } else {
        Err(Error::invalid(format!("{what} {:?} is not a region name", clip(v))))
    }
}

fn clip(v: &str) -> String {
    v.chars().take(80).collect()
}

/// An optional string field: absent or null is `None`, a wrong type or shape is an error.
fn opt_field(
    obj: &Map<String, Value>,
    key: &str,
    what: &str,
    check: fn(&str, &str) -> Result<String>,
) -> Result<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => check(what, s).map(Some),
        Some(other) => Err(Error::invalid(format!("{what} must be a string, got {}", type_name(other)))),
    }
}

fn parse_config(d: &Map<String, Value>) -> Result<Trigger> {
    let mut t = Trigger::new(Kind::Config);
    let compliance = str_at(d, &["newEvaluationResult", "complianceType"])
        .ok_or_else(|| Error::invalid("Config event: detail.newEvaluationResult.complianceType is missing"))?;
    t.account = opt_field(d, "awsAccountId", "Config event: detail.awsAccountId", check_account)?;
    t.region = opt_field(d, "awsRegion", "Config event: detail.awsRegion", check_region)?;
    if compliance != "NON_COMPLIANT" {
        return Ok(t.ignore(format!("the evaluation is {compliance}, not NON_COMPLIANT")));
    }
    let qualifier = ["newEvaluationResult", "evaluationResultIdentifier", "evaluationResultQualifier"];
    for key in ["resourceId", "resourceType"] {
        if let Some(v) = d.get(key).filter(|v| !v.is_null() && !v.is_string()) {
            return Err(Error::invalid(format!("Config event: detail.{key} must be a string, got {}", type_name(v))));
        }
    }
    let id = str_at(d, &["resourceId"])
        .or_else(|| str_at(d, &[qualifier[0], qualifier[1], qualifier[2], "resourceId"]))
        .ok_or_else(|| Error::invalid("Config event: detail.resourceId is missing"))?;
    let resource_type = str_at(d, &["resourceType"])
        .or_else(|| str_at(d, &[qualifier[0], qualifier[1], qualifier[2], "resourceType"]))
        .ok_or_else(|| Error::invalid("Config event: detail.resourceType is missing"))?;
    t.resources.push(ResourceRef {
        id: check_id("Config event: detail.resourceId", id)?,
        resource_type: Some(resource_type.to_owned()),
        account: t.account.clone(),
        region: t.region.clone(),
        control_id: None,
        region_is_home: t.region.is_some(),
    });
    Ok(t)
}

/// The request parameters that name a resource, in the order they are looked for.
const ID_PARAMETERS: &[&str] = &["bucketName", "keyId", "snapshotId", "groupId", "name", "detectorId", "userName"];

fn parse_cloudtrail(d: &Map<String, Value>) -> Result<Trigger> {
    let mut t = Trigger::new(Kind::Cloudtrail);
    let event_name =
        str_at(d, &["eventName"]).ok_or_else(|| Error::invalid("CloudTrail event: detail.eventName is missing"))?;
    let event_source = str_at(d, &["eventSource"]).unwrap_or_default();
    t.account = opt_field(d, "recipientAccountId", "CloudTrail event: detail.recipientAccountId", check_account)?;
    t.region = opt_field(d, "awsRegion", "CloudTrail event: detail.awsRegion", check_region)?;
    let principal = str_at(d, &["userIdentity", "arn"]).map(str::to_owned);
    let role_arn = str_at(d, &["userIdentity", "sessionContext", "sessionIssuer", "arn"]).map(str::to_owned);
    // An assumed-role ARN ends with the session name; principalId is "AROA...:session".
    let session_name = principal
        .as_deref()
        .filter(|arn| arn.contains(":assumed-role/"))
        .and_then(|arn| arn.rsplit('/').next())
        .or_else(|| str_at(d, &["userIdentity", "principalId"]).and_then(|p| p.split_once(':')).map(|(_, s)| s))
        .map(str::to_owned);
    let request_parameters = d.get("requestParameters").cloned().unwrap_or(Value::Null);
    t.call = Some(ApiCall {
        event_source: event_source.to_owned(),
        event_name: event_name.to_owned(),
        principal,
        role_arn,
        session_name,
        request_parameters: request_parameters.clone(),
        response_elements: d.get("responseElements").cloned().unwrap_or(Value::Null),
    });
    if let Some(code) = d.get("errorCode").filter(|v| !v.is_null()) {
        let code = code.as_str().unwrap_or("an error");
        return Ok(t.ignore(format!("the {event_name} call failed with {code}, nothing changed")));
    }
    if let Some(params) = request_parameters.as_object() {
        for key in ID_PARAMETERS {
            match params.get(*key) {
                None | Some(Value::Null) => {}
                Some(Value::String(id)) => t.resources.push(ResourceRef {
                    id: check_id(&format!("CloudTrail event: requestParameters.{key}"), id)?,
                    account: t.account.clone(),
                    region: t.region.clone(),
                    ..ResourceRef::default()
                }),
                Some(other) => {
                    return Err(Error::invalid(format!(
                        "CloudTrail event: requestParameters.{key} must be a string, got {}",
                        type_name(other)
                    )))
                }
            }
        }
    }
    if t.resources.is_empty() {
        // Account- and region-wide calls (PutAccountPublicAccessBlock, DisableEbsEncryptionByDefault).
        let account = t.account.clone().ok_or_else(|| {
            Error::invalid("CloudTrail event: no resource in requestParameters and no recipientAccountId")
        })?;
        t.resources.push(ResourceRef {
            id: account.clone(),
            resource_type: Some("AWS::::Account".into()),
            account: Some(account),
            region: t.region.clone(),
            ..ResourceRef::default()
        });
    }
    Ok(t)
}

fn parse_security_hub(d: &Map<String, Value>) -> Result<Trigger> {
    let mut t = Trigger::new(Kind::Securityhub);
    let findings = d
        .get("findings")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("Security Hub event: detail.findings must be an array"))?;
    if findings.is_empty() {
        return Err(Error::invalid("Security Hub event: detail.findings is empty"));
    }
    let mut skipped = Vec::new();
    for (i, finding) in findings.iter().enumerate() {
        let f = finding
            .as_object()
            .ok_or_else(|| Error::invalid(format!("Security Hub event: findings[{i}] must be an object")))?;
        let status = str_at(f, &["Compliance", "Status"]).unwrap_or("none");
        let record_state = str_at(f, &["RecordState"]).unwrap_or("ACTIVE");
        let workflow = str_at(f, &["Workflow", "Status"]).unwrap_or("NEW");
        // Consolidated findings carry SecurityControlId; per-standard ones ProductFields.ControlId.
        let control_id = str_at(f, &["Compliance", "SecurityControlId"])
            .or_else(|| str_at(f, &["ProductFields", "ControlId"]))
            .or_else(|| str_at(f, &["GeneratorId"]).and_then(|g| g.rsplit('/').next()))
            .map(str::to_owned);
        if status != "FAILED" || record_state != "ACTIVE" || workflow == "SUPPRESSED" {
            skipped.push(format!("status {status}, record {record_state}, workflow {workflow}"));
            continue;
        }
        let account = opt_field(f, "AwsAccountId", "Security Hub finding: AwsAccountId", check_account)?;
        let finding_region = opt_field(f, "Region", "Security Hub finding: Region", check_region)?;
        let resources = f
            .get("Resources")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::invalid(format!("Security Hub event: findings[{i}].Resources must be an array")))?;
        for (j, r) in resources.iter().enumerate() {
            let r = r.as_object().ok_or_else(|| {
                Error::invalid(format!("Security Hub event: findings[{i}].Resources[{j}] must be an object"))
            })?;
            let id = str_at(r, &["Id"]).ok_or_else(|| {
                Error::invalid(format!("Security Hub event: findings[{i}].Resources[{j}].Id is missing"))
            })?;
            let region =
                opt_field(r, "Region", "Security Hub resource Region", check_region)?.or(finding_region.clone());
            t.resources.push(ResourceRef {
                id: check_id("Security Hub resource Id", id)?,
                resource_type: str_at(r, &["Type"]).map(str::to_owned),
                account: account.clone(),
                region_is_home: region.is_some(),
                region,
                control_id: control_id.clone(),
            });
        }
        if t.account.is_none() {
            t.account = account;
        }
    }
    if t.resources.len() > MAX_RESOURCES {
        return Err(Error::invalid(format!("the event names more than {MAX_RESOURCES} resources")));
    }
    if t.resources.is_empty() {
        let why = format!("no FAILED, ACTIVE finding ({})", skipped.join("; "));
        return Ok(t.ignore(why));
    }
    Ok(t)
}

const MANUAL_KEYS: &[&str] = &["resource_id", "resource_ids", "sweep", "region", "account_id", "dry_run"];

fn parse_manual(obj: &Map<String, Value>) -> Result<Trigger> {
    let mut t = Trigger::new(Kind::Manual);
    if let Some(unknown) = obj.keys().find(|k| !MANUAL_KEYS.contains(&k.as_str())) {
        return Err(Error::invalid(format!(
            "unknown field {:?} in the manual payload: expected resource_id, resource_ids or sweep, with optional \
             region, account_id and dry_run",
            clip(unknown)
        )));
    }
    t.account = opt_field(obj, "account_id", "account_id", check_account)?;
    t.region = opt_field(obj, "region", "region", check_region)?;
    t.dry_run = match obj.get("dry_run") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(Error::invalid(format!("dry_run must be true or false, got {}", type_name(other)))),
    };
    t.sweep = match obj.get("sweep") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(Error::invalid(format!("sweep must be true or false, got {}", type_name(other)))),
    };
    let mut ids = Vec::new();
    match obj.get("resource_id") {
        None | Some(Value::Null) => {}
        Some(Value::String(id)) => ids.push(check_id("resource_id", id)?),
        Some(other) => return Err(Error::invalid(format!("resource_id must be a string, got {}", type_name(other)))),
    }
    match obj.get("resource_ids") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            if list.is_empty() {
                return Err(Error::invalid("resource_ids is empty"));
            }
            if list.len() > MAX_RESOURCES {
                return Err(Error::invalid(format!("resource_ids has more than {MAX_RESOURCES} entries")));
            }
            for (i, v) in list.iter().enumerate() {
                let id = v.as_str().ok_or_else(|| {
                    Error::invalid(format!("resource_ids[{i}] must be a string, got {}", type_name(v)))
                })?;
                ids.push(check_id(&format!("resource_ids[{i}]"), id)?);
            }
        }
        Some(other) => {
            return Err(Error::invalid(format!("resource_ids must be an array of strings, got {}", type_name(other))))
        }
    }
    let given =
        [obj.contains_key("resource_id"), obj.contains_key("resource_ids"), t.sweep].iter().filter(|b| **b).count();
    if given > 1 {
        return Err(Error::invalid("give only one of resource_id, resource_ids and sweep"));
    }
    t.resources = ids
        .into_iter()
        .map(|id| ResourceRef { id, account: t.account.clone(), region: t.region.clone(), ..ResourceRef::default() })
        .collect();
    Ok(t)
}
