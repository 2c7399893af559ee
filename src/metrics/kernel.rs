//! Metric kernels: how a registry entry computes its value from rows.
//!
//! A kernel takes rows chunk by chunk into a state, merges states of the same metric computed on
//! other chunks (another row group, another thread, another engine's partial result), and
//! finishes a state into the value or the reason it is undefined. Engines feed states without
//! knowing which metric they feed; eval finishes them without matching on metrics. The shapes
//! follow DataFusion's accumulators (update, merge, evaluate):
//! - [`Kernel::Whole`]: the exact value needs whole columns (ranks, order statistics, a mean
//!   before the deviations), so the state keeps the rows the metric reads, and only those;
//! - [`Kernel::Bounded`]: counts, sums, moments, extremes: the state holds no rows;
//! - [`Kernel::TwoSample`]: compares a reference and a current sample, each side's state
//!   holding a numeric column's runs or a text column's counts per category.
//!
//! Exactness is the contract: a state merges exactly or keeps its rows; no sketches. Takes only
//! in-memory slices: never reads files, never knows where the rows came from.

use std::any::Any;

use super::binning::{Bins, Buckets, Categories};
use super::rows::{OwnedRows, Rows};
use super::sample::Sample;
use super::{MetricResult, Undefined};

/// The arguments of a metric call that are not columns.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Params {
    /// A threshold or a quantile level.
    pub number: Option<f64>,
    pub bins: Bins,
}

impl Params {
    /// The threshold or quantile level the metric needs.
    pub fn number(&self) -> MetricResult<f64> {
        self.number.ok_or_else(|| Undefined::OutOfRange {
            what: "a threshold is missing".to_string(),
        })
    }
}

pub type WholeValue = fn(&Rows<'_>, &Params) -> MetricResult<f64>;
pub type StartBounded = fn(&Params) -> Box<dyn Accumulator>;

/// How a metric is computed.
#[derive(Clone, Copy)]
pub enum Kernel {
    /// A value from the whole columns the metric reads.
    Whole(WholeValue),
    /// A state without rows, started from the call's parameters.
    Bounded(StartBounded),
    /// A comparison of two samples.
    TwoSample(TwoSample),
    /// Not computed from rows: `auto` picks another metric per column, `share_drifted`
    /// summarises the other checks of its block.
    Derived,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kernel::Whole(_) => "Whole",
            Kernel::Bounded(_) => "Bounded",
            Kernel::TwoSample(_) => "TwoSample",
            Kernel::Derived => "Derived",
        })
    }
}

/// A two-sample comparison on each kind of column it applies to.
#[derive(Clone, Copy)]
pub struct TwoSample {
    /// Numeric columns, reference first.
    pub numeric: fn(Sample<'_>, Sample<'_>, &Params) -> MetricResult<Compared>,
    /// Text and categorical columns, from the counts per category; `None` for a test that
    /// needs numbers.
    pub categories: Option<fn(&Buckets) -> MetricResult<Compared>>,
}

/// What a two-sample comparison yields: its statistic, and its p-value when it is a test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compared {
    pub statistic: f64,
    pub p_value: Option<f64>,
    /// Values compared on each side, when the comparison counted them anyway (binned tests:
    /// their buckets' totals); otherwise the caller counts them.
    pub rows: Option<[usize; 2]>,
}

impl Compared {
    /// A distance or divergence: no p-value.
    pub fn distance(statistic: f64) -> Self {
        Compared {
            statistic,
            p_value: None,
            rows: None,
        }
    }

    /// A test written as its p-value (`chisquare`, `z`).
    pub fn p_value(p: f64) -> Self {
        Compared {
            statistic: p,
            p_value: Some(p),
            rows: None,
        }
    }

    /// The same, with the rows its buckets hold: each side's finite values or non-null
    /// categories, which is what the comparison used.
    pub fn over(self, buckets: &Buckets) -> Self {
        let total = |counts: &[u64]| counts.iter().sum::<u64>() as usize;
        Compared {
            rows: Some([total(&buckets.reference), total(&buckets.current)]),
            ..self
        }
    }

    /// The part a check compares: the p-value for `.p`, else the statistic.
    pub fn field(&self, field: Option<&str>) -> Option<f64> {
        match field {
            Some("p") => self.p_value,
            _ => Some(self.statistic),
        }
    }
}

/// The state of a metric that holds no rows.
pub trait Accumulator: Send + Sync {
    /// Takes one chunk of the rows the metric reads.
    fn absorb(&mut self, rows: &Rows<'_>);
    /// Adds the state of the same metric on other rows.
    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()>;
    /// The value of the rows absorbed and merged so far.
    fn finish(&self) -> MetricResult<f64>;
    fn as_any(&self) -> &dyn Any;
}

/// The other state of a merge as this state's own type; states of different metrics never merge.
pub fn same_kind<T: 'static>(other: &dyn Accumulator) -> MetricResult<&T> {
    other
        .as_any()
        .downcast_ref::<T>()
        .ok_or(Undefined::IncompatibleStates)
}

/// A one-sample metric's state on one slice or segment.
pub enum State<'a> {
    /// The rows themselves, chunk by chunk (a `Whole` kernel).
    Rows(Vec<Rows<'a>>),
    Bounded(Box<dyn Accumulator>),
}

impl Kernel {
    /// An empty state, or `None` for a kernel that does not compute one slice's value.
    pub fn start<'a>(&self, params: &Params) -> Option<State<'a>> {
        match self {
            Kernel::Whole(_) => Some(State::Rows(Vec::new())),
            Kernel::Bounded(start) => Some(State::Bounded(start(params))),
            Kernel::TwoSample(_) | Kernel::Derived => None,
        }
    }

    /// The value on one set of rows (a whole slice, or a bootstrap resample).
    pub fn value(&self, rows: &Rows<'_>, params: &Params) -> MetricResult<f64> {
        match self {
            Kernel::Whole(value) => value(rows, params),
            Kernel::Bounded(start) => {
                let mut state = start(params);
                state.absorb(rows);
                state.finish()
            }
            Kernel::TwoSample(_) | Kernel::Derived => Err(Undefined::IncompatibleStates),
        }
    }
}

impl<'a> State<'a> {
    pub fn absorb(&mut self, rows: Rows<'a>) {
        match self {
            State::Rows(chunks) => chunks.push(rows),
            State::Bounded(state) => state.absorb(&rows),
        }
    }

    pub fn merge(&mut self, other: State<'a>) -> MetricResult<()> {
        match (self, other) {
            (State::Rows(chunks), State::Rows(more)) => {
                chunks.extend(more);
                Ok(())
            }
            (State::Bounded(state), State::Bounded(more)) => state.merge(more.as_ref()),
            _ => Err(Undefined::IncompatibleStates),
        }
    }

    pub fn finish(&self, kernel: &Kernel, params: &Params) -> MetricResult<f64> {
        match (self, kernel) {
            (State::Rows(chunks), Kernel::Whole(value)) => match chunks.as_slice() {
                [one] => value(one, params),
                many => value(&OwnedRows::concat(many)?.rows()?, params),
            },
            (State::Bounded(state), Kernel::Bounded(_)) => state.finish(),
            _ => Err(Undefined::IncompatibleStates),
        }
    }
}

/// One side of a two-sample comparison.
pub enum Side<'a> {
    /// A numeric column's runs, in order.
    Numbers(Vec<&'a [f64]>),
    /// A text or categorical column's counts per value.
    Categories(Categories),
}

impl Side<'_> {
    /// The values a comparison uses: finite numbers, or non-null categories (both dropped as
    /// Evidently drops them).
    pub fn rows(&self) -> usize {
        match self {
            Side::Numbers(runs) => Sample::Runs(runs)
                .values()
                .filter(|v| v.is_finite())
                .count(),
            Side::Categories(counts) => counts.total() as usize,
        }
    }
}

impl TwoSample {
    /// `reference` against `current`; both sides must be of the same kind.
    pub fn compare(
        &self,
        reference: &Side<'_>,
        current: &Side<'_>,
        params: &Params,
    ) -> MetricResult<Compared> {
        match (reference, current) {
            (Side::Numbers(r), Side::Numbers(c)) => {
                (self.numeric)(Sample::Runs(r), Sample::Runs(c), params)
            }
            (Side::Categories(r), Side::Categories(c)) => {
                let compare = self.categories.ok_or(Undefined::IncompatibleStates)?;
                compare(&super::binning::category_count_buckets(r, c)?)
            }
            _ => Err(Undefined::IncompatibleStates),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{ks, psi, summary};

    fn chunks(values: &[f64]) -> Vec<&[f64]> {
        let third = values.len() / 3;
        vec![
            &values[..third],
            &values[third..2 * third],
            &values[2 * third..],
        ]
    }

    #[test]
    fn two_sample_sides_in_runs_compare_as_whole_columns() {
        let reference: Vec<f64> = (0..300).map(|i| f64::from(i % 37) * 0.5).collect();
        let current: Vec<f64> = (0..200).map(|i| f64::from(i % 41) * 0.45 + 1.0).collect();
        for kernel in [psi::PSI, ks::KS] {
            let Kernel::TwoSample(kernel) = kernel else {
                panic!("a two-sample kernel")
            };
            let params = Params::default();
            let whole = kernel.compare(
                &Side::Numbers(vec![&reference]),
                &Side::Numbers(vec![&current]),
                &params,
            );
            let split = kernel.compare(
                &Side::Numbers(chunks(&reference)),
                &Side::Numbers(chunks(&current)),
                &params,
            );
            assert_eq!(whole, split);
            assert!(whole.is_ok());
        }
    }

    #[test]
    fn category_counts_merge_by_adding() {
        let mut a = Categories::default();
        a.absorb([Some("x"), Some("y"), None]);
        let mut b = Categories::default();
        b.absorb([Some("y"), Some("z")]);
        a.merge(&b);
        assert_eq!((a.total(), a.distinct()), (4, 3));
    }

    #[test]
    fn states_of_different_metrics_do_not_merge() {
        let params = Params::default();
        let mut mean = summary::MEAN.start(&params).expect("a one-sample kernel");
        let std = summary::STD.start(&params).expect("a one-sample kernel");
        assert_eq!(mean.merge(std), Err(Undefined::IncompatibleStates));
        let rows = summary::QUANTILE
            .start(&params)
            .expect("a one-sample kernel");
        assert_eq!(mean.merge(rows), Err(Undefined::IncompatibleStates));
        let none: Option<State<'_>> = psi::PSI.start(&params);
        assert!(none.is_none(), "a two-sample kernel has no one-slice state");
    }
}
