//! The trust model: ingest → combine → per-scope graph → EigenTrust and
//! distrust → artifact sentiment → score files ([`render`]).

pub mod render;

use super::ComputedEpoch;
use crate::as_of::AsOf;
use crate::combine::combine;
use crate::combine::{AssertionOpinion, Review, SecurityAssertion};
use crate::compute::eigentrust::Iterates;
use crate::compute::order::eigentrust_in_order;
use crate::compute::{Convergence, DistrustMode, PowerIteration};
use crate::config::LoadedPipeline;
use crate::error::{Error, Result};
use crate::graph::{self, GraphStats};
use crate::ingest::{self, IngestOptions};
use crate::models::sentiment::{self, PeerBadge};
use crate::progress;
use crate::scoreset::manifest::{Parameters, ScopeCounts};
use crate::scoreset::{self, MANIFEST};
use render::{ArtifactScores, ScopeScores};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

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
    /// ‖t_k − t_{k−1}‖₂ after each iteration k = 1, 2, … (the report plots it).
    pub residuals: Vec<f64>,
}

/// One scope's computation, everything a score follows from: what
/// `scoreset explain` decomposes (see [`compute_with`]).
#[derive(Debug, Clone, Copy)]
pub struct ScopeView<'a> {
    /// Scope name.
    pub scope: &'a str,
    /// Its graph: peers, local trust and distrust (incoming), dangling rows, leaks, pre-trust.
    pub graph: &'a graph::TrustGraph,
    /// T⁺ and the iterate before it.
    pub iterates: &'a Iterates,
    /// T, after the distrust adjustment.
    pub trust: &'a [f64],
    /// P_h, as a flag per peer.
    pub highly: &'a [bool],
    /// Peer badges.
    pub badges: &'a [Option<PeerBadge>],
    /// EigenTrust's α.
    pub alpha: f64,
    /// The distrust adjustment applied.
    pub distrust: DistrustMode,
    /// T⁺(d), the weakest highly trusted peer's T⁺ (1 when P_h is empty).
    pub bar: f64,
    /// The artifact statements, when this is the sentiment scope.
    pub artifacts: Option<(&'a [Review], &'a [SecurityAssertion], &'a [AssertionOpinion])>,
    /// The badge thresholds of the sentiment scope.
    pub thresholds: crate::config::sentiment::Thresholds,
}

/// What a trust epoch computed, for the manifest and the summary.
#[derive(Debug, Clone)]
pub struct TrustCounts {
    /// Accepted statements that do not count at `as_of`, per reason.
    pub inactive: BTreeMap<&'static str, u64>,
    /// One result per computed scope, in the pipeline's order.
    pub scopes: Vec<ScopeResult>,
    /// Active reviews, security assertions and endorsements/disputes.
    pub artifact_opinions: [usize; 3],
    /// The distrust adjustment applied.
    pub distrust: DistrustMode,
    /// Pre-trust used: `configured` or `uniform`.
    pub pretrust: &'static str,
}

/// The trust model's block of manifest counts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    inactive_by_reason: BTreeMap<String, u64>,
    scopes: Vec<ScopeCounts>,
    reviews: u64,
    security_assertions: u64,
    assertion_opinions: u64,
}

impl super::Report for TrustCounts {
    fn algorithms(&self) -> BTreeMap<String, String> {
        scoreset::manifest::algorithms(&[("trust", scoreset::manifest::EIGENTRUST), ("distrust", self.distrust.id())])
    }

    fn counts(&self) -> serde_json::Result<serde_json::Value> {
        let computed = self;
        let counts = Counts {
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
                    residuals: s.residuals.clone(),
                })
                .collect(),
            reviews: computed.artifact_opinions[0] as u64,
            security_assertions: computed.artifact_opinions[1] as u64,
            assertion_opinions: computed.artifact_opinions[2] as u64,
        };
        serde_json::to_value(counts)
    }

    fn summary_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.pretrust == "uniform" {
            lines.push(format!(
                "{:<11} UNIFORM PRE-TRUST: the pipeline names no [pretrust], so every peer is trusted a priori and a sybil region can capture trust (recorded as pretrust: \"uniform\" in the manifest)",
                "WARNING"
            ));
        }
        if !self.inactive.is_empty() {
            let reasons: Vec<String> = self.inactive.iter().map(|(r, n)| format!("{r} {n}")).collect();
            lines.push(format!("{:<11} {} (accepted, not counted at as_of)", "inactive", reasons.join(", ")));
        }
        let [reviews, security, opinions] = self.artifact_opinions;
        if reviews + security + opinions > 0 {
            lines.push(format!(
                "{:<11} {reviews} reviews, {security} security assertions, {opinions} endorsements/disputes (artifact_opinions.jsonl)",
                "artifacts"
            ));
        }
        for r in &self.scopes {
            let (g, conv) = (&r.graph, &r.convergence);
            lines.push(format!(
                "{:<11} {}: {} peers; {} statements -> {} trust, {} distrust, {} netted to zero",
                "scope", r.scope, r.peers, g.input_edges, g.trust_edges, g.distrust_edges, g.neutral_pairs
            ));
            lines.push(format!(
                "{:<11} converged in {} iterations, residual {:.3e} <= epsilon {:.3e}; distrust {}",
                "",
                conv.iterations,
                conv.residual,
                conv.epsilon,
                self.distrust.id()
            ));
        }
        lines
    }
}

/// The trust model's parameters, defaults resolved, as recorded in the manifest.
fn manifest_parameters(loaded: &LoadedPipeline) -> serde_json::Result<serde_json::Value> {
    let pipeline = &loaded.pipeline;
    let parameters = Parameters {
        scopes: pipeline.scopes.clone(),
        alpha: pipeline.eigentrust.alpha.0,
        epsilon: pipeline.eigentrust.epsilon.map(|e| e.0),
        max_iterations: pipeline.eigentrust.max_iterations.get(),
        order: pipeline.eigentrust.order.id().to_owned(),
        distrust: pipeline.distrust.mode.id().to_owned(),
        decay_half_life_days: pipeline.decay.half_life_days,
        decay_row_scale: pipeline.decay.row_scale.id().to_owned(),
        require_proofs: pipeline.require_proofs,
        sentiment_scope: pipeline.sentiment.scope_in(&pipeline.scopes).to_owned(),
        sentiment_thresholds: pipeline.sentiment.thresholds.id().to_owned(),
        strict: pipeline.strict,
        pretrust: pretrust_kind(loaded).to_owned(),
    };
    serde_json::to_value(parameters)
}

/// `"configured"`, or `"uniform"` when the pipeline names no pre-trust (the
/// summary warns then: uniform pre-trust is what sybil regions exploit).
pub(super) fn pretrust_kind(loaded: &LoadedPipeline) -> &'static str {
    if loaded.pipeline.pretrust.is_some() { "configured" } else { "uniform" }
}

/// The trust model: peer trust and artifact sentiment from the `[[source]]`s.
pub(super) struct Trust;

impl super::Model for Trust {
    fn id(&self) -> &'static str {
        crate::config::Model::Trust.id()
    }

    fn parameters(&self, loaded: &LoadedPipeline) -> Result<serde_json::Value> {
        manifest_parameters(loaded).map_err(|e| Error::Write { path: MANIFEST.into(), source: e.into() })
    }

    fn compute(&self, loaded: &LoadedPipeline, as_of: &AsOf, kernel: &dyn PowerIteration) -> Result<ComputedEpoch> {
        compute_with(loaded, as_of, kernel, &mut |_| {})
    }
}

/// The trust model's computation, showing each scope's [`ScopeView`] to
/// `visit` once it is computed (before its graph is dropped): the one path
/// both a run and `scoreset explain` take, so an explanation is of exactly
/// the numbers the epoch holds.
pub fn compute_with(
    loaded: &LoadedPipeline,
    as_of: &AsOf,
    kernel: &dyn PowerIteration,
    visit: &mut dyn FnMut(&ScopeView),
) -> Result<ComputedEpoch> {
    let pipeline = &loaded.pipeline;
    let started = Instant::now();
    let options = ingest_options(loaded);
    let no_pretrust = ingest::PretrustSpec::default();
    let pretrust_spec = pipeline.pretrust.as_ref().unwrap_or(&no_pretrust);
    let mut ingested = ingest::ingest_sharded(
        &pipeline.sources,
        pretrust_spec,
        &options,
        &loaded.base_dir,
        &loaded.label(),
        kernel.shards(),
    )?;
    // A named root of trust that leaves no positive weight must not become
    // uniform pre-trust (what sybil regions exploit): fail, naming it.
    if pipeline.pretrust.is_some() && !ingested.pretrust.iter().any(|&(_, w)| w > 0.0) {
        let pretrust_inputs: Vec<&str> =
            ingested.inputs.iter().filter(|i| i.kind.starts_with("pretrust")).map(|i| i.source.as_str()).collect();
        let refused = ingested.rejects.iter().find(|r| pretrust_inputs.contains(&r.source.as_str()));
        return Err(Error::Config {
            path: loaded.file.clone(),
            message: format!(
                "[pretrust] leaves no peer with a positive weight ({} entries accepted{}); fix it, or remove [pretrust] for uniform pre-trust",
                ingested.pretrust.len(),
                refused.map(|r| format!(", first refused: {r}")).unwrap_or_default()
            ),
        });
    }
    tracing::info!(attestations = ingested.attestations.len(), rejects = ingested.rejects.len(), elapsed = ?started.elapsed(), memory = %crate::memory::now(), "ingest done");

    let started = Instant::now();
    let mut combined = combine(&mut ingested, &pipeline.scopes, &pipeline.decay, as_of.unix_ms());
    tracing::info!(elapsed = ?started.elapsed(), memory = %crate::memory::now(), "combined");
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
    let explicit_pretrust = pipeline.pretrust.is_some();
    let sentiment_scope = pipeline.sentiment.scope_in(&pipeline.scopes).to_owned();
    let mut artifact_scores = ArtifactScores { scope: sentiment_scope.clone(), ..ArtifactScores::default() };
    let mut scores = Vec::new();
    let mut results = Vec::new();
    let faded = std::mem::take(&mut combined.faded);
    for (k, (scope, edges)) in std::mem::take(&mut combined.scopes).into_iter().enumerate() {
        let faded = faded.get(k).map_or(&[][..], Vec::as_slice);
        let started = Instant::now();
        let graph = graph::build_scope_fading(&ingested.peers, &ingested.decimal, edges, &ingested.pretrust, faded);
        tracing::info!(scope, peers = graph.peers.len(), elapsed = ?started.elapsed(), memory = %crate::memory::now(), "graph built");
        let pretrusted: Vec<bool> = graph.pretrust.iter().map(|&p| explicit_pretrust && p > 0.0).collect();
        let (highly, badges) = sentiment::peer_standing(&graph, &pretrusted);
        let (result, iterates, trust, bar) = score_scope(&scope, &graph, &highly, loaded, kernel)?;
        let artifacts = (&combined.reviews[..], &combined.security[..], &combined.opinions[..]);
        let thresholds = pipeline.sentiment.thresholds;
        let sentiment = scope == sentiment_scope;
        if sentiment {
            (artifact_scores.weakest_highly_trusted, artifact_scores.scores) = sentiment::artifact_sentiment(
                &graph.peers,
                &trust,
                &iterates.trust_positive,
                &highly,
                artifacts,
                thresholds,
            );
        }
        visit(&ScopeView {
            scope: &scope,
            graph: &graph,
            iterates: &iterates,
            trust: &trust,
            highly: &highly,
            badges: &badges,
            alpha: pipeline.eigentrust.alpha.0,
            distrust: pipeline.distrust.mode,
            bar,
            artifacts: sentiment.then_some(artifacts),
            thresholds,
        });
        results.push(result);
        let trust_positive = iterates.trust_positive;
        scores.push(ScopeScores { scope, peers: graph.peers, trust_positive, trust, badges });
    }
    let formats = &pipeline.output.formats;
    let started = Instant::now();
    let files = render::render(scores, &combined, &artifact_scores, &ingested.rejects, &as_of.rfc3339(), formats)?;
    tracing::info!(elapsed = ?started.elapsed(), memory = %crate::memory::now(), "rendered");
    let counts = TrustCounts {
        scopes: results,
        artifact_opinions: [combined.reviews.len(), combined.security.len(), combined.opinions.len()],
        inactive: combined.inactive,
        distrust: pipeline.distrust.mode,
        pretrust: pretrust_kind(loaded),
    };
    Ok(ComputedEpoch::new(files, ingested.inputs, &ingested.rejects, counts))
}

/// How the trust model reads the pipeline's sources.
pub(crate) fn ingest_options(loaded: &LoadedPipeline) -> IngestOptions {
    let pipeline = &loaded.pipeline;
    IngestOptions {
        scopes: pipeline.scopes.clone(),
        require_proofs: pipeline.require_proofs,
        limits: pipeline.limits,
        fetched: loaded.fetched.clone(),
    }
}

/// EigenTrust and the distrust adjustment on one scope's graph: the
/// result for the manifest, the iterates, T, and T⁺(d) (the bar the badges
/// and the `standing-weighted` adjustment read).
fn score_scope(
    scope: &str,
    graph: &graph::TrustGraph,
    highly: &[bool],
    loaded: &LoadedPipeline,
    kernel: &dyn PowerIteration,
) -> Result<(ScopeResult, Iterates, Vec<f64>, f64)> {
    let pipeline = &loaded.pipeline;
    let started = Instant::now();
    let mut residuals = Vec::new();
    let mut ended = Vec::new();
    let iterates = eigentrust_in_order(
        kernel,
        pipeline.eigentrust.order,
        &graph.trust,
        &graph.dangling,
        &graph.leak,
        &graph.pretrust,
        &pipeline.eigentrust,
        |k, residual| {
            residuals.push(residual);
            ended.push(Instant::now());
            progress::step("EigenTrust", format_args!("{scope}: iteration {k}, residual {residual:.3e}"));
        },
    )?;
    progress::done("EigenTrust");
    // The steady rate, from the first iteration's end to the last's: on a
    // cluster the first also waits for the slowest process to arrive.
    let per_iteration = match (ended.first(), ended.last()) {
        (Some(first), Some(last)) if ended.len() > 1 => (*last - *first) / (ended.len() as u32 - 1),
        _ => started.elapsed(),
    };
    tracing::info!(scope, iterations = ended.len(), elapsed = ?started.elapsed(), ?per_iteration, "EigenTrust done");
    let bar = sentiment::weakest_highly_trusted(&iterates.trust_positive, highly);
    let trust = kernel.adjust(pipeline.distrust.mode, &graph.distrust, &iterates.trust_positive, bar)?;
    let convergence = iterates.convergence;
    tracing::info!(scope, peers = graph.peers.len(), iterations = convergence.iterations, elapsed = ?started.elapsed(), memory = %crate::memory::now(), "scope computed");
    let result =
        ScopeResult { scope: scope.to_owned(), peers: graph.peers.len(), graph: graph.stats, convergence, residuals };
    Ok((result, iterates, trust, bar))
}
