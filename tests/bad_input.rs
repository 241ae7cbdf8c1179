//! The bad-input corpus (tests/corpus/, made by generate.py) through every function's handler:
//! each event is rejected with InvalidEvent or ignored with a reason, with no AWS call and no panic.

use integration_tests::*;

#[cfg(feature = "s3")]
#[tokio::test]
async fn s3_block_public_access() {
    let (rejected, ignored) = bad_input_makes_no_call::<s3_block_public_access::S3BlockPublicAccess>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}

#[cfg(feature = "kms")]
#[tokio::test]
async fn kms_cancel_key_deletion() {
    let (rejected, ignored) = bad_input_makes_no_call::<kms_cancel_key_deletion::KmsCancelKeyDeletion>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}

#[cfg(feature = "snapshots")]
#[tokio::test]
async fn ebs_snapshot_revoke_public() {
    let (rejected, ignored) = bad_input_makes_no_call::<ebs_snapshot_revoke_public::EbsSnapshotRevokePublic>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}

#[cfg(feature = "ebs-encryption")]
#[tokio::test]
async fn ebs_default_encryption() {
    let (rejected, ignored) = bad_input_makes_no_call::<ebs_default_encryption::EbsDefaultEncryption>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}
