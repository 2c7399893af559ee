//! Pomeranz's recursion (1974) for the Kolmogorov CDF `P(D_n <= d)`, as scipy's
//! `_kolmogn_Pomeranz` runs it.
//!
//! Walks `2n + 1` rows, each the convolution of the previous row with one of three truncated
//! Poisson weight sequences; only a short window of each row can be non-zero, so two windows are
//! kept. The answer is `n!` times the last entry. Rows are rescaled by `2^128` before they
//! underflow, with the exponent tracked separately. scipy's index arithmetic (including Python's
//! slice clipping) is kept as is.

use super::double_double::ldexp;

const SCALE_EXPONENT: i64 = 128;

/// `P(D_n <= x)`, clipped to `[0, 1]`.
pub(super) fn cdf(n: u64, x: f64) -> f64 {
    let big = ldexp(1.0, SCALE_EXPONENT as i32);
    let small = ldexp(1.0, -SCALE_EXPONENT as i32);
    let n = n as i64;
    let nf = n as f64;
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let window = Window {
        n,
        ll,
        ceilf: i64::from(f > 0.0),
        roundf: i64::from(f > 0.5),
    };
    let npwrs = (2 * (ll + 1)).max(1) as usize;
    // (g/n)^m/m!, (2g/n)^m/m!, ((1-2g)/n)^m/m!: Poisson weights without their normalisation.
    let weights = |rate: f64| {
        let mut w = vec![1.0; npwrs];
        for m in 1..npwrs {
            w[m] = w[m - 1] * rate / m as f64;
        }
        w
    };
    let gpower = weights(g / nf);
    let twogpower = weights(2.0 * g / nf);
    let onem2gpower = weights((1.0 - 2.0 * g) / nf);

    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt: i64 = 0;
    let mut j1 = window.bounds(0).0;
    for i in 1..(2 * n + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.fill(0.0);
        let (start, j2) = window.bounds(i);
        j1 = start;
        let pwrs = if i == 1 || i == 2 * n + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            let from = k1 - v0s;
            let conv = convolve(py_slice(&v0, from, from + ln2), py_slice(pwrs, 0, ln2));
            let conv_start = j1 - k1;
            let conv_len = j2 - j1 + 1;
            let src = py_slice(&conv, conv_start, conv_start + conv_len);
            for (dst, &value) in v1.iter_mut().zip(src) {
                *dst = value;
            }
            let max = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < max && max < small {
                v1.iter_mut().for_each(|v| *v *= big);
                expnt -= SCALE_EXPONENT;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let Some(mut ans) = py_index(&v1, n - v1s) else {
        return 0.0;
    };
    for m in 1..=n {
        if ans.abs() > big {
            ans *= small;
            expnt += SCALE_EXPONENT;
        }
        ans *= m as f64;
    }
    if expnt != 0 {
        let e = expnt.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        ans = ldexp(ans, e);
    }
    ans.clamp(0.0, 1.0)
}

/// The parameters of scipy's `_pomeranz_compute_j1j2`.
struct Window {
    n: i64,
    ll: i64,
    ceilf: i64,
    roundf: i64,
}

impl Window {
    /// The first and last index of row `i` that can be non-zero.
    fn bounds(&self, i: i64) -> (i64, i64) {
        let Window {
            n,
            ll,
            ceilf,
            roundf,
        } = *self;
        let (j1, j2) = if i == 0 {
            (-ll - ceilf - 1, ll + ceilf - 1)
        } else {
            let (half, odd_next) = ((i + 1) / 2, (i + 1) % 2);
            if odd_next == 0 {
                if half == n + 1 {
                    (n - ll - ceilf - 1, n + ll + ceilf - 1)
                } else {
                    (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
                }
            } else {
                (half - 1 - ll - 1, half + ll + roundf - 1)
            }
        };
        ((j1 + 2).max(0), j2.min(n))
    }
}

/// `np.convolve(a, b)` (mode `full`).
fn convolve(a: &[f64], b: &[f64]) -> Vec<f64> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        for (o, &y) in out[i..].iter_mut().zip(b) {
            *o += x * y;
        }
    }
    out
}

/// Python's `values[start:stop]`: negative bounds count from the end, then both are clipped.
fn py_slice(values: &[f64], start: i64, stop: i64) -> &[f64] {
    let len = values.len() as i64;
    let clip = |i: i64| (if i < 0 { i + len } else { i }).clamp(0, len) as usize;
    let (start, stop) = (clip(start), clip(stop));
    if start >= stop {
        &[]
    } else {
        &values[start..stop]
    }
}

/// Python's `values[index]`, `None` where Python would raise `IndexError`.
fn py_index(values: &[f64], index: i64) -> Option<f64> {
    let len = values.len() as i64;
    let index = if index < 0 { index + len } else { index };
    usize::try_from(index)
        .ok()
        .and_then(|i| values.get(i).copied())
}
