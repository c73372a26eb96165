//! `manifest.json`: the epoch as a Verifiable-Credential-shaped `Scoreset`
//! document. It pins the pipeline, every parameter, every input and output
//! (SHA-256 and CID), the counts and the previous epoch's manifest CID, and is
//! signed with an eddsa-jcs-2022 Data Integrity proof by a did:key.
//!
//! The file is the RFC 8785 canonical form of the document, so its CID is
//! stable and the signature covers every byte of it.

use crate::crypto::{Digest, content::CID_METHOD};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// JSON-LD context of the document.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// The manifest document (without its proof).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// `["https://www.w3.org/ns/credentials/v2"]`.
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// `["VerifiableCredential", "Scoreset"]`.
    #[serde(rename = "type")]
    pub kinds: Vec<String>,
    /// `urn:scoreset:<pipeline>:<epoch>`.
    pub id: String,
    /// did:key of the signer; absent in an unsigned epoch.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub issuer: Option<String>,
    /// The epoch's `as_of`.
    pub valid_from: String,
    /// What the epoch holds.
    pub credential_subject: Subject,
}

/// The body of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// The pipeline file as run.
    pub pipeline: PipelineRecord,
    /// Cut-off instant (RFC 3339, UTC).
    pub as_of: String,
    /// The model computed: `trust`, `publishers` or `credentials`.
    pub model: String,
    /// Algorithm and encoding identifiers.
    pub algorithms: BTreeMap<String, String>,
    /// Every parameter of the model, with defaults resolved.
    pub parameters: serde_json::Value,
    /// Inputs in pipeline order.
    pub inputs: Vec<InputRecord>,
    /// Output files (everything in the epoch but the manifest and the CAR).
    pub outputs: Vec<OutputRecord>,
    /// Counts of the run: `rejected`, `rejectedByReason` and the model's own.
    pub counts: serde_json::Value,
    /// CID of the previous epoch's `manifest.json` (the epoch `latest` named
    /// when this one was published), `null` for the first.
    pub previous: Option<String>,
    /// The previous epoch's folder name, to name it when it is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_epoch: Option<String>,
    /// The software that made the epoch.
    pub software: Software,
}

/// The pipeline file as run (its text is embedded so a verifier can re-run it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRecord {
    /// Pipeline name.
    pub name: String,
    /// The pipeline file's name.
    pub file: String,
    /// Absolute folder the relative paths in the file resolved against.
    pub base_dir: String,
    /// SHA-256 of the file's text.
    pub sha256: String,
    /// The file's text.
    pub toml: String,
}

/// Every parameter of a trust run, defaults resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameters {
    /// Scopes computed.
    pub scopes: Vec<String>,
    /// EigenTrust α.
    pub alpha: f64,
    /// ε as configured; `null` = the default 1e-6/n of each scope (see the scope counts).
    pub epsilon: Option<f64>,
    /// Iteration bound.
    pub max_iterations: u32,
    /// The kernel's peer order (`natural`, or `degree` for cache locality).
    pub order: String,
    /// Distrust adjustment id.
    pub distrust: String,
    /// Decay half-life in days; `null` = no decay.
    pub decay_half_life_days: Option<f64>,
    /// What a truster's decayed statements are scaled by (`decayed`, the
    /// reference, or `undecayed`: faded trust returns to pre-trust).
    pub decay_row_scale: String,
    /// Whether unproven credentials are rejected.
    pub require_proofs: bool,
    /// The scope whose peer scores weigh artifact opinions.
    pub sentiment_scope: String,
    /// Artifact badge thresholds (`caip` or `k3l-2024`).
    pub sentiment_thresholds: String,
    /// Whether any reject fails the run.
    pub strict: bool,
    /// `configured` (the pipeline's `[pretrust]`) or `uniform` (none named).
    pub pretrust: String,
}

/// One input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputRecord {
    /// The path as given in the pipeline file (or the pipeline file for inline entries).
    pub source: String,
    /// What the input is (`edges`, `pretrust`, `pretrust-inline`).
    pub kind: String,
    /// Digest of the file; absent for inline entries (pinned by the pipeline's own hash).
    #[serde(flatten, skip_serializing_if = "Option::is_none", default)]
    pub digest: Option<Digest>,
    /// Records read.
    pub records: u64,
    /// Records rejected.
    pub rejected: u64,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputRecord {
    /// File name in the epoch.
    pub name: String,
    /// Its digest.
    #[serde(flatten)]
    pub digest: Digest,
}

/// Counts of one scope's computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeCounts {
    /// Scope name.
    pub scope: String,
    /// Peers scored.
    pub peers: u64,
    /// Statements in the scope's graph before merging.
    pub input_edges: u64,
    /// Distinct trust pairs.
    pub trust_edges: u64,
    /// Distinct distrust pairs.
    pub distrust_edges: u64,
    /// Pairs whose statements summed to zero.
    pub net_zero_pairs: u64,
    /// EigenTrust iterations.
    pub iterations: u32,
    /// Final L2 residual.
    pub residual: f64,
    /// ε used.
    pub epsilon: f64,
    /// The residual after each iteration, in order (the convergence plot of `scoreset report`).
    #[serde(default)]
    pub residuals: Vec<f64>,
}

/// Name and version of the producer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Software {
    /// `scoreset`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

impl Software {
    /// This build.
    pub fn this() -> Self {
        Software { name: env!("CARGO_PKG_NAME").into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

/// EigenTrust as computed here, for the manifests' algorithm identifiers.
pub const EIGENTRUST: &str = "EigenTrust (go-eigentrust semantics: canonical rows, dangling rows = pre-trust, L2 stop)";

/// The algorithm identifiers recorded in every manifest: the model's own, then the common ones.
pub fn algorithms(model: &[(&str, &str)]) -> BTreeMap<String, String> {
    model
        .iter()
        .copied()
        .chain([
            ("canonicalization", "RFC 8785 (JCS)"),
            ("contentId", CID_METHOD),
            ("cidProfile", crate::crypto::unixfs::PROFILE),
            ("car", "CARv1 rooted at a UnixFS directory (unixfs-v1-2025) of the epoch's files but scoreset.car"),
            ("proof", "DataIntegrityProof eddsa-jcs-2022, issuer did:key (Ed25519)"),
        ])
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
