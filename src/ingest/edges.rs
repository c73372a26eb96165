//! Signed edge lists: `truster,trustee,value[,timestamp]` as CSV, gzipped CSV or Parquet.

use super::tabular::{self, Line};
use super::{Edge, InputStats, PeerIds, Position, Reject, RejectReason};
use crate::error::{Error, Result};
use std::path::Path;

/// Collects accepted edges and rejects of one source.
struct Collector<'a> {
    path: &'a Path,
    stats: InputStats,
    peers: &'a mut PeerIds,
    edges: &'a mut Vec<Edge>,
    rejects: &'a mut Vec<Reject>,
}

impl Collector<'_> {
    fn reject(&mut self, position: Position, reason: RejectReason, detail: String, raw: String) {
        self.stats.rejected += 1;
        self.rejects.push(Reject { source: self.stats.source.clone(), position, reason, detail, raw });
    }

    /// Accepts one well-formed record unless it is a self-trust statement.
    fn offer(
        &mut self,
        truster: &str,
        trustee: &str,
        value: f64,
        position: Position,
        raw: impl FnOnce() -> String,
    ) -> Result<()> {
        if truster.is_empty() || trustee.is_empty() {
            self.reject(position, RejectReason::ParseError, "empty peer id".into(), raw());
        } else if truster == trustee {
            self.reject(position, RejectReason::SelfTrust, format!("peer {truster:?} rates itself"), raw());
        } else {
            let truster = self.peers.intern(truster, self.path)?;
            let trustee = self.peers.intern(trustee, self.path)?;
            self.edges.push(Edge { truster, trustee, value });
        }
        Ok(())
    }
}

/// Reads one edge-list file, choosing the reader by extension.
pub(super) fn read(
    path: &Path,
    header: bool,
    label: &str,
    peers: &mut PeerIds,
    edges: &mut Vec<Edge>,
    rejects: &mut Vec<Reject>,
) -> Result<InputStats> {
    let mut collector = Collector { path, stats: InputStats::new(label, "edges"), peers, edges, rejects };
    if path.extension().is_some_and(|e| e == "parquet") {
        read_parquet(path, &mut collector)?;
    } else {
        let reader = tabular::open(path)?;
        tabular::for_each_line(reader, header, path, |line| {
            collector.stats.records += 1;
            csv_record(&line, &mut collector)
        })?;
    }
    Ok(collector.stats)
}

fn csv_record(line: &Line<'_>, out: &mut Collector<'_>) -> Result<()> {
    let position = Position::Line(line.number);
    let Some(fields) = line.fields() else {
        out.reject(position, RejectReason::ParseError, "line is not valid UTF-8".into(), line.raw());
        return Ok(());
    };
    let checked = match fields[..] {
        [truster, trustee, value] | [truster, trustee, value, ""] => {
            tabular::parse_number(value, "value").map(|v| (truster, trustee, v))
        }
        [truster, trustee, value, timestamp] => tabular::parse_number(timestamp, "timestamp")
            .and_then(|_| tabular::parse_number(value, "value"))
            .map(|v| (truster, trustee, v)),
        _ => Err((
            RejectReason::ParseError,
            format!("expected 3 or 4 fields (truster,trustee,value[,timestamp]), found {}", fields.len()),
        )),
    };
    match checked {
        Ok((truster, trustee, value)) => out.offer(truster, trustee, value, position, || line.raw()),
        Err((reason, detail)) => {
            out.reject(position, reason, detail, line.raw());
            Ok(())
        }
    }
}

/// Reads a Parquet edge list with polars: the first two columns are the peer
/// ids (any type, read as text), the third the value (any numeric type).
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
    let as_text = |c: &Column| c.cast(&DataType::String).map_err(|e| input_error(format!("column {}: {e}", c.name())));
    let (truster, trustee) = (as_text(&columns[0])?, as_text(&columns[1])?);
    let value = columns[2]
        .cast(&DataType::Float64)
        .map_err(|e| input_error(format!("column {} is not numeric: {e}", columns[2].name())))?;
    let (truster, trustee) = (
        truster.str().map_err(|e| input_error(e.to_string()))?,
        trustee.str().map_err(|e| input_error(e.to_string()))?,
    );
    let value = value.f64().map_err(|e| input_error(e.to_string()))?;
    for (row, ((a, b), v)) in truster.iter().zip(trustee.iter()).zip(value.iter()).enumerate() {
        out.stats.records += 1;
        let position = Position::Row(row as u64 + 1);
        let raw = || format!("{},{},{}", a.unwrap_or(""), b.unwrap_or(""), v.map_or(String::new(), |v| v.to_string()));
        match (a, b, v) {
            (Some(a), Some(b), Some(v)) if v.is_finite() => out.offer(a, b, v, position, raw)?,
            (Some(_), Some(_), Some(_)) => {
                out.reject(position, RejectReason::NonFinite, "value is not finite".into(), raw())
            }
            _ => out.reject(position, RejectReason::ParseError, "missing truster, trustee or value".into(), raw()),
        }
    }
    Ok(())
}
