//! Invariants on random graphs: T⁺ is a distribution, distrust only lowers,
//! and the score files do not depend on thread count or input order.

use proptest::prelude::*;
use scoreset::compute::{EigenTrustParams, discount_one_shot, eigentrust};
use scoreset::graph;
use scoreset::ingest::Edge;
use scoreset::models::trust::render::{ScopeScores, render};

/// A random signed graph: n peers (some graphs larger than one kernel chunk),
/// edges with non-zero values in [-10, 10], and a random pre-trust subset.
/// Peer count, signed edges (truster, trustee, value) and pre-trust (peer, weight).
type RandomGraph = (usize, Vec<(u32, u32, f64)>, Vec<(u32, f64)>);

fn arb_graph() -> impl Strategy<Value = RandomGraph> {
    prop_oneof![2usize..40, 2000usize..5000].prop_flat_map(|n| {
        let edge = (0..n as u32, 0..n as u32, prop_oneof![-10.0..-0.01f64, 0.01..10.0f64]);
        let edges = prop::collection::vec(edge, 1..(4 * n));
        let pretrust = prop::collection::vec((0..n as u32, 0.0..5.0f64), 0..6);
        (Just(n), edges, pretrust)
    })
}

/// Runs the stages after ingest on edges given in `order`; returns (T⁺, T, scores.csv bytes).
fn compute(
    n: usize,
    edges: &[(u32, u32, f64)],
    pretrust: &[(u32, f64)],
    threads: usize,
) -> (Vec<f64>, Vec<f64>, Vec<u8>) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let peers: Vec<String> = (0..n).map(|i| format!("peer{i}")).collect();
        let edges: Vec<Edge> = edges
            .iter()
            .filter(|(i, j, _)| i != j)
            .map(|&(truster, trustee, value)| Edge { truster, trustee, value })
            .collect();
        let g = graph::build(peers, edges, pretrust);
        let (tp, _) = eigentrust(&g.trust, &g.dangling, &g.pretrust, &EigenTrustParams::default(), |_, _| {}).unwrap();
        let t = discount_one_shot(&g.distrust, &tp);
        let files = render(
            vec![ScopeScores {
                scope: "default".into(),
                badges: vec![None; g.peers.len()],
                peers: g.peers,
                trust_positive: tp.clone(),
                trust: t.clone(),
            }],
            &Default::default(),
            &Default::default(),
            &[],
            "2026-01-01T00:00:00Z",
            &[scoreset::config::OutputFormat::Csv],
        )
        .unwrap();
        (tp, t, files[0].to_bytes().unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn trust_positive_is_a_distribution_and_distrust_only_lowers((n, edges, pretrust) in arb_graph()) {
        let (tp, t, _) = compute(n, &edges, &pretrust, 2);
        prop_assert!(tp.iter().all(|&x| x >= 0.0));
        let total: f64 = tp.iter().sum();
        prop_assert!((total - 1.0).abs() < 1e-9, "sum of T+ = {}", total);
        for (a, b) in t.iter().zip(&tp) {
            prop_assert!(a <= b, "T {} > T+ {}", a, b);
        }
    }

    #[test]
    fn score_file_is_identical_on_one_and_two_threads((n, edges, pretrust) in arb_graph()) {
        let (_, _, one) = compute(n, &edges, &pretrust, 1);
        let (_, _, two) = compute(n, &edges, &pretrust, 2);
        prop_assert_eq!(one, two);
    }

    #[test]
    fn score_file_does_not_depend_on_input_line_order((_n, edges, pretrust) in arb_graph(), seed in any::<u64>()) {
        prop_assume!(edges.iter().any(|(i, j, _)| i != j), "every edge a self-loop: no graph");
        let mut shuffled = edges.clone();
        // A deterministic permutation from the seed (Fisher–Yates with an LCG).
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let dir = tempfile::tempdir().unwrap();
        let a = run_pipeline(dir.path(), "a", &edges, &pretrust);
        let b = run_pipeline(dir.path(), "b", &shuffled, &pretrust);
        prop_assert_eq!(a, b);
    }
}

/// Writes the edges as a CSV file (self-loops included: ingest rejects them)
/// and runs the real pipeline on it; returns the bytes of scores.csv.
fn run_pipeline(dir: &std::path::Path, name: &str, edges: &[(u32, u32, f64)], pretrust: &[(u32, f64)]) -> Vec<u8> {
    use std::fmt::Write;
    let mut csv = String::new();
    for (i, j, v) in edges {
        writeln!(csv, "peer{i},peer{j},{v}").unwrap();
    }
    std::fs::write(dir.join(format!("{name}.csv")), csv).unwrap();
    let mut entries = String::new();
    for (i, w) in pretrust {
        writeln!(entries, "peer{i},{w}").unwrap();
    }
    std::fs::write(dir.join(format!("{name}-pretrust.csv")), entries).unwrap();
    let pipeline = dir.join(format!("{name}.toml"));
    std::fs::write(
        &pipeline,
        // A named pre-trust must leave a positive weight (else the run fails): without one, uniform.
        if pretrust.iter().any(|&(_, w)| w > 0.0) {
            format!("name = \"{name}\"\n[[source]]\nformat = \"edges\"\npath = \"{name}.csv\"\n[pretrust]\npath = \"{name}-pretrust.csv\"\n")
        } else {
            format!("name = \"{name}\"\n[[source]]\nformat = \"edges\"\npath = \"{name}.csv\"\n")
        },
    )
    .unwrap();
    let options = scoreset::runner::RunOptions {
        as_of: Some(scoreset::as_of::AsOf::parse("2026-01-01T00:00:00Z").unwrap()),
        out_dir: Some(dir.join("out")),
        unsigned: true,
        ..Default::default()
    };
    let summary = scoreset::runner::run(&pipeline, &options).unwrap();
    std::fs::read(summary.published.as_ref().expect("a single-process run publishes").dir.join("scores.csv")).unwrap()
}

mod publisher_history {
    use proptest::prelude::*;
    use scoreset::ingest::records::{Investigation, Signal, SignalKind};
    use scoreset::models::publishers::audit::chain;
    use scoreset::models::publishers::{DAY_MS, ReputationParams, replay};

    const T0: i64 = 1_700_000_000_000;

    /// Signals (publisher, kind, minute, weight override) and investigations
    /// (publisher, open minute, length) over 60 days, many on the same instant.
    fn arb_history() -> impl Strategy<Value = (Vec<Signal>, Vec<Investigation>)> {
        let signal = (0..4u8, 0..9usize, 0..(60 * 24 * 6) as i64, prop::option::of(-60.0..60.0f64));
        let investigation = (0..4u8, 0..(60 * 24 * 6) as i64, prop::option::of(1..(20 * 24 * 6) as i64));
        (prop::collection::vec(signal, 0..80), prop::collection::vec(investigation, 0..4)).prop_map(|(s, i)| {
            let minute = |m: i64| T0 + m * 10 * 60_000;
            let signals = s
                .into_iter()
                .enumerate()
                .map(|(k, (p, kind, at, weight))| Signal {
                    id: format!("s{k}"),
                    publisher: format!("p{p}"),
                    kind: SignalKind::ALL[kind],
                    // Coarse times: ties on one instant are common.
                    at_ms: minute(at - at % 36),
                    weight,
                    evidence: None,
                })
                .collect();
            let investigations = i
                .into_iter()
                .enumerate()
                .map(|(k, (p, open, length))| Investigation {
                    id: format!("i{k}"),
                    publisher: format!("p{p}"),
                    opened_ms: minute(open - open % 36),
                    closed_ms: length.map(|l| minute(open - open % 36 + l)),
                    outcome: None,
                })
                .collect();
            (signals, investigations)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The same history in any input order gives identical scores and an identical audit log.
        #[test]
        fn input_order_never_matters(
            (signals, investigations) in arb_history(),
            seed in any::<u64>(),
        ) {
            let as_of = T0 + 61 * DAY_MS;
            let params = ReputationParams::default();
            let first = replay(&signals, &investigations, &params, as_of);
            let (mut s, mut i) = (signals.clone(), investigations.clone());
            // A seeded shuffle of both tables.
            let mut state = seed | 1;
            let mut next = |n: usize| { state ^= state << 13; state ^= state >> 7; state ^= state << 17; (state % n as u64) as usize };
            for k in (1..s.len()).rev() { let j = next(k + 1); s.swap(k, j); }
            for k in (1..i.len()).rev() { let j = next(k + 1); i.swap(k, j); }
            let second = replay(&s, &i, &params, as_of);
            prop_assert_eq!(&first.publishers, &second.publishers);
            prop_assert_eq!(chain(&first.events).unwrap(), chain(&second.events).unwrap());
            for p in &first.publishers {
                prop_assert!((0.0..=100.0).contains(&p.score), "score {} left [0, 100]", p.score);
            }
        }
    }
}
