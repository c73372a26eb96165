//! `audit.jsonl`: the publisher model's append-only, SHA-256 hash-chained
//! audit log.
//!
//! Each line is the RFC 8785 (JCS) form of an entry
//! `{seq, prev_hash, hash, timestamp, publisher, event_code, trace_id, payload}`:
//! `seq` counts from 0, `prev_hash` is the previous entry's `hash` (64 zeros
//! for the first), and `hash` is the lower-case hex SHA-256 of the JCS form
//! of the entry without its `hash` member. The last entry's hash (the head)
//! is recorded in the signed manifest, so cutting entries off the end is
//! detected too.

use super::AuditEvent;
use crate::as_of::format_ms;
use crate::as_of::parse_time_ms;
use crate::crypto::canonical_value;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// File name of the audit log in an epoch.
pub const AUDIT: &str = "audit.jsonl";

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chained log: its bytes and the head hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// `audit.jsonl`'s contents.
    pub bytes: Vec<u8>,
    /// Hash of the last entry (`GENESIS` for an empty log).
    pub head: String,
    /// Number of entries.
    pub entries: u64,
}

/// Chains `events` in the order given.
pub fn chain(events: &[AuditEvent]) -> Result<Chain, serde_json::Error> {
    let mut bytes = Vec::new();
    let mut head = GENESIS.to_owned();
    for (seq, e) in events.iter().enumerate() {
        let mut entry = json!({
            "seq": seq,
            "prev_hash": head,
            "timestamp": format_ms(e.at_ms),
            "publisher": e.publisher,
            "event_code": e.code,
            "trace_id": e.trace_id,
            "payload": e.payload,
        });
        head = entry_hash(&entry)?;
        entry["hash"] = Value::String(head.clone());
        bytes.extend_from_slice(&canonical_value(&entry)?);
        bytes.push(b'\n');
    }
    Ok(Chain { bytes, head, entries: events.len() as u64 })
}

/// SHA-256 of the JCS form of `entry` without its `hash` member.
fn entry_hash(entry: &Value) -> Result<String, serde_json::Error> {
    let mut unhashed = entry.clone();
    if let Some(map) = unhashed.as_object_mut() {
        map.remove("hash");
    }
    Ok(hex::encode(Sha256::digest(canonical_value(&unhashed)?)))
}

/// The first entry where a log stops verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {seq} (line {line}): {reason}")]
pub struct Broken {
    /// The seq the entry should have (its 0-based position).
    pub seq: u64,
    /// Its 1-based line.
    pub line: u64,
    /// What is wrong.
    pub reason: String,
}

/// Checks every entry of a log in order; returns the entries and the head hash.
pub fn verify(bytes: &[u8]) -> Result<(Vec<Map<String, Value>>, String), Broken> {
    let mut head = GENESIS.to_owned();
    let mut entries = Vec::new();
    let text = std::str::from_utf8(bytes).map_err(|e| Broken { seq: 0, line: 1, reason: format!("not UTF-8: {e}") })?;
    for (k, line) in text.split_terminator('\n').enumerate() {
        let broken = |reason: String| Broken { seq: k as u64, line: k as u64 + 1, reason };
        let entry: Map<String, Value> =
            serde_json::from_str(line).map_err(|e| broken(format!("not a JSON object: {e}")))?;
        if entry.get("seq").and_then(Value::as_u64) != Some(k as u64) {
            return Err(broken(format!(
                "seq is {}, expected {k} (an entry was removed, added or moved)",
                entry["seq"]
            )));
        }
        if entry.get("prev_hash").and_then(Value::as_str) != Some(head.as_str()) {
            return Err(broken("prev_hash is not the hash of the entry before it".into()));
        }
        let value = Value::Object(entry);
        let stated = value.get("hash").and_then(Value::as_str).unwrap_or("").to_owned();
        let actual = entry_hash(&value).map_err(|e| broken(e.to_string()))?;
        if stated != actual {
            return Err(broken(format!("hash {stated:?} does not match the entry's content ({actual})")));
        }
        if canonical_value(&value).ok().as_deref() != Some(line.as_bytes()) {
            return Err(broken("not in RFC 8785 canonical form".into()));
        }
        head = actual;
        if let Value::Object(entry) = value {
            entries.push(entry);
        }
    }
    Ok((entries, head))
}

/// Which entries `scoreset audit` prints.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this publisher's entries.
    pub publisher: Option<String>,
    /// Only entries at or after this instant (unix ms).
    pub from_ms: Option<i64>,
    /// Only entries at or before this instant.
    pub to_ms: Option<i64>,
}

impl AuditFilter {
    /// Whether `entry` passes.
    pub fn matches(&self, entry: &Map<String, Value>) -> bool {
        let at = entry.get("timestamp").and_then(Value::as_str).and_then(parse_time_ms);
        self.publisher.as_deref().is_none_or(|p| entry.get("publisher").and_then(Value::as_str) == Some(p))
            && self.from_ms.is_none_or(|from| at.is_some_and(|t| t >= from))
            && self.to_ms.is_none_or(|to| at.is_some_and(|t| t <= to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::publishers::EventCode;

    fn events(n: usize) -> Vec<AuditEvent> {
        (0..n)
            .map(|k| AuditEvent {
                at_ms: 1_700_000_000_000 + k as i64,
                publisher: format!("p{}", k % 2),
                code: EventCode::ReputationSignalIngested,
                trace_id: format!("s{k}"),
                payload: json!({"k": k}),
            })
            .collect()
    }

    fn lines(chain: &Chain) -> Vec<String> {
        String::from_utf8(chain.bytes.clone()).unwrap().lines().map(str::to_owned).collect()
    }

    fn join(lines: &[String]) -> Vec<u8> {
        lines.iter().map(|l| format!("{l}\n")).collect::<String>().into_bytes()
    }

    #[test]
    fn a_built_chain_verifies_and_ends_at_its_head() {
        let chain = chain(&events(5)).unwrap();
        let (entries, head) = verify(&chain.bytes).unwrap();
        assert_eq!((entries.len(), head.as_str()), (5, chain.head.as_str()));
        assert_eq!(entries[0]["prev_hash"], GENESIS);
        assert_eq!(verify(b"").unwrap().1, GENESIS);
    }

    #[test]
    fn editing_deleting_or_reordering_is_caught_at_that_entry() {
        let chain = chain(&events(6)).unwrap();
        let original = lines(&chain);
        for k in 0..6 {
            let mut edited = original.clone();
            edited[k] = edited[k].replace(&format!("\"k\":{k}"), "\"k\":99");
            assert_eq!(verify(&join(&edited)).unwrap_err().seq, k as u64, "edit {k}");
            let mut deleted = original.clone();
            deleted.remove(k);
            if k < 5 {
                assert_eq!(verify(&join(&deleted)).unwrap_err().seq, k as u64, "delete {k}");
            } else {
                assert_ne!(verify(&join(&deleted)).unwrap().1, chain.head, "cut tail changes the head");
            }
        }
        for k in 0..5 {
            let mut swapped = original.clone();
            swapped.swap(k, k + 1);
            assert_eq!(verify(&join(&swapped)).unwrap_err().seq, k as u64, "swap {k}");
        }
    }
}
