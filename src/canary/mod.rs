//! The canary: a stateless stepper over stages, whose state lives on the InferenceService it
//! moves (annotations) and in the model registry (aliases). Pure: it takes the state, the
//! observations and now, and returns decisions and the effects that make them real; it never
//! talks to a service or reads a file (the use cases read, `exec` performs).
//!
//! - `state`: the canary's state and its annotation format, read and written;
//! - `decide`: the decision, a pure function of (policy, state, observation, now);
//! - `effect`: a decision as patches and alias moves, ordered so that a crash at any point
//!   converges on the next run;
//! - `undo`: what `verdict rollback` undoes.

pub mod decide;
pub mod effect;
pub mod state;
pub mod undo;

pub use decide::{Decision, Observation, Readiness, decide};
pub use effect::{Effect, Effects};
pub use state::{Aliases, CanaryState, Phase};

/// Why the canary cannot act. Nothing was changed when one of these ends a step.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum CanaryError {
    #[error("{message}")]
    #[diagnostic(code(canary::policy))]
    Policy {
        message: String,
        #[help]
        help: Option<String>,
    },
    /// The state of the services forbids the effects. The code is the one the executor gave
    /// these refusals when it checked them, so error reports read the same.
    #[error("{message}")]
    #[diagnostic(code(exec::precondition))]
    Precondition {
        message: String,
        #[help]
        help: Option<String>,
    },
}
