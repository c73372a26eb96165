//! The power step for graphs whose score vector outgrows the cache.
//!
//! Gathering `t[i]` over each peer's incoming edges reads t at random; once
//! t is larger than the last-level cache (8 bytes a peer: 4M peers is 32
//! MiB), most of those reads go to memory and the step slows about threefold
//! (docs/performance.md). Here C's entries are regrouped by the segment of t
//! their source falls in, and the step makes one pass per segment, each
//! reading only that segment of t, so the random reads stay in cache; each
//! peer's running sum is kept in the output between passes.
//!
//! The bits are [`super::eigentrust::step_rows`]'s: a column's edges are in
//! ascending source order, segments are visited in ascending order, and the
//! running sum starts at 0.0 and adds `w · t[i]` one edge at a time, so every
//! peer's sum is the same sequence of additions; the squared differences are
//! reduced per [`CHUNK`] in row order, as there.

use super::eigentrust::step_value;
use crate::graph::Incoming;
use crate::numeric::{CHUNK, compensated_sum};
use rayon::prelude::*;

/// Peers per segment: 2^21, 16 MiB of t, half of a server CPU's
/// last-level cache (the threads work on the same segment at a time).
pub const SEGMENT_PEERS: usize = 1 << 21;

/// Graphs with more peers than this are stepped in segments; below it, t
/// (32 MiB) may stay in cache and one pass is faster.
pub const SEGMENTED_ABOVE: usize = 2 * SEGMENT_PEERS;

/// C's incoming edges, one compressed-column matrix per segment of sources.
#[derive(Debug)]
pub struct Segmented {
    segments: Vec<Segment>,
}

/// The edges whose source is in one segment, by column: only the columns
/// with such edges are listed (most columns have none in a given segment,
/// and a pass touches only those listed).
#[derive(Debug)]
struct Segment {
    /// The listed columns, ascending.
    columns: Vec<u32>,
    /// Where each listed column's entries end (they start where the previous one's end).
    ends: Vec<u32>,
    /// For each [`CHUNK`] of columns, its first listed column (one more entry at the end).
    chunk_starts: Vec<u32>,
    sources: Vec<u32>,
    weights: Vec<f64>,
}

impl Segmented {
    /// Regroups `c` into segments of `size` sources; `None` if a segment
    /// would hold more entries than its 32-bit offsets address.
    pub fn of(c: &Incoming, size: usize) -> Option<Segmented> {
        let (indptr, sources, weights) = (c.indptr(), c.sources(), c.weights());
        let columns = indptr.len() - 1;
        let count = c.rows().div_ceil(size.max(1)).max(1);
        let segments = (0..count)
            .into_par_iter()
            .map(|s| {
                let (low, high) = ((s * size) as u64, ((s + 1) * size) as u64);
                // Each column's sources ascend: its part in this segment is one run.
                let part = |j: usize| {
                    let column = &sources[indptr[j]..indptr[j + 1]];
                    let from = column.partition_point(|&i| u64::from(i) < low);
                    let to = column.partition_point(|&i| u64::from(i) < high);
                    indptr[j] + from..indptr[j] + to
                };
                let (mut total, mut listed) = (0usize, 0usize);
                for j in 0..columns {
                    let run = part(j).len();
                    total += run;
                    listed += usize::from(run > 0);
                }
                u32::try_from(total.max(listed)).ok()?;
                let mut segment = Segment {
                    columns: Vec::with_capacity(listed),
                    ends: Vec::with_capacity(listed),
                    chunk_starts: Vec::with_capacity(columns.div_ceil(CHUNK) + 1),
                    sources: Vec::with_capacity(total),
                    weights: Vec::with_capacity(total),
                };
                for j in 0..columns {
                    if j % CHUNK == 0 {
                        segment.chunk_starts.push(segment.columns.len() as u32);
                    }
                    let run = part(j);
                    if run.is_empty() {
                        continue;
                    }
                    segment.sources.extend_from_slice(&sources[run.clone()]);
                    segment.weights.extend_from_slice(&weights[run]);
                    segment.columns.push(j as u32);
                    segment.ends.push(segment.sources.len() as u32);
                }
                segment.chunk_starts.push(segment.columns.len() as u32);
                Some(segment)
            })
            .collect::<Option<Vec<Segment>>>()?;
        Some(Segmented { segments })
    }

    /// One power step into `next` (all of C's columns); returns ‖next − t‖₂².
    pub fn step(&self, p: &[f64], t: &[f64], next: &mut [f64], alpha: f64, dangling_mass: f64) -> f64 {
        // Every peer's sum starts at 0.0, as the one-pass kernel's does.
        next.par_chunks_mut(CHUNK).for_each(|out| out.fill(0.0));
        for segment in &self.segments {
            next.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk, out)| {
                let first = chunk * CHUNK;
                let listed = segment.chunk_starts[chunk] as usize..segment.chunk_starts[chunk + 1] as usize;
                let mut start = match listed.start {
                    0 => 0,
                    k => segment.ends[k - 1] as usize,
                };
                for k in listed {
                    let end = segment.ends[k] as usize;
                    let slot = &mut out[segment.columns[k] as usize - first];
                    let mut gathered = *slot;
                    for (&i, &w) in segment.sources[start..end].iter().zip(&segment.weights[start..end]) {
                        gathered += w * t[i as usize];
                    }
                    *slot = gathered;
                    start = end;
                }
            });
        }
        let partials: Vec<f64> = next
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(chunk, out)| {
                let mut squares = 0.0;
                for (offset, slot) in out.iter_mut().enumerate() {
                    let j = chunk * CHUNK + offset;
                    let value = step_value(*slot, p[j], alpha, dangling_mass);
                    let delta = value - t[j];
                    squares += delta * delta;
                    *slot = value;
                }
                squares
            })
            .collect();
        compensated_sum(partials)
    }
}
