//! Ingest: reads every source a pipeline names, validates each record, and
//! turns the accepted ones into edges between interned peers. Refused records
//! become [`Reject`]s with their source, position and reason.

mod edges;
mod pretrust;
mod reject;
mod tabular;

pub use reject::{Position, Reject, RejectReason};

use crate::crypto::{Digest, digest_file};
use crate::error::{Error, Result};
use indexmap::IndexSet;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One `[[source]]` of a pipeline.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The record format.
    pub format: SourceFormat,
    /// File path, relative to the pipeline file's folder.
    pub path: PathBuf,
    /// Whether the first line is a header (CSV only).
    #[serde(default)]
    pub header: bool,
}

/// Record formats a source can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// `truster,trustee,value[,timestamp]` in `.csv`, `.csv.gz` or `.parquet`.
    Edges,
}

/// The `[pretrust]` table: a file of `peer,weight` lines and/or inline entries.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrustSpec {
    /// A `peer,weight` CSV file, relative to the pipeline file's folder.
    pub path: Option<PathBuf>,
    /// Whether that file starts with a header line.
    #[serde(default)]
    pub header: bool,
    /// Inline `peer = weight` entries.
    #[serde(default)]
    pub entries: BTreeMap<String, f64>,
}

/// One accepted local-trust statement between interned peers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Index of the truster in [`Ingested::peers`].
    pub truster: u32,
    /// Index of the trustee.
    pub trustee: u32,
    /// Finite value: positive = trust, negative = distrust.
    pub value: f64,
}

/// Record counts and digest of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputStats {
    /// The path as given in the pipeline file (or the pipeline file itself for inline entries).
    pub source: String,
    /// What the input is: `edges`, `pretrust` or `pretrust-inline`.
    pub kind: &'static str,
    /// SHA-256, CID and size of the file as read; `None` for inline entries.
    pub digest: Option<Digest>,
    /// Records read (non-empty lines, rows or entries).
    pub records: u64,
    /// Records refused.
    pub rejected: u64,
}

impl InputStats {
    /// Empty counts for the source labelled `source`.
    fn new(source: &str, kind: &'static str) -> Self {
        InputStats { source: source.to_owned(), kind, digest: None, records: 0, rejected: 0 }
    }

    /// Counts a refused record of this input and files its reject.
    fn reject(
        &mut self,
        rejects: &mut Vec<Reject>,
        position: Position,
        reason: RejectReason,
        detail: String,
        raw: String,
    ) {
        self.rejected += 1;
        rejects.push(Reject { source: self.source.clone(), position, reason, detail, raw });
    }
}

/// Everything ingest produced: the input of the graph stage.
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    /// Peer ids in first-seen order; edges refer to them by index.
    pub peers: Vec<String>,
    /// Accepted edges, in input order.
    pub edges: Vec<Edge>,
    /// Accepted pre-trust weights by peer index, in input order.
    pub pretrust: Vec<(u32, f64)>,
    /// Refused records, in input order.
    pub rejects: Vec<Reject>,
    /// Per-input counts, in pipeline order.
    pub inputs: Vec<InputStats>,
}

/// Reads all sources and the pre-trust. Relative paths resolve against
/// `base_dir`; `pipeline_label` names the pipeline file in rejects of inline
/// entries. A missing or unreadable file is an error; bad records are not.
pub fn ingest(
    sources: &[SourceSpec],
    pretrust: &PretrustSpec,
    base_dir: &Path,
    pipeline_label: &str,
) -> Result<Ingested> {
    let mut peers = PeerIds::default();
    let mut out = Ingested::default();
    for spec in sources {
        let label = spec.path.display().to_string();
        let path = base_dir.join(&spec.path);
        let mut stats = match spec.format {
            SourceFormat::Edges => {
                edges::read(&path, spec.header, &label, &mut peers, &mut out.edges, &mut out.rejects)?
            }
        };
        stats.digest = Some(pin(&path)?);
        tracing::info!(source = %label, records = stats.records, rejected = stats.rejected, "source read");
        out.inputs.push(stats);
    }

    let mut entries = Vec::new();
    if let Some(file) = &pretrust.path {
        let label = file.display().to_string();
        let input = out.inputs.len();
        let path = base_dir.join(file);
        let mut stats = pretrust::read_file(&path, pretrust.header, &label, input, &mut entries, &mut out.rejects)?;
        stats.digest = Some(pin(&path)?);
        out.inputs.push(stats);
    }
    if !pretrust.entries.is_empty() {
        let input = out.inputs.len();
        let stats = pretrust::read_inline(&pretrust.entries, pipeline_label, input, &mut entries, &mut out.rejects);
        out.inputs.push(stats);
    }
    for entry in entries {
        match peers.get(&entry.peer) {
            Some(index) => out.pretrust.push((index, entry.weight)),
            None => out.inputs[entry.input].reject(
                &mut out.rejects,
                entry.position,
                RejectReason::UnknownPeer,
                format!("pre-trusted peer {:?} appears in no accepted edge", entry.peer),
                entry.raw,
            ),
        }
    }
    out.peers = peers.into_ids();
    Ok(out)
}

/// Pins a file input: its digest as it is on disk.
fn pin(path: &Path) -> Result<Digest> {
    digest_file(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })
}

/// Interns peer ids: each distinct id gets the next index.
#[derive(Debug, Default)]
pub(crate) struct PeerIds {
    ids: IndexSet<String>,
}

impl PeerIds {
    /// The index of `id`, adding it if new.
    pub(crate) fn intern(&mut self, id: &str, source: &Path) -> Result<u32> {
        if let Some(index) = self.ids.get_index_of(id) {
            return Ok(index as u32);
        }
        let index = u32::try_from(self.ids.len()).map_err(|_| Error::Input {
            path: source.to_path_buf(),
            message: format!("more than {} distinct peers", u32::MAX),
        })?;
        self.ids.insert(id.to_owned());
        Ok(index)
    }

    /// The index of `id`, if known.
    pub(crate) fn get(&self, id: &str) -> Option<u32> {
        self.ids.get_index_of(id).map(|i| i as u32)
    }

    fn into_ids(self) -> Vec<String> {
        self.ids.into_iter().collect()
    }
}
