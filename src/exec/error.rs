//! Errors of the executor: a service could not be reached, refused a call, or is not in the
//! state a step requires. Each names the endpoint; none carries credentials.

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
    #[error("cannot reach {service} at {endpoint}: {reason}")]
    #[diagnostic(
        code(exec::unreachable),
        help(
            "is the server running and the address right? nothing was changed by the failed call"
        )
    )]
    Unreachable {
        service: &'static str,
        endpoint: String,
        reason: String,
    },
    #[error("{service} answered {method} {endpoint} with HTTP {status}{code}: {message}")]
    #[diagnostic(code(exec::http))]
    Http {
        service: &'static str,
        method: String,
        endpoint: String,
        status: u16,
        /// `error_code` from the JSON body, formatted as ` ERROR_CODE` when present.
        code: String,
        message: String,
        #[help]
        help: Option<String>,
    },
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
            ExecError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service's own error code, e.g. `RESOURCE_DOES_NOT_EXIST`.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            ExecError::Http { code, .. } => Some(code.trim()),
            _ => None,
        }
    }
}
