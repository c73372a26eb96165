//! The Snaps indexer's CSV: `id;timestamp_ms;schema_id;json` with a header,
//! the JSON quoted CSV-style; schema 1 = review, 2 = trust. Parsed with the
//! `csv` crate (quoted fields may span lines); line numbers come from byte
//! offsets, so they are exact.

use super::credential::{Claim, SourceText, check_signatures, parse_credential};
use super::vc::Sink;
use super::{Position, Refusal, RejectReason, tabular};
use crate::error::Result;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// One indexer row: its line, raw text, timestamp and schema, or why it cannot be read.
struct Row {
    line: u64,
    raw: String,
    fields: Result<(i64, u8, String), Refusal>,
}

/// Reads `file` (the file at `path`, as read).
pub(super) fn read(path: &Path, file: &Arc<Vec<u8>>, sink: &mut Sink<'_>) -> Result<()> {
    let bytes = tabular::decompressed(path, file, sink.options.limits.max_input_bytes)?;
    let line_of = super::table::line_numbers(&bytes);

    let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(true).flexible(true).from_reader(&bytes[..]);
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_of(record.position().map_or(0, |p| p.byte()));
                let text: Vec<String> = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
                rows.push(Row { line, raw: text.join(";"), fields: fields(&text) });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                rows.push(Row { line, raw: String::new(), fields: Err((RejectReason::ParseError, e.to_string())) });
            }
        }
    }
    let parsed = check_signatures(
        rows.par_iter()
            .map(|row| {
                let (timestamp, _, json) = row.fields.clone()?;
                parse_credential(&json, SourceText::owned(&json), Some(timestamp))
            })
            .collect(),
    );
    for (row, result) in rows.iter().zip(parsed) {
        let schema = row.fields.as_ref().map_or(0, |(_, schema, _)| *schema); // (a row without fields is refused already)
        let result = result.and_then(|credential| match (schema, &credential.claim) {
            (1, Claim::Review { .. }) | (2, Claim::Trust { .. } | Claim::Revocation { .. }) => Ok(credential),
            _ => Err((RejectReason::SchemaMismatch, format!("schema {schema} does not hold this credential type"))),
        });
        sink.take(path, Position::Line(row.line), || row.raw.clone(), result)?;
    }
    Ok(())
}

/// Checks the four fields of a row.
fn fields(text: &[String]) -> Result<(i64, u8, String), Refusal> {
    let [_, timestamp, schema, json] = text else {
        return Err((
            RejectReason::ParseError,
            format!("expected 4 fields (id;timestamp;schema_id;json), found {}", text.len()),
        ));
    };
    let timestamp: i64 = timestamp.trim().parse().ok().and_then(crate::as_of::writable_ms).ok_or_else(|| {
        (
            RejectReason::ParseError,
            format!("timestamp {timestamp:?} is not integer unix milliseconds in years 0000 to 9999"),
        )
    })?;
    let schema = match schema.trim() {
        "1" => 1,
        "2" => 2,
        other => {
            return Err((
                RejectReason::SchemaMismatch,
                format!("schema id {other:?} is neither 1 (review) nor 2 (trust)"),
            ));
        }
    };
    Ok((timestamp, schema, json.clone()))
}
