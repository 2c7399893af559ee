//! Whether a slice's schema has the columns a read needs, of the kinds it needs them.

use polars::prelude::{DataType, Schema};

use super::DataError;
use crate::plan::reads::{ColumnKind, Needed};
use crate::suggest::did_you_mean;

/// Whether a column of this type can be read as the kind asks.
pub fn accepts(kind: ColumnKind, dtype: &DataType) -> bool {
    match kind {
        ColumnKind::Feature => accepts(ColumnKind::Numeric, dtype) || super::is_text(dtype),
        ColumnKind::Numeric | ColumnKind::Label => dtype.is_primitive_numeric() || dtype.is_bool(),
        ColumnKind::Timestamp => {
            matches!(dtype, DataType::Datetime(..) | DataType::Date) || dtype.is_integer()
        }
        ColumnKind::Any => true,
    }
}

/// Every needed column is in the schema, of a type its kind accepts; the first that is not is
/// an error naming the slice, the file and the policy text that asked for it.
pub fn check_schema(
    needed: &Needed,
    slice: &str,
    path: &str,
    schema: &Schema,
) -> Result<(), DataError> {
    for (column, kind, span) in needed.iter() {
        match schema.get(column) {
            None => {
                let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
                return Err(DataError::MissingColumn {
                    slice: slice.to_string(),
                    path: path.to_string(),
                    column: column.to_string(),
                    span,
                    help: match did_you_mean(column, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("its columns are {}", names.join(", ")),
                    },
                });
            }
            Some(dtype) if !accepts(kind, dtype) => {
                return Err(DataError::ColumnType {
                    slice: slice.to_string(),
                    path: path.to_string(),
                    column: column.to_string(),
                    found: format!("{dtype}"),
                    expected: kind.describe(),
                    span,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}
