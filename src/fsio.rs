//! Reading files that may be hostile: only regular files, in bounded size.
//!
//! Every input (sources, tables, pre-trust, pipeline files, key files,
//! manifests and epoch files handed to `verify`) is opened here. A FIFO,
//! socket or device is refused before a byte is read — opening is
//! non-blocking, so a FIFO with no writer cannot hang the run, and the check
//! is made on the opened file, so a path swapped between check and open
//! changes nothing — and no read grows past the limit it is given, including
//! what a `.gz` file decompresses to.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Size limits of one run (`[limits]` in the pipeline file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest input file, in bytes, as read and after decompression (default 4 GiB).
    #[serde(default = "Limits::default_max_input_bytes")]
    pub max_input_bytes: u64,
}

impl Limits {
    /// 4 GiB: a 100M-edge list is about half of that; a decompression bomb is stopped there.
    pub const DEFAULT_MAX_INPUT_BYTES: u64 = 4 << 30;

    fn default_max_input_bytes() -> u64 {
        Self::DEFAULT_MAX_INPUT_BYTES
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_input_bytes: Self::DEFAULT_MAX_INPUT_BYTES }
    }
}

/// Largest file `verify` reads whole (a manifest, an audit log): 256 MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// Opens `path` for reading if it is a regular file (following symlinks);
/// anything else is refused with [`io::ErrorKind::InvalidInput`], without blocking.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() { "a folder" } else { "not a regular file (a FIFO, socket or device)" };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is {what}", path.display())));
    }
    Ok(file)
}

/// Whether `path` names a regular file (following symlinks), without opening it.
pub fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Opens a regular file of at most `limit` bytes, with its size; a file
/// read from it must still be bounded by `limit` (it may grow meanwhile).
pub fn open_limited(path: &Path, limit: u64) -> Result<(File, u64)> {
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    let file = open_regular(path).map_err(read_err)?;
    let size = file.metadata().map_err(read_err)?.len();
    if size > limit {
        return Err(too_large(path, limit, "is"));
    }
    Ok((file, size))
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    let (file, size) = open_limited(path, limit)?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(read_err)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit, "grew to"));
    }
    Ok(bytes)
}

/// [`read_limited`] as UTF-8 text.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String> {
    String::from_utf8(read_limited(path, limit)?)
        .map_err(|_| Error::Input { path: path.to_path_buf(), message: "is not UTF-8 text".into() })
}

/// Reads everything `reader` yields for `path`, refusing more than `limit` bytes.
pub fn read_to_end_limited(path: &Path, reader: impl Read, limit: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit, "decompresses to"));
    }
    Ok(bytes)
}

pub(crate) fn too_large(path: &Path, limit: u64, verb: &str) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        message: format!(
            "{verb} more than {limit} bytes, the input limit (raise [limits] max_input_bytes to accept it)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
            let err = read_limited(path, 1 << 20).unwrap_err();
            assert!(matches!(err, Error::Read { .. }), "{path:?}: {err}");
        }
    }

    #[test]
    fn reads_stop_at_the_limit_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [7u8; 100]).unwrap();
        assert_eq!(read_limited(&path, 100).unwrap().len(), 100);
        let err = read_limited(&path, 99).unwrap_err().to_string();
        assert!(err.contains("more than 99 bytes") && err.contains("max_input_bytes"), "{err}");
        let err = read_to_end_limited(&path, io::repeat(0), 1000).unwrap_err().to_string();
        assert!(err.contains("decompresses to more than 1000 bytes"), "{err}");
    }
}
