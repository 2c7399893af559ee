//! What each command reads: for every slice, the columns of each kind (and the policy text that
//! first asked for each), worked out once from the checked plan and consumed by `data/`, which
//! checks them against the files' schema and reads nothing else.
//!
//! Pure: never looks at a file. Drift's column patterns (`psi(f*)`) are expanded against the
//! reference's schema by `data/` with [`ColumnKind::of_param`] deciding which columns qualify.

use std::collections::BTreeMap;

use crate::ast::Span;
use crate::metrics::registry::ParamKind;
use crate::plan::{CheckPlan, ColumnSelector, DataPlan, DriftPlan, Operand, Predicate};

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

    pub fn describe(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "a numeric column",
            ColumnKind::Feature => "a numeric, boolean, text or categorical column",
            ColumnKind::Label => "a 0/1 or boolean label column",
            ColumnKind::Timestamp => "a datetime or epoch-milliseconds column",
            ColumnKind::Any => "a column",
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

    /// Each column with its kind and the span of the text that first asked for it.
    pub fn iter(&self) -> impl Iterator<Item = (&str, ColumnKind, Option<Span>)> {
        self.0
            .iter()
            .map(|(name, (kind, span))| (name.as_str(), *kind, *span))
    }
}

/// The columns a gate's or a guard list's checks read, plus those the data block needs.
pub fn needed_for_checks(checks: &[CheckPlan], data: &DataPlan) -> Needed {
    let mut needed = Needed::default();
    for check in checks {
        let span = Some(check.span);
        if let Some(spec) = check.metric.spec() {
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

/// A slice a command reads, with its columns, and whether the data block's `recent` applies.
#[derive(Debug, Clone)]
pub struct SliceRead {
    pub slice: String,
    pub columns: Needed,
    /// `recent D on ts` filters the compared slices (champion, challenger); a named slice such
    /// as the training reference is read whole.
    pub recent: bool,
}

/// A gate's reads: champion and challenger with every column its checks read and the data block
/// needs; other named slices with the columns of the two-sample checks that name them.
pub fn gate(checks: &[CheckPlan], data: &DataPlan) -> Vec<SliceRead> {
    let needed = needed_for_checks(checks, data);
    let mut reads: Vec<SliceRead> = ["champion", "challenger"]
        .map(|slice| SliceRead {
            slice: slice.to_string(),
            columns: needed.clone(),
            recent: true,
        })
        .into();
    for check in checks {
        let (Some(other), Some(column)) = (&check.metric.against, check.metric.columns.first())
        else {
            continue;
        };
        let index = match reads.iter().position(|r| &r.slice == other) {
            Some(index) => index,
            None => {
                reads.push(SliceRead {
                    slice: other.clone(),
                    columns: Needed::default(),
                    recent: false,
                });
                reads.len() - 1
            }
        };
        reads[index]
            .columns
            .add(column, ColumnKind::Numeric, Some(check.span));
    }
    reads
}

/// The columns one drift check tests: its names and patterns, minus `except`, over the columns
/// of the reference that hold what its metric can test.
#[derive(Debug, Clone)]
pub struct Selection<'p> {
    pub selectors: &'p [ColumnSelector],
    pub except: &'p [String],
    /// Any feature for the per-category metrics, numbers only for ks and wasserstein.
    pub kind: ColumnKind,
}

/// Each drift check's selection, in the block's order.
pub fn drift(plan: &DriftPlan) -> Vec<Selection<'_>> {
    plan.checks
        .iter()
        .map(|check| {
            let metric = check.metric();
            let kind = metric
                .spec()
                .and_then(|spec| spec.params.first())
                .map_or(ColumnKind::Numeric, |param| {
                    ColumnKind::of_param(param.kind)
                });
            Selection {
                selectors: &metric.selectors,
                except: &metric.except,
                kind,
            }
        })
        .collect()
}

impl Selection<'_> {
    /// Names as written, patterns as every eligible column with that prefix, minus `except`.
    pub fn expand(&self, eligible: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for selector in self.selectors {
            let matches: Vec<String> = match selector {
                ColumnSelector::Name(name) => vec![name.clone()],
                ColumnSelector::Prefix(prefix) => eligible
                    .iter()
                    .filter(|c| c.starts_with(prefix.as_str()))
                    .map(|c| c.to_string())
                    .collect(),
            };
            for column in matches {
                if !self.except.contains(&column) && !out.contains(&column) {
                    out.push(column);
                }
            }
        }
        out
    }
}
