//! Runs checked plans on loaded slices and compares each value with its bound.
//!
//! Pure given the slices: no clock, no network, no environment. Every check ends `pass`, `fail`,
//! `error` (the metric could not be computed, with the reason) or `warn` (a non-blocking check
//! that did not pass); a gate passes only when no blocking check failed or errored.

pub mod compare;
mod compute;
mod confidence;
mod error;
mod per_column;
mod segments;

use serde::Serialize;

pub use crate::engine::local::Values;
pub use confidence::Confidence;
pub use error::{BoundError, EvalError, SegmentError};
pub use per_column::evaluate_drift;
pub use segments::{DEFAULT_MIN_SEGMENT_ROWS, SegmentOutcome, SegmentStatus};

use crate::engine::{Columns, Table};
use crate::metrics::registry::Sample;
use crate::plan::{CheckPlan, GatePlan, Severity};
use crate::stats::bootstrap::BootstrapOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceRef {
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    pub id: String,
    pub source: SourceRef,
    pub metric: String,
    pub by: Option<String>,
    /// The metric on the slice under test (challenger, canary, current).
    pub challenger: Option<f64>,
    /// The same metric on the baseline slice, when the bound uses it.
    pub champion: Option<f64>,
    pub threshold: Option<f64>,
    pub op: &'static str,
    /// The one-sided confidence bound of an `at` check on the tested value: `[lower, null]`
    /// for `>`/`>=`, `[null, upper]` for `<`/`<=`.
    pub ci: Option<[Option<f64>; 2]>,
    pub status: Status,
    pub severity: &'static str,
    pub reason: Option<String>,
    /// The column a drift check tested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The p-value of a test that has one (ks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Rows used on each side of a two-sample comparison (baseline, tested).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<[usize; 2]>,
    /// Drift checks: whether the column drifted (its check did not hold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drifted: Option<bool>,
    /// `at` checks: the method, estimate and bound behind `ci`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// `by` checks: every segment, evaluated or skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<SegmentOutcome>>,
}

/// The verdict of a list of outcomes: any blocking error → error, else any blocking fail → fail.
pub fn verdict_of(outcomes: &[CheckOutcome]) -> Verdict {
    if outcomes.iter().any(|o| o.status == Status::Error) {
        Verdict::Error
    } else if outcomes.iter().any(|o| o.status == Status::Fail) {
        Verdict::Fail
    } else {
        Verdict::Pass
    }
}

/// The slices a gate compares: the one under test, its baseline, and any other named slice.
pub struct GateInputs<'a, T: Table> {
    pub tested: &'a T,
    pub baseline: &'a T,
    pub others: &'a [T],
    pub drop_nulls: bool,
    /// The slices are joined row for row (`join on`): comparisons are paired.
    pub paired: bool,
    /// Resamples and seed of `at` bounds on metrics other than AUROC.
    pub bootstrap: BootstrapOptions,
    /// `by` segments with fewer rows on either side are skipped.
    pub min_segment_rows: u64,
}

/// Checks run in parallel: each is independent, and column conversions are shared.
pub fn evaluate_gate<T: Table>(gate: &GatePlan, inputs: &GateInputs<'_, T>) -> Vec<CheckOutcome> {
    use rayon::prelude::*;
    gate.checks
        .par_iter()
        .enumerate()
        .map(|(i, check)| evaluate_check(&format!("{}.{}", gate.name, i + 1), check, inputs))
        .collect()
}

pub fn evaluate_check<T: Table>(
    id: &str,
    check: &CheckPlan,
    inputs: &GateInputs<'_, T>,
) -> CheckOutcome {
    let mut outcome = blank_outcome(id.to_string(), check);
    let measured = match &check.by {
        Some(column) => segments::measure_segments(check, column, inputs, &mut outcome),
        None => measure(check, inputs, &mut outcome),
    };
    match measured {
        Ok(()) => {}
        Err(reason) => outcome.reason = Some(reason.to_string()),
    }
    if check.severity == Severity::Warn && outcome.status != Status::Pass {
        outcome.status = Status::Warn;
    }
    outcome
}

/// A check's outcome before it is measured: an error until something decides it.
fn blank_outcome(id: String, check: &CheckPlan) -> CheckOutcome {
    CheckOutcome {
        id,
        source: SourceRef {
            text: check.source.clone(),
            line: check.line,
        },
        metric: check.metric.name.clone(),
        by: check.by.clone(),
        challenger: None,
        champion: None,
        threshold: None,
        op: check.op.symbol(),
        ci: None,
        status: Status::Error,
        severity: match check.severity {
            Severity::Block => "block",
            Severity::Warn => "warn",
        },
        reason: None,
        column: None,
        p_value: None,
        rows: None,
        drifted: None,
        confidence: None,
        segments: None,
    }
}

/// Fills values, threshold and status; an `Err` is the reason the check could not be decided.
fn measure<T: Table>(
    check: &CheckPlan,
    inputs: &GateInputs<'_, T>,
    outcome: &mut CheckOutcome,
) -> Result<(), EvalError> {
    let spec = compute::spec_of(&check.metric)?;
    // The columns a one-sample metric read on each side, for its confidence bound.
    let mut read: Option<(Columns, Option<Columns>)> = None;
    let value = if spec.sample == Sample::Two {
        let reference = match &check.metric.against {
            Some(name) => inputs
                .others
                .iter()
                .find(|v| v.name() == name)
                .ok_or_else(|| EvalError::NotLoaded {
                    slice: name.clone(),
                })?,
            None => inputs.baseline,
        };
        let compared = compute::two_sample(&check.metric, reference, inputs.tested)?;
        outcome.p_value = compared.p_value;
        outcome.rows = Some(compared.rows);
        outcome.challenger = Some(compared.value);
        compared.value
    } else {
        // Both sides at once: an AUROC sorts ten million scores on each.
        let on = |table: &T| {
            compute::one_sample(&check.metric, table, inputs.drop_nulls).map_err(|e| {
                EvalError::On {
                    slice: table.name().to_string(),
                    source: Box::new(e),
                }
            })
        };
        let (tested, baseline) = rayon::join(
            || on(inputs.tested),
            || check.bound.uses_baseline().then(|| on(inputs.baseline)),
        );
        let (tested, value) = tested?;
        // The challenger's value is reported even when the champion's cannot be computed.
        outcome.challenger = Some(value);
        let baseline = baseline.transpose()?;
        outcome.champion = baseline.as_ref().map(|(_, v)| *v);
        read = Some((tested, baseline.map(|(columns, _)| columns)));
        value
    };
    let baseline = outcome.champion.unwrap_or(f64::NAN);
    let threshold = check.bound.value(baseline);
    outcome.threshold = Some(threshold);
    if !value.is_finite() || !threshold.is_finite() {
        return Err(EvalError::Comparison {
            value,
            op: check.op.symbol(),
            threshold,
        });
    }
    let (compared, qualifier) = match check.confidence {
        Some(level) => {
            let (tested, baseline) = read.as_ref().ok_or(BoundError::TwoSample)?;
            let bounded =
                confidence::bound(check, inputs, (tested, baseline.as_ref()), value, level)?;
            outcome.ci = Some(if bounded.lower {
                [Some(bounded.value), None]
            } else {
                [None, Some(bounded.value)]
            });
            outcome.p_value = bounded.p_value.or(outcome.p_value);
            outcome.confidence = Some(bounded.confidence);
            let side = if bounded.lower { "lower" } else { "upper" };
            let qualifier = format!(" ({}% {side} bound; value {})", level * 100.0, short(value));
            (bounded.value, qualifier)
        }
        None => (value, String::new()),
    };
    let passed = compare::holds(compared, check.op, threshold);
    outcome.status = if passed { Status::Pass } else { Status::Fail };
    if !passed {
        outcome.reason = Some(format!(
            "{}{} = {}{qualifier} is not {} {}",
            check.metric.name,
            check
                .metric
                .field
                .as_ref()
                .map(|f| format!(".{f}"))
                .unwrap_or_default(),
            short(compared),
            check.op.symbol(),
            short(threshold)
        ));
    }
    Ok(())
}

/// A value for messages: enough digits to see why a boundary was missed.
pub fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-4) {
        format!("{v:.6e}")
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
