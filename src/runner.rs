//! The pipeline runner: one call = one epoch, through the stages in order
//! (ingest → graph → compute → emit → publish).

use crate::as_of::AsOf;
use crate::compute::{Convergence, DistrustMode, discount_one_shot, eigentrust};
use crate::config::LoadedPipeline;
use crate::error::{Error, Result};
use crate::graph::{self, GraphStats};
use crate::ingest::{self, InputStats};
use crate::publish::{self, Published};
use crate::scoreset::{self, ScopeScores};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Scope name of edge-list sources, which carry no scope of their own.
pub const DEFAULT_SCOPE: &str = "default";

/// Command-line overrides of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Cut-off instant; `None` = now.
    pub as_of: Option<AsOf>,
    /// Output root replacing the pipeline's `[output] dir`.
    pub out_dir: Option<PathBuf>,
}

/// What a run did, for the one-screen summary.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Pipeline name.
    pub name: String,
    /// The cut-off instant.
    pub as_of: AsOf,
    /// Per-input record counts.
    pub inputs: Vec<InputStats>,
    /// Rejected records per reason code.
    pub rejects_by_reason: BTreeMap<&'static str, usize>,
    /// Peers in the graph.
    pub peers: usize,
    /// Edge counts after merging.
    pub graph: GraphStats,
    /// How EigenTrust converged.
    pub convergence: Convergence,
    /// The distrust adjustment applied.
    pub distrust: DistrustMode,
    /// Where the epoch went.
    pub published: Published,
}

/// Runs the pipeline in `file` once, on the current rayon thread pool.
pub fn run(file: &Path, options: &RunOptions) -> Result<RunSummary> {
    let loaded = LoadedPipeline::load(file)?;
    let pipeline = &loaded.pipeline;
    let as_of = options.as_of.unwrap_or_else(AsOf::now);
    let pipeline_dir = loaded.out_dir(options.out_dir.as_deref()).join(pipeline.name.as_str());
    publish::epoch_dir(&pipeline_dir, &as_of.basic())?;

    let started = Instant::now();
    let ingested = ingest::ingest(&pipeline.sources, &pipeline.pretrust, &loaded.base_dir, &loaded.label())?;
    tracing::info!(edges = ingested.edges.len(), rejects = ingested.rejects.len(), elapsed = ?started.elapsed(), "ingest done");
    if pipeline.strict
        && let Some(first) = ingested.rejects.first()
    {
        return Err(Error::Strict {
            count: ingested.rejects.len(),
            first: first.to_string(),
        });
    }
    if ingested.peers.is_empty() {
        return Err(Error::Config {
            path: loaded.file.clone(),
            message: "no peers: the sources hold no accepted edge (see the rejects above)".into(),
        });
    }
    let mut rejects_by_reason = BTreeMap::new();
    for r in &ingested.rejects {
        *rejects_by_reason.entry(r.reason.code()).or_insert(0) += 1;
    }

    let started = Instant::now();
    let graph = graph::build(ingested.peers, ingested.edges, &ingested.pretrust);
    tracing::info!(peers = graph.peers.len(), trust_edges = graph.stats.trust_edges, elapsed = ?started.elapsed(), "graph built");

    let started = Instant::now();
    let progress = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} EigenTrust {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let (trust_positive, convergence) = eigentrust(
        &graph.trust,
        &graph.dangling,
        &graph.pretrust,
        &pipeline.eigentrust,
        |k, residual| {
            progress.set_message(format!("iteration {k}, residual {residual:.3e}"));
            progress.tick();
        },
    )?;
    progress.finish_and_clear();
    let trust = match pipeline.distrust.mode {
        DistrustMode::None => trust_positive.clone(),
        DistrustMode::OneShot => discount_one_shot(&graph.distrust, &trust_positive),
    };
    tracing::info!(iterations = convergence.iterations, residual = convergence.residual, elapsed = ?started.elapsed(), "trust computed");

    let peers = graph.peers.len();
    let scopes = [ScopeScores {
        scope: DEFAULT_SCOPE.into(),
        peers: graph.peers,
        trust_positive,
        trust,
    }];
    let files = scoreset::render(&scopes, &ingested.rejects)?;
    let published = publish::publish_epoch(&pipeline_dir, &as_of.basic(), &files)?;
    tracing::info!(dir = %published.dir.display(), "epoch published");

    Ok(RunSummary {
        name: pipeline.name.as_str().to_owned(),
        as_of,
        inputs: ingested.inputs,
        rejects_by_reason,
        peers,
        graph: graph.stats,
        convergence,
        distrust: pipeline.distrust.mode,
        published,
    })
}
