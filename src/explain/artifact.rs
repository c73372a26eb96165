//! An artifact's badge, explained: every opinion that counts with its
//! weight, C and R_c, the weakest highly trusted peer d with T⁺(d), and the
//! badge rule with the numbers filled in.

use crate::ingest::identity::ArtifactId;
use crate::models::sentiment::{self, Badge, Thresholds};
use crate::models::trust::ScopeView;
use serde::Serialize;

/// One opinion that counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpinionLine {
    /// Who holds it.
    pub issuer: String,
    /// `review` or `security-assertion`.
    pub kind: &'static str,
    /// Endorses (R = 1) or disputes (R = 0).
    pub endorses: bool,
    /// w(p).
    pub weight: f64,
}

/// An artifact version's sentiment, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactExplanation {
    /// The sentiment scope.
    pub scope: String,
    /// The artifact version.
    pub artifact: ArtifactId,
    /// Every opinion that counts, heaviest first.
    pub opinions: Vec<OpinionLine>,
    /// The endorsing weights, summed.
    pub endorsing: f64,
    /// The disputing weights, summed.
    pub disputing: f64,
    /// C(s) = endorsing + disputing.
    pub confidence: f64,
    /// R_c(s) = endorsing / C(s) (0 when nothing counts).
    pub value: f64,
    /// d, the weakest member of P_h (none when P_h is empty).
    pub weakest: Option<String>,
    /// T⁺(d) (1 when P_h is empty).
    pub weakest_trust: f64,
    /// The badge.
    pub badge: &'static str,
    /// The rule that gave it, with the numbers.
    pub rule: String,
}

/// Explains `artifact` from the sentiment scope `view`; `None` if it is not
/// the sentiment scope or nothing is said about the artifact there.
pub fn explain(view: &ScopeView, artifact: &ArtifactId) -> Option<ArtifactExplanation> {
    let (reviews, security, endorsements) = view.artifacts?;
    let peers = &view.graph.peers;
    let t_positive = &view.iterates.trust_positive;
    let (weakest_trust, standing) = sentiment::standings(peers, view.trust, t_positive, view.highly, view.thresholds);
    let reviews: Vec<_> = reviews.iter().filter(|r| r.artifact == *artifact).cloned().collect();
    let security: Vec<_> = security.iter().filter(|a| a.artifact == *artifact).cloned().collect();
    if reviews.is_empty() && security.is_empty() {
        return None;
    }
    let opinions = sentiment::opinions(&reviews, &security, endorsements, standing);
    let scored = sentiment::score_artifacts(&opinions, weakest_trust, view.thresholds);
    let mut lines: Vec<OpinionLine> = opinions
        .into_iter()
        .map(|o| OpinionLine {
            issuer: o.issuer,
            kind: if o.assertion { "security-assertion" } else { "review" },
            endorses: o.endorses,
            weight: o.weight,
        })
        .collect();
    lines.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.issuer.cmp(&b.issuer)));
    let weakest =
        (0..peers.len()).filter(|&k| view.highly[k] && t_positive[k] == weakest_trust).map(|k| peers[k].clone()).min();
    let (value, confidence, badge, endorsing, disputing) = match scored.first() {
        Some(s) => (s.value, s.confidence, s.badge, s.endorsing, s.disputing),
        None => (0.0, 0.0, Badge::InsufficientReviews, 0.0, 0.0),
    };
    Some(ArtifactExplanation {
        scope: view.scope.to_owned(),
        artifact: artifact.clone(),
        opinions: lines,
        endorsing,
        disputing,
        confidence,
        value,
        weakest,
        weakest_trust,
        badge: badge.name(),
        rule: rule(endorsing, disputing, weakest_trust, view.thresholds, badge),
    })
}

/// The badge rule of [`sentiment::badge`] with the numbers filled in.
fn rule(endorsing: f64, disputing: f64, d: f64, thresholds: Thresholds, badge: Badge) -> String {
    let c = endorsing + disputing;
    if c <= 0.0 || c < d {
        return format!("C = {c} < T⁺(d) = {d}: InsufficientReviews");
    }
    let tests = match thresholds {
        Thresholds::Caip => format!(
            "C = {c} ≥ T⁺(d) = {d}; Endorsed if disputing {disputing} < T⁺(d) (R_c > 1 − T⁺(d)/C), \
             Reported if endorsing {endorsing} < T⁺(d) (R_c < T⁺(d)/C), else InReview [caip]"
        ),
        Thresholds::K3l2024 => format!(
            "C = {c} ≥ T⁺(d) = {d}; R_c = {}: Endorsed if R_c > 1 − T⁺(d) = {}, Reported if R_c < T⁺(d), else InReview [k3l-2024]",
            endorsing / c,
            1.0 - d
        ),
    };
    format!("{tests}: {}", badge.name())
}
