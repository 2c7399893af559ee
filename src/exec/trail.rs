//! The trail of a gate decision in MLflow: a run in the experiment named after the model, with
//! the gate's values as metrics, the policy and data digests as params, the report files as
//! artifacts, and tags on the model version pointing back at that run.

use super::ExecError;
use super::mlflow::{Mlflow, Run};
use crate::eval::Verdict;
use crate::report::Report;

pub struct Trail {
    pub run: Run,
    /// The run's page in the MLflow UI.
    pub link: String,
}

/// The version tag that records the gate's verdict (`passed`, `failed`, `error`).
pub const GATE_TAG: &str = "verdict.gate";

/// The gate tag on the model version: `passed`, `failed` or `error`.
pub fn gate_tag(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "passed",
        Verdict::Fail => "failed",
        Verdict::Error => "error",
    }
}

/// One digest over every slice the decision read, in slice order.
pub fn data_sha256(report: &Report) -> String {
    let joined: String = report
        .data
        .iter()
        .map(|s| format!("{}={};", s.slice, s.sha256))
        .collect();
    crate::data::sha256_hex(joined.as_bytes())
}

/// Records the trail. In dry-run mode nothing is written, and the planned calls name the run
/// that would be created as `<run_id>`.
pub fn record(
    mlflow: &Mlflow,
    model: &str,
    version: &str,
    champion: &str,
    report: &Report,
) -> Result<Trail, ExecError> {
    let experiment = mlflow
        .experiment(model)?
        .unwrap_or_else(|| "<experiment_id>".into());
    let verdict = gate_tag(report.verdict);
    let tags = [
        ("verdict.model", model.to_string()),
        ("verdict.version", version.to_string()),
        ("verdict.champion_version", champion.to_string()),
        (GATE_TAG, verdict.to_string()),
    ];
    let run = mlflow
        .create_run(&experiment, &format!("gate {model} v{version}"), &tags)?
        .unwrap_or_else(|| Run {
            id: "<run_id>".into(),
            artifact_uri: format!("mlflow-artifacts:/{experiment}/<run_id>/artifacts"),
            experiment_id: experiment.clone(),
        });
    let data_sha256 = data_sha256(report);
    let mut metrics = vec![(
        "gate.passed".to_string(),
        if report.verdict == Verdict::Pass {
            1.0
        } else {
            0.0
        },
    )];
    for check in &report.checks {
        for (part, value) in [
            ("challenger", check.challenger),
            ("champion", check.champion),
            ("threshold", check.threshold),
        ] {
            if let Some(value) = value {
                metrics.push((format!("{}.{part}", check.id), value));
            }
        }
    }
    let params = vec![
        ("policy_sha256".to_string(), report.policy.sha256.clone()),
        ("data_sha256".to_string(), data_sha256.clone()),
        (
            "verdict_version".to_string(),
            report.verdict_version.to_string(),
        ),
        ("challenger_version".to_string(), version.to_string()),
        ("champion_version".to_string(), champion.to_string()),
    ];
    mlflow.log_batch(&run.id, &metrics, &params)?;
    mlflow.upload_artifact(&run, "report.json", report.to_json().into_bytes())?;
    mlflow.upload_artifact(
        &run,
        "report.md",
        crate::report::render_markdown(report).into_bytes(),
    )?;
    mlflow.upload_artifact(
        &run,
        "report.html",
        crate::report::html::render(report).into_bytes(),
    )?;
    mlflow.finish_run(&run.id)?;
    for (key, value) in [
        (GATE_TAG, verdict.to_string()),
        ("verdict.report_run_id", run.id.clone()),
        ("verdict.policy_sha256", report.policy.sha256.clone()),
        ("verdict.data_sha256", data_sha256),
    ] {
        mlflow.set_version_tag(model, version, key, &value)?;
    }
    let link = mlflow.run_link(&run);
    Ok(Trail { run, link })
}
