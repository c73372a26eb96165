//! Draws the library's progress events ([`scoreset::progress`]) as a spinner
//! on stderr; indicatif hides it when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use scoreset::progress::{DONE, TARGET};
use std::fmt::Write as _;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// A `tracing` layer that shows the newest step of the running stage.
#[derive(Default)]
pub struct Spinner {
    bar: Mutex<Option<ProgressBar>>,
}

impl<S: Subscriber> Layer<S> for Spinner {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let Ok(mut bar) = self.bar.lock() else { return };
        if fields.message == DONE {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
            return;
        }
        let bar = bar.get_or_insert_with(|| {
            let style = ProgressStyle::with_template("{spinner} {prefix} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            ProgressBar::new_spinner().with_style(style)
        });
        bar.set_prefix(fields.stage);
        bar.set_message(fields.message);
        bar.tick();
    }
}

/// The `stage` and message of a progress event.
#[derive(Default)]
struct Fields {
    stage: String,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "stage" {
            self.stage = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        }
    }
}
