//! The pipeline file: `LoadedPipeline::from_text` (parse and every check
//! made while loading). Then, for a pipeline that loads:
//! - what the loader promises holds: a valid name, a non-empty list of
//!   distinct, non-blank scopes of at most 256 bytes, finite non-zero value
//!   scales, a positive decay half-life, the sentiment scope among the
//!   scopes, not both a key and `unsigned`, the sources the model reads, and
//!   the model's table resolving to its parameters;
//! - loading is deterministic, and the path helpers answer;
//! and a pipeline that does not load is refused as a configuration error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::config::{LoadedPipeline, ModelSpec};
use scoreset::ingest::SourceFormat;
use std::path::{Path, PathBuf};

fuzz_target!(init: scoreset_fuzz::init(), |data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let file = Path::new("fuzz.toml");
    let base = PathBuf::from("/fuzz-base");
    let loaded = match LoadedPipeline::from_text(text.clone(), file, base.clone()) {
        Ok(loaded) => loaded,
        Err(e) => {
            assert!(
                matches!(e, scoreset::Error::Config { .. } | scoreset::Error::ConfigSyntax { .. }),
                "a pipeline text was refused with a non-configuration error: {e}"
            );
            return;
        }
    };
    let p = &loaded.pipeline;
    assert_eq!(loaded.text, text);
    let name = p.name.as_str();
    assert!(
        !name.is_empty()
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
        "name {name:?} loaded"
    );
    assert!(!p.scopes.is_empty(), "no scopes");
    let mut seen = std::collections::HashSet::new();
    for s in &p.scopes {
        assert!(!s.trim().is_empty() && s.len() <= 256, "scope {s:?} loaded");
        assert!(seen.insert(s), "scope {s:?} twice");
    }
    if let Some(scope) = &p.sentiment.scope {
        assert!(p.scopes.contains(scope), "sentiment scope {scope:?} not computed");
    }
    assert!(p.scopes.iter().any(|s| s == p.sentiment.scope_in(&p.scopes)), "sentiment scope not among the scopes");
    for s in &p.sources {
        assert!(s.value_scale.is_finite() && s.value_scale != 0.0, "value_scale {} loaded", s.value_scale);
    }
    assert!(p.decay.half_life_days.is_none_or(|h| h.is_finite() && h > 0.0), "half-life loaded");
    assert!(!(p.signing.unsigned && p.signing.key.is_some()), "both a key and unsigned");
    for n in [0, 1, 1_000_000] {
        let e = p.eigentrust.epsilon_for(n);
        assert!(e.is_finite() && e > 0.0, "epsilon {e} for {n} peers");
    }
    match &loaded.model {
        ModelSpec::Trust => assert!(!p.sources.is_empty(), "a trust pipeline without sources"),
        ModelSpec::Publishers(t) => {
            assert!(p.sources.is_empty(), "publisher pipeline with sources");
            assert!(t.params().is_ok(), "publisher table loaded with bad parameters");
        }
        ModelSpec::Credentials(t) => {
            assert!(p.sources.is_empty(), "credential pipeline with sources");
            assert!(t.params().is_ok(), "credential table loaded with bad parameters");
        }
        ModelSpec::Patches(t) => {
            assert!(
                p.sources.iter().all(|s| s.format == SourceFormat::PatchHistory),
                "patch pipeline reads other sources"
            );
            let databases = p.sources.len() + usize::from(t.history.is_some());
            assert_eq!(databases, 1, "patch pipeline with {databases} history databases");
            assert!(t.check().is_ok(), "patch table loaded with bad weights or rules");
            let _ = t.reputation_params(&p.eigentrust);
        }
    }

    // The path helpers.
    let inputs = loaded.input_paths();
    assert!(inputs.len() >= p.sources.len());
    for path in &inputs {
        assert_eq!(loaded.local_path(path), base.join(path), "a local input resolves against the base");
    }
    assert_eq!(loaded.out_dir(None), base.join(&p.output.dir));
    assert_eq!(loaded.label(), "fuzz.toml");

    // Deterministic: the same text loads the same pipeline.
    let again = LoadedPipeline::from_text(text, file, base).expect("the same text loads again");
    assert_eq!(format!("{:?}", again.pipeline), format!("{:?}", loaded.pipeline), "loading is not deterministic");
    assert_eq!(format!("{:?}", again.model), format!("{:?}", loaded.model), "loading is not deterministic");
});
