//! A thin client for one KServe `InferenceService` (`serving.kserve.io/v1beta1`) through the
//! Kubernetes API: read it, parse the predictor's status (traffic per revision, rolled-out and
//! ready revisions, conditions), and change it with JSON merge patches that carry the
//! `resourceVersion` they were decided on, so a concurrent edit answers 409 instead of being
//! overwritten.
//!
//! Patches are checked before sending (`canaryTrafficPercent` in 0..=100) and after (the
//! object the server answers must hold every field the patch set: Kubernetes 1.20 silently
//! drops fields its schema does not know).

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ExecError;
use super::kubeconfig::{self, Selection};
use crate::canary::Readiness;
use crate::transport::{Body, Http, HttpOptions, PlannedCall, Resend};

const SERVICE: &str = "Kubernetes";

/// Predictor keys under which KServe's older, per-framework specs keep `storageUri`.
const FRAMEWORKS: &[&str] = &[
    "sklearn",
    "xgboost",
    "lightgbm",
    "tensorflow",
    "pytorch",
    "onnx",
    "triton",
    "pmml",
    "paddle",
    "huggingface",
];

pub struct Kserve {
    http: Http,
    pub namespace: String,
    pub name: String,
    /// Where the connection settings came from, for messages.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Traffic {
    pub revision: String,
    pub percent: i64,
    pub latest: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PredictorStatus {
    pub traffic: Vec<Traffic>,
    pub latest_created_revision: Option<String>,
    pub latest_ready_revision: Option<String>,
    pub latest_rolledout_revision: Option<String>,
    pub previous_rolledout_revision: Option<String>,
}

/// The object as read, with the parts verdict decides on.
#[derive(Debug, Clone)]
pub struct InferenceService {
    pub resource_version: String,
    pub annotations: BTreeMap<String, String>,
    pub canary_percent: Option<i64>,
    pub predictor: PredictorStatus,
    pub readiness: Readiness,
    pub object: Value,
}

/// Where the predictor keeps the model: `model.storageUri`, a framework's `storageUri`, or a
/// custom container's image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSlot {
    StorageUri(&'static str),
    Image,
}

impl Kserve {
    /// Connects to the InferenceService `name`; the namespace is the policy's, else the
    /// kubeconfig context's, else `default`.
    pub fn connect(
        selection: &Selection,
        namespace: Option<&str>,
        name: &str,
        apply: bool,
    ) -> Result<Self, ExecError> {
        let cluster = kubeconfig::load(selection)?;
        let namespace = namespace
            .map(str::to_string)
            .or(cluster.namespace.clone())
            .unwrap_or_else(|| "default".into());
        let http = Http::with_tls(
            SERVICE,
            &cluster.server,
            cluster.auth,
            HttpOptions::from_env(),
            &cluster.tls,
            apply,
        )?
        .with_unauthorized_help("check the token or client certificate of the kubeconfig's user");
        Ok(Kserve {
            http,
            namespace,
            name: name.to_string(),
            source: cluster.source,
        })
    }

    pub fn path(&self) -> String {
        format!(
            "/apis/serving.kserve.io/v1beta1/namespaces/{}/inferenceservices/{}",
            self.namespace, self.name
        )
    }

    pub fn planned(&self) -> Vec<PlannedCall> {
        self.http.planned()
    }

    pub fn get(&self) -> Result<InferenceService, ExecError> {
        let path = self.path();
        let response = self.http.get(&path, &[]).map_err(|e| match e.status() {
            Some(404) => ExecError::Precondition {
                message: format!(
                    "InferenceService `{}` not found in namespace `{}` ({})",
                    self.name, self.namespace, self.source
                ),
                help: Some("the serving block names the InferenceService to move".into()),
            },
            _ => e.into(),
        })?;
        let object: Value =
            serde_json::from_str(&response.body).map_err(|e| ExecError::Unexpected {
                service: SERVICE,
                endpoint: path.clone(),
                what: format!("not JSON ({e})"),
            })?;
        parse(object).map_err(|e| ExecError::Unexpected {
            service: SERVICE,
            endpoint: path,
            what: e.to_string(),
        })
    }

    /// Sends `patch` guarded by the `resourceVersion` of `read`. Answers the updated object
    /// (`None` in dry-run mode). A 409 is returned as is: the caller must re-read and decide
    /// again, never resend.
    pub fn patch(
        &self,
        read: &InferenceService,
        patch: &Value,
    ) -> Result<Option<InferenceService>, ExecError> {
        check_patch(patch)?;
        let mut body = patch.clone();
        if let Some(object) = body.as_object_mut() {
            let metadata = object
                .entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(metadata) = metadata.as_object_mut() {
                metadata.insert(
                    "resourceVersion".into(),
                    Value::String(read.resource_version.clone()),
                );
            }
        }
        let path = self.path();
        let Some(response) = self.http.write(
            Method::PATCH,
            &path,
            Body::MergePatch(body),
            Resend::Idempotent,
        )?
        else {
            return Ok(None);
        };
        let unexpected = |what: String| ExecError::Unexpected {
            service: SERVICE,
            endpoint: path.clone(),
            what,
        };
        let object: Value = serde_json::from_str(&response.body)
            .map_err(|e| unexpected(format!("not JSON ({e})")))?;
        if let Some(field) = missing_field(patch, &object, "") {
            return Err(unexpected(format!(
                "the patched object does not hold `{field}` as sent (the server dropped a field its schema does not know)"
            )));
        }
        parse(object)
            .map(Some)
            .map_err(|e| unexpected(e.to_string()))
    }
}

pub fn is_conflict(error: &ExecError) -> bool {
    error.status() == Some(409)
}

/// Refuses what KServe's admission webhook would (the API server alone accepts it).
pub fn check_patch(patch: &Value) -> Result<(), ExecError> {
    match patch.pointer("/spec/predictor/canaryTrafficPercent") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|p| (0..=100).contains(&p)) => Ok(()),
        Some(other) => Err(ExecError::Precondition {
            message: format!("canaryTrafficPercent {other} is not a whole number in 0..=100"),
            help: Some("nothing was sent; stage percents must be whole numbers".into()),
        }),
    }
}

/// Whether `object` already holds every field as `patch` sets it: sending it would change
/// nothing.
pub fn holds(object: &Value, patch: &Value) -> bool {
    missing_field(patch, object, "").is_none()
}

/// The first field of a merge patch that the object does not hold as the patch set it (a
/// `null` in the patch means absent). `metadata.resourceVersion` changes on every write.
fn missing_field(patch: &Value, object: &Value, at: &str) -> Option<String> {
    let Value::Object(fields) = patch else {
        return (patch != object).then(|| at.to_string());
    };
    for (key, value) in fields {
        let here = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        if here == "metadata.resourceVersion" {
            continue;
        }
        let found = object.get(key);
        let missing = match (value, found) {
            (Value::Null, None | Some(Value::Null)) => None,
            (Value::Null, Some(_)) | (_, None) => Some(here),
            (value, Some(found)) => missing_field(value, found, &here),
        };
        if missing.is_some() {
            return missing;
        }
    }
    None
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// What an InferenceService object lacks for verdict to act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("no metadata.resourceVersion")]
    NoResourceVersion,
    #[error("spec.predictor.canaryTrafficPercent is not an integer")]
    CanaryPercent,
    #[error("the InferenceService has no spec.predictor")]
    NoPredictor,
    #[error("the version names an image, but the predictor has no containers")]
    NoContainers,
    #[error("the predictor has neither `model` nor a framework spec with a storageUri")]
    NoModel,
}

/// The parts of an InferenceService object verdict decides on.
pub fn parse(object: Value) -> Result<InferenceService, Malformed> {
    let resource_version =
        text(&object, "/metadata/resourceVersion").ok_or(Malformed::NoResourceVersion)?;
    let annotations = object
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .map(|a| {
            a.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let canary_percent = match object.pointer("/spec/predictor/canaryTrafficPercent") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or(Malformed::CanaryPercent)?),
    };
    let status = object
        .pointer("/status/components/predictor")
        .cloned()
        .unwrap_or(Value::Null);
    let traffic = status
        .get("traffic")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|t| Traffic {
                    revision: text(t, "/revisionName").unwrap_or_default(),
                    percent: t.get("percent").and_then(Value::as_i64).unwrap_or(0),
                    latest: t.get("latestRevision").and_then(Value::as_bool) == Some(true),
                    tag: text(t, "/tag"),
                })
                .collect()
        })
        .unwrap_or_default();
    let predictor = PredictorStatus {
        traffic,
        latest_created_revision: text(&status, "/latestCreatedRevision"),
        latest_ready_revision: text(&status, "/latestReadyRevision"),
        latest_rolledout_revision: text(&status, "/latestRolledoutRevision"),
        previous_rolledout_revision: text(&status, "/previousRolledoutRevision"),
    };
    let readiness = readiness(&object);
    Ok(InferenceService {
        resource_version,
        annotations,
        canary_percent,
        predictor,
        readiness,
        object,
    })
}

fn readiness(object: &Value) -> Readiness {
    let generation = object
        .pointer("/metadata/generation")
        .and_then(Value::as_i64);
    let observed = object
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    if let (Some(generation), observed) = (generation, observed)
        && observed.is_none_or(|o| o < generation)
    {
        return Readiness::Pending(format!(
            "the controller has not reconciled generation {generation} yet"
        ));
    }
    let conditions = object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let find = |kind: &str| {
        conditions
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
    };
    let Some(condition) = find("PredictorReady").or_else(|| find("Ready")) else {
        return Readiness::Pending("no Ready condition yet".into());
    };
    let kind = text(condition, "/type").unwrap_or_default();
    let why = [text(condition, "/reason"), text(condition, "/message")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    match condition.get("status").and_then(Value::as_str) {
        Some("True") => Readiness::Ready,
        Some("False") => Readiness::NotReady(format!("{kind} is False ({why})")),
        _ => Readiness::Pending(format!("{kind} is Unknown ({why})")),
    }
}

/// Where the predictor of `object` keeps its model.
pub fn model_slot(object: &Value, image: bool) -> Result<ModelSlot, Malformed> {
    let predictor = object
        .pointer("/spec/predictor")
        .and_then(Value::as_object)
        .ok_or(Malformed::NoPredictor)?;
    if image {
        return match predictor.get("containers").and_then(Value::as_array) {
            Some(c) if !c.is_empty() => Ok(ModelSlot::Image),
            _ => Err(Malformed::NoContainers),
        };
    }
    if predictor.contains_key("model") {
        return Ok(ModelSlot::StorageUri("model"));
    }
    FRAMEWORKS
        .iter()
        .find(|f| predictor.contains_key(**f))
        .map(|f| ModelSlot::StorageUri(f))
        .ok_or(Malformed::NoModel)
}

/// The predictor part of a patch that serves `location` (a storage URI or an image). A merge
/// patch replaces lists whole, so an image goes into a copy of the current containers list.
pub fn model_patch(object: &Value, slot: &ModelSlot, location: &str) -> Value {
    match slot {
        ModelSlot::StorageUri(key) => json!({ *key: { "storageUri": location } }),
        ModelSlot::Image => {
            let mut containers = object
                .pointer("/spec/predictor/containers")
                .cloned()
                .unwrap_or_else(|| json!([{}]));
            if let Some(first) = containers.get_mut(0).and_then(Value::as_object_mut) {
                first.insert("image".into(), Value::String(location.to_string()));
            }
            json!({ "containers": containers })
        }
    }
}

/// What the predictor serves now, for status and traceability.
pub fn served_location(object: &Value) -> Option<String> {
    let predictor = object.pointer("/spec/predictor")?;
    std::iter::once("model")
        .chain(FRAMEWORKS.iter().copied())
        .find_map(|k| predictor.pointer(&format!("/{k}/storageUri")))
        .or_else(|| predictor.pointer("/containers/0/image"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_outside_the_range_is_refused_before_sending() {
        for bad in [json!(101), json!(-1), json!(12.5), json!("25")] {
            let patch = json!({"spec": {"predictor": {"canaryTrafficPercent": bad}}});
            assert!(check_patch(&patch).is_err(), "{patch}");
        }
        for good in [json!(0), json!(100), Value::Null] {
            let patch = json!({"spec": {"predictor": {"canaryTrafficPercent": good}}});
            assert!(check_patch(&patch).is_ok(), "{patch}");
        }
    }

    #[test]
    fn a_dropped_field_is_noticed() {
        let patch = json!({"spec": {"predictor": {"canaryTrafficPercnt": 5, "canaryTrafficPercent": null}}});
        let object =
            json!({"metadata": {"resourceVersion": "2"}, "spec": {"predictor": {"model": {}}}});
        assert_eq!(
            missing_field(&patch, &object, "").as_deref(),
            Some("spec.predictor.canaryTrafficPercnt")
        );
        let patch = json!({"metadata": {"resourceVersion": "1"}, "spec": {"predictor": {"canaryTrafficPercent": null}}});
        assert_eq!(missing_field(&patch, &object, ""), None);
    }

    #[test]
    fn readiness_follows_the_predictor_condition_and_the_generation() {
        let object = |observed: i64, status: &str| {
            json!({"metadata": {"generation": 3}, "status": {"observedGeneration": observed,
                "conditions": [{"type": "PredictorReady", "status": status, "reason": "R"}]}})
        };
        assert_eq!(readiness(&object(3, "True")), Readiness::Ready);
        assert!(matches!(
            readiness(&object(3, "False")),
            Readiness::NotReady(_)
        ));
        assert!(matches!(
            readiness(&object(2, "True")),
            Readiness::Pending(_)
        ));
        assert!(matches!(
            readiness(&object(3, "Unknown")),
            Readiness::Pending(_)
        ));
    }

    #[test]
    fn the_model_goes_where_the_predictor_keeps_it() {
        let object =
            json!({"spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}}}}});
        let slot = model_slot(&object, false).expect("model");
        assert_eq!(
            model_patch(&object, &slot, "s3://m/2"),
            json!({"model": {"storageUri": "s3://m/2"}})
        );
        let custom = json!({"spec": {"predictor": {"containers": [{"name": "kserve-container", "image": "a:1"}]}}});
        let slot = model_slot(&custom, true).expect("containers");
        assert_eq!(
            model_patch(&custom, &slot, "a:2"),
            json!({"containers": [{"name": "kserve-container", "image": "a:2"}]})
        );
        assert_eq!(served_location(&custom).as_deref(), Some("a:1"));
        assert!(model_slot(&custom, false).is_err());
    }
}
