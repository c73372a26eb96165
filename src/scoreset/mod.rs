//! Emit: renders computed scores and rejects as the epoch's files. Pure
//! functions from data to bytes; writing them is the publish stage's job.
//!
//! Numbers are written in the ECMAScript shortest round-trip form (as JCS
//! requires), in CSV as in JSON, so `0.25`, `1` and `1e-7` read back exactly.
//! JSON lines are RFC 8785 canonical (sorted keys), so equal data gives equal bytes.

use crate::error::{Error, Result};
use crate::ingest::Reject;
use serde::Serialize;

/// The scores of one scope's peers, peers in byte order.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeScores {
    /// Scope name (`default` for edge lists).
    pub scope: String,
    /// Peer ids, sorted.
    pub peers: Vec<String>,
    /// T⁺: EigenTrust before the distrust adjustment.
    pub trust_positive: Vec<f64>,
    /// T: after the distrust adjustment.
    pub trust: Vec<f64>,
}

/// One file of an epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochFile {
    /// File name inside the epoch folder.
    pub name: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// One line of `peer_scores.jsonl`.
#[derive(Serialize)]
struct PeerScoreLine<'a> {
    scope: &'a str,
    peer: &'a str,
    trust_positive: f64,
    trust: f64,
}

/// Renders `scores.csv`, `peer_scores.jsonl` and `rejected.jsonl`. Scopes are
/// written in name order. A non-finite score is a bug and fails the run.
pub fn render(scopes: &[ScopeScores], rejects: &[Reject]) -> Result<Vec<EpochFile>> {
    let mut order: Vec<&ScopeScores> = scopes.iter().collect();
    order.sort_by(|a, b| a.scope.cmp(&b.scope));
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut jsonl = Vec::new();
    write_row(&mut csv, ["scope", "peer", "trust_positive", "trust"]).map_err(io("scores.csv"))?;
    for s in order {
        for (k, peer) in s.peers.iter().enumerate() {
            let (tp, t) = (s.trust_positive[k], s.trust[k]);
            if !tp.is_finite() || !t.is_finite() {
                return Err(Error::NonFiniteScore {
                    scope: s.scope.clone(),
                    peer: peer.clone(),
                });
            }
            write_row(&mut csv, [&s.scope, peer, &es6_number(tp), &es6_number(t)]).map_err(io("scores.csv"))?;
            json_line(
                &mut jsonl,
                &PeerScoreLine {
                    scope: &s.scope,
                    peer,
                    trust_positive: tp,
                    trust: t,
                },
            )
            .map_err(io("peer_scores.jsonl"))?;
        }
    }
    let mut rejected = Vec::new();
    for r in rejects {
        json_line(&mut rejected, r).map_err(io("rejected.jsonl"))?;
    }
    let csv = csv.into_inner().map_err(|e| io("scores.csv")(e.into_error()))?;
    Ok(vec![
        EpochFile {
            name: "scores.csv",
            bytes: csv,
        },
        EpochFile {
            name: "peer_scores.jsonl",
            bytes: jsonl,
        },
        EpochFile {
            name: "rejected.jsonl",
            bytes: rejected,
        },
    ])
}

/// Maps an in-memory serialisation failure of epoch file `name` to an error.
fn io(name: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |source| Error::Write {
        path: name.into(),
        source,
    }
}

/// Shortest round-trip ECMAScript form of a finite number.
pub fn es6_number(x: f64) -> String {
    ryu_js::Buffer::new().format_finite(x).to_owned()
}

/// Appends one RFC 8785 canonical JSON line.
fn json_line(out: &mut Vec<u8>, value: &impl Serialize) -> std::io::Result<()> {
    out.extend_from_slice(&serde_json_canonicalizer::to_vec(value)?);
    out.push(b'\n');
    Ok(())
}

/// Appends one CSV row (fields quoted per RFC 4180 only where needed).
fn write_row(csv: &mut csv::Writer<Vec<u8>>, fields: [&str; 4]) -> std::io::Result<()> {
    Ok(csv.write_record(fields)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(name: &str, peers: &[&str], tp: &[f64], t: &[f64]) -> ScopeScores {
        ScopeScores {
            scope: name.into(),
            peers: peers.iter().map(|s| s.to_string()).collect(),
            trust_positive: tp.to_vec(),
            trust: t.to_vec(),
        }
    }

    #[test]
    fn csv_rows_sorted_by_scope_with_es6_numbers_and_quoting() {
        let files = render(
            &[
                scope("z", &["a"], &[1.0], &[1.0]),
                scope("b", &["a,b", "c"], &[0.25, 1e-7], &[-0.5, 0.1]),
            ],
            &[],
        )
        .unwrap();
        let csv = String::from_utf8(files[0].bytes.clone()).unwrap();
        assert_eq!(
            csv,
            "scope,peer,trust_positive,trust\nb,\"a,b\",0.25,-0.5\nb,c,1e-7,0.1\nz,a,1,1\n"
        );
        let jsonl = String::from_utf8(files[1].bytes.clone()).unwrap();
        assert_eq!(
            jsonl.lines().next().unwrap(),
            r#"{"peer":"a,b","scope":"b","trust":-0.5,"trust_positive":0.25}"#
        );
    }

    #[test]
    fn non_finite_scores_fail_instead_of_being_written() {
        let err = render(&[scope("s", &["p"], &[f64::NAN], &[0.0])], &[]).unwrap_err();
        assert!(matches!(err, Error::NonFiniteScore { .. }));
    }
}
