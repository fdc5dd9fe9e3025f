//! The argument groups that commands share: the window, which contracts count, what figures are
//! measured in, and each report command's own options.

use crate::cli::{ByArg, GroupByArg, PrecisionArg};
use crate::engine::{Basis, GroupBy};

/// The report window and period length.
#[derive(Debug, Clone, clap::Args)]
pub struct PeriodArgs {
    /// Period length
    #[arg(long, value_enum, default_value_t = ByArg::Quarter)]
    pub by: ByArg,
    /// Start of the window: a period label (2026Q1, 2026-01, 2026, FY2026Q1) or a date
    /// [default: the horizon's start]
    #[arg(long, value_name = "PERIOD|DATE")]
    pub from: Option<String>,
    /// End of the window: a period label, included, or a date, excluded [default: the
    /// horizon's end]
    #[arg(long, value_name = "PERIOD|DATE")]
    pub to: Option<String>,
}

/// Which contracts count, and the target to measure against.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// The target to measure against [default: the first in portfolio.toml]
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
}

/// Which contracts and tranches count, and what they are measured in.
#[derive(Debug, Clone, clap::Args)]
pub struct ScopeArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// What spend measures: as it accrues, as it is paid, or as the income statement expenses
    /// it [default: accrual; cash for `npv`]
    #[arg(long, value_enum)]
    pub basis: Option<BasisArg>,
    /// Count compute (H100e, exaFLOPS) at this precision [default: `[portfolio] compute`]
    #[arg(long, value_enum, value_name = "PRECISION")]
    pub precision: Option<PrecisionArg>,
}

/// `--basis`: what spend measures, as the command line spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BasisArg {
    /// Spend as it accrues, day by day over the term
    Accrual,
    /// Payments, on the day the contract's `payment` terms pay them
    Cash,
    /// Rent as it accrues, owned hardware depreciated over its `useful_life`
    Expense,
}

impl From<BasisArg> for Basis {
    fn from(b: BasisArg) -> Basis {
        match b {
            BasisArg::Accrual => Basis::Accrual,
            BasisArg::Cash => Basis::Cash,
            BasisArg::Expense => Basis::Expense,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub reforecast: crate::cli::actuals::ReforecastArgs,
}

/// `capplan capacity`: units, power and compute, so no `--basis` and no re-forecast of spend.
#[derive(Debug, Clone, clap::Args)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// How rows are grouped
    #[arg(long, value_enum, default_value_t = GroupByArg::Total)]
    pub group_by: GroupByArg,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Count compute (H100e, exaFLOPS) at this precision [default: `[portfolio] compute`]
    #[arg(long, value_enum, value_name = "PRECISION")]
    pub precision: Option<PrecisionArg>,
    /// The target to measure against [default: the first in portfolio.toml]
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
}

/// `capplan spend`: money, which belongs to a contract, so no hardware or tranche grouping and
/// no compute precision.
#[derive(Debug, Clone, clap::Args)]
pub struct SpendArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// How rows are grouped
    #[arg(long, value_enum, default_value_t = SpendGroupByArg::Total)]
    pub group_by: SpendGroupByArg,
    #[command(flatten)]
    pub select: SelectArgs,
    /// What spend measures: as it accrues, as it is paid, or as the income statement expenses
    /// it [default: accrual; cash for `npv`]
    #[arg(long, value_enum)]
    pub basis: Option<BasisArg>,
    /// The target to measure against [default: the first in portfolio.toml]
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    #[command(flatten)]
    pub reforecast: crate::cli::actuals::ReforecastArgs,
}

/// `--group-by` of `spend`: what spend can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SpendGroupByArg {
    Total,
    Provider,
    Contract,
}

impl From<SpendGroupByArg> for GroupBy {
    fn from(g: SpendGroupByArg) -> GroupBy {
        match g {
            SpendGroupByArg::Total => GroupBy::Total,
            SpendGroupByArg::Provider => GroupBy::Provider,
            SpendGroupByArg::Contract => GroupBy::Contract,
        }
    }
}

/// Which contracts and tranches count, without what they are measured in.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectArgs {
    /// Only this provider (repeatable)
    #[arg(long, value_name = "NAME")]
    pub provider: Vec<String>,
    /// Only this contract (repeatable)
    #[arg(long, value_name = "ID")]
    pub contract: Vec<String>,
    /// Only tranches of this hardware (repeatable)
    #[arg(long, value_name = "ID")]
    pub hardware: Vec<String>,
    /// Leave non-binding contracts (letters of intent) out
    #[arg(long)]
    pub signed_only: bool,
}

impl SelectArgs {
    /// The whole filter, with what the figures are measured in.
    pub fn filter(
        &self,
        basis: Option<BasisArg>,
        precision: Option<PrecisionArg>,
        target: Option<String>,
    ) -> FilterArgs {
        FilterArgs {
            scope: ScopeArgs {
                select: self.clone(),
                basis,
                precision,
            },
            target,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ContractsArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
}
