//! The patch model end to end: the patch-history database through the real
//! binary (idempotent imports, concurrent writers, migration, refused
//! events) and the `patches` pipeline on the generated scenario.

mod common;

use common::{describe, scoreset};
use scoreset::history::{self, Application, SCHEMA_VERSION};
use scoreset::synth::patches::{PATCHES_AS_OF, patches_sample};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/patches").join(rel)
}

fn events(from: usize, to: usize, prefix: &str) -> String {
    (from..to)
        .map(|k| {
            format!(
                "{{\"event_id\":\"{prefix}{k}\",\"patch\":\"p{}\",\"target\":\"host-{k}\",\"applied_at\":\"2026-01-01T00:00:00Z\",\"outcome\":\"success\"}}\n",
                k % 7
            )
        })
        .collect()
}

fn import(db: &Path, file: &Path) -> std::process::Output {
    scoreset(&["history", "import", "--db", db.to_str().unwrap(), file.to_str().unwrap()])
}

#[test]
fn re_importing_is_idempotent_and_add_records_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let (db, file) = (dir.path().join("h.db"), dir.path().join("e.jsonl"));
    fs::write(&file, events(0, 50, "e")).unwrap();
    let first = import(&db, &file);
    assert!(first.status.success(), "{}", describe(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("50 added, 0 already recorded"));
    let again = import(&db, &file);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 added, 50 already recorded"), "{}", describe(&again));
    let add = |outcome: &str| {
        scoreset(&[
            "history",
            "add",
            "--db",
            db.to_str().unwrap(),
            "--event-id",
            "x1",
            "--patch",
            "p1",
            "--target",
            "h",
            "--at",
            "2026-02-01T00:00:00Z",
            "--outcome",
            outcome,
            "--provenance-hash",
            &"AB".repeat(32),
        ])
    };
    assert!(add("failure").status.success());
    assert!(add("failure").status.success(), "the same event again is a no-op");
    let conflict = add("success");
    assert_eq!(conflict.status.code(), Some(2), "{}", describe(&conflict));
    assert!(String::from_utf8_lossy(&conflict.stderr).contains("already recorded with different content"));
    let stored = history::read_all(&db).unwrap();
    assert_eq!(stored.len(), 51);
    let x1 = stored.iter().find(|a| a.event_id == "x1").unwrap();
    assert_eq!(x1.provenance_hash.as_deref(), Some("ab".repeat(32).as_str()), "stored lower-case");
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    // Overlapping halves: 0..3000 and 2000..5000, the overlap identical.
    fs::write(&a, events(0, 3000, "e")).unwrap();
    fs::write(&b, events(2000, 5000, "e")).unwrap();
    let spawn = |file: &Path| {
        common::command().args(["history", "import", "--db", db.to_str().unwrap(), file.to_str().unwrap()]).output()
    };
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| spawn(&a).unwrap());
        let tb = s.spawn(|| spawn(&b).unwrap());
        (ta.join().unwrap(), tb.join().unwrap())
    });
    assert!(ra.status.success(), "{}", describe(&ra));
    assert!(rb.status.success(), "{}", describe(&rb));
    let stored = history::read_all(&db).unwrap();
    assert_eq!(stored.len(), 5000);
    let ids: std::collections::BTreeSet<&str> = stored.iter().map(|a| a.event_id.as_str()).collect();
    assert_eq!(ids.len(), 5000);
}

#[test]
fn a_version_1_database_is_migrated_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE applications (event_id TEXT PRIMARY KEY NOT NULL, patch TEXT NOT NULL, target TEXT NOT NULL,
                 applied_at_ms INTEGER NOT NULL, success INTEGER NOT NULL CHECK (success IN (0, 1)));
             INSERT INTO applications VALUES ('old-1', 'p1', 'h1', 1767225600000, 1), ('old-2', 'p1', 'h2', 1767225600000, 0);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    assert_eq!(history::schema_version(&db).unwrap(), 1);
    let before = history::read_all(&db).unwrap();
    assert_eq!(before.len(), 2, "version 1 files are readable as they are");
    let file = dir.path().join("e.jsonl");
    fs::write(&file, events(0, 3, "new")).unwrap();
    let out = import(&db, &file);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(history::schema_version(&db).unwrap(), SCHEMA_VERSION);
    let after = history::read_all(&db).unwrap();
    assert_eq!(after.len(), 5);
    assert_eq!(&after[3..], &before[..], "old rows kept (sorted after 'new-*'), provenance_hash empty");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let index: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'applications_by_patch'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(index, 1);
}

#[test]
fn a_corrupt_event_is_refused_and_the_database_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (db, good, bad) = (dir.path().join("h.db"), dir.path().join("good.jsonl"), dir.path().join("bad.jsonl"));
    fs::write(&good, events(0, 10, "e")).unwrap();
    assert!(import(&db, &good).status.success());
    let before = history::read_all(&db).unwrap();
    for (what, line) in [
        (
            "bad outcome",
            r#"{"event_id":"z","patch":"p","target":"t","applied_at":"2026-01-01T00:00:00Z","outcome":"maybe"}"#,
        ),
        ("bad time", r#"{"event_id":"z","patch":"p","target":"t","applied_at":"last week","outcome":"success"}"#),
        ("not JSON", "{\"event_id\":"),
        (
            "bad hash",
            r#"{"event_id":"z","patch":"p","target":"t","applied_at":"2026-01-01T00:00:00Z","outcome":"success","provenance_hash":"xyz"}"#,
        ),
    ] {
        // Valid events first, the corrupt one on line 4: nothing of the file may land.
        fs::write(&bad, format!("{}{line}\n", events(100, 103, "n"))).unwrap();
        let out = import(&db, &bad);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("line 4") && stderr.contains("nothing was written"), "{what}: {stderr}");
        assert_eq!(history::read_all(&db).unwrap(), before, "{what}: the database changed");
    }
}

#[test]
fn the_patches_sample_is_generated_decides_as_designed_and_recomputes() {
    let sample = patches_sample(1);
    for (name, text) in &sample.files {
        assert_eq!(&fs::read_to_string(data(name)).unwrap(), text, "data/patches/{name} is the generator's");
    }
    let imported = history::read_import(&data("history.jsonl")).unwrap();
    let mut expected: Vec<Application> = imported.into_iter().map(|(_, e)| e).collect();
    expected.sort_by(|a, b| a.event_id.cmp(&b.event_id));
    assert_eq!(history::read_all(&data("history.db")).unwrap(), expected, "history.db holds history.jsonl");

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    assert!(scoreset(&["keygen", "--out", key.to_str().unwrap()]).status.success());
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/patches.toml"))
        .unwrap()
        .replace("base = \"..\"", &format!("base = {:?}", env!("CARGO_MANIFEST_DIR")))
        .replace("dir = \"out\"", &format!("dir = {:?}", dir.path().join("out")));
    let pipeline = dir.path().join("patches.toml");
    fs::write(&pipeline, format!("{text}\n[signing]\nkey = {key:?}\n")).unwrap();
    let db_before = fs::read(data("history.db")).unwrap();
    let run = scoreset(&["run", pipeline.to_str().unwrap(), "--as-of", PATCHES_AS_OF]);
    assert!(run.status.success(), "{}", describe(&run));
    assert_eq!(fs::read(data("history.db")).unwrap(), db_before, "reading the database never changes it");
    let epoch = dir.path().join("out/patches/latest");
    let verify = scoreset(&["verify", epoch.to_str().unwrap(), "--recompute"]);
    assert!(verify.status.success(), "{}", describe(&verify));

    let manifest: Value = serde_json::from_slice(&fs::read(epoch.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["credentialSubject"]["counts"]["rejectedByReason"],
        serde_json::to_value(&sample.expected_rejects).unwrap()
    );
    let decisions: Vec<Value> = fs::read_to_string(epoch.join("patch_decisions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |id: &str| decisions.iter().find(|d| d["patch_id"] == id).unwrap_or_else(|| panic!("{id} decided"));
    let expect = [
        ("mallory-00", "quarantined", "provenance", "tampered"),
        ("frank-00", "quarantined", "provenance", "the author link names \"alice\""),
        ("bob-critical-lowq", "quarantined", "quarantine-weak-critical", "severity critical"),
        ("carol-03", "rejected", "reject-low-reputation", "author reputation"),
        ("dave-02", "quarantined", "quarantine-falling-author", "reputation drop over 60 days"),
        ("erin-00", "approved", "default", "no rule fired"),
        ("alice-03", "rollout", "stage-lower-rated", "quality"),
    ];
    for (patch, decision, rule, reason) in expect {
        let d = of(patch);
        assert_eq!((d["decision"].as_str(), d["rule"].as_str()), (Some(decision), Some(rule)), "{patch}: {d}");
        assert!(d["reason"].as_str().unwrap().contains(reason), "{patch}: {d}");
    }
    let rollout = of("alice-03");
    let cohort: Vec<&str> =
        rollout["cohort"]["targets"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(cohort.iter().all(|t| scoreset::models::patches::in_cohort("alice-03", t, 10.0)));
    assert_eq!(rollout["cohort"]["of"], 200);
    // Missing components are reported as missing.
    let authors = fs::read_to_string(epoch.join("author_reputation.jsonl")).unwrap();
    let erin: Value = serde_json::from_str(authors.lines().find(|l| l.contains("\"erin\"")).unwrap()).unwrap();
    assert!(erin["components"]["success_rate"].is_null() && erin["applications"] == 0, "{erin}");
}

#[test]
fn the_history_database_is_named_once_as_a_source_or_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/patches.toml"))
        .unwrap()
        .replace("base = \"..\"", "#")
        .replace("\"data/patches/", &format!("\"{}/", data("").display()));
    assert!(shipped.contains("format = \"patch-history\""));
    let db = format!("{}/history.db", data("").display());
    // The same database named by the [patches] key instead of a [[source]]: the same decisions.
    let keyed = shipped
        .replace("[[source]]", "")
        .replace("format = \"patch-history\"\n", "")
        .replace(&format!("path = \"{db}\"\n"), "")
        .replace("[patches]\n", &format!("[patches]\nhistory = \"{db}\"\n"));
    let both = shipped.replace("[patches]\n", &format!("[patches]\nhistory = \"{db}\"\n"));
    let trust_with_history = format!("name = \"t\"\n[[source]]\nformat = \"patch-history\"\npath = \"{db}\"\n");
    let mut decisions = Vec::new();
    for (name, text) in [("shipped", &shipped), ("keyed", &keyed)] {
        let pipeline = dir.path().join(format!("{name}.toml"));
        fs::write(&pipeline, text).unwrap();
        let out = dir.path().join(name);
        let run =
            scoreset(&["run", pipeline.to_str().unwrap(), "--as-of", PATCHES_AS_OF, "--out", out.to_str().unwrap()]);
        assert!(run.status.success(), "{name}: {}", describe(&run));
        decisions.push(fs::read(out.join("patches/latest/patch_decisions.jsonl")).unwrap());
    }
    assert!(decisions[0] == decisions[1], "the two ways of naming the database decide alike");
    for (name, text, message) in [
        ("both", both, "exactly one patch-history database"),
        ("trust", trust_with_history, "read by model = \"patches\""),
    ] {
        let pipeline = dir.path().join(format!("{name}.toml"));
        fs::write(&pipeline, text).unwrap();
        let run = scoreset(&[
            "run",
            pipeline.to_str().unwrap(),
            "--as-of",
            PATCHES_AS_OF,
            "--out",
            dir.path().join("x").to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(2), "{name}: {}", describe(&run));
        assert!(String::from_utf8_lossy(&run.stderr).contains(message), "{name}: {}", describe(&run));
    }
}
