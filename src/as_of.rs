//! The cut-off instant of a run. It names the epoch and, not the wall clock,
//! drives everything time-dependent, so a re-run is reproducible.

use crate::error::{Error, Result};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// RFC 3339 (any offset, any precision) to unix milliseconds; `None` if it is not RFC 3339.
pub fn parse_time_ms(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A whole-second UTC instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AsOf(OffsetDateTime);

impl AsOf {
    /// Parses RFC 3339 (any offset, converted to UTC); sub-second precision is refused
    /// because epochs are named to the second.
    pub fn parse(text: &str) -> Result<Self> {
        let t = OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|e| Error::Usage(format!("--as-of {text:?} is not an RFC 3339 date-time: {e}")))?;
        if t.nanosecond() != 0 {
            return Err(Error::Usage(format!("--as-of {text:?} has a fraction of a second; give whole seconds")));
        }
        Ok(AsOf(t.to_offset(UtcOffset::UTC)))
    }

    /// The current time, truncated to the second.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        AsOf(now.replace_nanosecond(0).unwrap_or(now))
    }

    /// Unix time in milliseconds.
    pub fn unix_ms(&self) -> i64 {
        self.0.unix_timestamp() * 1000
    }

    /// `2026-11-21T09:30:00Z`.
    pub fn rfc3339(&self) -> String {
        self.0.format(&Rfc3339).unwrap_or_default()
    }

    /// `20261121T093000Z`: the epoch folder name (sorts chronologically).
    pub fn basic(&self) -> String {
        let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
        self.0.format(&fmt).unwrap_or_default()
    }
}

/// Unix milliseconds as RFC 3339 UTC (`2024-01-02T00:00:00Z`, a fraction only when there is one).
pub fn format_ms(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    t.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_normalised_to_utc() {
        let a = AsOf::parse("2026-11-21T10:30:00+01:00").unwrap();
        assert_eq!(a.rfc3339(), "2026-11-21T09:30:00Z");
        assert_eq!(a.basic(), "20261121T093000Z");
    }

    #[test]
    fn fractions_and_garbage_are_refused() {
        assert!(AsOf::parse("2026-11-21T09:30:00.5Z").is_err());
        assert!(AsOf::parse("yesterday").is_err());
    }
}
