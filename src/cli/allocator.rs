//! The process allocator (mimalloc) and its settings, for the binary and the
//! benchmarks (which include this file, so their figures are the binary's).
//! The library allocates through whatever allocator its user chose.

/// mimalloc: ingest allocates many small strings and JSON nodes, which the
/// system allocator serves markedly slower.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mimalloc.h`, v2 and v3;
/// the Rust binding names no constant for it; the test pins it between
/// constants the binding does name).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc never to hand freed memory back to the OS. A run frees
/// large lists between its stages and allocates new ones right after; on the
/// development machine, handing pages back and faulting them in again cost
/// a fifth of credential ingest (`cargo bench --bench ingest`, 2 threads:
/// 2.9 s with this against 3.6–3.7 s without, alternating runs). A run is a
/// batch job: its footprint is its peak either way, all returned at exit.
pub fn keep_freed_memory() {
    // SAFETY: sets an allocator option; no pointer or memory is involved.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    // Paths, not imports: the benchmarks include this file too, and build it
    // without running its tests, where an import would go unused.
    #[test]
    fn the_option_number_sits_between_its_named_neighbours() {
        assert_eq!(libmimalloc_sys::mi_option_reserve_os_memory, super::PURGE_DELAY - 6);
        assert_eq!(libmimalloc_sys::mi_option_use_numa_nodes, super::PURGE_DELAY + 1);
        super::keep_freed_memory();
        // SAFETY: reads an allocator option.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) }, -1);
    }
}
