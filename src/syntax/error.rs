//! Errors of the syntax stage: the text is not a policy.

use crate::ast::Span;

#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum SyntaxError {
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(syntax::unexpected))]
    Unexpected {
        expected: String,
        found: String,
        #[label("unexpected here")]
        span: Span,
        #[help]
        help: Option<String>,
    },
    #[error("unknown keyword `{word}`")]
    #[diagnostic(code(syntax::unknown_keyword))]
    UnknownKeyword {
        word: String,
        #[label("not a keyword here")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("unterminated string")]
    #[diagnostic(
        code(syntax::unterminated_string),
        help("close the string with `\"` on the same line")
    )]
    UnterminatedString {
        #[label("this string is never closed")]
        span: Span,
    },
    #[error("unterminated quoted name")]
    #[diagnostic(
        code(syntax::unterminated_name),
        help("close the name with a backquote on the same line")
    )]
    UnterminatedName {
        #[label("this name is never closed")]
        span: Span,
    },
    #[error("invalid escape `{escape}` in a string")]
    #[diagnostic(
        code(syntax::invalid_escape),
        help("strings understand `\\\"`, `\\\\`, `\\n` and `\\t`")
    )]
    InvalidEscape {
        escape: String,
        #[label("unknown escape")]
        span: Span,
    },
    #[error("`{text}` is not a number")]
    #[diagnostic(
        code(syntax::malformed_number),
        help("a number has at most one decimal point, e.g. `1.25`")
    )]
    MalformedNumber {
        text: String,
        #[label("malformed number")]
        span: Span,
    },
    #[error("unexpected character {shown}")]
    #[diagnostic(
        code(syntax::unexpected_character),
        help(
            "policies are plain text; outside strings and comments only ASCII is allowed (and `→`)"
        )
    )]
    UnexpectedCharacter {
        shown: String,
        #[label("here")]
        span: Span,
    },
    #[error("brackets nest deeper than {limit} levels")]
    #[diagnostic(
        code(syntax::too_deep),
        help("split the expression; no policy needs this much nesting")
    )]
    TooDeep {
        limit: usize,
        #[label("too deep from here")]
        span: Span,
    },
    #[error("too many syntax errors; stopped after {count}")]
    #[diagnostic(code(syntax::too_many_errors))]
    TooMany {
        count: usize,
        #[label("stopped here")]
        span: Span,
    },
}

/// The span an error points at.
impl SyntaxError {
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::UnknownKeyword { span, .. }
            | SyntaxError::UnterminatedString { span }
            | SyntaxError::UnterminatedName { span }
            | SyntaxError::InvalidEscape { span, .. }
            | SyntaxError::MalformedNumber { span, .. }
            | SyntaxError::UnexpectedCharacter { span, .. }
            | SyntaxError::TooDeep { span, .. }
            | SyntaxError::TooMany { span, .. } => *span,
        }
    }
}
