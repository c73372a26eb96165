//! `scoreset explain`: its decomposition sums to the scores on random signed
//! graphs (a property test over the library), and through the binary on the
//! sample epochs: a peer, an artifact, a publisher.

mod common;

use common::{describe, scoreset, signed_graph};
use proptest::prelude::*;
use scoreset::compute::EigenTrustParams;
use scoreset::compute::distrust::{DistrustMode, adjust};
use scoreset::compute::eigentrust::eigentrust_iterates;
use scoreset::config::sentiment::Thresholds;
use scoreset::explain::peer;
use scoreset::models::sentiment::{peer_standing, weakest_highly_trusted};
use scoreset::models::trust::ScopeView;
use std::path::Path;

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// For every peer of a random signed graph, under every distrust mode:
    /// the pre-trust share, the dangling share and the contributions (the
    /// top ones and the grouped rest) sum to T⁺ within 1e-12, and the
    /// deductions to T⁺ − T.
    #[test]
    fn contributions_sum_to_t_plus_and_deductions_to_t_plus_minus_t(
        n in 2usize..40,
        raw_edges in prop::collection::vec((0u32..40, 0u32..40, -1.0f64..1.0), 1..200),
        roots in prop::collection::vec(0u32..40, 1..4),
        alpha in 0.05f64..0.95,
        top in 0usize..5,
    ) {
        let g = signed_graph(n, &raw_edges, &roots);
        let params = EigenTrustParams { alpha: scoreset::compute::eigentrust::UnitInterval(alpha), ..Default::default() };
        let iterates = eigentrust_iterates(&g.trust, &g.dangling, &g.leak, &g.pretrust, &params, |_, _| {}).unwrap();
        let pretrusted: Vec<bool> = g.pretrust.iter().map(|&p| p > 0.0).collect();
        let (highly, badges) = peer_standing(&g, &pretrusted);
        let bar = weakest_highly_trusted(&iterates.trust_positive, &highly);
        for mode in [DistrustMode::None, DistrustMode::OneShot, DistrustMode::StandingWeighted] {
            let trust = adjust(mode, &g.distrust, &iterates.trust_positive, bar);
            let view = ScopeView {
                scope: "s",
                graph: &g,
                iterates: &iterates,
                trust: &trust,
                highly: &highly,
                badges: &badges,
                alpha,
                distrust: mode,
                bar,
                artifacts: None,
                thresholds: Thresholds::Caip,
            };
            for j in 0..n {
                let e = peer::explain(&view, j, top);
                prop_assert!(e.contributions.len() <= top);
                prop_assert_eq!(e.contributions.len() + e.others, g.trust.incoming_of(j).len());
                let parts = e.sum_of_parts();
                prop_assert!((parts - e.trust_positive).abs() <= 1e-12, "{}: parts {} vs T+ {}", e.peer, parts, e.trust_positive);
                let deducted = e.sum_of_deductions();
                prop_assert!(
                    (deducted - (e.trust_positive - e.trust)).abs() <= 1e-12,
                    "{} ({:?}): deductions {} vs T+ - T {}", e.peer, mode, deducted, e.trust_positive - e.trust
                );
                prop_assert!(mode != DistrustMode::None || e.deductions.is_empty());
            }
        }
    }
}

fn run(pipeline: &str, out: &Path, as_of: &str) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ran =
        scoreset(&["run", root.join(pipeline).to_str().unwrap(), "--as-of", as_of, "--out", out.to_str().unwrap()]);
    assert!(ran.status.success(), "{}", describe(&ran));
    let name = Path::new(pipeline).file_stem().unwrap().to_str().unwrap().to_owned();
    out.join(name).join("latest")
}

fn explain(args: &[&str]) -> (String, serde_json::Value) {
    let text = scoreset(&[&["explain"], args].concat());
    assert!(text.status.success(), "{}", describe(&text));
    let json = scoreset(&[&["explain", "--json"], args].concat());
    assert!(json.status.success(), "{}", describe(&json));
    (String::from_utf8(text.stdout).unwrap(), serde_json::from_slice(&json.stdout).unwrap())
}

#[test]
fn a_peer_of_the_example_epoch_is_explained_from_its_recomputed_graph() {
    let dir = tempfile::tempdir().unwrap();
    let epoch = run("pipelines/example.toml", dir.path(), "2026-01-01T00:00:00Z");
    let (text, json) = explain(&[epoch.to_str().unwrap(), "alice", "--top", "1"]);
    let p = &json["explanation"];
    assert_eq!(p["kind"], "peer");
    let scores = std::fs::read_to_string(epoch.join("scores.csv")).unwrap();
    let row: Vec<&str> = scores.lines().find(|l| l.starts_with("default,alice,")).unwrap().split(',').collect();
    assert_eq!(p["trustPositive"].as_f64().unwrap().to_string(), row[2], "T+ as the epoch holds it");
    assert_eq!(p["trust"].as_f64().unwrap().to_string(), row[3], "T as the epoch holds it");
    assert_eq!(p["badge"], row[4]);
    assert_eq!(p["contributions"].as_array().unwrap().len(), 1, "--top 1");
    assert_eq!(p["contributions"][0]["truster"], "bob");
    assert_eq!(p["others"], 1, "heidi grouped with the rest");
    assert_eq!(p["deductions"][0]["distruster"], "sybil1");
    assert!(text.contains("trusted by pre-trusted bob") && text.contains("re-run reproduces"), "{text}");

    // An id that is neither a peer nor an artifact: exit 2, named.
    let missing = scoreset(&["explain", epoch.to_str().unwrap(), "nobody"]);
    assert_eq!(missing.status.code(), Some(2), "{}", describe(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("\"nobody\""));
}

#[test]
fn an_artifact_of_the_snaps_epoch_is_explained_by_its_opinions() {
    let dir = tempfile::tempdir().unwrap();
    let epoch = run("pipelines/snaps.toml", dir.path(), "2025-01-01T00:00:00Z");
    let (text, json) = explain(&[epoch.to_str().unwrap(), "did:snap:contestedBridge="]);
    let versions = json["explanation"]["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    let a = &versions[0];
    let scores = std::fs::read_to_string(epoch.join("artifact_scores.csv")).unwrap();
    let row: Vec<&str> =
        scores.lines().find(|l| l.contains("did:snap:contestedBridge=,")).unwrap().split(',').collect();
    assert_eq!(a["value"].as_f64().unwrap().to_string(), row[3]);
    assert_eq!(a["confidence"].as_f64().unwrap().to_string(), row[4]);
    assert_eq!(a["badge"], row[5]);
    assert_eq!(a["opinions"].as_array().unwrap().len().to_string(), row[6], "every counted opinion listed");
    let weights: f64 = a["opinions"].as_array().unwrap().iter().map(|o| o["weight"].as_f64().unwrap()).sum();
    assert!((weights - a["confidence"].as_f64().unwrap()).abs() < 1e-12, "the weights sum to C");
    assert!(a["weakest"].as_str().unwrap().starts_with("did:pkh:"), "d is named");
    assert!(text.contains("[caip]: InReview"), "the rule with its numbers: {text}");
}

#[test]
fn a_publisher_is_explained_by_the_rows_that_record_it() {
    let dir = tempfile::tempdir().unwrap();
    let epoch = run("pipelines/publishers.toml", dir.path(), "2026-01-01T00:00:00Z");
    let (text, json) = explain(&[epoch.to_str().unwrap(), "pub-001"]);
    assert_eq!(json["explanation"]["kind"], "rows");
    let rows = json["explanation"]["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r[0] == "publisher_scores.csv" && r[2].as_str().unwrap().starts_with("pub-001,")));
    assert!(rows.iter().any(|r| r[0] == "audit.jsonl"), "its audit trail");
    assert!(text.contains("records its signals and rules"), "{text}");
}
