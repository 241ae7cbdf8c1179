use guardduty_enabled::GuardDutyEnabled;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<GuardDutyEnabled>().await
}
