//! Expense (docs/finance.md, expense): what a contract costs the income statement per period.
//!
//! A leased contract expenses its spend as it accrues. An owned one capitalizes each day's
//! accrued spend that day and depreciates it straight-line, per day, over `useful_life`
//! counted from that day: a day's spend `a` with a life of `L` days (`day + useful_life - day`,
//! so a five-year life is 1,826 or 1,827 days as leap days fall) adds `a * n / L` to a period
//! that holds `n` of those `L` days. The exact amounts are rounded to cents by largest
//! remainder over the contract's whole depreciation life, so they sum exactly to its value.

use crate::catalog::finance::money_end;
use crate::catalog::ramp::day_number;
use crate::catalog::{Catalog, Contract, Ownership};
use crate::engine::cash::daily_accrual;
use crate::engine::num::Num;
use crate::engine::period::Period;
use crate::engine::spend::{contract_cents, largest_remainder, value_cents};

/// Cents per period of the grid on the expense basis. `None` on overflow, or where the grid
/// ends before the depreciation does.
pub fn expense_cents(
    catalog: &Catalog,
    c: &Contract,
    periods: &[Period],
) -> Option<Vec<(usize, i128)>> {
    let life = match (c.ownership, c.useful_life) {
        (Ownership::Owned, Some(life)) => life,
        _ => return contract_cents(catalog, c, periods),
    };
    let end = money_end(c)?;
    let first = periods.partition_point(|p| p.end <= c.start);
    let last = periods.partition_point(|p| p.start < end);
    if periods.last().is_none_or(|p| p.end < end) {
        return None;
    }
    // Each day's spend `a` depreciates at `a / L` a day over `[day, day + L)`: the rate of
    // every day is a running sum of those starts and ends, added up once per period.
    let origin = day_number(c.start);
    let span = usize::try_from(day_number(end) - origin).ok()?;
    let mut steps = vec![Num::ZERO; span + 1];
    for (day, a) in daily_accrual(catalog, c)? {
        if a.is_zero() {
            continue;
        }
        let lo = day_number(day);
        let hi = day_number(life.add_to(day)?);
        let length = i128::from(hi - lo);
        if length <= 0 {
            return None;
        }
        let rate = a.checked_div(Num::int(length))?;
        let (i, j) = (
            usize::try_from(lo - origin).ok()?,
            usize::try_from(hi - origin).ok()?,
        );
        steps[i] = steps[i].checked_add(rate)?;
        let end_step = steps.get_mut(j)?;
        *end_step = end_step.checked_add(rate.checked_mul(Num::int(-1))?)?;
    }
    let mut amounts = vec![Num::ZERO; last - first];
    let mut rate = Num::ZERO;
    let mut k = 0;
    for (offset, step) in steps.iter().take(span).enumerate() {
        rate = rate.checked_add(*step)?;
        let d = origin + i64::try_from(offset).ok()?;
        while periods
            .get(first + k)
            .is_some_and(|p| day_number(p.end) <= d)
        {
            k += 1;
        }
        let slot = amounts.get_mut(k)?;
        *slot = slot.checked_add(rate)?;
    }
    let indexed: Vec<(usize, Num)> = amounts
        .into_iter()
        .enumerate()
        .map(|(k, a)| (first + k, a))
        .collect();
    largest_remainder(value_cents(c.value_usd)?, &indexed)
}
