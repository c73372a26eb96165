//! did:key for Ed25519 (multicodec 0xed01) and the Multikey secret-key form.

use ed25519_dalek::{SigningKey, VerifyingKey};
use multibase::Base;

/// Multicodec varint prefix of an Ed25519 public key (0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// Multicodec varint prefix of an Ed25519 private key (0x1300).
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// Why a did:key or key text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not of the form the function expects.
    #[error("{0}")]
    Malformed(String),
}

/// `z…` multibase (base58btc) of a multicodec-prefixed key.
fn multikey(prefix: [u8; 2], key: &[u8; 32]) -> String {
    let mut bytes = prefix.to_vec();
    bytes.extend_from_slice(key);
    multibase::encode(Base::Base58Btc, bytes)
}

/// Decodes a base58btc multikey with the given prefix.
fn parse_multikey(text: &str, prefix: [u8; 2], what: &str) -> Result<[u8; 32], KeyError> {
    let bad = || {
        KeyError::Malformed(format!(
            "{what} must be base58btc multibase ('z…') of a 0x{:02x}{:02x}-prefixed 32-byte key",
            prefix[0], prefix[1]
        ))
    };
    let (base, bytes) = multibase::decode(text).map_err(|_| bad())?;
    if base != Base::Base58Btc || bytes.len() != 34 || bytes[..2] != prefix {
        return Err(bad());
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[2..]);
    Ok(key)
}

/// The did:key of an Ed25519 public key, e.g. `did:key:z6Mk…`.
pub fn did_key(key: &VerifyingKey) -> String {
    format!("did:key:{}", multikey(ED25519_PUB, key.as_bytes()))
}

/// The verification method id of a did:key (`did:key:z…#z…`).
pub fn verification_method(key: &VerifyingKey) -> String {
    let fragment = multikey(ED25519_PUB, key.as_bytes());
    format!("did:key:{fragment}#{fragment}")
}

/// The Ed25519 public key named by a did:key or its verification method id.
pub fn parse_did_key(did: &str) -> Result<VerifyingKey, KeyError> {
    let rest = did.strip_prefix("did:key:").ok_or_else(|| KeyError::Malformed(format!("{did:?} is not a did:key")))?;
    let (id, fragment) = rest.split_once('#').unwrap_or((rest, rest));
    if id != fragment {
        return Err(KeyError::Malformed(format!("{did:?}: fragment does not match the key")));
    }
    let bytes = parse_multikey(id, ED25519_PUB, "an Ed25519 did:key")?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|e| KeyError::Malformed(format!("{did:?} is not a valid Ed25519 point: {e}")))?;
    if key.is_weak() {
        // Anyone can make signatures that such a key "verifies".
        return Err(KeyError::Malformed(format!("{did:?} is a small-order point, not a usable key")));
    }
    Ok(key)
}

/// [`parse_did_key`], remembering the keys this thread decoded last: a signer
/// signs many credentials, and decoding its point (a square root in the
/// field) is a sizeable part of checking a proof, not worth paying again
/// for each of them (docs/performance.md). Only valid keys are kept.
pub fn parse_did_key_memoised(did: &str) -> Result<VerifyingKey, KeyError> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    /// Bounds the memory a stream of distinct signers can take.
    const REMEMBERED: usize = 1024;
    thread_local! {
        static KEYS: RefCell<HashMap<String, VerifyingKey>> = RefCell::new(HashMap::new());
    }
    if let Some(key) = KEYS.with_borrow(|keys| keys.get(did).copied()) {
        return Ok(key);
    }
    let key = parse_did_key(did)?;
    KEYS.with_borrow_mut(|keys| {
        if keys.len() >= REMEMBERED {
            keys.clear();
        }
        keys.insert(did.to_owned(), key);
    });
    Ok(key)
}

/// The Multikey `secretKeyMultibase` text of a signing key (`z3u2…`).
pub fn secret_key_multibase(key: &SigningKey) -> String {
    multikey(ED25519_PRIV, &key.to_bytes())
}

/// Reads a `secretKeyMultibase` text.
pub fn parse_secret_key(text: &str) -> Result<SigningKey, KeyError> {
    parse_multikey(text.trim(), ED25519_PRIV, "an Ed25519 secret key").map(|seed| SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_key_types() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let did = did_key(&key.verifying_key());
        assert!(did.starts_with("did:key:z6Mk"));
        assert_eq!(parse_did_key(&did).unwrap(), key.verifying_key());
        assert_eq!(parse_did_key(&verification_method(&key.verifying_key())).unwrap(), key.verifying_key());
        assert_eq!(parse_secret_key(&secret_key_multibase(&key)).unwrap().to_bytes(), key.to_bytes());
        // A secp256k1 did:key (zQ3s…) is not Ed25519.
        assert!(parse_did_key("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme").is_err());
        assert!(parse_did_key("did:web:example.com").is_err());
    }

    #[test]
    fn small_order_keys_are_refused() {
        // The identity point (y = 1) and the point of order 2 (y = −1).
        let identity = VerifyingKey::from_bytes(&{
            let mut y = [0u8; 32];
            y[0] = 1;
            y
        })
        .unwrap();
        let minus_one = VerifyingKey::from_bytes(&{
            let mut y = [0xff; 32];
            y[0] = 0xec;
            y[31] = 0x7f;
            y
        })
        .unwrap();
        for weak in [identity, minus_one] {
            let err = parse_did_key(&did_key(&weak)).unwrap_err();
            assert!(err.to_string().contains("small-order"), "{err}");
        }
    }

    #[test]
    fn the_memoised_parse_answers_as_the_plain_one_past_its_bound() {
        let seed = |i: u32| {
            let mut bytes = [7; 32];
            bytes[..4].copy_from_slice(&i.to_le_bytes());
            bytes
        };
        let dids: Vec<String> =
            (0..1100).map(|i| verification_method(&SigningKey::from_bytes(&seed(i)).verifying_key())).collect();
        for did in dids.iter().chain(&dids) {
            assert_eq!(parse_did_key_memoised(did).unwrap(), parse_did_key(did).unwrap());
        }
        let bad = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme";
        assert!(parse_did_key_memoised(bad).is_err() && parse_did_key_memoised(bad).is_err());
    }
}
