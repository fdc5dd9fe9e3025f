//! `capplan actuals` and `capplan burn`: what was billed and delivered, read from the catalog's
//! `actuals/` folder (or `--actuals DIR`), against the plan (docs/actuals.md).
//!
//! Problems in the actuals (a FOCUS file that cannot be read, a row two contracts claim, a
//! delivery that names no tranche) are located diagnostics and exit 1, like a catalog's.

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::actuals::attribute::{self, Actuals};
use crate::actuals::focus::CostColumn;
use crate::cli::gate::{self, Figures, UsdFigure};
use crate::cli::report::{
    FilterArgs, PeriodArgs, Setting, emit_document, engine_error, report_format, report_gates,
};
use crate::cli::{CliError, EXIT_INVALID, GlobalArgs};
use crate::diagnostic::Report;
use crate::engine::Period;
use crate::engine::num::Num;
use crate::report::actuals::{self as doc, ActualsGroup};
use crate::report::diagnostics::{DiagnosticFormat, render as render_diagnostics};

/// Where the actuals are and how to read them: options of `actuals` and `burn`.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// The actuals folder: FOCUS cost files and `deliveries.csv`; default `actuals/` in the
    /// catalog's folder
    #[arg(long = "actuals", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Count actuals before this date only; default the end of the latest charge period
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// The cost column: BilledCost, or EffectiveCost (commitment purchases amortized)
    #[arg(long, value_enum, default_value_t = CostColumn::Billed)]
    pub cost: CostColumn,
}

/// `--group-by` of `actuals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupArg {
    Total,
    Provider,
    Contract,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ActualsArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// How rows are grouped
    #[arg(long, value_enum, default_value_t = GroupArg::Total)]
    pub group_by: GroupArg,
    /// One row per observation of `deliveries.csv` instead: planned and observed units and
    /// the implied slip
    #[arg(long)]
    pub deliveries: bool,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct BurnArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// The actuals folder of a run: `--actuals DIR`, else `actuals/` beside `portfolio.toml`.
fn folder(global: &GlobalArgs, source: &SourceArgs) -> Result<PathBuf, CliError> {
    if let Some(dir) = &source.dir {
        if !dir.is_dir() {
            return Err(CliError::Usage(format!(
                "--actuals `{}` is not a folder",
                dir.display()
            )));
        }
        return Ok(dir.clone());
    }
    match crate::cli::default_catalog(global) {
        Some(catalog) => Ok(catalog.join("actuals")),
        None => Err(CliError::Usage(
            "the built-in catalog has no actuals: give `--actuals DIR` or `--catalog DIR` with an `actuals/` folder".to_owned(),
        )),
    }
}

/// Reads the actuals; `None` when they are invalid (reported on `stderr`).
fn load(
    global: &GlobalArgs,
    setting: &Setting,
    source: &SourceArgs,
    color: bool,
    stderr: &mut dyn Write,
) -> Result<Option<Actuals>, CliError> {
    let dir = folder(global, source)?;
    let (actuals, diagnostics) = attribute::load(&setting.catalog, &dir, source.cost, source.as_of);
    if diagnostics.is_empty() {
        return Ok(Some(actuals));
    }
    let mut report = Report {
        diagnostics,
        ..Report::default()
    };
    report.sort();
    render_diagnostics(&report, DiagnosticFormat::Human, color, stderr)
        .map_err(CliError::Stdout)?;
    let n = report.errors();
    let _ = writeln!(
        stderr,
        "error: the actuals in `{}` are invalid: {n} error{}",
        dir.display(),
        if n == 1 { "" } else { "s" }
    );
    Ok(None)
}

/// The figures the actuals commands offer to gates.
struct ActualsFigures {
    unattributed: Decimal,
    shortfall: Option<Decimal>,
}

impl Figures for ActualsFigures {
    fn value(&self, _: gate::Metric, _: &Period) -> Option<Decimal> {
        None
    }
    fn target_met(&self) -> Option<Option<Period>> {
        None
    }
    fn usd(&self, figure: UsdFigure) -> Option<Decimal> {
        match figure {
            UsdFigure::Unattributed => Some(self.unattributed),
            UsdFigure::Shortfall => self.shortfall,
        }
    }
}

fn exact_dollars(n: Num) -> Decimal {
    let cents = n
        .checked_mul(Num::int(100))
        .and_then(Num::round_half_even)
        .unwrap_or(0);
    Decimal::try_from_i128_with_scale(cents, 2).unwrap_or(Decimal::MAX)
}

/// Runs `capplan actuals`.
pub fn run_actuals(
    global: &GlobalArgs,
    args: &ActualsArgs,
    color: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    let Some(setting) = Setting::load(global, Some(&args.period), &args.filter, color, stderr)?
    else {
        return Ok(EXIT_INVALID);
    };
    let Some(actuals) = load(global, &setting, &args.source, color, stderr)? else {
        return Ok(EXIT_INVALID);
    };
    let ctx = setting.context();
    let group = match args.group_by {
        GroupArg::Total => ActualsGroup::Total,
        GroupArg::Provider => ActualsGroup::Provider,
        GroupArg::Contract => ActualsGroup::Contract,
    };
    let d = if args.deliveries {
        doc::deliveries(&ctx, &actuals)
    } else {
        doc::variance(&ctx, &actuals, group)
    };
    let d = match d {
        Ok(d) => d,
        Err(e) => return Ok(engine_error(&e, stderr)),
    };
    let figures = ActualsFigures {
        unattributed: exact_dollars(actuals.unattributed_usd),
        shortfall: None,
    };
    let tripped = gate::evaluate(&global.fail_if, &ctx.timeline.grid, &figures)
        .map_err(|e| CliError::Usage(e.0))?;
    emit_document(global, output, &d, stdout)?;
    Ok(report_gates(&tripped, stderr))
}

/// Runs `capplan burn`.
pub fn run_burn(
    global: &GlobalArgs,
    args: &BurnArgs,
    color: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    let Some(setting) = Setting::load(global, None, &args.filter, color, stderr)? else {
        return Ok(EXIT_INVALID);
    };
    let Some(actuals) = load(global, &setting, &args.source, color, stderr)? else {
        return Ok(EXIT_INVALID);
    };
    let ctx = setting.context();
    let burns = match doc::burns(&ctx, &actuals) {
        Ok(b) => b,
        Err(e) => return Ok(engine_error(&e, stderr)),
    };
    let d = doc::burn(&ctx, &actuals, &burns);
    let figures = ActualsFigures {
        unattributed: exact_dollars(actuals.unattributed_usd),
        shortfall: Some(exact_dollars(doc::total_shortfall(&burns))),
    };
    let tripped = gate::evaluate(&global.fail_if, &ctx.timeline.grid, &figures)
        .map_err(|e| CliError::Usage(e.0))?;
    emit_document(global, output, &d, stdout)?;
    Ok(report_gates(&tripped, stderr))
}
