//! The KServe client against a real Kubernetes API server (scripts/kube-apiserver, started by
//! scripts/test) with the project's copy of the InferenceService CRD; and the helpers the canary
//! tests share: creating InferenceServices, playing the controller that writes their status,
//! and checking patch bodies against the CRD's schema (the 1.20 server silently drops fields
//! it does not know, so the server alone would not catch a misspelled one).

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use verdict::canary::Readiness;
use verdict::exec::kserve::{self, Kserve};
use verdict::exec::kubeconfig::{self, Selection};
use verdict::transport::{Body, Http, HttpOptions, Resend};

use crate::support::{TempDir, root};

/// The kubeconfig of the test server; without one the test is skipped, unless
/// VERDICT_REQUIRE_SERVICES=1.
pub(crate) fn cluster() -> Option<String> {
    match std::env::var("KUBECONFIG") {
        Ok(path) if !path.is_empty() => Some(path),
        _ if std::env::var("VERDICT_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("KUBECONFIG is not set; scripts/test starts the API server")
        }
        _ => {
            eprintln!("skipped: no Kubernetes API server (run scripts/test)");
            None
        }
    }
}

/// A raw client with the kubeconfig's credentials, so tests set up state without the code
/// under test.
pub(crate) struct Api(Http);

impl Api {
    pub(crate) fn new(kubeconfig: &str) -> Api {
        let cluster = kubeconfig::load(&Selection {
            kubeconfig: Some(kubeconfig.into()),
            context: None,
        })
        .expect("kubeconfig");
        let options = HttpOptions {
            timeout: Duration::from_secs(20),
            attempts: 1,
            backoff: Duration::from_millis(10),
            insecure_tls: false,
        };
        let http = Http::with_tls(
            "Kubernetes",
            &cluster.server,
            cluster.auth,
            options,
            &cluster.tls,
            true,
        )
        .expect("client");
        Api(http)
    }

    fn path(name: &str) -> String {
        format!("/apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices/{name}")
    }

    pub(crate) fn get(&self, name: &str) -> Value {
        let response = self.0.get(&Self::path(name), &[]).expect("GET isvc");
        serde_json::from_str(&response.body).expect("JSON")
    }

    /// An InferenceService serving `storage_uri`, marked ready with one revision at 100%.
    pub(crate) fn create(&self, name: &str, storage_uri: &str) {
        let object = json!({
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"predictor": {"model": {
                "modelFormat": {"name": "sklearn"},
                "storageUri": storage_uri,
            }}},
        });
        self.0
            .write(
                reqwest::Method::POST,
                "/apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices",
                Body::Json(object),
                Resend::Once,
            )
            .expect("create isvc");
        self.reconcile(name);
    }

    /// What KServe's controller would write once the latest revision is ready: the observed
    /// generation, Ready conditions, and the traffic split `canaryTrafficPercent` asks for.
    /// Revisions are numbered by generation of the last model change.
    pub(crate) fn reconcile(&self, name: &str) {
        let object = self.get(name);
        let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
        let status = &object["status"]["components"]["predictor"];
        let served = kserve::served_location(&object).unwrap_or_default();
        let known = object["status"]["annotations"]["served"].as_str() == Some(&served);
        let latest = match status["latestCreatedRevision"].as_str() {
            Some(rev) if known => rev.to_string(),
            _ => format!("{name}-predictor-{generation:05}"),
        };
        let previous = status["latestRolledoutRevision"]
            .as_str()
            .filter(|r| *r != latest)
            .map(str::to_string)
            .or_else(|| {
                status["previousRolledoutRevision"]
                    .as_str()
                    .map(str::to_string)
            });
        let canary = object["spec"]["predictor"]["canaryTrafficPercent"].as_i64();
        let traffic = match (canary, &previous) {
            (Some(p), Some(prev)) if p < 100 => json!([
                {"revisionName": latest, "percent": p, "latestRevision": true, "tag": "latest"},
                {"revisionName": prev, "percent": 100 - p, "latestRevision": false, "tag": "prev"},
            ]),
            _ => json!([{"revisionName": latest, "percent": 100, "latestRevision": true}]),
        };
        let rolled_out = if canary.is_none_or(|p| p == 100) {
            latest.clone()
        } else {
            previous.clone().unwrap_or_else(|| latest.clone())
        };
        let ready = json!({"type": "PredictorReady", "status": "True", "lastTransitionTime": "2026-11-26T00:00:00Z"});
        let status = json!({"status": {
            "observedGeneration": generation,
            "annotations": {"served": served},
            "conditions": [ready, {"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-26T00:00:00Z"}],
            "components": {"predictor": {
                "latestCreatedRevision": latest,
                "latestReadyRevision": latest,
                "latestRolledoutRevision": rolled_out,
                "previousRolledoutRevision": previous,
                "traffic": traffic,
            }},
        }});
        self.0
            .write(
                reqwest::Method::PATCH,
                &format!("{}/status", Self::path(name)),
                Body::MergePatch(status),
                Resend::Idempotent,
            )
            .expect("write status");
    }

    /// A merge patch of the spec or metadata, as an operator's `kubectl patch` would send it.
    pub(crate) fn patch(&self, name: &str, patch: Value) {
        self.0
            .write(
                reqwest::Method::PATCH,
                &Self::path(name),
                Body::MergePatch(patch),
                Resend::Idempotent,
            )
            .expect("patch isvc");
    }

    /// Sets a predictor condition, as the controller does when a revision fails.
    pub(crate) fn set_ready(&self, name: &str, status: &str) {
        let patch = json!({"status": {"conditions": [
            {"type": "PredictorReady", "status": status, "reason": "RevisionFailed", "lastTransitionTime": "2026-11-26T00:00:00Z"}
        ]}});
        self.0
            .write(
                reqwest::Method::PATCH,
                &format!("{}/status", Self::path(name)),
                Body::MergePatch(patch),
                Resend::Idempotent,
            )
            .expect("write status");
    }
}

/// The v1beta1 schema of the project's CRD copy.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = root().join("deploy/kserve/serving.kserve.io_inferenceservices.yaml");
        let text = std::fs::read_to_string(path).expect("CRD copy");
        let crd: Value = yaml_serde::from_str(&text).expect("CRD YAML");
        crd["spec"]["versions"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["name"] == "v1beta1"))
            .map(|v| v["schema"]["openAPIV3Schema"].clone())
            .expect("v1beta1 schema")
    })
}

/// Every field of a merge patch is known to the schema, with the schema's type; `null`
/// (delete) is allowed anywhere. Annotations must be strings. Answers the offending path.
pub(crate) fn check_patch_against_crd(patch: &Value) -> Result<(), String> {
    fn walk(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
        if value.is_null() {
            return Ok(());
        }
        let kind = schema["type"].as_str().unwrap_or("");
        let ok = match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.as_i64().is_some(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        if !ok {
            return Err(format!("{at}: {value} is not {kind}"));
        }
        if let Some(items) = value.as_array() {
            for (i, item) in items.iter().enumerate() {
                walk(item, &schema["items"], &format!("{at}[{i}]"))?;
            }
        }
        let Some(fields) = value.as_object() else {
            return Ok(());
        };
        let open = schema["x-kubernetes-preserve-unknown-fields"] == true;
        for (key, field) in fields {
            let here = format!("{at}.{key}");
            if let Some(sub) = schema["properties"].get(key) {
                walk(field, sub, &here)?;
            } else if let Some(sub) = schema.get("additionalProperties").filter(|s| s.is_object()) {
                walk(field, sub, &here)?;
            } else if !open && schema.get("properties").is_some() {
                return Err(format!("{here}: not in the CRD schema"));
            }
        }
        Ok(())
    }
    walk(patch, schema(), "")?;
    if let Some(annotations) = patch
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    {
        for (key, value) in annotations {
            if !(value.is_string() || value.is_null()) {
                return Err(format!("annotation {key}: {value} is not a string"));
            }
        }
    }
    Ok(())
}

fn unique(test: &str) -> String {
    format!("kserve-{test}-{}", std::process::id())
}

fn policy_free_client(kubeconfig: &str, name: &str) -> Kserve {
    Kserve::connect(
        &Selection {
            kubeconfig: Some(kubeconfig.into()),
            context: None,
        },
        Some("default"),
        name,
        true,
    )
    .expect("client")
}

#[test]
fn the_schema_check_catches_what_the_server_would_silently_drop() {
    let good = json!({"metadata": {"resourceVersion": "1", "annotations": {"a": "b"}},
        "spec": {"predictor": {"canaryTrafficPercent": 5, "model": {"storageUri": "s3://m"}}}});
    assert_eq!(check_patch_against_crd(&good), Ok(()));
    let misspelled = json!({"spec": {"predictor": {"canaryTrafficPercnt": 5}}});
    assert!(check_patch_against_crd(&misspelled).is_err_and(|e| e.contains("canaryTrafficPercnt")));
    let wrong_type = json!({"spec": {"predictor": {"canaryTrafficPercent": "5"}}});
    assert!(check_patch_against_crd(&wrong_type).is_err());
}

#[test]
fn reads_status_and_patches_guarded_by_resource_version() {
    let Some(config) = cluster() else { return };
    let api = Api::new(&config);
    let name = unique("client");
    api.create(&name, "s3://models/risk/v1");
    let client = policy_free_client(&config, &name);
    let read = client.get().expect("get");
    assert_eq!(read.readiness, Readiness::Ready);
    assert_eq!(read.predictor.traffic.len(), 1);
    assert_eq!(read.predictor.traffic[0].percent, 100);
    assert_eq!(read.canary_percent, None);

    let patch = json!({"spec": {"predictor": {"canaryTrafficPercent": 25}}});
    let patched = client
        .patch(&read, &patch)
        .expect("patch")
        .expect("applied");
    assert_eq!(patched.canary_percent, Some(25));
    assert_ne!(patched.resource_version, read.resource_version);
    // The controller has not seen the new generation yet.
    assert!(matches!(patched.readiness, Readiness::Pending(_)));

    // The first read is stale now: the server refuses it, nothing is overwritten.
    let stale = json!({"spec": {"predictor": {"canaryTrafficPercent": 50}}});
    let conflict = client.patch(&read, &stale).expect_err("409");
    assert!(kserve::is_conflict(&conflict), "{conflict}");
    assert_eq!(client.get().expect("get").canary_percent, Some(25));

    // Out of range: refused before sending.
    let current = client.get().expect("get");
    let refused = client
        .patch(
            &current,
            &json!({"spec": {"predictor": {"canaryTrafficPercent": 150}}}),
        )
        .expect_err("refused");
    assert!(refused.to_string().contains("0..=100"), "{refused}");
    assert_eq!(
        client.get().expect("get").resource_version,
        current.resource_version
    );

    // A field the schema does not know is dropped by 1.20: the read-back notices.
    let dropped = client
        .patch(
            &current,
            &json!({"spec": {"predictor": {"canaryTrafficPercnt": 5}}}),
        )
        .expect_err("pruned");
    assert!(
        dropped.to_string().contains("canaryTrafficPercnt"),
        "{dropped}"
    );
}

#[test]
fn a_missing_inference_service_or_a_foreign_ca_is_an_error_naming_it() {
    let Some(config) = cluster() else { return };
    let missing = policy_free_client(&config, "no-such-isvc")
        .get()
        .expect_err("404");
    assert!(
        missing.to_string().contains("`no-such-isvc` not found"),
        "{missing}"
    );

    // The same server, trusted through another CA: TLS verification refuses it.
    let dir = TempDir::new("kserve-ca");
    let text = std::fs::read_to_string(&config).expect("kubeconfig");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=foreign",
        ])
        .arg("-keyout")
        .arg(dir.0.join("ca.key"))
        .arg("-out")
        .arg(dir.0.join("ca.crt"))
        .output()
        .expect("openssl runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let swapped: String = text
        .lines()
        .map(
            |l| match l.trim_start().strip_prefix("certificate-authority-data:") {
                Some(_) => format!(
                    "    certificate-authority: {}",
                    dir.0.join("ca.crt").display()
                ),
                None => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.file("kubeconfig", swapped);
    let client = Kserve::connect(
        &Selection {
            kubeconfig: Some(path),
            context: None,
        },
        Some("default"),
        "anything",
        true,
    )
    .expect("a valid CA");
    let e = client.get().expect_err("TLS refused");
    assert!(e.to_string().contains("cannot reach Kubernetes"), "{e}");
}
