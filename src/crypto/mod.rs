//! Integrity primitives shared by every stage that checks or produces proofs:
//! content ids, did:key identifiers, key files and the eddsa-jcs-2022 Data
//! Integrity cryptosuite. Standard encodings come from well-kept crates
//! (RFC 8785 from `serde_json_canonicalizer`, Ed25519 from `ed25519-dalek`,
//! multibase/CID from `multibase`/`cid`); this module only composes them.

pub mod content;
pub mod did_key;
pub mod eddsa_jcs;
pub mod keyfile;

pub use content::{Digest, cid_of, digest_bytes, digest_file};

/// RFC 8785 (JCS) canonical bytes of a JSON value.
pub fn canonical_json(value: &impl serde::Serialize) -> Result<Vec<u8>, serde_json::Error> {
    serde_json_canonicalizer::to_vec(value)
}
