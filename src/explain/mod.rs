//! `scoreset explain`: why an epoch gives a peer, an artifact, a publisher,
//! a patch or a credential hash the score it does.
//!
//! The epoch is verified first (signature, hashes, CAR). A trust epoch holds
//! T⁺ and T but not the graph they follow from, so its pipeline is re-run on
//! the recorded inputs exactly as `verify --recompute` does ([`recorded_run`]),
//! through the model's one computation ([`compute_with`]), and the re-run
//! must reproduce the epoch's files byte for byte before anything is
//! explained: an explanation is always of the numbers the epoch holds. The
//! table models (publishers, credentials, patches) record their signals and
//! rules in their files; those rows are shown as they are.

pub mod artifact;
pub mod peer;

use crate::error::{Error, Result};
use crate::ingest::identity::normalise_artifact;
use crate::models::trust::compute_with;
use crate::verify::{VerifyOptions, check_recomputed, recorded_run, verify_epoch};
pub use artifact::ArtifactExplanation;
pub use peer::PeerExplanation;
use serde::Serialize;
use std::path::Path;

/// What `explain` is asked.
#[derive(Debug, Clone, Default)]
pub struct ExplainOptions {
    /// The scope (default: the pipeline's first; artifacts are explained in the sentiment scope).
    pub scope: Option<String>,
    /// How many contributions to list before grouping the rest (default 10).
    pub top: Option<usize>,
    /// How to find the recorded inputs (base folder, input cache, …).
    pub verify: VerifyOptions,
}

/// An explanation.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Explanation {
    /// A peer's trust score.
    Peer(PeerExplanation),
    /// An artifact version's badge (one per version when none was named).
    Artifact {
        /// One per matching artifact version.
        versions: Vec<ArtifactExplanation>,
    },
    /// The rows of a table model's files that name the id.
    Rows {
        /// The model.
        model: String,
        /// The id asked about.
        id: String,
        /// (file, line number, the row as written), in file order.
        rows: Vec<(String, usize, String)>,
    },
}

/// An explanation with how it was obtained.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    /// The epoch's `asOf`.
    pub as_of: String,
    /// How the numbers were obtained (verified; recomputed from which inputs).
    pub provenance: Vec<String>,
    /// The explanation.
    pub explanation: Explanation,
}

/// Explains `id` in the epoch at `epoch`.
pub fn explain(epoch: &Path, id: &str, options: &ExplainOptions) -> Result<Explained> {
    let verify = VerifyOptions { recompute: false, ..options.verify.clone() };
    let report = verify_epoch(epoch, &verify)?;
    let manifest = &report.manifest;
    let subject = &manifest.credential_subject;
    let mut provenance = vec![format!("epoch {} verified: signed by {}", report.epoch.display(), report.signer)];
    if subject.model != crate::config::Model::Trust.id() {
        let rows = matching_rows(&report.epoch, manifest, id)?;
        if rows.is_empty() {
            return Err(Error::Usage(format!("no file of this {} epoch names {id:?}", subject.model)));
        }
        provenance
            .push(format!("the {} model records its signals and rules in its files: shown as written", subject.model));
        let explanation = Explanation::Rows { model: subject.model.clone(), id: id.to_owned(), rows };
        return Ok(Explained { as_of: subject.as_of.clone(), provenance, explanation });
    }

    let run = recorded_run(&report.epoch, manifest, &options.verify)?;
    let scopes = &run.loaded.pipeline.scopes;
    let scope = options.scope.clone().or_else(|| scopes.first().cloned()).unwrap_or_default();
    if !scopes.contains(&scope) {
        return Err(Error::Usage(format!("the epoch computed scopes {scopes:?}, not {scope:?}")));
    }
    let top = options.top.unwrap_or(10);
    let artifact = normalise_artifact(id).ok();
    let (mut found_peer, mut versions) = (None, Vec::new());
    let computed = compute_with(&run.loaded, &run.as_of, &crate::compute::Local, &mut |view| {
        if view.scope == scope
            && let Ok(j) = view.graph.peers.binary_search_by(|p| p.as_str().cmp(id))
        {
            found_peer = Some(peer::explain(view, j, top));
        }
        if let (Some(wanted), Some((reviews, security, _))) = (&artifact, view.artifacts) {
            // Every version of the artifact when none is named.
            let mut named: Vec<_> = reviews
                .iter()
                .map(|r| &r.artifact)
                .chain(security.iter().map(|a| &a.artifact))
                .filter(|a| a.id == wanted.id && (wanted.version.is_none() || a.version == wanted.version))
                .cloned()
                .collect();
            named.sort();
            named.dedup();
            versions.extend(named.iter().filter_map(|a| artifact::explain(view, a)));
        }
    })?;
    check_recomputed(&computed.files, manifest)?;
    provenance.push(format!(
        "recomputed from the recorded inputs ({} pinned, {} fetched again): the re-run reproduces the epoch's files byte for byte",
        run.pinned, run.fetched
    ));
    let explanation = match (found_peer, versions.is_empty()) {
        (Some(peer), _) => Explanation::Peer(peer),
        (None, false) => Explanation::Artifact { versions },
        (None, true) => {
            return Err(Error::Usage(format!(
                "{id:?} is neither a peer of scope {scope:?} nor an artifact with opinions in this epoch"
            )));
        }
    };
    Ok(Explained { as_of: subject.as_of.clone(), provenance, explanation })
}

/// The lines of the epoch's CSV and JSON-lines files in which `id` is a
/// whole field (CSV) or a string value (JSON lines).
fn matching_rows(
    epoch: &Path,
    manifest: &crate::scoreset::manifest::Manifest,
    id: &str,
) -> Result<Vec<(String, usize, String)>> {
    let mut rows = Vec::new();
    for output in &manifest.credential_subject.outputs {
        let name = &output.name;
        let path = epoch.join(name);
        let bytes = crate::fsio::read_limited(&path, crate::fsio::Limits::default().max_input_bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        for (k, line) in text.lines().enumerate() {
            let hit = if name.ends_with(".csv") {
                line.split(',').any(|field| field.trim_matches('"') == id)
            } else if name.ends_with(".jsonl") {
                serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| names(&v, id))
            } else {
                false
            };
            if hit {
                rows.push((name.clone(), k + 1, line.to_owned()));
            }
        }
    }
    Ok(rows)
}

/// Whether `id` is a string value anywhere in `value`.
fn names(value: &serde_json::Value, id: &str) -> bool {
    match value {
        serde_json::Value::String(s) => s == id,
        serde_json::Value::Array(items) => items.iter().any(|v| names(v, id)),
        serde_json::Value::Object(map) => map.values().any(|v| names(v, id)),
        _ => false,
    }
}

impl Explained {
    /// The explanation as text, for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        match &self.explanation {
            Explanation::Peer(p) => {
                line(format!("peer {} in scope {:?} at {}", p.peer, p.scope, self.as_of));
                line(format!("  T+ = {}   T = {}   badge: {}", p.trust_positive, p.trust, p.badge.unwrap_or("none")));
                line(format!("  {}", p.badge_reason));
                line("  T+ is made of:".to_owned());
                line(format!("    {:>24}  pre-trust share (alpha * p)", p.pretrust_share));
                line(format!("    {:>24}  dangling share ((1 - alpha) * D * p)", p.dangling_share));
                line(format!(
                    "    {:>24}  {:<28} {:>12} {:>24}",
                    "contribution", "truster", "C[i,j]", "truster's T+ (t_k-1)"
                ));
                for c in &p.contributions {
                    line(format!(
                        "    {:>24}  {:<28} {:>12.6} {:>24}",
                        c.contribution, c.truster, c.weight, c.truster_trust
                    ));
                }
                if p.others > 0 {
                    line(format!("    {:>24}  {} other trusters", p.others_sum, p.others));
                }
                line(format!("    {:>24}  sum (T+ = {})", p.sum_of_parts(), p.trust_positive));
                if p.deductions.is_empty() {
                    line(format!("  no distrust deductions ({}): T = T+", p.distrust));
                } else {
                    line(format!("  T+ - T = {} in deductions ({}):", p.trust_positive - p.trust, p.distrust));
                    line(format!(
                        "    {:>24}  {:<28} {:>12} {:>24}",
                        "deduction", "distruster", "D[i,j]", "distruster's T+"
                    ));
                    for d in &p.deductions {
                        line(format!(
                            "    {:>24}  {:<28} {:>12.6} {:>24}",
                            d.deduction, d.distruster, d.weight, d.distruster_trust
                        ));
                    }
                    line(format!("    {:>24}  sum", p.sum_of_deductions()));
                }
            }
            Explanation::Artifact { versions } => {
                for a in versions {
                    let version = a.artifact.version.as_deref().map(|v| format!(" version {v}")).unwrap_or_default();
                    line(format!("artifact {}{version} in scope {:?} at {}", a.artifact.id, a.scope, self.as_of));
                    line(format!("  badge {}: {}", a.badge, a.rule));
                    line(format!(
                        "  C = {} (endorsing {}, disputing {}), R_c = {}; d = {} with T+(d) = {}",
                        a.confidence,
                        a.endorsing,
                        a.disputing,
                        a.value,
                        a.weakest.as_deref().unwrap_or("(P_h is empty)"),
                        a.weakest_trust
                    ));
                    line(format!("    {:>24}  {:<9} {:<19} issuer", "weight", "opinion", "as"));
                    for o in &a.opinions {
                        let opinion = if o.endorses { "endorses" } else { "disputes" };
                        line(format!("    {:>24}  {opinion:<9} {:<19} {}", o.weight, o.kind, o.issuer));
                    }
                }
            }
            Explanation::Rows { model, id, rows } => {
                line(format!("{id} in the {model} epoch at {}:", self.as_of));
                for (file, number, row) in rows {
                    line(format!("  {file}:{number}: {row}"));
                }
            }
        }
        for p in &self.provenance {
            line(format!("({p})"));
        }
        out
    }
}
