//! Regression quality from a numeric target and a prediction: RMSE, MAE, MAPE and R².
//!
//! Takes `target: &[f64]` and `prediction: &[f64]` of the same length and returns the value, or
//! why it is undefined: no rows, a NaN or ±inf in either column, or (for R²) a constant target.
//! Each matches scikit-learn 1.9 (`root_mean_squared_error`, `mean_absolute_error`,
//! `mean_absolute_percentage_error`, `r2_score`). Never modifies its inputs.

use std::any::Any;

use super::kernel::{Accumulator, same_kind};
use super::pairwise_sum::pairwise_sum_of;
use super::rows::Rows;
use super::{MetricResult, Undefined, input};

use super::kernel::Kernel;

pub const RMSE: Kernel = Kernel::Bounded(|_| Box::new(MeanError::new(Error::Squared)));
pub const MAE: Kernel = Kernel::Bounded(|_| Box::new(MeanError::new(Error::Absolute)));
pub const MAPE: Kernel = Kernel::Bounded(|_| Box::new(MeanError::new(Error::Percentage)));
pub const R2: Kernel = Kernel::Whole(|rows, _| r2(rows.float(0), rows.float(1)));

/// Root mean squared error, as `sklearn.metrics.root_mean_squared_error`.
pub fn rmse(target: &[f64], prediction: &[f64]) -> MetricResult<f64> {
    MeanError::over(target, prediction, Error::Squared)
}

/// Mean absolute error, as `sklearn.metrics.mean_absolute_error`.
pub fn mae(target: &[f64], prediction: &[f64]) -> MetricResult<f64> {
    MeanError::over(target, prediction, Error::Absolute)
}

/// Mean absolute percentage error, as `sklearn.metrics.mean_absolute_percentage_error`:
/// `|y − ŷ| / max(|y|, ε)` averaged, with ε the float64 machine epsilon, so a zero target gives
/// a huge term rather than a division by zero. A fraction (0.1 is 10%), as scikit-learn returns.
pub fn mape(target: &[f64], prediction: &[f64]) -> MetricResult<f64> {
    MeanError::over(target, prediction, Error::Percentage)
}

/// The per-row error a [`MeanError`] averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Averaged, then the square root taken: RMSE.
    Squared,
    Absolute,
    Percentage,
}

impl Error {
    fn term(self, y: f64, p: f64) -> f64 {
        match self {
            Error::Squared => squared_error(y, p),
            Error::Absolute => (y - p).abs(),
            Error::Percentage => (p - y).abs() / y.abs().max(f64::EPSILON),
        }
    }
}

/// The state of a mean per-row error: rows, non-finite values in either column, and each
/// chunk's errors summed in NumPy's order (exactly scikit-learn's value on one chunk).
#[derive(Debug, Clone, Copy)]
pub struct MeanError {
    error: Error,
    rows: usize,
    not_finite: usize,
    sum: f64,
}

impl MeanError {
    pub fn new(error: Error) -> Self {
        MeanError {
            error,
            rows: 0,
            not_finite: 0,
            sum: 0.0,
        }
    }

    fn over(target: &[f64], prediction: &[f64], error: Error) -> MetricResult<f64> {
        input::same_length(target.len(), prediction.len())?;
        let mut state = MeanError::new(error);
        state.absorb_pairs(target, prediction);
        state.finish()
    }

    fn absorb_pairs(&mut self, target: &[f64], prediction: &[f64]) {
        let n = target.len().min(prediction.len());
        let not_finite = |column: &[f64]| column.iter().filter(|v| !v.is_finite()).count();
        self.rows += n;
        self.not_finite += not_finite(target) + not_finite(prediction);
        self.sum += pairwise_sum_of(n, |i| self.error.term(target[i], prediction[i]));
    }
}

impl Accumulator for MeanError {
    fn absorb(&mut self, rows: &Rows<'_>) {
        self.absorb_pairs(rows.float(0), rows.float(1));
    }

    fn merge(&mut self, other: &dyn Accumulator) -> MetricResult<()> {
        let other: &MeanError = same_kind(other)?;
        if other.error != self.error {
            return Err(Undefined::IncompatibleStates);
        }
        self.rows += other.rows;
        self.not_finite += other.not_finite;
        self.sum += other.sum;
        Ok(())
    }

    fn finish(&self) -> MetricResult<f64> {
        input::non_empty(self.rows)?;
        if self.not_finite > 0 {
            return Err(Undefined::NotFinite {
                count: self.not_finite,
            });
        }
        let mean = self.sum / self.rows as f64;
        Ok(match self.error {
            Error::Squared => mean.sqrt(),
            Error::Absolute | Error::Percentage => mean,
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Coefficient of determination `1 − Σ(y − ŷ)² / Σ(y − ȳ)²`, as `sklearn.metrics.r2_score`.
///
/// Undefined (`ConstantTarget`) when every target is equal, where scikit-learn returns 1.0 for a
/// perfect prediction and 0.0 otherwise: neither says anything about the model. The test is on
/// the values, not on the computed denominator, because the mean of equal values need not equal
/// them in floating point, which would leave a tiny non-zero denominator and a meaningless ratio.
pub fn r2(target: &[f64], prediction: &[f64]) -> MetricResult<f64> {
    checked(target, prediction)?;
    let constant = |values: &[f64]| {
        values
            .split_first()
            .is_none_or(|(first, rest)| rest.iter().all(|y| y == first))
    };
    if constant(target) {
        return Err(Undefined::ConstantTarget);
    }
    let n = target.len();
    let mean = input::mean_of(n, |i| target[i]);
    let total = pairwise_sum_of(n, |i| squared_error(target[i], mean));
    // Distinct targets can still square to zero deviations when they differ by less than the
    // square root of the smallest float; the ratio is as meaningless then.
    if total == 0.0 {
        return Err(Undefined::ConstantTarget);
    }
    let residual = pairwise_sum_of(n, |i| squared_error(target[i], prediction[i]));
    Ok(1.0 - residual / total)
}

fn squared_error(y: f64, p: f64) -> f64 {
    (y - p) * (y - p)
}

/// The checks every regression metric runs first, in the order shared by all families.
fn checked(target: &[f64], prediction: &[f64]) -> MetricResult<()> {
    input::same_length(target.len(), prediction.len())?;
    input::non_empty(target.len())?;
    input::all_finite(&[target, prediction])
}
