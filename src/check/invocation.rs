//! What the command line brings to the check: which blocks the command runs and which slices
//! it gives files for. A slice given by a flag needs no data block entry, and a block the
//! command does not run needs no slices at all, so a policy without paths runs with flags.
//!
//! Takes nothing from the environment; the commands build it from their own arguments.

use super::Context;

/// The blocks a command runs, whose slices must be defined in the policy or by a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// `verdict check`: every block, each as the command that runs it will.
    Every,
    /// `gate` and `promote` run the gates, `drift` the drift block, `canary step` the guards.
    Only(Context),
    /// `rollback` and `status` read no slices.
    NoBlock,
}

#[derive(Debug, Clone)]
pub struct Invocation {
    pub runs: Runs,
    /// Slices whose files the command line gives (`--champion`, `--current`, `--canary`, ...).
    pub given: Vec<String>,
}

impl Invocation {
    /// `verdict check`: every block, no flags.
    pub const CHECK: Invocation = Invocation {
        runs: Runs::Every,
        given: Vec::new(),
    };

    pub fn new<'s>(runs: Runs, given: impl IntoIterator<Item = &'s String>) -> Invocation {
        Invocation {
            runs,
            given: given.into_iter().cloned().collect(),
        }
    }

    pub fn gives(&self, slice: &str) -> bool {
        self.given.iter().any(|g| g == slice)
    }

    pub fn runs(&self, block: Context) -> bool {
        match self.runs {
            Runs::Every => true,
            Runs::Only(only) => only == block,
            Runs::NoBlock => false,
        }
    }
}

/// The flag that gives a slice's files, in the help of a missing slice. `champion` stands for
/// the current window in a drift block, which `--current` gives.
pub fn flag_for(slice: &str, block: Context) -> String {
    match (slice, block) {
        ("champion", Context::Drift) => "--current".into(),
        _ => format!("--{slice}"),
    }
}
