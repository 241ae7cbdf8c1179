//! cloudtrail-logging against the emulator: every trigger shape, with the trails read back from
//! CloudTrail in their home Region.
//!
//! Trails are per account and Region, and tests run in parallel on one emulator: every test works in
//! an account of its own (`unique_account`), with a bucket of its own for the trails to deliver to.

use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType, Tag};
use aws_types::region::Region;
use cloudtrail_logging::{CloudtrailLogging, NEW_TRAIL_NAME};
use emulator_harness::*;
use remediation_core::{Outcome, Report, Runtime, TargetResult};
use serde_json::Value;

type Rt = Runtime<CloudtrailLogging>;

const EU: &str = "eu-west-1";
/// The trail name the events/ samples use.
const TRAIL: &str = "example-trail";

struct Setup {
    proxy: Proxy,
    account: String,
    config: SdkConfig,
    bucket: String,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let account = unique_account();
    let config = proxy.sdk_config_in(&account, REGION).await;
    let bucket = unique("trail-logs");
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    Setup { proxy, account, config, bucket }
}

/// How a trail is seeded.
#[derive(Clone, Copy)]
struct Seed {
    multi_region: bool,
    validation: bool,
    logging: bool,
}

const STOPPED: Seed = Seed { multi_region: false, validation: false, logging: false };
const GOOD_MULTI: Seed = Seed { multi_region: true, validation: true, logging: true };

/// What CloudTrail says about a trail now, asked in its home Region.
#[derive(Debug, PartialEq)]
struct Seen {
    logging: bool,
    validation: bool,
    multi_region: bool,
    global_events: bool,
}

impl Setup {
    fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.config.to_builder().region(Region::new(region.to_owned())).build())
    }

    async fn trail(&self, region: &str, name: &str, seed: Seed) -> String {
        let ct = self.cloudtrail(region);
        let out = ct
            .create_trail()
            .name(name)
            .s3_bucket_name(&self.bucket)
            .is_multi_region_trail(seed.multi_region)
            .enable_log_file_validation(seed.validation)
            .send()
            .await
            .unwrap();
        if seed.logging {
            ct.start_logging().name(name).send().await.unwrap();
        }
        out.trail_arn().unwrap().to_owned()
    }

    async fn seen(&self, region: &str, name: &str) -> Seen {
        let ct = self.cloudtrail(region);
        let trail = ct.get_trail().name(name).send().await.unwrap().trail.unwrap();
        let status = ct.get_trail_status().name(name).send().await.unwrap();
        Seen {
            logging: status.is_logging().unwrap(),
            validation: trail.log_file_validation_enabled().unwrap(),
            multi_region: trail.is_multi_region_trail().unwrap(),
            global_events: trail.include_global_service_events().unwrap(),
        }
    }

    async fn trail_names(&self, region: &str) -> Vec<String> {
        let out = self.cloudtrail(region).describe_trails().include_shadow_trails(false).send().await.unwrap();
        out.trail_list().iter().filter_map(|t| t.name().map(str::to_owned)).collect()
    }

    async fn runtime(&self, vars: &[(&str, &str)]) -> Rt {
        self.proxy.runtime(self.config.clone(), vars).await
    }

    /// An events/ sample naming this test's account.
    fn sample(&self, file: &str) -> Value {
        let text = event(&format!("cloudtrail-logging/{file}")).to_string();
        serde_json::from_str(&text.replace(ACCOUNT, &self.account)).unwrap()
    }

    fn arn(&self, region: &str, name: &str) -> String {
        format!("arn:aws:cloudtrail:{region}:{}:trail/{name}", self.account)
    }

    fn account_name(&self) -> String {
        format!("AWS::::Account:{}", self.account)
    }

    fn writes(&self) -> Vec<String> {
        self.proxy.writes().into_iter().map(|r| r.operation).collect()
    }

    /// The CloudTrail writes since the last `proxy.clear()` (the ledger's DynamoDB requests left out).
    fn cloudtrail_writes(&self) -> Vec<String> {
        const CLOUDTRAIL: &[&str] =
            &["StartLogging", "StopLogging", "UpdateTrail", "CreateTrail", "DeleteTrail", "PutEventSelectors"];
        self.writes().into_iter().filter(|o| CLOUDTRAIL.contains(&o.as_str())).collect()
    }

    /// A runtime with a ledger table of its own (`LEDGER_TABLE`), for undo.
    async fn runtime_with_ledger(&self, vars: &[(&str, &str)]) -> Rt {
        let table = ledger_table(&self.config).await;
        let mut all = vec![("LEDGER_TABLE", table.as_str())];
        all.extend_from_slice(vars);
        self.runtime(&all).await
    }
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

fn fixed() -> Seen {
    Seen { logging: true, validation: true, multi_region: false, global_events: true }
}

#[tokio::test]
async fn every_trail_trigger_starts_logging_and_turns_validation_on() {
    for (file, kind) in [
        ("cloudtrail-stop-logging.json", "cloudtrail"),
        ("cloudtrail-create-trail.json", "cloudtrail"),
        ("cloudtrail-update-trail.json", "cloudtrail"),
        ("config-noncompliant.json", "config"),
        ("securityhub.json", "securityhub"),
        ("manual.json", "manual"),
    ] {
        let s = setup().await;
        s.trail(REGION, TRAIL, STOPPED).await;
        let rt = s.runtime(&[]).await;
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind, "{file}");
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Remediated, "{file}: {r:?}");
        assert_eq!(r.resource, s.arn(REGION, TRAIL), "{file}");
        assert_eq!(r.detail, "started logging and turned on log file validation", "{file}");
        assert_eq!((r.before["IsLogging"].as_bool(), r.after["IsLogging"].as_bool()), (Some(false), Some(true)));
        assert_eq!(r.after["LogFileValidationEnabled"], true, "{file}");
        assert_eq!(s.writes(), ["StartLogging", "UpdateTrail"], "{file}");
        assert_eq!(s.seen(REGION, TRAIL).await, fixed(), "{file}: read back");
    }
}

#[tokio::test]
async fn only_what_is_off_is_turned_on() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.trail(REGION, TRAIL, Seed { multi_region: false, validation: true, logging: false }).await;
    s.proxy.clear();
    let r = rt.handle(&s.sample("cloudtrail-stop-logging.json")).await.unwrap().results.remove(0);
    assert_eq!((r.outcome, r.detail.as_str()), (Outcome::Remediated, "started logging"));
    assert_eq!(s.writes(), ["StartLogging"]);

    let other = s.trail(REGION, "validation-off", Seed { multi_region: false, validation: false, logging: true }).await;
    s.proxy.clear();
    let report = rt.handle(&serde_json::json!({ "resource_id": other })).await.unwrap();
    assert_eq!(
        (only(&report).outcome, only(&report).detail.as_str()),
        (Outcome::Remediated, "turned on log file validation")
    );
    assert_eq!(s.writes(), ["UpdateTrail"]);
    assert_eq!(s.seen(REGION, "validation-off").await, fixed());
}

/// A multi-Region trail named from another Region (its shadow there) is fixed in its home Region:
/// the emulator answers UpdateTrail from a non-home Region with TrailNotFoundException, so a fix made
/// through the shadow would fail here.
#[tokio::test]
async fn a_shadow_trail_is_fixed_in_its_home_region() {
    let s = setup().await;
    let arn = s.trail(EU, TRAIL, Seed { multi_region: true, validation: false, logging: false }).await;
    let rt = s.runtime(&[]).await;
    for named in [serde_json::json!({ "resource_id": TRAIL, "region": REGION }), s.sample("config-noncompliant.json")] {
        s.proxy.clear();
        let report = rt.handle(&named).await.unwrap();
        let r = only(&report);
        assert_eq!((r.outcome, r.region.as_str(), r.resource.as_str()), (Outcome::Remediated, EU, arn.as_str()));
        assert_eq!(r.before["HomeRegion"], EU);
        let seen = s.seen(EU, TRAIL).await;
        assert!(seen.logging && seen.validation && seen.multi_region, "{seen:?}");
        // Stop it again for the next way of naming it.
        s.cloudtrail(EU).stop_logging().name(TRAIL).send().await.unwrap();
        s.cloudtrail(EU).update_trail().name(TRAIL).enable_log_file_validation(false).send().await.unwrap();
    }
}

#[tokio::test]
async fn already_compliant_gets_no_write() {
    let s = setup().await;
    s.trail(REGION, TRAIL, GOOD_MULTI).await;
    let rt = s.runtime(&[]).await;
    for file in
        ["cloudtrail-stop-logging.json", "securityhub.json", "config-account-noncompliant.json", "schedule.json"]
    {
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap();
        assert!(!report.results.is_empty(), "{file}");
        for r in &report.results {
            assert_eq!(r.outcome, Outcome::AlreadyCompliant, "{file}: {r:?}");
            assert_eq!(r.after, Value::Null);
        }
        assert!(s.writes().is_empty(), "{file}: {:?}", s.writes());
    }
    let report = rt.handle(&s.sample("config-account-noncompliant.json")).await.unwrap();
    let trails = &only(&report).before["MultiRegionTrails"];
    assert_eq!(trails[0]["ManagementEvents"], "All", "{trails}");
}

#[tokio::test]
async fn a_stopped_multi_region_trail_is_started_for_the_account() {
    for file in ["config-account-noncompliant.json", "securityhub-account.json", "manual-account.json"] {
        let s = setup().await;
        let arn = s.trail(EU, TRAIL, Seed { multi_region: true, validation: false, logging: false }).await;
        // The account is judged in the function's Region; the trail is started in its own.
        let rt = s.runtime(&[("AWS_REGION", REGION)]).await;
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap();
        let r = only(&report);
        assert_eq!(
            (r.outcome, r.resource.as_str(), r.region.as_str()),
            (Outcome::Remediated, s.account_name().as_str(), REGION),
            "{file}: {r:?}"
        );
        assert_eq!(r.detail, format!("started logging of multi-Region trail {arn} and turned on log file validation"));
        assert_eq!(s.writes(), ["StartLogging", "UpdateTrail"], "{file}");
        let seen = s.seen(EU, TRAIL).await;
        assert!(seen.logging && seen.validation && seen.multi_region, "{file}: {seen:?}");
        assert_eq!(r.after["MultiRegionTrails"][0]["IsLogging"], true);
    }
}

#[tokio::test]
async fn no_trail_and_no_bucket_needs_a_person_and_regional_trails_stay_regional() {
    let s = setup().await;
    s.trail(REGION, "regional", Seed { multi_region: false, validation: true, logging: true }).await;
    let rt = s.runtime(&[]).await;
    for file in ["config-account-noncompliant.json", "cloudtrail-delete-trail.json", "securityhub-account.json"] {
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::NeedsAction, "{file}: {r:?}");
        assert!(
            r.detail.contains("set CLOUDTRAIL_BUCKET") && r.detail.contains("regional are not made multi-Region"),
            "{}",
            r.detail
        );
        assert!(s.writes().is_empty(), "{file}: {:?}", s.writes());
    }
    assert!(!s.seen(REGION, "regional").await.multi_region);
    assert_eq!(s.trail_names(REGION).await, ["regional"]);
}

#[tokio::test]
async fn no_trail_with_a_bucket_creates_a_logging_multi_region_trail() {
    for file in ["cloudtrail-delete-trail.json", "securityhub-account.json"] {
        let s = setup().await;
        s.trail(REGION, "regional", Seed { multi_region: false, validation: true, logging: true }).await;
        let rt = s.runtime(&[("CLOUDTRAIL_BUCKET", &s.bucket)]).await;
        s.proxy.clear();
        let report = rt.handle(&s.sample(file)).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Remediated, "{file}: {r:?}");
        assert!(
            r.detail.starts_with(&format!("created multi-Region trail {}", s.arn(REGION, NEW_TRAIL_NAME))),
            "{}",
            r.detail
        );
        assert!(r.detail.ends_with("and started logging"), "{}", r.detail);
        assert_eq!(s.writes(), ["CreateTrail", "StartLogging"], "{file}");
        let seen = s.seen(REGION, NEW_TRAIL_NAME).await;
        assert_eq!(seen, Seen { logging: true, validation: true, multi_region: true, global_events: true }, "{file}");
        assert!(!s.seen(REGION, "regional").await.multi_region, "{file}: never made multi-Region");
        // A second look finds it compliant: no second trail.
        s.proxy.clear();
        let again = rt.handle(&s.sample(file)).await.unwrap();
        assert_eq!(only(&again).outcome, Outcome::AlreadyCompliant);
        assert!(s.writes().is_empty());
    }
}

#[tokio::test]
async fn a_missing_bucket_needs_a_person() {
    let s = setup().await;
    let rt = s.runtime(&[("CLOUDTRAIL_BUCKET", "no-such-trail-bucket-anywhere")]).await;
    let report = rt.handle(&s.sample("manual-account.json")).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::NeedsAction, "{r:?}");
    assert!(
        r.detail.contains("S3BucketDoesNotExistException") && r.detail.contains("no-such-trail-bucket-anywhere"),
        "{}",
        r.detail
    );
    assert!(s.trail_names(REGION).await.is_empty());
}

#[tokio::test]
async fn dropped_management_events_need_a_person_not_a_second_trail() {
    let s = setup().await;
    s.trail(REGION, TRAIL, GOOD_MULTI).await;
    let selector =
        EventSelector::builder().read_write_type(ReadWriteType::WriteOnly).include_management_events(true).build();
    s.cloudtrail(REGION).put_event_selectors().trail_name(TRAIL).event_selectors(selector).send().await.unwrap();
    let rt = s.runtime(&[("CLOUDTRAIL_BUCKET", &s.bucket)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("cloudtrail-put-event-selectors.json")).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.resource.as_str()), (Outcome::NeedsAction, s.account_name().as_str()), "{r:?}");
    assert!(r.detail.contains("records only WriteOnly management events"), "{}", r.detail);
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert_eq!(s.trail_names(REGION).await, [TRAIL]);
}

#[tokio::test]
async fn a_sweep_fixes_each_trail_once_in_its_home_region() {
    let s = setup().await;
    s.trail(EU, TRAIL, Seed { multi_region: true, validation: false, logging: false }).await;
    s.trail(REGION, "regional", STOPPED).await;
    s.trail(EU, "regional-eu", Seed { multi_region: false, validation: true, logging: true }).await;
    let rt = s.runtime(&[("AWS_REGION", REGION), ("TARGET_REGIONS", &format!("{REGION},{EU}"))]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json")).await.unwrap();
    let mut got: Vec<(String, String, Outcome)> =
        report.results.iter().map(|r| (r.resource.clone(), r.region.clone(), r.outcome)).collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    // The account once (in the function's Region); each trail once, in its home Region. The account
    // and the stopped multi-Region trail are handled at the same time: whichever starts it first
    // remediates, the account may then already find it logging.
    let account_outcome = got[0].2;
    assert!(matches!(account_outcome, Outcome::Remediated | Outcome::AlreadyCompliant), "{report:#?}");
    assert_eq!(
        got,
        [
            (s.account_name(), REGION.to_owned(), account_outcome),
            (s.arn(EU, TRAIL), EU.to_owned(), Outcome::Remediated),
            (s.arn(EU, "regional-eu"), EU.to_owned(), Outcome::AlreadyCompliant),
            (s.arn(REGION, "regional"), REGION.to_owned(), Outcome::Remediated),
        ],
        "{report:#?}"
    );
    for (region, name) in [(EU, TRAIL), (REGION, "regional"), (EU, "regional-eu")] {
        let seen = s.seen(region, name).await;
        assert!(seen.logging && seen.validation, "{name}: {seen:?}");
    }
    assert!(!s.seen(REGION, "regional").await.multi_region);
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let s = setup().await;
    s.trail(REGION, TRAIL, STOPPED).await;
    let rt = s.runtime(&[("CLOUDTRAIL_BUCKET", &s.bucket)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual-sweep.json")).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(report.results.len(), 2, "{report:#?}");
    assert!(report.results.iter().all(|r| r.outcome == Outcome::WouldRemediate), "{report:#?}");
    let rt = s.runtime(&[("DRY_RUN", "true")]).await;
    let report = rt.handle(&s.sample("cloudtrail-stop-logging.json")).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::WouldRemediate);
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert_eq!(
        s.seen(REGION, TRAIL).await,
        Seen { logging: false, validation: false, multi_region: false, global_events: true }
    );
    assert_eq!(s.trail_names(REGION).await, [TRAIL], "no trail created in a dry run");
}

#[tokio::test]
async fn exempt_trails_are_left_alone() {
    let s = setup().await;
    let arn = s.trail(REGION, TRAIL, STOPPED).await;
    s.trail(REGION, "tagged", STOPPED).await;
    let tag = Tag::builder().key("auto-remediation").value("skip").build().unwrap();
    s.cloudtrail(REGION).add_tags().resource_id(s.arn(REGION, "tagged")).tags_list(tag).send().await.unwrap();
    let rt = s.runtime(&[("EXEMPT_RESOURCES", TRAIL)]).await;
    s.proxy.clear();
    for named in [TRAIL, arn.as_str(), "tagged"] {
        let report = rt.handle(&serde_json::json!({ "resource_id": named })).await.unwrap();
        assert_eq!(only(&report).outcome, Outcome::Exempt, "{named}: {report:#?}");
    }
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert!(!s.seen(REGION, TRAIL).await.logging && !s.seen(REGION, "tagged").await.logging);
}

/// The function's own UpdateTrail / StartLogging come back as events: ignored before any AWS call.
#[tokio::test]
async fn own_calls_are_ignored_without_a_request() {
    let s = setup().await;
    s.trail(REGION, TRAIL, STOPPED).await;
    let rt = s.runtime(&[]).await;
    let own = s.sample("cloudtrail-own-update-trail.json");
    let mut start = own.clone();
    set(&mut start, "/detail/eventName", "StartLogging");
    let mut update_account = own.clone();
    *update_account.pointer_mut("/detail/requestParameters").unwrap() =
        serde_json::json!({"name": TRAIL, "isMultiRegionTrail": false});
    s.proxy.clear();
    for event in [own, start, update_account] {
        let report = rt.handle(&event).await.unwrap();
        assert!(report.results.is_empty(), "{report:#?}");
        assert!(report.ignored.is_some(), "{report:#?}");
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", s.proxy.requests());
    assert!(!s.seen(REGION, TRAIL).await.logging);
}

#[tokio::test]
async fn an_update_that_turns_multi_region_off_checks_the_account_too() {
    let s = setup().await;
    s.trail(REGION, TRAIL, GOOD_MULTI).await;
    s.cloudtrail(REGION).update_trail().name(TRAIL).is_multi_region_trail(false).send().await.unwrap();
    let rt = s.runtime(&[]).await;
    let mut event = s.sample("cloudtrail-update-trail.json");
    *event.pointer_mut("/detail/requestParameters").unwrap() =
        serde_json::json!({"name": TRAIL, "isMultiRegionTrail": false});
    s.proxy.clear();
    let report = rt.handle(&event).await.unwrap();
    let outcomes: Vec<_> = report.results.iter().map(|r| (r.resource.clone(), r.outcome)).collect();
    assert_eq!(
        outcomes,
        [(s.arn(REGION, TRAIL), Outcome::AlreadyCompliant), (s.account_name(), Outcome::NeedsAction)],
        "{report:#?}"
    );
    assert!(s.writes().is_empty(), "the trail is not made multi-Region again: {:?}", s.writes());
}

#[tokio::test]
async fn a_trail_that_is_gone_is_not_found() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual.json")).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::NotFound);
    assert!(s.writes().is_empty());
}

#[tokio::test]
async fn a_bad_bucket_setting_stops_the_cold_start() {
    let s = setup().await;
    let err = s
        .proxy
        .try_runtime::<CloudtrailLogging>(s.config.clone(), &[("CLOUDTRAIL_BUCKET", "Bad_Bucket")], None)
        .err()
        .unwrap();
    assert_eq!(err.error_type(), "InvalidConfig");
    assert!(err.to_string().contains("CLOUDTRAIL_BUCKET"), "{err}");
}

#[tokio::test]
async fn bad_input_makes_no_aws_call() {
    let (rejected, ignored) = bad_input_makes_no_call::<CloudtrailLogging>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}

/// The action id of the one `remediated` result of `report`.
fn action_id(report: &Report) -> String {
    let r = only(report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    r.action_id.clone().expect("an action id with LEDGER_TABLE set")
}

/// A multi-Region trail homed in EU and named from us-east-1: undo finds it in its home Region too (the
/// emulator refuses UpdateTrail and StopLogging elsewhere).
#[tokio::test]
async fn undo_of_a_trail_fix_stops_logging_and_turns_validation_off_again() {
    let s = setup().await;
    let arn = s.trail(EU, TRAIL, Seed { multi_region: true, validation: false, logging: false }).await;
    let rt = s.runtime_with_ledger(&[]).await;
    let action = action_id(&rt.handle(&serde_json::json!({ "resource_id": TRAIL, "region": REGION })).await.unwrap());
    let seen = s.seen(EU, TRAIL).await;
    assert!(seen.logging && seen.validation);

    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.resource.as_str(), r.region.as_str()), (Outcome::Undone, arn.as_str(), EU), "{r:?}");
    assert_eq!(
        r.detail.split(" (undo of action").next().unwrap(),
        format!("turned off log file validation of {arn} and stopped logging of {arn}, as before the fix")
    );
    assert_eq!(s.cloudtrail_writes(), ["UpdateTrail", "StopLogging"]);
    let seen = s.seen(EU, TRAIL).await;
    assert_eq!(seen, Seen { logging: false, validation: false, multi_region: true, global_events: true }, "read back");
}

#[tokio::test]
async fn undo_of_an_account_fix_stops_the_multi_region_trail_again() {
    let s = setup().await;
    let arn = s.trail(EU, TRAIL, Seed { multi_region: true, validation: true, logging: false }).await;
    let rt = s.runtime_with_ledger(&[("AWS_REGION", REGION)]).await;
    let action = action_id(&rt.handle(&s.sample("manual-account.json")).await.unwrap());
    assert!(s.seen(EU, TRAIL).await.logging);

    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.resource.as_str()), (Outcome::Undone, s.account_name().as_str()), "{r:?}");
    assert!(r.detail.starts_with(&format!("stopped logging of {arn}, as before the fix")), "{}", r.detail);
    assert_eq!(s.cloudtrail_writes(), ["StopLogging"], "validation was on before: left on");
    let seen = s.seen(EU, TRAIL).await;
    assert_eq!(seen, Seen { logging: false, validation: true, multi_region: true, global_events: true }, "read back");
}

#[tokio::test]
async fn undo_deletes_the_trail_the_fix_created_only_while_it_is_as_created() {
    let s = setup().await;
    s.trail(REGION, "regional", Seed { multi_region: false, validation: true, logging: true }).await;
    let rt = s.runtime_with_ledger(&[("CLOUDTRAIL_BUCKET", &s.bucket)]).await;
    let action = action_id(&rt.handle(&s.sample("manual-account.json")).await.unwrap());
    let arn = s.arn(REGION, NEW_TRAIL_NAME);
    // Someone gives the new trail a key prefix: adopted, so undo leaves it to a person.
    s.cloudtrail(REGION).update_trail().name(NEW_TRAIL_NAME).s3_key_prefix("org").send().await.unwrap();

    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains(&format!("trail {arn}, created by the fix, was changed since: it has the S3 key prefix org")));
    assert!(text.contains("aws cloudtrail delete-trail"), "what a person can do: {text}");
    assert!(s.cloudtrail_writes().is_empty(), "{:?}", s.cloudtrail_writes());
    assert_eq!(s.trail_names(REGION).await.len(), 2, "kept");

    // The prefix removed again: the same undo now deletes it, and only it.
    s.cloudtrail(REGION).update_trail().name(NEW_TRAIL_NAME).s3_key_prefix("").send().await.unwrap();
    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Undone, "{r:?}");
    assert!(
        r.detail.starts_with(&format!(
            "deleted trail {arn}, which the fix created (its log files stay in s3://{})",
            s.bucket
        )),
        "{}",
        r.detail
    );
    assert_eq!(s.cloudtrail_writes(), ["DeleteTrail"]);
    assert_eq!(s.trail_names(REGION).await, ["regional"], "read back: the account's trails as before the fix");
    assert!(s.seen(REGION, "regional").await.logging);
}

#[tokio::test]
async fn undo_refuses_a_trail_changed_since_the_fix() {
    let s = setup().await;
    s.trail(REGION, TRAIL, STOPPED).await;
    let rt = s.runtime_with_ledger(&[]).await;
    let action = action_id(&rt.handle(&s.sample("manual.json")).await.unwrap());
    // Someone turns validation off again after the fix.
    s.cloudtrail(REGION).update_trail().name(TRAIL).enable_log_file_validation(false).send().await.unwrap();

    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    let (now, left) = text.split_once("the fix left").expect(&text);
    assert!(now.contains("changed since action"), "{text}");
    assert!(now.contains(r#""LogFileValidationEnabled":false"#), "the state now: {text}");
    assert!(left.contains(r#""LogFileValidationEnabled":true"#), "the state the fix left: {text}");
    assert!(s.cloudtrail_writes().is_empty(), "nothing written to CloudTrail: {:?}", s.proxy.requests());
    assert_eq!(
        s.seen(REGION, TRAIL).await,
        Seen { logging: true, validation: false, multi_region: false, global_events: true }
    );
}
