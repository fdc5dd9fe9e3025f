//! The command line: argument types and one module per subcommand, each with its `Args` and
//! `run`. `main.rs` only parses, calls [`run`] and exits with the code it returns.
//!
//! Exit codes: 0 success; 1 the catalog or a scenario is invalid (diagnostics printed); 2 bad
//! usage or an unreadable path; 3 a `--fail-if` condition holds.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use thiserror::Error;

use crate::catalog::{CatalogFiles, LoadError};
use crate::engine::{By, GroupBy};
use crate::scenario::Selector;
use crate::scenario::flags::{DelayFlag, ScaleFlag, WhatIf, parse_factor};

pub mod chart;
pub mod compare;
pub mod diff;
pub mod export;
pub mod gate;
pub mod page;
pub mod report;
pub mod risk;
pub mod schema;
pub mod sensitivity;
pub mod shell;
pub mod validate;
pub mod workbook;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the catalog or a scenario is invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: bad usage or an unreadable path.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: a `--fail-if` condition holds (the report was written).
pub const EXIT_GATE: u8 = 3;

/// A planner for multi-cloud compute commitments: capacity, power and spend by period.
#[derive(Debug, Parser)]
#[command(name = "capplan", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after the command's name.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Catalog folder [default: $CAPPLAN_CATALOG, else ./contracts if it exists, else the
    /// catalog built into capplan]
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Output format [default: table, or human for `validate`]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Write the output to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to use colors; NO_COLOR in the environment means never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Apply a scenario file (repeatable: applied in the order given)
    #[arg(long = "scenario", global = true, value_name = "FILE")]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub what_if: WhatIfArgs,
    /// Exit with code 3 after writing the report if EXPR holds, such as `gw@2027Q4<10`,
    /// `spend@2026>60B` or `target-met>2030Q4` (repeatable; see the README)
    #[arg(long = "fail-if", global = true, value_name = "EXPR")]
    pub fail_if: Vec<gate::Gate>,
}

/// Quick what-ifs without a file, applied after the scenario files.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WhatIfArgs {
    /// Delay the selected tranches: SELECTOR=DURATION, such as `provider:AWS=2q` (repeatable)
    #[arg(
        long,
        global = true,
        value_name = "SELECTOR=DURATION",
        help_heading = "What-if"
    )]
    pub delay: Vec<DelayFlag>,
    /// Scale units and value: SELECTOR=FACTOR, such as `oracle-2025=0.8` (repeatable)
    #[arg(
        long,
        global = true,
        value_name = "SELECTOR=FACTOR",
        help_heading = "What-if"
    )]
    pub scale: Vec<ScaleFlag>,
    /// Replace the portfolio's PUE
    #[arg(long, global = true, value_name = "X", value_parser = parse_factor, help_heading = "What-if")]
    pub pue: Option<Decimal>,
    /// Leave the selected contracts out, as if cancelled (repeatable)
    #[arg(long, global = true, value_name = "SELECTOR", value_parser = parse_selector, help_heading = "What-if")]
    pub exclude: Vec<Selector>,
}

impl WhatIfArgs {
    pub fn to_what_if(&self) -> WhatIf {
        WhatIf {
            delay: self.delay.clone(),
            scale: self.scale.clone(),
            pue: self.pue,
            exclude: self.exclude.clone(),
        }
    }
}

fn parse_selector(text: &str) -> Result<Selector, String> {
    Selector::parse(text).ok_or_else(|| {
        format!("`{text}` is not a selector: write a contract id, `provider:NAME`, `hardware:ID`, `tranche:CONTRACT/TRANCHE` or `*`")
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people (reports)
    Table,
    /// rustc-like diagnostics with the source line (validate)
    Human,
    /// JSON for programs
    Json,
    /// Comma-separated values (reports)
    Csv,
    /// Markdown tables (reports)
    Markdown,
    /// GitHub workflow commands that annotate files (validate)
    Github,
    /// Concise markdown for a pull-request comment (diff)
    GithubComment,
    /// An Excel workbook (reports; needs --output)
    Xlsx,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Human => "human",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::GithubComment => "github-comment",
            Format::Xlsx => "xlsx",
        }
    }
}

/// `--by`: the period length, as the command line spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    Month,
    Quarter,
    Year,
}

impl From<ByArg> for By {
    fn from(b: ByArg) -> By {
        match b {
            ByArg::Month => By::Month,
            ByArg::Quarter => By::Quarter,
            ByArg::Year => By::Year,
        }
    }
}

/// `--group-by`: what report rows are grouped by, as the command line spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    Total,
    Provider,
    Contract,
    Hardware,
    Tranche,
}

impl From<GroupByArg> for GroupBy {
    fn from(g: GroupByArg) -> GroupBy {
        match g {
            GroupByArg::Total => GroupBy::Total,
            GroupByArg::Provider => GroupBy::Provider,
            GroupByArg::Contract => GroupBy::Contract,
            GroupByArg::Hardware => GroupBy::Hardware,
            GroupByArg::Tranche => GroupBy::Tranche,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: a summary against the target and total capacity, power and spend by quarter
    Plan(report::PlanArgs),
    /// Units, unit-hours and facility power per period, by total, provider, contract, hardware or tranche
    Capacity(report::GroupedArgs),
    /// Spend, cumulative spend and share of the target per period, by total, provider or contract
    Spend(report::GroupedArgs),
    /// One row per contract: value, dates, peak capacity and power, implied price, share
    Contracts(report::ContractsArgs),
    /// The baseline and each scenario, applied alone, side by side per period, with differences
    Compare(compare::Args),
    /// Rank contracts by how much a delay or a scale of each moves a metric at one period
    Sensitivity(sensitivity::Args),
    /// Monte Carlo over the `[[risk]]` entries of scenarios: quantiles of GPUs and power per period, and the chance of reaching the target
    Risk(risk::Args),
    /// Check catalogs and contract files; report every problem with its code and location
    Validate(validate::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff)
    Man,
    /// Print the JSON Schema of a contract file, `portfolio.toml` or a scenario file, for editors
    Schema(schema::Args),
    /// What changed between two catalogs: contracts and fields, figures per period, targets
    Diff(diff::Args),
    /// Draw a report as a chart: SVG (the default, also on standard output) or PNG, from the
    /// extension of --output
    #[command(subcommand)]
    Chart(chart::ChartCommand),
    /// The plan as one self-contained HTML page: summary, charts, plan, contracts and sources
    Report(page::Args),
    /// Write the projection as files for other tools, such as FOCUS datasets for FinOps tools
    Export(export::Args),
}

/// Why a command could not run. Each maps to exit code 2.
#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write `{path}`")]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the output")]
    Stdout(#[source] io::Error),
}

/// Where the catalog comes from when `--catalog` is not given.
pub fn default_catalog(global: &GlobalArgs) -> Option<PathBuf> {
    if let Some(dir) = &global.catalog {
        return Some(dir.clone());
    }
    if let Some(dir) = std::env::var_os("CAPPLAN_CATALOG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let local = Path::new("contracts");
    local.is_dir().then(|| local.to_path_buf())
}

/// Reads the catalog named by the global options, or the built-in one.
pub fn catalog_files(global: &GlobalArgs) -> Result<CatalogFiles, CliError> {
    match default_catalog(global) {
        Some(dir) => {
            if !dir.is_dir() {
                let reason = if dir.exists() {
                    "not a folder"
                } else {
                    "no such folder"
                };
                return Err(CliError::Load(LoadError::Io {
                    path: dir.display().to_string(),
                    source: io::Error::new(io::ErrorKind::NotFound, reason),
                }));
            }
            Ok(CatalogFiles::read_dir(&dir)?)
        }
        None => Ok(CatalogFiles::builtin()),
    }
}

/// Whether to color text written to a stream.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Sends a finished output to standard output or, with `--output`, to a file, atomically: the
/// bytes go to a temporary file in the same folder, which then replaces the target, so a
/// failed or interrupted run never leaves half a report.
pub fn emit(global: &GlobalArgs, bytes: &[u8], stdout: &mut dyn Write) -> Result<(), CliError> {
    match &global.output {
        None => {
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`capplan plan | head`) is not an error.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(CliError::Stdout(e)),
            }
        }
        Some(path) => write_atomically(path, bytes),
    }
}

/// The operating system's own error inside `e`, without the paths that wrappers add.
fn system_reason(e: io::Error) -> io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|inner| inner as _);
    while let Some(c) = cause {
        if let Some(code) = c
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return io::Error::from_raw_os_error(code);
        }
        cause = c.source();
    }
    io::Error::new(e.kind(), e.kind().to_string())
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    // The temporary file's random name means nothing to the user: keep the system's reason only.
    let err = |source: io::Error| CliError::Write {
        path: path.display().to_string(),
        source: system_reason(source),
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Name a missing or unusable folder with the system's own words before the temporary
    // file's error, which only knows the temporary name, can.
    std::fs::read_dir(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".capplan-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Writes several files into `dir` all or nothing, for commands whose output is more than one
/// file. Each file is first written in full to a temporary file in `dir`; only when every one is
/// complete are they renamed over their targets, in order. If a rename fails, the files already
/// renamed are put back as they were (the earlier version, or no file), so a failed run leaves
/// `dir` as it found it. A `dir` that does not exist is created, and removed again on failure.
/// Only a crash between two renames can leave some files new and others old.
pub fn write_files_atomically(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), CliError> {
    let created = if dir.exists() {
        false
    } else {
        std::fs::create_dir(dir).map_err(|source| CliError::Write {
            path: dir.display().to_string(),
            source: system_reason(source),
        })?;
        true
    };
    let result = stage_and_rename(dir, files);
    if result.is_err() && created {
        // Empty again by now: the temporary files are gone and nothing was renamed into it.
        let _ = std::fs::remove_dir(dir);
    }
    result
}

fn stage_and_rename(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), CliError> {
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source: io::Error| CliError::Write {
            path,
            source: system_reason(source),
        }
    };
    let builder = || {
        let mut b = tempfile::Builder::new();
        b.prefix(".capplan-").suffix(".tmp");
        // Files for other tools to read: the permissions of any new file (the umask applies),
        // not a temporary file's owner-only ones.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(std::fs::Permissions::from_mode(0o666));
        }
        b
    };
    // Every file in full first: a failure here leaves nothing behind, since each temporary
    // file is deleted when dropped.
    let mut staged = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let path = dir.join(name);
        let mut tmp = builder().tempfile_in(dir).map_err(err(&path))?;
        tmp.write_all(bytes).map_err(err(&path))?;
        tmp.as_file().sync_all().map_err(err(&path))?;
        staged.push((path, tmp.into_temp_path()));
    }
    // Then the renames, keeping each replaced file under a second name (a hard link, or a copy
    // where links are not supported) until every rename has succeeded.
    let mut done: Vec<(PathBuf, Option<tempfile::TempPath>)> = Vec::with_capacity(files.len());
    let undo = |done: Vec<(PathBuf, Option<tempfile::TempPath>)>| {
        for (path, old) in done.into_iter().rev() {
            match old {
                Some(old) => {
                    if std::fs::rename(&old, &path).is_ok() {
                        let _ = old.keep();
                    }
                }
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
    };
    for (path, tmp) in staged {
        let old = if path.is_file() {
            let kept = builder()
                .make_in(dir, |p| std::fs::hard_link(&path, p))
                .or_else(|_| {
                    builder().make_in(dir, |p| {
                        let mut to = std::fs::OpenOptions::new()
                            .write(true)
                            .create_new(true)
                            .open(p)?;
                        io::copy(&mut std::fs::File::open(&path)?, &mut to)?;
                        to.sync_all()
                    })
                });
            match kept {
                Ok(kept) => Some(kept.into_temp_path()),
                Err(e) => {
                    undo(done);
                    return Err(err(&path)(e));
                }
            }
        } else {
            None
        };
        if let Err(e) = tmp.persist(&path) {
            drop(old);
            undo(done);
            return Err(err(&path)(e.error));
        }
        done.push((path, old));
    }
    // Success: the earlier versions kept aside are deleted as they drop.
    Ok(())
}

/// Runs a parsed command line and returns the exit code. Errors that stop the command
/// (unreadable paths, bad usage) are returned for the caller to print; they mean exit code 2.
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<u8, CliError> {
    use report::Which;
    let g = &cli.global;
    let stdout_color = use_color(g.color, g.output.is_none() && io::stdout().is_terminal());
    let stderr_color = use_color(g.color, io::stderr().is_terminal());
    match &cli.command {
        Command::Plan(a) => report::run(
            g,
            Which::Plan,
            Some(&a.period),
            &a.filter,
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Capacity(a) => report::run(
            g,
            Which::Capacity(a.group_by.into()),
            Some(&a.period),
            &a.filter,
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Spend(a) => report::run(
            g,
            Which::Spend(a.group_by.into()),
            Some(&a.period),
            &a.filter,
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Contracts(a) => report::run(
            g,
            Which::Contracts,
            None,
            &a.filter,
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Compare(a) => compare::run(g, a, stderr_color, stdout, stderr),
        Command::Sensitivity(a) => sensitivity::run(g, a, stderr_color, stdout, stderr),
        Command::Risk(a) => risk::run(g, a, stderr_color, stdout, stderr),
        Command::Validate(args) => validate::run(g, args, stdout_color, stdout),
        Command::Completions(args) => shell::completions(g, args, stdout),
        Command::Man => shell::man(g, stdout),
        Command::Schema(args) => schema::run(g, args, stdout),
        Command::Diff(a) => diff::run(g, a, stderr_color, stdout, stderr),
        Command::Chart(c) => chart::run(g, c, stderr_color, stdout, stderr),
        Command::Report(a) => page::run(g, a, stderr_color, stdout, stderr),
        Command::Export(a) => export::run(g, a, stderr_color, stdout, stderr),
    }
}
