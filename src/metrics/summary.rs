//! Summaries of one numeric column (quantiles, mean, min, max, sum, std, count) and the rate of
//! a row predicate.
//!
//! Takes a `&[f64]` column (or a `&[bool]` mask for `rate`) and returns the value, or why it is
//! undefined: no rows, a NaN or ±inf among them, a quantile level outside [0, 1]. Each matches
//! NumPy: `quantile`/`percentile` with method `linear`, `mean`, `min`, `max`, `sum`, and `std`
//! with ddof 0. Never reorders the caller's slice; `quantile` selects on a copy.

use std::any::Any;

use super::kernel::{Accumulator, same_kind};
use super::pairwise_sum::{pairwise_sum, pairwise_sum_of};
use super::rows::Rows;
use super::{MetricResult, Undefined, input};

use super::kernel::Kernel;

pub const QUANTILE: Kernel =
    Kernel::Whole(|rows, params| quantile(rows.float(0), params.number()?));
pub const MEAN: Kernel = Kernel::Bounded(|_| Box::new(Totals::new(Total::Mean)));
pub const SUM: Kernel = Kernel::Bounded(|_| Box::new(Totals::new(Total::Sum)));
pub const MIN: Kernel = Kernel::Bounded(|_| Box::new(Extreme::new(false)));
pub const MAX: Kernel = Kernel::Bounded(|_| Box::new(Extreme::new(true)));
pub const STD: Kernel = Kernel::Bounded(|_| Box::<Moments>::default());
pub const COUNT: Kernel = Kernel::Bounded(|_| Box::<Count>::default());
pub const RATE: Kernel = Kernel::Bounded(|_| Box::<Rate>::default());

/// The q-quantile as NumPy's `quantile(values, q, method="linear")`; `p99` is `q = 0.99`.
///
/// Runs in linear time: one selection on a copy, then a scan for the next order statistic, so a
/// single quantile of 10M rows never pays for a full sort. Callers wanting several quantiles of
/// one column should sort once and use [`quantile_sorted`].
pub fn quantile(values: &[f64], q: f64) -> MetricResult<f64> {
    level(q)?;
    input::non_empty(values.len())?;
    input::all_finite(&[values])?;
    let (index, weight) = position(values.len(), q);
    let mut copy = values.to_vec();
    let (_, below, above) = copy.select_nth_unstable_by(index, f64::total_cmp);
    let below = *below;
    if weight == 0.0 {
        return Ok(below);
    }
    // Everything right of the selected element is at least as large, so its minimum is the next
    // order statistic; with nothing there NumPy clamps to the last element, which is `below`.
    let next = above
        .iter()
        .copied()
        .min_by(f64::total_cmp)
        .unwrap_or(below);
    Ok(lerp(below, next, weight))
}

/// The same as [`quantile`] on values already sorted ascending, as by
/// `sort_unstable_by(f64::total_cmp)`; the caller pays for one sort however many levels it asks.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> MetricResult<f64> {
    level(q)?;
    input::non_empty(sorted.len())?;
    input::all_finite(&[sorted])?;
    let (index, weight) = position(sorted.len(), q);
    let Some(&below) = sorted.get(index) else {
        return Err(Undefined::Empty);
    };
    let next = sorted.get(index + 1).copied().unwrap_or(below);
    Ok(lerp(below, next, weight))
}

pub fn mean(values: &[f64]) -> MetricResult<f64> {
    Totals::over(values, Total::Mean).finish()
}

pub fn min(values: &[f64]) -> MetricResult<f64> {
    Extreme::over(values, false).finish()
}

pub fn max(values: &[f64]) -> MetricResult<f64> {
    Extreme::over(values, true).finish()
}

/// The sum; undefined on no rows (NumPy says 0) because a gate on the sum of nothing is almost
/// always a slice that failed to load.
pub fn sum(values: &[f64]) -> MetricResult<f64> {
    Totals::over(values, Total::Sum).finish()
}

/// The population standard deviation (ddof 0), computed in two passes as NumPy does: squaring
/// deviations from the mean avoids the cancellation of the one-pass `E[x²] - E[x]²`.
pub fn std(values: &[f64]) -> MetricResult<f64> {
    let mut moments = Moments::default();
    moments.absorb_values(values);
    moments.finish()
}

/// Rows that are not null (NaN); ±inf counts as a value. Defined on no rows: the count is 0.
pub fn count(values: &[f64]) -> usize {
    values.iter().filter(|v| !v.is_nan()).count()
}

/// The share of rows where a predicate holds.
pub fn rate(mask: &[bool]) -> MetricResult<f64> {
    let mut rate = Rate::default();
    rate.absorb_mask(mask);
    rate.finish()
}

/// Rows seen and how many of them were NaN or ±inf: the checks of every summary's finish.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    rows: usize,
    not_finite: usize,
}

impl Seen {
    fn absorb(&mut self, values: &[f64]) {
        self.rows += values.len();
        self.not_finite += values.iter().filter(|v| !v.is_finite()).count();
    }

    fn merge(&mut self, other: Seen) {
        self.rows += other.rows;
        self.not_finite += other.not_finite;
    }

    fn finite_rows(&self) -> MetricResult<()> {
        input::non_empty(self.rows)?;
        if self.not_finite > 0 {
            return Err(Undefined::NotFinite {
                count: self.not_finite,
            });
        }
        Ok(())
    }
}

/// Which value a [`Totals`] state finishes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    Sum,
    Mean,
}

/// `sum` and `mean`: each chunk summed in NumPy's pairwise order, chunks added. On one chunk the
/// value is NumPy's to the last bit; merged chunks differ from one pairwise sum by rounding only.
#[derive(Debug, Clone, Copy)]
pub struct Totals {
    seen: Seen,
    sum: f64,
    total: Total,
}

impl Totals {
    pub fn new(total: Total) -> Self {
        Totals {
            seen: Seen::default(),
            sum: 0.0,
            total,
        }
    }

    fn over(values: &[f64], total: Total) -> Self {
        let mut totals = Totals::new(total);
        totals.absorb_values(values);
        totals
    }

    fn absorb_values(&mut self, values: &[f64]) {
        self.seen.absorb(values);
        self.sum += pairwise_sum(values);
    }
}

impl Accumulator for Totals {
    fn absorb(&mut self, rows: &Rows<'_>) {
        self.absorb_values(rows.float(0));
    }

    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()> {
        let other: &Totals = same_kind(other)?;
        self.seen.merge(other.seen);
        self.sum += other.sum;
        Ok(())
    }

    fn finish(&self) -> MetricResult<f64> {
        self.seen.finite_rows()?;
        Ok(match self.total {
            Total::Sum => self.sum,
            Total::Mean => self.sum / self.seen.rows as f64,
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `min` or `max` of a column.
#[derive(Debug, Clone, Copy)]
pub struct Extreme {
    seen: Seen,
    value: f64,
    largest: bool,
}

impl Extreme {
    pub fn new(largest: bool) -> Self {
        Extreme {
            seen: Seen::default(),
            value: if largest {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            },
            largest,
        }
    }

    fn over(values: &[f64], largest: bool) -> Self {
        let mut extreme = Extreme::new(largest);
        extreme.absorb_values(values);
        extreme
    }

    fn absorb_values(&mut self, values: &[f64]) {
        self.seen.absorb(values);
        self.value = values.iter().copied().fold(self.value, self.pick());
    }

    fn pick(&self) -> fn(f64, f64) -> f64 {
        if self.largest { f64::max } else { f64::min }
    }
}

impl Accumulator for Extreme {
    fn absorb(&mut self, rows: &Rows<'_>) {
        self.absorb_values(rows.float(0));
    }

    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()> {
        let other: &Extreme = same_kind(other)?;
        self.seen.merge(other.seen);
        self.value = self.pick()(self.value, other.value);
        Ok(())
    }

    fn finish(&self) -> MetricResult<f64> {
        self.seen.finite_rows()?;
        Ok(self.value)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Count, mean and sum of squared deviations of a column (`std`): two passes per chunk as NumPy
/// does, chunks combined with Chan, Golub and LeVeque's update (exact for one chunk).
#[derive(Debug, Clone, Copy, Default)]
pub struct Moments {
    seen: Seen,
    mean: f64,
    squares: f64,
}

impl Moments {
    fn absorb_values(&mut self, values: &[f64]) {
        let n = values.len();
        let mean = input::mean_of(n, |i| values[i]);
        let squares = pairwise_sum_of(n, |i| (values[i] - mean) * (values[i] - mean));
        let mut seen = Seen::default();
        seen.absorb(values);
        self.combine(seen, mean, squares);
    }

    fn combine(&mut self, seen: Seen, mean: f64, squares: f64) {
        let (a, b) = (self.seen.rows as f64, seen.rows as f64);
        if seen.rows == 0 {
            return;
        }
        if self.seen.rows == 0 {
            (self.mean, self.squares) = (mean, squares);
        } else {
            let delta = mean - self.mean;
            self.mean += delta * b / (a + b);
            self.squares += squares + delta * delta * a * b / (a + b);
        }
        self.seen.merge(seen);
    }
}

impl Accumulator for Moments {
    fn absorb(&mut self, rows: &Rows<'_>) {
        self.absorb_values(rows.float(0));
    }

    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()> {
        let other: &Moments = same_kind(other)?;
        self.combine(other.seen, other.mean, other.squares);
        Ok(())
    }

    fn finish(&self) -> MetricResult<f64> {
        self.seen.finite_rows()?;
        Ok((self.squares / self.seen.rows as f64).sqrt())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `count(column)` (values that are not NaN) or `count(condition)` (rows where it holds).
#[derive(Debug, Clone, Copy, Default)]
pub struct Count(u64);

impl Accumulator for Count {
    fn absorb(&mut self, rows: &Rows<'_>) {
        self.0 += if rows.has_flags() {
            rows.flag(0).iter().filter(|m| **m).count()
        } else {
            count(rows.float(0))
        } as u64;
    }

    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()> {
        self.0 += same_kind::<Count>(other)?.0;
        Ok(())
    }

    fn finish(&self) -> MetricResult<f64> {
        Ok(self.0 as f64)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `rate(condition)`: rows where it holds over rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rate {
    rows: u64,
    hits: u64,
}

impl Rate {
    fn absorb_mask(&mut self, mask: &[bool]) {
        self.rows += mask.len() as u64;
        self.hits += mask.iter().filter(|&&m| m).count() as u64;
    }
}

impl Accumulator for Rate {
    fn absorb(&mut self, rows: &Rows<'_>) {
        self.absorb_mask(rows.flag(0));
    }

    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()> {
        let other: &Rate = same_kind(other)?;
        self.rows += other.rows;
        self.hits += other.hits;
        Ok(())
    }

    fn finish(&self) -> MetricResult<f64> {
        input::non_empty(self.rows as usize)?;
        Ok(self.hits as f64 / self.rows as f64)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn level(q: f64) -> MetricResult<()> {
    if (0.0..=1.0).contains(&q) {
        Ok(())
    } else {
        Err(Undefined::OutOfRange {
            what: format!("the quantile level `{q}` is outside [0, 1]"),
        })
    }
}

/// NumPy's virtual index `(n - 1) * q`, split into the lower order statistic and the weight of
/// the next one. Both are computed exactly as NumPy does so the interpolation rounds the same.
fn position(len: usize, q: f64) -> (usize, f64) {
    let last = len.saturating_sub(1);
    let virtual_index = last as f64 * q;
    let lower = virtual_index.floor();
    // `q <= 1` keeps the index in bounds; the `min` only guards against a future caller.
    ((lower as usize).min(last), virtual_index - lower)
}

/// NumPy's `_lerp`: interpolates from the nearer end so that weight 1 returns `b` exactly.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}
