//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// `../shared` beside the checkout.
pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel)
}

/// Runs the real binary.
pub fn scoreset(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_scoreset")).args(args).output().expect("binary runs")
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

/// Parses `scores.csv` into (scope, peer, trust_positive, trust) rows.
pub fn read_scores(path: &Path) -> Vec<(String, String, f64, f64)> {
    let text = std::fs::read_to_string(path).expect("scores.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("scope,peer,trust_positive,trust"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect()
}
