//! `verdict drift` with each of Evidently's other stat tests (hellinger, TVD, ...) on the bundled
//! risk samples (`current-drifted.parquet` shifts `f00`, `score` and `amount`), and the inputs
//! each test must refuse: a wrong column kind, too few rows, all values equal.

use crate::drift::{checks_of, drift_policy};
use crate::support::TempDir;

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
        "  hellinger(f01, segment) < 0.1\n  TVD(segment) < 0.1\n  hellinger(f00) < 0.1\n",
    );
    let checks = checks_of(&policy, 1);
    for metric in ["hellinger(f01)", "hellinger(segment)", "TVD(segment)"] {
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
