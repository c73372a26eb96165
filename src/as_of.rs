//! The cut-off instant of a run. It names the epoch and, not the wall clock,
//! drives everything time-dependent, so a re-run is reproducible.

use crate::error::{Error, Result};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// 0000-01-01T00:00:00Z in unix milliseconds: the first instant RFC 3339 can write in UTC.
pub const FIRST_MS: i64 = -62_167_219_200_000;
/// 9999-12-31T23:59:59.999Z in unix milliseconds: the last instant RFC 3339 can write in UTC.
pub const LAST_MS: i64 = 253_402_300_799_999;

/// `Some(ms)` when the instant can be written back as RFC 3339 UTC (years 0000 to 9999).
/// Every reader of instants goes through it, so what an epoch records about an
/// input's time (`format_ms`) always reads back as the same instant.
pub fn writable_ms(ms: i64) -> Option<i64> {
    (FIRST_MS..=LAST_MS).contains(&ms).then_some(ms)
}

/// RFC 3339 (any offset, any precision) to unix milliseconds; `None` if it is
/// not RFC 3339, or if its UTC instant falls outside years 0000 to 9999
/// (`0000-01-01T00:00:00+01:00` is in year -1 in UTC, which RFC 3339 cannot write).
pub fn parse_time_ms(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    writable_ms(i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).ok()?)
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
    fn instants_outside_years_0000_to_9999_are_refused() {
        // Found by the `identity` fuzz target: both were accepted, and `format_ms` wrote "".
        assert_eq!(parse_time_ms("0000-01-01T00:00:00+01:00"), None);
        assert_eq!(parse_time_ms("9999-12-31T23:59:59-01:00"), None);
        for edge in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"] {
            let ms = parse_time_ms(edge).unwrap();
            assert_eq!(format_ms(ms), edge);
        }
        assert_eq!(parse_time_ms("0000-01-01T00:00:00Z"), Some(FIRST_MS));
        assert_eq!(parse_time_ms("9999-12-31T23:59:59.999Z"), Some(LAST_MS));
        assert_eq!(writable_ms(LAST_MS + 1), None);
        assert_eq!(writable_ms(FIRST_MS - 1), None);
    }

    #[test]
    fn a_fraction_before_1970_reads_as_the_earlier_millisecond() {
        // Truncating toward zero would move it forward a millisecond.
        assert_eq!(parse_time_ms("1969-12-31T23:59:59.9995Z"), Some(-1));
        assert_eq!(format_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn fractions_and_garbage_are_refused() {
        assert!(AsOf::parse("2026-11-21T09:30:00.5Z").is_err());
        assert!(AsOf::parse("yesterday").is_err());
    }
}
