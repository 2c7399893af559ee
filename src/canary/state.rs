//! The canary's state as annotations on the InferenceService. They are written in the same
//! patch as the traffic change they describe, so the two never disagree; and because they
//! live with the thing they describe, `verdict canary step` keeps nothing between runs. That
//! includes the canary's history: every stage it finished, with how and why, which reports and
//! `verdict status` show. The aliases the registry holds are part of the state too; they are
//! read by the executor and handed to the decision as they are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
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
/// The stages this canary finished, oldest first, as a JSON list of [`StageRecord`]s.
pub const HISTORY: &str = "verdict.dev/canary-history";

/// Finished stages kept in the history. A policy has a handful of stages and a canary finishes
/// each at most once, so this only bounds what a policy of very many stages writes: Kubernetes
/// caps all annotations of an object at 256 KiB together.
pub const MAX_HISTORY: usize = 20;
/// Characters of a reason kept in the history (a guard's reason quotes the policy).
const MAX_REASON: usize = 240;

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

/// An annotation that does not hold what the format says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("annotation {key} {problem}")]
pub struct AnnotationError {
    pub key: &'static str,
    pub problem: String,
}

/// The registry's aliases of the model, as a rollout reads them before deciding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aliases {
    pub champion: Option<String>,
    pub challenger: Option<String>,
    pub previous: Option<String>,
}

impl Aliases {
    pub fn describe(&self) -> String {
        let show = |v: &Option<String>| {
            v.as_deref()
                .map_or_else(|| "unset".to_string(), |v| format!("version {v}"))
        };
        format!(
            "@champion {}, @challenger {}, @previous {}",
            show(&self.champion),
            show(&self.challenger),
            show(&self.previous)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanaryState {
    pub phase: Phase,
    /// Index into the policy's stages (0 = the first).
    pub stage: usize,
    pub stage_started_ms: i64,
    /// The canary's share of the traffic, as the last patch set it (100 once promoted).
    pub percent: i64,
    /// The model version the canary serves.
    pub version: String,
    /// The version @champion named when the canary started.
    pub stable_version: Option<String>,
    pub policy_sha256: String,
    pub reason: Option<String>,
    /// The stages finished so far, oldest first; the current one is not among them.
    pub history: Vec<StageRecord>,
}

impl CanaryState {
    /// `None` when the InferenceService carries no canary annotations at all. The one reading
    /// of the format: every command that acts on a canary reads its state here.
    pub fn from_annotations(
        a: &BTreeMap<String, String>,
    ) -> Result<Option<CanaryState>, AnnotationError> {
        let Some(phase) = a.get(PHASE) else {
            return Ok(None);
        };
        let broken = |key: &'static str, problem: String| AnnotationError { key, problem };
        let phase = match phase.as_str() {
            "running" => Phase::Running,
            "promoted" => Phase::Promoted,
            "rolled-back" => Phase::RolledBack,
            other => return Err(broken(PHASE, format!("is `{other}`"))),
        };
        let get = |key: &'static str| a.get(key).ok_or_else(|| broken(key, "is missing".into()));
        let stage: usize = get(STAGE)?
            .parse()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| broken(STAGE, "is not a stage number".into()))?;
        let started = get(STAGE_STARTED)?;
        let stage_started_ms = chrono::DateTime::parse_from_rfc3339(started)
            .map_err(|e| broken(STAGE_STARTED, format!("`{started}` is not a time: {e}")))?
            .timestamp_millis();
        let percent: i64 = get(PERCENT)?
            .parse()
            .map_err(|_| broken(PERCENT, "is not a whole percent".into()))?;
        // Canaries started before the history was kept have none: an empty one.
        let history = match a.get(HISTORY) {
            None => Vec::new(),
            Some(text) => serde_json::from_str(text)
                .map_err(|e| broken(HISTORY, format!("is not a stage history: {e}")))?,
        };
        Ok(Some(CanaryState {
            phase,
            stage: stage - 1,
            stage_started_ms,
            percent,
            version: get(MODEL_VERSION)?.clone(),
            stable_version: a.get(STABLE_VERSION).cloned(),
            policy_sha256: get(POLICY)?.clone(),
            reason: a.get(REASON).cloned(),
            history,
        }))
    }

    /// The annotations of this state, as the `metadata.annotations` of a merge patch: every key
    /// is written (a `null` removes a stale reason).
    pub fn annotations(&self, model: &str) -> Value {
        let mut a = Map::new();
        let mut put = |k: &str, v: Value| {
            a.insert(k.to_string(), v);
        };
        put(PHASE, self.phase.as_str().into());
        put(STAGE, (self.stage + 1).to_string().into());
        put(PERCENT, self.percent.to_string().into());
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
        put(
            HISTORY,
            serde_json::to_string(&self.history)
                .unwrap_or_default()
                .into(),
        );
        Value::Object(a)
    }

    /// The canaryTrafficPercent verdict's last patch left: the canary's share while it runs,
    /// none once promoted (the field is removed), and after a rollback 0, or none when the
    /// rollback served the stable version whole (its history then ends with the promotion it
    /// undid).
    pub fn served_share(&self) -> Option<i64> {
        let ends_promoted = self
            .history
            .last()
            .is_some_and(|stage| stage.decision == Some(StageDecision::Promote));
        match self.phase {
            Phase::Running => Some(self.percent),
            Phase::Promoted => None,
            Phase::RolledBack => (!ends_promoted).then_some(0),
        }
    }

    /// The history with the current stage finished at `ended_ms` by `decision`; the oldest
    /// stages give way past [`MAX_HISTORY`].
    pub fn history_closed(
        &self,
        decision: StageDecision,
        ended_ms: i64,
        requests: Option<u64>,
        reason: Option<&str>,
    ) -> Vec<StageRecord> {
        let mut history = self.history.clone();
        history.push(StageRecord {
            decision: Some(decision),
            ended: Some(format_time(ended_ms)),
            requests,
            reason: reason.map(shorten),
            ..self.current_stage(None)
        });
        let excess = history.len().saturating_sub(MAX_HISTORY);
        history.drain(..excess);
        history
    }

    /// Every stage of the canary: the finished ones, then the running one (with the requests
    /// seen in it so far) unless the canary has ended.
    pub fn timeline(&self, requests: Option<u64>) -> Vec<StageRecord> {
        let mut stages = self.history.clone();
        if self.phase == Phase::Running {
            stages.push(self.current_stage(requests));
        }
        stages
    }

    fn current_stage(&self, requests: Option<u64>) -> StageRecord {
        StageRecord {
            stage: self.stage + 1,
            percent: self.percent,
            started: format_time(self.stage_started_ms),
            ended: None,
            decision: None,
            requests,
            reason: None,
        }
    }
}

fn shorten(reason: &str) -> String {
    match reason.char_indices().nth(MAX_REASON) {
        Some((cut, _)) => format!("{}…", &reason[..cut]),
        None => reason.to_string(),
    }
}

/// RFC 3339 in UTC with milliseconds: exact, and sortable as text.
pub fn format_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// One stage of a canary: when it ran, at what share, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    /// Counted from 1, as the policy lists the stages.
    pub stage: usize,
    pub percent: i64,
    /// RFC 3339, UTC.
    pub started: String,
    pub ended: Option<String>,
    pub decision: Option<StageDecision>,
    /// Canary requests seen in the stage; null when the stage ended without being observed
    /// (a manual rollback).
    pub requests: Option<u64>,
    pub reason: Option<String>,
}

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageDecision {
    Advance,
    Rollback,
    Promote,
}

impl StageDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            StageDecision::Advance => "advance",
            StageDecision::Rollback => "rollback",
            StageDecision::Promote => "promote",
        }
    }
}

impl StageRecord {
    /// How the stage ended, or `running`.
    pub fn outcome(&self) -> &'static str {
        self.decision.map_or("running", StageDecision::as_str)
    }

    /// One line for terminals and Markdown: "stage 2 at 25%: 2026-11-26T00:30:00.000Z →
    /// 2026-11-26T01:00:00.000Z, 4012 requests, rollback (guard ... failed)".
    pub fn describe(&self) -> String {
        let requests = self
            .requests
            .map(|n| format!(", {n} requests"))
            .unwrap_or_default();
        let reason = self
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        format!(
            "stage {} at {}%: {} → {}{requests}, {}{reason}",
            self.stage,
            self.percent,
            self.started,
            self.ended.as_deref().unwrap_or("now"),
            self.outcome()
        )
    }
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
            percent: 25,
            version: "4".into(),
            stable_version: Some("3".into()),
            policy_sha256: "ab".into(),
            reason: None,
            history: Vec::new(),
        };
        let state = CanaryState {
            history: state.history_closed(
                StageDecision::Advance,
                1_795_651_200_000,
                Some(12),
                None,
            ),
            ..state
        };
        let written = state.annotations("risk");
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
        let mut broken = read.clone();
        broken.insert(HISTORY.into(), "[{\"stage\": 1}]".into());
        let error = CanaryState::from_annotations(&broken)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains(HISTORY), "{error}");
    }

    #[test]
    fn the_history_keeps_the_newest_stages_and_short_reasons() {
        let mut state = CanaryState {
            phase: Phase::Running,
            stage: 0,
            stage_started_ms: 0,
            percent: 5,
            version: "2".into(),
            stable_version: None,
            policy_sha256: "ab".into(),
            reason: None,
            history: Vec::new(),
        };
        let long = "x".repeat(MAX_REASON + 10);
        for stage in 0..MAX_HISTORY + 3 {
            state.stage = stage;
            state.history =
                state.history_closed(StageDecision::Rollback, 60_000, None, Some(&long));
        }
        assert_eq!(state.history.len(), MAX_HISTORY);
        assert_eq!(state.history[0].stage, 4, "the oldest three gave way");
        let reason = state.history[0].reason.clone().unwrap_or_default();
        assert_eq!(reason.chars().count(), MAX_REASON + 1);
        assert!(reason.ends_with('…'), "{reason}");
        // The running stage closes the timeline; a finished canary has none.
        assert_eq!(
            state.timeline(Some(7)).last().map(|s| s.requests),
            Some(Some(7))
        );
        state.phase = Phase::RolledBack;
        assert_eq!(state.timeline(None).len(), MAX_HISTORY);
    }
}
