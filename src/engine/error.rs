//! Why an engine could not give eval the rows it asked for. Each names the column, condition
//! or slice; eval wraps it with the check it was reading for.

use crate::metrics::Undefined;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("column `{column}`: {reason}")]
    Column { column: String, reason: String },
    #[error("label column `{column}` holds {value}; labels must be 0/1 or boolean")]
    Label { column: String, value: f64 },
    #[error(
        "{count} rows have a null label in `{column}` (write `drop nulls` in the data block to drop them)"
    )]
    NullLabels { column: String, count: usize },
    #[error("a condition is missing")]
    NoCondition,
    #[error("condition: {reason}")]
    Condition { reason: String },
    #[error("`{metric}` reads columns verdict cannot give it")]
    Unreadable { metric: String },
    #[error("{slice}: {reason}")]
    Keys { slice: String, reason: String },
    #[error("{slice}: selecting a segment: {reason}")]
    Segment { slice: String, reason: String },
    /// The columns read do not form rows (lengths differ).
    #[error(transparent)]
    Rows(#[from] Undefined),
}
