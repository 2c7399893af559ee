//! What `verdict rollback` undoes, decided from the canary's state, the registry's aliases and
//! the share the InferenceService serves: the running canary, a promotion, or nothing. A pure
//! table; the effects come from `effect`.
//!
//! | state | aliases | undone |
//! |---|---|---|
//! | running | any | the canary |
//! | promoted | @champion is not its version (the finish never ran) | the canary |
//! | rolled back | @champion is its version (a crash came before the alias moves) | the promotion |
//! | rolled back | @challenger is its version (a crash came before the withdrawal) | the canary, resumed |
//! | rolled back | neither, the share as the rollback left it | nothing |
//! | rolled back | neither, the share edited since | refused |
//! | none, promoted and finished | any | the promotion |

use super::CanaryError;
use super::effect::{self, Effects};
use super::state::{Aliases, CanaryState, Phase};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undone {
    /// Mid-canary (or a promotion whose alias moves did not happen): the stable revision
    /// takes the traffic back. `resumed`: the patch was already made.
    Canary {
        resumed: bool,
    },
    Nothing,
    /// After a full promotion: @previous is served and becomes @champion again.
    Promotion,
}

impl Undone {
    /// As the rollback record names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Undone::Promotion => "promotion",
            _ => "canary",
        }
    }
}

/// What to undo, and its effects. `canary_percent`: what the InferenceService serves now.
pub fn rollback(
    state: Option<&CanaryState>,
    aliases: &Aliases,
    canary_percent: Option<i64>,
    reason: &str,
    model: &str,
    now_ms: i64,
) -> Result<(Undone, Effects), CanaryError> {
    let undone = what(state, aliases, canary_percent)?;
    let effects = match (undone, state) {
        // A manual rollback observes no traffic: its history entry has no requests.
        (Undone::Canary { resumed }, Some(state)) => {
            effect::rollback(state, reason, resumed, model, now_ms, None)?
        }
        (Undone::Promotion, _) => effect::restore_previous(aliases, state, reason, model)?,
        _ => Effects::default(),
    };
    Ok((undone, effects))
}

fn what(
    state: Option<&CanaryState>,
    aliases: &Aliases,
    canary_percent: Option<i64>,
) -> Result<Undone, CanaryError> {
    let is = |alias: &Option<String>, s: &CanaryState| alias.as_deref() == Some(&s.version);
    Ok(match state {
        Some(s) if s.phase == Phase::Running => Undone::Canary { resumed: false },
        Some(s) if s.phase == Phase::Promoted && !is(&aliases.champion, s) => {
            Undone::Canary { resumed: false }
        }
        // A canary's rollback never moves @champion: this is the rollback of a promotion.
        Some(s) if s.phase == Phase::RolledBack && is(&aliases.champion, s) => Undone::Promotion,
        Some(s) if s.phase == Phase::RolledBack && is(&aliases.challenger, s) => {
            Undone::Canary { resumed: true }
        }
        // The last canary was rolled back and withdrawn: nothing is left to undo, unless its
        // share was raised since (by hand, or a sync re-applying an old manifest).
        Some(s) if s.phase == Phase::RolledBack => match share_edited_since(s, canary_percent) {
            Some(message) => {
                return Err(CanaryError::Precondition {
                    message,
                    help: Some(
                        "nothing was changed: verdict does not patch over an edit it did not make; set the share back with kubectl, or start a new canary".into(),
                    ),
                });
            }
            None => Undone::Nothing,
        },
        _ => Undone::Promotion,
    })
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
