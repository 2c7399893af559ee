//! Evidently's default drift test for a column, as `auto(...)` picks it (Evidently 0.7.23,
//! `evidently.legacy.utils.data_preprocessing._get_column_type` without a column mapping, then
//! `evidently.legacy.calculations.stattests.registry._get_default_stattest`).
//!
//! Takes what Evidently looks at (the column's storage, distinct values, reference rows after
//! dropping NaN and ±inf) and returns the test with its default threshold from the registry.
//!
//! - Type: text and booleans are categorical; integers are categorical when the reference holds
//!   at most 5 distinct values (the current's count when the reference has none), numerical
//!   otherwise; floats are numerical. Evidently goes by the current slice's pandas dtype, and an
//!   integer column with a null arrives as float64, so such a column counts as float.
//! - Test, with `n` the distinct values of both samples together: up to 1000 reference rows,
//!   `chisquare` when `n > 2` and `z` otherwise for categorical columns and numerical ones with
//!   `n <= 5`, `ks` for the other numerical columns; above 1000 rows, `js` for categorical
//!   columns and numerical ones with `n <= 5`, `wasserstein` for the rest.

use super::registry::{self, DefaultBound, MetricId};

/// Evidently's `NUMBER_UNIQUE_AS_CATEGORICAL`, which also bounds "few values" for a numeric column.
pub const FEW_VALUES: usize = 5;
/// Above this many reference rows Evidently switches from tests to distances.
const SMALL_REFERENCE: usize = 1000;

/// How the column is stored, as far as Evidently's typing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Float,
    Integer,
    Bool,
    Text,
}

/// A test `auto` picked, with the threshold Evidently compares it with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Picked {
    pub id: MetricId,
    pub name: &'static str,
    pub default: DefaultBound,
}

/// `reference_distinct` and `union_distinct` may be capped just above [`FEW_VALUES`]: only
/// whether they exceed it (or 2) matters.
pub fn pick(
    storage: Storage,
    reference_distinct: usize,
    current_distinct: usize,
    union_distinct: usize,
    reference_rows: usize,
) -> Picked {
    let typing_count = if reference_distinct > 0 {
        reference_distinct
    } else {
        current_distinct
    };
    let categorical = match storage {
        Storage::Text | Storage::Bool => true,
        Storage::Integer => typing_count <= FEW_VALUES,
        Storage::Float => false,
    };
    let few = categorical || union_distinct <= FEW_VALUES;
    let id = match (reference_rows <= SMALL_REFERENCE, few) {
        (true, true) if union_distinct > 2 => MetricId::Chisquare,
        (true, true) => MetricId::Z,
        (true, false) => MetricId::Ks,
        (false, true) => MetricId::Js,
        (false, false) => MetricId::Wasserstein,
    };
    picked(id)
}

fn picked(id: MetricId) -> Picked {
    let spec = registry::by_id(id);
    // Every test `pick` returns has a registry entry with Evidently's default.
    let default = spec
        .and_then(|s| s.evidently_default)
        .unwrap_or(DefaultBound {
            field: None,
            op: crate::ast::CmpOp::Lt,
            threshold: f64::NAN,
        });
    Picked {
        id,
        name: spec.map_or("?", |s| s.name),
        default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_picked_test_has_a_default() {
        for id in [
            MetricId::Chisquare,
            MetricId::Z,
            MetricId::Ks,
            MetricId::Js,
            MetricId::Wasserstein,
        ] {
            assert!(picked(id).default.threshold.is_finite(), "{id:?}");
        }
    }
}
