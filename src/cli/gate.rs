//! `verdict gate POLICY`: may the challenger replace the champion?

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{ErrorFormat, Outcome, print, report_load_error, report_policy_errors};
use crate::eval::Verdict;
use crate::gate::{GateOptions, run};
use crate::report::Format;
use crate::source::{PolicyError, PolicyFile, compile};

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
}

pub fn run_command(args: &GateArgs, color: bool) -> Outcome {
    let file = match PolicyFile::read(&args.policy) {
        Ok(file) => file,
        Err(e) => {
            report_load_error(&args.policy, &e, args.error_format, color);
            return Outcome::Error;
        }
    };
    let plan = match compile(&file.text) {
        Ok((_, plan)) => plan,
        Err(errors) => {
            report_policy_errors(&file, &errors, args.error_format, color);
            return Outcome::Error;
        }
    };
    let now_ms = match parse_now(args.now.as_deref()) {
        Ok(ms) => ms,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Error;
        }
    };
    let overrides: BTreeMap<String, String> = [
        ("champion", &args.champion),
        ("challenger", &args.challenger),
        ("reference", &args.reference),
    ]
    .into_iter()
    .filter_map(|(name, path)| path.clone().map(|p| (name.to_string(), p)))
    .collect();
    let options = GateOptions {
        gate: args.gate.as_deref(),
        overrides,
        now_ms,
    };
    let result = run(&file.display_name(), &file.text, &plan, &options);
    if let Some(error) = &result.data_error
        && error.span().is_some()
    {
        report_policy_errors(
            &file,
            &[PolicyError::Data(error.clone())],
            args.error_format,
            color,
        );
    }
    if let Some(dir) = &args.report_dir
        && let Err(e) = result.report.write_files(dir)
    {
        eprintln!("error: cannot write the report to `{}`: {e}", dir.display());
        return Outcome::Error;
    }
    if !args.quiet {
        print(&result.report.render(args.format));
    }
    outcome_of(result.report.verdict)
}

pub fn outcome_of(verdict: Verdict) -> Outcome {
    match verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Blocked,
        Verdict::Error => Outcome::Error,
    }
}

/// `--now 2026-11-26T12:00:00Z` pins the clock; without it, the system time.
pub fn parse_now(now: Option<&str>) -> Result<i64, String> {
    match now {
        None => Ok(chrono::Utc::now().timestamp_millis()),
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .map_err(|e| {
                format!("--now `{text}` is not an RFC 3339 time such as 2026-11-26T12:00:00Z ({e})")
            }),
    }
}
