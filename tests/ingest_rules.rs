//! Ingest and combine rules, each checked against a hand-made expected graph:
//! per scope, the (truster, trustee, value) statements that hold at `as_of`.

mod common;

use common::shared;
use scoreset::combine::{Combined, DecayParams, combine};
use scoreset::crypto::{canonical_json, cid_of};
use scoreset::ingest::{IngestOptions, Ingested, PretrustSpec, SourceFormat, SourceSpec, ingest};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const A: &str = "did:pkh:eip155:1:0x00000000000000000000000000000000000000aa";
const B: &str = "did:pkh:eip155:1:0x00000000000000000000000000000000000000bb";
const C: &str = "did:pkh:eip155:1:0x00000000000000000000000000000000000000cc";
const SEC: &str = "Software security";
const DEV: &str = "Software development";
/// as_of of every test: 2024-06-01T00:00:00Z.
const AS_OF: &str = "2024-06-01T00:00:00Z";

fn as_of_ms() -> i64 {
    scoreset::as_of::parse_time_ms(AS_OF).unwrap()
}

fn trust(issuer: &str, subject: &str, scope: &str, level: f64, issued: &str) -> Value {
    json!({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential", "PeerTrustCredential"],
        "issuer": issuer, "issuanceDate": issued,
        "credentialSubject": {"id": subject, "trustworthiness": [{"scope": scope, "level": level, "reason": []}]}})
}

fn source(format: SourceFormat, path: &str) -> SourceSpec {
    SourceSpec { format, path: PathBuf::from(path), header: false, value_scale: 1.0, scope: "default".into() }
}

/// Writes `credentials` as vc-jsonl and ingests + combines them.
fn run(credentials: &[Value], scopes: &[&str], decay: Option<f64>) -> (Ingested, Combined) {
    let dir = tempfile::tempdir().unwrap();
    let text: String = credentials.iter().map(|c| format!("{c}\n")).collect();
    std::fs::write(dir.path().join("c.jsonl"), text).unwrap();
    run_sources(dir.path(), &[source(SourceFormat::VcJsonl, "c.jsonl")], scopes, decay)
}

fn run_sources(dir: &Path, sources: &[SourceSpec], scopes: &[&str], decay: Option<f64>) -> (Ingested, Combined) {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let options = IngestOptions { scopes: scopes.clone(), require_proofs: false, ..Default::default() };
    let mut ingested = ingest(sources, &PretrustSpec::default(), &options, dir, "p.toml").unwrap();
    let combined =
        combine(&mut ingested, &scopes, &DecayParams { half_life_days: decay, ..DecayParams::default() }, as_of_ms());
    (ingested, combined)
}

/// The graph: scope → sorted (truster, trustee, value).
fn graph(ingested: &Ingested, combined: &Combined) -> BTreeMap<String, Vec<(String, String, f64)>> {
    combined
        .scopes
        .iter()
        .map(|(scope, edges)| {
            let name = |i: u32| ingested.id(i).into_owned();
            let mut list: Vec<_> = edges.iter().map(|e| (name(e.truster), name(e.trustee), e.value)).collect();
            list.sort_by(|a, b| a.partial_cmp(b).unwrap());
            (scope.clone(), list)
        })
        .collect()
}

fn edges(list: &[(&str, &str, f64)]) -> Vec<(String, String, f64)> {
    let mut list: Vec<_> = list.iter().map(|(a, b, v)| (a.to_string(), b.to_string(), *v)).collect();
    list.sort_by(|a, b| a.partial_cmp(b).unwrap());
    list
}

fn only(scope: &str, list: &[(&str, &str, f64)]) -> BTreeMap<String, Vec<(String, String, f64)>> {
    BTreeMap::from([(scope.to_owned(), edges(list))])
}

fn inactive(combined: &Combined) -> Vec<(&'static str, u64)> {
    combined.inactive.iter().map(|(k, v)| (*k, *v)).collect()
}

#[test]
fn latest_wins_and_level_zero_withdraws() {
    let withdrawn = [trust(A, B, SEC, 1.0, "2024-01-01T00:00:00Z"), trust(A, B, SEC, 0.0, "2024-02-01T00:00:00Z")];
    let (i, c) = run(&withdrawn, &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[]));
    assert_eq!(inactive(&c), [("superseded", 1), ("withdrawn", 1)]);

    // Re-endorsed after the withdrawal: the newest level holds. Input order does not matter.
    let mut again = withdrawn.to_vec();
    again.insert(0, trust(A, B, SEC, 0.5, "2024-03-01T00:00:00Z"));
    let (i, c) = run(&again, &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 0.5)]));
    assert_eq!(inactive(&c), [("superseded", 2)]);
}

#[test]
fn equal_issuance_times_break_ties_by_the_larger_cid() {
    let x = trust(A, B, SEC, 0.25, "2024-01-01T00:00:00Z");
    let y = trust(A, B, SEC, 0.75, "2024-01-01T00:00:00Z");
    let cid = |v: &Value| cid_of(&canonical_json(v).unwrap()).to_string();
    let winner = if cid(&x) > cid(&y) { 0.25 } else { 0.75 };
    for order in [[x.clone(), y.clone()], [y.clone(), x.clone()]] {
        let (i, c) = run(&order, &[SEC], None);
        assert_eq!(graph(&i, &c), only(SEC, &[(A, B, winner)]));
    }
}

#[test]
fn revocation_by_cid_removes_the_assertion_only_for_its_issuer() {
    let assertion = trust(A, B, SEC, 1.0, "2024-01-01T00:00:00Z");
    let target = cid_of(&canonical_json(&assertion).unwrap()).to_string();
    let revoke = |issuer: &str| {
        json!({"type": ["VerifiableCredential", "PeerTrustCredential"], "issuer": issuer, "issuanceDate": "2024-02-01T00:00:00Z",
            "credentialStatus": {"id": format!("ipfs://{target}"), "type": "CredentialStatus", "statusPurpose": "revocation"}})
    };
    let (i, c) = run(&[assertion.clone(), revoke(A), trust(C, B, SEC, 0.5, "2024-01-01T00:00:00Z")], &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[(C, B, 0.5)]));
    assert_eq!(inactive(&c), [("revoked", 1)]);
    // Somebody else cannot revoke A's assertion.
    let (i, c) = run(&[assertion.clone(), revoke(C)], &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 1.0)]));
    // A revocation issued after as_of does not count yet.
    let mut late = revoke(A);
    late["issuanceDate"] = json!("2024-07-01T00:00:00Z");
    let (i, c) = run(&[assertion, late], &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 1.0)]));
}

#[test]
fn revocation_names_the_cid_in_any_multibase_but_not_under_another_codec() {
    let assertion = trust(A, B, SEC, 1.0, "2024-01-01T00:00:00Z");
    let target = cid_of(&canonical_json(&assertion).unwrap());
    let revoke = |cid: String| {
        json!({"type": ["VerifiableCredential", "PeerTrustCredential"], "issuer": A, "issuanceDate": "2024-02-01T00:00:00Z",
            "credentialStatus": {"id": cid, "type": "CredentialStatus", "statusPurpose": "revocation"}})
    };
    let base58 = target.to_string_of_base(multibase::Base::Base58Btc).unwrap();
    assert!(base58.starts_with('z'));
    let (i, c) = run(&[assertion.clone(), revoke(base58)], &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[]));
    assert_eq!(inactive(&c), [("revoked", 1)]);
    // The same digest as a dag-pb CID names other content.
    let dag_pb = cid::Cid::new_v1(0x70, *target.hash()).to_string();
    let (i, c) = run(&[assertion, revoke(dag_pb)], &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 1.0)]));
    assert_eq!(inactive(&c), []);
}

#[test]
fn validity_window_is_from_inclusive_until_exclusive() {
    let windowed = |subject: &str, from: &str, until: &str| {
        let mut v = trust(A, subject, SEC, 1.0, "2024-01-01T00:00:00Z");
        v["validFrom"] = json!(from);
        v["validUntil"] = json!(until);
        v
    };
    let (i, c) = run(
        &[
            windowed(B, AS_OF, "2025-01-01T00:00:00Z"), // starts exactly at as_of: counts
            windowed(C, "2024-01-01T00:00:00Z", AS_OF), // ends exactly at as_of: expired
            windowed(
                "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
                "2024-01-01T00:00:00Z",
                "2024-06-01T00:00:01Z",
            ),
        ],
        &[SEC],
        None,
    );
    assert_eq!(
        graph(&i, &c),
        only(SEC, &[(A, B, 1.0), (A, "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", 1.0)])
    );
    assert_eq!(inactive(&c), [("expired", 1)]);
    let (i, c) = run(&[windowed(B, "2024-06-01T00:00:01Z", "2025-01-01T00:00:00Z")], &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[]));
    assert_eq!(inactive(&c), [("not_yet_valid", 1)]);
}

#[test]
fn records_issued_after_as_of_are_ignored() {
    let (i, c) = run(
        &[
            trust(A, B, SEC, 1.0, AS_OF),
            trust(A, C, SEC, 1.0, "2024-06-01T00:00:00.001Z"),
            trust(B, C, SEC, 0.5, "2024-05-01T00:00:00Z"),
        ],
        &[SEC],
        None,
    );
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 1.0), (B, C, 0.5)]));
    assert_eq!(inactive(&c), [("after_as_of", 1)]);
    // A later statement that is not yet issued does not supersede the current one.
    let (i, c) = run(
        &[trust(A, B, SEC, 1.0, "2024-01-01T00:00:00Z"), trust(A, B, SEC, 0.0, "2024-07-01T00:00:00Z")],
        &[SEC],
        None,
    );
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 1.0)]));
}

#[test]
fn two_spellings_of_one_account_are_one_node() {
    let mixed_case = "did:pkh:eip155:1:0x00000000000000000000000000000000000000BB";
    let eth = "did:pkh:eth:0x00000000000000000000000000000000000000Bb";
    let (i, c) = run(
        &[
            trust(A, mixed_case, SEC, 1.0, "2024-01-01T00:00:00Z"),
            trust(C, eth, SEC, 0.5, "2024-01-01T00:00:00Z"),
            // A's second statement about the same account, spelled differently, supersedes the first.
            trust(A, eth, SEC, 0.25, "2024-02-01T00:00:00Z"),
        ],
        &[SEC],
        None,
    );
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 0.25), (C, B, 0.5)]));
    assert_eq!(i.peers.iter().filter(|p| p.as_str() == B).count(), 1);
    assert_eq!(i.peers.len(), 3);
}

#[test]
fn honesty_distrust_reaches_every_scope() {
    let distrust = json!({"type": "AccountDistrustAssertion", "issuer": A, "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": C, "distrustReason": "Scam"}});
    let (i, c) = run(
        &[
            distrust,
            trust(B, C, "Honesty", -0.5, "2024-01-01T00:00:00Z"),
            trust(A, B, SEC, 1.0, "2024-01-01T00:00:00Z"),
            trust(A, B, DEV, 0.5, "2024-01-01T00:00:00Z"),
            // Positive honesty is a scope of its own, not computed here: the credential is refused.
            trust(B, A, "Honesty", 1.0, "2024-01-01T00:00:00Z"),
        ],
        &[SEC, DEV],
        None,
    );
    let expected = BTreeMap::from([
        (DEV.to_owned(), edges(&[(A, B, 0.5), (A, C, -1.0), (B, C, -0.5)])),
        (SEC.to_owned(), edges(&[(A, B, 1.0), (A, C, -1.0), (B, C, -0.5)])),
    ]);
    assert_eq!(graph(&i, &c), expected);
    assert_eq!(i.rejects.iter().map(|r| r.reason.code()).collect::<Vec<_>>(), ["unknown_scope"]);
    // Computing Honesty too, that credential is its own edge there, and the distrust is not doubled.
    let (i, c) = run(
        &[trust(B, A, "Honesty", 1.0, "2024-01-01T00:00:00Z"), trust(B, C, "Honesty", -0.5, "2024-01-01T00:00:00Z")],
        &[SEC, "Honesty"],
        None,
    );
    let expected = BTreeMap::from([
        ("Honesty".to_owned(), edges(&[(B, A, 1.0), (B, C, -0.5)])),
        (SEC.to_owned(), edges(&[(B, C, -0.5)])),
    ]);
    assert_eq!(graph(&i, &c), expected);
}

#[test]
fn decay_halves_weight_every_half_life() {
    let (i, c) = run(
        &[
            trust(A, B, SEC, 1.0, "2024-05-22T00:00:00Z"),  // 10 days old
            trust(A, C, SEC, -1.0, "2024-05-12T00:00:00Z"), // 20 days old
            trust(B, C, SEC, 0.5, AS_OF),                   // new
        ],
        &[SEC],
        Some(10.0),
    );
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 0.5), (A, C, -0.25), (B, C, 0.5)]));
    let (i, c) = run(&[trust(A, B, SEC, 1.0, "2024-05-22T00:00:00Z")], &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 1.0)]), "off by default");
}

#[test]
fn edge_lists_scale_cut_off_and_decay_by_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    // 2024-05-22 (10 days before as_of), 2024-06-02 (after), no timestamp.
    std::fs::write(dir.path().join("e.csv"), "1,2,10,1716336000\n2,3,-5,1717286400\n3,1,4\n").unwrap();
    let mut spec = source(SourceFormat::Edges, "e.csv");
    spec.value_scale = 0.1;
    let (i, c) = run_sources(dir.path(), &[spec], &["default"], Some(10.0));
    assert_eq!(graph(&i, &c), only("default", &[("1", "2", 0.5), ("3", "1", 0.4)]));
    assert_eq!(inactive(&c), [("after_as_of", 1)]);
}

#[test]
fn vc_json_folder_and_array_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("creds")).unwrap();
    std::fs::write(dir.path().join("creds/1.json"), trust(A, B, SEC, 1.0, "2024-01-01T00:00:00Z").to_string()).unwrap();
    std::fs::write(dir.path().join("creds/2.json"), "{not json").unwrap();
    std::fs::write(dir.path().join("creds/notes.txt"), "ignored: not .json").unwrap();
    std::fs::write(
        dir.path().join("array.json"),
        json!([trust(B, C, SEC, 0.5, "2024-01-01T00:00:00Z"), trust(B, B, SEC, 1.0, "2024-01-01T00:00:00Z")])
            .to_string(),
    )
    .unwrap();
    let sources = [source(SourceFormat::VcJson, "creds"), source(SourceFormat::VcJson, "array.json")];
    let (i, c) = run_sources(dir.path(), &sources, &[SEC], None);
    assert_eq!(graph(&i, &c), only(SEC, &[(A, B, 1.0), (B, C, 0.5)]));
    let rejects: Vec<(String, String)> =
        i.rejects.iter().map(|r| (serde_json::to_value(r).unwrap().to_string(), r.reason.code().to_owned())).collect();
    assert_eq!(rejects.len(), 2);
    assert!(rejects[0].0.contains(r#""file":"2.json""#) && rejects[0].1 == "parse_error", "{rejects:?}");
    assert!(rejects[1].0.contains(r#""item":1"#) && rejects[1].1 == "self_trust", "{rejects:?}");
    assert_eq!((i.inputs[0].records, i.inputs[1].records), (2, 2));
}

#[test]
fn snaps_indexer_sample_ingests_with_zero_rejects() {
    let sample = shared("vectors/eigentrust/rs-eigentrust-snaps");
    let (i, c) = run_sources(&sample, &[source(SourceFormat::IndexerCsv, "sample_input.csv")], &[SEC, DEV], None);
    assert!(i.rejects.is_empty(), "{:?}", i.rejects);
    assert_eq!(i.inputs[0].records, 4);
    let truster = "did:pkh:eip155:59144:0x6ecfd8252c19ac2bf4bd1cbdc026c001c93e179d";
    let trustee = "did:pkh:eip155:59144:0xefc6191b3245df60b209ec58631c7dcf04137329";
    // Rows 1 and 2 are the same credential; its security level is 0 (withdrawn).
    let expected = BTreeMap::from([(DEV.to_owned(), edges(&[(truster, trustee, 1.0)])), (SEC.to_owned(), edges(&[]))]);
    assert_eq!(graph(&i, &c), expected);
    assert_eq!(inactive(&c), [("superseded", 2), ("withdrawn", 1)]);
    // The two reviews are by different accounts (the second on chain 59140).
    let reviews: Vec<(&str, bool)> = c.reviews.iter().map(|r| (r.issuer.as_str(), r.endorsed)).collect();
    assert_eq!(
        reviews,
        [
            ("did:pkh:eip155:59140:0x6ecfd8252c19ac2bf4bd1cbdc026c001c93e179d", false),
            ("did:pkh:eip155:59144:0x3892967aa898d7eebf1b08d3e1f31b2f4c84317a", true),
        ]
    );
    assert!(c.reviews.iter().all(|r| r.artifact.id == "did:snap:lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw="));
}

#[test]
fn snaps_pretrust_file_reads_did_weight_lines() {
    let dir = tempfile::tempdir().unwrap();
    let peer = "did:pkh:eip155:1:0x44dc4E3309B80eF7aBf41C7D0a68F0337a88F044";
    std::fs::write(dir.path().join("c.jsonl"), format!("{}\n", trust(peer, B, SEC, 1.0, "2024-01-01T00:00:00Z")))
        .unwrap();
    std::fs::copy(
        shared("vectors/eigentrust/rs-eigentrust-snaps/sample_pretrust.txt"),
        dir.path().join("pretrust.txt"),
    )
    .unwrap();
    let pretrust = PretrustSpec { path: Some("pretrust.txt".into()), ..PretrustSpec::default() };
    let options = IngestOptions { scopes: vec![SEC.into()], require_proofs: false, ..Default::default() };
    let i = ingest(&[source(SourceFormat::VcJsonl, "c.jsonl")], &pretrust, &options, dir.path(), "p.toml").unwrap();
    // The first line's peer (mixed case in the file) is the credential's
    // issuer; the other four said nothing, and are peers all the same (DESIGN 4.1).
    assert_eq!(i.pretrust.len(), 5);
    assert_eq!(i.peers[i.pretrust[0].0 as usize], "did:pkh:eip155:1:0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044");
    assert_eq!(i.pretrust[0].0, 0, "one node for the issuer and its pre-trust entry");
    assert!(i.rejects.is_empty(), "{:?}", i.rejects);
}

#[test]
fn credentials_about_no_computed_scope_are_rejected_as_unknown_scope() {
    let (i, c) = run(
        &[trust(A, B, "Data protection", 1.0, "2024-01-01T00:00:00Z"), trust(A, C, SEC, 1.0, "2024-01-01T00:00:00Z")],
        &[SEC],
        None,
    );
    assert_eq!(graph(&i, &c), only(SEC, &[(A, C, 1.0)]));
    assert_eq!(i.rejects.len(), 1);
    assert_eq!(i.rejects[0].reason.code(), "unknown_scope");
    assert_eq!(i.rejects[0].position, scoreset::ingest::Position::Line(1));
}

#[test]
fn require_proofs_rejects_unproven_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let did = scoreset::crypto::did_key::did_key(&key.verifying_key());
    let signed = scoreset::crypto::eddsa_jcs::sign(
        &trust(&did, B, SEC, 1.0, "2024-01-01T00:00:00Z"),
        &key,
        "2024-01-01T00:00:00Z",
    )
    .unwrap();
    let unproven = trust(A, C, SEC, 1.0, "2024-01-01T00:00:00Z");
    let mut forged = signed.clone();
    forged["credentialSubject"]["id"] = json!(C);
    std::fs::write(dir.path().join("c.jsonl"), format!("{signed}\n{unproven}\n{forged}\n")).unwrap();
    for (require, expected) in [(false, vec!["bad_proof"]), (true, vec!["missing_proof", "bad_proof"])] {
        let options = IngestOptions { scopes: vec![SEC.into()], require_proofs: require, ..Default::default() };
        let i =
            ingest(&[source(SourceFormat::VcJsonl, "c.jsonl")], &PretrustSpec::default(), &options, dir.path(), "p")
                .unwrap();
        let codes: Vec<&str> = i.rejects.iter().map(|r| r.reason.code()).collect();
        assert_eq!(codes, expected, "require_proofs = {require}");
        assert_eq!(i.attestations.len() + i.rejects.len(), 3);
    }
}

#[test]
fn reviews_security_assertions_and_opinions_come_out_by_issuer_id_then_subject() {
    let claim = |kind: &str, issuer: &str, subject: Value| {
        json!({"type": ["VerifiableCredential", kind], "issuer": issuer, "issuanceDate": "2024-01-01T00:00:00Z",
            "credentialSubject": subject})
    };
    let review =
        |issuer: &str, snap: &str| claim("ReviewCredential", issuer, json!({"id": snap, "currentStatus": "Endorsed"}));
    let audit = |issuer: &str, snap: &str| {
        claim("SoftwareArtifactSecurityAssertion", issuer, json!({"id": snap, "findings": "None"}))
    };
    let first_audit = audit(C, "snap://y");
    let cid = cid_of(&canonical_json(&first_audit).unwrap()).to_string();
    let other = "bafkreiajkhbnnbmem4we7m6wogjaqx6rid4esdhee25qhpnp7urtksu45e";
    let opinion = |issuer: &str, assertion: &str| claim("EndorsementAssertion", issuer, json!({"id": assertion}));
    // First seen: C, then B, then A — the reverse of their ids' order.
    let credentials = [
        first_audit,
        review(C, "snap://x"),
        review(B, "snap://y"),
        review(A, "snap://y"),
        review(A, "snap://x?version=2.0.0"),
        review(A, "snap://x"),
        audit(A, "snap://x"),
        opinion(B, &cid),
        opinion(A, &cid),
        opinion(A, other),
    ];
    let (_, c) = run(&credentials, &[SEC], None);
    let reviews: Vec<(&str, &str, Option<&str>)> =
        c.reviews.iter().map(|r| (r.issuer.as_str(), r.artifact.id.as_str(), r.artifact.version.as_deref())).collect();
    assert_eq!(
        reviews,
        [
            (A, "did:snap:x", None),
            (A, "did:snap:x", Some("2.0.0")),
            (A, "did:snap:y", None),
            (B, "did:snap:y", None),
            (C, "did:snap:x", None)
        ]
    );
    let audits: Vec<(&str, &str)> = c.security.iter().map(|s| (s.issuer.as_str(), s.artifact.id.as_str())).collect();
    assert_eq!(audits, [(A, "did:snap:x"), (C, "did:snap:y")]);
    let mut expected = vec![(A, cid.clone()), (A, other.to_owned())];
    expected.sort();
    expected.push((B, cid));
    let opinions: Vec<(&str, String)> = c.opinions.iter().map(|o| (o.issuer.as_str(), o.assertion.clone())).collect();
    assert_eq!(opinions, expected);
}
