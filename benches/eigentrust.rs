//! EigenTrust kernel on a seeded Graph500 R-MAT graph (scale 20 by default,
//! edge factor 16; `SCORESET_BENCH_SCALE` overrides the scale).
//!
//! Prints ns per edge per iteration and iterations to ε for 1 and 2 threads,
//! and the speed-up over the baseline measured in the same run: the same
//! power iteration written with sprs's sparse matrix–vector product
//! (`mul_acc_mat_vec_csr`), the call a user of that library would reach for.
//! It also measures the memory's floor for the kernel in the same run: the
//! kernel's gathers alone (each edge's weight times the score its source
//! index points at, asked for ahead as the kernel asks, summed in one flat
//! loop per thread, with no columns), and prints each kernel's ratio to it.
//! The degree and locality orders' iterations are timed on the graph
//! renumbered (or its sources renamed) once beforehand; that pass's own
//! time is printed after them.
//!
//! Run: `cargo bench --bench eigentrust`

use scoreset::compute::EigenTrustParams;
use scoreset::compute::order::{PeerOrder, Renamed, Renumbered, eigentrust_in_order};
use scoreset::graph::{self, TrustGraph};
use scoreset::ingest::Edge;
use scoreset::synth::rmat_edges;
use std::time::{Duration, Instant};

/// The binary's allocator and its settings, so the figures are the binary's.
#[path = "../src/cli/allocator.rs"]
mod allocator;

fn main() {
    allocator::keep_freed_memory();
    let scale: u32 = std::env::var("SCORESET_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let started = Instant::now();
    let pairs = rmat_edges(scale, 16, 20_261_121);
    let generated = started.elapsed();
    let n = 1usize << scale;
    let edges: Vec<Edge> =
        pairs.iter().filter(|(i, j)| i != j).map(|&(truster, trustee)| Edge { truster, trustee, value: 1.0 }).collect();
    let started = Instant::now();
    let g = graph::build((0..n).map(|i| i.to_string()).collect(), edges, &[]);
    let built = started.elapsed();
    let nnz = g.trust.nnz();
    println!(
        "R-MAT scale {scale}: {n} peers, {} generated edges, {nnz} distinct trust edges, {} dangling (generated in {generated:.2?}, graph built in {built:.2?})",
        pairs.len(),
        g.dangling.len()
    );
    let params = EigenTrustParams::default();

    let (baseline_t, baseline_iters, baseline_time) = best_of(3, || baseline(&g, &params));
    let baseline_ns = per_edge_iteration(baseline_time, nnz, baseline_iters);
    println!(
        "{:<46} {:>5} iterations  {:>7.3} ns/edge/iteration",
        "baseline: sprs mat-vec, 1 thread", baseline_iters, baseline_ns
    );
    let mut floors = [0.0; 3];
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let (_, iters, time) = best_of(3, || pool.install(|| gathers(&g, threads, baseline_iters)));
        floors[threads] = per_edge_iteration(time, nnz, iters);
        println!(
            "{:<46} {:>5} passes      {:>7.3} ns/edge/iteration",
            format!("floor: the gathers alone, {threads} thread(s)"),
            iters,
            floors[threads]
        );
    }
    let (renumbered, _, renumbering) =
        best_of(3, || (Renumbered::by_out_degree(&g.trust, &g.dangling, &[], &g.pretrust), 0));
    let (renamed, _, renaming) = best_of(3, || (Renamed::by_out_degree(&g.trust), 0));
    for (order, threads) in [
        (PeerOrder::Natural, 1),
        (PeerOrder::Natural, 2),
        (PeerOrder::Degree, 1),
        (PeerOrder::Degree, 2),
        (PeerOrder::Locality, 1),
        (PeerOrder::Locality, 2),
    ] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let (t, iters, time) = best_of(3, || {
            pool.install(|| {
                let it = match order {
                    PeerOrder::Natural | PeerOrder::Auto => eigentrust_in_order(
                        &scoreset::compute::Local,
                        order,
                        &g.trust,
                        &g.dangling,
                        &[],
                        &g.pretrust,
                        &params,
                        |_, _| {},
                    ),
                    PeerOrder::Degree => renumbered.iterate(&scoreset::compute::Local, &params, |_, _| {}),
                    PeerOrder::Locality => renamed.iterate(
                        &scoreset::compute::Local,
                        &g.trust,
                        &g.dangling,
                        &[],
                        &g.pretrust,
                        &params,
                        |_, _| {},
                    ),
                }
                .unwrap();
                (it.trust_positive, it.convergence.iterations)
            })
        });
        let ns = per_edge_iteration(time, nnz, iters);
        let diff = t.iter().zip(&baseline_t).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        println!(
            "{:<46} {:>5} iterations  {:>7.3} ns/edge/iteration  {:>5.2}x baseline  {:>5.2}x the floor's time  (max |Δ| vs baseline {diff:.1e})",
            format!("scoreset kernel, {} order, {threads} thread(s)", order.id()),
            iters,
            ns,
            baseline_ns / ns,
            ns / floors[threads]
        );
    }
    for (what, time) in [("degree order's renumbering", renumbering), ("locality order's renaming", renaming)] {
        println!(
            "the {what}, once before its iterations (not in their time): {:.0} ms, {:.2} ns per edge",
            time.as_secs_f64() * 1e3,
            time.as_nanos() as f64 / nnz as f64
        );
    }
}

/// Runs `f` `runs` times and keeps the fastest.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> (T, u32)) -> (T, u32, Duration) {
    let mut best = None;
    for _ in 0..runs {
        let started = Instant::now();
        let (t, iters) = f();
        let time = started.elapsed();
        if best.as_ref().is_none_or(|(_, _, b)| time < *b) {
            best = Some((t, iters, time));
        }
    }
    best.expect("at least one run")
}

fn per_edge_iteration(time: Duration, nnz: usize, iterations: u32) -> f64 {
    time.as_nanos() as f64 / nnz as f64 / f64::from(iterations)
}

/// `passes` passes of the kernel's gathers alone over `g`'s trust columns,
/// on `threads` threads: each edge's weight times the score at its source,
/// asked for ahead as the kernel asks, summed per thread in one flat loop.
fn gathers(g: &TrustGraph, threads: usize, passes: u32) -> ((), u32) {
    use rayon::prelude::*;
    let (sources, weights) = (g.trust.sources(), g.trust.weights());
    let t = &g.pretrust;
    let share = sources.len().div_ceil(threads).max(1);
    for _ in 0..passes {
        let sum: f64 = (0..threads)
            .into_par_iter()
            .map(|k| {
                let range = (k * share).min(sources.len())..((k + 1) * share).min(sources.len());
                let (sources, weights) = (&sources[range.clone()], &weights[range]);
                let mut sum = 0.0;
                for k in 0..sources.len() {
                    scoreset::cache::prefetch_ahead(t, sources, k);
                    sum += weights[k] * t[sources[k] as usize];
                }
                sum
            })
            .sum();
        std::hint::black_box(sum);
    }
    ((), passes)
}

/// The same iteration and stop rule with sprs's CSR mat-vec on Cᵀ.
fn baseline(g: &TrustGraph, params: &EigenTrustParams) -> (Vec<f64>, u32) {
    let ct = g.trust.matrix().transpose_view();
    let (p, alpha, n) = (&g.pretrust, params.alpha.0, g.pretrust.len());
    let epsilon = params.epsilon_for(n);
    let mut t = p.clone();
    let mut next = vec![0.0; n];
    for k in 1..=params.max_iterations.get() {
        let dangling_mass: f64 = g.dangling.iter().map(|&i| t[i as usize]).sum();
        next.iter_mut().for_each(|x| *x = 0.0);
        sprs::prod::mul_acc_mat_vec_csr(ct.view(), &t[..], &mut next[..]);
        let mut squares = 0.0;
        for j in 0..n {
            let v = (1.0 - alpha) * (next[j] + dangling_mass * p[j]) + alpha * p[j];
            squares += (v - t[j]) * (v - t[j]);
            next[j] = v;
        }
        std::mem::swap(&mut t, &mut next);
        if squares.sqrt() <= epsilon {
            return (t, k);
        }
    }
    panic!("baseline did not converge");
}
