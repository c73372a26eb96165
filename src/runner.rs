//! The pipeline runner: one call = one epoch, through the stages in order
//! (ingest → graph → compute → emit → seal → publish).

use crate::as_of::AsOf;
use crate::combine::combine;
use crate::compute::{Convergence, DistrustMode, discount_one_shot, eigentrust};
use crate::config::LoadedPipeline;
use crate::crypto::{digest_bytes, digest_file, keyfile};
use crate::error::{Error, Result};
use crate::graph::{self, GraphStats};
use crate::ingest::{self, IngestOptions, InputStats};
use crate::models::sentiment::{self, PeerBadge};
use crate::publish::{self, Published};
use crate::scoreset::manifest::{
    self, Counts, InputRecord, Manifest, Parameters, PipelineRecord, ScopeCounts, Software, Subject,
};
use crate::scoreset::{self, ArtifactScores, EpochFile, MANIFEST, ScopeScores};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Command-line overrides of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Cut-off instant; `None` = now.
    pub as_of: Option<AsOf>,
    /// Output root replacing the pipeline's `[output] dir`.
    pub out_dir: Option<PathBuf>,
}

/// The trust computation of one scope.
#[derive(Debug, Clone)]
pub struct ScopeResult {
    /// Scope name.
    pub scope: String,
    /// Peers in its graph.
    pub peers: usize,
    /// Edge counts after merging.
    pub graph: GraphStats,
    /// How EigenTrust converged.
    pub convergence: Convergence,
}

/// What the computation produced, before sealing and publishing.
#[derive(Debug, Clone)]
pub struct ComputedEpoch {
    /// The score files (scores, peer scores, artifact files, rejects).
    pub files: Vec<EpochFile>,
    /// What the manifest and the summary report about them.
    pub counts: EpochCounts,
}

/// The counts of an epoch's computation.
#[derive(Debug, Clone)]
pub struct EpochCounts {
    /// Per-input counts and digests.
    pub inputs: Vec<InputStats>,
    /// Rejected records per reason code.
    pub rejects_by_reason: BTreeMap<&'static str, usize>,
    /// Accepted statements that do not count at `as_of`, per reason.
    pub inactive: BTreeMap<&'static str, u64>,
    /// One result per computed scope, in the pipeline's order.
    pub scopes: Vec<ScopeResult>,
    /// Active reviews, security assertions and endorsements/disputes.
    pub artifact_opinions: [usize; 3],
}

/// What a run did, for the one-screen summary.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Pipeline name.
    pub name: String,
    /// The cut-off instant.
    pub as_of: AsOf,
    /// The computation's counts.
    pub counts: EpochCounts,
    /// The distrust adjustment applied.
    pub distrust: DistrustMode,
    /// did:key of the signer; `None` for an unsigned epoch.
    pub signer: Option<String>,
    /// The epoch this one links to, if any.
    pub previous: Option<String>,
    /// Where the epoch went.
    pub published: Published,
}

/// Runs the pipeline in `file` once, on the current rayon thread pool.
pub fn run(file: &Path, options: &RunOptions) -> Result<RunSummary> {
    let loaded = LoadedPipeline::load(file)?;
    let pipeline = &loaded.pipeline;
    let as_of = options.as_of.unwrap_or_else(AsOf::now);
    let epoch = as_of.basic();
    let pipeline_dir = loaded.out_dir(options.out_dir.as_deref()).join(pipeline.name.as_str());
    publish::epoch_dir(&pipeline_dir, &epoch)?;
    let key = pipeline.signing.key.as_ref().map(|k| keyfile::load(&loaded.base_dir.join(k))).transpose()?;

    let ComputedEpoch { files, counts } = compute_epoch(&loaded, &as_of)?;

    let previous = publish::previous_epoch(&pipeline_dir, &epoch);
    let previous_cid = match &previous {
        Some(name) => {
            let path = pipeline_dir.join(name).join(MANIFEST);
            Some(digest_file(&path).map_err(|source| Error::Read { path, source })?.cid)
        }
        None => None,
    };
    let manifest = build_manifest(&loaded, &counts, &as_of, previous_cid)?;
    let signer = key.as_ref().map(|k| crate::crypto::did_key::did_key(&k.verifying_key()));
    let files = scoreset::seal(manifest, key.as_ref(), &as_of.rfc3339(), files)?;
    let published = publish::publish_epoch(&pipeline_dir, &epoch, &files)?;
    tracing::info!(dir = %published.dir.display(), signed = signer.is_some(), "epoch published");

    Ok(RunSummary {
        name: pipeline.name.as_str().to_owned(),
        as_of,
        counts,
        distrust: pipeline.distrust.mode,
        signer,
        previous,
        published,
    })
}

/// Ingests, combines, builds each scope's graph, computes and renders the
/// score files: everything of a run that `verify --recompute` repeats.
pub fn compute_epoch(loaded: &LoadedPipeline, as_of: &AsOf) -> Result<ComputedEpoch> {
    let pipeline = &loaded.pipeline;
    let started = Instant::now();
    let options = IngestOptions { scopes: pipeline.scopes.clone(), require_proofs: pipeline.require_proofs };
    let mut ingested =
        ingest::ingest(&pipeline.sources, &pipeline.pretrust, &options, &loaded.base_dir, &loaded.label())?;
    tracing::info!(attestations = ingested.attestations.len(), rejects = ingested.rejects.len(), elapsed = ?started.elapsed(), "ingest done");
    if pipeline.strict
        && let Some(first) = ingested.rejects.first()
    {
        return Err(Error::Strict { count: ingested.rejects.len(), first: first.to_string() });
    }
    let mut rejects_by_reason = BTreeMap::new();
    for r in &ingested.rejects {
        *rejects_by_reason.entry(r.reason.code()).or_insert(0) += 1;
    }

    let mut combined = combine(&mut ingested, &pipeline.scopes, &pipeline.decay, as_of.unix_ms());
    if combined.scopes.iter().all(|(_, edges)| edges.is_empty()) {
        return Err(Error::Config {
            path: loaded.file.clone(),
            message: format!(
                "no accepted statement holds at {} in the computed scopes {:?} (see the rejects and the inactive counts)",
                as_of.rfc3339(),
                pipeline.scopes
            ),
        });
    }

    // Pre-trusted peers are the ones given a positive weight (a uniform default trusts nobody in particular).
    let explicit_pretrust = ingested.pretrust.iter().any(|&(_, w)| w > 0.0);
    let sentiment_scope = pipeline.sentiment.scope_in(&pipeline.scopes).to_owned();
    let mut artifact_scores = ArtifactScores { scope: sentiment_scope.clone(), ..ArtifactScores::default() };
    let mut scores = Vec::new();
    let mut results = Vec::new();
    for (scope, edges) in std::mem::take(&mut combined.scopes) {
        let graph = graph::build_scope(&ingested.peers, edges, &ingested.pretrust);
        let pretrusted: Vec<bool> = graph.pretrust.iter().map(|&p| explicit_pretrust && p > 0.0).collect();
        let highly = sentiment::highly_trusted(&graph, &pretrusted);
        let badges = sentiment::peer_badges(&graph, &highly);
        let (result, scope_scores) = score_scope(scope, graph, badges, loaded)?;
        if scope_scores.scope == sentiment_scope {
            let weakest = sentiment::weakest_highly_trusted(&scope_scores.trust_positive, &highly);
            let trust: HashMap<&str, f64> =
                scope_scores.peers.iter().map(String::as_str).zip(scope_scores.trust.iter().copied()).collect();
            let opinions = sentiment::opinions(&combined.reviews, &combined.security, &combined.opinions, |p| {
                trust.get(p).copied().unwrap_or(0.0)
            });
            artifact_scores.weakest_highly_trusted = weakest;
            artifact_scores.scores = sentiment::score_artifacts(&opinions, weakest, pipeline.sentiment.thresholds);
        }
        results.push(result);
        scores.push(scope_scores);
    }
    let files = scoreset::render(&scores, &combined, &artifact_scores, &ingested.rejects, &as_of.rfc3339())?;
    let counts = EpochCounts {
        inputs: ingested.inputs,
        rejects_by_reason,
        scopes: results,
        artifact_opinions: [combined.reviews.len(), combined.security.len(), combined.opinions.len()],
        inactive: combined.inactive,
    };
    Ok(ComputedEpoch { files, counts })
}

/// EigenTrust and the distrust adjustment on one scope's graph.
fn score_scope(
    scope: String,
    graph: graph::TrustGraph,
    badges: Vec<Option<PeerBadge>>,
    loaded: &LoadedPipeline,
) -> Result<(ScopeResult, ScopeScores)> {
    let pipeline = &loaded.pipeline;
    let started = Instant::now();
    let progress = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} EigenTrust {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let (trust_positive, convergence) =
        eigentrust(&graph.trust, &graph.dangling, &graph.pretrust, &pipeline.eigentrust, |k, residual| {
            progress.set_message(format!("{scope}: iteration {k}, residual {residual:.3e}"));
            progress.tick();
        })?;
    progress.finish_and_clear();
    let trust = match pipeline.distrust.mode {
        DistrustMode::None => trust_positive.clone(),
        DistrustMode::OneShot => discount_one_shot(&graph.distrust, &trust_positive),
    };
    tracing::info!(scope, peers = graph.peers.len(), iterations = convergence.iterations, elapsed = ?started.elapsed(), "scope computed");
    let result = ScopeResult { scope: scope.clone(), peers: graph.peers.len(), graph: graph.stats, convergence };
    Ok((result, ScopeScores { scope, peers: graph.peers, trust_positive, trust, badges }))
}

/// The manifest of an epoch (outputs and issuer are filled in when sealing).
fn build_manifest(
    loaded: &LoadedPipeline,
    computed: &EpochCounts,
    as_of: &AsOf,
    previous: Option<String>,
) -> Result<Manifest> {
    let pipeline = &loaded.pipeline;
    let base_dir = std::path::absolute(&loaded.base_dir)
        .map_err(|source| Error::Read { path: loaded.base_dir.clone(), source })?;
    let subject = Subject {
        pipeline: PipelineRecord {
            name: pipeline.name.as_str().to_owned(),
            file: loaded.label(),
            base_dir: base_dir.display().to_string(),
            sha256: digest_bytes(loaded.text.as_bytes()).sha256,
            toml: loaded.text.clone(),
        },
        as_of: as_of.rfc3339(),
        algorithms: manifest::algorithms(pipeline.distrust.mode.id()),
        parameters: Parameters {
            scopes: pipeline.scopes.clone(),
            alpha: pipeline.eigentrust.alpha.0,
            epsilon: pipeline.eigentrust.epsilon.map(|e| e.0),
            max_iterations: pipeline.eigentrust.max_iterations.get(),
            distrust: pipeline.distrust.mode.id().to_owned(),
            decay_half_life_days: pipeline.decay.half_life_days,
            require_proofs: pipeline.require_proofs,
            sentiment_scope: pipeline.sentiment.scope_in(&pipeline.scopes).to_owned(),
            sentiment_thresholds: pipeline.sentiment.thresholds.id().to_owned(),
            strict: pipeline.strict,
        },
        inputs: computed
            .inputs
            .iter()
            .map(|i| InputRecord {
                source: i.source.clone(),
                kind: i.kind.to_owned(),
                digest: i.digest.clone(),
                records: i.records,
                rejected: i.rejected,
            })
            .collect(),
        outputs: Vec::new(),
        counts: Counts {
            rejected: computed.rejects_by_reason.values().sum::<usize>() as u64,
            rejected_by_reason: computed.rejects_by_reason.iter().map(|(k, v)| ((*k).to_owned(), *v as u64)).collect(),
            inactive_by_reason: computed.inactive.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            scopes: computed
                .scopes
                .iter()
                .map(|s| ScopeCounts {
                    scope: s.scope.clone(),
                    peers: s.peers as u64,
                    input_edges: s.graph.input_edges as u64,
                    trust_edges: s.graph.trust_edges as u64,
                    distrust_edges: s.graph.distrust_edges as u64,
                    net_zero_pairs: s.graph.neutral_pairs as u64,
                    iterations: s.convergence.iterations,
                    residual: s.convergence.residual,
                    epsilon: s.convergence.epsilon,
                })
                .collect(),
            reviews: computed.artifact_opinions[0] as u64,
            security_assertions: computed.artifact_opinions[1] as u64,
            assertion_opinions: computed.artifact_opinions[2] as u64,
        },
        previous,
        software: Software::this(),
    };
    Ok(Manifest {
        context: vec![manifest::VC_CONTEXT.to_owned()],
        kinds: vec!["VerifiableCredential".into(), "Scoreset".into()],
        id: format!("urn:scoreset:{}:{}", pipeline.name.as_str(), as_of.basic()),
        issuer: None,
        valid_from: as_of.rfc3339(),
        credential_subject: subject,
    })
}
