//! Seeded samples of the reputation models: a publisher history
//! (`data/publishers/`) and IdP reports of compromised credentials
//! (`data/credentials/`), each with a few records planted to be rejected.

use crate::as_of::format_ms;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The `as_of` both samples are made for.
pub const REPUTATION_AS_OF: &str = "2026-11-01T00:00:00Z";
const AS_OF_MS: i64 = 1_793_491_200_000;
const DAY_MS: i64 = 86_400_000;

/// Files of a generated sample and the rejects planted in them.
#[derive(Debug, Clone, Default)]
pub struct TableSample {
    /// File name → contents.
    pub files: Vec<(&'static str, String)>,
    /// How many records were made to be rejected, per reason code.
    pub expected_rejects: BTreeMap<&'static str, u64>,
}

/// A publisher history over two years before [`REPUTATION_AS_OF`]: steady
/// publishers, careless ones, one whose record declines, investigations
/// (closed and one still open), vouches, and planted rejects.
pub fn publishers(count: usize, seed: u64) -> TableSample {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let kinds_good = [
        "provenance_consistency",
        "vulnerability_response_time",
        "extension_quality",
        "certification_adherence",
        "community_report",
    ];
    let kinds_bad = ["revocation_event", "certification_lapse", "quarantine_event"];
    let start = AS_OF_MS - 730 * DAY_MS;
    let mut signals = vec!["signal_id,publisher,kind,timestamp,weight,evidence".to_owned()];
    let mut investigations = vec!["publisher,investigation_id,opened_at,closed_at,outcome".to_owned()];
    let mut vouches = vec!["voucher,vouchee,timestamp,weight".to_owned()];
    let mut windows: Vec<(String, i64, i64)> = Vec::new();
    let mut next = 0;
    let mut dated: Vec<(String, i64)> = Vec::new();
    let mut signal = |rows: &mut Vec<String>, publisher: &str, kind: &str, at: i64, rng: &mut ChaCha8Rng| {
        next += 1;
        dated.push((publisher.to_owned(), at));
        let evidence = if rng.random_bool(0.3) {
            format!("\"https://example.org/evidence/{next}, ticket {next}\"")
        } else {
            String::new()
        };
        rows.push(format!("s{next:05},{publisher},{kind},{},,{evidence}", format_ms(at)));
    };
    for p in 0..count {
        let publisher = format!("pub-{p:03}");
        // Profile: 0 steady, 1 careless, 2 declining, 3 quiet.
        let profile = p % 4;
        let events = rng.random_range(6..30);
        for _ in 0..events {
            let at = start + rng.random_range(0..730 * DAY_MS);
            let bad_share = match profile {
                0 => 0.05,
                1 => 0.5,
                2 if at > AS_OF_MS - 180 * DAY_MS => 0.8,
                _ => 0.15,
            };
            let kind = if rng.random_bool(bad_share) {
                kinds_bad[rng.random_range(0..kinds_bad.len())]
            } else {
                kinds_good[rng.random_range(0..kinds_good.len())]
            };
            signal(&mut signals, &publisher, kind, at, &mut rng);
        }
        if profile == 1 && p % 8 == 1 {
            let opened = start + rng.random_range(100..600) * DAY_MS;
            let closed = opened + rng.random_range(5..60) * DAY_MS;
            investigations.push(format!("{publisher},inv-{p:03},{},{},cleared", format_ms(opened), format_ms(closed)));
            windows.push((publisher.clone(), opened, closed));
            signal(&mut signals, &publisher, "quarantine_resolution", closed + DAY_MS, &mut rng);
        }
        if profile == 0 {
            for _ in 0..3 {
                let other = rng.random_range(0..count);
                if other != p {
                    let at = start + rng.random_range(0..700 * DAY_MS);
                    vouches.push(format!("{publisher},pub-{other:03},{},1", format_ms(at)));
                }
            }
        }
    }
    // One investigation still open at as_of: that publisher's later signals are refused.
    let opened = AS_OF_MS - 20 * DAY_MS;
    investigations.push(format!("pub-005,inv-open,{},,", format_ms(opened)));
    signal(&mut signals, "pub-005", "extension_quality", opened + 5 * DAY_MS, &mut rng);
    // Planted rejects.
    signals.push(format!("s90001,pub-001,vouch,{},,", format_ms(start))); // unknown_kind
    signals.push(format!("s90002,pub-001,community_report,{},NaN,", format_ms(start))); // non_finite
    signals.push("s90003,pub-001,community_report,last tuesday,,".to_owned()); // bad_date
    let copy = signals[1].clone();
    signals.push(copy); // duplicate_id (an identical re-delivery)
    windows.push(("pub-005".into(), opened, i64::MAX));
    // A signal strictly inside an investigation is refused (at its opening instant it still counts).
    let frozen =
        dated.iter().filter(|(p, at)| windows.iter().any(|(q, o, c)| p == q && at > o && at < c)).count() as u64;
    let expected = BTreeMap::from([
        ("unknown_kind", 1),
        ("non_finite", 1),
        ("bad_date", 1),
        ("duplicate_id", 1),
        ("frozen", frozen),
    ]);
    let join = |rows: Vec<String>| rows.join("\n") + "\n";
    TableSample {
        files: vec![
            ("signals.csv", join(signals)),
            ("investigations.csv", join(investigations)),
            ("vouches.csv", join(vouches)),
        ],
        expected_rejects: expected,
    }
}

/// The SHA-256 (hex) standing for the `k`-th credential.
pub fn credential_hash(k: usize) -> String {
    hex::encode(Sha256::digest(format!("credential-{k}")))
}

/// IdP reports about `credentials` credential hashes from twelve IdPs of
/// varying accuracy (a report is true with its IdP's accuracy), verifications
/// of about half the reports, disputes (cleared, upheld, open), and planted rejects —
/// among them a plain password where a hash belongs, never to be echoed.
pub fn credentials(credentials: usize, seed: u64) -> TableSample {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let accuracy = [0.98, 0.95, 0.9, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.3, 0.2, 0.1];
    let mut reports = vec!["report_id,credential_hash,idp,confidence,source,timestamp".to_owned()];
    let mut verifications = vec!["report_id,outcome,verified_at".to_owned()];
    let mut disputes = vec!["credential_hash,opened_by,opened_at,resolution,resolved_at,report_ids".to_owned()];
    // A third of the credentials are compromised; an IdP's report is true
    // (about a compromised credential) with the IdP's accuracy.
    let compromised: Vec<bool> = (0..credentials).map(|_| rng.random_bool(0.3)).collect();
    let (bad, clean): (Vec<usize>, Vec<usize>) = (0..credentials).partition(|&k| compromised[k]);
    let mut reported = vec![false; credentials];
    for next in 1..=credentials.max(1) {
        let idp = rng.random_range(0..accuracy.len());
        let pool = if rng.random_bool(accuracy[idp]) && !bad.is_empty() { &bad } else { &clean };
        let Some(&k) = pool.get(rng.random_range(0..pool.len().max(1))) else { continue };
        reported[k] = true;
        let at = AS_OF_MS - rng.random_range(1..365) * DAY_MS;
        let confidence = [0.5, 0.7, 0.9, 1.0][rng.random_range(0..4)];
        let source = ["breach-corpus", "phishing-kit", "paste-site", "malware-log"][rng.random_range(0..4)];
        reports.push(format!("r{next:06},{},idp-{idp:02},{confidence},{source},{}", credential_hash(k), format_ms(at)));
        if rng.random_bool(0.5) {
            let outcome = if compromised[k] { "confirmed" } else { "refuted" };
            let verified = (at + rng.random_range(1..30) * DAY_MS).min(AS_OF_MS);
            verifications.push(format!("r{next:06},{outcome},{}", format_ms(verified)));
        }
    }
    for k in (0..credentials).filter(|&k| reported[k] && k % 40 == 0) {
        let opened = AS_OF_MS - rng.random_range(10..60) * DAY_MS;
        let resolved = format_ms(opened + 5 * DAY_MS);
        let (resolution, when) = match k % 120 {
            0 => ("cleared", resolved),
            40 => ("upheld", resolved),
            _ => ("", String::new()),
        };
        disputes.push(format!("{},holder-{k},{},{resolution},{when},", credential_hash(k), format_ms(opened)));
    }
    // Planted rejects.
    let at = format_ms(AS_OF_MS - DAY_MS);
    reports.push(format!("r900001,hunter2-correct-horse,idp-00,0.9,paste-site,{at}")); // bad_hash: a plain password
    reports.push(format!("r900002,{},idp-00,0.9,paste-site,{at}", &credential_hash(0)[..63])); // bad_hash
    reports.push(format!("r900003,{},idp-01,1.5,paste-site,{at}", credential_hash(1))); // level_out_of_range
    let copy = reports[1].clone();
    reports.push(copy); // duplicate_id
    verifications.push(format!("r999999,confirmed,{at}")); // unknown_reference
    let expected =
        BTreeMap::from([("bad_hash", 2), ("level_out_of_range", 1), ("duplicate_id", 1), ("unknown_reference", 1)]);
    let join = |rows: Vec<String>| rows.join("\n") + "\n";
    TableSample {
        files: vec![
            ("reports.csv", join(reports)),
            ("verifications.csv", join(verifications)),
            ("disputes.csv", join(disputes)),
        ],
        expected_rejects: expected,
    }
}
