//! SHA-256 digests and content ids (CIDv1, raw codec, sha2-256, base32).

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
/// How every content id in an epoch is made (recorded in the manifest).
pub const CID_METHOD: &str =
    "CIDv1, raw codec (0x55), sha2-256 multihash, base32 lower-case multibase, whole file as one block";

/// The digest of one file or byte string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// CIDv1 (raw, sha2-256) in base32.
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
pub fn digest_bytes(bytes: &[u8]) -> Digest {
    let sha: [u8; 32] = Sha256::digest(bytes).into();
    Digest { sha256: hex::encode(sha), cid: cid_of_sha256(&sha).to_string(), size: bytes.len() as u64 }
}

/// Digest of a file, streamed.
pub fn digest_file(path: &Path) -> std::io::Result<Digest> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let sha: [u8; 32] = hasher.finalize().into();
    Ok(Digest { sha256: hex::encode(sha), cid: cid_of_sha256(&sha).to_string(), size })
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
    fn file_digest_equals_bytes_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(digest_file(&path).unwrap(), digest_bytes(&bytes));
    }
}
