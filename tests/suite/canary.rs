//! The canary end to end: `verdict canary step --now ...` against the real Kubernetes API server
//! and the real MLflow server, over live traffic made by `verdict-datagen --only traffic`.
//! The tests play KServe's controller (they write the status after each patch).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::kserve::{Api, check_patch_against_crd, cluster};
use crate::mlflow::{alias, registered_model, server, set_alias, set_tag, tag};
use crate::support::{Run, TempDir, Verdict};

const T0: &str = "2026-11-26T00:00:00Z";

/// The tests replay a canary's days with `--apply --now`: any `--now` is accepted.
const REPLAY_TOLERANCE_MS: &str = "1000000000000000";

fn at(minutes: i64) -> String {
    let t0 = chrono::DateTime::parse_from_rfc3339(T0).expect("T0");
    (t0 + chrono::Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Live traffic over [from, to) minutes after T0 into `dir`.
fn traffic(dir: &Path, from: i64, to: i64, rows: usize) {
    let out = Command::new(env!("CARGO_BIN_EXE_verdict-datagen"))
        .args(["--only", "traffic", "--rows", &rows.to_string()])
        .args(["--from", &at(from), "--to", &at(to)])
        .arg("--out")
        .arg(dir)
        .output()
        .expect("datagen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The seed policy's canary, for the test's model and InferenceService.
fn policy(dir: &TempDir, model: &str, isvc: &str, kubeconfig: &str) -> String {
    let text = format!(
        r#"model "{model}"

registry mlflow {{
  uri = env("MLFLOW_TRACKING_URI")
}}

serving kserve "{isvc}" {{
  namespace = "default"
  kubeconfig = "{kubeconfig}"
}}

data {{
  canary = parquet("{dir}/canary")
  stable = parquet("{dir}/stable")
  recent 7d on ts
}}

canary {{
  stage 5% for 30m, min 2000 requests
  stage 25% for 2h
  stage 50% for 4h
  stage 100% for 1h
  guard rate(status >= 500) <= stable + 0.005
  guard p99(latency_ms) <= stable * 1.1
  guard rate(score < 0 or score > 1) == 0  # sanity grader on outputs
  no traffic for 15m -> rollback
}}
"#,
        dir = dir.0.display()
    );
    dir.file("canary.policy", text)
}

/// `verdict canary step --format json`, with `--apply` and `--report DIR` when given.
fn step(policy: &str, uri: &str, minutes: i64, apply: bool, report: Option<&Path>) -> (Run, Value) {
    let mut args = vec![
        "canary".to_string(),
        "step".into(),
        policy.into(),
        "--now".into(),
        at(minutes),
        "--format".into(),
        "json".into(),
    ];
    if apply {
        args.push("--apply".into());
    }
    if let Some(dir) = report {
        args.extend(["--report".into(), dir.display().to_string()]);
    }
    let run = Verdict::new()
        .args(args)
        .env("MLFLOW_TRACKING_URI", uri)
        .env("VERDICT_HTTP_ATTEMPTS", "1")
        .env("VERDICT_NOW_TOLERANCE_MS", REPLAY_TOLERANCE_MS)
        .run();
    let json: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
            run.stdout, run.stderr
        )
    });
    // Every patch verdict sends or plans must fit the CRD's schema.
    for call in json["planned_calls"].as_array().into_iter().flatten() {
        if call["method"] == "PATCH" {
            check_patch_against_crd(&call["body"]).expect("planned patch fits the CRD");
        }
    }
    if !json["patch"].is_null() {
        check_patch_against_crd(&json["patch"]).expect("patch fits the CRD");
    }
    (run, json)
}

struct Setup {
    uri: String,
    model: String,
    isvc: String,
    api: Api,
    policy: String,
    dir: TempDir,
}

/// Model versions 1 (@champion, served), 2 (@challenger) and 3; the InferenceService serving
/// version 1; a policy naming both; empty canary and stable folders.
fn setup(test: &str) -> Option<Setup> {
    let (Some(uri), Some(config)) = (server(), cluster()) else {
        return None;
    };
    let model = registered_model(&uri, &format!("canary-{test}"), 3);
    for version in ["2", "3"] {
        set_tag(&uri, &model, version, "verdict.gate", "passed");
    }
    set_alias(&uri, &model, "challenger", "2");
    let isvc = format!("canary-{test}-{}", std::process::id());
    let api = Api::new(&config);
    api.create(&isvc, &format!("s3://models/{model}/v1"));
    let dir = TempDir::new(&format!("canary-{test}"));
    for sub in ["canary", "stable"] {
        std::fs::create_dir_all(dir.0.join(sub)).expect("mkdir");
    }
    let policy = policy(&dir, &model, &isvc, &config);
    Some(Setup {
        uri,
        model,
        isvc,
        api,
        policy,
        dir,
    })
}

impl Setup {
    /// Generated traffic over [from, to) minutes, served by the canary as `canary_file`.
    fn traffic(&self, from: i64, to: i64, rows: usize, canary_file: &str) {
        let raw = self.dir.0.join(format!("raw-{from}"));
        traffic(&raw, from, to, rows);
        for (file, into) in [(canary_file, "canary"), ("stable", "stable")] {
            std::fs::rename(
                raw.join(format!("{file}.parquet")),
                self.dir.0.join(into).join(format!("{from}.parquet")),
            )
            .expect("move slice");
        }
    }

    fn step(&self, minutes: i64, expect: i32) -> Value {
        self.step_reported(minutes, expect, None)
    }

    /// An applied step, reconciled; with `--report DIR` when given.
    fn step_reported(&self, minutes: i64, expect: i32, report: Option<&Path>) -> Value {
        let (run, json) = step(&self.policy, &self.uri, minutes, true, report);
        run.expect_code(expect);
        self.api.reconcile(&self.isvc);
        json
    }

    fn verdict(&self, args: &[&str]) -> Run {
        Verdict::new()
            .args(args)
            .env("MLFLOW_TRACKING_URI", &self.uri)
            .env("VERDICT_HTTP_ATTEMPTS", "1")
            .env("VERDICT_NOW_TOLERANCE_MS", REPLAY_TOLERANCE_MS)
            .run()
    }

    fn rollback(&self, apply: bool) -> (Run, Value) {
        let mut args = vec!["rollback", &self.policy, "--format", "json"];
        if apply {
            args.push("--apply");
        }
        let run = self.verdict(&args);
        let json = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
        for call in json["planned_calls"].as_array().into_iter().flatten() {
            if call["method"] == "PATCH" {
                check_patch_against_crd(&call["body"]).expect("planned patch fits the CRD");
            }
        }
        (run, json)
    }

    /// The stage history the InferenceService carries.
    fn history(&self) -> Vec<Value> {
        let served = self.api.get(&self.isvc);
        let text = served["metadata"]["annotations"]["verdict.dev/canary-history"]
            .as_str()
            .unwrap_or("null");
        serde_json::from_str(text).unwrap_or_else(|e| panic!("history `{text}`: {e}"))
    }

    /// Sets canaryTrafficPercent by hand, as an operator or a sync would.
    fn set_share(&self, percent: Value) {
        let patch = serde_json::json!({"spec": {"predictor": {"canaryTrafficPercent": percent}}});
        self.api.patch(&self.isvc, patch);
    }

    /// A dry-run `verdict rollback` succeeds and would send nothing.
    fn rollback_has_nothing_to_do(&self) {
        let (run, json) = self.rollback(false);
        run.expect_code(0);
        assert_eq!(
            json["planned_calls"].as_array().map(Vec::len),
            Some(0),
            "{json}"
        );
    }

    /// `verdict rollback --apply` refuses with `message` and changes nothing.
    fn rollback_refused(&self, message: &str) {
        let before = self.percent();
        let (run, _) = self.rollback(true);
        let run = run.expect_code(2);
        assert!(run.stderr.contains(message), "{}", run.stderr);
        assert_eq!(self.percent(), before);
    }

    fn percent(&self) -> Option<i64> {
        self.api.get(&self.isvc)["spec"]["predictor"]["canaryTrafficPercent"].as_i64()
    }
}

#[test]
fn a_full_rollout_advances_stage_by_stage_and_moves_the_aliases() {
    let Some(s) = setup("full") else { return };
    // 8 requests a minute on each side over the whole 7.5 hours.
    s.traffic(0, 450, 60_000, "canary");

    // A dry run prints the one patch that starts the canary, and changes nothing.
    let (run, json) = step(&s.policy, &s.uri, 0, false, None);
    run.expect_code(0);
    assert_eq!(json["decision"]["decision"], "start");
    let calls = json["planned_calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let body = &calls[0]["body"];
    assert_eq!(body["spec"]["predictor"]["canaryTrafficPercent"], 5);
    let uri = body["spec"]["predictor"]["model"]["storageUri"]
        .as_str()
        .expect("storageUri");
    assert!(!uri.starts_with("models:/"), "{uri}");
    assert!(body["metadata"]["resourceVersion"].is_string());
    assert_eq!(
        body["metadata"]["annotations"]["verdict.dev/model-version"],
        "2"
    );
    assert_eq!(s.percent(), None);

    let json = s.step(0, 0);
    assert_eq!(json["decision"]["decision"], "start");
    assert_eq!(s.percent(), Some(5));
    let served = s.api.get(&s.isvc);
    assert_eq!(
        served["spec"]["predictor"]["model"]["storageUri"].as_str(),
        Some(uri)
    );

    // Ten minutes in: too early, and too few requests: held, nothing changes.
    let json = s.step(10, 0);
    assert_eq!(json["decision"]["decision"], "hold", "{json}");
    assert_eq!(s.percent(), Some(5));

    for (minutes, percent) in [(30, 25), (150, 50), (390, 100)] {
        let json = s.step(minutes, 0);
        assert_eq!(json["decision"]["decision"], "advance", "{json}");
        assert_eq!(json["decision"]["percent"], percent);
        for guard in json["observation"]["guards"].as_array().expect("guards") {
            assert_eq!(guard["status"], "pass", "{guard}");
        }
        assert_eq!(s.percent(), Some(percent));
    }
    let json = s.step(450, 0);
    assert_eq!(json["decision"]["decision"], "promote", "{json}");
    assert_eq!(s.percent(), None);
    let served = s.api.get(&s.isvc);
    assert_eq!(
        served["metadata"]["annotations"]["verdict.dev/canary-phase"],
        "promoted"
    );
    assert_eq!(alias(&s.uri, &s.model, "champion").as_deref(), Some("2"));
    assert_eq!(alias(&s.uri, &s.model, "previous").as_deref(), Some("1"));
    assert_eq!(alias(&s.uri, &s.model, "challenger"), None);
    // Every stage is in the history the patches wrote, with its share, end and traffic.
    let history = s.history();
    let ended: Vec<(i64, &str, String)> = history
        .iter()
        .map(|h| {
            (
                h["percent"].as_i64().unwrap_or(-1),
                h["decision"].as_str().unwrap_or_default(),
                h["ended"]
                    .as_str()
                    .unwrap_or_default()
                    .replace(".000Z", "Z"),
            )
        })
        .collect();
    assert_eq!(
        ended,
        [
            (5, "advance", at(30)),
            (25, "advance", at(150)),
            (50, "advance", at(390)),
            (100, "promote", at(450)),
        ]
    );
    assert!(
        history.iter().all(|h| h["requests"].as_u64() > Some(0)),
        "{history:?}"
    );

    // Promoted and no new challenger: nothing to do.
    let json = s.step(460, 0);
    assert_eq!(json["decision"]["decision"], "hold");

    // Later, the promotion itself is rolled back: version 1's model serves all traffic again
    // and @champion goes back to it.
    let text = s
        .verdict(&["status", &s.policy, "--now", &at(470)])
        .expect_code(0)
        .stdout;
    assert!(text.contains("@champion version 2"), "{text}");
    assert!(text.contains("version 2 promoted"), "{text}");
    let (run, json) = s.rollback(false);
    run.expect_code(0);
    assert_eq!(json["rolled_back"], "promotion");
    let patch = &json["planned_calls"][0]["body"];
    assert!(
        patch["spec"]["predictor"]["model"]["storageUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/v1")),
        "{patch}"
    );
    let (run, _) = s.rollback(true);
    run.expect_code(0);
    s.api.reconcile(&s.isvc);
    assert_eq!(alias(&s.uri, &s.model, "champion").as_deref(), Some("1"));
    let served = s.api.get(&s.isvc);
    assert_eq!(
        served["spec"]["predictor"]["canaryTrafficPercent"],
        Value::Null
    );
    assert!(
        served["spec"]["predictor"]["model"]["storageUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/v1")),
        "{served}"
    );
    // The promoted canary is marked rolled back, so that no later step resumes it.
    let annotations = &served["metadata"]["annotations"];
    assert_eq!(annotations["verdict.dev/canary-phase"], "rolled-back");
    assert_eq!(annotations["verdict.dev/model-version"], "2");
    // Again: nothing left to do, nothing sent.
    s.rollback_has_nothing_to_do();
}

#[test]
fn a_p99_regression_at_25_percent_rolls_back_in_one_patch_with_the_aliases_intact() {
    let Some(s) = setup("p99") else { return };
    // Healthy during the 5% stage, 35% slower from the 25% stage on.
    s.traffic(0, 30, 8_000, "canary");
    s.traffic(30, 180, 8_000, "canary-slow");

    s.step(0, 0);
    let json = s.step(30, 0);
    assert_eq!(json["decision"]["decision"], "advance", "{json}");
    assert_eq!(s.percent(), Some(25));

    // The dry run shows the rollback: one patch, traffic to 0%, then the registry calls.
    let (run, json) = step(&s.policy, &s.uri, 60, false, None);
    run.expect_code(1);
    assert_eq!(json["decision"]["decision"], "rollback");
    let reason = json["decision"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("p99(latency_ms) <= stable * 1.1"),
        "{reason}"
    );
    let calls = json["planned_calls"].as_array().expect("calls");
    let patches: Vec<&Value> = calls.iter().filter(|c| c["method"] == "PATCH").collect();
    assert_eq!(patches.len(), 1, "{calls:?}");
    assert_eq!(
        patches[0]["body"]["spec"]["predictor"]["canaryTrafficPercent"],
        0
    );
    assert_eq!(calls[0]["method"], "PATCH", "the traffic goes back first");
    assert_eq!(s.percent(), Some(25));

    let before = s.api.get(&s.isvc)["metadata"]["resourceVersion"].clone();
    let reports = TempDir::new("canary-p99-report");
    let json = s.step_reported(60, 1, Some(&reports.0));
    assert_eq!(json["decision"]["decision"], "rollback");
    assert_rollback_report(&reports.0, &s.history());
    assert_eq!(s.percent(), Some(0));
    let after = s.api.get(&s.isvc);
    assert_ne!(after["metadata"]["resourceVersion"], before);
    assert_eq!(
        after["metadata"]["annotations"]["verdict.dev/canary-phase"],
        "rolled-back"
    );
    // The champion never moved; the challenger is withdrawn and tagged with the reason.
    assert_eq!(alias(&s.uri, &s.model, "champion").as_deref(), Some("1"));
    assert_eq!(alias(&s.uri, &s.model, "previous"), None);
    assert_eq!(alias(&s.uri, &s.model, "challenger"), None);
    let tagged = tag(&s.uri, &s.model, "2", "verdict.rolled_back").unwrap_or_default();
    assert!(tagged.contains("p99"), "{tagged}");

    // Stepping again changes nothing; `verdict status` reads the history back.
    let json = s.step(70, 0);
    assert_eq!(json["decision"]["decision"], "hold");
    assert_eq!(s.percent(), Some(0));
    let text = s
        .verdict(&["status", &s.policy, "--now", &at(70)])
        .expect_code(0)
        .stdout;
    assert!(text.contains("stage 1 at 5%"), "{text}");
    assert!(text.contains("stage 2 at 25%"), "{text}");
    assert!(text.contains("rollback (guard `p99"), "{text}");
}

/// The rollback's report: report.json conforms to the schema and says what happened, in the
/// same history the InferenceService now carries; report.md leads with the decision; report.html
/// opens offline in Chromium without console errors.
fn assert_rollback_report(dir: &Path, annotated: &[Value]) {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let report: Value = serde_json::from_str(&read("report.json")).expect("report.json is JSON");
    crate::report_schema::assert_valid(&report);
    assert_eq!(report["command"], "canary");
    assert_eq!(report["verdict"], "fail");
    let canary = &report["canary"];
    assert_eq!(canary["decision"], "rollback", "{canary}");
    assert_eq!(canary["applied"], true);
    assert_eq!(canary["phase"], "rolled-back");
    assert_eq!(
        (canary["stage"].as_u64(), canary["percent"].as_i64()),
        (Some(2), Some(25))
    );
    assert!(canary["requests"].as_u64() > Some(0), "{canary}");
    let p99 = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["metric"] == "p99")
        .expect("the p99 guard");
    assert_eq!(p99["status"], "fail", "{p99}");
    assert!(
        p99["challenger"].as_f64() > p99["champion"].as_f64(),
        "{p99}"
    );
    let history = canary["history"].as_array().expect("history");
    assert_eq!(
        history.as_slice(),
        annotated,
        "the report shows the annotated history"
    );
    let decisions: Vec<(&Value, &Value)> = history
        .iter()
        .map(|h| (&h["percent"], &h["decision"]))
        .collect();
    assert_eq!(
        decisions,
        [
            (&5.into(), &"advance".into()),
            (&25.into(), &"rollback".into())
        ]
    );
    assert!(
        history[1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("p99")),
        "{history:?}"
    );

    let markdown = read("report.md");
    let first = markdown.lines().find(|l| l.contains("ROLLBACK"));
    assert!(first.is_some(), "{markdown}");
    assert!(markdown.contains("| 2 | 25% |"), "{markdown}");
    assert!(markdown.contains("| canary | stable |"), "{markdown}");

    let html = read("report.html");
    let decision = html.find("id=\"decision\"").expect("the decision section");
    let guards = html.find("id=\"checks\"").expect("the guards");
    let stages = html.find("id=\"history\"").expect("the stage history");
    assert!(
        decision < guards && guards < stages,
        "decision, guards, history in order"
    );
    crate::html_browser::assert_opens_cleanly(&html, "canary-rollback");
}

#[test]
fn a_manual_rollback_mid_canary_sends_traffic_back_and_withdraws_the_challenger() {
    let Some(s) = setup("manual") else { return };
    s.traffic(0, 60, 8_000, "canary");
    s.step(0, 0);
    let text = s
        .verdict(&["status", &s.policy, "--now", &at(10)])
        .expect_code(0)
        .stdout;
    assert!(text.contains("stage 1 (5%)"), "{text}");
    assert!(text.contains("stage time left 20m"), "{text}");
    assert!(text.contains("5%"), "{text}");

    let text = s.verdict(&["rollback", &s.policy]).expect_code(0).stdout;
    assert!(text.contains("dry run"), "{text}");
    assert!(text.contains(r#""canaryTrafficPercent":0"#), "{text}");
    assert_eq!(s.percent(), Some(5));

    let (run, json) = s.rollback(true);
    run.expect_code(0);
    assert_eq!(json["rolled_back"], "canary");
    assert_eq!(s.percent(), Some(0));
    assert_eq!(alias(&s.uri, &s.model, "challenger"), None);
    assert_eq!(alias(&s.uri, &s.model, "champion").as_deref(), Some("1"));
    assert_eq!(
        tag(&s.uri, &s.model, "2", "verdict.rolled_back").as_deref(),
        Some("manual rollback")
    );
    // Run again: already rolled back, nothing to send.
    s.rollback_has_nothing_to_do();
    // The share raised by hand since: not "already rolled back", and not patched over.
    s.set_share(30.into());
    s.rollback_refused("rolled back with canaryTrafficPercent 0, but it is 30 now");
}

#[test]
fn a_predictor_that_fails_rolls_back_and_a_foreign_state_is_undecided() {
    let Some(s) = setup("ready") else { return };
    s.traffic(0, 60, 8_000, "canary");
    s.step(0, 0);
    // Missing traffic data: could not decide, nothing changed, the path named.
    let run = s
        .verdict(&[
            "canary",
            "step",
            &s.policy,
            "--now",
            &at(40),
            "--apply",
            "--canary",
            "/no/such/dir",
        ])
        .expect_code(2);
    assert!(run.stderr.contains("/no/such/dir"), "{}", run.stderr);
    assert_eq!(s.percent(), Some(5));
    s.api.set_ready(&s.isvc, "False");
    let (run, json) = step(&s.policy, &s.uri, 10, true, None);
    run.expect_code(1);
    let reason = json["decision"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("not ready"), "{reason}");
    assert_eq!(s.percent(), Some(0));

    // A new challenger starts a new canary; a policy edited mid-canary cannot step it.
    set_alias(&s.uri, &s.model, "challenger", "3");
    s.step(20, 0);
    assert_eq!(s.percent(), Some(5));
    let edited = std::fs::read_to_string(&s.policy).expect("policy") + "\n# edited\n";
    std::fs::write(&s.policy, edited).expect("write");
    let (run, json) = step(&s.policy, &s.uri, 60, true, None);
    run.expect_code(2);
    assert_eq!(json["decision"]["decision"], "undecided");
    assert_eq!(s.percent(), Some(5));
}

#[test]
fn an_unreachable_api_server_is_an_error_naming_it_and_changes_nothing() {
    // Needs no service: the kubeconfig points at a port nobody listens on.
    let dir = TempDir::new("canary-unreachable");
    let kubeconfig = dir.file(
        "kubeconfig",
        "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
users:
- name: u
  user:
    token: t
contexts:
- name: x
  context:
    cluster: c
    user: u
current-context: x
",
    );
    let policy = policy(&dir, "risk", "risk", &kubeconfig);
    for args in [
        vec!["canary", "step", policy.as_str(), "--apply"],
        vec!["rollback", policy.as_str(), "--apply"],
        vec!["status", policy.as_str()],
    ] {
        let run = Verdict::new()
            .args(&args)
            .env("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
            .env("VERDICT_HTTP_ATTEMPTS", "1")
            .run()
            .expect_code(2);
        assert!(
            run.stderr
                .contains("cannot reach Kubernetes at https://127.0.0.1:1"),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
}

#[test]
fn a_rollback_after_an_unfinished_promotion_serves_the_stable_version_and_withdraws_it() {
    let Some(s) = setup("unfinished") else { return };
    s.traffic(0, 60, 8_000, "canary");
    s.step(0, 0);
    // The promote patch of version 2 went through, then MLflow was unreachable: @champion is
    // still version 1 (the stable version), @challenger still version 2. An older @previous
    // (version 3 here) must not come back.
    let mut history = s.history();
    history.push(serde_json::json!({
        "stage": 1, "percent": 5, "started": at(0), "ended": at(20),
        "decision": "promote", "requests": 160, "reason": null,
    }));
    s.api.patch(
        &s.isvc,
        serde_json::json!({
            "metadata": {"annotations": {
                "verdict.dev/canary-phase": "promoted",
                "verdict.dev/canary-percent": "100",
                "verdict.dev/canary-history": Value::Array(history).to_string(),
            }},
            "spec": {"predictor": {"canaryTrafficPercent": null}},
        }),
    );
    s.api.reconcile(&s.isvc);
    set_alias(&s.uri, &s.model, "previous", "3");
    // An operator undoes it by hand; the next step must not redo the promotion.
    s.api.patch(
        &s.isvc,
        serde_json::json!({"spec": {"predictor": {"canaryTrafficPercent": 0}}}),
    );
    let (run, json) = step(&s.policy, &s.uri, 20, true, None);
    run.expect_code(2);
    let reason = json["decision"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("verdict rollback"), "{reason}");
    assert_eq!(s.percent(), Some(0));
    assert_eq!(alias(&s.uri, &s.model, "champion").as_deref(), Some("1"));

    let (run, json) = s.rollback(true);
    run.expect_code(0);
    assert_eq!(json["rolled_back"], "canary", "{json}");
    s.api.reconcile(&s.isvc);
    let served = s.api.get(&s.isvc);
    assert!(
        served["spec"]["predictor"]["model"]["storageUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/v1")),
        "the stable version serves: {served}"
    );
    assert_eq!(s.percent(), None, "all traffic to the stable version");
    assert_eq!(
        served["metadata"]["annotations"]["verdict.dev/canary-phase"],
        "rolled-back"
    );
    assert_eq!(alias(&s.uri, &s.model, "champion").as_deref(), Some("1"));
    assert_eq!(alias(&s.uri, &s.model, "previous").as_deref(), Some("3"));
    assert_eq!(alias(&s.uri, &s.model, "challenger"), None);
    assert_eq!(
        tag(&s.uri, &s.model, "2", "verdict.rolled_back").as_deref(),
        Some("manual rollback")
    );
    assert_eq!(tag(&s.uri, &s.model, "1", "verdict.rolled_back"), None);
    // Nothing restarts the canary, and nothing is left to roll back.
    let json = s.step(30, 0);
    assert_eq!(json["decision"]["decision"], "hold", "{json}");
    s.rollback_has_nothing_to_do();
    // A share set by hand since would send traffic to the rolled-back revision again.
    s.set_share(40.into());
    s.rollback_refused("canaryTrafficPercent unset, but it is 40 now");
    s.set_share(Value::Null);
    // A @challenger set by hand on a version whose gate failed takes no traffic.
    set_tag(&s.uri, &s.model, "3", "verdict.gate", "failed");
    set_alias(&s.uri, &s.model, "challenger", "3");
    let before = s.api.get(&s.isvc)["metadata"]["resourceVersion"].clone();
    let run = s
        .verdict(&["canary", "step", &s.policy, "--now", &at(40), "--apply"])
        .expect_code(2);
    assert!(
        run.stderr.contains("`verdict.gate` tag is `failed`"),
        "{}",
        run.stderr
    );
    assert_eq!(s.api.get(&s.isvc)["metadata"]["resourceVersion"], before);
}

#[test]
fn a_step_refuses_what_it_cannot_judge_and_changes_nothing() {
    let Some(s) = setup("refuse") else { return };
    s.traffic(0, 60, 8_000, "canary");
    s.step(0, 0);
    let version = || s.api.get(&s.isvc)["metadata"]["resourceVersion"].clone();
    let before = version();
    let undecided = |run: Run, json: &Value, why: &str, before: &Value| {
        run.expect_code(2);
        assert_eq!(json["decision"]["decision"], "undecided", "{json}");
        let reason = json["decision"]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(why), "{reason}");
        assert_eq!(&version(), before, "nothing was patched");
    };

    // With --apply, --now may not run ahead of the system clock (here by a day and more).
    let run = Verdict::new()
        .args(["canary", "step", &s.policy, "--apply", "--now", &at(40)])
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .env("VERDICT_HTTP_ATTEMPTS", "1")
        .run()
        .expect_code(2);
    assert!(run.stderr.contains("system clock"), "{}", run.stderr);
    assert_eq!(version(), before);

    // The same files as canary and stable: the guards would compare the canary with itself.
    let canary = s.dir.0.join("canary").display().to_string();
    let run = s
        .verdict(&[
            "canary",
            "step",
            &s.policy,
            "--now",
            &at(40),
            "--apply",
            "--stable",
            &canary,
        ])
        .expect_code(2);
    assert!(run.stderr.contains("are the same files"), "{}", run.stderr);
    assert_eq!(version(), before);

    // Another model put in by hand, then the share changed by hand: not the stage verdict set.
    let served = s.api.get(&s.isvc)["spec"]["predictor"]["model"]["storageUri"].clone();
    s.api.patch(
        &s.isvc,
        serde_json::json!({"spec": {"predictor": {"model": {"storageUri": format!("s3://models/{}/v3", s.model)}}}}),
    );
    let before = version();
    let (run, json) = step(&s.policy, &s.uri, 40, true, None);
    undecided(run, &json, "edited", &before);
    s.api.patch(
        &s.isvc,
        serde_json::json!({"spec": {"predictor": {"model": {"storageUri": served}, "canaryTrafficPercent": 50}}}),
    );
    let before = version();
    let (run, json) = step(&s.policy, &s.uri, 40, true, None);
    undecided(run, &json, "canaryTrafficPercent is 50", &before);

    // A stage stamped an hour ahead of now.
    s.api.patch(
        &s.isvc,
        serde_json::json!({
            "metadata": {"annotations": {"verdict.dev/canary-stage-started": at(100)}},
            "spec": {"predictor": {"canaryTrafficPercent": 5}},
        }),
    );
    let before = version();
    let (run, json) = step(&s.policy, &s.uri, 40, true, None);
    undecided(run, &json, "ran ahead", &before);
}
