//! One timely worker of the cluster: it owns a contiguous range of the
//! kernel's [`CHUNK`]s of rows (their incoming edges are all it holds of
//! the graph), computes them each iteration, and broadcasts them; every
//! worker then holds the whole of t_{k+1} and every chunk's squared
//! differences, and adds those in chunk order — the reduction a single
//! machine does — so every worker sees the same residual, stops at the
//! same iteration, and ends with the single-machine run's bits.

use super::net::{Failures, name};
use crate::compute::EigenTrustParams;
use crate::compute::eigentrust::{Iterates, iterate_with, step_rows};
use crate::error::{Error, Result};
use crate::graph::Incoming;
use crate::numeric::{CHUNK, compensated_sum};
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::{Exchange, Input, Inspect, Probe};
use timely::worker::Worker;

/// What the process's main thread asks of its workers.
pub enum Command {
    /// Run EigenTrust on a graph.
    Iterate(Arc<Job>),
    /// Hand each process the bytes meant for it ([`AllToAll`]).
    Exchange(Arc<AllToAll>),
    /// Tell the other processes why this one gives up (its first worker does).
    Abort(String),
    /// Close the dataflow and stop.
    Shutdown,
}

/// What workers tell the main thread.
pub enum Event {
    /// Iteration k ended with this residual (from the process's first worker).
    Iteration(u32, f64),
    /// A worker finished a job: the iterates from the process's first worker, `None` from the others.
    Done(Result<Option<Iterates>>),
    /// A worker finished an exchange: the bytes every process sent this one (as
    /// the parts they came in), in process order, from the process's first
    /// worker; `None` from the others.
    Exchanged(Result<Option<Vec<Vec<Vec<u8>>>>>),
    /// The first worker told the other processes why this one gives up.
    Aborted,
}

/// An all-to-all exchange: each process gives bytes for each process
/// (empty for none) and receives what each process gave it.
pub struct AllToAll {
    /// The job's number, the same on every process.
    pub sequence: u64,
    /// The bytes for each process, in process order (this process's own
    /// included), taken by the first worker.
    pub outgoing: Mutex<Option<Vec<Vec<u8>>>>,
    /// What is exchanged, for the timeout's message ("the shares of the inputs").
    pub what: &'static str,
}

/// Most bytes in one message of an exchange: a process's bytes (a shard of an
/// edge list may be gigabytes) travel in parts of this size. Parts that fit
/// timely's 1 MiB network buffers let it reuse them; larger ones made it
/// allocate (and the kernel zero) fresh buffers for every message, which
/// took most of the exchange's time.
const PART_BYTES: usize = 256 << 10;

/// Most parts a process's bytes may come in (8 TiB): a bound on what a
/// corrupt message can make the receiver allocate.
const MAX_PARTS: usize = 1 << 20;

/// One part of a process's bytes in an exchange, sent to another process's first worker.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Part {
    /// The job's number.
    job: u64,
    /// The process whose bytes these are.
    process: u64,
    /// Which part, and of how many.
    index: u32,
    count: u32,
    /// (As one byte string: a sequence would be encoded a byte at a time.)
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
}

/// One run of the power iteration, as each process's main thread hands it to its workers.
pub struct Job {
    /// The job's number, the same on every process (they run the same pipeline).
    pub sequence: u64,
    /// The incoming edges of each local worker's rows (columns rebased to its first row).
    pub columns: Vec<Columns>,
    /// Dangling rows.
    pub dangling: Vec<u32>,
    /// Leaking rows.
    pub leak: Vec<(u32, f64)>,
    /// Pre-trust (its length is the number of peers).
    pub p: Vec<f64>,
    /// The iteration's parameters.
    pub params: EigenTrustParams,
}

/// The incoming edges of rows `first ..`: the part of the graph one worker holds.
pub struct Columns {
    /// The first row.
    pub first: usize,
    /// The trust matrix restricted to these rows' incoming edges.
    pub incoming: Incoming,
}

/// Where the workers are: this process's number, workers per process, and the host list.
#[derive(Clone)]
pub struct Layout {
    /// This process.
    pub process: usize,
    /// Workers per process.
    pub workers: usize,
    /// Every process's `host:port`.
    pub hosts: Arc<[String]>,
    /// How long a round may wait for the other workers.
    pub timeout: Duration,
}

impl Layout {
    /// All workers of the cluster.
    pub fn total(&self) -> usize {
        self.workers * self.hosts.len()
    }
}

/// The chunks worker `worker` of `total` owns when there are `chunks`: a
/// contiguous share, the first workers taking one more when they do not divide.
pub fn owned_chunks(worker: usize, total: usize, chunks: usize) -> Range<usize> {
    let share = |w: usize| w * chunks / total;
    share(worker)..share(worker + 1)
}

/// The rows of those chunks among `n`.
pub fn chunk_rows(chunks: Range<usize>, n: usize) -> Range<usize> {
    (chunks.start * CHUNK).min(n)..(chunks.end * CHUNK).min(n)
}

/// What workers broadcast.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Block {
    /// One chunk of t_{k+1}, with its rows' squared differences.
    Chunk {
        /// The job's number.
        job: u64,
        /// The exchange it belongs to (the input's time).
        round: u64,
        /// Which chunk.
        chunk: u32,
        /// The sender's number of peers (every process must have the same graph).
        peers: u64,
        /// t_{k+1} on the chunk's rows.
        values: Vec<f64>,
        /// Σ (t_{k+1} − t_k)² over those rows, in row order.
        squares: f64,
    },
    /// A process gives up the run, saying why, so the others report the
    /// cause rather than its closed connection.
    Abort {
        /// The process giving up.
        process: u64,
        /// Its error.
        reason: String,
    },
}

impl Block {
    /// The exchange a chunk belongs to; aborts belong to every exchange.
    fn round(&self) -> u64 {
        match self {
            Block::Chunk { round, .. } => *round,
            Block::Abort { .. } => 0,
        }
    }
}

/// The body of one worker thread: builds the dataflow, runs jobs until told
/// to stop, then closes its input and waits (bounded) for the dataflow to end.
pub fn run(
    worker: &mut Worker,
    layout: &Layout,
    commands: Receiver<Command>,
    events: Sender<Event>,
    failures: &Failures,
) {
    let local = worker.index() - layout.process * layout.workers;
    let gathered: Rc<RefCell<Vec<Block>>> = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&gathered);
    let (mut input, probe) = worker.dataflow::<u64, _, _>(|scope| {
        let (input, stream) = scope.new_input::<Vec<Block>>();
        let (probe, _) = stream.broadcast().inspect(move |block| sink.borrow_mut().push(block.clone())).probe();
        (input, probe)
    });
    // Exchanged parts go to each process's first worker only (not to every worker, as chunks do).
    let parts: Rc<RefCell<Vec<Part>>> = Rc::new(RefCell::new(Vec::new()));
    let part_sink = Rc::clone(&parts);
    let (mut part_input, part_probe) = worker.dataflow::<u64, _, _>(|scope| {
        let (input, stream) = scope.new_input::<Vec<(u64, Part)>>();
        // The parts are moved out of the stream as they arrive, not copied.
        let (probe, _) = stream
            .exchange(|(to, _)| *to)
            .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(Pipeline, "Exchanged", move |_, _| {
                move |input, _| {
                    input.for_each(|_, parts| part_sink.borrow_mut().extend(parts.drain(..).map(|(_, part)| part)));
                }
            })
            .probe();
        (input, probe)
    });
    let mut round = Round {
        worker,
        input: &mut input,
        probe: &probe,
        gathered: &gathered,
        part_input: &mut part_input,
        part_probe: &part_probe,
        parts: &parts,
        layout,
        failures,
    };
    while let Ok(command) = commands.recv() {
        let failed = match command {
            Command::Iterate(job) => {
                let result = round.job(&job, local, &events);
                round.answer(result, Event::Done, &events)
            }
            Command::Exchange(exchange) => {
                let result = round.all_to_all(&exchange, local);
                round.answer(result, Event::Exchanged, &events)
            }
            Command::Abort(reason) => {
                if local == 0 {
                    round.abort(&Error::Cluster { message: reason, source: None });
                    let _ = events.send(Event::Aborted);
                }
                false
            }
            Command::Shutdown => break,
        };
        if failed {
            return;
        }
    }
    drop(input);
    drop(part_input);
    let deadline = Instant::now() + layout.timeout;
    while !(probe.done() && part_probe.done()) && Instant::now() < deadline && failures.first().is_none() {
        worker.step_or_park(Some(Duration::from_millis(20)));
    }
}

struct Round<'a> {
    worker: &'a mut Worker,
    input: &'a mut timely::dataflow::InputHandle<u64, CapacityContainerBuilder<Vec<Block>>>,
    probe: &'a timely::dataflow::ProbeHandle<u64>,
    gathered: &'a Rc<RefCell<Vec<Block>>>,
    part_input: &'a mut timely::dataflow::InputHandle<u64, CapacityContainerBuilder<Vec<(u64, Part)>>>,
    part_probe: &'a timely::dataflow::ProbeHandle<u64>,
    parts: &'a Rc<RefCell<Vec<Part>>>,
    layout: &'a Layout,
    failures: &'a Failures,
}

impl Round<'_> {
    /// Runs one job; the process's first worker (local 0) returns the iterates.
    fn job(&mut self, job: &Job, local: usize, events: &Sender<Event>) -> Result<Option<Iterates>> {
        let n = job.p.len();
        let chunks = n.div_ceil(CHUNK);
        let me = self.layout.process * self.layout.workers + local;
        let own = owned_chunks(me, self.layout.total(), chunks);
        let columns = &job.columns[local];
        let alpha = job.params.alpha.0;
        let mut partials = vec![0.0; chunks];
        let report = |k: u32, residual: f64| {
            if local == 0 {
                let _ = events.send(Event::Iteration(k, residual));
            }
        };
        let iterates =
            iterate_with(&job.dangling, &job.leak, &job.p, &job.params, report, |t, next, dangling_mass| {
                for chunk in own.clone() {
                    let rows = chunk_rows(chunk..chunk + 1, n);
                    let mut values = vec![0.0; rows.len()];
                    let squares = step_rows(
                        columns.incoming.view(),
                        columns.first,
                        rows.start,
                        &job.p,
                        t,
                        t,
                        &mut values,
                        alpha,
                        dangling_mass,
                    );
                    let round = *self.input.time();
                    let peers = n as u64;
                    self.input.send(Block::Chunk {
                        job: job.sequence,
                        round,
                        chunk: chunk as u32,
                        peers,
                        values,
                        squares,
                    });
                }
                self.exchange(job.sequence, n, chunks, next, &mut partials)?;
                Ok(compensated_sum(partials.iter().copied()))
            })?;
        Ok((local == 0).then_some(iterates))
    }

    /// Ends the round: waits until every worker's chunks of it have arrived
    /// (bounded by the timeout), and puts them into `next` and `partials`.
    fn exchange(
        &mut self,
        sequence: u64,
        n: usize,
        chunks: usize,
        next: &mut [f64],
        partials: &mut [f64],
    ) -> Result<()> {
        let round = *self.input.time();
        self.input.advance_to(round + 1);
        let until = *self.input.time();
        let probe = self.probe;
        self.wait(|| probe.less_than(&until), |round_trip| round_trip.missing(round, chunks))?;
        let mut seen = vec![false; chunks];
        // Faster workers' blocks of the next round may have arrived too: they stay for it.
        let blocks: Vec<Block> = {
            let mut gathered = self.gathered.borrow_mut();
            let (this, later) = gathered.drain(..).partition(|block| block.round() <= round);
            *gathered = later;
            this
        };
        for block in blocks {
            let Block::Chunk { job, round: block_round, chunk, peers, values, squares } = block else {
                continue;
            };
            let chunk = chunk as usize;
            let owner =
                (0..self.layout.total()).find(|&w| owned_chunks(w, self.layout.total(), chunks).contains(&chunk));
            let from = || name(owner.unwrap_or(0) / self.layout.workers, &self.layout.hosts);
            if peers != n as u64 {
                return Err(Error::Cluster {
                    message: format!(
                        "{} computes a graph of {peers} peers where this process has {n}: are its inputs the same?",
                        from()
                    ),
                    source: None,
                });
            }
            let rows = chunk_rows(chunk..chunk + 1, n);
            if job != sequence || block_round != round || chunk >= chunks || seen[chunk] || values.len() != rows.len() {
                return Err(Error::Cluster {
                    message: format!(
                        "{} sent a block out of step (job {job}, round {block_round}, chunk {chunk})",
                        from()
                    ),
                    source: None,
                });
            }
            seen[chunk] = true;
            next[rows].copy_from_slice(&values);
            partials[chunk] = squares;
        }
        if let Some(chunk) = seen.iter().position(|&s| !s) {
            return Err(Error::Internal(format!("round {round} ended without chunk {chunk}")));
        }
        Ok(())
    }

    /// Hands a job's result to the main thread (telling the other processes
    /// why, if it failed); whether it failed.
    fn answer<T>(&mut self, result: Result<T>, event: fn(Result<T>) -> Event, events: &Sender<Event>) -> bool {
        let failed = result.is_err();
        let told = result.as_ref().err().is_some_and(|error| self.tell_abort(error));
        // The main thread hears this worker's own error first: while the
        // message leaves, the process it stopped may exit, and stepping
        // past its closed connection can end this thread.
        let _ = events.send(event(result));
        if told {
            self.linger();
        }
        failed
    }

    /// Steps the worker while `pending` holds, failing when a connection
    /// fails, another process gives up, or the timeout passes (`timed_out`
    /// names who is missing).
    fn wait(&mut self, pending: impl Fn() -> bool, timed_out: impl Fn(&Self) -> Error) -> Result<()> {
        let deadline = Instant::now() + self.layout.timeout;
        while pending() {
            if let Some(failure) = self.failures.first() {
                // What arrived before the connection closed may say why.
                let until = Instant::now() + Duration::from_millis(200);
                while Instant::now() < until {
                    self.worker.step_or_park(Some(Duration::from_millis(10)));
                    self.aborted()?;
                }
                return Err(Error::Cluster { message: failure, source: None });
            }
            if Instant::now() >= deadline {
                return Err(timed_out(self));
            }
            self.worker.step_or_park(Some(Duration::from_millis(20)));
            self.aborted()?;
        }
        Ok(())
    }

    /// An all-to-all exchange: this process's first worker sends each other
    /// process's first worker the bytes meant for it, in parts (at least
    /// one, so that every process hears from every other), and returns the
    /// parts every process sent this one (its own bytes as one), in process
    /// order (not joined: the reader reads across them).
    fn all_to_all(&mut self, job: &AllToAll, local: usize) -> Result<Option<Vec<Vec<Vec<u8>>>>> {
        let processes = self.layout.hosts.len();
        let me = self.layout.process;
        let mut own = None;
        if local == 0 {
            let mut outgoing = job.outgoing.lock().ok().and_then(|mut b| b.take()).unwrap_or_default();
            outgoing.resize(processes, Vec::new());
            for (to, bytes) in outgoing.iter().enumerate().filter(|&(to, _)| to != me) {
                let count = bytes.len().div_ceil(PART_BYTES).max(1);
                let count32 = u32::try_from(count)
                    .map_err(|_| Error::Internal(format!("{} bytes are too many to send", bytes.len())))?;
                for index in 0..count {
                    let piece = bytes.get(index * PART_BYTES..((index + 1) * PART_BYTES).min(bytes.len()));
                    let part = Part {
                        job: job.sequence,
                        process: me as u64,
                        index: index as u32,
                        count: count32,
                        bytes: piece.unwrap_or_default().to_vec(),
                    };
                    self.part_input.send(((to * self.layout.workers) as u64, part));
                    // Hand the parts made so far to the connections before making
                    // more, so that not every copy for every process is held at once.
                    if index % 16 == 15 {
                        self.part_input.flush();
                        self.worker.step();
                    }
                }
            }
            // This process's own bytes stay here.
            own = Some(std::mem::take(&mut outgoing[me]));
        }
        let time = *self.part_input.time();
        self.part_input.advance_to(time + 1);
        let until = *self.part_input.time();
        let probe = self.part_probe;
        self.wait(
            || probe.less_than(&until),
            |round| {
                let arrived = round.parts.borrow();
                let from = |p: usize| arrived.iter().filter(move |part| part.process == p as u64 && part.job == job.sequence);
                let silent: Vec<String> = (0..processes)
                    .filter(|&p| p != round.layout.process)
                    .filter(|&p| from(p).next().is_none_or(|part| from(p).count() < part.count as usize))
                    .map(|p| name(p, &round.layout.hosts))
                    .collect();
                Error::Cluster {
                    message: format!(
                        "no word from {} for {} s while the processes exchanged {} (is it hung? --cluster-timeout sets the wait)",
                        silent.join(", "),
                        round.layout.timeout.as_secs(),
                        job.what,
                    ),
                    source: None,
                }
            },
        )?;
        if local != 0 {
            return Ok(None);
        }
        // A faster process's parts of the next exchange may have arrived too: they stay for it.
        let parts: Vec<Part> = {
            let mut arrived = self.parts.borrow_mut();
            let (this, later) = arrived.drain(..).partition(|part| part.job <= job.sequence);
            *arrived = later;
            this
        };
        let mut by_process: Vec<Vec<Option<Vec<u8>>>> = vec![Vec::new(); processes];
        by_process[me] = vec![own];
        for part in parts {
            let process = usize::try_from(part.process).unwrap_or(usize::MAX);
            let (job_of, index, count) = (part.job, part.index as usize, part.count as usize);
            let out_of_step = || Error::Cluster {
                message: format!(
                    "{} sent a part out of step (job {job_of}, part {index} of {count})",
                    name(process, &self.layout.hosts)
                ),
                source: None,
            };
            if job_of != job.sequence || count == 0 || count > MAX_PARTS {
                return Err(out_of_step());
            }
            let slots = by_process.get_mut(process).filter(|_| process != me).ok_or_else(out_of_step)?;
            if slots.is_empty() {
                slots.resize(count, None);
            }
            if count != slots.len() {
                return Err(out_of_step());
            }
            match slots.get_mut(index) {
                Some(slot @ None) => *slot = Some(part.bytes),
                _ => return Err(out_of_step()),
            }
        }
        by_process
            .into_iter()
            .enumerate()
            .map(|(process, slots)| {
                if slots.is_empty() || slots.iter().any(Option::is_none) {
                    return Err(Error::Internal(format!(
                        "the exchange ended without all of {}'s parts",
                        name(process, &self.layout.hosts)
                    )));
                }
                Ok(slots.into_iter().flatten().collect())
            })
            .collect::<Result<Vec<Vec<Vec<u8>>>>>()
            .map(Some)
    }

    /// The error of the first process that gave up, if one did.
    fn aborted(&self) -> Result<()> {
        match self.gathered.borrow().iter().find(|b| matches!(b, Block::Abort { .. })) {
            Some(Block::Abort { process, reason }) => {
                let process = usize::try_from(*process).unwrap_or(usize::MAX);
                Err(Error::Cluster {
                    message: format!("{} stopped the run: {reason}", name(process, &self.layout.hosts)),
                    source: None,
                })
            }
            _ => Ok(()),
        }
    }

    /// Tells the other workers why this one gives up, and gives the message
    /// a moment to leave (the process exits next).
    fn abort(&mut self, error: &Error) {
        if self.tell_abort(error) {
            self.linger();
        }
    }

    /// Sends the other workers why this one gives up; whether it did
    /// (another process's abort is not repeated).
    fn tell_abort(&mut self, error: &Error) -> bool {
        let reason = match error {
            Error::Cluster { message, .. } => message.clone(),
            other => other.to_string(),
        };
        if reason.contains(" stopped the run: ") {
            return false;
        }
        self.input.send(Block::Abort { process: self.layout.process as u64, reason });
        let next = *self.input.time() + 1;
        self.input.advance_to(next);
        true
    }

    /// Steps the worker for a moment, so that what it sent can leave.
    fn linger(&mut self) {
        let until = Instant::now() + Duration::from_millis(200);
        while Instant::now() < until {
            self.worker.step_or_park(Some(Duration::from_millis(20)));
        }
    }

    /// The timeout error, naming the processes whose chunks did not arrive.
    fn missing(&self, round: u64, chunks: usize) -> Error {
        let total = self.layout.total();
        let arrived: Vec<usize> = self
            .gathered
            .borrow()
            .iter()
            .filter_map(|b| match b {
                Block::Chunk { round: r, chunk, .. } if *r == round => Some(*chunk as usize),
                _ => None,
            })
            .collect();
        let mut silent: Vec<usize> = (0..total)
            .filter(|&w| owned_chunks(w, total, chunks).any(|c| !arrived.contains(&c)))
            .map(|w| w / self.layout.workers)
            .collect();
        silent.dedup();
        let names: Vec<String> = silent.iter().map(|&p| name(p, &self.layout.hosts)).collect();
        Error::Cluster {
            message: format!(
                "no word from {} for {} s during the power iteration (is it hung? --cluster-timeout sets the wait)",
                names.join(", "),
                self.layout.timeout.as_secs()
            ),
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workers_own_every_chunk_exactly_once_in_order() {
        for chunks in [0, 1, 3, 7, 64, 1000] {
            for total in 1..=9 {
                let ranges: Vec<Range<usize>> = (0..total).map(|w| owned_chunks(w, total, chunks)).collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[total - 1].end, chunks);
                for pair in ranges.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start, "contiguous: {ranges:?}");
                }
                let sizes: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
                let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(most - least <= 1, "balanced: {sizes:?}");
            }
        }
        assert_eq!(chunk_rows(1..3, 5000), CHUNK..5000);
        assert_eq!(chunk_rows(3..3, 5000), 5000..5000);
    }
}
