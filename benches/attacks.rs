//! Attack benchmark: how each distrust mode (`none`, `one-shot`,
//! `standing-weighted`) holds up on the three real signed graphs in
//! `../shared/data` when attacked. Ground truth is by construction (the
//! injected accounts); seeded, so every run prints the same tables.
//!
//! 1. Sybil region: N sybils (each trusting 10 others of the region), K
//!    attack edges from random honest peers; every sybil trusts the 3 most
//!    distrusted peers and distrusts the 3 honest peers with the highest T⁺.
//!    Columns: the region's share of T⁺ and of positive T, the mean change
//!    of the badmouthed peers' T (against the same mode on the clean graph),
//!    and the AUC of honest (reached: T⁺ > 0 on the clean graph) against
//!    sybil by T.
//! 2. Badmouthing: 25 moderately trusted honest peers distrust the most
//!    trusted honest peer. Columns: its T before and after, and its badge.
//! 3. Clean graphs: the AUC of benign against fraudulent peers (labelled by
//!    their raters, see `synth::attacks::rated_labels`) by T.
//!
//! Run: `cargo bench --bench attacks` (`SCORESET_ATTACK_GRAPHS=otc` for one graph).

#[path = "../src/cli/allocator.rs"]
mod allocator;

use scoreset::compute::DistrustMode;
use scoreset::synth::attacks::{
    MODES, Network, auc, most_distrusted, rated_labels, read_snap, score, top_honest, with_badmouthing, with_sybils,
};
use std::path::Path;
use std::time::Instant;

fn main() {
    allocator::keep_freed_memory();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let only = std::env::var("SCORESET_ATTACK_GRAPHS").unwrap_or_default();
    // Bitcoin: ratings −10..+10 scaled by 0.1, pre-trust on peer 1 (the
    // platform's founder); Wikipedia RfA: ±1 votes, pre-trust on the peer
    // with the most positive votes received ("*").
    let graphs: [(&str, &str, f64, &str); 3] = [
        ("otc", "soc-sign-bitcoinotc.csv.gz", 0.1, "1"),
        ("alpha", "soc-sign-bitcoinalpha.csv.gz", 0.1, "1"),
        ("wikirfa", "wikirfa_signed_pyg-signed-directed.csv.gz", 1.0, "*"),
    ];
    for (name, file, scale, root) in graphs {
        if !only.is_empty() && !only.split(',').any(|o| o == name) {
            continue;
        }
        let started = Instant::now();
        let mut net = read_snap(&data.join(file), scale, &[root]).expect("the SNAP graphs sit in ../shared/data");
        if root == "*" {
            net.pretrusted = vec![most_endorsed(&net)];
        }
        let root = &net.peers[net.pretrusted[0] as usize];
        println!("\n## {name}: {} peers, {} edges, pre-trust on {root}\n", net.peers.len(), net.edges.len());
        let clean = score(&net);
        clean_graph(&net, &clean);
        sybil_region(&net, &clean);
        badmouthing(&net, &clean);
        println!("\n({name}: {:.1} s)", started.elapsed().as_secs_f64());
    }
}

/// The peer with the most positive ratings received.
fn most_endorsed(net: &Network) -> u32 {
    let mut positive = vec![0u32; net.peers.len()];
    for e in net.edges.iter().filter(|e| e.value > 0.0) {
        positive[e.trustee as usize] += 1;
    }
    (0..net.peers.len() as u32).max_by_key(|&p| (positive[p as usize], std::cmp::Reverse(p))).unwrap_or(0)
}

fn mode_names() -> String {
    MODES.map(DistrustMode::id).join(" / ")
}

fn clean_graph(net: &Network, clean: &scoreset::synth::attacks::Scores) {
    let (benign, fraud) = rated_labels(net);
    let aucs: Vec<String> = clean.t.iter().map(|t| format!("{:.4}", auc(t, &benign, &fraud))).collect();
    println!(
        "clean graph: AUC benign ({}) vs fraudulent ({}) by T, {}: {}",
        benign.len(),
        fraud.len(),
        mode_names(),
        aucs.join(" / ")
    );
}

fn sybil_region(net: &Network, clean: &scoreset::synth::attacks::Scores) {
    let promoted = most_distrusted(net, 3);
    let badmouthed = top_honest(net, clean, 3);
    // Honest peers the trust graph reaches (T⁺ > 0 on the clean graph): an
    // unreached peer has no score to compare, in any mode.
    let honest: Vec<u32> = (0..net.peers.len() as u32).filter(|&p| clean.t_positive[p as usize] > 0.0).collect();
    println!(
        "\nsybil region ({}): N, K | share of T⁺ | share of positive T | mean ΔT of the 3 badmouthed | AUC honest vs sybil",
        mode_names()
    );
    println!("| N | K | mode | T⁺ share | T>0 share | ΔT badmouthed | AUC |");
    println!("|---|---|---|---|---|---|---|");
    for n in [100, 1_000, 10_000] {
        for k in [0, 5, 20, 100] {
            let (attacked, sybils) = with_sybils(net, n, k, &promoted, &badmouthed, 7 + n as u64 * 1000 + k as u64);
            let s = score(&attacked);
            let total: f64 = s.t_positive.iter().sum();
            let share = sybils.iter().map(|&p| s.t_positive[p as usize]).sum::<f64>() / total;
            for (m, mode) in MODES.iter().enumerate() {
                let t = &s.t[m];
                let positive: f64 = t.iter().map(|v| v.max(0.0)).sum();
                let sybil_positive: f64 = sybils.iter().map(|&p| t[p as usize].max(0.0)).sum();
                let delta = badmouthed.iter().map(|&p| t[p as usize] - clean.t[m][p as usize]).sum::<f64>() / 3.0;
                println!(
                    "| {n} | {k} | {} | {share:.2e} | {:.2e} | {delta:+.3e} | {:.4} |",
                    mode.id(),
                    sybil_positive / positive,
                    auc(t, &honest, &sybils)
                );
            }
        }
    }
}

fn badmouthing(net: &Network, clean: &scoreset::synth::attacks::Scores) {
    let victim = top_honest(net, clean, 1)[0];
    let (attacked, group) = with_badmouthing(net, clean, victim, 25);
    let s = score(&attacked);
    println!(
        "\nbadmouthing: {} moderately trusted peers distrust {} (T⁺ {:.3e}, highly trusted: {})",
        group.len(),
        net.peers[victim as usize],
        clean.t_positive[victim as usize],
        clean.highly[victim as usize]
    );
    println!("| mode | T before | T after | change | badge after |");
    println!("|---|---|---|---|---|");
    for (m, mode) in MODES.iter().enumerate() {
        let (before, after) = (clean.t[m][victim as usize], s.t[m][victim as usize]);
        let badge = if s.reported[victim as usize] {
            "Reported"
        } else if s.highly[victim as usize] {
            "HighlyTrusted"
        } else {
            "-"
        };
        println!(
            "| {} | {before:.4e} | {after:.4e} | {:+.1}% | {badge} |",
            mode.id(),
            100.0 * (after - before) / before
        );
    }
}
