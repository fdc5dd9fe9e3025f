//! The report commands: `plan`, `capacity`, `spend` and `contracts`. Each loads the catalog,
//! resolves the window, target and filters, asks the engine, and renders a document.

use std::io::{IsTerminal, Write};
use std::path::Path;

use chrono::NaiveDate;

use crate::catalog::reader::did_you_mean;
use crate::catalog::validate::Checks;
use crate::catalog::{self, Catalog, Observation, Target};
use crate::cli::ByArg;
pub use crate::cli::args::*;
use crate::cli::{CliError, Context, EXIT_GATE, EXIT_OK, Format, catalog_files, emit, use_color};
use crate::diagnostic::Report;
use crate::engine::{Basis, Bound, EngineError, Filter, Grid, GroupBy, Timeline};
use crate::gate;
use crate::report::build;
use crate::report::render::render_styled;
use crate::report::{Document, ReportFormat, xlsx};
use crate::scenario::{self, Scenario};

/// Which report to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Plan,
    Capacity(GroupBy),
    Spend(GroupBy),
    Contracts,
}

/// The output format: `--format`, else the `--output` file's extension, else `table`.
pub fn report_format(global: &Context) -> Result<ReportOutput, CliError> {
    let format = match global.format {
        Some(f) => f,
        None => match &global.output {
            Some(path) => format_of_path(path, REPORT_EXTENSIONS, Some(Format::Table))
                .map_err(|e| CliError::Usage(format!("{e}, or give `--format`")))?,
            None => Format::Table,
        },
    };
    match format {
        Format::Table => Ok(ReportOutput::Text(ReportFormat::Table)),
        Format::Json => Ok(ReportOutput::Text(ReportFormat::Json)),
        Format::Csv => Ok(ReportOutput::Text(ReportFormat::Csv)),
        Format::Markdown => Ok(ReportOutput::Text(ReportFormat::Markdown)),
        Format::Xlsx if global.output.is_none() => Err(CliError::Usage(
            "an xlsx workbook is a binary file: give `--output FILE.xlsx`".to_owned(),
        )),
        Format::Xlsx => Ok(ReportOutput::Xlsx),
        // `Context::new` and clap take only the formats of `REPORT_FORMATS` (and `diff`'s
        // comment, which it handles before asking).
        other => Err(CliError::Usage(format!(
            "`--format {}` does not apply to `{}`",
            other.name(),
            global.command
        ))),
    }
}

/// The extensions of `--output` that name a report format.
pub const REPORT_EXTENSIONS: &[(&str, Format)] = &[
    ("txt", Format::Table),
    ("json", Format::Json),
    ("csv", Format::Csv),
    ("md", Format::Markdown),
    ("markdown", Format::Markdown),
    ("xlsx", Format::Xlsx),
];

/// The format an output path's extension names, or `bare` for a path without one. An
/// extension that names none of `known` is an error that lists them.
pub fn format_of_path<T: Copy>(
    path: &Path,
    known: &[(&str, T)],
    bare: Option<T>,
) -> Result<T, CliError> {
    let ext = match (path.extension(), bare) {
        (Some(ext), _) => ext.to_string_lossy().to_ascii_lowercase(),
        (None, Some(format)) => return Ok(format),
        (None, None) => String::new(),
    };
    known
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<String> = known.iter().map(|(e, _)| format!("`.{e}`")).collect();
            CliError::Usage(format!(
                "`{}`: `.{ext}` names no format here; use {}",
                path.display(),
                names.join(", ")
            ))
        })
}

/// How a report leaves capplan: as text in a [`ReportFormat`], or as an Excel workbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportOutput {
    Text(ReportFormat),
    Xlsx,
}

/// Renders `doc` as `output` says and sends it to standard output or `--output`. Tables are
/// colored on a terminal unless `NO_COLOR` or `--color never` says otherwise.
pub fn emit_document(
    global: &Context,
    output: ReportOutput,
    doc: &Document,
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    emit_documents(global, output, &[(doc.report, doc)], stdout)
}

/// [`emit_document`] for a report of several parts: one sheet each in a workbook; text formats
/// render the first part only.
pub fn emit_documents(
    global: &Context,
    output: ReportOutput,
    parts: &[(&str, &Document)],
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    let bytes = match output {
        ReportOutput::Text(format) => {
            let color = use_color(
                global.color,
                global.output.is_none() && std::io::stdout().is_terminal(),
            );
            match parts.first() {
                Some((_, doc)) => render_styled(doc, format, color),
                None => Vec::new(),
            }
        }
        ReportOutput::Xlsx => {
            let title = parts
                .iter()
                .find_map(|(_, d)| d.title.clone())
                .unwrap_or_else(|| "capplan".to_owned());
            let mut book = xlsx::workbook(&title).map_err(workbook_error)?;
            for (name, doc) in parts {
                xlsx::add_document(&mut book, name, doc).map_err(workbook_error)?;
            }
            book.save_to_buffer()
                .map_err(|e| workbook_error(e.into()))?
        }
    };
    emit(global, &bytes, stdout)
}

fn workbook_error(e: xlsx::WorkbookError) -> CliError {
    CliError::Usage(e.to_string())
}

/// What a report is computed from: the catalog as loaded, and the scenarios to apply.
pub struct Inputs {
    pub baseline: Catalog,
    pub scenarios: Vec<Scenario>,
    /// The files read, for diagnostics that applying a scenario may raise.
    pub report: Report,
}

/// Loads the catalog and the scenario files and flags of the command line.
pub fn load_inputs(global: &Context) -> Result<Inputs, CliError> {
    let files = catalog_files(global)?;
    let mut report = Report::default();
    let label = files.label.clone();
    // Reports show no warnings, so only the checks that can fail them run.
    let catalog = catalog::load_owned(files, Checks::ErrorsOnly, &mut report);
    let Some(mut baseline) = catalog.filter(|_| !report.has_errors()) else {
        return Err(CliError::invalid(report, format!("catalog `{label}`")));
    };
    if !global.demand.is_empty() {
        for path in &global.demand {
            let name = path.display().to_string();
            let bytes = catalog::load::read_capped(path)?;
            let more = catalog::demand::read_demand(&name, bytes, &mut report);
            catalog::demand::merge(&mut baseline.workloads, more);
        }
        let mut found = Vec::new();
        catalog::validate::demand_checks(&baseline, &mut found);
        for d in found {
            report.push(d);
        }
        if report.has_errors() {
            return Err(CliError::invalid(report, "the demand"));
        }
    }
    let mut scenarios = Vec::new();
    for path in &global.scenarios {
        let name = path.display().to_string();
        let bytes = catalog::load::read_capped(path)?;
        scenarios.extend(scenario::read_scenario(&name, bytes, &mut report));
    }
    scenarios.extend(global.what_if.clone().to_scenario(&mut report.sources));
    if report.has_errors() {
        return Err(CliError::invalid(report, "a scenario"));
    }
    Ok(Inputs {
        baseline,
        scenarios,
        report,
    })
}

impl Inputs {
    /// The baseline with `scenarios` applied in order and validated.
    pub fn apply(&self, scenarios: &[Scenario]) -> Result<Catalog, CliError> {
        if scenarios.is_empty() {
            return Ok(self.baseline.clone());
        }
        let mut report = Report {
            sources: self.report.sources.clone(),
            diagnostics: Vec::new(),
        };
        scenario::apply_all(&self.baseline, scenarios, Checks::ErrorsOnly, &mut report).ok_or_else(
            || {
                let names: Vec<String> =
                    scenarios.iter().map(|s| format!("`{}`", s.name)).collect();
                CliError::invalid(
                    report,
                    format!("the catalog under scenario {}", names.join(" then ")),
                )
            },
        )
    }
}

/// Loads the catalog with every scenario of the command line applied, for the report commands.
pub fn load_catalog(global: &Context) -> Result<(Catalog, Vec<String>), CliError> {
    let mut inputs = load_inputs(global)?;
    let scenarios = std::mem::take(&mut inputs.scenarios);
    if scenarios.is_empty() {
        // The catalog as loaded: moved, not copied, which matters for large catalogs.
        return Ok((inputs.baseline, Vec::new()));
    }
    let names = scenarios.iter().map(|s| s.name.clone()).collect();
    Ok((inputs.apply(&scenarios)?, names))
}

fn unknown(what: &str, given: &str, known: &[&str]) -> CliError {
    let hint = match did_you_mean(given, known.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!(
            "known: {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    CliError::Usage(format!("unknown {what} `{given}`; {hint}"))
}

/// Resolves `--target`: the given id, or the first target.
pub fn resolve_target<'a>(
    catalog: &'a Catalog,
    id: Option<&str>,
) -> Result<Option<&'a Target>, CliError> {
    match id {
        None => Ok(catalog.targets.first()),
        Some(id) => catalog.target(id).map(Some).ok_or_else(|| {
            let known: Vec<&str> = catalog.targets.iter().map(|t| t.id.as_str()).collect();
            unknown("target", id, &known)
        }),
    }
}

/// Checks the filter options against the catalog: a filter that matches nothing is an error.
pub fn resolve_filter(catalog: &Catalog, scope: &ScopeArgs) -> Result<Filter, CliError> {
    let args = &scope.select;
    for p in &args.provider {
        if !catalog
            .contracts
            .iter()
            .any(|c| c.provider.eq_ignore_ascii_case(p))
        {
            let mut known: Vec<&str> = catalog
                .contracts
                .iter()
                .map(|c| c.provider.as_str())
                .collect();
            known.sort();
            known.dedup();
            return Err(unknown("provider", p, &known));
        }
    }
    for id in &args.contract {
        if catalog.contract(id).is_none() {
            let known: Vec<&str> = catalog.contracts.iter().map(|c| c.id.as_str()).collect();
            return Err(unknown("contract", id, &known));
        }
    }
    for id in &args.hardware {
        if catalog.hardware(id).is_none() {
            let known: Vec<&str> = catalog.hardware.iter().map(|h| h.id.as_str()).collect();
            return Err(unknown("hardware", id, &known));
        }
    }
    let precision = scope.precision.map(crate::catalog::Precision::from);
    if let Some(p) = precision
        && catalog.reference_tflops(p).is_none()
    {
        return Err(CliError::Usage(format!(
            "--precision {}: the compute reference `{}` has no `{}` figure, so nothing can be counted in its units; choose another precision or give `tflops.{}` on the reference",
            p.name(),
            catalog.portfolio.compute.reference,
            p.name(),
            p.name()
        )));
    }
    Ok(Filter {
        providers: args.provider.clone(),
        contracts: args.contract.clone(),
        hardware: args.hardware.clone(),
        signed_only: args.signed_only,
        basis: scope.basis.map_or(Basis::Accrual, Basis::from),
        precision,
        reforecast: None,
    })
}

/// Resolves `--from` and `--to` to a window of whole periods within the horizon.
pub fn resolve_window(
    catalog: &Catalog,
    grid: &Grid,
    args: &PeriodArgs,
) -> Result<(NaiveDate, NaiveDate), CliError> {
    let p = &catalog.portfolio;
    resolve_window_within(
        grid,
        args,
        "horizon",
        (p.horizon_start, p.horizon_end),
        &|from, to| {
            format!(
                "the window [{from}, {to}) is outside the horizon [{}, {}) of `portfolio.toml`; choose --from and --to within it, or widen `horizon`",
                p.horizon_start, p.horizon_end
            )
        },
    )
}

/// Resolves `--from` and `--to` to a window of whole periods within `[start, end)`, the
/// `span` (named so in messages), which is also the default window; `outside` words the error
/// for a window that leaves it.
pub fn resolve_window_within(
    grid: &Grid,
    args: &PeriodArgs,
    span: &str,
    (start, end): (NaiveDate, NaiveDate),
    outside: &dyn Fn(NaiveDate, NaiveDate) -> String,
) -> Result<(NaiveDate, NaiveDate), CliError> {
    let usage = |m: String| CliError::Usage(m);
    let from = match &args.from {
        None => grid.period_start(start),
        Some(text) => match grid
            .parse_bound(text)
            .map_err(|e| usage(format!("--from: {e}")))?
        {
            Bound::Date(d) => grid.period_start(d),
            Bound::Span(start, _) => grid.period_start(start),
        },
    };
    let last_end = grid
        .period_of(end.pred_opt().unwrap_or(end))
        .map_or(end, |q| q.end);
    let to = match &args.to {
        None => last_end,
        Some(text) => match grid
            .parse_bound(text)
            .map_err(|e| usage(format!("--to: {e}")))?
        {
            Bound::Date(d) => d,
            Bound::Span(start, end) => grid.period_of(start).map_or(end, |q| q.end.max(end)),
        },
    };
    if to <= from {
        return Err(usage(format!(
            "the window is empty: --from {} starts on {from}, but --to {} ends on {to}",
            args.from.as_deref().unwrap_or(&format!("({span} start)")),
            args.to.as_deref().unwrap_or(&format!("({span} end)"))
        )));
    }
    let earliest = grid.period_start(start);
    if from < earliest || to > last_end {
        return Err(usage(outside(from, to)));
    }
    Ok((from, to))
}

/// What a report command made: its document and the `--fail-if` gates that hold.
pub struct Produced {
    pub doc: Document,
    pub tripped: Vec<String>,
    /// The catalog's targets, the one the report measures against first.
    pub targets: Vec<Target>,
    /// The catalog's published figures, where the report covers the whole catalog; charts
    /// mark them.
    pub observed: Vec<Observation>,
}

/// The targets of `catalog`, `first` first.
pub fn targets_from(catalog: &Catalog, first: Option<&Target>) -> Vec<Target> {
    let mut out: Vec<Target> = first.into_iter().cloned().collect();
    out.extend(
        catalog
            .targets
            .iter()
            .filter(|t| first.is_none_or(|f| f.id != t.id))
            .cloned(),
    );
    out
}

impl Produced {
    /// Writes the report, says which gates hold and gives the exit code.
    pub fn finish(
        self,
        global: &Context,
        output: ReportOutput,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<u8, CliError> {
        emit_document(global, output, &self.doc, stdout)?;
        Ok(report_gates(&self.tripped, stderr))
    }
}

/// A catalog with the command line's scenarios applied and its target, filters and window
/// resolved: what the reports of one run are computed from.
pub struct Setting {
    pub catalog: Catalog,
    pub scenarios: Vec<String>,
    /// Index of the target in the catalog's targets.
    target: Option<usize>,
    pub filter: Filter,
    pub timeline: Timeline,
}

impl Setting {
    /// Loads the catalog and resolves the options.
    pub fn load(
        global: &Context,
        period: Option<&PeriodArgs>,
        filter: &FilterArgs,
    ) -> Result<Setting, CliError> {
        let (catalog, scenarios) = load_catalog(global)?;
        let target = resolve_target(&catalog, filter.target.as_deref())?
            .and_then(|t| catalog.targets.iter().position(|u| u.id == t.id));
        let filter = resolve_filter(&catalog, &filter.scope)?;
        let default_period = PeriodArgs {
            by: ByArg::Quarter,
            from: None,
            to: None,
        };
        let period = period.unwrap_or(&default_period);
        let grid = Grid::new(period.by.into(), catalog.portfolio.fiscal_year_start_month);
        let (from, to) = resolve_window(&catalog, &grid, period)?;
        let timeline = Timeline::new(&catalog, grid, from, to);
        Ok(Setting {
            catalog,
            scenarios,
            target,
            filter,
            timeline,
        })
    }

    /// The target the reports measure against.
    pub fn target(&self) -> Option<&Target> {
        self.target.map(|i| &self.catalog.targets[i])
    }

    /// What the report builders take.
    pub fn context(&self) -> build::Context<'_> {
        build::Context {
            catalog: &self.catalog,
            timeline: &self.timeline,
            filter: &self.filter,
            target: self.target(),
            scenarios: self.scenarios.clone(),
        }
    }
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

/// The catalog's observations where `filter` keeps every contract that they count, else none:
/// a published total is no mark for a part of the catalog.
pub fn observed_of(catalog: &Catalog, filter: &Filter) -> Vec<Observation> {
    let whole = filter.providers.is_empty()
        && filter.contracts.is_empty()
        && filter.hardware.is_empty()
        && !filter.signed_only;
    if whole {
        catalog.observed.clone()
    } else {
        Vec::new()
    }
}

/// Says which gates hold, on stderr, and gives the exit code: 3 if any does.
pub fn report_gates(tripped: &[String], stderr: &mut dyn Write) -> u8 {
    for message in tripped {
        let _ = writeln!(stderr, "error: --fail-if {message}");
    }
    if tripped.is_empty() {
        EXIT_OK
    } else {
        EXIT_GATE
    }
}
