//! The canary's decision: a pure function of the policy, the state read from the
//! InferenceService, what the registry's @challenger names, and an observation of the current
//! stage (readiness, traffic, guards, now). No clock, no I/O: every decision can be replayed
//! from its inputs, which the JSON output carries.
//!
//! The table, in order (the first rule that matches decides):
//!
//! | state | condition | decision |
//! |---|---|---|
//! | none, promoted or rolled back | @challenger names a new version | start it at the first stage |
//! | rolled back | @challenger still names that version | resume the rollback (a crash came between the patch and the aliases) |
//! | promoted | @challenger still names that version, the InferenceService as the promotion left it | resume the finish (same) |
//! | promoted | @challenger still names that version, the model or `canaryTrafficPercent` changed since | undecided (exit 2) |
//! | none, promoted or rolled back | no @challenger | hold: nothing to do |
//! | running | another policy, an unknown stage, @challenger moved | undecided (exit 2) |
//! | running | the InferenceService serves another model or share than the state says | undecided (exit 2) |
//! | running | predictor condition False | rollback |
//! | running | the stage starts more than [`CLOCK_SKEW_MS`] after now | undecided (exit 2) |
//! | running | now before the stage start, within [`CLOCK_SKEW_MS`] (clock skew) | hold |
//!
//! A stage without `min N requests` needs one request: a canary that got no traffic never
//! passes. The stage time is reached when `now - start >= duration` (a stage of 30m started at
//! 12:00 may advance at 12:30:00.000).

use serde::Serialize;

use super::state::{CanaryState, Phase};
use crate::eval::{CheckOutcome, Status};
use crate::plan::CanaryPlan;

/// Requests a stage needs when the policy names no minimum.
pub const DEFAULT_MIN_REQUESTS: u64 = 1;

/// How far the clocks of two steps may disagree. A stage that starts later than this after
/// now was stamped by a clock (or a `--now`) that ran ahead: holding on it would leave the
/// canary's share unguarded until real time caught up.
pub const CLOCK_SKEW_MS: i64 = 5 * 60_000;

/// Whether the predictor serves: KServe's `PredictorReady` condition (or `Ready`), and only
/// once the controller has observed the current generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "kebab-case")]
pub enum Readiness {
    Ready,
    /// The condition is False: the revision failed.
    NotReady(String),
    /// Unknown, missing, or not yet reconciled: still rolling out.
    Pending(String),
}

impl Readiness {
    pub fn describe(&self) -> String {
        match self {
            Readiness::Ready => "ready".into(),
            Readiness::NotReady(why) => format!("NOT READY: {why}"),
            Readiness::Pending(why) => format!("pending: {why}"),
        }
    }
}

/// What a step saw of the current stage.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub now_ms: i64,
    pub readiness: Readiness,
    /// Canary requests in the stage so far.
    pub requests: u64,
    /// The newest canary request in the stage.
    pub last_request_ms: Option<i64>,
    pub guards: Vec<Guard>,
}

/// A guard's outcome, as much of it as the decision reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guard {
    pub source: String,
    pub line: usize,
    pub status: Status,
    pub reason: Option<String>,
}

impl From<&CheckOutcome> for Guard {
    fn from(outcome: &CheckOutcome) -> Self {
        Guard {
            source: outcome.source.text.clone(),
            line: outcome.source.line,
            status: outcome.status,
            reason: outcome.reason.clone(),
        }
    }
}

/// Everything the decision reads besides the observation.
pub struct Inputs<'a> {
    pub plan: &'a CanaryPlan,
    pub policy_sha256: &'a str,
    /// The version @challenger names.
    pub challenger: Option<&'a str>,
    pub served: Served<'a>,
}

/// What the InferenceService's spec serves, and where the state's version is served from.
/// Annotations survive a hand edit of the model or the share: only these show it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served<'a> {
    /// The predictor's storageUri or image.
    pub location: Option<&'a str>,
    /// Where the state's version is served from (its image or artifact URI).
    pub expected: Option<&'a str>,
    pub canary_percent: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum Decision {
    /// Serve `version` to the first stage's share.
    Start {
        version: String,
        percent: i64,
    },
    /// Move to `stage` (index into the policy's stages).
    Advance {
        stage: usize,
        percent: i64,
    },
    Hold {
        reason: String,
    },
    /// Traffic back to the stable revision. `resumed`: the patch was already made.
    Rollback {
        reason: String,
        resumed: bool,
    },
    /// The canary becomes the served model. `resumed`: the patch was already made.
    Promote {
        resumed: bool,
    },
    /// Nothing can be decided; nothing changes (exit 2).
    Undecided {
        reason: String,
    },
}

impl Decision {
    /// The decision as reports name it.
    pub fn kind(&self) -> StepDecision {
        match self {
            Decision::Start { .. } => StepDecision::Start,
            Decision::Advance { .. } => StepDecision::Advance,
            Decision::Hold { .. } => StepDecision::Hold,
            Decision::Rollback { .. } => StepDecision::Rollback,
            Decision::Promote { .. } => StepDecision::Promote,
            Decision::Undecided { .. } => StepDecision::Undecided,
        }
    }

    /// Why the step held, rolled back or could not decide; the others need no reason.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Hold { reason }
            | Decision::Rollback { reason, .. }
            | Decision::Undecided { reason } => Some(reason),
            Decision::Start { .. } | Decision::Advance { .. } | Decision::Promote { .. } => None,
        }
    }
}

/// What a step decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepDecision {
    Start,
    Advance,
    Hold,
    Rollback,
    Promote,
    Undecided,
}

impl StepDecision {
    /// The one-line answer of a canary report.
    pub fn headline(self) -> &'static str {
        match self {
            StepDecision::Start => {
                "START: the challenger takes the first stage's share of the traffic"
            }
            StepDecision::Advance => "ADVANCE: the canary moves to its next stage",
            StepDecision::Hold => "HOLD: the canary stays at its stage",
            StepDecision::Rollback => {
                "ROLLBACK: the canary's traffic goes back to the stable revision"
            }
            StepDecision::Promote => "PROMOTE: the canary becomes the served model",
            StepDecision::Undecided => {
                "UNDECIDED: no decision could be made; nothing was changed (fail closed)"
            }
        }
    }
}

/// A stage's share as KServe takes it: a whole percent.
pub fn whole_percent(percent: f64) -> Option<i64> {
    (percent.fract() == 0.0 && (0.0..=100.0).contains(&percent)).then_some(percent as i64)
}

pub fn decide(
    inputs: &Inputs<'_>,
    state: Option<&CanaryState>,
    observation: Option<&Observation>,
) -> Decision {
    if let Some(decision) = decide_unobserved(inputs, state) {
        return decision;
    }
    match (state, observation) {
        (Some(state), Some(obs)) => judge(inputs, state, obs),
        _ => Decision::Undecided {
            reason: "the stage was not observed".into(),
        },
    }
}

/// The decisions that do not depend on the stage's traffic; `None` when the stage must be
/// observed (a running canary that matches the policy and the registry).
pub fn decide_unobserved(inputs: &Inputs<'_>, state: Option<&CanaryState>) -> Option<Decision> {
    let Some(state) = state.filter(|s| s.phase == Phase::Running) else {
        return Some(between_canaries(inputs, state));
    };
    let undecided = |reason: String| Some(Decision::Undecided { reason });
    if state.policy_sha256 != inputs.policy_sha256 {
        return undecided(format!(
            "the canary was started under another policy (sha256 {}); this one is {}",
            state.policy_sha256, inputs.policy_sha256
        ));
    }
    if state.stage >= inputs.plan.stages.len() {
        return undecided(format!(
            "the canary is at stage {}, but the policy has {} stages",
            state.stage + 1,
            inputs.plan.stages.len()
        ));
    }
    if inputs.challenger != Some(state.version.as_str()) {
        return undecided(format!(
            "the canary serves version {}, but @challenger names {}",
            state.version,
            inputs
                .challenger
                .map_or_else(|| "no version".to_string(), |v| format!("version {v}"))
        ));
    }
    mismatch(state, &inputs.served).map(|reason| Decision::Undecided { reason })
}

/// Why the InferenceService does not serve what `state` says it does, if it does not: its
/// model or share was edited by hand, so the stage the guards would judge is not what serves.
fn mismatch(state: &CanaryState, served: &Served<'_>) -> Option<String> {
    let show = |v: Option<&str>| v.map_or_else(|| "nothing".to_string(), |v| format!("`{v}`"));
    if served.location != served.expected {
        return Some(format!(
            "the InferenceService serves {}, but version {} is served from {}: it was edited since verdict's last patch",
            show(served.location),
            state.version,
            show(served.expected)
        ));
    }
    let percent = state.served_share();
    let show = |p: Option<i64>| p.map_or_else(|| "unset".to_string(), |p| p.to_string());
    (served.canary_percent != percent).then(|| {
        format!(
            "canaryTrafficPercent is {}, but the canary's state says {}: it was edited since verdict's last patch",
            show(served.canary_percent),
            show(percent)
        )
    })
}

/// The table's rows for a running canary that matches the policy and the registry.
fn judge(inputs: &Inputs<'_>, state: &CanaryState, obs: &Observation) -> Decision {
    let hold = |reason: String| Decision::Hold { reason };
    let rollback = |reason: String| Decision::Rollback {
        reason,
        resumed: false,
    };
    let undecided = |reason: String| Decision::Undecided { reason };
    let Some(stage) = inputs.plan.stages.get(state.stage) else {
        return undecided(format!("the policy has no stage {}", state.stage + 1));
    };
    if let Readiness::NotReady(why) = &obs.readiness {
        return rollback(format!("the predictor is not ready: {why}"));
    }
    let elapsed = obs.now_ms - state.stage_started_ms;
    if elapsed < -CLOCK_SKEW_MS {
        return undecided(format!(
            "the stage starts {} after now ({}): a clock or `--now` ran ahead when it was stamped",
            duration(-elapsed),
            super::state::format_time(state.stage_started_ms)
        ));
    }
    if elapsed < 0 {
        return hold(format!(
            "now is {} before the stage started: clock skew between steps; waiting",
            duration(-elapsed)
        ));
    }
    if let Some(failed) = obs.guards.iter().find(|g| g.status == Status::Fail) {
        return rollback(guard_reason("failed", failed));
    }
    let no_traffic = inputs.plan.no_traffic_ms;
    if let Readiness::Pending(why) = &obs.readiness {
        return match no_traffic.filter(|limit| elapsed >= *limit) {
            Some(limit) => rollback(format!(
                "the predictor has not become ready within {}: {why}",
                duration(limit)
            )),
            None => hold(format!("the predictor is not ready yet: {why}")),
        };
    }
    let quiet_since = obs.last_request_ms.unwrap_or(state.stage_started_ms);
    if let Some(limit) = no_traffic.filter(|limit| obs.now_ms - quiet_since >= *limit) {
        return rollback(format!("no canary traffic for {}", duration(limit)));
    }
    let min = stage.min_requests.unwrap_or(DEFAULT_MIN_REQUESTS);
    if obs.requests < min {
        let deadline = no_traffic.map(|limit| stage.duration_ms + limit);
        return match deadline.filter(|d| elapsed >= *d) {
            Some(_) => rollback(format!(
                "only {} of {min} canary requests by the stage's deadline",
                obs.requests
            )),
            None => hold(format!(
                "inconclusive: {} of {min} canary requests so far",
                obs.requests
            )),
        };
    }
    if let Some(errored) = obs.guards.iter().find(|g| g.status == Status::Error) {
        return rollback(guard_reason("could not be computed", errored));
    }
    if elapsed < stage.duration_ms {
        return hold(format!(
            "stage {} at {}% runs {} of {}",
            state.stage + 1,
            stage.percent,
            duration(elapsed),
            duration(stage.duration_ms)
        ));
    }
    match inputs.plan.stages.get(state.stage + 1) {
        None => Decision::Promote { resumed: false },
        Some(next) => match whole_percent(next.percent) {
            Some(percent) => Decision::Advance {
                stage: state.stage + 1,
                percent,
            },
            None => undecided(format!(
                "stage {} is {}%, and KServe takes whole percents",
                state.stage + 2,
                next.percent
            )),
        },
    }
}

/// No canary is running: start one, finish the one a crash interrupted, or wait.
fn between_canaries(inputs: &Inputs<'_>, last: Option<&CanaryState>) -> Decision {
    let Some(challenger) = inputs.challenger else {
        return Decision::Hold {
            reason: match last {
                Some(s) => format!(
                    "no @challenger; the last canary (version {}) ended {}",
                    s.version,
                    s.phase.as_str()
                ),
                None => "no canary is running and no @challenger is waiting".into(),
            },
        };
    };
    match last {
        Some(s) if s.version == challenger && s.phase == Phase::RolledBack => Decision::Rollback {
            reason: s.reason.clone().unwrap_or_else(|| "rolled back".into()),
            resumed: true,
        },
        Some(s) if s.version == challenger => match mismatch(s, &inputs.served) {
            // Someone may have tried to undo the promotion by hand: resuming it would redo it.
            Some(why) => Decision::Undecided {
                reason: format!(
                    "version {} was promoted but its aliases were not moved, and {why}; `verdict rollback` undoes the promotion",
                    s.version
                ),
            },
            None => Decision::Promote { resumed: true },
        },
        _ => {
            let Some(first) = inputs.plan.stages.first() else {
                return Decision::Undecided {
                    reason: "the canary has no stages".into(),
                };
            };
            match whole_percent(first.percent) {
                Some(percent) => Decision::Start {
                    version: challenger.to_string(),
                    percent,
                },
                None => Decision::Undecided {
                    reason: format!(
                        "stage 1 is {}%, and KServe takes whole percents",
                        first.percent
                    ),
                },
            }
        }
    }
}

fn guard_reason(what: &str, guard: &Guard) -> String {
    let detail = guard.reason.as_deref().unwrap_or("");
    format!(
        "guard `{}` (line {}) {what}: {detail}",
        guard.source, guard.line
    )
}

/// `1h30m`, `45s`, `250ms`: durations in reasons.
pub fn duration(ms: i64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (v, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
        }
    }
    out
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
