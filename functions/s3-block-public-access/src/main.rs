use s3_block_public_access::S3BlockPublicAccess;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<S3BlockPublicAccess>().await
}
