//! Publish: writes an epoch folder atomically and then moves `latest`.
//!
//! The files go to a hidden temporary folder beside the epoch, each is
//! fsync'd, the folder is renamed into place (atomic on POSIX), and only then
//! is the `latest` symlink replaced (again by an atomic rename). A run that
//! fails at any point leaves no epoch folder and `latest` where it was; a run
//! that is killed may leave a staging folder, which the next run removes
//! under the pipeline's [`lock`].

pub mod ipfs;
pub mod lock;

use crate::error::{Error, Result};
use crate::fsio;
use crate::scoreset::manifest::Manifest;
use crate::scoreset::{MANIFEST, manifest_cid};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where an epoch went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The epoch folder.
    pub dir: PathBuf,
    /// Whether `latest` now points at it (it does not move back to an older epoch).
    pub latest_moved: bool,
}

/// The folder an epoch would be written to; fails if it already exists.
pub fn epoch_dir(pipeline_dir: &Path, epoch: &str) -> Result<PathBuf> {
    let dir = pipeline_dir.join(epoch);
    if fs::symlink_metadata(&dir).is_ok() {
        return Err(Error::EpochExists { path: dir });
    }
    Ok(dir)
}

/// An epoch being written: a hidden staging folder beside where the epoch
/// will go (`.<epoch>.partial-<pid>`), removed unless it is published. The
/// seal stage writes the files into [`Staging::path`]; [`Staging::publish`]
/// renames the folder into place and moves `latest`.
pub struct Staging {
    pipeline_dir: PathBuf,
    epoch: String,
    dir: TempDir,
}

impl Staging {
    /// Creates the staging folder of epoch `epoch` under `pipeline_dir`
    /// (`<out>/<name>`, created if needed); fails if the epoch exists.
    pub fn create(pipeline_dir: &Path, epoch: &str) -> Result<Self> {
        fs::create_dir_all(pipeline_dir).map_err(write_err(pipeline_dir))?;
        epoch_dir(pipeline_dir, epoch)?;
        let dir = TempDir { path: pipeline_dir.join(format!(".{epoch}.partial-{}", std::process::id())) };
        fs::create_dir(&dir.path).map_err(write_err(&dir.path))?;
        Ok(Staging { pipeline_dir: pipeline_dir.to_path_buf(), epoch: epoch.to_owned(), dir })
    }

    /// The folder the files go to.
    pub fn path(&self) -> &Path {
        &self.dir.path
    }

    /// Syncs the folder, renames it into place as the epoch, and points
    /// `latest` at it unless `latest` names a newer epoch.
    pub fn publish(self) -> Result<Published> {
        let Staging { pipeline_dir, epoch, dir } = self;
        let target = epoch_dir(&pipeline_dir, &epoch)?;
        sync_dir(&dir.path).map_err(write_err(&dir.path))?;
        fs::rename(&dir.path, &target).map_err(write_err(&target))?;
        // Renamed into place: the guard's removal finds nothing left (not forgotten, which leaked its path).
        drop(dir);
        sync_dir(&pipeline_dir).map_err(write_err(&pipeline_dir))?;
        let latest_moved = move_latest(&pipeline_dir, &epoch).map_err(write_err(&pipeline_dir.join(LATEST)))?;
        Ok(Published { dir: target, latest_moved })
    }
}

/// The hook the seal stage calls before each file it writes: with the
/// environment variable `SCORESET_CRASH_AFTER_FILES=N`, it aborts the process
/// (no clean-up runs) once N files are written, for the crash tests.
pub fn crash_hook() -> impl FnMut(usize) -> io::Result<()> {
    let crash_after: Option<usize> = std::env::var("SCORESET_CRASH_AFTER_FILES").ok().and_then(|v| v.parse().ok());
    move |written| {
        if crash_after == Some(written) {
            eprintln!("SCORESET_CRASH_AFTER_FILES={written}: aborting mid-epoch");
            std::process::abort();
        }
        Ok(())
    }
}

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |source| Error::Write { path, source }
}

/// Whether `name` is an epoch folder name (`YYYYMMDDTHHMMSSZ`).
pub fn is_epoch_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 16 && b[8] == b'T' && b[15] == b'Z' && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// The epoch folders under `pipeline_dir`, oldest first (partial and hidden folders are not epochs).
pub fn epochs(pipeline_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(pipeline_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_epoch_name(n))
        .collect();
    names.sort();
    names
}

/// The epoch `latest` names under `pipeline_dir`, if it names one.
pub fn latest_epoch(pipeline_dir: &Path) -> Option<String> {
    let target = fs::read_link(pipeline_dir.join(LATEST)).ok()?;
    target.to_str().filter(|t| is_epoch_name(t)).map(str::to_owned)
}

/// The epoch `latest` names and its manifest's CID: what a new epoch links to.
pub fn latest(pipeline_dir: &Path) -> Result<Option<(String, String)>> {
    let Some(name) = latest_epoch(pipeline_dir) else { return Ok(None) };
    let bytes = fsio::read_limited(&pipeline_dir.join(&name).join(MANIFEST), fsio::MAX_DOCUMENT_BYTES)?;
    Ok(Some((name, manifest_cid(&bytes))))
}

/// What a run found of killed runs, under the lock, before computing.
#[derive(Debug, Clone, Default)]
pub struct Housekeeping {
    /// Leftover staging folders and links removed.
    pub removed: Vec<String>,
    /// A complete epoch `latest` did not name yet (a run was killed between
    /// writing it and moving `latest`): verified, and `latest` moved to it.
    pub recovered: Option<String>,
    /// Such an epoch that did not verify, with the reason; `latest` left alone.
    pub unrecovered: Option<(String, String)>,
}

/// Under the pipeline lock: removes what killed runs left
/// ([`remove_leftovers`]) and, if a complete epoch links to `latest` (or,
/// with no `latest`, starts the chain) and is newer than it — a run killed
/// between the rename of its epoch and the move of `latest` — checks it with
/// `verify` and moves `latest` to it.
pub fn tidy(pipeline_dir: &Path, verify: impl Fn(&Path) -> Result<()>) -> Result<Housekeeping> {
    let removed = remove_leftovers(pipeline_dir)?;
    let mut housekeeping = Housekeeping { removed, ..Housekeeping::default() };
    let latest = latest(pipeline_dir)?;
    let (latest_name, latest_cid) = latest.map_or((None, None), |(name, cid)| (Some(name), Some(cid)));
    let links_to_latest = |epoch: &String| {
        let manifest = fsio::read_limited(&pipeline_dir.join(epoch).join(MANIFEST), fsio::MAX_DOCUMENT_BYTES);
        let manifest = manifest.ok().and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok());
        manifest.is_some_and(|m| m.credential_subject.previous == latest_cid)
    };
    let stranded =
        epochs(pipeline_dir).into_iter().rev().take_while(|e| Some(e) > latest_name.as_ref()).find(links_to_latest);
    let Some(epoch) = stranded else { return Ok(housekeeping) };
    match verify(&pipeline_dir.join(&epoch)) {
        Ok(()) | Err(Error::Unsigned { .. }) => {
            move_latest(pipeline_dir, &epoch)
                .map_err(|source| Error::Write { path: pipeline_dir.join(LATEST), source })?;
            housekeeping.recovered = Some(epoch);
        }
        Err(e) => housekeeping.unrecovered = Some((epoch, e.to_string())),
    }
    Ok(housekeeping)
}

/// Removes what killed runs left in `pipeline_dir`: staging folders
/// (`.<epoch>.partial-<pid>`) and half-made links (`.latest.<pid>`) of any
/// process but this one. Called under the pipeline lock, when no other run
/// can be writing. Returns the names removed.
pub fn remove_leftovers(pipeline_dir: &Path) -> Result<Vec<String>> {
    let ours = std::process::id().to_string();
    let entries = match fs::read_dir(pipeline_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(Error::Read { path: pipeline_dir.to_path_buf(), source }),
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else { continue };
        let pid = match (name.strip_prefix(".latest."), name.split_once(".partial-")) {
            (Some(pid), _) => pid,
            (None, Some((epoch, pid))) if epoch.strip_prefix('.').is_some_and(is_epoch_name) => pid,
            _ => continue,
        };
        if pid == ours || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let path = entry.path();
        let gone = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        gone.map_err(|source| Error::Write { path, source })?;
        removed.push(name);
    }
    removed.sort();
    Ok(removed)
}

/// Name of the link to the newest epoch.
pub const LATEST: &str = "latest";

/// The root CID of the epoch `latest` names, for DNSLink or an IPNS update.
pub const LATEST_CID: &str = "latest.cid";

/// Points `latest` at `epoch` unless it already names a later epoch, and
/// writes its root CID (the root of its CAR) to `latest.cid`, each by an
/// atomic rename.
pub fn move_latest(pipeline_dir: &Path, epoch: &str) -> io::Result<bool> {
    let latest = pipeline_dir.join(LATEST);
    if let Ok(current) = fs::read_link(&latest)
        && current.as_os_str().to_string_lossy().as_ref() > epoch
    {
        return Ok(false);
    }
    let temp = pipeline_dir.join(format!(".latest.{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    std::os::unix::fs::symlink(epoch, &temp)?;
    fs::rename(&temp, &latest)?;
    // latest.cid always names what latest names: rewritten from the epoch's
    // CAR, or removed if the epoch has none (it then has no root CID).
    let cid_file = pipeline_dir.join(LATEST_CID);
    match crate::fsio::open_regular(&pipeline_dir.join(epoch).join(crate::scoreset::CAR)) {
        Ok(car) => {
            let root = crate::crypto::car::CarReader::new(io::BufReader::new(car))
                .map_err(io::Error::other)?
                .roots()
                .first()
                .map(ToString::to_string)
                .ok_or_else(|| io::Error::other("the epoch's CAR has no root"))?;
            // The same temporary name as the link's (renamed away by now), so tidy removes a leftover.
            write_synced(&temp, format!("{root}\n").as_bytes())?;
            fs::rename(&temp, &cid_file)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::remove_file(&cid_file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        },
        Err(e) => return Err(e),
    }
    sync_dir(pipeline_dir)?;
    Ok(true)
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A staging folder removed on drop; once renamed into place there is nothing at its path to remove.
struct TempDir {
    path: PathBuf,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Publishes an epoch of two small files.
    fn publish_epoch(pipeline_dir: &Path, epoch: &str) -> Result<Published> {
        let staging = Staging::create(pipeline_dir, epoch)?;
        fs::write(staging.path().join("a.csv"), b"1\n").unwrap();
        fs::write(staging.path().join("b.jsonl"), b"{}\n").unwrap();
        staging.publish()
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn latest_follows_newer_epochs_only() {
        let out = tempfile::tempdir().unwrap();
        let p = publish_epoch(out.path(), "20260102T000000Z").unwrap();
        assert!(p.latest_moved);
        assert_eq!(fs::read(out.path().join("latest/a.csv")).unwrap(), b"1\n");
        let older = publish_epoch(out.path(), "20260101T000000Z").unwrap();
        assert!(!older.latest_moved);
        assert_eq!(fs::read_link(out.path().join("latest")).unwrap(), Path::new("20260102T000000Z"));
        assert_eq!(entries(out.path()), ["20260101T000000Z", "20260102T000000Z", "latest"]);
    }

    #[test]
    fn a_failure_mid_write_leaves_no_epoch_and_latest_unmoved() {
        let out = tempfile::tempdir().unwrap();
        publish_epoch(out.path(), "20260101T000000Z").unwrap();
        {
            let staging = Staging::create(out.path(), "20260102T000000Z").unwrap();
            fs::write(staging.path().join("a.csv"), b"1\n").unwrap();
            assert!(entries(out.path()).iter().any(|n| n.starts_with(".20260102T000000Z.partial-")));
            // The writer fails here: the staging folder is dropped, not published.
        }
        assert_eq!(entries(out.path()), ["20260101T000000Z", "latest"]);
        assert_eq!(fs::read_link(out.path().join("latest")).unwrap(), Path::new("20260101T000000Z"));
    }

    #[test]
    fn an_existing_epoch_is_never_overwritten() {
        let out = tempfile::tempdir().unwrap();
        publish_epoch(out.path(), "20260101T000000Z").unwrap();
        let err = Staging::create(out.path(), "20260101T000000Z").err().unwrap();
        assert!(matches!(err, Error::EpochExists { .. }));
        assert_eq!(fs::read(out.path().join("20260101T000000Z/b.jsonl")).unwrap(), b"{}\n");
    }
}
