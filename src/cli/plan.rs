//! The report commands: `plan`, `capacity`, `spend` and `contracts`. Each loads the catalog,
//! resolves the window, target and filters, asks the engine, and renders a document.

use std::io::Write;

use crate::cli::args::{FilterArgs, PeriodArgs};
use crate::cli::emit::{Produced, report_format};
use crate::cli::setting::{Setting, observed_of, targets_from};
use crate::cli::{CliError, Context};
use crate::engine::{EngineError, GroupBy};
use crate::gate;
use crate::report::{Document, build};

/// Which report to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Plan,
    Capacity(GroupBy),
    Spend(GroupBy),
    Contracts,
}

/// What one report command asks for: which report, its window, its filters and, where it
/// re-forecasts spend, `--actuals`.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub which: Which,
    pub period: Option<&'a PeriodArgs>,
    pub filter: &'a FilterArgs,
    pub reforecast: Option<&'a crate::cli::actuals::ReforecastArgs>,
}

/// Runs one report command.
pub fn run(
    global: &Context,
    request: Request<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    produce(global, request)?.finish(global, output, stdout, stderr)
}

/// Computes one report command's document: [`run`] without the writing.
pub fn produce(global: &Context, request: Request<'_>) -> Result<Produced, CliError> {
    let Request {
        which,
        period,
        filter,
        reforecast,
    } = request;
    if let (Which::Capacity(_) | Which::Contracts, Some(r)) = (which, reforecast)
        && r.actuals.is_some()
    {
        return Err(CliError::Usage(
            "--actuals re-forecasts spend: it applies to `plan`, `spend`, `chart spend` and `report`"
                .to_owned(),
        ));
    }
    let mut setting = Setting::load(global, period, filter)?;
    let note = match reforecast {
        Some(args) => crate::cli::actuals::apply_reforecast(global, &mut setting, args)?,
        None => None,
    };
    let ctx = setting.context();
    let (catalog, timeline, filter, target) = (ctx.catalog, ctx.timeline, ctx.filter, ctx.target);
    let doc: Result<Document, EngineError> = match which {
        Which::Plan => build::plan(&ctx),
        Which::Capacity(by) => build::capacity(&ctx, by),
        Which::Spend(by) => match by {
            GroupBy::Total | GroupBy::Provider | GroupBy::Contract => build::spend(&ctx, by),
            other => {
                return Err(CliError::Usage(format!(
                    "spend belongs to a contract, so `spend` groups by `total`, `provider` or `contract`, not `{}`",
                    other.name()
                )));
            }
        },
        Which::Contracts => build::contracts(&ctx),
    };
    let mut doc = doc?;
    if let Some(note) = note {
        crate::cli::actuals::mark_reforecast(&mut doc, &note);
        doc.summary.push(note);
    }
    // Gates are evaluated before the report is written, so that a gate that cannot be
    // evaluated is a usage error with no output; what they find is said after the report.
    let tripped = if global.fail_if.is_empty() {
        Vec::new()
    } else {
        let totals = gate::Totals::new(catalog, timeline, filter, target);
        let usage = |e: gate::GateError| CliError::Usage(e.0);
        totals
            .prepare(&global.fail_if, &timeline.grid)
            .map_err(usage)??;
        gate::evaluate(&global.fail_if, &timeline.grid, &totals).map_err(usage)?
    };
    Ok(Produced {
        doc,
        tripped,
        targets: targets_from(catalog, target),
        observed: observed_of(catalog, filter),
    })
}
