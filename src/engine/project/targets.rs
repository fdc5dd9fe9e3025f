//! When each target is reached: the first period at whose end its spend, power and H100e
//! figures are, and whether that is by its date.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{CapacityCell, EngineError, Filter, GroupBy, Timeline, capacity, cumulative};
use crate::catalog::{Catalog, Target};
use crate::engine::period::Period;
use crate::engine::spend::value_cents;

/// When a target is reached: each figure it sets, and both together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetStatus {
    pub target: String,
    /// First period at whose end cumulative spend reaches `spend_usd`.
    pub spend_met_in: Option<Period>,
    /// First period at whose end facility power reaches `power_gw`.
    pub power_met_in: Option<Period>,
    /// First period at whose end H100e online reach `h100e`.
    pub h100e_met_in: Option<Period>,
    /// First period at whose end every figure the target sets is reached.
    pub met_in: Option<Period>,
    /// Whether `met_in` ends on or before the target's `by` date, where it has one.
    pub met_by_deadline: Option<bool>,
}

/// Total H100e online per period at the portfolio's default precision, the one `h100e` targets
/// are set at: `cells`' own figures where the run counts at that precision, else counted again.
pub fn target_h100e(
    catalog: &Catalog,
    timeline: &Timeline,
    filter: &Filter,
    cells: &[CapacityCell],
) -> Result<Vec<i128>, EngineError> {
    let default = catalog.portfolio.compute.precision;
    let sets_h100e = catalog.targets.iter().any(|t| t.h100e.is_some());
    if filter.precision_for(catalog) == default || !sets_h100e {
        return Ok(cells.iter().map(|c| c.h100e).collect());
    }
    let at_default = Filter {
        precision: None,
        ..filter.clone()
    };
    let whole = Timeline {
        window: 0..timeline.periods.len(),
        ..timeline.clone()
    };
    let cap = capacity(catalog, &whole, GroupBy::Total, &at_default)?;
    Ok(cap.values[0].iter().map(|c| c.h100e).collect())
}

/// Evaluates a target over total power (kW per period), H100e at the portfolio's default
/// precision ([`target_h100e`]) and total spend (cents per period) on the whole timeline.
pub fn target_status(
    target: &Target,
    timeline: &Timeline,
    power_kw: &[i128],
    h100e: &[i128],
    spend_cents: &[i128],
) -> TargetStatus {
    let cum = cumulative(spend_cents);
    let spend_goal = target.spend_usd.and_then(value_cents);
    let power_goal_kw = target
        .power_gw
        .and_then(|gw| gw.checked_mul(Decimal::from(1_000_000))?.ceil().to_i128());
    let n = timeline.periods.len();
    let spend_ok = |p: usize| spend_goal.is_none_or(|g| cum.get(p).is_some_and(|c| *c >= g));
    let power_ok =
        |p: usize| power_goal_kw.is_none_or(|g| power_kw.get(p).is_some_and(|kw| *kw >= g));
    let h100e_goal = target.h100e.map(i128::from);
    let h100e_ok = |p: usize| h100e_goal.is_none_or(|g| h100e.get(p).is_some_and(|h| *h >= g));
    let first =
        |f: &dyn Fn(usize) -> bool| (0..n).find(|&p| f(p)).map(|p| timeline.periods[p].clone());
    let sets_any = spend_goal.is_some() || power_goal_kw.is_some() || h100e_goal.is_some();
    let spend_met_in = spend_goal.and_then(|_| first(&spend_ok));
    let power_met_in = power_goal_kw.and_then(|_| first(&power_ok));
    let h100e_met_in = h100e_goal.and_then(|_| first(&h100e_ok));
    let met_in = if sets_any {
        first(&|p| spend_ok(p) && power_ok(p) && h100e_ok(p))
    } else {
        None
    };
    let met_by_deadline = target
        .by
        .map(|by| met_in.as_ref().is_some_and(|p| p.last_day() <= by));
    TargetStatus {
        target: target.id.clone(),
        spend_met_in,
        power_met_in,
        h100e_met_in,
        met_in,
        met_by_deadline,
    }
}
