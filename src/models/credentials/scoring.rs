//! Compromised credentials (README, *Compromised credentials*): how likely it
//! is that a credential (known only by its hash) is compromised, from identity
//! providers' reports weighted by how often each IdP's past reports held up.
//!
//! - **IdP reputation** — the posterior mean of a Beta(1, 1) prior updated with
//!   the IdP's verified reports, each verification weighted by its age
//!   (half-life `verification_half_life_days`):
//!   `rep = (1 + Σ confirmed) / (2 + Σ confirmed + Σ refuted)`; an IdP never
//!   verified has 0.5. Careless or hostile reporters sink toward 0.
//! - **Report weight** — `w = rep(idp) × 2^(−age / report_half_life_days) × confidence`
//!   for an unverified report; a report verified *confirmed* weighs its time
//!   decay alone (it is known true), one verified *refuted* weighs 0, and so
//!   does a report named by a dispute resolved `cleared`. The latest
//!   verification of a report counts (at one instant, refuted wins).
//! - **Credential score** — noisy-OR over independent reporters:
//!   `score = 1 − Π_idp (1 − w_idp)`, where `w_idp` is the largest weight among
//!   one IdP's reports of the credential (an IdP repeating itself is not
//!   independent evidence). It is 0 with no report, grows with every further
//!   independent report, and never exceeds 1. (The proposal's
//!   `Σ w·1 / Σ w` is 1 as soon as any report exists.)
//! - **Decisions** — per consuming service, `reject` when the score is above
//!   the service's threshold, else `accept`.

pub use crate::config::credentials::CredentialParams;
use crate::ingest::records::{Dispute, IdpReport, Outcome, Resolution, Verification};
use crate::numeric::compensated_sum;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const DAY_MS: f64 = 86_400_000.0;

/// An identity provider's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdpReputation {
    /// The IdP.
    pub idp: String,
    /// Posterior mean accuracy in (0, 1).
    pub reputation: f64,
    /// Age-weighted count of confirmed reports.
    pub confirmed: f64,
    /// Age-weighted count of refuted reports.
    pub refuted: f64,
    /// Reports of this IdP with a verification at `as_of`.
    pub verified_reports: u64,
    /// Reports of this IdP up to `as_of`.
    pub reports: u64,
}

/// Disputes of a credential, by state at `as_of`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DisputeCounts {
    /// Not resolved at `as_of`.
    pub open: u64,
    /// Resolved `cleared`.
    pub cleared: u64,
    /// Resolved `upheld`.
    pub upheld: u64,
}

/// Accept or reject, for one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The score is at or below the service's threshold.
    Accept,
    /// The score is above it.
    Reject,
}

/// One credential's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialScore {
    /// Lower-case hex SHA-256.
    pub credential_hash: String,
    /// Probability-like score in [0, 1].
    pub score: f64,
    /// Reports with a positive weight.
    pub contributing_reports: u64,
    /// Distinct IdPs among them.
    pub idps: u64,
    /// Reports refuted by verification.
    pub refuted_reports: u64,
    /// Reports zeroed by a cleared dispute.
    pub cleared_reports: u64,
    /// Disputes by state.
    pub disputes: DisputeCounts,
    /// Decision per service.
    pub decisions: BTreeMap<String, Decision>,
}

/// What the model computed, and the records it could not use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scored {
    /// IdPs in name order.
    pub idps: Vec<IdpReputation>,
    /// Credentials in hash order.
    pub credentials: Vec<CredentialScore>,
    /// Indices of verifications naming no report (rejects).
    pub unknown_verifications: Vec<usize>,
    /// Indices of disputes naming a report that is not about their credential, with that report id.
    pub unknown_dispute_reports: Vec<(usize, String)>,
    /// Reports, verifications and disputes dated after `as_of` (ignored).
    pub after_as_of: u64,
}

/// An IdP's verified reports (report id, age weight of the verification) and counts.
#[derive(Default)]
struct IdpTally<'a> {
    confirmed: Weights<'a>,
    refuted: Weights<'a>,
    verified: u64,
    reports: u64,
}

/// Weights keyed by report id, summed in id order so the bits do not depend on input order.
#[derive(Default)]
struct Weights<'a>(Vec<(&'a str, f64)>);

impl<'a> Weights<'a> {
    fn push(&mut self, entry: (&'a str, f64)) {
        self.0.push(entry);
    }

    fn total(mut self) -> f64 {
        self.0.sort_by(|a, b| a.0.cmp(b.0));
        compensated_sum(self.0.iter().map(|w| w.1))
    }
}

fn decay(age_ms: i64, half_life_days: f64) -> f64 {
    crate::numeric::exp2(-(age_ms.max(0) as f64) / (half_life_days * DAY_MS))
}

/// Scores every credential reported up to `as_of_ms`.
pub fn score(
    reports: &[IdpReport],
    verifications: &[Verification],
    disputes: &[Dispute],
    params: &CredentialParams,
    as_of_ms: i64,
) -> Scored {
    let mut out = Scored::default();
    let live: Vec<&IdpReport> = reports.iter().filter(|r| r.at_ms <= as_of_ms).collect();
    out.after_as_of += (reports.len() - live.len()) as u64;
    let by_id: HashMap<&str, &IdpReport> = live.iter().map(|r| (r.id.as_str(), *r)).collect();
    let all_ids: BTreeSet<&str> = reports.iter().map(|r| r.id.as_str()).collect();

    // The latest verification of each report (refuted wins a tie).
    let mut latest: HashMap<&str, (i64, Outcome)> = HashMap::new();
    for (k, v) in verifications.iter().enumerate() {
        if v.at_ms > as_of_ms {
            out.after_as_of += 1;
        } else if !all_ids.contains(v.report.as_str()) {
            out.unknown_verifications.push(k);
        } else if by_id.contains_key(v.report.as_str()) {
            let entry = latest.entry(&v.report).or_insert((v.at_ms, v.outcome));
            *entry = (*entry).max((v.at_ms, v.outcome));
        } else {
            // It verifies a report dated after `as_of`: it counts once that report does.
            out.after_as_of += 1;
        }
    }

    // IdP reputations.
    let mut per_idp: BTreeMap<&str, IdpTally> = BTreeMap::new();
    for r in &live {
        let tally = per_idp.entry(&r.idp).or_default();
        tally.reports += 1;
        if let Some(&(at, outcome)) = latest.get(r.id.as_str()) {
            let w = decay(as_of_ms - at, params.verification_half_life_days);
            tally.verified += 1;
            match outcome {
                Outcome::Confirmed => tally.confirmed.push((&r.id, w)),
                Outcome::Refuted => tally.refuted.push((&r.id, w)),
            }
        }
    }
    let mut reputation: HashMap<&str, f64> = HashMap::new();
    for (idp, tally) in per_idp {
        let confirmed = tally.confirmed.total();
        let refuted = tally.refuted.total();
        let rep = (1.0 + confirmed) / (2.0 + confirmed + refuted);
        reputation.insert(idp, rep);
        out.idps.push(IdpReputation {
            idp: idp.to_owned(),
            reputation: rep,
            confirmed,
            refuted,
            verified_reports: tally.verified,
            reports: tally.reports,
        });
    }

    let mut per_credential: BTreeMap<&str, Vec<&IdpReport>> = BTreeMap::new();
    for r in &live {
        per_credential.entry(&r.credential).or_default().push(r);
    }

    // Disputes: which reports a cleared dispute zeroes.
    let mut cleared: BTreeSet<&str> = BTreeSet::new();
    let mut dispute_counts: BTreeMap<&str, DisputeCounts> = BTreeMap::new();
    for (k, d) in disputes.iter().enumerate() {
        if d.opened_ms > as_of_ms {
            out.after_as_of += 1;
            continue;
        }
        if let Some(id) =
            d.reports.iter().find(|id| by_id.get(id.as_str()).is_none_or(|r| r.credential != d.credential))
        {
            out.unknown_dispute_reports.push((k, id.clone()));
            continue;
        }
        let counts = dispute_counts.entry(&d.credential).or_default();
        let resolved = d.resolved_ms.filter(|&t| t <= as_of_ms).and(d.resolution);
        match resolved {
            None => counts.open += 1,
            Some(Resolution::Upheld) => counts.upheld += 1,
            Some(Resolution::Cleared) => {
                counts.cleared += 1;
                let until = d.resolved_ms.unwrap_or(as_of_ms);
                if d.reports.is_empty() {
                    cleared.extend(
                        per_credential
                            .get(d.credential.as_str())
                            .into_iter()
                            .flatten()
                            .filter(|r| r.at_ms <= until)
                            .map(|r| r.id.as_str()),
                    );
                } else {
                    cleared.extend(d.reports.iter().map(String::as_str));
                }
            }
        }
    }

    // Credential scores: noisy-OR over IdPs of each IdP's strongest report.
    for &credential in dispute_counts.keys() {
        per_credential.entry(credential).or_default();
    }
    for (credential, reports) in per_credential {
        let mut strongest: BTreeMap<&str, f64> = BTreeMap::new();
        let (mut contributing, mut refuted, mut zeroed) = (0, 0, 0);
        for r in reports {
            let weight = if cleared.contains(r.id.as_str()) {
                zeroed += 1;
                0.0
            } else {
                match latest.get(r.id.as_str()) {
                    Some((_, Outcome::Refuted)) => {
                        refuted += 1;
                        0.0
                    }
                    Some((_, Outcome::Confirmed)) => decay(as_of_ms - r.at_ms, params.report_half_life_days),
                    None => {
                        reputation.get(r.idp.as_str()).copied().unwrap_or(0.5)
                            * decay(as_of_ms - r.at_ms, params.report_half_life_days)
                            * r.confidence
                    }
                }
            };
            if weight > 0.0 {
                contributing += 1;
                let best = strongest.entry(&r.idp).or_insert(0.0);
                *best = best.max(weight);
            }
        }
        let survival: f64 = strongest.values().map(|w| 1.0 - w).product();
        let score = (1.0 - survival).clamp(0.0, 1.0);
        let decisions = params
            .services
            .iter()
            .map(|(service, &threshold)| {
                (service.clone(), if score > threshold { Decision::Reject } else { Decision::Accept })
            })
            .collect();
        out.credentials.push(CredentialScore {
            credential_hash: credential.to_owned(),
            score,
            contributing_reports: contributing,
            idps: strongest.len() as u64,
            refuted_reports: refuted,
            cleared_reports: zeroed,
            disputes: dispute_counts.get(credential).copied().unwrap_or_default(),
            decisions,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AS_OF: i64 = 1_800_000_000_000;
    const DAY: i64 = 86_400_000;

    fn report(id: &str, credential: &str, idp: &str, confidence: f64, days_ago: i64) -> IdpReport {
        IdpReport {
            id: id.into(),
            credential: credential.into(),
            idp: idp.into(),
            confidence,
            source: None,
            at_ms: AS_OF - days_ago * DAY,
        }
    }

    fn verification(report: &str, outcome: Outcome) -> Verification {
        Verification { report: report.into(), outcome, at_ms: AS_OF }
    }

    fn score_of(scored: &Scored, credential: &str) -> f64 {
        scored.credentials.iter().find(|c| c.credential_hash == credential).map_or(0.0, |c| c.score)
    }

    fn params() -> CredentialParams {
        CredentialParams {
            services: BTreeMap::from([("strict".into(), 0.2), ("lenient".into(), 0.8)]),
            ..Default::default()
        }
    }

    #[test]
    fn unverified_idps_weigh_one_half_and_reports_combine_by_noisy_or() {
        let one = score(&[report("r1", "c", "a", 1.0, 0)], &[], &[], &params(), AS_OF);
        assert_eq!(score_of(&one, "c"), 0.5);
        let two = score(&[report("r1", "c", "a", 1.0, 0), report("r2", "c", "b", 0.8, 0)], &[], &[], &params(), AS_OF);
        assert!((score_of(&two, "c") - (1.0 - 0.5 * 0.6)).abs() < 1e-15);
        let three = [report("r1", "c", "a", 1.0, 0), report("r2", "c", "b", 0.8, 0), report("r3", "c", "d", 0.5, 0)];
        let three = score(&three, &[], &[], &params(), AS_OF);
        assert!(score_of(&three, "c") > score_of(&two, "c"), "an independent report raises the score");
        // The same IdP repeating itself is not independent.
        let again =
            score(&[report("r1", "c", "a", 1.0, 0), report("r2", "c", "a", 1.0, 0)], &[], &[], &params(), AS_OF);
        assert_eq!(score_of(&again, "c"), 0.5);
    }

    #[test]
    fn a_refuted_heavy_idp_weighs_less_than_a_confirmed_heavy_one() {
        let mut reports = vec![report("good-new", "x", "good", 1.0, 0), report("bad-new", "y", "bad", 1.0, 0)];
        let mut verifications = Vec::new();
        for k in 0..4 {
            reports.push(report(&format!("g{k}"), &format!("old{k}"), "good", 1.0, 10));
            reports.push(report(&format!("b{k}"), &format!("old{k}"), "bad", 1.0, 10));
            verifications.push(verification(&format!("g{k}"), Outcome::Confirmed));
            verifications.push(verification(&format!("b{k}"), Outcome::Refuted));
        }
        let scored = score(&reports, &verifications, &[], &params(), AS_OF);
        let rep = |idp: &str| scored.idps.iter().find(|i| i.idp == idp).unwrap().reputation;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-15;
        assert!(close(rep("good"), 5.0 / 6.0) && close(rep("bad"), 1.0 / 6.0), "Beta(1,1) posterior, verified as_of");
        assert!(close(score_of(&scored, "x"), 5.0 / 6.0) && close(score_of(&scored, "y"), 1.0 / 6.0));
        assert_eq!(scored.credentials.iter().find(|c| c.credential_hash == "old0").unwrap().refuted_reports, 1);
    }

    #[test]
    fn time_decay_lowers_old_reports_and_old_verifications() {
        let fresh = score(&[report("r", "c", "a", 1.0, 0)], &[], &[], &params(), AS_OF);
        let old = score(&[report("r", "c", "a", 1.0, 90)], &[], &[], &params(), AS_OF);
        assert_eq!(score_of(&old, "c"), 0.25, "one half-life halves the weight 0.5");
        assert!(score_of(&old, "c") < score_of(&fresh, "c"));
        let mut v = verification("r", Outcome::Refuted);
        v.at_ms = AS_OF - 365 * DAY;
        let scored = score(&[report("r", "c", "a", 1.0, 400)], &[v], &[], &params(), AS_OF);
        assert_eq!(scored.idps[0].refuted, 0.5);
        assert_eq!(scored.idps[0].reputation, 1.0 / 2.5);
    }

    #[test]
    fn a_cleared_dispute_zeroes_the_reports_it_names_and_thresholds_decide() {
        let reports = [report("r1", "c", "a", 1.0, 0), report("r2", "c", "b", 0.8, 0), report("r3", "d", "a", 0.3, 0)];
        let dispute = |ids: &[&str], resolution| Dispute {
            credential: "c".into(),
            opened_by: "holder".into(),
            opened_ms: AS_OF - DAY,
            resolution,
            resolved_ms: resolution.map(|_| AS_OF),
            reports: ids.iter().map(|s| s.to_string()).collect(),
        };
        let named = score(&reports, &[], &[dispute(&["r1"], Some(Resolution::Cleared))], &params(), AS_OF);
        assert!((score_of(&named, "c") - 0.4).abs() < 1e-15, "only r2 (0.5 x 0.8) is left");
        let all = score(&reports, &[], &[dispute(&[], Some(Resolution::Cleared))], &params(), AS_OF);
        assert_eq!(score_of(&all, "c"), 0.0);
        let upheld = score(&reports, &[], &[dispute(&[], Some(Resolution::Upheld))], &params(), AS_OF);
        assert!((score_of(&upheld, "c") - 0.7).abs() < 1e-15);
        let c = upheld.credentials.iter().find(|c| c.credential_hash == "c").unwrap();
        assert_eq!(c.disputes, DisputeCounts { open: 0, cleared: 0, upheld: 1 });
        assert_eq!((c.decisions["strict"], c.decisions["lenient"]), (Decision::Reject, Decision::Accept));
        let d = upheld.credentials.iter().find(|c| c.credential_hash == "d").unwrap();
        assert!((d.score - 0.15).abs() < 1e-15);
        assert_eq!((d.decisions["strict"], d.decisions["lenient"]), (Decision::Accept, Decision::Accept));
        let wrong = score(&reports, &[], &[dispute(&["r3"], Some(Resolution::Cleared))], &params(), AS_OF);
        assert_eq!(wrong.unknown_dispute_reports, [(0, "r3".to_owned())], "r3 is about another credential");
    }

    #[test]
    fn a_score_exactly_at_the_threshold_is_accepted() {
        let p = CredentialParams { services: BTreeMap::from([("s".into(), 0.5)]), ..Default::default() };
        let scored = score(&[report("r", "c", "a", 1.0, 0)], &[], &[], &p, AS_OF);
        assert_eq!(scored.credentials[0].decisions["s"], Decision::Accept);
        let verified =
            score(&[report("r", "c", "a", 1.0, 0)], &[verification("r", Outcome::Confirmed)], &[], &p, AS_OF);
        assert_eq!((verified.credentials[0].score, verified.credentials[0].decisions["s"]), (1.0, Decision::Reject));
        let unknown = score(&[], &[verification("nope", Outcome::Confirmed)], &[], &p, AS_OF);
        assert_eq!(unknown.unknown_verifications, [0]);
    }
}
