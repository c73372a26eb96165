//! The publisher model: signal, investigation and vouch tables → replayed
//! reputation with its audit chain ([`audit`]) → vouch EigenTrust → publisher files.

pub mod audit;
mod reputation;

pub use reputation::*;

use super::ComputedEpoch;
use crate::as_of::AsOf;
use crate::compute::{PowerIteration, Vouching, vouching};
use crate::config::{LoadedPipeline, PublisherSpec};
use crate::error::{Error, Result};
use crate::ingest::RejectReason;
use crate::ingest::records;
use crate::ingest::table::{self, Origin};
use crate::numeric::es6_number;
use crate::scoreset::manifest::EIGENTRUST;
use crate::scoreset::{csv_file, jsonl_file};
use audit::AUDIT;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The algorithm identifiers of a publisher epoch.
pub(super) const ALGORITHMS: &[(&str, &str)] = &[
    (
        "reputation",
        "publisher reputation (DESIGN 6.1): signal weights clamped to [0, 100], whole-day decay toward the baseline with fractions carried, frozen while investigated",
    ),
    ("auditLog", "SHA-256 over the RFC 8785 form of each entry without its hash, chained by prev_hash"),
    ("vouching", EIGENTRUST),
];

/// What a publisher epoch computed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublisherCounts {
    /// Publishers scored.
    pub publishers: u64,
    /// Publishers per tier.
    pub by_tier: BTreeMap<Tier, u64>,
    /// Signals applied.
    pub signals_applied: u64,
    /// Signals refused because their publisher was frozen.
    pub signals_refused: u64,
    /// Signals and investigation events dated after `as_of`.
    pub after_as_of: u64,
    /// Entries of `audit.jsonl`.
    pub audit_entries: u64,
    /// Hash of its last entry.
    pub audit_head: String,
    /// Distinct vouches in force.
    pub vouches: u64,
    /// EigenTrust iterations over the vouch graph (0 without vouches).
    pub vouch_iterations: u32,
}

impl super::Report for PublisherCounts {
    fn algorithms(&self) -> std::collections::BTreeMap<String, String> {
        crate::scoreset::manifest::algorithms(ALGORITHMS)
    }

    fn counts(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn summary_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let tiers: Vec<String> = self.by_tier.iter().map(|(t, n)| format!("{t:?} {n}")).collect();
        lines.push(format!("{:<11} {} publishers: {}", "publishers", self.publishers, tiers.join(", ")));
        lines.push(format!(
            "{:<11} {} applied, {} refused while frozen, {} after as_of",
            "signals", self.signals_applied, self.signals_refused, self.after_as_of
        ));
        lines.push(format!("{:<11} {} entries, head {}", "audit", self.audit_entries, self.audit_head));
        if self.vouches > 0 {
            lines.push(format!(
                "{:<11} {} vouches, EigenTrust in {} iterations",
                "vouching", self.vouches, self.vouch_iterations
            ));
        }
        lines
    }
}

/// One line of `publisher_scores.jsonl`.
#[derive(Serialize)]
struct PublisherLine<'a> {
    #[serde(flatten)]
    publisher: &'a Publisher,
    policy: TierPolicy,
    recovery: &'static [&'static str],
    /// EigenTrust score in the vouch graph; `null` without vouches.
    vouch_trust: Option<f64>,
    as_of: &'a str,
}

/// The model itself is its `[publishers]` table.
impl super::Model for PublisherSpec {
    fn id(&self) -> &'static str {
        crate::config::Model::Publishers.id()
    }

    fn parameters(&self, loaded: &LoadedPipeline) -> Result<serde_json::Value> {
        manifest_parameters(loaded, self)
    }

    fn compute(&self, loaded: &LoadedPipeline, as_of: &AsOf, _kernel: &dyn PowerIteration) -> Result<ComputedEpoch> {
        compute(loaded, self, as_of)
    }
}

/// The parameters recorded in the manifest.
fn manifest_parameters(loaded: &LoadedPipeline, spec: &PublisherSpec) -> Result<serde_json::Value> {
    let params = spec.params().map_err(|message| Error::Config { path: loaded.file.clone(), message })?;
    let e = &loaded.pipeline.eigentrust;
    Ok(json!({
        "start": params.start,
        "baseline": params.baseline,
        "decayRate": params.decay_rate,
        "weights": params.weights,
        "vouching": {"alpha": e.alpha.0, "epsilon": e.epsilon.map(|x| x.0), "maxIterations": e.max_iterations.get(),
                     "pretrust": "publishers in tier Trusted at as_of (uniform if none)"},
        "strict": loaded.pipeline.strict,
    }))
}

/// Reads the tables, replays every publisher, runs the vouch graph and renders the files.
fn compute(loaded: &LoadedPipeline, spec: &PublisherSpec, as_of: &AsOf) -> Result<ComputedEpoch> {
    let params = spec.params().map_err(|message| Error::Config { path: loaded.file.clone(), message })?;
    let mut tables = super::Tables::default();
    let (signal_input, signals) =
        tables.read_unique(loaded, &spec.signals, records::read_signals, |s| &s.id, "signal_id")?;
    let investigations = match &spec.investigations {
        Some(path) => tables.read_unique(loaded, path, records::read_investigations, |i| &i.id, "investigation_id")?.1,
        None => Vec::new(),
    };
    let vouches = match &spec.vouches {
        Some(path) => tables.read(loaded, path, records::read_vouches)?.1,
        None => Vec::new(),
    };

    let as_of_ms = as_of.unix_ms();
    let (signals, signal_origins) = table::split(signals);
    let replay = reputation::replay(&signals, &table::split(investigations).0, &params, as_of_ms);
    for (k, blocker) in &replay.refused {
        let detail = format!(
            "publisher {:?} is frozen by investigation {blocker:?}: the signal is refused, not applied",
            signals[*k].publisher
        );
        let Origin { position, raw } = signal_origins[*k].clone();
        tables.refuse(signal_input, position, raw, RejectReason::Frozen, detail);
    }

    let ids: Vec<&str> = replay.publishers.iter().map(|p| p.publisher.as_str()).collect();
    let trusted: Vec<&str> =
        replay.publishers.iter().filter(|p| p.tier == Tier::Trusted).map(|p| p.publisher.as_str()).collect();
    let in_force = table::split(vouches).0;
    let Vouching { trust: vouch_trust, vouches: vouch_count, iterations: vouch_iterations } =
        vouching(&ids, &in_force, &trusted, &loaded.pipeline.eigentrust, as_of_ms)?;
    let chain = audit::chain(&replay.events).map_err(|e| Error::Write { path: AUDIT.into(), source: e.into() })?;
    let as_of_text = as_of.rfc3339();
    let lines = replay.publishers.iter().map(|p| PublisherLine {
        publisher: p,
        policy: p.tier.policy(),
        recovery: p.tier.recovery(),
        vouch_trust: vouch_trust.get(&p.publisher).copied(),
        as_of: &as_of_text,
    });
    let scores = jsonl_file("publisher_scores.jsonl", lines)?;
    let rows = replay.publishers.iter().map(|p| {
        let vouch = vouch_trust.get(&p.publisher).map_or(String::new(), |&t| es6_number(t));
        vec![p.publisher.clone(), es6_number(p.score), format!("{:?}", p.tier), vouch, p.frozen_by.join(";")]
    });
    let csv = csv_file("publisher_scores.csv", &["publisher", "score", "tier", "vouch_trust", "frozen_by"], rows)?;

    let mut by_tier = BTreeMap::new();
    for p in &replay.publishers {
        *by_tier.entry(p.tier).or_insert(0) += 1;
    }
    let counts = PublisherCounts {
        publishers: replay.publishers.len() as u64,
        by_tier,
        signals_applied: replay.publishers.iter().map(|p| p.signals_applied).sum(),
        signals_refused: replay.publishers.iter().map(|p| p.signals_refused).sum(),
        after_as_of: replay.after_as_of,
        audit_entries: chain.entries,
        audit_head: chain.head,
        vouches: vouch_count,
        vouch_iterations,
    };
    let files = vec![
        scores,
        csv,
        crate::scoreset::EpochFile::new(AUDIT, chain.bytes),
        jsonl_file(crate::scoreset::REJECTED, &tables.rejects)?,
    ];
    Ok(ComputedEpoch::new(files, tables.stats, &tables.rejects, counts))
}
