//! AWS clients: one `SdkConfig` per cold start, clients per (account, region) built on first use and kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_config::sts::AssumeRoleProvider;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_types::region::Region;
use tokio::sync::OnceCell;

use crate::config::{is_account_id, member_session_name, partition_of, Settings};
use crate::error::{AwsError, Error, Result};

/// Throttling (`ThrottlingException`, `SlowDown`, `RequestLimitExceeded`), 5xx and transport errors are
/// retried with exponential backoff and jitter, up to 5 attempts: a sweep of thousands of resources meets
/// throttling, and a retry is cheaper than a failed invocation replayed by Lambda.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(5).with_max_backoff(Duration::from_secs(10))
}

/// Sweeps (and the organization fan-out) use the SDK's adaptive mode: the standard retries, plus a
/// client-side rate limiter that slows the client down after throttling answers, so that many
/// instances sweeping at once settle under an API's rate limit instead of retrying into it.
pub fn sweep_retry_config() -> RetryConfig {
    RetryConfig::adaptive().with_max_attempts(5).with_max_backoff(Duration::from_secs(10))
}

/// A hung connection must not eat the Lambda timeout: each attempt gets 10 s, each call 40 s in all.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(40))
        .build()
}

/// The function's own identity and the way into member accounts.
pub struct Aws {
    base: SdkConfig,
    region: String,
    member_role_name: Option<String>,
    session_name: String,
    own_account: OnceCell<String>,
    /// Under SAM CLI's local emulator (`AWS_SAM_LOCAL=true`, which SAM CLI sets).
    sam_local: bool,
    member_configs: tokio::sync::Mutex<HashMap<String, SdkConfig>>,
    requests: Arc<AtomicU64>,
}

impl Aws {
    /// Loads the SDK's default chain (env, web identity, container credentials; `AWS_ENDPOINT_URL`).
    /// Every client, those of the credential chain included, uses `https_client`'s trust store.
    pub async fn from_env(settings: &Settings) -> Result<Self> {
        let region = settings.var("AWS_REGION").or_else(|| settings.var("AWS_DEFAULT_REGION"));
        let http = https_client(partition_of(region.unwrap_or("us-east-1")), settings.var("AWS_CA_BUNDLE"))?;
        let base = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .retry_config(retry_config())
            .timeout_config(timeout_config())
            .load()
            .await;
        Self::new(base, settings)
    }

    pub fn new(base: SdkConfig, settings: &Settings) -> Result<Self> {
        let region = base
            .region()
            .map(|r| r.as_ref().to_owned())
            .ok_or_else(|| Error::InvalidConfig("no AWS region: set AWS_REGION".into()))?;
        let function = settings.own_session_names.first().map(String::as_str).unwrap_or("remediation");
        // Every client, the member-role credentials and the SNS publish included, is built from `base`:
        // counting at its HTTP client counts every request the invocation makes (the AwsRequests metric).
        let requests = Arc::new(AtomicU64::new(0));
        let http = base.http_client().unwrap_or_else(default_http_client);
        let base = base.to_builder().http_client(Counting { inner: http, requests: requests.clone() }).build();
        Ok(Aws {
            requests,
            base,
            region,
            member_role_name: settings.member_role_name.clone(),
            session_name: member_session_name(function),
            own_account: OnceCell::new(),
            sam_local: settings.var("AWS_SAM_LOCAL") == Some("true"),
            member_configs: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn partition(&self) -> &'static str {
        partition_of(&self.region)
    }

    pub fn sdk_config(&self) -> &SdkConfig {
        &self.base
    }

    /// HTTP requests sent to AWS so far (each retry is one more).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Records the account from the invoked function's ARN, which saves an STS call. Not under SAM
    /// CLI's emulator (`AWS_SAM_LOCAL=true`), which hands every function the same made-up ARN
    /// (account 012345678912): there the account comes from STS.
    pub fn learn_account_from_arn(&self, function_arn: &str) {
        if let Some(account) = account_of_invoked_arn(function_arn, self.sam_local) {
            let _ = self.own_account.set(account.to_owned());
        }
    }

    /// The function's own account: from the invoked ARN, else one `sts:GetCallerIdentity` per cold start.
    pub async fn own_account(&self) -> Result<String> {
        self.own_account
            .get_or_try_init(|| async {
                let out = aws_sdk_sts::Client::new(&self.base)
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("sts:GetCallerIdentity", "own account", e))?;
                out.account.ok_or_else(|| Error::Target("sts:GetCallerIdentity returned no account".into()))
            })
            .await
            .cloned()
    }

    /// The configuration for acting in `account` / `region`: own credentials, or the member role's.
    pub async fn config_for(&self, account: &str, region: &str) -> Result<SdkConfig> {
        let own = self.own_account().await?;
        let creds_config = if account == own {
            self.base.clone()
        } else {
            let role = self.member_role_name.as_deref().ok_or_else(|| {
                Error::Target(format!(
                    "the event is for account {account}, not this function's account {own}; set MEMBER_ROLE_NAME \
                     to act in member accounts"
                ))
            })?;
            let mut cache = self.member_configs.lock().await;
            if let Some(conf) = cache.get(account) {
                conf.clone()
            } else {
                let role_arn = format!("arn:{}:iam::{account}:role/{role}", self.partition());
                let provider = AssumeRoleProvider::builder(role_arn)
                    .session_name(&self.session_name)
                    .configure(&self.base)
                    .build()
                    .await;
                let conf =
                    self.base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
                cache.insert(account.to_owned(), conf.clone());
                conf
            }
        };
        Ok(creds_config.to_builder().region(Region::new(region.to_owned())).build())
    }
}

impl Aws {
    /// The configuration for `organizations:ListAccounts`: the function's own credentials, or those of
    /// `role_arn` (`ORGANIZATION_ROLE_ARN`, in the management or delegated-administrator account).
    pub async fn organization_config(&self, role_arn: Option<&str>) -> SdkConfig {
        let base = self.base.to_builder().retry_config(sweep_retry_config()).build();
        let Some(role_arn) = role_arn else {
            return base;
        };
        let provider =
            AssumeRoleProvider::builder(role_arn).session_name(&self.session_name).configure(&base).build().await;
        base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
    }

    /// Every region enabled in `account` (`ec2:DescribeRegions` lists only enabled ones by default).
    #[cfg(feature = "all-regions")]
    pub async fn enabled_regions(&self, account: &str) -> Result<Vec<String>> {
        let conf = self.config_for(account, &self.region).await?;
        let out = aws_sdk_ec2::Client::new(&conf)
            .describe_regions()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ec2:DescribeRegions", account, e))?;
        let mut regions: Vec<String> =
            out.regions().iter().filter_map(|r| r.region_name()).map(str::to_owned).collect();
        regions.sort();
        Ok(regions)
    }

    #[cfg(not(feature = "all-regions"))]
    pub async fn enabled_regions(&self, _account: &str) -> Result<Vec<String>> {
        Err(Error::InvalidConfig(
            "TARGET_REGIONS=all needs remediation-core's all-regions feature (ec2:DescribeRegions)".into(),
        ))
    }
}

/// The roots AWS service endpoints chain to: Amazon Root CA 1-4 (Amazon Trust Services) and the
/// Starfield Services root that cross-signs them. Compiled in: the system's bundle, which the SDK
/// reads by default, costs two thirds of a cold start's instructions to parse (bench/RESULTS.md).
const AMAZON_TRUST_SERVICES: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// The SDK's HTTPS client (hyper 1, rustls with aws-lc) with the trust store for `partition`: in
/// `aws`, the Amazon Trust Services roots; in other partitions (China, GovCloud, ISO), whose
/// endpoints may chain to other CAs, the system's roots. `ca_bundle` (`AWS_CA_BUNDLE`) names a PEM
/// file whose certificates are trusted as well: a TLS-inspecting proxy's CA, a private endpoint's.
pub fn https_client(partition: &str, ca_bundle: Option<&str>) -> Result<SharedHttpClient> {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};
    let mut trust = if partition == "aws" {
        TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES)
    } else {
        TrustStore::default()
    };
    if let Some(path) = ca_bundle {
        trust = trust.with_pem_certificate(read_ca_bundle(path)?);
    }
    let tls = TlsContext::builder().with_trust_store(trust).build().map_err(|e| Error::InvalidConfig(e.to_string()))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls)
        .build_https())
}

/// The PEM file of `AWS_CA_BUNDLE`, checked here: the HTTP client panics on a certificate it cannot
/// parse, at the first connection.
fn read_ca_bundle(path: &str) -> Result<Vec<u8>> {
    use rustls_pki_types::{pem::PemObject, CertificateDer};
    let invalid = |why: String| Error::InvalidConfig(format!("AWS_CA_BUNDLE {path}: {why}"));
    let pem = std::fs::read(path).map_err(|e| invalid(e.to_string()))?;
    let certs =
        CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().map_err(|e| invalid(e.to_string()))?;
    if certs.is_empty() {
        return Err(invalid("no PEM certificate in it".into()));
    }
    let (_, unparsable) = rustls::RootCertStore::empty().add_parsable_certificates(certs);
    if unparsable > 0 {
        return Err(invalid(format!("{unparsable} certificate(s) that are not valid trust anchors")));
    }
    Ok(pem)
}

/// The SDK's own default, for an `SdkConfig` built without `from_env` (tests).
fn default_http_client() -> SharedHttpClient {
    https_client("aws", None).expect("the compiled-in roots are valid")
}

/// Counts each request (each attempt) on its way out. The SDK has no interceptor slot on `SdkConfig`,
/// and clients are built by each control; the HTTP client is the one thing they all share.
#[derive(Debug)]
struct Counting<T> {
    inner: T,
    requests: Arc<AtomicU64>,
}

impl HttpClient for Counting<SharedHttpClient> {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        let inner = self.inner.http_connector(settings, components);
        SharedHttpConnector::new(Counting { inner, requests: self.requests.clone() })
    }

    fn validate_base_client_config(
        &self,
        components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder,
        cfg: &aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.inner.validate_base_client_config(components, cfg)
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.inner.validate_final_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

impl HttpConnector for Counting<SharedHttpConnector> {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.inner.call(request)
    }
}

/// Clients of one kind, built from the right configuration on first use and kept for the process.
pub struct Clients<C> {
    aws: Arc<Aws>,
    make: fn(&SdkConfig) -> C,
    retry: Option<RetryConfig>,
    cache: Mutex<HashMap<(String, String), C>>,
}

impl<C: Clone> Clients<C> {
    pub fn new(aws: Arc<Aws>, make: fn(&SdkConfig) -> C) -> Self {
        Clients { aws, make, retry: None, cache: Mutex::new(HashMap::new()) }
    }

    /// The clients retry with `retry` instead of the configuration's policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    pub fn aws(&self) -> &Aws {
        &self.aws
    }

    pub async fn get(&self, account: &str, region: &str) -> Result<C> {
        let key = (account.to_owned(), region.to_owned());
        if let Some(client) = self.cache.lock().expect("client cache lock").get(&key) {
            return Ok(client.clone());
        }
        let mut conf = self.aws.config_for(account, region).await?;
        if let Some(retry) = &self.retry {
            conf = conf.to_builder().retry_config(retry.clone()).build();
        }
        let client = (self.make)(&conf);
        self.cache.lock().expect("client cache lock").insert(key, client.clone());
        Ok(client)
    }
}

/// The account of the invoked function's ARN (`arn:aws:lambda:<region>:<account>:function:<name>`),
/// unless under `sam local`, whose emulator makes the ARN up.
fn account_of_invoked_arn(function_arn: &str, sam_local: bool) -> Option<&str> {
    function_arn.split(':').nth(4).filter(|a| !sam_local && is_account_id(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_account_comes_from_the_invoked_arn_except_under_sam_local() {
        let arn = "arn:aws:lambda:eu-west-1:111122223333:function:s3-block-public-access";
        assert_eq!(account_of_invoked_arn(arn, false), Some("111122223333"));
        // SAM CLI's emulator: the same made-up account for every function, whatever the real one.
        let sam = "arn:aws:lambda:us-east-1:012345678912:function:S3BlockPublicAccessFunction";
        assert_eq!(account_of_invoked_arn(sam, true), None);
        assert_eq!(account_of_invoked_arn("not-an-arn", false), None);
        assert_eq!(account_of_invoked_arn("arn:aws:lambda:us-east-1:12345:function:f", false), None);
    }

    fn temp_file(name: &str, text: &[u8]) -> String {
        let path = std::env::temp_dir().join(format!("remediation-core-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn the_compiled_in_roots_are_the_five_amazon_trust_services_roots() {
        use rustls_pki_types::{pem::PemObject, CertificateDer};
        let certs: Vec<_> = CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES).collect::<Result<_, _>>().unwrap();
        assert_eq!(certs.len(), 5);
        let (valid, invalid) = rustls::RootCertStore::empty().add_parsable_certificates(certs);
        assert_eq!((valid, invalid), (5, 0));
    }

    #[test]
    fn a_ca_bundle_is_checked_at_cold_start() {
        let good = temp_file("good.pem", AMAZON_TRUST_SERVICES);
        assert!(https_client("aws", Some(&good)).is_ok());
        assert!(https_client("aws-cn", None).is_ok());
        let empty = temp_file("empty.pem", b"# no certificate here\n");
        let broken = temp_file("broken.pem", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        for (path, why) in [
            ("/nonexistent/ca.pem", "No such file"),
            (empty.as_str(), "no PEM certificate"),
            (broken.as_str(), "not valid trust anchors"),
        ] {
            match https_client("aws", Some(path)) {
                Err(Error::InvalidConfig(e)) => assert!(e.contains("AWS_CA_BUNDLE") && e.contains(why), "{e}"),
                other => panic!("{path}: {other:?}"),
            }
        }
        for f in [good, empty, broken] {
            let _ = std::fs::remove_file(f);
        }
    }
}
