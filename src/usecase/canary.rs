//! One stateless step of the canary: reads the state from the InferenceService and the
//! registry, observes the current stage, decides (`canary::decide`), turns the decision into
//! effects (`canary::effect`) and performs them (`exec::effects`). A 409 means another writer
//! moved first: the step reads again and decides again.
//!
//! Takes the policy, the services and the slice overrides; returns the step's record (every
//! input it was decided on, `verdict.canary/v1`) and its `verdict.report/v1` report. Prints
//! nothing.

mod observe;
mod report;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use observe::{StageData, Window};

use super::rollout::{RolloutError, Target, deciding_again, read_state};
use crate::canary::decide::{Inputs, Served, decide_unobserved};
use crate::canary::effect::{self, Gate, StepFacts};
use crate::canary::state::format_time;
use crate::canary::{Aliases, CanaryError, CanaryState, Decision, Observation, Phase, Readiness};
use crate::exec::aliases::{CHALLENGER, CHAMPION};
use crate::exec::effects::{self, Applied};
use crate::exec::kserve::{self, InferenceService, Traffic};
use crate::exec::trail::{self, GATE_TAG};
use crate::exec::{ExecError, Registry};
use crate::plan::{CanaryPlan, PolicyPlan};
use crate::report::Report;
use crate::source::PolicyFile;
use crate::transport::PlannedCall;

/// Everything a step read and decided, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct StepRecord {
    pub schema: &'static str,
    pub decision: Decision,
    pub applied: bool,
    pub model: String,
    pub inference_service: String,
    pub now: String,
    pub policy_sha256: String,
    pub challenger: Option<String>,
    pub state: Option<CanaryState>,
    /// The state the step's patch wrote (its stage history included), when it wrote one.
    pub state_after: Option<CanaryState>,
    pub resource_version: String,
    pub canary_traffic_percent: Option<i64>,
    pub traffic: Vec<Traffic>,
    pub observation: Option<Observation>,
    pub stage: Option<StageData>,
    pub conflicts: usize,
    pub patch: Option<Value>,
    pub aliases_before: Option<Aliases>,
    pub aliases_after: Option<Aliases>,
    pub planned_calls: Vec<PlannedCall>,
}

/// A step done: its record, its report, and the predictor's readiness it was decided on.
pub struct Step {
    pub record: StepRecord,
    pub report: Report,
    pub readiness: Readiness,
}

/// The policy's canary block: checked before any service is reached.
pub fn canary_plan(plan: &PolicyPlan) -> Result<&CanaryPlan, CanaryError> {
    plan.canary.as_ref().ok_or_else(|| CanaryError::Policy {
        message: "the policy has no canary block".into(),
        help: Some("add `canary { stage 5% for 30m ... }`".into()),
    })
}

/// `canary`: the policy's canary block (see [`canary_plan`]). `overrides`: slice paths from the
/// command line.
pub fn step(
    file: &PolicyFile,
    plan: &PolicyPlan,
    canary: &CanaryPlan,
    target: &Target<'_>,
    overrides: &BTreeMap<String, String>,
) -> Result<Step, RolloutError> {
    let services = &target.services;
    let (registry, model) = (services.registry, services.model);
    let policy_sha256 = crate::data::sha256_hex(file.text.as_bytes());
    deciding_again(|conflicts| {
        let isvc = services.serving.get()?;
        let state = read_state(services.serving, &isvc)?;
        let challenger = registry.alias(model, CHALLENGER)?;
        // Where the state's version is served from, when the decision compares it with what
        // serves: a running canary, or a promotion to resume.
        let expected = match &state {
            Some(s)
                if s.phase == Phase::Running
                    || (s.phase == Phase::Promoted
                        && challenger.as_deref() == Some(s.version.as_str())) =>
            {
                Some(effects::serving_location(registry, model, &isvc, &s.version)?.0)
            }
            _ => None,
        };
        let served_location = kserve::served_location(&isvc.object);
        let inputs = Inputs {
            plan: canary,
            policy_sha256: &policy_sha256,
            challenger: challenger.as_deref(),
            served: Served {
                location: served_location.as_deref(),
                expected: expected.as_deref(),
                canary_percent: isvc.canary_percent,
            },
        };
        let stage = match (decide_unobserved(&inputs, state.as_ref()), &state) {
            (None, Some(state)) => Some(observe::observe(
                plan,
                canary,
                state,
                overrides,
                target.now_ms,
            )?),
            _ => None,
        };
        let observation = stage.as_ref().map(|s| Observation {
            now_ms: target.now_ms,
            readiness: isvc.readiness.clone(),
            requests: s.requests,
            last_request_ms: s.last_request_ms,
            guards: s.guards.iter().map(Into::into).collect(),
        });
        let decision = crate::canary::decide(&inputs, state.as_ref(), observation.as_ref());
        let applied = act(
            target,
            &isvc,
            state.as_ref(),
            &decision,
            &policy_sha256,
            stage.as_ref().map(|s| s.requests),
        )?;
        let aliases_after = match applied.aliases_before {
            Some(_) if target.applies() => Some(Aliases::read(registry, model)?),
            _ => None,
        };
        let record = StepRecord {
            schema: "verdict.canary/v1",
            decision,
            applied: target.applies(),
            model: model.to_string(),
            inference_service: services.serving.name(),
            now: format_time(target.now_ms),
            policy_sha256: policy_sha256.clone(),
            challenger,
            state,
            state_after: applied.state,
            resource_version: isvc.resource_version.clone(),
            canary_traffic_percent: isvc.canary_percent,
            traffic: isvc.predictor.traffic.clone(),
            observation,
            stage,
            conflicts,
            patch: applied.patch,
            aliases_before: applied.aliases_before,
            aliases_after,
            planned_calls: target.planned(),
        };
        let report = report::report(
            &file.display_name(),
            &file.text,
            plan,
            &report::Step {
                decision: &record.decision,
                before: record.state.as_ref(),
                after: record.state_after.as_ref().or(record.state.as_ref()),
                stage: record.stage.as_ref(),
                inference_service: record.inference_service.clone(),
                applied: record.applied,
            },
        );
        Ok(Step {
            record,
            report,
            readiness: isvc.readiness.clone(),
        })
    })
}

/// The decision's effects, performed. Only a start reads more first: the challenger's gate
/// tag and @champion, which its precondition and its state need.
fn act(
    target: &Target<'_>,
    isvc: &InferenceService,
    state: Option<&CanaryState>,
    decision: &Decision,
    policy_sha256: &str,
    requests: Option<u64>,
) -> Result<Applied, RolloutError> {
    let (registry, model) = (target.services.registry, target.services.model);
    let (gate, champion) = match decision {
        Decision::Start { version, .. } => (
            version_tag(registry, model, version, GATE_TAG)?,
            registry.alias(model, CHAMPION)?,
        ),
        _ => (None, None),
    };
    let facts = StepFacts {
        model,
        policy_sha256,
        now_ms: target.now_ms,
        requests,
        gate: Gate {
            key: GATE_TAG,
            value: gate.as_deref(),
            passed: trail::gate_tag(crate::eval::Verdict::Pass),
        },
        champion: champion.as_deref(),
    };
    let effects = effect::step(decision, state, &facts)?;
    Ok(effects::perform(&target.services, isvc, effects)?)
}

fn version_tag(
    registry: &dyn Registry,
    model: &str,
    version: &str,
    key: &str,
) -> Result<Option<String>, ExecError> {
    Ok(registry
        .model_version(model, version)?
        .tags
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v))
}

#[cfg(test)]
mod tests;
