//! `capplan solve LEVER --goal EXPR [--range A..B]`: goal seek (docs/finance.md, goal seek). Glue:
//! the search is [`crate::engine::solve`]; each of its projections applies the lever as the
//! quick what-if flags would (`--scale` or `--delay`) and reads the goal's figure as
//! `--fail-if` does.

use std::io::Write;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::validate::Checks;
use crate::catalog::value::Duration;
use crate::cli::args::FilterArgs;
use crate::cli::emit::{emit_document, report_format};
use crate::cli::setting::{load_inputs, resolve_filter, resolve_target};
use crate::cli::{CliError, Context, EXIT_OK};
use crate::diagnostic::Report;
use crate::engine::solve::{Lever, MICRO, Outcome, Probe, solve};
use crate::engine::{By, EngineError, Grid, Timeline};
use crate::gate::{self, Gate, Totals};
use crate::report;
use crate::scenario;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// What to move: `scale:SELECTOR` (units and value, as --scale) or `delay:SELECTOR` (as
    /// --delay, in whole days)
    #[arg(value_name = "LEVER", value_parser = Lever::from_str)]
    pub lever: Lever,
    /// What must hold, in the --fail-if grammar: `gw@2030Q4>=30`, `target-met<=2031Q4`
    #[arg(long, value_name = "EXPR")]
    pub goal: Gate,
    /// The lever's range, `A..B`: factors for scale [default: 0.1..10], durations for delay,
    /// counted from the selected tranches' earliest `online_from` [default: 0d..3y]
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    pub range: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::ReportIo,
}

/// `--range` in steps of the lever: millionths of a factor, or days counted from `anchor`.
fn resolve_range(lever: &Lever, text: &str, anchor: NaiveDate) -> Result<(i64, i64), CliError> {
    let usage = |m: String| CliError::Usage(format!("--range `{text}`: {m}"));
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| usage("expected A..B, such as `0.5..2` or `0d..1y`".to_owned()))?;
    let (lo, hi) = match lever {
        Lever::Scale(_) => {
            let factor = |s: &str| -> Result<i64, CliError> {
                let f = Decimal::from_str(s.trim())
                    .map_err(|_| usage(format!("`{}` is not a factor", s.trim())))?;
                if f <= Decimal::ZERO {
                    return Err(usage(format!("`{}` is not a positive factor", s.trim())));
                }
                (f * Decimal::from(MICRO))
                    .round()
                    .try_into()
                    .map_err(|_| usage(format!("`{}` is too large", s.trim())))
            };
            (factor(a)?, factor(b)?)
        }
        Lever::Delay(_) => {
            let days = |s: &str| -> Result<i64, CliError> {
                let d: Duration = s.trim().parse().map_err(|e| usage(format!("{e}")))?;
                let end = d
                    .add_to(anchor)
                    .ok_or_else(|| usage(format!("`{d}` passes the end of the calendar")))?;
                Ok((end - anchor).num_days())
            };
            (days(a)?, days(b)?)
        }
    };
    if lo >= hi {
        let what = if lo == hi { "empty" } else { "reversed" };
        return Err(usage(format!(
            "the range is {what}: its start must be below its end, such as `{}`",
            match lever {
                Lever::Scale(_) => "0.5..2",
                Lever::Delay(_) => "0d..1y",
            }
        )));
    }
    Ok((lo, hi))
}

/// Why one projection of the search failed.
enum Stop {
    /// The lever's value made the catalog invalid.
    Invalid(i64, Report),
    Engine(EngineError),
    Goal(gate::GateError),
}

/// Runs `capplan solve`.
pub fn run(
    global: &Context,
    args: &Args,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let format = report_format(global)?;
    let mut inputs = load_inputs(global)?;
    let scenarios = std::mem::take(&mut inputs.scenarios);
    let base = inputs.apply(&scenarios)?;
    let selection = args.lever.selector().select(&base);
    if selection.is_empty() {
        return Err(CliError::Usage(format!(
            "`{}`: selector `{}` matches nothing in the catalog",
            args.lever.name(),
            args.lever.selector()
        )));
    }
    let anchor = selection
        .tranches
        .iter()
        .filter_map(|&(c, t)| base.contracts.get(c)?.tranches.get(t))
        .map(|t| t.online_from)
        .min()
        .unwrap_or(base.portfolio.horizon_start);
    let default_range = match args.lever {
        Lever::Scale(_) => "0.1..10",
        Lever::Delay(_) => "0d..3y",
    };
    let range_text = args.range.as_deref().unwrap_or(default_range);
    let (lo, hi) = resolve_range(&args.lever, range_text, anchor)?;
    let target = resolve_target(&base, args.filter.target.as_deref())?.cloned();
    let filter = resolve_filter(&base, &args.filter.scope)?;
    let grid = Grid::new(By::Quarter, base.portfolio.fiscal_year_start_month);
    let window = (
        grid.period_start(base.portfolio.horizon_start),
        base.portfolio.horizon_end,
    );
    let sources = inputs.report.sources.clone();
    let eval = |step: i64| -> Result<Probe<String>, Stop> {
        let what_if = args.lever.what_if(step);
        let mut report = Report {
            sources: sources.clone(),
            diagnostics: Vec::new(),
        };
        let scenario = what_if.to_scenario(&mut report.sources);
        let catalog = match scenario {
            Some(s) => scenario::apply_all(&base, &[s], Checks::ErrorsOnly, &mut report),
            None => Some(base.clone()),
        };
        let Some(catalog) = catalog else {
            return Err(Stop::Invalid(step, report));
        };
        let timeline = Timeline::new(&catalog, grid, window.0, window.1);
        let target = target
            .as_ref()
            .and_then(|t| catalog.targets.iter().find(|u| u.id == t.id));
        let totals = Totals::new(&catalog, &timeline, &filter, target);
        match totals.prepare(std::slice::from_ref(&args.goal), &grid) {
            Err(e) => return Err(Stop::Goal(e)),
            Ok(Err(e)) => return Err(Stop::Engine(e)),
            Ok(Ok(())) => {}
        }
        let (holds, figure) = gate::goal(&args.goal, &grid, &totals).map_err(Stop::Goal)?;
        // A figure at a period is its own measure; when a target is met depends on whole
        // series, which a lever may move without moving the period.
        let measured = match args.goal.condition {
            gate::Condition::At { .. }
            | gate::Condition::RunsMissed { .. }
            | gate::Condition::Usd { .. } => Vec::new(),
            gate::Condition::TargetMet { .. } => totals.fingerprint(),
        };
        Ok(Probe {
            holds,
            figure,
            measured,
        })
    };
    let (outcome, projections) = match solve(lo, hi, eval) {
        Ok(found) => found,
        Err(Stop::Invalid(step, report)) => {
            let _ = writeln!(
                stderr,
                "error: `{}` at {} makes the catalog invalid; narrow the range",
                args.lever.name(),
                args.lever.show(step)
            );
            // The lever at that value is the what-if flag of the same name.
            let name = args.lever.name();
            let (flag, select) = name.split_once(':').unwrap_or(("scale", "*"));
            let value = args.lever.show(step);
            let command = format!(
                "{} --{flag} {}",
                crate::cli::validate_command(global),
                crate::cli::shell_word(&format!("{select}={value}"))
            );
            return Err(CliError::invalid_checked_by(
                report,
                format!("the catalog at `{name}={value}`"),
                command,
            ));
        }
        Err(Stop::Engine(e)) => return Err(e.into()),
        Err(Stop::Goal(e)) => return Err(CliError::Usage(e.0)),
    };
    let Some(doc) = report::solve::solve(
        &args.lever,
        &args.goal.text,
        range_text,
        &outcome,
        projections,
    ) else {
        let figure = match &outcome {
            Outcome::Unmoved { figure } => figure.as_str(),
            _ => "",
        };
        return Err(CliError::Usage(format!(
            "`{}` cannot move the figure of `{}`: {figure} at every point of {range_text}",
            args.lever.name(),
            args.goal.text
        )));
    };
    emit_document(global, format, &doc, stdout)?;
    Ok(EXIT_OK)
}
