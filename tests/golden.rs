//! Golden outputs: the SHA-256 of every score file of every sample pipeline
//! (decay on wherever the model has it: `sample` and `snaps` set a half-life,
//! `credentials` and `publishers` always decay), committed in
//! `tests/golden/sample-outputs.txt`. Any platform that passes this test
//! produces the same bytes as the machine that wrote the file; a change of
//! any score, however small, shows here.
//!
//! `example-signed` is `example` with a key, and is left out: its score files
//! are `example`'s. The manifest and the CAR are left out too: they record
//! the checkout's absolute path and the signer.

mod common;

use common::{describe, scoreset};
use sha2::{Digest, Sha256};
use std::path::Path;

#[test]
fn every_sample_pipeline_gives_the_committed_score_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(root.join("pipelines"))
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "example-signed")
        .collect();
    names.sort();
    let mut got = String::new();
    for name in &names {
        let pipeline = root.join("pipelines").join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&pipeline).unwrap();
        let as_of = text.lines().find_map(|l| l.split("--as-of ").nth(1)).unwrap_or("2026-01-01T00:00:00Z");
        let run = scoreset(&[
            "run",
            pipeline.to_str().unwrap(),
            "--as-of",
            as_of,
            "--out",
            out.path().to_str().unwrap(),
            "--unsigned",
        ]);
        assert!(run.status.success(), "{name}: {}", describe(&run));
        let epoch = out.path().join(name).join("latest");
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
        let mut files: Vec<&str> = manifest["credentialSubject"]["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        files.sort();
        for file in files {
            let sha = hex::encode(Sha256::digest(std::fs::read(epoch.join(file)).unwrap()));
            got.push_str(&format!("{name}/{file} {sha}\n"));
        }
    }
    let expected = std::fs::read_to_string(root.join("tests/golden/sample-outputs.txt")).unwrap();
    assert!(
        got == expected,
        "score files differ from tests/golden/sample-outputs.txt; if the change is intended, \
         review and replace that file with:\n{got}"
    );
}
