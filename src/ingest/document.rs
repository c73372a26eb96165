//! The members of a credential's JSON text that [`super::credential`] reads,
//! taken out while serde_json parses the text; every other member is parsed
//! and dropped as it goes, with no tree built.
//!
//! Which texts parse is exactly what `serde_json::Value` accepts: skipped
//! values are parsed as values (strings unescaped, so a lone surrogate is
//! refused; numbers read, so one out of range is refused), not merely skipped
//! over as `serde::de::IgnoredAny` would. Of repeated members the last
//! counts, as in a `serde_json::Value`, so what is read is what the
//! canonical form (and so the content id and the signature) holds. The
//! members read are small and are kept as borrowed trees
//! (`serde_json_borrow`: strings not copied).
//!
//! This is cheaper than building a borrowed tree of the whole credential and
//! reading the members from it, though only modestly, since skipping still
//! parses every value (figures in docs/performance.md).

use super::credential::CredentialType;
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json_borrow::Value as Json;
use std::borrow::Cow;
use std::fmt;

/// The members of a credential read. Filled in place as the text is parsed,
/// because moving a struct this size through each layer of the parser costs
/// a noticeable share of the parse time.
#[derive(Debug, Default)]
pub(super) struct Document<'a> {
    pub issuer: Option<Json<'a>>,
    pub issuance_date: Option<Json<'a>>,
    pub valid_from: Option<Json<'a>>,
    pub valid_until: Option<Json<'a>>,
    pub expiration_date: Option<Json<'a>>,
    pub status: Option<Json<'a>>,
    pub types: Types,
    /// `credentialSubject`, if it is an object (else empty).
    pub subject: Subject<'a>,
    /// Whether there is a `credentialSubject` and it is an object.
    pub subject_is_object: bool,
    pub proof: Option<Json<'a>>,
}

/// What `type` says.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) enum Types {
    /// No `type`, or one that is neither a string nor an array.
    #[default]
    Missing,
    /// The first of its names that is a [`CredentialType`], if any (other names, and items that are not strings, are passed over).
    Named(Option<CredentialType>),
}

/// The members of a `credentialSubject` read.
#[derive(Debug, Default)]
pub(super) struct Subject<'a> {
    pub id: Option<Json<'a>>,
    /// `trustworthiness`, if it is an array: its entries, `None` for an entry that is not an object.
    pub trustworthiness: Option<Vec<Option<Entry<'a>>>>,
    pub trust_for: Option<Json<'a>>,
    pub trust_level: Option<Json<'a>>,
    pub findings: Option<Json<'a>>,
    pub current_status: Option<Json<'a>>,
}

/// The members of a `trustworthiness` entry read.
#[derive(Debug, Default)]
pub(super) struct Entry<'a> {
    pub scope: Option<Json<'a>>,
    pub level: Option<Json<'a>>,
}

/// Parses the whole of `text` (as `serde_json::from_str` does) into `doc`;
/// whether it is an object (if not, `doc` stays empty).
pub(super) fn read_document<'a>(text: &'a str, doc: &mut Document<'a>) -> Result<bool, serde_json::Error> {
    let mut parser = serde_json::Deserializer::from_str(text);
    let is_object = MembersInto(doc).deserialize(&mut parser)?;
    parser.end()?;
    Ok(is_object)
}

/// An object whose members are read one at a time: `read` reads the value
/// of a member it wants and says so, or leaves it for the caller to skip.
trait Members<'de> {
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

/// Reads the value of the current member into `slot`, replacing an earlier occurrence.
fn put<'de, T: Deserialize<'de>, A: MapAccess<'de>>(slot: &mut Option<T>, map: &mut A) -> Result<bool, A::Error> {
    *slot = Some(map.next_value()?);
    Ok(true)
}

impl<'de> Members<'de> for Document<'de> {
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "issuer" => put(&mut self.issuer, map),
            "issuanceDate" => put(&mut self.issuance_date, map),
            "validFrom" => put(&mut self.valid_from, map),
            "validUntil" => put(&mut self.valid_until, map),
            "expirationDate" => put(&mut self.expiration_date, map),
            "credentialStatus" => put(&mut self.status, map),
            "type" => {
                self.types = map.next_value()?;
                Ok(true)
            }
            "credentialSubject" => {
                self.subject = Subject::default(); // a repeated member replaces the earlier one whole
                self.subject_is_object = map.next_value_seed(MembersInto(&mut self.subject))?;
                Ok(true)
            }
            "proof" => put(&mut self.proof, map),
            _ => Ok(false),
        }
    }
}

impl<'de> Members<'de> for Subject<'de> {
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "id" => put(&mut self.id, map),
            "trustworthiness" => {
                self.trustworthiness = map.next_value::<ArrayOf<Entry<'de>>>()?.0;
                Ok(true)
            }
            "trustFor" => put(&mut self.trust_for, map),
            "trustLevel" => put(&mut self.trust_level, map),
            "findings" => put(&mut self.findings, map),
            "currentStatus" => put(&mut self.current_status, map),
            _ => Ok(false),
        }
    }
}

impl<'de> Members<'de> for Entry<'de> {
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "scope" => put(&mut self.scope, map),
            "level" => put(&mut self.level, map),
            _ => Ok(false),
        }
    }
}

/// The visitor methods of scalars, each answering `$other`: the value is
/// parsed (by serde_json, before the visitor is called) and dropped.
macro_rules! scalars_are {
    ($other:expr) => {
        non_string_scalars_are!($other);
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

/// [`scalars_are`] but for strings.
macro_rules! non_string_scalars_are {
    ($other:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

/// Reads an object's members into the `T` it points at; any other value is
/// parsed and dropped. Gives whether the value was an object.
struct MembersInto<'s, T>(&'s mut T);

impl<'de, T: Members<'de>> DeserializeSeed<'de> for MembersInto<'_, T> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Members<'de>> Visitor<'de> for MembersInto<'_, T> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    scalars_are!(false);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        skip_seq(seq).map(|()| false)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if !self.0.read(&key.0, &mut map)? {
                map.next_value::<Skip>()?;
            }
        }
        Ok(true)
    }
}

/// An array's items, each read as an object into a `T` (`None` for an item
/// that is not one); `None` for a value that is not an array.
struct ArrayOf<T>(Option<Vec<Option<T>>>);

impl<'de, T: Members<'de> + Default> Deserialize<'de> for ArrayOf<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ArrayOf(None))
    }
}

impl<'de, T: Members<'de> + Default> Visitor<'de> for ArrayOf<T> {
    type Value = ArrayOf<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    scalars_are!(ArrayOf(None));
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self, A::Error> {
        skip_map(map).map(|()| ArrayOf(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            let mut item = T::default();
            match seq.next_element_seed(MembersInto(&mut item))? {
                None => return Ok(ArrayOf(Some(items))),
                Some(is_object) => items.push(is_object.then_some(item)),
            }
        }
    }
}

impl<'de> Deserialize<'de> for Types {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TypesVisitor { item: false })
    }
}

/// Reads `type`, or (`item`) one item of a `type` array: a string names a
/// shape or not; an array is read item by item at the top, passed over as an
/// item; anything else is `Missing`.
#[derive(Clone, Copy)]
struct TypesVisitor {
    item: bool,
}

impl<'de> DeserializeSeed<'de> for TypesVisitor {
    type Value = Types;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Types, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TypesVisitor {
    type Value = Types;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    non_string_scalars_are!(Types::Missing);
    fn visit_str<E>(self, name: &str) -> Result<Types, E> {
        Ok(Types::Named(CredentialType::from_name(name)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Types, A::Error> {
        skip_map(map).map(|()| Types::Missing)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Types, A::Error> {
        if self.item {
            return skip_seq(seq).map(|()| Types::Missing);
        }
        let mut first = None;
        while let Some(item) = seq.next_element_seed(TypesVisitor { item: true })? {
            if let (None, Types::Named(named)) = (first, item) {
                first = named;
            }
        }
        Ok(Types::Named(first))
    }
}

/// A JSON value parsed and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    scalars_are!(Skip);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Skip, A::Error> {
        skip_map(map).map(|()| Skip)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Skip, A::Error> {
        skip_seq(seq).map(|()| Skip)
    }
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<Skip, Skip>()?.is_some() {}
    Ok(())
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Skip>()?.is_some() {}
    Ok(())
}

/// A member's key: borrowed from the text unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(text: &str) -> Result<Option<Document<'_>>, serde_json::Error> {
        let mut doc = Document::default();
        Ok(read_document(text, &mut doc)?.then_some(doc))
    }

    #[test]
    fn members_are_read_as_their_last_occurrence_and_the_rest_dropped() {
        let text = r#"{"issuer": "a", "@context": [1, {"x": null}], "issu\u0065r": "b",
            "credentialSubject": {"id": "t", "findings": "Low"},
            "credentialSubject": {"id": "s", "trustworthiness": [{"scope": "x", "level": 1, "reason": ["r"]}, 7],
                                  "extra": {"deep": [true]}},
            "proof": {}}"#;
        let doc = read(text).unwrap().unwrap();
        assert_eq!(doc.issuer.as_ref().and_then(Json::as_str), Some("b"));
        assert!(doc.subject_is_object);
        assert_eq!(doc.subject.id.as_ref().and_then(Json::as_str), Some("s"));
        assert!(doc.subject.findings.is_none(), "a repeated object replaces the earlier one whole");
        let entries = doc.subject.trustworthiness.as_deref().unwrap();
        assert!(matches!(entries, [Some(Entry { scope: Some(_), level: Some(_) }), None]));
        assert!(matches!(doc.proof, Some(Json::Object(ref o)) if o.is_empty()));
        assert!(read("[1]").unwrap().is_none());
        let not_an_object = read(r#"{"credentialSubject": {"id": "s"}, "credentialSubject": "s"}"#).unwrap().unwrap();
        assert!(!not_an_object.subject_is_object);
        let types = |t: &str| read(&format!(r#"{{"type": {t}}}"#)).unwrap().unwrap().types;
        assert_eq!(
            types(r#"[1, "Diploma", "ReviewCredential", {"a": 1}, "PeerTrustCredential"]"#),
            Types::Named(Some(CredentialType::Review))
        );
        assert_eq!(types(r#""TrustCredential""#), Types::Named(Some(CredentialType::Trust)));
        assert_eq!(types(r#"[["ReviewCredential"], "TrustCredential"]"#), Types::Named(Some(CredentialType::Trust)));
        assert_eq!((types(r#""Diploma""#), types("[]")), (Types::Named(None), Types::Named(None)));
        assert_eq!((types("{}"), types("null"), types("7")), (Types::Missing, Types::Missing, Types::Missing));
        assert_eq!(read(r#"{"type": "ReviewCredential", "type": 1}"#).unwrap().unwrap().types, Types::Missing);
        let not_an_array = read(r#"{"credentialSubject": {"trustworthiness": {"scope": "x"}}}"#).unwrap().unwrap();
        assert!(not_an_array.subject.trustworthiness.is_none());
    }

    #[test]
    fn skipped_values_are_checked_as_a_value_would_be() {
        for bad in [
            r#"{"x": "\ud800"}"#, // a lone surrogate
            r#"{"x": 1e400}"#,    // out of range
            r#"{"x": [1,]}"#,     // trailing comma
            r#"{"x": "a	b"}"#,    // a raw control character
            r#"{"x": 1} 2"#,      // trailing characters
            r#"{"\ud800": 1}"#,   // a lone surrogate in a key
        ] {
            assert!(serde_json::from_str::<serde_json::Value>(bad).is_err(), "{bad}");
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    fn arb_json() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            "-?[0-9]{1,3}(\\.[0-9]{1,3})?(e[+-]?[0-9]{1,3})?",
            "\"([a-z]|\\\\u[dD][89abAB][0-9a-f]{2}|\\\\u00[0-9a-f]{2}|\\\\[nt\"\\\\])*\"",
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("issuer"),
                            Just("type"),
                            Just("credentialSubject"),
                            Just("id"),
                            Just("level"),
                            Just("k")
                        ],
                        inner
                    ),
                    0..5
                )
                .prop_map(|m| format!(
                    "{{{}}}",
                    m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
                )),
            ]
        })
    }

    proptest! {
        /// Exactly the texts that parse as a `serde_json::Value` are read.
        #[test]
        fn what_is_read_is_what_parses_as_json(text in arb_json(), cut in 0usize..8) {
            let text = if cut == 0 { text[..text.len() / 2].to_owned() } else { text };
            let value = serde_json::from_str::<serde_json::Value>(&text);
            let got = read(&text);
            prop_assert_eq!(value.is_ok(), got.is_ok());
            if let (Ok(value), Ok(got)) = (value, got) {
                prop_assert_eq!(value.is_object(), got.is_some());
                let issuer = got.and_then(|d| d.issuer).map(serde_json::Value::from);
                prop_assert_eq!(value.get("issuer").cloned(), issuer);
            }
        }
    }
}
