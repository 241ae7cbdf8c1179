//! Untrusted event bytes → Trigger: must never panic, and every rejection is an InvalidEvent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remediation_events::{Arn, Error, Trigger};

fuzz_target!(|data: &[u8]| {
    match Trigger::from_slice(data) {
        Ok(trigger) => {
            for r in &trigger.resources {
                let _ = r.is_account();
                let _ = Arn::parse(&r.id);
            }
        }
        Err(Error::InvalidEvent(msg)) => assert!(!msg.is_empty()),
        Err(other) => panic!("parsing returned {other:?}, not InvalidEvent"),
    }
});
