//! Bucketing of two samples for the binned drift metrics (`psi`, `kl`, `js`).
//!
//! Takes the reference and current values and returns per-bucket row counts of both sides,
//! bucket `k` of one matching bucket `k` of the other, then turns them into percents with
//! Evidently's zero fill (`evidently.legacy.calculations.stattests.utils.get_binned_data`,
//! Evidently 0.7.23). Metrics only see [`Buckets`] and [`Percents`]: a text or categorical
//! column is bucketed by [`text_buckets`] (one bucket per category of the union, Evidently's
//! categorical branch), and the frequency tests (`chisquare`, `z`) take the categories of a
//! numeric column from [`category_buckets`]. Per-value buckets are always in ascending order.
//!
//! Numeric buckets ([`Bins::Evidently`]), as Evidently builds them:
//! - more than 20 distinct reference values: numpy's Sturges equal-width edges over the union of
//!   both samples (`np.histogram_bin_edges(union, bins="sturges")`), counted with
//!   `np.histogram`'s rule: bin `i` holds `edges[i] <= x < edges[i + 1]`, the last bin also
//!   holds its right edge;
//! - otherwise one bucket per distinct value of the union (values seen only in the current sample
//!   get a bucket with a zero reference count).
//!
//! [`Bins::Quantile`] is verdict's own option, defined by `tests/reference/drift_reference.py`:
//! the cut points are `np.quantile(reference, k / n)` (method `linear`) for `k = 1 .. n - 1`,
//! duplicates removed; a value goes to bucket `np.searchsorted(cuts, x, side="right")`, so the
//! buckets are `(-inf, c1), [c1, c2), ..., [c_last, +inf)` and current values outside the
//! reference range land in the outer buckets.
//!
//! Never panics on data; NaN and ±inf are dropped first (as Evidently does).

use std::collections::BTreeMap;

use super::histogram::count_in_edges;
use super::sample::{Sample, Scan, scan};
use super::two_sample::finite_pair;
use super::{MetricResult, Undefined};

/// Evidently buckets per distinct value up to this many distinct reference values.
const MAX_DISTINCT_FOR_VALUE_BUCKETS: usize = 20;

/// Evidently's fill for an empty bucket, used while the smallest non-zero percent exceeds it.
const EMPTY_BUCKET_FILL: f64 = 0.0001;

/// How numeric values are put into buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bins {
    /// Evidently's rule: Sturges bins over the union, or one bucket per value (≤ 20 distinct).
    #[default]
    Evidently,
    /// `n` quantile bins of the reference sample (see the module docs); `n = 0` is undefined.
    Quantile(usize),
}

/// Row counts per bucket of the two samples; both vectors have the same length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buckets {
    pub reference: Vec<u64>,
    pub current: Vec<u64>,
}

/// Whether empty buckets get Evidently's small positive fill before a metric takes logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroFill {
    /// `get_binned_data(..., feel_zeroes=True)`: PSI and KL.
    Evidently,
    /// `feel_zeroes=False`: Jensen-Shannon, whose terms are finite at zero.
    Keep,
}

/// Share of each sample's rows per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Percents {
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

impl Buckets {
    /// Counts divided by each sample's size, then Evidently's zero fill if asked for.
    pub fn percents(&self, fill: ZeroFill) -> MetricResult<Percents> {
        let mut reference = shares(&self.reference)?;
        let mut current = shares(&self.current)?;
        if fill == ZeroFill::Evidently {
            fill_empty(&mut reference)?;
            fill_empty(&mut current)?;
        }
        Ok(Percents { reference, current })
    }
}

fn shares(counts: &[u64]) -> MetricResult<Vec<f64>> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return Err(Undefined::Empty);
    }
    // Both integers are exact in f64 below 2^53 rows, so this is numpy's `count / len`.
    Ok(counts.iter().map(|&c| c as f64 / total as f64).collect())
}

/// Evidently's fill: an empty bucket becomes 1e-4, or the smallest non-zero share / 1e6 when
/// that share is itself at most 1e-4 (so the fill stays below every observed share). The
/// shares are not renormalised afterwards.
fn fill_empty(shares: &mut [f64]) -> MetricResult<()> {
    let smallest = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    if smallest == f64::INFINITY {
        return Err(Undefined::Empty);
    }
    let fill = if smallest <= EMPTY_BUCKET_FILL {
        smallest / 1e6
    } else {
        EMPTY_BUCKET_FILL
    };
    for s in shares.iter_mut().filter(|s| **s == 0.0) {
        *s = fill;
    }
    Ok(())
}

/// Buckets two numeric samples; NaN and ±inf are dropped first.
pub fn numeric_buckets(
    reference: Sample<'_>,
    current: Sample<'_>,
    bins: Bins,
) -> MetricResult<Buckets> {
    let (reference, current) = (Finite::of(reference)?, Finite::of(current)?);
    let (r, c) = (reference.sample(), current.sample());
    match bins {
        Bins::Quantile(0) => Err(Undefined::OutOfRange {
            what: "`quantile(0)` asks for no bins".to_string(),
        }),
        Bins::Quantile(n) => Ok(quantile_buckets(r, c, n)),
        Bins::Evidently => match distinct_counts(r.values(), MAX_DISTINCT_FOR_VALUE_BUCKETS) {
            Some(table) => Ok(value_buckets(table, c)),
            None => {
                let edges = evidently_edges(&reference.scan, &current.scan)?;
                Ok(Buckets {
                    reference: count_in_edges(r, &edges),
                    current: count_in_edges(c, &edges),
                })
            }
        },
    }
}

/// A sample's finite values and their range. Evidently drops NaN and ±inf; a sample without
/// any is binned where it lies, one with some is copied without them.
struct Finite<'a> {
    kept: Result<Sample<'a>, Vec<f64>>,
    scan: Scan,
}

impl<'a> Finite<'a> {
    /// `Undefined::Empty` when no value is finite.
    fn of(sample: Sample<'a>) -> MetricResult<Self> {
        let scan = scan(sample);
        if scan.finite == 0 {
            return Err(Undefined::Empty);
        }
        let kept = if scan.all_finite {
            Ok(sample)
        } else {
            Err(sample.values().filter(|v| v.is_finite()).collect())
        };
        Ok(Finite { kept, scan })
    }

    fn sample(&self) -> Sample<'_> {
        match &self.kept {
            Ok(sample) => *sample,
            Err(values) => Sample::One(values),
        }
    }
}

/// One bucket per distinct finite value of the union, ascending, however many there are: the
/// categories of a numeric column for `chisquare` and `z` (Evidently counts values with
/// `value_counts` over the union of both samples' values, whatever the column holds).
pub fn category_buckets(reference: &[f64], current: &[f64]) -> MetricResult<Buckets> {
    let pair = finite_pair(reference, current)?;
    let sorted = |values: &[f64]| {
        let mut v: Vec<f64> = values.iter().map(|&x| canonical(x)).collect();
        v.sort_unstable_by(f64::total_cmp);
        v
    };
    let (reference, current) = (sorted(&pair.reference), sorted(&pair.current));
    let (mut r, mut c) = (
        reference.chunk_by(|a, b| a == b),
        current.chunk_by(|a, b| a == b),
    );
    let (mut next_r, mut next_c) = (r.next(), c.next());
    let mut buckets = Buckets {
        reference: Vec::new(),
        current: Vec::new(),
    };
    // A merge of the two runs-of-equal-values sequences.
    while next_r.is_some() || next_c.is_some() {
        let (from_r, from_c) = match (next_r, next_c) {
            (Some(a), Some(b)) if a[0] == b[0] => (true, true),
            (Some(a), Some(b)) => (a[0] < b[0], a[0] > b[0]),
            (a, _) => (a.is_some(), a.is_none()),
        };
        let count = |run: Option<&[f64]>, taken: bool| run.filter(|_| taken).map_or(0, |x| x.len());
        buckets.reference.push(count(next_r, from_r) as u64);
        buckets.current.push(count(next_c, from_c) as u64);
        if from_r {
            next_r = r.next();
        }
        if from_c {
            next_c = c.next();
        }
    }
    Ok(buckets)
}

/// Counts per distinct text value of a column, missing values dropped: one side of a
/// categorical comparison, merged by adding counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Categories(BTreeMap<String, u64>);

impl Categories {
    pub fn absorb<'v>(&mut self, values: impl IntoIterator<Item = Option<&'v str>>) {
        for value in values.into_iter().flatten() {
            match self.0.get_mut(value) {
                Some(count) => *count += 1,
                None => {
                    self.0.insert(value.to_string(), 1);
                }
            }
        }
    }

    pub fn merge(&mut self, other: &Categories) {
        for (value, count) in &other.0 {
            *self.0.entry(value.clone()).or_insert(0) += count;
        }
    }

    /// Values counted, nulls excluded.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// Distinct values, however many.
    pub fn distinct(&self) -> usize {
        self.0.len()
    }
}

/// One bucket per distinct text value of the union, in ascending (code point) order, as
/// Evidently buckets a categorical column. Either side without a value is undefined.
pub fn category_count_buckets(
    reference: &Categories,
    current: &Categories,
) -> MetricResult<Buckets> {
    let mut table: BTreeMap<&str, [u64; 2]> = BTreeMap::new();
    for (side, counts) in [reference, current].into_iter().enumerate() {
        for (value, count) in &counts.0 {
            table.entry(value).or_insert([0, 0])[side] += count;
        }
    }
    let buckets = Buckets {
        reference: table.values().map(|c| c[0]).collect(),
        current: table.values().map(|c| c[1]).collect(),
    };
    if buckets.reference.iter().all(|&c| c == 0) || buckets.current.iter().all(|&c| c == 0) {
        return Err(Undefined::Empty);
    }
    Ok(buckets)
}

/// [`category_count_buckets`] of two text columns' values.
pub fn text_buckets<'a>(
    reference: impl IntoIterator<Item = Option<&'a str>>,
    current: impl IntoIterator<Item = Option<&'a str>>,
) -> MetricResult<Buckets> {
    let (mut r, mut c) = (Categories::default(), Categories::default());
    r.absorb(reference);
    c.absorb(current);
    category_count_buckets(&r, &c)
}

/// `-0.0` and `0.0` are one value to pandas' `nunique` and `value_counts`; adding zero maps
/// `-0.0` to `0.0` and leaves every other value alone.
fn canonical(value: f64) -> f64 {
    value + 0.0
}

/// The distinct values of `values` with their counts, or `None` once there are more than `limit`.
/// A linear scan of a short table beats hashing at this size and stops early on continuous data.
fn distinct_counts(values: impl Iterator<Item = f64>, limit: usize) -> Option<Vec<(f64, u64)>> {
    let mut table: Vec<(f64, u64)> = Vec::with_capacity(limit + 1);
    for v in values {
        let v = canonical(v);
        if let Some((_, count)) = table.iter_mut().find(|(key, _)| *key == v) {
            *count += 1;
        } else if table.len() == limit {
            return None;
        } else {
            table.push((v, 1));
        }
    }
    Some(table)
}

/// The number of distinct finite values, counted up to `limit + 1` (then it stops: "more").
pub fn distinct_up_to(values: impl IntoIterator<Item = f64>, limit: usize) -> usize {
    let mut seen: Vec<f64> = Vec::with_capacity(limit + 1);
    for v in values.into_iter().filter(|v| v.is_finite()).map(canonical) {
        if !seen.contains(&v) {
            seen.push(v);
            if seen.len() > limit {
                break;
            }
        }
    }
    seen.len()
}

/// One bucket per distinct value of the union, in ascending value order. Current values missing
/// from the (short) reference table are collected, sorted and counted by runs.
fn value_buckets(table: Vec<(f64, u64)>, current: Sample<'_>) -> Buckets {
    let mut rows: Vec<(f64, u64, u64)> = table.into_iter().map(|(v, n)| (v, n, 0)).collect();
    let mut unseen = Vec::new();
    for v in current.values() {
        let v = canonical(v);
        match rows.iter_mut().find(|(key, _, _)| *key == v) {
            Some((_, _, count)) => *count += 1,
            None => unseen.push(v),
        }
    }
    unseen.sort_unstable_by(f64::total_cmp);
    for run in unseen.chunk_by(|a, b| a == b) {
        rows.push((run[0], 0, run.len() as u64));
    }
    rows.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    Buckets {
        reference: rows.iter().map(|r| r.1).collect(),
        current: rows.iter().map(|r| r.2).collect(),
    }
}

/// The bin edges `Bins::Evidently` counts finite `reference` and `current` values in, or `None`
/// when it buckets per distinct reference value (20 or fewer) instead: what the report draws PSI
/// histograms with, so the picture shows the bins the number came from.
pub fn evidently_bin_edges(reference: Sample<'_>, current: Sample<'_>) -> Option<Vec<f64>> {
    let (reference, current) = (Finite::of(reference).ok()?, Finite::of(current).ok()?);
    if distinct_counts(reference.sample().values(), MAX_DISTINCT_FOR_VALUE_BUCKETS).is_some() {
        return None;
    }
    evidently_edges(&reference.scan, &current.scan).ok()
}

/// Sturges edges over the union of two finite samples.
fn evidently_edges(reference: &Scan, current: &Scan) -> MetricResult<Vec<f64>> {
    sturges_edges(
        reference.lo.min(current.lo),
        reference.hi.max(current.hi),
        reference.finite + current.finite,
    )
}

/// `np.histogram_bin_edges(union, bins="sturges")` for a union of `size` finite values spanning
/// `[lo, hi]`, rounding step for step as numpy does: the width is `ptp / (log2(size) + 1)`, the
/// bin count `ceil(ptp / width)` (not always `ceil(log2(size) + 1)`), the edges `np.linspace`'s
/// `i * step + lo` with the last edge set to `hi`.
pub(crate) fn sturges_edges(lo: f64, hi: f64, size: usize) -> MetricResult<Vec<f64>> {
    let (lo, hi) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let delta = hi - lo;
    let width = delta / ((size as f64).log2() + 1.0);
    let bins = if width == 0.0 {
        1.0
    } else {
        (delta / width).ceil()
    };
    if !(bins.is_finite() && bins >= 1.0 && bins <= u32::MAX as f64) {
        return Err(Undefined::OutOfRange {
            what: format!("the values span [{lo}, {hi}], too wide to cut into histogram bins"),
        });
    }
    let bins = bins as usize;
    let edges = linspace(lo, hi, bins + 1);
    // numpy refuses edges that collapse onto each other (a range of a few ulps cut into many
    // bins); Evidently then fails, and so do we.
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Undefined::OutOfRange {
            what: format!("the values span [{lo}, {hi}], too narrow to cut into {bins} bins"),
        });
    }
    Ok(edges)
}

/// `np.linspace(start, stop, num)` with `endpoint=True` and `num >= 2`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut edges: Vec<f64> = if step == 0.0 {
        (0..num).map(|i| i as f64 / div * delta + start).collect()
    } else {
        (0..num).map(|i| i as f64 * step + start).collect()
    };
    if let Some(last) = edges.last_mut() {
        *last = stop;
    }
    edges
}

fn quantile_buckets(reference: Sample<'_>, current: Sample<'_>, n: usize) -> Buckets {
    let cuts = quantile_cuts(reference.values().collect(), n);
    Buckets {
        reference: count_by_cuts(reference, &cuts),
        current: count_by_cuts(current, &cuts),
    }
}

/// `np.unique(np.quantile(reference, np.arange(1, n) / n))` with the default `linear` method.
fn quantile_cuts(reference: Vec<f64>, n: usize) -> Vec<f64> {
    let len = reference.len();
    let last = (len - 1) as f64;
    // numpy's virtual index `(len - 1) * q`, split into the two neighbours and the weight.
    let positions: Vec<(usize, f64)> = (1..n)
        .map(|k| {
            let index = last * (k as f64 / n as f64);
            if index >= last {
                (len - 1, 0.0)
            } else {
                let below = index.floor();
                (below as usize, index - below)
            }
        })
        .collect();
    let needed: Vec<usize> = positions
        .iter()
        .flat_map(|&(i, _)| [i, (i + 1).min(len - 1)])
        .collect();
    let stats = order_statistics(reference, needed);
    let mut cuts: Vec<f64> = positions
        .iter()
        .map(|&(i, gamma)| {
            let below = stats.value(i);
            let above = stats.value((i + 1).min(len - 1));
            lerp(below, above, gamma)
        })
        .collect();
    cuts.dedup();
    cuts
}

/// numpy's `_lerp`: interpolates from the nearer end so that `gamma = 1` gives `above` exactly.
fn lerp(below: f64, above: f64, gamma: f64) -> f64 {
    let diff = above - below;
    if gamma >= 0.5 {
        above - diff * (1.0 - gamma)
    } else {
        below + diff * gamma
    }
}

/// Selected order statistics of a sample, found by successive partial sorts: linear time per
/// statistic instead of sorting the whole sample.
struct OrderStatistics {
    ranks: Vec<usize>,
    values: Vec<f64>,
}

impl OrderStatistics {
    fn value(&self, rank: usize) -> f64 {
        match self.ranks.binary_search(&rank) {
            Ok(i) => self.values[i],
            Err(_) => f64::NAN,
        }
    }
}

fn order_statistics(mut buffer: Vec<f64>, mut ranks: Vec<usize>) -> OrderStatistics {
    ranks.sort_unstable();
    ranks.dedup();
    let mut values = Vec::with_capacity(ranks.len());
    let mut start = 0;
    for &rank in &ranks {
        // Everything before `start` is already ≤ the rest, so the search narrows each time.
        let (_, value, _) = buffer[start..].select_nth_unstable_by(rank - start, f64::total_cmp);
        values.push(*value);
        start = rank + 1;
    }
    OrderStatistics { ranks, values }
}

/// Counts per bucket `searchsorted(cuts, x, side="right")`; `cuts` is short, so the binary
/// search costs a handful of comparisons.
fn count_by_cuts(values: Sample<'_>, cuts: &[f64]) -> Vec<u64> {
    let mut counts = vec![0u64; cuts.len() + 1];
    for x in values.values() {
        counts[cuts.partition_point(|&c| c <= x)] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy's rule, by comparing with every edge.
    fn count_by_comparison(values: &[f64], edges: &[f64]) -> Vec<u64> {
        let last = edges.len() - 2;
        let mut counts = vec![0u64; last + 1];
        for &x in values {
            let bin = (0..last).find(|&i| x < edges[i + 1]).unwrap_or(last);
            counts[bin] += 1;
        }
        counts
    }

    #[test]
    fn values_on_and_next_to_edges_land_where_numpy_puts_them() {
        let ranges = [
            (0.0, 1.0),
            (-3.7, 12.1),
            (1e9, 1e9 + 1.0),
            (-1e-300, 1e-300),
            (5.0, 5.0 + 1e-9),
        ];
        for (lo, hi) in ranges {
            for size in [2, 100, 20_000_000] {
                let edges = sturges_edges(lo, hi, size).expect("edges");
                let mut values: Vec<f64> = edges
                    .iter()
                    .flat_map(|&e| [e.next_down(), e, e.next_up()])
                    .filter(|&x| x >= lo && x <= hi)
                    .collect();
                values.extend((0..1000).map(|k| lo + (hi - lo) * f64::from(k) / 999.0));
                assert_eq!(
                    count_in_edges(Sample::One(&values), &edges),
                    count_by_comparison(&values, &edges),
                    "[{lo}, {hi}] in {} bins",
                    edges.len() - 1
                );
            }
        }
    }

    #[test]
    fn linspace_ends_exactly_on_stop() {
        let edges = linspace(0.1, 0.7, 7);
        assert_eq!(edges[0], 0.1);
        assert_eq!(edges[6], 0.7);
    }

    #[test]
    fn value_buckets_cover_current_only_values() {
        let b = numeric_buckets(
            Sample::One(&[1.0, 1.0, 2.0]),
            Sample::One(&[2.0, 3.0, -0.0, 0.0]),
            Bins::Evidently,
        );
        let b = b.ok();
        assert_eq!(
            b,
            Some(Buckets {
                reference: vec![0, 2, 1, 0],
                current: vec![2, 0, 1, 1],
            })
        );
    }

    #[test]
    fn fill_depends_on_smallest_share() {
        let mut big = [0.5, 0.5, 0.0];
        fill_empty(&mut big).ok();
        assert_eq!(big[2], 1e-4);
        let mut small = [0.99995, 0.00005, 0.0];
        fill_empty(&mut small).ok();
        assert_eq!(small[2], 0.00005 / 1e6);
    }

    #[test]
    fn empty_side_is_undefined() {
        let r = numeric_buckets(
            Sample::One(&[f64::NAN]),
            Sample::One(&[1.0]),
            Bins::Evidently,
        );
        assert_eq!(r, Err(Undefined::Empty));
    }
}
