//! The real binary on real files: the Bitcoin-OTC graph end to end, and
//! every documented outcome for bad input.

mod common;

use common::{EPOCH_FILES, describe, file_names, read_scores, scoreset, shared};
use std::fs;
use std::path::Path;

const AS_OF: &str = "2026-01-01T00:00:00Z";
const EPOCH: &str = "20260101T000000Z";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A pipeline over Bitcoin-OTC (value = rating, pre-trust = peer 1).
fn otc_pipeline(dir: &Path) -> String {
    let data = shared("data/soc-sign-bitcoinotc.csv.gz");
    write(
        dir,
        "otc.toml",
        &format!(
            "name = \"otc\"\n[[source]]\nformat = \"edges\"\npath = {data:?}\n[pretrust]\nentries = {{ \"1\" = 1.0 }}\n"
        ),
    )
}

#[test]
fn bitcoin_otc_end_to_end_layout_latest_and_reproducibility() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = otc_pipeline(dir.path());
    let out1 = dir.path().join("out1");
    let run = scoreset(&["run", &pipeline, "--as-of", AS_OF, "--out", out1.to_str().unwrap(), "--threads", "2"]);
    assert!(run.status.success(), "{}", describe(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("35592 records, 0 rejected"), "{stdout}");
    assert!(stdout.contains("default: 5881 peers; 35592 statements"), "{stdout}");

    let epoch = out1.join("otc").join(EPOCH);
    assert_eq!(file_names(&epoch), EPOCH_FILES);
    assert_eq!(fs::read_link(out1.join("otc/latest")).unwrap(), Path::new(EPOCH));
    assert_eq!(
        file_names(&out1.join("otc")),
        [".lock", EPOCH, "latest", "latest.cid"],
        "the lock, the epoch, latest and its root CID; no staging leftovers"
    );
    let car = fs::read(epoch.join("scoreset.car")).unwrap();
    let root = scoreset::crypto::car::CarReader::new(car.as_slice()).unwrap().roots()[0].to_string();
    assert_eq!(
        fs::read_to_string(out1.join("otc/latest.cid")).unwrap(),
        format!("{root}\n"),
        "latest.cid names latest's root"
    );
    assert_eq!(fs::read(out1.join("otc/.lock")).unwrap(), b"", "the lock names no holder once released");

    let scores = read_scores(&epoch.join("scores.csv"));
    assert_eq!(scores.len(), 5881);
    assert!(scores.windows(2).all(|w| w[0].1 < w[1].1), "rows sorted by peer");
    let total: f64 = scores.iter().map(|r| r.2).sum();
    assert!((total - 1.0).abs() < 1e-9, "T+ sums to 1: {total}");
    assert!(scores.iter().all(|r| r.3 <= r.2));
    assert!(scores.iter().any(|r| r.3 < 0.0), "OTC has distrusted peers");
    assert_eq!(fs::read_to_string(epoch.join("peer_scores.jsonl")).unwrap().lines().count(), 5881);
    assert_eq!(fs::read(epoch.join("rejected.jsonl")).unwrap(), b"");

    // Same inputs and as_of, one thread, another output root: identical bytes.
    let out2 = dir.path().join("out2");
    let again = scoreset(&["run", &pipeline, "--as-of", AS_OF, "--out", out2.to_str().unwrap(), "--threads", "1"]);
    assert!(again.status.success(), "{}", describe(&again));
    for file in ["scores.csv", "peer_scores.jsonl"] {
        assert_eq!(
            fs::read(epoch.join(file)).unwrap(),
            fs::read(out2.join("otc").join(EPOCH).join(file)).unwrap(),
            "{file}"
        );
    }
}

/// A small valid pipeline in `dir` with edges `edges` (no header).
fn small_pipeline(dir: &Path, edges: &str, extra: &str) -> String {
    write(dir, "edges.csv", edges);
    write(
        dir,
        "small.toml",
        &format!("name = \"small\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n{extra}"),
    )
}

fn run_small(pipeline: &str, out: &Path, as_of: &str) -> std::process::Output {
    scoreset(&["run", pipeline, "--as-of", as_of, "--out", out.to_str().unwrap()])
}

#[test]
fn bad_lines_are_rejected_with_line_and_reason_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let edges = "a,b,1\nthis is garbage\n\nb,c,NaN\nc,c,5\nc,a,2,notatime\nb,a,-1\nd,e\nx,y,inf\nc,a,3\n";
    let pipeline = small_pipeline(dir.path(), edges, "[pretrust]\nentries = { a = 1.0, ghost = 2.0 }\n");
    let out = dir.path().join("out");
    let run = run_small(&pipeline, &out, AS_OF);
    assert!(run.status.success(), "{}", describe(&run));
    let rejected = fs::read_to_string(out.join("small/latest/rejected.jsonl")).unwrap();
    let got: Vec<(u64, String, String)> = rejected
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let pos = v["line"].as_u64().unwrap_or(0);
            (pos, v["reason"].as_str().unwrap().to_owned(), v["raw"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected = [
        (2, "parse_error", "this is garbage"),
        (4, "non_finite", "b,c,NaN"),
        (5, "self_trust", "c,c,5"),
        (6, "parse_error", "c,a,2,notatime"),
        (8, "parse_error", "d,e"),
        (9, "non_finite", "x,y,inf"),
    ];
    let expected: Vec<(u64, String, String)> =
        expected.iter().map(|(l, r, raw)| (*l, r.to_string(), raw.to_string())).collect();
    assert_eq!(got, expected);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("edges.csv: 9 records, 6 rejected"), "{stdout}");
    assert!(stdout.contains("small.toml: 2 records, 0 rejected"), "{stdout}");
    // A pre-trusted peer is a node whether or not it said anything (DESIGN 4.1).
    let scores = read_scores(&out.join("small/latest/scores.csv"));
    assert_eq!(scores.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["a", "b", "c", "ghost"]);
}

#[test]
fn nan_literal_is_rejected_as_non_finite() {
    // Rust's f64 parser reads "nan" as NaN: it must be rejected, never accepted.
    let dir = tempfile::tempdir().unwrap();
    let pipeline = small_pipeline(dir.path(), "a,b,1\nb,a,nan\n", "");
    let out = dir.path().join("out");
    assert!(run_small(&pipeline, &out, AS_OF).status.success());
    let rejected = fs::read_to_string(out.join("small/latest/rejected.jsonl")).unwrap();
    assert!(rejected.contains("\"reason\":\"non_finite\"") && rejected.contains("\"line\":2"), "{rejected}");
}

#[test]
fn unknown_key_exits_2_naming_key_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = small_pipeline(dir.path(), "a,b,1\n", "[eigentrust]\nalpah = 0.3\n");
    let out = dir.path().join("out");
    let run = run_small(&pipeline, &out, AS_OF);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("small.toml") && stderr.contains("alpah") && stderr.contains("line 6"), "{stderr}");
    assert!(!out.exists());
}

/// Makes one good epoch, then checks that `breaking` turns the next run into
/// exit `code` with `message` on stderr and leaves out/ exactly as it was.
fn failed_run_leaves_out_untouched(code: i32, message: &str, breaking: impl FnOnce(&Path, &str)) {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = small_pipeline(dir.path(), "a,b,1\nb,c,1\nc,a,1\n", "");
    let out = dir.path().join("out");
    assert!(run_small(&pipeline, &out, AS_OF).status.success());
    let before = snapshot(&out);
    breaking(dir.path(), &pipeline);
    let run = run_small(&pipeline, &out, "2026-02-01T00:00:00Z");
    assert_eq!(run.status.code(), Some(code), "{}", describe(&run));
    assert!(String::from_utf8_lossy(&run.stderr).contains(message), "{}", describe(&run));
    assert_eq!(snapshot(&out), before);
}

/// Every path under `dir` with its contents (or link target).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = fs::symlink_metadata(&p).unwrap();
            let content = if meta.is_symlink() {
                fs::read_link(&p).unwrap().to_string_lossy().as_bytes().to_vec()
            } else if meta.is_dir() {
                stack.push(p.clone());
                Vec::new()
            } else {
                fs::read(&p).unwrap()
            };
            all.push((p.to_string_lossy().into_owned(), content));
        }
    }
    all.sort();
    all
}

#[test]
fn missing_input_file_exits_2_naming_it() {
    failed_run_leaves_out_untouched(2, "edges.csv", |dir, _| fs::remove_file(dir.join("edges.csv")).unwrap());
}

#[test]
fn non_convergence_exits_1() {
    failed_run_leaves_out_untouched(1, "did not converge", |dir, pipeline| {
        // Under α = 0 the mass started on a alone swings between a and b forever.
        fs::write(dir.join("edges.csv"), "a,b,1\nb,a,1\n").unwrap();
        let text = fs::read_to_string(pipeline).unwrap();
        let extra =
            "[eigentrust]\nalpha = 0.0\nepsilon = 1e-300\nmax_iterations = 3\n[pretrust]\nentries = { a = 1.0 }\n";
        fs::write(pipeline, text + extra).unwrap();
    });
}

#[test]
fn strict_pipeline_with_a_reject_exits_2() {
    failed_run_leaves_out_untouched(2, "rejected and the pipeline is strict", |dir, pipeline| {
        fs::write(dir.join("edges.csv"), "a,b,1\nb,b,1\n").unwrap();
        let text = fs::read_to_string(pipeline).unwrap();
        fs::write(pipeline, format!("strict = true\n{text}")).unwrap();
    });
}

#[test]
fn rerun_of_an_existing_epoch_exits_2_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = small_pipeline(dir.path(), "a,b,1\n", "");
    let out = dir.path().join("out");
    assert!(run_small(&pipeline, &out, AS_OF).status.success());
    let before = snapshot(&out);
    let run = run_small(&pipeline, &out, AS_OF);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert!(String::from_utf8_lossy(&run.stderr).contains("already exists"));
    assert_eq!(snapshot(&out), before);
}

#[test]
fn bad_as_of_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = small_pipeline(dir.path(), "a,b,1\n", "");
    let run = run_small(&pipeline, &dir.path().join("out"), "last tuesday");
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert!(String::from_utf8_lossy(&run.stderr).contains("RFC 3339"));
}

#[test]
fn parquet_edges_give_the_same_scores_as_csv() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let mut frame = df!(
        "truster" => [1i64, 2, 3, 3],
        "trustee" => [2i64, 3, 1, 3],
        "value" => [5.0f64, -2.0, 4.0, 1.0],
    )
    .unwrap();
    let mut file = fs::File::create(dir.path().join("edges.parquet")).unwrap();
    ParquetWriter::new(&mut file).finish(&mut frame).unwrap();
    write(dir.path(), "p.toml", "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.parquet\"\n");
    let csv = small_pipeline(dir.path(), "1,2,5\n2,3,-2\n3,1,4\n3,3,1\n", "");
    let out = dir.path().join("out");
    let p = run_small(dir.path().join("p.toml").to_str().unwrap(), &out, AS_OF);
    assert!(p.status.success(), "{}", describe(&p));
    assert!(run_small(&csv, &out, AS_OF).status.success());
    assert_eq!(
        fs::read(out.join("p/latest/scores.csv")).unwrap(),
        fs::read(out.join("small/latest/scores.csv")).unwrap()
    );
    let rejected = fs::read_to_string(out.join("p/latest/rejected.jsonl")).unwrap();
    assert!(rejected.contains("\"row\":4") && rejected.contains("self_trust"), "{rejected}");
}

#[test]
fn example_pipeline_runs_on_the_projects_sample() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/example.toml");
    let out = dir.path().join("out");
    let run = run_small(pipeline.to_str().unwrap(), &out, AS_OF);
    assert!(run.status.success(), "{}", describe(&run));
    let scores = read_scores(&out.join("example/latest/scores.csv"));
    let score = |peer: &str| scores.iter().find(|r| r.1 == peer).unwrap().clone();
    // The ring stays far below the pre-trusted peers, and mallory ends below
    // zero once the honest peers' distrust is applied.
    assert!(score("mallory").3 < 0.0, "{:?}", score("mallory"));
    assert!(score("alice").2 > score("sybil1").2);
}

#[test]
fn asking_for_an_unsigned_epoch_while_naming_a_key_is_refused_by_flag_or_by_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("edges.csv"), "a,b,1\n").unwrap();
    scoreset::crypto::keyfile::generate(&dir.path().join("k.key")).unwrap();
    let pipeline = |unsigned: bool| {
        let path = dir.path().join(format!("p{unsigned}.toml"));
        let table = if unsigned { "unsigned = true\n" } else { "" };
        fs::write(
            &path,
            format!("name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = {{ a = 1.0 }}\n[signing]\nkey = \"k.key\"\n{table}"),
        )
        .unwrap();
        path
    };
    let out = dir.path().join("out");
    let by_flag = scoreset(&["run", pipeline(false).to_str().unwrap(), "--unsigned", "--out", out.to_str().unwrap()]);
    assert_eq!(by_flag.status.code(), Some(2), "{}", describe(&by_flag));
    assert!(
        String::from_utf8_lossy(&by_flag.stderr)
            .contains("--unsigned was given but the pipeline names a [signing] key")
    );
    let by_file = scoreset(&["run", pipeline(true).to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(by_file.status.code(), Some(2), "{}", describe(&by_file));
    let said = String::from_utf8_lossy(&by_file.stderr);
    assert!(said.contains("[signing] names a key and unsigned = true; choose one"), "{}", describe(&by_file));
    assert!(!out.join("p").join("latest").exists());
}
