//! The `verdict` command line: parses arguments, calls the library, maps outcomes to exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use verdict::cli::{self, ErrorFormat};
use verdict::report::Format;

const EXIT_CODES: &str = "Exit codes:
  0  pass: valid policy, gate passed, no drift, step done
  1  blocked: gate failed, drift detected, a file would be reformatted, rolled back
  2  could not decide: policy, usage, data or service error (fail closed)";

const ROLLBACK_EXIT_CODES: &str = "Exit codes:
  0  rolled back (or already rolled back: nothing left to do)
  2  could not roll back: policy or service error, nothing to go back to";

const CANARY_EXIT_CODES: &str = "Exit codes:
  0  started, advanced, held (too little time or traffic: inconclusive) or promoted
  1  rolled back (a guard failed, no traffic past the deadline, predictor not ready)
  2  could not decide: policy, data or service error, state that does not match; nothing changed";

#[derive(Parser)]
#[command(name = "verdict", version, about = "Decides whether a retrained model may replace the one in production", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check policies; report every mistake with its place in the file.
    #[command(after_help = EXIT_CODES)]
    Check {
        #[arg(required = true)]
        policies: Vec<PathBuf>,
        /// How to print diagnostics on stderr.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Rewrite policies in canonical layout (comments kept).
    #[command(after_help = EXIT_CODES)]
    Fmt {
        #[arg(required = true)]
        policies: Vec<PathBuf>,
        /// Change nothing; exit 1 and print a diff when a file is not formatted.
        #[arg(long)]
        check: bool,
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Evaluate a gate: may the challenger replace the champion on recent traffic?
    #[command(after_help = EXIT_CODES)]
    Gate {
        #[command(flatten)]
        gate: GateFlags,
    },
    /// Gate a registered model version against @champion, record the trail in MLflow, and on a
    /// pass make it @challenger. Without --apply, prints the calls it would make.
    #[command(after_help = EXIT_CODES)]
    Promote {
        #[command(flatten)]
        gate: GateFlags,
        /// The model version to promote.
        #[arg(long)]
        version: String,
        /// Make the changes (default: print them only).
        #[arg(long)]
        apply: bool,
    },
    /// Test the current window against the reference with the policy's drift block.
    #[command(after_help = EXIT_CODES)]
    Drift {
        policy: PathBuf,
        /// Parquet file, glob or folder for the reference slice (overrides the policy's; defines it when the policy does not).
        #[arg(long)]
        reference: Option<String>,
        /// ... for the current slice (default: the policy's `current`, else `champion`).
        #[arg(long)]
        current: Option<String>,
        /// The current time (RFC 3339), which ends the window; default: the system clock.
        #[arg(long)]
        now: Option<String>,
        #[arg(long, default_value = "human", value_parser = cli::FormatParser(cli::REPORT_FORMATS))]
        format: Format,
        /// Also write report.json, report.md and report.html into this directory.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Print nothing on stdout; the exit code (and --report) carry the result.
        #[arg(long)]
        quiet: bool,
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Canary rollout on KServe, one stateless step at a time.
    Canary {
        #[command(subcommand)]
        command: CanaryCommand,
    },
    /// Send traffic and aliases back at any time: mid-canary, traffic to 0% in one patch and
    /// @challenger withdrawn; after a full promotion, @previous's model served again and
    /// @champion := @previous. Without --apply, prints the calls it would make.
    #[command(after_help = ROLLBACK_EXIT_CODES)]
    Rollback {
        policy: PathBuf,
        /// Recorded on the InferenceService and as a tag on the version rolled back.
        #[arg(long)]
        reason: Option<String>,
        /// Make the changes (default: print them only).
        #[arg(long)]
        apply: bool,
        #[arg(long, default_value = "human", value_parser = cli::FormatParser(cli::RECORD_FORMATS))]
        format: Format,
    },
    /// Where the rollout stands: aliases and versions, traffic per revision, the canary's stage
    /// and the time left in it.
    #[command(after_help = EXIT_CODES)]
    Status {
        policy: PathBuf,
        /// The current time (RFC 3339), for the time left; default: the system clock.
        #[arg(long)]
        now: Option<String>,
        #[arg(long, default_value = "human", value_parser = cli::FormatParser(cli::RECORD_FORMATS))]
        format: Format,
    },
    /// List the metrics the policy language knows, with their definitions.
    Metrics,
}

#[derive(Subcommand)]
enum CanaryCommand {
    /// Read the canary's state from the InferenceService and MLflow, evaluate the guards on the
    /// current stage's canary and stable traffic, and start, advance, hold, roll back or
    /// promote. Without --apply, prints the exact patches and calls it would make.
    #[command(after_help = CANARY_EXIT_CODES)]
    Step {
        policy: PathBuf,
        /// Parquet file, glob or folder of traffic served by the canary (overrides the policy's; defines it when the policy does not).
        #[arg(long)]
        canary: Option<String>,
        /// ... of traffic served by the stable revision.
        #[arg(long)]
        stable: Option<String>,
        /// The current time (RFC 3339); default: the system clock.
        #[arg(long)]
        now: Option<String>,
        /// Make the changes (default: print them only).
        #[arg(long)]
        apply: bool,
        /// `json` prints the decision with every input it was made on; `markdown` the report.
        #[arg(long, default_value = "human", value_parser = cli::FormatParser(cli::REPORT_FORMATS))]
        format: Format,
        /// Also write the step's report (decision, guards, stage history) as report.json,
        /// report.md and report.html into this directory.
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct GateFlags {
    policy: PathBuf,
    /// Only this gate (default: every gate in the policy).
    #[arg(long)]
    gate: Option<String>,
    /// Parquet file, glob or folder for the champion slice (overrides the policy's; defines it when the policy does not).
    #[arg(long)]
    champion: Option<String>,
    /// ... for the challenger slice.
    #[arg(long)]
    challenger: Option<String>,
    /// ... for the reference slice.
    #[arg(long)]
    reference: Option<String>,
    /// The current time (RFC 3339), for `recent`; default: the system clock.
    #[arg(long)]
    now: Option<String>,
    #[arg(long, default_value = "human", value_parser = cli::FormatParser(cli::REPORT_FORMATS))]
    format: Format,
    /// Also write report.json, report.md and report.html into this directory.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Print nothing on stdout; the exit code (and --report) carry the result.
    #[arg(long)]
    quiet: bool,
    #[arg(long, value_enum, default_value = "human")]
    error_format: ErrorFormat,
    /// Bootstrap resamples behind `at` bounds on metrics other than auroc.
    #[arg(long, default_value_t = verdict::stats::bootstrap::DEFAULT_RESAMPLES as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    resamples: u32,
    /// Seed of the bootstrap: the same data and seed give the same bounds on every run.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl GateFlags {
    fn into_args(self) -> cli::gate::GateArgs {
        cli::gate::GateArgs {
            policy: self.policy,
            gate: self.gate,
            champion: self.champion,
            challenger: self.challenger,
            reference: self.reference,
            now: self.now,
            format: self.format,
            report_dir: self.report,
            quiet: self.quiet,
            error_format: self.error_format,
            bootstrap: verdict::stats::bootstrap::BootstrapOptions {
                resamples: self.resamples as usize,
                seed: self.seed,
                ..Default::default()
            },
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal();
    let outcome = match cli.command {
        Command::Check {
            policies,
            error_format,
        } => cli::check::run(&policies, error_format, color),
        Command::Fmt {
            policies,
            check,
            error_format,
        } => cli::fmt::run(&policies, check, error_format, color),
        Command::Gate { gate } => cli::gate::run_command(&gate.into_args(), color),
        Command::Promote {
            gate,
            version,
            apply,
        } => cli::promote::run_command(
            &cli::promote::PromoteArgs {
                gate: gate.into_args(),
                version,
                apply,
            },
            color,
        ),
        Command::Drift {
            policy,
            reference,
            current,
            now,
            format,
            report,
            quiet,
            error_format,
        } => cli::drift::run_command(
            &cli::drift::DriftArgs {
                policy,
                reference,
                current,
                now,
            },
            &cli::Output {
                format,
                report_dir: report,
                quiet,
                error_format,
                color,
            },
        ),
        Command::Canary {
            command:
                CanaryCommand::Step {
                    policy,
                    canary,
                    stable,
                    now,
                    apply,
                    format,
                    report,
                },
        } => cli::canary::run_step(
            &cli::canary::StepArgs {
                policy,
                canary,
                stable,
                now,
                apply,
                format,
                report_dir: report,
            },
            color,
        ),
        Command::Rollback {
            policy,
            reason,
            apply,
            format,
        } => cli::rollback::run_command(
            &cli::rollback::RollbackArgs {
                policy,
                reason,
                apply,
                json: format == Format::Json,
            },
            color,
        ),
        Command::Status {
            policy,
            now,
            format,
        } => cli::status::run_command(
            &cli::status::StatusArgs {
                policy,
                now,
                json: format == Format::Json,
            },
            color,
        ),
        Command::Metrics => cli::metrics::run(),
    };
    let _ = std::io::stdout().flush();
    ExitCode::from(outcome.code())
}
