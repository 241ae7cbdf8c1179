//! What a control declares about everything outside its code: the template's function, role, rules
//! and parameters, the member role's actions, and the README's table are generated from it
//! (`make generate`, tools/generate.py), and `make test` fails when the committed files are stale.
//!
//! A function binary prints its declaration with `<binary> --wiring` (before any AWS or Lambda setup).

use serde::Serialize;

/// One control's wiring. The trait constants (`NAME`, `EVENT_NAMES`, `CONFIG_RESOURCE_TYPES`,
/// `SECURITY_HUB_CONTROLS`) are part of it too and printed with it.
#[derive(Debug, Serialize)]
pub struct Wiring {
    /// What the control fixes, one line (template and README).
    pub summary: &'static str,
    /// The EventBridge `source` of its CloudTrail calls (`aws.s3`).
    pub event_source: &'static str,
    /// CloudTrail's `eventSource` of those calls (`s3.amazonaws.com`).
    pub cloudtrail_source: &'static str,
    /// Calls to this service reach EventBridge in us-east-1 only (IAM): the CloudTrail rule is created
    /// only in a stack deployed there.
    pub global_service: bool,
    /// AWS Config managed rules the template creates (`CreateConfigRules`), and whose compliance
    /// changes (or Security Hub's `securityhub-<name>` copies) trigger the function.
    pub config_rules: &'static [ConfigRule],
    /// The control's own settings (environment variables, template parameters).
    pub settings: &'static [Setting],
    /// IAM statements of the function's role, and of the member role.
    pub permissions: &'static [Permission],
    /// The function's timeout, seconds.
    pub timeout: u32,
    /// Why the timeout is what it is (a comment in the template).
    pub timeout_why: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ConfigRule {
    /// `S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED`.
    pub identifier: &'static str,
    /// The rule name the template gives it, a prefix of Security Hub's `securityhub-<name>-<suffix>`.
    pub name: &'static str,
    /// Change-triggered rules: the resource types in scope. Empty: a periodic rule (24 hours).
    pub resource_types: &'static [&'static str],
    /// The rule's `InputParameters` as JSON (with `${Parameter}` references to template parameters,
    /// e.g. `{"maxCredentialUsageAge": "${CredentialMaxUnusedDays}"}`), or empty.
    pub input_parameters: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Setting {
    /// The environment variable (`PASSWORD_MIN_LENGTH`); the template parameter is its CamelCase.
    pub name: &'static str,
    pub default: &'static str,
    pub description: &'static str,
    /// The only values allowed (template `AllowedValues`); empty: any.
    pub allowed: &'static [&'static str],
    /// A template `AllowedPattern`; empty: none.
    pub pattern: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Permission {
    pub sid: &'static str,
    pub actions: &'static [&'static str],
    /// `*`, or an ARN pattern with `${AWS::Partition}` / `${AWS::AccountId}` (CloudFormation `!Sub`).
    pub resource: &'static str,
    /// Granted only when this setting is not empty (`EBS_DEFAULT_KMS_KEY_ID`).
    pub when_set: &'static str,
    /// A `Deny` statement (guard rails in the member role); `false`: `Allow`.
    pub deny: bool,
    /// An IAM condition block as JSON, or empty.
    pub condition: &'static str,
    /// Also in the member role (remediation calls in member accounts).
    pub member: bool,
}

impl Permission {
    /// An `Allow` of `actions` on `resource`, in the function's role and the member role.
    pub const fn allow(sid: &'static str, actions: &'static [&'static str], resource: &'static str) -> Self {
        Permission { sid, actions, resource, when_set: "", deny: false, condition: "", member: true }
    }

    /// Only when the setting `name` is not empty.
    pub const fn when_set(mut self, name: &'static str) -> Self {
        self.when_set = name;
        self
    }
}

impl Setting {
    pub const fn new(name: &'static str, default: &'static str, description: &'static str) -> Self {
        Setting { name, default, description, allowed: &[], pattern: "" }
    }

    pub const fn allowed(mut self, values: &'static [&'static str]) -> Self {
        self.allowed = values;
        self
    }

    pub const fn pattern(mut self, pattern: &'static str) -> Self {
        self.pattern = pattern;
        self
    }
}

/// What `--wiring` prints: the declaration and the trait constants.
#[derive(Serialize)]
pub struct Declaration<'a> {
    pub name: &'static str,
    pub event_names: &'static [&'static str],
    pub config_resource_types: &'static [&'static str],
    pub security_hub_controls: &'static [&'static str],
    pub manual_empty_is_sweep: bool,
    pub global_sweep: bool,
    #[serde(flatten)]
    pub wiring: &'a Wiring,
}
