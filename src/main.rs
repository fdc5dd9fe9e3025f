//! The `capplan` binary: parse the command line, run it, exit with its code.
//! 0 success; 1 invalid catalog or scenario; 2 bad usage or an unreadable path; 3 a
//! `--fail-if` condition holds; 130 and 143 interrupted by SIGINT or SIGTERM before the
//! output was in place.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    exit_on_signals();
    let cli = capplan::cli::Cli::parse();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr().lock());
    match capplan::cli::run_with(cli, terminal, &mut stdout, &mut stderr) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {:#}", anyhow::Error::from(err));
            ExitCode::from(capplan::cli::EXIT_USAGE)
        }
    }
}

/// On SIGINT or SIGTERM before the output is in place, removes any temporary `--output` file
/// and exits with 130 or 143 (128 plus the signal's number, as a shell reports a process the
/// signal ended). Once the output is in place the run has succeeded: the signal is let pass,
/// and the run ends with its own code. Without a handler (it could not be installed) the
/// signal ends the process as usual, which can leave a temporary file, never a half-written
/// report.
#[cfg(unix)]
#[allow(
    clippy::exit,
    reason = "the signal ends the run once the temporary output is removed"
)]
fn exit_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            for signal in signals.forever() {
                let Some(_held) = capplan::cli::output::interrupt() else {
                    continue;
                };
                let code = match signal {
                    SIGINT => capplan::cli::EXIT_INTERRUPTED,
                    _ => capplan::cli::EXIT_TERMINATED,
                };
                std::process::exit(i32::from(code));
            }
        });
}

#[cfg(not(unix))]
fn exit_on_signals() {}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
