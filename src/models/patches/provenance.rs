//! Provenance chains of patches: each link (author, build environment,
//! test results, build process) hashes the one before it, so the chain's
//! last hash pins the whole history of how a patch was made.

use crate::crypto::canonical_value;
use crate::ingest::patches::Link;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The kinds of link a chain must have, in order, with the data fields each needs.
pub const CHAIN: [(&str, &[&str]); 4] = [
    ("author", &["author"]),
    ("build_environment", &["compiler", "dependencies_lock"]),
    ("test_results", &["passed", "failed"]),
    ("build_process", &["hash"]),
];

/// The hash a link must carry: SHA-256 of its canonical (RFC 8785) form.
pub fn link_hash(kind: &str, data: &Value, prev: Option<&str>) -> serde_json::Result<String> {
    let unhashed = json!({"kind": kind, "data": data, "prev": prev});
    Ok(hex::encode(Sha256::digest(canonical_value(&unhashed)?)))
}

/// Builds a valid chain from link facts (kind, data), for samples and tests.
pub fn make_chain(links: &[(&str, Value)]) -> serde_json::Result<Vec<Link>> {
    let mut prev: Option<String> = None;
    links
        .iter()
        .map(|(kind, data)| {
            let hash = link_hash(kind, data, prev.as_deref())?;
            let link = Link { kind: (*kind).to_owned(), data: data.clone(), prev: prev.clone(), hash: hash.clone() };
            prev = Some(hash);
            Ok(link)
        })
        .collect()
}

/// The outcome of checking a chain: the head hash, or why it does not verify.
pub fn verify_chain(links: &[Link], author: &str) -> std::result::Result<String, String> {
    let mut prev: Option<&str> = None;
    for (k, (kind, fields)) in CHAIN.iter().enumerate() {
        let Some(link) = links.get(k) else { return Err(format!("missing link {k} ({kind})")) };
        if link.kind != *kind {
            return Err(format!("link {k} is {:?}, expected {kind} (a link is missing or out of order)", link.kind));
        }
        if let Some(field) = fields.iter().find(|f| link.data.get(**f).is_none()) {
            return Err(format!("link {k} ({kind}) has no {field}"));
        }
        if link.prev.as_deref() != prev {
            return Err(match k {
                0 => format!("link 0 ({kind}): prev must be null"),
                _ => format!("link {k} ({kind}): prev is not the hash of link {}", k - 1),
            });
        }
        let hash = link_hash(&link.kind, &link.data, link.prev.as_deref())
            .map_err(|e| format!("link {k} ({kind}) cannot be put in canonical form: {e}"))?;
        if hash != link.hash {
            return Err(format!("link {k} ({kind}): hash does not match its content (tampered)"));
        }
        prev = Some(&link.hash);
    }
    if links.len() > CHAIN.len() {
        return Err(format!("{} links, expected {}", links.len(), CHAIN.len()));
    }
    let named = links[0].data.get("author").and_then(Value::as_str).unwrap_or("");
    if named != author {
        return Err(format!("the author link names {named:?}, the patch's author is {author:?}"));
    }
    Ok(links[CHAIN.len() - 1].hash.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::patches::{Link, Severity};
    use crate::models::patches::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn valid_chain(author: &str) -> Vec<Link> {
        make_chain(&[
            ("author", json!({"author": author})),
            ("build_environment", json!({"compiler": "rustc 1.88.0", "dependencies_lock": "ab"})),
            ("test_results", json!({"passed": 10, "failed": 0})),
            ("build_process", json!({"hash": "cd"})),
        ])
        .unwrap()
    }

    #[test]
    fn provenance_valid_tampered_wrong_author_missing_link() {
        let chain = valid_chain("ann");
        assert_eq!(verify_chain(&chain, "ann"), Ok(chain[3].hash.clone()));
        let mut tampered = chain.clone();
        tampered[1].data["compiler"] = json!("evilcc 6.6.6");
        assert_eq!(
            verify_chain(&tampered, "ann").unwrap_err(),
            "link 1 (build_environment): hash does not match its content (tampered)"
        );
        assert_eq!(
            verify_chain(&chain, "bob").unwrap_err(),
            "the author link names \"ann\", the patch's author is \"bob\""
        );
        let mut missing = chain.clone();
        missing.remove(2);
        assert!(
            verify_chain(&missing, "ann")
                .unwrap_err()
                .starts_with("link 2 is \"build_process\", expected test_results")
        );
        assert_eq!(verify_chain(&chain[..3], "ann").unwrap_err(), "missing link 3 (build_process)");
        let mut relinked = chain.clone();
        relinked[2].prev = Some("00".repeat(32));
        assert!(verify_chain(&relinked, "ann").unwrap_err().contains("prev is not the hash of link 1"));
        // Each broken chain quarantines, before any rule (here one that would approve everything), with its reason.
        let approve_all =
            [Rule { name: "approve-all".into(), when: Conditions::default(), action: Action::Approve, percent: None }];
        let cases = [
            (verify_chain(&tampered, "ann"), "hash does not match its content (tampered)"),
            (verify_chain(&chain, "bob"), "the author link names \"ann\""),
            (verify_chain(&chain[..3], "ann"), "missing link 3 (build_process)"),
            (verify_chain(&chain, "ann"), ""),
        ];
        for (provenance, reason) in cases {
            let broken = provenance.is_err();
            let facts = Facts {
                author_reputation: Some(1.0),
                reputation_drop: BTreeMap::new(),
                quality: Some(1.0),
                severity: Severity::Minor,
                provenance,
            };
            let verdict = decide(&facts, &approve_all);
            if broken {
                assert_eq!((verdict.rule.as_str(), verdict.action), ("provenance", Action::Quarantine));
                assert!(
                    verdict.reason.starts_with("provenance chain does not verify: ") && verdict.reason.contains(reason)
                );
            } else {
                assert_eq!((verdict.rule.as_str(), verdict.action), ("approve-all", Action::Approve));
            }
        }
    }
}
