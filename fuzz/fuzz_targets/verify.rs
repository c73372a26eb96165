//! `scoreset verify` on fuzzed epochs. At start a real epoch is made and
//! signed with a fixed key (`runner::run`, fixed `as_of`, so it is the same
//! bytes in every process and the seeds match it). Each input then builds an
//! epoch folder from it:
//! - first byte < 0x80: the real epoch with file number `byte % (files + 1)`
//!   replaced by the rest of the input (one past the last: an extra file);
//! - first byte ≥ 0x80: the rest split at `SPLIT` into `manifest.json`,
//!   `scoreset.car` and one score file.
//!
//! `verify_epoch` must never call VALID a folder whose bytes differ from what
//! was signed: the manifest and every output byte for byte, and the same set
//! of files. The CAR is not signed itself (it holds the manifest): it must
//! hold exactly the signed blocks under the signed root — the same roots and
//! the same set of blocks (`verify` does not fix their order, see docs/fuzzing.md).
//!
//! With `SCORESET_FUZZ_SEEDS=<folder>` set, the target writes its seeds
//! (each file of the real epoch as an input of the first kind, and the split
//! form) into that folder when it starts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scoreset::as_of::AsOf;
use scoreset::crypto::{car, did_key};
use scoreset::scoreset::{CAR, MANIFEST};
use scoreset::verify::{VerifyOptions, verify_epoch};
use scoreset_fuzz::{scratch, split_first};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Separates the files of an input of the second kind.
const SPLIT: &[u8] = b"\n#~#~#\n";

struct Epoch {
    /// Its files (name, bytes), by name.
    files: Vec<(String, Vec<u8>)>,
    /// Where inputs are laid out: `<scratch>/w/p/<the epoch's name>`.
    dir: PathBuf,
}

fn make_epoch() -> Epoch {
    use std::os::unix::fs::PermissionsExt;
    let src = scratch().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[0x5e; 32]);
    let key_file = src.join("signing.key");
    std::fs::write(&key_file, format!("{}\n", did_key::secret_key_multibase(&key))).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    // One self-trust line, so the epoch has a rejects file too.
    std::fs::write(src.join("edges.csv"), "a,b,1\nb,c,0.5\nc,a,-0.25\nb,a,2\nd,a,1\nc,c,1\n").unwrap();
    let pipeline = src.join("p.toml");
    std::fs::write(
        &pipeline,
        "name = \"p\"\n[[source]]\nformat = \"edges\"\npath = \"edges.csv\"\n\
         [pretrust]\nentries = { a = 1.0 }\n[signing]\nkey = \"signing.key\"\n",
    )
    .unwrap();
    let options = scoreset::runner::RunOptions {
        as_of: Some(AsOf::parse("2026-01-01T00:00:00Z").unwrap()),
        out_dir: Some(src.join("out")),
        ..Default::default()
    };
    let published = scoreset::runner::run(&pipeline, &options).expect("the seed epoch runs").published.dir;
    verify_epoch(&published, &VerifyOptions::default()).expect("the seed epoch verifies");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&published)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    let name = published.file_name().unwrap();
    Epoch { files, dir: scratch().join("w").join("p").join(name) }
}

fn epoch() -> &'static Epoch {
    static EPOCH: OnceLock<Epoch> = OnceLock::new();
    EPOCH.get_or_init(make_epoch)
}

/// The first output that is neither the manifest nor the CAR.
fn score_file(epoch: &Epoch) -> &str {
    epoch.files.iter().map(|(n, _)| n.as_str()).find(|n| *n != MANIFEST && *n != CAR).unwrap()
}

fn write_seeds(folder: &Path) {
    let epoch = epoch();
    std::fs::create_dir_all(folder).unwrap();
    for (k, (name, bytes)) in epoch.files.iter().enumerate() {
        let mut input = vec![k as u8];
        input.extend_from_slice(bytes);
        std::fs::write(folder.join(format!("replace-{name}")), input).unwrap();
    }
    std::fs::write(folder.join("extra-file"), [epoch.files.len() as u8, b'x']).unwrap();
    let file = |name: &str| &epoch.files.iter().find(|(n, _)| n == name).unwrap().1;
    let mut split = vec![0x80];
    for (i, part) in [file(MANIFEST), file(CAR), file(score_file(epoch))].into_iter().enumerate() {
        if i > 0 {
            split.extend_from_slice(SPLIT);
        }
        split.extend_from_slice(part);
    }
    std::fs::write(folder.join("split"), split).unwrap();
}

/// The roots and the set of blocks of a CAR, comparable.
fn car_contents(bytes: &[u8]) -> Option<(Vec<String>, Vec<(String, Vec<u8>)>)> {
    let (roots, blocks) = car::read_car(bytes).ok()?;
    let mut blocks: Vec<(String, Vec<u8>)> = blocks.into_iter().map(|(c, b)| (c.to_string(), b)).collect();
    blocks.sort();
    Some((roots.iter().map(ToString::to_string).collect(), blocks))
}

fuzz_target!(
    init: {
        scoreset_fuzz::init();
        // Made here, not while an input runs: the run leaks a few bytes once
        // (`publish::write_epoch` forgets its staging guard, a PathBuf), and
        // LeakSanitizer would blame the input that happened to make it.
        epoch();
        if let Some(folder) = std::env::var_os("SCORESET_FUZZ_SEEDS") {
            write_seeds(Path::new(&folder));
        }
    },
    |data: &[u8]| {
    let epoch = epoch();
    let (selector, rest) = split_first(data);
    let files: Vec<(String, Vec<u8>)> = if selector < 0x80 {
        let mut files = epoch.files.clone();
        let k = usize::from(selector) % (files.len() + 1);
        match files.get_mut(k) {
            Some((_, bytes)) => *bytes = rest.to_vec(),
            None => files.push(("extra.csv".into(), rest.to_vec())),
        }
        files
    } else {
        let mut parts = Vec::new();
        let mut remaining = rest;
        for _ in 0..2 {
            match remaining.windows(SPLIT.len()).position(|w| w == SPLIT) {
                Some(at) => {
                    parts.push(&remaining[..at]);
                    remaining = &remaining[at + SPLIT.len()..];
                }
                None => break,
            }
        }
        parts.push(remaining);
        let names = [MANIFEST, CAR, score_file(epoch)];
        parts.into_iter().zip(names).map(|(bytes, name)| (name.to_owned(), bytes.to_vec())).collect()
    };

    let _ = std::fs::remove_dir_all(&epoch.dir);
    std::fs::create_dir_all(&epoch.dir).unwrap();
    for (name, bytes) in &files {
        std::fs::write(epoch.dir.join(name), bytes).unwrap();
    }
    let Ok(report) = verify_epoch(&epoch.dir, &VerifyOptions::default()) else { return };

    // VALID: the folder must hold what was signed.
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(n, _)| n.clone()).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(names(&files), names(&epoch.files), "VALID with another set of files: {report:?}");
    for (name, bytes) in &files {
        let signed = &epoch.files.iter().find(|(n, _)| n == name).unwrap().1;
        if bytes == signed {
            continue;
        }
        assert_eq!(name, CAR, "VALID with {name} altered ({} bytes, signed {} bytes)", bytes.len(), signed.len());
        assert!(
            car_contents(bytes).is_some() && car_contents(bytes) == car_contents(signed),
            "VALID with a CAR that does not hold exactly the signed blocks under the signed root"
        );
    }
});
