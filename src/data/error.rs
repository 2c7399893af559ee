//! Errors of the data stage: the slices cannot be read, or are not what the policy needs.
//! Each names the slice and, where it applies, the file and the column.

use crate::ast::Span;

#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum DataError {
    #[error("slice `{slice}`: no parquet file matches `{path}`")]
    #[diagnostic(
        code(data::no_files),
        help("check the path in the data block, or the one given on the command line")
    )]
    NoFiles { slice: String, path: String },
    #[error("slice `{slice}`: cannot read `{path}`: {reason}")]
    #[diagnostic(code(data::io))]
    Io {
        slice: String,
        path: String,
        reason: String,
    },
    #[error("slice `{slice}`: `{path}` is not readable parquet: {reason}")]
    #[diagnostic(code(data::read))]
    Read {
        slice: String,
        path: String,
        reason: String,
    },
    #[error("slice `{slice}` (`{path}`) has no column `{column}`")]
    #[diagnostic(code(data::missing_column))]
    MissingColumn {
        slice: String,
        path: String,
        column: String,
        #[label("used here")]
        span: Option<Span>,
        #[help]
        help: String,
    },
    #[error("column `{column}` of slice `{slice}` (`{path}`) is {found}, but {expected} is needed")]
    #[diagnostic(code(data::column_type))]
    ColumnType {
        slice: String,
        path: String,
        column: String,
        found: String,
        expected: &'static str,
        #[label("needs {expected}")]
        span: Option<Span>,
    },
    #[error(
        "column `{column}` is {left_type} in slice `{left}` but {right_type} in slice `{right}`"
    )]
    #[diagnostic(
        code(data::schema_mismatch),
        help("both slices must come from the same scoring job's schema")
    )]
    SchemaMismatch {
        column: String,
        left: String,
        left_type: String,
        right: String,
        right_type: String,
    },
    #[error(
        "column `{column}` of slice `{slice}` holds {value}, beyond 2^53: as f64, which slice `{other}` stores, it would not be exact"
    )]
    #[diagnostic(
        code(data::inexact_integer),
        help(
            "integers are compared with floats only up to 2^53 (9007199254740992); store the column as {dtype} in both slices"
        )
    )]
    InexactInteger {
        slice: String,
        column: String,
        value: String,
        dtype: String,
        other: String,
    },
    #[error("slice `{slice}` is stale: its newest `{column}` is {newest}, older than {limit}")]
    #[diagnostic(
        code(data::stale),
        help("score recent traffic, or pass --now when replaying old data")
    )]
    Stale {
        slice: String,
        column: String,
        newest: String,
        limit: String,
    },
    #[error("slice `{slice}` is empty: {why}")]
    #[diagnostic(code(data::empty))]
    Empty { slice: String, why: String },
    #[error("slice `{slice}` has {found} {what}, the policy requires at least {needed}")]
    #[diagnostic(
        code(data::requirement),
        help("too little data blocks the decision; it never passes it")
    )]
    Requirement {
        slice: String,
        what: String,
        found: u64,
        needed: u64,
    },
    #[error(
        "label column `{column}` of slice `{slice}` holds {value}; labels must be 0/1 or boolean"
    )]
    #[diagnostic(code(data::labels))]
    Labels {
        slice: String,
        column: String,
        value: String,
    },
    /// The slices are not what a comparison on recent production traffic needs.
    #[error("{message}")]
    #[diagnostic(code(data::sanity))]
    Sanity {
        message: String,
        #[help]
        help: String,
    },
    #[error("join on `{key}`: {reason}")]
    #[diagnostic(code(data::join))]
    Join {
        key: String,
        reason: String,
        #[help]
        help: Option<String>,
    },
}

impl DataError {
    /// The policy span the error concerns, when there is one.
    pub fn span(&self) -> Option<Span> {
        match self {
            DataError::MissingColumn { span, .. } | DataError::ColumnType { span, .. } => *span,
            _ => None,
        }
    }
}
