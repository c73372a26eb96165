//! Builds the trust graph of one scope from accepted edges: peers in sorted
//! order, local trust and distrust as row-stochastic sparse matrices, the
//! dangling rows, and the normalised pre-trust vector.
//!
//! The result depends only on the *set* of edges, not on their order in the
//! input: peers are numbered by sorted id, and duplicate (i, j) entries are
//! summed in value order.

mod incoming;

pub use incoming::Incoming;

use crate::ingest::Edge;
use crate::numeric::compensated_sum;
use rayon::prelude::*;

/// The per-scope input of the trust computation.
#[derive(Debug, Clone)]
pub struct TrustGraph {
    /// Peer ids in byte order; a peer's index is its node number.
    pub peers: Vec<String>,
    /// Positive local trust C, each non-empty row scaled to sum 1.
    pub trust: Incoming,
    /// Distrust D (negated negative local trust), each non-empty row scaled to sum 1.
    pub distrust: Incoming,
    /// Peers with no positive out-trust; EigenTrust treats their row as p.
    pub dangling: Vec<u32>,
    /// Pre-trust p, summing to 1 (uniform when no peer has positive weight).
    pub pretrust: Vec<f64>,
    /// Counts for the run summary.
    pub stats: GraphStats,
}

/// Edge counts after merging.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraphStats {
    /// Accepted input edges.
    pub input_edges: usize,
    /// Distinct (truster, trustee) pairs with a positive sum.
    pub trust_edges: usize,
    /// Distinct pairs with a negative sum.
    pub distrust_edges: usize,
    /// Distinct pairs whose values summed to exactly zero.
    pub neutral_pairs: usize,
}

/// Builds one scope's graph from edges on the global peer list: only the
/// peers those edges or the pre-trust name take part.
pub fn build_scope(all_peers: &[String], mut edges: Vec<Edge>, pretrust: &[(u32, f64)]) -> TrustGraph {
    let mut local = vec![u32::MAX; all_peers.len()];
    let mut peers = Vec::new();
    let mut index = |global: u32| {
        let slot = &mut local[global as usize];
        if *slot == u32::MAX {
            *slot = peers.len() as u32;
            peers.push(all_peers[global as usize].clone());
        }
        *slot
    };
    for e in &mut edges {
        e.truster = index(e.truster);
        e.trustee = index(e.trustee);
    }
    let pretrust: Vec<(u32, f64)> = pretrust.iter().map(|&(p, w)| (index(p), w)).collect();
    build(peers, edges, &pretrust)
}

/// Builds the graph. `peers[k]` is the id of input peer number `k`, which
/// `edges` and `pretrust` refer to; ids must be distinct.
pub fn build(peers: Vec<String>, mut edges: Vec<Edge>, pretrust: &[(u32, f64)]) -> TrustGraph {
    let n = peers.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.par_sort_unstable_by(|&a, &b| peers[a as usize].cmp(&peers[b as usize]));
    let mut rank = vec![0u32; n];
    for (new, &old) in order.iter().enumerate() {
        rank[old as usize] = new as u32;
    }
    let mut peers = peers;
    let sorted_peers: Vec<String> = order.iter().map(|&old| std::mem::take(&mut peers[old as usize])).collect();

    let input_edges = edges.len();
    edges.par_iter_mut().for_each(|e| {
        e.truster = rank[e.truster as usize];
        e.trustee = rank[e.trustee as usize];
    });
    // Sort by the packed pair (fast), then put duplicate pairs in value order
    // so that their sum does not depend on the input order.
    edges.par_sort_unstable_by_key(|e| (u64::from(e.truster) << 32) | u64::from(e.trustee));
    for pair in edges.chunk_by_mut(|a, b| (a.truster, a.trustee) == (b.truster, b.trustee)) {
        if pair.len() > 1 {
            pair.sort_unstable_by(|a, b| a.value.total_cmp(&b.value));
        }
    }

    let mut trust = RowsBuilder::new(n);
    let mut distrust = RowsBuilder::new(n);
    let mut neutral_pairs = 0;
    for row in edges.chunk_by(|a, b| a.truster == b.truster) {
        let merged = merge_row(row);
        for &(j, v) in &merged {
            if v > 0.0 {
                trust.push(j, v);
            } else if v < 0.0 {
                distrust.push(j, -v);
            } else {
                neutral_pairs += 1;
            }
        }
        let i = row[0].truster;
        trust.finish_row(i);
        distrust.finish_row(i);
    }
    let stats =
        GraphStats { input_edges, trust_edges: trust.cols.len(), distrust_edges: distrust.cols.len(), neutral_pairs };
    let (trust, dangling) = trust.build();
    let (distrust, _) = distrust.build();

    let mut weights = vec![0.0; n];
    for &(old, w) in pretrust {
        weights[rank[old as usize] as usize] += w;
    }
    TrustGraph { peers: sorted_peers, trust, distrust, dangling, pretrust: distribution(weights), stats }
}

/// Sums duplicate (truster, trustee) entries of one truster's sorted edges.
/// Should a sum overflow, the whole row is first scaled by its largest
/// magnitude, which leaves every ratio within the row — all that
/// canonicalisation keeps — unchanged.
fn merge_row(row: &[Edge]) -> Vec<(u32, f64)> {
    let merge = |scale: f64| -> Vec<(u32, f64)> {
        row.chunk_by(|a, b| a.trustee == b.trustee)
            .map(|pair| (pair[0].trustee, compensated_sum(pair.iter().map(|e| e.value / scale))))
            .collect()
    };
    let merged = merge(1.0);
    let overflowed =
        merged.iter().any(|(_, v)| !v.is_finite()) || !compensated_sum(merged.iter().map(|(_, v)| v.abs())).is_finite();
    if overflowed { merge(row.iter().map(|e| e.value.abs()).fold(0.0, f64::max)) } else { merged }
}

/// Scales non-negative weights to sum 1; all-zero (or empty) weights become uniform.
fn distribution(mut weights: Vec<f64>) -> Vec<f64> {
    let total = compensated_sum(weights.iter().copied());
    if total == 0.0 {
        let n = weights.len();
        weights.iter_mut().for_each(|w| *w = 1.0 / n as f64);
        return weights;
    }
    scale_to_unit_sum(&mut weights, total);
    weights
}

/// Divides by `total`; if `total` overflowed, first scales by the largest value.
fn scale_to_unit_sum(values: &mut [f64], total: f64) {
    let total = if total.is_finite() {
        total
    } else {
        let max = values.iter().copied().fold(0.0, f64::max);
        values.iter_mut().for_each(|v| *v /= max);
        compensated_sum(values.iter().copied())
    };
    values.iter_mut().for_each(|v| *v /= total);
}

/// Accumulates rows in increasing row order, then scales each row to sum 1.
struct RowsBuilder {
    indptr: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f64>,
}

impl RowsBuilder {
    fn new(n: usize) -> Self {
        let mut indptr = Vec::with_capacity(n + 1);
        indptr.push(0);
        RowsBuilder { indptr, cols: Vec::new(), vals: Vec::new() }
    }

    fn push(&mut self, col: u32, val: f64) {
        self.cols.push(col);
        self.vals.push(val);
    }

    /// Closes row `row` (and any empty rows before it).
    fn finish_row(&mut self, row: u32) {
        let start = *self.indptr.last().unwrap_or(&0);
        while self.indptr.len() <= row as usize {
            self.indptr.push(start);
        }
        let row_vals = &mut self.vals[start..];
        let total = compensated_sum(row_vals.iter().copied());
        if total > 0.0 {
            scale_to_unit_sum(row_vals, total);
        }
        self.indptr.push(self.cols.len());
    }

    /// The incoming-edge form and the list of empty rows.
    fn build(mut self) -> (Incoming, Vec<u32>) {
        let n = self.indptr.capacity() - 1;
        let end = self.cols.len();
        self.indptr.resize(n + 1, end);
        let empty = (0..n).filter(|&i| self.indptr[i] == self.indptr[i + 1]).map(|i| i as u32).collect();
        (Incoming::from_csr(n, self.indptr, self.cols, self.vals), empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(truster: u32, trustee: u32, value: f64) -> Edge {
        Edge { truster, trustee, value }
    }

    fn names(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn peers_are_sorted_and_rows_canonicalised() {
        // Input numbering: 0 = "c", 1 = "a", 2 = "b".
        let g = build(names(&["c", "a", "b"]), vec![edge(0, 1, 3.0), edge(0, 2, 1.0), edge(1, 0, -2.0)], &[(2, 5.0)]);
        assert_eq!(g.peers, ["a", "b", "c"]);
        // c → a = 0.75, c → b = 0.25: incoming of a is {c: 0.75}.
        assert_eq!(g.trust.incoming_of(0), vec![(2, 0.75)]);
        assert_eq!(g.trust.incoming_of(1), vec![(2, 0.25)]);
        assert_eq!(g.distrust.incoming_of(2), vec![(0, 1.0)]);
        assert_eq!(g.dangling, vec![0, 1]);
        assert_eq!(g.pretrust, vec![0.0, 1.0, 0.0]);
        assert_eq!(g.stats, GraphStats { input_edges: 3, trust_edges: 2, distrust_edges: 1, neutral_pairs: 0 });
    }

    #[test]
    fn duplicates_are_summed_before_the_sign_split() {
        let g = build(
            names(&["a", "b", "c"]),
            vec![edge(0, 1, 5.0), edge(0, 1, -3.0), edge(0, 2, 2.0), edge(0, 2, -2.0)],
            &[],
        );
        assert_eq!(g.trust.incoming_of(1), vec![(0, 1.0)]);
        assert_eq!(g.distrust.nnz(), 0);
        assert_eq!(g.stats.neutral_pairs, 1);
        assert_eq!(g.pretrust, vec![1.0 / 3.0; 3]);
    }

    #[test]
    fn huge_values_do_not_overflow_into_nan() {
        let g = build(
            names(&["a", "b", "c"]),
            vec![edge(0, 1, f64::MAX), edge(0, 1, f64::MAX), edge(0, 2, f64::MAX)],
            &[(1, f64::MAX), (2, f64::MAX)],
        );
        let to_b = g.trust.incoming_of(1)[0].1;
        let to_c = g.trust.incoming_of(2)[0].1;
        assert!((to_b - 2.0 / 3.0).abs() < 1e-15 && (to_c - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(g.pretrust, vec![0.0, 0.5, 0.5]);
    }

    #[test]
    fn result_does_not_depend_on_edge_order() {
        let edges = vec![edge(0, 1, 0.1), edge(0, 1, 0.2), edge(0, 1, 0.3), edge(1, 2, 1.0), edge(0, 2, 0.7)];
        let mut reversed = edges.clone();
        reversed.reverse();
        let a = build(names(&["x", "y", "z"]), edges, &[]);
        let b = build(names(&["x", "y", "z"]), reversed, &[]);
        assert_eq!(a.trust, b.trust);
    }
}
