//! The reputation models end to end through the real binary: the generated
//! publisher and credential samples run signed and re-verify, the audit
//! command checks the chain, input order does not matter, and plain
//! credentials never reach an output.

mod common;

use common::{describe, file_names, scoreset};
use scoreset::synth::reputation::{self, REPUTATION_AS_OF};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(rel)
}

/// A signed copy of `pipelines/<name>.toml` in a temp folder, its paths made absolute.
struct Signed {
    dir: tempfile::TempDir,
    pipeline: PathBuf,
}

impl Signed {
    fn new(name: &str) -> Signed {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        let made = scoreset(&["keygen", "--out", key.to_str().unwrap()]);
        assert!(made.status.success(), "{}", describe(&made));
        let text =
            fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines").join(format!("{name}.toml")))
                .unwrap()
                .replace("base = \"..\"", &format!("base = {:?}", env!("CARGO_MANIFEST_DIR")))
                .replace("dir = \"out\"", &format!("dir = {:?}", dir.path().join("out")));
        let pipeline = dir.path().join(format!("{name}.toml"));
        fs::write(&pipeline, format!("{text}\n[signing]\nkey = {key:?}\n")).unwrap();
        Signed { dir, pipeline }
    }

    fn run(&self) -> PathBuf {
        let out = scoreset(&["run", self.pipeline.to_str().unwrap(), "--as-of", REPUTATION_AS_OF]);
        assert!(out.status.success(), "{}", describe(&out));
        let name = self.pipeline.file_stem().unwrap().to_str().unwrap();
        self.dir.path().join("out").join(name).join("latest")
    }
}

fn manifest(epoch: &Path) -> Value {
    serde_json::from_slice(&fs::read(epoch.join("manifest.json")).unwrap()).unwrap()
}

fn rejects_by_reason(epoch: &Path) -> Value {
    manifest(epoch)["credentialSubject"]["counts"]["rejectedByReason"].clone()
}

fn expected(rejects: &std::collections::BTreeMap<&str, u64>) -> Value {
    serde_json::to_value(rejects).unwrap()
}

#[test]
fn publisher_sample_is_generated_runs_signed_and_recomputes() {
    let sample = reputation::publishers(64, 1);
    for (name, text) in &sample.files {
        assert_eq!(
            &fs::read_to_string(data("publishers").join(name)).unwrap(),
            text,
            "data/publishers/{name} is the generator's"
        );
    }
    let run = Signed::new("publishers");
    let epoch = run.run();
    assert_eq!(
        file_names(&epoch),
        [
            "audit.jsonl",
            "manifest.json",
            "publisher_scores.csv",
            "publisher_scores.jsonl",
            "rejected.jsonl",
            "scoreset.car"
        ]
    );
    assert_eq!(rejects_by_reason(&epoch), expected(&sample.expected_rejects));
    let counts = &manifest(&epoch)["credentialSubject"]["counts"];
    assert_eq!(counts["byTier"]["Suspended"], 1, "pub-005 is under an open investigation");
    let verified = scoreset(&["verify", epoch.to_str().unwrap(), "--recompute"]);
    assert!(verified.status.success(), "{}", describe(&verified));
    let frozen = fs::read_to_string(epoch.join("publisher_scores.jsonl")).unwrap();
    let pub005: Value = serde_json::from_str(frozen.lines().find(|l| l.contains("\"pub-005\"")).unwrap()).unwrap();
    assert_eq!((pub005["tier"].as_str(), pub005["policy"]["publish"].as_str()), (Some("Suspended"), Some("blocked")));
    assert_eq!(pub005["frozen_by"], serde_json::json!(["inv-open"]));
}

#[test]
fn credential_sample_is_generated_runs_signed_and_recomputes() {
    let sample = reputation::credentials(2000, 1);
    for (name, text) in &sample.files {
        assert_eq!(
            &fs::read_to_string(data("credentials").join(name)).unwrap(),
            text,
            "data/credentials/{name} is the generator's"
        );
    }
    let run = Signed::new("credentials");
    let epoch = run.run();
    assert_eq!(rejects_by_reason(&epoch), expected(&sample.expected_rejects));
    let verified = scoreset(&["verify", epoch.to_str().unwrap(), "--recompute"]);
    assert!(verified.status.success(), "{}", describe(&verified));

    // Decisions follow the thresholds of the pipeline (wallet-login 0.5, bank-transfer 0.2).
    let scores = fs::read_to_string(epoch.join("credential_scores.jsonl")).unwrap();
    let mut seen = [0; 2];
    for line in scores.lines() {
        let c: Value = serde_json::from_str(line).unwrap();
        let score = c["score"].as_f64().unwrap();
        for (k, (service, threshold)) in [("wallet-login", 0.5), ("bank-transfer", 0.2)].into_iter().enumerate() {
            let decision = if score > threshold { "reject" } else { "accept" };
            assert_eq!(c["decisions"][service], decision, "{line}");
            seen[k] += usize::from(decision == "reject");
        }
    }
    assert!(seen[0] > 0 && seen[1] > seen[0], "{seen:?}");
}

#[test]
fn a_plain_credential_is_rejected_and_never_echoed() {
    let run = Signed::new("credentials");
    let out = scoreset(&["-vv", "run", run.pipeline.to_str().unwrap(), "--as-of", REPUTATION_AS_OF]);
    assert!(out.status.success(), "{}", describe(&out));
    let secret = "hunter2-correct-horse";
    assert!(fs::read_to_string(data("credentials/reports.csv")).unwrap().contains(secret), "planted in the input");
    assert!(!describe(&out).contains(secret), "the secret reached the terminal");
    let epoch = run.dir.path().join("out/credentials/latest");
    for name in file_names(&epoch) {
        let bytes = fs::read(epoch.join(&name)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(secret), "{name} holds the secret");
    }
    let rejected = fs::read_to_string(epoch.join("rejected.jsonl")).unwrap();
    let line = rejected.lines().find(|l| l.contains("r900001")).unwrap();
    assert!(line.contains("\"reason\":\"bad_hash\"") && line.contains("<redacted>"), "{line}");
}

#[test]
fn audit_prints_matching_entries_of_a_verified_chain() {
    let run = Signed::new("publishers");
    let epoch = run.run();
    let out = scoreset(&["audit", epoch.to_str().unwrap(), "--publisher", "pub-005", "--from", "2026-10-01T00:00:00Z"]);
    assert!(out.status.success(), "{}", describe(&out));
    let entries: Vec<Value> =
        String::from_utf8(out.stdout.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["publisher"] == "pub-005" && e["timestamp"].as_str().unwrap() >= "2026-10-01"));
    let codes: Vec<&str> = entries.iter().map(|e| e["event_code"].as_str().unwrap()).collect();
    for code in ["REPUTATION_FROZEN", "REPUTATION_TRANSITION", "REPUTATION_SIGNAL_INGESTED", "REPUTATION_COMPUTED"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("chain valid") && stderr.contains("REPUTATION_AUDIT_QUERIED"), "{stderr}");
}

/// A change made to the lines of an audit log.
type LogEdit = dyn FnOnce(&mut Vec<String>);

/// Rewrites the audit log of a copy of `epoch` and returns the audit command's output.
fn audit_after(epoch: &Path, edit: impl FnOnce(&mut Vec<String>)) -> std::process::Output {
    let copy = tempfile::tempdir().unwrap();
    for name in file_names(epoch) {
        fs::copy(epoch.join(&name), copy.path().join(&name)).unwrap();
    }
    let log = copy.path().join("audit.jsonl");
    let mut lines: Vec<String> = fs::read_to_string(&log).unwrap().lines().map(str::to_owned).collect();
    edit(&mut lines);
    fs::write(&log, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    scoreset(&["audit", copy.path().to_str().unwrap()])
}

#[test]
fn audit_names_the_first_edited_deleted_or_moved_entry() {
    let run = Signed::new("publishers");
    let epoch = run.run();
    let cases: [(&str, Box<LogEdit>, &str); 4] = [
        (
            "edit",
            Box::new(|l: &mut Vec<String>| l[40] = l[40].replacen("\"publisher\":\"pub-", "\"publisher\":\"pvb-", 1)),
            "entry 40",
        ),
        ("delete", Box::new(|l: &mut Vec<String>| drop(l.remove(40))), "entry 40"),
        ("reorder", Box::new(|l: &mut Vec<String>| l.swap(40, 41)), "entry 40"),
        ("cut the tail", Box::new(|l: &mut Vec<String>| drop(l.pop())), "cut off"),
    ];
    for (what, edit, named) in cases {
        let out = audit_after(&epoch, edit);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("audit.jsonl") && stderr.contains(named), "{what}: {stderr}");
    }
}

#[test]
fn any_order_of_the_same_history_gives_the_same_scores_and_audit_log() {
    let runs: Vec<(Vec<u8>, Vec<u8>, Value)> = [false, true]
        .into_iter()
        .map(|shuffle| {
            let run = Signed::new("publishers");
            let text = fs::read_to_string(run.pipeline.clone()).unwrap();
            let signals = data("publishers/signals.csv");
            let copy = run.dir.path().join("signals.csv");
            let mut lines: Vec<String> = fs::read_to_string(&signals).unwrap().lines().map(str::to_owned).collect();
            if shuffle {
                let header = lines.remove(0);
                lines.reverse();
                let third = lines.len() / 3;
                lines.rotate_left(third);
                lines.insert(0, header);
            }
            fs::write(&copy, lines.join("\n") + "\n").unwrap();
            fs::write(&run.pipeline, text.replace(&signals.display().to_string(), &copy.display().to_string()))
                .unwrap();
            let epoch = run.run();
            let head = manifest(&epoch)["credentialSubject"]["counts"]["auditHead"].clone();
            (
                fs::read(epoch.join("publisher_scores.jsonl")).unwrap(),
                fs::read(epoch.join("audit.jsonl")).unwrap(),
                head,
            )
        })
        .collect();
    assert!(runs[0].0 == runs[1].0, "publisher_scores.jsonl differs");
    assert!(runs[0].1 == runs[1].1, "audit.jsonl differs");
    assert_eq!(runs[0].2, runs[1].2);
    assert_eq!(runs[0].2.as_str().map(str::len), Some(64));
}

#[test]
fn pipeline_mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("name = \"p\"\nmodel = \"publishers\"\n", "needs a [publishers] table"),
        (
            "name = \"p\"\nmodel = \"publishers\"\n[publishers]\nsignals = \"s.csv\"\n[publishers.weights]\nvouch = 1\n",
            "not a signal kind",
        ),
        (
            "name = \"p\"\nmodel = \"publishers\"\n[publishers]\nsignals = \"s.csv\"\n[publishers.weights]\nrevocation_event = nan\n",
            "not finite",
        ),
        (
            "name = \"c\"\nmodel = \"credentials\"\n[credentials]\nreports = \"r.csv\"\n[credentials.services]\nbank = 1.5\n",
            "within [0, 1]",
        ),
        ("name = \"c\"\nmodel = \"credentials\"\n[credentials]\nreports = \"r.csv\"\n", "cannot read"),
    ];
    for (text, message) in cases {
        let pipeline = dir.path().join("p.toml");
        fs::write(&pipeline, text).unwrap();
        let out = scoreset(&["run", pipeline.to_str().unwrap(), "--out", dir.path().join("out").to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", describe(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains(message), "{text}: {}", describe(&out));
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn signal_tables_in_csv_jsonl_and_parquet_give_the_same_scores_and_log() {
    use polars::prelude::*;
    let csv_path = data("publishers/signals.csv");
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    let header = ["signal_id", "publisher", "kind", "timestamp", "weight", "evidence"];
    let dir = tempfile::tempdir().unwrap();

    // JSON lines: only the non-empty fields, the weight as a number where it is one.
    let jsonl: String = rows
        .iter()
        .map(|row| {
            let mut object = serde_json::Map::new();
            for (name, cell) in header.iter().zip(row).filter(|(_, c)| !c.is_empty()) {
                let value = match (*name, cell.parse::<f64>()) {
                    ("weight", Ok(w)) if w.is_finite() => serde_json::json!(w),
                    _ => Value::String(cell.clone()),
                };
                object.insert((*name).to_owned(), value);
            }
            format!("{}\n", Value::Object(object))
        })
        .collect();
    fs::write(dir.path().join("signals.jsonl"), jsonl).unwrap();

    // Parquet: text columns with nulls for empty cells, the weight as a float column.
    let text = |k: usize| -> Vec<Option<String>> {
        rows.iter().map(|r| Some(r[k].clone()).filter(|c| !c.is_empty())).collect()
    };
    let weight: Vec<Option<f64>> = rows.iter().map(|r| r[4].parse::<f64>().ok()).collect();
    let mut frame = DataFrame::new_infer_height(vec![
        Column::new("signal_id".into(), text(0)),
        Column::new("publisher".into(), text(1)),
        Column::new("kind".into(), text(2)),
        Column::new("timestamp".into(), text(3)),
        Column::new("weight".into(), weight),
        Column::new("evidence".into(), text(5)),
    ])
    .unwrap();
    let mut file = fs::File::create(dir.path().join("signals.parquet")).unwrap();
    ParquetWriter::new(&mut file).finish(&mut frame).unwrap();

    let outputs: Vec<(Vec<u8>, Vec<u8>)> = ["signals.csv", "signals.jsonl", "signals.parquet"]
        .iter()
        .map(|name| {
            let table = if *name == "signals.csv" { csv_path.clone() } else { dir.path().join(name) };
            let run = Signed::new("publishers");
            let text = fs::read_to_string(&run.pipeline).unwrap();
            fs::write(&run.pipeline, text.replace(&csv_path.display().to_string(), &table.display().to_string()))
                .unwrap();
            let epoch = run.run();
            let rejected = fs::read_to_string(epoch.join("rejected.jsonl")).unwrap();
            assert_eq!(rejected.lines().count(), 10, "{name}: the same ten records refused\n{rejected}");
            (fs::read(epoch.join("publisher_scores.jsonl")).unwrap(), fs::read(epoch.join("audit.jsonl")).unwrap())
        })
        .collect();
    assert!(outputs[0] == outputs[1], "JSONL differs from CSV");
    assert!(outputs[0] == outputs[2], "Parquet differs from CSV");
}
