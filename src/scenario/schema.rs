//! The JSON Schema of a scenario file, for editors (see [`crate::catalog::schema`], whose value
//! formats and contract format it shares). `tests/schema.rs` holds it to the scenario reader in
//! [`super::parse`] key by key.

use std::borrow::Cow;

use schemars::generate::SchemaGenerator;
use schemars::{JsonSchema, Schema, json_schema};

use crate::catalog::schema::{
    self as catalog, ContractFile, DURATION_PATTERN, Duration, Hardware, ID_PATTERN, Id, Number,
    PortfolioTable, Ramp, SpendModelName, Status, Term,
};

/// The schema of a scenario file.
pub fn scenario() -> Schema {
    catalog::finish(catalog::generator().into_root_schema_for::<ScenarioFile>())
}

/// A selector (`Selector::parse`): `*`, a contract id, `contract:ID`, `provider:NAME`,
/// `hardware:ID`, `tranche:CONTRACT/TRANCHE` or `workload:ID` (`workload:*`), with whitespace
/// around the parts ignored.
pub fn selector_pattern() -> String {
    let id = ID_PATTERN.trim_start_matches('^').trim_end_matches('$');
    format!(
        r"^\s*(\*|{id}|contract\s*:\s*{id}|provider\s*:.*\S.*|hardware\s*:\s*{id}|tranche\s*:\s*{id}/{id}|workload\s*:\s*(\*|{id}))\s*$"
    )
}

/// A slip distribution (`parse_slip`): `fixed(A)`, `uniform(A, B)` or
/// `triangular(MIN, MODE, MAX)` of durations. The order of the bounds is checked by the loader
/// only.
pub fn distribution_pattern() -> String {
    let d = DURATION_PATTERN
        .trim_start_matches(r"^\s*")
        .trim_end_matches(r"\s*$");
    let arg = format!(r"\s*{d}\s*");
    format!(
        r"^\s*(fixed\s*\({arg}\)|uniform\s*\({arg},{arg}\)|triangular\s*\({arg},{arg},{arg}\))\s*$"
    )
}

/// Which contracts and tranches an entry applies to.
pub struct Selector;

impl JsonSchema for Selector {
    fn schema_name() -> Cow<'static, str> {
        "Selector".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "What the entry applies to: a contract id (`aws-2025`, or `contract:aws-2025`), `provider:NAME` (every contract of a counterparty, case-insensitive), `hardware:ID` (every tranche of a hardware profile), `tranche:CONTRACT/TRANCHE` (one tranche) or `*` (everything). A selector that matches nothing is an error.",
            "type": "string",
            "pattern": selector_pattern(),
        })
    }
}

/// A slip distribution such as `"triangular(0d, 2m, 9m)"`.
pub struct Distribution;

impl JsonSchema for Distribution {
    fn schema_name() -> Cow<'static, str> {
        "Distribution".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A distribution of delivery slips, in durations: `\"fixed(A)\"`, `\"uniform(A, B)\"` (A <= B) or `\"triangular(MIN, MODE, MAX)\"` (MIN <= MODE <= MAX, MIN < MAX), such as `\"triangular(0d, 2m, 9m)\"`. Each sample draws whole days.",
            "type": "string",
            "pattern": distribution_pattern(),
        })
    }
}

/// `[portfolio]` in a scenario: any of the portfolio's fields, each replacing the catalog's.
pub struct PortfolioPatch;

impl JsonSchema for PortfolioPatch {
    fn schema_name() -> Cow<'static, str> {
        "PortfolioPatch".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = PortfolioTable::json_schema(generator);
        schema.remove("required");
        schema.insert(
            "description".into(),
            "`[portfolio]`: any of the portfolio's fields, each replacing the catalog's, such as `pue = 1.4`.".into(),
        );
        schema
    }
}

/// `[[hardware]]` in a scenario: a profile by id, whose given fields replace its own.
pub struct HardwarePatch;

impl JsonSchema for HardwarePatch {
    fn schema_name() -> Cow<'static, str> {
        "HardwarePatch".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = Hardware::json_schema(generator);
        schema.insert("required".into(), serde_json::json!(["id"]));
        schema.insert(
            "description".into(),
            "`[[hardware]]`: a profile by `id`; the fields given replace its own. A new id must give every field of a profile (`kind`, `watts_per_unit`, `rate_usd_per_hour`).".into(),
        );
        schema
    }
}

/// A scenario file: changes to the catalog, applied in memory by `--scenario FILE`; the files on
/// disk are never touched.
#[derive(JsonSchema)]
#[schemars(title = "capplan scenario file", deny_unknown_fields)]
pub struct ScenarioFile {
    /// The scenario's name and description; its presence makes the file a scenario.
    pub scenario: ScenarioTable,
    /// Changes to selected contracts and tranches, applied in order: `[[adjust]]` tables.
    pub adjust: Option<Vec<Adjust>>,
    /// Portfolio fields to replace, such as `pue = 1.4`.
    pub portfolio: Option<PortfolioPatch>,
    /// Hardware profiles to change or add, by `id`: `[[hardware]]` tables.
    pub hardware: Option<Vec<HardwarePatch>>,
    /// Ids of contracts to drop. A top-level key: write it before the first table.
    #[schemars(example = ["coreweave-2025-03"])]
    pub remove: Option<Vec<Id>>,
    /// New contracts, in the contract file format: `[[contract]]` tables.
    pub contract: Option<Vec<ContractFile>>,
    /// Slip and cancellation distributions for `capplan risk`: `[[risk]]` tables.
    pub risk: Option<Vec<Risk>>,
    /// Workloads to add, or to replace by id, in the demand file format: `[[workload]]` tables.
    pub workload: Option<Vec<crate::catalog::demand_schema::WorkloadTable>>,
    /// Ids of workloads to drop. A top-level key: write it before the first table.
    #[schemars(example = ["research"])]
    pub remove_workloads: Option<Vec<Id>>,
}

/// `[scenario]`: what the scenario is called.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ScenarioTable {
    /// The scenario's name in reports; default the file's name without `.toml`.
    #[schemars(example = &"aws-slip")]
    pub name: Option<String>,
    /// One line on what the scenario asks.
    #[schemars(example = &"AWS GB300 tranche two quarters late")]
    pub description: Option<String>,
}

/// `[[adjust]]`: changes to the contracts and tranches a selector names.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Adjust {
    /// What to change: a contract id, `provider:NAME`, `hardware:ID`,
    /// `tranche:CONTRACT/TRANCHE` or `*`; or workloads, `workload:ID` or `workload:*`.
    #[schemars(example = &"tranche:aws-2025/gb300")]
    pub select: Selector,
    /// Shifts `online_from` and `online_by` (`until` stays), such as `"2q"`; negative pulls
    /// in.
    #[schemars(example = &"2q")]
    pub delay: Option<Duration>,
    /// Multiplies units (or `power_mw`), floored to whole units, such as `0.8`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 0.8)]
    pub scale_units: Option<Number>,
    /// Multiplies `value_usd` and schedule amounts, to the cent, such as `0.8`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 0.8)]
    pub scale_value: Option<Number>,
    /// Replaces the spend model.
    #[schemars(example = &"straight-line")]
    pub spend: Option<SpendModelName>,
    /// Replaces the ramp.
    #[schemars(example = &"s-curve")]
    pub ramp: Option<Ramp>,
    /// Replaces the status: `cancelled` asks what if a letter of intent never firms up.
    #[schemars(example = &"cancelled")]
    pub status: Option<Status>,
    /// Replaces the `useful_life` of the selected owned contracts, such as `"5y"`; leased ones
    /// stay as they are.
    #[schemars(example = &"5y")]
    pub useful_life: Option<Term>,
    /// Multiplies the selected workloads' demand (`select = "workload:ID"` or `"workload:*"`):
    /// levels, work and `max_h100e`, such as `1.5`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 1.5)]
    pub scale_demand: Option<Number>,
}

/// `[[risk]]`: delivery risk of the selected tranches, for `capplan risk`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Risk {
    /// Which tranches: a contract id, `provider:NAME`, `hardware:ID`,
    /// `tranche:CONTRACT/TRANCHE` or `*`.
    #[schemars(example = &"provider:Oracle")]
    pub select: Selector,
    /// How late each selected tranche arrives, such as `"triangular(0d, 2m, 9m)"`.
    #[schemars(example = &"triangular(0d, 2m, 9m)")]
    pub slip: Option<Distribution>,
    /// The chance, from 0 to 1, that a selected tranche never delivers, such as `0.05`.
    #[schemars(range(min = 0, max = 1), example = 0.05)]
    pub cancel: Option<Number>,
}
