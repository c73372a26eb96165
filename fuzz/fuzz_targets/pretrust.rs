//! Pre-trust: a `peer,weight` / `DID weight` file and inline `[pretrust]
//! entries`, through `ingest`. The first byte picks the options (bit 0: the
//! file has a header; bit 1: the file's lines are also given as inline
//! entries, split at their last `=`), the rest is the file. Then:
//! - file records = non-blank lines (after the header); inline records =
//!   entries; accepted + rejected = records for each;
//! - accepted weights are finite and ≥ 0, on canonical, known peers;
//! - an accepted file line has 2 fields and its weight as written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::ingest::{PretrustSpec, ingest};
use scoreset_fuzz::{check_peers, check_rejects, options, record_lines, scratch, split_first, write_scratch};
use std::collections::BTreeMap;
use std::path::PathBuf;

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    let (flags, file) = split_first(data);
    let header = flags & 1 == 1;
    let lines = record_lines(file, header);
    let mut entries = BTreeMap::new();
    if flags & 2 == 2 {
        for (_, line) in &lines {
            let line = String::from_utf8_lossy(line);
            if let Some((peer, weight)) = line.rsplit_once('=')
                && let Ok(weight) = weight.trim().parse::<f64>()
            {
                entries.insert(peer.trim().to_owned(), weight);
            }
        }
    }
    write_scratch("pt.txt", file);
    let spec = PretrustSpec { path: Some(PathBuf::from("pt.txt")), header, entries: entries.clone() };
    let ingested = ingest(&[], &spec, &options(), scratch(), "fuzz.toml")
        .unwrap_or_else(|e| panic!("ingest failed on a readable pre-trust file: {e}"));

    let inputs = &ingested.inputs;
    assert_eq!(inputs.len(), 1 + usize::from(!entries.is_empty()), "one InputStats per pre-trust input");
    assert_eq!(inputs[0].records as usize, lines.len(), "file records = non-blank lines");
    if let Some(inline) = inputs.get(1) {
        assert_eq!(inline.records as usize, entries.len(), "inline records = entries");
    }
    let records: u64 = inputs.iter().map(|i| i.records).sum();
    let rejected: u64 = inputs.iter().map(|i| i.rejected).sum();
    assert_eq!(rejected as usize, ingested.rejects.len(), "rejected count = rejects filed");
    assert_eq!(ingested.pretrust.len() as u64 + rejected, records, "accepted + rejected = records");
    let (file_rejects, inline_rejects) = ingested.rejects.split_at(inputs[0].rejected as usize);
    check_rejects(file_rejects, "pt.txt");
    check_rejects(inline_rejects, "fuzz.toml");
    check_peers(&ingested.peers);
    for &(peer, weight) in &ingested.pretrust {
        assert!((peer as usize) < ingested.peers.len(), "pre-trust names an unknown peer");
        assert!(weight.is_finite() && weight >= 0.0, "pre-trust weight {weight} accepted");
    }

    // The file's accepted lines, in order, are the first entries.
    let refused: std::collections::HashSet<String> = file_rejects.iter().map(|r| r.position.to_string()).collect();
    let mut accepted = ingested.pretrust.iter();
    for (number, text) in &lines {
        if refused.contains(&format!("line {number}")) {
            continue;
        }
        let text = std::str::from_utf8(text).expect("an accepted line is UTF-8");
        let fields: Vec<&str> = if text.contains(',') {
            text.split(',').map(str::trim).collect()
        } else {
            text.split_whitespace().collect()
        };
        assert_eq!(fields.len(), 2, "line {number} accepted with {} fields", fields.len());
        let &(peer, weight) = accepted.next().expect("fewer entries than lines not rejected");
        assert_eq!(weight, fields[1].parse::<f64>().expect("an accepted weight parses"), "line {number}: weight");
        if !fields[0].starts_with("did:") {
            assert_eq!(ingested.peers[peer as usize], fields[0], "line {number}: a plain peer id was changed");
        }
    }
});
