use config_recorder_on::ConfigRecorderOn;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<ConfigRecorderOn>().await
}
