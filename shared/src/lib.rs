//! remediation-core: everything that is the same for every control. A control implements
//! [`Control`]; its `main` calls [`run`].

pub mod aws;
pub use remediation_events::{arn, config, trigger};
pub mod control;
pub mod engine;
pub mod error;
pub mod exceptions;
pub mod ledger;
pub mod links;
pub mod metrics;
pub mod notify;
pub mod report;
pub mod wiring;

use std::sync::Arc;

// mimalloc is built with `no_thp` (workspace Cargo.toml): it no longer asks for transparent huge pages
// for its arenas. With them, on a kernel whose THP mode is `madvise`, a cold start faulted in 2 MiB pages
// it did not need: 18 MiB peak RSS instead of 11, and about 1.6 ms more CPU, a fifth of the 7.2 ms a
// 128 MB function gets per 100 ms (measured by hand; bench/RESULTS.md, "Cold start at 128 MB").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use arn::Arn;
pub use aws::{Aws, Clients};
pub use config::Settings;
pub use control::{ChangeLookup, Control, Cx, Description, Resolved};
pub use engine::Runtime;
pub use error::{AwsError, Error, Result};
pub use report::{Outcome, Report, TargetResult};
pub use trigger::{ApiCall, Kind, ResourceRef, Trigger};
pub use wiring::{ConfigRule, Permission, Setting, Wiring};

/// The whole of a function's `main`: settings and clients once per cold start, then the Lambda loop.
/// The handler answers the report, or for a batch of the sweep queue the SQS partial-batch response
/// (`Runtime::invoke`).
pub async fn run<C: Control>() -> Result<(), lambda_runtime::Error> {
    if std::env::args().nth(1).as_deref() == Some("--wiring") {
        println!("{}", wiring_json::<C>());
        return Ok(());
    }
    init_logging();
    let settings = Settings::from_env()?;
    let aws = Arc::new(Aws::from_env(&settings).await?);
    let runtime = Runtime::<C>::new(settings, aws)?;
    let runtime = &runtime;
    // Boxed: the engine's future is deep, and unboxed it overflows the compiler's layout depth in `main`.
    let handler = move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
        Box::pin(async move {
            runtime.clients.aws().learn_account_from_arn(&event.context.invoked_function_arn);
            runtime.invoke(&event.payload).await
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = Result<serde_json::Value>> + '_>>
    };
    lambda_runtime::run(lambda_runtime::service_fn(handler)).await
}

/// The control's declaration as JSON (what `<binary> --wiring` prints for tools/generate.py).
pub fn wiring_json<C: Control>() -> String {
    let declaration = wiring::Declaration {
        name: C::NAME,
        event_names: C::EVENT_NAMES,
        config_resource_types: C::CONFIG_RESOURCE_TYPES,
        security_hub_controls: C::SECURITY_HUB_CONTROLS,
        manual_empty_is_sweep: C::MANUAL_EMPTY_IS_SWEEP,
        global_sweep: C::GLOBAL_SWEEP,
        wiring: &C::WIRING,
    };
    serde_json::to_string_pretty(&declaration).expect("a declaration serializes")
}

/// JSON logs at `AWS_LAMBDA_LOG_LEVEL` (Lambda's JSON log format) or `RUST_LOG`, INFO by default.
pub fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_lowercase()))
        .unwrap_or_else(|_| "info".into());
    // The SDK logs requests, headers and canonical requests (with the session token) at debug and
    // trace: whatever level is asked for, the SDK and HTTP stack stay at info.
    let sdk = ["aws_sigv4", "aws_smithy_runtime", "aws_smithy_runtime_api", "aws_smithy_http_client", "aws_config"]
        .map(|target| format!("{target}=info"))
        .join(",");
    let filter = format!("{level},{sdk},hyper=info,hyper_util=info,rustls=info,h2=info");
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .try_init();
}
