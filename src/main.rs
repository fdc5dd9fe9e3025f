//! The `capplan` binary: parse the command line, run it, exit with its code.
//! 0 success; 1 invalid catalog or scenario; 2 bad usage or an unreadable path; 3 a
//! `--fail-if` condition holds; 130 and 143 interrupted by SIGINT or SIGTERM before the
//! output was in place.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    exit_on_signals();
    let cli = capplan::cli::Cli::parse();
    let terminal = io::IsTerminal::is_terminal(&io::stdout());
    let (mut stdout, mut stderr) = (io::stdout().lock(), Messages(io::stderr().lock()));
    match capplan::cli::run_with(cli, terminal, &mut stdout, &mut stderr) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let _ = writeln!(stderr, "error: {:#}", anyhow::Error::from(err));
            ExitCode::from(capplan::cli::EXIT_USAGE)
        }
    }
}

/// Standard error, where a closed pipe loses the messages and nothing else: with `capplan
/// validate 2>&1 | head -1`, the reader has stopped listening, and the run still ends with the
/// code that says what happened (1 for an invalid catalog), not with an error of its own.
struct Messages<W>(W);

impl<W: Write> Write for Messages<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(buf.len()),
            written => written,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            flushed => flushed,
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
