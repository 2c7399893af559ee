//! Stirling's remainder of `ln Γ`, shared by the distributions that need `ln Γ(a)` of a large
//! `a` without the cancellation of subtracting two large logarithms.
//!
//! Takes and returns `f64`; never panics.

/// Below this `a`, `ln Γ(a)` comes from libm; above, the Stirling remainder is accurate to an ulp.
pub(super) const STIRLING_FROM: f64 = 10.0;

/// `ln Γ(a) − ((a − ½) ln a − a + ½ ln 2π)` for `a >= 10`: the asymptotic series, whose first
/// omitted term is below 1e-15 there.
pub(super) fn stirling(a: f64) -> f64 {
    let inv = 1.0 / a;
    let inv2 = inv * inv;
    inv * (1.0 / 12.0
        - inv2
            * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0 - inv2 * (1.0 / 1188.0)))))
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)` for `a, b > 0`. When a parameter reaches
/// [`STIRLING_FROM`], the large logarithms are combined analytically (through `log1p`) before
/// they are added, so the result keeps its relative accuracy at a million degrees of freedom.
pub(super) fn ln_beta(a: f64, b: f64) -> f64 {
    let (small, large) = if a < b { (a, b) } else { (b, a) };
    if large < STIRLING_FROM {
        return libm::lgamma(small) + libm::lgamma(large) - libm::lgamma(a + b);
    }
    let ratio = small / large;
    if small < STIRLING_FROM {
        // ln Γ(L) − ln Γ(L + s) = −s ln L − (L + s − ½) log1p(s / L) + s + r(L) − r(L + s).
        return libm::lgamma(small) - small * large.ln() - (large + small - 0.5) * ratio.ln_1p()
            + small
            + stirling(large)
            - stirling(large + small);
    }
    // Both large: (a − ½) ln a + (b − ½) ln b − (a + b − ½) ln(a + b) + ½ ln 2π, regrouped.
    0.5 * (2.0 * std::f64::consts::PI).ln()
        - (large - 0.5) * ratio.ln_1p()
        - (small - 0.5) * (1.0 / ratio).ln_1p()
        - 0.5 * (a + b).ln()
        + stirling(small)
        + stirling(large)
        - stirling(a + b)
}
