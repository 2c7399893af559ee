//! `verdict rollback POLICY [--reason TEXT] [--apply]`: traffic and aliases back, at any time.
//!
//! Mid-canary: `canaryTrafficPercent: 0` in one patch (with the state annotations), then the
//! canary's version is tagged and @challenger withdrawn; the champion never moved. The same
//! after a promotion whose alias moves did not happen (@champion is not the canary's version),
//! except that the stable version takes all traffic back in a patch that also sets its model.
//! After a full promotion: the predictor serves @previous's model again, then
//! @champion := @previous. Run again, it finishes what a crash interrupted and otherwise
//! changes nothing (after a canary was rolled back, it does not go on to undo the promotion
//! before it).

use std::path::PathBuf;

use super::serving::{Rollout, planned_text};
use super::{Outcome, json_text, load_policy, print};
use crate::check::{Invocation, Runs};
use crate::usecase::RolloutError;
use crate::usecase::rollback::{self as usecase, RollbackRecord};

pub struct RollbackArgs {
    pub policy: PathBuf,
    pub reason: Option<String>,
    pub apply: bool,
    pub json: bool,
}

pub fn run_command(args: &RollbackArgs, color: bool) -> Outcome {
    let invocation = Invocation::new(Runs::NoBlock, []);
    let (file, plan) =
        match load_policy(&args.policy, &invocation, super::ErrorFormat::Human, color) {
            Ok(loaded) => loaded,
            Err(outcome) => return outcome,
        };
    match rollback(args, &plan) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprint!(
                "{}",
                crate::diagnostic::render_human(&file.display_name(), &file.text, &error, color)
            );
            Outcome::Error
        }
    }
}

fn rollback(args: &RollbackArgs, plan: &crate::plan::PolicyPlan) -> Result<Outcome, RolloutError> {
    let rollout = Rollout::connect(plan, None, args.apply)?;
    let reason = args.reason.as_deref().unwrap_or("manual rollback");
    let record = usecase::rollback(&rollout.target(), reason)?;
    print(&if args.json {
        json_text(&record)
    } else {
        human(&record)
    });
    Ok(Outcome::Pass)
}

fn human(record: &RollbackRecord) -> String {
    let what = match record.rolled_back {
        "canary" => {
            "the canary's traffic goes back to the stable revision; @challenger is withdrawn"
        }
        _ => "the predictor serves @previous again; @champion goes back to @previous",
    };
    let mut out = if record.applied {
        format!("ROLLED BACK ({}): {what}\n", record.reason)
    } else {
        format!("ROLLBACK ({}): {what}\n", record.reason)
    };
    if let Some(after) = &record.aliases_after {
        out.push_str(&format!("  {}\n", after.describe()));
    }
    if !record.applied {
        if record.planned_calls.is_empty() {
            out.push_str("dry run: nothing to change, it is already rolled back\n");
        } else {
            out.push_str("dry run: nothing was changed; with --apply these calls would be made:\n");
            out.push_str(&planned_text(&record.planned_calls));
        }
    }
    out
}
