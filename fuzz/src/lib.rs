//! Helpers shared by the fuzz targets (`fuzz_targets/*.rs`): a scratch folder
//! per process, the line counting the text readers promise, and the checks
//! every reader's output must pass whatever it was fed.
//!
//! The readers of `scoreset::ingest` are reached through their public entry
//! points (`ingest::ingest`, the table readers), which take file paths: the
//! fuzz bytes are written to a file in the scratch folder first. Pure
//! in-memory entry points (`parse_credential`, `normalise_did`, the
//! canonicaliser, `LoadedPipeline::from_text`) are called directly.

use scoreset::ingest::{
    IngestOptions, Ingested, Position, PretrustSpec, Reject, SourceFormat, SourceSpec, identity, ingest,
};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Scopes the fuzzed pipelines compute: the edge lists' default and one that
/// real credentials name.
pub const SCOPES: [&str; 2] = ["default", "Software security"];

/// The largest input a reader may take in a fuzz run (libFuzzer's inputs are far smaller).
pub const LIMIT: u64 = 1 << 20;

/// Makes the fuzzing thread rayon's only thread, so the readers' parallel
/// steps (`rayon::join`, parallel iterators) run inline on it. Without this
/// every step hands its work to a pool thread and waits for it to be
/// scheduled: on a loaded machine at `nice 19` that wait, not the reader,
/// is most of the time of an input. Call it from each target's `init`.
pub fn init() {
    // (Fails only if a global pool exists already, which then serves as well.)
    let _ = rayon::ThreadPoolBuilder::new().num_threads(1).use_current_thread().build_global();
}

/// `ingest::reject::MAX_RAW_BYTES` (the module is private; the value is documented on `Reject::raw`).
const MAX_RAW_BYTES: usize = 4096;
/// `ingest::reject::MAX_DETAIL_BYTES`.
const MAX_DETAIL_BYTES: usize = 1024;

/// A scratch folder for this process, removed when the process ends normally
/// (libFuzzer exits through `exit`, so it is removed on a crash only if the
/// crash handler gets that far; the folder lives under `$TMPDIR`).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::Builder::new().prefix("scoreset-fuzz-").tempdir().expect("a scratch folder")).path()
}

/// Writes `bytes` to `name` in the scratch folder; returns its path.
pub fn write_scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("write to the scratch folder");
    path
}

/// The lines a text reader holds records on (`tabular::lines`): split at
/// `\n`, one trailing `\r` dropped, lines of ASCII whitespace only skipped,
/// and the first line skipped when the file has a header.
pub fn record_lines(bytes: &[u8], header: bool) -> Vec<(u64, &[u8])> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| (i as u64 + 1, line.strip_suffix(b"\r").unwrap_or(line)))
        .filter(|&(number, text)| !(header && number == 1) && !text.iter().all(u8::is_ascii_whitespace))
        .collect()
}

/// Ingest options of the fuzzed pipelines.
pub fn options() -> IngestOptions {
    IngestOptions {
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
        require_proofs: false,
        limits: scoreset::fsio::Limits { max_input_bytes: LIMIT },
        ..IngestOptions::default()
    }
}

/// Reads `bytes` as one source of `format` named `name` (in the scratch folder) through `ingest`.
pub fn ingest_source(format: SourceFormat, name: &str, bytes: &[u8], header: bool, value_scale: f64) -> Ingested {
    write_scratch(name, bytes);
    let spec = SourceSpec { format, path: PathBuf::from(name), header, value_scale, scope: "default".into() };
    match ingest(&[spec], &PretrustSpec::default(), &options(), scratch(), "fuzz.toml") {
        Ok(ingested) => ingested,
        // Bad records are rejects, never errors: a file the reader can open is read.
        Err(e) => panic!("ingest failed on a readable {} file: {e}", format.id()),
    }
}

/// The checks every ingest result passes: the counts add up (every record
/// read is accepted or rejected, once), the rejects are within their
/// bounds, and every index names a peer.
pub fn check_ingested(ingested: &Ingested, accepted: usize) {
    assert_eq!(ingested.inputs.len(), 1, "one input read, one InputStats");
    let stats = &ingested.inputs[0];
    assert_eq!(stats.rejected as usize, ingested.rejects.len(), "rejected count = rejects filed");
    assert_eq!(accepted as u64 + stats.rejected, stats.records, "accepted + rejected = records read");
    assert!(stats.digest.is_some(), "a file input is pinned");
    check_rejects(&ingested.rejects, &stats.source);
    check_peers(&ingested.peers);
    let n = ingested.peers.len() as u32;
    for batch in &ingested.edges {
        for e in &batch.edges {
            assert!(e.truster < n && e.trustee < n, "edge names an unknown peer");
            assert_ne!(e.truster, e.trustee, "a self-trust edge was accepted");
            assert!(e.value.is_finite(), "a non-finite edge value was accepted");
        }
        if let Some(times) = &batch.times_ms {
            assert_eq!(times.len(), batch.edges.len(), "one timestamp slot per edge");
        }
    }
    for a in &ingested.attestations {
        assert!(a.issuer < n && a.subject.is_none_or(|s| s < n), "attestation names an unknown peer");
        assert_eq!(ingested.peers[a.issuer as usize], a.credential.issuer, "issuer index names the issuer");
    }
    for &(peer, weight) in &ingested.pretrust {
        assert!(peer < n, "pre-trust names an unknown peer");
        assert!(weight.is_finite() && weight >= 0.0, "pre-trust weight {weight} accepted");
    }
}

/// Rejects are bounded (raw text 4 KiB, detail 1 KiB plus an ellipsis),
/// name their source, and a cut text says how long it was.
pub fn check_rejects(rejects: &[Reject], source: &str) {
    let mut last_line = 0;
    for r in rejects {
        assert_eq!(r.source, source, "reject names its source");
        assert!(r.raw.len() <= MAX_RAW_BYTES, "raw text longer than its bound");
        assert!(r.detail.len() <= MAX_DETAIL_BYTES + '…'.len_utf8(), "detail too long");
        assert_eq!(r.raw_length.is_some(), r.raw_sha256.is_some(), "a cut raw text has its length and hash");
        if let Some(length) = r.raw_length {
            assert!(length as usize > r.raw.len(), "raw_length set on a text that was not cut");
        }
        // Line-numbered rejects come in input order.
        if let Position::Line(n) = r.position {
            assert!(n >= 1, "line numbers are 1-based");
            assert!(n >= last_line, "rejects out of line order: {n} after {last_line}");
            last_line = n;
        }
    }
}

/// Peer ids are distinct, and every DID among them is in canonical form.
pub fn check_peers(peers: &[String]) {
    let mut seen = std::collections::HashSet::with_capacity(peers.len());
    for p in peers {
        assert!(seen.insert(p.as_str()), "peer {p:?} interned twice");
        if p.starts_with("did:") {
            assert_eq!(identity::normalise_did(p).as_deref(), Ok(p.as_str()), "peer DID not in canonical form");
        }
    }
}

/// A byte to pick among `n` choices, and the rest of the input.
pub fn split_first(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (b, rest),
        None => (0, data),
    }
}

use scoreset::ingest::credential::{SourceText, Unchecked, check_signatures, parse_credential};
use scoreset::ingest::{Claim, Credential, RejectReason};

/// Reads one credential text on its own (as `vc-json` reads a document, and
/// every reader reads its records) and checks what the readers promise of it:
/// - the single signature check and the batched one answer alike;
/// - a text that `serde_json::Value` refuses is refused as a parse error
///   (the member reader accepts exactly what `Value` accepts);
/// - the text and its RFC 8785 canonical form (what its content id and its
///   signature cover) read as the same credential, or are both refused;
/// - an accepted credential is well-formed ([`check_credential`]).
///
/// Returns the credential, if accepted.
pub fn read_credential(text: &str, fallback_ms: Option<i64>) -> Option<Credential> {
    let parse = |t: &str| parse_credential(t, SourceText::owned(t), fallback_ms);
    let single = parse(text).and_then(Unchecked::check);
    let batched = check_signatures(vec![parse(text)]).pop().expect("one result per credential");
    match (&single, &batched) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "batched and single checks read different credentials"),
        (Err(a), Err(b)) => assert_eq!(a.0, b.0, "batched and single checks refuse for different reasons"),
        _ => panic!("batched and single signature checks disagree: {single:?} vs {batched:?}"),
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(e) => {
            assert!(
                matches!(&single, Err((RejectReason::ParseError, _))),
                "serde_json refuses the text ({e}) but the reader did not refuse it as a parse error: {single:?}"
            );
        }
        Ok(value) => {
            if let Ok(canonical) = serde_json_canonicalizer::to_string(&value) {
                let again = parse(&canonical).and_then(Unchecked::check);
                match (&single, &again) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "text and canonical form read as different credentials"),
                    (Err(_), Err(_)) => {}
                    _ => panic!(
                        "text and canonical form disagree:\n text: {single:?}\n canonical {canonical}: {again:?}"
                    ),
                }
            }
        }
    }
    let credential = single.ok()?;
    check_credential(&credential);
    Some(credential)
}

/// What an accepted credential holds: canonical DIDs, levels in [−1, 1] on
/// distinct non-blank scopes, no self-trust, artifact and assertion ids in
/// their canonical forms, a content id.
pub fn check_credential(c: &Credential) {
    use identity::{assertion_reference, normalise_artifact, normalise_did};
    assert_eq!(normalise_did(&c.issuer).as_deref(), Ok(c.issuer.as_str()), "issuer not canonical");
    match &c.claim {
        Claim::Trust { subject, levels } => {
            assert_eq!(normalise_did(subject).as_deref(), Ok(subject.as_str()), "subject not canonical");
            assert_ne!(subject, &c.issuer, "self-trust accepted");
            let mut scopes = std::collections::HashSet::new();
            for (scope, level) in levels {
                assert!((-1.0..=1.0).contains(level), "level {level} outside [-1, 1]");
                assert!(!scope.trim().is_empty(), "blank scope accepted");
                assert!(scopes.insert(scope), "scope {scope:?} twice");
            }
        }
        Claim::Review { artifact, .. } | Claim::Security { artifact, .. } => {
            let written = match &artifact.version {
                Some(v) => format!("{}?version={v}", artifact.id),
                None => artifact.id.clone(),
            };
            assert_eq!(normalise_artifact(&written).as_ref(), Ok(artifact), "artifact id not canonical");
        }
        Claim::Opinion { assertion: cid, .. } | Claim::Revocation { target: cid } => {
            assert_eq!(assertion_reference(cid).as_deref(), Ok(cid.as_str()), "assertion CID not canonical");
        }
    }
    assert!(c.cid.cid().starts_with("bafkrei"), "content id is not a CIDv1 raw sha2-256");
}
