//! The canary parts of report.html: the facts the decision was made on, right under the
//! headline, and the stage history as a timeline table whose bars show each stage's share.

use super::escape;
use crate::report::Report;
use crate::report::canary::{StageDecision, StageRecord};

/// The decision's reason and the stage it judged.
pub(super) fn decision(page: &mut String, report: &Report) {
    let Some(canary) = &report.canary else {
        return;
    };
    page.push_str("<section id=\"decision\">\n<h2>Decision</h2>\n");
    if let Some(reason) = &canary.reason {
        page.push_str(&format!(
            "<p class=\"why-text\"><b>Why:</b> {}</p>\n",
            escape(reason)
        ));
    }
    page.push_str(&format!(
        "<p>{}</p>\n</section>\n",
        escape(&canary.summary())
    ));
}

/// Every stage of the canary, oldest first, the running one last.
pub(super) fn history(page: &mut String, report: &Report) {
    let Some(canary) = report.canary.as_ref().filter(|c| !c.history.is_empty()) else {
        return;
    };
    page.push_str(
        "<section id=\"history\">\n<h2>Stage history</h2>\n<table class=\"history\">\n<thead><tr>\
         <th class=\"num\">stage</th><th>share</th><th>started</th><th>ended</th>\
         <th class=\"num\">requests</th><th>decision</th><th>reason</th></tr></thead>\n<tbody>\n",
    );
    for stage in &canary.history {
        row(page, stage);
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn row(page: &mut String, stage: &StageRecord) {
    // A rolled-back stage reads as a failure; every other outcome let the canary go on.
    let word = match stage.decision {
        Some(StageDecision::Rollback) => "fail",
        Some(_) => "pass",
        None => "running",
    };
    let mark = match stage.decision {
        Some(StageDecision::Rollback) => "✘",
        Some(_) => "✔",
        None => "…",
    };
    // The share is a whole percent (0 to 100), so it is also the bar's width.
    let width = stage.percent.clamp(0, 100);
    page.push_str(&format!(
        "<tr class=\"r-{word}\"><td class=\"num\">{}</td><td class=\"share\"><span class=\"bar\" \
         style=\"width:{width}%\"></span><span class=\"pct\">{}%</span></td>\
         <td class=\"ts\">{}</td><td class=\"ts\">{}</td><td class=\"num\">{}</td>\
         <td><span class=\"st st-{word}\">{mark} {}</span></td>\
         <td class=\"reason\">{}</td></tr>\n",
        stage.stage,
        stage.percent,
        escape(&stage.started),
        stage
            .ended
            .as_deref()
            .map_or_else(|| "—".to_string(), escape),
        stage
            .requests
            .map_or_else(|| "—".to_string(), |n| n.to_string()),
        stage.outcome(),
        stage.reason.as_deref().map(escape).unwrap_or_default(),
    ));
}
