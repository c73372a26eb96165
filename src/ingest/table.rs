//! Record tables of the reputation models (publisher signals, investigations,
//! IdP reports, …): one record per CSV row (with a header, quoting allowed),
//! JSONL line or Parquet row, read into named fields and checked one by one.
//!
//! A record is handed over as a [`Fields`] map from column name to JSON value
//! (CSV cells are strings; an empty cell is an absent field). The accessors
//! on [`Fields`] turn missing, malformed or non-finite values into refusals
//! that name the field, so every model reads its rows the same way. A column
//! the table does not know is an error for the whole file (CSV, Parquet) or a
//! reject of the record (JSONL): a typo never silently drops a value.

use super::{InputStats, Position, Refusal, Reject, RejectReason, tabular};
use crate::as_of::{parse_time_ms, writable_ms};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::path::Path;

/// The fields of one record, by column name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Map<String, Value>);

/// A record that passed its checks, with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// Position in its source.
    pub position: Position,
    /// The record's text as reported in rejects (redacted columns hidden).
    pub raw: String,
    /// The checked record.
    pub record: T,
}

/// Where a record came from: what a reject made after reading names.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// Position in its source.
    pub position: Position,
    /// The record's text as reported in rejects.
    pub raw: String,
}

/// Splits located records into the records (for the models, which take plain
/// slices) and their origins, index for index; nothing is copied.
pub fn split<T>(located: Vec<Located<T>>) -> (Vec<T>, Vec<Origin>) {
    located.into_iter().map(|l| (l.record, Origin { position: l.position, raw: l.raw })).unzip()
}

/// How to read one table.
pub struct TableSpec<'a> {
    /// The input's kind in manifests (`signals`, `idp-reports`, …).
    pub kind: &'static str,
    /// The columns the table may have.
    pub columns: &'a [&'a str],
    /// Columns whose values never appear in reject reports (shown as `<redacted>`).
    pub redact: &'a [&'a str],
}

/// Reads the table at `path` (labelled `label` in reports): every record is
/// checked by `check` and either kept or filed in `rejects`. A file that
/// cannot be read as a whole is an error.
pub fn read<T>(
    path: &Path,
    label: &str,
    limit: u64,
    spec: &TableSpec<'_>,
    rejects: &mut Vec<Reject>,
    mut check: impl FnMut(&Fields) -> Result<T, Refusal>,
) -> Result<(InputStats, Vec<Located<T>>)> {
    let mut stats = InputStats::new(label, spec.kind);
    stats.digest = Some(super::pin(path)?);
    let mut kept = Vec::new();
    for_each_record(path, limit, spec.columns, |position, fields, text| {
        let checked = fields.and_then(|f| check(&f));
        let raw = if spec.redact.is_empty() { text } else { redacted(&text, spec.redact) };
        if let Some(record) = stats.admit(rejects, position.clone(), checked, || raw.clone()) {
            kept.push(Located { position, raw, record });
        }
    })?;
    Ok((stats, kept))
}

/// Refuses records whose id another record has, so that the result does not
/// depend on input order: exact copies of a record are kept once (a re-delivery)
/// and the other copies rejected; records that share an id but differ are all
/// rejected, since nothing says which one is right.
pub fn reject_duplicates<T: PartialEq>(
    records: Vec<Located<T>>,
    id: impl Fn(&T) -> &str,
    what: &str,
    stats: &mut InputStats,
    rejects: &mut Vec<Reject>,
) -> Vec<Located<T>> {
    let mut by_id: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (k, r) in records.iter().enumerate() {
        by_id.entry(id(&r.record)).or_default().push(k);
    }
    let mut refused: Vec<Option<String>> = vec![None; records.len()];
    for (id, group) in by_id.into_iter().filter(|(_, g)| g.len() > 1) {
        let first = &records[group[0]];
        let identical = group.iter().all(|&k| records[k].record == first.record);
        for &k in &group[usize::from(identical)..] {
            refused[k] = Some(if identical {
                format!("{what} {id:?} repeats the identical record at {}", first.position)
            } else {
                format!("{} records share {what} {id:?} and differ; none is used", group.len())
            });
        }
    }
    let mut kept = Vec::with_capacity(records.len());
    for (record, refusal) in records.into_iter().zip(refused) {
        match refusal {
            Some(detail) => stats.reject(rejects, record.position, RejectReason::DuplicateId, detail, record.raw),
            None => kept.push(record),
        }
    }
    kept
}

/// The raw text of a record with the values of `columns` replaced, for reports.
fn redacted(text: &str, columns: &[&str]) -> String {
    match serde_json::from_str::<Map<String, Value>>(text) {
        Ok(mut map) => {
            for c in columns {
                if let Some(v) = map.get_mut(*c) {
                    *v = Value::String("<redacted>".into());
                }
            }
            Value::Object(map).to_string()
        }
        Err(_) => "<redacted: the record holds a field that is never echoed>".into(),
    }
}

/// Calls `take(position, fields, raw_json)` for every record of the file.
fn for_each_record(
    path: &Path,
    limit: u64,
    columns: &[&str],
    mut take: impl FnMut(Position, Result<Fields, Refusal>, String),
) -> Result<()> {
    let name = path.to_string_lossy();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let input_error = |message: String| Error::Input { path: path.to_path_buf(), message };
    let check_header = |names: &[String]| match names.iter().find(|n| !columns.contains(&n.as_str())) {
        Some(unknown) => Err(input_error(format!("unknown column {unknown:?}; the columns are {columns:?}"))),
        None => Ok(()),
    };
    if stem.ends_with(".jsonl") {
        let bytes = tabular::read_all(path, limit)?;
        for line in tabular::lines(&bytes, false) {
            let raw = line.raw();
            let fields = match line.text {
                Err(_) => Err((RejectReason::ParseError, "the line is not UTF-8".into())),
                Ok(text) => json_fields(text, columns),
            };
            take(Position::Line(line.number), fields, raw);
        }
    } else if stem.ends_with(".parquet") {
        read_parquet(path, limit, &check_header, &mut take)?;
    } else {
        let bytes = tabular::read_all(path, limit)?;
        let line_of = line_numbers(&bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(&bytes[..]);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| input_error(format!("unreadable header: {e}")))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        check_header(&header)?;
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = line_of(record.position().map_or(0, |p| p.byte()));
                    let mut map = Map::new();
                    for (name, cell) in header.iter().zip(record.iter()) {
                        if !cell.trim().is_empty() {
                            map.insert(name.clone(), Value::String(cell.trim().to_owned()));
                        }
                    }
                    let raw = Value::Object(map.clone()).to_string();
                    let fields = if record.len() == header.len() {
                        Ok(Fields(map))
                    } else {
                        Err((
                            RejectReason::ParseError,
                            format!("expected {} fields, found {}", header.len(), record.len()),
                        ))
                    };
                    take(Position::Line(line), fields, raw);
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| line_of(p.byte()));
                    take(Position::Line(line), Err((RejectReason::ParseError, e.to_string())), String::new());
                }
            }
        }
    }
    Ok(())
}

/// Maps the byte offset where the `csv` crate says a record starts to the
/// record's 1-based line. The crate counts blank lines before a record as part
/// of it, so line terminators at the offset are skipped first.
pub(crate) fn line_numbers(bytes: &[u8]) -> impl Fn(u64) -> u64 + '_ {
    let starts: Vec<u64> = std::iter::once(0)
        .chain(bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i as u64 + 1))
        .collect();
    move |byte| {
        let blank = bytes.iter().skip(byte as usize).take_while(|b| matches!(b, b'\n' | b'\r')).count();
        starts.partition_point(|&s| s <= byte + blank as u64) as u64
    }
}

/// One JSONL record: an object whose keys are all known columns.
fn json_fields(text: &str, columns: &[&str]) -> Result<Fields, Refusal> {
    let map: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| (RejectReason::ParseError, format!("not a JSON object: {e}")))?;
    if let Some(unknown) = map.keys().find(|k| !columns.contains(&k.as_str())) {
        return Err((RejectReason::ParseError, format!("unknown field {unknown:?}")));
    }
    Ok(Fields(map.into_iter().filter(|(_, v)| !v.is_null()).collect()))
}

/// Reads a Parquet table with polars, row by row, each cell as a JSON value.
fn read_parquet(
    path: &Path,
    limit: u64,
    check_header: &dyn Fn(&[String]) -> Result<()>,
    take: &mut impl FnMut(Position, Result<Fields, Refusal>, String),
) -> Result<()> {
    use polars::prelude::*;
    let input_error = |message: String| Error::Input { path: path.to_path_buf(), message };
    let file = tabular::read_file(path, limit)?;
    let frame = ParquetReader::new(std::io::Cursor::new(file))
        .finish()
        .map_err(|e| input_error(format!("not a readable Parquet file: {e}")))?;
    let names: Vec<String> = frame.get_column_names().iter().map(|n| n.to_string()).collect();
    check_header(&names)?;
    for index in 0..frame.height() {
        let mut map = Map::new();
        for (name, column) in names.iter().zip(frame.columns()) {
            let value = match column.get(index).map_err(|e| input_error(e.to_string()))? {
                AnyValue::Null => continue,
                AnyValue::Boolean(b) => Value::Bool(b),
                AnyValue::String(s) => Value::String(s.to_owned()),
                AnyValue::StringOwned(s) => Value::String(s.to_string()),
                AnyValue::Float32(x) => serde_json::Number::from_f64(f64::from(x)).map_or(Value::Null, Value::Number),
                AnyValue::Float64(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
                other => match other.extract::<i64>() {
                    Some(n) => Value::from(n),
                    None => Value::String(other.to_string()),
                },
            };
            map.insert(name.clone(), value);
        }
        let raw = Value::Object(map.clone()).to_string();
        take(Position::Row(index as u64 + 1), Ok(Fields(map)), raw);
    }
    Ok(())
}

impl Fields {
    /// A required text field.
    pub fn text(&self, name: &str) -> Result<&str, Refusal> {
        self.optional_text(name)?.ok_or_else(|| (RejectReason::MissingField, format!("no {name}")))
    }

    /// An optional text field (numbers are not text).
    pub fn optional_text(&self, name: &str) -> Result<Option<&str>, Refusal> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim())),
            Some(other) => Err((RejectReason::ParseError, format!("{name} {other} is not text"))),
        }
    }

    /// An optional finite number (a JSON number or a numeric string).
    pub fn optional_number(&self, name: &str) -> Result<Option<f64>, Refusal> {
        let value = match self.0.get(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => return tabular::parse_number(s.trim(), name).map(Some),
            Some(other) => return Err((RejectReason::ParseError, format!("{name} {other} is not a number"))),
        };
        if value.is_finite() {
            Ok(Some(value))
        } else {
            Err((RejectReason::NonFinite, format!("{name} is not finite")))
        }
    }

    /// A required finite number.
    pub fn number(&self, name: &str) -> Result<f64, Refusal> {
        self.optional_number(name)?.ok_or_else(|| (RejectReason::MissingField, format!("no {name}")))
    }

    /// An optional instant: RFC 3339 text, or an integer of unix milliseconds.
    pub fn optional_time_ms(&self, name: &str) -> Result<Option<i64>, Refusal> {
        let bad = |v: &dyn std::fmt::Display| {
            (
                RejectReason::BadDate,
                format!("{name} {v} is neither RFC 3339 nor integer unix milliseconds in years 0000 to 9999"),
            )
        };
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().and_then(writable_ms).map(Some).ok_or_else(|| bad(n)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => {
                let s = s.trim();
                let ms = if s.bytes().all(|b| b.is_ascii_digit()) {
                    s.parse().ok().and_then(writable_ms)
                } else {
                    parse_time_ms(s)
                };
                ms.map(Some).ok_or_else(|| bad(&format!("{s:?}")))
            }
            Some(other) => Err(bad(other)),
        }
    }

    /// A required instant.
    pub fn time_ms(&self, name: &str) -> Result<i64, Refusal> {
        self.optional_time_ms(name)?.ok_or_else(|| (RejectReason::MissingField, format!("no {name}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Fields {
        json_fields(json, &["a", "t", "x"]).unwrap()
    }

    #[test]
    fn accessors_name_the_field_and_the_reason() {
        let f = fields(r#"{"a":"hi","t":"2024-01-02T00:00:00Z","x":"1.5"}"#);
        assert_eq!(f.text("a"), Ok("hi"));
        assert_eq!(f.number("x"), Ok(1.5));
        assert_eq!(f.time_ms("t"), Ok(1_704_153_600_000));
        assert_eq!(fields(r#"{"t":1704153600000}"#).time_ms("t"), Ok(1_704_153_600_000));
        assert_eq!(f.text("missing").unwrap_err().0, RejectReason::MissingField);
        assert_eq!(fields(r#"{"x":"NaN"}"#).number("x").unwrap_err().0, RejectReason::NonFinite);
        assert_eq!(fields(r#"{"x":"abc"}"#).number("x").unwrap_err().0, RejectReason::ParseError);
        assert_eq!(fields(r#"{"t":"yesterday"}"#).time_ms("t").unwrap_err().0, RejectReason::BadDate);
        assert_eq!(json_fields(r#"{"b":1}"#, &["a"]).unwrap_err().1, "unknown field \"b\"");
    }

    #[test]
    fn csv_records_keep_exact_lines_and_quoted_commas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "a,x\n\"one, two\",1\n\nthree,2,extra\nfour,\n").unwrap();
        let mut seen = Vec::new();
        for_each_record(&path, 1 << 20, &["a", "x"], |p, f, _| seen.push((p, f.map(|f| f.0.len())))).unwrap();
        assert_eq!(seen[0], (Position::Line(2), Ok(2)));
        assert_eq!(seen[1].0, Position::Line(4));
        assert_eq!(seen[1].1.as_ref().unwrap_err().0, RejectReason::ParseError);
        assert_eq!(seen[2], (Position::Line(5), Ok(1)));
        std::fs::write(&path, "a,y\n1,2\n").unwrap();
        let err = for_each_record(&path, 1 << 20, &["a", "x"], |_, _, _| ()).unwrap_err().to_string();
        assert!(err.contains("unknown column \"y\""), "{err}");
    }

    #[test]
    fn redaction_hides_the_named_values() {
        assert_eq!(redacted(r#"{"h":"secret","k":"v"}"#, &["h"]), r#"{"h":"<redacted>","k":"v"}"#);
        assert!(!redacted("not json secret", &["h"]).contains("secret"));
    }
}
