//! The report's plots as inline SVG, drawn with plotters' SVG backend. Plotters writes text as
//! SVG `<text>` elements and lays it out by estimate, so no font is read or embedded; pixel
//! coordinates are whole numbers, which keeps a plot to a few kilobytes.
//!
//! Titles and legends are written by the page in HTML (escaped there); a plot holds only axes,
//! numbers and marks.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::figures::{self, Curve, Marker, Series};

/// A drawn plot and the legend the page shows under it.
pub struct Drawn {
    pub svg: String,
    pub legend: Vec<LegendEntry>,
}

pub struct LegendEntry {
    pub label: String,
    /// A CSS colour.
    pub colour: String,
    /// Drawn as a dashed line (a marker) rather than a filled swatch (a series).
    pub dashed: bool,
}

/// A curve keeps this many points at most: far more than a plot's width in pixels shows.
const CURVE_POINTS: usize = 400;
const ROC_SIZE: (u32, u32) = (440, 400);
const HISTOGRAM_SIZE: (u32, u32) = (560, 320);
const X_TICKS: usize = 8;
const Y_TICKS: usize = 6;

const BASELINE: RGBColor = RGBColor(0x09, 0x69, 0xda);
const TESTED: [RGBColor; 4] = [
    RGBColor(0xe3, 0x62, 0x09),
    RGBColor(0x82, 0x50, 0xdf),
    RGBColor(0x1a, 0x7f, 0x37),
    RGBColor(0xbf, 0x39, 0x89),
];
const INK: RGBColor = RGBColor(0x57, 0x60, 0x6a);
const GRID: RGBColor = RGBColor(0xd8, 0xde, 0xe4);
const NEUTRAL: RGBColor = RGBColor(0x24, 0x29, 0x2f);

type Failure = Box<dyn std::error::Error>;

/// The baseline side (champion, reference, stable) is always blue; the sides under test take
/// the other colours in order, so every plot of a report reads the same way.
fn colours<'a>(labels: impl IntoIterator<Item = &'a str>) -> Vec<RGBColor> {
    let mut tested = TESTED.iter().cycle();
    labels
        .into_iter()
        .map(|label| {
            let label = label.to_ascii_lowercase();
            let baseline = ["champion", "reference", "stable", "baseline"]
                .iter()
                .any(|name| label.starts_with(name));
            if baseline {
                BASELINE
            } else {
                tested.next().copied().unwrap_or(NEUTRAL)
            }
        })
        .collect()
}

fn css(colour: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

/// ROC curves with the chance diagonal.
pub fn roc(curves: &[Curve]) -> Drawn {
    let colours = colours(curves.iter().map(|c| c.label.as_str()));
    let legend = curves
        .iter()
        .zip(&colours)
        .map(|(curve, colour)| LegendEntry {
            label: curve.label.clone(),
            colour: css(*colour),
            dashed: false,
        })
        .collect();
    let svg = draw(ROC_SIZE, |root| draw_roc(root, curves, &colours));
    Drawn { svg, legend }
}

fn draw_roc(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    curves: &[Curve],
    colours: &[RGBColor],
) -> Result<(), Failure> {
    let mut chart = ChartBuilder::on(root)
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK)
        .label_style(("sans-serif", 15).into_font().color(&INK))
        .axis_desc_style(("sans-serif", 16).into_font().color(&NEUTRAL))
        .x_desc("false positive rate")
        .y_desc("true positive rate")
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()?;
    chart.draw_series(DashedLineSeries::new(
        [(0.0, 0.0), (1.0, 1.0)],
        5,
        5,
        INK.stroke_width(1),
    ))?;
    for (curve, colour) in curves.iter().zip(colours) {
        let points = figures::downsample(&finite(&curve.points), CURVE_POINTS);
        chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
    }
    Ok(())
}

/// Shares per bin of each series as step outlines, the baseline's filled, with dashed vertical
/// markers.
pub fn histogram(edges: &[f64], series: &[Series], markers: &[Marker]) -> Drawn {
    let colours = colours(series.iter().map(|s| s.label.as_str()));
    let marker_colours: Vec<RGBColor> = markers
        .iter()
        .map(|m| marker_colour(m, series, &colours))
        .collect();
    let mut legend: Vec<LegendEntry> = series
        .iter()
        .zip(&colours)
        .map(|(s, colour)| LegendEntry {
            label: s.label.clone(),
            colour: css(*colour),
            dashed: false,
        })
        .collect();
    legend.extend(
        markers
            .iter()
            .zip(&marker_colours)
            .map(|(m, colour)| LegendEntry {
                label: format!("{} = {}", m.label, crate::eval::short(m.x)),
                colour: css(*colour),
                dashed: true,
            }),
    );
    let svg = draw(HISTOGRAM_SIZE, |root| {
        draw_histogram(root, edges, series, &colours, markers, &marker_colours)
    });
    Drawn { svg, legend }
}

/// A marker takes the colour of the series its label names ("p99 challenger"), if any.
fn marker_colour(marker: &Marker, series: &[Series], colours: &[RGBColor]) -> RGBColor {
    let label = marker.label.to_lowercase();
    series
        .iter()
        .zip(colours)
        .find(|(s, _)| !s.label.is_empty() && label.contains(&s.label.to_lowercase()))
        .map_or(NEUTRAL, |(_, colour)| *colour)
}

fn draw_histogram(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    edges: &[f64],
    series: &[Series],
    colours: &[RGBColor],
    markers: &[Marker],
    marker_colours: &[RGBColor],
) -> Result<(), Failure> {
    if edges.len() < 2 || edges.iter().any(|e| !e.is_finite()) {
        return Err("the histogram has no finite bin edges".into());
    }
    let xs = edges
        .iter()
        .copied()
        .chain(markers.iter().map(|m| m.x).filter(|x| x.is_finite()));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let (lo, hi) = if lo < hi {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let top = series
        .iter()
        .flat_map(|s| s.shares.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(0.01)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .margin(14)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(lo..hi, 0.0..top)?;
    let x_decimals = decimals(hi - lo, X_TICKS);
    let percent_decimals = decimals(top * 100.0, Y_TICKS);
    chart
        .configure_mesh()
        .x_labels(X_TICKS)
        .y_labels(Y_TICKS)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK)
        .label_style(("sans-serif", 15).into_font().color(&INK))
        .axis_desc_style(("sans-serif", 16).into_font().color(&NEUTRAL))
        .y_desc("share of rows")
        .x_label_formatter(&|v| format!("{v:.x_decimals$}"))
        .y_label_formatter(&|v| format!("{:.percent_decimals$}%", v * 100.0))
        .draw()?;
    // Only the baseline is filled: two translucent fills over each other read as a third colour.
    let filled = colours
        .iter()
        .position(|c| *c == BASELINE)
        .unwrap_or_default();
    for (i, (s, colour)) in series.iter().zip(colours).enumerate() {
        let bins = || {
            edges
                .windows(2)
                .zip(&s.shares)
                .filter(|(_, share)| share.is_finite())
        };
        chart.draw_series(
            bins()
                .filter(|(_, share)| i == filled && **share > 0.0)
                .map(|(w, share)| {
                    Rectangle::new([(w[0], 0.0), (w[1], *share)], colour.mix(0.16).filled())
                }),
        )?;
        let outline = bins().flat_map(|(w, share)| [(w[0], *share), (w[1], *share)]);
        let start = edges.first().map(|&e| (e, 0.0));
        let end = edges.get(s.shares.len()).map(|&e| (e, 0.0));
        let steps = start.into_iter().chain(outline).chain(end);
        chart.draw_series(LineSeries::new(steps, colour.stroke_width(2)))?;
    }
    for (marker, colour) in markers.iter().zip(marker_colours) {
        if marker.x.is_finite() {
            chart.draw_series(DashedLineSeries::new(
                [(marker.x, 0.0), (marker.x, top)],
                6,
                4,
                colour.stroke_width(2),
            ))?;
        }
    }
    Ok(())
}

/// Decimals that tell apart the ticks plotters puts on a range of this width when asked for
/// `ticks` labels: its steps are 1, 2 or 5 times a power of ten, at least `span / ticks` apart.
fn decimals(span: f64, ticks: usize) -> usize {
    let least = span / ticks as f64;
    if !(least > 0.0 && least.is_finite()) {
        return 2;
    }
    let power = 10f64.powf(least.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|step| *step >= least)
        .unwrap_or(power * 10.0);
    (-step.log10().floor()).clamp(0.0, 8.0) as usize
}

fn finite(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

/// The SVG element of one plot, ready to inline into HTML, or a note saying why there is none.
fn draw(
    size: (u32, u32),
    paint: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), Failure>,
) -> String {
    let mut svg = String::new();
    let painted = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        paint(&root).and_then(|()| root.present().map_err(Failure::from))
    };
    match painted {
        // HTML gives inline <svg> its namespace; the declaration is the only URL plotters
        // writes, and a self-contained page should hold none.
        Ok(()) => svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1),
        Err(e) => format!(
            "<p class=\"muted\">this plot could not be drawn: {}</p>\n",
            super::escape(&e.to_string())
        ),
    }
}
