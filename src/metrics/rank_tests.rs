//! The Mann-Whitney U test, as Evidently 0.7.23 runs it
//! (`evidently.legacy.calculations.stattests.mann_whitney_urank_stattest`):
//! `scipy.stats.mannwhitneyu(reference, current, alternative="less")` with scipy 1.17's defaults
//! (`method="auto"`, continuity correction).
//!
//! Takes two numeric samples and returns `U₁`, the reference's U statistic (`R₁ − n₁(n₁+1)/2`
//! from average ranks of the pooled samples), and the one-sided p-value `P(U₂' ≥ U₂)`,
//! `U₂ = n₁n₂ − U₁`, by the method scipy picks:
//! - exact when either sample has at most 8 values and no value repeats: the null distribution
//!   of U counted exactly (the coefficients of the Gaussian binomial `[n₁+n₂ choose n₁]_q`, in
//!   128-bit integers), summed from the nearer end as scipy's `_MWU.sf` sums. Counts beyond
//!   128 bits (8 values against a quarter million, where scipy's own count takes hours) are
//!   refused rather than approximated;
//! - otherwise the normal approximation with the tie correction
//!   `σ² = n₁n₂/12 · (n + 1 − Σ(t³ − t) / (n(n − 1)))` and `z = (U₂ − n₁n₂/2 − ½) / σ`,
//!   `p = Φ(−z)`.
//!
//! NaN and ±inf are dropped first. Undefined when every value of both samples is the same:
//! σ is then 0, and scipy's `p = 1` (from `z = −∞`) would read as "no drift" on a column that
//! carries no information.

use super::binning::{Buckets, category_buckets};
use super::kernel::{Compared, Kernel, TwoSample};
use super::{MetricResult, Undefined};
use crate::stats::normal;

pub const MANNW: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, _| mannw(&reference.contiguous(), &current.contiguous()),
    categories: None,
});

/// scipy's `_mwu_choose_method`: exact only while a sample is this small (and nothing ties).
const MAX_EXACT_N: u64 = 8;

/// `scipy.stats.mannwhitneyu(reference, current, alternative="less")`.
pub fn mannw(reference: &[f64], current: &[f64]) -> MetricResult<Compared> {
    let values = category_buckets(reference, current)?;
    if values.reference.len() == 1 {
        return Err(Undefined::OutOfRange {
            what: "every value of both samples is the same, so the U statistic has no variance"
                .to_string(),
        });
    }
    let ranks = Ranks::of(&values);
    let (n1, n2) = (ranks.n1 as f64, ranks.n2 as f64);
    let u1 = ranks.reference_sum - n1 * (n1 + 1.0) / 2.0;
    let u2 = n1 * n2 - u1;
    let exact = (ranks.n1 <= MAX_EXACT_N || ranks.n2 <= MAX_EXACT_N) && !ranks.ties;
    let p = if exact {
        exact_sf(ranks.n1, ranks.n2, u2 as u64)?
    } else {
        asymptotic_sf(u2, n1, n2, ranks.tie_term)
    };
    Ok(Compared {
        statistic: u1,
        p_value: Some(p.clamp(0.0, 1.0)),
        rows: None,
    })
}

/// What the U statistic needs from the pooled ranking.
struct Ranks {
    n1: u64,
    n2: u64,
    /// The reference's sum of average ranks (half-integers, summed exactly).
    reference_sum: f64,
    ties: bool,
    /// `Σ (t³ − t)` over the sizes `t` of the groups of equal values.
    tie_term: f64,
}

impl Ranks {
    /// From the counts per distinct value of the union, in ascending order.
    fn of(values: &Buckets) -> Ranks {
        let mut ranks = Ranks {
            n1: 0,
            n2: 0,
            reference_sum: 0.0,
            ties: false,
            tie_term: 0.0,
        };
        let mut below = 0u64;
        for (&r, &c) in values.reference.iter().zip(&values.current) {
            let t = r + c;
            // The group holds ranks below+1 ..= below+t; each gets their mean.
            let average = below as f64 + (t as f64 + 1.0) / 2.0;
            ranks.reference_sum += r as f64 * average;
            let t = t as f64;
            ranks.tie_term += t * t * t - t;
            ranks.ties |= r + c > 1;
            ranks.n1 += r;
            ranks.n2 += c;
            below += r + c;
        }
        ranks
    }
}

/// scipy's asymptotic p-value (at least two distinct values, so σ > 0).
fn asymptotic_sf(u: f64, n1: f64, n2: f64, tie_term: f64) -> f64 {
    let n = n1 + n2;
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let z = (u - n1 * n2 / 2.0 - 0.5) / sigma;
    normal::cdf(-z)
}

/// `P(U ≥ u)` under the null hypothesis, summed from the nearer end as scipy does: the lower
/// tail `P(U ≤ n₁n₂ − u)` when `u` is in the upper half, else `1 − P(U ≤ u) + P(U = u)`.
fn exact_sf(n1: u64, n2: u64, u: u64) -> MetricResult<f64> {
    let complement = n1 * n2 - u.min(n1 * n2);
    let (k, upper) = if u < complement {
        (u, false)
    } else {
        (complement, true)
    };
    let (small, large) = (n1.min(n2), n1.max(n2));
    let counts = counts_up_to(small, large, k).ok_or_else(|| Undefined::OutOfRange {
        what: format!(
            "the exact Mann-Whitney distribution of {small} against {large} values has counts              beyond 128 bits (scipy would take hours on it)"
        ),
    })?;
    let total = binomial(small + large, small);
    let cumulative: i128 = counts.iter().sum();
    let at_k = counts.last().copied().unwrap_or(0);
    let (cdf, pmf) = (cumulative as f64 / total, at_k as f64 / total);
    Ok(if upper { cdf } else { 1.0 - cdf + pmf })
}

/// `C(n, k)` in `f64`, multiplied and divided in turn as scipy's `special.binom` does for small
/// `k`.
fn binomial(n: u64, k: u64) -> f64 {
    (1..=k).fold(1.0, |c, i| c * (n - k + i) as f64 / i as f64)
}

/// The number of rankings with `U = 0 ..= k`: the first `k + 1` coefficients of the Gaussian
/// binomial `Π_{i=1}^{small} (1 − q^{large+i}) / (1 − q^i)`, multiplying and dividing one factor
/// at a time (each division is a running sum with stride `i`), exactly. `None` when a count,
/// or their sum, leaves `i128`.
fn counts_up_to(small: u64, large: u64, k: u64) -> Option<Vec<i128>> {
    let len = usize::try_from(k).ok()?.checked_add(1)?;
    let mut counts = vec![0i128; len];
    *counts.first_mut()? = 1;
    for i in 1..=small {
        let shift = usize::try_from(large + i).unwrap_or(usize::MAX);
        for u in (shift..len).rev() {
            counts[u] = counts[u].checked_sub(counts[u - shift])?;
        }
        let stride = usize::try_from(i).ok()?;
        for u in stride..len {
            counts[u] = counts[u].checked_add(counts[u - stride])?;
        }
    }
    counts
        .iter()
        .try_fold(0i128, |sum, &c| sum.checked_add(c))?;
    Some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_counts_are_the_gaussian_binomial() {
        // [4 choose 2]_q = 1 + q + 2q² + q³ + q⁴
        assert_eq!(counts_up_to(2, 2, 4), Some(vec![1, 1, 2, 1, 1]));
        assert_eq!(counts_up_to(2, 2, 2), Some(vec![1, 1, 2]));
    }

    #[test]
    fn every_value_equal_is_refused() {
        assert!(mannw(&[1.0; 10], &[1.0; 12]).is_err());
    }
}
