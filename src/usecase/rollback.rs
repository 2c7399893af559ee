//! `verdict rollback`: traffic and aliases back, at any time. What is undone is decided by
//! `canary::undo` from the state, the aliases and the served share; its effects are performed
//! by `exec::effects`. Run again, it finishes what a crash interrupted and otherwise changes
//! nothing.
//!
//! Takes the services and the reason; returns the rollback's record (`verdict.rollback/v1`).
//! Prints nothing.

use serde::Serialize;
use serde_json::Value;

use super::rollout::{RolloutError, Target, deciding_again, read_state};
use crate::canary::undo;
use crate::canary::{Aliases, CanaryState};
use crate::exec::effects;
use crate::transport::PlannedCall;

#[derive(Debug, Serialize)]
pub struct RollbackRecord {
    pub schema: &'static str,
    /// `canary` (mid-canary) or `promotion` (after a full promotion).
    pub rolled_back: &'static str,
    pub reason: String,
    pub applied: bool,
    pub model: String,
    pub inference_service: String,
    pub state: Option<CanaryState>,
    pub conflicts: usize,
    pub patch: Option<Value>,
    pub aliases_before: Option<Aliases>,
    pub aliases_after: Option<Aliases>,
    pub planned_calls: Vec<PlannedCall>,
}

pub fn rollback(target: &Target<'_>, reason: &str) -> Result<RollbackRecord, RolloutError> {
    let services = &target.services;
    let (registry, model) = (services.registry, services.model);
    deciding_again(|conflicts| {
        let isvc = services.serving.get()?;
        let state = read_state(services.serving, &isvc)?;
        let aliases = Aliases::read(registry, model)?;
        let (undone, effects) = undo::rollback(
            state.as_ref(),
            &aliases,
            isvc.canary_percent,
            reason,
            model,
            target.now_ms,
        )?;
        let applied = effects::perform(services, &isvc, effects)?;
        let aliases_after = if target.applies() {
            Some(Aliases::read(registry, model)?)
        } else {
            None
        };
        Ok(RollbackRecord {
            schema: "verdict.rollback/v1",
            rolled_back: undone.as_str(),
            reason: reason.to_string(),
            applied: target.applies(),
            model: model.to_string(),
            inference_service: services.serving.name(),
            state,
            conflicts,
            patch: applied.patch,
            aliases_before: applied.aliases_before,
            aliases_after,
            planned_calls: target.planned(),
        })
    })
}
