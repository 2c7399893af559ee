//! The Pelz-Good (1976) approximation of the Kolmogorov CDF `P(D_n <= x)`, as scipy's
//! `_kolmogn_PelzGood` evaluates it.
//!
//! Starts from the Li-Chien / Korolyuk expansion `K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5`
//! with `z = x√n`, each `K` rewritten through Jacobi theta functions so that it converges fast
//! for small `z`. The odd-index theta sums are evaluated Horner-style in `q^8`.

use std::f64::consts::PI;

use crate::metrics::pairwise_sum::pairwise_sum;

/// Below `exp(-708)` the leading factor underflows and the CDF is 0.
const MIN_LOG: f64 = -708.0;

/// `P(D_n <= x)` by the Pelz-Good expansion (not clipped, as in scipy).
pub(super) fn cdf(n: u64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let pi2 = PI * PI;
    let pi4 = PI.powf(4.0);
    let pi6 = PI.powf(6.0);
    let sqrt2pi = (2.0 * PI).sqrt();
    let nf = n as f64;
    let z = nf.sqrt() * x;
    let (z2, z3, z4, z6) = (z.powf(2.0), z.powf(3.0), z.powf(4.0), z.powf(6.0));

    let qlog = -pi2 / 8.0 / z2;
    if qlog < MIN_LOG {
        return 0.0;
    }
    let q = qlog.exp();

    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powf(8.0);

    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil().max(0.0) as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf((8 * kk) as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (acc, c) in k.iter_mut().zip(coeffs) {
            *acc = *acc * qpower + c;
        }
    }
    let divisors = [z, 6.0 * z4, 72.0 * z.powf(7.0), 6480.0 * z.powf(10.0)];
    for (acc, d) in k.iter_mut().zip(divisors) {
        *acc = *acc * q * sqrt2pi / d;
    }

    // The sums over all integers k for K2 and K3, summed directly (little cancellation).
    let q = (-pi2 / 2.0 / z2).exp();
    let ks: Vec<f64> = (1..=maxk).rev().map(|k| k as f64).collect();
    let qpowers: Vec<f64> = ks.iter().map(|&k| q.powf(k * k)).collect();
    let k2terms: Vec<f64> = ks.iter().zip(&qpowers).map(|(&k, &p)| k * k * p).collect();
    let k2extra = pairwise_sum(&k2terms) * (pi2 * sqrt2pi / (-36.0 * z3));
    k[2] += k2extra;
    let sqrt3z = 3f64.sqrt() * z;
    let k3terms: Vec<f64> = ks
        .iter()
        .zip(&qpowers)
        .map(|(&k, &p)| {
            let kpi = PI * k;
            (sqrt3z + kpi) * (sqrt3z - kpi) * (k * k) * p
        })
        .collect();
    let k3extra = pairwise_sum(&k3terms) * (pi2 * sqrt2pi / (216.0 * z6));
    k[3] += k3extra;
    for (i, acc) in k.iter_mut().enumerate() {
        *acc /= nf.powf(i as f64 / 2.0);
    }
    k.iter().fold(0.0, |s, &v| s + v)
}
