//! The `[publishers]` table of the publisher model and the parameters it
//! resolves to (the reputation replay is in `models::publishers`).

use crate::ingest::records::SignalKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The `[publishers]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherSpec {
    /// Signal table (`signal_id, publisher, kind, timestamp, weight, evidence`): CSV, JSONL or Parquet.
    pub signals: PathBuf,
    /// Investigation table (`publisher, investigation_id, opened_at, closed_at, outcome`).
    pub investigations: Option<PathBuf>,
    /// Vouch table (`voucher, vouchee, timestamp, weight`), fed to EigenTrust.
    pub vouches: Option<PathBuf>,
    /// Score of a new publisher (default 30).
    pub start: Option<f64>,
    /// Score decay tends to (default 50).
    pub baseline: Option<f64>,
    /// Fraction of the distance to the baseline lost per whole day (default 0.005).
    pub decay_rate: Option<f64>,
    /// Weights replacing the default weight of a signal kind, by kind name.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
}

impl PublisherSpec {
    /// The model's parameters, defaults resolved; `Err` names the unusable value.
    pub fn params(&self) -> Result<ReputationParams, String> {
        let mut params = ReputationParams::default();
        params.start = self.start.unwrap_or(params.start);
        params.baseline = self.baseline.unwrap_or(params.baseline);
        params.decay_rate = self.decay_rate.unwrap_or(params.decay_rate);
        for (name, value) in [("start", params.start), ("baseline", params.baseline)] {
            if !(0.0..=100.0).contains(&value) {
                return Err(format!("[publishers] {name} = {value} must be within [0, 100]"));
            }
        }
        if !(0.0..1.0).contains(&params.decay_rate) {
            return Err(format!("[publishers] decay_rate = {} must be within [0, 1)", params.decay_rate));
        }
        for (name, &weight) in &self.weights {
            let kind = SignalKind::parse(name).ok_or_else(|| {
                let kinds: Vec<&str> = SignalKind::ALL.iter().map(|k| k.id()).collect();
                format!("[publishers.weights] {name:?} is not a signal kind (one of {kinds:?})")
            })?;
            if !weight.is_finite() {
                return Err(format!("[publishers.weights] {name} = {weight} is not finite"));
            }
            params.weights.insert(kind, weight);
        }
        Ok(params)
    }
}

/// The parameters of the model (`[publishers]` in a pipeline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReputationParams {
    /// Score of a new publisher.
    pub start: f64,
    /// Score decay tends to.
    pub baseline: f64,
    /// Fraction of the distance to the baseline lost per day.
    pub decay_rate: f64,
    /// Weight of each signal kind.
    pub weights: BTreeMap<SignalKind, f64>,
}

impl Default for ReputationParams {
    fn default() -> Self {
        ReputationParams { start: 30.0, baseline: 50.0, decay_rate: 0.005, weights: default_weights() }
    }
}

/// The default weight of each kind of signal, as the README's *Publishers*
/// lists them (a pipeline's `[publishers.weights]` overrides them).
pub fn default_weights() -> BTreeMap<SignalKind, f64> {
    use SignalKind::*;
    BTreeMap::from([
        (ProvenanceConsistency, 5.0),
        (VulnerabilityResponseTime, 8.0),
        (RevocationEvent, -15.0),
        (ExtensionQuality, 3.0),
        (CommunityReport, 2.0),
        (CertificationAdherence, 6.0),
        (CertificationLapse, -8.0),
        (QuarantineEvent, -20.0),
        (QuarantineResolution, 10.0),
    ])
}
