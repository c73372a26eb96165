//! The patch-history database: an embedded SQLite file recording every
//! application of a patch to a target, from which the patch model derives
//! its authors' reputations (README, *Patches*).
//!
//! - **Schema versions** are kept in `PRAGMA user_version` and migrated
//!   forward in one transaction when a writer opens the file: version 1 held
//!   `applications(event_id, patch, target, applied_at_ms, success)`; version 2
//!   (current) adds the provenance hash of what was applied and an index by
//!   patch. A file newer than this build is refused.
//! - **Writes** are idempotent by event id: the same event again is a no-op,
//!   a different event under a used id is refused. A batch (an import) is one
//!   `BEGIN IMMEDIATE` transaction: a malformed event refuses the whole batch,
//!   naming its line, and leaves the database as it was.
//! - **Concurrent writers** are safe: WAL journal, a busy timeout, and
//!   immediate transactions serialise them without lost updates.
//! - **Reads** (a pipeline source) open the file read-only and immutable, so
//!   reading never changes the bytes a manifest pinned.

use crate::as_of::parse_time_ms;
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// The schema of each version, applied in order from the file's version.
const MIGRATIONS: [&str; 2] = [
    // 0 → 1
    "CREATE TABLE applications (
        event_id TEXT PRIMARY KEY NOT NULL,
        patch TEXT NOT NULL,
        target TEXT NOT NULL,
        applied_at_ms INTEGER NOT NULL,
        success INTEGER NOT NULL CHECK (success IN (0, 1))
    );",
    // 1 → 2
    "ALTER TABLE applications ADD COLUMN provenance_hash TEXT;
     CREATE INDEX applications_by_patch ON applications (patch, applied_at_ms);",
];

/// One application of a patch to a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// Unique id of the event (writes are idempotent by it).
    pub event_id: String,
    /// The patch applied.
    pub patch: String,
    /// Where it was applied.
    pub target: String,
    /// When, RFC 3339.
    pub applied_at: String,
    /// `success` or `failure`.
    pub outcome: ApplicationOutcome,
    /// Hash of the provenance chain of what was applied (absent in events recorded before schema 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance_hash: Option<String>,
}

/// Whether an application worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationOutcome {
    /// Applied and working.
    Success,
    /// Failed to apply or broke the target.
    Failure,
}

impl Application {
    /// The event's time in unix ms, or why it is unusable.
    pub fn applied_at_ms(&self) -> std::result::Result<i64, String> {
        parse_time_ms(&self.applied_at).ok_or_else(|| format!("applied_at {:?} is not RFC 3339", self.applied_at))
    }

    /// Checks the event's fields.
    fn check(&self) -> std::result::Result<i64, String> {
        for (name, value) in [("event_id", &self.event_id), ("patch", &self.patch), ("target", &self.target)] {
            if value.trim().is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        if let Some(hash) = &self.provenance_hash
            && !(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(format!("provenance_hash {hash:?} is not 64 hex digits"));
        }
        self.applied_at_ms()
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteCount {
    /// New events stored.
    pub added: u64,
    /// Events already present, identical (idempotent re-imports).
    pub unchanged: u64,
}

/// The database's content is unusable (not this schema): exit 2.
fn unusable(path: &Path, message: String) -> Error {
    Error::Input { path: path.to_path_buf(), message: format!("patch-history database: {message}") }
}

/// A failed read of the database: the file is unusable input.
fn read_failed(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |source| Error::DatabaseRead { path: path.to_path_buf(), source }
}

/// A failed write: a file that is not a database (or is corrupt) is
/// unusable input; any other failure is the write's own (exit 1).
fn write_failed<'a>(path: &'a Path, action: &'a str) -> impl Fn(rusqlite::Error) -> Error + 'a {
    move |source| match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            Error::DatabaseRead { path: path.to_path_buf(), source }
        }
        _ => Error::DatabaseWrite { path: path.to_path_buf(), action: action.to_owned(), source },
    }
}

/// Opens (creating if needed) the database for writing and migrates it to [`SCHEMA_VERSION`].
pub fn open_for_writing(path: &Path) -> Result<Connection> {
    let opening = write_failed(path, "opening");
    let mut conn = Connection::open(path).map_err(&opening)?;
    conn.busy_timeout(BUSY_WAIT).map_err(&opening)?;
    use_wal(&conn, path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&opening)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(&opening)?;
    let Ok(applied) = usize::try_from(version) else {
        return Err(unusable(path, format!("schema version {version} is negative")));
    };
    if version > SCHEMA_VERSION {
        return Err(unusable(path, format!("schema version {version} is newer than this build's {SCHEMA_VERSION}")));
    }
    let migrating = write_failed(path, "migrating the schema");
    for sql in MIGRATIONS.iter().skip(applied) {
        tx.execute_batch(sql).map_err(&migrating)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(&migrating)?;
    tx.commit().map_err(&migrating)?;
    Ok(conn)
}

/// How long a writer waits for another to finish.
const BUSY_WAIT: Duration = Duration::from_secs(30);

/// Switches the file to WAL journaling (a no-op once it is). Two processes
/// making the switch at once would deadlock, so SQLite refuses one at once
/// instead of waiting its busy timeout: that one tries again.
fn use_wal(conn: &Connection, path: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && started.elapsed() < BUSY_WAIT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other.map_err(write_failed(path, "switching to WAL")),
        }
    }
}

/// The schema version of the file at `path`.
pub fn schema_version(path: &Path) -> Result<i64> {
    let conn = open_read_only(path)?;
    conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(read_failed(path))
}

/// Records `events` (labelled by `positions` in errors) in one transaction:
/// all or nothing.
pub fn record(path: &Path, events: &[(String, Application)]) -> Result<WriteCount> {
    let mut conn = open_for_writing(path)?;
    let recording = write_failed(path, "recording applications");
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&recording)?;
    let mut count = WriteCount::default();
    for (position, event) in events {
        let refuse = |message: String| Error::Input {
            path: path.to_path_buf(),
            message: format!("{position}: {message}; nothing was written"),
        };
        let at_ms = event.check().map_err(refuse)?;
        let existing: Option<Application> = tx
            .query_row(
                "SELECT event_id, patch, target, applied_at_ms, success, provenance_hash FROM applications WHERE event_id = ?1",
                [&event.event_id],
                row_to_application,
            )
            .optional()
            .map_err(&recording)?;
        match existing {
            Some(stored) if same_event(&stored, event, at_ms) => count.unchanged += 1,
            Some(_) => {
                return Err(refuse(format!(
                    "event_id {:?} is already recorded with different content",
                    event.event_id
                )));
            }
            None => {
                tx.execute(
                    "INSERT INTO applications (event_id, patch, target, applied_at_ms, success, provenance_hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        event.event_id,
                        event.patch,
                        event.target,
                        at_ms,
                        event.outcome == ApplicationOutcome::Success,
                        event.provenance_hash.as_ref().map(|h| h.to_ascii_lowercase())
                    ],
                )
                .map_err(&recording)?;
                count.added += 1;
            }
        }
    }
    tx.commit().map_err(&recording)?;
    Ok(count)
}

fn same_event(stored: &Application, event: &Application, at_ms: i64) -> bool {
    stored.applied_at_ms().ok() == Some(at_ms)
        && (&stored.patch, &stored.target, stored.outcome) == (&event.patch, &event.target, event.outcome)
        && stored.provenance_hash == event.provenance_hash.as_ref().map(|h| h.to_ascii_lowercase())
}

fn row_to_application(row: &rusqlite::Row<'_>) -> rusqlite::Result<Application> {
    let at_ms: i64 = row.get(3)?;
    let success: bool = row.get(4)?;
    Ok(Application {
        event_id: row.get(0)?,
        patch: row.get(1)?,
        target: row.get(2)?,
        applied_at: crate::as_of::format_ms(at_ms),
        outcome: if success { ApplicationOutcome::Success } else { ApplicationOutcome::Failure },
        provenance_hash: row.get(5)?,
    })
}

/// Reads an import file: JSON lines of [`Application`]s, or CSV with a
/// header naming their fields. Each event is labelled `FILE:line N`.
pub fn read_import(path: &Path) -> Result<Vec<(String, Application)>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    let refuse = |line: usize, message: String| Error::Input {
        path: path.to_path_buf(),
        message: format!("line {line}: {message}; nothing was written"),
    };
    let label = |line: usize| format!("{}:line {line}", path.display());
    let mut events = Vec::new();
    if path.extension().is_some_and(|e| e == "csv") {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.deserialize::<Application>() {
            let line = events.len() + 2;
            let event = record.map_err(|e| refuse(line, e.to_string()))?;
            events.push((label(line), event));
        }
    } else {
        for (k, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let event: Application = serde_json::from_str(line).map_err(|e| refuse(k + 1, e.to_string()))?;
            events.push((label(k + 1), event));
        }
    }
    Ok(events)
}

/// Opens the database read-only without touching the file.
fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.is_file() {
        return Err(Error::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such database file"),
        });
    }
    // A URI: the characters that would end or escape the path are percent-encoded.
    let escaped = path.display().to_string().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    let uri = format!("file:{escaped}?immutable=1");
    Connection::open_with_flags(uri, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI)
        .map_err(read_failed(path))
}

/// Every application in the database, by event id.
pub fn read_all(path: &Path) -> Result<Vec<Application>> {
    let conn = open_read_only(path)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(read_failed(path))?;
    let columns = match version {
        1 => "event_id, patch, target, applied_at_ms, success, NULL",
        2 => "event_id, patch, target, applied_at_ms, success, provenance_hash",
        other => return Err(unusable(path, format!("schema version {other} cannot be read by this build"))),
    };
    let mut statement =
        conn.prepare(&format!("SELECT {columns} FROM applications ORDER BY event_id")).map_err(read_failed(path))?;
    let rows = statement.query_map([], row_to_application).map_err(read_failed(path))?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(read_failed(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, patch: &str, ok: bool) -> Application {
        Application {
            event_id: id.into(),
            patch: patch.into(),
            target: "host-1".into(),
            applied_at: "2026-01-01T00:00:00Z".into(),
            outcome: if ok { ApplicationOutcome::Success } else { ApplicationOutcome::Failure },
            provenance_hash: Some("ab".repeat(32)),
        }
    }

    #[test]
    fn a_failed_write_keeps_its_cause_and_exits_1_while_a_file_that_is_no_database_is_unusable_input() {
        let dir = tempfile::tempdir().unwrap();
        let nowhere = dir.path().join("missing-folder").join("history.db");
        let err = record(&nowhere, &[("a".into(), event("e1", "p1", true))]).unwrap_err();
        assert!(matches!(err, Error::DatabaseWrite { .. }), "{err:?}");
        assert_eq!(err.exit_code(), 1);
        assert!(std::error::Error::source(&err).is_some(), "SQLite's error is kept as the cause");

        let text = dir.path().join("notes.db");
        std::fs::write(&text, "these are notes, not a database\n".repeat(200)).unwrap();
        let err = record(&text, &[("a".into(), event("e1", "p1", true))]).unwrap_err();
        assert!(matches!(err, Error::DatabaseRead { .. }), "{err:?}");
        assert_eq!(err.exit_code(), 2);
        let err = read_all(&text).unwrap_err();
        assert!(matches!(err, Error::DatabaseRead { .. }), "{err:?}");
    }

    #[test]
    fn paths_with_uri_characters_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("odd?name#50%.db");
        record(&db, &[("a".into(), event("e1", "p1", true))]).unwrap();
        assert_eq!(read_all(&db).unwrap(), vec![event("e1", "p1", true)]);
    }

    #[test]
    fn writes_are_idempotent_and_conflicts_refuse_the_whole_batch() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        let batch = vec![("a".into(), event("e1", "p1", true)), ("b".into(), event("e2", "p1", false))];
        assert_eq!(record(&db, &batch).unwrap(), WriteCount { added: 2, unchanged: 0 });
        assert_eq!(record(&db, &batch).unwrap(), WriteCount { added: 0, unchanged: 2 });
        let conflict = vec![("x".into(), event("e3", "p2", true)), ("line 9".into(), event("e1", "p1", false))];
        let err = record(&db, &conflict).unwrap_err().to_string();
        assert!(err.contains("line 9") && err.contains("different content"), "{err}");
        let mut bad = event("e4", "p2", true);
        bad.applied_at = "yesterday".into();
        assert!(record(&db, &[("y".into(), bad)]).unwrap_err().to_string().contains("not RFC 3339"));
        let stored = read_all(&db).unwrap();
        assert_eq!(stored, vec![event("e1", "p1", true), event("e2", "p1", false)], "e3 was rolled back");
        assert_eq!(schema_version(&db).unwrap(), SCHEMA_VERSION);
    }
}
