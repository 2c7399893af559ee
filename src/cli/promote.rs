//! `verdict promote POLICY --version V [--apply]`: gate V against @champion, record the trail in
//! MLflow, and on a pass make V the @challenger. Without `--apply` the writes are printed, not
//! made.

use std::collections::BTreeMap;

use serde_json::json;

use super::gate::GateArgs;
use super::serving::{planned_text, registry_uri};
use super::{Outcome, json_text, load_policy, outcome_of, parse_now, print};
use crate::check::{Context, Invocation, Runs};
use crate::eval::Verdict;
use crate::exec::mlflow::Mlflow;
use crate::exec::{ExecError, aliases, trail};
use crate::plan::PolicyPlan;
use crate::report::Format;
use crate::source::PolicyFile;
use crate::transport::PlannedCall;
use crate::usecase::gate::{GateOptions, run};

pub struct PromoteArgs {
    pub gate: GateArgs,
    pub version: String,
    pub apply: bool,
}

pub fn run_command(args: &PromoteArgs, color: bool) -> Outcome {
    let g = &args.gate;
    let invocation = Invocation::new(Runs::Only(Context::Gate), g.slice_flags().keys());
    let (file, plan) = match load_policy(&g.policy, &invocation, g.error_format, color) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    match promote(args, &file, &plan) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprint!(
                "{}",
                crate::diagnostic::render_human(&file.display_name(), "", &error, color)
            );
            Outcome::Error
        }
    }
}

fn promote(args: &PromoteArgs, file: &PolicyFile, plan: &PolicyPlan) -> Result<Outcome, ExecError> {
    let g = &args.gate;
    let model = plan.model.clone().ok_or_else(|| ExecError::Config {
        service: "MLflow",
        message: "the policy names no model".into(),
        help: Some("add `model \"NAME\"` with the registered model's name".into()),
    })?;
    let mlflow = Mlflow::connect(registry_uri(plan)?.as_deref(), args.apply)?;
    mlflow.model_version(&model, &args.version)?;
    let champion =
        mlflow
            .alias(&model, aliases::CHAMPION)?
            .ok_or_else(|| ExecError::Precondition {
                message: format!(
                    "`{model}` has no @champion to compare version {} with",
                    args.version
                ),
                help: Some(
                    "set @champion on the version in production first; a gate needs a baseline"
                        .into(),
                ),
            })?;
    let now_ms = parse_now(g.now.as_deref()).map_err(|message| ExecError::Config {
        service: "verdict",
        message,
        help: None,
    })?;
    let options = GateOptions {
        gate: g.gate.as_deref(),
        overrides: slice_paths(plan, g, &args.version, &champion),
        now_ms,
        bootstrap: g.bootstrap,
        // The trail uploads report.html.
        figures: true,
    };
    let result = run(&file.display_name(), &file.text, plan, &options);
    let report = result.report;
    if let Some(dir) = &g.report_dir {
        report
            .write_files(dir)
            .map_err(|e| ExecError::Precondition {
                message: format!("cannot write the report to `{}`: {e}", dir.display()),
                help: None,
            })?;
    }
    let trail = trail::record(&mlflow, &model, &args.version, &champion, &report)?;
    if report.verdict == Verdict::Pass {
        aliases::nominate(&mlflow, &model, &args.version)?;
    }
    let calls = mlflow.planned();
    if g.format == Format::Json {
        let envelope = json!({
            "schema": "verdict.promote/v1",
            "model": model,
            "version": args.version,
            "champion_version": champion,
            "applied": args.apply,
            "challenger_alias_set": args.apply && report.verdict == Verdict::Pass,
            "trail": trail.link,
            "planned_calls": calls,
            "report": report,
        });
        print(&json_text(&envelope));
    } else if !g.quiet {
        print(&report.render(g.format));
        print(&summary(
            args,
            &model,
            &champion,
            report.verdict,
            &trail.link,
            &calls,
        ));
    }
    Ok(outcome_of(report.verdict))
}

/// Slice paths with `{version}` filled in: the candidate's for the challenger, the champion's
/// for every other slice. Paths on the command line win.
fn slice_paths(
    plan: &PolicyPlan,
    g: &GateArgs,
    version: &str,
    champion: &str,
) -> BTreeMap<String, String> {
    let mut paths: BTreeMap<String, String> = plan
        .data
        .slices
        .iter()
        .map(|s| {
            let filled = if s.name == "challenger" {
                version
            } else {
                champion
            };
            (s.name.clone(), s.path.replace("{version}", filled))
        })
        .collect();
    for (name, path) in [
        ("champion", &g.champion),
        ("challenger", &g.challenger),
        ("reference", &g.reference),
    ] {
        if let Some(path) = path {
            paths.insert(name.to_string(), path.clone());
        }
    }
    paths
}

fn summary(
    args: &PromoteArgs,
    model: &str,
    champion: &str,
    verdict: Verdict,
    link: &str,
    calls: &[PlannedCall],
) -> String {
    let mut out = String::new();
    let v = &args.version;
    match (verdict, args.apply) {
        (Verdict::Pass, true) => out.push_str(&format!(
            "\n@challenger of `{model}` is now version {v} (champion: version {champion})\n"
        )),
        (Verdict::Pass, false) => out.push_str(&format!(
            "\ndry run: version {v} would become @challenger of `{model}`\n"
        )),
        (_, _) => out.push_str(&format!(
            "\nversion {v} was not promoted; the aliases of `{model}` are unchanged\n"
        )),
    }
    if args.apply {
        out.push_str(&format!("trail: {link}\n"));
    } else {
        out.push_str("dry run: nothing was changed; with --apply these calls would be made:\n");
        out.push_str(&planned_text(calls));
    }
    out
}
