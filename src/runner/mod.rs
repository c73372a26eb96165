//! The pipeline runner: one call = one epoch. It checks what can be checked
//! up front, takes the pipeline's lock, runs the pipeline's model
//! ([`crate::models`]: ingest → compute → render), seals the files into the
//! signed manifest and the CAR, and publishes them.

pub use crate::crypto::keyfile::Signer;
pub use crate::models::trust::{ScopeResult, TrustCounts};
pub use crate::models::{
    ComputedEpoch, ComputedSummary, CredentialCounts, Model, ModelReport, PatchCounts, PublisherCounts, Report,
};
pub use crate::publish::Housekeeping;

use crate::as_of::AsOf;
use crate::cluster::{Cluster, ClusterSection, ClusterSpec};
use crate::compute::{Local, PowerIteration};
use crate::config::LoadedPipeline;
use crate::crypto::keyfile;
use crate::error::{Error, Result};
use crate::models;

mod manifest;
use crate::publish::lock::PipelineLock;
use crate::publish::{self, Published};
use crate::scoreset;
use crate::verify::{VerifyOptions, verify_epoch};
use std::path::{Path, PathBuf};

/// Command-line overrides of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Cut-off instant; `None` = now.
    pub as_of: Option<AsOf>,
    /// Output root replacing the pipeline's `[output] dir`.
    pub out_dir: Option<PathBuf>,
    /// Wait for another run of the pipeline to finish instead of failing.
    pub wait: bool,
    /// Write the epoch unsigned (as `[signing] unsigned = true`).
    pub unsigned: bool,
    /// Run the power iteration on a cluster ([`crate::cluster`]): process 0
    /// writes the epoch, the others compute and write nothing. These keys
    /// override the pipeline's `[cluster]`.
    pub cluster: ClusterSection,
}

/// What a run did, for the one-screen summary.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Pipeline name.
    pub name: String,
    /// The cut-off instant.
    pub as_of: AsOf,
    /// What was computed.
    pub computed: ComputedSummary,
    /// Who signed the epoch.
    pub signer: Signer,
    /// The epoch this one links to (the one `latest` named when it was published), if any.
    pub previous: Option<String>,
    /// What this run tidied up before it started.
    pub housekeeping: Housekeeping,
    /// Where the epoch went; `None` on a cluster process other than 0, which writes nothing.
    pub published: Option<Published>,
    /// Its publication on IPFS (`[publish] ipfs_api`), if any.
    pub ipfs: Option<publish::ipfs::Publication>,
    /// The cluster the power iteration ran on, if any.
    pub cluster: Option<ClusterSpec>,
}

/// Runs the pipeline in `file` once, on the current rayon thread pool.
///
/// Everything that can be checked before the computation is checked first
/// (the pipeline, that its inputs exist, the signing key, the output folder,
/// the lock, whether the epoch exists), so a long run never fails at its end for a reason known at
/// its start. The pipeline's lock is held from before `latest` is read until
/// it has moved.
///
/// ```
/// use scoreset::{as_of::AsOf, runner};
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("edges.csv"), "a,b,1\nb,c,1\nc,a,1\n")?;
/// let pipeline = dir.path().join("p.toml");
/// std::fs::write(&pipeline, "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n[pretrust]\nentries = { a = 1.0 }\n")?;
/// let options = runner::RunOptions {
///     as_of: Some(AsOf::parse("2026-01-01T00:00:00Z")?),
///     unsigned: true, // a doctest must not make a key in the user's data folder
///     ..Default::default()
/// };
/// let summary = runner::run(&pipeline, &options)?;
/// let published = summary.published.expect("a single-process run publishes");
/// assert!(published.dir.ends_with("out/p/20260101T000000Z"));
/// assert!(published.dir.join("scores.csv").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(file: &Path, options: &RunOptions) -> Result<RunSummary> {
    let mut loaded = LoadedPipeline::load(file)?;
    loaded.fetch_inputs(options.out_dir.as_deref())?;
    run_loaded(&loaded, models::model(&loaded), options)
}

/// [`run`] with a model of the caller's in place of the one the pipeline
/// names: the stages around the model (checks, lock, seal, publish) are the
/// same for every model. (`verify --recompute` re-runs the pipeline's own
/// model, so only the built-in models' epochs can be recomputed.)
pub fn run_with_model(file: &Path, model: &dyn Model, options: &RunOptions) -> Result<RunSummary> {
    let mut loaded = LoadedPipeline::load(file)?;
    loaded.fetch_inputs(options.out_dir.as_deref())?;
    run_loaded(&loaded, model, options)
}

fn run_loaded(loaded: &LoadedPipeline, model: &dyn Model, options: &RunOptions) -> Result<RunSummary> {
    let pipeline = &loaded.pipeline;
    let as_of = options.as_of.unwrap_or_else(AsOf::now);
    let epoch = as_of.basic();
    let pipeline_dir = loaded.out_dir(options.out_dir.as_deref()).join(pipeline.name.as_str());
    let cluster = ClusterSection::resolve(&options.cluster, pipeline.cluster.as_ref(), &loaded.base_dir)?;
    if let Some(spec) = &cluster {
        if model.id() != crate::config::Model::Trust.id() {
            return Err(Error::Usage(format!(
                "--cluster: only the trust model's power iteration runs on a cluster; {} is a {} pipeline",
                loaded.file.display(),
                model.id()
            )));
        }
        if pipeline.eigentrust.order == crate::compute::order::PeerOrder::Locality {
            return Err(Error::Usage(format!(
                "--cluster: {} sets [eigentrust] order = \"locality\", which runs on one machine; \
                 \"natural\" gives the same scores on a cluster",
                loaded.file.display()
            )));
        }
        // The others read only their shares of the plain-text edge lists.
        if spec.process != 0 {
            return run_member(loaded, spec, &as_of);
        }
    }
    for input in loaded.input_paths() {
        let path = loaded.local_path(input);
        std::fs::metadata(&path).map_err(|source| Error::Read { path, source })?;
    }
    let signing = &loaded.pipeline.signing;
    let key_file = signing.key.as_ref().map(|path| loaded.base_dir.join(path));
    let (key, signer) = keyfile::signer(key_file.as_deref(), options.unsigned || signing.unsigned)?;
    let _lock = PipelineLock::acquire(&pipeline_dir, options.wait)?;
    let housekeeping =
        publish::tidy(&pipeline_dir, |epoch| verify_epoch(epoch, &VerifyOptions::default()).map(|_| ()))?;
    publish::epoch_dir(&pipeline_dir, &epoch)?;
    let previous = publish::latest(&pipeline_dir)?;

    let spec = cluster;
    let cluster = spec.as_ref().map(|spec| Cluster::connect(spec, &cluster_job(loaded, spec, &as_of))).transpose()?;
    let kernel: &dyn PowerIteration = match &cluster {
        Some(cluster) => cluster,
        None => &Local,
    };
    let computed = models::compute_with(loaded, model, &as_of, kernel);
    if let Some(cluster) = cluster {
        match &computed {
            Ok(_) => cluster.finish()?,
            Err(error) => cluster.abort(error),
        }
    }
    let ComputedEpoch { files, inputs, rejects_by_reason, report, .. } = computed?;
    let computed = ComputedSummary { inputs, rejects_by_reason, report };
    let manifest = manifest::build(loaded, model, &computed, &as_of, previous.clone())?;
    let started = std::time::Instant::now();
    let staging = publish::Staging::create(&pipeline_dir, &epoch)?;
    let sealed =
        scoreset::seal(manifest, key.as_ref(), &as_of.rfc3339(), &files, staging.path(), publish::crash_hook())?;
    drop(files);
    tracing::info!(bytes = sealed.bytes, root = %sealed.root, elapsed = ?started.elapsed(), memory = %crate::memory::now(), "sealed");
    let published = staging.publish()?;
    tracing::info!(dir = %published.dir.display(), signed = key.is_some(), "epoch published");
    let timeout = std::time::Duration::from_secs(pipeline.inputs.timeout_secs.max(1));
    let ipfs = pipeline.publish.ipfs_api.as_deref().map(|api| publish::ipfs::publish(&published.dir, api, timeout));
    let ipfs = ipfs.transpose()?;

    Ok(RunSummary {
        name: pipeline.name.as_str().to_owned(),
        as_of,
        computed,
        signer,
        previous: previous.map(|(name, _)| name),
        housekeeping,
        published: Some(published),
        ipfs,
        cluster: spec,
    })
}

/// A cluster process other than 0: it parses its shares of the edge lists
/// for process 0, computes the columns it owns as process 0 hands them out,
/// and writes nothing.
fn run_member(loaded: &LoadedPipeline, spec: &ClusterSpec, as_of: &AsOf) -> Result<RunSummary> {
    let cluster = Cluster::connect(spec, &cluster_job(loaded, spec, as_of))?;
    let options = models::trust::ingest_options(loaded);
    let served = crate::ingest::send_shares(&loaded.pipeline.sources, &options, &loaded.base_dir, &cluster)
        .and_then(|shares| cluster.serve(shares));
    let served = match served {
        Ok(served) => served,
        Err(error) => {
            cluster.abort(&error);
            return Err(error);
        }
    };
    cluster.shutdown()?;
    Ok(RunSummary {
        name: loaded.pipeline.name.as_str().to_owned(),
        as_of: *as_of,
        computed: ComputedSummary {
            inputs: Vec::new(),
            rejects_by_reason: Default::default(),
            report: std::sync::Arc::new(served),
        },
        signer: Signer::Unsigned,
        previous: None,
        housekeeping: Housekeeping::default(),
        published: None,
        ipfs: None,
        cluster: Some(spec.clone()),
    })
}

/// What every process of a cluster run must agree on: the program's
/// version, the pipeline file (but its `[cluster]` table, where each
/// machine's own process number may be), `as_of`, and the cluster's shape.
fn cluster_job(loaded: &LoadedPipeline, spec: &ClusterSpec, as_of: &AsOf) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let pipeline = match loaded.text.parse::<toml::Table>() {
        Ok(mut table) => {
            table.remove("cluster");
            toml::to_string(&table).unwrap_or_else(|_| loaded.text.clone())
        }
        Err(_) => loaded.text.clone(),
    };
    let mut hash = Sha256::new();
    for part in [
        "scoreset cluster job 1",
        env!("CARGO_PKG_VERSION"),
        pipeline.as_str(),
        &as_of.rfc3339(),
        &spec.hosts.join("\n"),
        &spec.workers.to_string(),
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}
