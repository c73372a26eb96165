//! A realistic, seeded mix of trust credentials in every supported shape —
//! for `scoreset sample-data`, the end-to-end tests and the ingest benchmark.
//!
//! Peers are EVM accounts spelled in mixed case and in the `did:pkh:eth:`
//! form (normalisation must merge them), a few `did:key` issuers sign their
//! credentials, auditors publish security assertions that others endorse or
//! dispute, reviewers review Snap versions, some issuers withdraw or revoke
//! earlier statements, some credentials expire or are issued after `as_of`,
//! and a known number of records is deliberately broken, one kind per
//! reject reason.

use crate::as_of::format_ms;
use crate::crypto::{canonical_json, cid_of, did_key, eddsa_jcs};
use crate::ingest::CredentialType;
use ed25519_dalek::SigningKey;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The `as_of` the sample is made for.
pub const SAMPLE_AS_OF: &str = "2025-01-01T00:00:00Z";
/// Scopes the sample's pipeline computes (its expected `unknown_scope` rejects assume them).
pub const SAMPLE_SCOPES: [&str; 2] = ["Software security", "Software development"];

/// A generated sample.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// One JSON credential per line.
    pub credentials: Vec<String>,
    /// `DID weight` lines of the pre-trusted roots.
    pub pretrust: Vec<String>,
    /// How many records were made to be rejected, per reason code.
    pub expected_rejects: BTreeMap<&'static str, u64>,
}

const SCOPES: [&str; 3] = ["Software security", "Software development", "Honesty"];
const LEVELS: [f64; 6] = [-1.0, -0.5, 0.25, 0.5, 1.0, 1.0];
const DAY_MS: i64 = 86_400_000;

/// Makes `n` credentials (plus the pre-trust) from `seed`.
pub fn sample(n: usize, seed: u64) -> Sample {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let accounts: Vec<[u8; 20]> = (0..(n / 12).max(40)).map(|_| rng.random()).collect();
    let signers: Vec<SigningKey> = (0..5).map(|_| SigningKey::from_bytes(&rng.random())).collect();
    let snaps: Vec<String> = (0..20).map(|_| base64_id(&mut rng)).collect();
    let as_of_ms = crate::as_of::parse_time_ms(SAMPLE_AS_OF).unwrap_or(0);
    let mut out = Sample::default();
    for root in &accounts[..5] {
        out.pretrust.push(format!("{} 1", spell(root, 0)));
    }
    let mut issued: Vec<(usize, String)> = Vec::new(); // (issuer account, CID) of revocable credentials
    let mut security_cids: Vec<String> = Vec::new();

    for k in 0..n {
        let issuer_ix = rng.random_range(0..accounts.len());
        let issuer = spell(&accounts[issuer_ix], rng.random_range(0..4));
        let mut subject_ix = rng.random_range(0..accounts.len());
        if subject_ix == issuer_ix {
            subject_ix = (subject_ix + 1) % accounts.len();
        }
        let subject = spell(&accounts[subject_ix], rng.random_range(0..4));
        let age_days = rng.random_range(0..400);
        let mut when = as_of_ms - age_days * DAY_MS - rng.random_range(0..DAY_MS);
        if rng.random_ratio(1, 50) {
            when = as_of_ms + rng.random_range(1..30) * DAY_MS; // issued after as_of
        }
        let date = format_ms(when);
        let roll = rng.random_range(0..100);
        let mut doc = match roll {
            0..45 => {
                let count = rng.random_range(1..=3);
                let mut entries = Vec::new();
                for scope in SCOPES {
                    if entries.len() == count || !rng.random_bool(0.6) {
                        continue;
                    }
                    let level = if rng.random_ratio(1, 20) { 0.0 } else { LEVELS[rng.random_range(0..LEVELS.len())] };
                    entries.push(json!({"scope": scope, "level": level, "reason": []}));
                }
                if entries.is_empty() {
                    entries.push(json!({"scope": SCOPES[0], "level": 1.0, "reason": []}));
                }
                let kind = if rng.random_bool(0.5) { CredentialType::PeerTrust } else { CredentialType::Trust };
                credential(kind, &issuer, &date, json!({"id": subject, "trustworthiness": entries}))
            }
            45..55 => {
                let level = ["Low", "Medium", "High"][rng.random_range(0..3)];
                let scope = SCOPES[rng.random_range(0..2)];
                credential(
                    CredentialType::AccountTrust,
                    &issuer,
                    &date,
                    json!({"id": subject, "trustFor": scope, "trustLevel": level}),
                )
            }
            55..60 => credential(
                CredentialType::AccountDistrust,
                &issuer,
                &date,
                json!({"id": subject, "distrustReason": "Scam"}),
            ),
            60..80 => {
                let snap = &snaps[rng.random_range(0..snaps.len())];
                let status = if rng.random_bool(0.7) { "Endorsed" } else { "Disputed" };
                let id = if rng.random_bool(0.5) { format!("snap://{snap}") } else { format!("did:snap:{snap}") };
                credential(CredentialType::Review, &issuer, &date, json!({"id": id, "currentStatus": status}))
            }
            80..88 => {
                let snap = &snaps[rng.random_range(0..snaps.len())];
                let findings = ["None", "Low", "Medium", "Critical"][rng.random_range(0..4)];
                let id = format!("did:snap:{snap}?version=1.{}.0", rng.random_range(0..3));
                credential(CredentialType::SecurityAssertion, &issuer, &date, json!({"id": id, "findings": findings}))
            }
            88..93 if !security_cids.is_empty() => {
                let target = &security_cids[rng.random_range(0..security_cids.len())];
                let kind = if rng.random_bool(0.6) { CredentialType::Endorsement } else { CredentialType::Dispute };
                credential(kind, &issuer, &date, json!({"id": format!("ipfs://{target}")}))
            }
            93..96 if !issued.is_empty() => {
                let (by, target) = issued[rng.random_range(0..issued.len())].clone();
                let mut doc = credential(CredentialType::PeerTrust, &spell(&accounts[by], 0), &date, Value::Null);
                doc.as_object_mut().map(|o| o.remove("credentialSubject"));
                doc["credentialStatus"] = json!({"id": format!("ipfs://{target}"), "type": "CredentialStatus", "statusPurpose": "revocation"});
                doc
            }
            _ => {
                let key = &signers[rng.random_range(0..signers.len())];
                let did = did_key::did_key(&key.verifying_key());
                let level = LEVELS[rng.random_range(0..LEVELS.len())];
                let mut doc = credential(
                    CredentialType::PeerTrust,
                    &did,
                    &date,
                    json!({"id": subject, "trustworthiness": [{"scope": SCOPES[0], "level": level}]}),
                );
                doc["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
                doc.as_object_mut().map(|o| o.remove("proof"));
                eddsa_jcs::sign(&doc, key, &date).unwrap_or(doc)
            }
        };
        if rng.random_ratio(1, 20) && doc.get("proof").is_some_and(|p| p.as_object().is_some_and(|o| o.is_empty())) {
            doc["validUntil"] = json!(format_ms(as_of_ms - rng.random_range(1..100) * DAY_MS)); // expired
        }
        // Every 25th record is broken, cycling through the reject reasons.
        let broken = (k % 25 == 24).then(|| break_record(&mut doc, k / 25 % BREAKS.len()));
        let text = match broken {
            Some("parse_error") => doc.to_string()[..20].to_owned(),
            _ => doc.to_string(),
        };
        match broken {
            Some(reason) => *out.expected_rejects.entry(reason).or_insert(0) += 1,
            None => {
                let cid = canonical_json(&doc).map(|c| cid_of(&c).to_string()).unwrap_or_default();
                let kinds = doc["type"].to_string();
                if kinds.contains(CredentialType::SecurityAssertion.name()) {
                    security_cids.push(cid.clone());
                }
                if kinds.contains(CredentialType::PeerTrust.name()) && doc.get("credentialStatus").is_none() {
                    issued.push((issuer_ix, cid));
                }
                if only_positive_honesty(&doc) {
                    *out.expected_rejects.entry("unknown_scope").or_insert(0) += 1;
                }
            }
        }
        out.credentials.push(text);
    }
    out
}

/// The kinds of deliberate damage, by the reject reason they must cause.
const BREAKS: [&str; 8] = [
    "invalid_did",
    "level_out_of_range",
    "bad_date",
    "unknown_type",
    "self_trust",
    "parse_error",
    "missing_field",
    "bad_proof",
];

fn break_record(doc: &mut Value, which: usize) -> &'static str {
    let reason = BREAKS[which];
    let subject_is_peer = doc["credentialSubject"]["trustworthiness"].is_array();
    match reason {
        "invalid_did" => doc["issuer"] = json!("did:pkh:eth:mallory.eth"),
        "level_out_of_range" | "self_trust" | "bad_proof" if !subject_is_peer => {
            doc["issuanceDate"] = json!("last week");
            return "bad_date";
        }
        "level_out_of_range" => doc["credentialSubject"]["trustworthiness"][0]["level"] = json!(1.5),
        "bad_date" => doc["issuanceDate"] = json!("last week"),
        "unknown_type" => {
            doc["type"] = json!(["VerifiableCredential", "DiplomaCredential"]);
            doc.as_object_mut().map(|o| o.remove("credentialStatus"));
        }
        "self_trust" => doc["credentialSubject"]["id"] = doc["issuer"].clone(),
        "missing_field" => {
            doc.as_object_mut().map(|o| o.remove("issuer"));
        }
        "bad_proof" => {
            let key = SigningKey::from_bytes(&[0x5a; 32]);
            doc["issuer"] = json!(did_key::did_key(&key.verifying_key()));
            doc.as_object_mut().map(|o| o.remove("proof"));
            if let Ok(signed) = eddsa_jcs::sign(doc, &key, "2024-01-01T00:00:00Z") {
                *doc = signed;
            }
            doc["credentialSubject"]["trustworthiness"][0]["level"] = json!(0.123); // tampered after signing
        }
        _ => {}
    }
    reason
}

/// Whether a (valid) trust credential speaks only of non-negative Honesty:
/// the sample pipeline computes neither scope, so it is refused.
fn only_positive_honesty(doc: &Value) -> bool {
    doc["credentialSubject"]["trustworthiness"].as_array().is_some_and(|entries| {
        entries.iter().all(|e| e["scope"] == "Honesty" && e["level"].as_f64().unwrap_or(0.0) >= 0.0)
    })
}

fn credential(kind: CredentialType, issuer: &str, date: &str, subject: Value) -> Value {
    json!({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential", kind.name()],
        "issuer": issuer, "issuanceDate": date, "credentialSubject": subject, "proof": {}})
}

/// An account DID in one of several spellings that normalise to the same id.
fn spell(address: &[u8; 20], style: u32) -> String {
    let hex: String = address.iter().map(|b| format!("{b:02x}")).collect();
    let mixed: String =
        hex.chars().enumerate().map(|(i, c)| if i % 3 == 0 { c.to_ascii_uppercase() } else { c }).collect();
    match style {
        0 => format!("did:pkh:eip155:1:0x{hex}"),
        1 => format!("did:pkh:eip155:1:0x{mixed}"),
        2 => format!("did:pkh:eth:0x{mixed}"),
        _ => format!("did:eth:0x{hex}"),
    }
}

fn base64_id(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: String = (0..43).map(|_| ALPHABET[rng.random_range(0..64)] as char).collect();
    format!("{body}=")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_covering_every_shape() {
        let a = sample(600, 1);
        assert_eq!(a.credentials, sample(600, 1).credentials);
        assert_ne!(a.credentials, sample(600, 2).credentials);
        let all = a.credentials.join("\n");
        for shape in CredentialType::ALL.map(CredentialType::name).into_iter().chain([
            "statusPurpose",
            "eddsa-jcs-2022",
            "did:pkh:eth:",
            "snap://",
            "validUntil",
        ]) {
            assert!(all.contains(shape), "{shape} missing");
        }
        // Every 25th record is broken; unknown_scope ones come on top.
        let broken: u64 = a.expected_rejects.iter().filter(|(r, _)| **r != "unknown_scope").map(|(_, n)| n).sum();
        assert_eq!(broken, 600 / 25);
    }
}
