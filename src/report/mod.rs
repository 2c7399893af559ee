//! The report of a decision: one serialisable structure (`verdict.report/v1`) and its renderings
//! for people (human table, HTML page), CI summaries (Markdown) and machines (JSON).

pub mod canary;
pub mod figures;
pub mod html;
mod human;
mod markdown;
pub mod plots;

use serde::Serialize;

pub use human::render as render_human;
pub use markdown::render as render_markdown;

use crate::data::JoinStats;
use crate::eval::{CheckOutcome, Verdict};

pub const SCHEMA: &str = "verdict.report/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub verdict_version: &'static str,
    pub command: &'static str,
    pub verdict: Verdict,
    pub policy: PolicyInfo,
    pub data: Vec<SliceInfo>,
    pub join: Option<JoinStats>,
    pub checks: Vec<CheckOutcome>,
    /// Why the decision could not be made, when it could not (data, policy or service errors).
    pub errors: Vec<ReportError>,
    pub timings_ms: Timings,
    /// `canary step` reports: the decision, the stage judged and the stage history. Absent
    /// from gate and drift reports, whose JSON is unchanged by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary: Option<canary::CanaryInfo>,
    /// Plot data for report.html; not part of the JSON contract.
    #[serde(skip)]
    pub figures: Vec<figures::Figure>,
    /// The policy as written, for report.html to show with failing lines marked.
    #[serde(skip)]
    pub policy_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub path: String,
    pub sha256: String,
    pub model: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SliceInfo {
    pub slice: String,
    pub path: String,
    pub files: Vec<crate::data::FileDigest>,
    pub sha256: String,
    pub rows_read: usize,
    /// Rows used after `recent` and `join`.
    pub rows: usize,
    pub ts_range: Option<TsRange>,
    pub positives: Option<u64>,
    /// Integer columns read as f64 to compare with the other slice, which stores them as f64.
    /// Absent when none was, so reports without widening are unchanged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub widened: Vec<crate::data::Widened>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TsRange {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportError {
    pub code: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl ReportError {
    pub fn from_diagnostic(d: &dyn miette::Diagnostic) -> Self {
        ReportError {
            code: d.code().map(|c| c.to_string()),
            message: d.to_string(),
            help: d.help().map(|h| h.to_string()),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub load: u64,
    pub eval: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

impl Report {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Human => render_human(self),
            Format::Json => self.to_json(),
            Format::Markdown => render_markdown(self),
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }

    /// Writes report.json, report.md and report.html into `dir`, creating it.
    pub fn write_files(&self, dir: &std::path::Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("report.json"), self.to_json())?;
        std::fs::write(dir.join("report.md"), render_markdown(self))?;
        std::fs::write(dir.join("report.html"), html::render(self))?;
        Ok(())
    }
}

impl Report {
    /// The one-line answer, first in every rendering.
    pub fn headline(&self) -> &'static str {
        if let Some(canary) = &self.canary {
            return canary.decision.headline();
        }
        match (self.command, self.verdict) {
            ("drift", Verdict::Pass) => "NO DRIFT: the current window matches the reference",
            ("drift", Verdict::Fail) => {
                "DRIFT DETECTED: the current window differs from the reference"
            }
            (_, Verdict::Pass) => "PASS: the challenger may replace the champion",
            (_, Verdict::Fail) => "BLOCKED: the challenger may not replace the champion",
            (_, Verdict::Error) => "ERROR: no decision could be made (fail closed)",
        }
    }

    /// How a check is named in tables: its source text, or for one column of a drift check,
    /// the metric on that column.
    pub fn label(check: &crate::eval::CheckOutcome) -> String {
        match &check.column {
            Some(_) => format!(
                "{} {} {}",
                check.metric,
                check.op,
                check.threshold.map_or_else(String::new, crate::eval::short)
            ),
            None => check.source.text.clone(),
        }
    }

    /// Names of the tested and baseline value columns in tables.
    pub fn sides(&self) -> (&'static str, &'static str) {
        match self.command {
            "drift" => ("current", "reference"),
            "canary" => ("canary", "stable"),
            _ => ("challenger", "champion"),
        }
    }
}

/// The lines text reports print under a check: the confidence bound behind an `at` check and
/// every segment of a `by` check.
pub fn details(check: &crate::eval::CheckOutcome) -> Vec<String> {
    use crate::eval::short;
    let mut lines: Vec<String> = confidence(check).into_iter().collect();
    let column = check.by.as_deref().unwrap_or("segment");
    for segment in check.segments.iter().flatten() {
        use crate::eval::SegmentStatus as S;
        let mark = match segment.status {
            S::Pass => "✔",
            S::Fail => "✘",
            S::Error => "!",
            S::Skipped => "–",
        };
        let values = match segment.status {
            S::Skipped => String::new(),
            _ => format!(
                " {} vs {}, bound {}{};",
                value(segment.challenger),
                value(segment.champion),
                check.op,
                segment
                    .threshold
                    .map_or_else(|| "—".into(), |t| format!(" {}", short(t)))
            ),
        };
        lines.push(format!(
            "{mark} {column} = {}:{values} {} / {} rows{}",
            segment.value,
            segment.rows[1],
            segment.rows[0],
            segment
                .reason
                .as_deref()
                .filter(|_| matches!(segment.status, S::Error | S::Skipped))
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
    }
    lines
}

/// How the bound of an `at` check was found, in one line: "95% lower bound 0.75: delong-paired,
/// estimate 0.001, bound -0.01, p = 0.88". Every rendering shows it, passing or not, since a
/// pass on a bound is only as good as the method behind it.
pub fn confidence(check: &crate::eval::CheckOutcome) -> Option<String> {
    use crate::eval::short;
    let c = check.confidence.as_ref()?;
    let p = check
        .p_value
        .map(|p| format!(", p = {}", short(p)))
        .unwrap_or_default();
    let resamples = c
        .resamples
        .map(|n| format!(", {n} resamples, seed {}", c.seed.unwrap_or_default()))
        .unwrap_or_default();
    Some(format!(
        "{}% {} bound {}: {}, estimate {}, bound {}{resamples}{p}",
        c.level * 100.0,
        bound_side(check.ci),
        value(check.ci.and_then(|[lo, hi]| lo.or(hi))),
        c.method,
        short(c.estimate),
        short(c.bound)
    ))
}

/// Which end a one-sided confidence bound `[lower, null]` or `[null, upper]` gives.
pub fn bound_side(ci: Option<[Option<f64>; 2]>) -> &'static str {
    if ci.is_some_and(|[lo, _]| lo.is_some()) {
        "lower"
    } else {
        "upper"
    }
}

/// A metric value as the tables show it.
pub fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), crate::eval::short)
}

impl Report {
    /// An empty report of a command, for the policy: verdict `error` until checks decide.
    pub fn new(
        command: &'static str,
        policy_path: &str,
        policy_text: &str,
        plan: &crate::plan::PolicyPlan,
    ) -> Report {
        Report {
            schema: SCHEMA,
            verdict_version: env!("CARGO_PKG_VERSION"),
            command,
            verdict: Verdict::Error,
            policy: PolicyInfo {
                path: policy_path.to_string(),
                sha256: crate::data::sha256_hex(policy_text.as_bytes()),
                model: plan.model.clone(),
            },
            data: Vec::new(),
            join: None,
            checks: Vec::new(),
            errors: Vec::new(),
            timings_ms: Timings::default(),
            canary: None,
            figures: Vec::new(),
            policy_text: policy_text.to_string(),
        }
    }
}

impl SliceInfo {
    /// Positives as a percentage of the rows used, when they were counted.
    pub fn positives_percent(&self) -> Option<f64> {
        self.positives
            .map(|p| 100.0 * p as f64 / self.rows.max(1) as f64)
    }

    pub fn of(slice: &crate::data::Slice, positives: Option<u64>) -> SliceInfo {
        SliceInfo {
            slice: slice.name.clone(),
            path: slice.path.clone(),
            files: slice.files.clone(),
            sha256: slice.sha256.clone(),
            rows_read: slice.rows_read,
            rows: slice.frame.height(),
            ts_range: slice.ts_range.map(|(from, to)| TsRange {
                from: crate::data::format_ms(from),
                to: crate::data::format_ms(to),
            }),
            positives,
            widened: slice.widened.clone(),
        }
    }

    /// The note every rendering prints under the data of a slice with widened columns.
    pub fn widened_note(&self) -> Option<String> {
        if self.widened.is_empty() {
            return None;
        }
        let columns: Vec<String> = (self.widened.iter())
            .map(|w| format!("`{}` ({})", w.column, w.from))
            .collect();
        Some(format!(
            "{}: integer columns read as f64 to compare with the other slice (exact up to 2^53): {}",
            self.slice,
            columns.join(", ")
        ))
    }
}
