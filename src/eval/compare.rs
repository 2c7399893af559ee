//! The one float rule for comparing a metric with its bound (documented in GRAMMAR.md): values
//! within 4 ulps of the larger magnitude are equal, so `0.85 >= 0.80 + 0.05` holds.

use crate::ast::CmpOp;

const ULPS: f64 = 4.0;

pub fn nearly_equal(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= ULPS * f64::EPSILON * a.abs().max(b.abs())
}

/// `value OP bound` under that rule. NaN never satisfies anything (callers report it first).
pub fn holds(value: f64, op: CmpOp, bound: f64) -> bool {
    if value.is_nan() || bound.is_nan() {
        return false;
    }
    let equal = nearly_equal(value, bound);
    match op {
        CmpOp::Eq => equal,
        CmpOp::Ne => !equal,
        CmpOp::Lt => value < bound && !equal,
        CmpOp::Le => value < bound || equal,
        CmpOp::Gt => value > bound && !equal,
        CmpOp::Ge => value > bound || equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_exact_as_written() {
        assert!(holds(0.85, CmpOp::Ge, 0.80 + 0.05));
        assert!(!holds(0.85, CmpOp::Gt, 0.80 + 0.05));
        assert!(holds(0.3, CmpOp::Eq, 0.1 + 0.2));
        assert!(holds(0.1 * 3.0, CmpOp::Le, 0.3));
        assert!(!holds(0.30001, CmpOp::Le, 0.3));
        assert!(!holds(f64::NAN, CmpOp::Ge, 0.0));
        assert!(!holds(1.0, CmpOp::Ne, 1.0));
    }
}
