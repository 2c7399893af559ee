//! `verdict fmt POLICY... [--check]`: canonical layout, in place or as a diff.

use std::path::PathBuf;

use super::{ErrorFormat, Outcome, print, report_load_error, report_policy_errors};
use crate::source::{PolicyError, PolicyFile};

pub fn run(paths: &[PathBuf], check_only: bool, format: ErrorFormat, color: bool) -> Outcome {
    let mut outcome = Outcome::Pass;
    for path in paths {
        let file = match PolicyFile::read(path) {
            Ok(file) => file,
            Err(e) => {
                report_load_error(path, &e, format, color);
                outcome = Outcome::Error;
                continue;
            }
        };
        let parsed = crate::syntax::parse(&file.text);
        let policy = match parsed.policy {
            Some(policy) if parsed.errors.is_empty() => policy,
            _ => {
                let errors: Vec<PolicyError> =
                    parsed.errors.into_iter().map(PolicyError::from).collect();
                report_policy_errors(&file, &errors, format, color);
                outcome = Outcome::Error;
                continue;
            }
        };
        let formatted = crate::format::format(&file.text, &policy);
        if formatted == file.text {
            continue;
        }
        if check_only {
            print(&format!("--- {0}\n+++ {0} (formatted)\n", path.display()));
            print(&diff(&file.text, &formatted));
            outcome = outcome.max(Outcome::Blocked);
        } else if let Err(e) = std::fs::write(path, &formatted) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            outcome = Outcome::Error;
        } else {
            print(&format!("formatted {}\n", path.display()));
        }
    }
    outcome
}

fn diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    diff.unified_diff().context_radius(2).to_string()
}
