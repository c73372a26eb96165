//! Cluster mode over TCP on 127.0.0.1: the go-eigentrust vector and
//! Bitcoin-OTC (distrust on) give byte-identical files on 1 process × 2
//! workers, 2 × 1 and 4 × 1; a process that hangs or dies fails the run on
//! the others, naming it, and publishes nothing; a retry succeeds.

mod common;

use common::{command, describe, shared};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Mutex;

/// One cluster at a time: each takes ports that must stay free until it binds them.
static SERIAL: Mutex<()> = Mutex::new(());

const AS_OF: &str = "2026-01-01T00:00:00Z";

/// A host file of `n` free ports on 127.0.0.1.
fn host_file(dir: &Path, n: usize) -> PathBuf {
    let listeners: Vec<std::net::TcpListener> =
        (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let lines: String = listeners.iter().map(|l| format!("127.0.0.1:{}\n", l.local_addr().unwrap().port())).collect();
    let path = dir.join(format!("hosts-{n}-{}", lines.len()));
    std::fs::write(&path, format!("# a test cluster\n{lines}")).unwrap();
    path
}

fn spawn(pipeline: &Path, out: &Path, hosts: &Path, process: usize, workers: usize, extra: &[&str]) -> Child {
    let (process, workers) = (process.to_string(), workers.to_string());
    let mut args = vec![
        "run",
        pipeline.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
        "--unsigned",
        "--cluster",
        hosts.to_str().unwrap(),
        "--process",
        &process,
        "--workers",
        &workers,
    ];
    args.extend_from_slice(extra);
    command().args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Runs processes 0..n, each with its own output root `out/p{k}`.
fn run_cluster(pipeline: &Path, out: &Path, processes: usize, workers: usize) -> Vec<Output> {
    let hosts = host_file(out.parent().unwrap(), processes);
    let children: Vec<Child> = (0..processes)
        .map(|p| spawn(pipeline, &out.join(format!("p{p}")), &hosts, p, workers, &["--cluster-timeout", "60"]))
        .collect();
    children.into_iter().map(|c| c.wait_with_output().unwrap()).collect()
}

fn plain(pipeline: &Path, out: &Path) -> PathBuf {
    let ran = command()
        .args(["run", pipeline.to_str().unwrap(), "--as-of", AS_OF, "--out", out.to_str().unwrap(), "--unsigned"])
        .output()
        .unwrap();
    assert!(ran.status.success(), "{}", describe(&ran));
    out.join(name(pipeline)).join("latest")
}

fn name(pipeline: &Path) -> String {
    pipeline.file_stem().unwrap().to_str().unwrap().to_owned()
}

fn readme_vector(dir: &Path) -> PathBuf {
    let v = shared("vectors/eigentrust/go-eigentrust-readme");
    let pipeline = dir.join("readme.toml");
    std::fs::write(
        &pipeline,
        format!(
            "name = \"readme\"\n[[source]]\nformat = \"edges\"\npath = {:?}\nheader = true\n\
             [pretrust]\npath = {:?}\nheader = true\n[eigentrust]\nalpha = 0.5\n[distrust]\nmode = \"none\"\n",
            v.join("lt.csv"),
            v.join("pt.csv")
        ),
    )
    .unwrap();
    pipeline
}

fn bitcoin_otc(dir: &Path) -> PathBuf {
    let pipeline = dir.join("otc.toml");
    std::fs::write(
        &pipeline,
        format!(
            "name = \"otc\"\n[[source]]\nformat = \"edges\"\npath = {:?}\n[pretrust]\nentries = {{ \"1\" = 1.0 }}\n",
            shared("data/soc-sign-bitcoinotc.csv.gz")
        ),
    )
    .unwrap();
    pipeline
}

#[test]
fn the_reference_vector_and_bitcoin_otc_are_byte_identical_on_every_cluster_shape() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    for pipeline in [readme_vector(dir.path()), bitcoin_otc(dir.path())] {
        let single = plain(&pipeline, &dir.path().join(format!("plain-{}", name(&pipeline))));
        for (processes, workers) in [(1, 2), (2, 1), (4, 1)] {
            let shape = format!("{}: {processes} process(es) x {workers} worker(s)", name(&pipeline));
            let out = dir.path().join(format!("{}-{processes}x{workers}", name(&pipeline)));
            std::fs::create_dir_all(&out).unwrap();
            let ran = run_cluster(&pipeline, &out, processes, workers);
            for (p, o) in ran.iter().enumerate() {
                assert!(o.status.success(), "{shape}, process {p}: {}", describe(o));
            }
            let epoch = out.join("p0").join(name(&pipeline)).join("latest");
            for file in ["scores.csv", "peer_scores.jsonl", "manifest.json"] {
                let same = std::fs::read(epoch.join(file)).unwrap() == std::fs::read(single.join(file)).unwrap();
                assert!(same, "{shape}: {file} differs from the single-machine run's");
            }
            // The trust entries of the whole graph, as process 0's summary counts them.
            let zero = String::from_utf8_lossy(&ran[0].stdout);
            let trust: usize = number_before(&zero, " trust,");
            let mut held = 0;
            for (p, o) in ran.iter().enumerate().skip(1) {
                assert!(!out.join(format!("p{p}")).exists(), "{shape}: process {p} wrote something");
                let stdout = String::from_utf8_lossy(&o.stdout);
                assert!(stdout.contains("cluster process 0 writes the epoch"), "{shape}: {stdout}");
                // It held only the columns it owns, and computed its part of the distrust adjustment.
                let entries = number_before(&stdout, " entries at most");
                assert!(entries < trust || trust < 4, "{shape}, process {p} held {entries} of {trust}: {stdout}");
                held += entries;
                let adjusted = if name(&pipeline) == "otc" { "1 distrust adjustment" } else { "0 distrust adjustment" };
                assert!(stdout.contains(adjusted), "{shape}, process {p}: {stdout}");
            }
            // Each entry is held once: by process 0 or by one of the others.
            assert!(held <= trust, "{shape}: the others held {held} entries of {trust}");
            if processes == 2 && name(&pipeline) == "otc" {
                assert!(held > 0 && held < trust, "{shape}: process 1 held {held} entries of {trust}");
            }
        }
    }
}

/// The number just before `marker` in `text` (the first such).
fn number_before(text: &str, marker: &str) -> usize {
    let at = text.find(marker).unwrap_or_else(|| panic!("no {marker:?} in {text}"));
    let digits: String = text[..at].chars().rev().take_while(char::is_ascii_digit).collect();
    digits.chars().rev().collect::<String>().parse().unwrap_or_else(|_| panic!("no number before {marker:?} in {text}"))
}

#[test]
fn a_failure_of_process_0_after_the_shares_stops_the_others_with_its_reason() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // A pre-trust that names nobody in the graph: process 0 refuses it once the shares are merged.
    std::fs::write(
        dir.path().join("e.csv"),
        (0..500).map(|k| format!("p{k},p{},1\n", (k + 1) % 500)).collect::<String>(),
    )
    .unwrap();
    let pipeline = dir.path().join("p.toml");
    std::fs::write(
        &pipeline,
        "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"e.csv\"\n[pretrust]\nentries = { nobody = 0.0 }\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let started = std::time::Instant::now();
    let ran = run_cluster(&pipeline, &out, 3, 1);
    assert!(started.elapsed().as_secs() < 30, "the others stop at once, not at the 60 s timeout");
    let zero = String::from_utf8_lossy(&ran[0].stderr);
    assert!(!ran[0].status.success(), "{}", describe(&ran[0]));
    assert!(zero.contains("[pretrust] leaves no peer with a positive weight"), "{zero}");
    for o in &ran[1..] {
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{}", describe(o));
        assert!(stderr.contains("process 0 (127.0.0.1:") && stderr.contains("stopped the run"), "{stderr}");
        assert!(stderr.contains("[pretrust] leaves no peer"), "the others say why: {stderr}");
        assert_eq!(stderr.matches("error:").count(), 1, "one error, said once: {stderr}");
    }
    assert!(!out.join("p0/p/latest").exists(), "nothing is published");
}

/// Starts a 3-process run of Bitcoin-OTC whose process 1 hangs once connected;
/// returns the children and process 1's stderr reader (it has said "connected").
fn with_process_1_hanging(dir: &Path, out: &Path, timeout: &str) -> (Vec<Child>, PathBuf) {
    let pipeline = bitcoin_otc(dir);
    let hosts = host_file(dir, 3);
    let extra = ["--cluster-timeout", timeout, "-v"];
    let mut children = Vec::new();
    for p in 0..3 {
        let mut c = command();
        if p == 1 {
            c.env("SCORESET_CLUSTER_HANG_AFTER_CONNECT", "1");
        }
        let (process, out) = (p.to_string(), out.to_str().unwrap().to_owned());
        let args = [
            "run",
            pipeline.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
            &out,
            "--unsigned",
            "--cluster",
            hosts.to_str().unwrap(),
            "--process",
            &process,
        ];
        children.push(c.args(args).args(extra).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap());
    }
    // Wait until process 1 is connected (and so hangs).
    let stderr = children[1].stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    assert!(
        lines.by_ref().map_while(Result::ok).any(|line| line.contains("cluster: connected")),
        "process 1 never connected"
    );
    (children, pipeline)
}

fn assert_failed_naming_process_1(o: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{}", describe(o));
    assert!(stderr.contains("process 1 (127.0.0.1:"), "{}", describe(o));
    assert!(stderr.contains(what), "{}", describe(o));
    assert_eq!(stderr.matches("error:").count(), 1, "one error, said once: {stderr}");
}

#[test]
fn a_killed_process_fails_the_run_on_the_others_naming_it_and_a_retry_succeeds() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (mut children, pipeline) = with_process_1_hanging(dir.path(), &out, "120");
    let mut one = children.remove(1);
    one.kill().unwrap();
    one.wait().unwrap();
    let started = std::time::Instant::now();
    for child in children {
        assert_failed_naming_process_1(&child.wait_with_output().unwrap(), "closed its connection");
    }
    assert!(started.elapsed().as_secs() < 60, "the others fail at once, not at the 120 s timeout");
    assert!(!out.join("otc").join("latest").exists(), "no epoch is published");
    let left: Vec<String> = std::fs::read_dir(out.join("otc"))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(left.iter().all(|n| !n.contains("20260101")), "no epoch folder, written or staged: {left:?}");

    // The retry, every process healthy: the same bytes as the plain run.
    let single = plain(&pipeline, &dir.path().join("plain"));
    let retry = dir.path().join("retry");
    std::fs::create_dir_all(&retry).unwrap();
    for (p, o) in run_cluster(&pipeline, &retry, 3, 1).iter().enumerate() {
        assert!(o.status.success(), "retry, process {p}: {}", describe(o));
    }
    let epoch = retry.join("p0/otc/latest");
    assert_eq!(std::fs::read(epoch.join("scores.csv")).unwrap(), std::fs::read(single.join("scores.csv")).unwrap());
}

#[test]
fn a_hung_process_fails_the_run_on_the_others_after_the_timeout() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (mut children, _) = with_process_1_hanging(dir.path(), &out, "3");
    let mut one = children.remove(1);
    for child in children {
        assert_failed_naming_process_1(&child.wait_with_output().unwrap(), "no word from process 1");
    }
    one.kill().unwrap();
    one.wait().unwrap();
    assert!(!out.join("otc").join("latest").exists(), "no epoch is published");
}

#[test]
fn processes_that_disagree_on_the_job_or_cannot_meet_are_refused() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let pipeline = readme_vector(dir.path());
    let hosts = host_file(dir.path(), 2);
    let out = dir.path().join("out");
    // Process 1 runs another as_of: both refuse.
    let zero = spawn(&pipeline, &out, &hosts, 0, 1, &["--cluster-timeout", "30"]);
    let one = command()
        .args(["run", pipeline.to_str().unwrap(), "--as-of", "2026-02-01T00:00:00Z", "--out", out.to_str().unwrap()])
        .args(["--unsigned", "--cluster", hosts.to_str().unwrap(), "--process", "1", "--cluster-timeout", "30"])
        .output()
        .unwrap();
    let zero = zero.wait_with_output().unwrap();
    assert_eq!(one.status.code(), Some(1), "{}", describe(&one));
    assert!(String::from_utf8_lossy(&one.stderr).contains("process 0 (127.0.0.1:"), "{}", describe(&one));
    assert!(String::from_utf8_lossy(&one.stderr).contains("runs another job"), "{}", describe(&one));
    assert_eq!(zero.status.code(), Some(1), "{}", describe(&zero));

    // Nobody at the other end: a bounded wait, naming the missing process.
    let started = std::time::Instant::now();
    let alone = spawn(&pipeline, &out, &host_file(dir.path(), 2), 0, 1, &["--cluster-timeout", "2"]);
    let alone = alone.wait_with_output().unwrap();
    assert_eq!(alone.status.code(), Some(1), "{}", describe(&alone));
    assert!(String::from_utf8_lossy(&alone.stderr).contains("process 1 (127.0.0.1:"), "{}", describe(&alone));
    assert!(String::from_utf8_lossy(&alone.stderr).contains("did not connect within 2 s"), "{}", describe(&alone));
    assert!(started.elapsed().as_secs() < 30);

    // A process number the host file does not have; an unusable host file.
    let bad = command()
        .args(["run", pipeline.to_str().unwrap(), "--cluster", hosts.to_str().unwrap(), "--process", "2"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("lists 2 process(es)"), "{}", describe(&bad));
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, "127.0.0.1:1 127.0.0.1:2\n").unwrap();
    let bad = command()
        .args(["run", pipeline.to_str().unwrap(), "--cluster", garbage.to_str().unwrap(), "--process", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("line 1"), "{}", describe(&bad));

    // The locality order runs on one machine: refused before connecting, on every process.
    let text = std::fs::read_to_string(&pipeline).unwrap();
    let local = dir.path().join("locality.toml");
    std::fs::write(&local, text.replace("alpha = 0.5\n", "alpha = 0.5\norder = \"locality\"\n")).unwrap();
    for process in ["0", "1"] {
        let started = std::time::Instant::now();
        let refused = command()
            .args(["run", local.to_str().unwrap(), "--as-of", AS_OF, "--out", out.to_str().unwrap(), "--unsigned"])
            .args(["--cluster", hosts.to_str().unwrap(), "--process", process, "--cluster-timeout", "30"])
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("order = \"locality\""), "{}", describe(&refused));
        assert!(started.elapsed().as_secs() < 20, "refused at once, not after waiting for the others");
    }
}

#[test]
fn the_pipeline_file_can_name_the_cluster_and_the_command_line_overrides_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let single = plain(&readme_vector(dir.path()), &dir.path().join("plain"));
    let hosts = host_file(dir.path(), 2);
    let text = std::fs::read_to_string(readme_vector(dir.path())).unwrap();
    let children: Vec<Child> = (0..2)
        .map(|p| {
            // Each machine's copy names its own process; the rest of the file is the same.
            let pipeline = dir.path().join(format!("p{p}/readme.toml"));
            std::fs::create_dir_all(pipeline.parent().unwrap()).unwrap();
            let cluster = format!("[cluster]\nhosts = {hosts:?}\nprocess = {p}\nworkers = 3\ntimeout_seconds = 60\n");
            std::fs::write(&pipeline, format!("{text}{cluster}")).unwrap();
            let out = dir.path().join(format!("out{p}"));
            command()
                .args(["run", pipeline.to_str().unwrap(), "--as-of", AS_OF, "--out", out.to_str().unwrap()])
                .args(["--unsigned", "--workers", "2"]) // --workers overrides the file's 3
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (p, child) in children.into_iter().enumerate() {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "process {p}: {}", describe(&o));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains(&format!("process {p} of 2, 2 worker(s) each")), "{}", describe(&o));
    }
    for file in ["scores.csv", "peer_scores.jsonl"] {
        let clustered = std::fs::read(dir.path().join("out0/readme/latest").join(file)).unwrap();
        assert_eq!(clustered, std::fs::read(single.join(file)).unwrap(), "{file}");
    }
    assert!(!dir.path().join("out1").exists(), "process 1 writes nothing");

    // A process number without a host file is refused.
    let pipeline = readme_vector(dir.path());
    let o = command().args(["run", pipeline.to_str().unwrap(), "--process", "1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("without a host file"), "{}", describe(&o));
}

/// Bitcoin-OTC as a plain-text edge list (a gzip stream cannot be cut at a
/// line, a text file can), with a header, blank and CRLF lines, and lines
/// that are refused, so the shards' rejects and counts are merged too.
fn plain_text_otc(dir: &Path) -> PathBuf {
    use std::io::Read;
    let mut text = String::new();
    let gz = std::fs::read(shared("data/soc-sign-bitcoinotc.csv.gz")).unwrap();
    flate2::read::MultiGzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    let mut lines: Vec<String> = vec!["truster,trustee,value,time".to_owned()];
    for (k, line) in text.lines().enumerate() {
        lines.push(line.to_owned());
        match k % 997 {
            13 => lines.push("7,7,1".to_owned()),
            101 => lines.push(String::new()),
            202 => lines.push("not,a,number".to_owned()),
            303 => lines.push(format!("{line}\r")),
            _ => {}
        }
    }
    std::fs::write(dir.join("otc.csv"), lines.join("\n") + "\n").unwrap();
    let pipeline = dir.join("otc-text.toml");
    std::fs::write(
        &pipeline,
        "name = \"otc-text\"\n[[source]]\nformat = \"edges\"\npath = \"otc.csv\"\nheader = true\nvalue_scale = 0.1\n\
         [pretrust]\nentries = { \"1\" = 1.0 }\n",
    )
    .unwrap();
    pipeline
}

#[test]
fn a_text_edge_list_is_read_in_shares_and_every_file_of_the_epoch_is_byte_identical() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let pipeline = plain_text_otc(dir.path());
    let single = plain(&pipeline, &dir.path().join("plain"));
    let rejected = std::fs::read_to_string(single.join("rejected.jsonl")).unwrap();
    assert!(rejected.contains("self_trust") && rejected.contains("parse_error"), "{rejected}");
    let files: Vec<String> = std::fs::read_dir(&single)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| !f.starts_with('.'))
        .collect();
    assert!(files.len() >= 5, "{files:?}");
    for processes in [2, 3] {
        let out = dir.path().join(format!("c{processes}"));
        std::fs::create_dir_all(&out).unwrap();
        let hosts = host_file(dir.path(), processes);
        let children: Vec<Child> = (0..processes)
            .map(|p| spawn(&pipeline, &out.join(format!("p{p}")), &hosts, p, 1, &["--cluster-timeout", "60", "-v"]))
            .collect();
        let ran: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        let len = std::fs::metadata(dir.path().join("otc.csv")).unwrap().len();
        let mut shares = Vec::new();
        for (p, o) in ran.iter().enumerate() {
            assert!(o.status.success(), "{processes} processes, process {p}: {}", describe(o));
            // Each process parsed only its own share of the file.
            let log = String::from_utf8_lossy(&o.stderr);
            let share = log
                .lines()
                .find(|l| l.contains("source read in shares"))
                .unwrap_or_else(|| panic!("process {p} logs its share: {log}"));
            let field = |key: &str| -> u64 {
                let at = share.find(key).unwrap() + key.len();
                share[at..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
            };
            shares.push((field("start="), field("end=")));
        }
        assert_eq!(shares.first().map(|s| s.0), Some(0), "{shares:?}");
        assert_eq!(shares.last().map(|s| s.1), Some(len), "{shares:?}");
        assert!(shares.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1), "{shares:?}");
        let epoch = out.join("p0").join("otc-text").join("latest");
        for file in &files {
            let same = std::fs::read(epoch.join(file)).unwrap() == std::fs::read(single.join(file)).unwrap();
            assert!(same, "{processes} processes: {file} differs from the single-machine run's");
        }
    }
}

#[test]
fn a_process_whose_copy_of_an_input_differs_is_named_and_nothing_is_published() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let pipeline =
        "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"e.csv\"\n[pretrust]\nentries = { a = 1.0 }\n";
    let text: String = (0..2000).map(|k| format!("p{k},p{},1\n", (k * 7 + 1) % 2000)).collect();
    let hosts = host_file(dir.path(), 2);
    let mut children = Vec::new();
    for p in 0..2 {
        let machine = dir.path().join(format!("machine{p}"));
        std::fs::create_dir_all(&machine).unwrap();
        // The same length, one byte changed in process 1's share.
        let copy = if p == 1 { text.replacen("p1999,", "p1998,", 1) } else { text.clone() };
        std::fs::write(machine.join("e.csv"), copy).unwrap();
        std::fs::write(machine.join("p.toml"), pipeline).unwrap();
        children.push(spawn(&machine.join("p.toml"), &machine.join("out"), &hosts, p, 1, &["--cluster-timeout", "30"]));
    }
    let ran: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let zero = String::from_utf8_lossy(&ran[0].stderr);
    assert_eq!(ran[0].status.code(), Some(1), "{}", describe(&ran[0]));
    assert!(zero.contains("process 1 (127.0.0.1:") && zero.contains("copy of e.csv differs"), "{zero}");
    assert!(!ran[1].status.success(), "{}", describe(&ran[1]));
    assert!(!dir.path().join("machine0/out/p/latest").exists(), "nothing is published");
}
