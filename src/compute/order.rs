//! Locality orders for the kernel: peers renumbered by how often their
//! score is read (their out-degree, most first; ties by their number), so
//! the scores the gather touches most sit together in cache. The iteration
//! runs on the renumbered graph and its vectors are mapped back, so callers
//! see the peers in their own order.
//!
//! - `degree` sorts each peer's incoming entries by their new numbers, so
//!   its sums run in another order and the last bits may differ from the
//!   natural order's (within 1e-12); on any thread count the bits are the
//!   same.
//! - `locality` renames only the sources the kernel gathers from, and
//!   keeps every sum in the peers' own order (each column's entries, the
//!   dangling rows, the residual's squares), so its bits are the natural
//!   order's: it is a speed setting only.

use super::eigentrust::{EigenTrustParams, Iterates, PowerIteration};
use crate::error::Result;
use crate::graph::{Columns, Incoming};
use rayon::prelude::*;
use serde::Deserialize;

/// `[eigentrust] order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerOrder {
    /// `Locality` on scopes of at least [`AUTO_LOCALITY_PEERS`] peers when
    /// the iteration runs on this machine, else `Natural`: the same bits
    /// either way.
    #[default]
    Auto,
    /// The peers' own order (byte order of their ids).
    Natural,
    /// Most-read scores first (out-degree, descending).
    Degree,
    /// The degree order's numbers, each peer's sum still taken in the
    /// natural order: the same bits as `Natural`, faster on large graphs.
    Locality,
}

impl PeerOrder {
    /// The identifier recorded in the manifest.
    pub fn id(self) -> &'static str {
        match self {
            PeerOrder::Auto => "auto",
            PeerOrder::Natural => "natural",
            PeerOrder::Degree => "degree",
            PeerOrder::Locality => "locality",
        }
    }
}

/// The scope size from which `auto` takes the locality order: 4M peers,
/// 32 MB of scores. Below it the scores sit in cache in any order and
/// renaming the sources costs more than it saves (R-MAT: at 0.6M and 1M
/// peers the iterations gained 0–5% for 30–100 ms of renaming; at 4.6M and
/// 8.4M peers 25–45%, the renaming paid back within 7 of about 20
/// iterations).
pub const AUTO_LOCALITY_PEERS: usize = 1 << 22;

/// The order `order` runs in with `kernel` on `peers` peers: `auto` decided.
pub fn resolve(order: PeerOrder, kernel: &dyn PowerIteration, peers: usize) -> PeerOrder {
    match order {
        PeerOrder::Auto if kernel.iterates_renamed() && peers >= AUTO_LOCALITY_PEERS => PeerOrder::Locality,
        PeerOrder::Auto => PeerOrder::Natural,
        order => order,
    }
}

/// A renumbering: `new[old]` and `old[new]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Renumbering {
    /// The new number of each peer.
    pub new: Vec<u32>,
    /// The peer at each new number.
    pub old: Vec<u32>,
}

/// Peers by out-degree in `c` (how many incoming lists name them), most first, ties by number.
///
/// The degrees are counted on every core (a count per thread, at most
/// [`COUNTS`] of them, added up) and the ranking sorted as packed integer
/// keys, which are distinct, so the order does not depend on the thread
/// count.
pub fn by_out_degree(c: &Incoming) -> Renumbering {
    /// At most this many counts of n peers are held at once (4 bytes a peer
    /// each), however many threads there are.
    const COUNTS: usize = 4;
    let n = c.indptr().len().saturating_sub(1);
    let sources = c.sources();
    let share = sources.len().div_ceil(rayon::current_num_threads().min(COUNTS)).max(1);
    let counts: Vec<Vec<u32>> = sources
        .par_chunks(share)
        .map(|part| {
            let mut degree = vec![0u32; n];
            for &i in part {
                degree[i as usize] += 1;
            }
            degree
        })
        .collect();
    let mut keys: Vec<u64> = (0..n as u32)
        .into_par_iter()
        .map(|i| {
            let degree: u32 = counts.iter().map(|d| d[i as usize]).sum();
            (u64::from(u32::MAX - degree) << 32) | u64::from(i)
        })
        .collect();
    drop(counts);
    keys.par_sort_unstable();
    let old: Vec<u32> = keys.into_par_iter().map(|key| key as u32).collect();
    let mut new = vec![0u32; n];
    for (k, &i) in old.iter().enumerate() {
        new[i as usize] = k as u32;
    }
    Renumbering { new, old }
}

/// `c` with rows and columns renumbered (sources sorted within each column).
fn renumber(c: &Incoming, r: &Renumbering) -> Incoming {
    let (indptr, sources, weights) = (c.indptr(), c.sources(), c.weights());
    let n = r.old.len();
    let mut colptr = Vec::with_capacity(n + 1);
    colptr.push(0);
    let (mut rows, mut vals) = (Vec::with_capacity(sources.len()), Vec::with_capacity(sources.len()));
    let mut column: Vec<(u32, f64)> = Vec::new();
    for &old_j in &r.old {
        let edges = indptr[old_j as usize]..indptr[old_j as usize + 1];
        column.clear();
        column.extend(sources[edges.clone()].iter().zip(&weights[edges]).map(|(&i, &w)| (r.new[i as usize], w)));
        column.sort_unstable_by_key(|&(i, _)| i);
        for &(i, w) in &column {
            rows.push(i);
            vals.push(w);
        }
        colptr.push(rows.len());
    }
    Incoming::from_csc(n, colptr, rows, vals)
}

/// EigenTrust's iterates in `order`, computed by `kernel`: the same fixed
/// point, the vectors in the peers' own order.
#[allow(clippy::too_many_arguments)]
pub fn eigentrust_in_order(
    kernel: &dyn PowerIteration,
    order: PeerOrder,
    c: &Incoming,
    dangling: &[u32],
    leak: &[(u32, f64)],
    p: &[f64],
    params: &EigenTrustParams,
    mut on_iteration: impl FnMut(u32, f64),
) -> Result<Iterates> {
    let started = std::time::Instant::now();
    let resolved = resolve(order, kernel, p.len());
    if order == PeerOrder::Auto {
        tracing::info!(peers = p.len(), order = resolved.id(), "order auto");
    }
    match resolved {
        PeerOrder::Natural | PeerOrder::Auto => kernel.iterate(c, dangling, leak, p, params, &mut on_iteration),
        PeerOrder::Degree => {
            let renumbered = Renumbered::by_out_degree(c, dangling, leak, p);
            // What the order costs before its faster iterations start to pay it back.
            tracing::info!(elapsed = ?started.elapsed(), "peers renumbered by out-degree");
            renumbered.iterate(kernel, params, on_iteration)
        }
        PeerOrder::Locality => {
            let renamed = Renamed::by_out_degree(c);
            tracing::info!(elapsed = ?started.elapsed(), "sources renamed by out-degree");
            renamed.iterate(kernel, c, dangling, leak, p, params, on_iteration)
        }
    }
}

/// C with its sources renamed by out-degree ([`by_out_degree`]) and nothing
/// else moved: its columns, their entries' order and weights, and every
/// vector stay the peers' own; each iteration gathers the scores from a copy
/// of t in the new numbering ([`PowerIteration::iterate_renamed`]). So the
/// iteration adds the same numbers in the same order, with the natural
/// order's bits, while the scores it reads most sit together in cache. It
/// holds 4 bytes per entry (the renamed sources) and a vector more.
pub struct Renamed {
    sources: Vec<u32>,
    /// The peer each new number names.
    old: Vec<u32>,
}

impl Renamed {
    /// C's sources renamed, on every core, each new number asked for ahead.
    pub fn by_out_degree(c: &Incoming) -> Self {
        let r = by_out_degree(c);
        let sources = c.sources();
        let mut renamed = vec![0u32; sources.len()];
        const PIECE: usize = 1 << 16;
        renamed.par_chunks_mut(PIECE).enumerate().for_each(|(piece, out)| {
            let first = piece * PIECE;
            for (k, slot) in out.iter_mut().enumerate() {
                crate::cache::prefetch_ahead(&r.new, sources, first + k);
                *slot = r.new[sources[first + k] as usize];
            }
        });
        Renamed { sources: renamed, old: r.old }
    }

    /// EigenTrust's iterates on C with these sources (the peers' own order).
    #[allow(clippy::too_many_arguments)]
    pub fn iterate(
        &self,
        kernel: &dyn PowerIteration,
        c: &Incoming,
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        mut on_iteration: impl FnMut(u32, f64),
    ) -> Result<Iterates> {
        let view = Columns { sources: &self.sources, ..c.view() };
        kernel.iterate_renamed(view, &self.old, dangling, leak, p, params, &mut on_iteration)
    }
}

/// A graph's inputs to EigenTrust with its peers renumbered: C, the
/// dangling and leaking rows and pre-trust, and the renumbering that maps
/// the iterates back.
pub struct Renumbered {
    c: Incoming,
    dangling: Vec<u32>,
    leak: Vec<(u32, f64)>,
    p: Vec<f64>,
    r: Renumbering,
}

impl Renumbered {
    /// The inputs renumbered by out-degree ([`by_out_degree`]).
    pub fn by_out_degree(c: &Incoming, dangling: &[u32], leak: &[(u32, f64)], p: &[f64]) -> Self {
        let r = by_out_degree(c);
        let renumbered = renumber(c, &r);
        let mut dangling: Vec<u32> = dangling.iter().map(|&i| r.new[i as usize]).collect();
        dangling.sort_unstable();
        let mut leak: Vec<(u32, f64)> = leak.iter().map(|&(i, s)| (r.new[i as usize], s)).collect();
        leak.sort_unstable_by_key(|&(i, _)| i);
        let p: Vec<f64> = r.old.iter().map(|&i| p[i as usize]).collect();
        Renumbered { c: renumbered, dangling, leak, p, r }
    }

    /// EigenTrust's iterates on the renumbered graph, mapped back to the
    /// peers' own order.
    pub fn iterate(
        &self,
        kernel: &dyn PowerIteration,
        params: &EigenTrustParams,
        mut on_iteration: impl FnMut(u32, f64),
    ) -> Result<Iterates> {
        let mut out = kernel.iterate(&self.c, &self.dangling, &self.leak, &self.p, params, &mut on_iteration)?;
        let back = |v: &[f64]| -> Vec<f64> { self.r.new.iter().map(|&k| v[k as usize]).collect() };
        out.trust_positive = back(&out.trust_positive);
        out.previous = back(&out.previous);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::eigentrust::Local;

    #[test]
    fn the_most_read_peer_comes_first_and_the_scores_come_back_in_the_peers_order() {
        // 2 trusts three peers, so its score is read three times an iteration; the others once.
        let c = Incoming::from_rows(
            4,
            &[vec![(1, 1.0)], vec![(0, 1.0)], vec![(0, 0.25), (1, 0.25), (3, 0.5)], vec![(0, 1.0)]],
        );
        let r = by_out_degree(&c);
        assert_eq!(r.old, [2, 0, 1, 3]);
        assert_eq!(r.new, [1, 2, 0, 3]);
        let p = [0.25, 0.25, 0.25, 0.25];
        let params = EigenTrustParams::default();
        let natural = eigentrust_in_order(&Local, PeerOrder::Natural, &c, &[], &[], &p, &params, |_, _| {}).unwrap();
        let degree = eigentrust_in_order(&Local, PeerOrder::Degree, &c, &[], &[], &p, &params, |_, _| {}).unwrap();
        assert_eq!(natural.convergence.iterations, degree.convergence.iterations);
        for (a, b) in natural.trust_positive.iter().zip(&degree.trust_positive) {
            assert!((a - b).abs() <= 1e-15, "{a} vs {b}");
        }
    }

    #[test]
    fn auto_takes_the_locality_order_on_large_scopes_on_this_machine_only() {
        /// A kernel that runs elsewhere, as a cluster's does.
        struct Elsewhere;
        impl PowerIteration for Elsewhere {
            fn iterate(
                &self,
                _: &Incoming,
                _: &[u32],
                _: &[(u32, f64)],
                _: &[f64],
                _: &EigenTrustParams,
                _: &mut dyn FnMut(u32, f64),
            ) -> Result<Iterates> {
                unreachable!("only resolved here")
            }
        }
        let large = AUTO_LOCALITY_PEERS;
        assert_eq!(resolve(PeerOrder::Auto, &Local, large), PeerOrder::Locality);
        assert_eq!(resolve(PeerOrder::Auto, &Local, large - 1), PeerOrder::Natural);
        assert_eq!(resolve(PeerOrder::Auto, &Elsewhere, large), PeerOrder::Natural);
        for order in [PeerOrder::Natural, PeerOrder::Degree, PeerOrder::Locality] {
            assert_eq!(resolve(order, &Local, large), order, "an order set is kept");
            assert_eq!(resolve(order, &Local, 1), order);
        }
        assert_eq!(EigenTrustParams::default().order, PeerOrder::Auto);
    }

    /// C, the dangling rows, the leaking rows and p.
    type Graph = (Incoming, Vec<u32>, Vec<(u32, f64)>, Vec<f64>);

    /// A random graph's C (rows of distinct columns with random weights),
    /// its dangling rows (those with no entries), a few leaking rows and p.
    fn graph() -> impl proptest::strategy::Strategy<Value = Graph> {
        use proptest::prelude::*;
        (1usize..5000).prop_flat_map(|n| {
            let row = proptest::collection::btree_map(0..n as u32, 0.01f64..1.0, 0..8);
            let rows = proptest::collection::vec(row, n);
            let leak = proptest::collection::btree_map(0..n as u32, 0.0f64..0.5, 0..4);
            let p = proptest::collection::vec(0.0f64..1.0, n);
            (rows, leak, p).prop_map(move |(rows, leak, p)| {
                let rows: Vec<Vec<(u32, f64)>> = rows.into_iter().map(|r| r.into_iter().collect()).collect();
                let dangling = (0..n as u32).filter(|&i| rows[i as usize].is_empty()).collect();
                let total: f64 = p.iter().sum();
                let p = p.iter().map(|x| if total > 0.0 { x / total } else { 1.0 / n as f64 }).collect();
                (Incoming::from_rows(n, &rows), dangling, leak.into_iter().collect(), p)
            })
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        #[test]
        fn the_locality_order_gives_the_natural_orders_bits_on_any_thread_count((c, dangling, leak, p) in graph()) {
            let params = EigenTrustParams { max_iterations: std::num::NonZeroU32::new(200).unwrap(), ..Default::default() };
            let run = |order, threads| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    let mut residuals = Vec::new();
                    let it = eigentrust_in_order(&Local, order, &c, &dangling, &leak, &p, &params, |k, r| residuals.push((k, r.to_bits())));
                    it.map(|it| {
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        (bits(&it.trust_positive), bits(&it.previous), it.convergence.iterations, it.convergence.residual.to_bits(), residuals)
                    })
                    .map_err(|e| e.to_string())
                })
            };
            let natural = run(PeerOrder::Natural, 1);
            proptest::prop_assert_eq!(&run(PeerOrder::Locality, 1), &natural);
            proptest::prop_assert_eq!(&run(PeerOrder::Locality, 2), &natural);
        }

        #[test]
        fn the_ranking_on_every_core_is_the_sequential_ranking((c, _, _, _) in graph()) {
            let n = c.indptr().len() - 1;
            let mut degree = vec![0u32; n];
            for &i in c.sources() {
                degree[i as usize] += 1;
            }
            let mut old: Vec<u32> = (0..n as u32).collect();
            old.sort_by_key(|&i| (std::cmp::Reverse(degree[i as usize]), i));
            // Two threads, and more threads than counts held at once.
            for threads in [2, 7] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let r = pool.install(|| by_out_degree(&c));
                for (k, &i) in r.old.iter().enumerate() {
                    proptest::prop_assert_eq!(r.new[i as usize], k as u32);
                }
                proptest::prop_assert_eq!(&r.old, &old);
            }
        }
    }
}
