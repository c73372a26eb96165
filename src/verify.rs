//! `scoreset verify`: checks a published epoch — the manifest's proof, every
//! file's SHA-256 and CID, the CAR, the link to the previous epoch — and, with
//! `--recompute`, re-runs the pipeline from the recorded inputs and compares
//! the score files byte for byte.
//!
//! Outcomes: `Ok` = valid; [`Error::Invalid`] or [`Error::Unsigned`] = invalid
//! (exit 1, naming the first file that differs); any other error = could not
//! check (exit 2, e.g. a missing input for `--recompute`).

use crate::as_of::AsOf;
use crate::config::LoadedPipeline;
use crate::crypto::{canonical_json, cid_of, digest_bytes, digest_file, eddsa_jcs};
use crate::error::{Error, Result};
use crate::publish::{self, is_epoch_name};
use crate::runner::compute_epoch;
use crate::scoreset::audit::{self as audit_log, AUDIT, AuditFilter};
use crate::scoreset::manifest::Manifest;
use crate::scoreset::{CAR, MANIFEST, car};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What to check beyond the epoch itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Re-run the pipeline from its recorded inputs and compare the score files.
    pub recompute: bool,
    /// Folder the pipeline's relative input paths resolve against (default: the one recorded).
    pub base_dir: Option<PathBuf>,
    /// The did:key the epoch must be signed by.
    pub expect_issuer: Option<String>,
}

/// A valid epoch: who signed it and what was checked.
#[derive(Debug, Clone)]
pub struct Report {
    /// The epoch folder (links resolved).
    pub epoch: PathBuf,
    /// did:key of the signer.
    pub signer: String,
    /// One line per check that passed.
    pub checks: Vec<String>,
}

fn invalid(file: &str, reason: impl Into<String>) -> Error {
    Error::Invalid { file: file.to_owned(), reason: reason.into() }
}

/// Verifies the epoch at `path` (its folder, a `latest` link, or its `manifest.json`).
pub fn verify_epoch(path: &Path, options: &VerifyOptions) -> Result<Report> {
    let dir = if path.file_name().is_some_and(|n| n == MANIFEST) { path.parent().unwrap_or(path) } else { path };
    let epoch_dir = dir.canonicalize().map_err(|source| Error::Read { path: dir.to_path_buf(), source })?;
    let epoch = epoch_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !is_epoch_name(&epoch) {
        return Err(invalid(
            &dir.display().to_string(),
            "not a complete epoch folder (a run that did not finish leaves only a hidden .<epoch>.partial-<pid> folder)",
        ));
    }
    let manifest_path = epoch_dir.join(MANIFEST);
    let manifest_bytes =
        std::fs::read(&manifest_path).map_err(|source| Error::Read { path: manifest_path.clone(), source })?;
    let document: Value =
        serde_json::from_slice(&manifest_bytes).map_err(|e| invalid(MANIFEST, format!("not JSON: {e}")))?;
    if canonical_json(&document).ok().as_deref() != Some(&manifest_bytes[..]) {
        return Err(invalid(MANIFEST, "not in RFC 8785 canonical form"));
    }
    let manifest: Manifest = serde_json::from_value(document.clone())
        .map_err(|e| invalid(MANIFEST, format!("not a Scoreset manifest: {e}")))?;
    if document.get("proof").is_none() {
        return Err(Error::Unsigned { path: manifest_path });
    }
    let signer = eddsa_jcs::verify(&document).map_err(|e| invalid(MANIFEST, e.to_string()))?.signer;
    if manifest.issuer.as_deref() != Some(signer.as_str()) {
        return Err(invalid(MANIFEST, format!("issuer {:?} is not the proof's signer {signer}", manifest.issuer)));
    }
    if let Some(expected) = &options.expect_issuer
        && *expected != signer
    {
        return Err(invalid(MANIFEST, format!("signed by {signer}, expected {expected}")));
    }
    let mut checks = vec![format!("proof: eddsa-jcs-2022 by {signer}")];

    check_files(&epoch_dir, &manifest)?;
    checks.push(format!(
        "files: {} outputs match their SHA-256, CID and size",
        manifest.credential_subject.outputs.len()
    ));
    check_car(&epoch_dir, &manifest_bytes, &manifest)?;
    checks
        .push(format!("{CAR}: rooted at the manifest ({}), holds exactly the epoch's blocks", cid_of(&manifest_bytes)));
    checks.push(check_chain(&epoch_dir, &epoch, &manifest, &signer, options)?);
    if options.recompute {
        checks.push(recompute(&manifest, options)?);
    }
    Ok(Report { epoch: epoch_dir, signer, checks })
}

/// Every output's digest matches, and nothing else is in the folder.
fn check_files(epoch_dir: &Path, manifest: &Manifest) -> Result<()> {
    let outputs = &manifest.credential_subject.outputs;
    for out in outputs {
        if Path::new(&out.name).file_name().is_none_or(|n| n != out.name.as_str()) {
            return Err(invalid(MANIFEST, format!("output name {:?} is not a plain file name", out.name)));
        }
        let digest =
            digest_file(&epoch_dir.join(&out.name)).map_err(|e| invalid(&out.name, format!("cannot read: {e}")))?;
        if digest != out.digest {
            return Err(invalid(
                &out.name,
                format!(
                    "content differs from the manifest (sha-256 {}, manifest says {})",
                    digest.sha256, out.digest.sha256
                ),
            ));
        }
    }
    let known: BTreeSet<&str> = outputs.iter().map(|o| o.name.as_str()).chain([MANIFEST, CAR]).collect();
    let entries =
        std::fs::read_dir(epoch_dir).map_err(|source| Error::Read { path: epoch_dir.to_path_buf(), source })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(name.as_str()) {
            return Err(invalid(&name, "not covered by the manifest"));
        }
    }
    Ok(())
}

/// The CAR's root is the manifest and its blocks are exactly the epoch's files.
fn check_car(epoch_dir: &Path, manifest_bytes: &[u8], manifest: &Manifest) -> Result<()> {
    let bytes = std::fs::read(epoch_dir.join(CAR)).map_err(|e| invalid(CAR, format!("cannot read: {e}")))?;
    let (roots, blocks) = car::read_car(&bytes).map_err(|e| invalid(CAR, format!("not a CARv1: {e}")))?;
    let root = cid_of(manifest_bytes);
    if roots != [root] {
        return Err(invalid(CAR, "its root is not the manifest's CID"));
    }
    let mut expected: BTreeSet<String> =
        manifest.credential_subject.outputs.iter().map(|o| o.digest.cid.clone()).collect();
    expected.insert(root.to_string());
    let mut found = BTreeSet::new();
    for (cid, data) in &blocks {
        if cid_of(data) != *cid {
            return Err(invalid(CAR, format!("block {cid} does not hash to its CID")));
        }
        found.insert(cid.to_string());
    }
    if blocks.len() != found.len() {
        return Err(invalid(CAR, "it holds a block twice"));
    }
    if found != expected {
        return Err(invalid(CAR, "its blocks are not exactly the manifest and the output files"));
    }
    Ok(())
}

/// Checks the link to the previous epoch when older epochs sit beside this one.
fn check_chain(
    epoch_dir: &Path,
    epoch: &str,
    manifest: &Manifest,
    signer: &str,
    options: &VerifyOptions,
) -> Result<String> {
    let Some(previous) = &manifest.credential_subject.previous else {
        return Ok("chain: first epoch of its chain".into());
    };
    let pipeline_dir = epoch_dir.parent().unwrap_or(epoch_dir);
    let Some(older) = publish::previous_epoch(pipeline_dir, epoch) else {
        return Ok(format!("chain: previous epoch {previous} is not present beside this one; link not checked"));
    };
    let older_manifest = pipeline_dir.join(&older).join(MANIFEST);
    let older_bytes =
        std::fs::read(&older_manifest).map_err(|e| invalid(&format!("{older}/{MANIFEST}"), e.to_string()))?;
    let older_cid = cid_of(&older_bytes).to_string();
    if older_cid != *previous {
        return Err(invalid(
            MANIFEST,
            format!(
                "chain broken: the previous epoch ({previous}) is missing; the newest older epoch here is {older} ({older_cid})"
            ),
        ));
    }
    let older_issuer: Option<String> = serde_json::from_slice::<Value>(&older_bytes)
        .ok()
        .and_then(|v| v.get("issuer").and_then(Value::as_str).map(str::to_owned));
    if let Some(older_issuer) = older_issuer
        && older_issuer != signer
        && options.expect_issuer.as_deref() != Some(signer)
    {
        return Err(invalid(
            MANIFEST,
            format!(
                "issuer changed: the previous epoch {older} was signed by {older_issuer}, this one by {signer} (pass --expect-issuer {signer} to accept a key rotation)"
            ),
        ));
    }
    Ok(format!("chain: links to the previous epoch {older} ({older_cid})"))
}

/// Re-runs the recorded pipeline on the recorded inputs and compares outputs.
fn recompute(manifest: &Manifest, options: &VerifyOptions) -> Result<String> {
    let subject = &manifest.credential_subject;
    let base_dir = options.base_dir.clone().unwrap_or_else(|| PathBuf::from(&subject.pipeline.base_dir));
    if digest_bytes(subject.pipeline.toml.as_bytes()).sha256 != subject.pipeline.sha256 {
        return Err(invalid(MANIFEST, "the embedded pipeline does not match its recorded SHA-256"));
    }
    let mut pinned = 0;
    for input in &subject.inputs {
        let Some(expected) = &input.digest else { continue };
        let path = base_dir.join(&input.source);
        let digest = digest_file(&path).map_err(|source| Error::Read { path: path.clone(), source })?;
        if digest != *expected {
            return Err(invalid(
                &input.source,
                format!(
                    "input changed since the epoch was made (sha-256 {}, manifest says {})",
                    digest.sha256, expected.sha256
                ),
            ));
        }
        pinned += 1;
    }
    let loaded = LoadedPipeline::from_text(subject.pipeline.toml.clone(), Path::new(&subject.pipeline.file), base_dir)?;
    let as_of = AsOf::parse(&subject.as_of).map_err(|e| invalid(MANIFEST, format!("asOf: {e}")))?;
    let computed = compute_epoch(&loaded, &as_of)?;
    if computed.files.len() != subject.outputs.len() {
        return Err(invalid(MANIFEST, "the recomputed epoch has a different set of files"));
    }
    for file in &computed.files {
        let recorded = subject.outputs.iter().find(|o| o.name == file.name);
        if recorded.map(|o| &o.digest) != Some(&digest_bytes(&file.bytes)) {
            return Err(invalid(file.name, "recomputed content differs from the epoch"));
        }
    }
    Ok(format!("recompute: {pinned} pinned inputs unchanged; re-run gives byte-identical score files"))
}

/// The entries of an epoch's audit log that pass a filter, after the whole
/// chain verified.
#[derive(Debug, Clone)]
pub struct AuditReport {
    /// Matching entries, in log order.
    pub entries: Vec<serde_json::Map<String, Value>>,
    /// Entries in the whole log.
    pub total: usize,
    /// Hash of the last entry, equal to the manifest's `auditHead`.
    pub head: String,
}

/// Verifies the audit chain of the epoch at `path` (and its head against the
/// manifest) and selects the entries matching `filter`. A broken chain is
/// [`Error::Invalid`] naming the first broken entry.
pub fn audit(path: &Path, filter: &AuditFilter) -> Result<AuditReport> {
    let dir = if path.is_file() { path.parent().unwrap_or(path) } else { path };
    let log = dir.join(AUDIT);
    let bytes = std::fs::read(&log).map_err(|source| Error::Read { path: log.clone(), source })?;
    let (entries, head) = audit_log::verify(&bytes).map_err(|broken| invalid(AUDIT, broken.to_string()))?;
    let manifest_path = dir.join(MANIFEST);
    if let Ok(manifest) = std::fs::read(&manifest_path) {
        let document: Value =
            serde_json::from_slice(&manifest).map_err(|e| invalid(MANIFEST, format!("not JSON: {e}")))?;
        let recorded = document.pointer("/credentialSubject/counts/auditHead").and_then(Value::as_str);
        if recorded != Some(head.as_str()) {
            return Err(invalid(
                AUDIT,
                format!(
                    "the chain ends at {head} but the manifest records {} (entries were cut off or appended)",
                    recorded.unwrap_or("no head")
                ),
            ));
        }
    }
    let total = entries.len();
    let entries = entries.into_iter().filter(|e| filter.matches(e)).collect();
    Ok(AuditReport { entries, total, head })
}
