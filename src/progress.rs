//! Progress of the long stages, reported as `tracing` events under the
//! target [`TARGET`]: the library draws nothing itself, and whoever runs it
//! decides how (the binary shows a spinner on a terminal, hidden otherwise).
//!
//! Every event has a `stage` field (e.g. `"EigenTrust"`) and a message; an
//! event whose message is [`DONE`] ends that stage's display.

/// The `tracing` target of progress events.
pub const TARGET: &str = "scoreset::progress";

/// The message that ends a stage's display.
pub const DONE: &str = "done";

/// One step of a long stage, e.g. an iteration with its residual.
pub fn step(stage: &str, message: std::fmt::Arguments<'_>) {
    tracing::debug!(target: TARGET, stage, "{message}");
}

/// The stage has finished: its display may go.
pub fn done(stage: &str) {
    tracing::debug!(target: TARGET, stage, "{DONE}");
}
