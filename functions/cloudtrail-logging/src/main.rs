use cloudtrail_logging::CloudtrailLogging;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<CloudtrailLogging>().await
}
