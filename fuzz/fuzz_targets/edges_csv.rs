//! Edge lists (`truster,trustee,value[,timestamp]` CSV) through `ingest`.
//! The first byte picks the options (bit 0: header line; bits 1–2: the
//! value_scale), the rest is the file. Then:
//! - records = non-blank lines (after the header); accepted + rejected = records;
//! - every accepted edge is between two distinct known peers, with a finite
//!   value, and peers are distinct canonical ids;
//! - an accepted line has 3 or 4 comma-separated fields, its plain ids kept
//!   as written, its value scaled, its timestamp kept when it has one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::ingest::{Position, SourceFormat};
use scoreset_fuzz::{check_ingested, ingest_source, record_lines, split_first};
use std::collections::HashSet;

const SCALES: [f64; 4] = [1.0, 0.1, -1.0, 1e300];

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    let (flags, csv) = split_first(data);
    let header = flags & 1 == 1;
    let scale = SCALES[usize::from(flags >> 1) & 3];
    let lines = record_lines(csv, header);

    let ingested = ingest_source(SourceFormat::Edges, "e.csv", csv, header, scale);
    let accepted: usize = ingested.edges.iter().map(|b| b.edges.len()).sum();
    assert_eq!(ingested.inputs[0].records as usize, lines.len(), "records read = non-blank lines");
    check_ingested(&ingested, accepted);
    assert_eq!(ingested.edges.len(), 1, "one batch per edge source");

    let refused: HashSet<u64> = ingested
        .rejects
        .iter()
        .map(|r| match r.position {
            Position::Line(n) => n,
            ref other => panic!("an edge-list reject at {other}, not at a line"),
        })
        .collect();
    assert_eq!(refused.len(), ingested.rejects.len(), "a line rejected twice");
    let batch = &ingested.edges[0];
    let mut k = 0;
    for (number, text) in &lines {
        if refused.contains(number) {
            continue;
        }
        let text = std::str::from_utf8(text).expect("an accepted line is UTF-8");
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        assert!(fields.len() == 3 || fields.len() == 4, "line {number} accepted with {} fields", fields.len());
        let edge = batch.edges[k];
        let (truster, trustee) = (&ingested.peers[edge.truster as usize], &ingested.peers[edge.trustee as usize]);
        // Plain ids are kept as written (trimmed); DIDs are normalised.
        for (id, field) in [(truster, fields[0]), (trustee, fields[1])] {
            if !field.starts_with("did:") {
                assert_eq!(id, field, "line {number}: a plain peer id was changed");
            }
        }
        let value: f64 = fields[2].parse().expect("an accepted value parses");
        assert_eq!(edge.value, value * scale, "line {number}: value not scaled as written");
        if let Some(times) = &batch.times_ms {
            assert_eq!(times[k].is_some(), fields.len() == 4 && !fields[3].is_empty(), "line {number}: timestamp");
        }
        k += 1;
    }
    assert_eq!(k, accepted, "accepted edges = lines not rejected");
});
