//! Engines: where a slice's rows are held and read for the metric kernels.
//!
//! eval asks a [`Table`] (one slice, or one segment of it, as an engine holds it) for the
//! columns a metric reads, the side of a two-sample comparison, a column's storage and its
//! segment keys; it feeds them to the kernels and finishes the states. eval never knows which
//! engine holds the rows: the local engine ([`local`]) holds them in polars frames; a streaming
//! or a remote SQL engine implements the same trait. Never decides a check; never talks to a
//! service other than the one holding its data.

mod error;
pub mod local;

pub use error::EngineError;

use std::sync::Arc;

use crate::data::Floats;
use crate::metrics::auto::Storage;
use crate::metrics::binning::Categories;
use crate::metrics::registry::{MetricSpec, ParamKind};
use crate::metrics::rows::Rows;
use crate::plan::{MetricCall, Predicate};

/// One slice, or one segment of it, as an engine holds it.
pub trait Table: Sync + Sized {
    /// The slice's name (`champion`, `current`, ...).
    fn name(&self) -> &str;
    fn rows(&self) -> usize;
    /// A numeric column as f64 values, nulls as NaN.
    fn floats(&self, column: &str) -> Result<Arc<Floats>, EngineError>;
    /// A 0/1 or boolean column, nulls as `None`; any other value is an error naming it.
    fn labels(&self, column: &str) -> Result<Vec<Option<bool>>, EngineError> {
        self.floats(column)?
            .values()
            .map(|v| match v {
                0.0 => Ok(Some(false)),
                1.0 => Ok(Some(true)),
                v if v.is_nan() => Ok(None),
                value => Err(EngineError::Label {
                    column: column.to_string(),
                    value,
                }),
            })
            .collect()
    }
    /// The rows where a condition holds.
    fn mask(&self, predicate: &Predicate) -> Result<Vec<bool>, EngineError>;
    /// How the column is stored: text, boolean, integer or float.
    fn storage(&self, column: &str) -> Storage;
    /// A text or categorical column's counts per value.
    fn categories(&self, column: &str) -> Result<Categories, EngineError>;
    /// Calls `key` with each row's number and its value of `column` as text (`None` for a
    /// missing value) until `key` returns an error, which is passed on.
    fn for_each_key<E>(
        &self,
        column: &str,
        key: impl FnMut(usize, Option<&str>) -> Result<(), E>,
    ) -> Result<Result<(), E>, EngineError>;
    /// The given rows, in order, as a table of their own.
    fn subset(&self, rows: Vec<u32>) -> Result<Self, EngineError>;
}

/// The columns one metric reads from one table, owned, so that the metric can be computed on
/// them and on their bootstrap resamples alike.
pub struct Columns {
    label: Option<Vec<bool>>,
    floats: Vec<Arc<Floats>>,
    flags: Vec<Vec<bool>>,
}

impl Columns {
    pub fn rows(&self) -> Result<Rows<'_>, EngineError> {
        let floats: Vec<&[f64]> = self.floats.iter().map(|f| &***f).collect();
        let flags: Vec<&[bool]> = self.flags.iter().map(Vec::as_slice).collect();
        let rows = match &self.label {
            Some(label) => Rows::labelled(label, &floats),
            None => Rows::new(&floats),
        };
        Ok(rows.and_then(|r| r.with_flags(&flags))?)
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

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn label(&self) -> Option<&[bool]> {
        self.label.as_deref()
    }

    pub fn float(&self, index: usize) -> &[f64] {
        self.floats.get(index).map_or(&[], |f| &***f)
    }

    /// Reads the columns a one-sample metric's parameters name: label and score, two numeric
    /// columns (target and prediction), one column, or the mask of a condition. Null rows are
    /// dropped when the policy says `drop nulls`, and a null label is refused otherwise.
    pub fn read(
        table: &impl Table,
        call: &MetricCall,
        spec: &MetricSpec,
        drop_nulls: bool,
    ) -> Result<Columns, EngineError> {
        let plain = |floats| Columns {
            label: None,
            floats,
            flags: Vec::new(),
        };
        let masked = |predicate: Option<&Predicate>| -> Result<Columns, EngineError> {
            let predicate = predicate.ok_or(EngineError::NoCondition)?;
            Ok(Columns {
                label: None,
                floats: Vec::new(),
                flags: vec![table.mask(predicate)?],
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
                let (labels, scores) = labelled(table, call, drop_nulls)?;
                Columns {
                    label: Some(labels),
                    floats: vec![Arc::new(Floats::from(scores))],
                    flags: Vec::new(),
                }
            }
            [ParamKind::Column, ParamKind::Column] => {
                let (target, prediction) = paired(table, call, drop_nulls)?;
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
                plain(vec![single(table, call, drop_nulls)?])
            }
            _ => {
                return Err(EngineError::Unreadable {
                    metric: call.name.clone(),
                });
            }
        })
    }
}

/// Labels and scores, with null rows dropped when the policy says `drop nulls` and refused
/// otherwise.
fn labelled(
    table: &impl Table,
    call: &MetricCall,
    drop_nulls: bool,
) -> Result<(Vec<bool>, Vec<f64>), EngineError> {
    let labels = table.labels(&call.columns[0])?;
    let scores = table.floats(&call.columns[1])?;
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
        return Err(EngineError::NullLabels {
            column: call.columns[0].clone(),
            count: missing,
        });
    }
    Ok((kept_labels, kept_scores))
}

/// Two numeric columns, row-aligned, with non-finite rows dropped under `drop nulls`.
fn paired(
    table: &impl Table,
    call: &MetricCall,
    drop_nulls: bool,
) -> Result<(Vec<f64>, Vec<f64>), EngineError> {
    let a = table.floats(&call.columns[0])?;
    let b = table.floats(&call.columns[1])?;
    if !drop_nulls {
        return Ok((a.values().collect(), b.values().collect()));
    }
    Ok(a.values()
        .zip(b.values())
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .unzip())
}

fn single(
    table: &impl Table,
    call: &MetricCall,
    drop_nulls: bool,
) -> Result<Arc<Floats>, EngineError> {
    let column = table.floats(&call.columns[0])?;
    if drop_nulls {
        let finite: Vec<f64> = column.values().filter(|v| v.is_finite()).collect();
        return Ok(Arc::new(Floats::from(finite)));
    }
    Ok(column)
}
