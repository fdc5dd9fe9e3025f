//! What a command runs with: the options of its inputs and output, given before or after its
//! name, joined once ([`Context::new`]), and what the run knows of its surroundings.

use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::cli::args::{self, Takes};
use crate::cli::{Cli, CliError, ColorChoice, Format, InputFiles};
use crate::scenario::Selector;
use crate::scenario::flags::{DelayFlag, ScaleFlag, WhatIf, parse_factor};

/// The options of the inputs and the output given before the command's name (`capplan
/// --catalog DIR plan`), as the command line has always allowed. They are not listed in any
/// help (each command lists its own) and are refused, naming the option, by a command that
/// does not take them ([`Context::new`]).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Before {
    #[arg(long, hide = true)]
    pub catalog: Option<PathBuf>,
    #[arg(long, hide = true, value_enum)]
    pub format: Option<Format>,
    #[arg(long, short = 'o', hide = true)]
    pub output: Option<PathBuf>,
    #[arg(long = "scenario", hide = true)]
    pub scenarios: Vec<PathBuf>,
    #[arg(long = "demand", hide = true)]
    pub demand: Vec<PathBuf>,
    #[arg(long, hide = true, value_parser = parse_factor)]
    pub demand_scale: Option<Decimal>,
    #[arg(long, hide = true)]
    pub delay: Vec<DelayFlag>,
    #[arg(long, hide = true)]
    pub scale: Vec<ScaleFlag>,
    #[arg(long, hide = true, value_parser = parse_factor)]
    pub pue: Option<Decimal>,
    #[arg(long, hide = true, value_parser = args::parse_selector)]
    pub exclude: Vec<Selector>,
    #[arg(long = "fail-if", hide = true)]
    pub fail_if: Vec<crate::gate::Gate>,
}

/// What a command runs with: its options of inputs and output, given before or after its name,
/// joined once in [`Context::new`]; and what the run knows of its surroundings.
#[derive(Debug, Default)]
pub struct Context {
    /// The command's name, as the command line spells it (`export xlsx`).
    pub command: &'static str,
    pub catalog: Option<PathBuf>,
    pub format: Option<Format>,
    pub output: Option<PathBuf>,
    pub color: ColorChoice,
    pub scenarios: Vec<PathBuf>,
    pub demand: Vec<PathBuf>,
    /// The what-if flags, applied after the scenario files.
    pub what_if: WhatIf,
    pub fail_if: Vec<crate::gate::Gate>,
    /// What the command line names as inputs, which no output may replace ([`Context::of`]).
    pub inputs: InputFiles,
    /// Whether standard output is a terminal, which cannot show an image, a page or a
    /// workbook: told by `main` through [`crate::cli::run_with`] (tests write to buffers).
    pub stdout_is_terminal: bool,
    /// Whether messages on standard error are colored: `--color`, `NO_COLOR` and the terminal.
    pub stderr_color: bool,
}

impl Context {
    /// The context of a parsed command line: its options joined ([`Context::new`]) and the
    /// inputs it names ([`InputFiles::of`]).
    pub fn of(cli: &Cli) -> Result<Context, CliError> {
        let mut ctx = Context::new(&cli.before, cli.color, cli.command.takes())?;
        ctx.inputs = InputFiles::of(&ctx, &cli.command);
        Ok(ctx)
    }

    /// Joins the options given before the command's name with those it takes after it. An
    /// option the command does not take is refused here, naming it (after the name, clap
    /// refuses it); a single-valued option given on both sides is refused too; repeatable
    /// ones are taken in the order of the command line.
    pub fn new(before: &Before, color: ColorChoice, takes: Takes<'_>) -> Result<Context, CliError> {
        let command = takes.command;
        let refuse = |option: &str| -> CliError {
            CliError::Usage(format!(
                "`{option}` does not apply to `{command}`: see `capplan {command} --help` for the options it takes"
            ))
        };
        let once = |option: &str| -> CliError {
            CliError::Usage(format!(
                "`{option}` is given both before and after `{command}`: give it once"
            ))
        };
        fn one<T: Clone>(
            before: &Option<T>,
            after: Option<&Option<T>>,
            option: &str,
            refuse: &dyn Fn(&str) -> CliError,
            once: &dyn Fn(&str) -> CliError,
        ) -> Result<Option<T>, CliError> {
            match (before, after) {
                (Some(_), None) => Err(refuse(option)),
                (Some(_), Some(Some(_))) => Err(once(option)),
                (Some(v), Some(None)) => Ok(Some(v.clone())),
                (None, after) => Ok(after.cloned().flatten()),
            }
        }
        fn many<T: Clone>(
            before: &[T],
            after: Option<&Vec<T>>,
            option: &str,
            refuse: &dyn Fn(&str) -> CliError,
        ) -> Result<Vec<T>, CliError> {
            match after {
                None if !before.is_empty() => Err(refuse(option)),
                None => Ok(Vec::new()),
                Some(after) => Ok(before.iter().chain(after).cloned().collect()),
            }
        }
        let scenario = takes.scenario;
        let what_if = scenario.map(|s| &s.what_if);
        let demand = takes.demand;
        let format = match (before.format, takes.format) {
            (Some(_), None) => return Err(refuse("--format")),
            (Some(_), Some((Some(_), _))) => return Err(once("--format")),
            (Some(f), Some((None, allowed))) if !allowed.contains(&f) => {
                let names: Vec<String> = allowed
                    .iter()
                    .filter(|a| !(allowed == args::VALIDATE_FORMATS && **a == Format::Table))
                    .map(|a| format!("`{}`", a.name()))
                    .collect();
                return Err(CliError::Usage(format!(
                    "`--format {}` does not apply to `{command}`: it writes {}",
                    f.name(),
                    names.join(", ")
                )));
            }
            (Some(f), Some(_)) => Some(f),
            (None, after) => after.and_then(|(f, _)| f),
        };
        Ok(Context {
            command,
            catalog: one(
                &before.catalog,
                takes.catalog.map(|c| &c.catalog),
                "--catalog",
                &refuse,
                &once,
            )?,
            format,
            output: one(
                &before.output,
                takes.output.map(|o| &o.output),
                "--output",
                &refuse,
                &once,
            )?,
            color,
            scenarios: many(
                &before.scenarios,
                scenario.map(|s| &s.scenarios),
                "--scenario",
                &refuse,
            )?,
            demand: many(
                &before.demand,
                demand.map(|d| &d.demand),
                "--demand",
                &refuse,
            )?,
            what_if: WhatIf {
                delay: many(&before.delay, what_if.map(|w| &w.delay), "--delay", &refuse)?,
                scale: many(&before.scale, what_if.map(|w| &w.scale), "--scale", &refuse)?,
                pue: one(
                    &before.pue,
                    what_if.map(|w| &w.pue),
                    "--pue",
                    &refuse,
                    &once,
                )?,
                exclude: many(
                    &before.exclude,
                    what_if.map(|w| &w.exclude),
                    "--exclude",
                    &refuse,
                )?,
                demand_scale: one(
                    &before.demand_scale,
                    demand.map(|d| &d.demand_scale),
                    "--demand-scale",
                    &refuse,
                    &once,
                )?,
            },
            fail_if: many(
                &before.fail_if,
                takes.gate.map(|g| &g.fail_if),
                "--fail-if",
                &refuse,
            )?,
            inputs: InputFiles::default(),
            stdout_is_terminal: false,
            stderr_color: false,
        })
    }
}
