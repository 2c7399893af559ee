//! Slices given on the command line need no data block entry: a policy without paths runs
//! with `--champion/--challenger` (gate) and `--reference/--current` (drift) exactly as the
//! policy that declares them, and a slice given nowhere is still refused before any data is read.

use polars::prelude::*;

use crate::gate::broken_slice;
use crate::support::{TempDir, Verdict};

const NOW: &str = "2026-11-26T00:00:00Z";
const POLICY: &str = "policies/risk-classifier.policy";
const CHAMPION: &str = "datasets/risk/champion.parquet";
const CHALLENGER: &str = "datasets/risk/challenger.parquet";
const REFERENCE: &str = "datasets/risk/reference.parquet";
const CURRENT: &str = "datasets/risk/current-drifted.parquet";

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// The seed policy with every slice definition removed: its data block keeps `join`, `recent`
/// and `require`, and its gate, canary and drift blocks name slices it no longer defines.
fn without_paths(dir: &TempDir) -> String {
    let text = std::fs::read_to_string(POLICY).expect("the seed policy");
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.contains("= parquet("))
        .collect();
    dir.file("no-paths.policy", kept.join("\n") + "\n")
}

fn run(command: &str, policy: &str, extra: &[&str]) -> crate::support::Run {
    Verdict::new()
        .args([command, policy, "--now", NOW, "--format", "json"])
        .args(extra)
        .run()
}

/// What must not depend on where the paths came from: the verdict, every check's outcome and
/// the slices read (the policy's hash, the timings and the checks' lines differ).
fn decision(report: &serde_json::Value) -> serde_json::Value {
    let mut checks = report["checks"].clone();
    for check in checks.as_array_mut().into_iter().flatten() {
        check["source"]["line"] = serde_json::Value::Null;
    }
    serde_json::json!({
        "verdict": report["verdict"],
        "checks": checks,
        "data": report["data"],
        "join": report["join"],
        "errors": report["errors"],
    })
}

#[test]
fn a_gate_without_paths_runs_on_the_flags_as_the_declared_policy_does() {
    let dir = TempDir::new("flags-gate");
    let policy = without_paths(&dir);
    let flags = [
        "--champion",
        CHAMPION,
        "--challenger",
        CHALLENGER,
        "--reference",
        REFERENCE,
    ];
    let declared = json(&run("gate", POLICY, &[]).expect_code(0).stdout);
    let given = json(&run("gate", &policy, &flags).expect_code(0).stdout);
    assert_eq!(decision(&given), decision(&declared));
    assert_eq!(given["checks"].as_array().map(Vec::len), Some(6));

    let regressed = [
        "--champion",
        CHAMPION,
        "--challenger",
        "datasets/risk/challenger-regressed.parquet",
        "--reference",
        REFERENCE,
    ];
    let declared = json(&run("gate", POLICY, &regressed[2..4]).expect_code(1).stdout);
    let given = json(&run("gate", &policy, &regressed).expect_code(1).stdout);
    assert_eq!(decision(&given), decision(&declared));
}

#[test]
fn a_policy_without_a_data_block_runs_on_the_flags() {
    let dir = TempDir::new("flags-no-data");
    let gate = "gate g {\n  auroc(label, score) >= champion - 0.01\n  p99(latency_ms) <= champion * 1.1\n}\n";
    let declared = dir.file(
        "declared.policy",
        format!(
            "data {{\n  champion = parquet(\"{CHAMPION}\")\n  challenger = parquet(\"{CHALLENGER}\")\n}}\n{gate}"
        ),
    );
    let bare = dir.file("bare.policy", gate);
    let declared = json(&run("gate", &declared, &[]).expect_code(0).stdout);
    let given = json(
        &run(
            "gate",
            &bare,
            &["--champion", CHAMPION, "--challenger", CHALLENGER],
        )
        .expect_code(0)
        .stdout,
    );
    assert_eq!(decision(&given), decision(&declared));
    assert_eq!(given["data"][0]["path"], CHAMPION);
    assert_eq!(given["data"][1]["path"], CHALLENGER);
}

#[test]
fn a_slice_given_nowhere_is_still_a_missing_slice() {
    let dir = TempDir::new("flags-missing");
    let policy = without_paths(&dir);
    let run = run("gate", &policy, &["--champion", CHAMPION]).expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("check::missing_slice"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("gate `promote` needs a `challenger` slice"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "help: define it in the data block, `challenger = parquet(\"path/*.parquet\")`, or pass --challenger PATH"
        ),
        "{}",
        run.stderr
    );
    // The given one is not reported, nor the slices of blocks `gate` does not run.
    assert!(!run.stderr.contains("`champion` slice"), "{}", run.stderr);
    assert!(!run.stderr.contains("`canary` slice"), "{}", run.stderr);
    assert!(!run.stderr.contains("`stable` slice"), "{}", run.stderr);
    // `against: reference` names a slice the command line does not give either.
    assert!(
        run.stderr.contains("unknown slice `reference`"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_and_canary_step_name_the_flags_of_their_slices() {
    let dir = TempDir::new("flags-check");
    let policy = without_paths(&dir);
    let check = Verdict::new().args(["check", &policy]).run().expect_code(2);
    for (needed, flag) in [
        ("gate `promote` needs a `champion` slice", "--champion PATH"),
        ("the canary needs a `stable` slice", "--stable PATH"),
        ("the drift block needs a `champion` slice", "--current PATH"),
        (
            "the drift block needs a `reference` slice",
            "--reference PATH",
        ),
    ] {
        assert!(check.stderr.contains(needed), "{needed}:\n{}", check.stderr);
        assert!(check.stderr.contains(flag), "{flag}:\n{}", check.stderr);
    }
    // Refused while checking the policy, before any service is asked.
    let promote = Verdict::new()
        .args(["promote", &policy, "--version", "7", "--champion", CHAMPION])
        .run()
        .expect_code(2);
    assert!(
        promote
            .stderr
            .contains("gate `promote` needs a `challenger` slice")
            && promote.stderr.contains("or pass --challenger PATH")
            && !promote.stderr.contains("`canary` slice"),
        "{}",
        promote.stderr
    );
    let step = Verdict::new()
        .args(["canary", "step", &policy, "--canary", CHALLENGER])
        .run()
        .expect_code(2);
    assert!(
        step.stderr.contains("the canary needs a `stable` slice")
            && step.stderr.contains("or pass --stable PATH")
            && !step.stderr.contains("`canary` slice"),
        "{}",
        step.stderr
    );
}

#[test]
fn the_columns_of_a_slice_given_by_flag_are_checked_against_its_schema() {
    let dir = TempDir::new("flags-columns");
    let policy = without_paths(&dir);
    let challenger = broken_slice(&dir, "s.parquet", |df| {
        df.lazy()
            .rename(["latency_ms"], ["latency"], true)
            .collect()
    });
    let run = run(
        "gate",
        &policy,
        &[
            "--champion",
            CHAMPION,
            "--challenger",
            &challenger,
            "--reference",
            REFERENCE,
        ],
    )
    .expect_code(2);
    let report = json(&run.stdout);
    assert_eq!(report["errors"][0]["code"], "data::missing_column");
    assert!(
        run.stderr.contains("has no column `latency_ms`")
            && run.stderr.contains("did you mean `latency`?")
            && run.stderr.contains("no-paths.policy:23:3"),
        "{}",
        run.stderr
    );
}

#[test]
fn drift_without_paths_runs_on_the_flags_as_the_declared_policy_does() {
    let dir = TempDir::new("flags-drift");
    let policy = without_paths(&dir);
    let text = std::fs::read_to_string(&policy).expect("policy");
    let declared = dir.file(
        "declared.policy",
        text.replacen(
            "data {\n",
            &format!(
                "data {{\n  reference = parquet(\"{REFERENCE}\")\n  current = parquet(\"{CURRENT}\")\n"
            ),
            1,
        ),
    );
    let declared = json(&run("drift", &declared, &[]).expect_code(1).stdout);
    let given = json(
        &run(
            "drift",
            &policy,
            &["--reference", REFERENCE, "--current", CURRENT],
        )
        .expect_code(1)
        .stdout,
    );
    assert_eq!(decision(&given), decision(&declared));
    assert_eq!(given["data"][1]["slice"], "current");

    let missing = run("drift", &policy, &["--reference", REFERENCE]).expect_code(2);
    assert!(
        missing
            .stderr
            .contains("the drift block needs a `champion` slice"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains(
            "help: define it in the data block, `champion = parquet(\"path/*.parquet\")`, or pass --current PATH"
        ),
        "{}",
        missing.stderr
    );
    assert!(
        !missing.stderr.contains("`reference` slice"),
        "{}",
        missing.stderr
    );
}
