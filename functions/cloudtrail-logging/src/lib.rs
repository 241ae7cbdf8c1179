//! CloudTrail.4 and CloudTrail.1: a trail that stopped logging is started again and gets log file
//! validation back, always in its home Region; an account without a logging multi-Region trail gets
//! its stopped one started, or (with `CLOUDTRAIL_BUCKET`) a new one.

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_cloudtrail::config::Region as SdkRegion;
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, ReadWriteType};
use remediation_core::config::{is_account_id, is_region, Regions};
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{
    ApiCall, Arn, AwsError, Control, Cx, Description, Error, Resolved, ResourceRef, Result, Settings,
};
use serde::{Deserialize, Serialize};

type Client = aws_sdk_cloudtrail::Client;

/// The name of the trail this function creates when the account has none (with `CLOUDTRAIL_BUCKET`).
pub const NEW_TRAIL_NAME: &str = "auto-remediation-multi-region";

const TRAIL_NOT_FOUND: &[&str] = &["TrailNotFoundException"];
/// CreateTrail refusals a person must resolve (the bucket or its policy), not retries.
const BUCKET_PROBLEMS: &[&str] = &[
    "S3BucketDoesNotExistException",
    "InsufficientS3BucketPolicyException",
    "InsufficientEncryptionPolicyException",
    "InvalidS3BucketNameException",
];

pub struct CloudtrailLogging {
    /// `CLOUDTRAIL_BUCKET`: where a new multi-Region trail delivers; unset: `needs_action` instead.
    bucket: Option<String>,
    /// The one Region where the account (CloudTrail.1) is judged and a new trail is created, so that
    /// events from several Regions at once, and sweeps of several Regions, never create two trails.
    /// `None`: wherever the event or sweep is (the function's Region is not known).
    account_region: Option<String>,
    /// `EXEMPT_TAG` is set: only then are a trail's tags listed.
    list_tags: bool,
}

/// What an event names: one trail (by name or ARN), or the account's multi-Region logging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Trail(Trail),
    /// CloudTrail.1 for this account id.
    Account(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trail {
    /// As named: a trail name or a trail ARN, until `locate` finds the trail.
    pub name: String,
    /// What DescribeTrails said (sweep or `locate`), so nothing is asked twice.
    pub found: Option<TrailInfo>,
}

impl Trail {
    pub fn named(name: impl Into<String>) -> Self {
        Trail { name: name.into(), found: None }
    }
}

/// A trail as DescribeTrails lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailInfo {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub multi_region: bool,
    pub include_global_service_events: bool,
    pub log_file_validation_enabled: bool,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Trail(t) => f.write_str(&t.name),
            Target::Account(account) => f.write_str(account),
        }
    }
}

/// `before` / `after` of a trail or of the account. Read back from the ledger by its shape: a trail
/// has a `Name`, the account `MultiRegionTrails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum State {
    Trail(TrailState),
    Account(AccountState),
}

/// One trail, read in its home Region (CloudTrail.4 and "is it logging").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrailState {
    pub name: String,
    #[serde(rename = "TrailARN")]
    pub trail_arn: String,
    pub home_region: String,
    pub is_logging: bool,
    pub log_file_validation_enabled: bool,
    pub is_multi_region_trail: bool,
    pub is_organization_trail: bool,
    /// The management account of an organization trail seen from a member account: only it can
    /// change the trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
}

/// The multi-Region trails the account can see, and what each records (CloudTrail.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountState {
    pub multi_region_trails: Vec<MultiRegionTrail>,
    /// Single-Region trails of the Region the account is judged in: never turned into multi-Region
    /// trails (a second copy of management events is billed), named in `needs_action`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub single_region_trails: Vec<String>,
    /// Whether this function may create a trail (`CLOUDTRAIL_BUCKET` is set): a setting, not AWS's state,
    /// so not in the report (and `false` when read back from the ledger; undo does not need it).
    #[serde(skip)]
    pub can_create: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionTrail {
    pub name: String,
    #[serde(rename = "TrailARN")]
    pub trail_arn: String,
    pub home_region: String,
    pub is_logging: bool,
    pub include_global_service_events: bool,
    /// Which management events it records: `All`, `ReadOnly`, `WriteOnly` or `None`.
    pub management_events: String,
    pub log_file_validation_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
}

impl MultiRegionTrail {
    /// Records what CloudTrail.1 asks for, logging or not.
    fn records_enough(&self) -> bool {
        self.include_global_service_events && self.management_events == "All"
    }

    fn compliant(&self) -> bool {
        self.is_logging && self.records_enough()
    }
}

impl AccountState {
    fn stopped_own_trail(&self) -> Option<&MultiRegionTrail> {
        self.multi_region_trails.iter().find(|t| t.records_enough() && !t.is_logging && t.managed_by.is_none())
    }
}

/// Management events recorded by a trail's event selectors: (read, write).
pub fn management_events(basic: &[EventSelector], advanced: &[AdvancedEventSelector]) -> (bool, bool) {
    if basic.is_empty() && advanced.is_empty() {
        // No selectors is CloudTrail's default: all management events (and how moto answers for a new trail).
        return (true, true);
    }
    let (mut read, mut write) = (false, false);
    for s in basic.iter().filter(|s| s.include_management_events().unwrap_or(true)) {
        match s.read_write_type() {
            Some(ReadWriteType::ReadOnly) => read = true,
            Some(ReadWriteType::WriteOnly) => write = true,
            _ => (read, write) = (true, true),
        }
    }
    for s in advanced {
        let fields = s.field_selectors();
        let management =
            fields.iter().any(|f| f.field() == "eventCategory" && f.equals().iter().any(|v| v == "Management"));
        if !management {
            continue;
        }
        match fields.iter().find(|f| f.field() == "readOnly").map(|f| f.equals()) {
            Some([only]) if only == "true" => read = true,
            Some([only]) if only == "false" => write = true,
            _ => (read, write) = (true, true),
        }
    }
    (read, write)
}

fn coverage(read: bool, write: bool) -> &'static str {
    match (read, write) {
        (true, true) => "All",
        (true, false) => "ReadOnly",
        (false, true) => "WriteOnly",
        (false, false) => "None",
    }
}

/// CloudTrail's rule for trail names: 3-128 of `A-Za-z0-9._-`, starting and ending with a letter or digit.
pub fn is_trail_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=128).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

fn is_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// The account a trail ARN belongs to, when it is not `account` (an organization trail seen from a member).
fn managed_by(arn: &str, account: &str) -> Option<String> {
    Arn::parse(arn).map(|a| a.account.to_owned()).filter(|owner| is_account_id(owner) && owner != account)
}

/// The same credentials in another Region: a trail is changed only in its home Region.
fn in_region(client: &Client, region: &str) -> Client {
    if client.config().region().map(|r| r.as_ref()) == Some(region) {
        return client.clone();
    }
    Client::from_conf(client.config().to_builder().region(SdkRegion::new(region.to_owned())).build())
}

/// Every trail visible from the Region (its own, and the shadows of multi-Region and organization trails).
async fn describe_trails(client: &Client, region: &str) -> Result<Vec<TrailInfo>> {
    let out = client
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("cloudtrail:DescribeTrails", region, e))?;
    Ok(out
        .trail_list()
        .iter()
        .filter_map(|t| {
            let arn = t.trail_arn()?.to_owned();
            let home_region =
                t.home_region().map(str::to_owned).or_else(|| Arn::parse(&arn).and_then(|a| a.region()))?;
            Some(TrailInfo {
                name: t.name().unwrap_or_default().to_owned(),
                arn,
                home_region,
                multi_region: t.is_multi_region_trail().unwrap_or(false),
                include_global_service_events: t.include_global_service_events().unwrap_or(false),
                log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
            })
        })
        .collect())
}

async fn is_logging(client: &Client, arn: &str) -> Result<Option<bool>> {
    match client.get_trail_status().name(arn).send().await {
        Ok(out) => Ok(Some(out.is_logging().unwrap_or(false))),
        Err(e) => {
            let e = AwsError::from_sdk("cloudtrail:GetTrailStatus", arn, e);
            if e.is(TRAIL_NOT_FOUND) {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

async fn start_logging(client: &Client, arn: &str) -> Result<()> {
    client.start_logging().name(arn).send().await.map_err(|e| AwsError::from_sdk("cloudtrail:StartLogging", arn, e))?;
    Ok(())
}

/// UpdateTrail re-checks the bucket policy: a broken one is for a person to fix.
async fn enable_validation(client: &Client, arn: &str) -> Result<()> {
    client.update_trail().name(arn).enable_log_file_validation(true).send().await.map_err(|e| {
        let e = AwsError::from_sdk("cloudtrail:UpdateTrail", arn, e);
        if e.is(BUCKET_PROBLEMS) {
            Error::NeedsAction(format!("{e}: fix the trail's bucket (policy) so CloudTrail can update the trail"))
        } else {
            e.into()
        }
    })?;
    Ok(())
}

async fn stop_logging(client: &Client, arn: &str) -> Result<()> {
    client.stop_logging().name(arn).send().await.map_err(|e| AwsError::from_sdk("cloudtrail:StopLogging", arn, e))?;
    Ok(())
}

/// Undo of `enable_validation`.
async fn disable_validation(client: &Client, arn: &str) -> Result<()> {
    client
        .update_trail()
        .name(arn)
        .enable_log_file_validation(false)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("cloudtrail:UpdateTrail", arn, e))?;
    Ok(())
}

/// One write of an undo, each made in the trail's home Region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoStep {
    ValidationOff {
        arn: String,
        home_region: String,
    },
    StopLogging {
        arn: String,
        home_region: String,
    },
    /// The trail the fix created (`NEW_TRAIL_NAME`).
    DeleteTrail {
        name: String,
        arn: String,
        home_region: String,
    },
}

/// What undo writes to turn `now` back into `before`, when that means only turning off what a fix turns
/// on (logging, log file validation) and deleting the trail a fix creates. `Err`: what else differs,
/// and so what undo will not do.
pub fn undo_steps(before: &State, now: &State, account_region: &str) -> Result<Vec<UndoStep>, String> {
    match (before, now) {
        (State::Trail(b), State::Trail(n)) => trail_steps(b, n),
        (State::Account(b), State::Account(n)) => account_steps(b, n, account_region),
        _ => Err("the recorded before and the state now are not of the same target".into()),
    }
}

/// Validation off, then logging stopped: a refused UpdateTrail (it re-checks the bucket policy) then
/// leaves the trail logging, as the fix left it.
fn switch_steps(
    arn: &str,
    home_region: &str,
    (was_logging, had_validation): (bool, bool),
    (logging, validation): (bool, bool),
) -> Result<Vec<UndoStep>, String> {
    if (was_logging && !logging) || (had_validation && !validation) {
        return Err(format!(
            "trail {arn} has less turned on now than before the fix: undo only turns off what the fix turned on"
        ));
    }
    let (arn, home_region) = (arn.to_owned(), home_region.to_owned());
    let mut steps = Vec::new();
    if validation && !had_validation {
        steps.push(UndoStep::ValidationOff { arn: arn.clone(), home_region: home_region.clone() });
    }
    if logging && !was_logging {
        steps.push(UndoStep::StopLogging { arn, home_region });
    }
    Ok(steps)
}

fn trail_steps(b: &TrailState, n: &TrailState) -> Result<Vec<UndoStep>, String> {
    let same_otherwise = TrailState {
        is_logging: b.is_logging,
        log_file_validation_enabled: b.log_file_validation_enabled,
        ..n.clone()
    };
    if same_otherwise != *b || n.managed_by.is_some() {
        return Err(format!(
            "trail {} differs from the recorded before in more than logging and log file validation",
            n.trail_arn
        ));
    }
    switch_steps(
        &n.trail_arn,
        &n.home_region,
        (b.is_logging, b.log_file_validation_enabled),
        (n.is_logging, n.log_file_validation_enabled),
    )
}

fn account_steps(b: &AccountState, n: &AccountState, account_region: &str) -> Result<Vec<UndoStep>, String> {
    if b.single_region_trails != n.single_region_trails {
        return Err(format!(
            "the single-Region trails differ (before the fix: {:?}, now: {:?}), and undo does not change them",
            b.single_region_trails, n.single_region_trails
        ));
    }
    let mut steps = Vec::new();
    for was in &b.multi_region_trails {
        let Some(now) = n.multi_region_trails.iter().find(|t| t.trail_arn == was.trail_arn) else {
            return Err(format!("multi-Region trail {} is gone, and undo does not recreate trails", was.trail_arn));
        };
        let same_otherwise = MultiRegionTrail {
            is_logging: was.is_logging,
            log_file_validation_enabled: was.log_file_validation_enabled,
            ..now.clone()
        };
        if same_otherwise != *was || now.managed_by.is_some() {
            return Err(format!(
                "multi-Region trail {} differs from the recorded before in more than logging and log file validation",
                now.trail_arn
            ));
        }
        steps.extend(switch_steps(
            &now.trail_arn,
            &now.home_region,
            (was.is_logging, was.log_file_validation_enabled),
            (now.is_logging, now.log_file_validation_enabled),
        )?);
    }
    for new in
        n.multi_region_trails.iter().filter(|t| !b.multi_region_trails.iter().any(|w| w.trail_arn == t.trail_arn))
    {
        if new.name != NEW_TRAIL_NAME || new.managed_by.is_some() || new.home_region != account_region {
            return Err(format!(
                "multi-Region trail {} was not there before the fix, and it is not the trail the fix creates \
                 ({NEW_TRAIL_NAME} in {account_region})",
                new.trail_arn
            ));
        }
        steps.push(UndoStep::DeleteTrail {
            name: new.name.clone(),
            arn: new.trail_arn.clone(),
            home_region: new.home_region.clone(),
        });
    }
    Ok(steps)
}

/// True for CloudTrail's default selectors: none at all (the emulator), or the one basic selector of
/// all management events that AWS gives a trail created without any.
fn default_selectors(basic: &[EventSelector], advanced: &[AdvancedEventSelector]) -> bool {
    let all_management = |s: &EventSelector| {
        matches!(s.read_write_type(), None | Some(ReadWriteType::All))
            && s.include_management_events().unwrap_or(true)
            && s.data_resources().is_empty()
            && s.exclude_management_event_sources().is_empty()
    };
    advanced.is_empty() && (basic.is_empty() || (basic.len() == 1 && all_management(&basic[0])))
}

impl CloudtrailLogging {
    /// Before undo deletes the trail the fix created: is it still as created (the bucket of
    /// `CLOUDTRAIL_BUCKET`, no prefix, SNS topic, CloudWatch Logs, KMS key, Insights or selectors of its
    /// own)? Anything added means someone adopted it: a person decides.
    async fn still_as_created(&self, client: &Client, name: &str, arn: &str, home_region: &str) -> Result<()> {
        let by_hand = format!(
            "undo deletes only a trail still as the fix created it; delete it by hand if it should go (aws \
             cloudtrail delete-trail --name {name} --region {home_region})"
        );
        let Some(bucket) = &self.bucket else {
            return Err(Error::NeedsAction(format!(
                "trail {arn} was created by the fix, but CLOUDTRAIL_BUCKET is not set now, so its bucket cannot be \
                 checked: {by_hand}"
            )));
        };
        let out =
            client.get_trail().name(arn).send().await.map_err(|e| AwsError::from_sdk("cloudtrail:GetTrail", arn, e))?;
        let Some(t) = out.trail() else {
            return Err(Error::Target(format!("cloudtrail:GetTrail on {arn} answered no trail")));
        };
        let set = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_owned);
        let mut changed = Vec::new();
        if t.s3_bucket_name() != Some(bucket.as_str()) {
            changed.push(format!(
                "delivers to s3://{} (created for s3://{bucket})",
                t.s3_bucket_name().unwrap_or_default()
            ));
        }
        if let Some(prefix) = set(t.s3_key_prefix()) {
            changed.push(format!("has the S3 key prefix {prefix}"));
        }
        if let Some(topic) = set(t.sns_topic_arn()) {
            changed.push(format!("notifies SNS topic {topic}"));
        }
        if let Some(group) = set(t.cloud_watch_logs_log_group_arn()) {
            changed.push(format!("sends to CloudWatch Logs {group}"));
        }
        if let Some(key) = set(t.kms_key_id()) {
            changed.push(format!("encrypts with KMS key {key}"));
        }
        if t.is_organization_trail() == Some(true) {
            changed.push("is an organization trail".into());
        }
        if t.has_insight_selectors() == Some(true) {
            changed.push("has CloudTrail Insights selectors".into());
        }
        let selectors = client
            .get_event_selectors()
            .trail_name(arn)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("cloudtrail:GetEventSelectors", arn, e))?;
        if !default_selectors(selectors.event_selectors(), selectors.advanced_event_selectors()) {
            changed.push("has event selectors other than the default (all management events)".into());
        }
        if changed.is_empty() {
            return Ok(());
        }
        Err(Error::NeedsAction(format!(
            "trail {arn}, created by the fix, was changed since: it {}; nothing was deleted. {by_hand}",
            changed.join(", ")
        )))
    }

    /// Undo's writes, in order; each names what it did.
    async fn undo(&self, cx: &Cx<'_, Client>, steps: &[UndoStep]) -> Result<String> {
        // Every check before the first write.
        for step in steps {
            if let UndoStep::DeleteTrail { name, arn, home_region } = step {
                self.still_as_created(&in_region(cx.client, home_region), name, arn, home_region).await?;
            }
        }
        let mut done: Vec<String> = Vec::new();
        for step in steps {
            let made = match step {
                UndoStep::ValidationOff { arn, home_region } => {
                    disable_validation(&in_region(cx.client, home_region), arn)
                        .await
                        .map(|()| format!("turned off log file validation of {arn}"))
                }
                UndoStep::StopLogging { arn, home_region } => stop_logging(&in_region(cx.client, home_region), arn)
                    .await
                    .map(|()| format!("stopped logging of {arn}")),
                UndoStep::DeleteTrail { name, arn, home_region } => {
                    // By name in its home Region: the emulator deletes by name only (AWS takes either).
                    in_region(cx.client, home_region)
                        .delete_trail()
                        .name(name)
                        .send()
                        .await
                        .map_err(|e| AwsError::from_sdk("cloudtrail:DeleteTrail", arn.as_str(), e).into())
                        .map(|_| {
                            let bucket = self.bucket.as_deref().unwrap_or_default();
                            format!("deleted trail {arn}, which the fix created (its log files stay in s3://{bucket})")
                        })
                }
            };
            match made {
                Ok(what) => done.push(what),
                Err(e) if done.is_empty() => return Err(e),
                Err(e) => return Err(Error::Target(format!("{}, but {e}", done.join(" and ")))),
            }
        }
        if done.is_empty() {
            return Ok("nothing differs from the recorded before: nothing written".into());
        }
        Ok(format!("{}, as before the fix", done.join(" and ")))
    }

    async fn read_trail(&self, cx: &Cx<'_, Client>, trail: &Trail) -> Result<Option<TrailState>> {
        let name = trail.found.as_ref().map(|f| f.arn.as_str()).unwrap_or(&trail.name);
        let out = match cx.client.get_trail().name(name).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = AwsError::from_sdk("cloudtrail:GetTrail", name, e);
                return if e.is(TRAIL_NOT_FOUND) { Ok(None) } else { Err(e.into()) };
            }
        };
        let Some(t) = out.trail() else {
            return Ok(None);
        };
        let arn = t.trail_arn().unwrap_or(name).to_owned();
        let Some(logging) = is_logging(cx.client, &arn).await? else {
            return Ok(None);
        };
        Ok(Some(TrailState {
            name: t.name().unwrap_or(name).to_owned(),
            home_region: t.home_region().unwrap_or(cx.region).to_owned(),
            is_logging: logging,
            log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
            is_multi_region_trail: t.is_multi_region_trail().unwrap_or(false),
            is_organization_trail: t.is_organization_trail().unwrap_or(false),
            managed_by: managed_by(&arn, cx.account),
            trail_arn: arn,
        }))
    }

    /// Every multi-Region trail (DescribeTrails lists their shadows too) with its status and selectors,
    /// each read in its home Region.
    async fn read_account(&self, cx: &Cx<'_, Client>) -> Result<AccountState> {
        let trails = describe_trails(cx.client, cx.region).await?;
        let mut state = AccountState {
            multi_region_trails: Vec::new(),
            single_region_trails: Vec::new(),
            can_create: self.bucket.is_some(),
        };
        for t in trails {
            if !t.multi_region {
                if t.home_region == cx.region {
                    state.single_region_trails.push(t.name);
                }
                continue;
            }
            let home = in_region(cx.client, &t.home_region);
            let Some(logging) = is_logging(&home, &t.arn).await? else {
                continue; // deleted since DescribeTrails
            };
            let selectors = match home.get_event_selectors().trail_name(&t.arn).send().await {
                Ok(out) => out,
                Err(e) => {
                    let e = AwsError::from_sdk("cloudtrail:GetEventSelectors", &t.arn, e);
                    if e.is(TRAIL_NOT_FOUND) {
                        continue;
                    }
                    return Err(e.into());
                }
            };
            let (read, write) = management_events(selectors.event_selectors(), selectors.advanced_event_selectors());
            state.multi_region_trails.push(MultiRegionTrail {
                include_global_service_events: t.include_global_service_events,
                log_file_validation_enabled: t.log_file_validation_enabled,
                managed_by: managed_by(&t.arn, cx.account),
                management_events: coverage(read, write).to_owned(),
                is_logging: logging,
                name: t.name,
                trail_arn: t.arn,
                home_region: t.home_region,
            });
        }
        Ok(state)
    }

    async fn fix_account(&self, cx: &Cx<'_, Client>, state: &AccountState) -> Result<String> {
        if let Some(t) = state.stopped_own_trail() {
            let home = in_region(cx.client, &t.home_region);
            let mut done = Vec::new();
            // A sweep handles the same trail as its own target at the same time: look again first.
            if is_logging(&home, &t.trail_arn).await? == Some(true) {
                done.push(format!("multi-Region trail {} was started meanwhile", t.trail_arn));
            } else {
                start_logging(&home, &t.trail_arn).await?;
                done.push(format!("started logging of multi-Region trail {}", t.trail_arn));
            }
            if !t.log_file_validation_enabled {
                if let Err(e) = enable_validation(&home, &t.trail_arn).await {
                    let started = done.join(", ");
                    return Err(match e {
                        Error::NeedsAction(m) => Error::NeedsAction(format!("{started}, but {m}")),
                        e => Error::Target(format!("{started}, but {e}")),
                    });
                }
                done.push("turned on log file validation".into());
            }
            return Ok(done.join(" and "));
        }
        let Some(bucket) = &self.bucket else {
            return Err(Error::NeedsAction("CLOUDTRAIL_BUCKET is not set".into()));
        };
        let created = cx
            .client
            .create_trail()
            .name(NEW_TRAIL_NAME)
            .s3_bucket_name(bucket)
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .send()
            .await;
        let mut done = match created {
            Ok(out) => format!(
                "created multi-Region trail {} (log file validation on, global service events) into s3://{bucket}",
                out.trail_arn().unwrap_or(NEW_TRAIL_NAME)
            ),
            Err(e) => {
                let e = AwsError::from_sdk("cloudtrail:CreateTrail", NEW_TRAIL_NAME, e);
                if e.is(BUCKET_PROBLEMS) {
                    return Err(Error::NeedsAction(format!(
                        "{e}: CLOUDTRAIL_BUCKET {bucket} must exist and its policy must let cloudtrail.amazonaws.com \
                         write to it"
                    )));
                }
                if !e.is(&["TrailAlreadyExistsException"]) {
                    return Err(e.into());
                }
                // Another invocation created it a moment ago; starting it again does no harm.
                format!("trail {NEW_TRAIL_NAME} already existed (created by a concurrent invocation?)")
            }
        };
        start_logging(cx.client, NEW_TRAIL_NAME).await.map_err(|e| Error::Target(format!("{done}, but {e}")))?;
        done.push_str(" and started logging");
        Ok(done)
    }

    async fn fix_trail(&self, cx: &Cx<'_, Client>, state: &TrailState) -> Result<String> {
        let arn = &state.trail_arn;
        let mut done = Vec::new();
        if !state.is_logging {
            start_logging(cx.client, arn).await?;
            done.push("started logging".to_owned());
        }
        if !state.log_file_validation_enabled {
            if let Err(e) = enable_validation(cx.client, arn).await {
                return Err(match (done.is_empty(), e) {
                    (true, e) => e,
                    (false, Error::NeedsAction(m)) => Error::NeedsAction(format!("started logging, but {m}")),
                    (false, e) => Error::Target(format!("started logging, but {e}")),
                });
            }
            done.push("turned on log file validation".to_owned());
        }
        Ok(done.join(" and "))
    }

    async fn tags(&self, cx: &Cx<'_, Client>, arn: &str) -> Result<Vec<(String, String)>> {
        let mut tags = Vec::new();
        let mut token = None;
        loop {
            let page = cx
                .client
                .list_tags()
                .resource_id_list(arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("cloudtrail:ListTags", arn, e))?;
            for r in page.resource_tag_list() {
                tags.extend(r.tags_list().iter().map(|t| (t.key().to_owned(), t.value().unwrap_or("").to_owned())));
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(tags);
            }
        }
    }
}

/// The account a CloudTrail call was made in, from the trail ARN or the caller's ARN (the core's
/// `ApiCall` does not carry `recipientAccountId`; a trail's management calls are made in its account).
fn call_account(call: &ApiCall) -> Option<String> {
    let trail = call.request_parameters.get("name").and_then(|v| v.as_str());
    [trail, call.principal.as_deref(), call.role_arn.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(Arn::parse)
        .map(|a| a.account.to_owned())
        .find(|a| is_account_id(a))
}

fn turns_off(call: &ApiCall, parameter: &str) -> bool {
    call.request_parameters.get(parameter).and_then(|v| v.as_bool()) == Some(false)
}

impl Control for CloudtrailLogging {
    type Target = Target;
    type State = State;
    type Client = Client;

    const NAME: &'static str = "cloudtrail-logging";
    const EVENT_NAMES: &'static [&'static str] =
        &["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "CreateTrail"];
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::CloudTrail::Trail", "AWS::::Account"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["CloudTrail.1", "CloudTrail.4"];
    const WIRING: Wiring = Wiring {
        summary: "Keeps CloudTrail logging: starts stopped trails, turns log file validation on, keeps a logging \
                  multi-Region trail (CloudTrail.1, CloudTrail.4).",
        event_source: "aws.cloudtrail",
        cloudtrail_source: "cloudtrail.amazonaws.com",
        global_service: false,
        config_rules: &[
            ConfigRule {
                identifier: "MULTI_REGION_CLOUD_TRAIL_ENABLED",
                name: "multi-region-cloudtrail-enabled",
                resource_types: &[],
                input_parameters: "",
            },
            ConfigRule {
                identifier: "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
                name: "cloud-trail-log-file-validation-enabled",
                resource_types: &[],
                input_parameters: "",
            },
        ],
        settings: &[Setting::new(
            "CLOUDTRAIL_BUCKET",
            "",
            "S3 bucket (policy already allowing CloudTrail) for a new multi-Region trail when the account has \
             none; empty: report needs_action instead.",
        )
        .pattern("^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")],
        permissions: &[
            // Reads also cover organization trails, whose ARNs carry the management account.
            Permission::allow(
                "TrailReads",
                &[
                    "cloudtrail:GetTrail",
                    "cloudtrail:GetTrailStatus",
                    "cloudtrail:GetEventSelectors",
                    "cloudtrail:ListTags",
                ],
                "arn:${AWS::Partition}:cloudtrail:*:*:trail/*",
            ),
            // StopLogging: undo only, of a start the fix made (UpdateTrail turns validation off again).
            Permission::allow(
                "TrailWrites",
                &["cloudtrail:StartLogging", "cloudtrail:UpdateTrail", "cloudtrail:StopLogging"],
                "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*",
            ),
            Permission::allow(
                "CreateTrail",
                &["cloudtrail:CreateTrail"],
                "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/auto-remediation-multi-region",
            )
            .when_set("CLOUDTRAIL_BUCKET"),
            // Undo only: the one trail it may create, and only while it is still as created.
            Permission::allow(
                "DeleteCreatedTrail",
                &["cloudtrail:DeleteTrail"],
                "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/auto-remediation-multi-region",
            )
            .when_set("CLOUDTRAIL_BUCKET"),
            Permission::allow("TrailsNoResourceType", &["cloudtrail:DescribeTrails"], "*"),
        ],
        timeout: 120,
        timeout_why: "A sweep reads each trail of a Region (2 calls) and each multi-Region trail (3 calls); 120 s \
                      leaves room for the SDK's retries.",
    };

    fn new(settings: &Settings) -> Result<Self> {
        let bucket = settings.var("CLOUDTRAIL_BUCKET").map(str::to_owned);
        if let Some(b) = bucket.as_deref().filter(|b| !is_bucket_name(b)) {
            return Err(Error::InvalidConfig(format!("CLOUDTRAIL_BUCKET: {b:?} is not an S3 bucket name")));
        }
        let own = settings.var("AWS_REGION").or_else(|| settings.var("AWS_DEFAULT_REGION")).filter(|r| is_region(r));
        let account_region = match (&settings.target_regions, own) {
            (Regions::List(list), own) if own.is_none_or(|o| !list.iter().any(|r| r == o)) => list.first().cloned(),
            (_, own) => own.map(str::to_owned),
        };
        Ok(CloudtrailLogging { bucket, account_region, list_tags: settings.exempt_tag.is_some() })
    }

    fn client(config: &SdkConfig) -> Client {
        Client::new(config)
    }

    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Target>, String> {
        let trail_type = matches!(r.resource_type.as_deref(), Some("AWS::CloudTrail::Trail" | "AwsCloudTrailTrail"));
        if r.is_account() && !trail_type {
            let account =
                r.id.strip_prefix("AWS::::Account:")
                    .map(str::to_owned)
                    .or_else(|| is_account_id(&r.id).then(|| r.id.clone()))
                    .or_else(|| r.account.clone())
                    .filter(|a| is_account_id(a))
                    .ok_or_else(|| format!("{:?} does not name an account", r.id))?;
            return Ok(Resolved::Target {
                target: Target::Account(account.clone()),
                account: Some(account),
                region: None,
            });
        }
        if let Some(arn) = Arn::parse(&r.id) {
            let name = arn.resource.strip_prefix("trail/").filter(|n| is_trail_name(n));
            if arn.service != "cloudtrail" || name.is_none() || !is_region(arn.region) || !is_account_id(arn.account) {
                return Err(format!(
                    "{} is not a CloudTrail trail ARN (arn:<partition>:cloudtrail:<region>:<account>:trail/<name>)",
                    r.id
                ));
            }
            return Ok(Resolved::Target {
                target: Target::Trail(Trail::named(&r.id)),
                account: arn.account(),
                region: arn.region(),
            });
        }
        if is_trail_name(&r.id) {
            return Ok(Resolved::target(Target::Trail(Trail::named(&r.id))));
        }
        Err(format!("{:?} is not a trail name, a trail ARN or an account id", r.id))
    }

    fn arn(&self, target: &Target, partition: &str, account: &str, region: &str) -> String {
        match target {
            Target::Trail(Trail { found: Some(found), .. }) => found.arn.clone(),
            Target::Trail(t) if t.name.starts_with("arn:") => t.name.clone(),
            Target::Trail(t) => format!("arn:{partition}:cloudtrail:{region}:{account}:trail/{}", t.name),
            Target::Account(account) => format!("AWS::::Account:{account}"),
        }
    }

    /// DeleteTrail leaves no trail to read: the account is checked instead. An UpdateTrail that turns a
    /// trail single-Region or drops global service events is checked for the account as well.
    /// PutEventSelectors names its trail as `trailName`, which the core does not read: the account is
    /// checked (dropped management events are a CloudTrail.1 matter).
    fn call_resources(&self, call: &ApiCall) -> Option<Vec<String>> {
        let name = call.request_parameters.get("name").and_then(|v| v.as_str()).map(str::to_owned);
        match call.event_name.as_str() {
            "DeleteTrail" => Some(call_account(call).into_iter().collect()),
            "UpdateTrail" if turns_off(call, "isMultiRegionTrail") || turns_off(call, "includeGlobalServiceEvents") => {
                Some(name.into_iter().chain(call_account(call)).collect())
            }
            _ => None,
        }
    }

    /// The account (in the sweep of its own Region only) and every trail whose home Region this is:
    /// a multi-Region trail is fixed once, by the sweep of its home Region, never through a shadow.
    async fn sweep(&self, cx: &Cx<'_, Client>) -> Result<Vec<Target>> {
        let mut targets = Vec::new();
        if self.account_region.as_deref().is_none_or(|r| r == cx.region) {
            targets.push(Target::Account(cx.account.to_owned()));
        }
        let trails = describe_trails(cx.client, cx.region).await?;
        targets.extend(
            trails
                .into_iter()
                .filter(|t| t.home_region == cx.region)
                .map(|t| Target::Trail(Trail { name: t.arn.clone(), found: Some(t) })),
        );
        Ok(targets)
    }

    /// A trail is handled in its home Region (found with DescribeTrails, which also lists shadows); the
    /// account in `account_region`.
    async fn locate(&self, cx: &Cx<'_, Client>, target: Target) -> Result<Option<(Target, Option<String>)>> {
        match target {
            Target::Account(_) => Ok(Some((target, self.account_region.clone()))),
            Target::Trail(Trail { found: Some(found), .. }) => {
                let region = found.home_region.clone();
                Ok(Some((Target::Trail(Trail { name: found.arn.clone(), found: Some(found) }), Some(region))))
            }
            Target::Trail(trail) => {
                let trails = describe_trails(cx.client, cx.region).await?;
                let Some(found) = trails.into_iter().find(|t| t.name == trail.name || t.arn == trail.name) else {
                    return Ok(None);
                };
                let region = found.home_region.clone();
                Ok(Some((Target::Trail(Trail { name: found.arn.clone(), found: Some(found) }), Some(region))))
            }
        }
    }

    async fn describe(&self, cx: &Cx<'_, Client>, target: &Target) -> Result<Option<Description>> {
        let Target::Trail(trail) = target else {
            return Ok(Some(Description::default()));
        };
        let Some(found) = &trail.found else {
            return Ok(Some(Description { names: vec![trail.name.clone()], ..Description::default() }));
        };
        let tags = if self.list_tags && managed_by(&found.arn, cx.account).is_none() {
            self.tags(cx, &found.arn).await?
        } else {
            Vec::new()
        };
        Ok(Some(Description { tags, names: vec![found.name.clone(), found.arn.clone()], not_ours: None }))
    }

    async fn read(&self, cx: &Cx<'_, Client>, target: &Target) -> Result<Option<State>> {
        match target {
            Target::Trail(trail) => Ok(self.read_trail(cx, trail).await?.map(State::Trail)),
            Target::Account(_) => Ok(Some(State::Account(self.read_account(cx).await?))),
        }
    }

    fn is_compliant(&self, state: &State) -> bool {
        match state {
            State::Trail(t) => t.is_logging && t.log_file_validation_enabled,
            State::Account(a) => a.multi_region_trails.iter().any(MultiRegionTrail::compliant),
        }
    }

    fn needs_action(&self, state: &State) -> Option<String> {
        match state {
            State::Trail(t) => t.managed_by.as_ref().map(|owner| {
                format!(
                    "organization trail {} belongs to management account {owner}: start it and turn on log file \
                     validation there, it cannot be changed from a member account",
                    t.trail_arn
                )
            }),
            State::Account(a) => account_needs_action(a),
        }
    }

    async fn fix(&self, cx: &Cx<'_, Client>, _target: &Target, state: &State) -> Result<String> {
        match state {
            State::Trail(t) => self.fix_trail(cx, t).await,
            State::Account(a) => self.fix_account(cx, a).await,
        }
    }

    /// Undo: stop logging and turn validation off again where the fix turned them on; delete the trail
    /// the fix created, only while it is still as created. Anything else is for a person.
    async fn restore(&self, cx: &Cx<'_, Client>, _target: &Target, before: &State, now: &State) -> Result<String> {
        let steps = undo_steps(before, now, cx.region).map_err(|why| {
            Error::NeedsAction(format!("{why}; nothing was written: change the trails by hand if that is wanted"))
        })?;
        self.undo(cx, &steps).await
    }
}

/// What a person must do about an account without a logging multi-Region trail, unless this
/// function can start one (a stopped one of its own) or create one (`CLOUDTRAIL_BUCKET`).
fn account_needs_action(a: &AccountState) -> Option<String> {
    if a.stopped_own_trail().is_some() {
        return None;
    }
    if let Some(t) = a.multi_region_trails.iter().find(|t| t.records_enough() && t.managed_by.is_some()) {
        return Some(format!(
            "organization trail {} is stopped: start it in management account {}",
            t.trail_arn,
            t.managed_by.as_deref().unwrap_or_default()
        ));
    }
    if let Some(t) = a.multi_region_trails.iter().find(|t| t.management_events != "None") {
        let mut missing = Vec::new();
        if t.management_events != "All" {
            missing.push(format!("records only {} management events (needs read and write)", t.management_events));
        }
        if !t.include_global_service_events {
            missing.push("excludes global service events".to_owned());
        }
        return Some(format!(
            "multi-Region trail {} {}: change its event selectors / IncludeGlobalServiceEvents{}; not changed \
             automatically (it changes what the trail records and bills), and no second trail is created \
             (a second copy of management events is billed)",
            t.trail_arn,
            missing.join(" and "),
            if t.is_logging { "" } else { ", then start it" }
        ));
    }
    if a.can_create {
        return None;
    }
    let single = if a.single_region_trails.is_empty() {
        String::new()
    } else {
        format!(
            " (single-Region trails {} are not made multi-Region: that bills a second copy of management events)",
            a.single_region_trails.join(", ")
        )
    };
    Some(format!(
        "no multi-Region trail records management events{single}: deploy one (multi-Region, log file validation, \
         global service events, then StartLogging), or set CLOUDTRAIL_BUCKET to a bucket whose policy lets \
         CloudTrail write and this function creates {NEW_TRAIL_NAME}"
    ))
}

#[cfg(test)]
mod tests;
