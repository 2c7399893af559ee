//! Trustworthy comparisons end to end: `at` confidence bounds, `by` segments and the sanity
//! checks on the evaluation data, on the seeded samples (`challenger-lookalike`: the champion
//! retrained, ahead by noise; `challenger-segment-regressed`: better overall, worse on `uk`).

use polars::prelude::*;

use crate::gate::broken_slice;
use crate::support::{TempDir, Verdict};

const DATA: &str = r#"
data {
  champion = parquet("datasets/risk/champion.parquet")
  challenger = parquet("datasets/risk/challenger.parquet")
  reference = parquet("datasets/risk/reference.parquet")
  join on request_id
  recent 60d on ts
}
"#;

fn run(dir: &TempDir, gate: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let policy = dir.file("policy.policy", format!("model \"risk\"\n{DATA}\n{gate}\n"));
    let run = Verdict::new()
        .args([
            "gate",
            &policy,
            "--now",
            "2026-11-26T00:00:00Z",
            "--format",
            "json",
        ])
        .args(extra)
        .run();
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    (run.code, report, run.stderr)
}

fn check(report: &serde_json::Value, index: usize) -> &serde_json::Value {
    &report["checks"][index]
}

const AUROC_AT_95: &str = "gate promote {
  auroc(label, score) >= champion
  auroc(label, score) >= champion at 95%
}";

#[test]
fn a_clearly_better_challenger_passes_the_delong_bound() {
    let dir = TempDir::new("confidence-better");
    let (code, report, stderr) = run(&dir, AUROC_AT_95, &[]);
    assert_eq!(code, 0, "{report}\n{stderr}");
    let bounded = check(&report, 1);
    assert_eq!(bounded["status"], "pass");
    assert_eq!(bounded["confidence"]["method"], "delong-paired");
    assert_eq!(bounded["confidence"]["level"], 0.95);
    let lower = bounded["ci"][0].as_f64().expect("a lower bound");
    assert!(bounded["ci"][1].is_null(), "{bounded}");
    let value = bounded["challenger"].as_f64().expect("value");
    assert!(lower < value && lower > bounded["champion"].as_f64().expect("champion"));
    assert!(bounded["p_value"].as_f64().expect("p") < 1e-6, "{bounded}");
}

#[test]
fn a_challenger_ahead_by_noise_only_is_blocked_by_the_bound() {
    let dir = TempDir::new("confidence-noise");
    let lookalike = "datasets/risk/challenger-lookalike.parquet";
    let (code, report, _) = run(&dir, AUROC_AT_95, &["--challenger", lookalike]);
    assert_eq!(code, 1, "{report}");
    // The point comparison would have let it through ...
    assert_eq!(check(&report, 0)["status"], "pass", "{report}");
    // ... the one-sided DeLong bound does not.
    let bounded = check(&report, 1);
    assert_eq!(bounded["status"], "fail", "{bounded}");
    let estimate = bounded["confidence"]["estimate"]
        .as_f64()
        .expect("estimate");
    let bound = bounded["confidence"]["bound"].as_f64().expect("bound");
    assert!(estimate > 0.0 && bound < 0.0, "{bounded}");
    assert!(bounded["p_value"].as_f64().expect("p") > 0.05, "{bounded}");
    assert!(
        bounded["reason"]
            .as_str()
            .is_some_and(|r| r.contains("95% lower bound")),
        "{bounded}"
    );
}

#[test]
fn bootstrap_bounds_are_seeded_and_reproducible() {
    let dir = TempDir::new("confidence-bootstrap");
    let gate = "gate promote {
  p99(latency_ms) <= champion * 1.1 at 95%
  recall(label, score, 0.5) >= champion - 0.01 at 90%
}";
    let first = run(&dir, gate, &["--resamples", "300"]);
    let again = run(&dir, gate, &["--resamples", "300"]);
    let reseeded = run(&dir, gate, &["--resamples", "300", "--seed", "7"]);
    assert_eq!(first.0, 0, "{}", first.1);
    for i in 0..2 {
        let c = check(&first.1, i);
        assert_eq!(c["confidence"]["method"], "bootstrap-paired", "{c}");
        assert_eq!(c["confidence"]["resamples"], 300);
        assert_eq!(c["ci"], check(&again.1, i)["ci"], "same data and seed");
        assert_ne!(c["ci"], check(&reseeded.1, i)["ci"], "another seed");
    }
    // p99 is bounded from above, recall from below.
    assert!(check(&first.1, 0)["ci"][0].is_null() && check(&first.1, 0)["ci"][1].is_number());
    assert!(check(&first.1, 1)["ci"][0].is_number() && check(&first.1, 1)["ci"][1].is_null());
}

#[test]
fn a_bootstrap_bound_needs_enough_resamples_and_never_loosens_the_estimate() {
    let dir = TempDir::new("confidence-resamples");
    let gate = "gate promote {\n  p99(latency_ms) <= champion * 1.1 at 95%\n}";
    let (code, report, _) = run(&dir, gate, &["--resamples", "50"]);
    assert_eq!(code, 2, "{report}");
    let reason = check(&report, 0)["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("use --resamples 200 or more"), "{reason}");
    let (code, report, _) = run(&dir, gate, &["--resamples", "200"]);
    assert_eq!(code, 0, "{report}");
    let c = check(&report, 0);
    let (bound, estimate) = (&c["confidence"]["bound"], &c["confidence"]["estimate"]);
    assert!(bound.as_f64() >= estimate.as_f64(), "an upper bound: {c}");
}

const BY_SEGMENT: &str = "gate promote {
  auroc(label, score) >= champion
  auroc(label, score) by segment >= champion
}";

#[test]
fn one_regressed_segment_blocks_although_the_whole_improves() {
    let dir = TempDir::new("segments-regressed");
    let weak = "datasets/risk/challenger-segment-regressed.parquet";
    let (code, report, _) = run(&dir, BY_SEGMENT, &["--challenger", weak]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(check(&report, 0)["status"], "pass", "overall: {report}");
    let by = check(&report, 1);
    assert_eq!(by["status"], "fail");
    let segments = by["segments"].as_array().expect("segments");
    let status = |value: &str| {
        segments
            .iter()
            .find(|s| s["value"] == value)
            .map(|s| s["status"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(segments.len(), 4, "{by}");
    assert_eq!(status("uk").as_deref(), Some("fail"));
    for market in ["de", "fr", "us"] {
        assert_eq!(status(market).as_deref(), Some("pass"), "{market}");
    }
    assert!(segments.iter().all(|s| s["challenger"].is_number()
        && s["champion"].is_number()
        && s["rows"][0].as_u64() > Some(2500)));
    assert!(
        by["reason"]
            .as_str()
            .is_some_and(|r| r.contains("segment = uk"))
    );
}

#[test]
fn a_segment_missing_from_the_challenger_is_an_error_and_small_ones_are_skipped() {
    let dir = TempDir::new("segments-missing");
    let without_uk = broken_slice(&dir, "no-uk.parquet", |df| {
        df.lazy().filter(col("segment").neq(lit("uk"))).collect()
    });
    let gate = "gate promote {\n  auroc(label, score) by segment >= champion - 0.05\n}";
    let policy_data = DATA.replace("  join on request_id\n", "");
    let policy = dir.file(
        "unjoined.policy",
        format!("model \"risk\"\n{policy_data}\n{gate}\n"),
    );
    let run_with = |extra: &[&str]| {
        Verdict::new()
            .args([
                "gate",
                &policy,
                "--now",
                "2026-11-26T00:00:00Z",
                "--format",
                "json",
            ])
            .args(extra)
            .run()
    };
    let missing = run_with(&["--challenger", &without_uk]).expect_code(2);
    let report: serde_json::Value = serde_json::from_str(&missing.stdout).expect("json");
    let by = check(&report, 0);
    assert_eq!(by["status"], "error");
    let uk = by["segments"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["value"] == "uk"))
        .expect("uk is listed");
    assert_eq!(uk["status"], "error");
    assert_eq!(uk["rows"][1], 0);

    // Segments under the minimum are listed as skipped, never dropped; none left is an error.
    let strict = policy_data.replace(
        "recent 60d on ts",
        "recent 60d on ts\n  require segment_rows >= 3000",
    );
    let policy = dir.file(
        "strict.policy",
        format!("model \"risk\"\n{strict}\n{gate}\n"),
    );
    let run = Verdict::new()
        .args([
            "gate",
            &policy,
            "--now",
            "2026-11-26T00:00:00Z",
            "--format",
            "json",
        ])
        .run()
        .expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let segments = check(&report, 0)["segments"]
        .as_array()
        .cloned()
        .expect("segments");
    let skipped = segments.iter().filter(|s| s["status"] == "skipped").count();
    assert_eq!(
        (segments.len(), skipped),
        (4, 3),
        "only fr has 3000 rows: {segments:?}"
    );
}

#[test]
fn warn_checks_are_counted_but_never_block() {
    let dir = TempDir::new("confidence-warn");
    let gate = "gate promote {\n  auroc(label, score) >= champion\n  warn max(latency_ms) <= champion * 0.5\n}";
    let (code, report, _) = run(&dir, gate, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(check(&report, 1)["status"], "warn");
    assert_eq!(check(&report, 1)["severity"], "warn");
}

#[test]
fn the_evaluation_data_is_checked_before_any_metric() {
    let dir = TempDir::new("sanity");
    let gate = "gate promote {\n  auroc(label, score) >= champion\n}";
    // The challenger slice is the training reference.
    let (code, report, stderr) = run(
        &dir,
        gate,
        &["--challenger", "datasets/risk/reference.parquet"],
    );
    assert_eq!(code, 2, "{report}\n{stderr}");
    assert_eq!(report["errors"][0]["code"], "data::sanity");
    let message = report["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("is slice `reference` itself"), "{message}");
    // The challenger slice is the champion's own file.
    let (code, report, _) = run(
        &dir,
        gate,
        &["--challenger", "datasets/risk/champion.parquet"],
    );
    assert_eq!(code, 2, "{report}");
    let message = report["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("are the same files"), "{message}");
    // Champion and challenger from different periods.
    let old = broken_slice(&dir, "old.parquet", |df| {
        let month = 30 * 86_400_000i64;
        df.lazy()
            .with_column(
                (col("ts").cast(DataType::Int64) - lit(month))
                    .cast(DataType::Datetime(TimeUnit::Milliseconds, None)),
            )
            .collect()
    });
    let unjoined = DATA.replace("  join on request_id\n", "");
    let policy = dir.file(
        "unjoined.policy",
        format!("model \"risk\"\n{unjoined}\n{gate}\n"),
    );
    let run_on = |challenger: &str, policy: &str| {
        Verdict::new()
            .args([
                "gate",
                policy,
                "--now",
                "2026-11-26T00:00:00Z",
                "--challenger",
                challenger,
            ])
            .run()
    };
    let disjoint = run_on(&old, &policy).expect_code(2);
    assert!(
        disjoint.stdout.contains("do not overlap in time"),
        "{}",
        disjoint.stdout
    );
    // Different traffic: label rates apart by more than the policy allows.
    let gap = unjoined.replace(
        "recent 60d on ts",
        "recent 60d on ts\n  require label_rate_gap <= 0.2%",
    );
    let policy = dir.file("gap.policy", format!("model \"risk\"\n{gap}\n{gate}\n"));
    let other = run_on("datasets/risk/stable.parquet", &policy).expect_code(2);
    assert!(
        other.stdout.contains("positive rate of `label`"),
        "{}",
        other.stdout
    );
    // The report states rows and positives of each slice.
    let (_, report, _) = run(&dir, gate, &[]);
    let champion = &report["data"][0];
    assert_eq!(champion["positives"], 1503);
    assert!(champion["ts_range"]["from"].is_string());
}
