//! Community sentiment about software artifacts (README, *Reading the
//! badges*), per scope.
//!
//! With T the distrust-adjusted and T⁺ the pure EigenTrust score of each
//! peer, P_h the highly trusted peers (a positive local-trust edge from a
//! pre-trusted peer) and d the member of P_h with the lowest T⁺ (T⁺(d) = 1
//! when P_h is empty), each artifact version s gets
//! C(s) = Σ w(p) and R_c(s) = Σ R(s,p)·w(p) / C(s) over its opinions, and
//! the badge InsufficientReviews if C(s) < T⁺(d), else Endorsed if
//! R_c(s) > 1 − T⁺(d)/C(s), else Reported if R_c(s) < T⁺(d)/C(s), else
//! InReview. The `k3l-2024` thresholds compare R_c against 1 − T⁺(d) and
//! T⁺(d) instead, as the shipped Snaps computer did.
//!
//! Opinion weights: a review by p weighs w(p); a security assertion by p
//! (findings None/Low endorse, Medium/Critical dispute) weighs w(p) + Σ T(e)
//! over peers endorsing it − Σ T(q) over peers disputing it, floored at 0.
//! Opinions of peers with T ≤ 0 are ignored (a member of P_h with T ≤ 0 has
//! been discredited by distrust). w(p) = T(p), except for a member of P_h in
//! good standing (T(p) > 0) under the CAIP thresholds: its opinion weighs at
//! least T⁺(d), the bar it must be able to block — w(p) = max(T(p), T⁺(d)),
//! and its assertion never falls below T⁺(d) either. So one such dissenter
//! keeps an artifact out of Endorsed (and out of Reported) even when
//! distrust has lowered its T below T⁺(d). The `k3l-2024` mode weighs every
//! opinion by T(p), as the shipped Snaps computer did. Opinions are not decayed: time
//! decay already shapes T through the trust statements, and an opinion is
//! superseded by its author's newer one, not faded — decaying it would let a
//! highly trusted dissident's veto erode below T⁺(d).

use crate::combine::{AssertionOpinion, Review, SecurityAssertion};
pub use crate::config::sentiment::{SentimentParams, Thresholds};
use crate::graph::TrustGraph;
use crate::ingest::Findings;
use crate::ingest::identity::ArtifactId;
use crate::numeric::compensated_sum;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// An artifact's badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Badge {
    /// Not enough trusted opinion: C(s) < T⁺(d).
    InsufficientReviews,
    /// Trusted opinion endorses it.
    Endorsed,
    /// Trusted opinion disputes it.
    Reported,
    /// Trusted opinion is divided.
    InReview,
}

/// A peer's badge in a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PeerBadge {
    /// In P_h: trusted by a pre-trusted peer.
    HighlyTrusted,
    /// Distrusted by a member of P_h (takes precedence over HighlyTrusted).
    Reported,
}

impl Badge {
    /// The badge's name, as written to outputs.
    pub fn name(self) -> &'static str {
        match self {
            Badge::InsufficientReviews => "InsufficientReviews",
            Badge::Endorsed => "Endorsed",
            Badge::Reported => "Reported",
            Badge::InReview => "InReview",
        }
    }
}

impl PeerBadge {
    /// The badge's name, as written to outputs.
    pub fn name(self) -> &'static str {
        match self {
            PeerBadge::HighlyTrusted => "HighlyTrusted",
            PeerBadge::Reported => "Reported",
        }
    }
}

/// The badge of an artifact whose endorsing opinions weigh `endorsing` and
/// disputing ones `disputing` (C = endorsing + disputing, R_c = endorsing / C),
/// given T⁺(d).
///
/// Under the `caip` rule the comparisons are rearranged without division —
/// R_c > 1 − T⁺(d)/C ⇔ disputing < T⁺(d) and R_c < T⁺(d)/C ⇔ endorsing <
/// T⁺(d) — so that a case exactly on a boundary (a lone dissident who is d
/// itself) is decided exactly, not by the rounding of R_c and of the threshold.
pub fn badge(endorsing: f64, disputing: f64, t_plus_d: f64, thresholds: Thresholds) -> Badge {
    let c = endorsing + disputing;
    if c <= 0.0 || c < t_plus_d {
        return Badge::InsufficientReviews;
    }
    let (endorsed, reported) = match thresholds {
        Thresholds::Caip => (disputing < t_plus_d, endorsing < t_plus_d),
        Thresholds::K3l2024 => {
            let r_c = endorsing / c;
            (r_c > 1.0 - t_plus_d, r_c < t_plus_d)
        }
    };
    if endorsed {
        Badge::Endorsed
    } else if reported {
        Badge::Reported
    } else {
        Badge::InReview
    }
}

/// A scope's standing of peers: who is highly trusted (see
/// [`highly_trusted`]) and the peer badges that follow ([`peer_badges`]).
pub fn peer_standing(graph: &TrustGraph, pretrusted: &[bool]) -> (Vec<bool>, Vec<Option<PeerBadge>>) {
    let highly = highly_trusted(graph, pretrusted);
    let badges = peer_badges(graph, &highly);
    (highly, badges)
}

/// The community sentiment of every artifact, weighed by the peer scores of
/// the sentiment scope (`peers` in order, with T and T⁺): returns T⁺(d) of
/// the weakest highly trusted peer and the artifact scores. A peer with no
/// score in the scope weighs nothing.
pub fn artifact_sentiment(
    peers: &[String],
    trust: &[f64],
    trust_positive: &[f64],
    highly: &[bool],
    artifacts: (&[Review], &[SecurityAssertion], &[AssertionOpinion]),
    thresholds: Thresholds,
) -> (f64, Vec<ArtifactScore>) {
    let (weakest, standing) = standings(peers, trust, trust_positive, highly, thresholds);
    let (reviews, security, endorsements) = artifacts;
    let opinions = opinions(reviews, security, endorsements, standing);
    (weakest, score_artifacts(&opinions, weakest, thresholds))
}

/// T⁺(d) and each peer's [`Standing`] in the sentiment scope (`peers` in
/// byte order, as a scope's graph holds them, with T and T⁺, and P_h as a
/// flag per peer), looked up by id when an opinion's issuer is weighed: a
/// map of every peer would cost more than the opinions (a second per 4M peers).
pub fn standings<'a>(
    peers: &'a [String],
    trust: &'a [f64],
    trust_positive: &[f64],
    highly: &'a [bool],
    thresholds: Thresholds,
) -> (f64, impl Fn(&str) -> Standing + 'a) {
    let weakest = weakest_highly_trusted(trust_positive, highly);
    let standing = move |id: &str| match peers.binary_search_by(|p| p.as_str().cmp(id)) {
        Ok(k) => {
            let floor = if highly[k] && thresholds == Thresholds::Caip { weakest } else { 0.0 };
            Standing { trust: trust[k], floor }
        }
        Err(_) => Standing::default(),
    };
    (weakest, standing)
}

/// P_h (as a flag per peer of `graph`): peers with a positive local-trust
/// edge from a pre-trusted peer.
pub fn highly_trusted(graph: &TrustGraph, pretrusted: &[bool]) -> Vec<bool> {
    (0..graph.peers.len()).into_par_iter().map(|j| graph.trust.has_positive_from(j, pretrusted)).collect()
}

/// Peer badges: Reported if a member of P_h distrusts the peer, else HighlyTrusted if in P_h.
pub fn peer_badges(graph: &TrustGraph, highly: &[bool]) -> Vec<Option<PeerBadge>> {
    (0..graph.peers.len())
        .into_par_iter()
        .map(|j| {
            if graph.distrust.has_positive_from(j, highly) {
                Some(PeerBadge::Reported)
            } else if highly[j] {
                Some(PeerBadge::HighlyTrusted)
            } else {
                None
            }
        })
        .collect()
}

/// T⁺(d): the lowest T⁺ in P_h, or 1 when P_h is empty.
pub fn weakest_highly_trusted(trust_positive: &[f64], highly: &[bool]) -> f64 {
    let lowest = trust_positive.iter().zip(highly).filter(|(_, h)| **h).map(|(t, _)| *t).fold(f64::INFINITY, f64::min);
    if lowest.is_finite() { lowest } else { 1.0 }
}

/// One weighted opinion about an artifact version.
#[derive(Debug, Clone, PartialEq)]
pub struct Opinion {
    /// The artifact version.
    pub artifact: ArtifactId,
    /// R(s,p): 1 endorses, 0 disputes.
    pub endorses: bool,
    /// w(p) > 0.
    pub weight: f64,
    /// Who holds it, and whether as a review or a security assertion (the explanation names them).
    pub issuer: String,
    /// A security assertion (its weight moved by the endorsements of it), not a review.
    pub assertion: bool,
}

/// How a peer's opinions count: T(p) and the least weight they carry while
/// T(p) > 0 (T⁺(d) for a member of P_h under the CAIP thresholds, else 0).
/// A peer outside the scope has T = 0: its opinions do not count.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Standing {
    /// T(p), the distrust-adjusted score.
    pub trust: f64,
    /// The least weight of p's opinions while T(p) > 0.
    pub floor: f64,
}

impl Standing {
    /// A peer whose opinions weigh T(p) alone.
    pub fn of(trust: f64) -> Standing {
        Standing { trust, floor: 0.0 }
    }

    /// w(p), or `None` if p's opinions do not count (T(p) ≤ 0).
    fn weight(self) -> Option<f64> {
        (self.trust > 0.0).then(|| self.trust.max(self.floor))
    }
}

/// The weighted opinions of reviews and security assertions; `standing`
/// gives each issuer's [`Standing`].
pub fn opinions(
    reviews: &[Review],
    security: &[SecurityAssertion],
    endorsements: &[AssertionOpinion],
    standing: impl Fn(&str) -> Standing,
) -> Vec<Opinion> {
    let mut out: Vec<Opinion> = reviews
        .iter()
        .filter_map(|r| {
            let weight = standing(&r.issuer).weight()?;
            Some(Opinion {
                artifact: r.artifact.clone(),
                endorses: r.endorsed,
                weight,
                issuer: r.issuer.clone(),
                assertion: false,
            })
        })
        .collect();
    // Endorsements and disputes of an assertion are not opinions about the
    // artifact: they move the assertion's weight by the backers' T.
    let mut backing: HashMap<&str, f64> = HashMap::new();
    for e in endorsements {
        let t = standing(&e.issuer).trust;
        if t > 0.0 {
            *backing.entry(e.assertion.as_str()).or_insert(0.0) += if e.endorsed { t } else { -t };
        }
    }
    for a in security {
        let issuer = standing(&a.issuer);
        if let Some(w) = issuer.weight() {
            let backed = w + backing.get(a.cid.as_str()).copied().unwrap_or(0.0);
            let weight = backed.max(issuer.floor).max(0.0);
            if weight > 0.0 {
                let endorses = matches!(a.findings, Findings::None | Findings::Low);
                let (artifact, issuer) = (a.artifact.clone(), a.issuer.clone());
                out.push(Opinion { artifact, endorses, weight, issuer, assertion: true });
            }
        }
    }
    out
}

/// The sentiment about one artifact version.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactScore {
    /// The artifact version.
    pub artifact: ArtifactId,
    /// R_c(s) (0 when no opinion counts).
    pub value: f64,
    /// C(s).
    pub confidence: f64,
    /// The badge.
    pub badge: Badge,
    /// Number of opinions that count.
    pub opinions: usize,
    /// The endorsing weights, summed (C = endorsing + disputing).
    pub endorsing: f64,
    /// The disputing weights, summed.
    pub disputing: f64,
}

/// Scores every artifact version that has opinions, in artifact order.
pub fn score_artifacts(opinions: &[Opinion], t_plus_d: f64, thresholds: Thresholds) -> Vec<ArtifactScore> {
    // Weights sorted within each artifact, so the sums do not depend on input order.
    let mut by_artifact: BTreeMap<&ArtifactId, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for o in opinions {
        let entry = by_artifact.entry(&o.artifact).or_default();
        if o.endorses { entry.0.push(o.weight) } else { entry.1.push(o.weight) }
    }
    by_artifact
        .into_iter()
        .map(|(artifact, (mut endorsing, mut disputing))| {
            endorsing.sort_by(f64::total_cmp);
            disputing.sort_by(f64::total_cmp);
            let opinions = endorsing.len() + disputing.len();
            let (endorsing, disputing) = (compensated_sum(endorsing), compensated_sum(disputing));
            let confidence = endorsing + disputing;
            let value = if confidence > 0.0 { endorsing / confidence } else { 0.0 };
            let badge = badge(endorsing, disputing, t_plus_d, thresholds);
            ArtifactScore { artifact: artifact.clone(), value, confidence, badge, opinions, endorsing, disputing }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Badge::*;

    #[test]
    fn p_h_is_trusted_by_a_pre_trusted_peer_and_its_reports_mark_peers_reported() {
        use crate::ingest::Edge;
        let edge = |truster, trustee, value| Edge { truster, trustee, value };
        let peers: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).into();
        // a is pre-trusted; b and e are trusted by a; c trusts d; b (in P_h)
        // distrusts e, and c (not in P_h) distrusts f.
        let edges = vec![edge(0, 1, 1.0), edge(0, 4, 1.0), edge(2, 3, 1.0), edge(1, 4, -1.0), edge(2, 5, -1.0)];
        let graph = crate::graph::build(peers, edges, &[(0, 1.0)]);
        let pretrusted: Vec<bool> = graph.pretrust.iter().map(|&p| p > 0.0).collect();
        let (highly, badges) = peer_standing(&graph, &pretrusted);
        assert_eq!(highly, [false, true, false, false, true, false]);
        let reported = Some(PeerBadge::Reported);
        assert_eq!(badges, [None, Some(PeerBadge::HighlyTrusted), None, None, reported, None]);
    }

    #[test]
    fn badges_at_every_boundary_under_the_caip_rule() {
        let d = 0.25;
        // (endorsing, disputing) weights; C = their sum.
        // C(s) just below and exactly at T⁺(d).
        assert_eq!(badge(0.2499, 0.0, d, Thresholds::Caip), InsufficientReviews);
        assert_eq!(badge(0.25, 0.0, d, Thresholds::Caip), Endorsed, "C(s) = T⁺(d) is enough");
        // C = 1: R_c exactly 1 − T⁺(d)/C = 0.75 is not Endorsed; just above is.
        assert_eq!(badge(0.75, 0.25, d, Thresholds::Caip), InReview, "exactly 1 − T⁺(d)/C is not Endorsed");
        assert_eq!(badge(0.7500001, 0.2499999, d, Thresholds::Caip), Endorsed);
        // R_c exactly T⁺(d)/C = 0.25 is not Reported; just below is.
        assert_eq!(badge(0.25, 0.75, d, Thresholds::Caip), InReview, "exactly T⁺(d)/C is not Reported");
        assert_eq!(badge(0.2499999, 0.7500001, d, Thresholds::Caip), Reported);
        // C = 0.5: both thresholds are 0.5 — only unanimity moves the badge.
        assert_eq!(badge(0.25, 0.25, d, Thresholds::Caip), InReview);
        assert_eq!(badge(0.0, 0.0, d, Thresholds::Caip), InsufficientReviews, "no trusted opinion");
        // A lone dissident d (weight T⁺(d)) against any endorsement: never Endorsed, even where
        // R_c and 1 − T⁺(d)/C round differently (0.1 + 0.2 style values).
        for endorsing in [0.1, 0.2, 0.3, 0.7, 1.0 / 3.0, 12.5] {
            assert_ne!(badge(endorsing, 0.1 + 0.2, 0.1 + 0.2, Thresholds::Caip), Endorsed, "{endorsing}");
        }
    }

    #[test]
    fn the_k3l_2024_rule_ignores_confidence() {
        // C = 0.5, R_c = 0.6, T⁺(d) = 0.25: caip needs R_c > 0.5 → Endorsed;
        // k3l-2024 needs R_c > 0.75 → InReview. The rules disagree here.
        assert_eq!(badge(0.3, 0.2, 0.25, Thresholds::Caip), Endorsed);
        assert_eq!(badge(0.3, 0.2, 0.25, Thresholds::K3l2024), InReview);
        assert_eq!(badge(0.2, 0.3, 0.25, Thresholds::Caip), Reported);
        assert_eq!(badge(0.2, 0.3, 0.25, Thresholds::K3l2024), InReview);
        assert_eq!(badge(0.4, 0.1, 0.25, Thresholds::K3l2024), Endorsed, "R_c = 0.8 > 0.75");
    }

    #[test]
    fn with_p_h_empty_t_plus_d_is_one_and_little_trust_is_insufficient() {
        let t = weakest_highly_trusted(&[0.3, 0.7], &[false, false]);
        assert_eq!(t, 1.0);
        let o = |endorses, weight| Opinion {
            artifact: artifact("1"),
            endorses,
            weight,
            issuer: "p".into(),
            assertion: false,
        };
        // All the trust there is (sum 1) endorsing: C = 1 = T⁺(d), disputing 0 < 1 → Endorsed.
        assert_eq!(score_artifacts(&[o(true, 0.3), o(true, 0.7)], t, Thresholds::Caip)[0].badge, Endorsed);
        // Anything less than all of it is not enough.
        assert_eq!(score_artifacts(&[o(true, 0.7)], t, Thresholds::Caip)[0].badge, InsufficientReviews);
    }

    #[test]
    fn only_non_positive_trust_opiners_leave_no_score() {
        let review = |issuer: &str| Review {
            issuer: issuer.into(),
            artifact: artifact("1"),
            endorsed: true,
            issued_ms: 0,
            weight: 1.0,
        };
        let trust = |p: &str| if p == "zero" { 0.0 } else { -0.2 };
        let weighted = opinions(&[review("zero"), review("negative")], &[], &[], |p| Standing::of(trust(p)));
        assert!(weighted.is_empty());
        assert!(score_artifacts(&weighted, 0.1, Thresholds::Caip).is_empty(), "no opinion counts: no score line");
    }

    #[test]
    fn weakest_highly_trusted_defaults_to_one() {
        assert_eq!(weakest_highly_trusted(&[0.5, 0.2, 0.3], &[true, false, true]), 0.3);
        assert_eq!(weakest_highly_trusted(&[0.5, 0.2], &[false, false]), 1.0);
    }

    fn artifact(v: &str) -> ArtifactId {
        ArtifactId { id: "did:snap:x".into(), version: Some(v.into()) }
    }

    #[test]
    fn a_member_of_p_h_in_good_standing_weighs_at_least_the_bar() {
        let standing = |p: &str| match p {
            "h" => Standing { trust: 0.05, floor: 0.25 },
            "gone" => Standing { trust: -0.01, floor: 0.25 },
            "c" => Standing::of(0.3),
            _ => Standing::default(),
        };
        let review = |issuer: &str| Review {
            issuer: issuer.into(),
            artifact: artifact("1"),
            endorsed: false,
            issued_ms: 0,
            weight: 1.0,
        };
        let security = |issuer: &str| SecurityAssertion {
            issuer: issuer.into(),
            artifact: artifact("2"),
            findings: Findings::Critical,
            cid: format!("bafk-{issuer}"),
            issued_ms: 0,
            weight: 1.0,
        };
        let disputed = AssertionOpinion {
            issuer: "c".into(),
            assertion: "bafk-h".into(),
            endorsed: false,
            issued_ms: 0,
            weight: 1.0,
        };
        let got = opinions(&[review("h"), review("gone")], &[security("h"), security("gone")], &[disputed], standing);
        // h's review weighs max(0.05, 0.25); its assertion, disputed by c, max(0.05 − 0.3, 0.25);
        // a discredited member (T ≤ 0) counts for nothing.
        let weights: Vec<(bool, f64)> = got.iter().map(|o| (o.artifact == artifact("1"), o.weight)).collect();
        assert_eq!(weights, [(true, 0.25), (false, 0.25)]);
    }

    #[test]
    fn opinions_weigh_reviews_and_backed_security_assertions() {
        let review = |issuer: &str, endorsed| Review {
            issuer: issuer.into(),
            artifact: artifact("1"),
            endorsed,
            issued_ms: 0,
            weight: 1.0,
        };
        let trust = |p: &str| match p {
            "a" => 0.4,
            "b" => 0.2,
            "c" => 0.1,
            "z" => -0.1,
            _ => 0.0,
        };
        let security = vec![SecurityAssertion {
            issuer: "a".into(),
            artifact: artifact("2"),
            findings: Findings::Critical,
            cid: "bafk1".into(),
            issued_ms: 0,
            weight: 0.5,
        }];
        let endorsements = vec![
            AssertionOpinion {
                issuer: "b".into(),
                assertion: "bafk1".into(),
                endorsed: true,
                issued_ms: 0,
                weight: 1.0,
            },
            AssertionOpinion {
                issuer: "c".into(),
                assertion: "bafk1".into(),
                endorsed: false,
                issued_ms: 0,
                weight: 1.0,
            },
            AssertionOpinion {
                issuer: "z".into(),
                assertion: "bafk1".into(),
                endorsed: true,
                issued_ms: 0,
                weight: 1.0,
            },
        ];
        let got = opinions(
            &[review("a", true), review("b", false), review("z", true), review("nobody", true)],
            &security,
            &endorsements,
            |p| Standing::of(trust(p)),
        );
        // Reviews by a and b count; z (T < 0) and an outsider (T = 0) do not.
        // The assertion weighs 0.4 + 0.2 − 0.1 = 0.5 (its decay weight does not count) and disputes.
        assert_eq!(got.len(), 3);
        assert_eq!((&got[2].artifact, got[2].endorses), (&artifact("2"), false));
        assert!((got[2].weight - 0.5).abs() < 1e-15, "{}", got[2].weight);
        let scores = score_artifacts(&got, 0.25, Thresholds::Caip);
        // Version 1: C = 0.6, R_c = 0.4/0.6; Endorsed needs > 1 − 0.25/0.6 = 0.583…: yes.
        assert_eq!(scores[0].badge, Endorsed);
        assert!((scores[0].value - 2.0 / 3.0).abs() < 1e-15 && (scores[0].confidence - 0.6).abs() < 1e-15);
        // Version 2: C = 0.5 ≥ T⁺(d), endorsing 0 < T⁺(d): Reported.
        assert_eq!((scores[1].badge, scores[1].opinions), (Reported, 1));
    }
}
