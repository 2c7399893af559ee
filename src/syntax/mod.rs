//! Text → AST. The only module that sees pest; it hands out `ast` nodes and `SyntaxError`s.
//!
//! To report every mistake in one run, a failed parse blanks the offending line (keeping its
//! braces and its byte length, so spans stay true) and parses again, up to `MAX_ERRORS` times.

mod build;
mod error;
mod expected;
mod lexical;

use pest::Parser;

pub use error::SyntaxError;

use crate::ast::{Policy, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
struct PolicyParser;

pub const MAX_ERRORS: usize = 20;

/// The outcome of parsing: the tree of what could be read, and every syntax error.
/// `policy` is `None` when the text could not be recovered into a tree at all.
pub struct Parsed {
    pub policy: Option<Policy>,
    pub errors: Vec<SyntaxError>,
}

pub fn parse(src: &str) -> Parsed {
    let mut parsed = parse_recovering(src);
    parsed.errors.sort_by_key(|e| e.span().start);
    parsed
}

fn parse_recovering(src: &str) -> Parsed {
    let mut errors = Vec::new();
    let mut text = src.to_string();
    for finding in lexical::scan(src) {
        let fatal = finding.fatal;
        blank_line(&mut text, finding.error.span().start);
        errors.push(finding.error);
        if fatal {
            return Parsed {
                policy: None,
                errors,
            };
        }
    }
    loop {
        match PolicyParser::parse(Rule::policy, &text) {
            Ok(mut pairs) => {
                let built = pairs
                    .next()
                    .ok_or_else(|| expected::at_end(&text))
                    .and_then(build::build_policy);
                return match built {
                    Ok(policy) => Parsed {
                        policy: Some(policy),
                        errors,
                    },
                    Err(error) => {
                        errors.push(error);
                        Parsed {
                            policy: None,
                            errors,
                        }
                    }
                };
            }
            Err(pest_error) => {
                let error = expected::from_pest(&text, &pest_error);
                let at = error.span().start;
                errors.push(error);
                let before = text.clone();
                expected::blank_statement(&mut text, at);
                if text == before || errors.len() >= MAX_ERRORS {
                    if errors.len() >= MAX_ERRORS {
                        errors.push(SyntaxError::TooMany {
                            count: errors.len(),
                            span: Span::new(at, at),
                        });
                    }
                    return Parsed {
                        policy: None,
                        errors,
                    };
                }
            }
        }
    }
}

/// Replaces the line holding `at` with spaces, keeping braces so blocks still balance.
fn blank_line(text: &mut String, at: usize) {
    let (start, end) = line_bounds(text, at);
    blank_range(text, start, end, true);
}

fn line_bounds(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    let end = text[at..].find('\n').map_or(text.len(), |p| at + p);
    (start, end)
}

/// Overwrites `start..end` with spaces byte for byte (a multi-byte character becomes several
/// spaces), so every later span still points at the same text.
fn blank_range(text: &mut String, start: usize, end: usize, keep_braces: bool) {
    let blanked: String = text[start..end]
        .chars()
        .flat_map(|c| {
            let keep = c == '\n' || (keep_braces && (c == '{' || c == '}'));
            let fill = if keep { c } else { ' ' };
            std::iter::repeat_n(fill, if keep { 1 } else { c.len_utf8() })
        })
        .collect();
    text.replace_range(start..end, &blanked);
}
