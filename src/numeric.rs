//! Summation that is exact enough to trust and deterministic on any thread count.
//!
//! Floating-point addition is not associative, so a parallel sum whose grouping
//! follows the thread count gives different bits on different machines. Every
//! reduction here splits its range into chunks of a *fixed* size, reduces each
//! chunk sequentially, and adds the chunk results in chunk order: the grouping
//! depends only on the length, never on the thread count or on scheduling.

use rayon::prelude::*;
use std::ops::Range;

/// Number of elements per chunk in parallel reductions and kernels. Fixed so
/// that results do not depend on the thread count.
pub const CHUNK: usize = 2048;

/// Neumaier's compensated sum: error bounded independently of the length, so a
/// row of a million equal weights still sums to the correctly rounded total.
#[derive(Debug, Default, Clone, Copy)]
pub struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    /// Adds one term.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// The compensated total.
    #[inline]
    pub fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Compensated sum of an iterator, in iteration order.
pub fn compensated_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = CompensatedSum::default();
    values.into_iter().for_each(|v| s.add(v));
    s.total()
}

/// Sums `part(range)` over `0..len` split into [`CHUNK`]-sized ranges, in
/// parallel, combining the chunk results in chunk order (compensated).
pub fn par_chunked_sum<F>(len: usize, part: F) -> f64
where
    F: Fn(Range<usize>) -> f64 + Sync + Send,
{
    let chunks = len.div_ceil(CHUNK);
    let partials: Vec<f64> = (0..chunks).into_par_iter().map(|c| part(c * CHUNK..((c + 1) * CHUNK).min(len))).collect();
    compensated_sum(partials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_recovers_lost_low_bits() {
        // Naive summation returns 0.0 here: 1.0 is absorbed by 1e100.
        let xs = [1e100, 1.0, -1e100];
        assert_eq!(xs.iter().sum::<f64>(), 0.0);
        assert_eq!(compensated_sum(xs), 1.0);
    }

    #[test]
    fn ten_tenths_sum_to_one_exactly() {
        assert_eq!(compensated_sum(std::iter::repeat_n(0.1, 10)), 1.0);
    }

    #[test]
    fn chunked_sum_is_identical_on_one_and_two_threads() {
        let xs: Vec<f64> = (0..100_000).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let sum = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| par_chunked_sum(xs.len(), |r| xs[r].iter().sum()))
        };
        assert_eq!(sum(1).to_bits(), sum(2).to_bits());
        assert!((sum(1) - compensated_sum(xs.iter().copied())).abs() < 1e-12);
    }
}
