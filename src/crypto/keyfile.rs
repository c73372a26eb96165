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
pub fn generate(path: &Path) -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Usage(format!("no randomness from the operating system: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    let write_err = |source| Error::Write { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Usage(format!("{} already exists; refusing to overwrite a key", path.display()))
        } else {
            Error::Write { path: path.to_path_buf(), source }
        }
    })?;
    writeln!(file, "{}", did_key::secret_key_multibase(&key)).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    Ok(key)
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
    let text = std::fs::read_to_string(path).map_err(read_err)?;
    did_key::parse_secret_key(&text).map_err(|e| Error::Config { path: path.to_path_buf(), message: e.to_string() })
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
