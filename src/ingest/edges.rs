//! Signed edge lists: `truster,trustee,value[,timestamp]` as CSV, gzipped CSV
//! or Parquet. Values are multiplied by the source's `value_scale`; the
//! optional timestamp is unix seconds (fractions allowed).

use super::tabular;
use super::{
    Edge, EdgeBatch, InputStats, PeerIds, Position, Refusal, Reject, RejectReason, SourceSpec, normalise_peer,
};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// A checked statement: truster and trustee (normalised), scaled value, time.
type Checked<'a> = (Cow<'a, str>, Cow<'a, str>, f64, Option<i64>);

/// Collects accepted edges and rejects of one source.
struct Collector<'a> {
    path: &'a Path,
    stats: &'a mut InputStats,
    peers: &'a mut PeerIds,
    batch: EdgeBatch,
    rejects: &'a mut Vec<Reject>,
}

impl<'a> Collector<'a> {
    fn new(
        path: &'a Path,
        spec: &SourceSpec,
        stats: &'a mut InputStats,
        peers: &'a mut PeerIds,
        rejects: &'a mut Vec<Reject>,
    ) -> Self {
        let batch = EdgeBatch { scope: spec.scope.clone(), ..EdgeBatch::default() };
        Collector { path, stats, peers, batch, rejects }
    }

    /// Files one checked record: interns its peers (unless `known` already
    /// holds their indices) and keeps the edge, or rejects it.
    fn take(
        &mut self,
        position: Position,
        checked: Result<Checked<'_>, Refusal>,
        known: [Option<u32>; 2],
        raw: impl FnOnce() -> String,
    ) -> Result<()> {
        let Some((truster, trustee, value, time_ms)) = self.stats.admit(self.rejects, position, checked, raw) else {
            return Ok(());
        };
        let truster = match known[0] {
            Some(index) => index,
            None => self.peers.intern(&truster, self.path)?,
        };
        let trustee = match known[1] {
            Some(index) => index,
            None => self.peers.intern(&trustee, self.path)?,
        };
        if time_ms.is_some() && self.batch.times_ms.is_none() {
            self.batch.times_ms = Some(vec![None; self.batch.edges.len()]);
        }
        self.batch.edges.push(Edge { truster, trustee, value });
        if let Some(times) = &mut self.batch.times_ms {
            times.push(time_ms);
        }
        Ok(())
    }
}

impl Collector<'_> {
    /// Files edges of the fast path ([`super::decimal::edge`]), their peers
    /// named by number ([`super::DecimalIds`]; `highest`: the largest
    /// number they name, or one of a larger set): each is a record accepted.
    fn take_decimal(&mut self, edges: &[Edge], highest: u32) {
        if edges.is_empty() {
            return;
        }
        self.stats.records += edges.len() as u64;
        self.peers.name_by_number(highest);
        self.batch.edges.extend_from_slice(edges);
        if let Some(times) = &mut self.batch.times_ms {
            times.resize(self.batch.edges.len(), None);
        }
    }
}

/// Reserves room for `extra` more edges, read from `bytes` bytes of text,
/// and touches each page of it, on every core, before any is filed. The
/// first touch of fresh memory (the kernel zeroing the page) had been half
/// the time of the one core that files the edges in line order, at 134M
/// rows; touched a block at a time, between blocks, it gained nothing
/// (docs/performance.md). `extra` is the lines counted or estimated from a
/// first block, and never taken above one edge per 6 bytes (`1,2,3` and its
/// line end, the shortest line an edge is read from): a file whose first
/// block is blank lines cannot make it touch more than a file of its size
/// could need.
fn reserve_touched(edges: &mut Vec<Edge>, extra: usize, bytes: usize) {
    use rayon::prelude::*;
    const PAGE: usize = 4096 / std::mem::size_of::<Edge>();
    edges.reserve_exact(extra.min(bytes / 6 + 1));
    edges.spare_capacity_mut().par_chunks_mut(PAGE * 64).for_each(|pages| {
        for slot in pages.iter_mut().step_by(PAGE) {
            slot.write(Edge { truster: 0, trustee: 0, value: 0.0 });
        }
    });
}

/// Checks one statement: ids present and valid, not self-trust, scaled value finite.
fn check<'a>(
    truster: &'a str,
    trustee: &'a str,
    value: f64,
    time_ms: Option<i64>,
    scale: f64,
) -> Result<Checked<'a>, Refusal> {
    if truster.is_empty() || trustee.is_empty() {
        return Err((RejectReason::ParseError, "empty peer id".into()));
    }
    let truster = normalise_peer(truster).map_err(|e| (RejectReason::InvalidDid, e))?;
    let trustee = normalise_peer(trustee).map_err(|e| (RejectReason::InvalidDid, e))?;
    if truster == trustee {
        return Err((RejectReason::SelfTrust, format!("peer {truster:?} rates itself")));
    }
    let value = value * scale;
    if !value.is_finite() {
        return Err((RejectReason::NonFinite, "value times value_scale is not finite".into()));
    }
    Ok((truster, trustee, value, time_ms))
}

/// Reads one edge-list file (`file`: the file at `path`, as read), choosing the reader by extension.
pub(super) fn read(
    path: &Path,
    file: &Arc<Vec<u8>>,
    spec: &SourceSpec,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    rejects: &mut Vec<Reject>,
    limit: u64,
) -> Result<EdgeBatch> {
    let mut collector = Collector::new(path, spec, stats, peers, rejects);
    if path.extension().is_some_and(|e| e == "parquet") {
        read_parquet(path, file, spec.value_scale, &mut collector)?;
    } else {
        let bytes = tabular::decompressed(path, file, limit)?;
        read_csv(&bytes, spec, spec.header, &mut collector)?;
    }
    Ok(collector.batch)
}

/// Reads edge-list text (`bytes`: a file's or a range of its lines; `header`:
/// whether its first line is the header to skip).
pub(super) fn read_text(
    path: &Path,
    bytes: &[u8],
    spec: &SourceSpec,
    header: bool,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    rejects: &mut Vec<Reject>,
) -> Result<EdgeBatch> {
    let mut collector = Collector::new(path, spec, stats, peers, rejects);
    read_csv(bytes, spec, header, &mut collector)?;
    Ok(collector.batch)
}

/// Reads a text edge list (a whole file's text) a block at a time ([`read_lines`]).
fn read_csv(bytes: &[u8], spec: &SourceSpec, header: bool, collector: &mut Collector<'_>) -> Result<()> {
    // One allocation for the edges: growing by doubling would copy them and fault in fresh pages each time.
    let line_count = memchr::memchr_iter(b'\n', bytes).count() + 1;
    reserve_touched(&mut collector.batch.edges, line_count, bytes.len());
    let (label, len) = (spec.path.display(), bytes.len());
    read_lines(bytes, spec, header, (0, 0), collector, SIZES, |at| {
        let percent = (at as u64 * 100).checked_div(len as u64).unwrap_or(100);
        crate::progress::step("Ingest", format_args!("{label}: {percent}% ({at} of {len} bytes)"));
    })
    .map(|_| ())
}

/// Bytes of a plain-text edge list read at a time by [`read_streamed`].
const STREAM_BYTES: u64 = 64 << 20;

/// Reads a plain-text edge list at `path` in blocks of [`STREAM_BYTES`],
/// each hashed (for the input's digest) on one core while its lines are
/// parsed on the others: the text is never held whole (at 134M rows it was
/// 2.2 GiB of ingest's peak), and one buffer serves every block.
pub(super) fn read_streamed(
    path: &Path,
    spec: &SourceSpec,
    limit: u64,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    rejects: &mut Vec<Reject>,
) -> Result<(crate::crypto::Digest, EdgeBatch)> {
    read_in_blocks(path, spec, limit, STREAM_BYTES, stats, peers, rejects)
}

/// [`read_streamed`] in blocks of `block` bytes.
fn read_in_blocks(
    path: &Path,
    spec: &SourceSpec,
    limit: u64,
    block: u64,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    rejects: &mut Vec<Reject>,
) -> Result<(crate::crypto::Digest, EdgeBatch)> {
    use std::io::Read;
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    let (mut file, len) = crate::fsio::open_limited(path, limit)?;
    let mut collector = Collector::new(path, spec, stats, peers, rejects);
    let mut digest = crate::crypto::content::FileDigest::new(|_, _| {});
    let mut buffer = Vec::new();
    let (mut lines_before, mut base, mut read_total) = (0u64, 0usize, 0u64);
    loop {
        let carried = buffer.len();
        let read = (&mut file).take(block).read_to_end(&mut buffer).map_err(read_err)? as u64;
        read_total += read;
        // A file that grows while it is read is read as far as the limit, as `fsio::read_limited` reads it.
        if read_total > limit {
            return Err(crate::fsio::too_large(path, limit, "grew to"));
        }
        let at_end = read < block;
        // Whole lines only, but at the end (a last line without its line end).
        let whole = if at_end { buffer.len() } else { memchr::memrchr(b'\n', &buffer).map_or(0, |i| i + 1) };
        if base == 0 && whole > 0 {
            // The edges' one allocation, from the first block's bytes per line.
            let lines = memchr::memchr_iter(b'\n', &buffer[..whole]).count().max(1) as u64;
            let estimate = (len as f64 / whole as f64 * lines as f64 * 1.01) as usize + 1;
            reserve_touched(&mut collector.batch.edges, estimate, len as usize);
        }
        let (new, lines) = (&buffer[carried..], &buffer[..whole]);
        let (header, label) = (spec.header, spec.path.display());
        let report = |at: usize| {
            let percent = (at as u64 * 100).checked_div(len).unwrap_or(100);
            crate::progress::step("Ingest", format_args!("{label}: {percent}% ({at} of {len} bytes)"));
        };
        let (_, parsed) = rayon::join(
            || digest.push(new),
            || read_lines(lines, spec, header, (lines_before, base), &mut collector, SIZES, report),
        );
        // The pieces counted the line ends as they parsed.
        lines_before += parsed?;
        base += whole;
        buffer.drain(..whole);
        if at_end {
            break;
        }
    }
    Ok((digest.finish().0, collector.batch))
}

/// Bytes of text per block of [`read_lines`].
pub(super) const BLOCK_BYTES: usize = 4 << 20;

/// Bytes per piece of a block (cut at a line end): the unit parsed on one core.
const PIECE_BYTES: usize = 256 << 10;

/// The sizes [`read_lines`] reads in.
const SIZES: (usize, usize) = (BLOCK_BYTES, PIECE_BYTES);

/// Reads the lines of `bytes`, a part of an edge list after `lines_before`
/// lines, from byte `base` (`at`), into the collector, in blocks and pieces
/// of `sizes` bytes ([`SIZES`] but in tests); `progress` is shown the file
/// offset reached after each block. Returns the line ends in `bytes`.
///
/// The text is cut into blocks, and each block into pieces at line ends.
/// The pieces of a block are parsed in parallel ([`Piece::parse`]: finding
/// the lines, taking the canonical decimal ones by the fast path of
/// [`super::decimal::edge`], the others by [`csv_record`]) while the
/// previous block is filed on one core, in line order, so peers are
/// numbered in the order first seen. Before a block is filed, the ids of its
/// general lines that earlier blocks interned are looked up in parallel
/// ([`PeerIds::get_all`]); the decimal edges are filed as they are, their
/// peers named by number.
fn read_lines(
    bytes: &[u8],
    spec: &SourceSpec,
    header: bool,
    at: (u64, usize),
    collector: &mut Collector<'_>,
    (block_bytes, piece_bytes): (usize, usize),
    progress: impl Fn(usize),
) -> Result<u64> {
    use rayon::prelude::*;
    let (mut lines_before, mut base, mut bytes) = (at.0, at.1, bytes);
    // Line ends before the pieces: the header's, if it has one.
    let mut skipped = 0;
    if header && lines_before == 0 {
        // The header is the file's line 1.
        let found = memchr::memchr(b'\n', bytes);
        let end = found.map_or(bytes.len(), |i| i + 1);
        skipped = u64::from(found.is_some());
        (lines_before, base, bytes) = (1, base + end, &bytes[end..]);
    }
    let first = lines_before;
    let file = |collector: &mut Collector<'_>, pieces: Option<Vec<Piece<'_>>>, lines_before: &mut u64| -> Result<()> {
        for piece in pieces.into_iter().flatten() {
            let lines = piece.lines;
            piece.file(collector, *lines_before)?;
            *lines_before += lines;
        }
        Ok(())
    };
    let mut pending: Option<Vec<Piece<'_>>> = None;
    let mut start = 0;
    loop {
        let end = line_end_after(bytes, start, block_bytes);
        let block = &bytes[start..end];
        let (filed, mut parsed) = rayon::join(
            || file(collector, pending.take(), &mut lines_before),
            || {
                let pieces = cut_at_lines(block, piece_bytes);
                pieces.into_par_iter().map(|piece| Piece::parse(piece, spec.value_scale)).collect::<Vec<_>>()
            },
        );
        filed?;
        let peers: &PeerIds = collector.peers;
        parsed.par_iter_mut().for_each(|piece| piece.look_up(peers));
        pending = Some(parsed);
        progress(base + end);
        if end == bytes.len() {
            file(collector, pending.take(), &mut lines_before)?;
            return Ok(skipped + lines_before - first);
        }
        start = end;
    }
}

/// The end of the line that byte `start + size - 1` of `bytes` is in (just
/// past its line end), or the end of `bytes`.
fn line_end_after(bytes: &[u8], start: usize, size: usize) -> usize {
    let at = start.saturating_add(size.max(1) - 1);
    match bytes.get(at..) {
        Some(rest) => memchr::memchr(b'\n', rest).map_or(bytes.len(), |i| at + i + 1),
        None => bytes.len(),
    }
}

/// `bytes` cut into pieces of about `size` bytes, each ending at a line end
/// (but the last); one empty piece for empty `bytes`.
fn cut_at_lines(bytes: &[u8], size: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(bytes.len() / size.max(1) + 1);
    let mut start = 0;
    loop {
        let end = line_end_after(bytes, start, size);
        pieces.push(&bytes[start..end]);
        if end == bytes.len() {
            return pieces;
        }
        start = end;
    }
}

/// A piece of an edge list's text, parsed: its decimal edges, and its
/// other non-blank lines in order with where they fall among the edges.
struct Piece<'a> {
    /// The lines taken by the fast path, their peers named by number
    /// ([`super::DECIMAL_ID`]).
    decimal: Vec<Edge>,
    /// The largest number they name (0 when there are none).
    highest: u32,
    /// Every other non-blank line.
    general: Vec<General<'a>>,
    /// Line ends in the piece.
    lines: u64,
}

/// A line of a [`Piece`] read by the general reader.
struct General<'a> {
    /// How many of the piece's decimal edges come before it.
    after: usize,
    /// Its line, counted from the piece's first (0).
    line: u64,
    /// Its text (`Err`: the bytes of a line that is not UTF-8).
    text: Result<&'a str, &'a [u8]>,
    checked: Result<Checked<'a>, Refusal>,
    /// Its peers' indices, for ids earlier blocks interned.
    known: [Option<u32>; 2],
}

impl<'a> Piece<'a> {
    /// Parses the lines of `bytes` (a trailing `\r` dropped, blank lines skipped).
    fn parse(bytes: &'a [u8], scale: f64) -> Self {
        let mut piece =
            Piece { decimal: Vec::with_capacity(bytes.len() / 12), highest: 0, general: Vec::new(), lines: 0 };
        let mut start = 0;
        while start < bytes.len() {
            if let Some((Edge { truster, trustee, value }, used)) = super::decimal::edge(&bytes[start..], scale) {
                piece.highest = piece.highest.max(truster).max(trustee);
                let (truster, trustee) = (super::DECIMAL_ID | truster, super::DECIMAL_ID | trustee);
                piece.decimal.push(Edge { truster, trustee, value });
                start += used;
                piece.lines += u64::from(bytes[start - 1] == b'\n');
                continue;
            }
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let raw = &bytes[start..end];
            let text = raw.strip_suffix(b"\r").unwrap_or(raw);
            if !text.iter().all(u8::is_ascii_whitespace) {
                let text = std::str::from_utf8(text).map_err(|_| text);
                let checked = csv_record(text, scale);
                piece.general.push(General {
                    after: piece.decimal.len(),
                    line: piece.lines,
                    text,
                    checked,
                    known: [None; 2],
                });
            }
            if end == bytes.len() {
                break;
            }
            (start, piece.lines) = (end + 1, piece.lines + 1);
        }
        piece
    }

    /// Looks up the general lines' ids that are already interned.
    fn look_up(&mut self, peers: &PeerIds) {
        if self.general.is_empty() {
            return;
        }
        let ids: Vec<Option<&str>> = self
            .general
            .iter()
            .flat_map(|line| match &line.checked {
                Ok((truster, trustee, ..)) => [Some(&**truster), Some(&**trustee)],
                Err(_) => [None, None],
            })
            .collect();
        let found = peers.get_all(&ids);
        drop(ids);
        for (line, found) in self.general.iter_mut().zip(found.chunks_exact(2)) {
            line.known = [found[0], found[1]];
        }
    }

    /// Files the piece's lines in order, the first being line `lines_before + 1` of the file.
    fn file(self, collector: &mut Collector<'_>, lines_before: u64) -> Result<()> {
        let mut filed = 0;
        for line in self.general {
            collector.take_decimal(&self.decimal[filed..line.after], self.highest);
            filed = line.after;
            let (position, text) = (Position::Line(lines_before + line.line + 1), line.text);
            collector.take(position, line.checked, line.known, || tabular::raw(text))?;
        }
        collector.take_decimal(&self.decimal[filed..], self.highest);
        Ok(())
    }
}

/// Unix seconds (a timestamp field) to milliseconds.
fn seconds_to_ms(text: &str) -> Result<i64, Refusal> {
    let seconds = tabular::parse_number(text, "timestamp")?;
    let ms = (seconds * 1000.0).round();
    // (Within i64 first: `as` would saturate.)
    let ms = if ms.abs() < 9.0e15 { crate::as_of::writable_ms(ms as i64) } else { None };
    ms.ok_or_else(|| (RejectReason::ParseError, format!("timestamp {text:?} is outside years 0000 to 9999")))
}

/// Parses and checks one line (runs in parallel, allocation-free for plain ids).
fn csv_record<'a>(text: Result<&'a str, &'a [u8]>, scale: f64) -> Result<Checked<'a>, Refusal> {
    let Ok(text) = text else {
        return Err((RejectReason::ParseError, "line is not valid UTF-8".into()));
    };
    let fields = fields(text);
    match fields {
        [Some(truster), Some(trustee), Some(value), None | Some(""), None] => {
            check(truster, trustee, tabular::parse_number(value, "value")?, None, scale)
        }
        [Some(truster), Some(trustee), Some(value), Some(timestamp), None] => {
            let time = seconds_to_ms(timestamp)?;
            check(truster, trustee, tabular::parse_number(value, "value")?, Some(time), scale)
        }
        _ => Err((
            RejectReason::ParseError,
            format!("expected 3 or 4 fields (truster,trustee,value[,timestamp]), found {}", text.split(',').count()),
        )),
    }
}

/// The first five comma-separated fields of a line, each trimmed as
/// `str::trim` trims. The commas are found with `memchr` and a field that
/// starts and ends with a visible ASCII character is taken as it is: the
/// generic `split(',')` and `trim` were a sixth of a large edge list's
/// ingest (perf, R-MAT scale 23).
fn fields(text: &str) -> [Option<&str>; 5] {
    fn trim(field: &str) -> &str {
        let visible = |byte: Option<&u8>| byte.is_some_and(|&b| b > b' ' && b < 0x80);
        if visible(field.as_bytes().first()) && visible(field.as_bytes().last()) { field } else { field.trim() }
    }
    let mut out = [None; 5];
    let mut start = 0;
    let mut commas = memchr::memchr_iter(b',', text.as_bytes());
    for slot in &mut out {
        // A comma is one byte in UTF-8 and never inside another character: cutting there keeps both sides text.
        match commas.next() {
            Some(end) => {
                *slot = Some(trim(&text[start..end]));
                start = end + 1;
            }
            None => {
                *slot = Some(trim(&text[start..]));
                break;
            }
        }
    }
    out
}

/// Reads a Parquet edge list with polars: the first two columns are the peer
/// ids (any type, read as text), the third the value (any numeric type), an
/// optional fourth the timestamp in unix seconds.
fn read_parquet(path: &Path, file: &[u8], scale: f64, out: &mut Collector<'_>) -> Result<()> {
    use polars::prelude::*;
    let input_error = |message: String| Error::Input { path: path.to_path_buf(), message };
    let frame = ParquetReader::new(std::io::Cursor::new(file))
        .finish()
        .map_err(|e| input_error(format!("not a readable Parquet file: {e}")))?;
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
        let position = Position::Row(row as u64 + 1);
        let t = time.and_then(|t| t.get(row));
        let raw = || format!("{},{},{}", a.unwrap_or(""), b.unwrap_or(""), v.map_or(String::new(), |v| v.to_string()));
        let checked = match (a, b, v) {
            (Some(a), Some(b), Some(v)) if v.is_finite() && t.is_none_or(f64::is_finite) => {
                check(a, b, v, t.map(|s| (s * 1000.0).round() as i64), scale)
            }
            (Some(_), Some(_), Some(_)) => Err((RejectReason::NonFinite, "value or timestamp is not finite".into())),
            _ => Err((RejectReason::ParseError, "missing truster, trustee or value".into())),
        };
        out.take(position, checked, [None, None], raw)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fields;

    proptest::proptest! {
        #[test]
        fn fields_are_split_and_trimmed_as_split_and_trim_do(text in "[a,\\x00 \\t\u{a0}\u{2003}\u{e9}\r1.\u{7f}-]{0,24}") {
            let mut parts = text.split(',').map(str::trim);
            let expected = [parts.next(), parts.next(), parts.next(), parts.next(), parts.next()];
            proptest::prop_assert_eq!(fields(&text), expected);
        }
    }

    #[test]
    fn an_edge_list_read_in_blocks_is_read_as_a_whole_one() {
        use super::super::{InputStats, PeerIds, SourceFormat, SourceSpec};
        use super::{read, read_in_blocks};
        let dir = tempfile::tempdir().unwrap();
        let mut text = b"truster,trustee,value\n".to_vec();
        for k in 0..400u32 {
            let line = match k % 9 {
                0 => String::new(),
                1 => format!("p{k},p{k},1"),
                2 => "x,y".to_owned(),
                3 => format!("p{},p{},1\r", k % 31, k % 17),
                4 => format!("p{},p{},0.5,{}", k % 13, k % 7, 1_600_000_000 + k),
                _ => format!("p{},p{},{}", k % 29, (k * 7) % 41, k % 5),
            };
            text.extend_from_slice(line.as_bytes());
            text.extend_from_slice(if k == 200 { b"\xff\n" } else { b"\n" });
        }
        text.extend_from_slice(b"a,b,2"); // no line end at the end
        let path = dir.path().join("e.csv");
        std::fs::write(&path, &text).unwrap();
        let spec = SourceSpec {
            format: SourceFormat::Edges,
            path: "e.csv".into(),
            header: true,
            value_scale: 1.0,
            scope: "default".into(),
        };
        let whole = {
            let (mut stats, mut peers, mut rejects) =
                (InputStats::new("e.csv", "edges"), PeerIds::default(), Vec::new());
            let file = std::sync::Arc::new(text.clone());
            let batch = read(&path, &file, &spec, &mut stats, &mut peers, &mut rejects, 1 << 20).unwrap();
            (batch, rejects, peers.into_ids(), (stats.records, stats.rejected), crate::crypto::digest_bytes(&text))
        };
        assert!(whole.1.len() > 80 && whole.0.times_ms.is_some(), "the list exercises the reader");
        for block in [1, 2, 7, 64, 1000, text.len() as u64, 1 << 20] {
            let (mut stats, mut peers, mut rejects) =
                (InputStats::new("e.csv", "edges"), PeerIds::default(), Vec::new());
            let (digest, batch) =
                read_in_blocks(&path, &spec, 1 << 20, block, &mut stats, &mut peers, &mut rejects).unwrap();
            let got = (batch, rejects, peers.into_ids(), (stats.records, stats.rejected), digest);
            assert_eq!(got, whole, "blocks of {block} bytes");
        }
        let (mut stats, mut peers, mut rejects) = (InputStats::new("e.csv", "edges"), PeerIds::default(), Vec::new());
        let error = read_in_blocks(&path, &spec, 100, 64, &mut stats, &mut peers, &mut rejects).unwrap_err();
        assert!(error.to_string().contains("more than 100 bytes"), "{error}");
    }

    /// The reader as it was before blocks, pieces and the fast path: each
    /// line through the general reader, one after another.
    fn read_line_by_line(text: &[u8], spec: &super::SourceSpec) -> Read {
        use super::super::{InputStats, PeerIds, Position, tabular};
        let (mut stats, mut peers, mut rejects) = (InputStats::new("e.csv", "edges"), PeerIds::default(), Vec::new());
        let path = std::path::Path::new("e.csv");
        let mut collector = super::Collector::new(path, spec, &mut stats, &mut peers, &mut rejects);
        for line in tabular::lines(text, spec.header) {
            let checked = super::csv_record(line.text, spec.value_scale);
            collector.take(Position::Line(line.number), checked, [None, None], || line.raw()).unwrap();
        }
        let batch = collector.batch;
        (batch, rejects, peers.into_ids(), (stats.records, stats.rejected))
    }

    type Read = (super::EdgeBatch, Vec<super::Reject>, Vec<String>, (u64, u64));

    /// The edges read, each peer by its id, and each value's bits.
    fn named(read: &Read) -> Vec<(String, String, u64)> {
        let id = |peer: u32| super::super::peer_id(&read.2, peer).into_owned();
        read.0.edges.iter().map(|e| (id(e.truster), id(e.trustee), e.value.to_bits())).collect()
    }

    /// [`super::read_lines`] with blocks and pieces of `sizes` bytes.
    fn read_in_pieces(text: &[u8], spec: &super::SourceSpec, sizes: (usize, usize)) -> Read {
        use super::super::{InputStats, PeerIds};
        let (mut stats, mut peers, mut rejects) = (InputStats::new("e.csv", "edges"), PeerIds::default(), Vec::new());
        let path = std::path::Path::new("e.csv");
        let mut collector = super::Collector::new(path, spec, &mut stats, &mut peers, &mut rejects);
        let ends = super::read_lines(text, spec, spec.header, (0, 0), &mut collector, sizes, |_| {}).unwrap();
        assert_eq!(ends, memchr::memchr_iter(b'\n', text).count() as u64, "the line ends read");
        let batch = collector.batch;
        (batch, rejects, peers.into_ids(), (stats.records, stats.rejected))
    }

    const IDS: &[&str] = &[
        "0",
        "1",
        "2",
        "7",
        "007",
        "16777215",
        "16777216",
        "123456789",
        " 5",
        "5 ",
        "-1",
        "",
        "a",
        "did:web:x.org",
        "did:key:nope",
        "7\u{a0}",
    ];
    const VALUES: &[&str] = &[
        "1",
        "-0",
        "0.5",
        "1e3",
        "+2",
        "-3",
        "inf",
        "NaN",
        "x",
        " 1",
        "1 ",
        "999999999999999",
        "9999999999999999",
        "1e308",
        "",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The fast path, the pieces and the blocks change nothing: the
        /// edges (their peers by id), their times, the rejects (with their
        /// line numbers) and the counts are those of reading line by line.
        #[test]
        fn pieces_and_the_fast_path_read_as_line_by_line(
            lines in proptest::collection::vec(
                (0..IDS.len(), 0..IDS.len(), 0..VALUES.len(), 0..8u8, proptest::bool::ANY), 0..60),
            header in proptest::bool::ANY,
            scale in proptest::sample::select(vec![1.0, 0.5, -2.0, 1e300]),
            end_with_newline in proptest::bool::ANY,
            sizes in proptest::sample::select(vec![(1, 1), (5, 2), (40, 9), (64, 64), (300, 17), (1 << 20, 1 << 16)]),
        ) {
            let mut text = Vec::new();
            for (a, b, v, shape, crlf) in lines {
                match shape {
                    0 => text.extend_from_slice(b"  "),
                    1 => text.extend_from_slice(format!("{},{},{},1700000000", IDS[a], IDS[b], VALUES[v]).as_bytes()),
                    2 => text.extend_from_slice(format!("{},{}", IDS[a], IDS[b]).as_bytes()),
                    3 => text.extend_from_slice(b"\xff,1,1"),
                    4 => text.extend_from_slice(format!("{},{},{},", IDS[a], IDS[b], VALUES[v]).as_bytes()),
                    _ => text.extend_from_slice(format!("{},{},{}", IDS[a], IDS[b], VALUES[v]).as_bytes()),
                }
                text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            if !end_with_newline && text.last() == Some(&b'\n') {
                text.pop();
            }
            let spec = super::SourceSpec {
                format: super::super::SourceFormat::Edges,
                path: "e.csv".into(),
                header,
                value_scale: scale,
                scope: "default".into(),
            };
            let expected = read_line_by_line(&text, &spec);
            let got = read_in_pieces(&text, &spec, sizes);
            proptest::prop_assert_eq!(named(&got), named(&expected));
            // Ids the fast path took are named by number, not interned (but
            // where a line it leaves names them): every other id is interned once.
            let numbered = |id: &String| got.0.edges.iter().any(|e| {
                [e.truster, e.trustee].iter().any(|&p| super::super::DecimalIds::number(p).is_some_and(|n| n.to_string() == *id))
            });
            let mut interned = got.2.clone();
            interned.sort();
            interned.dedup();
            proptest::prop_assert_eq!(interned.len(), got.2.len());
            proptest::prop_assert!(got.2.iter().all(|id| expected.2.contains(id)));
            proptest::prop_assert!(expected.2.iter().all(|id| got.2.contains(id) || numbered(id)));
            // ... numbered in the order the edges first name them by index.
            let mut first_seen: Vec<u32> = Vec::new();
            for peer in got.0.edges.iter().flat_map(|e| [e.truster, e.trustee]) {
                if super::super::DecimalIds::number(peer).is_none() && !first_seen.contains(&peer) {
                    first_seen.push(peer);
                }
            }
            proptest::prop_assert_eq!(first_seen, (0..got.2.len() as u32).collect::<Vec<_>>());
            proptest::prop_assert_eq!((&got.0.scope, &got.0.times_ms), (&expected.0.scope, &expected.0.times_ms));
            proptest::prop_assert_eq!((got.1, got.3), (expected.1, expected.3));
        }
    }

    #[test]
    fn room_for_edges_is_bounded_by_the_text_it_is_read_from() {
        let mut edges = Vec::new();
        // A first block of blank lines would estimate a line per byte.
        super::reserve_touched(&mut edges, 1 << 30, 600);
        assert!((101..1000).contains(&edges.capacity()), "{}", edges.capacity());
        assert!(edges.is_empty(), "touching the room files nothing");
        super::reserve_touched(&mut edges, 5000, 1 << 20);
        assert!(edges.capacity() >= 5000);
    }

    #[test]
    fn the_fifth_field_is_the_last_looked_at() {
        assert_eq!(fields(" a ,b,1,2,x,y"), [Some("a"), Some("b"), Some("1"), Some("2"), Some("x")]);
        assert_eq!(fields(""), [Some(""), None, None, None, None]);
        assert_eq!(fields("a,\u{a0}b\u{2003},"), [Some("a"), Some("b"), Some(""), None, None]);
    }
}
