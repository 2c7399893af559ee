//! Summaries of one numeric column (quantiles, mean, min, max, sum, std, count) and the rate of
//! a row predicate.
//!
//! Takes a `&[f64]` column (or a `&[bool]` mask for `rate`) and returns the value, or why it is
//! undefined: no rows, a NaN or ±inf among them, a quantile level outside [0, 1]. Each matches
//! NumPy: `quantile`/`percentile` with method `linear`, `mean`, `min`, `max`, `sum`, and `std`
//! with ddof 0. Never reorders the caller's slice; `quantile` selects on a copy.

use super::pairwise_sum::pairwise_sum;
use super::{MetricResult, Undefined, input};

/// The q-quantile as NumPy's `quantile(values, q, method="linear")`; `p99` is `q = 0.99`.
///
/// Runs in linear time: one selection on a copy, then a scan for the next order statistic, so a
/// single quantile of 10M rows never pays for a full sort. Callers wanting several quantiles of
/// one column should sort once and use [`quantile_sorted`].
pub fn quantile(values: &[f64], q: f64) -> MetricResult<f64> {
    level(q)?;
    input::non_empty(values.len())?;
    input::all_finite(&[values])?;
    let (index, weight) = position(values.len(), q);
    let mut copy = values.to_vec();
    let (_, below, above) = copy.select_nth_unstable_by(index, f64::total_cmp);
    let below = *below;
    if weight == 0.0 {
        return Ok(below);
    }
    // Everything right of the selected element is at least as large, so its minimum is the next
    // order statistic; with nothing there NumPy clamps to the last element, which is `below`.
    let next = above
        .iter()
        .copied()
        .min_by(f64::total_cmp)
        .unwrap_or(below);
    Ok(lerp(below, next, weight))
}

/// The same as [`quantile`] on values already sorted ascending, as by
/// `sort_unstable_by(f64::total_cmp)`; the caller pays for one sort however many levels it asks.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> MetricResult<f64> {
    level(q)?;
    input::non_empty(sorted.len())?;
    input::all_finite(&[sorted])?;
    let (index, weight) = position(sorted.len(), q);
    let Some(&below) = sorted.get(index) else {
        return Err(Undefined::Empty);
    };
    let next = sorted.get(index + 1).copied().unwrap_or(below);
    Ok(lerp(below, next, weight))
}

pub fn mean(values: &[f64]) -> MetricResult<f64> {
    finite_rows(values)?;
    Ok(input::mean_of(values.len(), |i| values[i]))
}

pub fn min(values: &[f64]) -> MetricResult<f64> {
    finite_rows(values)?;
    Ok(values.iter().copied().fold(f64::INFINITY, f64::min))
}

pub fn max(values: &[f64]) -> MetricResult<f64> {
    finite_rows(values)?;
    Ok(values.iter().copied().fold(f64::NEG_INFINITY, f64::max))
}

/// The sum; undefined on no rows (NumPy says 0) because a gate on the sum of nothing is almost
/// always a slice that failed to load.
pub fn sum(values: &[f64]) -> MetricResult<f64> {
    finite_rows(values)?;
    Ok(pairwise_sum(values))
}

/// The population standard deviation (ddof 0), computed in two passes as NumPy does: squaring
/// deviations from the mean avoids the cancellation of the one-pass `E[x²] - E[x]²`.
pub fn std(values: &[f64]) -> MetricResult<f64> {
    finite_rows(values)?;
    let n = values.len();
    let mean = input::mean_of(n, |i| values[i]);
    let variance = input::mean_of(n, |i| (values[i] - mean) * (values[i] - mean));
    Ok(variance.sqrt())
}

/// Rows that are not null (NaN); ±inf counts as a value. Defined on no rows: the count is 0.
pub fn count(values: &[f64]) -> usize {
    values.iter().filter(|v| !v.is_nan()).count()
}

/// The share of rows where a predicate holds.
pub fn rate(mask: &[bool]) -> MetricResult<f64> {
    input::non_empty(mask.len())?;
    let hits = mask.iter().filter(|&&m| m).count();
    Ok(hits as f64 / mask.len() as f64)
}

fn finite_rows(values: &[f64]) -> MetricResult<()> {
    input::non_empty(values.len())?;
    input::all_finite(&[values])
}

fn level(q: f64) -> MetricResult<()> {
    if (0.0..=1.0).contains(&q) {
        Ok(())
    } else {
        Err(Undefined::OutOfRange {
            what: format!("the quantile level `{q}` is outside [0, 1]"),
        })
    }
}

/// NumPy's virtual index `(n - 1) * q`, split into the lower order statistic and the weight of
/// the next one. Both are computed exactly as NumPy does so the interpolation rounds the same.
fn position(len: usize, q: f64) -> (usize, f64) {
    let last = len.saturating_sub(1);
    let virtual_index = last as f64 * q;
    let lower = virtual_index.floor();
    // `q <= 1` keeps the index in bounds; the `min` only guards against a future caller.
    ((lower as usize).min(last), virtual_index - lower)
}

/// NumPy's `_lerp`: interpolates from the nearer end so that weight 1 returns `b` exactly.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}
