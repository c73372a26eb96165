//! Graph500 R-MAT edge lists.

use rand::{RngExt, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Graph500 R-MAT quadrant probabilities (A, B, C; D = 1 − A − B − C).
pub const GRAPH500: (f64, f64, f64) = (0.57, 0.19, 0.19);

/// Directed edges of a Graph500-style R-MAT graph with `2^scale` vertices
/// and `edge_factor · 2^scale` edges (self-loops and duplicates included, as
/// generated), vertex labels randomly permuted. Same arguments, same edges,
/// on any thread count.
pub fn rmat_edges(scale: u32, edge_factor: u32, seed: u64) -> Vec<(u32, u32)> {
    assert!((1..=31).contains(&scale), "R-MAT scale must be 1..=31");
    let n = 1usize << scale;
    let m = n * edge_factor as usize;
    let (a, b, c) = GRAPH500;
    const BLOCK: usize = 1 << 16;
    let mut edges = vec![(0u32, 0u32); m];
    edges.par_chunks_mut(BLOCK).enumerate().for_each(|(block, out)| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(block as u64 + 1);
        for e in out.iter_mut() {
            let (mut i, mut j) = (0u32, 0u32);
            for _ in 0..scale {
                let r: f64 = rng.random();
                let (di, dj) = if r < a {
                    (0, 0)
                } else if r < a + b {
                    (0, 1)
                } else if r < a + b + c {
                    (1, 0)
                } else {
                    (1, 1)
                };
                i = (i << 1) | di;
                j = (j << 1) | dj;
            }
            *e = (i, j);
        }
    });
    let mut label: Vec<u32> = (0..n as u32).collect();
    label.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    edges.par_iter_mut().for_each(|(i, j)| {
        *i = label[*i as usize];
        *j = label[*j as usize];
    });
    edges
}

/// A signed edge list of an R-MAT graph of `2^scale` peers for `scoreset run`:
/// `edges.csv` (`truster,trustee,value`; every tenth edge a distrust of −1,
/// the others trust 1; self-loops left out) and `pretrust.csv` (peers 0–9,
/// weight 1). Same arguments, same bytes.
pub fn rmat_sample(scale: u32, seed: u64) -> Vec<(&'static str, String)> {
    use std::fmt::Write;
    let edges = rmat_edges(scale, 16, seed);
    let mut csv = String::with_capacity(edges.len() * 20);
    for (k, &(u, v)) in edges.iter().enumerate().filter(|(_, (u, v))| u != v) {
        let value = if k % 10 == 9 { -1 } else { 1 };
        let _ = writeln!(csv, "{u},{v},{value}");
    }
    let pretrust: String = (0..10).map(|p| format!("{p},1\n")).collect();
    vec![("edges.csv", csv), ("pretrust.csv", pretrust)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_skewed() {
        let a = rmat_edges(10, 16, 7);
        assert_eq!(a.len(), 16 << 10);
        assert_eq!(a, rmat_edges(10, 16, 7));
        assert_ne!(a, rmat_edges(10, 16, 8));
        let mut out_degree = vec![0usize; 1 << 10];
        a.iter().for_each(|&(i, _)| out_degree[i as usize] += 1);
        let max = *out_degree.iter().max().unwrap();
        assert!(max > 20 * 16, "R-MAT should have hubs, max out-degree {max}");
    }
}
