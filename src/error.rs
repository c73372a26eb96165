//! The library's error type and the process exit code each kind maps to.

use std::path::PathBuf;

/// Everything that can stop a run. Records that are merely bad are not errors:
/// they become [`crate::ingest::Reject`]s and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pipeline file is not valid TOML or has an unknown or mistyped key.
    /// The TOML error text (the source) names the line, the column and the key.
    ///
    /// As everywhere in this type, a message does not repeat its source: the
    /// binary prints the chain of causes, each once.
    #[error("{path}", path = path.display())]
    ConfigSyntax {
        /// The file concerned.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// The pipeline file parses but a value is unusable.
    #[error("{path}: {message}", path = path.display())]
    Config {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A file could not be opened or read.
    #[error("cannot read {path}", path = path.display())]
    Read {
        /// The file concerned.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An input file exists but as a whole cannot be used (e.g. not Parquet).
    #[error("{path}: {message}", path = path.display())]
    Input {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// `strict = true` and at least one record was rejected.
    #[error("{count} record(s) rejected and the pipeline is strict; first: {first}")]
    Strict {
        /// How many records were rejected.
        count: usize,
        /// The first reject, as a line.
        first: String,
    },
    /// A command-line argument is unusable.
    #[error("{0}")]
    Usage(String),
    /// The power iteration did not reach ε within `max_iterations`.
    #[error(
        "EigenTrust did not converge: residual {residual:e} > epsilon {epsilon:e} after {iterations} iterations (raise [eigentrust] max_iterations or epsilon)"
    )]
    NotConverged {
        /// Iterations run.
        iterations: u32,
        /// The last L2 residual.
        residual: f64,
        /// The ε it had to reach.
        epsilon: f64,
    },
    /// A computed score is NaN or infinite: a bug, never written out.
    #[error("non-finite score for peer {peer:?} in scope {scope:?} (this is a bug)")]
    NonFiniteScore {
        /// The scope.
        scope: String,
        /// The peer.
        peer: String,
    },
    /// The epoch directory for this `as_of` already exists.
    #[error("epoch {path} already exists; choose another --as-of or --out", path = path.display())]
    EpochExists {
        /// The file concerned.
        path: PathBuf,
    },
    /// An epoch failed verification: `file` is the first thing that differs.
    #[error("INVALID: {file}: {reason}")]
    Invalid {
        /// The first file that differs (or the manifest).
        file: String,
        /// How it differs.
        reason: String,
    },
    /// The epoch carries no signature.
    #[error("INVALID: {path} is unsigned (the pipeline had no [signing] key)", path = path.display())]
    Unsigned {
        /// The file concerned.
        path: PathBuf,
    },
    /// Another run of the pipeline holds its lock.
    #[error("another run of this pipeline is under way ({holder}; lock {path}); pass --wait to wait for it", path = path.display())]
    Locked {
        /// The file concerned.
        path: PathBuf,
        /// Who holds the lock, as its file says.
        holder: String,
    },
    /// Writing the epoch failed; nothing was published.
    #[error("cannot write {path}", path = path.display())]
    Write {
        /// The file concerned.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The patch-history database cannot be opened or read: unusable input.
    #[error("cannot read the patch-history database {path}", path = path.display())]
    DatabaseRead {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Writing the patch-history database failed: nothing was recorded.
    #[error("cannot write the patch-history database {path} ({action})", path = path.display())]
    DatabaseWrite {
        /// The database file.
        path: PathBuf,
        /// What was being written.
        action: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A record could not be serialised (e.g. the manifest).
    #[error("cannot serialise {what}")]
    Serialize {
        /// What was being serialised.
        what: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A network input could not be fetched; nothing was computed or published.
    #[error("cannot fetch {url}: {reason}")]
    Fetch {
        /// The URL.
        url: String,
        /// What went wrong, with the number of attempts.
        reason: String,
    },
    /// Publishing a written epoch to IPFS failed; the epoch and `latest` stay.
    #[error("cannot publish to {endpoint}: {reason}; the epoch is written (retry with `scoreset publish EPOCH`)")]
    Publish {
        /// The node's RPC endpoint.
        endpoint: String,
        /// What went wrong.
        reason: String,
    },
    /// A cluster run failed: a process could not be reached, refused the
    /// job, died, or said nothing within the timeout. No epoch is written.
    #[error("cluster: {message}")]
    Cluster {
        /// What happened, naming the process.
        message: String,
        /// The cause, when it is an I/O error.
        #[source]
        source: Option<std::io::Error>,
    },
    /// An invariant the code relies on did not hold.
    #[error("internal error: {0} (this is a bug)")]
    Internal(String),
}

impl Error {
    /// Exit status for the command line: 1 when the computation or the writing
    /// of its result failed, or an epoch is invalid; 2 when the input or the
    /// configuration is unusable (or, for `verify`, the epoch cannot be checked).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::NotConverged { .. }
            | Error::NonFiniteScore { .. }
            | Error::Write { .. }
            | Error::Invalid { .. }
            | Error::Unsigned { .. }
            | Error::DatabaseWrite { .. }
            | Error::Serialize { .. }
            | Error::Internal(_)
            | Error::Cluster { .. }
            | Error::Publish { .. } => 1,
            Error::ConfigSyntax { .. }
            | Error::Config { .. }
            | Error::Read { .. }
            | Error::Input { .. }
            | Error::Strict { .. }
            | Error::Usage(_)
            | Error::Locked { .. }
            | Error::EpochExists { .. }
            | Error::DatabaseRead { .. }
            | Error::Fetch { .. } => 2,
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
