fn main() -> std::process::ExitCode {
    scoreset::cli::main()
}
