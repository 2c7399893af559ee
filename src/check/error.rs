//! Errors of the check stage: the policy parses but does not mean anything runnable.

use crate::ast::Span;

#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum CheckError {
    #[error("the policy decides nothing")]
    #[diagnostic(
        code(check::empty),
        help("add a `gate`, `canary` or `drift` block; see grammar/GRAMMAR.md")
    )]
    Empty {
        #[label("no gate, canary or drift block")]
        span: Span,
    },
    #[error("unknown metric `{name}`")]
    #[diagnostic(code(check::unknown_metric))]
    UnknownMetric {
        name: String,
        #[label("not a metric")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("`{metric}` takes {expected}, found {found}")]
    #[diagnostic(code(check::arity))]
    Arity {
        metric: String,
        expected: String,
        found: usize,
        #[label("here")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("`{metric}` expects {expected} as its {param}")]
    #[diagnostic(code(check::argument))]
    Argument {
        metric: String,
        param: String,
        expected: String,
        #[label("{found}")]
        span: Span,
        found: String,
        #[help]
        help: Option<String>,
    },
    #[error("`{metric}` has no option `{option}`")]
    #[diagnostic(code(check::option))]
    UnknownOption {
        metric: String,
        option: String,
        #[label("unknown option")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("`{metric}` has no field `{field}`")]
    #[diagnostic(code(check::field))]
    UnknownField {
        metric: String,
        field: String,
        #[label("unknown field")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("unknown slice `{name}`")]
    #[diagnostic(code(check::unknown_slice))]
    UnknownSlice {
        name: String,
        #[label("not defined in the data block")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("{needed_by} needs a `{slice}` slice")]
    #[diagnostic(code(check::missing_slice))]
    MissingSlice {
        needed_by: String,
        slice: String,
        #[label("needs `{slice}`")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("`{metric}` is not allowed in {context}")]
    #[diagnostic(code(check::context))]
    MetricContext {
        metric: String,
        context: &'static str,
        #[label("here")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("unknown name `{name}` in a bound")]
    #[diagnostic(code(check::unknown_name))]
    UnknownName {
        name: String,
        #[label("not a value")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("`{word}` cannot be used in {context}")]
    #[diagnostic(code(check::baseline))]
    Baseline {
        word: String,
        context: &'static str,
        #[label("not available here")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(check::kind))]
    Kind {
        expected: String,
        found: String,
        #[label("{found}")]
        span: Span,
        #[help]
        help: Option<String>,
    },
    #[error("{what} must be {range}, found {found}")]
    #[diagnostic(code(check::range))]
    Range {
        what: &'static str,
        range: &'static str,
        found: String,
        #[label("out of range")]
        span: Span,
        #[help]
        help: Option<String>,
    },
    #[error("stage percents must increase, but {this}% follows {previous}%")]
    #[diagnostic(
        code(check::stage_order),
        help("list stages from the smallest share of traffic to the largest")
    )]
    StageOrder {
        previous: String,
        this: String,
        #[label("not above the previous stage")]
        span: Span,
    },
    #[error("duplicate {what} `{name}`")]
    #[diagnostic(code(check::duplicate))]
    Duplicate {
        what: &'static str,
        name: String,
        #[label("defined again here")]
        span: Span,
        #[label("first defined here")]
        first: Span,
        #[help]
        help: Option<String>,
    },
    #[error("more than one `{what}`")]
    #[diagnostic(code(check::repeated))]
    Repeated {
        what: &'static str,
        #[label("again here")]
        span: Span,
        #[label("first here")]
        first: Span,
        #[help]
        help: String,
    },
    #[error("unknown {what} `{name}`")]
    #[diagnostic(code(check::unknown))]
    Unknown {
        what: &'static str,
        name: String,
        #[label("unknown {what}")]
        span: Span,
        #[help]
        help: String,
    },
    #[error("{message}")]
    #[diagnostic(code(check::invalid))]
    Invalid {
        message: String,
        #[label("here")]
        span: Span,
        #[help]
        help: Option<String>,
    },
}

impl CheckError {
    pub fn span(&self) -> crate::ast::Span {
        match self {
            CheckError::Empty { span }
            | CheckError::UnknownMetric { span, .. }
            | CheckError::Arity { span, .. }
            | CheckError::Argument { span, .. }
            | CheckError::UnknownOption { span, .. }
            | CheckError::UnknownField { span, .. }
            | CheckError::UnknownSlice { span, .. }
            | CheckError::MissingSlice { span, .. }
            | CheckError::MetricContext { span, .. }
            | CheckError::UnknownName { span, .. }
            | CheckError::Baseline { span, .. }
            | CheckError::Kind { span, .. }
            | CheckError::Range { span, .. }
            | CheckError::StageOrder { span, .. }
            | CheckError::Duplicate { span, .. }
            | CheckError::Repeated { span, .. }
            | CheckError::Unknown { span, .. }
            | CheckError::Invalid { span, .. } => *span,
        }
    }
}
