//! The columns one metric reads from one slice (or one chunk of it, or one resample), all of
//! the same length: what a kernel's state absorbs and what the bootstrap resamples.
//!
//! Borrows its columns; never copies or reorders them.

use super::MetricResult;
use super::input::same_length;

/// The columns of one slice that a metric reads, all of the same length.
///
/// A metric closure receives the resampled rows as a `Rows` too and reads them by position:
/// `rows.float(0)`, `rows.label()`. A column asked for but not supplied reads as empty, so a
/// mismatched closure gets `Undefined` from the metric instead of a panic.
#[derive(Debug, Clone)]
pub struct Rows<'a> {
    pub(crate) len: usize,
    pub(crate) label: Option<&'a [bool]>,
    pub(crate) floats: Vec<&'a [f64]>,
    pub(crate) flags: Vec<&'a [bool]>,
}

impl<'a> Rows<'a> {
    /// Rows without a label, resampled as one group: `&[values]`, `&[target, prediction]`.
    pub fn new(floats: &[&'a [f64]]) -> MetricResult<Self> {
        Self::build(None, floats)
    }

    /// Rows with a 0/1 label, resampled within each class: `labelled(label, &[score])`.
    pub fn labelled(label: &'a [bool], floats: &[&'a [f64]]) -> MetricResult<Self> {
        Self::build(Some(label), floats)
    }

    /// Adds boolean columns that are data, not strata: the mask of `rate(pred)` is
    /// `Rows::new(&[])?.with_flags(&[mask])`.
    pub fn with_flags(mut self, flags: &[&'a [bool]]) -> MetricResult<Self> {
        if self.label.is_none() && self.floats.is_empty() && self.flags.is_empty() {
            self.len = flags.first().map_or(0, |f| f.len());
        }
        for flag in flags {
            same_length(self.len, flag.len())?;
        }
        self.flags.extend_from_slice(flags);
        Ok(self)
    }

    fn build(label: Option<&'a [bool]>, floats: &[&'a [f64]]) -> MetricResult<Self> {
        let len = label
            .map(<[bool]>::len)
            .or_else(|| floats.first().map(|f| f.len()))
            .unwrap_or(0);
        for column in floats {
            same_length(len, column.len())?;
        }
        Ok(Rows {
            len,
            label,
            floats: floats.to_vec(),
            flags: Vec::new(),
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The label column, or an empty slice for unlabelled rows.
    pub fn label(&self) -> &'a [bool] {
        self.label.unwrap_or(&[])
    }

    /// The `index`-th float column, or an empty slice if there is none.
    pub fn float(&self, index: usize) -> &'a [f64] {
        self.floats.get(index).copied().unwrap_or(&[])
    }

    /// The `index`-th flag column, or an empty slice if there is none.
    pub fn flag(&self, index: usize) -> &'a [bool] {
        self.flags.get(index).copied().unwrap_or(&[])
    }
}

impl Rows<'_> {
    /// Whether the rows carry flag columns (the mask of a condition).
    pub fn has_flags(&self) -> bool {
        !self.flags.is_empty()
    }
}

/// Chunks of rows joined into owned columns, for metrics that need their columns whole.
pub struct OwnedRows {
    label: Option<Vec<bool>>,
    floats: Vec<Vec<f64>>,
    flags: Vec<Vec<bool>>,
}

impl OwnedRows {
    /// The chunks one after the other; they must read the same columns.
    pub fn concat(chunks: &[Rows<'_>]) -> MetricResult<Self> {
        let first = chunks.first();
        let floats = first.map_or(0, |c| c.floats.len());
        let flags = first.map_or(0, |c| c.flags.len());
        let mut owned = OwnedRows {
            label: first.and_then(|c| c.label).map(|_| Vec::new()),
            floats: vec![Vec::new(); floats],
            flags: vec![Vec::new(); flags],
        };
        for chunk in chunks {
            if chunk.floats.len() != floats
                || chunk.flags.len() != flags
                || chunk.label.is_some() != owned.label.is_some()
            {
                return Err(super::Undefined::IncompatibleStates);
            }
            if let (Some(label), Some(more)) = (&mut owned.label, chunk.label) {
                label.extend_from_slice(more);
            }
            for (column, more) in owned.floats.iter_mut().zip(&chunk.floats) {
                column.extend_from_slice(more);
            }
            for (column, more) in owned.flags.iter_mut().zip(&chunk.flags) {
                column.extend_from_slice(more);
            }
        }
        Ok(owned)
    }

    pub fn rows(&self) -> MetricResult<Rows<'_>> {
        let floats: Vec<&[f64]> = self.floats.iter().map(Vec::as_slice).collect();
        let flags: Vec<&[bool]> = self.flags.iter().map(Vec::as_slice).collect();
        let rows = match &self.label {
            Some(label) => Rows::labelled(label, &floats)?,
            None => Rows::new(&floats)?,
        };
        rows.with_flags(&flags)
    }
}
