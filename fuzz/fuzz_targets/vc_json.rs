//! `vc-json`: a document holding one credential or an array of them, read
//! through `ingest` as a `.json` source; then:
//! - records = 1, or the array's length when the text is a JSON array;
//! - accepted + rejected = records;
//! - every item ingest accepts reads as the same credential on its own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::ingest::{Position, SourceFormat};
use scoreset_fuzz::{check_ingested, ingest_source, read_credential};
use serde_json::Value;
use std::collections::HashSet;

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    // The reader's view of the file: lossy UTF-8; an array is a list of credentials.
    let text = String::from_utf8_lossy(data);
    let items: Option<Vec<String>> = text
        .trim_start()
        .starts_with('[')
        .then(|| serde_json::from_str::<Vec<Value>>(&text).ok())
        .flatten()
        .map(|items| items.iter().map(Value::to_string).collect());
    let texts = items.clone().unwrap_or_else(|| vec![text.clone().into_owned()]);

    let ingested = ingest_source(SourceFormat::VcJson, "one.json", data, false, 1.0);
    assert_eq!(ingested.inputs[0].records as usize, texts.len(), "records = items of the document");
    check_ingested(&ingested, ingested.attestations.len());

    let refused: HashSet<u64> = ingested
        .rejects
        .iter()
        .map(|r| match r.position {
            Position::Item(i) => i,
            ref other => panic!("a vc-json reject at {other}, not at an item"),
        })
        .collect();
    assert_eq!(refused.len(), ingested.rejects.len(), "an item rejected twice");
    if items.is_none() {
        assert!(refused.iter().all(|&i| i == 0), "a single document is item 0");
    }
    let mut accepted = ingested.attestations.iter();
    for (i, item) in texts.iter().enumerate() {
        if refused.contains(&(i as u64)) {
            continue;
        }
        let taken = accepted.next().expect("fewer attestations than items not rejected");
        let alone =
            read_credential(item, None).unwrap_or_else(|| panic!("item {i}: accepted by ingest, refused alone"));
        assert_eq!(taken.credential, alone, "item {i}: ingest and the single read differ");
    }
    assert!(accepted.next().is_none(), "more attestations than items not rejected");
});
