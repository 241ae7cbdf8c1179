//! The report: the handler's return value, the SNS message body and one JSON log line.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::trigger::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Remediated,
    AlreadyCompliant,
    WouldRemediate,
    Exempt,
    NotFound,
    /// Noncompliant, and this function will not fix it automatically: `detail` says what to do.
    NeedsAction,
    /// Noncompliant, held back by a guardrail (kill switch, blast-radius cap).
    Deferred,
    /// Noncompliant again after being fixed too often within the flap window.
    Contested,
    /// An undo payload restored the recorded `before` state.
    Undone,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Remediated => "remediated",
            Outcome::AlreadyCompliant => "already_compliant",
            Outcome::WouldRemediate => "would_remediate",
            Outcome::Exempt => "exempt",
            Outcome::NotFound => "not_found",
            Outcome::NeedsAction => "needs_action",
            Outcome::Deferred => "deferred",
            Outcome::Contested => "contested",
            Outcome::Undone => "undone",
            Outcome::Failed => "failed",
        }
    }

    /// Outcomes worth a notification: something changed, would have, or went wrong.
    pub fn is_notable(self) -> bool {
        !matches!(self, Outcome::AlreadyCompliant | Outcome::Exempt | Outcome::NotFound)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    /// The resource's ARN (or the account / region for account- and region-wide settings).
    pub resource: String,
    pub account: String,
    pub region: String,
    pub outcome: Outcome,
    pub detail: String,
    /// State read before acting; null when it was not read (exempt, not found).
    pub before: Value,
    /// State read back after the fix; null when nothing was written.
    pub after: Value,
    /// The resource in the AWS console, where it has a page (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console_url: Option<String>,
    /// The ledger's id of the write (`remediated`, `undone`; with `LEDGER_TABLE`): the handle for undo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub control: String,
    pub trigger: Kind,
    pub dry_run: bool,
    pub results: Vec<TargetResult>,
    /// Why the event needed nothing done; null when it named targets.
    pub ignored: Option<String>,
    /// The Security Hub finding that triggered the invocation (absent for other triggers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<String>,
    /// That finding in the Security Hub console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_url: Option<String>,
}

impl Report {
    pub fn failed(&self) -> impl Iterator<Item = &TargetResult> {
        self.results.iter().filter(|r| r.outcome == Outcome::Failed)
    }

    pub fn is_notable(&self) -> bool {
        self.results.iter().any(|r| r.outcome.is_notable())
    }

    /// The most significant outcome, for the SNS `outcome` attribute: failed, then remediated, then would_remediate.
    pub fn headline(&self) -> Option<Outcome> {
        [
            Outcome::Failed,
            Outcome::Remediated,
            Outcome::NeedsAction,
            Outcome::Contested,
            Outcome::Deferred,
            Outcome::Undone,
            Outcome::WouldRemediate,
            Outcome::Exempt,
            Outcome::NotFound,
            Outcome::AlreadyCompliant,
        ]
        .into_iter()
        .find(|o| self.results.iter().any(|r| r.outcome == *o))
    }

    /// `N remediated, M failed, ...` for error messages and logs.
    pub fn summary(&self) -> String {
        let mut counts: Vec<(Outcome, usize)> = Vec::new();
        for r in &self.results {
            match counts.iter_mut().find(|(o, _)| *o == r.outcome) {
                Some((_, n)) => *n += 1,
                None => counts.push((r.outcome, 1)),
            }
        }
        if counts.is_empty() {
            return self.ignored.clone().map(|why| format!("ignored: {why}")).unwrap_or_else(|| "no targets".into());
        }
        counts.iter().map(|(o, n)| format!("{n} {}", o.as_str())).collect::<Vec<_>>().join(", ")
    }
}
