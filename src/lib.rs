//! verdict: decides whether a retrained model may replace the one in production.
//!
//! Data flows one way: text → `syntax` → `ast` → `check` → `plan` → `eval` → `report`.

pub mod ast;
#[cfg(all(feature = "data", feature = "services"))]
pub mod canary;
pub mod check;
pub mod cli;
#[cfg(feature = "data")]
pub mod data;
pub mod diagnostic;
#[cfg(feature = "data")]
pub mod engine;
#[cfg(feature = "data")]
pub mod eval;
#[cfg(all(feature = "data", feature = "services"))]
pub mod exec;
pub mod format;
pub mod metrics;
pub mod plan;
#[cfg(feature = "data")]
pub mod report;
pub mod source;
pub mod stats;
pub mod suggest;
pub mod syntax;
#[cfg(feature = "services")]
pub mod transport;
#[cfg(feature = "data")]
pub mod usecase;
