//! Line-oriented comma-separated records, shared by the text readers.
//!
//! Deliberately not a CSV parser: quoting is off, so a stray quote can never
//! swallow the lines after it, and every non-blank line is exactly one record
//! (accepted or rejected) whose reported line number is exact. (The `csv`
//! crate was tried first: with quoting off it offers nothing more, and it
//! misnumbers the record that follows a blank line.) Fields are split on
//! commas and trimmed; a trailing `\r` is dropped; blank lines hold no record.

use crate::error::Result;
use crate::ingest::{Refusal, RejectReason};
use std::path::Path;
use std::sync::Arc;

/// One record: its 1-based line number, where it starts, and its text.
pub(crate) struct Line<'a> {
    /// 1-based line number in the (decompressed) file.
    pub number: u64,
    /// Byte offset of its first byte in the (decompressed) file.
    pub offset: usize,
    /// The line without its terminator; `Err` holds the bytes of a line that is not UTF-8.
    pub text: Result<&'a str, &'a [u8]>,
}

impl Line<'_> {
    /// The line as read (invalid UTF-8 replaced), for reject reports.
    pub fn raw(&self) -> String {
        raw(self.text)
    }
}

/// A line's text as read (`Err`: bytes that are not UTF-8, replaced), for reject reports.
pub(crate) fn raw(text: Result<&str, &[u8]>) -> String {
    match text {
        Ok(t) => t.to_owned(),
        Err(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The non-blank lines of `bytes` with their 1-based numbers (a trailing
/// `\r` dropped), the first line skipped if `header`. Line ends are found
/// with `memchr`, which tests many bytes per instruction (SIMD) where
/// splitting byte by byte tests one.
pub(crate) fn lines(bytes: &[u8], header: bool) -> impl Iterator<Item = Line<'_>> {
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    let mut offset = 0;
    ends.enumerate().filter_map(move |(index, end)| {
        let number = index as u64 + 1;
        let raw = &bytes[offset..end];
        let line_offset = std::mem::replace(&mut offset, end + 1);
        let text = raw.strip_suffix(b"\r").unwrap_or(raw);
        if (header && number == 1) || text.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(Line { number, offset: line_offset, text: std::str::from_utf8(text).map_err(|_| text) })
    })
}

/// Lines per block of [`for_each_parsed_block`].
const BLOCK_LINES: usize = 1 << 16;

/// Runs `parse_block` on the [`lines`] of `bytes`, a block at a time (it
/// parses them in parallel and returns a result per line), and hands the
/// results to `take` sequentially, in line order; the taking of one block
/// overlaps the parsing of the next.
pub(crate) fn for_each_parsed_block<'a, T: Send>(
    bytes: &'a [u8],
    header: bool,
    parse_block: impl Fn(&[Line<'a>]) -> Vec<T> + Sync,
    mut take: impl FnMut(&Line<'a>, T) -> Result<()> + Send,
) -> Result<()> {
    let mut lines = lines(bytes, header).peekable();
    let mut pending: Option<(Vec<Line<'a>>, Vec<T>)> = None;
    let mut take_block = |block: Option<(Vec<Line<'a>>, Vec<T>)>| -> Result<()> {
        let Some((lines, results)) = block else { return Ok(()) };
        lines.iter().zip(results).try_for_each(|(line, result)| take(line, result))
    };
    loop {
        let block: Vec<Line<'a>> = lines.by_ref().take(BLOCK_LINES).collect();
        let (taken, parsed) = rayon::join(|| take_block(pending.take()), || parse_block(&block));
        taken?;
        pending = Some((block, parsed));
        if lines.peek().is_none() {
            return take_block(pending.take());
        }
    }
}

/// Reads a file as it is on disk (a regular file of at most `limit` bytes), in one read into a buffer of its size.
pub(crate) fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>> {
    crate::fsio::read_limited(path, limit)
}

/// The contents of a file read by [`read_file`]: the same bytes, or for a
/// `.gz` file the bytes it decompresses to (at most `limit`).
pub(crate) fn decompressed(path: &Path, file: &Arc<Vec<u8>>, limit: u64) -> Result<Arc<Vec<u8>>> {
    if is_gzip(path) { gunzip(path, file, limit).map(Arc::new) } else { Ok(Arc::clone(file)) }
}

/// Reads a whole file, gunzipping a `.gz` file; at most `limit` bytes either way.
pub(crate) fn read_all(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = read_file(path, limit)?;
    if is_gzip(path) { gunzip(path, &file, limit) } else { Ok(file) }
}

fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// The bytes that `file`, the gzip file at `path`, decompresses to, streamed
/// and stopped at `limit` (a small file can decompress to gigabytes).
fn gunzip(path: &Path, file: &[u8], limit: u64) -> Result<Vec<u8>> {
    crate::fsio::read_to_end_limited(path, flate2::read::MultiGzDecoder::new(file), limit)
}

/// Parses a number field; `Err` carries the reason code and detail for a reject.
pub(crate) fn parse_number(text: &str, what: &str) -> Result<f64, Refusal> {
    let value: f64 =
        text.parse().map_err(|_| (RejectReason::ParseError, format!("{what} {text:?} is not a number")))?;
    if value.is_finite() { Ok(value) } else { Err((RejectReason::NonFinite, format!("{what} {text:?} is not finite"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(bytes: &[u8], header: bool) -> Vec<(u64, bool, String)> {
        lines(bytes, header).map(|l| (l.number, l.text.is_ok(), l.raw())).collect()
    }

    #[test]
    fn parallel_blocks_hand_results_over_in_line_order() {
        let text: String = (1..=3 * BLOCK_LINES + 7).map(|i| format!("{i}\n")).collect();
        let mut seen = Vec::new();
        for_each_parsed_block(
            text.as_bytes(),
            false,
            |block| block.iter().map(|l| l.number * 2).collect(),
            |l, doubled| {
                seen.push((l.number, doubled));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen.len(), 3 * BLOCK_LINES + 7);
        assert!(seen.iter().enumerate().all(|(k, &(n, d))| n == k as u64 + 1 && d == 2 * n));
    }

    #[test]
    fn line_numbers_are_exact_around_blank_lines_and_crlf() {
        let got = lines_of(b"h\r\na,b,1\r\n\r\n   \nc,d,2\nlast", true);
        assert_eq!(got, vec![(2, true, "a,b,1".into()), (5, true, "c,d,2".into()), (6, true, "last".into())]);
    }

    #[test]
    fn offsets_point_at_each_line_in_the_buffer() {
        let bytes = b"h\r\na,b,1\r\n\r\n   \nc,d,2\nlast";
        let found: Vec<(usize, &str)> = lines(bytes, false).map(|l| (l.offset, l.text.unwrap())).collect();
        assert_eq!(found, vec![(0, "h"), (3, "a,b,1"), (16, "c,d,2"), (22, "last")]);
        assert!(found.iter().all(|(at, text)| &bytes[*at..at + text.len()] == text.as_bytes()));
    }

    #[test]
    fn invalid_utf8_is_kept_for_the_reject_report() {
        assert_eq!(
            lines_of(b"ok\n\xff\xfe,x\n", false),
            vec![(1, true, "ok".into()), (2, false, "\u{fffd}\u{fffd},x".into())]
        );
    }
}
