//! SHA-256 digests and content ids.
//!
//! A file's content id is its UnixFS CID under the IPIP-499 `unixfs-v1-2025`
//! profile ([`super::unixfs`]): what `ipfs add` gives it, so anyone re-derives it
//! with standard tools and no block exceeds the bitswap limit. A file of one
//! chunk (up to 1 MiB) keeps the raw-codec CID of its bytes. A record's
//! content id ([`cid_of`]) is always the raw-codec CID of its bytes.

use super::unixfs;
use cid::Cid;
use cid::multihash::Multihash;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::io::Read;
use std::path::Path;

/// Multicodec of raw bytes.
pub const RAW_CODEC: u64 = 0x55;
/// Multicodec of sha2-256.
pub const SHA2_256: u64 = 0x12;
/// How every file's content id in an epoch is made (recorded in the manifest).
pub const CID_METHOD: &str = "UnixFS file DAG under the IPIP-499 unixfs-v1-2025 CID profile (CIDv1, sha2-256, raw leaves, 1 MiB fixed-size chunks, balanced layout, at most 1024 links a node; a file of one chunk is its raw-codec CID), base32 lower-case multibase";

/// The digest of one file or byte string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// UnixFS CID under the `unixfs-v1-2025` profile, base32.
    pub cid: String,
    /// Size in bytes.
    pub size: u64,
}

/// The CIDv1 (raw codec) of content with this SHA-256.
pub fn cid_of_sha256(sha256: &[u8; 32]) -> Cid {
    let hash = Multihash::<64>::wrap(SHA2_256, sha256).expect("a 32-byte digest fits a 64-byte multihash");
    Cid::new_v1(RAW_CODEC, hash)
}

/// The SHA-256 a CID names, if it is of the kind [`cid_of_sha256`] makes
/// (v1, raw codec, sha2-256); no content id this tool computes equals any other.
pub fn sha256_of_cid(text: &str) -> Option<[u8; 32]> {
    let cid = Cid::try_from(text).ok()?;
    let hash = cid.hash();
    let ours = cid.version() == cid::Version::V1 && cid.codec() == RAW_CODEC && hash.code() == SHA2_256;
    if ours { hash.digest().try_into().ok() } else { None }
}

/// The CIDv1 (raw codec) of bytes in memory.
pub fn cid_of(bytes: &[u8]) -> Cid {
    cid_of_sha256(&Sha256::digest(bytes).into())
}

/// Digest of bytes in memory.
///
/// ```
/// let d = scoreset::crypto::digest_bytes(b"hello world");
/// assert_eq!(d.cid, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"); // as `ipfs add` gives it
/// assert_eq!(d.size, 11);
/// ```
pub fn digest_bytes(bytes: &[u8]) -> Digest {
    let sha: [u8; 32] = Sha256::digest(bytes).into();
    // One chunk: the file's CID is the raw CID of the same hash.
    let cid = if bytes.len() <= unixfs::CHUNK_SIZE { cid_of_sha256(&sha) } else { unixfs::file_cid(bytes).cid };
    Digest { sha256: hex::encode(sha), cid: cid.to_string(), size: bytes.len() as u64 }
}

/// Digest of a regular file, streamed (bounded memory at any size).
pub fn digest_file(path: &Path) -> std::io::Result<Digest> {
    digest_reader(crate::fsio::open_regular(path)?)
}

/// Digest of everything `reader` yields, streamed: the SHA-256 of the whole
/// and the UnixFS CID in one pass.
pub fn digest_reader(reader: impl Read) -> std::io::Result<Digest> {
    digest_blocks(reader, |_, _| {}).map(|(digest, _)| digest)
}

/// [`digest_reader`], handing each UnixFS block of the file to `emit` as it
/// is made (once per distinct block), and returning the file's root node too
/// (a directory entry needs its cumulative size). Sealing an epoch and
/// verifying one both digest files through [`FileDigest`], so they cannot disagree.
pub fn digest_blocks(
    mut reader: impl Read,
    emit: impl FnMut(&Cid, &[u8]) + Send,
) -> std::io::Result<(Digest, unixfs::Node)> {
    let mut digest = FileDigest::new(emit);
    let mut buf = vec![0u8; unixfs::CHUNK_SIZE];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        digest.push(&buf[..n]);
    }
    Ok(digest.finish())
}

/// A file's [`Digest`] made as its bytes arrive, in pieces of any size: the
/// SHA-256 of the whole and its UnixFS DAG (each block handed to `emit` as
/// it is made) in one pass over each byte.
pub struct FileDigest<F: FnMut(&Cid, &[u8])> {
    hasher: Sha256,
    dag: unixfs::FileBuilder<F>,
    size: u64,
}

/// The smallest piece whose two hashes [`FileDigest::push`] runs in parallel.
const PARALLEL_PUSH: usize = 64 << 10;

impl<F: FnMut(&Cid, &[u8]) + Send> FileDigest<F> {
    /// An empty file whose blocks go to `emit`.
    pub fn new(emit: F) -> Self {
        FileDigest { hasher: Sha256::new(), dag: unixfs::FileBuilder::new(emit), size: 0 }
    }

    /// Appends `bytes` to the file. The whole file's SHA-256 and the DAG's
    /// (its leaves' SHA-256) are two passes over each byte, made on two
    /// cores when the piece is large enough to be worth it.
    pub fn push(&mut self, bytes: &[u8]) {
        let (hasher, dag) = (&mut self.hasher, &mut self.dag);
        if bytes.len() >= PARALLEL_PUSH {
            rayon::join(|| hasher.update(bytes), || dag.push(bytes));
        } else {
            hasher.update(bytes);
            dag.push(bytes);
        }
        self.size += bytes.len() as u64;
    }

    /// The digest and the DAG's root node (its last blocks emitted).
    pub fn finish(self) -> (Digest, unixfs::Node) {
        let sha: [u8; 32] = self.hasher.finalize().into();
        let node = self.dag.finish();
        (Digest { sha256: hex::encode(sha), cid: node.cid.to_string(), size: self.size }, node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_world_has_the_published_cid() {
        let d = digest_bytes(b"hello world");
        assert_eq!(d.cid, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
        assert_eq!(d.sha256, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        assert_eq!(d.size, 11);
    }

    #[test]
    fn sha256_of_cid_inverts_cid_of_sha256_and_refuses_other_kinds() {
        let sha: [u8; 32] = Sha256::digest(b"hello world").into();
        let cid = cid_of_sha256(&sha);
        assert_eq!(sha256_of_cid(&cid.to_string()), Some(sha));
        assert_eq!(sha256_of_cid(&cid.to_string_of_base(multibase::Base::Base58Btc).unwrap()), Some(sha));
        let dag_pb = Cid::new_v1(0x70, *cid.hash());
        assert_eq!(sha256_of_cid(&dag_pb.to_string()), None);
        let v0 = Cid::new_v0(*cid.hash()).unwrap();
        assert_eq!(sha256_of_cid(&v0.to_string()), None);
        assert_eq!(sha256_of_cid("not-a-cid"), None);
    }

    #[test]
    fn files_over_one_chunk_get_their_unixfs_cid() {
        let bytes: Vec<u8> = (0..(1u32 << 20) + 1).map(|i| (i % 251) as u8).collect();
        let d = digest_bytes(&bytes);
        assert_eq!(d.cid, unixfs::file_cid(&bytes).cid.to_string());
        assert!(d.cid.starts_with("bafybei"), "a dag-pb root: {}", d.cid);
        assert_eq!(digest_bytes(&bytes[..1 << 20]).cid, cid_of(&bytes[..1 << 20]).to_string());
    }

    #[test]
    fn file_digest_equals_bytes_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(digest_file(&path).unwrap(), digest_bytes(&bytes));
    }
}
