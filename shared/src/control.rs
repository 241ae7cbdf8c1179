//! What a control is: the few things that differ between controls. Everything else is the engine's.

use std::fmt;

use aws_config::SdkConfig;
use serde::Serialize;

use crate::config::Settings;
use crate::error::Result;
use crate::trigger::{ApiCall, ResourceRef};
pub use crate::wiring::{Permission, Setting, Wiring};

/// What a trigger's resource turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved<T> {
    /// One target; `account` / `region` when its ARN says (they win over the event's).
    Target { target: T, account: Option<String>, region: Option<String> },
    /// The event names the whole account, and the control's resources must be enumerated (a sweep
    /// of the event's region).
    Sweep,
}

impl<T> Resolved<T> {
    pub fn target(target: T) -> Self {
        Resolved::Target { target, account: None, region: None }
    }
}

/// What the engine needs before reading state: tags for `EXEMPT_TAG`, extra names for
/// `EXEMPT_RESOURCES` (ARN, aliases), and a reason the resource is not this function's to fix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    pub tags: Vec<(String, String)>,
    pub names: Vec<String>,
    /// e.g. an AWS managed key, a snapshot owned by another account.
    pub not_ours: Option<String>,
}

/// Where to find who made the change that left a target noncompliant (CloudTrail `LookupEvents`), so
/// that a change made by an `EXEMPT_PRINCIPALS` principal stays intended whatever the trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeLookup {
    /// The calls that make the change (`ScheduleKeyDeletion`); the most recent one decides.
    pub event_names: &'static [&'static str],
    /// The resource as CloudTrail records it (`ResourceName`: a key's ARN).
    pub resource_name: String,
    /// How far back such a call can be (a key's longest pending window).
    pub since: std::time::SystemTime,
}

/// The client, account and region one target is handled with.
pub struct Cx<'a, C> {
    pub client: &'a C,
    pub account: &'a str,
    pub region: &'a str,
    /// "Now", from the core's one clock (`Settings::now`; tests fix it).
    pub now: std::time::SystemTime,
}

/// One security control. Implementations are small: no parsing, no reporting, no error handling
/// beyond mapping "gone" to `None`.
#[allow(async_fn_in_trait)]
pub trait Control: Sized {
    /// A bucket, key id, snapshot id, region... `Display` gives the name used in `EXEMPT_RESOURCES`.
    type Target: Clone + fmt::Display + fmt::Debug;
    /// What `read` sees; serialized into the report's `before` / `after` and the ledger, and read back
    /// from the ledger to undo a fix.
    type State: Serialize + serde::de::DeserializeOwned;
    /// The SDK clients the control calls, for one account and region.
    type Client: Clone;

    /// The package name, reported as `control`.
    const NAME: &'static str;
    /// CloudTrail `eventName`s this control acts on.
    const EVENT_NAMES: &'static [&'static str];
    /// AWS Config resource types this control acts on.
    const CONFIG_RESOURCE_TYPES: &'static [&'static str];
    /// Security Hub control ids (`S3.8`).
    const SECURITY_HUB_CONTROLS: &'static [&'static str];
    /// The sweep enumerates once for the whole account (S3's ListBuckets) instead of per region.
    const GLOBAL_SWEEP: bool = false;
    /// Tags and ownership are read before the state, for resources whose state only their owner can
    /// read (a snapshot shared by another account). Otherwise only a noncompliant target's are read.
    const DESCRIBE_BEFORE_READ: bool = false;
    /// An event about a change (Config, CloudTrail, Security Hub) names a resource that is likely
    /// noncompliant, so the engine asks `read` and `describe` at once: one round trip less before the
    /// write, one request more when the resource turns out compliant. `false` for a control whose
    /// `describe` repeats `read`'s requests (it would only ask the same thing twice).
    const DESCRIBE_AT_ONCE: bool = true;
    /// A manual `{}` (optionally with `region`) means a sweep, for controls whose target is a region.
    const MANUAL_EMPTY_IS_SWEEP: bool = false;
    /// Everything else outside the code that follows from this control: the template, the member
    /// role and the README's table are generated from it (`make generate`).
    const WIRING: Wiring;

    /// Reads the control's own settings (`settings.var`, declared in `WIRING.settings`). A malformed
    /// value is `Error::InvalidConfig`, which stops the function at cold start.
    fn new(settings: &Settings) -> Result<Self>;

    fn client(config: &SdkConfig) -> Self::Client;

    /// Turns a resource named by an event into a target. No AWS call: an `Err` rejects the event.
    fn resolve(&self, resource: &ResourceRef) -> Result<Resolved<Self::Target>, String>;

    /// The name the report gives the target (an ARN where the resource has one).
    fn arn(&self, target: &Self::Target, partition: &str, account: &str, region: &str) -> String;

    /// The resource's page in the AWS console, for the report. The default reads the ARN
    /// (`links::resource_url`); a control whose `arn` is not a real ARN (an account or region setting)
    /// names its settings page here.
    fn console_url(&self, resource: &str, region: &str) -> Option<String> {
        crate::links::resource_url(resource, region)
    }

    /// A reason to ignore a CloudTrail call this control otherwise acts on (e.g. a removal).
    fn ignore_call(&self, _call: &ApiCall) -> Option<String> {
        None
    }

    /// The resource ids a CloudTrail call names, where the core's reading of `requestParameters`
    /// (`bucketName`, `keyId`, `snapshotId`, `groupId`, `name`, `detectorId`, `userName`; else the
    /// account) is not right, e.g. an id only in `responseElements`. `None`: the core's reading.
    fn call_resources(&self, _call: &ApiCall) -> Option<Vec<String>> {
        None
    }

    /// Every target in one region (or, with `GLOBAL_SWEEP`, in the account).
    async fn sweep(&self, cx: &Cx<'_, Self::Client>) -> Result<Vec<Self::Target>>;

    /// The canonical target and the region it lives in (a bucket's region, an alias's key id).
    /// `None`: it does not exist.
    async fn locate(
        &self,
        _cx: &Cx<'_, Self::Client>,
        target: Self::Target,
    ) -> Result<Option<(Self::Target, Option<String>)>> {
        Ok(Some((target, None)))
    }

    /// Tags, extra names and ownership. `None`: it does not exist.
    async fn describe(&self, cx: &Cx<'_, Self::Client>, target: &Self::Target) -> Result<Option<Description>>;

    /// The state the control judges. `None`: it does not exist.
    async fn read(&self, cx: &Cx<'_, Self::Client>, target: &Self::Target) -> Result<Option<Self::State>>;

    /// The read that decides whether to fix. A control whose `locate` already fetched the state (KMS's
    /// DescribeKey) returns it here instead of asking again; the read-back after a fix is always `read`.
    async fn read_before(&self, cx: &Cx<'_, Self::Client>, target: &Self::Target) -> Result<Option<Self::State>> {
        self.read(cx, target).await
    }

    fn is_compliant(&self, state: &Self::State) -> bool;

    /// A noncompliant state this control will not fix automatically (unsafe or impossible in place):
    /// what a person should do. Reported `needs_action`, nothing written. A fix that finds out only
    /// when it writes returns `Error::NeedsAction` instead.
    fn needs_action(&self, _state: &Self::State) -> Option<String> {
        None
    }

    /// Whether the read-back after a fix shows the fix took. Usually: it is compliant now. A control
    /// whose fix asks for more than compliance (a cancelled key must also be usable again) says so here.
    fn is_fixed(&self, _before: &Self::State, after: &Self::State) -> bool {
        self.is_compliant(after)
    }

    /// For a noncompliant target reached by any trigger but a CloudTrail call: where CloudTrail records
    /// the call that caused it. Asked only when `EXEMPT_PRINCIPALS` is set; the core looks it up (needs
    /// remediation-core's `intended-changes` feature and `cloudtrail:LookupEvents`). `None`: don't look.
    fn change_lookup(&self, _cx: &Cx<'_, Self::Client>, _arn: &str, _state: &Self::State) -> Option<ChangeLookup> {
        None
    }

    /// Makes the target compliant. Returns what was done, for the report's `detail`.
    async fn fix(&self, cx: &Cx<'_, Self::Client>, target: &Self::Target, state: &Self::State) -> Result<String>;

    /// Undo (`{"undo": "<action id>"}`): puts the recorded `before` back. The engine calls it only when
    /// the target's state `now` still equals what the fix left (the ledger's `after`). Returns what was
    /// done, for the report's `detail`.
    async fn restore(
        &self,
        _cx: &Cx<'_, Self::Client>,
        _target: &Self::Target,
        _before: &Self::State,
        _now: &Self::State,
    ) -> Result<String> {
        Err(crate::Error::Target(format!("{} cannot undo its fixes", Self::NAME)))
    }

    /// Whether the read-back after `restore` shows `before` again. Usually: the same state.
    fn is_restored(&self, before: &Self::State, after: &Self::State) -> bool {
        serde_json::to_value(before).ok() == serde_json::to_value(after).ok()
    }
}

/// How a region-wide control (its target: one account's setting in one region) reads an event's
/// resource: a region name; its own ARN `arn:<partition>:<service>:<region>:<account>:<resource>`
/// (`is_ours` accepts the resource part, `shape` names it in the error); or an account (`123456789012`,
/// `AWS::::Account:<id>`) with the event's region, or the event region's sweep when the event names
/// none. `Ok(None)`: none of these shapes, for the control to try its own (a detector id) or reject.
pub fn resolve_region<T>(
    r: &ResourceRef,
    service: &str,
    shape: &str,
    is_ours: impl Fn(&str) -> bool,
    make: impl Fn(&str) -> T,
) -> Result<Option<Resolved<T>>, String> {
    use crate::config::{is_account_id, is_region};
    let target = |region: &str, account: Option<String>| Resolved::Target {
        target: make(region),
        account,
        region: Some(region.to_owned()),
    };
    if is_region(&r.id) {
        return Ok(Some(target(&r.id, None)));
    }
    if let Some(arn) = crate::Arn::parse(&r.id) {
        if arn.service == service && is_ours(arn.resource) && is_region(arn.region) && is_account_id(arn.account) {
            return Ok(Some(target(arn.region, arn.account())));
        }
        return Err(format!("{} is not an arn:<partition>:{service}:<region>:<account>:{shape} name", r.id));
    }
    if r.is_account() {
        let account = r.id.strip_prefix("AWS::::Account:").unwrap_or(&r.id);
        if !is_account_id(account) {
            return Err(format!("{:?} does not name an account", r.id));
        }
        return Ok(Some(match &r.region {
            Some(region) => target(region, Some(account.to_owned())),
            // No region on the resource: the engine's sweep of the event's region is that one region.
            None => Resolved::Sweep,
        }));
    }
    Ok(None)
}
