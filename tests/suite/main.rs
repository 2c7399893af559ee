//! The integration test binary: drives the real `verdict` binary on files in `policies/`,
//! `datasets/` and `tests/`, and checks the metric functions against reference values.

// A test that cannot read its own fixture should stop there, loudly: the crate-wide ban on
// unwrap and expect (Cargo.toml) is for code a user or a server controls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod canary;
mod confidence;
mod corpus;
mod drift;
mod drift_reference;
mod drift_stattests;
mod envelopes;
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
