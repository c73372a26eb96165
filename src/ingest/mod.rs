//! Ingest: reads every source a pipeline names, validates each record, and
//! turns the accepted ones into edges and attestations between interned,
//! normalised peers. Refused records become [`Reject`]s with their source,
//! position and reason; every record read is either accepted or rejected.

pub mod credential;
mod decimal;
mod document;
mod edges;
pub mod identity;
mod indexer;
pub mod patches;
mod pretrust;
pub mod records;
mod reject;
mod shard;
pub mod table;
mod tabular;
mod vc;

pub use credential::{Claim, Credential, CredentialType, Findings, HONESTY, ProofStatus};
pub use reject::{Position, Refusal, Reject, RejectReason};
pub(crate) use shard::Parts;
pub use shard::Shards;

use crate::crypto::{Digest, digest_bytes, digest_file};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One `[[source]]` of a pipeline.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The record format.
    pub format: SourceFormat,
    /// File (or, for `vc-json`, folder) path, relative to the pipeline file's folder.
    pub path: PathBuf,
    /// Edge lists: whether the first line is a header.
    #[serde(default)]
    pub header: bool,
    /// Edge lists: every value is multiplied by this (e.g. 0.1 maps ratings −10..+10 to levels).
    #[serde(default = "SourceSpec::unit_scale")]
    pub value_scale: f64,
    /// Edge lists: the scope their statements belong to.
    #[serde(default = "SourceSpec::default_scope")]
    pub scope: String,
}

impl SourceSpec {
    fn unit_scale() -> f64 {
        1.0
    }

    fn default_scope() -> String {
        DEFAULT_SCOPE.to_owned()
    }
}

/// Scope of edge-list statements when the source names none.
pub const DEFAULT_SCOPE: &str = "default";

/// Record formats a source can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// `truster,trustee,value[,timestamp]` in `.csv`, `.csv.gz` or `.parquet`.
    Edges,
    /// One credential per line.
    VcJsonl,
    /// A `.json` file (one credential or an array of them) or a folder of `.json` files.
    VcJson,
    /// The Snaps indexer's `id;timestamp_ms;schema_id;json` CSV.
    IndexerCsv,
    /// The patch-history database (SQLite), read by `model = "patches"`.
    PatchHistory,
}

impl SourceFormat {
    /// The format's name in pipeline files and manifests.
    pub fn id(self) -> &'static str {
        match self {
            SourceFormat::Edges => "edges",
            SourceFormat::VcJsonl => "vc-jsonl",
            SourceFormat::VcJson => "vc-json",
            SourceFormat::IndexerCsv => "indexer-csv",
            SourceFormat::PatchHistory => "patch-history",
        }
    }
}

/// The `[pretrust]` table: a file of `peer,weight` or `DID weight` lines and/or inline entries.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrustSpec {
    /// A file of `peer,weight` or `DID weight` lines, relative to the pipeline file's folder.
    pub path: Option<PathBuf>,
    /// Whether that file starts with a header line.
    #[serde(default)]
    pub header: bool,
    /// Inline `peer = weight` entries.
    #[serde(default)]
    pub entries: BTreeMap<String, f64>,
}

/// What ingest needs to know of the pipeline beyond its sources.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// The scopes the pipeline computes (a trust credential about none of them is rejected).
    pub scopes: Vec<String>,
    /// Reject credentials without a proof this tool can verify.
    pub require_proofs: bool,
    /// Size limits of the inputs.
    pub limits: crate::fsio::Limits,
    /// Network inputs already fetched: the path as written (a URL) → the local copy.
    pub fetched: std::collections::BTreeMap<PathBuf, PathBuf>,
}

impl IngestOptions {
    /// The file to read for an input path as written.
    fn local(&self, base_dir: &Path, path: &Path) -> PathBuf {
        self.fetched.get(path).cloned().unwrap_or_else(|| base_dir.join(path))
    }
}

/// One accepted local-trust statement of an edge list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// The truster: its index in [`Ingested::peers`], or, for an edge an
    /// edge list's fast path read, its id's number tagged with
    /// [`DECIMAL_ID`] (see [`DecimalIds`]).
    pub truster: u32,
    /// The trustee, named as the truster is.
    pub trustee: u32,
    /// Finite value (scaled): positive = trust, negative = distrust.
    pub value: f64,
}

/// The edges of one edge-list source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EdgeBatch {
    /// The scope the source's statements belong to.
    pub scope: String,
    /// The edges, in input order.
    pub edges: Vec<Edge>,
    /// Each edge's timestamp (unix ms) where the file gives one; `None` when
    /// no line of the file has a timestamp (saving 16 bytes an edge).
    pub times_ms: Option<Vec<Option<i64>>>,
}

/// An accepted credential, its peers interned.
#[derive(Debug, Clone, PartialEq)]
pub struct Attestation {
    /// Index of the issuer in [`Ingested::peers`].
    pub issuer: u32,
    /// Index of the subject peer, for trust claims.
    pub subject: Option<u32>,
    /// The credential as read.
    pub credential: Credential,
}

/// Record counts and digest of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputStats {
    /// The path as given in the pipeline file (or the pipeline file itself for inline entries).
    pub source: String,
    /// What the input is: a source format, `pretrust` or `pretrust-inline`.
    pub kind: &'static str,
    /// SHA-256, CID and size of the file as read (of the files, for a folder); `None` for inline entries.
    pub digest: Option<Digest>,
    /// Records read (non-empty lines, rows, files or entries).
    pub records: u64,
    /// Records refused.
    pub rejected: u64,
}

impl InputStats {
    /// Empty counts for the source labelled `source`.
    pub fn new(source: &str, kind: &'static str) -> Self {
        InputStats { source: source.to_owned(), kind, digest: None, records: 0, rejected: 0 }
    }

    /// Counts a refused record of this input and files its reject.
    pub fn reject(
        &mut self,
        rejects: &mut Vec<Reject>,
        position: Position,
        reason: RejectReason,
        detail: String,
        raw: String,
    ) {
        self.rejected += 1;
        rejects.push(Reject::new(self.source.clone(), position, reason, detail, raw));
    }

    /// Counts one record read: a refusal is filed as a reject (its raw text
    /// made only then), an accepted value is handed back.
    fn admit<T>(
        &mut self,
        rejects: &mut Vec<Reject>,
        position: Position,
        checked: Result<T, Refusal>,
        raw: impl FnOnce() -> String,
    ) -> Option<T> {
        self.records += 1;
        checked.map_err(|(reason, detail)| self.reject(rejects, position, reason, detail, raw())).ok()
    }
}

/// The tag of an edge's peer named by its id's number rather than by an
/// index: `DECIMAL_ID | n` is the peer whose id is the canonical decimal
/// number `n` (below 2^24). Indices stay below it.
pub const DECIMAL_ID: u32 = 1 << 31;

/// The peers edges name by number ([`DECIMAL_ID`]).
///
/// An edge list's fast path ([`decimal::edge`]) files its edges with their
/// ids' numbers, never looking them up: at 100M rows the lookups were random
/// reads of a table of tens of MB on the one core that files edges in line
/// order, and the part of ingest that grew faster than the rows
/// (docs/performance.md). The graph build numbers a scope's peers by
/// sorting their ids anyway, and maps these numbers straight to that
/// numbering, in the one pass that rewrites the edges.
///
/// A decimal id can also be interned as text (a line the fast path leaves to
/// the general reader, a pre-trust entry): it is then one peer with two
/// names, and its index is the canonical one ([`DecimalIds::canonical`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecimalIds {
    /// One more than the largest number an edge names (0: none does).
    pub span: u32,
    /// Index + 1 in [`Ingested::peers`] of each decimal id interned as text
    /// (0: not interned), by number.
    pub interned: Vec<u32>,
}

impl DecimalIds {
    /// The index of decimal id `n`, if it was interned as text.
    pub fn index(&self, n: u32) -> Option<u32> {
        self.interned.get(n as usize).and_then(|&slot| slot.checked_sub(1))
    }

    /// The number an edge's peer is named by, if it is named by one.
    pub fn number(peer: u32) -> Option<u32> {
        (peer >= DECIMAL_ID).then_some(peer - DECIMAL_ID)
    }

    /// One name per peer: an edge's peer as its index where it has one.
    pub fn canonical(&self, peer: u32) -> u32 {
        Self::number(peer).and_then(|n| self.index(n)).unwrap_or(peer)
    }
}

/// Everything ingest produced: the input of the combine stage.
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    /// Peer ids in first-seen order; edges and attestations refer to them by
    /// index. Peers that only edges read by the fast path name are not here
    /// but in [`Ingested::decimal`].
    pub peers: Vec<String>,
    /// The peers edges name by their ids' numbers.
    pub decimal: DecimalIds,
    /// Edge-list statements, one batch per edge source.
    pub edges: Vec<EdgeBatch>,
    /// Accepted credentials, in input order.
    pub attestations: Vec<Attestation>,
    /// Accepted pre-trust weights by peer index, in input order.
    pub pretrust: Vec<(u32, f64)>,
    /// Refused records, in input order.
    pub rejects: Vec<Reject>,
    /// Per-input counts, in pipeline order.
    pub inputs: Vec<InputStats>,
}

impl Ingested {
    /// The id of an edge's or attestation's peer, however it is named.
    pub fn id(&self, peer: u32) -> std::borrow::Cow<'_, str> {
        peer_id(&self.peers, peer)
    }
}

/// The id of a peer as an edge names it: by number ([`DecimalIds`]) or by
/// its index in `interned`, the ids interned as text.
fn peer_id(interned: &[String], peer: u32) -> std::borrow::Cow<'_, str> {
    match DecimalIds::number(peer) {
        Some(n) => n.to_string().into(),
        None => interned[peer as usize].as_str().into(),
    }
}

/// Reads all sources and the pre-trust. Relative paths resolve against
/// `base_dir`; `pipeline_label` names the pipeline file in rejects of inline
/// entries. A missing or unreadable file is an error; bad records are not.
pub fn ingest(
    sources: &[SourceSpec],
    pretrust: &PretrustSpec,
    options: &IngestOptions,
    base_dir: &Path,
    pipeline_label: &str,
) -> Result<Ingested> {
    ingest_sharded(sources, pretrust, options, base_dir, pipeline_label, None)
}

/// [`ingest`] on process 0 of a cluster run, with the plain-text edge lists
/// parsed in shards by all its processes (`shards`; see [`Shards`]) while
/// the others run [`send_shares`]: the result is the same as [`ingest`]'s.
pub fn ingest_sharded(
    sources: &[SourceSpec],
    pretrust: &PretrustSpec,
    options: &IngestOptions,
    base_dir: &Path,
    pipeline_label: &str,
    shards: Option<&dyn Shards>,
) -> Result<Ingested> {
    let mut peers = PeerIds::default();
    let mut out = Ingested::default();
    for spec in sources {
        let label = spec.path.display().to_string();
        crate::progress::step("Ingest", format_args!("reading {label}"));
        let path = options.local(base_dir, &spec.path);
        let mut stats = InputStats::new(&label, spec.format.id());
        // Pin the input (hash it) on one core while it is parsed on the
        // others. A file is read once, so what is pinned is exactly what is read.
        let (digest, read) = if path.is_dir() {
            rayon::join(
                || vc::digest_folder(&path).map(Some),
                || read_source(spec, &path, Contents::Folder, options, &mut stats, &mut peers, &mut out),
            )
        } else if let Some(shards) = shards.filter(|_| shard::shardable(spec, &path)) {
            let limit = options.limits.max_input_bytes;
            let (digest, batch) =
                shard::read_edges(&path, spec, shards, limit, &mut stats, &mut peers, &mut out.rejects)?;
            out.edges.push(batch);
            (Ok(Some(digest)), Ok(()))
        } else if shard::shardable(spec, &path) {
            // A plain-text edge list is read in blocks, never whole.
            let limit = options.limits.max_input_bytes;
            let (digest, batch) = edges::read_streamed(&path, spec, limit, &mut stats, &mut peers, &mut out.rejects)?;
            out.edges.push(batch);
            (Ok(Some(digest)), Ok(()))
        } else {
            let file = Arc::new(tabular::read_file(&path, options.limits.max_input_bytes)?);
            rayon::join(
                || Ok(Some(digest_bytes(&file))),
                || read_source(spec, &path, Contents::File(&file), options, &mut stats, &mut peers, &mut out),
            )
        };
        read?;
        stats.digest = digest?;
        tracing::info!(source = %label, records = stats.records, rejected = stats.rejected, "source read");
        out.inputs.push(stats);
    }
    crate::progress::done("Ingest");

    let mut entries = Vec::new();
    if let Some(file) = &pretrust.path {
        let label = file.display().to_string();
        let path = options.local(base_dir, file);
        let mut stats = pretrust::read_file(
            &path,
            pretrust.header,
            &label,
            options.limits.max_input_bytes,
            &mut entries,
            &mut out.rejects,
        )?;
        stats.digest = Some(pin(&path)?);
        out.inputs.push(stats);
    }
    if !pretrust.entries.is_empty() {
        let stats = pretrust::read_inline(&pretrust.entries, pipeline_label, &mut entries, &mut out.rejects);
        out.inputs.push(stats);
    }
    // Pre-trust is the operator's root of trust: a pre-trusted peer is a node
    // of every scope whether or not it has said anything, so its pre-trust
    // weight anchors every scope, not only those it spoke in (README, *Pre-trust*).
    for entry in entries {
        let index = peers.intern(&entry.peer, Path::new(pipeline_label))?;
        out.pretrust.push((index, entry.weight));
    }
    (out.peers, out.decimal) = peers.into_parts();
    Ok(out)
}

/// A cluster process other than 0's part in ingest: it parses its range of
/// each plain-text edge list and sends it to process 0 (which reads the rest
/// of the inputs alone). Returns the sources it read a share of.
pub fn send_shares(
    sources: &[SourceSpec],
    options: &IngestOptions,
    base_dir: &Path,
    shards: &dyn Shards,
) -> Result<Vec<String>> {
    let mut sent = Vec::new();
    for spec in sources {
        let path = options.local(base_dir, &spec.path);
        if shard::shardable(spec, &path) {
            shard::send_share(&path, spec, shards, options.limits.max_input_bytes)?;
            sent.push(spec.path.display().to_string());
        }
    }
    crate::progress::done("Ingest");
    Ok(sent)
}

/// What a source's path holds, as read.
#[derive(Clone, Copy)]
enum Contents<'a> {
    /// A file's bytes as they are on disk.
    File(&'a Arc<Vec<u8>>),
    /// A folder (of `vc-json` files), read by its reader.
    Folder,
}

/// Reads one source into `out`, counting into `stats`.
fn read_source(
    spec: &SourceSpec,
    path: &Path,
    contents: Contents<'_>,
    options: &IngestOptions,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    out: &mut Ingested,
) -> Result<()> {
    let file = || match contents {
        Contents::File(file) => Ok(file),
        Contents::Folder => Err(Error::Input {
            path: path.to_path_buf(),
            message: format!("is a folder; {} sources are files", spec.format.id()),
        }),
    };
    match spec.format {
        SourceFormat::Edges => {
            let batch =
                edges::read(path, file()?, spec, stats, peers, &mut out.rejects, options.limits.max_input_bytes)?;
            out.edges.push(batch);
        }
        SourceFormat::PatchHistory => {
            return Err(Error::Input {
                path: path.to_path_buf(),
                message: "a patch-history source is read by model = \"patches\", not by the trust model".into(),
            });
        }
        SourceFormat::VcJsonl | SourceFormat::VcJson | SourceFormat::IndexerCsv => {
            let mut sink = vc::Sink { options, stats, peers, out };
            match spec.format {
                SourceFormat::VcJsonl => vc::read_jsonl(path, file()?, &mut sink)?,
                SourceFormat::VcJson => match contents {
                    Contents::File(file) => vc::read_json_file(path, file, &mut sink)?,
                    Contents::Folder => vc::read_json_folder(path, &mut sink)?,
                },
                _ => indexer::read(path, file()?, &mut sink)?,
            }
        }
    }
    Ok(())
}

/// Pins a file input: its digest as it is on disk.
fn pin(path: &Path) -> Result<Digest> {
    digest_file(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })
}

/// The canonical form of a peer id from a tabular source: DIDs are
/// normalised (and must be valid); other ids (e.g. numeric) are kept as written.
fn normalise_peer(id: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    if id.starts_with("did:") { identity::normalise_did(id).map(Into::into) } else { Ok(id.into()) }
}

/// Interns peer ids: each distinct id gets the next index, in first-seen order.
///
/// Interning runs twice per edge and was the costliest step of reading an
/// edge list (a hash probe, then the entry, then its heap string: three cache
/// misses). Edges an edge list's fast path reads are not interned at all
/// (their peers are named by number, [`DecimalIds`]); ids that are
/// canonical decimal numbers below 2^24 but come another way are looked up
/// in a table indexed by the number. Other ids go through foldhash tables,
/// randomly seeded per process so crafted ids cannot be made to collide: one whose slots hold the id
/// itself, for ids of up to [`SHORT_ID`] bytes (every DID form that
/// normalisation produces), so that finding one reads no string elsewhere
/// on the heap (one cache miss fewer, on a lookup made for every DID of every
/// credential; docs/performance.md); one of heap strings for longer
/// ids. Which path an id takes never changes its index: `"7"` and `"007"`
/// stay distinct peers.
#[derive(Debug, Default)]
pub(crate) struct PeerIds {
    names: Vec<String>,
    short: hashbrown::HashTable<ShortId>,
    long: std::collections::HashMap<String, u32, foldhash::quality::RandomState>,
    hasher: foldhash::quality::RandomState,
    /// Index + 1 of each small decimal id interned (0 = not interned).
    by_number: Vec<u32>,
    /// [`DecimalIds::span`]: decimal ids edges name by number are not interned.
    span: u32,
}

/// Longest id kept in a slot of [`PeerIds`]' short-id table: a slot is one
/// 64-byte cache line (`did:pkh:eip155:1:0x` and 40 hex digits is 59 bytes).
const SHORT_ID: usize = 59;

/// An id of at most [`SHORT_ID`] bytes and its index, in one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct ShortId {
    index: u32,
    len: u8,
    bytes: [u8; SHORT_ID],
}

impl ShortId {
    fn id(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Largest id served by the decimal table (its size bounds the table's memory).
const DECIMAL_TABLE_LIMIT: u32 = 1 << 24;

/// The value of a canonical decimal id below [`DECIMAL_TABLE_LIMIT`] ("0" or no leading zero).
fn small_decimal(id: &str) -> Option<u32> {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > 8 || (b[0] == b'0' && b.len() > 1) || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    (n < DECIMAL_TABLE_LIMIT).then_some(n)
}

impl PeerIds {
    /// The index of `id`, adding it if new.
    pub(crate) fn intern(&mut self, id: &str, source: &Path) -> Result<u32> {
        match self.get(id) {
            Some(index) => Ok(index),
            None => self.add(id.to_owned(), small_decimal(id), source),
        }
    }

    /// Adds `id`, known to be new (`decimal`: its value, when it is a
    /// canonical decimal id below [`DECIMAL_TABLE_LIMIT`]); returns its index.
    fn add(&mut self, id: String, decimal: Option<u32>, source: &Path) -> Result<u32> {
        // Indices stay below the tag of peers named by number.
        let index = u32::try_from(self.names.len()).ok().filter(|&i| i < DECIMAL_ID).ok_or_else(|| Error::Input {
            path: source.to_path_buf(),
            message: format!("more than {DECIMAL_ID} distinct peer ids"),
        })?;
        match decimal {
            Some(n) => {
                let n = n as usize;
                if self.by_number.len() <= n {
                    self.by_number.resize((n + 1).next_power_of_two().min(DECIMAL_TABLE_LIMIT as usize), 0);
                }
                self.by_number[n] = index + 1;
            }
            None if id.len() <= SHORT_ID => {
                let mut slot = ShortId { index, len: id.len() as u8, bytes: [0; SHORT_ID] };
                slot.bytes[..id.len()].copy_from_slice(id.as_bytes());
                let hasher = &self.hasher;
                self.short.insert_unique(hasher.hash_one(id.as_bytes()), slot, |s| hasher.hash_one(s.id()));
            }
            None => {
                self.long.insert(id.clone(), index);
            }
        }
        self.names.push(id);
        Ok(index)
    }

    /// Notes that edges name decimal ids by number ([`DECIMAL_ID`]), the
    /// largest being `highest`.
    pub(crate) fn name_by_number(&mut self, highest: u32) {
        self.span = self.span.max(highest + 1);
    }

    /// The indices of `ids`, as [`PeerIds::get`] gives them (`None` for an
    /// absent id too). The decimal ids' slots are read in one tight loop of
    /// independent loads, so their cache misses overlap instead of following
    /// one another: in a table of millions of peers, each is a miss.
    pub(crate) fn get_all(&self, ids: &[Option<&str>]) -> Vec<Option<u32>> {
        let numbers: Vec<Option<u32>> = ids.iter().map(|id| id.and_then(small_decimal)).collect();
        let slots: Vec<u32> =
            numbers.iter().map(|n| n.and_then(|n| self.by_number.get(n as usize).copied()).unwrap_or(0)).collect();
        ids.iter()
            .zip(numbers)
            .zip(slots)
            .map(|((id, number), slot)| match (id, number) {
                (None, _) => None,
                (Some(_), Some(_)) => slot.checked_sub(1),
                (Some(id), None) => self.get(id),
            })
            .collect()
    }

    /// The index of `id`, if known.
    pub(crate) fn get(&self, id: &str) -> Option<u32> {
        match small_decimal(id) {
            Some(n) => self.by_number.get(n as usize).copied().filter(|&i| i > 0).map(|i| i - 1),
            None if id.len() <= SHORT_ID => {
                let id = id.as_bytes();
                self.short.find(self.hasher.hash_one(id), |s| s.id() == id).map(|s| s.index)
            }
            None => self.long.get(id).copied(),
        }
    }

    /// The ids in first-seen order, and the decimal ids edges name by number.
    fn into_parts(self) -> (Vec<String>, DecimalIds) {
        (self.names, DecimalIds { span: self.span, interned: self.by_number })
    }

    /// The ids in first-seen order (a shard's: the numbers its edges name
    /// go with them).
    fn into_ids(self) -> Vec<String> {
        self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_pinned_as_it_is_on_disk_and_read_from_the_same_bytes() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let text = b"a,b,1\nb,c,0.5\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).unwrap();
        std::fs::write(dir.path().join("e.csv"), text).unwrap();
        std::fs::write(dir.path().join("e.csv.gz"), gz.finish().unwrap()).unwrap();
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        let spec = |name: &str| SourceSpec {
            format: SourceFormat::Edges,
            path: name.into(),
            header: false,
            value_scale: 1.0,
            scope: "default".into(),
        };
        let options = IngestOptions { scopes: vec!["default".into()], ..IngestOptions::default() };
        let read = |name: &str| ingest(&[spec(name)], &PretrustSpec::default(), &options, dir.path(), "p.toml");
        for name in ["e.csv", "e.csv.gz"] {
            let got = read(name).unwrap();
            assert_eq!(got.inputs[0].digest, Some(digest_file(&dir.path().join(name)).unwrap()), "{name}");
            assert_eq!((got.edges[0].edges.len(), got.peers.len()), (2, 3), "{name}");
        }
        let folder = read("folder").unwrap_err().to_string();
        assert!(folder.contains("is a folder; edges sources are files"), "{folder}");
    }

    #[test]
    fn an_edge_list_reports_how_far_it_has_read() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = (0..450_000).map(|k| format!("p{k},p{},1\n", k + 1)).collect();
        std::fs::write(dir.path().join("e.csv"), &text).unwrap();
        let len = text.len();
        // A plain-text list reports the bytes read after each block, which ends at the end of a line.
        let block = edges::BLOCK_BYTES;
        let first = text[block - 1..].find('\n').unwrap() + block;
        assert!(first < len, "the list is more than a block");
        let spec = SourceSpec {
            format: SourceFormat::Edges,
            path: "e.csv".into(),
            header: false,
            value_scale: 1.0,
            scope: "default".into(),
        };
        let options = IngestOptions { scopes: vec!["default".into()], ..IngestOptions::default() };
        // One worker, so the events are raised on the thread that collects them.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let events = pool.install(|| {
            crate::progress::captured(|| {
                ingest(&[spec], &PretrustSpec::default(), &options, dir.path(), "p.toml").unwrap();
            })
        });
        let steps: Vec<&str> = events.iter().filter(|(s, _)| s == "Ingest").map(|(_, m)| m.as_str()).collect();
        let expected = [
            "reading e.csv".to_owned(),
            format!("e.csv: {}% ({first} of {len} bytes)", first * 100 / len),
            format!("e.csv: 100% ({len} of {len} bytes)"),
        ];
        assert_eq!(steps[..3], expected);
        assert_eq!(steps[3..], [crate::progress::DONE]);
    }

    #[test]
    fn decimal_and_other_ids_share_one_first_seen_numbering() {
        let mut ids = PeerIds::default();
        let p = Path::new("t");
        let order = ["7", "did:key:z6Mk", "007", "16777216", "0", "7", "12345678", "did:key:z6Mk"];
        let got: Vec<u32> = order.iter().map(|id| ids.intern(id, p).unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 3, 4, 0, 5, 1]);
        assert_eq!(ids.get("07"), None);
        assert_eq!(ids.into_ids(), ["7", "did:key:z6Mk", "007", "16777216", "0", "12345678"]);
        assert_eq!(small_decimal("16777215"), Some(16_777_215));
        assert_eq!((small_decimal("16777216"), small_decimal("-1"), small_decimal("")), (None, None, None));
    }

    #[test]
    fn short_ids_kept_in_their_slots_and_longer_ones_share_one_numbering() {
        let mut ids = PeerIds::default();
        let p = Path::new("t");
        let evm = "did:pkh:eip155:1:0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044"; // exactly SHORT_ID bytes
        assert_eq!(evm.len(), SHORT_ID);
        let longer = format!("{evm}0");
        let prefix = &evm[..SHORT_ID - 1];
        let order = [evm, &longer, prefix, "", evm, &longer, prefix, "x"];
        let got: Vec<u32> = order.iter().map(|id| ids.intern(id, p).unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 3, 0, 1, 2, 4]);
        assert_eq!((ids.get(&longer[..SHORT_ID + 1]), ids.get(&format!("{longer}0"))), (Some(1), None));
        // Enough to make the table grow (rehashing every slot) many times.
        for i in 0..10_000 {
            assert_eq!(ids.intern(&format!("did:key:z{i}"), p).unwrap(), 5 + i);
        }
        assert_eq!((ids.get(evm), ids.get("did:key:z9999")), (Some(0), Some(10_004)));
    }

    #[test]
    fn looking_ids_up_together_answers_as_one_at_a_time() {
        let mut ids = PeerIds::default();
        let p = Path::new("t");
        let long = format!("did:web:{}", "x".repeat(80));
        for id in ["7", "0", "alice", long.as_str(), "16777215", "16777216", "007"] {
            ids.intern(id, p).unwrap();
        }
        let asked = [
            Some("7"),
            None,
            Some("0"),
            Some("8"),
            Some("alice"),
            Some("bob"),
            Some(long.as_str()),
            Some("16777215"),
            Some("16777216"),
            Some("007"),
            Some("99999999"),
            Some(""),
        ];
        let one_at_a_time: Vec<Option<u32>> = asked.iter().map(|id| id.and_then(|id| ids.get(id))).collect();
        assert_eq!(ids.get_all(&asked), one_at_a_time);
        assert_eq!(
            one_at_a_time,
            [Some(0), None, Some(1), None, Some(2), None, Some(3), Some(4), Some(5), Some(6), None, None]
        );
    }
}
