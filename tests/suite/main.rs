//! The integration test binary: drives the real `verdict` binary on files in `policies/`,
//! `datasets/` and `tests/`, and checks the metric functions against reference values.

mod corpus;
mod drift;
mod drift_reference;
mod fake_http;
mod gate;
mod language;
mod mlflow;
mod properties;
mod quality_reference;
mod support;
