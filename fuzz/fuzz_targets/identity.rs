//! Identity normalisation (`ingest::identity`) and the other identifier
//! parsers readers lean on. For any text:
//! - `normalise_did`: the canonical form is trimmed, ASCII, a `did:` id, and
//!   canonical again (idempotent); EVM spellings come out lower-case;
//! - `normalise_artifact`: idempotent (id and version written back read the same);
//! - `assertion_reference`: the CID it names is itself a reference to the
//!   same CID, bare or as `ipfs://`;
//! - `records::normalise_hash`: 64 lower-case hex digits, idempotent;
//! - `did_key::parse_did_key`: the key's own did:key reads back as the key,
//!   and the memoised parser answers alike;
//! - `as_of::parse_time_ms`: the instant written back (`format_ms`) reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::as_of::{format_ms, parse_time_ms};
use scoreset::crypto::did_key;
use scoreset::ingest::identity::{assertion_reference, normalise_artifact, normalise_did};
use scoreset::ingest::records::normalise_hash;

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    if let Ok(did) = normalise_did(text) {
        assert!(did.is_ascii() && did.starts_with("did:"), "{did:?}");
        assert_eq!(did.trim(), did, "canonical DID has surrounding whitespace");
        assert_eq!(normalise_did(&did).as_deref(), Ok(did.as_str()), "normalise_did is not idempotent");
        if let Some(address) = did.strip_prefix("did:pkh:eip155:").and_then(|r| r.rsplit(':').next())
            && address.len() == 42
            && address.starts_with("0x")
        {
            assert_eq!(address, address.to_ascii_lowercase(), "EVM address not lower-cased");
        }
    }

    if let Ok(artifact) = normalise_artifact(text) {
        assert!(artifact.id.starts_with("did:"), "artifact id {:?}", artifact.id);
        assert!(artifact.version.as_deref().is_none_or(|v| !v.is_empty() && !v.contains('&')));
        let written = match &artifact.version {
            Some(v) => format!("{}?version={v}", artifact.id),
            None => artifact.id.clone(),
        };
        assert_eq!(normalise_artifact(&written).as_ref(), Ok(&artifact), "normalise_artifact is not idempotent");
    }

    if let Ok(cid) = assertion_reference(text) {
        assert_eq!(assertion_reference(&cid).as_deref(), Ok(cid.as_str()), "bare CID reads differently");
        assert_eq!(assertion_reference(&format!("ipfs://{cid}")).as_deref(), Ok(cid.as_str()), "ipfs:// CID");
    }

    if let Some(hash) = normalise_hash(text) {
        assert!(hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{hash:?}");
        assert_eq!(normalise_hash(&hash).as_deref(), Some(hash.as_str()), "normalise_hash is not idempotent");
    }

    let key = did_key::parse_did_key(text);
    let memoised = did_key::parse_did_key_memoised(text);
    assert_eq!(key.as_ref().ok(), memoised.as_ref().ok(), "memoised did:key parse differs");
    if let Ok(key) = key {
        let did = did_key::did_key(&key);
        assert_eq!(did_key::parse_did_key(&did).ok(), Some(key), "a key's did:key does not read back");
        assert_eq!(did_key::parse_did_key(&did_key::verification_method(&key)).ok(), Some(key));
        assert_eq!(normalise_did(&did).as_deref(), Ok(did.as_str()), "a did:key is not a canonical DID");
    }

    if let Some(ms) = parse_time_ms(text) {
        assert_eq!(parse_time_ms(&format_ms(ms)), Some(ms), "an instant written back reads differently");
    }
});
