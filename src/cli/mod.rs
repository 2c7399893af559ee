//! The commands behind `verdict`: each takes parsed arguments, prints results on stdout and
//! diagnostics on stderr, and returns an `Outcome` that `main` turns into the exit code.

pub mod check;
pub mod fmt;
#[cfg(feature = "data")]
pub mod gate;
pub mod metrics;
#[cfg(all(feature = "data", feature = "services"))]
pub mod promote;

use std::io::Write;
use std::path::Path;

use crate::diagnostic;
use crate::source::{LoadError, PolicyError, PolicyFile};

/// The exit-code contract: 0 pass, 1 blocked, 2 could not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Pass,
    Blocked,
    Error,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Blocked => 1,
            Outcome::Error => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ErrorFormat {
    Human,
    Json,
}

/// Writes to stdout; a closed pipe (`verdict ... | head`) ends the output quietly.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
}

fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints diagnostics of one policy file on stderr.
pub fn report_policy_errors(
    file: &PolicyFile,
    errors: &[PolicyError],
    format: ErrorFormat,
    color: bool,
) {
    let name = file.display_name();
    for error in errors {
        match format {
            ErrorFormat::Human => {
                eprint(&diagnostic::render_human(&name, &file.text, error, color))
            }
            ErrorFormat::Json => {
                let json = diagnostic::to_json(&name, &file.text, error);
                eprint(&format!(
                    "{}\n",
                    serde_json::to_string(&json).unwrap_or_default()
                ));
            }
        }
    }
}

/// Prints a file-level error (missing, not UTF-8, too large), which has no span to show.
pub fn report_load_error(path: &Path, error: &LoadError, format: ErrorFormat, color: bool) {
    match format {
        ErrorFormat::Human => eprint(&diagnostic::render_human(
            &path.display().to_string(),
            "",
            error,
            color,
        )),
        ErrorFormat::Json => {
            let json = diagnostic::to_json(&path.display().to_string(), "", error);
            eprint(&format!(
                "{}\n",
                serde_json::to_string(&json).unwrap_or_default()
            ));
        }
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
