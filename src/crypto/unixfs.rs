//! UnixFS CIDs and blocks under the IPIP-499 `unixfs-v1-2025` profile, so an
//! epoch's files and folder get the CIDs the reference JS importer
//! (`ipfs-unixfs-importer` 17.x with `profile: 'unixfs-v1-2025'`) gives them,
//! and `scoreset.car` can be `ipfs dag import`ed. (Kubo 0.40+ offers the same
//! profile for `ipfs add`; the vectors here were checked against the JS
//! importer only.)
//!
//! The profile: CIDv1, sha2-256, fixed-size chunks of 1 MiB as raw leaves
//! (codec 0x55), a balanced DAG of dag-pb (codec 0x70) nodes with at most 1024
//! links each, plain directories below the 256 KiB HAMT threshold, no mode, no
//! mtime. Details that decide the bytes, read off the JS importer's source:
//!
//! - A file of one chunk is that chunk's raw block, `bafkrei…`; so is the empty
//!   file (the chunker yields one empty chunk): `bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku`.
//! - Balanced layout: leaves are cut into groups of 1024, each group becomes a
//!   node, and the nodes are grouped again until one is left. A group of one
//!   below the top still gets its own node (1025 chunks: root → [node of 1024,
//!   node of 1]), so every leaf is at the same depth.
//! - A file node is a dag-pb `PBNode` with `Links` first, then `Data` = UnixFS
//!   `{Type: File, filesize, blocksizes…}`; `blocksizes` are unpacked varints
//!   (one tag each); each link has `Hash`, an empty but present `Name` and `Tsize`.
//! - `Tsize` of a link is the child's whole DAG: a raw leaf's length, or a
//!   node's block length plus its links' `Tsize`s.
//! - A directory's `Data` is `{Type: Directory}` alone (`0a 02 08 01`); its
//!   links are sorted by the bytes of their UTF-8 names. A directory whose block
//!   would exceed 262 144 bytes is a HAMT under the profile, which this module
//!   does not write: [`directory`] refuses it.
//!
//! `tests/vectors/unixfs-v1-2025.json` holds the reference importer's CIDs for
//! edge sizes (0 B, 1 B, 1 MiB, 1 MiB + 1, 50 MB, 1024 MiB, 1025 MiB + 7) and
//! a directory; `scripts/unixfs-vectors/` regenerates it.
//!
//! Why hand-written: the profile needs only the file/directory subset of
//! dag-pb and UnixFS — three small protobuf messages, a few dozen lines of
//! varint encoding. The Rust UnixFS crates are unmaintained or sized for an
//! IPFS node: `ipfs-unixfs` 0.2 (rust-ipfs; last release 2020, repository
//! archived 2022) and its fork `rust-unixfs` 0.3 alphas (on the deprecated
//! `libipld`); `iroh-unixfs` 0.2 / `summa-unixfs` 0.2 (2023, tokio, libp2p and an
//! HTTP client, tens of MB of dependencies); `wnfs-unixfs-file` (async, tokio,
//! prost, WNFS-specific); `helia-unixfs` and `ferripfs-unixfs` (async,
//! blockstore-backed node ports). None is a synchronous, bounded-memory
//! "bytes in, blocks out" builder with this profile's parameters.

use cid::Cid;
use cid::multihash::Multihash;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;

/// The IPIP-499 profile this module implements.
pub const PROFILE: &str = "unixfs-v1-2025";
/// Fixed chunk size: the largest raw leaf.
pub const CHUNK_SIZE: usize = 1 << 20;
/// Most links in one file node.
pub const MAX_LINKS: usize = 1024;
/// A directory block larger than this is HAMT-sharded under the profile
/// (`block-bytes` estimate, strictly greater than).
pub const DIRECTORY_SHARD_THRESHOLD: usize = 262_144;
/// Multicodec of raw leaves.
pub const RAW: u64 = 0x55;
/// Multicodec of dag-pb nodes.
pub const DAG_PB: u64 = 0x70;
/// Multihash code of sha2-256.
const SHA2_256: u64 = 0x12;

/// A finished UnixFS node (file or directory): its CID, the byte length of the
/// content, and the DAG's cumulative size as a parent link's Tsize would record it.
///
/// For a directory, `size` is the sum of its entries' sizes (UnixFS itself
/// records no size for directories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// The root block's CID.
    pub cid: Cid,
    /// Content bytes under this node.
    pub size: u64,
    /// The root block's length plus the Tsize of each of its links.
    pub tsize: u64,
}

/// The CIDv1 (sha2-256) of a block of codec `codec`.
fn block_cid(codec: u64, block: &[u8]) -> Cid {
    let digest = Sha256::digest(block);
    // A 32-byte digest always fits the 64-byte multihash.
    let hash = Multihash::<64>::wrap(SHA2_256, &digest).expect("a sha2-256 digest fits a multihash");
    Cid::new_v1(codec, hash)
}

/// Appends `value` as a protobuf (LEB128) varint.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a length-delimited field: tag, length, bytes.
fn put_bytes(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Protobuf tags (field number << 3 | wire type) of the fields written here.
mod tag {
    /// `PBNode.Data` (field 1, bytes).
    pub const DATA: u8 = 0x0a;
    /// `PBNode.Links` (field 2, bytes).
    pub const LINKS: u8 = 0x12;
    /// `PBLink.Hash` (field 1, bytes).
    pub const HASH: u8 = 0x0a;
    /// `PBLink.Name` (field 2, bytes).
    pub const NAME: u8 = 0x12;
    /// `PBLink.Tsize` (field 3, varint).
    pub const TSIZE: u8 = 0x18;
    /// `UnixFS.Type` (field 1, varint).
    pub const TYPE: u8 = 0x08;
    /// `UnixFS.filesize` (field 3, varint).
    pub const FILESIZE: u8 = 0x18;
    /// `UnixFS.blocksizes` (field 4, varint, one tag per value).
    pub const BLOCKSIZE: u8 = 0x20;
}

/// Bytes of `value` as a varint.
fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

/// Appends one `PBNode.Links` entry: `Hash`, `Name` (always present, maybe empty), `Tsize`.
fn put_link(out: &mut Vec<u8>, cid: &Cid, name: &[u8], tsize: u64) {
    let cid = cid.to_bytes();
    let field = |len: usize| 1 + varint_len(len as u64) + len;
    let len = field(cid.len()) + field(name.len()) + 1 + varint_len(tsize);
    out.push(tag::LINKS);
    put_varint(out, len as u64);
    put_bytes(out, tag::HASH, &cid);
    put_bytes(out, tag::NAME, name);
    out.push(tag::TSIZE);
    put_varint(out, tsize);
}

/// The key under which a builder remembers an emitted block: codec and digest.
type BlockKey = (u64, [u8; 32]);

fn block_key(cid: &Cid) -> BlockKey {
    let mut digest = [0; 32];
    let bytes = cid.hash().digest();
    let n = bytes.len().min(32);
    digest[..n].copy_from_slice(&bytes[..n]);
    (cid.codec(), digest)
}

/// The links of one node being filled, at one level of the balanced tree.
#[derive(Default)]
struct Level {
    /// Encoded `PBNode.Links` entries.
    links: Vec<u8>,
    /// Content bytes under each link, in order (`UnixFS.blocksizes`).
    blocksizes: Vec<u64>,
    /// Sum of the links' Tsize.
    tsize: u64,
    /// The last node added (the only one when `blocksizes.len() == 1`).
    last: Option<Node>,
}

impl Level {
    fn push(&mut self, node: Node) {
        put_link(&mut self.links, &node.cid, b"", node.tsize);
        self.blocksizes.push(node.size);
        self.tsize = self.tsize.saturating_add(node.tsize);
        self.last = Some(node);
    }

    fn len(&self) -> usize {
        self.blocksizes.len()
    }

    /// Empties the level, keeping its buffers.
    fn clear(&mut self) {
        self.links.clear();
        self.blocksizes.clear();
        self.tsize = 0;
        self.last = None;
    }
}

/// The balanced tree above the leaves, and the blocks already emitted.
struct Tree {
    /// `levels[0]` holds leaves, `levels[1]` nodes of leaves, and so on.
    levels: Vec<Level>,
    leaves: u64,
    emitted: HashSet<BlockKey>,
    /// Reused buffers for a node's block and its UnixFS data.
    block: Vec<u8>,
    data: Vec<u8>,
}

impl Tree {
    fn new() -> Self {
        Tree { levels: Vec::new(), leaves: 0, emitted: HashSet::new(), block: Vec::new(), data: Vec::new() }
    }

    fn emit<F: FnMut(&Cid, &[u8])>(&mut self, emit: &mut F, cid: &Cid, block: &[u8]) {
        if self.emitted.insert(block_key(cid)) {
            emit(cid, block);
        }
    }

    /// Hashes one chunk (at most [`CHUNK_SIZE`]) as a raw leaf and links it in.
    fn leaf<F: FnMut(&Cid, &[u8])>(&mut self, emit: &mut F, chunk: &[u8]) {
        let cid = block_cid(RAW, chunk);
        self.emit(emit, &cid, chunk);
        let node = Node { cid, size: chunk.len() as u64, tsize: chunk.len() as u64 };
        self.leaves += 1;
        self.push(emit, 0, node);
    }

    /// Adds `node` at `level`; a full level becomes a node one level up.
    fn push<F: FnMut(&Cid, &[u8])>(&mut self, emit: &mut F, mut level: usize, mut node: Node) {
        loop {
            if self.levels.len() <= level {
                self.levels.push(Level::default());
            }
            self.levels[level].push(node);
            if self.levels[level].len() < MAX_LINKS {
                return;
            }
            node = self.reduce(emit, level);
            level += 1;
        }
    }

    /// Turns the links pending at `level` into a file node, emits it, and empties the level.
    fn reduce<F: FnMut(&Cid, &[u8])>(&mut self, emit: &mut F, level: usize) -> Node {
        let pending = &mut self.levels[level];
        let filesize = pending.blocksizes.iter().fold(0u64, |sum, &s| sum.saturating_add(s));
        self.data.clear();
        self.data.extend_from_slice(&[tag::TYPE, 2, tag::FILESIZE]);
        put_varint(&mut self.data, filesize);
        for &size in &pending.blocksizes {
            self.data.push(tag::BLOCKSIZE);
            put_varint(&mut self.data, size);
        }
        self.block.clear();
        self.block.extend_from_slice(&pending.links);
        put_bytes(&mut self.block, tag::DATA, &self.data);
        let links_tsize = pending.tsize;
        pending.clear();

        let cid = block_cid(DAG_PB, &self.block);
        let block = std::mem::take(&mut self.block);
        self.emit(emit, &cid, &block);
        let node = Node { cid, size: filesize, tsize: (block.len() as u64).saturating_add(links_tsize) };
        self.block = block;
        node
    }

    /// The root: the levels folded bottom-up until one level holds one node
    /// and nothing is above it. A file of one leaf stops at level 0 with that
    /// leaf: the importer's `reduceSingleLeafToSelf`.
    fn finish<F: FnMut(&Cid, &[u8])>(mut self, emit: &mut F) -> Node {
        let mut level = 0;
        while let Some(pending) = self.levels.get(level) {
            let above = self.levels[level + 1..].iter().any(|l| l.len() > 0);
            match (pending.len(), pending.last, above) {
                (1, Some(root), false) => return root,
                (0, _, _) => {}
                _ => {
                    let node = self.reduce(emit, level);
                    self.push(emit, level + 1, node);
                }
            }
            level += 1;
        }
        // No leaf at all: the empty file (a `FileBuilder` always adds a leaf first).
        let cid = block_cid(RAW, &[]);
        self.emit(emit, &cid, &[]);
        Node { cid, size: 0, tsize: 0 }
    }
}

/// Streaming file builder: push bytes in any pieces.
///
/// Holds at most one partial chunk plus the pending links of each tree level
/// (at most 1024 × ~46 bytes per level), and the keys of the blocks it has
/// emitted (about 50 bytes per distinct chunk, i.e. per MiB), so memory is
/// bounded by the chunk size, not the file size, up to that small index. Each finished block
/// is handed to `emit(cid, bytes)` once, children before their parent; a chunk
/// repeated within the file is emitted once. Blocks shared *between* files
/// (two empty files, say) are emitted by each builder: a CAR writer dedupes
/// those (see `car::CarWriter`).
pub struct FileBuilder<F: FnMut(&Cid, &[u8])> {
    emit: F,
    /// The partial chunk (shorter than [`CHUNK_SIZE`]) not yet hashed.
    pending: Vec<u8>,
    tree: Tree,
    size: u64,
}

impl<F: FnMut(&Cid, &[u8])> FileBuilder<F> {
    /// A builder that hands each finished block to `emit`.
    pub fn new(emit: F) -> Self {
        FileBuilder { emit, pending: Vec::new(), tree: Tree::new(), size: 0 }
    }

    /// Appends `bytes` to the file. Whole chunks are hashed straight from `bytes`.
    pub fn push(&mut self, mut bytes: &[u8]) {
        self.size += bytes.len() as u64;
        if !self.pending.is_empty() {
            let take = (CHUNK_SIZE - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() < CHUNK_SIZE {
                return;
            }
            self.tree.leaf(&mut self.emit, &self.pending);
            self.pending.clear();
        }
        let mut chunks = bytes.chunks_exact(CHUNK_SIZE);
        for chunk in &mut chunks {
            self.tree.leaf(&mut self.emit, chunk);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            if self.pending.capacity() < CHUNK_SIZE {
                self.pending.reserve_exact(CHUNK_SIZE);
            }
            self.pending.extend_from_slice(rest);
        }
    }

    /// Hashes the last (possibly empty) chunk, emits the remaining nodes and returns the root.
    pub fn finish(mut self) -> Node {
        if !self.pending.is_empty() || self.tree.leaves == 0 {
            self.tree.leaf(&mut self.emit, &self.pending);
        }
        let mut node = self.tree.finish(&mut self.emit);
        node.size = self.size;
        node
    }
}

/// The file CID of `bytes` (no blocks kept).
pub fn file_cid(bytes: &[u8]) -> Node {
    let mut builder = FileBuilder::new(|_: &Cid, _: &[u8]| {});
    builder.push(bytes);
    builder.finish()
}

/// The file CID of everything `r` yields, read a chunk at a time (no blocks kept).
pub fn file_cid_reader(r: impl Read) -> std::io::Result<Node> {
    stream_file(r, |_: &Cid, _: &[u8]| {})
}

/// Streams `r` through a [`FileBuilder`] in chunk-sized reads, handing blocks to `emit`.
pub fn stream_file(mut r: impl Read, emit: impl FnMut(&Cid, &[u8])) -> std::io::Result<Node> {
    let mut builder = FileBuilder::new(emit);
    let mut buf = vec![0; CHUNK_SIZE];
    loop {
        let n = fill(&mut r, &mut buf)?;
        builder.push(&buf[..n]);
        if n < buf.len() {
            return Ok(builder.finish());
        }
    }
}

/// Reads until `buf` is full or the reader ends; returns the bytes read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Why [`directory`] refused its entries.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DirectoryError {
    /// A name that cannot be one path component.
    #[error("directory entry name {0:?} is not a single path component")]
    BadName(String),
    /// Two entries with one name.
    #[error("directory entry name {0:?} appears twice")]
    DuplicateName(String),
    /// The block would exceed the profile's HAMT threshold.
    #[error(
        "directory block of {0} bytes exceeds {DIRECTORY_SHARD_THRESHOLD}: the profile makes it a HAMT, not written here"
    )]
    NeedsSharding(usize),
}

/// A plain UnixFS directory of `(name, node)` entries (any input order; links
/// are sorted by name bytes). Emits the directory block and returns its node.
pub fn directory(entries: &[(&str, Node)], mut emit: impl FnMut(&Cid, &[u8])) -> Result<Node, DirectoryError> {
    let mut sorted: Vec<&(&str, Node)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut block = Vec::new();
    let (mut size, mut tsize) = (0u64, 0u64);
    for (i, (name, node)) in sorted.iter().enumerate() {
        if name.is_empty() || *name == "." || *name == ".." || name.contains('/') {
            return Err(DirectoryError::BadName((*name).to_owned()));
        }
        if i > 0 && sorted[i - 1].0 == *name {
            return Err(DirectoryError::DuplicateName((*name).to_owned()));
        }
        put_link(&mut block, &node.cid, name.as_bytes(), node.tsize);
        size = size.saturating_add(node.size);
        tsize = tsize.saturating_add(node.tsize);
    }
    put_bytes(&mut block, tag::DATA, &[tag::TYPE, 1]);
    if block.len() > DIRECTORY_SHARD_THRESHOLD {
        return Err(DirectoryError::NeedsSharding(block.len()));
    }
    let cid = block_cid(DAG_PB, &block);
    emit(&cid, &block);
    Ok(Node { cid, size, tsize: tsize.saturating_add(block.len() as u64) })
}

/// Why a block is not a well-formed dag-pb UnixFS node.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes end inside a field.
    #[error("truncated protobuf")]
    Truncated,
    /// A varint longer than 64 bits.
    #[error("protobuf varint overflows 64 bits")]
    VarintOverflow,
    /// A field number or wire type the message does not have.
    #[error("unexpected protobuf field {field} (wire type {wire}) in {message}")]
    UnexpectedField {
        /// The message being decoded.
        message: &'static str,
        /// The field number found.
        field: u64,
        /// Its wire type.
        wire: u8,
    },
    /// A field given twice, or out of the dag-pb order.
    #[error("{0}")]
    Malformed(&'static str),
    /// A link whose hash is not a CID.
    #[error("link hash is not a CID")]
    BadCid,
    /// A link name that is not UTF-8.
    #[error("link name is not UTF-8")]
    BadName,
    /// A dag-pb node without the UnixFS `Data` field.
    #[error("dag-pb node has no UnixFS data")]
    NoData,
    /// A UnixFS type outside the spec.
    #[error("unknown UnixFS type {0}")]
    UnknownType(u64),
}

/// UnixFS node types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnixFsType {
    /// Raw bytes (type 0).
    Raw,
    /// A directory (type 1).
    Directory,
    /// A file (type 2).
    File,
    /// Metadata (type 3).
    Metadata,
    /// A symbolic link (type 4).
    Symlink,
    /// A HAMT-sharded directory (type 5).
    HamtShard,
}

impl UnixFsType {
    fn from_code(code: u64) -> Result<Self, DecodeError> {
        Ok(match code {
            0 => Self::Raw,
            1 => Self::Directory,
            2 => Self::File,
            3 => Self::Metadata,
            4 => Self::Symlink,
            5 => Self::HamtShard,
            other => return Err(DecodeError::UnknownType(other)),
        })
    }
}

/// One `PBNode.Links` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedLink {
    /// The child's CID.
    pub cid: Cid,
    /// `None` when the field is absent (this profile always writes it).
    pub name: Option<String>,
    /// The child's cumulative DAG size, if given.
    pub tsize: Option<u64>,
}

/// UnixFS modification time, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mtime {
    /// Seconds since the Unix epoch.
    pub seconds: Option<i64>,
    /// Fraction of a second in nanoseconds.
    pub nanos: Option<u32>,
}

/// The UnixFS `Data` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixFsData {
    /// The node's type.
    pub kind: UnixFsType,
    /// Inline data (empty when absent; this profile never inlines).
    pub data: Vec<u8>,
    /// A file node's total content size.
    pub filesize: Option<u64>,
    /// A file node's children's content sizes, in link order.
    pub blocksizes: Vec<u64>,
    /// A HAMT's hash function.
    pub hash_type: Option<u64>,
    /// A HAMT's fanout.
    pub fanout: Option<u64>,
    /// Unix permission bits (this profile writes none).
    pub mode: Option<u64>,
    /// Modification time (this profile writes none).
    pub mtime: Option<Mtime>,
}

/// A decoded dag-pb UnixFS node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedNode {
    /// `PBNode.Links`, in order.
    pub links: Vec<DecodedLink>,
    /// `PBNode.Data`, decoded as UnixFS.
    pub unixfs: UnixFsData,
}

/// A protobuf reader over a byte slice: every step consumes input, so work is linear in its length.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.bytes.is_empty()
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for (i, &b) in self.bytes.iter().enumerate().take(10) {
            let bits = u64::from(b & 0x7f);
            if i == 9 && b > 1 {
                return Err(DecodeError::VarintOverflow);
            }
            value |= bits << (7 * i);
            if b < 0x80 {
                self.bytes = &self.bytes[i + 1..];
                return Ok(value);
            }
        }
        Err(if self.bytes.len() >= 10 { DecodeError::VarintOverflow } else { DecodeError::Truncated })
    }

    /// A field key: (field number, wire type).
    fn key(&mut self) -> Result<(u64, u8), DecodeError> {
        let key = self.varint()?;
        Ok((key >> 3, (key & 7) as u8))
    }

    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| DecodeError::Truncated)?;
        if len > self.bytes.len() {
            return Err(DecodeError::Truncated);
        }
        let (field, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(field)
    }

    fn fixed32(&mut self) -> Result<u32, DecodeError> {
        let Some((field, rest)) = self.bytes.split_first_chunk::<4>() else {
            return Err(DecodeError::Truncated);
        };
        self.bytes = rest;
        Ok(u32::from_le_bytes(*field))
    }
}

const VARINT: u8 = 0;
const FIXED32: u8 = 5;
const LEN: u8 = 2;

fn unexpected(message: &'static str, field: u64, wire: u8) -> DecodeError {
    DecodeError::UnexpectedField { message, field, wire }
}

/// Parses a dag-pb block into its links and UnixFS data, with the dag-pb
/// decoding rules of the reference codec (`@ipld/dag-pb`): only `Links` and
/// `Data`, no `Links` after `Data` once both were seen, link fields in order
/// `Hash`, `Name`, `Tsize`, each once, `Hash` required. Never panics; the work
/// is linear in `bytes.len()`.
pub fn decode_node(bytes: &[u8]) -> Result<DecodedNode, DecodeError> {
    let mut r = Reader { bytes };
    let mut links = Vec::new();
    let mut data = None;
    let mut links_before_data = false;
    while !r.done() {
        let (field, wire) = r.key()?;
        match (field, wire) {
            (1, LEN) => {
                if data.is_some() {
                    return Err(DecodeError::Malformed("dag-pb node has two Data fields"));
                }
                data = Some(r.bytes()?);
                links_before_data = !links.is_empty();
            }
            (2, LEN) => {
                if links_before_data {
                    return Err(DecodeError::Malformed("dag-pb node has Links on both sides of Data"));
                }
                links.push(decode_link(r.bytes()?)?);
            }
            _ => return Err(unexpected("PBNode", field, wire)),
        }
    }
    let unixfs = decode_unixfs(data.ok_or(DecodeError::NoData)?)?;
    Ok(DecodedNode { links, unixfs })
}

fn decode_link(bytes: &[u8]) -> Result<DecodedLink, DecodeError> {
    let mut r = Reader { bytes };
    let (mut cid, mut name, mut tsize) = (None, None, None);
    while !r.done() {
        let (field, wire) = r.key()?;
        match (field, wire) {
            (1, LEN) if cid.is_none() && name.is_none() && tsize.is_none() => {
                cid = Some(Cid::try_from(r.bytes()?).map_err(|_| DecodeError::BadCid)?);
            }
            (2, LEN) if name.is_none() && tsize.is_none() => {
                let raw = r.bytes()?;
                name = Some(std::str::from_utf8(raw).map_err(|_| DecodeError::BadName)?.to_owned());
            }
            (3, VARINT) if tsize.is_none() => tsize = Some(r.varint()?),
            (1..=3, _) => return Err(DecodeError::Malformed("dag-pb link fields repeated, out of order or mistyped")),
            _ => return Err(unexpected("PBLink", field, wire)),
        }
    }
    let cid = cid.ok_or(DecodeError::Malformed("dag-pb link has no Hash"))?;
    Ok(DecodedLink { cid, name, tsize })
}

fn decode_unixfs(bytes: &[u8]) -> Result<UnixFsData, DecodeError> {
    let mut r = Reader { bytes };
    let mut kind = None;
    let mut out = UnixFsData {
        kind: UnixFsType::Raw,
        data: Vec::new(),
        filesize: None,
        blocksizes: Vec::new(),
        hash_type: None,
        fanout: None,
        mode: None,
        mtime: None,
    };
    while !r.done() {
        let (field, wire) = r.key()?;
        match (field, wire) {
            (1, VARINT) => kind = Some(UnixFsType::from_code(r.varint()?)?),
            (2, LEN) => out.data = r.bytes()?.to_vec(),
            (3, VARINT) => out.filesize = Some(r.varint()?),
            (4, VARINT) => out.blocksizes.push(r.varint()?),
            (4, LEN) => {
                // Packed form: as valid protobuf as the unpacked one this profile writes.
                let mut packed = Reader { bytes: r.bytes()? };
                while !packed.done() {
                    out.blocksizes.push(packed.varint()?);
                }
            }
            (5, VARINT) => out.hash_type = Some(r.varint()?),
            (6, VARINT) => out.fanout = Some(r.varint()?),
            (7, VARINT) => out.mode = Some(r.varint()?),
            (8, LEN) => out.mtime = Some(decode_mtime(r.bytes()?)?),
            _ => return Err(unexpected("UnixFS Data", field, wire)),
        }
    }
    out.kind = kind.ok_or(DecodeError::Malformed("UnixFS data has no Type"))?;
    Ok(out)
}

fn decode_mtime(bytes: &[u8]) -> Result<Mtime, DecodeError> {
    let mut r = Reader { bytes };
    let mut mtime = Mtime { seconds: None, nanos: None };
    while !r.done() {
        match r.key()? {
            // int64 on the wire: two's complement in a 64-bit varint.
            (1, VARINT) => mtime.seconds = Some(r.varint()? as i64),
            (2, FIXED32) => mtime.nanos = Some(r.fixed32()?),
            (field, wire) => return Err(unexpected("UnixTime", field, wire)),
        }
    }
    Ok(mtime)
}

/// Why a CAR does not hold the file a CID names.
#[derive(Debug, thiserror::Error)]
pub enum CarFileError {
    /// The CAR itself is malformed.
    #[error(transparent)]
    Car(#[from] super::car::CarError),
    /// A block whose bytes do not hash to its CID (or whose hash is not sha2-256).
    #[error("block {0} does not hash to its CID")]
    Hash(Cid),
    /// A block the DAG needs is not in the CAR.
    #[error("block {0} is missing")]
    Missing(Cid),
    /// A block of a codec a UnixFS file does not use.
    #[error("block of codec {0:#x}: not a UnixFS file")]
    Codec(u64),
    /// A dag-pb block that does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A dag-pb node of the wrong kind (a directory where a file belongs, …).
    #[error("a {0:?} node where a {1} belongs")]
    NotAFile(UnixFsType, &'static str),
    /// The file is larger than the limit.
    #[error("the file is larger than {0} bytes, the input limit")]
    TooLarge(u64),
    /// A path segment names no entry of its directory.
    #[error("the directory has no entry {0:?}")]
    NoEntry(String),
    /// The DAG is deeper than any file this tool reads.
    #[error("the DAG is deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Levels a file's DAG may have (this profile needs 2 for 1 TiB).
const MAX_DEPTH: usize = 32;

/// The file `root` names, rebuilt from the blocks of a CAR (a gateway's
/// trustless answer): every block is checked against its CID first, so the
/// bytes returned are exactly what `root` commits to, whatever the CAR's
/// source. At most `limit` bytes.
pub fn file_from_car(car: &[u8], root: &Cid, limit: u64) -> Result<Vec<u8>, CarFileError> {
    file_from_blocks(&verified_blocks(car)?, root, limit)
}

/// The blocks of a CAR by CID, each checked to hash (sha2-256) to its CID.
pub fn verified_blocks(car: &[u8]) -> Result<Blocks, CarFileError> {
    let mut blocks = Blocks::new();
    for block in super::car::CarReader::new(car)? {
        let (cid, data) = block?;
        let hash = cid.hash();
        if hash.code() != 0x12 || hash.digest() != Sha256::digest(&data).as_slice() {
            return Err(CarFileError::Hash(cid));
        }
        blocks.insert(cid, data);
    }
    Ok(blocks)
}

/// Verified blocks by CID (see [`verified_blocks`]).
pub type Blocks = std::collections::HashMap<Cid, Vec<u8>>;

/// The file `root` names, from verified blocks; at most `limit` bytes.
pub fn file_from_blocks(blocks: &Blocks, root: &Cid, limit: u64) -> Result<Vec<u8>, CarFileError> {
    let mut out = Vec::new();
    append_file(blocks, root, &mut out, limit, 0)?;
    Ok(out)
}

/// The entries (name, CID) of the UnixFS directory `root`, from verified blocks.
pub fn directory_entries(blocks: &Blocks, root: &Cid) -> Result<Vec<(String, Cid)>, CarFileError> {
    let block = blocks.get(root).ok_or(CarFileError::Missing(*root))?;
    if root.codec() != DAG_PB {
        return Err(CarFileError::Codec(root.codec()));
    }
    let node = decode_node(block)?;
    if node.unixfs.kind != UnixFsType::Directory {
        return Err(CarFileError::NotAFile(node.unixfs.kind, "directory"));
    }
    Ok(node.links.into_iter().map(|l| (l.name.unwrap_or_default(), l.cid)).collect())
}

/// The CID `path` names under the directory `root` (segment by segment,
/// each a directory entry), from verified blocks; `root` itself when `path` is empty.
pub fn resolve_path(blocks: &Blocks, root: &Cid, path: &[&str]) -> Result<Cid, CarFileError> {
    let mut at = *root;
    for (depth, segment) in path.iter().enumerate() {
        if depth >= MAX_DEPTH {
            return Err(CarFileError::TooDeep);
        }
        let entries = directory_entries(blocks, &at)?;
        at = entries
            .into_iter()
            .find_map(|(name, cid)| (name == *segment).then_some(cid))
            .ok_or_else(|| CarFileError::NoEntry((*segment).to_owned()))?;
    }
    Ok(at)
}

/// Appends the content under `cid` (depth-first, links in order) to `out`.
fn append_file(blocks: &Blocks, cid: &Cid, out: &mut Vec<u8>, limit: u64, depth: usize) -> Result<(), CarFileError> {
    if depth > MAX_DEPTH {
        return Err(CarFileError::TooDeep);
    }
    let block = blocks.get(cid).ok_or(CarFileError::Missing(*cid))?;
    let mut push = |bytes: &[u8]| {
        if (out.len() + bytes.len()) as u64 > limit {
            return Err(CarFileError::TooLarge(limit));
        }
        out.extend_from_slice(bytes);
        Ok(())
    };
    match cid.codec() {
        RAW => push(block),
        DAG_PB => {
            let node = decode_node(block)?;
            if !matches!(node.unixfs.kind, UnixFsType::File | UnixFsType::Raw) {
                return Err(CarFileError::NotAFile(node.unixfs.kind, "file"));
            }
            push(&node.unixfs.data)?;
            for link in &node.links {
                append_file(blocks, &link.cid, out, limit, depth + 1)?;
            }
            Ok(())
        }
        other => Err(CarFileError::Codec(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_rebuilt_from_a_car_only_when_every_block_checks_out() {
        let content: Vec<u8> = (0..CHUNK_SIZE + 5000).map(|i| (i % 251) as u8).collect();
        let mut blocks = Vec::new();
        let node = stream_file(content.as_slice(), |cid, block| blocks.push((*cid, block.to_vec()))).unwrap();
        let car_of = |blocks: &[(Cid, Vec<u8>)]| {
            let refs: Vec<(Cid, &[u8])> = blocks.iter().map(|(c, b)| (*c, b.as_slice())).collect();
            super::super::car::write_car(node.cid, &refs).unwrap()
        };
        assert_eq!(file_from_car(&car_of(&blocks), &node.cid, u64::MAX).unwrap(), content);
        assert!(matches!(file_from_car(&car_of(&blocks), &node.cid, 1000), Err(CarFileError::TooLarge(1000))));
        assert!(matches!(file_from_car(&car_of(&blocks[1..]), &node.cid, u64::MAX), Err(CarFileError::Missing(_))));
        let mut flipped = blocks.clone();
        flipped[0].1[7] ^= 1;
        assert!(matches!(file_from_car(&car_of(&flipped), &node.cid, u64::MAX), Err(CarFileError::Hash(_))));
        // A directory is not a file.
        let dir = directory(&[("a", node)], |_, _| {}).unwrap();
        let mut with_dir = blocks.clone();
        directory(&[("a", node)], |cid, block| with_dir.push((*cid, block.to_vec()))).unwrap();
        let refs: Vec<(Cid, &[u8])> = with_dir.iter().map(|(c, b)| (*c, b.as_slice())).collect();
        let car = super::super::car::write_car(dir.cid, &refs).unwrap();
        assert!(matches!(
            file_from_car(&car, &dir.cid, u64::MAX),
            Err(CarFileError::NotAFile(UnixFsType::Directory, _))
        ));
    }

    const EMPTY_FILE: &str = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    const HELLO_WORLD: &str = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
    const EMPTY_DIR: &str = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354";

    /// Every emitted block, in order.
    fn build(pieces: &[&[u8]]) -> (Node, Vec<(Cid, Vec<u8>)>) {
        let mut blocks = Vec::new();
        let mut builder = FileBuilder::new(|cid: &Cid, bytes: &[u8]| blocks.push((*cid, bytes.to_vec())));
        for piece in pieces {
            builder.push(piece);
        }
        let node = builder.finish();
        (node, blocks)
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len as u32).map(|i| (i.wrapping_mul(0x9E37_79B1) >> 24) as u8).collect()
    }

    #[test]
    fn varint_lengths_match_the_encoding() {
        for v in [0, 1, 127, 128, 16_383, 16_384, 1 << 35, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(varint_len(v), out.len(), "{v}");
        }
    }

    #[test]
    fn varints_are_leb128() {
        let mut out = Vec::new();
        for v in [0, 1, 127, 128, 300, 1 << 20, u64::MAX] {
            put_varint(&mut out, v);
        }
        let mut r = Reader { bytes: &out };
        for v in [0, 1, 127, 128, 300, 1 << 20, u64::MAX] {
            assert_eq!(r.varint(), Ok(v));
        }
        assert!(r.done());
        assert_eq!(&out[..6], &[0, 1, 0x7f, 0x80, 0x01, 0xac]);
    }

    #[test]
    fn empty_and_small_files_are_raw_leaves() {
        assert_eq!(file_cid(b"").cid.to_string(), EMPTY_FILE);
        assert_eq!(file_cid(b"hello world"), Node { cid: HELLO_WORLD.parse().unwrap(), size: 11, tsize: 11 });
        let (node, blocks) = build(&[b"hello", b" ", b"world"]);
        assert_eq!(node.cid.to_string(), HELLO_WORLD);
        assert_eq!(blocks, vec![(node.cid, b"hello world".to_vec())]);
        let (empty, blocks) = build(&[]);
        assert_eq!(empty, Node { cid: EMPTY_FILE.parse().unwrap(), size: 0, tsize: 0 });
        assert_eq!(blocks.len(), 1);
    }

    #[test]
    fn one_chunk_is_raw_and_one_more_byte_makes_a_node() {
        let content = pattern(CHUNK_SIZE + 1);
        let one = file_cid(&content[..CHUNK_SIZE]);
        assert_eq!(one.cid.codec(), RAW);
        assert_eq!((one.size, one.tsize), (CHUNK_SIZE as u64, CHUNK_SIZE as u64));

        let (two, blocks) = build(&[&content]);
        assert_eq!(two.cid.codec(), DAG_PB);
        assert_eq!(blocks.len(), 3);
        let (root_cid, root) = &blocks[2];
        assert_eq!(*root_cid, two.cid);
        let last = block_cid(RAW, &content[CHUNK_SIZE..]);
        // Hand-built: two links (Hash, empty Name, Tsize), then Data {File, filesize, blocksizes}.
        let mut expected = Vec::new();
        for (cid, tsize) in [(one.cid, &[0x80, 0x80, 0x40][..]), (last, &[0x01][..])] {
            expected.extend_from_slice(&[0x12, 0x29 + tsize.len() as u8, 0x0a, 0x24]);
            expected.extend_from_slice(&cid.to_bytes());
            expected.extend_from_slice(&[0x12, 0x00, 0x18]);
            expected.extend_from_slice(tsize);
        }
        expected
            .extend_from_slice(&[0x0a, 0x0c, 0x08, 0x02, 0x18, 0x81, 0x80, 0x40, 0x20, 0x80, 0x80, 0x40, 0x20, 0x01]);
        assert_eq!(root, &expected);
        assert_eq!(two.size, CHUNK_SIZE as u64 + 1);
        assert_eq!(two.tsize, root.len() as u64 + CHUNK_SIZE as u64 + 1);
    }

    #[test]
    fn pieces_do_not_change_the_result() {
        let content = pattern(3 * CHUNK_SIZE + 12_345);
        let whole = file_cid(&content);
        let (node, blocks) = build(&[&content[..7], &content[7..CHUNK_SIZE + 3], &content[CHUNK_SIZE + 3..]]);
        assert_eq!(node, whole);
        assert_eq!(file_cid_reader(std::io::Cursor::new(&content)).unwrap(), whole);
        assert_eq!(blocks.len(), 5);
        assert!(blocks.iter().all(|(cid, bytes)| block_cid(cid.codec(), bytes) == *cid));
    }

    #[test]
    fn repeated_chunks_are_emitted_once() {
        let content = vec![7u8; 3 * CHUNK_SIZE];
        let (node, blocks) = build(&[&content]);
        assert_eq!(blocks.len(), 2, "one leaf, one root");
        let root = decode_node(&blocks[1].1).unwrap();
        assert_eq!(root.links.len(), 3);
        assert_eq!(node.size, 3 * CHUNK_SIZE as u64);
    }

    #[test]
    fn the_tree_folds_like_the_importer() {
        // Shape only, with small fake leaves: MAX_LINKS + 1 leaves give root → [1024, 1].
        let mut tree = Tree::new();
        let mut blocks = Vec::new();
        let mut emit = |cid: &Cid, bytes: &[u8]| blocks.push((*cid, bytes.to_vec()));
        for i in 0..=MAX_LINKS as u32 {
            tree.leaf(&mut emit, &i.to_le_bytes());
        }
        let root = tree.finish(&mut emit);
        let decoded = |cid: &Cid| decode_node(&blocks.iter().find(|(c, _)| c == cid).unwrap().1).unwrap();
        let top = decoded(&root.cid);
        assert_eq!(top.links.len(), 2);
        assert_eq!(decoded(&top.links[0].cid).links.len(), MAX_LINKS);
        assert_eq!(decoded(&top.links[1].cid).links.len(), 1);
        assert_eq!(top.unixfs.blocksizes, vec![4 * MAX_LINKS as u64, 4]);
        assert_eq!(root.size, 4 * (MAX_LINKS as u64 + 1));
    }

    #[test]
    fn exactly_max_links_leaves_make_one_node() {
        let mut tree = Tree::new();
        let mut count = 0;
        let mut emit = |_: &Cid, _: &[u8]| count += 1;
        for i in 0..MAX_LINKS as u32 {
            tree.leaf(&mut emit, &i.to_le_bytes());
        }
        let root = tree.finish(&mut emit);
        assert_eq!(root.cid.codec(), DAG_PB);
        assert_eq!(count, MAX_LINKS + 1);
    }

    #[test]
    fn directories_sort_names_by_bytes() {
        assert_eq!(directory(&[], |_, _| {}).unwrap().cid.to_string(), EMPTY_DIR);
        let hello = file_cid(b"hello world");
        let empty = file_cid(b"");
        let mut blocks = Vec::new();
        let entries = [("b", hello), ("B", empty), ("a.json", hello), ("a", empty), ("é", empty)];
        let dir = directory(&entries, |cid, bytes| blocks.push((*cid, bytes.to_vec()))).unwrap();
        assert_eq!(blocks.len(), 1);
        let decoded = decode_node(&blocks[0].1).unwrap();
        let names: Vec<_> = decoded.links.iter().map(|l| l.name.clone().unwrap()).collect();
        assert_eq!(names, ["B", "a", "a.json", "b", "é"]);
        assert_eq!(decoded.unixfs.kind, UnixFsType::Directory);
        assert_eq!(decoded.links[2].tsize, Some(11));
        assert_eq!(dir.tsize, blocks[0].1.len() as u64 + 22);
        assert_eq!(dir.size, 22);
        assert!(blocks[0].1.ends_with(&[0x0a, 0x02, 0x08, 0x01]));
    }

    #[test]
    fn a_path_is_walked_through_nested_directories_to_its_file() {
        let mut blocks = Blocks::new();
        let mut keep = |cid: &Cid, bytes: &[u8]| {
            blocks.insert(*cid, bytes.to_vec());
        };
        let file = stream_file(&b"a,b,1\n"[..], &mut keep).unwrap();
        let inner = directory(&[("edges.csv", file)], &mut keep).unwrap();
        let root = directory(&[("2026", inner), ("other", file)], &mut keep).unwrap();
        assert_eq!(resolve_path(&blocks, &root.cid, &[]).unwrap(), root.cid);
        let found = resolve_path(&blocks, &root.cid, &["2026", "edges.csv"]).unwrap();
        assert_eq!(file_from_blocks(&blocks, &found, 100).unwrap(), b"a,b,1\n");
        assert!(
            matches!(resolve_path(&blocks, &root.cid, &["2026", "nope"]), Err(CarFileError::NoEntry(n)) if n == "nope")
        );
        assert!(matches!(resolve_path(&blocks, &root.cid, &["other", "x"]), Err(CarFileError::Codec(_))));
    }

    #[test]
    fn directories_refuse_bad_names_and_hamt_sizes() {
        let node = file_cid(b"x");
        for bad in ["", ".", "..", "a/b"] {
            assert_eq!(directory(&[(bad, node)], |_, _| {}), Err(DirectoryError::BadName(bad.into())));
        }
        assert_eq!(directory(&[("a", node), ("a", node)], |_, _| {}), Err(DirectoryError::DuplicateName("a".into())));
        let names: Vec<String> = (0..6000).map(|i| format!("entry-{i:05}")).collect();
        let entries: Vec<(&str, Node)> = names.iter().map(|n| (n.as_str(), node)).collect();
        assert!(matches!(directory(&entries, |_, _| {}), Err(DirectoryError::NeedsSharding(_))));
    }

    #[test]
    fn decode_inverts_encode() {
        let content = pattern(2 * CHUNK_SIZE + 9);
        let (node, blocks) = build(&[&content]);
        let root = decode_node(&blocks.last().unwrap().1).unwrap();
        assert_eq!(root.unixfs.kind, UnixFsType::File);
        assert_eq!(root.unixfs.filesize, Some(node.size));
        assert_eq!(root.unixfs.blocksizes, vec![CHUNK_SIZE as u64, CHUNK_SIZE as u64, 9]);
        let leaves: Vec<_> = blocks[..3].iter().map(|(c, b)| (*c, Some(String::new()), Some(b.len() as u64))).collect();
        let links: Vec<_> = root.links.iter().map(|l| (l.cid, l.name.clone(), l.tsize)).collect();
        assert_eq!(links, leaves);
        assert!(root.unixfs.data.is_empty() && root.unixfs.mode.is_none() && root.unixfs.mtime.is_none());
    }

    #[test]
    fn decode_reads_what_other_encoders_may_write() {
        // Packed blocksizes, inline data, mode and mtime; no links.
        let data = [
            0x08, 0x02, 0x12, 0x02, b'h', b'i', 0x22, 0x02, 0x05, 0x06, 0x38, 0xa4, 0x03, 0x42, 0x07, 0x08, 0x01, 0x15,
            0, 0, 0, 1,
        ];
        let mut block = Vec::new();
        put_bytes(&mut block, tag::DATA, &data);
        let node = decode_node(&block).unwrap();
        assert_eq!(node.unixfs.data, b"hi");
        assert_eq!(node.unixfs.blocksizes, vec![5, 6]);
        assert_eq!(node.unixfs.mode, Some(0o644));
        assert_eq!(node.unixfs.mtime, Some(Mtime { seconds: Some(1), nanos: Some(1 << 24) }));
    }

    #[test]
    fn decode_refuses_malformed_blocks() {
        assert_eq!(decode_node(&[]), Err(DecodeError::NoData));
        assert_eq!(decode_node(&[0x0a]), Err(DecodeError::Truncated));
        assert_eq!(decode_node(&[0x0a, 0x05, 0x08]), Err(DecodeError::Truncated));
        assert_eq!(decode_node(&[0x0a, 0x02, 0x08, 0x09]), Err(DecodeError::UnknownType(9)));
        assert_eq!(decode_node(&[0x0a, 0x00]), Err(DecodeError::Malformed("UnixFS data has no Type")));
        assert!(matches!(decode_node(&[0x1a, 0x00]), Err(DecodeError::UnexpectedField { field: 3, .. })));
        assert!(matches!(
            decode_node(&[0x0a, 0x02, 0x08, 0x01, 0x0a, 0x02, 0x08, 0x01]),
            Err(DecodeError::Malformed(_))
        ));
        assert_eq!(
            decode_node(&[0x0a, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Err(DecodeError::VarintOverflow)
        );
        // A link without Hash, with a bad CID, and with Name before Hash.
        assert!(matches!(
            decode_node(&[0x12, 0x02, 0x18, 0x01, 0x0a, 0x02, 0x08, 0x01]),
            Err(DecodeError::Malformed(_))
        ));
        assert_eq!(decode_node(&[0x12, 0x03, 0x0a, 0x01, 0x99, 0x0a, 0x02, 0x08, 0x01]), Err(DecodeError::BadCid));
        assert!(matches!(decode_node(&[0x12, 0x04, 0x12, 0x00, 0x0a, 0x00]), Err(DecodeError::Malformed(_))));
    }

    #[test]
    fn decode_never_panics_on_truncated_or_garbage_input() {
        let mut blocks = Vec::new();
        let hello = file_cid(b"hello world");
        let dir = directory(&[("a", hello), ("bé", hello)], |_, b| blocks.push(b.to_vec())).unwrap();
        let (_, file) = build(&[&pattern(CHUNK_SIZE + 5)]);
        blocks.push(file.last().unwrap().1.clone());
        for block in &blocks {
            assert!(decode_node(block).is_ok(), "{dir:?}");
            for end in 0..block.len() {
                let _ = decode_node(&block[..end]);
            }
            for i in 0..block.len() {
                for flip in [0x01, 0x80, 0xff] {
                    let mut bad = block.clone();
                    bad[i] ^= flip;
                    let _ = decode_node(&bad);
                }
            }
        }
        // A cheap xorshift over random bytes.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..2000 {
            let garbage: Vec<u8> = (0..len % 97)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let _ = decode_node(&garbage);
        }
    }
}
