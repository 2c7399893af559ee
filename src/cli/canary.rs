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

use serde::Serialize;

use super::serving::{self, Rollout, planned_text};
use super::{Outcome, eprint, json_text, load_policy, print};
use crate::canary::apply::{self, Applied};
use crate::canary::decide::{Inputs, Served, decide_unobserved};
use crate::canary::observe::{self, StageData};
use crate::canary::report::{Step, report};
use crate::canary::{CanaryError, CanaryState, Decision, Observation, Phase, decide};
use crate::exec::ExecError;
use crate::exec::aliases::{self, Aliases};
use crate::exec::kserve::{self, InferenceService};
use crate::plan::{CanaryPlan, PolicyPlan};
use crate::report::{Format, Report, ReportError};
use crate::source::PolicyFile;

pub struct StepArgs {
    pub policy: PathBuf,
    pub canary: Option<String>,
    pub stable: Option<String>,
    pub now: Option<String>,
    pub apply: bool,
    pub format: Format,
    pub report_dir: Option<PathBuf>,
}

/// Everything a step read and decided, as `--format json` prints it.
#[derive(Serialize)]
struct StepRecord<'a> {
    schema: &'static str,
    decision: &'a Decision,
    applied: bool,
    model: &'a str,
    inference_service: String,
    now: String,
    policy_sha256: &'a str,
    challenger: Option<String>,
    state: Option<CanaryState>,
    /// The state the step's patch wrote (its stage history included), when it wrote one.
    state_after: Option<&'a CanaryState>,
    resource_version: String,
    canary_traffic_percent: Option<i64>,
    traffic: &'a [kserve::Traffic],
    observation: Option<&'a Observation>,
    stage: Option<&'a StageData>,
    conflicts: usize,
    patch: Option<&'a serde_json::Value>,
    aliases_before: Option<&'a Aliases>,
    aliases_after: Option<Aliases>,
    planned_calls: Vec<crate::transport::PlannedCall>,
}

pub fn run_step(args: &StepArgs, color: bool) -> Outcome {
    let (file, plan) = match load_policy(&args.policy, super::ErrorFormat::Human, color) {
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

fn step(args: &StepArgs, file: &PolicyFile, plan: &PolicyPlan) -> Result<Report, CanaryError> {
    let canary = plan.canary.as_ref().ok_or_else(|| CanaryError::Policy {
        message: "the policy has no canary block".into(),
        help: Some("add `canary { stage 5% for 30m ... }`".into()),
    })?;
    let rollout = Rollout::connect(plan, args.now.as_deref(), args.apply)?;
    let policy_sha256 = crate::data::sha256_hex(file.text.as_bytes());
    let overrides: BTreeMap<String, String> = [("canary", &args.canary), ("stable", &args.stable)]
        .into_iter()
        .filter_map(|(name, path)| Some((name.to_string(), path.clone()?)))
        .collect();
    let target = rollout.target(&policy_sha256);
    let mut conflicts = 0;
    loop {
        let isvc = rollout.kserve.get()?;
        let state = read_state(&rollout, &isvc)?;
        let challenger = rollout.mlflow.alias(&rollout.model, aliases::CHALLENGER)?;
        // Where the state's version is served from, when the decision compares it with what
        // serves: a running canary, or a promotion to resume.
        let expected = match &state {
            Some(s)
                if s.phase == Phase::Running
                    || (s.phase == Phase::Promoted
                        && challenger.as_deref() == Some(s.version.as_str())) =>
            {
                Some(apply::serving_location(&target, &isvc, &s.version)?.0)
            }
            _ => None,
        };
        let served_location = kserve::served_location(&isvc.object);
        let inputs = Inputs {
            plan: canary,
            policy_sha256: &policy_sha256,
            challenger: challenger.as_deref(),
            served: Served {
                location: served_location.as_deref(),
                expected: expected.as_deref(),
                canary_percent: isvc.canary_percent,
            },
        };
        let stage = match (decide_unobserved(&inputs, state.as_ref()), &state) {
            (None, Some(state)) => Some(observe::observe(
                plan,
                canary,
                state,
                &overrides,
                rollout.now_ms,
            )?),
            _ => None,
        };
        let observation = stage.as_ref().map(|s| Observation {
            now_ms: rollout.now_ms,
            readiness: isvc.readiness.clone(),
            requests: s.requests,
            last_request_ms: s.last_request_ms,
            guards: s.guards.iter().map(Into::into).collect(),
        });
        let decision = decide(&inputs, state.as_ref(), observation.as_ref());
        let requests = stage.as_ref().map(|s| s.requests);
        let applied = match apply::apply(&target, &isvc, state.as_ref(), &decision, requests) {
            Err(CanaryError::Exec(e))
                if kserve::is_conflict(&e) && conflicts < serving::CONFLICT_RETRIES =>
            {
                conflicts += 1;
                continue;
            }
            other => other?,
        };
        let record = StepRecord {
            schema: "verdict.canary/v1",
            decision: &decision,
            applied: args.apply,
            model: &rollout.model,
            inference_service: format!("{}/{}", rollout.kserve.namespace, rollout.kserve.name),
            now: crate::canary::state::format_time(rollout.now_ms),
            policy_sha256: &policy_sha256,
            challenger,
            state_after: applied.state.as_ref(),
            state,
            resource_version: isvc.resource_version.clone(),
            canary_traffic_percent: isvc.canary_percent,
            traffic: &isvc.predictor.traffic,
            observation: observation.as_ref(),
            stage: stage.as_ref(),
            conflicts,
            patch: applied.patch.as_ref(),
            aliases_before: applied.aliases_before.as_ref(),
            aliases_after: aliases_after(&rollout, &applied)?,
            planned_calls: rollout.planned(),
        };
        let report = report(
            &file.display_name(),
            &file.text,
            plan,
            &Step {
                decision: &decision,
                before: record.state.as_ref(),
                after: record.state_after.or(record.state.as_ref()),
                stage: stage.as_ref(),
                inference_service: record.inference_service.clone(),
                applied: args.apply,
            },
        );
        print(&match args.format {
            Format::Json => json_text(&record),
            Format::Markdown => report.render(Format::Markdown),
            Format::Human => human(&record, canary, &isvc),
        });
        return Ok(report);
    }
}

fn read_state(
    rollout: &Rollout,
    isvc: &InferenceService,
) -> Result<Option<CanaryState>, ExecError> {
    CanaryState::from_annotations(&isvc.annotations).map_err(|what| ExecError::Unexpected {
        service: "Kubernetes",
        endpoint: rollout.kserve.path(),
        what: format!("the canary annotations are broken: {what}"),
    })
}

/// The aliases after applied alias moves (read back; unchanged in a dry run).
fn aliases_after(rollout: &Rollout, applied: &Applied) -> Result<Option<Aliases>, ExecError> {
    match applied.aliases_before {
        Some(_) if !rollout.mlflow.is_dry_run() => {
            Aliases::read(&rollout.mlflow, &rollout.model).map(Some)
        }
        _ => Ok(None),
    }
}

fn human(record: &StepRecord<'_>, canary: &CanaryPlan, isvc: &InferenceService) -> String {
    let mut out = String::new();
    let headline = match record.decision {
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
        isvc.canary_percent
            .map_or_else(|| "unset".to_string(), |p| p.to_string()),
        isvc.readiness.describe()
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
        .or(record.state.as_ref())
        .map(|s| s.history.as_slice())
        .unwrap_or_default()
    {
        out.push_str(&format!("  {}\n", finished.describe()));
    }
    if let Some(stage) = record.stage {
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
