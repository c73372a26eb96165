//! Signed edge lists: `truster,trustee,value[,timestamp]` as CSV, gzipped CSV
//! or Parquet. Values are multiplied by the source's `value_scale`; the
//! optional timestamp is unix seconds (fractions allowed).

use super::tabular::{self, Line};
use super::{Edge, EdgeBatch, InputStats, PeerIds, Position, Reject, RejectReason, SourceSpec, normalise_peer};
use crate::error::{Error, Result};
use std::path::Path;

/// Collects accepted edges and rejects of one source.
struct Collector<'a> {
    path: &'a Path,
    scale: f64,
    stats: &'a mut InputStats,
    peers: &'a mut PeerIds,
    batch: EdgeBatch,
    rejects: &'a mut Vec<Reject>,
}

impl Collector<'_> {
    fn reject(&mut self, position: Position, reason: RejectReason, detail: String, raw: String) {
        self.stats.reject(self.rejects, position, reason, detail, raw);
    }

    /// Accepts one well-formed record unless its ids are bad or it is a self-trust statement.
    fn offer(
        &mut self,
        truster: &str,
        trustee: &str,
        value: f64,
        time_ms: Option<i64>,
        position: Position,
        raw: impl FnOnce() -> String,
    ) -> Result<()> {
        let value = value * self.scale;
        let ids = normalise_peer(truster).and_then(|a| normalise_peer(trustee).map(|b| (a, b)));
        match ids {
            _ if truster.is_empty() || trustee.is_empty() => {
                self.reject(position, RejectReason::ParseError, "empty peer id".into(), raw())
            }
            Err(e) => self.reject(position, RejectReason::InvalidDid, e, raw()),
            Ok((a, b)) if a == b => {
                self.reject(position, RejectReason::SelfTrust, format!("peer {a:?} rates itself"), raw())
            }
            Ok(_) if !value.is_finite() => {
                self.reject(position, RejectReason::NonFinite, "value times value_scale is not finite".into(), raw())
            }
            Ok((a, b)) => {
                let truster = self.peers.intern(&a, self.path)?;
                let trustee = self.peers.intern(&b, self.path)?;
                self.batch.edges.push(Edge { truster, trustee, value });
                self.batch.times_ms.push(time_ms);
            }
        }
        Ok(())
    }
}

/// Reads one edge-list file, choosing the reader by extension.
pub(super) fn read(
    path: &Path,
    spec: &SourceSpec,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    rejects: &mut Vec<Reject>,
) -> Result<EdgeBatch> {
    let batch = EdgeBatch { scope: spec.scope.clone(), ..EdgeBatch::default() };
    let mut collector = Collector { path, scale: spec.value_scale, stats, peers, batch, rejects };
    if path.extension().is_some_and(|e| e == "parquet") {
        read_parquet(path, &mut collector)?;
    } else {
        let reader = tabular::open(path)?;
        tabular::for_each_line(reader, spec.header, path, |line| {
            collector.stats.records += 1;
            csv_record(&line, &mut collector)
        })?;
    }
    Ok(collector.batch)
}

/// Unix seconds (a timestamp field) to milliseconds.
fn seconds_to_ms(text: &str) -> Result<i64, (RejectReason, String)> {
    let seconds = tabular::parse_number(text, "timestamp")?;
    let ms = (seconds * 1000.0).round();
    if ms.abs() < 9.0e15 {
        Ok(ms as i64)
    } else {
        Err((RejectReason::ParseError, format!("timestamp {text:?} is out of range")))
    }
}

fn csv_record(line: &Line<'_>, out: &mut Collector<'_>) -> Result<()> {
    let position = Position::Line(line.number);
    let Some(fields) = line.fields() else {
        out.reject(position, RejectReason::ParseError, "line is not valid UTF-8".into(), line.raw());
        return Ok(());
    };
    let checked = match fields[..] {
        [truster, trustee, value] | [truster, trustee, value, ""] => {
            tabular::parse_number(value, "value").map(|v| (truster, trustee, v, None))
        }
        [truster, trustee, value, timestamp] => seconds_to_ms(timestamp)
            .and_then(|t| tabular::parse_number(value, "value").map(|v| (truster, trustee, v, Some(t)))),
        _ => Err((
            RejectReason::ParseError,
            format!("expected 3 or 4 fields (truster,trustee,value[,timestamp]), found {}", fields.len()),
        )),
    };
    match checked {
        Ok((truster, trustee, value, time)) => out.offer(truster, trustee, value, time, position, || line.raw()),
        Err((reason, detail)) => {
            out.reject(position, reason, detail, line.raw());
            Ok(())
        }
    }
}

/// Reads a Parquet edge list with polars: the first two columns are the peer
/// ids (any type, read as text), the third the value (any numeric type), an
/// optional fourth the timestamp in unix seconds.
fn read_parquet(path: &Path, out: &mut Collector<'_>) -> Result<()> {
    use polars::prelude::*;
    let input_error = |message: String| Error::Input { path: path.to_path_buf(), message };
    let file = std::fs::File::open(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    let frame =
        ParquetReader::new(file).finish().map_err(|e| input_error(format!("not a readable Parquet file: {e}")))?;
    let columns = frame.columns();
    if !(3..=4).contains(&columns.len()) {
        return Err(input_error(format!(
            "expected 3 or 4 columns (truster, trustee, value[, timestamp]), found {}",
            columns.len()
        )));
    }
    let cast = |c: &Column, to: &DataType| c.cast(to).map_err(|e| input_error(format!("column {}: {e}", c.name())));
    let (truster, trustee) = (cast(&columns[0], &DataType::String)?, cast(&columns[1], &DataType::String)?);
    let value = cast(&columns[2], &DataType::Float64)?;
    let time = columns.get(3).map(|c| cast(c, &DataType::Float64)).transpose()?;
    let (truster, trustee) = (
        truster.str().map_err(|e| input_error(e.to_string()))?,
        trustee.str().map_err(|e| input_error(e.to_string()))?,
    );
    let value = value.f64().map_err(|e| input_error(e.to_string()))?;
    let time = time.as_ref().map(|t| t.f64().map_err(|e| input_error(e.to_string()))).transpose()?;
    for (row, ((a, b), v)) in truster.iter().zip(trustee.iter()).zip(value.iter()).enumerate() {
        out.stats.records += 1;
        let position = Position::Row(row as u64 + 1);
        let t = time.and_then(|t| t.get(row));
        let raw = || format!("{},{},{}", a.unwrap_or(""), b.unwrap_or(""), v.map_or(String::new(), |v| v.to_string()));
        match (a, b, v) {
            (Some(a), Some(b), Some(v)) if v.is_finite() && t.is_none_or(f64::is_finite) => {
                let time_ms = t.map(|s| (s * 1000.0).round() as i64);
                out.offer(a, b, v, time_ms, position, raw)?
            }
            (Some(_), Some(_), Some(_)) => {
                out.reject(position, RejectReason::NonFinite, "value or timestamp is not finite".into(), raw())
            }
            _ => out.reject(position, RejectReason::ParseError, "missing truster, trustee or value".into(), raw()),
        }
    }
    Ok(())
}
