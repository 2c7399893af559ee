//! A thin client for the MLflow REST API 2.0: aliases, model versions and their tags, and the
//! trail (experiment, run, metrics, params, artifacts). Address and credentials follow MLflow's
//! conventions: MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD,
//! MLFLOW_TRACKING_INSECURE_TLS.

use reqwest::Method;
use serde_json::{Value, json};

use super::ExecError;
use crate::transport::{Auth, Body, Http, HttpOptions, PlannedCall, Resend};

const API: &str = "/api/2.0/mlflow";
const SERVICE: &str = "MLflow";

pub struct Mlflow {
    http: Http,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersion {
    pub version: String,
    pub source: String,
    pub run_id: String,
    pub tags: Vec<(String, String)>,
}

impl Mlflow {
    /// `uri` from the policy wins over MLFLOW_TRACKING_URI. With `apply` false, writes are only
    /// recorded (see `planned`).
    pub fn connect(uri: Option<&str>, apply: bool) -> Result<Self, ExecError> {
        Self::connect_with(uri, apply, HttpOptions::from_env())
    }

    /// `connect` with explicit timeouts and retries (tests use short ones).
    pub fn connect_with(
        uri: Option<&str>,
        apply: bool,
        options: HttpOptions,
    ) -> Result<Self, ExecError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let uri = uri
            .map(str::to_string)
            .or_else(|| env("MLFLOW_TRACKING_URI"))
            .ok_or_else(|| ExecError::Config {
                service: SERVICE,
                message: "no tracking URI".into(),
                help: Some(
                    "set MLFLOW_TRACKING_URI, or `uri` in the policy's `registry mlflow` block"
                        .into(),
                ),
            })?;
        if !(uri.starts_with("http://") || uri.starts_with("https://")) {
            return Err(ExecError::Config {
                service: SERVICE,
                message: format!("`{uri}` is not an http(s) tracking server"),
                help: Some("verdict talks to an MLflow tracking server over REST, e.g. http://127.0.0.1:5000".into()),
            });
        }
        let auth = match (
            env("MLFLOW_TRACKING_TOKEN"),
            env("MLFLOW_TRACKING_USERNAME"),
        ) {
            (Some(token), _) => Auth::Bearer(token),
            (None, Some(user)) => Auth::Basic {
                user,
                password: env("MLFLOW_TRACKING_PASSWORD").unwrap_or_default(),
            },
            (None, None) => Auth::None,
        };
        let options = HttpOptions {
            insecure_tls: env("MLFLOW_TRACKING_INSECURE_TLS")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            ..options
        };
        Ok(Mlflow {
            http: Http::new(SERVICE, &uri, auth, options, apply)?.with_unauthorized_help(
                "check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD",
            ),
        })
    }

    pub fn uri(&self) -> &str {
        self.http.base()
    }

    pub fn is_dry_run(&self) -> bool {
        self.http.is_dry_run()
    }

    pub fn planned(&self) -> Vec<PlannedCall> {
        self.http.planned()
    }

    fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ExecError> {
        let response = self.http.get(&format!("{API}/{path}"), query)?;
        parse(path, &response.body)
    }

    fn post(&self, path: &str, body: Value, resend: Resend) -> Result<Option<Value>, ExecError> {
        self.http
            .write(
                Method::POST,
                &format!("{API}/{path}"),
                Body::Json(body),
                resend,
            )?
            .map(|r| parse(path, &r.body))
            .transpose()
    }

    /// The version an alias points at; `None` when the alias is not set. MLflow answers a
    /// missing alias with 400 INVALID_PARAMETER_VALUE (not 404); both mean "not set" here, but a
    /// missing model stays an error.
    pub fn alias(&self, model: &str, alias: &str) -> Result<Option<String>, ExecError> {
        match self.get_json(
            "registered-models/alias",
            &[("name", model), ("alias", alias)],
        ) {
            Ok(body) => Ok(Some(string_at(
                &body,
                &["model_version", "version"],
                "registered-models/alias",
            )?)),
            Err(e)
                if e.status() == Some(400) && e.error_code() == Some("INVALID_PARAMETER_VALUE") =>
            {
                Ok(None)
            }
            Err(e) if e.status() == Some(404) && e.to_string().contains("alias") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn set_alias(&self, model: &str, alias: &str, version: &str) -> Result<(), ExecError> {
        self.post(
            "registered-models/alias",
            json!({"name": model, "alias": alias, "version": version}),
            Resend::Idempotent,
        )?;
        Ok(())
    }

    /// Idempotent: deleting an alias that is not set succeeds.
    pub fn delete_alias(&self, model: &str, alias: &str) -> Result<(), ExecError> {
        self.http.write(
            Method::DELETE,
            &format!("{API}/registered-models/alias"),
            Body::Json(json!({"name": model, "alias": alias})),
            Resend::Idempotent,
        )?;
        Ok(())
    }

    pub fn model_version(&self, model: &str, version: &str) -> Result<ModelVersion, ExecError> {
        let path = "model-versions/get";
        let body = self.get_json(path, &[("name", model), ("version", version)])?;
        let mv = body
            .get("model_version")
            .ok_or_else(|| unexpected(path, "no `model_version`"))?;
        let text = |key: &str| {
            mv.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let tags = mv
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| {
                        Some((
                            t.get("key")?.as_str()?.to_string(),
                            t.get("value")?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ModelVersion {
            version: text("version"),
            source: text("source"),
            run_id: text("run_id"),
            tags,
        })
    }

    pub fn set_version_tag(
        &self,
        model: &str,
        version: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ExecError> {
        self.post(
            "model-versions/set-tag",
            json!({"name": model, "version": version, "key": key, "value": value}),
            Resend::Idempotent,
        )?;
        Ok(())
    }

    /// The artifact URI of a version, for serving (KServe cannot load `models:/name@alias`).
    pub fn download_uri(&self, model: &str, version: &str) -> Result<String, ExecError> {
        let path = "model-versions/get-download-uri";
        let body = self.get_json(path, &[("name", model), ("version", version)])?;
        string_at(&body, &["artifact_uri"], path)
    }

    /// The experiment's id, created when missing. `None` in dry-run mode when it does not exist.
    pub fn experiment(&self, name: &str) -> Result<Option<String>, ExecError> {
        let path = "experiments/get-by-name";
        match self.get_json(path, &[("experiment_name", name)]) {
            Ok(body) => {
                return Ok(Some(string_at(
                    &body,
                    &["experiment", "experiment_id"],
                    path,
                )?));
            }
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e),
        }
        // Sent again, a create that had arrived is refused as existing, which is handled below.
        match self.post(
            "experiments/create",
            json!({"name": name}),
            Resend::Idempotent,
        ) {
            Ok(Some(body)) => Ok(Some(string_at(
                &body,
                &["experiment_id"],
                "experiments/create",
            )?)),
            Ok(None) => Ok(None),
            // Another writer created it between our two calls.
            Err(e) if e.error_code() == Some("RESOURCE_ALREADY_EXISTS") => {
                let body = self.get_json(path, &[("experiment_name", name)])?;
                Ok(Some(string_at(
                    &body,
                    &["experiment", "experiment_id"],
                    path,
                )?))
            }
            Err(e) => Err(e),
        }
    }

    /// Creates a run; answers its id and artifact root, or `None` in dry-run mode.
    pub fn create_run(
        &self,
        experiment_id: &str,
        name: &str,
        tags: &[(&str, String)],
    ) -> Result<Option<Run>, ExecError> {
        let tags: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        let body = json!({"experiment_id": experiment_id, "run_name": name, "start_time": now_ms(), "tags": tags});
        // A run created twice would leave a second, never finished run beside the trail.
        let Some(answer) = self.post("runs/create", body, Resend::Once)? else {
            return Ok(None);
        };
        Ok(Some(Run {
            id: string_at(&answer, &["run", "info", "run_id"], "runs/create")?,
            artifact_uri: string_at(&answer, &["run", "info", "artifact_uri"], "runs/create")?,
            experiment_id: experiment_id.to_string(),
        }))
    }

    /// Metrics (non-finite values sent as MLflow's "NaN"), params and tags in one call.
    pub fn log_batch(
        &self,
        run_id: &str,
        metrics: &[(String, f64)],
        params: &[(String, String)],
    ) -> Result<(), ExecError> {
        let timestamp = now_ms();
        let metrics: Vec<Value> = metrics
            .iter()
            .map(|(key, value)| {
                let value = if value.is_finite() {
                    json!(value)
                } else {
                    json!("NaN")
                };
                json!({"key": key, "value": value, "timestamp": timestamp, "step": 0})
            })
            .collect();
        let params: Vec<Value> = params
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        self.post(
            "runs/log-batch",
            json!({"run_id": run_id, "metrics": metrics, "params": params}),
            Resend::Idempotent,
        )?;
        Ok(())
    }

    pub fn finish_run(&self, run_id: &str) -> Result<(), ExecError> {
        self.post(
            "runs/update",
            json!({"run_id": run_id, "status": "FINISHED", "end_time": now_ms()}),
            Resend::Idempotent,
        )?;
        Ok(())
    }

    /// Uploads a file through the server's artifact proxy into the run's artifact root.
    pub fn upload_artifact(&self, run: &Run, name: &str, bytes: Vec<u8>) -> Result<(), ExecError> {
        let root = run
            .artifact_uri
            .strip_prefix("mlflow-artifacts:/")
            .ok_or_else(|| ExecError::Precondition {
                message: format!(
                    "the run's artifact root `{}` is not served by the tracking server",
                    run.artifact_uri
                ),
                help: Some(
                    "start the server with an artifact proxy (`--artifacts-destination`)".into(),
                ),
            })?;
        let description = format!("<{} bytes of {name}>", bytes.len());
        self.http.write(
            Method::PUT,
            &format!(
                "/api/2.0/mlflow-artifacts/artifacts/{}/{name}",
                root.trim_matches('/')
            ),
            Body::Bytes { bytes, description },
            Resend::Idempotent,
        )?;
        Ok(())
    }

    /// The run's page in the MLflow UI.
    pub fn run_link(&self, run: &Run) -> String {
        format!(
            "{}/#/experiments/{}/runs/{}",
            self.uri(),
            run.experiment_id,
            run.id
        )
    }
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub artifact_uri: String,
    pub experiment_id: String,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn parse(path: &str, body: &str) -> Result<Value, ExecError> {
    if body.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_str(body).map_err(|e| unexpected(path, &format!("not JSON ({e})")))
}

fn unexpected(path: &str, what: &str) -> ExecError {
    ExecError::Unexpected {
        service: SERVICE,
        endpoint: format!("{API}/{path}"),
        what: what.to_string(),
    }
}

/// A string field; MLflow sends versions and ids as JSON strings.
fn string_at(body: &Value, keys: &[&str], path: &str) -> Result<String, ExecError> {
    let mut value = body;
    for key in keys {
        value = value
            .get(key)
            .ok_or_else(|| unexpected(path, &format!("no `{}`", keys.join("."))))?;
    }
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(unexpected(
            path,
            &format!("`{}` is not a string", keys.join(".")),
        )),
    }
}
