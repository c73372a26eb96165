//! scoreset — a batch trust computer.
//!
//! One run of a pipeline is one epoch. The data flows one way through the
//! stages, each a module with one job:
//!
//! 1. [`config`] — the pipeline file (each stage owns its section's type; the
//!    models' tables are typed in `config`, which imports nothing from [`models`]);
//! 2. [`ingest`] — read sources, validate records, reject with a reason;
//! 3. [`combine`] — what holds at `as_of`: cut-off, validity, supersede,
//!    revocation, decay, scopes;
//! 4. [`graph`] — per scope, peers in sorted order, row-stochastic trust and distrust;
//! 5. [`compute`] — EigenTrust, the distrust adjustment, vouch graphs;
//!    [`models`] — what a pipeline computes, one module per model (trust with
//!    artifact sentiment, publishers, compromised credentials, patches): each
//!    reads its inputs, computes with pure functions and renders its files;
//! 6. [`scoreset`] — seal the epoch's files: the signed `manifest.json` and
//!    the `scoreset.car`; plus the generic file writers (JSON lines, CSV) the
//!    models render their files with;
//! 7. [`publish`] — write the epoch atomically, move `latest` (and
//!    `latest.cid`), and import it on an IPFS node when the pipeline says so.
//!
//! [`runner`] runs one epoch: checks, the lock, the model, seal, publish
//! (with the power iteration on a timely cluster's workers: [`cluster`]);
//! [`verify`] checks a published epoch (and a publisher epoch's audit chain,
//! and fetches one from a gateway for `scoreset fetch`)
//! and can re-run it (the command line lives in the binary, `src/cli/`); [`explain`]
//! decomposes a score (re-running a trust epoch on its recorded inputs),
//! [`diff`] compares two epochs and [`report`] writes the HTML page that
//! checks an epoch in the browser; [`history`] is the
//! patch-history database the patch model reads and `scoreset history` writes.
//! [`fetch`] brings network inputs into the content-addressed input cache.
//! Below the stages, [`progress`] reports long stages as events, [`memory`] what the process holds (for the stage logs), [`fsio`] reads
//! untrusted files (regular files only, bounded), [`numeric`] holds the deterministic summation, [`cache`] the prefetch hint the gathering passes use, [`crypto`] the content ids,
//! did:key and eddsa-jcs-2022 proofs, and `synth` (feature `synth`, on by
//! default) the seeded synthetic graphs and samples used by benchmarks, tests and `data/`.

#![deny(missing_docs)]

pub mod as_of;
pub mod cache;
pub mod cluster;
pub mod combine;
pub mod compute;
pub mod config;
pub mod crypto;
pub mod diff;
pub mod error;
pub mod explain;
pub mod fetch;
pub mod fsio;
pub mod graph;
pub mod history;
pub mod ingest;
pub mod memory;
pub mod models;
pub mod numeric;
pub mod progress;
pub mod publish;
pub mod report;
pub mod runner;
pub mod scoreset;
#[cfg(feature = "synth")]
pub mod synth;
pub mod verify;

pub use error::{Error, Result};
