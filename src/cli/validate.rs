//! `capplan validate [PATH]...`: load and check catalogs, contract files and scenario files,
//! and print every diagnostic. For CI: exit 1 on any error, or on any warning with `--strict`.
//! `sarif` and `gitlab` name files from the root of the git repository around the working
//! directory, as code scanning and merge requests expect.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::catalog::validate::Checks;
use crate::catalog::{self, CatalogFiles, LoadError};
use crate::cli::{CliError, Context, EXIT_INVALID, EXIT_OK, Format, catalog_files, emit};
use crate::diagnostic::Report;
use crate::report::diagnostics::{DiagnosticFormat, render_in};
use crate::report::repo::RepoPaths;
use crate::scenario::{self, looks_like_scenario};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Catalog folders or contract files [default: the catalog, as for every command]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Fail on warnings too
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub catalog: crate::cli::args::CatalogArg,
    #[command(flatten)]
    pub scenario: crate::cli::args::ScenarioArgs,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub format: crate::cli::args::ValidateFormatArg,
    #[command(flatten)]
    pub output: crate::cli::args::OutputArg,
}

/// Groups the given paths into catalogs: each folder is one, and files are read with the
/// `portfolio.toml` of their folder.
/// What the paths given to `validate` are: catalogs, and scenario files as `(name, bytes)`.
struct Inputs {
    /// Each catalog, and whether it is whole (a folder) rather than some of a folder's files.
    catalogs: Vec<(CatalogFiles, bool)>,
    scenarios: Vec<(String, Vec<u8>)>,
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    Ok(catalog::load::read_capped(path)?)
}

fn catalogs(paths: &[PathBuf]) -> Result<Inputs, CliError> {
    let mut out = Vec::new();
    let mut scenarios = Vec::new();
    let mut files_by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(crate::cli::not_there(
                    path,
                    "file or folder",
                    "given as a path to `validate`",
                ));
            }
            Err(source) => {
                return Err(LoadError::Io {
                    path: path.display().to_string(),
                    source,
                }
                .into());
            }
        };
        if meta.is_dir() {
            out.push((CatalogFiles::read_dir(path)?, true));
        } else if path.extension().is_some_and(|e| e == "toml") {
            let bytes = read(path)?;
            if std::str::from_utf8(&bytes).is_ok_and(looks_like_scenario) {
                scenarios.push((path.display().to_string(), bytes));
                continue;
            }
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            files_by_dir.entry(dir).or_default().push(path.clone());
        } else {
            return Err(LoadError::NotToml {
                path: path.display().to_string(),
            }
            .into());
        }
    }
    for (dir, files) in files_by_dir {
        out.push((CatalogFiles::read_files(&dir, &files)?, false));
    }
    Ok(Inputs {
        catalogs: out,
        scenarios,
    })
}

pub fn run(
    global: &Context,
    args: &Args,
    color: bool,
    stdout: &mut dyn std::io::Write,
) -> Result<u8, CliError> {
    let format = match global.format {
        None | Some(Format::Human) | Some(Format::Table) => DiagnosticFormat::Human,
        Some(Format::Json) => DiagnosticFormat::Json,
        Some(Format::Github) => DiagnosticFormat::Github,
        Some(Format::Sarif) => DiagnosticFormat::Sarif,
        Some(Format::Gitlab) => DiagnosticFormat::Gitlab,
        // `Context::new` and clap take only the formats of `VALIDATE_FORMATS`.
        Some(other) => {
            return Err(CliError::Usage(format!(
                "`--format {}` does not apply to `validate`",
                other.name()
            )));
        }
    };
    let mut inputs = if args.paths.is_empty() {
        Inputs {
            catalogs: vec![(catalog_files(global)?, true)],
            scenarios: Vec::new(),
        }
    } else {
        catalogs(&args.paths)?
    };
    if inputs.catalogs.is_empty() && inputs.scenarios.is_empty() {
        inputs.catalogs.push((catalog_files(global)?, true));
    }
    let mut report = Report::default();
    let mut labels = Vec::new();
    for (set, whole) in inputs.catalogs {
        labels.push(set.label.clone());
        let folder = Path::new(&set.label).join("actuals");
        let valid = catalog::load_owned(set, Checks::All, &mut report);
        // Published figures are totals: some of a catalog's files cannot be held to them.
        if let Some(valid) = valid.filter(|_| whole) {
            observations(&valid, &mut report);
            projection_overflows(&valid, &mut report);
            // A catalog folder's actuals: every cost file and `deliveries.csv` (docs/actuals.md).
            if folder.is_dir() {
                let (_, found) = crate::actuals::attribute::load(
                    &valid,
                    &folder,
                    crate::actuals::focus::CostColumn::Billed,
                    None,
                    crate::actuals::cache::Cache::from_env().as_ref(),
                );
                for d in found {
                    report.push(d);
                }
            }
        }
    }
    // `--demand` files are checked against the catalog every command uses, as they apply; their
    // workloads are also those the scenarios below apply to, as in every command.
    let mut demand = Vec::new();
    if !global.demand.is_empty() {
        let files = catalog_files(global)?;
        labels.push(files.label.clone());
        let mut base = Report::default();
        if let Some(mut baseline) = catalog::load_owned(files, Checks::ErrorsOnly, &mut base) {
            for path in &global.demand {
                let name = path.display().to_string();
                labels.push(name.clone());
                let bytes = read(path)?;
                let more = catalog::demand::read_demand(&name, bytes, &mut report);
                catalog::demand::merge(&mut demand, more.clone());
                catalog::demand::merge(&mut baseline.workloads, more);
            }
            let mut found = Vec::new();
            catalog::validate::demand_checks(&baseline, &mut found);
            for d in found {
                report.push(d);
            }
        }
    }
    // Scenario files, given as paths or with `--scenario`, and the what-if flags are checked
    // against the catalog every command uses: each path on its own, the others in order.
    let mut in_order = Vec::new();
    for path in &global.scenarios {
        in_order.push((path.display().to_string(), read(path)?));
    }
    let flags = global.what_if.clone();
    if !inputs.scenarios.is_empty() || !in_order.is_empty() || !flags.is_empty() {
        let files = catalog_files(global)?;
        labels.push(files.label.clone());
        if let Some(mut baseline) = catalog::load_owned(files, Checks::All, &mut report) {
            catalog::demand::merge(&mut baseline.workloads, demand);
            for (name, bytes) in inputs.scenarios {
                labels.push(name.clone());
                if let Some(s) = scenario::read_scenario(&name, bytes, &mut report) {
                    let scenarios = std::slice::from_ref(&s);
                    if let Some(applied) =
                        scenario::apply_all(&baseline, scenarios, Checks::All, &mut report)
                    {
                        risk_warnings(&applied, scenarios, &mut report);
                        projection_overflows(&applied, &mut report);
                    }
                }
            }
            let mut sequence = Vec::new();
            for (name, bytes) in in_order {
                labels.push(name.clone());
                sequence.extend(scenario::read_scenario(&name, bytes, &mut report));
            }
            sequence.extend(flags.to_scenario(&mut report.sources));
            if !sequence.is_empty()
                && !report.has_errors()
                && let Some(applied) =
                    scenario::apply_all(&baseline, &sequence, Checks::All, &mut report)
            {
                risk_warnings(&applied, &sequence, &mut report);
                projection_overflows(&applied, &mut report);
            }
        }
    }
    // Each catalog or file once, in the order first checked.
    let mut seen = std::collections::HashSet::new();
    labels.retain(|l| seen.insert(l.clone()));
    report.sort();
    let mut out = Vec::new();
    render_in(&report, format, color, &repo_paths(), &mut out).map_err(CliError::Stdout)?;
    if format == DiagnosticFormat::Human {
        out.extend_from_slice(summary(&report, &labels, args.strict).as_bytes());
    }
    emit(global, &out, stdout)?;
    let failed = report.has_errors() || (args.strict && report.warnings() > 0);
    Ok(if failed { EXIT_INVALID } else { EXIT_OK })
}

/// The `slip-outside-term` warnings of the `[[risk]]` entries of `scenarios` on `applied`, the
/// catalog they apply to, as `capplan risk` prints them.
fn risk_warnings(
    applied: &catalog::Catalog,
    scenarios: &[scenario::Scenario],
    report: &mut Report,
) {
    let risks: Vec<scenario::Risk> = scenarios
        .iter()
        .flat_map(|s| s.risks.iter().cloned())
        .collect();
    // A selector that matches nothing is reported as such when the scenario is applied.
    if let Ok(found) = crate::engine::risk_term::slips_leaving_term(applied, &risks) {
        for d in found {
            report.push(d);
        }
    }
}

/// Paths from the root of the git repository around the working directory; without one, or
/// without a working directory, from the working directory.
fn repo_paths() -> RepoPaths {
    std::env::current_dir()
        .map(|cwd| RepoPaths::discover(&cwd))
        .unwrap_or_default()
}

/// The `observation-mismatch` warnings of a valid, whole catalog: its projection against its
/// published figures. A scenario is a what-if, so only catalogs as written are checked.
/// The overflows a report would hit: `validate` projects the catalog as `plan` does, over the
/// horizon by quarter and by year (totals, which bound every group's figures, and compute), and
/// measures every contract as `contracts` does; an overflow is reported at the contract whose
/// figures overflow.
fn projection_overflows(catalog: &catalog::Catalog, report: &mut Report) {
    let mut push = |e: crate::engine::EngineError| {
        let d = e.diagnostic(catalog);
        let seen = report
            .diagnostics
            .iter()
            .any(|x| x.code == d.code && x.message == d.message);
        if !seen {
            report.push(d);
        }
    };
    let filter = crate::engine::Filter::default();
    for by in [crate::engine::By::Quarter, crate::engine::By::Year] {
        let grid = crate::engine::Grid::new(by, catalog.portfolio.fiscal_year_start_month);
        let p = &catalog.portfolio;
        let timeline = crate::engine::Timeline::new(catalog, grid, p.horizon_start, p.horizon_end);
        let ctx = crate::report::build::Context {
            catalog,
            timeline: &timeline,
            filter: &filter,
            target: catalog.targets.first(),
            scenarios: Vec::new(),
        };
        if let Err(e) = crate::report::build::plan(&ctx) {
            push(e);
        }
        if by == crate::engine::By::Year
            && let Err(e) = crate::report::build::contracts(&ctx)
        {
            push(e);
        }
    }
}

fn observations(catalog: &catalog::Catalog, report: &mut Report) {
    match crate::engine::observe::mismatches(catalog) {
        Ok(found) => {
            for d in found {
                report.push(d);
            }
        }
        Err(e) => report.push(crate::diagnostic::Diagnostic::new(
            crate::diagnostic::Code::Overflow,
            catalog.portfolio.origin.whole(),
            format!("projecting the observations: {e}"),
        )),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary(report: &Report, labels: &[String], strict: bool) -> String {
    let files = plural(report.sources.len(), "file", "files");
    let what = labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (errors, warnings) = (report.errors(), report.warnings());
    if errors == 0 && warnings == 0 {
        format!("ok: {what}: {files} valid, no errors, no warnings\n")
    } else {
        format!(
            "{}: {what}: {files} checked, {}, {}\n",
            match (errors, strict) {
                (0, false) => "ok",
                (0, true) => "failed (--strict: a warning fails)",
                _ => "failed",
            },
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings")
        )
    }
}
