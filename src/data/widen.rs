//! Integer columns against float ones. pandas stores an integer column with a missing value as
//! float64, so the same column arrives as `i64` in one slice and `f64` in the other; the metrics
//! read both as f64 anyway, so the integer side is cast to f64 in its frame (every reader then
//! sees one type: numbers, categories, join keys, segments).
//!
//! Takes a loaded slice and the name of its integer column; casts it, or refuses a value beyond
//! 2^53, where an f64 no longer holds every integer and two different ids or counts could
//! compare equal. Never widens text, booleans, or floats of different widths.

use polars::prelude::*;

use super::{DataError, Slice, read_error};

/// Every integer of at most this magnitude has an exact f64: 2^53.
pub const EXACT_UP_TO: i128 = 1 << 53;

/// A column read as f64 in a slice that stores it as integers, for the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Widened {
    pub column: String,
    /// The type the slice stores, e.g. `i64`.
    pub from: String,
}

/// Whether two different types of one column compare by widening the integer side.
pub fn widens(left: &DataType, right: &DataType) -> bool {
    let pair = |int: &DataType, float: &DataType| int.is_integer() && *float == DataType::Float64;
    pair(left, right) || pair(right, left)
}

/// Casts integer column `column` of `slice` to f64, which slice `other` stores it as.
pub fn widen(slice: &mut Slice, column: &str, other: &str) -> Result<(), DataError> {
    let series = slice
        .frame
        .column(column)
        .map_err(|e| read_error(&slice.name, column, &e))?
        .as_materialized_series()
        .clone();
    let from = series.dtype().to_string();
    // The extremes decide: every value between them is smaller in magnitude.
    let extremes = [series.min::<i128>(), series.max::<i128>()];
    for extreme in extremes {
        let extreme = extreme.map_err(|e| read_error(&slice.name, column, &e))?;
        if let Some(value) = extreme.filter(|v| v.abs() > EXACT_UP_TO) {
            return Err(DataError::InexactInteger {
                slice: slice.name.clone(),
                column: column.to_string(),
                value: value.to_string(),
                dtype: from,
                other: other.to_string(),
            });
        }
    }
    let cast = series
        .cast(&DataType::Float64)
        .map_err(|e| read_error(&slice.name, column, &e))?;
    slice
        .frame
        .with_column(cast.into_column())
        .map_err(|e| read_error(&slice.name, column, &e))?;
    slice.widened.push(Widened {
        column: column.to_string(),
        from,
    });
    Ok(())
}
