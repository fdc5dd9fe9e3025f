//! `capplan completions SHELL` and `capplan man`: shell completion scripts and the manual page,
//! generated from the same clap definitions that parse the command line, so they cannot drift.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CliError, EXIT_OK, GlobalArgs, emit};

#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for; install the script where the shell looks for completions, such
    /// as `capplan completions bash > ~/.local/share/bash-completion/completions/capplan`
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes a completion script for `args.shell`.
pub fn completions(
    global: &GlobalArgs,
    args: &CompletionsArgs,
    stdout: &mut dyn Write,
) -> Result<u8, CliError> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "capplan", &mut out);
    emit(global, &out, stdout)?;
    Ok(EXIT_OK)
}

/// Writes the manual page, in roff: `capplan man > capplan.1; man ./capplan.1`.
pub fn man(global: &GlobalArgs, stdout: &mut dyn Write) -> Result<u8, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(CliError::Stdout)?;
    emit(global, &out, stdout)?;
    Ok(EXIT_OK)
}
