//! A lexical pass before the grammar: finds the mistakes a PEG parser reports badly (unterminated
//! strings, `1.2.3`, stray bytes, runaway nesting) and says exactly what they are.
//!
//! Takes the source, returns the errors with the byte range each one spoils. Never fails.

use super::error::SyntaxError;
use crate::ast::Span;

/// Deeper nesting is refused before parsing, so the recursive grammar cannot exhaust the stack.
pub const MAX_DEPTH: usize = 64;

pub struct Finding {
    pub error: SyntaxError,
    /// Set when parsing must not even be attempted (runaway nesting).
    pub fatal: bool,
}

pub fn scan(src: &str) -> Vec<Finding> {
    let bytes = src.as_bytes();
    let mut findings = Vec::new();
    let mut depth = 0usize;
    let mut deep_reported = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => i = line_end(bytes, i),
            b'"' | b'`' => i = scan_quoted(src, i, &mut findings),
            b'0'..=b'9' => i = scan_number(src, i, &mut findings),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH && !deep_reported {
                    deep_reported = true;
                    findings.push(Finding {
                        error: SyntaxError::TooDeep {
                            limit: MAX_DEPTH,
                            span: Span::new(i, i + 1),
                        },
                        fatal: true,
                    });
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ if b.is_ascii_graphic() => i += 1,
            _ => i = scan_stray(src, i, &mut findings),
        }
    }
    findings
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// A string (`"`) or quoted name (`` ` ``) must close on its own line.
fn scan_quoted(src: &str, start: usize, findings: &mut Vec<Finding>) -> usize {
    let bytes = src.as_bytes();
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'\n' {
        if bytes[i] == b'\\' && quote == b'"' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    let end = i.min(bytes.len());
    let span = Span::new(start, end);
    let error = if quote == b'"' {
        SyntaxError::UnterminatedString { span }
    } else {
        SyntaxError::UnterminatedName { span }
    };
    findings.push(Finding {
        error,
        fatal: false,
    });
    end
}

/// `1.2.3` would otherwise read as `1.2` followed by a confusing error at `.3`.
fn scan_number(src: &str, start: usize, findings: &mut Vec<Finding>) -> usize {
    let bytes = src.as_bytes();
    let mut i = start;
    let mut dots = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            i += 1;
        } else if bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            dots += 1;
            i += 1;
        } else {
            break;
        }
    }
    if dots > 1 {
        findings.push(Finding {
            error: SyntaxError::MalformedNumber {
                text: src[start..i].to_string(),
                span: Span::new(start, i),
            },
            fatal: false,
        });
    }
    i
}

/// Control characters and non-ASCII text outside strings and comments; `→` is the one
/// non-ASCII token of the language. (Files are refused for control characters before this; the
/// check here keeps the parser safe on its own.)
fn scan_stray(src: &str, start: usize, findings: &mut Vec<Finding>) -> usize {
    let Some(ch) = src[start..].chars().next() else {
        return src.len();
    };
    let end = start + ch.len_utf8();
    if ch == '→' {
        return end;
    }
    let shown = if ch.is_control() {
        format!("U+{:04X}", u32::from(ch))
    } else {
        format!("`{ch}`")
    };
    let on_same_line = findings
        .last()
        .is_some_and(|f| same_line(src, f.error.span().start, start));
    if !on_same_line {
        findings.push(Finding {
            error: SyntaxError::UnexpectedCharacter {
                shown,
                span: Span::new(start, end),
            },
            fatal: false,
        });
    }
    end
}

fn same_line(src: &str, a: usize, b: usize) -> bool {
    let (lo, hi) = (a.min(b), a.max(b));
    !src.as_bytes()[lo..hi].contains(&b'\n')
}
