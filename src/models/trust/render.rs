//! The trust model's files: the scores in each format `[output] formats`
//! names (`scores.csv` and `artifact_scores.csv`, `peer_scores.jsonl` and
//! `artifact_scores.jsonl`, `scores.parquet` and `artifact_scores.parquet`),
//! `artifact_opinions.jsonl` and `rejected.jsonl`. Pure functions from data to bytes, written with
//! [`scoreset`](crate::scoreset)'s generic file writers.

use crate::combine::{AssertionOpinion, Combined, Review, SecurityAssertion};
use crate::config::OutputFormat;
use crate::error::{Error, Result};
use crate::ingest::Reject;
use crate::models::sentiment::{ArtifactScore, Badge, PeerBadge};
use crate::numeric::es6_number;
use crate::scoreset::manifest;
use crate::scoreset::parquet::{ParquetColumn, parquet_file};
use crate::scoreset::{EpochFile, REJECTED, io, json_line, jsonl_file, write_row};
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
    /// Peer badges (HighlyTrusted / Reported) in this scope.
    pub badges: Vec<Option<PeerBadge>>,
}

/// The artifact scores of an epoch: the scope whose trust weighed the opinions, and the scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArtifactScores {
    /// The scope of the peer scores used.
    pub scope: String,
    /// T⁺(d), the weakest highly trusted peer's score (1 when there is none).
    pub weakest_highly_trusted: f64,
    /// One score per artifact version, in artifact order.
    pub scores: Vec<ArtifactScore>,
}

/// A score line shaped as a Verifiable Credential of type `kind`, valid from
/// `as_of`. Lines carry no proof of their own: the signed manifest pins each
/// file by its hash.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScoreCredential<'a, S> {
    #[serde(rename = "@context")]
    context: [&'a str; 1],
    #[serde(rename = "type")]
    kinds: [&'a str; 2],
    valid_from: &'a str,
    credential_subject: S,
}

impl<'a, S: Serialize> ScoreCredential<'a, S> {
    fn new(kind: &'a str, as_of: &'a str, credential_subject: S) -> Self {
        ScoreCredential {
            context: [manifest::VC_CONTEXT],
            kinds: ["VerifiableCredential", kind],
            valid_from: as_of,
            credential_subject,
        }
    }
}

/// The subject of a `peer_scores.jsonl` line: a CAIP-261 peer trust score.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PeerScoreSubject<'a> {
    id: &'a str,
    trust_score: TrustScore<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrustScore<'a> {
    trust_score_scope: [&'a str; 1],
    /// T: after the distrust adjustment.
    trust_value: f64,
    /// T⁺: EigenTrust before the distrust adjustment.
    trust_value_positive: f64,
    trust_score_type: &'a str,
    creation_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    badge: Option<PeerBadge>,
}

/// The subject of an `artifact_scores.jsonl` line (a `SoftwareArtifactTrustScore`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactScoreSubject<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    trust_score: ArtifactTrustScore<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactTrustScore<'a> {
    trust_score_scope: [&'a str; 1],
    /// R_c(s).
    trust_value: f64,
    /// C(s).
    confidence: f64,
    badge: Badge,
    opinions: usize,
    trust_score_type: &'a str,
    creation_at: &'a str,
}

/// One line of `artifact_opinions.jsonl`: an active review, security
/// assertion or endorsement/dispute, kept for artifact scoring.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum OpinionLine<'a> {
    Review(&'a Review),
    SecurityAssertion(&'a SecurityAssertion),
    AssertionOpinion(&'a AssertionOpinion),
}

/// Renders the score files in `formats`, `artifact_opinions.jsonl` and
/// `rejected.jsonl` of an epoch at `as_of` (RFC 3339). Scopes are written in
/// name order, peers in byte order. A non-finite score is a bug and fails the run.
pub fn render(
    scopes: &[ScopeScores],
    artifacts: &Combined,
    artifact_scores: &ArtifactScores,
    rejects: &[Reject],
    as_of: &str,
    formats: &[OutputFormat],
) -> Result<Vec<EpochFile>> {
    let mut order: Vec<&ScopeScores> = scopes.iter().collect();
    order.sort_by(|a, b| a.scope.cmp(&b.scope));
    let [csv_on, jsonl_on, parquet_on] =
        [OutputFormat::Csv, OutputFormat::Jsonl, OutputFormat::Parquet].map(|f| formats.contains(&f));
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut jsonl = Vec::new();
    let mut table = PeerTable::default();
    if csv_on {
        write_row(&mut csv, &["scope", "peer", "trust_positive", "trust", "badge"]).map_err(io("scores.csv"))?;
    }
    for s in order {
        for (k, peer) in s.peers.iter().enumerate() {
            let (tp, t) = (s.trust_positive[k], s.trust[k]);
            if !tp.is_finite() || !t.is_finite() {
                return Err(Error::NonFiniteScore { scope: s.scope.clone(), peer: peer.clone() });
            }
            let badge = s.badges[k].map(PeerBadge::name);
            if csv_on {
                let row = [&s.scope, peer, &es6_number(tp), &es6_number(t), badge.unwrap_or("")];
                write_row(&mut csv, &row).map_err(io("scores.csv"))?;
            }
            if jsonl_on {
                let subject = PeerScoreSubject {
                    id: peer,
                    trust_score: TrustScore {
                        trust_score_scope: [&s.scope],
                        trust_value: t,
                        trust_value_positive: tp,
                        trust_score_type: "EigenTrust",
                        creation_at: as_of,
                        badge: s.badges[k],
                    },
                };
                let credential = ScoreCredential::new("PeerTrustScoreCredential", as_of, subject);
                json_line(&mut jsonl, &credential).map_err(io("peer_scores.jsonl"))?;
            }
            if parquet_on {
                table.push(&s.scope, peer, tp, t, badge);
            }
        }
    }
    let mut opinions = Vec::new();
    let lines = (artifacts.reviews.iter().map(OpinionLine::Review))
        .chain(artifacts.security.iter().map(OpinionLine::SecurityAssertion))
        .chain(artifacts.opinions.iter().map(OpinionLine::AssertionOpinion));
    for line in lines {
        json_line(&mut opinions, &line).map_err(io("artifact_opinions.jsonl"))?;
    }
    let (artifact_jsonl, artifact_csv) = render_artifact_scores(artifact_scores, as_of)?;
    let mut files = Vec::new();
    if csv_on {
        let csv = csv.into_inner().map_err(|e| io("scores.csv")(e.into_error()))?;
        files.push(EpochFile { name: "scores.csv", bytes: csv });
    }
    if jsonl_on {
        files.push(EpochFile { name: "peer_scores.jsonl", bytes: jsonl });
    }
    if parquet_on {
        files.push(table.file()?);
    }
    files.push(EpochFile { name: "artifact_opinions.jsonl", bytes: opinions });
    if jsonl_on {
        files.push(EpochFile { name: "artifact_scores.jsonl", bytes: artifact_jsonl });
    }
    if csv_on {
        files.push(EpochFile { name: "artifact_scores.csv", bytes: artifact_csv });
    }
    if parquet_on {
        files.push(artifact_parquet(artifact_scores)?);
    }
    files.push(jsonl_file(REJECTED, rejects)?);
    Ok(files)
}

/// The rows of `scores.parquet`, gathered column by column.
#[derive(Default)]
struct PeerTable<'a> {
    scope: Vec<&'a str>,
    peer: Vec<&'a str>,
    trust_positive: Vec<f64>,
    trust: Vec<f64>,
    badge: Vec<Option<&'a str>>,
}

impl<'a> PeerTable<'a> {
    fn push(&mut self, scope: &'a str, peer: &'a str, tp: f64, t: f64, badge: Option<&'a str>) {
        self.scope.push(scope);
        self.peer.push(peer);
        self.trust_positive.push(tp);
        self.trust.push(t);
        self.badge.push(badge);
    }

    /// `scores.parquet`: the columns of `scores.csv`, typed (the badge null where none).
    fn file(self) -> Result<EpochFile> {
        parquet_file(
            "scores.parquet",
            vec![
                ParquetColumn::Text("scope", self.scope),
                ParquetColumn::Text("peer", self.peer),
                ParquetColumn::Float("trust_positive", self.trust_positive),
                ParquetColumn::Float("trust", self.trust),
                ParquetColumn::OptionalText("badge", self.badge),
            ],
        )
    }
}

/// `artifact_scores.parquet`: the columns of `artifact_scores.csv`, typed (the version null where none).
fn artifact_parquet(a: &ArtifactScores) -> Result<EpochFile> {
    let rows = &a.scores;
    parquet_file(
        "artifact_scores.parquet",
        vec![
            ParquetColumn::Text("scope", vec![a.scope.as_str(); rows.len()]),
            ParquetColumn::Text("artifact", rows.iter().map(|s| s.artifact.id.as_str()).collect()),
            ParquetColumn::OptionalText("version", rows.iter().map(|s| s.artifact.version.as_deref()).collect()),
            ParquetColumn::Float("value", rows.iter().map(|s| s.value).collect()),
            ParquetColumn::Float("confidence", rows.iter().map(|s| s.confidence).collect()),
            ParquetColumn::Text("badge", rows.iter().map(|s| s.badge.name()).collect()),
            ParquetColumn::Count("opinions", rows.iter().map(|s| s.opinions as u64).collect()),
        ],
    )
}

/// `artifact_scores.jsonl` and `artifact_scores.csv`, in artifact order.
fn render_artifact_scores(a: &ArtifactScores, as_of: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut jsonl = Vec::new();
    let mut csv = csv::Writer::from_writer(Vec::new());
    write_row(&mut csv, &["scope", "artifact", "version", "value", "confidence", "badge", "opinions"])
        .map_err(io("artifact_scores.csv"))?;
    for s in &a.scores {
        let version = s.artifact.version.as_deref();
        let subject = ArtifactScoreSubject {
            id: &s.artifact.id,
            version,
            trust_score: ArtifactTrustScore {
                trust_score_scope: [&a.scope],
                trust_value: s.value,
                confidence: s.confidence,
                badge: s.badge,
                opinions: s.opinions,
                trust_score_type: "CommunitySentiment",
                creation_at: as_of,
            },
        };
        let credential = ScoreCredential::new("SoftwareArtifactTrustScore", as_of, subject);
        json_line(&mut jsonl, &credential).map_err(io("artifact_scores.jsonl"))?;
        let (value, confidence, opinions) = (es6_number(s.value), es6_number(s.confidence), s.opinions.to_string());
        let row =
            [a.scope.as_str(), &s.artifact.id, version.unwrap_or(""), &value, &confidence, s.badge.name(), &opinions];
        write_row(&mut csv, &row).map_err(io("artifact_scores.csv"))?;
    }
    let csv = csv.into_inner().map_err(|e| io("artifact_scores.csv")(e.into_error()))?;
    Ok((jsonl, csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: [OutputFormat; 2] = [OutputFormat::Csv, OutputFormat::Jsonl];

    fn scope(name: &str, peers: &[&str], tp: &[f64], t: &[f64]) -> ScopeScores {
        ScopeScores {
            scope: name.into(),
            peers: peers.iter().map(|s| s.to_string()).collect(),
            trust_positive: tp.to_vec(),
            trust: t.to_vec(),
            badges: vec![None; peers.len()],
        }
    }

    #[test]
    fn csv_rows_sorted_by_scope_with_es6_numbers_and_quoting() {
        let scopes = [scope("z", &["a"], &[1.0], &[1.0]), scope("b", &["a,b", "c"], &[0.25, 1e-7], &[-0.5, 0.1])];
        let files =
            render(&scopes, &Combined::default(), &ArtifactScores::default(), &[], "2026-01-01T00:00:00Z", &DEFAULT)
                .unwrap();
        let csv = String::from_utf8(files[0].bytes.clone()).unwrap();
        assert_eq!(csv, "scope,peer,trust_positive,trust,badge\nb,\"a,b\",0.25,-0.5,\nb,c,1e-7,0.1,\nz,a,1,1,\n");
        let jsonl = String::from_utf8(files[1].bytes.clone()).unwrap();
        assert_eq!(
            jsonl.lines().next().unwrap(),
            r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"credentialSubject":{"id":"a,b","trustScore":{"creationAt":"2026-01-01T00:00:00Z","trustScoreScope":["b"],"trustScoreType":"EigenTrust","trustValue":-0.5,"trustValuePositive":0.25}},"type":["VerifiableCredential","PeerTrustScoreCredential"],"validFrom":"2026-01-01T00:00:00Z"}"#
        );
    }

    #[test]
    fn non_finite_scores_fail_instead_of_being_written() {
        let nan = [scope("s", &["p"], &[f64::NAN], &[0.0])];
        let err = render(&nan, &Combined::default(), &ArtifactScores::default(), &[], "2026-01-01T00:00:00Z", &DEFAULT)
            .unwrap_err();
        assert!(matches!(err, Error::NonFiniteScore { .. }));
    }
}
