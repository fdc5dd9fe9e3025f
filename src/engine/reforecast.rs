//! The re-forecast (docs/actuals.md): for each contract with actuals, actual spend before
//! `as_of` and, from it on, the rest of the value, `R = V - A`, spread over the contract's
//! planned days in proportion to its plan (the plan scaled by `R / (V - P)`, P planned before
//! `as_of`). Where no planned day is left (P = V, or the term has ended), R falls on the later of
//! `as_of` and the contract's last day, as a true-up. Where A >= V nothing remains (no negative
//! spend): the contract sums to A, and the excess is an overrun.
//!
//! A re-forecast is kept as exact cents per day, so that any grid of periods (the report's,
//! a gate's) sums its days and rounds them by largest remainder to the contract's total: V in
//! cents, or A rounded half-even to the cent on an overrun.

use std::collections::BTreeMap;

use crate::actuals::attribute::Actuals;
use crate::catalog::ramp::day_number;
use crate::catalog::{Catalog, Contract};
use crate::engine::cash::daily_accrual;
use crate::engine::num::Num;
use crate::engine::spend::{largest_remainder, value_cents};
use crate::engine::{EngineError, Period};

/// One contract's re-forecast.
#[derive(Clone, Debug, PartialEq)]
pub struct Reforecast {
    /// What its periods sum to, in cents.
    pub total_cents: i128,
    /// Exact cents per day number, in order.
    pub days: Vec<(i64, Num)>,
    /// Actual spend to `as_of` beyond the value, in exact cents; zero otherwise.
    pub overrun_cents: Num,
}

impl Reforecast {
    /// Cents per period of `periods` (indices into it), summing exactly to the total.
    pub fn cents(&self, periods: &[Period]) -> Option<Vec<(usize, i128)>> {
        let ends: Vec<i64> = periods.iter().map(|p| day_number(p.end)).collect();
        let starts: Vec<i64> = periods.iter().map(|p| day_number(p.start)).collect();
        let mut amounts: Vec<(usize, Num)> = Vec::new();
        for &(day, amount) in &self.days {
            // The period holding the day; days outside every period go to the nearest one.
            let i = ends
                .partition_point(|&e| e <= day)
                .min(periods.len().checked_sub(1)?);
            let i = if day < starts[0] { 0 } else { i };
            match amounts.last_mut() {
                Some((j, sum)) if *j == i => *sum = sum.checked_add(amount)?,
                _ => amounts.push((i, amount)),
            }
        }
        largest_remainder(self.total_cents, &amounts)
    }
}

fn overflow(c: &Contract) -> EngineError {
    EngineError {
        contract: c.id.clone(),
        what: "the re-forecast",
    }
}

/// The re-forecast of one contract, `ci` in the catalog.
pub fn contract(
    catalog: &Catalog,
    ci: usize,
    actuals: &Actuals,
) -> Result<Reforecast, EngineError> {
    let c = &catalog.contracts[ci];
    let err = || overflow(c);
    let as_of = day_number(actuals.as_of);
    let value = value_cents(c.value_usd).ok_or_else(err)?;
    let hundred = Num::int(100);
    let mut days: Vec<(i64, Num)> = Vec::new();
    let mut actual = Num::ZERO;
    for (&day, &usd) in actuals.cost[ci].range(..as_of) {
        let cents = usd.checked_mul(hundred).ok_or_else(err)?;
        actual = actual.checked_add(cents).ok_or_else(err)?;
        days.push((day, cents));
    }
    let rest = Num::int(value).checked_sub(actual).ok_or_else(err)?;
    if !rest.is_positive() {
        let total = actual.round_half_even().ok_or_else(err)?;
        return Ok(Reforecast {
            total_cents: total,
            days,
            overrun_cents: actual.checked_sub(Num::int(value)).ok_or_else(err)?,
        });
    }
    let plan = daily_accrual(catalog, c).ok_or_else(err)?;
    let mut planned_before = Num::ZERO;
    let mut after: Vec<(i64, Num)> = Vec::new();
    for (date, cents) in plan {
        let day = day_number(date);
        if day < as_of {
            planned_before = planned_before.checked_add(cents).ok_or_else(err)?;
        } else if !cents.is_zero() {
            after.push((day, cents));
        }
    }
    let planned_after = Num::int(value)
        .checked_sub(planned_before)
        .ok_or_else(err)?;
    if after.is_empty() || !planned_after.is_positive() {
        // No planned day left: the rest is a true-up on the later of as_of and the last day.
        let last = day_number(c.end.pred_opt().unwrap_or(c.end));
        days.push((as_of.max(last), rest));
    } else {
        let scale = rest.checked_div(planned_after).ok_or_else(err)?;
        for (day, cents) in after {
            days.push((day, cents.checked_mul(scale).ok_or_else(err)?));
        }
    }
    Ok(Reforecast {
        total_cents: value,
        days,
        overrun_cents: Num::ZERO,
    })
}

/// The re-forecast of every contract with actuals, by contract id.
pub fn reforecast(
    catalog: &Catalog,
    actuals: &Actuals,
) -> Result<BTreeMap<String, Reforecast>, EngineError> {
    let mut out = BTreeMap::new();
    for (ci, c) in catalog.contracts.iter().enumerate() {
        if actuals.has(catalog, ci) {
            out.insert(c.id.clone(), contract(catalog, ci, actuals)?);
        }
    }
    Ok(out)
}
