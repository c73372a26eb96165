//! Attacks on the Snaps scenario: a sybil ring of any size, with a handful of
//! attack edges from honest peers, cannot move its malicious Snap out of
//! Reported / InsufficientReviews; a lone highly trusted dissident keeps a
//! Snap InReview; the honest community's Snap stays Endorsed.

mod common;

use common::{describe, scoreset};
use scoreset::synth::snaps::{CONTESTED_SNAP, GOOD_SNAP, MALICIOUS_SNAP, SNAPS_AS_OF, SnapsScenario, snaps_sample};
use std::fs;
use std::path::Path;

/// Runs the snaps pipeline on the scenario; returns artifact id → badge.
fn badges(scenario: &SnapsScenario) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let sample = snaps_sample(scenario);
    let data = dir.path().join("data/snaps");
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("credentials.jsonl"), sample.credentials.join("\n")).unwrap();
    fs::write(data.join("pretrust.txt"), sample.pretrust.join("\n")).unwrap();
    let pipelines = dir.path().join("pipelines");
    fs::create_dir_all(&pipelines).unwrap();
    let pipeline = pipelines.join("snaps.toml");
    fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/snaps.toml"), &pipeline).unwrap();
    let out = dir.path().join("out");
    let run = scoreset(&["run", pipeline.to_str().unwrap(), "--as-of", SNAPS_AS_OF, "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", describe(&run));
    let csv = fs::read_to_string(out.join("snaps/latest/artifact_scores.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].to_owned(), f[5].to_owned())
        })
        .collect()
}

fn badge_of<'a>(badges: &'a [(String, String)], snap: &str) -> &'a str {
    badges.iter().find(|(s, _)| s == snap).map(|(_, b)| b.as_str()).unwrap_or("none")
}

#[test]
fn sybil_rings_of_any_size_cannot_clear_their_snap() {
    for (sybils, attack_edges) in [(5, 0), (40, 3), (200, 5), (1000, 5)] {
        let b = badges(&SnapsScenario { sybils, attack_edges, ..SnapsScenario::default() });
        let malicious = badge_of(&b, MALICIOUS_SNAP);
        assert!(
            ["Reported", "InsufficientReviews"].contains(&malicious),
            "ring of {sybils} with {attack_edges} attack edges: {malicious}"
        );
        assert_eq!(badge_of(&b, GOOD_SNAP), "Endorsed", "ring of {sybils}");
        assert_eq!(badge_of(&b, CONTESTED_SNAP), "InReview", "one auditor's dispute holds, ring of {sybils}");
    }
}

#[test]
fn committed_snaps_sample_is_the_generators() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = fs::read_to_string(root.join("data/snaps/credentials.jsonl")).unwrap();
    let generated = snaps_sample(&SnapsScenario::default());
    assert!(
        committed.lines().eq(generated.credentials.iter().map(String::as_str)),
        "data/snaps is stale: regenerate it"
    );
}
