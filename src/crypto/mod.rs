//! Integrity primitives shared by every stage that checks or produces proofs:
//! content ids, did:key identifiers, key files and the eddsa-jcs-2022 Data
//! Integrity cryptosuite. Standard encodings come from well-kept crates
//! (RFC 8785 from `serde_json_canonicalizer`, Ed25519 keys and signing from
//! `ed25519-dalek`, ZIP-215 checks from `ed25519-zebra`,
//! multibase/CID from `multibase`/`cid`); this module only composes them.

pub mod content;
pub mod did_key;
pub mod ed25519;
pub mod eddsa_jcs;
pub mod keyfile;

pub use content::{Digest, cid_of, cid_of_sha256, digest_bytes, digest_file, sha256_of_cid};

/// RFC 8785 (JCS) canonical bytes of any serialisable value.
pub fn canonical_json(value: &impl serde::Serialize) -> Result<Vec<u8>, serde_json::Error> {
    serde_json_canonicalizer::to_vec(value)
}

/// RFC 8785 (JCS) canonical bytes of a parsed JSON document: the same bytes
/// as [`canonical_json`], about three times faster, for the hot paths
/// (credential CIDs, proof checks).
///
/// A `serde_json::Value` keeps object members sorted by UTF-8 bytes, which is
/// the UTF-16 order JCS asks for unless a key holds a character at or above
/// U+E000; serde_json escapes strings exactly as JCS does. So when no key
/// holds such a character, writing the document with ECMAScript number
/// formatting is canonical already; otherwise this falls back to the general
/// canonicaliser. (Equality with it is property-tested, and the RFC 8785 and
/// 100,000-number vectors run through both.)
pub fn canonical_value(value: &serde_json::Value) -> Result<Vec<u8>, serde_json::Error> {
    use serde::Serialize;
    if !keys_sort_as_utf16(value) {
        return canonical_json(value);
    }
    let mut out = Vec::with_capacity(512);
    value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Es6Numbers))?;
    Ok(out)
}

/// RFC 8785 (JCS) canonical bytes of a document parsed into a borrowed tree
/// (`serde_json_borrow`, whose objects list their members as written), when
/// every object already lists its members in canonical order: keys strictly
/// increasing (so none repeated), none holding a character at or above
/// U+E000. It is then written exactly as [`canonical_value`] writes it,
/// without building a `serde_json::Value`; `None` otherwise, and the caller
/// canonicalises a `serde_json::Value` (which resolves repeated members).
pub fn canonical_borrowed(value: &serde_json_borrow::Value<'_>) -> Option<Vec<u8>> {
    use serde::Serialize;
    if !in_canonical_order(value) {
        return None;
    }
    let mut out = Vec::with_capacity(512);
    value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Es6Numbers)).ok()?;
    Some(out)
}

/// Whether every object of `value` lists its members by strictly increasing
/// keys that sort the same by UTF-8 bytes as by UTF-16 code units.
fn in_canonical_order(value: &serde_json_borrow::Value<'_>) -> bool {
    use serde_json_borrow::Value;
    match value {
        Value::Object(members) => {
            let mut previous: Option<&str> = None;
            members.iter().all(|(key, v)| {
                let ordered = previous.is_none_or(|p| p < key) && key.chars().all(|c| c < '\u{E000}');
                previous = Some(key);
                ordered && in_canonical_order(v)
            })
        }
        Value::Array(items) => items.iter().all(in_canonical_order),
        _ => true,
    }
}

/// Whether every object key sorts the same by UTF-8 bytes as by UTF-16 code units.
fn keys_sort_as_utf16(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => {
            map.iter().all(|(k, v)| k.chars().all(|c| c < '\u{E000}') && keys_sort_as_utf16(v))
        }
        serde_json::Value::Array(items) => items.iter().all(keys_sort_as_utf16),
        _ => true,
    }
}

/// serde_json's compact output with numbers in ECMAScript form: integers
/// beyond ±2^53 are written as the double they round to, as JCS does.
struct Es6Numbers;

impl Es6Numbers {
    fn write_number<W: ?Sized + std::io::Write>(writer: &mut W, value: f64) -> std::io::Result<()> {
        if value.is_finite() {
            writer.write_all(ryu_js::Buffer::new().format_finite(value).as_bytes())
        } else {
            Err(std::io::Error::other("a non-finite number cannot be canonicalised"))
        }
    }
}

impl serde_json::ser::Formatter for Es6Numbers {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f64) -> std::io::Result<()> {
        Self::write_number(writer, value)
    }

    fn write_f32<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f32) -> std::io::Result<()> {
        Self::write_number(writer, f64::from(value))
    }

    fn write_i64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: i64) -> std::io::Result<()> {
        Self::write_number(writer, value as f64)
    }

    fn write_u64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: u64) -> std::io::Result<()> {
        Self::write_number(writer, value as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn arb_json() -> impl Strategy<Value = Value> {
        let key = prop_oneof!["[a-z@]{0,6}", "\\PC{0,4}", Just("\u{FFFD}".to_owned()), Just("\u{1F600}".to_owned())];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::from),
            "[\\x00-\\x1f\"\\\\/]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn the_fast_path_writes_the_canonicaliser_s_bytes(value in arb_json()) {
            prop_assert_eq!(canonical_value(&value).unwrap(), canonical_json(&value).unwrap());
        }
    }

    /// JSON texts whose objects list members in any order, some repeated.
    fn arb_text() -> impl Strategy<Value = String> {
        let key = prop_oneof!["[ab]", Just("\u{E000}".to_owned()), Just("\u{1F600}".to_owned())];
        let leaf = arb_json().prop_map(|v| v.to_string());
        leaf.prop_recursive(3, 32, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(|members| {
                    let members: Vec<String> =
                        members.iter().map(|(k, v)| format!("{}:{v}", Value::from(k.as_str()))).collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn the_borrowed_path_writes_the_canonicaliser_s_bytes_or_declines(text in arb_text()) {
            let borrowed: serde_json_borrow::Value = serde_json::from_str(&text).unwrap();
            let value: Value = serde_json::from_str(&text).unwrap();
            if let Some(canonical) = canonical_borrowed(&borrowed) {
                prop_assert_eq!(canonical, canonical_json(&value).unwrap());
            }
            // What serde_json writes (keys sorted, none repeated) it takes unless a key is awkward.
            let written = value.to_string();
            let rewritten: serde_json_borrow::Value = serde_json::from_str(&written).unwrap();
            prop_assert_eq!(canonical_borrowed(&rewritten).is_some(), keys_sort_as_utf16(&value));
        }
    }

    #[test]
    fn the_borrowed_path_declines_repeated_and_unordered_members() {
        for text in [r#"{"a":1,"a":2}"#, r#"{"b":1,"a":2}"#, r#"[{"x":{"b":1,"a":2}}]"#] {
            let borrowed: serde_json_borrow::Value = serde_json::from_str(text).unwrap();
            assert_eq!(canonical_borrowed(&borrowed), None, "{text}");
        }
        let borrowed: serde_json_borrow::Value = serde_json::from_str(r#"{"a": 1e21, "b": [ {"c": -0.0} ]}"#).unwrap();
        assert_eq!(canonical_borrowed(&borrowed).unwrap(), br#"{"a":1e+21,"b":[{"c":0}]}"#);
    }

    #[test]
    fn big_integers_and_awkward_keys_match_the_canonicaliser() {
        let value =
            json!({"b": 9007199254740993u64, "a": -9007199254740993i64, "\u{E000}": 1, "\u{1F600}": [1e21, 0.1, -0.0]});
        assert_eq!(canonical_value(&value).unwrap(), canonical_json(&value).unwrap());
        assert!(!keys_sort_as_utf16(&value));
        let plain = json!({"b": 9007199254740993u64, "a": [1e21, 1e-7, 5e-324]});
        assert!(keys_sort_as_utf16(&plain));
        assert_eq!(canonical_value(&plain).unwrap(), canonical_json(&plain).unwrap());
    }
}
