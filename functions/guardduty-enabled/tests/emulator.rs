//! guardduty-enabled against the emulator: every trigger shape, read back per region with GetDetector.
//!
//! GuardDuty is one detector per account and region, and tests run in parallel on one emulator: every
//! test works in an account of its own (`unique_account`).

use std::collections::HashMap;
use std::sync::OnceLock;

use aws_config::SdkConfig;
use aws_sdk_guardduty::types::FeatureStatus;
use emulator_harness::*;
use guardduty_enabled::{GuardDutyEnabled, PLANS_OFF};
use remediation_core::{Error, Outcome, Report, Runtime, TargetResult};
use serde_json::{json, Value};

type Rt = Runtime<GuardDutyEnabled>;

const EU: &str = "eu-west-1";
const AP: &str = "ap-southeast-2";
/// The detector id the events/ CloudTrail samples carry.
const PLACEHOLDER: &str = "12abc34d567e8fa901bc2d34e56789f0";

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

/// One detector as GetDetector answers now.
#[derive(Debug)]
struct Seen {
    id: String,
    status: String,
    features: HashMap<String, String>,
}

impl Setup {
    fn guardduty(&self, region: &str) -> aws_sdk_guardduty::Client {
        aws_sdk_guardduty::Client::new(
            &self.config.to_builder().region(aws_config::Region::new(region.to_owned())).build(),
        )
    }

    /// Every detector of the region, read back with ListDetectors and GetDetector.
    async fn detectors(&self, region: &str) -> Vec<Seen> {
        let gd = self.guardduty(region);
        let ids = gd.list_detectors().send().await.unwrap().detector_ids().to_vec();
        let mut seen = Vec::new();
        for id in ids {
            let out = gd.get_detector().detector_id(&id).send().await.unwrap();
            let features = out
                .features()
                .iter()
                .map(|f| (f.name().unwrap().as_str().to_owned(), f.status().unwrap().as_str().to_owned()))
                .collect();
            seen.push(Seen { id, status: out.status().unwrap().as_str().to_owned(), features });
        }
        seen
    }

    /// The region's only detector: its id and status.
    async fn only_detector(&self, region: &str) -> (String, String) {
        let seen = self.detectors(region).await;
        assert_eq!(seen.len(), 1, "one detector in {region}: {seen:?}");
        (seen[0].id.clone(), seen[0].status.clone())
    }

    async fn create(&self, region: &str, enable: bool, tags: &[(&str, &str)]) -> String {
        let mut create = self.guardduty(region).create_detector().enable(enable);
        for (k, v) in tags {
            create = create.tags(*k, *v);
        }
        create.send().await.unwrap().detector_id().unwrap().to_owned()
    }

    async fn runtime(&self, vars: &[(&str, &str)]) -> Rt {
        self.proxy.runtime(self.config.clone(), vars).await
    }

    /// An events/ sample naming this test's account (and `detector` where it names one).
    fn sample(&self, file: &str, detector: Option<&str>) -> Value {
        let mut text = event(&format!("guardduty-enabled/{file}")).to_string().replace(ACCOUNT, &self.account);
        if let Some(id) = detector {
            text = text.replace(PLACEHOLDER, id);
        }
        serde_json::from_str(&text).unwrap()
    }

    fn name(&self, region: &str) -> String {
        format!("arn:aws:guardduty:{region}:{}:detector", self.account)
    }

    /// The GuardDuty requests seen since the last `proxy.clear()` (the core's own-account lookup left out).
    fn guardduty_requests(&self) -> Vec<String> {
        let requests = self.proxy.requests().into_iter().map(|r| r.operation);
        requests.filter(|o| o.contains(" /detector")).collect()
    }

    /// The writes seen since the last `proxy.clear()` (`POST /detector`, `POST /detector/<id>`), SNS left out.
    fn writes(&self) -> Vec<String> {
        self.proxy.writes().into_iter().map(|r| r.operation).filter(|o| o != "Publish").collect()
    }

    /// The GuardDuty requests that can change something (ListFindings is a POST, and counted) since the last
    /// `proxy.clear()`; the ledger's DynamoDB writes left out.
    fn guardduty_writes(&self) -> Vec<String> {
        self.guardduty_requests().into_iter().filter(|o| !o.starts_with("GET ")).collect()
    }

    /// A runtime with a ledger table of its own (`LEDGER_TABLE`), for undo.
    async fn runtime_with_ledger(&self) -> Rt {
        let table = ledger_table(&self.config).await;
        self.runtime(&[("LEDGER_TABLE", &table)]).await
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

/// A created detector asked for every optional protection plan off (the emulator echoes `features`).
fn plans_are_off(seen: &Seen) {
    for plan in PLANS_OFF {
        assert_eq!(seen.features.get(plan.as_str()).map(String::as_str), Some("DISABLED"), "{plan:?}: {seen:?}");
    }
}

#[tokio::test]
async fn every_trigger_shape_turns_guardduty_on_in_its_region() {
    for (file, kind, region, suspended) in [
        ("config-noncompliant.json", "config", REGION, false),
        ("cloudtrail.json", "cloudtrail", REGION, true),
        ("cloudtrail-delete.json", "cloudtrail", REGION, false),
        ("securityhub.json", "securityhub", REGION, false),
        ("securityhub-unconsolidated.json", "securityhub", REGION, true),
        ("schedule.json", "schedule", REGION, false),
        ("manual.json", "manual", REGION, true),
        ("manual-sweep.json", "manual", REGION, false),
        ("manual-region.json", "manual", EU, false),
    ] {
        let s = setup().await;
        let detector = if suspended { Some(s.create(region, false, &[]).await) } else { None };
        let rt = s.runtime(&[]).await;
        let report = rt.handle(&s.sample(file, detector.as_deref())).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind, "{file}");
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Remediated, "{file}: {r:?}");
        assert_eq!(r.resource, s.name(region), "{file}");
        assert_eq!((r.account.as_str(), r.region.as_str()), (s.account.as_str(), region), "{file}");
        let (id, status) = s.only_detector(region).await;
        assert_eq!(status, "ENABLED", "{file}: read back from GuardDuty in {region}");
        match &detector {
            Some(before) => {
                assert_eq!(&id, before, "{file}: the suspended detector is re-enabled, not replaced");
                assert_eq!(r.detail, format!("re-enabled GuardDuty detector {id} (was DISABLED)"), "{file}");
                assert_eq!(r.before, json!({ "DetectorId": id, "Status": "DISABLED" }), "{file}");
            }
            None => {
                assert!(r.detail.starts_with(&format!("created GuardDuty detector {id}, enabled")), "{file}: {r:?}");
                assert_eq!(r.before, json!({ "DetectorId": null, "Status": null }), "{file}");
                plans_are_off(&s.detectors(region).await[0]);
            }
        }
        assert_eq!(r.after, json!({ "DetectorId": id, "Status": "ENABLED" }), "{file}");
        let other = if region == EU { REGION } else { EU };
        assert!(s.detectors(other).await.is_empty(), "{file}: {other} is not this event's region");
    }
}

#[tokio::test]
async fn regional_events_act_in_the_event_region_not_the_function_region() {
    let region = "eu-central-1";
    for file in ["config-noncompliant.json", "cloudtrail.json", "securityhub.json"] {
        let s = setup().await;
        let detector = s.create(region, false, &[]).await;
        let rt = s.runtime(&[("TARGET_REGIONS", "us-east-1,eu-west-1")]).await;
        let text = s.sample(file, Some(&detector)).to_string().replace(REGION, region);
        let report = rt.handle(&serde_json::from_str(&text).unwrap()).await.unwrap();
        let r = only(&report);
        assert_eq!((r.outcome, r.region.as_str()), (Outcome::Remediated, region), "{file}");
        assert_eq!(s.only_detector(region).await, (detector, "ENABLED".to_owned()), "{file}");
        assert!(s.detectors(REGION).await.is_empty() && s.detectors(EU).await.is_empty(), "{file}: sweeps only");
    }
}

#[tokio::test]
async fn an_enabled_detector_costs_two_reads_and_no_write() {
    let s = setup().await;
    let id = s.create(REGION, true, &[]).await;
    let rt = s.runtime(&[]).await;
    for file in ["manual.json", "config-noncompliant.json", "cloudtrail-delete.json"] {
        s.proxy.clear();
        let report = rt.handle(&s.sample(file, Some(&id))).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::AlreadyCompliant, "{file}");
        assert_eq!(r.before, json!({ "DetectorId": id, "Status": "ENABLED" }));
        assert_eq!(r.after, Value::Null);
        assert_eq!(s.guardduty_requests(), ["GET /detector".to_owned(), format!("GET /detector/{id}")], "{file}");
    }
}

#[tokio::test]
async fn target_regions_are_fixed_in_one_invocation() {
    let s = setup().await;
    let on = s.create(REGION, true, &[]).await;
    let suspended = s.create(EU, false, &[]).await;
    let subscriber = Subscriber::new(&s.config).await;
    let regions = [REGION, EU, AP];
    let rt = s.runtime(&[("TARGET_REGIONS", &regions.join(",")), ("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json", None)).await.unwrap();
    assert_eq!(report.results.len(), 3, "{report:#?}");
    assert_eq!(in_region(&report, REGION).outcome, Outcome::AlreadyCompliant);
    assert_eq!(in_region(&report, EU).outcome, Outcome::Remediated);
    assert_eq!(in_region(&report, AP).outcome, Outcome::Remediated);
    assert_eq!(in_region(&report, AP).resource, s.name(AP));
    assert_eq!(s.only_detector(REGION).await, (on, "ENABLED".to_owned()));
    assert_eq!(s.only_detector(EU).await, (suspended.clone(), "ENABLED".to_owned()));
    assert_eq!(s.only_detector(AP).await.1, "ENABLED");
    let mut writes = s.writes();
    writes.sort();
    assert_eq!(
        writes,
        ["POST /detector".to_owned(), format!("POST /detector/{suspended}")],
        "one write per region off"
    );

    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1, "one report per invocation");
    let attrs = &messages[0]["MessageAttributes"];
    assert_eq!(attrs["control"]["Value"], "guardduty-enabled");
    let outcomes: Value = serde_json::from_str(attrs["outcome"]["Value"].as_str().unwrap()).unwrap();
    assert_eq!(outcomes, json!(["remediated", "already_compliant"]), "the headline first");

    // A manual {} covers TARGET_REGIONS too; everything is on now, so nothing is written.
    s.proxy.clear();
    let again = rt.handle(&s.sample("manual.json", None)).await.unwrap();
    assert_eq!(again.results.len(), 3);
    assert!(again.results.iter().all(|r| r.outcome == Outcome::AlreadyCompliant), "{again:#?}");
    assert!(s.writes().is_empty(), "{:?}", s.writes());
}

/// The detector whose UpdateDetector the proxy refuses in `one_region_failing_does_not_stop_the_others`
/// (a `Fault` matcher is a plain `fn`, so it reads the id from here).
static REFUSED_DETECTOR: OnceLock<String> = OnceLock::new();

fn update_of_refused_detector(r: &Request) -> bool {
    r.method == "POST" && REFUSED_DETECTOR.get().is_some_and(|id| r.path == format!("/detector/{id}"))
}

#[tokio::test]
async fn one_region_failing_does_not_stop_the_others() {
    let s = setup().await;
    let regions = [REGION, EU, AP];
    let mut ids = HashMap::new();
    for region in regions {
        ids.insert(region, s.create(region, false, &[]).await);
    }
    REFUSED_DETECTOR.set(ids[EU].clone()).unwrap();
    // The request carries no region the proxy can see; EU's detector id stands for EU.
    s.proxy.inject(Fault {
        matches: update_of_refused_detector,
        status: 403,
        body: json!({
            "__type": "AccessDeniedException",
            "message": "User: arn:aws:sts::123456789012:assumed-role/remediation/guardduty-enabled is not \
                        authorized to perform: guardduty:UpdateDetector",
        })
        .to_string(),
        times: None,
    });
    let rt = s.runtime(&[("TARGET_REGIONS", &regions.join(","))]).await;
    s.proxy.clear();
    let err = rt.handle(&s.sample("schedule.json", None)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let msg = err.to_string();
    assert!(msg.contains("guardduty:UpdateDetector") && msg.contains("AccessDeniedException"), "{msg}");
    assert!(msg.contains("2 remediated") && msg.contains("1 failed"), "{msg}");
    assert!(msg.contains(&s.name(EU)), "the failed region is named: {msg}");
    assert_eq!(s.proxy.injected(), 1, "the refused write is not retried");
    // No GuardDuty administrator manages this account: the refusal stays a failure, not needs_action.
    let ops: Vec<_> = s.proxy.requests().into_iter().map(|r| r.operation).collect();
    assert!(ops.contains(&format!("GET /detector/{}/administrator", ids[EU])), "{ops:?}");
    assert_eq!(s.only_detector(EU).await, (ids[EU].clone(), "DISABLED".to_owned()));
    for region in [REGION, AP] {
        assert_eq!(s.only_detector(region).await, (ids[region].clone(), "ENABLED".to_owned()), "{region}");
    }
}

fn update_detector(r: &Request) -> bool {
    r.method == "POST" && r.path.starts_with("/detector/") && r.path.matches('/').count() == 2
}

fn get_administrator(r: &Request) -> bool {
    r.method == "GET" && r.path.ends_with("/administrator")
}

#[tokio::test]
async fn a_member_account_the_administrator_manages_needs_action_naming_it() {
    let s = setup().await;
    let id = s.create(REGION, false, &[]).await;
    let subscriber = Subscriber::new(&s.config).await;
    // What GuardDuty answers a member whose administrator manages its detector, then GetAdministratorAccount
    // as AWS shapes it (the emulator's own answer uses PascalCase keys the SDK does not read).
    s.proxy.inject(Fault {
        matches: update_detector,
        status: 400,
        body: json!({
            "__type": "BadRequestException",
            "message": "The request is rejected because the current account is a member account and cannot \
                        change the detector managed by its administrator.",
        })
        .to_string(),
        times: Some(1),
    });
    s.proxy.inject(Fault {
        matches: get_administrator,
        status: 200,
        body: json!({ "administrator": {
            "accountId": "111122223333",
            "invitationId": "84b2f0a8c1e1d9a6b3c5d7e9f1a3b5c7",
            "relationshipStatus": "Enabled",
            "invitedAt": "2025-11-03T10:15:30.000Z",
        }})
        .to_string(),
        times: Some(1),
    });
    let rt = s.runtime(&[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    s.proxy.clear();
    let report =
        rt.handle(&s.sample("cloudtrail.json", Some(&id))).await.expect("needs_action does not fail the invocation");
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::NeedsAction, "{r:?}");
    assert!(r.detail.contains("administrator account 111122223333 (relationship Enabled)"), "{}", r.detail);
    assert!(r.detail.contains("guardduty:UpdateDetector") && r.detail.contains("BadRequestException"), "{}", r.detail);
    assert!(r.detail.contains("is a member account"), "AWS's own words are kept: {}", r.detail);
    assert_eq!(s.proxy.injected(), 2);
    assert_eq!(s.writes(), [format!("POST /detector/{id}")], "only the refused write");
    assert_eq!(s.only_detector(REGION).await, (id, "DISABLED".to_owned()));
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), 1, "needs_action is notable");
    assert_eq!(messages[0]["MessageAttributes"]["outcome"]["Value"], "needs_action");
}

#[tokio::test]
async fn no_detector_with_creation_off_needs_action_and_creates_nothing() {
    let s = setup().await;
    let suspended = s.create(EU, false, &[]).await;
    let rt = s.runtime(&[("GUARDDUTY_CREATE", "false"), ("TARGET_REGIONS", "us-east-1,eu-west-1")]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json", None)).await.unwrap();
    let r = in_region(&report, REGION);
    assert_eq!(r.outcome, Outcome::NeedsAction, "{r:?}");
    assert!(r.detail.contains("GUARDDUTY_CREATE is false"), "{}", r.detail);
    assert!(s.detectors(REGION).await.is_empty(), "nothing created");
    // Re-enabling a suspended detector creates nothing, and is done whatever GUARDDUTY_CREATE says.
    assert_eq!(in_region(&report, EU).outcome, Outcome::Remediated);
    assert_eq!(s.writes(), [format!("POST /detector/{suspended}")]);
    assert_eq!(s.only_detector(EU).await, (suspended, "ENABLED".to_owned()));
}

#[tokio::test]
async fn a_write_that_does_not_stick_is_a_failure() {
    let s = setup().await;
    let id = s.create(REGION, false, &[]).await;
    // UpdateDetector answered 200 by the proxy, never reaching GuardDuty.
    s.proxy.inject(Fault { matches: update_detector, status: 200, body: "{}".into(), times: Some(1) });
    let rt = s.runtime(&[]).await;
    let err = rt.handle(&s.sample("manual.json", None)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "re-enabled GuardDuty detector {id} (was DISABLED), but the read-back is still noncompliant"
        )),
        "{msg}"
    );
    assert_eq!(s.only_detector(REGION).await.1, "DISABLED");
}

#[tokio::test]
async fn several_detectors_in_a_region_are_judged_by_the_first_enabled_one() {
    // AWS allows one detector per account and region; the emulator allows more.
    let s = setup().await;
    let suspended = s.create(REGION, false, &[]).await;
    let enabled = s.create(REGION, true, &[]).await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let r = rt.handle(&s.sample("manual.json", None)).await.unwrap();
    let r = only(&r);
    assert_eq!(r.outcome, Outcome::AlreadyCompliant, "{r:?}");
    assert_eq!(r.before, json!({ "DetectorId": enabled, "Status": "ENABLED", "OtherDetectorIds": [suspended] }));
    assert!(s.writes().is_empty(), "{:?}", s.writes());

    // Two suspended detectors: the first listed is re-enabled, the other left alone.
    let s = setup().await;
    let first = s.create(REGION, false, &[]).await;
    let second = s.create(REGION, false, &[]).await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual.json", None)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    assert_eq!(r.after, json!({ "DetectorId": first, "Status": "ENABLED", "OtherDetectorIds": [second] }));
    assert_eq!(s.writes(), [format!("POST /detector/{first}")]);
    let statuses: Vec<_> = s.detectors(REGION).await.into_iter().map(|d| (d.id, d.status)).collect();
    assert_eq!(statuses, [(first, "ENABLED".to_owned()), (second, "DISABLED".to_owned())]);
}

#[tokio::test]
async fn exempt_regions_detectors_and_tags_are_untouched() {
    let s = setup().await;
    let listed = s.create(EU, false, &[]).await;
    let tagged = s.create(AP, false, &[("auto-remediation", "skip"), ("team", "secops")]).await;
    let regions = [REGION, EU, AP, "ca-central-1"];
    let rt = s
        .runtime(&[("TARGET_REGIONS", &regions.join(",")), ("EXEMPT_RESOURCES", &format!("ca-central-1,{listed}"))])
        .await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json", None)).await.unwrap();
    assert_eq!(in_region(&report, REGION).outcome, Outcome::Remediated);
    for (region, detail) in [
        ("ca-central-1", "ca-central-1 is listed in EXEMPT_RESOURCES".to_owned()),
        (EU, format!("{listed} is listed in EXEMPT_RESOURCES")),
        (AP, "tagged auto-remediation=skip".to_owned()),
    ] {
        let r = in_region(&report, region);
        assert_eq!((r.outcome, r.detail.as_str()), (Outcome::Exempt, detail.as_str()), "{r:?}");
    }
    assert_eq!(in_region(&report, AP).before["DetectorId"], tagged.as_str(), "the tag is read on the detector");
    assert_eq!(s.writes(), ["POST /detector"], "only us-east-1's detector is created");
    assert!(s.detectors("ca-central-1").await.is_empty());
    assert_eq!(s.only_detector(EU).await.1, "DISABLED");
    assert_eq!(s.only_detector(AP).await.1, "DISABLED");

    // The detector's ARN, an event naming an exempt region, and a call by an exempt principal.
    let arn = format!("arn:aws:guardduty:{EU}:{}:detector/{listed}", s.account);
    let rt = s.runtime(&[("EXEMPT_RESOURCES", &arn)]).await;
    let report = rt.handle(&json!({ "region": EU })).await.unwrap();
    assert_eq!(only(&report).detail, format!("{arn} is listed in EXEMPT_RESOURCES"));
    let rt = s.runtime(&[("EXEMPT_RESOURCES", EU)]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("manual-region.json", None)).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Exempt);
    assert!(s.guardduty_requests().is_empty(), "a listed region is not even read");
    let admin = format!("arn:aws:iam::{}:role/Admin", s.account);
    let rt = s.runtime(&[("EXEMPT_PRINCIPALS", &admin)]).await;
    let mut call = s.sample("cloudtrail.json", Some(&listed));
    set(&mut call, "/detail/awsRegion", EU);
    let r = rt.handle(&call).await.unwrap();
    assert_eq!(only(&r).outcome, Outcome::Exempt);
    assert!(only(&r).detail.contains("was made by exempt principal"), "{}", only(&r).detail);
    assert_eq!(s.only_detector(EU).await.1, "DISABLED");

    // An exemption does not hide a compliant region: it is reported already_compliant.
    let rt = s.runtime(&[("EXEMPT_RESOURCES", "")]).await;
    let on = s.create("sa-east-1", true, &[("auto-remediation", "skip")]).await;
    let report = rt.handle(&json!({ "region": "sa-east-1" })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::AlreadyCompliant);
    assert_eq!(only(&report).before["DetectorId"], on);
}

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    let suspended = s.create(EU, false, &[]).await;
    let rt = s.runtime(&[("DRY_RUN", "true"), ("TARGET_REGIONS", "us-east-1,eu-west-1")]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("schedule.json", None)).await.unwrap();
    assert!(report.dry_run);
    assert_eq!(in_region(&report, REGION).outcome, Outcome::WouldRemediate);
    assert_eq!(in_region(&report, REGION).before, json!({ "DetectorId": null, "Status": null }));
    assert_eq!(in_region(&report, EU).outcome, Outcome::WouldRemediate);
    assert_eq!(in_region(&report, EU).before, json!({ "DetectorId": suspended, "Status": "DISABLED" }));
    let per_payload = s.runtime(&[]).await;
    let report = per_payload.handle(&json!({ "region": AP, "dry_run": true })).await.unwrap();
    assert!(report.dry_run);
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::WouldRemediate, AP));
    assert!(s.writes().is_empty(), "{:?}", s.writes());
    assert!(s.detectors(REGION).await.is_empty() && s.detectors(AP).await.is_empty());
    assert_eq!(s.only_detector(EU).await.1, "DISABLED");
}

#[tokio::test]
async fn resource_ids_name_regions_detectors_and_accounts() {
    let s = setup().await;
    let suspended = s.create(AP, false, &[]).await;
    let rt = s.runtime(&[]).await;
    let detector_arn = format!("arn:aws:guardduty:{AP}:{}:detector/{suspended}", s.account);
    let report = rt.handle(&json!({ "resource_ids": [EU, detector_arn] })).await.unwrap();
    assert_eq!(report.results.len(), 2);
    assert!(report.results.iter().all(|r| r.outcome == Outcome::Remediated), "{report:#?}");
    assert_eq!(s.only_detector(AP).await, (suspended.clone(), "ENABLED".to_owned()));
    assert_eq!(s.only_detector(EU).await.1, "ENABLED");
    // A bare detector id and an account id mean the payload's region (or the function's).
    let report = rt.handle(&json!({ "resource_id": suspended, "region": "ca-central-1" })).await.unwrap();
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::Remediated, "ca-central-1"));
    let report = rt.handle(&json!({ "resource_id": format!("AWS::::Account:{}", s.account) })).await.unwrap();
    assert_eq!((only(&report).outcome, only(&report).region.as_str()), (Outcome::Remediated, REGION));
    let report = rt.handle(&json!({ "resource_id": s.name(REGION) })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::AlreadyCompliant);
    assert_eq!(s.only_detector("ca-central-1").await.1, "ENABLED");
}

#[tokio::test]
async fn invalid_events_are_rejected_before_any_aws_call() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let mut not_an_account = s.sample("config-noncompliant.json", None);
    set(&mut not_an_account, "/detail/resourceId", "not-an-account");
    let mut bad_detector = s.sample("cloudtrail-delete.json", None);
    set(&mut bad_detector, "/detail/requestParameters/detectorId", "NOT-A-DETECTOR");
    let mut wrong_partition = s.sample("securityhub.json", None);
    set(
        &mut wrong_partition,
        "/detail/findings/0/Resources/0/Id",
        "arn:aws-cn:guardduty:cn-north-1:123456789012:detector",
    );
    for (payload, says) in [
        (json!({ "resource_id": "narnia" }), "not a region name"),
        (
            json!({ "resource_id": "arn:aws:guardduty:us-east-1:123456789012:filter/x" }),
            "is not an arn:<partition>:guardduty",
        ),
        (json!({ "region": "mars-1" }), "not a region name"),
        (json!({ "regions": ["us-east-1"] }), "unknown field \"regions\""),
        (not_an_account, "\"not-an-account\" does not name an account"),
        (bad_detector, "\"NOT-A-DETECTOR\" is not a region name, an account id, a detector id"),
        (wrong_partition, "partition aws-cn"),
    ] {
        let err = rt.handle(&payload).await.expect_err(&payload.to_string());
        assert!(matches!(err, Error::InvalidEvent(_)), "{payload}: {err:?}");
        assert!(err.to_string().contains(says), "{payload}: {err}");
    }
    assert!(s.proxy.requests().is_empty(), "no AWS call for invalid input: {:?}", s.proxy.requests());
}

#[tokio::test]
async fn events_with_nothing_to_do_are_ignored_without_aws_calls() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let mut compliant = s.sample("config-noncompliant.json", None);
    set(&mut compliant, "/detail/newEvaluationResult/complianceType", "COMPLIANT");
    let mut failed_call = s.sample("cloudtrail.json", None);
    failed_call["detail"]["errorCode"] = json!("AccessDeniedException");
    let mut own = s.sample("cloudtrail-delete.json", None);
    set(&mut own, "/detail/userIdentity/arn", "arn:aws:sts::123456789012:assumed-role/remediation/guardduty-enabled");
    let mut enable = s.sample("cloudtrail.json", None);
    enable["detail"]["requestParameters"]["enable"] = json!(true);
    let mut create = s.sample("cloudtrail-delete.json", None);
    set(&mut create, "/detail/eventName", "CreateDetector");
    let mut other_control = s.sample("securityhub.json", None);
    set(&mut other_control, "/detail/findings/0/Compliance/SecurityControlId", "GuardDuty.5");
    let mut other_type = s.sample("config-noncompliant.json", None);
    set(&mut other_type, "/detail/resourceType", "AWS::GuardDuty::Detector");
    for (payload, says) in [
        (compliant, "COMPLIANT"),
        (failed_call, "failed with AccessDeniedException"),
        (own, "made by this function"),
        (s.sample("cloudtrail-frequency.json", None), "did not disable the detector"),
        (enable, "did not disable the detector"),
        (create, "CreateDetector is not a call"),
        (other_control, "no FAILED finding for GuardDuty.1"),
        (other_type, "AWS::GuardDuty::Detector is not handled"),
    ] {
        let report = rt.handle(&payload).await.unwrap();
        assert!(report.results.is_empty(), "{report:#?}");
        assert!(report.ignored.as_deref().unwrap_or_default().contains(says), "{:?} vs {says}", report.ignored);
    }
    assert!(s.proxy.requests().is_empty(), "{:?}", s.proxy.requests());
}

#[tokio::test]
async fn bad_input_makes_no_aws_call() {
    let (rejected, ignored) = bad_input_makes_no_call::<GuardDutyEnabled>().await;
    assert!(rejected > 0 && ignored > 0, "{rejected} rejected, {ignored} ignored");
}

#[tokio::test]
async fn a_created_detector_reads_back_enabled_with_the_plans_off() {
    let s = setup().await;
    let rt = s.runtime(&[]).await;
    s.proxy.clear();
    let report = rt.handle(&s.sample("cloudtrail-delete.json", None)).await.unwrap();
    let requests = s.guardduty_requests();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    let seen = s.detectors(REGION).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].status, "ENABLED");
    plans_are_off(&seen[0]);
    assert_eq!(seen[0].features.len(), PLANS_OFF.len(), "no other feature was sent: {:?}", seen[0].features);
    assert!(!seen[0].features.values().any(|s| s == FeatureStatus::Enabled.as_str()));
    // The read, the look for tags and ids (describe), the create, then the read-back: ListDetectors
    // (the new id is not known otherwise) and GetDetector.
    let get = format!("GET /detector/{}", seen[0].id);
    assert_eq!(requests, ["GET /detector", "GET /detector", "POST /detector", "GET /detector", &get]);
}

/// The action id of the one `remediated` result of `report`.
fn action_id(report: &Report) -> String {
    let r = only(report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    r.action_id.clone().expect("an action id with LEDGER_TABLE set")
}

/// GuardDuty's ListFindings (`POST /detector/<id>/findings`), which the emulator does not implement.
fn list_findings(r: &Request) -> bool {
    r.method == "POST" && r.path.ends_with("/findings")
}

#[tokio::test]
async fn undo_suspends_the_detector_the_fix_re_enabled() {
    let s = setup().await;
    let id = s.create(EU, false, &[]).await;
    let rt = s.runtime_with_ledger().await;
    let action = action_id(&rt.handle(&json!({ "region": EU })).await.unwrap());
    assert_eq!(s.only_detector(EU).await, (id.clone(), "ENABLED".to_owned()));

    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!(
        (r.outcome, r.resource.as_str(), r.region.as_str()),
        (Outcome::Undone, s.name(EU).as_str(), EU),
        "{r:?}"
    );
    assert!(r.detail.starts_with(&format!("suspended GuardDuty detector {id} again")), "{}", r.detail);
    assert_eq!(s.guardduty_writes(), [format!("POST /detector/{id}")], "one UpdateDetector, no delete");
    assert_eq!(s.only_detector(EU).await, (id, "DISABLED".to_owned()), "read back from GuardDuty: suspended again");
}

#[tokio::test]
async fn undo_deletes_a_created_detector_only_while_it_has_no_findings() {
    let s = setup().await;
    let rt = s.runtime_with_ledger().await;
    let action = action_id(&rt.handle(&s.sample("manual.json", None)).await.unwrap());
    let (id, _) = s.only_detector(REGION).await;

    // The emulator has no ListFindings: the proxy answers as GuardDuty does for a detector with a finding.
    s.proxy.inject(Fault {
        matches: list_findings,
        status: 200,
        body: json!({ "findingIds": ["a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2"] }).to_string(),
        times: Some(1),
    });
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("has findings (e.g. a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2)"), "{text}");
    assert!(text.contains("delete-detector") && text.contains("--no-enable"), "what a person can do: {text}");
    assert_eq!(s.guardduty_writes(), [format!("POST /detector/{id}/findings")], "no DeleteDetector");
    assert_eq!(s.only_detector(REGION).await, (id.clone(), "ENABLED".to_owned()), "kept, with its findings");

    // No findings (the emulator's detectors have none): the refused undo can be asked again, and deletes.
    s.proxy.inject(Fault {
        matches: list_findings,
        status: 200,
        body: json!({ "findingIds": [] }).to_string(),
        times: Some(1),
    });
    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Undone, "{r:?}");
    assert!(r.detail.starts_with(&format!("deleted GuardDuty detector {id}, which the fix created")), "{}", r.detail);
    assert_eq!(r.after, json!({ "DetectorId": null, "Status": null }));
    assert_eq!(s.guardduty_writes(), [format!("POST /detector/{id}/findings"), format!("DELETE /detector/{id}")]);
    assert!(s.detectors(REGION).await.is_empty(), "read back from GuardDuty: no detector, as before the fix");
}

#[tokio::test]
async fn undo_refuses_a_detector_changed_since_the_fix() {
    let s = setup().await;
    let id = s.create(REGION, false, &[]).await;
    let rt = s.runtime_with_ledger().await;
    let action = action_id(&rt.handle(&s.sample("manual.json", None)).await.unwrap());
    // Someone turns on S3 Protection after the fix.
    let plan = aws_sdk_guardduty::types::DetectorFeatureConfiguration::builder()
        .name(aws_sdk_guardduty::types::DetectorFeature::S3DataEvents)
        .status(FeatureStatus::Enabled)
        .build();
    s.guardduty(REGION).update_detector().detector_id(&id).features(plan).send().await.unwrap();

    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action"), "{text}");
    assert!(text.contains(r#""EnabledFeatures":["S3_DATA_EVENTS"]"#), "the state now: {text}");
    assert!(text.contains(&format!(r#"the fix left {{"DetectorId":"{id}","Status":"ENABLED"}}"#)), "{text}");
    assert!(s.guardduty_writes().is_empty(), "nothing written to GuardDuty: {:?}", s.proxy.requests());
    assert_eq!(s.only_detector(REGION).await, (id, "ENABLED".to_owned()));
}
