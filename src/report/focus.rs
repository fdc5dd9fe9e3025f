//! The FOCUS export: projected spend shaped like the FinOps Open Cost and Usage Specification,
//! for FinOps tools that load cost data in that format.
//!
//! Two datasets, each returned as CSV bytes (this module never writes files):
//!
//! - **costs**, shaped like a FOCUS 1.2 Cost and Usage dataset: one row per contract and period
//!   in which the contract has a day of its term, with the contract's spend in that period
//!   (DESIGN.md section 3.3: cents apportioned by largest remainder over the contract's whole
//!   life on the period grid). Rows are per contract, not per tranche: spend belongs to a
//!   contract, and splitting it over tranches would invent an allocation no report makes. The
//!   capacity columns (`x_GpuCount` and the like) are the contract's, summed over its tranches.
//! - **contract commitments**, shaped like the FOCUS 1.3 Contract Commitment dataset: one row per
//!   contract, or, for `spend = "schedule"`, one per payment of its schedule. A contract's rows
//!   sum exactly to its value.
//!
//! These are projections of committed spend, not bills. `BilledCost` is on the cash basis
//! (DESIGN.md section 10): the payments dated in the period, as the contract's `payment` terms
//! invoice them. `EffectiveCost`, `ListCost` and `ContractedCost` are on the export's basis,
//! accrual unless `--basis` says otherwise: the cost of the period's use. With no list or
//! contracted unit price, FOCUS has a charge's list and contracted costs match its effective
//! cost. A contract without payment terms pays as it accrues, so its four costs are equal; a
//! period with a payment but no day of the term (a lag past the end) has a row too.
//!
//! Dates are FOCUS date/times in UTC (`2026-01-01T00:00:00Z`), ends exclusive; money is decimal
//! text with exactly two decimals; an empty field is a null.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::ramp::day_number;
use crate::catalog::{Contract, HardwareKind, SpendModel, Status};
use crate::engine::{self, CapacityCell, EngineError, GroupBy, Period};
use crate::report::build::Context;

/// FOCUS version of the costs dataset.
pub const COSTS_VERSION: &str = "1.2";
/// FOCUS version of the contract commitment dataset.
pub const COMMITMENTS_VERSION: &str = "1.3";

/// The columns of the costs dataset: the FOCUS 1.2 Cost and Usage columns capplan fills, in the
/// specification's alphabetical order, then capplan's own, prefixed `x_` as FOCUS asks.
pub const COST_COLUMNS: [&str; 35] = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "x_ContractId",
    "x_Period",
    "x_Scenario",
    "x_Status",
    "x_Estimated",
    "x_SpendModel",
    "x_GpuCount",
    "x_CpuCount",
    "x_GpuHours",
    "x_CpuHours",
    "x_FacilityMw",
];

/// The columns of the contract commitment dataset: the FOCUS 1.3 Contract Commitment columns,
/// in alphabetical order, then capplan's own.
pub const COMMITMENT_COLUMNS: [&str; 18] = [
    "BillingCurrency",
    "ContractCommitmentCategory",
    "ContractCommitmentCost",
    "ContractCommitmentDescription",
    "ContractCommitmentId",
    "ContractCommitmentPeriodEnd",
    "ContractCommitmentPeriodStart",
    "ContractCommitmentQuantity",
    "ContractCommitmentType",
    "ContractCommitmentUnit",
    "ContractId",
    "ContractPeriodEnd",
    "ContractPeriodStart",
    "x_ProviderName",
    "x_Scenario",
    "x_Status",
    "x_Estimated",
    "x_SpendModel",
];

/// What a contract is, for the columns that describe it on every row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractInfo {
    pub id: String,
    pub provider: String,
    pub title: String,
    pub status: Status,
    pub estimated: bool,
    pub spend_model: &'static str,
    /// The term, `[start, end)`.
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// `ServiceName`: what kind of capacity the contract buys.
    pub service: &'static str,
}

impl ContractInfo {
    fn new(c: &Contract, kinds: (bool, bool)) -> Self {
        let service = match kinds {
            (true, true) => "GPU and vCPU capacity",
            (true, false) => "GPU capacity",
            (false, true) => "vCPU capacity",
            (false, false) => "Compute capacity",
        };
        ContractInfo {
            id: c.id.clone(),
            provider: c.provider.clone(),
            title: c.title.clone(),
            status: c.status,
            estimated: c.estimated,
            spend_model: c.spend.name(),
            start: c.start,
            end: c.end,
            service,
        }
    }
}

/// One row of the costs dataset: a contract in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostRow {
    pub period: Period,
    pub contract: ContractInfo,
    /// The contract's spend in the period on the export's basis, in cents.
    pub cents: i128,
    /// The contract's payments in the period, in cents: `BilledCost`.
    pub billed_cents: i128,
    /// Hours of the contract's term in the period: `PricingQuantity`.
    pub term_hours: i64,
    /// The contract's capacity: units online on the period's last day, unit-hours in the
    /// period, facility power on the last day.
    pub capacity: CapacityCell,
}

/// One row of the contract commitment dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitmentRow {
    pub contract: ContractInfo,
    /// `ContractCommitmentId`: the contract id, or `ID/FROM` for a payment of a schedule.
    pub id: String,
    pub kind: &'static str,
    pub description: String,
    /// The commitment's period, `[start, end)`.
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub cost: Decimal,
}

/// Both datasets, and what they were computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FocusExport {
    /// `x_Scenario`: the scenarios applied, in order, or `baseline`.
    pub scenario: String,
    /// `BillingCurrency`.
    pub currency: String,
    pub costs: Vec<CostRow>,
    pub commitments: Vec<CommitmentRow>,
}

/// `2026-01-01T00:00:00Z`: a day's start in UTC, the FOCUS date/time format.
pub fn focus_datetime(day: NaiveDate) -> String {
    format!("{}T00:00:00Z", day.format("%Y-%m-%d"))
}

fn money(d: Decimal) -> String {
    format!("{d:.2}")
}

fn overlap_days(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> i64 {
    let lo = day_number(a.0.max(b.0));
    let hi = day_number(a.1.min(b.1));
    (hi - lo).max(0)
}

/// The scenario label of `x_Scenario`.
pub fn scenario_label(scenarios: &[String]) -> String {
    if scenarios.is_empty() {
        "baseline".to_owned()
    } else {
        scenarios.join(" then ")
    }
}

/// Builds both datasets for the contracts the filter includes, over the timeline's window.
pub fn build(ctx: &Context<'_>) -> Result<FocusExport, EngineError> {
    let catalog = ctx.catalog;
    let timeline = ctx.timeline;
    let spend = engine::spend(catalog, timeline, GroupBy::Contract, ctx.filter)?;
    let cash_filter = engine::Filter {
        basis: engine::Basis::Cash,
        ..ctx.filter.clone()
    };
    let billed = engine::spend(catalog, timeline, GroupBy::Contract, &cash_filter)?;
    let capacity = engine::capacity(catalog, timeline, GroupBy::Contract, ctx.filter)?;
    let group = |groups: &[String], id: &str| groups.iter().position(|g| g == id);

    let mut infos = Vec::new();
    for c in catalog.contracts.iter().filter(|c| ctx.filter.includes(c)) {
        let mut kinds = (false, false);
        for t in &c.tranches {
            match catalog.hardware(&t.hardware).map(|h| h.kind) {
                Some(HardwareKind::Gpu) => kinds.0 = true,
                Some(HardwareKind::Cpu) => kinds.1 = true,
                None => {}
            }
        }
        infos.push((c, ContractInfo::new(c, kinds)));
    }

    let mut costs = Vec::new();
    for p in timeline.window.clone() {
        let period = &timeline.periods[p];
        for (c, info) in &infos {
            let days = overlap_days((period.start, period.end), (c.start, c.end));
            let cents = group(&spend.groups, &c.id).map_or(0, |g| spend.values[g][p]);
            let billed_cents = group(&billed.groups, &c.id).map_or(0, |g| billed.values[g][p]);
            if days == 0 && cents == 0 && billed_cents == 0 {
                continue;
            }
            let cell = group(&capacity.groups, &c.id)
                .map(|g| capacity.values[g][p])
                .unwrap_or_default();
            costs.push(CostRow {
                period: period.clone(),
                contract: info.clone(),
                cents,
                billed_cents,
                term_hours: days * 24,
                capacity: cell,
            });
        }
    }

    let mut commitments = Vec::new();
    for (c, info) in &infos {
        if c.spend_schedule.is_empty() {
            commitments.push(CommitmentRow {
                contract: info.clone(),
                id: c.id.clone(),
                kind: match c.spend {
                    SpendModel::CapacityLinked => "Committed spend, capacity-linked",
                    _ => "Committed spend, straight-line",
                },
                description: c.title.clone(),
                start: c.start,
                end: c.end,
                cost: c.value_usd,
            });
            continue;
        }
        let n = c.spend_schedule.len();
        for (i, e) in c.spend_schedule.iter().enumerate() {
            commitments.push(CommitmentRow {
                contract: info.clone(),
                id: format!("{}/{}", c.id, e.from),
                kind: "Scheduled payment",
                description: format!("{}: payment {} of {n}", c.title, i + 1),
                start: e.from,
                end: e.to,
                cost: e.amount_usd,
            });
        }
    }

    Ok(FocusExport {
        scenario: scenario_label(&ctx.scenarios),
        currency: catalog.portfolio.currency.clone(),
        costs,
        commitments,
    })
}

impl FocusExport {
    /// The sum of `BilledCost` over every cost row, in cents.
    pub fn billed_cents(&self) -> i128 {
        self.costs.iter().map(|r| r.billed_cents).sum()
    }

    /// The sum of `ContractCommitmentCost` over every commitment row.
    pub fn committed(&self) -> Decimal {
        self.commitments.iter().map(|r| r.cost).sum()
    }

    /// The costs dataset as CSV.
    pub fn costs_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = w.write_record(COST_COLUMNS);
        for r in &self.costs {
            let c = &r.contract;
            let cost = money(engine::dollars(r.cents));
            let billed = money(engine::dollars(r.billed_cents));
            let start = focus_datetime(r.period.start);
            let end = focus_datetime(r.period.end);
            let estimated = if c.estimated { ", value estimated" } else { "" };
            let record: [String; 35] = [
                billed,
                c.id.clone(),
                c.title.clone(),
                self.currency.clone(),
                end.clone(),
                start.clone(),
                "Usage".to_owned(),
                String::new(),
                format!(
                    "{}: projected spend of a {} commitment, {}{estimated}",
                    c.title,
                    c.status.name(),
                    c.spend_model
                ),
                "Recurring".to_owned(),
                end,
                start,
                cost.clone(),
                cost.clone(),
                c.provider.clone(),
                cost,
                "Committed".to_owned(),
                r.term_hours.to_string(),
                "Hours".to_owned(),
                c.provider.clone(),
                c.provider.clone(),
                "Compute".to_owned(),
                c.service.to_owned(),
                "Other (Compute)".to_owned(),
                c.id.clone(),
                r.period.label.clone(),
                self.scenario.clone(),
                c.status.name().to_owned(),
                c.estimated.to_string(),
                c.spend_model.to_owned(),
                r.capacity.gpus.to_string(),
                r.capacity.cpus.to_string(),
                r.capacity.gpu_hours.to_string(),
                r.capacity.cpu_hours.to_string(),
                format!("{:.3}", r.capacity.power_mw()),
            ];
            let _ = w.write_record(&record);
        }
        w.into_inner().unwrap_or_default()
    }

    /// The contract commitment dataset as CSV.
    pub fn commitments_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(COMMITMENT_COLUMNS);
        for r in &self.commitments {
            let c = &r.contract;
            let record: [String; 18] = [
                self.currency.clone(),
                "Spend".to_owned(),
                money(r.cost),
                r.description.clone(),
                r.id.clone(),
                focus_datetime(r.end),
                focus_datetime(r.start),
                String::new(),
                r.kind.to_owned(),
                String::new(),
                c.id.clone(),
                focus_datetime(c.end),
                focus_datetime(c.start),
                c.provider.clone(),
                self.scenario.clone(),
                c.status.name().to_owned(),
                c.estimated.to_string(),
                c.spend_model.to_owned(),
            ];
            let _ = w.write_record(&record);
        }
        w.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_utc_day_starts() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(focus_datetime(d), "2026-01-01T00:00:00Z");
    }

    #[test]
    fn money_always_has_two_decimals() {
        assert_eq!(money(Decimal::from(38)), "38.00");
        assert_eq!(money(Decimal::new(1250, 3)), "1.25");
        assert_eq!(money(engine::dollars(0)), "0.00");
    }

    #[test]
    fn the_scenario_label_names_every_scenario_in_order() {
        assert_eq!(scenario_label(&[]), "baseline");
        assert_eq!(
            scenario_label(&["aws-slip".to_owned(), "command line".to_owned()]),
            "aws-slip then command line"
        );
    }
}
