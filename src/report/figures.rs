//! Data for the HTML report's plots, gathered while a decision is evaluated. Not part of the
//! JSON contract: curves are downsampled pictures, not results.

#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// ROC curves of the tested and baseline slices for an `auroc` check.
    Roc {
        check_id: String,
        title: String,
        curves: Vec<Curve>,
    },
    /// Shares per bin of a column on two slices (PSI bins, latency distributions), with
    /// vertical markers such as the p99 of each side.
    Histogram {
        check_id: String,
        title: String,
        /// Bin edges, one more than values per series.
        edges: Vec<f64>,
        series: Vec<Series>,
        markers: Vec<Marker>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    /// (false positive rate, true positive rate), from (0, 0) to (1, 1).
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// Share of the slice's rows in each bin.
    pub shares: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub label: String,
    pub x: f64,
}

/// The ROC curve of `scores` against `labels` as (false positive rate, true positive rate)
/// points from (0, 0) to (1, 1), with tied scores taken together (one diagonal step per
/// distinct score, as `roc_auc_score` counts them), downsampled to at most `max_points`.
///
/// Pairs with a NaN score are left out. Empty when either class is missing, since a rate with
/// no positives (or no negatives) is undefined. At least the two ends are kept whatever
/// `max_points` is. The exact curve is walked twice rather than stored, so a large slice costs
/// one sorted copy of its scores and no more.
pub fn roc_points(labels: &[bool], scores: &[f64], max_points: usize) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .zip(labels)
        .filter(|(s, _)| !s.is_nan())
        .map(|(&s, &l)| (s, l))
        .collect();
    let positives = pairs.iter().filter(|(_, l)| *l).count();
    let negatives = pairs.len() - positives;
    if positives == 0 || negatives == 0 {
        return Vec::new();
    }
    pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let (p, n) = (positives as f64, negatives as f64);
    let curve = pairs
        .chunk_by(|a, b| a.0 == b.0)
        .scan((0usize, 0usize), move |(tp, fp), group| {
            let group_tp = group.iter().filter(|(_, l)| *l).count();
            *tp += group_tp;
            *fp += group.len() - group_tp;
            Some((*fp as f64 / n, *tp as f64 / p))
        });
    downsample_path(std::iter::once((0.0, 0.0)).chain(curve), max_points)
}

/// At most `max_points` of `points` (at least the two ends), chosen at equal steps of path
/// length so that steep and flat stretches keep the same detail; the first and last points are
/// always kept. Linear in the number of points.
pub fn downsample(points: &[(f64, f64)], max_points: usize) -> Vec<(f64, f64)> {
    downsample_path(points.iter().copied(), max_points)
}

/// [`downsample`] of a path that can be walked twice: once to measure it, once to pick.
fn downsample_path<I>(points: I, max_points: usize) -> Vec<(f64, f64)>
where
    I: Iterator<Item = (f64, f64)> + Clone,
{
    let max_points = max_points.max(2);
    let step_length = |a: (f64, f64), b: (f64, f64)| (b.0 - a.0).hypot(b.1 - a.1);
    let mut count = 0usize;
    let mut total = 0.0;
    let mut previous: Option<(f64, f64)> = None;
    for point in points.clone() {
        count += 1;
        total += previous.map_or(0.0, |q| step_length(q, point));
        previous = Some(point);
    }
    let Some(last) = previous else {
        return Vec::new();
    };
    if count <= max_points {
        return points.collect();
    }
    let mut points = points.enumerate();
    let Some((_, first)) = points.next() else {
        return Vec::new();
    };
    let mut kept = vec![first];
    let spacing = total / (max_points - 1) as f64;
    let (mut walked, mut next, mut previous) = (0.0, spacing, first);
    for (i, point) in points {
        walked += step_length(previous, point);
        previous = point;
        // The last point is added below, whatever the length walked; this leaves room for it.
        if walked >= next && kept.len() < max_points - 1 && i + 1 < count {
            kept.push(point);
            next = (walked / spacing).floor().mul_add(spacing, spacing);
        }
    }
    kept.push(last);
    kept
}

/// `bins + 1` equal-width edges from the smallest to the largest finite value of `a` and `b`
/// together. A single distinct value gets a bin range of width one around it; empty when there
/// is no finite value or `bins` is zero.
pub fn histogram_edges(a: &[f64], b: &[f64], bins: usize) -> Vec<f64> {
    let finite = a.iter().chain(b).copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if bins == 0 || lo > hi {
        return Vec::new();
    }
    let (lo, hi) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let width = (hi - lo) / bins as f64;
    let mut edges: Vec<f64> = (0..bins).map(|i| (i as f64).mul_add(width, lo)).collect();
    edges.push(hi);
    edges
}

/// The share of the finite `values` falling in each bin of `edges` (`edges.len() - 1` bins,
/// each closed on the left and open on the right except the last, which is closed). Values
/// outside the edges count in the total but in no bin. Zeros when there is no finite value.
pub fn shares(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let bins = edges.len().saturating_sub(1);
    let mut counts = vec![0usize; bins];
    let mut total = 0usize;
    for &v in values.iter().filter(|v| v.is_finite()) {
        total += 1;
        if bins == 0 || v < edges[0] || v > edges[bins] {
            continue;
        }
        let bin = edges
            .partition_point(|&e| e <= v)
            .saturating_sub(1)
            .min(bins - 1);
        counts[bin] += 1;
    }
    if total == 0 {
        return counts.iter().map(|_| 0.0).collect();
    }
    counts.iter().map(|&c| c as f64 / total as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The area under a curve by the trapezoid rule.
    fn area(points: &[(f64, f64)]) -> f64 {
        points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
            .sum()
    }

    /// Mann-Whitney AUC with half credit for ties, pair by pair.
    fn auc_by_pairs(labels: &[bool], scores: &[f64]) -> f64 {
        let (mut wins, mut pairs) = (0.0, 0.0);
        for (&li, &si) in labels.iter().zip(scores) {
            for (&lj, &sj) in labels.iter().zip(scores) {
                if li && !lj {
                    pairs += 1.0;
                    wins += if si > sj {
                        1.0
                    } else if si == sj {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        wins / pairs
    }

    /// Deterministic labels and scores with many ties (scores on a grid of 50 values).
    fn sample(n: usize) -> (Vec<bool>, Vec<f64>) {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        (0..n)
            .map(|_| {
                let label = next() < 0.3;
                let score = ((next() + if label { 0.4 } else { 0.0 }) * 50.0).floor() / 50.0;
                (label, score)
            })
            .unzip()
    }

    #[test]
    fn roc_points_step_through_each_score() {
        let labels = [true, false, true, false];
        let scores = [0.9, 0.8, 0.7, 0.1];
        assert_eq!(
            roc_points(&labels, &scores, 100),
            vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]
        );
    }

    #[test]
    fn tied_scores_make_one_diagonal_step() {
        let labels = [true, false, true, false];
        let scores = [0.5, 0.5, 0.5, 0.5];
        assert_eq!(
            roc_points(&labels, &scores, 100),
            vec![(0.0, 0.0), (1.0, 1.0)]
        );
        let labels = [true, true, false, false, true];
        let scores = [0.9, 0.6, 0.6, 0.2, f64::NAN];
        assert_eq!(
            roc_points(&labels, &scores, 100),
            vec![(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]
        );
    }

    #[test]
    fn roc_points_have_the_auroc_as_their_area() {
        let (labels, scores) = sample(2_000);
        let points = roc_points(&labels, &scores, usize::MAX);
        assert!((area(&points) - auc_by_pairs(&labels, &scores)).abs() < 1e-12);
    }

    #[test]
    fn one_class_has_no_curve() {
        assert!(roc_points(&[true, true], &[0.1, 0.2], 10).is_empty());
        assert!(roc_points(&[false, true], &[0.1, f64::NAN], 10).is_empty());
        assert!(roc_points(&[], &[], 10).is_empty());
    }

    #[test]
    fn downsampled_curves_keep_ends_order_and_shape() {
        let labels: Vec<bool> = (0..100_000).map(|i| (i * 7919) % 10 < 3).collect();
        let scores: Vec<f64> = (0..100_000)
            .map(|i| ((i * 104_729) % 100_000) as f64 / 1e5 + if labels[i] { 0.3 } else { 0.0 })
            .collect();
        let exact = roc_points(&labels, &scores, usize::MAX);
        assert!(exact.len() > 50_000);
        let small = roc_points(&labels, &scores, 200);
        assert!(small.len() <= 200 && small.len() > 150, "{}", small.len());
        assert_eq!(small.first(), Some(&(0.0, 0.0)));
        assert_eq!(small.last(), Some(&(1.0, 1.0)));
        assert!(
            small
                .windows(2)
                .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1)
        );
        assert!((area(&small) - area(&exact)).abs() < 0.002);
        assert_eq!(roc_points(&labels, &scores, 0).len(), 2);
    }

    #[test]
    fn downsampling_a_short_path_changes_nothing() {
        let points = [(0.0, 0.0), (0.2, 0.7), (1.0, 1.0)];
        assert_eq!(downsample(&points, 3), points.to_vec());
        assert_eq!(downsample(&points, 2), vec![(0.0, 0.0), (1.0, 1.0)]);
        assert!(downsample(&[], 5).is_empty());
    }

    #[test]
    fn histogram_edges_span_the_finite_values_of_both_sides() {
        let edges = histogram_edges(&[0.0, 1.0, f64::NAN], &[3.0, f64::INFINITY], 3);
        assert_eq!(edges, vec![0.0, 1.0, 2.0, 3.0]);
        let edges = histogram_edges(&[0.1], &[0.7], 7);
        assert_eq!(edges.len(), 8);
        assert_eq!((edges[0], edges[7]), (0.1, 0.7));
        assert!(edges.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn degenerate_histogram_edges() {
        assert_eq!(histogram_edges(&[2.0, 2.0], &[2.0], 2), vec![1.5, 2.0, 2.5]);
        assert!(histogram_edges(&[f64::NAN], &[], 10).is_empty());
        assert!(histogram_edges(&[1.0, 2.0], &[], 0).is_empty());
    }

    #[test]
    fn shares_close_only_the_last_bin() {
        let edges = [0.0, 1.0, 2.0, 3.0];
        let values = [0.0, 0.5, 1.0, 2.0, 3.0, f64::NAN];
        assert_eq!(shares(&values, &edges), vec![0.4, 0.2, 0.4]);
    }

    #[test]
    fn shares_count_values_outside_the_edges_in_no_bin() {
        let shares = shares(&[-1.0, 0.5, 5.0, f64::NEG_INFINITY], &[0.0, 1.0]);
        assert_eq!(shares, vec![1.0 / 3.0]);
        assert_eq!(super::shares(&[f64::NAN], &[0.0, 1.0, 2.0]), vec![0.0, 0.0]);
        assert!(super::shares(&[1.0], &[0.0]).is_empty());
    }
}
