use ec2_default_sg_closed::Ec2DefaultSgClosed;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<Ec2DefaultSgClosed>().await
}
