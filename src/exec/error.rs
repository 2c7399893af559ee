//! Errors of the executor: a service could not be reached, refused a call, or is not in the
//! state a step requires. Each names the endpoint; none carries credentials.

use crate::transport::TransportError;

#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum ExecError {
    #[error("{service} is not configured: {message}")]
    #[diagnostic(code(exec::config))]
    Config {
        service: &'static str,
        message: String,
        #[help]
        help: Option<String>,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Transport(#[from] TransportError),
    #[error("{service} answered {endpoint} with something unexpected: {what}")]
    #[diagnostic(code(exec::unexpected))]
    Unexpected {
        service: &'static str,
        endpoint: String,
        what: String,
    },
    #[error("{message}")]
    #[diagnostic(code(exec::precondition))]
    Precondition {
        message: String,
        #[help]
        help: Option<String>,
    },
    #[error("after writing, {what} reads back as {found}, not {expected}")]
    #[diagnostic(
        code(exec::read_back),
        help("another writer may have changed it at the same time; run again to converge")
    )]
    ReadBack {
        what: String,
        expected: String,
        found: String,
    },
}

impl ExecError {
    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ExecError::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// The service's own error code, e.g. `RESOURCE_DOES_NOT_EXIST`.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            ExecError::Transport(e) => e.error_code(),
            _ => None,
        }
    }
}
