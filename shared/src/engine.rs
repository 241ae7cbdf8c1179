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
        Ok(Runtime {
            control: C::new(&settings)?,
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
        let plan = self.plan(&trigger)?;
        let dry_run = self.settings.dry_run || trigger.dry_run;
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
        if report.ignored.is_none() {
            let ran = self.run(plan, dry_run, trigger.kind).await;
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
        let delivered = self.deliver(&report).await;
        measured.aws_requests = self.aws().requests().saturating_sub(requests_before);
        metrics::emit(&report, &measured);
        delivered.map(|()| report)
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

    async fn run(&self, plan: Plan<C::Target>, dry_run: bool, kind: Kind) -> Ran {
        let today = Date::of(self.settings.now());
        let doc = match self.exceptions().await {
            Ok(doc) => doc,
            Err(why) => {
                let results = self.all_failed(plan, &why).await;
                let done_at = vec![SystemTime::now(); results.len()];
                return Ran { results, done_at, resources_scanned: None, swept: None };
            }
        };
        let sweeps_planned =
            plan.sweep_all_regions.is_some() || plan.jobs.iter().any(|j| matches!(j, Job::Sweep { .. }));
        let pass = Pass { dry_run, kind, doc, today, matched: Mutex::new(HashSet::new()), sweep: sweeps_planned };
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
        Ran { results, done_at, resources_scanned, swept }
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
        let done = self.control.fix(&cx, &target, &before).await?;
        let Some(after) = self.control.read(&cx, &target).await? else {
            result.outcome = Outcome::NotFound;
            result.detail = format!("{done}; then it was deleted before the read-back");
            return Ok(());
        };
        result.after = to_value(&after);
        if self.control.is_fixed(&before, &after) {
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
        let concurrent = !pass.sweep && matches!(pass.kind, Kind::Config | Kind::Cloudtrail | Kind::Securityhub);
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
    async fn deliver(&self, report: &Report) -> Result<()> {
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
