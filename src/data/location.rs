//! Where a command's slices are, and which pairs of slices may not be the same files: the one
//! place that applies command-line paths over the policy's and fills `{version}`.

use std::collections::BTreeMap;

use super::{DataError, Slice};
use crate::plan::DataPlan;

/// The files of slice `name`: the command line's path for `flag` (its `--champion`,
/// `--current`, ...), else the data block's, with `{version}` filled in when a version is
/// given. A slice given nowhere is an error naming it.
pub fn location(
    data: &DataPlan,
    overrides: &BTreeMap<String, String>,
    name: &str,
    flag: &str,
    version: Option<&str>,
) -> Result<String, DataError> {
    let path = overrides
        .get(flag)
        .cloned()
        .or_else(|| data.slice(name).map(|s| s.path.clone()))
        .ok_or_else(|| DataError::NoFiles {
            slice: name.to_string(),
            path: "(not defined)".into(),
        })?;
    Ok(match version {
        Some(version) => path.replace("{version}", version),
        None => path,
    })
}

/// Two slices a command compares must be different files: the same files on both sides would
/// compare a model with itself and pass every check.
pub fn distinct_files(a: &Slice, b: &Slice, help: &str) -> Result<(), DataError> {
    if a.sha256 != b.sha256 {
        return Ok(());
    }
    Err(DataError::Sanity {
        message: format!(
            "slices `{}` (`{}`) and `{}` (`{}`) are the same files, sha256 {}",
            a.name, a.path, b.name, b.path, b.sha256
        ),
        help: help.to_string(),
    })
}
