//! A hint to the processor's cache, for the passes that read or update a
//! vector at the indices another array lists.
//!
//! Once the vector outgrows the cache, nearly every such access waits on
//! memory, and the core looks only a few dozen entries ahead on its own.
//! Asking for the element [`AHEAD`] entries before it is needed keeps several
//! times as many reads in flight.
//!
//! The hint asks for the line in the second-level cache (`T1`), not the
//! first (`T0`): the read that follows finds it there a few cycles later,
//! and with `T0` the kernel's gathers were slower, by a fifth at 4–8M peers
//! (docs/performance.md) — plausibly because first-level fills compete with
//! the loads themselves for that cache's few miss buffers.

/// How many entries ahead the passes ask (on R-MAT graphs of 4–8M peers,
/// 16 and 32 ahead gained less and 128 no more).
pub const AHEAD: usize = 64;

/// Asks the processor to bring `values[i]` into cache: a hint that changes
/// no value, and does nothing where `i` is out of range or the target has
/// no such instruction.
#[inline(always)]
pub fn prefetch<T>(values: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(value) = values.get(i) {
        // SAFETY: the address is that of an element of `values`; a prefetch
        // reads nothing into the program and cannot fault.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>((value as *const T).cast()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (values, i);
}

/// Asks for `values[index[k + AHEAD]]`, the element a pass over `index` at `k` will read [`AHEAD`] entries on.
#[inline(always)]
pub fn prefetch_ahead<T>(values: &[T], index: &[u32], k: usize) {
    if let Some(&i) = index.get(k + AHEAD) {
        prefetch(values, i as usize);
    }
}
