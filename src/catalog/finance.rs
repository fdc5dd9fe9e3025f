//! The finance terms of a contract (docs/finance.md): when its spend is paid
//! (`payment`), and whether it is rented or bought and depreciated (`ownership`,
//! `useful_life`). The dates they imply are part of the contract, so they are computed here;
//! the engine turns them into money per period. The checks run with the other cross-checks of
//! [`super::validate`], after loading and after every scenario.

use chrono::NaiveDate;

use crate::catalog::model::{Contract, Ownership, Payment, PaymentTerms};
use crate::catalog::value::Duration;
use crate::catalog::{Catalog, value::DurationUnit};
use crate::diagnostic::{Code, Diagnostic};

/// The most payments one contract may have: a daily interval over a quarter-millennium term.
pub const MAX_PAYMENTS: usize = 100_000;

/// One payment of a contract: the billing interval `[from, to)` whose accrued spend it pays,
/// and the day it is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentDate {
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
    pub paid: NaiveDate,
}

/// `every * k`, as a duration.
fn times(every: Duration, k: i64) -> Option<Duration> {
    Some(Duration {
        count: every.count.checked_mul(k)?,
        unit: every.unit,
    })
}

/// The billing intervals of a contract and the day each is paid, in order. Interval k starts
/// at `start + k * every` (each from `start`, so month-end clamping never drifts); the last
/// ends at the contract's end. `upfront` terms have one interval, the whole term. `None`
/// when `every` is not positive, when a date passes the end of the calendar, or past
/// [`MAX_PAYMENTS`].
pub fn payment_dates(c: &Contract, p: &Payment) -> Option<Vec<PaymentDate>> {
    if c.end <= c.start {
        return None;
    }
    let paid = |due: NaiveDate| p.lag.add_to(due);
    if p.terms == PaymentTerms::Upfront {
        return Some(vec![PaymentDate {
            from: c.start,
            to: c.end,
            paid: paid(c.start)?,
        }]);
    }
    if !p.every.is_positive() {
        return None;
    }
    let mut out = Vec::new();
    let mut from = c.start;
    let mut k: i64 = 1;
    while from < c.end {
        if out.len() >= MAX_PAYMENTS {
            return None;
        }
        let to = times(p.every, k)?.add_to(c.start)?.min(c.end);
        // Month arithmetic that clamps could, in principle, stand still: never loop on it.
        if to <= from {
            return None;
        }
        let due = match p.terms {
            PaymentTerms::Arrears => to,
            PaymentTerms::Advance | PaymentTerms::Upfront => from,
        };
        out.push(PaymentDate {
            from,
            to,
            paid: paid(due)?,
        });
        from = to;
        k += 1;
    }
    Some(out)
}

/// The last day plus one on which the contract moves money on any basis: after its end, its
/// last payment, and the end of the depreciation of its last day's spend. `None` past the
/// calendar.
pub fn money_end(c: &Contract) -> Option<NaiveDate> {
    let mut end = c.end;
    if let Some(p) = &c.payment {
        let last = payment_dates(c, p)?.iter().map(|d| d.paid).max()?;
        end = end.max(last.succ_opt()?);
    }
    if c.ownership == Ownership::Owned
        && let Some(life) = c.useful_life
    {
        // The last day's spend is depreciated over `[end - 1, end - 1 + life)`.
        end = end.max(life.add_to(c.end.pred_opt()?)?);
    }
    Some(end)
}

/// The checks of `payment`, `ownership` and `useful_life`. `term_ok`: the term is usable.
pub(crate) fn contract_checks(
    catalog: &Catalog,
    c: &Contract,
    what: &str,
    term_ok: bool,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(p) = &c.payment {
        payment_checks(catalog, c, p, what, term_ok, out);
    }
    ownership_checks(c, what, term_ok, out);
}

fn payment_checks(
    catalog: &Catalog,
    c: &Contract,
    p: &Payment,
    what: &str,
    term_ok: bool,
    out: &mut Vec<Diagnostic>,
) {
    let mut ok = true;
    if p.terms != PaymentTerms::Upfront && !p.every.is_positive() {
        out.push(Diagnostic::new(
            Code::NonPositive,
            p.origin.span("every"),
            format!(
                "{what} has payment `every = \"{}\"`; the interval must be positive",
                p.every
            ),
        ));
        ok = false;
    }
    if p.lag.count < 0 {
        out.push(
            Diagnostic::new(
                Code::InvalidValue,
                p.origin.span("lag"),
                format!(
                    "{what} has payment `lag = \"{}\"`; a lag cannot be negative",
                    p.lag
                ),
            )
            .with_help("to pay at the start of each interval, write `terms = \"advance\"`"),
        );
        ok = false;
    }
    if !ok || !term_ok {
        return;
    }
    if p.terms != PaymentTerms::Upfront && p.every.add_to(c.start).is_some_and(|d| d > c.end) {
        out.push(
            Diagnostic::new(
                Code::PaymentIntervalTooLong,
                p.origin.span("every"),
                format!(
                    "{what}: payment interval `every = \"{}\"` is longer than the term [{}, {})",
                    p.every, c.start, c.end
                ),
            )
            .with_help("use a shorter `every`, or `terms = \"upfront\"` for one payment of the whole value"),
        );
        return;
    }
    let Some(dates) = payment_dates(c, p) else {
        out.push(Diagnostic::new(
            Code::Overflow,
            p.origin.span("every"),
            format!(
                "{what}: the payment dates pass the end of the calendar, or number more than {MAX_PAYMENTS}"
            ),
        ));
        return;
    };
    let horizon_end = catalog.portfolio.horizon_end;
    let last = dates.iter().map(|d| d.paid).max();
    let undelayed = dates
        .iter()
        .map(|d| match p.terms {
            PaymentTerms::Arrears => d.to,
            PaymentTerms::Advance | PaymentTerms::Upfront => d.from,
        })
        .max();
    if let (Some(last), Some(undelayed)) = (last, undelayed)
        && p.lag.count > 0
        && last >= horizon_end
        && undelayed < horizon_end
    {
        out.push(
            Diagnostic::new(
                Code::PaymentAfterHorizon,
                p.origin.span("lag"),
                format!(
                    "{what}: with `lag = \"{}\"` the last payment falls on {last}, after the horizon ends on {horizon_end}",
                    p.lag
                ),
            )
            .with_help("cash-basis reports of the default window leave it out; widen `horizon` or shorten `lag`"),
        );
    }
}

fn ownership_checks(c: &Contract, what: &str, term_ok: bool, out: &mut Vec<Diagnostic>) {
    match (c.ownership, c.useful_life) {
        (Ownership::Owned, None) => out.push(
            Diagnostic::new(
                Code::UsefulLifeMismatch,
                c.origin.span("ownership"),
                format!("{what} is `owned` but gives no `useful_life` to depreciate it over"),
            )
            .with_help("add `useful_life = \"6y\"`, the hardware's depreciation period"),
        ),
        (Ownership::Leased, Some(_)) => out.push(
            Diagnostic::new(
                Code::UsefulLifeMismatch,
                c.origin.span("useful_life"),
                format!("{what} gives a `useful_life` but is leased, so nothing is depreciated"),
            )
            .with_help(
                "add `ownership = \"owned\"` if the hardware is bought, or drop `useful_life`",
            ),
        ),
        (Ownership::Owned, Some(life)) => {
            if !life.is_positive() {
                out.push(Diagnostic::new(
                    Code::NonPositive,
                    c.origin.span("useful_life"),
                    format!("{what} has `useful_life = \"{life}\"`; it must be positive"),
                ));
            } else if term_ok && c.end.pred_opt().and_then(|d| life.add_to(d)).is_none() {
                out.push(Diagnostic::new(
                    Code::Overflow,
                    c.origin.span("useful_life"),
                    format!("{what}: depreciation over `useful_life = \"{life}\"` passes the end of the calendar"),
                ));
            }
        }
        (Ownership::Leased, None) => {}
    }
}

/// Days in a duration of days or weeks; `None` for calendar units, whose length in days
/// depends on the date it is counted from.
pub fn fixed_days(d: Duration) -> Option<i64> {
    match d.unit {
        DurationUnit::Days => Some(d.count),
        DurationUnit::Weeks => d.count.checked_mul(7),
        DurationUnit::Months | DurationUnit::Quarters | DurationUnit::Years => None,
    }
}
