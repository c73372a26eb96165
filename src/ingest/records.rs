//! The record tables of the publisher and compromised-credential models: their
//! columns and the checks that turn a row into a typed record or a reject.
//!
//! Publisher tables: signals, investigations, vouches. Compromised-credential
//! tables: IdP reports, verification outcomes, disputes. Credential hashes are
//! checked here and never echoed: their column is redacted in reject reports.

use super::table::{self, Fields, Located, TableSpec};
use super::{InputStats, Refusal, Reject, RejectReason};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The nine kinds of publisher signal, each with a default weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Releases built reproducibly from the declared source.
    ProvenanceConsistency,
    /// A vulnerability fixed within the response window.
    VulnerabilityResponseTime,
    /// A release or key revoked.
    RevocationEvent,
    /// A well-rated extension.
    ExtensionQuality,
    /// A (positive) community report.
    CommunityReport,
    /// Certification requirements met.
    CertificationAdherence,
    /// Certification lapsed.
    CertificationLapse,
    /// A release quarantined.
    QuarantineEvent,
    /// A quarantine resolved in the publisher's favour.
    QuarantineResolution,
}

impl SignalKind {
    /// All kinds, in the order the README's *Publishers* lists their default weights.
    pub const ALL: [SignalKind; 9] = [
        SignalKind::ProvenanceConsistency,
        SignalKind::VulnerabilityResponseTime,
        SignalKind::RevocationEvent,
        SignalKind::ExtensionQuality,
        SignalKind::CommunityReport,
        SignalKind::CertificationAdherence,
        SignalKind::CertificationLapse,
        SignalKind::QuarantineEvent,
        SignalKind::QuarantineResolution,
    ];

    /// The kind's name in tables and outputs.
    pub fn id(self) -> &'static str {
        match self {
            SignalKind::ProvenanceConsistency => "provenance_consistency",
            SignalKind::VulnerabilityResponseTime => "vulnerability_response_time",
            SignalKind::RevocationEvent => "revocation_event",
            SignalKind::ExtensionQuality => "extension_quality",
            SignalKind::CommunityReport => "community_report",
            SignalKind::CertificationAdherence => "certification_adherence",
            SignalKind::CertificationLapse => "certification_lapse",
            SignalKind::QuarantineEvent => "quarantine_event",
            SignalKind::QuarantineResolution => "quarantine_resolution",
        }
    }

    /// The kind named `id`.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// One publisher signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Unique id (duplicates are rejected).
    pub id: String,
    /// The publisher it is about.
    pub publisher: String,
    /// Its kind.
    pub kind: SignalKind,
    /// When it happened (unix ms).
    pub at_ms: i64,
    /// A weight replacing the kind's weight.
    pub weight: Option<f64>,
    /// Free-text evidence (a URL, a ticket).
    pub evidence: Option<String>,
}

/// One quarantine or recall investigation of a publisher.
#[derive(Debug, Clone, PartialEq)]
pub struct Investigation {
    /// Unique id.
    pub id: String,
    /// The publisher investigated.
    pub publisher: String,
    /// When it opened (unix ms).
    pub opened_ms: i64,
    /// When it closed, if it has.
    pub closed_ms: Option<i64>,
    /// Its outcome, once closed.
    pub outcome: Option<String>,
}

/// One publisher vouching for another.
#[derive(Debug, Clone, PartialEq)]
pub struct Vouch {
    /// The publisher vouching.
    pub voucher: String,
    /// The publisher vouched for.
    pub vouchee: String,
    /// When (unix ms).
    pub at_ms: i64,
    /// Strength, > 0 (default 1).
    pub weight: f64,
}

/// Columns of a signal table.
pub const SIGNAL_COLUMNS: &[&str] = &["signal_id", "publisher", "kind", "timestamp", "weight", "evidence"];
/// Columns of an investigation table.
pub const INVESTIGATION_COLUMNS: &[&str] = &["publisher", "investigation_id", "opened_at", "closed_at", "outcome"];
/// Columns of a vouch table.
pub const VOUCH_COLUMNS: &[&str] = &["voucher", "vouchee", "timestamp", "weight"];

/// Reads a signal table.
pub fn read_signals(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<Signal>>)> {
    let spec = TableSpec { kind: "signals", columns: SIGNAL_COLUMNS, redact: &[] };
    table::read(path, label, limit, &spec, rejects, |f| {
        let kind = f.text("kind")?;
        Ok(Signal {
            id: f.text("signal_id")?.to_owned(),
            publisher: f.text("publisher")?.to_owned(),
            kind: SignalKind::parse(kind).ok_or_else(|| {
                (RejectReason::UnknownKind, format!("signal kind {kind:?} is not one of the nine kinds of DESIGN 6.1"))
            })?,
            at_ms: f.time_ms("timestamp")?,
            weight: f.optional_number("weight")?,
            evidence: f.optional_text("evidence")?.map(str::to_owned),
        })
    })
}

/// Reads an investigation table.
pub fn read_investigations(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<Investigation>>)> {
    let spec = TableSpec { kind: "investigations", columns: INVESTIGATION_COLUMNS, redact: &[] };
    table::read(path, label, limit, &spec, rejects, |f| {
        let investigation = Investigation {
            id: f.text("investigation_id")?.to_owned(),
            publisher: f.text("publisher")?.to_owned(),
            opened_ms: f.time_ms("opened_at")?,
            closed_ms: f.optional_time_ms("closed_at")?,
            outcome: f.optional_text("outcome")?.map(str::to_owned),
        };
        if investigation.closed_ms.is_some_and(|c| c <= investigation.opened_ms) {
            return Err((RejectReason::BadDate, "closed_at must be after opened_at".into()));
        }
        Ok(investigation)
    })
}

/// Reads a vouch table.
pub fn read_vouches(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<Vouch>>)> {
    let spec = TableSpec { kind: "vouches", columns: VOUCH_COLUMNS, redact: &[] };
    table::read(path, label, limit, &spec, rejects, |f| {
        let vouch = Vouch {
            voucher: f.text("voucher")?.to_owned(),
            vouchee: f.text("vouchee")?.to_owned(),
            at_ms: f.time_ms("timestamp")?,
            weight: f.optional_number("weight")?.unwrap_or(1.0),
        };
        if vouch.voucher == vouch.vouchee {
            return Err((RejectReason::SelfTrust, format!("{} vouches for itself", vouch.voucher)));
        }
        if vouch.weight <= 0.0 {
            return Err((RejectReason::BadWeight, format!("weight {} must be positive", vouch.weight)));
        }
        Ok(vouch)
    })
}

/// Whether a report says the credential is compromised with this confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct IdpReport {
    /// Unique id.
    pub id: String,
    /// The credential's hash, normalised to lower-case hex of its SHA-256.
    pub credential: String,
    /// The reporting identity provider.
    pub idp: String,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// Where the IdP saw it (a breach corpus, a phishing kit, …).
    pub source: Option<String>,
    /// When reported (unix ms).
    pub at_ms: i64,
}

/// The independent verification of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The credential was found compromised.
    Confirmed,
    /// The report was wrong.
    Refuted,
}

/// One verification outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The report verified.
    pub report: String,
    /// What the verification found.
    pub outcome: Outcome,
    /// When (unix ms).
    pub at_ms: i64,
}

/// How a dispute ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The credential was not compromised: the reports the dispute names count for nothing.
    Cleared,
    /// The reports stand.
    Upheld,
}

/// A dispute of a credential's reports by its holder or a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispute {
    /// The credential's hash (normalised).
    pub credential: String,
    /// Who opened it.
    pub opened_by: String,
    /// When (unix ms).
    pub opened_ms: i64,
    /// How it ended, if it has.
    pub resolution: Option<Resolution>,
    /// When it ended.
    pub resolved_ms: Option<i64>,
    /// The reports it names; empty = every report of the credential up to its resolution.
    pub reports: Vec<String>,
}

/// Columns of an IdP report table.
pub const REPORT_COLUMNS: &[&str] = &["report_id", "credential_hash", "idp", "confidence", "source", "timestamp"];
/// Columns of a verification table.
pub const VERIFICATION_COLUMNS: &[&str] = &["report_id", "outcome", "verified_at"];
/// Columns of a dispute table.
pub const DISPUTE_COLUMNS: &[&str] =
    &["credential_hash", "opened_by", "opened_at", "resolution", "resolved_at", "report_ids"];

/// Reads an IdP report table; the hash column is never echoed.
pub fn read_reports(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<IdpReport>>)> {
    let spec = TableSpec { kind: "idp-reports", columns: REPORT_COLUMNS, redact: &["credential_hash"] };
    table::read(path, label, limit, &spec, rejects, |f| {
        let confidence = f.number("confidence")?;
        if !(0.0..=1.0).contains(&confidence) {
            return Err((RejectReason::LevelOutOfRange, format!("confidence {confidence} is outside [0, 1]")));
        }
        Ok(IdpReport {
            id: f.text("report_id")?.to_owned(),
            credential: credential_hash(f)?,
            idp: f.text("idp")?.to_owned(),
            confidence,
            source: f.optional_text("source")?.map(str::to_owned),
            at_ms: f.time_ms("timestamp")?,
        })
    })
}

/// Reads a verification table.
pub fn read_verifications(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<Verification>>)> {
    let spec = TableSpec { kind: "verifications", columns: VERIFICATION_COLUMNS, redact: &[] };
    table::read(path, label, limit, &spec, rejects, |f| {
        let outcome = match f.text("outcome")? {
            "confirmed" => Outcome::Confirmed,
            "refuted" => Outcome::Refuted,
            other => {
                return Err((RejectReason::UnknownKind, format!("outcome {other:?} is neither confirmed nor refuted")));
            }
        };
        Ok(Verification { report: f.text("report_id")?.to_owned(), outcome, at_ms: f.time_ms("verified_at")? })
    })
}

/// Reads a dispute table; the hash column is never echoed.
pub fn read_disputes(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<Dispute>>)> {
    let spec = TableSpec { kind: "disputes", columns: DISPUTE_COLUMNS, redact: &["credential_hash"] };
    table::read(path, label, limit, &spec, rejects, |f| {
        let resolution = match f.optional_text("resolution")? {
            None => None,
            Some("cleared") => Some(Resolution::Cleared),
            Some("upheld") => Some(Resolution::Upheld),
            Some(other) => {
                return Err((RejectReason::UnknownKind, format!("resolution {other:?} is neither cleared nor upheld")));
            }
        };
        let dispute = Dispute {
            credential: credential_hash(f)?,
            opened_by: f.text("opened_by")?.to_owned(),
            opened_ms: f.time_ms("opened_at")?,
            resolution,
            resolved_ms: f.optional_time_ms("resolved_at")?,
            reports: f
                .optional_text("report_ids")?
                .map(|ids| ids.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        match (dispute.resolution, dispute.resolved_ms) {
            (Some(_), None) => Err((RejectReason::MissingField, "a resolution needs resolved_at".into())),
            (None, Some(_)) => Err((RejectReason::MissingField, "resolved_at needs a resolution".into())),
            (_, Some(r)) if r < dispute.opened_ms => {
                Err((RejectReason::BadDate, "resolved_at is before opened_at".into()))
            }
            _ => Ok(dispute),
        }
    })
}

/// The `credential_hash` field as lower-case hex of a SHA-256: 64 hex digits,
/// or a multibase string of the 32 digest bytes or of a sha2-256 multihash.
/// Anything else (a plain credential above all) is refused without echoing it.
fn credential_hash(f: &Fields) -> Result<String, Refusal> {
    let text = f.text("credential_hash")?;
    normalise_hash(text).ok_or_else(|| {
        (
            RejectReason::BadHash,
            format!(
                "credential_hash ({} characters, not shown) is not a SHA-256 (64 hex digits or multibase)",
                text.chars().count()
            ),
        )
    })
}

/// Lower-case hex of a SHA-256 given as hex or multibase (raw digest or sha2-256 multihash).
pub fn normalise_hash(text: &str) -> Option<String> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(text.to_ascii_lowercase());
    }
    let (_, bytes) = multibase::decode(text).ok()?;
    let digest = match bytes.as_slice() {
        [0x12, 0x20, rest @ ..] if rest.len() == 32 => rest,
        raw if raw.len() == 32 => raw,
        _ => return None,
    };
    Some(hex::encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_accepted_as_hex_or_multibase_only() {
        let hex = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        let lower = hex.to_ascii_lowercase();
        assert_eq!(normalise_hash(hex).as_deref(), Some(lower.as_str()));
        let digest = hex::decode(&lower).unwrap();
        let raw = multibase::encode(multibase::Base::Base58Btc, &digest);
        let mut multihash = vec![0x12, 0x20];
        multihash.extend_from_slice(&digest);
        let mh = multibase::encode(multibase::Base::Base32Lower, &multihash);
        assert_eq!(normalise_hash(&raw).as_deref(), Some(lower.as_str()));
        assert_eq!(normalise_hash(&mh).as_deref(), Some(lower.as_str()));
        for bad in ["hunter2", "correct horse battery staple", &lower[..63], "zzzz", &format!("{lower}0")] {
            assert_eq!(normalise_hash(bad), None, "{bad}");
        }
    }

    #[test]
    fn signal_kinds_round_trip() {
        for kind in SignalKind::ALL {
            assert_eq!(SignalKind::parse(kind.id()), Some(kind));
        }
        assert_eq!(SignalKind::parse("vouch"), None);
    }
}
