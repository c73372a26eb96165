//! The pipeline file: one TOML document per job, parsed and checked into a
//! [`LoadedPipeline`].
//!
//! `config` sits between the stages and the models. The stages below it own
//! the types of their own sections (`[[source]]` and `[pretrust]` in
//! `ingest`, `[eigentrust]` and `[distrust]` in `compute`, `[decay]` in
//! `combine`, `[limits]` in `fsio`) and import nothing from `config`. The
//! models sit above it — each reads a [`LoadedPipeline`] — so the types of
//! the models' tables live here, where the loader deserializes and checks
//! them, one submodule a table: [`sentiment`] (`[sentiment]`, the trust
//! model's badges), [`publishers`], [`credentials`] and [`patches`], each
//! with the parameter types its table resolves to and the range checks made
//! while loading. The models use them (re-exporting the parameter types under
//! their own paths, e.g. `models::sentiment::SentimentParams`) and hold
//! everything that computes with them; `config` imports nothing from the
//! models. This module itself owns the composition ([`Pipeline`],
//! [`ModelSpec`]), the `[output]` and `[signing]` tables, the pipeline name,
//! and path resolution.
//!
//! Unknown keys are errors that name the key, line and column, so a typo can
//! never silently change a result; values are range-checked while parsing.

use crate::combine::DecayParams;
use crate::compute::DistrustParams;
use crate::compute::EigenTrustParams;
use crate::error::{Error, Result};
use crate::ingest::{DEFAULT_SCOPE, PretrustSpec, SourceFormat, SourceSpec};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod credentials;
pub mod patches;
pub mod publishers;
pub mod sentiment;

pub use credentials::CredentialSpec;
pub use patches::PatchSpec;
pub use publishers::PublisherSpec;
use sentiment::SentimentParams;

/// A parsed pipeline file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// The job's name; the epoch goes to `<out>/<name>/<as_of>/`.
    pub name: PipelineName,
    /// The folder every relative path of the file resolves against, relative
    /// to the file's own folder (default: that folder). `verify --recompute`
    /// reads inputs only inside it.
    pub base: Option<PathBuf>,
    /// What the pipeline computes (default `trust`); with the model's table,
    /// it becomes [`LoadedPipeline::model`].
    #[serde(default)]
    model: Model,
    /// The scopes computed, each its own graph and rows (default `["default"]`,
    /// the scope of edge lists).
    #[serde(default = "Pipeline::default_scopes")]
    pub scopes: Vec<String>,
    /// The inputs of the trust model, in order (`[[source]]` tables).
    #[serde(rename = "source", default)]
    pub sources: Vec<SourceSpec>,
    /// Reject credentials without an eddsa-jcs-2022 proof by their issuer.
    #[serde(default)]
    pub require_proofs: bool,
    /// Pre-trust (`[pretrust]`): the operator's root of trust. Absent means
    /// uniform (warned about); present, it must leave a positive weight.
    pub pretrust: Option<PretrustSpec>,
    /// `[eigentrust]` parameters.
    #[serde(default)]
    pub eigentrust: EigenTrustParams,
    /// `[distrust]` parameters.
    #[serde(default)]
    pub distrust: DistrustParams,
    /// `[decay]` parameters (off by default).
    #[serde(default)]
    pub decay: DecayParams,
    /// `[sentiment]` parameters of artifact scoring.
    #[serde(default)]
    pub sentiment: SentimentParams,
    /// `[publishers]`: the publisher model's inputs and parameters (moved into [`ModelSpec`] on load).
    publishers: Option<PublisherSpec>,
    /// `[credentials]`: the compromised-credential model's inputs and parameters (moved into [`ModelSpec`]).
    credentials: Option<CredentialSpec>,
    /// `[patches]`: the patch model's inputs, weights and policy rules (moved into [`ModelSpec`]).
    patches: Option<PatchSpec>,
    /// `[output]` settings.
    #[serde(default)]
    pub output: OutputSpec,
    /// `[signing]` settings; without a key the operator's default key signs.
    #[serde(default)]
    pub signing: SigningSpec,
    /// `[limits]`: input size bounds.
    #[serde(default)]
    pub limits: crate::fsio::Limits,
    /// `[inputs]`: the input cache and the network fetch bounds.
    #[serde(default)]
    pub inputs: crate::fetch::InputsSpec,
    /// `[publish]`: where epochs are published beyond the output folder.
    #[serde(default)]
    pub publish: PublishSpec,
    /// When true, any rejected record fails the run (exit 2) before anything is written.
    #[serde(default)]
    pub strict: bool,
    /// `[cluster]`: run the power iteration on a cluster of processes
    /// (the command line's `--cluster`, `--process`, `--workers` and
    /// `--cluster-timeout` override its keys).
    #[serde(default)]
    pub cluster: Option<crate::cluster::ClusterSection>,
}

impl Pipeline {
    fn default_scopes() -> Vec<String> {
        vec![DEFAULT_SCOPE.to_owned()]
    }
}

/// What a pipeline computes, with the model's own table: a pipeline that
/// names a model without its table, or a table of another model, does not load.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSpec {
    /// Peer trust and artifact sentiment from the `[[source]]`s.
    Trust,
    /// Publisher reputation from `[publishers]`.
    Publishers(PublisherSpec),
    /// Compromised-credential scores from `[credentials]`.
    Credentials(CredentialSpec),
    /// Patch decisions from `[patches]`.
    Patches(PatchSpec),
}

impl ModelSpec {
    /// The model's name in pipeline files and manifests.
    pub fn id(&self) -> &'static str {
        match self {
            ModelSpec::Trust => Model::Trust.id(),
            ModelSpec::Publishers(_) => Model::Publishers.id(),
            ModelSpec::Credentials(_) => Model::Credentials.id(),
            ModelSpec::Patches(_) => Model::Patches.id(),
        }
    }

    /// The input files its table names, as written.
    fn input_paths(&self) -> Vec<&Path> {
        let paths = match self {
            ModelSpec::Trust => vec![],
            ModelSpec::Publishers(t) => vec![Some(&t.signals), t.investigations.as_ref(), t.vouches.as_ref()],
            ModelSpec::Credentials(t) => vec![Some(&t.reports), t.verifications.as_ref(), t.disputes.as_ref()],
            ModelSpec::Patches(t) => vec![Some(&t.patches), t.history.as_ref(), t.issues.as_ref(), t.vouches.as_ref()],
        };
        paths.into_iter().flatten().map(PathBuf::as_path).collect()
    }
}

/// The `model` key of a pipeline file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Model {
    /// Peer trust (EigenTrust, distrust, decay) and artifact sentiment from `[[source]]`s.
    #[default]
    Trust,
    /// Publisher reputation (tiers, decay, freezes, audit log) from `[publishers]`.
    Publishers,
    /// Compromised-credential scores (IdP-weighted reports) from `[credentials]`.
    Credentials,
    /// Patch decisions (provenance, history, author reputation, policy) from `[patches]`.
    Patches,
}

impl Model {
    /// The model's name in pipeline files and manifests.
    pub fn id(self) -> &'static str {
        match self {
            Model::Trust => "trust",
            Model::Publishers => "publishers",
            Model::Credentials => "credentials",
            Model::Patches => "patches",
        }
    }
}

/// The `[output]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Root folder of the epochs, relative to the pipeline file's folder.
    #[serde(default = "OutputSpec::default_dir")]
    pub dir: PathBuf,
    /// The formats of the score files (trust model): `csv`, `jsonl` (the
    /// CAIP-261 credential lines) and `parquet`; default `["csv", "jsonl"]`.
    #[serde(default = "OutputSpec::default_formats", deserialize_with = "formats")]
    pub formats: Vec<OutputFormat>,
}

/// A format of the score files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// `scores.csv`, `artifact_scores.csv`.
    Csv,
    /// `peer_scores.jsonl`, `artifact_scores.jsonl`: one CAIP-261 credential a line.
    Jsonl,
    /// `scores.parquet`, `artifact_scores.parquet`: columnar, zstd, typed columns.
    Parquet,
}

/// `formats`: at least one, each once.
fn formats<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<OutputFormat>, D::Error> {
    let formats = Vec::<OutputFormat>::deserialize(d)?;
    let mut sorted = formats.clone();
    sorted.sort();
    sorted.dedup();
    if formats.is_empty() || sorted.len() != formats.len() {
        return Err(serde::de::Error::custom(
            "formats names each of csv, jsonl, parquet at most once, and at least one",
        ));
    }
    Ok(formats)
}

/// The `[publish]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishSpec {
    /// A Kubo-compatible RPC endpoint each epoch is imported and pinned on.
    #[serde(default)]
    pub ipfs_api: Option<String>,
}

impl OutputSpec {
    fn default_dir() -> PathBuf {
        PathBuf::from("out")
    }

    fn default_formats() -> Vec<OutputFormat> {
        vec![OutputFormat::Csv, OutputFormat::Jsonl]
    }

    /// Whether the score files are written in `format`.
    pub fn writes(&self, format: OutputFormat) -> bool {
        self.formats.contains(&format)
    }
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec { dir: Self::default_dir(), formats: Self::default_formats() }
    }
}

/// The `[signing]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSpec {
    /// Ed25519 key file made by `scoreset keygen`, relative to the pipeline file's folder;
    /// absent, the operator's default key signs (made on first use).
    pub key: Option<PathBuf>,
    /// Write the epoch unsigned (`verify` then rejects it); only when asked for.
    #[serde(default)]
    pub unsigned: bool,
}

/// A pipeline name usable as a folder name: ASCII letters, digits, `.`, `_`
/// and `-`, not starting with a dot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PipelineName(String);

impl PipelineName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PipelineName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if name.is_empty() || name.starts_with('.') || !name.chars().all(allowed) {
            Err(format!(
                "name {name:?} must be non-empty ASCII letters, digits, '.', '_' or '-', not starting with '.'"
            ))
        } else {
            Ok(PipelineName(name))
        }
    }
}

/// Largest pipeline file read (it is configuration, not data).
const MAX_PIPELINE_BYTES: u64 = 16 << 20;
/// Longest scope name: scope names are repeated in rejects and score lines.
const MAX_SCOPE_BYTES: usize = 256;

/// A pipeline file together with where it was found.
#[derive(Debug, Clone)]
pub struct LoadedPipeline {
    /// The parsed contents (the model's table is in [`LoadedPipeline::model`]).
    pub pipeline: Pipeline,
    /// What the pipeline computes, with its table.
    pub model: ModelSpec,
    /// The file as given on the command line.
    pub file: PathBuf,
    /// The folder relative paths in the file resolve against.
    pub base_dir: PathBuf,
    /// The file's text, as read.
    pub text: String,
    /// Where each network input (its path as written, a URL) was fetched to.
    pub fetched: BTreeMap<PathBuf, PathBuf>,
}

impl LoadedPipeline {
    /// Reads and checks a pipeline file.
    pub fn load(file: &Path) -> Result<Self> {
        let text = crate::fsio::read_text_limited(file, MAX_PIPELINE_BYTES)?;
        // A bare file name has an empty parent: its folder is the current one.
        let parent = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut loaded = Self::from_text(text, file, parent.to_path_buf())?;
        let base = loaded.pipeline.base.as_deref().map_or_else(|| parent.to_path_buf(), |b| parent.join(b));
        loaded.base_dir =
            std::path::absolute(&base).map_err(|source| Error::Read { path: file.to_path_buf(), source })?;
        Ok(loaded)
    }

    /// The local file of an input path as written: a fetched URL's cached
    /// copy, else the path against the base folder.
    pub fn local_path(&self, path: &Path) -> PathBuf {
        self.fetched.get(path).cloned().unwrap_or_else(|| self.base_dir.join(path))
    }

    /// The input cache: `[inputs] cache` against the base folder, else
    /// beside the output root (`<output root>.inputs`).
    pub fn input_cache(&self, out_dir: Option<&Path>) -> PathBuf {
        match &self.pipeline.inputs.cache {
            Some(cache) => self.base_dir.join(cache),
            None => crate::fetch::default_cache(&self.out_dir(out_dir)),
        }
    }

    /// Fetches every network input into the input cache (see [`crate::fetch`]),
    /// so that [`LoadedPipeline::local_path`] finds it.
    pub fn fetch_inputs(&mut self, out_dir: Option<&Path>) -> Result<()> {
        let cache = self.input_cache(out_dir);
        let remote: Vec<PathBuf> =
            self.input_paths().into_iter().filter(|p| crate::fetch::is_remote(p)).map(Path::to_path_buf).collect();
        for url in remote {
            let local = crate::fetch::fetch_into_cache(
                &url.to_string_lossy(),
                &cache,
                self.pipeline.limits.max_input_bytes,
                &self.pipeline.inputs,
            )?;
            self.fetched.insert(url, local);
        }
        Ok(())
    }

    /// Every input file or folder the pipeline names, as written (relative to [`Self::base_dir`] unless absolute, or a URL).
    pub fn input_paths(&self) -> Vec<&Path> {
        let p = &self.pipeline;
        let mut paths: Vec<&Path> = p.sources.iter().map(|s| s.path.as_path()).collect();
        paths.extend(p.pretrust.as_ref().and_then(|t| t.path.as_deref()));
        paths.extend(self.model.input_paths());
        paths
    }

    /// Parses pipeline text that came from `file`, resolving paths against
    /// `base_dir` (its `base` key is not applied: `verify` passes the folder recorded, or chosen).
    pub fn from_text(text: String, file: &Path, base_dir: PathBuf) -> Result<Self> {
        let mut pipeline: Pipeline =
            toml::from_str(&text).map_err(|e| Error::ConfigSyntax { path: file.to_path_buf(), source: Box::new(e) })?;
        let refuse = |message: String| Err(Error::Config { path: file.to_path_buf(), message });
        let model = pipeline.model.id();
        match pipeline.model {
            Model::Trust if pipeline.sources.is_empty() => return refuse("no [[source]] given".into()),
            Model::Publishers if pipeline.publishers.is_none() => {
                return refuse(format!("model = \"{model}\" needs a [publishers] table"));
            }
            Model::Credentials if pipeline.credentials.is_none() => {
                return refuse(format!("model = \"{model}\" needs a [credentials] table"));
            }
            Model::Patches if pipeline.patches.is_none() => {
                return refuse(format!("model = \"{model}\" needs a [patches] table"));
            }
            Model::Patches => {
                let databases = pipeline.sources.iter().filter(|s| s.format == SourceFormat::PatchHistory).count()
                    + usize::from(pipeline.patches.as_ref().is_some_and(|p| p.history.is_some()));
                if let Some(other) = pipeline.sources.iter().find(|s| s.format != SourceFormat::PatchHistory) {
                    return refuse(format!(
                        "model = \"{model}\" reads only a [[source]] of format \"patch-history\", not {:?}",
                        other.format.id()
                    ));
                }
                if databases != 1 {
                    return refuse(format!(
                        "model = \"{model}\" needs exactly one patch-history database ([patches] history or a [[source]] with format = \"patch-history\"), found {databases}"
                    ));
                }
            }
            Model::Publishers | Model::Credentials if !pipeline.sources.is_empty() => {
                return refuse(format!(
                    "model = \"{model}\" reads its own tables; [[source]] is for model = \"trust\""
                ));
            }
            _ => {}
        }
        if let Some(message) = pipeline.publishers.as_ref().and_then(|p| p.params().err()) {
            return refuse(message);
        }
        if let Some(message) = pipeline.credentials.as_ref().and_then(|c| c.params().err()) {
            return refuse(message);
        }
        if let Some(message) = pipeline.patches.as_ref().and_then(|p| p.check().err()) {
            return refuse(message);
        }
        if let Some(long) = pipeline.scopes.iter().find(|s| s.len() > MAX_SCOPE_BYTES) {
            return refuse(format!(
                "a scope name is {} bytes long (at most {MAX_SCOPE_BYTES}): {:?}…",
                long.len(),
                long.chars().take(40).collect::<String>()
            ));
        }
        if pipeline.signing.unsigned && pipeline.signing.key.is_some() {
            return refuse("[signing] names a key and unsigned = true; choose one".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        if pipeline.scopes.is_empty() || pipeline.scopes.iter().any(|s| s.trim().is_empty() || !seen.insert(s)) {
            return refuse(format!("scopes {:?} must be a non-empty list of distinct names", pipeline.scopes));
        }
        if let Some(scope) = &pipeline.sentiment.scope
            && !pipeline.scopes.contains(scope)
        {
            return refuse(format!(
                "[sentiment] scope {scope:?} is not among the computed scopes {:?}",
                pipeline.scopes
            ));
        }
        if let Some(s) = pipeline.sources.iter().find(|s| !s.value_scale.is_finite() || s.value_scale == 0.0) {
            return refuse(format!("source {}: value_scale must be finite and non-zero", s.path.display()));
        }
        if pipeline.decay.half_life_days.is_some_and(|h| !(h.is_finite() && h > 0.0)) {
            return refuse("[decay] half_life_days must be a positive number of days".into());
        }
        let tables = [
            ("publishers", pipeline.publishers.is_some(), Model::Publishers),
            ("credentials", pipeline.credentials.is_some(), Model::Credentials),
            ("patches", pipeline.patches.is_some(), Model::Patches),
        ];
        if let Some((table, _, _)) = tables.iter().find(|(_, present, owner)| *present && *owner != pipeline.model) {
            return refuse(format!(
                "a [{table}] table is for model = \"{table}\", and this pipeline's model is \"{model}\""
            ));
        }
        let missing = |table: &str| Error::Config {
            path: file.to_path_buf(),
            message: format!("model = \"{model}\" needs a [{table}] table"),
        };
        let model = match pipeline.model {
            Model::Trust => ModelSpec::Trust,
            Model::Publishers => {
                ModelSpec::Publishers(pipeline.publishers.take().ok_or_else(|| missing("publishers"))?)
            }
            Model::Credentials => {
                ModelSpec::Credentials(pipeline.credentials.take().ok_or_else(|| missing("credentials"))?)
            }
            Model::Patches => ModelSpec::Patches(pipeline.patches.take().ok_or_else(|| missing("patches"))?),
        };
        Ok(LoadedPipeline { pipeline, model, file: file.to_path_buf(), base_dir, text, fetched: BTreeMap::new() })
    }

    /// The pipeline file's own name, used as the source of inline entries in rejects.
    pub fn label(&self) -> String {
        self.file.file_name().map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into_owned())
    }

    /// The output root: `override_dir` if given, else `[output] dir` against the file's folder.
    pub fn out_dir(&self, override_dir: Option<&Path>) -> PathBuf {
        override_dir.map_or_else(|| self.base_dir.join(&self.pipeline.output.dir), Path::to_path_buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::DistrustMode;

    fn parse(text: &str) -> Result<Pipeline, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    const MINIMAL: &str = "name = \"x\"\n[[source]]\nformat = \"edges\"\npath = \"e.csv\"\n";

    #[test]
    fn defaults_follow_the_reference() {
        let p = parse(MINIMAL).unwrap();
        assert_eq!(p.eigentrust, EigenTrustParams::default());
        assert_eq!(p.eigentrust.alpha.0, 0.5);
        assert_eq!(p.distrust.mode, DistrustMode::OneShot);
        assert_eq!(p.output.dir, PathBuf::from("out"));
        assert!(!p.sources[0].header && !p.strict);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = parse(&format!("{MINIMAL}[eigentrust]\nalpah = 0.2\n")).unwrap_err();
        assert!(err.contains("alpah") && err.contains("line 6"), "{err}");
    }

    #[test]
    fn out_of_range_alpha_is_refused_with_its_line() {
        let err = parse(&format!("{MINIMAL}[eigentrust]\nalpha = 1.5\n")).unwrap_err();
        assert!(err.contains("outside [0, 1]") && err.contains("line 6"), "{err}");
    }

    #[test]
    fn the_model_comes_with_its_table_and_no_other() {
        let load = |text: &str| LoadedPipeline::from_text(text.into(), Path::new("p.toml"), PathBuf::from("."));
        let publishers = "name = \"p\"\nmodel = \"publishers\"\n[publishers]\nsignals = \"s.csv\"\n";
        let loaded = load(publishers).unwrap();
        assert!(matches!(&loaded.model, ModelSpec::Publishers(t) if t.signals == Path::new("s.csv")));
        assert_eq!(loaded.input_paths(), [Path::new("s.csv")]);
        let missing = load("name = \"p\"\nmodel = \"credentials\"\n").unwrap_err().to_string();
        assert!(missing.contains("needs a [credentials] table"), "{missing}");
        let foreign = load(&format!("{MINIMAL}[publishers]\nsignals = \"s.csv\"\n")).unwrap_err().to_string();
        assert!(foreign.contains("a [publishers] table is for model = \"publishers\""), "{foreign}");
        assert_eq!(load(MINIMAL).unwrap().model, ModelSpec::Trust);
    }

    #[test]
    fn unsafe_names_and_unknown_formats_are_refused() {
        assert!(parse(&MINIMAL.replace("\"x\"", "\"../x\"")).unwrap_err().contains("must be non-empty"));
        assert!(parse(&MINIMAL.replace("\"edges\"", "\"edgez\"")).unwrap_err().contains("edgez"));
        assert!(parse(&format!("{MINIMAL}[distrust]\nmode = \"twice\"\n")).unwrap_err().contains("twice"));
    }
}
