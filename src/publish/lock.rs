//! One run of a pipeline at a time: an advisory lock on `<pipeline dir>/.lock`.
//!
//! The runner takes it before it reads which epoch `latest` names (the
//! `previous` link of the new epoch) and keeps it until `latest` has moved, so
//! overlapping runs (a cron overlap) cannot fork the chain or move `latest`
//! backwards. The lock is the operating system's (`flock`), so it goes away
//! with its process, however that process ends; the file stays, and while
//! the lock is held it says who holds it (pid and start time), for the
//! message a second run prints.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// File name of the lock inside a pipeline's output folder.
pub const LOCK_FILE: &str = ".lock";

/// A held pipeline lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct PipelineLock {
    file: File,
    path: PathBuf,
}

impl PipelineLock {
    /// Takes the lock of `pipeline_dir` (created if needed). If another run
    /// holds it: waits when `wait`, else fails at once with
    /// [`Error::Locked`] naming the holder.
    pub fn acquire(pipeline_dir: &Path, wait: bool) -> Result<Self> {
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Write { path, source }
        };
        std::fs::create_dir_all(pipeline_dir).map_err(write_err(pipeline_dir))?;
        let path = pipeline_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(write_err(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if wait => {
                tracing::warn!(holder = %holder(&mut file), "waiting for the pipeline lock");
                file.lock().map_err(write_err(&path))?;
            }
            Err(TryLockError::WouldBlock) => return Err(Error::Locked { path, holder: holder(&mut file) }),
            Err(TryLockError::Error(source)) => return Err(Error::Write { path, source }),
        }
        let started = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| "unknown".into());
        let me = format!("pid {} started {started}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(me.as_bytes()))
            .map_err(write_err(&path))?;
        Ok(PipelineLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PipelineLock {
    /// Empties the file (it names a holder only while one holds it), then unlocks.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// What the lock file says of its holder (bounded: it is one short line).
///
/// A holder writes its line right after it takes the lock, so a run that
/// finds the lock taken may read the file in between: it reads again for a
/// moment (at most about 0.2 s) before it says the holder is unnamed.
fn holder(file: &mut File) -> String {
    for _ in 0..100 {
        let mut text = String::new();
        let _ = file.rewind().and_then(|()| Read::by_ref(file).take(256).read_to_string(&mut text));
        if !text.trim().is_empty() {
            return text.trim().to_owned();
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    "another run (it has not written its pid yet)".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_naming_the_first_and_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = PipelineLock::acquire(dir.path(), false).unwrap();
        let err = PipelineLock::acquire(dir.path(), false).unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(err.to_string().contains(&format!("pid {}", std::process::id())), "{err}");
        assert_eq!(err.exit_code(), 2);
        drop(first);
        let again = PipelineLock::acquire(dir.path(), false).unwrap();
        assert_eq!(again.path(), dir.path().join(LOCK_FILE));
    }
}
