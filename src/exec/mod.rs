//! The executor: applies decisions to the systems they describe, through thin clients.
//!
//! Only this module talks to services, through the one HTTP transport (`crate::transport`);
//! each client reads its own service's settings and hands the transport what it needs. Every command that changes something runs in one of two
//! modes: without `--apply` the writes are recorded and printed (reads still happen), with it
//! they are sent in order, each read back.

pub mod aliases;
pub mod effects;
mod error;
pub mod kserve;
pub mod kubeconfig;
pub mod mlflow;
mod service;
pub mod trail;

pub use error::ExecError;
pub use service::{Registry, Serving};
