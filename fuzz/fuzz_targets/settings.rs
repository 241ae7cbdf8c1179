//! Environment variables → Settings: never a panic, only values or InvalidConfig.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remediation_events::{Error, Settings};

const NAMES: [&str; 9] = [
    "DRY_RUN",
    "EXEMPT_TAG",
    "EXEMPT_RESOURCES",
    "EXEMPT_PRINCIPALS",
    "MEMBER_ROLE_NAME",
    "TARGET_REGIONS",
    "KMS_REENABLE_KEY",
    "SNAPSHOT_ALLOWED_ACCOUNTS",
    "REMEDIATION_CONCURRENCY",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let vars = text.split('\n').zip(NAMES.iter().cycle()).map(|(value, name)| (*name, value.to_owned()));
    match Settings::from_vars(vars) {
        Ok(s) => {
            let _ = s.is_exempt_principal("arn:aws:iam::123456789012:role/x");
        }
        Err(Error::InvalidConfig(msg)) => assert!(!msg.is_empty()),
        Err(other) => panic!("settings returned {other:?}"),
    }
});
