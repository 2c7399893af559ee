//! Computes one metric of a check on loaded slices, reading each column once per slice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::predicate;
use polars::prelude::StringChunked;

use crate::data::{Floats, Slice, f64_values};
use crate::metrics::auto::{self, Picked, Storage};
use crate::metrics::binning::Categories;
use crate::metrics::kernel::{Kernel, Params, Side};
use crate::metrics::registry::{self, MetricSpec, ParamKind};
use crate::metrics::rows::Rows;
use crate::metrics::{self, MetricResult, Undefined};
use crate::plan::{Bins, MetricCall};

/// A slice with a cache of the columns already turned into vectors, shared by the checks that
/// run in parallel.
pub struct Values<'a> {
    slice: &'a Slice,
    columns: Mutex<HashMap<String, Arc<Floats>>>,
}

impl<'a> Values<'a> {
    pub fn new(slice: &'a Slice) -> Self {
        Values {
            slice,
            columns: Mutex::new(HashMap::new()),
        }
    }

    pub fn slice(&self) -> &'a Slice {
        self.slice
    }

    pub fn slice_name(&self) -> &str {
        &self.slice.name
    }

    pub fn rows(&self) -> usize {
        self.slice.frame.height()
    }

    pub fn f64s(&self, column: &str) -> Result<Arc<Floats>, String> {
        let cached = self.cache().get(column).map(Arc::clone);
        if let Some(values) = cached {
            return Ok(values);
        }
        // Converted outside the lock so other columns convert in parallel; two checks asking
        // for the same new column at once convert it twice, which is only wasted work.
        let values = Arc::new(
            f64_values(&self.slice.frame, column).map_err(|e| format!("column `{column}`: {e}"))?,
        );
        self.cache().insert(column.to_string(), Arc::clone(&values));
        Ok(values)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Floats>>> {
        self.columns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A 0/1 or boolean column as booleans; anything else is an error naming the value.
    pub fn labels(&self, column: &str) -> Result<Vec<Option<bool>>, String> {
        self.f64s(column)?
            .values()
            .map(|v| match v {
                0.0 => Ok(Some(false)),
                1.0 => Ok(Some(true)),
                v if v.is_nan() => Ok(None),
                v => Err(format!(
                    "label column `{column}` holds {v}; labels must be 0/1 or boolean"
                )),
            })
            .collect()
    }

    /// Whether the column holds text or categories rather than numbers.
    pub fn is_text(&self, column: &str) -> bool {
        self.slice
            .frame
            .column(column)
            .is_ok_and(|c| crate::data::is_text(c.dtype()))
    }

    pub fn texts(&self, column: &str) -> Result<StringChunked, String> {
        crate::data::text_column(&self.slice.frame, column)
            .map_err(|e| format!("column `{column}`: {e}"))
    }

    pub fn mask(&self, predicate: &crate::plan::Predicate) -> Result<Vec<bool>, String> {
        predicate::mask(&self.slice.frame, predicate).map_err(|e| format!("condition: {e}"))
    }
}

fn undefined(e: Undefined) -> String {
    e.to_string()
}

/// Labels and scores, with null rows dropped when the policy says `drop nulls` and refused
/// otherwise.
fn labelled(
    values: &Values<'_>,
    call: &MetricCall,
    drop_nulls: bool,
) -> Result<(Vec<bool>, Vec<f64>), String> {
    let labels = values.labels(&call.columns[0])?;
    let scores = values.f64s(&call.columns[1])?;
    let mut kept_labels = Vec::with_capacity(labels.len());
    let mut kept_scores = Vec::with_capacity(scores.len());
    let mut missing = 0usize;
    for (label, score) in labels.iter().zip(scores.values()) {
        match label {
            Some(l) if score.is_finite() || !drop_nulls => {
                kept_labels.push(*l);
                kept_scores.push(score);
            }
            _ => missing += 1,
        }
    }
    if missing > 0 && !drop_nulls {
        return Err(format!(
            "{missing} rows have a null label in `{}` (write `drop nulls` in the data block to drop them)",
            call.columns[0]
        ));
    }
    Ok((kept_labels, kept_scores))
}

/// Two numeric columns, row-aligned, with non-finite rows dropped under `drop nulls`.
fn paired(
    values: &Values<'_>,
    call: &MetricCall,
    drop_nulls: bool,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let a = values.f64s(&call.columns[0])?;
    let b = values.f64s(&call.columns[1])?;
    if !drop_nulls {
        return Ok((a.values().collect(), b.values().collect()));
    }
    Ok(a.values()
        .zip(b.values())
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .unzip())
}

fn single(values: &Values<'_>, call: &MetricCall, drop_nulls: bool) -> Result<Arc<Floats>, String> {
    let column = values.f64s(&call.columns[0])?;
    if drop_nulls {
        let finite: Vec<f64> = column.values().filter(|v| v.is_finite()).collect();
        return Ok(Arc::new(Floats::from(finite)));
    }
    Ok(column)
}

/// The columns one metric reads from one slice, owned, so that the metric can be computed on
/// them and on their bootstrap resamples alike.
pub struct Columns {
    label: Option<Vec<bool>>,
    floats: Vec<Arc<Floats>>,
    flags: Vec<Vec<bool>>,
}

impl Columns {
    pub fn rows(&self) -> Result<Rows<'_>, String> {
        let floats: Vec<&[f64]> = self.floats.iter().map(|f| &***f).collect();
        let flags: Vec<&[bool]> = self.flags.iter().map(Vec::as_slice).collect();
        let rows = match &self.label {
            Some(label) => Rows::labelled(label, &floats),
            None => Rows::new(&floats),
        };
        rows.and_then(|r| r.with_flags(&flags)).map_err(undefined)
    }

    /// Rows read, whichever columns the metric reads.
    pub fn len(&self) -> usize {
        match (&self.label, self.floats.first(), self.flags.first()) {
            (Some(label), _, _) => label.len(),
            (None, Some(floats), _) => floats.len(),
            (None, None, Some(flags)) => flags.len(),
            (None, None, None) => 0,
        }
    }

    pub fn label(&self) -> Option<&[bool]> {
        self.label.as_deref()
    }

    pub fn float(&self, index: usize) -> &[f64] {
        self.floats.get(index).map_or(&[], |f| &***f)
    }
}

/// The registry entry of a call, by the name written, so that `p99` is p99's entry.
pub fn spec_of(call: &MetricCall) -> Result<&'static MetricSpec, String> {
    registry::lookup(&call.name).ok_or_else(|| format!("`{}` has no implementation", call.name))
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

/// Reads the columns a one-sample metric's parameters name: label and score, two numeric
/// columns (target and prediction), one column, or the mask of a condition.
fn columns(
    call: &MetricCall,
    spec: &MetricSpec,
    values: &Values<'_>,
    drop_nulls: bool,
) -> Result<Columns, String> {
    let plain = |floats| Columns {
        label: None,
        floats,
        flags: Vec::new(),
    };
    let masked = |predicate: Option<&crate::plan::Predicate>| -> Result<Columns, String> {
        let predicate = predicate.ok_or("a condition is missing")?;
        Ok(Columns {
            label: None,
            floats: Vec::new(),
            flags: vec![values.mask(predicate)?],
        })
    };
    let kinds: Vec<ParamKind> = spec
        .params
        .iter()
        .map(|p| p.kind)
        .filter(|k| *k != ParamKind::Number)
        .collect();
    Ok(match kinds.as_slice() {
        [ParamKind::Label, ParamKind::Column] => {
            let (labels, scores) = labelled(values, call, drop_nulls)?;
            Columns {
                label: Some(labels),
                floats: vec![Arc::new(Floats::from(scores))],
                flags: Vec::new(),
            }
        }
        [ParamKind::Column, ParamKind::Column] => {
            let (target, prediction) = paired(values, call, drop_nulls)?;
            plain(vec![
                Arc::new(Floats::from(target)),
                Arc::new(Floats::from(prediction)),
            ])
        }
        [ParamKind::Predicate] => masked(call.predicate.as_ref())?,
        [ParamKind::ColumnOrPredicate] if call.predicate.is_some() => {
            masked(call.predicate.as_ref())?
        }
        [ParamKind::Column | ParamKind::ColumnOrPredicate] => {
            plain(vec![single(values, call, drop_nulls)?])
        }
        _ => {
            return Err(format!(
                "`{}` reads columns verdict cannot give it",
                call.name
            ));
        }
    })
}

/// A one-sample metric on rows (a slice's, or a resample of them), through its kernel.
pub fn metric(call: &MetricCall, rows: &Rows<'_>) -> MetricResult<f64> {
    let spec = registry::lookup(&call.name).ok_or(Undefined::IncompatibleStates)?;
    spec.kernel.value(rows, &params(call))
}

/// A one-sample metric on a slice, with the columns it read (a confidence bound resamples them).
pub fn one_sample(
    call: &MetricCall,
    values: &Values<'_>,
    drop_nulls: bool,
) -> Result<(Columns, f64), String> {
    let spec = spec_of(call)?;
    let params = params(call);
    let mut state = spec
        .kernel
        .start(&params)
        .ok_or_else(|| format!("`{}` compares two slices", call.name))?;
    let columns = columns(call, spec, values, drop_nulls)?;
    state.absorb(columns.rows()?);
    let value = state.finish(&spec.kernel, &params).map_err(undefined)?;
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
    reference: &Values<'_>,
    current: &Values<'_>,
) -> Result<TwoSample, String> {
    let spec = spec_of(call)?;
    let Kernel::TwoSample(kernel) = spec.kernel else {
        return Err(format!("`{}` is not a two-sample metric", call.name));
    };
    let column = &call.columns[0];
    let text = reference.is_text(column);
    if text && call.bins != Bins::Evidently {
        return Err(format!(
            "column `{column}` holds text: `bins = quantile(n)` needs numbers (leave `bins` out to compare categories)"
        ));
    }
    if text && kernel.categories.is_none() {
        return Err(format!(
            "column `{column}` holds text: `{}` needs numbers ({} compare categories)",
            call.name,
            category_tests().join(", ")
        ));
    }
    // Numeric sides borrow the cached columns' runs; these hold them while the sides live.
    let floats = if text {
        None
    } else {
        Some((reference.f64s(column)?, current.f64s(column)?))
    };
    let sides = match &floats {
        Some((r, c)) => (Side::Numbers(r.runs()), Side::Numbers(c.runs())),
        None => (categories(reference, column)?, categories(current, column)?),
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
                rows: [sides.0.rows(), sides.1.rows()],
            })
        });
    compared.map_err(|e| {
        format!(
            "{} vs {}, column `{column}`: {e}",
            reference.slice_name(),
            current.slice_name()
        )
    })
}

fn categories<'v>(values: &Values<'_>, column: &str) -> Result<Side<'v>, String> {
    let mut counts = Categories::default();
    counts.absorb(values.texts(column)?.iter());
    Ok(Side::Categories(counts))
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
pub fn evidently_test(reference: &Values<'_>, current: &Values<'_>, column: &str) -> Picked {
    use metrics::binning::{distinct_up_to, text_buckets};
    let limit = auto::FEW_VALUES;
    if reference.is_text(column) {
        let texts = reference.texts(column).ok().zip(current.texts(column).ok());
        let (rows, union) = texts.map_or((0, 0), |(r, c)| {
            let union = text_buckets(r.iter(), c.iter()).map_or(0, |b| b.reference.len());
            (r.len() - r.null_count(), union)
        });
        return auto::pick(Storage::Text, 0, 0, union, rows);
    }
    let dtype = reference
        .slice()
        .frame
        .column(column)
        .map(|c| c.dtype().clone());
    let (r, c) = match (reference.f64s(column), current.f64s(column)) {
        (Ok(r), Ok(c)) => (r, c),
        _ => return auto::pick(Storage::Float, 0, 0, 0, 0),
    };
    let storage = match dtype {
        Ok(d) if d.is_bool() => Storage::Bool,
        // A null makes pandas hold the current column as float64, which Evidently types by.
        Ok(d) if d.is_integer() && c.values().all(|v| !v.is_nan()) => Storage::Integer,
        _ => Storage::Float,
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
