//! A drift block's checks, one outcome per tested column, then the dataset-level
//! `share_drifted` over those outcomes.

use super::{CheckOutcome, GateInputs, Status, compare, compute, evaluate_check};
use crate::engine::Table;
use crate::metrics::registry::MetricId;
use crate::plan::{AutoPlan, Bound, CheckPlan, DriftCheck, DriftPlan};

/// `columns[i]` are the columns check `i` applies to (its list and patterns, expanded against
/// the reference's schema); `inputs.tested` is the current window, `inputs.baseline` the
/// reference. Each outcome comes with the metric it ran (for an `auto` check, the test it
/// picked), which the report's plots need.
pub fn evaluate_drift<T: Table>(
    plan: &DriftPlan,
    columns: &[Vec<String>],
    inputs: &GateInputs<'_, T>,
) -> (Vec<CheckOutcome>, Vec<MetricId>) {
    use rayon::prelude::*;
    let tests: Vec<(usize, &DriftCheck, &String)> = plan
        .checks
        .iter()
        .enumerate()
        .filter(|(_, check)| !check.metric().summarises_checks())
        .flat_map(|(i, check)| {
            let listed = columns.get(i).into_iter().flatten();
            listed.map(move |column| (i, check, column))
        })
        .collect();
    // Columns are tested in parallel, as a gate's checks are; the order stays the policy's.
    let (mut outcomes, mut metrics): (Vec<CheckOutcome>, Vec<MetricId>) = tests
        .par_iter()
        .map(|&(i, check, column)| {
            let id = format!("drift.{}.{column}", i + 1);
            let one = match check {
                DriftCheck::Written(written) => for_column(written.clone(), column),
                DriftCheck::Auto(auto) => evidently_check(auto, column, inputs),
            };
            (column_outcome(&id, &one, column, inputs), one.metric.id)
        })
        .unzip();
    let tested = outcomes.len();
    for (i, check) in plan.checks.iter().enumerate() {
        if let DriftCheck::Written(check) = check
            && check.metric.summarises_checks()
        {
            let share = share_drifted(&format!("drift.{}", i + 1), check, &outcomes[..tested]);
            outcomes.push(share);
            metrics.push(check.metric.id);
        }
    }
    (outcomes, metrics)
}

fn for_column(mut check: CheckPlan, column: &str) -> CheckPlan {
    check.metric.columns = vec![column.to_string()];
    check
}

/// One column's check, reported under the metric it ran (`ks(amount).p`), so an `auto` check
/// names the test it picked.
fn column_outcome<T: Table>(
    id: &str,
    check: &CheckPlan,
    column: &str,
    inputs: &GateInputs<'_, T>,
) -> CheckOutcome {
    let mut outcome = evaluate_check(id, check, inputs);
    let field = check
        .metric
        .field
        .as_ref()
        .map(|f| format!(".{f}"))
        .unwrap_or_default();
    outcome.metric = format!("{}({column}){field}", check.metric.name);
    outcome.column = Some(column.to_string());
    outcome.drifted = drifted(&outcome, check);
    outcome
}

/// `auto` on one column: the test Evidently's default selection picks for it, compared as
/// Evidently compares it (see the registry's `evidently_default`).
fn evidently_check<T: Table>(
    auto: &AutoPlan,
    column: &str,
    inputs: &GateInputs<'_, T>,
) -> CheckPlan {
    let spec = compute::evidently_test(inputs.baseline, inputs.tested, column);
    let mut metric = auto.metric.clone();
    metric.id = spec.id;
    metric.name = spec.name.to_string();
    metric.columns = vec![column.to_string()];
    metric.field = spec.default.field.map(str::to_string);
    CheckPlan {
        source: auto.source.clone(),
        line: auto.line,
        span: auto.span,
        severity: auto.severity,
        metric,
        by: None,
        op: spec.default.op,
        bound: Bound::Const(spec.default.threshold),
        confidence: None,
    }
}

/// A column drifted when its comparison did not hold; `None` when it could not be computed.
fn drifted(outcome: &CheckOutcome, check: &CheckPlan) -> Option<bool> {
    let value = outcome.challenger.filter(|v| v.is_finite())?;
    let threshold = outcome.threshold.filter(|t| t.is_finite())?;
    Some(!compare::holds(value, check.op, threshold))
}
fn share_drifted(id: &str, check: &CheckPlan, tested: &[CheckOutcome]) -> CheckOutcome {
    let mut outcome = super::blank_outcome(id.to_string(), check);
    outcome.threshold = Some(check.bound.value(f64::NAN));
    let undecided = tested.iter().filter(|o| o.drifted.is_none()).count();
    if tested.is_empty() || undecided > 0 {
        outcome.reason = Some(if tested.is_empty() {
            "the drift block tests no column".to_string()
        } else {
            format!(
                "{undecided} of {} column tests could not be computed",
                tested.len()
            )
        });
    } else {
        let share =
            tested.iter().filter(|o| o.drifted == Some(true)).count() as f64 / tested.len() as f64;
        let threshold = outcome.threshold.unwrap_or(f64::NAN);
        let holds = compare::holds(share, check.op, threshold);
        outcome.challenger = Some(share);
        outcome.status = if holds { Status::Pass } else { Status::Fail };
        outcome.drifted = Some(!holds);
        if !holds {
            outcome.reason = Some(format!(
                "{} of {} columns drifted ({}), not {} {}",
                tested.iter().filter(|o| o.drifted == Some(true)).count(),
                tested.len(),
                super::short(share),
                check.op.symbol(),
                super::short(threshold)
            ));
        }
    }
    if check.severity == crate::plan::Severity::Warn && outcome.status != Status::Pass {
        outcome.status = Status::Warn;
    }
    outcome
}
