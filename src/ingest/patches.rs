//! The inputs of the patch model: candidate patches (JSON lines, each with
//! its provenance chain and quality measurements), issues reported against
//! patches (a record table) and the patch-history database (SQLite).

use super::table::{self, Located, TableSpec};
use super::tabular;
use super::{InputStats, Position, Reject, RejectReason};
use crate::error::{Error, Result};
use crate::history::{self, Application};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// Severity of a patch or of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Security or data loss.
    Critical,
    /// Breaks a feature.
    Major,
    /// Cosmetic or minor.
    Minor,
}

impl Severity {
    /// The severity's name in tables and outputs.
    pub fn id(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
        }
    }
}

/// One link of a provenance chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// `author`, `build_environment`, `test_results` or `build_process`.
    pub kind: String,
    /// The link's facts.
    pub data: Value,
    /// Hash of the previous link; `null` for the first.
    pub prev: Option<String>,
    /// SHA-256 (hex) of the JCS form of `{kind, data, prev}`.
    pub hash: String,
}

/// A candidate patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// Unique id.
    pub patch_id: String,
    /// Its author.
    pub author: String,
    /// Its severity.
    pub severity: Severity,
    /// Test coverage in [0, 1], if measured.
    #[serde(default)]
    pub coverage: Option<f64>,
    /// Static-analysis score in [0, 1], if run.
    #[serde(default)]
    pub static_analysis: Option<f64>,
    /// Opt-in user ratings, 1 to 5.
    #[serde(default)]
    pub ratings: Vec<f64>,
    /// The provenance chain.
    #[serde(default)]
    pub provenance: Vec<Link>,
}

/// An issue reported against a patch.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Unique id.
    pub id: String,
    /// The patch it is about.
    pub patch: String,
    /// Its severity.
    pub severity: Severity,
    /// When reported (unix ms).
    pub reported_ms: i64,
    /// When the author acknowledged it.
    pub acknowledged_ms: Option<i64>,
    /// When it was resolved.
    pub resolved_ms: Option<i64>,
}

/// Columns of an issue table.
pub const ISSUE_COLUMNS: &[&str] =
    &["issue_id", "patch_id", "severity", "reported_at", "acknowledged_at", "resolved_at"];

/// Reads an issue table.
pub fn read_issues(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<Issue>>)> {
    let spec = TableSpec { kind: "issues", columns: ISSUE_COLUMNS, redact: &[] };
    table::read(path, label, limit, &spec, rejects, |f| {
        let severity = f.text("severity")?;
        let issue = Issue {
            id: f.text("issue_id")?.to_owned(),
            patch: f.text("patch_id")?.to_owned(),
            severity: serde_json::from_value(Value::String(severity.to_owned())).map_err(|_| {
                (RejectReason::UnknownKind, format!("severity {severity:?} is not critical, major or minor"))
            })?,
            reported_ms: f.time_ms("reported_at")?,
            acknowledged_ms: f.optional_time_ms("acknowledged_at")?,
            resolved_ms: f.optional_time_ms("resolved_at")?,
        };
        if [issue.acknowledged_ms, issue.resolved_ms].into_iter().flatten().any(|t| t < issue.reported_ms) {
            return Err((RejectReason::BadDate, "acknowledged or resolved before it was reported".into()));
        }
        Ok(issue)
    })
}

/// Reads candidate patches, one JSON object per line.
pub fn read_patches(
    path: &Path,
    label: &str,
    limit: u64,
    rejects: &mut Vec<Reject>,
) -> Result<(InputStats, Vec<Located<Patch>>)> {
    let mut stats = InputStats::new(label, "patches");
    stats.digest = Some(super::pin(path)?);
    let bytes = tabular::read_all(path, limit)?;
    let mut kept = Vec::new();
    for line in tabular::lines(&bytes, false) {
        let checked = match line.text {
            Err(_) => Err((RejectReason::ParseError, "the line is not UTF-8".to_owned())),
            Ok(text) => serde_json::from_str::<Patch>(text)
                .map_err(|e| (RejectReason::ParseError, format!("not a patch record: {e}")))
                .and_then(check_patch),
        };
        let position = Position::Line(line.number);
        if let Some(patch) = stats.admit(rejects, position.clone(), checked, || line.raw()) {
            kept.push(Located { position, raw: line.raw(), record: patch });
        }
    }
    Ok((stats, kept))
}

fn check_patch(p: Patch) -> Result<Patch, super::Refusal> {
    if p.patch_id.trim().is_empty() || p.author.trim().is_empty() {
        return Err((RejectReason::MissingField, "patch_id and author must not be empty".into()));
    }
    for (name, value) in [("coverage", p.coverage), ("static_analysis", p.static_analysis)] {
        if value.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
            return Err((RejectReason::LevelOutOfRange, format!("{name} is outside [0, 1]")));
        }
    }
    if p.ratings.iter().any(|r| !(1.0..=5.0).contains(r)) {
        return Err((RejectReason::LevelOutOfRange, "ratings are from 1 to 5".into()));
    }
    Ok(p)
}
/// Every application recorded in the patch-history database at `path`
/// (labelled `label`), with the input's stats: its digest as a file and the
/// number of applications read.
pub fn read_history(path: &Path, label: &str) -> Result<(InputStats, Vec<Application>)> {
    let applications = history::read_all(path)?;
    let mut stats = InputStats::new(label, "patch-history");
    stats.digest =
        Some(crate::crypto::digest_file(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?);
    stats.records = applications.len() as u64;
    Ok((stats, applications))
}
