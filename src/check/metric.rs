//! Resolves the metric side of a check against the registry: name, arguments, options, field.

use super::Checker;
use super::error::CheckError;
use super::value::{self, Quantity};
use crate::ast::{Arg, Expr, ExprKind, MetricRef};
use crate::metrics::registry::{self, MetricSpec, ParamKind, Sample};
use crate::plan::{Bins, ColumnSelector, MetricCall};
use crate::suggest::did_you_mean;

/// Where a check stands; decides which metrics and arguments make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Gate,
    Guard,
    Drift,
}

impl Context {
    pub fn describe(self) -> &'static str {
        match self {
            Context::Gate => "a gate",
            Context::Guard => "a canary guard",
            Context::Drift => "a drift block",
        }
    }
}

impl Checker<'_> {
    pub(super) fn metric_call(
        &mut self,
        m: &MetricRef,
        ctx: Context,
    ) -> Option<(MetricCall, &'static MetricSpec)> {
        let Some(spec) = registry::lookup(&m.name.text) else {
            self.error(CheckError::UnknownMetric {
                name: m.name.text.clone(),
                span: m.name.span,
                help: match did_you_mean(&m.name.text, registry::names()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`verdict metrics` lists every metric".to_string(),
                },
            });
            return None;
        };
        self.allowed_in(spec, m, ctx)?;
        let mut call = MetricCall {
            id: spec.id,
            name: spec.name.to_string(),
            columns: Vec::new(),
            selectors: Vec::new(),
            except: Vec::new(),
            predicate: None,
            number: spec.fixed_q,
            against: None,
            bins: Bins::default(),
            field: None,
        };
        let args = m.args.as_deref();
        if spec.sample == Sample::Dataset {
            if args.is_some() {
                self.error(CheckError::Arity {
                    metric: spec.name.into(),
                    expected: "no arguments".into(),
                    found: args.map_or(0, <[Arg]>::len),
                    span: m.span,
                    help: format!("write `{}` alone", spec.name),
                });
                return None;
            }
        } else {
            let Some(args) = args else {
                self.error(arity(spec, 0, m, "call it with its arguments"));
                return None;
            };
            let (named, positional): (Vec<&Arg>, Vec<&Arg>) =
                args.iter().partition(|a| a.name.is_some());
            for option in named {
                self.option(spec, option, ctx, &mut call)?;
            }
            if spec.takes_column_list(ctx == Context::Drift) {
                self.column_list(spec, &positional, m, &mut call)?;
            } else {
                self.positional(spec, &positional, m, ctx, &mut call)?;
            }
        }
        if let Some(field) = &m.field {
            if !spec.fields.contains(&field.text.as_str()) {
                self.error(CheckError::UnknownField {
                    metric: spec.name.into(),
                    field: field.text.clone(),
                    span: field.span,
                    help: match spec.fields {
                        [] => format!(
                            "`{}` has a single value: remove `.{}`",
                            spec.name, field.text
                        ),
                        fields => format!("its fields are {}", backquoted(fields)),
                    },
                });
                return None;
            }
            call.field = Some(field.text.clone());
        }
        Some((call, spec))
    }

    fn allowed_in(&mut self, spec: &MetricSpec, m: &MetricRef, ctx: Context) -> Option<()> {
        let help = match (spec.sample, ctx) {
            (Sample::Dataset, Context::Gate | Context::Guard) => {
                "`share_drifted` summarises a drift block's checks"
            }
            (Sample::One, Context::Drift) => {
                "drift compares the current window with the reference: use psi, ks, kl, js, wasserstein, chisquare, z or auto"
            }
            (Sample::Auto, Context::Gate | Context::Guard) => {
                "`auto` picks a drift test per column; in a gate name the test, e.g. `psi(score) < 0.2`"
            }
            _ => return Some(()),
        };
        self.error(CheckError::MetricContext {
            metric: spec.name.into(),
            context: ctx.describe(),
            span: m.name.span,
            help: help.into(),
        });
        None
    }

    fn option(
        &mut self,
        spec: &MetricSpec,
        arg: &Arg,
        ctx: Context,
        call: &mut MetricCall,
    ) -> Option<()> {
        let name = arg.name.as_ref()?;
        match (name.text.as_str(), spec.name, ctx) {
            ("bins", "psi" | "kl" | "js", _) => {
                call.bins = self.bins(&arg.value)?;
                Some(())
            }
            ("except", _, _) if spec.takes_column_list(ctx == Context::Drift) => {
                let items = match &arg.value.kind {
                    ExprKind::List(items) => items.as_slice(),
                    _ => std::slice::from_ref(&arg.value),
                };
                for item in items {
                    call.except
                        .push(self.column_name(spec, "excepted column", item)?);
                }
                Some(())
            }
            _ => {
                let options: &[&str] = match (spec.name, ctx) {
                    ("psi" | "kl" | "js", Context::Drift) => &["bins", "except"],
                    ("psi" | "kl" | "js", _) => &["bins"],
                    _ if spec.takes_column_list(ctx == Context::Drift) => &["except"],
                    _ => &[],
                };
                self.error(CheckError::UnknownOption {
                    metric: spec.name.into(),
                    option: name.text.clone(),
                    span: name.span,
                    help: match options {
                        [] => format!("`{}` takes no options: {}", spec.name, spec.signature()),
                        options => format!("its options are {}", backquoted(options)),
                    },
                });
                None
            }
        }
    }

    /// `bins = quantile(10)`.
    fn bins(&mut self, value: &Expr) -> Option<Bins> {
        if let ExprKind::Call { name, args } = &value.kind
            && let ([arg], "quantile") = (args.as_slice(), name.text.as_str())
            && let Ok(Quantity::Number(n)) = value::quantity(&arg.value)
            && n.fract() == 0.0
            && (2.0..=1000.0).contains(&n)
        {
            return Some(Bins::Quantile(n as u32));
        }
        self.error(CheckError::Kind {
            expected: "`quantile(n)` with a whole n from 2 to 1000".into(),
            found: value::describe(value),
            span: value.span,
            help: Some("leave `bins` out for Evidently's default binning".into()),
        });
        None
    }

    fn positional(
        &mut self,
        spec: &MetricSpec,
        args: &[&Arg],
        m: &MetricRef,
        ctx: Context,
        call: &mut MetricCall,
    ) -> Option<()> {
        let takes_slice = spec.sample == Sample::Two;
        let max = spec.params.len() + usize::from(takes_slice);
        if args.len() < spec.params.len() || args.len() > max {
            self.error(arity(
                spec,
                args.len(),
                m,
                &format!("write `{}`", spec.signature()),
            ));
            return None;
        }
        for (param, arg) in spec.params.iter().zip(args) {
            let value = &arg.value;
            match param.kind {
                ParamKind::Label | ParamKind::Column | ParamKind::Feature => {
                    call.columns
                        .push(self.column_name(spec, param.name, value)?);
                }
                ParamKind::Number => {
                    call.number = Some(self.number_param(spec, param.name, value)?)
                }
                ParamKind::Predicate => {
                    call.predicate = Some(self.report(value::predicate(value))?)
                }
                ParamKind::ColumnOrPredicate => match &value.kind {
                    ExprKind::Name(column) => call.columns.push(column.clone()),
                    _ => call.predicate = Some(self.report(value::predicate(value))?),
                },
            }
        }
        if let Some(slice_arg) = args.get(spec.params.len()) {
            call.against = Some(self.slice_ref(&slice_arg.value, ctx)?);
        }
        Some(())
    }

    /// Drift: `psi(f01, f02, score)`, `psi(f*)`, `psi(*, except = [id])`.
    fn column_list(
        &mut self,
        spec: &MetricSpec,
        args: &[&Arg],
        m: &MetricRef,
        call: &mut MetricCall,
    ) -> Option<()> {
        if args.is_empty() {
            self.error(arity(
                spec,
                0,
                m,
                &format!(
                    "write `{}(column, ...)` or a pattern such as `f*`",
                    spec.name
                ),
            ));
            return None;
        }
        for arg in args {
            let selector = match &arg.value.kind {
                ExprKind::Pattern(prefix) => ColumnSelector::Prefix(prefix.clone()),
                _ => ColumnSelector::Name(self.column_name(spec, "column", &arg.value)?),
            };
            call.selectors.push(selector);
        }
        Some(())
    }

    fn column_name(&mut self, spec: &MetricSpec, param: &str, value: &Expr) -> Option<String> {
        if let ExprKind::Name(column) = &value.kind {
            return Some(column.clone());
        }
        let help = match &value.kind {
            ExprKind::Str(s) => Some(format!(
                "column names are not quoted: write `{s}`, or `` `{s}` `` for unusual names"
            )),
            ExprKind::Pattern(_) => Some("patterns are allowed only in drift blocks".to_string()),
            _ => None,
        };
        self.error(CheckError::Argument {
            metric: spec.name.into(),
            param: param.into(),
            expected: "a column name".into(),
            found: value::describe(value),
            span: value.span,
            help,
        });
        None
    }

    fn number_param(&mut self, spec: &MetricSpec, param: &str, value: &Expr) -> Option<f64> {
        let number = match value::quantity(value) {
            Ok(Quantity::Number(v)) => v,
            Ok(Quantity::Percent(p)) => p / 100.0,
            _ => {
                self.error(CheckError::Argument {
                    metric: spec.name.into(),
                    param: param.into(),
                    expected: "a number".into(),
                    found: value::describe(value),
                    span: value.span,
                    help: None,
                });
                return None;
            }
        };
        if param == "q" && !(0.0..=1.0).contains(&number) {
            self.error(CheckError::Range {
                what: "a quantile level",
                range: "between 0 and 1",
                found: format!("{number}"),
                span: value.span,
                help: Some("`quantile(latency_ms, 0.99)` is the 99th percentile".into()),
            });
            return None;
        }
        Some(number)
    }

    /// A slice a two-sample metric compares with. In a block the command does not run, a name
    /// defined nowhere is not an error: the command that runs the block may give it by a flag.
    fn slice_ref(&mut self, value: &Expr, ctx: Context) -> Option<String> {
        let ExprKind::Name(name) = &value.kind else {
            self.error(CheckError::Kind {
                expected: "a slice name".into(),
                found: value::describe(value),
                span: value.span,
                help: None,
            });
            return None;
        };
        if !self.knows_slice(name) && self.invocation.runs(ctx) {
            let known: Vec<&str> = (self.slices.iter().map(|(s, _)| s.as_str()))
                .chain(self.invocation.given.iter().map(String::as_str))
                .collect();
            self.error(CheckError::UnknownSlice {
                name: name.clone(),
                span: value.span,
                help: match did_you_mean(name, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if known.is_empty() => {
                        "define it in the data block: `NAME = parquet(\"path\")`".into()
                    }
                    None => format!("the slices are {}", backquoted(&known)),
                },
            });
            return None;
        }
        Some(name.clone())
    }
}

fn arity(spec: &MetricSpec, found: usize, m: &MetricRef, help: &str) -> CheckError {
    let n = spec.params.len();
    let expected = match (n, spec.sample) {
        (1, Sample::Two) => "a column and an optional slice".to_string(),
        (1, _) => "1 argument".to_string(),
        (n, _) => format!("{n} arguments"),
    };
    CheckError::Arity {
        metric: spec.name.into(),
        expected: format!("{expected} ({})", spec.signature()),
        found,
        span: m.span,
        help: help.to_string(),
    }
}

pub fn backquoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
