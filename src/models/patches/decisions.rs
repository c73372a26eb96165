//! Patches (DESIGN 6.2): provenance chains, author reputation, patch quality,
//! and the ordered policy rules that decide each candidate patch.
//!
//! Every score is in [0, 1]. A component without data is reported as
//! missing (`null`), never as 0, and the combined score is the weighted mean
//! of the components present (weights renormalised); with none present the
//! combined score is missing too.

use crate::compute::{EigenTrustParams, vouching};
use crate::crypto::canonical_value;
use crate::error::Result;
use crate::history::{Application, ApplicationOutcome};
use crate::ingest::patches::{Issue, Link, Patch, Severity};
use crate::ingest::records::Vouch;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The kinds of link a chain must have, in order, with the data fields each needs.
pub const CHAIN: [(&str, &[&str]); 4] = [
    ("author", &["author"]),
    ("build_environment", &["compiler", "dependencies_lock"]),
    ("test_results", &["passed", "failed"]),
    ("build_process", &["hash"]),
];

/// The hash a link must carry.
pub fn link_hash(kind: &str, data: &Value, prev: Option<&str>) -> String {
    let unhashed = json!({"kind": kind, "data": data, "prev": prev});
    hex::encode(Sha256::digest(canonical_value(&unhashed).unwrap_or_default()))
}

/// Builds a valid chain from link facts (kind, data), for samples and tests.
pub fn make_chain(links: &[(&str, Value)]) -> Vec<Link> {
    let mut prev: Option<String> = None;
    links
        .iter()
        .map(|(kind, data)| {
            let hash = link_hash(kind, data, prev.as_deref());
            let link = Link { kind: (*kind).to_owned(), data: data.clone(), prev: prev.clone(), hash: hash.clone() };
            prev = Some(hash);
            link
        })
        .collect()
}

/// The outcome of checking a chain: the head hash, or why it does not verify.
pub fn verify_chain(links: &[Link], author: &str) -> std::result::Result<String, String> {
    let mut prev: Option<&str> = None;
    for (k, (kind, fields)) in CHAIN.iter().enumerate() {
        let Some(link) = links.get(k) else { return Err(format!("missing link {k} ({kind})")) };
        if link.kind != *kind {
            return Err(format!("link {k} is {:?}, expected {kind} (a link is missing or out of order)", link.kind));
        }
        if let Some(field) = fields.iter().find(|f| link.data.get(**f).is_none()) {
            return Err(format!("link {k} ({kind}) has no {field}"));
        }
        if link.prev.as_deref() != prev {
            return Err(match k {
                0 => format!("link 0 ({kind}): prev must be null"),
                _ => format!("link {k} ({kind}): prev is not the hash of link {}", k - 1),
            });
        }
        if link_hash(&link.kind, &link.data, link.prev.as_deref()) != link.hash {
            return Err(format!("link {k} ({kind}): hash does not match its content (tampered)"));
        }
        prev = Some(&link.hash);
    }
    if links.len() > CHAIN.len() {
        return Err(format!("{} links, expected {}", links.len(), CHAIN.len()));
    }
    let named = links[0].data.get("author").and_then(Value::as_str).unwrap_or("");
    if named != author {
        return Err(format!("the author link names {named:?}, the patch's author is {author:?}"));
    }
    Ok(links[CHAIN.len() - 1].hash.clone())
}

/// Weights of the author reputation components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReputationWeights {
    /// Successful applications / applications.
    pub success_rate: f64,
    /// 1 − min(1, issues / applications).
    pub issue_rate: f64,
    /// 1 / (1 + severity-weighted issues per patch).
    pub severity: f64,
    /// target / (target + mean hours to acknowledge).
    pub acknowledge: f64,
    /// target / (target + mean hours to resolve).
    pub resolve: f64,
    /// Vouch EigenTrust score relative to the highest.
    pub vouching: f64,
}

impl Default for ReputationWeights {
    fn default() -> Self {
        ReputationWeights {
            success_rate: 0.3,
            issue_rate: 0.15,
            severity: 0.2,
            acknowledge: 0.1,
            resolve: 0.1,
            vouching: 0.15,
        }
    }
}

/// Weights of the patch quality components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QualityWeights {
    /// Test coverage.
    pub coverage: f64,
    /// Static-analysis score.
    pub static_analysis: f64,
    /// (mean rating − 1) / 4.
    pub feedback: f64,
}

impl Default for QualityWeights {
    fn default() -> Self {
        QualityWeights { coverage: 0.4, static_analysis: 0.4, feedback: 0.2 }
    }
}

/// Issue severity weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeverityWeights {
    /// Weight of a critical issue.
    pub critical: f64,
    /// Of a major one.
    pub major: f64,
    /// Of a minor one.
    pub minor: f64,
}

impl Default for SeverityWeights {
    fn default() -> Self {
        SeverityWeights { critical: 5.0, major: 2.0, minor: 0.5 }
    }
}

impl SeverityWeights {
    fn of(&self, s: Severity) -> f64 {
        match s {
            Severity::Critical => self.critical,
            Severity::Major => self.major,
            Severity::Minor => self.minor,
        }
    }
}

/// Parameters of author reputation.
#[derive(Debug, Clone, PartialEq)]
pub struct ReputationParams {
    /// Component weights.
    pub weights: ReputationWeights,
    /// Issue severity weights.
    pub severity: SeverityWeights,
    /// Hours to acknowledge that score 0.5.
    pub acknowledge_target_hours: f64,
    /// Hours to resolve that score 0.5.
    pub resolve_target_hours: f64,
    /// Pre-trusted authors of the vouch graph.
    pub maintainers: Vec<String>,
    /// EigenTrust parameters of the vouch graph.
    pub eigentrust: EigenTrustParams,
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

/// What a rule does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Roll out to every target.
    Approve,
    /// Never roll out.
    Reject,
    /// Hold for a person to look at.
    Quarantine,
    /// Roll out to a cohort of `percent` of the targets.
    Rollout,
}

/// The conditions of a rule; all that are given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Author reputation < this (a missing reputation counts as below).
    pub author_reputation_below: Option<f64>,
    /// Patch quality < this (a missing quality counts as below).
    pub quality_below: Option<f64>,
    /// The patch's severity is one of these.
    pub severity: Option<Vec<Severity>>,
    /// The author's reputation fell by more than this within `window_days` (missing = no fall).
    pub reputation_drop_above: Option<f64>,
    /// The window of `reputation_drop_above`, in days.
    pub window_days: Option<f64>,
    /// The provenance chain does (`true`) or does not (`false`) verify.
    pub provenance_verified: Option<bool>,
}

/// One policy rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Its name, quoted in decisions.
    pub name: String,
    /// When it fires (no conditions = always).
    #[serde(default)]
    pub when: Conditions,
    /// What it does.
    pub action: Action,
    /// For `rollout`: the cohort's share of targets, in percent (0, 100], two decimals at most.
    pub percent: Option<f64>,
}

impl Rule {
    /// Checks the rule's values; `Err` names the problem.
    pub fn check(&self) -> std::result::Result<(), String> {
        let c = &self.when;
        match (self.action, self.percent) {
            (Action::Rollout, Some(p)) if p > 0.0 && p <= 100.0 => {}
            (Action::Rollout, _) => return Err(format!("rule {:?}: rollout needs percent in (0, 100]", self.name)),
            (_, Some(_)) => return Err(format!("rule {:?}: percent is only for action = \"rollout\"", self.name)),
            _ => {}
        }
        if c.reputation_drop_above.is_some() != c.window_days.is_some() {
            return Err(format!("rule {:?}: reputation_drop_above and window_days go together", self.name));
        }
        let unit = [c.author_reputation_below, c.quality_below, c.reputation_drop_above];
        if unit.iter().flatten().any(|v| !(0.0..=1.0).contains(v)) {
            return Err(format!("rule {:?}: reputation and quality bars are within [0, 1]", self.name));
        }
        if c.window_days.is_some_and(|w| !(w.is_finite() && w > 0.0)) {
            return Err(format!("rule {:?}: window_days must be positive", self.name));
        }
        Ok(())
    }
}

/// What the rules saw for one patch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    /// Author reputation at `as_of`.
    pub author_reputation: Option<f64>,
    /// Its fall over each rule's window: rep(as_of − window) − rep(as_of), by window in days.
    pub reputation_drop: BTreeMap<String, Option<f64>>,
    /// Patch quality.
    pub quality: Option<f64>,
    /// Patch severity.
    pub severity: Severity,
    /// `verified`, or why the chain does not verify.
    pub provenance: std::result::Result<String, String>,
}

/// The key of a window in [`Facts::reputation_drop`].
pub fn window_key(days: f64) -> String {
    crate::numeric::es6_number(days)
}

/// A rule's verdict on a patch.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The rule that fired (`provenance` for the built-in chain check, `default` when none fired).
    pub rule: String,
    /// Its action.
    pub action: Action,
    /// Rollout percent.
    pub percent: Option<f64>,
    /// Why, with the values seen.
    pub reason: String,
}

/// Decides a patch: a chain that does not verify quarantines it; otherwise
/// the first rule whose conditions all hold decides; if none does, approve.
pub fn decide(facts: &Facts, rules: &[Rule]) -> Verdict {
    if let Err(why) = &facts.provenance {
        return Verdict {
            rule: "provenance".into(),
            action: Action::Quarantine,
            percent: None,
            reason: format!("provenance chain does not verify: {why}"),
        };
    }
    let show = |v: Option<f64>| v.map_or("missing".to_owned(), crate::numeric::es6_number);
    for rule in rules {
        let c = &rule.when;
        let mut seen = Vec::new();
        let mut holds = true;
        if let Some(bar) = c.author_reputation_below {
            let ok = facts.author_reputation.is_none_or(|r| r < bar);
            seen.push(format!("author reputation {} < {}", show(facts.author_reputation), show(Some(bar))));
            holds &= ok;
        }
        if let Some(bar) = c.quality_below {
            holds &= facts.quality.is_none_or(|q| q < bar);
            seen.push(format!("quality {} < {}", show(facts.quality), show(Some(bar))));
        }
        if let Some(severities) = &c.severity {
            holds &= severities.contains(&facts.severity);
            let names: Vec<&str> = severities.iter().map(|s| s.id()).collect();
            seen.push(format!("severity {} in [{}]", facts.severity.id(), names.join(", ")));
        }
        if let (Some(bar), Some(days)) = (c.reputation_drop_above, c.window_days) {
            let drop = facts.reputation_drop.get(&window_key(days)).copied().flatten();
            holds &= drop.is_some_and(|d| d > bar);
            seen.push(format!("reputation drop over {} days {} > {}", show(Some(days)), show(drop), show(Some(bar))));
        }
        if let Some(wanted) = c.provenance_verified {
            holds &= facts.provenance.is_ok() == wanted;
            seen.push(format!("provenance verified = {wanted}"));
        }
        if holds {
            let because = if seen.is_empty() { "no conditions".to_owned() } else { seen.join(" and ") };
            return Verdict {
                rule: rule.name.clone(),
                action: rule.action,
                percent: rule.percent,
                reason: format!("rule {:?}: {because}", rule.name),
            };
        }
    }
    Verdict { rule: "default".into(), action: Action::Approve, percent: None, reason: "no rule fired".into() }
}

/// The cohort bucket of a (patch, target) pair in [0, 10000): the first 8
/// bytes of SHA-256(`patch` ‖ 0x00 ‖ `target`) as a big-endian integer, mod 10000.
pub fn cohort_bucket(patch: &str, target: &str) -> u64 {
    let digest =
        Sha256::new().chain_update(patch.as_bytes()).chain_update([0u8]).chain_update(target.as_bytes()).finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

/// Whether `target` is in the `percent`% cohort of `patch` (bucket < percent × 100).
pub fn in_cohort(patch: &str, target: &str, percent: f64) -> bool {
    (cohort_bucket(patch, target) as f64) < (percent * 100.0).round()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn valid_chain(author: &str) -> Vec<Link> {
        make_chain(&[
            ("author", json!({"author": author})),
            ("build_environment", json!({"compiler": "rustc 1.88.0", "dependencies_lock": "ab"})),
            ("test_results", json!({"passed": 10, "failed": 0})),
            ("build_process", json!({"hash": "cd"})),
        ])
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

    #[test]
    fn provenance_valid_tampered_wrong_author_missing_link() {
        let chain = valid_chain("ann");
        assert_eq!(verify_chain(&chain, "ann"), Ok(chain[3].hash.clone()));
        let mut tampered = chain.clone();
        tampered[1].data["compiler"] = json!("evilcc 6.6.6");
        assert_eq!(
            verify_chain(&tampered, "ann").unwrap_err(),
            "link 1 (build_environment): hash does not match its content (tampered)"
        );
        assert_eq!(
            verify_chain(&chain, "bob").unwrap_err(),
            "the author link names \"ann\", the patch's author is \"bob\""
        );
        let mut missing = chain.clone();
        missing.remove(2);
        assert!(
            verify_chain(&missing, "ann")
                .unwrap_err()
                .starts_with("link 2 is \"build_process\", expected test_results")
        );
        assert_eq!(verify_chain(&chain[..3], "ann").unwrap_err(), "missing link 3 (build_process)");
        let mut relinked = chain.clone();
        relinked[2].prev = Some("00".repeat(32));
        assert!(verify_chain(&relinked, "ann").unwrap_err().contains("prev is not the hash of link 1"));
        // Each broken chain quarantines, before any rule (here one that would approve everything), with its reason.
        let approve_all =
            [Rule { name: "approve-all".into(), when: Conditions::default(), action: Action::Approve, percent: None }];
        let cases = [
            (verify_chain(&tampered, "ann"), "hash does not match its content (tampered)"),
            (verify_chain(&chain, "bob"), "the author link names \"ann\""),
            (verify_chain(&chain[..3], "ann"), "missing link 3 (build_process)"),
            (verify_chain(&chain, "ann"), ""),
        ];
        for (provenance, reason) in cases {
            let broken = provenance.is_err();
            let facts = Facts {
                author_reputation: Some(1.0),
                reputation_drop: BTreeMap::new(),
                quality: Some(1.0),
                severity: Severity::Minor,
                provenance,
            };
            let verdict = decide(&facts, &approve_all);
            if broken {
                assert_eq!((verdict.rule.as_str(), verdict.action), ("provenance", Action::Quarantine));
                assert!(
                    verdict.reason.starts_with("provenance chain does not verify: ") && verdict.reason.contains(reason)
                );
            } else {
                assert_eq!((verdict.rule.as_str(), verdict.action), ("approve-all", Action::Approve));
            }
        }
    }

    fn rule(name: &str, when: Conditions, action: Action) -> Rule {
        Rule { name: name.into(), when, action, percent: (action == Action::Rollout).then_some(10.0) }
    }

    fn facts(reputation: Option<f64>, quality: Option<f64>, severity: Severity, drop: Option<f64>) -> Facts {
        Facts {
            author_reputation: reputation,
            reputation_drop: BTreeMap::from([(window_key(30.0), drop)]),
            quality,
            severity,
            provenance: Ok("h".into()),
        }
    }

    #[test]
    fn each_rule_kind_at_its_exact_boundary() {
        let min_rep =
            [rule("r", Conditions { author_reputation_below: Some(0.5), ..Default::default() }, Action::Reject)];
        assert_eq!(
            decide(&facts(Some(0.5), None, Severity::Minor, None), &min_rep).action,
            Action::Approve,
            "0.5 is not below 0.5"
        );
        assert_eq!(decide(&facts(Some(0.4999), None, Severity::Minor, None), &min_rep).action, Action::Reject);
        assert_eq!(
            decide(&facts(None, None, Severity::Minor, None), &min_rep).action,
            Action::Reject,
            "unknown author counts as below"
        );

        let critical = [rule(
            "q",
            Conditions { severity: Some(vec![Severity::Critical]), quality_below: Some(0.6), ..Default::default() },
            Action::Quarantine,
        )];
        assert_eq!(decide(&facts(Some(1.0), Some(0.6), Severity::Critical, None), &critical).action, Action::Approve);
        assert_eq!(
            decide(&facts(Some(1.0), Some(0.59), Severity::Critical, None), &critical).action,
            Action::Quarantine
        );
        assert_eq!(decide(&facts(Some(1.0), Some(0.1), Severity::Major, None), &critical).action, Action::Approve);
        assert_eq!(
            decide(&facts(Some(1.0), None, Severity::Critical, None), &critical).action,
            Action::Quarantine,
            "missing quality counts as below"
        );

        let falling = [rule(
            "f",
            Conditions { reputation_drop_above: Some(0.2), window_days: Some(30.0), ..Default::default() },
            Action::Quarantine,
        )];
        assert_eq!(
            decide(&facts(Some(0.5), None, Severity::Minor, Some(0.2)), &falling).action,
            Action::Approve,
            "0.2 is not above 0.2"
        );
        assert_eq!(decide(&facts(Some(0.5), None, Severity::Minor, Some(0.2001)), &falling).action, Action::Quarantine);
        assert_eq!(
            decide(&facts(Some(0.5), None, Severity::Minor, None), &falling).action,
            Action::Approve,
            "no history: no fall"
        );

        let staged = [rule("s", Conditions { quality_below: Some(0.8), ..Default::default() }, Action::Rollout)];
        let v = decide(&facts(Some(1.0), Some(0.79), Severity::Minor, None), &staged);
        assert_eq!((v.action, v.percent, v.rule.as_str()), (Action::Rollout, Some(10.0), "s"));
        assert_eq!(v.reason, "rule \"s\": quality 0.79 < 0.8");
        assert_eq!(decide(&facts(Some(1.0), Some(0.8), Severity::Minor, None), &staged).rule, "default");

        let provenance =
            [rule("p", Conditions { provenance_verified: Some(true), ..Default::default() }, Action::Approve)];
        assert_eq!(decide(&facts(Some(0.0), None, Severity::Minor, None), &provenance).rule, "p");
    }

    #[test]
    fn the_first_rule_that_holds_decides() {
        let rules = [
            rule("reject", Conditions { author_reputation_below: Some(0.3), ..Default::default() }, Action::Reject),
            rule("stage", Conditions { quality_below: Some(0.9), ..Default::default() }, Action::Rollout),
            rule("catch-all", Conditions::default(), Action::Quarantine),
        ];
        assert_eq!(decide(&facts(Some(0.1), Some(0.5), Severity::Minor, None), &rules).rule, "reject");
        assert_eq!(decide(&facts(Some(0.9), Some(0.5), Severity::Minor, None), &rules).rule, "stage");
        let last = decide(&facts(Some(0.9), Some(0.95), Severity::Minor, None), &rules);
        assert_eq!((last.rule.as_str(), last.reason.as_str()), ("catch-all", "rule \"catch-all\": no conditions"));
        let reversed: Vec<Rule> = rules.iter().rev().cloned().collect();
        assert_eq!(decide(&facts(Some(0.1), Some(0.5), Severity::Minor, None), &reversed).rule, "catch-all");
    }

    #[test]
    fn rules_with_unusable_values_are_refused() {
        let mut r = rule("x", Conditions::default(), Action::Rollout);
        r.percent = Some(0.0);
        assert!(r.check().unwrap_err().contains("percent in (0, 100]"));
        let r = Rule { percent: Some(5.0), ..rule("y", Conditions::default(), Action::Reject) };
        assert!(r.check().unwrap_err().contains("only for action"));
        let r = rule("z", Conditions { reputation_drop_above: Some(0.1), ..Default::default() }, Action::Reject);
        assert!(r.check().unwrap_err().contains("go together"));
        let r = rule("w", Conditions { quality_below: Some(1.5), ..Default::default() }, Action::Reject);
        assert!(r.check().is_err());
    }

    #[test]
    fn cohorts_are_deterministic_and_sized_to_within_a_point() {
        assert_eq!(cohort_bucket("patch-1", "host-1"), cohort_bucket("patch-1", "host-1"));
        assert_ne!(cohort_bucket("patch-1", "host-1"), cohort_bucket("patch-2", "host-1"));
        // "ab" + "c" and "a" + "bc" are different pairs.
        assert_ne!(cohort_bucket("ab", "c"), cohort_bucket("a", "bc"));
        for percent in [1.0, 10.0, 25.0, 50.0, 99.5] {
            let n = 100_000;
            let inside = (0..n).filter(|k| in_cohort("patch-7", &format!("target-{k}"), percent)).count();
            let share = 100.0 * inside as f64 / n as f64;
            assert!((share - percent).abs() <= 1.0, "{percent}%: {share}%");
        }
        assert!((0..1000).all(|k| in_cohort("p", &format!("t{k}"), 100.0)));
        // A cohort grows monotonically with its percent: 10% ⊂ 20%.
        assert!((0..1000).filter(|k| in_cohort("p", &format!("t{k}"), 10.0)).all(|k| in_cohort(
            "p",
            &format!("t{k}"),
            20.0
        )));
    }
}
