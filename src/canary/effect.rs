//! What a decision changes, as data: at most one patch of the InferenceService (traffic and the
//! state annotations, stage history included, together), then the alias moves in the registry.
//! The patch always comes first, so a 409 or a crash before it changes nothing, and a crash
//! after it leaves annotations from which the next step resumes the alias moves (see `decide`).
//!
//! Takes a decision, the state it was made on and the facts the effects need (the challenger's
//! gate tag, @champion, now); returns the effects, or the precondition that forbids them. Never
//! performs them: `exec` does, in order, resolving a served version to its location.

use serde_json::{Value, json};

use super::CanaryError;
use super::decide::Decision;
use super::state::{CanaryState, MODEL, MODEL_VERSION, Phase, REASON, StageDecision, StageRecord};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// One merge patch of the InferenceService, guarded by the resourceVersion the decision
    /// was made on.
    Patch {
        patch: Value,
        /// The version whose model the predictor serves with this patch.
        serve: Option<String>,
        /// Skip the patch when the object already holds it (a run a crash interrupted after it).
        unless_held: bool,
    },
    /// `@previous := @champion`, `@champion := version`, then `@challenger` deleted.
    Finish { version: String },
    /// A rolled-back canary: `version` tagged with `reason`, then @challenger withdrawn.
    Withdraw { version: String, reason: String },
    /// After a full promotion: the champion tagged with `reason`, then `@champion := @previous`.
    RestoreChampion { reason: String },
}

/// The effects of one decision, and the canary state their patch writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    pub effects: Vec<Effect>,
    pub state: Option<CanaryState>,
}

/// What the effects of a step need besides the decision and the state.
#[derive(Debug, Clone, Copy)]
pub struct StepFacts<'a> {
    pub model: &'a str,
    pub policy_sha256: &'a str,
    pub now_ms: i64,
    /// The canary requests seen in the stage the decision ends, for its history entry.
    pub requests: Option<u64>,
    /// @challenger's gate tag: a canary starts only on a version whose gate passed.
    pub gate: Gate<'a>,
    /// The version @champion names: the stable version of a canary that starts.
    pub champion: Option<&'a str>,
}

/// A version's gate tag, as the trail writes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gate<'a> {
    /// The tag's key (`verdict.gate`).
    pub key: &'a str,
    /// Its value on the version; `None` when the tag is missing.
    pub value: Option<&'a str>,
    /// The value of a passed gate.
    pub passed: &'a str,
}

/// The effects of a step's decision on `state`.
pub fn step(
    decision: &Decision,
    state: Option<&CanaryState>,
    facts: &StepFacts<'_>,
) -> Result<Effects, CanaryError> {
    let missing_state = || CanaryError::Policy {
        message: "the InferenceService carries no canary state to act on".into(),
        help: None,
    };
    let now = facts.now_ms;
    match decision {
        Decision::Hold { .. } | Decision::Undecided { .. } => Ok(Effects::default()),
        Decision::Start { version, percent } => start(version, *percent, facts),
        Decision::Advance { stage, percent } => {
            let state = state.ok_or_else(missing_state)?;
            let next = CanaryState {
                stage: *stage,
                stage_started_ms: now,
                percent: *percent,
                history: state.history_closed(StageDecision::Advance, now, facts.requests, None),
                ..state.clone()
            };
            Ok(traffic(next, facts.model, Vec::new()))
        }
        Decision::Rollback { reason, resumed } => {
            let state = state.ok_or_else(missing_state)?;
            rollback(state, reason, *resumed, facts.model, now, facts.requests)
        }
        Decision::Promote { resumed } => {
            let state = state.ok_or_else(missing_state)?;
            let finish = Effect::Finish {
                version: state.version.clone(),
            };
            // A resumed promotion finds its patch made (`decide` checked that it still serves).
            if *resumed {
                return Ok(Effects {
                    effects: vec![finish],
                    state: None,
                });
            }
            let next = CanaryState {
                phase: Phase::Promoted,
                percent: 100,
                reason: None,
                history: state.history_closed(StageDecision::Promote, now, facts.requests, None),
                ..state.clone()
            };
            Ok(traffic(next, facts.model, vec![finish]))
        }
    }
}

/// The rollback of the canary `state` for `reason`. `requests`: those seen in the stage it
/// ends (none for a manual rollback, which observes no traffic).
pub fn rollback(
    state: &CanaryState,
    reason: &str,
    resumed: bool,
    model: &str,
    now_ms: i64,
    requests: Option<u64>,
) -> Result<Effects, CanaryError> {
    let withdraw = Effect::Withdraw {
        version: state.version.clone(),
        reason: reason.to_string(),
    };
    // A resumed rollback finds its patch made: the annotations that say so came in it.
    if resumed {
        return Ok(Effects {
            effects: vec![withdraw],
            state: None,
        });
    }
    if state.phase != Phase::Promoted {
        let history = state.history_closed(StageDecision::Rollback, now_ms, requests, Some(reason));
        return Ok(traffic(
            rolled_back(state, reason, history),
            model,
            vec![withdraw],
        ));
    }
    // The promote patch was made but the finish never moved @champion: the stable version is
    // still the champion, so it takes all traffic back. The history already ends with the
    // promotion.
    let stable = state
        .stable_version
        .as_deref()
        .ok_or_else(|| CanaryError::Precondition {
            message: format!(
                "version {} was promoted over no stable version: there is nothing to serve instead",
                state.version
            ),
            help: None,
        })?;
    let next = rolled_back(state, reason, state.history.clone());
    Ok(Effects {
        effects: vec![serve_whole(stable, next.annotations(model)), withdraw],
        state: Some(next),
    })
}

/// After a full promotion: the predictor serves @previous's model again (all traffic, in one
/// patch that also marks the promoted canary rolled back), then @champion goes back to
/// @previous, and a @challenger the finish left on the canary's version is withdrawn. Serving
/// moves first, so a crash in between is finished by the next run, which finds the predictor
/// already serving it. `state`: the promoted canary, when verdict promoted it; its version
/// must be @champion (else the finish did not happen and the canary's rollback applies).
pub fn restore_previous(
    aliases: &super::state::Aliases,
    state: Option<&CanaryState>,
    reason: &str,
    model: &str,
) -> Result<Effects, CanaryError> {
    let previous = aliases
        .previous
        .clone()
        .ok_or_else(|| CanaryError::Precondition {
            message: format!(
                "no canary is running and `{model}` has no @previous to go back to ({})",
                aliases.describe()
            ),
            help: Some("@previous is set when a promotion finishes".into()),
        })?;
    if let Some(state) = state
        && aliases.champion.as_deref() != Some(state.version.as_str())
    {
        return Err(CanaryError::Precondition {
            message: format!(
                "the InferenceService says version {} was promoted, but @champion is not it ({})",
                state.version,
                aliases.describe()
            ),
            help: Some("nothing was changed; the aliases moved since the promotion".into()),
        });
    }
    let (annotations, next) = match state {
        Some(state) => {
            let next = rolled_back(state, reason, state.history.clone());
            (next.annotations(model), Some(next))
        }
        None => (
            json!({
                MODEL: model,
                MODEL_VERSION: previous,
                REASON: reason,
            }),
            None,
        ),
    };
    let mut effects = vec![
        serve_whole(&previous, annotations),
        Effect::RestoreChampion {
            reason: reason.to_string(),
        },
    ];
    if let Some(state) = state {
        effects.push(Effect::Withdraw {
            version: state.version.clone(),
            reason: reason.to_string(),
        });
    }
    Ok(Effects {
        effects,
        state: next,
    })
}

/// The new model and the first stage's share in one patch: set apart, the new revision would
/// take all traffic before the share arrived.
fn start(version: &str, percent: i64, facts: &StepFacts<'_>) -> Result<Effects, CanaryError> {
    // @challenger may have been set by hand: only a version whose gate passed takes traffic.
    let gate = facts.gate;
    if gate.value != Some(gate.passed) {
        return Err(CanaryError::Precondition {
            message: format!(
                "@challenger of `{}` is version {version}, whose `{}` tag is {}, not `{}`",
                facts.model,
                gate.key,
                gate.value
                    .map_or_else(|| "missing".to_string(), |g| format!("`{g}`")),
                gate.passed
            ),
            help: Some(
                "nothing was changed; `verdict promote --apply` nominates a version after its gate passes"
                    .into(),
            ),
        });
    }
    let state = CanaryState {
        phase: Phase::Running,
        stage: 0,
        stage_started_ms: facts.now_ms,
        percent,
        version: version.to_string(),
        stable_version: facts.champion.map(str::to_string),
        policy_sha256: facts.policy_sha256.to_string(),
        reason: None,
        // A new canary starts a new history.
        history: Vec::new(),
    };
    Ok(Effects {
        effects: vec![Effect::Patch {
            patch: traffic_patch(&state, facts.model),
            serve: Some(version.to_string()),
            unless_held: false,
        }],
        state: Some(state),
    })
}

/// `state` ended by a rollback for `reason`.
fn rolled_back(state: &CanaryState, reason: &str, history: Vec<StageRecord>) -> CanaryState {
    CanaryState {
        phase: Phase::RolledBack,
        percent: 0,
        reason: Some(reason.to_string()),
        history,
        ..state.clone()
    }
}

/// The traffic patch of `next`, then `after`.
fn traffic(next: CanaryState, model: &str, after: Vec<Effect>) -> Effects {
    let mut effects = vec![Effect::Patch {
        patch: traffic_patch(&next, model),
        serve: None,
        unless_held: false,
    }];
    effects.extend(after);
    Effects {
        effects,
        state: Some(next),
    }
}

/// `version` takes all traffic, with `annotations`, in one patch; none when the object
/// already holds all of it.
fn serve_whole(version: &str, annotations: Value) -> Effect {
    Effect::Patch {
        patch: json!({
            "metadata": {"annotations": annotations},
            "spec": {"predictor": {"canaryTrafficPercent": null}},
        }),
        serve: Some(version.to_string()),
        unless_held: true,
    }
}

/// The state annotations and `canaryTrafficPercent`: the state's share, or once promoted
/// `null`, which removes the field so that the latest revision takes all traffic.
pub fn traffic_patch(state: &CanaryState, model: &str) -> Value {
    let percent = match state.phase {
        Phase::Promoted => Value::Null,
        _ => state.percent.into(),
    };
    json!({
        "metadata": {"annotations": state.annotations(model)},
        "spec": {"predictor": {"canaryTrafficPercent": percent}},
    })
}
