//! Drift as one call: expand the drift block's column lists against the reference's schema,
//! load the reference and the current window, test every column, and assemble the report.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::data::{self, DataError, Slice, SliceRequest, TimeFilter};
use crate::eval::{self, GateInputs, Values};
use crate::plan::reads::{self, ColumnKind, Needed};
use crate::plan::{DriftPlan, PolicyPlan};
use crate::report::plots::{self, Plotted};
use crate::report::{Report, ReportError, SliceInfo};

use crate::data::location;

pub struct DriftOptions {
    /// Slice paths from the command line (`reference`, `current`), overriding the policy's.
    pub overrides: BTreeMap<String, String>,
    pub now_ms: i64,
    /// Gather plot data for an HTML report (reads every tested column again).
    pub figures: bool,
}

pub struct DriftRun {
    pub report: Report,
    pub data_error: Option<DataError>,
}

/// The slice drift compares with the reference: `current`, or the champion's recent traffic
/// when the policy defines a champion but no `current` (`--current` then gives its files).
pub fn current_slice(plan: &PolicyPlan) -> &'static str {
    if plan.data.slice("current").is_none() && plan.data.slice("champion").is_some() {
        "champion"
    } else {
        "current"
    }
}

pub fn run(
    policy_path: &str,
    policy_text: &str,
    plan: &PolicyPlan,
    options: &DriftOptions,
) -> DriftRun {
    let started = Instant::now();
    let mut report = Report::new("drift", policy_path, policy_text, plan);
    let Some(drift) = &plan.drift else {
        report.errors.push(ReportError {
            code: Some("drift::none".into()),
            message: "the policy has no drift block".into(),
            help: Some("add `drift { window 24h on ts  psi(score) < 0.2 }`".into()),
        });
        return DriftRun {
            report,
            data_error: None,
        };
    };
    let loaded = load(plan, drift, options);
    report.timings_ms.load = started.elapsed().as_millis() as u64;
    let (slices, columns) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            report.errors.push(ReportError::from_diagnostic(&error));
            return DriftRun {
                report,
                data_error: Some(error),
            };
        }
    };
    report.data = slices.iter().map(|s| SliceInfo::of(s, None)).collect();
    let eval_started = Instant::now();
    let (reference, current) = (Values::new(&slices[0]), Values::new(&slices[1]));
    let inputs = GateInputs {
        tested: &current,
        baseline: &reference,
        others: &[],
        drop_nulls: false,
        paired: false,
        bootstrap: Default::default(),
        min_segment_rows: eval::DEFAULT_MIN_SEGMENT_ROWS,
    };
    let (checks, metrics) = eval::evaluate_drift(drift, &columns, &inputs);
    report.checks = checks;
    report.verdict = eval::verdict_of(&report.checks);
    report.timings_ms.eval = eval_started.elapsed().as_millis() as u64;
    if options.figures {
        let plotted: Vec<Plotted<'_>> = report
            .checks
            .iter()
            .zip(metrics)
            .filter_map(|(outcome, metric)| {
                Some(Plotted {
                    outcome,
                    metric,
                    columns: vec![outcome.column.as_deref()?],
                    against: None,
                })
            })
            .collect();
        report.figures = plots::gather(&plotted, &inputs, report.sides());
    }
    report.timings_ms.total = started.elapsed().as_millis() as u64;
    DriftRun {
        report,
        data_error: None,
    }
}

fn load(
    plan: &PolicyPlan,
    drift: &DriftPlan,
    options: &DriftOptions,
) -> Result<(Vec<Slice>, Vec<Vec<String>>), DataError> {
    let reference_path = location(
        &plan.data,
        &options.overrides,
        "reference",
        "reference",
        None,
    )?;
    let current_name = current_slice(plan);
    let current_path = location(
        &plan.data,
        &options.overrides,
        current_name,
        "current",
        None,
    )?;
    let schema = data::schema("reference", &reference_path)?;
    let window_column = drift.window.as_ref().map(|w| w.column.as_str());
    let mut needed = Needed::default();
    let mut columns = Vec::new();
    for (check, selection) in drift.checks.iter().zip(reads::drift(drift)) {
        let (source, line, span) = check.origin();
        let kind = selection.kind;
        let eligible: Vec<&str> = schema
            .iter()
            .filter(|(name, dtype)| {
                data::accepts(kind, dtype) && Some(name.as_str()) != window_column
            })
            .map(|(name, _)| name.as_str())
            .collect();
        let expanded = selection.expand(&eligible);
        if expanded.is_empty() && !check.metric().summarises_checks() {
            return Err(DataError::Empty {
                slice: "reference".into(),
                why: format!("`{source}` (line {line}) selects no column it can test"),
            });
        }
        for column in &expanded {
            needed.add(column, kind, Some(span));
        }
        columns.push(expanded);
    }
    let mut reference = data::load(&SliceRequest {
        name: "reference",
        path: &reference_path,
        needed: &needed,
        time: None,
        now_ms: options.now_ms,
    })?;
    let mut current_needed = needed.clone();
    if let Some(window) = &drift.window {
        current_needed.add(&window.column, ColumnKind::Timestamp, None);
    }
    let mut current = data::load(&SliceRequest {
        name: current_name,
        path: &current_path,
        needed: &current_needed,
        time: drift.window.as_ref().map(TimeFilter::Window),
        now_ms: options.now_ms,
    })?;
    data::same_schema(&mut reference, &mut current)?;
    Ok((vec![reference, current], columns))
}
