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
///
/// They are collected by one subscriber set as the global default once, for
/// the whole test binary, into a list of the capturing thread's own. A
/// subscriber set per capture (`with_default`) was not enough: tests run
/// concurrently, and one capture's subscriber being dropped while another's
/// was made could leave `tracing`'s global level and interest caches
/// without the new one, so its events were silently skipped (about one run
/// in thirty of the ingest progress test).
#[cfg(test)]
pub(crate) fn captured(f: impl FnOnce()) -> Vec<(String, String)> {
    use std::cell::RefCell;
    use tracing::subscriber::Interest;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    thread_local! {
        static CAPTURED: RefCell<Option<Vec<(String, String)>>> = const { RefCell::new(None) };
    }
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
    struct Collect;
    impl<S: tracing::Subscriber> Layer<S> for Collect {
        fn register_callsite(&self, metadata: &'static tracing::Metadata<'static>) -> Interest {
            if metadata.target() == TARGET { Interest::always() } else { Interest::never() }
        }
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut fields = Fields::default();
            event.record(&mut fields);
            CAPTURED.with_borrow_mut(|events| events.as_mut().map(|events| events.push((fields.0, fields.1))));
        }
    }
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Collect))
            .expect("no other test sets a global subscriber");
    });
    // A callsite first reached while the subscriber was being installed may
    // have cached "no interest"; it is in the registry by now, so ask again.
    tracing::callsite::rebuild_interest_cache();
    CAPTURED.with_borrow_mut(|events| *events = Some(Vec::new()));
    f();
    CAPTURED.with_borrow_mut(Option::take).unwrap_or_default()
}
