//! numpy's summation order, so that sums over bins and samples round the way the reference does.
//!
//! Takes a slice of `f64` and returns its sum grouped exactly as `np.add.reduce` on a contiguous
//! float64 array groups it: blocks of up to 128 values are summed with eight interleaved
//! accumulators, longer runs are split in two (at a multiple of eight) and summed recursively.
//! Plain left-to-right summation drifts from numpy by a few ulps per thousand terms, which is
//! more than the reference tests allow once values cancel.

/// numpy's block size: runs up to this length are summed without splitting.
const BLOCK: usize = 128;

/// The sum of `values` in numpy's order (`np.sum` on a contiguous float64 array).
pub(crate) fn pairwise_sum(values: &[f64]) -> f64 {
    pairwise_sum_of(values.len(), |i| values[i])
}

/// The sum of `term(0) + ... + term(len - 1)` in numpy's order, without materialising the terms
/// (numpy would sum an array holding them, e.g. `np.sum((x - mean) ** 2)`).
pub(crate) fn pairwise_sum_of(len: usize, term: impl Fn(usize) -> f64) -> f64 {
    // The reduction starts from the additive identity and adds the pairwise sum to it.
    0.0 + pairwise(0, len, &term)
}

fn pairwise(start: usize, n: usize, term: &impl Fn(usize) -> f64) -> f64 {
    if n < 8 {
        return (start..start + n).fold(0.0, |acc, i| acc + term(i));
    }
    if n <= BLOCK {
        let mut r: [f64; 8] = std::array::from_fn(|j| term(start + j));
        let whole = n - n % 8;
        for block in (8..whole).step_by(8) {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += term(start + block + j);
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for i in whole..n {
            res += term(start + i);
        }
        return res;
    }
    let half = n / 2;
    let half = half - half % 8;
    pairwise(start, half, term) + pairwise(start + half, n - half, term)
}

#[cfg(test)]
mod tests {
    use super::pairwise_sum;

    #[test]
    fn sums_small_and_large_runs() {
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.5, 2.5]), 4.0);
        let ones = vec![1.0; 1000];
        assert_eq!(pairwise_sum(&ones), 1000.0);
    }

    #[test]
    fn groups_like_numpy() {
        // In numpy, np.sum([1e16] + [1.0] * 8 + [-1e16]) is 8.0: the eight ones land in
        // their own accumulators before meeting the large values. A left fold gives 0.0.
        let mut values = vec![1e16];
        values.extend([1.0; 8]);
        values.push(-1e16);
        assert_eq!(pairwise_sum(&values), 8.0);
    }
}
