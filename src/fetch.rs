//! Inputs over the network: a source whose path is an `https://` or
//! `http://` URL, or an `ipfs://CID[/path]` (fetched as a CAR from a node's
//! Kubo RPC, `[inputs] ipfs_api`, or from a trustless gateway,
//! `[inputs] ipfs_gateway`; either way every block is checked against its
//! CID and the file rebuilt from its UnixFS DAG), is fetched (bounded in time and size, retried with
//! backoff) into a content-addressed input cache before anything is
//! computed, and read from there like a file. `verify --recompute` finds the
//! same bytes in the cache by their SHA-256, or fetches them again and
//! refuses them if the hash differs.
//!
//! The cache holds one folder per content, `sha256/<hex>/`, with the file
//! under the last segment of its URL (so `.gz` and `.parquet` inputs read
//! as such). It is written to a temporary folder and renamed into place: a
//! failed or partial fetch never leaves anything under a hash.

use crate::crypto::unixfs;
use crate::error::{Error, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `[inputs]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsSpec {
    /// The input cache folder (relative to the pipeline's base); default:
    /// beside the output root, `<output root>.inputs`.
    #[serde(default)]
    pub cache: Option<PathBuf>,
    /// Seconds to connect, and to wait for each read (default 30).
    #[serde(default = "InputsSpec::default_timeout_secs")]
    pub timeout_secs: u64,
    /// Further attempts after a failed fetch, waiting 1 s, 2 s, 4 s, … (default 3).
    #[serde(default = "InputsSpec::default_retries")]
    pub retries: u32,
    /// The IPFS gateway `ipfs://` sources are fetched from (as trustless CARs).
    #[serde(default)]
    pub ipfs_gateway: Option<String>,
    /// An IPFS node's Kubo RPC endpoint `ipfs://` sources are fetched from
    /// (`/api/v0/dag/export`, a CAR checked block by block); preferred to
    /// the gateway when both are set.
    #[serde(default)]
    pub ipfs_api: Option<String>,
}

impl InputsSpec {
    fn default_timeout_secs() -> u64 {
        30
    }
    fn default_retries() -> u32 {
        3
    }
}

impl Default for InputsSpec {
    fn default() -> Self {
        InputsSpec {
            cache: None,
            timeout_secs: Self::default_timeout_secs(),
            retries: Self::default_retries(),
            ipfs_gateway: None,
            ipfs_api: None,
        }
    }
}

/// The default input cache of an output root: beside it, `<output root>.inputs`.
pub fn default_cache(out_root: &Path) -> PathBuf {
    let mut name = out_root.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "out".into());
    name.push(".inputs");
    out_root.with_file_name(name)
}

/// Whether a source path names a network location rather than a file.
pub fn is_remote(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text.starts_with("https://") || text.starts_with("http://") || text.starts_with("ipfs://")
}

/// The cached file holding the bytes with this SHA-256 (lower-case hex), if any.
pub fn cached(cache: &Path, sha256: &str) -> Option<PathBuf> {
    let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return None;
    }
    let mut files = std::fs::read_dir(cache.join("sha256").join(sha256)).ok()?;
    let file = files.next()?.ok()?.path();
    file.is_file().then_some(file)
}

/// A safe file name for what `url` serves: its last path segment, made of
/// letters, digits, `.`, `_` and `-` only, else `input`.
fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    if is_plain_file_name(last, 100) { last.to_owned() } else { "input".to_owned() }
}

/// Whether `name`, from the network, is safe to write as a file name: 1 to
/// `max_len` letters, digits, `.`, `_` and `-`, not starting with `.`.
pub fn is_plain_file_name(name: &str, max_len: usize) -> bool {
    !name.is_empty()
        && name.len() <= max_len
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Fetches `url` into `cache` and returns the cached file. Fails (exit 2)
/// naming the URL on a status other than 200, a timeout, a body larger than
/// `limit`, or a connection that breaks, after `spec.retries` more attempts.
pub fn fetch_into_cache(url: &str, cache: &Path, limit: u64, spec: &InputsSpec) -> Result<PathBuf> {
    let bytes = fetch_any(url, limit, spec)?;
    store(cache, &bytes, &file_name(url))
}

/// The bytes at `url`: over HTTP, or for `ipfs://CID[/path]` rebuilt from a verified CAR.
fn fetch_any(url: &str, limit: u64, spec: &InputsSpec) -> Result<Vec<u8>> {
    let Some(address) = url.strip_prefix("ipfs://") else {
        return fetch_with_retries(&Request::get(url, "*/*"), limit, spec);
    };
    let refuse = |reason: String| Error::Fetch { url: url.to_owned(), reason };
    let via = match (&spec.ipfs_api, &spec.ipfs_gateway) {
        (Some(api), _) => CarSource::Api(api.clone()),
        (None, Some(gateway)) => CarSource::Gateway(gateway.clone()),
        (None, None) => return Err(refuse("an ipfs:// source needs [inputs] ipfs_api or ipfs_gateway".into())),
    };
    let (cid, path) = address.split_once('/').unwrap_or((address, ""));
    let root: cid::Cid = cid.parse().map_err(|e| refuse(format!("{cid:?} is not a CID ({e})")))?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // A CAR carries the file once plus its DAG nodes and framing: bound it a little above the file.
    let car_limit = limit.saturating_add(limit / 16).saturating_add(1 << 20);
    let car = via.car(&root, &segments, car_limit, spec).map_err(|e| match e {
        Error::Fetch { url: from, reason } => refuse(format!("from {from}: {reason}")),
        other => other,
    })?;
    let blocks = unixfs::verified_blocks(&car).map_err(|e| refuse(format!("{}: {e}", via.describe())))?;
    unixfs::resolve_path(&blocks, &root, &segments)
        .and_then(|file| unixfs::file_from_blocks(&blocks, &file, limit))
        .map_err(|e| refuse(format!("{}: {e}", via.describe())))
}

/// Where a CAR of an IPFS DAG comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum CarSource {
    /// A trustless gateway: `GET <gateway>/ipfs/<cid>[/path]?format=car`.
    Gateway(String),
    /// A node's Kubo RPC: `POST <api>/api/v0/dag/export?arg=<cid>` (the whole DAG under the CID).
    Api(String),
}

impl CarSource {
    /// Fetches the CAR holding `root` (and, from a gateway, only the blocks
    /// down `path`), bounded, retried; its blocks are not yet checked.
    pub fn car(&self, root: &cid::Cid, path: &[&str], limit: u64, spec: &InputsSpec) -> Result<Vec<u8>> {
        match self {
            CarSource::Gateway(gateway) => {
                let path: String = path.iter().map(|s| format!("/{s}")).collect();
                let url = format!("{}/ipfs/{root}{path}?format=car", gateway.trim_end_matches('/'));
                fetch_with_retries(&Request::get(&url, CAR_MEDIA_TYPE), limit, spec)
            }
            CarSource::Api(api) => {
                let url = format!("{}/api/v0/dag/export?arg={root}", api.trim_end_matches('/'));
                fetch_with_retries(&Request { url: &url, accept: CAR_MEDIA_TYPE, post: true }, limit, spec)
            }
        }
    }

    /// What the CAR came from, for messages.
    pub fn describe(&self) -> String {
        match self {
            CarSource::Gateway(url) => format!("the gateway {url}'s CAR"),
            CarSource::Api(url) => format!("the node {url}'s CAR"),
        }
    }
}

/// Fetches `url` again for bytes whose SHA-256 must be `sha256`; refuses
/// (exit 1, the epoch cannot be recomputed from what the URL serves now)
/// bytes that differ, and caches the ones that match.
pub fn refetch_expecting(url: &str, sha256: &str, cache: &Path, limit: u64, spec: &InputsSpec) -> Result<PathBuf> {
    let bytes = fetch_any(url, limit, spec)?;
    let got = hex::encode(Sha256::digest(&bytes));
    if got != sha256 {
        return Err(Error::Invalid {
            file: url.to_owned(),
            reason: format!("the URL now serves bytes with SHA-256 {got}, the epoch used {sha256}"),
        });
    }
    store(cache, &bytes, &file_name(url))
}

/// The media type of a CAR, as a trustless gateway answers it.
const CAR_MEDIA_TYPE: &str = "application/vnd.ipld.car";

/// One HTTP request: a GET, or a POST with no body (the Kubo RPC's verbs).
struct Request<'a> {
    url: &'a str,
    accept: &'a str,
    post: bool,
}

impl<'a> Request<'a> {
    /// A GET of `url` accepting `accept`.
    fn get(url: &'a str, accept: &'a str) -> Self {
        Request { url, accept, post: false }
    }
}

fn fetch_with_retries(request: &Request, limit: u64, spec: &InputsSpec) -> Result<Vec<u8>> {
    let url = request.url;
    let mut attempt = 0;
    loop {
        match fetch(request, limit, spec) {
            Ok(bytes) => return Ok(bytes),
            Err(reason) if attempt < spec.retries && reason.retry => {
                let wait = Duration::from_secs(1 << attempt.min(5));
                tracing::warn!(url, attempt = attempt + 1, ?wait, "fetch failed ({}); retrying", reason.message);
                std::thread::sleep(wait);
                attempt += 1;
            }
            Err(reason) => {
                let tries = attempt + 1;
                return Err(Error::Fetch {
                    url: url.to_owned(),
                    reason: format!("{} ({tries} attempt(s))", reason.message),
                });
            }
        }
    }
}

/// Why one attempt failed, and whether another might succeed.
struct Failure {
    message: String,
    retry: bool,
}

fn fetch(request: &Request, limit: u64, spec: &InputsSpec) -> std::result::Result<Vec<u8>, Failure> {
    let timeout = Some(Duration::from_secs(spec.timeout_secs.max(1)));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(timeout)
        .timeout_recv_response(timeout)
        .timeout_recv_body(timeout)
        .http_status_as_error(false)
        .build()
        .into();
    let failed = |e: ureq::Error| Failure { message: e.to_string(), retry: true };
    let response = if request.post {
        agent.post(request.url).header("Accept", request.accept).send_empty()
    } else {
        agent.get(request.url).header("Accept", request.accept).call()
    }
    .map_err(failed)?;
    let status = response.status().as_u16();
    if status != 200 {
        // A server error may pass; a client error (404, 403, …) will not.
        return Err(Failure { message: format!("HTTP status {status}"), retry: status >= 500 });
    }
    let mut body = Vec::new();
    let mut reader = response.into_body().into_reader().take(limit.saturating_add(1));
    reader.read_to_end(&mut body).map_err(|e| Failure { message: format!("reading the body: {e}"), retry: true })?;
    if body.len() as u64 > limit {
        let message = format!("more than {limit} bytes, the input limit (raise [limits] max_input_bytes)");
        return Err(Failure { message, retry: false });
    }
    Ok(body)
}

/// Writes `bytes` as `name` under their SHA-256 in `cache`, atomically.
fn store(cache: &Path, bytes: &[u8], name: &str) -> Result<PathBuf> {
    let dir = cache.join("sha256");
    std::fs::create_dir_all(&dir).map_err(|source| Error::Write { path: dir.clone(), source })?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    if let Some(existing) = cached(cache, &sha256) {
        return Ok(existing);
    }
    // A folder of this process's own: two runs filling the cache at once never share one.
    let staged = dir.join(format!(".{sha256}.{}.partial", std::process::id()));
    let final_dir = dir.join(&sha256);
    let written = std::fs::create_dir_all(&staged)
        .and_then(|()| std::fs::File::create(staged.join(name)))
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&staged, &final_dir));
    if let Err(source) = written {
        let _ = std::fs::remove_dir_all(&staged);
        // Another run may have stored the same bytes meanwhile.
        return cached(cache, &sha256).ok_or(Error::Write { path: final_dir, source });
    }
    Ok(final_dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_remote_and_only_hex_hashes_are_looked_up() {
        assert!(is_remote(Path::new("https://example.org/edges.csv")));
        assert!(is_remote(Path::new("http://127.0.0.1:8080/e.csv")));
        assert!(!is_remote(Path::new("data/https/edges.csv")));
        let dir = tempfile::tempdir().unwrap();
        let stored = store(dir.path(), b"a,b,1\n", "edges.csv").unwrap();
        assert!(stored.ends_with("edges.csv"));
        assert_eq!(file_name("https://h/x/edges.csv.gz?token=1"), "edges.csv.gz");
        assert_eq!(file_name("https://h/x/..%2f.."), "input");
        assert_eq!(file_name("https://h/"), "input");
        let sha = hex::encode(Sha256::digest(b"a,b,1\n"));
        assert_eq!(cached(dir.path(), &sha), Some(stored));
        assert_eq!(cached(dir.path(), "../../etc/passwd"), None, "a hash from a manifest cannot name another path");
    }
}
