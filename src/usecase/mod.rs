//! The commands as use cases: each takes a checked plan and its options, does the work (read,
//! evaluate, and for the executor's commands decide and apply) and returns a typed result.
//! `cli/` parses arguments, calls one of these, renders the result and maps it to an exit code;
//! nothing here prints.

pub mod drift;
pub mod gate;
