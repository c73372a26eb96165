//! Credential sources: `vc-jsonl` (one credential per line) and `vc-json` (a
//! file holding one credential or an array of them, or a folder of `.json`
//! files). Credentials are parsed and checked in parallel, then taken in
//! input order, so the result does not depend on the thread count.

use super::credential::{
    Claim, Credential, HONESTY, ProofStatus, SourceText, Unchecked, check_signatures, parse_credential,
};
use super::{Attestation, IngestOptions, Ingested, InputStats, PeerIds, Position, Refusal, RejectReason, tabular};
use crate::crypto::{Digest, digest_bytes};
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// Where accepted credentials and rejects of one source go.
pub(super) struct Sink<'a> {
    pub options: &'a IngestOptions,
    pub stats: &'a mut InputStats,
    pub peers: &'a mut PeerIds,
    pub out: &'a mut Ingested,
}

impl Sink<'_> {
    /// Files one parsed record: checks proofs and scopes, interns its peers.
    pub fn take(
        &mut self,
        path: &Path,
        position: Position,
        raw: impl FnOnce() -> String,
        parsed: Result<Credential, Refusal>,
    ) -> Result<()> {
        let checked = parsed.and_then(|c| self.check(c));
        if let Some(credential) = self.stats.admit(&mut self.out.rejects, position, checked, raw) {
            let issuer = self.peers.intern(&credential.issuer, path)?;
            let subject = match &credential.claim {
                Claim::Trust { subject, .. } => Some(self.peers.intern(subject, path)?),
                _ => None,
            };
            self.out.attestations.push(Attestation { issuer, subject, credential });
        }
        Ok(())
    }

    fn check(&self, credential: Credential) -> Result<Credential, Refusal> {
        if self.options.require_proofs && credential.proof == ProofStatus::Unproven {
            return Err((
                RejectReason::MissingProof,
                "the pipeline requires an eddsa-jcs-2022 proof by the issuer".into(),
            ));
        }
        if let Claim::Trust { levels, .. } = &credential.claim {
            let used = |(scope, level): &(String, f64)| {
                self.options.scopes.iter().any(|s| s == scope) || (scope == HONESTY && *level < 0.0)
            };
            if !levels.iter().any(used) {
                let named: Vec<&str> = levels.iter().map(|(s, _)| s.as_str()).collect();
                return Err((
                    RejectReason::UnknownScope,
                    format!("scopes {named:?} are not among the pipeline's scopes {:?}", self.options.scopes),
                ));
            }
        }
        Ok(credential)
    }
}

/// `vc-jsonl`: one credential per non-blank line of `file` (the file at `path`, as read).
pub(super) fn read_jsonl(path: &Path, file: &Arc<Vec<u8>>, sink: &mut Sink<'_>) -> Result<()> {
    let bytes = tabular::decompressed(path, file, sink.options.limits.max_input_bytes)?;
    // Room for a credential per line at once: growing the list by doubling
    // would copy it and fault in fresh pages at each step.
    sink.out.attestations.reserve(memchr::memchr_iter(b'\n', &bytes).count() + 1);
    let parse = |line: &tabular::Line<'_>| match line.text {
        Ok(text) => parse_credential(text, SourceText::slice(&bytes, line.offset..line.offset + text.len()), None),
        Err(_) => Err((RejectReason::ParseError, "line is not valid UTF-8".into())),
    };
    tabular::for_each_parsed_block(
        &bytes,
        false,
        |block| check_signatures(block.par_iter().map(parse).collect()),
        |line, result| sink.take(path, Position::Line(line.number), || line.raw(), result),
    )
}

/// `vc-json`: a file with one credential or an array.
pub(super) fn read_json_file(path: &Path, file: &Arc<Vec<u8>>, sink: &mut Sink<'_>) -> Result<()> {
    let text =
        String::from_utf8_lossy(&tabular::decompressed(path, file, sink.options.limits.max_input_bytes)?).into_owned();
    take_document(path, &text, None, sink)
}

/// `vc-json`: a folder of `.json` files, each with one credential or an array.
pub(super) fn read_json_folder(path: &Path, sink: &mut Sink<'_>) -> Result<()> {
    for (name, file) in json_files(path)? {
        let bytes = tabular::read_file(&file, sink.options.limits.max_input_bytes)?;
        take_document(path, &String::from_utf8_lossy(&bytes), Some(&name), sink)?;
    }
    Ok(())
}

/// Takes the credential(s) of one JSON document; `file` names it inside a folder source.
fn take_document(path: &Path, text: &str, file: Option<&str>, sink: &mut Sink<'_>) -> Result<()> {
    let position = |item: Option<usize>| match (file, item) {
        (Some(f), None) => Position::File(f.to_owned()),
        (Some(f), Some(i)) => Position::File(format!("{f}[{i}]")),
        (None, Some(i)) => Position::Item(i as u64),
        (None, None) => Position::Item(0),
    };
    // An array holds credentials; anything else is read as one credential
    // (which refuses what is not a JSON object, or not JSON).
    let items = match text.trim_start().starts_with('[').then(|| serde_json::from_str::<Vec<Value>>(text)) {
        Some(Ok(items)) => items,
        Some(Err(e)) => {
            let refused = Err((RejectReason::ParseError, format!("not JSON: {e}")));
            return sink.take(path, position(None), || text.to_owned(), refused);
        }
        None => {
            let parsed = parse_credential(text, SourceText::owned(text), None).and_then(Unchecked::check);
            return sink.take(path, position(None), || text.to_owned(), parsed);
        }
    };
    let texts: Vec<String> = items.iter().map(Value::to_string).collect();
    let parsed =
        check_signatures(texts.par_iter().map(|text| parse_credential(text, SourceText::owned(text), None)).collect());
    for (i, (text, result)) in texts.into_iter().zip(parsed).enumerate() {
        sink.take(path, position(Some(i)), || text, result)?;
    }
    Ok(())
}

/// The `.json` files of a folder, by name.
fn json_files(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>> {
    let read_err = |source| Error::Read { path: dir.to_path_buf(), source };
    let mut files: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, path)| name.ends_with(".json") && crate::fsio::is_regular(path))
        .collect();
    files.sort();
    Ok(files)
}

/// The digest of a folder source: of its listing, one `name<TAB>sha-256` line per `.json` file by name.
pub(super) fn digest_folder(dir: &Path) -> Result<Digest> {
    let mut listing = String::new();
    for (name, file) in json_files(dir)? {
        let digest = crate::crypto::digest_file(&file).map_err(|source| Error::Read { path: file.clone(), source })?;
        listing.push_str(&format!("{name}\t{}\n", digest.sha256));
    }
    Ok(digest_bytes(listing.as_bytes()))
}
