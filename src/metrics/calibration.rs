//! Calibration of predicted probabilities against a boolean label: log loss, Brier score and
//! expected calibration error.
//!
//! Takes `label: &[bool]` and `score: &[f64]` (the probability of the positive class) of the
//! same length and returns the value, or why it is undefined: no rows, a NaN or ±inf score, or
//! a score outside [0, 1]. `logloss` and `brier` match scikit-learn 1.9's `log_loss` and
//! `brier_score_loss`; ECE has no reference library and is defined on [`ece`]. A single class is
//! fine for all three: each is a mean over rows, not a comparison between classes.

use super::{MetricResult, input};

use super::kernel::Kernel;

pub const LOGLOSS: Kernel = Kernel::Whole(|rows, _| logloss(rows.label(), rows.float(0)));
pub const BRIER: Kernel = Kernel::Whole(|rows, _| brier(rows.label(), rows.float(0)));
pub const ECE: Kernel = Kernel::Whole(|rows, _| ece(rows.label(), rows.float(0)));

/// Mean negative log-likelihood, as `sklearn.metrics.log_loss(label, score, labels=[0, 1])`.
///
/// Scores outside [0, 1] are refused (`OutOfRange`), as scikit-learn refuses them, rather than
/// clipped. Like scikit-learn, the probability given to the observed class (`score`, or
/// `1 - score` for a negative) is clipped to `[eps, 1 - eps]` with `eps = f64::EPSILON`, so a
/// confident miss costs about 36 rather than infinity. scikit-learn needs `labels=[0, 1]` to
/// accept a single class; the loss is well defined then, so it is defined here too.
pub fn logloss(label: &[bool], score: &[f64]) -> MetricResult<f64> {
    probabilities(label, score)?;
    let eps = f64::EPSILON;
    Ok(input::mean_of(score.len(), |i| {
        // scikit-learn forms `1 - p` before clipping; clipping `p` first would round differently.
        let given = if label[i] { score[i] } else { 1.0 - score[i] };
        -given.clamp(eps, 1.0 - eps).ln()
    }))
}

/// Mean squared difference between the score and the 0/1 label, as
/// `sklearn.metrics.brier_score_loss` for a binary target.
pub fn brier(label: &[bool], score: &[f64]) -> MetricResult<f64> {
    probabilities(label, score)?;
    Ok(input::mean_of(score.len(), |i| {
        let miss = f64::from(u8::from(label[i])) - score[i];
        miss * miss
    }))
}

/// Number of equal-width bins over [0, 1] for [`ece`].
pub const ECE_BINS: usize = 10;

/// Expected calibration error over 10 equal-width bins of [0, 1].
///
/// Row `i` falls in bin `b(i) = min(floor(score_i · 10), 9)`, the product taken in f64: bin `k`
/// holds the scores whose `score · 10` lies in `[k, k + 1)`, and the last bin also holds 1.0.
/// With `n_k` rows in bin `k`,
///
/// `ece = Σ_k (n_k / n) · |mean(label in k) − mean(score in k)|`
///
/// over the non-empty bins, which equals `(1/n) · Σ_k |Σ label in k − Σ score in k|`, the form
/// computed here. `tests/reference/quality_reference.py` implements the same definition in NumPy.
pub fn ece(label: &[bool], score: &[f64]) -> MetricResult<f64> {
    probabilities(label, score)?;
    // Per bin, the positives are counted exactly and the scores summed left to right: a bin's
    // sum of n scores in [0, 1] is off by at most n·eps of itself, which after the division by
    // n stays below 1e-9 even if all of 10M rows share one bin.
    let mut positives = [0_u64; ECE_BINS];
    let mut scores = [0.0_f64; ECE_BINS];
    for (&l, &p) in label.iter().zip(score) {
        // `p` is in [0, 1], so the float-to-integer cast cannot saturate or wrap.
        let bin = ((p * ECE_BINS as f64).floor() as usize).min(ECE_BINS - 1);
        positives[bin] += u64::from(l);
        scores[bin] += p;
    }
    let gaps = positives
        .iter()
        .zip(&scores)
        .map(|(&pos, &sum)| (pos as f64 - sum).abs());
    Ok(gaps.sum::<f64>() / score.len() as f64)
}

/// The checks every calibration metric runs first, in the order shared by all families.
fn probabilities(label: &[bool], score: &[f64]) -> MetricResult<()> {
    input::same_length(label.len(), score.len())?;
    input::non_empty(score.len())?;
    input::all_finite(&[score])?;
    input::probabilities(score)
}
