//! What a tranche delivers: units online on each day, exactly (docs/figures.md, units online).
//!
//! A tranche of `U` units with ramp `r`, `online_from` a, `online_by` b and `until` e has
//! `online(d)` units online on day d: 0 before a and from e on, U from b to e, and in between,
//! with t = d - a and n = b - a, `U t / n` (linear), `U t^2 (3n - 2t) / n^3` (s-curve) or 0
//! (step). Sums over a range of days use the closed forms of the power sums, so the cost does
//! not depend on the number of days, and the result stays an exact fraction.

use chrono::{Datelike, NaiveDate};

use rust_decimal::Decimal;

use crate::catalog::model::{Catalog, Contract, Quantity, Ramp, Tranche};
use crate::exact::{Rational, floor_div};

/// A day as a count of days, so that ranges of days are plain integer ranges.
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// A tranche's ramp with its dates as day numbers. `from <= by` is assumed; `until` may be
/// anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RampShape {
    pub units: u64,
    pub from: i64,
    pub by: i64,
    pub until: i64,
    pub ramp: Ramp,
}

impl RampShape {
    /// Units online on day `d`, exactly. `None` on overflow.
    pub fn online(&self, d: i64) -> Option<Rational> {
        self.sum(d, d.checked_add(1)?)
    }

    /// `sum of online(d)` for `d` in `[lo, hi)`, exactly: unit-days. `None` on overflow.
    pub fn sum(&self, lo: i64, hi: i64) -> Option<Rational> {
        let (num, den) = self.sum_parts(lo, hi)?;
        Rational::new(num, den)
    }

    /// [`RampShape::sum`] as a numerator and a denominator (`n`, `n^3` or 1), not reduced: the
    /// engine's hot loop floors and splits it with one division instead of reducing it.
    pub fn sum_parts(&self, lo: i64, hi: i64) -> Option<(i128, i128)> {
        let u = i128::from(self.units);
        let lo = lo.max(self.from);
        let hi = hi.min(self.until);
        if lo >= hi {
            return Some((0, 1));
        }
        // Days at full capacity: [max(by, lo), hi).
        let full_days = i128::from(hi - lo.max(self.by)).max(0);
        let full = u.checked_mul(full_days)?;
        // Days on the ramp: [lo, min(by, hi)), with t = d - from in [t0, t1).
        let t0 = i128::from(lo - self.from);
        let t1 = i128::from(hi.min(self.by) - self.from);
        if t0 >= t1 || self.ramp == Ramp::Step {
            return Some((full, 1));
        }
        let n = i128::from(self.by - self.from);
        let (ramp, den) = match self.ramp {
            Ramp::Linear => (u.checked_mul(power_sum(1, t0, t1)?)?, n),
            Ramp::SCurve => {
                let s2 = power_sum(2, t0, t1)?;
                let s3 = power_sum(3, t0, t1)?;
                let inner = n
                    .checked_mul(3)?
                    .checked_mul(s2)?
                    .checked_sub(s3.checked_mul(2)?)?;
                (u.checked_mul(inner)?, n.checked_pow(3)?)
            }
            Ramp::Step => (0, 1),
        };
        Some((full.checked_mul(den)?.checked_add(ramp)?, den))
    }
}

/// Why a tranche's unit count could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitsError {
    /// The arithmetic does not fit.
    Overflow,
    /// The hardware id is unknown.
    UnknownHardware,
}

/// A tranche's units: `units`, or `floor(power_mw * 1e6 / (watts_per_unit * pue))`.
pub fn tranche_units(
    catalog: &Catalog,
    contract: &Contract,
    tranche: &Tranche,
) -> Result<u64, UnitsError> {
    match tranche.quantity {
        Quantity::Units(n) => Ok(n),
        Quantity::PowerMw(mw) => {
            let hw = catalog
                .hardware(&tranche.hardware)
                .ok_or(UnitsError::UnknownHardware)?;
            units_from_power(mw, hw.watts_per_unit, catalog.pue_of(contract))
        }
    }
}

/// `floor(mw * 1e6 / (watts * pue))`, exactly.
pub fn units_from_power(mw: Decimal, watts: Decimal, pue: Decimal) -> Result<u64, UnitsError> {
    let facility_watts = watts.checked_mul(pue).ok_or(UnitsError::Overflow)?;
    let total_watts = mw
        .checked_mul(Decimal::from(1_000_000))
        .ok_or(UnitsError::Overflow)?;
    if facility_watts <= Decimal::ZERO {
        return Err(UnitsError::Overflow);
    }
    let units = floor_div(total_watts, facility_watts).ok_or(UnitsError::Overflow)?;
    u64::try_from(units).map_err(|_| UnitsError::Overflow)
}

/// The ramp of a tranche on its contract, as day numbers.
pub fn ramp_shape(contract: &Contract, tranche: &Tranche, units: u64) -> RampShape {
    RampShape {
        units,
        from: day_number(tranche.online_from),
        by: day_number(tranche.online_by),
        until: day_number(tranche.until_or(contract.end)),
        ramp: tranche.ramp,
    }
}

/// `sum of t^k` for `t` in `[t0, t1)`, `0 <= t0 <= t1`, for k in 1..=3.
fn power_sum(k: u32, t0: i128, t1: i128) -> Option<i128> {
    let upto = |m: i128| -> Option<i128> {
        // Sums over [0, m).
        let s1 = m.checked_mul(m - 1)? / 2;
        Some(match k {
            1 => s1,
            2 => (m - 1).checked_mul(m)?.checked_mul(2 * m - 1)? / 6,
            _ => s1.checked_mul(s1)?,
        })
    };
    upto(t1)?.checked_sub(upto(t0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(units: u64, from: i64, by: i64, until: i64, ramp: Ramp) -> RampShape {
        RampShape {
            units,
            from,
            by,
            until,
            ramp,
        }
    }

    /// The definition, day by day, for comparison with the closed forms.
    fn online_by_definition(s: &RampShape, d: i64) -> Rational {
        if d < s.from || d >= s.until {
            return Rational::ZERO;
        }
        if d >= s.by {
            return Rational::integer(s.units as i128);
        }
        let (t, n, u) = (
            (d - s.from) as i128,
            (s.by - s.from) as i128,
            s.units as i128,
        );
        match s.ramp {
            Ramp::Linear => Rational::new(u * t, n).unwrap(),
            Ramp::SCurve => Rational::new(u * t * t * (3 * n - 2 * t), n * n * n).unwrap(),
            Ramp::Step => Rational::ZERO,
        }
    }

    #[test]
    fn closed_form_sums_match_the_day_by_day_definition() {
        for ramp in [Ramp::Linear, Ramp::SCurve, Ramp::Step] {
            for (from, by, until) in [(10, 40, 100), (10, 10, 50), (10, 90, 60), (0, 7, 8)] {
                let s = shape(1_000, from, by, until, ramp);
                for (lo, hi) in [(0, 120), (15, 16), (20, 70), (39, 41), (95, 200), (5, 5)] {
                    let mut expected = Rational::ZERO;
                    for d in lo..hi {
                        expected = expected.checked_add(online_by_definition(&s, d)).unwrap();
                    }
                    assert_eq!(
                        s.sum(lo, hi).unwrap(),
                        expected,
                        "{ramp:?} {from} {by} {until} [{lo},{hi})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_linear_ramp_is_half_way_at_half_time() {
        let s = shape(200_000, 0, 100, 1_000, Ramp::Linear);
        assert_eq!(s.online(50).unwrap(), Rational::integer(100_000));
        assert_eq!(s.online(0).unwrap(), Rational::ZERO);
        assert_eq!(s.online(100).unwrap(), Rational::integer(200_000));
        assert_eq!(s.online(1_000).unwrap(), Rational::ZERO);
    }

    #[test]
    fn an_s_curve_is_slow_then_fast_then_slow() {
        let s = shape(1_000, 0, 10, 100, Ramp::SCurve);
        // x = 0.1: 1000 * 0.01 * 2.8 = 28; x = 0.5: 500.
        assert_eq!(s.online(1).unwrap(), Rational::integer(28));
        assert_eq!(s.online(5).unwrap(), Rational::integer(500));
        assert_eq!(s.online(3).unwrap().floor(), 216);
    }

    #[test]
    fn a_step_arrives_whole_on_online_by() {
        let s = shape(500, 0, 10, 100, Ramp::Step);
        assert_eq!(s.online(9).unwrap(), Rational::ZERO);
        assert_eq!(s.online(10).unwrap(), Rational::integer(500));
    }

    #[test]
    fn huge_tranches_overflow_instead_of_wrapping() {
        let s = shape(u64::MAX, 0, 1_000_000, 2_000_000, Ramp::SCurve);
        assert_eq!(s.sum(0, 2_000_000), None);
    }
}
