//! The commands behind `verdict`: each takes parsed arguments, prints results on stdout and
//! diagnostics on stderr, and returns an `Outcome` that `main` turns into the exit code.

#[cfg(all(feature = "data", feature = "services"))]
pub mod canary;
pub mod check;
#[cfg(feature = "data")]
pub mod drift;
pub mod fmt;
#[cfg(feature = "data")]
pub mod gate;
pub mod metrics;
#[cfg(all(feature = "data", feature = "services"))]
pub mod promote;
#[cfg(all(feature = "data", feature = "services"))]
pub mod rollback;
#[cfg(all(feature = "data", feature = "services"))]
pub mod serving;
#[cfg(all(feature = "data", feature = "services"))]
pub mod status;

use std::io::Write;
use std::path::Path;

use crate::check::Invocation;
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

/// A command's record as pretty JSON and a final newline (`--format json`).
pub fn json_text<T: serde::Serialize>(record: &T) -> String {
    // Records are plain structs with string keys: serialising them cannot fail.
    format!(
        "{}\n",
        serde_json::to_string_pretty(record).unwrap_or_default()
    )
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

/// Reads and compiles a policy for a command (the blocks it runs, the slices its flags give),
/// printing its diagnostics; `Err` is the outcome to exit with.
pub fn load_policy(
    path: &Path,
    invocation: &Invocation,
    format: ErrorFormat,
    color: bool,
) -> Result<(PolicyFile, crate::plan::PolicyPlan), Outcome> {
    let file = PolicyFile::read(path).map_err(|e| {
        report_load_error(path, &e, format, color);
        Outcome::Error
    })?;
    match crate::source::compile(&file.text, invocation) {
        Ok((_, plan)) => Ok((file, plan)),
        Err(errors) => {
            report_policy_errors(&file, &errors, format, color);
            Err(Outcome::Error)
        }
    }
}

/// The `--format`s of a command whose result is a report (gate, drift, promote, canary step):
/// Markdown renders the report.
#[cfg(feature = "data")]
pub const REPORT_FORMATS: &[crate::report::Format] = &[
    crate::report::Format::Human,
    crate::report::Format::Json,
    crate::report::Format::Markdown,
];

/// The `--format`s of a command whose result is a record without a report (rollback, status):
/// it has no Markdown rendering.
#[cfg(feature = "data")]
pub const RECORD_FORMATS: &[crate::report::Format] =
    &[crate::report::Format::Human, crate::report::Format::Json];

/// `--format` of one command: `--help` lists only the formats it prints, and any other value
/// is a usage error (exit 2) naming the command, rather than output in a format not asked for.
#[cfg(feature = "data")]
#[derive(Clone)]
pub struct FormatParser(pub &'static [crate::report::Format]);

#[cfg(feature = "data")]
impl clap::builder::TypedValueParser for FormatParser {
    type Value = crate::report::Format;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        use clap::ValueEnum;
        let text = value.to_string_lossy();
        let names: Vec<String> = self
            .possible_values()
            .into_iter()
            .flatten()
            .map(|p| format!("`{}`", p.get_name()))
            .collect();
        self.0
            .iter()
            .copied()
            .find(|format| {
                format
                    .to_possible_value()
                    .is_some_and(|p| p.matches(&text, false))
            })
            .ok_or_else(|| {
                let command = cmd.get_bin_name().unwrap_or(cmd.get_name());
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidValue,
                    format!(
                        "`{command}` does not print `--format {text}`; its formats are {}\n",
                        names.join(", ")
                    ),
                )
                .with_cmd(cmd)
            })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        use clap::ValueEnum;
        Some(Box::new(
            self.0.iter().filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// Where and how a decision's report goes.
#[cfg(feature = "data")]
pub struct Output {
    pub format: crate::report::Format,
    pub report_dir: Option<std::path::PathBuf>,
    pub quiet: bool,
    pub error_format: ErrorFormat,
    pub color: bool,
}

/// Prints a decision: a data error that concerns the policy as a diagnostic on stderr, the
/// report on stdout (and into `--report DIR`); answers the exit outcome.
#[cfg(feature = "data")]
pub fn emit(
    file: &PolicyFile,
    report: &crate::report::Report,
    data_error: Option<&crate::data::DataError>,
    output: &Output,
) -> Outcome {
    if let Some(error) = data_error
        && error.span().is_some()
    {
        report_policy_errors(
            file,
            &[PolicyError::Data(error.clone())],
            output.error_format,
            output.color,
        );
    }
    if let Some(dir) = &output.report_dir
        && let Err(e) = report.write_files(dir)
    {
        eprint(&format!(
            "error: cannot write the report to `{}`: {e}\n",
            dir.display()
        ));
        return Outcome::Error;
    }
    if !output.quiet {
        print(&report.render(output.format));
    }
    outcome_of(report.verdict)
}

#[cfg(feature = "data")]
pub fn outcome_of(verdict: crate::eval::Verdict) -> Outcome {
    match verdict {
        crate::eval::Verdict::Pass => Outcome::Pass,
        crate::eval::Verdict::Fail => Outcome::Blocked,
        crate::eval::Verdict::Error => Outcome::Error,
    }
}

/// Slice paths given by flags (`--champion PATH`, ...), by slice name: they override the data
/// block's paths and stand for the slices the policy does not define.
pub fn slice_flags(
    flags: &[(&str, &Option<String>)],
) -> std::collections::BTreeMap<String, String> {
    flags
        .iter()
        .filter_map(|(name, path)| Some((name.to_string(), (*path).clone()?)))
        .collect()
}

/// `--now 2026-11-26T12:00:00Z` pins the clock; without it, the system time.
pub fn parse_now(now: Option<&str>) -> Result<i64, String> {
    match now {
        None => Ok(chrono::Utc::now().timestamp_millis()),
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .map_err(|e| {
                format!("--now `{text}` is not an RFC 3339 time such as 2026-11-26T12:00:00Z ({e})")
            }),
    }
}
