//! A decision made real: at most one patch of the InferenceService (traffic and the state
//! annotations, stage history included, together, guarded by the resourceVersion the decision was made on), then the
//! alias moves in MLflow. The patch always comes first, so a 409 or a crash before it changes
//! nothing, and a crash after it leaves annotations from which the next step resumes the alias
//! moves (see `decide`).

use serde_json::{Value, json};

use super::state::{CanaryState, Phase};
use super::{CanaryError, Decision};
use crate::eval::Verdict;
use crate::exec::aliases::{self, Aliases};
use crate::exec::kserve::{self, InferenceService, Kserve};
use crate::exec::mlflow::Mlflow;
use crate::exec::trail::{self, GATE_TAG};
use crate::exec::{ExecError, aliases::CHAMPION};
use crate::report::canary::{StageDecision, StageRecord};

/// A model-version tag naming a container image to serve instead of the artifact URI.
pub const IMAGE_TAG: &str = "verdict.image";

/// Where a step writes: the InferenceService, the registry, and what it records.
pub struct Target<'a> {
    pub kserve: &'a Kserve,
    pub mlflow: &'a Mlflow,
    pub model: &'a str,
    pub policy_sha256: &'a str,
    pub now_ms: i64,
}

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

/// `requests`: the canary requests seen in the stage the decision ends, for its history entry.
pub fn apply(
    target: &Target<'_>,
    isvc: &InferenceService,
    state: Option<&CanaryState>,
    decision: &Decision,
    requests: Option<u64>,
) -> Result<Applied, CanaryError> {
    let missing_state = || CanaryError::Policy {
        message: "the InferenceService carries no canary state to act on".into(),
        help: None,
    };
    let now = target.now_ms;
    match decision {
        Decision::Hold { .. } | Decision::Undecided { .. } => Ok(Applied::default()),
        Decision::Start { version, percent } => start(target, isvc, version, *percent),
        Decision::Advance { stage, percent } => {
            let state = state.ok_or_else(missing_state)?;
            let next = CanaryState {
                stage: *stage,
                stage_started_ms: now,
                percent: *percent,
                history: state.history_closed(StageDecision::Advance, now, requests, None),
                ..state.clone()
            };
            send_state(target, isvc, next)
        }
        Decision::Rollback { reason, resumed } => {
            let state = state.ok_or_else(missing_state)?;
            // A resumed rollback finds its patch made: the annotations that say so came in it.
            let mut applied = match (*resumed, state.phase) {
                (true, _) => Applied::default(),
                (false, Phase::Promoted) => {
                    // The promote patch was made but the finish never moved @champion: the
                    // stable version is still the champion, so it takes all traffic back. The
                    // history already ends with the promotion.
                    let stable = state.stable_version.as_deref().ok_or_else(|| {
                        ExecError::Precondition {
                            message: format!(
                                "version {} was promoted over no stable version: there is nothing to serve instead",
                                state.version
                            ),
                            help: None,
                        }
                    })?;
                    let next = rolled_back(state, reason, state.history.clone());
                    serve_whole(
                        target,
                        isvc,
                        stable,
                        next.annotations(target.model),
                        Some(next),
                    )?
                }
                (false, _) => {
                    let history =
                        state.history_closed(StageDecision::Rollback, now, requests, Some(reason));
                    send_state(target, isvc, rolled_back(state, reason, history))?
                }
            };
            applied.aliases_before = Some(aliases::withdraw(
                target.mlflow,
                target.model,
                &state.version,
                reason,
            )?);
            Ok(applied)
        }
        Decision::Promote { resumed } => {
            let state = state.ok_or_else(missing_state)?;
            // A resumed promotion finds its patch made (`decide` checked that it still serves).
            let mut applied = Applied::default();
            if !*resumed {
                let next = CanaryState {
                    phase: Phase::Promoted,
                    percent: 100,
                    reason: None,
                    history: state.history_closed(StageDecision::Promote, now, requests, None),
                    ..state.clone()
                };
                applied = send_state(target, isvc, next)?;
            }
            applied.aliases_before = Some(aliases::finish(
                target.mlflow,
                target.model,
                Some(&state.version),
            )?);
            Ok(applied)
        }
    }
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

/// After a full promotion: the predictor serves @previous's model again (all traffic, in one
/// patch that also marks the promoted canary rolled back), then @champion goes back to
/// @previous, and a @challenger the finish left on the canary's version is withdrawn. Serving
/// moves first, so a crash in between is finished by the next run, which finds the predictor
/// already serving it. `state`: the promoted canary, when verdict promoted it; its version
/// must be @champion (else the finish did not happen and the canary's rollback applies).
pub fn restore_previous(
    target: &Target<'_>,
    isvc: &InferenceService,
    state: Option<&CanaryState>,
    reason: &str,
) -> Result<Applied, CanaryError> {
    let (mlflow, model) = (target.mlflow, target.model);
    let before = Aliases::read(mlflow, model)?;
    let previous = before
        .previous
        .clone()
        .ok_or_else(|| ExecError::Precondition {
            message: format!(
                "no canary is running and `{model}` has no @previous to go back to ({})",
                before.describe()
            ),
            help: Some("@previous is set when a promotion finishes".into()),
        })?;
    if let Some(state) = state
        && before.champion.as_deref() != Some(state.version.as_str())
    {
        return Err(ExecError::Precondition {
            message: format!(
                "the InferenceService says version {} was promoted, but @champion is not it ({})",
                state.version,
                before.describe()
            ),
            help: Some("nothing was changed; the aliases moved since the promotion".into()),
        }
        .into());
    }
    let (annotations, next) = match state {
        Some(state) => {
            let next = rolled_back(state, reason, state.history.clone());
            (next.annotations(model), Some(next))
        }
        None => (
            json!({
                super::state::MODEL: model,
                super::state::MODEL_VERSION: previous,
                super::state::REASON: reason,
            }),
            None,
        ),
    };
    let mut applied = serve_whole(target, isvc, &previous, annotations, next)?;
    applied.aliases_before = Some(aliases::rollback(mlflow, model, reason)?);
    if let Some(state) = state {
        aliases::withdraw(mlflow, model, &state.version, reason)?;
    }
    Ok(applied)
}

/// `version` takes all traffic, with `annotations`, in one patch; none when the object
/// already holds all of it (a run that a crash interrupted after the patch).
fn serve_whole(
    target: &Target<'_>,
    isvc: &InferenceService,
    version: &str,
    annotations: Value,
    state: Option<CanaryState>,
) -> Result<Applied, CanaryError> {
    let (location, slot) = serving_location(target, isvc, version)?;
    let mut patch = json!({
        "metadata": {"annotations": annotations},
        "spec": {"predictor": {"canaryTrafficPercent": null}},
    });
    with_model(&mut patch, isvc, &slot, &location);
    if kserve::holds(&isvc.object, &patch) {
        return Ok(Applied::default());
    }
    send(target, isvc, patch, state)
}

/// What serves `version`: the image its `verdict.image` tag names, or its artifact URI (KServe
/// cannot load `models:/name@alias`); and where in the predictor that goes.
pub fn serving_location(
    target: &Target<'_>,
    isvc: &InferenceService,
    version: &str,
) -> Result<(String, kserve::ModelSlot), CanaryError> {
    let (mlflow, model) = (target.mlflow, target.model);
    let image = mlflow
        .model_version(model, version)?
        .tags
        .into_iter()
        .find(|(k, _)| k == IMAGE_TAG)
        .map(|(_, v)| v);
    let location = match &image {
        Some(image) => image.clone(),
        None => mlflow.download_uri(model, version)?,
    };
    let slot = kserve::model_slot(&isvc.object, image.is_some()).map_err(|message| {
        ExecError::Precondition {
            message: format!("cannot serve version {version}: {message}"),
            help: None,
        }
    })?;
    Ok((location, slot))
}

/// The new model and the first stage's share in one patch: set apart, the new revision would
/// take all traffic before the share arrived.
fn start(
    target: &Target<'_>,
    isvc: &InferenceService,
    version: &str,
    percent: i64,
) -> Result<Applied, CanaryError> {
    let (mlflow, model) = (target.mlflow, target.model);
    // @challenger may have been set by hand: only a version whose gate passed takes traffic.
    let gate = mlflow
        .model_version(model, version)?
        .tags
        .into_iter()
        .find(|(k, _)| k == GATE_TAG)
        .map(|(_, v)| v);
    if gate.as_deref() != Some(trail::gate_tag(Verdict::Pass)) {
        return Err(ExecError::Precondition {
            message: format!(
                "@challenger of `{model}` is version {version}, whose `{GATE_TAG}` tag is {}, not `passed`",
                gate.map_or_else(|| "missing".to_string(), |g| format!("`{g}`"))
            ),
            help: Some(
                "nothing was changed; `verdict promote --apply` nominates a version after its gate passes"
                    .into(),
            ),
        }
        .into());
    }
    let (location, slot) = serving_location(target, isvc, version)?;
    let state = CanaryState {
        phase: Phase::Running,
        stage: 0,
        stage_started_ms: target.now_ms,
        percent,
        version: version.to_string(),
        stable_version: mlflow.alias(model, CHAMPION)?,
        policy_sha256: target.policy_sha256.to_string(),
        reason: None,
        // A new canary starts a new history.
        history: Vec::new(),
    };
    let mut patch = traffic_patch(&state, model);
    with_model(&mut patch, isvc, &slot, &location);
    send(target, isvc, patch, Some(state))
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

/// The traffic patch of `next`, sent.
fn send_state(
    target: &Target<'_>,
    isvc: &InferenceService,
    next: CanaryState,
) -> Result<Applied, CanaryError> {
    send(target, isvc, traffic_patch(&next, target.model), Some(next))
}

fn send(
    target: &Target<'_>,
    isvc: &InferenceService,
    patch: Value,
    state: Option<CanaryState>,
) -> Result<Applied, CanaryError> {
    target.kserve.patch(isvc, &patch)?;
    Ok(Applied {
        patch: Some(patch),
        state,
        aliases_before: None,
    })
}
