//! The record tables of the publisher, compromised-credential and patch
//! models (`ingest::records`, `ingest::patches`), as CSV (header, quoting)
//! or JSON lines. The first byte picks the table (low 3 bits) and the
//! format (bit 3: JSON lines; candidate patches are JSON lines always);
//! the rest is the file. Then:
//! - kept + rejected = records (and rejects filed = rejected);
//! - JSON lines: records = non-blank lines, and the file is never refused whole;
//! - every kept record passes the table's checks (ranges, dates in order, …);
//! - a credential hash is never echoed in a reject (JSON lines).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::ingest::records::{self, Outcome};
use scoreset::ingest::table::Located;
use scoreset::ingest::{InputStats, Reject, patches};
use scoreset_fuzz::{LIMIT, check_rejects, record_lines, split_first, write_scratch};
use std::path::Path;

type Read<T> = fn(&Path, &str, u64, &mut Vec<Reject>) -> scoreset::Result<(InputStats, Vec<Located<T>>)>;

/// Reads the table, checks the counts and each kept record; returns the rejects if the file was read.
fn table<T>(path: &Path, jsonl: bool, lines: usize, read: Read<T>, check: impl Fn(&T)) -> Option<Vec<Reject>> {
    let mut rejects = Vec::new();
    let (stats, kept) = match read(path, "t", LIMIT, &mut rejects) {
        Ok(read) => read,
        // A CSV file whose header names an unknown column (or is unreadable) is refused whole.
        Err(e) => {
            assert!(!jsonl, "a JSON-lines table was refused whole: {e}");
            assert!(rejects.is_empty(), "a table refused whole still filed rejects");
            return None;
        }
    };
    assert_eq!(stats.rejected as usize, rejects.len(), "rejected count = rejects filed");
    assert_eq!(kept.len() as u64 + stats.rejected, stats.records, "kept + rejected = records");
    if jsonl {
        assert_eq!(stats.records as usize, lines, "records = non-blank lines");
    }
    assert!(stats.digest.is_some(), "a table is pinned");
    check_rejects(&rejects, "t");
    for located in &kept {
        check(&located.record);
    }
    Some(rejects)
}

fn ordered(first: i64, later: Option<i64>) -> bool {
    later.is_none_or(|t| t >= first)
}

fn is_sha256_hex(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    let (selector, file) = split_first(data);
    let kind = selector & 7;
    let jsonl = selector & 8 == 8 || kind == 7;
    let path = write_scratch(if jsonl { "t.jsonl" } else { "t.csv" }, file);
    let lines = record_lines(file, false).len();
    let rejects = match kind {
        0 => table(&path, jsonl, lines, records::read_signals, |s| {
            assert!(!s.id.is_empty() && !s.publisher.is_empty(), "signal without id or publisher");
            assert!(s.weight.is_none_or(f64::is_finite), "non-finite signal weight");
        }),
        1 => table(&path, jsonl, lines, records::read_investigations, |i| {
            assert!(i.closed_ms.is_none_or(|c| c > i.opened_ms), "investigation closed before it opened");
        }),
        2 => table(&path, jsonl, lines, records::read_vouches, |v| {
            assert_ne!(v.voucher, v.vouchee, "self-vouch kept");
            assert!(v.weight.is_finite() && v.weight > 0.0, "vouch weight {} kept", v.weight);
        }),
        3 => table(&path, jsonl, lines, records::read_reports, |r| {
            assert!((0.0..=1.0).contains(&r.confidence), "confidence {} kept", r.confidence);
            assert!(is_sha256_hex(&r.credential), "credential hash not normalised");
        }),
        4 => table(&path, jsonl, lines, records::read_verifications, |v| {
            assert!(matches!(v.outcome, Outcome::Confirmed | Outcome::Refuted));
            assert!(!v.report.is_empty(), "verification without a report id");
        }),
        5 => table(&path, jsonl, lines, records::read_disputes, |d| {
            assert!(is_sha256_hex(&d.credential), "credential hash not normalised");
            assert_eq!(d.resolution.is_some(), d.resolved_ms.is_some(), "resolution without its date, or the reverse");
            assert!(ordered(d.opened_ms, d.resolved_ms), "dispute resolved before it opened");
            assert!(d.reports.iter().all(|r| !r.is_empty() && !r.contains(';')), "empty or unsplit report id");
        }),
        6 => table(&path, jsonl, lines, patches::read_issues, |i| {
            assert!(ordered(i.reported_ms, i.acknowledged_ms) && ordered(i.reported_ms, i.resolved_ms));
        }),
        _ => table(&path, true, lines, patches::read_patches, |p| {
            assert!(!p.patch_id.trim().is_empty() && !p.author.trim().is_empty(), "patch without id or author");
            for v in [p.coverage, p.static_analysis].into_iter().flatten() {
                assert!((0.0..=1.0).contains(&v), "coverage or static analysis {v} kept");
            }
            assert!(p.ratings.iter().all(|r| (1.0..=5.0).contains(r)), "rating outside 1..5 kept");
        }),
    };

    // The hash column of IdP reports and disputes is never echoed: a hash-like
    // value that appears once in the file appears in no reject.
    if let (Some(rejects), 3 | 5, true) = (&rejects, kind, jsonl) {
        let whole = String::from_utf8_lossy(file);
        for (_, line) in record_lines(file, false) {
            let Ok(text) = std::str::from_utf8(line) else { continue };
            let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) else { continue };
            let Some(serde_json::Value::String(hash)) = map.get("credential_hash") else { continue };
            // (Long, mixed letters and digits: no column name or message holds it by chance.)
            let hash_like = hash.len() >= 16
                && hash.bytes().all(|b| b.is_ascii_alphanumeric())
                && hash.bytes().any(|b| b.is_ascii_digit())
                && hash.bytes().any(|b| b.is_ascii_alphabetic());
            if !hash_like || whole.matches(hash.as_str()).count() != 1 {
                continue;
            }
            for r in rejects {
                assert!(
                    !r.raw.contains(hash.as_str()) && !r.detail.contains(hash.as_str()),
                    "a credential hash was echoed in a reject: {r:?}"
                );
            }
        }
    }
});
