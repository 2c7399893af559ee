//! The integration test binary: drives the real `verdict` binary on files in `policies/`,
//! `datasets/` and `tests/`, and checks the metric functions against reference values.

mod canary;
mod confidence;
mod corpus;
mod drift;
mod drift_reference;
mod fake_http;
mod gate;
mod html_browser;
mod html_report;
mod kserve;
mod language;
mod mlflow;
mod properties;
mod quality_reference;
mod report_schema;
mod slice_flags;
mod stats_reference;
mod support;
mod widening;
