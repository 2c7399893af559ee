//! Two-sample Kolmogorov-Smirnov test, as scipy 1.17 computes it: `scipy.stats.ks_2samp(a, b)`
//! with the defaults `alternative="two-sided"`, `method="auto"`.
//!
//! Takes two samples and returns the statistic `D = max |F_a - F_b|` and its p-value. The
//! p-value is exact (scipy's lattice-path counts) when neither sample has more than 10,000
//! values, and otherwise `kstwo.sf(D, round(n·m / (n + m)))` from [`super::kolmogorov`]; an
//! exact count that comes out outside `[0, 1]` falls back to that distribution, as in scipy.
//! In exact mode the statistic is scipy's rounded `h / lcm(n, m)`.
//!
//! NaN and ±inf are dropped first; either sample empty after that is undefined. Sorting
//! dominates the cost; [`ks_2samp_sorted`] skips it.

use super::MetricResult;
use super::kolmogorov::kstwo_sf;
use super::two_sample::{finite_pair, into_sorted, sorted_finite_pair};

use super::kernel::{Compared, Kernel, TwoSample};

pub const KS: Kernel = Kernel::TwoSample(TwoSample {
    numeric: |reference, current, _| {
        let ks = ks_2samp(&reference.contiguous(), &current.contiguous())?;
        Ok(Compared {
            statistic: ks.statistic,
            p_value: Some(ks.pvalue),
            rows: None,
        })
    },
    categories: None,
});

/// scipy's `MAX_AUTO_N`: larger samples get the asymptotic p-value.
const MAX_EXACT_N: usize = 10_000;

/// The KS statistic and its two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ks {
    pub statistic: f64,
    pub pvalue: f64,
}

/// `scipy.stats.ks_2samp(a, b)`.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> MetricResult<Ks> {
    let pair = finite_pair(a, b)?;
    let a = into_sorted(pair.reference);
    let b = into_sorted(pair.current);
    Ok(ks_of_sorted(&a, &b))
}

/// [`ks_2samp`] on samples already in ascending order (non-finite values may only sit at the
/// ends, where sorting puts them).
pub fn ks_2samp_sorted(a: &[f64], b: &[f64]) -> MetricResult<Ks> {
    let (a, b) = sorted_finite_pair(a, b)?;
    Ok(ks_of_sorted(a, b))
}

fn ks_of_sorted(a: &[f64], b: &[f64]) -> Ks {
    let d = statistic(a, b);
    let (n1, n2) = (a.len() as u64, b.len() as u64);
    if a.len().max(b.len()) > MAX_EXACT_N {
        return asymptotic(n1, n2, d);
    }
    match exact(n1, n2, d) {
        Exact::Done { statistic, pvalue } => Ks { statistic, pvalue },
        // scipy keeps the rounded statistic when it falls back.
        Exact::Failed { statistic } => asymptotic(n1, n2, statistic),
    }
}

/// `max |F_a(x) - F_b(x)|` over every sample value, with each CDF value rounded as numpy's
/// `searchsorted(..., side="right") / n` rounds it. One merge pass over both sorted samples.
fn statistic(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let mut d: f64 = 0.0;
    loop {
        let x = match (a.get(i), b.get(j)) {
            (Some(&u), Some(&v)) => u.min(v),
            (Some(&u), None) => u,
            (None, Some(&v)) => v,
            (None, None) => return d,
        };
        while a.get(i).is_some_and(|&u| u <= x) {
            i += 1;
        }
        while b.get(j).is_some_and(|&v| v <= x) {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
}

enum Exact {
    Done { statistic: f64, pvalue: f64 },
    Failed { statistic: f64 },
}

/// scipy's `_attempt_exact_2kssamp` for the two-sided alternative.
fn exact(n1: u64, n2: u64, d: f64) -> Exact {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as u64;
    let statistic = h as f64 / lcm as f64;
    if h == 0 {
        return Exact::Done {
            statistic,
            pvalue: 1.0,
        };
    }
    let prob = if n1 == n2 {
        Some(prob_outside_square(n1, h))
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    match prob {
        Some(p) if (0.0..=1.0).contains(&p) => Exact::Done {
            statistic,
            pvalue: p,
        },
        _ => Exact::Failed { statistic },
    }
}

/// `kstwo.sf(d, round(en))` with `en = n·m / (n + m)` in floating point, clipped to `[0, 1]`.
fn asymptotic(n1: u64, n2: u64, d: f64) -> Ks {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = m * n / (m + n);
    // `en >= 1/2` and `round` is half-to-even, so the effective size is at least 1 except for
    // 1-vs-1 samples, which never reach this path (they are exact).
    let size = (en.round_ties_even() as u64).max(1);
    Ks {
        statistic: d,
        pvalue: kstwo_sf(size, d).clamp(0.0, 1.0),
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// scipy's `_compute_prob_outside_square(n, h)`: `P(D_{n,n} >= h/n)` as an alternating sum of
/// binomial ratios, evaluated Horner-style to avoid cancellation.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let (n, h) = (n as i64, h as i64);
    let mut p = 0.0;
    let mut k = (n as f64 / h as f64).floor() as i64;
    while k >= 0 {
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n - k * h - j) as f64 * p1 / (n + k * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// scipy's `_compute_outer_prob_inside_method(m, n, g, h)` (a pythran kernel): the share of
/// lattice paths from (0, 0) to (m, n) leaving the band `|x/m - y/n| < h / lcm`, computed with
/// Viehmann's recursion for `1 - p` over a sliding window of one column. `None` if the window
/// would leave its buffer (scipy reads out of bounds there; it cannot happen for valid input).
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> Option<f64> {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let (mg, ng) = (m / g, n / g);
    let ceil_div = |a: i64, b: i64| (a as f64 / b as f64).ceil() as i64;
    let floor_div = |a: i64, b: i64| (a as f64 / b as f64).floor() as i64;

    let mut minj: i64 = 0;
    let mut maxj = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1).max(0) as usize;
    let mut a = vec![1.0; len_a];
    a.iter_mut()
        .take(maxj.max(0) as usize)
        .for_each(|v| *v = 0.0);
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return Some(1.0);
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            let carried = *a.get(usize::try_from(jj + minj - lastminj).ok()?)?;
            val = (carried * i as f64 + val * j as f64) / (i + j) as f64;
            *a.get_mut(usize::try_from(jj).ok()?)? = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            // Python slice assignment: clipped to the buffer.
            let from = (maxj - minj) as usize;
            let to = (from + (lastlen - curlen) as usize).min(a.len());
            a.iter_mut().take(to).skip(from).for_each(|v| *v = 1.0);
        }
    }
    a.get(usize::try_from(maxj - minj - 1).ok()?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Undefined;

    #[test]
    fn disjoint_small_samples() {
        // scipy: ks_2samp([1, 2, 3], [4, 5, 6]) -> (1.0, 0.1)
        let r = ks_2samp(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]);
        assert_eq!(r.as_ref().map(|k| k.statistic), Ok(1.0));
        let p = r.map(|k| k.pvalue).unwrap_or(f64::NAN);
        assert!((p - 0.1).abs() < 1e-15, "{p}");
    }

    #[test]
    fn unsorted_input_to_sorted_variant_is_rejected() {
        let r = ks_2samp_sorted(&[2.0, 1.0], &[1.0]);
        assert!(matches!(r, Err(Undefined::OutOfRange { .. })));
        let r = ks_2samp_sorted(&[f64::NEG_INFINITY, 1.0, f64::NAN], &[1.0]);
        assert!(r.is_ok());
    }

    #[test]
    fn empty_is_undefined() {
        assert_eq!(ks_2samp(&[], &[1.0]), Err(Undefined::Empty));
    }
}
