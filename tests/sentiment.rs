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
    use scoreset::compute::{EigenTrustParams, discount_one_shot, eigentrust};
    use scoreset::graph::{self, TrustGraph};
    use scoreset::ingest::Edge;
    use scoreset::ingest::identity::ArtifactId;
    use scoreset::models::sentiment::{Badge, Thresholds, artifact_sentiment, highly_trusted};

    /// T⁺ and T (one-shot distrust) of a graph, and P_h.
    fn scores(g: &TrustGraph) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
        let (t_positive, _) =
            eigentrust(&g.trust, &g.dangling, &g.pretrust, &EigenTrustParams::default(), |_, _| {}).unwrap();
        let t = discount_one_shot(&g.distrust, &t_positive);
        let highly = highly_trusted(g, &g.pretrust.iter().map(|&p| p > 0.0).collect::<Vec<_>>());
        (t_positive, t, highly)
    }

    fn review(issuer: &str, endorsed: bool) -> Review {
        let artifact = ArtifactId { id: "did:snap:x".into(), version: None };
        Review { issuer: issuer.into(), artifact, endorsed, issued_ms: 0, weight: 1.0 }
    }

    /// The badge of one artifact reviewed by `reviews`, through the model's own
    /// sentiment function (the one the trust model calls).
    fn badge(g: &TrustGraph, reviews: &[Review], thresholds: Thresholds) -> Option<Badge> {
        let (t_positive, t, highly) = scores(g);
        let (_, scored) = artifact_sentiment(&g.peers, &t, &t_positive, &highly, (reviews, &[], &[]), thresholds);
        scored.first().map(|s| s.badge)
    }

    /// Root r trusts a and b (both in P_h), b trusts a, so d = b; a distrusts
    /// b and c, so one-shot discounts b by T⁺(a)/2: 0 < T(b) < T⁺(d). b is in
    /// good standing and disputes; a endorses.
    fn lowered_auditor() -> TrustGraph {
        let (r, a, b, c) = (0u32, 1u32, 2u32, 3u32);
        let edge = |truster, trustee, value| Edge { truster, trustee, value };
        let edges = vec![edge(r, a, 1.0), edge(r, b, 1.0), edge(b, a, 1.0), edge(a, b, -1.0), edge(a, c, -1.0)];
        graph::build(vec!["r".into(), "a".into(), "b".into(), "c".into()], edges, &[(r, 1.0)])
    }

    /// The counterexample that decided the rule: distrust lowers a member of
    /// P_h in good standing below T⁺(d). Weighed by T(b) alone (as the
    /// `k3l-2024` mode still does), a's endorsement outvotes b: Endorsed.
    /// Weighed by max(T(b), T⁺(d)), b blocks it: InReview.
    #[test]
    fn a_member_of_p_h_lowered_by_distrust_still_blocks_the_verdict() {
        let g = lowered_auditor();
        let (t_positive, t, highly) = scores(&g);
        let at = |name: &str| g.peers.iter().position(|p| p == name).unwrap();
        assert!(highly[at("a")] && highly[at("b")], "a and b are in P_h");
        let bar = t_positive[at("b")].min(t_positive[at("a")]);
        assert_eq!(bar, t_positive[at("b")], "b is the weakest of P_h");
        assert!(t[at("b")] > 0.0 && t[at("b")] < bar, "0 < T(b) = {} < T⁺(d) = {bar}", t[at("b")]);
        let reviews = [review("a", true), review("b", false)];
        assert_eq!(badge(&g, &reviews, Thresholds::Caip), Some(Badge::InReview));
        let reviews = [review("a", false), review("b", true)];
        assert_eq!(badge(&g, &reviews, Thresholds::Caip), Some(Badge::InReview), "nor Reported");
        let reviews = [review("a", true), review("b", false)];
        assert_eq!(badge(&g, &reviews, Thresholds::K3l2024), Some(Badge::Endorsed), "k3l-2024 weighs T(b)");
    }

    /// A member of P_h distrusted to T ≤ 0 has been discredited: its dispute
    /// is ignored and a's lone endorsement decides.
    #[test]
    fn a_member_of_p_h_discredited_by_distrust_is_ignored() {
        let (r, a, b) = (0u32, 1u32, 2u32);
        let edge = |truster, trustee, value| Edge { truster, trustee, value };
        let edges = vec![edge(r, a, 1.0), edge(r, b, 1.0), edge(b, a, 1.0), edge(a, b, -1.0)];
        let g = graph::build(vec!["r".into(), "a".into(), "b".into()], edges, &[(r, 1.0)]);
        let (_, t, highly) = scores(&g);
        let b_at = g.peers.iter().position(|p| p == "b").unwrap();
        assert!(highly[b_at] && t[b_at] <= 0.0, "b is in P_h, distrusted to T(b) = {} <= 0", t[b_at]);
        assert_eq!(badge(&g, &[review("a", true), review("b", false)], Thresholds::Caip), Some(Badge::Endorsed));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// On random signed graphs with one-shot distrust: if a member of P_h
        /// in good standing (T > 0) disagrees with every other opiner, the
        /// artifact is never Endorsed when it disputes, and never Reported when
        /// it endorses. Both directions are checked on every graph.
        #[test]
        fn a_highly_trusted_dissident_in_good_standing_blocks_the_verdict(
            n in 4usize..40,
            raw_edges in prop::collection::vec((0u32..40, 0u32..40, -1.0f64..1.0), 4..200),
            roots in prop::collection::vec(0u32..40, 1..4),
            opiners in prop::collection::vec(0u32..40, 1..20),
            dissident_pick in any::<prop::sample::Index>(),
        ) {
            let g = super::common::signed_graph(n, &raw_edges, &roots);
            let (_, t, highly) = scores(&g);
            let members: Vec<usize> = (0..n).filter(|&i| highly[i] && t[i] > 0.0).collect();
            prop_assume!(!members.is_empty());
            let h = members[dissident_pick.index(members.len())];
            for dissident_endorses in [false, true] {
                let mut reviews = vec![review(&g.peers[h], dissident_endorses)];
                for o in opiners.iter().map(|o| *o as usize % n).filter(|&o| o != h) {
                    reviews.push(review(&g.peers[o], !dissident_endorses));
                }
                reviews.sort_by(|a, b| a.issuer.cmp(&b.issuer));
                reviews.dedup_by(|a, b| a.issuer == b.issuer);
                let got = badge(&g, &reviews, Thresholds::Caip);
                let forbidden = if dissident_endorses { Badge::Reported } else { Badge::Endorsed };
                prop_assert!(got != Some(forbidden), "{got:?} with dissident {} endorsing={dissident_endorses}", g.peers[h]);
            }
        }
    }
}
