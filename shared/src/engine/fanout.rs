//! Organization-wide sweeps: one invocation (the coordinator) lists the accounts and sends one SQS
//! message per (account, region) to the function's own sweep queue (`SWEEP_QUEUE_URL`); the event
//! source mapping hands batches of them back to the same function (the worker), which sweeps each
//! message's account and region as a manual sweep would, and names the messages that failed in the
//! SQS partial-batch response, so SQS retries them and then moves them to the dead-letter queue.
//!
//! SQS, the mapping's `MaximumConcurrency` and the SDK's adaptive retries are the distributed engine
//! and the throttle; `REMEDIATION_CONCURRENCY` bounds what one instance has in flight.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::Runtime;
use crate::aws::Aws;
use crate::config::{is_account_id, Regions, Settings};
use crate::control::Control;
use crate::error::{AwsError, Error, Result};
use crate::notify;
use crate::trigger::{Accounts, Kind, SqsItem, SweepOrder, Trigger};

/// Messages per `SendMessageBatch` (SQS's maximum).
const BATCH: usize = 10;
/// Sends of one batch's failed entries before they are counted as not sent.
const SEND_ATTEMPTS: usize = 3;

/// The fan-out's settings and clients (read at cold start; malformed values stop it there).
pub(super) struct FanOut {
    queue_url: Option<String>,
    organization_role_arn: Option<String>,
    /// `SWEEP_ACCOUNTS`: the accounts of `"accounts": "organization"` when the central account cannot list them.
    accounts: Option<Vec<String>>,
    sqs: Option<aws_sdk_sqs::Client>,
}

impl FanOut {
    pub(super) fn new(settings: &Settings, aws: &Aws) -> Result<Self> {
        let queue_url = settings.var("SWEEP_QUEUE_URL").map(str::to_owned);
        if let Some(url) = &queue_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Error::InvalidConfig(format!("SWEEP_QUEUE_URL: {url:?} is not a queue URL")));
            }
        }
        let organization_role_arn = settings.var("ORGANIZATION_ROLE_ARN").map(str::to_owned);
        if let Some(arn) = &organization_role_arn {
            let ok = crate::Arn::parse(arn).is_some_and(|a| a.service == "iam" && a.resource.starts_with("role/"));
            if !ok {
                return Err(Error::InvalidConfig(format!("ORGANIZATION_ROLE_ARN: {arn:?} is not an IAM role ARN")));
            }
        }
        let accounts = settings.list("SWEEP_ACCOUNTS");
        if let Some(bad) = accounts.iter().flatten().find(|a| !is_account_id(a)) {
            return Err(Error::InvalidConfig(format!("SWEEP_ACCOUNTS: {bad:?} is not a 12-digit account id")));
        }
        let sqs = queue_url.as_ref().map(|_| {
            let conf = aws.sdk_config().to_builder().retry_config(crate::aws::sweep_retry_config()).build();
            aws_sdk_sqs::Client::new(&conf)
        });
        Ok(FanOut { queue_url, organization_role_arn, accounts, sqs })
    }
}

/// What the coordinator did: returned, logged and published.
#[derive(Debug, serde::Serialize)]
struct Started {
    control: &'static str,
    trigger: Kind,
    dry_run: bool,
    sweep_id: String,
    accounts: usize,
    regions: Vec<String>,
    messages: usize,
    not_sent: usize,
    /// Why messages were not sent (first few).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
    summary: String,
}

/// One message of a worker batch, for the batch's log line.
#[derive(Debug, serde::Serialize)]
struct Handled {
    message_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    ok: bool,
    /// The report's summary (`3 remediated, 1 failed`), or why the message failed.
    outcome: String,
}

impl<C: Control> Runtime<C> {
    /// The handler: the report for an event; for an organization-wide sweep, what the coordinator
    /// started; for a batch of the sweep queue, the SQS partial-batch response
    /// (`{"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}`).
    pub async fn invoke(&self, event: &Value) -> Result<Value> {
        let trigger = Trigger::parse(event)?;
        if trigger.kind == Kind::Sqs {
            return Ok(self.work(trigger).await);
        }
        if let Some(accounts) = trigger.accounts.clone() {
            return self.coordinate(&trigger, accounts).await;
        }
        let report = self.handle_trigger(event, trigger).await?;
        Ok(serde_json::to_value(&report).expect("a report serializes"))
    }

    /// The coordinator: accounts × regions → one message each on the sweep queue, then one summary.
    /// `Err(RemediationFailed)` when some messages could not be sent (after the summary was published),
    /// so that Lambda retries the whole fan-out (a sweep sent twice is harmless: sweeps are idempotent).
    async fn coordinate(&self, trigger: &Trigger, accounts: Accounts) -> Result<Value> {
        let fan = &self.fan_out;
        let (Some(queue), Some(sqs)) = (&fan.queue_url, &fan.sqs) else {
            return Err(Error::invalid(
                "an organization-wide sweep needs the sweep queue: SWEEP_QUEUE_URL is not set (template \
                 parameter SweepScope=organization)",
            ));
        };
        let accounts = match accounts {
            Accounts::List(list) => list,
            Accounts::Organization => match &fan.accounts {
                Some(list) => list.clone(),
                None => self.organization_accounts().await?,
            },
        };
        let own_region = self.aws().region().to_owned();
        let regions = match (&trigger.region, &self.settings.target_regions) {
            _ if C::GLOBAL_SWEEP => vec![own_region],
            (Some(r), _) => vec![r.clone()],
            (_, Regions::Own) => vec![own_region],
            (_, Regions::List(list)) => list.clone(),
            // The central account's enabled regions stand for every account's.
            (_, Regions::All) => self.enabled_regions(None).await?,
        };
        let dry_run = self.settings.dry_run || trigger.dry_run;
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let sweep_id = format!("{}-{millis}", C::NAME);
        let bodies: Vec<String> = accounts
            .iter()
            .flat_map(|account| regions.iter().map(move |region| (account, region)))
            .map(|(account, region)| {
                let order = SweepOrder {
                    control: C::NAME.to_owned(),
                    account_id: account.clone(),
                    region: region.clone(),
                    dry_run,
                    sweep_id: Some(sweep_id.clone()),
                };
                serde_json::to_string(&order).expect("an order serializes")
            })
            .collect();
        let chunks: Vec<Vec<String>> = bodies.chunks(BATCH).map(<[String]>::to_vec).collect();
        let outcomes: Vec<(usize, Vec<String>)> = stream::iter(chunks)
            .map(|chunk| send_batch(sqs, queue, chunk))
            .buffer_unordered(self.settings.concurrency)
            .collect()
            .await;
        let not_sent: usize = outcomes.iter().map(|(n, _)| n).sum();
        let mut errors: Vec<String> = outcomes.into_iter().flat_map(|(_, e)| e).collect();
        errors.dedup();
        errors.truncate(5);
        let messages = bodies.len() - not_sent;
        let mut summary =
            format!("sweep of {} accounts × {} regions started, {messages} messages", accounts.len(), regions.len());
        if not_sent > 0 {
            summary.push_str(&format!(", {not_sent} not sent"));
        }
        let started = Started {
            control: C::NAME,
            trigger: trigger.kind,
            dry_run,
            sweep_id,
            accounts: accounts.len(),
            regions,
            messages,
            not_sent,
            errors,
            summary,
        };
        let body = serde_json::to_value(&started).expect("a summary serializes");
        println!("{}", json!({"message": "organization sweep started", "sweep": body}));
        let mut delivery = Ok(());
        if let (Some(sns), Some(topic)) = (&self.sns, &self.settings.notify_topic_arn) {
            let subject = format!("[{}] {}", C::NAME, started.summary);
            delivery = notify::publish_notice(sns, topic, C::NAME, "sweep_started", &subject, &body.to_string()).await;
            if let Err(e) = &delivery {
                tracing::error!(error = %e, "could not publish the sweep's summary");
            }
        }
        if not_sent > 0 {
            return Err(Error::RemediationFailed(format!(
                "{}: {}: {}",
                C::NAME,
                started.summary,
                started.errors.join("; ")
            )));
        }
        delivery.map(|()| body)
    }

    /// The organization's ACTIVE accounts, through `ORGANIZATION_ROLE_ARN` when set.
    async fn organization_accounts(&self) -> Result<Vec<String>> {
        use aws_sdk_organizations::types::{AccountState, AccountStatus};
        let conf = self.aws().organization_config(self.fan_out.organization_role_arn.as_deref()).await;
        let organizations = aws_sdk_organizations::Client::new(&conf);
        let (mut accounts, mut token) = (Vec::new(), None);
        loop {
            let out = organizations
                .list_accounts()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("organizations:ListAccounts", "the organization", e))?;
            for a in out.accounts() {
                // `State` replaces `Status` (which has no PENDING_ACTIVATION or CLOSED); either says ACTIVE.
                let active = match a.state() {
                    Some(state) => *state == AccountState::Active,
                    None => a.status() == Some(&AccountStatus::Active),
                };
                if let Some(id) = a.id().filter(|_| active) {
                    accounts.push(id.to_owned());
                }
            }
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        accounts.sort();
        accounts.dedup();
        Ok(accounts)
    }

    /// The worker: each message one sweep; the failed ones in the partial-batch response.
    async fn work(&self, trigger: Trigger) -> Value {
        let handled: Vec<Handled> = stream::iter(trigger.messages)
            .map(|item| self.work_one(item))
            .buffered(self.settings.concurrency)
            .collect()
            .await;
        let mut response = SqsBatchResponse::default();
        for h in handled.iter().filter(|h| !h.ok) {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = h.message_id.clone();
            response.batch_item_failures.push(failure);
        }
        let response = serde_json::to_value(&response).expect("a batch response serializes");
        println!(
            "{}",
            json!({"message": "sweep batch", "control": C::NAME, "messages": handled.len(),
                   "failed": response["batchItemFailures"].as_array().map_or(0, Vec::len),
                   "reports": handled, "response": response})
        );
        response
    }

    async fn work_one(&self, item: SqsItem) -> Handled {
        let SqsItem { message_id, order } = item;
        let failed = |why: String, order: Option<&SweepOrder>| {
            tracing::error!(control = C::NAME, message_id = %message_id, error = %why, "sweep message failed");
            Handled {
                message_id: message_id.clone(),
                account: order.map(|o| o.account_id.clone()),
                region: order.map(|o| o.region.clone()),
                ok: false,
                outcome: why,
            }
        };
        let order = match order {
            Ok(order) => order,
            Err(why) => return failed(why, None),
        };
        if order.control != C::NAME {
            let why = format!("a message for {} on the sweep queue of {}", order.control, C::NAME);
            return failed(why, Some(&order));
        }
        let trigger = Trigger {
            kind: Kind::Sqs,
            account: Some(order.account_id.clone()),
            region: Some(order.region.clone()),
            resources: Vec::new(),
            sweep: true,
            dry_run: order.dry_run,
            ignored: None,
            call: None,
            accounts: None,
            messages: Vec::new(),
            event_id: None,
            undo: None,
        };
        match self.handle_trigger(&Value::Null, trigger).await {
            Ok(report) => Handled {
                message_id,
                account: Some(order.account_id),
                region: Some(order.region),
                ok: true,
                outcome: report.summary(),
            },
            Err(e) => failed(e.to_string(), Some(&order)),
        }
    }
}

/// Sends up to ten bodies; entries that failed for a reason of SQS's own are sent again. Returns how
/// many were not sent, and why.
async fn send_batch(sqs: &aws_sdk_sqs::Client, queue: &str, chunk: Vec<String>) -> (usize, Vec<String>) {
    let mut pending: Vec<(String, String)> = chunk.into_iter().enumerate().map(|(i, b)| (i.to_string(), b)).collect();
    let (mut not_sent, mut errors) = (0, Vec::new());
    for attempt in 1..=SEND_ATTEMPTS {
        let entries: Vec<SendMessageBatchRequestEntry> = pending
            .iter()
            .filter_map(|(id, body)| SendMessageBatchRequestEntry::builder().id(id).message_body(body).build().ok())
            .collect();
        let out = match sqs.send_message_batch().queue_url(queue).set_entries(Some(entries)).send().await {
            Ok(out) => out,
            Err(e) => {
                // The SDK has retried already (adaptive mode): none of these was sent.
                errors.push(AwsError::from_sdk("sqs:SendMessageBatch", queue, e).to_string());
                return (not_sent + pending.len(), errors);
            }
        };
        let mut retry = Vec::new();
        for failed in out.failed() {
            let Some(entry) = pending.iter().find(|(id, _)| id == failed.id()) else { continue };
            // A sender fault (a body SQS refuses) is final; a failure on SQS's side is sent again.
            if failed.sender_fault() || attempt == SEND_ATTEMPTS {
                not_sent += 1;
                errors.push(format!(
                    "sqs:SendMessageBatch entry failed ({}): {}",
                    failed.code(),
                    failed.message().unwrap_or_default()
                ));
            } else {
                retry.push(entry.clone());
            }
        }
        if retry.is_empty() {
            return (not_sent, errors);
        }
        pending = retry;
    }
    (not_sent + pending.len(), errors)
}
