//! Constant expressions: quantities (numbers, percents, durations), bounds and row predicates.

use super::error::CheckError;
use crate::ast::{BinOp, Expr, ExprKind};
use crate::plan::{ArithOp, Bound, Literal, Operand, Predicate};
use crate::suggest::did_you_mean;

/// A folded constant with its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    Number(f64),
    /// As written: `5%` is 5.0.
    Percent(f64),
    DurationMs(f64),
}

impl Quantity {
    fn kind(self) -> &'static str {
        match self {
            Quantity::Number(_) => "a number",
            Quantity::Percent(_) => "a percent",
            Quantity::DurationMs(_) => "a duration",
        }
    }

    fn map(self, f: impl Fn(f64) -> f64) -> Quantity {
        match self {
            Quantity::Number(v) => Quantity::Number(f(v)),
            Quantity::Percent(v) => Quantity::Percent(f(v)),
            Quantity::DurationMs(v) => Quantity::DurationMs(f(v)),
        }
    }

    fn value(self) -> f64 {
        match self {
            Quantity::Number(v) | Quantity::Percent(v) | Quantity::DurationMs(v) => v,
        }
    }
}

/// What kind of thing an expression is, for messages.
pub fn describe(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Number(_) => "a number".into(),
        ExprKind::Percent(_) => "a percent".into(),
        ExprKind::Duration(..) => "a duration".into(),
        ExprKind::Str(_) => "a string".into(),
        ExprKind::Bool(_) => "a boolean".into(),
        ExprKind::Name(n) => format!("the name `{n}`"),
        ExprKind::Pattern(_) => "a column pattern".into(),
        ExprKind::List(_) => "a list".into(),
        ExprKind::Call { name, .. } => format!("a call to `{}`", name.text),
        ExprKind::Field { .. } => "a field access".into(),
        ExprKind::Binary {
            op: BinOp::Cmp(_) | BinOp::And | BinOp::Or,
            ..
        }
        | ExprKind::Not(_)
        | ExprKind::Between { .. }
        | ExprKind::In { .. }
        | ExprKind::IsNull { .. } => "a condition".into(),
        ExprKind::Neg(_) | ExprKind::Binary { .. } => "an arithmetic expression".into(),
    }
}

fn kind_error(expected: &str, expr: &Expr, help: Option<String>) -> CheckError {
    CheckError::Kind {
        expected: expected.to_string(),
        found: describe(expr),
        span: expr.span,
        help,
    }
}

/// Folds a constant expression such as `30m`, `5%`, `-5m` or `2 * 1h`.
pub fn quantity(expr: &Expr) -> Result<Quantity, CheckError> {
    match &expr.kind {
        ExprKind::Number(v) => Ok(Quantity::Number(*v)),
        ExprKind::Percent(v) => Ok(Quantity::Percent(*v)),
        ExprKind::Duration(v, unit) => Ok(Quantity::DurationMs(v * unit.millis())),
        ExprKind::Neg(inner) => Ok(quantity(inner)?.map(|v| -v)),
        ExprKind::Binary { op, lhs, rhs } => {
            let arith = arith_op(*op).ok_or_else(|| kind_error("a value", expr, None))?;
            let (a, b) = (quantity(lhs)?, quantity(rhs)?);
            let combined = match (a, b, arith) {
                (Quantity::Number(x), q, ArithOp::Mul) | (q, Quantity::Number(x), ArithOp::Mul) => {
                    q.map(|v| v * x)
                }
                (q, Quantity::Number(x), ArithOp::Div) => q.map(|v| v / x),
                (a, b, ArithOp::Add | ArithOp::Sub) if a.kind() == b.kind() => {
                    let sign = if arith == ArithOp::Add { 1.0 } else { -1.0 };
                    a.map(|v| v + sign * b.value())
                }
                _ => {
                    return Err(CheckError::Invalid {
                        message: format!(
                            "cannot combine {} and {} with `{}`",
                            a.kind(),
                            b.kind(),
                            op.symbol()
                        ),
                        span: expr.span,
                        help: None,
                    });
                }
            };
            Ok(combined)
        }
        _ => Err(kind_error("a value", expr, None)),
    }
}

fn arith_op(op: BinOp) -> Option<ArithOp> {
    Some(match op {
        BinOp::Add => ArithOp::Add,
        BinOp::Sub => ArithOp::Sub,
        BinOp::Mul => ArithOp::Mul,
        BinOp::Div => ArithOp::Div,
        _ => return None,
    })
}

/// A positive duration in milliseconds, e.g. for `recent 7d` or `stage 5% for 30m`.
pub fn positive_duration(expr: &Expr, what: &'static str) -> Result<i64, CheckError> {
    match quantity(expr)? {
        Quantity::DurationMs(ms) if ms >= 1.0 => Ok(ms.round() as i64),
        Quantity::DurationMs(ms) => Err(CheckError::Range {
            what,
            range: "a positive duration",
            found: format_duration_ms(ms),
            span: expr.span,
            help: Some("durations count forward, e.g. `30m`".into()),
        }),
        other => Err(CheckError::Kind {
            expected: "a duration such as `30m`, `2h` or `7d`".into(),
            found: other.kind().into(),
            span: expr.span,
            help: Some("durations take a unit: ms, s, m, h, d or w".into()),
        }),
    }
}

/// A duration in the largest unit that divides it, e.g. `-5m`.
fn format_duration_ms(ms: f64) -> String {
    const UNITS: &[(f64, &str)] = &[
        (604_800e3, "w"),
        (86_400e3, "d"),
        (3_600e3, "h"),
        (60e3, "m"),
        (1e3, "s"),
    ];
    UNITS
        .iter()
        .find(|(size, _)| ms != 0.0 && (ms / size).fract() == 0.0)
        .map_or_else(
            || format!("{ms}ms"),
            |(size, unit)| format!("{}{unit}", ms / size),
        )
}

/// A percent as written (`5%` → 5.0).
pub fn percent(expr: &Expr, what: &'static str) -> Result<f64, CheckError> {
    match quantity(expr)? {
        Quantity::Percent(p) => Ok(p),
        other => Err(CheckError::Kind {
            expected: format!("a percent for {what}, such as `5%`"),
            found: other.kind().into(),
            span: expr.span,
            help: None,
        }),
    }
}

/// A whole number of at least 1, e.g. `min 2000 requests`.
pub fn positive_count(expr: &Expr, what: &'static str) -> Result<u64, CheckError> {
    match quantity(expr)? {
        Quantity::Number(v) if v >= 1.0 && v.fract() == 0.0 && v <= 1e15 => Ok(v as u64),
        Quantity::Number(v) => Err(CheckError::Range {
            what,
            range: "a whole number of at least 1",
            found: format!("{v}"),
            span: expr.span,
            help: None,
        }),
        other => Err(CheckError::Kind {
            expected: format!("a whole number for {what}"),
            found: other.kind().into(),
            span: expr.span,
            help: None,
        }),
    }
}

/// Where a check's bound is evaluated, which decides what `champion` / `stable` mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundContext {
    /// The baseline word allowed (`champion` or `stable`), if the metric has its own value.
    Baseline(&'static str),
    /// Constants only (drift checks, two-sample metrics).
    ConstantsOnly(&'static str),
}

pub const BASELINE_WORDS: &[&str] = &["champion", "stable"];

pub fn bound(expr: &Expr, ctx: BoundContext) -> Result<Bound, CheckError> {
    match &expr.kind {
        ExprKind::Number(v) => Ok(Bound::Const(*v)),
        ExprKind::Percent(v) => Ok(Bound::Const(v / 100.0)),
        ExprKind::Name(name) => baseline(name, expr, ctx),
        ExprKind::Neg(inner) => Ok(Bound::Neg(Box::new(bound(inner, ctx)?))),
        ExprKind::Binary { op, lhs, rhs } => match arith_op(*op) {
            Some(arith) => Ok(Bound::Arith(
                arith,
                Box::new(bound(lhs, ctx)?),
                Box::new(bound(rhs, ctx)?),
            )),
            None => Err(kind_error("a number or arithmetic for the bound", expr, None)),
        },
        ExprKind::Duration(..) => Err(kind_error(
            "a number or percent for the bound",
            expr,
            Some("metrics are compared in the column's own unit: write `200` for 200 ms of `latency_ms`".into()),
        )),
        ExprKind::Call { name, .. } => Err(kind_error(
            "a number, percent or baseline for the bound",
            expr,
            Some(format!("metrics go on the left of the comparison; `{}` cannot be used in a bound", name.text)),
        )),
        _ => Err(kind_error("a number or arithmetic for the bound", expr, None)),
    }
}

fn baseline(name: &str, expr: &Expr, ctx: BoundContext) -> Result<Bound, CheckError> {
    match ctx {
        BoundContext::Baseline(word) if word == name => Ok(Bound::Baseline),
        BoundContext::Baseline(word) if BASELINE_WORDS.contains(&name) => {
            Err(CheckError::Baseline {
                word: name.to_string(),
                context: if word == "champion" {
                    "a gate"
                } else {
                    "a canary guard"
                },
                span: expr.span,
                help: format!("here the baseline is `{word}`"),
            })
        }
        BoundContext::ConstantsOnly(context) if BASELINE_WORDS.contains(&name) => {
            Err(CheckError::Baseline {
                word: name.to_string(),
                context,
                span: expr.span,
                help: "compare with a constant, e.g. `< 0.2`".to_string(),
            })
        }
        BoundContext::Baseline(word) => Err(CheckError::UnknownName {
            name: name.to_string(),
            span: expr.span,
            help: match did_you_mean(name, [word]) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("a bound is a number, a percent or `{word}`"),
            },
        }),
        BoundContext::ConstantsOnly(_) => Err(CheckError::UnknownName {
            name: name.to_string(),
            span: expr.span,
            help: "a bound here is a number or a percent".to_string(),
        }),
    }
}

/// A row condition: `status >= 500`, `score < 0 or score > 1`, `country in ["de"]`.
pub fn predicate(expr: &Expr) -> Result<Predicate, CheckError> {
    let not_a_condition = || {
        kind_error(
            "a condition such as `status >= 500`",
            expr,
            Some(
                "conditions compare columns with values and combine with `and`, `or`, `not`".into(),
            ),
        )
    };
    match &expr.kind {
        ExprKind::Binary {
            op: BinOp::Cmp(op),
            lhs,
            rhs,
        } => Ok(Predicate::Compare(operand(lhs)?, *op, operand(rhs)?)),
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => Ok(Predicate::And(
            Box::new(predicate(lhs)?),
            Box::new(predicate(rhs)?),
        )),
        ExprKind::Binary {
            op: BinOp::Or,
            lhs,
            rhs,
        } => Ok(Predicate::Or(
            Box::new(predicate(lhs)?),
            Box::new(predicate(rhs)?),
        )),
        ExprKind::Not(inner) => Ok(Predicate::Not(Box::new(predicate(inner)?))),
        ExprKind::Between {
            operand: x,
            low,
            high,
        } => Ok(Predicate::Between(
            operand(x)?,
            operand(low)?,
            operand(high)?,
        )),
        ExprKind::In {
            operand: x,
            list,
            negated,
        } => {
            let literals = list.iter().map(literal).collect::<Result<_, _>>()?;
            Ok(Predicate::In(operand(x)?, literals, *negated))
        }
        ExprKind::IsNull {
            operand: x,
            negated,
        } => match &x.kind {
            ExprKind::Name(column) => Ok(Predicate::IsNull(column.clone(), *negated)),
            _ => Err(kind_error("a column before `is null`", x, None)),
        },
        ExprKind::Name(column) => Ok(Predicate::Column(column.clone())),
        _ => Err(not_a_condition()),
    }
}

fn operand(expr: &Expr) -> Result<Operand, CheckError> {
    match &expr.kind {
        ExprKind::Name(column) => Ok(Operand::Column(column.clone())),
        ExprKind::Neg(inner) => Ok(Operand::Neg(Box::new(operand(inner)?))),
        ExprKind::Binary { op, lhs, rhs } => match arith_op(*op) {
            Some(arith) => Ok(Operand::Arith(
                arith,
                Box::new(operand(lhs)?),
                Box::new(operand(rhs)?),
            )),
            None => Err(kind_error(
                "a column or a value",
                expr,
                Some("wrap conditions in parentheses to combine them".into()),
            )),
        },
        ExprKind::Call { name, .. } => Err(kind_error(
            "a column or a value",
            expr,
            Some(format!(
                "metrics cannot be nested: `{}` is not allowed inside a condition",
                name.text
            )),
        )),
        _ => Ok(Operand::Literal(literal(expr)?)),
    }
}

fn literal(expr: &Expr) -> Result<Literal, CheckError> {
    match &expr.kind {
        ExprKind::Number(v) => Ok(Literal::Number(*v)),
        ExprKind::Percent(v) => Ok(Literal::Number(v / 100.0)),
        ExprKind::Str(s) => Ok(Literal::Text(s.clone())),
        ExprKind::Bool(b) => Ok(Literal::Bool(*b)),
        ExprKind::Neg(inner) => match literal(inner)? {
            Literal::Number(v) => Ok(Literal::Number(-v)),
            _ => Err(kind_error("a number after `-`", inner, None)),
        },
        _ => Err(kind_error("a number, string or boolean", expr, None)),
    }
}
