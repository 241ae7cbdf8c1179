//! ebs-snapshot-revoke-public against the emulator: every trigger shape, permissions read back with
//! DescribeSnapshotAttribute.

use std::sync::Arc;
use std::time::Instant;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{OperationType, PermissionGroup, ResourceType, SnapshotAttributeName, Tag, TagSpecification};
use ebs_snapshot_revoke_public::EbsSnapshotRevokePublic;
use integration_tests::*;
use remediation_core::{Error, Outcome, Report, Runtime, TargetResult};
use serde_json::{json, Value};

type Rt = Runtime<EbsSnapshotRevokePublic>;

const PLACEHOLDER: &str = "snap-0123456789abcdef0";
const FRIEND: &str = "111122223333";
const STRANGER: &str = "444455556666";

fn ec2(config: &SdkConfig) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(config)
}

async fn volume(ec2: &aws_sdk_ec2::Client) -> String {
    ec2.create_volume()
        .size(1)
        .availability_zone(format!("{}a", region_of(ec2)))
        .send()
        .await
        .unwrap()
        .volume_id
        .unwrap()
}

fn region_of(ec2: &aws_sdk_ec2::Client) -> String {
    ec2.config().region().unwrap().to_string()
}

/// A snapshot of `volume`, restorable by `all` when `public`, shared with `accounts`, with `tags`.
async fn snapshot_of(
    ec2: &aws_sdk_ec2::Client,
    volume: &str,
    public: bool,
    accounts: &[&str],
    tags: &[(&str, &str)],
) -> String {
    let mut create = ec2.create_snapshot().volume_id(volume);
    if !tags.is_empty() {
        let mut spec = TagSpecification::builder().resource_type(ResourceType::Snapshot);
        for (k, v) in tags {
            spec = spec.tags(Tag::builder().key(*k).value(*v).build());
        }
        create = create.tag_specifications(spec.build());
    }
    let id = create.send().await.unwrap().snapshot_id.unwrap();
    if public || !accounts.is_empty() {
        let mut add = ec2
            .modify_snapshot_attribute()
            .snapshot_id(&id)
            .attribute(SnapshotAttributeName::CreateVolumePermission)
            .operation_type(OperationType::Add)
            .set_user_ids(Some(accounts.iter().map(|a| a.to_string()).collect()));
        if public {
            add = add.group_names("all");
        }
        add.send().await.unwrap();
    }
    id
}

async fn snapshot(ec2: &aws_sdk_ec2::Client, public: bool, accounts: &[&str], tags: &[(&str, &str)]) -> String {
    let volume = volume(ec2).await;
    snapshot_of(ec2, &volume, public, accounts, tags).await
}

/// `createVolumePermission` as EC2 reports it: (restorable by all, accounts sorted).
async fn permissions(ec2: &aws_sdk_ec2::Client, snapshot_id: &str) -> (bool, Vec<String>) {
    let out = ec2
        .describe_snapshot_attribute()
        .snapshot_id(snapshot_id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .unwrap();
    let public = out.create_volume_permissions().iter().any(|p| p.group() == Some(&PermissionGroup::All));
    let mut accounts: Vec<String> =
        out.create_volume_permissions().iter().filter_map(|p| p.user_id()).map(str::to_owned).collect();
    accounts.sort();
    (public, accounts)
}

fn private(accounts: &[&str]) -> (bool, Vec<String>) {
    (false, accounts.iter().map(|a| a.to_string()).collect())
}

fn public(accounts: &[&str]) -> (bool, Vec<String>) {
    (true, accounts.iter().map(|a| a.to_string()).collect())
}

/// An events/ sample with its placeholder snapshot and account replaced.
fn sample(file: &str, snapshot_id: &str, account: &str) -> Value {
    let text = event(&format!("ebs-snapshot-revoke-public/{file}")).to_string();
    serde_json::from_str(&text.replace(PLACEHOLDER, snapshot_id).replace(ACCOUNT, account)).unwrap()
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

fn result<'a>(report: &'a Report, snapshot_id: &str) -> &'a TargetResult {
    report
        .results
        .iter()
        .find(|r| r.resource.ends_with(&format!(":snapshot/{snapshot_id}")))
        .unwrap_or_else(|| panic!("{snapshot_id} not in {report:#?}"))
}

/// The EC2 calls the proxy saw (the STS call that learns the own account once per cold start left out).
fn ec2_calls(proxy: &Proxy) -> Vec<String> {
    proxy.requests().into_iter().map(|r| r.operation).filter(|o| o != "GetCallerIdentity").collect()
}

fn count(proxy: &Proxy, operation: &str) -> usize {
    proxy.requests().iter().filter(|r| r.operation == operation).count()
}

fn arn(snapshot_id: &str, account: &str, region: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:snapshot/{snapshot_id}")
}

/// An EC2 query-protocol error body.
fn ec2_error(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>{message}\
         </Message></Error></Errors><RequestID>injected</RequestID></Response>"
    )
}

/// A DescribeSnapshots answer listing `snapshots` (id, owner), with an optional next-page token.
fn describe_snapshots_page(snapshots: &[(&str, &str)], next_token: Option<&str>) -> String {
    let items: String = snapshots
        .iter()
        .map(|(id, owner)| {
            format!(
                "<item><snapshotId>{id}</snapshotId><volumeId>vol-0123456789abcdef0</volumeId><status>completed\
                 </status><ownerId>{owner}</ownerId><volumeSize>1</volumeSize><encrypted>false</encrypted><tagSet/>\
                 </item>"
            )
        })
        .collect();
    let token = next_token.map(|t| format!("<nextToken>{t}</nextToken>")).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeSnapshotsResponse \
         xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>injected</requestId><snapshotSet>{items}\
         </snapshotSet>{token}</DescribeSnapshotsResponse>"
    )
}

struct Setup {
    proxy: Proxy,
    config: SdkConfig,
    ec2: aws_sdk_ec2::Client,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let ec2 = ec2(&config);
    Setup { proxy, config, ec2 }
}

/// A fresh account, so a sweep sees only this test's snapshots.
async fn fresh_account(proxy: &Proxy, region: &str) -> (String, SdkConfig, aws_sdk_ec2::Client) {
    let account = unique_account();
    let config = proxy.sdk_config_in(&account, region).await;
    let ec2 = ec2(&config);
    (account, config, ec2)
}

#[tokio::test]
async fn every_snapshot_trigger_shape_revokes_public_access() {
    let s = setup().await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    for (file, kind) in [
        ("cloudtrail.json", "cloudtrail"),
        ("manual.json", "manual"),
        ("securityhub.json", "securityhub"),
        ("config-noncompliant.json", "config"),
    ] {
        let id = snapshot(&s.ec2, true, &[], &[]).await;
        let mut event = sample(file, &id, ACCOUNT);
        match file {
            // EC2.1 findings name the account; a finding that names a snapshot is acted on directly.
            "securityhub.json" => {
                set(&mut event, "/detail/findings/0/Resources/0/Type", "AwsEc2Snapshot");
                set(&mut event, "/detail/findings/0/Resources/0/Id", &arn(&id, ACCOUNT, REGION));
            }
            // A custom Config rule that evaluates snapshots names one.
            "config-noncompliant.json" => {
                set(&mut event, "/detail/resourceType", "AWS::EC2::Snapshot");
                set(&mut event, "/detail/resourceId", &id);
            }
            _ => {}
        }
        assert_eq!(permissions(&s.ec2, &id).await, public(&[]));
        let report = rt.handle(&event).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind);
        let r = only(&report);
        assert_eq!(
            (r.outcome, r.resource.as_str()),
            (Outcome::Remediated, arn(&id, ACCOUNT, REGION).as_str()),
            "{file}"
        );
        assert_eq!((r.account.as_str(), r.region.as_str()), (ACCOUNT, REGION));
        assert_eq!(r.detail, "removed createVolumePermission for group all");
        assert_eq!(r.before, json!({"public": true, "accounts": []}));
        assert_eq!(r.after, json!({"public": false, "accounts": []}));
        assert_eq!(permissions(&s.ec2, &id).await, private(&[]), "{file}: read back from EC2");
    }
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 4, "one SNS message per invocation that changed something");
    for m in &messages {
        let attrs = &m["MessageAttributes"];
        assert_eq!(attrs["control"]["Value"], "ebs-snapshot-revoke-public");
        assert_eq!(attrs["outcome"]["Value"], "remediated");
        assert_eq!(attrs["region"]["Value"], REGION);
    }
}

#[tokio::test]
async fn every_account_trigger_shape_sweeps_the_region() {
    let s = setup().await;
    for file in ["config-noncompliant.json", "securityhub.json", "schedule.json", "manual-sweep.json"] {
        let (account, config, ec2) = fresh_account(&s.proxy, REGION).await;
        let vol = volume(&ec2).await;
        let open = snapshot_of(&ec2, &vol, true, &[], &[]).await;
        let open_shared = snapshot_of(&ec2, &vol, true, &[FRIEND], &[]).await;
        let closed = snapshot_of(&ec2, &vol, false, &[FRIEND], &[]).await;
        let rt: Rt = s.proxy.runtime(config.clone(), &[]).await;
        // manual-sweep.json names no account: the function's own (this fresh one) is swept.
        let report = rt.handle(&sample(file, "unused", &account)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(report.results.len(), 3, "{file}: {report:#?}");
        assert_eq!(result(&report, &open).outcome, Outcome::Remediated, "{file}");
        assert_eq!(result(&report, &open_shared).outcome, Outcome::Remediated, "{file}");
        assert_eq!(result(&report, &closed).outcome, Outcome::AlreadyCompliant, "{file}");
        assert!(report.results.iter().all(|r| r.account == account && r.region == REGION), "{report:#?}");
        assert_eq!(permissions(&ec2, &open).await, private(&[]), "{file}");
        assert_eq!(permissions(&ec2, &open_shared).await, private(&[FRIEND]), "{file}: the account share is kept");
        assert_eq!(permissions(&ec2, &closed).await, private(&[FRIEND]), "{file}");
    }
}

#[tokio::test]
async fn sweeps_cover_the_events_region_or_the_target_regions() {
    let s = setup().await;
    let (account, config, east) = fresh_account(&s.proxy, REGION).await;
    let west = ec2(&s.proxy.sdk_config_in(&account, "eu-west-1").await);
    let in_east = snapshot(&east, true, &[], &[]).await;
    let in_west = snapshot(&west, true, &[], &[]).await;

    // A Config evaluation in eu-west-1 sweeps eu-west-1 only.
    let rt: Rt = s.proxy.runtime(config.clone(), &[]).await;
    let mut event = sample("config-noncompliant.json", "unused", &account);
    set(&mut event, "/detail/awsRegion", "eu-west-1");
    set(&mut event, "/region", "eu-west-1");
    let report = rt.handle(&event).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.region.as_str()), (Outcome::Remediated, "eu-west-1"));
    assert_eq!(r.resource, arn(&in_west, &account, "eu-west-1"));
    assert_eq!(permissions(&west, &in_west).await, private(&[]));
    assert_eq!(permissions(&east, &in_east).await, public(&[]), "another region is not the event's");

    // The schedule sweeps TARGET_REGIONS.
    let west_again = snapshot(&west, true, &[], &[]).await;
    let rt: Rt = s.proxy.runtime(config, &[("TARGET_REGIONS", "us-east-1,eu-west-1")]).await;
    let report = rt.handle(&sample("schedule.json", "unused", &account)).await.unwrap();
    assert_eq!(result(&report, &in_east).outcome, Outcome::Remediated);
    assert_eq!(result(&report, &west_again).outcome, Outcome::Remediated);
    assert_eq!(result(&report, &in_west).outcome, Outcome::AlreadyCompliant);
    assert_eq!(permissions(&east, &in_east).await, private(&[]));
    assert_eq!(permissions(&west, &west_again).await, private(&[]));
}

#[tokio::test]
async fn private_account_shares_are_kept() {
    let s = setup().await;
    let id = snapshot(&s.ec2, true, &[FRIEND, STRANGER], &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let report = rt.handle(&json!({ "resource_id": id })).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(r.detail, "removed createVolumePermission for group all; kept 2 account shares");
    assert_eq!(r.before, json!({"public": true, "accounts": [FRIEND, STRANGER]}));
    assert_eq!(r.after, json!({"public": false, "accounts": [FRIEND, STRANGER]}));
    assert_eq!(permissions(&s.ec2, &id).await, private(&[FRIEND, STRANGER]));
}

#[tokio::test]
async fn allow_list_mode_revokes_accounts_outside_the_list() {
    let s = setup().await;
    let (account, config, ec2) = fresh_account(&s.proxy, REGION).await;
    let vol = volume(&ec2).await;
    let stranger_only = snapshot_of(&ec2, &vol, false, &[FRIEND, STRANGER], &[]).await;
    let open = snapshot_of(&ec2, &vol, true, &[FRIEND, STRANGER], &[]).await;
    let friend_only = snapshot_of(&ec2, &vol, false, &[FRIEND], &[]).await;
    let rt: Rt = s.proxy.runtime(config, &[("SNAPSHOT_ALLOWED_ACCOUNTS", &format!("{FRIEND},999988887777"))]).await;

    let report = rt.handle(&json!({ "resource_id": stranger_only })).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(
        r.detail,
        format!("removed 1 account outside SNAPSHOT_ALLOWED_ACCOUNTS: {STRANGER}; kept 1 account share")
    );
    assert_eq!(r.before, json!({"public": false, "accounts": [FRIEND, STRANGER], "accounts_not_allowed": [STRANGER]}));
    assert_eq!(r.after, json!({"public": false, "accounts": [FRIEND], "accounts_not_allowed": []}));
    assert_eq!(permissions(&ec2, &stranger_only).await, private(&[FRIEND]));

    // A sweep with an allow-list lists every owned snapshot, not only public ones: a private share
    // with a stranger is found too.
    let again = snapshot_of(&ec2, &vol, false, &[STRANGER], &[]).await;
    let report = rt.handle(&json!({ "sweep": true })).await.unwrap();
    assert_eq!(report.results.len(), 4, "{report:#?}");
    let r = result(&report, &open);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert_eq!(
        r.detail,
        format!(
            "removed createVolumePermission for group all; removed 1 account outside SNAPSHOT_ALLOWED_ACCOUNTS: \
             {STRANGER}; kept 1 account share"
        )
    );
    assert_eq!(result(&report, &again).outcome, Outcome::Remediated);
    assert_eq!(result(&report, &friend_only).outcome, Outcome::AlreadyCompliant);
    assert_eq!(result(&report, &stranger_only).outcome, Outcome::AlreadyCompliant);
    assert!(report.results.iter().all(|r| r.account == account));
    assert_eq!(permissions(&ec2, &open).await, private(&[FRIEND]));
    assert_eq!(permissions(&ec2, &again).await, private(&[]));
    assert_eq!(permissions(&ec2, &friend_only).await, private(&[FRIEND]));
}

#[tokio::test]
async fn already_private_snapshot_gets_no_write() {
    let s = setup().await;
    let id = snapshot(&s.ec2, false, &[FRIEND], &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("cloudtrail.json", &id, ACCOUNT)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::AlreadyCompliant);
    assert_eq!(r.before, json!({"public": false, "accounts": [FRIEND]}));
    assert_eq!(r.after, Value::Null);
    // An event about a change: the owner and the permissions are read at once (issue 20).
    let mut calls = ec2_calls(&s.proxy);
    calls.sort();
    assert_eq!(calls, ["DescribeSnapshotAttribute", "DescribeSnapshots"], "two reads, no write");
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    assert_eq!(permissions(&s.ec2, &id).await, private(&[FRIEND]));

    // A sweep of an account whose snapshots are all private writes nothing either.
    let (_, config, ec2) = fresh_account(&s.proxy, REGION).await;
    let vol = volume(&ec2).await;
    for _ in 0..3 {
        snapshot_of(&ec2, &vol, false, &[FRIEND], &[]).await;
    }
    let rt: Rt = s.proxy.runtime(config, &[]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "sweep": true })).await.unwrap();
    assert_eq!(report.results.len(), 3);
    assert!(report.results.iter().all(|r| r.outcome == Outcome::AlreadyCompliant), "{report:#?}");
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
}

#[tokio::test]
async fn exempt_by_tag_and_by_list_are_untouched() {
    let s = setup().await;
    let tagged = snapshot(&s.ec2, true, &[], &[("auto-remediation", "skip"), ("team", "data")]).await;
    let by_id = snapshot(&s.ec2, true, &[], &[]).await;
    let by_arn = snapshot(&s.ec2, true, &[], &[]).await;
    let by_iam_arn = snapshot(&s.ec2, true, &[], &[]).await;
    let listed = format!("{by_id},{},arn:aws:ec2:{REGION}::snapshot/{by_iam_arn}", arn(&by_arn, ACCOUNT, REGION));
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("EXEMPT_RESOURCES", &listed)]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_ids": [tagged, by_id, by_arn, by_iam_arn] })).await.unwrap();
    assert_eq!(report.results.len(), 4);
    assert!(report.results.iter().all(|r| r.outcome == Outcome::Exempt), "{report:#?}");
    assert_eq!(result(&report, &tagged).detail, "tagged auto-remediation=skip");
    assert!(result(&report, &by_iam_arn).detail.contains("listed in EXEMPT_RESOURCES"));
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    for id in [&tagged, &by_id, &by_arn, &by_iam_arn] {
        assert_eq!(permissions(&s.ec2, id).await, public(&[]), "{id} untouched");
    }

    // In a sweep the tags come from the listing: no DescribeSnapshots per snapshot.
    let (account, config, ec2) = fresh_account(&s.proxy, REGION).await;
    let keep = snapshot(&ec2, true, &[], &[("keep-public", "yes")]).await;
    let fix = snapshot(&ec2, true, &[], &[("keep-public", "no")]).await;
    let rt: Rt = s.proxy.runtime(config, &[("EXEMPT_TAG", "keep-public=yes")]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("schedule.json", "unused", &account)).await.unwrap();
    assert_eq!(result(&report, &keep).outcome, Outcome::Exempt);
    assert_eq!(result(&report, &fix).outcome, Outcome::Remediated);
    assert_eq!(count(&s.proxy, "DescribeSnapshots"), 1, "one listing, no describe per snapshot");
    assert_eq!(permissions(&ec2, &keep).await, public(&[]));
    assert_eq!(permissions(&ec2, &fix).await, private(&[]));
}

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    let id = snapshot(&s.ec2, true, &[FRIEND], &[]).await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_id": id, "dry_run": true })).await.unwrap();
    assert!(report.dry_run);
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::WouldRemediate);
    assert_eq!(r.before, json!({"public": true, "accounts": [FRIEND]}));
    let writes: Vec<_> = s.proxy.writes().into_iter().filter(|r| r.operation != "Publish").collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert_eq!(permissions(&s.ec2, &id).await, public(&[FRIEND]));
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["MessageAttributes"]["outcome"]["Value"], "would_remediate");

    let env_dry: Rt = s.proxy.runtime(s.config.clone(), &[("DRY_RUN", "true")]).await;
    s.proxy.clear();
    let report = env_dry.handle(&sample("cloudtrail.json", &id, ACCOUNT)).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(only(&report).outcome, Outcome::WouldRemediate);
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    assert_eq!(permissions(&s.ec2, &id).await, public(&[FRIEND]));
}

#[tokio::test]
async fn deleted_snapshot_is_not_found() {
    let s = setup().await;
    let id = snapshot(&s.ec2, true, &[], &[]).await;
    s.ec2.delete_snapshot().snapshot_id(&id).send().await.unwrap();
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.clear();
    for event in [sample("cloudtrail.json", &id, ACCOUNT), json!({ "resource_id": "snap-0000000000000dead" })] {
        let report = rt.handle(&event).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::NotFound, "{r:?}");
        assert_eq!(r.before, Value::Null);
    }
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
}

#[tokio::test]
async fn snapshot_of_another_account_is_not_touched() {
    let s = setup().await;
    let (other, _, other_ec2) = fresh_account(&s.proxy, REGION).await;
    let theirs = snapshot(&other_ec2, true, &[ACCOUNT], &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;

    // The emulator keeps accounts apart: our DescribeSnapshots does not see their snapshot at all.
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_id": theirs })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::NotFound);
    assert!(s.proxy.writes().is_empty());
    assert_eq!(permissions(&other_ec2, &theirs).await, public(&[ACCOUNT]));

    // AWS lists a public snapshot of another account to everyone, with its owner: what it answers
    // is injected here. It is reported as exempt; an event about a change reads the permissions at the
    // same time as the owner (issue 20), and that read's answer is not used.
    let answer = describe_snapshots_page(&[(&theirs, &other)], None);
    s.proxy.inject(Fault {
        matches: |r| r.operation == "DescribeSnapshots",
        status: 200,
        body: answer,
        times: Some(1),
    });
    s.proxy.clear();
    let report = rt.handle(&sample("cloudtrail.json", &theirs, ACCOUNT)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Exempt);
    assert_eq!(
        r.detail,
        format!("owned by account {other}, not {ACCOUNT}: only its owner can change who may restore it")
    );
    let calls = ec2_calls(&s.proxy);
    assert!(calls.iter().all(|c| c == "DescribeSnapshots" || c == "DescribeSnapshotAttribute"), "{calls:?}");
    assert_eq!(calls.iter().filter(|c| *c == "DescribeSnapshots").count(), 1, "{calls:?}");
    assert_eq!(permissions(&other_ec2, &theirs).await, public(&[ACCOUNT]));

    // The owner's own function (or ours through the member role) does fix it.
    let member: Rt = s.proxy.runtime(s.config.clone(), &[("MEMBER_ROLE_NAME", "RemediationMember")]).await;
    let report = member.handle(&sample("cloudtrail.json", &theirs, &other)).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.account.as_str()), (Outcome::Remediated, other.as_str()));
    assert_eq!(permissions(&other_ec2, &theirs).await, private(&[ACCOUNT]));
}

#[tokio::test]
async fn sweep_of_300_snapshots_fixes_every_public_one() {
    const TOTAL: usize = 300;
    let s = setup().await;
    let (account, config, ec2) = fresh_account(&s.proxy, REGION).await;
    let vol = volume(&ec2).await;
    // Every third snapshot public, every fifth shared with a friend, every 29th public but exempt.
    let kind =
        |i: usize| (i.is_multiple_of(3), if i.is_multiple_of(5) { vec![FRIEND] } else { vec![] }, i.is_multiple_of(29));
    let setup_started = Instant::now();
    let limit = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..TOTAL {
        let (ec2, vol, limit) = (ec2.clone(), vol.clone(), limit.clone());
        let (is_public, accounts, exempt) = kind(i);
        tasks.spawn(async move {
            let _slot = limit.acquire().await.unwrap();
            let tags: &[(&str, &str)] = if exempt { &[("auto-remediation", "skip")] } else { &[] };
            (i, snapshot_of(&ec2, &vol, is_public, &accounts, tags).await)
        });
    }
    let mut ids = vec![String::new(); TOTAL];
    while let Some(done) = tasks.join_next().await {
        let (i, id) = done.unwrap();
        ids[i] = id;
    }
    let setup_time = setup_started.elapsed();

    let rt: Rt = s.proxy.runtime(config, &[]).await;
    s.proxy.clear();
    let started = Instant::now();
    let report = rt.handle(&json!({ "sweep": true })).await.unwrap();
    let sweep_time = started.elapsed();

    let fixed = (0..TOTAL).filter(|i| kind(*i).0 && !kind(*i).2).count();
    let exempt = (0..TOTAL).filter(|i| kind(*i).2).count();
    assert_eq!(report.results.len(), TOTAL);
    let by_outcome = |o: Outcome| report.results.iter().filter(|r| r.outcome == o).count();
    assert_eq!(by_outcome(Outcome::Remediated), fixed, "{report:#?}");
    assert_eq!(by_outcome(Outcome::Exempt), exempt);
    assert_eq!(by_outcome(Outcome::AlreadyCompliant), TOTAL - fixed - exempt);
    assert!(report.results.iter().all(|r| r.account == account));
    // Per snapshot: one permission read; per public one a write and a read-back. Owner and tags come
    // from the one listing page (the emulator ignores MaxResults and answers in one page).
    assert_eq!(count(&s.proxy, "DescribeSnapshots"), 1);
    assert_eq!(count(&s.proxy, "DescribeSnapshotAttribute"), TOTAL - exempt + fixed);
    assert_eq!(count(&s.proxy, "ModifySnapshotAttribute"), fixed);
    println!(
        "sweep of {TOTAL} snapshots ({fixed} public fixed, {exempt} exempt): {:.2}s ({} requests); setup {:.2}s",
        sweep_time.as_secs_f64(),
        s.proxy.requests().len(),
        setup_time.as_secs_f64()
    );

    for (i, id) in ids.iter().enumerate() {
        let (is_public, accounts, exempt) = kind(i);
        assert_eq!(
            permissions(&ec2, id).await,
            (is_public && exempt, accounts.iter().map(|a| a.to_string()).collect()),
            "snapshot {i}"
        );
    }
}

#[tokio::test]
async fn sweep_follows_every_listing_page() {
    let s = setup().await;
    let (account, config, ec2) = fresh_account(&s.proxy, REGION).await;
    let vol = volume(&ec2).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(snapshot_of(&ec2, &vol, true, &[], &[]).await);
    }
    // The emulator answers in one page; AWS pages by NextToken. Two pages are injected, naming three
    // of the four snapshots: exactly those are handled.
    let first = describe_snapshots_page(&[(&ids[0], &account), (&ids[1], &account)], Some("page-2"));
    let second = describe_snapshots_page(&[(&ids[2], &account)], None);
    for body in [first, second] {
        s.proxy.inject(Fault { matches: |r| r.operation == "DescribeSnapshots", status: 200, body, times: Some(1) });
    }
    let rt: Rt = s.proxy.runtime(config, &[]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "sweep": true })).await.unwrap();
    assert_eq!(report.results.len(), 3, "{report:#?}");
    assert!(report.results.iter().all(|r| r.outcome == Outcome::Remediated), "{report:#?}");
    assert_eq!(count(&s.proxy, "DescribeSnapshots"), 2);
    for id in &ids[..3] {
        assert_eq!(permissions(&ec2, id).await, private(&[]));
    }
    assert_eq!(permissions(&ec2, &ids[3]).await, public(&[]), "not listed, not touched");
}

#[tokio::test]
async fn throttled_calls_are_retried() {
    let s = setup().await;
    let id = snapshot(&s.ec2, true, &[], &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.inject(Fault {
        matches: |r| r.operation == "DescribeSnapshotAttribute",
        status: 503,
        body: ec2_error("RequestLimitExceeded", "Request limit exceeded."),
        times: Some(2),
    });
    let report = rt.handle(&json!({ "resource_id": id })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Remediated);
    assert_eq!(s.proxy.injected(), 2);
    assert_eq!(permissions(&s.ec2, &id).await, private(&[]));
}

#[tokio::test]
async fn a_write_that_changes_nothing_is_a_failure() {
    // What the emulator does with the structured CreateVolumePermission form: 200 and no change.
    let s = setup().await;
    let id = snapshot(&s.ec2, true, &[], &[]).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.inject(Fault {
        matches: |r| r.operation == "ModifySnapshotAttribute",
        status: 200,
        body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ModifySnapshotAttributeResponse \
               xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>injected</requestId><return>true</return>\
               </ModifySnapshotAttributeResponse>"
            .into(),
        times: None,
    });
    let err = rt.handle(&json!({ "resource_id": id })).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    assert!(err.to_string().contains("but the read-back is still noncompliant"), "{err}");
    assert_eq!(permissions(&s.ec2, &id).await, public(&[]));
}

#[tokio::test]
async fn one_failing_snapshot_does_not_stop_the_others() {
    let s = setup().await;
    let (_, config, ec2) = fresh_account(&s.proxy, REGION).await;
    let vol = volume(&ec2).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(snapshot_of(&ec2, &vol, true, &[], &[]).await);
    }
    let subscriber = Subscriber::new(&config).await;
    let rt: Rt = s.proxy.runtime(config, &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.inject(Fault {
        matches: |r| r.operation == "ModifySnapshotAttribute",
        status: 403,
        body: ec2_error("UnauthorizedOperation", "You are not authorized to perform this operation."),
        times: Some(1),
    });
    let err = rt.handle(&json!({ "sweep": true })).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    assert!(err.to_string().contains("UnauthorizedOperation"), "{err}");
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1, "the report is sent before the invocation fails");
    let report: Report = serde_json::from_str(messages[0]["Message"].as_str().unwrap()).unwrap();
    assert_eq!(report.results.len(), 6);
    let failed: Vec<_> = report.results.iter().filter(|r| r.outcome == Outcome::Failed).collect();
    assert_eq!(failed.len(), 1, "{report:#?}");
    assert!(
        failed[0].detail.contains("ec2:ModifySnapshotAttribute") && failed[0].detail.contains("UnauthorizedOperation")
    );
    for id in &ids {
        let still_public = failed[0].resource.ends_with(id.as_str());
        assert_eq!(permissions(&ec2, id).await, (still_public, vec![]), "{id}");
    }
}

#[tokio::test]
async fn events_with_nothing_to_do_are_ignored_without_aws_calls() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let id = "snap-0123456789abcdef1";
    let mut own = sample("cloudtrail.json", id, ACCOUNT);
    set(
        &mut own,
        "/detail/userIdentity/arn",
        "arn:aws:sts::123456789012:assumed-role/remediation/ebs-snapshot-revoke-public",
    );
    let mut own_in_member = sample("cloudtrail.json", id, ACCOUNT);
    set(
        &mut own_in_member,
        "/detail/userIdentity/arn",
        "arn:aws:sts::123456789012:assumed-role/RemediationMember/auto-remediation-ebs-snapshot-revoke-public",
    );
    let mut own_removal = sample("cloudtrail-remove.json", id, ACCOUNT);
    set(&mut own_removal, "/detail/userIdentity/arn", "arn:aws:sts::123456789012:assumed-role/x/someone-else");
    let mut failed_call = sample("cloudtrail.json", id, ACCOUNT);
    failed_call["detail"]["errorCode"] = json!("Client.UnauthorizedOperation");
    let mut product_codes = sample("cloudtrail.json", id, ACCOUNT);
    product_codes["detail"]["requestParameters"] = json!({"snapshotId": id, "attributeType": "PRODUCT_CODES"});
    let mut other_call = sample("cloudtrail.json", id, ACCOUNT);
    set(&mut other_call, "/detail/eventName", "CreateSnapshot");
    let mut compliant = sample("config-noncompliant.json", id, ACCOUNT);
    set(&mut compliant, "/detail/newEvaluationResult/complianceType", "COMPLIANT");
    let mut other_type = sample("config-noncompliant.json", id, ACCOUNT);
    set(&mut other_type, "/detail/resourceType", "AWS::EC2::Volume");
    let mut other_control = sample("securityhub.json", id, ACCOUNT);
    set(&mut other_control, "/detail/findings/0/Compliance/SecurityControlId", "EC2.7");
    let mut passed = sample("securityhub.json", id, ACCOUNT);
    set(&mut passed, "/detail/findings/0/Compliance/Status", "PASSED");
    for (payload, says) in [
        (sample("cloudtrail-remove.json", id, ACCOUNT), "granted nothing (it removed 1 permission)"),
        (own_removal, "granted nothing"),
        (own, "made by this function (ebs-snapshot-revoke-public)"),
        (own_in_member, "made by this function (auto-remediation-ebs-snapshot-revoke-public)"),
        (failed_call, "failed with Client.UnauthorizedOperation"),
        (product_codes, "changed PRODUCT_CODES"),
        (other_call, "CreateSnapshot is not a call"),
        (compliant, "COMPLIANT"),
        (other_type, "AWS::EC2::Volume is not handled"),
        (other_control, "no FAILED finding for EC2.1"),
        (passed, "no FAILED, ACTIVE finding"),
    ] {
        let report = rt.handle(&payload).await.unwrap_or_else(|e| panic!("{payload}: {e}"));
        assert!(report.results.is_empty());
        assert!(report.ignored.as_deref().unwrap_or_default().contains(says), "{:?} vs {says}", report.ignored);
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", s.proxy.requests());
}

#[tokio::test]
async fn invalid_events_are_rejected_before_any_aws_call() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let mut numeric_id = sample("cloudtrail.json", PLACEHOLDER, ACCOUNT);
    numeric_id["detail"]["requestParameters"]["snapshotId"] = json!(42);
    let mut volume_id = sample("cloudtrail.json", PLACEHOLDER, ACCOUNT);
    set(&mut volume_id, "/detail/requestParameters/snapshotId", "vol-0123456789abcdef0");
    let mut wrong_partition = sample("securityhub.json", PLACEHOLDER, ACCOUNT);
    set(&mut wrong_partition, "/detail/findings/0/Resources/0/Type", "AwsEc2Snapshot");
    set(
        &mut wrong_partition,
        "/detail/findings/0/Resources/0/Id",
        "arn:aws-cn:ec2:cn-north-1:123456789012:snapshot/snap-0123456789abcdef0",
    );
    let mut other_account = sample("securityhub.json", PLACEHOLDER, ACCOUNT);
    set(&mut other_account, "/detail/findings/0/Resources/0/Id", "AWS::::Account:111122223333");
    let mut no_resources = sample("securityhub.json", PLACEHOLDER, ACCOUNT);
    no_resources["detail"]["findings"][0]["Resources"] = json!("AWS::::Account:123456789012");
    let mut no_detail = sample("config-noncompliant.json", PLACEHOLDER, ACCOUNT);
    no_detail.as_object_mut().unwrap().remove("detail");
    for (payload, says) in [
        (json!(null), "must be a JSON object"),
        (json!({}), "name a resource"),
        (json!({ "resource_id": "vol-0123456789abcdef0" }), "not an EBS snapshot id"),
        (json!({ "resource_id": "snap-XYZ" }), "not an EBS snapshot id"),
        (json!({ "resource_id": "123456789012" }), "\"sweep\": true, \"account_id\": \"123456789012\""),
        (
            json!({ "resource_id": "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0" }),
            "not an EBS snapshot ARN",
        ),
        (json!({ "resource_id": "arn:aws:s3:::snap-0123456789abcdef0" }), "not an EBS snapshot ARN"),
        (json!({ "resource_ids": [PLACEHOLDER, "snap-1"] }), "\"snap-1\" is not an EBS snapshot id"),
        (json!({ "snapshot_id": PLACEHOLDER }), "unknown field \"snapshot_id\""),
        (json!({ "sweep": "yes" }), "sweep must be true or false"),
        (json!({ "sweep": true, "region": "moon-1" }), "not a region name"),
        (numeric_id, "requestParameters.snapshotId must be a string"),
        (volume_id, "not an EBS snapshot id"),
        (wrong_partition, "partition aws-cn"),
        (other_account, "names account 111122223333, but the event is for account 123456789012"),
        (no_resources, "Resources must be an array"),
        (no_detail, "\"detail\" must be an object"),
    ] {
        let err = rt.handle(&payload).await.expect_err(&payload.to_string());
        assert!(matches!(err, Error::InvalidEvent(_)), "{payload}: {err:?}");
        assert_eq!(err.error_type(), "InvalidEvent");
        assert!(err.to_string().contains(says), "{payload}: {err}");
    }
    assert!(s.proxy.requests().is_empty(), "no AWS call for invalid input: {:?}", s.proxy.requests());
}

/// A runtime with its own ledger table (`LEDGER_TABLE`): fixes carry an action id that undo takes.
async fn with_ledger(s: &Setup, vars: &[(&str, &str)]) -> Rt {
    let table = ledger_table(&s.config).await;
    let mut all = vec![("LEDGER_TABLE", table.as_str())];
    all.extend_from_slice(vars);
    s.proxy.runtime(s.config.clone(), &all).await
}

/// The ledger's own requests (DynamoDB) and SNS: what is left are EC2's.
const NOT_EC2: &[&str] = &["Query", "TransactWriteItems", "UpdateItem", "PutItem", "Publish"];

fn ec2_writes(proxy: &Proxy) -> Vec<String> {
    proxy.writes().into_iter().map(|r| r.operation).filter(|op| !NOT_EC2.contains(&op.as_str())).collect()
}

/// Undo never shares a snapshot again (the role is denied it): the invocation fails with the exact
/// commands, nothing is written to EC2, and nothing is marked undone. Running those commands gives the
/// recorded `before` back, which proves they name exactly what the fix removed.
#[tokio::test]
async fn undo_refuses_to_share_again_and_names_exactly_what_the_fix_removed() {
    let s = setup().await;
    let rt = with_ledger(&s, &[("SNAPSHOT_ALLOWED_ACCOUNTS", FRIEND)]).await;
    let id = snapshot(&s.ec2, true, &[FRIEND, STRANGER], &[]).await;
    let fixed = rt.handle(&json!({ "resource_id": id })).await.unwrap();
    let r = only(&fixed);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    let action = r.action_id.clone().expect("an action id with LEDGER_TABLE");
    assert_eq!(permissions(&s.ec2, &id).await, private(&[FRIEND]));

    for attempt in ["first", "again: not marked undone by the first"] {
        s.proxy.clear();
        let err = rt.handle(&undo(&action)).await.unwrap_err();
        assert_eq!(err.error_type(), "RemediationFailed", "{attempt}");
        let text = err.to_string();
        assert!(text.contains("this function's role may never share a snapshot, so nothing was written"), "{text}");
        assert!(text.contains(&format!("--resources {id} --tags Key=auto-remediation,Value=skip")), "{text}");
        assert!(text.contains(&format!("--group-names all --user-ids {STRANGER}")), "{attempt}: {text}");
        assert_eq!(ec2_writes(&s.proxy), Vec::<String>::new(), "{attempt}: no EC2 write");
        assert_eq!(permissions(&s.ec2, &id).await, private(&[FRIEND]), "{attempt}: read back from EC2");
    }

    // What a person runs (the flat form the emulator honours, as the CLI sends it) gives `before` back.
    s.ec2
        .modify_snapshot_attribute()
        .snapshot_id(&id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Add)
        .group_names("all")
        .user_ids(STRANGER)
        .send()
        .await
        .unwrap();
    assert_eq!(permissions(&s.ec2, &id).await, public(&[FRIEND, STRANGER]));
    assert_eq!(r.before, json!({"public": true, "accounts": [FRIEND, STRANGER], "accounts_not_allowed": [STRANGER]}));
}

#[tokio::test]
async fn undo_refuses_a_snapshot_changed_since_the_fix_and_writes_nothing() {
    let s = setup().await;
    let rt = with_ledger(&s, &[]).await;
    let id = snapshot(&s.ec2, true, &[], &[]).await;
    let action = only(&rt.handle(&json!({ "resource_id": id })).await.unwrap()).action_id.clone().unwrap();
    // Someone shares it with one account after the fix: still compliant, but not what the fix left.
    s.ec2
        .modify_snapshot_attribute()
        .snapshot_id(&id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Add)
        .user_ids(FRIEND)
        .send()
        .await
        .unwrap();
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action"), "{text}");
    // serde_json's map order depends on feature unification (preserve_order): look for the fields.
    let (now, left) = text.split_once("the fix left").expect("both states");
    assert!(
        now.contains(&format!(r#""accounts":["{FRIEND}"]"#))
            && left.contains(r#""accounts":[]"#)
            && left.contains(r#""public":false"#),
        "both states: {text}"
    );
    assert_eq!(ec2_writes(&s.proxy), Vec::<String>::new(), "no EC2 write");
    assert_eq!(permissions(&s.ec2, &id).await, private(&[FRIEND]));
}
