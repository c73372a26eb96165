//! The `scoreset` binary: the command line ([`cli`]) over the library, with
//! its allocator and its progress display.

mod cli;

fn main() -> std::process::ExitCode {
    cli::allocator::keep_freed_memory();
    cli::main()
}
