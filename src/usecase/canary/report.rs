//! A step as a `verdict.report/v1` report (`command: "canary"`): the guards as checks (canary
//! against stable), the slices they were evaluated on, and the `canary` object with the
//! decision, the stage it judged and the stage history as the step left it.

use super::observe::StageData;
use crate::canary::{CanaryState, Decision};
use crate::eval::Verdict;
use crate::plan::PolicyPlan;
use crate::report::canary::CanaryInfo;
use crate::report::{Report, ReportError};

/// What one step read, decided and wrote.
pub struct Step<'a> {
    pub decision: &'a Decision,
    /// The state read from the InferenceService, and the one the step's patch wrote (the same
    /// when it wrote none).
    pub before: Option<&'a CanaryState>,
    pub after: Option<&'a CanaryState>,
    pub stage: Option<&'a StageData>,
    /// `namespace/name`.
    pub inference_service: String,
    pub applied: bool,
}

pub fn report(path: &str, text: &str, plan: &PolicyPlan, step: &Step<'_>) -> Report {
    let mut report = Report::new("canary", path, text, plan);
    let decision = step.decision;
    report.verdict = match decision {
        Decision::Rollback { .. } => Verdict::Fail,
        Decision::Undecided { .. } => Verdict::Error,
        _ => Verdict::Pass,
    };
    if let Decision::Undecided { reason } = decision {
        report.errors.push(ReportError {
            code: Some("canary::undecided".into()),
            message: reason.clone(),
            help: None,
        });
    }
    if let Some(stage) = step.stage {
        report.checks = stage.guards.clone();
        report.data = stage.data.clone();
    }
    // The stage judged: the running one read, when its traffic was observed.
    let judged = step.before.filter(|_| step.stage.is_some());
    // A held stage goes on; its requests so far belong to the running row of the history.
    let running_requests = match decision {
        Decision::Hold { .. } => step.stage.map(|s| s.requests),
        _ => None,
    };
    let known = step.after.or(step.before);
    report.canary = Some(CanaryInfo {
        decision: decision.kind(),
        reason: decision.reason().map(str::to_string),
        applied: step.applied,
        inference_service: step.inference_service.clone(),
        version: known.map(|s| s.version.clone()),
        stable_version: known.and_then(|s| s.stable_version.clone()),
        phase: step.after.map(|s| s.phase.as_str()),
        stage: judged.map(|s| s.stage + 1),
        percent: judged.map(|s| s.percent),
        requests: step.stage.map(|s| s.requests),
        stages: plan.canary.as_ref().map_or(0, |c| c.stages.len()),
        history: step
            .after
            .map(|s| s.timeline(running_requests))
            .unwrap_or_default(),
    });
    report
}
