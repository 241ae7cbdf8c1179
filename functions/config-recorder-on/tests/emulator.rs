//! config-recorder-on against the emulator: every trigger shape, read back per region with the Config API.
//!
//! AWS Config has one recorder per account and region, and tests run in parallel on one emulator:
//! every test works in an account of its own (`unique_account`).

use aws_config::SdkConfig;
use aws_sdk_config::types::{
    ConfigurationRecorder, DeliveryChannel, RecordingGroup, RecordingStrategy, RecordingStrategyType, ResourceType,
};
use aws_types::region::Region;
use config_recorder_on::ConfigRecorderOn;
use emulator_harness::*;
use remediation_core::{Outcome, Report, Runtime, TargetResult};
use serde_json::{json, Value};

type Rt = Runtime<ConfigRecorderOn>;

const EU: &str = "eu-west-1";
const AP: &str = "ap-southeast-2";

struct Setup {
    proxy: Proxy,
    account: String,
    /// Credentials of `account`, in `REGION` (the function's own region).
    config: SdkConfig,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let account = unique_account();
    let config = proxy.sdk_config_in(&account, REGION).await;
    Setup { proxy, account, config }
}

/// Config's own default: everything it supports, global types included.
fn all_supported() -> RecordingGroup {
    RecordingGroup::builder().all_supported(true).include_global_resource_types(true).build()
}

/// A narrower group a customer chose to keep costs down.
fn two_types() -> RecordingGroup {
    RecordingGroup::builder()
        .all_supported(false)
        .include_global_resource_types(false)
        .resource_types(ResourceType::Bucket)
        .resource_types(ResourceType::SecurityGroup)
        .recording_strategy(
            RecordingStrategy::builder().use_only(RecordingStrategyType::InclusionByResourceTypes).build(),
        )
        .build()
}

impl Setup {
    fn config_client(&self, region: &str) -> aws_sdk_config::Client {
        aws_sdk_config::Client::new(&self.config.to_builder().region(Region::new(region.to_owned())).build())
    }

    async fn put_recorder(&self, region: &str, name: &str, group: RecordingGroup) {
        let recorder = ConfigurationRecorder::builder()
            .name(name)
            .role_arn(format!(
                "arn:aws:iam::{}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
                self.account
            ))
            .recording_group(group)
            .build();
        self.config_client(region).put_configuration_recorder().configuration_recorder(recorder).send().await.unwrap();
    }

    async fn put_channel(&self, region: &str) {
        let channel =
            DeliveryChannel::builder().name("default").s3_bucket_name(format!("config-{}", self.account)).build();
        self.config_client(region).put_delivery_channel().delivery_channel(channel).send().await.unwrap();
    }

    /// A recorder named `default` with a channel, stopped: what StopConfigurationRecorder leaves.
    async fn stopped(&self, region: &str) {
        self.put_recorder(region, "default", all_supported()).await;
        self.put_channel(region).await;
        assert!(!self.recording(region).await);
    }

    async fn start(&self, region: &str) {
        self.config_client(region)
            .start_configuration_recorder()
            .configuration_recorder_name("default")
            .send()
            .await
            .unwrap();
        assert!(self.recording(region).await);
    }

    /// Whether the region's recorder records, as DescribeConfigurationRecorderStatus says now.
    async fn recording(&self, region: &str) -> bool {
        let out = self.config_client(region).describe_configuration_recorder_status().send().await.unwrap();
        out.configuration_recorders_status().iter().any(|s| s.recording())
    }

    async fn group(&self, region: &str) -> RecordingGroup {
        let out = self.config_client(region).describe_configuration_recorders().send().await.unwrap();
        out.configuration_recorders()[0].recording_group().cloned().expect("a recording group")
    }

    async fn runtime(&self, vars: &[(&str, &str)]) -> Rt {
        self.proxy.runtime(self.config.clone(), vars).await
    }

    /// An events/ sample naming this test's account.
    fn sample(&self, file: &str) -> Value {
        let text = event(&format!("config-recorder-on/{file}")).to_string();
        serde_json::from_str(&text.replace(ACCOUNT, &self.account)).unwrap()
    }

    fn name(&self, region: &str) -> String {
        format!("arn:aws:config:{region}:{}:configuration-recorder", self.account)
    }

    /// The operations of the requests made since the last `proxy.clear()`, writes only.
    fn writes(&self) -> Vec<String> {
        self.proxy.writes().into_iter().map(|r| r.operation).collect()
    }

    /// The writes to AWS Config since the last `proxy.clear()` (the ledger's DynamoDB writes left out).
    fn config_writes(&self) -> Vec<String> {
        let config = |o: &String| o.contains("ConfigurationRecorder") || o.contains("DeliveryChannel");
        self.writes().into_iter().filter(config).collect()
    }
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

fn in_region<'a>(report: &'a Report, region: &str) -> &'a TargetResult {
    let found: Vec<_> = report.results.iter().filter(|r| r.region == region).collect();
    assert_eq!(found.len(), 1, "one result for {region}: {report:#?}");
    found[0]
}

#[tokio::test]
async fn every_trigger_shape_starts_the_recorder_in_its_region() {
    for (file, kind, region) in [
        ("cloudtrail.json", "cloudtrail", REGION),
        ("securityhub.json", "securityhub", REGION),
        ("securityhub-unconsolidated.json", "securityhub", REGION),
        ("schedule.json", "schedule", REGION),
        ("manual.json", "manual", REGION),
        ("manual-sweep.json", "manual", REGION),
        ("manual-region.json", "manual", EU),
    ] {
        let s = setup().await;
        let other = if region == EU { REGION } else { EU };
        s.stopped(region).await;
        s.stopped(other).await;
        let rt = s.runtime(&[]).await;
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind, "{file}");
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Remediated, "{file}: {r:?}");
        assert_eq!(r.resource, s.name(region), "{file}");
        assert_eq!((r.account.as_str(), r.region.as_str()), (s.account.as_str(), region), "{file}");
        assert_eq!(r.detail, "started configuration recorder default; its recording group is unchanged", "{file}");
        assert_eq!(r.before["Recording"], false, "{file}");
        assert_eq!(r.after["Recording"], true, "{file}");
        assert_eq!(s.writes(), ["StartConfigurationRecorder"], "{file}");
        assert!(s.recording(region).await, "{file}: read back from Config in {region}");
        assert!(!s.recording(other).await, "{file}: {other} is not this event's region");
    }
}

#[tokio::test]
async fn the_recording_group_is_the_same_after_the_fix() {
    let s = setup().await;
    s.put_recorder(REGION, "cost-aware", two_types()).await;
    s.put_channel(REGION).await;
    let chosen = s.group(REGION).await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("cloudtrail.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert_eq!(r.detail, "started configuration recorder cost-aware; its recording group is unchanged");
    let shown = json!({
        "UseOnly": "INCLUSION_BY_RESOURCE_TYPES",
        "AllSupported": false,
        "IncludeGlobalResourceTypes": false,
        "ResourceTypes": ["AWS::S3::Bucket", "AWS::EC2::SecurityGroup"]
    });
    assert_eq!(r.before["RecordingGroup"], shown);
    assert_eq!(r.after["RecordingGroup"], shown);
    assert_eq!(r.after["Recorder"], "cost-aware");
    // Config's last delivery status is shown only while stopped: a recording recorder's changes with
    // every configuration item, and would make an unchanged recorder look changed to undo.
    assert_eq!(r.after.get("LastStatus"), None, "{}", r.after);
    assert!(s.recording(REGION).await);
    assert_eq!(s.group(REGION).await, chosen, "the customer's recording group, read back with the SDK");
    // No PutConfigurationRecorder, the call that would change the group: the start is the only write.
    assert_eq!(s.writes(), ["StartConfigurationRecorder"]);
}

#[tokio::test]
async fn already_recording_gets_no_write() {
    let s = setup().await;
    s.stopped(REGION).await;
    s.start(REGION).await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("cloudtrail.json")).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.detail.as_str()), (Outcome::AlreadyCompliant, "compliant, nothing written"));
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    // GetCallerIdentity: the runtime learns its own account once (the event's may be another's).
    let mut ops: Vec<_> = s.proxy.requests().into_iter().map(|r| r.operation).collect();
    ops.retain(|o| o != "GetCallerIdentity");
    assert_eq!(
        ops,
        ["DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus"],
        "one read, no channel read"
    );
    // Exempt and compliant: still already_compliant (CONTRACT.md).
    let rt = s.runtime(&[("EXEMPT_RESOURCES", "default")]).await;
    assert_eq!(only(&rt.handle(&s.sample("manual.json")).await.unwrap()).outcome, Outcome::AlreadyCompliant);
    assert!(s.writes().is_empty(), "{:?}", s.writes());
}

#[tokio::test]
async fn no_delivery_channel_needs_a_person() {
    let s = setup().await;
    s.put_recorder(REGION, "default", all_supported()).await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    for file in ["cloudtrail-delete-channel.json", "securityhub.json"] {
        let report = rt.handle(&s.sample(file)).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::NeedsAction, "{file}: {r:?}");
        assert!(
            r.detail.starts_with("configuration recorder default is stopped and the region has no delivery channel"),
            "{file}: {}",
            r.detail
        );
        assert_eq!(
            r.before,
            json!({ "Recorder": "default", "Recording": false, "RecordingGroup": {
            "UseOnly": "ALL_SUPPORTED_RESOURCE_TYPES", "AllSupported": true, "IncludeGlobalResourceTypes": true
        }, "DeliveryChannels": [] }),
            "{file}"
        );
    }
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert!(!s.recording(REGION).await);
}

#[tokio::test]
async fn no_recorder_needs_a_person() {
    let s = setup().await;
    // What DeleteConfigurationRecorder leaves: the channel, no recorder (moto needs a recorder to add a channel).
    s.put_recorder(REGION, "default", all_supported()).await;
    s.put_channel(REGION).await;
    s.config_client(REGION)
        .delete_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("cloudtrail-delete-recorder.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::NeedsAction, "{r:?}");
    assert!(r.detail.starts_with("no AWS Config configuration recorder in this region: deploy one"), "{}", r.detail);
    assert_eq!(r.before, json!({ "Recording": false, "DeliveryChannels": ["default"] }));
    // A region that never had Config: the same, in a sweep.
    let report = rt.handle(&json!({ "region": AP })).await.unwrap();
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::NeedsAction, AP));
    assert_eq!(only(&report).before, json!({ "Recording": false, "DeliveryChannels": [] }));
    assert!(s.writes().is_empty(), "nothing is created: {:?}", s.writes());
}

#[tokio::test]
async fn target_regions_are_handled_in_one_invocation() {
    let s = setup().await;
    s.stopped(REGION).await;
    s.stopped(EU).await;
    s.start(EU).await;
    // AP: no recorder at all.
    let subscriber = Subscriber::new(&s.config).await;
    let regions = [REGION, EU, AP].join(",");
    let rt = s.runtime(&[("TARGET_REGIONS", &regions), ("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    assert_eq!(report.results.len(), 3, "{report:#?}");
    assert_eq!(in_region(&report, REGION).outcome, Outcome::Remediated);
    assert_eq!(in_region(&report, EU).outcome, Outcome::AlreadyCompliant);
    assert_eq!(in_region(&report, AP).outcome, Outcome::NeedsAction);
    let mut writes = s.writes();
    writes.retain(|w| w != "Publish");
    assert_eq!(writes, ["StartConfigurationRecorder"], "one start, in the one stopped region");
    assert!(s.recording(REGION).await && s.recording(EU).await && !s.recording(AP).await);
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1, "one report per invocation");
    let outcomes = messages[0]["MessageAttributes"]["outcome"]["Value"].as_str().unwrap().to_owned();
    assert!(outcomes.contains("remediated") && outcomes.contains("needs_action"), "{outcomes}");

    // Again: nothing left to start.
    s.proxy.clear();
    let report = rt.handle(&json!({})).await.unwrap();
    assert_eq!(in_region(&report, REGION).outcome, Outcome::AlreadyCompliant);
    assert!(s.writes().iter().all(|w| w == "Publish"), "{:?}", s.writes());
}

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    s.stopped(REGION).await;
    s.stopped(EU).await;
    let rt = s.runtime(&[("DRY_RUN", "true"), ("TARGET_REGIONS", "us-east-1,eu-west-1")]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(report.results.len(), 2);
    for r in &report.results {
        assert_eq!(r.outcome, Outcome::WouldRemediate, "{r:?}");
        assert_eq!((r.before["Recorder"].as_str(), r.before["Recording"].as_bool()), (Some("default"), Some(false)));
    }
    let per_payload = s.runtime(&[]).await;
    let report = per_payload.handle(&json!({ "region": EU, "dry_run": true })).await.unwrap();
    assert!(report.dry_run);
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::WouldRemediate, EU));
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert!(!s.recording(REGION).await && !s.recording(EU).await);
}

#[tokio::test]
async fn exempt_regions_and_recorders_are_untouched() {
    let s = setup().await;
    s.stopped(REGION).await;
    s.stopped(EU).await;
    s.put_recorder(AP, "org-recorder", all_supported()).await;
    s.put_channel(AP).await;
    let regions = [REGION, EU, AP].join(",");
    let rt = s.runtime(&[("TARGET_REGIONS", &regions), ("EXEMPT_RESOURCES", &format!("{EU},org-recorder"))]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    assert_eq!(in_region(&report, REGION).outcome, Outcome::Remediated);
    let eu = in_region(&report, EU);
    assert_eq!((eu.outcome, eu.detail.as_str()), (Outcome::Exempt, "eu-west-1 is listed in EXEMPT_RESOURCES"));
    assert_eq!(eu.before, Value::Null, "an exempt region is not read");
    let ap = in_region(&report, AP);
    assert_eq!((ap.outcome, ap.detail.as_str()), (Outcome::Exempt, "org-recorder is listed in EXEMPT_RESOURCES"));
    assert_eq!(s.writes(), ["StartConfigurationRecorder"]);
    assert!(s.recording(REGION).await && !s.recording(EU).await && !s.recording(AP).await);

    // The report's own name, and a stop made by an exempt principal.
    let rt = s.runtime(&[("EXEMPT_RESOURCES", &s.name(EU))]).await;
    assert_eq!(only(&rt.handle(&s.sample("manual-region.json")).await.unwrap()).outcome, Outcome::Exempt);
    let admin = format!("arn:aws:iam::{}:role/Admin", s.account);
    let rt = s.runtime(&[("EXEMPT_PRINCIPALS", &admin)]).await;
    let mut call = s.sample("cloudtrail.json");
    set(&mut call, "/detail/awsRegion", EU);
    let report = rt.handle(&call).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.region.as_str()), (Outcome::Exempt, EU));
    assert!(r.detail.contains("StopConfigurationRecorder was made by exempt principal"), "{}", r.detail);
    assert!(!s.recording(EU).await);
}

fn start_call(r: &Request) -> bool {
    r.operation == "StartConfigurationRecorder"
}

#[tokio::test]
async fn a_refused_start_is_reported_with_the_aws_error() {
    let s = setup().await;
    s.stopped(REGION).await;
    let rt = s.runtime(&[]).await;
    s.proxy.inject(Fault {
        matches: start_call,
        status: 400,
        body: json!({
            "__type": "AccessDeniedException",
            "message": "User is not authorized to perform: config:StartConfigurationRecorder"
        })
        .to_string(),
        times: Some(1),
    });
    let err = rt.handle(&s.sample("manual.json")).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let msg = err.to_string();
    assert!(msg.contains("config:StartConfigurationRecorder on default failed (AccessDeniedException)"), "{msg}");
    assert!(!s.recording(REGION).await);

    // The channel deleted between the read and the start: a person must deploy it, not a failure.
    s.proxy.inject(Fault {
        matches: start_call,
        status: 400,
        body: json!({
            "__type": "NoAvailableDeliveryChannelException",
            "message": "Delivery channel is not available to start configuration recorder."
        })
        .to_string(),
        times: Some(1),
    });
    let report = rt.handle(&s.sample("manual.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::NeedsAction, "{r:?}");
    assert!(r.detail.contains("(NoAvailableDeliveryChannelException)"), "{}", r.detail);
    assert_eq!(s.proxy.injected(), 2);
    assert!(!s.recording(REGION).await);
}

#[tokio::test]
async fn events_with_nothing_to_do_are_ignored_without_aws_calls() {
    let s = setup().await;
    s.stopped(REGION).await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    // The function's own role session (AWS_LAMBDA_FUNCTION_NAME): loop safety.
    let mut own = s.sample("cloudtrail.json");
    set(
        &mut own,
        "/detail/userIdentity/arn",
        &format!("arn:aws:sts::{}:assumed-role/remediation/config-recorder-on", s.account),
    );
    set(&mut own, "/detail/userIdentity/principalId", "AROAZ3EXAMPLEREMED9X1:config-recorder-on");
    let mut failed_call = s.sample("cloudtrail.json");
    failed_call["detail"]["errorCode"] = json!("AccessDenied");
    let mut start = s.sample("cloudtrail.json");
    set(&mut start, "/detail/eventName", "StartConfigurationRecorder");
    let mut put = s.sample("cloudtrail.json");
    set(&mut put, "/detail/eventName", "PutConfigurationRecorder");
    let mut other_control = s.sample("securityhub.json");
    set(&mut other_control, "/detail/findings/0/Compliance/SecurityControlId", "Config.2");
    let mut passed = s.sample("securityhub.json");
    set(&mut passed, "/detail/findings/0/Compliance/Status", "PASSED");
    let mut config_event = event("ebs-default-encryption/config-noncompliant.json");
    set(&mut config_event, "/detail/configRuleName", "securityhub-some-rule-a1b2c3");
    for (payload, says) in [
        (own, "made by this function (config-recorder-on)"),
        (failed_call, "failed with AccessDenied"),
        (start, "StartConfigurationRecorder is not a call config-recorder-on acts on"),
        (put, "PutConfigurationRecorder is not a call"),
        (other_control, "no FAILED finding for Config.1"),
        (passed, "no FAILED, ACTIVE finding"),
        (config_event, "AWS::::Account is not handled by config-recorder-on"),
    ] {
        let report = rt.handle(&payload).await.unwrap();
        assert!(report.results.is_empty(), "{report:#?}");
        assert!(report.ignored.as_deref().unwrap_or_default().contains(says), "{:?} vs {says}", report.ignored);
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", s.proxy.requests());
    assert!(!s.recording(REGION).await);
}

#[tokio::test]
async fn invalid_events_are_rejected_before_any_aws_call() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let mut bad_region = s.sample("cloudtrail.json");
    set(&mut bad_region, "/detail/awsRegion", "mars-north-one");
    let mut no_account = s.sample("cloudtrail.json");
    no_account["detail"].as_object_mut().unwrap().remove("recipientAccountId");
    let mut wrong_partition = s.sample("securityhub.json");
    set(&mut wrong_partition, "/detail/findings/0/Resources/0/Id", "arn:aws-cn:config:cn-north-1:123456789012:x");
    for (payload, says) in [
        (json!({ "resource_id": "default" }), "not a region name"),
        (
            json!({ "resource_id": "arn:aws:config:us-east-1:123456789012:config-rule/r" }),
            "is not an arn:<partition>:config",
        ),
        (json!({ "region": "mars-1" }), "not a region name"),
        (json!({ "regions": ["us-east-1"] }), "unknown field \"regions\""),
        (bad_region, "not a region name"),
        (no_account, "no recipientAccountId"),
        (wrong_partition, "partition aws-cn"),
    ] {
        let err = rt.handle(&payload).await.expect_err(&payload.to_string());
        assert_eq!(err.error_type(), "InvalidEvent", "{payload}: {err}");
        assert!(err.to_string().contains(says), "{payload}: {err}");
    }
    assert!(s.proxy.requests().is_empty(), "no AWS call for invalid input: {:?}", s.proxy.requests());
}

#[tokio::test]
async fn bad_input_is_rejected_or_ignored_without_a_call() {
    let (rejected, ignored) = bad_input_makes_no_call::<ConfigRecorderOn>().await;
    assert!(rejected > 0 && ignored > 0, "{rejected} rejected, {ignored} ignored");
}

/// The action id of the one `remediated` result of `report`.
fn action_id(report: &Report) -> String {
    let r = only(report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    r.action_id.clone().expect("an action id with LEDGER_TABLE set")
}

#[tokio::test]
async fn undo_stops_the_recorder_the_fix_started() {
    let s = setup().await;
    s.put_recorder(EU, "cost-aware", two_types()).await;
    s.put_channel(EU).await;
    let chosen = s.group(EU).await;
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table)]).await;
    let fixed = rt.handle(&json!({ "region": EU })).await.unwrap();
    let action = action_id(&fixed);
    assert!(s.recording(EU).await);

    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!(
        (r.outcome, r.resource.as_str(), r.region.as_str()),
        (Outcome::Undone, s.name(EU).as_str(), EU),
        "{r:?}"
    );
    assert!(r.detail.starts_with("stopped configuration recorder cost-aware again"), "{}", r.detail);
    assert_eq!(s.config_writes(), ["StopConfigurationRecorder"], "the stop is the only write to Config");
    assert!(!s.recording(EU).await, "read back from Config: stopped again");
    assert_eq!(s.group(EU).await, chosen, "the recording group is untouched");
    // moto leaves lastStatus PENDING after the stop (the recorder had none before the fix): the restored
    // state differs only there, which is Config's news about deliveries, not a setting.
    assert_eq!((&r.after["Recording"], &r.after["LastStatus"]), (&json!(false), &json!("PENDING")), "{}", r.after);
    assert_eq!(fixed.results[0].before.get("LastStatus"), None, "{}", fixed.results[0].before);

    // A second undo of the same action: refused, nothing written.
    s.proxy.clear();
    let again = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(again.error_type(), "RemediationFailed");
    assert!(s.config_writes().is_empty(), "{:?}", s.config_writes());
}

#[tokio::test]
async fn undo_refuses_a_recorder_changed_since_the_fix() {
    let s = setup().await;
    s.stopped(REGION).await;
    let table = ledger_table(&s.config).await;
    let rt = s.runtime(&[("LEDGER_TABLE", &table)]).await;
    let action = action_id(&rt.handle(&s.sample("manual.json")).await.unwrap());
    // Someone narrows what the recorder records after the fix (PutConfigurationRecorder).
    s.put_recorder(REGION, "default", two_types()).await;

    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action"), "{text}");
    assert!(text.contains("INCLUSION_BY_RESOURCE_TYPES"), "the state now: {text}");
    assert!(text.contains("ALL_SUPPORTED_RESOURCE_TYPES"), "the state the fix left: {text}");
    assert!(s.config_writes().is_empty(), "nothing written to Config: {:?}", s.proxy.requests());
    assert!(s.recording(REGION).await, "still recording, read back from Config");
}
