use iam_unused_credentials::IamUnusedCredentials;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<IamUnusedCredentials>().await
}
