//! Combine: turns ingested edges and attestations into what holds at
//! `as_of` — one edge list per computed scope, and the active artifact
//! opinions — applying, in this order:
//!
//! 1. **cut-off**: anything issued after `as_of` is ignored;
//! 2. **validity**: a credential counts only while `validFrom ≤ as_of < validUntil`;
//! 3. **supersede**: of the credentials with the same issuer, subject and
//!    scope (for reviews and security assertions: the same artifact version;
//!    for endorsements: the same assertion) the latest issued wins, ties
//!    broken by the larger content CID; superseded credentials never revive;
//! 4. **revocation**: a winner whose CID its own issuer has revoked counts for nothing;
//! 5. **withdrawal**: a winning level 0 removes the statement;
//! 6. **decay**: with a half-life, each statement weighs `level · 2^(−age/half_life)`.
//!
//! Edge-list statements have no identity to supersede: duplicates are summed
//! later, as the reference does; they are cut off and decayed by their
//! timestamp when the file gives one. `Honesty` distrust (a negative level)
//! is added to every computed scope.

use crate::crypto::sha256_of_cid;
use crate::ingest::identity::ArtifactId;
use crate::ingest::{Attestation, Claim, Edge, Findings, HONESTY, Ingested};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A hash set seeded randomly per process (no crafted input can make its lookups collide).
type HashSet<T> = std::collections::HashSet<T, foldhash::quality::RandomState>;

/// `[decay]` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecayParams {
    /// Half-life in days; `None` (the default) = no decay.
    pub half_life_days: Option<f64>,
}

impl DecayParams {
    /// Weight of a statement issued at `issued_ms`, seen at `as_of_ms`.
    pub fn weight(&self, issued_ms: Option<i64>, as_of_ms: i64) -> f64 {
        match (self.half_life_days, issued_ms) {
            (Some(half_life), Some(issued)) => {
                let age_days = (as_of_ms - issued).max(0) as f64 / 86_400_000.0;
                (-age_days / half_life).exp2()
            }
            _ => 1.0,
        }
    }
}

/// An active review of an artifact version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// Issuer peer id.
    pub issuer: String,
    /// The artifact and version.
    pub artifact: ArtifactId,
    /// Endorsed (true) or disputed.
    pub endorsed: bool,
    /// Issuance, unix ms.
    pub issued_ms: i64,
    /// Weight after decay.
    pub weight: f64,
}

/// An active security assertion about an artifact version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityAssertion {
    /// Issuer peer id.
    pub issuer: String,
    /// The artifact and version.
    pub artifact: ArtifactId,
    /// Its findings.
    pub findings: Findings,
    /// The assertion's CID (what endorsements name).
    pub cid: String,
    /// Issuance, unix ms.
    pub issued_ms: i64,
    /// Weight after decay.
    pub weight: f64,
}

/// An active endorsement or dispute of a security assertion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssertionOpinion {
    /// Issuer peer id.
    pub issuer: String,
    /// CID of the security assertion.
    pub assertion: String,
    /// Endorsed (true) or disputed.
    pub endorsed: bool,
    /// Issuance, unix ms.
    pub issued_ms: i64,
    /// Weight after decay.
    pub weight: f64,
}

/// What holds at `as_of`.
#[derive(Debug, Clone, Default)]
pub struct Combined {
    /// Per computed scope (in the pipeline's order): its edges on [`Ingested::peers`].
    pub scopes: Vec<(String, Vec<Edge>)>,
    /// Active reviews, by issuer then artifact.
    pub reviews: Vec<Review>,
    /// Active security assertions, by issuer then artifact.
    pub security: Vec<SecurityAssertion>,
    /// Active endorsements and disputes, by issuer then assertion.
    pub opinions: Vec<AssertionOpinion>,
    /// Accepted statements that do not count at `as_of`, per reason
    /// (`after_as_of`, `not_yet_valid`, `expired`, `superseded`, `revoked`,
    /// `withdrawn`, `other_scope`).
    pub inactive: BTreeMap<&'static str, u64>,
}

/// The key credentials supersede each other by (borrowing from the attestations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Trust { issuer: u32, subject: u32, scope: &'a str },
    Review { issuer: u32, artifact: &'a ArtifactId },
    Security { issuer: u32, artifact: &'a ArtifactId },
    Opinion { issuer: u32, assertion: &'a str },
}

/// Combines everything ingested into the statements that hold at `as_of_ms`.
/// The edge batches are moved out of `ingested` (an edge list is the bulk of
/// the memory; it is not copied when nothing is cut off or decayed).
pub fn combine(ingested: &mut Ingested, scopes: &[String], decay: &DecayParams, as_of_ms: i64) -> Combined {
    let mut out = Combined::default();
    let mut inactive: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut count = |reason: &'static str| *inactive.entry(reason).or_insert(0) += 1;
    let mut per_scope: BTreeMap<&str, Vec<Edge>> = scopes.iter().map(|s| (s.as_str(), Vec::new())).collect();

    for mut batch in std::mem::take(&mut ingested.edges) {
        let Some(edges) = per_scope.get_mut(batch.scope.as_str()) else {
            (0..batch.edges.len()).for_each(|_| count("other_scope"));
            continue;
        };
        match &batch.times_ms {
            None if edges.is_empty() => *edges = batch.edges,
            None => edges.append(&mut batch.edges),
            Some(times) => {
                for (edge, time) in batch.edges.iter().zip(times) {
                    if time.is_some_and(|t| t > as_of_ms) {
                        count("after_as_of");
                    } else {
                        edges.push(Edge { value: edge.value * decay.weight(*time, as_of_ms), ..*edge });
                    }
                }
            }
        }
    }

    // Steps 1–2, and the revocations that hold.
    // Lists are sized once: growing them by doubling copied them and faulted
    // in fresh pages (seen with perf).
    let mut live: Vec<&Attestation> = Vec::with_capacity(ingested.attestations.len());
    // Looked up, never iterated: hash sets keep nothing of their order in the output.
    let mut revoked: HashSet<(u32, [u8; 32])> = HashSet::default();
    let mut revoking: HashSet<u32> = HashSet::default();
    for a in &ingested.attestations {
        let c = &a.credential;
        if c.issued_ms > as_of_ms {
            count("after_as_of");
        } else if c.valid_from_ms.is_some_and(|t| t > as_of_ms) {
            count("not_yet_valid");
        } else if c.valid_until_ms.is_some_and(|t| t <= as_of_ms) {
            count("expired");
        } else if let Claim::Revocation { target } = &c.claim {
            // A CID of another kind than credentials' content ids names none of them.
            if let Some(sha256) = sha256_of_cid(target) {
                revoked.insert((a.issuer, sha256));
            }
            revoking.insert(a.issuer);
        } else {
            live.push(a);
        }
    }

    // Step 3: one candidate per (key, credential); the latest per key wins.
    let levels = |a: &&Attestation| match &a.credential.claim {
        Claim::Trust { levels, .. } => levels.len(),
        _ => 1,
    };
    let mut candidates: Vec<(Key<'_>, i64, &Attestation, f64)> = Vec::with_capacity(live.iter().map(levels).sum());
    for a in live {
        let c = &a.credential;
        let issuer = a.issuer;
        match &c.claim {
            Claim::Trust { levels, .. } => {
                let Some(subject) = a.subject else { continue };
                for (scope, level) in levels {
                    candidates.push((Key::Trust { issuer, subject, scope }, c.issued_ms, a, *level));
                }
            }
            Claim::Review { artifact, .. } => candidates.push((Key::Review { issuer, artifact }, c.issued_ms, a, 0.0)),
            Claim::Security { artifact, .. } => {
                candidates.push((Key::Security { issuer, artifact }, c.issued_ms, a, 0.0))
            }
            Claim::Opinion { assertion, .. } => {
                candidates.push((Key::Opinion { issuer, assertion }, c.issued_ms, a, 0.0))
            }
            Claim::Revocation { .. } => {}
        }
    }
    candidates.par_sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    let groups: Vec<&[(Key<'_>, i64, &Attestation, f64)]> = candidates.chunk_by(|x, y| x.0 == y.0).collect();
    // The winner of each group: the latest; among equally late ones, the larger CID.
    let winners: Vec<&(Key<'_>, i64, &Attestation, f64)> = groups
        .par_iter()
        .map(|group| {
            let latest = group[group.len() - 1].1;
            let tied = group.iter().rev().take_while(|c| c.1 == latest);
            let winner = tied.max_by(|x, y| x.2.credential.cid.cid().cmp(&y.2.credential.cid.cid()));
            winner.unwrap_or(&group[group.len() - 1])
        })
        .collect();
    // Content ids are only needed where a revocation might name them: compute those in parallel.
    winners.par_iter().filter(|w| revoking.contains(&w.2.issuer)).for_each(|w| {
        w.2.credential.cid.sha256();
    });

    let peer = |i: u32| ingested.peers[i as usize].clone();
    for (group, winner) in groups.iter().zip(winners) {
        for _ in 1..group.len() {
            count("superseded");
        }
        let (key, issued, a, level) = winner;
        if revoking.contains(&a.issuer) && revoked.contains(&(a.issuer, *a.credential.cid.sha256())) {
            count("revoked");
            continue;
        }
        let weight = decay.weight(Some(*issued), as_of_ms);
        match (*key, &a.credential.claim) {
            (Key::Trust { issuer, subject, scope }, _) => {
                if *level == 0.0 {
                    count("withdrawn");
                    continue;
                }
                let edge = Edge { truster: issuer, trustee: subject, value: level * weight };
                let own = per_scope.get_mut(scope).map(|edges| edges.push(edge)).is_some();
                let honesty_distrust = scope == HONESTY && *level < 0.0;
                if honesty_distrust {
                    for (s, edges) in per_scope.iter_mut() {
                        if *s != HONESTY {
                            edges.push(edge);
                        }
                    }
                }
                if !own && !honesty_distrust {
                    count("other_scope");
                }
            }
            (_, Claim::Review { artifact, endorsed }) => out.reviews.push(Review {
                issuer: peer(a.issuer),
                artifact: artifact.clone(),
                endorsed: *endorsed,
                issued_ms: *issued,
                weight,
            }),
            (_, Claim::Security { artifact, findings }) => out.security.push(SecurityAssertion {
                issuer: peer(a.issuer),
                artifact: artifact.clone(),
                findings: *findings,
                cid: a.credential.cid.cid(),
                issued_ms: *issued,
                weight,
            }),
            (_, Claim::Opinion { assertion, endorsed }) => out.opinions.push(AssertionOpinion {
                issuer: peer(a.issuer),
                assertion: assertion.clone(),
                endorsed: *endorsed,
                issued_ms: *issued,
                weight,
            }),
            _ => {}
        }
    }
    out.reviews.sort_by(|a, b| (&a.issuer, &a.artifact).cmp(&(&b.issuer, &b.artifact)));
    out.security.sort_by(|a, b| (&a.issuer, &a.artifact).cmp(&(&b.issuer, &b.artifact)));
    out.opinions.sort_by(|a, b| (&a.issuer, &a.assertion).cmp(&(&b.issuer, &b.assertion)));
    out.inactive = inactive;
    out.scopes = scopes.iter().map(|s| (s.clone(), per_scope.remove(s.as_str()).unwrap_or_default())).collect();
    out
}
