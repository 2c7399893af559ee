//! The corpus of invalid policies: each `tests/corpus/invalid/NAME.policy` must be refused with
//! exit 2, and its diagnostics (message, underlined text, help) must equal `NAME.stderr`.

use crate::support::{Verdict, assert_snapshot, root};

#[test]
fn every_invalid_policy_is_refused_with_its_expected_diagnostics() {
    let dir = root().join("tests/corpus/invalid");
    let mut policies: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    policies.sort();
    assert!(
        policies.len() >= 40,
        "the corpus holds {} policies",
        policies.len()
    );
    for policy in policies {
        let relative = policy.strip_prefix(root()).expect("inside the repository");
        let run = Verdict::new()
            .args(["check", &relative.display().to_string()])
            .run();
        assert_eq!(
            run.code,
            2,
            "{} was not refused:\n{}{}",
            relative.display(),
            run.stdout,
            run.stderr
        );
        assert!(
            !run.stderr.contains("panicked"),
            "{} panicked",
            relative.display()
        );
        assert_snapshot(&policy.with_extension("stderr"), &run.stderr);
    }
}
