//! The decision-plus-effects path of `canary step` and `rollback` without servers: a registry
//! and an InferenceService in process, recording every write, one table row per test. The
//! end-to-end tests on real MLflow and Kubernetes servers live in tests/suite/canary.rs.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::canary::state;
use crate::exec::Serving;
use crate::exec::effects::Services;
use crate::exec::mlflow::ModelVersion;
use crate::transport::TransportError;
use crate::usecase::rollback::rollback;

const MODEL: &str = "risk-classifier";
/// 2026-11-26T00:00:00Z
const T0: i64 = 1_795_651_200_000;

/// A registry of one model: aliases, and per version its tags; every write is recorded.
#[derive(Default)]
struct Registry {
    aliases: RefCell<BTreeMap<String, String>>,
    tags: BTreeMap<String, Vec<(String, String)>>,
    writes: RefCell<Vec<String>>,
}

impl Registry {
    fn with(aliases: &[(&str, &str)], gates: &[(&str, &str)]) -> Self {
        Registry {
            aliases: RefCell::new(
                aliases
                    .iter()
                    .map(|(a, v)| (a.to_string(), v.to_string()))
                    .collect(),
            ),
            tags: gates
                .iter()
                .map(|(v, gate)| (v.to_string(), vec![(GATE_TAG.into(), gate.to_string())]))
                .collect(),
            writes: RefCell::default(),
        }
    }

    fn writes(&self) -> Vec<String> {
        self.writes.borrow().clone()
    }
}

impl crate::exec::Registry for Registry {
    fn is_dry_run(&self) -> bool {
        false
    }
    fn planned(&self) -> Vec<PlannedCall> {
        Vec::new()
    }
    fn alias(&self, _: &str, alias: &str) -> Result<Option<String>, ExecError> {
        Ok(self.aliases.borrow().get(alias).cloned())
    }
    fn set_alias(&self, _: &str, alias: &str, version: &str) -> Result<(), ExecError> {
        self.writes
            .borrow_mut()
            .push(format!("@{alias} := {version}"));
        self.aliases
            .borrow_mut()
            .insert(alias.into(), version.into());
        Ok(())
    }
    fn delete_alias(&self, _: &str, alias: &str) -> Result<(), ExecError> {
        self.writes.borrow_mut().push(format!("delete @{alias}"));
        self.aliases.borrow_mut().remove(alias);
        Ok(())
    }
    fn model_version(&self, _: &str, version: &str) -> Result<ModelVersion, ExecError> {
        Ok(ModelVersion {
            version: version.into(),
            source: String::new(),
            run_id: String::new(),
            tags: self.tags.get(version).cloned().unwrap_or_default(),
        })
    }
    fn set_version_tag(
        &self,
        _: &str,
        version: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ExecError> {
        self.writes
            .borrow_mut()
            .push(format!("tag {version} {key}={value}"));
        Ok(())
    }
    fn download_uri(&self, _: &str, version: &str) -> Result<String, ExecError> {
        Ok(format!("s3://models/{version}"))
    }
}

/// One InferenceService: patches are merged into it (RFC 7386) and recorded; the first
/// `conflicts` patches answer 409.
struct Isvc {
    object: RefCell<Value>,
    conflicts: Cell<usize>,
    patches: RefCell<Vec<Value>>,
}

impl Isvc {
    fn new(annotations: Value, storage_uri: &str, canary_percent: Option<i64>) -> Self {
        Isvc {
            object: RefCell::new(json!({
                "metadata": {"resourceVersion": "1", "annotations": annotations},
                "spec": {"predictor": {
                    "model": {"storageUri": storage_uri},
                    "canaryTrafficPercent": canary_percent,
                }},
                "status": {"conditions": [{"type": "PredictorReady", "status": "True"}]},
            })),
            conflicts: Cell::new(0),
            patches: RefCell::default(),
        }
    }

    fn patches(&self) -> Vec<Value> {
        self.patches.borrow().clone()
    }
}

fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    if let Value::Object(object) = target {
        for (key, value) in fields {
            if value.is_null() {
                object.remove(key);
            } else {
                merge(object.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

impl Serving for Isvc {
    fn name(&self) -> String {
        format!("default/{MODEL}")
    }
    fn endpoint(&self) -> String {
        format!("/inferenceservices/{MODEL}")
    }
    fn planned(&self) -> Vec<PlannedCall> {
        Vec::new()
    }
    fn get(&self) -> Result<InferenceService, ExecError> {
        kserve::parse(self.object.borrow().clone()).map_err(|e| ExecError::Unexpected {
            service: "Kubernetes",
            endpoint: self.endpoint(),
            what: e.to_string(),
        })
    }
    fn patch(
        &self,
        _: &InferenceService,
        patch: &Value,
    ) -> Result<Option<InferenceService>, ExecError> {
        if self.conflicts.get() > 0 {
            self.conflicts.set(self.conflicts.get() - 1);
            // Another writer moved first: its edit bumps the resourceVersion.
            merge(
                &mut self.object.borrow_mut(),
                &json!({"metadata": {"resourceVersion": "2"}}),
            );
            return Err(TransportError::Http {
                service: "Kubernetes",
                method: "PATCH".into(),
                endpoint: self.endpoint(),
                status: 409,
                code: " Conflict".into(),
                message: "the object has been modified".into(),
                help: None,
            }
            .into());
        }
        self.patches.borrow_mut().push(patch.clone());
        merge(&mut self.object.borrow_mut(), patch);
        self.get().map(Some)
    }
}

fn policy() -> (PolicyFile, PolicyPlan) {
    let text = include_str!("../../../policies/risk-classifier.policy").to_string();
    let plan = match crate::source::compile(&text, &crate::check::Invocation::CHECK) {
        Ok((_, plan)) => plan,
        Err(errors) => panic!("the example policy compiles: {errors:?}"),
    };
    let file = PolicyFile {
        path: "risk-classifier.policy".into(),
        text,
    };
    (file, plan)
}

fn target<'a>(registry: &'a Registry, isvc: &'a Isvc) -> Target<'a> {
    Target {
        services: Services {
            registry,
            serving: isvc,
            model: MODEL,
        },
        now_ms: T0,
    }
}

fn step_on(registry: &Registry, isvc: &Isvc) -> Result<Step, RolloutError> {
    let (file, plan) = policy();
    let canary = canary_plan(&plan)?;
    step(
        &file,
        &plan,
        canary,
        &target(registry, isvc),
        &BTreeMap::new(),
    )
}

/// The annotations of `state` as the InferenceService holds them.
fn annotations(state: &CanaryState) -> Value {
    state.annotations(MODEL)
}

/// A canary of the example policy in `phase`; a promoted one finished all four stages.
fn canary(phase: Phase, version: &str, percent: i64) -> CanaryState {
    let state = CanaryState {
        phase,
        stage: 0,
        stage_started_ms: T0 - 60_000,
        percent,
        version: version.into(),
        stable_version: Some("3".into()),
        policy_sha256: crate::data::sha256_hex(policy().0.text.as_bytes()),
        reason: None,
        history: Vec::new(),
    };
    match phase {
        Phase::Promoted => CanaryState {
            stage: 3,
            history: state.history_closed(state::StageDecision::Promote, T0 - 1, None, None),
            ..state
        },
        _ => state,
    }
}

#[test]
fn a_passed_challenger_starts_with_its_model_and_the_first_share_in_one_patch() {
    let registry = Registry::with(
        &[("champion", "3"), ("challenger", "4")],
        &[("4", "passed")],
    );
    let isvc = Isvc::new(json!({}), "s3://models/3", None);
    let step = step_on(&registry, &isvc).expect("step");
    assert_eq!(
        step.record.decision,
        Decision::Start {
            version: "4".into(),
            percent: 5
        }
    );
    let patches = isvc.patches();
    assert_eq!(patches.len(), 1);
    assert_eq!(
        patches[0]["spec"]["predictor"],
        json!({"canaryTrafficPercent": 5, "model": {"storageUri": "s3://models/4"}})
    );
    assert_eq!(
        patches[0]["metadata"]["annotations"][state::STABLE_VERSION],
        "3"
    );
    assert_eq!(
        registry.writes(),
        Vec::<String>::new(),
        "a start moves no alias"
    );
    assert_eq!(
        step.record.state_after.map(|s| s.phase),
        Some(Phase::Running)
    );
}

#[test]
fn a_challenger_whose_gate_did_not_pass_takes_no_traffic() {
    for gates in [&[("4", "failed")][..], &[]] {
        let registry = Registry::with(&[("champion", "3"), ("challenger", "4")], gates);
        let isvc = Isvc::new(json!({}), "s3://models/3", None);
        let error = step_on(&registry, &isvc).err().map(|e| e.to_string());
        let error = error.unwrap_or_default();
        assert!(error.contains("not `passed`"), "{error}");
        assert!(isvc.patches().is_empty());
        assert!(registry.writes().is_empty());
    }
}

#[test]
fn a_conflict_reads_again_and_decides_again() {
    let registry = Registry::with(
        &[("champion", "3"), ("challenger", "4")],
        &[("4", "passed")],
    );
    let isvc = Isvc::new(json!({}), "s3://models/3", None);
    isvc.conflicts.set(2);
    let step = step_on(&registry, &isvc).expect("step");
    assert_eq!(step.record.conflicts, 2);
    assert_eq!(
        step.record.resource_version, "2",
        "decided on the newer read"
    );
    assert_eq!(isvc.patches().len(), 1);

    let isvc = Isvc::new(json!({}), "s3://models/3", None);
    isvc.conflicts
        .set(crate::usecase::rollout::CONFLICT_RETRIES + 1);
    let error = step_on(&registry, &isvc).err().map(|e| e.to_string());
    assert!(error.is_some_and(|e| e.contains("409")));
    assert!(isvc.patches().is_empty());
}

#[test]
fn an_unfinished_promotion_resumes_with_the_alias_moves_only() {
    let registry = Registry::with(
        &[("champion", "3"), ("challenger", "4")],
        &[("4", "passed")],
    );
    let promoted = canary(Phase::Promoted, "4", 100);
    let isvc = Isvc::new(annotations(&promoted), "s3://models/4", None);
    let step = step_on(&registry, &isvc).expect("step");
    assert_eq!(step.record.decision, Decision::Promote { resumed: true });
    assert!(
        isvc.patches().is_empty(),
        "the promote patch was made before"
    );
    assert_eq!(
        registry.writes(),
        ["@previous := 3", "@champion := 4", "delete @challenger"]
    );
    assert_eq!(
        step.record
            .aliases_before
            .and_then(|a| a.challenger)
            .as_deref(),
        Some("4")
    );
}

#[test]
fn a_hand_edited_promotion_is_not_resumed() {
    let registry = Registry::with(&[("champion", "3"), ("challenger", "4")], &[]);
    let promoted = canary(Phase::Promoted, "4", 100);
    let isvc = Isvc::new(annotations(&promoted), "s3://models/3", None);
    let step = step_on(&registry, &isvc).expect("step");
    assert!(matches!(step.record.decision, Decision::Undecided { .. }));
    assert!(isvc.patches().is_empty());
    assert!(registry.writes().is_empty());
}

#[test]
fn rollback_mid_canary_sets_the_share_to_zero_then_withdraws_the_challenger() {
    let registry = Registry::with(&[("champion", "3"), ("challenger", "4")], &[]);
    let running = canary(Phase::Running, "4", 5);
    let isvc = Isvc::new(annotations(&running), "s3://models/4", Some(5));
    let record = rollback(&target(&registry, &isvc), "p99 fired").expect("rollback");
    assert_eq!(record.rolled_back, "canary");
    let patches = isvc.patches();
    assert_eq!(patches.len(), 1);
    assert_eq!(
        patches[0]["spec"]["predictor"],
        json!({"canaryTrafficPercent": 0})
    );
    assert_eq!(
        patches[0]["metadata"]["annotations"][state::PHASE],
        "rolled-back"
    );
    assert_eq!(
        registry.writes(),
        ["tag 4 verdict.rolled_back=p99 fired", "delete @challenger"]
    );
    // Run again: nothing is left to undo.
    let again = rollback(&target(&registry, &isvc), "p99 fired").expect("again");
    assert_eq!(again.patch, None);
    assert_eq!(registry.writes().len(), 2);
}

#[test]
fn rollback_after_a_promotion_serves_previous_then_moves_champion_back() {
    let registry = Registry::with(&[("champion", "4"), ("previous", "3")], &[]);
    let promoted = canary(Phase::Promoted, "4", 100);
    let isvc = Isvc::new(annotations(&promoted), "s3://models/4", None);
    let record = rollback(&target(&registry, &isvc), "regression").expect("rollback");
    assert_eq!(record.rolled_back, "promotion");
    let patches = isvc.patches();
    assert_eq!(patches.len(), 1);
    assert_eq!(
        patches[0]["spec"]["predictor"],
        json!({"canaryTrafficPercent": null, "model": {"storageUri": "s3://models/3"}})
    );
    assert_eq!(
        registry.writes(),
        ["tag 4 verdict.rolled_back=regression", "@champion := 3"]
    );
}

#[test]
fn rollback_refuses_to_patch_over_a_share_edited_after_it() {
    let registry = Registry::with(&[("champion", "3")], &[]);
    let rolled_back = CanaryState {
        reason: Some("p99 fired".into()),
        ..canary(Phase::RolledBack, "4", 0)
    };
    let isvc = Isvc::new(annotations(&rolled_back), "s3://models/4", Some(30));
    let error = rollback(&target(&registry, &isvc), "again")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("edited since"), "{error}");
    assert!(isvc.patches().is_empty());
    assert!(registry.writes().is_empty());
}
