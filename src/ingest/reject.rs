//! Rejected records: what was refused, where, and why. Nothing is dropped silently.

use serde::Serialize;

/// A refusal: the reason code and a human-readable detail.
pub type Refusal = (RejectReason, String);

/// Why a record was refused. [`RejectReason::code`] is the stable reason
/// code written to `rejected.jsonl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectReason {
    /// The line or row could not be parsed (wrong field count, not a number, not UTF-8).
    ParseError,
    /// A value is NaN or infinite.
    NonFinite,
    /// A peer trusts or distrusts itself.
    SelfTrust,
    /// A pre-trust weight is negative or not finite.
    BadWeight,
    /// A DID (issuer, subject or peer) is malformed.
    InvalidDid,
    /// A required field (issuer, subject, date, scope…) is absent.
    MissingField,
    /// A trust level is not a number in [-1, 1].
    LevelOutOfRange,
    /// An enumerated value (trustLevel, findings, currentStatus) is not one of its values.
    BadLevel,
    /// A date is not RFC 3339.
    BadDate,
    /// The credential's `type` names no supported shape.
    UnknownType,
    /// Every trust statement of the credential is about a scope the pipeline does not compute.
    UnknownScope,
    /// The credential's eddsa-jcs-2022 proof does not verify, or is not by its issuer.
    BadProof,
    /// The pipeline requires proofs and the credential has none this tool can check.
    MissingProof,
    /// An indexer row's schema id does not match its credential.
    SchemaMismatch,
    /// A table's enumerated value (signal kind, outcome, resolution) is not one of its values.
    UnknownKind,
    /// A credential hash is not a well-formed SHA-256 (its text is never echoed).
    BadHash,
    /// A record's id was already used by another record.
    DuplicateId,
    /// A record refers to an id (a report, an investigation) that no accepted record has.
    UnknownReference,
    /// A publisher signal arrived while an investigation froze the publisher.
    Frozen,
}

impl RejectReason {
    /// The reason code, as written to outputs.
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::ParseError => "parse_error",
            RejectReason::NonFinite => "non_finite",
            RejectReason::SelfTrust => "self_trust",
            RejectReason::BadWeight => "bad_weight",
            RejectReason::InvalidDid => "invalid_did",
            RejectReason::MissingField => "missing_field",
            RejectReason::LevelOutOfRange => "level_out_of_range",
            RejectReason::BadLevel => "bad_level",
            RejectReason::BadDate => "bad_date",
            RejectReason::UnknownType => "unknown_type",
            RejectReason::UnknownScope => "unknown_scope",
            RejectReason::BadProof => "bad_proof",
            RejectReason::MissingProof => "missing_proof",
            RejectReason::SchemaMismatch => "schema_mismatch",
            RejectReason::UnknownKind => "unknown_kind",
            RejectReason::BadHash => "bad_hash",
            RejectReason::DuplicateId => "duplicate_id",
            RejectReason::UnknownReference => "unknown_reference",
            RejectReason::Frozen => "frozen",
        }
    }
}

impl RejectReason {
    /// Every reason, in declaration order.
    pub const ALL: [RejectReason; 19] = [
        RejectReason::ParseError,
        RejectReason::NonFinite,
        RejectReason::SelfTrust,
        RejectReason::BadWeight,
        RejectReason::InvalidDid,
        RejectReason::MissingField,
        RejectReason::LevelOutOfRange,
        RejectReason::BadLevel,
        RejectReason::BadDate,
        RejectReason::UnknownType,
        RejectReason::UnknownScope,
        RejectReason::BadProof,
        RejectReason::MissingProof,
        RejectReason::SchemaMismatch,
        RejectReason::UnknownKind,
        RejectReason::BadHash,
        RejectReason::DuplicateId,
        RejectReason::UnknownReference,
        RejectReason::Frozen,
    ];

    /// The reason whose [`RejectReason::code`] is `code`.
    pub fn from_code(code: &str) -> Option<RejectReason> {
        RejectReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl Serialize for RejectReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Where in its source a record was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// 1-based line of a text file.
    Line(u64),
    /// 1-based row of a Parquet file.
    Row(u64),
    /// A key in the pipeline file, e.g. `pretrust.entries.alice`.
    Key(String),
    /// A file of a folder source (one credential per file).
    File(String),
    /// 0-based index in a JSON array of credentials.
    Item(u64),
}

/// One refused record, as written to `rejected.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    /// The source path as given in the pipeline file.
    pub source: String,
    /// Where in the source.
    #[serde(flatten)]
    pub position: Position,
    /// The reason code.
    pub reason: RejectReason,
    /// A human-readable explanation.
    pub detail: String,
    /// The record's text (fields re-joined with commas for tabular sources),
    /// cut to its first 4 KiB (`MAX_RAW_BYTES`).
    pub raw: String,
    /// The full length in bytes of a record whose `raw` was cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_length: Option<u64>,
    /// The SHA-256 (hex) of the full text of a record whose `raw` was cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_sha256: Option<String>,
}

/// Most bytes of a refused record's text kept in `rejected.jsonl` (a hostile
/// record may be any size; its length and hash still identify it).
pub const MAX_RAW_BYTES: usize = 4096;
/// Most bytes of a reject's explanation (it may quote what was refused).
pub const MAX_DETAIL_BYTES: usize = 1024;

impl Reject {
    /// A reject whose text and explanation are cut to their bounds.
    pub fn new(source: String, position: Position, reason: RejectReason, mut detail: String, mut raw: String) -> Self {
        let (mut raw_length, mut raw_sha256) = (None, None);
        if raw.len() > MAX_RAW_BYTES {
            raw_length = Some(raw.len() as u64);
            raw_sha256 = Some(crate::crypto::digest_bytes(raw.as_bytes()).sha256);
            raw.truncate(raw.floor_char_boundary(MAX_RAW_BYTES));
        }
        if detail.len() > MAX_DETAIL_BYTES {
            detail.truncate(detail.floor_char_boundary(MAX_DETAIL_BYTES));
            detail.push('…');
        }
        Reject { source, position, reason, detail, raw, raw_length, raw_sha256 }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Row(n) => write!(f, "row {n}"),
            Position::Key(k) => write!(f, "key {k}"),
            Position::File(name) => write!(f, "file {name}"),
            Position::Item(i) => write!(f, "item {i}"),
        }
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, {}: {} ({})", self.source, self.position, self.detail, self.reason.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_found_again_by_its_code() {
        for reason in RejectReason::ALL {
            assert_eq!(RejectReason::from_code(reason.code()), Some(reason));
        }
        let mut codes: Vec<&str> = RejectReason::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RejectReason::ALL.len(), "codes are distinct");
        assert_eq!(RejectReason::from_code("no_such_reason"), None);
    }

    #[test]
    fn serialises_position_inline_with_reason_code() {
        let r = Reject::new(
            "e.csv".into(),
            Position::Line(3),
            RejectReason::SelfTrust,
            "peer 7 trusts itself".into(),
            "7,7,1".into(),
        );
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"source":"e.csv","line":3,"reason":"self_trust","detail":"peer 7 trusts itself","raw":"7,7,1"}"#
        );
        assert_eq!(r.to_string(), "e.csv, line 3: peer 7 trusts itself (self_trust)");
    }

    #[test]
    fn huge_records_keep_a_bounded_prefix_with_their_length_and_hash() {
        let raw = "é".repeat(1 << 20);
        let r = Reject::new(
            "c.jsonl".into(),
            Position::Line(1),
            RejectReason::ParseError,
            "x".repeat(1 << 20),
            raw.clone(),
        );
        assert!(r.raw.len() <= MAX_RAW_BYTES && raw.starts_with(&r.raw) && r.raw.len() > MAX_RAW_BYTES - 2);
        assert_eq!(r.raw_length, Some(2 << 20));
        assert_eq!(r.raw_sha256, Some(crate::crypto::digest_bytes(raw.as_bytes()).sha256));
        assert!(r.detail.len() <= MAX_DETAIL_BYTES + '…'.len_utf8());
        let line = serde_json::to_string(&r).unwrap();
        assert!(line.len() < 8 * 1024 && line.contains("\"raw_length\":2097152"), "{}", line.len());
    }
}
