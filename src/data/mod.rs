//! Loading slices with polars: resolve the path (file, glob or folder), hash the files, check the
//! needed columns against the parquet schema before reading any rows, read only those columns,
//! apply `recent`, compare two slices' schemas (widening integers against f64, see `widen`),
//! and hand out columns as f64 values for the metric functions.
//!
//! Never computes a metric; never looks at the clock (`now` is an input).

mod columns;
mod error;
mod files;
mod join;
mod location;
mod widen;

pub use columns::{accepts, check_schema};
pub use error::DataError;
pub use files::{FileDigest, resolve as resolve_files};
pub use join::{JoinStats, pair_rows};
pub use location::{distinct_files, location};
pub use widen::Widened;

use std::borrow::Cow;
use std::sync::OnceLock;

use polars::prelude::*;

use crate::plan::Recency;
use crate::plan::reads::Needed;

/// One slice, read and filtered.
pub struct Slice {
    pub name: String,
    /// The path as the policy or the command line gave it.
    pub path: String,
    pub files: Vec<files::FileDigest>,
    /// SHA-256 over the files' digests, in path order.
    pub sha256: String,
    pub rows_read: usize,
    pub frame: DataFrame,
    /// Oldest and newest timestamp (ms since the epoch) when the policy names a time column.
    pub ts_range: Option<(i64, i64)>,
    /// Integer columns read as f64 because the slice compared with stores them so.
    pub widened: Vec<Widened>,
}

pub struct SliceRequest<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub needed: &'a Needed,
    pub time: Option<TimeFilter<'a>>,
    pub now_ms: i64,
}

/// Which rows of a slice count, by their timestamp.
#[derive(Debug, Clone, Copy)]
pub enum TimeFilter<'a> {
    /// `recent D on ts`: the newest row is younger than D; rows older than newest − D go.
    Recent(&'a Recency),
    /// `window D on ts`: the rows of the last D before now.
    Window(&'a Recency),
    /// A canary stage: the rows with `from_ms < ts <= to_ms`. Unlike a window, an empty range is
    /// not an error: a stage without traffic is a fact the canary decides on.
    Range {
        column: &'a str,
        from_ms: i64,
        to_ms: i64,
    },
}

struct Scan {
    listed: files::Listed,
    lazy: LazyFrame,
    schema: SchemaRef,
}

fn scan(name: &str, path: &str) -> Result<Scan, DataError> {
    let listed = files::list(name, path)?;
    let args = ScanArgsParquet {
        glob: false,
        ..ScanArgsParquet::default()
    };
    let mut lazy = LazyFrame::scan_parquet_sources(listed.sources(), args)
        .map_err(|e| read_error(name, path, &e))?;
    let schema = lazy
        .collect_schema()
        .map_err(|e| read_error(name, path, &e))?;
    Ok(Scan {
        listed,
        lazy,
        schema,
    })
}

fn read_error(slice: &str, path: &str, e: &PolarsError) -> DataError {
    DataError::Read {
        slice: slice.to_string(),
        path: path.to_string(),
        reason: first_line(&e.to_string()),
    }
}

/// A slice's schema, read from the parquet metadata only.
pub fn schema(name: &str, path: &str) -> Result<SchemaRef, DataError> {
    Ok(scan(name, path)?.schema)
}

pub fn load(req: &SliceRequest<'_>) -> Result<Slice, DataError> {
    let Scan {
        listed,
        lazy,
        schema,
    } = scan(req.name, req.path)?;
    check_schema(req.needed, req.name, req.path, &schema)?;
    let names: Vec<Expr> = req.needed.names().map(col).collect();
    // Hashing is single-threaded and reading leaves a core idle while it decompresses some
    // columns: doing both at once hides most of the hashing (about 0.5 s per GB).
    let (resolved, frame) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| listed.hash());
        let frame = lazy.select(names).collect();
        let resolved = hashing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (resolved, frame)
    });
    let resolved = resolved?;
    // Columns keep one chunk per row group: see `Floats`.
    let frame = frame.map_err(|e| read_error(req.name, req.path, &e))?;
    let rows_read = frame.height();
    let (frame, ts_range) = match req.time {
        Some(TimeFilter::Recent(recent)) => apply_recency(req.name, frame, recent, req.now_ms)?,
        Some(TimeFilter::Window(window)) => apply_window(req.name, frame, window, req.now_ms)?,
        Some(TimeFilter::Range {
            column,
            from_ms,
            to_ms,
        }) => {
            let ts = timestamps_ms(&frame, column).map_err(|e| read_error(req.name, column, &e))?;
            keep_times(req.name, frame, &ts, |t| t > from_ms && t <= to_ms)?
        }
        None => (frame, None),
    };
    Ok(Slice {
        name: req.name.to_string(),
        path: req.path.to_string(),
        sha256: resolved.combined_sha256(),
        files: resolved.files,
        rows_read,
        frame,
        ts_range,
        widened: Vec::new(),
    })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).to_string()
}

/// Milliseconds since the epoch of a datetime or integer (epoch ms) column.
pub fn timestamps_ms(frame: &DataFrame, column: &str) -> Result<Vec<Option<i64>>, PolarsError> {
    let series = frame.column(column)?.as_materialized_series().clone();
    let ms = match series.dtype() {
        DataType::Datetime(_, _) | DataType::Date => series
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
            .cast(&DataType::Int64)?,
        _ => series.cast(&DataType::Int64)?,
    };
    Ok(ms.i64()?.iter().collect())
}

/// `recent D on ts`: the newest row must be younger than `D`, and rows older than newest − `D`
/// are dropped.
fn apply_recency(
    slice: &str,
    frame: DataFrame,
    recent: &Recency,
    now_ms: i64,
) -> Result<(DataFrame, Option<(i64, i64)>), DataError> {
    let ts =
        timestamps_ms(&frame, &recent.column).map_err(|e| read_error(slice, &recent.column, &e))?;
    let Some(newest) = ts.iter().flatten().copied().max() else {
        return Err(DataError::Empty {
            slice: slice.to_string(),
            why: format!("no row has a timestamp in `{}`", recent.column),
        });
    };
    if newest < now_ms - recent.max_age_ms {
        return Err(DataError::Stale {
            slice: slice.to_string(),
            column: recent.column.clone(),
            newest: format_ms(newest),
            limit: format_ms(now_ms - recent.max_age_ms),
        });
    }
    let cutoff = newest - recent.max_age_ms;
    keep_times(slice, frame, &ts, |t| t >= cutoff)
}

/// `window D on ts`: rows with now − D < ts ≤ now. An empty window is an error, never "no drift".
fn apply_window(
    slice: &str,
    frame: DataFrame,
    window: &Recency,
    now_ms: i64,
) -> Result<(DataFrame, Option<(i64, i64)>), DataError> {
    let ts =
        timestamps_ms(&frame, &window.column).map_err(|e| read_error(slice, &window.column, &e))?;
    let start = now_ms - window.max_age_ms;
    let (frame, range) = keep_times(slice, frame, &ts, |t| t > start && t <= now_ms)?;
    if frame.height() == 0 {
        let newest = ts
            .iter()
            .flatten()
            .copied()
            .max()
            .map_or_else(|| "none".to_string(), format_ms);
        return Err(DataError::Empty {
            slice: slice.to_string(),
            why: format!(
                "no row falls in the window {} .. {} on `{}` (its newest is {newest})",
                format_ms(start),
                format_ms(now_ms),
                window.column
            ),
        });
    }
    Ok((frame, range))
}

/// Keeps the rows whose timestamp satisfies `keep`; answers their time range.
fn keep_times(
    slice: &str,
    frame: DataFrame,
    ts: &[Option<i64>],
    keep: impl Fn(i64) -> bool,
) -> Result<(DataFrame, Option<(i64, i64)>), DataError> {
    let mask: BooleanChunked = ts.iter().map(|t| t.is_some_and(&keep)).collect();
    let frame = frame
        .filter(&mask)
        .map_err(|e| read_error(slice, "(time filter)", &e))?;
    let range = ts.iter().flatten().copied().filter(|t| keep(*t)).fold(
        None,
        |range: Option<(i64, i64)>, t| {
            Some(range.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))))
        },
    );
    Ok((frame, range))
}

pub fn format_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}

/// A column cast to text (numbers, booleans and categories too), borrowed from polars: what
/// drift counts per category and `by` groups rows by.
pub fn text_column(frame: &DataFrame, column: &str) -> Result<StringChunked, PolarsError> {
    let series = frame
        .column(column)?
        .as_materialized_series()
        .cast(&DataType::String)?;
    Ok(series.str()?.clone())
}

/// Text and categorical columns, whose drift is measured per category rather than on numbers.
pub fn is_text(dtype: &DataType) -> bool {
    matches!(
        dtype,
        DataType::String | DataType::Categorical(..) | DataType::Enum(..)
    )
}

impl Slice {
    /// The given rows of this slice (a segment), with the slice's name and provenance.
    pub fn subset(&self, rows: Vec<IdxSize>) -> PolarsResult<Slice> {
        Ok(Slice {
            name: self.name.clone(),
            path: self.path.clone(),
            files: Vec::new(),
            sha256: self.sha256.clone(),
            rows_read: self.rows_read,
            frame: self.frame.take(&IdxCa::from_vec("rows".into(), rows))?,
            ts_range: self.ts_range,
            widened: self.widened.clone(),
        })
    }
}

/// A numeric column as f64 values.
///
/// An f64 column without nulls stays in the frame's own chunks (no copy: two 10M-row slices with
/// 24 columns would otherwise copy 3.8 GB): [`Floats::runs`] and [`Floats::values`] read them
/// where they lie, and the first reader that needs one contiguous slice joins them once. Anything else is converted,
/// nulls becoming NaN so the metrics report them as non-finite.
pub struct Floats(FloatsRepr);

enum FloatsRepr {
    Shared {
        chunked: Float64Chunked,
        joined: OnceLock<Vec<f64>>,
    },
    Owned(Vec<f64>),
}

impl Floats {
    /// The chunks as runs of one sample, for metrics that read a column in one pass.
    pub fn runs(&self) -> Vec<&[f64]> {
        match &self.0 {
            FloatsRepr::Shared { chunked, .. } => chunked
                .downcast_iter()
                .map(|array| array.values().as_slice())
                .collect(),
            FloatsRepr::Owned(values) => vec![values],
        }
    }

    /// The values as one slice, joined for the caller alone when the column has several chunks:
    /// for metrics that copy their input anyway (to sort it), so that no joined copy stays
    /// cached beside the chunks for the rest of the run.
    pub fn contiguous(&self) -> Cow<'_, [f64]> {
        match &self.0 {
            FloatsRepr::Shared { chunked, joined }
                if chunked.cont_slice().is_err() && joined.get().is_none() =>
            {
                Cow::Owned(self.values().collect())
            }
            // One chunk, a join already made, or owned values: no copy.
            _ => Cow::Borrowed(self),
        }
    }

    /// The values in order, without joining the chunks.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.runs().into_iter().flat_map(|run| run.iter().copied())
    }
}

impl std::ops::Deref for Floats {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        match &self.0 {
            FloatsRepr::Shared { chunked, joined } => match chunked.cont_slice() {
                Ok(values) => values,
                Err(_) => joined.get_or_init(|| self.values().collect()),
            },
            FloatsRepr::Owned(values) => values,
        }
    }
}

impl From<Vec<f64>> for Floats {
    fn from(values: Vec<f64>) -> Self {
        Floats(FloatsRepr::Owned(values))
    }
}

pub fn f64_values(frame: &DataFrame, column: &str) -> Result<Floats, PolarsError> {
    let series = frame
        .column(column)?
        .as_materialized_series()
        .cast(&DataType::Float64)?;
    let chunked = series.f64()?.clone();
    if chunked.null_count() == 0 {
        return Ok(Floats(FloatsRepr::Shared {
            chunked,
            joined: OnceLock::new(),
        }));
    }
    Ok(Floats::from(
        chunked
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect::<Vec<f64>>(),
    ))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    files::hex(&Sha256::digest(bytes))
}

/// Champion and challenger must be scored into the same schema; a column that changed type
/// means the two slices are not the same traffic or not the same scoring job. The one exception
/// is an integer column against an f64 one (pandas' integers with a missing value), whose
/// integer side is widened to f64 in its frame and recorded in the slice's `widened`.
pub fn same_schema(left: &mut Slice, right: &mut Slice) -> Result<(), DataError> {
    let differing: Vec<(String, DataType, DataType)> = (left.frame.columns().iter())
        .filter_map(|column| {
            let other = right.frame.column(column.name()).ok()?;
            (column.dtype() != other.dtype()).then(|| {
                let name = column.name().to_string();
                (name, column.dtype().clone(), other.dtype().clone())
            })
        })
        .collect();
    for (name, left_type, right_type) in differing {
        if !widen::widens(&left_type, &right_type) {
            return Err(DataError::SchemaMismatch {
                column: name,
                left: left.name.clone(),
                left_type: left_type.to_string(),
                right: right.name.clone(),
                right_type: right_type.to_string(),
            });
        }
        if left_type.is_integer() {
            widen::widen(left, &name, &right.name)?;
        } else {
            widen::widen(right, &name, &left.name)?;
        }
    }
    Ok(())
}
