//! Expense (DESIGN.md section 10): what a contract costs the income statement per period.
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
use crate::exact::Rational;

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
    let bounds: Vec<(i64, i64)> = periods[first..last]
        .iter()
        .map(|p| (day_number(p.start), day_number(p.end)))
        .collect();
    let mut amounts = vec![Num::ZERO; bounds.len()];
    for (day, a) in daily_accrual(catalog, c)? {
        if a.is_zero() {
            continue;
        }
        let (lo, hi) = (day_number(day), day_number(life.add_to(day)?));
        let length = i128::from(hi - lo);
        if length <= 0 {
            return None;
        }
        let k0 = bounds.partition_point(|b| b.1 <= lo);
        for (k, &(p_lo, p_hi)) in bounds.iter().enumerate().skip(k0) {
            if p_lo >= hi {
                break;
            }
            let days = i128::from(p_hi.min(hi) - p_lo.max(lo));
            let share = Num::Exact(Rational::new(days, length)?);
            amounts[k] = amounts[k].checked_add(a.checked_mul(share)?)?;
        }
    }
    let indexed: Vec<(usize, Num)> = amounts
        .into_iter()
        .enumerate()
        .map(|(k, a)| (first + k, a))
        .collect();
    largest_remainder(value_cents(c.value_usd)?, &indexed)
}
