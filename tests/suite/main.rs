//! The integration test binary: drives the real `verdict` binary on files in `policies/`,
//! `datasets/` and `tests/`, and checks the metric functions against reference values.

mod corpus;
mod language;
mod properties;
mod support;
