//! `verdict drift` with each of Evidently's other stat tests (hellinger, TVD, ...) on the bundled
//! risk samples (`current-drifted.parquet` shifts `f00`, `score` and `amount`), and the inputs
//! each test must refuse: a wrong column kind, too few rows, all values equal.

use polars::prelude::*;

use crate::drift::{NOW, checks_of, drift_policy, json};
use crate::support::{TempDir, Verdict};

/// The check on `metric` in a run's checks.
fn check<'a>(checks: &'a [serde_json::Value], metric: &str) -> &'a serde_json::Value {
    checks
        .iter()
        .find(|c| c["metric"] == metric)
        .unwrap_or_else(|| panic!("no check `{metric}` in {checks:?}"))
}

#[test]
fn distances_compare_numbers_and_text_and_flag_the_shifted_column() {
    let dir = TempDir::new("drift-distances");
    let policy = drift_policy(
        &dir,
        "  hellinger(f01, segment) < 0.1\n  TVD(segment) < 0.1\n  ed(f01) <= 0.1\n  hellinger(f00) < 0.1\n",
    );
    let checks = checks_of(&policy, 1);
    for metric in [
        "hellinger(f01)",
        "hellinger(segment)",
        "TVD(segment)",
        "ed(f01)",
    ] {
        let c = check(&checks, metric);
        assert_eq!(c["status"], "pass", "{c}");
        assert_eq!(c["rows"][0], 12000, "{c}");
    }
    let f00 = check(&checks, "hellinger(f00)");
    assert_eq!(f00["drifted"], true, "{f00}");
    assert!(
        f00["challenger"].as_f64().is_some_and(|v| v >= 0.1),
        "{f00}"
    );
}

/// A drift policy over two small parquet slices written from `columns` (name, reference values,
/// current values), checked with `checks`; returns the JSON checks and errors of the run.
fn run_on(
    dir: &TempDir,
    columns: &[(&str, Vec<f64>, Vec<f64>)],
    checks: &str,
    code: i32,
) -> serde_json::Value {
    let write = |name: &str, reference: bool| {
        let series: Vec<Column> = columns
            .iter()
            .map(|(column, r, c)| Column::new((*column).into(), if reference { r } else { c }))
            .collect();
        let mut frame = DataFrame::new_infer_height(series).expect("a frame");
        let path = dir.0.join(name);
        ParquetWriter::new(std::fs::File::create(&path).expect("create"))
            .finish(&mut frame)
            .expect("write");
        path.display().to_string()
    };
    let (reference, current) = (
        write("reference.parquet", true),
        write("current.parquet", false),
    );
    let policy = dir.file(
        "p.policy",
        format!("data {{\n  reference = parquet(\"{reference}\")\n  current = parquet(\"{current}\")\n}}\ndrift {{\n{checks}}}\n"),
    );
    let run = Verdict::new()
        .args(["drift", &policy, "--format", "json"])
        .run()
        .expect_code(code);
    json(&run.stdout)
}

/// The reason of the one check in an erroring run.
fn reason_of(report: &serde_json::Value) -> String {
    let check = &report["checks"][0];
    assert_eq!(check["status"], "error", "{check}");
    check["reason"].as_str().unwrap_or("").to_string()
}

#[test]
fn location_tests_pass_on_the_same_law_and_flag_a_shift() {
    let dir = TempDir::new("drift-location");
    let policy = drift_policy(
        &dir,
        "  t_test(f01).p >= 0.05\n  t_test(amount).p >= 0.05\n  mannw(f01).p >= 0.05\n  mannw(amount).p >= 0.05\n",
    );
    let checks = checks_of(&policy, 1);
    for test in ["t_test", "mannw"] {
        let f01 = check(&checks, &format!("{test}(f01).p"));
        assert_eq!(f01["status"], "pass", "{f01}");
        let amount = check(&checks, &format!("{test}(amount).p"));
        assert_eq!(amount["drifted"], true, "{amount}");
        assert!(
            amount["p_value"].as_f64().is_some_and(|p| p < 0.05),
            "{amount}"
        );
    }
}

#[test]
fn numbers_only_tests_refuse_a_text_column_naming_it() {
    let dir = TempDir::new("drift-t-test-text");
    for test in ["ks", "t_test", "mannw", "ed"] {
        let field = if test == "ed" { "" } else { ".p" };
        let policy = drift_policy(&dir, &format!("  {test}(segment){field} >= 0.05\n"));
        let run = Verdict::new()
            .args(["drift", &policy, "--format", "json", "--now", NOW])
            .run()
            .expect_code(2);
        let message = json(&run.stdout)["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(
            message.contains("`segment`") && message.contains("a numeric column"),
            "{test}: {message}"
        );
    }
}

#[test]
fn location_tests_refuse_equal_values_naming_the_column() {
    let dir = TempDir::new("drift-flat");
    let cases = [
        ("t_test", "every value of both samples is the same"),
        ("mannw", "the U statistic has no variance"),
    ];
    for (test, why) in cases {
        let flat = run_on(
            &dir,
            &[("flat", vec![2.0; 6], vec![2.0; 5])],
            &format!("  {test}(flat).p >= 0.05\n"),
            2,
        );
        let reason = reason_of(&flat);
        assert!(
            reason.contains("`flat`") && reason.contains(why),
            "{test}: {reason}"
        );
    }
}

#[test]
fn t_test_refuses_too_few_rows_naming_the_column() {
    let dir = TempDir::new("drift-t-test-tiny");
    let tiny = run_on(
        &dir,
        &[("x", vec![1.0], vec![2.0])],
        "  t_test(x).p >= 0.05\n",
        2,
    );
    let reason = reason_of(&tiny);
    assert!(
        reason.contains("`x`") && reason.contains("at least 3 values"),
        "{reason}"
    );
}
