//! The `capplan` binary: parse the command line, run it, exit with its code.
//! 0 success; 1 invalid catalog or scenario; 2 bad usage or an unreadable path.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = capplan::cli::Cli::parse();
    let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr().lock());
    match capplan::cli::run(cli, &mut stdout, &mut stderr) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {:#}", anyhow::Error::from(err));
            ExitCode::from(capplan::cli::EXIT_USAGE)
        }
    }
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
