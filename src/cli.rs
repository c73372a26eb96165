//! The command line: parses arguments, sets up logging and threads, runs a
//! command and maps errors to exit codes (1 = computation failed, 2 = unusable
//! input or configuration).

use crate::as_of::AsOf;
use crate::error::Error;
use crate::runner::{self, RunOptions, RunSummary};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

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
        Command::Run {
            pipeline,
            as_of,
            out,
            threads,
        } => {
            let options = RunOptions {
                as_of: as_of.as_deref().map(AsOf::parse).transpose()?,
                out_dir: out,
            };
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads.map_or(0, usize::from))
                .build()
                .map_err(|e| anyhow::anyhow!("cannot start worker threads: {e}"))?;
            let threads = pool.current_num_threads();
            let summary = pool.install(|| runner::run(&pipeline, &options))?;
            print!("{}", render_summary(&summary, threads));
            Ok(())
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The one-screen summary printed after a run.
fn render_summary(s: &RunSummary, threads: usize) -> String {
    let mut lines = vec![format!(
        "pipeline    {}   as_of {}   threads {threads}",
        s.name,
        s.as_of.rfc3339()
    )];
    for (k, input) in s.inputs.iter().enumerate() {
        let label = if k == 0 { "inputs" } else { "" };
        lines.push(format!(
            "{label:<11} {}: {} records, {} rejected",
            input.source, input.records, input.rejected
        ));
    }
    if !s.rejects_by_reason.is_empty() {
        let reasons: Vec<String> = s.rejects_by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect();
        lines.push(format!("{:<11} {} (see rejected.jsonl)", "rejects", reasons.join(", ")));
    }
    let (g, c) = (&s.graph, &s.convergence);
    lines.push(format!("{:<11} {}", "peers", s.peers));
    lines.push(format!(
        "{:<11} {} accepted -> {} trust, {} distrust, {} netted to zero",
        "edges", g.input_edges, g.trust_edges, g.distrust_edges, g.neutral_pairs
    ));
    lines.push(format!(
        "{:<11} converged in {} iterations, residual {:.3e} <= epsilon {:.3e}; distrust {}",
        "eigentrust",
        c.iterations,
        c.residual,
        c.epsilon,
        s.distrust.id()
    ));
    let latest = if s.published.latest_moved {
        "latest -> this epoch"
    } else {
        "latest unchanged: it names a newer epoch"
    };
    lines.push(format!("{:<11} {} ({latest})", "output", s.published.dir.display()));
    lines.join("\n") + "\n"
}
