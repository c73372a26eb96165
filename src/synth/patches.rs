//! A seeded patch scenario for `data/patches/`: authors with good and bad
//! histories (a maintainer, a steady contributor, a careless one, one who was
//! good and is declining, a newcomer), a broken provenance chain, a chain
//! naming the wrong author, a critical low-quality patch, and an application
//! history over 200 targets.

use super::reputation::TableSample;
use crate::as_of::format_ms;
use crate::models::patches::make_chain;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::collections::BTreeMap;

/// The `as_of` the scenario is made for.
pub const PATCHES_AS_OF: &str = "2026-11-01T00:00:00Z";
const AS_OF_MS: i64 = 1_793_491_200_000;
const DAY_MS: i64 = 86_400_000;

/// (author, share of failed applications, issues per patch, hours to acknowledge);
/// `dave` turns careless for his last two patches (90 and 50 days before `as_of`).
const AUTHORS: [(&str, f64, f64, i64); 5] = [
    ("alice", 0.01, 0.1, 4),
    ("bob", 0.05, 0.3, 20),
    ("carol", 0.4, 2.0, 300),
    ("dave", 0.03, 0.2, 10),
    ("erin", 0.0, 0.0, 0),
];

/// The scenario's files: `patches.jsonl`, `issues.csv`, `vouches.csv`, `history.jsonl`.
pub fn patches_sample(seed: u64) -> TableSample {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let targets: Vec<String> = (0..200).map(|k| format!("host-{k:03}")).collect();
    let mut patches = Vec::new();
    let mut history = Vec::new();
    let mut issues = vec!["issue_id,patch_id,severity,reported_at,acknowledged_at,resolved_at".to_owned()];
    let mut event = 0;
    let mut issue = 0;
    let chain = |author: &str, k: usize| {
        make_chain(&[
            ("author", json!({"author": author})),
            ("build_environment", json!({"compiler": "rustc 1.88.0", "dependencies_lock": format!("{:064x}", k)})),
            ("test_results", json!({"passed": 120 + k, "failed": 0})),
            ("build_process", json!({"hash": format!("{:064x}", 1_000_000 + k)})),
        ])
        .expect("these JSON values have string keys and finite numbers, so they canonicalise")
    };
    for (a, &(author, fail, issues_per_patch, ack_hours)) in AUTHORS.iter().enumerate() {
        let count = if author == "erin" { 1 } else { 8 };
        for k in 0..count {
            let id = format!("{author}-{k:02}");
            let released = AS_OF_MS - (330 - 40 * k as i64) * DAY_MS;
            let declining = author == "dave" && k >= 6;
            let (fail, issues_per_patch, ack_hours) =
                if declining { (0.6, 3.0, 200) } else { (fail, issues_per_patch, ack_hours) };
            let quality = if author == "carol" { 0.4 } else { 0.7 + 0.04 * a as f64 };
            let severity = ["minor", "major", "critical"][k % 3];
            let provenance = chain(author, 100 * a + k);
            let record = json!({
                "patch_id": id, "author": author, "severity": severity,
                "coverage": quality, "static_analysis": (quality + 0.05f64).min(1.0), "ratings": [4, 5, 3],
                "provenance": provenance,
            });
            if author != "erin" {
                // Applied to a share of the targets after its release.
                for target in &targets {
                    if !rng.random_bool(0.3) {
                        continue;
                    }
                    event += 1;
                    let at = released + rng.random_range(1..40) * DAY_MS;
                    if at > AS_OF_MS {
                        continue;
                    }
                    let outcome = if rng.random_bool(fail) { "failure" } else { "success" };
                    history.push(
                        json!({"event_id": format!("ev-{event:05}"), "patch": id, "target": target,
                        "applied_at": format_ms(at), "outcome": outcome,
                        "provenance_hash": record["provenance"][3]["hash"]})
                        .to_string(),
                    );
                }
                let n = issues_per_patch as usize + usize::from(rng.random_bool(issues_per_patch.fract()));
                for _ in 0..n {
                    issue += 1;
                    let reported = (released + rng.random_range(2..40) * DAY_MS).min(AS_OF_MS - DAY_MS);
                    let sev = if author == "carol" || declining { "critical" } else { ["minor", "major"][issue % 2] };
                    let ack = (reported + ack_hours * 3_600_000).min(AS_OF_MS);
                    let resolved = (ack + 3 * ack_hours * 3_600_000).min(AS_OF_MS);
                    issues.push(format!(
                        "i{issue:04},{id},{sev},{},{},{}",
                        format_ms(reported),
                        format_ms(ack),
                        format_ms(resolved)
                    ));
                }
            }
            patches.push(record);
        }
    }
    // A tampered chain: test results edited after the chain was hashed.
    let mut tampered = chain("mallory", 7000);
    tampered[2].data["failed"] = json!(0);
    tampered[2].data["passed"] = json!(999);
    patches.push(json!({"patch_id": "mallory-00", "author": "mallory", "severity": "minor",
        "coverage": 0.9, "static_analysis": 0.9, "provenance": tampered}));
    // A chain whose author link names someone else.
    patches.push(json!({"patch_id": "frank-00", "author": "frank", "severity": "minor",
        "coverage": 0.9, "static_analysis": 0.9, "provenance": chain("alice", 7001)}));
    // A critical patch of low quality by a good author.
    patches.push(json!({"patch_id": "bob-critical-lowq", "author": "bob", "severity": "critical",
        "coverage": 0.2, "static_analysis": 0.5, "ratings": [], "provenance": chain("bob", 7002)}));
    // Planted rejects.
    let mut patches: Vec<String> = patches.iter().map(|p| p.to_string()).collect();
    patches.push(r#"{"patch_id":"bad-00","author":"zed","severity":"apocalyptic"}"#.to_owned()); // parse_error
    patches.push(r#"{"patch_id":"bad-01","author":"zed","severity":"minor","coverage":1.5}"#.to_owned()); // level_out_of_range
    issues.push("i9999,no-such-patch,minor,2026-01-01T00:00:00Z,,".to_owned()); // unknown_reference

    let vouches = [
        "voucher,vouchee,timestamp,weight",
        "alice,bob,2025-06-01T00:00:00Z,1",
        "alice,dave,2025-06-01T00:00:00Z,1",
        "bob,dave,2025-07-01T00:00:00Z,1",
        "bob,alice,2025-07-01T00:00:00Z,1",
        "carol,mallory,2025-08-01T00:00:00Z,1",
        "mallory,carol,2025-08-01T00:00:00Z,1",
    ];
    let join = |rows: Vec<String>| rows.join("\n") + "\n";
    TableSample {
        files: vec![
            ("patches.jsonl", join(patches)),
            ("issues.csv", join(issues)),
            ("vouches.csv", join(vouches.iter().map(|s| (*s).to_owned()).collect())),
            ("history.jsonl", join(history)),
        ],
        expected_rejects: BTreeMap::from([("parse_error", 1), ("level_out_of_range", 1), ("unknown_reference", 1)]),
    }
}
