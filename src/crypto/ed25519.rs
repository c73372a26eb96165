//! Ed25519 signature checks under the ZIP-215 rules (from `ed25519-zebra`),
//! one at a time or in batches.
//!
//! ZIP-215 is the rule set under which a batch accepts exactly the
//! signatures that single checks accept: the cofactored equation
//! `[8]([s]B − R − [k]A) = 0`, with `s` canonical. ed25519-dalek's
//! `verify_strict` checks the cofactorless equation, which no batch can
//! reproduce: a signature whose `R` carries a small-order component passes
//! a batch for about one coefficient choice in eight, so whether it is
//! accepted would depend on the signatures checked beside it. The two rules
//! differ only on signatures that the holder of the secret key alone can
//! make. Small-order public keys, for which anyone can make a signature
//! that passes the cofactored equation, are refused where a did:key is read
//! ([`super::did_key::parse_did_key`]).
//!
//! Batches are worth that choice: a batch is several times cheaper per
//! signature than single checks when it holds many signatures by the same
//! key, whose terms it folds into one (figures in docs/performance.md).

use ed25519_zebra::{Signature, VerificationKey, VerificationKeyBytes, batch};
use rayon::prelude::*;

/// Signatures per batch. A failed batch is checked again one signature at a
/// time, so a batch should stay small enough for that to be cheap.
const BATCH: usize = 128;

/// A signature over a message by a public key, to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMessage {
    /// The Ed25519 public key.
    pub key: [u8; 32],
    /// The 64-byte signature (`R ‖ s`).
    pub signature: [u8; 64],
    /// What was signed.
    pub message: Vec<u8>,
}

impl SignedMessage {
    fn item(&self) -> batch::Item {
        (VerificationKeyBytes::from(self.key), Signature::from_bytes(&self.signature), &self.message[..]).into()
    }
}

/// Whether the signature is valid.
pub fn verify(signed: &SignedMessage) -> bool {
    VerificationKey::try_from(signed.key)
        .and_then(|key| key.verify(&Signature::from_bytes(&signed.signature), &signed.message))
        .is_ok()
}

/// Whether each signature is valid, in order: the same answers as [`verify`]
/// on each, found in parallel batches of signatures by the same key (so that a
/// signer's bad signatures cost batches of its own, and a batch's terms by one
/// key are folded into one).
pub fn verify_all(signed: &[&SignedMessage]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..signed.len()).collect();
    order.sort_by_key(|&i| (signed[i].key, i));
    let checked: Vec<Vec<(usize, bool)>> = order
        .par_chunks(BATCH)
        .map(|chunk| {
            let mut verifier = batch::Verifier::new();
            for &i in chunk {
                verifier.queue(signed[i].item());
            }
            match verifier.verify(rand_core::OsRng) {
                Ok(()) => chunk.iter().map(|&i| (i, true)).collect(),
                Err(_) => chunk.iter().map(|&i| (i, verify(signed[i]))).collect(),
            }
        })
        .collect();
    let mut valid = vec![false; signed.len()];
    for (i, ok) in checked.into_iter().flatten() {
        valid[i] = ok;
    }
    valid
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(seed: u8, message: &[u8]) -> SignedMessage {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let signature = key.sign(message).to_bytes();
        SignedMessage { key: key.verifying_key().to_bytes(), signature, message: message.to_vec() }
    }

    #[test]
    fn a_batch_answers_as_single_checks_around_bad_signatures() {
        let mut all: Vec<SignedMessage> =
            (0..300u32).map(|i| signed((i % 3) as u8 + 1, format!("message {i}").as_bytes())).collect();
        for i in [5, 150, 299] {
            all[i].message.push(b'!'); // tampered after signing
        }
        all[77].signature[40] ^= 1; // a bad s
        all[78].signature[0] ^= 1; // a bad R
        let refs: Vec<&SignedMessage> = all.iter().collect();
        let batched = verify_all(&refs);
        let single: Vec<bool> = all.iter().map(verify).collect();
        assert_eq!(batched, single);
        let bad: Vec<usize> = (0..all.len()).filter(|&i| !batched[i]).collect();
        assert_eq!(bad, vec![5, 77, 78, 150, 299]);
        assert!(verify_all(&[]).is_empty());
    }

    #[test]
    fn a_signature_with_a_non_canonical_s_is_refused() {
        let mut s = signed(9, b"hello");
        assert!(verify(&s));
        // s + ℓ: the same point equation, but s is not reduced.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for (byte, add) in s.signature[32..].iter_mut().zip(l) {
            let sum = *byte as u16 + add as u16 + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        assert!(!verify(&s));
        assert_eq!(verify_all(&[&s, &signed(9, b"other")]), vec![false, true]);
    }
}
