//! Staged rollout: which targets are in a patch's cohort, deterministically.

use sha2::{Digest, Sha256};

/// The cohort bucket of a (patch, target) pair in [0, 10000): the first 8
/// bytes of SHA-256(`patch` ‖ 0x00 ‖ `target`) as a big-endian integer, mod 10000.
pub fn cohort_bucket(patch: &str, target: &str) -> u64 {
    let digest =
        Sha256::new().chain_update(patch.as_bytes()).chain_update([0u8]).chain_update(target.as_bytes()).finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

/// Whether `target` is in the `percent`% cohort of `patch` (bucket < percent × 100).
pub fn in_cohort(patch: &str, target: &str, percent: f64) -> bool {
    (cohort_bucket(patch, target) as f64) < (percent * 100.0).round()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohorts_are_deterministic_and_sized_to_within_a_point() {
        assert_eq!(cohort_bucket("patch-1", "host-1"), cohort_bucket("patch-1", "host-1"));
        assert_ne!(cohort_bucket("patch-1", "host-1"), cohort_bucket("patch-2", "host-1"));
        // "ab" + "c" and "a" + "bc" are different pairs.
        assert_ne!(cohort_bucket("ab", "c"), cohort_bucket("a", "bc"));
        for percent in [1.0, 10.0, 25.0, 50.0, 99.5] {
            let n = 100_000;
            let inside = (0..n).filter(|k| in_cohort("patch-7", &format!("target-{k}"), percent)).count();
            let share = 100.0 * inside as f64 / n as f64;
            assert!((share - percent).abs() <= 1.0, "{percent}%: {share}%");
        }
        assert!((0..1000).all(|k| in_cohort("p", &format!("t{k}"), 100.0)));
        // A cohort grows monotonically with its percent: 10% ⊂ 20%.
        assert!((0..1000).filter(|k| in_cohort("p", &format!("t{k}"), 10.0)).all(|k| in_cohort(
            "p",
            &format!("t{k}"),
            20.0
        )));
    }
}
