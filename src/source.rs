//! Reading a policy file and compiling it: text → AST → plan, with every diagnostic.

use std::path::{Path, PathBuf};

use crate::ast::Policy;
use crate::check::{CheckError, Invocation};
use crate::plan::PolicyPlan;
use crate::syntax::SyntaxError;

/// Larger files are refused before parsing; real policies are a few kilobytes.
pub const MAX_POLICY_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("cannot read policy `{path}`: {reason}")]
    #[diagnostic(code(load::io))]
    Io { path: PathBuf, reason: String },
    #[error("policy `{path}` is not UTF-8 text (invalid byte at offset {offset})")]
    #[diagnostic(code(load::encoding), help("save the policy as UTF-8"))]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("policy `{path}` holds control character {shown} at line {line}, column {column}")]
    #[diagnostic(
        code(load::binary),
        help("a policy is plain text; is this the right file?")
    )]
    Binary {
        path: PathBuf,
        shown: String,
        line: usize,
        column: usize,
    },
    #[error("policy `{path}` is {size} bytes; policies are limited to {limit} bytes")]
    #[diagnostic(
        code(load::size),
        help("a policy is a short text file; is this the right file?")
    )]
    TooLarge {
        path: PathBuf,
        size: usize,
        limit: usize,
    },
}

pub struct PolicyFile {
    pub path: PathBuf,
    pub text: String,
}

impl PolicyFile {
    pub fn read(path: &Path) -> Result<PolicyFile, LoadError> {
        let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
            path: path.to_path_buf(),
            reason: io_reason(&e),
        })?;
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(LoadError::TooLarge {
                path: path.to_path_buf(),
                size: bytes.len(),
                limit: MAX_POLICY_BYTES,
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        })?;
        // Control characters would be echoed raw into terminals by the diagnostics.
        if let Some((offset, c)) = text
            .char_indices()
            .find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            let (line, column) = crate::diagnostic::position(&text, offset);
            return Err(LoadError::Binary {
                path: path.to_path_buf(),
                shown: format!("U+{:04X}", u32::from(c)),
                line,
                column,
            });
        }
        Ok(PolicyFile {
            path: path.to_path_buf(),
            text,
        })
    }

    pub fn display_name(&self) -> String {
        self.path.display().to_string()
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// A diagnostic from any stage that reads the policy text.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PolicyError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(#[from] SyntaxError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
    /// A data problem that concerns a place in the policy (a column a check reads).
    #[cfg(feature = "data")]
    #[error(transparent)]
    #[diagnostic(transparent)]
    Data(#[from] crate::data::DataError),
}

/// Parses and checks, with what the command line gives (`Invocation::CHECK` for none). With
/// syntax errors the checker still runs on what could be read, but its complaints about missing
/// definitions are dropped: the definition may sit on a skipped line.
pub fn compile(
    text: &str,
    invocation: &Invocation,
) -> Result<(Policy, PolicyPlan), Vec<PolicyError>> {
    let parsed = crate::syntax::parse(text);
    let had_syntax_errors = !parsed.errors.is_empty();
    let mut errors: Vec<PolicyError> = parsed.errors.into_iter().map(PolicyError::from).collect();
    let Some(policy) = parsed.policy else {
        return Err(errors);
    };
    match crate::check::check(&policy, text, invocation) {
        Ok(plan) if errors.is_empty() => return Ok((policy, plan)),
        Ok(_) => {}
        Err(check_errors) => errors.extend(
            check_errors
                .into_iter()
                .filter(|e| !(had_syntax_errors && e.may_follow_from_skipped_lines()))
                .map(PolicyError::from),
        ),
    }
    errors.sort_by_key(PolicyError::offset);
    Err(errors)
}

impl PolicyError {
    fn offset(&self) -> usize {
        match self {
            PolicyError::Syntax(e) => e.span().start,
            PolicyError::Check(e) => e.span().start,
            #[cfg(feature = "data")]
            PolicyError::Data(e) => e.span().map_or(0, |s| s.start),
        }
    }
}

impl CheckError {
    fn may_follow_from_skipped_lines(&self) -> bool {
        matches!(
            self,
            CheckError::UnknownSlice { .. }
                | CheckError::MissingSlice { .. }
                | CheckError::Empty { .. }
        ) || matches!(self, CheckError::Invalid { message, .. } if message.contains("no stages") || message.contains("no checks") || message.contains("positives"))
    }
}
