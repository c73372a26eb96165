//! Line-oriented comma-separated records, shared by the text readers.
//!
//! Deliberately not a CSV parser: quoting is off, so a stray quote can never
//! swallow the lines after it, and every non-blank line is exactly one record
//! (accepted or rejected) whose reported line number is exact. (The `csv`
//! crate was tried first: with quoting off it offers nothing more, and it
//! misnumbers the record that follows a blank line.) Fields are split on
//! commas and trimmed; a trailing `\r` is dropped; blank lines hold no record.

use crate::error::{Error, Result};
use crate::ingest::RejectReason;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Opens `path`, transparently gunzipping a `.gz` file.
pub(crate) fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = File::open(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    let reader = BufReader::with_capacity(1 << 20, file);
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(reader))))
    } else {
        Ok(Box::new(reader))
    }
}

/// One record: its 1-based line number and its text.
pub(crate) struct Line<'a> {
    /// 1-based line number in the (decompressed) file.
    pub number: u64,
    /// The line without its terminator; `Err` holds the bytes of a line that is not UTF-8.
    pub text: Result<&'a str, &'a [u8]>,
}

impl Line<'_> {
    /// The line as read (invalid UTF-8 replaced), for reject reports.
    pub fn raw(&self) -> String {
        match self.text {
            Ok(t) => t.to_owned(),
            Err(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        }
    }
}

/// Calls `each` for every non-blank line of `reader`, skipping the first line
/// if `header`. An I/O error (including a corrupt gzip stream) is [`Error::Read`].
pub(crate) fn for_each_line(
    mut reader: impl BufRead,
    header: bool,
    path: &Path,
    mut each: impl FnMut(Line<'_>) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::with_capacity(256);
    let mut number = 0u64;
    loop {
        buf.clear();
        let read =
            reader.read_until(b'\n', &mut buf).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        if header && number == 1 {
            continue;
        }
        let mut bytes = &buf[..];
        while let [rest @ .., b'\n' | b'\r'] = bytes {
            bytes = rest;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bytes);
        each(Line { number, text })?;
    }
}

/// Lines per block of [`for_each_parsed_line`].
const BLOCK_LINES: usize = 1 << 16;

/// Like [`for_each_line`], but `parse` runs on blocks of lines in parallel
/// and `take` receives the results sequentially, in line order; the taking
/// of one block overlaps the parsing of the next. The whole (decompressed)
/// input is read into memory first.
pub(crate) fn for_each_parsed_line<'a, T: Send>(
    bytes: &'a [u8],
    header: bool,
    parse: impl Fn(&Line<'a>) -> T + Sync,
    mut take: impl FnMut(&Line<'a>, T) -> Result<()> + Send,
) -> Result<()> {
    use rayon::prelude::*;
    let parse_block = |block: &[Line<'a>]| -> Vec<T> { block.par_iter().map(&parse).collect() };
    let mut pending: Option<(Vec<Line<'a>>, Vec<T>)> = None;
    let mut block = Vec::with_capacity(BLOCK_LINES);
    let mut lines = bytes.split(|&b| b == b'\n').enumerate().peekable();
    loop {
        block.clear();
        for (index, raw) in lines.by_ref() {
            let number = index as u64 + 1;
            if header && number == 1 {
                continue;
            }
            let mut text = raw;
            while let [rest @ .., b'\n' | b'\r'] = text {
                text = rest;
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            block.push(Line { number, text: std::str::from_utf8(text).map_err(|_| text) });
            if block.len() == BLOCK_LINES {
                break;
            }
        }
        let last = lines.peek().is_none();
        let current = std::mem::take(&mut block);
        let (taken, parsed) = rayon::join(
            || match pending.take() {
                Some((lines, results)) => lines.iter().zip(results).try_for_each(|(line, result)| take(line, result)),
                None => Ok(()),
            },
            || parse_block(&current),
        );
        taken?;
        pending = Some((current, parsed));
        if last {
            let (lines, results) = pending.take().unwrap_or_default();
            return lines.iter().zip(results).try_for_each(|(line, result)| take(line, result));
        }
        block = Vec::with_capacity(BLOCK_LINES);
    }
}

/// Reads a whole (possibly gzipped) file.
pub(crate) fn read_all(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open(path)?.read_to_end(&mut bytes).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    Ok(bytes)
}

/// Parses a number field; `Err` carries the reason code and detail for a reject.
pub(crate) fn parse_number(text: &str, what: &str) -> Result<f64, (RejectReason, String)> {
    let value: f64 =
        text.parse().map_err(|_| (RejectReason::ParseError, format!("{what} {text:?} is not a number")))?;
    if value.is_finite() { Ok(value) } else { Err((RejectReason::NonFinite, format!("{what} {text:?} is not finite"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(bytes: &[u8], header: bool) -> Vec<(u64, bool, String)> {
        let mut seen = Vec::new();
        for_each_line(bytes, header, Path::new("t"), |l| {
            seen.push((l.number, l.text.is_ok(), l.raw()));
            Ok(())
        })
        .unwrap();
        seen
    }

    #[test]
    fn line_numbers_are_exact_around_blank_lines_and_crlf() {
        let got = lines_of(b"h\r\na,b,1\r\n\r\n   \nc,d,2\nlast", true);
        assert_eq!(got, vec![(2, true, "a,b,1".into()), (5, true, "c,d,2".into()), (6, true, "last".into())]);
    }

    #[test]
    fn invalid_utf8_is_kept_for_the_reject_report() {
        assert_eq!(
            lines_of(b"ok\n\xff\xfe,x\n", false),
            vec![(1, true, "ok".into()), (2, false, "\u{fffd}\u{fffd},x".into())]
        );
    }
}
