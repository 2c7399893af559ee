//! The commands as use cases: each takes a checked plan, its options and (for the executor's
//! commands) connected services, does the command's work and returns a typed result. `cli/`
//! parses arguments, calls one of these, renders the result and maps it to an exit code;
//! nothing here prints.

#[cfg(feature = "services")]
pub mod canary;
pub mod drift;
pub mod gate;
#[cfg(feature = "services")]
pub mod rollback;
#[cfg(feature = "services")]
mod rollout;
#[cfg(feature = "services")]
pub mod status;

#[cfg(feature = "services")]
pub use rollout::{RolloutError, Target};
