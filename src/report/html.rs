//! report.html: one page for the people who decide on a model. The verdict comes first (for a
//! canary step, with the stage it judged and why), then every check with both values, its bound
//! and its reason, the per-segment and per-column details, a canary's stage history, the plots,
//! the policy with the lines of failing checks marked, and the data.
//!
//! Takes a [`Report`] and returns the page. The page never refers to anything outside itself
//! (no scripts, fonts, images or styles from elsewhere), so it can be attached to a run, mailed
//! or opened offline; every piece of user text (policy, names, messages) is escaped.

mod canary;
mod checks;
mod plot;

use self::checks::{checks, drift_columns, rows, segments};
use super::figures::Figure;
use super::{Report, SliceInfo};
use crate::eval::{CheckOutcome, Status, Verdict};

const STYLE: &str = include_str!("html/style.css");

/// The page may load nothing and run nothing, only use its own inline styles: should escaping
/// ever miss, injected markup still cannot fetch or execute, and a browser reports the attempt
/// on its console (the headless-browser test looks for exactly that).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// How many blocking failures the header lists before it only counts the rest.
const WHY_SHOWN: usize = 8;

pub fn render(report: &Report) -> String {
    let mut page = String::with_capacity(64 * 1024);
    page.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <title>{} · {} · verdict {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        escape(report.headline()),
        escape(report.policy.model.as_deref().unwrap_or("model")),
        report.command,
    ));
    let rows = rows(&report.checks);
    header(&mut page, report);
    page.push_str("<main>\n");
    errors(&mut page, report);
    canary::decision(&mut page, report);
    checks(&mut page, report, &rows);
    canary::history(&mut page, report);
    segments(&mut page, report);
    drift_columns(&mut page, report, &rows);
    figures(&mut page, report);
    policy(&mut page, report);
    data(&mut page, report);
    page.push_str("</main>\n");
    footer(&mut page, report);
    page.push_str("</body>\n</html>\n");
    page
}

/// Text made safe for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A fragment identifier made of a check id, which may hold a user's column name.
fn anchor(prefix: &str, id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{safe}")
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::Warn => "warn",
    }
}

fn badge(status: Status) -> String {
    let mark = match status {
        Status::Pass => "✔",
        Status::Fail => "✘",
        Status::Error => "!",
        Status::Warn => "⚠",
    };
    pill(status_word(status), mark)
}

/// A status as a coloured label; `word` is also its CSS class.
fn pill(word: &str, mark: &str) -> String {
    format!("<span class=\"st st-{word}\">{mark} {word}</span>")
}

/// Worst first: a group of outcomes shows the status of its worst member.
fn rank(status: Status) -> u8 {
    match status {
        Status::Error => 0,
        Status::Fail => 1,
        Status::Warn => 2,
        Status::Pass => 3,
    }
}

fn worst<'a>(outcomes: impl IntoIterator<Item = &'a CheckOutcome>) -> Status {
    outcomes
        .into_iter()
        .map(|o| o.status)
        .min_by_key(|s| rank(*s))
        .unwrap_or(Status::Pass)
}

fn line_link(line: usize) -> String {
    format!("<a class=\"ln-link\" href=\"#L{line}\">{line}</a>")
}

/// A check's (or a segment's) bound: its operator and threshold.
fn bound(op: &str, threshold: Option<f64>) -> String {
    threshold.map_or_else(
        || "—".to_string(),
        |t| format!("{} {}", escape(op), crate::eval::short(t)),
    )
}

/// The one-sided confidence bound of an `at` check (or segment), named by its end.
fn interval(ci: Option<[Option<f64>; 2]>) -> String {
    match ci.and_then(|[lo, hi]| lo.or(hi)) {
        Some(v) => format!("{} {}", super::bound_side(ci), crate::eval::short(v)),
        None => "—".to_string(),
    }
}

fn reason(check: &CheckOutcome) -> String {
    check
        .reason
        .as_deref()
        .filter(|_| check.status != Status::Pass)
        .map(escape)
        .unwrap_or_default()
}

fn header(page: &mut String, report: &Report) {
    let class = match report.verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Error => "error",
    };
    let (word, rest) = report
        .headline()
        .split_once(": ")
        .unwrap_or((report.headline(), ""));
    page.push_str(&format!(
        "<header class=\"verdict v-{class}\">\n<p class=\"context\">verdict {} · <b>{}</b> · \
         <code>{}</code></p>\n<h1><span class=\"word\">{}</span>: {}</h1>\n",
        report.command,
        escape(report.policy.model.as_deref().unwrap_or("model")),
        escape(&report.policy.path),
        escape(word),
        escape(rest),
    ));
    let blocking: Vec<&CheckOutcome> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
        .collect();
    if !blocking.is_empty() {
        page.push_str("<ul class=\"why\">\n");
        for check in blocking.iter().take(WHY_SHOWN) {
            page.push_str(&format!(
                "<li>{} <a href=\"#{}\"><code>{}</code></a> <span class=\"muted\">line {}</span> \
                 {}</li>\n",
                badge(check.status),
                anchor("check", &check.id),
                escape(&Report::label(check)),
                check.source.line,
                reason(check),
            ));
        }
        if blocking.len() > WHY_SHOWN {
            page.push_str(&format!(
                "<li class=\"muted\">and {} more below</li>\n",
                blocking.len() - WHY_SHOWN
            ));
        }
        page.push_str("</ul>\n");
    }
    let tally: Vec<String> = [Status::Fail, Status::Error, Status::Warn, Status::Pass]
        .into_iter()
        .filter_map(|status| {
            let n = report.checks.iter().filter(|c| c.status == status).count();
            (n > 0).then(|| {
                format!(
                    "<span class=\"count st-{0}\">{n} {0}</span>",
                    status_word(status)
                )
            })
        })
        .collect();
    if !tally.is_empty() {
        page.push_str(&format!(
            "<p class=\"tally\">{} outcomes: {}</p>\n",
            report.checks.len(),
            tally.join(" ")
        ));
    }
    page.push_str("</header>\n");
}

fn errors(page: &mut String, report: &Report) {
    if report.errors.is_empty() {
        return;
    }
    page.push_str("<section id=\"errors\">\n<h2>Errors</h2>\n<ul class=\"errors\">\n");
    for error in &report.errors {
        let code = error
            .code
            .as_deref()
            .map(|c| format!("<code>{}</code> ", escape(c)))
            .unwrap_or_default();
        page.push_str(&format!("<li>{code}{}", escape(&error.message)));
        if let Some(help) = &error.help {
            page.push_str(&format!("<div class=\"help\">help: {}</div>", escape(help)));
        }
        page.push_str("</li>\n");
    }
    page.push_str("</ul>\n</section>\n");
}

fn figure_check(figure: &Figure) -> &str {
    match figure {
        Figure::Roc { check_id, .. } | Figure::Histogram { check_id, .. } => check_id,
    }
}

fn figures(page: &mut String, report: &Report) {
    if report.figures.is_empty() {
        return;
    }
    page.push_str("<section id=\"plots\">\n<h2>Plots</h2>\n<div class=\"plots\">\n");
    for figure in &report.figures {
        let id = figure_check(figure);
        let check = report.checks.iter().find(|c| c.id == id);
        let (title, drawn) = match figure {
            Figure::Roc { title, curves, .. } => (title, plot::roc(curves)),
            Figure::Histogram {
                title,
                edges,
                series,
                markers,
                ..
            } => (title, plot::histogram(edges, series, markers)),
        };
        let status = check.map(|c| badge(c.status)).unwrap_or_default();
        let link = check
            .map(|c| {
                format!(
                    " <a class=\"muted\" href=\"#{}\">line {}</a>",
                    anchor("check", &c.id),
                    c.source.line
                )
            })
            .unwrap_or_default();
        page.push_str(&format!(
            "<figure class=\"plot\" id=\"{}\">\n<figcaption>{status} {}{link}</figcaption>\n",
            anchor("fig", id),
            escape(title),
        ));
        page.push_str(&drawn.svg);
        page.push_str("<ul class=\"legend\">");
        for entry in &drawn.legend {
            page.push_str(&format!(
                "<li><i class=\"{}\" style=\"--c:{}\"></i>{}</li>",
                if entry.dashed { "dash" } else { "swatch" },
                entry.colour,
                escape(&entry.label),
            ));
        }
        page.push_str("</ul>\n</figure>\n");
    }
    page.push_str("</div>\n</section>\n");
}

fn policy(page: &mut String, report: &Report) {
    if report.policy_text.is_empty() {
        return;
    }
    page.push_str(&format!(
        "<section id=\"policy\">\n<h2>Policy <code>{}</code></h2>\n<pre class=\"policy\"><code>",
        escape(&report.policy.path)
    ));
    for (i, text) in report.policy_text.lines().enumerate() {
        let line = i + 1;
        let here: Vec<&CheckOutcome> = report
            .checks
            .iter()
            .filter(|c| c.source.line == line)
            .collect();
        let (class, note) = if here.is_empty() {
            (String::new(), String::new())
        } else {
            let status = worst(here.iter().copied());
            let note = match here.as_slice() {
                [only] if only.status != Status::Pass => reason(only),
                _ if status != Status::Pass => {
                    let bad = here.iter().filter(|c| c.status != Status::Pass).count();
                    format!("{bad} of {} outcomes did not pass", here.len())
                }
                _ => String::new(),
            };
            (
                format!(" l-{}", status_word(status)),
                format!("<span class=\"note\">{} {note}</span>", badge(status)),
            )
        };
        page.push_str(&format!(
            "<span class=\"pl{class}\" id=\"L{line}\"><span class=\"ln\">{line}</span>\
             <span class=\"tx\">{}</span>{note}</span>",
            escape(text),
        ));
    }
    page.push_str("</code></pre>\n</section>\n");
}

fn data(page: &mut String, report: &Report) {
    if report.data.is_empty() {
        return;
    }
    page.push_str(
        "<section id=\"data\">\n<h2>Data</h2>\n<table class=\"data\">\n<thead><tr><th>slice</th>\
         <th>path</th><th class=\"num\">rows used</th><th class=\"num\">rows read</th>\
         <th class=\"num\">positives</th><th>time range</th><th>sha256</th></tr></thead>\n\
         <tbody>\n",
    );
    for s in &report.data {
        let range = s.ts_range.as_ref().map_or_else(
            || "—".to_string(),
            |r| {
                format!(
                    "<span class=\"ts\">{}</span> → <span class=\"ts\">{}</span>",
                    escape(&r.from),
                    escape(&r.to)
                )
            },
        );
        let files = match s.files.len() {
            0 | 1 => String::new(),
            n => format!(" <span class=\"muted\">({n} files)</span>"),
        };
        page.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code>{files}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{range}</td>\
             <td><code title=\"{}\">{}</code></td></tr>\n",
            escape(&s.slice),
            escape(&s.path),
            s.rows,
            s.rows_read,
            s.positives.zip(s.positives_percent()).map_or_else(
                || "—".to_string(),
                |(p, percent)| format!("{p} <span class=\"muted\">({percent:.2}%)</span>")
            ),
            escape(&s.sha256),
            escape(s.sha256.get(..12).unwrap_or(&s.sha256)),
        ));
    }
    page.push_str("</tbody>\n</table>\n");
    for note in report.data.iter().filter_map(SliceInfo::widened_note) {
        page.push_str(&format!("<p class=\"muted\">{}</p>\n", escape(&note)));
    }
    if let Some(join) = &report.join {
        let name = |i: usize| {
            report
                .data
                .get(i)
                .map_or_else(|| "one side".to_string(), |s| escape(&s.slice))
        };
        page.push_str(&format!(
            "<p>Rows paired by the join: {}; only in {}: {}; only in {}: {}.</p>\n",
            join.matched,
            name(0),
            join.unmatched_left,
            name(1),
            join.unmatched_right,
        ));
    }
    page.push_str("</section>\n");
}

fn footer(page: &mut String, report: &Report) {
    page.push_str(&format!(
        "<footer>{} · verdict {} · policy sha256 <code>{}</code> · load {} ms, eval {} ms, \
         total {} ms</footer>\n",
        report.schema,
        report.verdict_version,
        escape(&report.policy.sha256),
        report.timings_ms.load,
        report.timings_ms.eval,
        report.timings_ms.total,
    ));
}
