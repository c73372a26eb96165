//! The `unixfs-v1-2025` encoder against the reference importer
//! (`ipfs-unixfs-importer` 17.x, see scripts/unixfs-vectors/): every vector in
//! tests/vectors/unixfs-v1-2025.json is rebuilt from its content formula and
//! must get the same CID, Tsize, block count and root block. Content is
//! generated and hashed a piece at a time, so the 1 GiB vectors run in bounded
//! memory (they run in release builds only: in debug, SHA-256 of 2 GiB is slow).
//! Last, a directory's blocks go through a CAR and back.

use scoreset::crypto::car::{CarReader, CarWriter};
use scoreset::crypto::unixfs::{self, DAG_PB, FileBuilder, Node, RAW};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{Cursor, Read};

const VECTORS: &str = include_str!("vectors/unixfs-v1-2025.json");
/// Vectors above this size run in release builds only.
const DEBUG_LIMIT: u64 = 64 << 20;
/// Content is pushed in pieces of this odd size, so the chunker has to re-cut them.
const PIECE: usize = 999_983;

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("the vectors file is JSON")
}

/// The content of a vector entry: `text`, or `seed` and `size` with
/// b[i] = ((i * 0x9E3779B1 + seed * 0x85EBCA77) mod 2^32) >> 24.
enum Content {
    Text(Vec<u8>),
    Seeded { seed: u32, size: u64, offset: u64 },
}

impl Content {
    fn of(entry: &Value) -> Content {
        if let Some(text) = entry["text"].as_str() {
            return Content::Text(text.as_bytes().to_vec());
        }
        let seed = entry["seed"].as_u64().expect("seed") as u32;
        let size = entry["size"].as_u64().expect("size");
        assert!(size <= 1 << 32, "the formula is defined for offsets below 2^32");
        Content::Seeded { seed, size, offset: 0 }
    }

    fn size(&self) -> u64 {
        match self {
            Content::Text(text) => text.len() as u64,
            Content::Seeded { size, .. } => *size,
        }
    }
}

impl Read for Content {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Content::Text(text) => {
                let n = buf.len().min(text.len());
                buf[..n].copy_from_slice(&text[..n]);
                text.drain(..n);
                Ok(n)
            }
            Content::Seeded { seed, size, offset } => {
                let n = buf.len().min((*size - *offset) as usize);
                let base = seed.wrapping_mul(0x85EB_CA77);
                for (j, b) in buf[..n].iter_mut().enumerate() {
                    let i = (*offset as u32).wrapping_add(j as u32);
                    *b = (i.wrapping_mul(0x9E37_79B1).wrapping_add(base) >> 24) as u8;
                }
                *offset += n as u64;
                Ok(n)
            }
        }
    }
}

/// What building a file reported: its node, its distinct blocks, its root block when dag-pb and small.
struct Built {
    node: Node,
    cids: HashSet<cid::Cid>,
    root_block: Option<Vec<u8>>,
}

/// Streams `content` through a [`FileBuilder`] in odd-sized pieces, checking every block's hash.
fn build(mut content: Content) -> Built {
    let mut cids = HashSet::new();
    let mut last = None;
    let mut builder = FileBuilder::new(|cid: &cid::Cid, bytes: &[u8]| {
        assert_eq!(cid.hash().digest(), Sha256::digest(bytes).as_slice(), "block {cid} hashes to its CID");
        assert!(cids.insert(*cid), "block {cid} emitted twice");
        last = (cid.codec() == DAG_PB && bytes.len() <= 4096).then(|| (*cid, bytes.to_vec()));
    });
    let mut piece = vec![0; PIECE];
    loop {
        let n = content.read(&mut piece).expect("content reads");
        if n == 0 {
            break;
        }
        builder.push(&piece[..n]);
    }
    let node = builder.finish();
    let root_block = last.filter(|(cid, _)| *cid == node.cid).map(|(_, bytes)| bytes);
    Built { node, cids, root_block }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_file(vector: &Value) {
    let name = vector["name"].as_str().expect("name");
    let content = Content::of(vector);
    let size = content.size();
    let built = build(content);
    assert_eq!(built.node.cid.to_string(), vector["cid"].as_str().expect("cid"), "{name}: CID");
    assert_eq!(built.node.size, size, "{name}: size");
    assert_eq!(Some(built.node.tsize), vector["tsize"].as_u64(), "{name}: tsize");
    assert_eq!(Some(built.cids.len() as u64), vector["blocks"].as_u64(), "{name}: distinct blocks");
    assert_eq!(built.root_block.map(|b| hex(&b)).as_deref(), vector["root_block_hex"].as_str(), "{name}: root block");
    if size <= DEBUG_LIMIT {
        let node = unixfs::file_cid_reader(Content::of(vector)).expect("content reads");
        assert_eq!(node, built.node, "{name}: file_cid_reader agrees with FileBuilder");
    }
    if size <= 1 << 20 {
        let mut bytes = Vec::new();
        Content::of(vector).read_to_end(&mut bytes).expect("content reads");
        assert_eq!(unixfs::file_cid(&bytes), built.node, "{name}: file_cid agrees");
    }
}

fn files(small: bool) -> Vec<Value> {
    let all = vectors()["files"].as_array().expect("files").clone();
    all.into_iter().filter(|v| (v["size"].as_u64().expect("size") <= DEBUG_LIMIT) == small).collect()
}

#[test]
fn the_vectors_are_for_this_profile() {
    let vectors = vectors();
    assert_eq!(vectors["profile"], unixfs::PROFILE);
    assert!(!files(true).is_empty());
    assert!(vectors["directories"].as_array().is_some_and(|d| !d.is_empty()));
}

#[test]
fn small_files_match_the_reference_importer() {
    for vector in files(true) {
        check_file(&vector);
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "hashes 2 GiB: run with --release")]
fn large_files_match_the_reference_importer() {
    let large = files(false);
    assert!(large.iter().any(|v| v["size"].as_u64() > Some(1024 << 20)), "a vector needs two DAG levels");
    for vector in large {
        check_file(&vector);
    }
}

#[test]
fn directories_match_the_reference_importer() {
    for vector in vectors()["directories"].as_array().expect("directories") {
        let name = vector["name"].as_str().expect("name");
        let mut cids = HashSet::new();
        let mut names = Vec::new();
        let mut nodes = Vec::new();
        for entry in vector["entries"].as_array().expect("entries") {
            let built = build(Content::of(entry));
            assert_eq!(built.node.cid.to_string(), entry["cid"].as_str().expect("cid"), "{name}/{entry}: CID");
            assert_eq!(Some(built.node.tsize), entry["tsize"].as_u64(), "{name}/{entry}: tsize");
            cids.extend(built.cids);
            names.push(entry["name"].as_str().expect("entry name").to_owned());
            nodes.push(built.node);
        }
        let entries: Vec<(&str, Node)> = names.iter().map(String::as_str).zip(nodes).collect();
        let mut root_block = None;
        let dir = unixfs::directory(&entries, |cid, bytes| {
            cids.insert(*cid);
            root_block = Some(bytes.to_vec());
        })
        .expect("a plain directory");
        assert_eq!(dir.cid.to_string(), vector["cid"].as_str().expect("cid"), "{name}: CID");
        assert_eq!(Some(dir.tsize), vector["tsize"].as_u64(), "{name}: tsize");
        assert_eq!(Some(cids.len() as u64), vector["blocks"].as_u64(), "{name}: distinct blocks");
        let root_block = root_block.expect("the directory block was emitted");
        assert_eq!(Some(hex(&root_block).as_str()), vector["root_block_hex"].as_str(), "{name}: block");
    }
}

/// Blocks of `content` streamed straight into `car`; the first write error is kept.
fn file_into_car(car: &mut CarWriter<Cursor<Vec<u8>>>, content: &[u8]) -> Node {
    let mut failed = None;
    let mut builder = FileBuilder::new(|cid: &cid::Cid, bytes: &[u8]| {
        if let Err(e) = car.write_block(cid, bytes) {
            failed.get_or_insert(e);
        }
    });
    for piece in content.chunks(PIECE) {
        builder.push(piece);
    }
    let node = builder.finish();
    assert!(failed.is_none(), "CAR write failed: {failed:?}");
    node
}

#[test]
fn a_directory_round_trips_through_a_car() {
    let mut big = vec![0u8; 3 * unixfs::CHUNK_SIZE + 5];
    Content::Seeded { seed: 12, size: big.len() as u64, offset: 0 }.read_exact(&mut big).expect("content reads");
    let mut car = CarWriter::with_root_later(Cursor::new(Vec::new())).expect("header");
    let small = file_into_car(&mut car, b"hello world");
    let large = file_into_car(&mut car, &big);
    assert_eq!((small.cid.codec(), large.cid.codec()), (RAW, DAG_PB));
    let mut dir_block = Vec::new();
    let dir = unixfs::directory(&[("big.bin", large), ("hello.txt", small)], |cid, bytes| {
        dir_block = bytes.to_vec();
        car.write_block(cid, bytes).expect("directory block written");
    })
    .expect("a plain directory");
    let bytes = car.finish_with_root(dir.cid).expect("root written").into_inner();

    let mut reader = CarReader::new(bytes.as_slice()).expect("a CARv1");
    assert_eq!(reader.roots(), [dir.cid]);
    let mut seen = Vec::new();
    while let Some((cid, data)) = reader.next_block().expect("a well-formed block") {
        assert_eq!(cid.hash().code(), 0x12);
        assert_eq!(cid.hash().digest(), Sha256::digest(data).as_slice(), "block {cid} hashes to its CID");
        if cid == dir.cid {
            assert_eq!(data, dir_block.as_slice());
        }
        seen.push(cid);
    }
    // 4 leaves and a node for big.bin, 1 leaf for hello.txt, the directory: each once, directory last.
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
    assert_eq!(seen.last(), Some(&dir.cid));
    let decoded = unixfs::decode_node(&dir_block).expect("a dag-pb node");
    let links: Vec<_> = decoded.links.iter().map(|l| (l.name.as_deref(), l.cid, l.tsize)).collect();
    assert_eq!(links, [(Some("big.bin"), large.cid, Some(large.tsize)), (Some("hello.txt"), small.cid, Some(11))]);
}
