//! `verdict status`: where the rollout stands. The aliases and their versions, what the
//! InferenceService serves and how traffic splits per revision, the canary's stage and the time
//! left in it. Reads only; returns the record (`verdict.status/v1`) and prints nothing.

use serde::Serialize;

use super::rollout::{RolloutError, Target, read_state};
use crate::canary::state::format_time;
use crate::canary::{Aliases, CanaryState, Phase, Readiness};
use crate::exec::kserve::{self, PredictorStatus};
use crate::plan::PolicyPlan;

#[derive(Debug, Serialize)]
pub struct StatusRecord {
    pub schema: &'static str,
    pub model: String,
    pub aliases: Aliases,
    pub inference_service: String,
    pub resource_version: String,
    pub serving: Option<String>,
    pub canary_traffic_percent: Option<i64>,
    pub readiness: Readiness,
    pub predictor: PredictorStatus,
    pub canary: Option<CanaryState>,
    pub stage_percent: Option<f64>,
    /// Milliseconds until the current stage's time is reached (0 once it is).
    pub stage_time_left_ms: Option<i64>,
    pub now: String,
}

pub fn status(target: &Target<'_>, plan: &PolicyPlan) -> Result<StatusRecord, RolloutError> {
    let services = &target.services;
    let isvc = services.serving.get()?;
    let canary = read_state(services.serving, &isvc)?;
    let stage = canary
        .as_ref()
        .filter(|c| c.phase == Phase::Running)
        .and_then(|c| Some((c, plan.canary.as_ref()?.stages.get(c.stage)?)));
    Ok(StatusRecord {
        schema: "verdict.status/v1",
        aliases: Aliases::read(services.registry, services.model)?,
        model: services.model.to_string(),
        inference_service: services.serving.name(),
        resource_version: isvc.resource_version.clone(),
        serving: kserve::served_location(&isvc.object),
        canary_traffic_percent: isvc.canary_percent,
        readiness: isvc.readiness.clone(),
        predictor: isvc.predictor.clone(),
        stage_percent: stage.map(|(_, s)| s.percent),
        stage_time_left_ms: stage
            .map(|(c, s)| (c.stage_started_ms + s.duration_ms - target.now_ms).max(0)),
        canary,
        now: format_time(target.now_ms),
    })
}
