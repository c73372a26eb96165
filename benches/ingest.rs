//! Ingest throughput on 2 cores (and 1 for comparison):
//!
//! - `vc-jsonl`: 1M generated credentials of every shape (`SCORESET_BENCH_CREDENTIALS`
//!   overrides), ingested (parse, proof check, CID, normalise, intern), combined
//!   and built into graphs; then the ingest stage alone; baseline: parsing each
//!   line with `serde_json` alone, sequentially.
//! - `edges`: the Graph500 R-MAT scale-20 edge list (16.8M rows) as CSV, read to
//!   built CSR matrices (ingest, combine, graph build); baseline: the `csv`
//!   crate reading the same file into owned rows.
//!
//! Run: `cargo bench --bench ingest` (`SCORESET_BENCH_ONLY=vc` or `=edges` for one half).

use scoreset::combine::{DecayParams, combine};
use scoreset::graph;
use scoreset::ingest::{IngestOptions, PretrustSpec, SourceFormat, SourceSpec, ingest};
use scoreset::synth::{credentials, rmat_edges};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The binary's allocator and its settings, so the figures are the binary's.
#[path = "../src/cli/allocator.rs"]
mod allocator;

fn main() {
    allocator::keep_freed_memory();
    let dir = tempfile::tempdir().unwrap();
    let only = std::env::var("SCORESET_BENCH_ONLY").unwrap_or_default();
    if only != "edges" {
        bench_credentials(dir.path());
    }
    if only != "vc" {
        bench_edges(dir.path());
    }
}

fn bench_credentials(dir: &Path) {
    let n: usize = std::env::var("SCORESET_BENCH_CREDENTIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);

    let started = Instant::now();
    let sample = credentials::sample(n, 7);
    let jsonl = dir.join("credentials.jsonl");
    write_lines(&jsonl, sample.credentials.iter().map(String::as_str));
    println!("generated {n} credentials ({:.0} MB) in {:.1?}", file_mb(&jsonl), started.elapsed());
    let baseline = time(|| {
        let text = std::fs::read_to_string(&jsonl).unwrap();
        text.lines().filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()).count()
    });
    report("vc-jsonl", "baseline: serde_json parse only, 1 thread", n, baseline, baseline);
    for threads in [1, 2] {
        let t = on_threads(threads, || {
            time(|| {
                let i = run(
                    dir,
                    SourceFormat::VcJsonl,
                    "credentials.jsonl",
                    &["Software security", "Software development"],
                );
                i.0 + i.1
            })
        });
        report("vc-jsonl", &format!("scoreset ingest + combine, {threads} thread(s)"), n, t, baseline);
    }
    // The ingest stage alone (parse, check proofs, normalise, intern, reject), 2 threads.
    let t = on_threads(2, || {
        time(|| {
            let spec = SourceSpec {
                format: SourceFormat::VcJsonl,
                path: PathBuf::from("credentials.jsonl"),
                header: false,
                value_scale: 1.0,
                scope: "default".into(),
            };
            let scopes = vec!["Software security".to_owned(), "Software development".to_owned()];
            let options = IngestOptions { scopes, require_proofs: false, ..Default::default() };
            ingest(&[spec], &PretrustSpec::default(), &options, dir, "bench.toml").unwrap().attestations.len()
        })
    });
    report("vc-jsonl", "ingest stage alone, 2 threads", n, t, baseline);
    // What checking the proofs costs: the same credentials with every proof taken off.
    let unsigned = dir.join("unsigned.jsonl");
    let stripped = sample.credentials.iter().map(|line| match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(mut doc)) if doc.get("proof").is_some_and(|p| p.get("proofValue").is_some()) => {
            doc.remove("proof");
            serde_json::Value::Object(doc).to_string()
        }
        _ => line.clone(),
    });
    write_lines(&unsigned, stripped);
    let t = on_threads(2, || {
        time(|| {
            let i = run(dir, SourceFormat::VcJsonl, "unsigned.jsonl", &["Software security", "Software development"]);
            i.0 + i.1
        })
    });
    report("vc-jsonl", "the same with the proofs taken off, 2 threads", n, t, baseline);
}

fn bench_edges(dir: &Path) {
    let started = Instant::now();
    let edges = rmat_edges(20, 16, 20_261_121);
    let csv = dir.join("rmat20.csv");
    let lines = edges.iter().map(|(i, j)| format!("{i},{j},1"));
    write_lines(&csv, lines);
    let rows = edges.len();
    println!(
        "\nwrote the R-MAT scale-20 edge list: {rows} rows ({:.0} MB) in {:.1?}",
        file_mb(&csv),
        started.elapsed()
    );
    let baseline = time(|| {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(&csv).unwrap();
        let rows: Vec<(String, String, Option<f64>)> = reader
            .records()
            .filter_map(Result::ok)
            .map(|r| (r[0].to_owned(), r[1].to_owned(), r[2].parse::<f64>().ok()))
            .collect();
        rows.len()
    });
    report("edges", "baseline: csv crate to owned rows, 1 thread", rows, baseline, baseline);
    for threads in [1, 2] {
        let t = on_threads(threads, || time(|| run(dir, SourceFormat::Edges, "rmat20.csv", &["default"]).0));
        report("edges", &format!("scoreset CSV -> CSR, {threads} thread(s)"), rows, t, baseline);
    }
}

/// Ingests one source, combines, and builds every scope's CSR; returns (edges in graphs, rejects).
/// `SCORESET_BENCH_PHASES=1` prints the time of each phase.
fn run(dir: &Path, format: SourceFormat, name: &str, scopes: &[&str]) -> (usize, usize) {
    let phases = std::env::var_os("SCORESET_BENCH_PHASES").is_some();
    let started = Instant::now();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let spec =
        SourceSpec { format, path: PathBuf::from(name), header: false, value_scale: 1.0, scope: "default".into() };
    let options = IngestOptions { scopes: scopes.clone(), require_proofs: false, ..Default::default() };
    let mut ingested = ingest(&[spec], &PretrustSpec::default(), &options, dir, "bench.toml").unwrap();
    let ingest_time = started.elapsed();
    let as_of = scoreset::as_of::parse_time_ms(credentials::SAMPLE_AS_OF).unwrap();
    let combined = combine(&mut ingested, &scopes, &DecayParams::default(), as_of);
    let combine_time = started.elapsed() - ingest_time;
    let mut nnz = 0;
    for (_, edges) in combined.scopes {
        let g = graph::build_scope(&ingested.peers, edges, &ingested.pretrust);
        nnz += g.trust.nnz() + g.distrust.nnz();
    }
    if phases {
        let build = started.elapsed() - ingest_time - combine_time;
        eprintln!("    phases: ingest {ingest_time:.2?}, combine {combine_time:.2?}, graph build {build:.2?}");
    }
    (nnz, ingested.rejects.len())
}

fn write_lines<'a>(path: &Path, lines: impl Iterator<Item = impl AsRef<str> + 'a>) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for line in lines {
        out.write_all(line.as_ref().as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}

fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path).unwrap().len() as f64 / 1e6
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// Best of three runs.
fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn report(what: &str, how: &str, records: usize, t: Duration, baseline: Duration) {
    println!(
        "{what:<9} {how:<46} {:>8.2?}  {:>6.2} M records/s  {:>5.2}x baseline",
        t,
        records as f64 / t.as_secs_f64() / 1e6,
        baseline.as_secs_f64() / t.as_secs_f64()
    );
}
