//! Performs a canary's effects, in order: the patch of the InferenceService (with the model of
//! the version it serves, resolved through the registry), then the alias moves. Stops at the
//! first failure, so what follows a failed patch is never done; a 409 comes back as is, for
//! the caller to read again and decide again. Decides nothing itself.

use serde_json::Value;

use super::aliases::{self, Aliases};
use super::kserve::{self, InferenceService};
use super::{ExecError, Registry, Serving};
use crate::canary::{CanaryState, Effect, Effects};

/// A model-version tag naming a container image to serve instead of the artifact URI.
pub const IMAGE_TAG: &str = "verdict.image";

/// What was done (or, in a dry run, would be).
#[derive(Debug, Default)]
pub struct Applied {
    /// The merge patch, without the resourceVersion guard the client adds.
    pub patch: Option<Value>,
    /// The canary state the patch wrote, when it wrote one.
    pub state: Option<CanaryState>,
    /// The aliases before the alias moves, when there were any.
    pub aliases_before: Option<Aliases>,
}

/// The services and the model the effects apply to.
pub struct Services<'a> {
    pub registry: &'a dyn Registry,
    pub serving: &'a dyn Serving,
    pub model: &'a str,
}

pub fn perform(
    services: &Services<'_>,
    isvc: &InferenceService,
    effects: Effects,
) -> Result<Applied, ExecError> {
    let mut applied = Applied::default();
    let (registry, model) = (services.registry, services.model);
    for effect in effects.effects {
        let before = match effect {
            Effect::Patch {
                mut patch,
                serve,
                unless_held,
            } => {
                if let Some(version) = serve {
                    let (location, slot) = serving_location(registry, model, isvc, &version)?;
                    with_model(&mut patch, isvc, &slot, &location);
                }
                if unless_held && kserve::holds(&isvc.object, &patch) {
                    continue;
                }
                services.serving.patch(isvc, &patch)?;
                applied.patch = Some(patch);
                applied.state = effects.state.clone();
                continue;
            }
            Effect::Finish { version } => aliases::finish(registry, model, Some(&version))?,
            Effect::Withdraw { version, reason } => {
                aliases::withdraw(registry, model, &version, &reason)?
            }
            Effect::RestoreChampion { reason } => aliases::rollback(registry, model, &reason)?,
        };
        // The aliases as the first alias move found them.
        applied.aliases_before.get_or_insert(before);
    }
    Ok(applied)
}

/// What serves `version`: the image its `verdict.image` tag names, or its artifact URI (KServe
/// cannot load `models:/name@alias`); and where in the predictor that goes.
pub fn serving_location(
    registry: &dyn Registry,
    model: &str,
    isvc: &InferenceService,
    version: &str,
) -> Result<(String, kserve::ModelSlot), ExecError> {
    let image = registry
        .model_version(model, version)?
        .tags
        .into_iter()
        .find(|(k, _)| k == IMAGE_TAG)
        .map(|(_, v)| v);
    let location = match &image {
        Some(image) => image.clone(),
        None => registry.download_uri(model, version)?,
    };
    let slot = kserve::model_slot(&isvc.object, image.is_some()).map_err(|message| {
        ExecError::Precondition {
            message: format!("cannot serve version {version}: {message}"),
            help: None,
        }
    })?;
    Ok((location, slot))
}

/// `patch` with the predictor's model at `location`.
fn with_model(
    patch: &mut Value,
    isvc: &InferenceService,
    slot: &kserve::ModelSlot,
    location: &str,
) {
    if let (Some(predictor), Value::Object(fields)) = (
        patch
            .pointer_mut("/spec/predictor")
            .and_then(Value::as_object_mut),
        kserve::model_patch(&isvc.object, slot, location),
    ) {
        predictor.extend(fields);
    }
}
