//! `capplan schedule`: the catalog's workloads (`demand.toml`, `--demand FILE`) served from its
//! compute, per period and group, or run by run with `--runs` (docs/demand.md).

use std::io::Write;

use clap::ValueEnum;

use crate::cli::args::{FilterArgs, PeriodArgs};
use crate::cli::emit::{emit_document, report_format, report_gates};
use crate::cli::setting::Setting;
use crate::cli::{CliError, Context};
use crate::engine::schedule;
use crate::gate::{self, GateError, Totals};
use crate::report::schedule::{self as doc, ScheduleGroup};

/// `--group-by` of `schedule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScheduleGroupArg {
    Total,
    Workload,
    Hardware,
}

impl From<ScheduleGroupArg> for ScheduleGroup {
    fn from(g: ScheduleGroupArg) -> Self {
        match g {
            ScheduleGroupArg::Total => ScheduleGroup::Total,
            ScheduleGroupArg::Workload => ScheduleGroup::Workload,
            ScheduleGroupArg::Hardware => ScheduleGroup::Hardware,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// How rows are grouped: supply and idle belong to hardware, shortfall to workloads
    #[arg(long, value_enum, default_value_t = ScheduleGroupArg::Total)]
    pub group_by: ScheduleGroupArg,
    /// One row per run instead: start, finish, H100e-hours served, on time or missed
    #[arg(long)]
    pub runs: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::ReportIo,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

pub fn run(
    global: &Context,
    args: &Args,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    let setting = Setting::load(global, Some(&args.period), &args.filter)?;
    if setting.catalog.workloads.is_empty() {
        return Err(CliError::Usage(
            "there is no demand to schedule: add `demand.toml` beside `portfolio.toml`, or give `--demand FILE`".to_owned(),
        ));
    }
    let ctx = setting.context();
    let result = schedule::schedule(ctx.catalog, ctx.timeline, ctx.filter).and_then(|s| {
        if args.runs {
            doc::runs(&ctx, &s)
        } else {
            doc::periods(&ctx, &s, args.group_by.into())
        }
    });
    let d = result?;
    // Gates are evaluated before the report is written, as on the other reports.
    let mut tripped = Vec::new();
    if !global.fail_if.is_empty() {
        let totals = Totals::new(ctx.catalog, ctx.timeline, ctx.filter, ctx.target);
        let usage = |e: GateError| CliError::Usage(e.0);
        totals
            .prepare(&global.fail_if, &ctx.timeline.grid)
            .map_err(usage)??;
        tripped = gate::evaluate(&global.fail_if, &ctx.timeline.grid, &totals).map_err(usage)?;
    }
    emit_document(global, output, &d, stdout)?;
    Ok(report_gates(&tripped, stderr))
}
