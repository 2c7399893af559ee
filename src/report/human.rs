//! The terminal rendering: the verdict first, then one line per check with both values, the
//! bound and the reason of every failure.

use super::{Report, SliceInfo, details, value};
use crate::eval::Status;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}\n", report.headline()));
    for error in &report.errors {
        out.push_str(&format!("  error: {}\n", error.message));
        if let Some(help) = &error.help {
            out.push_str(&format!("  help: {help}\n"));
        }
    }
    if !report.checks.is_empty() {
        out.push('\n');
        let labels: Vec<String> = report.checks.iter().map(Report::label).collect();
        let width = labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .min(60);
        out.push_str(&format!(
            "    {:<width$}  {:>12}  {:>12}  {:>12}\n",
            "check",
            report.sides().0,
            report.sides().1,
            "bound"
        ));
        for (check, label) in report.checks.iter().zip(&labels) {
            let mark = match check.status {
                Status::Pass => "✔",
                Status::Fail => "✘",
                Status::Error => "!",
                Status::Warn => "⚠",
            };
            let text: String = label.chars().take(60).collect();
            out.push_str(&format!(
                "  {mark} {text:<width$}  {:>12}  {:>12}  {:>12}\n",
                value(check.challenger),
                value(check.champion),
                check.threshold.map_or_else(
                    || "—".to_string(),
                    |t| format!("{} {}", check.op, crate::eval::short(t))
                ),
            ));
            if let Some(reason) = &check.reason
                && check.status != Status::Pass
            {
                out.push_str(&format!("      line {}: {reason}\n", check.source.line));
            }
            for line in details(check) {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    if !report.data.is_empty() {
        out.push('\n');
        for slice in &report.data {
            let range = slice
                .ts_range
                .as_ref()
                .map(|r| format!(", {} .. {}", r.from, r.to))
                .unwrap_or_default();
            let positives = slice
                .positives
                .zip(slice.positives_percent())
                .map(|(p, percent)| format!(", {p} positives ({percent:.2}%)"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {}: {} rows of {} read ({}){range}{positives}\n",
                slice.slice, slice.rows, slice.rows_read, slice.path
            ));
        }
        for note in report.data.iter().filter_map(SliceInfo::widened_note) {
            out.push_str(&format!(
                "  note: {note}
"
            ));
        }
    }
    out
}
