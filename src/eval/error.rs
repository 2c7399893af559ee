//! Why a check could not be decided: the check's `error` status carries one of these as its
//! reason. Each names the metric, slice, column or bound involved.

use crate::engine::EngineError;
use crate::metrics::Undefined;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The metric has no value on the slice's rows.
    #[error(transparent)]
    Undefined(#[from] Undefined),
    /// Another error, on the named slice.
    #[error("{slice}: {source}")]
    On {
        slice: String,
        source: Box<EvalError>,
    },
    #[error("`{metric}` has no implementation")]
    NoKernel { metric: String },
    #[error("`{metric}` compares two slices")]
    TwoSlices { metric: String },
    #[error("`{metric}` is not a two-sample metric")]
    NotTwoSample { metric: String },
    #[error("slice `{slice}` was not loaded")]
    NotLoaded { slice: String },
    #[error(
        "column `{column}` holds text: `bins = quantile(n)` needs numbers (leave `bins` out to compare categories)"
    )]
    TextBins { column: String },
    #[error(
        "column `{column}` holds text: `{metric}` needs numbers ({categorical} compare categories)"
    )]
    TextNeedsNumbers {
        column: String,
        metric: String,
        categorical: String,
    },
    #[error("{reference} vs {current}, column `{column}`: {source}")]
    Compared {
        reference: String,
        current: String,
        column: String,
        source: Undefined,
    },
    #[error("the comparison is undefined ({value} {op} {threshold})")]
    Comparison {
        value: f64,
        op: &'static str,
        threshold: f64,
    },
    #[error(transparent)]
    Bound(#[from] BoundError),
    #[error(transparent)]
    Segments(#[from] SegmentError),
}

/// Why an `at` check has no confidence bound.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundError {
    #[error("a two-sample metric has no confidence bound")]
    TwoSample,
    #[error("a confidence bound needs `<`, `<=`, `>` or `>=`, not `{op}`")]
    NotOneSided { op: &'static str },
    #[error(
        "a confidence bound needs a bound linear in the baseline, such as `champion * 1.1` or `champion - 0.005`"
    )]
    NotLinear,
    #[error("the metric has no label column")]
    NoLabel,
    #[error("{0}")]
    Variance(Undefined),
    #[error("DeLong's variance of the AUROC is zero, so it has no confidence bound")]
    ZeroVariance,
    #[error("DeLong's test: {0}")]
    DeLong(Undefined),
    #[error("bootstrap: {0}")]
    Bootstrap(Undefined),
    #[error(
        "{resamples} resamples are too few for a {percent}% bound; use --resamples {needed} or more"
    )]
    TooFewResamples {
        resamples: usize,
        percent: f64,
        needed: usize,
    },
    #[error("every bootstrap replicate has the same value, so there is no spread to bound")]
    NoSpread,
    #[error("the confidence bound is undefined ({0})")]
    Undefined(f64),
}

/// Why a `by` check could not be decided from its segments.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    #[error("{slice}: too many rows to segment")]
    TooManyRows { slice: String },
    #[error("`{column}` has more than {limit} distinct values; segment by a coarser column")]
    TooManyValues { column: String, limit: usize },
    /// The first segment that errored (or failed), and how many more did.
    #[error("{column} = {value}: {reason}{}", more_text(*.more))]
    First {
        column: String,
        value: String,
        reason: String,
        more: usize,
    },
    #[error("no segment of `{column}` could be evaluated ({skipped} skipped)")]
    NoneEvaluated { column: String, skipped: usize },
}

/// ` (and N more)` after the first of several segments.
fn more_text(more: usize) -> String {
    if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    }
}
