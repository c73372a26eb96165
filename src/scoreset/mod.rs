//! Seal: the epoch's files are written with the generic file writers here
//! ([`jsonl_file`], [`csv_file`]; each model renders its own files with
//! them), then sealed: the signed `manifest.json` and the `scoreset.car`.
//! Pure functions from data to bytes; writing them is the publish stage's job.
//!
//! Numbers are written in the ECMAScript shortest round-trip form (as JCS
//! requires), in CSV as in JSON, so `0.25`, `1` and `1e-7` read back exactly.
//! JSON lines are RFC 8785 canonical (sorted keys), so equal data gives equal bytes.

pub mod manifest;
pub mod parquet;

use crate::crypto::content::digest_blocks;
use crate::crypto::{self, Digest, canonical_json, car, digest_bytes, eddsa_jcs, unixfs};
use crate::error::{Error, Result};
use ed25519_dalek::SigningKey;
use manifest::{Manifest, OutputRecord};
use serde::Serialize;

/// One file of an epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochFile {
    /// File name inside the epoch folder.
    pub name: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// A JSON-lines epoch file: one RFC 8785 canonical line per item, in the order given.
pub fn jsonl_file<T: Serialize>(name: &'static str, items: impl IntoIterator<Item = T>) -> Result<EpochFile> {
    let mut bytes = Vec::new();
    for item in items {
        json_line(&mut bytes, &item).map_err(io(name))?;
    }
    Ok(EpochFile { name, bytes })
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
    Ok(EpochFile { name, bytes })
}

/// Maps an in-memory serialisation failure of epoch file `name` to an error.
pub(crate) fn io(name: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |source| Error::Write { path: name.into(), source }
}

/// Completes an epoch: records every file's digest in the manifest, signs it
/// with `key` (proof `created` = `as_of`, so a re-run is byte-identical), and
/// appends `manifest.json` and `scoreset.car` to `files`.
///
/// The CAR holds each file as a UnixFS file DAG ([`crate::crypto::unixfs`])
/// and is rooted at a UnixFS directory of the output files and the manifest,
/// so `ipfs dag import scoreset.car` then `ipfs get ROOT` gives back the
/// epoch's folder (all but the CAR itself). Each file is chunked and hashed
/// once, its blocks written to the CAR as they are made.
pub fn seal(
    mut manifest: Manifest,
    key: Option<&SigningKey>,
    created: &str,
    mut files: Vec<EpochFile>,
) -> Result<Vec<EpochFile>> {
    let manifest_failed = |source| Error::Serialize { what: MANIFEST.into(), source };
    let mut car = EpochCar::new()?;
    let mut outputs = Vec::with_capacity(files.len());
    for f in &files {
        crate::progress::step("Seal", format_args!("hashing {} ({} bytes)", f.name, f.bytes.len()));
        let digest = car.add(f.name, &f.bytes)?;
        outputs.push(OutputRecord { name: f.name.to_owned(), digest });
    }
    manifest.credential_subject.outputs = outputs;
    manifest.issuer = key.map(|k| crypto::did_key::did_key(&k.verifying_key()));
    let document = serde_json::to_value(&manifest).map_err(manifest_failed)?;
    let document = match key {
        Some(key) => eddsa_jcs::sign(&document, key, created)
            .map_err(|e| Error::Write { path: MANIFEST.into(), source: std::io::Error::other(e) })?,
        None => document,
    };
    let manifest_bytes = canonical_json(&document).map_err(manifest_failed)?;
    car.add(MANIFEST, &manifest_bytes)?;
    let (_, car) = car.finish()?;
    crate::progress::done("Seal");
    files.push(EpochFile { name: MANIFEST, bytes: manifest_bytes });
    files.push(EpochFile { name: CAR, bytes: car });
    Ok(files)
}

/// An epoch's `scoreset.car` being written: each file's UnixFS DAG as it is
/// added (the score files in the manifest's order, then the manifest), then
/// the directory of them all as the root. The one writer of the CAR's
/// layout, so a fetched epoch's CAR is rebuilt byte for byte as it was sealed.
pub struct EpochCar {
    car: car::CarWriter<std::io::Cursor<Vec<u8>>>,
    entries: Vec<(String, unixfs::Node)>,
}

impl EpochCar {
    /// An empty CAR whose root is written when it is finished.
    pub fn new() -> Result<Self> {
        let car = car::CarWriter::with_root_later(std::io::Cursor::new(Vec::new())).map_err(car_failed)?;
        Ok(EpochCar { car, entries: Vec::new() })
    }

    /// Adds file `name`'s DAG; returns its digest.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<Digest> {
        let mut written = Ok(true);
        let car = &mut self.car;
        let (digest, node) = digest_blocks(bytes, |cid, block| {
            if written.is_ok() {
                written = car.write_block(cid, block);
            }
        })
        .map_err(|source| Error::Write { path: CAR.into(), source })?;
        written.map_err(car_failed)?;
        self.entries.push((name.to_owned(), node));
        Ok(digest)
    }

    /// Writes the directory of the files added as the root; returns it and the CAR's bytes.
    pub fn finish(mut self) -> Result<(cid::Cid, Vec<u8>)> {
        let entries: Vec<(&str, unixfs::Node)> = self.entries.iter().map(|(n, node)| (n.as_str(), *node)).collect();
        let mut written = Ok(true);
        let car = &mut self.car;
        let root = unixfs::directory(&entries, |cid, block| written = car.write_block(cid, block))
            .map_err(|e| Error::Write { path: CAR.into(), source: std::io::Error::other(e) })?;
        written.map_err(car_failed)?;
        let bytes = self.car.finish_with_root(root.cid).map_err(car_failed)?.into_inner();
        Ok((root.cid, bytes))
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

/// Appends one CSV row (fields quoted per RFC 4180 only where needed).
pub(crate) fn write_row(csv: &mut csv::Writer<Vec<u8>>, fields: &[&str]) -> std::io::Result<()> {
    Ok(csv.write_record(fields)?)
}
