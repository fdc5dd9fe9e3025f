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
use crate::cli::args::PeriodArgs;
use crate::cli::emit::{emit_document, report_format, report_gates};
use crate::cli::setting::Setting;
use crate::cli::{CliError, Context};
use crate::diagnostic::Report;
use crate::engine::Period;
use crate::engine::num::Num;
use crate::gate::{self, Figures, UsdFigure};
use crate::report::actuals::{self as doc, ActualsGroup};

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

/// `--actuals [DIR]`, `--as-of` and `--cost` on `plan`, `spend`, `chart spend` and `report`:
/// spend re-forecast from actuals.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReforecastArgs {
    /// Re-forecast spend from actuals: actual spend before `as_of`, the rest of each contract's
    /// value after it; DIR defaults to `actuals/` in the catalog's folder
    #[arg(long = "actuals", value_name = "DIR", num_args = 0..=1)]
    pub actuals: Option<Option<PathBuf>>,
    /// With --actuals: count actuals before this date only
    #[arg(long, value_name = "DATE", requires = "actuals")]
    pub as_of: Option<NaiveDate>,
    /// With --actuals: the cost column, BilledCost or EffectiveCost
    #[arg(long, value_enum, requires = "actuals")]
    pub cost: Option<CostColumn>,
}

/// Applies `--actuals` to a loaded setting: the re-forecast replaces the plan's spend of every
/// contract with actuals, and gives the summary line that says so, if `--actuals` was given.
pub fn apply_reforecast(
    global: &Context,
    setting: &mut Setting,
    args: &ReforecastArgs,
) -> Result<Option<crate::report::SummaryItem>, CliError> {
    let Some(dir) = &args.actuals else {
        return Ok(None);
    };
    if setting.filter.basis != crate::engine::Basis::Accrual {
        return Err(CliError::Usage(
            "--actuals re-forecasts spend as it accrues: leave out --basis".to_owned(),
        ));
    }
    let source = SourceArgs {
        dir: dir.clone(),
        as_of: args.as_of,
        cost: args.cost.unwrap_or_default(),
    };
    let actuals = load(global, setting, &source)?;
    let forecast = crate::engine::reforecast::reforecast(&setting.catalog, &actuals)?;
    let ids: Vec<String> = forecast.keys().cloned().collect();
    let overruns = forecast
        .values()
        .filter(|r| r.overrun_cents.is_positive())
        .count();
    setting.filter.reforecast = Some(std::sync::Arc::new(forecast));
    let text = format!(
        "actual spend before {}, the rest of each value after it, for {} contract{} with actuals{}{}",
        actuals.as_of,
        ids.len(),
        if ids.len() == 1 { "" } else { "s" },
        if ids.is_empty() {
            String::new()
        } else {
            format!(" ({})", ids.join(", "))
        },
        if overruns > 0 {
            format!("; {overruns} past its value")
        } else {
            String::new()
        },
    );
    Ok(Some(crate::report::SummaryItem {
        key: "reforecast".into(),
        label: "re-forecast".into(),
        text,
        json: serde_json::json!({
            "as_of": actuals.as_of.to_string(),
            "contracts": ids,
            "unattributed_usd": format!("{:.2}", exact_dollars(actuals.unattributed_usd)),
        }),
    }))
}

/// Marks each period row of a re-forecast report: `actual` for periods that end by `as_of`,
/// `actual+forecast` for the one holding it, `forecast` after, in a `spend_basis` column, so
/// that CSV and JSON rows say what they hold as the table's summary does.
pub fn mark_reforecast(doc: &mut crate::report::Document, note: &crate::report::SummaryItem) {
    use crate::report::document::{Cell, Column, Kind};
    let Some(as_of) = note.json["as_of"]
        .as_str()
        .and_then(|s| s.parse::<NaiveDate>().ok())
    else {
        return;
    };
    let find = |name: &str| doc.columns.iter().position(|c| c.name == name);
    let (Some(start), Some(end)) = (find("start"), find("end")) else {
        return;
    };
    doc.columns
        .push(Column::new("spend_basis", "spend is", Kind::Text));
    for row in &mut doc.rows {
        let (Some(Cell::Date(s)), Some(Cell::Date(e))) = (row.get(start), row.get(end)) else {
            row.push(Cell::Null);
            continue;
        };
        let basis = if *e <= as_of {
            "actual"
        } else if *s < as_of {
            "actual+forecast"
        } else {
            "forecast"
        };
        row.push(Cell::Text(basis.to_owned()));
    }
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
    pub select: crate::cli::args::SelectArgs,
    #[command(flatten)]
    pub io: crate::cli::args::ReportIo,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

#[derive(Debug, Clone, clap::Args)]
pub struct BurnArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    #[command(flatten)]
    pub io: crate::cli::args::ReportIo,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

/// The actuals folder of a run: `--actuals DIR`, else `actuals/` beside `portfolio.toml`.
fn folder(global: &Context, source: &SourceArgs) -> Result<PathBuf, CliError> {
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
        Some(catalog) if catalog.join("actuals").is_dir() => Ok(catalog.join("actuals")),
        Some(catalog) => Err(CliError::Usage(format!(
            "catalog `{}` has no `actuals/` folder: add one with FOCUS cost files, or give `--actuals DIR`",
            catalog.display()
        ))),
        None => Err(CliError::Usage(
            "the built-in catalog has no actuals: give `--actuals DIR` or `--catalog DIR` with an `actuals/` folder".to_owned(),
        )),
    }
}

/// Reads the actuals; `None` when they are invalid (reported on `stderr`).
fn load(global: &Context, setting: &Setting, source: &SourceArgs) -> Result<Actuals, CliError> {
    let dir = folder(global, source)?;
    let cache = crate::actuals::cache::Cache::from_env();
    let (actuals, diagnostics) = attribute::load(
        &setting.catalog,
        &dir,
        source.cost,
        source.as_of,
        cache.as_ref(),
    );
    if diagnostics.is_empty() {
        return Ok(actuals);
    }
    let report = Report {
        diagnostics,
        ..Report::default()
    };
    Err(CliError::invalid_beyond_validate(
        report,
        format!("the actuals in `{}`", dir.display()),
    ))
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
    fn target_met(&self, _: crate::engine::By) -> Option<Option<Period>> {
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
    doc::cents(n).unwrap_or(Decimal::MAX)
}

/// Runs `capplan actuals`.
pub fn run_actuals(
    global: &Context,
    args: &ActualsArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    let setting = Setting::load(
        global,
        Some(&args.period),
        &args.select.filter(None, None, None),
    )?;
    let actuals = load(global, &setting, &args.source)?;
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
    let d = d?;
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
    global: &Context,
    args: &BurnArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    let setting = Setting::load(global, None, &args.select.filter(None, None, None))?;
    let actuals = load(global, &setting, &args.source)?;
    let ctx = setting.context();
    let burns = doc::burns(&ctx, &actuals)?;
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
