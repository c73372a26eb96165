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

/// The progress events emitted while `f` runs on this thread, as
/// `(stage, message)`: what a test asserts a long stage reports.
#[cfg(test)]
pub(crate) fn captured(f: impl FnOnce()) -> Vec<(String, String)> {
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    #[derive(Default)]
    struct Fields(String, String);
    impl tracing::field::Visit for Fields {
        fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
            if field.name() == "stage" {
                self.0 = value.to_owned();
            }
        }
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.1 = format!("{value:?}");
            }
        }
    }
    struct Collect(Arc<Mutex<Vec<(String, String)>>>);
    impl<S: tracing::Subscriber> Layer<S> for Collect {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            if event.metadata().target() == TARGET {
                let mut fields = Fields::default();
                event.record(&mut fields);
                self.0.lock().expect("not poisoned").push((fields.0, fields.1));
            }
        }
    }
    let events = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(Collect(events.clone()));
    tracing::subscriber::with_default(subscriber, f);
    events.lock().expect("not poisoned").clone()
}
