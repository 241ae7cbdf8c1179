//! The local AWS harness: one moto server per test binary, and a recording, fault-injecting proxy
//! per test in front of it, so each test counts its own requests and no test sees another's.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_types::region::Region;
use remediation_core::{Aws, Control, Runtime, Settings, Trigger};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// The moto server of this test binary.
pub struct Emulator {
    pub port: u16,
    /// The watchdog shell; it outlives every test and reaps moto when the test process exits.
    _watchdog: std::process::Child,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// `MOTO_SERVER` or the project's venv (`make venv`).
fn moto_server_path() -> PathBuf {
    std::env::var_os("MOTO_SERVER").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv/bin/moto_server"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A blocking HTTP/1.0 request to the emulator's own API (ready check, reset).
fn raw_http(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// Starts (once per test binary) moto on a free loopback port. A watchdog shell stops it when the
/// test process exits, however it exits.
pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        let server = moto_server_path();
        assert!(server.exists(), "{} not found: run `make venv` (or set MOTO_SERVER)", server.display());
        let port = free_port();
        let log = std::env::temp_dir().join(format!("moto-{port}.log"));
        let script = format!(
            "\"{server}\" -H 127.0.0.1 -p {port} >\"{log}\" 2>&1 & m=$!; \
             while kill -0 {parent} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.5; done; kill $m 2>/dev/null",
            server = server.display(),
            log = log.display(),
            parent = std::process::id()
        );
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if raw_http(port, "GET", "/moto-api/").is_ok_and(|r| r.starts_with("HTTP/1.") && r.contains(" 200 ")) {
                break;
            }
            assert!(Instant::now() < deadline, "moto_server did not answer on port {port}; see {}", log.display());
            std::thread::sleep(Duration::from_millis(100));
        }
        Emulator { port, _watchdog: watchdog }
    })
}

/// A name no other test uses (bucket-name safe).
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{}-{}-{nanos:x}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// A fresh 12-digit account id (moto creates accounts on first use, via sts:AssumeRole).
pub fn unique_account() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("2{:05}{:06}", std::process::id() % 100_000, N.fetch_add(1, Ordering::Relaxed))
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// `CancelKeyDeletion`, `Publish`... for JSON and query protocols; `PUT /bucket?publicAccessBlock` for REST.
    pub operation: String,
    /// The request body as text (form-encoded for query protocols: `RoleArn=arn%3Aaws%3Aiam...`).
    pub body: String,
    /// When the proxy had read the whole request (before any injected delay).
    pub at: std::time::Instant,
}

impl Request {
    /// True for anything that can change state (REST writes, and every action not named like a read).
    pub fn is_write(&self) -> bool {
        if self.operation.contains(' ') {
            return !matches!(self.method.as_str(), "GET" | "HEAD");
        }
        !["Get", "List", "Describe", "Head", "Receive", "Query", "Scan", "Lookup"]
            .iter()
            .any(|p| self.operation.starts_with(p))
    }
}

/// A canned answer the proxy gives instead of forwarding.
#[derive(Clone)]
pub struct Fault {
    pub matches: fn(&Request) -> bool,
    pub status: u16,
    pub body: String,
    /// How many requests it answers; `None`: all.
    pub times: Option<usize>,
}

/// What the proxy does to a request a rule matches.
#[derive(Clone, Debug)]
pub enum Action {
    /// Answer with this status and body instead of forwarding.
    Answer { status: u16, body: String },
    /// Close the connection without an answer (a reset, as the SDK sees it).
    Reset,
    /// Wait, then forward (past the SDK's attempt timeout this is a timeout).
    Delay(Duration),
}

#[derive(Clone)]
struct Rule {
    matches: fn(&Request) -> bool,
    action: Action,
    times: Option<usize>,
}

#[derive(Default)]
struct ProxyState {
    requests: Vec<Request>,
    faults: Vec<Rule>,
    injected: usize,
}

/// A loopback HTTP proxy in front of the emulator that records every request and can answer with faults.
#[derive(Clone)]
pub struct Proxy {
    pub endpoint: String,
    state: Arc<Mutex<ProxyState>>,
}

impl Proxy {
    pub async fn start() -> Proxy {
        let upstream = emulator().port;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let endpoint = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(conn, upstream, state).await;
                });
            }
        });
        Proxy { endpoint, state }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn writes(&self) -> Vec<Request> {
        self.requests().into_iter().filter(Request::is_write).collect()
    }

    pub fn clear(&self) {
        self.state.lock().unwrap().requests.clear();
    }

    pub fn inject(&self, fault: Fault) {
        let action = Action::Answer { status: fault.status, body: fault.body };
        self.inject_action(fault.matches, action, fault.times);
    }

    /// Applies `action` to the next `times` requests that `matches` (all of them with `None`).
    pub fn inject_action(&self, matches: fn(&Request) -> bool, action: Action, times: Option<usize>) {
        self.state.lock().unwrap().faults.push(Rule { matches, action, times });
    }

    pub fn injected(&self) -> usize {
        self.state.lock().unwrap().injected
    }

    pub fn stop_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    /// SDK configuration for the account moto gives static credentials (123456789012).
    pub async fn sdk_config(&self, region: &str) -> SdkConfig {
        let creds = aws_credential_types::Credentials::new("testing", "testing", None, None, "harness");
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(creds)
            .load()
            .await
    }

    /// The function's production retry policy (`remediation_core::aws::retry_config`), with per-attempt
    /// timeouts short enough for a test to wait out.
    pub async fn production_config(&self, region: &str, attempt_timeout: Duration) -> SdkConfig {
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(attempt_timeout)
            .build();
        self.sdk_config(region)
            .await
            .to_builder()
            .retry_config(remediation_core::aws::retry_config())
            .timeout_config(timeouts)
            .build()
    }

    /// SDK configuration acting as another account (moto maps assumed-role credentials to the role's account).
    pub async fn sdk_config_in(&self, account: &str, region: &str) -> SdkConfig {
        let base = self.sdk_config(region).await;
        let out = aws_sdk_sts::Client::new(&base)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/harness"))
            .role_session_name("harness")
            .send()
            .await
            .expect("assume role in the emulator");
        let c = out.credentials().expect("credentials");
        let creds = aws_credential_types::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "harness-assumed",
        );
        base.to_builder()
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
            .build()
    }

    /// A control's runtime as the Lambda function builds it, with these environment variables.
    pub async fn runtime<C: Control>(&self, config: SdkConfig, vars: &[(&str, &str)]) -> Runtime<C> {
        self.try_runtime(config, vars, None).expect("valid settings")
    }

    /// The runtime with "now" fixed (age-based controls).
    pub async fn runtime_at<C: Control>(
        &self,
        config: SdkConfig,
        vars: &[(&str, &str)],
        now: std::time::SystemTime,
    ) -> Runtime<C> {
        self.try_runtime(config, vars, Some(now)).expect("valid settings")
    }

    /// The runtime, or the `InvalidConfig` a cold start would stop with.
    pub fn try_runtime<C: Control>(
        &self,
        config: SdkConfig,
        vars: &[(&str, &str)],
        now: Option<std::time::SystemTime>,
    ) -> remediation_core::Result<Runtime<C>> {
        let mut all: HashMap<String, String> = HashMap::from([("AWS_LAMBDA_FUNCTION_NAME".into(), C::NAME.into())]);
        all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut settings = Settings::from_vars(all)?;
        settings.fixed_now = now;
        let aws = Aws::new(config, &settings)?;
        Runtime::new(settings, Arc::new(aws))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One request per connection: moto answers `Connection: close`, so the SDK opens a new one each time.
async fn serve(mut conn: tokio::net::TcpStream, upstream: u16, state: Arc<Mutex<ProxyState>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let method = first.next().unwrap_or_default().to_owned();
    let path = first.next().unwrap_or_default().to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    let operation = if let Some(target) = headers.get("x-amz-target") {
        target.rsplit('.').next().unwrap_or(target).to_owned()
    } else if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        action.to_owned()
    } else {
        format!("{method} {path}")
    };
    let request = Request { method, path, operation, body: body.clone(), at: std::time::Instant::now() };
    let fault = {
        let mut s = state.lock().unwrap();
        s.requests.push(request.clone());
        let hit = s.faults.iter_mut().find(|f| (f.matches)(&request) && f.times != Some(0));
        let fault = hit.map(|f| {
            if let Some(n) = f.times.as_mut() {
                *n -= 1;
            }
            f.clone()
        });
        if fault.is_some() {
            s.injected += 1;
        }
        fault
    };
    match fault.map(|f| f.action) {
        Some(Action::Answer { status, body }) => {
            let content_type = if body.starts_with('{') { "application/x-amz-json-1.1" } else { "text/xml" };
            let reply = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len(),
            );
            conn.write_all(reply.as_bytes()).await?;
            return conn.shutdown().await;
        }
        Some(Action::Reset) => {
            // SO_LINGER 0 makes close() send RST rather than FIN.
            conn.set_zero_linger()?;
            drop(conn);
            return Ok(());
        }
        Some(Action::Delay(pause)) => tokio::time::sleep(pause).await,
        None => {}
    }
    // moto's DynamoDB is not atomic under concurrent requests (its server runs a thread per request,
    // without locks): TransactWriteItems deep-copies the tables first and, when the transaction is
    // cancelled, puts that copy back, erasing what other requests wrote meanwhile — a capped
    // reservation could undo a concurrent one's counter increment and let an 11th write past a cap of
    // 10. DynamoDB applies each request atomically; here DynamoDB requests reach moto one at a time.
    let _one_at_a_time = match headers.get("x-amz-target") {
        Some(target) if target.starts_with("DynamoDB_") => Some(DYNAMODB.lock().await),
        _ => None,
    };
    let mut up = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await?;
    up.write_all(&buf).await?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).await?;
    conn.write_all(&response).await?;
    conn.shutdown().await
}

/// Every proxy of a test binary shares its one moto: one lock for all of them.
static DYNAMODB: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An SQS queue subscribed to a new SNS topic: what a report subscriber would receive.
pub struct Subscriber {
    pub topic_arn: String,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
}

impl Subscriber {
    pub async fn new(config: &SdkConfig) -> Subscriber {
        let sns = aws_sdk_sns::Client::new(config);
        let sqs = aws_sdk_sqs::Client::new(config);
        let topic_arn = sns.create_topic().name(unique("reports")).send().await.unwrap().topic_arn.unwrap();
        let queue_url = sqs.create_queue().queue_name(unique("reports")).send().await.unwrap().queue_url.unwrap();
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        let queue_arn =
            attrs.attributes().unwrap().get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).unwrap().clone();
        sns.subscribe().topic_arn(&topic_arn).protocol("sqs").endpoint(queue_arn).send().await.unwrap();
        Subscriber { topic_arn, queue_url, sqs }
    }

    /// Every SNS envelope waiting in the queue (`Message`, `MessageAttributes`, `Subject`...).
    pub async fn messages(&self) -> Vec<serde_json::Value> {
        let mut all = Vec::new();
        loop {
            let out =
                self.sqs.receive_message().queue_url(&self.queue_url).max_number_of_messages(10).send().await.unwrap();
            let batch = out.messages();
            if batch.is_empty() {
                return all;
            }
            for m in batch {
                all.push(serde_json::from_str(m.body().unwrap()).unwrap());
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
}

/// Loads a file of `events/`.
pub fn event(path: &str) -> serde_json::Value {
    let full = repo_root().join("events").join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    serde_json::from_str(&text).unwrap()
}

/// Sets one string field at a JSON pointer (creating nothing: the path must exist).
pub fn set(event: &mut serde_json::Value, pointer: &str, value: &str) {
    *event.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} not in event")) =
        serde_json::Value::String(value.into());
}

fn corpus(function: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo_root().join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "bin"))
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("all-") || name.starts_with(&format!("{function}-"))
        })
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// The bad-input corpus (tests/corpus/, made by its generate.py) through `C`'s handler: each event is
/// rejected with InvalidEvent or ignored with a reason, with no AWS call and no panic. Returns
/// (rejected, ignored) counts. Every control's tests call it.
pub async fn bad_input_makes_no_call<C: Control>() -> (usize, usize) {
    let proxy = Proxy::start().await;
    let rt: Runtime<C> = proxy.runtime(proxy.sdk_config(REGION).await, &[]).await;
    let (mut rejected, mut ignored) = (0, 0);
    let mut cases = corpus(C::NAME);
    // A CloudTrail call this function acts on, made by its own role session: ignored (loop safety).
    if let Some(name) = C::EVENT_NAMES.first() {
        let mut own = event("s3-block-public-access/cloudtrail.json");
        set(&mut own, "/detail/eventName", name);
        set(&mut own, "/detail/userIdentity/arn", &format!("arn:aws:sts::{ACCOUNT}:assumed-role/role/{}", C::NAME));
        cases.push(("own-session.json".into(), own.to_string().into_bytes()));
    }
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for (name, bytes) in &cases {
        if name.ends_with(".bin") {
            let err = Trigger::from_slice(bytes).expect_err(name);
            assert_eq!(err.error_type(), "InvalidEvent", "{name}");
            rejected += 1;
            continue;
        }
        let event: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        match rt.handle(&event).await {
            Err(e) if e.error_type() == "InvalidEvent" => rejected += 1,
            Ok(report) if report.results.is_empty() && report.ignored.is_some() => ignored += 1,
            other => panic!("{}: {name} was neither rejected nor ignored: {other:?}", C::NAME),
        }
    }
    assert!(proxy.requests().is_empty(), "{}: bad input reached AWS: {:?}", C::NAME, proxy.requests());
    assert_eq!(rejected + ignored, cases.len());
    (rejected, ignored)
}

/// A ledger table (`LEDGER_TABLE`) as template.yaml declares it: string keys `pk` / `sk`, the
/// `action` index on `action_id`; a unique name. Returns the name.
pub async fn ledger_table(config: &SdkConfig) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
        ScalarAttributeType,
    };
    let name = unique("ledger");
    let attr = |n: &str| {
        AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap()
    };
    let key = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build().unwrap();
    aws_sdk_dynamodb::Client::new(config)
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .attribute_definitions(attr("action_id"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(remediation_core::ledger::ACTION_INDEX)
                .key_schema(key("action_id", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create the ledger table");
    name
}

/// The ledger's items of one resource's history, newest first (as the table holds them).
pub async fn ledger_items(
    config: &SdkConfig,
    table: &str,
) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let out = aws_sdk_dynamodb::Client::new(config).scan().table_name(table).send().await.expect("scan the ledger");
    out.items().to_vec()
}

/// An SSM parameter (the kill switch, `MODE_PARAMETER`) holding `value`; a unique name. Returns the name.
pub async fn mode_parameter(config: &SdkConfig, value: &str) -> String {
    let name = format!("/{}/mode", unique("stack"));
    set_mode(config, &name, value).await;
    name
}

/// Sets the kill switch `name` to `value` (`enforce`, `dry_run`, `off`).
pub async fn set_mode(config: &SdkConfig, name: &str, value: &str) {
    aws_sdk_ssm::Client::new(config)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .expect("put the mode parameter");
}

/// `{"undo": "<action id>"}`.
pub fn undo(action_id: &str) -> serde_json::Value {
    serde_json::json!({ "undo": action_id })
}
