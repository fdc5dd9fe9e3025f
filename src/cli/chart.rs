//! `capplan chart`: a report drawn as an SVG or PNG chart.

use std::io::Write;

use clap::{Subcommand, ValueEnum};

use crate::catalog;
use crate::cli::args::PeriodArgs;
use crate::cli::emit::{Produced, format_of_path};
use crate::cli::plan::{Which, produce as produce_report};
use crate::cli::{CliError, Context, compare, emit, risk};
use crate::engine::GroupBy;
use crate::report::chart::{self, Chart, Measure};

#[derive(Debug, Subcommand)]
pub enum ChartCommand {
    /// Capacity as stacked areas by provider or hardware: facility GW against the target, or GPUs
    Capacity(CapacityArgs),
    /// Cumulative spend as stacked areas by provider or contract, against each target's spend
    Spend(SpendArgs),
    /// The risk fan of `[[risk]]` entries: the P10 to P90 band of power, the median, the target
    Risk(RiskArgs),
    /// One line per group of `compare`: the baseline and each scenario
    Compare(CompareArgs),
    /// Demand against supply: H100e-hours served by workload, the level shortfall, the supply
    Schedule(ScheduleArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    /// Count compute (H100e, exaFLOPS) at this precision [default: `[portfolio] compute`]
    #[arg(long, value_enum, value_name = "PRECISION")]
    pub precision: Option<crate::cli::PrecisionArg>,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::FileIo,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RiskArgs {
    #[command(flatten)]
    pub risk: risk::Options,
    #[command(flatten)]
    pub io: crate::cli::args::FileIo,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

/// What areas are stacked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StackBy {
    Provider,
    Hardware,
    Contract,
}

/// What a capacity chart measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CapacityMeasure {
    /// Facility power, GW
    Gw,
    /// GPUs online
    Gpus,
    /// H100-equivalents online, at `--precision`
    H100e,
}

/// What a comparison chart measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareMeasure {
    /// Facility power, GW
    Gw,
    /// GPUs online
    Gpus,
    /// Cumulative spend, USD
    CumulativeSpend,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// What the areas are stacked by
    #[arg(long, value_enum, default_value_t = StackBy::Provider)]
    pub group_by: StackBy,
    /// What the chart measures
    #[arg(long, value_enum, default_value_t = CapacityMeasure::Gw)]
    pub measure: CapacityMeasure,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    /// Count compute (H100e, exaFLOPS) at this precision [default: `[portfolio] compute`]
    #[arg(long, value_enum, value_name = "PRECISION")]
    pub precision: Option<crate::cli::PrecisionArg>,
    /// The target to measure against [default: the first in portfolio.toml]
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::FileIo,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SpendArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// What the areas are stacked by
    #[arg(long, value_enum, default_value_t = SpendBy::Provider)]
    pub group_by: SpendBy,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    /// What spend measures: as it accrues, as it is paid, or as the income statement expenses
    /// it [default: accrual]
    #[arg(long, value_enum)]
    pub basis: Option<crate::cli::args::BasisArg>,
    /// The target to measure against [default: the first in portfolio.toml]
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    #[command(flatten)]
    pub reforecast: crate::cli::actuals::ReforecastArgs,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::FileIo,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

/// What spend areas are stacked by: spend belongs to a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SpendBy {
    Total,
    Provider,
    Contract,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// What the lines measure
    #[arg(long, value_enum, default_value_t = CompareMeasure::Gw)]
    pub measure: CompareMeasure,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    /// What spend measures: as it accrues, as it is paid, or as the income statement expenses
    /// it [default: accrual]
    #[arg(long, value_enum)]
    pub basis: Option<crate::cli::args::BasisArg>,
    #[command(flatten)]
    pub io: crate::cli::args::FileIo,
}

/// A chart's file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
}

const CHART_EXTENSIONS: &[(&str, ChartFormat)] =
    &[("svg", ChartFormat::Svg), ("png", ChartFormat::Png)];

/// The chart format `--output` names; SVG on standard output.
fn chart_format(global: &Context) -> Result<ChartFormat, CliError> {
    match &global.output {
        Some(path) => format_of_path(path, CHART_EXTENSIONS, None),
        None => Ok(ChartFormat::Svg),
    }
}

/// Runs `capplan chart`.
pub fn run(
    global: &Context,
    command: &ChartCommand,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let format = chart_format(global)?;
    let (chart, tripped) = produce(global, command, stderr)?;
    let bytes = render(&chart, format)?;
    emit(global, &bytes, stdout)?;
    Ok(crate::cli::emit::report_gates(&tripped, stderr))
}

/// The chart as bytes in `format`.
pub fn render(chart: &Chart, format: ChartFormat) -> Result<Vec<u8>, CliError> {
    let drawn = match format {
        ChartFormat::Svg => chart::svg(chart).map(String::into_bytes),
        ChartFormat::Png => chart::png(chart),
    };
    drawn.map_err(|e| CliError::Usage(e.to_string()))
}

/// Computes the report a chart draws and builds the chart, with the gates that hold.
pub fn produce(
    global: &Context,
    command: &ChartCommand,
    stderr: &mut dyn Write,
) -> Result<(Chart, Vec<String>), CliError> {
    if let ChartCommand::Schedule(a) = command {
        return schedule_chart(global, a);
    }
    let produced = match command {
        ChartCommand::Capacity(a) => {
            let by = match a.group_by {
                StackBy::Provider => GroupBy::Provider,
                StackBy::Hardware => GroupBy::Hardware,
                StackBy::Contract => GroupBy::Contract,
            };
            produce_report(
                global,
                crate::cli::plan::Request {
                    which: Which::Capacity(by),
                    period: Some(&a.period),
                    filter: &a.select.filter(None, a.precision, a.target.clone()),
                    reforecast: None,
                },
            )?
        }
        ChartCommand::Spend(a) => {
            let by = match a.group_by {
                SpendBy::Total => GroupBy::Total,
                SpendBy::Provider => GroupBy::Provider,
                SpendBy::Contract => GroupBy::Contract,
            };
            produce_report(
                global,
                crate::cli::plan::Request {
                    which: Which::Spend(by),
                    period: Some(&a.period),
                    filter: &a.select.filter(a.basis, None, a.target.clone()),
                    reforecast: Some(&a.reforecast),
                },
            )?
        }
        ChartCommand::Risk(a) => risk::produce(global, &a.risk, None, stderr)?,
        ChartCommand::Compare(a) => compare::produce(
            global,
            &compare::Options {
                period: a.period.clone(),
                filter: a.select.filter(a.basis, None, None),
                rate: None,
            },
        )?,
        ChartCommand::Schedule(a) => return schedule_chart(global, a),
    };
    let Produced {
        doc,
        tripped,
        targets,
        observed,
    } = produced;
    let chart = match command {
        ChartCommand::Capacity(a) => {
            let measure = match a.measure {
                CapacityMeasure::Gw => Measure::Gw,
                CapacityMeasure::Gpus => Measure::Gpus,
                CapacityMeasure::H100e => Measure::H100e,
            };
            chart::capacity(&doc, measure, targets.first()).map(|mut c| {
                let of = match measure {
                    Measure::Gpus => catalog::Measure::Gpus,
                    Measure::H100e => catalog::Measure::H100e,
                    _ => catalog::Measure::PowerGw,
                };
                chart::mark_observed(&mut c, &doc, &chart::observed_figures(&observed, of));
                c
            })
        }
        ChartCommand::Spend(_) => chart::spend(&doc, &targets).map(|mut c| {
            let of = catalog::Measure::CumulativeSpendUsd;
            chart::mark_observed(&mut c, &doc, &chart::observed_figures(&observed, of));
            c
        }),
        ChartCommand::Risk(_) => chart::risk(&doc, targets.first()),
        ChartCommand::Compare(a) => {
            let measure = match a.measure {
                CompareMeasure::Gw => Measure::Gw,
                CompareMeasure::Gpus => Measure::Gpus,
                CompareMeasure::CumulativeSpend => Measure::CumulativeSpend,
            };
            chart::compare(&doc, measure)
        }
        ChartCommand::Schedule(a) => return schedule_chart(global, a),
    }
    .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok((chart, tripped))
}

/// `chart schedule`: the schedule's documents by workload and in total, drawn as one chart.
fn schedule_chart(global: &Context, args: &ScheduleArgs) -> Result<(Chart, Vec<String>), CliError> {
    let setting = crate::cli::setting::Setting::load(
        global,
        Some(&args.period),
        &args.select.filter(None, args.precision, None),
    )?;
    if setting.catalog.workloads.is_empty() {
        return Err(CliError::Usage(
            "there is no demand to chart: add `demand.toml` beside `portfolio.toml`, or give `--demand FILE`".to_owned(),
        ));
    }
    let ctx = setting.context();
    let docs = crate::engine::schedule::schedule(ctx.catalog, ctx.timeline, ctx.filter)
        .and_then(|s| crate::report::schedule::chart_documents(&ctx, &s));
    let (by_workload, total) = docs?;
    let chart =
        chart::schedule(&by_workload, &total).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok((chart, Vec::new()))
}
