use iam_password_policy::IamPasswordPolicy;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<IamPasswordPolicy>().await
}
