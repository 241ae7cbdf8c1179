//! The ledger (`LEDGER_TABLE`): one DynamoDB item per write, and the guardrails read from it.
//!
//! One table, string keys `pk` / `sk`, four kinds of item:
//!
//! | item | `pk` | `sk` | what for |
//! |---|---|---|---|
//! | a write (fix or undo) | `res#<control>#<resource>` | `<epoch ms, 13 digits>#<action id>` | history of one resource (one query, newest first): flapping, duplicates, undo hold |
//! | the blast-radius counter | `cap#<control>#<account>` | `<YYYY-MM-DDTHH>` (UTC hour) | writes of one function in one account this hour: one conditional counter |
//! | an event's claim | `event#<control>#<event id>` | `<resource>` | the same EventBridge event twice never writes twice |
//!
//! and a global secondary index `action` on `action_id` (undo by id). Every item carries `expires_at`
//! (the table's TTL attribute).
//!
//! Before a fix, one `TransactWriteItems` request: the counter's conditional increment, the write's item
//! (status `pending`, with `before`) and, for an EventBridge event, the event's conditional claim. It
//! fails as a whole, so a capped or duplicate write leaves nothing behind. After the fix one
//! `UpdateItem` stores `after` and the outcome.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use serde_json::Value;

use crate::config::Settings;
use crate::error::{AwsError, Error, Result};

/// An event's claim lasts as long as the longest Lambda invocation could (15 minutes): a duplicate
/// that arrives while the first is still running never writes. A failed fix gives its claim back.
pub const CLAIM_LEASE: Duration = Duration::from_secs(15 * 60);

/// The index of writes by action id.
pub const ACTION_INDEX: &str = "action";

pub struct Ledger {
    pub table: String,
    ddb: Client,
    pub max_per_hour: u64,
    pub flap_limit: u64,
    pub flap_window: Duration,
    pub undo_hold: Duration,
    ttl: Duration,
    /// (account, hour) whose cap this process saw reached: no further conditional write there.
    capped: Mutex<HashSet<(String, String)>>,
}

/// Status of a write's item.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const REMEDIATED: &str = "remediated";
    pub const FAILED: &str = "failed";
    pub const UNDOING: &str = "undoing";
    pub const UNDONE: &str = "undone";
}

/// One write as the ledger holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub pk: String,
    pub sk: String,
    pub action_id: String,
    pub control: String,
    /// `fix` or `undo`.
    pub kind: String,
    pub status: String,
    pub resource: String,
    pub account: String,
    pub region: String,
    pub trigger: String,
    pub event_id: Option<String>,
    pub principal: Option<String>,
    pub time: SystemTime,
    pub before: Value,
    pub after: Value,
    pub detail: String,
    pub undoes: Option<String>,
    pub undone_by: Option<String>,
}

/// What the conditional write before a fix found.
#[derive(Debug, PartialEq)]
pub enum Reserved {
    /// The write is recorded `pending`: go ahead.
    Go,
    /// `MAX_CHANGES_PER_HOUR` writes were made this hour.
    Capped,
    /// The same event already claimed this resource (another invocation, or an earlier delivery).
    Duplicate,
}

impl Ledger {
    /// `None` without `LEDGER_TABLE`. `Err(InvalidConfig)` when one of its settings is malformed.
    pub fn new(settings: &Settings, config: &aws_config::SdkConfig) -> Result<Option<Self>> {
        let max_per_hour = settings.number("MAX_CHANGES_PER_HOUR", 100, 1..=1_000_000)?;
        let flap_limit = settings.number("FLAP_LIMIT", 3, 1..=1000)?;
        let flap_minutes = settings.number("FLAP_WINDOW_MINUTES", 60, 1..=7 * 24 * 60)?;
        let undo_hold_days = settings.number("UNDO_HOLD_DAYS", 7, 0..=365)?;
        let ttl_days = settings.number("LEDGER_TTL_DAYS", 400, 1..=3650)?;
        let Some(table) = settings.var("LEDGER_TABLE") else {
            return Ok(None);
        };
        let valid =
            (3..=255).contains(&table.len()) && table.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        let is_arn = table.starts_with("arn:") && table.contains(":table/");
        if !valid && !is_arn {
            return Err(Error::InvalidConfig(format!("LEDGER_TABLE {table:?} is not a DynamoDB table name or ARN")));
        }
        Ok(Some(Ledger {
            table: table.to_owned(),
            ddb: Client::new(config),
            max_per_hour,
            flap_limit,
            flap_window: Duration::from_secs(flap_minutes * 60),
            undo_hold: Duration::from_secs(undo_hold_days * 24 * 3600),
            ttl: Duration::from_secs(ttl_days * 24 * 3600),
            capped: Mutex::new(HashSet::new()),
        }))
    }

    /// Whether this process already saw the cap of `account` reached in the hour of `now`.
    pub fn is_capped(&self, account: &str, now: SystemTime) -> bool {
        self.capped.lock().expect("capped lock").contains(&(account.to_owned(), hour(now)))
    }

    /// The resource's writes, newest first: enough of them to decide flapping, duplicates and the
    /// undo hold (`FLAP_LIMIT + 1`). One strongly consistent query.
    pub async fn history(&self, control: &str, resource: &str) -> Result<Vec<Record>> {
        let pk = format!("res#{control}#{resource}");
        let out = self
            .ddb
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(&pk))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit((self.flap_limit + 1).min(100) as i32)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("dynamodb:Query", &self.table, e))?;
        Ok(out.items().iter().filter_map(Record::from_item).collect())
    }

    /// The write whose id is `action_id` (the `action` index), if any.
    pub async fn find(&self, action_id: &str) -> Result<Option<Record>> {
        let out = self
            .ddb
            .query()
            .table_name(&self.table)
            .index_name(ACTION_INDEX)
            .key_condition_expression("action_id = :id")
            .expression_attribute_values(":id", s(action_id))
            .limit(1)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("dynamodb:Query", &self.table, e))?;
        Ok(out.items().first().and_then(Record::from_item))
    }

    /// Before a fix: count it against the hour's cap, record it `pending` with its `before`, and claim
    /// the event for this resource, in one request that succeeds or fails as a whole.
    pub async fn reserve(&self, record: &Record, now: SystemTime) -> Result<Reserved> {
        let hour = hour(now);
        let counter = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&format!("cap#{}#{}", record.control, record.account)))
            .key("sk", s(&hour))
            .update_expression("ADD writes :one SET expires_at = :exp")
            .condition_expression("attribute_not_exists(writes) OR writes < :cap")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(self.max_per_hour))
            .expression_attribute_values(":exp", n(epoch_s(now) + 2 * 24 * 3600))
            .build()
            .map_err(build_error)?;
        let item = Put::builder()
            .table_name(&self.table)
            .set_item(Some(record.to_item(self.expires_at(now))))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error)?;
        let mut request = self
            .ddb
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(counter).build())
            .transact_items(TransactWriteItem::builder().put(item).build());
        if let Some(event_id) = &record.event_id {
            let claim = Put::builder()
                .table_name(&self.table)
                .item("pk", s(&format!("event#{}#{event_id}", record.control)))
                .item("sk", s(&record.resource))
                .item("action_id", s(&record.action_id))
                .item("lease_until", n(epoch_s(now + CLAIM_LEASE)))
                .item("expires_at", n(epoch_s(now) + 2 * 24 * 3600))
                .condition_expression("attribute_not_exists(pk) OR lease_until < :now")
                .expression_attribute_values(":now", n(epoch_s(now)))
                .build()
                .map_err(build_error)?;
            request = request.transact_items(TransactWriteItem::builder().put(claim).build());
        }
        match request.send().await {
            Ok(_) => Ok(Reserved::Go),
            Err(e) => {
                let reasons: Vec<Option<String>> = e
                    .as_service_error()
                    .and_then(|se| match se {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                            Some(c.cancellation_reasons().iter().map(|r| r.code().map(str::to_owned)).collect())
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                let failed = |i: usize| reasons.get(i).and_then(|c| c.as_deref()) == Some("ConditionalCheckFailed");
                if failed(0) {
                    self.capped.lock().expect("capped lock").insert((record.account.clone(), hour));
                    return Ok(Reserved::Capped);
                }
                if failed(2) {
                    return Ok(Reserved::Duplicate);
                }
                Err(AwsError::from_sdk("dynamodb:TransactWriteItems", &self.table, e).into())
            }
        }
    }

    /// After a fix: the read-back state and the outcome (`remediated` or `failed`).
    pub async fn finish(&self, record: &Record, status: &str, after: &Value, detail: &str) -> Result<()> {
        self.ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&record.pk))
            .key("sk", s(&record.sk))
            .update_expression("SET #status = :status, after_state = :after, detail = :detail")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":after", s(&after.to_string()))
            .expression_attribute_values(":detail", s(detail))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("dynamodb:UpdateItem", &self.table, e))?;
        Ok(())
    }

    /// A failed fix gives the event's claim back, so that Lambda's retry of the event may try again.
    pub async fn release(&self, record: &Record) -> Result<()> {
        let Some(event_id) = &record.event_id else {
            return Ok(());
        };
        self.ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&format!("event#{}#{event_id}", record.control)))
            .key("sk", s(&record.resource))
            .update_expression("SET lease_until = :zero")
            .condition_expression("action_id = :id")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":id", s(&record.action_id))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("dynamodb:UpdateItem", &self.table, e))?;
        Ok(())
    }

    /// Marks a write as being undone, only if it is still `remediated` (one undo at a time, never twice).
    /// `Ok(false)`: it is not.
    pub async fn start_undo(&self, record: &Record, undo_id: &str) -> Result<bool> {
        let out = self
            .ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&record.pk))
            .key("sk", s(&record.sk))
            .update_expression("SET #status = :undoing, undone_by = :undo")
            .condition_expression("#status = :remediated")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":undoing", s(status::UNDOING))
            .expression_attribute_values(":remediated", s(status::REMEDIATED))
            .expression_attribute_values(":undo", s(undo_id))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(AwsError::from_sdk("dynamodb:UpdateItem", &self.table, e).into()),
        }
    }

    /// An undo that did not restore: the write is `remediated` again (undo may be tried again).
    pub async fn abandon_undo(&self, record: &Record) -> Result<()> {
        self.ddb
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&record.pk))
            .key("sk", s(&record.sk))
            .update_expression("SET #status = :remediated REMOVE undone_by")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":remediated", s(status::REMEDIATED))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("dynamodb:UpdateItem", &self.table, e))?;
        Ok(())
    }

    /// An undo that restored: the undo's own item and the original marked `undone`, in one request.
    pub async fn finish_undo(&self, original: &Record, undo: &Record, now: SystemTime) -> Result<()> {
        let mark = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&original.pk))
            .key("sk", s(&original.sk))
            .update_expression("SET #status = :undone, undone_by = :undo")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":undone", s(status::UNDONE))
            .expression_attribute_values(":undo", s(&undo.action_id))
            .build()
            .map_err(build_error)?;
        let item = Put::builder()
            .table_name(&self.table)
            .set_item(Some(undo.to_item(self.expires_at(now))))
            .build()
            .map_err(build_error)?;
        self.ddb
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(mark).build())
            .transact_items(TransactWriteItem::builder().put(item).build())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("dynamodb:TransactWriteItems", &self.table, e))?;
        Ok(())
    }

    fn expires_at(&self, now: SystemTime) -> u64 {
        epoch_s(now + self.ttl)
    }
}

impl Record {
    /// A new write of `control` on `resource` at `now`, with a fresh action id.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        control: &str,
        kind: &str,
        resource: &str,
        account: &str,
        region: &str,
        trigger: &str,
        now: SystemTime,
    ) -> Self {
        let action_id = action_id(now);
        Record {
            pk: format!("res#{control}#{resource}"),
            sk: format!("{:013}#{action_id}", epoch_ms(now)),
            action_id,
            control: control.to_owned(),
            kind: kind.to_owned(),
            status: status::PENDING.to_owned(),
            resource: resource.to_owned(),
            account: account.to_owned(),
            region: region.to_owned(),
            trigger: trigger.to_owned(),
            event_id: None,
            principal: None,
            time: now,
            before: Value::Null,
            after: Value::Null,
            detail: String::new(),
            undoes: None,
            undone_by: None,
        }
    }

    fn to_item(&self, expires_at: u64) -> HashMap<String, AttributeValue> {
        let mut item = HashMap::from([
            ("pk".to_owned(), s(&self.pk)),
            ("sk".to_owned(), s(&self.sk)),
            ("action_id".to_owned(), s(&self.action_id)),
            ("control".to_owned(), s(&self.control)),
            ("kind".to_owned(), s(&self.kind)),
            ("status".to_owned(), s(&self.status)),
            ("resource".to_owned(), s(&self.resource)),
            ("account".to_owned(), s(&self.account)),
            ("region".to_owned(), s(&self.region)),
            ("trigger".to_owned(), s(&self.trigger)),
            ("time".to_owned(), s(&iso(self.time))),
            ("before_state".to_owned(), s(&self.before.to_string())),
            ("after_state".to_owned(), s(&self.after.to_string())),
            ("expires_at".to_owned(), n(expires_at)),
        ]);
        if !self.detail.is_empty() {
            item.insert("detail".to_owned(), s(&self.detail));
        }
        for (name, value) in [
            ("event_id", &self.event_id),
            ("principal", &self.principal),
            ("undoes", &self.undoes),
            ("undone_by", &self.undone_by),
        ] {
            if let Some(v) = value {
                item.insert(name.to_owned(), s(v));
            }
        }
        item
    }

    fn from_item(item: &HashMap<String, AttributeValue>) -> Option<Self> {
        let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let json = |k: &str| get(k).and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
        let sk = get("sk")?;
        let ms: u64 = sk.split('#').next()?.parse().ok()?;
        Some(Record {
            pk: get("pk")?,
            action_id: get("action_id")?,
            control: get("control").unwrap_or_default(),
            kind: get("kind").unwrap_or_default(),
            status: get("status").unwrap_or_default(),
            resource: get("resource").unwrap_or_default(),
            account: get("account").unwrap_or_default(),
            region: get("region").unwrap_or_default(),
            trigger: get("trigger").unwrap_or_default(),
            event_id: get("event_id"),
            principal: get("principal"),
            time: UNIX_EPOCH + Duration::from_millis(ms),
            before: json("before_state"),
            after: json("after_state"),
            detail: get("detail").unwrap_or_default(),
            undoes: get("undoes"),
            undone_by: get("undone_by"),
            sk,
        })
    }

    /// When it was made, as ISO 8601 UTC.
    pub fn when(&self) -> String {
        iso(self.time)
    }
}

/// `20261130T184500Z-<16 hex>`: sortable by time, unguessable enough to be a handle, and valid in
/// a manual payload (`{"undo": ...}`).
fn action_id(now: SystemTime) -> String {
    let t = iso(now);
    let compact: String = t.chars().filter(|c| c.is_ascii_digit() || *c == 'T').take(15).collect();
    format!("{compact}Z-{:016x}", fastrand::u64(..))
}

/// The UTC hour of `t`, `YYYY-MM-DDTHH`: the blast-radius counter's period.
pub fn hour(t: SystemTime) -> String {
    iso(t).chars().take(13).collect()
}

pub fn iso(t: SystemTime) -> String {
    let secs = epoch_s(t);
    aws_smithy_types::DateTime::from_secs(secs as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| secs.to_string())
}

fn epoch_s(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> Error {
    Error::Target(format!("ledger request: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_ids_sort_by_time_and_pass_the_payload_check() {
        let t = UNIX_EPOCH + Duration::from_secs(1_796_064_300);
        let id = action_id(t);
        assert!(id.starts_with("20261130T"), "{id}");
        assert_eq!(id.len(), 16 + 1 + 16, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert_ne!(action_id(t), id);
        assert_eq!(hour(t), "2026-11-30T18");
    }

    #[test]
    fn a_record_survives_the_table() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_064_300_123);
        let mut r = Record::new("c", "fix", "arn:aws:s3:::b", "123456789012", "us-east-1", "manual", t);
        r.before = serde_json::json!({"a": false});
        r.event_id = Some("e-1".into());
        let back = Record::from_item(&r.to_item(1)).unwrap();
        assert_eq!(back, r);
    }
}
