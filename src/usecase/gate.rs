//! The gate as one call: load the slices a compiled policy needs, check the data requirements,
//! pair rows, evaluate the checks, and assemble the report. `verdict gate` and
//! `verdict promote` both run this.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::ast::CmpOp;
use crate::data::{self, DataError, Slice, SliceRequest};
use crate::data::{distinct_files, location};
use crate::engine::Table;
use crate::eval::{self, GateInputs, Values, compare};
use crate::metrics::registry::{self, ParamKind};
use crate::plan::reads::{self, SliceRead};
use crate::plan::{CheckPlan, GatePlan, PolicyPlan};
use crate::report::plots::{self, Plotted};
use crate::report::{Report, ReportError, SliceInfo};
use crate::stats::bootstrap::BootstrapOptions;

pub struct GateOptions<'a> {
    /// `--gate NAME`; every gate when `None`.
    pub gate: Option<&'a str>,
    /// Slice paths from the command line, overriding the policy's.
    pub overrides: BTreeMap<String, String>,
    pub now_ms: i64,
    /// Resamples and seed of `at` bounds computed by bootstrap.
    pub bootstrap: BootstrapOptions,
    /// Gather plot data for an HTML report: ROC curves and histograms read the tested columns
    /// again, a cost a pipeline step without `--report` should not pay.
    pub figures: bool,
}

pub struct GateRun {
    pub report: Report,
    /// The data error that stopped the run, for a diagnostic pointing into the policy.
    pub data_error: Option<DataError>,
}

pub fn run(
    policy_path: &str,
    policy_text: &str,
    plan: &PolicyPlan,
    options: &GateOptions<'_>,
) -> GateRun {
    let started = Instant::now();
    let mut report = Report::new("gate", policy_path, policy_text, plan);
    let gates: Vec<&GatePlan> = plan
        .gates
        .iter()
        .filter(|g| options.gate.is_none_or(|n| g.name == n))
        .collect();
    if gates.is_empty() {
        let known: Vec<&str> = plan.gates.iter().map(|g| g.name.as_str()).collect();
        report.errors.push(ReportError {
            code: Some("gate::unknown".into()),
            message: match options.gate {
                Some(name) => format!("the policy has no gate `{name}`"),
                None => "the policy has no gate".into(),
            },
            help: (!known.is_empty()).then(|| format!("its gates are {}", known.join(", "))),
        });
        return GateRun {
            report,
            data_error: None,
        };
    }
    let checks: Vec<CheckPlan> = gates
        .iter()
        .flat_map(|g| g.checks.iter().cloned())
        .collect();
    let loaded = load_slices(plan, &checks, options, &mut report);
    report.timings_ms.load = started.elapsed().as_millis() as u64;
    let slices = match loaded {
        Ok(slices) => slices,
        Err(error) => {
            report.errors.push(ReportError::from_diagnostic(&error));
            report.timings_ms.total = started.elapsed().as_millis() as u64;
            return GateRun {
                report,
                data_error: Some(error),
            };
        }
    };
    let eval_started = Instant::now();
    let values: Vec<Values<'_>> = slices.iter().map(Values::new).collect();
    let find = |name: &str| values.iter().find(|v| v.name() == name);
    let (Some(tested), Some(baseline)) = (find("challenger"), find("champion")) else {
        report.errors.push(ReportError {
            code: None,
            message: "the champion and challenger slices were not loaded".into(),
            help: None,
        });
        return GateRun {
            report,
            data_error: None,
        };
    };
    let inputs = GateInputs {
        tested,
        baseline,
        others: &values,
        drop_nulls: plan.data.drop_nulls,
        paired: plan.data.join.is_some(),
        bootstrap: options.bootstrap,
        min_segment_rows: plan
            .data
            .min_segment_rows
            .unwrap_or(eval::DEFAULT_MIN_SEGMENT_ROWS),
    };
    for gate in gates {
        report.checks.extend(eval::evaluate_gate(gate, &inputs));
    }
    report.verdict = eval::verdict_of(&report.checks);
    report.timings_ms.eval = eval_started.elapsed().as_millis() as u64;
    if options.figures {
        let plotted: Vec<Plotted<'_>> = checks
            .iter()
            .zip(&report.checks)
            .map(|(plan, outcome)| Plotted {
                outcome,
                metric: plan.metric.id,
                columns: plan.metric.columns.iter().map(String::as_str).collect(),
                against: plan.metric.against.as_deref(),
            })
            .collect();
        report.figures = plots::gather(&plotted, &inputs, report.sides());
    }
    report.timings_ms.total = started.elapsed().as_millis() as u64;
    GateRun {
        report,
        data_error: None,
    }
}

/// Champion and challenger with every column the checks read; other named slices with the
/// columns of the two-sample checks that name them.
fn load_slices(
    plan: &PolicyPlan,
    checks: &[CheckPlan],
    options: &GateOptions<'_>,
    report: &mut Report,
) -> Result<Vec<Slice>, DataError> {
    let mut slices = Vec::new();
    for SliceRead {
        slice: name,
        columns: needed,
        recent,
    } in &reads::gate(checks, &plan.data)
    {
        let path = location(&plan.data, &options.overrides, name, name, None)?;
        let request = SliceRequest {
            name,
            path: &path,
            needed,
            time: plan
                .data
                .recent
                .as_ref()
                .filter(|_| *recent)
                .map(data::TimeFilter::Recent),
            now_ms: options.now_ms,
        };
        slices.push(data::load(&request)?);
    }
    let (left, right) = slices.split_at_mut(1);
    data::same_schema(&mut left[0], &mut right[0])?;
    check_sources(plan, &slices, options)?;
    if let Some(join) = &plan.data.join {
        let (left, right) = slices.split_at_mut(1);
        report.join = Some(data::pair_rows(&mut left[0], &mut right[0], join)?);
    }
    // Counted once per slice: the requirements, the label-rate check and the report read it.
    let label = label_column(plan, checks);
    let counted: Vec<Option<u64>> = slices
        .iter()
        .map(|s| label.and_then(|l| positives(l, s)))
        .collect();
    for (slice, &found) in slices[..2].iter().zip(&counted) {
        check_requirements(plan, slice, found)?;
    }
    check_label_rates(plan, label, &slices[..2], &counted[..2])?;
    report.data = slices
        .iter()
        .zip(counted)
        .map(|(s, found)| SliceInfo::of(s, found))
        .collect();
    Ok(slices)
}

/// The label column whose positives the report counts: the one `require positives(...)` names,
/// else the first label column a check reads.
fn label_column<'p>(plan: &'p PolicyPlan, checks: &'p [CheckPlan]) -> Option<&'p str> {
    if let Some(min) = &plan.data.min_positives {
        return Some(&min.label);
    }
    checks.iter().find_map(|check| {
        let spec = registry::by_id(check.metric.id)?;
        spec.params
            .iter()
            .filter(|p| p.kind != ParamKind::Number)
            .zip(&check.metric.columns)
            .find(|(p, _)| p.kind == ParamKind::Label)
            .map(|(_, column)| column.as_str())
    })
}

fn positives(label: &str, slice: &Slice) -> Option<u64> {
    let values = data::f64_values(&slice.frame, label).ok()?;
    Some(values.values().filter(|v| *v == 1.0).count() as u64)
}

/// Refuses slices that cannot answer the question: champion and challenger from the same
/// files, a challenger slice that is another named slice's files (the training reference), or
/// champion and challenger from disjoint periods.
fn check_sources(
    plan: &PolicyPlan,
    slices: &[Slice],
    options: &GateOptions<'_>,
) -> Result<(), DataError> {
    let (champion, challenger) = (&slices[0], &slices[1]);
    distinct_files(
        champion,
        challenger,
        "score the same traffic with each model into its own files",
    )?;
    // Every other slice, defined in the policy or given only by a flag.
    let mut others: BTreeMap<&str, &str> = (plan.data.slices.iter())
        .map(|s| (s.name.as_str(), s.path.as_str()))
        .collect();
    others.extend((options.overrides.iter()).map(|(name, path)| (name.as_str(), path.as_str())));
    for (name, path) in others {
        if matches!(name, "champion" | "challenger") {
            continue;
        }
        // A slice loaded for a check is hashed already; another one is hashed here, and one
        // this gate does not read may not exist at all: only identical files matter.
        let sha256 = match slices.iter().find(|s| s.name == name) {
            Some(loaded) => loaded.sha256.clone(),
            None => match data::resolve_files(name, path) {
                Ok(resolved) => resolved.combined_sha256(),
                Err(_) => continue,
            },
        };
        if sha256 == challenger.sha256 {
            return Err(DataError::Sanity {
                message: format!(
                    "slice `challenger` (`{}`) is slice `{name}` itself: the same files, sha256 {}",
                    challenger.path, challenger.sha256
                ),
                help: "the gate compares on recent production traffic scored by the challenger, not on another slice's data".into(),
            });
        }
    }
    if let (Some((a_from, a_to)), Some((b_from, b_to))) = (champion.ts_range, challenger.ts_range)
        && (a_to < b_from || b_to < a_from)
    {
        return Err(DataError::Sanity {
            message: format!(
                "slices `champion` ({} to {}) and `challenger` ({} to {}) do not overlap in time",
                data::format_ms(a_from),
                data::format_ms(a_to),
                data::format_ms(b_from),
                data::format_ms(b_to)
            ),
            help: "score the same recent traffic with both models".into(),
        });
    }
    Ok(())
}

/// `require label_rate_gap <= G`: positive rates further apart mean the two slices saw
/// different traffic.
fn check_label_rates(
    plan: &PolicyPlan,
    label: Option<&str>,
    slices: &[Slice],
    positives: &[Option<u64>],
) -> Result<(), DataError> {
    let Some(max) = plan.data.max_label_rate_gap else {
        return Ok(());
    };
    let rate = |i: usize| positives[i].map(|p| p as f64 / slices[i].frame.height().max(1) as f64);
    // A requirement that cannot be checked is not met.
    let (Some(label), Some(a), Some(b)) = (label, rate(0), rate(1)) else {
        return Err(DataError::Sanity {
            message: "`require label_rate_gap` cannot be checked: no label column could be read"
                .into(),
            help: "name the label with `require positives(label) >= N`, or use a check that reads a label".into(),
        });
    };
    if !compare::holds((a - b).abs(), CmpOp::Le, max) {
        return Err(DataError::Sanity {
            message: format!(
                "the positive rate of `{label}` is {} in `champion` and {} in `challenger`, {} apart; the policy allows {}",
                eval::short(a),
                eval::short(b),
                eval::short((a - b).abs()),
                eval::short(max)
            ),
            help: "the two slices saw different traffic; score the same requests with both models"
                .into(),
        });
    }
    Ok(())
}

fn check_requirements(
    plan: &PolicyPlan,
    slice: &Slice,
    positives: Option<u64>,
) -> Result<(), DataError> {
    let rows = slice.frame.height() as u64;
    if rows == 0 {
        return Err(DataError::Empty {
            slice: slice.name.clone(),
            why: format!(
                "no rows left of {} read after the data block's filters",
                slice.rows_read
            ),
        });
    }
    if let Some(min) = plan.data.min_rows.filter(|m| rows < *m) {
        return Err(DataError::Requirement {
            slice: slice.name.clone(),
            what: "rows".into(),
            found: rows,
            needed: min,
        });
    }
    if let (Some(min), Some(found)) = (&plan.data.min_positives, positives)
        && found < min.count
    {
        return Err(DataError::Requirement {
            slice: slice.name.clone(),
            what: format!("positives in `{}`", min.label),
            found,
            needed: min.count,
        });
    }
    Ok(())
}
