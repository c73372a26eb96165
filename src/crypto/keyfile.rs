//! Signing-key files: a Multikey `secretKeyMultibase` line, mode 0600.

use super::did_key;
use crate::error::{Error, Result};
use ed25519_dalek::SigningKey;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Makes a new random key at `path` (which must not exist), readable by its
/// owner only; returns it.
///
/// The key is written to a private temporary file and then hard-linked into
/// place (which fails if `path` exists), so a concurrent reader never sees a
/// half-written key and two concurrent first runs cannot both create one.
pub fn generate(path: &Path) -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Usage(format!("no randomness from the operating system: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    let write_err = |source| Error::Write { path: path.to_path_buf(), source };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(write_err)?;
    let name = path.file_name().map_or_else(|| "key".into(), |n| n.to_string_lossy().into_owned());
    let temp = parent.join(format!(".{name}.new-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
        writeln!(file, "{}", did_key::secret_key_multibase(&key))?;
        file.sync_all()?;
        std::fs::hard_link(&temp, path)
    })();
    let _ = std::fs::remove_file(&temp);
    written.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Usage(format!("{} already exists; refusing to overwrite a key", path.display()))
        } else {
            Error::Write { path: path.to_path_buf(), source }
        }
    })?;
    Ok(key)
}

/// Where the operator's default key lives: `$XDG_DATA_HOME/scoreset/default.key`,
/// else `~/.local/share/scoreset/default.key`.
pub fn default_key_path() -> Result<std::path::PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(std::path::PathBuf::from(v)).filter(|p| p.is_absolute());
    let data = std::env::var_os("XDG_DATA_HOME")
        .and_then(absolute)
        .or_else(|| std::env::var_os("HOME").and_then(absolute).map(|h| h.join(".local/share")))
        .ok_or_else(|| {
            Error::Usage(
                "no signing key: the pipeline has no [signing] key and neither XDG_DATA_HOME nor HOME names a folder for the default key".into(),
            )
        })?;
    Ok(data.join("scoreset").join("default.key"))
}

/// The operator's default key (see [`default_key_path`]), made on first use;
/// the flag says whether it was made now.
pub fn default_key() -> Result<(SigningKey, std::path::PathBuf, bool)> {
    let path = default_key_path()?;
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok((load(&path)?, path, false));
    }
    match generate(&path) {
        Ok(key) => Ok((key, path, true)),
        // Another run made it first: use that one.
        Err(Error::Usage(_)) if std::fs::symlink_metadata(&path).is_ok() => Ok((load(&path)?, path, false)),
        Err(e) => Err(e),
    }
}

/// Loads a key file, refusing one that anybody but its owner can read or write.
pub fn load(path: &Path) -> Result<SigningKey> {
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    let mode = std::fs::metadata(path).map_err(read_err)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: format!(
                "signing key is accessible to others (mode {:04o}); run `chmod 600 {}`",
                mode & 0o7777,
                path.display()
            ),
        });
    }
    let text = crate::fsio::read_text_limited(path, 4096)?;
    did_key::parse_secret_key(&text).map_err(|e| Error::Config { path: path.to_path_buf(), message: e.to_string() })
}

/// Who signs an epoch.
#[derive(Debug, Clone)]
pub enum Signer {
    /// The pipeline's `[signing] key`.
    Key {
        /// Its did:key.
        did: String,
    },
    /// The operator's default key.
    Default {
        /// Its did:key.
        did: String,
        /// The key file.
        path: std::path::PathBuf,
        /// Whether this run made it.
        created: bool,
    },
    /// Unsigned, as asked for.
    Unsigned,
}

impl Signer {
    /// The signer's did:key, if the epoch is signed.
    pub fn did(&self) -> Option<&str> {
        match self {
            Signer::Key { did } | Signer::Default { did, .. } => Some(did),
            Signer::Unsigned => None,
        }
    }
}

/// The key that signs an epoch: the pipeline's `key_file`, else the
/// operator's default (made on first use); none only when `unsigned` was
/// asked for (and then naming a key file is a contradiction, refused).
pub fn signer(key_file: Option<&Path>, unsigned: bool) -> Result<(Option<SigningKey>, Signer)> {
    let did = |k: &SigningKey| did_key::did_key(&k.verifying_key());
    if unsigned {
        if key_file.is_some() {
            return Err(Error::Usage("--unsigned was given but the pipeline names a [signing] key".into()));
        }
        return Ok((None, Signer::Unsigned));
    }
    match key_file {
        Some(path) => {
            let key = load(path)?;
            Ok((Some(key.clone()), Signer::Key { did: did(&key) }))
        }
        None => {
            let (key, path, created) = default_key()?;
            if created {
                // Said at once (not only in the summary): the operator must back this key up.
                tracing::warn!("made the operator's default signing key {} (mode 0600): {}", path.display(), did(&key));
            }
            Ok((Some(key.clone()), Signer::Default { did: did(&key), path, created }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_private_loads_back_and_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/computer.key");
        let key = generate(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load(&path).unwrap().to_bytes(), key.to_bytes());
        assert!(generate(&path).unwrap_err().to_string().contains("refusing to overwrite"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("mode 0644") && err.contains("chmod 600"), "{err}");
    }
}
