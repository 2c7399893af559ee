//! What a step sees of the current stage: the canary and stable slices cut to the stage's time
//! window, the canary's request count and newest request, and every guard evaluated on them
//! (canary against stable) by the same evaluator the gate uses.
//!
//! The stable slice's window is the stage's, except at 100%: the stable revision then serves
//! nothing, so its baseline is the stage-long window just before the stage began.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::canary::CanaryError;
use crate::canary::state::{CanaryState, format_time};
use crate::data::{self, Slice, SliceRequest, TimeFilter};
use crate::eval::{self, CheckOutcome, GateInputs, Values};
use crate::plan::{CanaryPlan, DataPlan, PolicyPlan};
use crate::report::SliceInfo;
use crate::usecase::RolloutError;

#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub slice: String,
    /// Exclusive.
    pub from: String,
    /// Inclusive.
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageData {
    pub requests: u64,
    pub last_request_ms: Option<i64>,
    pub guards: Vec<CheckOutcome>,
    pub windows: Vec<Window>,
    pub data: Vec<SliceInfo>,
}

/// Loads both slices for the stage of `state` and evaluates the guards. `overrides` are slice
/// paths from the command line; `{version}` in a path is the canary's or the stable version.
pub fn observe(
    plan: &PolicyPlan,
    canary: &CanaryPlan,
    state: &CanaryState,
    overrides: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<StageData, RolloutError> {
    let time = plan
        .data
        .recent
        .as_ref()
        .ok_or_else(|| CanaryError::Policy {
            message: "the canary needs the time column of the traffic slices".into(),
            help: Some("add `recent 7d on ts` (or your time column) to the data block".into()),
        })?;
    let stage = canary
        .stages
        .get(state.stage)
        .ok_or_else(|| CanaryError::Policy {
            message: format!("the policy has no stage {}", state.stage + 1),
            help: None,
        })?;
    let start = state.stage_started_ms;
    let stable_range = if stage.percent >= 100.0 {
        (start - stage.duration_ms, start)
    } else {
        (start, now_ms)
    };
    // Only the guards' columns and the time column: live traffic has no labels to require.
    let needed = crate::plan::reads::needed_for_checks(
        &canary.guards,
        &DataPlan {
            recent: Some(time.clone()),
            ..DataPlan::default()
        },
    );
    let stable_version = state.stable_version.as_deref().unwrap_or("");
    let mut slices: Vec<Slice> = Vec::new();
    let mut windows = Vec::new();
    for (name, version, (from_ms, to_ms)) in [
        ("canary", state.version.as_str(), (start, now_ms)),
        ("stable", stable_version, stable_range),
    ] {
        let path = overrides
            .get(name)
            .cloned()
            .or_else(|| plan.data.slice(name).map(|s| s.path.clone()))
            .ok_or_else(|| data::DataError::NoFiles {
                slice: name.into(),
                path: "(not defined)".into(),
            })?
            .replace("{version}", version);
        let request = SliceRequest {
            name,
            path: &path,
            needed: &needed,
            time: Some(TimeFilter::Range {
                column: &time.column,
                from_ms,
                to_ms,
            }),
            now_ms,
        };
        slices.push(data::load(&request)?);
        windows.push(Window {
            slice: name.into(),
            from: format_time(from_ms),
            to: format_time(to_ms),
        });
    }
    // The same files on both sides would make every guard compare the canary with itself.
    if slices[0].sha256 == slices[1].sha256 {
        return Err(data::DataError::Sanity {
            message: format!(
                "slices `canary` (`{}`) and `stable` (`{}`) are the same files, sha256 {}",
                slices[0].path, slices[1].path, slices[0].sha256
            ),
            help: "the canary's traffic and the stable revision's traffic go into their own files"
                .into(),
        }
        .into());
    }
    let (canary_side, stable_side) = slices.split_at_mut(1);
    data::same_schema(&mut canary_side[0], &mut stable_side[0])?;
    let requests = slices[0].frame.height() as u64;
    let last_request_ms = slices[0].ts_range.map(|(_, newest)| newest);
    let guards = if requests == 0 {
        Vec::new()
    } else {
        let values: Vec<Values<'_>> = slices.iter().map(Values::new).collect();
        let inputs = GateInputs {
            tested: &values[0],
            baseline: &values[1],
            others: &values,
            drop_nulls: plan.data.drop_nulls,
            // Canary and stable serve different requests: nothing pairs them.
            paired: false,
            bootstrap: Default::default(),
            min_segment_rows: plan
                .data
                .min_segment_rows
                .unwrap_or(eval::DEFAULT_MIN_SEGMENT_ROWS),
        };
        canary
            .guards
            .iter()
            .enumerate()
            .map(|(i, guard)| eval::evaluate_check(&format!("canary.{}", i + 1), guard, &inputs))
            .collect()
    };
    Ok(StageData {
        requests,
        last_request_ms,
        guards,
        windows,
        data: slices.iter().map(|s| SliceInfo::of(s, None)).collect(),
    })
}
