//! One error type for the whole project. Its variant decides the `errorType` Lambda reports.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An AWS call that failed, with the resource and the AWS error code kept for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub operation: &'static str,
    pub resource: String,
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// Converts any SDK error, keeping its code (`NoSuchBucket`, `AccessDenied`, ...).
    pub fn from_sdk<E, R>(operation: &'static str, resource: impl Into<String>, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        let (code, message) = match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                (e.code().map(str::to_owned), e.message().map(str::to_owned).unwrap_or_else(|| e.to_string()))
            }
            other => (None, error_chain(other)),
        };
        Self { operation, resource: resource.into(), code, message }
    }

    /// True when the AWS error code is one of `codes`.
    pub fn is(&self, codes: &[&str]) -> bool {
        self.code.as_deref().is_some_and(|c| codes.contains(&c))
    }
}

impl std::error::Error for AwsError {}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {} failed", self.operation, self.resource)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The event is none of the accepted shapes, or names something the control cannot act on.
    #[error("{0}")]
    InvalidEvent(String),
    /// A setting (environment variable) is malformed.
    #[error("{0}")]
    InvalidConfig(String),
    #[error("{0}")]
    Aws(#[from] AwsError),
    /// Something other than an AWS API error stopped one target (missing member role, ...).
    #[error("{0}")]
    Target(String),
    /// At least one result failed; every other target was handled and the report was sent.
    #[error("{0}")]
    RemediationFailed(String),
    /// The report could not be delivered (SNS publish failed).
    #[error("{0}")]
    NotificationFailed(String),
    /// The fix stands (reported), but its ledger record could not be completed: retried and noticed.
    #[error("{0}")]
    LedgerFailed(String),
    /// A target that this function will not fix automatically: what a person should do. Becomes the
    /// `needs_action` outcome, never the invocation's error.
    #[error("{0}")]
    NeedsAction(String),
}

impl From<remediation_events::Error> for Error {
    fn from(e: remediation_events::Error) -> Self {
        match e {
            remediation_events::Error::InvalidEvent(m) => Error::InvalidEvent(m),
            remediation_events::Error::InvalidConfig(m) => Error::InvalidConfig(m),
        }
    }
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
            Error::Aws(_) => "AwsError",
            Error::Target(_) => "TargetError",
            Error::RemediationFailed(_) => "RemediationFailed",
            Error::NotificationFailed(_) => "NotificationFailed",
            Error::NeedsAction(_) => "NeedsAction",
            Error::LedgerFailed(_) => "LedgerFailed",
        }
    }
}

impl From<Error> for lambda_runtime::Diagnostic {
    fn from(e: Error) -> Self {
        lambda_runtime::Diagnostic { error_type: e.error_type().to_owned(), error_message: e.to_string() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
