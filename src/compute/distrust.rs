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
}

impl DistrustMode {
    /// The identifier written to outputs.
    pub fn id(self) -> &'static str {
        match self {
            DistrustMode::None => "none",
            DistrustMode::OneShot => "one-shot",
        }
    }
}

/// One-shot discount: `T[j] = T⁺[j] − Σᵢ D[i,j]·T⁺[i]` over distrusters `i`
/// with `T⁺[i] > 0`, where `D` (given by its incoming edges) has rows scaled
/// to sum 1. A distruster can take away at most its own positive score.
pub fn discount_one_shot(d: &Incoming, t_positive: &[f64]) -> Vec<f64> {
    let (indptr, sources, weights) = (d.indptr(), d.sources(), d.weights());
    let mut out = t_positive.to_vec();
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk, slots)| {
        for (offset, slot) in slots.iter_mut().enumerate() {
            let j = chunk * CHUNK + offset;
            let edges = indptr[j]..indptr[j + 1];
            for (&i, &w) in sources[edges.clone()].iter().zip(&weights[edges]) {
                let distruster = t_positive[i as usize];
                if distruster > 0.0 {
                    *slot -= w * distruster;
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
}
