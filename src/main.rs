fn main() -> std::process::ExitCode {
    heapdiff::cli::main()
}
