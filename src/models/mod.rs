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
use crate::config::{LoadedPipeline, ModelSpec};
use crate::error::Result;
use crate::ingest::table::{self, Located};
use crate::ingest::{InputStats, Position, Reject, RejectReason};
use crate::scoreset::{EpochFile, manifest};
use std::collections::BTreeMap;
use std::path::Path;
use trust::TrustCounts;

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
    fn new(files: Vec<EpochFile>, inputs: Vec<InputStats>, rejects: &[Reject], report: ModelReport) -> Self {
        let mut rejects_by_reason = BTreeMap::new();
        for r in rejects {
            *rejects_by_reason.entry(r.reason.code()).or_insert(0) += 1;
        }
        ComputedEpoch { files, inputs, rejects_by_reason, first_reject: rejects.first().map(Reject::to_string), report }
    }
}

/// What a model computed, for the manifest and the summary.
#[derive(Debug, Clone)]
pub enum ModelReport {
    /// Peer trust and artifact sentiment.
    Trust(TrustCounts),
    /// Publisher reputation.
    Publishers(publishers::PublisherCounts),
    /// Compromised-credential scores.
    Credentials(credentials::CredentialCounts),
    /// Patch decisions.
    Patches(patches::PatchCounts),
}

impl ModelReport {
    /// The algorithm identifiers the manifest records: the model's, then the common ones.
    pub fn algorithms(&self) -> BTreeMap<String, String> {
        match self {
            ModelReport::Trust(c) => {
                manifest::algorithms(&[("trust", manifest::EIGENTRUST), ("distrust", c.distrust.id())])
            }
            ModelReport::Publishers(_) => manifest::algorithms(publishers::ALGORITHMS),
            ModelReport::Credentials(_) => manifest::algorithms(credentials::ALGORITHMS),
            ModelReport::Patches(_) => manifest::algorithms(patches::ALGORITHMS),
        }
    }

    /// The model's counts as the manifest records them.
    pub fn counts(&self) -> serde_json::Result<serde_json::Value> {
        match self {
            ModelReport::Trust(c) => c.manifest_counts(),
            ModelReport::Publishers(c) => serde_json::to_value(c),
            ModelReport::Credentials(c) => serde_json::to_value(c),
            ModelReport::Patches(c) => serde_json::to_value(c),
        }
    }

    /// The model's lines of the run's one-screen summary.
    pub fn summary_lines(&self) -> Vec<String> {
        match self {
            ModelReport::Trust(c) => c.summary_lines(),
            ModelReport::Publishers(c) => c.summary_lines(),
            ModelReport::Credentials(c) => c.summary_lines(),
            ModelReport::Patches(c) => c.summary_lines(),
        }
    }
}

pub use credentials::CredentialCounts;
pub use patches::PatchCounts;
pub use publishers::PublisherCounts;

/// A model: how a pipeline's inputs become an epoch's score files. Its
/// report ([`ModelReport`]) says what it computed, for the manifest and the summary.
pub(crate) trait Model {
    /// The model's parameters, defaults resolved, as the manifest records them.
    fn parameters(&self, loaded: &LoadedPipeline) -> Result<serde_json::Value>;
    /// Reads the model's inputs, computes and renders the score files.
    fn compute(&self, loaded: &LoadedPipeline, as_of: &AsOf) -> Result<ComputedEpoch>;
}

/// The pipeline's model, with its table.
pub(crate) fn model(loaded: &LoadedPipeline) -> &dyn Model {
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
        let (stats, records) =
            read(&loaded.base_dir.join(path), &path.display().to_string(), limit, &mut self.rejects)?;
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
