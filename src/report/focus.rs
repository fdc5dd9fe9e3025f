//! The FOCUS export: projected spend shaped like the FinOps Open Cost and Usage Specification,
//! for FinOps tools that load cost data in that format.
//!
//! Two datasets, each returned as CSV bytes (this module never writes files):
//!
//! - **costs**, shaped like a FOCUS 1.2 Cost and Usage dataset: one row per contract and period
//!   in which the contract has a day of its term, with the contract's spend in that period
//!   (docs/figures.md, spend: cents apportioned by largest remainder over the contract's whole
//!   life on the period grid). Rows are per contract, not per tranche: spend belongs to a
//!   contract, and splitting it over tranches would invent an allocation no report makes. The
//!   capacity columns (`x_GpuCount` and the like) are the contract's, summed over its tranches.
//! - **contract commitments**, shaped like the FOCUS 1.3 Contract Commitment dataset: one row per
//!   contract, or, for `spend = "schedule"`, one per payment of its schedule. A contract's rows
//!   sum exactly to its value.
//!
//! These are projections of committed spend, not bills. `BilledCost` is on the cash basis
//! (docs/finance.md, bases): the payments dated in the period, as the contract's `payment` terms
//! invoice them. `EffectiveCost`, `ListCost` and `ContractedCost` are on the export's basis,
//! accrual unless `--basis` says otherwise: the cost of the period's use. With no list or
//! contracted unit price, FOCUS has a charge's list and contracted costs match its effective
//! cost. A contract without payment terms pays as it accrues, so its four costs are equal; a
//! period with a payment but no day of the term (a lag past the end) has a row too.
//!
//! Each cost row names, in the FOCUS 1.3 `ContractApplied` column, the contract commitments its
//! cost applies to: the contract, or the payments of its schedule the period overlaps, with the
//! row's `EffectiveCost` split over them to the cent. The commitment rows carry the FOCUS 1.4
//! columns capplan knows from a contract: its commitment model, payment model, payment interval
//! and fulfillment interval. `InvoiceId` is present and null on every row: no invoice exists for a
//! projection.
//!
//! Dates are FOCUS date/times in UTC (`2026-01-01T00:00:00Z`), ends exclusive; money is decimal
//! text with exactly two decimals; quantities are decimal text with one decimal (`744.0`), so a
//! reader that infers types from the text reads a decimal; an empty field is a null.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::catalog::ramp::day_number;
use crate::catalog::value::{Duration, DurationUnit};
use crate::catalog::{Contract, HardwareKind, Payment, PaymentTerms, SpendModel, Status};
use crate::engine::{self, CapacityCell, EngineError, GroupBy, Period};
use crate::report::build::Context;

/// FOCUS version of the costs dataset.
pub const COSTS_VERSION: &str = "1.2";
/// FOCUS version of the contract commitment dataset.
pub const COMMITMENTS_VERSION: &str = "1.3";

/// The columns of the costs dataset: the FOCUS 1.2 Cost and Usage columns capplan fills and the
/// 1.3 `ContractApplied`, in the specification's alphabetical order, then capplan's own, prefixed
/// `x_` as FOCUS asks.
pub const COST_COLUMNS: [&str; 37] = [
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
    "ContractApplied",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceId",
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

/// The columns of the contract commitment dataset: the FOCUS 1.3 Contract Commitment columns and
/// the 1.4 ones capplan knows, in alphabetical order, then capplan's own.
pub const COMMITMENT_COLUMNS: [&str; 22] = [
    "BillingCurrency",
    "ContractCommitmentCategory",
    "ContractCommitmentCost",
    "ContractCommitmentDescription",
    "ContractCommitmentFulfillmentInterval",
    "ContractCommitmentId",
    "ContractCommitmentModel",
    "ContractCommitmentPaymentInterval",
    "ContractCommitmentPaymentModel",
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
    /// `ContractApplied`: the contract commitments the row's cost applies to, each with its
    /// share of `cents`; the shares sum exactly to `cents`.
    pub applied: Vec<(String, i128)>,
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
    /// `ContractCommitmentPaymentModel`: `No Upfront` or `All Upfront`.
    pub payment_model: &'static str,
    /// `ContractCommitmentPaymentInterval`.
    pub payment_interval: &'static str,
}

/// `ContractCommitmentModel`: a committed spend is met in aggregate over the term, with a
/// true-up for a shortfall, not hour by hour.
pub const COMMITMENT_MODEL: &str = "Discontinuous";
/// `ContractCommitmentFulfillmentInterval`: the whole commitment period, with no reset inside it.
pub const FULFILLMENT_INTERVAL: &str = "Full Commitment Period";

/// `ContractCommitmentPaymentModel` and `ContractCommitmentPaymentInterval` of a contract's
/// payment terms. Without terms a contract pays as it accrues, day by day: no upfront payment,
/// at an interval FOCUS calls `Custom`. `upfront` is one payment at the start; `arrears` and
/// `advance` pay every `every`, named when FOCUS has a name for it.
pub fn payment_columns(payment: Option<&Payment>) -> (&'static str, &'static str) {
    let Some(p) = payment else {
        return ("No Upfront", "Custom");
    };
    if p.terms == PaymentTerms::Upfront {
        return ("All Upfront", "One-Time");
    }
    ("No Upfront", interval_name(p.every))
}

fn interval_name(every: Duration) -> &'static str {
    let months = match every.unit {
        DurationUnit::Months => every.count,
        DurationUnit::Quarters => every.count.saturating_mul(3),
        DurationUnit::Years => every.count.saturating_mul(12),
        DurationUnit::Days | DurationUnit::Weeks => 0,
    };
    match months {
        1 => "Monthly",
        3 => "Quarterly",
        6 => "Semi-Annual",
        12 => "Annual",
        _ => "Custom",
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The commitments a schedule contract's cost in `[start, end)` applies to: the payments of its
/// schedule the period overlaps, with `cents` split over them in proportion to the part of each
/// payment's amount spread over the period (each is spread evenly over its days), by largest
/// remainder so the shares sum exactly to `cents`. A period that overlaps no payment (a payment
/// lag past the end) applies to the last payment that starts before the period ends, else the
/// first.
fn schedule_applied(
    c: &Contract,
    start: NaiveDate,
    end: NaiveDate,
    cents: i128,
) -> Vec<(String, i128)> {
    let id = |e: &crate::catalog::ScheduleEntry| format!("{}/{}", c.id, e.from);
    let overlapping: Vec<_> = c
        .spend_schedule
        .iter()
        .map(|e| {
            (
                e,
                overlap_days((start, end), (e.from, e.to)),
                day_number(e.to) - day_number(e.from),
            )
        })
        .filter(|(_, days, len)| *days > 0 && *len > 0)
        .collect();
    let weights = || -> Option<Vec<i128>> {
        // amount x overlap / length, over a common denominator: the lengths' least common multiple.
        let lcm = overlapping.iter().try_fold(1_i128, |l, (_, _, len)| {
            let len = i128::from(*len);
            (l / gcd(l, len)).checked_mul(len)
        })?;
        overlapping
            .iter()
            .map(|(e, days, len)| {
                let cents = e
                    .amount_usd
                    .checked_mul(Decimal::from(100))?
                    .round()
                    .to_i128()?;
                cents
                    .checked_mul(i128::from(*days))?
                    .checked_mul(lcm / i128::from(*len))
            })
            .collect()
    };
    if let Some(shares) = weights().and_then(|w| crate::exact::apportion(cents, &w)) {
        return overlapping
            .iter()
            .zip(shares)
            .map(|((e, _, _), share)| (id(e), share))
            .collect();
    }
    let fallback = overlapping
        .first()
        .map(|(e, _, _)| *e)
        .or_else(|| c.spend_schedule.iter().rev().find(|e| e.from < end))
        .or_else(|| c.spend_schedule.first());
    match fallback {
        Some(e) => vec![(id(e), cents)],
        None => vec![(c.id.clone(), cents)],
    }
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

/// A whole quantity as FOCUS decimal text with one decimal: `744.0`.
fn quantity(n: i64) -> String {
    format!("{n}.0")
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// `ContractApplied`, FOCUS 1.3: a JSON object whose `Elements` array has one object per
/// contract commitment the charge applies to, with the contract, the commitment and the cost
/// applied to it (a decimal in the billing currency, two decimals). No quantity is applied, so
/// `ContractCommitmentAppliedQuantity` and `ContractCommitmentAppliedUnit` are null.
pub fn contract_applied(contract: &str, applied: &[(String, i128)]) -> String {
    let elements: Vec<String> = applied
        .iter()
        .map(|(id, cents)| {
            format!(
                "{{\"ContractID\":{},\"ContractCommitmentID\":{},\"ContractCommitmentAppliedCost\":{},\"ContractCommitmentAppliedQuantity\":null,\"ContractCommitmentAppliedUnit\":null}}",
                json_string(contract),
                json_string(id),
                money(engine::dollars(*cents))
            )
        })
        .collect();
    format!("{{\"Elements\":[{}]}}", elements.join(","))
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
            let applied = if c.spend_schedule.is_empty() {
                vec![(c.id.clone(), cents)]
            } else {
                schedule_applied(c, period.start, period.end, cents)
            };
            costs.push(CostRow {
                period: period.clone(),
                contract: info.clone(),
                cents,
                billed_cents,
                term_hours: days * 24,
                applied,
                capacity: cell,
            });
        }
    }

    let mut commitments = Vec::new();
    for (c, info) in &infos {
        let (payment_model, payment_interval) = payment_columns(c.payment.as_deref());
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
                payment_model,
                payment_interval,
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
                payment_model,
                payment_interval,
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
            let record: [String; 37] = [
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
                contract_applied(&c.id, &r.applied),
                cost.clone(),
                cost.clone(),
                String::new(),
                c.provider.clone(),
                cost,
                "Committed".to_owned(),
                quantity(r.term_hours),
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
            let record: [String; 22] = [
                self.currency.clone(),
                "Spend".to_owned(),
                money(r.cost),
                r.description.clone(),
                FULFILLMENT_INTERVAL.to_owned(),
                r.id.clone(),
                COMMITMENT_MODEL.to_owned(),
                r.payment_interval.to_owned(),
                r.payment_model.to_owned(),
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
    fn quantities_are_decimal_text() {
        assert_eq!(quantity(744), "744.0");
        assert_eq!(quantity(0), "0.0");
    }

    #[test]
    fn payment_terms_map_to_focus_payment_models_and_intervals() {
        let terms = |terms, count, unit| Payment {
            terms,
            every: Duration { count, unit },
            lag: Duration {
                count: 0,
                unit: DurationUnit::Days,
            },
            origin: crate::catalog::Origin::new(crate::diagnostic::FileId(0), 0..0),
        };
        assert_eq!(payment_columns(None), ("No Upfront", "Custom"));
        let cases = [
            (
                PaymentTerms::Upfront,
                1,
                DurationUnit::Months,
                ("All Upfront", "One-Time"),
            ),
            (
                PaymentTerms::Arrears,
                1,
                DurationUnit::Months,
                ("No Upfront", "Monthly"),
            ),
            (
                PaymentTerms::Advance,
                3,
                DurationUnit::Months,
                ("No Upfront", "Quarterly"),
            ),
            (
                PaymentTerms::Arrears,
                1,
                DurationUnit::Quarters,
                ("No Upfront", "Quarterly"),
            ),
            (
                PaymentTerms::Arrears,
                2,
                DurationUnit::Quarters,
                ("No Upfront", "Semi-Annual"),
            ),
            (
                PaymentTerms::Arrears,
                1,
                DurationUnit::Years,
                ("No Upfront", "Annual"),
            ),
            (
                PaymentTerms::Arrears,
                12,
                DurationUnit::Months,
                ("No Upfront", "Annual"),
            ),
            (
                PaymentTerms::Arrears,
                2,
                DurationUnit::Months,
                ("No Upfront", "Custom"),
            ),
            (
                PaymentTerms::Arrears,
                30,
                DurationUnit::Days,
                ("No Upfront", "Custom"),
            ),
            (
                PaymentTerms::Arrears,
                4,
                DurationUnit::Weeks,
                ("No Upfront", "Custom"),
            ),
        ];
        for (t, count, unit, want) in cases {
            assert_eq!(
                payment_columns(Some(&terms(t, count, unit))),
                want,
                "{t:?} {count} {unit:?}"
            );
        }
    }

    #[test]
    fn contract_applied_is_focus_json_with_exact_costs() {
        let text = contract_applied(
            "a\"b",
            &[("a\"b/2026-01-01".to_owned(), 12_345), ("x".to_owned(), 0)],
        );
        assert_eq!(
            text,
            r#"{"Elements":[{"ContractID":"a\"b","ContractCommitmentID":"a\"b/2026-01-01","ContractCommitmentAppliedCost":123.45,"ContractCommitmentAppliedQuantity":null,"ContractCommitmentAppliedUnit":null},{"ContractID":"a\"b","ContractCommitmentID":"x","ContractCommitmentAppliedCost":0.00,"ContractCommitmentAppliedQuantity":null,"ContractCommitmentAppliedUnit":null}]}"#
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["Elements"].as_array().map(Vec::len), Some(2));
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
