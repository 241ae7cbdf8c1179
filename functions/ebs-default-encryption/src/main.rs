use ebs_default_encryption::EbsDefaultEncryption;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<EbsDefaultEncryption>().await
}
