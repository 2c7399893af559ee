//! Confidence bounds (`at 95%`): DeLong's test against committed reference values, and the
//! bootstrap's determinism and coverage.
//!
//! `tests/reference/delong.json` holds paired and unpaired cases computed exactly by
//! `tests/reference/delong_reference.py` from Sun and Xu's formulas (cross-checked there against
//! scikit-learn and a brute-force DeLong). Every case must match: AUROCs, variances, standard
//! errors, z and p within 1e-9 relative, undefined cases with the same `Undefined` variant.
//!
//! The coverage tests simulate 200 data sets with a known true difference and count how many
//! 95% bounds hold it, one-sided (`lower_bound(0.95) <= truth`, what a gate compares) and
//! two-sided (`lower_bound(0.975) <= truth <= upper_bound(0.975)`). Each count must lie in
//! 176..=198 (88%..99%); with a true rate of 95% a count outside that range has a probability
//! below 1%. The simulations are seeded, so the counts are the same on every run.

use crate::support::{SplitMix64, number, undefined_json};
use serde_json::Value;
use verdict::metrics::{MetricResult, Undefined, classification, regression, summary};
use verdict::stats::bootstrap::{
    BootstrapOptions, Percentiles, Rows, bootstrap_difference, bootstrap_metric,
};
use verdict::stats::delong::{
    AucComparison, Scored, auroc_variance, delong_paired, delong_unpaired,
};
use verdict::stats::normal;

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/delong.json");
const TOLERANCE: f64 = 1e-9;
/// Below this both p-values count as zero: the reference's `2 · norm.sf` and our `erfc`
/// underflow at slightly different points.
const TINY_P: f64 = 1e-300;

#[test]
fn delong_matches_the_reference_values() {
    let text = std::fs::read_to_string(REFERENCE).expect("tests/reference/delong.json is readable");
    let document: Value = serde_json::from_str(&text).expect("delong.json is valid JSON");
    let cases = document["cases"].as_array().expect("delong.json has cases");
    let mut failures = Vec::new();
    let mut worst = Worst::default();

    for case in cases {
        let name = case["name"].as_str().expect("a case has a name");
        let got = run_case(case, &mut failures);
        match (&case["expected"], &case["undefined"], got) {
            (Value::Object(expected), Value::Null, Ok(got)) => {
                compare(name, expected, &got, &mut worst, &mut failures)
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
        cases.len() >= 30,
        "only {} cases in delong.json",
        cases.len()
    );
    let failed_cases: std::collections::HashSet<&str> = failures
        .iter()
        .filter_map(|f| f.split(':').next())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from the reference:\n{}",
        failed_cases.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} DeLong reference cases match; largest errors:",
        cases.len()
    );
    for (field, (error, name)) in &worst.0 {
        eprintln!("  {field:<16} {error:e} ({name})");
    }
}

/// Runs the case; on the way checks that the AUROCs are bit-for-bit `auroc`'s and, unpaired,
/// that each side's variance is `auroc_variance`'s.
fn run_case(case: &Value, failures: &mut Vec<String>) -> MetricResult<AucComparison> {
    let name = case["name"].as_str().unwrap_or_default();
    let inputs = &case["inputs"];
    if case["kind"] == "paired" {
        let columns = Columns::paired(inputs);
        let (label, baseline) = (&columns.label, &columns.baseline);
        let result = delong_paired(label, &columns.score, baseline);
        if let Ok(r) = &result {
            same_auc(name, r.auc_tested, label, &columns.score, failures);
            same_auc(name, r.auc_baseline, label, baseline, failures);
        }
        result
    } else {
        let tested = Columns::side(&inputs["tested"]);
        let baseline = Columns::side(&inputs["baseline"]);
        let result = delong_unpaired(tested.scored(), baseline.scored());
        if let Ok(r) = &result {
            for (side, columns, auc, key) in [
                ("tested", &tested, r.auc_tested, "variance_tested"),
                ("baseline", &baseline, r.auc_baseline, "variance_baseline"),
            ] {
                same_auc(name, auc, &columns.label, &columns.score, failures);
                let variance = auroc_variance(&columns.label, &columns.score).map(|v| v.variance);
                let expected = case["expected"][key].as_f64();
                match (variance, expected) {
                    (Ok(v), Some(e)) if relative(v, e) <= TOLERANCE => {}
                    (v, e) => {
                        failures.push(format!("{name}: {side} variance {v:?}, expected {e:?}"))
                    }
                }
            }
        }
        result
    }
}

fn same_auc(name: &str, got: f64, label: &[bool], score: &[f64], failures: &mut Vec<String>) {
    let auroc = classification::auroc(label, score);
    if auroc != Ok(got) {
        failures.push(format!("{name}: AUROC {got:?} is not auroc's {auroc:?}"));
    }
}

fn compare(
    name: &str,
    expected: &serde_json::Map<String, Value>,
    got: &AucComparison,
    worst: &mut Worst,
    failures: &mut Vec<String>,
) {
    let e = |key: &str| expected[key].as_f64().expect("expected values are numbers");
    let bound_scale = e("difference").abs() + 3.0 * e("std_error");
    let mut fields = vec![
        (
            "auc_tested",
            got.auc_tested,
            relative(got.auc_tested, e("auc_tested")),
        ),
        (
            "auc_baseline",
            got.auc_baseline,
            relative(got.auc_baseline, e("auc_baseline")),
        ),
        (
            "difference",
            got.difference,
            relative(got.difference, e("difference")),
        ),
        (
            "variance",
            got.std_error.powi(2),
            relative(got.std_error.powi(2), e("variance")),
        ),
        (
            "std_error",
            got.std_error,
            relative(got.std_error, e("std_error")),
        ),
        ("z", got.z, relative(got.z, e("z"))),
    ];
    let p_error = if got.p_value < TINY_P && e("p_value") < TINY_P {
        0.0
    } else {
        relative(got.p_value, e("p_value"))
    };
    fields.push(("p_value", got.p_value, p_error));
    for (key, confidence) in [("0.95", 0.95), ("0.975", 0.975)] {
        for (side, bound) in [
            ("lower", got.lower_bound(confidence)),
            ("upper", got.upper_bound(confidence)),
        ] {
            let field = format!("{side}_{key}");
            let error = (bound - e(&field)).abs() / bound_scale;
            fields.push((leak(field), bound, error));
        }
    }
    for (field, value, error) in fields {
        worst.note(field, error, name);
        if error.is_nan() || error > TOLERANCE {
            failures.push(format!(
                "{name}: {field} = {value:?}, expected {:?}",
                expected[field]
            ));
        }
    }
}

/// Field names built at run time live for the whole test; there are four of them.
fn leak(field: String) -> &'static str {
    Box::leak(field.into_boxed_str())
}

fn relative(got: f64, expected: f64) -> f64 {
    if expected == 0.0 {
        got.abs()
    } else {
        (got - expected).abs() / expected.abs()
    }
}

/// The largest error seen per field, with the case it came from.
#[derive(Default)]
struct Worst(Vec<(&'static str, (f64, String))>);

impl Worst {
    fn note(&mut self, field: &'static str, error: f64, name: &str) {
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some((_, worst)) if error > worst.0 => *worst = (error, name.to_string()),
            Some(_) => {}
            None => self.0.push((field, (error, name.to_string()))),
        }
    }
}

fn labels(value: &Value) -> Vec<bool> {
    value
        .as_array()
        .expect("a label column is an array")
        .iter()
        .map(|v| v.as_u64() == Some(1))
        .collect()
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("a column is an array")
        .iter()
        .map(number)
        .collect()
}

/// A label column with one score column (a side of an unpaired case) or two (a paired case).
struct Columns {
    label: Vec<bool>,
    score: Vec<f64>,
    baseline: Vec<f64>,
}

impl Columns {
    fn scored(&self) -> Scored<'_> {
        Scored {
            label: &self.label,
            score: &self.score,
        }
    }

    /// A paired case's label, tested and baseline columns, stored or generated.
    fn paired(inputs: &Value) -> Self {
        if inputs["generator"].is_string() {
            return Columns::generate(inputs);
        }
        Columns {
            label: labels(&inputs["label"]),
            score: floats(&inputs["tested"]),
            baseline: floats(&inputs["baseline"]),
        }
    }

    /// One side of an unpaired case: stored `label` and `score`, or a generator spec whose
    /// `score` names the generated column to score with.
    fn side(inputs: &Value) -> Self {
        if !inputs["generator"].is_string() {
            return Columns {
                label: labels(&inputs["label"]),
                score: floats(&inputs["score"]),
                baseline: Vec::new(),
            };
        }
        let mut columns = Columns::generate(inputs);
        if inputs["score"] == "baseline" {
            std::mem::swap(&mut columns.score, &mut columns.baseline);
        }
        columns
    }

    /// The `delong` columns of delong.json's generator: three splitmix64 draws per row.
    fn generate(spec: &Value) -> Self {
        assert_eq!(
            spec["generator"], "splitmix64",
            "unknown generator in {spec}"
        );
        assert_eq!(spec["columns"], "delong", "unknown columns in {spec}");
        let seed = spec["seed"].as_u64().expect("a generator has a seed");
        let n = spec["n"].as_u64().expect("a generator has n");
        let mut rng = SplitMix64(seed);
        let mut columns = Columns {
            label: Vec::new(),
            score: Vec::new(),
            baseline: Vec::new(),
        };
        for _ in 0..n {
            let (u, v, w) = (rng.unit(), rng.unit(), rng.unit());
            columns.label.push(v < u * u);
            columns.score.push((u * 1024.0).floor() / 1024.0);
            columns
                .baseline
                .push(((0.99 * u + 0.01 * w) * 1024.0).floor() / 1024.0);
        }
        columns
    }
}

// ---------------------------------------------------------------------------------------------
// The bootstrap.

#[test]
fn bootstrap_is_deterministic_and_seeded() {
    let mut rng = SplitMix64(3);
    let label: Vec<bool> = (0..3000).map(|_| rng.unit() < 0.05).collect();
    let tested: Vec<f64> = label
        .iter()
        .map(|&l| f64::from(u8::from(l)) + rng.normal())
        .collect();
    let baseline: Vec<f64> = tested
        .iter()
        .map(|s| 0.8 * s + 0.5 * rng.normal())
        .collect();
    let recall = |rows: &Rows<'_>| classification::recall(rows.label(), rows.float(0), 0.5);
    let rows = |score| Rows::labelled(&label, &[score]).expect("equal lengths");
    let (t, b) = (rows(&tested), rows(&baseline));
    let run = |seed, paired, max_rows| {
        let options = BootstrapOptions {
            resamples: 300,
            seed,
            paired,
            max_rows,
        };
        bootstrap_difference(&t, &b, recall, &options).expect("recall is defined")
    };
    for (paired, max_rows) in [(true, None), (false, None), (true, Some(1000))] {
        let first = run(7, paired, max_rows);
        assert_eq!(
            first,
            run(7, paired, max_rows),
            "paired {paired}, max_rows {max_rows:?}"
        );
        assert_ne!(
            first.replicates(),
            run(8, paired, max_rows).replicates(),
            "another seed must give other replicates (paired {paired}, max_rows {max_rows:?})"
        );
        assert!(first.lower_bound(0.95) <= first.difference);
        assert!(first.difference <= first.upper_bound(0.95));
    }

    // One slice, unlabelled: the same again.
    let values = Rows::new(&[&tested]).expect("one column");
    let p99 = |rows: &Rows<'_>| summary::quantile(rows.float(0), 0.99);
    let options = BootstrapOptions {
        seed: 11,
        ..BootstrapOptions::default()
    };
    let first = bootstrap_metric(&values, p99, &options).expect("p99 is defined");
    assert_eq!(
        first,
        bootstrap_metric(&values, p99, &options).expect("p99 is defined")
    );
    assert_eq!(first.replicates().len(), 1000);
    let other = BootstrapOptions {
        seed: 12,
        ..options
    };
    assert_ne!(
        first,
        bootstrap_metric(&values, p99, &other).expect("p99 is defined")
    );
}

#[test]
fn bootstrap_reports_why_it_cannot_bound() {
    let x = [1.0, 2.0, 3.0];
    let y = [1.0, 2.0];
    let rmse = |rows: &Rows<'_>| regression::rmse(rows.float(0), rows.float(1));
    assert!(matches!(
        Rows::new(&[&x, &y]),
        Err(Undefined::LengthMismatch { left: 3, right: 2 })
    ));
    let (a, b) = (Rows::new(&[&x, &x]).unwrap(), Rows::new(&[&y, &y]).unwrap());
    let paired = BootstrapOptions {
        paired: true,
        ..BootstrapOptions::default()
    };
    assert!(matches!(
        bootstrap_difference(&a, &b, rmse, &paired),
        Err(Undefined::LengthMismatch { .. })
    ));
    let none = BootstrapOptions {
        resamples: 0,
        ..BootstrapOptions::default()
    };
    assert!(matches!(
        bootstrap_difference(&a, &b, rmse, &none),
        Err(Undefined::OutOfRange { .. })
    ));
    let empty = Rows::new(&[&[], &[]]).unwrap();
    assert_eq!(
        bootstrap_difference(&a, &empty, rmse, &BootstrapOptions::default()),
        Err(Undefined::Empty)
    );
    // Precision at a threshold only one row reaches: some resamples have no prediction.
    let label = [true, false, true, false, true, false, true, false];
    let score = [0.9, 0.1, 0.2, 0.3, 0.4, 0.2, 0.1, 0.3];
    let rows = Rows::labelled(&label, &[&score]).unwrap();
    let precision = |rows: &Rows<'_>| classification::precision(rows.label(), rows.float(0), 0.5);
    assert!(matches!(
        bootstrap_metric(&rows, precision, &BootstrapOptions::default()),
        Err(Undefined::ZeroDenominator { .. })
    ));
}

/// How many of 200 simulated bounds hold the truth: (one-sided lower 95%, two-sided 95%).
fn coverage(mut simulate: impl FnMut(u64) -> (f64, f64, f64), truth: f64) -> (u32, u32) {
    let (mut one_sided, mut two_sided) = (0, 0);
    for run in 0..200 {
        let (lower_95, lower_975, upper_975) = simulate(run);
        one_sided += u32::from(lower_95 <= truth);
        two_sided += u32::from(lower_975 <= truth && truth <= upper_975);
    }
    (one_sided, two_sided)
}

fn assert_coverage(what: &str, (one_sided, two_sided): (u32, u32)) {
    eprintln!(
        "{what}: one-sided 95% bounds hold the truth {one_sided}/200, two-sided {two_sided}/200"
    );
    for (kind, count) in [("one-sided", one_sided), ("two-sided", two_sided)] {
        assert!(
            (176..=198).contains(&count),
            "{what}: {kind} 95% bounds hold the true difference in {count} of 200 runs"
        );
    }
}

#[test]
fn bootstrap_bounds_cover_the_true_difference() {
    // Means of two independent normal samples, N(0.3, 1) against N(0, 2²): the truth is 0.3.
    let mean = |rows: &Rows<'_>| summary::mean(rows.float(0));
    let options = |run| BootstrapOptions {
        seed: run,
        ..BootstrapOptions::default()
    };
    let counts = coverage(
        |run| {
            let mut rng = SplitMix64(1000 + run);
            let t: Vec<f64> = (0..120).map(|_| 0.3 + rng.normal()).collect();
            let b: Vec<f64> = (0..80).map(|_| 2.0 * rng.normal()).collect();
            let (t, b) = (Rows::new(&[&t]).unwrap(), Rows::new(&[&b]).unwrap());
            let d = bootstrap_difference(&t, &b, mean, &options(run)).unwrap();
            (
                d.lower_bound(0.95),
                d.lower_bound(0.975),
                d.upper_bound(0.975),
            )
        },
        0.3,
    );
    assert_coverage("unpaired means", counts);

    // The same, subsampled: 2000 rows a side, 400 drawn per resample and rescaled.
    let counts = coverage(
        |run| {
            let mut rng = SplitMix64(5000 + run);
            let t: Vec<f64> = (0..2000).map(|_| 0.3 + rng.normal()).collect();
            let b: Vec<f64> = (0..2000).map(|_| 2.0 * rng.normal()).collect();
            let (t, b) = (Rows::new(&[&t]).unwrap(), Rows::new(&[&b]).unwrap());
            let subsampled = BootstrapOptions {
                max_rows: Some(400),
                ..options(run)
            };
            let d = bootstrap_difference(&t, &b, mean, &subsampled).unwrap();
            (
                d.lower_bound(0.95),
                d.lower_bound(0.975),
                d.upper_bound(0.975),
            )
        },
        0.3,
    );
    assert_coverage("unpaired means, subsampled", counts);

    // Recall at 0 of two scorers on the same rows, resampled in pairs within each class: a
    // positive's score is μ + noise, so recall is Φ(μ); the noises are correlated (ρ = 0.6).
    let phi = normal::cdf;
    let recall = |rows: &Rows<'_>| classification::recall(rows.label(), rows.float(0), 0.0);
    let counts = coverage(
        |run| {
            let mut rng = SplitMix64(9000 + run);
            let label: Vec<bool> = (0..300).map(|_| rng.unit() < 0.3).collect();
            let (mut t, mut b) = (Vec::new(), Vec::new());
            for &l in &label {
                let (shared, own) = (rng.normal(), rng.normal());
                let other = 0.6 * shared + 0.8 * own;
                t.push(if l { 1.0 + shared } else { shared - 1.0 });
                b.push(if l { 0.5 + other } else { other - 1.0 });
            }
            let t = Rows::labelled(&label, &[&t]).unwrap();
            let b = Rows::labelled(&label, &[&b]).unwrap();
            let paired = BootstrapOptions {
                paired: true,
                ..options(run)
            };
            let d = bootstrap_difference(&t, &b, recall, &paired).unwrap();
            (
                d.lower_bound(0.95),
                d.lower_bound(0.975),
                d.upper_bound(0.975),
            )
        },
        phi(1.0) - phi(0.5),
    );
    assert_coverage("paired stratified recall", counts);
}

#[test]
fn delong_bounds_cover_the_true_difference() {
    // Binormal scorers, positives shifted by μ with unit noise: AUROC = Φ(μ / √2).
    let auc = |mu: f64| normal::cdf(mu / std::f64::consts::SQRT_2);
    let truth = auc(1.2) - auc(1.0);
    let bounds = |c: AucComparison| {
        (
            c.lower_bound(0.95),
            c.lower_bound(0.975),
            c.upper_bound(0.975),
        )
    };
    let counts = coverage(
        |run| {
            let mut rng = SplitMix64(20_000 + run);
            let label: Vec<bool> = (0..400).map(|_| rng.unit() < 0.3).collect();
            let (mut t, mut b) = (Vec::new(), Vec::new());
            for &l in &label {
                let (shared, own) = (rng.normal(), rng.normal());
                let shift = f64::from(u8::from(l));
                t.push(1.2 * shift + shared);
                b.push(1.0 * shift + 0.5 * shared + 0.75_f64.sqrt() * own);
            }
            bounds(delong_paired(&label, &t, &b).unwrap())
        },
        truth,
    );
    assert_coverage("DeLong paired", counts);

    let counts = coverage(
        |run| {
            let mut rng = SplitMix64(30_000 + run);
            let mut side = |n, mu: f64| -> (Vec<bool>, Vec<f64>) {
                let label: Vec<bool> = (0..n).map(|_| rng.unit() < 0.3).collect();
                let score = label
                    .iter()
                    .map(|&l| mu * f64::from(u8::from(l)) + rng.normal())
                    .collect();
                (label, score)
            };
            let (t, b) = (side(300, 1.2), side(250, 1.0));
            bounds(delong_unpaired(scored(&t), scored(&b)).unwrap())
        },
        truth,
    );
    assert_coverage("DeLong unpaired", counts);
}

fn scored((label, score): &(Vec<bool>, Vec<f64>)) -> Scored<'_> {
    Scored { label, score }
}
