//! Distrust adjustment applied after EigenTrust.

use crate::graph::Incoming;
use crate::numeric::CHUNK;
use rayon::prelude::*;
use serde::Deserialize;

/// `[distrust]` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DistrustParams {
    /// Which adjustment to apply.
    pub mode: DistrustMode,
}

/// The distrust adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistrustMode {
    /// Ignore negative local trust: T = T⁺.
    None,
    /// The reference one-shot discount: T = T⁺ − Dᵀ·max(T⁺, 0).
    #[default]
    OneShot,
    /// The one-shot discount with each distruster's power weighted by its
    /// standing: T = T⁺ − Dᵀ·(T⁺ ∘ min(1, T⁺/β)), β = T⁺(d), the score of the
    /// weakest highly trusted peer (the badges' bar). A peer the trust graph
    /// rates at or above the bar distrusts with its full score, as in
    /// `one-shot`; below it, its power falls with the square of its score, so
    /// a sybil region that caught a little trust through attack edges cannot
    /// push honest peers down. (After Guha, Kumar, Raghavan and Tomkins,
    /// "Propagation of Trust and Distrust", WWW 2004: distrust is only as
    /// credible as the trust in whoever expresses it.)
    StandingWeighted,
}

impl DistrustMode {
    /// The identifier written to outputs.
    pub fn id(self) -> &'static str {
        match self {
            DistrustMode::None => "none",
            DistrustMode::OneShot => "one-shot",
            DistrustMode::StandingWeighted => "standing-weighted",
        }
    }
}

/// T from T⁺ under `mode`; `bar` is T⁺(d), the score of the weakest highly
/// trusted peer (1 when there is none), which only `standing-weighted` reads.
pub fn adjust(mode: DistrustMode, d: &Incoming, t_positive: &[f64], bar: f64) -> Vec<f64> {
    adjust_columns(mode, d, 0, t_positive, bar)
}

/// [`adjust`] on the peers `first .. first + k` only, given those columns of
/// D (`d` is n × k, its column c being peer `first + c`): T on those peers,
/// the same bits as [`adjust`]'s, since each peer's deductions are its own
/// (a cluster process computes the peers it owns).
pub fn adjust_columns(mode: DistrustMode, d: &Incoming, first: usize, t_positive: &[f64], bar: f64) -> Vec<f64> {
    let columns = d.indptr().len() - 1;
    if mode == DistrustMode::None {
        return t_positive[first..first + columns].to_vec();
    }
    discount(d, first, t_positive, |t| power(mode, t, bar))
}

/// What a distruster whose T⁺ is `t` takes away under `mode`, before its
/// row weight D\[i,j\]: nothing under `none` or when `t` ≤ 0; `t` under
/// `one-shot`; `t·min(1, t/bar)` under `standing-weighted`. The one rule
/// the adjustment applies and `scoreset explain` shows.
pub fn power(mode: DistrustMode, t: f64, bar: f64) -> f64 {
    match mode {
        _ if t <= 0.0 => 0.0,
        DistrustMode::None => 0.0,
        DistrustMode::OneShot => t,
        DistrustMode::StandingWeighted if t >= bar => t,
        DistrustMode::StandingWeighted => t * (t / bar),
    }
}

/// One-shot discount: `T\[j\] = T⁺\[j\] − Σᵢ D\[i,j\]·T⁺\[i\]` over distrusters `i`
/// with `T⁺\[i\] > 0`, where `D` (given by its incoming edges) has rows scaled
/// to sum 1. A distruster can take away at most its own positive score.
pub fn discount_one_shot(d: &Incoming, t_positive: &[f64]) -> Vec<f64> {
    discount(d, 0, t_positive, |t| power(DistrustMode::OneShot, t, 1.0))
}

/// The `standing-weighted` discount: as [`discount_one_shot`], a distruster
/// `i` taking away `D\[i,j\]·T⁺\[i\]·min(1, T⁺\[i\]/bar)`. `bar` > 0 is T⁺(d).
pub fn discount_standing_weighted(d: &Incoming, t_positive: &[f64], bar: f64) -> Vec<f64> {
    discount(d, 0, t_positive, |t| power(DistrustMode::StandingWeighted, t, bar))
}

/// `T\[j\] = T⁺\[j\] − Σᵢ D\[i,j\]·power(T⁺\[i\])` over distrusters with `T⁺\[i\] > 0`,
/// for the peers `j` of `d`'s columns (column c is peer `first + c`); each
/// peer's deductions in the order of its incoming edges (fixed), so the
/// bits do not depend on the thread count or on which columns are computed together.
fn discount(d: &Incoming, first: usize, t_positive: &[f64], power: impl Fn(f64) -> f64 + Sync) -> Vec<f64> {
    let (indptr, sources, weights) = (d.indptr(), d.sources(), d.weights());
    let mut out = t_positive[first..first + indptr.len() - 1].to_vec();
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk, slots)| {
        for (offset, slot) in slots.iter_mut().enumerate() {
            let j = chunk * CHUNK + offset;
            let edges = indptr[j]..indptr[j + 1];
            for (&i, &w) in sources[edges.clone()].iter().zip(&weights[edges]) {
                let distruster = t_positive[i as usize];
                if distruster > 0.0 {
                    *slot -= w * power(distruster);
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_score_distrusters_do_not_count() {
        // 0 (score 0) distrusts 1; 2 (score 0.5) distrusts 1.
        let d = Incoming::from_rows(3, &[vec![(1, 1.0)], vec![], vec![(1, 1.0)]]);
        let t = discount_one_shot(&d, &[0.0, 0.5, 0.5]);
        assert_eq!(t, vec![0.0, 0.0, 0.5]);
    }

    #[test]
    fn standing_weighted_keeps_the_full_power_of_peers_at_the_bar_and_squashes_those_below() {
        // 0 (T⁺ 0.4, above the bar 0.2) and 2 (T⁺ 0.02, a tenth of the bar) each distrust 1.
        let d = Incoming::from_rows(3, &[vec![(1, 1.0)], vec![], vec![(1, 1.0)]]);
        let t_positive = [0.4, 0.5, 0.02];
        let one_shot = discount_one_shot(&d, &t_positive);
        let weighted = discount_standing_weighted(&d, &t_positive, 0.2);
        assert_eq!(one_shot[1], 0.5 - 0.4 - 0.02);
        assert_eq!(weighted[1], 0.5 - 0.4 - 0.02 * 0.1, "0 keeps its full power, 2 a tenth of its own");
        assert_eq!((weighted[0], weighted[2]), (0.4, 0.02));
        // With every distruster at or above the bar, the two modes agree bit for bit.
        assert_eq!(discount_standing_weighted(&d, &t_positive, 0.02), one_shot);
    }

    #[test]
    fn any_split_of_the_columns_gives_the_whole_adjustment_bit_for_bit() {
        let n = 300usize;
        let rows: Vec<Vec<(u32, f64)>> = (0..n)
            .map(|i| {
                let k = 1 + i % 4;
                (0..k)
                    .map(|c| (((i * 7 + c * 31) % n) as u32, 1.0 / k as f64))
                    .filter(|&(j, _)| j as usize != i)
                    .collect()
            })
            .collect();
        let d = Incoming::from_rows(n, &rows);
        let t: Vec<f64> = (0..n).map(|i| ((i * 13) % 17) as f64 / 100.0 - 0.02).collect();
        for mode in [DistrustMode::None, DistrustMode::OneShot, DistrustMode::StandingWeighted] {
            let whole = adjust(mode, &d, &t, 0.05);
            for cuts in [vec![0, n], vec![0, 1, 150, n], vec![0, 0, 7, 299, n]] {
                let parts: Vec<f64> = cuts
                    .windows(2)
                    .flat_map(|w| adjust_columns(mode, &d.columns(w[0]..w[1]), w[0], &t, 0.05))
                    .collect();
                assert_eq!(parts, whole, "{mode:?}, cut at {cuts:?}");
            }
        }
    }
}
