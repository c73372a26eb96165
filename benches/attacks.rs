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
//! 4. Bored influencer and trickle sybil (dated credentials run through the
//!    pipeline, decay off and at half-lives of 90 and 180 days, rows scaled
//!    by their decayed total — the default — or their undecayed one): the
//!    malicious artifact's badge and the influencer's T⁺; the attacker's
//!    share of T⁺ in each of twelve monthly epochs.
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
    if only.is_empty() || only.split(',').any(|o| o == "decay") {
        decay_scenarios();
    }
}

/// The two dated scenarios, through the real pipeline (library entry point).
fn decay_scenarios() {
    use scoreset::synth::attacks::{ATTACKER, INFLUENCER, MALICIOUS, MONTH, bored_influencer, did, trickle_sybil};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let as_of: i64 = 1_767_225_600; // 2026-01-01
    // (half-life in days, rows scaled by their undecayed total)
    let run = |name: &str, creds: &[serde_json::Value], decay: Option<(u32, bool)>, at: i64| {
        let lines: String = creds.iter().map(|c| format!("{c}\n")).collect();
        std::fs::write(dir.path().join(format!("{name}.jsonl")), lines).expect("written");
        let decay = match decay {
            None => String::new(),
            Some((h, false)) => format!("[decay]\nhalf_life_days = {h}\n"),
            Some((h, true)) => format!("[decay]\nhalf_life_days = {h}\nrow_scale = \"undecayed\"\n"),
        };
        let pipeline = dir.path().join(format!("{name}.toml"));
        let text = format!(
            "name = \"{name}\"\nscopes = [\"Software security\"]\n[[source]]\nformat = \"vc-jsonl\"\npath = \"{name}.jsonl\"\n[pretrust]\nentries = {{ \"{}\" = 1.0 }}\n{decay}",
            did(0)
        );
        std::fs::write(&pipeline, text).expect("written");
        let options = scoreset::runner::RunOptions {
            as_of: Some(scoreset::as_of::AsOf::parse(&scoreset::as_of::format_ms(at * 1000)).expect("an instant")),
            out_dir: Some(dir.path().join("out")),
            unsigned: true,
            ..Default::default()
        };
        let epoch =
            scoreset::runner::run(&pipeline, &options).expect("the scenario runs").published.expect("published").dir;
        let read = |file: &str| std::fs::read_to_string(epoch.join(file)).expect("the epoch's files");
        let artifacts = read("artifact_scores.csv");
        let badge =
            artifacts.lines().find(|l| l.split(',').nth(1) == Some(MALICIOUS)).and_then(|l| l.split(',').nth(5));
        (read("scores.csv"), badge.unwrap_or("-").to_owned())
    };
    // T⁺ of `peer` in a scores.csv (0 when it has no score).
    let t_plus = |scores: &str, peer: &str| -> f64 {
        let line = scores.lines().find(|l| l.split(',').nth(1) == Some(peer));
        line.and_then(|l| l.split(',').nth(2)?.parse().ok()).unwrap_or(0.0)
    };
    let settings = [None, Some((90, false)), Some((180, false)), Some((90, true)), Some((180, true))];
    let label = |d: Option<(u32, bool)>| match d {
        None => "off".to_owned(),
        Some((h, false)) => format!("{h} d"),
        Some((h, true)) => format!("{h} d, row_scale undecayed"),
    };
    println!(
        "\n## bored influencer (10 endorsers vouched two years ago and moved on; it endorses a malicious artifact that 5 of them dispute)\n"
    );
    println!("| decay | artifact badge | influencer T⁺ |\n|---|---|---|");
    for (k, h) in settings.into_iter().enumerate() {
        let (scores, badge) = run(&format!("bored-{k}"), &bored_influencer(as_of), h, as_of);
        println!("| {} | {badge} | {:.4e} |", label(h), t_plus(&scores, &did(INFLUENCER)));
    }
    println!(
        "\n## trickle sybil (one more honest follower a month, honest activity declining): attacker's share of T⁺ per monthly epoch\n"
    );
    println!("| decay | {} |", (1..=12).map(|m| format!("m{m}")).collect::<Vec<_>>().join(" | "));
    println!("|---|{}", "---|".repeat(12));
    let start = as_of - 12 * MONTH;
    let creds = trickle_sybil(start);
    for (k, h) in settings.into_iter().enumerate() {
        let shares: Vec<String> = (0..12)
            .map(|m| {
                let (scores, _) = run(&format!("trickle-{k}-{m}"), &creds, h, start + (m + 1) * MONTH);
                format!("{:.2e}", t_plus(&scores, &did(ATTACKER)))
            })
            .collect();
        println!("| {} | {} |", label(h), shares.join(" | "));
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
