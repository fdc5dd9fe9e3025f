//! `capplan completions SHELL`: shell completion scripts, generated from the same clap
//! definitions that parse the command line, so they cannot drift.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CliError, Context, EXIT_OK, emit};

#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for; install the script where the shell looks for completions, such
    /// as `capplan completions bash > ~/.local/share/bash-completion/completions/capplan`
    #[arg(value_enum)]
    pub shell: Shell,
    #[command(flatten)]
    pub output: crate::cli::args::OutputArg,
}

/// Writes a completion script for `args.shell`.
pub fn completions(
    global: &Context,
    args: &CompletionsArgs,
    stdout: &mut dyn Write,
) -> Result<u8, CliError> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "capplan", &mut out);
    emit(global, &out, stdout)?;
    Ok(EXIT_OK)
}
