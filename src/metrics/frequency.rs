//! Tests on category frequencies, as Evidently 0.7.23 runs them
//! (`evidently.legacy.calculations.stattests.{chisquare_stattest, z_stattest}`), with scipy 1.17
//! doing the arithmetic. Both return a p-value: a small one means the current categories are
//! not distributed like the reference's.
//!
//! Takes the per-category counts of both samples ([`Buckets`], one bucket per category of the
//! union in ascending order; see [`super::binning`]):
//! - `chisquare`: `scipy.stats.chisquare(f_obs, f_exp)` with the current counts observed and
//!   the reference counts scaled by `n_current / n_reference` expected; `k − 1` degrees of
//!   freedom. A category absent from the reference expects 0 rows, so the statistic is
//!   infinite and the p-value 0; a single category leaves no degree of freedom (undefined).
//! - `z`: the two-proportion z-test of "not the first category" (the smallest value, as
//!   Evidently sorts the union), pooled variance, p-value `2 · (1 − Φ(|z|))`; 1 when both
//!   samples hold one and the same category.

use super::binning::{Buckets, category_buckets};
use super::pairwise_sum::pairwise_sum;
use super::{MetricResult, Undefined};
use crate::stats::{chi2, normal};

use super::kernel::{Compared, Kernel, TwoSample};

pub const CHISQUARE: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, _| {
        chisquare(&reference.contiguous(), &current.contiguous()).map(Compared::p_value)
    },
    categories: Some(|buckets| {
        chisquare_from_buckets(buckets).map(|p| Compared::p_value(p).over(buckets))
    }),
});
pub const Z: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, _| {
        z(&reference.contiguous(), &current.contiguous()).map(Compared::p_value)
    },
    categories: Some(|buckets| z_from_buckets(buckets).map(|p| Compared::p_value(p).over(buckets))),
});

/// p-value of Evidently's chi-square test of two numeric samples' values as categories.
pub fn chisquare(reference: &[f64], current: &[f64]) -> MetricResult<f64> {
    chisquare_from_buckets(&category_buckets(reference, current)?)
}

/// p-value of Evidently's two-proportion z-test of two numeric samples' values as categories.
pub fn z(reference: &[f64], current: &[f64]) -> MetricResult<f64> {
    z_from_buckets(&category_buckets(reference, current)?)
}

pub fn chisquare_from_buckets(buckets: &Buckets) -> MetricResult<f64> {
    let (n_ref, n_cur) = totals(buckets)?;
    if buckets.reference.len() < 2 {
        return Err(Undefined::OutOfRange {
            what: "both samples hold a single category, which leaves the chi-square test no \
                   degree of freedom"
                .to_string(),
        });
    }
    let k_norm = n_cur as f64 / n_ref as f64;
    let terms: Vec<f64> = buckets
        .reference
        .iter()
        .zip(&buckets.current)
        .map(|(&r, &c)| {
            let expected = r as f64 * k_norm;
            let d = c as f64 - expected;
            d * d / expected
        })
        .collect();
    let statistic = pairwise_sum(&terms);
    Ok(chi2::sf(statistic, (terms.len() - 1) as f64))
}

pub fn z_from_buckets(buckets: &Buckets) -> MetricResult<f64> {
    let (n_ref, n_cur) = totals(buckets)?;
    if buckets.reference.len() == 1 {
        return Ok(1.0);
    }
    // Rows outside the first (smallest) category, the "1"s of Evidently's recoding.
    let (ones_ref, ones_cur) = (n_ref - buckets.reference[0], n_cur - buckets.current[0]);
    let (n1, n2) = (n_ref as f64, n_cur as f64);
    let (p1, p2) = (ones_ref as f64 / n1, ones_cur as f64 / n2);
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    // Evidently's `2 * (1 - norm.cdf(|z|))`, rounding included (not the more accurate tail).
    Ok(2.0 * (1.0 - normal::cdf(z.abs())))
}

/// Rows on each side; `Empty` when either has none.
fn totals(buckets: &Buckets) -> MetricResult<(u64, u64)> {
    let n_ref: u64 = buckets.reference.iter().sum();
    let n_cur: u64 = buckets.current.iter().sum();
    if n_ref == 0 || n_cur == 0 {
        return Err(Undefined::Empty);
    }
    Ok((n_ref, n_cur))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Evidently 0.7.23: _z_stat_test(['a', 'a'], ['b', 'b']) and ([0, 1, 1], [1, 1, 1]).
        let both_single = Buckets {
            reference: vec![2, 0],
            current: vec![0, 2],
        };
        let p = z_from_buckets(&both_single).unwrap_or(f64::NAN);
        assert!((p - 0.04550026389635842).abs() < 1e-15, "{p}");
        let p = z(&[0.0, 1.0, 1.0], &[1.0, 1.0, 1.0]).unwrap_or(f64::NAN);
        assert!((p - 0.27332167829229803).abs() < 1e-15, "{p}");
        assert_eq!(z(&[3.0, 3.0], &[3.0]), Ok(1.0));
    }

    #[test]
    fn a_category_new_in_current_is_drift_and_one_category_is_undefined() {
        assert_eq!(chisquare(&[1.0, 2.0, 1.0], &[1.0, 1.0, 3.0]), Ok(0.0));
        assert!(matches!(
            chisquare(&[1.0; 5], &[1.0; 3]),
            Err(Undefined::OutOfRange { .. })
        ));
    }
}
