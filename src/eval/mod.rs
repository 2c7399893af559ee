//! Runs checked plans on loaded slices and compares each value with its bound.
//!
//! Pure given the slices: no clock, no network, no environment. Every check ends `pass`, `fail`,
//! `error` (the metric could not be computed, with the reason) or `warn` (a non-blocking check
//! that did not pass); a gate passes only when no blocking check failed or errored.

pub mod compare;
mod compute;
mod drift;
mod predicate;

use serde::Serialize;

pub use compute::Values;
pub use drift::evaluate_drift;

use crate::metrics::registry::{self, Sample};
use crate::plan::{CheckPlan, GatePlan, Severity};

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
    pub ci: Option<[f64; 2]>,
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
pub struct GateInputs<'a> {
    pub tested: &'a Values<'a>,
    pub baseline: &'a Values<'a>,
    pub others: &'a [Values<'a>],
    pub drop_nulls: bool,
}

/// Checks run in parallel: each is independent, and column conversions are shared.
pub fn evaluate_gate(gate: &GatePlan, inputs: &GateInputs<'_>) -> Vec<CheckOutcome> {
    use rayon::prelude::*;
    gate.checks
        .par_iter()
        .enumerate()
        .map(|(i, check)| evaluate_check(&format!("{}.{}", gate.name, i + 1), check, inputs))
        .collect()
}

pub fn evaluate_check(id: &str, check: &CheckPlan, inputs: &GateInputs<'_>) -> CheckOutcome {
    let mut outcome = CheckOutcome {
        id: id.to_string(),
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
    };
    match measure(check, inputs, &mut outcome) {
        Ok(()) => {}
        Err(reason) => outcome.reason = Some(reason),
    }
    if check.severity == Severity::Warn && outcome.status != Status::Pass {
        outcome.status = Status::Warn;
    }
    outcome
}

/// Fills values, threshold and status; an `Err` is the reason the check could not be decided.
fn measure(
    check: &CheckPlan,
    inputs: &GateInputs<'_>,
    outcome: &mut CheckOutcome,
) -> Result<(), String> {
    if check.by.is_some() {
        return Err(
            "per-segment checks (`by`) are not evaluated by this version; the check blocks".into(),
        );
    }
    if check.confidence.is_some() {
        return Err(
            "confidence bounds (`at`) are not evaluated by this version; the check blocks".into(),
        );
    }
    let spec = registry::METRICS
        .iter()
        .find(|m| m.id == check.metric.id)
        .ok_or_else(|| format!("`{}` has no implementation", check.metric.name))?;
    let value = if spec.sample == Sample::Two {
        let reference = match &check.metric.against {
            Some(name) => inputs
                .others
                .iter()
                .find(|v| v.slice_name() == name)
                .ok_or_else(|| format!("slice `{name}` was not loaded"))?,
            None => inputs.baseline,
        };
        let compared = compute::two_sample(&check.metric, reference, inputs.tested)?;
        outcome.p_value = compared.p_value;
        outcome.rows = Some(compared.rows);
        compared.value
    } else {
        compute::one_sample(&check.metric, inputs.tested, inputs.drop_nulls)
            .map_err(|e| format!("{}: {e}", inputs.tested.slice_name()))?
    };
    outcome.challenger = Some(value);
    let baseline = if check.bound.uses_baseline() {
        let b = compute::one_sample(&check.metric, inputs.baseline, inputs.drop_nulls)
            .map_err(|e| format!("{}: {e}", inputs.baseline.slice_name()))?;
        outcome.champion = Some(b);
        b
    } else {
        f64::NAN
    };
    let threshold = check.bound.value(baseline);
    outcome.threshold = Some(threshold);
    if !value.is_finite() || !threshold.is_finite() {
        return Err(format!(
            "the comparison is undefined ({value} {} {threshold})",
            check.op.symbol()
        ));
    }
    let passed = compare::holds(value, check.op, threshold);
    outcome.status = if passed { Status::Pass } else { Status::Fail };
    if !passed {
        outcome.reason = Some(format!(
            "{}{} = {} is not {} {}",
            check.metric.name,
            check
                .metric
                .field
                .as_ref()
                .map(|f| format!(".{f}"))
                .unwrap_or_default(),
            short(value),
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
