//! The cluster's TCP connections: one between every two processes, opened
//! the timely way (process `i` listens on its own `host:port` and connects
//! to every process before it), with a bounded wait and a handshake that
//! checks both ends run the same job. Each connection is watched, so that
//! when a process dies or its connection fails, the failure is recorded
//! naming that process (timely's own threads only panic).

use crate::error::{Error, Result};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The first bytes of every handshake (and the protocol's version).
const MAGIC: &[u8; 16] = b"scoreset-clust/1";

/// The first failure seen on any connection or worker of this process's
/// cluster, as a message naming the process it concerns.
#[derive(Debug, Default)]
pub struct Failures {
    first: Mutex<Option<String>>,
}

impl Failures {
    /// Records `message` unless a failure was recorded before.
    pub fn record(&self, message: String) {
        let mut first = self.first.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        first.get_or_insert(message);
    }

    /// The first failure, if any.
    pub fn first(&self) -> Option<String> {
        self.first.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

/// A connection to another process, recording in [`Failures`] when it
/// closes or fails. A clean shutdown of timely's protocol ends with a
/// message the reader consumes before the socket closes, so an end of
/// stream while a job is running means the other process is gone.
pub struct Watched {
    stream: TcpStream,
    /// Which process is at the other end, as errors name it.
    peer: Arc<str>,
    failures: Arc<Failures>,
    /// Set once this process starts its own shutdown: closing then is expected.
    closing: Arc<std::sync::atomic::AtomicBool>,
}

impl Watched {
    fn fail(&self, what: &str) {
        if !self.closing.load(std::sync::atomic::Ordering::SeqCst) {
            self.failures.record(format!("{} {what}", self.peer));
        }
    }
}

/// How a connection that ended mid-run is reported.
const CLOSED: &str = "closed its connection (did it exit or get killed?)";

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.stream.read(buf);
        match &read {
            Ok(0) if !buf.is_empty() => self.fail(CLOSED),
            // A process that exits with bytes it never read (sent to it while it hung, say)
            // resets its connections instead of closing them: the same event.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => self.fail(CLOSED),
            Err(e) => self.fail(&format!("could not be read from: {e}")),
            Ok(_) => {}
        }
        read
    }
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.stream.write(buf);
        match &written {
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe) => {
                self.fail(CLOSED)
            }
            Err(e) => self.fail(&format!("could not be written to: {e}")),
            Ok(_) => {}
        }
        written
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl timely::communication::allocator::zero_copy::stream::Stream for Watched {
    fn try_clone(&self) -> io::Result<Self> {
        Ok(Watched {
            stream: self.stream.try_clone()?,
            peer: Arc::clone(&self.peer),
            failures: Arc::clone(&self.failures),
            closing: Arc::clone(&self.closing),
        })
    }

    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.stream.set_nonblocking(nonblocking)
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.stream.shutdown(how)
    }
}

/// "process 2 (10.0.0.3:7000)": how errors name a process.
pub fn name(process: usize, hosts: &[String]) -> String {
    format!("process {process} ({})", hosts.get(process).map_or("?", String::as_str))
}

/// Opens the connections of process `me` to every other process in
/// `hosts`, waiting at most `timeout` for all of them; `job` is the digest
/// every process must agree on. Slot `me` of the result is `None`.
pub fn connect(
    hosts: &[String],
    me: usize,
    job: &[u8; 32],
    timeout: Duration,
    failures: &Arc<Failures>,
    closing: &Arc<std::sync::atomic::AtomicBool>,
) -> Result<Vec<Option<Watched>>> {
    let deadline = Instant::now() + timeout;
    let unreachable = |process: usize, reason: String| Error::Cluster {
        message: format!("{} {reason} within {} s", name(process, hosts), timeout.as_secs()),
        source: None,
    };
    let listener = TcpListener::bind(hosts[me].as_str()).map_err(|source| Error::Cluster {
        message: format!("cannot listen on {} (this is {})", hosts[me], name(me, hosts)),
        source: Some(source),
    })?;
    listener.set_nonblocking(true).map_err(|source| Error::Cluster {
        message: format!("cannot listen on {}", hosts[me]),
        source: Some(source),
    })?;
    let mut streams: Vec<Option<TcpStream>> = (0..hosts.len()).map(|_| None).collect();

    // Connect to every process before this one (they listen), retrying until the deadline.
    for (process, host) in hosts.iter().enumerate().take(me) {
        let stream = loop {
            match dial(host, deadline) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() >= deadline => {
                    return Err(unreachable(process, format!("could not be reached (last error: {e})")));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let mut stream = stream;
        hello(&mut stream, me, job, deadline).map_err(|e| unreachable(process, format!("did not answer: {e}")))?;
        let (their_index, their_job) =
            read_hello(&mut stream, deadline).map_err(|e| unreachable(process, format!("did not answer: {e}")))?;
        check(hosts, process, their_index, &their_job, job)?;
        streams[process] = Some(stream);
    }
    // Accept every process after this one.
    while streams[me + 1..].iter().any(Option::is_none) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                // A stray connection (not a cluster process) is dropped, not
                // fatal, and may not hold up the others for long.
                let patience = deadline.min(Instant::now() + Duration::from_secs(5));
                let Ok((index, their_job)) = read_hello(&mut stream, patience) else { continue };
                if index <= me || index >= hosts.len() || streams[index].is_some() {
                    continue;
                }
                // Answer before checking, so that a process with another job learns it too.
                hello(&mut stream, me, job, deadline)
                    .map_err(|e| unreachable(index, format!("did not answer: {e}")))?;
                check(hosts, index, index, &their_job, job)?;
                streams[index] = Some(stream);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    let missing = (me + 1..hosts.len()).find(|&p| streams[p].is_none()).unwrap_or(me);
                    return Err(unreachable(missing, "did not connect".to_owned()));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(source) => {
                return Err(Error::Cluster {
                    message: format!("cannot accept on {}", hosts[me]),
                    source: Some(source),
                });
            }
        }
    }
    streams
        .into_iter()
        .enumerate()
        .map(|(process, stream)| {
            stream
                .map(|stream| {
                    stream.set_nodelay(true)?;
                    stream.set_read_timeout(None)?;
                    stream.set_write_timeout(None)?;
                    Ok(Watched {
                        stream,
                        peer: name(process, hosts).into(),
                        failures: Arc::clone(failures),
                        closing: Arc::clone(closing),
                    })
                })
                .transpose()
                .map_err(|source| Error::Cluster {
                    message: format!("cannot set up the connection to {}", name(process, hosts)),
                    source: Some(source),
                })
        })
        .collect()
}

fn dial(host: &str, deadline: Instant) -> io::Result<TcpStream> {
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{host} resolves to no address"));
    for address in host.to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, left.min(Duration::from_secs(5))) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn hello(stream: &mut TcpStream, me: usize, job: &[u8; 32], deadline: Instant) -> io::Result<()> {
    stream.set_write_timeout(Some(deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))))?;
    let mut message = Vec::with_capacity(56);
    message.extend_from_slice(MAGIC);
    message.extend_from_slice(&(me as u64).to_be_bytes());
    message.extend_from_slice(job);
    stream.write_all(&message)
}

fn read_hello(stream: &mut TcpStream, deadline: Instant) -> io::Result<(usize, [u8; 32])> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))))?;
    let mut message = [0u8; 56];
    stream.read_exact(&mut message)?;
    if &message[..16] != MAGIC {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a scoreset cluster process (or another version)"));
    }
    let index = u64::from_be_bytes(message[16..24].try_into().unwrap_or_default());
    let mut job = [0u8; 32];
    job.copy_from_slice(&message[24..]);
    Ok((usize::try_from(index).unwrap_or(usize::MAX), job))
}

fn check(hosts: &[String], expected: usize, index: usize, theirs: &[u8; 32], ours: &[u8; 32]) -> Result<()> {
    if index != expected {
        return Err(Error::Cluster {
            message: format!("{} says it is process {index}: are the host files the same?", name(expected, hosts)),
            source: None,
        });
    }
    if theirs != ours {
        return Err(Error::Cluster {
            message: format!(
                "{} runs another job (a different pipeline file, as_of, host file or worker count)",
                name(expected, hosts)
            ),
            source: None,
        });
    }
    Ok(())
}
