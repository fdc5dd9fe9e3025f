//! The argument groups that commands share: the window, which contracts count, what figures are
//! measured in, each report command's own options, and the options of inputs and output.

use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::cli::{ByArg, Format, GroupByArg, PrecisionArg};
use crate::engine::{Basis, GroupBy};
use crate::gate::Gate;
use crate::scenario::Selector;
use crate::scenario::flags::{DelayFlag, ScaleFlag, parse_factor};

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
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// The target to measure against [default: the first in portfolio.toml]
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
}

/// Which contracts and tranches count, and what they are measured in.
#[derive(Debug, Clone, Default, clap::Args)]
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
    #[command(flatten)]
    pub demand: DemandArgs,
    #[command(flatten)]
    pub io: ReportIo,
    #[command(flatten)]
    pub gate: GateArg,
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
    #[command(flatten)]
    pub demand: DemandArgs,
    #[command(flatten)]
    pub io: ReportIo,
    #[command(flatten)]
    pub gate: GateArg,
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
    #[command(flatten)]
    pub demand: DemandArgs,
    #[command(flatten)]
    pub io: ReportIo,
    #[command(flatten)]
    pub gate: GateArg,
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
#[derive(Debug, Clone, Default, clap::Args)]
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
    #[command(flatten)]
    pub demand: DemandArgs,
    #[command(flatten)]
    pub io: ReportIo,
    #[command(flatten)]
    pub gate: GateArg,
}

// The options of the inputs and the output. Each command flattens the groups that mean something
// for it, so its `--help` lists those and clap refuses the rest; the same options may stand before
// the command's name ([`crate::cli::Before`]), and [`crate::cli::Context::new`] joins both.

/// `--catalog`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CatalogArg {
    /// Catalog folder [default: $CAPPLAN_CATALOG, else ./contracts if it exists, else the
    /// catalog built into capplan]
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    pub catalog: Option<PathBuf>,
}

/// `--scenario` and the what-if flags of the supply.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ScenarioArgs {
    /// Apply a scenario file (repeatable: applied in the order given)
    #[arg(long = "scenario", value_name = "FILE", help_heading = "Inputs")]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub what_if: WhatIfArgs,
}

/// Quick what-ifs of the supply without a file, applied after the scenario files.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WhatIfArgs {
    /// Delay the selected tranches: SELECTOR=DURATION, such as `provider:AWS=2q` (repeatable)
    #[arg(long, value_name = "SELECTOR=DURATION", help_heading = "What-if")]
    pub delay: Vec<DelayFlag>,
    /// Scale units and value: SELECTOR=FACTOR, such as `oracle-2025=0.8` (repeatable)
    #[arg(long, value_name = "SELECTOR=FACTOR", help_heading = "What-if")]
    pub scale: Vec<ScaleFlag>,
    /// Replace the portfolio's PUE
    #[arg(long, value_name = "X", value_parser = parse_factor, help_heading = "What-if")]
    pub pue: Option<Decimal>,
    /// Leave the selected contracts out, as if cancelled (repeatable)
    #[arg(long, value_name = "SELECTOR", value_parser = parse_selector, help_heading = "What-if")]
    pub exclude: Vec<Selector>,
}

/// `--demand` and `--demand-scale`: where the workloads come from, and their what-if.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DemandArgs {
    /// Read workloads from a demand file besides the catalog's `demand.toml` (repeatable; a
    /// workload id given again replaces the earlier one)
    #[arg(long = "demand", value_name = "FILE", help_heading = "Inputs")]
    pub demand: Vec<PathBuf>,
    /// Scale every workload's demand: levels, work and caps
    #[arg(long, value_name = "X", value_parser = parse_factor, help_heading = "What-if")]
    pub demand_scale: Option<Decimal>,
}

/// `--output`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutputArg {
    /// Write the output to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// `--fail-if`, on the commands that have figures to gate.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GateArg {
    /// Exit with code 3 after writing the report if EXPR holds, such as `gw@2027Q4<10`,
    /// `spend@2026>60B` or `target-met>2030Q4` (repeatable; the grammar is in `capplan man`)
    #[arg(long = "fail-if", value_name = "EXPR", help_heading = "Output")]
    pub fail_if: Vec<Gate>,
}

/// The formats of a report: `plan`, `capacity`, `spend`, ...
pub const REPORT_FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Csv,
    Format::Markdown,
    Format::Xlsx,
];
/// The formats of `validate`'s diagnostics (`table` is read as `human`).
pub const VALIDATE_FORMATS: &[Format] = &[
    Format::Human,
    Format::Json,
    Format::Github,
    Format::Sarif,
    Format::Gitlab,
    Format::Table,
];
/// The formats of `diff`: a report's, or a pull-request comment.
pub const DIFF_FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Csv,
    Format::Markdown,
    Format::Xlsx,
    Format::GithubComment,
];
/// The format of `export focus`: CSV files.
pub const FOCUS_FORMATS: &[Format] = &[Format::Csv];

/// A `--format` parser that takes only `allowed`, so `--help` lists those and clap refuses the
/// rest. `validate`'s `table` is accepted and not listed: it is `human`.
fn formats(allowed: &'static [Format]) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::ValueEnum;
    use clap::builder::TypedValueParser;
    let values = allowed.iter().filter_map(|f| {
        let value = f.to_possible_value()?;
        Some(if allowed == VALIDATE_FORMATS && *f == Format::Table {
            value.hide(true)
        } else {
            value
        })
    });
    clap::builder::PossibleValuesParser::new(values)
        .map(|name: String| Format::from_str(&name, false).expect("a possible value is a format"))
}

/// `--format` of a report command [default: table, or the `--output` file's extension].
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReportFormatArg {
    /// Output format [default: the extension of --output (.txt .json .csv .md .xlsx), else table]
    #[arg(long, value_parser = formats(REPORT_FORMATS), help_heading = "Output")]
    pub format: Option<Format>,
}

/// `--format` of `validate`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ValidateFormatArg {
    /// Output format [default: human]
    #[arg(long, value_parser = formats(VALIDATE_FORMATS), help_heading = "Output")]
    pub format: Option<Format>,
}

/// `--format` of `diff`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DiffFormatArg {
    /// Output format [default: the extension of --output, else table]
    #[arg(long, value_parser = formats(DIFF_FORMATS), help_heading = "Output")]
    pub format: Option<Format>,
}

/// `--format` of `export focus`, which writes CSV only.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FocusFormatArg {
    /// Output format: the datasets are CSV files
    #[arg(long, value_parser = formats(FOCUS_FORMATS), help_heading = "Output")]
    pub format: Option<Format>,
}

/// The options of a report command's inputs and output, which most commands take whole
/// (`--demand` is a group of its own, on the commands whose figures it changes).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReportIo {
    #[command(flatten)]
    pub catalog: CatalogArg,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub format: ReportFormatArg,
    #[command(flatten)]
    pub output: OutputArg,
}

impl ReportIo {
    /// What this group takes, for [`crate::cli::Context::new`].
    pub fn takes<'a>(
        &'a self,
        command: &'static str,
        demand: Option<&'a DemandArgs>,
        gate: Option<&'a GateArg>,
    ) -> Takes<'a> {
        Takes {
            format: Some((self.format.format, REPORT_FORMATS)),
            ..Takes::inputs_and_output(
                command,
                &self.catalog,
                &self.scenario,
                &self.output,
                demand,
                gate,
            )
        }
    }
}

/// The shared options a command takes, each `None` where it takes none of that kind: what
/// [`crate::cli::Context::new`] joins with the options given before the command's name.
#[derive(Debug, Default)]
pub struct Takes<'a> {
    /// The command's name, as the command line spells it (`export xlsx`).
    pub command: &'static str,
    pub catalog: Option<&'a CatalogArg>,
    pub scenario: Option<&'a ScenarioArgs>,
    pub demand: Option<&'a DemandArgs>,
    /// The format given after the command, and the formats it writes.
    pub format: Option<(Option<Format>, &'static [Format])>,
    pub output: Option<&'a OutputArg>,
    pub gate: Option<&'a GateArg>,
}

impl<'a> Takes<'a> {
    /// A command that reads a catalog and scenarios and writes `--output`, with no `--format`.
    fn inputs_and_output(
        command: &'static str,
        catalog: &'a CatalogArg,
        scenario: &'a ScenarioArgs,
        output: &'a OutputArg,
        demand: Option<&'a DemandArgs>,
        gate: Option<&'a GateArg>,
    ) -> Self {
        Takes {
            command,
            catalog: Some(catalog),
            scenario: Some(scenario),
            demand,
            format: None,
            output: Some(output),
            gate,
        }
    }
}

pub(crate) fn parse_selector(text: &str) -> Result<Selector, String> {
    Selector::parse(text).ok_or_else(|| {
        format!("`{text}` is not a selector: write a contract id, `provider:NAME`, `hardware:ID`, `tranche:CONTRACT/TRANCHE` or `*`")
    })
}

/// The options of a command that writes a file of its own kind (a chart, a page, a workbook):
/// its inputs and `--output`, and no `--format` (`--demand` is a group of its own).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FileIo {
    #[command(flatten)]
    pub catalog: CatalogArg,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub output: OutputArg,
}

impl FileIo {
    /// What this group takes, for [`crate::cli::Context::new`].
    pub fn takes<'a>(
        &'a self,
        command: &'static str,
        demand: Option<&'a DemandArgs>,
        gate: Option<&'a GateArg>,
    ) -> Takes<'a> {
        Takes::inputs_and_output(
            command,
            &self.catalog,
            &self.scenario,
            &self.output,
            demand,
            gate,
        )
    }
}
