//! The quality and summary metrics against committed reference values.
//!
//! `tests/reference/quality.json` holds cases computed with scikit-learn and NumPy by
//! `tests/reference/quality_reference.py` (DESIGN.md §3): a dataset or a generator, a metric, its
//! parameters, and either the expected value or the reason the metric is undefined. Every case
//! must match: values within 1e-9 relative, undefined cases with the same `Undefined` variant.

use std::collections::HashMap;

use crate::support::{SplitMix64, number, undefined_json};
use serde_json::Value;
use verdict::metrics::kernel::Params;
use verdict::metrics::registry::{self, MetricSpec, ParamKind};
use verdict::metrics::rows::Rows;
use verdict::metrics::{MetricResult, summary};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/quality.json");
const TOLERANCE: f64 = 1e-9;

#[test]
fn quality_metrics_match_the_reference_values() {
    let text =
        std::fs::read_to_string(REFERENCE).expect("tests/reference/quality.json is readable");
    let document: Value = serde_json::from_str(&text).expect("quality.json is valid JSON");
    let datasets: HashMap<&str, Columns> = document["datasets"]
        .as_object()
        .expect("quality.json has datasets")
        .iter()
        .map(|(name, columns)| (name.as_str(), Columns::from_json(columns)))
        .collect();
    let cases = document["cases"]
        .as_array()
        .expect("quality.json has cases");
    let mut generated: HashMap<String, Columns> = HashMap::new();
    let mut failures = Vec::new();
    let mut worst = (0.0_f64, String::new());

    for case in cases {
        let name = case["name"].as_str().expect("a case has a name");
        let columns = match &case["inputs"] {
            Value::String(dataset) => &datasets[dataset.as_str()],
            spec => generated
                .entry(spec.to_string())
                .or_insert_with(|| Columns::generate(spec)),
        };
        let got = compute(case, columns);
        match (&case["expected"], &case["undefined"], got) {
            (Value::Number(expected), Value::Null, Ok(got)) => {
                let expected = expected.as_f64().expect("an expected value is a number");
                let error = (got - expected).abs() / expected.abs().max(1.0);
                if error > worst.0 {
                    worst = (error, name.to_string());
                }
                if error.is_nan() || error > TOLERANCE {
                    failures.push(format!("{name}: got {got:?}, expected {expected:?}"));
                }
            }
            (Value::Null, expected, Err(reason)) if undefined_json(&reason) == *expected => {}
            (expected, undefined, got) => failures.push(format!(
                "{name}: got {got:?}, expected {}",
                if expected.is_null() {
                    undefined
                } else {
                    expected
                }
            )),
        }
    }

    assert!(
        cases.len() > 400,
        "only {} cases in quality.json",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from the reference:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} reference cases match; largest relative error {:e} ({})",
        cases.len(),
        worst.0,
        worst.1
    );
}

/// Runs the case's metric through its registry kernel, as the evaluator does, on the whole
/// columns; then again with the rows split into three chunks, the first two absorbed into one
/// state and the third into another that is merged into it, which must give the same value
/// (exactly for kernels that keep their rows, to rounding for bounded states).
fn compute(case: &Value, columns: &Columns) -> MetricResult<f64> {
    let name = case["metric"].as_str().expect("a case names its metric");
    let spec = registry::lookup(name)
        .unwrap_or_else(|| panic!("quality.json names an unknown metric `{name}`"));
    let number = ["threshold", "q"]
        .iter()
        .map(|key| &case["params"][key])
        .find(|v| !v.is_null())
        .map(number);
    let params = Params {
        number,
        ..Params::default()
    };
    let whole = rows(spec, columns, 0..usize::MAX)?;
    let value = spec.kernel.value(&whole, &params);
    let len = whole.len();
    let cuts = [0, len / 3, 2 * len / 3, len];
    let mut state = spec.kernel.start(&params).expect("a one-sample kernel");
    let mut other = spec.kernel.start(&params).expect("a one-sample kernel");
    state.absorb(rows(spec, columns, cuts[0]..cuts[1])?);
    state.absorb(rows(spec, columns, cuts[1]..cuts[2])?);
    other.absorb(rows(spec, columns, cuts[2]..cuts[3])?);
    state.merge(other).expect("states of one metric merge");
    let chunked = state.finish(&spec.kernel, &params);
    match (&value, &chunked) {
        (Ok(a), Ok(b)) => assert!(
            a == b || (a - b).abs() <= 1e-12 * a.abs().max(1.0),
            "{}: {a:?} whole, {b:?} in chunks",
            case["name"]
        ),
        (a, b) => assert_eq!(a, b, "{}: whole and chunked differ", case["name"]),
    }
    if name == "quantile" {
        let mut sorted = columns.floats("values").to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let presorted = summary::quantile_sorted(&sorted, params.number()?);
        assert_eq!(
            value, presorted,
            "{}: quantile and quantile_sorted differ",
            case["name"]
        );
    }
    value
}

/// The rows `range` (clamped) of the columns a metric's parameters read, in parameter order.
fn rows<'c>(
    spec: &MetricSpec,
    columns: &'c Columns,
    range: std::ops::Range<usize>,
) -> MetricResult<Rows<'c>> {
    let cut = |len: usize| range.start.min(len)..range.end.min(len);
    let floats = |name: &str| {
        let column = columns.floats(name);
        &column[cut(column.len())]
    };
    let bools = |name: &str| {
        let column = columns.bools(name);
        &column[cut(column.len())]
    };
    let kinds: Vec<ParamKind> = spec
        .params
        .iter()
        .map(|p| p.kind)
        .filter(|k| *k != ParamKind::Number)
        .collect();
    match kinds.as_slice() {
        [ParamKind::Label, ParamKind::Column] => Rows::labelled(bools("label"), &[floats("score")]),
        [ParamKind::Column, ParamKind::Column] => {
            Rows::new(&[floats("target"), floats("prediction")])
        }
        [ParamKind::Predicate] => Rows::new(&[])?.with_flags(&[bools("mask")]),
        _ => Rows::new(&[floats("values")]),
    }
}

/// The columns of one dataset, by name.
#[derive(Default)]
struct Columns {
    floats: HashMap<String, Vec<f64>>,
    bools: HashMap<String, Vec<bool>>,
}

impl Columns {
    fn from_json(columns: &Value) -> Self {
        let mut out = Columns::default();
        for (name, values) in columns
            .as_object()
            .expect("a dataset is an object of columns")
        {
            let values = values.as_array().expect("a column is an array");
            if name == "label" || name == "mask" {
                let bools = values.iter().map(|v| v.as_u64() == Some(1)).collect();
                out.bools.insert(name.clone(), bools);
            } else {
                out.floats
                    .insert(name.clone(), values.iter().map(number).collect());
            }
        }
        out
    }

    /// Rebuilds a million-row dataset from its generator spec, as `generate()` in the script.
    fn generate(spec: &Value) -> Self {
        assert_eq!(
            spec["generator"], "splitmix64",
            "unknown generator in {spec}"
        );
        let seed = spec["seed"].as_u64().expect("a generator has a seed");
        let n = usize::try_from(spec["n"].as_u64().expect("a generator has n")).expect("n fits");
        let mut rng = SplitMix64(seed);
        let rows: Vec<(f64, f64)> = (0..n).map(|_| (rng.unit(), rng.unit())).collect();
        let floats = |f: fn(f64, f64) -> f64| rows.iter().map(|&(u, v)| f(u, v)).collect();
        let bools = |f: fn(f64, f64) -> bool| rows.iter().map(|&(u, v)| f(u, v)).collect();
        fn score(u: f64) -> f64 {
            (u * 1024.0).floor() / 1024.0
        }
        let mut out = Columns::default();
        match spec["columns"].as_str() {
            Some("binary") => {
                out.floats.insert("score".into(), floats(|u, _| score(u)));
                out.bools
                    .insert("label".into(), bools(|u, v| v < score(u) * score(u)));
            }
            Some("regression") => {
                out.floats.insert("target".into(), floats(|u, _| 100.0 * u));
                out.floats.insert(
                    "prediction".into(),
                    floats(|u, v| 100.0 * u + 20.0 * (v - 0.5)),
                );
            }
            Some("values") => {
                out.floats
                    .insert("values".into(), floats(|u, _| 1000.0 * u * u * u));
                out.bools.insert("mask".into(), bools(|_, v| v < 0.25));
            }
            _ => panic!("unknown generator columns in {spec}"),
        }
        out
    }

    fn floats(&self, name: &str) -> &[f64] {
        self.floats
            .get(name)
            .unwrap_or_else(|| panic!("the dataset has no column `{name}`"))
    }

    fn bools(&self, name: &str) -> &[bool] {
        self.bools
            .get(name)
            .unwrap_or_else(|| panic!("the dataset has no column `{name}`"))
    }
}
