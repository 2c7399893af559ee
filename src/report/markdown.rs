//! Markdown for CI step summaries and pull-request comments.

use super::{Report, SliceInfo, details, value};
use crate::eval::{Status, Verdict};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mark = match report.verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Error => "⚠️",
    };
    let headline = match report.headline().split_once(": ") {
        Some((word, rest)) => format!("{mark} **{word}**: {rest}"),
        None => format!("{mark} {}", report.headline()),
    };
    let model = report.policy.model.as_deref().unwrap_or("model");
    out.push_str(&format!(
        "### verdict: `{model}` ({})\n\n{headline}\n\n",
        report.policy.path
    ));
    for error in &report.errors {
        out.push_str(&format!("- **error**: {}\n", escape(&error.message)));
        if let Some(help) = &error.help {
            out.push_str(&format!("  - help: {}\n", escape(help)));
        }
    }
    if let Some(canary) = &report.canary {
        out.push_str(&format!("{}\n\n", escape(&canary.summary())));
        if let Some(reason) = &canary.reason {
            out.push_str(&format!("**why**: {}\n\n", escape(reason)));
        }
    }
    if !report.checks.is_empty() {
        let (tested, baseline) = report.sides();
        out.push_str(&format!(
            "| | check | {tested} | {baseline} | bound | reason |\n|---|---|---:|---:|---:|---|\n"
        ));
        for check in &report.checks {
            let mark = match check.status {
                Status::Pass => "✅",
                Status::Fail => "❌",
                Status::Error => "⚠️ error",
                Status::Warn => "⚠️ warn",
            };
            out.push_str(&format!(
                "| {mark} | `{}` (line {}) | {} | {} | {} | {} |\n",
                Report::label(check).replace('`', "'").replace('|', "\\|"),
                check.source.line,
                value(check.challenger),
                value(check.champion),
                check.threshold.map_or_else(
                    || "—".into(),
                    |t| format!("{} {}", escape(check.op), crate::eval::short(t))
                ),
                check
                    .reason
                    .as_deref()
                    .filter(|_| check.status != Status::Pass)
                    .map(escape)
                    .into_iter()
                    .chain(details(check).iter().map(|l| escape(l)))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            ));
        }
    }
    if let Some(canary) = report.canary.as_ref().filter(|c| !c.history.is_empty()) {
        out.push_str(
            "\n| stage | share | started | ended | requests | decision | reason |\n|---:|---:|---|---|---:|---|---|\n",
        );
        for s in &canary.history {
            out.push_str(&format!(
                "| {} | {}% | {} | {} | {} | {} | {} |\n",
                s.stage,
                s.percent,
                s.started,
                s.ended.as_deref().unwrap_or("—"),
                s.requests
                    .map_or_else(|| "—".to_string(), |n| n.to_string()),
                s.outcome(),
                s.reason.as_deref().map(escape).unwrap_or_default(),
            ));
        }
    }
    if !report.data.is_empty() {
        out.push_str(
            "\n| slice | rows used | rows read | positives | time range | sha256 |\n|---|---:|---:|---:|---|---|\n",
        );
        for s in &report.data {
            let range = s
                .ts_range
                .as_ref()
                .map(|r| format!("{} .. {}", r.from, r.to))
                .unwrap_or_default();
            let positives = s
                .positives
                .zip(s.positives_percent())
                .map(|(p, percent)| format!("{p} ({percent:.2}%)"))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} | {positives} | {range} | `{}` |\n",
                s.slice,
                s.rows,
                s.rows_read,
                &s.sha256[..s.sha256.len().min(12)]
            ));
        }
        for note in report.data.iter().filter_map(SliceInfo::widened_note) {
            out.push_str(&format!("\n> {}\n", escape(&note)));
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
