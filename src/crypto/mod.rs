//! Integrity primitives shared by every stage that checks or produces proofs:
//! content ids, did:key identifiers, key files and the eddsa-jcs-2022 Data
//! Integrity cryptosuite. Standard encodings come from well-kept crates
//! (RFC 8785 from `serde_json_canonicalizer`, Ed25519 keys and signing from
//! `ed25519-dalek`, ZIP-215 checks from `ed25519-zebra`,
//! multibase/CID from `multibase`/`cid`); this module composes them, and
//! adds two fast paths to RFC 8785 bytes for the hot paths (credential content
//! ids, proof checks), each property-tested against the canonicaliser.

pub mod car;
pub mod content;
pub mod did_key;
pub mod ed25519;
pub mod eddsa_jcs;
pub mod keyfile;
pub mod unixfs;

pub use content::{Digest, cid_of, cid_of_sha256, digest_bytes, digest_file, sha256_of_cid};

/// RFC 8785 (JCS) canonical bytes of any serialisable value.
pub fn canonical_json(value: &impl serde::Serialize) -> Result<Vec<u8>, serde_json::Error> {
    serde_json_canonicalizer::to_vec(value)
}

/// Appends the RFC 8785 (JCS) canonical bytes of `value` to `out`, for a
/// value whose structs declare their fields, and whose maps hold their keys,
/// in canonical order (UTF-16 code units; for ASCII keys, byte order):
/// serialised as it stands, with no tree built and nothing sorted. The
/// epoch's score lines are written here, millions at a time; each line type
/// is tested against [`canonical_json`], which a field declared out of order
/// would fail.
pub fn write_canonical_ordered(out: &mut Vec<u8>, value: &impl serde::Serialize) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(out, Es6Numbers))
}

/// RFC 8785 (JCS) canonical bytes of a parsed JSON document: the same bytes
/// as [`canonical_json`], for the hot paths (proof checks, and content ids of
/// texts that [`canonical_text`] declines): writing the tree directly, in the
/// order serde_json already keeps, is much cheaper than the general
/// canonicaliser (figures in docs/performance.md).
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

/// RFC 8785 (JCS) canonical bytes of a JSON text whose objects already list
/// their members in canonical order (keys strictly increasing, so none
/// repeated, none holding a character at or above U+E000), as writers that
/// sort keys leave them: written while serde_json parses the text, with no
/// tree built, as [`canonical_value`] would write the parsed document.
/// `None` if the text is not JSON or an object is not in that order; the
/// caller then canonicalises a `serde_json::Value` (which resolves repeated
/// members). Building no tree is the point: it is markedly cheaper than
/// parsing into a `Value` and writing that (figures in docs/performance.md).
pub fn canonical_text(text: &[u8]) -> Option<Vec<u8>> {
    use serde::de::DeserializeSeed;
    let mut out = Vec::with_capacity(text.len());
    let mut parser = serde_json::Deserializer::from_slice(text);
    CanonicalWriter { out: &mut out }.deserialize(&mut parser).ok()?;
    parser.end().ok()?;
    Some(out)
}

/// Writes the value serde_json parses, canonically, to `out` (see [`canonical_text`]).
struct CanonicalWriter<'o> {
    out: &'o mut Vec<u8>,
}

impl CanonicalWriter<'_> {
    fn string<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        serde_json::to_writer(&mut *self.out, text).map_err(E::custom)
    }

    /// A string that the text holds without escapes: it holds nothing to
    /// escape either (JSON text cannot hold a raw quote, backslash or control
    /// character, the only characters canonical form escapes), so it is
    /// copied as it stands.
    fn unescaped(self, text: &str) {
        self.out.push(b'"');
        self.out.extend_from_slice(text.as_bytes());
        self.out.push(b'"');
    }

    fn number<E: serde::de::Error>(self, value: f64) -> Result<(), E> {
        Es6Numbers::write_number(self.out, value).map_err(E::custom)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for CanonicalWriter<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for CanonicalWriter<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_bool<E>(self, value: bool) -> Result<(), E> {
        self.out.extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<(), E> {
        self.number(value as f64)
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<(), E> {
        self.number(value as f64)
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<(), E> {
        self.number(value)
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<(), E> {
        self.unescaped(value);
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<(), E> {
        self.string(value)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        self.out.push(b'[');
        let mut first = true;
        loop {
            let end = self.out.len();
            if !first {
                self.out.push(b',');
            }
            if items.next_element_seed(CanonicalWriter { out: self.out })?.is_none() {
                self.out.truncate(end); // (no element after the separator)
                break;
            }
            first = false;
        }
        self.out.push(b']');
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
        self.out.push(b'{');
        let mut previous: Option<std::borrow::Cow<'de, str>> = None;
        while let Some(key) = members.next_key::<Key<'de>>()? {
            let ordered = previous.as_deref().is_none_or(|p| p < &*key.0) && key.0.chars().all(|c| c < '\u{E000}');
            if !ordered {
                return Err(serde::de::Error::custom("members are not in canonical order"));
            }
            if previous.is_some() {
                self.out.push(b',');
            }
            match &key.0 {
                std::borrow::Cow::Borrowed(unescaped) => CanonicalWriter { out: self.out }.unescaped(unescaped),
                std::borrow::Cow::Owned(key) => CanonicalWriter { out: self.out }.string(key)?,
            }
            self.out.push(b':');
            members.next_value_seed(CanonicalWriter { out: self.out })?;
            previous = Some(key.0);
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// An object key, borrowed from the text unless it holds escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(key.into()))
            }

            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(key.to_owned().into()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
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
        fn the_text_path_writes_the_canonicaliser_s_bytes_or_declines(text in arb_text()) {
            let value: Value = serde_json::from_str(&text).unwrap();
            if let Some(canonical) = canonical_text(text.as_bytes()) {
                prop_assert_eq!(canonical, canonical_json(&value).unwrap());
            }
            // What serde_json writes (keys sorted, none repeated) it takes unless a key is awkward,
            // pretty-printed too.
            let written = value.to_string();
            prop_assert_eq!(canonical_text(written.as_bytes()).is_some(), keys_sort_as_utf16(&value));
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(canonical_text(pretty.as_bytes()), canonical_text(written.as_bytes()));
        }
    }

    #[test]
    fn the_text_path_declines_repeated_and_unordered_members_and_what_is_not_json() {
        for text in
            [r#"{"a":1,"a":2}"#, r#"{"b":1,"a":2}"#, r#"[{"x":{"b":1,"a":2}}]"#, r#"{"a":1} x"#, r#"{"a":"\ud800"}"#]
        {
            assert_eq!(canonical_text(text.as_bytes()), None, "{text}");
        }
        let text = r#" {"a": 1e21, "b": [ {"c": -0.0}, [], {}, "\u00e9\n" ], "c": null} "#;
        assert_eq!(
            canonical_text(text.as_bytes()).unwrap(),
            "{\"a\":1e+21,\"b\":[{\"c\":0},[],{},\"é\\n\"],\"c\":null}".as_bytes()
        );
        // Escaped keys and strings are written as canonical form escapes them.
        let escaped = r#"{"\u0061\/":"\/\u00e9\u001f","b":"/é"}"#;
        assert_eq!(canonical_text(escaped.as_bytes()).unwrap(), r#"{"a/":"/é\u001f","b":"/é"}"#.as_bytes());
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
