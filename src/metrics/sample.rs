//! A numeric sample held in one or more contiguous runs.
//!
//! The parquet reader returns one chunk per row group; copying every chunk of a 10M-row
//! column into one buffer touches as much fresh memory as reading it did. Metrics that only pass
//! over their values (binning, counting) take a [`Sample`] and read the runs where they lie.

/// Values in order, as one slice or as consecutive runs.
#[derive(Debug, Clone, Copy)]
pub enum Sample<'a> {
    One(&'a [f64]),
    Runs(&'a [&'a [f64]]),
}

impl<'a> Sample<'a> {
    pub fn runs(self) -> impl Iterator<Item = &'a [f64]> {
        let (one, many): (Option<&'a [f64]>, &'a [&'a [f64]]) = match self {
            Sample::One(values) => (Some(values), &[]),
            Sample::Runs(runs) => (None, runs),
        };
        one.into_iter().chain(many.iter().copied())
    }

    pub fn values(self) -> impl Iterator<Item = f64> {
        self.runs().flat_map(|run| run.iter().copied())
    }

    /// The values as one slice, copied only when they lie in several runs: for metrics that
    /// copy their input anyway (to sort or tabulate it).
    pub fn contiguous(self) -> std::borrow::Cow<'a, [f64]> {
        match self {
            Sample::One(values) | Sample::Runs(&[values]) => std::borrow::Cow::Borrowed(values),
            Sample::Runs(_) => std::borrow::Cow::Owned(self.values().collect()),
        }
    }
}

/// The finite values' count and range, and whether every value was finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scan {
    pub finite: usize,
    pub all_finite: bool,
    pub lo: f64,
    pub hi: f64,
}

const LANES: usize = 8;

/// One pass in lanes the compiler vectorises, so a 10M-row column is read at memory speed. The
/// range it keeps skips NaN but not ±inf; a sample holding any non-finite value (NaN, ±inf, or
/// a null read as NaN) is read a second time for the range of its finite values.
pub fn scan(sample: Sample<'_>) -> Scan {
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let mut finite = [0u64; LANES];
    let mut total = 0;
    for run in sample.runs() {
        total += run.len();
        let mut lanes = run.chunks_exact(LANES);
        for chunk in &mut lanes {
            for lane in 0..LANES {
                let x = chunk[lane];
                finite[lane] += u64::from(x.abs() < f64::INFINITY);
                lo[lane] = if x < lo[lane] { x } else { lo[lane] };
                hi[lane] = if x > hi[lane] { x } else { hi[lane] };
            }
        }
        for &x in lanes.remainder() {
            finite[0] += u64::from(x.is_finite());
            lo[0] = lo[0].min(x);
            hi[0] = hi[0].max(x);
        }
    }
    let finite = finite.iter().sum::<u64>() as usize;
    let all_finite = finite == total;
    let (lo, hi) = if all_finite {
        (
            lo.iter().copied().fold(f64::INFINITY, f64::min),
            hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    } else {
        sample
            .values()
            .filter(|x| x.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            })
    };
    Scan {
        finite,
        all_finite,
        lo,
        hi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_read_in_order_as_one_sample() {
        let (a, b) = ([1.0, 2.0], [3.0]);
        let runs: [&[f64]; 2] = [&a, &b];
        let sample = Sample::Runs(&runs);
        assert_eq!(sample.values().collect::<Vec<_>>(), [1.0, 2.0, 3.0]);
    }

    #[test]
    fn scan_skips_non_finite_values_in_every_lane() {
        let mut values: Vec<f64> = (0..37).map(f64::from).collect();
        values[3] = f64::NAN;
        values[10] = f64::INFINITY;
        values[36] = f64::NEG_INFINITY;
        let scan = scan(Sample::One(&values));
        assert_eq!(
            scan,
            Scan {
                finite: 34,
                all_finite: false,
                lo: 0.0,
                hi: 35.0
            }
        );
    }

    #[test]
    fn scan_of_nothing_finite_has_an_empty_range() {
        let scan = scan(Sample::One(&[f64::NAN]));
        assert_eq!(
            (scan.finite, scan.lo, scan.hi),
            (0, f64::INFINITY, f64::NEG_INFINITY)
        );
    }
}
