//! Artifact sentiment through the real pipeline on a small hand-made graph.

mod common;

use common::{describe, scoreset};
use std::fs;

#[test]
fn peer_badges_and_artifact_badges_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let did = |c: char| format!("did:pkh:eip155:1:0x{}", c.to_string().repeat(40));
    let (root, a, b, m) = (did('1'), did('a'), did('b'), did('f'));
    let trust_on = |date: &str, from: &str, to: &str, level: f64| {
        format!(
            r#"{{"type":"PeerTrustCredential","issuer":"{from}","issuanceDate":"{date}T00:00:00Z","credentialSubject":{{"id":"{to}","trustworthiness":[{{"scope":"Software security","level":{level}}}]}}}}"#
        )
    };
    let trust = |from: &str, to: &str, level: f64| trust_on("2024-01-01", from, to, level);
    let review = |from: &str, snap: &str, status: &str| {
        format!(
            r#"{{"type":"ReviewCredential","issuer":"{from}","issuanceDate":"2024-01-02T00:00:00Z","credentialSubject":{{"id":"snap://{snap}","currentStatus":"{status}"}}}}"#
        )
    };
    let lines = [
        trust(&root, &a, 1.0),
        trust(&root, &b, 1.0),
        trust(&a, &b, 0.5),
        trust(&b, &a, 0.5),
        trust(&a, &m, 0.1),
        trust_on("2024-03-01", &a, &m, -1.0), // a (in P_h) later turns to distrust m
        review(&a, "good", "Endorsed"),
        review(&b, "good", "Endorsed"),
        review(&a, "bad", "Disputed"),
        review(&b, "bad", "Disputed"),
        review(&a, "split", "Endorsed"),
        review(&b, "split", "Disputed"),
    ];
    fs::write(dir.path().join("c.jsonl"), lines.join("\n")).unwrap();
    fs::write(dir.path().join("pretrust.txt"), format!("{root} 1\n")).unwrap();
    fs::write(
        dir.path().join("p.toml"),
        "name = \"s\"\nscopes = [\"Software security\"]\n[[source]]\nformat = \"vc-jsonl\"\npath = \"c.jsonl\"\n\
         [pretrust]\npath = \"pretrust.txt\"\n[sentiment]\nthresholds = \"caip\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = scoreset(&[
        "run",
        dir.path().join("p.toml").to_str().unwrap(),
        "--as-of",
        "2024-06-01T00:00:00Z",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", describe(&run));
    let epoch = out.join("s/latest");

    let scores = fs::read_to_string(epoch.join("scores.csv")).unwrap();
    let badge_of =
        |peer: &str| scores.lines().find(|l| l.contains(peer)).unwrap().rsplit(',').next().unwrap().to_owned();
    assert_eq!(badge_of(&a), "HighlyTrusted");
    assert_eq!(badge_of(&b), "HighlyTrusted");
    assert_eq!(badge_of(&m), "Reported", "distrusted by a, who is highly trusted");
    assert_eq!(badge_of(&root), "", "nobody pre-trusted trusts the root itself");

    let artifacts = fs::read_to_string(epoch.join("artifact_scores.csv")).unwrap();
    let badge = |snap: &str| {
        artifacts
            .lines()
            .find(|l| l.contains(&format!("did:snap:{snap},")))
            .unwrap()
            .split(',')
            .nth(5)
            .unwrap()
            .to_owned()
    };
    // a and b are the only opiners and both have positive trust.
    assert_eq!(badge("good"), "Endorsed");
    assert_eq!(badge("bad"), "Reported");
    assert_eq!(badge("split"), "InReview", "a lone highly trusted dissident keeps it in review");
    let jsonl = fs::read_to_string(epoch.join("artifact_scores.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), 3);
    assert!(jsonl.contains(r#""type":["VerifiableCredential","SoftwareArtifactTrustScore"]"#));
}
