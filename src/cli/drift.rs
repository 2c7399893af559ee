//! `verdict drift POLICY`: has the current window drifted from the reference?

use std::path::PathBuf;

use super::{Outcome, Output, emit, load_policy, parse_now, slice_flags};
use crate::check::{Context, Invocation, Runs};
use crate::usecase::drift::{DriftOptions, run};

pub struct DriftArgs {
    pub policy: PathBuf,
    pub reference: Option<String>,
    pub current: Option<String>,
    pub now: Option<String>,
}

pub fn run_command(args: &DriftArgs, output: &Output) -> Outcome {
    let overrides = slice_flags(&[("reference", &args.reference), ("current", &args.current)]);
    let invocation = Invocation::new(Runs::Only(Context::Drift), overrides.keys());
    let (file, plan) =
        match load_policy(&args.policy, &invocation, output.error_format, output.color) {
            Ok(loaded) => loaded,
            Err(outcome) => return outcome,
        };
    let now_ms = match parse_now(args.now.as_deref()) {
        Ok(ms) => ms,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Error;
        }
    };
    let result = run(
        &file.display_name(),
        &file.text,
        &plan,
        &DriftOptions {
            overrides,
            now_ms,
            figures: output.report_dir.is_some(),
        },
    );
    emit(&file, &result.report, result.data_error.as_ref(), output)
}
