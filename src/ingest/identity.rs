//! Identity normalisation, applied once at ingest so that one account is one
//! node and one artifact one id.
//!
//! - `did:pkh:eip155:<chain>:<0x address>`: address lower-cased, chain kept;
//! - `did:pkh:eth:<address>` and `did:eth:<address>` → `did:pkh:eip155:1:<address>`;
//! - other `did:pkh` namespaces (CAIP-10) are checked and kept as written
//!   (their addresses may be case-sensitive, e.g. base58);
//! - `snap://X` ≡ `did:snap:X`; an artifact's `?version=` is split off;
//! - any other DID must follow the DID syntax (`did:<method>:<id>`).

/// Why an identifier was refused.
pub type IdentityError = String;

/// The canonical form of a peer DID, or why it is not one.
pub fn normalise_did(raw: &str) -> Result<String, IdentityError> {
    let did = raw.trim();
    if let Some(address) = did.strip_prefix("did:pkh:eth:").or_else(|| did.strip_prefix("did:eth:")) {
        return evm("1", address).ok_or_else(|| format!("{did:?}: not an EVM address (0x + 40 hex digits)"));
    }
    if let Some(rest) = did.strip_prefix("did:pkh:") {
        let mut parts = rest.split(':');
        let (Some(namespace), Some(reference), Some(address), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("{did:?}: did:pkh needs <namespace>:<reference>:<address> (CAIP-10)"));
        };
        if namespace == "eip155" {
            if reference.is_empty() || !reference.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{did:?}: eip155 chain id must be decimal"));
            }
            return evm(reference, address).ok_or_else(|| format!("{did:?}: not an EVM address (0x + 40 hex digits)"));
        }
        let ns_ok = (3..=8).contains(&namespace.len())
            && namespace.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ref_ok = (1..=32).contains(&reference.len())
            && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let addr_ok = (1..=128).contains(&address.len())
            && address.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'%' | b'_'));
        return if ns_ok && ref_ok && addr_ok {
            Ok(did.to_owned())
        } else {
            Err(format!("{did:?}: not a CAIP-10 account"))
        };
    }
    generic_did(did).map(str::to_owned)
}

/// `did:pkh:eip155:<chain>:<lower-case address>` if `address` is 0x + 40 hex digits.
fn evm(chain: &str, address: &str) -> Option<String> {
    let hex = address.strip_prefix("0x").or_else(|| address.strip_prefix("0X"))?;
    // Every byte checked without branching on each: `all` stops at the first
    // non-digit, a branch per byte that random hex mispredicts, and those
    // mispredictions would dominate this function's time.
    if hex.len() != 40 || !hex.bytes().fold(true, |hex, b| hex & b.is_ascii_hexdigit()) {
        return None;
    }
    // Built by hand rather than by `format!`: this runs for most DIDs of every credential.
    let mut did = String::with_capacity("did:pkh:eip155::0x".len() + chain.len() + 40);
    did.push_str("did:pkh:eip155:");
    did.push_str(chain);
    did.push_str(":0x");
    let start = did.len();
    did.push_str(hex);
    did[start..].make_ascii_lowercase();
    Some(did)
}

/// Checks the generic DID syntax: `did:<method>:<method-specific-id>`.
fn generic_did(did: &str) -> Result<&str, IdentityError> {
    let bad = || format!("{did:?} is not a DID (did:<method>:<id>)");
    let rest = did.strip_prefix("did:").ok_or_else(bad)?;
    let (method, id) = rest.split_once(':').ok_or_else(bad)?;
    let method_ok = !method.is_empty() && method.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let id_ok = !id.is_empty()
        && !id.ends_with(':')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'%'));
    if method_ok && id_ok { Ok(did) } else { Err(bad()) }
}

/// A software artifact: its canonical id and, if given, its version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ArtifactId {
    /// `did:snap:…` or another DID.
    pub id: String,
    /// The version named by `?version=`, if any.
    pub version: Option<String>,
}

/// Normalises an artifact reference: `snap://X` ≡ `did:snap:X`; a
/// `?version=V` query is split off. The query is that one parameter, its
/// version without whitespace or control characters: another parameter
/// would be dropped silently, and a version spelled with a space would
/// split one artifact version in two.
pub fn normalise_artifact(raw: &str) -> Result<ArtifactId, IdentityError> {
    let raw = raw.trim();
    let (base, query) = raw.split_once('?').unwrap_or((raw, ""));
    let version = match query.strip_prefix("version=") {
        _ if query.is_empty() => None,
        Some(v) if !v.is_empty() && !v.contains(|c: char| c == '&' || c.is_whitespace() || c.is_control()) => {
            Some(v.to_owned())
        }
        _ => return Err(format!("{raw:?}: only a ?version= query is understood")),
    };
    let snap = base.strip_prefix("snap://").or_else(|| base.strip_prefix("did:snap:"));
    let id = match snap {
        // Snap ids are npm names or base64 checksums: allow their characters.
        Some(name)
            if !name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'.' | b'@' | b'%')
                }) =>
        {
            format!("did:snap:{name}")
        }
        Some(_) => return Err(format!("{raw:?}: not a snap id")),
        None => normalise_did(base)?,
    };
    Ok(ArtifactId { id, version })
}

/// The CID a reference to an assertion names: `ipfs://<cid>` or a bare CID.
pub fn assertion_reference(raw: &str) -> Result<String, IdentityError> {
    let cid = raw.trim().strip_prefix("ipfs://").unwrap_or(raw.trim());
    cid::Cid::try_from(cid).map(|c| c.to_string()).map_err(|e| format!("{raw:?} is not a CID: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evm_spellings_merge_into_one_account() {
        let canonical = "did:pkh:eip155:1:0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044";
        for spelling in [
            "did:pkh:eip155:1:0x44dc4E3309B80eF7aBf41C7D0a68F0337a88F044",
            "did:pkh:eth:0x44dc4E3309B80eF7aBf41C7D0a68F0337a88F044",
            "did:eth:0x44DC4E3309B80EF7ABF41C7D0A68F0337A88F044",
            canonical,
        ] {
            assert_eq!(normalise_did(spelling).unwrap(), canonical, "{spelling}");
        }
        // The chain id is kept: the same address on Linea is another account.
        assert_eq!(
            normalise_did("did:pkh:eip155:59144:0xEFC6191B3245df60B209Ec58631c7dCF04137329").unwrap(),
            "did:pkh:eip155:59144:0xefc6191b3245df60b209ec58631c7dcf04137329"
        );
    }

    #[test]
    fn invalid_dids_are_refused() {
        for bad in [
            "did:pkh:eth:eriko.eth",
            "did:pkh:eip155:1:0x123",
            "did:pkh:eip155:one:0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044",
            "did:pkh:eip155:1:pretrusted_peer_id_1",
            "0x44dc4e3309b80ef7abf41c7d0a68f0337a88f044",
            "did::x",
            "did:KEY:z6Mk",
            "did:key:",
            "",
        ] {
            assert!(normalise_did(bad).is_err(), "{bad}");
        }
        assert!(normalise_did("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").is_ok());
        assert!(
            normalise_did(
                "did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:CKg5d12Jhpej1JqtmxLJgaFqqeYjxgPqToJ4LBdvG9Ev"
            )
            .is_ok()
        );
    }

    #[test]
    fn snap_spellings_and_versions() {
        let a = normalise_artifact("snap://lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=").unwrap();
        let b = normalise_artifact("did:snap:lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.id, "did:snap:lfxsHs6C6buodVo0zVJakNAHgIXAGkHyVTL12Rw0xdw=");
        let v = normalise_artifact("did:snap:1?version=1.2").unwrap();
        assert_eq!((v.id.as_str(), v.version.as_deref()), ("did:snap:1", Some("1.2")));
        assert!(normalise_artifact("snap://").is_err());
        assert!(normalise_artifact("did:snap:x?evil=1").is_err());
    }

    #[test]
    fn assertion_references_accept_ipfs_uris() {
        let cid = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
        assert_eq!(assertion_reference(&format!("ipfs://{cid}")).unwrap(), cid);
        assert!(assertion_reference("not-a-cid").is_err());
    }
}
