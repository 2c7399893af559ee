//! Confidence bounds for champion-vs-challenger comparisons (`at 95%` in a policy).
//!
//! Takes the columns of the two slices a check compares and returns the difference of a metric
//! between them (tested − baseline) with what is needed for one-sided confidence bounds on it:
//! DeLong's test for AUROC ([`delong`]), a seeded percentile bootstrap for every other metric
//! ([`bootstrap`]). Like `metrics`, it is pure: no I/O, no clock, no ambient randomness (the
//! bootstrap's seed is an input), and it never panics on user data; when a bound cannot be
//! computed it says why with [`crate::metrics::Undefined`].
//!
//! Normal quantiles and tail probabilities come from [`normal`]; the chi-square tail that the
//! drift metric `chisquare` needs from [`chi2`]; Student's t tail (`t_test`) from [`student_t`].

pub mod bootstrap;
pub mod chi2;
pub mod delong;
mod gamma;
pub mod normal;
pub mod student_t;
