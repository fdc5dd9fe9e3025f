//! `capplan npv`: the present value of the contracts' cash flows (docs/finance.md).
//! Glue: the engine values the flows ([`crate::engine::npv`]), the report builds the document.

use std::io::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::cli::args::BasisArg;
use crate::cli::emit::{emit_document, report_format};
use crate::cli::setting::{load_catalog, resolve_filter};
use crate::cli::{CliError, Context, EXIT_OK};
use crate::engine::npv::{Discount, contract_values, parse_rate};
use crate::engine::{Basis, GroupBy};
use crate::report::npv::{NpvInputs, npv, rate_text};

/// `--group-by` of `npv`: present value belongs to a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum NpvGroupBy {
    Total,
    Provider,
    Contract,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The yearly discount rate: a percentage such as `8%` or a fraction such as `0.08`
    #[arg(long, value_name = "RATE", value_parser = parse_rate_arg, allow_hyphen_values = true)]
    pub rate: Decimal,
    /// The day flows are discounted to; earlier flows are left out [default: the horizon's start]
    #[arg(long, value_name = "DATE")]
    pub valuation_date: Option<NaiveDate>,
    /// How rows are grouped; a total row follows
    #[arg(long, value_enum, default_value_t = NpvGroupBy::Contract)]
    pub group_by: NpvGroupBy,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    /// What spend measures: as it accrues, as it is paid, or as the income statement expenses
    /// it [default: cash]
    #[arg(long, value_enum)]
    pub basis: Option<BasisArg>,
    #[command(flatten)]
    pub catalog: crate::cli::args::CatalogArg,
    #[command(flatten)]
    pub scenario: crate::cli::args::ScenarioArgs,
    #[command(flatten)]
    pub format: crate::cli::args::ReportFormatArg,
    #[command(flatten)]
    pub output: crate::cli::args::OutputArg,
}

/// `--rate` as clap parses it.
pub fn parse_rate_arg(text: &str) -> Result<Decimal, String> {
    parse_rate(text).map_err(|e| e.to_string())
}

/// Runs `capplan npv`.
pub fn run(
    global: &Context,
    args: &Args,
    stdout: &mut dyn Write,
    _stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let format = report_format(global)?;
    let scope = args.select.filter(args.basis, None, None).scope;
    let basis = match scope.basis {
        None | Some(BasisArg::Cash) => Basis::Cash,
        Some(BasisArg::Accrual) => Basis::Accrual,
        Some(BasisArg::Expense) => {
            return Err(CliError::Usage(
                "`npv --basis expense`: present value discounts money that moves, `cash` (the default) or `accrual`; depreciation moves none".to_owned(),
            ));
        }
    };
    let (catalog, scenarios) = load_catalog(global)?;
    let mut filter = resolve_filter(&catalog, &scope)?;
    filter.basis = basis;
    let valuation = args
        .valuation_date
        .unwrap_or(catalog.portfolio.horizon_start);
    let discount = Discount::new(args.rate, valuation).ok_or_else(|| {
        CliError::Usage(format!(
            "--rate {}: no discount factor can be computed at this rate",
            rate_text(args.rate)
        ))
    })?;
    let values = contract_values(&catalog, &filter, basis, &discount)?;
    if !values.is_empty() && values.iter().all(|v| v.last_flow.is_none()) {
        let last = catalog
            .contracts
            .iter()
            .filter(|c| filter.includes(c))
            .filter_map(|c| crate::catalog::finance::money_end(c).and_then(|d| d.pred_opt()))
            .max();
        return Err(CliError::Usage(format!(
            "--valuation-date {valuation} is after every flow of the contracts in scope{}; nothing is left to value",
            last.map_or_else(String::new, |d| format!(" (the last is on or before {d})"))
        )));
    }
    let group_by = match args.group_by {
        NpvGroupBy::Total => GroupBy::Total,
        NpvGroupBy::Provider => GroupBy::Provider,
        NpvGroupBy::Contract => GroupBy::Contract,
    };
    let doc = npv(&NpvInputs {
        catalog: &catalog,
        values: &values,
        group_by,
        rate: args.rate,
        valuation,
        basis,
        scenarios,
    });
    let doc = doc?;
    emit_document(global, format, &doc, stdout)?;
    Ok(EXIT_OK)
}
