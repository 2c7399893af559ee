//! `verdict gate POLICY`: may the challenger replace the champion?

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{ErrorFormat, Outcome, Output, emit, load_policy, parse_now, slice_flags};
use crate::check::{Context, Invocation, Runs};
use crate::report::Format;
use crate::usecase::gate::{GateOptions, run};

pub struct GateArgs {
    pub policy: PathBuf,
    pub gate: Option<String>,
    pub champion: Option<String>,
    pub challenger: Option<String>,
    pub reference: Option<String>,
    pub now: Option<String>,
    pub format: Format,
    pub report_dir: Option<PathBuf>,
    pub quiet: bool,
    pub error_format: ErrorFormat,
    pub bootstrap: crate::stats::bootstrap::BootstrapOptions,
}

pub fn run_command(args: &GateArgs, color: bool) -> Outcome {
    let overrides = args.slice_flags();
    let invocation = Invocation::new(Runs::Only(Context::Gate), overrides.keys());
    let (file, plan) = match load_policy(&args.policy, &invocation, args.error_format, color) {
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
    let options = GateOptions {
        gate: args.gate.as_deref(),
        overrides,
        now_ms,
        bootstrap: args.bootstrap,
        figures: args.report_dir.is_some(),
    };
    let result = run(&file.display_name(), &file.text, &plan, &options);
    emit(
        &file,
        &result.report,
        result.data_error.as_ref(),
        &args.output(color),
    )
}

impl GateArgs {
    /// `--champion`, `--challenger` and `--reference`, by slice name.
    pub fn slice_flags(&self) -> BTreeMap<String, String> {
        slice_flags(&[
            ("champion", &self.champion),
            ("challenger", &self.challenger),
            ("reference", &self.reference),
        ])
    }

    pub fn output(&self, color: bool) -> Output {
        Output {
            format: self.format,
            report_dir: self.report_dir.clone(),
            quiet: self.quiet,
            error_format: self.error_format,
            color,
        }
    }
}
