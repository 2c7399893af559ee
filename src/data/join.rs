//! `join on KEY`: pairs champion and challenger rows so both models are measured on exactly the
//! same requests.

use std::collections::HashMap;

use polars::prelude::*;

use super::{DataError, Slice, first_line};
use crate::plan::JoinPlan;

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct JoinStats {
    pub matched: usize,
    pub unmatched_left: usize,
    pub unmatched_right: usize,
}

/// Keeps the rows of both slices whose key appears in both, in the same order.
pub fn pair_rows(
    left: &mut Slice,
    right: &mut Slice,
    join: &JoinPlan,
) -> Result<JoinStats, DataError> {
    let fail = |reason: String, help: Option<String>| DataError::Join {
        key: join.key.clone(),
        reason,
        help,
    };
    let polars = |e: PolarsError| fail(first_line(&e.to_string()), None);
    let left_keys = keys(left, &join.key).map_err(polars)?;
    let right_keys = keys(right, &join.key).map_err(polars)?;
    let mut index: HashMap<&str, IdxSize> = HashMap::with_capacity(left_keys.len());
    for (i, key) in left_keys.iter().enumerate() {
        let Some(key) = key else { continue };
        if index.insert(key.as_str(), i as IdxSize).is_some() {
            return Err(fail(
                format!(
                    "key `{key}` appears more than once in slice `{}`",
                    left.name
                ),
                None,
            ));
        }
    }
    let mut seen = std::collections::HashSet::with_capacity(right_keys.len());
    let (mut left_idx, mut right_idx) = (Vec::new(), Vec::new());
    for (j, key) in right_keys.iter().enumerate() {
        let Some(key) = key else { continue };
        if !seen.insert(key.as_str()) {
            return Err(fail(
                format!(
                    "key `{key}` appears more than once in slice `{}`",
                    right.name
                ),
                None,
            ));
        }
        if let Some(&i) = index.get(key.as_str()) {
            left_idx.push(i);
            right_idx.push(j as IdxSize);
        }
    }
    let stats = JoinStats {
        matched: left_idx.len(),
        unmatched_left: left_keys.len() - left_idx.len(),
        unmatched_right: right_keys.len() - right_idx.len(),
    };
    for (slice, unmatched, total) in [
        (&left.name, stats.unmatched_left, left_keys.len()),
        (&right.name, stats.unmatched_right, right_keys.len()),
    ] {
        let share = if total == 0 {
            1.0
        } else {
            unmatched as f64 / total as f64
        };
        if share > join.max_unmatched {
            return Err(fail(
                format!(
                    "{unmatched} of {total} rows of slice `{slice}` ({:.2}%) have no partner; at most {}% may",
                    share * 100.0,
                    join.max_unmatched * 100.0
                ),
                Some("the slices must hold the same requests; `join on KEY allow unmatched P%` raises the limit".into()),
            ));
        }
    }
    left.frame = take(&left.frame, left_idx).map_err(polars)?;
    right.frame = take(&right.frame, right_idx).map_err(polars)?;
    Ok(stats)
}

fn keys(slice: &Slice, key: &str) -> PolarsResult<Vec<Option<String>>> {
    let series = slice
        .frame
        .column(key)?
        .as_materialized_series()
        .cast(&DataType::String)?;
    Ok(series
        .str()?
        .iter()
        .map(|k| k.map(str::to_string))
        .collect())
}

fn take(frame: &DataFrame, idx: Vec<IdxSize>) -> PolarsResult<DataFrame> {
    frame.take(&IdxCa::from_vec("idx".into(), idx))
}
