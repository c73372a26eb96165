//! The trust model's files: the scores in each format `[output] formats`
//! names (`scores.csv` and `artifact_scores.csv`, `peer_scores.jsonl` and
//! `artifact_scores.jsonl`, `scores.parquet` and `artifact_scores.parquet`),
//! `artifact_opinions.jsonl` and `rejected.jsonl`. Pure functions from data to bytes, written with
//! [`scoreset`](crate::scoreset)'s generic file writers.

use crate::combine::{AssertionOpinion, Combined, Review, SecurityAssertion};
use crate::config::OutputFormat;
use crate::crypto::write_canonical_ordered;
use crate::error::{Error, Result};
use crate::ingest::Reject;
use crate::models::sentiment::{ArtifactScore, Badge, PeerBadge};
use crate::numeric::es6_number;
use crate::scoreset::manifest;
use crate::scoreset::parquet::{ParquetColumn, parquet_file};
use crate::scoreset::{EpochFile, REJECTED, csv_field, io, json_line, json_string, jsonl_file, write_row};
use serde::Serialize;
use std::sync::Arc;

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
    // Fields in canonical (RFC 8785) order: peer lines are written as they
    // stand (`crypto::write_canonical_ordered`), and a test holds them to the canonicaliser.
    #[serde(rename = "@context")]
    context: [&'a str; 1],
    credential_subject: S,
    #[serde(rename = "type")]
    kinds: [&'a str; 2],
    valid_from: &'a str,
}

impl<'a, S: Serialize> ScoreCredential<'a, S> {
    fn new(kind: &'a str, as_of: &'a str, credential_subject: S) -> Self {
        ScoreCredential {
            context: [manifest::VC_CONTEXT],
            credential_subject,
            kinds: ["VerifiableCredential", kind],
            valid_from: as_of,
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

/// (Fields in canonical order, as [`ScoreCredential`]'s.)
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrustScore<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    badge: Option<PeerBadge>,
    creation_at: &'a str,
    trust_score_scope: [&'a str; 1],
    trust_score_type: &'a str,
    /// T: after the distrust adjustment.
    trust_value: f64,
    /// T⁺: EigenTrust before the distrust adjustment.
    trust_value_positive: f64,
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

/// Rows per piece of the peer score files: pieces of about 0.5 MB of CSV
/// and 3 MB of JSON lines, rendered in parallel as the files are written.
const PIECE_ROWS: usize = 8192;

/// Renders the score files in `formats`, `artifact_opinions.jsonl` and
/// `rejected.jsonl` of an epoch at `as_of` (RFC 3339). Scopes are written in
/// name order, peers in byte order. A non-finite score is a bug and fails the run.
///
/// The peer score files (`scores.csv`, `peer_scores.jsonl`) are returned as
/// pieces of 8,192 rows (`PIECE_ROWS`) over the scores, rendered when the epoch is
/// sealed ([`crate::scoreset::Body::Pieces`]): they are the epoch's largest
/// files by far, and are never held whole.
pub fn render(
    scopes: Vec<ScopeScores>,
    artifacts: &Combined,
    artifact_scores: &ArtifactScores,
    rejects: &[Reject],
    as_of: &str,
    formats: &[OutputFormat],
) -> Result<Vec<EpochFile>> {
    let rows = Arc::new(PeerRows::new(scopes, as_of)?);
    let [csv_on, jsonl_on, parquet_on] =
        [OutputFormat::Csv, OutputFormat::Jsonl, OutputFormat::Parquet].map(|f| formats.contains(&f));
    let mut files = Vec::new();
    if csv_on {
        let rows = Arc::clone(&rows);
        files.push(EpochFile::pieces("scores.csv", rows.pieces(), move |k| Ok(rows.csv_piece(k))));
    }
    if jsonl_on {
        let rows = Arc::clone(&rows);
        files.push(EpochFile::pieces("peer_scores.jsonl", rows.pieces(), move |k| rows.jsonl_piece(k)));
    }
    if parquet_on {
        files.push(rows.parquet()?);
    }
    let mut opinions = Vec::new();
    let lines = (artifacts.reviews.iter().map(OpinionLine::Review))
        .chain(artifacts.security.iter().map(OpinionLine::SecurityAssertion))
        .chain(artifacts.opinions.iter().map(OpinionLine::AssertionOpinion));
    for line in lines {
        json_line(&mut opinions, &line).map_err(io("artifact_opinions.jsonl"))?;
    }
    let (artifact_jsonl, artifact_csv) = render_artifact_scores(artifact_scores, as_of)?;
    files.push(EpochFile::new("artifact_opinions.jsonl", opinions));
    if jsonl_on {
        files.push(EpochFile::new("artifact_scores.jsonl", artifact_jsonl));
    }
    if csv_on {
        files.push(EpochFile::new("artifact_scores.csv", artifact_csv));
    }
    if parquet_on {
        files.push(artifact_parquet(artifact_scores)?);
    }
    files.push(jsonl_file(REJECTED, rejects)?);
    Ok(files)
}

/// The peer score rows of an epoch: the scopes in name order, each scope's
/// peers in byte order, numbered 0.. across the scopes.
struct PeerRows {
    scopes: Vec<ScopeScores>,
    /// `starts[s]`: the number of the first row of scope `s`; `starts[scopes.len()]` the row count.
    starts: Vec<usize>,
    /// The constant parts of each scope's `peer_scores.jsonl` lines.
    line_parts: Vec<LineParts>,
}

impl PeerRows {
    /// Orders the scopes and checks every score is finite.
    fn new(mut scopes: Vec<ScopeScores>, as_of: &str) -> Result<Self> {
        scopes.sort_by(|a, b| a.scope.cmp(&b.scope));
        for s in &scopes {
            let finite = |k: &usize| s.trust_positive[*k].is_finite() && s.trust[*k].is_finite();
            if let Some(k) = (0..s.peers.len()).find(|k| !finite(k)) {
                return Err(Error::NonFiniteScore { scope: s.scope.clone(), peer: s.peers[k].clone() });
            }
        }
        let mut starts = vec![0];
        for s in &scopes {
            starts.push(starts[starts.len() - 1] + s.peers.len());
        }
        let line_parts = scopes.iter().map(|s| LineParts::new(&s.scope, as_of)).collect::<Result<_>>()?;
        Ok(PeerRows { scopes, starts, line_parts })
    }

    /// How many pieces of [`PIECE_ROWS`] rows (one, for the header, when there are none).
    fn pieces(&self) -> usize {
        self.starts[self.scopes.len()].div_ceil(PIECE_ROWS).max(1)
    }

    /// The rows of piece `k`, in order: each as its scope's number and the peer's index in it.
    fn piece(&self, k: usize) -> impl Iterator<Item = (usize, usize)> {
        let (first, end) = (k * PIECE_ROWS, ((k + 1) * PIECE_ROWS).min(self.starts[self.scopes.len()]));
        let scope_of = |row: usize| self.starts.partition_point(|&start| start <= row) - 1;
        (first..end).map(move |row| {
            let s = scope_of(row);
            (s, row - self.starts[s])
        })
    }

    /// Piece `k` of `scores.csv` (the header before the first).
    fn csv_piece(&self, k: usize) -> Vec<u8> {
        let mut csv = Vec::with_capacity(PIECE_ROWS * 64);
        if k == 0 {
            csv.extend_from_slice(b"scope,peer,trust_positive,trust,badge\n");
        }
        let mut number = ryu_js::Buffer::new();
        for (s, i) in self.piece(k) {
            let s = &self.scopes[s];
            csv_field(&mut csv, s.scope.as_bytes());
            csv.push(b',');
            csv_field(&mut csv, s.peers[i].as_bytes());
            csv.push(b',');
            csv.extend_from_slice(number.format_finite(s.trust_positive[i]).as_bytes());
            csv.push(b',');
            csv.extend_from_slice(number.format_finite(s.trust[i]).as_bytes());
            csv.push(b',');
            csv.extend_from_slice(s.badges[i].map_or("", PeerBadge::name).as_bytes());
            csv.push(b'\n');
        }
        csv
    }

    /// Piece `k` of `peer_scores.jsonl`: one CAIP-261 credential line per peer.
    fn jsonl_piece(&self, k: usize) -> Result<Vec<u8>> {
        let mut jsonl = Vec::with_capacity(PIECE_ROWS * 384);
        for (s, i) in self.piece(k) {
            self.line_parts[s].write(&mut jsonl, &self.scopes[s], i)?;
        }
        Ok(jsonl)
    }

    /// `scores.parquet`: the columns of `scores.csv`, typed (the badge null where none).
    fn parquet(&self) -> Result<EpochFile> {
        let mut table = PeerTable::default();
        for s in &self.scopes {
            for (k, peer) in s.peers.iter().enumerate() {
                table.push(&s.scope, peer, s.trust_positive[k], s.trust[k], s.badges[k].map(PeerBadge::name));
            }
        }
        table.file()
    }
}

/// The parts of a scope's `peer_scores.jsonl` lines that do not change from
/// peer to peer, cut from a line serde writes: a line is then four copies,
/// the peer's escaped id and two numbers. Written millions of times, this is
/// most of the emit stage's work; a property test holds every line to the
/// canonicaliser's bytes, as [`peer_line`] is.
struct LineParts {
    /// Up to the id's opening quote.
    head: Vec<u8>,
    /// From after the id to `"trustValue":`, for no badge and each badge.
    middle: [Vec<u8>; 3],
    /// From after T to `"trustValuePositive":`.
    between: Vec<u8>,
    /// From after T⁺ to the end of the line, the newline included.
    tail: Vec<u8>,
}

impl LineParts {
    fn new(scope: &str, as_of: &str) -> Result<Self> {
        // A line of a peer whose id and numbers cannot occur elsewhere in it, cut around them.
        let (id, t, tp) = ("\u{1}", 0.5, 0.25);
        let line = |badge: Option<PeerBadge>| -> Result<Vec<u8>> {
            let s = ScopeScores {
                scope: scope.to_owned(),
                peers: vec![id.to_owned()],
                trust_positive: vec![tp],
                trust: vec![t],
                badges: vec![badge],
            };
            let mut out = Vec::new();
            write_canonical_ordered(&mut out, &peer_line(&s, 0, as_of))
                .map_err(|e| io("peer_scores.jsonl")(e.into()))?;
            out.push(b'\n');
            Ok(out)
        };
        let cut = |text: &[u8], marker: &[u8]| -> Result<(Vec<u8>, Vec<u8>)> {
            let at = text.windows(marker.len()).position(|w| w == marker).ok_or_else(|| {
                io("peer_scores.jsonl")(std::io::Error::other("a peer line's parts could not be cut"))
            })?;
            Ok((text[..at].to_vec(), text[at + marker.len()..].to_vec()))
        };
        let id_marker = br#""id":"\u0001""#;
        let t_marker = br#""trustValue":0.5,"#;
        let mut middle: [Vec<u8>; 3] = Default::default();
        let badges = [None, Some(PeerBadge::HighlyTrusted), Some(PeerBadge::Reported)];
        for (slot, badge) in middle.iter_mut().zip(badges) {
            let (_, after_id) = cut(&line(badge)?, id_marker)?;
            (*slot, _) = cut(&after_id, t_marker)?;
            slot.extend_from_slice(br#""trustValue":"#);
        }
        let (mut head, after_id) = cut(&line(None)?, id_marker)?;
        head.extend_from_slice(br#""id":"#);
        let (_, after_t) = cut(&after_id, t_marker)?;
        let (positive, tail) = cut(&after_t, b"0.25")?;
        let between = [&b","[..], &positive].concat();
        Ok(LineParts { head, middle, between, tail })
    }

    /// Appends the line of peer `k` of scope `s`.
    fn write(&self, out: &mut Vec<u8>, s: &ScopeScores, k: usize) -> Result<()> {
        let mut number = ryu_js::Buffer::new();
        out.extend_from_slice(&self.head);
        json_string(out, &s.peers[k]).map_err(|e| io("peer_scores.jsonl")(e.into()))?;
        let badge = match s.badges[k] {
            None => 0,
            Some(PeerBadge::HighlyTrusted) => 1,
            Some(PeerBadge::Reported) => 2,
        };
        out.extend_from_slice(&self.middle[badge]);
        out.extend_from_slice(number.format_finite(s.trust[k]).as_bytes());
        out.extend_from_slice(&self.between);
        out.extend_from_slice(number.format_finite(s.trust_positive[k]).as_bytes());
        out.extend_from_slice(&self.tail);
        Ok(())
    }
}

/// The `peer_scores.jsonl` line of peer `k` of scope `s`.
fn peer_line<'a>(s: &'a ScopeScores, k: usize, as_of: &'a str) -> ScoreCredential<'a, PeerScoreSubject<'a>> {
    let subject = PeerScoreSubject {
        id: &s.peers[k],
        trust_score: TrustScore {
            badge: s.badges[k],
            creation_at: as_of,
            trust_score_scope: [&s.scope],
            trust_score_type: "EigenTrust",
            trust_value: s.trust[k],
            trust_value_positive: s.trust_positive[k],
        },
    };
    ScoreCredential::new("PeerTrustScoreCredential", as_of, subject)
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
        let files = render(
            scopes.to_vec(),
            &Combined::default(),
            &ArtifactScores::default(),
            &[],
            "2026-01-01T00:00:00Z",
            &DEFAULT,
        )
        .unwrap();
        let csv = String::from_utf8(files[0].to_bytes().unwrap()).unwrap();
        assert_eq!(csv, "scope,peer,trust_positive,trust,badge\nb,\"a,b\",0.25,-0.5,\nb,c,1e-7,0.1,\nz,a,1,1,\n");
        let jsonl = String::from_utf8(files[1].to_bytes().unwrap()).unwrap();
        assert_eq!(
            jsonl.lines().next().unwrap(),
            r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"credentialSubject":{"id":"a,b","trustScore":{"creationAt":"2026-01-01T00:00:00Z","trustScoreScope":["b"],"trustScoreType":"EigenTrust","trustValue":-0.5,"trustValuePositive":0.25}},"type":["VerifiableCredential","PeerTrustScoreCredential"],"validFrom":"2026-01-01T00:00:00Z"}"#
        );
    }

    #[test]
    fn non_finite_scores_fail_instead_of_being_written() {
        let nan = [scope("s", &["p"], &[f64::NAN], &[0.0])];
        let err = render(
            nan.to_vec(),
            &Combined::default(),
            &ArtifactScores::default(),
            &[],
            "2026-01-01T00:00:00Z",
            &DEFAULT,
        )
        .unwrap_err();
        assert!(matches!(err, Error::NonFiniteScore { .. }));
    }

    #[test]
    fn pieces_across_scopes_equal_the_files_written_in_one_pass() {
        // Three scopes whose rows straddle piece boundaries (PIECE_ROWS = 8192).
        let scope_of = |name: &str, n: usize| {
            let peers: Vec<String> = (0..n).map(|i| format!("p{i:06}")).collect();
            let values: Vec<f64> = (0..n).map(|i| 1.0 / (i as f64 + 3.0)).collect();
            let mut s = scope(name, &[], &[], &[]);
            s.badges = (0..n).map(|i| (i % 7 == 0).then_some(PeerBadge::HighlyTrusted)).collect();
            (s.peers, s.trust_positive, s.trust) = (peers, values.clone(), values.iter().map(|v| -v).collect());
            s
        };
        let scopes = vec![scope_of("c", 5000), scope_of("a", 8191), scope_of("b", 9000)];
        let as_of = "2026-01-01T00:00:00Z";
        let files =
            render(scopes.clone(), &Combined::default(), &ArtifactScores::default(), &[], as_of, &DEFAULT).unwrap();
        assert!(matches!(files[0].body, crate::scoreset::Body::Pieces { count: 3, .. }));

        let mut ordered = scopes;
        ordered.sort_by(|a, b| a.scope.cmp(&b.scope));
        let rows = ordered.iter().flat_map(|s| (0..s.peers.len()).map(move |k| (s, k)));
        let csv = crate::scoreset::csv_file(
            "scores.csv",
            &["scope", "peer", "trust_positive", "trust", "badge"],
            rows.clone().map(|(s, k)| {
                let badge = s.badges[k].map_or("", PeerBadge::name).to_owned();
                vec![
                    s.scope.clone(),
                    s.peers[k].clone(),
                    es6_number(s.trust_positive[k]),
                    es6_number(s.trust[k]),
                    badge,
                ]
            }),
        )
        .unwrap();
        assert_eq!(files[0].to_bytes().unwrap(), csv.to_bytes().unwrap());
        let jsonl =
            crate::scoreset::jsonl_file("peer_scores.jsonl", rows.map(|(s, k)| peer_line(s, k, as_of))).unwrap();
        assert_eq!(files[1].to_bytes().unwrap(), jsonl.to_bytes().unwrap());
        assert_eq!(files[1].digest().unwrap(), crate::crypto::digest_bytes(&jsonl.to_bytes().unwrap()));
    }

    #[test]
    fn no_peers_give_a_header_only_csv() {
        let files =
            render(vec![], &Combined::default(), &ArtifactScores::default(), &[], "2026-01-01T00:00:00Z", &DEFAULT)
                .unwrap();
        assert_eq!(files[0].to_bytes().unwrap(), b"scope,peer,trust_positive,trust,badge\n");
        assert!(files[1].to_bytes().unwrap().is_empty());
    }

    use proptest::prelude::*;

    proptest! {
        /// A peer line written as its fields stand, and one put together from
        /// its cut parts, are the RFC 8785 canonical form of it.
        #[test]
        fn peer_lines_are_canonical(
            peer in "\\PC{0,12}|[\"\\\\\u{0}-\u{1f}\u{e000}\u{10000}]{0,4}",
            name in "\\PC{0,8}",
            tp in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            t in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            badge in 0..3u8,
        ) {
            let mut s = scope(&name, &[&peer], &[tp], &[t]);
            s.badges[0] = [None, Some(PeerBadge::HighlyTrusted), Some(PeerBadge::Reported)][badge as usize];
            let line = peer_line(&s, 0, "2026-01-01T00:00:00Z");
            let canonical = String::from_utf8(crate::crypto::canonical_json(&line).unwrap()).unwrap();
            let mut ordered = Vec::new();
            write_canonical_ordered(&mut ordered, &line).unwrap();
            prop_assert_eq!(String::from_utf8(ordered).unwrap(), canonical.clone());
            let mut cut = Vec::new();
            LineParts::new(&s.scope, "2026-01-01T00:00:00Z").unwrap().write(&mut cut, &s, 0).unwrap();
            prop_assert_eq!(String::from_utf8(cut).unwrap(), canonical + "\n");
        }
    }
}
