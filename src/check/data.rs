//! The data block: slices, join, recency, requirements.

use super::error::CheckError;
use super::value::{self, Quantity};
use super::{Checker, backquoted};
use crate::ast::{self, CmpOp, DataStmt, ExprKind, Span};
use crate::plan::{JoinPlan, MinPositives, Recency, SliceSource};
use crate::suggest::did_you_mean;

/// Unmatched rows accepted by `join on` when the policy does not say otherwise.
pub const DEFAULT_MAX_UNMATCHED: f64 = 0.01;

const REQUIREMENTS: &[&str] = &["rows", "positives", "segment_rows", "label_rate_gap"];

impl Checker<'_> {
    pub(super) fn data_block(&mut self, block: &ast::DataBlock) {
        let (mut join_seen, mut recent_seen, mut drop_seen) = (None, None, None);
        for stmt in &block.stmts {
            match stmt {
                DataStmt::Slice(def) => self.slice(def),
                DataStmt::Join(join) => {
                    if self.once(&mut join_seen, "join", join.span) {
                        self.join(join);
                    }
                }
                DataStmt::Recent(recent) => {
                    if self.once(&mut recent_seen, "recent", recent.span) {
                        self.plan.data.recent = self
                            .report(value::positive_duration(&recent.age, "the recency limit"))
                            .map(|max_age_ms| Recency {
                                max_age_ms,
                                column: recent.column.text.clone(),
                            });
                    }
                }
                DataStmt::Require(require) => {
                    for requirement in &require.requirements {
                        self.requirement(requirement);
                    }
                }
                DataStmt::DropNulls(span) => {
                    if self.once(&mut drop_seen, "drop nulls", *span) {
                        self.plan.data.drop_nulls = true;
                    }
                }
            }
        }
    }

    fn slice(&mut self, def: &ast::SliceDef) {
        if let Some((_, first)) = self.slices.iter().find(|(n, _)| *n == def.name.text) {
            self.error(CheckError::Duplicate {
                what: "slice",
                name: def.name.text.clone(),
                span: def.name.span,
                first: *first,
                help: None,
            });
            return;
        }
        self.slices.push((def.name.text.clone(), def.name.span));
        let path = match &def.source.kind {
            ExprKind::Call { name, args } if name.text == "parquet" => match args.as_slice() {
                [
                    ast::Arg {
                        name: None,
                        value:
                            ast::Expr {
                                kind: ExprKind::Str(path),
                                ..
                            },
                        ..
                    },
                ] => Some(path),
                _ => None,
            },
            _ => None,
        };
        match path {
            Some(path) if !path.is_empty() => self.plan.data.slices.push(SliceSource {
                name: def.name.text.clone(),
                path: path.clone(),
                span: def.source.span,
            }),
            _ => self.error(CheckError::Kind {
                expected: "`parquet(\"path\")`".into(),
                found: value::describe(&def.source),
                span: def.source.span,
                help: Some("a slice is a parquet file, a glob or a folder: `parquet(\"data/champion/*.parquet\")`".into()),
            }),
        }
    }

    fn join(&mut self, join: &ast::JoinStmt) {
        let max_unmatched = match &join.max_unmatched {
            None => Some(DEFAULT_MAX_UNMATCHED),
            Some(expr) => self
                .report(value::percent(expr, "the unmatched share"))
                .and_then(|p| {
                    if (0.0..=100.0).contains(&p) {
                        Some(p / 100.0)
                    } else {
                        self.error(CheckError::Range {
                            what: "the unmatched share",
                            range: "between 0% and 100%",
                            found: format!("{p}%"),
                            span: expr.span,
                            help: None,
                        });
                        None
                    }
                }),
        };
        if let Some(max_unmatched) = max_unmatched {
            self.plan.data.join = Some(JoinPlan {
                key: join.key.text.clone(),
                max_unmatched,
            });
        }
    }

    fn requirement(&mut self, req: &ast::Requirement) {
        if !REQUIREMENTS.contains(&req.what.text.as_str()) {
            self.error(CheckError::Unknown {
                what: "requirement",
                name: req.what.text.clone(),
                span: req.what.span,
                help: match did_you_mean(&req.what.text, REQUIREMENTS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("requirements are {}", backquoted(REQUIREMENTS)),
                },
            });
            return;
        }
        if req.what.text == "label_rate_gap" {
            self.label_rate_gap(req);
            return;
        }
        if req.op != CmpOp::Ge {
            self.error(CheckError::Invalid {
                message: format!(
                    "a requirement is a minimum, written with `>=`, not `{}`",
                    req.op.symbol()
                ),
                span: req.op_span,
                help: Some(format!("e.g. `{} >= 1000`", req.what.text)),
            });
            return;
        }
        let count = match value::quantity(&req.value) {
            Ok(Quantity::Number(v)) if v >= 0.0 && v.fract() == 0.0 => v as u64,
            _ => {
                self.error(CheckError::Kind {
                    expected: "a whole number".into(),
                    found: value::describe(&req.value),
                    span: req.value.span,
                    help: None,
                });
                return;
            }
        };
        match (req.what.text.as_str(), &req.column) {
            ("rows", None) => self.plan.data.min_rows = Some(count),
            ("segment_rows", None) => self.plan.data.min_segment_rows = Some(count),
            (what @ ("rows" | "segment_rows"), Some(col)) => self.error(CheckError::Invalid {
                message: format!("`{what}` counts rows and takes no column"),
                span: col.span,
                help: Some(format!("write `{what} >= N`")),
            }),
            (_, column) => {
                self.plan.data.min_positives = Some(MinPositives {
                    count,
                    label: column.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
                });
                self.positives_span = Some(req.span);
            }
        }
    }

    /// `label_rate_gap <= 0.02` (or `2%`): a maximum, unlike the other requirements.
    fn label_rate_gap(&mut self, req: &ast::Requirement) {
        if let Some(col) = &req.column {
            self.error(CheckError::Invalid {
                message: "`label_rate_gap` compares the label column of the gate's checks and takes no column".into(),
                span: col.span,
                help: Some("write `label_rate_gap <= 0.02`".into()),
            });
            return;
        }
        if req.op != CmpOp::Le {
            self.error(CheckError::Invalid {
                message: format!(
                    "`label_rate_gap` is a maximum, written with `<=`, not `{}`",
                    req.op.symbol()
                ),
                span: req.op_span,
                help: Some("e.g. `label_rate_gap <= 0.02`".into()),
            });
            return;
        }
        let gap = match value::quantity(&req.value) {
            Ok(Quantity::Number(v)) => v,
            Ok(Quantity::Percent(p)) => p / 100.0,
            _ => f64::NAN,
        };
        if !(0.0..=1.0).contains(&gap) {
            self.error(CheckError::Kind {
                expected: "a rate difference between 0 and 1 (or 0% and 100%)".into(),
                found: value::describe(&req.value),
                span: req.value.span,
                help: None,
            });
            return;
        }
        self.plan.data.max_label_rate_gap = Some(gap);
    }

    /// `positives >= N` without a column counts the label column the metrics use.
    pub(super) fn resolve_positives_label(&mut self) {
        let (Some(min), Some(span)) = (self.plan.data.min_positives.as_mut(), self.positives_span)
        else {
            return;
        };
        if !min.label.is_empty() {
            return;
        }
        match self.label_columns.as_slice() {
            [label] => min.label = label.clone(),
            labels => {
                let help = if labels.is_empty() {
                    "no check uses a label column; name it: `positives(label) >= N`".to_string()
                } else {
                    format!(
                        "checks use several label columns ({}); name one: `positives(label) >= N`",
                        backquoted(&labels.iter().map(String::as_str).collect::<Vec<_>>())
                    )
                };
                self.error(CheckError::Invalid {
                    message: "`positives` does not know which label column to count".into(),
                    span: Span::new(span.start, span.start + "positives".len()),
                    help: Some(help),
                });
            }
        }
    }
}
