//! The generated credential sample end to end: the committed data is what the
//! generator makes, and a run rejects exactly the records made to be rejected.

mod common;

use common::{describe, scoreset};
use scoreset::synth::credentials::{SAMPLE_AS_OF, SAMPLE_SCOPES, sample};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn committed_sample_is_reproducible_and_its_rejects_are_exactly_the_planted_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = sample(3000, 1);
    let committed = std::fs::read_to_string(root.join("data/sample/credentials.jsonl")).unwrap();
    assert!(
        committed.lines().eq(generated.credentials.iter().map(String::as_str)),
        "data/sample is stale: regenerate it"
    );

    let out = tempfile::tempdir().unwrap();
    let run = scoreset(&[
        "run",
        root.join("pipelines/sample.toml").to_str().unwrap(),
        "--as-of",
        SAMPLE_AS_OF,
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", describe(&run));
    let epoch = out.path().join("sample/latest");
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    for line in std::fs::read_to_string(epoch.join("rejected.jsonl")).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *got.entry(v["reason"].as_str().unwrap().to_owned()).or_insert(0) += 1;
        assert!(v["line"].as_u64().is_some_and(|l| (1..=3000).contains(&l)), "{line}");
    }
    let expected: BTreeMap<String, u64> = generated.expected_rejects.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(got, expected);

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
    let input = &manifest["credentialSubject"]["inputs"][0];
    assert_eq!(input["records"], 3000);
    assert_eq!(input["rejected"].as_u64().unwrap(), expected.values().sum::<u64>());
    let scopes: Vec<&str> = manifest["credentialSubject"]["counts"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, SAMPLE_SCOPES, "the planted unknown_scope count assumes these scopes");
    let scores = std::fs::read_to_string(epoch.join("scores.csv")).unwrap();
    assert!(scores.lines().any(|l| l.starts_with("Software development,did:pkh:eip155:1:0x")));
    assert!(scores.lines().any(|l| l.starts_with("Software security,did:key:z6Mk")), "signed issuers take part");
    assert!(!scores.contains("did:pkh:eth:") && !scores.contains("did:eth:"), "all spellings normalised");
    let opinions = std::fs::read_to_string(epoch.join("artifact_opinions.jsonl")).unwrap();
    for kind in ["\"kind\":\"review\"", "\"kind\":\"security_assertion\"", "\"kind\":\"assertion_opinion\""] {
        assert!(opinions.contains(kind), "{kind}");
    }
}
