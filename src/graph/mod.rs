//! Builds the trust graph of one scope from accepted edges: peers in sorted
//! order, local trust and distrust as row-stochastic sparse matrices, the
//! dangling rows, and the normalised pre-trust vector.
//!
//! The result depends only on the *set* of edges, not on their order in the
//! input: peers are numbered by sorted id, and duplicate (i, j) entries are
//! summed in value order.

mod columns;
mod incoming;

pub use incoming::{Columns, Incoming};

use crate::ingest::{DecimalIds, Edge};
use crate::numeric::compensated_sum;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

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
    /// Rows that hand part of their trust back to pre-trust: (row, share),
    /// 0 < share < 1, ascending by row. Empty unless decay fades rows toward
    /// pre-trust (`[decay] row_scale = "undecayed"`, see [`build_scope_fading`]).
    pub leak: Vec<(u32, f64)>,
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
pub fn build_scope(all_peers: &[String], edges: Vec<Edge>, pretrust: &[(u32, f64)]) -> TrustGraph {
    build_scope_fading(all_peers, &DecimalIds::default(), edges, pretrust, &[])
}

/// [`build_scope`] of edges that may also name peers by their ids' numbers
/// (`decimal`), with `faded[k] = (truster, mass)`: the positive weight
/// decay took from that truster's statements. Its row is then scaled by its
/// undecayed total (decayed + faded) instead of its decayed one, so it sums
/// to less than 1, and the rest — the faded share — is listed in
/// [`TrustGraph::leak`] for EigenTrust to hand back to pre-trust.
pub fn build_scope_fading(
    all_peers: &[String],
    decimal: &DecimalIds,
    edges: Vec<Edge>,
    pretrust: &[(u32, f64)],
    faded: &[(u32, f64)],
) -> TrustGraph {
    // The scope's peers, found on every core: those named by index, then
    // those named by number that have no index, in the order of their
    // numbers. (Any numbering gives the same graph: `build` sorts the peers
    // by id.)
    let (used, used_numbers): (Vec<AtomicBool>, Vec<AtomicBool>) =
        (zeros(all_peers.len()), zeros(decimal.span as usize));
    let mark = |peer: u32| {
        let (flags, slot) = table_of(peer, &used, &used_numbers);
        let flag = &flags[slot];
        if !flag.load(Ordering::Relaxed) {
            flag.store(true, Ordering::Relaxed);
        }
    };
    // Each flag asked for ahead (`crate::cache`): with millions of peers the
    // flags outgrow the cache, and this pass and the one rewriting the
    // edges are the two reads per edge end of a table that large.
    let ask = |peer: u32| {
        let (flags, slot) = table_of(peer, &used, &used_numbers);
        crate::cache::prefetch(flags, slot);
    };
    edges.par_chunks(1 << 16).for_each(|edges| {
        for (k, e) in edges.iter().enumerate() {
            if let Some(ahead) = edges.get(k + crate::cache::AHEAD) {
                ask(ahead.truster);
                ask(ahead.trustee);
            }
            mark(e.truster);
            mark(e.trustee);
        }
    });
    pretrust.iter().for_each(|&(p, _)| mark(p));
    let used_numbers: Vec<bool> = used_numbers.into_par_iter().map(AtomicBool::into_inner).collect();
    // A number whose id was also interned as text names that peer.
    for (n, &slot) in decimal.interned.iter().enumerate() {
        if slot > 0 && used_numbers.get(n) == Some(&true) {
            used[slot as usize - 1].store(true, Ordering::Relaxed);
        }
    }
    let mut local = vec![u32::MAX; all_peers.len()];
    let mut peers = Vec::new();
    for (global, flag) in used.into_iter().enumerate() {
        if flag.into_inner() {
            local[global] = peers.len() as u32;
            peers.push(all_peers[global].clone());
        }
    }
    let unindexed: Vec<u32> =
        (0..decimal.span).into_par_iter().filter(|&n| used_numbers[n as usize] && decimal.index(n).is_none()).collect();
    peers.par_extend(unindexed.par_iter().map(u32::to_string));
    let mut local_numbers: Vec<u32> = (0..decimal.span)
        .into_par_iter()
        .map(|n| match decimal.index(n) {
            Some(index) if used_numbers[n as usize] => local[index as usize],
            _ => u32::MAX,
        })
        .collect();
    let first = (peers.len() - unindexed.len()) as u32;
    for (k, &n) in unindexed.iter().enumerate() {
        local_numbers[n as usize] = first + k as u32;
    }
    drop((used_numbers, unindexed));
    let local_of = |peer: u32| {
        let (table, slot) = table_of(peer, &local, &local_numbers);
        table[slot]
    };
    let pretrust: Vec<(u32, f64)> = pretrust.iter().map(|&(p, w)| (local_of(p), w)).collect();
    // A truster with faded mass has statements here, so it is already indexed.
    let faded: Vec<(u32, f64)> =
        faded.iter().filter(|&&(t, m)| m > 0.0 && local_of(t) != u32::MAX).map(|&(t, m)| (local_of(t), m)).collect();
    build_fading(peers, Some((&local, &local_numbers)), edges, &pretrust, &faded)
}

/// Builds the graph. `peers[k]` is the id of input peer number `k`, which
/// `edges` and `pretrust` refer to; ids must be distinct.
pub fn build(peers: Vec<String>, edges: Vec<Edge>, pretrust: &[(u32, f64)]) -> TrustGraph {
    build_fading(peers, None, edges, pretrust, &[])
}

/// [`build`] with faded mass per truster (input numbering), as
/// [`build_scope_fading`] describes. With `numbering`, the edges name their
/// peers by index in a larger list or by number ([`DecimalIds`]), and
/// `numbering.0[g]` is the index in `peers` of their peer `g`,
/// `numbering.1[n]` that of the peer numbered `n`: that renumbering and the
/// sort's are composed, so the edges are rewritten once, with one table
/// read per peer named.
fn build_fading(
    peers: Vec<String>,
    numbering: Option<(&[u32], &[u32])>,
    mut edges: Vec<Edge>,
    pretrust: &[(u32, f64)],
    faded: &[(u32, f64)],
) -> TrustGraph {
    let n = peers.len();
    // Sorted by the ids' first eight bytes (zero-padded, big-endian: the
    // same order as the bytes), held beside each index, and by the whole id
    // only where those are equal: most comparisons read no string.
    let mut keyed: Vec<(u64, u32)> = (0..n).into_par_iter().map(|i| (id_prefix(&peers[i]), i as u32)).collect();
    keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| peers[a.1 as usize].cmp(&peers[b.1 as usize])));
    let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
    let mut rank = vec![0u32; n];
    for (new, &old) in order.iter().enumerate() {
        rank[old as usize] = new as u32;
    }
    let mut peers = peers;
    let sorted_peers: Vec<String> = order.iter().map(|&old| std::mem::take(&mut peers[old as usize])).collect();

    let input_edges = edges.len();
    let composed = |numbering: &[u32]| -> Vec<u32> {
        numbering.par_iter().map(|&k| rank.get(k as usize).copied().unwrap_or(u32::MAX)).collect()
    };
    match numbering {
        Some((indices, numbers)) => {
            let (by_index, by_number) = (composed(indices), composed(numbers));
            let row = |peer: u32| {
                let (table, slot) = table_of(peer, &by_index, &by_number);
                table[slot]
            };
            let ask = |peer: u32| {
                let (table, slot) = table_of(peer, &by_index, &by_number);
                crate::cache::prefetch(table, slot);
            };
            edges.par_chunks_mut(1 << 16).for_each(|edges| {
                for k in 0..edges.len() {
                    if let Some(ahead) = edges.get(k + crate::cache::AHEAD) {
                        ask(ahead.truster);
                        ask(ahead.trustee);
                    }
                    let e = &mut edges[k];
                    e.truster = row(e.truster);
                    e.trustee = row(e.trustee);
                }
            });
        }
        None => edges.par_iter_mut().for_each(|e| {
            e.truster = rank[e.truster as usize];
            e.trustee = rank[e.trustee as usize];
        }),
    }
    let Merged { trust, dangling, distrust, leak, neutral_pairs } = if columns::sums_stay_finite(&edges) {
        columns::merge(n, edges, faded, &rank)
    } else {
        merge_by_rows(n, edges, faded, &rank)
    };
    let stats = GraphStats { input_edges, trust_edges: trust.nnz(), distrust_edges: distrust.nnz(), neutral_pairs };

    let mut weights = vec![0.0; n];
    for &(old, w) in pretrust {
        weights[rank[old as usize] as usize] += w;
    }
    TrustGraph { peers: sorted_peers, trust, distrust, dangling, leak, pretrust: distribution(weights), stats }
}

/// The first eight bytes of `id`, zero-padded, as a big-endian number:
/// numbers compare as the bytes do, and ids whose prefixes differ compare as
/// their prefixes (a shorter id's padding is below any byte but zero, and a
/// zero byte ties with the padding, leaving the order to the whole ids).
fn id_prefix(id: &str) -> u64 {
    let mut key = [0u8; 8];
    let bytes = &id.as_bytes()[..id.len().min(8)];
    key[..bytes.len()].copy_from_slice(bytes);
    u64::from_be_bytes(key)
}

/// The merged matrices of one scope, each non-empty row scaled to sum 1 (or
/// to its kept share), however they were assembled.
struct Merged {
    trust: Incoming,
    dangling: Vec<u32>,
    distrust: Incoming,
    leak: Vec<(u32, f64)>,
    neutral_pairs: usize,
}

/// Puts the entries of each duplicate (truster, trustee) pair of sorted
/// edges in value order, so that their sum does not depend on the input order.
fn order_duplicates(edges: &mut [Edge]) {
    for pair in edges.chunk_by_mut(|a, b| (a.truster, a.trustee) == (b.truster, b.trustee)) {
        if pair.len() > 1 {
            pair.sort_unstable_by(|a, b| a.value.total_cmp(&b.value));
        }
    }
}

/// Merges the edges row by row and turns the rows into columns: the way for
/// any values, even those whose sums overflow ([`merge_row`]).
fn merge_by_rows(n: usize, mut edges: Vec<Edge>, faded: &[(u32, f64)], rank: &[u32]) -> Merged {
    edges.par_sort_unstable_by_key(|e| (u64::from(e.truster) << 32) | u64::from(e.trustee));
    order_duplicates(&mut edges);
    // Rows are independent: merge and scale them in parallel, in chunks cut
    // at row boundaries (the cut depends only on the data, never on threads).
    let parts: Vec<(Rows, Rows, usize)> =
        chunks_by(&edges, |e| e.truster).par_windows(2).map(|w| merge_rows(&edges[w[0]..w[1]])).collect();
    // The edges are merged into rows: free them before the rows are
    // assembled into columns, so the edge list, the rows and the columns are
    // never held at once (at 134M edges, 2 GiB less at the peak).
    drop(edges);
    let neutral_pairs = parts.iter().map(|p| p.2).sum();
    let (trust, distrust): (Vec<Rows>, Vec<Rows>) = parts.into_iter().map(|(t, d, _)| (t, d)).unzip();
    let (kept, leak) = fading(faded, rank, || {
        let mut decayed = vec![0.0; n];
        for &(row, total) in trust.iter().flat_map(|part| &part.totals) {
            decayed[row as usize] = total;
        }
        decayed
    });
    let (trust, dangling) = Rows::assemble(n, trust, kept.as_deref());
    let (distrust, _) = Rows::assemble(n, distrust, None);
    Merged { trust, dangling, distrust, leak, neutral_pairs }
}

/// For rows with faded mass F (by input truster, mapped through `rank`) and
/// decayed total D (`decayed()[row]`, 0 for an empty row): the share each
/// keeps, D / (D + F), per row (`None` when nothing faded), and the leaked
/// shares F / (D + F), ascending by row.
fn fading(
    faded: &[(u32, f64)],
    rank: &[u32],
    decayed: impl FnOnce() -> Vec<f64>,
) -> (Option<Vec<f64>>, Vec<(u32, f64)>) {
    if faded.is_empty() {
        return (None, Vec::new());
    }
    let decayed = decayed();
    let mut kept = vec![1.0; decayed.len()];
    let mut leak = Vec::new();
    let mut by_row: Vec<(u32, f64)> = faded.iter().map(|&(t, m)| (rank[t as usize], m)).collect();
    by_row.sort_unstable_by_key(|&(row, _)| row);
    for (row, mass) in by_row {
        let d = decayed[row as usize];
        if d > 0.0 && mass > 0.0 && mass.is_finite() {
            kept[row as usize] = d / (d + mass);
            leak.push((row, mass / (d + mass)));
        }
    }
    (Some(kept), leak)
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

/// Edges per chunk of [`chunks_by`] (before extending to the end of a row or column).
const EDGES_PER_CHUNK: usize = 1 << 16;

/// Where an edge's `peer` is looked up in a pair of tables, one by index
/// and one by number ([`DecimalIds`]): the table and the slot.
#[inline(always)]
fn table_of<'a, T>(peer: u32, by_index: &'a [T], by_number: &'a [T]) -> (&'a [T], usize) {
    match DecimalIds::number(peer) {
        Some(n) => (by_number, n as usize),
        None => (by_index, peer as usize),
    }
}

/// `n` zeros (`T::default()`: 0, false), written on every core. The first
/// touch of fresh memory is costly on a VM (the host backs each page), and a
/// list zeroed by the allocator is touched on one core, or later by
/// whichever pass writes it first: for the matrices' 1.4 GB at scale 23,
/// zeroing on every core and then filling took 2.3–2.4 s against 2.6–3.1 s.
fn zeros<T: Default + Send>(n: usize) -> Vec<T> {
    (0..n).into_par_iter().map(|_| T::default()).collect()
}

/// Chunk boundaries over edges sorted by `key`: about [`EDGES_PER_CHUNK`]
/// apart, never between two edges of one key; starts with 0 and ends with `edges.len()`.
fn chunks_by(edges: &[Edge], key: impl Fn(&Edge) -> u32) -> Vec<usize> {
    let mut bounds = vec![0];
    let mut at = 0;
    while at < edges.len() {
        at = (at + EDGES_PER_CHUNK).min(edges.len());
        while at < edges.len() && key(&edges[at]) == key(&edges[at - 1]) {
            at += 1;
        }
        bounds.push(at);
    }
    bounds
}

/// Merges the sorted edges of whole rows into trust rows, distrust rows and
/// the number of pairs that summed to zero.
fn merge_rows(edges: &[Edge]) -> (Rows, Rows, usize) {
    let (mut trust, mut distrust, mut neutral) = (Rows::default(), Rows::default(), 0);
    for row in edges.chunk_by(|a, b| a.truster == b.truster) {
        for (j, v) in merge_row(row) {
            if v > 0.0 {
                trust.push(j, v);
            } else if v < 0.0 {
                distrust.push(j, -v);
            } else {
                neutral += 1;
            }
        }
        trust.finish_row(row[0].truster);
        distrust.finish_row(row[0].truster);
    }
    (trust, distrust, neutral)
}

/// Non-empty rows of consecutive trusters, each scaled to sum 1.
#[derive(Debug, Default)]
struct Rows {
    /// (row, number of entries) of each non-empty row, in row order.
    lengths: Vec<(u32, usize)>,
    cols: Vec<u32>,
    vals: Vec<f64>,
    /// Entries of the closed rows: the open row starts here.
    closed: usize,
    /// (row, total before scaling) of each non-empty row.
    totals: Vec<(u32, f64)>,
}

impl Rows {
    fn push(&mut self, col: u32, val: f64) {
        self.cols.push(col);
        self.vals.push(val);
    }

    /// Closes row `row`: scales the entries pushed since the last row to sum 1.
    fn finish_row(&mut self, row: u32) {
        let row_vals = &mut self.vals[self.closed..];
        if row_vals.is_empty() {
            return;
        }
        let total = compensated_sum(row_vals.iter().copied());
        if total > 0.0 {
            scale_to_unit_sum(row_vals, total);
        }
        self.totals.push((row, total));
        self.lengths.push((row, row_vals.len()));
        self.closed = self.vals.len();
    }

    /// Turns chunks of rows (in row order) into the incoming-edge form, each
    /// row's entries multiplied by `kept[row]` when given; also returns the
    /// empty rows.
    fn assemble(n: usize, parts: Vec<Rows>, kept: Option<&[f64]>) -> (Incoming, Vec<u32>) {
        let mut filled = vec![false; n];
        for &(row, _) in parts.iter().flat_map(|p| p.lengths.iter()) {
            filled[row as usize] = true;
        }
        let empty = (0..n).filter(|&i| !filled[i]).map(|i| i as u32).collect();
        let (colptr, rows, mut vals) = transpose(n, &parts);
        if let Some(kept) = kept {
            vals.iter_mut().zip(&rows).for_each(|(v, &row)| *v *= kept[row as usize]);
        }
        (Incoming::from_csc(n, colptr, rows, vals), empty)
    }
}

/// The compressed-column form of the row chunks `parts`: column pointers,
/// the row of each entry and its value, rows ascending within each column.
///
/// Written by hand because it is the costliest step of building a large
/// graph, and sprs's CSR→CSC conversion runs on one core and needs the
/// chunks concatenated first (docs/performance.md has the figures). Here
/// each worker owns a range of columns holding about the same number of
/// entries, and scans the chunks in row order writing only its own columns,
/// so the output slices are disjoint (no locking, no unsafe) and the result
/// is the same for any number of workers.
fn transpose(n: usize, parts: &[Rows]) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    // Entries per column, counted on every core (a column has fewer than 2^32).
    let counts: Vec<AtomicU32> = zeros(n);
    parts.par_iter().for_each(|p| {
        p.cols.iter().for_each(|&j| {
            counts[j as usize].fetch_add(1, Ordering::Relaxed);
        })
    });
    let mut colptr = Vec::with_capacity(n + 1);
    colptr.push(0usize);
    for count in counts {
        colptr.push(colptr[colptr.len() - 1] + count.into_inner() as usize);
    }
    let nnz = colptr[n];
    let workers = rayon::current_num_threads().clamp(1, n.max(1));
    let mut bounds: Vec<usize> =
        (0..workers).map(|w| colptr.partition_point(|&x| x < nnz * w / workers).min(n)).collect();
    bounds[0] = 0;
    bounds.push(n);
    let (mut rows, mut vals): (Vec<u32>, Vec<f64>) = (zeros(nnz), zeros(nnz));
    let mut slices = Vec::with_capacity(workers);
    let (mut rows_left, mut vals_left) = (&mut rows[..], &mut vals[..]);
    for w in 0..workers {
        let len = colptr[bounds[w + 1]] - colptr[bounds[w]];
        let (r, rest_r) = std::mem::take(&mut rows_left).split_at_mut(len);
        let (v, rest_v) = std::mem::take(&mut vals_left).split_at_mut(len);
        (rows_left, vals_left) = (rest_r, rest_v);
        slices.push((bounds[w]..bounds[w + 1], r, v));
    }
    slices.into_par_iter().for_each(|(columns, rows_out, vals_out)| {
        let base = colptr[columns.start];
        let mut cursor: Vec<usize> = colptr[columns.clone()].iter().map(|&p| p - base).collect();
        for part in parts {
            let mut at = 0;
            for &(row, len) in &part.lengths {
                for (&j, &v) in part.cols[at..at + len].iter().zip(&part.vals[at..at + len]) {
                    if columns.contains(&(j as usize)) {
                        let slot = &mut cursor[j as usize - columns.start];
                        rows_out[*slot] = row;
                        vals_out[*slot] = v;
                        *slot += 1;
                    }
                }
                at += len;
            }
        }
    });
    (colptr, rows, vals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faded_rows_are_scaled_by_their_undecayed_total_and_leak_the_rest() {
        let peers = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let e = |truster, trustee, value| Edge { truster, trustee, value };
        // a's decayed statements sum to 1.0 (0.25 to b, 0.75 to c); decay took 3.0 from them.
        let edges = vec![e(0, 1, 0.25), e(0, 2, 0.75), e(1, 0, 0.5)];
        let g = build_scope_fading(&peers, &DecimalIds::default(), edges.clone(), &[(0, 1.0)], &[(0, 3.0)]);
        assert_eq!(g.leak, vec![(0, 0.75)], "a keeps 1/(1+3) and leaks 3/4");
        assert_eq!(g.trust.incoming_of(1), [(0, 0.0625)]);
        assert_eq!(g.trust.incoming_of(2), [(0, 0.1875)]);
        assert_eq!(g.trust.incoming_of(0), [(1, 1.0)], "b's row is untouched");
        // Nothing faded: the plain graph, bit for bit.
        let plain = build_scope(&peers, edges.clone(), &[(0, 1.0)]);
        let unfaded = build_scope_fading(&peers, &DecimalIds::default(), edges, &[(0, 1.0)], &[]);
        assert_eq!((plain.trust, plain.leak), (unfaded.trust, unfaded.leak));
    }

    fn edge(truster: u32, trustee: u32, value: f64) -> Edge {
        Edge { truster, trustee, value }
    }

    /// Peers named by number, some also interned as text (one peer with two
    /// names), give the graph their ids interned as text give, bit for bit.
    #[test]
    fn peers_named_by_number_are_the_peers_their_ids_name() {
        use crate::ingest::DECIMAL_ID;
        // Interned as text: "did:x" (0), "7" (1), "12" (2), and "007" (3), which no number names.
        let all = names(&["did:x", "7", "12", "007", "unused"]);
        let decimal = DecimalIds { span: 13, interned: vec![0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3] };
        let num = |n: u32| DECIMAL_ID | n;
        let edges = vec![
            edge(num(7), num(3), 0.5),
            edge(1, num(3), 0.25),
            edge(num(12), 0, 2.0),
            edge(num(3), num(7), -1.0),
            edge(num(10), 3, 1.0),
            edge(2, num(10), 1.0),
        ];
        // Faded mass is keyed by one name per peer (the index where there is one).
        let faded = [(1, 0.5), (num(10), 2.0)];
        let got = build_scope_fading(&all, &decimal, edges, &[(1, 1.0)], &faded);
        // The same statements on ids interned as text: "did:x", "7", "12", "007", "3", "10".
        let text = names(&["did:x", "7", "12", "007", "3", "10"]);
        let edges = vec![
            edge(1, 4, 0.5),
            edge(1, 4, 0.25),
            edge(2, 0, 2.0),
            edge(4, 1, -1.0),
            edge(5, 3, 1.0),
            edge(2, 5, 1.0),
        ];
        let expected = build_scope_fading(&text, &DecimalIds::default(), edges, &[(1, 1.0)], &[(1, 0.5), (5, 2.0)]);
        assert_eq!(got.peers, ["007", "10", "12", "3", "7", "did:x"]);
        assert_eq!(got.peers, expected.peers);
        assert_eq!((got.trust, got.distrust, got.leak), (expected.trust, expected.distrust, expected.leak));
        assert_eq!((got.dangling, got.stats), (expected.dangling, expected.stats));
        assert_eq!(
            got.pretrust.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
            expected.pretrust.iter().map(|p| p.to_bits()).collect::<Vec<_>>()
        );
    }

    fn names(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn peers_are_sorted_by_their_bytes_whatever_their_first_eight() {
        let ids = [
            "a",
            "a\0",
            "a\0\0\0\0\0\0\0b",
            "a\0\0\0\0\0\0\0",
            "ab",
            "",
            "\0",
            "abcdefgh",
            "abcdefghi",
            "abcdefgg\u{ff}",
            "abcdefgh\0",
            "é",
            "z",
            "did:key:z6Mkb",
            "did:key:z6Mka",
            "did:key:",
            "did:ke",
        ];
        let g = build(names(&ids), vec![], &[]);
        let mut expected = names(&ids);
        expected.sort();
        assert_eq!(g.peers, expected);
    }

    proptest::proptest! {
        #[test]
        fn peers_are_sorted_as_their_bytes(ids in proptest::collection::hash_set("[a\\x00\u{e9}]{0,10}", 0..40)) {
            let g = build(ids.iter().cloned().collect(), vec![], &[]);
            let mut expected: Vec<String> = ids.into_iter().collect();
            expected.sort();
            proptest::prop_assert_eq!(g.peers, expected);
        }
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
    fn many_row_chunks_give_unit_rows_and_the_same_matrix_in_any_order() {
        let n = 3000u32;
        let edges: Vec<Edge> = (0..200_000u64)
            .map(|k| {
                let h = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let (i, j) = ((h % u64::from(n)) as u32, ((h >> 20) % u64::from(n)) as u32);
                edge(i, if i == j { (j + 1) % n } else { j }, ((h >> 40) % 21) as f64 - 10.0)
            })
            .collect();
        assert!(chunks_by(&edges, |e| e.truster).len() > 3);
        let names: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        let mut reversed = edges.clone();
        reversed.reverse();
        let g = build(names.clone(), edges, &[]);
        assert_eq!(g.trust, build(names, reversed, &[]).trust);
        let csr = g.trust.matrix().to_other_storage();
        for row in csr.outer_iterator().filter(|r| r.nnz() > 0) {
            assert!((row.data().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert_eq!(
            g.dangling.len(),
            (0..n as usize).filter(|&i| csr.outer_view(i).is_none_or(|r| r.nnz() == 0)).count()
        );
    }

    #[test]
    fn the_columns_equal_sprs_conversion_of_the_rows_for_any_worker_count() {
        let n = 2000u32;
        let edges: Vec<Edge> = (0..60_000u64)
            .map(|k| {
                let h = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let (i, j) = ((h % u64::from(n)) as u32, ((h >> 24) % u64::from(n / 3)) as u32);
                edge(i, if i == j { (j + 1) % n } else { j }, ((h >> 40) % 9) as f64 + 1.0)
            })
            .collect();
        let names: Vec<String> = (0..n).map(|i| format!("p{i:04}")).collect();
        let g = build(names.clone(), edges.clone(), &[]);
        // The same rows through sprs's own conversion.
        let csr = g.trust.matrix().to_other_storage();
        let rows: Vec<Vec<(u32, f64)>> =
            csr.outer_iterator().map(|r| r.indices().iter().copied().zip(r.data().iter().copied()).collect()).collect();
        assert_eq!(g.trust, Incoming::from_rows(n as usize, &rows));
        for threads in [1, 3, 7] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            assert_eq!(pool.install(|| build(names.clone(), edges.clone(), &[])).trust, g.trust, "{threads} workers");
        }
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
