//! `capplan npv`: the present value of the contracts' cash flows (DESIGN.md section 10).
//! Glue: the engine values the flows ([`crate::engine::npv`]), the report builds the document.

use std::io::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::value::format_money_short;
use crate::cli::report::{
    BasisArg, ScopeArgs, emit_document, engine_error, load_catalog, report_format, resolve_filter,
};
use crate::cli::{CliError, EXIT_INVALID, EXIT_OK, GlobalArgs};
use crate::engine::npv::{Discount, contract_values, parse_rate, rounded_sum};
use crate::engine::{Basis, EngineError, Filter, GroupBy, dollars};
use crate::report::SummaryItem;
use crate::report::compare::Group;
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
    pub scope: ScopeArgs,
}

/// `--rate` as clap parses it.
pub fn parse_rate_arg(text: &str) -> Result<Decimal, String> {
    parse_rate(text).map_err(|e| e.to_string())
}

/// Runs `capplan npv`.
pub fn run(
    global: &GlobalArgs,
    args: &Args,
    color: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let format = report_format(global)?;
    crate::cli::gate::refuse(&global.fail_if, "npv")?;
    let basis = match args.scope.basis {
        None | Some(BasisArg::Cash) => Basis::Cash,
        Some(BasisArg::Accrual) => Basis::Accrual,
        Some(BasisArg::Expense) => {
            return Err(CliError::Usage(
                "`npv --basis expense`: present value discounts money that moves, `cash` (the default) or `accrual`; depreciation moves none".to_owned(),
            ));
        }
    };
    let Some((catalog, scenarios)) = load_catalog(global, color, stderr)? else {
        return Ok(EXIT_INVALID);
    };
    let mut filter = resolve_filter(&catalog, &args.scope)?;
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
    let values = match contract_values(&catalog, &filter, basis, &discount) {
        Ok(v) => v,
        Err(e) => return Ok(engine_error(&e, stderr)),
    };
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
    let doc = match doc {
        Ok(d) => d,
        Err(e) => return Ok(engine_error(&e, stderr)),
    };
    emit_document(global, format, &doc, stdout)?;
    Ok(EXIT_OK)
}

/// The present value of each group of `compare`, on one summary line: cash flows (or the daily
/// accrual with `--basis accrual`) from the baseline's horizon start, each group's figure and its
/// difference from the baseline. A slip that moves cash later shows as a loss of present value.
pub fn compared(
    groups: &[Group<'_>],
    filter: &Filter,
    basis: Option<BasisArg>,
    rate: Decimal,
) -> Result<SummaryItem, EngineError> {
    let basis = match basis {
        Some(BasisArg::Accrual) => Basis::Accrual,
        None | Some(BasisArg::Cash | BasisArg::Expense) => Basis::Cash,
    };
    let overflow = || EngineError {
        contract: String::new(),
        what: "a present value",
    };
    let valuation = groups
        .first()
        .map_or(NaiveDate::MIN, |g| g.catalog.portfolio.horizon_start);
    let discount = Discount::new(rate, valuation).ok_or_else(overflow)?;
    let mut parts = Vec::new();
    let mut json = serde_json::Map::new();
    let mut base: Option<i128> = None;
    for g in groups {
        let values = contract_values(g.catalog, filter, basis, &discount)?;
        let cents = rounded_sum(values.iter().map(|v| &v.present)).ok_or_else(overflow)?;
        let text = format_money_short(dollars(cents));
        match base {
            None => {
                base = Some(cents);
                parts.push(format!("{} {text}", g.name));
            }
            Some(b) => {
                let d = dollars(cents - b);
                let sign = if d.is_sign_negative() { "-" } else { "+" };
                parts.push(format!(
                    "{} {text} ({sign}{})",
                    g.name,
                    format_money_short(d.abs())
                ));
            }
        }
        json.insert(
            g.name.clone(),
            serde_json::json!(format!("{:.2}", dollars(cents))),
        );
    }
    Ok(SummaryItem {
        key: "npv_usd".into(),
        label: "present value".into(),
        text: format!(
            "at {} from {valuation} ({}): {}",
            rate_text(rate),
            basis.name(),
            parts.join("; ")
        ),
        json: json.into(),
    })
}
