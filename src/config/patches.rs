//! The `[patches]` table of the patch model: its inputs, the weights of
//! author reputation and patch quality, and the policy rules, with the checks
//! made while loading (the scoring and the rules' evaluation are in
//! `models::patches`).

use crate::compute::EigenTrustParams;
use crate::ingest::patches::Severity;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The `[patches]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchSpec {
    /// Candidate patches, JSON lines (`patch_id, author, severity, coverage, static_analysis, ratings, provenance`).
    pub patches: PathBuf,
    /// The patch-history database (SQLite, written by `scoreset history`); or name
    /// it as a `[[source]]` with `format = "patch-history"`.
    pub history: Option<PathBuf>,
    /// Issue table (`issue_id, patch_id, severity, reported_at, acknowledged_at, resolved_at`).
    pub issues: Option<PathBuf>,
    /// Vouch table (`voucher, vouchee, timestamp, weight`), author → author.
    pub vouches: Option<PathBuf>,
    /// Authors pre-trusted in the vouch graph.
    #[serde(default)]
    pub maintainers: Vec<String>,
    /// Weights of the author reputation components.
    #[serde(default)]
    pub reputation_weights: ReputationWeights,
    /// Weights of the patch quality components.
    #[serde(default)]
    pub quality_weights: QualityWeights,
    /// Issue severity weights.
    #[serde(default)]
    pub severity_weights: SeverityWeights,
    /// Hours to acknowledge an issue that score 0.5 (default 24).
    pub acknowledge_target_hours: Option<f64>,
    /// Hours to resolve an issue that score 0.5 (default 168).
    pub resolve_target_hours: Option<f64>,
    /// Policy rules, in order (`[[patches.rule]]`).
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

impl PatchSpec {
    /// The reputation parameters, defaults resolved.
    pub fn reputation_params(&self, eigentrust: &EigenTrustParams) -> ReputationParams {
        ReputationParams {
            weights: self.reputation_weights.clone(),
            severity: self.severity_weights.clone(),
            acknowledge_target_hours: self.acknowledge_target_hours.unwrap_or(24.0),
            resolve_target_hours: self.resolve_target_hours.unwrap_or(168.0),
            maintainers: self.maintainers.clone(),
            eigentrust: *eigentrust,
        }
    }

    /// Checks weights and rules; `Err` names the problem.
    pub fn check(&self) -> Result<(), String> {
        let r = &self.reputation_weights;
        let q = &self.quality_weights;
        let s = &self.severity_weights;
        let weights = [
            ("reputation_weights.success_rate", r.success_rate),
            ("reputation_weights.issue_rate", r.issue_rate),
            ("reputation_weights.severity", r.severity),
            ("reputation_weights.acknowledge", r.acknowledge),
            ("reputation_weights.resolve", r.resolve),
            ("reputation_weights.vouching", r.vouching),
            ("quality_weights.coverage", q.coverage),
            ("quality_weights.static_analysis", q.static_analysis),
            ("quality_weights.feedback", q.feedback),
            ("severity_weights.critical", s.critical),
            ("severity_weights.major", s.major),
            ("severity_weights.minor", s.minor),
        ];
        if let Some((name, w)) = weights.iter().find(|(_, w)| !(w.is_finite() && *w >= 0.0)) {
            return Err(format!("[patches] {name} = {w} must be a finite weight >= 0"));
        }
        for (name, hours) in [
            ("acknowledge_target_hours", self.acknowledge_target_hours),
            ("resolve_target_hours", self.resolve_target_hours),
        ] {
            if hours.is_some_and(|h| !(h.is_finite() && h > 0.0)) {
                return Err(format!("[patches] {name} must be a positive number of hours"));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for rule in &self.rules {
            rule.check()?;
            if !names.insert(&rule.name) {
                return Err(format!("[[patches.rule]] name {:?} is used twice", rule.name));
            }
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, when: Conditions, action: Action) -> Rule {
        Rule { name: name.into(), when, action, percent: (action == Action::Rollout).then_some(10.0) }
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
}
