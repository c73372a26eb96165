//! Reads one W3C-VC-shaped credential into what it claims. Pure: JSON in,
//! [`Credential`] or a reject reason out.
//!
//! Shapes (by `type`): CAIP-261 `PeerTrustCredential` and the Snaps
//! `TrustCredential` (`trustworthiness[]` of `{scope, level ∈ [-1,1]}`);
//! `AccountTrustAssertion` (`trustFor`, `trustLevel` Low/Medium/High =
//! 0.25/0.5/1.0); `AccountDistrustAssertion` (= `Honesty` at −1);
//! `SoftwareArtifactSecurityAssertion` (`findings`); `EndorsementAssertion` /
//! `DisputeAssertion` of a security assertion (subject = its CID); the Snaps
//! `ReviewCredential` (`currentStatus` Endorsed/Disputed). Any credential with
//! a `credentialStatus` of purpose `revocation` revokes the assertion whose
//! CID its `id` names.

use super::document::{Document, Types, read_document};
use super::identity::{ArtifactId, assertion_reference, normalise_artifact, normalise_did};
use super::{Refusal, RejectReason};
use crate::as_of::parse_time_ms;
use crate::crypto::ed25519::{self, SignedMessage};
use crate::crypto::{canonical_text, canonical_value, cid_of_sha256, eddsa_jcs};
use serde_json::Value;
use serde_json_borrow::{ObjectAsVec as JsonObject, Value as Json};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::sync::Arc;

/// Security findings of a `SoftwareArtifactSecurityAssertion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Findings {
    /// No findings.
    None,
    /// Low-severity findings.
    Low,
    /// Medium-severity findings.
    Medium,
    /// Critical findings.
    Critical,
}

/// What a credential claims.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Trust levels about a peer, one per scope.
    Trust {
        /// The peer trusted or distrusted (normalised).
        subject: String,
        /// (scope, level in [-1, 1]) pairs.
        levels: Vec<(String, f64)>,
    },
    /// A review of an artifact.
    Review {
        /// The artifact version reviewed.
        artifact: ArtifactId,
        /// Endorsed (true) or disputed.
        endorsed: bool,
    },
    /// A security assessment of an artifact.
    Security {
        /// The artifact version assessed.
        artifact: ArtifactId,
        /// What the assessment found.
        findings: Findings,
    },
    /// Endorsement (true) or dispute of the security assertion with this CID.
    Opinion {
        /// The CID of the security assertion.
        assertion: String,
        /// Endorsed (true) or disputed.
        endorsed: bool,
    },
    /// Revocation of the issuer's assertion with this CID.
    Revocation {
        /// The CID of the revoked assertion.
        target: String,
    },
}

/// Whether the credential's proof was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofStatus {
    /// An eddsa-jcs-2022 proof by the issuer's did:key verified.
    Verified,
    /// No proof, or one of a kind this tool cannot check.
    Unproven,
}

/// A credential as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// Normalised issuer DID.
    pub issuer: String,
    /// What it claims.
    pub claim: Claim,
    /// Issuance instant (`issuanceDate`, else `validFrom`, else the source's timestamp), unix ms.
    pub issued_ms: i64,
    /// `validFrom`, unix ms.
    pub valid_from_ms: Option<i64>,
    /// `validUntil` (or v1 `expirationDate`), unix ms.
    pub valid_until_ms: Option<i64>,
    /// CIDv1 (raw, sha2-256) of the credential's RFC 8785 canonical form, computed when needed.
    pub cid: ContentId,
    /// Proof status.
    pub proof: ProofStatus,
}

fn refuse<T>(reason: RejectReason, detail: impl Into<String>) -> Result<T, Refusal> {
    Err((reason, detail.into()))
}

/// The text a credential was read from: a range of a buffer that every
/// credential of one source file shares, so keeping it costs no copy.
#[derive(Debug, Clone)]
pub struct SourceText {
    buffer: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl SourceText {
    /// `range` of a shared file buffer.
    pub fn slice(buffer: &Arc<Vec<u8>>, range: Range<usize>) -> Self {
        SourceText { buffer: Arc::clone(buffer), range }
    }

    /// A text of its own (an item of a JSON array, a field of a CSV row).
    pub fn owned(text: &str) -> Self {
        let buffer = Arc::new(text.as_bytes().to_vec());
        SourceText { range: 0..buffer.len(), buffer }
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.get(self.range.clone()).unwrap_or_default()
    }
}

/// A credential's content id (CIDv1, raw, sha2-256 of its RFC 8785 canonical
/// form), computed when first asked for. Canonicalising every credential
/// would dominate ingest (docs/performance.md), yet only security
/// assertions (which endorsements name), credentials whose issuer revokes
/// something, and supersede ties need one.
#[derive(Debug, Clone)]
pub struct ContentId {
    source: SourceText,
    sha256: std::sync::OnceLock<[u8; 32]>,
}

impl ContentId {
    /// The content id of the credential whose JSON text is `source`, computed on first use.
    pub fn of_source(source: SourceText) -> Self {
        ContentId { source, sha256: std::sync::OnceLock::new() }
    }

    /// The SHA-256 of the canonical form.
    pub fn sha256(&self) -> &[u8; 32] {
        self.sha256.get_or_init(|| {
            // The text parsed once already, so it parses again: written
            // canonically as it is parsed when its members are in canonical
            // order (as writers that sort keys leave them), else into a
            // `serde_json::Value`, which resolves repeated members.
            let text = self.source.bytes();
            if let Some(canonical) = canonical_text(text) {
                return Sha256::digest(canonical).into();
            }
            match serde_json::from_slice::<Value>(text) {
                Ok(value) => canonical_sha256(&value, text),
                Err(_) => Sha256::digest(text).into(),
            }
        })
    }

    /// The CID, as text.
    pub fn cid(&self) -> String {
        cid_of_sha256(self.sha256()).to_string()
    }
}

/// SHA-256 of the RFC 8785 form of `value`; of `fallback` if it has none.
fn canonical_sha256(value: &Value, fallback: &[u8]) -> [u8; 32] {
    match canonical_value(value) {
        Ok(canonical) => Sha256::digest(canonical).into(),
        Err(_) => Sha256::digest(fallback).into(),
    }
}

impl PartialEq for ContentId {
    fn eq(&self, other: &Self) -> bool {
        self.sha256() == other.sha256()
    }
}

/// A credential as read, the signature of its proof not yet checked: it
/// becomes a [`Credential`] only through [`Unchecked::check`] or, for many at
/// once, [`check_signatures`] (which batches the checks).
#[derive(Debug)]
pub struct Unchecked {
    credential: Credential,
    /// The signature its proof carries, to be checked (boxed: few
    /// credentials carry one, and every credential is moved twice between
    /// parsing and filing).
    signature: Option<Box<SignedMessage>>,
}

impl Unchecked {
    /// Checks its signature on its own.
    pub fn check(self) -> Result<Credential, Refusal> {
        match &self.signature {
            Some(signed) if !ed25519::verify(signed) => Err(bad_signature()),
            _ => Ok(self.credential),
        }
    }
}

/// Checks the signatures of many credentials at once, in parallel batches
/// that answer exactly as single checks do (see [`ed25519`]).
pub fn check_signatures(parsed: Vec<Result<Unchecked, Refusal>>) -> Vec<Result<Credential, Refusal>> {
    let signed: Vec<&SignedMessage> = parsed.iter().filter_map(|p| p.as_ref().ok()?.signature.as_deref()).collect();
    let mut valid = ed25519::verify_all(&signed).into_iter();
    parsed
        .into_iter()
        .map(|p| {
            let unchecked = p?;
            match unchecked.signature {
                Some(_) if valid.next() != Some(true) => Err(bad_signature()),
                _ => Ok(unchecked.credential),
            }
        })
        .collect()
}

fn bad_signature() -> Refusal {
    (RejectReason::BadProof, eddsa_jcs::ProofError::BadSignature.to_string())
}

/// Reads a credential from its JSON `text` (`source` holds the same text, for
/// its content id). `fallback_ms` is the source's own timestamp (indexer
/// CSV), used when the credential carries no date.
///
/// Only the members a claim is made of are taken out of the text, as serde_json
/// parses it (see the private `ingest::document` reader); of repeated members the last counts,
/// as in the canonical form that the content id and the signature cover.
pub fn parse_credential(text: &str, source: SourceText, fallback_ms: Option<i64>) -> Result<Unchecked, Refusal> {
    let mut doc = Document::default();
    let is_object = read_document(text, &mut doc).map_err(|e| (RejectReason::ParseError, format!("not JSON: {e}")))?;
    if !is_object {
        return refuse(RejectReason::ParseError, "a credential must be a JSON object");
    }
    let issuer = match &doc.issuer {
        Some(Json::Str(s)) => s.as_ref(),
        Some(Json::Object(o)) => member(o, "id").and_then(Json::as_str).unwrap_or(""),
        _ => return refuse(RejectReason::MissingField, "no issuer"),
    };
    let issuer = normalise_did(issuer).map_err(|e| (RejectReason::InvalidDid, format!("issuer {e}")))?;
    let date = |key: &str, value: &Option<Json<'_>>| -> Result<Option<i64>, Refusal> {
        match value {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Str(s)) => parse_time_ms(s).map(Some).ok_or_else(|| {
                (RejectReason::BadDate, format!("{key} {s:?} is not an RFC 3339 instant in years 0000 to 9999"))
            }),
            Some(other) => refuse(RejectReason::BadDate, format!("{key} {other} is not a date string")),
        }
    };
    let valid_from_ms = date("validFrom", &doc.valid_from)?;
    let valid_until_ms = match date("validUntil", &doc.valid_until)? {
        Some(t) => Some(t),
        None => date("expirationDate", &doc.expiration_date)?,
    };
    let issued_ms = match (date("issuanceDate", &doc.issuance_date)?, valid_from_ms, fallback_ms) {
        (Some(t), _, _) | (None, Some(t), _) | (None, None, Some(t)) => t,
        (None, None, None) => return refuse(RejectReason::MissingField, "no issuanceDate or validFrom"),
    };
    let claim = claim(&doc, &issuer)?;
    let signature = read_proof(doc.proof.as_ref(), text, &issuer)?;
    let proof = if signature.is_some() { ProofStatus::Verified } else { ProofStatus::Unproven };
    let cid = ContentId::of_source(source);
    if matches!(claim, Claim::Security { .. }) {
        cid.sha256(); // always named by endorsements: computed here, in parallel
    }
    let credential = Credential { issuer, claim, issued_ms, valid_from_ms, valid_until_ms, cid, proof };
    Ok(Unchecked { credential, signature: signature.map(Box::new) })
}

/// The member `key` of `object`; of repeated members the last, as in a `serde_json::Value`.
fn member<'a, 'j>(object: &'a JsonObject<'j>, key: &str) -> Option<&'a Json<'j>> {
    object.iter().filter(|(k, _)| *k == key).last().map(|(_, v)| v)
}

/// The string a member holds, if it is one.
fn text<'a>(value: &'a Option<Json<'_>>) -> Option<&'a str> {
    value.as_ref().and_then(Json::as_str)
}

fn claim(doc: &Document<'_>, issuer: &str) -> Result<Claim, Refusal> {
    if let Some(status) = doc.status.as_ref().and_then(Json::as_object)
        && member(status, "statusPurpose").and_then(Json::as_str) == Some("revocation")
    {
        let target = member(status, "id").and_then(Json::as_str).unwrap_or("");
        let target = assertion_reference(target)
            .map_err(|e| (RejectReason::MissingField, format!("credentialStatus.id {e}")))?;
        return Ok(Claim::Revocation { target });
    }
    let kind = match doc.types {
        Types::Named(kind) => kind,
        Types::Missing => return refuse(RejectReason::UnknownType, "no type"),
    };
    if !doc.subject_is_object {
        return refuse(RejectReason::MissingField, "no credentialSubject object");
    }
    let subject = &doc.subject;
    let subject_id =
        || text(&subject.id).ok_or_else(|| (RejectReason::MissingField, "no credentialSubject.id".to_owned()));
    let peer = |issuer: &str| -> Result<String, Refusal> {
        let id = normalise_did(subject_id()?).map_err(|e| (RejectReason::InvalidDid, format!("subject {e}")))?;
        if id == issuer {
            return refuse(RejectReason::SelfTrust, format!("{id} rates itself"));
        }
        Ok(id)
    };
    let artifact = || normalise_artifact(subject_id()?).map_err(|e| (RejectReason::InvalidDid, format!("subject {e}")));
    let status = || match text(&subject.current_status) {
        Some("Endorsed") => Ok(Some(true)),
        Some("Disputed") => Ok(Some(false)),
        None => Ok(None),
        Some(other) => refuse(RejectReason::BadLevel, format!("currentStatus {other:?} is not Endorsed or Disputed")),
    };

    let Some(kind) = kind else { return refuse(RejectReason::UnknownType, "type names no supported credential shape") };
    match kind {
        CredentialType::PeerTrust | CredentialType::Trust => {
            let about = peer(issuer)?;
            let Some(entries) = &subject.trustworthiness else {
                return refuse(RejectReason::MissingField, "no credentialSubject.trustworthiness array");
            };
            let mut levels: Vec<(String, f64)> = Vec::with_capacity(entries.len());
            for entry in entries {
                let scope = entry.as_ref().and_then(|e| text(&e.scope)).filter(|s| !s.trim().is_empty());
                let Some(scope) = scope else {
                    return refuse(RejectReason::MissingField, "a trustworthiness entry has no scope");
                };
                let level = entry.as_ref().and_then(|e| e.level.as_ref()).and_then(Json::as_f64);
                let Some(level) = level.filter(|l| (-1.0..=1.0).contains(l)) else {
                    return refuse(
                        RejectReason::LevelOutOfRange,
                        format!("level of {scope:?} must be a number in [-1, 1]"),
                    );
                };
                if levels.iter().any(|(s, _)| s == scope) {
                    return refuse(RejectReason::ParseError, format!("scope {scope:?} appears twice"));
                }
                levels.push((scope.to_owned(), level));
            }
            Ok(Claim::Trust { subject: about, levels })
        }
        CredentialType::AccountTrust => {
            let about = peer(issuer)?;
            let scope = text(&subject.trust_for).filter(|s| !s.trim().is_empty());
            let Some(scope) = scope else { return refuse(RejectReason::MissingField, "no trustFor") };
            let level = match text(&subject.trust_level).map(str::to_ascii_lowercase).as_deref() {
                Some("low") => 0.25,
                Some("medium") => 0.5,
                Some("high") => 1.0,
                other => {
                    return refuse(RejectReason::BadLevel, format!("trustLevel {other:?} is not Low, Medium or High"));
                }
            };
            Ok(Claim::Trust { subject: about, levels: vec![(scope.to_owned(), level)] })
        }
        CredentialType::AccountDistrust => {
            Ok(Claim::Trust { subject: peer(issuer)?, levels: vec![(HONESTY.to_owned(), -1.0)] })
        }
        CredentialType::SecurityAssertion => {
            let findings = match text(&subject.findings).map(str::to_ascii_lowercase).as_deref() {
                Some("none") => Findings::None,
                Some("low") => Findings::Low,
                Some("medium") => Findings::Medium,
                Some("critical") => Findings::Critical,
                other => {
                    return refuse(
                        RejectReason::BadLevel,
                        format!("findings {other:?} is not None, Low, Medium or Critical"),
                    );
                }
            };
            Ok(Claim::Security { artifact: artifact()?, findings })
        }
        CredentialType::Endorsement | CredentialType::Dispute => {
            let by_type = kind == CredentialType::Endorsement;
            let endorsed = match status()? {
                Some(s) if s != by_type => {
                    return refuse(
                        RejectReason::BadLevel,
                        format!("{} with currentStatus {:?}", kind.name(), text(&subject.current_status)),
                    );
                }
                _ => by_type,
            };
            let assertion =
                assertion_reference(subject_id()?).map_err(|e| (RejectReason::InvalidDid, format!("subject {e}")))?;
            Ok(Claim::Opinion { assertion, endorsed })
        }
        CredentialType::Review => {
            let Some(endorsed) = status()? else { return refuse(RejectReason::MissingField, "no currentStatus") };
            Ok(Claim::Review { artifact: artifact()?, endorsed })
        }
    }
}

/// The credential types (`type` names) whose claims this tool reads: the
/// one list the document reader, the claim builder and the sample generator share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialType {
    /// `PeerTrustCredential`: trust levels per scope.
    PeerTrust,
    /// `TrustCredential`: the same claim under its shorter name.
    Trust,
    /// `AccountTrustAssertion`: Low, Medium or High trust for one scope.
    AccountTrust,
    /// `AccountDistrustAssertion`: distrust in honesty.
    AccountDistrust,
    /// `SoftwareArtifactSecurityAssertion`: an artifact's security findings.
    SecurityAssertion,
    /// `EndorsementAssertion`: endorses a security assertion.
    Endorsement,
    /// `DisputeAssertion`: disputes a security assertion.
    Dispute,
    /// `ReviewCredential`: endorses or disputes an artifact version.
    Review,
}

impl CredentialType {
    /// Every type, in the order a reader reports them.
    pub const ALL: [CredentialType; 8] = [
        CredentialType::PeerTrust,
        CredentialType::Trust,
        CredentialType::AccountTrust,
        CredentialType::AccountDistrust,
        CredentialType::SecurityAssertion,
        CredentialType::Endorsement,
        CredentialType::Dispute,
        CredentialType::Review,
    ];

    /// The name in a credential's `type`.
    pub fn name(self) -> &'static str {
        match self {
            CredentialType::PeerTrust => "PeerTrustCredential",
            CredentialType::Trust => "TrustCredential",
            CredentialType::AccountTrust => "AccountTrustAssertion",
            CredentialType::AccountDistrust => "AccountDistrustAssertion",
            CredentialType::SecurityAssertion => "SoftwareArtifactSecurityAssertion",
            CredentialType::Endorsement => "EndorsementAssertion",
            CredentialType::Dispute => "DisputeAssertion",
            CredentialType::Review => "ReviewCredential",
        }
    }

    /// The type with this name, if this tool reads it.
    pub fn from_name(name: &str) -> Option<CredentialType> {
        CredentialType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The `Honesty` scope: its distrust applies to every scope.
pub const HONESTY: &str = "Honesty";

/// Reads an eddsa-jcs-2022 proof by the issuer's did:key of the credential
/// read from `text`: the signature to check. An absent or empty
/// proof, or a proof of another kind, leaves the credential unproven (`None`).
fn read_proof(proof: Option<&Json<'_>>, text: &str, issuer: &str) -> Result<Option<SignedMessage>, Refusal> {
    let proof = match proof {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Object(o)) if o.is_empty() => return Ok(None),
        Some(p) => p,
    };
    let cryptosuite = proof.as_object().and_then(|p| member(p, "cryptosuite")).and_then(Json::as_str);
    let checkable = cryptosuite == Some(eddsa_jcs::CRYPTOSUITE);
    if !checkable {
        return Ok(None);
    }
    // What is signed is canonical forms, which only a `serde_json::Value` has.
    let value: Value = serde_json::from_str(text).map_err(|e| (RejectReason::ParseError, format!("not JSON: {e}")))?;
    let proof = eddsa_jcs::read_proof(&value).map_err(|e| (RejectReason::BadProof, e.to_string()))?;
    if proof.signer != issuer {
        return refuse(RejectReason::BadProof, format!("signed by {}, not by the issuer {issuer}", proof.signer));
    }
    Ok(Some(proof.signed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "did:pkh:eip155:1:0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044";
    const B: &str = "did:pkh:eip155:1:0xfa045b2f2a25ad0b7365010eaf9ac2dd9905895c";

    fn parse(v: Value) -> Result<Credential, Refusal> {
        let text = v.to_string();
        parse_credential(&text, SourceText::owned(&text), None).and_then(Unchecked::check)
    }

    fn reason(v: Value) -> RejectReason {
        parse(v).unwrap_err().0
    }

    #[test]
    fn caip_261_peer_trust_with_levels_per_scope() {
        let c = parse(json!({
            "type": ["VerifiableCredential", "PeerTrustCredential"],
            "issuanceDate": "2024-02-15T07:05:56.273Z",
            "issuer": "did:pkh:eip155:1:0x44dc4E3309B80eF7aBf41C7D0a68F0337a88F044",
            "credentialSubject": {"id": "did:pkh:eth:0xfA045B2F2A25ad0B7365010eaf9AC2Dd9905895c",
              "trustworthiness": [{"scope": "Honesty", "level": 0.5, "reason": ["Alumnus"]},
                                  {"scope": "Software security", "level": -1}]}
        }))
        .unwrap();
        assert_eq!(c.issuer, A);
        assert_eq!(
            c.claim,
            Claim::Trust {
                subject: B.into(),
                levels: vec![("Honesty".into(), 0.5), ("Software security".into(), -1.0)]
            }
        );
        assert_eq!(c.issued_ms, 1_707_980_756_273);
        assert_eq!(c.proof, ProofStatus::Unproven);
        assert!(c.cid.cid().starts_with("bafkrei"));
    }

    #[test]
    fn draft_caip_shapes() {
        let base = |t: &str, subject: Value| json!({"type": t, "issuer": A, "issuanceDate": "2024-01-01T00:00:00Z", "credentialSubject": subject});
        let trust = parse(base(
            "AccountTrustAssertion",
            json!({"id": B, "trustFor": "Software security", "trustLevel": "Medium"}),
        ))
        .unwrap();
        assert_eq!(trust.claim, Claim::Trust { subject: B.into(), levels: vec![("Software security".into(), 0.5)] });
        let distrust = parse(base("AccountDistrustAssertion", json!({"id": B, "distrustReason": "Scam"}))).unwrap();
        assert_eq!(distrust.claim, Claim::Trust { subject: B.into(), levels: vec![("Honesty".into(), -1.0)] });
        let security = parse(base(
            "SoftwareArtifactSecurityAssertion",
            json!({"id": "did:snap:CLwZ=?version=2.0.1", "findings": "Critical"}),
        ))
        .unwrap();
        assert_eq!(
            security.claim,
            Claim::Security {
                artifact: ArtifactId { id: "did:snap:CLwZ=".into(), version: Some("2.0.1".into()) },
                findings: Findings::Critical
            }
        );
        let cid = security.cid.cid();
        let dispute =
            parse(base("DisputeAssertion", json!({"id": format!("ipfs://{cid}"), "currentStatus": "Disputed"})))
                .unwrap();
        assert_eq!(dispute.claim, Claim::Opinion { assertion: cid.clone(), endorsed: false });
        let endorse = parse(base("EndorsementAssertion", json!({"id": cid}))).unwrap();
        assert!(matches!(endorse.claim, Claim::Opinion { endorsed: true, .. }));
        assert_eq!(
            reason(base("EndorsementAssertion", json!({"id": cid, "currentStatus": "Disputed"}))),
            RejectReason::BadLevel
        );
        assert_eq!(
            reason(base("AccountTrustAssertion", json!({"id": B, "trustFor": "x", "trustLevel": "Huge"}))),
            RejectReason::BadLevel
        );
        assert_eq!(
            reason(base("SoftwareArtifactSecurityAssertion", json!({"id": "snap://x", "findings": "Some"}))),
            RejectReason::BadLevel
        );
    }

    #[test]
    fn snaps_review_and_revocation() {
        let review = parse(json!({"type": ["VerifiableCredential", "ReviewCredential"], "issuer": A, "issuanceDate": "2024-02-15T09:53:10.811Z",
            "credentialSubject": {"id": "snap://lfxs=", "currentStatus": "Disputed", "statusReason": {"type": "Malicious", "value": []}}, "proof": {}}))
        .unwrap();
        assert_eq!(
            review.claim,
            Claim::Review { artifact: ArtifactId { id: "did:snap:lfxs=".into(), version: None }, endorsed: false }
        );
        let target = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
        let revocation = parse(json!({"type": ["VerifiableCredential", "PeerTrustCredential"], "issuer": A, "issuanceDate": "2024-02-29T14:31:56.273Z",
            "credentialStatus": {"id": format!("ipfs://{target}"), "type": "CredentialStatus", "statusPurpose": "revocation"}}))
        .unwrap();
        assert_eq!(revocation.claim, Claim::Revocation { target: target.into() });
    }

    #[test]
    fn refusals_have_reasons() {
        let ok = json!({"type": "PeerTrustCredential", "issuer": A, "issuanceDate": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": B, "trustworthiness": [{"scope": "Honesty", "level": 1}]}});
        assert!(parse(ok.clone()).is_ok());
        let with = |path: &[&str], v: Value| {
            let mut doc = ok.clone();
            let mut at = &mut doc;
            for p in &path[..path.len() - 1] {
                at = &mut at[*p];
            }
            at[path[path.len() - 1]] = v;
            reason(doc)
        };
        assert_eq!(with(&["issuer"], json!("did:pkh:eth:alice.eth")), RejectReason::InvalidDid);
        assert_eq!(with(&["credentialSubject", "id"], json!(A)), RejectReason::SelfTrust);
        assert_eq!(
            with(&["credentialSubject", "trustworthiness"], json!([{"scope": "Honesty", "level": 1.5}])),
            RejectReason::LevelOutOfRange
        );
        assert_eq!(
            with(&["credentialSubject", "trustworthiness"], json!([{"scope": "Honesty", "level": "high"}])),
            RejectReason::LevelOutOfRange
        );
        assert_eq!(with(&["issuanceDate"], json!("yesterday")), RejectReason::BadDate);
        assert_eq!(with(&["issuanceDate"], Value::Null), RejectReason::MissingField);
        assert_eq!(with(&["type"], json!(["VerifiableCredential", "Diploma"])), RejectReason::UnknownType);
        assert_eq!(reason(json!([1, 2])), RejectReason::ParseError);
        // The indexer's timestamp stands in for a missing date.
        let mut undated = ok.clone();
        undated.as_object_mut().unwrap().remove("issuanceDate");
        assert_eq!(
            parse_credential(&undated.to_string(), SourceText::owned(&undated.to_string()), Some(42))
                .and_then(Unchecked::check)
                .unwrap()
                .issued_ms,
            42
        );
    }

    #[test]
    fn of_repeated_members_the_last_counts_as_in_the_canonical_form() {
        let text = format!(
            r#"{{"type": "AccountTrustAssertion", "type": "PeerTrustCredential", "issuer": "{B}", "issuer": "{A}",
               "issuanceDate": "2024-01-01T00:00:00Z",
               "credentialSubject": {{"id": "{A}", "id": "{B}", "trustworthiness":
                 [{{"scope": "Honesty", "level": 1, "scope": "Software security", "level": -0.5}}]}}}}"#
        );
        let c = parse_credential(&text, SourceText::owned(&text), None).and_then(Unchecked::check).unwrap();
        assert_eq!(c.issuer, A);
        assert_eq!(c.claim, Claim::Trust { subject: B.into(), levels: vec![("Software security".into(), -0.5)] });
        // The content id is that of the members read.
        let last_only: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(c.cid.cid(), parse(last_only).unwrap().cid.cid());
    }

    #[test]
    fn proofs_by_the_issuers_did_key_are_checked() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[4; 32]);
        let did = crate::crypto::did_key::did_key(&key.verifying_key());
        let unsigned = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "PeerTrustCredential", "issuer": did,
            "validFrom": "2024-01-01T00:00:00Z", "credentialSubject": {"id": B, "trustworthiness": [{"scope": "Honesty", "level": 1}]}});
        let signed = eddsa_jcs::sign(&unsigned, &key, "2024-01-01T00:00:00Z").unwrap();
        assert_eq!(parse(signed.clone()).unwrap().proof, ProofStatus::Verified);
        let mut tampered = signed.clone();
        tampered["credentialSubject"]["trustworthiness"][0]["level"] = json!(-1);
        assert_eq!(reason(tampered.clone()), RejectReason::BadProof);
        // Checked together, each answers as it does alone, in its place.
        let read = |v: &Value| parse_credential(&v.to_string(), SourceText::owned(&v.to_string()), None);
        let together = check_signatures(vec![read(&tampered), read(&json!([])), read(&signed), read(&unsigned)]);
        let outcome: Vec<Result<ProofStatus, RejectReason>> =
            together.into_iter().map(|r| r.map(|c| c.proof).map_err(|e| e.0)).collect();
        assert_eq!(
            outcome,
            vec![
                Err(RejectReason::BadProof),
                Err(RejectReason::ParseError),
                Ok(ProofStatus::Verified),
                Ok(ProofStatus::Unproven)
            ]
        );
        // A valid proof by someone other than the issuer is refused too.
        let mut other_issuer = unsigned.clone();
        other_issuer["issuer"] = json!(A);
        let by_key_not_issuer = eddsa_jcs::sign(&other_issuer, &key, "2024-01-01T00:00:00Z").unwrap();
        assert_eq!(reason(by_key_not_issuer), RejectReason::BadProof);
    }
}
