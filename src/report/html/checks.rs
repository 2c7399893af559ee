//! The tables of report.html: one row per check as written in the policy, then the outcomes of
//! checks that expand per segment (`by`) or per drift column, each in its own table.

use super::{
    anchor, badge, bound, escape, figure_check, interval, line_link, rank, reason, status_word,
    worst,
};
use crate::eval::{CheckOutcome, Status};
use crate::report::{Report, value};

/// One line of the checks table: a check as written in the policy. A check that expands into
/// several outcomes (one per segment, one per drift column) is one row summarising them.
pub(super) enum Row<'a> {
    One(&'a CheckOutcome),
    Group {
        kind: GroupKind,
        outcomes: Vec<&'a CheckOutcome>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum GroupKind {
    Segments,
    Columns,
}

pub(super) fn rows(checks: &[CheckOutcome]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = Vec::new();
    for check in checks {
        let kind = match (&check.by, &check.column) {
            (_, Some(_)) => GroupKind::Columns,
            (Some(_), None) => GroupKind::Segments,
            (None, None) => {
                rows.push(Row::One(check));
                continue;
            }
        };
        let same = |o: &&CheckOutcome| {
            o.source.line == check.source.line && o.source.text == check.source.text
        };
        match rows.iter_mut().find_map(|row| match row {
            Row::Group { kind: k, outcomes }
                if *k == kind && outcomes.first().is_some_and(same) =>
            {
                Some(outcomes)
            }
            _ => None,
        }) {
            Some(outcomes) => outcomes.push(check),
            None => rows.push(Row::Group {
                kind,
                outcomes: vec![check],
            }),
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
            "<th class=\"num\">interval</th>"
        } else {
            ""
        },
    ));
    for row in rows {
        match row {
            Row::One(check) => check_row(page, report, check, with_ci),
            Row::Group { kind, outcomes } => group_row(page, *kind, outcomes, with_ci),
        }
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn check_row(page: &mut String, report: &Report, check: &CheckOutcome, with_ci: bool) {
    let plot = if report.figures.iter().any(|f| figure_check(f) == check.id) {
        format!(
            " <a class=\"plot-link\" href=\"#{}\">plot</a>",
            anchor("fig", &check.id)
        )
    } else {
        String::new()
    };
    let warn_only = if check.severity == "warn" {
        " <span class=\"muted\">(never blocks)</span>"
    } else {
        ""
    };
    page.push_str(&format!(
        "<tr id=\"{}\" class=\"r-{}\"><td>{}</td><td class=\"check\"><code>{}</code>{warn_only}{plot}</td>\
         <td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         {}<td class=\"reason\">{}</td></tr>\n",
        anchor("check", &check.id),
        status_word(check.status),
        badge(check.status),
        escape(&Report::label(check)),
        line_link(check.source.line),
        value(check.challenger),
        value(check.champion),
        bound(check),
        if with_ci {
            format!("<td class=\"num\">{}</td>", interval(check))
        } else {
            String::new()
        },
        reason(check),
    ));
}

fn group_row(page: &mut String, kind: GroupKind, outcomes: &[&CheckOutcome], with_ci: bool) {
    let Some(first) = outcomes.first() else {
        return;
    };
    let status = worst(outcomes.iter().copied());
    let (noun, section) = match kind {
        GroupKind::Segments => ("segments", "segments"),
        GroupKind::Columns => ("columns", "drift"),
    };
    let failed = outcomes.iter().filter(|o| o.status == Status::Fail).count();
    let errored = outcomes
        .iter()
        .filter(|o| o.status == Status::Error)
        .count();
    let warned = outcomes.iter().filter(|o| o.status == Status::Warn).count();
    let mut summary = vec![format!(
        "{} of {} {} {}",
        failed + warned,
        outcomes.len(),
        if outcomes.len() == 1 {
            noun.trim_end_matches('s')
        } else {
            noun
        },
        if kind == GroupKind::Columns {
            "drifted"
        } else {
            "did not hold"
        }
    )];
    if errored > 0 {
        summary.push(format!("{errored} could not be computed"));
    }
    // Relative bounds differ per segment; one bound is shown only when it is the same for all.
    let same_bound = outcomes
        .iter()
        .all(|o| o.threshold == first.threshold && o.op == first.op);
    let shown_bound = if same_bound {
        bound(first)
    } else {
        format!("per {}", noun.trim_end_matches('s'))
    };
    // One outcome (one column, or a `by` check that could not be split) speaks for itself.
    let summary = match outcomes {
        [only] => reason(only),
        _ => summary.join(", "),
    };
    let (tested, baseline, ci) = match outcomes {
        [only] => (value(only.challenger), value(only.champion), interval(only)),
        _ => ("—".into(), "—".into(), "—".into()),
    };
    page.push_str(&format!(
        "<tr id=\"{}\" class=\"r-{}\"><td>{}</td><td class=\"check\"><code>{}</code> <a href=\"#{section}\">\
         {noun}</a></td><td>{}</td><td class=\"num\">{tested}</td>\
         <td class=\"num\">{baseline}</td><td class=\"num\">{}</td>{}<td class=\"reason\">{summary}</td></tr>\n",
        anchor("check", &first.id),
        status_word(status),
        badge(status),
        escape(&first.source.text),
        line_link(first.source.line),
        shown_bound,
        if with_ci {
            format!("<td class=\"num\">{ci}</td>")
        } else {
            String::new()
        },
    ));
}

/// The segment of an outcome of a `by` check: what its id adds to the check's own id
/// (`promote.2.de` → `de`), or nothing when the check was not split.
fn segment_name(id: &str) -> &str {
    let Some((_, number_on)) = id.split_once('.') else {
        return "";
    };
    number_on
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches(['.', ':', '/', '[', '=', ' '])
        .trim_end_matches(']')
}

pub(super) fn segments(page: &mut String, report: &Report, rows: &[Row<'_>]) {
    let groups: Vec<&Vec<&CheckOutcome>> = rows
        .iter()
        .filter_map(|row| match row {
            Row::Group {
                kind: GroupKind::Segments,
                outcomes,
            } => Some(outcomes),
            _ => None,
        })
        .collect();
    if groups.is_empty() {
        return;
    }
    let (tested, baseline) = report.sides();
    page.push_str("<section id=\"segments\">\n<h2>Per segment</h2>\n");
    for outcomes in groups {
        let Some(first) = outcomes.first() else {
            continue;
        };
        page.push_str(&format!(
            "<h3><code>{}</code> <span class=\"muted\">by <code>{}</code>, line {}</span></h3>\n\
             <table class=\"checks\">\n<thead><tr><th>status</th><th>segment</th>\
             <th class=\"num\">{tested}</th><th class=\"num\">{baseline}</th>\
             <th class=\"num\">bound</th><th class=\"num\">interval</th><th>reason</th></tr>\
             </thead>\n<tbody>\n",
            escape(&first.source.text),
            escape(first.by.as_deref().unwrap_or_default()),
            line_link(first.source.line),
        ));
        for o in outcomes {
            page.push_str(&format!(
                "<tr class=\"r-{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"reason\">{}</td></tr>\n",
                status_word(o.status),
                badge(o.status),
                match segment_name(&o.id) {
                    "" => "—".to_string(),
                    name => escape(name),
                },
                value(o.challenger),
                value(o.champion),
                bound(o),
                interval(o),
                reason(o),
            ));
        }
        page.push_str("</tbody>\n</table>\n");
    }
    page.push_str("</section>\n");
}

pub(super) fn drift_columns(page: &mut String, report: &Report, rows: &[Row<'_>]) {
    let mut columns: Vec<&CheckOutcome> = rows
        .iter()
        .filter_map(|row| match row {
            Row::Group {
                kind: GroupKind::Columns,
                outcomes,
            } => Some(outcomes),
            _ => None,
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
            bound(o),
            line_link(o.source.line),
            reason(o),
        ));
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}
