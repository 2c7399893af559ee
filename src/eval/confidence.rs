//! `at 95%`: a check decided on a one-sided confidence bound instead of the point value.
//!
//! A check `metric op w · baseline + b at C` holds when the C-level bound of the contrast
//! `D = metric(tested) − w · metric(baseline)` stays on the passing side of `b`: the lower bound
//! for `>`/`>=`, the upper bound for `<`/`<=`. AUROC against `champion ± b` (w = 1) or a constant
//! uses DeLong's variance, paired when the policy joins the slices; every other metric, and AUROC
//! with another weight, a seeded percentile bootstrap (paired and stratified by label where that
//! applies). The report shows the tested value moved by the bound's distance from the estimate,
//! compared with the usual threshold, so a reader sees "0.853 (95% lower bound) >= 0.850".

use serde::Serialize;

use super::compute;
use super::{BoundError, EvalError, GateInputs, compare};
use crate::ast::CmpOp;
use crate::engine::{Columns, Table};
use crate::metrics::registry::BoundMethod;
use crate::plan::{Bound, CheckPlan};
use crate::stats::bootstrap::{self, BootstrapDifference, Percentiles};
use crate::stats::{delong, normal};

/// How a check's confidence bound was obtained, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Confidence {
    pub level: f64,
    /// `delong-paired`, `delong-unpaired`, `delong` (one slice), `bootstrap-paired`, `bootstrap`.
    pub method: &'static str,
    /// The contrast `tested − w · baseline` (or the tested value against a constant).
    pub estimate: f64,
    /// Its one-sided bound at `level`, the number the check compares.
    pub bound: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resamples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// The result of a bounded comparison: the conservative tested value and how it was found.
pub struct Bounded {
    /// The tested value moved to its bound: what the check compares with its threshold.
    pub value: f64,
    pub lower: bool,
    pub p_value: Option<f64>,
    pub confidence: Confidence,
}

/// The bound of `check` at `level`, from the columns its metric read on the tested slice and,
/// when the bound uses it, the baseline slice.
pub fn bound<T: Table>(
    check: &CheckPlan,
    inputs: &GateInputs<'_, T>,
    (tested, baseline): (&Columns, Option<&Columns>),
    tested_value: f64,
    level: f64,
) -> Result<Bounded, EvalError> {
    let lower = match check.op {
        CmpOp::Ge | CmpOp::Gt => true,
        CmpOp::Le | CmpOp::Lt => false,
        CmpOp::Eq | CmpOp::Ne => {
            return Err(BoundError::NotOneSided {
                op: check.op.symbol(),
            }
            .into());
        }
    };
    let weight = baseline_weight(&check.bound)?;
    let call = &check.metric;
    // `baseline_weight` is 0 exactly when the bound does not use the baseline.
    let baseline = baseline.filter(|_| weight != 0.0);
    // Rows are paired only when the join aligned them and no side dropped a row of its own
    // (`drop nulls` drops per side, which would shift one side against the other).
    let aligned = |columns: &Columns, table: &T| columns.len() == table.rows();
    let joined = inputs.paired
        && aligned(tested, inputs.tested)
        && baseline.is_some_and(|b| aligned(b, inputs.baseline));
    let z = normal::quantile(level);
    let side = |estimate: f64, std_error: f64| {
        if lower {
            estimate - z * std_error
        } else {
            estimate + z * std_error
        }
    };
    let bound_method = compute::spec_of(call)?.bound;
    let (estimate, bound, p_value, method, resampled) = match (baseline, bound_method) {
        (None, BoundMethod::DeLong) => {
            let (label, score) = labelled(tested)?;
            let v = delong::auroc_variance(label, score).map_err(BoundError::Variance)?;
            // Perfect separation has no sampling error to bound; it is not certainty.
            if v.variance <= 0.0 {
                return Err(BoundError::ZeroVariance.into());
            }
            let se = v.variance.sqrt();
            (v.auc, side(v.auc, se), None, "delong", false)
        }
        (Some(baseline), BoundMethod::DeLong) if weight == 1.0 => {
            let (label, score) = labelled(tested)?;
            let (baseline_label, baseline_score) = labelled(baseline)?;
            let paired = joined && label == baseline_label;
            let comparison = if paired {
                delong::delong_paired(label, score, baseline_score)
            } else {
                delong::delong_unpaired(
                    delong::Scored { label, score },
                    delong::Scored {
                        label: baseline_label,
                        score: baseline_score,
                    },
                )
            }
            .map_err(BoundError::DeLong)?;
            let method = if paired {
                "delong-paired"
            } else {
                "delong-unpaired"
            };
            (
                comparison.difference,
                side(comparison.difference, comparison.std_error),
                Some(comparison.p_value),
                method,
                false,
            )
        }
        (None, _) => {
            let rows = tested.rows()?;
            let b =
                bootstrap::bootstrap_metric(&rows, |r| compute::metric(call, r), &inputs.bootstrap)
                    .map_err(BoundError::Bootstrap)?;
            let bound = resampled_bound(&b, lower, level)?;
            (b.estimate, bound, None, "bootstrap", true)
        }
        (Some(baseline), _) => {
            let contrast = contrast(call, tested, baseline, weight, joined, inputs)?;
            let bound = resampled_bound(&contrast.0, lower, level)?;
            (contrast.0.difference, bound, None, contrast.1, true)
        }
    };
    if !bound.is_finite() {
        return Err(BoundError::Undefined(bound).into());
    }
    // A bound on the lenient side of its own estimate is no bound (too few resamples, or a
    // skewed bootstrap): it never lets a check pass that the estimate alone would block.
    let bound = if lower {
        bound.min(estimate)
    } else {
        bound.max(estimate)
    };
    Ok(Bounded {
        value: tested_value - (estimate - bound),
        lower,
        p_value,
        confidence: Confidence {
            level,
            method,
            estimate,
            bound,
            resamples: resampled.then_some(inputs.bootstrap.resamples),
            seed: resampled.then_some(inputs.bootstrap.seed),
        },
    })
}

/// The bootstrap of `tested − weight · baseline`, paired when the slices are joined row for
/// row (same length).
fn contrast<T: Table>(
    call: &crate::plan::MetricCall,
    tested: &Columns,
    baseline: &Columns,
    weight: f64,
    joined: bool,
    inputs: &GateInputs<'_, T>,
) -> Result<(BootstrapDifference, &'static str), EvalError> {
    let (t, b) = (tested.rows()?, baseline.rows()?);
    let paired = joined && t.len() == b.len() && tested.label() == baseline.label();
    let options = bootstrap::BootstrapOptions {
        paired,
        ..inputs.bootstrap
    };
    let result =
        bootstrap::bootstrap_contrast(&t, &b, weight, |r| compute::metric(call, r), &options)
            .map_err(BoundError::Bootstrap)?;
    Ok((
        result,
        if paired {
            "bootstrap-paired"
        } else {
            "bootstrap"
        },
    ))
}

/// The bootstrap bound at `level`; refused with too few resamples beyond it to place it (ten
/// in the tail), or when every replicate is the same value (no spread was measured, which is
/// not certainty).
fn resampled_bound(
    replicates: &impl Percentiles,
    lower: bool,
    level: f64,
) -> Result<f64, BoundError> {
    let values = replicates.replicates();
    let needed = (10.0 / (1.0 - level)).ceil() as usize;
    if values.len() < needed {
        return Err(BoundError::TooFewResamples {
            resamples: values.len(),
            percent: level * 100.0,
            needed,
        });
    }
    if values.first() == values.last() {
        return Err(BoundError::NoSpread);
    }
    Ok(if lower {
        replicates.lower_bound(level)
    } else {
        replicates.upper_bound(level)
    })
}

fn labelled(columns: &Columns) -> Result<(&[bool], &[f64]), BoundError> {
    let label = columns.label().ok_or(BoundError::NoLabel)?;
    Ok((label, columns.float(0)))
}

/// `w` in a bound `w · baseline + b`; 0 for a constant bound. Bounds that are not linear in the
/// baseline (`1 / champion`) have no contrast to bound.
fn baseline_weight(bound: &Bound) -> Result<f64, BoundError> {
    if !bound.uses_baseline() {
        return Ok(0.0);
    }
    let offset = bound.value(0.0);
    let weight = bound.value(1.0) - offset;
    let linear = [2.0, -3.0, 10.0]
        .iter()
        .all(|&x| compare::nearly_equal(bound.value(x), weight * x + offset));
    // `champion + 0.005` gives a weight of 0.9999999999999999: it is a difference.
    let weight = if compare::nearly_equal(weight, 1.0) {
        1.0
    } else {
        weight
    };
    if !linear || !weight.is_finite() || !offset.is_finite() || weight == 0.0 {
        return Err(BoundError::NotLinear);
    }
    Ok(weight)
}
