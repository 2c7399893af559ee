//! `verdict drift` on the bundled samples: no drift, drift, and inputs it must refuse.

use polars::prelude::*;

use crate::support::{TempDir, Verdict};

pub(crate) const NOW: &str = "2026-11-26T00:00:00Z";
const POLICY: &str = "policies/risk-classifier.policy";

fn drift(extra: &[&str]) -> crate::support::Run {
    Verdict::new()
        .args(["drift", POLICY, "--format", "json"])
        .args(extra)
        .run()
}

pub(crate) fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[test]
fn the_samples_have_not_drifted_and_every_column_is_reported() {
    let report = json(&drift(&["--now", NOW]).expect_code(0).stdout);
    assert_eq!(report["command"], "drift");
    assert_eq!(report["verdict"], "pass");
    let columns: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["column"].as_str())
        .collect();
    assert_eq!(columns, vec!["f00", "f01", "f02", "score", "amount"]);
    let ks = &report["checks"][4];
    assert_eq!(ks["metric"], "ks(amount).p");
    assert!(ks["p_value"].is_number() && ks["drifted"] == false, "{ks}");
    assert_eq!(ks["rows"][0], 12000);
    // The window keeps the last 24h of the current slice.
    assert_eq!(report["data"][1]["rows"], 1682);
}

#[test]
fn shifted_inputs_are_detected_with_the_drifted_columns_named() {
    let run = drift(&[
        "--now",
        NOW,
        "--current",
        "datasets/risk/current-drifted.parquet",
    ])
    .expect_code(1);
    let report = json(&run.stdout);
    assert_eq!(report["verdict"], "fail");
    let drifted: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["drifted"] == true)
        .filter_map(|c| c["metric"].as_str())
        .collect();
    assert_eq!(drifted, vec!["psi(f00)", "ks(amount).p", "share_drifted"]);
    let share = report["checks"]
        .as_array()
        .and_then(|c| c.last())
        .expect("share");
    assert_eq!(share["challenger"], 0.4);
    assert_eq!(share["reason"], "2 of 5 columns drifted (0.4), not <= 0.3");
}

#[test]
fn an_empty_window_is_an_error_not_no_drift() {
    let report = json(
        &drift(&["--now", "2026-12-24T00:00:00Z"])
            .expect_code(2)
            .stdout,
    );
    assert_eq!(report["verdict"], "error");
    let message = report["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("slice `champion` is empty: no row falls in the window 2026-12-23T00:00:00Z .. 2026-12-24T00:00:00Z on `ts`"), "{message}");
}

fn edited_reference(dir: &TempDir, edit: impl FnOnce(LazyFrame) -> LazyFrame) -> String {
    let mut frame = edit(
        LazyFrame::scan_parquet(
            PlRefPath::new("datasets/risk/reference.parquet"),
            ScanArgsParquet::default(),
        )
        .expect("scan the sample"),
    )
    .collect()
    .expect("edit the sample");
    let path = dir.0.join("reference.parquet");
    ParquetWriter::new(std::fs::File::create(&path).expect("create"))
        .finish(&mut frame)
        .expect("write");
    path.display().to_string()
}

#[test]
fn a_column_missing_on_one_side_is_named() {
    let dir = TempDir::new("drift-missing");
    let reference = edited_reference(&dir, |lf| lf.drop(cols(["amount"])));
    let run = drift(&["--now", NOW, "--reference", &reference]).expect_code(2);
    let message = json(&run.stdout)["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(message.contains("has no column `amount`"), "{message}");
    assert!(
        run.stderr.contains("risk-classifier.policy:48:3"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_all_nan_column_is_an_error_naming_it() {
    let dir = TempDir::new("drift-nan");
    let reference = edited_reference(&dir, |lf| lf.with_column(lit(f64::NAN).alias("f01")));
    let report = json(
        &drift(&["--now", NOW, "--reference", &reference])
            .expect_code(2)
            .stdout,
    );
    let f01 = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["column"] == "f01")
        .cloned()
        .expect("f01 outcome");
    assert_eq!(f01["status"], "error");
    assert!(
        f01["reason"]
            .as_str()
            .unwrap_or("")
            .contains("column `f01`"),
        "{f01}"
    );
    let share = report["checks"]
        .as_array()
        .and_then(|c| c.last())
        .expect("share");
    assert_eq!(share["status"], "error");
}

#[test]
fn a_type_that_differs_between_reference_and_current_is_an_error() {
    let dir = TempDir::new("drift-type");
    let reference = edited_reference(&dir, |lf| {
        lf.with_column(col("f02").cast(DataType::Float32))
    });
    let report = json(
        &drift(&["--now", NOW, "--reference", &reference])
            .expect_code(2)
            .stdout,
    );
    let message = report["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("column `f02` is f32 in slice `reference` but f64 in slice `champion`"),
        "{message}"
    );
}

#[test]
fn patterns_and_except_select_columns() {
    let dir = TempDir::new("drift-pattern");
    let policy = dir.file(
        "p.policy",
        "data {\n  reference = parquet(\"datasets/risk/reference.parquet\")\n  current = parquet(\"datasets/risk/champion.parquet\")\n}\ndrift {\n  psi(f*, except = [f03]) < 0.2\n  psi(*, except = [request_id, label, status, f00, f01, f02, f03, f04, amount]) < 0.2\n}\n",
    );
    let run = Verdict::new()
        .args(["drift", &policy, "--format", "json", "--now", NOW])
        .run()
        .expect_code(0);
    let columns: Vec<String> = json(&run.stdout)["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["column"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        columns,
        vec![
            "f00",
            "f01",
            "f02",
            "f04",
            "score",
            "latency_ms",
            "memory_mb",
            "segment"
        ]
    );
}

pub(crate) fn drift_policy(dir: &TempDir, checks: &str) -> String {
    dir.file(
        "p.policy",
        format!("data {{\n  reference = parquet(\"datasets/risk/reference.parquet\")\n  current = parquet(\"datasets/risk/current-drifted.parquet\")\n}}\ndrift {{\n{checks}}}\n"),
    )
}

pub(crate) fn checks_of(policy: &str, code: i32) -> Vec<serde_json::Value> {
    let run = Verdict::new()
        .args(["drift", policy, "--format", "json", "--now", NOW])
        .run()
        .expect_code(code);
    json(&run.stdout)["checks"]
        .as_array()
        .cloned()
        .expect("checks")
}

#[test]
fn text_columns_are_compared_per_category() {
    let dir = TempDir::new("drift-text");
    let policy = drift_policy(
        &dir,
        "  psi(segment) < 0.2\n  chisquare(segment) >= 0.05\n  z(segment).p >= 0.05\n  js(segment) < 0.1\n",
    );
    let checks = checks_of(&policy, 0);
    let metrics: Vec<&str> = checks.iter().filter_map(|c| c["metric"].as_str()).collect();
    assert_eq!(
        metrics,
        vec![
            "psi(segment)",
            "chisquare(segment)",
            "z(segment).p",
            "js(segment)"
        ]
    );
    for check in &checks {
        assert_eq!(check["status"], "pass", "{check}");
        assert_eq!(check["rows"][0], 12000, "{check}");
    }
    assert!(checks[1]["p_value"].is_number());
}

#[test]
fn a_numbers_only_test_on_a_text_column_is_refused_naming_it() {
    let dir = TempDir::new("drift-text-ks");
    let policy = drift_policy(&dir, "  ks(segment).p > 0.05\n");
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
        "{message}"
    );
}

#[test]
fn auto_picks_evidentlys_test_per_column_and_names_it() {
    let dir = TempDir::new("drift-auto");
    let policy = drift_policy(
        &dir,
        "  auto(*, except = [request_id, label, status])\n  share_drifted < 0.5\n",
    );
    // score, amount and f00 are shifted: their column checks fail, so the run exits 1.
    let checks = checks_of(&policy, 1);
    let metrics: Vec<&str> = checks.iter().filter_map(|c| c["metric"].as_str()).collect();
    // 12000 reference rows: Wasserstein for numbers, Jensen-Shannon for the text column.
    assert_eq!(
        metrics,
        vec![
            "wasserstein(score)",
            "wasserstein(latency_ms)",
            "wasserstein(memory_mb)",
            "js(segment)",
            "wasserstein(amount)",
            "wasserstein(f00)",
            "wasserstein(f01)",
            "wasserstein(f02)",
            "wasserstein(f03)",
            "wasserstein(f04)",
            "share_drifted"
        ]
    );
    let f00 = &checks[5];
    assert_eq!(
        f00["source"]["text"],
        "auto(*, except = [request_id, label, status])"
    );
    assert_eq!(
        (f00["op"].as_str(), f00["threshold"].as_f64()),
        (Some("<"), Some(0.1))
    );
    assert_eq!(f00["drifted"], true, "{f00}");
}
