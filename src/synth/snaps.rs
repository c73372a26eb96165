//! A seeded Snaps community for `data/snaps/` and the attack tests:
//! pre-trusted roots, the auditors they trust, an honest community, a sybil
//! ring promoting a malicious Snap (with a few attack edges from honest
//! peers), a "bored influencer" trusted by many long ago who now endorses the
//! malicious Snap, a good Snap, a contested Snap that one auditor disputes,
//! and reviews that flip.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

/// The `as_of` the scenario is made for.
pub const SNAPS_AS_OF: &str = "2025-01-01T00:00:00Z";
/// The malicious Snap the sybil ring promotes.
pub const MALICIOUS_SNAP: &str = "did:snap:maliciousWalletDrainer=";
/// A Snap the honest community endorses.
pub const GOOD_SNAP: &str = "did:snap:goodPortfolioViewer=";
/// A Snap everyone endorses except one auditor.
pub const CONTESTED_SNAP: &str = "did:snap:contestedBridge=";

/// The shape of the scenario.
#[derive(Debug, Clone, Copy)]
pub struct SnapsScenario {
    /// Seed of every random choice.
    pub seed: u64,
    /// Honest community members (besides roots and auditors).
    pub community: usize,
    /// Sybil accounts.
    pub sybils: usize,
    /// Trust edges from honest community members into the ring.
    pub attack_edges: usize,
}

impl Default for SnapsScenario {
    fn default() -> Self {
        SnapsScenario { seed: 1, community: 250, sybils: 40, attack_edges: 3 }
    }
}

/// The scenario's files: credentials (JSON lines) and pre-trust (`DID weight` lines).
#[derive(Debug, Clone)]
pub struct SnapsSample {
    /// One credential per line.
    pub credentials: Vec<String>,
    /// The roots, `DID 1`.
    pub pretrust: Vec<String>,
    /// The auditor who disputes the contested Snap alone.
    pub dissident: String,
}

fn account(kind: u8, i: usize) -> String {
    format!("did:pkh:eip155:1:0x{kind:02x}{i:038x}")
}

fn trust(issuer: &str, subject: &str, level: f64, date: &str) -> String {
    json!({"type": ["VerifiableCredential", "PeerTrustCredential"], "issuer": issuer, "issuanceDate": date,
        "credentialSubject": {"id": subject, "trustworthiness": [{"scope": "Software security", "level": level}]}})
    .to_string()
}

fn review(issuer: &str, snap: &str, endorsed: bool, date: &str) -> String {
    let status = if endorsed { "Endorsed" } else { "Disputed" };
    json!({"type": ["VerifiableCredential", "ReviewCredential"], "issuer": issuer, "issuanceDate": date,
        "credentialSubject": {"id": snap, "currentStatus": status}})
    .to_string()
}

/// Makes the scenario.
pub fn snaps_sample(s: &SnapsScenario) -> SnapsSample {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    let roots: Vec<String> = (0..3).map(|i| account(0x01, i)).collect();
    let auditors: Vec<String> = (0..12).map(|i| account(0x0a, i)).collect();
    let community: Vec<String> = (0..s.community).map(|i| account(0xc0, i)).collect();
    let sybils: Vec<String> = (0..s.sybils).map(|i| account(0x5b, i)).collect();
    let influencer = account(0xbb, 0);
    let (old, mid, recent) = ("2023-01-15T00:00:00Z", "2024-06-01T00:00:00Z", "2024-12-01T00:00:00Z");
    let mut lines = Vec::new();

    for root in &roots {
        for auditor in &auditors {
            lines.push(trust(root, auditor, 1.0, mid));
        }
    }
    for (k, member) in community.iter().enumerate() {
        // Each member is trusted by an auditor and by a few peers.
        lines.push(trust(&auditors[k % auditors.len()], member, 0.5, mid));
        for _ in 0..3 {
            let other = &community[rng.random_range(0..community.len())];
            if other != member {
                lines.push(trust(member, other, [0.25, 0.5, 1.0][rng.random_range(0..3)], mid));
            }
        }
        // The bored influencer: trusted by many, long ago.
        if k % 3 == 0 {
            lines.push(trust(member, &influencer, 1.0, old));
        }
    }
    // The ring trusts itself fully; a few honest members were fooled into small trust.
    for (k, sybil) in sybils.iter().enumerate() {
        lines.push(trust(sybil, &sybils[(k + 1) % sybils.len()], 1.0, recent));
        lines.push(trust(sybil, &sybils[(k + 7) % sybils.len()], 1.0, recent));
    }
    for sybil in sybils.iter().take(s.attack_edges) {
        let fooled = &community[rng.random_range(0..community.len())];
        lines.push(trust(fooled, sybil, 0.25, recent));
    }

    // The malicious Snap: the ring and the influencer endorse it; auditors dispute it.
    for sybil in &sybils {
        lines.push(review(sybil, MALICIOUS_SNAP, true, recent));
    }
    lines.push(review(&influencer, MALICIOUS_SNAP, true, recent));
    for auditor in auditors.iter().take(4) {
        lines.push(review(auditor, MALICIOUS_SNAP, false, recent));
    }
    // The good Snap, with reviews that flip: first disputed, then endorsed.
    for member in community.iter().take(40) {
        lines.push(review(member, GOOD_SNAP, false, old));
        lines.push(review(member, GOOD_SNAP, true, mid));
    }
    for auditor in &auditors {
        lines.push(review(auditor, GOOD_SNAP, true, mid));
    }
    // The contested Snap: every auditor but one endorses it, with the community.
    let dissident = auditors[auditors.len() - 1].clone();
    for auditor in &auditors[..auditors.len() - 1] {
        lines.push(review(auditor, CONTESTED_SNAP, true, mid));
    }
    for member in community.iter().take(30) {
        lines.push(review(member, CONTESTED_SNAP, true, mid));
    }
    lines.push(review(&dissident, CONTESTED_SNAP, false, recent));

    SnapsSample { credentials: lines, pretrust: roots.iter().map(|r| format!("{r} 1")).collect(), dissident }
}
