//! A peer's score, decomposed: T⁺ into its pre-trust share, its dangling
//! share and one contribution per truster; T⁺ − T into one deduction per
//! distruster; and its badge with the reason.
//!
//! T⁺ is the last EigenTrust iterate t_k = (1−α)·(Cᵀt_{k−1} + D·p) + α·p,
//! where D is the trust the dangling (and fading) rows hand to pre-trust.
//! The terms are taken from t_{k−1}, the iterate T⁺ was computed from, so
//! they sum to T⁺ up to rounding, not merely within ε.

use crate::compute::distrust::power;
use crate::models::sentiment::PeerBadge;
use crate::models::trust::ScopeView;
use crate::numeric::compensated_sum;
use serde::Serialize;

/// One truster's part of a peer's T⁺.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    /// The truster.
    pub truster: String,
    /// C\[i,j\]: the truster's normalised local trust in the peer.
    pub weight: f64,
    /// The truster's score in the iterate T⁺ was computed from (within ε of its T⁺).
    pub truster_trust: f64,
    /// (1−α)·C\[i,j\]·t_{k−1}\[i\].
    pub contribution: f64,
}

/// One distruster's deduction from a peer's T⁺.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deduction {
    /// The distruster.
    pub distruster: String,
    /// D\[i,j\]: the distruster's normalised distrust of the peer.
    pub weight: f64,
    /// The distruster's T⁺.
    pub distruster_trust: f64,
    /// D\[i,j\]·power(T⁺\[i\]) under the distrust mode.
    pub deduction: f64,
}

/// A peer's score, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerExplanation {
    /// The scope.
    pub scope: String,
    /// The peer.
    pub peer: String,
    /// T⁺.
    pub trust_positive: f64,
    /// T.
    pub trust: f64,
    /// α·p\[j\].
    pub pretrust_share: f64,
    /// (1−α)·D·p\[j\]: its pre-trust's part of what dangling and fading rows hand back.
    pub dangling_share: f64,
    /// The largest contributions, largest first (ties by truster), at most `top`.
    pub contributions: Vec<Contribution>,
    /// How many further trusters there are.
    pub others: usize,
    /// Their contributions, summed.
    pub others_sum: f64,
    /// Every deduction, largest first; they sum to T⁺ − T.
    pub deductions: Vec<Deduction>,
    /// The distrust adjustment that made them.
    pub distrust: &'static str,
    /// The peer's badge, if any.
    pub badge: Option<&'static str>,
    /// Why it has that badge, or none.
    pub badge_reason: String,
}

impl PeerExplanation {
    /// The pre-trust share, the dangling share and every contribution, summed (= T⁺ up to rounding).
    pub fn sum_of_parts(&self) -> f64 {
        let shown = self.contributions.iter().map(|c| c.contribution);
        compensated_sum([self.pretrust_share, self.dangling_share, self.others_sum].into_iter().chain(shown))
    }

    /// The deductions, summed (= T⁺ − T up to rounding).
    pub fn sum_of_deductions(&self) -> f64 {
        compensated_sum(self.deductions.iter().map(|d| d.deduction))
    }
}

/// Explains peer `j` of the scope `view`, listing its `top` largest contributions.
pub fn explain(view: &ScopeView, j: usize, top: usize) -> PeerExplanation {
    let graph = view.graph;
    let previous = &view.iterates.previous;
    let t_positive = &view.iterates.trust_positive;
    let alpha = view.alpha;
    let p = graph.pretrust[j];
    let dangling_mass = compensated_sum(
        graph
            .dangling
            .iter()
            .map(|&i| previous[i as usize])
            .chain(graph.leak.iter().map(|&(i, share)| share * previous[i as usize])),
    );
    let mut contributions: Vec<Contribution> = graph
        .trust
        .incoming_of(j)
        .into_iter()
        .map(|(i, w)| Contribution {
            truster: graph.peers[i as usize].clone(),
            weight: w,
            truster_trust: previous[i as usize],
            contribution: (1.0 - alpha) * w * previous[i as usize],
        })
        .collect();
    contributions.sort_by(|a, b| b.contribution.total_cmp(&a.contribution).then_with(|| a.truster.cmp(&b.truster)));
    let rest = contributions.split_off(top.min(contributions.len()));
    let mut deductions: Vec<Deduction> = graph
        .distrust
        .incoming_of(j)
        .into_iter()
        .filter_map(|(i, w)| {
            let distruster_trust = t_positive[i as usize];
            let deduction = w * power(view.distrust, distruster_trust, view.bar);
            (deduction != 0.0).then(|| Deduction {
                distruster: graph.peers[i as usize].clone(),
                weight: w,
                distruster_trust,
                deduction,
            })
        })
        .collect();
    deductions.sort_by(|a, b| b.deduction.total_cmp(&a.deduction).then_with(|| a.distruster.cmp(&b.distruster)));
    let (badge, badge_reason) = badge(view, j);
    PeerExplanation {
        scope: view.scope.to_owned(),
        peer: graph.peers[j].clone(),
        trust_positive: t_positive[j],
        trust: view.trust[j],
        pretrust_share: alpha * p,
        dangling_share: (1.0 - alpha) * dangling_mass * p,
        others: rest.len(),
        others_sum: compensated_sum(rest.iter().map(|c| c.contribution)),
        contributions,
        deductions,
        distrust: view.distrust.id(),
        badge: badge.map(PeerBadge::name),
        badge_reason,
    }
}

/// The peer badge of `j` and the rule that gave it, naming the peers it rests on.
fn badge(view: &ScopeView, j: usize) -> (Option<PeerBadge>, String) {
    let graph = view.graph;
    let names = |edges: Vec<(u32, f64)>, wanted: &dyn Fn(usize) -> bool| -> Vec<String> {
        let mut names: Vec<String> = edges
            .into_iter()
            .filter(|&(i, w)| w > 0.0 && wanted(i as usize))
            .map(|(i, _)| graph.peers[i as usize].clone())
            .collect();
        names.sort();
        names
    };
    let reporters = names(graph.distrust.incoming_of(j), &|i| view.highly[i]);
    let pretrusted = |i: usize| graph.pretrust[i] > 0.0;
    let reason = match view.badges[j] {
        Some(PeerBadge::Reported) => format!(
            "Reported: distrusted by {} of the highly trusted peers P_h ({})",
            reporters.len(),
            list(&reporters)
        ),
        Some(PeerBadge::HighlyTrusted) => {
            let vouchers = names(graph.trust.incoming_of(j), &pretrusted);
            format!("HighlyTrusted (in P_h): trusted by pre-trusted {}; no member of P_h distrusts it", list(&vouchers))
        }
        None => "no badge: no pre-trusted peer trusts it, and no member of P_h distrusts it".to_owned(),
    };
    (view.badges[j], reason)
}

/// Up to five names, then how many more.
fn list(names: &[String]) -> String {
    let mut shown = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        shown.push_str(&format!(" and {} more", names.len() - 5));
    }
    shown
}
