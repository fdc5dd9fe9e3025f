//! From a parsed TOML document to the catalog's types, one file at a time.
//!
//! Only the shape of each file is checked here: keys, types and value formats. Everything that
//! relates one value to another (dates within terms, schedules that sum, hardware that exists)
//! is in [`super::validate`], so that it also runs after a scenario changes the catalog.
//!
//! One part per kind of file or table: `portfolio` reads `portfolio.toml` and its `[portfolio]`
//! and `[[target]]` tables, `hardware` its `[[hardware]]` profiles, `observed` its
//! `[[observed]]` figures, and `contract` a contract file with its tranches, spend schedule,
//! payment and actuals. The keys each table may have and the words each value may take are
//! here, shared with the schema and scenarios.

mod contract;
mod hardware;
mod observed;
mod portfolio;

use toml::Spanned;

use crate::catalog::model::*;

pub use contract::{contract, contract_table};
pub use hardware::{HardwarePatch, hardware_patch};
pub use portfolio::{PortfolioFile, PortfolioPatch, portfolio_file, portfolio_patch};

const PORTFOLIO_FILE_KEYS: &[&str] = &["portfolio", "target", "hardware", "observed"];
pub const PORTFOLIO_KEYS: &[&str] = &[
    "name",
    "currency",
    "horizon",
    "pue",
    "fiscal_year_start_month",
    "compute",
];
pub const HORIZON_KEYS: &[&str] = &["start", "end"];
/// The keys of `[portfolio] compute`.
pub const COMPUTE_KEYS: &[&str] = &["reference", "precision"];
const TARGET_KEYS: &[&str] = &["id", "name", "spend_usd", "power_gw", "h100e", "by"];
pub const HARDWARE_KEYS: &[&str] = &[
    "id",
    "name",
    "kind",
    "watts_per_unit",
    "rate_usd_per_hour",
    "tflops",
];
/// The keys of a hardware profile's `tflops`.
pub const TFLOPS_KEYS: &[&str] = &["bf16", "fp8", "fp4"];
/// The keys of an `[[observed]]`: the date, one measure, and what supports it.
pub const OBSERVED_KEYS: &[&str] = &[
    "date",
    "power_gw",
    "gpus",
    "cpus",
    "h100e",
    "cumulative_spend_usd",
    "contracted_usd",
    "tolerance",
    "source",
    "note",
];
/// The measures an observation may give, by key.
pub const MEASURES: &[(&str, Measure)] = &[
    ("power_gw", Measure::PowerGw),
    ("gpus", Measure::Gpus),
    ("cpus", Measure::Cpus),
    ("h100e", Measure::H100e),
    ("cumulative_spend_usd", Measure::CumulativeSpendUsd),
    ("contracted_usd", Measure::ContractedUsd),
];
/// The keys of a contract file.
pub const CONTRACT_KEYS: &[&str] = &[
    "id",
    "provider",
    "title",
    "announced",
    "start",
    "term",
    "end",
    "value_usd",
    "estimated",
    "status",
    "spend",
    "pue",
    "sources",
    "notes",
    "tranche",
    "spend_schedule",
    "payment",
    "ownership",
    "useful_life",
    "actuals",
];
/// The keys of a `[[tranche]]`.
pub const TRANCHE_KEYS: &[&str] = &[
    "id",
    "hardware",
    "units",
    "power_mw",
    "online_from",
    "online_by",
    "ramp",
    "until",
];
const SCHEDULE_KEYS: &[&str] = &["from", "to", "amount_usd"];
/// The keys of a contract's `payment` table.
pub const PAYMENT_KEYS: &[&str] = &["terms", "every", "lag"];
pub const ACTUALS_KEYS: &[&str] = &["match"];

pub const STATUSES: &[(&str, Status)] = &[
    ("signed", Status::Signed),
    ("non-binding", Status::NonBinding),
    ("cancelled", Status::Cancelled),
];
pub const SPEND_MODELS: &[(&str, SpendModel)] = &[
    ("straight-line", SpendModel::StraightLine),
    ("capacity-linked", SpendModel::CapacityLinked),
    ("schedule", SpendModel::Schedule),
];
pub const RAMPS: &[(&str, Ramp)] = &[
    ("linear", Ramp::Linear),
    ("s-curve", Ramp::SCurve),
    ("step", Ramp::Step),
];
pub const PAYMENT_TERMS: &[(&str, PaymentTerms)] = &[
    ("arrears", PaymentTerms::Arrears),
    ("advance", PaymentTerms::Advance),
    ("upfront", PaymentTerms::Upfront),
];
pub const OWNERSHIPS: &[(&str, Ownership)] =
    &[("leased", Ownership::Leased), ("owned", Ownership::Owned)];
pub const KINDS: &[(&str, HardwareKind)] =
    &[("gpu", HardwareKind::Gpu), ("cpu", HardwareKind::Cpu)];
pub const PRECISIONS: &[(&str, Precision)] = &[
    ("bf16", Precision::Bf16),
    ("fp8", Precision::Fp8),
    ("fp4", Precision::Fp4),
];
/// The only currency capplan plans in.
pub const CURRENCY: &str = "USD";

/// Records a value's span under `key` in the entity's origin and returns the value.
fn keep<T>(origin: &mut Origin, key: &'static str, value: Option<Spanned<T>>) -> Option<T> {
    value.map(|v| {
        origin.set_key(key, v.span());
        v.into_inner()
    })
}
