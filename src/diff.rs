//! `scoreset diff OLD NEW`: what changed between two epochs — the scores
//! that moved most, badge and tier changes, ids that appeared or left, and
//! the parameters and inputs that changed, from the two manifests.
//!
//! Both epochs are verified first. Each score file a model writes is read
//! as a table of records (a key, a number, a label such as a badge or a
//! tier); records are matched by key, so the diff is the same whatever the
//! row order, and its lists are sorted (largest move first, ties by key).

use crate::error::{Error, Result};
use crate::scoreset::manifest::{InputRecord, Manifest};
use crate::verify::{Report, VerifyOptions, verify_epoch};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// How a score file is read as records.
pub(crate) struct Table {
    file: &'static str,
    /// The same records as Parquet (same column names), when the model writes them.
    parquet: Option<&'static str>,
    /// What a record is, for people.
    pub(crate) what: &'static str,
    /// The key's columns (CSV) or JSON pointers (JSON lines).
    key: &'static [&'static str],
    /// The number compared.
    pub(crate) value: &'static str,
    /// The label compared (badge, tier, decision), if any.
    pub(crate) label: Option<&'static str>,
}

/// The score files of every model, as tables.
pub(crate) const TABLES: &[Table] = &[
    Table {
        file: "scores.csv",
        parquet: Some("scores.parquet"),
        what: "peer",
        key: &["scope", "peer"],
        value: "trust",
        label: Some("badge"),
    },
    Table {
        file: "artifact_scores.csv",
        parquet: Some("artifact_scores.parquet"),
        what: "artifact",
        key: &["scope", "artifact", "version"],
        value: "value",
        label: Some("badge"),
    },
    Table {
        file: "publisher_scores.csv",
        parquet: None,
        what: "publisher",
        key: &["publisher"],
        value: "score",
        label: Some("tier"),
    },
    Table {
        file: "credential_decisions.csv",
        parquet: None,
        what: "credential",
        key: &["credential_hash"],
        value: "score",
        label: None,
    },
    Table {
        file: "author_reputation.jsonl",
        parquet: None,
        what: "author",
        key: &["/author"],
        value: "/reputation",
        label: None,
    },
    Table {
        file: "patch_decisions.jsonl",
        parquet: None,
        what: "patch",
        key: &["/patch_id"],
        value: "/values/quality",
        label: Some("/decision"),
    },
];

/// One record's score in both epochs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Move {
    /// The record's key (its columns joined by " | ").
    pub key: String,
    /// Its score in OLD.
    pub old: f64,
    /// Its score in NEW.
    pub new: f64,
}

/// A label (badge, tier, decision) that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelChange {
    /// The record's key.
    pub key: String,
    /// The label in OLD (empty: none).
    pub old: String,
    /// The label in NEW.
    pub new: String,
}

/// What changed in one score file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableDiff {
    /// The file.
    pub file: String,
    /// What its records are.
    pub what: String,
    /// The records whose score moved most, largest |new − old| first, at most `top`.
    pub moved: Vec<Move>,
    /// How many records' scores moved in all.
    pub moved_total: usize,
    /// Every label change, by key.
    pub label_changes: Vec<LabelChange>,
    /// Keys only NEW has.
    pub appeared: Vec<String>,
    /// Keys only OLD has.
    pub left: Vec<String>,
    /// Records in both with the same score and label.
    pub unchanged: usize,
}

/// A parameter or an input that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The parameter's name, or the input's source.
    pub name: String,
    /// In OLD (`null` if absent).
    pub old: serde_json::Value,
    /// In NEW.
    pub new: serde_json::Value,
}

/// The difference between two epochs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EpochDiff {
    /// OLD's `asOf`.
    pub old_as_of: String,
    /// NEW's `asOf`.
    pub new_as_of: String,
    /// The model of both.
    pub model: String,
    /// Parameters whose values differ.
    pub parameters: Vec<Change>,
    /// Inputs added, removed, or with other bytes (SHA-256) or counts.
    pub inputs: Vec<Change>,
    /// One per score file of the model.
    pub tables: Vec<TableDiff>,
}

/// Diffs two verified epochs, listing the `top` largest moves of each file.
pub fn diff(old: &Path, new: &Path, top: usize) -> Result<EpochDiff> {
    let (old_report, new_report) =
        (verify_epoch(old, &VerifyOptions::default())?, verify_epoch(new, &VerifyOptions::default())?);
    diff_verified(&old_report, &new_report, top)
}

/// [`diff`] of two epochs already verified (so a caller that verified one need not hash it again).
pub fn diff_verified(old_report: &Report, new_report: &Report, top: usize) -> Result<EpochDiff> {
    let (a, b) = (&old_report.manifest, &new_report.manifest);
    let (sa, sb) = (&a.credential_subject, &b.credential_subject);
    if sa.model != sb.model {
        return Err(Error::Usage(format!(
            "OLD is a {} epoch and NEW a {} epoch: nothing to compare",
            sa.model, sb.model
        )));
    }
    let mut tables = Vec::new();
    for table in TABLES {
        let Some(file) = table.source(&[a, b]) else { continue };
        let old_records = read_table(&old_report.epoch.join(file), table)?;
        let new_records = read_table(&new_report.epoch.join(file), table)?;
        tables.push(compare(table, file, &old_records, &new_records, top));
    }
    Ok(EpochDiff {
        old_as_of: sa.as_of.clone(),
        new_as_of: sb.as_of.clone(),
        model: sb.model.clone(),
        parameters: parameter_changes(&sa.parameters, &sb.parameters),
        inputs: input_changes(&sa.inputs, &sb.inputs),
        tables,
    })
}

impl Table {
    /// The file every one of `manifests` lists these records in: the text
    /// form, else the Parquet one; `None` if the epochs do not share one.
    pub(crate) fn source(&self, manifests: &[&Manifest]) -> Option<&'static str> {
        let listed = |file: &str| manifests.iter().all(|m| m.credential_subject.outputs.iter().any(|o| o.name == file));
        [Some(self.file), self.parquet].into_iter().flatten().find(|f| listed(f))
    }
}

/// key → (score, label).
pub(crate) type Records = BTreeMap<String, (f64, String)>;

/// The records of `table` in the file at `path` (CSV, JSON lines or Parquet, by its name).
pub(crate) fn read_table(path: &Path, table: &Table) -> Result<Records> {
    let bytes = crate::fsio::read_limited(path, crate::fsio::Limits::default().max_input_bytes)?;
    let bad = |line: usize, reason: String| Error::Input {
        path: path.to_path_buf(),
        message: format!("line {line}: {reason}"),
    };
    let mut records = Records::new();
    if path.extension().is_some_and(|e| e == "parquet") {
        let message = |reason| format!("not a readable Parquet score file: {reason}");
        return read_parquet(&bytes, table)
            .map_err(|reason| Error::Input { path: path.to_path_buf(), message: message(reason) });
    }
    if path.extension().is_some_and(|e| e == "csv") {
        let mut reader = csv::Reader::from_reader(&bytes[..]);
        let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        let column =
            |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| bad(1, format!("no column {name:?}")));
        let key: Vec<usize> = table.key.iter().map(|k| column(k)).collect::<Result<_>>()?;
        let value = column(table.value)?;
        let label = table.label.map(column).transpose()?;
        for (k, row) in reader.records().enumerate() {
            let row = row.map_err(|e| bad(k + 2, e.to_string()))?;
            let field = |i: usize| row.get(i).unwrap_or_default();
            let id = key.iter().map(|&i| field(i)).filter(|f| !f.is_empty()).collect::<Vec<_>>().join(" | ");
            let score = field(value).parse::<f64>().map_err(|e| bad(k + 2, format!("{}: {e}", table.value)))?;
            records.insert(id, (score, label.map(|i| field(i).to_owned()).unwrap_or_default()));
        }
    } else {
        for (k, line) in bytes.split(|&b| b == b'\n').enumerate().filter(|(_, l)| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_slice(line).map_err(|e| bad(k + 1, e.to_string()))?;
            let text = |pointer: &str| match v.pointer(pointer) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) if !other.is_null() => other.to_string(),
                _ => String::new(),
            };
            let id = table.key.iter().map(|k| text(k)).collect::<Vec<_>>().join(" | ");
            let score = v.pointer(table.value).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
            records.insert(id, (score, table.label.map(text).unwrap_or_default()));
        }
    }
    Ok(records)
}

/// The records of `table` in Parquet `bytes` (the key columns as text).
fn read_parquet(bytes: &[u8], table: &Table) -> std::result::Result<Records, String> {
    use polars::prelude::*;
    let frame = ParquetReader::new(std::io::Cursor::new(bytes)).finish().map_err(|e| e.to_string())?;
    let text = |name: &str| -> std::result::Result<Vec<Option<String>>, String> {
        let column =
            frame.column(name).map_err(|e| e.to_string())?.cast(&DataType::String).map_err(|e| e.to_string())?;
        Ok(column.str().map_err(|e| e.to_string())?.iter().map(|v| v.map(str::to_owned)).collect())
    };
    let keys: Vec<Vec<Option<String>>> = table.key.iter().map(|k| text(k)).collect::<std::result::Result<_, _>>()?;
    let values =
        frame.column(table.value).map_err(|e| e.to_string())?.cast(&DataType::Float64).map_err(|e| e.to_string())?;
    let values: Vec<Option<f64>> = values.f64().map_err(|e| e.to_string())?.iter().collect();
    let labels = table.label.map(text).transpose()?;
    let mut records = Records::new();
    for (row, value) in values.into_iter().enumerate() {
        let id = keys.iter().filter_map(|k| k[row].clone()).filter(|f| !f.is_empty()).collect::<Vec<_>>().join(" | ");
        let label = labels.as_ref().and_then(|l| l[row].clone()).unwrap_or_default();
        records.insert(id, (value.unwrap_or(f64::NAN), label));
    }
    Ok(records)
}

fn compare(table: &Table, file: &str, old: &Records, new: &Records, top: usize) -> TableDiff {
    let mut moved = Vec::new();
    let mut label_changes = Vec::new();
    let mut unchanged = 0;
    for (key, (new_score, new_label)) in new {
        let Some((old_score, old_label)) = old.get(key) else { continue };
        let same_score = old_score.to_bits() == new_score.to_bits();
        if !same_score {
            moved.push(Move { key: key.clone(), old: *old_score, new: *new_score });
        }
        if old_label != new_label {
            label_changes.push(LabelChange { key: key.clone(), old: old_label.clone(), new: new_label.clone() });
        }
        if same_score && old_label == new_label {
            unchanged += 1;
        }
    }
    let size = |m: &Move| (m.new - m.old).abs();
    // Largest move first; NaN (a score missing on one side) last; ties by key (already in key order: stable sort).
    moved.sort_by(|a, b| size(b).total_cmp(&size(a)));
    let moved_total = moved.len();
    moved.truncate(top);
    TableDiff {
        file: file.to_owned(),
        what: table.what.to_owned(),
        moved,
        moved_total,
        label_changes,
        appeared: new.keys().filter(|k| !old.contains_key(*k)).cloned().collect(),
        left: old.keys().filter(|k| !new.contains_key(*k)).cloned().collect(),
        unchanged,
    }
}

fn parameter_changes(old: &serde_json::Value, new: &serde_json::Value) -> Vec<Change> {
    let fields = |v: &serde_json::Value| -> BTreeMap<String, serde_json::Value> {
        v.as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
    };
    changes(&fields(old), &fields(new))
}

/// The names whose values differ between `a` and `b` (`null` where absent), by name.
fn changes(a: &BTreeMap<String, serde_json::Value>, b: &BTreeMap<String, serde_json::Value>) -> Vec<Change> {
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let null = serde_json::Value::Null;
    names
        .into_iter()
        .filter_map(|name| {
            let (o, n) = (a.get(name).unwrap_or(&null), b.get(name).unwrap_or(&null));
            (o != n).then(|| Change { name: name.clone(), old: o.clone(), new: n.clone() })
        })
        .collect()
}

fn input_changes(old: &[InputRecord], new: &[InputRecord]) -> Vec<Change> {
    let describe = |i: &InputRecord| {
        serde_json::json!({
            "sha256": i.digest.as_ref().map(|d| d.sha256.clone()),
            "records": i.records,
            "rejected": i.rejected,
        })
    };
    let by_source = |inputs: &[InputRecord]| -> BTreeMap<String, serde_json::Value> {
        inputs.iter().map(|i| (format!("{} ({})", i.source, i.kind), describe(i))).collect()
    };
    changes(&by_source(old), &by_source(new))
}

impl EpochDiff {
    /// The diff as text, for a terminal; at most `top` ids in each list.
    pub fn to_text(&self, top: usize) -> String {
        let mut out = format!("{} epoch {} -> {}\n", self.model, self.old_as_of, self.new_as_of);
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        for c in &self.parameters {
            line(format!("parameter {}: {} -> {}", c.name, c.old, c.new));
        }
        for c in &self.inputs {
            line(format!("input {}: {} -> {}", c.name, c.old, c.new));
        }
        for t in &self.tables {
            line(format!(
                "{} ({}s): {} moved, {} relabelled, {} appeared, {} left, {} unchanged",
                t.file,
                t.what,
                t.moved_total,
                t.label_changes.len(),
                t.appeared.len(),
                t.left.len(),
                t.unchanged
            ));
            for m in &t.moved {
                line(format!("  {:>+24}  {}  ({} -> {})", m.new - m.old, m.key, m.old, m.new));
            }
            for c in t.label_changes.iter().take(top) {
                let label = |l: &str| if l.is_empty() { "(none)".to_owned() } else { l.to_owned() };
                line(format!("  {} -> {}  {}", label(&c.old), label(&c.new), c.key));
            }
            more(&mut line, "  label changes", t.label_changes.len(), top);
            for k in t.appeared.iter().take(top) {
                line(format!("  + {k}"));
            }
            more(&mut line, "  appeared", t.appeared.len(), top);
            for k in t.left.iter().take(top) {
                line(format!("  - {k}"));
            }
            more(&mut line, "  left", t.left.len(), top);
        }
        out
    }
}

fn more(line: &mut impl FnMut(String), what: &str, total: usize, shown: usize) {
    if total > shown {
        line(format!("{what}: {} more (--json lists them all)", total - shown));
    }
}
