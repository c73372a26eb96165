//! The W3C Data Integrity cryptosuite `eddsa-jcs-2022`: a document and its
//! proof configuration are canonicalised with RFC 8785, hashed with SHA-256
//! (proof config hash ‖ document hash), and signed with Ed25519; the
//! signature is written as base58btc multibase in `proofValue`.

use super::canonical_value;
use super::did_key::{self, KeyError};
use super::ed25519::{self, SignedMessage};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// The cryptosuite identifier.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// Why a proof does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The document carries no `proof`.
    #[error("the document has no proof")]
    Missing,
    /// The proof is not an eddsa-jcs-2022 Data Integrity proof we can read.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The verification method is not an Ed25519 did:key.
    #[error("verification method: {0}")]
    Key(#[from] KeyError),
    /// Everything is well-formed but the signature is not valid for this content.
    #[error("the signature does not match the document")]
    BadSignature,
}

/// A verified proof: who signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The proof's `verificationMethod`.
    pub verification_method: String,
    /// The did:key of the signer (the method without its fragment).
    pub signer: String,
}

/// The proof configuration: proof options (`type`, `cryptosuite`, `created`,
/// `verificationMethod`, `proofPurpose`) plus the document's `@context`.
pub fn proof_config(document: &Value, created: &str, verification_method: &str) -> Value {
    let mut config = Map::new();
    config.insert("type".into(), "DataIntegrityProof".into());
    config.insert("cryptosuite".into(), CRYPTOSUITE.into());
    config.insert("created".into(), created.into());
    config.insert("verificationMethod".into(), verification_method.into());
    config.insert("proofPurpose".into(), "assertionMethod".into());
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    Value::Object(config)
}

/// hashData = SHA-256(JCS(proof config)) ‖ SHA-256(JCS(unsecured document)).
pub fn hash_data(unsecured: &Value, proof_config: &Value) -> Result<[u8; 64], serde_json::Error> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical_value(proof_config)?));
    out[32..].copy_from_slice(&Sha256::digest(canonical_value(unsecured)?));
    Ok(out)
}

/// Signs `unsecured` (which must not already hold a proof); returns the
/// secured document with its `proof`.
pub fn sign(unsecured: &Value, key: &SigningKey, created: &str) -> Result<Value, ProofError> {
    let Value::Object(fields) = unsecured else {
        return Err(ProofError::Malformed("only a JSON object can be signed".into()));
    };
    if fields.contains_key("proof") {
        return Err(ProofError::Malformed("the document already holds a proof (proof sets are not supported)".into()));
    }
    let vm = did_key::verification_method(&key.verifying_key());
    let config = proof_config(unsecured, created, &vm);
    let hash = hash_data(unsecured, &config).map_err(|e| ProofError::Malformed(e.to_string()))?;
    let signature = key.sign(&hash);
    let mut proof = config;
    proof["proofValue"] = multibase::encode(multibase::Base::Base58Btc, signature.to_bytes()).into();
    let mut secured = fields.clone();
    secured.insert("proof".into(), proof);
    Ok(Value::Object(secured))
}

/// A proof read and its hashData computed: everything of a verification but
/// the signature check itself, which [`ed25519::verify_all`] can batch.
#[derive(Debug, Clone)]
pub struct ReadProof {
    /// The proof's `verificationMethod`.
    pub verification_method: String,
    /// The did:key the proof names as signer (the method without its fragment).
    pub signer: String,
    /// The signature over hashData, by the did:key's public key.
    pub signed: SignedMessage,
}

/// Verifies the single eddsa-jcs-2022 proof of `secured` whose verification
/// method is an Ed25519 did:key (Ed25519 under the ZIP-215 rules, see [`ed25519`]).
pub fn verify(secured: &Value) -> Result<Verified, ProofError> {
    let proof = read_proof(secured)?;
    if !ed25519::verify(&proof.signed) {
        return Err(ProofError::BadSignature);
    }
    Ok(Verified { verification_method: proof.verification_method, signer: proof.signer })
}

/// Reads the proof of `secured` and computes what its signature signs.
pub fn read_proof(secured: &Value) -> Result<ReadProof, ProofError> {
    let malformed = |m: &str| ProofError::Malformed(m.to_owned());
    let Value::Object(fields) = secured else {
        return Err(malformed("the document is not a JSON object"));
    };
    let mut unsecured = fields.clone();
    let proof = unsecured.remove("proof").ok_or(ProofError::Missing)?;
    let Value::Object(mut options) = proof else {
        return Err(malformed("proof is not a single object (proof sets and chains are not supported)"));
    };
    if options.get("type") != Some(&Value::from("DataIntegrityProof")) {
        return Err(malformed("proof type is not DataIntegrityProof"));
    }
    if options.get("cryptosuite") != Some(&Value::from(CRYPTOSUITE)) {
        return Err(malformed("cryptosuite is not eddsa-jcs-2022"));
    }
    let proof_value = options.remove("proofValue").ok_or_else(|| malformed("proofValue is missing"))?;
    let proof_value = proof_value.as_str().ok_or_else(|| malformed("proofValue is not a string"))?;
    let signature: [u8; 64] = match multibase::decode(proof_value) {
        Ok((multibase::Base::Base58Btc, bytes)) => {
            bytes.try_into().map_err(|_| malformed("proofValue is not a 64-byte signature"))?
        }
        _ => return Err(malformed("proofValue is not base58btc multibase")),
    };
    if let Some(context) = options.get("@context") {
        if !context_starts_with(fields.get("@context"), context) {
            return Err(malformed("the document's @context does not start with the proof's @context"));
        }
        unsecured.insert("@context".into(), context.clone());
    }
    let vm = options
        .get("verificationMethod")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("verificationMethod is missing"))?
        .to_owned();
    let key: VerifyingKey = did_key::parse_did_key_memoised(&vm)?;
    let hash = hash_data(&Value::Object(unsecured), &Value::Object(options)).map_err(|e| malformed(&e.to_string()))?;
    let signed = SignedMessage { key: key.to_bytes(), signature, message: hash.to_vec() };
    let signer = vm.split_once('#').map_or(vm.as_str(), |(did, _)| did).to_owned();
    Ok(ReadProof { verification_method: vm, signer, signed })
}

/// Whether the document's `@context` starts with every value of the proof's, in order.
fn context_starts_with(document: Option<&Value>, proof: &Value) -> bool {
    let as_list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    match document {
        Some(doc) => {
            let (doc, proof) = (as_list(doc), as_list(proof));
            doc.len() >= proof.len() && doc[..proof.len()] == proof[..]
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sign_then_verify_and_tamper() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "n": 1.5});
        let signed = sign(&doc, &key, "2026-01-01T00:00:00Z").unwrap();
        let ok = verify(&signed).unwrap();
        assert_eq!(ok.signer, did_key::did_key(&key.verifying_key()));

        let mut changed = signed.clone();
        changed["n"] = json!(2);
        assert!(matches!(verify(&changed), Err(ProofError::BadSignature)));
        let mut other_created = signed.clone();
        other_created["proof"]["created"] = json!("2026-01-02T00:00:00Z");
        assert!(matches!(verify(&other_created), Err(ProofError::BadSignature)));
        assert!(matches!(verify(&doc), Err(ProofError::Missing)));
        assert!(matches!(sign(&signed, &key, "2026-01-01T00:00:00Z"), Err(ProofError::Malformed(_))));
    }
}
