//! GuardDuty on in every target region (GuardDuty.1): re-enable a suspended detector, create one where
//! none exists.

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_guardduty::types::{DetectorFeature, DetectorFeatureConfiguration, DetectorStatus, FeatureStatus};
use remediation_core::config::partition_of;
use remediation_core::control::resolve_region;
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{ApiCall, AwsError, Control, Cx, Description, Error, Resolved, ResourceRef, Result, Settings};
use serde::{Deserialize, Serialize};

/// The last part of the name the report gives a region's GuardDuty:
/// `arn:<partition>:guardduty:<region>:<account>:detector` (a real detector ARN adds `/<id>`).
pub const RESOURCE: &str = "detector";

/// The protection plans a detector created without `features` gets turned on (AWS API reference,
/// CreateDetector: "When you don't specify any features, with an exception to RUNTIME_MONITORING, all
/// the optional features are enabled by default"). Each is billed on top of GuardDuty itself, so a
/// detector this function creates asks for every one of them off. Runtime Monitoring (either name) is
/// off by default, and naming both of its features in one call is an error, so neither is sent.
pub const PLANS_OFF: &[DetectorFeature] = &[
    DetectorFeature::S3DataEvents,
    DetectorFeature::EksAuditLogs,
    DetectorFeature::EbsMalwareProtection,
    DetectorFeature::RdsLoginEvents,
    DetectorFeature::LambdaNetworkLogs,
];

pub struct GuardDutyEnabled {
    /// `GUARDDUTY_CREATE`: create a detector where a region has none (GuardDuty starts billing).
    create: bool,
}

/// One region of one account: GuardDuty is on or off per account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region(pub String);

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What GuardDuty says about one region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GuardDutyState {
    /// The detector judged: the first `ENABLED` one, else the first listed. `null`: the region has none.
    pub detector_id: Option<String>,
    /// `ENABLED` or `DISABLED` (suspended), as GetDetector answers; `null` without a detector.
    pub status: Option<String>,
    /// Protection plans (GetDetector `features`) that are `ENABLED` on the judged detector.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enabled_features: Vec<String>,
    /// The region's other detectors. AWS allows one per account and region; the emulator allows more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_detector_ids: Vec<String>,
}

impl GuardDutyState {
    fn enabled(&self) -> bool {
        self.status.as_deref() == Some(DetectorStatus::Enabled.as_str())
    }
}

/// One detector as GetDetector answers.
struct Detector {
    id: String,
    status: Option<String>,
    tags: Vec<(String, String)>,
    enabled_features: Vec<String>,
}

/// True for what GuardDuty answers about a detector id that is not (or no longer) this account's.
fn is_gone(e: &AwsError) -> bool {
    e.is(&["BadRequestException", "InvalidInputException"]) && e.message.contains("not owned")
}

/// A detector id as GuardDuty issues them (32 lowercase hex digits, e.g. in CloudTrail's `detectorId`).
pub fn is_detector_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn list_detectors(cx: &Cx<'_, aws_sdk_guardduty::Client>) -> Result<Vec<String>> {
    cx.client
        .list_detectors()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("guardduty:ListDetectors", cx.region, e).into())
}

/// GetDetector; `None` when the detector went away since it was listed.
async fn get_detector(cx: &Cx<'_, aws_sdk_guardduty::Client>, id: &str) -> Result<Option<Detector>> {
    let out = match cx.client.get_detector().detector_id(id).send().await {
        Ok(out) => out,
        Err(e) => {
            let e = AwsError::from_sdk("guardduty:GetDetector", id, e);
            return if is_gone(&e) { Ok(None) } else { Err(e.into()) };
        }
    };
    let mut tags: Vec<(String, String)> =
        out.tags().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
    tags.sort();
    let enabled_features = out
        .features()
        .iter()
        .filter(|f| f.status() == Some(&FeatureStatus::Enabled))
        .filter_map(|f| f.name().map(|n| n.as_str().to_owned()))
        .collect();
    Ok(Some(Detector {
        id: id.to_owned(),
        status: out.status().map(|s| s.as_str().to_owned()),
        tags,
        enabled_features,
    }))
}

impl GuardDutyEnabled {
    /// The administrator account that manages this member's detector, if any (GetAdministratorAccount
    /// answers nothing for a standalone account, an administrator or the management account).
    async fn administrator(&self, cx: &Cx<'_, aws_sdk_guardduty::Client>, detector_id: &str) -> Result<Option<String>> {
        let out = cx
            .client
            .get_administrator_account()
            .detector_id(detector_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("guardduty:GetAdministratorAccount", detector_id, e))?;
        // `administrator` is a required member: for AWS's empty answer the SDK fills in an empty one, so
        // only an account id says that an administrator exists.
        let Some(admin) = out.administrator().filter(|a| a.account_id().is_some_and(|id| !id.is_empty())) else {
            return Ok(None);
        };
        let account = admin.account_id().unwrap_or_default();
        Ok(Some(match admin.relationship_status() {
            Some(status) => format!("{account} (relationship {status})"),
            None => account.to_owned(),
        }))
    }

    /// A write GuardDuty refused: `needs_action` naming the administrator when a GuardDuty administrator
    /// manages this account (only it may change a member's detector), otherwise the refusal itself.
    /// `what`: the write (`re-enable`); `ask`: what the administrator should do (`enable`).
    async fn refused(
        &self,
        cx: &Cx<'_, aws_sdk_guardduty::Client>,
        detector_id: &str,
        refusal: AwsError,
        (what, ask): (&str, &str),
    ) -> Error {
        if !refusal.is(&["AccessDeniedException", "BadRequestException"]) {
            return refusal.into();
        }
        match self.administrator(cx, detector_id).await {
            Ok(Some(admin)) => Error::NeedsAction(format!(
                "GuardDuty in {} is managed by the GuardDuty administrator account {admin}, and it refused to \
                 {what} detector {detector_id}: {refusal}. Ask the administrator to {ask} GuardDuty for member {} in {}",
                cx.region, cx.account, cx.region
            )),
            Ok(None) => refusal.into(),
            Err(lookup) => Error::Target(format!("{refusal}; the administrator could not be looked up: {lookup}")),
        }
    }
}

impl Control for GuardDutyEnabled {
    type Target = Region;
    type State = GuardDutyState;
    type Client = aws_sdk_guardduty::Client;

    const NAME: &'static str = "guardduty-enabled";
    /// `describe` asks ListDetectors and GetDetector again (names, tags): never at once with the read.
    const DESCRIBE_AT_ONCE: bool = false;
    /// `UpdateDetector` is acted on only when it disabled the detector (`ignore_call`).
    const EVENT_NAMES: &'static [&'static str] = &["DeleteDetector", "UpdateDetector"];
    /// GUARDDUTY_ENABLED_CENTRALIZED evaluates the account, once per region.
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::::Account"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["GuardDuty.1"];
    /// A region is the target: `{}` covers TARGET_REGIONS, `{"region": "x"}` covers x.
    const MANUAL_EMPTY_IS_SWEEP: bool = true;
    const WIRING: Wiring = Wiring {
        summary: "Keeps GuardDuty on in every target region: re-enables a suspended detector, creates one where \
                  none exists (GuardDuty.1).",
        event_source: "aws.guardduty",
        cloudtrail_source: "guardduty.amazonaws.com",
        global_service: false,
        config_rules: &[ConfigRule {
            identifier: "GUARDDUTY_ENABLED_CENTRALIZED",
            name: "guardduty-enabled-centralized",
            resource_types: &[],
            input_parameters: "",
        }],
        settings: &[Setting::new(
            "GUARDDUTY_CREATE",
            "true",
            "create a GuardDuty detector (no extra protection plans) where a target region has none; GuardDuty \
             then bills for that region. false: report needs_action instead.",
        )
        .allowed(&["true", "false"])],
        permissions: &[
            // None of these has a resource type: ListDetectors and GetAdministratorAccount are reads,
            // CreateDetector makes the region's one detector (no tags are sent, so no TagResource).
            // ListFindings (undo only: a created detector with findings is not deleted) has no resource
            // type in the IAM reference the template tests check against.
            Permission::allow(
                "GuardDutyNoResourceType",
                &[
                    "guardduty:ListDetectors",
                    "guardduty:GetAdministratorAccount",
                    "guardduty:CreateDetector",
                    "guardduty:ListFindings",
                ],
                "*",
            ),
            // DeleteDetector: undo only, of a detector the fix created.
            Permission::allow(
                "GuardDutyDetector",
                &["guardduty:GetDetector", "guardduty:UpdateDetector", "guardduty:DeleteDetector"],
                "arn:${AWS::Partition}:guardduty:*:${AWS::AccountId}:detector/*",
            ),
            // The first CreateDetector in an account creates GuardDuty's service-linked role; the caller
            // needs this permission for that, and for nothing else.
            Permission {
                sid: "GuardDutyServiceLinkedRole",
                actions: &["iam:CreateServiceLinkedRole"],
                resource: concat!(
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/guardduty.amazonaws.com/",
                    "AWSServiceRoleForAmazonGuardDuty"
                ),
                when_set: "",
                deny: false,
                condition: r#"{"StringEquals": {"iam:AWSServiceName": "guardduty.amazonaws.com"}}"#,
                member: true,
            },
        ],
        timeout: 120,
        timeout_why: "At most 4-5 calls per region, all regions at once; 120 s leaves room for the SDK's retries.",
    };

    fn new(settings: &Settings) -> Result<Self> {
        Ok(GuardDutyEnabled { create: settings.flag("GUARDDUTY_CREATE", true)? })
    }

    fn client(config: &SdkConfig) -> aws_sdk_guardduty::Client {
        aws_sdk_guardduty::Client::new(config)
    }

    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Region>, String> {
        let detector = |res: &str| {
            res == RESOURCE || res.strip_prefix("detector/").is_some_and(|id| !id.is_empty() && !id.contains('/'))
        };
        if let Some(resolved) =
            resolve_region(r, "guardduty", "detector[/<id>]", detector, |region| Region(region.to_owned()))?
        {
            return Ok(resolved);
        }
        if is_detector_id(&r.id) {
            // Without a region on the resource, the engine's sweep of the event's region is that one region.
            return Ok(match &r.region {
                Some(region) => {
                    Resolved::Target { target: Region(region.clone()), account: None, region: Some(region.clone()) }
                }
                None => Resolved::Sweep,
            });
        }
        Err(format!(
            "{:?} is not a region name, an account id, a detector id or an arn:<partition>:guardduty:<region>:\
             <account>:detector[/<id>] name",
            r.id
        ))
    }

    fn arn(&self, target: &Region, partition: &str, account: &str, _region: &str) -> String {
        format!("arn:{partition}:guardduty:{}:{account}:{RESOURCE}", target.0)
    }

    /// UpdateDetector also changes the finding frequency or protection plans: only `enable: false`
    /// turns GuardDuty off.
    fn ignore_call(&self, call: &ApiCall) -> Option<String> {
        if call.event_name != "UpdateDetector" {
            return None;
        }
        let enable = call.request_parameters.get("enable");
        let disabled =
            enable.and_then(|v| v.as_bool()) == Some(false) || enable.and_then(|v| v.as_str()) == Some("false");
        (!disabled)
            .then(|| "UpdateDetector did not disable the detector (requestParameters.enable is not false)".into())
    }

    /// GuardDuty is one setting per region: a sweep of a region is that region.
    async fn sweep(&self, cx: &Cx<'_, Self::Client>) -> Result<Vec<Region>> {
        Ok(vec![Region(cx.region.to_owned())])
    }

    /// The detector's tags (`EXEMPT_TAG`), and its id and ARN (`EXEMPT_RESOURCES`). With several
    /// detectors (the emulator), every id counts and the tags are those of the one `fix` would act on.
    async fn describe(&self, cx: &Cx<'_, Self::Client>, target: &Region) -> Result<Option<Description>> {
        let ids = list_detectors(cx).await?;
        let partition = partition_of(&target.0);
        let mut description = Description::default();
        for id in &ids {
            description.names.push(id.clone());
            description.names.push(format!("arn:{partition}:guardduty:{}:{}:detector/{id}", target.0, cx.account));
        }
        if let Some(first) = ids.first() {
            if let Some(detector) = get_detector(cx, first).await? {
                description.tags = detector.tags;
            }
        }
        Ok(Some(description))
    }

    /// ListDetectors, then GetDetector until one is `ENABLED` (one GetDetector where AWS's single
    /// detector is on).
    async fn read(&self, cx: &Cx<'_, Self::Client>, _target: &Region) -> Result<Option<GuardDutyState>> {
        let ids = list_detectors(cx).await?;
        let mut judged: Option<Detector> = None;
        for id in &ids {
            let Some(detector) = get_detector(cx, id).await? else { continue };
            let enabled = detector.status.as_deref() == Some(DetectorStatus::Enabled.as_str());
            if enabled || judged.is_none() {
                judged = Some(detector);
            }
            if enabled {
                break;
            }
        }
        let Some(detector) = judged else {
            return Ok(Some(GuardDutyState::default()));
        };
        Ok(Some(GuardDutyState {
            other_detector_ids: ids.iter().filter(|id| **id != detector.id).cloned().collect(),
            detector_id: Some(detector.id),
            status: detector.status,
            enabled_features: detector.enabled_features,
        }))
    }

    fn is_compliant(&self, state: &GuardDutyState) -> bool {
        state.enabled()
    }

    fn needs_action(&self, state: &GuardDutyState) -> Option<String> {
        (state.detector_id.is_none() && !self.create).then(|| {
            "GuardDuty has no detector in this region, and GUARDDUTY_CREATE is false: enable GuardDuty here (it \
             starts billing for the region), or from the organization's GuardDuty administrator, or list the region \
             in EXEMPT_RESOURCES"
                .to_owned()
        })
    }

    async fn fix(&self, cx: &Cx<'_, Self::Client>, target: &Region, state: &GuardDutyState) -> Result<String> {
        if let Some(id) = &state.detector_id {
            if let Err(e) = cx.client.update_detector().detector_id(id).enable(true).send().await {
                let refusal = AwsError::from_sdk("guardduty:UpdateDetector", id, e);
                return Err(self.refused(cx, id, refusal, ("re-enable", "enable")).await);
            }
            let was = state.status.as_deref().unwrap_or("no status");
            return Ok(format!("re-enabled GuardDuty detector {id} (was {was})"));
        }
        if !self.create {
            return Err(Error::NeedsAction("no detector, and GUARDDUTY_CREATE is false".into()));
        }
        let mut create = cx.client.create_detector().enable(true);
        for plan in PLANS_OFF {
            create = create.features(
                DetectorFeatureConfiguration::builder().name(plan.clone()).status(FeatureStatus::Disabled).build(),
            );
        }
        let out = create.send().await.map_err(|e| AwsError::from_sdk("guardduty:CreateDetector", &target.0, e))?;
        let id = out.detector_id().unwrap_or("(no id returned)");
        Ok(format!("created GuardDuty detector {id}, enabled, with the optional protection plans off"))
    }

    /// Undo: suspend again the detector the fix re-enabled; delete the detector the fix created, only
    /// while it has no findings (deleting a detector deletes its findings).
    async fn restore(
        &self,
        cx: &Cx<'_, Self::Client>,
        _target: &Region,
        before: &GuardDutyState,
        now: &GuardDutyState,
    ) -> Result<String> {
        let region = cx.region;
        match (&before.detector_id, &now.detector_id) {
            (Some(was), Some(id)) if was == id && !before.enabled() && now.enabled() => {
                if let Err(e) = cx.client.update_detector().detector_id(id).enable(false).send().await {
                    let refusal = AwsError::from_sdk("guardduty:UpdateDetector", id, e);
                    return Err(self.refused(cx, id, refusal, ("suspend", "suspend")).await);
                }
                Ok(format!(
                    "suspended GuardDuty detector {id} again, as it was before the fix: GuardDuty does not monitor \
                     {region} until the detector is re-enabled"
                ))
            }
            (None, Some(id)) if now.enabled() && now.other_detector_ids.is_empty() => {
                let findings = cx
                    .client
                    .list_findings()
                    .detector_id(id)
                    .max_results(1)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("guardduty:ListFindings", id, e))?;
                if let Some(finding) = findings.finding_ids().first() {
                    return Err(Error::NeedsAction(format!(
                        "GuardDuty detector {id}, created by the fix, has findings (e.g. {finding}), and deleting the \
                         detector deletes them: nothing was deleted. Review or export the findings first, then delete \
                         it by hand (aws guardduty delete-detector --detector-id {id} --region {region}), or keep \
                         it suspended instead (aws guardduty update-detector --detector-id {id} --no-enable --region \
                         {region}), which keeps the findings"
                    )));
                }
                if let Err(e) = cx.client.delete_detector().detector_id(id).send().await {
                    let refusal = AwsError::from_sdk("guardduty:DeleteDetector", id, e);
                    return Err(self.refused(cx, id, refusal, ("delete", "disable")).await);
                }
                Ok(format!(
                    "deleted GuardDuty detector {id}, which the fix created and which had no findings: GuardDuty is \
                     off in {region} again, as before the fix"
                ))
            }
            (None, Some(id)) if !now.other_detector_ids.is_empty() => Err(Error::NeedsAction(format!(
                "{region} has detectors besides {id}, the one the fix created ({}): undo does not choose which to \
                 delete; delete the unwanted ones by hand",
                now.other_detector_ids.join(", ")
            ))),
            _ => Err(Error::NeedsAction(format!(
                "undo only suspends a detector the fix re-enabled or deletes one it created, and the recorded \
                 before ({}) and the region now ({}) are neither: change GuardDuty in {region} by hand if needed",
                describe(before),
                describe(now)
            ))),
        }
    }
}

/// A state in words, for a refusal.
fn describe(state: &GuardDutyState) -> String {
    match (&state.detector_id, &state.status) {
        (None, _) => "no detector".into(),
        (Some(id), status) => format!("detector {id} {}", status.as_deref().unwrap_or("without status")),
    }
}

#[cfg(test)]
mod tests;
