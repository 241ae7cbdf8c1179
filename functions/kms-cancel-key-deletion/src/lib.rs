//! KMS.3: a customer managed key scheduled for deletion gets its deletion cancelled and, unless
//! `KMS_REENABLE_KEY=false`, is enabled again (a cancelled key is left `Disabled` by KMS, and the
//! workloads that use it keep failing until it is enabled).

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
use aws_sdk_kms::types::{KeyManagerType, KeyMetadata};
use remediation_core::config::partition_of;
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{
    Arn, AwsError, ChangeLookup, Control, Cx, Description, Resolved, ResourceRef, Result, Settings,
};
use serde::{Deserialize, Serialize};

pub struct KmsCancelKeyDeletion {
    reenable: bool,
    /// `EXEMPT_TAG` is set: only then are a key's tags listed.
    list_tags: bool,
    /// `EXEMPT_RESOURCES` names an alias: only then are a key's aliases listed.
    list_aliases: bool,
}

/// A KMS key, named as the `KeyId` parameter of the KMS API names it: key id, key ARN, alias name
/// (`alias/x`) or alias ARN, until `locate` turns it into the key id.
#[derive(Debug, Clone)]
pub struct Key {
    pub key_id: String,
    /// What `locate`'s DescribeKey said (an alias), so `describe` needs no second one.
    pub found: Option<Found>,
    /// The first DescribeKey of a key named by its id: `read_before` and `describe`, which the engine
    /// may run at once, share it.
    first_read: Arc<tokio::sync::OnceCell<Option<Found>>>,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id && self.found == other.found
    }
}

impl Eq for Key {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub arn: String,
    pub aws_managed: bool,
    /// The key's state in that same answer: the read that decides whether to fix.
    pub status: Option<KeyStatus>,
}

impl Key {
    pub fn named(key_id: impl Into<String>) -> Self {
        Key { key_id: key_id.into(), found: None, first_read: Arc::default() }
    }

    fn located(key_id: impl Into<String>, found: Found) -> Self {
        Key { found: Some(found), ..Key::named(key_id) }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key_id)
    }
}

/// What the report shows as `before` / `after`: the key state and the deletion that was scheduled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyStatus {
    pub key_state: String,
    /// When KMS would delete the key (RFC 3339); null when no deletion is scheduled, and for a
    /// multi-Region primary key still waiting for its replicas to be deleted.
    pub deletion_date: Option<String>,
    /// The waiting period of a primary key in `PendingReplicaDeletion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_deletion_window_in_days: Option<i32>,
}

impl KeyStatus {
    fn from_metadata(meta: &KeyMetadata) -> Self {
        KeyStatus {
            key_state: meta.key_state().map(|s| s.as_str().to_owned()).unwrap_or_else(|| "Unknown".into()),
            deletion_date: meta.deletion_date().and_then(|d| d.fmt(DateTimeFormat::DateTime).ok()),
            pending_deletion_window_in_days: meta.pending_deletion_window_in_days(),
        }
    }

    /// `PendingReplicaDeletion` is a multi-Region primary key scheduled for deletion whose replicas
    /// still exist: it is deleted as soon as they are, so it counts as scheduled too.
    pub fn is_scheduled_for_deletion(&self) -> bool {
        matches!(self.key_state.as_str(), "PendingDeletion" | "PendingReplicaDeletion")
    }

    /// `DeletionDate` as a time; `None` when there is none (or it is not RFC 3339).
    fn deletion_time(&self) -> Option<DateTime> {
        self.deletion_date.as_deref().and_then(|d| DateTime::from_str(d, DateTimeFormat::DateTime).ok())
    }

    fn scheduled(&self) -> String {
        match (&self.deletion_date, self.pending_deletion_window_in_days) {
            (Some(date), _) => format!("the deletion scheduled for {date}"),
            (None, Some(days)) => format!("the deletion scheduled {days} days after its replicas are deleted"),
            (None, None) => "the scheduled deletion".into(),
        }
    }
}

const NOT_FOUND: &[&str] = &["NotFoundException"];
/// CancelKeyDeletion on a key that is no longer pending deletion (someone cancelled it meanwhile).
const NOT_PENDING: &[&str] = &["KMSInvalidStateException"];

/// KMS's shortest and longest waiting period before it deletes a key.
const MIN_WINDOW_DAYS: i32 = 7;
const MAX_WINDOW_DAYS: i32 = 30;
/// How much sooner than the recorded one a new deletion date may be and still count as restored: the
/// difference between our clock and KMS's, which the rounding to whole days cannot absorb when what was
/// left of the window is a whole number of days.
const CLOCK_SLACK_SECS: f64 = 60.0;

/// The waiting period that schedules `before`'s deletion again at `now`: what was left of it, rounded
/// up to whole days, within KMS's 7 to 30 days. A deletion date already passed gets the minimum; a
/// primary key waiting for its replicas gets its own window again; a date we cannot read, the longest.
fn pending_window(before: &KeyStatus, now: SystemTime) -> i32 {
    let days = match (before.deletion_time(), before.pending_deletion_window_in_days) {
        (Some(date), _) => {
            let left =
                SystemTime::try_from(date).ok().and_then(|date| date.duration_since(now).ok()).unwrap_or_default();
            // Saturating: a far-off date gives the maximum.
            (left.as_secs_f64() / 86_400.0).ceil() as i32
        }
        (None, Some(days)) => days,
        (None, None) => MAX_WINDOW_DAYS,
    };
    days.clamp(MIN_WINDOW_DAYS, MAX_WINDOW_DAYS)
}

/// The key id in a key id or key ARN (ScheduleKeyDeletion takes no alias; the emulator takes no ARN).
fn key_id_in(name: &str) -> Option<&str> {
    match Arn::parse(name) {
        Some(arn) => arn.resource.strip_prefix("key/").filter(|id| is_key_id(id)),
        None => is_key_id(name).then_some(name),
    }
}

/// `1234abcd-12ab-34cd-56ef-1234567890ab`, or a multi-Region `mrk-` id (32 hex digits, dashes allowed).
fn is_key_id(id: &str) -> bool {
    let hex = id.strip_prefix("mrk-").unwrap_or(id);
    (hex.len() == 32 || hex.len() == 36)
        && hex.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        && hex.bytes().filter(u8::is_ascii_hexdigit).count() == 32
}

/// `alias/` and 1-250 of `a-zA-Z0-9/_-` (KMS's own limits).
fn is_alias_name(name: &str) -> bool {
    name.strip_prefix("alias/").is_some_and(|rest| {
        (1..=250).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
    })
}

fn found(meta: &KeyMetadata, cx: &Cx<'_, aws_sdk_kms::Client>) -> Found {
    Found {
        arn: meta
            .arn()
            .map(str::to_owned)
            .unwrap_or_else(|| key_arn(partition_of(cx.region), cx.account, cx.region, meta.key_id())),
        aws_managed: meta.key_manager() == Some(&KeyManagerType::Aws),
        status: Some(KeyStatus::from_metadata(meta)),
    }
}

fn key_arn(partition: &str, account: &str, region: &str, key_id: &str) -> String {
    format!("arn:{partition}:kms:{region}:{account}:key/{key_id}")
}

/// DescribeKey accepts every way of naming a key; `None` when there is no such key (or alias).
async fn describe_key(cx: &Cx<'_, aws_sdk_kms::Client>, key_id: &str) -> Result<Option<KeyMetadata>> {
    match cx.client.describe_key().key_id(key_id).send().await {
        Ok(out) => Ok(out.key_metadata),
        Err(e) => {
            let e = AwsError::from_sdk("kms:DescribeKey", key_id, e);
            if e.is(NOT_FOUND) {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

/// What `locate` found, else the first DescribeKey of this key (asked once, whoever asks first).
async fn first_read(cx: &Cx<'_, aws_sdk_kms::Client>, key: &Key) -> Result<Option<Found>> {
    if let Some(found) = &key.found {
        return Ok(Some(found.clone()));
    }
    key.first_read
        .get_or_try_init(|| async { Ok(describe_key(cx, &key.key_id).await?.map(|meta| found(&meta, cx))) })
        .await
        .cloned()
}

/// Key ids behind `alias/aws/*`: AWS managed keys, which only AWS can schedule or cancel.
async fn aws_managed_key_ids(cx: &Cx<'_, aws_sdk_kms::Client>) -> Result<HashSet<String>> {
    let mut ids = HashSet::new();
    let mut marker = None;
    loop {
        let page = cx
            .client
            .list_aliases()
            .limit(100)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("kms:ListAliases", cx.region, e))?;
        ids.extend(
            page.aliases()
                .iter()
                .filter(|a| a.alias_name().is_some_and(|n| n.starts_with("alias/aws/")))
                .filter_map(|a| a.target_key_id().map(str::to_owned)),
        );
        marker = page.next_marker().filter(|_| page.truncated()).map(str::to_owned);
        if marker.is_none() {
            return Ok(ids);
        }
    }
}

impl KmsCancelKeyDeletion {
    /// Tags as `(TagKey, TagValue)`; `None` when the key is gone.
    async fn tags(&self, cx: &Cx<'_, aws_sdk_kms::Client>, key_id: &str) -> Result<Option<Vec<(String, String)>>> {
        let mut tags = Vec::new();
        let mut marker = None;
        loop {
            let page = match cx.client.list_resource_tags().key_id(key_id).set_marker(marker).send().await {
                Ok(page) => page,
                Err(e) => {
                    let e = AwsError::from_sdk("kms:ListResourceTags", key_id, e);
                    return if e.is(NOT_FOUND) { Ok(None) } else { Err(e.into()) };
                }
            };
            tags.extend(page.tags().iter().map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned())));
            marker = page.next_marker().filter(|_| page.truncated()).map(str::to_owned);
            if marker.is_none() {
                return Ok(Some(tags));
            }
        }
    }

    /// The key's alias names and alias ARNs, for `EXEMPT_RESOURCES`.
    async fn aliases(&self, cx: &Cx<'_, aws_sdk_kms::Client>, key_id: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let mut marker = None;
        loop {
            let page = cx
                .client
                .list_aliases()
                .key_id(key_id)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("kms:ListAliases", key_id, e))?;
            for alias in page.aliases() {
                names.extend(alias.alias_name().map(str::to_owned));
                names.extend(alias.alias_arn().map(str::to_owned));
            }
            marker = page.next_marker().filter(|_| page.truncated()).map(str::to_owned);
            if marker.is_none() {
                return Ok(names);
            }
        }
    }
}

impl Control for KmsCancelKeyDeletion {
    type Target = Key;
    type State = KeyStatus;
    type Client = aws_sdk_kms::Client;

    const NAME: &'static str = "kms-cancel-key-deletion";
    const EVENT_NAMES: &'static [&'static str] = &["ScheduleKeyDeletion"];
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::KMS::Key"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["KMS.3"];
    const WIRING: Wiring = Wiring {
        summary: "Cancels the deletion of customer managed KMS keys and enables them again (KMS.3).",
        event_source: "aws.kms",
        cloudtrail_source: "kms.amazonaws.com",
        global_service: false,
        config_rules: &[ConfigRule {
            identifier: "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
            name: "kms-cmk-not-scheduled-for-deletion",
            resource_types: &[],
            input_parameters: "",
        }],
        settings: &[Setting::new(
            "KMS_REENABLE_KEY",
            "true",
            "enable a key again after cancelling its deletion (KMS leaves it Disabled).",
        )
        .allowed(&["true", "false"])],
        permissions: &[
            // ScheduleKeyDeletion: undo only (`{"undo": "<action id>"}`), which puts back a deletion this
            // function cancelled.
            Permission::allow(
                "Keys",
                &[
                    "kms:DescribeKey",
                    "kms:ListResourceTags",
                    "kms:CancelKeyDeletion",
                    "kms:EnableKey",
                    "kms:ScheduleKeyDeletion",
                ],
                "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*",
            ),
            Permission::allow("KmsNoResourceType", &["kms:ListKeys", "kms:ListAliases"], "*"),
            // Who scheduled the deletion: an EXEMPT_PRINCIPALS principal's intent holds (the core's
            // intended-changes feature).
            Permission::allow("IntendedChanges", &["cloudtrail:LookupEvents"], "*").when_set("EXEMPT_PRINCIPALS"),
        ],
        timeout: 300,
        timeout_why: "A sweep lists the keys of every target region (2 calls a region, 1-3 a key, 16 at a time).",
    };

    fn new(settings: &Settings) -> Result<Self> {
        Ok(KmsCancelKeyDeletion {
            reenable: settings.kms_reenable_key,
            list_tags: settings.exempt_tag.is_some(),
            list_aliases: settings.exempt_resources.iter().any(|r| r.contains("alias/")),
        })
    }

    fn client(config: &SdkConfig) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(config)
    }

    /// Accepts a key id, key ARN, alias name or alias ARN. An ARN's region and account win over the
    /// event's: a Multi-Region replica is handled in its own region.
    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Key>, String> {
        let id = r.id.as_str();
        let Some(arn) = Arn::parse(id) else {
            if is_key_id(id) || is_alias_name(id) {
                return Ok(Resolved::target(Key::named(id)));
            }
            return Err(format!("{id:?} is not a KMS key id, key ARN, alias name (alias/...) or alias ARN"));
        };
        let valid = arn.service == "kms"
            && (arn.resource.strip_prefix("key/").is_some_and(is_key_id) || is_alias_name(arn.resource));
        if !valid {
            return Err(format!("{id} is not a KMS key ARN or alias ARN"));
        }
        let Some(region) = arn.region() else {
            return Err(format!("{id} is not a KMS key ARN: it has no region"));
        };
        Ok(Resolved::Target { target: Key::named(id), account: arn.account(), region: Some(region) })
    }

    fn arn(&self, key: &Key, partition: &str, account: &str, region: &str) -> String {
        match &key.found {
            Some(found) => found.arn.clone(),
            None if key.key_id.starts_with("arn:") => key.key_id.clone(),
            None if key.key_id.starts_with("alias/") => {
                format!("arn:{partition}:kms:{region}:{account}:{}", key.key_id)
            }
            None => key_arn(partition, account, region, &key.key_id),
        }
    }

    /// Every key in the region except AWS managed ones (recognised by their `alias/aws/*` alias: one
    /// ListAliases instead of a DescribeKey per key). The engine reads each key itself.
    async fn sweep(&self, cx: &Cx<'_, aws_sdk_kms::Client>) -> Result<Vec<Key>> {
        let aws_managed = aws_managed_key_ids(cx).await?;
        let mut keys = Vec::new();
        let mut marker = None;
        loop {
            let page = cx
                .client
                .list_keys()
                .limit(1000)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("kms:ListKeys", cx.region, e))?;
            keys.extend(
                page.keys().iter().filter_map(|k| k.key_id()).filter(|id| !aws_managed.contains(*id)).map(Key::named),
            );
            marker = page.next_marker().filter(|_| page.truncated()).map(str::to_owned);
            if marker.is_none() {
                return Ok(keys);
            }
        }
    }

    /// Resolves an alias to the key id (CancelKeyDeletion and EnableKey take no alias), and a key ARN
    /// to its id and region. A key id needs no call: the first read is the DescribeKey.
    async fn locate(&self, cx: &Cx<'_, aws_sdk_kms::Client>, key: Key) -> Result<Option<(Key, Option<String>)>> {
        if is_key_id(&key.key_id) {
            return Ok(Some((key, None)));
        }
        if let Some(arn) = Arn::parse(&key.key_id) {
            if let Some(id) = arn.resource.strip_prefix("key/").filter(|id| is_key_id(id)) {
                return Ok(Some((Key::named(id), arn.region())));
            }
        }
        let Some(meta) = describe_key(cx, &key.key_id).await? else {
            return Ok(None);
        };
        let found = found(&meta, cx);
        let region = Arn::parse(&found.arn).and_then(|a| a.region());
        Ok(Some((Key::located(meta.key_id(), found), region)))
    }

    /// Ownership (AWS managed?), tags and aliases: asked at once.
    async fn describe(&self, cx: &Cx<'_, aws_sdk_kms::Client>, key: &Key) -> Result<Option<Description>> {
        let not_ours = || Description {
            not_ours: Some("an AWS managed key: its lifecycle belongs to AWS".into()),
            ..Description::default()
        };
        if key.found.as_ref().is_some_and(|f| f.aws_managed) {
            return Ok(Some(not_ours()));
        }
        let tags = async {
            match self.list_tags {
                true => self.tags(cx, &key.key_id).await,
                false => Ok(Some(Vec::new())),
            }
        };
        let aliases = async {
            match self.list_aliases {
                true => self.aliases(cx, &key.key_id).await,
                false => Ok(Vec::new()),
            }
        };
        let (found, tags, aliases) = futures::join!(first_read(cx, key), tags, aliases);
        let Some(found) = found? else {
            return Ok(None);
        };
        if found.aws_managed {
            return Ok(Some(not_ours()));
        }
        let Some(tags) = tags? else {
            return Ok(None);
        };
        let mut names = vec![key.key_id.clone(), found.arn.clone()];
        names.extend(aliases?);
        Ok(Some(Description { tags, names, not_ours: None }))
    }

    async fn read(&self, cx: &Cx<'_, aws_sdk_kms::Client>, key: &Key) -> Result<Option<KeyStatus>> {
        let Some(meta) = describe_key(cx, &key.key_id).await? else {
            return Ok(None);
        };
        Ok(Some(KeyStatus::from_metadata(&meta)))
    }

    /// The first DescribeKey (`locate`'s for an alias) decides; the read-back asks KMS again.
    async fn read_before(&self, cx: &Cx<'_, aws_sdk_kms::Client>, key: &Key) -> Result<Option<KeyStatus>> {
        match first_read(cx, key).await? {
            Some(Found { status: Some(status), .. }) => Ok(Some(status)),
            Some(_) => self.read(cx, key).await,
            None => Ok(None),
        }
    }

    /// KMS.3 fails only for keys scheduled for deletion: a key disabled on purpose is compliant.
    fn is_compliant(&self, status: &KeyStatus) -> bool {
        !status.is_scheduled_for_deletion()
    }

    /// The deletion was scheduled at most 30 days ago (the longest pending window): by whom?
    fn change_lookup(&self, cx: &Cx<'_, aws_sdk_kms::Client>, arn: &str, status: &KeyStatus) -> Option<ChangeLookup> {
        status.is_scheduled_for_deletion().then(|| ChangeLookup {
            event_names: &["ScheduleKeyDeletion"],
            resource_name: arn.to_owned(),
            since: cx.now - std::time::Duration::from_secs(30 * 86_400),
        })
    }

    /// After a fix that re-enabled the key, only `Enabled` counts: the workloads need the key usable.
    fn is_fixed(&self, _before: &KeyStatus, after: &KeyStatus) -> bool {
        self.is_compliant(after) && (!self.reenable || after.key_state == "Enabled")
    }

    async fn fix(&self, cx: &Cx<'_, aws_sdk_kms::Client>, key: &Key, before: &KeyStatus) -> Result<String> {
        let key_id = key.key_id.as_str();
        let mut done = match cx.client.cancel_key_deletion().key_id(key_id).send().await {
            Ok(_) => format!("cancelled {}", before.scheduled()),
            Err(e) => {
                let e = AwsError::from_sdk("kms:CancelKeyDeletion", key_id, e);
                if !e.is(NOT_PENDING) {
                    return Err(e.into());
                }
                // Cancelled by someone else since the read: the read-back decides.
                format!("{} was already cancelled", before.scheduled())
            }
        };
        if self.reenable {
            cx.client
                .enable_key()
                .key_id(key_id)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("kms:EnableKey", key_id, e))?;
            done.push_str(" and enabled the key again");
        } else {
            done.push_str("; the key is left Disabled (KMS_REENABLE_KEY=false)");
        }
        Ok(done)
    }

    /// Schedules the deletion again. KMS cannot bring back the old date: the new waiting period is what
    /// was left of the old one (`pending_window`), so the key is never deleted sooner than it would
    /// have been. A key the fix enabled needs no DisableKey: PendingDeletion makes it unusable again.
    async fn restore(
        &self,
        cx: &Cx<'_, aws_sdk_kms::Client>,
        key: &Key,
        before: &KeyStatus,
        _now: &KeyStatus,
    ) -> Result<String> {
        if !before.is_scheduled_for_deletion() {
            return Err(remediation_core::Error::Target(format!(
                "the recorded before of {key} is {}, not a scheduled deletion: there is nothing to put back",
                before.key_state
            )));
        }
        let key_id = match key_id_in(&key.key_id) {
            Some(id) => id.to_owned(),
            None => match describe_key(cx, &key.key_id).await? {
                Some(meta) => meta.key_id().to_owned(),
                None => return Err(remediation_core::Error::Target(format!("{key} no longer exists"))),
            },
        };
        let days = pending_window(before, cx.now);
        let out = cx
            .client
            .schedule_key_deletion()
            .key_id(&key_id)
            .pending_window_in_days(days)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("kms:ScheduleKeyDeletion", &key_id, e))?;
        let new_date = out.deletion_date().and_then(|d| d.fmt(DateTimeFormat::DateTime).ok());
        let when = new_date.map(|d| format!(", for {d}")).unwrap_or_default();
        Ok(format!("scheduled the key's deletion again in {days} days{when} (before the fix: {})", before.scheduled()))
    }

    /// The same state again, with a deletion date that may be later than the recorded one (KMS sets a
    /// new one; never sooner, up to the clocks' difference), or the same waiting period for a primary
    /// key waiting for its replicas.
    fn is_restored(&self, before: &KeyStatus, after: &KeyStatus) -> bool {
        if after.key_state != before.key_state || !after.is_scheduled_for_deletion() {
            return false;
        }
        match (before.deletion_time(), after.deletion_time()) {
            (Some(was), Some(now)) => now.as_secs_f64() + CLOCK_SLACK_SECS >= was.as_secs_f64(),
            (None, None) => after.pending_deletion_window_in_days == before.pending_deletion_window_in_days,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn control(vars: &[(&str, &str)]) -> KmsCancelKeyDeletion {
        KmsCancelKeyDeletion::new(&Settings::from_vars(vars.iter().copied()).unwrap()).unwrap()
    }

    fn resolve(id: &str) -> Result<Resolved<Key>, String> {
        control(&[]).resolve(&ResourceRef { id: id.into(), ..Default::default() })
    }

    fn status(state: &str) -> KeyStatus {
        KeyStatus { key_state: state.into(), deletion_date: None, pending_deletion_window_in_days: None }
    }

    #[test]
    fn resolves_ids_arns_and_aliases() {
        for named in [ID, "mrk-1234abcd12ab34cd56ef1234567890ab", "alias/example-app-key", "alias/team/app_key-1"] {
            assert_eq!(resolve(named), Ok(Resolved::target(Key::named(named))), "{named}");
        }
        for (arn, region) in [
            (format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}"), "eu-west-1"),
            ("arn:aws:kms:us-east-1:111122223333:alias/example-app-key".into(), "us-east-1"),
            ("arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab".into(), "cn-north-1"),
        ] {
            assert_eq!(
                resolve(&arn),
                Ok(Resolved::Target {
                    target: Key::named(&arn),
                    account: Some("111122223333".into()),
                    region: Some(region.into())
                })
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_key() {
        for bad in [
            "my-key",
            "1234abcd",
            "1234abcd-12ab-34cd-56ef-1234567890az",
            "alias/",
            "alias/has space",
            "alias/dot.ted",
            "arn:aws:s3:::bucket",
            "arn:aws:kms:us-east-1:111122223333:key/not-a-key",
            "arn:aws:kms:us-east-1:111122223333:grant/x",
            &format!("arn:aws:kms::111122223333:key/{ID}"),
            &format!("alias/{}", "a".repeat(251)),
        ] {
            let err = resolve(bad).unwrap_err();
            assert!(err.contains("KMS"), "{bad}: {err}");
        }
    }

    #[test]
    fn only_a_scheduled_deletion_is_noncompliant() {
        let c = control(&[]);
        for scheduled in ["PendingDeletion", "PendingReplicaDeletion"] {
            assert!(!c.is_compliant(&status(scheduled)), "{scheduled}");
        }
        // KMS.3 checks deletion only: a key disabled on purpose is left alone.
        for fine in ["Enabled", "Disabled", "PendingImport", "Unavailable"] {
            assert!(c.is_compliant(&status(fine)), "{fine}");
        }
    }

    #[test]
    fn a_reenabled_key_must_read_back_enabled() {
        let pending = status("PendingDeletion");
        let c = control(&[]);
        assert!(c.is_fixed(&pending, &status("Enabled")));
        assert!(!c.is_fixed(&pending, &status("Disabled")));
        assert!(!c.is_fixed(&pending, &status("PendingDeletion")));
        let left_disabled = control(&[("KMS_REENABLE_KEY", "false")]);
        assert!(left_disabled.is_fixed(&pending, &status("Disabled")));
    }

    #[test]
    fn settings_decide_the_extra_reads() {
        let c = control(&[]);
        assert!(c.reenable && c.list_tags && !c.list_aliases);
        let c = control(&[("KMS_REENABLE_KEY", "false"), ("EXEMPT_TAG", ""), ("EXEMPT_RESOURCES", ID)]);
        assert!(!c.reenable && !c.list_tags && !c.list_aliases);
        let c = control(&[("EXEMPT_RESOURCES", "arn:aws:kms:us-east-1:111122223333:alias/keep")]);
        assert!(c.list_aliases);
    }

    #[test]
    fn report_names_the_key_by_arn() {
        let c = control(&[]);
        let arn = |k: &str| c.arn(&Key::named(k), "aws", "111122223333", "eu-west-1");
        assert_eq!(arn(ID), format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}"));
        assert_eq!(arn("alias/app"), "arn:aws:kms:eu-west-1:111122223333:alias/app");
        assert_eq!(arn("arn:aws:kms:us-east-1:1:key/x"), "arn:aws:kms:us-east-1:1:key/x");
        let located = Key::located(ID, Found { arn: "arn:from-kms".into(), aws_managed: false, status: None });
        assert_eq!(c.arn(&located, "aws", "1", "r"), "arn:from-kms");
    }

    /// moto cannot make an AWS managed key (its `alias/aws/*` keys say `KeyManager: CUSTOMER`), so the
    /// decision is checked here; `describe` returns before any call, which the unroutable client proves.
    #[tokio::test]
    async fn an_aws_managed_key_is_not_ours() {
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        let client = aws_sdk_kms::Client::from_conf(config);
        let cx =
            Cx { client: &client, account: "111122223333", region: "us-east-1", now: std::time::SystemTime::now() };
        let key = Key::located(ID, Found { arn: "arn:aws:kms:x".into(), aws_managed: true, status: None });
        let description = control(&[]).describe(&cx, &key).await.unwrap().unwrap();
        assert_eq!(description.not_ours.as_deref(), Some("an AWS managed key: its lifecycle belongs to AWS"));
    }

    #[test]
    fn a_state_round_trips_through_its_json() {
        let mut primary = status("PendingReplicaDeletion");
        primary.pending_deletion_window_in_days = Some(7);
        let mut pending = status("PendingDeletion");
        pending.deletion_date = Some("2026-03-12T14:22:10.5Z".into());
        for s in [status("Enabled"), pending, primary] {
            let json = serde_json::to_value(&s).unwrap();
            assert_eq!(serde_json::from_value::<KeyStatus>(json).unwrap(), s);
        }
    }

    /// Undo resolves the report's `resource` (what `arn` gave) back into the key.
    #[test]
    fn the_reported_name_resolves_to_the_same_key() {
        let c = control(&[]);
        let located = Key {
            key_id: ID.into(),
            found: Some(Found {
                arn: format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}"),
                aws_managed: false,
                status: None,
            }),
            first_read: Arc::default(),
        };
        for key in
            [Key::named(ID), Key::named("alias/app"), Key::named("mrk-1234abcd12ab34cd56ef1234567890ab"), located]
        {
            let arn = c.arn(&key, "aws", "111122223333", "eu-west-1");
            let r = ResourceRef {
                id: arn.clone(),
                account: Some("111122223333".into()),
                region: Some("eu-west-1".into()),
                ..Default::default()
            };
            match c.resolve(&r) {
                Ok(Resolved::Target { target, account, region }) => {
                    assert_eq!(c.arn(&target, "aws", "111122223333", "eu-west-1"), arn);
                    assert_eq!((account.as_deref(), region.as_deref()), (Some("111122223333"), Some("eu-west-1")));
                }
                other => panic!("{arn}: {other:?}"),
            }
        }
        assert_eq!(key_id_in(&format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}")), Some(ID));
        assert_eq!(key_id_in(ID), Some(ID));
        assert_eq!(key_id_in("arn:aws:kms:eu-west-1:111122223333:alias/app"), None);
        assert_eq!(key_id_in("alias/app"), None);
    }

    fn pending_until(date: &str) -> KeyStatus {
        KeyStatus { deletion_date: Some(date.into()), ..status("PendingDeletion") }
    }

    #[test]
    fn undo_schedules_what_was_left_of_the_window_and_never_less_than_seven_days() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_773_000_000); // 2026-03-08T20:00:00Z
        let in_days = |d: f64| {
            let shift = Duration::from_secs_f64(d.abs() * 86_400.0);
            let t = if d < 0.0 { now - shift } else { now + shift };
            DateTime::from(t).fmt(DateTimeFormat::DateTime).unwrap()
        };
        assert_eq!(pending_window(&pending_until(&in_days(29.99)), now), 30);
        assert_eq!(pending_window(&pending_until(&in_days(12.5)), now), 13);
        assert_eq!(pending_window(&pending_until(&in_days(12.0)), now), 12);
        assert_eq!(pending_window(&pending_until(&in_days(7.0 - 1e-4)), now), 7, "a fix and undo seconds later");
        assert_eq!(pending_window(&pending_until(&in_days(2.0)), now), 7, "KMS's minimum");
        assert_eq!(pending_window(&pending_until(&in_days(-1.0)), now), 7, "already past: the minimum");
        assert_eq!(pending_window(&pending_until("not a date"), now), 30, "unknown: the longest");
        let primary = KeyStatus { pending_deletion_window_in_days: Some(9), ..status("PendingReplicaDeletion") };
        assert_eq!(pending_window(&primary, now), 9);
        assert_eq!(pending_window(&status("PendingDeletion"), now), 30);
    }

    #[test]
    fn restored_means_pending_again_never_sooner() {
        let c = control(&[]);
        let before = pending_until("2026-03-12T14:22:10Z");
        assert!(c.is_restored(&before, &before));
        assert!(c.is_restored(&before, &pending_until("2026-03-19T09:00:00.25Z")), "a later date is KMS's new one");
        assert!(c.is_restored(&before, &pending_until("2026-03-12T14:21:30Z")), "clocks a few seconds apart");
        assert!(!c.is_restored(&before, &pending_until("2026-03-12T14:20:10Z")), "never sooner");
        assert!(!c.is_restored(&before, &status("Enabled")));
        assert!(!c.is_restored(&before, &status("Disabled")));
        assert!(!c.is_restored(&before, &KeyStatus { key_state: "PendingReplicaDeletion".into(), ..before.clone() }));
        let primary = KeyStatus { pending_deletion_window_in_days: Some(9), ..status("PendingReplicaDeletion") };
        assert!(c.is_restored(&primary, &primary));
        assert!(!c.is_restored(&primary, &KeyStatus { pending_deletion_window_in_days: Some(7), ..primary.clone() }));
    }

    #[test]
    fn status_reports_the_cancelled_deletion() {
        let mut s = status("PendingDeletion");
        s.deletion_date = Some("2026-03-12T14:22:10Z".into());
        assert_eq!(s.scheduled(), "the deletion scheduled for 2026-03-12T14:22:10Z");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json, serde_json::json!({"KeyState": "PendingDeletion", "DeletionDate": "2026-03-12T14:22:10Z"}));
        let mut primary = status("PendingReplicaDeletion");
        primary.pending_deletion_window_in_days = Some(7);
        assert_eq!(primary.scheduled(), "the deletion scheduled 7 days after its replicas are deleted");
    }
}
