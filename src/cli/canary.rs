//! `verdict canary step POLICY [--canary P] [--stable P] [--now T] [--apply]`: one stateless
//! step of the canary. Reads the state from the InferenceService and MLflow, observes the
//! current stage, decides (see `canary::decide`), and applies the decision. A 409 from the API
//! server means another writer moved first: the step reads again and decides again.
//!
//! `--format json` prints the step with every input it was decided on (`verdict.canary/v1`);
//! `--report DIR` writes the step as a `verdict.report/v1` report (report.json, report.md,
//! report.html), and `--format markdown` prints that report's Markdown.
//!
//! Exit 0: started, advanced, held or promoted; 1: rolled back; 2: could not decide (nothing
//! changed).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use super::serving::{Rollout, planned_text};
use super::{Outcome, eprint, json_text, load_policy, print};
use crate::canary::{Decision, Readiness};
use crate::check::{Context, Invocation, Runs};
use crate::plan::{CanaryPlan, PolicyPlan};
use crate::report::{Format, Report, ReportError};
use crate::source::PolicyFile;
use crate::usecase::RolloutError;
use crate::usecase::canary::{self as usecase, StepRecord};

pub struct StepArgs {
    pub policy: PathBuf,
    pub canary: Option<String>,
    pub stable: Option<String>,
    pub now: Option<String>,
    pub apply: bool,
    pub format: Format,
    pub report_dir: Option<PathBuf>,
}

pub fn run_step(args: &StepArgs, color: bool) -> Outcome {
    let flags = super::slice_flags(&[("canary", &args.canary), ("stable", &args.stable)]);
    let invocation = Invocation::new(Runs::Only(Context::Guard), flags.keys());
    let (file, plan) =
        match load_policy(&args.policy, &invocation, super::ErrorFormat::Human, color) {
            Ok(loaded) => loaded,
            Err(outcome) => return outcome,
        };
    // Before anything changes: a report that cannot be written must not follow a patch.
    if let Some(dir) = &args.report_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprint(&format!(
            "error: cannot write the report to `{}`: {e}\n",
            dir.display()
        ));
        return Outcome::Error;
    }
    let started = Instant::now();
    match step(args, &file, &plan) {
        Ok(mut report) => {
            report.timings_ms.total = started.elapsed().as_millis() as u64;
            write_report(args, &report);
            super::outcome_of(report.verdict)
        }
        Err(error) => {
            eprint!(
                "{}",
                crate::diagnostic::render_human(&file.display_name(), &file.text, &error, color)
            );
            let mut report = Report::new("canary", &file.display_name(), &file.text, &plan);
            report.errors.push(ReportError::from_diagnostic(&error));
            report.timings_ms.total = started.elapsed().as_millis() as u64;
            write_report(args, &report);
            if args.format == Format::Markdown {
                print(&report.render(Format::Markdown));
            }
            Outcome::Error
        }
    }
}

/// `--report DIR`, after the step: its decision stands (and its exit code) even when the
/// files cannot be written, since the patch may already have been made.
fn write_report(args: &StepArgs, report: &Report) {
    if let Some(dir) = &args.report_dir
        && let Err(e) = report.write_files(dir)
    {
        eprint(&format!(
            "error: cannot write the report to `{}`: {e}; the step itself was done\n",
            dir.display()
        ));
    }
}

fn step(args: &StepArgs, file: &PolicyFile, plan: &PolicyPlan) -> Result<Report, RolloutError> {
    let canary = usecase::canary_plan(plan)?;
    let rollout = Rollout::connect(plan, args.now.as_deref(), args.apply)?;
    let overrides: BTreeMap<String, String> = [("canary", &args.canary), ("stable", &args.stable)]
        .into_iter()
        .filter_map(|(name, path)| Some((name.to_string(), path.clone()?)))
        .collect();
    let step = usecase::step(file, plan, canary, &rollout.target(), &overrides)?;
    print(&match args.format {
        Format::Json => json_text(&step.record),
        Format::Markdown => step.report.render(Format::Markdown),
        Format::Human => human(&step.record, canary, &step.readiness),
    });
    Ok(step.report)
}

fn human(record: &StepRecord, canary: &CanaryPlan, readiness: &Readiness) -> String {
    let mut out = String::new();
    let headline = match &record.decision {
        Decision::Start { version, percent } => {
            format!("START: version {version} takes {percent}% of the traffic")
        }
        Decision::Advance { stage, percent } => {
            format!("ADVANCE: stage {} at {percent}%", stage + 1)
        }
        Decision::Hold { reason } => format!("HOLD: {reason}"),
        Decision::Rollback { reason, .. } => format!("ROLLBACK: {reason}"),
        Decision::Promote { .. } => "PROMOTE: the canary becomes the served model".into(),
        Decision::Undecided { reason } => {
            format!("UNDECIDED: {reason} (nothing was changed)")
        }
    };
    out.push_str(&headline);
    out.push('\n');
    out.push_str(&format!(
        "  InferenceService {} (resourceVersion {}), canaryTrafficPercent {}, {}\n",
        record.inference_service,
        record.resource_version,
        record
            .canary_traffic_percent
            .map_or_else(|| "unset".to_string(), |p| p.to_string()),
        readiness.describe()
    ));
    if let Some(state) = &record.state {
        let percent = canary
            .stages
            .get(state.stage)
            .map_or_else(|| "?".to_string(), |s| format!("{}%", s.percent));
        out.push_str(&format!(
            "  canary: version {} {}, stage {} of {} ({percent}) since {}\n",
            state.version,
            state.phase.as_str(),
            state.stage + 1,
            canary.stages.len(),
            crate::canary::state::format_time(state.stage_started_ms),
        ));
    }
    for finished in record
        .state_after
        .as_ref()
        .or(record.state.as_ref())
        .map(|s| s.history.as_slice())
        .unwrap_or_default()
    {
        out.push_str(&format!("  {}\n", finished.describe()));
    }
    if let Some(stage) = &record.stage {
        out.push_str(&format!(
            "  canary requests in the stage: {}\n",
            stage.requests
        ));
        for guard in &stage.guards {
            let mark = match guard.status {
                crate::eval::Status::Pass => "✔",
                _ => "✘",
            };
            out.push_str(&format!(
                "  {mark} {}  canary {}  stable {}  bound {}\n",
                guard.source.text,
                crate::report::value(guard.challenger),
                crate::report::value(guard.champion),
                crate::report::value(guard.threshold),
            ));
        }
    }
    if record.conflicts > 0 {
        out.push_str(&format!(
            "  the InferenceService changed while deciding ({} conflicts); decided again on the new state\n",
            record.conflicts
        ));
    }
    if record.applied && record.patch.is_some() {
        out.push_str("  applied: the InferenceService was patched\n");
    }
    if let Some(after) = &record.aliases_after {
        out.push_str(&format!("  aliases now: {}\n", after.describe()));
    }
    if !record.applied && !record.planned_calls.is_empty() {
        out.push_str("dry run: nothing was changed; with --apply these calls would be made:\n");
        out.push_str(&planned_text(&record.planned_calls));
    }
    out
}
