//! The two-sided one-sample Kolmogorov-Smirnov distribution, `scipy.stats.kstwo`, as far as
//! `ks_2samp` uses it: the survival function `kstwo.sf(d, n)` (scipy 1.17,
//! `scipy/stats/_ksstats.py::_kolmogn` behind `rv_continuous.sf`).
//!
//! Takes a size `n >= 1` and a statistic `d` and returns `P(D_n >= d)`. Like scipy it follows
//! Simard and L'Ecuyer (2011) in choosing a method by `n` and `n·d²`: Ruben-Gambino closed
//! forms at the ends of the support, twice the one-sided Smirnov probability ([`smirnov`]) in
//! the upper tail, Durbin's matrix ([`durbin`]) or Pomeranz's recursion ([`pomeranz`]) for
//! small `n`, and the Pelz-Good expansion ([`pelz_good`]) for large `n` near the centre.
//! Pure arithmetic; never panics.

mod double_double;
mod durbin;
mod pelz_good;
mod pomeranz;
mod smirnov;

/// Up to this size the exact small-sample methods are used.
const SMALL_N: u64 = 140;
/// Durbin's matrix stays affordable up to this size (for small `n·d^1.5`).
const DURBIN_MAX_N: u64 = 100_000;

/// `scipy.stats.kstwo.sf(d, n)`: 1 below the support `(1/2n, 1)`, 0 from 1 on.
pub fn kstwo_sf(n: u64, d: f64) -> f64 {
    let n = n.max(1);
    if d.is_nan() {
        return f64::NAN;
    }
    if d <= 0.5 / n as f64 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    kolmogn_sf(n, d)
}

/// `_kolmogn(n, x, cdf=False)` for `0 < x < 1`.
fn kolmogn_sf(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        // Ruben-Gambino: for 1/2n <= x <= 1/n the CDF is n!/n^n (2t - 1)^n.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if n <= SMALL_N {
            (1..=n).fold(1.0, |p, i| p * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0)))
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return clip(1.0 - cdf);
    }
    if t >= nf - 1.0 {
        // Ruben-Gambino at the top: the survival function is 2 (1 - x)^n.
        return clip(2.0 * (1.0 - x).powf(nf));
    }
    if x >= 0.5 {
        // Above 1/2 the two one-sided events cannot both happen: exactly twice Smirnov's.
        return clip(2.0 * smirnov_sf(n, x));
    }
    let nxsquared = t * x;
    if n <= SMALL_N {
        if nxsquared <= 0.754693 {
            return clip(1.0 - durbin::cdf(n, x));
        }
        if nxsquared <= 4.0 {
            return clip(1.0 - pomeranz::cdf(n, x));
        }
        return clip(2.0 * smirnov_sf(n, x));
    }
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return clip(2.0 * smirnov_sf(n, x));
    }
    let cdf = if n <= DURBIN_MAX_N && nf * x.powf(1.5) <= 1.4 {
        durbin::cdf(n, x)
    } else {
        pelz_good::cdf(n, x)
    };
    clip(1.0 - cdf)
}

fn smirnov_sf(n: u64, x: f64) -> f64 {
    smirnov::smirnov_sf(i64::try_from(n).unwrap_or(i64::MAX), x)
}

fn clip(p: f64) -> f64 {
    p.clamp(0.0, 1.0)
}

/// `log(n! / n^n)` by Stirling's series with the `n log n` removed up front (scipy's
/// `_log_nfactorial_div_n_pow_n`).
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    // B_{2j} / (2j) / (2j - 1) for j = 8, ..., 1, highest power first.
    const STIRLING: [f64; 8] = [
        -0.029_550_653_594_771_242,
        0.006_410_256_410_256_41,
        -0.001_917_526_917_526_917_6,
        0.000_841_750_841_750_841_7,
        -0.000_595_238_095_238_095_3,
        0.000_793_650_793_650_793_7,
        -0.002_777_777_777_777_778,
        0.083_333_333_333_333_33,
    ];
    let rn = 1.0 / n;
    let x = rn / n;
    let poly = STIRLING.iter().fold(0.0, |acc, &c| acc * x + c);
    let log_2pi = (2.0 * std::f64::consts::PI).ln();
    n.ln() / 2.0 - n + log_2pi / 2.0 + rn * poly
}

#[cfg(test)]
mod tests {
    use super::kstwo_sf;

    #[test]
    fn support_ends() {
        assert_eq!(kstwo_sf(10, 0.04), 1.0);
        assert_eq!(kstwo_sf(10, 1.0), 0.0);
    }

    #[test]
    fn one_observation() {
        // D_1 is uniform on [1/2, 1]: sf(x) = 2 - 2x.
        assert!((kstwo_sf(1, 0.75) - 0.5).abs() < 1e-15);
    }
}
