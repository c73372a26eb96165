//! Publishing an epoch to IPFS through a node's Kubo RPC: its `scoreset.car`
//! is imported and pinned (`/api/v0/dag/import`), the root the node reports
//! must be the epoch's own, and the result is recorded in `published.json`
//! beside the epoch folders (never inside an epoch: an epoch never changes).

use crate::crypto::car::CarReader;
use crate::error::{Error, Result};
use crate::scoreset::CAR;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The file beside the epoch folders that records where each was published.
pub const PUBLISHED: &str = "published.json";

/// One publication of an epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Publication {
    /// The epoch's root CID, as the node reported it.
    pub root: String,
    /// The node's RPC endpoint.
    pub ipfs_api: String,
}

/// Imports and pins the epoch in `epoch_dir` (`<pipeline dir>/<epoch>`) on
/// the node at `api`, checks the root it reports, and records it in
/// `published.json`. A failure (node down, an error answer, another root)
/// is exit 1, naming the endpoint; the epoch and `latest` stay as they are.
pub fn publish(epoch_dir: &Path, api: &str, timeout: Duration) -> Result<Publication> {
    let refuse = |reason: String| Error::Publish { endpoint: api.to_owned(), reason };
    let car_path = epoch_dir.join(CAR);
    let car = crate::fsio::read_limited(&car_path, crate::fsio::Limits::default().max_input_bytes)?;
    let root = CarReader::new(car.as_slice())
        .map_err(|e| Error::Invalid { file: car_path.display().to_string(), reason: e.to_string() })?
        .roots()
        .first()
        .map(ToString::to_string)
        .ok_or_else(|| Error::Invalid { file: car_path.display().to_string(), reason: "no root".into() })?;
    let reported = import_car(api, &car, timeout).map_err(refuse)?;
    // A node may print the CID in another multibase: compare the CIDs, not their text.
    if reported.parse::<cid::Cid>().ok().map(|c| c.to_string()) != Some(root.clone()) {
        return Err(refuse(format!("the node reports root {reported}, the epoch's is {root}")));
    }
    let publication = Publication { root, ipfs_api: api.to_owned() };
    record(epoch_dir, &publication)?;
    Ok(publication)
}

/// `POST /api/v0/dag/import?pin-roots=true` with the CAR as a multipart
/// file; returns the root the node reports. `timeout` bounds connecting and
/// each read; the node's answer may take ten times that.
fn import_car(api: &str, car: &[u8], timeout: Duration) -> std::result::Result<String, String> {
    const BOUNDARY: &str = "scoreset-car-boundary-7f3a9c";
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{CAR}\"\r\nContent-Type: application/vnd.ipld.car\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(car);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into();
    let url = format!("{}/api/v0/dag/import?pin-roots=true", api.trim_end_matches('/'));
    let response = agent
        .post(&url)
        .header("Content-Type", &format!("multipart/form-data; boundary={BOUNDARY}"))
        .send(&body[..])
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.into_body().with_config().limit(1 << 20).read_to_string().map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("HTTP status {status}: {}", text.trim()));
    }
    // One JSON object a line; the root's line is {"Root":{"Cid":{"/":…},"PinErrorMsg":…}}.
    for line in text.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let Some(root) = value.get("Root") else { continue };
        if let Some(error) = root.get("PinErrorMsg").and_then(|m| m.as_str()).filter(|m| !m.is_empty()) {
            return Err(format!("pinning failed: {error}"));
        }
        if let Some(cid) = root.get("Cid").and_then(|c| c.get("/")).and_then(|c| c.as_str()) {
            return Ok(cid.to_owned());
        }
    }
    Err(format!("no root in the node's answer: {}", text.trim()))
}

/// Adds the publication of the epoch in `epoch_dir` to `published.json`
/// (epoch name → publication), rewritten atomically.
fn record(epoch_dir: &Path, publication: &Publication) -> Result<()> {
    let (Some(dir), Some(epoch)) = (epoch_dir.parent(), epoch_dir.file_name()) else {
        return Err(Error::Usage(format!("{} is not an epoch folder", epoch_dir.display())));
    };
    let path = dir.join(PUBLISHED);
    let mut all: BTreeMap<String, Publication> = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Error::Input { path: path.clone(), message: format!("not a publication record: {e}") })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(source) => return Err(Error::Read { path, source }),
    };
    all.insert(epoch.to_string_lossy().into_owned(), publication.clone());
    let bytes =
        serde_json::to_vec_pretty(&all).map_err(|source| Error::Serialize { what: PUBLISHED.into(), source })?;
    let temp = dir.join(format!(".{PUBLISHED}.{}", std::process::id()));
    std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|source| Error::Write { path: path.clone(), source })
}
