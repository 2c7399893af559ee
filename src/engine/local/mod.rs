//! The local engine: slices read whole into polars frames by `data/`, columns converted once
//! and shared by the checks that run in parallel.

mod predicate;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use polars::prelude::PolarsError;

use super::{EngineError, Table};
use crate::data::{self, Floats, Slice, f64_values};
use crate::metrics::auto::Storage;
use crate::metrics::binning::Categories;
use crate::plan::Predicate;

/// A slice with a cache of the columns already turned into vectors, shared by the checks that
/// run in parallel.
pub struct Values<'a> {
    slice: Held<'a>,
    columns: Mutex<HashMap<String, Arc<Floats>>>,
}

/// A loaded slice, or a segment of one made for a `by` check.
enum Held<'a> {
    Loaded(&'a Slice),
    Segment(Box<Slice>),
}

impl<'a> Values<'a> {
    pub fn new(slice: &'a Slice) -> Self {
        Values::holding(Held::Loaded(slice))
    }

    fn holding(slice: Held<'a>) -> Self {
        Values {
            slice,
            columns: Mutex::new(HashMap::new()),
        }
    }

    pub fn slice(&self) -> &Slice {
        match &self.slice {
            Held::Loaded(slice) => slice,
            Held::Segment(slice) => slice,
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Floats>>> {
        self.columns.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Table for Values<'_> {
    fn name(&self) -> &str {
        &self.slice().name
    }

    fn rows(&self) -> usize {
        self.slice().frame.height()
    }

    fn floats(&self, column: &str) -> Result<Arc<Floats>, EngineError> {
        let cached = self.cache().get(column).map(Arc::clone);
        if let Some(values) = cached {
            return Ok(values);
        }
        // Converted outside the lock so other columns convert in parallel; two checks asking
        // for the same new column at once convert it twice, which is only wasted work.
        let values = Arc::new(
            f64_values(&self.slice().frame, column).map_err(|e| column_error(column, &e))?,
        );
        self.cache().insert(column.to_string(), Arc::clone(&values));
        Ok(values)
    }

    fn mask(&self, predicate: &Predicate) -> Result<Vec<bool>, EngineError> {
        predicate::mask(&self.slice().frame, predicate).map_err(|e| EngineError::Condition {
            reason: e.to_string(),
        })
    }

    fn storage(&self, column: &str) -> Storage {
        match self.slice().frame.column(column).map(|c| c.dtype()) {
            Ok(d) if data::is_text(d) => Storage::Text,
            Ok(d) if d.is_bool() => Storage::Bool,
            Ok(d) if d.is_integer() => Storage::Integer,
            _ => Storage::Float,
        }
    }

    fn categories(&self, column: &str) -> Result<Categories, EngineError> {
        let texts =
            data::text_column(&self.slice().frame, column).map_err(|e| column_error(column, &e))?;
        let mut counts = Categories::default();
        counts.absorb(texts.iter());
        Ok(counts)
    }

    fn for_each_key<E>(
        &self,
        column: &str,
        mut key: impl FnMut(usize, Option<&str>) -> Result<(), E>,
    ) -> Result<Result<(), E>, EngineError> {
        let keys =
            data::text_column(&self.slice().frame, column).map_err(|e| EngineError::Keys {
                slice: self.name().to_string(),
                reason: e.to_string(),
            })?;
        Ok(keys
            .iter()
            .enumerate()
            .try_for_each(|(row, value)| key(row, value)))
    }

    fn subset(&self, rows: Vec<u32>) -> Result<Self, EngineError> {
        let slice = self.slice();
        let segment = slice.subset(rows).map_err(|e| EngineError::Segment {
            slice: slice.name.clone(),
            reason: e.to_string(),
        })?;
        Ok(Values::holding(Held::Segment(Box::new(segment))))
    }
}

fn column_error(column: &str, e: &PolarsError) -> EngineError {
    EngineError::Column {
        column: column.to_string(),
        reason: e.to_string(),
    }
}
