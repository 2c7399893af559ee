//! Row conditions (`status >= 500`, `score < 0 or score > 1`) as polars expressions, evaluated
//! to a mask over a slice. A null on either side of a comparison makes the row not match.

use polars::prelude::*;

use crate::ast::CmpOp;
use crate::plan::{ArithOp, Literal, Operand, Predicate};

pub fn mask(frame: &DataFrame, predicate: &Predicate) -> PolarsResult<Vec<bool>> {
    let out = frame
        .clone()
        .lazy()
        .select([to_expr(predicate).fill_null(lit(false)).alias("__mask")])
        .collect()?;
    let column = out
        .column("__mask")?
        .as_materialized_series()
        .cast(&DataType::Boolean)?;
    Ok(column.bool()?.iter().map(|v| v.unwrap_or(false)).collect())
}

fn to_expr(predicate: &Predicate) -> Expr {
    match predicate {
        Predicate::Compare(a, op, b) => compare(operand(a), *op, operand(b)),
        Predicate::Between(x, low, high) => {
            let x = operand(x);
            x.clone().gt_eq(operand(low)).and(x.lt_eq(operand(high)))
        }
        Predicate::In(x, values, negated) => {
            let x = operand(x);
            let any = values
                .iter()
                .map(|v| x.clone().eq(literal(v)))
                .reduce(Expr::or)
                .unwrap_or_else(|| lit(false));
            if *negated { any.not() } else { any }
        }
        Predicate::IsNull(column, negated) => {
            if *negated {
                col(column.as_str()).is_not_null()
            } else {
                col(column.as_str()).is_null()
            }
        }
        Predicate::And(a, b) => to_expr(a).and(to_expr(b)),
        Predicate::Or(a, b) => to_expr(a).or(to_expr(b)),
        Predicate::Not(a) => to_expr(a).not(),
        Predicate::Column(column) => col(column.as_str()).cast(DataType::Boolean),
    }
}

fn compare(a: Expr, op: CmpOp, b: Expr) -> Expr {
    match op {
        CmpOp::Eq => a.eq(b),
        CmpOp::Ne => a.neq(b),
        CmpOp::Lt => a.lt(b),
        CmpOp::Le => a.lt_eq(b),
        CmpOp::Gt => a.gt(b),
        CmpOp::Ge => a.gt_eq(b),
    }
}

fn operand(operand: &Operand) -> Expr {
    match operand {
        Operand::Column(c) => col(c.as_str()),
        Operand::Literal(l) => literal(l),
        Operand::Neg(a) => lit(0.0) - self::operand(a),
        Operand::Arith(op, a, b) => {
            let (a, b) = (self::operand(a), self::operand(b));
            match op {
                ArithOp::Add => a + b,
                ArithOp::Sub => a - b,
                ArithOp::Mul => a * b,
                ArithOp::Div => a / b,
            }
        }
    }
}

fn literal(literal: &Literal) -> Expr {
    match literal {
        Literal::Number(v) => lit(*v),
        Literal::Text(s) => lit(s.clone()),
        Literal::Bool(b) => lit(*b),
    }
}
