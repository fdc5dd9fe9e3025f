//! `capplan report`: the plan as one self-contained HTML page.

use std::io::Write;

use crate::catalog;
use crate::cli::args::{FilterArgs, PeriodArgs};
use crate::cli::emit::format_of_path;
use crate::cli::setting::{Setting, observed_of, targets_from};
use crate::cli::{CliError, Context, EXIT_OK, emit};
use crate::report::build;
use crate::report::chart::{self, Measure};
use crate::report::html::{self, Page, Sources};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub reforecast: crate::cli::actuals::ReforecastArgs,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::FileIo,
}

const HTML_EXTENSIONS: &[(&str, ())] = &[("html", ()), ("htm", ())];

/// Runs `capplan report`.
pub fn run(
    global: &Context,
    args: &Args,
    stdout: &mut dyn Write,
    _stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    if let Some(path) = &global.output {
        format_of_path(path, HTML_EXTENSIONS, None)?;
    }
    let mut setting = Setting::load(global, Some(&args.period), &args.filter)?;
    let note = crate::cli::actuals::apply_reforecast(global, &mut setting, &args.reforecast)?;
    let ctx = setting.context();
    let build::Whole {
        mut plan,
        capacity,
        spend,
        contracts,
    } = build::whole(&ctx)?;
    plan.summary.extend(note);
    let targets = targets_from(&setting.catalog, setting.target());
    let observed = observed_of(&setting.catalog, &setting.filter);
    let marks = |of| chart::observed_figures(&observed, of);
    let drawn = [
        chart::capacity(&capacity, Measure::Gw, targets.first()).map(|mut c| {
            chart::mark_observed(&mut c, &capacity, &marks(catalog::Measure::PowerGw));
            (
                "Facility power by provider at each period's end, against the target.",
                c,
            )
        }),
        chart::spend(&spend, &targets).map(|mut c| {
            chart::mark_observed(&mut c, &spend, &marks(catalog::Measure::CumulativeSpendUsd));
            (
                "Cumulative spend by provider, against each target's spend.",
                c,
            )
        }),
    ];
    let mut charts = Vec::new();
    for d in drawn {
        let (caption, c) = d.map_err(|e| CliError::Usage(e.to_string()))?;
        let svg = chart::svg(&c).map_err(|e| CliError::Usage(e.to_string()))?;
        charts.push((caption.to_owned(), svg));
    }
    // With demand, the schedule: a chart of demand against supply and its table.
    let schedule = if setting.catalog.workloads.is_empty() {
        None
    } else {
        let docs = crate::engine::schedule::schedule(ctx.catalog, ctx.timeline, ctx.filter)
            .and_then(|s| crate::report::schedule::chart_documents(&ctx, &s));
        let (by_workload, total) = docs?;
        let c =
            chart::schedule(&by_workload, &total).map_err(|e| CliError::Usage(e.to_string()))?;
        let svg = chart::svg(&c).map_err(|e| CliError::Usage(e.to_string()))?;
        charts.push((
            "H100e-hours served by workload, the level shortfall and the supply, per period."
                .to_owned(),
            svg,
        ));
        Some(total)
    };
    let listed: Vec<&str> = contracts
        .rows
        .iter()
        .filter_map(|row| match row.first() {
            Some(crate::report::Cell::Text(id)) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let sources = setting
        .catalog
        .contracts
        .iter()
        .filter(|c| listed.contains(&c.id.as_str()))
        .map(|c| Sources {
            id: c.id.clone(),
            title: c.title.clone(),
            sources: c.sources.clone(),
            notes: c.notes.clone(),
        })
        .collect();
    let mut subtitle = format!(
        "{} contracts; by {}",
        listed.len(),
        setting.timeline.grid.by.name()
    );
    if !setting.scenarios.is_empty() {
        subtitle.push_str(&format!("; scenario {}", setting.scenarios.join(" then ")));
    }
    let page = html::page(&Page {
        title: setting.catalog.portfolio.name.clone(),
        subtitle,
        plan: &plan,
        contracts: &contracts,
        schedule: schedule.as_ref(),
        charts,
        sources,
    });
    emit(global, page.as_bytes(), stdout)?;
    Ok(EXIT_OK)
}
