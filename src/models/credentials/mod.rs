//! The compromised-credential model: IdP reports, verifications and disputes
//! → IdP reputations and credential scores with per-service decisions.

mod scoring;

pub use scoring::*;

use super::ComputedEpoch;
use crate::as_of::AsOf;
use crate::compute::PowerIteration;
use crate::config::{CredentialSpec, LoadedPipeline};
use crate::error::{Error, Result};
use crate::ingest::RejectReason;
use crate::ingest::records;
use crate::ingest::table::{self, Origin};
use crate::numeric::es6_number;
use crate::scoreset::{REJECTED, csv_file, jsonl_file};
use serde::Serialize;
use serde_json::json;

/// The algorithm identifiers of a credentials epoch.
pub(super) const ALGORITHMS: &[(&str, &str)] = &[
    ("idpReputation", "Beta(1,1) posterior mean of age-weighted confirmed vs refuted reports"),
    (
        "credentialScore",
        "noisy-OR over IdPs of max report weight; weight = IdP reputation x 2^(-age/half-life) x confidence (confirmed: decay only; refuted or cleared: 0)",
    ),
    ("decision", "reject when score > the service's threshold"),
];

/// What a credentials epoch computed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialCounts {
    /// Credentials scored.
    pub credentials: u64,
    /// IdPs with reports.
    pub idps: u64,
    /// Rejections per service.
    pub rejected_per_service: std::collections::BTreeMap<String, u64>,
    /// Reports, verifications and disputes dated after `as_of`.
    pub after_as_of: u64,
}

impl super::Report for CredentialCounts {
    fn algorithms(&self) -> std::collections::BTreeMap<String, String> {
        crate::scoreset::manifest::algorithms(ALGORITHMS)
    }

    fn counts(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn summary_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        lines.push(format!("{:<11} {} credentials scored, {} IdPs", "credentials", self.credentials, self.idps));
        for (service, n) in &self.rejected_per_service {
            lines.push(format!("{:<11} {service}: {n} rejected", "decisions"));
        }
        lines
    }
}

/// The model itself is its `[credentials]` table.
impl super::Model for CredentialSpec {
    fn id(&self) -> &'static str {
        crate::config::Model::Credentials.id()
    }

    fn parameters(&self, loaded: &LoadedPipeline) -> Result<serde_json::Value> {
        manifest_parameters(loaded, self)
    }

    fn compute(&self, loaded: &LoadedPipeline, as_of: &AsOf, _kernel: &dyn PowerIteration) -> Result<ComputedEpoch> {
        compute(loaded, self, as_of)
    }
}

/// The parameters recorded in the manifest.
fn manifest_parameters(loaded: &LoadedPipeline, spec: &CredentialSpec) -> Result<serde_json::Value> {
    let params = spec.params().map_err(|message| Error::Config { path: loaded.file.clone(), message })?;
    Ok(json!({
        "reportHalfLifeDays": params.report_half_life_days,
        "verificationHalfLifeDays": params.verification_half_life_days,
        "services": params.services,
        "strict": loaded.pipeline.strict,
    }))
}

/// Reads the tables, scores the credentials and renders the files.
fn compute(loaded: &LoadedPipeline, spec: &CredentialSpec, as_of: &AsOf) -> Result<ComputedEpoch> {
    let params = spec.params().map_err(|message| Error::Config { path: loaded.file.clone(), message })?;
    let mut tables = super::Tables::default();
    let (_, reports) = tables.read_unique(loaded, &spec.reports, records::read_reports, |r| &r.id, "report_id")?;
    let (verification_input, verifications) = match &spec.verifications {
        Some(path) => tables.read(loaded, path, records::read_verifications).map(|(k, v)| (Some(k), v))?,
        None => (None, Vec::new()),
    };
    let (dispute_input, disputes) = match &spec.disputes {
        Some(path) => tables.read(loaded, path, records::read_disputes).map(|(k, d)| (Some(k), d))?,
        None => (None, Vec::new()),
    };

    let reports = table::split(reports).0;
    let (verifications, verification_origins) = table::split(verifications);
    let (disputes, dispute_origins) = table::split(disputes);
    let scored = scoring::score(&reports, &verifications, &disputes, &params, as_of.unix_ms());
    if let Some(input) = verification_input {
        for &k in &scored.unknown_verifications {
            let Origin { position, raw } = verification_origins[k].clone();
            let detail = format!("report_id {:?} names no accepted report", verifications[k].report);
            tables.refuse(input, position, raw, RejectReason::UnknownReference, detail);
        }
    }
    if let Some(input) = dispute_input {
        for (k, report) in &scored.unknown_dispute_reports {
            let Origin { position, raw } = dispute_origins[*k].clone();
            let detail = format!("report {report:?} is no accepted report about the disputed credential");
            tables.refuse(input, position, raw, RejectReason::UnknownReference, detail);
        }
    }

    let mut rejected_per_service = std::collections::BTreeMap::new();
    for service in params.services.keys() {
        let n = scored.credentials.iter().filter(|c| c.decisions.get(service) == Some(&Decision::Reject)).count();
        rejected_per_service.insert(service.clone(), n as u64);
    }
    let services: Vec<&str> = params.services.keys().map(String::as_str).collect();
    let header: Vec<&str> =
        ["credential_hash", "score", "contributing_reports"].into_iter().chain(services.iter().copied()).collect();
    let rows = scored.credentials.iter().map(|c| {
        let mut row = vec![c.credential_hash.clone(), es6_number(c.score), c.contributing_reports.to_string()];
        row.extend(c.decisions.values().map(|d| if *d == Decision::Reject { "reject" } else { "accept" }.to_owned()));
        row
    });
    let decisions = csv_file("credential_decisions.csv", &header, rows)?;
    let counts = CredentialCounts {
        credentials: scored.credentials.len() as u64,
        idps: scored.idps.len() as u64,
        rejected_per_service,
        after_as_of: scored.after_as_of,
    };
    let files = vec![
        jsonl_file("credential_scores.jsonl", &scored.credentials)?,
        decisions,
        jsonl_file("idp_reputation.jsonl", &scored.idps)?,
        jsonl_file(REJECTED, &tables.rejects)?,
    ];
    Ok(ComputedEpoch::new(files, tables.stats, &tables.rejects, counts))
}
