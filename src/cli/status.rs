//! `verdict status POLICY [--now T]`: where the rollout stands. The aliases and their versions,
//! what the InferenceService serves and how traffic splits per revision, the canary's stage
//! and the time left in it, and the stages it finished. Reads only.

use std::path::PathBuf;

use super::serving::Rollout;
use super::{Outcome, json_text, load_policy, print};
use crate::canary::decide::duration;
use crate::canary::state::format_time;
use crate::check::{Invocation, Runs};
use crate::plan::PolicyPlan;
use crate::usecase::RolloutError;
use crate::usecase::status::{self as usecase, StatusRecord};

pub struct StatusArgs {
    pub policy: PathBuf,
    pub now: Option<String>,
    pub json: bool,
}

pub fn run_command(args: &StatusArgs, color: bool) -> Outcome {
    let invocation = Invocation::new(Runs::NoBlock, []);
    let (file, plan) =
        match load_policy(&args.policy, &invocation, super::ErrorFormat::Human, color) {
            Ok(loaded) => loaded,
            Err(outcome) => return outcome,
        };
    match status(args, &plan) {
        Ok(record) => {
            print(&if args.json {
                json_text(&record)
            } else {
                human(&record)
            });
            Outcome::Pass
        }
        Err(error) => {
            eprint!(
                "{}",
                crate::diagnostic::render_human(&file.display_name(), &file.text, &error, color)
            );
            Outcome::Error
        }
    }
}

fn status(args: &StatusArgs, plan: &PolicyPlan) -> Result<StatusRecord, RolloutError> {
    let rollout = Rollout::connect(plan, args.now.as_deref(), false)?;
    usecase::status(&rollout.target(), plan)
}

fn human(r: &StatusRecord) -> String {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let mut out = format!("model `{}`: {}\n", r.model, r.aliases.describe());
    let readiness = r.readiness.describe();
    out.push_str(&format!(
        "InferenceService {} (resourceVersion {}): {readiness}\n",
        r.inference_service, r.resource_version
    ));
    out.push_str(&format!(
        "  serves {}; canaryTrafficPercent {}\n",
        show(&r.serving),
        r.canary_traffic_percent
            .map_or_else(|| "unset".to_string(), |p| p.to_string())
    ));
    for t in &r.predictor.traffic {
        let latest = if t.latest { " (latest)" } else { "" };
        out.push_str(&format!("  {:>4}%  {}{latest}\n", t.percent, t.revision));
    }
    out.push_str(&format!(
        "  revisions: latest ready {}, rolled out {}, previously rolled out {}\n",
        show(&r.predictor.latest_ready_revision),
        show(&r.predictor.latest_rolledout_revision),
        show(&r.predictor.previous_rolledout_revision),
    ));
    match &r.canary {
        None => out.push_str("canary: none started by verdict\n"),
        Some(c) => {
            out.push_str(&format!(
                "canary: version {} {}, stage {}",
                c.version,
                c.phase.as_str(),
                c.stage + 1
            ));
            if let Some(percent) = r.stage_percent {
                out.push_str(&format!(" ({percent}%)"));
            }
            out.push_str(&format!(" since {}", format_time(c.stage_started_ms)));
            if let Some(left) = r.stage_time_left_ms {
                out.push_str(&format!(", stage time left {}", duration(left)));
            }
            if let Some(reason) = &c.reason {
                out.push_str(&format!("; {reason}"));
            }
            out.push('\n');
            for finished in &c.history {
                out.push_str(&format!("  {}\n", finished.describe()));
            }
        }
    }
    out
}
