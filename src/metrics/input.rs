//! Checks shared by the quality metric families, and their mean.
//!
//! Takes the slices a metric was given and either lets them through or says why the metric is
//! undefined on them. Every family runs the checks in the same order (lengths, parameters,
//! emptiness, finiteness, value ranges) so the same bad input gives the same reason whichever
//! metric reads it. Never panics; allocates only to describe a rejected input.

use super::pairwise_sum::pairwise_sum_of;
use super::{MetricResult, Undefined};

/// Paired inputs (label and score, target and prediction) describe the same rows, so differing
/// lengths mean the caller mixed up columns; no value computed on them would be meaningful.
pub(crate) fn same_length(left: usize, right: usize) -> MetricResult<()> {
    if left == right {
        Ok(())
    } else {
        Err(Undefined::LengthMismatch { left, right })
    }
}

pub(crate) fn non_empty(len: usize) -> MetricResult<()> {
    if len == 0 {
        Err(Undefined::Empty)
    } else {
        Ok(())
    }
}

/// Quality metrics refuse NaN and ±inf instead of dropping them: dropping is a policy decision
/// (`drop nulls`), and silently computing on fewer rows could pass a gate that should fail.
pub(crate) fn all_finite(columns: &[&[f64]]) -> MetricResult<()> {
    let count: usize = columns
        .iter()
        .map(|column| column.iter().filter(|v| !v.is_finite()).count())
        .sum();
    if count == 0 {
        Ok(())
    } else {
        Err(Undefined::NotFinite { count })
    }
}

/// Probabilities must lie in [0, 1]; scikit-learn refuses anything else rather than clipping it,
/// and a score outside that range usually means a logit column was passed by mistake.
pub(crate) fn probabilities(scores: &[f64]) -> MetricResult<()> {
    let outside = |p: &&f64| !(0.0..=1.0).contains(*p);
    match scores.iter().find(outside) {
        None => Ok(()),
        Some(example) => Err(Undefined::OutOfRange {
            what: format!(
                "{} scores are outside [0, 1] (for example `{example}`); a probability is expected",
                scores.iter().filter(outside).count()
            ),
        }),
    }
}

/// The mean of `term(0) .. term(len - 1)` as NumPy's `mean` computes it: the sum in NumPy's
/// pairwise order, divided by `len`. Following NumPy's order keeps sums of 10M rows within a few
/// ulps of the reference, where a left-to-right sum could drift past the 1e-9 we promise.
pub(crate) fn mean_of(len: usize, term: impl Fn(usize) -> f64) -> f64 {
    pairwise_sum_of(len, term) / len as f64
}
