//! `capplan compare`: the baseline and each scenario side by side, per period, with the
//! differences, and when each target is met in each.
//!
//! Each `--scenario` file is one group, applied *alone* to the baseline: `compare` answers "what
//! does each change do", not "what do they do together" (for that, `plan` with several
//! `--scenario` files applies them in order). The quick what-if flags (`--delay`, `--scale`,
//! `--pue`, `--exclude`), if any, form one more group named `command line`. With no scenario at
//! all there is nothing to compare: exit 2. Group names must differ from each other and from
//! `baseline`, since JSON and CSV rows are told apart by them.
//!
//! The summary says, for every target of the portfolio (or only `--target`'s), in which period
//! each group meets it, one line per group (JSON: `summary["targets_met:GROUP"][TARGET]`, with
//! `met_in`, `met_by_deadline`, `spend_met_in` and `power_met_in` as in `plan`).
//!
//! Periods, window and targets are the baseline's: a scenario that changes the horizon or the
//! fiscal year is compared on the baseline's grid. Filters apply to every group alike; a
//! `--provider` or `--contract` only has to exist in one of them.

use std::io::Write;

use crate::cli::args::{FilterArgs, PeriodArgs};
use crate::cli::emit::{Produced, report_format};
use crate::cli::setting::{load_inputs, resolve_filter, resolve_target, resolve_window};
use crate::cli::{CliError, Context};
use crate::engine::{Grid, Timeline};
use crate::report::compare::{Group, compare};

/// `capplan compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub options: Options,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::ReportIo,
}

/// What `compare` and `chart compare` compare.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Also give each group's present value at this yearly rate (`8%` or `0.08`), from the
    /// horizon's start, with its difference from the baseline: of cash, or of the daily accrual
    /// with `--basis accrual`
    #[arg(long, value_name = "RATE", value_parser = crate::cli::npv::parse_rate_arg, allow_hyphen_values = true)]
    pub rate: Option<rust_decimal::Decimal>,
}

/// The group name of the catalog as loaded.
pub const BASELINE: &str = "baseline";

/// Runs `capplan compare`.
pub fn run(
    global: &Context,
    args: &Options,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    produce(global, args)?.finish(global, output, stdout, stderr)
}

/// Computes the comparison: [`run`] without the writing.
pub fn produce(global: &Context, args: &Options) -> Result<Produced, CliError> {
    // A gate over several groups, or over variants, would be ambiguous.
    let mut inputs = load_inputs(global)?;
    let scenarios = std::mem::take(&mut inputs.scenarios);
    if scenarios.is_empty() {
        return Err(CliError::Usage(
            "`compare` needs something to compare the baseline with: give `--scenario FILE` (repeatable) or a what-if flag such as `--delay provider:AWS=2q`".to_owned(),
        ));
    }
    // Scenario files come first, in the order given, then the flags' `command line`.
    let origin = |i: usize| {
        global.scenarios.get(i).map_or_else(
            || "the what-if flags".to_owned(),
            |p| format!("`{}`", p.display()),
        )
    };
    for (i, s) in scenarios.iter().enumerate() {
        if s.name == BASELINE {
            return Err(CliError::Usage(format!(
                "scenario {} is named `{BASELINE}`, which `compare` keeps for the catalog as loaded; rename it in its `[scenario]` table",
                origin(i)
            )));
        }
        if let Some(j) = scenarios[..i].iter().position(|t| t.name == s.name) {
            return Err(CliError::Usage(format!(
                "scenarios {} and {} are both named `{}`; `compare` tells them apart by name, so rename one in its `[scenario]` table",
                origin(j),
                origin(i),
                s.name
            )));
        }
    }
    let mut catalogs = Vec::with_capacity(scenarios.len());
    for s in &scenarios {
        catalogs.push((s.name.clone(), inputs.apply(std::slice::from_ref(s))?));
    }
    let baseline = &inputs.baseline;
    let target = resolve_target(baseline, args.filter.target.as_deref())?;
    // Without `--target`, the summary shows every target of the portfolio.
    let targets: Vec<_> = match args.filter.target {
        Some(_) => target.into_iter().collect(),
        None => baseline.targets.iter().collect(),
    };
    // A filter only has to match in one of the groups: a scenario may add a provider.
    let filter = match resolve_filter(baseline, &args.filter.scope) {
        Ok(f) => f,
        Err(e) => catalogs
            .iter()
            .find_map(|(_, c)| resolve_filter(c, &args.filter.scope).ok())
            .ok_or(e)?,
    };
    let grid = Grid::new(
        args.period.by.into(),
        baseline.portfolio.fiscal_year_start_month,
    );
    let (from, to) = resolve_window(baseline, &grid, &args.period)?;
    // One timeline for every group, long enough for the contracts of each, as `Timeline::new`
    // makes for one catalog.
    let (mut lo, mut hi) = (from, to);
    for c in std::iter::once(baseline).chain(catalogs.iter().map(|(_, c)| c)) {
        for k in &c.contracts {
            lo = lo.min(k.start);
            hi = hi.max(crate::catalog::finance::money_end(k).unwrap_or(k.end));
        }
    }
    let periods = grid.periods(lo, hi);
    let first = periods.partition_point(|p| p.end <= from);
    let last = periods.partition_point(|p| p.start < to);
    let timeline = Timeline {
        grid,
        periods,
        window: first..last.max(first),
    };
    let mut groups = vec![Group {
        name: BASELINE.to_owned(),
        catalog: baseline,
    }];
    groups.extend(catalogs.iter().map(|(name, c)| Group {
        name: name.clone(),
        catalog: c,
    }));
    // Present value is of cash unless the accrual is asked for: depreciation moves no money.
    let npv_basis = match args.filter.scope.basis {
        Some(crate::cli::args::BasisArg::Accrual) => crate::engine::Basis::Accrual,
        _ => crate::engine::Basis::Cash,
    };
    let doc = compare(&groups, &timeline, &filter, &targets).and_then(|mut doc| {
        if let Some(rate) = args.rate {
            doc.summary.push(crate::report::npv::compared(
                &groups, &filter, npv_basis, rate,
            )?);
        }
        Ok(doc)
    });
    let doc = doc?;
    Ok(Produced {
        doc,
        tripped: Vec::new(),
        targets: targets.into_iter().cloned().collect(),
        observed: Vec::new(),
    })
}
