//! The report commands: `plan`, `capacity`, `spend` and `contracts`. Each loads the catalog,
//! resolves the window, target and filters, asks the engine, and renders a document.

use std::io::Write;

use crate::cli::args::{FilterArgs, PeriodArgs};
use crate::cli::emit::{
    Produced, ReportOutput, emit_document, emit_rows, report_format, report_gates,
};
use crate::cli::setting::{Setting, observed_of, targets_from};
use crate::cli::{CliError, Context};
use crate::engine::{EngineError, GroupBy};
use crate::gate;
use crate::report::document::Rows;
use crate::report::stream::{self, CapacityRows, SpendRows};
use crate::report::{Document, build, xlsx};

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

/// Runs one report command. `capacity` and `spend` in a text format write their rows as they
/// are computed (docs/cli.md, "Large reports"); the other reports and formats are built whole.
pub fn run(
    global: &Context,
    request: Request<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    let by = match request.which {
        Which::Capacity(by) | Which::Spend(by) => by,
        Which::Plan | Which::Contracts => {
            return produce(global, request)?.finish(global, output, stdout, stderr);
        }
    };
    let (setting, note) = prepare(global, request)?;
    if note.is_some() {
        // A re-forecast marks the rows it changes: built whole.
        let produced = finish_producing(global, request.which, &setting, note)?;
        return produced.finish(global, output, stdout, stderr);
    }
    let ctx = setting.context();
    let streamed: (Document, Box<dyn Rows + '_>) = match request.which {
        Which::Capacity(_) => {
            let (columns, rows) = CapacityRows::new(&ctx, by)?;
            (build::capacity_head(&ctx, by, columns), Box::new(rows))
        }
        _ => {
            let by = spend_grouping(by)?;
            let (columns, rows) = SpendRows::new(&ctx, by)?;
            (build::spend_head(&ctx, by, columns), Box::new(rows))
        }
    };
    let (head, rows) = streamed;
    let tripped = gates(global, &setting)?;
    match output {
        ReportOutput::Text(format) => emit_rows(global, format, &head, rows.as_ref(), stdout)?,
        ReportOutput::Xlsx => {
            xlsx::check_rows(head.report, rows.count())
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let mut doc = head;
            doc.rows = stream::collect(rows.as_ref())?;
            emit_document(global, output, &doc, stdout)?;
        }
    }
    Ok(report_gates(&tripped, stderr))
}

/// `spend`'s grouping: spend belongs to a contract, so never to a part of one.
fn spend_grouping(by: GroupBy) -> Result<GroupBy, CliError> {
    match by {
        GroupBy::Total | GroupBy::Provider | GroupBy::Contract => Ok(by),
        other => Err(CliError::Usage(format!(
            "spend belongs to a contract, so `spend` groups by `total`, `provider` or `contract`, not `{}`",
            other.name()
        ))),
    }
}

/// Computes one report command's document: [`run`] without the writing.
pub fn produce(global: &Context, request: Request<'_>) -> Result<Produced, CliError> {
    let (setting, note) = prepare(global, request)?;
    finish_producing(global, request.which, &setting, note)
}

/// Refuses what `request` cannot do, loads its setting and applies `--actuals`: the re-forecast's
/// summary line, if any.
fn prepare(
    global: &Context,
    request: Request<'_>,
) -> Result<(Setting, Option<crate::report::SummaryItem>), CliError> {
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
    if let Which::Spend(by) = which {
        spend_grouping(by)?;
    }
    let mut setting = Setting::load(global, period, filter)?;
    let note = match reforecast {
        Some(args) => crate::cli::actuals::apply_reforecast(global, &mut setting, args)?,
        None => None,
    };
    Ok((setting, note))
}

/// The document of `which` in `setting`, marked by a re-forecast's `note`, and its gates.
fn finish_producing(
    global: &Context,
    which: Which,
    setting: &Setting,
    note: Option<crate::report::SummaryItem>,
) -> Result<Produced, CliError> {
    let ctx = setting.context();
    let doc: Result<Document, EngineError> = match which {
        Which::Plan => build::plan(&ctx),
        Which::Capacity(by) => build::capacity(&ctx, by),
        Which::Spend(by) => build::spend(&ctx, spend_grouping(by)?),
        Which::Contracts => build::contracts(&ctx),
    };
    let mut doc = doc?;
    if let Some(note) = note {
        crate::cli::actuals::mark_reforecast(&mut doc, &note);
        doc.summary.push(note);
    }
    Ok(Produced {
        doc,
        tripped: gates(global, setting)?,
        targets: targets_from(ctx.catalog, ctx.target),
        observed: observed_of(ctx.catalog, ctx.filter),
    })
}

/// The `--fail-if` gates that hold. They are evaluated before the report is written, so that a
/// gate that cannot be evaluated is a usage error with no output; what they find is said after
/// the report.
fn gates(global: &Context, setting: &Setting) -> Result<Vec<String>, CliError> {
    if global.fail_if.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = setting.context();
    let totals = gate::Totals::new(ctx.catalog, ctx.timeline, ctx.filter, ctx.target);
    let usage = |e: gate::GateError| CliError::Usage(e.0);
    totals
        .prepare(&global.fail_if, &ctx.timeline.grid)
        .map_err(usage)??;
    gate::evaluate(&global.fail_if, &ctx.timeline.grid, &totals).map_err(usage)
}
