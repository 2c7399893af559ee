//! The alias moves of a promotion, each an ordered list of idempotent steps with preconditions
//! checked before the first write and every write read back. A crash between any two steps
//! leaves a state from which running the same move again converges to the same end.
//!
//! - nominate: `@challenger := V` (after a passing gate);
//! - finish: `@previous := @champion`, then `@champion := @challenger`, then delete `@challenger`;
//! - rollback: tag the current champion, then `@champion := @previous`;
//! - withdraw: tag a rolled-back canary's version, then delete `@challenger`.

use super::{ExecError, Registry};
pub use crate::canary::state::Aliases;

pub const CHAMPION: &str = "champion";
pub const CHALLENGER: &str = "challenger";
pub const PREVIOUS: &str = "previous";

impl Aliases {
    pub fn read(mlflow: &(impl Registry + ?Sized), model: &str) -> Result<Aliases, ExecError> {
        Ok(Aliases {
            champion: mlflow.alias(model, CHAMPION)?,
            challenger: mlflow.alias(model, CHALLENGER)?,
            previous: mlflow.alias(model, PREVIOUS)?,
        })
    }
}

/// Sets an alias and, when applying, reads it back.
fn set(
    mlflow: &(impl Registry + ?Sized),
    model: &str,
    alias: &str,
    version: &str,
) -> Result<(), ExecError> {
    mlflow.set_alias(model, alias, version)?;
    if mlflow.is_dry_run() {
        return Ok(());
    }
    let found = mlflow.alias(model, alias)?;
    if found.as_deref() != Some(version) {
        return Err(ExecError::ReadBack {
            what: format!("@{alias} of `{model}`"),
            expected: format!("version {version}"),
            found: found.map_or_else(|| "unset".into(), |v| format!("version {v}")),
        });
    }
    Ok(())
}

fn delete(mlflow: &(impl Registry + ?Sized), model: &str, alias: &str) -> Result<(), ExecError> {
    mlflow.delete_alias(model, alias)?;
    if mlflow.is_dry_run() {
        return Ok(());
    }
    if let Some(v) = mlflow.alias(model, alias)? {
        return Err(ExecError::ReadBack {
            what: format!("@{alias} of `{model}`"),
            expected: "unset".into(),
            found: format!("version {v}"),
        });
    }
    Ok(())
}

/// `@challenger := version`. The version must exist and must not be the champion.
pub fn nominate(
    mlflow: &(impl Registry + ?Sized),
    model: &str,
    version: &str,
) -> Result<Aliases, ExecError> {
    let before = Aliases::read(mlflow, model)?;
    if before.champion.as_deref() == Some(version) {
        return Err(ExecError::Precondition {
            message: format!("version {version} of `{model}` is already @champion"),
            help: Some("promote a newer version".into()),
        });
    }
    set(mlflow, model, CHALLENGER, version)?;
    Ok(before)
}

/// The finish sequence. `expected` is the version being promoted, when the caller knows it:
/// with it, a re-run after the last step (no @challenger, @champion already that version)
/// succeeds instead of reporting nothing to finish.
pub fn finish(
    mlflow: &(impl Registry + ?Sized),
    model: &str,
    expected: Option<&str>,
) -> Result<Aliases, ExecError> {
    let before = Aliases::read(mlflow, model)?;
    let Some(challenger) = before.challenger.clone() else {
        if expected.is_some() && before.champion.as_deref() == expected {
            return Ok(before);
        }
        return Err(ExecError::Precondition {
            message: format!(
                "nothing to finish: `{model}` has no @challenger ({})",
                before.describe()
            ),
            help: Some(
                "a version becomes @challenger when `verdict promote --apply` passes its gate"
                    .into(),
            ),
        });
    };
    if let Some(expected) = expected.filter(|e| *e != challenger) {
        return Err(ExecError::Precondition {
            message: format!(
                "@challenger of `{model}` is version {challenger}, not version {expected}"
            ),
            help: Some("another promotion has started since; nothing was changed".into()),
        });
    }
    // @champion already on the challenger means the first two steps ran before a crash.
    if before.champion.as_deref() != Some(challenger.as_str()) {
        if let Some(champion) = &before.champion {
            set(mlflow, model, PREVIOUS, champion)?;
        }
        set(mlflow, model, CHAMPION, &challenger)?;
    }
    delete(mlflow, model, CHALLENGER)?;
    Ok(before)
}

/// The rollback sequence: the current champion is tagged with `reason`, then @champion goes
/// back to @previous. Run again after it completed, it changes nothing.
pub fn rollback(
    mlflow: &(impl Registry + ?Sized),
    model: &str,
    reason: &str,
) -> Result<Aliases, ExecError> {
    let before = Aliases::read(mlflow, model)?;
    let Some(previous) = before.previous.clone() else {
        return Err(ExecError::Precondition {
            message: format!(
                "cannot roll back `{model}`: it has no @previous ({})",
                before.describe()
            ),
            help: Some(
                "@previous is set when a promotion finishes; there is nothing to go back to".into(),
            ),
        });
    };
    if before.champion.as_deref() == Some(previous.as_str()) {
        return Ok(before);
    }
    if let Some(champion) = &before.champion {
        mlflow.set_version_tag(model, champion, "verdict.rolled_back", reason)?;
    }
    set(mlflow, model, CHAMPION, &previous)?;
    Ok(before)
}

/// A canary rolled back: the version is tagged with `reason`, then @challenger is deleted if it
/// still names that version (a newer nomination is left alone). Run again, it changes nothing.
pub fn withdraw(
    mlflow: &(impl Registry + ?Sized),
    model: &str,
    version: &str,
    reason: &str,
) -> Result<Aliases, ExecError> {
    let before = Aliases::read(mlflow, model)?;
    if before.challenger.as_deref() == Some(version) {
        mlflow.set_version_tag(model, version, "verdict.rolled_back", reason)?;
        delete(mlflow, model, CHALLENGER)?;
    }
    Ok(before)
}
