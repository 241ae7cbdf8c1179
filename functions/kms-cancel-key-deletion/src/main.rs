use kms_cancel_key_deletion::KmsCancelKeyDeletion;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<KmsCancelKeyDeletion>().await
}
