//! The Snaps indexer CSV (`id;timestamp_ms;schema_id;json`, a header, the
//! JSON quoted CSV-style) through `ingest`. Then:
//! - accepted + rejected = records, and records = the rows the `csv` crate
//!   reads with the reader's settings;
//! - every accepted credential is one its row's JSON reads as on its own
//!   (with the row's timestamp as the fallback date), in row order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::ingest::SourceFormat;
use scoreset_fuzz::{check_ingested, ingest_source, read_credential};

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    // The rows as the reader sees them, each row's JSON read on its own.
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(true).flexible(true).from_reader(data);
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut alone) = (0usize, Vec::new());
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                let fields: Vec<String> = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
                if let [_, timestamp, schema, json] = &fields[..]
                    && let Ok(timestamp) = timestamp.trim().parse::<i64>()
                    && matches!(schema.trim(), "1" | "2")
                    && let Some(credential) = read_credential(json, Some(timestamp))
                {
                    alone.push(credential);
                }
            }
            Err(_) => rows += 1,
        }
    }

    let ingested = ingest_source(SourceFormat::IndexerCsv, "i.csv", data, false, 1.0);
    assert_eq!(ingested.inputs[0].records as usize, rows, "records = rows read");
    check_ingested(&ingested, ingested.attestations.len());
    let mut candidates = alone.iter();
    for a in &ingested.attestations {
        assert!(
            candidates.any(|c| *c == a.credential),
            "an accepted indexer row reads differently on its own (or out of order): {:?}",
            a.credential
        );
    }
});
