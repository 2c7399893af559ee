//! Promotion through a real MLflow server (started by scripts/test): aliases, trail, dry run,
//! the finish and rollback sequences, and what happens when the server fails part-way.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};
use verdict::exec::aliases::{self, Aliases};
use verdict::exec::mlflow::Mlflow;
use verdict::transport::HttpOptions;

use crate::fake_http::{dying_proxy, failing_path, fixed};
use crate::support::{TempDir, Verdict, root};

const NOW: &str = "2026-11-26T00:00:00Z";

/// The server's URI; without one the test is skipped, unless VERDICT_REQUIRE_SERVICES=1.
pub(crate) fn server() -> Option<String> {
    match std::env::var("MLFLOW_TRACKING_URI") {
        Ok(uri) if !uri.is_empty() => Some(uri),
        _ if std::env::var("VERDICT_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("MLFLOW_TRACKING_URI is not set; scripts/test starts the server")
        }
        _ => {
            eprintln!("skipped: no MLflow server (run scripts/test)");
            None
        }
    }
}

/// A raw REST call, so the tests set up state without the code under test.
fn call(uri: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let host = uri.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect to MLflow");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let payload = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    // Chunked answers: take the JSON between the first `{` and the last `}`.
    let json_text = match (payload.find('{'), payload.rfind('}')) {
        (Some(a), Some(b)) if b >= a => &payload[a..=b],
        _ => "{}",
    };
    (
        status,
        serde_json::from_str(json_text).unwrap_or(Value::Null),
    )
}

fn api(uri: &str, method: &str, path: &str, body: Value) -> Value {
    let (status, answer) = call(uri, method, &format!("/api/2.0/mlflow/{path}"), Some(body));
    assert_eq!(status, 200, "{method} {path}: {answer}");
    answer
}

fn get(uri: &str, path: &str) -> (u16, Value) {
    call(uri, "GET", &format!("/api/2.0/mlflow/{path}"), None)
}

/// A registered model with versions 1..=n and @champion on version 1; unique per test.
pub(crate) fn registered_model(uri: &str, test: &str, versions: u32) -> String {
    let name = format!("risk-{test}-{}", std::process::id());
    api(
        uri,
        "POST",
        "registered-models/create",
        json!({"name": name}),
    );
    for v in 1..=versions {
        api(
            uri,
            "POST",
            "model-versions/create",
            json!({"name": name, "source": format!("s3://models/{name}/v{v}")}),
        );
    }
    set_alias(uri, &name, "champion", "1");
    name
}

pub(crate) fn set_alias(uri: &str, model: &str, alias: &str, version: &str) {
    api(
        uri,
        "POST",
        "registered-models/alias",
        json!({"name": model, "alias": alias, "version": version}),
    );
}

fn delete_alias(uri: &str, model: &str, alias: &str) {
    api(
        uri,
        "DELETE",
        "registered-models/alias",
        json!({"name": model, "alias": alias}),
    );
}

pub(crate) fn alias(uri: &str, model: &str, alias: &str) -> Option<String> {
    let (status, body) = get(
        uri,
        &format!("registered-models/alias?name={model}&alias={alias}"),
    );
    (status == 200).then(|| {
        body["model_version"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    })
}

pub(crate) fn set_tag(uri: &str, model: &str, version: &str, key: &str, value: &str) {
    api(
        uri,
        "POST",
        "model-versions/set-tag",
        json!({"name": model, "version": version, "key": key, "value": value}),
    );
}

pub(crate) fn tag(uri: &str, model: &str, version: &str, key: &str) -> Option<String> {
    let (_, body) = get(
        uri,
        &format!("model-versions/get?name={model}&version={version}"),
    );
    body["model_version"]["tags"]
        .as_array()?
        .iter()
        .find(|t| t["key"] == key)
        .and_then(|t| t["value"].as_str().map(str::to_string))
}

/// The seed policy, naming the test's model.
fn policy(dir: &TempDir, model: &str) -> String {
    let text = std::fs::read_to_string(root().join("policies/risk-classifier.policy"))
        .expect("seed policy");
    dir.file(
        "policy.policy",
        text.replace("model \"risk-classifier\"", &format!("model \"{model}\"")),
    )
}

fn promote(uri: &str, policy: &str, version: &str, extra: &[&str]) -> crate::support::Run {
    Verdict::new()
        .args([
            "promote",
            policy,
            "--gate",
            "promote",
            "--version",
            version,
            "--now",
            NOW,
        ])
        .args(extra)
        .env("MLFLOW_TRACKING_URI", uri)
        .env("VERDICT_HTTP_ATTEMPTS", "1")
        .run()
}

fn client(uri: &str) -> Mlflow {
    client_trying(uri, 1)
}

/// A client that sends a retryable request up to `attempts` times.
fn client_trying(uri: &str, attempts: u32) -> Mlflow {
    let options = HttpOptions {
        timeout: Duration::from_secs(10),
        attempts,
        backoff: Duration::from_millis(10),
        insecure_tls: false,
    };
    Mlflow::connect_with(Some(uri), true, options).expect("client")
}

#[test]
fn promote_records_the_trail_and_moves_aliases_only_on_a_pass() {
    let Some(uri) = server() else { return };
    let model = registered_model(&uri, "e2e", 3);
    let dir = TempDir::new("mlflow-e2e");
    let policy = policy(&dir, &model);

    // Dry run: the plan is printed, nothing changes.
    let dry = promote(&uri, &policy, "2", &[]).expect_code(0);
    assert!(
        dry.stdout.contains("dry run: nothing was changed"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains(&format!("POST /api/2.0/mlflow/registered-models/alias {{\"alias\":\"challenger\",\"name\":\"{model}\",\"version\":\"2\"}}")), "{}", dry.stdout);
    assert_eq!(alias(&uri, &model, "challenger"), None);
    assert_eq!(
        get(
            &uri,
            &format!("experiments/get-by-name?experiment_name={model}")
        )
        .0,
        404
    );
    assert_eq!(tag(&uri, &model, "2", "verdict.gate"), None);

    // V2 passes: trail, tags, then @challenger.
    let run = promote(&uri, &policy, "2", &["--apply"]).expect_code(0);
    assert_eq!(alias(&uri, &model, "challenger").as_deref(), Some("2"));
    assert_eq!(alias(&uri, &model, "champion").as_deref(), Some("1"));
    assert_eq!(
        tag(&uri, &model, "2", "verdict.gate").as_deref(),
        Some("passed")
    );
    let run_id = tag(&uri, &model, "2", "verdict.report_run_id").expect("run id tag");
    assert!(
        run.stdout.contains(&format!("runs/{run_id}")),
        "{}",
        run.stdout
    );
    let (_, logged) = get(&uri, &format!("runs/get?run_id={run_id}"));
    assert_eq!(logged["run"]["info"]["status"], "FINISHED");
    let metrics = logged["run"]["data"]["metrics"]
        .as_array()
        .expect("metrics");
    assert!(
        metrics.iter().any(|m| m["key"] == "promote.1.challenger"),
        "{metrics:?}"
    );
    let params = logged["run"]["data"]["params"].as_array().expect("params");
    assert!(
        params.iter().any(|p| p["key"] == "policy_sha256"),
        "{params:?}"
    );
    let (_, artifacts) = get(&uri, &format!("artifacts/list?run_id={run_id}"));
    let files: Vec<&str> = artifacts["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(files, vec!["report.html", "report.json", "report.md"]);

    // V3 is blocked: aliases unchanged, V3 tagged failed, its run logged with the report.
    let blocked = promote(
        &uri,
        &policy,
        "3",
        &[
            "--apply",
            "--challenger",
            "datasets/risk/challenger-regressed.parquet",
        ],
    )
    .expect_code(1);
    assert_eq!(alias(&uri, &model, "challenger").as_deref(), Some("2"));
    assert_eq!(alias(&uri, &model, "champion").as_deref(), Some("1"));
    assert_eq!(
        tag(&uri, &model, "3", "verdict.gate").as_deref(),
        Some("failed")
    );
    let failed_run = tag(&uri, &model, "3", "verdict.report_run_id").expect("run id");
    assert!(
        blocked
            .stdout
            .trim_end()
            .ends_with(&format!("runs/{failed_run}")),
        "{}",
        blocked.stdout
    );
    let (_, artifacts) = get(&uri, &format!("artifacts/list?run_id={failed_run}"));
    assert!(artifacts["files"].to_string().contains("report.json"));

    // Finish, then roll back.
    let mlflow = client(&uri);
    aliases::finish(&mlflow, &model, Some("2")).expect("finish");
    assert_eq!(
        Aliases::read(&mlflow, &model).expect("aliases"),
        Aliases {
            champion: Some("2".into()),
            challenger: None,
            previous: Some("1".into()),
        }
    );
    aliases::rollback(&mlflow, &model, "p99 guard fired").expect("rollback");
    assert_eq!(alias(&uri, &model, "champion").as_deref(), Some("1"));
    assert_eq!(
        tag(&uri, &model, "2", "verdict.rolled_back").as_deref(),
        Some("p99 guard fired")
    );
}

#[test]
fn promote_refuses_a_missing_version_or_champion() {
    let Some(uri) = server() else { return };
    let model = registered_model(&uri, "missing", 2);
    let dir = TempDir::new("mlflow-missing");
    let policy = policy(&dir, &model);
    let run = promote(&uri, &policy, "9", &["--apply"]).expect_code(2);
    assert!(
        run.stderr.contains("HTTP 404 RESOURCE_DOES_NOT_EXIST"),
        "{}",
        run.stderr
    );
    delete_alias(&uri, &model, "champion");
    let run = promote(&uri, &policy, "2", &["--apply"]).expect_code(2);
    assert!(
        run.stderr
            .contains("has no @champion to compare version 2 with"),
        "{}",
        run.stderr
    );
    assert_eq!(alias(&uri, &model, "challenger"), None);
}

/// Runs `step` through a proxy that dies after each possible number of requests, then again
/// on the live server, and checks that every run ends in `expected`.
fn converges_after_every_crash(
    uri: &str,
    model: &str,
    reset: impl Fn(),
    step: impl Fn(&Mlflow) -> Result<Aliases, verdict::exec::ExecError>,
    expected: &Aliases,
) {
    let mut crashed = 0;
    for alive_for in 0..14 {
        reset();
        let proxy = dying_proxy(uri, alive_for);
        if step(&client(&proxy.uri)).is_err() {
            crashed += 1;
        }
        step(&client(uri))
            .unwrap_or_else(|e| panic!("re-run after a crash at request {alive_for}: {e}"));
        assert_eq!(
            &Aliases::read(&client(uri), model).expect("aliases"),
            expected,
            "crash at request {alive_for}"
        );
    }
    assert!(crashed >= 5, "the proxy interrupted only {crashed} runs");
}

#[test]
fn finish_converges_after_a_crash_between_any_two_steps() {
    let Some(uri) = server() else { return };
    let model = registered_model(&uri, "finish", 2);
    let reset = || {
        set_alias(&uri, &model, "champion", "1");
        set_alias(&uri, &model, "challenger", "2");
        delete_alias(&uri, &model, "previous");
    };
    let expected = Aliases {
        champion: Some("2".into()),
        challenger: None,
        previous: Some("1".into()),
    };
    converges_after_every_crash(
        &uri,
        &model,
        reset,
        |m| aliases::finish(m, &model, Some("2")),
        &expected,
    );
}

#[test]
fn rollback_converges_after_a_crash_between_any_two_steps() {
    let Some(uri) = server() else { return };
    let model = registered_model(&uri, "rollback", 2);
    let reset = || {
        set_alias(&uri, &model, "champion", "2");
        set_alias(&uri, &model, "previous", "1");
    };
    let expected = Aliases {
        champion: Some("1".into()),
        challenger: None,
        previous: Some("1".into()),
    };
    converges_after_every_crash(
        &uri,
        &model,
        reset,
        |m| aliases::rollback(m, &model, "test"),
        &expected,
    );
    assert_eq!(
        tag(&uri, &model, "2", "verdict.rolled_back").as_deref(),
        Some("test")
    );
}

#[test]
fn finish_and_rollback_check_preconditions_before_writing() {
    let Some(uri) = server() else { return };
    let model = registered_model(&uri, "preconditions", 2);
    let mlflow = client(&uri);
    let error = aliases::finish(&mlflow, &model, None).expect_err("no challenger");
    assert!(error.to_string().contains("nothing to finish"), "{error}");
    let error = aliases::rollback(&mlflow, &model, "x").expect_err("no previous");
    assert!(error.to_string().contains("it has no @previous"), "{error}");
    set_alias(&uri, &model, "challenger", "2");
    let error = aliases::finish(&mlflow, &model, Some("1")).expect_err("another promotion");
    assert!(error.to_string().contains("not version 1"), "{error}");
    assert_eq!(alias(&uri, &model, "champion").as_deref(), Some("1"));
    assert_eq!(alias(&uri, &model, "challenger").as_deref(), Some("2"));
}

#[test]
fn promote_leaves_no_half_applied_alias_when_the_server_stops_mid_way() {
    let Some(uri) = server() else { return };
    let model = registered_model(&uri, "midway", 2);
    let dir = TempDir::new("mlflow-midway");
    let policy = policy(&dir, &model);
    for alive_for in [0, 2, 4, 6, 8, 10, 12, 14, 15, 16] {
        delete_alias(&uri, &model, "challenger");
        let proxy = dying_proxy(&uri, alive_for);
        let run = promote(&proxy.uri, &policy, "2", &["--apply"]);
        let challenger = alias(&uri, &model, "challenger");
        match run.code {
            2 => {
                assert!(
                    run.stderr.contains(&proxy.uri),
                    "the error names the endpoint: {}",
                    run.stderr
                );
                assert!(challenger.is_none() || challenger.as_deref() == Some("2"));
            }
            0 => assert_eq!(challenger.as_deref(), Some("2")),
            code => panic!("exit {code} after {alive_for} requests:\n{}", run.stderr),
        }
        promote(&uri, &policy, "2", &["--apply"]).expect_code(0);
        assert_eq!(alias(&uri, &model, "challenger").as_deref(), Some("2"));
    }
}

#[test]
fn an_unreachable_server_is_an_error_naming_it() {
    let dir = TempDir::new("mlflow-down");
    let policy = policy(&dir, "risk-classifier");
    let run = promote("http://127.0.0.1:9", &policy, "2", &["--apply"]).expect_code(2);
    assert!(
        run.stderr
            .contains("cannot reach MLflow at http://127.0.0.1:9"),
        "{}",
        run.stderr
    );
}

#[test]
fn server_errors_are_retried_with_backoff_then_reported() {
    let dir = TempDir::new("mlflow-503");
    let policy = policy(&dir, "risk-classifier");
    let fake = fixed(503, Duration::ZERO);
    let run = Verdict::new()
        .args([
            "promote",
            &policy,
            "--version",
            "2",
            "--apply",
            "--now",
            NOW,
        ])
        .env("MLFLOW_TRACKING_URI", &fake.uri)
        .env("VERDICT_HTTP_ATTEMPTS", "3")
        .run()
        .expect_code(2);
    assert!(run.stderr.contains("HTTP 503 FAKE_503"), "{}", run.stderr);
    assert_eq!(
        fake.seen.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "three attempts"
    );
}

#[test]
fn a_run_is_created_once_even_when_its_answer_is_lost() {
    let Some(uri) = server() else { return };
    let model = registered_model(&uri, "once", 1);
    let through = |proxy: &str| client_trying(proxy, 3);
    // A 5xx may come after the run was made: sending the create again could make a second.
    let (proxy, failed) = failing_path(&uri, "/runs/create", 503);
    let mlflow = through(&proxy.uri);
    let experiment = mlflow
        .experiment(&model)
        .ok()
        .flatten()
        .expect("experiment");
    let error = mlflow.create_run(&experiment, "gate", &[]).err();
    assert!(error.is_some_and(|e| e.to_string().contains("HTTP 503")));
    assert_eq!(failed.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Setting a tag twice is setting it once: that is tried three times.
    let (proxy, failed) = failing_path(&uri, "/model-versions/set-tag", 503);
    assert!(
        through(&proxy.uri)
            .set_version_tag(&model, "1", "k", "v")
            .is_err()
    );
    assert_eq!(failed.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn slow_answers_time_out() {
    let dir = TempDir::new("mlflow-slow");
    let policy = policy(&dir, "risk-classifier");
    let fake = fixed(200, Duration::from_secs(3));
    let run = Verdict::new()
        .args([
            "promote",
            &policy,
            "--version",
            "2",
            "--apply",
            "--now",
            NOW,
        ])
        .env("MLFLOW_TRACKING_URI", &fake.uri)
        .env("VERDICT_HTTP_ATTEMPTS", "1")
        .env("VERDICT_HTTP_TIMEOUT_MS", "300")
        .run()
        .expect_code(2);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
}

#[test]
fn wrong_credentials_are_not_retried_and_never_printed() {
    let dir = TempDir::new("mlflow-401");
    let policy = policy(&dir, "risk-classifier");
    let fake = fixed(401, Duration::ZERO);
    let run = Verdict::new()
        .args([
            "promote",
            &policy,
            "--version",
            "2",
            "--apply",
            "--now",
            NOW,
        ])
        .env("MLFLOW_TRACKING_URI", &fake.uri)
        .env("MLFLOW_TRACKING_TOKEN", "s3cr3t-token")
        .env("VERDICT_HTTP_ATTEMPTS", "3")
        .run()
        .expect_code(2);
    assert!(run.stderr.contains("HTTP 401"), "{}", run.stderr);
    assert!(
        run.stderr.contains("MLFLOW_TRACKING_TOKEN"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cr3t-token") && !run.stdout.contains("s3cr3t-token"));
    assert_eq!(
        fake.seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "4xx is not retried"
    );
}
