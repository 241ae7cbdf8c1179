//! EBS encryption by default (EC2.7), region by region, and optionally the region's default KMS key.

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType};
use remediation_core::control::resolve_region;
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{Arn, AwsError, Control, Cx, Description, Error, Resolved, ResourceRef, Result, Settings};
use serde::{Deserialize, Serialize};

/// The last part of the name the report gives a region's setting:
/// `arn:<partition>:ec2:<region>:<account>:ebs-encryption-by-default`.
pub const RESOURCE: &str = "ebs-encryption-by-default";

pub struct EbsDefaultEncryption {
    /// `EBS_DEFAULT_KMS_KEY_ID`: a key id, key ARN, alias name or alias ARN, resolved in each region.
    kms_key_id: Option<String>,
}

/// One region of one account: the setting is per account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region(pub String);

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What EC2 (and, with a configured key, KMS) says about one region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EbsDefaults {
    pub ebs_encryption_by_default: bool,
    /// The region's default key (`GetEbsDefaultKmsKeyId`): read only when `EBS_DEFAULT_KMS_KEY_ID` is set
    /// and that key can be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// `EBS_DEFAULT_KMS_KEY_ID` as KMS resolves it in this region (the key ARN), or as configured when
    /// it cannot be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wanted_kms_key_id: Option<String>,
    /// Why the configured key cannot be the default key here (the AWS error, or its state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_problem: Option<String>,
}

/// The AWS managed key for EBS, as EC2 names it while it is the default (`alias/aws/ebs`, or its ARN).
fn is_aws_managed_default(key: &str) -> bool {
    key == "alias/aws/ebs" || key.ends_with(":alias/aws/ebs")
}

#[derive(Clone, Debug)]
pub struct Client {
    pub ec2: aws_sdk_ec2::Client,
    /// Only called when `EBS_DEFAULT_KMS_KEY_ID` is set.
    pub kms: aws_sdk_kms::Client,
}

impl EbsDefaultEncryption {
    /// True when the region's default key is the configured one (or no key is configured).
    fn key_is_default(&self, state: &EbsDefaults) -> bool {
        let Some(configured) = &self.kms_key_id else {
            return true;
        };
        if state.kms_key_problem.is_some() {
            return false;
        }
        let (Some(current), Some(wanted)) = (state.kms_key_id.as_deref(), state.wanted_kms_key_id.as_deref()) else {
            return false;
        };
        // EC2 answers with a key ARN, or `alias/aws/ebs` while the AWS managed key is the default.
        current == wanted || current == configured || wanted.ends_with(&format!(":key/{current}"))
    }

    /// The configured key's ARN in this region, or why EBS cannot use it. EC2 checks the key only
    /// asynchronously (ModifyEbsDefaultKmsKeyId can succeed with a key that does not exist), so KMS is
    /// asked first.
    async fn usable_key(&self, cx: &Cx<'_, Client>, configured: &str) -> std::result::Result<String, String> {
        let out = cx
            .client
            .kms
            .describe_key()
            .key_id(configured)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("kms:DescribeKey", configured, e).to_string())?;
        let key = out.key_metadata().ok_or_else(|| format!("kms:DescribeKey on {configured} returned no key"))?;
        let arn = key.arn().unwrap_or(key.key_id()).to_owned();
        if let Some(state) = key.key_state().filter(|s| **s != KeyState::Enabled) {
            return Err(format!("KMS key {arn} is {}, not Enabled", state.as_str()));
        }
        let symmetric = key.key_spec().is_none_or(|s| *s == KeySpec::SymmetricDefault)
            && key.key_usage().is_none_or(|u| *u == KeyUsageType::EncryptDecrypt);
        if !symmetric {
            return Err(format!(
                "KMS key {arn} is {} / {}: EBS needs a symmetric encryption key",
                key.key_spec().map(|s| s.as_str()).unwrap_or("?"),
                key.key_usage().map(|u| u.as_str()).unwrap_or("?")
            ));
        }
        if let Some(key_region) = Arn::parse(&arn).and_then(|a| a.region()).filter(|r| r != cx.region) {
            return Err(format!(
                "KMS key {arn} is in {key_region}: EBS in {} needs a key of {}; configure an alias or a \
                 multi-Region key id that exists in every target region",
                cx.region, cx.region
            ));
        }
        Ok(arn)
    }
}

impl Control for EbsDefaultEncryption {
    type Target = Region;
    type State = EbsDefaults;
    type Client = Client;

    const NAME: &'static str = "ebs-default-encryption";
    /// The key calls are acted on only when a default key is configured (`ignore_call`).
    const EVENT_NAMES: &'static [&'static str] =
        &["DisableEbsEncryptionByDefault", "ModifyEbsDefaultKmsKeyId", "ResetEbsDefaultKmsKeyId"];
    /// EC2_EBS_ENCRYPTION_BY_DEFAULT evaluates the account, once per region.
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::::Account"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["EC2.7"];
    /// A region is the target: `{}` covers TARGET_REGIONS, `{"region": "x"}` covers x.
    const MANUAL_EMPTY_IS_SWEEP: bool = true;
    const WIRING: Wiring = Wiring {
        summary: "Turns on EBS encryption by default in every target region, optionally with a default KMS key (EC2.7).",
        event_source: "aws.ec2",
        cloudtrail_source: "ec2.amazonaws.com",
        global_service: false,
        config_rules: &[ConfigRule {
            identifier: "EC2_EBS_ENCRYPTION_BY_DEFAULT",
            name: "ec2-ebs-encryption-by-default",
            resource_types: &[],
            input_parameters: "",
        }],
        settings: &[Setting::new(
            "EBS_DEFAULT_KMS_KEY_ID",
            "",
            "when set (key id, ARN, alias), also make this key the EBS default key of each target region. Use an alias or a multi-Region key id for several regions.",
        )],
        permissions: &[
            // Disable: undo only (`{"undo": "<action id>"}`), where encryption by default was off before.
            Permission::allow(
                "EbsNoResourceType",
                &[
                    "ec2:GetEbsEncryptionByDefault",
                    "ec2:EnableEbsEncryptionByDefault",
                    "ec2:DisableEbsEncryptionByDefault",
                ],
                "*",
            ),
            // The default key is read, checked with KMS and set only when EBS_DEFAULT_KMS_KEY_ID is set;
            // Reset: undo only, where the AWS managed key was the default before.
            Permission::allow(
                "DefaultKeyNoResourceType",
                &["ec2:GetEbsDefaultKmsKeyId", "ec2:ModifyEbsDefaultKmsKeyId", "ec2:ResetEbsDefaultKmsKeyId"],
                "*",
            )
            .when_set("EBS_DEFAULT_KMS_KEY_ID"),
            Permission::allow("DefaultKey", &["kms:DescribeKey"], "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*")
                .when_set("EBS_DEFAULT_KMS_KEY_ID"),
        ],
        timeout: 120,
        timeout_why: "At most 3-6 calls per region, all regions at once; 120 s leaves room for the SDK's retries.",
    };

    fn new(settings: &Settings) -> Result<Self> {
        Ok(EbsDefaultEncryption { kms_key_id: settings.ebs_default_kms_key_id.clone() })
    }

    fn client(config: &SdkConfig) -> Client {
        Client { ec2: aws_sdk_ec2::Client::new(config), kms: aws_sdk_kms::Client::new(config) }
    }

    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Region>, String> {
        let resolved = resolve_region(r, "ec2", RESOURCE, |res| res == RESOURCE, |region| Region(region.to_owned()))?;
        resolved.ok_or_else(|| {
            format!(
                "{:?} is not a region name, an account id or an arn:<partition>:ec2:<region>:<account>:{RESOURCE} name",
                r.id
            )
        })
    }

    fn arn(&self, target: &Region, partition: &str, account: &str, _region: &str) -> String {
        format!("arn:{partition}:ec2:{}:{account}:{RESOURCE}", target.0)
    }

    /// EC2's settings page, "Data protection and security" tab, where EBS encryption is set.
    fn console_url(&self, _resource: &str, region: &str) -> Option<String> {
        remediation_core::links::page(region, &format!("ec2/home?region={region}#Settings:tab=ebsEncryption"))
    }

    fn ignore_call(&self, call: &remediation_core::ApiCall) -> Option<String> {
        (call.event_name != "DisableEbsEncryptionByDefault" && self.kms_key_id.is_none()).then(|| {
            format!("{} changes only the default KMS key, and EBS_DEFAULT_KMS_KEY_ID is not set", call.event_name)
        })
    }

    /// The setting exists once per region: a sweep of a region is that region.
    async fn sweep(&self, cx: &Cx<'_, Client>) -> Result<Vec<Region>> {
        Ok(vec![Region(cx.region.to_owned())])
    }

    /// A region has no tags; `EXEMPT_RESOURCES` matches its name or the report's ARN.
    async fn describe(&self, _cx: &Cx<'_, Client>, _target: &Region) -> Result<Option<Description>> {
        Ok(Some(Description::default()))
    }

    async fn read(&self, cx: &Cx<'_, Client>, target: &Region) -> Result<Option<EbsDefaults>> {
        let out = cx
            .client
            .ec2
            .get_ebs_encryption_by_default()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ec2:GetEbsEncryptionByDefault", &target.0, e))?;
        let mut state = EbsDefaults {
            ebs_encryption_by_default: out.ebs_encryption_by_default().unwrap_or(false),
            ..Default::default()
        };
        if let Some(configured) = &self.kms_key_id {
            match self.usable_key(cx, configured).await {
                Ok(arn) => {
                    let out = cx
                        .client
                        .ec2
                        .get_ebs_default_kms_key_id()
                        .send()
                        .await
                        .map_err(|e| AwsError::from_sdk("ec2:GetEbsDefaultKmsKeyId", &target.0, e))?;
                    state.kms_key_id = out.kms_key_id().map(str::to_owned);
                    state.wanted_kms_key_id = Some(arn);
                }
                Err(problem) => {
                    state.wanted_kms_key_id = Some(configured.clone());
                    state.kms_key_problem = Some(problem);
                }
            }
        }
        Ok(Some(state))
    }

    fn is_compliant(&self, state: &EbsDefaults) -> bool {
        state.ebs_encryption_by_default && self.key_is_default(state)
    }

    /// Encryption first: a key that cannot be used must not keep the region unencrypted.
    async fn fix(&self, cx: &Cx<'_, Client>, target: &Region, state: &EbsDefaults) -> Result<String> {
        let region = &target.0;
        let mut done = Vec::new();
        if !state.ebs_encryption_by_default {
            cx.client
                .ec2
                .enable_ebs_encryption_by_default()
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ec2:EnableEbsEncryptionByDefault", region, e))?;
            done.push("turned on EBS encryption by default".to_owned());
        }
        if let Some(problem) = &state.kms_key_problem {
            let configured = self.kms_key_id.as_deref().unwrap_or_default();
            let then = if done.is_empty() { String::new() } else { format!("{}, but ", done.join("; ")) };
            return Err(Error::Target(format!(
                "{then}EBS_DEFAULT_KMS_KEY_ID {configured} cannot be the default key in {region}: {problem}"
            )));
        }
        if !self.key_is_default(state) {
            if let Some(wanted) = &state.wanted_kms_key_id {
                cx.client
                    .ec2
                    .modify_ebs_default_kms_key_id()
                    .kms_key_id(wanted)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("ec2:ModifyEbsDefaultKmsKeyId", region, e))?;
                let was = state.kms_key_id.as_deref().unwrap_or("none");
                done.push(format!("made {wanted} the default KMS key (was {was})"));
            }
        }
        Ok(done.join("; "))
    }

    /// Writes back only what the fix changed: the old default key (first, so that a failure in between
    /// leaves the region encrypted), then encryption by default off again.
    async fn restore(
        &self,
        cx: &Cx<'_, Client>,
        target: &Region,
        before: &EbsDefaults,
        now: &EbsDefaults,
    ) -> Result<String> {
        let region = &target.0;
        let key_changed = before.kms_key_id != now.kms_key_id;
        if key_changed && before.kms_key_id.is_none() {
            // Checked before any write: nothing is changed when the whole of `before` cannot be put back.
            return Err(Error::NeedsAction(format!(
                "before the fix EC2 named no default KMS key in {region}, so there is none to put back and nothing \
                 was changed: choose the default key yourself (aws ec2 reset-ebs-default-kms-key-id --region \
                 {region} for the AWS managed key, or aws ec2 modify-ebs-default-kms-key-id --region {region} \
                 --kms-key-id <key>){}",
                if before.ebs_encryption_by_default {
                    String::new()
                } else {
                    format!(", then aws ec2 disable-ebs-encryption-by-default --region {region}")
                }
            )));
        }
        let mut done = Vec::new();
        if let (true, Some(old)) = (key_changed, &before.kms_key_id) {
            if is_aws_managed_default(old) {
                cx.client
                    .ec2
                    .reset_ebs_default_kms_key_id()
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("ec2:ResetEbsDefaultKmsKeyId", region, e))?;
                done.push(format!("made the AWS managed key ({old}) the default KMS key again"));
            } else {
                cx.client
                    .ec2
                    .modify_ebs_default_kms_key_id()
                    .kms_key_id(old)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("ec2:ModifyEbsDefaultKmsKeyId", region, e))?;
                done.push(format!("made {old} the default KMS key again"));
            }
        }
        if !before.ebs_encryption_by_default && now.ebs_encryption_by_default {
            cx.client
                .ec2
                .disable_ebs_encryption_by_default()
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ec2:DisableEbsEncryptionByDefault", region, e))?;
            done.push("turned EBS encryption by default off again".to_owned());
        }
        if done.is_empty() {
            return Ok("nothing the fix changed differs from before: no write".to_owned());
        }
        Ok(done.join("; "))
    }
}

#[cfg(test)]
mod tests;
