//! The tables of report.html: one row per check as written in the policy, then the segments of
//! each `by` check and the outcomes of drift checks per column, each in their own table.

use super::{
    anchor, badge, bound, escape, figure_check, interval, line_link, pill, rank, reason,
    status_word, worst,
};
use crate::eval::{CheckOutcome, SegmentOutcome, SegmentStatus};
use crate::report::{Report, confidence, value};

/// One line of the checks table: a check as written in the policy. A drift check on several
/// columns has an outcome per column; its row summarises them.
pub(super) enum Row<'a> {
    One(&'a CheckOutcome),
    Columns(Vec<&'a CheckOutcome>),
}

pub(super) fn rows(checks: &[CheckOutcome]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = Vec::new();
    for check in checks {
        if check.column.is_none() {
            rows.push(Row::One(check));
            continue;
        }
        let same = |o: &&CheckOutcome| {
            o.source.line == check.source.line && o.source.text == check.source.text
        };
        match rows.iter_mut().find_map(|row| match row {
            Row::Columns(outcomes) if outcomes.first().is_some_and(same) => Some(outcomes),
            _ => None,
        }) {
            Some(outcomes) => outcomes.push(check),
            None => rows.push(Row::Columns(vec![check])),
        }
    }
    rows
}

pub(super) fn checks(page: &mut String, report: &Report, rows: &[Row<'_>]) {
    if rows.is_empty() {
        return;
    }
    let (tested, baseline) = report.sides();
    let with_ci = report.checks.iter().any(|c| c.ci.is_some());
    page.push_str(&format!(
        "<section id=\"checks\">\n<h2>Checks</h2>\n<table class=\"checks\">\n<thead><tr>\
         <th>status</th><th>check</th><th>line</th><th class=\"num\">{tested}</th>\
         <th class=\"num\">{baseline}</th><th class=\"num\">bound</th>{}<th>reason</th></tr>\
         </thead>\n<tbody>\n",
        if with_ci {
            "<th class=\"num\">confidence bound</th>"
        } else {
            ""
        },
    ));
    for row in rows {
        match row {
            Row::One(check) => check_row(page, report, check, with_ci),
            Row::Columns(outcomes) => columns_row(page, outcomes, with_ci),
        }
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn check_row(page: &mut String, report: &Report, check: &CheckOutcome, with_ci: bool) {
    let mut links = String::new();
    if check.segments.is_some() {
        links.push_str(&format!(
            " <a class=\"plot-link\" href=\"#{}\">segments</a>",
            anchor("seg", &check.id)
        ));
    }
    if report.figures.iter().any(|f| figure_check(f) == check.id) {
        links.push_str(&format!(
            " <a class=\"plot-link\" href=\"#{}\">plot</a>",
            anchor("fig", &check.id)
        ));
    }
    let warn_only = if check.severity == "warn" {
        " <span class=\"muted\">(never blocks)</span>"
    } else {
        ""
    };
    // A `by` check has no values of its own: its bound is one per segment.
    let shown_bound = match &check.segments {
        Some(segments) if !same_threshold(segments) => "per segment".to_string(),
        Some(segments) => bound(check.op, segments.iter().find_map(|s| s.threshold)),
        None => bound(check.op, check.threshold),
    };
    let mut notes: Vec<String> = Vec::new();
    if let Some(segments) = &check.segments {
        notes.push(tally(segments));
    }
    notes.extend(confidence(check).map(|line| escape(&line)));
    let notes: String = notes
        .iter()
        .map(|n| format!("<div class=\"detail\">{n}</div>"))
        .collect();
    page.push_str(&format!(
        "<tr id=\"{}\" class=\"r-{}\"><td>{}</td><td class=\"check\"><code>{}</code>{warn_only}{links}</td>\
         <td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{shown_bound}</td>\
         {}<td class=\"reason\">{}{notes}</td></tr>\n",
        anchor("check", &check.id),
        status_word(check.status),
        badge(check.status),
        escape(&Report::label(check)),
        line_link(check.source.line),
        value(check.challenger),
        value(check.champion),
        if with_ci {
            format!("<td class=\"num\">{}</td>", interval(check.ci))
        } else {
            String::new()
        },
        reason(check),
    ));
}

/// Relative bounds differ per segment; one bound is shown only when it is the same for all.
fn same_threshold(segments: &[SegmentOutcome]) -> bool {
    let mut evaluated = segments.iter().filter_map(|s| s.threshold);
    let first = evaluated.next();
    evaluated.all(|t| Some(t) == first)
}

/// "1 of 4 segments did not hold, 2 skipped": how a `by` check's segments ended.
fn tally(segments: &[SegmentOutcome]) -> String {
    let count = |status| segments.iter().filter(|s| s.status == status).count();
    let mut parts = vec![format!(
        "{} of {} segments did not hold",
        count(SegmentStatus::Fail),
        segments.len()
    )];
    for (status, word) in [
        (SegmentStatus::Error, "could not be computed"),
        (SegmentStatus::Skipped, "skipped"),
    ] {
        if count(status) > 0 {
            parts.push(format!("{} {word}", count(status)));
        }
    }
    parts.join(", ")
}

fn columns_row(page: &mut String, outcomes: &[&CheckOutcome], with_ci: bool) {
    let Some(first) = outcomes.first() else {
        return;
    };
    let status = worst(outcomes.iter().copied());
    // The same count as the drift table and `share_drifted`: a warn column that could not be
    // computed is undecided, not drifted.
    let failed = outcomes.iter().filter(|o| o.drifted == Some(true)).count();
    let errored = outcomes.iter().filter(|o| o.drifted.is_none()).count();
    let mut summary = vec![format!(
        "{failed} of {} {} drifted",
        outcomes.len(),
        if outcomes.len() == 1 {
            "column"
        } else {
            "columns"
        },
    )];
    if errored > 0 {
        summary.push(format!("{errored} could not be computed"));
    }
    let same_bound = outcomes
        .iter()
        .all(|o| o.threshold == first.threshold && o.op == first.op);
    let shown_bound = if same_bound {
        bound(first.op, first.threshold)
    } else {
        "per column".to_string()
    };
    // One outcome (a check on one column) speaks for itself.
    let (summary, tested, baseline) = match outcomes {
        [only] => (reason(only), value(only.challenger), value(only.champion)),
        _ => (summary.join(", "), "—".into(), "—".into()),
    };
    page.push_str(&format!(
        "<tr id=\"{}\" class=\"r-{}\"><td>{}</td><td class=\"check\"><code>{}</code> <a href=\"#drift\">\
         columns</a></td><td>{}</td><td class=\"num\">{tested}</td>\
         <td class=\"num\">{baseline}</td><td class=\"num\">{shown_bound}</td>{}<td class=\"reason\">{summary}</td></tr>\n",
        anchor("check", &first.id),
        status_word(status),
        badge(status),
        escape(&first.source.text),
        line_link(first.source.line),
        if with_ci {
            "<td class=\"num\">—</td>"
        } else {
            ""
        },
    ));
}

/// Every segment of every `by` check, with both values, the bound, the rows on each side and
/// why a segment failed or was skipped; failing segments are marked like failing checks.
pub(super) fn segments(page: &mut String, report: &Report) {
    let split: Vec<(&CheckOutcome, &Vec<SegmentOutcome>)> = report
        .checks
        .iter()
        .filter_map(|c| c.segments.as_ref().map(|s| (c, s)))
        .collect();
    if split.is_empty() {
        return;
    }
    let (tested, baseline) = report.sides();
    page.push_str("<section id=\"segments\">\n<h2>Per segment</h2>\n");
    for (check, segments) in split {
        let column = escape(check.by.as_deref().unwrap_or("segment"));
        let with_ci = segments.iter().any(|s| s.ci.is_some());
        page.push_str(&format!(
            "<h3 id=\"{}\">{} <code>{}</code> <span class=\"muted\">line {}: {}</span></h3>\n\
             <table class=\"checks segments\">\n<thead><tr><th>status</th><th>{column}</th>\
             <th class=\"num\">{tested}</th><th class=\"num\">{baseline}</th>\
             <th class=\"num\">bound</th>{}<th class=\"num\">rows {baseline}</th>\
             <th class=\"num\">rows {tested}</th><th>reason</th></tr></thead>\n<tbody>\n",
            anchor("seg", &check.id),
            badge(check.status),
            escape(&check.source.text),
            line_link(check.source.line),
            tally(segments),
            if with_ci {
                "<th class=\"num\">confidence bound</th>"
            } else {
                ""
            },
        ));
        for segment in segments {
            segment_row(page, check, segment, with_ci);
        }
        page.push_str("</tbody>\n</table>\n");
    }
    page.push_str("</section>\n");
}

fn segment_row(page: &mut String, check: &CheckOutcome, segment: &SegmentOutcome, with_ci: bool) {
    let (word, mark) = match segment.status {
        SegmentStatus::Pass => ("pass", "✔"),
        SegmentStatus::Fail => ("fail", "✘"),
        SegmentStatus::Error => ("error", "!"),
        SegmentStatus::Skipped => ("skipped", "–"),
    };
    let reason = segment
        .reason
        .as_deref()
        .filter(|_| segment.status != SegmentStatus::Pass)
        .map(escape)
        .unwrap_or_default();
    page.push_str(&format!(
        "<tr class=\"r-{word}\"><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td>{}\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"reason\">{reason}</td></tr>\n",
        pill(word, mark),
        escape(&segment.value),
        value(segment.challenger),
        value(segment.champion),
        bound(check.op, segment.threshold),
        if with_ci {
            format!("<td class=\"num\">{}</td>", interval(segment.ci))
        } else {
            String::new()
        },
        segment.rows[0],
        segment.rows[1],
    ));
}

pub(super) fn drift_columns(page: &mut String, report: &Report, rows: &[Row<'_>]) {
    let mut columns: Vec<&CheckOutcome> = rows
        .iter()
        .filter_map(|row| match row {
            Row::Columns(outcomes) => Some(outcomes),
            Row::One(_) => None,
        })
        .flatten()
        .copied()
        .collect();
    if columns.is_empty() {
        return;
    }
    // Drifted and unmeasured columns first: with many features they are what a reader wants.
    columns.sort_by_key(|o| rank(o.status));
    let drifted = columns.iter().filter(|o| o.drifted == Some(true)).count();
    let (tested, baseline) = report.sides();
    page.push_str(&format!(
        "<section id=\"drift\">\n<h2>Drift per column</h2>\n<p>{drifted} of {} column tests \
         drifted. Rows: {baseline} → {tested}.</p>\n<table class=\"checks\">\n<thead><tr>\
         <th>status</th><th>column</th><th>test</th><th class=\"num\">value</th>\
         <th class=\"num\">p-value</th><th class=\"num\">bound</th><th class=\"num\">rows</th>\
         <th>drifted</th><th>line</th><th>reason</th></tr></thead>\n<tbody>\n",
        columns.len(),
    ));
    for o in columns {
        let rows = o.rows.map_or_else(
            || "—".to_string(),
            |[base, test]| format!("{base} → {test}"),
        );
        let drifted = match o.drifted {
            Some(true) => "<b>yes</b>",
            Some(false) => "no",
            None => "—",
        };
        let plot = if report.figures.iter().any(|f| figure_check(f) == o.id) {
            format!(
                " <a class=\"plot-link\" href=\"#{}\">plot</a>",
                anchor("fig", &o.id)
            )
        } else {
            String::new()
        };
        page.push_str(&format!(
            "<tr id=\"{}\" class=\"r-{}\"><td>{}</td><td><code>{}</code>{plot}</td>\
             <td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{rows}</td><td>{drifted}</td><td>{}</td>\
             <td class=\"reason\">{}</td></tr>\n",
            anchor("check", &o.id),
            status_word(o.status),
            badge(o.status),
            escape(o.column.as_deref().unwrap_or_default()),
            escape(&o.metric),
            value(o.challenger),
            value(o.p_value),
            bound(o.op, o.threshold),
            line_link(o.source.line),
            reason(o),
        ));
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}
