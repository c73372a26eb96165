//! The patch model: candidate patches, the patch-history database, issues and
//! vouches → author reputation, patch quality, provenance → policy decisions.

mod cohort;
mod policy;
mod provenance;
mod reputation;

pub use cohort::*;
pub use policy::*;
pub use provenance::*;
pub use reputation::*;

use super::ComputedEpoch;
use crate::as_of::AsOf;
use crate::compute::PowerIteration;
use crate::config::{LoadedPipeline, PatchSpec};
use crate::error::{Error, Result};
use crate::ingest::patches::{self, Severity};
use crate::ingest::{RejectReason, SourceFormat, records, table};
use crate::scoreset::{REJECTED, jsonl_file};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The algorithm identifiers of a patches epoch.
pub(super) const ALGORITHMS: &[(&str, &str)] = &[
    (
        "provenance",
        "chain of author, build_environment, test_results, build_process links; hash = SHA-256 of JCS {kind, data, prev}",
    ),
    (
        "authorReputation",
        "weighted mean of the present components (success_rate, issue_rate, severity, acknowledge, resolve, vouching)",
    ),
    ("quality", "weighted mean of the present components (coverage, static_analysis, feedback)"),
    ("policy", "provenance check, then the first rule whose conditions all hold; default approve"),
    (
        "cohort",
        "bucket = first 8 bytes of SHA-256(patch 0x00 target), big-endian, mod 10000; in cohort iff bucket < percent x 100",
    ),
];

/// What a patches epoch computed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchCounts {
    /// Patches decided.
    pub patches: u64,
    /// Decisions per action.
    pub decisions: BTreeMap<String, u64>,
    /// Authors scored.
    pub authors: u64,
    /// Applications in the history database.
    pub applications: u64,
    /// Distinct targets in it.
    pub targets: u64,
}

/// One line of `patch_decisions.jsonl`.
#[derive(Serialize)]
struct DecisionLine<'a> {
    patch_id: &'a str,
    author: &'a str,
    decision: &'static str,
    rule: String,
    reason: String,
    values: Values,
    #[serde(skip_serializing_if = "Option::is_none")]
    cohort: Option<Cohort>,
    as_of: &'a str,
}

#[derive(Serialize)]
struct Values {
    author_reputation: Option<f64>,
    reputation_drop: BTreeMap<String, Option<f64>>,
    quality: Option<f64>,
    quality_components: Components,
    severity: Severity,
    provenance: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    provenance_hash: Option<String>,
}

#[derive(Serialize)]
struct Cohort {
    percent: f64,
    targets: Vec<String>,
    of: usize,
}

impl super::Report for PatchCounts {
    fn algorithms(&self) -> std::collections::BTreeMap<String, String> {
        crate::scoreset::manifest::algorithms(ALGORITHMS)
    }

    fn counts(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn summary_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let decisions: Vec<String> = self.decisions.iter().map(|(d, n)| format!("{d} {n}")).collect();
        lines.push(format!("{:<11} {} patches: {}", "patches", self.patches, decisions.join(", ")));
        lines.push(format!(
            "{:<11} {} authors; {} applications on {} targets",
            "history", self.authors, self.applications, self.targets
        ));
        lines
    }
}

/// The model itself is its `[patches]` table.
impl super::Model for PatchSpec {
    fn id(&self) -> &'static str {
        crate::config::Model::Patches.id()
    }

    fn parameters(&self, loaded: &LoadedPipeline) -> Result<serde_json::Value> {
        manifest_parameters(loaded, self)
    }

    fn compute(&self, loaded: &LoadedPipeline, as_of: &AsOf, _kernel: &dyn PowerIteration) -> Result<ComputedEpoch> {
        compute(loaded, self, as_of)
    }
}

/// The parameters recorded in the manifest.
fn manifest_parameters(loaded: &LoadedPipeline, spec: &PatchSpec) -> Result<serde_json::Value> {
    let params = spec.reputation_params(&loaded.pipeline.eigentrust);
    Ok(json!({
        "reputationWeights": params.weights,
        "severityWeights": params.severity,
        "qualityWeights": spec.quality_weights,
        "acknowledgeTargetHours": params.acknowledge_target_hours,
        "resolveTargetHours": params.resolve_target_hours,
        "maintainers": params.maintainers,
        "rules": spec.rules,
        "strict": loaded.pipeline.strict,
    }))
}

/// Reads the inputs, scores authors and patches and decides each patch.
fn compute(loaded: &LoadedPipeline, spec: &PatchSpec, as_of: &AsOf) -> Result<ComputedEpoch> {
    let mut tables = super::Tables::default();
    let (_, located) = tables.read_unique(loaded, &spec.patches, patches::read_patches, |p| &p.patch_id, "patch_id")?;
    let candidates = table::split(located).0;

    let history_path = spec
        .history
        .as_ref()
        .or_else(|| {
            let sources = loaded.pipeline.sources.iter();
            sources.filter(|s| s.format == SourceFormat::PatchHistory).map(|s| &s.path).next()
        })
        .ok_or_else(|| Error::Config {
            path: loaded.file.clone(),
            message: "model = \"patches\" needs a patch-history database".into(),
        })?;
    let (stats, applications) =
        patches::read_history(&loaded.local_path(history_path), &history_path.display().to_string())?;
    tables.stats.push(stats);

    let known: BTreeSet<&str> = candidates.iter().map(|p| p.patch_id.as_str()).collect();
    let mut issues = Vec::new();
    if let Some(path) = &spec.issues {
        let (input, read) = tables.read_unique(loaded, path, patches::read_issues, |i| &i.id, "issue_id")?;
        for issue in read {
            if known.contains(issue.record.patch.as_str()) {
                issues.push(issue.record);
            } else {
                let detail = format!("patch_id {:?} names no accepted patch", issue.record.patch);
                tables.refuse(input, issue.position, issue.raw, RejectReason::UnknownReference, detail);
            }
        }
    }
    let vouches = match &spec.vouches {
        Some(path) => table::split(tables.read(loaded, path, records::read_vouches)?.1).0,
        None => Vec::new(),
    };

    let params = spec.reputation_params(&loaded.pipeline.eigentrust);
    let as_of_ms = as_of.unix_ms();
    let now = author_reputations(&candidates, &applications, &issues, &vouches, &params, as_of_ms)?;
    // Each distinct window (by its key) once, with its length in days.
    let windows: BTreeMap<String, f64> =
        spec.rules.iter().filter_map(|r| r.when.window_days).map(|days| (window_key(days), days)).collect();
    let mut past: BTreeMap<String, Vec<AuthorReputation>> = BTreeMap::new();
    for (key, &days) in &windows {
        let then = as_of_ms - (days * 86_400_000.0).round() as i64;
        past.insert(key.clone(), author_reputations(&candidates, &applications, &issues, &vouches, &params, then)?);
    }
    let reputation_of =
        |list: &[AuthorReputation], author: &str| list.iter().find(|a| a.author == author).and_then(|a| a.reputation);

    let targets: Vec<String> =
        applications.iter().map(|a| a.target.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let as_of_text = as_of.rfc3339();
    let mut counts = PatchCounts {
        patches: candidates.len() as u64,
        decisions: BTreeMap::new(),
        authors: now.len() as u64,
        applications: applications.len() as u64,
        targets: targets.len() as u64,
    };
    let mut order: Vec<&patches::Patch> = candidates.iter().collect();
    order.sort_by(|a, b| a.patch_id.cmp(&b.patch_id));
    let mut lines = Vec::new();
    for patch in order {
        let current = reputation_of(&now, &patch.author);
        let drops: BTreeMap<String, Option<f64>> = past
            .iter()
            .map(|(key, list)| (key.clone(), reputation_of(list, &patch.author).zip(current).map(|(a, b)| a - b)))
            .collect();
        let (quality_score, quality_components) = quality(patch, &spec.quality_weights);
        let facts = Facts {
            author_reputation: current,
            reputation_drop: drops,
            quality: quality_score,
            severity: patch.severity,
            provenance: verify_chain(&patch.provenance, &patch.author),
        };
        let verdict = decide(&facts, &spec.rules);
        let decision = match verdict.action {
            Action::Approve => "approved",
            Action::Reject => "rejected",
            Action::Quarantine => "quarantined",
            Action::Rollout => "rollout",
        };
        *counts.decisions.entry(decision.to_owned()).or_insert(0) += 1;
        let cohort = verdict.percent.map(|percent| Cohort {
            percent,
            targets: targets.iter().filter(|t| in_cohort(&patch.patch_id, t, percent)).cloned().collect(),
            of: targets.len(),
        });
        let provenance = facts.provenance.as_ref().map_or_else(Clone::clone, |_| "verified".to_owned());
        lines.push(DecisionLine {
            patch_id: &patch.patch_id,
            author: &patch.author,
            decision,
            rule: verdict.rule,
            reason: verdict.reason,
            values: Values {
                author_reputation: facts.author_reputation,
                quality: facts.quality,
                quality_components,
                severity: facts.severity,
                provenance_hash: facts.provenance.ok(),
                provenance,
                reputation_drop: facts.reputation_drop,
            },
            cohort,
            as_of: &as_of_text,
        });
    }
    let files = vec![
        jsonl_file("patch_decisions.jsonl", &lines)?,
        jsonl_file("author_reputation.jsonl", &now)?,
        jsonl_file(REJECTED, &tables.rejects)?,
    ];
    Ok(ComputedEpoch::new(files, tables.stats, &tables.rejects, counts))
}
