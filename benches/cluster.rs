//! Cluster mode's overhead: the seeded R-MAT graph of scale 22 (edge factor
//! 16, every tenth edge a distrust) run through the real binary on one
//! process, then as a cluster of 1, 2 and 4 local processes (one timely
//! worker and one rayon thread each) over TCP on 127.0.0.1, printing the
//! steady seconds per power iteration of each (from the first iteration's
//! end to the last's, so the slowest process's ingest is not counted), its
//! ratio to the single-process kernel measured in the same run, and the
//! bytes each process receives per iteration. On one 2-core machine this
//! measures the engine's overhead, not a speed-up. It prints process 0's
//! ingest seconds too: each process parses its share of the edge list, the
//! processes exchange them, and process 0 also pins the whole file.
//!
//! Run: `cargo bench --bench cluster` (`SCORESET_BENCH_SCALE=20` for a
//! quicker run). Process 0 builds the whole graph and hands the others the
//! columns they own, so it needs a plain run's memory (about 3 GiB at scale
//! 22) and the others a share of the text and their columns; the peak
//! columns print both.

mod common;

use common::{duration_after, field, peak_after, release_binary, seconds_after, strip_ansi, write_rmat};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn main() {
    let scale: u32 = std::env::var("SCORESET_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(22);
    let binary = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let rows = write_rmat(dir.path(), scale);
    let pipeline = dir.path().join("p.toml");
    let text = "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\npath = \"pretrust.csv\"\n[output]\nformats = [\"parquet\"]\n";
    std::fs::write(&pipeline, text).unwrap();

    println!(
        "{:<28} {:>9} {:>10} {:>6} {:>12} {:>10} {:>12} {:>16} {:>12} {:>7}",
        "run",
        "ingest s",
        "vs plain",
        "iters",
        "s/iteration",
        "ns/edge/it",
        "it vs plain",
        "MB in/it/proc",
        "peak GiB p0",
        "others"
    );
    let single = run(&binary, dir.path(), &pipeline, None, "single");
    let baseline = (single.ingest, single.per_iteration);
    print_row("1 process, 2 threads (plain)", &single, rows, baseline, 0.0);
    let mut scores = Vec::new();
    for processes in [1usize, 2, 4] {
        let hosts = dir.path().join(format!("hosts{processes}"));
        let listeners: Vec<std::net::TcpListener> =
            (0..processes).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
        let lines: String =
            listeners.iter().map(|l| format!("127.0.0.1:{}\n", l.local_addr().unwrap().port())).collect();
        drop(listeners);
        std::fs::write(&hosts, lines).unwrap();
        let outcome = run(&binary, dir.path(), &pipeline, Some((&hosts, processes)), &format!("c{processes}"));
        // Each process receives every other process's share of t_{k+1}: (P−1)/P of n values of 8 bytes.
        let received = outcome.peers * 8.0 * (processes as f64 - 1.0) / processes as f64 / 1e6;
        print_row(&format!("cluster {processes} x 1 worker"), &outcome, rows, baseline, received);
        scores.push(outcome.scores);
    }
    assert!(scores.iter().all(|s| *s == single.scores), "every cluster run's scores.parquet equals the plain run's");
    println!("every cluster run's scores.parquet is byte-identical to the plain run's");
}

struct Outcome {
    /// Process 0's ingest: reading its share, the exchange, the merge (and pinning the file).
    ingest: f64,
    iterations: f64,
    per_iteration: f64,
    /// Process 0's peak resident memory, as it logs it once its scope is computed.
    peak: f64,
    /// The highest peak of the other processes, as each logs it once served.
    others_peak: Option<f64>,
    peers: f64,
    scores: Vec<u8>,
}

fn print_row(label: &str, o: &Outcome, rows: usize, baseline: (f64, f64), received_mb: f64) {
    println!(
        "{label:<28} {:>9.2} {:>9.2}x {:>6} {:>12.4} {:>10.2} {:>11.2}x {:>16.1} {:>12.2} {:>7}",
        o.ingest,
        o.ingest / baseline.0,
        o.iterations,
        o.per_iteration,
        o.per_iteration * 1e9 / rows as f64,
        o.per_iteration / baseline.1,
        received_mb,
        o.peak,
        o.others_peak.map_or("-".to_owned(), |p| format!("{p:.2}"))
    );
}

/// Runs the pipeline plainly (`cluster` None) or as a cluster of local
/// processes; the per-iteration seconds and peers process 0 logs, and its scores.
fn run(binary: &Path, dir: &Path, pipeline: &Path, cluster: Option<(&Path, usize)>, tag: &str) -> Outcome {
    let out = dir.join(format!("out-{tag}"));
    let processes = cluster.map_or(1, |(_, n)| n);
    let children: Vec<Child> = (0..processes)
        .map(|p| {
            let mut command = Command::new(binary);
            command
                .args(["run", pipeline.to_str().unwrap(), "--as-of", "2026-01-01T00:00:00Z", "-v", "--out"])
                .arg(&out)
                .env("HOME", dir);
            if let Some((hosts, _)) = cluster {
                command.args(["--threads", "1", "--cluster", hosts.to_str().unwrap(), "--process", &p.to_string()]);
            }
            command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let logs: Vec<String> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            let log = strip_ansi(&String::from_utf8_lossy(&o.stderr));
            assert!(o.status.success(), "{tag}: a process failed: {log}");
            log
        })
        .collect();
    let log = &logs[0];
    Outcome {
        ingest: seconds_after(log, "ingest done"),
        iterations: field(log, "iterations=").unwrap_or(0.0),
        per_iteration: duration_after(log, "EigenTrust done", "per_iteration="),
        peak: peak_after(log, "scope computed"),
        others_peak: (logs.len() > 1)
            .then(|| logs[1..].iter().map(|l| peak_after(l, "cluster: served")).fold(0.0, f64::max)),
        peers: field(log, "peers=").unwrap_or(0.0),
        scores: std::fs::read(out.join("p/latest/scores.parquet")).unwrap(),
    }
}
