//! Computes one metric of a check on an engine's tables, through the metric's kernel: the
//! table gives the columns or the sides, the kernel's state absorbs and finishes them. Knows no
//! metric by name and no engine by type.

use super::EvalError;
use crate::engine::{Columns, Table};
use crate::metrics::auto::{self, Picked, Storage};
use crate::metrics::binning::distinct_up_to;
use crate::metrics::kernel::{Kernel, Params, Side};
use crate::metrics::registry::{self, MetricSpec};
use crate::metrics::rows::Rows;
use crate::metrics::{self, MetricResult, Undefined};
use crate::plan::{Bins, MetricCall};

/// The registry entry of a call, by the name written, so that `p99` is p99's entry.
pub fn spec_of(call: &MetricCall) -> Result<&'static MetricSpec, EvalError> {
    call.spec().ok_or_else(|| EvalError::NoKernel {
        metric: call.name.clone(),
    })
}

/// The arguments of a call that are not columns, as its kernel takes them.
pub fn params(call: &MetricCall) -> Params {
    Params {
        number: call.number,
        bins: match call.bins {
            Bins::Evidently => metrics::binning::Bins::Evidently,
            Bins::Quantile(n) => metrics::binning::Bins::Quantile(n as usize),
        },
    }
}

/// A one-sample metric on rows (a slice's, or a resample of them), through its kernel.
pub fn metric(call: &MetricCall, rows: &Rows<'_>) -> MetricResult<f64> {
    let spec = call.spec().ok_or(Undefined::IncompatibleStates)?;
    spec.kernel.value(rows, &params(call))
}

/// A one-sample metric on a slice, with the columns it read (a confidence bound resamples them).
pub fn one_sample(
    call: &MetricCall,
    table: &impl Table,
    drop_nulls: bool,
) -> Result<(Columns, f64), EvalError> {
    let spec = spec_of(call)?;
    let params = params(call);
    let mut state = spec
        .kernel
        .start(&params)
        .ok_or_else(|| EvalError::TwoSlices {
            metric: call.name.clone(),
        })?;
    let columns = Columns::read(table, call, spec, drop_nulls)?;
    state.absorb(columns.rows()?);
    let value = state.finish(&spec.kernel, &params)?;
    Ok((columns, value))
}

/// A two-sample comparison: the value the check compares, and for a test its p-value.
pub struct TwoSample {
    pub value: f64,
    /// The p-value of a test (`ks`, `chisquare`, `z`).
    pub p_value: Option<f64>,
    /// Values used on each side: NaN and ±inf (numbers) or nulls (text) are dropped, as
    /// Evidently does.
    pub rows: [usize; 2],
}

/// `reference` is the baseline distribution (champion, stable or a named slice), `current` the
/// slice under test. Text and categorical columns are compared per category.
pub fn two_sample(
    call: &MetricCall,
    reference: &impl Table,
    current: &impl Table,
) -> Result<TwoSample, EvalError> {
    let spec = spec_of(call)?;
    let Kernel::TwoSample(kernel) = spec.kernel else {
        return Err(EvalError::NotTwoSample {
            metric: call.name.clone(),
        });
    };
    let column = &call.columns[0];
    let text = reference.storage(column) == Storage::Text;
    if text && call.bins != Bins::Evidently {
        return Err(EvalError::TextBins {
            column: column.clone(),
        });
    }
    if text && kernel.categories.is_none() {
        return Err(EvalError::TextNeedsNumbers {
            column: column.clone(),
            metric: call.name.clone(),
            categorical: category_tests().join(", "),
        });
    }
    // Numeric sides borrow the cached columns' runs; these hold them while the sides live.
    let floats = if text {
        None
    } else {
        Some((reference.floats(column)?, current.floats(column)?))
    };
    let sides = match &floats {
        Some((r, c)) => (Side::Numbers(r.runs()), Side::Numbers(c.runs())),
        None => (
            Side::Categories(reference.categories(column)?),
            Side::Categories(current.categories(column)?),
        ),
    };
    let compared = kernel
        .compare(&sides.0, &sides.1, &params(call))
        .and_then(|compared| {
            let value = compared
                .field(call.field.as_deref())
                .ok_or(Undefined::IncompatibleStates)?;
            Ok(TwoSample {
                value,
                p_value: compared.p_value,
                rows: compared
                    .rows
                    .unwrap_or_else(|| [sides.0.rows(), sides.1.rows()]),
            })
        });
    compared.map_err(|source| EvalError::Compared {
        reference: reference.name().to_string(),
        current: current.name().to_string(),
        column: column.clone(),
        source,
    })
}

/// The two-sample metrics that compare categories, for messages.
fn category_tests() -> Vec<&'static str> {
    registry::METRICS
        .iter()
        .filter(|m| matches!(m.kernel, Kernel::TwoSample(t) if t.categories.is_some()))
        .map(|m| m.name)
        .collect()
}

/// The test `auto` runs on a column: Evidently's default for its storage and counts. When the
/// column cannot be read, the counts are zero, and the picked test reports the read error.
pub fn evidently_test(reference: &impl Table, current: &impl Table, column: &str) -> Picked {
    let limit = auto::FEW_VALUES;
    let storage = reference.storage(column);
    if storage == Storage::Text {
        let counts = reference
            .categories(column)
            .ok()
            .zip(current.categories(column).ok());
        let (rows, union) = counts.map_or((0, 0), |(r, c)| {
            let union =
                metrics::binning::category_count_buckets(&r, &c).map_or(0, |b| b.reference.len());
            (r.total() as usize, union)
        });
        return auto::pick(Storage::Text, 0, 0, union, rows);
    }
    let (r, c) = match (reference.floats(column), current.floats(column)) {
        (Ok(r), Ok(c)) => (r, c),
        _ => return auto::pick(Storage::Float, 0, 0, 0, 0),
    };
    let storage = match storage {
        // A null makes pandas hold the current column as float64, which Evidently types by.
        Storage::Integer if c.values().any(|v| v.is_nan()) => Storage::Float,
        storage => storage,
    };
    let union = distinct_up_to(r.values().chain(c.values()), limit);
    auto::pick(
        storage,
        distinct_up_to(r.values(), limit),
        distinct_up_to(c.values(), limit),
        union,
        r.values().filter(|v| v.is_finite()).count(),
    )
}
