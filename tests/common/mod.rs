//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// `../shared` beside the checkout.
pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel)
}

/// The operator's data folder of the tests (where the default signing key is
/// made): inside cargo's target folder, never the user's.
pub fn data_home() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("data-home")
}

/// The real binary, with `HOME` and `XDG_DATA_HOME` at [`data_home`].
pub fn command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scoreset"));
    command.env("XDG_DATA_HOME", data_home()).env("HOME", data_home());
    command
}

/// Runs the real binary (see [`command`]).
pub fn scoreset(args: &[&str]) -> Output {
    command().args(args).output().expect("binary runs")
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The files every epoch holds, sorted.
pub const EPOCH_FILES: [&str; 8] = [
    "artifact_opinions.jsonl",
    "artifact_scores.csv",
    "artifact_scores.jsonl",
    "manifest.json",
    "peer_scores.jsonl",
    "rejected.jsonl",
    "scores.csv",
    "scoreset.car",
];

/// The names of the entries of `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

/// Parses `scores.csv` into (scope, peer, trust_positive, trust) rows.
pub fn read_scores(path: &Path) -> Vec<(String, String, f64, f64)> {
    let text = std::fs::read_to_string(path).expect("scores.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("scope,peer,trust_positive,trust,badge"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect()
}

/// The graph of peers `p00`… of a random signed edge list, as the property
/// tests draw it: endpoints taken modulo `n`, self-loops and zeros dropped,
/// each root pre-trusted with weight 1.
pub fn signed_graph(n: usize, raw_edges: &[(u32, u32, f64)], roots: &[u32]) -> scoreset::graph::TrustGraph {
    let n32 = n as u32;
    let edges: Vec<scoreset::ingest::Edge> = raw_edges
        .iter()
        .map(|&(i, j, v)| (i % n32, j % n32, v))
        .filter(|&(i, j, v)| i != j && v != 0.0)
        .map(|(truster, trustee, value)| scoreset::ingest::Edge { truster, trustee, value })
        .collect();
    let pretrust: Vec<(u32, f64)> = roots.iter().map(|r| (r % n32, 1.0)).collect();
    scoreset::graph::build((0..n).map(|i| format!("p{i:02}")).collect(), edges, &pretrust)
}
