//! The policy language through `verdict check` and `verdict fmt`.

use crate::support::{TempDir, Verdict, root};

fn example_policies() -> Vec<String> {
    let mut paths: Vec<String> = std::fs::read_dir(root().join("policies"))
        .expect("policies/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .map(|p| {
            format!(
                "policies/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
        })
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_example_policy_checks() {
    let policies = example_policies();
    assert!(policies.len() >= 4, "found {policies:?}");
    let run = Verdict::new()
        .arg_list(["check"], &policies)
        .run()
        .expect_code(0);
    for policy in &policies {
        assert!(
            run.stdout.contains(&format!("{policy}: ok")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn every_example_policy_is_a_fixed_point_of_fmt() {
    Verdict::new()
        .arg_list(["fmt", "--check"], &example_policies())
        .run()
        .expect_code(0);
}

#[test]
fn fmt_is_idempotent_and_keeps_comments() {
    let dir = TempDir::new("fmt");
    let messy = "# header comment\nmodel   \"m\"\ndata{\n champion=parquet( \"c.parquet\")   # the champion\n\n\n challenger = parquet(\"d.parquet\")\n}\ngate g{\n  auroc( label,score )>=champion*1.0 at 95 %\n  warn rate((status>=500) or not (x between 1 and 2))<=0.1 # errors\n  # closing comment\n}\n";
    let messy = messy.replace("95 %", "95%");
    let path = dir.file("messy.policy", &messy);
    Verdict::new()
        .args(["fmt", "--check", &path])
        .run()
        .expect_code(1);
    Verdict::new().args(["fmt", &path]).run().expect_code(0);
    let once = std::fs::read_to_string(&path).expect("formatted");
    Verdict::new().args(["fmt", &path]).run().expect_code(0);
    let twice = std::fs::read_to_string(&path).expect("formatted");
    assert_eq!(once, twice);
    assert_eq!(
        once,
        "# header comment\nmodel \"m\"\n\ndata {\n  champion = parquet(\"c.parquet\")  # the champion\n\n  challenger = parquet(\"d.parquet\")\n}\n\ngate g {\n  auroc(label, score) >= champion * 1.0 at 95%\n  warn rate(status >= 500 or not x between 1 and 2) <= 0.1  # errors\n  # closing comment\n}\n"
    );
    Verdict::new().args(["check", &path]).run().expect_code(0);
}

#[test]
fn fmt_check_prints_a_diff() {
    let dir = TempDir::new("fmt-diff");
    let path = dir.file("p.policy", "data {\n  champion = parquet(\"c\")\n  challenger = parquet(\"d\")\n}\ngate g {\n  p99(x)<=champion\n}\n");
    let run = Verdict::new()
        .args(["fmt", "--check", &path])
        .run()
        .expect_code(1);
    assert!(
        run.stdout
            .contains("-  p99(x)<=champion\n+  p99(x) <= champion\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn three_independent_mistakes_are_reported_at_their_lines() {
    let run = Verdict::new()
        .args([
            "check",
            "--error-format",
            "json",
            "tests/corpus/invalid/three-mistakes.policy",
        ])
        .run()
        .expect_code(2);
    let lines: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let found: Vec<(u64, &str)> = lines
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (6, "unknown metric `aurc`"),
            (7, "`stable` cannot be used in a gate"),
            (8, "`1.2.3` is not a number"),
        ]
    );
    assert_eq!(lines[0]["help"], "did you mean `auroc`?");
    assert_eq!(lines[0]["column"], 3);
    assert_eq!(lines[0]["end"]["column"], 7);
    assert!(run.stdout.contains("three-mistakes.policy: 3 errors"));
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let run = Verdict::new()
        .args(["check", "policies/no-such.policy"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr
            .contains("cannot read policy `policies/no-such.policy`: no such file"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_ten_megabyte_file_is_refused_before_parsing() {
    let dir = TempDir::new("big");
    let path = dir.file("big.policy", "# padding\n".repeat(1_000_000));
    let run = Verdict::new().args(["check", &path]).run().expect_code(2);
    assert!(
        run.stderr
            .contains("is 10000000 bytes; policies are limited to"),
        "{}",
        run.stderr
    );
}

#[test]
fn one_bad_file_among_good_ones_fails_the_run_and_names_each() {
    let run = Verdict::new()
        .args([
            "check",
            "policies/risk-classifier.policy",
            "tests/corpus/invalid/unknown-metric.policy",
        ])
        .run()
        .expect_code(2);
    assert!(run.stdout.contains("policies/risk-classifier.policy: ok"));
    assert!(run.stdout.contains("unknown-metric.policy: 1 error"));
}

#[test]
fn metrics_lists_the_registry() {
    let run = Verdict::new().args(["metrics"]).run().expect_code(0);
    assert!(run.stdout.contains("auroc(label, score)"));
    assert!(run.stdout.contains("psi(column[, slice])"));
}

#[test]
fn grammar_md_lists_every_metric_from_the_registry() {
    let metrics = Verdict::new().args(["metrics"]).run().expect_code(0).stdout;
    let grammar = std::fs::read_to_string(root().join("grammar/GRAMMAR.md")).expect("GRAMMAR.md");
    assert!(
        grammar.contains(&format!("```\n{metrics}```")),
        "grammar/GRAMMAR.md's metric table is out of date; paste `verdict metrics` into it"
    );
}
