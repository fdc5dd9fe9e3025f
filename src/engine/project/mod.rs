//! The projection: capacity, power and spend per period and group, and the targets.
//!
//! This module holds what every projection shares (the grouping, the filter, the timeline, the
//! figures per group) and spend; `capacity` sums capacity, power and compute exactly, and
//! `targets` finds when each target is reached.

mod capacity;
mod targets;

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::catalog::finance::money_end;
use crate::catalog::{Catalog, Contract, Precision, Status};
use crate::engine::cash::{Basis, basis_cents};
use crate::engine::period::{Grid, Period};
use crate::exact::Rational;

pub use capacity::{CapacityCell, CapacityProjection, capacity};
pub use targets::{TargetStatus, target_h100e, target_status};

/// What the rows of a report are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupBy {
    Total,
    Provider,
    Contract,
    Hardware,
    Tranche,
}

impl GroupBy {
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Total => "total",
            GroupBy::Provider => "provider",
            GroupBy::Contract => "contract",
            GroupBy::Hardware => "hardware",
            GroupBy::Tranche => "tranche",
        }
    }
}

/// Which contracts and tranches count.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these providers, if any.
    pub providers: Vec<String>,
    /// Only these contracts, if any.
    pub contracts: Vec<String>,
    /// Only tranches of this hardware, if any (for spend: contracts with such a tranche).
    pub hardware: Vec<String>,
    /// Leave non-binding contracts out.
    pub signed_only: bool,
    /// What spend measures: accrual (the default), cash or expense.
    pub basis: Basis,
    /// The precision compute is counted at; `None` for the portfolio's default.
    pub precision: Option<Precision>,
    /// Spend re-forecast from actuals, by contract id: replaces those contracts' plan in
    /// spend (docs/actuals.md).
    pub reforecast: Option<std::sync::Arc<BTreeMap<String, crate::engine::reforecast::Reforecast>>>,
}

impl Filter {
    /// Whether a contract's figures count: in scope, not cancelled, and signed where
    /// `signed_only` is set.
    pub fn includes(&self, c: &Contract) -> bool {
        let status_ok = match c.status {
            Status::Signed => true,
            Status::NonBinding => !self.signed_only,
            Status::Cancelled => false,
        };
        status_ok && self.in_scope(c)
    }

    /// Whether a contract matches the provider, contract and hardware filters, whatever its status.
    pub fn in_scope(&self, c: &Contract) -> bool {
        (self.providers.is_empty()
            || self
                .providers
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&c.provider)))
            && (self.contracts.is_empty() || self.contracts.contains(&c.id))
            && (self.hardware.is_empty()
                || c.tranches
                    .iter()
                    .any(|t| self.hardware.contains(&t.hardware)))
    }

    /// The precision in effect for `catalog`.
    pub fn precision_for(&self, catalog: &Catalog) -> Precision {
        self.precision
            .unwrap_or(catalog.portfolio.compute.precision)
    }

    /// Whether tranches of hardware `hw` count.
    pub fn includes_hardware(&self, hw: &str) -> bool {
        self.hardware.is_empty() || self.hardware.iter().any(|h| h == hw)
    }
}

/// An arithmetic overflow, naming the contract whose figures overflowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}{what} overflows the exact arithmetic", if contract.is_empty() { String::new() } else { format!("contract `{contract}`: ") })]
pub struct EngineError {
    /// The contract whose figures overflowed; empty for a sum over several contracts.
    pub contract: String,
    pub what: &'static str,
}

impl EngineError {
    /// The overflow as a diagnostic (`overflow`), located at the contract whose figures
    /// overflowed where `catalog` has it, else at the portfolio.
    pub fn diagnostic(&self, catalog: &crate::catalog::Catalog) -> crate::diagnostic::Diagnostic {
        use crate::diagnostic::{Code, Diagnostic};
        let contract = catalog.contracts.iter().find(|c| c.id == self.contract);
        let span = match contract {
            Some(c) => c.origin.span("id"),
            None => catalog.portfolio.origin.whole(),
        };
        Diagnostic::new(Code::Overflow, span, self.to_string()).with_help(
            "capplan computes every figure exactly, in 128-bit integers: look for a misplaced digit in this contract's `units`, `power_mw`, `value_usd` or term, or in the `[[hardware]]` profiles it uses",
        )
    }
}

fn overflow(c: &Contract, what: &'static str) -> EngineError {
    EngineError {
        contract: c.id.clone(),
        what,
    }
}

/// The grid of a projection: every period from the earliest contract start to the end of the
/// window or of the latest contract, whichever is later, and the window's part of it.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub grid: Grid,
    pub periods: Vec<Period>,
    pub window: Range<usize>,
}

impl Timeline {
    /// A timeline for a window `[from, to)` of whole periods, long enough for every contract.
    pub fn new(catalog: &Catalog, grid: Grid, from: NaiveDate, to: NaiveDate) -> Timeline {
        Timeline::covering(&[catalog], grid, from, to)
    }

    /// [`Timeline::new`], long enough for the contracts of every catalog given.
    pub fn covering(catalogs: &[&Catalog], grid: Grid, from: NaiveDate, to: NaiveDate) -> Timeline {
        let mut lo = from;
        let mut hi = to;
        for c in catalogs.iter().flat_map(|k| &k.contracts) {
            lo = lo.min(c.start);
            // Payments and depreciation may run past the term.
            hi = hi.max(money_end(c).unwrap_or(c.end));
        }
        let periods = grid.periods(lo, hi);
        let first = periods.partition_point(|p| p.end <= from);
        let last = periods.partition_point(|p| p.start < to);
        Timeline {
            grid,
            periods,
            window: first..last.max(first),
        }
    }

    pub fn window_periods(&self) -> &[Period] {
        &self.periods[self.window.clone()]
    }
}

/// Figures per group, each a series over the whole timeline.
#[derive(Clone, Debug)]
pub struct Series<T> {
    pub groups: Vec<String>,
    /// `[group][period]`.
    pub values: Vec<Vec<T>>,
}

impl<T: Clone + Default> Series<T> {
    fn new(groups: Vec<String>, periods: usize) -> Self {
        let values = vec![vec![T::default(); periods]; groups.len()];
        Series { groups, values }
    }
}

fn group_key(by: GroupBy, c: &Contract, tranche: Option<(&str, &str)>) -> String {
    match by {
        GroupBy::Total => "total".to_owned(),
        GroupBy::Provider => c.provider.clone(),
        GroupBy::Contract => c.id.clone(),
        GroupBy::Hardware => tranche.map_or_else(String::new, |(_, hw)| hw.to_owned()),
        GroupBy::Tranche => tranche.map_or_else(String::new, |(id, _)| format!("{}/{id}", c.id)),
    }
}

/// Spend in cents per group and period, over the whole timeline.
pub fn spend(
    catalog: &Catalog,
    timeline: &Timeline,
    by: GroupBy,
    filter: &Filter,
) -> Result<Series<i128>, EngineError> {
    let by = match by {
        GroupBy::Total | GroupBy::Provider | GroupBy::Contract => by,
        // Spend belongs to a contract, not to its tranches.
        GroupBy::Hardware | GroupBy::Tranche => GroupBy::Contract,
    };
    let included: Vec<&Contract> = catalog
        .contracts
        .iter()
        .filter(|c| filter.includes(c))
        .collect();
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    if by == GroupBy::Total {
        keys.insert("total".to_owned(), 0);
    }
    for c in &included {
        keys.entry(group_key(by, c, None)).or_insert(0);
    }
    let groups: Vec<String> = keys.keys().cloned().collect();
    for (i, v) in keys.values_mut().enumerate() {
        *v = i;
    }
    let mut out: Series<i128> = Series::new(groups, timeline.periods.len());
    // Each contract's cents are independent of the others': compute them in parallel, then add
    // them up in catalog order, a chunk of contracts at a time so that the cents in flight stay
    // few whatever the catalog's size.
    const CHUNK: usize = 4096;
    for chunk in included.chunks(CHUNK) {
        let per_contract: Vec<Option<Vec<(usize, i128)>>> = chunk
            .par_iter()
            .map(
                |c| match filter.reforecast.as_ref().and_then(|r| r.get(&c.id)) {
                    Some(r) => r.cents(&timeline.periods),
                    None => basis_cents(catalog, c, &timeline.periods, filter.basis),
                },
            )
            .collect();
        for (c, cents) in chunk.iter().zip(per_contract) {
            let g = keys[&group_key(by, c, None)];
            let cents = cents.ok_or_else(|| overflow(c, "spend"))?;
            for (p, amount) in cents {
                let cell = &mut out.values[g][p];
                *cell = cell
                    .checked_add(amount)
                    .ok_or_else(|| overflow(c, "spend"))?;
            }
        }
    }
    Ok(out)
}

/// Running totals of a series from the first period of the timeline, so from each contract's
/// start rather than the window's.
pub fn cumulative(values: &[i128]) -> Vec<i128> {
    let mut sum: i128 = 0;
    values
        .iter()
        .map(|v| {
            sum = sum.saturating_add(*v);
            sum
        })
        .collect()
}

/// Money from cents.
pub fn dollars(cents: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(cents, 2).unwrap_or(Decimal::MAX)
}

/// `part / whole` as a percentage rounded half-even to two decimals.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole <= Decimal::ZERO {
        return None;
    }
    let r = Rational::from_decimal(part)?
        .checked_div(Rational::from_decimal(whole)?)?
        .checked_mul(Rational::integer(100))?;
    r.to_decimal(2)
}

/// Contracted value: the sum of included contracts' values.
pub fn contracted(catalog: &Catalog, filter: &Filter) -> Decimal {
    catalog
        .contracts
        .iter()
        .filter(|c| filter.includes(c))
        .fold(Decimal::ZERO, |a, c| a.saturating_add(c.value_usd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_even_to_two_decimals() {
        assert_eq!(
            percent(Decimal::from(1), Decimal::from(3)),
            Some(Decimal::new(3333, 2))
        );
        assert_eq!(
            percent(Decimal::new(1, 4), Decimal::from(1)),
            Some(Decimal::new(1, 2))
        );
        assert_eq!(percent(Decimal::from(1), Decimal::ZERO), None);
    }

    #[test]
    fn cumulative_runs_from_the_first_period() {
        assert_eq!(cumulative(&[1, 2, 0, 3]), vec![1, 3, 3, 6]);
    }
}
