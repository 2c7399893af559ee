//! Turns pest's "expected one of these rules" into a message a person reads, and decides how
//! much text to skip before parsing again.

use pest::error::{ErrorVariant, InputLocation};

use super::error::SyntaxError;
use super::{Rule, blank_range, line_bounds};
use crate::ast::Span;
use crate::suggest::did_you_mean;

/// Words that start a statement somewhere in the language: a misspelling of one of them at the
/// start of a line is reported as an unknown keyword.
const STATEMENT_KEYWORDS: &[&str] = &[
    "model", "registry", "serving", "data", "gate", "canary", "drift", "join", "recent", "require",
    "drop", "stage", "guard", "no", "window", "warn",
];

pub fn from_pest(text: &str, error: &pest::error::Error<Rule>) -> SyntaxError {
    let at = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let found = token_at(text, at);
    if let Some(keyword_error) = misspelled_keyword(text, at) {
        return keyword_error;
    }
    if let Some(word) = found.word().filter(|_| expects_only_keywords(&positives)) {
        let keywords = positives.iter().filter_map(|r| keyword_text(*r));
        let help = match did_you_mean(word, keywords) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!("expected {}", describe_all(&positives)),
        };
        return SyntaxError::UnknownKeyword {
            word: word.to_string(),
            span: found.span,
            help,
        };
    }
    let rest = &text[found.span.start..];
    let help = if rest.starts_with("=>") {
        Some("write `>=`".to_string())
    } else if rest.starts_with("=<") {
        Some("write `<=`".to_string())
    } else if rest.starts_with('=') && positives.contains(&Rule::cmp_op) {
        Some("write `==` to compare".to_string())
    } else if found.text.is_none() {
        Some("a block opened with `{` is not closed".to_string())
    } else if rest.starts_with(['<', '>', '=', '!']) && !positives.contains(&Rule::cmp_op) {
        Some("a check compares once: `metric op bound`".to_string())
    } else {
        help_for(&positives)
    };
    SyntaxError::Unexpected {
        expected: describe_all(&positives),
        found: found.describe(),
        span: found.span,
        help,
    }
}

/// A position where only keywords (or the end of a block) may stand, such as the top level.
fn expects_only_keywords(rules: &[Rule]) -> bool {
    rules.iter().any(|r| keyword_text(*r).is_some())
        && rules
            .iter()
            .all(|r| keyword_text(*r).is_some() || matches!(r, Rule::EOI))
}

fn keyword_text(rule: Rule) -> Option<&'static str> {
    describe(rule)
        .strip_prefix('`')
        .and_then(|s| s.strip_suffix('`'))
        .filter(|s| s.chars().all(|c| c.is_ascii_alphabetic()))
}

pub fn at_end(text: &str) -> SyntaxError {
    SyntaxError::Unexpected {
        expected: "a policy".to_string(),
        found: "nothing".to_string(),
        span: Span::new(text.len(), text.len()),
        help: None,
    }
}

/// Skips the statement that failed: its line, and when that line opens a block, the whole block,
/// so its contents are not reported again as stray statements.
pub fn blank_statement(text: &mut String, at: usize) {
    let (start, end) = line_bounds(text, at);
    let line = &text[start..end];
    let opens = line.matches('{').count() > line.matches('}').count();
    if opens && let Some(close) = matching_brace(text, start) {
        blank_range(text, start, close + 1, false);
        return;
    }
    blank_range(text, start, end, true);
}

fn first_word(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    let len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(trimmed.len());
    (len > 0).then(|| &trimmed[..len])
}

/// The byte offset of the `}` closing the first `{` at or after `from`, skipping strings and
/// comments.
fn matching_brace(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A line whose first word is a near miss of a statement keyword (`recnt 7d on ts`) fails
/// somewhere later in the line; the misspelt word is the real mistake.
fn misspelled_keyword(text: &str, at: usize) -> Option<SyntaxError> {
    let (start, end) = line_bounds(text, at);
    let line = &text[start..end];
    let word = first_word(line)?;
    if STATEMENT_KEYWORDS.contains(&word) {
        return None;
    }
    let word_start = start + (line.len() - line.trim_start().len());
    let after_word = text[word_start + word.len()..].trim_start();
    if after_word.starts_with('(') || after_word.starts_with('=') {
        return None;
    }
    let suggestion = did_you_mean(word, STATEMENT_KEYWORDS.iter().copied())?;
    Some(SyntaxError::UnknownKeyword {
        word: word.to_string(),
        span: Span::new(word_start, word_start + word.len()),
        help: format!("did you mean `{suggestion}`?"),
    })
}

struct Found {
    text: Option<String>,
    span: Span,
}

impl Found {
    fn word(&self) -> Option<&str> {
        self.text
            .as_deref()
            .filter(|t| t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
    }

    fn describe(&self) -> String {
        match &self.text {
            Some(t) => format!("`{t}`"),
            None => "end of file".to_string(),
        }
    }
}

/// The token starting at `at`: a word, a number, an operator or one character.
fn token_at(text: &str, at: usize) -> Found {
    let rest = &text[at.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return Found {
            text: None,
            span: Span::new(text.len(), text.len()),
        };
    };
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '%'))
            .unwrap_or(rest.len())
    } else if ["==", "!=", "<=", ">=", "->"]
        .iter()
        .any(|op| rest.starts_with(op))
    {
        2
    } else {
        first.len_utf8()
    };
    Found {
        text: Some(rest[..len].to_string()),
        span: Span::new(at, at + len),
    }
}

fn describe_all(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for rule in rules {
        let name = describe(*rule);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    match names.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::kw_model => "`model`",
        Rule::kw_registry => "`registry`",
        Rule::kw_serving => "`serving`",
        Rule::kw_data => "`data`",
        Rule::kw_gate => "`gate`",
        Rule::kw_canary => "`canary`",
        Rule::kw_drift => "`drift`",
        Rule::kw_join => "`join`",
        Rule::kw_on => "`on`",
        Rule::kw_allow => "`allow`",
        Rule::kw_unmatched => "`unmatched`",
        Rule::kw_recent => "`recent`",
        Rule::kw_require => "`require`",
        Rule::kw_drop => "`drop`",
        Rule::kw_nulls => "`nulls`",
        Rule::kw_stage => "`stage`",
        Rule::kw_for => "`for`",
        Rule::kw_min => "`min`",
        Rule::kw_requests => "`requests`",
        Rule::kw_guard => "`guard`",
        Rule::kw_no => "`no`",
        Rule::kw_traffic => "`traffic`",
        Rule::kw_window => "`window`",
        Rule::kw_warn | Rule::warn => "`warn`",
        Rule::kw_by | Rule::segment => "`by`",
        Rule::kw_at | Rule::confidence => "`at`",
        Rule::kw_between | Rule::between_tail => "`between`",
        Rule::kw_and | Rule::op_and => "`and`",
        Rule::op_or => "`or`",
        Rule::kw_in | Rule::in_tail => "`in`",
        Rule::kw_not | Rule::op_not => "`not`",
        Rule::kw_is | Rule::kw_null | Rule::null_tail => "`is null`",
        Rule::cmp_op | Rule::compare_tail => "a comparison (`>=`, `<`, `==`, ...)",
        Rule::op_add | Rule::op_mul | Rule::op_neg => "an operator",
        Rule::arrow => "`->`",
        Rule::name | Rule::bare_name | Rule::quoted_name => "a name",
        // A pattern is tried beside an expression wherever it may stand, and is one to a reader.
        Rule::pattern => "an expression",
        Rule::string | Rule::string_body => "a string",
        Rule::number | Rule::percent | Rule::duration | Rule::boolean => "a value",
        Rule::field => "`.field`",
        Rule::check | Rule::metric | Rule::guard_stmt | Rule::auto_check => "a check",
        Rule::settings => "`{`",
        Rule::requirement => "a requirement such as `rows >= 1000`",
        _ => "an expression",
    }
}

fn help_for(rules: &[Rule]) -> Option<String> {
    if rules.contains(&Rule::kw_gate) && rules.contains(&Rule::kw_data) {
        return Some(
            "a policy is made of `model`, `registry`, `serving`, `data`, `gate`, `canary` and `drift` blocks"
                .to_string(),
        );
    }
    if rules.contains(&Rule::cmp_op) || rules.contains(&Rule::segment) {
        return Some(
            "a check reads `metric(columns) <op> bound`, e.g. `auroc(label, score) >= champion`"
                .to_string(),
        );
    }
    None
}
