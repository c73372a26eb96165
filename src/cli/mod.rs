//! The command line: parses arguments, sets up logging and threads, runs a
//! command and maps errors to exit codes (1 = computation failed, 2 = unusable
//! input or configuration).

pub mod allocator;
mod progress;

use clap::{Parser, Subcommand};
use scoreset::as_of::AsOf;
use scoreset::as_of::parse_time_ms;
use scoreset::cluster::ClusterSection;
use scoreset::crypto::{did_key, keyfile};
use scoreset::error::Error;
use scoreset::explain::ExplainOptions;
use scoreset::fetch::CarSource;
use scoreset::history;
use scoreset::models::publishers::audit::AuditFilter;
use scoreset::runner::{self, RunOptions, RunSummary, Signer};
use scoreset::verify::{VerifyOptions, audit, verify_epoch};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use tracing_subscriber::filter::{Directive, filter_fn};
use tracing_subscriber::prelude::*;

#[derive(Debug, Parser)]
#[command(
    name = "scoreset",
    version,
    about = "Batch trust computer: EigenTrust with distrust, deterministic signed epochs"
)]
struct Cli {
    /// More log output on stderr (-v: stage counts and timings, -vv: debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one epoch of a pipeline and print a summary.
    Run {
        /// The pipeline file (TOML).
        pipeline: PathBuf,
        /// Cut-off instant, RFC 3339 in whole seconds (default: now).
        #[arg(long, value_name = "RFC3339")]
        as_of: Option<String>,
        /// Output root, replacing the pipeline's [output] dir.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results are identical for any count.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// If another run of this pipeline is under way, wait for it instead of failing (exit 2).
        #[arg(long)]
        wait: bool,
        /// Write the epoch unsigned (without this, the pipeline's [signing] key or the operator's default key signs).
        #[arg(long)]
        unsigned: bool,
        /// Run the power iteration on a cluster of processes: a host file of
        /// `host:port` lines, process 0 first (README "Running on a cluster";
        /// or `[cluster] hosts`). Every process runs the same command with its own --process.
        #[arg(long, value_name = "HOSTFILE")]
        cluster: Option<PathBuf>,
        /// This process's number in the host file (0 writes the epoch).
        #[arg(long, value_name = "P")]
        process: Option<usize>,
        /// Timely worker threads in this process (default 1; every process must use the same count).
        #[arg(long, value_name = "W", value_parser = clap::value_parser!(u16).range(1..))]
        workers: Option<u16>,
        /// Seconds to wait for the other processes: to connect, and in each iteration (default 300).
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
        cluster_timeout: Option<u64>,
    },
    /// Write a generated sample to a folder (the same seed gives the same bytes).
    SampleData {
        /// Output folder (created if needed; the two files are replaced).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// `credentials`: every credential shape with planted rejects; `snaps`: the Snaps
        /// community with a sybil ring (data/snaps); `publishers`: a publisher history
        /// (data/publishers); `idp-reports`: IdP reports of compromised credentials (data/credentials);
        /// `patches`: patches, issues, vouches and an application history, imported into history.db (data/patches);
        /// `rmat`: a signed Graph500 R-MAT edge list of 2^size peers (16 edges a peer) with a pre-trust file.
        #[arg(long, default_value = "credentials", value_parser = ["credentials", "snaps", "publishers", "idp-reports", "patches", "rmat"])]
        scenario: String,
        /// Size: credentials (`credentials`), publishers (`publishers`), the pool of credential hashes reports are about (`idp-reports`)
        /// or the scale (`rmat`: 2^size peers) (default: 3000 credentials, 64 publishers, a pool of 2000 credential hashes, scale 16).
        #[arg(long, visible_alias = "size")]
        credentials: Option<usize>,
        /// Random seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Verify a publisher epoch's audit chain and print its entries (JSON lines), filtered.
    Audit {
        /// The epoch folder (or `<out>/<name>/latest`).
        epoch: PathBuf,
        /// Only this publisher's entries.
        #[arg(long)]
        publisher: Option<String>,
        /// Only entries at or after this instant (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        from: Option<String>,
        /// Only entries at or before this instant (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        to: Option<String>,
    },
    /// Write to the patch-history database (SQLite; created and migrated as needed).
    History {
        #[command(subcommand)]
        action: HistoryAction,
    },
    /// Make a new Ed25519 signing key (mode 0600) and print its did:key.
    Keygen {
        /// Where to write the key; refuses to overwrite.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Fetch an epoch by its root CID from an IPFS gateway or node (a CAR,
    /// every block checked) into a new folder, then verify it as `verify` does.
    Fetch {
        /// The epoch's root CID (its directory; `latest.cid`, or the root of its `scoreset.car`).
        cid: String,
        /// A trustless gateway, e.g. https://ipfs.io or http://127.0.0.1:8080.
        #[arg(long, required_unless_present = "ipfs_api", conflicts_with = "ipfs_api")]
        gateway: Option<String>,
        /// Or a node's Kubo RPC endpoint (its /api/v0/dag/export), e.g. http://127.0.0.1:5001.
        #[arg(long, value_name = "URL")]
        ipfs_api: Option<String>,
        /// The folder to write the epoch into (as <out>/<epoch>, which must not exist).
        #[arg(long)]
        out: PathBuf,
        /// The did:key the epoch must be signed by.
        #[arg(long, value_name = "DID")]
        expect_issuer: Option<String>,
    },
    /// Publish a written epoch to IPFS (import and pin its CAR), e.g. after a
    /// run whose publication failed; exit 1 naming the endpoint if it fails again.
    Publish {
        /// The epoch folder.
        epoch: PathBuf,
        /// The node's Kubo RPC endpoint (default: the epoch's pipeline's [publish] ipfs_api).
        #[arg(long, value_name = "URL")]
        ipfs_api: Option<String>,
    },
    /// Check an epoch: proof, hashes, CIDs, CAR, chain link; exit 0 valid, 1 invalid, 2 cannot check.
    Verify {
        /// The epoch folder (or `<out>/<name>/latest`, or its manifest.json).
        epoch: PathBuf,
        /// Also re-run the pipeline from the recorded inputs and compare the score files byte for byte.
        #[arg(long)]
        recompute: bool,
        /// Require this signer (did:key); also accepts a key rotation from the previous epoch.
        #[arg(long, value_name = "DID")]
        expect_issuer: Option<String>,
        /// Worker threads for --recompute.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        #[command(flatten)]
        inputs: RecordedInputs,
    },
    /// Explain a score: a peer's T+ by truster and its distrust deductions, an
    /// artifact's badge by opinion, or a publisher's, patch's or credential's rows.
    Explain {
        /// The epoch folder (or `<out>/<name>/latest`).
        epoch: PathBuf,
        /// The peer, artifact (`did:snap:…[?version=V]`), publisher, patch or credential hash.
        id: String,
        /// The scope (default: the pipeline's first).
        #[arg(long)]
        scope: Option<String>,
        /// Contributions to list before grouping the rest.
        #[arg(long, value_name = "N", default_value_t = 10)]
        top: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        inputs: RecordedInputs,
    },
    /// Write a self-contained HTML report of an epoch that checks the epoch's
    /// files in the browser (beside the epoch folder by default).
    Report {
        /// The epoch folder (or `<out>/<name>/latest`).
        epoch: PathBuf,
        /// Where to write it (default: `<epoch>.report.html` beside the epoch folder).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// What changed between two epochs: the scores that moved most, badge and
    /// tier changes, ids that appeared or left, changed parameters and inputs.
    Diff {
        /// The older epoch.
        old: PathBuf,
        /// The newer epoch.
        new: PathBuf,
        /// Moves (and ids of each list) to show per file.
        #[arg(long, value_name = "N", default_value_t = 10)]
        top: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Where a re-run on an epoch's recorded inputs finds them.
#[derive(Debug, clap::Args)]
struct RecordedInputs {
    /// Folder the pipeline's relative input paths resolve against (default: the one recorded).
    #[arg(long, value_name = "DIR")]
    base: Option<PathBuf>,
    /// Let a re-run read inputs the epoch's pipeline names outside the base folder
    /// (absolute or `..` paths); only for an epoch whose pipeline you trust.
    #[arg(long)]
    allow_outside_base: bool,
    /// Where a re-run finds network inputs by their SHA-256 (default: the
    /// pipeline's [inputs] cache, else <output root>.inputs beside the epoch's output root).
    #[arg(long, value_name = "DIR")]
    input_cache: Option<PathBuf>,
}

impl RecordedInputs {
    fn options(self, recompute: bool, expect_issuer: Option<String>) -> VerifyOptions {
        let RecordedInputs { base, allow_outside_base, input_cache } = self;
        VerifyOptions { recompute, base_dir: base, expect_issuer, allow_outside_base, input_cache }
    }
}

#[derive(Debug, Subcommand)]
enum HistoryAction {
    /// Record one application (a no-op if the same event is already recorded).
    Add {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Unique id of the event.
        #[arg(long)]
        event_id: String,
        /// The patch applied.
        #[arg(long)]
        patch: String,
        /// Where it was applied.
        #[arg(long)]
        target: String,
        /// When (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        at: String,
        /// `success` or `failure`.
        #[arg(long, value_parser = ["success", "failure"])]
        outcome: String,
        /// Hash of the provenance chain applied (64 hex digits).
        #[arg(long, value_name = "HEX")]
        provenance_hash: Option<String>,
    },
    /// Record every event of a JSON-lines or CSV file in one transaction (all or nothing).
    Import {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Events: `.jsonl` objects or `.csv` with a header (event_id, patch, target, applied_at, outcome, provenance_hash).
        file: PathBuf,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let code = e.downcast_ref::<Error>().map_or(2, Error::exit_code);
            ExitCode::from(code)
        }
    }
}

fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run { pipeline, as_of, out, threads, wait, unsigned, cluster, process, workers, cluster_timeout } => {
            let as_of = as_of.as_deref().map(AsOf::parse).transpose()?;
            let cluster = ClusterSection {
                hosts: cluster,
                process,
                workers: workers.map(usize::from),
                timeout_seconds: cluster_timeout,
            };
            let options = RunOptions { as_of, out_dir: out, wait, unsigned, cluster };
            let pool = thread_pool(threads)?;
            let summary = pool.install(|| runner::run(&pipeline, &options))?;
            print!("{}", render_summary(&summary, pool.current_num_threads()));
            Ok(())
        }
        Command::SampleData { out, scenario, credentials, seed } => {
            use scoreset::synth::{credentials as creds, reputation, snaps};
            let lines = |rows: &[String]| rows.iter().map(|l| format!("{l}\n")).collect::<String>();
            let (files, expected_rejects) = match scenario.as_str() {
                "snaps" => {
                    let s = snaps::snaps_sample(&snaps::SnapsScenario { seed, ..Default::default() });
                    let files =
                        vec![("credentials.jsonl", lines(&s.credentials)), ("pretrust.txt", lines(&s.pretrust))];
                    (files, Default::default())
                }
                "publishers" => {
                    let s = reputation::publishers(credentials.unwrap_or(64), seed);
                    (s.files, s.expected_rejects)
                }
                "rmat" => {
                    let scale = credentials.unwrap_or(16);
                    if !(1..=26).contains(&scale) {
                        return Err(Error::Usage(format!("--size {scale}: an R-MAT scale is 1 to 26")).into());
                    }
                    (scoreset::synth::rmat::rmat_sample(scale as u32, seed), Default::default())
                }
                "patches" => {
                    let s = scoreset::synth::patches::patches_sample(seed);
                    (s.files, s.expected_rejects)
                }
                "idp-reports" => {
                    let s = reputation::credentials(credentials.unwrap_or(2000), seed);
                    (s.files, s.expected_rejects)
                }
                _ => {
                    let s = creds::sample(credentials.unwrap_or(3000), seed);
                    let files =
                        vec![("credentials.jsonl", lines(&s.credentials)), ("pretrust.txt", lines(&s.pretrust))];
                    (files, s.expected_rejects)
                }
            };
            std::fs::create_dir_all(&out).map_err(|source| Error::Write { path: out.clone(), source })?;
            for (name, text) in &files {
                let path = out.join(name);
                std::fs::write(&path, text).map_err(|source| Error::Write { path, source })?;
            }
            if scenario == "patches" {
                let db = out.join("history.db");
                for stale in ["history.db", "history.db-wal", "history.db-shm"] {
                    let _ = std::fs::remove_file(out.join(stale));
                }
                history::record(&db, &history::read_import(&out.join("history.jsonl"))?)?;
            }
            let expected: Vec<String> = expected_rejects.iter().map(|(r, n)| format!("{r} {n}")).collect();
            let names: Vec<&str> = files.iter().map(|f| f.0).collect();
            println!(
                "wrote {} to {}; made to be rejected: {}",
                names.join(", "),
                out.display(),
                if expected.is_empty() { "none".to_owned() } else { expected.join(", ") }
            );
            Ok(())
        }
        Command::Audit { epoch, publisher, from, to } => {
            let instant = |text: Option<String>| -> anyhow::Result<Option<i64>> {
                text.map(|t| parse_time_ms(&t).ok_or_else(|| Error::Usage(format!("{t:?} is not an RFC 3339 instant"))))
                    .transpose()
                    .map_err(Into::into)
            };
            let filter = AuditFilter { publisher, from_ms: instant(from)?, to_ms: instant(to)? };
            let report = audit(&epoch, &filter)?;
            for entry in &report.entries {
                println!("{}", serde_json::Value::Object(entry.clone()));
            }
            let query = serde_json::json!({
                "event_code": "REPUTATION_AUDIT_QUERIED",
                "payload": {"publisher": filter.publisher, "from_ms": filter.from_ms, "to_ms": filter.to_ms,
                            "matched": report.entries.len(), "entries": report.total, "head": report.head},
            });
            eprintln!("chain valid: {} entries, head {}; {} match", report.total, report.head, report.entries.len());
            eprintln!("{query}");
            Ok(())
        }
        Command::History { action } => {
            let (db, events) = match action {
                HistoryAction::Add { db, event_id, patch, target, at, outcome, provenance_hash } => {
                    let outcome = if outcome == "success" {
                        history::ApplicationOutcome::Success
                    } else {
                        history::ApplicationOutcome::Failure
                    };
                    let event =
                        history::Application { event_id, patch, target, applied_at: at, outcome, provenance_hash };
                    (db, vec![("the event".to_owned(), event)])
                }
                HistoryAction::Import { db, file } => {
                    let events = history::read_import(&file)?;
                    (db, events)
                }
            };
            let count = history::record(&db, &events)?;
            println!(
                "{}: {} added, {} already recorded (schema version {})",
                db.display(),
                count.added,
                count.unchanged,
                history::SCHEMA_VERSION
            );
            Ok(())
        }
        Command::Keygen { out } => {
            let key = keyfile::generate(&out)?;
            println!("{}", did_key::did_key(&key.verifying_key()));
            eprintln!("wrote {} (mode 0600); name it in a pipeline as [signing] key = \"...\"", out.display());
            Ok(())
        }
        Command::Publish { epoch, ipfs_api } => {
            let report = verify_epoch(&epoch, &VerifyOptions::default())?;
            let api = match ipfs_api {
                Some(api) => api,
                None => {
                    let manifest = scoreset::fsio::read_limited(&report.epoch.join("manifest.json"), 256 << 20)?;
                    let manifest: serde_json::Value = serde_json::from_slice(&manifest)?;
                    let text =
                        manifest["credentialSubject"]["pipeline"]["toml"].as_str().unwrap_or_default().to_owned();
                    let loaded = scoreset::config::LoadedPipeline::from_text(text, &epoch, PathBuf::from("."))?;
                    loaded.pipeline.publish.ipfs_api.ok_or_else(|| {
                        Error::Usage("the epoch's pipeline names no [publish] ipfs_api; pass --ipfs-api".into())
                    })?
                }
            };
            let p = scoreset::publish::ipfs::publish(&report.epoch, &api, std::time::Duration::from_secs(60))?;
            println!("{} imported and pinned on {}", p.root, p.ipfs_api);
            Ok(())
        }
        Command::Fetch { cid, gateway, ipfs_api, out, expect_issuer } => {
            let root: cid::Cid = cid.parse().map_err(|e| Error::Usage(format!("{cid:?} is not a CID: {e}")))?;
            let limits = scoreset::fsio::Limits::default();
            let via = match (gateway, ipfs_api) {
                (Some(gateway), _) => CarSource::Gateway(gateway),
                (None, Some(api)) => CarSource::Api(api),
                (None, None) => return Err(Error::Usage("fetch needs --gateway or --ipfs-api".into()).into()),
            };
            let epoch = scoreset::verify::fetch_epoch(&root, &via, &out, limits.max_input_bytes, &Default::default())?;
            eprintln!("fetched {root} into {}", epoch.display());
            let options = VerifyOptions { expect_issuer, ..VerifyOptions::default() };
            print_report(&verify_epoch(&epoch, &options)?);
            Ok(())
        }
        Command::Verify { epoch, recompute, expect_issuer, threads, inputs } => {
            let options = inputs.options(recompute, expect_issuer);
            print_report(&thread_pool(threads)?.install(|| verify_epoch(&epoch, &options))?);
            Ok(())
        }
        Command::Report { epoch, out } => {
            let written = scoreset::report::report(&epoch, out.as_deref())?;
            println!("{}", written.display());
            Ok(())
        }
        Command::Diff { old, new, top, json } => {
            let diff = scoreset::diff::diff(&old, &new, top)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&diff)?);
            } else {
                print!("{}", diff.to_text(top));
            }
            Ok(())
        }
        Command::Explain { epoch, id, scope, top, json, inputs } => {
            let options = ExplainOptions { scope, top: Some(top), verify: inputs.options(false, None) };
            let explained = scoreset::explain::explain(&epoch, &id, &options)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&explained)?);
            } else {
                print!("{}", explained.to_text());
            }
            Ok(())
        }
    }
}

/// What `verify` and `fetch` print for a valid epoch.
fn print_report(report: &scoreset::verify::Report) {
    println!("epoch  {}", report.epoch.display());
    for check in &report.checks {
        println!("ok     {check}");
    }
    println!("VALID  signed by {}", report.signer);
}

/// A rayon pool of `threads` workers (all cores when `None`).
fn thread_pool(threads: Option<u16>) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.map_or(0, usize::from))
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start worker threads: {e}"))
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
        .add_directive(Directive::from_str("scoreset::progress=off").expect("a valid directive"));
    // Colours only on a terminal (and not under NO_COLOR): a log piped to a
    // file or read by a script must not carry escape codes.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    // Progress events go to the spinner whatever the log level; the log never shows them.
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_ansi(ansi).with_writer(std::io::stderr).with_filter(filter))
        .with(progress::Spinner::default().with_filter(filter_fn(|m| m.target() == scoreset::progress::TARGET)))
        .try_init();
}

/// The one-screen summary printed after a run.
fn render_summary(s: &RunSummary, threads: usize) -> String {
    let mut lines = vec![format!("pipeline    {}   as_of {}   threads {threads}", s.name, s.as_of.rfc3339())];
    let c = &s.computed;
    for (k, input) in c.inputs.iter().enumerate() {
        let label = if k == 0 { "inputs" } else { "" };
        lines.push(format!("{label:<11} {}: {} records, {} rejected", input.source, input.records, input.rejected));
    }
    if !c.rejects_by_reason.is_empty() {
        let reasons: Vec<String> = c.rejects_by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect();
        lines.push(format!("{:<11} {} (see rejected.jsonl)", "rejects", reasons.join(", ")));
    }
    lines.extend(c.report.summary_lines());
    if let Some(spec) = &s.cluster {
        lines.push(format!(
            "{:<11} process {} of {}, {} worker(s) each: EigenTrust ran on the cluster",
            "cluster",
            spec.process,
            spec.hosts.len(),
            spec.workers
        ));
    }
    let h = &s.housekeeping;
    if !h.removed.is_empty() {
        lines.push(format!(
            "{:<11} removed {} leftovers of killed runs: {}",
            "tidied",
            h.removed.len(),
            h.removed.join(", ")
        ));
    }
    if let Some(epoch) = &h.recovered {
        lines.push(format!(
            "{:<11} latest -> {epoch}: a killed run had written it but not moved latest; it verified",
            "recovered"
        ));
    }
    if let Some((epoch, reason)) = &h.unrecovered {
        lines.push(format!(
            "{:<11} {epoch} was written by a killed run but does not verify ({reason}); latest left alone",
            "WARNING"
        ));
    }
    let Some(published) = &s.published else {
        lines.push(format!("{:<11} none from this process: cluster process 0 writes the epoch", "output"));
        return lines.join("\n") + "\n";
    };
    let latest =
        if published.latest_moved { "latest -> this epoch" } else { "latest unchanged: it names a newer epoch" };
    lines.push(format!("{:<11} {} ({latest})", "output", published.dir.display()));
    if let Some(p) = &s.ipfs {
        lines.push(format!("{:<11} {} imported and pinned on {}", "ipfs", p.root, p.ipfs_api));
    }
    lines.push(match &s.signer {
        Signer::Key { did } => format!("{:<11} signed by {did}", "manifest"),
        Signer::Default { did, path, created } => format!(
            "{:<11} signed by {did} (the operator's default key {}{})",
            "manifest",
            path.display(),
            if *created { ", made now: back it up" } else { "" }
        ),
        Signer::Unsigned => format!("{:<11} UNSIGNED, as asked: `verify` will reject this epoch", "manifest"),
    });
    if let Some(previous) = &s.previous {
        lines.push(format!("{:<11} links to the previous epoch {previous}", "chain"));
    }
    let epoch = published.dir.display();
    lines.push(format!("{:<11} the scores are in {epoch}/ (CSV and CAIP-261 JSON lines)", "next"));
    lines.push(format!("{:<11} scoreset verify {epoch} --recompute   # check it, and re-run it from its inputs", ""));
    lines.push(format!("{:<11} scoreset explain {epoch} ID           # why a peer or artifact scores as it does", ""));
    lines.push(format!(
        "{:<11} scoreset report {epoch}               # an HTML page that checks the epoch in a browser",
        ""
    ));
    lines.join("\n") + "\n"
}
