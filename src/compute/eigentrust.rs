//! EigenTrust: t₀ = p; t ← (1−α)·Cᵀt + α·p until ‖t_k − t_{k−1}‖₂ ≤ ε (k ≥ 1).

use crate::error::{Error, Result};
use crate::graph::{Columns, Incoming};
use crate::numeric::{CHUNK, compensated_sum, par_chunked_sum};
use rayon::prelude::*;
use serde::Deserialize;
use std::num::NonZeroU32;

/// `[eigentrust]` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EigenTrustParams {
    /// Weight of the pre-trust vector in each step (the reference's "hunch").
    pub alpha: UnitInterval,
    /// L2 stop threshold; `None` means the reference default 1e-6 / n.
    pub epsilon: Option<PositiveFinite>,
    /// Iterations after which an unconverged run fails.
    pub max_iterations: NonZeroU32,
    /// The order the kernel numbers the peers in (see [`super::order`]).
    pub order: super::order::PeerOrder,
}

impl Default for EigenTrustParams {
    fn default() -> Self {
        EigenTrustParams {
            alpha: UnitInterval(0.5),
            epsilon: None,
            max_iterations: NonZeroU32::new(10_000).expect("10000 is non-zero"),
            order: super::order::PeerOrder::Auto,
        }
    }
}

impl EigenTrustParams {
    /// ε for a graph of `n` peers.
    pub fn epsilon_for(&self, n: usize) -> f64 {
        self.epsilon.map_or(1e-6 / n.max(1) as f64, |e| e.0)
    }
}

/// A real number in [0, 1], checked when the pipeline file is read.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct UnitInterval(pub f64);

impl TryFrom<f64> for UnitInterval {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if (0.0..=1.0).contains(&v) { Ok(UnitInterval(v)) } else { Err(format!("{v} is outside [0, 1]")) }
    }
}

/// A finite real number > 0, checked when the pipeline file is read.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct PositiveFinite(pub f64);

impl TryFrom<f64> for PositiveFinite {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if v.is_finite() && v > 0.0 {
            Ok(PositiveFinite(v))
        } else {
            Err(format!("{v} is not a positive finite number"))
        }
    }
}

/// How the iteration ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Convergence {
    /// Iterations performed (k of the first t_k within ε of t_{k−1}).
    pub iterations: u32,
    /// ‖t_k − t_{k−1}‖₂ at the last iteration.
    pub residual: f64,
    /// The ε that was used.
    pub epsilon: f64,
}

/// Runs EigenTrust on a row-stochastic local-trust matrix given by its
/// incoming edges `c`, rows listed in `dangling` having no out-trust (they
/// are treated as if they were `p`), and the pre-trust distribution `p`.
///
/// `on_iteration(k, residual)` is called after every iteration (progress).
/// Fails with [`Error::NotConverged`] after `max_iterations`.
pub fn eigentrust(
    c: &Incoming,
    dangling: &[u32],
    p: &[f64],
    params: &EigenTrustParams,
    on_iteration: impl FnMut(u32, f64),
) -> Result<(Vec<f64>, Convergence)> {
    eigentrust_leaking(c, dangling, &[], p, params, on_iteration)
}

/// [`eigentrust`] where the rows in `leak` (row, share) sum to 1 − share in
/// `c` and hand that share of their trust to `p`, as a dangling row hands
/// all of it: the faded share of a truster's statements under
/// `[decay] row_scale = "undecayed"`. With `leak` empty this is [`eigentrust`]
/// bit for bit.
pub fn eigentrust_leaking(
    c: &Incoming,
    dangling: &[u32],
    leak: &[(u32, f64)],
    p: &[f64],
    params: &EigenTrustParams,
    on_iteration: impl FnMut(u32, f64),
) -> Result<(Vec<f64>, Convergence)> {
    let last = eigentrust_iterates(c, dangling, leak, p, params, on_iteration)?;
    Ok((last.trust_positive, last.convergence))
}

/// The last two iterates of EigenTrust: T⁺ = t_k, and t_{k−1} it was
/// computed from, so that T⁺ can be decomposed exactly into its pre-trust
/// share, its dangling share and one contribution per incoming edge (what
/// `scoreset explain` shows).
#[derive(Debug, Clone, PartialEq)]
pub struct Iterates {
    /// t_k: the scores.
    pub trust_positive: Vec<f64>,
    /// t_{k−1} (p itself when there are no peers).
    pub previous: Vec<f64>,
    /// How the iteration ended.
    pub convergence: Convergence,
}

/// Where the power iteration runs: on this machine's threads ([`Local`]) or
/// on a cluster's workers (`crate::cluster::Cluster`). Every implementation
/// gives the same bits: [`eigentrust_iterates`]'s.
pub trait PowerIteration: Sync {
    /// [`eigentrust_iterates`] on this graph.
    fn iterate(
        &self,
        c: &Incoming,
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        on_iteration: &mut dyn FnMut(u32, f64),
    ) -> Result<Iterates>;

    /// Whether [`Self::iterate_renamed`] runs here (the locality order).
    fn iterates_renamed(&self) -> bool {
        false
    }

    /// [`eigentrust_iterates`] on C with its sources renamed (`c`: C's
    /// columns and weights, each source the new number of its peer; `old[k]`
    /// is the peer numbered k) for the locality order: each iteration
    /// gathers from t renamed, every other vector and every sum stays in the
    /// peers' own order, so the bits are those of [`Self::iterate`] on C.
    /// Only [`Local`] runs it.
    #[allow(clippy::too_many_arguments)]
    fn iterate_renamed(
        &self,
        c: Columns<'_>,
        old: &[u32],
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        on_iteration: &mut dyn FnMut(u32, f64),
    ) -> Result<Iterates> {
        let _ = (c, old, dangling, leak, p, params, on_iteration);
        Err(Error::Usage(
            "[eigentrust] order = \"locality\" runs on one machine: use \"natural\" or \"degree\" on a cluster".into(),
        ))
    }

    /// The distrust adjustment [`super::adjust`] of T⁺, where the iteration ran.
    fn adjust(&self, mode: super::DistrustMode, d: &Incoming, t_positive: &[f64], bar: f64) -> Result<Vec<f64>> {
        Ok(super::adjust(mode, d, t_positive, bar))
    }

    /// The processes that split the edge lists' parsing between them, when
    /// the iteration runs on a cluster ([`crate::ingest::Shards`]).
    fn shards(&self) -> Option<&dyn crate::ingest::Shards> {
        None
    }
}

/// The power iteration on this process's rayon threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Local;

impl PowerIteration for Local {
    fn iterate(
        &self,
        c: &Incoming,
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        on_iteration: &mut dyn FnMut(u32, f64),
    ) -> Result<Iterates> {
        eigentrust_iterates(c, dangling, leak, p, params, on_iteration)
    }

    fn iterates_renamed(&self) -> bool {
        true
    }

    fn iterate_renamed(
        &self,
        c: Columns<'_>,
        old: &[u32],
        dangling: &[u32],
        leak: &[(u32, f64)],
        p: &[f64],
        params: &EigenTrustParams,
        on_iteration: &mut dyn FnMut(u32, f64),
    ) -> Result<Iterates> {
        let alpha = params.alpha.0;
        let mut renamed = vec![0.0; old.len()];
        iterate_with(dangling, leak, p, params, on_iteration, |t, next, dangling_mass| {
            renamed.par_chunks_mut(CHUNK).zip(old.par_chunks(CHUNK)).for_each(|(renamed, old)| {
                for (score, &i) in renamed.iter_mut().zip(old) {
                    *score = t[i as usize];
                }
            });
            Ok(step(c, p, t, &renamed, next, alpha, dangling_mass))
        })
    }
}

/// [`eigentrust_leaking`], keeping t_{k−1} too (the buffer it swaps with: no extra work).
pub fn eigentrust_iterates(
    c: &Incoming,
    dangling: &[u32],
    leak: &[(u32, f64)],
    p: &[f64],
    params: &EigenTrustParams,
    on_iteration: impl FnMut(u32, f64),
) -> Result<Iterates> {
    let alpha = params.alpha.0;
    iterate_with(dangling, leak, p, params, on_iteration, |t, next, dangling_mass| {
        Ok(step(c.view(), p, t, t, next, alpha, dangling_mass))
    })
}

/// The power iteration around a step: `step(t, next, dangling_mass)` writes
/// t_{k+1} into `next` and returns ‖t_{k+1} − t_k‖₂², reduced per [`CHUNK`]
/// of rows and then in chunk order (as [`step_rows`] and [`compensated_sum`]).
/// The iteration itself — t₀, the dangling mass, the stop rule — is this
/// one function, so a step computed elsewhere (a cluster's workers, each
/// computing its chunks) gives the same iterates as [`step`] does here.
pub(crate) fn iterate_with(
    dangling: &[u32],
    leak: &[(u32, f64)],
    p: &[f64],
    params: &EigenTrustParams,
    mut on_iteration: impl FnMut(u32, f64),
    mut step: impl FnMut(&[f64], &mut [f64], f64) -> Result<f64>,
) -> Result<Iterates> {
    let n = p.len();
    let epsilon = params.epsilon_for(n);
    if n == 0 {
        let convergence = Convergence { iterations: 0, residual: 0.0, epsilon };
        return Ok(Iterates { trust_positive: Vec::new(), previous: Vec::new(), convergence });
    }
    let mut t = p.to_vec();
    let mut next = vec![0.0; n];
    let mut iterations = 0;
    loop {
        iterations += 1;
        let dangling_mass = dangling_mass(dangling, leak, &t);
        let residual = step(&t, &mut next, dangling_mass)?.sqrt();
        std::mem::swap(&mut t, &mut next);
        on_iteration(iterations, residual);
        if residual <= epsilon {
            let convergence = Convergence { iterations, residual, epsilon };
            return Ok(Iterates { trust_positive: t, previous: next, convergence });
        }
        if iterations >= params.max_iterations.get() {
            return Err(Error::NotConverged { iterations, residual, epsilon });
        }
    }
}

/// The trust the dangling rows (all of theirs) and the leaking rows (their
/// share) hand to pre-trust, summed per [`CHUNK`] of rows and then in chunk order.
fn dangling_mass(dangling: &[u32], leak: &[(u32, f64)], t: &[f64]) -> f64 {
    let mut mass = par_chunked_sum(dangling.len(), |r| compensated_sum(dangling[r].iter().map(|&i| t[i as usize])));
    if !leak.is_empty() {
        mass += par_chunked_sum(leak.len(), |r| compensated_sum(leak[r].iter().map(|&(i, s)| s * t[i as usize])));
    }
    mass
}

/// One power step into `next`; returns ‖next − t‖₂².
///
/// Each output element is a sequential sum over that peer's incoming edges in
/// index order, and the squared differences are reduced per [`CHUNK`] and then
/// in chunk order, so the result does not depend on the thread count.
///
/// Each chunk is a task of its own that any thread may take: a chunk can
/// hold a large share of the edges (in the degree order, the first 2,048
/// peers receive a quarter of an R-MAT graph's edges), and rayon's default
/// split left one thread with that chunk and many of its neighbours.
///
/// The sources of `c` name their scores in `gather`: `t` itself, or `t`
/// renamed for the locality order (`Local::iterate_renamed`).
#[allow(clippy::too_many_arguments)]
fn step(c: Columns<'_>, p: &[f64], t: &[f64], gather: &[f64], next: &mut [f64], alpha: f64, dangling_mass: f64) -> f64 {
    let partials: Vec<f64> = next
        .par_chunks_mut(CHUNK)
        .with_max_len(1)
        .enumerate()
        .map(|(chunk, out)| step_rows(c, 0, chunk * CHUNK, p, t, gather, out, alpha, dangling_mass))
        .collect();
    compensated_sum(partials)
}

/// Rows `first .. first + out.len()` of one power step into `out`, whose
/// incoming edges are `c`'s columns from `first − c_first` on (a cluster
/// worker holds only its rows' columns), each source's score read from
/// `gather` (`t`, or `t` renamed as `c`'s sources are); returns the sum of
/// their squared differences, added in row order. The one kernel every
/// [`PowerIteration`] runs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn step_rows(
    c: Columns<'_>,
    c_first: usize,
    first: usize,
    p: &[f64],
    t: &[f64],
    gather: &[f64],
    out: &mut [f64],
    alpha: f64,
    dangling_mass: f64,
) -> f64 {
    let Columns { indptr, sources, weights } = c;
    let mut squares = 0.0;
    for (offset, slot) in out.iter_mut().enumerate() {
        let j = first + offset;
        let column = j - c_first;
        let edges = indptr[column]..indptr[column + 1];
        let mut gathered = 0.0;
        for k in edges {
            crate::cache::prefetch_ahead(gather, sources, k);
            gathered += weights[k] * gather[sources[k] as usize];
        }
        let value = (1.0 - alpha) * (gathered + dangling_mass * p[j]) + alpha * p[j];
        let delta = value - t[j];
        squares += delta * delta;
        *slot = value;
    }
    squares
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Incoming;

    /// Dense reference: t ← (1−α)Cᵀt + αp with C given densely, dangling rows = p.
    fn dense_reference(c: &[Vec<f64>], p: &[f64], alpha: f64, iterations: u32) -> Vec<f64> {
        let n = p.len();
        let rows: Vec<Vec<f64>> =
            c.iter().map(|r| if r.iter().sum::<f64>() == 0.0 { p.to_vec() } else { r.clone() }).collect();
        let mut t = p.to_vec();
        for _ in 0..iterations {
            t = (0..n).map(|j| (1.0 - alpha) * (0..n).map(|i| rows[i][j] * t[i]).sum::<f64>() + alpha * p[j]).collect();
        }
        t
    }

    #[test]
    fn matches_dense_power_iteration_with_a_dangling_peer() {
        // 0 → 1 (0.25), 0 → 2 (0.75), 1 → 0 (1.0); peer 2 is dangling.
        let c = Incoming::from_rows(3, &[vec![(1, 0.25), (2, 0.75)], vec![(0, 1.0)], vec![]]);
        let p = [0.5, 0.5, 0.0];
        let params = EigenTrustParams { epsilon: Some(PositiveFinite(1e-15)), ..Default::default() };
        let (t, conv) = eigentrust(&c, &[2], &p, &params, |_, _| {}).unwrap();
        let dense = vec![vec![0.0, 0.25, 0.75], vec![1.0, 0.0, 0.0], vec![0.0; 3]];
        let expected = dense_reference(&dense, &p, 0.5, conv.iterations);
        for (a, b) in t.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-14, "{t:?} vs {expected:?}");
        }
        assert!((t.iter().sum::<f64>() - 1.0).abs() < 1e-14);
    }

    #[test]
    fn a_leaking_row_hands_its_faded_share_to_pre_trust() {
        // Row 0 keeps 0.6 of its trust (0 → 1: 0.6) and leaks 0.4; row 1 → 0 fully; 2 dangling.
        let c = Incoming::from_rows(3, &[vec![(1, 0.6)], vec![(0, 1.0)], vec![]]);
        let p = [0.2, 0.0, 0.8];
        let params = EigenTrustParams { epsilon: Some(PositiveFinite(1e-15)), ..Default::default() };
        let (t, conv) = eigentrust_leaking(&c, &[2], &[(0, 0.4)], &p, &params, |_, _| {}).unwrap();
        // The dense reference: row 0 is 0.6·e₁ + 0.4·p, row 2 is p.
        let dense = vec![vec![0.4 * p[0], 0.6 + 0.4 * p[1], 0.4 * p[2]], vec![1.0, 0.0, 0.0], p.to_vec()];
        let expected = dense_reference(&dense, &p, 0.5, conv.iterations);
        for (a, b) in t.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-14, "{t:?} vs {expected:?}");
        }
        assert!((t.iter().sum::<f64>() - 1.0).abs() < 1e-14, "no trust is lost: {t:?}");
        // Without a leak the same call is eigentrust's, bit for bit.
        let c = Incoming::from_rows(3, &[vec![(1, 1.0)], vec![(0, 1.0)], vec![]]);
        let plain = eigentrust(&c, &[2], &p, &params, |_, _| {}).unwrap();
        assert_eq!(eigentrust_leaking(&c, &[2], &[], &p, &params, |_, _| {}).unwrap(), plain);
    }

    #[test]
    fn reports_non_convergence_after_max_iterations() {
        let c = Incoming::from_rows(2, &[vec![(1, 1.0)], vec![(0, 1.0)]]);
        let params = EigenTrustParams {
            alpha: UnitInterval(0.0),
            epsilon: Some(PositiveFinite(1e-300)),
            max_iterations: NonZeroU32::new(5).unwrap(),
            ..EigenTrustParams::default()
        };
        // α = 0 on a 2-cycle started off-centre oscillates forever.
        let err = eigentrust(&c, &[], &[1.0, 0.0], &params, |_, _| {}).unwrap_err();
        assert!(matches!(err, Error::NotConverged { iterations: 5, .. }), "{err}");
    }

    #[test]
    fn stops_at_first_iteration_when_already_stationary() {
        // Uniform pre-trust on a symmetric 2-cycle is the fixed point: k = 1.
        let c = Incoming::from_rows(2, &[vec![(1, 1.0)], vec![(0, 1.0)]]);
        let (t, conv) = eigentrust(&c, &[], &[0.5, 0.5], &EigenTrustParams::default(), |_, _| {}).unwrap();
        assert_eq!(conv.iterations, 1);
        assert_eq!(t, vec![0.5, 0.5]);
    }

    #[test]
    fn parameters_are_range_checked() {
        assert!(UnitInterval::try_from(1.5).is_err());
        assert!(UnitInterval::try_from(f64::NAN).is_err());
        assert!(PositiveFinite::try_from(0.0).is_err());
        assert!(PositiveFinite::try_from(f64::INFINITY).is_err());
        assert_eq!(EigenTrustParams::default().epsilon_for(4), 2.5e-7);
    }
}
