//! Seal: the epoch's files are written with the generic file writers here
//! ([`jsonl_file`], [`csv_file`]; each model renders its own files with
//! them), then sealed: the signed `manifest.json` and the `scoreset.car`.
//! Pure functions from data to bytes; writing them is the publish stage's job.
//!
//! Numbers are written in the ECMAScript shortest round-trip form (as JCS
//! requires), in CSV as in JSON, so `0.25`, `1` and `1e-7` read back exactly.
//! JSON lines are RFC 8785 canonical (sorted keys), so equal data gives equal bytes.

pub mod direct;
pub mod manifest;
pub mod parquet;

use crate::crypto::content::FileDigest;
use crate::crypto::{self, Digest, canonical_json, car, digest_bytes, eddsa_jcs, unixfs};
use crate::error::{Error, Result};
use ed25519_dalek::SigningKey;
use manifest::{Manifest, OutputRecord};
use serde::Serialize;
use std::fs::File;
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::Arc;

/// One file of an epoch.
#[derive(Clone)]
pub struct EpochFile {
    /// File name inside the epoch folder.
    pub name: &'static str,
    /// Contents.
    pub body: Body,
}

/// An epoch file's contents: in memory, or rendered piece by piece as it is written.
#[derive(Clone)]
pub enum Body {
    /// The bytes.
    Bytes(Vec<u8>),
    /// `count` pieces, piece `k` rendered by `render(k)`; the file is the
    /// pieces in order. Rendered a few at a time, in parallel, while the
    /// ones before are written and hashed ([`EpochFile::write_to`]), so a
    /// file of gigabytes is never held whole.
    Pieces {
        /// How many pieces.
        count: usize,
        /// Renders one piece.
        render: Arc<dyn Fn(usize) -> Result<Vec<u8>> + Send + Sync>,
    },
}

impl std::fmt::Debug for EpochFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.body {
            Body::Bytes(bytes) => write!(f, "EpochFile({}, {} bytes)", self.name, bytes.len()),
            Body::Pieces { count, .. } => write!(f, "EpochFile({}, {count} pieces)", self.name),
        }
    }
}

impl EpochFile {
    /// A file of `bytes`.
    pub fn new(name: &'static str, bytes: Vec<u8>) -> Self {
        EpochFile { name, body: Body::Bytes(bytes) }
    }

    /// A file of `count` pieces, rendered when it is written (see [`Body::Pieces`]).
    pub fn pieces(
        name: &'static str,
        count: usize,
        render: impl Fn(usize) -> Result<Vec<u8>> + Send + Sync + 'static,
    ) -> Self {
        EpochFile { name, body: Body::Pieces { count, render: Arc::new(render) } }
    }

    /// Hands the file's bytes to `sink`, in order. Pieces are rendered in
    /// batches of two per thread, in parallel, each batch while `sink` takes
    /// the one before: memory holds at most two batches.
    pub fn write_to(&self, sink: &mut (dyn FnMut(&[u8]) -> Result<()> + Send)) -> Result<()> {
        use rayon::prelude::*;
        let (count, render) = match &self.body {
            Body::Bytes(bytes) => return bytes.chunks(unixfs::CHUNK_SIZE).try_for_each(sink),
            Body::Pieces { count, render } => (*count, render),
        };
        let batch = 2 * rayon::current_num_threads().max(1);
        let render_batch = |start: usize| -> Result<Vec<Vec<u8>>> {
            (start..(start + batch).min(count)).into_par_iter().map(|k| render(k)).collect()
        };
        let mut current = render_batch(0)?;
        let mut next = batch;
        loop {
            let more = next < count;
            let (taken, rendered) =
                rayon::join(|| current.iter().try_for_each(|piece| sink(piece)), || more.then(|| render_batch(next)));
            taken?;
            match rendered {
                Some(rendered) => current = rendered?,
                None => return Ok(()),
            }
            next += batch;
        }
    }

    /// The file's bytes in memory (small files, and tests).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write_to(&mut |piece| {
            bytes.extend_from_slice(piece);
            Ok(())
        })?;
        Ok(bytes)
    }

    /// The file's digest, streamed (what `verify --recompute` compares).
    pub fn digest(&self) -> Result<Digest> {
        let mut digest = FileDigest::new(|_: &cid::Cid, _: &[u8]| {});
        self.write_to(&mut |piece| {
            digest.push(piece);
            Ok(())
        })?;
        Ok(digest.finish().0)
    }
}

/// A JSON-lines epoch file: one RFC 8785 canonical line per item, in the order given.
pub fn jsonl_file<T: Serialize>(name: &'static str, items: impl IntoIterator<Item = T>) -> Result<EpochFile> {
    let mut bytes = Vec::new();
    for item in items {
        json_line(&mut bytes, &item).map_err(io(name))?;
    }
    Ok(EpochFile::new(name, bytes))
}

/// A CSV epoch file with a header row; numbers are formatted by the caller ([`es6_number`](crate::numeric::es6_number)).
pub fn csv_file(name: &'static str, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<EpochFile> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    write_row(&mut csv, header).map_err(io(name))?;
    for row in rows {
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        write_row(&mut csv, &fields).map_err(io(name))?;
    }
    let bytes = csv.into_inner().map_err(|e| io(name)(e.into_error()))?;
    Ok(EpochFile::new(name, bytes))
}

/// Maps an in-memory serialisation failure of epoch file `name` to an error.
pub(crate) fn io(name: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |source| Error::Write { path: name.into(), source }
}

/// What [`seal`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The root of the CAR: the UnixFS directory of the epoch's files.
    pub root: cid::Cid,
    /// Bytes written, the CAR included.
    pub bytes: u64,
}

/// Seals an epoch into folder `dir` (a staging folder, see
/// [`crate::publish::Staging`]): writes each of `files` there, records its
/// digest in the manifest, signs the manifest with `key` (proof `created` =
/// `as_of`, so a re-run is byte-identical), writes `manifest.json`, and
/// writes `scoreset.car` beside them. `before_file(k)` is called before the
/// k-th file is written (the CAR last), for the crash tests.
///
/// Each file's bytes are taken once, as they are rendered ([`EpochFile::write_to`]):
/// written to the file, hashed (SHA-256 and UnixFS DAG) and written to the
/// CAR as blocks, so no file is read back and none is held whole. The CAR
/// holds each file as a UnixFS file DAG ([`crate::crypto::unixfs`]) and is
/// rooted at a UnixFS directory of the output files and the manifest, so
/// `ipfs dag import scoreset.car` then `ipfs get ROOT` gives back the
/// epoch's folder (all but the CAR itself). Every file is fsync'd.
pub fn seal(
    manifest: Manifest,
    key: Option<&SigningKey>,
    created: &str,
    files: &[EpochFile],
    dir: &Path,
    mut before_file: impl FnMut(usize) -> std::io::Result<()>,
) -> Result<Sealed> {
    let write_err = |name: &'static str| move |source| Error::Write { path: dir.join(name), source };
    let create = |name: &'static str| File::create(dir.join(name)).map_err(write_err(name));
    // Each file is synced to disk on a thread of its own while the next is
    // rendered and written; the CAR, written throughout, is synced so far
    // after each file, so its last sync has little left to do.
    std::thread::scope(|syncs| {
        let sync = |name: &'static str, file: File| syncs.spawn(move || file.sync_all().map_err(write_err(name)));
        let output = |name: &'static str| direct::OutputFile::create(&dir.join(name)).map_err(write_err(name));
        let car_file = output(CAR)?;
        tracing::debug!(direct = car_file.is_direct(), "writing the epoch's files (direct: around the page cache)");
        let car_so_far = car_file.try_clone_handle().map_err(write_err(CAR))?;
        let mut car = EpochCar::new(car_file)?;
        let mut pending = Vec::new();
        let mut outputs = Vec::with_capacity(files.len());
        let mut written = 0u64;
        for (k, f) in files.iter().enumerate() {
            before_file(k).map_err(write_err(f.name))?;
            crate::progress::step("Write", format_args!("{} ({written} bytes written)", f.name));
            let mut out = output(f.name)?;
            let digest = car.add_with(f.name, |add| {
                f.write_to(&mut |piece| {
                    // The file's copy and the piece's hashes and CAR blocks, on two cores.
                    let (copied, added) = rayon::join(|| out.write_all(piece), || add(piece));
                    copied.map_err(write_err(f.name))?;
                    added?;
                    if (written + piece.len() as u64) / PROGRESS_BYTES > written / PROGRESS_BYTES {
                        let so_far = written + piece.len() as u64;
                        crate::progress::step("Write", format_args!("{} ({so_far} bytes written)", f.name));
                    }
                    written += piece.len() as u64;
                    Ok(())
                })
            })?;
            let out = out.finish().map_err(write_err(f.name))?;
            pending.push(sync(f.name, out));
            let car_so_far = car_so_far.try_clone().map_err(write_err(CAR))?;
            pending.push(syncs.spawn(move || car_so_far.sync_data().map_err(write_err(CAR))));
            outputs.push(OutputRecord { name: f.name.to_owned(), digest });
        }
        let manifest_bytes = signed_manifest(manifest, key, created, outputs)?;
        before_file(files.len()).map_err(write_err(MANIFEST))?;
        let mut out = create(MANIFEST)?;
        out.write_all(&manifest_bytes).map_err(write_err(MANIFEST))?;
        pending.push(sync(MANIFEST, out));
        car.add(MANIFEST, &manifest_bytes)?;
        written += manifest_bytes.len() as u64;
        before_file(files.len() + 1).map_err(write_err(CAR))?;
        let (root, car) = car.finish()?;
        let car = car.finish().map_err(write_err(CAR))?;
        let car_bytes = car.metadata().map(|m| m.len()).map_err(write_err(CAR))?;
        pending.push(sync(CAR, car));
        for synced in pending {
            synced.join().map_err(|_| write_err(CAR)(std::io::Error::other("a sync thread panicked")))??;
        }
        crate::progress::done("Write");
        Ok(Sealed { root, bytes: written + car_bytes })
    })
}

/// How often writing reports its progress within a file, in bytes.
const PROGRESS_BYTES: u64 = 16 << 20;

/// The manifest listing `outputs`, signed by `key` when there is one
/// (proof `created`), as RFC 8785 canonical bytes.
fn signed_manifest(
    mut manifest: Manifest,
    key: Option<&SigningKey>,
    created: &str,
    outputs: Vec<OutputRecord>,
) -> Result<Vec<u8>> {
    let manifest_failed = |source| Error::Serialize { what: MANIFEST.into(), source };
    manifest.credential_subject.outputs = outputs;
    manifest.issuer = key.map(|k| crypto::did_key::did_key(&k.verifying_key()));
    let document = serde_json::to_value(&manifest).map_err(manifest_failed)?;
    let document = match key {
        Some(key) => eddsa_jcs::sign(&document, key, created)
            .map_err(|e| Error::Write { path: MANIFEST.into(), source: std::io::Error::other(e) })?,
        None => document,
    };
    canonical_json(&document).map_err(manifest_failed)
}

/// An epoch's `scoreset.car` being written to `W`: each file's UnixFS DAG
/// as it is added (the score files in the manifest's order, then the
/// manifest), then the directory of them all as the root. The one writer of
/// the CAR's layout, so a fetched epoch's CAR is rebuilt byte for byte as
/// it was sealed.
pub struct EpochCar<W: Write + Seek + Send> {
    car: car::CarWriter<W>,
    entries: Vec<(String, unixfs::Node)>,
}

impl<W: Write + Seek + Send> EpochCar<W> {
    /// An empty CAR whose root is written when it is finished.
    pub fn new(out: W) -> Result<Self> {
        let car = car::CarWriter::with_root_later(out).map_err(car_failed)?;
        Ok(EpochCar { car, entries: Vec::new() })
    }

    /// Adds file `name` of `bytes`; returns its digest.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<Digest> {
        self.add_with(name, |add| add(bytes))
    }

    /// Adds file `name`, whose bytes `write` hands, in order, to the function
    /// it is given; returns the file's digest. Each block goes to the CAR as
    /// soon as it is made.
    pub fn add_with(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut (dyn FnMut(&[u8]) -> Result<()> + Send)) -> Result<()>,
    ) -> Result<Digest> {
        let mut written = Ok(true);
        let car = &mut self.car;
        let mut digest = FileDigest::new(|cid: &cid::Cid, block: &[u8]| {
            if written.is_ok() {
                written = car.write_block(cid, block);
            }
        });
        write(&mut |piece| {
            digest.push(piece);
            Ok(())
        })?;
        let (digest, node) = digest.finish();
        written.map_err(car_failed)?;
        self.entries.push((name.to_owned(), node));
        Ok(digest)
    }

    /// Writes the directory of the files added as the root; returns it and the output.
    pub fn finish(mut self) -> Result<(cid::Cid, W)> {
        let entries: Vec<(&str, unixfs::Node)> = self.entries.iter().map(|(n, node)| (n.as_str(), *node)).collect();
        let mut written = Ok(true);
        let car = &mut self.car;
        let root = unixfs::directory(&entries, |cid, block| written = car.write_block(cid, block))
            .map_err(|e| Error::Write { path: CAR.into(), source: std::io::Error::other(e) })?;
        written.map_err(car_failed)?;
        let out = self.car.finish_with_root(root.cid).map_err(car_failed)?;
        Ok((root.cid, out))
    }
}

fn car_failed(e: car::CarError) -> Error {
    Error::Write { path: CAR.into(), source: std::io::Error::other(e) }
}

/// File name of the rejected records in an epoch.
pub const REJECTED: &str = "rejected.jsonl";
/// File name of the manifest in an epoch.
pub const MANIFEST: &str = "manifest.json";
/// File name of the CAR archive in an epoch.
pub const CAR: &str = "scoreset.car";

/// The content id of a `manifest.json`: what an epoch's `previous` link names.
pub fn manifest_cid(bytes: &[u8]) -> String {
    digest_bytes(bytes).cid
}

/// Appends one RFC 8785 canonical JSON line.
pub(crate) fn json_line(out: &mut Vec<u8>, value: &impl Serialize) -> std::io::Result<()> {
    out.extend_from_slice(&serde_json_canonicalizer::to_vec(value)?);
    out.push(b'\n');
    Ok(())
}

/// Appends `text` as a JSON string, escaped as serde_json (and RFC 8785)
/// escape it. Most ids need no escaping and are copied as they are, without
/// the general escaper's per-call work on each of millions of peer lines; a
/// property test holds it to serde_json.
pub(crate) fn json_string(out: &mut Vec<u8>, text: &str) -> serde_json::Result<()> {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(out, text)
    }
}

/// Appends one CSV field as [`write_row`]'s `csv` writer does: quoted only
/// when it holds a comma, a quote or a line end, its quotes doubled. For the
/// peer score rows, millions of them, where the writer's state machine had
/// been most of the CSV's cost; a property test holds it to the writer.
pub(crate) fn csv_field(out: &mut Vec<u8>, field: &[u8]) {
    if !field.iter().any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &b in field {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Appends one CSV row (fields quoted per RFC 4180 only where needed).
pub(crate) fn write_row(csv: &mut csv::Writer<Vec<u8>>, fields: &[&str]) -> std::io::Result<()> {
    Ok(csv.write_record(fields)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        serde_json::from_value(serde_json::json!({
            "@context": [manifest::VC_CONTEXT], "type": ["VerifiableCredential"], "id": "urn:test",
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "pipeline": {"name": "p", "file": "p.toml", "baseDir": ".", "sha256": "", "toml": ""},
                "asOf": "2026-01-01T00:00:00Z", "model": "trust", "algorithms": {}, "parameters": {},
                "inputs": [], "outputs": [], "counts": {}, "software": {"name": "scoreset", "version": "0"}
            }
        }))
        .unwrap()
    }

    /// Pieces of `size` bytes each: piece k filled with byte k.
    fn pieces(name: &'static str, count: usize, size: usize) -> EpochFile {
        EpochFile::pieces(name, count, move |k| Ok(vec![k as u8; size]))
    }

    #[test]
    fn a_sealed_folder_holds_each_file_as_rendered_and_a_car_that_rebuilds_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = [pieces("big.jsonl", 5, 700_000), EpochFile::new("small.csv", b"a,b\n".to_vec())];
        let sealed = seal(manifest(), None, "2026-01-01T00:00:00Z", &files, dir.path(), |_| Ok(())).unwrap();
        let big = std::fs::read(dir.path().join("big.jsonl")).unwrap();
        assert_eq!(big, files[0].to_bytes().unwrap());
        assert_eq!(big.len(), 3_500_000);
        assert_eq!(big[700_000 * 3], 3, "pieces in order");
        let car = std::fs::read(dir.path().join(CAR)).unwrap();
        let blocks = unixfs::verified_blocks(&car).unwrap();
        let entries = unixfs::directory_entries(&blocks, &sealed.root).unwrap();
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["big.jsonl", MANIFEST, "small.csv"]);
        for (name, cid) in &entries {
            let bytes = unixfs::file_from_blocks(&blocks, cid, 1 << 30).unwrap();
            assert_eq!(bytes, std::fs::read(dir.path().join(name)).unwrap(), "{name}");
        }
        // The manifest records each file's digest, as verify computes it from the file.
        let m: Manifest = serde_json::from_slice(&std::fs::read(dir.path().join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(m.credential_subject.outputs[0].digest, digest_bytes(&big));
        assert_eq!(m.credential_subject.outputs[0].digest, files[0].digest().unwrap());
    }

    #[test]
    fn writing_reports_each_file_and_the_bytes_written_within_it() {
        let dir = tempfile::tempdir().unwrap();
        // In memory (one thread): 40 MiB, reported at 16 and 32 MiB.
        let files = [EpochFile::new("a.csv", b"1\n".to_vec()), EpochFile::new("b.jsonl", vec![b'x'; 40 << 20])];
        let events = crate::progress::captured(|| {
            seal(manifest(), None, "2026-01-01T00:00:00Z", &files, dir.path(), |_| Ok(())).unwrap();
        });
        let steps: Vec<&str> = events.iter().filter(|(stage, _)| stage == "Write").map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            steps,
            [
                "a.csv (0 bytes written)",
                "b.jsonl (2 bytes written)",
                "b.jsonl (16777218 bytes written)",
                "b.jsonl (33554434 bytes written)",
                crate::progress::DONE
            ]
        );
    }

    use proptest::prelude::*;

    proptest! {
        /// A row of fields written one by one is the row the `csv` writer writes.
        #[test]
        fn csv_fields_are_written_as_the_csv_writer_writes_them(
            fields in proptest::collection::vec("[a,\"\r\n \t\u{0}é#']{0,6}|\\PC{0,6}", 1..6),
        ) {
            let mut ours = Vec::new();
            for (k, field) in fields.iter().enumerate() {
                if k > 0 {
                    ours.push(b',');
                }
                csv_field(&mut ours, field.as_bytes());
            }
            ours.push(b'\n');
            let mut csv = csv::Writer::from_writer(Vec::new());
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            write_row(&mut csv, &refs).unwrap();
            let theirs = csv.into_inner().unwrap();
            // The writer quotes a row of one empty field (`""`), which a peer row never is.
            prop_assume!(refs != [""]);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }

        /// An id written as a JSON string is what serde_json writes.
        #[test]
        fn json_strings_are_escaped_as_serde_json_escapes_them(text in "[a\"\\\u{0}-\u{1f}\u{7f}é\u{2028}]{0,8}|\\PC{0,8}") {
            let mut ours = Vec::new();
            json_string(&mut ours, &text).unwrap();
            prop_assert_eq!(ours, serde_json::to_vec(&text).unwrap());
        }
    }

    #[test]
    fn a_failing_file_stops_the_seal_with_its_cause() {
        let dir = tempfile::tempdir().unwrap();
        let files = [EpochFile::new("a.csv", b"1\n".to_vec()), EpochFile::new("b.csv", b"2\n".to_vec())];
        let fail_second = |k: usize| if k == 1 { Err(std::io::Error::other("disk full")) } else { Ok(()) };
        let err = seal(manifest(), None, "2026-01-01T00:00:00Z", &files, dir.path(), fail_second).unwrap_err();
        assert!(std::error::Error::source(&err).is_some_and(|s| s.to_string().contains("disk full")), "{err}");
        assert!(!dir.path().join(MANIFEST).exists(), "no manifest after a failed file");
    }
}
