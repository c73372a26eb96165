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

/// Hash sets and maps seeded randomly per process (no crafted input can make
/// their lookups collide); looked up, never iterated into an output.
type HashSet<T> = std::collections::HashSet<T, foldhash::quality::RandomState>;
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;

/// `[decay]` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecayParams {
    /// Half-life in days; `None` (the default) = no decay.
    pub half_life_days: Option<f64>,
    /// What a truster's row is scaled by (see [`RowScale`]).
    #[serde(default)]
    pub row_scale: RowScale,
}

/// What a truster's decayed statements are scaled by, to make its row of local trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowScale {
    /// Their decayed total (the reference's row-stochastic C): decay only
    /// re-weighs a truster's statements against its own others, so a truster
    /// whose statements are all old trusts as much as ever.
    #[default]
    Decayed,
    /// Their undecayed total: the share decay took returns to pre-trust, so
    /// stale statements fade in absolute terms (a bored influencer's old
    /// endorsers, a trickle sybil's early followers).
    Undecayed,
}

impl RowScale {
    /// The identifier in pipeline files and manifests.
    pub fn id(self) -> &'static str {
        match self {
            RowScale::Decayed => "decayed",
            RowScale::Undecayed => "undecayed",
        }
    }
}

impl DecayParams {
    /// Weight of a statement issued at `issued_ms`, seen at `as_of_ms`.
    pub fn weight(&self, issued_ms: Option<i64>, as_of_ms: i64) -> f64 {
        match (self.half_life_days, issued_ms) {
            (Some(half_life), Some(issued)) => {
                let age_days = (as_of_ms - issued).max(0) as f64 / 86_400_000.0;
                crate::numeric::exp2(-age_days / half_life)
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
    /// Per computed scope (in the pipeline's order): its edges on
    /// [`Ingested::peers`] and [`Ingested::decimal`].
    pub scopes: Vec<(String, Vec<Edge>)>,
    /// Per computed scope, with `row_scale = "undecayed"`: (truster, the
    /// positive weight decay took from its statements), by truster (named
    /// canonically, [`crate::ingest::DecimalIds::canonical`]); else empty.
    pub faded: Vec<Vec<(u32, f64)>>,
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

/// One statement a credential makes, keyed by what credentials supersede
/// each other on: the issuer, then the subject and scope (trust), the
/// artifact version (reviews, security assertions) or the assertion
/// (endorsements), packed into one integer (see [`candidates`]).
#[derive(Debug, Clone, Copy)]
struct Candidate<'a> {
    /// (kind, issuer, second, third), 32 bits each; a trust statement's is
    /// (0, issuer, subject, scope), so its subject is read back from it.
    key: u128,
    issued_ms: i64,
    attestation: &'a Attestation,
    /// The trust level (0 for the other claims).
    level: f64,
    /// The trust scope ("" for the other claims).
    scope: &'a str,
}

/// The subject of a trust statement's candidate key (see [`Candidate`]).
fn key_subject(key: u128) -> u32 {
    (key >> 32) as u32
}

/// Where a trust statement's edge goes among the computed scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    /// The computed scope at this index.
    Scope(usize),
    /// `Honesty` distrust: every computed scope (`Honesty` too, if computed).
    Every,
    /// No computed scope.
    Nowhere,
}

/// What a group's winner amounts to at `as_of`.
enum Outcome {
    Revoked,
    Withdrawn,
    Trust { destination: Destination, edge: Edge, faded: f64 },
    Review(Review),
    Security(SecurityAssertion),
    Opinion(AssertionOpinion),
}

/// Adds `mass` to what decay took from `truster`'s statements in scope
/// `scope` (nothing when the pipeline does not fade rows: `faded` is empty).
fn fade(faded: &mut [BTreeMap<u32, Vec<f64>>], scope: usize, truster: u32, mass: f64) {
    if let Some(map) = faded.get_mut(scope)
        && mass > 0.0
    {
        map.entry(truster).or_default().push(mass);
    }
}

/// Each truster's faded masses summed in value order, so the total does not
/// depend on the order of the input lines.
fn faded_totals(map: BTreeMap<u32, Vec<f64>>) -> Vec<(u32, f64)> {
    map.into_iter()
        .map(|(truster, mut masses)| {
            masses.sort_by(f64::total_cmp);
            (truster, crate::numeric::compensated_sum(masses))
        })
        .collect()
}

/// Adds `n` to the count of `reason` (a reason that never happens stays absent).
fn count(inactive: &mut BTreeMap<&'static str, u64>, reason: &'static str, n: usize) {
    if n > 0 {
        *inactive.entry(reason).or_insert(0) += n as u64;
    }
}

/// The candidates of the live attestations, sorted by key, then issuance.
///
/// A key packs (kind, issuer, subject or rank, rank) into a `u128`, where a
/// rank numbers the distinct scopes, artifacts or assertions in their own
/// order: the keys group and sort the candidates exactly as comparing the
/// strings would, without comparing strings in the sort (string comparisons,
/// each reading text scattered over the heap, would dominate it). The issuer
/// of a trust statement is its peer index; of the other claims, its rank among their issuers' ids, so that
/// reviews, security assertions and opinions come out ordered by issuer id
/// (then artifact or assertion) as they are written, with no sort of their own.
fn candidates<'a>(live: &[&'a Attestation], peers: &[String]) -> Vec<Candidate<'a>> {
    /// Attestations per parallel task: each reads strings scattered over the
    /// heap, so both passes below are bound by memory latency.
    const CHUNK: usize = 4096;
    #[derive(Default)]
    struct Named<'a> {
        scopes: HashSet<&'a str>,
        artifacts: HashSet<&'a ArtifactId>,
        assertions: HashSet<&'a str>,
        /// Issuers of reviews, security assertions and opinions.
        issuers: HashSet<u32>,
    }
    let named = live
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut named = Named::default();
            for a in chunk {
                match &a.credential.claim {
                    Claim::Trust { levels, .. } => named.scopes.extend(levels.iter().map(|(s, _)| s.as_str())),
                    Claim::Review { artifact, .. } | Claim::Security { artifact, .. } => {
                        named.artifacts.insert(artifact);
                        named.issuers.insert(a.issuer);
                    }
                    Claim::Opinion { assertion, .. } => {
                        named.assertions.insert(assertion);
                        named.issuers.insert(a.issuer);
                    }
                    Claim::Revocation { .. } => {}
                }
            }
            named
        })
        .reduce(Named::default, |mut x, y| {
            x.scopes.extend(y.scopes);
            x.artifacts.extend(y.artifacts);
            x.assertions.extend(y.assertions);
            x.issuers.extend(y.issuers);
            x
        });
    let (scopes, artifacts, assertions) = (ranks(named.scopes), ranks(named.artifacts), ranks(named.assertions));
    let issuers: HashMap<u32, u32> = {
        let mut by_id: Vec<u32> = named.issuers.into_iter().collect();
        by_id.par_sort_unstable_by_key(|&i| &peers[i as usize]);
        by_id.into_iter().zip(0..).collect()
    };
    let key = |kind: u128, issuer: u32, second: u32, third: u32| {
        kind << 96 | u128::from(issuer) << 64 | u128::from(second) << 32 | u128::from(third)
    };
    let chunks: Vec<Vec<Candidate<'a>>> = live
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() * 2);
            for &a in chunk {
                let candidate = |key: u128, level: f64, scope: &'a str| Candidate {
                    key,
                    issued_ms: a.credential.issued_ms,
                    attestation: a,
                    level,
                    scope,
                };
                match &a.credential.claim {
                    Claim::Trust { levels, .. } => {
                        let Some(subject) = a.subject else { continue };
                        for (scope, level) in levels {
                            out.push(candidate(key(0, a.issuer, subject, scopes[scope.as_str()]), *level, scope));
                        }
                    }
                    Claim::Review { artifact, .. } => {
                        out.push(candidate(key(1, issuers[&a.issuer], artifacts[artifact], 0), 0.0, ""))
                    }
                    Claim::Security { artifact, .. } => {
                        out.push(candidate(key(2, issuers[&a.issuer], artifacts[artifact], 0), 0.0, ""))
                    }
                    Claim::Opinion { assertion, .. } => {
                        out.push(candidate(key(3, issuers[&a.issuer], assertions[assertion.as_str()], 0), 0.0, ""))
                    }
                    Claim::Revocation { .. } => {}
                }
            }
            out
        })
        .collect();
    let mut out: Vec<Candidate<'a>> = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    chunks.into_iter().for_each(|chunk| out.extend(chunk));
    out.par_sort_unstable_by_key(|c| (c.key, c.issued_ms));
    out
}

/// The rank of each distinct value among them, in their order.
fn ranks<T: Ord + std::hash::Hash + ?Sized>(distinct: HashSet<&T>) -> HashMap<&T, u32> {
    let mut sorted: Vec<&T> = distinct.into_iter().collect();
    sorted.sort_unstable();
    sorted.into_iter().zip(0..).collect()
}

/// Combines everything ingested into the statements that hold at `as_of_ms`.
/// The edge batches and the attestations are moved out of `ingested` (an
/// edge list is the bulk of the memory; it is not copied when nothing is cut
/// off or decayed), and the attestations freed once combined.
pub fn combine(ingested: &mut Ingested, scopes: &[String], decay: &DecayParams, as_of_ms: i64) -> Combined {
    let mut out = Combined::default();
    let mut inactive: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut per_scope: Vec<Vec<Edge>> = vec![Vec::new(); scopes.len()];
    // What decay took from each truster's positive statements, per scope:
    // kept only when rows are scaled by their undecayed total.
    let fading = decay.row_scale == RowScale::Undecayed && decay.half_life_days.is_some();
    let mut per_scope_faded: Vec<BTreeMap<u32, Vec<f64>>> =
        if fading { vec![BTreeMap::new(); scopes.len()] } else { Vec::new() };
    let scope_index = |name: &str| scopes.iter().position(|s| s == name);

    for mut batch in std::mem::take(&mut ingested.edges) {
        let Some(scope_at) = scope_index(&batch.scope) else {
            count(&mut inactive, "other_scope", batch.edges.len());
            continue;
        };
        let edges = &mut per_scope[scope_at];
        match &batch.times_ms {
            None if edges.is_empty() => *edges = batch.edges,
            None => edges.append(&mut batch.edges),
            Some(times) => {
                for (edge, time) in batch.edges.iter().zip(times) {
                    if time.is_some_and(|t| t > as_of_ms) {
                        count(&mut inactive, "after_as_of", 1);
                    } else {
                        let decayed = Edge { value: edge.value * decay.weight(*time, as_of_ms), ..*edge };
                        edges.push(decayed);
                        if edge.value > 0.0 {
                            // Keyed by one name per peer, so a truster's faded mass is one sum.
                            let truster = ingested.decimal.canonical(edge.truster);
                            fade(&mut per_scope_faded, scope_at, truster, edge.value - decayed.value);
                        }
                    }
                }
            }
        }
    }

    // Steps 1–2, and the revocations that hold.
    // Lists are sized once: growing them by doubling would copy them and
    // fault in fresh pages at each step.
    let attestations = std::mem::take(&mut ingested.attestations);
    let mut live: Vec<&Attestation> = Vec::with_capacity(attestations.len());
    // Looked up, never iterated: hash sets keep nothing of their order in the output.
    let mut revoked: HashSet<(u32, [u8; 32])> = HashSet::default();
    // Whether each peer revokes anything: only their winners need a content id.
    let mut revoking: Vec<bool> = vec![false; ingested.peers.len()];
    for a in &attestations {
        let c = &a.credential;
        if c.issued_ms > as_of_ms {
            count(&mut inactive, "after_as_of", 1);
        } else if c.valid_from_ms.is_some_and(|t| t > as_of_ms) {
            count(&mut inactive, "not_yet_valid", 1);
        } else if c.valid_until_ms.is_some_and(|t| t <= as_of_ms) {
            count(&mut inactive, "expired", 1);
        } else if let Claim::Revocation { target } = &c.claim {
            // A CID of another kind than credentials' content ids names none of them.
            if let Some(sha256) = sha256_of_cid(target) {
                revoked.insert((a.issuer, sha256));
            }
            revoking[a.issuer as usize] = true;
        } else {
            live.push(a);
        }
    }

    // Step 3: one candidate per (key, credential); the latest per key wins.
    let candidates = candidates(&live, &ingested.peers);
    let groups: Vec<&[Candidate<'_>]> = candidates.chunk_by(|x, y| x.key == y.key).collect();
    // Steps 3–6 for each group, in parallel: its winner (the latest; among
    // equally late ones, the larger CID) and what that winner amounts to.
    let peer = |i: u32| ingested.peers[i as usize].clone();
    let outcomes: Vec<Outcome> = groups
        .par_iter()
        .map(|group| {
            let latest = group[group.len() - 1].issued_ms;
            let tied = group.iter().rev().take_while(|c| c.issued_ms == latest);
            let winner =
                tied.max_by(|x, y| x.attestation.credential.cid.cid().cmp(&y.attestation.credential.cid.cid()));
            let Candidate { key: winner_key, attestation: a, issued_ms, level, scope } =
                *winner.unwrap_or(&group[group.len() - 1]);
            if revoking[a.issuer as usize] && revoked.contains(&(a.issuer, *a.credential.cid.sha256())) {
                return Outcome::Revoked;
            }
            let weight = decay.weight(Some(issued_ms), as_of_ms);
            match &a.credential.claim {
                Claim::Trust { .. } if level == 0.0 => Outcome::Withdrawn,
                Claim::Trust { .. } => {
                    let subject = key_subject(winner_key);
                    let edge = Edge { truster: a.issuer, trustee: subject, value: level * weight };
                    let destination = match scope_index(scope) {
                        _ if scope == HONESTY && level < 0.0 => Destination::Every,
                        Some(own) => Destination::Scope(own),
                        None => Destination::Nowhere,
                    };
                    // The positive weight decay took (a distrust statement's is not counted).
                    let faded = if level > 0.0 { level - edge.value } else { 0.0 };
                    Outcome::Trust { destination, edge, faded }
                }
                Claim::Review { artifact, endorsed } => Outcome::Review(Review {
                    issuer: peer(a.issuer),
                    artifact: artifact.clone(),
                    endorsed: *endorsed,
                    issued_ms,
                    weight,
                }),
                Claim::Security { artifact, findings } => Outcome::Security(SecurityAssertion {
                    issuer: peer(a.issuer),
                    artifact: artifact.clone(),
                    findings: *findings,
                    cid: a.credential.cid.cid(),
                    issued_ms,
                    weight,
                }),
                Claim::Opinion { assertion, endorsed } => Outcome::Opinion(AssertionOpinion {
                    issuer: peer(a.issuer),
                    assertion: assertion.clone(),
                    endorsed: *endorsed,
                    issued_ms,
                    weight,
                }),
                Claim::Revocation { .. } => Outcome::Revoked, // (never a candidate)
            }
        })
        .collect();

    count(&mut inactive, "superseded", candidates.len() - groups.len());
    for outcome in outcomes {
        match outcome {
            Outcome::Revoked => count(&mut inactive, "revoked", 1),
            Outcome::Withdrawn => count(&mut inactive, "withdrawn", 1),
            Outcome::Trust { destination: Destination::Scope(own), edge, faded } => {
                per_scope[own].push(edge);
                fade(&mut per_scope_faded, own, edge.truster, faded);
            }
            Outcome::Trust { destination: Destination::Every, edge, faded } => {
                per_scope.iter_mut().for_each(|edges| edges.push(edge));
                (0..per_scope.len()).for_each(|own| fade(&mut per_scope_faded, own, edge.truster, faded));
            }
            Outcome::Trust { destination: Destination::Nowhere, .. } => count(&mut inactive, "other_scope", 1),
            // In key order: by issuer id, then artifact or assertion (see `candidates`).
            Outcome::Review(review) => out.reviews.push(review),
            Outcome::Security(assertion) => out.security.push(assertion),
            Outcome::Opinion(opinion) => out.opinions.push(opinion),
        }
    }
    out.inactive = inactive;
    out.scopes = scopes.iter().cloned().zip(per_scope).collect();
    out.faded = per_scope_faded.into_iter().map(faded_totals).collect();
    // Freed on every core: the attestations can hold millions of small
    // strings, and freeing them one by one on one core would add a serial
    // step to the end of combining (docs/performance.md).
    drop((candidates, live));
    attestations.into_par_iter().for_each(drop);
    out
}
