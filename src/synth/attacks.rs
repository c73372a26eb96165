//! Attack scenarios with ground truth by construction (the injected
//! accounts): on the real signed graphs, a sybil region with attack edges
//! and a coordinated badmouthing of a highly trusted peer; as dated
//! credentials for the time-decay scenarios, a bored influencer and a
//! trickle sybil. Used by the attack benchmark (`cargo bench --bench
//! attacks`) and `tests/attacks.rs`.

use crate::compute::{DistrustMode, EigenTrustParams, adjust, eigentrust};
use crate::graph;
use crate::ingest::Edge;
use crate::models::sentiment::{PeerBadge, highly_trusted, peer_badges, weakest_highly_trusted};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// A signed graph: peers by name, edges between their indices.
#[derive(Debug, Clone)]
pub struct Network {
    /// Peer ids; edges refer to their positions.
    pub peers: Vec<String>,
    /// Edges (value in [-1, 1]).
    pub edges: Vec<Edge>,
    /// The pre-trusted peers' positions.
    pub pretrusted: Vec<u32>,
}

/// Reads a SNAP signed edge list (`truster,trustee,value[,time]`, gzip),
/// values multiplied by `scale`; `pretrusted` names the root of trust.
pub fn read_snap(path: &Path, scale: f64, pretrusted: &[&str]) -> std::io::Result<Network> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_string(&mut text)?;
    let mut ids: BTreeMap<String, u32> = BTreeMap::new();
    let mut peers = Vec::new();
    let mut intern = |id: &str| {
        *ids.entry(id.to_owned()).or_insert_with(|| {
            peers.push(id.to_owned());
            (peers.len() - 1) as u32
        })
    };
    let mut edges = Vec::new();
    for line in text.lines() {
        let mut fields = line.split(',');
        let (Some(a), Some(b), Some(v)) = (fields.next(), fields.next(), fields.next()) else { continue };
        let Ok(value) = v.trim().parse::<f64>() else { continue };
        let (truster, trustee) = (intern(a.trim()), intern(b.trim()));
        if truster != trustee && value != 0.0 {
            edges.push(Edge { truster, trustee, value: value * scale });
        }
    }
    let pretrusted = pretrusted.iter().filter_map(|p| ids.get(*p).copied()).collect();
    Ok(Network { peers, edges, pretrusted })
}

/// T⁺, T under each distrust mode, and P_h of a network, by peer position.
#[derive(Debug, Clone)]
pub struct Scores {
    /// Pure EigenTrust scores.
    pub t_positive: Vec<f64>,
    /// T per mode, in the order of [`MODES`].
    pub t: Vec<Vec<f64>>,
    /// The highly trusted peers.
    pub highly: Vec<bool>,
    /// Peers distrusted by a highly trusted peer (the Reported peer badge).
    pub reported: Vec<bool>,
}

/// The distrust modes compared.
pub const MODES: [DistrustMode; 3] = [DistrustMode::None, DistrustMode::OneShot, DistrustMode::StandingWeighted];

/// Scores `net` as the trust model does (EigenTrust with the default
/// parameters, P_h from the pre-trusted peers, each distrust mode).
pub fn score(net: &Network) -> Scores {
    let pretrust: Vec<(u32, f64)> = net.pretrusted.iter().map(|&p| (p, 1.0)).collect();
    let g = graph::build(net.peers.clone(), net.edges.clone(), &pretrust);
    let (t_positive, _) = eigentrust(&g.trust, &g.dangling, &g.pretrust, &EigenTrustParams::default(), |_, _| {})
        .expect("the default parameters converge on these graphs");
    let pretrusted: Vec<bool> = g.pretrust.iter().map(|&p| p > 0.0).collect();
    let highly = highly_trusted(&g, &pretrusted);
    let reported: Vec<bool> = peer_badges(&g, &highly).into_iter().map(|b| b == Some(PeerBadge::Reported)).collect();
    let bar = weakest_highly_trusted(&t_positive, &highly);
    let t: Vec<Vec<f64>> = MODES.iter().map(|&m| adjust(m, &g.distrust, &t_positive, bar)).collect();
    // Back to the network's order (the graph sorts peers by id).
    let position: BTreeMap<&str, usize> = g.peers.iter().enumerate().map(|(k, p)| (p.as_str(), k)).collect();
    let order: Vec<usize> = net.peers.iter().map(|p| position[p.as_str()]).collect();
    let back = |v: &[f64]| order.iter().map(|&k| v[k]).collect::<Vec<f64>>();
    Scores {
        t_positive: back(&t_positive),
        t: t.iter().map(|v| back(v)).collect(),
        highly: order.iter().map(|&k| highly[k]).collect(),
        reported: order.iter().map(|&k| reported[k]).collect(),
    }
}

/// The honest peers a sybil region badmouths (or a group distrusts): the
/// `count` with the highest T⁺, pre-trusted peers excepted.
pub fn top_honest(net: &Network, clean: &Scores, count: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..net.peers.len() as u32).filter(|p| !net.pretrusted.contains(p)).collect();
    order.sort_by(|&a, &b| clean.t_positive[b as usize].total_cmp(&clean.t_positive[a as usize]).then(a.cmp(&b)));
    order.truncate(count);
    order
}

/// The `count` peers with the most negative ratings received: the fraudsters a sybil region promotes.
pub fn most_distrusted(net: &Network, count: usize) -> Vec<u32> {
    let mut negative = vec![0u32; net.peers.len()];
    for e in net.edges.iter().filter(|e| e.value < 0.0) {
        negative[e.trustee as usize] += 1;
    }
    let mut order: Vec<u32> = (0..net.peers.len() as u32).collect();
    order.sort_by(|&a, &b| negative[b as usize].cmp(&negative[a as usize]).then(a.cmp(&b)));
    order.truncate(count);
    order
}

/// A sybil region added to `net`: `n` accounts each trusting 10 random
/// others of the region, `k` attack edges (+1) from random honest peers to
/// random sybils; every sybil trusts `promoted` (+1) and distrusts
/// `badmouthed` (−1). Returns the network and the sybils' positions.
pub fn with_sybils(
    net: &Network,
    n: usize,
    k: usize,
    promoted: &[u32],
    badmouthed: &[u32],
    seed: u64,
) -> (Network, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = net.clone();
    let honest = net.peers.len() as u32;
    let sybils: Vec<u32> = (0..n as u32).map(|s| honest + s).collect();
    out.peers.extend((0..n).map(|s| format!("sybil-{s:05}")));
    let edge = |truster, trustee, value| Edge { truster, trustee, value };
    for &s in &sybils {
        for _ in 0..10.min(n.saturating_sub(1)) {
            let other = sybils[rng.random_range(0..n)];
            if other != s {
                out.edges.push(edge(s, other, 1.0));
            }
        }
        out.edges.extend(promoted.iter().map(|&p| edge(s, p, 1.0)));
        out.edges.extend(badmouthed.iter().map(|&p| edge(s, p, -1.0)));
    }
    for _ in 0..k {
        let from = loop {
            let p = rng.random_range(0..honest);
            if !net.pretrusted.contains(&p) {
                break p;
            }
        };
        out.edges.push(edge(from, sybils[rng.random_range(0..n)], 1.0));
    }
    (out, sybils)
}

/// `group` moderately trusted honest peers (around the median of the
/// positive T⁺, pre-trusted and P_h excepted) each distrust `victim` (−1).
pub fn with_badmouthing(net: &Network, clean: &Scores, victim: u32, group: usize) -> (Network, Vec<u32>) {
    let mut candidates: Vec<u32> = (0..net.peers.len() as u32)
        .filter(|&p| p != victim && clean.t_positive[p as usize] > 0.0 && !clean.highly[p as usize])
        .filter(|p| !net.pretrusted.contains(p))
        .collect();
    candidates.sort_by(|&a, &b| clean.t_positive[a as usize].total_cmp(&clean.t_positive[b as usize]).then(a.cmp(&b)));
    let start = (candidates.len() / 2).saturating_sub(group / 2);
    let members: Vec<u32> = candidates.iter().skip(start).take(group).copied().collect();
    let mut out = net.clone();
    out.edges.extend(members.iter().map(|&m| Edge { truster: m, trustee: victim, value: -1.0 }));
    (out, members)
}

/// The probability that a random member of `high` scores above a random
/// member of `low` (ties count half): the area under the ROC curve.
pub fn auc(scores: &[f64], high: &[u32], low: &[u32]) -> f64 {
    if high.is_empty() || low.is_empty() {
        return f64::NAN;
    }
    let mut lows: Vec<f64> = low.iter().map(|&p| scores[p as usize]).collect();
    lows.sort_by(f64::total_cmp);
    let mut wins = 0.0;
    for &h in high {
        let s = scores[h as usize];
        let below = lows.partition_point(|&l| l < s);
        let ties = lows[below..].partition_point(|&l| l <= s);
        wins += below as f64 + ties as f64 / 2.0;
    }
    wins / (high.len() as f64 * lows.len() as f64)
}

/// Benign and fraudulent peers of a clean graph, from its ratings: a
/// fraudster has at least 3 negative raters and more negative than positive
/// ones; a benign peer at least 3 positive raters and no negative one.
pub fn rated_labels(net: &Network) -> (Vec<u32>, Vec<u32>) {
    let mut raters = vec![(0u32, 0u32); net.peers.len()];
    for e in &net.edges {
        let r = &mut raters[e.trustee as usize];
        if e.value > 0.0 { r.0 += 1 } else { r.1 += 1 }
    }
    let benign =
        (0..net.peers.len() as u32).filter(|&p| raters[p as usize].0 >= 3 && raters[p as usize].1 == 0).collect();
    let fraud = (0..net.peers.len() as u32)
        .filter(|&p| raters[p as usize].1 >= 3 && raters[p as usize].1 > raters[p as usize].0)
        .collect();
    (benign, fraud)
}

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The account of peer `n` in the dated scenarios.
pub fn did(n: u32) -> String {
    format!("did:pkh:eip155:1:0x{n:040x}")
}

fn date(unix: i64) -> String {
    crate::as_of::format_ms(unix * 1000)
}

/// A `PeerTrustCredential`: `issuer` trusts `subject` fully in `Software security`, issued at `at` (unix seconds).
pub fn trust(issuer: u32, subject: u32, at: i64) -> Value {
    json!({"type": ["VerifiableCredential", "PeerTrustCredential"], "issuer": did(issuer), "issuanceDate": date(at),
        "credentialSubject": {"id": did(subject), "trustworthiness": [{"scope": "Software security", "level": 1.0}]}})
}

/// A `ReviewCredential` of `artifact` by `issuer`, issued at `at`.
pub fn review(issuer: u32, artifact: &str, endorsed: bool, at: i64) -> Value {
    json!({"type": ["VerifiableCredential", "ReviewCredential"], "issuer": did(issuer), "issuanceDate": date(at),
        "credentialSubject": {"id": artifact, "currentStatus": if endorsed { "Endorsed" } else { "Disputed" }}})
}

/// The bored influencer, judged at `as_of`: root 0 trusts honest peers
/// 1..=10 (a month ago); each vouched for the influencer 99 two years ago
/// and vouches for two other honest peers this month; five days ago 99
/// endorsed [`MALICIOUS`] and peers 1..=5 disputed it.
pub fn bored_influencer(as_of: i64) -> Vec<Value> {
    let mut creds = Vec::new();
    for h in 1..=10u32 {
        creds.push(trust(0, h, as_of - 30 * DAY));
        creds.push(trust(h, INFLUENCER, as_of - 730 * DAY));
        for k in 1..=2 {
            creds.push(trust(h, (h + k - 1) % 10 + 1, as_of - 20 * DAY));
        }
    }
    creds.push(review(INFLUENCER, MALICIOUS, true, as_of - 5 * DAY));
    creds.extend((1..=5).map(|h| review(h, MALICIOUS, false, as_of - 5 * DAY)));
    creds
}

/// The bored influencer's account.
pub const INFLUENCER: u32 = 99;
/// The artifact the bored influencer endorses.
pub const MALICIOUS: &str = "did:snap:maliciousWallet=";
/// The trickle sybil's account.
pub const ATTACKER: u32 = 999;
/// A month, as the trickle sybil counts them.
pub const MONTH: i64 = 30 * DAY;

/// The trickle sybil over twelve months from `start`: root 0 trusts honest
/// peers 1..=30; each month every honest peer vouches for 3, later 2, then
/// 1 other (declining activity), and honest peer m+1 vouches for the
/// attacker 999, one more follower a month.
pub fn trickle_sybil(start: i64) -> Vec<Value> {
    let peers = 30u32;
    let mut creds: Vec<Value> = (1..=peers).map(|h| trust(0, h, start)).collect();
    for m in 0..12i64 {
        let at = start + m * MONTH + DAY;
        let per_peer = 3 - m / 5;
        for h in 1..=peers {
            for k in 0..per_peer as u32 {
                creds.push(trust(h, (h + 7 * (m as u32 + 1) + k) % peers + 1, at));
            }
        }
        creds.push(trust(m as u32 + 1, ATTACKER, at + DAY));
    }
    creds
}
