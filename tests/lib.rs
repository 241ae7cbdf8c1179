//! The four first controls' emulator tests share the harness every control's tests use.
pub use emulator_harness::*;
