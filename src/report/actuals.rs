//! The documents of `capplan actuals` and `capplan burn` (docs/actuals.md): planned against
//! actual spend per period, the deliveries against the plan, and each contract's commitment
//! burn-down.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;

use crate::actuals::attribute::{Actuals, AsOfSource};
use crate::catalog::Contract;
use crate::catalog::ramp::{day_number, ramp_shape, tranche_units};
use crate::catalog::value::{format_money_exact, group_thousands};
use crate::engine::num::Num;
use crate::engine::spend::contract_cents;
use crate::engine::{EngineError, Period};
use crate::report::build::Context;
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};

fn overflow(c: &Contract, what: &'static str) -> EngineError {
    EngineError {
        contract: c.id.clone(),
        what,
    }
}

/// Exact dollars as dollars and cents, half-even.
pub fn cents(n: Num) -> Option<Decimal> {
    let c = n.checked_mul(Num::int(100))?.round_half_even()?;
    Decimal::try_from_i128_with_scale(c, 2).ok()
}

/// `part / whole` in percent with two decimals; `None` where `whole` is zero.
fn pct(part: Num, whole: Num) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    let p = part
        .checked_mul(Num::int(10_000))?
        .checked_div(whole)?
        .round_half_even()?;
    Decimal::try_from_i128_with_scale(p, 2).ok()
}

fn money(n: Option<Decimal>) -> Cell {
    n.map_or(Cell::Null, Cell::Decimal)
}

/// How `capplan actuals` groups its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActualsGroup {
    Total,
    Provider,
    Contract,
}

impl ActualsGroup {
    fn key(self, c: &Contract) -> String {
        match self {
            ActualsGroup::Total => "total".to_owned(),
            ActualsGroup::Provider => c.provider.clone(),
            ActualsGroup::Contract => c.id.clone(),
        }
    }
}

/// The summary lines every actuals command shows: where the actuals come from, `as_of`, rows
/// read and what no contract claimed.
pub fn actuals_summary(a: &Actuals) -> Vec<SummaryItem> {
    let source = match a.as_of_source {
        AsOfSource::Given => "from --as-of",
        AsOfSource::Cost => "the end of the latest charge period",
        AsOfSource::Deliveries => "the day after the latest delivery",
        AsOfSource::Nothing => "no actuals: the horizon's start",
    };
    let unattributed = cents(a.unattributed_usd).unwrap_or_default();
    vec![
        SummaryItem {
            key: "actuals".into(),
            label: "actuals".into(),
            text: format!(
                "{} cost rows in {} file{} of `{}`, {} deliveries",
                group_thousands(&a.rows.to_string()),
                a.files,
                if a.files == 1 { "" } else { "s" },
                a.folder.display(),
                a.deliveries.len()
            ),
            json: json!({"folder": a.folder.display().to_string(), "files": a.files, "rows": a.rows, "deliveries": a.deliveries.len()}),
        },
        SummaryItem {
            key: "as_of".into(),
            label: "as of".into(),
            text: format!("{} ({source})", a.as_of),
            json: json!(a.as_of.to_string()),
        },
        SummaryItem {
            key: "unattributed".into(),
            label: "unattributed".into(),
            text: format!(
                "{} in {} row{} that no contract's `[actuals] match` claims",
                format_money_exact(unattributed),
                group_thousands(&a.unattributed_rows.to_string()),
                if a.unattributed_rows == 1 { "" } else { "s" }
            ),
            json: json!({"rows": a.unattributed_rows, "usd": format!("{unattributed:.2}")}),
        },
    ]
}

/// The timeline's periods with the one holding `as_of` split in two at it: each with the index
/// of the period it comes from and whether it is before `as_of`.
fn split_at(periods: &[Period], as_of: NaiveDate) -> Vec<(Period, usize, bool)> {
    let mut out = Vec::with_capacity(periods.len() + 1);
    for (i, p) in periods.iter().enumerate() {
        if p.start < as_of && as_of < p.end {
            let mut before = p.clone();
            before.end = as_of;
            let mut after = p.clone();
            after.start = as_of;
            out.push((before, i, true));
            out.push((after, i, false));
        } else {
            out.push((p.clone(), i, p.end <= as_of));
        }
    }
    out
}

/// `capplan actuals`: per window period and group, planned and actual spend up to `as_of`,
/// over the contracts that have a match table.
pub fn variance(
    ctx: &Context<'_>,
    a: &Actuals,
    group: ActualsGroup,
) -> Result<Document, EngineError> {
    let periods = &ctx.timeline.periods;
    let split = split_at(periods, a.as_of);
    let pieces: Vec<Period> = split.iter().map(|s| s.0.clone()).collect();
    let mut groups: std::collections::BTreeMap<String, (Vec<i128>, Vec<Num>)> =
        std::collections::BTreeMap::new();
    let mut counted = 0;
    for (ci, c) in ctx.catalog.contracts.iter().enumerate() {
        if c.actuals.is_empty() || !ctx.filter.includes(c) {
            continue;
        }
        counted += 1;
        let entry = groups
            .entry(group.key(c))
            .or_insert_with(|| (vec![0; periods.len()], vec![Num::ZERO; periods.len()]));
        let planned =
            contract_cents(ctx.catalog, c, &pieces).ok_or_else(|| overflow(c, "spend"))?;
        for (k, amount) in planned {
            let (_, p, before) = &split[k];
            if *before {
                entry.0[*p] += amount;
            }
        }
        for (p, period) in periods.iter().enumerate() {
            let lo = day_number(period.start);
            let hi = day_number(period.end.min(a.as_of));
            if lo < hi {
                let s = a
                    .sum(ci, lo, hi)
                    .ok_or_else(|| overflow(c, "actual spend"))?;
                entry.1[p] = entry.1[p]
                    .checked_add(s)
                    .ok_or_else(|| overflow(c, "actual spend"))?;
            }
        }
    }
    let columns = vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date).data_only(),
        Column::new("end", "end", Kind::Date).data_only(),
        Column::new("group", "group", Kind::Text),
        Column::new("through", "through", Kind::Date),
        Column::new("planned_spend_usd", "planned", Kind::Money),
        Column::new("actual_spend_usd", "actual", Kind::Money),
        Column::new("variance_usd", "variance", Kind::Money).signed(),
        Column::new("variance_pct", "variance %", Kind::Pct).signed(),
    ];
    let mut rows = Vec::new();
    for (p, period) in periods.iter().enumerate() {
        if !ctx.timeline.window.contains(&p) || period.start >= a.as_of {
            continue;
        }
        for (key, (planned, actual)) in &groups {
            let planned = Num::int(planned[p])
                .checked_div(Num::int(100))
                .unwrap_or(Num::ZERO);
            let actual = actual[p];
            let diff = actual.checked_sub(planned).unwrap_or(Num::ZERO);
            rows.push(vec![
                Cell::Text(period.label.clone()),
                Cell::Date(period.start),
                Cell::Date(period.end),
                Cell::Text(key.clone()),
                Cell::Date(period.end.min(a.as_of)),
                money(cents(planned)),
                money(cents(actual)),
                money(cents(diff)),
                pct(diff, planned).map_or(Cell::Null, Cell::Decimal),
            ]);
        }
    }
    let mut summary = actuals_summary(a);
    summary.push(SummaryItem {
        key: "contracts".into(),
        label: "contracts".into(),
        text: format!(
            "{counted} with an `[actuals] match` table; planned spend is counted through `as_of` only"
        ),
        json: json!(counted),
    });
    Ok(Document {
        report: "actuals",
        by: Some(ctx.timeline.grid.by.name()),
        group_by: Some(match group {
            ActualsGroup::Total => "total",
            ActualsGroup::Provider => "provider",
            ActualsGroup::Contract => "contract",
        }),
        scenarios: ctx.scenarios.clone(),
        title: Some(ctx.catalog.portfolio.name.clone()),
        summary,
        columns,
        rows,
    })
}

/// The first day on which the plan has at least `units` of a tranche online, if it ever does.
fn first_day_with(shape: &crate::catalog::ramp::RampShape, units: u64) -> Option<i64> {
    let enough = |d: i64| {
        shape
            .online(d)
            .is_some_and(|u| u.floor() >= i128::from(units))
    };
    let (mut lo, mut hi) = (shape.from, shape.until.min(shape.by.max(shape.from) + 1));
    if hi <= lo || !enough(hi - 1) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if enough(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// `capplan actuals --deliveries`: each observation against the plan, with its implied slip.
pub fn deliveries(ctx: &Context<'_>, a: &Actuals) -> Result<Document, EngineError> {
    let columns = vec![
        Column::new("contract", "contract", Kind::Text),
        Column::new("tranche", "tranche", Kind::Text),
        Column::new("date", "date", Kind::Date),
        Column::new("planned_units", "planned", Kind::Count),
        Column::new("observed_units", "observed", Kind::Count),
        Column::new("implied_slip_days", "slip (days)", Kind::Count).signed(),
    ];
    let mut rows = Vec::new();
    for d in &a.deliveries {
        let c = &ctx.catalog.contracts[d.contract];
        if !ctx.filter.includes(c) {
            continue;
        }
        let t = &c.tranches[d.tranche];
        let units = tranche_units(ctx.catalog, c, t).map_err(|_| overflow(c, "the unit count"))?;
        let shape = ramp_shape(c, t, units);
        let planned = shape
            .online(day_number(d.date))
            .ok_or_else(|| overflow(c, "units online"))?
            .floor();
        let slip = first_day_with(&shape, d.units).map(|first| day_number(d.date) - first);
        rows.push(vec![
            Cell::Text(c.id.clone()),
            Cell::Text(t.id.clone()),
            Cell::Date(d.date),
            Cell::Count(planned),
            Cell::Count(i128::from(d.units)),
            slip.map_or(Cell::Null, |s| Cell::Count(i128::from(s))),
        ]);
    }
    Ok(Document {
        report: "deliveries",
        by: None,
        group_by: None,
        scenarios: ctx.scenarios.clone(),
        title: Some(ctx.catalog.portfolio.name.clone()),
        summary: actuals_summary(a),
        columns,
        rows,
    })
}

/// One contract's burn-down, exact.
#[derive(Clone, Debug)]
pub struct Burn {
    pub contract: usize,
    pub value: Num,
    pub consumed: Num,
    pub run_rate: Num,
    pub projected: Num,
}

impl Burn {
    pub fn shortfall(&self) -> Num {
        let s = self.value.checked_sub(self.projected).unwrap_or(Num::ZERO);
        if s.is_positive() { s } else { Num::ZERO }
    }

    pub fn overrun(&self) -> Num {
        let s = self.projected.checked_sub(self.value).unwrap_or(Num::ZERO);
        if s.is_positive() { s } else { Num::ZERO }
    }
}

/// Days of actual cost the run-rate looks back over.
pub const RUN_RATE_DAYS: i64 = 90;

/// The burn-down of every included contract that has a match table.
pub fn burns(ctx: &Context<'_>, a: &Actuals) -> Result<Vec<Burn>, EngineError> {
    let as_of = day_number(a.as_of);
    let mut out = Vec::new();
    for (ci, c) in ctx.catalog.contracts.iter().enumerate() {
        if c.actuals.is_empty() || !ctx.filter.includes(c) {
            continue;
        }
        let (start, end) = (day_number(c.start), day_number(c.end));
        let consumed = a
            .sum(ci, i64::MIN, as_of)
            .ok_or_else(|| overflow(c, "actual spend"))?;
        let lo = (as_of - RUN_RATE_DAYS).max(start);
        let run_rate = if lo < as_of {
            a.sum(ci, lo, as_of)
                .and_then(|s| s.checked_div(Num::int(i128::from(as_of - lo))))
                .ok_or_else(|| overflow(c, "the run-rate"))?
        } else {
            Num::ZERO
        };
        let left = (end - as_of.max(start)).max(0);
        let projected = run_rate
            .checked_mul(Num::int(i128::from(left)))
            .and_then(|x| x.checked_add(consumed))
            .ok_or_else(|| overflow(c, "the projection"))?;
        out.push(Burn {
            contract: ci,
            value: Num::from_decimal(c.value_usd),
            consumed,
            run_rate,
            projected,
        });
    }
    Ok(out)
}

/// `capplan burn`: per contract, the commitment burn-down as of `as_of`.
pub fn burn(ctx: &Context<'_>, a: &Actuals, burns: &[Burn]) -> Document {
    let columns = vec![
        Column::new("contract", "contract", Kind::Text),
        Column::new("provider", "provider", Kind::Text),
        Column::new("start", "start", Kind::Date).data_only(),
        Column::new("end", "end", Kind::Date),
        Column::new("value_usd", "value", Kind::Money),
        Column::new("consumed_usd", "consumed", Kind::Money),
        Column::new("remaining_usd", "remaining", Kind::Money),
        Column::new("elapsed_pct", "elapsed", Kind::Pct),
        Column::new("consumed_pct", "consumed %", Kind::Pct),
        Column::new("run_rate_usd_per_day", "run-rate / day", Kind::Money),
        Column::new("projected_usd", "projected", Kind::Money),
        Column::new("shortfall_usd", "shortfall", Kind::Money),
        Column::new("overrun_usd", "overrun", Kind::Money),
    ];
    let as_of = day_number(a.as_of);
    let mut rows = Vec::new();
    let (mut at_risk, mut total_shortfall, mut total_value) = (0, Num::ZERO, Num::ZERO);
    for b in burns {
        let c = &ctx.catalog.contracts[b.contract];
        let (start, end) = (day_number(c.start), day_number(c.end));
        let elapsed = Num::int(i128::from((as_of.clamp(start, end)) - start));
        let term = Num::int(i128::from(end - start));
        let remaining = b.value.checked_sub(b.consumed).unwrap_or(Num::ZERO);
        let remaining = if remaining.is_positive() {
            remaining
        } else {
            Num::ZERO
        };
        let shortfall = b.shortfall();
        if shortfall.is_positive() {
            at_risk += 1;
            total_shortfall = total_shortfall
                .checked_add(shortfall)
                .unwrap_or(total_shortfall);
        }
        total_value = total_value.checked_add(b.value).unwrap_or(total_value);
        rows.push(vec![
            Cell::Text(c.id.clone()),
            Cell::Text(c.provider.clone()),
            Cell::Date(c.start),
            Cell::Date(c.end),
            money(cents(b.value)),
            money(cents(b.consumed)),
            money(cents(remaining)),
            pct(elapsed, term).map_or(Cell::Null, Cell::Decimal),
            pct(b.consumed, b.value).map_or(Cell::Null, Cell::Decimal),
            money(cents(b.run_rate)),
            money(cents(b.projected)),
            money(cents(shortfall)),
            money(cents(b.overrun())),
        ]);
    }
    let shortfall = cents(total_shortfall).unwrap_or_default();
    let mut summary = actuals_summary(a);
    summary.push(SummaryItem {
        key: "true_up_risk".into(),
        label: "true-up risk".into(),
        text: format!(
            "{} short at term end on {at_risk} of {} contract{} at their {RUN_RATE_DAYS}-day run-rates",
            format_money_exact(shortfall),
            burns.len(),
            if burns.len() == 1 { "" } else { "s" }
        ),
        json: json!({"contracts": burns.len(), "at_risk": at_risk, "shortfall_usd": format!("{shortfall:.2}"), "value_usd": cents(total_value).map(|v| format!("{v:.2}"))}),
    });
    Document {
        report: "burn",
        by: None,
        group_by: None,
        scenarios: ctx.scenarios.clone(),
        title: Some(ctx.catalog.portfolio.name.clone()),
        summary,
        columns,
        rows,
    }
}

/// The portfolio's shortfall, in exact dollars: the `shortfall-usd` gate's figure.
pub fn total_shortfall(burns: &[Burn]) -> Num {
    burns.iter().fold(Num::ZERO, |acc, b| {
        acc.checked_add(b.shortfall()).unwrap_or(acc)
    })
}
