//! The one HTTP transport of verdict's service clients (MLflow, Kubernetes, and the clients to
//! come): JSON over HTTP with timeouts, bounded retries with backoff on connect errors, 429 and
//! 5xx only (never on another 4xx, never resending a request that creates something once its
//! effect is unknown), credentials kept out of every printed address, and a dry-run mode that
//! records the calls that would change something instead of sending them. TLS is verified,
//! against a given root CA when a service names one (a Kubernetes cluster's own CA), and a
//! client certificate may authenticate the caller.
//!
//! It takes everything from its caller: the service's name, address, credentials, TLS material
//! and the advice for a refused login. It never reads a service's own environment variables or
//! settings; the clients do.

mod error;

pub use error::TransportError;

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// A call as it would be sent: what `--apply` would do, printed without credentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedCall {
    pub service: &'static str,
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
}

#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(String),
    Basic { user: String, password: String },
}

pub struct HttpOptions {
    pub timeout: Duration,
    pub attempts: u32,
    pub backoff: Duration,
    pub insecure_tls: bool,
}

impl HttpOptions {
    /// `VERDICT_HTTP_TIMEOUT_MS` and `VERDICT_HTTP_ATTEMPTS` tune the defaults (30 s, 3 tries).
    pub fn from_env() -> Self {
        let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        HttpOptions {
            timeout: Duration::from_millis(number("VERDICT_HTTP_TIMEOUT_MS").unwrap_or(30_000)),
            attempts: number("VERDICT_HTTP_ATTEMPTS").map_or(3, |n| n.clamp(1, 10) as u32),
            backoff: Duration::from_millis(200),
            insecure_tls: false,
        }
    }
}

/// TLS material of a service that does not use the public web PKI (a Kubernetes API server).
#[derive(Debug, Clone, Default)]
pub struct Tls {
    /// PEM certificates: when set, the only roots trusted, instead of the system's.
    pub root_ca: Option<Vec<u8>>,
    /// PEM client certificate followed by its private key.
    pub identity: Option<Vec<u8>>,
}

pub struct Http {
    service: &'static str,
    base: String,
    auth: Auth,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    options: HttpOptions,
    /// What to check when the service refuses the credentials (HTTP 401).
    unauthorized_help: Option<&'static str>,
    /// `Some` in dry-run mode: writes are recorded here, not sent.
    planned: Option<Mutex<Vec<PlannedCall>>>,
}

/// Whether a request may be sent again when its first answer leaves its effect unknown (a
/// timeout, a 5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Sending it twice does what sending it once does: reads, sets, deletes, patches guarded by
    /// a resource version.
    Idempotent,
    /// Each one creates something (an MLflow run): sent again only when it cannot have arrived
    /// (no connection) or was refused unread (429).
    Once,
}

pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Http {
    pub fn new(
        service: &'static str,
        base: &str,
        auth: Auth,
        options: HttpOptions,
        apply: bool,
    ) -> Result<Self, TransportError> {
        Self::with_tls(service, base, auth, options, &Tls::default(), apply)
    }

    pub fn with_tls(
        service: &'static str,
        base: &str,
        auth: Auth,
        options: HttpOptions,
        tls: &Tls,
        apply: bool,
    ) -> Result<Self, TransportError> {
        let config = |message: String| TransportError::Config { service, message };
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .danger_accept_invalid_certs(options.insecure_tls);
        if let Some(pem) = &tls.root_ca {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| config(format!("the CA certificate is not valid PEM: {e}")))?;
            if roots.is_empty() {
                return Err(config("the CA data holds no certificate".into()));
            }
            builder = builder.tls_built_in_root_certs(false);
            for root in roots {
                builder = builder.add_root_certificate(root);
            }
        }
        if let Some(pem) = &tls.identity {
            let identity = reqwest::Identity::from_pem(pem).map_err(|e| {
                config(format!(
                    "the client certificate and key are not valid PEM: {e}"
                ))
            })?;
            builder = builder.identity(identity);
        }
        let client = builder
            .build()
            .map_err(|e| config(format!("cannot build an HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| config(format!("cannot start the I/O runtime: {e}")))?;
        let (base, auth) = without_credentials(base, auth);
        Ok(Http {
            service,
            base,
            auth,
            client,
            runtime,
            options,
            unauthorized_help: None,
            planned: (!apply).then(|| Mutex::new(Vec::new())),
        })
    }

    /// The advice an HTTP 401 carries: where this service's credentials come from.
    pub fn with_unauthorized_help(self, help: &'static str) -> Self {
        Http {
            unauthorized_help: Some(help),
            ..self
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn is_dry_run(&self) -> bool {
        self.planned.is_some()
    }

    /// The writes recorded in dry-run mode, in order.
    pub fn planned(&self) -> Vec<PlannedCall> {
        self.planned
            .as_ref()
            .map(|p| p.lock().map(|calls| calls.clone()).unwrap_or_default())
            .unwrap_or_default()
    }

    /// A read: always sent, also in dry-run mode.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Response, TransportError> {
        self.send(reqwest::Method::GET, path, query, None, Resend::Idempotent)
    }

    /// A write: sent with `--apply`, recorded otherwise (answering `None`).
    pub fn write(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Body,
        resend: Resend,
    ) -> Result<Option<Response>, TransportError> {
        if let Some(planned) = &self.planned {
            let call = PlannedCall {
                service: self.service,
                method: method.to_string(),
                path: path.to_string(),
                body: match &body {
                    Body::Json(v) | Body::MergePatch(v) => Some(v.clone()),
                    Body::Bytes { description, .. } => Some(Value::String(description.clone())),
                },
            };
            if let Ok(mut calls) = planned.lock() {
                calls.push(call);
            }
            return Ok(None);
        }
        self.send(method, path, &[], Some(body), resend).map(Some)
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Body>,
        resend: Resend,
    ) -> Result<Response, TransportError> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 1;
        loop {
            let mut request = self.client.request(method.clone(), &url).query(query);
            request = match &self.auth {
                Auth::None => request,
                Auth::Bearer(token) => request.bearer_auth(token),
                Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
            };
            request = match &body {
                Some(Body::Json(v)) => request.json(v),
                Some(Body::MergePatch(v)) => request
                    .header(reqwest::header::CONTENT_TYPE, MERGE_PATCH)
                    .body(v.to_string()),
                Some(Body::Bytes { bytes, .. }) => request.body(bytes.clone()),
                None => request,
            };
            let outcome = self.runtime.block_on(async {
                let response = request.send().await?;
                let status = response.status().as_u16();
                let text = response.text().await?;
                Ok::<_, reqwest::Error>((status, text))
            });
            let unknown_effect_retryable = resend == Resend::Idempotent;
            let retryable = match &outcome {
                Ok((status, _)) => *status == 429 || (*status >= 500 && unknown_effect_retryable),
                Err(e) => e.is_connect() || (e.is_timeout() && unknown_effect_retryable),
            };
            if retryable && attempt < self.options.attempts {
                std::thread::sleep(self.options.backoff * 2u32.pow(attempt - 1));
                attempt += 1;
                continue;
            }
            return match outcome {
                Ok((status, body)) if (200..300).contains(&status) => Ok(Response { status, body }),
                Ok((status, body)) => Err(self.http_error(&method, path, status, &body)),
                Err(e) => Err(TransportError::Unreachable {
                    service: self.service,
                    endpoint: url,
                    reason: describe_reqwest(&e, attempt),
                }),
            };
        }
    }

    fn http_error(
        &self,
        method: &reqwest::Method,
        path: &str,
        status: u16,
        body: &str,
    ) -> TransportError {
        let json: Option<Value> = serde_json::from_str(body).ok();
        let field = |name: &str| {
            json.as_ref()
                .and_then(|j| j.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let message = field("message").unwrap_or_else(|| {
            let text: String = body.chars().take(200).collect();
            if text.trim().is_empty() {
                "(empty answer)".to_string()
            } else {
                text.trim().to_string()
            }
        });
        let help = match status {
            401 => self.unauthorized_help.map(str::to_string),
            403 => {
                Some("the credentials are valid but lack the permission for this call".to_string())
            }
            _ => None,
        };
        TransportError::Http {
            service: self.service,
            method: method.to_string(),
            endpoint: format!("{}{path}", self.base),
            status,
            // MLflow's `error_code`, or the `reason` of a Kubernetes Status (`Conflict`).
            code: field("error_code")
                .or_else(|| field("reason"))
                .map(|c| format!(" {c}"))
                .unwrap_or_default(),
            message,
            help,
        }
    }
}

/// RFC 7386 JSON merge patch, the patch type custom resources accept.
pub const MERGE_PATCH: &str = "application/merge-patch+json";

pub enum Body {
    Json(Value),
    /// Sent as `application/merge-patch+json`.
    MergePatch(Value),
    /// Raw bytes (artifact uploads), shown as `description` in a dry-run plan.
    Bytes {
        bytes: Vec<u8>,
        description: String,
    },
}

fn describe_reqwest(e: &reqwest::Error, attempts: u32) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut root = String::new();
    while let Some(s) = source {
        root = s.to_string();
        source = s.source();
    }
    let tries = if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    };
    if root.is_empty() {
        format!("{kind}{tries}")
    } else {
        format!("{kind}: {root}{tries}")
    }
}

/// Credentials written into the address (`https://user:pass@host`) become basic auth (unless
/// the environment gave some), so that the address printed in errors, plans and links never
/// carries them.
fn without_credentials(base: &str, auth: Auth) -> (String, Auth) {
    let trimmed = base.trim_end_matches('/').to_string();
    let Ok(mut url) = reqwest::Url::parse(base) else {
        return (trimmed, auth);
    };
    if url.username().is_empty() && url.password().is_none() {
        return (trimmed, auth);
    }
    let found = Auth::Basic {
        user: url.username().to_string(),
        password: url.password().unwrap_or_default().to_string(),
    };
    // Both only fail on URLs that cannot carry credentials, which this one just did.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let auth = match auth {
        Auth::None => found,
        given => given,
    };
    (url.as_str().trim_end_matches('/').to_string(), auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_address_become_basic_auth_and_leave_it() {
        let (base, auth) =
            without_credentials("https://ann:s3cret@mlflow.example:5000/", Auth::None);
        assert_eq!(base, "https://mlflow.example:5000");
        assert!(
            matches!(auth, Auth::Basic { ref user, ref password } if user == "ann" && password == "s3cret")
        );
        let (base, auth) = without_credentials("http://127.0.0.1:5000/", Auth::Bearer("t".into()));
        assert_eq!(base, "http://127.0.0.1:5000");
        assert!(matches!(auth, Auth::Bearer(_)));
    }
}
