//! `verdict check POLICY...`: parse and check each file, one summary line per file.

use std::path::PathBuf;

use super::{ErrorFormat, Outcome, plural, print, report_load_error, report_policy_errors};
use crate::check::Invocation;
use crate::plan::PolicyPlan;
use crate::source::{PolicyFile, compile};

pub fn run(paths: &[PathBuf], format: ErrorFormat, color: bool) -> Outcome {
    let mut outcome = Outcome::Pass;
    for path in paths {
        let file = match PolicyFile::read(path) {
            Ok(file) => file,
            Err(e) => {
                report_load_error(path, &e, format, color);
                print(&format!("{}: error: {e}\n", path.display()));
                outcome = Outcome::Error;
                continue;
            }
        };
        match compile(&file.text, &Invocation::CHECK) {
            Ok((_, plan)) => print(&format!("{}: ok ({})\n", path.display(), summary(&plan))),
            Err(errors) => {
                report_policy_errors(&file, &errors, format, color);
                print(&format!(
                    "{}: {}\n",
                    path.display(),
                    plural(errors.len(), "error")
                ));
                outcome = Outcome::Error;
            }
        }
    }
    outcome
}

fn summary(plan: &PolicyPlan) -> String {
    let mut parts = Vec::new();
    for gate in &plan.gates {
        parts.push(format!(
            "gate `{}`: {}",
            gate.name,
            plural(gate.checks.len(), "check")
        ));
    }
    if let Some(canary) = &plan.canary {
        parts.push(format!(
            "canary: {}, {}",
            plural(canary.stages.len(), "stage"),
            plural(canary.guards.len(), "guard")
        ));
    }
    if let Some(drift) = &plan.drift {
        parts.push(format!("drift: {}", plural(drift.checks.len(), "check")));
    }
    parts.join("; ")
}
