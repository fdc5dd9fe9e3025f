//! `capplan schedule`: the catalog's workloads (`demand.toml`, `--demand FILE`) served from its
//! compute, per period and group, or run by run with `--runs` (docs/demand.md).

use std::io::Write;

use clap::ValueEnum;

use crate::cli::report::{
    FilterArgs, PeriodArgs, Setting, emit_document, engine_error, report_format,
};
use crate::cli::{CliError, EXIT_INVALID, EXIT_OK, GlobalArgs};
use crate::engine::schedule;
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
}

pub fn run(
    global: &GlobalArgs,
    args: &Args,
    color: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    crate::cli::gate::refuse(&global.fail_if, "schedule")?;
    let output = report_format(global)?;
    let Some(setting) = Setting::load(global, Some(&args.period), &args.filter, color, stderr)?
    else {
        return Ok(EXIT_INVALID);
    };
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
    match result {
        Ok(d) => {
            emit_document(global, output, &d, stdout)?;
            Ok(EXIT_OK)
        }
        Err(e) => Ok(engine_error(&e, stderr)),
    }
}
