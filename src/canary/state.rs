//! The canary's state as annotations on the InferenceService. They are written in the same
//! patch as the traffic change they describe, so the two never disagree; and because they
//! live with the thing they describe, `verdict canary step` keeps nothing between runs.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

pub const PHASE: &str = "verdict.dev/canary-phase";
/// The current stage, counted from 1 as the policy lists them.
pub const STAGE: &str = "verdict.dev/canary-stage";
pub const PERCENT: &str = "verdict.dev/canary-percent";
pub const STAGE_STARTED: &str = "verdict.dev/canary-stage-started";
pub const POLICY: &str = "verdict.dev/policy-sha256";
pub const REASON: &str = "verdict.dev/canary-reason";
pub const STABLE_VERSION: &str = "verdict.dev/stable-version";
pub const MODEL: &str = "verdict.dev/model";
pub const MODEL_VERSION: &str = "verdict.dev/model-version";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Running,
    Promoted,
    RolledBack,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Running => "running",
            Phase::Promoted => "promoted",
            Phase::RolledBack => "rolled-back",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanaryState {
    pub phase: Phase,
    /// Index into the policy's stages (0 = the first).
    pub stage: usize,
    pub stage_started_ms: i64,
    /// The model version the canary serves.
    pub version: String,
    /// The version @champion named when the canary started.
    pub stable_version: Option<String>,
    pub policy_sha256: String,
    pub reason: Option<String>,
}

impl CanaryState {
    /// `None` when the InferenceService carries no canary annotations at all.
    pub fn from_annotations(a: &BTreeMap<String, String>) -> Result<Option<CanaryState>, String> {
        let Some(phase) = a.get(PHASE) else {
            return Ok(None);
        };
        let phase = match phase.as_str() {
            "running" => Phase::Running,
            "promoted" => Phase::Promoted,
            "rolled-back" => Phase::RolledBack,
            other => return Err(format!("annotation {PHASE} is `{other}`")),
        };
        let get = |key: &str| {
            a.get(key)
                .ok_or_else(|| format!("annotation {key} is missing"))
        };
        let stage: usize = get(STAGE)?
            .parse()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| format!("annotation {STAGE} is not a stage number"))?;
        let started = get(STAGE_STARTED)?;
        let stage_started_ms = chrono::DateTime::parse_from_rfc3339(started)
            .map_err(|e| format!("annotation {STAGE_STARTED} `{started}` is not a time: {e}"))?
            .timestamp_millis();
        Ok(Some(CanaryState {
            phase,
            stage: stage - 1,
            stage_started_ms,
            version: get(MODEL_VERSION)?.clone(),
            stable_version: a.get(STABLE_VERSION).cloned(),
            policy_sha256: get(POLICY)?.clone(),
            reason: a.get(REASON).cloned(),
        }))
    }

    /// The annotations of this state, as the `metadata.annotations` of a merge patch: every key
    /// is written (a `null` removes a stale reason).
    pub fn annotations(&self, model: &str, percent: i64) -> Value {
        let mut a = Map::new();
        let mut put = |k: &str, v: Value| {
            a.insert(k.to_string(), v);
        };
        put(PHASE, self.phase.as_str().into());
        put(STAGE, (self.stage + 1).to_string().into());
        put(PERCENT, percent.to_string().into());
        put(STAGE_STARTED, format_time(self.stage_started_ms).into());
        put(POLICY, self.policy_sha256.clone().into());
        put(
            REASON,
            self.reason.clone().map_or(Value::Null, Value::String),
        );
        put(
            STABLE_VERSION,
            self.stable_version
                .clone()
                .map_or(Value::Null, Value::String),
        );
        put(MODEL, model.into());
        put(MODEL_VERSION, self.version.clone().into());
        Value::Object(a)
    }
}

/// RFC 3339 in UTC with milliseconds: exact, and sortable as text.
pub fn format_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_read_back_as_the_same_state() {
        let state = CanaryState {
            phase: Phase::Running,
            stage: 1,
            stage_started_ms: 1_795_651_200_123,
            version: "4".into(),
            stable_version: Some("3".into()),
            policy_sha256: "ab".into(),
            reason: None,
        };
        let written = state.annotations("risk", 25);
        let read: BTreeMap<String, String> = written
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            read.get(STAGE_STARTED).map(String::as_str),
            Some("2026-11-26T00:00:00.123Z")
        );
        assert_eq!(CanaryState::from_annotations(&read), Ok(Some(state)));
        assert_eq!(CanaryState::from_annotations(&BTreeMap::new()), Ok(None));
        let mut broken = read.clone();
        broken.insert(STAGE.into(), "0".into());
        assert!(CanaryState::from_annotations(&broken).is_err());
    }
}
