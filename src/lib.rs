//! verdict: decides whether a retrained model may replace the one in production.
//!
//! Data flows one way: text → `syntax` → `ast` → `check` → `plan` → `eval` → `report`.

pub mod ast;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod format;
pub mod metrics;
pub mod plan;
pub mod source;
pub mod suggest;
pub mod syntax;
