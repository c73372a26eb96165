//! Pre-trust: `peer,weight` or `DID weight` lines in a file (as the Snaps
//! trust computer writes them) and inline `[pretrust] entries`. DIDs are
//! normalised like every other identity.

use super::tabular;
use super::{InputStats, Position, Refusal, Reject, RejectReason, normalise_peer};
use crate::error::Result;
use std::collections::BTreeMap;
use std::path::Path;

/// A well-formed pre-trust weight, not yet matched to a peer of the graph.
#[derive(Debug, Clone)]
pub(super) struct PretrustEntry {
    pub peer: String,
    pub weight: f64,
}

/// Checks a weight: finite and not negative.
fn check_weight(weight: f64) -> Result<f64, Refusal> {
    if !weight.is_finite() {
        Err((RejectReason::NonFinite, format!("weight {weight} is not finite")))
    } else if weight < 0.0 {
        Err((RejectReason::BadWeight, format!("weight {weight} is negative")))
    } else {
        Ok(weight)
    }
}

/// Files one parsed pre-trust record as an entry or a reject.
fn take(
    parsed: Result<(String, f64), Refusal>,
    position: Position,
    raw: String,
    stats: &mut InputStats,
    entries: &mut Vec<PretrustEntry>,
    rejects: &mut Vec<Reject>,
) {
    if let Some((peer, weight)) = stats.admit(rejects, position, parsed, || raw) {
        entries.push(PretrustEntry { peer, weight });
    }
}

/// Reads a `peer,weight` file.
pub(super) fn read_file(
    path: &Path,
    header: bool,
    label: &str,
    limit: u64,
    entries: &mut Vec<PretrustEntry>,
    rejects: &mut Vec<Reject>,
) -> Result<InputStats> {
    let mut stats = InputStats::new(label, "pretrust");
    let bytes = tabular::read_all(path, limit)?;
    for line in tabular::lines(&bytes, header) {
        let fields: Option<Vec<&str>> = line.text.ok().map(|t| {
            if t.contains(',') { t.split(',').map(str::trim).collect() } else { t.split_whitespace().collect() }
        });
        let parsed = match fields.as_deref() {
            None => Err((RejectReason::ParseError, "line is not valid UTF-8".into())),
            Some([""] | ["", _]) => Err((RejectReason::ParseError, "peer id is empty".into())),
            Some([peer, weight]) => normalise_peer(peer).map_err(|e| (RejectReason::InvalidDid, e)).and_then(|peer| {
                tabular::parse_number(weight, "weight").and_then(check_weight).map(|w| (peer.into_owned(), w))
            }),
            Some(fields) => Err((
                RejectReason::ParseError,
                format!("expected 2 fields (peer,weight or DID weight), found {}", fields.len()),
            )),
        };
        take(parsed, Position::Line(line.number), line.raw(), &mut stats, entries, rejects);
    }
    Ok(stats)
}

/// Takes the inline `entries` table of the pipeline file.
pub(super) fn read_inline(
    table: &BTreeMap<String, f64>,
    pipeline_label: &str,
    entries: &mut Vec<PretrustEntry>,
    rejects: &mut Vec<Reject>,
) -> InputStats {
    let mut stats = InputStats::new(pipeline_label, "pretrust-inline");
    for (peer, &weight) in table {
        let position = Position::Key(format!("pretrust.entries.{peer}"));
        let parsed = normalise_peer(peer)
            .map_err(|e| (RejectReason::InvalidDid, e))
            .and_then(|peer| check_weight(weight).map(|w| (peer.into_owned(), w)));
        take(parsed, position, format!("{peer} = {weight}"), &mut stats, entries, rejects);
    }
    stats
}
