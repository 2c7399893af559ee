//! `np.histogram(values, edges)` counts for equal-width edges, four values at a time where the
//! CPU has AVX2.
//!
//! Binning is the bulk of a PSI over ten million rows: each value is placed once per side.

use super::sample::Sample;

/// Counts per bin of the `np.linspace` edges `lo + i * step` (last edge `hi`): at least two,
/// strictly increasing, spanning every value. Bin `i` holds `edges[i] <= x < edges[i + 1]`;
/// the last bin also holds its right edge.
///
/// A value's position in bins, `(x - lo) * scale`, is off from the exact one by a few roundings,
/// and so is each edge: together less than `margin` bins (below). A value whose position is
/// farther than `margin` from a whole number lies inside the bin it truncates to; the few others
/// are placed by comparing with the edges numpy actually compares with, so float rounding can
/// never misplace a value.
pub(crate) fn count_in_edges(values: Sample<'_>, edges: &[f64]) -> Vec<u64> {
    let grid = Grid::new(edges);
    let mut counts = vec![0u64; grid.bins];
    for run in values.runs() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked on the line above.
            unsafe { grid.count_avx2(run, &mut counts) };
            continue;
        }
        grid.count(run, &mut counts);
    }
    counts
}

struct Grid<'a> {
    edges: &'a [f64],
    bins: usize,
    lo: f64,
    scale: f64,
    margin: f64,
}

impl<'a> Grid<'a> {
    fn new(edges: &'a [f64]) -> Self {
        let bins = edges.len() - 1;
        let (lo, hi) = (edges[0], edges[bins]);
        Grid {
            edges,
            bins,
            lo,
            scale: bins as f64 / (hi - lo),
            // Each rounding is at most an ulp of the largest magnitude, `magnitude / (hi - lo)`
            // of the range, times `bins` in bins; 64 of them is far more than there are.
            margin: 64.0 * bins as f64 * lo.abs().max(hi.abs()) / (hi - lo) * f64::EPSILON,
        }
    }

    /// The bin of `x` by comparison with the edges.
    fn exact(&self, x: f64) -> usize {
        let last = self.bins - 1;
        // `as usize` saturates: negative guesses become 0, huge ones are clamped below.
        let mut i = (((x - self.lo) * self.scale) as usize).min(last);
        while i > 0 && x < self.edges[i] {
            i -= 1;
        }
        while i < last && x >= self.edges[i + 1] {
            i += 1;
        }
        i
    }

    /// The bin of `x`: by its position when that is clear of every edge, else by comparison.
    fn place(&self, x: f64) -> usize {
        let position = (x - self.lo) * self.scale;
        let whole = position as u32;
        let fraction = position - f64::from(whole);
        if fraction > self.margin && fraction < 1.0 - self.margin && (whole as usize) < self.bins {
            whole as usize
        } else {
            self.exact(x)
        }
    }

    fn count(&self, run: &[f64], counts: &mut [u64]) {
        for &x in run {
            counts[self.place(x)] += 1;
        }
    }

    /// [`Grid::count`] with the positions of four values computed at once; a group with a
    /// value near an edge is placed value by value.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn count_avx2(&self, run: &[f64], counts: &mut [u64]) {
        use std::arch::x86_64::*;
        let lo = _mm256_set1_pd(self.lo);
        let scale = _mm256_set1_pd(self.scale);
        let above = _mm256_set1_pd(self.margin);
        let below = _mm256_set1_pd(1.0 - self.margin);
        // Positions at or past the last bin's end are the right edge itself (or beyond).
        let end = _mm256_set1_pd(self.bins as f64 - self.margin);
        let mut whole = [0i32; 4];
        let mut groups = run.chunks_exact(4);
        for group in &mut groups {
            // SAFETY: `group` holds four f64 (unaligned loads are allowed); `whole` holds four
            // i32 for the unaligned store.
            let clear = unsafe {
                let x = _mm256_loadu_pd(group.as_ptr());
                let position = _mm256_mul_pd(_mm256_sub_pd(x, lo), scale);
                // Truncation; out of range (or NaN) gives i32::MIN, which is never clear.
                let truncated = _mm256_cvttpd_epi32(position);
                let fraction = _mm256_sub_pd(position, _mm256_cvtepi32_pd(truncated));
                let inside = _mm256_and_pd(
                    _mm256_cmp_pd(fraction, above, _CMP_GT_OQ),
                    _mm256_cmp_pd(fraction, below, _CMP_LT_OQ),
                );
                let clear = _mm256_and_pd(inside, _mm256_cmp_pd(position, end, _CMP_LT_OQ));
                _mm_storeu_si128(whole.as_mut_ptr().cast(), truncated);
                _mm256_movemask_pd(clear)
            };
            if clear == 0b1111 {
                for &bin in &whole {
                    counts[bin as usize] += 1;
                }
            } else {
                for &x in group {
                    counts[self.place(x)] += 1;
                }
            }
        }
        self.count(groups.remainder(), counts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_bin_holds_its_right_edge() {
        let edges = [0.0, 1.0, 2.0];
        assert_eq!(
            count_in_edges(Sample::One(&[0.0, 0.5, 1.0, 2.0]), &edges),
            vec![2, 2]
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn four_at_a_time_counts_what_one_at_a_time_does() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let (lo, hi, bins) = (-3.7, 12.1, 23);
        let step = (hi - lo) / bins as f64;
        let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + lo).collect();
        edges[bins] = hi;
        let mut values: Vec<f64> = edges
            .iter()
            .flat_map(|&e| [e.next_down(), e, e.next_up()])
            .filter(|&x| (lo..=hi).contains(&x))
            .collect();
        values.extend((0..10_001).map(|k| lo + (hi - lo) * f64::from(k) / 10_000.0));
        let grid = Grid::new(&edges);
        let (mut one, mut four) = (vec![0u64; bins], vec![0u64; bins]);
        grid.count(&values, &mut one);
        // SAFETY: the CPU has AVX2, checked above.
        unsafe { grid.count_avx2(&values, &mut four) };
        assert_eq!(four, one);
        assert_eq!(one.iter().sum::<u64>(), values.len() as u64);
    }
}
