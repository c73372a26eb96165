//! The models: what a pipeline computes from its inputs. Each model reads
//! its inputs, computes (pure functions of them) and renders its score files;
//! the runner only strings the stages together and seals what a model made.
//!
//! - [`trust`]: peer trust (EigenTrust, distrust, decay) and, through
//!   [`sentiment`], artifact badges from the opinions of trusted peers;
//! - [`publishers`]: publisher reputation with its audit chain;
//! - [`credentials`]: compromised-credential scores from IdP reports;
//! - [`patches`]: patch provenance, author reputation, quality and policy.

pub mod credentials;
pub mod patches;
pub mod publishers;
pub mod sentiment;
pub mod trust;

use crate::as_of::AsOf;
use crate::compute::{Local, PowerIteration};
use crate::config::{LoadedPipeline, ModelSpec};
use crate::error::{Error, Result};
use crate::ingest::table::{self, Located};
use crate::ingest::{InputStats, Position, Reject, RejectReason};
use crate::scoreset::EpochFile;
use std::collections::BTreeMap;
use std::path::Path;

/// What the computation produced, before sealing and publishing.
#[derive(Debug, Clone)]
pub struct ComputedEpoch {
    /// The score files (scores, audit log, rejects, …).
    pub files: Vec<EpochFile>,
    /// Per-input counts and digests.
    pub inputs: Vec<InputStats>,
    /// Rejected records per reason code.
    pub rejects_by_reason: BTreeMap<&'static str, usize>,
    /// The first reject, as a strict run names it.
    pub first_reject: Option<String>,
    /// What the model computed.
    pub report: ModelReport,
}

impl ComputedEpoch {
    /// An epoch's files with the counts of its inputs and rejects.
    pub fn new(files: Vec<EpochFile>, inputs: Vec<InputStats>, rejects: &[Reject], report: impl Report) -> Self {
        let mut rejects_by_reason = BTreeMap::new();
        for r in rejects {
            *rejects_by_reason.entry(r.reason.code()).or_insert(0) += 1;
        }
        let report = std::sync::Arc::new(report);
        ComputedEpoch { files, inputs, rejects_by_reason, first_reject: rejects.first().map(Reject::to_string), report }
    }
}

/// The counts of a computed epoch, kept for the manifest and the summary.
#[derive(Debug, Clone)]
pub struct ComputedSummary {
    /// Per-input counts and digests.
    pub inputs: Vec<InputStats>,
    /// Rejected records per reason code.
    pub rejects_by_reason: BTreeMap<&'static str, usize>,
    /// What the model computed.
    pub report: ModelReport,
}

/// What a model computed, for the manifest and the summary: each model's
/// counts type implements it. A library user reads a model's own counts
/// back with `(&*report as &dyn std::any::Any).downcast_ref::<TrustCounts>()`.
pub trait Report: std::fmt::Debug + Send + Sync + std::any::Any {
    /// The algorithm identifiers the manifest records: the model's, then the common ones.
    fn algorithms(&self) -> BTreeMap<String, String>;
    /// The model's counts as the manifest records them.
    fn counts(&self) -> serde_json::Result<serde_json::Value>;
    /// The model's lines of the run's one-screen summary.
    fn summary_lines(&self) -> Vec<String>;
}

/// A model's report, shared between the manifest and the summary.
pub type ModelReport = std::sync::Arc<dyn Report>;

pub use credentials::CredentialCounts;
pub use patches::PatchCounts;
pub use publishers::PublisherCounts;

/// A model: how a pipeline's inputs become an epoch's score files. Its
/// report ([`Report`]) says what it computed, for the manifest and the
/// summary. ARCHITECTURE.md says how to add one.
pub trait Model {
    /// The model's name, as pipeline files and manifests write it.
    fn id(&self) -> &'static str;
    /// The model's parameters, defaults resolved, as the manifest records them.
    fn parameters(&self, loaded: &LoadedPipeline) -> Result<serde_json::Value>;
    /// Reads the model's inputs, computes and renders the score files.
    /// `kernel` runs EigenTrust's power iteration where the model has one
    /// (the trust model): here, or on a cluster's workers.
    fn compute(&self, loaded: &LoadedPipeline, as_of: &AsOf, kernel: &dyn PowerIteration) -> Result<ComputedEpoch>;
}

/// The pipeline's model, with its table.
pub fn model(loaded: &LoadedPipeline) -> &dyn Model {
    match &loaded.model {
        ModelSpec::Trust => &trust::Trust,
        ModelSpec::Publishers(spec) => spec,
        ModelSpec::Credentials(spec) => spec,
        ModelSpec::Patches(spec) => spec,
    }
}

/// What a reputation model read: each table's stats, in reading order, and every record refused.
#[derive(Default)]
struct Tables {
    stats: Vec<InputStats>,
    rejects: Vec<Reject>,
}

impl Tables {
    /// Reads the table at `path` (relative to the pipeline's folder) with
    /// `read`; returns the index of its stats and its records.
    fn read<T>(
        &mut self,
        loaded: &LoadedPipeline,
        path: &Path,
        read: impl FnOnce(&Path, &str, u64, &mut Vec<Reject>) -> Result<(InputStats, Vec<Located<T>>)>,
    ) -> Result<(usize, Vec<Located<T>>)> {
        let limit = loaded.pipeline.limits.max_input_bytes;
        let (stats, records) = read(&loaded.local_path(path), &path.display().to_string(), limit, &mut self.rejects)?;
        self.stats.push(stats);
        Ok((self.stats.len() - 1, records))
    }

    /// [`Tables::read`], then refuses the records whose `id` repeats (see [`table::reject_duplicates`]).
    fn read_unique<T: PartialEq>(
        &mut self,
        loaded: &LoadedPipeline,
        path: &Path,
        read: impl FnOnce(&Path, &str, u64, &mut Vec<Reject>) -> Result<(InputStats, Vec<Located<T>>)>,
        id: impl Fn(&T) -> &str,
        what: &str,
    ) -> Result<(usize, Vec<Located<T>>)> {
        let (input, records) = self.read(loaded, path, read)?;
        let records = table::reject_duplicates(records, id, what, &mut self.stats[input], &mut self.rejects);
        Ok((input, records))
    }

    /// Refuses a record of input `input` that was accepted when read (e.g. it names no accepted record).
    fn refuse(&mut self, input: usize, position: Position, raw: String, reason: RejectReason, detail: String) {
        self.stats[input].reject(&mut self.rejects, position, reason, detail, raw);
    }
}

/// Ingests, computes and renders the score files of the pipeline's model:
/// everything of a run that `verify --recompute` repeats.
pub fn compute_epoch(loaded: &LoadedPipeline, as_of: &AsOf) -> Result<ComputedEpoch> {
    compute_with(loaded, model(loaded), as_of, &Local)
}

/// Computes with `model`; a strict pipeline fails on its first reject.
pub fn compute_with(
    loaded: &LoadedPipeline,
    model: &dyn Model,
    as_of: &AsOf,
    kernel: &dyn PowerIteration,
) -> Result<ComputedEpoch> {
    let computed = model.compute(loaded, as_of, kernel)?;
    if loaded.pipeline.strict
        && let Some(first) = computed.first_reject
    {
        return Err(Error::Strict { count: computed.rejects_by_reason.values().sum(), first });
    }
    Ok(computed)
}
