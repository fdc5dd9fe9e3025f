//! Money on a basis (docs/finance.md, bases): accrual (docs/figures.md, spend: the value spread
//! over the term's days), cash (as the contract's `payment` terms pay it) and expense (rent as it
//! accrues, bought hardware depreciated: [`super::expense`]).
//!
//! Cash: each billing interval's accrued spend is computed exactly as spend computes a
//! period's (docs/figures.md, spend), and the intervals' amounts are rounded to cents by
//! largest remainder over the contract's payments, so they sum exactly to its value. A
//! period's cash is the sum of the payments dated in it. A contract without `payment` pays as
//! it accrues, day by day, so its cash is its accrual.

use chrono::NaiveDate;

use crate::catalog::finance::payment_dates;
use crate::catalog::{Catalog, Contract};
use crate::engine::num::Num;
use crate::engine::period::Period;
use crate::engine::spend::{common_amounts, contract_cents, raw_amounts};
use crate::exact::Rational;

/// What a period's money measures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Basis {
    /// Spend as it accrues, day by day (docs/figures.md, spend). The default.
    #[default]
    Accrual,
    /// Payments, on the day each is paid.
    Cash,
    /// The income statement's cost: rent as it accrues, owned hardware depreciated.
    Expense,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Accrual => "accrual",
            Basis::Cash => "cash",
            Basis::Expense => "expense",
        }
    }
}

/// Cents per period of the grid for one contract on `basis`, summing exactly to its value.
/// `None` on overflow, or where the grid does not reach the last money of the contract.
pub fn basis_cents(
    catalog: &Catalog,
    c: &Contract,
    periods: &[Period],
    basis: Basis,
) -> Option<Vec<(usize, i128)>> {
    match basis {
        Basis::Accrual => contract_cents(catalog, c, periods),
        Basis::Cash => cash_cents(catalog, c, periods),
        Basis::Expense => super::expense::expense_cents(catalog, c, periods),
    }
}

/// A contract's payments: the day each is paid and its amount in cents, in order. Without
/// `payment` terms, `None`: the contract pays as it accrues. `Some(None)` on overflow.
pub fn payments(catalog: &Catalog, c: &Contract) -> Option<Option<Vec<(NaiveDate, i128)>>> {
    let p = c.payment.as_ref()?;
    Some(payments_of(catalog, c, p))
}

fn payments_of(
    catalog: &Catalog,
    c: &Contract,
    p: &crate::catalog::Payment,
) -> Option<Vec<(NaiveDate, i128)>> {
    let dates = payment_dates(c, p)?;
    let intervals: Vec<Period> = dates
        .iter()
        .map(|d| Period {
            label: String::new(),
            start: d.from,
            end: d.to,
        })
        .collect();
    let cents = contract_cents(catalog, c, &intervals)?;
    let mut out: Vec<(NaiveDate, i128)> = Vec::with_capacity(cents.len());
    for (i, amount) in cents {
        out.push((dates.get(i)?.paid, amount));
    }
    Some(out)
}

/// Cents per period on the cash basis.
fn cash_cents(catalog: &Catalog, c: &Contract, periods: &[Period]) -> Option<Vec<(usize, i128)>> {
    let Some(paid) = payments(catalog, c) else {
        return contract_cents(catalog, c, periods);
    };
    let mut out: Vec<(usize, i128)> = Vec::new();
    for (date, amount) in paid? {
        let i = periods.partition_point(|p| p.end <= date);
        if periods.get(i).is_none_or(|p| p.start > date) {
            return None;
        }
        match out.last_mut() {
            Some(last) if last.0 == i => last.1 = last.1.checked_add(amount)?,
            _ => out.push((i, amount)),
        }
    }
    Some(out)
}

/// The exact accrual of each day of the contract's term, in cents: `(day, amount)` in order.
/// They sum exactly to the value (spend spreads it so: docs/figures.md, spend). `None` on overflow.
pub fn daily_accrual(catalog: &Catalog, c: &Contract) -> Option<Vec<(NaiveDate, Num)>> {
    let days: Vec<Period> = c
        .start
        .iter_days()
        .take_while(|d| *d < c.end)
        .map(|d| Period {
            label: String::new(),
            start: d,
            end: d.succ_opt().unwrap_or(d),
        })
        .collect();
    // Most contracts' daily amounts share one denominator that fits: integer numerators then,
    // and the general fractions only where they do not.
    if let Some((nums, den)) = common_amounts(catalog, c, &days, 0..days.len()) {
        // Runs of equal days (a straight line, a schedule window) reduce their fraction once.
        let mut last: Option<(i128, Rational)> = None;
        let mut out = Vec::with_capacity(nums.len());
        for (i, n) in nums {
            let r = match last {
                Some((m, r)) if m == n => r,
                _ => Rational::new(n, den)?,
            };
            last = Some((n, r));
            out.push((days.get(i)?.start, Num::Exact(r)));
        }
        return Some(out);
    }
    let amounts = raw_amounts(catalog, c, &days, 0..days.len())?;
    amounts
        .into_iter()
        .map(|(i, a)| Some((days.get(i)?.start, a)))
        .collect()
}

/// A contract's flows on `basis` for present value: its payments where it has `payment`
/// terms and the basis is cash, else its exact daily accrual. `None` on overflow.
pub fn flows(catalog: &Catalog, c: &Contract, basis: Basis) -> Option<Vec<(NaiveDate, Num)>> {
    if basis == Basis::Cash
        && let Some(paid) = payments(catalog, c)
    {
        return Some(paid?.into_iter().map(|(d, a)| (d, Num::int(a))).collect());
    }
    daily_accrual(catalog, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_named_as_the_command_line_spells_them() {
        assert_eq!(Basis::default().name(), "accrual");
        assert_eq!(Basis::Cash.name(), "cash");
        assert_eq!(Basis::Expense.name(), "expense");
    }
}
