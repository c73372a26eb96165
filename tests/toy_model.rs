//! A toy model added from outside the library, as ARCHITECTURE.md says a
//! model is added: a type implementing `Model` (its id, parameters and
//! compute) and a counts type implementing `Report`. Nothing in `runner`
//! or the command line changes, yet the toy's epoch is checked, locked,
//! sealed, signed, published and verified like any other.

mod common;

use common::{describe, scoreset};
use scoreset::as_of::AsOf;
use scoreset::compute::PowerIteration;
use scoreset::config::LoadedPipeline;
use scoreset::crypto::digest_bytes;
use scoreset::ingest::InputStats;
use scoreset::runner::{self, ComputedEpoch, Model, Report, RunOptions};
use scoreset::scoreset::EpochFile;
use std::collections::BTreeMap;

/// Counts each peer's outgoing edges in the pipeline's edge lists.
struct OutDegree;

#[derive(Debug)]
struct DegreeCounts {
    peers: usize,
}

impl Report for DegreeCounts {
    fn algorithms(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("degree".into(), "out-degree-v1".into())])
    }
    fn counts(&self) -> serde_json::Result<serde_json::Value> {
        Ok(serde_json::json!({ "peers": self.peers }))
    }
    fn summary_lines(&self) -> Vec<String> {
        vec![format!("{:<11} {} peers with out-degrees", "degrees", self.peers)]
    }
}

impl Model for OutDegree {
    fn id(&self) -> &'static str {
        "out-degree"
    }
    fn parameters(&self, _: &LoadedPipeline) -> scoreset::Result<serde_json::Value> {
        Ok(serde_json::json!({}))
    }
    fn compute(&self, loaded: &LoadedPipeline, _: &AsOf, _: &dyn PowerIteration) -> scoreset::Result<ComputedEpoch> {
        let mut degree: BTreeMap<String, u64> = BTreeMap::new();
        let mut inputs = Vec::new();
        for source in &loaded.pipeline.sources {
            let bytes = scoreset::fsio::read_limited(&loaded.base_dir.join(&source.path), 1 << 20)?;
            let mut stats = InputStats::new(&source.path.display().to_string(), "edges");
            stats.digest = Some(digest_bytes(&bytes));
            for line in String::from_utf8_lossy(&bytes).lines().filter(|l| !l.trim().is_empty()) {
                stats.records += 1;
                *degree.entry(line.split(',').next().unwrap_or_default().to_owned()).or_default() += 1;
            }
            inputs.push(stats);
        }
        let csv: String = degree.iter().map(|(peer, d)| format!("{peer},{d}\n")).collect();
        let files = vec![EpochFile::new("degrees.csv", format!("peer,out_degree\n{csv}").into_bytes())];
        Ok(ComputedEpoch::new(files, inputs, &[], DegreeCounts { peers: degree.len() }))
    }
}

#[test]
fn a_model_from_outside_the_library_runs_through_the_same_stages_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("edges.csv"), "a,b,1\na,c,1\nb,c,1\n").unwrap();
    scoreset::crypto::keyfile::generate(&dir.path().join("toy.key")).unwrap();
    let pipeline = dir.path().join("toy.toml");
    std::fs::write(
        &pipeline,
        "name = \"toy\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = { a = 1.0 }\n[signing]\nkey = \"toy.key\"\n",
    )
    .unwrap();
    let options = RunOptions {
        as_of: Some(AsOf::parse("2026-01-01T00:00:00Z").unwrap()),
        out_dir: Some(dir.path().join("out")),
        ..RunOptions::default()
    };
    let summary = runner::run_with_model(&pipeline, &OutDegree, &options).unwrap();
    assert_eq!(summary.computed.report.summary_lines(), ["degrees     2 peers with out-degrees"]);

    let epoch = summary.published.expect("a single-process run publishes").dir;
    assert_eq!(std::fs::read_to_string(epoch.join("degrees.csv")).unwrap(), "peer,out_degree\na,2\nb,1\n");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
    let subject = &manifest["credentialSubject"];
    assert_eq!(subject["model"], "out-degree");
    assert_eq!(subject["algorithms"]["degree"], "out-degree-v1");
    assert_eq!(subject["counts"]["peers"], 2);
    assert_eq!(subject["counts"]["rejected"], 0, "the runner adds the reject counts for every model");
    assert_eq!(subject["inputs"][0]["records"], 3);
    assert!(manifest["proof"]["proofValue"].is_string(), "signed like every epoch");

    // The binary verifies it (signature, every file's hash, the CAR) without knowing the model.
    let verify = scoreset(&["verify", epoch.to_str().unwrap()]);
    assert!(verify.status.success(), "{}", describe(&verify));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("VALID"));
}
