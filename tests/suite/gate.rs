//! `verdict gate` on the bundled samples and on broken slices: exit codes, JSON, messages.

use polars::prelude::*;

use crate::support::{TempDir, Verdict};

const NOW: &str = "2026-11-26T00:00:00Z";
const SEED_POLICY: &str = "policies/risk-classifier.policy";

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn gate(extra: &[&str]) -> crate::support::Run {
    Verdict::new()
        .args([
            "gate",
            SEED_POLICY,
            "--gate",
            "promote",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .args(extra)
        .run()
}

#[test]
fn the_better_challenger_passes_with_every_value_reported() {
    let run = gate(&[]).expect_code(0);
    let report = json(&run.stdout);
    assert_eq!(report["schema"], "verdict.report/v1");
    assert_eq!(report["verdict"], "pass");
    let checks = report["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 6);
    for check in checks {
        assert!(check["challenger"].is_number(), "{check}");
        assert!(check["threshold"].is_number(), "{check}");
        assert!(
            ["pass", "warn"].contains(&check["status"].as_str().unwrap_or("")),
            "{check}"
        );
    }
    assert_eq!(checks[0]["source"]["line"], 25);
    assert!(checks[0]["champion"].is_number());
    let data = report["data"].as_array().expect("data");
    assert_eq!(data[0]["slice"], "champion");
    assert_eq!(data[0]["sha256"].as_str().map(str::len), Some(64));
    assert!(report["data"][2]["slice"] == "reference");
}

#[test]
fn the_regressed_challenger_is_blocked_with_reasons() {
    let run = gate(&["--challenger", "datasets/risk/challenger-regressed.parquet"]).expect_code(1);
    let report = json(&run.stdout);
    assert_eq!(report["verdict"], "fail");
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "fail")
        .filter_map(|c| c["metric"].as_str())
        .collect();
    assert!(failed.contains(&"auroc"), "{failed:?}");
    assert!(failed.contains(&"p99"), "{failed:?}");
    assert!(failed.contains(&"max"), "{failed:?}");
    let human = Verdict::new()
        .args(["gate", SEED_POLICY, "--gate", "promote", "--now", NOW])
        .args(["--challenger", "datasets/risk/challenger-regressed.parquet"])
        .run()
        .expect_code(1);
    assert!(human.stdout.starts_with("BLOCKED"), "{}", human.stdout);
    assert!(
        human
            .stdout
            .contains("✘ auroc(label, score) >= champion * 1.0"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("line 25: auroc = "),
        "{}",
        human.stdout
    );
}

#[test]
fn markdown_and_report_files() {
    let dir = TempDir::new("gate-report");
    let run = Verdict::new()
        .args([
            "gate",
            SEED_POLICY,
            "--gate",
            "promote",
            "--now",
            NOW,
            "--format",
            "markdown",
        ])
        .args(["--report", &dir.0.display().to_string()])
        .run()
        .expect_code(0);
    assert!(
        run.stdout
            .contains("| ✅ | `auroc(label, score) >= champion * 1.0` (line 25) |"),
        "{}",
        run.stdout
    );
    let written = std::fs::read_to_string(dir.0.join("report.json")).expect("report.json");
    assert_eq!(json(&written)["verdict"], "pass");
    assert!(dir.0.join("report.md").exists());
}

#[test]
fn stale_data_is_an_error_naming_the_slice_and_its_newest_row() {
    let run = Verdict::new()
        .args([
            "gate",
            SEED_POLICY,
            "--gate",
            "promote",
            "--now",
            "2027-01-01T00:00:00Z",
            "--format",
            "json",
        ])
        .run()
        .expect_code(2);
    let report = json(&run.stdout);
    assert_eq!(report["verdict"], "error");
    let message = report["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("slice `champion` is stale: its newest `ts` is 2026-11-25T"),
        "{message}"
    );
}

/// A small slice like the samples, with `edit` applied, written to `dir`.
pub fn broken_slice(
    dir: &TempDir,
    name: &str,
    edit: impl FnOnce(DataFrame) -> PolarsResult<DataFrame>,
) -> String {
    let source = LazyFrame::scan_parquet(
        PlRefPath::new("datasets/risk/challenger.parquet"),
        ScanArgsParquet::default(),
    )
    .and_then(|lf| lf.collect())
    .expect("read the sample");
    let mut frame = edit(source).expect("edit the slice");
    let path = dir.0.join(name);
    let file = std::fs::File::create(&path).expect("create");
    ParquetWriter::new(file)
        .finish(&mut frame)
        .expect("write parquet");
    path.display().to_string()
}

/// Replaces row `row` of a column with `value` (an f64, i8 or i64 literal column of one row).
fn set_row(
    df: DataFrame,
    column: &str,
    row: usize,
    value: AnyValue<'static>,
) -> PolarsResult<DataFrame> {
    let mut series = df.column(column)?.as_materialized_series().clone();
    let mut values: Vec<AnyValue<'static>> = series.iter().map(|v| v.into_static()).collect();
    values[row] = value;
    series = Series::from_any_values_and_dtype(column.into(), &values, series.dtype(), true)?;
    let mut df = df;
    df.with_column(series.into_column())?;
    Ok(df)
}

fn error_of(extra: &[&str]) -> String {
    let run = gate(extra).expect_code(2);
    let report = json(&run.stdout);
    assert_eq!(report["verdict"], "error");
    format!(
        "{}\n{}",
        report["errors"][0]["message"].as_str().unwrap_or(""),
        run.stderr
    )
}

#[test]
fn a_missing_file_names_the_slice_and_path() {
    let message = error_of(&["--challenger", "datasets/risk/nope.parquet"]);
    assert!(
        message
            .contains("slice `challenger`: no parquet file matches `datasets/risk/nope.parquet`"),
        "{message}"
    );
}

#[test]
fn corrupt_parquet_names_the_file() {
    let dir = TempDir::new("corrupt");
    let path = dir.file("bad.parquet", b"PAR1 this is not parquet");
    let message = error_of(&["--challenger", &path]);
    assert!(
        message.contains("slice `challenger`: `") && message.contains("is not readable parquet"),
        "{message}"
    );
}

#[test]
fn a_missing_column_is_pointed_at_in_the_policy_with_a_suggestion() {
    let dir = TempDir::new("missing-column");
    let path = broken_slice(&dir, "s.parquet", |df| {
        df.lazy()
            .rename(["latency_ms"], ["latency"], true)
            .collect()
    });
    let message = error_of(&["--challenger", &path]);
    assert!(message.contains("has no column `latency_ms`"), "{message}");
    assert!(message.contains("did you mean `latency`?"), "{message}");
    assert!(message.contains("risk-classifier.policy:28:3"), "{message}");
}

#[test]
fn a_wrong_column_type_is_an_error() {
    let dir = TempDir::new("wrong-type");
    let path = broken_slice(&dir, "s.parquet", |df| {
        df.lazy()
            .with_column(col("memory_mb").cast(DataType::String))
            .collect()
    });
    let message = error_of(&["--challenger", &path]);
    assert!(
        message.contains("column `memory_mb` of slice `challenger`")
            && message.contains("a numeric column is needed"),
        "{message}"
    );
}

#[test]
fn nan_scores_make_the_check_an_error_not_a_pass() {
    let dir = TempDir::new("nan");
    let path = broken_slice(&dir, "s.parquet", |df| {
        set_row(df, "score", 7, AnyValue::Float64(f64::NAN))
    });
    let run = gate(&["--challenger", &path]).expect_code(2);
    let report = json(&run.stdout);
    let auroc = &report["checks"][0];
    assert_eq!(auroc["status"], "error");
    assert!(
        auroc["reason"].as_str().unwrap_or("").contains("NaN"),
        "{auroc}"
    );
}

#[test]
fn labels_outside_zero_one_are_an_error() {
    let dir = TempDir::new("labels");
    let path = broken_slice(&dir, "s.parquet", |df| {
        set_row(df, "label", 3, AnyValue::Int8(2))
    });
    let run = gate(&["--challenger", &path]).expect_code(2);
    let reason = json(&run.stdout)["checks"][0]["reason"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(reason.contains("label column `label` holds 2"), "{reason}");
}

#[test]
fn duplicate_join_keys_are_an_error() {
    let dir = TempDir::new("dupes");
    let path = broken_slice(&dir, "s.parquet", |df| {
        let first = df.column("request_id")?.get(0)?.into_static();
        set_row(df, "request_id", 5, first)
    });
    let message = error_of(&["--challenger", &path]);
    assert!(
        message.contains(
            "join on `request_id`: key `127000000` appears more than once in slice `challenger`"
        ),
        "{message}"
    );
}

#[test]
fn schemas_that_differ_are_an_error() {
    let dir = TempDir::new("schema");
    let path = broken_slice(&dir, "s.parquet", |df| {
        df.lazy()
            .with_column(col("latency_ms").cast(DataType::Float32))
            .collect()
    });
    let message = error_of(&["--challenger", &path]);
    assert!(
        message.contains(
            "column `latency_ms` is f64 in slice `champion` but f32 in slice `challenger`"
        ),
        "{message}"
    );
}

#[test]
fn too_few_rows_is_an_error_not_a_pass() {
    let dir = TempDir::new("few");
    let path = broken_slice(&dir, "s.parquet", |df| Ok(df.head(Some(500))));
    // Two files: the same file on both sides is refused before the row count is checked.
    let other = broken_slice(&dir, "t.parquet", |df| {
        df.head(Some(500))
            .lazy()
            .with_column(col("score") * lit(0.99))
            .collect()
    });
    let message = error_of(&["--challenger", &other, "--champion", &path]);
    assert!(
        message.contains("slice `champion` has 500 rows, the policy requires at least 10000"),
        "{message}"
    );
}

#[test]
fn all_rows_filtered_out_is_an_error() {
    let dir = TempDir::new("filtered");
    let path = broken_slice(&dir, "s.parquet", |df| {
        df.lazy()
            .with_column(
                lit(NULL)
                    .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                    .alias("ts"),
            )
            .collect()
    });
    let message = error_of(&["--challenger", &path]);
    assert!(
        message.contains("slice `challenger` is empty: no row has a timestamp in `ts`"),
        "{message}"
    );
}

#[test]
fn an_unknown_gate_name_is_an_error() {
    let run = Verdict::new()
        .args([
            "gate",
            SEED_POLICY,
            "--gate",
            "nope",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .run()
        .expect_code(2);
    assert!(json(&run.stdout)["errors"][0]["message"] == "the policy has no gate `nope`");
}

/// Both sample slices written again with `rows_per_group` rows per row group (polars then hands
/// out every column in as many chunks), with a NaN in a feature of the challenger and an
/// integer label, so that each way a column is read is exercised on chunked columns.
fn chunked_slices(dir: &TempDir, rows_per_group: Option<usize>) -> [String; 2] {
    ["champion", "challenger"].map(|side| {
        let source = LazyFrame::scan_parquet(
            PlRefPath::new(format!("datasets/risk/{side}.parquet")),
            ScanArgsParquet::default(),
        )
        .and_then(|lf| lf.collect())
        .expect("read the sample");
        let mut frame = if side == "challenger" {
            set_row(source, "f01", 2500, AnyValue::Float64(f64::NAN)).expect("set a NaN")
        } else {
            source
        };
        let path = dir.0.join(format!("{side}.parquet"));
        let file = std::fs::File::create(&path).expect("create");
        ParquetWriter::new(file)
            .with_row_group_size(rows_per_group)
            .finish(&mut frame)
            .expect("write parquet");
        path.display().to_string()
    })
}

#[test]
fn row_groups_change_no_value() {
    let policy = |[champion, challenger]: &[String; 2]| {
        format!(
            r#"model "risk-classifier"
data {{
  champion = parquet("{champion}")
  challenger = parquet("{challenger}")
}}
gate all {{
  auroc(label, score) >= champion - 1
  auprc(label, score) >= champion - 1
  brier(label, score) <= champion + 1
  psi(score) < 10
  psi(f01) < 10
  psi(status) < 10
  psi(amount, bins = quantile(10)) < 10
  kl(f02) < 10
  js(f03) < 10
  ks(score) < 1
  wasserstein(f04) < 100
  p99(latency_ms) <= champion * 10
  max(memory_mb) <= champion * 10
  mean(memory_mb) <= champion * 10
  std(f00) <= champion * 10
  rate(status >= 500) <= 1
}}
"#
        )
    };
    let values = |rows_per_group: Option<usize>| {
        let dir = TempDir::new("row-groups");
        let slices = chunked_slices(&dir, rows_per_group);
        let path = dir.file("p.policy", policy(&slices));
        let run = Verdict::new()
            .args(["gate", &path, "--format", "json"])
            .run()
            .expect_code(0);
        let report = json(&run.stdout);
        let checks = report["checks"].as_array().expect("checks").clone();
        checks
            .iter()
            .map(|c| (c["challenger"].clone(), c["champion"].clone()))
            .collect::<Vec<_>>()
    };
    let whole = values(None);
    assert_eq!(whole.len(), 16);
    assert!(whole.iter().all(|(a, _)| a.is_number()), "{whole:?}");
    assert_eq!(values(Some(1000)), whole);
}

/// The two metrics added through the kernel seam, end to end on the bundled samples; the
/// values are scikit-learn 1.9.1's on the same files (`mean_absolute_percentage_error` of
/// demand/prediction, `balanced_accuracy_score` of label against `score >= 0.5`).
#[test]
fn mape_and_balanced_accuracy_run_in_a_gate() {
    let dir = TempDir::new("new-metrics");
    let root = crate::support::root();
    let policy = |set: &str, check: &str| {
        let slice = |side: &str| root.join(format!("datasets/{set}/{side}.parquet"));
        dir.file(
            &format!("{set}.policy"),
            format!(
                "data {{\n  champion = parquet(\"{}\")\n  challenger = parquet(\"{}\")\n}}\ngate g {{\n  {check}\n}}\n",
                slice("champion").display(),
                slice("challenger").display()
            ),
        )
    };
    let run = |policy: String| {
        let args = ["gate", &policy, "--format", "json"];
        json(&Verdict::new().args(args).run().stdout)
    };
    let close = |value: &serde_json::Value, expected: f64| {
        let value = value.as_f64().expect("a number");
        assert!(
            (value - expected).abs() <= 1e-9 * expected,
            "{value} vs {expected}"
        );
    };
    let demand = run(policy("demand", "mape(demand, prediction) <= champion"));
    assert_eq!(demand["verdict"], "pass", "{demand}");
    close(&demand["checks"][0]["challenger"], 0.07424888431544815);
    close(&demand["checks"][0]["champion"], 0.08327519218390009);
    let risk = run(policy(
        "risk",
        "balanced_accuracy(label, score, 0.5) >= champion at 95%",
    ));
    let check = &risk["checks"][0];
    close(&check["challenger"], 0.6325082520488222);
    close(&check["champion"], 0.5907643605805442);
    assert_eq!(check["confidence"]["method"], "bootstrap", "{check}");
}
