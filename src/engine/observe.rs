//! Observations: the catalog's projection on the days of its published figures
//! (docs/observations.md).
//!
//! Each `[[observed]]` figure is met by the one the reports show for that day: power, GPUs, CPUs
//! and H100e (at the portfolio's default precision) online at the end of the day, spend from the contracts' starts through it, and the value
//! of the contracts announced by then, over every contract that is not cancelled. The figures
//! come from [`super::capacity()`] and [`super::spend()`] on a timeline whose periods end on the
//! observed days, so they round exactly as reports do.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::value::{format_money_short, format_ratio, group_thousands};
use crate::catalog::{Catalog, Measure, Observation, Status};
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::period::{By, Grid, Period};
use crate::engine::project::{self, EngineError, Filter, GroupBy, Timeline};

/// An observation and the catalog's figure for it.
#[derive(Clone, Debug)]
pub struct Checked<'a> {
    pub observation: &'a Observation,
    /// The projected figure in the measure's unit, or `None` where it does not fit the
    /// arithmetic.
    pub projected: Option<Decimal>,
}

impl Checked<'_> {
    /// `projected - observed`.
    pub fn difference(&self) -> Option<Decimal> {
        self.projected?.checked_sub(self.observation.value)
    }

    /// The difference as a share of the observed figure.
    pub fn relative(&self) -> Option<Decimal> {
        self.difference()?.checked_div(self.observation.value)
    }

    /// Whether the projection is within the tolerance: `|projected - observed| <= tolerance *
    /// observed`. `false` where it cannot be projected.
    pub fn within(&self) -> bool {
        let o = self.observation;
        match (self.difference(), o.tolerance.checked_mul(o.value)) {
            (Some(d), Some(allowed)) => d.abs() <= allowed,
            _ => false,
        }
    }
}

/// The projected figure of every observation of `catalog`, in file order.
pub fn project(catalog: &Catalog) -> Result<Vec<Checked<'_>>, EngineError> {
    let observed = &catalog.observed;
    if observed.is_empty() {
        return Ok(Vec::new());
    }
    let mut days: Vec<NaiveDate> = observed.iter().map(|o| o.date).collect();
    days.sort_unstable();
    days.dedup();
    let Some(timeline) = ending_on(catalog, &days) else {
        return Ok(Vec::new());
    };
    let all = Filter::default();
    let capacity = project::capacity(catalog, &timeline, GroupBy::Total, &all)?;
    let spend = project::spend(catalog, &timeline, GroupBy::Total, &all)?;
    // `total` is the one group of each series.
    let cells = capacity
        .values
        .first()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let spent = spend.values.first().map(Vec::as_slice).unwrap_or_default();
    let cumulative = project::cumulative(spent);
    let mut out = Vec::with_capacity(observed.len());
    for o in observed {
        // Period `i` ends on `days[i]`.
        let i = days.partition_point(|d| *d < o.date);
        let cell = cells.get(i).copied().unwrap_or_default();
        let count = |n: i128| Decimal::try_from_i128_with_scale(n, 0).ok();
        let projected = match o.measure {
            Measure::PowerGw => cell.power_mw().checked_div(Decimal::from(1000)),
            Measure::Gpus => count(cell.gpus),
            Measure::Cpus => count(cell.cpus),
            Measure::CumulativeSpendUsd => cumulative.get(i).copied().map(project::dollars),
            Measure::ContractedUsd => Some(contracted_by(catalog, o.date)),
            // At the portfolio's default precision: the filter sets none.
            Measure::H100e => count(cell.h100e),
        };
        out.push(Checked {
            observation: o,
            projected,
        });
    }
    Ok(out)
}

/// A timeline of one period per observed day (sorted, distinct), each ending on it, between the
/// earliest contract start and the latest end. `None` without days.
fn ending_on(catalog: &Catalog, days: &[NaiveDate]) -> Option<Timeline> {
    let mut lo = *days.first()?;
    let mut hi = *days.last()?;
    for c in &catalog.contracts {
        lo = lo.min(c.start);
        hi = hi.max(c.end);
    }
    let mut periods = Vec::with_capacity(days.len() + 1);
    let mut start = lo;
    for d in days {
        let end = d.succ_opt().unwrap_or(*d);
        periods.push(Period {
            label: d.to_string(),
            start,
            end,
        });
        start = end;
    }
    if start < hi {
        periods.push(Period {
            label: String::new(),
            start,
            end: hi,
        });
    }
    let n = periods.len();
    Some(Timeline {
        grid: Grid::new(By::Month, catalog.portfolio.fiscal_year_start_month),
        periods,
        window: 0..n,
    })
}

/// The value of the contracts that are not cancelled and were announced on or before `day`
/// (`start` where `announced` is absent).
pub fn contracted_by(catalog: &Catalog, day: NaiveDate) -> Decimal {
    catalog
        .contracts
        .iter()
        .filter(|c| c.status != Status::Cancelled && c.announced.unwrap_or(c.start) <= day)
        .fold(Decimal::ZERO, |a, c| a.saturating_add(c.value_usd))
}

/// A figure of `measure` as reports write it: `1.90 GW`, `1,000,000 GPUs`, `$1.40T`.
pub fn format_figure(measure: Measure, value: Decimal) -> String {
    match measure {
        Measure::PowerGw => format!("{:.2} GW", value.round_dp(2)),
        Measure::Gpus => format!("{} GPUs", count(value)),
        Measure::Cpus => format!("{} CPUs", count(value)),
        Measure::H100e => format!("{} H100e", count(value)),
        Measure::CumulativeSpendUsd | Measure::ContractedUsd => format_money_short(value),
    }
}

fn count(value: Decimal) -> String {
    group_thousands(&value.trunc().to_string())
}

/// The observations the projection misses by more than their tolerance, as
/// `observation-mismatch` warnings located at the observed figure.
pub fn mismatches(catalog: &Catalog) -> Result<Vec<Diagnostic>, EngineError> {
    let mut out = Vec::new();
    for checked in project(catalog)? {
        if checked.within() {
            continue;
        }
        let o = checked.observation;
        let what = o.measure.key();
        let observed = format_figure(o.measure, o.value);
        let tolerance = format_ratio((o.tolerance * Decimal::from(100)).normalize());
        let message = match checked.projected {
            Some(p) => {
                let share = checked
                    .relative()
                    .map(|r| format!("{:+.1}%", (r * Decimal::from(100)).round_dp(1)))
                    .unwrap_or_default();
                format!(
                    "`{what}` observed {observed} on {}, projected {} ({share}), outside the tolerance of {tolerance}%",
                    o.date,
                    format_figure(o.measure, p)
                )
            }
            None => format!(
                "`{what}` observed {observed} on {}, but the projection has no such figure",
                o.date
            ),
        };
        let help = "check the contracts that count by that day; widen `tolerance` only as far as the published figure is uncertain";
        out.push(
            Diagnostic::new(Code::ObservationMismatch, o.origin.span("value"), message)
                .with_help(help),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogFiles, load};
    use crate::diagnostic::Report;

    #[test]
    fn every_shipped_observation_is_met_within_its_tolerance() {
        let mut report = Report::default();
        let catalog = load(&CatalogFiles::builtin(), &mut report).expect("the shipped catalog");
        let checked = project(&catalog).expect("no overflow");
        assert!(!checked.is_empty(), "the shipped catalog has observations");
        for c in &checked {
            let o = c.observation;
            assert!(
                c.within(),
                "`{}` on {}: observed {}, projected {:?}, tolerance {}",
                o.measure.key(),
                o.date,
                o.value,
                c.projected,
                o.tolerance
            );
        }
    }
}
