//! `[output] formats`: Parquet score files read back equal to the CSV rows,
//! byte-identical across thread counts, recomputed by `verify`, and read by
//! `diff` when an epoch has no CSV.

mod common;

use common::{describe, scoreset};
use polars::prelude::*;
use scoreset::numeric::es6_number;
use std::path::{Path, PathBuf};

/// Runs the Snaps sample (peers, badges and artifacts) with `formats`, `threads` workers.
fn run(dir: &Path, formats: &str, threads: &str, as_of: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pipeline = dir.join("snaps.toml");
    let text = std::fs::read_to_string(root.join("pipelines/snaps.toml")).unwrap();
    let text = text.replace("base = \"..\"", &format!("base = {:?}", root.display().to_string()));
    std::fs::write(
        &pipeline,
        text.replace("[output]\ndir = \"out\"", &format!("[output]\ndir = \"out\"\nformats = {formats}")),
    )
    .unwrap();
    let out = dir.join(format!("out-{threads}"));
    let ran = scoreset(&[
        "run",
        pipeline.to_str().unwrap(),
        "--as-of",
        as_of,
        "--out",
        out.to_str().unwrap(),
        "--threads",
        threads,
    ]);
    assert!(ran.status.success(), "{}", describe(&ran));
    out.join("snaps/latest").canonicalize().unwrap()
}

fn frame(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap()).finish().unwrap()
}

fn text(frame: &DataFrame, column: &str) -> Vec<String> {
    frame.column(column).unwrap().str().unwrap().iter().map(|v| v.unwrap_or("").to_owned()).collect()
}

fn numbers(frame: &DataFrame, column: &str) -> Vec<String> {
    frame.column(column).unwrap().f64().unwrap().into_no_null_iter().map(es6_number).collect()
}

#[test]
fn parquet_reads_back_equal_to_the_csv_row_for_row_and_is_the_same_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let all = "[\"csv\", \"jsonl\", \"parquet\"]";
    let epoch = run(dir.path(), all, "1", "2025-01-01T00:00:00Z");

    let peers = frame(&epoch.join("scores.parquet"));
    let csv = std::fs::read_to_string(epoch.join("scores.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(peers.height(), rows.len());
    let columns = [
        text(&peers, "scope"),
        text(&peers, "peer"),
        numbers(&peers, "trust_positive"),
        numbers(&peers, "trust"),
        text(&peers, "badge"),
    ];
    for (k, row) in rows.iter().enumerate() {
        let parquet_row: Vec<&str> = columns.iter().map(|c| c[k].as_str()).collect();
        assert_eq!(&parquet_row, row, "row {k}: the same text, the same bits");
    }
    assert_eq!(peers.column("trust").unwrap().dtype(), &DataType::Float64, "typed columns");

    let artifacts = frame(&epoch.join("artifact_scores.parquet"));
    let csv = std::fs::read_to_string(epoch.join("artifact_scores.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(artifacts.height(), rows.len());
    let opinions: Vec<String> =
        artifacts.column("opinions").unwrap().u64().unwrap().into_no_null_iter().map(|n| n.to_string()).collect();
    let columns = [
        text(&artifacts, "scope"),
        text(&artifacts, "artifact"),
        text(&artifacts, "version"),
        numbers(&artifacts, "value"),
        numbers(&artifacts, "confidence"),
        text(&artifacts, "badge"),
        opinions,
    ];
    for (k, row) in rows.iter().enumerate() {
        let parquet_row: Vec<&str> = columns.iter().map(|c| c[k].as_str()).collect();
        assert_eq!(&parquet_row, row, "artifact row {k}");
    }

    let two = run(dir.path(), all, "2", "2025-01-01T00:00:00Z");
    for file in ["scores.parquet", "artifact_scores.parquet", "scores.csv", "manifest.json"] {
        let same = std::fs::read(epoch.join(file)).unwrap() == std::fs::read(two.join(file)).unwrap();
        assert!(same, "{file} is byte-identical on 1 and 2 threads");
    }
    let checked = scoreset(&["verify", epoch.to_str().unwrap(), "--recompute"]);
    assert!(checked.status.success(), "{}", describe(&checked));
}

#[test]
fn a_parquet_only_epoch_verifies_and_diff_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = run(dir.path(), "[\"parquet\"]", "2", "2024-09-01T00:00:00Z");
    let new = run(dir.path(), "[\"parquet\"]", "2", "2025-01-01T00:00:00Z");
    let files = common::file_names(&new);
    assert!(files.contains(&"scores.parquet".to_owned()) && !files.contains(&"scores.csv".to_owned()), "{files:?}");
    assert!(!files.contains(&"peer_scores.jsonl".to_owned()));
    let checked = scoreset(&["verify", new.to_str().unwrap(), "--recompute"]);
    assert!(checked.status.success(), "{}", describe(&checked));
    let diff = scoreset(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--json"]);
    assert!(diff.status.success(), "{}", describe(&diff));
    let json: serde_json::Value = serde_json::from_slice(&diff.stdout).unwrap();
    let artifacts = json["tables"].as_array().unwrap().iter().find(|t| t["file"] == "artifact_scores.parquet").unwrap();
    assert_eq!(artifacts["label_changes"][0]["new"], "InReview", "{artifacts}");

    let refused = std::fs::write(
        dir.path().join("bad.toml"),
        "name = \"b\"\n[[source]]\nformat = \"edges\"\npath = \"e.csv\"\n[output]\nformats = []\n",
    );
    refused.unwrap();
    std::fs::write(dir.path().join("e.csv"), "a,b,1\n").unwrap();
    let bad = scoreset(&["run", dir.path().join("bad.toml").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least one"), "{}", describe(&bad));
}
