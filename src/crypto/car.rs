//! CARv1 archives of an epoch (for `ipfs dag import`), written and read
//! streaming, one block at a time, in bounded memory at any archive size.
//!
//! A CARv1 is a varint-length-prefixed DAG-CBOR header `{roots, version: 1}`
//! followed by sections, each a varint length then a CID and the block bytes.
//! The header's DAG-CBOR is encoded and decoded by `iroh-car`
//! ([`iroh_car::CarHeader`]); the section framing is written here by hand,
//! because `iroh-car` 0.5.1's reader and writer only take tokio's
//! `AsyncRead`/`AsyncWrite` (serving a `std::io::Read`/`Write` would need tokio
//! as a direct dependency and a poll adapter, more code than the framing
//! itself) and its reader's only bound is a fixed 4 MiB per section, header
//! included. Here a header is refused past [`MAX_HEADER`] bytes and a section
//! past a caller's bound, [`MAX_BLOCK`] by default, with a typed error before
//! anything that large is allocated.
//!
//! A CAR's header comes first but a UnixFS root's CID is known last. Over a
//! seekable output, [`CarWriter::with_root_later`] writes a placeholder root of
//! the same length (every sha2-256 CIDv1 is 36 bytes) and
//! [`CarWriter::finish_with_root`] writes the real one over it, so blocks can
//! go out as they are made; over any other writer, compute the root first
//! (`unixfs::file_cid_reader`) and pass it to [`CarWriter::new`].

use cid::Cid;
use iroh_car::CarHeader;
use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Largest section (CID plus block) read or written by default: the
/// `unixfs-v1-2025` profile makes no block larger than a 1 MiB leaf or a node
/// of 1024 links (about 50 KiB); 2 MiB + 64 KiB leaves ample room.
pub const MAX_BLOCK: usize = 2 * 1024 * 1024 + 64 * 1024;
/// Largest header read: one root takes about 60 bytes.
pub const MAX_HEADER: usize = 4096;

/// Why a CAR could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CarError {
    /// The underlying reader or writer failed.
    #[error("CAR I/O: {0}")]
    Io(#[from] io::Error),
    /// The input ends inside a length, a header or a section.
    #[error("CAR ends inside a {0}")]
    Truncated(&'static str),
    /// A length varint longer than 63 bits.
    #[error("CAR length varint overflows")]
    VarintOverflow,
    /// The header is longer than [`MAX_HEADER`].
    #[error("CAR header of {len} bytes exceeds the {max}-byte bound")]
    HeaderTooLarge {
        /// The header's length.
        len: u64,
        /// The bound.
        max: usize,
    },
    /// The header is not a CARv1 header with at least one root.
    #[error("CAR header: {0}")]
    Header(#[source] iroh_car::Error),
    /// A section longer than the bound.
    #[error("CAR block section of {len} bytes exceeds the {max}-byte bound")]
    BlockTooLarge {
        /// The section's length.
        len: u64,
        /// The bound.
        max: usize,
    },
    /// A section of length zero (no CID).
    #[error("CAR has an empty block section")]
    EmptySection,
    /// A section that does not start with a CID.
    #[error("CAR block CID: {0}")]
    Cid(#[from] cid::Error),
    /// [`CarWriter::finish_with_root`] on a writer not made by [`CarWriter::with_root_later`].
    #[error("CAR root was given up front; it cannot be replaced")]
    RootNotDeferred,
    /// A late root whose header has another length than the placeholder's.
    #[error("CAR root {0} does not fit the placeholder (not a 36-byte CIDv1)")]
    RootLength(Cid),
}

/// Writes a CARv1 with one root, block by block, to any writer.
///
/// A block whose CID was already written is skipped (the archive holds each
/// block once), at the cost of remembering every CID written: about 100 bytes
/// per block, i.e. 0.01 % of the content for 1 MiB leaves.
pub struct CarWriter<W: Write> {
    out: W,
    written: HashSet<Cid>,
    max_block: usize,
    cid_bytes: Vec<u8>,
    /// Where a placeholder header starts and its encoded length, when the root comes later.
    deferred: Option<(u64, usize)>,
}

/// The framed header (length varint, then DAG-CBOR) of a CARv1 with one root.
fn framed_header(root: Cid) -> Result<Vec<u8>, CarError> {
    let header = CarHeader::new_v1(vec![root]).encode().map_err(CarError::Header)?;
    let mut framed = Vec::with_capacity(header.len() + 2);
    write_varint(&mut framed, header.len() as u64)?;
    framed.extend_from_slice(&header);
    Ok(framed)
}

/// Stands in for a root not known yet: a dag-pb sha2-256 CIDv1 of zeros.
fn placeholder_root() -> Cid {
    let zeros = cid::multihash::Multihash::<64>::wrap(0x12, &[0; 32]).expect("32 bytes fit a multihash");
    Cid::new_v1(0x70, zeros)
}

impl<W: Write> CarWriter<W> {
    /// Writes the header (root `root`, version 1) and returns the writer for blocks.
    pub fn new(mut out: W, root: Cid) -> Result<Self, CarError> {
        out.write_all(&framed_header(root)?)?;
        Ok(CarWriter { out, written: HashSet::new(), max_block: MAX_BLOCK, cid_bytes: Vec::new(), deferred: None })
    }

    /// Appends one block; `Ok(false)` when a block of that CID was already written.
    /// Refuses a section larger than [`MAX_BLOCK`], which a reader would refuse too.
    pub fn write_block(&mut self, cid: &Cid, data: &[u8]) -> Result<bool, CarError> {
        if self.written.contains(cid) {
            return Ok(false);
        }
        self.cid_bytes.clear();
        cid.write_bytes(&mut self.cid_bytes)?;
        let len = self.cid_bytes.len() + data.len();
        if len > self.max_block {
            return Err(CarError::BlockTooLarge { len: len as u64, max: self.max_block });
        }
        write_varint(&mut self.out, len as u64)?;
        self.out.write_all(&self.cid_bytes)?;
        self.out.write_all(data)?;
        self.written.insert(*cid);
        Ok(true)
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W, CarError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Seek> CarWriter<W> {
    /// Writes a placeholder header at the output's current position; the root
    /// is given to [`CarWriter::finish_with_root`] once known.
    pub fn with_root_later(mut out: W) -> Result<Self, CarError> {
        let start = out.stream_position()?;
        let header = framed_header(placeholder_root())?;
        out.write_all(&header)?;
        let deferred = Some((start, header.len()));
        Ok(CarWriter { out, written: HashSet::new(), max_block: MAX_BLOCK, cid_bytes: Vec::new(), deferred })
    }

    /// Writes `root` over the placeholder, flushes and returns the output
    /// (positioned at the end of the archive).
    pub fn finish_with_root(mut self, root: Cid) -> Result<W, CarError> {
        let (start, len) = self.deferred.ok_or(CarError::RootNotDeferred)?;
        let header = framed_header(root)?;
        if header.len() != len {
            return Err(CarError::RootLength(root));
        }
        let end = self.out.stream_position()?;
        self.out.seek(SeekFrom::Start(start))?;
        self.out.write_all(&header)?;
        self.out.seek(SeekFrom::Start(end))?;
        self.finish()
    }
}

/// Reads a CARv1 block by block from any reader, refusing oversized sections.
pub struct CarReader<R: Read> {
    input: R,
    roots: Vec<Cid>,
    max_block: usize,
    section: Vec<u8>,
    failed: bool,
}

impl<R: Read> CarReader<R> {
    /// Reads and checks the header; blocks are bounded by [`MAX_BLOCK`].
    pub fn new(input: R) -> Result<Self, CarError> {
        Self::with_max_block(input, MAX_BLOCK)
    }

    /// Reads and checks the header; a section longer than `max_block` bytes is an error.
    pub fn with_max_block(mut input: R, max_block: usize) -> Result<Self, CarError> {
        let len = read_varint(&mut input)?.ok_or(CarError::Truncated("header length"))?;
        if len > MAX_HEADER as u64 {
            return Err(CarError::HeaderTooLarge { len, max: MAX_HEADER });
        }
        let mut header = vec![0; len as usize];
        read_exact(&mut input, &mut header, "header")?;
        let header = CarHeader::decode(&header).map_err(CarError::Header)?;
        let roots = header.roots().to_vec();
        Ok(CarReader { input, roots, max_block, section: Vec::new(), failed: false })
    }

    /// The header's roots (at least one).
    pub fn roots(&self) -> &[Cid] {
        &self.roots
    }

    /// The next block, borrowed until the next call; `Ok(None)` at the end.
    pub fn next_block(&mut self) -> Result<Option<(Cid, &[u8])>, CarError> {
        let Some(len) = read_varint(&mut self.input)? else {
            return Ok(None);
        };
        if len > self.max_block as u64 {
            return Err(CarError::BlockTooLarge { len, max: self.max_block });
        }
        if len == 0 {
            return Err(CarError::EmptySection);
        }
        self.section.resize(len as usize, 0);
        read_exact(&mut self.input, &mut self.section, "block section")?;
        let mut cursor = io::Cursor::new(self.section.as_slice());
        let cid = Cid::read_bytes(&mut cursor)?;
        let start = cursor.position() as usize;
        Ok(Some((cid, &self.section[start..])))
    }
}

/// Owned blocks in file order; stops after the first error.
impl<R: Read> Iterator for CarReader<R> {
    type Item = Result<(Cid, Vec<u8>), CarError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_block() {
            Ok(block) => block.map(|(cid, data)| Ok((cid, data.to_vec()))),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Appends `value` as an unsigned LEB128 varint.
fn write_varint(out: &mut impl Write, mut value: u64) -> io::Result<()> {
    let mut buf = [0u8; 10];
    let mut n = 0;
    while value >= 0x80 {
        buf[n] = (value as u8) | 0x80;
        value >>= 7;
        n += 1;
    }
    buf[n] = value as u8;
    out.write_all(&buf[..=n])
}

/// Reads one byte; `None` at the end of the input.
fn read_byte(input: &mut impl Read) -> io::Result<Option<u8>> {
    let mut byte = [0u8];
    loop {
        match input.read(&mut byte) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(byte[0])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reads an unsigned varint of at most 9 bytes (63 bits, as multiformats
/// allows); `Ok(None)` if the input ends before its first byte.
fn read_varint(input: &mut impl Read) -> Result<Option<u64>, CarError> {
    let mut value = 0u64;
    for i in 0..9 {
        let Some(byte) = read_byte(input)? else {
            return if i == 0 { Ok(None) } else { Err(CarError::Truncated("length varint")) };
        };
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok(Some(value));
        }
    }
    Err(CarError::VarintOverflow)
}

fn read_exact(input: &mut impl Read, buf: &mut [u8], what: &'static str) -> Result<(), CarError> {
    input.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => CarError::Truncated(what),
        _ => CarError::Io(e),
    })
}

/// A CARv1 in memory with `root` as its single root and `blocks` in the given
/// order (a repeated CID is written once).
pub fn write_car(root: Cid, blocks: &[(Cid, &[u8])]) -> Result<Vec<u8>, CarError> {
    let mut writer = CarWriter::new(Vec::new(), root)?;
    for (cid, data) in blocks {
        writer.write_block(cid, data)?;
    }
    writer.finish()
}

/// The contents of a CAR: its roots and its blocks in file order.
pub type CarContents = (Vec<Cid>, Vec<(Cid, Vec<u8>)>);

/// The roots and blocks of a CARv1 in memory (each block bounded by [`MAX_BLOCK`]).
pub fn read_car(bytes: &[u8]) -> Result<CarContents, CarError> {
    let reader = CarReader::new(bytes)?;
    let roots = reader.roots().to_vec();
    let blocks = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((roots, blocks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cid::multihash::Multihash;
    use sha2::{Digest, Sha256};

    fn raw_cid(data: &[u8]) -> Cid {
        Cid::new_v1(0x55, Multihash::<64>::wrap(0x12, &Sha256::digest(data)).unwrap())
    }

    #[test]
    fn blocks_round_trip_and_repeats_are_written_once() {
        let (a, b) = (b"alpha".as_slice(), vec![9u8; 100_000]);
        let blocks = [(raw_cid(a), a), (raw_cid(&b), b.as_slice()), (raw_cid(a), a)];
        let car = write_car(blocks[0].0, &blocks).unwrap();
        let (roots, read) = read_car(&car).unwrap();
        assert_eq!(roots, [blocks[0].0]);
        assert_eq!(read, vec![(blocks[0].0, a.to_vec()), (blocks[1].0, b.clone())]);
    }

    #[test]
    fn a_late_root_replaces_the_placeholder() {
        let (a, b) = (b"a".as_slice(), b"b".as_slice());
        let mut writer = CarWriter::with_root_later(io::Cursor::new(Vec::new())).unwrap();
        writer.write_block(&raw_cid(a), a).unwrap();
        writer.write_block(&raw_cid(b), b).unwrap();
        let car = writer.finish_with_root(raw_cid(b)).unwrap().into_inner();
        assert_eq!(car, write_car(raw_cid(b), &[(raw_cid(a), a), (raw_cid(b), b)]).unwrap());

        let writer = CarWriter::with_root_later(io::Cursor::new(Vec::new())).unwrap();
        let v0 = Cid::new_v0(Multihash::<64>::wrap(0x12, &[1; 32]).unwrap()).unwrap();
        assert!(matches!(writer.finish_with_root(v0), Err(CarError::RootLength(_))));
        let writer = CarWriter::new(io::Cursor::new(Vec::new()), raw_cid(a)).unwrap();
        assert!(matches!(writer.finish_with_root(raw_cid(b)), Err(CarError::RootNotDeferred)));
    }

    #[test]
    fn the_header_is_iroh_cars() {
        // Same bytes as iroh-car's writer would produce, so other CAR tools read it.
        let root = raw_cid(b"root");
        let car = write_car(root, &[]).unwrap();
        let header = CarHeader::new_v1(vec![root]).encode().unwrap();
        assert_eq!(car[0] as usize, header.len());
        assert_eq!(&car[1..], header.as_slice());
    }

    #[test]
    fn oversized_sections_and_headers_are_refused() {
        let root = raw_cid(b"root");
        let big = vec![1u8; 5000];
        let car = write_car(root, &[(raw_cid(&big), &big)]).unwrap();
        let mut reader = CarReader::with_max_block(car.as_slice(), 4096).unwrap();
        assert!(matches!(reader.next_block(), Err(CarError::BlockTooLarge { len: 5036, max: 4096 })));

        let mut writer = CarWriter::new(Vec::new(), root).unwrap();
        let huge = vec![0u8; MAX_BLOCK];
        assert!(matches!(writer.write_block(&raw_cid(&huge), &huge), Err(CarError::BlockTooLarge { .. })));

        // A header length of 2^40: refused before allocating.
        let bogus = [0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
        assert!(matches!(CarReader::new(bogus.as_slice()), Err(CarError::HeaderTooLarge { .. })));
        // A section length of 2^62.
        let mut car = write_car(root, &[]).unwrap();
        car.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
        assert!(matches!(read_car(&car), Err(CarError::BlockTooLarge { .. })));
    }

    #[test]
    fn truncation_and_garbage_are_typed_errors() {
        let root = raw_cid(b"root");
        let car = write_car(root, &[(root, b"root")]).unwrap();
        for end in 0..car.len() {
            let result = read_car(&car[..end]);
            let header_end = 1 + car[0] as usize;
            if end == header_end {
                assert_eq!(result.unwrap().1, vec![]);
            } else {
                assert!(result.is_err(), "prefix of {end} bytes");
            }
        }
        assert!(matches!(read_car(&[]), Err(CarError::Truncated("header length"))));
        assert!(matches!(read_car(&[0xff; 12]), Err(CarError::VarintOverflow)));
        assert!(matches!(read_car(&[0x02, 0xa0, 0x00]), Err(CarError::Header(_))));
        let mut empty_section = write_car(root, &[]).unwrap();
        empty_section.push(0);
        assert!(matches!(read_car(&empty_section), Err(CarError::EmptySection)));
        let mut bad_cid = write_car(root, &[]).unwrap();
        bad_cid.extend_from_slice(&[0x02, 0x07, 0x07]);
        assert!(matches!(read_car(&bad_cid), Err(CarError::Cid(_))));
    }
}
