//! The bad-input corpus (tests/corpus/, made by generate.py) through every function's handler:
//! each event is rejected with InvalidEvent or ignored with a reason, with no AWS call and no panic.

use std::path::PathBuf;

use integration_tests::*;
use remediation_core::{Control, Runtime, Trigger};

fn corpus(function: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "bin"))
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("all-") || name.starts_with(&format!("{function}-"))
        })
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// Runs the corpus through `C`'s handler; returns (rejected, ignored) counts.
async fn check<C: Control>() -> (usize, usize) {
    let proxy = Proxy::start().await;
    let rt: Runtime<C> = proxy.runtime(proxy.sdk_config(REGION).await, &[]).await;
    let (mut rejected, mut ignored) = (0, 0);
    let mut cases = corpus(C::NAME);
    // A CloudTrail call this function acts on, made by its own role session: ignored (loop safety).
    let mut own = event("s3-block-public-access/cloudtrail.json");
    set(&mut own, "/detail/eventName", C::EVENT_NAMES[0]);
    set(&mut own, "/detail/userIdentity/arn", &format!("arn:aws:sts::{ACCOUNT}:assumed-role/role/{}", C::NAME));
    cases.push(("own-session.json".into(), own.to_string().into_bytes()));
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for (name, bytes) in &cases {
        if name.ends_with(".bin") {
            let err = Trigger::from_slice(bytes).expect_err(name);
            assert_eq!(err.error_type(), "InvalidEvent", "{name}");
            rejected += 1;
            continue;
        }
        let event: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        match rt.handle(&event).await {
            Err(e) if e.error_type() == "InvalidEvent" => rejected += 1,
            Ok(report) if report.results.is_empty() && report.ignored.is_some() => ignored += 1,
            other => panic!("{}: {name} was neither rejected nor ignored: {other:?}", C::NAME),
        }
    }
    assert!(proxy.requests().is_empty(), "{}: bad input reached AWS: {:?}", C::NAME, proxy.requests());
    assert_eq!(rejected + ignored, cases.len());
    (rejected, ignored)
}

#[cfg(feature = "s3")]
#[tokio::test]
async fn s3_block_public_access() {
    let (rejected, ignored) = check::<s3_block_public_access::S3BlockPublicAccess>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}

#[cfg(feature = "kms")]
#[tokio::test]
async fn kms_cancel_key_deletion() {
    let (rejected, ignored) = check::<kms_cancel_key_deletion::KmsCancelKeyDeletion>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}

#[cfg(feature = "snapshots")]
#[tokio::test]
async fn ebs_snapshot_revoke_public() {
    let (rejected, ignored) = check::<ebs_snapshot_revoke_public::EbsSnapshotRevokePublic>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}

#[cfg(feature = "ebs-encryption")]
#[tokio::test]
async fn ebs_default_encryption() {
    let (rejected, ignored) = check::<ebs_default_encryption::EbsDefaultEncryption>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}
