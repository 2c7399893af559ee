//! The gate as one call: load the slices a compiled policy needs, check the data requirements,
//! pair rows, evaluate the checks, and assemble the report. `verdict gate` and (later)
//! `verdict promote` both run this.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::data::{self, DataError, Needed, Slice, SliceRequest};
use crate::eval::{self, GateInputs, Values};
use crate::plan::{CheckPlan, GatePlan, PolicyPlan};
use crate::report::{Report, ReportError, SliceInfo};

pub struct GateOptions<'a> {
    /// `--gate NAME`; every gate when `None`.
    pub gate: Option<&'a str>,
    /// Slice paths from the command line, overriding the policy's.
    pub overrides: BTreeMap<String, String>,
    pub now_ms: i64,
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
    let find = |name: &str| values.iter().find(|v| v.slice_name() == name);
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
    };
    for gate in gates {
        report.checks.extend(eval::evaluate_gate(gate, &inputs));
    }
    report.verdict = eval::verdict_of(&report.checks);
    report.timings_ms.eval = eval_started.elapsed().as_millis() as u64;
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
    let needed = data::needed_for_checks(checks, &plan.data);
    let mut wanted: Vec<(String, Needed, bool)> = vec![
        ("champion".into(), needed.clone(), true),
        ("challenger".into(), needed, true),
    ];
    for check in checks {
        if let Some(other) = &check.metric.against {
            match wanted.iter_mut().find(|(n, _, _)| n == other) {
                Some((_, needed, _)) => needed.add(
                    &check.metric.columns[0],
                    data::ColumnKind::Numeric,
                    Some(check.span),
                ),
                None => {
                    let mut needed = Needed::default();
                    needed.add(
                        &check.metric.columns[0],
                        data::ColumnKind::Numeric,
                        Some(check.span),
                    );
                    wanted.push((other.clone(), needed, false));
                }
            }
        }
    }
    let mut slices = Vec::new();
    for (name, needed, recent) in &wanted {
        let path = options
            .overrides
            .get(name)
            .cloned()
            .or_else(|| plan.data.slice(name).map(|s| s.path.clone()))
            .ok_or_else(|| DataError::NoFiles {
                slice: name.clone(),
                path: "(not defined)".into(),
            })?;
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
    data::same_schema(&slices[0], &slices[1])?;
    if let Some(join) = &plan.data.join {
        let (left, right) = slices.split_at_mut(1);
        report.join = Some(data::pair_rows(&mut left[0], &mut right[0], join)?);
    }
    for slice in &slices[..2] {
        check_requirements(plan, slice)?;
    }
    report.data = slices
        .iter()
        .map(|s| SliceInfo::of(s, positives(plan, s)))
        .collect();
    Ok(slices)
}

fn positives(plan: &PolicyPlan, slice: &Slice) -> Option<u64> {
    let label = &plan.data.min_positives.as_ref()?.label;
    let values = data::f64_values(&slice.frame, label).ok()?;
    Some(values.iter().filter(|v| **v == 1.0).count() as u64)
}

fn check_requirements(plan: &PolicyPlan, slice: &Slice) -> Result<(), DataError> {
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
    if let (Some(min), Some(found)) = (&plan.data.min_positives, positives(plan, slice))
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
