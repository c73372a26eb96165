//! Cluster mode: EigenTrust's power iteration on timely-dataflow workers in
//! several processes, connected over TCP, with the single-machine run's bits.
//!
//! Every process runs the same pipeline (`scoreset run PIPELINE --cluster
//! HOSTS --process P`); at each power iteration its workers compute the
//! chunks of rows they own and broadcast them ([`worker`]), and every worker
//! adds the chunks' squared differences in chunk order, as [`crate::numeric`]
//! does on one machine. Process 0 writes the epoch; the others write nothing.
//!
//! A process that dies, or whose connection fails, fails the run on every
//! other process naming it ([`net::Watched`]); one that hangs fails it after
//! the timeout.

pub mod net;
pub mod worker;

use crate::compute::EigenTrustParams;
use crate::compute::eigentrust::{Iterates, PowerIteration};
use crate::error::{Error, Result};
use crate::graph::Incoming;
use crate::numeric::CHUNK;
use net::Failures;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use timely::communication::allocator::ProcessBuilder;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::{AllocatorBuilder, Hooks, WorkerGuards};
use worker::{Columns, Command, Event, Gather, Job, Layout};

/// Longest host file read (a line per process).
const MAX_HOST_FILE: u64 = 1 << 20;

/// `[cluster]` in the pipeline file, or the command line's flags: each key
/// unset here is taken from the other, the command line winning.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// The host file (relative to the pipeline's base folder).
    pub hosts: Option<PathBuf>,
    /// This process's number in it.
    pub process: Option<usize>,
    /// Timely worker threads per process (default 1).
    pub workers: Option<usize>,
    /// Seconds to wait for the other processes (default 300).
    pub timeout_seconds: Option<u64>,
}

impl ClusterSection {
    /// The cluster this run is part of, if any: `flags` over `file` (the
    /// pipeline's `[cluster]`, whose host file resolves against `base`).
    pub fn resolve(flags: &ClusterSection, file: Option<&ClusterSection>, base: &Path) -> Result<Option<ClusterSpec>> {
        let file = file.cloned().unwrap_or_default();
        let hosts = match (&flags.hosts, &file.hosts) {
            (Some(hosts), _) => hosts.clone(),
            (None, Some(hosts)) => base.join(hosts),
            (None, None) if flags.process.is_some() || file.process.is_some() => {
                return Err(Error::Usage(
                    "a process number without a host file: give --cluster HOSTFILE or [cluster] hosts".to_owned(),
                ));
            }
            (None, None) => return Ok(None),
        };
        let process = flags.process.or(file.process).ok_or_else(|| {
            Error::Usage(format!(
                "{} names the cluster; this process's number is missing: --process P or [cluster] process",
                hosts.display()
            ))
        })?;
        let workers = flags.workers.or(file.workers).unwrap_or(1);
        let timeout = Duration::from_secs(flags.timeout_seconds.or(file.timeout_seconds).unwrap_or(300).max(1));
        ClusterSpec::from_host_file(&hosts, process, workers, timeout).map(Some)
    }
}

/// Where this process sits in a cluster run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Every process's `host:port`, process 0 first (the host file's lines).
    pub hosts: Vec<String>,
    /// This process's number.
    pub process: usize,
    /// Worker threads per process.
    pub workers: usize,
    /// How long to wait for the others: to connect, and in each round.
    pub timeout: Duration,
}

impl ClusterSpec {
    /// Reads the host file (one `host:port` per line, process 0 first; blank
    /// lines and `#` comments skipped) and checks `process` and `workers`.
    pub fn from_host_file(path: &Path, process: usize, workers: usize, timeout: Duration) -> Result<Self> {
        let text = crate::fsio::read_text_limited(path, MAX_HOST_FILE)?;
        let mut hosts = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if line.split_whitespace().count() != 1 || !line.contains(':') {
                return Err(Error::Input {
                    path: path.to_owned(),
                    message: format!("line {}: {line:?} is not one host:port", number + 1),
                });
            }
            if hosts.iter().any(|h| h == line) {
                return Err(Error::Input {
                    path: path.to_owned(),
                    message: format!("line {}: {line} is listed twice", number + 1),
                });
            }
            hosts.push(line.to_owned());
        }
        if hosts.is_empty() {
            return Err(Error::Input { path: path.to_owned(), message: "names no host:port".to_owned() });
        }
        if process >= hosts.len() {
            return Err(Error::Usage(format!(
                "--process {process}: {} lists {} process(es), numbered from 0",
                path.display(),
                hosts.len()
            )));
        }
        if workers == 0 {
            return Err(Error::Usage("--workers: at least 1".to_owned()));
        }
        Ok(ClusterSpec { hosts, process, workers, timeout })
    }

    /// Processes × workers.
    pub fn total_workers(&self) -> usize {
        self.hosts.len() * self.workers
    }
}

/// This process's part of a running cluster: its worker threads and their
/// connections to the other processes. Dropping it without [`Cluster::shutdown`]
/// leaves the threads to end with the process (after a failure).
pub struct Cluster {
    spec: ClusterSpec,
    commands: Vec<Sender<Command>>,
    events: Mutex<Receiver<Event>>,
    guards: Mutex<Option<WorkerGuards<()>>>,
    failures: Arc<Failures>,
    closing: Arc<AtomicBool>,
    jobs: AtomicU64,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("spec", &self.spec).finish_non_exhaustive()
    }
}

impl Cluster {
    /// Connects to the other processes (waiting at most the spec's timeout
    /// for all of them) and starts this process's workers. `job` identifies
    /// the run; a process whose `job` differs is refused.
    pub fn connect(spec: &ClusterSpec, job: &[u8; 32]) -> Result<Cluster> {
        quiet_timely_panics();
        let failures = Arc::new(Failures::default());
        let closing = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let sockets = net::connect(&spec.hosts, spec.process, job, spec.timeout, &failures, &closing)?;
        tracing::info!(process = spec.process, processes = spec.hosts.len(), workers = spec.workers, elapsed = ?started.elapsed(), "cluster: connected");
        // The tests' stand-in for a process that hangs (and, killed, for one that dies) mid-run.
        if std::env::var_os("SCORESET_CLUSTER_HANG_AFTER_CONNECT").is_some() {
            loop {
                std::thread::park();
            }
        }
        let hooks = Hooks::default();
        let local = ProcessBuilder::new_typed_vector(spec.workers, hooks.refill.clone(), hooks.spill.clone());
        let (builders, comms) = initialize_networking_from_sockets(local, sockets, spec.process, spec.workers, hooks)
            .map_err(|source| Error::Cluster {
            message: "cannot start the connections' threads".to_owned(),
            source: Some(source),
        })?;
        let builders: Vec<AllocatorBuilder> = builders.into_iter().map(AllocatorBuilder::Tcp).collect();

        let (event_sender, events) = mpsc::channel();
        let mut commands = Vec::new();
        let receivers: Vec<Mutex<Option<Receiver<Command>>>> = (0..spec.workers)
            .map(|_| {
                let (sender, receiver) = mpsc::channel();
                commands.push(sender);
                Mutex::new(Some(receiver))
            })
            .collect();
        let layout = Layout {
            process: spec.process,
            workers: spec.workers,
            hosts: spec.hosts.clone().into(),
            timeout: spec.timeout,
        };
        let worker_failures = Arc::clone(&failures);
        let event_sender = Mutex::new(event_sender);
        let guards = timely::communication::initialize_from(builders, Box::new(comms), move |allocator| {
            let mut worker =
                timely::worker::Worker::new(timely::WorkerConfig::default(), allocator, Some(Instant::now()));
            let local = worker.index() - layout.process * layout.workers;
            let commands = receivers[local].lock().ok().and_then(|mut r| r.take());
            let events = event_sender.lock().map(|s| s.clone());
            if let (Some(commands), Ok(events)) = (commands, events) {
                worker::run(&mut worker, &layout, commands, events, &worker_failures);
            }
        })
        .map_err(|message| Error::Cluster { message: format!("cannot start the workers: {message}"), source: None })?;
        Ok(Cluster {
            spec: spec.clone(),
            commands,
            events: Mutex::new(events),
            guards: Mutex::new(Some(guards)),
            failures,
            closing,
            jobs: AtomicU64::new(0),
        })
    }

    /// Stops the workers once every process is done and closes the
    /// connections. Failures after the last job do not change any result,
    /// so they are logged, not returned.
    pub fn shutdown(self) -> Result<()> {
        self.closing.store(true, Ordering::SeqCst);
        for commands in &self.commands {
            let _ = commands.send(Command::Shutdown);
        }
        if let Some(guards) = self.guards.lock().ok().and_then(|mut g| g.take()) {
            // Joining the connections' threads panics (in timely) when one of
            // them did: the other process may already be gone, which is fine now.
            JOINING.set(true);
            let joined = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guards.join()));
            JOINING.set(false);
            if !matches!(&joined, Ok(results) if results.iter().all(Result::is_ok)) {
                tracing::debug!("cluster: a connection ended uncleanly after the last job");
            }
        }
        Ok(())
    }

    /// The first failure recorded, or the first panic of a worker thread, or `fallback`.
    fn failure(&self, fallback: &str) -> Error {
        let message = self.failures.first().or_else(first_panic).unwrap_or_else(|| fallback.to_owned());
        Error::Cluster { message, source: None }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Not shut down: a failure. Joining could wait on a dead process for
        // ever; the threads end with the process.
        if let Some(guards) = self.guards.get_mut().ok().and_then(Option::take) {
            self.closing.store(true, Ordering::SeqCst);
            std::mem::forget(guards);
        }
    }
}

impl PowerIteration for Cluster {
    fn shards(&self) -> Option<&dyn crate::ingest::Shards> {
        Some(self)
    }

    fn iterate(
        &self,
        c: &Incoming,
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        on_iteration: &mut dyn FnMut(u32, f64),
    ) -> Result<Iterates> {
        if let Some(failure) = self.failures.first() {
            return Err(Error::Cluster { message: failure, source: None });
        }
        let n = p.len();
        let chunks = n.div_ceil(CHUNK);
        let total = self.spec.total_workers();
        let columns = (0..self.spec.workers)
            .map(|local| {
                let rows = worker::chunk_rows(
                    worker::owned_chunks(self.spec.process * self.spec.workers + local, total, chunks),
                    n,
                );
                Columns { first: rows.start, incoming: c.columns(rows) }
            })
            .collect();
        let sequence = self.jobs.fetch_add(1, Ordering::SeqCst);
        let job = Arc::new(Job {
            sequence,
            columns,
            dangling: dangling.to_vec(),
            leak: leak.to_vec(),
            p: p.to_vec(),
            params: *params,
        });
        for commands in &self.commands {
            commands.send(Command::Iterate(Arc::clone(&job))).map_err(|_| self.failure("a worker thread stopped"))?;
        }
        drop(job);
        self.answers(|event| match event {
            Event::Iteration(k, residual) => {
                on_iteration(k, residual);
                None
            }
            Event::Done(result) => Some(result),
            Event::Gathered(_) => Some(Err(Error::Internal("a gather answered an iteration".to_owned()))),
        })
    }
}

impl Cluster {
    /// Waits until each of this process's workers has answered the job just
    /// handed to them; `answer` turns an event into a worker's answer (the
    /// first worker's `Some`) or handles a progress event (`None`).
    fn answers<T>(&self, mut answer: impl FnMut(Event) -> Option<Result<Option<T>>>) -> Result<T> {
        let events = self.events.lock().map_err(|_| Error::Internal("cluster events poisoned".to_owned()))?;
        let mut done = 0;
        let mut result = None;
        while done < self.spec.workers {
            match events.recv_timeout(Duration::from_millis(50)) {
                Ok(event) => match answer(event) {
                    None => {}
                    Some(Ok(value)) => {
                        done += 1;
                        result = result.or(value);
                    }
                    Some(Err(e)) => return Err(e),
                },
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // A worker that panicked (timely does, when a connection dies) sends nothing.
                    if self.failures.first().is_some() || first_panic().is_some() {
                        // A worker's own error (another process's reason, its timeout) says more
                        // than a connection that closed after it: give the workers a moment.
                        let until = Instant::now() + Duration::from_secs(1);
                        while let Ok(event) = events.recv_timeout(until.saturating_duration_since(Instant::now())) {
                            if let Some(Err(e)) = answer(event) {
                                return Err(e);
                            }
                        }
                        return Err(self.failure("a worker thread stopped"));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(self.failure("the worker threads stopped")),
            }
        }
        result.ok_or_else(|| Error::Internal("the process's first worker returned nothing".to_owned()))
    }
}

impl crate::ingest::Shards for Cluster {
    fn process(&self) -> usize {
        self.spec.process
    }

    fn processes(&self) -> usize {
        self.spec.hosts.len()
    }

    fn describe(&self, process: usize) -> String {
        net::name(process, &self.spec.hosts)
    }

    fn all_gather(&self, bytes: Vec<u8>) -> Result<Vec<Vec<Vec<u8>>>> {
        if let Some(failure) = self.failures.first() {
            return Err(Error::Cluster { message: failure, source: None });
        }
        let sequence = self.jobs.fetch_add(1, Ordering::SeqCst);
        let gather = Arc::new(Gather { sequence, bytes: Mutex::new(Some(bytes)) });
        for commands in &self.commands {
            commands.send(Command::Gather(Arc::clone(&gather))).map_err(|_| self.failure("a worker thread stopped"))?;
        }
        drop(gather);
        self.answers(|event| match event {
            Event::Gathered(result) => Some(result),
            Event::Iteration(..) | Event::Done(_) => {
                Some(Err(Error::Internal("an iteration answered a gather".to_owned())))
            }
        })
    }
}

/// The first panic of a timely thread (a worker's, or a connection's), as "thread: message".
static PANICKED: Mutex<Option<String>> = Mutex::new(None);

fn first_panic() -> Option<String> {
    PANICKED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

thread_local! {
    /// Set on the thread joining the cluster's threads after the last job:
    /// timely's join panics there when a connection's thread did, which is
    /// expected then (the other process may be gone), and caught.
    static JOINING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The failures timely's threads panic with (a connection that closed, a
/// queue a dead connection poisoned) are recorded by [`net::Watched`] and
/// reported once as the run's error naming the process; the panic messages
/// themselves would repeat it on stderr from every thread, so they are kept
/// for `-vv` (and the first is the error when no connection failure explains
/// it); other panics are printed as before.
fn quiet_timely_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let timely = thread.name().is_some_and(|n| n.starts_with("timely:"));
            if timely || JOINING.get() {
                let mut first = PANICKED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                first.get_or_insert_with(|| format!("{}: {info}", thread.name().unwrap_or("a cluster thread")));
                drop(first);
                tracing::debug!(thread = thread.name().unwrap_or("?"), "cluster thread stopped: {info}");
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str, process: usize) -> Result<ClusterSpec> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hosts");
        std::fs::write(&path, text).unwrap();
        ClusterSpec::from_host_file(&path, process, 2, Duration::from_secs(1))
    }

    #[test]
    fn a_host_file_lists_one_host_port_per_line() {
        let s = spec("# the cluster\n10.0.0.1:7000\n\n10.0.0.2:7000  # the second\n", 1).unwrap();
        assert_eq!(s.hosts, ["10.0.0.1:7000", "10.0.0.2:7000"]);
        assert_eq!(s.total_workers(), 4);
        for (text, process, says) in [
            ("", 0, "names no host:port"),
            ("10.0.0.1:7000 10.0.0.2:7000\n", 0, "line 1"),
            ("10.0.0.1\n", 0, "is not one host:port"),
            ("a:1\nb:2\na:1\n", 0, "line 3: a:1 is listed twice"),
            ("a:1\nb:2\n", 2, "lists 2 process(es)"),
        ] {
            let error = spec(text, process).unwrap_err().to_string();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }
}
