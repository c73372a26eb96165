//! One machine at scale: seeded Graph500 R-MAT graphs (edge factor 16,
//! every tenth edge a distrust) run end to end through the real binary, once
//! per output format set, printing for each: wall seconds, peak RSS, the
//! seconds of each stage the run logs (ingest, graph build, the scope's
//! computation — EigenTrust with its iterations plus the distrust
//! adjustment — and emit: render, hash, CAR and write), ingest rows/s, ns
//! per edge per iteration (of the scope's time, so the distrust adjustment
//! and the first iteration's setting up are in it; `steady it` is the
//! iterations' own rate, from the first one's end to the last's, per edge
//! row), emit seconds per million peers, the peak memory after each stage, and the bytes of every file
//! over 1 MB. The baseline is the default formats (`csv`, `jsonl`) in the
//! same run; the other rows print their ratio to it. Each scale starts
//! with an unprinted warm-up run of the default formats.
//!
//! Run: `cargo bench --bench scale` (scale 20; `SCORESET_BENCH_SCALES=20,23`
//! for more — scale 23, 134M edge rows, needs about 5 GiB of memory and
//! 2.4 GB of disk for its edge list, plus about 4 GB per epoch).
//!
//! The epochs are written beside the edge list, in a temporary folder, or
//! in `SCORESET_BENCH_OUT` (a folder on a memory file system such as
//! `/dev/shm` shows the emit's own cost, without the disk's). Before the
//! runs the bench writes and syncs 512 MiB there as seal writes an epoch's
//! files (around the page cache where the system allows) and prints the rate, and
//! for each run the time its epoch's bytes (the CAR doubles them) take at
//! that rate: about what the emit cannot go below on that disk (the rate
//! itself swings between runs, by a third on the development machine).

mod common;

use common::{
    duration_after, field, peak_after, release_binary, seconds_after, strip_ansi, wait_with_peak_rss, write_rmat,
};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let scales: Vec<u32> = std::env::var("SCORESET_BENCH_SCALES")
        .unwrap_or_else(|_| "20".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let binary = release_binary();
    let out_parent = std::env::var_os("SCORESET_BENCH_OUT").map(std::path::PathBuf::from);
    let rate = out_parent.as_deref().map_or_else(|| sync_rate(&std::env::temp_dir()), sync_rate);
    println!("output folder: writes and syncs at {:.0} MB/s", rate / 1e6);
    for scale in scales {
        let dir = tempfile::tempdir().unwrap();
        let rows = write_rmat(dir.path(), scale);
        let out_dir = out_parent.as_deref().map(|p| tempfile::tempdir_in(p).unwrap());
        println!(
            "{:<22} {:>7} {:>8} {:>8} {:>10} {:>7} {:>6} {:>9} {:>10} {:>9} {:>6} {:>10}",
            "formats",
            "wall s",
            "peak GiB",
            "ingest s",
            "rows/s",
            "graph s",
            "iters",
            "scope s",
            "ns/edge/it",
            "steady it",
            "emit s",
            "s/M peers"
        );
        let mut baseline = None;
        // The first run at each scale is a warm-up, not printed: on the
        // development machine (a VM) the first run after a pause paid
        // about a second at scale 20 for fresh memory the host had to back
        // again, which made its row incomparable with the others.
        let runs = [r#"["csv", "jsonl"]"#, r#"["csv", "jsonl"]"#, r#"["parquet"]"#, r#"["csv", "jsonl", "parquet"]"#];
        for (run, formats) in runs.into_iter().enumerate() {
            let pipeline = dir.path().join("p.toml");
            let text = format!(
                "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\npath = \"pretrust.csv\"\n[output]\nformats = {formats}\n"
            );
            std::fs::write(&pipeline, text).unwrap();
            let out = out_dir.as_ref().map_or_else(|| dir.path().join("out"), |d| d.path().join("out"));
            let _ = std::fs::remove_dir_all(&out);
            let started = Instant::now();
            let mut child = Command::new(&binary)
                .args(["run", pipeline.to_str().unwrap(), "--as-of", "2026-01-01T00:00:00Z", "-v", "--out"])
                .arg(&out)
                .env("HOME", dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stderr = child.stderr.take().unwrap();
            let reader = std::thread::spawn(move || {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
                text
            });
            let (status, peak_kb) = wait_with_peak_rss(child.id());
            // Reaped by wait4 above; this only lets go of the handle.
            let _ = child.try_wait();
            let wall = started.elapsed().as_secs_f64();
            let log = strip_ansi(&reader.join().unwrap());
            assert!(status == 0, "the run failed: {log}");
            if run == 0 {
                continue;
            }
            let peak_gib = peak_kb as f64 / 1048576.0;
            let ingest = seconds_after(&log, "ingest done");
            let graph = seconds_after(&log, "graph built");
            let scope = seconds_after(&log, "scope computed");
            let emit = seconds_after(&log, "rendered") + seconds_after(&log, "sealed");
            let iterations: f64 = field(&log, "iterations=").unwrap_or(0.0);
            let peers: f64 = field(&log, "peers=").unwrap_or(0.0);
            let sealed_bytes: f64 = field(&log, "sealed bytes=").unwrap_or(0.0);
            let edges: f64 = rows as f64;
            let ns_per_edge = scope * 1e9 / (edges * iterations.max(1.0));
            let steady = duration_after(&log, "EigenTrust done", "per_iteration=") * 1e9 / edges;
            let epoch = out.join("p/latest");
            let mut files: Vec<(String, u64)> = std::fs::read_dir(&epoch)
                .unwrap()
                .flatten()
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().len()))
                .filter(|(_, len)| *len > 1 << 20)
                .collect();
            files.sort();
            let files: Vec<String> = files.iter().map(|(n, len)| format!("{n} {:.1}", *len as f64 / 1e6)).collect();
            let ratio =
                baseline.map(|b: f64| format!(" ({:.2}x the default's wall time)", wall / b)).unwrap_or_default();
            baseline.get_or_insert(wall);
            println!(
                "{formats:<22} {wall:>7.1} {peak_gib:>8.2} {ingest:>8.1} {:>10.0} {graph:>7.1} {iterations:>6} {scope:>9.1} {ns_per_edge:>10.2} {steady:>9.2} {emit:>6.1} {:>10.2}{ratio}",
                edges / ingest.max(1e-9),
                emit / (peers / 1e6).max(1e-9),
            );
            let stages = ["ingest done", "graph built", "scope computed", "sealed"];
            let peaks: Vec<String> = stages.iter().map(|s| format!("{s} {:.2}", peak_after(&log, s))).collect();
            println!("{:<22} peak GiB after: {}; files (MB): {}", "", peaks.join(", "), files.join(", "));
            println!(
                "{:<22} emit wrote {:.0} MB: {:.1} s at the rate measured before the runs ({:.2} s per million peers)",
                "",
                sealed_bytes / 1e6,
                sealed_bytes / rate,
                sealed_bytes / rate / (peers / 1e6).max(1e-9),
            );
        }
    }
}

/// Bytes per second at which `dir` takes 512 MiB written and synced, the
/// way seal writes an epoch's files (around the page cache where allowed).
fn sync_rate(dir: &std::path::Path) -> f64 {
    use std::io::Write;
    let path = dir.join(format!("scoreset-bench-sync-{}", std::process::id()));
    let block = vec![7u8; 8 << 20];
    let started = Instant::now();
    let mut file = scoreset::scoreset::direct::OutputFile::create(&path).unwrap();
    for _ in 0..64 {
        file.write_all(&block).unwrap();
    }
    file.finish().unwrap().sync_all().unwrap();
    let rate = (64 * block.len()) as f64 / started.elapsed().as_secs_f64();
    std::fs::remove_file(&path).unwrap();
    rate
}
