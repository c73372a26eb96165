//! The matrices assembled column by column, for edges whose sums cannot
//! overflow (all but contrived inputs).
//!
//! The kernels read C by column, and each row must be scaled by its own
//! total. Merging by rows and then transposing moves every entry to a random
//! place in memory once more; here the edges are sorted by column instead,
//! so the merged pairs are written in the order the columns hold them, and
//! only the row totals are gathered at random. Each row's total adds its
//! entries in column order, as [`super::merge_by_rows`] adds them, and every
//! entry is divided and faded as there: the same bits, without the transpose.

use super::{EDGES_PER_CHUNK, Incoming, Merged, chunks_by, fading, order_duplicates, zeros};
use crate::cache;
use crate::ingest::Edge;
use crate::numeric::{CompensatedSum, compensated_sum};
use rayon::prelude::*;

/// Whether no sum of the edges' values can overflow: every value finite and
/// the largest magnitude, times twice the number of edges, finite. Then no
/// pair's sum and no row's total overflows, and [`super::merge_row`] never
/// rescales a row.
pub(super) fn sums_stay_finite(edges: &[Edge]) -> bool {
    let largest = edges
        .par_iter()
        .with_min_len(EDGES_PER_CHUNK)
        .map(|e| if e.value.is_finite() { e.value.abs() } else { f64::INFINITY })
        .reduce(|| 0.0, f64::max);
    (largest * (2.0 * edges.len() as f64 + 2.0)).is_finite()
}

/// The merged pairs of each sign, one chunk of columns at a time.
#[derive(Default)]
struct Counts {
    trust: usize,
    distrust: usize,
    neutral: usize,
}

/// The sum of each (truster, trustee) pair of `edges` (sorted by trustee, then
/// truster, duplicates in value order), in order.
fn pairs(edges: &[Edge]) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
    edges
        .chunk_by(|a, b| (a.truster, a.trustee) == (b.truster, b.trustee))
        .map(|pair| (pair[0].trustee, pair[0].truster, compensated_sum(pair.iter().map(|e| e.value))))
}

/// One sign's entries of a chunk of columns, written in place.
struct Entries<'a> {
    rows: &'a mut [u32],
    values: &'a mut [f64],
    /// Entries written so far.
    len: usize,
}

impl Entries<'_> {
    fn push(&mut self, row: u32, value: f64) {
        self.rows[self.len] = row;
        self.values[self.len] = value;
        self.len += 1;
    }
}

/// Merges `edges` (with `n` peers, already renumbered) into the scope's matrices.
pub(super) fn merge(n: usize, mut edges: Vec<Edge>, faded: &[(u32, f64)], rank: &[u32]) -> Merged {
    edges.par_sort_unstable_by_key(|e| (u64::from(e.trustee) << 32) | u64::from(e.truster));
    order_duplicates(&mut edges);
    let bounds = chunks_by(&edges, |e| e.trustee);
    // How many entries of each sign each chunk writes, so that each writes
    // its own part of the two matrices' arrays, in parallel.
    let counts: Vec<Counts> = bounds
        .par_windows(2)
        .map(|w| {
            let mut counts = Counts::default();
            for (_, _, value) in pairs(&edges[w[0]..w[1]]) {
                match value {
                    v if v > 0.0 => counts.trust += 1,
                    v if v < 0.0 => counts.distrust += 1,
                    _ => counts.neutral += 1,
                }
            }
            counts
        })
        .collect();
    let trust_len = counts.iter().map(|c| c.trust).sum();
    let distrust_len = counts.iter().map(|c| c.distrust).sum();
    let (mut trust_rows, mut trust_values): (Vec<u32>, Vec<f64>) = (zeros(trust_len), zeros(trust_len));
    let (mut distrust_rows, mut distrust_values): (Vec<u32>, Vec<f64>) = (zeros(distrust_len), zeros(distrust_len));
    let mut pieces = Vec::with_capacity(counts.len());
    {
        let (mut tr, mut tv) = (trust_rows.as_mut_slice(), trust_values.as_mut_slice());
        let (mut dr, mut dv) = (distrust_rows.as_mut_slice(), distrust_values.as_mut_slice());
        for (w, c) in bounds.windows(2).zip(&counts) {
            let (rows, rest_rows) = std::mem::take(&mut tr).split_at_mut(c.trust);
            let (values, rest_values) = std::mem::take(&mut tv).split_at_mut(c.trust);
            (tr, tv) = (rest_rows, rest_values);
            let trust = Entries { rows, values, len: 0 };
            let (rows, rest_rows) = std::mem::take(&mut dr).split_at_mut(c.distrust);
            let (values, rest_values) = std::mem::take(&mut dv).split_at_mut(c.distrust);
            (dr, dv) = (rest_rows, rest_values);
            pieces.push((&edges[w[0]..w[1]], trust, Entries { rows, values, len: 0 }));
        }
    }
    // Per chunk, (column, trust entries, distrust entries) of its columns.
    let lengths: Vec<Vec<(u32, u32, u32)>> = pieces
        .into_par_iter()
        .map(|(edges, mut trust, mut distrust)| {
            let mut lengths = Vec::new();
            for column in edges.chunk_by(|a, b| a.trustee == b.trustee) {
                let (t, d) = (trust.len, distrust.len);
                for (_, row, value) in pairs(column) {
                    if value > 0.0 {
                        trust.push(row, value);
                    } else if value < 0.0 {
                        distrust.push(row, -value);
                    }
                }
                lengths.push((column[0].trustee, (trust.len - t) as u32, (distrust.len - d) as u32));
            }
            lengths
        })
        .collect();
    drop(edges);
    let neutral_pairs = counts.iter().map(|c| c.neutral).sum();
    let (trust_colptr, distrust_colptr) = colptrs(n, &lengths);

    let trust_totals = row_totals(n, &trust_rows, &trust_values);
    let dangling = (0..n).filter(|&i| trust_totals[i] == 0.0).map(|i| i as u32).collect();
    let (kept, leak) = fading(faded, rank, || trust_totals.clone());
    scale_rows(&trust_rows, &mut trust_values, &trust_totals, kept.as_deref());
    drop(trust_totals);
    let distrust_totals = row_totals(n, &distrust_rows, &distrust_values);
    scale_rows(&distrust_rows, &mut distrust_values, &distrust_totals, None);
    Merged {
        trust: Incoming::from_csc(n, trust_colptr, trust_rows, trust_values),
        dangling,
        distrust: Incoming::from_csc(n, distrust_colptr, distrust_rows, distrust_values),
        leak,
        neutral_pairs,
    }
}

/// The two matrices' column pointers from each chunk's column lengths.
fn colptrs(n: usize, lengths: &[Vec<(u32, u32, u32)>]) -> (Vec<usize>, Vec<usize>) {
    let (mut trust, mut distrust) = (vec![0u32; n], vec![0u32; n]);
    for &(column, t, d) in lengths.iter().flatten() {
        (trust[column as usize], distrust[column as usize]) = (t, d);
    }
    let pointers = |lengths: Vec<u32>| {
        let mut at = 0usize;
        std::iter::once(0)
            .chain(lengths.into_iter().map(|len| {
                at += len as usize;
                at
            }))
            .collect()
    };
    (pointers(trust), pointers(distrust))
}

/// Each row's total, adding its entries in column order (0 for a row with
/// none; every entry is positive, so every other total is too). Each worker
/// owns a range of rows and reads every entry, adding only its own rows'.
fn row_totals(n: usize, rows: &[u32], values: &[f64]) -> Vec<f64> {
    let workers = rayon::current_num_threads().clamp(1, n.max(1));
    (0..workers)
        .into_par_iter()
        .flat_map_iter(|w| {
            let (first, last) = (n * w / workers, n * (w + 1) / workers);
            let mut sums = vec![CompensatedSum::default(); last - first];
            for (k, (&row, &value)) in rows.iter().zip(values).enumerate() {
                if let Some(&ahead) = rows.get(k + cache::AHEAD) {
                    cache::prefetch(&sums, (ahead as usize).wrapping_sub(first));
                }
                if let Some(sum) = (row as usize).checked_sub(first).and_then(|i| sums.get_mut(i)) {
                    sum.add(value);
                }
            }
            sums.into_iter().map(|sum| sum.total())
        })
        .collect()
}

/// Divides each entry by its row's total and multiplies it by the row's kept
/// share, as [`super::Rows`] scales and assembles its rows.
fn scale_rows(rows: &[u32], values: &mut [f64], totals: &[f64], kept: Option<&[f64]>) {
    values.par_chunks_mut(EDGES_PER_CHUNK).zip(rows.par_chunks(EDGES_PER_CHUNK)).for_each(|(values, rows)| {
        for (k, (value, &row)) in values.iter_mut().zip(rows).enumerate() {
            cache::prefetch_ahead(totals, rows, k);
            let total = totals[row as usize];
            if total > 0.0 {
                *value /= total;
            }
            if let Some(kept) = kept {
                *value *= kept[row as usize];
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::{build, merge_by_rows};
    use super::*;
    use proptest::prelude::*;

    fn edges(raw: &[(u32, u32, i8)], n: u32) -> Vec<Edge> {
        raw.iter()
            .map(|&(i, j, v)| {
                let (i, j) = (i % n, j % n);
                Edge { truster: i, trustee: if i == j { (j + 1) % n } else { j }, value: f64::from(v) / 7.0 }
            })
            .collect()
    }

    fn assert_same(a: &Merged, b: &Merged) {
        assert_eq!(a.trust, b.trust);
        assert_eq!(a.distrust, b.distrust);
        assert_eq!(a.dangling, b.dangling);
        assert_eq!(a.neutral_pairs, b.neutral_pairs);
        assert_eq!(a.leak.len(), b.leak.len());
        for (x, y) in a.leak.iter().zip(&b.leak) {
            assert_eq!((x.0, x.1.to_bits()), (y.0, y.1.to_bits()));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn columns_give_the_bits_rows_give(
            n in 2u32..40,
            raw in proptest::collection::vec((any::<u32>(), any::<u32>(), any::<i8>()), 0..400),
            faded in proptest::collection::vec((any::<u32>(), 0u8..5), 0..6),
        ) {
            let edges = edges(&raw, n);
            let rank: Vec<u32> = (0..n).collect();
            let faded: Vec<(u32, f64)> = faded.iter().map(|&(t, m)| (t % n, f64::from(m) / 3.0)).collect();
            prop_assert!(sums_stay_finite(&edges));
            let by_columns = merge(n as usize, edges.clone(), &faded, &rank);
            let by_rows = merge_by_rows(n as usize, edges, &faded, &rank);
            assert_same(&by_columns, &by_rows);
        }
    }

    #[test]
    fn many_chunks_of_columns_give_the_bits_rows_give_on_any_thread_count() {
        let n = 3000u32;
        let raw: Vec<(u32, u32, i8)> = (0..300_000u64)
            .map(|k| {
                let h = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                ((h % 2999) as u32, ((h >> 20) % u64::from(n)) as u32, ((h >> 40) % 23) as i8 - 9)
            })
            .collect();
        let edges = edges(&raw, n);
        let rank: Vec<u32> = (0..n).collect();
        assert!(chunks_by(&edges, |e| e.trustee).len() > 3);
        let by_rows = merge_by_rows(n as usize, edges.clone(), &[(5, 0.5)], &rank);
        for threads in [1, 2, 3, 7] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (by_columns, by_rows_here) = pool.install(|| {
                (
                    merge(n as usize, edges.clone(), &[(5, 0.5)], &rank),
                    merge_by_rows(n as usize, edges.clone(), &[(5, 0.5)], &rank),
                )
            });
            assert_same(&by_columns, &by_rows);
            assert_same(&by_rows_here, &by_rows);
        }
    }

    #[test]
    fn values_whose_sums_could_overflow_take_the_rows_way() {
        let e = |value| Edge { truster: 0, trustee: 1, value };
        assert!(sums_stay_finite(&[e(1e300), e(-1e300)]));
        assert!(!sums_stay_finite(&[e(f64::MAX / 4.0), e(1.0)]));
        assert!(!sums_stay_finite(&[e(f64::NAN)]));
        assert!(!sums_stay_finite(&[e(f64::NEG_INFINITY)]));
        // And the graph of such values is still the rescaled one.
        let g = build(vec!["a".into(), "b".into()], vec![e(f64::MAX), e(f64::MAX)], &[]);
        assert_eq!(g.trust.incoming_of(1), [(0, 1.0)]);
    }
}
