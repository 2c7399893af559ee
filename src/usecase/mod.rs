//! The commands' use cases: each takes parsed inputs and connected services, does the command's
//! work and returns a typed result; rendering, exit codes and argument parsing stay in `cli/`.

pub mod canary;
pub mod rollback;
mod rollout;
pub mod status;

pub use rollout::{RolloutError, Target};
