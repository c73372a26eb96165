//! The RFC 8785 (JCS) canonicaliser of `scoreset::crypto`, differential
//! against the `serde_json_canonicalizer` crate:
//! - `canonical_value` (the fast path on a parsed document) writes the
//!   crate's bytes, or fails where the crate fails;
//! - `canonical_text` (the no-tree path on a text) declines what is not
//!   JSON, and what it writes is the crate's bytes;
//! - canonical form is idempotent: canonicalising the canonical bytes
//!   (through every path) gives the same bytes, and `canonical_text` takes
//!   them unless a key holds a character at or above U+E000.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::crypto::{canonical_json, canonical_text, canonical_value};
use serde_json::Value;

fn keys_sort_as_utf8(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().all(|(k, v)| k.chars().all(|c| c < '\u{E000}') && keys_sort_as_utf8(v)),
        Value::Array(items) => items.iter().all(keys_sort_as_utf8),
        _ => true,
    }
}

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    let text_path = canonical_text(data);
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        assert!(text_path.is_none(), "canonical_text accepted what serde_json refuses");
        return;
    };
    let reference = serde_json_canonicalizer::to_vec(&value);
    let fast = canonical_value(&value);
    let general = canonical_json(&value);
    match (&reference, &fast, &general) {
        (Ok(r), Ok(f), Ok(g)) => {
            assert_eq!(f, r, "canonical_value differs from serde_json_canonicalizer");
            assert_eq!(g, r, "canonical_json differs from serde_json_canonicalizer");
        }
        (Err(_), Err(_), Err(_)) => {}
        _ => panic!(
            "one canonicaliser failed: reference {:?}, canonical_value {:?}, canonical_json {:?}",
            reference.as_ref().map(|_| ()),
            fast.as_ref().map(|_| ()),
            general.as_ref().map(|_| ())
        ),
    }
    let Ok(canonical) = reference else {
        assert!(text_path.is_none(), "canonical_text wrote what the canonicaliser cannot");
        return;
    };
    if let Some(written) = &text_path {
        assert_eq!(written, &canonical, "canonical_text differs from serde_json_canonicalizer");
    }

    // Idempotence.
    let reparsed: Value = serde_json::from_slice(&canonical).expect("canonical form is JSON");
    assert_eq!(serde_json_canonicalizer::to_vec(&reparsed).ok().as_ref(), Some(&canonical), "JCS not idempotent");
    assert_eq!(canonical_value(&reparsed).ok().as_ref(), Some(&canonical), "canonical_value not idempotent");
    match canonical_text(&canonical) {
        Some(again) => assert_eq!(again, canonical, "canonical_text not idempotent"),
        None => assert!(!keys_sort_as_utf8(&reparsed), "canonical_text declined canonical bytes"),
    }
});
