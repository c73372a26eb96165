//! `[eigentrust] order = "degree"`: the kernel renumbers peers for cache
//! locality and maps the scores back. On Bitcoin-OTC and Wikipedia RfA
//! (distrust on) the scores agree with the natural order's to 1e-12, and
//! with the order on the files are byte-identical on 1 and 2 threads. With
//! `order = "locality"` the score files are the natural order's, byte for byte.

mod common;

use common::{describe, read_scores, scoreset, shared};
use std::path::{Path, PathBuf};

fn run(dir: &Path, graph: &str, root: &str, order: &str, threads: &str) -> PathBuf {
    let data = shared(&format!("data/{graph}"));
    let name = format!("g{}", graph.len());
    let pipeline = dir.join(format!("{name}-{order}.toml"));
    std::fs::write(
        &pipeline,
        format!(
            "name = \"{name}\"\n[[source]]\nformat = \"edges\"\npath = {data:?}\n[pretrust]\nentries = {{ \"{root}\" = 1.0 }}\n[eigentrust]\norder = \"{order}\"\n"
        ),
    )
    .unwrap();
    let out = dir.join(format!("out-{order}-{threads}"));
    let ran = scoreset(&[
        "run",
        pipeline.to_str().unwrap(),
        "--as-of",
        "2026-01-01T00:00:00Z",
        "--out",
        out.to_str().unwrap(),
        "--threads",
        threads,
    ]);
    assert!(ran.status.success(), "{}", describe(&ran));
    out.join(&name).join("latest")
}

#[test]
fn degree_order_agrees_with_the_natural_order_to_1e_12_and_is_the_same_on_any_thread_count() {
    for (graph, root) in [("soc-sign-bitcoinotc.csv.gz", "1"), ("wikirfa_signed_pyg-signed-directed.csv.gz", "0")] {
        let dir = tempfile::tempdir().unwrap();
        let natural = run(dir.path(), graph, root, "natural", "2");
        let degree = run(dir.path(), graph, root, "degree", "2");
        let (a, b) = (read_scores(&natural.join("scores.csv")), read_scores(&degree.join("scores.csv")));
        assert_eq!(a.len(), b.len());
        let mut largest: f64 = 0.0;
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((&x.0, &x.1), (&y.0, &y.1), "the same peers in the same order");
            largest = largest.max((x.2 - y.2).abs()).max((x.3 - y.3).abs());
        }
        assert!(largest <= 1e-12, "{graph}: T+ and T agree to {largest:e}");
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(degree.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["credentialSubject"]["parameters"]["order"], "degree");

        let one = run(dir.path(), graph, root, "degree", "1");
        for file in ["scores.csv", "peer_scores.jsonl", "manifest.json"] {
            let same = std::fs::read(one.join(file)).unwrap() == std::fs::read(degree.join(file)).unwrap();
            assert!(same, "{graph}: {file} is byte-identical on 1 and 2 threads with the degree order");
        }
        let checked = scoreset(&["verify", degree.to_str().unwrap(), "--recompute", "--allow-outside-base"]);
        assert!(checked.status.success(), "{}", describe(&checked));
    }
}

#[test]
fn locality_order_gives_the_natural_orders_files_byte_for_byte() {
    for (graph, root) in [("soc-sign-bitcoinotc.csv.gz", "1"), ("wikirfa_signed_pyg-signed-directed.csv.gz", "0")] {
        let dir = tempfile::tempdir().unwrap();
        let natural = run(dir.path(), graph, root, "natural", "2");
        for threads in ["1", "2"] {
            let locality = run(dir.path(), graph, root, "locality", threads);
            for file in ["scores.csv", "peer_scores.jsonl"] {
                let same = std::fs::read(locality.join(file)).unwrap() == std::fs::read(natural.join(file)).unwrap();
                assert!(same, "{graph}: {file} is byte-identical to the natural order's on {threads} thread(s)");
            }
            let manifest = |epoch: &Path| -> serde_json::Value {
                serde_json::from_slice(&std::fs::read(epoch.join("manifest.json")).unwrap()).unwrap()
            };
            let (ours, theirs) = (manifest(&locality), manifest(&natural));
            let subject = |m: &serde_json::Value, key: &str| m["credentialSubject"][key].clone();
            assert_eq!(subject(&ours, "parameters")["order"], "locality");
            let scopes = |m: &serde_json::Value| subject(m, "counts")["scopes"].clone();
            assert_eq!(scopes(&ours), scopes(&theirs), "{graph}: the same iterations and residuals, bit for bit");
            assert!(scopes(&ours)[0]["residuals"].as_array().is_some_and(|r| r.len() > 5));
            let checked = scoreset(&["verify", locality.to_str().unwrap(), "--recompute", "--allow-outside-base"]);
            assert!(checked.status.success(), "{}", describe(&checked));
        }
    }
}
