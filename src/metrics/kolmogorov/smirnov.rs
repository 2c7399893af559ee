//! The one-sided Kolmogorov-Smirnov survival function `P(D+_n >= x)`, as
//! `scipy.special.smirnov(n, x)` computes it (xsf's `cephes/kolmogorov.h`, van Mulbregt 2018).
//!
//! Takes the sample size and the statistic and returns the probability. The main case sums the
//! Birnbaum-Tingey series `x · Σ_v C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)` in double-double
//! precision, with the binomial and the powers carried as mantissa and exponent so that nothing
//! overflows. Only the survival function is computed; scipy's simultaneous CDF and density are
//! left out.

use super::double_double::{Dd, ldexp};

/// Above this size scipy switches to the approximation `exp(-(6nx + 1)^2 / 18n)`.
const MAX_COMPUTE_N: i64 = 1_000_000;
/// Use the upper sum for at most this many terms, from this size on.
const UPPER_MAX_TERMS: i64 = 3;
const UPPER_SUM_MIN_N: i64 = 10;
/// cephes' `MINLOG`: `exp` of anything below underflows.
const MIN_LOG: f64 = -708.396_418_532_264_1;
/// Powers are split into chunks below `2^-960` so both words of a double-double stay normal.
const MAX_EXPONENT: i32 = 960;

/// `scipy.special.smirnov(n, x)` for `n >= 1` and `0 <= x <= 1`; NaN outside that domain.
pub(super) fn smirnov_sf(n: i64, x: f64) -> f64 {
    if !(n > 0 && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let (alpha, nxfl) = mod_nx(n, x);
    let mut n1mxfl = n - nxfl - if alpha == 0.0 { 0 } else { 1 };
    let mut n1mxceil = n - nxfl;
    // With alpha = 0 the last term belongs to neither summation.
    if alpha == 0.0 {
        n1mxfl -= 1;
        n1mxceil += 1;
    }
    if nxfl == 0 || (nxfl == 1 && alpha == 0.0) {
        let t = pow_dd(Dd::new(1.0) + x, n - 1).hi;
        return 1.0 - x * t;
    }
    if -2.0 * n as f64 * x * x < MIN_LOG {
        return 0.0;
    }
    if nxfl >= n - 1 {
        return pow_dd(Dd::new(1.0) + -x, n).hi;
    }
    if n > MAX_COMPUTE_N {
        let logp = -(6.0 * n as f64 * x + 1.0).powi(2) / 18.0 / n as f64;
        return if logp < -std::f64::consts::LN_2 {
            logp.exp()
        } else {
            1.0 - (-logp.exp_m1())
        };
    }
    let upper_terms = n - n1mxceil + 1;
    let use_upper = (upper_terms <= 1 && x < 0.5)
        || (n >= UPPER_SUM_MIN_N && upper_terms <= UPPER_MAX_TERMS && x <= 0.5 / (n as f64).sqrt());
    let sum = if use_upper {
        series(n, x, n, -1, upper_terms)
    } else {
        series(n, x, 0, 1, n1mxfl + 1)
    };
    let prob = (x * sum).hi;
    let sf = if use_upper { 1.0 - prob } else { prob };
    sf.clamp(0.0, 1.0)
}

/// `Σ A_v / x` over `v = start, start + step, ...` for `terms` terms, stopping early once the
/// remaining terms cannot move the sum.
fn series(n: i64, x: f64, start: i64, step: i64, terms: i64) -> Dd {
    let mut binomial = Binomial::new();
    let first = if step < 0 {
        pow4(1.0, x, 1.0, 0.0, n - 1)
    } else {
        pow4(1.0, -x, 1.0, 0.0, n) / x
    };
    let mut sum = Dd::new(0.0) + first;
    binomial.advance(n, 0);
    let vmid = n / 2;
    for j in 1..terms {
        let v = start + j * step;
        let term = term_av(n, x, v, &binomial);
        if term.hi.is_finite() && !term.is_zero() {
            sum = sum + term;
        }
        if !term.is_zero() {
            let negligible = 4.0 * (terms - j) as f64 * term.hi.abs() < f64::EPSILON * sum.hi;
            if negligible && j != terms - 1 {
                break;
            }
        } else if j > vmid {
            break;
        }
        binomial.advance(n, j);
    }
    sum
}

/// `floor(n·x)` and the remainder `n·x - floor(n·x)`, both exact; a remainder that rounds to 1
/// moves up to the next integer.
fn mod_nx(n: i64, x: f64) -> (f64, i64) {
    let nx = n as f64 * Dd::new(x);
    let floor = nx.floor();
    let mut alpha = (nx - floor).hi;
    let mut nxfl = floor.hi as i64;
    if alpha == 1.0 {
        nxfl += 1;
        alpha = 0.0;
    }
    (alpha, nxfl)
}

/// `C(n, j)` as a double-double mantissa in `[0.5, 1)` and a binary exponent; the binomial
/// itself overflows doubles long before `n` reaches a million.
struct Binomial {
    mantissa: Dd,
    exponent: i32,
}

impl Binomial {
    fn new() -> Self {
        Binomial {
            mantissa: Dd::new(1.0),
            exponent: 0,
        }
    }

    /// `C(n, j) -> C(n, j + 1)`.
    fn advance(&mut self, n: i64, j: i64) {
        let ratio = Dd::new((n - j) as f64) / (j as f64 + 1.0);
        let (mantissa, exponent) = (self.mantissa * ratio).frexp();
        self.mantissa = mantissa;
        self.exponent += exponent;
    }
}

/// `A_v = C(n, v) (1 - x - v/n)^(n-v) (x + v/n)^(v-1)`.
fn term_av(n: i64, x: f64, v: i64, binomial: &Binomial) -> Dd {
    let (t2, t2e) = pow_scaled(Dd::new((n - v) as f64) / n as f64 - x, n - v);
    let (t1, t1e) = pow_scaled(Dd::new(v as f64) / n as f64 + x, v - 1);
    let product = t1 * t2 * binomial.mantissa;
    product.ldexp(binomial.exponent + t1e + t2e)
}

/// `a^m` for a double-double `a`: the double power of the high word, corrected for the low word
/// to first order (scipy's `pow_D`, trading the last bits for speed).
fn pow_dd(a: Dd, m: i64) -> Dd {
    if m <= 0 {
        if m == 0 {
            return Dd::new(1.0);
        }
        return 1.0 / pow_dd(a, -m);
    }
    if a.is_zero() {
        return Dd::new(0.0);
    }
    let ans = a.hi.powf(m as f64);
    let r = a.lo / a.hi;
    let mut adj = m as f64 * r;
    if adj.abs() > 1e-8 {
        if adj.abs() < 1e-4 {
            // The first two terms of the Taylor series of (1 + r)^m.
            adj += (m as f64 * r) * ((m - 1) as f64 / 2.0 * r);
        } else {
            adj = (m as f64 * r.ln_1p()).exp_m1();
        }
    }
    Dd::new(ans) + ans * adj
}

/// `((a + b) / (c + d))^m` in double-double.
fn pow4(a: f64, b: f64, c: f64, d: f64, m: i64) -> Dd {
    if m <= 0 {
        if m == 0 {
            return Dd::new(1.0);
        }
        return pow4(c, d, a, b, -m);
    }
    let num = Dd::new(a) + b;
    let den = Dd::new(c) + d;
    if num.is_zero() {
        return Dd::new(if den.is_zero() { f64::NAN } else { 0.0 });
    }
    if den.is_zero() {
        let inf = if num.hi < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Dd { hi: inf, lo: inf };
    }
    pow_dd(num / den, m)
}

/// `a^m` as `(mantissa, exponent)`, splitting the power so no intermediate underflows.
fn pow_scaled(a: Dd, m: i64) -> (Dd, i32) {
    if m <= 0 {
        if m == 0 {
            return (Dd::new(1.0), 0);
        }
        let (inverse, e1) = pow_scaled(a, -m);
        let (ans, e2) = (1.0 / inverse).frexp();
        return (ans, -e1 + e2);
    }
    let (y, ye) = a.frexp();
    if m == 1 {
        return (y, ye);
    }
    let mut max_expt = MAX_EXPONENT;
    let limit = -f64::from(MAX_EXPONENT) * std::f64::consts::LN_2;
    if m as f64 * (y.hi - 1.0) / y.hi < limit {
        let lg2y = y.hi.ln() / std::f64::consts::LN_2;
        if m as f64 * lg2y <= -f64::from(MAX_EXPONENT) {
            max_expt = (next_power_of_2(-f64::from(MAX_EXPONENT) / lg2y + 1.0) / 2.0) as i32;
        }
    }
    let max_expt = i64::from(max_expt.max(1));
    let m_ye = (m * i64::from(ye)) as i32;
    if m <= max_expt {
        let (ans, e) = pow_dd(y, m).frexp();
        return (ans, e + m_ye);
    }
    let (q, r) = (m / max_expt, m % max_expt);
    let (y2r, y2re) = pow_scaled(y, r);
    let (y2m, y2me) = pow_scaled(y, max_expt);
    let (y2mq, y2mqe) = pow_scaled(y2m, q);
    let (ans, e) = (y2r * y2mq).frexp();
    let exponent = e + (y2mqe + y2me * q as i32) + y2re + m_ye;
    (ans, exponent)
}

/// scipy's `nextPowerOf2` (which rounds up to a nearby power of two for the cases it meets).
fn next_power_of_2(x: f64) -> f64 {
    let q = ldexp(x, 1 - f64::MANTISSA_DIGITS as i32);
    let l = (q + x).abs();
    if l == 0.0 {
        return x.abs();
    }
    let truncated = l as i32;
    if f64::from(truncated) == l {
        f64::from(truncated)
    } else {
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy_spot_values() {
        // scipy.special.smirnov(n, x), scipy 1.17.
        let cases = [
            (1, 0.3, 0.7),
            (5, 0.5, 0.056),
            (2, 0.9, 0.009_999_999_999_999_995),
            (1000, 0.05, 0.006_506_037_390_545_166),
            (500_000, 0.002, 0.018_291_201_767_145_205),
            (20, 0.03, 0.947_394_818_407_687),
            (50, 0.97, 7.178_979_876_918_844e-77),
        ];
        for (n, x, want) in cases {
            let got = smirnov_sf(n, x);
            let ok = (got - want).abs() <= 1e-13 * want;
            assert!(ok, "smirnov({n}, {x}) = {got}, want {want}");
        }
    }
}
