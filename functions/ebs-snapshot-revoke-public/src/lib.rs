//! EBS snapshots restorable by anyone (EC2.1): remove the group `all` from `createVolumePermission`
//! and, with `SNAPSHOT_ALLOWED_ACCOUNTS`, every account share outside that list.

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::types::{OperationType, PermissionGroup, SnapshotAttributeName};
use remediation_core::config::{is_account_id, ExemptTag};
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{ApiCall, Arn, AwsError, Control, Cx, Description, Resolved, ResourceRef, Result, Settings};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub struct EbsSnapshotRevokePublic {
    /// `SNAPSHOT_ALLOWED_ACCOUNTS`; `None`: only the group `all` is revoked.
    allowed_accounts: Option<Vec<String>>,
    /// `EXEMPT_TAG`, for the command that keeps a snapshot shared again by hand from being revoked.
    exempt_tag: Option<ExemptTag>,
}

/// A snapshot id, with what the sweep's DescribeSnapshots page already said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub snapshot_id: String,
    listed: Option<Listed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    owner: String,
    tags: Vec<(String, String)>,
}

impl Snapshot {
    pub fn new(snapshot_id: impl Into<String>) -> Self {
        Snapshot { snapshot_id: snapshot_id.into(), listed: None }
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.snapshot_id)
    }
}

/// Who may create volumes from the snapshot, as DescribeSnapshotAttribute reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    /// The group `all` is granted: anyone can restore it.
    pub public: bool,
    /// Accounts it is shared with, sorted.
    pub accounts: Vec<String>,
    /// With `SNAPSHOT_ALLOWED_ACCOUNTS`: the shared accounts outside that list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts_not_allowed: Option<Vec<String>>,
}

impl Sharing {
    fn not_allowed(&self) -> &[String] {
        self.accounts_not_allowed.as_deref().unwrap_or_default()
    }

    /// What `self` grants that `now` does not: (the group `all`, accounts).
    fn missing_from(&self, now: &Sharing) -> (bool, Vec<&str>) {
        let accounts = self.accounts.iter().filter(|a| !now.accounts.contains(a)).map(String::as_str).collect();
        (self.public && !now.public, accounts)
    }
}

/// ModifySnapshotAttribute takes at most 500 modifications per call.
const MAX_MODIFICATIONS: usize = 500;

const NOT_FOUND: &[&str] = &["InvalidSnapshot.NotFound"];

/// `snap-` and 8 or 17 lowercase hex digits.
fn is_snapshot_id(id: &str) -> bool {
    id.strip_prefix("snap-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The keys of `createVolumePermission.add.items` / `.remove.items` in a CloudTrail record.
fn items<'a>(permission: &'a Value, key: &str) -> &'a [Value] {
    permission.pointer(&format!("/{key}/items")).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

impl EbsSnapshotRevokePublic {
    fn sharing(&self, groups_all: bool, mut accounts: Vec<String>) -> Sharing {
        accounts.sort();
        accounts.dedup();
        let accounts_not_allowed = self
            .allowed_accounts
            .as_ref()
            .map(|allowed| accounts.iter().filter(|a| !allowed.contains(a)).cloned().collect());
        Sharing { public: groups_all, accounts, accounts_not_allowed }
    }
}

impl Control for EbsSnapshotRevokePublic {
    type Target = Snapshot;
    type State = Sharing;
    type Client = aws_sdk_ec2::Client;

    const NAME: &'static str = "ebs-snapshot-revoke-public";
    const EVENT_NAMES: &'static [&'static str] = &["ModifySnapshotAttribute"];
    /// EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK is account-scoped; a custom rule may name snapshots.
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::::Account", "AWS::EC2::Snapshot"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["EC2.1"];
    /// Only the owner can read who may restore a snapshot: ownership first (from the listing in sweeps).
    const DESCRIBE_BEFORE_READ: bool = true;
    const WIRING: Wiring = Wiring {
        summary: "Revokes public (and, when configured, non-allow-listed) restore permissions of EBS snapshots (EC2.1).",
        event_source: "aws.ec2",
        cloudtrail_source: "ec2.amazonaws.com",
        global_service: false,
        config_rules: &[ConfigRule {
            identifier: "EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK",
            name: "ebs-snapshot-public-restorable-check",
            resource_types: &[],
            input_parameters: "",
        }],
        settings: &[Setting::new(
            "SNAPSHOT_ALLOWED_ACCOUNTS",
            "",
            "when set, snapshot shares with accounts outside this comma list are revoked too. Empty - only public (group all) shares are.",
        )
        .pattern("^([0-9]{12}(,[0-9]{12})*)?$")],
        permissions: &[
            Permission::allow(
                "Snapshots",
                &["ec2:DescribeSnapshotAttribute", "ec2:ModifySnapshotAttribute"],
                "arn:${AWS::Partition}:ec2:*::snapshot/*",
            ),
            // The role can remove restore permissions and never add one: not even to undo a fix
            // (`restore` says what a person should run instead).
            Permission {
                sid: "NeverShare",
                actions: &["ec2:ModifySnapshotAttribute"],
                resource: "*",
                when_set: "",
                deny: true,
                condition: r#"{"Null": {"ec2:Add/group": "false"}}"#,
                member: true,
            },
            Permission {
                sid: "NeverShareWithAccounts",
                actions: &["ec2:ModifySnapshotAttribute"],
                resource: "*",
                when_set: "",
                deny: true,
                condition: r#"{"Null": {"ec2:Add/userId": "false"}}"#,
                member: true,
            },
            Permission::allow("SnapshotsNoResourceType", &["ec2:DescribeSnapshots"], "*"),
        ],
        timeout: 900,
        timeout_why: "With SNAPSHOT_ALLOWED_ACCOUNTS every owned snapshot is read (1 call each, 16 at a time): the Lambda maximum, for accounts with tens of thousands of snapshots.",
    };

    fn new(settings: &Settings) -> Result<Self> {
        Ok(EbsSnapshotRevokePublic {
            allowed_accounts: settings.snapshot_allowed_accounts.clone(),
            exempt_tag: settings.exempt_tag.clone(),
        })
    }

    /// Sweeps make one call per snapshot: a few more attempts than the default ride out EC2's
    /// request-rate throttling (the SDK backs off on `RequestLimitExceeded`).
    fn client(config: &SdkConfig) -> aws_sdk_ec2::Client {
        let conf =
            aws_sdk_ec2::config::Builder::from(config).retry_config(RetryConfig::standard().with_max_attempts(6));
        aws_sdk_ec2::Client::from_conf(conf.build())
    }

    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Snapshot>, String> {
        if r.is_account() {
            let named = r.id.strip_prefix("AWS::::Account:").unwrap_or(&r.id).to_owned();
            if !is_account_id(&named) {
                return Err(format!("{:?} does not name an account", r.id));
            }
            return match (&r.account, &r.resource_type) {
                (Some(account), _) if *account != named => {
                    Err(format!("{:?} names account {named}, but the event is for account {account}", r.id))
                }
                (None, None) => Err(format!(
                    "{:?} is an account id: to check every snapshot of an account use {{\"sweep\": true, \
                     \"account_id\": \"{named}\"}}",
                    r.id
                )),
                _ => Ok(Resolved::Sweep),
            };
        }
        if let Some(arn) = Arn::parse(&r.id) {
            let id = arn.resource.strip_prefix("snapshot/").filter(|id| arn.service == "ec2" && is_snapshot_id(id));
            let Some(id) = id else {
                return Err(format!(
                    "{} is not an EBS snapshot ARN (arn:aws:ec2:<region>:<account>:snapshot/snap-...)",
                    r.id
                ));
            };
            if let Some(account) = arn.account().filter(|a| !is_account_id(a)) {
                return Err(format!("{}: {account:?} is not a 12-digit account id", r.id));
            }
            return Ok(Resolved::Target { target: Snapshot::new(id), account: arn.account(), region: arn.region() });
        }
        if !is_snapshot_id(&r.id) {
            return Err(format!("{:?} is not an EBS snapshot id (snap-...), snapshot ARN or account", r.id));
        }
        Ok(Resolved::target(Snapshot::new(&r.id)))
    }

    fn arn(&self, target: &Snapshot, partition: &str, account: &str, region: &str) -> String {
        format!("arn:{partition}:ec2:{region}:{account}:snapshot/{}", target.snapshot_id)
    }

    /// Only calls that granted something can have made a snapshot public; our own (and anyone's)
    /// removals are not worth a look. A record whose shape we don't know is checked, which is
    /// harmless: nothing is written unless the snapshot is noncompliant.
    fn ignore_call(&self, call: &ApiCall) -> Option<String> {
        let params = &call.request_parameters;
        if let Some(kind) = params.get("attributeType").and_then(Value::as_str) {
            if !kind.eq_ignore_ascii_case("CREATE_VOLUME_PERMISSION")
                && !kind.eq_ignore_ascii_case("createVolumePermission")
            {
                return Some(format!("{} changed {kind}, not who may create volumes", call.event_name));
            }
        }
        let permission = params.get("createVolumePermission")?;
        if items(permission, "add").is_empty() {
            let removed = items(permission, "remove").len();
            return Some(format!(
                "{} granted nothing (it removed {removed} permission{}), so it cannot have made a snapshot public",
                call.event_name,
                if removed == 1 { "" } else { "s" }
            ));
        }
        None
    }

    /// Every snapshot the account owns in the region. Without an allow-list only public ones
    /// matter, and AWS can narrow the listing to them (`RestorableByUserIds=all`); with one, a
    /// private share can be wrong too, so every owned snapshot is listed. Either way each snapshot's
    /// permissions are read again before anything is written.
    async fn sweep(&self, cx: &Cx<'_, aws_sdk_ec2::Client>) -> Result<Vec<Snapshot>> {
        let mut snapshots = Vec::new();
        let mut token = None;
        loop {
            let mut request =
                cx.client.describe_snapshots().owner_ids(cx.account).max_results(1000).set_next_token(token);
            if self.allowed_accounts.is_none() {
                request = request.restorable_by_user_ids("all");
            }
            let page = request.send().await.map_err(|e| {
                AwsError::from_sdk("ec2:DescribeSnapshots", format!("snapshots of {} in {}", cx.account, cx.region), e)
            })?;
            for s in page.snapshots() {
                let (Some(id), Some(owner)) = (s.snapshot_id(), s.owner_id()) else { continue };
                // The OwnerIds filter is the sweep's scope: anything else that comes back is not ours to list.
                if owner != cx.account {
                    continue;
                }
                let tags = s
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or_default().to_owned())))
                    .collect();
                snapshots.push(Snapshot {
                    snapshot_id: id.to_owned(),
                    listed: Some(Listed { owner: owner.to_owned(), tags }),
                });
            }
            token = page.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
            if token.is_none() {
                return Ok(snapshots);
            }
        }
    }

    /// Owner and tags: from the sweep's listing when there was one, else one DescribeSnapshots.
    async fn describe(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, target: &Snapshot) -> Result<Option<Description>> {
        let listed = match &target.listed {
            Some(listed) => listed.clone(),
            None => {
                let out = match cx.client.describe_snapshots().snapshot_ids(&target.snapshot_id).send().await {
                    Ok(out) => out,
                    Err(e) => {
                        let e = AwsError::from_sdk("ec2:DescribeSnapshots", &target.snapshot_id, e);
                        return if e.is(NOT_FOUND) { Ok(None) } else { Err(e.into()) };
                    }
                };
                let Some(s) = out.snapshots().iter().find(|s| s.snapshot_id() == Some(target.snapshot_id.as_str()))
                else {
                    return Ok(None);
                };
                Listed {
                    owner: s.owner_id().unwrap_or_default().to_owned(),
                    tags: s
                        .tags()
                        .iter()
                        .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or_default().to_owned())))
                        .collect(),
                }
            }
        };
        let not_ours = (listed.owner != cx.account).then(|| {
            format!(
                "owned by account {}, not {}: only its owner can change who may restore it",
                if listed.owner.is_empty() { "unknown" } else { &listed.owner },
                cx.account
            )
        });
        let partition = remediation_core::config::partition_of(cx.region);
        Ok(Some(Description {
            tags: listed.tags,
            // The ARN as IAM writes it (no account), for EXEMPT_RESOURCES.
            names: vec![format!("arn:{partition}:ec2:{}::snapshot/{}", cx.region, target.snapshot_id)],
            not_ours,
        }))
    }

    async fn read(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, target: &Snapshot) -> Result<Option<Sharing>> {
        let out = match cx
            .client
            .describe_snapshot_attribute()
            .snapshot_id(&target.snapshot_id)
            .attribute(SnapshotAttributeName::CreateVolumePermission)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let e = AwsError::from_sdk("ec2:DescribeSnapshotAttribute", &target.snapshot_id, e);
                return if e.is(NOT_FOUND) { Ok(None) } else { Err(e.into()) };
            }
        };
        let permissions = out.create_volume_permissions();
        let public = permissions.iter().any(|p| p.group() == Some(&PermissionGroup::All));
        let accounts = permissions.iter().filter_map(|p| p.user_id()).map(str::to_owned).collect();
        Ok(Some(self.sharing(public, accounts)))
    }

    fn is_compliant(&self, state: &Sharing) -> bool {
        !state.public && state.not_allowed().is_empty()
    }

    /// The flat form (`OperationType=remove` with `GroupNames` / `UserIds`): AWS and the emulator
    /// both honour it, while the emulator answers the structured `CreateVolumePermission` form with
    /// 200 and changes nothing.
    async fn fix(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, target: &Snapshot, state: &Sharing) -> Result<String> {
        let mut removals: Vec<Option<&str>> = Vec::new();
        if state.public {
            removals.push(None);
        }
        removals.extend(state.not_allowed().iter().map(|a| Some(a.as_str())));
        for batch in removals.chunks(MAX_MODIFICATIONS) {
            let mut request = cx
                .client
                .modify_snapshot_attribute()
                .snapshot_id(&target.snapshot_id)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .operation_type(OperationType::Remove);
            for removal in batch {
                request = match removal {
                    None => request.group_names(PermissionGroup::All.as_str()),
                    Some(account) => request.user_ids(*account),
                };
            }
            if let Err(e) = request.send().await {
                let e = AwsError::from_sdk("ec2:ModifySnapshotAttribute", &target.snapshot_id, e);
                if e.is(NOT_FOUND) {
                    // Deleted meanwhile: the read-back reports it as not found.
                    return Ok("the snapshot was deleted before its permissions could be changed".into());
                }
                return Err(e.into());
            }
        }
        let mut done = Vec::new();
        if state.public {
            done.push("removed createVolumePermission for group all".to_owned());
        }
        let revoked = state.not_allowed();
        if !revoked.is_empty() {
            done.push(format!(
                "removed {} account{} outside SNAPSHOT_ALLOWED_ACCOUNTS: {}",
                revoked.len(),
                if revoked.len() == 1 { "" } else { "s" },
                revoked.join(", ")
            ));
        }
        let kept = state.accounts.len() - revoked.len();
        if kept > 0 {
            done.push(format!("kept {kept} account share{}", if kept == 1 { "" } else { "s" }));
        }
        Ok(done.join("; "))
    }

    /// Never written by this function: putting back what the fix removed shares the snapshot again
    /// (with everyone, for the group `all`), and the role is denied exactly that (`NeverShare`,
    /// `NeverShareWithAccounts`), so that no event, bug or stolen credential of this function can ever
    /// expose a snapshot. A person, with their own permissions and their own CloudTrail record, gets the
    /// exact commands instead: first the exemption, or this function revokes the share again.
    async fn restore(
        &self,
        cx: &Cx<'_, aws_sdk_ec2::Client>,
        target: &Snapshot,
        before: &Sharing,
        now: &Sharing,
    ) -> Result<String> {
        let (all, accounts) = before.missing_from(now);
        if !all && accounts.is_empty() {
            return Ok("nothing the fix removed is missing: no write".into());
        }
        let (id, region, account) = (&target.snapshot_id, cx.region, cx.account);
        let mut what = Vec::new();
        if all {
            what.push("the group all (anyone can restore it)".to_owned());
        }
        if !accounts.is_empty() {
            what.push(format!("account{} {}", if accounts.len() == 1 { "" } else { "s" }, accounts.join(", ")));
        }
        let exempt = match &self.exempt_tag {
            Some(ExemptTag { key, value }) => format!(
                "tag it so that this function leaves it alone (aws ec2 create-tags --region {region} --resources {id} \
                 --tags Key={key}{})",
                value.as_deref().map(|v| format!(",Value={v}")).unwrap_or_default()
            ),
            None => "exempt it from this function (an exception in EXCEPTIONS_PARAMETER, or EXEMPT_RESOURCES)".into(),
        };
        let mut add = format!(
            "aws ec2 modify-snapshot-attribute --region {region} --snapshot-id {id} --attribute \
             createVolumePermission --operation-type add"
        );
        if all {
            add.push_str(" --group-names all");
        }
        if !accounts.is_empty() {
            add.push_str(&format!(" --user-ids {}", accounts.join(" ")));
        }
        Err(remediation_core::Error::NeedsAction(format!(
            "undo would share {id} again with {}, and this function's role may never share a snapshot, so nothing \
             was written; to put it back yourself in account {account}, first {exempt}, then run: {add}",
            what.join(" and ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn control(allowed: Option<&[&str]>) -> EbsSnapshotRevokePublic {
        EbsSnapshotRevokePublic {
            allowed_accounts: allowed.map(|a| a.iter().map(|s| s.to_string()).collect()),
            exempt_tag: Some(ExemptTag { key: "auto-remediation".into(), value: Some("skip".into()) }),
        }
    }

    fn resolve(id: &str, resource_type: Option<&str>, account: Option<&str>) -> Result<Resolved<Snapshot>, String> {
        let r = ResourceRef {
            id: id.into(),
            resource_type: resource_type.map(Into::into),
            account: account.map(Into::into),
            ..Default::default()
        };
        control(None).resolve(&r)
    }

    #[test]
    fn resolves_snapshot_ids_and_arns() {
        let snap = "snap-0123456789abcdef0";
        assert_eq!(resolve(snap, None, None), Ok(Resolved::target(Snapshot::new(snap))));
        assert_eq!(resolve("snap-0123abcd", None, None), Ok(Resolved::target(Snapshot::new("snap-0123abcd"))));
        assert_eq!(
            resolve(&format!("arn:aws:ec2:eu-west-1:111122223333:snapshot/{snap}"), Some("AwsEc2Snapshot"), None),
            Ok(Resolved::Target {
                target: Snapshot::new(snap),
                account: Some("111122223333".into()),
                region: Some("eu-west-1".into())
            })
        );
        assert_eq!(
            resolve(&format!("arn:aws:ec2:us-east-1::snapshot/{snap}"), None, None),
            Ok(Resolved::Target { target: Snapshot::new(snap), account: None, region: Some("us-east-1".into()) })
        );
    }

    #[test]
    fn account_resources_mean_a_sweep() {
        let account = "123456789012";
        assert_eq!(resolve(account, Some("AWS::::Account"), Some(account)), Ok(Resolved::Sweep));
        assert_eq!(resolve("AWS::::Account:123456789012", Some("AwsAccount"), Some(account)), Ok(Resolved::Sweep));
        assert_eq!(resolve(account, Some("AWS::::Account"), None), Ok(Resolved::Sweep));
        assert!(resolve(account, None, None).unwrap_err().contains("\"sweep\": true"));
        assert!(resolve("AWS::::Account:111122223333", Some("AwsAccount"), Some(account))
            .unwrap_err()
            .contains("event is for account 123456789012"));
    }

    #[test]
    fn rejects_what_is_not_a_snapshot() {
        for bad in [
            "",
            "snap-",
            "snap-0123",
            "snap-0123456789ABCDEF0",
            "snap-0123456789abcdef0x",
            "vol-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0",
            "arn:aws:s3:::snap-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:12:snapshot/snap-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-nothex00",
        ] {
            assert!(resolve(bad, None, None).is_err(), "{bad}");
        }
    }

    fn call(params: Value) -> ApiCall {
        ApiCall { event_name: "ModifySnapshotAttribute".into(), request_parameters: params, ..Default::default() }
    }

    #[test]
    fn only_calls_that_grant_something_are_acted_on() {
        let c = control(None);
        let add = json!({"snapshotId": "snap-0123456789abcdef0", "attributeType": "CREATE_VOLUME_PERMISSION",
                         "createVolumePermission": {"add": {"items": [{"group": "all"}]}}});
        assert_eq!(c.ignore_call(&call(add)), None);
        let add_user = json!({"createVolumePermission": {"add": {"items": [{"userId": "111122223333"}]},
                                                          "remove": {"items": [{"group": "all"}]}}});
        assert_eq!(c.ignore_call(&call(add_user)), None);
        // A shape we don't recognise is checked rather than ignored.
        assert_eq!(c.ignore_call(&call(json!({"snapshotId": "snap-0123456789abcdef0"}))), None);

        let remove = json!({"createVolumePermission": {"remove": {"items": [{"group": "all"}]}}});
        assert!(c.ignore_call(&call(remove)).unwrap().contains("granted nothing (it removed 1 permission)"));
        let empty_add = json!({"createVolumePermission": {"add": {"items": []}}});
        assert!(c.ignore_call(&call(empty_add)).is_some());
        let product_codes = json!({"attributeType": "PRODUCT_CODES"});
        assert!(c.ignore_call(&call(product_codes)).unwrap().contains("PRODUCT_CODES"));
    }

    #[test]
    fn public_or_outside_the_allow_list_is_noncompliant() {
        let plain = control(None);
        assert!(plain.is_compliant(&plain.sharing(false, vec!["444455556666".into()])));
        assert!(!plain.is_compliant(&plain.sharing(true, vec![])));
        let listed = control(Some(&["111122223333"]));
        let s = listed.sharing(false, vec!["444455556666".into(), "111122223333".into(), "111122223333".into()]);
        assert_eq!(s.accounts, ["111122223333", "444455556666"]);
        assert_eq!(s.accounts_not_allowed.as_deref(), Some(&["444455556666".to_owned()][..]));
        assert!(!listed.is_compliant(&s));
        assert!(listed.is_compliant(&listed.sharing(false, vec!["111122223333".into()])));
        assert_eq!(serde_json::to_value(plain.sharing(true, vec![])).unwrap(), json!({"public": true, "accounts": []}));
    }

    #[test]
    fn a_state_round_trips_through_its_json() {
        let plain = control(None);
        let listed = control(Some(&["111122223333"]));
        for state in [
            Sharing::default(),
            plain.sharing(true, vec!["444455556666".into()]),
            listed.sharing(false, vec!["444455556666".into(), "111122223333".into()]),
            listed.sharing(false, vec![]),
        ] {
            let json = serde_json::to_value(&state).unwrap();
            assert_eq!(serde_json::from_value::<Sharing>(json).unwrap(), state);
        }
    }

    /// Undo resolves the report's `resource` (what `arn` gave) with the recorded account and region.
    #[test]
    fn the_reported_name_resolves_to_the_same_snapshot() {
        let c = control(None);
        for (partition, region) in [("aws", "eu-west-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")] {
            let snap = Snapshot::new("snap-0123456789abcdef0");
            let arn = c.arn(&snap, partition, "111122223333", region);
            let r = ResourceRef {
                id: arn.clone(),
                account: Some("111122223333".into()),
                region: Some(region.into()),
                ..Default::default()
            };
            assert_eq!(
                c.resolve(&r),
                Ok(Resolved::Target {
                    target: snap,
                    account: Some("111122223333".into()),
                    region: Some(region.into())
                }),
                "{arn}"
            );
        }
    }

    async fn restore(c: &EbsSnapshotRevokePublic, before: &Sharing, now: &Sharing) -> Result<String> {
        // No AWS call is made: an unroutable client proves it.
        let config = aws_sdk_ec2::Config::builder()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new("eu-west-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        let client = aws_sdk_ec2::Client::from_conf(config);
        let cx =
            Cx { client: &client, account: "123456789012", region: "eu-west-1", now: std::time::SystemTime::now() };
        c.restore(&cx, &Snapshot::new("snap-0123456789abcdef0"), before, now).await
    }

    #[tokio::test]
    async fn undo_never_shares_and_gives_the_exact_commands_instead() {
        let listed = control(Some(&["111122223333"]));
        let before = listed.sharing(true, vec!["111122223333".into(), "444455556666".into(), "555566667777".into()]);
        let now = listed.sharing(false, vec!["111122223333".into()]);
        let Err(remediation_core::Error::NeedsAction(what)) = restore(&listed, &before, &now).await else {
            panic!("a needs-action refusal")
        };
        assert_eq!(
            what,
            "undo would share snap-0123456789abcdef0 again with the group all (anyone can restore it) and accounts \
             444455556666, 555566667777, and this function's role may never share a snapshot, so nothing was \
             written; to put it back yourself in account 123456789012, first tag it so that this function leaves \
             it alone (aws ec2 create-tags --region eu-west-1 --resources snap-0123456789abcdef0 --tags \
             Key=auto-remediation,Value=skip), then run: aws ec2 modify-snapshot-attribute --region eu-west-1 \
             --snapshot-id snap-0123456789abcdef0 --attribute createVolumePermission --operation-type add \
             --group-names all --user-ids 444455556666 555566667777"
        );

        // Only the group: no --user-ids. A tag key alone; no tag at all.
        let plain = EbsSnapshotRevokePublic {
            exempt_tag: Some(ExemptTag { key: "keep".into(), value: None }),
            ..control(None)
        };
        let what = restore(&plain, &plain.sharing(true, vec![]), &plain.sharing(false, vec![])).await.unwrap_err();
        let what = what.to_string();
        assert!(what.contains("with the group all (anyone can restore it), and"), "{what}");
        assert!(
            what.contains("--tags Key=keep)") && what.ends_with("--operation-type add --group-names all"),
            "{what}"
        );
        let untagged = EbsSnapshotRevokePublic { exempt_tag: None, ..control(None) };
        let what = restore(&untagged, &plain.sharing(true, vec![]), &plain.sharing(false, vec![])).await.unwrap_err();
        assert!(what.to_string().contains("first exempt it from this function (an exception in EXCEPTIONS_PARAMETER"));

        // Nothing missing (cannot follow a real fix, but must not invent a write).
        let same = plain.sharing(false, vec!["111122223333".into()]);
        assert_eq!(restore(&plain, &same, &same).await.unwrap(), "nothing the fix removed is missing: no write");
    }
}
