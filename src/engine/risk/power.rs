//! Exact facility power: a tranche's figures on a day of its ramp, split into whole parts and
//! fractions, the sums of the tranches no entry can move, and the rounding to the kilowatt.
//!
//! # Exact power
//!
//! Per period, power in kW is `round_half_even(sum_i online_i * watts_i / D)` with each
//! tranche's facility watts an integer over one power of ten `D`, as in the deterministic
//! engine. Each tranche's term splits into a whole part (an integer) and a fraction below one
//! (`r / den`, with `den` the ramp's `n` or `n^3`). Whole parts are summed as integers; the
//! fractions are summed in `f64` only to find the floor of their sum, which is all the
//! rounding needs, and whenever that sum lies within a proven error bound of an integer the
//! period is summed again exactly (as fractions, continued as 28-digit decimals past `i128`
//! as everywhere in the engine). So the figures are those of `capplan plan` for the same
//! dates, digit for digit.

use rust_decimal::Decimal;

use super::RiskModel;
use super::draws::Scratch;
use crate::catalog::model::Ramp;
use crate::catalog::ramp::RampShape;
use crate::engine::num::Num;
use crate::exact::Rational;

/// A tranche's figures on one day of its ramp: whole units, the whole part of power (watts x
/// units over the run's power scale) and the fraction it leaves.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Point {
    pub(super) power: i128,
    pub(super) units: u64,
    pub(super) frac: f64,
}

/// `(num, den)` of units online `t` days into a ramp of `n` days.
pub(super) fn ramp_parts(units: u64, n: i64, ramp: Ramp, t: i64) -> Option<(i128, i128)> {
    let shape = RampShape {
        units,
        from: 0,
        by: n,
        until: i64::MAX,
        ramp,
    };
    shape.sum_parts(t, t.checked_add(1)?)
}

/// Splits `num / den` units at `watts` into a [`Point`] and the exact remainder `r` (over `den`).
pub(super) fn split(num: i128, den: i128, watts: i128) -> Option<(Point, i128)> {
    let w = num.checked_mul(watts)?;
    let r = w % den;
    let point = Point {
        power: w / den,
        units: u64::try_from(num / den).ok()?,
        frac: if r == 0 { 0.0 } else { r as f64 / den as f64 },
    };
    Some((point, r))
}

/// A tranche that samples can move or cancel.
#[derive(Clone, Debug)]
pub(super) struct Line {
    pub(super) gpu: bool,
    pub(super) units: u64,
    /// Units x watts: the whole power at full capacity.
    pub(super) full_power: i128,
    pub(super) watts: i128,
    /// `online_from` with the fixed part of its slips, as a day number.
    pub(super) from: i64,
    /// Days of ramp: `online_by - online_from`.
    pub(super) n: i64,
    pub(super) ramp: Ramp,
    /// First period (of the span) whose last day is on or after `until`.
    pub(super) p_until: usize,
    /// Figures per ramp day; empty where the budget ran out (computed as needed) or where the
    /// ramp has no days between 0 and all units.
    pub(super) table: Vec<Point>,
    /// For a ramp whose products fit 64 bits, the ramp's denominator (`n`, or `n^3` for an
    /// s-curve): its figures then take two divisions, faster than a table that does not stay
    /// in the processor's cache. 0 otherwise.
    pub(super) fast_den: u64,
}

impl Line {
    /// Whether days on the ramp have units online: not a step, and a ramp at all.
    pub(super) fn ramps(&self) -> bool {
        self.ramp != Ramp::Step && self.n > 0
    }

    pub(super) fn point(&self, t: i64) -> Point {
        if let Some(p) = self.table.get(t as usize) {
            return *p;
        }
        if self.fast_den != 0 {
            return self.fast_point(t);
        }
        // Checked at t = n - 1, where every intermediate value is largest, when the line was
        // built: these cannot fail.
        ramp_parts(self.units, self.n, self.ramp, t)
            .and_then(|(num, den)| split(num, den, self.watts))
            .map_or_else(Point::default, |(p, _)| p)
    }

    /// [`Line::point`] in 64 bits. With `num / den` units online (`U t / n`, or
    /// `U t^2 (3n - 2t) / n^3`) and `num = q den + rem`, the power `num w / den` is
    /// `w q + (w rem) / den`. Needs `U den`, `w den` and `U w` below 2^64, checked when the line
    /// is built ([`fast_den`]).
    fn fast_point(&self, t: i64) -> Point {
        let (t, n, den) = (t as u64, self.n as u64, self.fast_den);
        let num = match self.ramp {
            Ramp::SCurve => self.units * (t * t * (3 * n - 2 * t)),
            _ => self.units * t,
        };
        let w = self.watts as u64;
        let (q, rem) = (num / den, num % den);
        let b = w * rem;
        let r = b % den;
        Point {
            power: i128::from(w * q + b / den),
            units: q,
            frac: if r == 0 { 0.0 } else { r as f64 / den as f64 },
        }
    }

    fn exact_frac(&self, t: i64) -> Option<Rational> {
        let (num, den) = ramp_parts(self.units, self.n, self.ramp, t)?;
        let (_, r) = split(num, den, self.watts)?;
        Rational::new(r, den)
    }
}

/// The denominator of a ramp's figures where [`Line::fast_point`] can compute them in 64 bits,
/// else 0: `units x den`, `watts x den` and `units x watts` must stay below 2^64 (`num` is at
/// most `units x den`, `t^2 (3n - 2t)` at most `n^3`).
pub(super) fn fast_den(units: u64, n: i64, ramp: Ramp, watts: i128) -> u64 {
    let fits = |x: Option<u128>| x.is_some_and(|x| x < u128::from(u64::MAX));
    let (Ok(n), Ok(w)) = (u128::try_from(n), u128::try_from(watts)) else {
        return 0;
    };
    let den = match ramp {
        Ramp::Linear => Some(n),
        Ramp::SCurve => n.checked_mul(n).and_then(|x| x.checked_mul(n)),
        Ramp::Step => None,
    };
    let u = u128::from(units);
    match den {
        Some(den)
            if n > 0
                && fits(Some(den))
                && fits(u.checked_mul(den))
                && fits(w.checked_mul(den))
                && fits(u.checked_mul(w)) =>
        {
            den as u64
        }
        _ => 0,
    }
}

/// Per-period sums of the tranches no entry can move.
#[derive(Clone, Debug)]
pub(super) struct Base {
    pub(super) gpus: Vec<i128>,
    pub(super) power: Vec<i128>,
    pub(super) frac: Vec<f64>,
    pub(super) terms: Vec<u32>,
    pub(super) exact: Vec<Num>,
}

impl Base {
    /// Adds a tranche that no sample moves, at the period ends `ends` (those before its
    /// `until`). `None` on overflow.
    pub(super) fn add(
        &mut self,
        shape: &RampShape,
        gpu: bool,
        watts: i128,
        ends: &[i64],
    ) -> Option<()> {
        for (p, &e) in ends.iter().enumerate() {
            if e < shape.from {
                continue;
            }
            let (num, den) = shape.sum_parts(e, e + 1)?;
            let (point, rem) = split(num, den, watts)?;
            if gpu {
                self.gpus[p] += i128::from(point.units);
            }
            self.power[p] += point.power;
            if rem != 0 {
                self.frac[p] += point.frac;
                self.terms[p] += 1;
                self.exact[p] = self.exact[p].checked_add(Num::Exact(Rational::new(rem, den)?))?;
            }
        }
        Some(())
    }
}

impl RiskModel {
    /// Power in kW of period `p`, with the fractions summed exactly.
    pub(super) fn exact_kw(&self, p: usize, whole: i128, s: &Scratch) -> i128 {
        let e = self.ends[p];
        let mut f = self.base.exact[p];
        for (j, line) in self.lines.iter().enumerate() {
            if !s.alive[j] || !line.ramps() || p >= line.p_until {
                continue;
            }
            let from = line.from + s.shift[j];
            if e < from || e >= from + line.n {
                continue;
            }
            if let Some(r) = line.exact_frac(e - from) {
                f = f.checked_add(Num::Exact(r)).unwrap_or(f);
            }
        }
        let floor = f.floor().unwrap_or(0);
        round_kw(whole + floor, f.fraction().is_zero(), self.power_den)
    }
}

/// `units x watts` of a decimal as an integer over `10^scale`.
pub(super) fn scaled(watts: Decimal, scale: u32) -> Option<i128> {
    watts
        .mantissa()
        .checked_mul(crate::exact::pow10(scale.checked_sub(watts.scale())?)?)
}

/// `round_half_even((whole + f) / den)` for a fraction `0 <= f < 1` that is zero or not, with
/// `den` an even power of ten: the fraction only matters on an exact half.
pub(super) fn round_kw(whole: i128, frac_is_zero: bool, den: i128) -> i128 {
    let (q, r) = match (u64::try_from(whole), u64::try_from(den)) {
        (Ok(w), Ok(d)) => (i128::from(w / d), i128::from(w % d)),
        _ => (whole.div_euclid(den), whole.rem_euclid(den)),
    };
    let half = den / 2;
    if r < half {
        q
    } else if r > half || !frac_is_zero {
        q + 1
    } else {
        q + (q & 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_the_kilowatt_is_half_even_on_the_exact_value() {
        // 2.5 kW exactly: to even; a hair above: up.
        assert_eq!(round_kw(25_000, true, 10_000), 2);
        assert_eq!(round_kw(25_000, false, 10_000), 3);
        assert_eq!(round_kw(35_000, true, 10_000), 4);
        assert_eq!(round_kw(34_999, false, 10_000), 3);
        assert_eq!(round_kw(35_001, true, 10_000), 4);
        let big = i128::from(u64::MAX) * 10;
        assert_eq!(round_kw(big, true, 10), i128::from(u64::MAX));
    }

    #[test]
    fn fast_points_match_the_exact_figures() {
        for ramp in [Ramp::Linear, Ramp::SCurve] {
            for (units, n, watts) in [
                (999, 100, 1200),
                (1000, 7, 3),
                (200_000, 540, 23_400),
                (1, 2, 1),
            ] {
                let den = fast_den(units, n, ramp, watts);
                assert_ne!(den, 0);
                let line = Line {
                    gpu: true,
                    units,
                    full_power: i128::from(units) * watts,
                    watts,
                    from: 0,
                    n,
                    ramp,
                    p_until: 0,
                    table: Vec::new(),
                    fast_den: den,
                };
                for t in 0..n {
                    let (num, d) = ramp_parts(units, n, ramp, t).unwrap();
                    let (want, _) = split(num, d, watts).unwrap();
                    let got = line.fast_point(t);
                    assert_eq!(
                        (got.units, got.power, got.frac.to_bits()),
                        (want.units, want.power, want.frac.to_bits()),
                        "{ramp:?} {units} {n} {watts} t={t}"
                    );
                }
            }
        }
        // Past 64 bits: no fast path.
        assert_eq!(fast_den(u64::MAX / 2, 1000, Ramp::Linear, 10), 0);
        assert_eq!(fast_den(1, 3_000_000, Ramp::SCurve, 10), 0);
        assert_eq!(fast_den(1, 10, Ramp::Step, 10), 0);
    }

    #[test]
    fn ramp_points_split_whole_and_fraction() {
        // 999 units over 100 days at 1,200 W (watts over 10^0): day 1 has 9.99 units.
        let (num, den) = ramp_parts(999, 100, Ramp::Linear, 1).unwrap();
        let (p, r) = split(num, den, 1200).unwrap();
        assert_eq!(p.units, 9);
        assert_eq!(p.power, 11_988);
        assert_eq!(r, 0);
        let (num, den) = ramp_parts(1000, 7, Ramp::SCurve, 3).unwrap();
        let (p, r) = split(num, den, 1).unwrap();
        // 1000 * 9 * (21 - 6) / 343 = 135000 / 343 = 393 + 201/343.
        assert_eq!((p.units, p.power, r), (393, 393, 201));
        assert!((p.frac - 201.0 / 343.0).abs() < 1e-15);
    }
}
