use ebs_snapshot_revoke_public::EbsSnapshotRevokePublic;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    remediation_core::run::<EbsSnapshotRevokePublic>().await
}
