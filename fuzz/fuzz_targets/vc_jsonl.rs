//! `vc-jsonl`: one credential per line. Each record line is read on its own
//! in memory (`parse_credential`, see `scoreset_fuzz::read_credential`) and
//! the whole input through `ingest` as a `.jsonl` source; then:
//! - records read = non-blank lines; accepted + rejected = records;
//! - each line ingest accepts is accepted on its own, as the same credential
//!   (ingest only adds the pipeline's checks: scopes, required proofs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::ingest::{Position, SourceFormat};
use scoreset_fuzz::{check_ingested, ingest_source, read_credential, record_lines};
use std::collections::HashSet;

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    let lines = record_lines(data, false);
    let alone: Vec<_> =
        lines.iter().map(|(_, text)| std::str::from_utf8(text).ok().and_then(|t| read_credential(t, None))).collect();

    let ingested = ingest_source(SourceFormat::VcJsonl, "c.jsonl", data, false, 1.0);
    assert_eq!(ingested.inputs[0].records as usize, lines.len(), "records read = non-blank lines");
    check_ingested(&ingested, ingested.attestations.len());

    let refused: HashSet<u64> = ingested
        .rejects
        .iter()
        .map(|r| match r.position {
            Position::Line(n) => n,
            ref other => panic!("a vc-jsonl reject at {other}, not at a line"),
        })
        .collect();
    assert_eq!(refused.len(), ingested.rejects.len(), "a line rejected twice");
    let mut accepted = ingested.attestations.iter();
    for ((number, _), alone) in lines.iter().zip(alone) {
        if refused.contains(number) {
            continue;
        }
        let taken = accepted.next().expect("fewer attestations than lines not rejected");
        let alone = alone.unwrap_or_else(|| panic!("line {number}: accepted by ingest, refused on its own"));
        assert_eq!(taken.credential, alone, "line {number}: ingest and the single read differ");
    }
    assert!(accepted.next().is_none(), "more attestations than lines not rejected");
});
