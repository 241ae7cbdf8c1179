//! remediation-events: what the functions read before any AWS call — the event shapes ([`Trigger`]),
//! the settings ([`Settings`]) and ARNs — with no AWS SDK dependency, so the fuzz targets build in
//! seconds. remediation-core re-exports all of it.

pub mod arn;
pub mod config;
mod shapes;
pub mod trigger;

pub use arn::Arn;
pub use config::Settings;
pub use trigger::{ApiCall, Kind, ResourceRef, Trigger};

/// A rejected event or setting. remediation-core's `Error` has the same two variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The event is none of the accepted shapes, or names something the control cannot act on.
    #[error("{0}")]
    InvalidEvent(String),
    /// A setting (environment variable) is malformed.
    #[error("{0}")]
    InvalidConfig(String),
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidEvent(msg.into())
    }

    /// The `errorType` Lambda reports for this error.
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::InvalidEvent(_) => "InvalidEvent",
            Error::InvalidConfig(_) => "InvalidConfig",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

mod error {
    pub use super::{Error, Result};
}
