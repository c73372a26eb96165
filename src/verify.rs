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
use crate::crypto::car::CarReader;
use crate::crypto::content::digest_blocks;
use crate::crypto::{canonical_json, digest_bytes, digest_file, eddsa_jcs, unixfs};
use crate::error::{Error, Result};
use crate::fetch;
use crate::fsio;
use crate::models::compute_epoch;
use crate::models::publishers::audit::{self as audit_log, AUDIT, AuditFilter};
use crate::publish::{self, is_epoch_name};
use crate::scoreset::manifest::Manifest;
use crate::scoreset::{CAR, MANIFEST, manifest_cid};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// What to check beyond the epoch itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Re-run the pipeline from its recorded inputs and compare the score files.
    pub recompute: bool,
    /// Folder the pipeline's relative input paths resolve against (default: the one recorded).
    pub base_dir: Option<PathBuf>,
    /// The did:key the epoch must be signed by.
    pub expect_issuer: Option<String>,
    /// Let `--recompute` read inputs outside the base folder (absolute or `..` paths).
    pub allow_outside_base: bool,
    /// Where `--recompute` looks for network inputs by their SHA-256 (default:
    /// the pipeline's `[inputs] cache`, else beside the epoch's output root).
    pub input_cache: Option<PathBuf>,
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
    /// The epoch's manifest, as checked.
    pub manifest: Manifest,
}

fn invalid(file: &str, reason: impl Into<String>) -> Error {
    Error::Invalid { file: file.to_owned(), reason: reason.into() }
}

/// Verifies the epoch at `path` (its folder, a `latest` link, or its `manifest.json`).
///
/// ```
/// use scoreset::{as_of::AsOf, crypto::keyfile, runner, verify};
/// let dir = tempfile::tempdir()?;
/// let key = keyfile::generate(&dir.path().join("signing.key"))?;
/// std::fs::write(dir.path().join("edges.csv"), "a,b,1\nb,a,1\n")?;
/// let pipeline = dir.path().join("p.toml");
/// std::fs::write(&pipeline, "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n\
///     [pretrust]\nentries = { a = 1.0 }\n[signing]\nkey = \"signing.key\"\n")?;
/// let options = runner::RunOptions { as_of: Some(AsOf::parse("2026-01-01T00:00:00Z")?), ..Default::default() };
/// let epoch = runner::run(&pipeline, &options)?.published.expect("published").dir;
/// let checks = verify::VerifyOptions { recompute: true, ..Default::default() };
/// let report = verify::verify_epoch(&epoch, &checks)?;
/// assert_eq!(report.signer, scoreset::crypto::did_key::did_key(&key.verifying_key()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    let manifest_bytes = fsio::read_limited(&manifest_path, fsio::MAX_DOCUMENT_BYTES)?;
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

    let expected = check_files(&epoch_dir, &manifest, &manifest_bytes)?;
    checks.push(format!(
        "files: {} outputs match their SHA-256, CID ({}) and size",
        manifest.credential_subject.outputs.len(),
        unixfs::PROFILE
    ));
    check_car(&epoch_dir, &expected)?;
    checks.push(format!(
        "{CAR}: rooted at the epoch's directory {}, holds exactly its {} blocks",
        expected.root,
        expected.blocks.len()
    ));
    checks.push(check_chain(&epoch_dir, &epoch, &manifest, &signer, options)?);
    if options.recompute {
        checks.push(recompute(&epoch_dir, &manifest, options)?);
    }
    Ok(Report { epoch: epoch_dir, signer, checks, manifest })
}

/// Every output's digest matches, and nothing else is in the folder. Returns
/// the blocks the epoch's CAR must hold: each file's UnixFS DAG (the outputs'
/// and the manifest's), and the directory node that is the CAR's root.
fn check_files(epoch_dir: &Path, manifest: &Manifest, manifest_bytes: &[u8]) -> Result<ExpectedCar> {
    let outputs = &manifest.credential_subject.outputs;
    let mut blocks = BTreeSet::new();
    let mut entries = Vec::with_capacity(outputs.len() + 1);
    for out in outputs {
        if Path::new(&out.name).file_name().is_none_or(|n| n != out.name.as_str())
            || out.name == CAR
            || out.name == MANIFEST
        {
            return Err(invalid(MANIFEST, format!("output name {:?} is not a plain file name of its own", out.name)));
        }
        let path = epoch_dir.join(&out.name);
        let file = fsio::open_regular(&path).map_err(|e| invalid(&out.name, format!("cannot read: {e}")))?;
        let (digest, node) = digest_blocks(std::io::BufReader::new(file), |cid, _| {
            blocks.insert(*cid);
        })
        .map_err(|e| invalid(&out.name, format!("cannot read: {e}")))?;
        if digest != out.digest {
            return Err(invalid(
                &out.name,
                format!(
                    "content differs from the manifest (sha-256 {}, CID {}, {} bytes; the manifest says {}, {}, {})",
                    digest.sha256, digest.cid, digest.size, out.digest.sha256, out.digest.cid, out.digest.size
                ),
            ));
        }
        entries.push((out.name.as_str(), node));
    }
    let mut add = |cid: &cid::Cid, _: &[u8]| {
        blocks.insert(*cid);
    };
    let (_, manifest_node) = digest_blocks(manifest_bytes, &mut add)
        .map_err(|source| Error::Read { path: epoch_dir.join(MANIFEST), source })?;
    entries.push((MANIFEST, manifest_node));
    let root = unixfs::directory(&entries, &mut add).map_err(|e| invalid(MANIFEST, e.to_string()))?.cid;
    let known: BTreeSet<&str> = outputs.iter().map(|o| o.name.as_str()).chain([MANIFEST, CAR]).collect();
    let listing =
        std::fs::read_dir(epoch_dir).map_err(|source| Error::Read { path: epoch_dir.to_path_buf(), source })?;
    for entry in listing.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(name.as_str()) {
            return Err(invalid(&name, "not covered by the manifest"));
        }
    }
    Ok(ExpectedCar { root, blocks })
}

/// What an epoch's CAR must hold, derived from its verified files.
struct ExpectedCar {
    root: cid::Cid,
    blocks: BTreeSet<cid::Cid>,
}

/// The CAR, read streaming: its root is the epoch's directory and its blocks
/// are exactly the expected ones, each hashing to its CID, none twice.
fn check_car(epoch_dir: &Path, expected: &ExpectedCar) -> Result<()> {
    let file = fsio::open_regular(&epoch_dir.join(CAR)).map_err(|e| invalid(CAR, format!("cannot read: {e}")))?;
    let mut reader = CarReader::new(std::io::BufReader::with_capacity(1 << 20, file))
        .map_err(|e| invalid(CAR, format!("not a CARv1: {e}")))?;
    if reader.roots() != [expected.root] {
        return Err(invalid(CAR, format!("its root is not the epoch's directory {}", expected.root)));
    }
    let mut found = BTreeSet::new();
    while let Some((cid, data)) = reader.next_block().map_err(|e| invalid(CAR, format!("not a CARv1: {e}")))? {
        let sha: [u8; 32] = Sha256::digest(data).into();
        let hash = cid.hash();
        let codec_known = cid.codec() == unixfs::RAW || cid.codec() == unixfs::DAG_PB;
        if !codec_known || hash.code() != crate::crypto::content::SHA2_256 || hash.digest() != sha {
            return Err(invalid(CAR, format!("block {cid} does not hash to its CID")));
        }
        if !expected.blocks.contains(&cid) {
            return Err(invalid(CAR, format!("block {cid} is not part of the epoch's files")));
        }
        if !found.insert(cid) {
            return Err(invalid(CAR, format!("it holds block {cid} twice")));
        }
    }
    if found.len() != expected.blocks.len() {
        return Err(invalid(
            CAR,
            format!("it lacks {} of the epoch's {} blocks", expected.blocks.len() - found.len(), expected.blocks.len()),
        ));
    }
    Ok(())
}

/// Checks the link to the previous epoch when other epochs sit beside this
/// one: the previous epoch is found among them by its manifest's CID (the
/// chain is the publication log, so a backfill's link need not point at the
/// epoch just before it by name).
fn check_chain(
    epoch_dir: &Path,
    epoch: &str,
    manifest: &Manifest,
    signer: &str,
    options: &VerifyOptions,
) -> Result<String> {
    let subject = &manifest.credential_subject;
    let Some(previous) = &subject.previous else {
        return Ok("chain: first epoch of its chain".into());
    };
    let named = subject.previous_epoch.as_deref().map_or_else(String::new, |e| format!("epoch {e}, "));
    let pipeline_dir = epoch_dir.parent().unwrap_or(epoch_dir);
    let siblings: Vec<String> = publish::epochs(pipeline_dir).into_iter().filter(|e| e != epoch).collect();
    if siblings.is_empty() {
        return Ok(format!(
            "chain: previous epoch ({named}{previous}) is not present beside this one; link not checked"
        ));
    }
    // The recorded name first: in a well-kept folder that is the one.
    let recorded = subject.previous_epoch.as_deref();
    let order = recorded
        .into_iter()
        .map(str::to_owned)
        .chain(siblings.iter().filter(|e| Some(e.as_str()) != recorded).cloned());
    for older in order {
        let path = pipeline_dir.join(&older).join(MANIFEST);
        let Ok(older_bytes) = fsio::read_limited(&path, fsio::MAX_DOCUMENT_BYTES) else { continue };
        if manifest_cid(&older_bytes) != *previous {
            continue;
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
        return Ok(format!("chain: links to the previous epoch {older} ({previous})"));
    }
    Err(invalid(
        MANIFEST,
        format!(
            "chain broken: the previous epoch ({named}{previous}) is missing; no epoch beside this one ({} of them) has that manifest",
            siblings.len()
        ),
    ))
}

/// Refuses an input path of an untrusted pipeline that is absolute or leaves
/// `base` (through `..` or a symbolic link), unless allowed.
fn confine(base: &Path, input: &Path, allow_outside: bool) -> Result<()> {
    if allow_outside {
        return Ok(());
    }
    let outside = |why: &str| {
        Error::Usage(format!(
            "the recorded pipeline names input {} which {why} the base folder {}; refused (pass --allow-outside-base if you trust this epoch's pipeline)",
            input.display(),
            base.display()
        ))
    };
    if !input.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(outside(if input.is_absolute() { "is absolute, outside" } else { "climbs out of" }));
    }
    let real_base = base.canonicalize().map_err(|source| Error::Read { path: base.to_path_buf(), source })?;
    // A path that does not exist is reported by the reader that needs it.
    if let Ok(real) = base.join(input).canonicalize()
        && !real.starts_with(&real_base)
    {
        return Err(outside("links out of"));
    }
    Ok(())
}

/// Re-runs the recorded pipeline on the recorded inputs and compares outputs.
fn recompute(epoch_dir: &Path, manifest: &Manifest, options: &VerifyOptions) -> Result<String> {
    let run = recorded_run(epoch_dir, manifest, options)?;
    let computed = compute_epoch(&run.loaded, &run.as_of)?;
    check_recomputed(&computed.files, manifest)?;
    let (pinned, fetched) = (run.pinned, run.fetched);
    Ok(format!(
        "recompute: {pinned} pinned inputs unchanged ({fetched} fetched again); re-run gives byte-identical score files"
    ))
}

/// An epoch's recorded pipeline, ready to run again on exactly its recorded inputs.
#[derive(Debug)]
pub struct RecordedRun {
    /// The pipeline embedded in the manifest, with network inputs mapped to their cached bytes.
    pub loaded: LoadedPipeline,
    /// The epoch's `as_of`.
    pub as_of: AsOf,
    /// Inputs whose recorded digest was checked.
    pub pinned: usize,
    /// Network inputs fetched again (not in the input cache).
    pub fetched: usize,
}

/// Loads the pipeline `manifest` records (checked against its SHA-256),
/// confines its local inputs to the base folder, brings its network inputs
/// from the cache or fetches them again, and checks every input against its
/// recorded digest: what `verify --recompute` and `scoreset explain` re-run.
pub fn recorded_run(epoch_dir: &Path, manifest: &Manifest, options: &VerifyOptions) -> Result<RecordedRun> {
    let subject = &manifest.credential_subject;
    let base_dir = options.base_dir.clone().unwrap_or_else(|| PathBuf::from(&subject.pipeline.base_dir));
    if digest_bytes(subject.pipeline.toml.as_bytes()).sha256 != subject.pipeline.sha256 {
        return Err(invalid(MANIFEST, "the embedded pipeline does not match its recorded SHA-256"));
    }
    // Whoever signed the epoch chose these paths: read nothing outside the base folder.
    let mut loaded =
        LoadedPipeline::from_text(subject.pipeline.toml.clone(), Path::new(&subject.pipeline.file), base_dir.clone())?;
    let files = loaded.input_paths().into_iter().chain(subject.inputs.iter().map(|i| Path::new(&i.source)));
    for path in files.filter(|p| !fetch::is_remote(p)) {
        confine(&base_dir, path, options.allow_outside_base)?;
    }
    // Network inputs: the very bytes the epoch used, from the cache by their
    // SHA-256, else fetched again and refused if they differ.
    // The epoch is <output root>/<pipeline>/<epoch>: the run's default cache sits beside that root.
    let out_root = epoch_dir.parent().and_then(Path::parent).unwrap_or(Path::new("."));
    let cache = options.input_cache.clone().unwrap_or_else(|| loaded.input_cache(Some(out_root)));
    let mut fetched = 0;
    for input in subject.inputs.iter().filter(|i| fetch::is_remote(Path::new(&i.source))) {
        let Some(expected) = &input.digest else { continue };
        let local = match fetch::cached(&cache, &expected.sha256) {
            Some(local) => local,
            None => {
                fetched += 1;
                let (limit, spec) = (loaded.pipeline.limits.max_input_bytes, &loaded.pipeline.inputs);
                fetch::refetch_expecting(&input.source, &expected.sha256, &cache, limit, spec)?
            }
        };
        loaded.fetched.insert(PathBuf::from(&input.source), local);
    }
    let mut pinned = 0;
    for input in &subject.inputs {
        let Some(expected) = &input.digest else { continue };
        let path = loaded.local_path(Path::new(&input.source));
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
    let as_of = AsOf::parse(&subject.as_of).map_err(|e| invalid(MANIFEST, format!("asOf: {e}")))?;
    Ok(RecordedRun { loaded, as_of, pinned, fetched })
}

/// The recomputed `files` are exactly the ones `manifest` lists, byte for byte.
pub fn check_recomputed(files: &[crate::scoreset::EpochFile], manifest: &Manifest) -> Result<()> {
    let subject = &manifest.credential_subject;
    if files.len() != subject.outputs.len() {
        return Err(invalid(MANIFEST, "the recomputed epoch has a different set of files"));
    }
    for file in files {
        let recorded = subject.outputs.iter().find(|o| o.name == file.name);
        if recorded.map(|o| &o.digest) != Some(&file.digest()?) {
            return Err(invalid(file.name, "recomputed content differs from the epoch"));
        }
    }
    Ok(())
}
/// Fetches the epoch whose root CID is `root` as a CAR (from a trustless
/// gateway or a node's Kubo RPC) into `out/<epoch>` (the epoch's name, from its manifest's `asOf`):
/// every block checked against its CID, each file of the epoch's directory
/// rebuilt from its DAG (names must be plain file names), and `scoreset.car`
/// rebuilt from them as it was sealed (whatever order the source sent the
/// blocks in), so the folder is byte-identical to the published one. Written to a staging folder and renamed, so the
/// folder holds a whole epoch or nothing; returns it, for verifying next.
pub fn fetch_epoch(
    root: &cid::Cid,
    via: &fetch::CarSource,
    out: &Path,
    limit: u64,
    spec: &fetch::InputsSpec,
) -> Result<PathBuf> {
    let refuse = |reason: String| Error::Fetch {
        url: format!("ipfs://{root}"),
        reason: format!("{}: {reason}", via.describe()),
    };
    let car = via.car(root, &[], limit, spec)?;
    let blocks = unixfs::verified_blocks(&car).map_err(|e| refuse(e.to_string()))?;
    let mut files = Vec::new();
    for (name, cid) in unixfs::directory_entries(&blocks, root).map_err(|e| refuse(e.to_string()))? {
        if !fetch::is_plain_file_name(&name, 255) || name == CAR {
            return Err(refuse(format!("the epoch's directory names {name:?}, not a plain epoch file name")));
        }
        let bytes = unixfs::file_from_blocks(&blocks, &cid, limit).map_err(|e| refuse(e.to_string()))?;
        files.push((name, bytes));
    }
    let manifest = files.iter().find(|(name, _)| name == MANIFEST).ok_or_else(|| refuse(format!("no {MANIFEST}")))?;
    let manifest: serde_json::Value =
        serde_json::from_slice(&manifest.1).map_err(|e| refuse(format!("{MANIFEST} is not JSON: {e}")))?;
    let as_of = manifest["credentialSubject"]["asOf"]
        .as_str()
        .and_then(|t| AsOf::parse(t).ok())
        .map(|t| t.basic())
        .ok_or_else(|| refuse(format!("{MANIFEST} names no asOf instant")))?;
    // The CAR as it was sealed (whatever order the source sent the blocks
    // in): the files in the manifest's order, then the manifest. Its root
    // must be the one asked for, else the directory and the manifest disagree.
    let mut order: Vec<&str> = manifest["credentialSubject"]["outputs"]
        .as_array()
        .map(|outputs| outputs.iter().filter_map(|o| o["name"].as_str()).collect())
        .unwrap_or_default();
    order.push(MANIFEST);
    let mut sealed = crate::scoreset::EpochCar::new(std::io::Cursor::new(Vec::new()))?;
    for name in &order {
        let (_, bytes) = files
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| refuse(format!("{MANIFEST} lists {name:?}, the directory does not hold it")))?;
        sealed.add(name, bytes)?;
    }
    let (rebuilt, car) = sealed.finish()?;
    let car = car.into_inner();
    if rebuilt != *root {
        return Err(refuse(format!(
            "the directory holds files {MANIFEST} does not list (its files rebuild {rebuilt})"
        )));
    }
    let target = out.join(&as_of);
    if target.exists() {
        return Err(Error::EpochExists { path: target });
    }
    let staged = out.join(format!(".{as_of}.fetch-{}", std::process::id()));
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    std::fs::create_dir_all(&staged).map_err(write_err(&staged))?;
    let written = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .chain([(CAR, car.as_slice())])
        .try_for_each(|(name, bytes)| std::fs::write(staged.join(name), bytes).map_err(write_err(&staged.join(name))))
        .and_then(|()| std::fs::rename(&staged, &target).map_err(write_err(&target)));
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staged);
    }
    written.map(|()| target)
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
    let bytes = fsio::read_limited(&log, fsio::MAX_DOCUMENT_BYTES)?;
    let (entries, head) = audit_log::verify(&bytes).map_err(|broken| invalid(AUDIT, broken.to_string()))?;
    let manifest_path = dir.join(MANIFEST);
    if let Ok(manifest) = fsio::read_limited(&manifest_path, fsio::MAX_DOCUMENT_BYTES) {
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
