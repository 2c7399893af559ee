//! The canary part of a `verdict.report/v1` report: what one `canary step` decided about the
//! stage it judged, and the canary's stage history. The history entries are also the format of
//! the `verdict.dev/canary-history` annotation, so the report shows exactly what the
//! InferenceService records.

use serde::{Deserialize, Serialize};

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

/// One stage of a canary: when it ran, at what share, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    /// Counted from 1, as the policy lists the stages.
    pub stage: usize,
    pub percent: i64,
    /// RFC 3339, UTC.
    pub started: String,
    pub ended: Option<String>,
    pub decision: Option<StageDecision>,
    /// Canary requests seen in the stage; null when the stage ended without being observed
    /// (a manual rollback).
    pub requests: Option<u64>,
    pub reason: Option<String>,
}

/// What a step decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepDecision {
    Start,
    Advance,
    Hold,
    Rollback,
    Promote,
    Undecided,
}

impl StepDecision {
    /// The one-line answer of a canary report.
    pub fn headline(self) -> &'static str {
        match self {
            StepDecision::Start => {
                "START: the challenger takes the first stage's share of the traffic"
            }
            StepDecision::Advance => "ADVANCE: the canary moves to its next stage",
            StepDecision::Hold => "HOLD: the canary stays at its stage",
            StepDecision::Rollback => {
                "ROLLBACK: the canary's traffic goes back to the stable revision"
            }
            StepDecision::Promote => "PROMOTE: the canary becomes the served model",
            StepDecision::Undecided => {
                "UNDECIDED: no decision could be made; nothing was changed (fail closed)"
            }
        }
    }
}

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageDecision {
    Advance,
    Rollback,
    Promote,
}

impl StageDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            StageDecision::Advance => "advance",
            StageDecision::Rollback => "rollback",
            StageDecision::Promote => "promote",
        }
    }
}

impl StageRecord {
    /// How the stage ended, or `running`.
    pub fn outcome(&self) -> &'static str {
        self.decision.map_or("running", StageDecision::as_str)
    }

    /// One line for terminals and Markdown: "stage 2 at 25%: 2026-11-26T00:30:00.000Z →
    /// 2026-11-26T01:00:00.000Z, 4012 requests, rollback (guard ... failed)".
    pub fn describe(&self) -> String {
        let requests = self
            .requests
            .map(|n| format!(", {n} requests"))
            .unwrap_or_default();
        let reason = self
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        format!(
            "stage {} at {}%: {} → {}{requests}, {}{reason}",
            self.stage,
            self.percent,
            self.started,
            self.ended.as_deref().unwrap_or("now"),
            self.outcome()
        )
    }
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
