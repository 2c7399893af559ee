//! Regression quality from a numeric target and a prediction: RMSE, MAE and R².
//!
//! Takes `target: &[f64]` and `prediction: &[f64]` of the same length and returns the value, or
//! why it is undefined: no rows, a NaN or ±inf in either column, or (for R²) a constant target.
//! Each matches scikit-learn 1.9 (`root_mean_squared_error`, `mean_absolute_error`,
//! `r2_score`). Never modifies its inputs.

use super::pairwise_sum::pairwise_sum_of;
use super::{MetricResult, Undefined, input};

/// Root mean squared error, as `sklearn.metrics.root_mean_squared_error`.
pub fn rmse(target: &[f64], prediction: &[f64]) -> MetricResult<f64> {
    checked(target, prediction)?;
    let n = target.len();
    Ok(input::mean_of(n, |i| squared_error(target[i], prediction[i])).sqrt())
}

/// Mean absolute error, as `sklearn.metrics.mean_absolute_error`.
pub fn mae(target: &[f64], prediction: &[f64]) -> MetricResult<f64> {
    checked(target, prediction)?;
    Ok(input::mean_of(target.len(), |i| {
        (target[i] - prediction[i]).abs()
    }))
}

/// Coefficient of determination `1 − Σ(y − ŷ)² / Σ(y − ȳ)²`, as `sklearn.metrics.r2_score`.
///
/// Undefined (`ConstantTarget`) when every target is equal, where scikit-learn returns 1.0 for a
/// perfect prediction and 0.0 otherwise: neither says anything about the model. The test is on
/// the values, not on the computed denominator, because the mean of equal values need not equal
/// them in floating point, which would leave a tiny non-zero denominator and a meaningless ratio.
pub fn r2(target: &[f64], prediction: &[f64]) -> MetricResult<f64> {
    checked(target, prediction)?;
    let constant = |values: &[f64]| {
        values
            .split_first()
            .is_none_or(|(first, rest)| rest.iter().all(|y| y == first))
    };
    if constant(target) {
        return Err(Undefined::ConstantTarget);
    }
    let n = target.len();
    let mean = input::mean_of(n, |i| target[i]);
    let total = pairwise_sum_of(n, |i| squared_error(target[i], mean));
    // Distinct targets can still square to zero deviations when they differ by less than the
    // square root of the smallest float; the ratio is as meaningless then.
    if total == 0.0 {
        return Err(Undefined::ConstantTarget);
    }
    let residual = pairwise_sum_of(n, |i| squared_error(target[i], prediction[i]));
    Ok(1.0 - residual / total)
}

fn squared_error(y: f64, p: f64) -> f64 {
    (y - p) * (y - p)
}

/// The checks every regression metric runs first, in the order shared by all families.
fn checked(target: &[f64], prediction: &[f64]) -> MetricResult<()> {
    input::same_length(target.len(), prediction.len())?;
    input::non_empty(target.len())?;
    input::all_finite(&[target, prediction])
}
