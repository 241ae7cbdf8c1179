//! Parses every events/**/*.json sample N times (`parse_bench N [value|bytes] [name prefix]`), for
//! counting instructions per event: run it under `valgrind --tool=callgrind` with two values of N and
//! divide the difference by N and the number of events. `bytes` parses from the raw JSON
//! (`Trigger::from_slice`); `value` from an already parsed value, as the handler does (the default).

use std::hint::black_box;
use std::path::PathBuf;

use remediation_events::Trigger;
use serde_json::Value;

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let from_bytes = args.next().as_deref() == Some("bytes");
    let prefix = args.next().unwrap_or_default();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("events/") {
        let dir = dir.expect("entry").path();
        if dir.is_dir() {
            for file in std::fs::read_dir(&dir).expect("dir") {
                let path = file.expect("entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if name.ends_with(".json") && name.starts_with(&prefix) {
                    files.push(std::fs::read(&path).expect("read"));
                }
            }
        }
    }
    files.sort();
    let values: Vec<Value> = files.iter().map(|b| serde_json::from_slice(b).expect("json")).collect();
    let mut ok = 0usize;
    for _ in 0..rounds {
        if from_bytes {
            for bytes in &files {
                ok += black_box(Trigger::from_slice(black_box(bytes))).is_ok() as usize;
            }
        } else {
            for value in &values {
                ok += black_box(Trigger::parse(black_box(value))).is_ok() as usize;
            }
        }
    }
    println!("{} events x {rounds} rounds, {ok} parsed", values.len());
}
