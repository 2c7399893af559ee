//! What the rollout use cases (canary step, rollback, status) share: the services they work
//! with, their error, the one reading of the canary state from the InferenceService, and the one
//! loop that decides again after a 409.

use crate::canary::{CanaryError, CanaryState};
use crate::data::DataError;
use crate::exec::effects::Services;
use crate::exec::kserve::{self, InferenceService};
use crate::exec::{ExecError, Serving};
use crate::transport::PlannedCall;

/// Reads after a 409 (someone else wrote the InferenceService meanwhile) before giving up.
pub const CONFLICT_RETRIES: usize = 3;

/// Where a rollout command reads and writes, and at what time.
pub struct Target<'a> {
    pub services: Services<'a>,
    pub now_ms: i64,
}

impl Target<'_> {
    /// Every write of a dry run, the serving system's and the registry's, in the order they
    /// were planned.
    pub fn planned(&self) -> Vec<PlannedCall> {
        let mut calls = self.services.serving.planned();
        calls.extend(self.services.registry.planned());
        calls
    }

    pub fn applies(&self) -> bool {
        !self.services.registry.is_dry_run()
    }
}

/// Why a rollout command could not finish. Nothing was changed when one of these ends a step
/// before its patch.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum RolloutError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Canary(#[from] CanaryError),
}

/// The canary state the InferenceService's annotations hold.
pub fn read_state(
    serving: &dyn Serving,
    isvc: &InferenceService,
) -> Result<Option<CanaryState>, ExecError> {
    CanaryState::from_annotations(&isvc.annotations).map_err(|e| ExecError::Unexpected {
        service: "Kubernetes",
        endpoint: serving.endpoint(),
        what: format!("the canary annotations are broken: {e}"),
    })
}

/// Runs `attempt` (given the conflicts so far) until it ends other than by a 409, at most
/// [`CONFLICT_RETRIES`] times more: a 409 means another writer moved first, so the attempt
/// reads again and decides again; the patch is never resent as it was.
pub fn deciding_again<T>(
    mut attempt: impl FnMut(usize) -> Result<T, RolloutError>,
) -> Result<T, RolloutError> {
    let mut conflicts = 0;
    loop {
        match attempt(conflicts) {
            Err(RolloutError::Exec(e))
                if kserve::is_conflict(&e) && conflicts < CONFLICT_RETRIES =>
            {
                conflicts += 1;
            }
            other => return other,
        }
    }
}
