//! The `[credentials]` table of the compromised-credential model and the
//! parameters it resolves to (the scoring is in `models::credentials`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The `[credentials]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSpec {
    /// IdP reports (`report_id, credential_hash, idp, confidence, source, timestamp`).
    pub reports: PathBuf,
    /// Verification outcomes (`report_id, outcome, verified_at`).
    pub verifications: Option<PathBuf>,
    /// Disputes (`credential_hash, opened_by, opened_at, resolution, resolved_at, report_ids`).
    pub disputes: Option<PathBuf>,
    /// Half-life of a report's weight, in days (default 90).
    pub report_half_life_days: Option<f64>,
    /// Half-life of a verification's say in its IdP's reputation, in days (default 365).
    pub verification_half_life_days: Option<f64>,
    /// Per consuming service: reject a credential whose score is above this.
    #[serde(default)]
    pub services: BTreeMap<String, f64>,
}

impl CredentialSpec {
    /// The model's parameters, defaults resolved; `Err` names the unusable value.
    pub fn params(&self) -> Result<CredentialParams, String> {
        let mut params = CredentialParams::default();
        params.report_half_life_days = self.report_half_life_days.unwrap_or(params.report_half_life_days);
        params.verification_half_life_days =
            self.verification_half_life_days.unwrap_or(params.verification_half_life_days);
        for (name, days) in [
            ("report_half_life_days", params.report_half_life_days),
            ("verification_half_life_days", params.verification_half_life_days),
        ] {
            if !(days.is_finite() && days > 0.0) {
                return Err(format!("[credentials] {name} = {days} must be a positive number of days"));
            }
        }
        for (service, &threshold) in &self.services {
            if !(0.0..=1.0).contains(&threshold) {
                return Err(format!("[credentials.services] {service} = {threshold} must be within [0, 1]"));
            }
        }
        params.services = self.services.clone();
        Ok(params)
    }
}

/// The parameters of the model (`[credentials]` in a pipeline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialParams {
    /// Half-life of a report's weight, in days.
    pub report_half_life_days: f64,
    /// Half-life of a verification's say in its IdP's reputation, in days.
    pub verification_half_life_days: f64,
    /// Per consuming service, the score above which it rejects a credential.
    pub services: BTreeMap<String, f64>,
}

impl Default for CredentialParams {
    fn default() -> Self {
        CredentialParams { report_half_life_days: 90.0, verification_half_life_days: 365.0, services: BTreeMap::new() }
    }
}
