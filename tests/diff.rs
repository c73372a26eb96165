//! `scoreset diff` through the binary: two epochs of the publishers sample
//! and of the Snaps sample, and a changed parameter.

mod common;

use common::{describe, scoreset};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn run(pipeline: &Path, out: &Path, as_of: &str) -> PathBuf {
    let ran = scoreset(&["run", pipeline.to_str().unwrap(), "--as-of", as_of, "--out", out.to_str().unwrap()]);
    assert!(ran.status.success(), "{}", describe(&ran));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ran_epoch(out, pipeline).join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["credentialSubject"]["asOf"], as_of);
    // The epoch folder itself: `latest` moves with the next run.
    ran_epoch(out, pipeline).canonicalize().unwrap()
}

fn ran_epoch(out: &Path, pipeline: &Path) -> PathBuf {
    let text = std::fs::read_to_string(pipeline).unwrap();
    let name = text.lines().find_map(|l| l.strip_prefix("name = ")).unwrap().trim_matches('"');
    out.join(name).join("latest")
}

fn diff(old: &Path, new: &Path) -> (String, serde_json::Value) {
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let text = scoreset(&["diff", old, new, "--top", "3"]);
    assert!(text.status.success(), "{}", describe(&text));
    let json = scoreset(&["diff", old, new, "--top", "1000000", "--json"]);
    assert!(json.status.success(), "{}", describe(&json));
    (String::from_utf8(text.stdout).unwrap(), serde_json::from_slice(&json.stdout).unwrap())
}

/// column `value` and column `label` of a CSV by its first column.
fn column(file: &Path, value: usize, label: usize) -> BTreeMap<String, (f64, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|f| (f[0].to_owned(), (f[value].parse().unwrap(), f[label].to_owned())))
        .collect()
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines").join(name)
}

#[test]
fn two_publisher_epochs_differ_by_exactly_the_scores_and_tiers_their_files_hold() {
    let dir = tempfile::tempdir().unwrap();
    let old = run(&sample("publishers.toml"), dir.path(), "2025-06-01T00:00:00Z");
    let old_scores = column(&old.join("publisher_scores.csv"), 1, 2);
    let new = run(&sample("publishers.toml"), dir.path(), "2026-11-01T00:00:00Z");
    let new_scores = column(&new.join("publisher_scores.csv"), 1, 2);
    let (text, json) = diff(&old, &new);

    assert_eq!(json["model"], "publishers");
    let table = &json["tables"][0];
    assert_eq!(table["file"], "publisher_scores.csv");
    let moved: Vec<(String, f64, f64)> = table["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["key"].as_str().unwrap().to_owned(), m["old"].as_f64().unwrap(), m["new"].as_f64().unwrap()))
        .collect();
    let expected_moves = old_scores.iter().filter(|(k, (s, _))| new_scores[*k].0 != *s).count();
    assert_eq!(moved.len(), expected_moves, "every moved publisher");
    assert!(expected_moves > 0);
    for (key, o, n) in &moved {
        assert_eq!((old_scores[key].0, new_scores[key].0), (*o, *n), "{key}: the scores the files hold");
    }
    assert!(moved.windows(2).all(|w| (w[0].2 - w[0].1).abs() >= (w[1].2 - w[1].1).abs()), "largest move first");
    let relabelled: Vec<&String> = old_scores.keys().filter(|k| old_scores[*k].1 != new_scores[*k].1).collect();
    let changes = table["label_changes"].as_array().unwrap();
    assert_eq!(changes.len(), relabelled.len(), "every tier change");
    for c in changes {
        let key = c["key"].as_str().unwrap();
        assert_eq!(
            (c["old"].as_str().unwrap(), c["new"].as_str().unwrap()),
            (&*old_scores[key].1, &*new_scores[key].1)
        );
    }
    assert!(
        json["inputs"].as_array().unwrap().iter().any(|i| i["name"].as_str().unwrap().contains("signals.csv")),
        "the signals file's reject count changed with as_of: {}",
        json["inputs"]
    );
    let first = &moved[0];
    assert!(text.contains(&format!("  {}  ({} -> {})", first.0, first.1, first.2)), "{text}");
    assert!(text.contains(&format!("{} moved, {} relabelled", expected_moves, relabelled.len())), "{text}");
}

#[test]
fn two_snaps_epochs_show_the_contested_snap_losing_its_badge_and_the_drainer_appearing() {
    let dir = tempfile::tempdir().unwrap();
    let old = run(&sample("snaps.toml"), dir.path(), "2024-09-01T00:00:00Z");
    let new = run(&sample("snaps.toml"), dir.path(), "2025-01-01T00:00:00Z");
    let (text, json) = diff(&old, &new);
    let tables = json["tables"].as_array().unwrap();
    let peers = tables.iter().find(|t| t["file"] == "scores.csv").unwrap();
    let artifacts = tables.iter().find(|t| t["file"] == "artifact_scores.csv").unwrap();
    let old_peers = std::fs::read_to_string(old.join("scores.csv")).unwrap().lines().count() - 1;
    let new_peers = std::fs::read_to_string(new.join("scores.csv")).unwrap().lines().count() - 1;
    let appeared = peers["appeared"].as_array().unwrap().len();
    let left = peers["left"].as_array().unwrap().len();
    assert_eq!(new_peers, old_peers + appeared - left, "peers that appeared or left account for the counts");
    assert!(appeared > 0);
    let relabel = &artifacts["label_changes"].as_array().unwrap()[0];
    assert_eq!(relabel["key"], "Software security | did:snap:contestedBridge=");
    assert_eq!((relabel["old"].as_str().unwrap(), relabel["new"].as_str().unwrap()), ("Endorsed", "InReview"));
    assert_eq!(artifacts["appeared"], serde_json::json!(["Software security | did:snap:maliciousWalletDrainer="]));
    assert!(json["parameters"].as_array().unwrap().is_empty(), "same pipeline");
    assert!(text.contains("Endorsed -> InReview  Software security | did:snap:contestedBridge="), "{text}");
}

#[test]
fn a_changed_parameter_and_input_are_named_and_another_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let write = |alpha: f64, edges: &str| {
        std::fs::write(dir.path().join("edges.csv"), edges).unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            format!("name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = {{ a = 1.0 }}\n[eigentrust]\nalpha = {alpha}\n"),
        )
        .unwrap();
        path
    };
    let out = dir.path().join("out");
    let old = run(&write(0.5, "a,b,1\nb,c,1\nc,a,1\n"), &out, "2026-01-01T00:00:00Z");
    let new = run(&write(0.3, "a,b,1\nb,c,1\nc,a,1\nc,d,1\n"), &out, "2026-01-02T00:00:00Z");
    let (text, json) = diff(&old, &new);
    assert_eq!(json["parameters"], serde_json::json!([{"name": "alpha", "old": 0.5, "new": 0.3}]));
    let inputs = json["inputs"].as_array().unwrap();
    assert!(
        inputs.iter().any(|i| i["name"] == "edges.csv (edges)" && i["old"]["records"] == 3 && i["new"]["records"] == 4)
    );
    assert!(text.contains("parameter alpha: 0.5 -> 0.3"), "{text}");
    assert_eq!(json["tables"][0]["appeared"], serde_json::json!(["default | d"]));

    let other = run(&sample("publishers.toml"), dir.path(), "2026-11-01T00:00:00Z");
    let refused = scoreset(&["diff", old.to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nothing to compare"));
}
