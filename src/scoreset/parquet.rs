//! Parquet score files: one row per record, typed columns, zstd, written
//! single-threaded with a fixed row-group size, so the same rows give the
//! same bytes on any machine and thread count (`verify --recompute`
//! compares them byte for byte). Through polars, already in the tree for
//! reading Parquet inputs.

use super::EpochFile;
use crate::error::{Error, Result};
use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::*;

/// Rows per row group: fixed, so the file's layout never depends on the machine.
const ROW_GROUP: usize = 1 << 20;
/// zstd level: fixed for the same reason.
const ZSTD_LEVEL: i32 = 3;

/// One typed column of a Parquet score file.
#[derive(Debug, Clone, PartialEq)]
pub enum ParquetColumn<'a> {
    /// UTF-8 text.
    Text(&'static str, Vec<&'a str>),
    /// UTF-8 text, null where absent (a badge a peer does not have).
    OptionalText(&'static str, Vec<Option<&'a str>>),
    /// 64-bit floats (scores: the same bits as the other formats' numbers).
    Float(&'static str, Vec<f64>),
    /// Unsigned counts.
    Count(&'static str, Vec<u64>),
}

/// A Parquet epoch file of `columns` (all of one length).
pub fn parquet_file(name: &'static str, columns: Vec<ParquetColumn>) -> Result<EpochFile> {
    let failed = |e: PolarsError| Error::Write { path: name.into(), source: std::io::Error::other(e) };
    let height = columns.first().map_or(0, |c| match c {
        ParquetColumn::Text(_, v) => v.len(),
        ParquetColumn::OptionalText(_, v) => v.len(),
        ParquetColumn::Float(_, v) => v.len(),
        ParquetColumn::Count(_, v) => v.len(),
    });
    let columns: Vec<Column> = columns
        .into_iter()
        .map(|c| match c {
            ParquetColumn::Text(n, v) => Column::new(n.into(), v),
            ParquetColumn::OptionalText(n, v) => Column::new(n.into(), v),
            ParquetColumn::Float(n, v) => Column::new(n.into(), v),
            ParquetColumn::Count(n, v) => Column::new(n.into(), v),
        })
        .collect();
    let mut frame = DataFrame::new(height, columns).map_err(failed)?;
    let mut bytes = Vec::new();
    let level = ZstdLevel::try_new(ZSTD_LEVEL).map_err(failed)?;
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(Some(level)))
        .with_row_group_size(Some(ROW_GROUP))
        .set_parallel(false)
        .finish(&mut frame)
        .map_err(failed)?;
    Ok(EpochFile::new(name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_rows_give_the_same_bytes_and_read_back_exactly() {
        let scores = vec![0.1 + 0.2, 1e-300, 0.0, -2.5];
        let file = || {
            parquet_file(
                "scores.parquet",
                vec![
                    ParquetColumn::Text("peer", vec!["a", "b", "c", "d"]),
                    ParquetColumn::OptionalText("badge", vec![Some("HighlyTrusted"), None, None, Some("Reported")]),
                    ParquetColumn::Float("trust", scores.clone()),
                    ParquetColumn::Count("opinions", vec![1, 2, 3, 4]),
                ],
            )
            .unwrap()
        };
        let (a, b) = (file().to_bytes().unwrap(), file().to_bytes().unwrap());
        assert_eq!(a, b, "deterministic bytes");
        assert!(a.starts_with(b"PAR1") && a.ends_with(b"PAR1"));
        let frame = ParquetReader::new(std::io::Cursor::new(a)).finish().unwrap();
        let trust: Vec<f64> = frame.column("trust").unwrap().f64().unwrap().into_no_null_iter().collect();
        assert_eq!(
            trust.iter().map(|t| t.to_bits()).collect::<Vec<_>>(),
            scores.iter().map(|t| t.to_bits()).collect::<Vec<_>>()
        );
        let badge: Vec<Option<&str>> = frame.column("badge").unwrap().str().unwrap().iter().collect();
        assert_eq!(badge, [Some("HighlyTrusted"), None, None, Some("Reported")]);
    }
}
