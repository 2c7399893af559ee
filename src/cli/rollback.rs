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

use serde::Serialize;

use super::serving::{self, Rollout, planned_text};
use super::{Outcome, json_text, load_policy, print};
use crate::canary::apply::{self, Applied};
use crate::canary::{CanaryError, CanaryState, Decision, Phase};
use crate::exec::aliases::Aliases;
use crate::exec::{ExecError, kserve};
use crate::source::PolicyFile;
use crate::transport::PlannedCall;

#[derive(Clone, Copy)]
enum Action {
    Canary { resumed: bool },
    Nothing,
    Promotion,
}

pub struct RollbackArgs {
    pub policy: PathBuf,
    pub reason: Option<String>,
    pub apply: bool,
    pub json: bool,
}

#[derive(Serialize)]
struct RollbackRecord<'a> {
    schema: &'static str,
    /// `canary` (mid-canary) or `promotion` (after a full promotion).
    rolled_back: &'static str,
    reason: &'a str,
    applied: bool,
    model: &'a str,
    inference_service: String,
    state: Option<CanaryState>,
    conflicts: usize,
    patch: Option<&'a serde_json::Value>,
    aliases_before: Option<&'a Aliases>,
    aliases_after: Option<Aliases>,
    planned_calls: Vec<PlannedCall>,
}

pub fn run_command(args: &RollbackArgs, color: bool) -> Outcome {
    let (file, plan) = match load_policy(&args.policy, super::ErrorFormat::Human, color) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    match rollback(args, &file, &plan) {
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

fn rollback(
    args: &RollbackArgs,
    file: &PolicyFile,
    plan: &crate::plan::PolicyPlan,
) -> Result<Outcome, CanaryError> {
    let rollout = Rollout::connect(plan, None, args.apply)?;
    let reason = args.reason.as_deref().unwrap_or("manual rollback");
    let policy_sha256 = crate::data::sha256_hex(file.text.as_bytes());
    let target = rollout.target(&policy_sha256);
    let mut conflicts = 0;
    loop {
        let isvc = rollout.kserve.get()?;
        let state = CanaryState::from_annotations(&isvc.annotations).map_err(|what| {
            ExecError::Unexpected {
                service: "Kubernetes",
                endpoint: rollout.kserve.path(),
                what: format!("the canary annotations are broken: {what}"),
            }
        })?;
        let aliases = Aliases::read(&rollout.mlflow, &rollout.model)?;
        let is = |alias: &Option<String>, s: &CanaryState| alias.as_deref() == Some(&s.version);
        let action = match &state {
            Some(s) if s.phase == Phase::Running => Action::Canary { resumed: false },
            // The promote patch was made but the finish never moved @champion: the stable
            // version is still the champion, so this is still the canary's rollback.
            Some(s) if s.phase == Phase::Promoted && !is(&aliases.champion, s) => {
                Action::Canary { resumed: false }
            }
            // A canary's rollback never moves @champion: this is the rollback of a promotion,
            // and a crash came between its patch and the alias moves.
            Some(s) if s.phase == Phase::RolledBack && is(&aliases.champion, s) => {
                Action::Promotion
            }
            // A crash came between the rollback patch and the withdrawal of @challenger.
            Some(s) if s.phase == Phase::RolledBack && is(&aliases.challenger, s) => {
                Action::Canary { resumed: true }
            }
            // The last canary was rolled back and withdrawn: nothing is left to undo, unless
            // its share was raised since (by hand, or a sync re-applying an old manifest).
            Some(s) if s.phase == Phase::RolledBack => {
                if let Some(message) = share_edited_since(s, isvc.canary_percent) {
                    return Err(ExecError::Precondition {
                        message,
                        help: Some(
                            "nothing was changed: verdict does not patch over an edit it did not make; set the share back with kubectl, or start a new canary".into(),
                        ),
                    }
                    .into());
                }
                Action::Nothing
            }
            _ => Action::Promotion,
        };
        let result = match action {
            Action::Canary { resumed } => {
                let decision = Decision::Rollback {
                    reason: reason.to_string(),
                    resumed,
                };
                // A manual rollback observes no traffic: its history entry has no requests.
                apply::apply(&target, &isvc, state.as_ref(), &decision, None)
            }
            Action::Nothing => Ok(Applied::default()),
            Action::Promotion => apply::restore_previous(&target, &isvc, state.as_ref(), reason),
        };
        let applied: Applied = match result {
            Err(CanaryError::Exec(e))
                if kserve::is_conflict(&e) && conflicts < serving::CONFLICT_RETRIES =>
            {
                conflicts += 1;
                continue;
            }
            other => other?,
        };
        let aliases_after = if args.apply {
            Some(Aliases::read(&rollout.mlflow, &rollout.model)?)
        } else {
            None
        };
        let record = RollbackRecord {
            schema: "verdict.rollback/v1",
            rolled_back: match action {
                Action::Promotion => "promotion",
                _ => "canary",
            },
            reason,
            applied: args.apply,
            model: &rollout.model,
            inference_service: format!("{}/{}", rollout.kserve.namespace, rollout.kserve.name),
            state,
            conflicts,
            patch: applied.patch.as_ref(),
            aliases_before: applied.aliases_before.as_ref(),
            aliases_after,
            planned_calls: rollout.planned(),
        };
        print(&if args.json {
            json_text(&record)
        } else {
            human(&record)
        });
        return Ok(Outcome::Pass);
    }
}

/// Why the InferenceService no longer holds the share `state`'s rollback left, if it does not.
fn share_edited_since(state: &CanaryState, percent: Option<i64>) -> Option<String> {
    let left = state.served_share();
    let show = |p: Option<i64>| p.map_or_else(|| "unset".to_string(), |p| p.to_string());
    (percent != left).then(|| {
        format!(
            "version {} was rolled back with canaryTrafficPercent {}, but it is {} now: the InferenceService was edited since",
            state.version,
            show(left),
            show(percent)
        )
    })
}

fn human(record: &RollbackRecord<'_>) -> String {
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
