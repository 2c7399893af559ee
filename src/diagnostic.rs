//! Renders diagnostics of any stage: miette's graphical report for people, JSON for editors and
//! CI (`--error-format json`).

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource};
use serde::Serialize;

/// A diagnostic tied to its source text, so it can be rendered on its own.
#[derive(Debug, thiserror::Error)]
#[error("{inner}")]
struct WithSource<'a> {
    inner: &'a (dyn Diagnostic + Send + Sync),
    text: NamedSource<String>,
}

impl Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.code()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.inner.labels()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.text)
    }
}

/// The graphical report: message, file:line:column, the line with the span underlined, help.
pub fn render_human(
    file: &str,
    src: &str,
    diagnostic: &(dyn Diagnostic + Send + Sync),
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Wrapped as terminals like it when one is attached; logs and CI get whole lines to grep.
    let width = if color { 100 } else { 400 };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let with_source = WithSource {
        inner: diagnostic,
        text: NamedSource::new(file, src.to_string()),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &with_source).is_err() {
        out = format!("error: {diagnostic}\n");
    }
    out
}

#[derive(Debug, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end: Position,
    pub code: Option<String>,
    pub message: String,
    pub label: Option<String>,
    pub help: Option<String>,
}

pub fn to_json(
    file: &str,
    src: &str,
    diagnostic: &(dyn Diagnostic + Send + Sync),
) -> JsonDiagnostic {
    let primary = diagnostic.labels().and_then(|mut labels| labels.next());
    let (start, end, label) = match &primary {
        Some(l) => (
            l.offset(),
            l.offset() + l.len(),
            l.label().map(str::to_string),
        ),
        None => (0, 0, None),
    };
    let (line, column) = position(src, start);
    let (end_line, end_column) = position(src, end);
    JsonDiagnostic {
        file: file.to_string(),
        line,
        column,
        end: Position {
            line: end_line,
            column: end_column,
        },
        code: diagnostic.code().map(|c| c.to_string()),
        message: diagnostic.to_string(),
        label,
        help: diagnostic.help().map(|h| h.to_string()),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn position(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, before[line_start..].chars().count() + 1)
}
