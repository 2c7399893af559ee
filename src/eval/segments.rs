//! `by COLUMN`: a check evaluated on the rows of each value of a column, so that an overall
//! improvement cannot hide a regression in one market or device.
//!
//! Every segment is listed: evaluated (pass, fail, error) or skipped with the reason. A segment
//! with rows in the baseline slice and none in the tested one is an error (the challenger was
//! not evaluated on that traffic); one with too few rows on either side is skipped; one found
//! only in the tested slice is skipped when the bound needs the baseline's value. The check
//! fails when a segment fails and errors when a segment errors or when no segment was evaluated.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{CheckOutcome, EvalError, GateInputs, SegmentError, Status, measure};
use crate::engine::Table;
use crate::plan::CheckPlan;

/// `by` segments with fewer rows on either side are skipped unless the policy says
/// `require segment_rows >= N`: below about a hundred rows a segment's metric is mostly noise.
pub const DEFAULT_MIN_SEGMENT_ROWS: u64 = 100;

/// More distinct values than this is a column of ids, not segments.
const MAX_SEGMENTS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentStatus {
    Pass,
    Fail,
    Error,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentOutcome {
    /// The column's value (`(null)` for missing values).
    pub value: String,
    /// Rows of the segment in the baseline and the tested slice.
    pub rows: [usize; 2],
    pub challenger: Option<f64>,
    pub champion: Option<f64>,
    pub threshold: Option<f64>,
    pub ci: Option<[Option<f64>; 2]>,
    pub status: SegmentStatus,
    pub reason: Option<String>,
}

pub(super) fn measure_segments<T: Table>(
    check: &CheckPlan,
    column: &str,
    inputs: &GateInputs<'_, T>,
    outcome: &mut CheckOutcome,
) -> Result<(), EvalError> {
    let groups = group(inputs, column)?;
    let mut segments = Vec::with_capacity(groups.len());
    for (value, [baseline_rows, tested_rows]) in groups {
        let rows = [baseline_rows.len(), tested_rows.len()];
        let skipped = |reason: String| SegmentOutcome {
            value: value.clone(),
            rows,
            challenger: None,
            champion: None,
            threshold: None,
            ci: None,
            status: SegmentStatus::Skipped,
            reason: Some(reason),
        };
        let min = inputs.min_segment_rows as usize;
        let segment = if tested_rows.is_empty() {
            SegmentOutcome {
                status: SegmentStatus::Error,
                reason: Some(format!(
                    "{} rows in `{}` and none in `{}`: the {} was not evaluated on this segment",
                    rows[0],
                    inputs.baseline.name(),
                    inputs.tested.name(),
                    inputs.tested.name()
                )),
                ..skipped(String::new())
            }
        } else if baseline_rows.is_empty() && check.bound.uses_baseline() {
            skipped(format!(
                "not in `{}`, so the bound has no baseline value",
                inputs.baseline.name()
            ))
        } else if rows[1] < min || (check.bound.uses_baseline() && rows[0] < min) {
            skipped(format!(
                "fewer than {min} rows (set with `require segment_rows >= N`)"
            ))
        } else {
            let tested = inputs.tested.subset(tested_rows)?;
            let baseline = inputs.baseline.subset(baseline_rows)?;
            evaluate(check, inputs, &tested, &baseline, value.clone(), rows)
        };
        segments.push(segment);
    }
    let summary = summarise(&segments, column);
    outcome.segments = Some(segments);
    let (status, reason) = summary?;
    outcome.status = status;
    outcome.reason = reason;
    Ok(())
}

/// Row numbers of each value of `column` in the baseline and the tested slice, by value.
fn group<T: Table>(
    inputs: &GateInputs<'_, T>,
    column: &str,
) -> Result<BTreeMap<String, [Vec<u32>; 2]>, EvalError> {
    let mut groups: BTreeMap<String, [Vec<u32>; 2]> = BTreeMap::new();
    for (side, table) in [inputs.baseline, inputs.tested].into_iter().enumerate() {
        let too_many = || SegmentError::TooManyRows {
            slice: table.name().to_string(),
        };
        table.for_each_key(column, |row, key| {
            // Parenthesised so that a missing value never merges with the text "null".
            let key = key.unwrap_or("(null)");
            let row = u32::try_from(row).map_err(|_| too_many())?;
            if let Some(rows) = groups.get_mut(key) {
                rows[side].push(row);
                return Ok(());
            }
            if groups.len() == MAX_SEGMENTS {
                return Err(SegmentError::TooManyValues {
                    column: column.to_string(),
                    limit: MAX_SEGMENTS,
                });
            }
            groups.entry(key.to_string()).or_default()[side].push(row);
            Ok(())
        })??;
    }
    Ok(groups)
}

fn evaluate<T: Table>(
    check: &CheckPlan,
    inputs: &GateInputs<'_, T>,
    tested: &T,
    baseline: &T,
    value: String,
    rows: [usize; 2],
) -> SegmentOutcome {
    let segment_inputs = GateInputs {
        tested,
        baseline,
        ..*inputs
    };
    let mut outcome = super::blank_outcome(String::new(), check);
    let measured = measure(check, &segment_inputs, &mut outcome);
    SegmentOutcome {
        value,
        rows,
        challenger: outcome.challenger,
        champion: outcome.champion,
        threshold: outcome.threshold,
        ci: outcome.ci,
        status: match (&measured, outcome.status) {
            (Err(_), _) | (_, Status::Error) => SegmentStatus::Error,
            (Ok(()), Status::Fail) => SegmentStatus::Fail,
            (Ok(()), _) => SegmentStatus::Pass,
        },
        reason: measured.err().map(|e| e.to_string()).or(outcome.reason),
    }
}

/// The check's status and reason from its segments; `Err` when it cannot be decided.
fn summarise(
    segments: &[SegmentOutcome],
    column: &str,
) -> Result<(Status, Option<String>), SegmentError> {
    let with = |status| segments.iter().filter(move |s| s.status == status);
    // The first segment of a status, with how many more share it.
    let first = |status| {
        with(status).next().map(|s| SegmentError::First {
            column: column.to_string(),
            value: s.value.clone(),
            reason: s.reason.clone().unwrap_or_else(|| "no reason given".into()),
            more: with(status).count() - 1,
        })
    };
    if let Some(errored) = first(SegmentStatus::Error) {
        return Err(errored);
    }
    if with(SegmentStatus::Pass).count() + with(SegmentStatus::Fail).count() == 0 {
        return Err(SegmentError::NoneEvaluated {
            column: column.to_string(),
            skipped: segments.len(),
        });
    }
    match first(SegmentStatus::Fail) {
        Some(failed) => Ok((Status::Fail, Some(failed.to_string()))),
        None => Ok((Status::Pass, None)),
    }
}
