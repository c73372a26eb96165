//! Author reputation and patch quality. Every score is in [0, 1]. A
//! component without data is reported as missing (`null`), never as 0, and
//! the combined score is the weighted mean of the components present
//! (weights renormalised); with none present the combined score is missing too.

use crate::compute::vouching;
pub use crate::config::patches::{QualityWeights, ReputationParams, ReputationWeights, SeverityWeights};
use crate::error::Result;
use crate::history::{Application, ApplicationOutcome};
use crate::ingest::patches::{Issue, Patch, Severity};
use crate::ingest::records::Vouch;
use serde::Serialize;

use std::collections::{BTreeMap, BTreeSet};

impl SeverityWeights {
    fn of(&self, s: Severity) -> f64 {
        match s {
            Severity::Critical => self.critical,
            Severity::Major => self.major,
            Severity::Minor => self.minor,
        }
    }
}

/// Scores by component name; `None` = missing.
pub type Components = BTreeMap<&'static str, Option<f64>>;

/// The weighted mean of the present components, or `None` if none is present.
pub fn combine(components: &Components, weight: impl Fn(&str) -> f64) -> Option<f64> {
    let present: Vec<(f64, f64)> =
        components.iter().filter_map(|(name, s)| s.map(|s| (weight(name), s))).filter(|(w, _)| *w > 0.0).collect();
    let total: f64 = present.iter().map(|(w, _)| w).sum();
    (total > 0.0).then(|| present.iter().map(|(w, s)| w * s).sum::<f64>() / total)
}

/// An author's reputation at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorReputation {
    /// The author.
    pub author: String,
    /// Combined score; `None` when every component is missing.
    pub reputation: Option<f64>,
    /// Each component; `None` = missing.
    pub components: Components,
    /// Applications of the author's patches counted.
    pub applications: u64,
    /// Issues against them counted.
    pub issues: u64,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Every author's reputation from the history up to `at_ms`.
pub fn author_reputations(
    patches: &[Patch],
    applications: &[Application],
    issues: &[Issue],
    vouches: &[Vouch],
    params: &ReputationParams,
    at_ms: i64,
) -> Result<Vec<AuthorReputation>> {
    let author_of: BTreeMap<&str, &str> = patches.iter().map(|p| (p.patch_id.as_str(), p.author.as_str())).collect();
    let authors: BTreeSet<&str> = author_of.values().copied().collect();
    let mut out = Vec::new();
    let ids: Vec<&str> = authors.iter().copied().collect();
    let maintainers: Vec<&str> = params.maintainers.iter().map(String::as_str).collect();
    let vouch = vouching(&ids, vouches, &maintainers, &params.eigentrust, at_ms)?;
    let top = vouch.trust.values().copied().fold(0.0, f64::max);
    const HOUR_MS: f64 = 3_600_000.0;
    // Each author's applications, issues and patch count up to `at_ms`, in one pass over each.
    let mut by_author: BTreeMap<&str, (Vec<&Application>, Vec<&Issue>, f64)> =
        authors.iter().map(|&a| (a, (Vec::new(), Vec::new(), 0.0))).collect();
    for a in applications.iter().filter(|a| a.applied_at_ms().is_ok_and(|t| t <= at_ms)) {
        if let Some(entry) = author_of.get(a.patch.as_str()).and_then(|author| by_author.get_mut(author)) {
            entry.0.push(a);
        }
    }
    for i in issues.iter().filter(|i| i.reported_ms <= at_ms) {
        if let Some(entry) = author_of.get(i.patch.as_str()).and_then(|author| by_author.get_mut(author)) {
            entry.1.push(i);
        }
    }
    for p in patches {
        if let Some(entry) = by_author.get_mut(p.author.as_str()) {
            entry.2 += 1.0;
        }
    }
    for (author, (applied, reported, patches_of)) in by_author {
        let n = applied.len() as f64;
        let successes = applied.iter().filter(|a| a.outcome == ApplicationOutcome::Success).count() as f64;
        let weighted: f64 = reported.iter().map(|i| params.severity.of(i.severity)).sum();
        let hours = |pick: fn(&Issue) -> Option<i64>| -> Vec<f64> {
            reported
                .iter()
                .filter_map(|i| pick(i).filter(|&t| t <= at_ms).map(|t| (t - i.reported_ms).max(0) as f64 / HOUR_MS))
                .collect()
        };
        let responsiveness = |target: f64, hours: Vec<f64>| mean(&hours).map(|h| target / (target + h));
        let components: Components = BTreeMap::from([
            ("success_rate", (n > 0.0).then(|| successes / n)),
            ("issue_rate", (n > 0.0).then(|| 1.0 - (reported.len() as f64 / n).min(1.0))),
            ("severity", (patches_of > 0.0).then(|| 1.0 / (1.0 + weighted / patches_of))),
            ("acknowledge", responsiveness(params.acknowledge_target_hours, hours(|i| i.acknowledged_ms))),
            ("resolve", responsiveness(params.resolve_target_hours, hours(|i| i.resolved_ms))),
            ("vouching", (top > 0.0).then(|| vouch.trust.get(author).copied().unwrap_or(0.0) / top)),
        ]);
        let w = &params.weights;
        let reputation = combine(&components, |name| match name {
            "success_rate" => w.success_rate,
            "issue_rate" => w.issue_rate,
            "severity" => w.severity,
            "acknowledge" => w.acknowledge,
            "resolve" => w.resolve,
            _ => w.vouching,
        });
        out.push(AuthorReputation {
            author: author.to_owned(),
            reputation,
            components,
            applications: applied.len() as u64,
            issues: reported.len() as u64,
        });
    }
    Ok(out)
}

/// A patch's quality components and combined score.
pub fn quality(patch: &Patch, weights: &QualityWeights) -> (Option<f64>, Components) {
    let components: Components = BTreeMap::from([
        ("coverage", patch.coverage),
        ("static_analysis", patch.static_analysis),
        ("feedback", mean(&patch.ratings).map(|r| (r - 1.0) / 4.0)),
    ]);
    let score = combine(&components, |name| match name {
        "coverage" => weights.coverage,
        "static_analysis" => weights.static_analysis,
        _ => weights.feedback,
    });
    (score, components)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::EigenTrustParams;
    use crate::history::{Application, ApplicationOutcome};
    use crate::ingest::patches::{Issue, Patch, Severity};

    const T: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn patch(id: &str, author: &str) -> Patch {
        Patch {
            patch_id: id.into(),
            author: author.into(),
            severity: Severity::Minor,
            coverage: None,
            static_analysis: None,
            ratings: Vec::new(),
            provenance: Vec::new(),
        }
    }

    fn applied(id: &str, patch: &str, ok: bool, at_ms: i64) -> Application {
        Application {
            event_id: id.into(),
            patch: patch.into(),
            target: "t".into(),
            applied_at: crate::as_of::format_ms(at_ms),
            outcome: if ok { ApplicationOutcome::Success } else { ApplicationOutcome::Failure },
            provenance_hash: None,
        }
    }

    fn issue(id: &str, patch: &str, severity: Severity, ack_h: Option<i64>, resolve_h: Option<i64>) -> Issue {
        Issue {
            id: id.into(),
            patch: patch.into(),
            severity,
            reported_ms: T - 1000 * HOUR,
            acknowledged_ms: ack_h.map(|h| T - 1000 * HOUR + h * HOUR),
            resolved_ms: resolve_h.map(|h| T - 1000 * HOUR + h * HOUR),
        }
    }

    fn params() -> ReputationParams {
        ReputationParams {
            weights: ReputationWeights::default(),
            severity: SeverityWeights::default(),
            acknowledge_target_hours: 24.0,
            resolve_target_hours: 168.0,
            maintainers: vec!["m".into()],
            eigentrust: EigenTrustParams::default(),
        }
    }

    #[test]
    fn each_reputation_component_by_hand() {
        let patches = [patch("a1", "ann"), patch("a2", "ann"), patch("n1", "new")];
        // 4 applications, 3 successes; one in the future of `at` is not counted.
        let apps = [
            applied("e1", "a1", true, T - 10 * HOUR),
            applied("e2", "a1", false, T - 9 * HOUR),
            applied("e3", "a2", true, T - 8 * HOUR),
            applied("e4", "a2", true, T - 7 * HOUR),
            applied("e5", "a2", false, T + HOUR),
        ];
        // One critical (5) and one minor (0.5) issue over 2 patches: 1 / (1 + 5.5/2).
        // Acknowledged after 12 and 36 hours (mean 24: 24/(24+24) = 0.5); one resolved after 168 hours.
        let issues = [
            issue("i1", "a1", Severity::Critical, Some(12), Some(168)),
            issue("i2", "a2", Severity::Minor, Some(36), None),
        ];
        let reps = author_reputations(&patches, &apps, &issues, &[], &params(), T).unwrap();
        let ann = &reps[0];
        assert_eq!((ann.author.as_str(), ann.applications, ann.issues), ("ann", 4, 2));
        let c = &ann.components;
        assert_eq!(c["success_rate"], Some(0.75));
        assert_eq!(c["issue_rate"], Some(0.5));
        assert_eq!(c["severity"], Some(1.0 / 3.75));
        assert_eq!(c["acknowledge"], Some(0.5));
        assert_eq!(c["resolve"], Some(0.5));
        assert_eq!(c["vouching"], None, "no vouch graph: missing, not zero");
        let w = ReputationWeights::default();
        let expected =
            (w.success_rate * 0.75 + w.issue_rate * 0.5 + w.severity / 3.75 + w.acknowledge * 0.5 + w.resolve * 0.5)
                / (w.success_rate + w.issue_rate + w.severity + w.acknowledge + w.resolve);
        assert!((ann.reputation.unwrap() - expected).abs() < 1e-15);
        // A newcomer: no applications or issues: only the severity component (no issues: 1).
        let new = &reps[1];
        assert_eq!(
            (new.components["success_rate"], new.components["acknowledge"], new.components["severity"]),
            (None, None, Some(1.0))
        );
        assert_eq!(new.reputation, Some(1.0));
        // More issues than applications floor the issue rate at 0.
        let many: Vec<Issue> = (0..9).map(|k| issue(&format!("x{k}"), "a1", Severity::Minor, None, None)).collect();
        let reps = author_reputations(&patches, &apps, &many, &[], &params(), T).unwrap();
        assert_eq!(reps[0].components["issue_rate"], Some(0.0));
    }

    #[test]
    fn vouching_is_relative_to_the_best_vouched_author() {
        let patches = [patch("a", "ann"), patch("b", "bo"), patch("m", "m")];
        let vouch = |a: &str, b: &str| Vouch { voucher: a.into(), vouchee: b.into(), at_ms: T - HOUR, weight: 1.0 };
        let reps =
            author_reputations(&patches, &[], &[], &[vouch("m", "ann"), vouch("ann", "m")], &params(), T).unwrap();
        let score = |who: &str| reps.iter().find(|r| r.author == who).unwrap().components["vouching"];
        assert_eq!(score("bo"), Some(0.0));
        assert!(score("ann").is_some_and(|s| s > 0.0 && s <= 1.0));
        assert_eq!(score("ann").unwrap().max(score("m").unwrap()), 1.0);
    }

    #[test]
    fn quality_components_and_missing_ones() {
        let mut p = patch("p", "a");
        assert_eq!(quality(&p, &QualityWeights::default()).0, None, "nothing measured: missing");
        p.coverage = Some(0.5);
        assert_eq!(quality(&p, &QualityWeights::default()).0, Some(0.5), "only coverage present");
        p.static_analysis = Some(1.0);
        p.ratings = vec![5.0, 3.0]; // mean 4 → 0.75
        let (score, components) = quality(&p, &QualityWeights::default());
        assert_eq!(components["feedback"], Some(0.75));
        assert!((score.unwrap() - (0.4 * 0.5 + 0.4 * 1.0 + 0.2 * 0.75)).abs() < 1e-15);
    }
}
