//! The two inputs of a drift metric, cleaned the way Evidently cleans them.
//!
//! Takes the reference and current columns and returns them without NaN and ±inf (Evidently
//! replaces ±inf with NaN and drops NaN before any drift test), borrowing the input when nothing
//! had to go. Either side empty after that makes every two-sample metric undefined.

use std::borrow::Cow;

use super::{MetricResult, Undefined};

/// The finite values of both samples; neither is empty.
pub(crate) struct FinitePair<'a> {
    pub reference: Cow<'a, [f64]>,
    pub current: Cow<'a, [f64]>,
}

/// Drops non-finite values from both samples; `Undefined::Empty` if either side has none left.
pub(crate) fn finite_pair<'a>(
    reference: &'a [f64],
    current: &'a [f64],
) -> MetricResult<FinitePair<'a>> {
    let reference = finite(reference);
    let current = finite(current);
    if reference.is_empty() || current.is_empty() {
        return Err(Undefined::Empty);
    }
    Ok(FinitePair { reference, current })
}

/// The finite values of `values`; copies only when something has to be dropped.
pub(crate) fn finite(values: &[f64]) -> Cow<'_, [f64]> {
    if values.iter().all(|v| v.is_finite()) {
        Cow::Borrowed(values)
    } else {
        Cow::Owned(values.iter().copied().filter(|v| v.is_finite()).collect())
    }
}

/// The finite part of an ascending sample (sorted with `f64::total_cmp` or `<`), where NaN and
/// ±inf sit at the ends. `OutOfRange` when what remains is not ascending and finite, because a
/// metric fed unsorted data would be silently wrong.
pub(crate) fn sorted_finite(values: &[f64]) -> MetricResult<&[f64]> {
    let start = values
        .iter()
        .position(|v| v.is_finite())
        .unwrap_or(values.len());
    let end = values
        .iter()
        .rposition(|v| v.is_finite())
        .map_or(start, |i| i + 1);
    let inner = &values[start..end];
    let ordered = inner.iter().all(|v| v.is_finite()) && inner.windows(2).all(|w| w[0] <= w[1]);
    if ordered {
        Ok(inner)
    } else {
        Err(Undefined::OutOfRange {
            what: "the values were declared sorted but are not in ascending order".to_string(),
        })
    }
}

/// Both samples finite and ascending, neither empty (see [`sorted_finite`]).
pub(crate) fn sorted_finite_pair<'a>(
    reference: &'a [f64],
    current: &'a [f64],
) -> MetricResult<(&'a [f64], &'a [f64])> {
    let reference = sorted_finite(reference)?;
    let current = sorted_finite(current)?;
    if reference.is_empty() || current.is_empty() {
        return Err(Undefined::Empty);
    }
    Ok((reference, current))
}

/// `values` in ascending order, copied only if still borrowed.
pub(crate) fn into_sorted(values: Cow<'_, [f64]>) -> Vec<f64> {
    let mut sorted = values.into_owned();
    sorted.sort_unstable_by(f64::total_cmp);
    sorted
}
