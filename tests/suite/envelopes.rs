//! The JSON envelopes besides the report (`verdict.canary/v1`, `verdict.rollback/v1`,
//! `verdict.status/v1`, `verdict.promote/v1`) against their schemas in schema/: the real
//! binary's output through a rollout on the real MLflow and Kubernetes API servers, and for each
//! schema a conforming document that each edit breaks where expected. Also the `--format`s each
//! command prints, and the usage error for the others.

use serde_json::{Value, json};

use crate::kserve::{Api, cluster};
use crate::mlflow::{registered_model, server, set_alias, set_tag};
use crate::report_schema::{Breaking, assert_conforms, assert_each_breaks, assert_valid};
use crate::support::{Run, TempDir, Verdict};

const CANARY: &str = "canary-v1.schema.json";
const ROLLBACK: &str = "rollback-v1.schema.json";
const STATUS: &str = "status-v1.schema.json";
const PROMOTE: &str = "promote-v1.schema.json";

/// The rollout replays days of `datasets/risk` traffic with `--apply --now`: any `--now` is
/// accepted.
const REPLAY_TOLERANCE_MS: &str = "1000000000000000";

/// Two short stages over the sample traffic (about 24 requests an hour on each side), so a
/// rollout reaches every decision within the files' week.
fn policy(dir: &TempDir, model: &str, isvc: &str, kubeconfig: &str) -> String {
    dir.file(
        "envelopes.policy",
        format!(
            r#"model "{model}"

registry mlflow {{
  uri = env("MLFLOW_TRACKING_URI")
}}

serving kserve "{isvc}" {{
  namespace = "default"
  kubeconfig = "{kubeconfig}"
}}

data {{
  champion = parquet("datasets/risk/champion.parquet")
  challenger = parquet("datasets/risk/challenger.parquet")
  canary = parquet("datasets/risk/canary.parquet")
  stable = parquet("datasets/risk/stable.parquet")
  recent 7d on ts
}}

gate promote {{
  auroc(label, score) >= champion * 1.0
  p99(latency_ms) <= champion * 1.1
}}

canary {{
  stage 10% for 1h
  stage 100% for 1h
  guard p99(latency_ms) <= stable * 3
  guard rate(score < 0 or score > 1) == 0
  no traffic for 6h -> rollback
}}
"#
        ),
    )
}

struct Rollout {
    uri: String,
    model: String,
    isvc: String,
    api: Api,
    policy: String,
}

impl Rollout {
    /// `verdict ARGS --format json`: exits with `code` and prints a document of schema/`schema`.
    fn json(&self, args: &[&str], code: i32, schema: &str) -> Value {
        let run = self.run(args).expect_code(code);
        let document: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
                run.stdout, run.stderr
            )
        });
        assert_conforms(schema, &document);
        document
    }

    /// `verdict ARGS --format json`.
    fn run(&self, args: &[&str]) -> Run {
        Verdict::new()
            .args(args)
            .args(["--format", "json"])
            .env("MLFLOW_TRACKING_URI", &self.uri)
            .env("VERDICT_HTTP_ATTEMPTS", "1")
            .env("VERDICT_NOW_TOLERANCE_MS", REPLAY_TOLERANCE_MS)
            .run()
    }

    /// `verdict canary step --now NOW [--apply]`, reconciled as KServe's controller would; the
    /// decision's name.
    fn step(&self, now: &str, apply: bool, code: i32) -> Value {
        let mut args = vec!["canary", "step", &self.policy, "--now", now];
        if apply {
            args.push("--apply");
        }
        let step = self.json(&args, code, CANARY);
        self.api.reconcile(&self.isvc);
        step["decision"]["decision"].clone()
    }

    fn status(&self, now: &str) -> Value {
        self.json(&["status", &self.policy, "--now", now], 0, STATUS)
    }

    fn rollback(&self, apply: bool) -> Value {
        let mut args = vec!["rollback", &self.policy, "--reason", "schema test"];
        if apply {
            args.push("--apply");
        }
        let rollback = self.json(&args, 0, ROLLBACK);
        self.api.reconcile(&self.isvc);
        rollback
    }

    fn promote(&self, version: &str, extra: &[&str], code: i32) -> Value {
        let args = [
            &[
                "promote",
                &self.policy,
                "--gate",
                "promote",
                "--version",
                version,
            ][..],
            &["--now", "2026-11-26T00:00:00Z"],
            extra,
        ]
        .concat();
        self.json(&args, code, PROMOTE)
    }
}

/// Every decision a step can print, every kind of rollback, status before, during and after
/// canaries, and promotions that pass and fail: each printed document conforms to its schema.
#[test]
fn a_rollout_prints_every_envelope_as_its_schema_says() {
    let (Some(uri), Some(config)) = (server(), cluster()) else {
        return;
    };
    let model = registered_model(&uri, "envelopes", 3);
    let isvc = format!("envelopes-{}", std::process::id());
    let api = Api::new(&config);
    api.create(&isvc, &format!("s3://models/{model}/v1"));
    let dir = TempDir::new("envelopes");
    let policy = policy(&dir, &model, &isvc, &config);
    let r = Rollout {
        uri,
        model,
        isvc,
        api,
        policy,
    };

    let dry = r.promote("2", &[], 0);
    assert_eq!(
        (&dry["applied"], &dry["report"]["verdict"]),
        (&json!(false), &json!("pass"))
    );
    let passed = r.promote("2", &["--apply"], 0);
    assert_eq!(passed["challenger_alias_set"], true);
    let regressed = [
        "--apply",
        "--challenger",
        "datasets/risk/challenger-regressed.parquet",
    ];
    let failed = r.promote("3", &regressed, 1);
    assert_eq!(failed["report"]["verdict"], "fail");

    assert_eq!(r.status("2026-11-24T00:00:00Z")["canary"], Value::Null);
    let mut decisions = vec![r.step("2026-11-24T00:00:00Z", false, 0)];
    for now in [
        "2026-11-24T00:00:00Z",
        "2026-11-24T00:10:00Z",
        "2026-11-24T01:01:00Z",
    ] {
        decisions.push(r.step(now, true, 0));
    }
    let running = r.status("2026-11-24T01:10:00Z");
    assert_eq!(running["canary"]["phase"], "running");
    decisions.push(r.step("2026-11-24T02:02:00Z", true, 0));
    assert_eq!(
        r.status("2026-11-24T02:10:00Z")["canary"]["phase"],
        "promoted"
    );
    decisions.push(r.step("2026-11-24T02:20:00Z", true, 0));
    assert_eq!(r.rollback(false)["rolled_back"], "promotion");
    assert_eq!(r.rollback(true)["rolled_back"], "promotion");

    // Version 3's gate failed: a step that cannot start it prints no record.
    set_alias(&r.uri, &r.model, "challenger", "3");
    let refused = r
        .run(&["canary", "step", &r.policy, "--now", "2026-11-25T20:00:00Z"])
        .expect_code(2);
    assert_eq!(refused.stdout, "");
    set_tag(&r.uri, &r.model, "3", "verdict.gate", "passed");
    decisions.push(r.step("2026-11-25T20:00:00Z", true, 0));
    // @challenger moved mid-canary: undecided, and the record says why.
    set_alias(&r.uri, &r.model, "challenger", "2");
    decisions.push(r.step("2026-11-25T20:10:00Z", true, 2));
    set_alias(&r.uri, &r.model, "challenger", "3");
    assert_eq!(r.rollback(false)["rolled_back"], "canary");
    r.api.set_ready(&r.isvc, "False");
    let failing = r.status("2026-11-25T20:30:00Z");
    assert_eq!(failing["readiness"]["state"], "not-ready");
    let report = dir.0.join("report");
    let report_dir = report.display().to_string();
    let flags = [
        "--now",
        "2026-11-25T20:30:00Z",
        "--apply",
        "--report",
        &report_dir,
    ];
    let rolled_back = r.json(
        &[&["canary", "step", &r.policy][..], &flags].concat(),
        1,
        CANARY,
    );
    assert_eq!(
        rolled_back["observation"]["readiness"]["state"],
        "not-ready"
    );
    let written = std::fs::read_to_string(report.join("report.json")).expect("report.json");
    let written: Value = serde_json::from_str(&written).expect("report.json is JSON");
    assert_valid(&written);
    assert_eq!(written["canary"]["decision"], "rollback");
    decisions.push(rolled_back["decision"]["decision"].clone());
    let nothing_left = r.rollback(false);
    assert_eq!(nothing_left["planned_calls"], json!([]));

    assert_eq!(
        decisions,
        [
            "start",
            "start",
            "hold",
            "advance",
            "promote",
            "hold",
            "start",
            "undecided",
            "rollback"
        ]
    );
}

/// A conforming step record, of every decision kind, and edits that break it.
#[test]
fn broken_canary_records_are_rejected_where_they_break() {
    let sha = "d7e616f0f2bbaf328850a7ef1ceef759c46fe15962354e12d5d795af9d5bc487";
    let state = json!({
        "phase": "running", "stage": 0, "stage_started_ms": 1_795_651_200_000_i64, "percent": 10,
        "version": "2", "stable_version": "1", "policy_sha256": sha, "reason": null,
        "history": [{"stage": 1, "percent": 10, "started": "2026-11-26T00:00:00.000Z",
                     "ended": "2026-11-26T01:00:00.000Z", "decision": "advance",
                     "requests": 24, "reason": null}]
    });
    let record = json!({
        "schema": "verdict.canary/v1",
        "decision": {"decision": "advance", "stage": 1, "percent": 100},
        "applied": false, "model": "risk", "inference_service": "default/risk",
        "now": "2026-11-26T01:00:00.000Z", "policy_sha256": sha, "challenger": "2",
        "state": state, "state_after": state, "resource_version": "264",
        "canary_traffic_percent": 10,
        "traffic": [
            {"revision": "risk-predictor-00002", "percent": 10, "latest": true, "tag": "latest"},
            {"revision": "risk-predictor-00001", "percent": 90, "latest": false}
        ],
        "observation": {"now_ms": 1_795_654_800_000_i64, "readiness": {"state": "ready"},
                        "requests": 24, "last_request_ms": null,
                        "guards": [{"source": "p99(latency_ms) <= stable * 3", "line": 30,
                                    "status": "pass", "reason": null}]},
        "stage": {"requests": 24, "last_request_ms": null, "guards": [], "data": [],
                  "windows": [{"slice": "canary", "from": "2026-11-26T00:00:00.000Z",
                               "to": "2026-11-26T01:00:00.000Z"}]},
        "conflicts": 0,
        "patch": {"spec": {"predictor": {"canaryTrafficPercent": null}}},
        "aliases_before": null, "aliases_after": null,
        "planned_calls": [{"service": "Kubernetes", "method": "PATCH",
                           "path": "/apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices/risk",
                           "body": {"spec": {"predictor": {"canaryTrafficPercent": null}}}}]
    });
    let broken: [(&str, Breaking); 12] = [
        ("/schema: \"verdict.canary/v2\" is not", |r| {
            r["schema"] = json!("verdict.canary/v2")
        }),
        (": `planned_calls` is required", |r| {
            r.as_object_mut().map(|o| o.remove("planned_calls"));
        }),
        ("/extra: not allowed here", |r| r["extra"] = json!(1)),
        ("/decision: ", |r| {
            r["decision"] = json!({"decision": "maybe"})
        }),
        ("/decision: ", |r| {
            r["decision"] = json!({"decision": "advance", "stage": 1})
        }),
        (
            "/decision: ",
            |r| r["decision"] = json!({"decision": "hold", "reason": "x", "resumed": false}),
        ),
        ("/state: ", |r| r["state"]["phase"] = json!("paused")),
        ("/traffic/1/percent: 101 is more than 100", |r| {
            r["traffic"][1]["percent"] = json!(101)
        }),
        ("/observation: ", |r| {
            r["observation"]["readiness"] = json!({"state": "not-ready"})
        }),
        ("/stage: ", |r| {
            r["stage"]["windows"][0]
                .as_object_mut()
                .map(|o| o.remove("to"));
        }),
        ("/planned_calls/0/method: \"GET\" is not one of", |r| {
            r["planned_calls"][0]["method"] = json!("GET")
        }),
        ("/conflicts: -1 is less than 0", |r| {
            r["conflicts"] = json!(-1)
        }),
    ];
    assert_each_breaks(CANARY, &record, &broken);
    for decision in [
        json!({"decision": "start", "version": "2", "percent": 10}),
        json!({"decision": "hold", "reason": "inconclusive"}),
        json!({"decision": "undecided", "reason": "@challenger moved"}),
        json!({"decision": "rollback", "reason": "guard failed", "resumed": true}),
        json!({"decision": "promote", "resumed": false}),
    ] {
        let mut other = record.clone();
        other["decision"] = decision;
        assert_conforms(CANARY, &other);
    }
}

#[test]
fn broken_rollback_records_are_rejected_where_they_break() {
    let aliases = json!({"champion": "1", "challenger": "2", "previous": null});
    let record = json!({
        "schema": "verdict.rollback/v1", "rolled_back": "canary", "reason": "manual rollback",
        "applied": true, "model": "risk", "inference_service": "default/risk", "state": null,
        "conflicts": 1, "patch": {"spec": {"predictor": {"canaryTrafficPercent": 0}}},
        "aliases_before": aliases,
        "aliases_after": {"champion": "1", "challenger": null, "previous": null},
        "planned_calls": []
    });
    let broken: [(&str, Breaking); 6] = [
        ("/rolled_back: \"everything\" is not one of", |r| {
            r["rolled_back"] = json!("everything")
        }),
        (": `reason` is required", |r| {
            r.as_object_mut().map(|o| o.remove("reason"));
        }),
        ("/applied: \"yes\" is not of type boolean", |r| {
            r["applied"] = json!("yes")
        }),
        ("/aliases_after: ", |r| {
            r["aliases_after"]
                .as_object_mut()
                .map(|o| o.remove("previous"));
        }),
        ("/patch: [] is not of type object or null", |r| {
            r["patch"] = json!([])
        }),
        ("/state: ", |r| r["state"] = json!({"phase": "running"})),
    ];
    assert_each_breaks(ROLLBACK, &record, &broken);
}

#[test]
fn broken_status_records_are_rejected_where_they_break() {
    let record = json!({
        "schema": "verdict.status/v1", "model": "risk",
        "aliases": {"champion": "1", "challenger": "2", "previous": null},
        "inference_service": "default/risk", "resource_version": "264",
        "serving": "s3://models/risk/v2", "canary_traffic_percent": 10,
        "readiness": {"state": "pending", "reason": "the controller has not observed generation 3"},
        "predictor": {
            "traffic": [{"revision": "risk-predictor-00002", "percent": 100, "latest": true}],
            "latest_created_revision": "risk-predictor-00002",
            "latest_ready_revision": null, "latest_rolledout_revision": null,
            "previous_rolledout_revision": null
        },
        "canary": null, "stage_percent": 10.0, "stage_time_left_ms": 600_000,
        "now": "2026-11-26T00:50:00.000Z"
    });
    let broken: [(&str, Breaking); 6] = [
        ("/schema: \"verdict.report/v1\" is not", |r| {
            r["schema"] = json!("verdict.report/v1")
        }),
        ("/readiness: ", |r| r["readiness"] = json!("ready")),
        ("/predictor: `latest_ready_revision` is required", |r| {
            r["predictor"]
                .as_object_mut()
                .map(|o| o.remove("latest_ready_revision"));
        }),
        (
            "/predictor/traffic/0/latest: 1 is not of type boolean",
            |r| r["predictor"]["traffic"][0]["latest"] = json!(1),
        ),
        ("/stage_time_left_ms: -5 is less than 0", |r| {
            r["stage_time_left_ms"] = json!(-5)
        }),
        (
            "/canary_traffic_percent: 12.5 is not of type integer or null",
            |r| r["canary_traffic_percent"] = json!(12.5),
        ),
    ];
    assert_each_breaks(STATUS, &record, &broken);
}

/// The report inside a promotion is held to the report's schema.
#[test]
fn broken_promote_records_are_rejected_where_they_break() {
    let report = Verdict::new()
        .args([
            "gate",
            "policies/risk-classifier.policy",
            "--gate",
            "promote",
        ])
        .args(["--now", "2026-11-26T00:00:00Z", "--format", "json"])
        .run()
        .expect_code(0);
    let report: Value = serde_json::from_str(&report.stdout).expect("the report is JSON");
    assert_valid(&report);
    let record = json!({
        "schema": "verdict.promote/v1", "model": "risk", "version": "2",
        "champion_version": "1", "applied": false, "challenger_alias_set": false,
        "trail": "http://127.0.0.1:5000/#/experiments/1/runs/<run_id>",
        "planned_calls": [{"service": "MLflow", "method": "PUT",
                           "path": "/api/2.0/mlflow-artifacts/artifacts/1/<run_id>/artifacts/report.json",
                           "body": "<4403 bytes of report.json>"}],
        "report": report
    });
    let broken: [(&str, Breaking); 6] = [
        ("/version: 2 is not of type string", |r| {
            r["version"] = json!(2)
        }),
        (": `challenger_alias_set` is required", |r| {
            r.as_object_mut().map(|o| o.remove("challenger_alias_set"));
        }),
        ("/trail: \"\" is shorter than 1", |r| r["trail"] = json!("")),
        ("/planned_calls/0/service: \"Spark\" is not one of", |r| {
            r["planned_calls"][0]["service"] = json!("Spark")
        }),
        ("/report/verdict: \"maybe\" is not one of", |r| {
            r["report"]["verdict"] = json!("maybe")
        }),
        ("/report/checks/0/extra: not allowed here", |r| {
            r["report"]["checks"][0]["extra"] = json!(1)
        }),
    ];
    assert_each_breaks(PROMOTE, &record, &broken);
}

/// rollback and status have no report, hence no Markdown: asked for it, they refuse before
/// reading anything, naming the command and what it prints.
#[test]
fn a_format_a_command_does_not_print_is_a_usage_error() {
    for (command, format, formats) in [
        (&["rollback"][..], "markdown", "`human`, `json`"),
        (&["status"], "markdown", "`human`, `json`"),
        (&["status"], "yaml", "`human`, `json`"),
        (&["gate"], "yaml", "`human`, `json`, `markdown`"),
        (&["canary", "step"], "yaml", "`human`, `json`, `markdown`"),
    ] {
        let run = Verdict::new()
            .args(command)
            .args(["policies/risk-classifier.policy", "--format", format])
            .env("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
            .run()
            .expect_code(2);
        let name = command.join(" ");
        let expected = format!(
            "error: `verdict {name}` does not print `--format {format}`; its formats are {formats}"
        );
        assert!(run.stderr.starts_with(&expected), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    let help = Verdict::new()
        .args(["status", "--help"])
        .run()
        .expect_code(0);
    assert!(
        help.stdout.contains("[possible values: human, json]"),
        "{}",
        help.stdout
    );
}
