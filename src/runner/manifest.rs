//! The manifest of an epoch, assembled from what the run knows: the
//! pipeline, the model's parameters, algorithms and counts, the inputs, the
//! rejects and the link to the previous epoch.

use crate::as_of::AsOf;
use crate::config::LoadedPipeline;
use crate::error::{Error, Result};
use crate::models::{ComputedSummary, Model};
use crate::scoreset::manifest::{InputRecord, Manifest, PipelineRecord, Software, Subject, VC_CONTEXT};
use std::collections::BTreeMap;

/// The manifest of an epoch: the pipeline, its parameters and inputs, the
/// model's algorithms and counts with the rejects, the link to the previous
/// epoch. Outputs and issuer are filled in when sealing.
pub fn build(
    loaded: &LoadedPipeline,
    model: &dyn Model,
    computed: &ComputedSummary,
    as_of: &AsOf,
    previous: Option<(String, String)>,
) -> Result<Manifest> {
    let pipeline = &loaded.pipeline;
    let base_dir = std::path::absolute(&loaded.base_dir)
        .map_err(|source| Error::Read { path: loaded.base_dir.clone(), source })?;
    let failed = |source| Error::Serialize { what: crate::scoreset::MANIFEST.into(), source };
    let parameters = model.parameters(loaded)?;
    let (algorithms, mut counts) = (computed.report.algorithms(), computed.report.counts().map_err(failed)?);
    if let Some(counts) = counts.as_object_mut() {
        let by_reason: BTreeMap<&str, usize> = computed.rejects_by_reason.iter().map(|(k, v)| (*k, *v)).collect();
        counts.insert("rejected".into(), by_reason.values().sum::<usize>().into());
        counts.insert("rejectedByReason".into(), serde_json::to_value(by_reason).map_err(failed)?);
    }
    let subject = Subject {
        pipeline: PipelineRecord {
            name: pipeline.name.as_str().to_owned(),
            file: loaded.label(),
            base_dir: base_dir.display().to_string(),
            sha256: crate::crypto::digest_bytes(loaded.text.as_bytes()).sha256,
            toml: loaded.text.clone(),
        },
        as_of: as_of.rfc3339(),
        model: model.id().to_owned(),
        algorithms,
        parameters,
        inputs: computed
            .inputs
            .iter()
            .map(|i| InputRecord {
                source: i.source.clone(),
                kind: i.kind.to_owned(),
                digest: i.digest.clone(),
                records: i.records,
                rejected: i.rejected,
            })
            .collect(),
        outputs: Vec::new(),
        counts,
        previous: previous.as_ref().map(|(_, cid)| cid.clone()),
        previous_epoch: previous.map(|(name, _)| name),
        software: Software::this(),
    };
    Ok(Manifest {
        context: vec![VC_CONTEXT.to_owned()],
        kinds: vec!["VerifiableCredential".into(), "Scoreset".into()],
        id: format!("urn:scoreset:{}:{}", pipeline.name.as_str(), as_of.basic()),
        issuer: None,
        valid_from: as_of.rfc3339(),
        credential_subject: subject,
    })
}
