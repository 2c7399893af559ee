//! Picks the plots a report shows and reads their data from the evaluated slices: ROC curves of
//! both models for `auroc` checks; both distributions of a column for two-sample checks (psi, kl
//! and js over the very bins they were computed on, ks and wasserstein over equal-width bins);
//! for quantile, max, min and mean checks (p99(latency_ms), max(memory_mb)) both distributions
//! with both sides' values marked. Runs after the checks are decided, on the same cached
//! columns, and never changes a decision: a plot that cannot be drawn (a column that failed to
//! load, one class only) is left out.

use super::figures::{self, Curve, Figure, Marker, Series};
use crate::engine::Table;
use crate::eval::{CheckOutcome, GateInputs, Status};
use crate::metrics::binning;
use crate::metrics::registry::MetricId;
use crate::metrics::sample::Sample;

/// Points kept per ROC curve: enough for a smooth curve in an 80 kB page.
const ROC_POINTS: usize = 200;
const BINS: usize = 30;
/// Drift runs may test hundreds of columns: plot the drifted ones first, this many at most.
const MAX_FIGURES: usize = 12;

/// One decided check with what its plot needs to read.
pub struct Plotted<'a> {
    pub outcome: &'a CheckOutcome,
    pub metric: MetricId,
    /// Column arguments in parameter order (label, score / column).
    pub columns: Vec<&'a str>,
    /// The slice a two-sample check compares with, when not the baseline.
    pub against: Option<&'a str>,
}

/// The figures for `checks`, drifted or failed checks first; `sides` names the tested and the
/// baseline slice in legends.
pub fn gather<T: Table>(
    checks: &[Plotted<'_>],
    inputs: &GateInputs<'_, T>,
    sides: (&str, &str),
) -> Vec<Figure> {
    let mut order: Vec<&Plotted<'_>> = checks
        .iter()
        .filter(|c| c.outcome.status != Status::Error && c.outcome.by.is_none())
        .collect();
    order.sort_by_key(|c| c.outcome.status == Status::Pass);
    order
        .into_iter()
        .filter_map(|check| figure(check, inputs, sides))
        .take(MAX_FIGURES)
        .collect()
}

fn figure<T: Table>(
    check: &Plotted<'_>,
    inputs: &GateInputs<'_, T>,
    sides: (&str, &str),
) -> Option<Figure> {
    let outcome = check.outcome;
    let baseline = match check.against {
        Some(name) => inputs.others.iter().find(|v| v.name() == name)?,
        None => inputs.baseline,
    };
    // A drift outcome is one column of its check: its metric reads `psi(f00)`.
    let title = match &outcome.column {
        Some(_) => outcome.metric.clone(),
        None => outcome.source.text.clone(),
    };
    match check.metric {
        MetricId::Auroc => {
            let (label, score) = (check.columns.first()?, check.columns.get(1)?);
            let curves = [(sides.0, inputs.tested), (sides.1, baseline)]
                .into_iter()
                .filter_map(|(name, values)| roc(name, values, label, score))
                .collect();
            Some(Figure::Roc {
                check_id: outcome.id.clone(),
                title,
                curves,
            })
        }
        MetricId::Psi | MetricId::Ks | MetricId::Kl | MetricId::Js | MetricId::Wasserstein => {
            let column = outcome
                .column
                .as_deref()
                .or(check.columns.first().copied())?;
            // The reference may be a named slice rather than the baseline.
            let names = (sides.0, baseline.name());
            let bins = match check.metric {
                MetricId::Psi | MetricId::Kl | MetricId::Js => Binning::Evidently,
                _ => Binning::EqualWidth,
            };
            let slices = (inputs.tested, baseline);
            histogram(outcome, title, column, slices, names, bins)
        }
        MetricId::Quantile | MetricId::Max | MetricId::Min | MetricId::Mean => {
            let column = check.columns.first()?;
            let markers = [(sides.0, outcome.challenger), (sides.1, outcome.champion)]
                .into_iter()
                .filter_map(|(side, x)| {
                    Some(Marker {
                        label: format!("{side} {}", outcome.metric),
                        x: x?,
                    })
                })
                .collect();
            let slices = (inputs.tested, baseline);
            histogram(
                outcome,
                title,
                column,
                slices,
                sides,
                Binning::Marked(markers),
            )
        }
        _ => None,
    }
}

fn roc(name: &str, values: &impl Table, label: &str, score: &str) -> Option<Curve> {
    let labels = values.labels(label).ok()?;
    let scores = values.floats(score).ok()?;
    let (labels, scores): (Vec<bool>, Vec<f64>) = labels
        .iter()
        .zip(scores.values())
        .filter_map(|(l, s)| Some(((*l)?, s)))
        .unzip();
    let points = figures::roc_points(&labels, &scores, ROC_POINTS);
    (!points.is_empty()).then(|| Curve {
        label: name.to_string(),
        points,
    })
}

/// How a histogram's bins are chosen.
enum Binning {
    EqualWidth,
    /// The bins the PSI (kl, js) was computed over, when it used bins rather than one bucket per
    /// value; equal-width bins otherwise.
    Evidently,
    /// Equal-width bins ending a quarter past the larger marker, so that a long tail does not
    /// squash the bulk; the markers are drawn.
    Marked(Vec<Marker>),
}

/// Both sides' distributions of `column` over shared bins.
fn histogram<T: Table>(
    outcome: &CheckOutcome,
    title: String,
    column: &str,
    (tested, baseline): (&T, &T),
    sides: (&str, &str),
    binning: Binning,
) -> Option<Figure> {
    let (t, b) = (tested.floats(column).ok()?, baseline.floats(column).ok()?);
    let (cap, markers, edges) = match binning {
        Binning::Marked(markers) => {
            let top = markers.iter().map(|m| m.x).reduce(f64::max);
            (top.map(|x| x + 0.25 * x.abs()), markers, None)
        }
        Binning::Evidently => {
            let (b_runs, t_runs) = (b.runs(), t.runs());
            let edges = binning::evidently_bin_edges(Sample::Runs(&b_runs), Sample::Runs(&t_runs));
            (None, Vec::new(), edges)
        }
        Binning::EqualWidth => (None, Vec::new(), None),
    };
    // Drawn from copies made here, not cached: a report should not double a run's memory.
    let (t, b) = (t.contiguous(), b.contiguous());
    let edges = edges.unwrap_or_else(|| match cap {
        // `histogram_edges` skips non-finite values itself; only a cap needs filtered copies.
        None => figures::histogram_edges(&t, &b, BINS),
        Some(cap) => {
            let within =
                |v: &[f64]| -> Vec<f64> { v.iter().copied().filter(|x| *x <= cap).collect() };
            figures::histogram_edges(&within(&t), &within(&b), BINS)
        }
    });
    if edges.is_empty() {
        return None;
    }
    let series = vec![
        Series {
            label: sides.0.to_string(),
            shares: figures::shares(&t, &edges),
        },
        Series {
            label: sides.1.to_string(),
            shares: figures::shares(&b, &edges),
        },
    ];
    Some(Figure::Histogram {
        check_id: outcome.id.clone(),
        title,
        edges,
        series,
        markers,
    })
}
