//! Classification quality from a boolean label and a score: AUROC, average precision, and the
//! threshold metrics (accuracy, precision, recall, F1, predicting positive when
//! `score >= threshold`).
//!
//! Takes `label: &[bool]` and `score: &[f64]` of the same length and returns the value, or why
//! it is undefined. Each matches scikit-learn 1.9 (`roc_auc_score`, `average_precision_score`,
//! `accuracy_score`, `precision_score`, `recall_score`, `f1_score`), except that a zero
//! denominator is reported as undefined where scikit-learn would return 0 with a warning: a gate
//! must not pass on a precision computed from no predictions. Never modifies its inputs.

use std::any::Any;

use super::kernel::{Accumulator, same_kind};
use super::pairwise_sum::pairwise_sum;
use super::rows::Rows;
use super::{MetricResult, Undefined, input};

use super::kernel::{Kernel, Params};

pub const AUROC: Kernel = Kernel::Whole(|rows, _| auroc(rows.label(), rows.float(0)));
pub const AUPRC: Kernel = Kernel::Whole(|rows, _| auprc(rows.label(), rows.float(0)));
pub const ACCURACY: Kernel =
    Kernel::Bounded(|params| Box::new(AtThreshold::at(params, Confusion::accuracy)));
pub const PRECISION: Kernel =
    Kernel::Bounded(|params| Box::new(AtThreshold::at(params, Confusion::precision)));
pub const RECALL: Kernel =
    Kernel::Bounded(|params| Box::new(AtThreshold::at(params, Confusion::recall)));
pub const F1: Kernel = Kernel::Bounded(|params| Box::new(AtThreshold::at(params, Confusion::f1)));
pub const BALANCED_ACCURACY: Kernel =
    Kernel::Bounded(|params| Box::new(AtThreshold::at(params, Confusion::balanced_accuracy)));

/// Area under the ROC curve, as `sklearn.metrics.roc_auc_score`: the share of
/// (positive, negative) pairs the score orders correctly, tied pairs counting half (the
/// Mann-Whitney U over `positives × negatives`). Undefined when only one class is present.
///
/// Counts pairs in integers over the tie groups of a sort, so it is exact up to one final
/// rounding and costs O(n log n) whatever the number of ties.
pub fn auroc(label: &[bool], score: &[f64]) -> MetricResult<f64> {
    let ranked = Ranked::new(label, score)?;
    let positives = ranked.positives.len() as u128;
    let negatives = ranked.negatives.len() as u128;
    if positives == 0 {
        return Err(Undefined::SingleClass { class: 0 });
    }
    if negatives == 0 {
        return Err(Undefined::SingleClass { class: 1 });
    }
    // Each negative gains one for every positive scored above it and one half for every positive
    // tied with it; doubling keeps the halves integral.
    let mut positives_above = 0_u128;
    let mut twice_u = 0_u128;
    for (pos, neg) in ranked.tie_groups() {
        twice_u += u128::from(neg) * (2 * positives_above + u128::from(pos));
        positives_above += u128::from(pos);
    }
    Ok(twice_u as f64 / (2 * positives * negatives) as f64)
}

/// Average precision, as `sklearn.metrics.average_precision_score`: the sum, over the distinct
/// scores from highest to lowest, of the recall gained at that score times the precision of
/// predicting positive at or above it. Rows with equal scores enter together, as in
/// scikit-learn's `precision_recall_curve`, without interpolation. Undefined with no positives.
pub fn auprc(label: &[bool], score: &[f64]) -> MetricResult<f64> {
    let ranked = Ranked::new(label, score)?;
    if ranked.positives.is_empty() {
        return Err(Undefined::NoPositives);
    }
    let positives = ranked.positives.len() as f64;
    let (mut true_pos, mut predicted) = (0_u64, 0_u64);
    // One term per score that adds recall, so at most one per positive: small next to the sort.
    let terms: Vec<f64> = ranked
        .tie_groups()
        .filter_map(|(pos, neg)| {
            true_pos += pos;
            predicted += pos + neg;
            (pos > 0).then(|| pos as f64 / positives * (true_pos as f64 / predicted as f64))
        })
        .collect();
    Ok(pairwise_sum(&terms))
}

/// Share of rows where `score >= threshold` agrees with the label.
pub fn accuracy(label: &[bool], score: &[f64], threshold: f64) -> MetricResult<f64> {
    AtThreshold::over(label, score, threshold, Confusion::accuracy)
}

/// True positives over predicted positives; undefined when no score reaches the threshold.
pub fn precision(label: &[bool], score: &[f64], threshold: f64) -> MetricResult<f64> {
    AtThreshold::over(label, score, threshold, Confusion::precision)
}

/// True positives over actual positives; undefined when no label is positive.
pub fn recall(label: &[bool], score: &[f64], threshold: f64) -> MetricResult<f64> {
    AtThreshold::over(label, score, threshold, Confusion::recall)
}

/// `2·tp / (2·tp + fp + fn)`, which is the harmonic mean of precision and recall where both are
/// defined and is how scikit-learn computes it; undefined only when there is neither a positive
/// label nor a positive prediction.
pub fn f1(label: &[bool], score: &[f64], threshold: f64) -> MetricResult<f64> {
    AtThreshold::over(label, score, threshold, Confusion::f1)
}

/// The mean of the recall of each class, `(tp / positives + tn / negatives) / 2`, as
/// `sklearn.metrics.balanced_accuracy_score`. Undefined when the labels hold one class only,
/// where scikit-learn warns and averages the recall of the one class present: a gate cannot
/// measure balance on one class.
pub fn balanced_accuracy(label: &[bool], score: &[f64], threshold: f64) -> MetricResult<f64> {
    AtThreshold::over(label, score, threshold, Confusion::balanced_accuracy)
}

/// A threshold metric's state: the confusion counts so far and how they become the value.
pub struct AtThreshold {
    threshold: f64,
    counts: Confusion,
    value: fn(&Confusion) -> MetricResult<f64>,
}

impl AtThreshold {
    pub fn new(threshold: f64, value: fn(&Confusion) -> MetricResult<f64>) -> Self {
        AtThreshold {
            threshold,
            counts: Confusion::default(),
            value,
        }
    }

    /// A call's state; a call without a threshold is NaN, which the finish refuses.
    fn at(params: &Params, value: fn(&Confusion) -> MetricResult<f64>) -> Self {
        AtThreshold::new(params.number.unwrap_or(f64::NAN), value)
    }

    fn over(
        label: &[bool],
        score: &[f64],
        threshold: f64,
        value: fn(&Confusion) -> MetricResult<f64>,
    ) -> MetricResult<f64> {
        input::same_length(label.len(), score.len())?;
        let mut state = AtThreshold::new(threshold, value);
        state.counts.absorb(label, score, threshold);
        state.finish()
    }
}

impl Accumulator for AtThreshold {
    fn absorb(&mut self, rows: &Rows<'_>) {
        self.counts
            .absorb(rows.label(), rows.float(0), self.threshold);
    }

    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()> {
        let other: &AtThreshold = same_kind(other)?;
        if other.threshold.to_bits() != self.threshold.to_bits() {
            return Err(Undefined::IncompatibleStates);
        }
        self.counts.merge(&other.counts);
        Ok(())
    }

    fn finish(&self) -> MetricResult<f64> {
        if self.threshold.is_nan() {
            return Err(Undefined::OutOfRange {
                what: "the threshold is NaN".to_string(),
            });
        }
        input::non_empty(self.counts.rows as usize)?;
        if self.counts.not_finite > 0 {
            return Err(Undefined::NotFinite {
                count: self.counts.not_finite as usize,
            });
        }
        (self.value)(&self.counts)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Counts of the confusion matrix at one threshold.
#[derive(Debug, Clone, Copy, Default)]
pub struct Confusion {
    rows: u64,
    not_finite: u64,
    true_pos: u64,
    predicted_pos: u64,
    actual_pos: u64,
}

impl Confusion {
    fn absorb(&mut self, label: &[bool], score: &[f64], threshold: f64) {
        for (&l, &s) in label.iter().zip(score) {
            let predicted = s >= threshold;
            self.true_pos += u64::from(l && predicted);
            self.predicted_pos += u64::from(predicted);
            self.actual_pos += u64::from(l);
            self.not_finite += u64::from(!s.is_finite());
        }
        self.rows += score.len() as u64;
    }

    fn merge(&mut self, other: &Confusion) {
        self.rows += other.rows;
        self.not_finite += other.not_finite;
        self.true_pos += other.true_pos;
        self.predicted_pos += other.predicted_pos;
        self.actual_pos += other.actual_pos;
    }

    fn true_neg(&self) -> u64 {
        self.rows + self.true_pos - self.predicted_pos - self.actual_pos
    }

    pub fn accuracy(&self) -> MetricResult<f64> {
        Ok((self.true_pos + self.true_neg()) as f64 / self.rows as f64)
    }

    pub fn precision(&self) -> MetricResult<f64> {
        ratio(
            self.true_pos,
            self.predicted_pos,
            "no score reaches the threshold",
        )
    }

    pub fn recall(&self) -> MetricResult<f64> {
        ratio(self.true_pos, self.actual_pos, "no label is positive")
    }

    pub fn f1(&self) -> MetricResult<f64> {
        ratio(
            2 * self.true_pos,
            self.predicted_pos + self.actual_pos,
            "no label is positive and no score reaches the threshold",
        )
    }

    pub fn balanced_accuracy(&self) -> MetricResult<f64> {
        let negatives = self.rows - self.actual_pos;
        if self.actual_pos == 0 {
            return Err(Undefined::SingleClass { class: 0 });
        }
        if negatives == 0 {
            return Err(Undefined::SingleClass { class: 1 });
        }
        let per_class = [
            self.true_neg() as f64 / negatives as f64,
            self.true_pos as f64 / self.actual_pos as f64,
        ];
        Ok((per_class[0] + per_class[1]) / 2.0)
    }
}

fn ratio(numerator: u64, denominator: u64, what: &'static str) -> MetricResult<f64> {
    if denominator == 0 {
        return Err(Undefined::ZeroDenominator { what });
    }
    Ok(numerator as f64 / denominator as f64)
}

/// The checks every classification metric runs first, in the order shared by all families.
fn checked(label: &[bool], score: &[f64]) -> MetricResult<()> {
    input::same_length(label.len(), score.len())?;
    input::non_empty(score.len())?;
    input::all_finite(&[score])
}

/// The scores split by class, each sorted from highest to lowest. Two plain `f64` vectors (8
/// bytes a row in total) sort faster than (score, label) pairs and are all the ranking
/// metrics need, since they only ask how many of each class share each distinct score.
struct Ranked {
    positives: Vec<f64>,
    negatives: Vec<f64>,
}

impl Ranked {
    fn new(label: &[bool], score: &[f64]) -> MetricResult<Self> {
        checked(label, score)?;
        let count = label.iter().filter(|&&l| l).count();
        let mut positives = Vec::with_capacity(count);
        let mut negatives = Vec::with_capacity(label.len() - count);
        for (&l, &s) in label.iter().zip(score) {
            if l {
                positives.push(s)
            } else {
                negatives.push(s)
            }
        }
        positives.sort_unstable_by(|a, b| b.total_cmp(a));
        negatives.sort_unstable_by(|a, b| b.total_cmp(a));
        Ok(Ranked {
            positives,
            negatives,
        })
    }

    /// For each distinct score, from highest to lowest: how many positives and negatives have
    /// it. Groups are formed with `==`, not `total_cmp`, so `-0.0` and `0.0` tie as they do in
    /// scikit-learn; the total order keeps the two adjacent, so one pass still finds them.
    fn tie_groups(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let (pos, neg) = (&self.positives[..], &self.negatives[..]);
        let (mut i, mut j) = (0, 0);
        std::iter::from_fn(move || {
            let top = match (pos.get(i), neg.get(j)) {
                (Some(&p), Some(&n)) => p.max(n),
                (Some(&p), None) => p,
                (None, Some(&n)) => n,
                (None, None) => return None,
            };
            let (start_i, start_j) = (i, j);
            while pos.get(i) == Some(&top) {
                i += 1;
            }
            while neg.get(j) == Some(&top) {
                j += 1;
            }
            Some(((i - start_i) as u64, (j - start_j) as u64))
        })
    }
}
