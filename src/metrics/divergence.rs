//! Kullback-Leibler, Jensen-Shannon and normed Wasserstein drift, as Evidently 0.7.23 defines
//! them (`evidently.legacy.calculations.stattests.{kl_div, jensenshannon,
//! wasserstein_distance_norm}`), with scipy 1.17 doing the arithmetic.
//!
//! Takes the reference and current values and returns one number:
//! - `kl`: `scipy.stats.entropy(ref%, cur%)` on the zero-filled percents of
//!   [`super::binning`]; entropy renormalises both vectors to sum to one;
//! - `js`: `scipy.spatial.distance.jensenshannon(ref%, cur%)` (natural log) on the percents
//!   without zero fill;
//! - `wasserstein`: `scipy.stats.wasserstein_distance(ref, cur) / max(std(ref), 0.001)`, the
//!   population standard deviation (ddof 0) as pandas computes it.
//!
//! Undefined when either sample has no finite value; NaN and ±inf are dropped first.

use super::MetricResult;
use super::binning::{Bins, Buckets, ZeroFill, numeric_buckets};
use super::pairwise_sum::{pairwise_sum, pairwise_sum_of};
use super::sample::Sample;
use super::two_sample::{finite_pair, into_sorted, sorted_finite_pair};

use super::kernel::{Compared, Kernel, TwoSample};

pub const KL: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, params| {
        let buckets = numeric_buckets(reference, current, params.bins)?;
        kl_from_buckets(&buckets).map(|v| Compared::distance(v).over(&buckets))
    },
    categories: Some(|buckets| {
        kl_from_buckets(buckets).map(|v| Compared::distance(v).over(buckets))
    }),
});
pub const JS: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, params| {
        let buckets = numeric_buckets(reference, current, params.bins)?;
        js_from_buckets(&buckets).map(|v| Compared::distance(v).over(&buckets))
    },
    categories: Some(|buckets| {
        js_from_buckets(buckets).map(|v| Compared::distance(v).over(buckets))
    }),
});
pub const WASSERSTEIN: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, _| {
        wasserstein(&reference.contiguous(), &current.contiguous()).map(Compared::distance)
    },
    categories: None,
});

/// Evidently's floor on the reference spread, so a constant reference does not divide by zero.
const MIN_NORM: f64 = 0.001;

/// Kullback-Leibler divergence of the current buckets from the reference buckets.
pub fn kl(reference: &[f64], current: &[f64], bins: Bins) -> MetricResult<f64> {
    kl_from_buckets(&numeric_buckets(
        Sample::One(reference),
        Sample::One(current),
        bins,
    )?)
}

/// Jensen-Shannon distance (the square root of the divergence) between the two bucketings.
pub fn js(reference: &[f64], current: &[f64], bins: Bins) -> MetricResult<f64> {
    js_from_buckets(&numeric_buckets(
        Sample::One(reference),
        Sample::One(current),
        bins,
    )?)
}

/// `kl` of already bucketed samples (shared with categorical columns).
pub fn kl_from_buckets(buckets: &Buckets) -> MetricResult<f64> {
    let percents = buckets.percents(ZeroFill::Evidently)?;
    let p = normalised(&percents.reference);
    let q = normalised(&percents.current);
    let terms: Vec<f64> = p.iter().zip(&q).map(|(&p, &q)| rel_entr(p, q)).collect();
    Ok(pairwise_sum(&terms))
}

/// `js` of already bucketed samples (shared with categorical columns).
pub fn js_from_buckets(buckets: &Buckets) -> MetricResult<f64> {
    let percents = buckets.percents(ZeroFill::Keep)?;
    let p = normalised(&percents.reference);
    let q = normalised(&percents.current);
    let m: Vec<f64> = p.iter().zip(&q).map(|(&p, &q)| (p + q) / 2.0).collect();
    let left: Vec<f64> = p.iter().zip(&m).map(|(&p, &m)| rel_entr(p, m)).collect();
    let right: Vec<f64> = q.iter().zip(&m).map(|(&q, &m)| rel_entr(q, m)).collect();
    let divergence = pairwise_sum(&left) + pairwise_sum(&right);
    // Nearly identical inputs can round the divergence a hair below zero, where scipy's square
    // root gives NaN; the distance there is zero.
    Ok((divergence / 2.0).max(0.0).sqrt())
}

/// `v / sum(v)`, as scipy normalises probability vectors.
fn normalised(values: &[f64]) -> Vec<f64> {
    let total = pairwise_sum(values);
    values.iter().map(|v| v / total).collect()
}

/// `scipy.special.rel_entr`: `x ln(x / y)`, 0 where `x` is 0, infinite where only `y` is.
fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// Wasserstein-1 distance between the samples, divided by the reference's standard deviation
/// (at least 0.001).
pub fn wasserstein(reference: &[f64], current: &[f64]) -> MetricResult<f64> {
    let pair = finite_pair(reference, current)?;
    let norm = population_std(&pair.reference).max(MIN_NORM);
    let reference = into_sorted(pair.reference);
    let current = into_sorted(pair.current);
    Ok(wasserstein_distance(&reference, &current) / norm)
}

/// [`wasserstein`] on samples already in ascending order (non-finite values may only sit at the
/// ends, where sorting puts them); saves two sorts.
pub fn wasserstein_sorted(reference: &[f64], current: &[f64]) -> MetricResult<f64> {
    let (reference, current) = sorted_finite_pair(reference, current)?;
    let norm = population_std(reference).max(MIN_NORM);
    Ok(wasserstein_distance(reference, current) / norm)
}

/// pandas' `Series.std(ddof=0)`: two passes, each summed in numpy's order.
fn population_std(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = pairwise_sum(values) / n;
    let squares = pairwise_sum_of(values.len(), |i| {
        let d = mean - values[i];
        d * d
    });
    (squares / n).sqrt()
}

/// `scipy.stats.wasserstein_distance` of two ascending, non-empty samples: the area between
/// the two empirical CDFs (see [`cdf_gap_integral`]).
fn wasserstein_distance(u: &[f64], v: &[f64]) -> f64 {
    cdf_gap_integral(u, v, f64::abs)
}

/// scipy's `_cdf_distance` before its root, of two ascending, non-empty samples:
/// `sum gap(F_u(x_k) - F_v(x_k)) * (x_{k+1} - x_k)` over the merged values (`gap` is `abs` for
/// Wasserstein, the square for the energy distance). One merge pass; tied values add zero-width
/// terms, which are skipped. scipy sums with a BLAS dot product whose order cannot be
/// reproduced, so the sum is compensated instead.
pub(crate) fn cdf_gap_integral(u: &[f64], v: &[f64], gap: fn(f64) -> f64) -> f64 {
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut i, mut j) = (0, 0);
    let mut sum = CompensatedSum::default();
    let mut previous: Option<f64> = None;
    while i < u.len() || j < v.len() {
        let x = match (u.get(i), v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        if let Some(prev) = previous {
            // The CDFs still hold their values at `prev`: `i` and `j` count the values ≤ prev.
            sum.add(gap(i as f64 / nu - j as f64 / nv) * (x - prev));
        }
        while u.get(i).is_some_and(|&a| a <= x) {
            i += 1;
        }
        while v.get(j).is_some_and(|&b| b <= x) {
            j += 1;
        }
        previous = Some(x);
    }
    sum.total()
}

/// Neumaier's compensated summation: the error stays near one rounding whatever the count.
#[derive(Default)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn add(&mut self, value: f64) {
        let t = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - t) + value;
        } else {
            self.compensation += (value - t) + self.sum;
        }
        self.sum = t;
    }

    fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasserstein_of_a_shift_is_the_shift() {
        let a = [0.0, 1.0, 2.0, 3.0];
        let b = [1.0, 2.0, 3.0, 4.0];
        let std = population_std(&a);
        assert_eq!(wasserstein(&a, &b), Ok(1.0 / std));
    }

    #[test]
    fn identical_samples_are_zero_apart() {
        let a: Vec<f64> = (0..50).map(|i| f64::from(i) * 0.5).collect();
        assert_eq!(kl(&a, &a, Bins::Evidently), Ok(0.0));
        assert_eq!(js(&a, &a, Bins::Evidently), Ok(0.0));
    }
}
