//! Third-party signing vectors (../shared/vectors/signing): W3C eddsa-jcs-2022
//! at every step, did:key, RFC 8785 (JCS) including 100,000 ES6 number
//! cases, and the CARv1 sample.

mod common;

use common::shared;
use ed25519_dalek::Signer;
use scoreset::crypto::car;
use scoreset::crypto::{canonical_json, canonical_value, cid_of, did_key, eddsa_jcs};
use scoreset::numeric::es6_number;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs;

fn text(rel: &str) -> String {
    fs::read_to_string(shared(rel)).unwrap().trim_end().to_owned()
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&text(rel)).unwrap()
}

const JCS: &str = "vectors/signing/vc-di-eddsa/TestVectors/eddsa-jcs-2022";

#[test]
fn w3c_eddsa_jcs_2022_every_step() {
    let unsigned = json("vectors/signing/vc-di-eddsa/TestVectors/unsigned.json");
    let keys = json("vectors/signing/vc-di-eddsa/TestVectors/keyPair.json");
    let key = did_key::parse_secret_key(keys["privateKeyMultibase"].as_str().unwrap()).unwrap();
    let public = format!("did:key:{}", keys["publicKeyMultibase"].as_str().unwrap());
    assert_eq!(did_key::did_key(&key.verifying_key()), public);

    // Canonical document.
    let canonical_doc = canonical_json(&unsigned).unwrap();
    assert_eq!(String::from_utf8(canonical_doc.clone()).unwrap(), text(&format!("{JCS}/canonDocJCS.txt")));
    // Proof configuration and its canonical form.
    let expected_config = json(&format!("{JCS}/proofConfigJCS.json"));
    let vm = did_key::verification_method(&key.verifying_key());
    let config = eddsa_jcs::proof_config(&unsigned, expected_config["created"].as_str().unwrap(), &vm);
    assert_eq!(config, expected_config);
    let canonical_config = canonical_json(&config).unwrap();
    assert_eq!(String::from_utf8(canonical_config.clone()).unwrap(), text(&format!("{JCS}/proofCanonJCS.txt")));
    // Both hashes and hashData.
    assert_eq!(hex::encode(Sha256::digest(&canonical_config)), text(&format!("{JCS}/proofHashJCS.txt")));
    assert_eq!(hex::encode(Sha256::digest(&canonical_doc)), text(&format!("{JCS}/docHashJCS.txt")));
    let hash_data = eddsa_jcs::hash_data(&unsigned, &config).unwrap();
    assert_eq!(hex::encode(hash_data), text(&format!("{JCS}/combinedHashJCS.txt")));
    // Signature bytes and proofValue.
    let signature = key.sign(&hash_data);
    assert_eq!(hex::encode(signature.to_bytes()), text(&format!("{JCS}/sigHexJCS.txt")));
    let proof_value = multibase::encode(multibase::Base::Base58Btc, signature.to_bytes());
    assert_eq!(proof_value, text(&format!("{JCS}/sigBTC58JCS.txt")));
    // The whole signed document, and verification of the published one.
    let signed = json(&format!("{JCS}/signedJCS.json"));
    assert_eq!(eddsa_jcs::sign(&unsigned, &key, expected_config["created"].as_str().unwrap()).unwrap(), signed);
    let verified = eddsa_jcs::verify(&signed).unwrap();
    assert_eq!(verified.signer, public);
    let mut tampered = signed.clone();
    tampered["credentialSubject"]["alumniOf"] = "Another School".into();
    assert!(matches!(eddsa_jcs::verify(&tampered), Err(eddsa_jcs::ProofError::BadSignature)));
}

#[test]
fn did_key_ed25519_vectors() {
    let vectors = json("vectors/signing/did-key/test-vectors/ed25519-x25519.json");
    let vectors = vectors.as_object().unwrap();
    assert_eq!(vectors.len(), 5);
    for (did, case) in vectors {
        let seed: [u8; 32] = hex::decode(case["seed"].as_str().unwrap()).unwrap().try_into().unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        assert_eq!(&did_key::did_key(&key), did);
        let pair = &case["verificationKeyPair"];
        match (pair["publicKeyBase58"].as_str(), pair["publicKeyJwk"]["x"].as_str()) {
            (Some(base58), _) => {
                assert_eq!(multibase::encode(multibase::Base::Base58Btc, key.as_bytes()), format!("z{base58}"))
            }
            (None, Some(x)) => {
                use base64::Engine;
                assert_eq!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes()), x)
            }
            _ => panic!("{did}: no public key in the vector"),
        }
        assert_eq!(did_key::parse_did_key(did).unwrap(), key);
        let method = case["didDocument"]["verificationMethod"][0]["id"].as_str().unwrap();
        assert_eq!(did_key::parse_did_key(method).unwrap(), key);
    }
}

#[test]
fn rfc8785_testdata() {
    let dir = shared("vectors/signing/jcs-rfc8785/testdata");
    let mut names: Vec<_> = fs::read_dir(dir.join("input")).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names.len(), 6);
    for name in names {
        let input: Value = serde_json::from_slice(&fs::read(dir.join("input").join(&name)).unwrap()).unwrap();
        let expected = fs::read(dir.join("output").join(&name)).unwrap();
        assert_eq!(canonical_json(&input).unwrap(), expected, "{name:?}");
        assert_eq!(canonical_value(&input).unwrap(), expected, "fast path, {name:?}");
    }
}

#[test]
fn es6_numbers_100k_through_the_output_paths() {
    let cases = fs::read_to_string(shared("vectors/signing/jcs-rfc8785/es6testfile100k.txt")).unwrap();
    let mut count = 0;
    for line in cases.lines() {
        let (bits, expected) = line.split_once(',').unwrap();
        let x = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
        assert_eq!(String::from_utf8(canonical_json(&x).unwrap()).unwrap(), expected, "JSON, bits {bits}");
        let value = Value::from(x);
        assert_eq!(String::from_utf8(canonical_value(&value).unwrap()).unwrap(), expected, "fast path, bits {bits}");
        assert_eq!(es6_number(x), expected, "CSV, bits {bits}");
        count += 1;
    }
    assert_eq!(count, 100_000);
}

#[test]
fn car_sample_root_and_bytes_are_reproduced() {
    let sample = fs::read(shared("vectors/signing/ipfs-hello-world-raw.car")).unwrap();
    let (roots, blocks) = car::read_car(&sample).unwrap();
    let root = cid_of(b"hello world");
    assert_eq!(root.to_string(), "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
    assert_eq!(roots, vec![root]);
    assert_eq!(blocks, vec![(root, b"hello world".to_vec())]);
    assert_eq!(car::write_car(root, &[(root, b"hello world")]).unwrap(), sample);
}
