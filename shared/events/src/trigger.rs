//! The six event shapes a function accepts, turned into one [`Trigger`]. Pure: no AWS call, no panic.
//! The shapes, as serde types, are in `shapes.rs`: the SQS envelope is `aws_lambda_events`' [`SqsEvent`],
//! the EventBridge envelope (the shape of `aws_lambda_events`' `EventBridgeEvent`) and the details our
//! own. Here is what each shape means for a function.

use aws_lambda_events::sqs::SqsEvent;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::is_account_id;
use crate::error::{Error, Result};
use crate::shapes::{
    check, clip, read, Account, AccountsField, ActionId, CloudTrailDetail, ConfigDetail, Envelope, Id, Manual, Region,
    SecurityHubDetail, SweepBody, Text,
};
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
    /// A batch of the function's own sweep queue: each message one (account, region) sweep.
    Sqs,
}

impl Kind {
    /// The name as it is serialized (`"config"`, `"sqs"`...), for text written without serde.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Cloudtrail => "cloudtrail",
            Kind::Securityhub => "securityhub",
            Kind::Schedule => "schedule",
            Kind::Manual => "manual",
            Kind::Sqs => "sqs",
        }
    }
}

/// The accounts an organization-wide sweep fans out to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accounts {
    /// Every ACTIVE account of the organization (`organizations:ListAccounts`), or `SWEEP_ACCOUNTS`.
    Organization,
    /// These accounts (12-digit ids, deduplicated, in the order given).
    List(Vec<String>),
}

/// Most messages one SQS batch may hold (the event source mapping's largest batch).
const MAX_MESSAGES: usize = 10_000;

/// One fan-out message: a sweep of one control in one account and region. Its JSON is the message
/// body the coordinator sends and the worker reads:
/// `{"control": "ebs-default-encryption", "account_id": "111122223333", "region": "eu-west-1",
///   "dry_run": false, "sweep_id": "..."}` (`dry_run` and `sweep_id` optional; no other field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepOrder {
    /// The control the message was written for: a message on another control's queue is refused.
    pub control: String,
    pub account_id: String,
    pub region: String,
    pub dry_run: bool,
    /// Names the organization-wide sweep the message belongs to (the coordinator's request id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep_id: Option<String>,
}

impl SweepOrder {
    /// Reads a message body. `Err` says what is wrong with it: that one message fails, not the batch.
    pub fn parse(body: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(body).map_err(|e| format!("the message body is not valid JSON: {e}"))?;
        if !value.is_object() {
            return Err(format!("the message body must be a JSON object, got {}", clip(body)));
        }
        let b: SweepBody =
            read(&value, "").map_err(|e| e.replace("in the manual payload", "in the sweep message body"))?;
        Ok(SweepOrder {
            control: b.control,
            account_id: b.account_id.0,
            region: b.region.0,
            dry_run: b.dry_run.unwrap_or(false),
            sweep_id: b.sweep_id,
        })
    }
}

/// One message of an SQS batch: its id (what `batchItemFailures` names) and the sweep it orders, or
/// why its body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsItem {
    pub message_id: String,
    pub order: Result<SweepOrder, String>,
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
    /// A manual sweep to fan out over the organization (`"accounts"`).
    pub accounts: Option<Accounts>,
    /// The messages of an SQS batch (`Kind::Sqs`).
    pub messages: Vec<SqsItem>,
    /// The EventBridge event's `id`: the same event delivered twice has the same id (duplicates).
    pub event_id: Option<String>,
    /// `{"undo": "<action id>"}`: reverse one recorded remediation (the ledger).
    pub undo: Option<String>,
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
            accounts: None,
            messages: Vec::new(),
            event_id: None,
            undo: None,
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
        let obj = event.as_object().ok_or_else(|| {
            Error::invalid(format!("the event must be a JSON object, got {}", clip(&event.to_string())))
        })?;
        let Some(detail_type) = obj.get("detail-type") else {
            if obj.contains_key("Records") {
                return parse_sqs(event);
            }
            if obj.contains_key("source") || obj.contains_key("detail") {
                return Err(Error::invalid("an EventBridge event needs a \"detail-type\""));
            }
            return read(event, "").map_err(Error::InvalidEvent).and_then(parse_manual);
        };
        let detail_type = detail_type.as_str().ok_or_else(|| Error::invalid("\"detail-type\" must be a string"))?;
        let detail = match detail_type {
            "Scheduled Event" => &Value::Null,
            _ => (obj.get("detail").filter(|d| d.is_object()))
                .ok_or_else(|| Error::invalid("\"detail\" must be an object"))?,
        };
        match detail_type {
            "Config Rules Compliance Change" => from_envelope(event, detail, "Config event", parse_config),
            "AWS API Call via CloudTrail" => from_envelope(event, detail, "CloudTrail event", parse_cloudtrail),
            "Security Hub Findings - Imported" => {
                from_envelope(event, detail, "Security Hub event", parse_security_hub)
            }
            "Scheduled Event" => from_envelope(event, detail, "Scheduled Event", |_: Option<IgnoredAny>, _| {
                Ok(Trigger { sweep: true, ..Trigger::new(Kind::Schedule) })
            }),
            other => Err(Error::invalid(format!(
                "unsupported detail-type {:?}: expected a Config compliance change, a CloudTrail API call, a \
                 Security Hub finding or a Scheduled Event",
                clip(other)
            ))),
        }
    }
}

/// Reads the envelope with its detail as `T`, which `detail` turns into a trigger (with `raw`, the
/// detail as it is, for what is left untyped); the envelope's account and region stand in for what
/// the detail does not say. Not inlined, so that its trigger is written where the caller returns it
/// rather than copied there (about 50 instructions per event).
#[inline(never)]
fn from_envelope<'a, T: Deserialize<'a>>(
    event: &'a Value,
    raw: &'a Value,
    shape: &str,
    detail: fn(T, &'a Value) -> Result<Trigger, String>,
) -> Result<Trigger> {
    let invalid = |msg| Error::invalid(format!("{shape}: {msg}"));
    let envelope: Envelope<T> = read(event, "").map_err(invalid)?;
    let mut t = detail(envelope.detail, raw).map_err(invalid)?;
    if t.account.is_none() {
        t.account = check::<Account>("account", envelope.account).map_err(invalid)?;
    }
    if t.region.is_none() {
        t.region = check::<Region>("region", envelope.region).map_err(invalid)?;
    }
    t.event_id =
        (envelope.id.filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())))
            .map(String::from);
    Ok(t)
}

fn parse_config(d: ConfigDetail, _: &Value) -> Result<Trigger, String> {
    let mut t = Trigger::new(Kind::Config);
    let eval = d.new_evaluation_result.ok_or("detail.newEvaluationResult.complianceType is missing")?;
    t.account = d.aws_account_id.map(|a| a.0.into());
    t.region = d.aws_region.map(|r| r.0.into());
    if &*eval.compliance_type != "NON_COMPLIANT" {
        return Ok(t.ignore(format!("the evaluation is {}, not NON_COMPLIANT", clip(&eval.compliance_type))));
    }
    let q = eval.evaluation_result_identifier.and_then(|i| i.evaluation_result_qualifier).unwrap_or_default();
    let id = d.resource_id.or(q.resource_id).ok_or("detail.resourceId is missing")?;
    let resource_type = d.resource_type.or(q.resource_type).ok_or("detail.resourceType is missing")?;
    t.resources.push(ResourceRef {
        id: id.0.into(),
        resource_type: Some(resource_type.into()),
        account: t.account.clone(),
        region: t.region.clone(),
        control_id: None,
        region_is_home: t.region.is_some(),
    });
    Ok(t)
}

/// The request parameters that name a resource, in the order they are looked for.
const ID_PARAMETERS: &[&str] = &["bucketName", "keyId", "snapshotId", "groupId", "name", "detectorId", "userName"];

fn parse_cloudtrail(d: CloudTrailDetail, raw: &Value) -> Result<Trigger, String> {
    let mut t = Trigger::new(Kind::Cloudtrail);
    t.account = d.recipient_account_id.map(|a| a.0.into());
    t.region = d.aws_region.map(|r| r.0.into());
    let who = d.user_identity.unwrap_or_default();
    let issuer = || raw.get("userIdentity")?.get("sessionContext")?.get("sessionIssuer")?.get("arn")?.as_str();
    let role_arn = issuer().map(str::to_owned);
    let request_parameters = raw.get("requestParameters");
    // An assumed-role ARN ends with the session name; principalId is "AROA...:session".
    let session_name = (who.arn.as_deref().filter(|arn| arn.contains(":assumed-role/")))
        .and_then(|arn| arn.rsplit('/').next())
        .or_else(|| who.principal_id.as_deref().and_then(|p| p.split_once(':')).map(|(_, s)| s))
        .map(str::to_owned);
    if let Some(code) = &d.error_code {
        t.ignored = Some(format!("the {} call failed with {}, nothing changed", d.event_name, clip(code)));
    } else {
        // One pass over the parameters (a lookup costs about as much as a pass over a few keys).
        let mut ids = [None; ID_PARAMETERS.len()];
        for (key, value) in request_parameters.and_then(Value::as_object).into_iter().flatten() {
            if let Some(i) = ID_PARAMETERS.iter().position(|k| k == key) {
                ids[i] = Some(value);
            }
        }
        for (key, id) in ID_PARAMETERS.iter().zip(ids) {
            let Some(id) = id else { continue };
            if let Some(Id::<Text>(id)) = read(id, format_args!("detail.requestParameters.{key}"))? {
                t.resources.push(ResourceRef {
                    id: id.into(),
                    account: t.account.clone(),
                    region: t.region.clone(),
                    ..Default::default()
                });
            }
        }
        if t.resources.is_empty() {
            // Account- and region-wide calls (PutAccountPublicAccessBlock, DisableEbsEncryptionByDefault).
            let account =
                t.account.clone().ok_or("no resource in detail.requestParameters and no recipientAccountId")?;
            t.resources.push(ResourceRef {
                id: account.clone(),
                resource_type: Some("AWS::::Account".into()),
                account: Some(account),
                region: t.region.clone(),
                ..Default::default()
            });
        }
    }
    t.call = Some(ApiCall {
        event_source: d.event_source.map(String::from).unwrap_or_default(),
        role_arn,
        principal: who.arn.map(String::from),
        session_name,
        event_name: d.event_name.into(),
        request_parameters: request_parameters.cloned().unwrap_or_default(),
        response_elements: raw.get("responseElements").cloned().unwrap_or_default(),
    });
    Ok(t)
}

fn parse_security_hub(d: SecurityHubDetail, _: &Value) -> Result<Trigger, String> {
    let mut t = Trigger::new(Kind::Securityhub);
    if d.findings.is_empty() {
        return Err("detail.findings is empty".into());
    }
    let mut skipped = Vec::new();
    for f in d.findings {
        let compliance = f.compliance.unwrap_or_default();
        let status = compliance.status.as_deref().unwrap_or("none");
        let record_state = f.record_state.as_deref().unwrap_or("ACTIVE");
        let workflow = f.workflow.unwrap_or_default().status;
        let workflow = workflow.as_deref().unwrap_or("NEW");
        if status != "FAILED" || record_state != "ACTIVE" || workflow == "SUPPRESSED" {
            skipped.push(format!(
                "status {}, record {}, workflow {}",
                clip(status),
                clip(record_state),
                clip(workflow)
            ));
            continue;
        }
        // Consolidated findings carry SecurityControlId; per-standard ones ProductFields.ControlId.
        let control_id = compliance.security_control_id.or(f.product_fields.and_then(|p| p.control_id));
        let control_id = control_id.as_deref().or_else(|| f.generator_id.as_deref()?.rsplit('/').next());
        let account: Option<String> = f.aws_account_id.map(|a| a.0.into());
        let finding_region = f.region.as_ref().map(|r| &*r.0);
        for r in f.resources {
            let region: Option<String> = r.region.map(|r| r.0.into()).or_else(|| finding_region.map(str::to_owned));
            t.resources.push(ResourceRef {
                id: r.id.0.into(),
                resource_type: r.r#type.map(String::from),
                account: account.clone(),
                region_is_home: region.is_some(),
                region,
                control_id: control_id.map(str::to_owned),
            });
        }
        t.account = t.account.or(account);
    }
    if t.resources.len() > MAX_RESOURCES {
        return Err(format!("the event names more than {MAX_RESOURCES} resources"));
    }
    if t.resources.is_empty() {
        return Ok(t.ignore(format!("no FAILED, ACTIVE finding ({})", skipped.join("; "))));
    }
    Ok(t)
}

#[inline(never)] // as `from_envelope`
fn parse_manual(m: Manual) -> Result<Trigger> {
    let mut t = Trigger::new(Kind::Manual);
    t.account = m.account_id.map(|a| a.0);
    t.region = m.region.map(|r| r.0);
    t.dry_run = m.dry_run.unwrap_or(false);
    t.sweep = m.sweep.unwrap_or(false);
    if let Some(ActionId(id)) = m.undo {
        let others = [m.resource_id.is_some(), m.resource_ids.is_some(), t.sweep, m.accounts.is_some(), t.dry_run];
        if others.into_iter().any(|b| b) || t.account.is_some() || t.region.is_some() {
            return Err(Error::invalid("undo stands alone: {\"undo\": \"<action id>\"}"));
        }
        t.undo = Some(id);
        return Ok(t);
    }
    if let Some(AccountsField(accounts)) = m.accounts {
        if !t.sweep {
            return Err(Error::invalid("accounts fans out a sweep: give it with \"sweep\": true"));
        }
        if t.account.is_some() {
            return Err(Error::invalid("give only one of account_id and accounts"));
        }
        t.accounts = Some(accounts);
    }
    if [m.resource_id.is_some(), m.resource_ids.is_some(), t.sweep].iter().filter(|b| **b).count() > 1 {
        return Err(Error::invalid("give only one of resource_id, resource_ids and sweep"));
    }
    let ids = match (m.resource_id, m.resource_ids) {
        (_, Some(ids)) if ids.is_empty() => return Err(Error::invalid("resource_ids is empty")),
        (_, Some(ids)) if ids.len() > MAX_RESOURCES => {
            return Err(Error::invalid(format!("resource_ids has more than {MAX_RESOURCES} entries")))
        }
        (id, ids) => ids.unwrap_or_else(|| id.into_iter().collect()),
    };
    let (account, region) = (&t.account, &t.region);
    t.resources = (ids.into_iter())
        .map(|Id(id)| ResourceRef { id, account: account.clone(), region: region.clone(), ..Default::default() })
        .collect();
    Ok(t)
}

/// An SQS batch of the function's own sweep queue. The envelope must be right (records from SQS, each
/// with its `messageId`), or nothing can be reported per message and the whole event is refused; a
/// message whose body is wrong fails alone (`SqsItem::order` is `Err`).
fn parse_sqs(event: &Value) -> Result<Trigger> {
    let invalid = |msg: String| Error::invalid(format!("SQS event: {msg}"));
    let batch: SqsEvent = read(event, "").map_err(invalid)?;
    if batch.records.is_empty() {
        return Err(invalid("Records is empty".into()));
    }
    if batch.records.len() > MAX_MESSAGES {
        return Err(invalid(format!("more than {MAX_MESSAGES} records")));
    }
    let mut t = Trigger::new(Kind::Sqs);
    for (i, record) in batch.records.into_iter().enumerate() {
        if record.event_source.as_deref() != Some("aws:sqs") {
            return Err(invalid(format!(
                "Records[{i}].eventSource must be \"aws:sqs\", got {}",
                clip(record.event_source.as_deref().unwrap_or("nothing"))
            )));
        }
        let message_id = match record.message_id {
            Some(id) if !id.is_empty() && id.len() <= 128 => id,
            _ => return Err(invalid(format!("Records[{i}].messageId is missing"))),
        };
        let order = match record.body {
            Some(body) => SweepOrder::parse(&body),
            None => Err("the message has no body".to_owned()),
        };
        t.messages.push(SqsItem { message_id, order });
    }
    t.sweep = true;
    Ok(t)
}
