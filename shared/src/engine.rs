//! The engine: trigger → targets → (exempt? read → compliant? → fix → read back) → report → sinks.
//! The organization fan-out (coordinator and SQS worker) is in `fanout`.

mod fanout;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::stream::{self, StreamExt};
use serde_json::Value;

use crate::arn::Arn;
use crate::aws::{Aws, Clients};
use crate::config::{Regions, Settings};
use crate::control::{Control, Cx, Resolved};
use crate::error::{AwsError, Error, Result};
use crate::exceptions::{tag_verdict, Date, Document, Entry, TagVerdict};
use crate::ledger::{self, Ledger, Record, Reserved};
use crate::metrics::{self, Measured};
use crate::report::{Outcome, Report, TargetResult};
use crate::trigger::{Kind, ResourceRef, Trigger};
use crate::{links, notify};

/// A control with its settings and clients: built once per cold start.
pub struct Runtime<C: Control> {
    pub control: C,
    pub settings: Settings,
    pub clients: Clients<C::Client>,
    /// The same clients with the SDK's adaptive retry mode, for sweeps (`aws::sweep_retry_config`).
    pub sweep_clients: Clients<C::Client>,
    /// Targets (and sweep listings) in flight in this function instance, whatever the number of
    /// events or queue messages it is handling: `REMEDIATION_CONCURRENCY`.
    inflight: tokio::sync::Semaphore,
    fan_out: fanout::FanOut,
    sns: Option<aws_sdk_sns::Client>,
    exceptions: Option<Exceptions>,
    /// `LEDGER_TABLE`: the record of every write, undo, and the guardrails read from it.
    ledger: Option<Ledger>,
    /// `MODE_PARAMETER`: the kill switch.
    mode: Option<ModeSource>,
    /// CloudTrail's LookupEvents allows 2 calls a second per account and region: one at a time.
    #[cfg_attr(not(feature = "intended-changes"), allow(dead_code))]
    lookups: tokio::sync::Semaphore,
}

/// `EXCEPTIONS_PARAMETER` and the document last read from it.
struct Exceptions {
    parameter: String,
    ssm: aws_sdk_ssm::Client,
    max_days: u64,
    warn_days: u64,
    /// When it was read (by the settings' clock) and what it held: read again after a minute.
    cache: tokio::sync::Mutex<Option<Cached>>,
}

/// When the document was read (by the settings' clock), and what it held.
type Cached = (SystemTime, Result<Arc<Document>, String>);

/// The kill switch's value (`MODE_PARAMETER`): every function of the stack at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fix as configured.
    Enforce,
    /// Report `would_remediate`, write nothing.
    DryRun,
    /// Read nothing else, write nothing: every target `deferred`.
    Off,
}

impl Mode {
    fn parse(value: &str) -> Result<Self, String> {
        match value.trim() {
            "enforce" => Ok(Mode::Enforce),
            "dry_run" => Ok(Mode::DryRun),
            "off" => Ok(Mode::Off),
            other => {
                Err(format!("{:?} is not a mode: enforce, dry_run or off", other.chars().take(40).collect::<String>()))
            }
        }
    }
}

/// `MODE_PARAMETER` and its last reading.
struct ModeSource {
    parameter: String,
    ssm: aws_sdk_ssm::Client,
    cache: tokio::sync::Mutex<Option<(SystemTime, Result<Mode, String>)>>,
}

/// How long a reading of the kill switch is kept: at most one `GetParameter` a minute per process.
pub const MODE_TTL: Duration = Duration::from_secs(60);

/// What the trigger says about where the change came from, for the ledger and its guardrails.
#[derive(Default)]
struct Origin {
    /// EventBridge's event id (duplicates).
    event_id: Option<String>,
    /// Who made the call that triggered this (CloudTrail `userIdentity`), and the call.
    principal: Option<(String, String)>,
}

/// How long a read of the exceptions document is kept.
pub const EXCEPTIONS_TTL: Duration = Duration::from_secs(60);

/// What one invocation knows about exceptions while it handles its targets.
struct Pass {
    dry_run: bool,
    kind: Kind,
    /// The invocation sweeps: its clients retry in the adaptive mode.
    sweep: bool,
    doc: Option<Arc<Document>>,
    today: Date,
    /// Ids of the entries that matched a target (for the sweep's reminder).
    matched: Mutex<HashSet<String>>,
    origin: Origin,
    /// Ledger records that could not be completed after a fix: the invocation fails after the report.
    ledger_errors: Mutex<Vec<String>>,
}

/// A sweep's view for the reminder: the document, what matched, and the (account, region) pairs listed.
struct Swept {
    doc: Arc<Document>,
    today: Date,
    matched: HashSet<String>,
    scopes: Vec<(String, String)>,
}

/// One unit of work the plan names.
enum Job<T> {
    One { target: T, account: Option<String>, region: String, exempt_by: Option<String> },
    Sweep { account: Option<String>, region: String, exempt_by: Option<String> },
}

/// What `run` found besides the results.
struct Ran {
    results: Vec<TargetResult>,
    /// When each result was done (its read-back, for a fix), in `results`' order.
    done_at: Vec<SystemTime>,
    resources_scanned: Option<u64>,
    /// What a sweep covered, for the exceptions reminder.
    swept: Option<Swept>,
    /// Fixes whose ledger record could not be completed.
    ledger_errors: Vec<String>,
}

struct Plan<T> {
    jobs: Vec<Job<T>>,
    /// Regions to sweep when `TARGET_REGIONS=all` must be looked up first.
    sweep_all_regions: Option<Option<String>>,
    ignored: Option<String>,
}

impl<T> Plan<T> {
    fn ignore(why: String) -> Self {
        Plan { jobs: Vec::new(), sweep_all_regions: None, ignored: Some(why) }
    }
}

impl<C: Control> Runtime<C> {
    /// `Err(InvalidConfig)` when one of the control's own settings is malformed.
    pub fn new(settings: Settings, aws: Arc<Aws>) -> Result<Self> {
        let sns = settings.notify_topic_arn.as_ref().map(|_| aws_sdk_sns::Client::new(aws.sdk_config()));
        let max_days = settings.number("EXCEPTION_MAX_DAYS", 365, 1..=3650)?;
        let warn_days = settings.number("EXCEPTION_WARN_DAYS", 14, 0..=365)?;
        let exceptions = settings.var("EXCEPTIONS_PARAMETER").map(|parameter| Exceptions {
            parameter: parameter.to_owned(),
            ssm: aws_sdk_ssm::Client::new(aws.sdk_config()),
            max_days,
            warn_days,
            cache: tokio::sync::Mutex::new(None),
        });
        let ledger = Ledger::new(&settings, aws.sdk_config())?;
        let mode = settings.var("MODE_PARAMETER").map(|parameter| ModeSource {
            parameter: parameter.to_owned(),
            ssm: aws_sdk_ssm::Client::new(aws.sdk_config()),
            cache: tokio::sync::Mutex::new(None),
        });
        Ok(Runtime {
            control: C::new(&settings)?,
            ledger,
            mode,
            fan_out: fanout::FanOut::new(&settings, &aws)?,
            sweep_clients: Clients::new(aws.clone(), C::client).with_retry(crate::aws::sweep_retry_config()),
            clients: Clients::new(aws, C::client),
            inflight: tokio::sync::Semaphore::new(settings.concurrency),
            settings,
            sns,
            exceptions,
            lookups: tokio::sync::Semaphore::new(1),
        })
    }

    fn aws(&self) -> &Aws {
        self.clients.aws()
    }

    /// Handles one event end to end. `Err` when the event is invalid (no AWS call was made), when any
    /// target failed (after every other target was handled and the report delivered), or when the
    /// report could not be delivered.
    ///
    /// An organization-wide sweep or an SQS batch has no single report: `invoke` answers those.
    pub async fn handle(&self, event: &Value) -> Result<Report> {
        let trigger = Trigger::parse(event)?;
        if trigger.kind == Kind::Sqs || trigger.accounts.is_some() {
            return Err(Error::invalid("an organization-wide sweep or a sweep-queue batch: use Runtime::invoke"));
        }
        self.handle_trigger(event, trigger).await
    }

    /// The report of one trigger (an event, or one message of a sweep batch).
    async fn handle_trigger(&self, event: &Value, trigger: Trigger) -> Result<Report> {
        let requests_before = self.aws().requests();
        if let Some(action_id) = &trigger.undo {
            return self.undo_event(action_id, requests_before).await;
        }
        let plan = self.plan(&trigger)?;
        // The kill switch first: `off` reads nothing else.
        let mode = if plan.ignored.is_none() { self.mode().await } else { Ok(Mode::Enforce) };
        let dry_run = self.settings.dry_run || trigger.dry_run || mode == Ok(Mode::DryRun);
        let mut report = Report {
            control: C::NAME.to_owned(),
            trigger: trigger.kind,
            dry_run,
            results: Vec::new(),
            ignored: plan.ignored.clone(),
            finding_id: None,
            finding_url: None,
        };
        if trigger.kind == Kind::Securityhub {
            if let Some((id, region)) = finding(event, C::SECURITY_HUB_CONTROLS) {
                let region = region.unwrap_or_else(|| self.aws().region().to_owned());
                report.finding_url = links::finding_url(&id, self.aws().partition(), &region);
                report.finding_id = Some(id);
            }
        }
        let mut measured = Measured::default();
        let mut ledger_errors = Vec::new();
        if report.ignored.is_none() {
            let origin = Origin {
                event_id: trigger.event_id.clone(),
                principal: (trigger.call.as_ref())
                    .and_then(|c| c.principals().next().map(|p| (p.to_owned(), c.event_name.clone()))),
            };
            let ran = self.run(plan, dry_run, trigger.kind, mode, origin).await;
            ledger_errors = ran.ledger_errors;
            // The SLO is counted from the event's time (EventBridge's envelope) to the read-back, for
            // events about a change; a sweep's backfill is not an event waiting.
            let about_a_change = matches!(trigger.kind, Kind::Config | Kind::Cloudtrail | Kind::Securityhub);
            if let Some(time) = event_time(event).filter(|_| about_a_change) {
                measured.time_to_remediate_ms = ran
                    .results
                    .iter()
                    .zip(&ran.done_at)
                    .filter(|(r, _)| r.outcome == Outcome::Remediated)
                    .map(|(_, done)| done.duration_since(time).unwrap_or(Duration::ZERO).as_millis() as u64)
                    .collect();
            }
            measured.resources_scanned = ran.resources_scanned;
            report.results = ran.results;
            if let Some(swept) = ran.swept.filter(|_| trigger.sweep) {
                self.remind(swept).await;
            }
            if report.results.is_empty() {
                report.ignored = Some("no resources to check".into());
            }
        }
        let delivered = self.deliver(&report, &ledger_errors).await;
        measured.aws_requests = self.aws().requests().saturating_sub(requests_before);
        metrics::emit(&report, &measured);
        delivered.map(|()| report)
    }

    /// `{"undo": "<action id>"}`: one result, `undone` or why not. Undo is a person's command, so
    /// neither the kill switch nor the blast-radius cap holds it back.
    async fn undo_event(&self, action_id: &str, requests_before: u64) -> Result<Report> {
        let Some(ledger) = &self.ledger else {
            return Err(Error::invalid("undo needs the ledger, and LEDGER_TABLE is not set for this function"));
        };
        let mut report = Report {
            control: C::NAME.to_owned(),
            trigger: Kind::Manual,
            dry_run: false,
            results: Vec::new(),
            ignored: None,
            finding_id: None,
            finding_url: None,
        };
        let mut result = TargetResult {
            resource: format!("action {action_id}"),
            account: String::new(),
            region: String::new(),
            outcome: Outcome::Failed,
            detail: String::new(),
            before: Value::Null,
            after: Value::Null,
            console_url: None,
            action_id: None,
        };
        let mut ledger_errors = Vec::new();
        if let Err(e) = self.undo(ledger, action_id, &mut result, &mut ledger_errors).await {
            result.outcome = Outcome::Failed;
            result.detail = format!("undo of {action_id}: {e}");
            tracing::error!(control = C::NAME, action_id, error = %e, "undo failed");
        }
        result.console_url = self.control.console_url(&result.resource, &result.region);
        report.results.push(result);
        let delivered = self.deliver(&report, &ledger_errors).await;
        let measured =
            Measured { aws_requests: self.aws().requests().saturating_sub(requests_before), ..Default::default() };
        metrics::emit(&report, &measured);
        delivered.map(|()| report)
    }

    /// Restores the `before` of one recorded fix, only if the resource is still as the fix left it.
    async fn undo(
        &self,
        ledger: &Ledger,
        action_id: &str,
        result: &mut TargetResult,
        ledger_errors: &mut Vec<String>,
    ) -> Result<()> {
        let fail = |why: String| Err(Error::Target(why));
        let Some(record) = ledger.find(action_id).await? else {
            return fail(format!("no write with action id {action_id} in the ledger {}", ledger.table));
        };
        result.resource = record.resource.clone();
        result.account = record.account.clone();
        result.region = record.region.clone();
        if record.control != C::NAME {
            return fail(format!("action {action_id} was made by {}: undo it with that function", record.control));
        }
        if record.kind != "fix" {
            return fail(format!(
                "action {action_id} is itself an undo (of {}): only fixes are undone",
                record.undoes.as_deref().unwrap_or("?")
            ));
        }
        if record.status != ledger::status::REMEDIATED {
            let by = record.undone_by.as_deref().map(|u| format!(" (undo {u})")).unwrap_or_default();
            return fail(format!("action {action_id} is {}{by}, not remediated: nothing to undo", record.status));
        }
        let reference = ResourceRef {
            id: record.resource.clone(),
            account: Some(record.account.clone()),
            region: Some(record.region.clone()),
            ..Default::default()
        };
        let target = match self.control.resolve(&reference) {
            Ok(Resolved::Target { target, .. }) => target,
            Ok(Resolved::Sweep) => return fail(format!("{} does not name one target", record.resource)),
            Err(e) => return fail(e),
        };
        let before: C::State = serde_json::from_value(record.before.clone()).map_err(|e| {
            Error::Target(format!("the recorded before of {action_id} is not a {} state: {e}", C::NAME))
        })?;
        let client = self.clients.get(&record.account, &record.region).await?;
        let now = self.settings.now();
        let cx = Cx { client: &client, account: &record.account, region: &record.region, now };
        let Some(current) = self.control.read(&cx, &target).await? else {
            result.outcome = Outcome::NotFound;
            result.detail = format!("{} no longer exists: nothing to restore", record.resource);
            return Ok(());
        };
        let current_value = to_value(&current);
        result.before = current_value.clone();
        if current_value != record.after {
            return fail(format!(
                "{} changed since action {action_id}, so nothing was written: now {current_value}, the fix left \
                 {}; restoring would undo someone else's change",
                record.resource, record.after
            ));
        }
        let mut undo = Record::new(C::NAME, "undo", &record.resource, &record.account, &record.region, "manual", now);
        undo.undoes = Some(action_id.to_owned());
        undo.before = current_value;
        if !ledger.start_undo(&record, &undo.action_id).await? {
            return fail(format!("action {action_id} is being undone or was undone by another invocation"));
        }
        let restored = async {
            let done = self.control.restore(&cx, &target, &before, &current).await?;
            let after = self.control.read(&cx, &target).await?;
            Ok::<_, Error>((done, after))
        }
        .await;
        let (done, after) = match restored {
            Ok(r) => r,
            Err(e) => {
                if let Err(le) = ledger.abandon_undo(&record).await {
                    ledger_errors.push(format!("{} (action {action_id}): {le}", record.resource));
                }
                return Err(e);
            }
        };
        let Some(after) = after else {
            result.outcome = Outcome::NotFound;
            result.detail = format!("{done}; then it was deleted before the read-back");
            return Ok(());
        };
        undo.after = to_value(&after);
        result.after = undo.after.clone();
        if !self.control.is_restored(&before, &after) {
            undo.status = ledger::status::FAILED.to_owned();
            result.outcome = Outcome::Failed;
            result.detail = format!("{done}, but the read-back is not the recorded before {}", record.before);
        } else {
            undo.status = ledger::status::UNDONE.to_owned();
            result.outcome = Outcome::Undone;
            result.detail = format!("{done} (undo of action {action_id}, made {})", record.when());
            result.action_id = Some(undo.action_id.clone());
        }
        undo.detail = result.detail.clone();
        if let Err(e) = ledger.finish_undo(&record, &undo, now).await {
            tracing::error!(control = C::NAME, action_id, error = %e, "undo record incomplete");
            ledger_errors.push(format!("{} (undo {} of action {action_id}): {e}", record.resource, undo.action_id));
        }
        Ok(())
    }

    /// The kill switch (`MODE_PARAMETER`), read at most once a minute. `Ok(Enforce)` when unset; `Err`
    /// when it cannot be read or holds something else: then nothing may be written.
    async fn mode(&self) -> Result<Mode, String> {
        let Some(source) = &self.mode else {
            return Ok(Mode::Enforce);
        };
        let now = self.settings.now();
        let mut cache = source.cache.lock().await;
        if let Some((at, mode)) = cache.as_ref() {
            if now.duration_since(*at).is_ok_and(|age| age < MODE_TTL) {
                return mode.clone();
            }
        }
        let read = match source.ssm.get_parameter().name(&source.parameter).send().await {
            Ok(out) => Mode::parse(out.parameter().and_then(|p| p.value()).unwrap_or_default())
                .map_err(|e| format!("the kill switch {} is invalid, so nothing was done: {e}", source.parameter)),
            Err(e) => {
                let e = AwsError::from_sdk("ssm:GetParameter", &source.parameter, e);
                // Not kept: the next invocation asks again.
                return Err(format!("could not read the kill switch (MODE_PARAMETER), so nothing was done: {e}"));
            }
        };
        *cache = Some((now, read.clone()));
        read
    }

    /// Decides what the trigger asks for, without any AWS call.
    fn plan(&self, trigger: &Trigger) -> Result<Plan<C::Target>> {
        if let Some(why) = &trigger.ignored {
            return Ok(Plan::ignore(why.clone()));
        }
        let own_region = self.aws().region().to_owned();
        let mut exempt_by = None;
        let owned: Vec<ResourceRef>;
        let mut resources: Vec<_> = trigger.resources.iter().collect();
        match trigger.kind {
            Kind::Cloudtrail => {
                let call = trigger.call.as_ref().ok_or_else(|| Error::invalid("CloudTrail event without a call"))?;
                if !C::EVENT_NAMES.contains(&call.event_name.as_str()) {
                    return Ok(Plan::ignore(format!("{} is not a call {} acts on", call.event_name, C::NAME)));
                }
                if let Some(session) = &call.session_name {
                    if self.settings.own_session_names.contains(session) {
                        return Ok(Plan::ignore(format!("{} was made by this function ({session})", call.event_name)));
                    }
                }
                if let Some(why) = self.control.ignore_call(call) {
                    return Ok(Plan::ignore(why));
                }
                if let Some(ids) = self.control.call_resources(call) {
                    if ids.is_empty() {
                        return Ok(Plan::ignore(format!("{} names no resource of {}", call.event_name, C::NAME)));
                    }
                    let template = resources.first().map(|r| (*r).clone()).unwrap_or_default();
                    owned =
                        ids.into_iter().map(|id| ResourceRef { id, resource_type: None, ..template.clone() }).collect();
                    resources = owned.iter().collect();
                }
                exempt_by = call
                    .principals()
                    .find(|p| self.settings.is_exempt_principal(p))
                    .map(|p| format!("{} was made by exempt principal {p}", call.event_name));
            }
            Kind::Securityhub => {
                resources.retain(|r| r.control_id.as_deref().is_some_and(|id| C::SECURITY_HUB_CONTROLS.contains(&id)));
                if resources.is_empty() {
                    return Ok(Plan::ignore(format!(
                        "no FAILED finding for {} in the event",
                        C::SECURITY_HUB_CONTROLS.join(" / ")
                    )));
                }
            }
            Kind::Config => {
                resources.retain(|r| r.resource_type.as_deref().is_some_and(|t| C::CONFIG_RESOURCE_TYPES.contains(&t)));
                if resources.is_empty() {
                    let types = trigger.resources.iter().filter_map(|r| r.resource_type.as_deref()).collect::<Vec<_>>();
                    return Ok(Plan::ignore(format!(
                        "resource type {} is not handled by {}",
                        types.join(", "),
                        C::NAME
                    )));
                }
            }
            Kind::Schedule | Kind::Manual | Kind::Sqs => {}
        }

        let event_region = trigger.region.clone().unwrap_or_else(|| own_region.clone());
        let mut jobs = Vec::new();
        let mut sweep_all_regions = None;
        let sweep = |account: Option<String>, regions: Vec<String>, jobs: &mut Vec<Job<C::Target>>| {
            for region in regions {
                jobs.push(Job::Sweep { account: account.clone(), region, exempt_by: exempt_by.clone() });
            }
        };
        let manual_sweep = trigger.kind == Kind::Manual && resources.is_empty() && C::MANUAL_EMPTY_IS_SWEEP;
        if trigger.sweep || manual_sweep {
            // Scheduled and manual sweeps cover TARGET_REGIONS unless the payload names a region.
            let regions = match (&trigger.region, &self.settings.target_regions) {
                _ if C::GLOBAL_SWEEP => vec![event_region.clone()],
                (Some(r), _) if matches!(trigger.kind, Kind::Manual | Kind::Sqs) => vec![r.clone()],
                (_, Regions::Own) => vec![event_region.clone()],
                (_, Regions::List(list)) => list.clone(),
                (_, Regions::All) => {
                    sweep_all_regions = Some(trigger.account.clone());
                    Vec::new()
                }
            };
            sweep(trigger.account.clone(), regions, &mut jobs);
        } else if resources.is_empty() {
            return Err(Error::invalid(
                "name a resource: {\"resource_id\": ...}, {\"resource_ids\": [...]} or {\"sweep\": true}",
            ));
        }
        for r in resources {
            if let Some(arn) = Arn::parse(&r.id) {
                if arn.partition != self.aws().partition() {
                    return Err(Error::invalid(format!(
                        "{} is in partition {}, this function runs in {}",
                        r.id,
                        arn.partition,
                        self.aws().partition()
                    )));
                }
            }
            let region = r.region.clone().unwrap_or_else(|| event_region.clone());
            match self.control.resolve(r).map_err(Error::InvalidEvent)? {
                Resolved::Target { target, account, region: arn_region } => jobs.push(Job::One {
                    target,
                    account: account.or_else(|| r.account.clone()),
                    region: arn_region.unwrap_or(region),
                    exempt_by: exempt_by.clone(),
                }),
                Resolved::Sweep => sweep(r.account.clone(), vec![region], &mut jobs),
            }
        }
        Ok(Plan { jobs, sweep_all_regions, ignored: None })
    }

    async fn run(
        &self,
        plan: Plan<C::Target>,
        dry_run: bool,
        kind: Kind,
        mode: Result<Mode, String>,
        origin: Origin,
    ) -> Ran {
        let today = Date::of(self.settings.now());
        let held = |results: Vec<TargetResult>| {
            let done_at = vec![SystemTime::now(); results.len()];
            Ran { results, done_at, resources_scanned: None, swept: None, ledger_errors: Vec::new() }
        };
        match mode {
            Err(why) => return held(self.all_failed(plan, &why).await),
            Ok(Mode::Off) => {
                let parameter = self.mode.as_ref().map_or("", |m| m.parameter.as_str());
                let why = format!(
                    "the kill switch {parameter} is off: nothing read or written; set it to enforce (or dry_run) and \
                     the next event or sweep handles this"
                );
                return held(self.all_deferred(plan, &why).await);
            }
            Ok(_) => {}
        }
        let doc = match self.exceptions().await {
            Ok(doc) => doc,
            Err(why) => return held(self.all_failed(plan, &why).await),
        };
        let sweeps_planned =
            plan.sweep_all_regions.is_some() || plan.jobs.iter().any(|j| matches!(j, Job::Sweep { .. }));
        let pass = Pass {
            dry_run,
            kind,
            doc,
            today,
            matched: Mutex::new(HashSet::new()),
            sweep: sweeps_planned,
            origin,
            ledger_errors: Mutex::new(Vec::new()),
        };
        let mut scopes = Vec::new();
        let mut results = Vec::new();
        let mut resources_scanned = None;
        let mut targets = Vec::new();
        let mut sweeps = Vec::new();
        for job in plan.jobs {
            match job {
                Job::One { target, account, region, exempt_by } => targets.push((target, account, region, exempt_by)),
                Job::Sweep { account, region, exempt_by } => sweeps.push((account, region, exempt_by)),
            }
        }
        if let Some(account) = plan.sweep_all_regions {
            match self.enabled_regions(account.clone()).await {
                Ok(regions) => sweeps.extend(regions.into_iter().map(|r| (account.clone(), r, None))),
                Err(e) => results.push(self.failure(account, self.aws().region(), "enabled regions", e).await),
            }
        }
        let found: Vec<_> = stream::iter(sweeps)
            .map(|(account, region, exempt_by)| async move {
                let _permit = self.inflight.acquire().await;
                let listed = self.sweep(account.clone(), &region).await;
                (account, region, exempt_by, listed)
            })
            .buffered(self.settings.concurrency)
            .collect()
            .await;
        for (account, region, exempt_by, listed) in found {
            match listed {
                Ok(list) => {
                    *resources_scanned.get_or_insert(0) += list.len() as u64;
                    if let Ok(a) = self.account(account.clone()).await {
                        scopes.push((a, region.clone()));
                    }
                    targets.extend(list.into_iter().map(|t| (t, account.clone(), region.clone(), exempt_by.clone())))
                }
                Err(e) => results.push(self.failure(account, &region, &format!("sweep of {region}"), e).await),
            }
        }
        let mut done_at = vec![SystemTime::now(); results.len()];
        let pass = &pass;
        let handled: Vec<(TargetResult, SystemTime)> = stream::iter(targets)
            .map(|(target, account, region, exempt_by)| async move {
                let _permit = self.inflight.acquire().await;
                let mut result = self.remediate(target, account, region, exempt_by, pass).await;
                result.console_url = self.control.console_url(&result.resource, &result.region);
                (result, SystemTime::now())
            })
            .buffered(self.settings.concurrency)
            .collect()
            .await;
        for (result, done) in handled {
            results.push(result);
            done_at.push(done);
        }
        let swept = pass.doc.clone().filter(|_| !scopes.is_empty()).map(|doc| Swept {
            doc,
            today,
            matched: pass.matched.lock().expect("matched lock").clone(),
            scopes,
        });
        let ledger_errors = std::mem::take(&mut *pass.ledger_errors.lock().expect("ledger errors lock"));
        Ran { results, done_at, resources_scanned, swept, ledger_errors }
    }

    /// The exceptions document, read at most once a minute (by the settings' clock). `Ok(None)`: no
    /// `EXCEPTIONS_PARAMETER`. `Err`: it could not be read or is invalid; then nothing may be done.
    async fn exceptions(&self) -> Result<Option<Arc<Document>>, String> {
        let Some(source) = &self.exceptions else {
            return Ok(None);
        };
        let now = self.settings.now();
        let mut cache = source.cache.lock().await;
        if let Some((at, doc)) = cache.as_ref() {
            if now.duration_since(*at).is_ok_and(|age| age < EXCEPTIONS_TTL) {
                return doc.clone().map(Some);
            }
        }
        let ssm = &source.ssm;
        let out = ssm.get_parameter().name(&source.parameter).send().await.map_err(|e| {
            let e = AwsError::from_sdk("ssm:GetParameter", &source.parameter, e);
            format!("could not read the exceptions document (EXCEPTIONS_PARAMETER), so nothing was done: {e}")
        })?;
        let text = out.parameter().and_then(|p| p.value()).unwrap_or_default();
        let doc = Document::parse(text, Date::of(now), source.max_days)
            .map(Arc::new)
            .map_err(|e| format!("the exceptions document {} is invalid, so nothing was done: {e}", source.parameter));
        if let Err(e) = &doc {
            tracing::error!(control = C::NAME, error = %e, "invalid exceptions document");
        }
        *cache = Some((now, doc.clone()));
        doc.map(Some)
    }

    /// Every job of the plan `failed` with `why`, without any call (the exceptions are unknown).
    async fn all_failed(&self, plan: Plan<C::Target>, why: &str) -> Vec<TargetResult> {
        let mut results = Vec::new();
        for job in plan.jobs {
            let (what, account, region) = match job {
                Job::One { target, account, region, .. } => {
                    let what = match self.account(account.clone()).await {
                        Ok(a) => self.control.arn(&target, self.aws().partition(), &a, &region),
                        Err(_) => target.to_string(),
                    };
                    (what, account, region)
                }
                Job::Sweep { account, region, .. } => (format!("sweep of {region}"), account, region),
            };
            let mut r = self.failure(account, &region, &what, Error::Target(why.to_owned())).await;
            r.resource = what;
            r.detail = why.to_owned();
            results.push(r);
        }
        if let Some(account) = plan.sweep_all_regions {
            let region = self.aws().region().to_owned();
            results.push(self.failure(account, &region, "sweep of every region", Error::Target(why.to_owned())).await);
        }
        results
    }

    /// Every job of the plan `deferred` with `why` (the kill switch is off): no call but the own account's.
    async fn all_deferred(&self, plan: Plan<C::Target>, why: &str) -> Vec<TargetResult> {
        let mut results = self.all_failed(plan, why).await;
        for r in &mut results {
            r.outcome = Outcome::Deferred;
        }
        results
    }

    /// Exceptions of the document that cover the target: the detail of an active one; the expired ones
    /// become notes on the result.
    fn document_exemption(
        &self,
        pass: &Pass,
        account: &str,
        region: &str,
        names: &[&str],
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let doc = pass.doc.as_ref()?;
        let mut active: Option<&Entry> = None;
        for entry in doc.matching(C::NAME, account, region, names) {
            pass.matched.lock().expect("matched lock").insert(entry.id.clone());
            if entry.is_active(pass.today) {
                active.get_or_insert(entry);
            } else {
                note(notes, entry.expired_note());
            }
        }
        active.map(Entry::exempt_detail)
    }

    /// The daily reminder of a sweep: exceptions expiring within `EXCEPTION_WARN_DAYS`, and this
    /// control's entries that matched nothing in the accounts and regions swept. Published at most once
    /// a day per function: an SSM marker (`/auto-remediation/exception-reminders/<function>`) holds the
    /// UTC day of the last one and is written before the publish.
    async fn remind(&self, swept: Swept) {
        let Some(source) = &self.exceptions else {
            return;
        };
        let today = swept.today;
        let horizon = today.add_days(source.warn_days as i64);
        let expiring: Vec<&Entry> = swept
            .doc
            .entries
            .iter()
            .filter(|e| (e.control == C::NAME || e.control == "*") && e.is_active(today) && e.expires <= horizon)
            .collect();
        let in_scope = |e: &Entry| {
            e.account.as_deref().is_none_or(|a| swept.scopes.iter().any(|(acc, _)| acc == a))
                && e.region.as_deref().is_none_or(|r| C::GLOBAL_SWEEP || swept.scopes.iter().any(|(_, reg)| reg == r))
        };
        let unmatched: Vec<&Entry> = swept
            .doc
            .entries
            .iter()
            .filter(|e| e.control == C::NAME && !swept.matched.contains(&e.id) && in_scope(e))
            .collect();
        if expiring.is_empty() && unmatched.is_empty() {
            return;
        }
        let show = |e: &&Entry| {
            serde_json::json!({"id": e.id, "control": e.control, "resource": e.resource, "account": e.account,
                               "region": e.region, "owner": e.owner, "reason": e.reason,
                               "expires": e.expires.to_string(), "days_left": today.days_until(e.expires)})
        };
        let body = serde_json::json!({
            "control": C::NAME,
            "reminder": "exceptions",
            "date": today.to_string(),
            "expiring_within_days": source.warn_days,
            "expiring": expiring.iter().map(show).collect::<Vec<_>>(),
            "matched_nothing": unmatched.iter().map(show).collect::<Vec<_>>(),
        });
        let subject = format!(
            "[{}] exceptions: {} expiring within {} days, {} matched nothing",
            C::NAME,
            expiring.len(),
            source.warn_days,
            unmatched.len()
        );
        println!("{}", serde_json::json!({"message": "exceptions reminder", "reminder": body}));
        let (Some(sns), Some(topic), Some(function)) =
            (&self.sns, &self.settings.notify_topic_arn, self.settings.own_session_names.first())
        else {
            return;
        };
        let marker = format!("/auto-remediation/exception-reminders/{function}");
        let ssm = &source.ssm;
        match ssm.get_parameter().name(&marker).send().await {
            Ok(out) if out.parameter().and_then(|p| p.value()) == Some(today.to_string().as_str()) => return,
            Ok(_) => {}
            Err(e) => {
                let e = AwsError::from_sdk("ssm:GetParameter", &marker, e);
                if !e.is(&["ParameterNotFound"]) {
                    tracing::error!(error = %e, "exceptions reminder: cannot tell whether today's was sent; skipped");
                    return;
                }
            }
        }
        let put = ssm
            .put_parameter()
            .name(&marker)
            .value(today.to_string())
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .overwrite(true)
            .send()
            .await;
        if let Err(e) = put {
            let e = AwsError::from_sdk("ssm:PutParameter", &marker, e);
            tracing::error!(error = %e, "exceptions reminder: marker not written; skipped");
            return;
        }
        if let Err(e) = notify::publish_reminder(sns, topic, C::NAME, &subject, &body.to_string()).await {
            tracing::error!(error = %e, "exceptions reminder not published");
        }
    }

    /// Who made the change, when `EXEMPT_PRINCIPALS` is set and the control says where to look:
    /// `Some(detail)` when the most recent such call was made by an exempt principal.
    #[cfg(feature = "intended-changes")]
    async fn intended_change(
        &self,
        account: &str,
        region: &str,
        lookup: &crate::control::ChangeLookup,
    ) -> Result<Option<String>> {
        use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
        let _one_at_a_time = self.lookups.acquire().await.map_err(|e| Error::Target(e.to_string()))?;
        let conf = self.aws().config_for(account, region).await?;
        let cloudtrail = aws_sdk_cloudtrail::Client::new(&conf);
        let attribute = LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::ResourceName)
            .attribute_value(&lookup.resource_name)
            .build()
            .map_err(|e| Error::Target(e.to_string()))?;
        let mut token = None;
        // Newest first; a few pages cover any resource's recent history.
        for _ in 0..5 {
            let out = cloudtrail
                .lookup_events()
                .lookup_attributes(attribute.clone())
                .start_time(aws_smithy_types::DateTime::from(lookup.since))
                .end_time(aws_smithy_types::DateTime::from(self.settings.now()))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("cloudtrail:LookupEvents", &lookup.resource_name, e))?;
            let latest = out.events().iter().find(|e| e.event_name().is_some_and(|n| lookup.event_names.contains(&n)));
            if let Some(event) = latest {
                let record: serde_json::Value =
                    event.cloud_trail_event().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
                let who = &record["userIdentity"];
                let principals = [&who["arn"], &who["sessionContext"]["sessionIssuer"]["arn"]];
                let name = event.event_name().unwrap_or_default();
                let when = event.event_time().map(|t| t.to_string()).unwrap_or_default();
                return Ok(principals
                    .into_iter()
                    .filter_map(serde_json::Value::as_str)
                    .find(|p| self.settings.is_exempt_principal(p))
                    .map(|p| format!("{name} at {when} was made by exempt principal {p} (CloudTrail LookupEvents): an intended change")));
            }
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(None)
    }

    #[cfg(not(feature = "intended-changes"))]
    async fn intended_change(
        &self,
        _account: &str,
        _region: &str,
        _lookup: &crate::control::ChangeLookup,
    ) -> Result<Option<String>> {
        Err(Error::Target(format!(
            "{} looks up intended changes: it needs remediation-core's intended-changes feature",
            C::NAME
        )))
    }

    async fn account(&self, account: Option<String>) -> Result<String> {
        match account {
            Some(a) => Ok(a),
            None => self.aws().own_account().await,
        }
    }

    async fn enabled_regions(&self, account: Option<String>) -> Result<Vec<String>> {
        let account = self.account(account).await?;
        self.aws().enabled_regions(&account).await
    }

    async fn sweep(&self, account: Option<String>, region: &str) -> Result<Vec<C::Target>> {
        let account = self.account(account).await?;
        let client = self.sweep_clients.get(&account, region).await?;
        self.control.sweep(&Cx { client: &client, account: &account, region, now: self.settings.now() }).await
    }

    async fn failure(&self, account: Option<String>, region: &str, what: &str, e: Error) -> TargetResult {
        let account = match account {
            Some(a) => a,
            None => self.aws().own_account().await.unwrap_or_else(|_| "unknown".into()),
        };
        let detail = format!("{what}: {e}");
        tracing::error!(control = C::NAME, %account, region, error = %detail, "failed");
        TargetResult {
            resource: format!("{what} in {account}"),
            account,
            region: region.to_owned(),
            outcome: Outcome::Failed,
            detail,
            before: Value::Null,
            after: Value::Null,
            console_url: None,
            action_id: None,
        }
    }

    fn is_listed_exempt<'a>(&self, mut names: impl Iterator<Item = &'a str>) -> Option<String> {
        names
            .find(|n| self.settings.exempt_resources.iter().any(|e| e == n))
            .map(|n| format!("{n} is listed in EXEMPT_RESOURCES"))
    }

    /// exempt? → read → compliant? → fix (unless dry run) → read back. Every error becomes `failed`.
    async fn remediate(
        &self,
        target: C::Target,
        account: Option<String>,
        region: String,
        exempt_by: Option<String>,
        pass: &Pass,
    ) -> TargetResult {
        let account = match self.account(account).await {
            Ok(a) => a,
            Err(e) => return self.failure(None, &region, &target.to_string(), e).await,
        };
        let partition = self.aws().partition();
        let mut result = TargetResult {
            resource: self.control.arn(&target, partition, &account, &region),
            account: account.clone(),
            region: region.clone(),
            outcome: Outcome::Failed,
            detail: String::new(),
            before: Value::Null,
            after: Value::Null,
            console_url: None,
            action_id: None,
        };
        let mut notes = Vec::new();
        let early = exempt_by.or_else(|| {
            let shown = target.to_string();
            let names = [shown.as_str(), result.resource.as_str()];
            self.is_listed_exempt(names.into_iter())
                .or_else(|| self.document_exemption(pass, &account, &region, &names, &mut notes))
        });
        if let Some(why) = early {
            result.outcome = Outcome::Exempt;
            result.detail = why;
            return result;
        }
        match self.steps(target, &account, region, pass, &mut notes, &mut result).await {
            Ok(()) => {}
            Err(Error::NeedsAction(what)) => {
                result.outcome = Outcome::NeedsAction;
                result.detail = what;
            }
            Err(e) => {
                result.outcome = Outcome::Failed;
                result.detail = e.to_string();
                tracing::error!(control = C::NAME, resource = %result.resource, error = %e, "remediation failed");
            }
        }
        if !notes.is_empty() && result.outcome != Outcome::Exempt {
            result.detail = format!("{}; {}", notes.join("; "), result.detail);
        }
        result
    }

    /// locate → read → compliant? → tags / ownership → needs a person? → fix (unless dry run) → read back.
    /// A compliant resource costs one read (CONTRACT.md): tags are read only for a noncompliant one.
    async fn steps(
        &self,
        target: C::Target,
        account: &str,
        region: String,
        pass: &Pass,
        notes: &mut Vec<String>,
        result: &mut TargetResult,
    ) -> Result<()> {
        let partition = self.aws().partition();
        let now = self.settings.now();
        let clients = if pass.sweep { &self.sweep_clients } else { &self.clients };
        let mut client = clients.get(account, &region).await?;
        let located = self.control.locate(&Cx { client: &client, account, region: &region, now }, target).await?;
        let Some((target, found_region)) = located else {
            return not_found(result);
        };
        let region = match found_region {
            Some(r) if r != region => {
                client = clients.get(account, &r).await?;
                r
            }
            _ => region,
        };
        result.region = region.clone();
        result.resource = self.control.arn(&target, partition, account, &region);
        let cx = Cx { client: &client, account, region: &region, now };

        let (before, described) = self.read_and_describe(&cx, &target, &result.resource, pass, notes).await?;
        if let Some(before) = &before {
            result.before = to_value(before);
        }
        match described {
            Described::Gone => return not_found(result),
            Described::Exempt(why) => return exempt(result, why),
            Described::Go => {}
        }
        let Some(before) = before else {
            return not_found(result);
        };
        if self.control.is_compliant(&before) {
            result.outcome = Outcome::AlreadyCompliant;
            result.detail = "compliant, nothing written".into();
            return Ok(());
        }
        // Intended changes stay intended whatever the trigger: who made this one? (A CloudTrail trigger
        // already said, in the plan.)
        if pass.kind != Kind::Cloudtrail && !self.settings.exempt_principals.is_empty() {
            if let Some(lookup) = self.control.change_lookup(&cx, &result.resource, &before) {
                if let Some(why) = self.intended_change(account, &region, &lookup).await? {
                    return exempt(result, why);
                }
            }
        }
        if let Some(what) = self.control.needs_action(&before) {
            result.outcome = Outcome::NeedsAction;
            result.detail = what;
            return Ok(());
        }
        if pass.dry_run {
            result.outcome = Outcome::WouldRemediate;
            result.detail = "noncompliant; dry run, nothing written".into();
            return Ok(());
        }
        // The guardrails (blast radius, flapping, duplicate events) and the write's record, before it.
        let record = match &self.ledger {
            Some(ledger) => match self.guard(ledger, pass, account, &region, result).await? {
                Some(record) => Some((ledger, record)),
                None => return Ok(()),
            },
            None => None,
        };
        let fixed = self.fix_and_read_back(&cx, &target, &before, result).await;
        if let Some((ledger, record)) = record {
            let status = match (&fixed, result.outcome) {
                (Ok(()), Outcome::Remediated) => ledger::status::REMEDIATED,
                _ => ledger::status::FAILED,
            };
            let detail = match &fixed {
                Ok(()) => result.detail.clone(),
                Err(e) => e.to_string(),
            };
            if status == ledger::status::REMEDIATED {
                result.action_id = Some(record.action_id.clone());
            }
            let mut finished = ledger.finish(&record, status, &result.after, &detail).await;
            if status == ledger::status::FAILED {
                // Lambda's retry of this event may try again.
                finished = finished.and(ledger.release(&record).await);
            }
            if let Err(e) = finished {
                tracing::error!(control = C::NAME, resource = %result.resource, error = %e, "ledger record incomplete");
                let what = format!("{} (action {}): {e}", result.resource, record.action_id);
                pass.ledger_errors.lock().expect("ledger errors lock").push(what);
            }
        }
        fixed
    }

    /// fix → read back → `remediated`, or `failed` when the read-back is still noncompliant.
    async fn fix_and_read_back(
        &self,
        cx: &Cx<'_, C::Client>,
        target: &C::Target,
        before: &C::State,
        result: &mut TargetResult,
    ) -> Result<()> {
        let done = self.control.fix(cx, target, before).await?;
        let Some(after) = self.control.read(cx, target).await? else {
            result.outcome = Outcome::NotFound;
            result.detail = format!("{done}; then it was deleted before the read-back");
            return Ok(());
        };
        result.after = to_value(&after);
        if self.control.is_fixed(before, &after) {
            result.outcome = Outcome::Remediated;
            result.detail = done;
        } else {
            result.outcome = Outcome::Failed;
            result.detail = format!("{done}, but the read-back is still noncompliant");
        }
        Ok(())
    }

    /// The state before (`None`: gone) and the exemption verdict, in the contract's order: with
    /// `DESCRIBE_BEFORE_READ` the description decides first; otherwise a compliant target is
    /// `Described::Go` whatever its tags (it is reported compliant), and a noncompliant one is
    /// described. A sweep reads one thing at a time, so a compliant resource costs one read; an event
    /// about a change (Config, CloudTrail, Security Hub) names a resource that is likely noncompliant,
    /// so both are asked at once and the critical path is read → write → read-back.
    async fn read_and_describe(
        &self,
        cx: &Cx<'_, C::Client>,
        target: &C::Target,
        resource: &str,
        pass: &Pass,
        notes: &mut Vec<String>,
    ) -> Result<(Option<C::State>, Described)> {
        let concurrent = C::DESCRIBE_AT_ONCE
            && !pass.sweep
            && matches!(pass.kind, Kind::Config | Kind::Cloudtrail | Kind::Securityhub);
        if concurrent {
            let mut described_notes = Vec::new();
            let (before, described) = futures::join!(
                self.control.read_before(cx, target),
                self.described_exemption(cx, target, resource, pass, &mut described_notes)
            );
            let described = if C::DESCRIBE_BEFORE_READ {
                // Not ours, or gone: the read may have failed for that very reason.
                let verdict = described?;
                if !matches!(verdict, Described::Go) {
                    described_notes.into_iter().for_each(|n| note(notes, n));
                    return Ok((None, verdict));
                }
                Ok(verdict)
            } else {
                described
            };
            let before = before?;
            // A compliant target is reported compliant, whatever its description said (or failed to say).
            let described = match &before {
                Some(state) if C::DESCRIBE_BEFORE_READ || !self.control.is_compliant(state) => described?,
                _ => return Ok((before, Described::Go)),
            };
            described_notes.into_iter().for_each(|n| note(notes, n));
            return Ok((before, described));
        }
        if C::DESCRIBE_BEFORE_READ {
            let described = self.described_exemption(cx, target, resource, pass, notes).await?;
            if !matches!(described, Described::Go) {
                return Ok((None, described));
            }
        }
        let before = self.control.read_before(cx, target).await?;
        match &before {
            Some(state) if !C::DESCRIBE_BEFORE_READ && !self.control.is_compliant(state) => {
                let described = self.described_exemption(cx, target, resource, pass, notes).await?;
                Ok((before, described))
            }
            _ => Ok((before, Described::Go)),
        }
    }

    /// The ledger's guardrails before a write: the blast-radius cap, a resource just restored by undo,
    /// flapping and duplicate events. `Some(record)`: go ahead, the write is recorded `pending`. `None`:
    /// `result` says why not. `Err`: the ledger could not be read or written; nothing may be written.
    async fn guard(
        &self,
        ledger: &Ledger,
        pass: &Pass,
        account: &str,
        region: &str,
        result: &mut TargetResult,
    ) -> Result<Option<Record>> {
        let now = self.settings.now();
        let unchecked = |e: Error| {
            Error::Target(format!(
                "the ledger {} could not be checked, so nothing was written (a guardrail that cannot be checked \
                 holds): {e}",
                ledger.table
            ))
        };
        let capped = |result: &mut TargetResult| {
            result.outcome = Outcome::Deferred;
            result.detail = format!(
                "blast-radius cap: {} already made MAX_CHANGES_PER_HOUR={} writes in account {account} in the hour \
                 {}:00Z; not fixed now, the next sweep or event after that hour fixes it",
                C::NAME,
                ledger.max_per_hour,
                ledger::hour(now)
            );
        };
        if ledger.is_capped(account, now) {
            capped(result);
            return Ok(None);
        }
        let history = ledger.history(C::NAME, &result.resource).await.map_err(unchecked)?;
        if let Some(shown) = self.recorded(pass, &history, result) {
            return Ok(shown);
        }
        if let Some(last) = history.first().filter(|r| r.kind == "undo") {
            let until = last.time + ledger.undo_hold;
            if now < until {
                result.outcome = Outcome::NeedsAction;
                result.detail = format!(
                    "restored by undo {} at {} (of action {}): not fixed again automatically until {}; to keep it \
                     as it is, add an exception (EXCEPTIONS_PARAMETER) or the exempt tag, otherwise fix it by hand",
                    last.action_id,
                    last.when(),
                    last.undoes.as_deref().unwrap_or("?"),
                    ledger::iso(until)
                );
                return Ok(None);
            }
        }
        let since = now.checked_sub(ledger.flap_window).unwrap_or(std::time::UNIX_EPOCH);
        let took =
            [ledger::status::REMEDIATED, ledger::status::PENDING, ledger::status::UNDOING, ledger::status::UNDONE];
        let recent: Vec<&Record> = history
            .iter()
            .filter(|r| r.kind == "fix" && r.time >= since && took.contains(&r.status.as_str()))
            .collect();
        if recent.len() as u64 >= ledger.flap_limit {
            let who = match &pass.origin.principal {
                Some((principal, call)) => format!("changed back by {principal} ({call}, CloudTrail)"),
                None => "who changed it back is not in this event: CloudTrail's event history has it".to_owned(),
            };
            result.outcome = Outcome::Contested;
            result.detail = format!(
                "fixed {} times in the last {} minutes (FLAP_LIMIT={}; last: action {} at {}) and noncompliant again: \
                 {who}; not fixed again until the window passes — find out why it keeps changing",
                recent.len(),
                ledger.flap_window.as_secs() / 60,
                ledger.flap_limit,
                recent[0].action_id,
                recent[0].when()
            );
            return Ok(None);
        }
        let trigger =
            serde_json::to_value(pass.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let mut record = Record::new(C::NAME, "fix", &result.resource, account, region, &trigger, now);
        record.event_id = pass.origin.event_id.clone();
        record.principal = pass.origin.principal.as_ref().map(|(p, _)| p.clone());
        record.before = result.before.clone();
        match ledger.reserve(&record, now).await.map_err(unchecked)? {
            Reserved::Go => Ok(Some(record)),
            Reserved::Capped => {
                capped(result);
                Ok(None)
            }
            Reserved::Duplicate => {
                // Another delivery of the same event got there first: show what it recorded.
                let history = ledger.history(C::NAME, &result.resource).await.map_err(unchecked)?;
                if let Some(shown) = self.recorded(pass, &history, result) {
                    return Ok(shown);
                }
                result.outcome = Outcome::Deferred;
                result.detail = format!(
                    "duplicate of event {}: another invocation holds it; nothing written",
                    pass.origin.event_id.as_deref().unwrap_or("?")
                );
                Ok(None)
            }
        }
    }

    /// A write this event already made to this resource (a duplicate delivery): its recorded result,
    /// and nothing written. `None`: the event has not written here (or its write failed: a retry).
    fn recorded(&self, pass: &Pass, history: &[Record], result: &mut TargetResult) -> Option<Option<Record>> {
        let id = pass.origin.event_id.as_deref()?;
        let r = history
            .iter()
            .find(|r| r.kind == "fix" && r.event_id.as_deref() == Some(id) && r.status != ledger::status::FAILED)?;
        if r.status == ledger::status::PENDING {
            result.outcome = Outcome::Deferred;
            result.detail = format!(
                "duplicate of event {id}: another invocation is fixing it now (action {}, since {}); nothing written",
                r.action_id,
                r.when()
            );
        } else {
            result.outcome = Outcome::Remediated;
            result.detail = format!(
                "duplicate of event {id}: already handled at {} (action {}, now {}); the recorded result, nothing \
                 written now",
                r.when(),
                r.action_id,
                r.status
            );
            result.before = r.before.clone();
            result.after = r.after.clone();
            result.action_id = Some(r.action_id.clone());
        }
        Some(None)
    }

    /// Tags (with their end dates), the exceptions document and extra names: whether the target is exempt.
    async fn described_exemption(
        &self,
        cx: &Cx<'_, C::Client>,
        target: &C::Target,
        resource: &str,
        pass: &Pass,
        notes: &mut Vec<String>,
    ) -> Result<Described> {
        let Some(description) = self.control.describe(cx, target).await? else {
            return Ok(Described::Gone);
        };
        let tag = match &self.settings.exempt_tag {
            Some(tag) => tag_verdict(tag, &description.tags, pass.today),
            None => TagVerdict::Absent,
        };
        let tag_exempt = match tag {
            TagVerdict::Exempt(why) => Some(why),
            TagVerdict::NotExempt(why) => {
                note(notes, why);
                None
            }
            TagVerdict::Absent => None,
        };
        let shown = target.to_string();
        let mut names: Vec<&str> = description.names.iter().map(String::as_str).collect();
        names.extend([shown.as_str(), resource]);
        Ok(description
            .not_ours
            .or(tag_exempt)
            .or_else(|| self.is_listed_exempt(description.names.iter().map(String::as_str)))
            .or_else(|| self.document_exemption(pass, cx.account, cx.region, &names, notes))
            .map_or(Described::Go, Described::Exempt))
    }

    /// Logs the report, publishes it, and turns failures into the invocation's error.
    async fn deliver(&self, report: &Report, ledger_errors: &[String]) -> Result<()> {
        notify::log(report);
        let mut delivery_error = None;
        if let (Some(sns), Some(topic)) = (&self.sns, &self.settings.notify_topic_arn) {
            if let Err(e) = notify::publish(sns, topic, report).await {
                tracing::error!(error = %e, "could not publish the report");
                delivery_error = Some(e.to_string());
            }
        }
        let failed: Vec<String> = report.failed().map(|r| format!("{}: {}", r.resource, r.detail)).collect();
        if !failed.is_empty() {
            let mut msg = format!("{} ({}): {}", C::NAME, report.summary(), failed.join("; "));
            if let Some(e) = delivery_error {
                msg.push_str(&format!("; and the report was not published: {e}"));
            }
            return Err(Error::RemediationFailed(msg));
        }
        if let Some(e) = delivery_error {
            return Err(Error::NotificationFailed(e));
        }
        if !ledger_errors.is_empty() {
            return Err(Error::LedgerFailed(format!(
                "{}: the fixes stand and were reported, but the ledger did not record them completely: {}",
                C::NAME,
                ledger_errors.join("; ")
            )));
        }
        Ok(())
    }
}

/// The EventBridge envelope's `time` (when the change happened, or the schedule fired).
fn event_time(event: &Value) -> Option<SystemTime> {
    let time = event.get("time")?.as_str()?;
    let parsed = aws_smithy_types::DateTime::from_str(time, aws_smithy_types::date_time::Format::DateTime).ok()?;
    SystemTime::try_from(parsed).ok()
}

/// The id (and region) of the Security Hub finding for one of `controls` in the event: the raw
/// event's `detail.findings[].Id`, which the parsed trigger does not keep.
fn finding(event: &Value, controls: &[&str]) -> Option<(String, Option<String>)> {
    let findings = event.pointer("/detail/findings")?.as_array()?;
    let ours = |f: &&Value| {
        let id = f.pointer("/Compliance/SecurityControlId").or_else(|| f.pointer("/ProductFields/ControlId"));
        id.and_then(Value::as_str).is_some_and(|id| controls.contains(&id))
    };
    let f = findings.iter().find(ours)?;
    let region = f.get("Region").or_else(|| event.get("region")).and_then(Value::as_str).map(str::to_owned);
    Some((f.get("Id")?.as_str()?.to_owned(), region))
}

enum Described {
    Gone,
    Exempt(String),
    Go,
}

fn note(notes: &mut Vec<String>, what: String) {
    if !notes.contains(&what) {
        notes.push(what);
    }
}

fn exempt(result: &mut TargetResult, why: String) -> Result<()> {
    result.outcome = Outcome::Exempt;
    result.detail = why;
    Ok(())
}

fn not_found(result: &mut TargetResult) -> Result<()> {
    result.outcome = Outcome::NotFound;
    result.detail = "does not exist (deleted?), nothing to do".into();
    Ok(())
}

fn to_value<S: serde::Serialize>(state: &S) -> Value {
    serde_json::to_value(state).unwrap_or(Value::Null)
}
