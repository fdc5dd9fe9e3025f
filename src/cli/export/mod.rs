//! `capplan export`: the catalog's projection as files for other tools, one subcommand per
//! format. `export focus --output DIR` writes the FOCUS datasets of [`crate::report::focus`].
//!
//! Output safety: everything is computed before the file system is touched, and the files of
//! one export are written all or nothing ([`write_files_atomically`]). `--output` names the
//! folder; one that does not exist is created when its parent folder exists, and removed again
//! if the export then fails. A missing `--output`, a path that is not a folder, a folder that
//! cannot be created or written: exit code 2, and nothing written.

use std::io::Write;
use std::path::Path;

use clap::Subcommand;

use crate::catalog::value::{format_money_short, group_thousands};
use crate::cli::args::PeriodArgs;
use crate::cli::setting::{load_catalog, resolve_filter, resolve_window_within};
use crate::cli::{ByArg, CliError, Context, EXIT_OK, write_files_atomically};

pub mod xlsx;
use crate::engine::{Grid, Timeline};
use crate::report::build;
use crate::report::focus::{self, COMMITMENTS_VERSION, COSTS_VERSION};

/// The file `export focus` writes the costs dataset to.
pub const FOCUS_COSTS_FILE: &str = "focus-costs.csv";
/// The file `export focus` writes the contract commitment dataset to.
pub const FOCUS_COMMITMENTS_FILE: &str = "focus-contract-commitments.csv";

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ExportCommand,
}

/// The export formats.
#[derive(Debug, Clone, Subcommand)]
pub enum ExportCommand {
    /// FOCUS datasets for FinOps tools, as CSV files in the folder given with `--output DIR`
    ///
    /// `focus-costs.csv`: projected spend per contract and period (months by default), shaped
    /// like a FOCUS 1.2 cost and usage dataset. `focus-contract-commitments.csv`: each
    /// contract's value, or each payment of its schedule, shaped like the FOCUS 1.3 Contract
    /// Commitment dataset. Both are projections of committed spend, not bills. The folder is
    /// created if its parent exists; the two files are written all or nothing.
    Focus(FocusArgs),
    /// One Excel workbook: plan, capacity and spend by provider, contracts, the comparison
    /// with any scenarios given, and a native Excel chart of the capacity ramp
    Xlsx(xlsx::Args),
}

#[derive(Debug, Clone, clap::Args)]
pub struct FocusArgs {
    /// Period length: the charge and billing period of each cost row
    #[arg(long, value_enum, default_value_t = ByArg::Month)]
    pub by: ByArg,
    /// Start of the export: a period label (2026Q1, 2026-01, 2026, FY2026Q1) or a date
    /// [default: the first period of any exported contract or of the horizon]
    #[arg(long, value_name = "PERIOD|DATE")]
    pub from: Option<String>,
    /// End of the export: a period label, included, or a date, excluded [default: the last
    /// period of any exported contract or of the horizon]
    #[arg(long, value_name = "PERIOD|DATE")]
    pub to: Option<String>,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    /// What spend measures: as it accrues, as it is paid, or as the income statement expenses
    /// it [default: accrual]
    #[arg(long, value_enum)]
    pub basis: Option<crate::cli::args::BasisArg>,
    #[command(flatten)]
    pub catalog: crate::cli::args::CatalogArg,
    #[command(flatten)]
    pub scenario: crate::cli::args::ScenarioArgs,
    #[command(flatten)]
    pub format: crate::cli::args::FocusFormatArg,
    #[command(flatten)]
    pub output: crate::cli::args::OutputArg,
}

/// Runs `capplan export`.
/// Exports write files only: what each holds is said on standard error.
pub fn run(global: &Context, args: &Args, stderr: &mut dyn Write) -> Result<u8, CliError> {
    match &args.command {
        ExportCommand::Focus(a) => run_focus(global, a, stderr),
        ExportCommand::Xlsx(a) => xlsx::run(global, a, stderr),
    }
}

/// The folder an export writes to: `--output`, checked before any work is done.
fn output_folder<'a>(global: &'a Context, command: &str) -> Result<&'a Path, CliError> {
    let Some(dir) = global.output.as_deref() else {
        return Err(CliError::Usage(format!(
            "`{command}` needs `--output DIR`: the folder to write `{FOCUS_COSTS_FILE}` and `{FOCUS_COMMITMENTS_FILE}` into"
        )));
    };
    if dir.exists() {
        if !dir.is_dir() {
            return Err(CliError::Usage(format!(
                "`{}` is not a folder: `{command}` writes its files into the folder given with `--output`",
                dir.display()
            )));
        }
        for name in [FOCUS_COSTS_FILE, FOCUS_COMMITMENTS_FILE] {
            global.inputs.refuse(&dir.join(name))?;
        }
        return Ok(dir);
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(CliError::Usage(format!(
            "cannot create `{}`: its parent folder `{}` does not exist; `{command}` creates the output folder only inside an existing one",
            dir.display(),
            parent.display()
        )));
    }
    Ok(dir)
}

fn run_focus(global: &Context, args: &FocusArgs, stderr: &mut dyn Write) -> Result<u8, CliError> {
    const COMMAND: &str = "export focus";
    let dir = output_folder(global, COMMAND)?;
    let (catalog, scenarios) = load_catalog(global)?;
    let filter = resolve_filter(&catalog, &args.select.filter(args.basis, None, None).scope)?;
    let grid = Grid::new(args.by.into(), catalog.portfolio.fiscal_year_start_month);
    // By default, every period of every exported contract's term, so that each contract's rows
    // add up to its value; the horizon too, as in the reports.
    let p = &catalog.portfolio;
    let (mut start, mut end) = (p.horizon_start, p.horizon_end);
    for c in catalog.contracts.iter().filter(|c| filter.includes(c)) {
        start = start.min(c.start);
        end = end.max(c.end);
    }
    let period = PeriodArgs {
        by: args.by,
        from: args.from.clone(),
        to: args.to.clone(),
    };
    let (from, to) = resolve_window_within(&grid, &period, "export", (start, end), &|from, to| {
        format!(
            "the window [{from}, {to}) is outside the export's span [{start}, {end}), the horizon and the exported contracts' terms; choose --from and --to within it"
        )
    })?;
    let timeline = Timeline::new(&catalog, grid, from, to);
    let ctx = build::Context {
        catalog: &catalog,
        timeline: &timeline,
        filter: &filter,
        target: None,
        scenarios,
    };
    let export = focus::build(&ctx)?;
    let costs = export.costs_csv();
    let commitments = export.commitments_csv();
    write_files_atomically(
        dir,
        &[
            (FOCUS_COSTS_FILE, &costs),
            (FOCUS_COMMITMENTS_FILE, &commitments),
        ],
        &global.inputs,
    )?;

    let contracts = export
        .commitments
        .iter()
        .map(|r| &r.contract.id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let span = match (export.costs.first(), export.costs.last()) {
        (Some(a), Some(b)) if a.period == b.period => format!(", {}", a.period.label),
        (Some(a), Some(b)) => format!(", {} to {}", a.period.label, b.period.label),
        _ => String::new(),
    };
    let count = |n: usize| group_thousands(&n.to_string());
    let plural = |n: usize, one: &str, many: &str| {
        format!("{} {}", count(n), if n == 1 { one } else { many })
    };
    let _ = writeln!(
        stderr,
        "wrote `{}`: FOCUS {COSTS_VERSION}, {}, {} by {}{span}, {} of spend ({})",
        dir.join(FOCUS_COSTS_FILE).display(),
        plural(export.costs.len(), "row", "rows"),
        plural(contracts, "contract", "contracts"),
        crate::engine::By::from(args.by).name(),
        format_money_short(crate::engine::dollars(export.billed_cents())),
        export.scenario,
    );
    let _ = writeln!(
        stderr,
        "wrote `{}`: FOCUS {COMMITMENTS_VERSION} Contract Commitment, {}, {} committed",
        dir.join(FOCUS_COMMITMENTS_FILE).display(),
        plural(export.commitments.len(), "row", "rows"),
        format_money_short(export.committed()),
    );
    Ok(EXIT_OK)
}
