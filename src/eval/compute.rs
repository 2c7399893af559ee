//! Computes one metric of a check on loaded slices, reading each column once per slice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::predicate;
use polars::prelude::StringChunked;

use crate::data::{Floats, Slice, f64_values};
use crate::metrics::auto::{self, Picked, Storage};
use crate::metrics::binning::{Buckets, numeric_buckets};
use crate::metrics::registry::MetricId;
use crate::metrics::sample::Sample;
use crate::metrics::{self, MetricResult, Undefined};
use crate::plan::{Bins, MetricCall};
use crate::stats::bootstrap::Rows;

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

/// Reads the columns of a one-sample metric: label and score, target and prediction, one
/// column, or the mask of a condition.
fn columns(call: &MetricCall, values: &Values<'_>, drop_nulls: bool) -> Result<Columns, String> {
    let plain = |floats| Columns {
        label: None,
        floats,
        flags: Vec::new(),
    };
    Ok(match call.id {
        MetricId::Auroc
        | MetricId::Auprc
        | MetricId::Logloss
        | MetricId::Brier
        | MetricId::Ece
        | MetricId::Accuracy
        | MetricId::Precision
        | MetricId::Recall
        | MetricId::F1 => {
            let (labels, scores) = labelled(values, call, drop_nulls)?;
            Columns {
                label: Some(labels),
                floats: vec![Arc::new(Floats::from(scores))],
                flags: Vec::new(),
            }
        }
        MetricId::Rmse | MetricId::Mae | MetricId::R2 => {
            let (target, prediction) = paired(values, call, drop_nulls)?;
            plain(vec![
                Arc::new(Floats::from(target)),
                Arc::new(Floats::from(prediction)),
            ])
        }
        MetricId::Count | MetricId::Rate if call.predicate.is_some() => {
            let predicate = call.predicate.as_ref().ok_or("a condition is missing")?;
            Columns {
                label: None,
                floats: Vec::new(),
                flags: vec![values.mask(predicate)?],
            }
        }
        MetricId::Rate => return Err("a condition is missing".into()),
        MetricId::Quantile
        | MetricId::Mean
        | MetricId::Min
        | MetricId::Max
        | MetricId::Sum
        | MetricId::Std
        | MetricId::Count => plain(vec![single(values, call, drop_nulls)?]),
        MetricId::Psi
        | MetricId::Ks
        | MetricId::Kl
        | MetricId::Js
        | MetricId::Wasserstein
        | MetricId::Chisquare
        | MetricId::Z
        | MetricId::Auto
        | MetricId::ShareDrifted => {
            return Err(format!("`{}` compares two slices", call.name));
        }
    })
}

/// A one-sample metric on the columns [`columns`] read (or on a resample of them).
pub fn metric(call: &MetricCall, rows: &Rows<'_>) -> MetricResult<f64> {
    use metrics::{calibration as cal, classification as cls, regression as reg, summary as sum};
    let threshold = || {
        call.number.ok_or_else(|| Undefined::OutOfRange {
            what: "a threshold is missing".to_string(),
        })
    };
    let (label, first, second) = (rows.label(), rows.float(0), rows.float(1));
    match call.id {
        MetricId::Auroc => cls::auroc(label, first),
        MetricId::Auprc => cls::auprc(label, first),
        MetricId::Logloss => cal::logloss(label, first),
        MetricId::Brier => cal::brier(label, first),
        MetricId::Ece => cal::ece(label, first),
        MetricId::Accuracy => cls::accuracy(label, first, threshold()?),
        MetricId::Precision => cls::precision(label, first, threshold()?),
        MetricId::Recall => cls::recall(label, first, threshold()?),
        MetricId::F1 => cls::f1(label, first, threshold()?),
        MetricId::Rmse => reg::rmse(first, second),
        MetricId::Mae => reg::mae(first, second),
        MetricId::R2 => reg::r2(first, second),
        MetricId::Quantile => sum::quantile(first, threshold()?),
        MetricId::Mean => sum::mean(first),
        MetricId::Min => sum::min(first),
        MetricId::Max => sum::max(first),
        MetricId::Sum => sum::sum(first),
        MetricId::Std => sum::std(first),
        MetricId::Count if call.predicate.is_some() => {
            Ok(rows.flag(0).iter().filter(|m| **m).count() as f64)
        }
        MetricId::Count => Ok(first.iter().filter(|v| !v.is_nan()).count() as f64),
        MetricId::Rate => sum::rate(rows.flag(0)),
        MetricId::Psi
        | MetricId::Ks
        | MetricId::Kl
        | MetricId::Js
        | MetricId::Wasserstein
        | MetricId::Chisquare
        | MetricId::Z
        | MetricId::Auto
        | MetricId::ShareDrifted => Err(Undefined::OutOfRange {
            what: format!("`{}` compares two slices", call.name),
        }),
    }
}

/// A one-sample metric on a slice, with the columns it read (a confidence bound resamples them).
pub fn one_sample(
    call: &MetricCall,
    values: &Values<'_>,
    drop_nulls: bool,
) -> Result<(Columns, f64), String> {
    let columns = columns(call, values, drop_nulls)?;
    let value = metric(call, &columns.rows()?).map_err(undefined)?;
    Ok((columns, value))
}

/// A two-sample comparison: the value the check compares, and for KS both parts.
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
    let column = &call.columns[0];
    let compared = if reference.is_text(column) {
        text_two_sample(call, reference, current)?
    } else {
        numeric_two_sample(call, reference, current)?
    };
    compared.map_err(|e| {
        format!(
            "{} vs {}, column `{column}`: {e}",
            reference.slice_name(),
            current.slice_name()
        )
    })
}

fn numeric_two_sample(
    call: &MetricCall,
    reference: &Values<'_>,
    current: &Values<'_>,
) -> Result<MetricResult<TwoSample>, String> {
    let column = &call.columns[0];
    let (r, c) = (reference.f64s(column)?, current.f64s(column)?);
    let bins = match call.bins {
        Bins::Evidently => metrics::binning::Bins::Evidently,
        Bins::Quantile(n) => metrics::binning::Bins::Quantile(n as usize),
    };
    let from_buckets: Option<fn(&Buckets) -> MetricResult<f64>> = match call.id {
        MetricId::Psi => Some(metrics::psi::psi_from_buckets),
        MetricId::Kl => Some(metrics::divergence::kl_from_buckets),
        MetricId::Js => Some(metrics::divergence::js_from_buckets),
        _ => None,
    };
    if let Some(from_buckets) = from_buckets {
        // Binned in place, chunk by chunk.
        let (r_runs, c_runs) = (r.runs(), c.runs());
        let binned = numeric_buckets(Sample::Runs(&r_runs), Sample::Runs(&c_runs), bins);
        return Ok(binned.and_then(|buckets| {
            // Each side's buckets hold exactly its finite values.
            let rows = [&buckets.reference, &buckets.current]
                .map(|counts| counts.iter().sum::<u64>() as usize);
            Ok(two_sample_value(call, from_buckets(&buckets)?, rows))
        }));
    }
    let rows = || {
        let finite = |v: &Floats| v.values().filter(|x| x.is_finite()).count();
        [finite(&r), finite(&c)]
    };
    // The other tests sort or tabulate copies of their input.
    let (r_all, c_all) = (r.contiguous(), c.contiguous());
    let result = match call.id {
        MetricId::Ks => {
            return Ok(metrics::ks::ks_2samp(&r_all, &c_all).map(|ks| TwoSample {
                value: if call.field.as_deref() == Some("p") {
                    ks.pvalue
                } else {
                    ks.statistic
                },
                p_value: Some(ks.pvalue),
                rows: rows(),
            }));
        }
        MetricId::Wasserstein => metrics::divergence::wasserstein(&r_all, &c_all),
        MetricId::Chisquare => metrics::frequency::chisquare(&r_all, &c_all),
        MetricId::Z => metrics::frequency::z(&r_all, &c_all),
        _ => return Err(format!("`{}` is not a two-sample metric", call.name)),
    };
    Ok(result.map(|value| two_sample_value(call, value, rows())))
}

/// Per-category metrics of a text or categorical column.
fn text_two_sample(
    call: &MetricCall,
    reference: &Values<'_>,
    current: &Values<'_>,
) -> Result<MetricResult<TwoSample>, String> {
    use metrics::{divergence, frequency, psi};
    let column = &call.columns[0];
    if call.bins != Bins::Evidently {
        return Err(format!(
            "column `{column}` holds text: `bins = quantile(n)` needs numbers (leave `bins` out to compare categories)"
        ));
    }
    let (r, c) = (reference.texts(column)?, current.texts(column)?);
    let rows = [r.len() - r.null_count(), c.len() - c.null_count()];
    let buckets = match metrics::binning::text_buckets(r.iter(), c.iter()) {
        Ok(buckets) => buckets,
        Err(e) => return Ok(Err(e)),
    };
    let result = match call.id {
        MetricId::Psi => psi::psi_from_buckets(&buckets),
        MetricId::Kl => divergence::kl_from_buckets(&buckets),
        MetricId::Js => divergence::js_from_buckets(&buckets),
        MetricId::Chisquare => frequency::chisquare_from_buckets(&buckets),
        MetricId::Z => frequency::z_from_buckets(&buckets),
        _ => {
            return Err(format!(
                "column `{column}` holds text: `{}` needs numbers (psi, kl, js, chisquare and z compare categories)",
                call.name
            ));
        }
    };
    Ok(result.map(|value| two_sample_value(call, value, rows)))
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

/// A metric's single value; the tests' values are p-values.
fn two_sample_value(call: &MetricCall, value: f64, rows: [usize; 2]) -> TwoSample {
    let is_test = matches!(call.id, MetricId::Chisquare | MetricId::Z);
    TwoSample {
        value,
        p_value: is_test.then_some(value),
        rows,
    }
}
