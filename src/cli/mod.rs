//! The command line: argument types and one module per subcommand, each with its `Args` and
//! `run`. `main.rs` only parses, calls [`run`] and exits with the code it returns.
//!
//! Exit codes: 0 success; 1 the catalog or a scenario is invalid (diagnostics printed); 2 bad
//! usage or an unreadable path, or an output that is an input ([`inputs`]); 3 a `--fail-if`
//! condition holds; 130 and 143 interrupted by SIGINT or SIGTERM before the output was in place
//! (`main.rs` handles the signals; once the output is in place a signal ends nothing).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use thiserror::Error;

use crate::catalog::{CatalogFiles, LoadError};
use crate::engine::{By, GroupBy};
use crate::scenario::Selector;
use crate::scenario::flags::{DelayFlag, ScaleFlag, WhatIf, parse_factor};

pub mod actuals;
pub mod args;
pub mod chart;
pub mod compare;
pub mod diff;
pub mod export;
pub mod gate;
pub mod inputs;
pub mod npv;
pub mod output;
pub mod page;
pub mod report;
pub mod risk;
pub mod schedule;
pub mod schema;
pub mod sensitivity;
pub mod shell;
pub mod solve;
pub mod validate;
pub mod workbook;

pub use inputs::InputFiles;
pub use output::{write_atomically, write_files_atomically};

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the catalog or a scenario is invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: bad usage or an unreadable path.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: a `--fail-if` condition holds (the report was written).
pub const EXIT_GATE: u8 = 3;
/// Exit code: interrupted by SIGINT (Ctrl-C) before the output was in place; no `--output`
/// file was changed or left behind.
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code: ended by SIGTERM before the output was in place; no `--output` file was changed
/// or left behind.
pub const EXIT_TERMINATED: u8 = 143;

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
    /// Read workloads from a demand file besides the catalog's `demand.toml` (repeatable; a
    /// workload id given again replaces the earlier one)
    #[arg(long = "demand", global = true, value_name = "FILE")]
    pub demand: Vec<PathBuf>,
    #[command(flatten)]
    pub what_if: WhatIfArgs,
    /// Exit with code 3 after writing the report if EXPR holds, such as `gw@2027Q4<10`,
    /// `spend@2026>60B` or `target-met>2030Q4` (repeatable; see the README)
    #[arg(long = "fail-if", global = true, value_name = "EXPR")]
    pub fail_if: Vec<gate::Gate>,
    /// What the command line names as inputs, which no output may replace: set by [`run`].
    #[arg(skip)]
    pub inputs: InputFiles,
    /// Whether standard output is a terminal, which cannot show an image, a page or a workbook:
    /// set by `main` (tests write to buffers).
    #[arg(skip)]
    pub stdout_is_terminal: bool,
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
    /// Scale every workload's demand: levels, work and caps
    #[arg(long, global = true, value_name = "X", value_parser = parse_factor, help_heading = "What-if")]
    pub demand_scale: Option<Decimal>,
}

impl WhatIfArgs {
    pub fn to_what_if(&self) -> WhatIf {
        WhatIf {
            delay: self.delay.clone(),
            scale: self.scale.clone(),
            pue: self.pue,
            exclude: self.exclude.clone(),
            demand_scale: self.demand_scale,
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
    /// SARIF 2.1.0 for code scanning (validate)
    Sarif,
    /// GitLab Code Quality JSON for merge requests (validate)
    Gitlab,
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
            Format::Sarif => "sarif",
            Format::Gitlab => "gitlab",
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

/// `--precision`: the precision compute is counted at, as the command line spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    Bf16,
    Fp8,
    Fp4,
}

impl From<PrecisionArg> for crate::catalog::Precision {
    fn from(p: PrecisionArg) -> Self {
        use crate::catalog::Precision;
        match p {
            PrecisionArg::Bf16 => Precision::Bf16,
            PrecisionArg::Fp8 => Precision::Fp8,
            PrecisionArg::Fp4 => Precision::Fp4,
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
    Capacity(report::CapacityArgs),
    /// Spend, cumulative spend and share of the target per period, by total, provider or contract
    Spend(report::SpendArgs),
    /// One row per contract: value, dates, peak capacity and power, implied price, share
    Contracts(report::ContractsArgs),
    /// Demand against supply in H100e-hours per period: served, idle, shortfall; `--runs` for the training runs
    Schedule(schedule::Args),
    /// The baseline and each scenario, applied alone, side by side per period, with differences
    Compare(compare::Args),
    /// Rank contracts by how much a delay or a scale of each moves a metric at one period
    Sensitivity(sensitivity::Args),
    /// Present value of the contracts' cash flows at a discount rate (XNPV: days / 365)
    Npv(npv::Args),
    /// Goal seek: the scale or delay of selected contracts at which a goal starts or stops holding
    Solve(solve::Args),
    /// Planned against actual spend per period, from FOCUS billing exports in `actuals/`;
    /// `--deliveries` for observed deliveries and their implied slips
    Actuals(actuals::ActualsArgs),
    /// Commitment burn-down per contract: consumed, run-rate, projection at term end, shortfall
    Burn(actuals::BurnArgs),
    /// Monte Carlo over the `[[risk]]` entries of scenarios: quantiles of GPUs and power per period, and the chance of reaching the target
    Risk(risk::Args),
    /// Draw a report as a chart: SVG (the default, also on standard output) or PNG, from the
    /// extension of --output
    #[command(subcommand)]
    Chart(chart::ChartCommand),
    /// The plan as one self-contained HTML page: summary, charts, plan, contracts and sources
    Report(page::Args),
    /// Write the plan as files for other tools: an Excel workbook, or FOCUS datasets for FinOps
    Export(export::Args),
    /// Check catalogs and contract files; report every problem with its code and location
    Validate(validate::Args),
    /// What changed between two catalogs: contracts and fields, figures per period, targets
    Diff(diff::Args),
    /// Print the JSON Schema of a contract file, `portfolio.toml`, a scenario or a demand file, for editors
    Schema(schema::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff)
    Man,
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
    catalog_and_origin(global).map(|(dir, _)| dir)
}

/// [`default_catalog`], with what named it, for a message about it.
fn catalog_and_origin(global: &GlobalArgs) -> Option<(PathBuf, &'static str)> {
    if let Some(dir) = &global.catalog {
        return Some((dir.clone(), "given by `--catalog`"));
    }
    if let Some(dir) = std::env::var_os("CAPPLAN_CATALOG").filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(dir), "given by `CAPPLAN_CATALOG`"));
    }
    let local = Path::new("contracts");
    local
        .is_dir()
        .then(|| (local.to_path_buf(), "the `contracts` folder here"))
}

/// Reads the catalog named by the global options, or the built-in one.
pub fn catalog_files(global: &GlobalArgs) -> Result<CatalogFiles, CliError> {
    match catalog_and_origin(global) {
        Some((dir, origin)) => {
            if !dir.is_dir() {
                let reason = if dir.exists() {
                    "not a folder"
                } else {
                    "no such folder"
                };
                return Err(CliError::Load(LoadError::Io {
                    path: dir.display().to_string(),
                    source: io::Error::new(io::ErrorKind::NotFound, format!("{reason} ({origin})")),
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

/// Sends a finished output to standard output or, with `--output`, to a file, atomically
/// ([`output`]): a failed, interrupted or concurrent run never leaves half a report.
pub fn emit(global: &GlobalArgs, bytes: &[u8], stdout: &mut dyn Write) -> Result<(), CliError> {
    match &global.output {
        None if global.stdout_is_terminal
            && let Some(kind) = unfit_for_a_terminal(bytes) =>
        {
            Err(CliError::Usage(format!(
                "the output is {kind}, which a terminal cannot show: write it to a file with `-o FILE`, or pipe it to a program that reads it"
            )))
        }
        None => {
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`capplan plan | head`) is not an error.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(CliError::Stdout(e)),
            }
        }
        Some(path) => write_atomically(path, bytes, &global.inputs),
    }
}

/// What `bytes` are if a terminal cannot show them: an image, a page or a workbook.
pub fn unfit_for_a_terminal(bytes: &[u8]) -> Option<&'static str> {
    let head = bytes[..bytes.len().min(256)].trim_ascii_start();
    let starts = |prefix: &[u8]| {
        head.len() >= prefix.len() && head[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if bytes.starts_with(b"\x89PNG") {
        Some("a PNG image")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("a zip file (an Excel workbook)")
    } else if starts(b"<!doctype html") || starts(b"<html") {
        Some("an HTML page")
    } else if starts(b"<svg") || starts(b"<?xml") {
        Some("an SVG image")
    } else {
        None
    }
}

/// Runs a parsed command line and returns the exit code. Errors that stop the command
/// (unreadable paths, bad usage) are returned for the caller to print; they mean exit code 2.
pub fn run(mut cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<u8, CliError> {
    use report::Which;
    cli.global.inputs = InputFiles::of(&cli);
    // Refused before any work: every write checks again, but a long run should not be spent
    // on an output it could never write.
    let file = match &cli.command {
        Command::Export(export::Args {
            command: export::ExportCommand::Xlsx(a),
        }) => a.file.as_ref().or(cli.global.output.as_ref()),
        _ => cli.global.output.as_ref(),
    };
    if let Some(path) = file {
        cli.global.inputs.refuse(path)?;
    }
    let g = &cli.global;
    let stdout_color = use_color(g.color, g.output.is_none() && io::stdout().is_terminal());
    let stderr_color = use_color(g.color, io::stderr().is_terminal());
    let code = match &cli.command {
        Command::Plan(a) => report::run(
            g,
            report::Request {
                which: Which::Plan,
                period: Some(&a.period),
                filter: &a.filter,
                reforecast: Some(&a.reforecast),
            },
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Capacity(a) => report::run(
            g,
            report::Request {
                which: Which::Capacity(a.group_by.into()),
                period: Some(&a.period),
                filter: &a.select.filter(None, a.precision, a.target.clone()),
                reforecast: None,
            },
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Spend(a) => report::run(
            g,
            report::Request {
                which: Which::Spend(a.group_by.into()),
                period: Some(&a.period),
                filter: &a.select.filter(a.basis, None, a.target.clone()),
                reforecast: Some(&a.reforecast),
            },
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Contracts(a) => report::run(
            g,
            report::Request {
                which: Which::Contracts,
                period: None,
                filter: &a.filter,
                reforecast: None,
            },
            stderr_color,
            stdout,
            stderr,
        ),
        Command::Schedule(a) => schedule::run(g, a, stderr_color, stdout, stderr),
        Command::Compare(a) => compare::run(g, a, stderr_color, stdout, stderr),
        Command::Sensitivity(a) => sensitivity::run(g, a, stderr_color, stdout, stderr),
        Command::Risk(a) => risk::run(g, a, stderr_color, stdout, stderr),
        Command::Actuals(a) => actuals::run_actuals(g, a, stderr_color, stdout, stderr),
        Command::Burn(a) => actuals::run_burn(g, a, stderr_color, stdout, stderr),
        Command::Npv(a) => npv::run(g, a, stderr_color, stdout, stderr),
        Command::Solve(a) => solve::run(g, a, stderr_color, stdout, stderr),
        // These have no figures to gate: `--fail-if` is refused, not ignored.
        Command::Validate(args) => {
            gate::refuse(&g.fail_if, "validate")?;
            validate::run(g, args, stdout_color, stdout)
        }
        Command::Completions(args) => {
            gate::refuse(&g.fail_if, "completions")?;
            shell::completions(g, args, stdout)
        }
        Command::Man => {
            gate::refuse(&g.fail_if, "man")?;
            shell::man(g, stdout)
        }
        Command::Schema(args) => {
            gate::refuse(&g.fail_if, "schema")?;
            schema::run(g, args, stdout)
        }
        Command::Diff(a) => diff::run(g, a, stderr_color, stdout, stderr),
        Command::Chart(c) => chart::run(g, c, stderr_color, stdout, stderr),
        Command::Report(a) => page::run(g, a, stderr_color, stdout, stderr),
        Command::Export(a) => export::run(g, a, stderr_color, stderr),
    }?;
    // Every file written says so on standard error, one line each: here for `--output`, and
    // in `export`, whose lines say what each file holds.
    // `validate` writes its report of an invalid catalog too (exit 1).
    let written = match cli.command {
        Command::Export(_) => false,
        Command::Validate(_) => matches!(code, EXIT_OK | EXIT_INVALID),
        _ => matches!(code, EXIT_OK | EXIT_GATE),
    };
    if written && let Some(path) = &g.output {
        let _ = writeln!(stderr, "wrote `{}`", path.display());
    }
    Ok(code)
}

#[cfg(test)]
mod terminal_tests {
    use super::unfit_for_a_terminal;

    #[test]
    fn pages_images_and_workbooks_are_told_from_text() {
        assert_eq!(
            unfit_for_a_terminal(b"\x89PNG\r\n\x1a\n...."),
            Some("a PNG image")
        );
        assert_eq!(
            unfit_for_a_terminal(b"PK\x03\x04...."),
            Some("a zip file (an Excel workbook)")
        );
        assert_eq!(
            unfit_for_a_terminal(b"<!DOCTYPE html>\n<html>"),
            Some("an HTML page")
        );
        assert_eq!(
            unfit_for_a_terminal(b"\n  <svg xmlns=..."),
            Some("an SVG image")
        );
        assert_eq!(
            unfit_for_a_terminal(b"<?xml version=\"1.0\"?><svg"),
            Some("an SVG image")
        );
        for text in [
            &b"period,start\n"[..],
            b"{\"schema_version\": 1}",
            b"| a | b |",
            b"",
            b"OpenAI",
        ] {
            assert_eq!(unfit_for_a_terminal(text), None);
        }
    }
}
