//! The reference trust computer's published vectors (../shared/vectors/eigentrust).

mod common;

use common::{read_scores, shared};
use scoreset::as_of::AsOf;
use scoreset::compute::{DistrustMode, adjust_columns, discount_one_shot};
use scoreset::graph::{self, Incoming};
use scoreset::ingest::Edge;
use scoreset::runner::{self, RunOptions, TrustCounts};
use serde_json::Value;

#[test]
fn go_eigentrust_readme_vector_alpha_half() {
    let dir = tempfile::tempdir().unwrap();
    let v = shared("vectors/eigentrust/go-eigentrust-readme");
    let pipeline = dir.path().join("readme.toml");
    std::fs::write(
        &pipeline,
        format!(
            "name = \"readme\"\n\
             [[source]]\nformat = \"edges\"\npath = {:?}\nheader = true\n\
             [pretrust]\npath = {:?}\nheader = true\n\
             [eigentrust]\nalpha = 0.5\n[distrust]\nmode = \"none\"\n",
            v.join("lt.csv"),
            v.join("pt.csv")
        ),
    )
    .unwrap();
    // Unsigned: a library-level run must not make a key in the user's data folder.
    let options = RunOptions {
        as_of: Some(AsOf::parse("2026-01-01T00:00:00Z").unwrap()),
        out_dir: Some(dir.path().join("out")),
        unsigned: true,
        ..RunOptions::default()
    };
    let summary = runner::run(&pipeline, &options).unwrap();
    let report: &dyn std::any::Any = &*summary.computed.report;
    let counts = report.downcast_ref::<TrustCounts>().expect("a trust pipeline reports TrustCounts");
    assert_eq!(counts.scopes[0].convergence.iterations, 18, "the reference stops after 18 iterations");
    assert!(summary.computed.rejects_by_reason.is_empty());

    let expected = std::fs::read_to_string(v.join("expected_alpha_0.5.csv")).unwrap();
    let scores =
        read_scores(&summary.published.as_ref().expect("a single-process run publishes").dir.join("scores.csv"));
    assert_eq!(scores.len(), 3);
    for line in expected.lines().skip(1) {
        let (peer, value) = line.split_once(',').unwrap();
        let value: f64 = value.parse().unwrap();
        let row = scores.iter().find(|r| r.1 == peer).unwrap();
        assert!((row.2 - value).abs() <= 1e-12, "{peer}: {} vs {value}", row.2);
        assert_eq!(row.2, row.3, "no distrust: T = T+");
    }
}

fn sparse_pairs(v: &Value) -> Vec<(u32, f64)> {
    v.as_array().unwrap().iter().map(|p| (p[0].as_u64().unwrap() as u32, p[1].as_f64().unwrap())).collect()
}

#[test]
fn go_eigentrust_discount_trust_vector() {
    let text =
        std::fs::read_to_string(shared("vectors/eigentrust/go-eigentrust-unit/discount_trust_vector_test1.json"))
            .unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    let n = case["dim"].as_u64().unwrap() as usize;
    let mut t = vec![0.0; n];
    for (i, v) in sparse_pairs(&case["t"]) {
        t[i as usize] = v;
    }
    let rows: Vec<Vec<(u32, f64)>> = (0..n).map(|i| sparse_pairs(&case["D_rows"][i.to_string()])).collect();
    let d = Incoming::from_rows(n, &rows);
    let discounted = discount_one_shot(&d, &t);
    let mut expected = vec![0.0; n];
    for (i, v) in sparse_pairs(&case["expected"]) {
        expected[i as usize] = v;
    }
    assert_eq!(discounted, expected);
    // Split at any peer, as a cluster's processes split it (each computing
    // the peers it owns from their columns of D), the same numbers.
    for cut in 0..=n {
        let mut split = adjust_columns(DistrustMode::OneShot, &d.columns(0..cut), 0, &t, 1.0);
        split.extend(adjust_columns(DistrustMode::OneShot, &d.columns(cut..n), cut, &t, 1.0));
        assert_eq!(split, expected, "split at {cut}");
    }
}

#[test]
fn go_eigentrust_extract_distrust() {
    let text =
        std::fs::read_to_string(shared("vectors/eigentrust/go-eigentrust-unit/extract_distrust_test1.json")).unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    let n = case["dim"].as_u64().unwrap() as usize;
    let coo = |key: &str| -> Vec<(u32, u32, f64)> {
        case[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e[0].as_u64().unwrap() as u32, e[1].as_u64().unwrap() as u32, e[2].as_f64().unwrap()))
            .collect()
    };
    let edges =
        coo("input_coo").into_iter().map(|(truster, trustee, value)| Edge { truster, trustee, value }).collect();
    let g = graph::build((0..n).map(|i| i.to_string()).collect(), edges, &[]);
    // The reference splits before canonicalising; scoreset canonicalises each
    // part's rows, so compare with the expected parts scaled to unit row sums.
    let canonical = |entries: Vec<(u32, u32, f64)>| -> Incoming {
        let mut rows = vec![Vec::new(); n];
        for (i, j, v) in entries {
            rows[i as usize].push((j, v));
        }
        for row in &mut rows {
            let total: f64 = row.iter().map(|e| e.1).sum();
            row.iter_mut().for_each(|e| e.1 /= total);
        }
        Incoming::from_rows(n, &rows)
    };
    assert_eq!(g.trust, canonical(coo("expected_trust_coo")));
    assert_eq!(g.distrust, canonical(coo("expected_distrust_coo")));
}
