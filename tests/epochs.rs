//! Epochs that hold: one test (at least) per defect of the "Epochs that hold"
//! issue, each through the real binary on real files.

mod common;

use common::{command, describe, file_names, scoreset, shared};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A pipeline in a temp folder: `base` is the folder its inputs resolve against.
struct Job {
    dir: tempfile::TempDir,
    pipeline: PathBuf,
}

impl Job {
    /// A pipeline file holding `text`, with `edges` as `edges.csv` beside it.
    fn new(text: &str, edges: &str) -> Job {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("edges.csv"), edges).unwrap();
        let pipeline = dir.path().join("p.toml");
        fs::write(&pipeline, text).unwrap();
        Job { dir, pipeline }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn pipeline_dir(&self) -> PathBuf {
        self.out().join("p")
    }

    fn run(&self, as_of: &str, extra: &[&str]) -> Output {
        let out = self.out();
        let mut args = vec!["run", self.pipeline.to_str().unwrap(), "--as-of", as_of];
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(extra);
        scoreset(&args)
    }

    fn epoch(&self, as_of_basic: &str) -> PathBuf {
        self.pipeline_dir().join(as_of_basic)
    }
}

const EDGES: &str = "a,b,1\nb,c,1\nc,a,1\na,c,-1\n";
const PIPELINE: &str =
    "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = { a = 1.0 }\n";

fn verify(args: &[&str]) -> Output {
    let mut all = vec!["verify"];
    all.extend(args);
    scoreset(&all)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn manifest(epoch: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(epoch.join("manifest.json")).unwrap()).unwrap()
}

// 1. An epoch with files over 4 MiB (and over 1 MiB: several UnixFS chunks) verifies.
#[test]
fn the_wikipedia_rfa_epoch_has_multi_chunk_files_and_verifies_with_recompute() {
    let data = shared("data");
    let job = Job::new(
        &format!(
            "name = \"p\"\nbase = {data:?}\n[[source]]\nformat = \"edges\"\npath = \"wikirfa_signed_pyg-signed-directed.csv.gz\"\n\
             [pretrust]\nentries = {{ \"0\" = 1.0 }}\n"
        ),
        "",
    );
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert!(run.status.success(), "{}", describe(&run));
    let epoch = job.epoch("20260101T000000Z");
    let peer_scores = fs::metadata(epoch.join("peer_scores.jsonl")).unwrap().len();
    assert!(peer_scores > 3 << 20, "peer_scores.jsonl is {peer_scores} bytes: several 1 MiB chunks");
    let m = manifest(&epoch);
    let outputs = m["credentialSubject"]["outputs"].as_array().unwrap();
    let big = outputs.iter().find(|o| o["name"] == "peer_scores.jsonl").unwrap();
    assert!(big["cid"].as_str().unwrap().starts_with("bafybei"), "a UnixFS file DAG: {big}");
    assert_eq!(m["credentialSubject"]["algorithms"]["cidProfile"], "unixfs-v1-2025");
    let out = verify(&[epoch.to_str().unwrap(), "--recompute"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains("rooted at the epoch's directory"), "{}", describe(&out));
}

// 1. The CAR is rooted at a UnixFS directory of the epoch's files, every block bounded.
#[test]
fn the_car_root_is_a_directory_of_the_epoch_files_and_tampering_is_caught() {
    use scoreset::crypto::car::CarReader;
    use scoreset::crypto::unixfs;
    let job = Job::new(PIPELINE, EDGES);
    assert!(job.run("2026-01-01T00:00:00Z", &[]).status.success());
    let epoch = job.epoch("20260101T000000Z");
    let car = fs::read(epoch.join("scoreset.car")).unwrap();
    let mut reader = CarReader::new(&car[..]).unwrap();
    let root = reader.roots()[0];
    let mut directory = None;
    while let Some((cid, data)) = reader.next_block().unwrap() {
        if cid == root {
            directory = Some(unixfs::decode_node(data).unwrap());
        }
    }
    let directory = directory.expect("the root block is in the CAR");
    let names: Vec<String> = directory.links.iter().map(|l| l.name.clone().unwrap()).collect();
    let mut expected: Vec<String> = file_names(&epoch).into_iter().filter(|n| n != "scoreset.car").collect();
    expected.sort();
    assert_eq!(names, expected, "every file but the CAR, by name");
    for link in &directory.links {
        let name = link.name.as_deref().unwrap();
        let bytes = fs::read(epoch.join(name)).unwrap();
        assert_eq!(link.cid, unixfs::file_cid(&bytes).cid, "{name}");
    }
    // A CAR whose blocks differ from the files is refused.
    let mut tampered = car.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 1;
    fs::write(epoch.join("scoreset.car"), &tampered).unwrap();
    let out = verify(&[epoch.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(stdout(&out).is_empty() && stderr(&out).contains("scoreset.car"), "{}", describe(&out));
}

// 2. A second run while one holds the lock exits 2 at once, naming the holder.
#[test]
fn a_run_while_another_holds_the_lock_exits_2_naming_it_and_waits_when_asked() {
    let job = Job::new(PIPELINE, EDGES);
    let lock = scoreset::publish::lock::PipelineLock::acquire(&job.pipeline_dir(), false).unwrap();
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    let message = stderr(&run);
    assert!(message.contains("another run of this pipeline is under way"), "{message}");
    assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
    assert!(!job.epoch("20260101T000000Z").exists());
    // --wait: blocks until the holder lets go, then runs.
    let mut waiting = command()
        .args(["run", job.pipeline.to_str().unwrap(), "--as-of", "2026-01-01T00:00:00Z", "--wait"])
        .args(["--out", job.out().to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(lock);
    let status = waiting.wait().unwrap();
    assert!(status.success());
    assert!(job.epoch("20260101T000000Z").join("manifest.json").exists());
}

// 2. The chain is the publication log: a backfill links to what latest named,
// latest does not move back, and the epochs after it still verify.
#[test]
fn a_backfill_links_to_latest_and_the_next_epoch_still_verifies() {
    let job = Job::new(PIPELINE, EDGES);
    for as_of in ["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"] {
        let run = job.run(as_of, &[]);
        assert!(run.status.success(), "{}", describe(&run));
    }
    let cid = |e: &str| {
        let bytes = fs::read(job.epoch(e).join("manifest.json")).unwrap();
        scoreset::scoreset::manifest_cid(&bytes)
    };
    let previous = |e: &str| manifest(&job.epoch(e))["credentialSubject"]["previous"].as_str().map(str::to_owned);
    assert_eq!(previous("20260101T000000Z"), Some(cid("20260102T000000Z")), "the backfill links to latest");
    assert_eq!(previous("20260103T000000Z"), Some(cid("20260102T000000Z")));
    assert_eq!(fs::read_link(job.pipeline_dir().join("latest")).unwrap(), Path::new("20260103T000000Z"));
    for e in ["20260101T000000Z", "20260102T000000Z", "20260103T000000Z"] {
        let out = verify(&[job.epoch(e).to_str().unwrap()]);
        assert!(out.status.success(), "{e}: {}", describe(&out));
        if e != "20260102T000000Z" {
            assert!(stdout(&out).contains("links to the previous epoch 20260102T000000Z"), "{}", describe(&out));
        }
    }
    // The message names the epoch that is missing, not the neighbour by name.
    fs::remove_dir_all(job.epoch("20260102T000000Z")).unwrap();
    let out = verify(&[job.epoch("20260103T000000Z").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(stderr(&out).contains("chain broken: the previous epoch (epoch 20260102T000000Z"), "{}", describe(&out));
}

// 3. Leftovers of killed runs are removed; an epoch written but not linked is recovered.
#[test]
fn leftovers_of_killed_runs_are_removed_and_a_stranded_epoch_becomes_latest() {
    let job = Job::new(PIPELINE, EDGES);
    assert!(job.run("2026-01-01T00:00:00Z", &[]).status.success());
    assert!(job.run("2026-01-02T00:00:00Z", &[]).status.success());
    let dir = job.pipeline_dir();
    // A kill between the rename of the epoch and the move of latest leaves latest behind.
    let latest = dir.join("latest");
    fs::remove_file(&latest).unwrap();
    std::os::unix::fs::symlink("20260101T000000Z", &latest).unwrap();
    // Kills while writing leave staging folders and link temporaries.
    fs::create_dir(dir.join(".20260105T000000Z.partial-4000000")).unwrap();
    fs::write(dir.join(".20260105T000000Z.partial-4000000/scores.csv"), "x").unwrap();
    std::os::unix::fs::symlink("20260101T000000Z", dir.join(".latest.4000001")).unwrap();

    let run = job.run("2026-01-03T00:00:00Z", &[]);
    assert!(run.status.success(), "{}", describe(&run));
    let out = stdout(&run);
    assert!(out.contains("removed 2 leftovers of killed runs"), "{out}");
    assert!(out.contains("latest -> 20260102T000000Z: a killed run had written it"), "{out}");
    assert!(out.contains("links to the previous epoch 20260102T000000Z"), "{out}");
    assert_eq!(
        file_names(&dir),
        [".lock", "20260101T000000Z", "20260102T000000Z", "20260103T000000Z", "latest", "latest.cid"]
    );
    assert!(verify(&[latest.to_str().unwrap()]).status.success());
}

// 4. A pre-trust that names nobody who spoke is still the root of trust: no silent uniform fallback.
#[test]
fn a_pretrust_naming_a_silent_peer_keeps_a_sybil_ring_out() {
    use std::fmt::Write;
    let mut edges = String::from("h1,h2,1\nh2,h3,1\nh3,h1,1\nh1,s0,1\n");
    for k in 0..50 {
        writeln!(edges, "s{k},s{},1", (k + 1) % 50).unwrap();
        writeln!(edges, "s{k},s{},1", (k + 7) % 50).unwrap();
    }
    let job = Job::new(
        "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = { root = 1.0, h1 = 1.0 }\n",
        &edges,
    );
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert!(run.status.success(), "{}", describe(&run));
    let scores = common::read_scores(&job.epoch("20260101T000000Z").join("scores.csv"));
    let sybil: f64 = scores.iter().filter(|r| r.1.starts_with('s')).map(|r| r.2).sum();
    let root = scores.iter().find(|r| r.1 == "root").expect("the silent pre-trusted peer is a node").2;
    assert!(sybil < 0.5, "the ring holds {sybil} of the trust");
    assert!(root > 0.2, "the silent root keeps its pre-trust: {root}");
    assert_eq!(manifest(&job.epoch("20260101T000000Z"))["credentialSubject"]["parameters"]["pretrust"], "configured");
}

// 4. A named pre-trust from which no positive weight survives fails; no [pretrust] warns and is recorded.
#[test]
fn a_pretrust_without_weight_fails_and_uniform_is_said_loudly() {
    let zero = Job::new(
        "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = { a = 0.0, \"did:bad\" = 1.0 }\n",
        EDGES,
    );
    let run = zero.run("2026-01-01T00:00:00Z", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert!(stderr(&run).contains("[pretrust] leaves no peer with a positive weight"), "{}", describe(&run));
    assert!(stderr(&run).contains("did:bad"), "names the refused entry: {}", describe(&run));
    assert!(!zero.epoch("20260101T000000Z").exists());

    let uniform = Job::new("name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n", EDGES);
    let run = uniform.run("2026-01-01T00:00:00Z", &[]);
    assert!(run.status.success(), "{}", describe(&run));
    assert!(stdout(&run).contains("UNIFORM PRE-TRUST"), "{}", describe(&run));
    assert_eq!(manifest(&uniform.epoch("20260101T000000Z"))["credentialSubject"]["parameters"]["pretrust"], "uniform");
}

// 4. The Snaps indexer sample: every scope has the pre-trusted peers, none falls back to uniform.
#[test]
fn the_snaps_indexer_sample_has_the_pretrusted_peers_in_every_scope() {
    let v = shared("vectors/eigentrust/rs-eigentrust-snaps");
    let job = Job::new(
        &format!(
            "name = \"p\"\nbase = {v:?}\nscopes = [\"Software security\", \"Software development\"]\n\
             [[source]]\nformat = \"indexer-csv\"\npath = \"sample_input.csv\"\n[pretrust]\npath = \"sample_pretrust.txt\"\n"
        ),
        "",
    );
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert!(run.status.success(), "{}", describe(&run));
    let scores = common::read_scores(&job.epoch("20260101T000000Z").join("scores.csv"));
    let pretrusted = fs::read_to_string(v.join("sample_pretrust.txt")).unwrap();
    for scope in ["Software security", "Software development"] {
        let rows: Vec<_> = scores.iter().filter(|r| r.0 == scope).collect();
        assert!(rows.len() >= 5, "{scope}: {} peers", rows.len());
        for line in pretrusted.lines() {
            let did = line.split_whitespace().next().unwrap().to_lowercase();
            let row = rows.iter().find(|r| r.1 == did).unwrap_or_else(|| panic!("{scope}: {did} is a node"));
            assert!(row.2 > 0.0, "{scope}: {did} has trust");
        }
    }
    assert_eq!(manifest(&job.epoch("20260101T000000Z"))["credentialSubject"]["parameters"]["pretrust"], "configured");
}

// 5. Signed by default with the operator's key, made once with mode 0600; --unsigned only when asked.
#[test]
fn epochs_are_signed_by_default_and_unsigned_only_when_asked() {
    let job = Job::new(PIPELINE, EDGES);
    let home = job.dir.path().join("home");
    let run = command()
        .args(["run", job.pipeline.to_str().unwrap(), "--as-of", "2026-01-01T00:00:00Z"])
        .args(["--out", job.out().to_str().unwrap()])
        .env("XDG_DATA_HOME", &home)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", describe(&run));
    let key = home.join("scoreset/default.key");
    assert_eq!(fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(stderr(&run).contains("made the operator's default signing key"), "{}", describe(&run));
    assert!(stdout(&run).contains("signed by did:key:z6Mk"), "{}", describe(&run));
    let out = verify(&[job.epoch("20260101T000000Z").to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));

    let unsigned = job.run("2026-01-02T00:00:00Z", &["--unsigned"]);
    assert!(stdout(&unsigned).contains("UNSIGNED, as asked"), "{}", describe(&unsigned));
    let out = verify(&[job.epoch("20260102T000000Z").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(stderr(&out).contains("unsigned"), "{}", describe(&out));
}

// 5. Every sample pipeline gives an epoch that passes verify --recompute out of the box.
#[test]
fn every_sample_pipeline_passes_verify_recompute() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let key = root.join("keys/computer.key");
    let mut checked = 0;
    for entry in fs::read_dir(root.join("pipelines")).unwrap() {
        let pipeline = entry.unwrap().path();
        let name = pipeline.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "example-signed" && !key.exists() {
            continue; // needs `scoreset keygen --out keys/computer.key` first (README)
        }
        let text = fs::read_to_string(&pipeline).unwrap();
        let as_of = text.lines().find_map(|l| l.split("--as-of ").nth(1)).unwrap_or("2026-01-01T00:00:00Z");
        let run =
            scoreset(&["run", pipeline.to_str().unwrap(), "--as-of", as_of, "--out", dir.path().to_str().unwrap()]);
        assert!(run.status.success(), "{name}: {}", describe(&run));
        let latest = dir.path().join(&name).join("latest");
        let out = verify(&[latest.to_str().unwrap(), "--recompute"]);
        assert!(out.status.success(), "{name}: {}", describe(&out));
        checked += 1;
    }
    assert!(checked >= 6, "{checked} sample pipelines");
}

// 6. A bare file name works, and what can be checked before the computation is.
#[test]
fn a_bare_pipeline_name_runs_and_known_failures_come_before_the_computation() {
    let job = Job::new(PIPELINE, EDGES);
    let run = command()
        .current_dir(job.dir.path())
        .args(["run", "p.toml", "--as-of", "2026-01-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", describe(&run));
    assert!(job.epoch("20260101T000000Z").join("manifest.json").exists());
    // A strict pipeline with a reject would fail after ingest; an existing epoch is named first.
    let strict = format!("strict = true\n{PIPELINE}");
    fs::write(&job.pipeline, &strict).unwrap();
    fs::write(job.dir.path().join("edges.csv"), "a,b,1\nb,b,1\n").unwrap();
    let again = job.run("2026-01-01T00:00:00Z", &[]);
    assert_eq!(again.status.code(), Some(2), "{}", describe(&again));
    assert!(stderr(&again).contains("already exists") && !stderr(&again).contains("strict"), "{}", describe(&again));
    // So is a key that does not load.
    fs::write(&job.pipeline, format!("{strict}[signing]\nkey = \"missing.key\"\n")).unwrap();
    let keyless = job.run("2026-01-02T00:00:00Z", &[]);
    assert_eq!(keyless.status.code(), Some(2), "{}", describe(&keyless));
    assert!(stderr(&keyless).contains("missing.key") && !stderr(&keyless).contains("strict"), "{}", describe(&keyless));
}

// 7. verify --recompute reads only inside the base folder, and only regular files.
#[test]
fn recompute_refuses_inputs_outside_the_base_and_special_files() {
    let job = Job::new(PIPELINE, EDGES);
    let outside = job.dir.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("edges.csv"), EDGES).unwrap();
    let inner = job.dir.path().join("inner");
    fs::create_dir(&inner).unwrap();
    let pipeline = inner.join("p.toml");
    fs::write(&pipeline, PIPELINE.replace("\"edges.csv\"", "\"../outside/edges.csv\"")).unwrap();
    let out = job.out();
    let run = scoreset(&[
        "run",
        pipeline.to_str().unwrap(),
        "--as-of",
        "2026-01-01T00:00:00Z",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", describe(&run));
    let epoch = job.epoch("20260101T000000Z");
    let refused = verify(&[epoch.to_str().unwrap(), "--recompute"]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(stderr(&refused).contains("climbs out of the base folder"), "{}", describe(&refused));
    let allowed = verify(&[epoch.to_str().unwrap(), "--recompute", "--allow-outside-base"]);
    assert!(allowed.status.success(), "{}", describe(&allowed));

    // An absolute path is refused too.
    let absolute = inner.join("abs.toml");
    fs::write(
        &absolute,
        PIPELINE
            .replace("name = \"p\"", "name = \"abs\"")
            .replace("\"edges.csv\"", &format!("{:?}", outside.join("edges.csv"))),
    )
    .unwrap();
    assert!(
        scoreset(&[
            "run",
            absolute.to_str().unwrap(),
            "--as-of",
            "2026-01-01T00:00:00Z",
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    let refused = verify(&[out.join("abs/latest").to_str().unwrap(), "--recompute"]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(stderr(&refused).contains("is absolute"), "{}", describe(&refused));

    // A FIFO in place of an input: refused at once, never waited on.
    let fifo = outside.join("edges.csv");
    fs::remove_file(&fifo).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let refused = verify(&[epoch.to_str().unwrap(), "--recompute", "--allow-outside-base"]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(stderr(&refused).contains("not a regular file"), "{}", describe(&refused));
    // And run never reads a device.
    fs::write(&pipeline, PIPELINE.replace("\"edges.csv\"", "\"/dev/zero\"")).unwrap();
    let run = scoreset(&[
        "run",
        pipeline.to_str().unwrap(),
        "--as-of",
        "2026-01-05T00:00:00Z",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert!(stderr(&run).contains("not a regular file"), "{}", describe(&run));
}

// 8. Decompression is bounded; rejected records keep at most 4 KiB; scope names are bounded.
#[test]
fn a_decompression_bomb_is_stopped_at_the_limit_and_rejects_stay_small() {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let job = Job::new(
        "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"bomb.csv.gz\"\n[limits]\nmax_input_bytes = 1048576\n",
        "",
    );
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'0'; 64 << 20]).unwrap();
    let gz = gz.finish().unwrap();
    assert!(gz.len() < 1 << 20, "the compressed file is within the limit: {}", gz.len());
    fs::write(job.dir.path().join("bomb.csv.gz"), gz).unwrap();
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert!(stderr(&run).contains("bomb.csv.gz: decompresses to more than 1048576 bytes"), "{}", describe(&run));

    let long = format!("a,b,1\n{},c,1\nb,a,1\n", "x".repeat(1 << 20));
    let job = Job::new(PIPELINE, &long.replace(",c,1", ",c,zz"));
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert!(run.status.success(), "{}", describe(&run));
    let rejected = fs::read_to_string(job.epoch("20260101T000000Z").join("rejected.jsonl")).unwrap();
    assert_eq!(rejected.lines().count(), 1);
    assert!(rejected.len() < 8 * 1024, "{} bytes", rejected.len());
    assert!(rejected.contains(&format!("\"raw_length\":{}", (1 << 20) + 5)), "{rejected:.300}");

    let scope = "s".repeat(1 << 20);
    let job = Job::new(&format!("scopes = [\"{scope}\"]\n{PIPELINE}"), EDGES);
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert!(stderr(&run).len() < 4096 && stderr(&run).contains("at most 256"), "{:.500}", stderr(&run));
}

// 9. Each cause of an error is printed once.
#[test]
fn each_cause_is_printed_once() {
    let job = Job::new(&PIPELINE.replace("edges.csv", "missing.csv"), EDGES);
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert_eq!(stderr(&run).matches("No such file or directory").count(), 1, "{}", describe(&run));
    let job = Job::new(&format!("{PIPELINE}[eigentrust]\nalpah = 0.3\n"), EDGES);
    let run = job.run("2026-01-01T00:00:00Z", &[]);
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    assert_eq!(stderr(&run).matches("TOML parse error").count(), 1, "{}", describe(&run));
    assert_eq!(stderr(&run).matches("unknown field `alpah`").count(), 1, "{}", describe(&run));
}

/// The README's minimum Rust is true: `rust-version` in Cargo.toml is at
/// least every dependency's own `rust-version` (as `cargo metadata` reads
/// them), and the README states the same version.
#[test]
fn the_stated_minimum_rust_covers_every_dependency() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rustc = std::process::Command::new("rustc").arg("-vV").output().unwrap();
    let host = String::from_utf8_lossy(&rustc.stdout).lines().find_map(|l| l.strip_prefix("host: ").map(str::to_owned));
    let host = host.expect("rustc -vV names the host");
    // Only the packages built here (others may not have been downloaded).
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", &host])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let ours = env!("CARGO_PKG_RUST_VERSION");
    let needed = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| Some((p["rust_version"].as_str()?, p["name"].as_str()?)))
        .max_by_key(|(v, _)| version(v))
        .unwrap();
    assert!(version(ours) >= version(needed.0), "rust-version {ours} is below {} (needed by {})", needed.0, needed.1);
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let short = ours.trim_end_matches(".0");
    assert!(readme.contains(&format!("stable, {short} or later")), "the README states rust {short}");
}
