//! Cluster mode: EigenTrust's power iteration on timely-dataflow workers in
//! several processes, connected over TCP, with the single-machine run's bits.
//!
//! Every process is started with the same pipeline (`scoreset run PIPELINE
//! --cluster HOSTS --process P`). Process 0 reads the inputs (the others
//! parse their shares of the edge lists for it), builds the graph and hands
//! each process the columns its workers own (`cluster/orders.rs`); at each power
//! iteration the workers compute the chunks of rows they own and broadcast
//! them ([`worker`]), and every worker adds the chunks' squared differences
//! in chunk order, as [`crate::numeric`] does on one machine. Process 0
//! writes the epoch; the others write nothing.
//!
//! A process that dies, or whose connection fails, fails the run on every
//! other process naming it ([`net::Watched`]); one that hangs fails it after
//! the timeout.

pub mod net;
mod orders;
pub mod worker;

use crate::compute::eigentrust::{Iterates, PowerIteration};
use crate::compute::{DistrustMode, EigenTrustParams, adjust_columns};
use crate::error::{Error, Result};
use crate::graph::Incoming;
use crate::numeric::CHUNK;
use net::Failures;
use orders::{ColumnsOut, Order, OrderOut};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use timely::communication::allocator::ProcessBuilder;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::{AllocatorBuilder, Hooks, WorkerGuards};
use worker::{AllToAll, Columns, Command, Event, Job, Layout};

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

    /// Process 0's side: hands each other process the columns of `c` its
    /// workers own (with the vectors every worker reads), then iterates
    /// with them, its own workers on its own columns.
    fn iterate(
        &self,
        c: &Incoming,
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        on_iteration: &mut dyn FnMut(u32, f64),
    ) -> Result<Iterates> {
        self.check()?;
        let (alpha, epsilon, max_iterations) = orders::params_out(params);
        let outgoing = self.to_the_others(
            p.len(),
            |columns| OrderOut::Iterate { columns, dangling, leak, p, alpha, epsilon, max_iterations },
            c,
        )?;
        self.exchange(outgoing, "the graph's columns")?;
        self.run_iteration(self.local_columns(c, 0, p.len()), dangling, leak, p, params, on_iteration)
    }

    /// Process 0's side of the distrust adjustment: each process computes T
    /// on the columns it owns, from those columns of `d`, and sends it back.
    fn adjust(&self, mode: DistrustMode, d: &Incoming, t_positive: &[f64], bar: f64) -> Result<Vec<f64>> {
        if mode == DistrustMode::None {
            return Ok(t_positive.to_vec());
        }
        self.check()?;
        let n = t_positive.len();
        let outgoing =
            self.to_the_others(n, |columns| OrderOut::Adjust { mode: mode.id(), bar, columns, t_positive }, d)?;
        self.exchange(outgoing, "the distrust adjustment's columns")?;
        let own = self.process_rows(0, n);
        let mut t = adjust_columns(mode, &d.columns(own.clone()), own.start, t_positive, bar);
        t.reserve_exact(n - own.len());
        let received = self.exchange(Vec::new(), "the distrust adjustment")?;
        // The processes own consecutive ranges of peers, in process order.
        for (q, parts) in received.into_iter().enumerate().skip(1) {
            let values: Vec<f64> = orders::decode(parts, &net::name(q, &self.spec.hosts))?;
            let rows = self.process_rows(q, n);
            if values.len() != rows.len() {
                return Err(Error::Cluster {
                    message: format!(
                        "{} sent {} adjusted scores for peers {}..{}",
                        net::name(q, &self.spec.hosts),
                        values.len(),
                        rows.start,
                        rows.end
                    ),
                    source: None,
                });
            }
            t.extend_from_slice(&values);
        }
        Ok(t)
    }
}

/// What a process other than 0 did for a run, for its summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Served {
    /// The edge lists it parsed a share of for process 0.
    pub shares: Vec<String>,
    /// Power iterations it took part in (one per scope).
    pub iterations: usize,
    /// Distrust adjustments it computed its part of.
    pub adjustments: usize,
    /// The most matrix entries it held at once (the columns it owns).
    pub entries: usize,
}

impl crate::models::Report for Served {
    fn algorithms(&self) -> std::collections::BTreeMap<String, String> {
        std::collections::BTreeMap::new()
    }

    fn counts(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn summary_lines(&self) -> Vec<String> {
        let shares = if self.shares.is_empty() { "none".to_owned() } else { self.shares.join(", ") };
        vec![
            format!("{:<11} shares of {shares} parsed for process 0", "served"),
            format!(
                "{:<11} {} power iteration(s) and {} distrust adjustment(s) on its columns ({} entries at most)",
                "", self.iterations, self.adjustments, self.entries
            ),
        ]
    }
}

impl Cluster {
    /// A process other than 0, after sending its shares of the inputs
    /// (`shares`): follows process 0's orders — iterate on these columns,
    /// adjust those — until it says the run is over.
    pub fn serve(&self, shares: Vec<String>) -> Result<Served> {
        let mut served = Served { shares, ..Served::default() };
        let process_0 = net::name(0, &self.spec.hosts);
        loop {
            let mut received = self.exchange(Vec::new(), "process 0's next order")?;
            let parts = received.get_mut(0).map(std::mem::take).unwrap_or_default();
            match orders::decode::<Order>(parts, &process_0)? {
                Order::Iterate { columns, dangling, leak, p, alpha, epsilon, max_iterations } => {
                    let params = orders::params_in(alpha, epsilon, max_iterations)?;
                    let n = p.len();
                    let (first, c) = self.own_columns(columns, n)?;
                    if let Some(&bad) = dangling.iter().chain(leak.iter().map(|(i, _)| i)).find(|&&i| i as usize >= n) {
                        return Err(Error::Cluster {
                            message: format!("{process_0} sent row {bad} of a graph of {n} peers"),
                            source: None,
                        });
                    }
                    served.entries = served.entries.max(c.nnz());
                    served.iterations += 1;
                    tracing::info!(
                        peers = n,
                        first,
                        columns = c.indptr().len() - 1,
                        entries = c.nnz(),
                        "cluster: iterating on this process's columns"
                    );
                    // One worker owns all of this process's columns: it takes them as they came.
                    let columns = match self.spec.workers {
                        1 => vec![Columns { first, incoming: c }],
                        _ => self.local_columns(&c, first, n),
                    };
                    self.run_iteration(columns, &dangling, &leak, &p, &params, &mut |k, residual| {
                        crate::progress::step("EigenTrust", format_args!("iteration {k}, residual {residual:.3e}"));
                    })?;
                    crate::progress::done("EigenTrust");
                }
                Order::Adjust { mode, bar, columns, t_positive } => {
                    let mode = orders::mode_in(&mode)?;
                    let (first, d) = self.own_columns(columns, t_positive.len())?;
                    served.entries = served.entries.max(d.nnz());
                    served.adjustments += 1;
                    let t = adjust_columns(mode, &d, first, &t_positive, bar);
                    let mut outgoing = vec![Vec::new(); self.spec.hosts.len()];
                    outgoing[0] = orders::encode(&t)?;
                    self.exchange(outgoing, "the distrust adjustment")?;
                }
                Order::Finish => {
                    let Served { iterations, adjustments, entries, .. } = served;
                    tracing::info!(iterations, adjustments, entries, memory = %crate::memory::now(), "cluster: served");
                    return Ok(served);
                }
            }
        }
    }

    /// Process 0, once the computation is done: tells the others the run is
    /// over, then stops the workers ([`Cluster::shutdown`]).
    pub fn finish(self) -> Result<()> {
        if self.spec.process == 0 {
            let finish = orders::encode(&OrderOut::Finish)?;
            let mut outgoing = vec![finish; self.spec.hosts.len()];
            outgoing[0] = Vec::new();
            self.exchange(outgoing, "the end of the run")?;
        }
        self.shutdown()
    }

    /// Tells the other processes why this one gives up (they fail naming
    /// it, rather than waiting for its next word), waiting at most a second
    /// for the message to leave.
    pub fn abort(&self, error: &Error) {
        let reason = match error {
            Error::Cluster { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let sent = self.commands.first().is_some_and(|first| first.send(Command::Abort(reason)).is_ok());
        if let (true, Ok(events)) = (sent, self.events.lock()) {
            let until = Instant::now() + Duration::from_secs(1);
            while let Ok(event) = events.recv_timeout(until.saturating_duration_since(Instant::now())) {
                if matches!(event, Event::Aborted) {
                    break;
                }
            }
        }
    }

    /// The failure already recorded, if any.
    fn check(&self) -> Result<()> {
        match self.failures.first() {
            Some(failure) => Err(Error::Cluster { message: failure, source: None }),
            None => Ok(()),
        }
    }

    /// The peers (columns) process `q`'s workers own among `n`: consecutive,
    /// in process order.
    fn process_rows(&self, q: usize, n: usize) -> Range<usize> {
        let (workers, total) = (self.spec.workers, self.spec.total_workers());
        let chunks = n.div_ceil(CHUNK);
        let first = worker::owned_chunks(q * workers, total, chunks).start;
        let last = worker::owned_chunks(q * workers + workers - 1, total, chunks).end;
        worker::chunk_rows(first..last, n)
    }

    /// An order for each other process, carrying its columns of `m`
    /// (process 0's own entry is empty).
    fn to_the_others<'a>(
        &self,
        n: usize,
        order: impl Fn(ColumnsOut<'a>) -> OrderOut<'a>,
        m: &'a Incoming,
    ) -> Result<Vec<Vec<u8>>> {
        let mut outgoing = vec![Vec::new()];
        for q in 1..self.spec.hosts.len() {
            outgoing.push(orders::encode(&order(ColumnsOut::of(m, self.process_rows(q, n))))?);
        }
        Ok(outgoing)
    }

    /// Columns received from process 0, checked to be the ones this process owns.
    fn own_columns(&self, columns: orders::ColumnsIn, n: usize) -> Result<(usize, Incoming)> {
        let (first, m) = columns.into_matrix()?;
        let own = self.process_rows(self.spec.process, n);
        if m.rows() != n || first != own.start || m.indptr().len() - 1 != own.len() {
            return Err(Error::Cluster {
                message: format!(
                    "{} sent columns {first}..{} of {} rows; this process owns {}..{} of {n}",
                    net::name(0, &self.spec.hosts),
                    first + m.indptr().len() - 1,
                    m.rows(),
                    own.start,
                    own.end
                ),
                source: None,
            });
        }
        Ok((first, m))
    }

    /// Each local worker's columns, from `m` holding this process's columns `first ..` of `n`.
    fn local_columns(&self, m: &Incoming, first: usize, n: usize) -> Vec<Columns> {
        let (workers, total) = (self.spec.workers, self.spec.total_workers());
        let chunks = n.div_ceil(CHUNK);
        (0..workers)
            .map(|local| {
                let rows =
                    worker::chunk_rows(worker::owned_chunks(self.spec.process * workers + local, total, chunks), n);
                Columns { first: rows.start, incoming: m.columns(rows.start - first..rows.end - first) }
            })
            .collect()
    }

    /// Runs the power iteration on this process's workers, with the columns they own.
    fn run_iteration(
        &self,
        columns: Vec<Columns>,
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        on_iteration: &mut dyn FnMut(u32, f64),
    ) -> Result<Iterates> {
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
            Event::Exchanged(_) => Some(Err(Error::Internal("an exchange answered an iteration".to_owned()))),
            Event::Aborted => None,
        })
    }

    /// The all-to-all exchange ([`crate::ingest::Shards::exchange`]).
    fn exchange(&self, outgoing: Vec<Vec<u8>>, what: &'static str) -> Result<Vec<Vec<Vec<u8>>>> {
        self.check()?;
        let sequence = self.jobs.fetch_add(1, Ordering::SeqCst);
        let exchange = Arc::new(AllToAll { sequence, outgoing: Mutex::new(Some(outgoing)), what });
        for commands in &self.commands {
            commands
                .send(Command::Exchange(Arc::clone(&exchange)))
                .map_err(|_| self.failure("a worker thread stopped"))?;
        }
        drop(exchange);
        self.answers(|event| match event {
            Event::Exchanged(result) => Some(result),
            Event::Iteration(..) | Event::Done(_) => {
                Some(Err(Error::Internal("an iteration answered an exchange".to_owned())))
            }
            Event::Aborted => None,
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

    fn exchange(&self, outgoing: Vec<Vec<u8>>, what: &'static str) -> Result<Vec<Vec<Vec<u8>>>> {
        Cluster::exchange(self, outgoing, what)
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
