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

use crate::catalog::CatalogFiles;
use crate::engine::{By, GroupBy};
use crate::report::document::RowsError;

use args::Takes;

pub mod actuals;
pub mod args;
pub mod chart;
pub mod compare;
pub mod diff;
pub mod emit;
pub mod error;
pub mod export;

pub mod completions;
pub mod context;
pub mod inputs;
pub mod man;
pub mod npv;
pub mod output;
pub mod plan;
pub mod report;
pub mod risk;
pub mod schedule;
pub mod schema;
pub mod sensitivity;
pub mod setting;
pub mod solve;
pub mod validate;

pub use context::{Before, Context};
pub use error::{Check, CliError, Invalid, not_there, shell_word, validate_command};
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
#[command(
    name = "capplan",
    version,
    about,
    max_term_width = 100,
    after_help = "A command's options may also stand before its name: `capplan --catalog DIR plan`. `capplan COMMAND --help` lists the options of each."
)]
pub struct Cli {
    #[command(flatten)]
    pub before: Before,
    /// When to use colors; NO_COLOR in the environment means never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people
    Table,
    /// rustc-like diagnostics with the source line
    Human,
    /// JSON for programs
    Json,
    /// Comma-separated values
    Csv,
    /// Markdown tables
    Markdown,
    /// GitHub workflow commands that annotate files
    Github,
    /// Concise markdown for a pull-request comment
    GithubComment,
    /// An Excel workbook (needs --output)
    Xlsx,
    /// SARIF 2.1.0 for code scanning
    Sarif,
    /// GitLab Code Quality JSON for merge requests
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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: a summary against the target and total capacity, power and spend by quarter
    Plan(args::PlanArgs),
    /// Units, unit-hours and facility power per period, by total, provider, contract, hardware or tranche
    Capacity(args::CapacityArgs),
    /// Spend, cumulative spend and share of the target per period, by total, provider or contract
    Spend(args::SpendArgs),
    /// One row per contract: value, dates, peak capacity and power, implied price, share
    Contracts(args::ContractsArgs),
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
    Report(report::Args),
    /// Write the plan as files for other tools: an Excel workbook, or FOCUS datasets for FinOps
    Export(export::Args),
    /// Check catalogs and contract files; report every problem with its code and location
    Validate(validate::Args),
    /// What changed between two catalogs: contracts and fields, figures per period, targets
    Diff(diff::Args),
    /// Print the JSON Schema of a contract file, `portfolio.toml`, a scenario or a demand file, for editors
    Schema(schema::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(completions::CompletionsArgs),
    /// Print the manual pages (roff): of capplan, of one command, or all of them into a folder
    Man(man::ManArgs),
}

impl Command {
    /// The options of inputs and output the command takes, as [`Context::new`] joins them.
    pub fn takes(&self) -> Takes<'_> {
        use args::FileIo;
        match self {
            Command::Plan(a) => a.io.takes("plan", Some(&a.demand), Some(&a.gate)),
            Command::Capacity(a) => a.io.takes("capacity", Some(&a.demand), Some(&a.gate)),
            Command::Spend(a) => a.io.takes("spend", Some(&a.demand), Some(&a.gate)),
            Command::Contracts(a) => a.io.takes("contracts", Some(&a.demand), Some(&a.gate)),
            Command::Schedule(a) => a.io.takes("schedule", Some(&a.demand), Some(&a.gate)),
            Command::Compare(a) => a.io.takes("compare", Some(&a.demand), None),
            Command::Sensitivity(a) => a.io.takes("sensitivity", None, None),
            Command::Npv(a) => Takes {
                command: "npv",
                catalog: Some(&a.catalog),
                scenario: Some(&a.scenario),
                format: Some((a.format.format, args::REPORT_FORMATS)),
                output: Some(&a.output),
                ..Takes::default()
            },
            Command::Solve(a) => a.io.takes("solve", Some(&a.demand), None),
            Command::Actuals(a) => a.io.takes("actuals", None, Some(&a.gate)),
            Command::Burn(a) => a.io.takes("burn", None, Some(&a.gate)),
            Command::Risk(a) => a.io.takes("risk", Some(&a.demand), Some(&a.gate)),
            Command::Chart(c) => {
                use chart::ChartCommand as C;
                let (name, io, demand, gate): (_, &FileIo, _, _) = match c {
                    C::Capacity(a) => ("chart capacity", &a.io, Some(&a.demand), Some(&a.gate)),
                    C::Spend(a) => ("chart spend", &a.io, Some(&a.demand), Some(&a.gate)),
                    C::Risk(a) => ("chart risk", &a.io, None, Some(&a.gate)),
                    C::Compare(a) => ("chart compare", &a.io, None, None),
                    C::Schedule(a) => ("chart schedule", &a.io, Some(&a.demand), None),
                };
                io.takes(name, demand, gate)
            }
            Command::Report(a) => a.io.takes("report", Some(&a.demand), None),
            Command::Export(a) => match &a.command {
                export::ExportCommand::Focus(a) => Takes {
                    command: "export focus",
                    catalog: Some(&a.catalog),
                    scenario: Some(&a.scenario),
                    format: Some((a.format.format, args::FOCUS_FORMATS)),
                    output: Some(&a.output),
                    ..Takes::default()
                },
                export::ExportCommand::Xlsx(a) => a.io.takes("export xlsx", Some(&a.demand), None),
            },
            Command::Validate(a) => Takes {
                command: "validate",
                catalog: Some(&a.catalog),
                scenario: Some(&a.scenario),
                demand: Some(&a.demand),
                format: Some((a.format.format, args::VALIDATE_FORMATS)),
                output: Some(&a.output),
                gate: None,
            },
            Command::Diff(a) => Takes {
                command: "diff",
                catalog: Some(&a.catalog),
                format: Some((a.format.format, args::DIFF_FORMATS)),
                output: Some(&a.output),
                gate: Some(&a.gate),
                ..Takes::default()
            },
            Command::Schema(a) => Takes {
                command: "schema",
                output: Some(&a.output),
                ..Takes::default()
            },
            Command::Completions(a) => Takes {
                command: "completions",
                output: Some(&a.output),
                ..Takes::default()
            },
            Command::Man(a) => Takes {
                command: "man",
                output: Some(&a.output),
                ..Takes::default()
            },
        }
    }
}

/// Where the catalog comes from when `--catalog` is not given.
pub fn default_catalog(global: &Context) -> Option<PathBuf> {
    catalog_and_origin(global).map(|(dir, _)| dir)
}

/// [`default_catalog`], with what named it, for a message about it.
fn catalog_and_origin(global: &Context) -> Option<(PathBuf, &'static str)> {
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

/// Whether the catalog named by the global options is a folder, which the catalog cache keeps
/// (docs/catalog.md, "Cache"); the built-in catalog is not kept.
pub fn catalog_cached(global: &Context) -> bool {
    catalog_and_origin(global).is_some()
}

/// Reads the catalog named by the global options, or the built-in one.
pub fn catalog_files(global: &Context) -> Result<CatalogFiles, CliError> {
    match catalog_and_origin(global) {
        Some((dir, origin)) => {
            if !dir.is_dir() {
                return Err(not_there(&dir, "folder", origin));
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
pub fn emit(global: &Context, bytes: &[u8], stdout: &mut dyn Write) -> Result<(), CliError> {
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

/// Sends what `body` writes to standard output or `--output`, as it is written: through a
/// buffer to standard output (a closed pipe ends the run quietly, as with [`emit()`]), or to a
/// temporary file renamed into place once `body` is done ([`output::write_streamed`]).
pub fn emit_with(
    global: &Context,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<(), RowsError>,
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    match &global.output {
        None => {
            let mut out = io::BufWriter::with_capacity(1 << 16, stdout);
            let written = body(&mut out).and_then(|()| out.flush().map_err(RowsError::Io));
            match written {
                Ok(()) => Ok(()),
                Err(RowsError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(RowsError::Io(e)) => Err(CliError::Stdout(e)),
                Err(RowsError::Engine(e)) => Err(e.into()),
            }
        }
        Some(path) => output::write_streamed(path, body, &global.inputs),
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
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<u8, CliError> {
    run_with(cli, false, stdout, stderr)
}

/// [`run`], told whether standard output is a terminal (`main` knows; tests write to buffers).
pub fn run_with(
    cli: Cli,
    stdout_is_terminal: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    use plan::Which;
    let mut ctx = Context::of(&cli)?;
    ctx.stdout_is_terminal = stdout_is_terminal;
    ctx.stderr_color = use_color(ctx.color, io::stderr().is_terminal());
    // Refused before any work: every write checks again, but a long run should not be spent
    // on an output it could never write.
    let file = match &cli.command {
        Command::Export(export::Args {
            command: export::ExportCommand::Xlsx(a),
        }) => a.file.as_ref().or(ctx.output.as_ref()),
        _ => ctx.output.as_ref(),
    };
    if let Some(path) = file {
        ctx.inputs.refuse(path)?;
    }
    let g = &ctx;
    let stdout_color = use_color(g.color, g.output.is_none() && io::stdout().is_terminal());
    let stderr_color = g.stderr_color;
    let result = match &cli.command {
        Command::Plan(a) => plan::run(
            g,
            plan::Request {
                which: Which::Plan,
                period: Some(&a.period),
                filter: &a.filter,
                reforecast: Some(&a.reforecast),
            },
            stdout,
            stderr,
        ),
        Command::Capacity(a) => plan::run(
            g,
            plan::Request {
                which: Which::Capacity(a.group_by.into()),
                period: Some(&a.period),
                filter: &a.select.filter(None, a.precision, a.target.clone()),
                reforecast: None,
            },
            stdout,
            stderr,
        ),
        Command::Spend(a) => plan::run(
            g,
            plan::Request {
                which: Which::Spend(a.group_by.into()),
                period: Some(&a.period),
                filter: &a.select.filter(a.basis, None, a.target.clone()),
                reforecast: Some(&a.reforecast),
            },
            stdout,
            stderr,
        ),
        Command::Contracts(a) => plan::run(
            g,
            plan::Request {
                which: Which::Contracts,
                period: None,
                filter: &a.filter,
                reforecast: None,
            },
            stdout,
            stderr,
        ),
        Command::Schedule(a) => schedule::run(g, a, stdout, stderr),
        Command::Compare(a) => compare::run(g, &a.options, stdout, stderr),
        Command::Sensitivity(a) => sensitivity::run(g, a, stdout, stderr),
        Command::Risk(a) => risk::run(g, a, stdout, stderr),
        Command::Actuals(a) => actuals::run_actuals(g, a, stdout, stderr),
        Command::Burn(a) => actuals::run_burn(g, a, stdout, stderr),
        Command::Npv(a) => npv::run(g, a, stdout, stderr),
        Command::Solve(a) => solve::run(g, a, stdout, stderr),
        Command::Validate(args) => validate::run(g, args, stdout_color, stdout),
        Command::Completions(args) => completions::completions(g, args, stdout),
        Command::Man(args) => man::man(g, args, stdout, stderr),
        Command::Schema(args) => schema::run(g, args, stdout),
        Command::Diff(a) => diff::run(g, a, stdout, stderr),
        Command::Chart(c) => chart::run(g, c, stdout, stderr),
        Command::Report(a) => report::run(g, a, stdout, stderr),
        Command::Export(a) => export::run(g, a, stderr),
    };
    // Invalid input leaves every command by this one path.
    let code = match result {
        Err(CliError::Invalid(parts)) => {
            let run = validate_command(g);
            for mut part in parts {
                error::print_errors(&mut part, &run, stderr_color, stderr)?;
            }
            EXIT_INVALID
        }
        Err(CliError::Overflow(e)) => {
            error::print_overflow(g, &e, stderr_color, stderr)?;
            EXIT_INVALID
        }
        other => other?,
    };
    // Every file written says so on standard error, one line each: here for `--output`, and
    // in `export` and `man --dir`, whose lines say what each file holds.
    // `validate` writes its report of an invalid catalog too (exit 1).
    let written = match cli.command {
        Command::Export(_) => false,
        Command::Man(ref a) => a.dir.is_none(),
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
