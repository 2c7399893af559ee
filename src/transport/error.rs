//! Errors of the transport: a client could not be built, a server could not be reached, or it
//! answered with an error status. Each names the service and the endpoint; none carries
//! credentials. The diagnostic codes are those the executor gave these failures before the
//! transport left it, so error reports read the same.

#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum TransportError {
    #[error("{service} is not configured: {message}")]
    #[diagnostic(code(exec::config))]
    Config {
        service: &'static str,
        message: String,
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
}

impl TransportError {
    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            TransportError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service's own error code, e.g. `RESOURCE_DOES_NOT_EXIST`.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            TransportError::Http { code, .. } => Some(code.trim()),
            _ => None,
        }
    }
}
