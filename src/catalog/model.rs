//! The validated catalog: what the engine and the reports read.
//!
//! Every type here has been through the loader, so its fields have the right types and ranges.
//! Cross-checks (dates within terms, schedules that sum, known hardware) live in
//! [`super::validate`], which runs again after a scenario changes the catalog. Each entity keeps
//! its [`Origin`], the place in a file it came from, so that a later check can still point at the
//! offending key.

use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::catalog::value::Duration;
use crate::diagnostic::{FileId, Span};

/// Where an entity was defined: its file, the span of its table and the spans of its keys. A
/// scenario that changes a value points that key at the scenario's own line, so that a problem
/// it causes is reported where it was caused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub whole: Range<usize>,
    keys: Vec<(&'static str, Span)>,
    items: Vec<Range<usize>>,
}

impl Origin {
    pub fn new(file: FileId, whole: Range<usize>) -> Self {
        Origin {
            file,
            whole,
            keys: Vec::new(),
            items: Vec::new(),
        }
    }

    /// The origin as stored by the catalog cache ([`super::wire`]): file, whole, keys, items.
    #[allow(clippy::type_complexity)]
    pub(crate) fn parts(
        &self,
    ) -> (
        FileId,
        &Range<usize>,
        &[(&'static str, Span)],
        &[Range<usize>],
    ) {
        (self.file, &self.whole, &self.keys, &self.items)
    }

    /// An origin from its [`Origin::parts`].
    pub(crate) fn from_parts(
        file: FileId,
        whole: Range<usize>,
        keys: Vec<(&'static str, Span)>,
        items: Vec<Range<usize>>,
    ) -> Self {
        Origin {
            file,
            whole,
            keys,
            items,
        }
    }

    pub(crate) fn set_key(&mut self, key: &'static str, range: Range<usize>) {
        let span = Span::new(self.file, range);
        self.set_key_span(key, span);
    }

    /// Points `key` at a span in any file, such as the scenario line that changed it.
    pub fn set_key_span(&mut self, key: &'static str, span: Span) {
        self.keys.retain(|(k, _)| *k != key);
        self.keys.push((key, span));
    }

    pub(crate) fn set_items(&mut self, items: Vec<Range<usize>>) {
        self.items = items;
    }

    /// The span of `key`'s value, or of the whole table where the key was not written.
    pub fn span(&self, key: &str) -> Span {
        self.keys
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| self.whole(), |(_, s)| s.clone())
    }

    /// Whether `key` was changed from outside the entity's file: by a scenario or a what-if
    /// flag, whose line its span now is.
    pub fn moved(&self, key: &str) -> bool {
        self.keys
            .iter()
            .any(|(k, s)| *k == key && s.file != self.file)
    }

    /// Of two keys compared, the one a diagnostic points at: `first`, unless only `second` was
    /// changed by a scenario or a flag, which then caused the problem.
    pub fn cause<'k>(&self, first: &'k str, second: &'k str) -> (&'k str, &'k str) {
        if self.moved(second) && !self.moved(first) {
            (second, first)
        } else {
            (first, second)
        }
    }

    /// Whether `key` was written in the file.
    pub fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|(k, _)| *k == key)
    }

    /// The span of the `index`-th element of the entity's array value (its `sources`).
    pub fn item(&self, index: usize) -> Span {
        Span::new(
            self.file,
            self.items
                .get(index)
                .cloned()
                .unwrap_or_else(|| self.whole.clone()),
        )
    }

    pub fn whole(&self) -> Span {
        Span::new(self.file, self.whole.clone())
    }
}

/// A whole catalog: the portfolio settings and every contract, sorted by id.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub portfolio: Portfolio,
    pub targets: Vec<Target>,
    pub hardware: Vec<Hardware>,
    pub contracts: Vec<Contract>,
    /// Published figures the projection must meet, in file order (docs/observations.md).
    pub observed: Vec<Observation>,
    /// The workloads of `demand.toml` and `--demand` files, in the order read.
    pub workloads: Vec<crate::catalog::demand::Workload>,
}

impl Catalog {
    pub fn hardware(&self, id: &str) -> Option<&Hardware> {
        self.hardware.iter().find(|h| h.id == id)
    }

    pub fn contract(&self, id: &str) -> Option<&Contract> {
        self.contracts.iter().find(|c| c.id == id)
    }

    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id == id)
    }

    /// The reference unit's dense TFLOPS at `precision`: the profile named by
    /// `[portfolio] compute.reference`, else the built-in H100 for `h100`.
    pub fn reference_tflops(&self, precision: Precision) -> Option<Decimal> {
        let reference = &self.portfolio.compute.reference;
        match self.hardware(reference) {
            Some(h) => h.tflops.at(precision),
            None if reference == H100 => h100_tflops().at(precision),
            None => None,
        }
    }

    /// The PUE that applies to a contract: its own, else the portfolio's.
    pub fn pue_of(&self, contract: &Contract) -> Decimal {
        contract.pue.unwrap_or(self.portfolio.pue)
    }
}

/// `[portfolio]` in `portfolio.toml`: settings for the whole catalog.
#[derive(Clone, Debug)]
pub struct Portfolio {
    /// A name for reports.
    pub name: String,
    /// Currency of every amount; only `USD` is supported.
    pub currency: String,
    /// First day of the default report window.
    pub horizon_start: NaiveDate,
    /// End of the default report window, exclusive.
    pub horizon_end: NaiveDate,
    /// Facility power over IT power, for every contract that does not set its own. Default 1.
    pub pue: Decimal,
    /// Month in which the fiscal year starts: 1 for calendar years, 7 for July-June years.
    pub fiscal_year_start_month: u32,
    /// How compute is counted in H100-equivalents (docs/compute.md).
    pub compute: ComputeSettings,
    pub origin: Origin,
}

/// A numeric precision at which dense throughput is quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Bf16,
    Fp8,
    Fp4,
}

impl Precision {
    pub const ALL: [Precision; 3] = [Precision::Bf16, Precision::Fp8, Precision::Fp4];

    pub fn name(self) -> &'static str {
        match self {
            Precision::Bf16 => "bf16",
            Precision::Fp8 => "fp8",
            Precision::Fp4 => "fp4",
        }
    }
}

/// Dense peak TFLOPS per unit at each precision, where known (never the sparse figure).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tflops {
    pub bf16: Option<Decimal>,
    pub fp8: Option<Decimal>,
    pub fp4: Option<Decimal>,
}

impl Tflops {
    /// The figure at `precision`, if the profile gives one.
    pub fn at(&self, precision: Precision) -> Option<Decimal> {
        match precision {
            Precision::Bf16 => self.bf16,
            Precision::Fp8 => self.fp8,
            Precision::Fp4 => self.fp4,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.bf16.is_none() && self.fp8.is_none() && self.fp4.is_none()
    }
}

/// The id of the built-in reference unit, an NVIDIA H100 SXM.
pub const H100: &str = "h100";

/// The built-in H100 SXM's dense TFLOPS: BF16 989, FP8 1,979 (no FP4 support).
pub fn h100_tflops() -> Tflops {
    Tflops {
        bf16: Some(Decimal::from(989)),
        fp8: Some(Decimal::from(1979)),
        fp4: None,
    }
}

/// `[portfolio] compute`: the unit compute is counted in and the default precision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComputeSettings {
    /// A hardware id of the portfolio, or the built-in `h100`. A profile with that id wins
    /// over the built-in one.
    pub reference: String,
    /// The precision of every compute figure unless `--precision` says otherwise.
    pub precision: Precision,
}

impl Default for ComputeSettings {
    fn default() -> Self {
        ComputeSettings {
            reference: H100.to_owned(),
            precision: Precision::Fp8,
        }
    }
}

/// `[[target]]`: what the portfolio is measured against. The first is the default.
#[derive(Clone, Debug)]
pub struct Target {
    /// Unique id, used by `--target`.
    pub id: String,
    /// A description for reports.
    pub name: String,
    /// Total spend the target stands for.
    pub spend_usd: Option<Decimal>,
    /// Facility power the target stands for, in GW.
    pub power_gw: Option<Decimal>,
    /// H100-equivalents online the target stands for, at the portfolio's default precision.
    pub h100e: Option<u64>,
    /// Date by which the target is to be met.
    pub by: Option<NaiveDate>,
    pub origin: Origin,
}

/// Whether a hardware unit is an accelerator or a virtual CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HardwareKind {
    /// Any accelerator: GPU, TPU, Trainium, custom ASIC, wafer-scale engine.
    Gpu,
    /// One virtual CPU.
    Cpu,
}

/// `[[hardware]]`: a hardware profile that tranches refer to by id.
#[derive(Clone, Debug)]
pub struct Hardware {
    /// Unique id, such as `gb200`.
    pub id: String,
    /// A description, such as "NVIDIA GB200 NVL72, per GPU".
    pub name: String,
    /// `gpu` or `cpu`.
    pub kind: HardwareKind,
    /// IT watts per unit, its share of rack, CPU and network included.
    pub watts_per_unit: Decimal,
    /// Reference price of one unit-hour, in USD.
    pub rate_usd_per_hour: Decimal,
    /// Dense peak TFLOPS per unit; empty where unknown.
    pub tflops: Tflops,
    pub origin: Origin,
}

/// Whether a contract is binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A definitive agreement. The default.
    Signed,
    /// A letter of intent: counted, but shown apart from signed contracts.
    NonBinding,
    /// Kept for the record and left out of every figure.
    Cancelled,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Signed => "signed",
            Status::NonBinding => "non-binding",
            Status::Cancelled => "cancelled",
        }
    }
}

/// How a contract's value spreads over its term (docs/figures.md, spend).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpendModel {
    /// The same amount every day of the term. The default.
    StraightLine,
    /// Each day in proportion to the capacity online that day, at reference rates.
    CapacityLinked,
    /// As the `[[spend_schedule]]` entries say.
    Schedule,
}

impl SpendModel {
    pub fn name(self) -> &'static str {
        match self {
            SpendModel::StraightLine => "straight-line",
            SpendModel::CapacityLinked => "capacity-linked",
            SpendModel::Schedule => "schedule",
        }
    }
}

/// How a tranche's units come online between `online_from` and `online_by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ramp {
    /// In proportion to the time elapsed. The default.
    Linear,
    /// Slow, then fast, then slow: `x^2 * (3 - 2x)`.
    SCurve,
    /// None until `online_by`, then all.
    Step,
}

impl Ramp {
    pub fn name(self) -> &'static str {
        match self {
            Ramp::Linear => "linear",
            Ramp::SCurve => "s-curve",
            Ramp::Step => "step",
        }
    }
}

/// How big a tranche is: a unit count, or facility megawatts converted to units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    Units(u64),
    PowerMw(Decimal),
}

/// A contract file: one deal with one counterparty.
#[derive(Clone, Debug)]
pub struct Contract {
    /// Unique in the catalog: lowercase letters, digits and `-`.
    pub id: String,
    /// The counterparty; reports group by it.
    pub provider: String,
    /// A one-line description.
    pub title: String,
    /// When the deal was announced.
    pub announced: Option<NaiveDate>,
    /// First day of the term.
    pub start: NaiveDate,
    /// The term as written, if it was.
    pub term: Option<Duration>,
    /// End of the term, exclusive: `end` as written, else `start + term`.
    pub end: NaiveDate,
    /// What the lab is to pay the counterparty over the term.
    pub value_usd: Decimal,
    /// Whether the value is an analyst estimate.
    pub estimated: bool,
    pub status: Status,
    pub spend: SpendModel,
    /// Overrides the portfolio's PUE for this contract.
    pub pue: Option<Decimal>,
    /// Where the figures come from.
    pub sources: Vec<String>,
    /// Free text: how estimates were made, where sources conflict.
    pub notes: Option<String>,
    pub tranches: Vec<Tranche>,
    pub spend_schedule: Vec<ScheduleEntry>,
    /// When the accrued spend is paid; `None`: paid as it accrues, day by day. Boxed: most
    /// contracts have none, and a contract is moved around whole.
    pub payment: Option<Box<Payment>>,
    /// Whether the capacity is rented (the default) or bought and depreciated.
    pub ownership: Ownership,
    /// Over how long an owned contract's spend is depreciated, from each day's capitalization.
    pub useful_life: Option<Duration>,
    /// `[actuals] match`: the FOCUS columns and values that claim a cost row for this
    /// contract, sorted by column; empty without a match table.
    pub actuals: Vec<(String, String)>,
    pub origin: Origin,
}

/// `[[tranche]]`: a block of capacity that comes online on a ramp.
#[derive(Clone, Debug)]
pub struct Tranche {
    /// Unique within the contract.
    pub id: String,
    /// A hardware id from `portfolio.toml`.
    pub hardware: String,
    pub quantity: Quantity,
    /// First day a unit is online.
    pub online_from: NaiveDate,
    /// First day all units are online.
    pub online_by: NaiveDate,
    pub ramp: Ramp,
    /// Exclusive end of the capacity; default the contract's end.
    pub until: Option<NaiveDate>,
    pub origin: Origin,
}

impl Tranche {
    /// The tranche's last day plus one: `until`, else the contract's end.
    pub fn until_or(&self, contract_end: NaiveDate) -> NaiveDate {
        self.until.unwrap_or(contract_end)
    }
}

/// `[[spend_schedule]]`: an amount spread evenly over `[from, to)`.
#[derive(Clone, Debug)]
pub struct ScheduleEntry {
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
    pub amount_usd: Decimal,
    pub origin: Origin,
}

/// `payment = { terms, every, lag }`: when a contract's accrued spend is paid
/// (docs/finance.md, payment terms).
#[derive(Clone, Debug)]
pub struct Payment {
    pub terms: PaymentTerms,
    /// The length of a billing interval, anchored at the contract's start. Default one month.
    pub every: Duration,
    /// How long after its due date a payment is made. Default none.
    pub lag: Duration,
    /// The spans of `terms`, `every` and `lag`, and of the inline table.
    pub origin: Origin,
}

/// When in its interval a payment falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaymentTerms {
    /// Each interval's accrued spend at the interval's end.
    Arrears,
    /// Each interval's accrued spend at the interval's start.
    Advance,
    /// The whole value at the contract's start.
    Upfront,
}

impl PaymentTerms {
    pub fn name(self) -> &'static str {
        match self {
            PaymentTerms::Arrears => "arrears",
            PaymentTerms::Advance => "advance",
            PaymentTerms::Upfront => "upfront",
        }
    }
}

/// Whether a contract rents capacity or buys hardware.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ownership {
    /// Rented: the spend is an expense as it accrues. The default.
    #[default]
    Leased,
    /// Bought: each day's spend is capitalized and depreciated over `useful_life`.
    Owned,
}

impl Ownership {
    pub fn name(self) -> &'static str {
        match self {
            Ownership::Leased => "leased",
            Ownership::Owned => "owned",
        }
    }
}

/// What an observation measures: one figure a report shows for a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Facility power online at the end of the day, in GW.
    PowerGw,
    /// Accelerators online at the end of the day.
    Gpus,
    /// vCPUs online at the end of the day.
    Cpus,
    /// H100-equivalents online at the end of the day, at the portfolio's default precision.
    H100e,
    /// Spend from the contracts' starts through the day, in USD.
    CumulativeSpendUsd,
    /// The value of the contracts announced on or before the day (`start` where `announced`
    /// is absent), in USD.
    ContractedUsd,
}

impl Measure {
    /// The key that gives the measure in `[[observed]]`.
    pub fn key(self) -> &'static str {
        match self {
            Measure::PowerGw => "power_gw",
            Measure::Gpus => "gpus",
            Measure::Cpus => "cpus",
            Measure::H100e => "h100e",
            Measure::CumulativeSpendUsd => "cumulative_spend_usd",
            Measure::ContractedUsd => "contracted_usd",
        }
    }

    /// Whether the figure is money.
    pub fn is_money(self) -> bool {
        matches!(self, Measure::CumulativeSpendUsd | Measure::ContractedUsd)
    }
}

/// `[[observed]]`: a published figure that the projection of the catalog must meet.
#[derive(Clone, Debug)]
pub struct Observation {
    /// The figure is the one at the end of this day.
    pub date: NaiveDate,
    pub measure: Measure,
    /// The published figure, in the measure's unit (GW, units or USD).
    pub value: Decimal,
    /// The largest relative difference that still agrees: 0.2 is 20% of `value`. Default 0.2.
    pub tolerance: Decimal,
    /// Where the figure was published.
    pub source: Option<String>,
    /// Free text: what was said, and why the tolerance is what it is.
    pub note: Option<String>,
    pub origin: Origin,
}

impl Observation {
    /// The tolerance when `[[observed]]` gives none.
    pub const DEFAULT_TOLERANCE: Decimal = Decimal::from_parts(2, 0, 0, false, 1);
}
