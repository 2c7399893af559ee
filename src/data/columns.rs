//! Which columns a set of checks reads, of which kind, and whether a slice's schema has them.

use std::collections::BTreeMap;

use polars::prelude::{DataType, Schema};

use super::DataError;
use crate::ast::Span;
use crate::metrics::registry::{self, ParamKind};
use crate::plan::{CheckPlan, DataPlan, Operand, Predicate};
use crate::suggest::did_you_mean;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Numeric,
    /// A drift feature: numeric, boolean, text or categorical.
    Feature,
    Label,
    Timestamp,
    /// Join keys, segments and predicate columns: any type polars can compare.
    Any,
}

impl ColumnKind {
    /// What a metric parameter reads (numbers and conditions are not columns to check).
    pub fn of_param(kind: ParamKind) -> ColumnKind {
        match kind {
            ParamKind::Label => ColumnKind::Label,
            ParamKind::Feature => ColumnKind::Feature,
            ParamKind::Column
            | ParamKind::Number
            | ParamKind::Predicate
            | ParamKind::ColumnOrPredicate => ColumnKind::Numeric,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "a numeric column",
            ColumnKind::Feature => "a numeric, boolean, text or categorical column",
            ColumnKind::Label => "a 0/1 or boolean label column",
            ColumnKind::Timestamp => "a datetime or epoch-milliseconds column",
            ColumnKind::Any => "a column",
        }
    }

    pub fn accepts(self, dtype: &DataType) -> bool {
        match self {
            ColumnKind::Feature => ColumnKind::Numeric.accepts(dtype) || super::is_text(dtype),
            ColumnKind::Numeric | ColumnKind::Label => {
                dtype.is_primitive_numeric() || dtype.is_bool()
            }
            ColumnKind::Timestamp => {
                matches!(dtype, DataType::Datetime(..) | DataType::Date) || dtype.is_integer()
            }
            ColumnKind::Any => true,
        }
    }
}

/// Columns to read, each with its kind and the policy text that first asked for it.
#[derive(Debug, Clone, Default)]
pub struct Needed(BTreeMap<String, (ColumnKind, Option<Span>)>);

impl Needed {
    pub fn add(&mut self, column: &str, kind: ColumnKind, span: Option<Span>) {
        let entry = self.0.entry(column.to_string()).or_insert((kind, span));
        // The stricter kind wins: a column used as a label and as a predicate must be a label,
        // one tested by `psi` (any feature) and by `ks` (numbers only) must hold numbers.
        if entry.0 == ColumnKind::Any || (entry.0 == ColumnKind::Feature && kind != ColumnKind::Any)
        {
            entry.0 = kind;
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn check_schema(&self, slice: &str, path: &str, schema: &Schema) -> Result<(), DataError> {
        for (column, (kind, span)) in &self.0 {
            match schema.get(column) {
                None => {
                    let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
                    return Err(DataError::MissingColumn {
                        slice: slice.to_string(),
                        path: path.to_string(),
                        column: column.clone(),
                        span: *span,
                        help: match did_you_mean(column, names.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("its columns are {}", names.join(", ")),
                        },
                    });
                }
                Some(dtype) if !kind.accepts(dtype) => {
                    return Err(DataError::ColumnType {
                        slice: slice.to_string(),
                        path: path.to_string(),
                        column: column.clone(),
                        found: format!("{dtype}"),
                        expected: kind.describe(),
                        span: *span,
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// The columns a gate's or a guard list's checks read, plus those the data block needs.
pub fn needed_for_checks(checks: &[CheckPlan], data: &DataPlan) -> Needed {
    let mut needed = Needed::default();
    for check in checks {
        let span = Some(check.span);
        if let Some(spec) = registry::by_id(check.metric.id) {
            for (param, column) in spec
                .params
                .iter()
                .filter(|p| p.kind != ParamKind::Number)
                .zip(&check.metric.columns)
            {
                let kind = ColumnKind::of_param(param.kind);
                needed.add(column, kind, span);
            }
        }
        if let Some(predicate) = &check.metric.predicate {
            predicate_columns(predicate, &mut |c| needed.add(c, ColumnKind::Any, span));
        }
        if let Some(by) = &check.by {
            needed.add(by, ColumnKind::Any, span);
        }
    }
    if let Some(recent) = &data.recent {
        needed.add(&recent.column, ColumnKind::Timestamp, None);
    }
    if let Some(join) = &data.join {
        needed.add(&join.key, ColumnKind::Any, None);
    }
    if let Some(min) = &data.min_positives {
        needed.add(&min.label, ColumnKind::Label, None);
    }
    needed
}

pub fn predicate_columns(predicate: &Predicate, f: &mut impl FnMut(&str)) {
    match predicate {
        Predicate::Compare(a, _, b) => {
            operand_columns(a, f);
            operand_columns(b, f);
        }
        Predicate::Between(a, b, c) => {
            for o in [a, b, c] {
                operand_columns(o, f);
            }
        }
        Predicate::In(a, _, _) => operand_columns(a, f),
        Predicate::IsNull(c, _) | Predicate::Column(c) => f(c),
        Predicate::And(a, b) | Predicate::Or(a, b) => {
            predicate_columns(a, f);
            predicate_columns(b, f);
        }
        Predicate::Not(a) => predicate_columns(a, f),
    }
}

fn operand_columns(operand: &Operand, f: &mut impl FnMut(&str)) {
    match operand {
        Operand::Column(c) => f(c),
        Operand::Literal(_) => {}
        Operand::Arith(_, a, b) => {
            operand_columns(a, f);
            operand_columns(b, f);
        }
        Operand::Neg(a) => operand_columns(a, f),
    }
}
