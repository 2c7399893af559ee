//! Metric functions: pure computations on in-memory columns.
//!
//! Takes contiguous slices (`&[f64]` values, `&[bool]` labels), or for binning a
//! [`sample::Sample`] of several runs, and returns a value or the reason the metric is undefined
//! on that data. Never reads files, never looks at the clock, never panics on user data. Each
//! function matches the reference implementation named in DESIGN.md §3; the tests under
//! `tests/suite/` compare them with committed reference values.

/// Why a metric has no value on the given data. The evaluator turns it into a check's `error`
/// status and names the slice and column around it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Undefined {
    #[error("no rows to compute it on")]
    Empty,
    #[error("the labels hold only class {class}, so it is undefined")]
    SingleClass { class: u8 },
    #[error("there are no positive labels")]
    NoPositives,
    #[error("{count} values are NaN or infinite")]
    NotFinite { count: usize },
    #[error("its denominator is zero ({what})")]
    ZeroDenominator { what: &'static str },
    #[error("the target is constant, so r2 is undefined")]
    ConstantTarget,
    #[error("{what}")]
    OutOfRange { what: String },
    #[error("the two inputs have different lengths ({left} and {right})")]
    LengthMismatch { left: usize, right: usize },
    /// A state met another metric's state or a kernel it was not started by: a defect in the
    /// caller, reported rather than computed on.
    #[error("states of different metrics cannot be combined")]
    IncompatibleStates,
}

pub type MetricResult<T = f64> = Result<T, Undefined>;
pub mod auto;
pub mod binning;
pub mod calibration;
pub mod classification;
pub mod distances;
pub mod divergence;
pub mod frequency;
mod histogram;
pub(crate) mod input;
pub mod kernel;
pub mod kolmogorov;
pub mod ks;
pub(crate) mod pairwise_sum;
pub mod psi;
pub mod rank_tests;
pub mod registry;
pub mod regression;
pub mod rows;
pub mod sample;
pub mod summary;
pub mod t_test;
pub(crate) mod two_sample;
