//! Signed epochs and `scoreset verify`, on the real binary: keys, tampering,
//! signature swaps, issuer changes, recompute, the epoch chain, and a crash
//! in the middle of writing an epoch.

mod common;

use common::{EPOCH_FILES, describe, file_names, scoreset, shared};
use scoreset::crypto::did_key;
use scoreset::scoreset::manifest::Manifest;
use scoreset::scoreset::{EpochFile, seal};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A workspace with a key, an edge list and a signed pipeline.
struct Setup {
    dir: tempfile::TempDir,
    pipeline: PathBuf,
}

impl Setup {
    fn new(edges: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("keys/computer.key");
        let made = scoreset(&["keygen", "--out", key.to_str().unwrap()]);
        assert!(made.status.success(), "{}", describe(&made));
        assert!(String::from_utf8_lossy(&made.stdout).starts_with("did:key:z6Mk"));
        fs::write(dir.path().join("edges.csv"), edges).unwrap();
        fs::write(dir.path().join("pretrust.csv"), "a,1\n").unwrap();
        let pipeline = dir.path().join("p.toml");
        fs::write(
            &pipeline,
            "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n\
             [pretrust]\npath = \"pretrust.csv\"\n[signing]\nkey = \"keys/computer.key\"\n",
        )
        .unwrap();
        Setup { dir, pipeline }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn run(&self, as_of: &str) -> Output {
        scoreset(&["run", self.pipeline.to_str().unwrap(), "--as-of", as_of, "--out", self.out().to_str().unwrap()])
    }

    fn epoch(&self, name: &str) -> PathBuf {
        self.out().join("p").join(name)
    }
}

const EDGES: &str = "a,b,3\nb,c,2\nc,a,1\nc,d,-1\nd,b,4\n";

fn verify(args: &[&str]) -> Output {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    scoreset(&all)
}

fn assert_invalid(out: &Output, names: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", describe(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("INVALID") && stderr.contains(names), "expected {names:?} named:\n{}", describe(out));
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_signed_epoch_verifies_and_any_changed_byte_is_named() {
    let s = Setup::new(EDGES);
    assert!(s.run("2026-01-01T00:00:00Z").status.success());
    let epoch = s.epoch("20260101T000000Z");
    let ok = verify(&[s.out().join("p/latest").to_str().unwrap()]);
    assert!(ok.status.success(), "{}", describe(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("VALID  signed by did:key:z6Mk"));

    let names = file_names(&epoch);
    assert_eq!(names, EPOCH_FILES);
    // Flip a byte in every non-empty file (the empty ones get a byte added below).
    for name in names.iter().filter(|n| fs::metadata(epoch.join(n)).unwrap().len() > 0) {
        for position in [0.1, 0.5, 0.9] {
            let copy = s.dir.path().join(format!("tamper/{name}-{position}/20260101T000000Z"));
            copy_dir(&epoch, &copy);
            let mut bytes = fs::read(copy.join(name)).unwrap();
            let at = (bytes.len() as f64 * position) as usize;
            bytes[at] ^= 0x01;
            fs::write(copy.join(name), bytes).unwrap();
            assert_invalid(&verify(&[copy.to_str().unwrap()]), name);
        }
    }
    // rejected.jsonl is empty here: one added byte must be caught too.
    let copy = s.dir.path().join("tamper/rejected/20260101T000000Z");
    copy_dir(&epoch, &copy);
    fs::write(copy.join("rejected.jsonl"), "x").unwrap();
    assert_invalid(&verify(&[copy.to_str().unwrap()]), "rejected.jsonl");
    // So must a file the manifest does not cover.
    let copy = s.dir.path().join("tamper/extra/20260101T000000Z");
    copy_dir(&epoch, &copy);
    fs::write(copy.join("extra.csv"), "x").unwrap();
    assert_invalid(&verify(&[copy.to_str().unwrap()]), "extra.csv");
}

/// Replaces the epoch's manifest document and re-writes it canonically.
fn rewrite_manifest(epoch: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = epoch.join("manifest.json");
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    edit(&mut doc);
    fs::write(&path, scoreset::crypto::canonical_json(&doc).unwrap()).unwrap();
}

#[test]
fn another_keys_signature_is_rejected() {
    let s = Setup::new(EDGES);
    assert!(s.run("2026-01-01T00:00:00Z").status.success());
    let epoch = s.epoch("20260101T000000Z");
    let intruder = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    rewrite_manifest(&epoch, |doc| {
        let mut unsigned = doc.clone();
        unsigned.as_object_mut().unwrap().remove("proof");
        let forged = scoreset::crypto::eddsa_jcs::sign(&unsigned, &intruder, "2026-01-01T00:00:00Z").unwrap();
        doc["proof"]["proofValue"] = forged["proof"]["proofValue"].clone();
    });
    assert_invalid(&verify(&[epoch.to_str().unwrap()]), "manifest.json: the signature does not match");
}

#[test]
fn an_edited_score_re_signed_by_another_key_shows_as_an_issuer_change() {
    let s = Setup::new(EDGES);
    assert!(s.run("2026-01-01T00:00:00Z").status.success());
    assert!(s.run("2026-01-02T00:00:00Z").status.success());
    let epoch = s.epoch("20260102T000000Z");
    let original = verify(&[epoch.to_str().unwrap()]);
    let honest = String::from_utf8_lossy(&original.stdout).rsplit(' ').next().unwrap().trim().to_owned();

    // The forger edits a score, recomputes every hash, re-signs the manifest and rebuilds the CAR.
    let scores = fs::read_to_string(epoch.join("scores.csv")).unwrap().replacen("default,d,", "default,d,9", 1);
    let outputs = EPOCH_FILES.iter().filter(|n| !["manifest.json", "scoreset.car"].contains(n));
    let mut manifest: Manifest = serde_json::from_slice(&fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
    manifest.issuer = None;
    let files: Vec<EpochFile> = outputs
        .map(|&name| {
            let bytes =
                if name == "scores.csv" { scores.clone().into_bytes() } else { fs::read(epoch.join(name)).unwrap() };
            EpochFile::new(name, bytes)
        })
        .collect();
    let forger = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    seal(manifest, Some(&forger), "2026-01-02T00:00:00Z", &files, &epoch, |_| Ok(())).unwrap();
    let forger_did = did_key::did_key(&forger.verifying_key());

    let out = verify(&[epoch.to_str().unwrap()]);
    assert_invalid(&out, "issuer changed");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&forger_did), "{}", describe(&out));
    // A marketplace that pins the computer's key refuses it even without history.
    let pinned = verify(&[epoch.to_str().unwrap(), "--expect-issuer", &honest]);
    assert_invalid(&pinned, &format!("signed by {forger_did}, expected {honest}"));
    // And a re-run from the inputs exposes the edited score.
    let recompute = verify(&[epoch.to_str().unwrap(), "--recompute", "--expect-issuer", &forger_did]);
    assert_invalid(&recompute, "scores.csv: recomputed content differs");
}

#[test]
fn recompute_refuses_missing_and_changed_inputs() {
    let s = Setup::new(EDGES);
    assert!(s.run("2026-01-01T00:00:00Z").status.success());
    let latest = s.out().join("p/latest");
    let ok = verify(&[latest.to_str().unwrap(), "--recompute"]);
    assert!(ok.status.success(), "{}", describe(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("byte-identical"));

    fs::write(s.dir.path().join("edges.csv"), EDGES.replace("a,b,3", "a,b,4")).unwrap();
    let changed = verify(&[latest.to_str().unwrap(), "--recompute"]);
    assert_invalid(&changed, "edges.csv: input changed since the epoch was made");

    fs::remove_file(s.dir.path().join("edges.csv")).unwrap();
    let missing = verify(&[latest.to_str().unwrap(), "--recompute"]);
    assert_eq!(missing.status.code(), Some(2), "{}", describe(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("edges.csv"), "{}", describe(&missing));
}

#[test]
fn recompute_with_inputs_moved_elsewhere_via_base() {
    let s = Setup::new(EDGES);
    assert!(s.run("2026-01-01T00:00:00Z").status.success());
    let moved = s.dir.path().join("elsewhere");
    fs::create_dir_all(&moved).unwrap();
    for f in ["edges.csv", "pretrust.csv"] {
        fs::rename(s.dir.path().join(f), moved.join(f)).unwrap();
    }
    let latest = s.out().join("p/latest");
    let out = verify(&[latest.to_str().unwrap(), "--recompute", "--base", moved.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn unsigned_epoch_is_reported_as_unsigned() {
    let s = Setup::new(EDGES);
    let text = fs::read_to_string(&s.pipeline).unwrap();
    fs::write(&s.pipeline, text.replace("[signing]\nkey = \"keys/computer.key\"\n", "[signing]\nunsigned = true\n"))
        .unwrap();
    let run = s.run("2026-01-01T00:00:00Z");
    assert!(run.status.success(), "{}", describe(&run));
    assert!(String::from_utf8_lossy(&run.stdout).contains("UNSIGNED, as asked"));
    let out = verify(&[s.out().join("p/latest").to_str().unwrap()]);
    assert_invalid(&out, "unsigned");
}

#[test]
fn key_files_are_private_and_run_refuses_a_readable_one() {
    let s = Setup::new(EDGES);
    let key = s.dir.path().join("keys/computer.key");
    assert_eq!(fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let again = scoreset(&["keygen", "--out", key.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "{}", describe(&again));
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let run = s.run("2026-01-01T00:00:00Z");
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("computer.key") && stderr.contains("accessible to others") && stderr.contains("chmod 600"));
    assert!(!s.out().exists(), "nothing written");
}

#[test]
fn chain_of_three_epochs_and_a_deleted_middle_one() {
    let s = Setup::new(EDGES);
    for day in ["01", "02", "03"] {
        assert!(s.run(&format!("2026-01-{day}T00:00:00Z")).status.success());
    }
    let second = verify(&[s.epoch("20260102T000000Z").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&second.stdout).contains("links to the previous epoch 20260101T000000Z"));
    let third = verify(&[s.epoch("20260103T000000Z").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&third.stdout).contains("links to the previous epoch 20260102T000000Z"));
    let first = verify(&[s.epoch("20260101T000000Z").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&first.stdout).contains("first epoch of its chain"), "{}", describe(&first));

    fs::remove_dir_all(s.epoch("20260102T000000Z")).unwrap();
    assert_invalid(&verify(&[s.epoch("20260103T000000Z").to_str().unwrap()]), "chain broken");

    // Alone (as a marketplace downloads it), the epoch still verifies, saying the link was not checked.
    let alone = s.dir.path().join("alone/20260103T000000Z");
    copy_dir(&s.epoch("20260103T000000Z"), &alone);
    let out = verify(&[alone.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("link not checked"));
}

#[test]
fn a_crash_mid_epoch_leaves_latest_and_nothing_verify_would_accept() {
    let s = Setup::new(EDGES);
    assert!(s.run("2026-01-01T00:00:00Z").status.success());
    let crashed = common::command()
        .args([
            "run",
            s.pipeline.to_str().unwrap(),
            "--as-of",
            "2026-01-02T00:00:00Z",
            "--out",
            s.out().to_str().unwrap(),
        ])
        .env("SCORESET_CRASH_AFTER_FILES", "3")
        .output()
        .unwrap();
    assert!(!crashed.status.success() && crashed.status.code().is_none(), "killed by abort: {}", describe(&crashed));
    let pipeline_dir = s.out().join("p");
    assert_eq!(fs::read_link(pipeline_dir.join("latest")).unwrap(), Path::new("20260101T000000Z"));
    assert!(!s.epoch("20260102T000000Z").exists());
    let partial: Vec<PathBuf> = fs::read_dir(&pipeline_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".partial-"))
        .collect();
    assert_eq!(partial.len(), 1, "the crash left its staging folder");
    assert_invalid(&verify(&[partial[0].to_str().unwrap()]), "not a complete epoch folder");
    assert!(verify(&[pipeline_dir.join("latest").to_str().unwrap()]).status.success());
    // The next run of the same epoch is not blocked by the leftover.
    assert!(s.run("2026-01-02T00:00:00Z").status.success());
    assert!(verify(&[pipeline_dir.join("latest").to_str().unwrap()]).status.success());
}

#[test]
fn bitcoin_otc_recompute_passes_on_one_and_two_threads() {
    let s = Setup::new(EDGES);
    // The inputs resolve inside the base folder (../shared/data), as --recompute requires.
    let (data, key) = (shared("data"), s.dir.path().join("keys/computer.key"));
    fs::write(
        &s.pipeline,
        format!(
            "name = \"p\"\nbase = {data:?}\n[[source]]\nformat = \"edges\"\npath = \"soc-sign-bitcoinotc.csv.gz\"\n\
             [pretrust]\nentries = {{ \"1\" = 1.0 }}\n[signing]\nkey = {key:?}\n"
        ),
    )
    .unwrap();
    assert!(s.run("2026-01-01T00:00:00Z").status.success());
    for threads in ["1", "2"] {
        let out = verify(&[s.out().join("p/latest").to_str().unwrap(), "--recompute", "--threads", threads]);
        assert!(out.status.success(), "threads {threads}: {}", describe(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("byte-identical"));
    }
}
