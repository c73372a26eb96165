//! A locality order for the kernel: peers renumbered by how often their
//! score is read (their out-degree, most first; ties by their number), so
//! the scores the gather touches most sit together in cache. The iteration
//! runs on the renumbered graph and its vectors are mapped back, so callers
//! see the peers in their own order. The sums over a peer's incoming edges
//! then run in another order, so the last bits may differ from the natural
//! order's (within 1e-12); on any thread count the bits are the same.

use super::eigentrust::{EigenTrustParams, Iterates, PowerIteration};
use crate::error::Result;
use crate::graph::Incoming;
use serde::Deserialize;

/// `[eigentrust] order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerOrder {
    /// The peers' own order (byte order of their ids).
    #[default]
    Natural,
    /// Most-read scores first (out-degree, descending).
    Degree,
}

impl PeerOrder {
    /// The identifier recorded in the manifest.
    pub fn id(self) -> &'static str {
        match self {
            PeerOrder::Natural => "natural",
            PeerOrder::Degree => "degree",
        }
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
pub fn by_out_degree(c: &Incoming) -> Renumbering {
    let n = c.indptr().len().saturating_sub(1);
    let mut degree = vec![0u32; n];
    for &i in c.sources() {
        degree[i as usize] += 1;
    }
    let mut old: Vec<u32> = (0..n as u32).collect();
    old.sort_by_key(|&i| (std::cmp::Reverse(degree[i as usize]), i));
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
    if order == PeerOrder::Natural {
        return kernel.iterate(c, dangling, leak, p, params, &mut on_iteration);
    }
    let started = std::time::Instant::now();
    let renumbered = Renumbered::by_out_degree(c, dangling, leak, p);
    // What the order costs before its faster iterations start to pay it back.
    tracing::info!(elapsed = ?started.elapsed(), "peers renumbered by out-degree");
    renumbered.iterate(kernel, params, on_iteration)
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
}
