//! Student's two-sample t-test, as Evidently 0.7.23 runs it
//! (`evidently.legacy.calculations.stattests.t_test`): `scipy.stats.ttest_ind(reference,
//! current)` with scipy 1.17's defaults (equal variances, two-sided).
//!
//! Takes two numeric samples and returns `t = (mean_ref − mean_cur) / sqrt(s² (1/n₁ + 1/n₂))`,
//! `s²` the pooled variance with `n₁ + n₂ − 2` degrees of freedom, and its two-sided p-value
//! from [`crate::stats::student_t`]. Means and squared deviations are summed in numpy's
//! pairwise order. NaN and ±inf are dropped first.
//!
//! Undefined where scipy answers NaN, which Evidently would read as "no drift": fewer than
//! three values in all (no degree of freedom), or every value of both samples equal (`0 / 0`).
//! Two constant samples of different values give `t = ±inf` and `p = 0`, as in scipy.

use super::kernel::{Compared, Kernel, TwoSample};
use super::pairwise_sum::{pairwise_sum, pairwise_sum_of};
use super::two_sample::finite_pair;
use super::{MetricResult, Undefined};
use crate::stats::student_t;

pub const T_TEST: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, _| t_test(&reference.contiguous(), &current.contiguous()),
    categories: None,
});

/// `scipy.stats.ttest_ind(reference, current)`: the statistic and its two-sided p-value.
pub fn t_test(reference: &[f64], current: &[f64]) -> MetricResult<Compared> {
    let pair = finite_pair(reference, current)?;
    let (a, b) = (Moments::of(&pair.reference), Moments::of(&pair.current));
    let df = a.n + b.n - 2.0;
    if df < 1.0 {
        return Err(Undefined::OutOfRange {
            what: format!(
                "the t-test needs at least 3 values in all, and there are {}",
                a.n + b.n
            ),
        });
    }
    let pooled = ((a.n - 1.0) * a.variance + (b.n - 1.0) * b.variance) / df;
    let denominator = (pooled * (1.0 / a.n + 1.0 / b.n)).sqrt();
    let difference = a.mean - b.mean;
    if denominator == 0.0 && difference == 0.0 {
        return Err(Undefined::OutOfRange {
            what: "every value of both samples is the same, so the t statistic is 0 / 0"
                .to_string(),
        });
    }
    let statistic = difference / denominator;
    Ok(Compared {
        statistic,
        p_value: Some(student_t::two_sided_p(statistic, df)),
        rows: None,
    })
}

/// A sample's size, mean and unbiased variance, as scipy's `_var(ddof=1)` computes them (0 for
/// a single value, whose variance scipy sets aside).
struct Moments {
    n: f64,
    mean: f64,
    variance: f64,
}

impl Moments {
    fn of(values: &[f64]) -> Moments {
        let n = values.len() as f64;
        let mean = pairwise_sum(values) / n;
        if values.len() == 1 {
            return Moments {
                n,
                mean,
                variance: 0.0,
            };
        }
        let squares = pairwise_sum_of(values.len(), |i| {
            let d = values[i] - mean;
            d * d
        });
        Moments {
            n,
            mean,
            variance: squares / n * (n / (n - 1.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // scipy.stats.ttest_ind([1, 2, 3, 4], [2, 4, 6]), scipy 1.17
        let got =
            t_test(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0]).unwrap_or(Compared::distance(0.0));
        assert!(
            (got.statistic - -1.2179969144117253).abs() < 1e-14,
            "{got:?}"
        );
        let p = got.p_value.unwrap_or(f64::NAN);
        assert!((p - 0.2775605199635173).abs() < 1e-14, "{got:?}");
        assert!(t_test(&[2.0, 2.0], &[2.0]).is_err());
        assert!(t_test(&[2.0], &[3.0]).is_err());
    }
}
