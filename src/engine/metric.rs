//! One figure of the projection at one period, and each contract's share of it: what
//! `capplan sensitivity` ranks contracts by.
//!
//! Every metric is a sum over contracts of parts that depend on one contract alone, rounded at
//! most once at the end: units online are floored per tranche, spend is rounded to cents per
//! contract, and facility power is an exact sum rounded once to the kilowatt
//! (docs/figures.md). So the metric of a catalog in which one contract changed is the
//! baseline's sum, minus that contract's share, plus its new share, then the one rounding: a
//! variant costs one contract's work, not a whole projection. Shares keep whole parts as
//! integers and only the fractions that ramps leave as [`Num`], like [`super::capacity`], so
//! they are exact wherever it is.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::catalog::ramp::day_number;
use crate::catalog::ramp::{ramp_shape, tranche_units};
use crate::catalog::{Catalog, Contract, HardwareKind};
use crate::engine::num::Num;
use crate::engine::spend::contract_cents;
use crate::engine::{EngineError, Filter, Timeline};
use crate::exact::Rational;

/// A figure at the end of, or over, one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Facility power on the period's last day, in kW (MW with three decimals), shown in GW.
    Gw,
    /// The same figure as [`Metric::Gw`], shown in MW.
    Mw,
    /// GPUs online on the period's last day, floored per tranche.
    Gpus,
    /// CPUs online on the period's last day, floored per tranche.
    Cpus,
    /// Spend in the period, in cents.
    Spend,
    /// Spend from each contract's start to the period's end, in cents.
    CumulativeSpend,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::Gw,
        Metric::Mw,
        Metric::Gpus,
        Metric::Cpus,
        Metric::Spend,
        Metric::CumulativeSpend,
    ];

    /// The name on the command line: `gw`, `gpus`, `cpus`, `spend`, `cumulative-spend`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Gw => "gw",
            Metric::Mw => "mw",
            Metric::Gpus => "gpus",
            Metric::Cpus => "cpus",
            Metric::Spend => "spend",
            Metric::CumulativeSpend => "cumulative-spend",
        }
    }

    /// What the metric measures, for people.
    pub fn description(self) -> &'static str {
        match self {
            Metric::Gw | Metric::Mw => "facility power at the period's end",
            Metric::Gpus => "GPUs online at the period's end",
            Metric::Cpus => "CPUs online at the period's end",
            Metric::Spend => "spend in the period",
            Metric::CumulativeSpend => "cumulative spend at the period's end",
        }
    }

    /// Whether the metric is facility power, in kW.
    pub fn is_power(self) -> bool {
        matches!(self, Metric::Gw | Metric::Mw)
    }

    /// Whether the metric is money.
    pub fn is_money(self) -> bool {
        matches!(self, Metric::Spend | Metric::CumulativeSpend)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(text.trim()))
            .ok_or(())
    }
}

/// A contract's part of a metric, or a sum of such parts: a whole part and the exact fraction
/// that ramps leave. For power both are in units of `1 / power_den` kW; otherwise the fraction
/// is zero and the whole part is units or cents.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Share {
    pub whole: i128,
    pub fraction: Num,
}

impl Share {
    pub fn checked_add(self, other: Share) -> Option<Share> {
        Some(Share {
            whole: self.whole.checked_add(other.whole)?,
            fraction: self.fraction.checked_add(other.fraction)?,
        })
    }

    pub fn checked_sub(self, other: Share) -> Option<Share> {
        Some(Share {
            whole: self.whole.checked_sub(other.whole)?,
            fraction: self
                .fraction
                .checked_add(other.fraction.checked_mul(Num::int(-1))?)?,
        })
    }
}

/// A metric at one period of a timeline, with what its shares need: the filter, and the scale
/// that turns every tranche's watts x PUE into an integer.
#[derive(Clone, Debug)]
pub struct Probe<'a> {
    pub metric: Metric,
    /// Index of the period in `timeline.periods`.
    pub period: usize,
    timeline: &'a Timeline,
    filter: &'a Filter,
    /// Watts x PUE are integers over `10^watts_scale`.
    watts_scale: u32,
    /// Power in kW is a share over this.
    power_den: i128,
}

fn overflow(c: &Contract, what: &'static str) -> EngineError {
    EngineError {
        contract: c.id.clone(),
        what,
    }
}

fn too_big() -> EngineError {
    EngineError {
        contract: String::new(),
        what: "the metric",
    }
}

impl<'a> Probe<'a> {
    /// A probe of `metric` at `timeline.periods[period]`. `catalog` fixes the power scale: every
    /// catalog probed later must use the same hardware and PUEs, as a delay or a scale does.
    pub fn new(
        catalog: &Catalog,
        timeline: &'a Timeline,
        period: usize,
        metric: Metric,
        filter: &'a Filter,
    ) -> Result<Probe<'a>, EngineError> {
        let mut watts_scale = 0;
        for c in &catalog.contracts {
            for t in &c.tranches {
                if let Some(hw) = catalog.hardware(&t.hardware) {
                    let w = hw
                        .watts_per_unit
                        .checked_mul(catalog.pue_of(c))
                        .ok_or_else(|| overflow(c, "the power per unit"))?;
                    watts_scale = watts_scale.max(w.scale());
                }
            }
        }
        let power_den = 10_i128.checked_pow(watts_scale + 3).ok_or_else(too_big)?;
        Ok(Probe {
            metric,
            period,
            timeline,
            filter,
            watts_scale,
            power_den,
        })
    }

    /// The contract's share of the metric; zero for a contract the filter leaves out.
    pub fn share(&self, catalog: &Catalog, c: &Contract) -> Result<Share, EngineError> {
        if !self.filter.includes(c) {
            return Ok(Share::default());
        }
        match self.metric {
            Metric::Spend | Metric::CumulativeSpend => {
                let cents = contract_cents(catalog, c, &self.timeline.periods)
                    .ok_or_else(|| overflow(c, "spend"))?;
                let mut whole: i128 = 0;
                for (p, amount) in cents {
                    let counts = match self.metric {
                        Metric::Spend => p == self.period,
                        _ => p <= self.period,
                    };
                    if counts {
                        whole = whole
                            .checked_add(amount)
                            .ok_or_else(|| overflow(c, "spend"))?;
                    }
                }
                Ok(Share {
                    whole,
                    fraction: Num::ZERO,
                })
            }
            Metric::Gw | Metric::Mw | Metric::Gpus | Metric::Cpus => {
                self.capacity_share(catalog, c)
            }
        }
    }

    /// Units or power of the contract's tranches on the period's last day, as
    /// [`super::capacity`] computes them: units floored per tranche, power exact.
    fn capacity_share(&self, catalog: &Catalog, c: &Contract) -> Result<Share, EngineError> {
        let err = |what| overflow(c, what);
        let last = day_number(self.timeline.periods[self.period].end) - 1;
        let mut share = Share::default();
        for t in &c.tranches {
            if !(self.filter.hardware.is_empty() || self.filter.hardware.contains(&t.hardware)) {
                continue;
            }
            let hw = catalog
                .hardware(&t.hardware)
                .ok_or_else(|| err("the hardware lookup"))?;
            let wanted = match self.metric {
                Metric::Gpus => hw.kind == HardwareKind::Gpu,
                Metric::Cpus => hw.kind == HardwareKind::Cpu,
                _ => true,
            };
            if !wanted {
                continue;
            }
            let units = tranche_units(catalog, c, t).map_err(|_| err("the unit count"))?;
            let (num, den) = ramp_shape(c, t, units)
                .sum_parts(last, last + 1)
                .ok_or_else(|| err("units online"))?;
            if num == 0 {
                continue;
            }
            if !self.metric.is_power() {
                share.whole = share
                    .whole
                    .checked_add(num / den)
                    .ok_or_else(|| err("units online"))?;
                continue;
            }
            let watts = hw
                .watts_per_unit
                .checked_mul(catalog.pue_of(c))
                .ok_or_else(|| err("the power per unit"))?;
            let factor = self
                .watts_scale
                .checked_sub(watts.scale())
                .and_then(|s| 10_i128.checked_pow(s))
                .ok_or_else(|| err("the power per unit"))?;
            let w_num = watts
                .mantissa()
                .checked_mul(factor)
                .and_then(|w| w.checked_mul(num))
                .ok_or_else(|| err("facility power"))?;
            share.whole = share
                .whole
                .checked_add(w_num / den)
                .ok_or_else(|| err("facility power"))?;
            if w_num % den != 0 {
                let part = Rational::new(w_num % den, den).ok_or_else(|| err("a fraction"))?;
                share.fraction = share
                    .fraction
                    .checked_add(Num::Exact(part))
                    .ok_or_else(|| err("a fraction"))?;
            }
        }
        Ok(share)
    }

    /// The sum of every contract's share.
    pub fn total(&self, catalog: &Catalog) -> Result<Share, EngineError> {
        let mut total = Share::default();
        for c in &catalog.contracts {
            total = total
                .checked_add(self.share(catalog, c)?)
                .ok_or_else(too_big)?;
        }
        Ok(total)
    }

    /// The metric of a sum of shares: kW for power, rounded half-even once; units or cents
    /// otherwise.
    pub fn value(&self, total: Share) -> Result<i128, EngineError> {
        if !self.metric.is_power() {
            return Ok(total.whole);
        }
        let kw = Num::int(total.whole)
            .checked_add(total.fraction)
            .and_then(|w| w.checked_div(Num::int(self.power_den)))
            .and_then(Num::round_half_even)
            .ok_or_else(too_big)?;
        // Reports show power as a `Decimal` of MW: make sure it is one.
        Decimal::try_from_i128_with_scale(kw, 3).map_err(|_| too_big())?;
        Ok(kw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_parse_back() {
        for m in Metric::ALL {
            assert_eq!(m.name().parse::<Metric>(), Ok(m));
        }
        assert_eq!("GW".parse::<Metric>(), Ok(Metric::Gw));
        assert!("power".parse::<Metric>().is_err());
    }

    #[test]
    fn shares_subtract_exactly() {
        let third = Num::Exact(Rational::new(1, 3).unwrap());
        let a = Share {
            whole: 10,
            fraction: third,
        };
        let b = Share {
            whole: 4,
            fraction: third,
        };
        let d = a.checked_sub(b).unwrap();
        assert_eq!(d.whole, 6);
        assert!(d.fraction.is_zero());
    }
}
