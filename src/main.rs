//! The `scoreset` binary: the command line ([`cli`]) over the library.

mod cli;

/// mimalloc: ingest allocates many small strings and JSON nodes, where the
/// system allocator spent a third of the time (measured with perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    scoreset::allocator::keep_freed_memory();
    cli::main()
}
