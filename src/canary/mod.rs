//! The canary: a stateless stepper over stages, whose state lives on the InferenceService it
//! moves (annotations) and in the model registry (aliases).
//!
//! - `state`: the canary's state as annotations, read and written;
//! - `decide`: the decision, a pure function of (policy, state, observation, now);
//! - `observe`: the guards on the canary and stable slices of the current stage;
//! - `apply`: a decision as patches and alias moves, ordered so that a crash at any point
//!   converges on the next run;
//! - `report`: a step as a `verdict.report/v1` report.

pub mod apply;
pub mod decide;
pub mod observe;
pub mod report;
pub mod state;

pub use decide::{Decision, Observation, decide};
pub use state::{CanaryState, Phase};

use crate::data::DataError;
use crate::exec::ExecError;

/// Why a step could not decide. Nothing was changed when one of these ends a step.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum CanaryError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Exec(#[from] ExecError),
    #[error("{message}")]
    #[diagnostic(code(canary::policy))]
    Policy {
        message: String,
        #[help]
        help: Option<String>,
    },
}
