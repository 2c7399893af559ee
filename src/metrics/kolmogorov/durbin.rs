//! Durbin's matrix algorithm for the Kolmogorov CDF `P(D_n <= d)`, in Marsaglia, Tsang and
//! Wang's formulation (2003), as scipy's `_kolmogn_DMTW` runs it.
//!
//! Writes `n·d = k - h` with integer `k` and `0 <= h < 1`, builds an `(2k-1)²` matrix and takes
//! the `k`-th diagonal entry of its `n`-th power times `n!/n^n`. Memory `O(k²)`, time
//! `O(k³ log n)`: scipy only calls it where `k` stays small. Intermediate powers are rescaled
//! by `2^±128` with the exponent tracked separately, so nothing overflows.

use super::double_double::ldexp;

const SCALE_EXPONENT: i64 = 128;

/// `P(D_n <= d)`, clipped to `[0, 1]`.
pub(super) fn cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let big = ldexp(1.0, SCALE_EXPONENT as i32);
    let small = ldexp(1.0, -SCALE_EXPONENT as i32);
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let mut power = Square::identity(2 * k - 1);
    let mut base = initial_matrix(k, h);
    let mut nn = n;
    let mut exponent: i64 = 0;
    let mut base_exponent: i64 = 0;
    while nn > 0 {
        if nn % 2 == 1 {
            power = power.times(&base);
            exponent += base_exponent;
        }
        base = base.times(&base);
        base_exponent *= 2;
        if base.at(k - 1, k - 1).abs() > big {
            base.scale(small);
            base_exponent += SCALE_EXPONENT;
        }
        nn /= 2;
    }
    let mut p = power.at(k - 1, k - 1);
    // Multiply by n!/n^n one factor at a time, rescaling before it underflows.
    let nf = n as f64;
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < small {
            p *= big;
            exponent -= SCALE_EXPONENT;
        }
    }
    if exponent != 0 {
        let e = exponent.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        p = ldexp(p, e);
    }
    p.clamp(0.0, 1.0)
}

/// The matrix H of Marsaglia-Tsang-Wang: ones-over-factorials below the superdiagonal, with the
/// first column and last row corrected for the fractional part `h`.
fn initial_matrix(k: usize, h: f64) -> Square {
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powf(j as f64)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64; // May underflow, harmlessly.
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powf(m as f64) - 2.0 * h.powf(m as f64);
    v[m - 1] = (1.0 + tt) * fac;

    let mut matrix = Square::zeros(m);
    for i in 1..m {
        for row in (i - 1)..m {
            matrix.set(row, i, w[row - (i - 1)]);
        }
    }
    for (row, &value) in v.iter().enumerate() {
        matrix.set(row, 0, value);
    }
    for (col, &value) in v.iter().rev().enumerate() {
        matrix.set(m - 1, col, value);
    }
    matrix
}

/// A dense square matrix, row-major.
struct Square {
    size: usize,
    cells: Vec<f64>,
}

impl Square {
    fn zeros(size: usize) -> Self {
        Square {
            size,
            cells: vec![0.0; size * size],
        }
    }

    fn identity(size: usize) -> Self {
        let mut m = Square::zeros(size);
        for i in 0..size {
            m.set(i, i, 1.0);
        }
        m
    }

    fn at(&self, row: usize, col: usize) -> f64 {
        self.cells[row * self.size + col]
    }

    fn set(&mut self, row: usize, col: usize, value: f64) {
        self.cells[row * self.size + col] = value;
    }

    fn scale(&mut self, factor: f64) {
        self.cells.iter_mut().for_each(|c| *c *= factor);
    }

    fn times(&self, other: &Square) -> Square {
        let n = self.size;
        let mut out = Square::zeros(n);
        for i in 0..n {
            for l in 0..n {
                let a = self.cells[i * n + l];
                if a == 0.0 {
                    continue;
                }
                let row = &other.cells[l * n..(l + 1) * n];
                for (o, &b) in out.cells[i * n..(i + 1) * n].iter_mut().zip(row) {
                    *o += a * b;
                }
            }
        }
        out
    }
}
