//! Data for the HTML report's plots, gathered while a decision is evaluated. Not part of the
//! JSON contract: curves are downsampled pictures, not results.

#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// ROC curves of the tested and baseline slices for an `auroc` check.
    Roc { check_id: String, title: String, curves: Vec<Curve> },
    /// Shares per bin of a column on two slices (PSI bins, latency distributions), with
    /// vertical markers such as the p99 of each side.
    Histogram {
        check_id: String,
        title: String,
        /// Bin edges, one more than values per series.
        edges: Vec<f64>,
        series: Vec<Series>,
        markers: Vec<Marker>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    /// (false positive rate, true positive rate), from (0, 0) to (1, 1).
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// Share of the slice's rows in each bin.
    pub shares: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub label: String,
    pub x: f64,
}
