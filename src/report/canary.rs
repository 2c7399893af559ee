//! The canary part of a `verdict.report/v1` report: what one `canary step` decided about the
//! stage it judged, and the canary's stage history. The history entries are the format of the
//! `verdict.dev/canary-history` annotation, which lives with the canary's state, so the report
//! shows exactly what the InferenceService records.

use serde::Serialize;

pub use crate::canary::decide::StepDecision;
pub use crate::canary::state::{StageDecision, StageRecord};

#[derive(Debug, Clone, Serialize)]
pub struct CanaryInfo {
    pub decision: StepDecision,
    /// Why the step held, rolled back or could not decide.
    pub reason: Option<String>,
    /// False for a dry run: the decision was printed, not made.
    pub applied: bool,
    /// `namespace/name`.
    pub inference_service: String,
    /// The model version the canary serves, and the one @champion named when it started.
    pub version: Option<String>,
    pub stable_version: Option<String>,
    /// After the step: `running`, `promoted` or `rolled-back`; null when no canary exists.
    pub phase: Option<&'static str>,
    /// The stage this step judged (counted from 1), its share and its canary requests; null
    /// when no stage was running or observed.
    pub stage: Option<usize>,
    pub percent: Option<i64>,
    pub requests: Option<u64>,
    /// How many stages the policy has.
    pub stages: usize,
    /// Every stage of this canary after the step, oldest first; a stage still running is last,
    /// with no end and no decision.
    pub history: Vec<StageRecord>,
}

impl CanaryInfo {
    /// The facts behind the decision in one line: "stage 2 of 4 at 25%, 4012 canary requests;
    /// version 2 against stable version 1 on default/risk; applied".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(stage) = self.stage {
            let percent = self
                .percent
                .map(|p| format!(" at {p}%"))
                .unwrap_or_default();
            parts.push(format!("stage {stage} of {}{percent}", self.stages));
        }
        if let Some(requests) = self.requests {
            parts.push(format!("{requests} canary requests"));
        }
        let mut line = parts.join(", ");
        if !line.is_empty() {
            line.push_str("; ");
        }
        if let Some(version) = &self.version {
            line.push_str(&format!("version {version}"));
            if let Some(stable) = &self.stable_version {
                line.push_str(&format!(" against stable version {stable}"));
            }
            line.push_str(" on ");
        }
        line.push_str(&self.inference_service);
        line.push_str(if self.applied {
            "; applied"
        } else {
            "; dry run: nothing was changed"
        });
        line
    }
}
