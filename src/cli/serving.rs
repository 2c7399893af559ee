//! What the rollout commands (`canary step`, `rollback`, `status`) share: the policy's model,
//! registry and serving settings resolved into connected clients, and the planned calls of a
//! dry run as text.

use super::parse_now;
use crate::canary::decide::{CLOCK_SKEW_MS, duration};
use crate::canary::state::format_time;
use crate::exec::ExecError;
use crate::exec::effects::Services;
use crate::exec::kserve::Kserve;
use crate::exec::kubeconfig::Selection;
use crate::exec::mlflow::Mlflow;
use crate::plan::{PolicyPlan, Service, SettingValue};
use crate::transport::PlannedCall;
use crate::usecase::Target;

/// The clients and names a rollout command works with.
pub struct Rollout {
    pub model: String,
    pub mlflow: Mlflow,
    pub kserve: Kserve,
    pub now_ms: i64,
}

impl Rollout {
    /// What the use cases read and write.
    pub fn target(&self) -> Target<'_> {
        Target {
            services: Services {
                registry: &self.mlflow,
                serving: &self.kserve,
                model: &self.model,
            },
            now_ms: self.now_ms,
        }
    }

    pub fn connect(plan: &PolicyPlan, now: Option<&str>, apply: bool) -> Result<Self, ExecError> {
        let model = plan.model.clone().ok_or_else(|| ExecError::Config {
            service: "MLflow",
            message: "the policy names no model".into(),
            help: Some("add `model \"NAME\"` with the registered model's name".into()),
        })?;
        let serving = plan
            .serving
            .as_ref()
            .filter(|s| s.kind == "kserve")
            .ok_or_else(|| ExecError::Config {
                service: "Kubernetes",
                message: "the policy has no `serving kserve` block".into(),
                help: Some(
                    "add `serving kserve \"NAME\" { namespace = \"NS\" }` naming the InferenceService"
                        .into(),
                ),
            })?;
        let name = serving.name.clone().unwrap_or_else(|| model.clone());
        let selection = Selection {
            kubeconfig: setting(serving, "kubeconfig")?,
            context: setting(serving, "context")?,
        };
        let namespace = setting(serving, "namespace")?;
        let now_ms = parse_now(now).map_err(|message| ExecError::Config {
            service: "verdict",
            message,
            help: None,
        })?;
        if apply && now.is_some() {
            check_now(now_ms)?;
        }
        Ok(Rollout {
            mlflow: Mlflow::connect(registry_uri(plan)?.as_deref(), apply)?,
            kserve: Kserve::connect(&selection, namespace.as_deref(), &name, apply)?,
            model,
            now_ms,
        })
    }
}

/// With `--apply`, `--now` may only correct the system clock a little: a stage stamped in
/// the future would leave every real step after it undecided, the canary's share unguarded
/// meanwhile. `VERDICT_NOW_TOLERANCE_MS` widens the tolerance for replays on a test cluster.
fn check_now(now_ms: i64) -> Result<(), ExecError> {
    let tolerance = std::env::var("VERDICT_NOW_TOLERANCE_MS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(CLOCK_SKEW_MS);
    let off = now_ms - chrono::Utc::now().timestamp_millis();
    if off.abs() <= tolerance {
        return Ok(());
    }
    Err(ExecError::Precondition {
        message: format!(
            "--now {} is {} {} the system clock; with --apply it may differ by at most {}",
            format_time(now_ms),
            duration(off.abs()),
            if off > 0 { "ahead of" } else { "behind" },
            duration(tolerance)
        ),
        help: Some(
            "nothing was changed; drop --now to step at the system's time, or drop --apply to replay a time as a dry run".into(),
        ),
    })
}

/// `uri` in `registry mlflow { ... }`.
pub fn registry_uri(plan: &PolicyPlan) -> Result<Option<String>, ExecError> {
    match &plan.registry {
        Some(registry) => setting(registry, "uri"),
        None => Ok(None),
    }
}

/// A service setting: a string, or `env("VAR")` read now (an unset variable is an error).
pub fn setting(service: &Service, key: &str) -> Result<Option<String>, ExecError> {
    let label = match service.kind.as_str() {
        "mlflow" => "MLflow",
        _ => "Kubernetes",
    };
    match service
        .settings
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
    {
        Some(SettingValue::Text(text)) => Ok(Some(text.clone())),
        Some(SettingValue::Env(var)) => match std::env::var(var) {
            Ok(value) if !value.is_empty() => Ok(Some(value)),
            _ => Err(ExecError::Config {
                service: label,
                message: format!("the policy reads `{key}` from `{var}`, which is not set"),
                help: Some(format!("export {var}=...")),
            }),
        },
        Some(SettingValue::Number(n)) => Ok(Some(n.to_string())),
        None => Ok(None),
    }
}

/// The calls of a dry run, one a line. Patches are printed whole (they are the point of a dry
/// run of a rollout); other bodies are cut short for the terminal.
pub fn planned_text(calls: &[PlannedCall]) -> String {
    const LIMIT: usize = 160;
    let mut out = String::new();
    for call in calls {
        let body = match &call.body {
            None => String::new(),
            Some(serde_json::Value::String(s)) => format!(" {s}"),
            Some(body) if call.method == "PATCH" => format!(" {body}"),
            Some(body) => {
                let text = body.to_string();
                if text.chars().count() <= LIMIT {
                    format!(" {text}")
                } else {
                    let head: String = text.chars().take(LIMIT).collect();
                    format!(" {head}… ({} bytes in all)", text.len())
                }
            }
        };
        out.push_str(&format!("  {} {}{body}\n", call.method, call.path));
    }
    out
}
