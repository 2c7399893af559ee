//! The drift metrics (`psi`, `kl`, `js`, `wasserstein`, `ks`, `kstwo_sf`, `chisquare`, `z`, on
//! numbers and on text categories) and the test `auto` picks per column, against the values
//! Evidently 0.7.23 and scipy 1.17 compute on the same samples, committed in
//! `tests/reference/drift.json` by `tests/reference/drift_reference.py` (whose docstring defines
//! every field). Each value must agree to `1e-9 * max(1, |expected|)`; undefined cases must give
//! the same `Undefined` variant.

use std::sync::OnceLock;

use serde_json::Value;
use verdict::ast::CmpOp;
use verdict::metrics::MetricResult;
use verdict::metrics::auto::{self, Storage};
use verdict::metrics::binning::Bins;
use verdict::metrics::binning::Categories;
use verdict::metrics::binning::{Buckets, distinct_up_to, text_buckets};
use verdict::metrics::divergence::{js, kl, wasserstein, wasserstein_sorted};
use verdict::metrics::divergence::{js_from_buckets, kl_from_buckets};
use verdict::metrics::frequency::{chisquare, chisquare_from_buckets, z, z_from_buckets};
use verdict::metrics::kernel::{Kernel, Params, Side, TwoSample};
use verdict::metrics::kolmogorov::kstwo_sf;
use verdict::metrics::ks::{Ks, ks_2samp, ks_2samp_sorted};
use verdict::metrics::psi::{psi, psi_from_buckets};
use verdict::metrics::registry::{self, MetricId};

const TOLERANCE: f64 = 1e-9;

struct Case {
    name: String,
    quantile_bins: Bins,
    reference: Vec<f64>,
    current: Vec<f64>,
    /// The same samples in ascending order, for the `_sorted` variants.
    reference_sorted: Vec<f64>,
    current_sorted: Vec<f64>,
    expected: Value,
}

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/drift.json");
        let text = std::fs::read_to_string(path).expect("tests/reference/drift.json is readable");
        serde_json::from_str(&text).expect("drift.json is valid JSON")
    })
}

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        document()["cases"]
            .as_array()
            .expect("`cases` is an array")
            .iter()
            .map(|case| {
                let reference = sample(&case["reference"]);
                let current = sample(&case["current"]);
                Case {
                    name: case["name"].as_str().unwrap_or("?").to_string(),
                    quantile_bins: Bins::Quantile(
                        case["quantile_bins"].as_u64().expect("quantile_bins") as usize,
                    ),
                    reference_sorted: ascending(&reference),
                    current_sorted: ascending(&current),
                    reference,
                    current,
                    expected: case["expected"].clone(),
                }
            })
            .collect()
    })
}

/// Floats are stored as strings holding Python's repr, which Rust parses to the same double.
fn float(value: &Value) -> f64 {
    let text = value.as_str().expect("floats are stored as strings");
    text.parse()
        .unwrap_or_else(|_| panic!("`{text}` is not a float"))
}

fn sample(parts: &Value) -> Vec<f64> {
    let mut values = Vec::new();
    for part in parts.as_array().expect("a sample is a list of parts") {
        if let Some(stored) = part.get("values") {
            values.extend(
                stored
                    .as_array()
                    .expect("values is a list")
                    .iter()
                    .map(float),
            );
        } else {
            values.extend(generated(part));
        }
    }
    values
}

/// The generator spec of drift_reference.py: `shift + scale * u_i`, or
/// `shift + scale * floor(u_i * levels)`, with `u_i` from SplitMix64.
fn generated(spec: &Value) -> Vec<f64> {
    assert_eq!(spec["generator"], "splitmix64");
    let seed = spec["seed"].as_u64().expect("seed");
    let n = spec["n"].as_u64().expect("n");
    let scale = spec["scale"].as_f64().expect("scale");
    let shift = spec["shift"].as_f64().expect("shift");
    let levels = spec["levels"].as_f64();
    (1..=n)
        .map(|i| {
            let u = splitmix64_uniform(seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
            match levels {
                Some(k) => shift + scale * (u * k).floor(),
                None => shift + scale * u,
            }
        })
        .collect()
}

fn splitmix64_uniform(state: u64) -> f64 {
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * 2f64.powi(-53)
}

/// Compares results with their expected values and reports every mismatch at once.
#[derive(Default)]
struct Report {
    checked: usize,
    worst: f64,
    failures: Vec<String>,
}

impl Report {
    fn value(&mut self, what: &str, got: MetricResult<f64>, expected: &Value) {
        self.checked += 1;
        if let Some(variant) = expected.get("undefined").and_then(Value::as_str) {
            match &got {
                Err(e) if format!("{e:?}").starts_with(variant) => {}
                _ => self.failures.push(format!(
                    "{what}: got {got:?}, expected Undefined::{variant}"
                )),
            }
            return;
        }
        let want = float(expected);
        match got {
            Ok(value) => {
                let error = (value - want).abs() / want.abs().max(1.0);
                if error.is_nan() || error > TOLERANCE {
                    self.failures.push(format!(
                        "{what}: got {value:e}, expected {want:e} (error {error:e})"
                    ));
                }
                self.worst = self.worst.max(error);
            }
            Err(e) => self
                .failures
                .push(format!("{what}: got {e:?}, expected {want:e}")),
        }
    }

    /// `value` with a purely relative tolerance, for p-values and test statistics, whose small
    /// values matter as much as their large ones.
    fn relative(&mut self, what: &str, got: MetricResult<f64>, expected: &Value) {
        self.checked += 1;
        let want = float(expected);
        match got {
            Ok(value) if value == want => {}
            Ok(value) => {
                let error = (value - want).abs() / want.abs();
                if error.is_nan() || error > TOLERANCE {
                    self.failures.push(format!(
                        "{what}: got {value:e}, expected {want:e} (relative error {error:e})"
                    ));
                }
                self.worst = self.worst.max(error);
            }
            Err(e) => self
                .failures
                .push(format!("{what}: got {e:?}, expected {want:e}")),
        }
    }

    fn ks(&mut self, what: &str, got: MetricResult<Ks>, expected: &Value) {
        if expected.get("undefined").is_some() {
            self.value(what, got.map(|k| k.statistic), expected);
            return;
        }
        let statistic = got.clone().map(|k| k.statistic);
        self.value(
            &format!("{what}.statistic"),
            statistic,
            &expected["statistic"],
        );
        self.value(
            &format!("{what}.pvalue"),
            got.map(|k| k.pvalue),
            &expected["pvalue"],
        );
    }

    fn finish(self, test: &str) {
        eprintln!(
            "{test}: {} values checked, worst relative error {:e}",
            self.checked, self.worst
        );
        assert!(
            self.failures.is_empty(),
            "{} of {} values differ from the reference:\n{}",
            self.failures.len(),
            self.checked,
            self.failures.join("\n")
        );
    }
}

fn ascending(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    sorted
}

#[test]
fn psi_matches_evidently() {
    let mut report = Report::default();
    for c in cases() {
        let (r, cur, e) = (&c.reference, &c.current, &c.expected);
        report.value(
            &format!("{} psi", c.name),
            psi(r, cur, Bins::Evidently),
            &e["psi"],
        );
        let quantile = psi(r, cur, c.quantile_bins);
        report.value(
            &format!("{} psi quantile", c.name),
            quantile,
            &e["psi_quantile"],
        );
    }
    report.finish("psi");
}

#[test]
fn kl_and_js_match_evidently() {
    let mut report = Report::default();
    for c in cases() {
        let (r, cur, e, q) = (&c.reference, &c.current, &c.expected, c.quantile_bins);
        report.value(
            &format!("{} kl", c.name),
            kl(r, cur, Bins::Evidently),
            &e["kl"],
        );
        report.value(
            &format!("{} kl quantile", c.name),
            kl(r, cur, q),
            &e["kl_quantile"],
        );
        report.value(
            &format!("{} js", c.name),
            js(r, cur, Bins::Evidently),
            &e["js"],
        );
        report.value(
            &format!("{} js quantile", c.name),
            js(r, cur, q),
            &e["js_quantile"],
        );
    }
    report.finish("kl, js");
}

#[test]
fn wasserstein_matches_evidently() {
    let mut report = Report::default();
    for c in cases() {
        let expected = &c.expected["wasserstein"];
        let got = wasserstein(&c.reference, &c.current);
        report.value(&format!("{} wasserstein", c.name), got, expected);
        let got = wasserstein_sorted(&c.reference_sorted, &c.current_sorted);
        report.value(&format!("{} wasserstein sorted", c.name), got, expected);
    }
    report.finish("wasserstein");
}

#[test]
fn ks_matches_scipy() {
    let mut report = Report::default();
    for c in cases() {
        let expected = &c.expected["ks"];
        let got = ks_2samp(&c.reference, &c.current);
        report.ks(&format!("{} ks", c.name), got, expected);
        let got = ks_2samp_sorted(&c.reference_sorted, &c.current_sorted);
        report.ks(&format!("{} ks sorted", c.name), got, expected);
    }
    report.finish("ks");
}

#[test]
fn kstwo_sf_matches_scipy() {
    let mut report = Report::default();
    for point in document()["kstwo_sf"]
        .as_array()
        .expect("`kstwo_sf` is an array")
    {
        let n = point["n"].as_u64().expect("n");
        let d = float(&point["d"]);
        let what = format!("kstwo.sf({d}, {n}) [{}]", point["branch"]);
        report.value(&what, Ok(kstwo_sf(n, d)), &point["sf"]);
    }
    report.finish("kstwo_sf");
}

#[test]
fn chisquare_and_z_match_evidently() {
    let mut report = Report::default();
    for c in cases() {
        let (r, cur, e) = (&c.reference, &c.current, &c.expected);
        report.value(
            &format!("{} chisquare", c.name),
            chisquare(r, cur),
            &e["chisquare"],
        );
        report.value(&format!("{} z", c.name), z(r, cur), &e["z"]);
    }
    report.finish("chisquare, z");
}

/// A text sample: strings, `null` for a missing value.
fn texts(values: &Value) -> Vec<Option<&str>> {
    values
        .as_array()
        .expect("a text sample is a list")
        .iter()
        .map(Value::as_str)
        .collect()
}

fn buckets_of(reference: &Value, current: &Value) -> MetricResult<Buckets> {
    text_buckets(texts(reference), texts(current))
}

#[test]
fn text_categories_match_evidently() {
    let mut report = Report::default();
    for case in document()["categorical_cases"]
        .as_array()
        .expect("`categorical_cases` is an array")
    {
        let name = case["name"].as_str().unwrap_or("?");
        let buckets = buckets_of(&case["reference"], &case["current"]);
        let e = &case["expected"];
        let on = |f: fn(&Buckets) -> MetricResult<f64>| buckets.clone().and_then(|b| f(&b));
        report.value(&format!("{name} psi"), on(psi_from_buckets), &e["psi"]);
        report.value(&format!("{name} kl"), on(kl_from_buckets), &e["kl"]);
        report.value(&format!("{name} js"), on(js_from_buckets), &e["js"]);
        report.value(
            &format!("{name} chisquare"),
            on(chisquare_from_buckets),
            &e["chisquare"],
        );
        report.value(&format!("{name} z"), on(z_from_buckets), &e["z"]);
    }
    report.finish("text categories");
}

/// A typed auto sample as numbers: floats as repr strings, ints, booleans as 0/1, null as NaN.
fn numbers(values: &Value) -> Vec<f64> {
    values
        .as_array()
        .expect("a sample is a list")
        .iter()
        .map(|v| match v {
            Value::String(_) => float(v),
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Null => f64::NAN,
            v => v.as_f64().expect("a number"),
        })
        .collect()
}

/// Evidently's names of the tests `auto` picks.
fn evidently_name(id: MetricId) -> &'static str {
    match id {
        MetricId::Ks => "ks",
        MetricId::Chisquare => "chisquare",
        MetricId::Z => "z",
        MetricId::Js => "jensenshannon",
        MetricId::Wasserstein => "wasserstein",
        _ => "?",
    }
}

#[test]
fn auto_picks_the_test_evidently_picks() {
    let mut report = Report::default();
    let mut wrong = Vec::new();
    for case in document()["auto_cases"]
        .as_array()
        .expect("`auto_cases` is an array")
    {
        let name = case["name"].as_str().unwrap_or("?");
        let e = &case["expected"];
        let (picked, score) = if case["dtype"] == "str" {
            let buckets = buckets_of(&case["reference"], &case["current"]);
            let union = buckets.as_ref().map_or(0, |b| b.reference.len());
            let rows = texts(&case["reference"]).iter().flatten().count();
            let picked = auto::pick(Storage::Text, 0, 0, union, rows);
            let score = buckets.and_then(|b| match picked.id {
                MetricId::Chisquare => chisquare_from_buckets(&b),
                MetricId::Z => z_from_buckets(&b),
                _ => js_from_buckets(&b),
            });
            (picked, score)
        } else {
            let (r, c) = (numbers(&case["reference"]), numbers(&case["current"]));
            let storage = match case["dtype"].as_str() {
                Some("bool") => Storage::Bool,
                Some("int") if c.iter().all(|v| !v.is_nan()) => Storage::Integer,
                _ => Storage::Float,
            };
            let limit = auto::FEW_VALUES;
            let picked = auto::pick(
                storage,
                distinct_up_to(r.iter().copied(), limit),
                distinct_up_to(c.iter().copied(), limit),
                distinct_up_to(r.iter().chain(&c).copied(), limit),
                r.iter().filter(|v| v.is_finite()).count(),
            );
            let score = match picked.id {
                MetricId::Ks => ks_2samp(&r, &c).map(|k| k.pvalue),
                MetricId::Chisquare => chisquare(&r, &c),
                MetricId::Z => z(&r, &c),
                MetricId::Js => js(&r, &c, Bins::Evidently),
                _ => wasserstein(&r, &c),
            };
            (picked, score)
        };
        if evidently_name(picked.id) != e["test"] {
            wrong.push(format!(
                "{name}: picked {:?}, Evidently {}",
                picked.id, e["test"]
            ));
            continue;
        }
        report.value(
            &format!("{name} threshold"),
            Ok(picked.default.threshold),
            &e["threshold"],
        );
        let drifted = score.as_ref().ok().map(|&s| {
            let t = picked.default.threshold;
            !match picked.default.op {
                CmpOp::Gt => s > t,
                CmpOp::Ge => s >= t,
                CmpOp::Lt => s < t,
                op => panic!("unexpected default comparison {op:?}"),
            }
        });
        if drifted != e["drifted"].as_bool() {
            wrong.push(format!(
                "{name}: drifted {drifted:?}, Evidently {}",
                e["drifted"]
            ));
        }
        report.value(&format!("{name} {}", e["test"]), score, &e["score"]);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    report.finish("auto");
}

/// Evidently's other stat tests (`stattest_cases`), each through its registry entry's kernel,
/// as a drift check computes it: numbers as one run per side, text as counts per category.
#[test]
fn stattests_match_evidently_through_their_kernels() {
    let mut report = Report::default();
    for case in document()["stattest_cases"]
        .as_array()
        .expect("`stattest_cases` is an array")
    {
        let name = case["name"].as_str().unwrap_or("?");
        let (reference, current) = (
            sample_or_empty(case, "reference"),
            sample_or_empty(case, "current"),
        );
        let (r, c) = if case["kind"] == "text" {
            let side = |values: &Value| {
                let mut counts = Categories::default();
                counts.absorb(texts(values));
                Side::Categories(counts)
            };
            (side(&case["reference"]), side(&case["current"]))
        } else {
            (
                Side::Numbers(vec![reference.as_slice()]),
                Side::Numbers(vec![current.as_slice()]),
            )
        };
        for (metric, expected) in case["expected"].as_object().expect("expected is a map") {
            let compared =
                stattest(metric).and_then(|test| test.compare(&r, &c, &Params::default()));
            let what = format!("{name} {metric}");
            if expected.get("undefined").is_some() {
                report.value(&what, compared.map(|v| v.statistic), expected);
                continue;
            }
            let statistic = compared.clone().map(|v| v.statistic);
            if expected.get("p").is_some() {
                report.relative(
                    &format!("{what}.statistic"),
                    statistic,
                    &expected["statistic"],
                );
                let p = compared.and_then(|v| v.p_value.ok_or(verdict::metrics::Undefined::Empty));
                report.relative(&format!("{what}.p"), p, &expected["p"]);
            } else {
                report.value(&what, statistic, &expected["statistic"]);
            }
        }
    }
    report.finish("Evidently's other stat tests");
}

fn sample_or_empty(case: &Value, side: &str) -> Vec<f64> {
    if case["kind"] == "text" {
        Vec::new()
    } else {
        sample(&case[side])
    }
}

/// The two-sample kernel a registry name stands for.
fn stattest(name: &str) -> MetricResult<TwoSample> {
    match registry::lookup(name).map(|spec| spec.kernel) {
        Some(Kernel::TwoSample(test)) => Ok(test),
        other => panic!("`{name}` is not a two-sample metric in the registry: {other:?}"),
    }
}
