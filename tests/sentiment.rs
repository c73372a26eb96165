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
        review(&a, "flip", "Endorsed"),
        review(&b, "flip", "Endorsed"),
        // b's later review of "flip" supersedes its endorsement.
        review(&b, "flip", "Disputed").replace("2024-01-02", "2024-02-01"),
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
    assert_eq!(badge("flip"), "InReview", "Endorsed until b's review flipped to Disputed");
    let jsonl = fs::read_to_string(epoch.join("artifact_scores.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), 4);
    assert!(jsonl.contains(r#""type":["VerifiableCredential","SoftwareArtifactTrustScore"]"#));
}

mod unanimity {
    use proptest::prelude::*;
    use scoreset::combine::Review;
    use scoreset::compute::{EigenTrustParams, eigentrust};
    use scoreset::graph;
    use scoreset::ingest::Edge;
    use scoreset::ingest::identity::ArtifactId;
    use scoreset::models::sentiment::{
        Badge, Thresholds, highly_trusted, opinions, score_artifacts, weakest_highly_trusted,
    };

    /// The open question of the artifact-scoring issue, pinned: with distrust,
    /// a member of P_h can be outvoted. Root r trusts a and b (both in P_h), b
    /// trusts a, a distrusts b. Then T(b) = T⁺(b) − T⁺(a) < 0, so DESIGN 4.4
    /// ignores b's dispute and a's lone endorsement makes the artifact
    /// Endorsed, although b (the weakest of P_h) disagrees with every other
    /// opiner. The unanimity property above therefore holds on trust-only
    /// graphs; whether a distrusted auditor should keep its veto is for the
    /// design's owner to decide, and this test will then change with the rule.
    #[test]
    fn a_distrusted_member_of_p_h_is_outvoted_as_design_reads() {
        use scoreset::compute::discount_one_shot;
        let (r, a, b) = (0u32, 1u32, 2u32);
        let edge = |truster, trustee, value| Edge { truster, trustee, value };
        let edges = vec![edge(r, a, 1.0), edge(r, b, 1.0), edge(b, a, 1.0), edge(a, b, -1.0)];
        let g = graph::build(vec!["r".into(), "a".into(), "b".into()], edges, &[(r, 1.0)]);
        let (t_positive, _) =
            eigentrust(&g.trust, &g.dangling, &g.pretrust, &EigenTrustParams::default(), |_, _| {}).unwrap();
        let t = discount_one_shot(&g.distrust, &t_positive);
        let at = |name: &str| g.peers.iter().position(|p| p == name).unwrap();
        let highly = highly_trusted(&g, &g.pretrust.iter().map(|&p| p > 0.0).collect::<Vec<_>>());
        assert!(highly[at("a")] && highly[at("b")], "a and b are in P_h");
        assert!(t[at("b")] <= 0.0 && t_positive[at("b")] > 0.0, "b is distrusted below zero by a");
        let artifact = ArtifactId { id: "did:snap:x".into(), version: None };
        let review = |p: &str, endorsed: bool| Review {
            issuer: p.into(),
            artifact: artifact.clone(),
            endorsed,
            issued_ms: 0,
            weight: 1.0,
        };
        let reviews = [review("a", true), review("b", false)];
        let trust = |p: &str| t[at(p)];
        let scores = score_artifacts(
            &opinions(&reviews, &[], &[], trust),
            weakest_highly_trusted(&t_positive, &highly),
            Thresholds::Caip,
        );
        assert_eq!(scores[0].badge, Badge::Endorsed);
        assert_eq!(scores[0].opinions, 1, "b's dispute is ignored (T(b) <= 0)");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// On graphs of positive trust (no distrust, no decay), if a member of
        /// P_h who opined disagrees with every other opiner, the artifact is
        /// never Endorsed (when it disputes) and never Reported (when it endorses).
        #[test]
        fn a_highly_trusted_dissident_blocks_the_verdict(
            n in 4usize..40,
            raw_edges in prop::collection::vec((0u32..40, 0u32..40, 0.01f64..1.0), 4..200),
            roots in prop::collection::vec(0u32..40, 1..4),
            opiners in prop::collection::vec(0u32..40, 1..20),
            dissident_pick in any::<prop::sample::Index>(),
            dissident_endorses in any::<bool>(),
        ) {
            let n32 = n as u32;
            let edges: Vec<Edge> = raw_edges
                .iter()
                .map(|&(i, j, v)| (i % n32, j % n32, v))
                .filter(|(i, j, _)| i != j)
                .map(|(truster, trustee, value)| Edge { truster, trustee, value })
                .collect();
            let pretrust: Vec<(u32, f64)> = roots.iter().map(|r| (r % n32, 1.0)).collect();
            let g = graph::build((0..n).map(|i| format!("p{i:02}")).collect(), edges, &pretrust);
            let (t, _) = eigentrust(&g.trust, &g.dangling, &g.pretrust, &EigenTrustParams::default(), |_, _| {}).unwrap();
            let pretrusted: Vec<bool> = g.pretrust.iter().map(|&p| p > 0.0).collect();
            let highly = highly_trusted(&g, &pretrusted);
            let members: Vec<usize> = (0..n).filter(|&i| highly[i]).collect();
            prop_assume!(!members.is_empty());
            let h = members[dissident_pick.index(members.len())];
            let artifact = ArtifactId { id: "did:snap:x".into(), version: None };
            let review = |p: usize, endorsed: bool| Review {
                issuer: g.peers[p].clone(), artifact: artifact.clone(), endorsed, issued_ms: 0, weight: 1.0,
            };
            let mut reviews = vec![review(h, dissident_endorses)];
            for o in opiners.iter().map(|o| *o as usize % n).filter(|&o| o != h) {
                reviews.push(review(o, !dissident_endorses));
            }
            reviews.sort_by(|a, b| a.issuer.cmp(&b.issuer));
            reviews.dedup_by(|a, b| a.issuer == b.issuer);
            let trust = |p: &str| g.peers.iter().position(|q| q == p).map_or(0.0, |i| t[i]);
            let weighted = opinions(&reviews, &[], &[], trust);
            let scores = score_artifacts(&weighted, weakest_highly_trusted(&t, &highly), Thresholds::Caip);
            let forbidden = if dissident_endorses { Badge::Reported } else { Badge::Endorsed };
            prop_assert!(scores.iter().all(|s| s.badge != forbidden), "{:?}", scores);
        }
    }
}
