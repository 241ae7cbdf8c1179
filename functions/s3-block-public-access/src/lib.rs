//! S3 Block Public Access: all four settings on, for a bucket (S3.8) and for the account (S3.1).

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_s3::types::PublicAccessBlockConfiguration as BucketBlock;
use aws_sdk_s3control::config::endpoint::{Endpoint, EndpointFuture, Params, ResolveEndpoint};
use aws_sdk_s3control::types::PublicAccessBlockConfiguration as AccountBlock;
use remediation_core::config::{is_account_id, is_region};
use remediation_core::wiring::{ConfigRule, Permission, Wiring};
use remediation_core::{Arn, AwsError, Control, Cx, Description, Resolved, ResourceRef, Result, Settings};
use serde::{Deserialize, Serialize};

pub struct S3BlockPublicAccess;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A bucket, with its region when AWS already said where it lives (Config, Security Hub,
    /// `ListBuckets`); otherwise `GetBucketLocation` finds it.
    Bucket { name: String, region: Option<String> },
    /// The account-level setting of this account id.
    Account(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Bucket { name: bucket, .. } => f.write_str(bucket),
            Target::Account(account) => f.write_str(account),
        }
    }
}

/// The four Block Public Access settings; a missing configuration reads as all off, and says so
/// (`"Configured": false`), so that undo deletes the configuration instead of writing four `false`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockPublicAccess {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub configured: bool,
}

impl Default for BlockPublicAccess {
    /// No configuration at all.
    fn default() -> Self {
        BlockPublicAccess {
            block_public_acls: false,
            ignore_public_acls: false,
            block_public_policy: false,
            restrict_public_buckets: false,
            configured: false,
        }
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl BlockPublicAccess {
    fn off(&self) -> Vec<&'static str> {
        [
            (self.block_public_acls, "BlockPublicAcls"),
            (self.ignore_public_acls, "IgnorePublicAcls"),
            (self.block_public_policy, "BlockPublicPolicy"),
            (self.restrict_public_buckets, "RestrictPublicBuckets"),
        ]
        .into_iter()
        .filter(|(on, _)| !on)
        .map(|(_, name)| name)
        .collect()
    }
}

#[derive(Clone, Debug)]
pub struct Client {
    pub s3: aws_sdk_s3::Client,
    pub s3control: aws_sdk_s3control::Client,
}

/// S3 Control's endpoint rules put the account id in front of the host (`123456789012.host`), which
/// a local endpoint cannot answer: with `AWS_ENDPOINT_URL` set, every request goes to that URL.
#[derive(Debug)]
struct FixedEndpoint(String);

impl ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(&'a self, _params: &'a Params) -> EndpointFuture<'a> {
        EndpointFuture::ready(Ok(Endpoint::builder().url(self.0.clone()).build()))
    }
}

const NOT_FOUND: &[&str] = &["NoSuchBucket", "NotFound"];
const NO_BLOCK: &str = "NoSuchPublicAccessBlockConfiguration";

fn is_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && !name.contains("..")
}

/// The flags of `s`, as one of S3's two configuration types.
macro_rules! flags {
    ($builder:expr, $s:expr) => {
        $builder
            .block_public_acls($s.block_public_acls)
            .ignore_public_acls($s.ignore_public_acls)
            .block_public_policy($s.block_public_policy)
            .restrict_public_buckets($s.restrict_public_buckets)
            .build()
    };
}

impl Control for S3BlockPublicAccess {
    type Target = Target;
    type State = BlockPublicAccess;
    type Client = Client;

    const NAME: &'static str = "s3-block-public-access";
    const EVENT_NAMES: &'static [&'static str] = &[
        "CreateBucket",
        "PutBucketPublicAccessBlock",
        "DeleteBucketPublicAccessBlock",
        "PutBucketPolicy",
        "PutBucketAcl",
        "PutAccountPublicAccessBlock",
        "DeleteAccountPublicAccessBlock",
    ];
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] =
        &["AWS::S3::Bucket", "AWS::::Account", "AWS::S3::AccountPublicAccessBlock"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["S3.8", "S3.1"];
    const GLOBAL_SWEEP: bool = true;
    const WIRING: Wiring = Wiring {
        summary: "Turns on all four S3 Block Public Access settings, per bucket (S3.8) and per account (S3.1).",
        event_source: "aws.s3",
        cloudtrail_source: "s3.amazonaws.com",
        global_service: false,
        config_rules: &[
            ConfigRule {
                identifier: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
                name: "s3-bucket-level-public-access-prohibited",
                resource_types: &["AWS::S3::Bucket"],
                input_parameters: "",
            },
            ConfigRule {
                identifier: "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
                name: "s3-account-level-public-access-blocks-periodic",
                resource_types: &[],
                input_parameters: "",
            },
        ],
        settings: &[],
        permissions: &[
            Permission::allow(
                "Buckets",
                &[
                    "s3:GetBucketLocation",
                    "s3:GetBucketTagging",
                    "s3:GetBucketPublicAccessBlock",
                    "s3:PutBucketPublicAccessBlock",
                ],
                "arn:${AWS::Partition}:s3:::*",
            ),
            Permission::allow(
                "S3NoResourceType",
                &["s3:ListAllMyBuckets", "s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"],
                "*",
            ),
        ],
        timeout: 300,
        timeout_why: "A sweep reads every bucket (1-3 calls each, 16 at a time): 10,000 buckets take about 2 minutes.",
    };

    fn new(_settings: &Settings) -> Result<Self> {
        Ok(S3BlockPublicAccess)
    }

    fn client(config: &SdkConfig) -> Client {
        let local = config.endpoint_url().map(str::to_owned);
        let s3 = aws_sdk_s3::config::Builder::from(config).force_path_style(local.is_some()).build();
        let mut s3control = aws_sdk_s3control::config::Builder::from(config);
        if let Some(url) = local {
            s3control = s3control.endpoint_resolver(FixedEndpoint(url));
        }
        Client {
            s3: aws_sdk_s3::Client::from_conf(s3),
            s3control: aws_sdk_s3control::Client::from_conf(s3control.build()),
        }
    }

    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<Target>, String> {
        if r.is_account() {
            let account =
                r.id.strip_prefix("AWS::::Account:")
                    .map(str::to_owned)
                    .or_else(|| is_account_id(&r.id).then(|| r.id.clone()))
                    .or_else(|| r.account.clone())
                    .filter(|a| is_account_id(a))
                    .ok_or_else(|| format!("{:?} does not name an account", r.id))?;
            return Ok(Resolved::Target {
                target: Target::Account(account.clone()),
                account: Some(account),
                region: None,
            });
        }
        let name = match Arn::parse(&r.id) {
            Some(arn) if arn.service == "s3" && !arn.resource.contains('/') => arn.resource,
            Some(_) => return Err(format!("{} is not an S3 bucket ARN", r.id)),
            None => r.id.as_str(),
        };
        if !is_bucket_name(name) {
            return Err(format!("{name:?} is not an S3 bucket name, bucket ARN or 12-digit account id"));
        }
        let region = r.region.clone().filter(|_| r.region_is_home);
        Ok(Resolved::target(Target::Bucket { name: name.to_owned(), region }))
    }

    fn arn(&self, target: &Target, partition: &str, _account: &str, _region: &str) -> String {
        match target {
            Target::Bucket { name: bucket, .. } => format!("arn:{partition}:s3:::{bucket}"),
            Target::Account(account) => format!("AWS::::Account:{account}"),
        }
    }

    /// The account setting's page is the console's "Block Public Access settings for this account".
    fn console_url(&self, resource: &str, region: &str) -> Option<String> {
        match resource.strip_prefix("AWS::::Account:") {
            Some(_) => remediation_core::links::page(region, &format!("s3/settings?region={region}")),
            None => remediation_core::links::resource_url(resource, region),
        }
    }

    async fn sweep(&self, cx: &Cx<'_, Client>) -> Result<Vec<Target>> {
        let mut targets = vec![Target::Account(cx.account.to_owned())];
        let mut token = None;
        loop {
            let page = cx
                .client
                .s3
                .list_buckets()
                .max_buckets(1000)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("s3:ListBuckets", cx.account, e))?;
            // AWS answers each bucket's region (`BucketRegion`) to a ListBuckets with a parameter.
            targets.extend(page.buckets().iter().filter_map(|b| {
                let region = b.bucket_region().filter(|r| is_region(r)).map(str::to_owned);
                b.name().map(|name| Target::Bucket { name: name.to_owned(), region })
            }));
            token = page.continuation_token().filter(|t| !t.is_empty()).map(str::to_owned);
            if token.is_none() {
                return Ok(targets);
            }
        }
    }

    /// A bucket is handled in its own region, whatever region the event came from. CloudTrail's
    /// `awsRegion` is where the call was made, and a manual region is what the caller typed: for
    /// those, `GetBucketLocation` asks.
    async fn locate(&self, cx: &Cx<'_, Client>, target: Target) -> Result<Option<(Target, Option<String>)>> {
        let bucket = match &target {
            Target::Account(_) => return Ok(Some((target, None))),
            Target::Bucket { region: Some(region), .. } => {
                let region = region.clone();
                return Ok(Some((target, Some(region))));
            }
            Target::Bucket { name, region: None } => name,
        };
        match cx.client.s3.get_bucket_location().bucket(bucket).send().await {
            Ok(out) => {
                let region = match out.location_constraint().map(|c| c.as_str()) {
                    None | Some("") => "us-east-1",
                    Some("EU") => "eu-west-1",
                    Some(other) => other,
                };
                Ok(Some((target, Some(region.to_owned()))))
            }
            Err(e) => {
                let e = AwsError::from_sdk("s3:GetBucketLocation", bucket, e);
                if e.is(NOT_FOUND) {
                    Ok(None)
                } else {
                    Err(e.into())
                }
            }
        }
    }

    async fn describe(&self, cx: &Cx<'_, Client>, target: &Target) -> Result<Option<Description>> {
        let Target::Bucket { name: bucket, .. } = target else {
            return Ok(Some(Description::default()));
        };
        match cx.client.s3.get_bucket_tagging().bucket(bucket).send().await {
            Ok(out) => Ok(Some(Description {
                tags: out.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
                ..Description::default()
            })),
            Err(e) => {
                let e = AwsError::from_sdk("s3:GetBucketTagging", bucket, e);
                match () {
                    _ if e.is(&["NoSuchTagSet"]) => Ok(Some(Description::default())),
                    _ if e.is(NOT_FOUND) => Ok(None),
                    _ => Err(e.into()),
                }
            }
        }
    }

    async fn read(&self, cx: &Cx<'_, Client>, target: &Target) -> Result<Option<BlockPublicAccess>> {
        match target {
            Target::Bucket { name: bucket, .. } => {
                match cx.client.s3.get_public_access_block().bucket(bucket).send().await {
                    Ok(out) => Ok(Some(out.public_access_block_configuration().map(from_bucket).unwrap_or_default())),
                    Err(e) => {
                        let e = AwsError::from_sdk("s3:GetPublicAccessBlock", bucket, e);
                        match () {
                            _ if e.is(&[NO_BLOCK]) => Ok(Some(BlockPublicAccess::default())),
                            _ if e.is(NOT_FOUND) => Ok(None),
                            _ => Err(e.into()),
                        }
                    }
                }
            }
            Target::Account(account) => {
                match cx.client.s3control.get_public_access_block().account_id(account).send().await {
                    Ok(out) => Ok(Some(out.public_access_block_configuration().map(from_account).unwrap_or_default())),
                    Err(e) => {
                        let e = AwsError::from_sdk("s3:GetAccountPublicAccessBlock", account, e);
                        if e.is(&[NO_BLOCK]) {
                            Ok(Some(BlockPublicAccess::default()))
                        } else {
                            Err(e.into())
                        }
                    }
                }
            }
        }
    }

    fn is_compliant(&self, state: &BlockPublicAccess) -> bool {
        state.off().is_empty()
    }

    async fn fix(&self, cx: &Cx<'_, Client>, target: &Target, state: &BlockPublicAccess) -> Result<String> {
        let done = format!("turned on {}", state.off().join(", "));
        match target {
            Target::Bucket { name: bucket, .. } => {
                let all = BucketBlock::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build();
                cx.client
                    .s3
                    .put_public_access_block()
                    .bucket(bucket)
                    .public_access_block_configuration(all)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("s3:PutPublicAccessBlock", bucket, e))?;
            }
            Target::Account(account) => {
                let all = AccountBlock::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build();
                cx.client
                    .s3control
                    .put_public_access_block()
                    .account_id(account)
                    .public_access_block_configuration(all)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("s3:PutAccountPublicAccessBlock", account, e))?;
            }
        }
        Ok(done)
    }

    /// The old four flags back, or no configuration at all where there was none.
    async fn restore(
        &self,
        cx: &Cx<'_, Client>,
        target: &Target,
        before: &BlockPublicAccess,
        _now: &BlockPublicAccess,
    ) -> Result<String> {
        match (target, before.configured) {
            (Target::Bucket { name: bucket, .. }, true) => {
                let old = flags!(BucketBlock::builder(), before);
                cx.client
                    .s3
                    .put_public_access_block()
                    .bucket(bucket)
                    .public_access_block_configuration(old)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("s3:PutPublicAccessBlock", bucket, e))?;
                Ok(format!("put back the bucket's Block Public Access as it was ({} off)", before.off().join(", ")))
            }
            (Target::Bucket { name: bucket, .. }, false) => {
                cx.client
                    .s3
                    .delete_public_access_block()
                    .bucket(bucket)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("s3:PutPublicAccessBlock", bucket, e))?;
                Ok("deleted the bucket's Block Public Access configuration: it had none".into())
            }
            (Target::Account(account), true) => {
                let old = flags!(AccountBlock::builder(), before);
                cx.client
                    .s3control
                    .put_public_access_block()
                    .account_id(account)
                    .public_access_block_configuration(old)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("s3:PutAccountPublicAccessBlock", account, e))?;
                Ok(format!("put back the account's Block Public Access as it was ({} off)", before.off().join(", ")))
            }
            (Target::Account(account), false) => {
                cx.client
                    .s3control
                    .delete_public_access_block()
                    .account_id(account)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("s3:PutAccountPublicAccessBlock", account, e))?;
                Ok("deleted the account's Block Public Access configuration: it had none".into())
            }
        }
    }
}

fn from_bucket(c: &BucketBlock) -> BlockPublicAccess {
    BlockPublicAccess {
        block_public_acls: c.block_public_acls().unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
        block_public_policy: c.block_public_policy().unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
        configured: true,
    }
}

fn from_account(c: &AccountBlock) -> BlockPublicAccess {
    BlockPublicAccess {
        block_public_acls: c.block_public_acls().unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
        block_public_policy: c.block_public_policy().unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
        configured: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(id: &str, resource_type: Option<&str>) -> Result<Resolved<Target>, String> {
        let r = ResourceRef { id: id.into(), resource_type: resource_type.map(Into::into), ..Default::default() };
        S3BlockPublicAccess.resolve(&r)
    }

    #[test]
    fn resolves_buckets_and_accounts() {
        let bucket = |name: &str| Target::Bucket { name: name.into(), region: None };
        assert_eq!(resolve("my-bucket", None), Ok(Resolved::target(bucket("my-bucket"))));
        assert_eq!(resolve("arn:aws:s3:::my.bucket", Some("AwsS3Bucket")), Ok(Resolved::target(bucket("my.bucket"))));
        let account = Resolved::Target {
            target: Target::Account("123456789012".into()),
            account: Some("123456789012".into()),
            region: None,
        };
        assert_eq!(resolve("123456789012", None), Ok(account.clone()));
        assert_eq!(resolve("AWS::::Account:123456789012", Some("AwsAccount")), Ok(account.clone()));
        assert_eq!(resolve("123456789012", Some("AWS::::Account")), Ok(account));
    }

    #[test]
    fn keeps_the_region_only_where_aws_says_the_bucket_lives() {
        let r = |region_is_home| ResourceRef {
            id: "my-bucket".into(),
            region: Some("eu-west-1".into()),
            region_is_home,
            ..Default::default()
        };
        let home = Target::Bucket { name: "my-bucket".into(), region: Some("eu-west-1".into()) };
        assert_eq!(S3BlockPublicAccess.resolve(&r(true)), Ok(Resolved::target(home)));
        let asked = Target::Bucket { name: "my-bucket".into(), region: None };
        assert_eq!(S3BlockPublicAccess.resolve(&r(false)), Ok(Resolved::target(asked)));
    }

    #[test]
    fn rejects_what_is_not_a_bucket() {
        for bad in [
            "",
            "ab",
            "My-Bucket",
            "bucket_",
            "-bucket",
            "a..b",
            "arn:aws:s3:::bucket/key",
            "arn:aws:kms:us-east-1:123456789012:key/x",
            &"b".repeat(64),
        ] {
            assert!(resolve(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn compliant_only_with_all_four() {
        let all = BlockPublicAccess {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
            configured: true,
        };
        assert!(S3BlockPublicAccess.is_compliant(&all));
        assert!(!S3BlockPublicAccess.is_compliant(&BlockPublicAccess { restrict_public_buckets: false, ..all }));
        assert!(!S3BlockPublicAccess.is_compliant(&BlockPublicAccess::default()));
    }
}
