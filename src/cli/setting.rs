//! What the report commands compute from: the catalog with the demand, scenario files and
//! what-if flags of the command line, and the target, filters and window resolved against it.

use chrono::NaiveDate;

use crate::catalog::reader::did_you_mean;
use crate::catalog::validate::Checks;
use crate::catalog::{self, Catalog, Observation, Target};
use crate::cli::ByArg;
use crate::cli::args::{FilterArgs, PeriodArgs, ScopeArgs};
use crate::cli::{CliError, Context, catalog_cached, catalog_files};
use crate::diagnostic::Report;
use crate::engine::{Basis, Bound, Filter, Grid, Timeline};
use crate::report::build;
use crate::scenario::{self, Scenario};

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
    // Reports show no warnings, so only the checks that can fail them run. A folder read again
    // unchanged comes from the catalog cache; the built-in catalog loads in a blink.
    let cache = catalog_cached(global)
        .then(catalog::cache::Cache::from_env)
        .flatten();
    let catalog = match cache {
        Some(cache) => cache.load(files, &mut report),
        None => catalog::load_owned(files, Checks::ErrorsOnly, &mut report),
    };
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
        Setting::of(catalog, scenarios, period, filter)
    }

    /// Resolves the options against a catalog already loaded, under `scenarios` (their names).
    pub fn of(
        catalog: Catalog,
        scenarios: Vec<String>,
        period: Option<&PeriodArgs>,
        filter: &FilterArgs,
    ) -> Result<Setting, CliError> {
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
