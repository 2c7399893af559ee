//! Population stability index of two samples, as Evidently 0.7.23 computes it
//! (`evidently.legacy.calculations.stattests.psi`).
//!
//! Takes the reference and current values (or their [`Buckets`]) and returns
//! `sum((ref% - cur%) * ln(ref% / cur%))` over the buckets of [`super::binning`], after
//! Evidently's zero fill and without renormalising. Undefined when either sample has no finite
//! value.

use super::MetricResult;
use super::binning::{Bins, Buckets, ZeroFill, numeric_buckets};
use super::pairwise_sum::pairwise_sum;
use super::sample::Sample;

use super::kernel::{Compared, Kernel, TwoSample};

pub const PSI: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, params| {
        let buckets = numeric_buckets(reference, current, params.bins)?;
        psi_from_buckets(&buckets).map(|v| Compared::distance(v).over(&buckets))
    },
    categories: Some(|buckets| {
        psi_from_buckets(buckets).map(|v| Compared::distance(v).over(buckets))
    }),
});

/// PSI of `current` against `reference`, bucketed by `bins`.
pub fn psi(reference: &[f64], current: &[f64], bins: Bins) -> MetricResult<f64> {
    psi_from_buckets(&numeric_buckets(
        Sample::One(reference),
        Sample::One(current),
        bins,
    )?)
}

/// PSI of already bucketed samples (shared with categorical columns).
pub fn psi_from_buckets(buckets: &Buckets) -> MetricResult<f64> {
    let percents = buckets.percents(ZeroFill::Evidently)?;
    let terms: Vec<f64> = percents
        .reference
        .iter()
        .zip(&percents.current)
        .map(|(&r, &c)| (r - c) * (r / c).ln())
        .collect();
    Ok(pairwise_sum(&terms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Undefined;

    #[test]
    fn identical_samples_have_zero_psi() {
        let a: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(psi(&a, &a, Bins::Evidently), Ok(0.0));
    }

    #[test]
    fn empty_side_is_undefined() {
        assert_eq!(psi(&[], &[1.0], Bins::Evidently), Err(Undefined::Empty));
        assert_eq!(
            psi(&[1.0], &[f64::INFINITY], Bins::Evidently),
            Err(Undefined::Empty)
        );
    }

    #[test]
    fn zero_quantile_bins_are_undefined() {
        let r = psi(&[1.0, 2.0], &[1.0], Bins::Quantile(0));
        assert!(matches!(r, Err(Undefined::OutOfRange { .. })));
        assert_eq!(psi(&[1.0, 2.0], &[1.0, 2.0], Bins::Quantile(1)), Ok(0.0));
    }
}
