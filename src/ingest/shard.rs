//! Sharded ingest, for a cluster run: each process parses its share of an
//! edge list — a byte range cut at line boundaries — and sends what it
//! parsed to process 0, which merges the shares in file order: ids interned
//! in the order first seen (a share's new ids in its own first-seen order;
//! peers its edges name by number, `DecimalIds`, pass as they are), line
//! numbers offset by the lines of the shares before, rejects in line order.
//! So process 0 ends with exactly the batch, peer numbering, rejects and
//! counts a single machine reads, and everything after ingest is the
//! single-machine code.
//!
//! Process 0 pins the file (its digest goes into the manifest) and hashes
//! each share's bytes as it does so: a process whose copy of the file
//! differs from process 0's is refused, naming it.

use super::{
    DECIMAL_ID, DECIMAL_TABLE_LIMIT, DecimalIds, Edge, EdgeBatch, InputStats, PeerIds, Position, Reject, RejectReason,
    SourceFormat, SourceSpec,
};
use crate::crypto::Digest;
use crate::crypto::content::digest_reader;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The processes of a cluster run, as ingest sees them: which one this is,
/// and an exchange (every process gives bytes for each process and receives
/// what each gave it, in process order). Every process must call
/// [`Shards::exchange`] the same number of times, in the same order: process
/// 0 reads the pipeline's sources ([`super::ingest_sharded`]) while the
/// others send it their shares ([`super::send_shares`]), one exchange per
/// edge list read in shares.
pub trait Shards: Sync {
    /// This process's number.
    fn process(&self) -> usize;
    /// How many processes there are.
    fn processes(&self) -> usize;
    /// A process as error messages name it ("process 1 (host:port)").
    fn describe(&self, process: usize) -> String;
    /// Gives `outgoing[q]` to process `q` (an empty one for a shorter
    /// list) and returns what every process gave this one, in process order,
    /// each as the parts it arrived in (joining them would copy gigabytes
    /// into fresh memory; they are read across). `what` names the exchange
    /// in a timeout's error.
    fn exchange(&self, outgoing: Vec<Vec<u8>>, what: &'static str) -> Result<Vec<Vec<Vec<u8>>>>;
}

/// Whether a source is parsed in shards (and, on one machine, read in
/// blocks): plain-text edge list files. (A gzip stream or a Parquet file
/// cannot be cut at a line; process 0 reads those whole.)
pub(super) fn shardable(spec: &SourceSpec, path: &Path) -> bool {
    spec.format == SourceFormat::Edges
        && !path.extension().is_some_and(|e| e == "gz" || e == "parquet")
        && !path.is_dir()
}

/// What one process parsed of its range of the file, as it is exchanged:
/// this (bincode), then its edges as 16-byte little-endian records (truster
/// and trustee as u32 indices into `ids`, the value as f64), which the
/// receiver turns into the merged batch's edges directly, in one pass.
#[derive(Debug, Serialize, Deserialize)]
struct Shard {
    /// The file's length as this process sees it.
    len: u64,
    /// The range: `start..end`.
    start: u64,
    end: u64,
    /// SHA-256 of the range's bytes.
    sha256: [u8; 32],
    /// Line ends in the range.
    lines: u64,
    /// Records read (non-blank lines).
    records: u64,
    /// The range's ids of accepted edges, in the order first seen there.
    ids: Vec<String>,
    /// Accepted edges (the records that follow).
    edges: u64,
    /// Their times, as [`EdgeBatch::times_ms`].
    times: Option<Vec<Option<i64>>>,
    /// Refused lines, their numbers counted from the range's first line.
    rejects: Vec<ShardReject>,
}

/// A [`Reject`] of a shard, its line number relative to the shard.
#[derive(Debug, Serialize, Deserialize)]
struct ShardReject {
    line: u64,
    reason: String,
    detail: String,
    raw: String,
    raw_length: Option<u64>,
    raw_sha256: Option<String>,
}

/// Process 0's reading of an edge list in shards: it parses its range (and
/// pins the whole file), receives the other processes' shares
/// ([`send_share`]) and merges them into one batch, interning into `peers`
/// and filing rejects into `rejects` as a single machine would.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_edges(
    path: &Path,
    spec: &SourceSpec,
    shards: &dyn Shards,
    limit: u64,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    rejects: &mut Vec<Reject>,
) -> Result<(Digest, EdgeBatch)> {
    let processes = shards.processes();
    if shards.process() != 0 {
        return Err(Error::Internal("only process 0 merges the shares of an edge list".to_owned()));
    }
    let Share { len, cuts, pinned, wire } = share(path, spec, shards, limit)?;
    let (digest, ranges) = pinned.ok_or_else(|| Error::Internal("process 0 pins the file".to_owned()))?;
    let started = std::time::Instant::now();
    let mut outgoing = vec![Vec::new(); processes];
    outgoing[0] = wire;
    let shares = shards.exchange(outgoing, "their shares of the inputs")?;
    let received: usize = shares.iter().flatten().map(Vec::len).sum();
    tracing::debug!(bytes = received, elapsed = ?started.elapsed(), "shares exchanged");
    if shares.len() != processes {
        return Err(Error::Internal(format!("an exchange of {processes} processes returned {}", shares.len())));
    }
    let broken = |from: usize, what: String| Error::Cluster {
        message: format!("{} sent a share of {} that {what}", shards.describe(from), spec.path.display()),
        source: None,
    };
    // Every share's header first, so the merged edges are allocated once.
    let mut headers = Vec::with_capacity(processes);
    for (from, bytes) in shares.into_iter().enumerate() {
        let size: usize = bytes.iter().map(Vec::len).sum();
        let mut reader = io::BufReader::with_capacity(1 << 16, Parts::new(bytes));
        let shard: Shard =
            bincode::deserialize_from(&mut reader).map_err(|e| broken(from, format!("cannot be read: {e}")))?;
        if shard.edges.saturating_mul(EDGE_RECORD as u64) > size as u64 {
            return Err(broken(from, format!("claims {} edges in {size} bytes", shard.edges)));
        }
        check_share(&shard, from, len, &cuts, &ranges[from], shards, spec)?;
        headers.push((shard, reader));
    }
    let total: u64 = headers.iter().map(|(shard, _)| shard.edges).sum();
    let mut batch = EdgeBatch { scope: spec.scope.clone(), ..EdgeBatch::default() };
    batch.edges.reserve_exact(usize::try_from(total).unwrap_or(usize::MAX));
    let mut lines_before = 0u64;
    for (from, (shard, mut reader)) in headers.into_iter().enumerate() {
        let lines = shard.lines;
        merge(shard, &mut reader, path, &mut batch, lines_before, stats, peers, rejects).map_err(|e| match e {
            Error::Internal(what) => broken(from, what),
            other => other,
        })?;
        lines_before += lines;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "shares merged");
    Ok((digest, batch))
}

/// Another process's part in reading an edge list in shards: it parses its
/// range and sends it to process 0, which merges.
pub(super) fn send_share(path: &Path, spec: &SourceSpec, shards: &dyn Shards, limit: u64) -> Result<()> {
    let wire = share(path, spec, shards, limit)?.wire;
    let started = std::time::Instant::now();
    let mut outgoing = vec![Vec::new(); shards.processes()];
    outgoing[0] = wire;
    let bytes = outgoing[0].len();
    shards.exchange(outgoing, "their shares of the inputs")?;
    tracing::debug!(bytes, elapsed = ?started.elapsed(), "share sent");
    Ok(())
}

/// This process's share of an edge list, parsed and encoded.
struct Share {
    /// The file's length.
    len: u64,
    /// Where each process's range starts, and the file's end.
    cuts: Vec<u64>,
    /// Process 0's pin of the file: its digest and each range's SHA-256.
    pinned: Option<(Digest, Vec<[u8; 32]>)>,
    /// The share as sent: a [`Shard`] header and its edge records.
    wire: Vec<u8>,
}

/// Cuts the file into ranges, parses this process's and encodes it (and,
/// on process 0, pins the file meanwhile).
fn share(path: &Path, spec: &SourceSpec, shards: &dyn Shards, limit: u64) -> Result<Share> {
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    let (process, processes) = (shards.process(), shards.processes());
    let (mut file, len) = crate::fsio::open_limited(path, limit)?;
    let cuts = (0..=processes).map(|k| cut(&mut file, len, k, processes)).collect::<io::Result<Vec<u64>>>();
    let cuts = cuts.map_err(read_err)?;
    let (start, end) = (cuts[process], cuts[process + 1]);
    crate::progress::step(
        "Ingest",
        format_args!(
            "reading {} (bytes {start}..{end} of {len}, share {} of {processes})",
            spec.path.display(),
            process + 1
        ),
    );
    // Process 0 pins the whole file, hashing each share as it goes, while it parses its own.
    let (pinned, shard) = rayon::join(
        || (process == 0).then(|| digest_shares(path, &cuts)).transpose(),
        || parse_share(path, spec, &mut file, len, start, end),
    );
    let shard = shard?;
    let pinned = pinned.map_err(read_err)?;
    tracing::info!(source = %spec.path.display(), start, end, len, records = shard.0.records, "source read in shares: this process's parsed");
    let started = std::time::Instant::now();
    let (shard, edges) = shard;
    let mut wire = bincode::serialize(&shard).map_err(|e| Error::Internal(format!("cannot encode a shard: {e}")))?;
    wire.reserve_exact(edges.len() * EDGE_RECORD);
    for edge in &edges {
        wire.extend_from_slice(&edge.truster.to_le_bytes());
        wire.extend_from_slice(&edge.trustee.to_le_bytes());
        wire.extend_from_slice(&edge.value.to_le_bytes());
    }
    tracing::debug!(bytes = wire.len(), elapsed = ?started.elapsed(), "share encoded");
    Ok(Share { len, cuts, pinned, wire })
}

/// Refuses a share that is not of process 0's file: another length,
/// another range, or other bytes (`pinned` is the range's SHA-256 in process
/// 0's copy, hashed as it pinned the file).
fn check_share(
    shard: &Shard,
    from: usize,
    len: u64,
    cuts: &[u64],
    pinned: &[u8; 32],
    shards: &dyn Shards,
    spec: &SourceSpec,
) -> Result<()> {
    let (who, what) = (shards.describe(from), spec.path.display());
    let differs = |message: String| Error::Cluster { message, source: None };
    if shard.len != len {
        return Err(differs(format!(
            "{who}'s copy of {what} is {} bytes; this process's is {len}: every process needs the same inputs",
            shard.len
        )));
    }
    if (shard.start, shard.end) != (cuts[from], cuts[from + 1]) {
        return Err(differs(format!(
            "{who} sent a share of {what} that covers bytes {}..{}, not {}..{}",
            shard.start,
            shard.end,
            cuts[from],
            cuts[from + 1]
        )));
    }
    if *pinned != shard.sha256 {
        return Err(differs(format!(
            "{who}'s copy of {what} differs from this process's in bytes {}..{}: every process needs the same inputs",
            shard.start, shard.end
        )));
    }
    Ok(())
}

/// Bytes of an edge's record in a shard.
const EDGE_RECORD: usize = 16;

/// Edge records merged at a time (16 MiB of them).
const MERGE_BLOCK: usize = 1 << 20;

/// Reads across the parts a process's bytes arrived in, freeing each once read.
pub(crate) struct Parts {
    parts: std::collections::VecDeque<Vec<u8>>,
    at: usize,
}

impl Parts {
    pub(crate) fn new(parts: Vec<Vec<u8>>) -> Self {
        Parts { parts: parts.into(), at: 0 }
    }
}

impl Read for Parts {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while let Some(part) = self.parts.front() {
            if self.at < part.len() {
                let n = buffer.len().min(part.len() - self.at);
                buffer[..n].copy_from_slice(&part[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            self.parts.pop_front();
            self.at = 0;
        }
        Ok(0)
    }
}

/// Where range `k` of `of` starts in a file of `len` bytes: just after the
/// first line end at or after byte ⌊k·len/of⌋ − 1, so every range starts a
/// line (0 for k = 0, `len` for k = `of`).
fn cut(file: &mut File, len: u64, k: usize, of: usize) -> io::Result<u64> {
    if k == 0 {
        return Ok(0);
    }
    if k >= of {
        return Ok(len);
    }
    let at = (u128::from(len) * k as u128 / of as u128) as u64;
    if at == 0 {
        return Ok(0);
    }
    file.seek(SeekFrom::Start(at - 1))?;
    let mut position = at - 1;
    let mut buffer = vec![0u8; 64 << 10];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(len);
        }
        if let Some(i) = memchr::memchr(b'\n', &buffer[..n]) {
            return Ok((position + i as u64 + 1).min(len));
        }
        position += n as u64;
    }
}

/// Parses bytes `start..end` of the file: a shard. The header, if the
/// source has one, is the first line of the range that starts the file
/// (with more processes than bytes, ranges before it are empty).
fn parse_share(
    path: &Path,
    spec: &SourceSpec,
    file: &mut File,
    len: u64,
    start: u64,
    end: u64,
) -> Result<(Shard, Vec<Edge>)> {
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    file.seek(SeekFrom::Start(start)).map_err(read_err)?;
    let mut bytes = Vec::with_capacity((end - start) as usize);
    file.take(end - start).read_to_end(&mut bytes).map_err(read_err)?;
    if bytes.len() as u64 != end - start {
        return Err(Error::Input { path: path.to_path_buf(), message: "changed while it was read".to_owned() });
    }
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    let lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
    let mut stats = InputStats::new(&spec.path.display().to_string(), spec.format.id());
    let mut peers = PeerIds::default();
    let mut rejects = Vec::new();
    let batch =
        super::edges::read_text(path, &bytes, spec, spec.header && start == 0, &mut stats, &mut peers, &mut rejects)?;
    drop(bytes);
    let rejects = rejects
        .into_iter()
        .map(|r| ShardReject {
            line: match r.position {
                Position::Line(n) => n,
                _ => 0,
            },
            reason: r.reason.code().to_owned(),
            detail: r.detail,
            raw: r.raw,
            raw_length: r.raw_length,
            raw_sha256: r.raw_sha256,
        })
        .collect();
    let shard = Shard {
        len,
        start,
        end,
        sha256,
        lines,
        records: stats.records,
        ids: peers.into_ids(),
        edges: batch.edges.len() as u64,
        times: batch.times_ms,
        rejects,
    };
    Ok((shard, batch.edges))
}

/// Adds a shard to the batch being merged, as if its lines followed the
/// shards before it in one file. A shard that does not hold together
/// (an index past its ids, times not one per edge, a line past its range)
/// is an `Error::Internal` naming what is wrong.
#[allow(clippy::too_many_arguments)]
fn merge(
    shard: Shard,
    records: &mut impl Read,
    path: &Path,
    batch: &mut EdgeBatch,
    lines_before: u64,
    stats: &mut InputStats,
    peers: &mut PeerIds,
    rejects: &mut Vec<Reject>,
) -> Result<()> {
    let index: Vec<u32> = shard.ids.iter().map(|id| peers.intern(id, path)).collect::<Result<_>>()?;
    let before = batch.edges.len();
    let added = usize::try_from(shard.edges).map_err(|_| Error::Internal("has too many edges".to_owned()))?;
    batch.edges.reserve(added);
    // A block of records is read, then turned into edges on every core (the
    // lookups, and the first touch of the merged list's pages, are most of
    // a merge's time), in order.
    use rayon::prelude::*;
    let le = |b: &[u8]| {
        let mut word = [0u8; 8];
        word[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(word)
    };
    let mut block = vec![0u8; EDGE_RECORD * MERGE_BLOCK.min(added)];
    let mut left = added;
    while left > 0 {
        let n = left.min(MERGE_BLOCK);
        let bytes = &mut block[..n * EDGE_RECORD];
        records.read_exact(bytes).map_err(|e| Error::Internal(format!("ends before its edges do: {e}")))?;
        let records = bytes.par_chunks_exact(EDGE_RECORD);
        // One more than the highest index, and than the highest number, the peers are named by.
        let named = |peer: u32| match DecimalIds::number(peer) {
            Some(n) => (0, u64::from(n) + 1),
            None => (u64::from(peer) + 1, 0),
        };
        let (ends, span) = records
            .clone()
            .map(|r| {
                let (a, b) = (named(le(&r[..4]) as u32), named(le(&r[4..8]) as u32));
                (a.0.max(b.0), a.1.max(b.1))
            })
            .reduce(|| (0, 0), |a, b| (a.0.max(b.0), a.1.max(b.1)));
        if ends > index.len() as u64 {
            return Err(Error::Internal(format!("names peer {} of {}", ends - 1, index.len())));
        }
        if span > u64::from(DECIMAL_TABLE_LIMIT) {
            return Err(Error::Internal(format!("names peer {} by a number past the limit", span - 1)));
        }
        if span > 0 {
            peers.name_by_number(span as u32 - 1);
        }
        // A peer named by number is named so on every process: it passes as it is.
        let peer = |at: u32| if at >= DECIMAL_ID { at } else { index[at as usize] };
        batch.edges.par_extend(records.map(|r| Edge {
            truster: peer(le(&r[..4]) as u32),
            trustee: peer(le(&r[4..8]) as u32),
            value: f64::from_bits(le(&r[8..16])),
        }));
        left -= n;
    }
    match (&mut batch.times_ms, shard.times) {
        (_, Some(times)) if times.len() != added => {
            return Err(Error::Internal(format!("has {} times for {added} edges", times.len())));
        }
        (None, None) => {}
        (None, Some(times)) => {
            let mut all = vec![None; before];
            all.extend(times);
            batch.times_ms = Some(all);
        }
        (Some(all), Some(times)) => all.extend(times),
        (Some(all), None) => all.resize(all.len() + added, None),
    }
    stats.records += shard.records;
    for reject in shard.rejects {
        if reject.line == 0 || reject.line > shard.lines + 1 {
            return Err(Error::Internal(format!("rejects line {} of {}", reject.line, shard.lines + 1)));
        }
        let reason = RejectReason::from_code(&reject.reason)
            .ok_or_else(|| Error::Internal(format!("gives an unknown reject reason {:?}", reject.reason)))?;
        stats.rejected += 1;
        rejects.push(Reject {
            source: stats.source.clone(),
            position: Position::Line(lines_before + reject.line),
            reason,
            detail: reject.detail,
            raw: reject.raw,
            raw_length: reject.raw_length,
            raw_sha256: reject.raw_sha256,
        });
    }
    Ok(())
}

/// The digest of the file at `path` (streamed, as [`crate::crypto::digest_file`])
/// and the SHA-256 of each range between consecutive `cuts`, in one pass.
fn digest_shares(path: &Path, cuts: &[u64]) -> io::Result<(Digest, Vec<[u8; 32]>)> {
    struct Tee<'a> {
        file: File,
        position: u64,
        cuts: &'a [u64],
        hashers: Vec<Sha256>,
    }
    impl Read for Tee<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let n = self.file.read(buffer)?;
            let mut done = 0;
            while done < n {
                let range = self.cuts.partition_point(|&c| c <= self.position).saturating_sub(1);
                let end = self.cuts.get(range + 1).copied().unwrap_or(u64::MAX);
                let take = ((end - self.position) as usize).min(n - done);
                if let Some(hasher) = self.hashers.get_mut(range) {
                    hasher.update(&buffer[done..done + take]);
                }
                done += take;
                self.position += take as u64;
            }
            Ok(n)
        }
    }
    let file = crate::fsio::open_regular(path)?;
    let ranges = cuts.len().saturating_sub(1);
    let mut tee = Tee { file, position: 0, cuts, hashers: vec![Sha256::new(); ranges] };
    let digest = digest_reader(&mut tee)?;
    Ok((digest, tee.hashers.into_iter().map(|h| h.finalize().into()).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_just_after_line_ends_and_cover_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.csv");
        let text = "a,b,1\nbb,c,1\n\nccc,d,1\nd,e,1";
        std::fs::write(&path, text).unwrap();
        let mut file = File::open(&path).unwrap();
        let len = text.len() as u64;
        for of in 1..=12 {
            let cuts: Vec<u64> = (0..=of).map(|k| cut(&mut file, len, k, of).unwrap()).collect();
            assert_eq!((cuts[0], cuts[of]), (0, len), "{of}: {cuts:?}");
            for pair in cuts.windows(2) {
                assert!(pair[0] <= pair[1], "{of}: {cuts:?}");
            }
            for &c in &cuts[1..of] {
                assert!(c == 0 || c == len || text.as_bytes()[c as usize - 1] == b'\n', "{of}: {cuts:?}");
            }
            let (digest, shares) = digest_shares(&path, &cuts).unwrap();
            assert_eq!(digest, crate::crypto::digest_bytes(text.as_bytes()));
            for (k, share) in shares.iter().enumerate() {
                let bytes = &text.as_bytes()[cuts[k] as usize..cuts[k + 1] as usize];
                assert_eq!(share, &<[u8; 32]>::from(Sha256::digest(bytes)), "{of}, range {k}");
            }
        }
        // A cut on a line's first byte stays there; one inside a line moves to its end.
        assert_eq!(cut(&mut file, len, 1, 2).unwrap(), 13);
        assert_eq!(cut(&mut file, len, 1, 4).unwrap(), 6);
    }

    /// Processes as threads of one test: an exchange is a board every
    /// thread pins its outgoing bytes to, read once all have.
    struct Threads {
        process: usize,
        processes: usize,
        board: Board,
    }

    /// Each thread's outgoing bytes (per destination), and the barrier they meet at.
    type Board = std::sync::Arc<(std::sync::Mutex<Vec<Vec<Vec<u8>>>>, std::sync::Barrier)>;

    impl Shards for Threads {
        fn process(&self) -> usize {
            self.process
        }
        fn processes(&self) -> usize {
            self.processes
        }
        fn describe(&self, process: usize) -> String {
            format!("thread {process}")
        }
        fn exchange(&self, mut outgoing: Vec<Vec<u8>>, _: &'static str) -> Result<Vec<Vec<Vec<u8>>>> {
            let (board, barrier) = &*self.board;
            outgoing.resize(self.processes, Vec::new());
            board.lock().unwrap()[self.process] = outgoing;
            barrier.wait();
            // What each sent this one, cut into uneven parts, so that reading across them is tested too.
            let mine =
                board.lock().unwrap().iter().map(|b| b[self.process].chunks(7).map(<[u8]>::to_vec).collect()).collect();
            barrier.wait();
            Ok(mine)
        }
    }

    /// An edge list with what a merge must get right: ids first seen in
    /// every share, decimal ids named by number and some also interned as
    /// text, a header, blank, CRLF and refused lines, timestamps on some
    /// lines only (from the middle on), and no line end at the end.
    fn edge_list(seed: u64, lines: usize) -> String {
        let mut x = seed;
        let mut next = move || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut text = String::from("truster,trustee,value\n");
        for k in 0..lines {
            let (a, b) = (next() % 40, next() % 40);
            let line = match next() % 12 {
                0 => String::new(),
                1 => format!("p{a},p{a},1"),
                2 => "x,y".to_owned(),
                3 => format!("p{a},p{b},1\r"),
                4 if k > lines / 2 => format!("p{a},p{b},0.5,{}", 1_600_000_000 + k),
                5 => format!("did:key:z6Mk{a},p{b},-1"),
                // The fast path's lines, their peers named by number, and
                // the same numbers interned as text by a general line.
                6 | 7 => format!("{a},{b},{}", next() % 5),
                8 => format!("{a},p{b},2"),
                _ => format!("p{a},p{b},{}", next() % 5),
            };
            text.push_str(&line);
            if k + 1 < lines {
                text.push('\n');
            }
        }
        text
    }

    #[test]
    fn process_0_merges_the_shares_into_what_one_machine_reads() {
        use super::super::{IngestOptions, Ingested, PretrustSpec, SourceSpec, ingest, ingest_sharded, send_shares};
        let dir = tempfile::tempdir().unwrap();
        let spec = |name: &str, header: bool| SourceSpec {
            format: SourceFormat::Edges,
            path: name.into(),
            header,
            value_scale: 1.0,
            scope: "default".into(),
        };
        std::fs::write(dir.path().join("a.csv"), edge_list(1, 700)).unwrap();
        std::fs::write(dir.path().join("b.csv"), edge_list(2, 90)).unwrap();
        std::fs::write(dir.path().join("c.csv"), "").unwrap();
        // Shorter than the number of processes: the first ranges are empty, and the header is not theirs.
        std::fs::write(dir.path().join("d.csv"), "h\n").unwrap();
        let sources = [spec("a.csv", true), spec("b.csv", false), spec("c.csv", true), spec("d.csv", true)];
        let options = IngestOptions { scopes: vec!["default".into()], ..IngestOptions::default() };
        let pretrust = PretrustSpec::default();
        let single = ingest(&sources, &pretrust, &options, dir.path(), "p.toml").unwrap();
        assert!(single.rejects.len() > 50 && single.edges[0].times_ms.is_some(), "the list exercises the merge");
        let numbered = single.edges[0].edges.iter().filter(|e| DecimalIds::number(e.truster).is_some()).count();
        let aliased = (0..single.decimal.span).filter(|&n| single.decimal.index(n).is_some()).count();
        assert!(numbered > 50 && aliased > 5, "peers named by number, some also interned: {numbered}, {aliased}");
        for processes in 1..=5 {
            let board = std::sync::Arc::new((
                std::sync::Mutex::new(vec![Vec::new(); processes]),
                std::sync::Barrier::new(processes),
            ));
            let (got, sent): (Ingested, Vec<Vec<String>>) = std::thread::scope(|scope| {
                let (sources, options, pretrust, base) = (&sources, &options, &pretrust, dir.path());
                let shards = |process| Threads { process, processes, board: std::sync::Arc::clone(&board) };
                let others: Vec<_> = (1..processes)
                    .map(|process| {
                        let shards = shards(process);
                        scope.spawn(move || send_shares(sources, options, base, &shards).unwrap())
                    })
                    .collect();
                let zero = ingest_sharded(sources, pretrust, options, base, "p.toml", Some(&shards(0))).unwrap();
                (zero, others.into_iter().map(|h| h.join().unwrap()).collect())
            });
            let at = format!("{processes} processes");
            assert_eq!(got.peers, single.peers, "{at}");
            assert_eq!(got.decimal, single.decimal, "{at}");
            assert_eq!(got.edges, single.edges, "{at}");
            assert_eq!(got.rejects, single.rejects, "{at}");
            for (g, s) in got.inputs.iter().zip(&single.inputs) {
                assert_eq!(
                    (g.records, g.rejected, &g.source, &g.digest),
                    (s.records, s.rejected, &s.source, &s.digest),
                    "{at}"
                );
            }
            assert!(sent.iter().all(|s| s == &["a.csv", "b.csv", "c.csv", "d.csv"]), "{at}: {sent:?}");
        }
    }

    #[test]
    fn a_share_naming_a_peer_it_cannot_is_refused() {
        let merged = |ids: &[&str], records: &[(u32, u32)]| {
            let shard = Shard {
                len: 0,
                start: 0,
                end: 0,
                sha256: [0; 32],
                lines: records.len() as u64,
                records: records.len() as u64,
                ids: ids.iter().map(|id| id.to_string()).collect(),
                edges: records.len() as u64,
                times: None,
                rejects: Vec::new(),
            };
            let mut wire = Vec::new();
            for &(a, b) in records {
                wire.extend_from_slice(&a.to_le_bytes());
                wire.extend_from_slice(&b.to_le_bytes());
                wire.extend_from_slice(&1.0f64.to_le_bytes());
            }
            let (mut batch, mut stats) = (EdgeBatch::default(), InputStats::new("a.csv", "edges"));
            let (mut peers, mut rejects) = (PeerIds::default(), Vec::new());
            peers.intern("did:key:z6Mkfirst", Path::new("a.csv")).unwrap();
            let path = Path::new("a.csv");
            merge(shard, &mut &wire[..], path, &mut batch, 0, &mut stats, &mut peers, &mut rejects)
                .map(|()| (batch.edges, peers.into_parts()))
        };
        let number = |n: u32| DECIMAL_ID | n;
        // Indices are the share's own, re-interned; numbers pass as they are and widen the span.
        let (edges, (ids, decimal)) = merged(&["a"], &[(0, number(9)), (number(16_777_215), 0)]).unwrap();
        assert_eq!(ids, ["did:key:z6Mkfirst", "a"]);
        assert_eq!(
            edges.iter().map(|e| (e.truster, e.trustee)).collect::<Vec<_>>(),
            [(1, number(9)), (number(16_777_215), 1)]
        );
        assert_eq!(decimal.span, 1 << 24);
        for (ids, records, expected) in [
            (&["a"][..], &[(0, 1)][..], "names peer 1 of 1"),
            (&[][..], &[(0, number(3))][..], "names peer 0 of 0"),
            (&["a"][..], &[(0, number(1 << 24))][..], "names peer 16777216 by a number past the limit"),
        ] {
            match merged(ids, records) {
                Err(Error::Internal(what)) => assert_eq!(what, expected),
                other => panic!("{records:?}: {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn only_process_0_merges() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "a,b,1\n").unwrap();
        let board = std::sync::Arc::new((std::sync::Mutex::new(vec![Vec::new(); 2]), std::sync::Barrier::new(1)));
        let shards = Threads { process: 1, processes: 2, board };
        let spec = SourceSpec {
            format: SourceFormat::Edges,
            path: "a.csv".into(),
            header: false,
            value_scale: 1.0,
            scope: "default".into(),
        };
        let mut stats = InputStats::new("a.csv", "edges");
        let (mut peers, mut rejects) = (PeerIds::default(), Vec::new());
        let error =
            read_edges(&dir.path().join("a.csv"), &spec, &shards, 1 << 20, &mut stats, &mut peers, &mut rejects);
        assert!(matches!(error, Err(Error::Internal(_))));
    }
}
