//! The ordered policy rules that decide each candidate patch.

pub use crate::config::patches::{Action, Conditions, Rule};
use crate::ingest::patches::Severity;
use serde::Serialize;

use std::collections::BTreeMap;

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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::patches::Severity;

    use std::collections::BTreeMap;

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
}
