//! Exact facility power: a tranche's figures on a day of its ramp, the sums of the tranches no
//! entry can move, fixed-point sums per sample, and the rounding to the kilowatt.
//!
//! # Exact power
//!
//! Per period, power in kW is `round_half_even(sum_i online_i * watts_i / D)` with each
//! tranche's facility watts an integer over one power of ten `D`, as in the deterministic
//! engine. A sample sums each tranche's term in fixed point: the term times `2^F` with its
//! integer part exact and its fraction (`r / den`, with `den` the ramp's `n` or `n^3`) from an
//! `f64` quotient, so within 2 of the exact value times `2^F`. `F` is up to 32 bits, as many as
//! the catalog's total power leaves room for in 64-bit sums (in 128-bit ones past that). With
//! at most `T` terms in a period (the moving tranches, and one for the sum of the others), the
//! period's exact sum times `2^F` lies within `2T` of the fixed-point sum `S`. Rounding to the
//! kilowatt only changes at the half-way points `(k + 1/2) D`: where none lies within `2T` of
//! `S`, the kilowatts are those of `S`; otherwise the period is summed again exactly (as
//! fractions, continued as 28-digit decimals past `i128` as everywhere in the engine), which on
//! the shipped catalog is about one period in ten billion. So the figures are those of
//! `capplan plan` for the same dates, digit for digit.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::RiskModel;
use crate::catalog::model::Ramp;
use crate::catalog::ramp::RampShape;
use crate::engine::num::Num;
use crate::exact::Rational;

/// A tranche's figures on one day of its ramp: whole units, and power in fixed point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Point<A> {
    pub(super) units: u64,
    pub(super) fx: A,
}

/// A tranche's ramp, one [`Point`] a day, in the width of the run's sums.
#[derive(Clone, Debug, Default)]
pub(super) enum Table {
    #[default]
    None,
    Narrow(Vec<Point<u64>>),
    Wide(Vec<Point<u128>>),
}

/// The sums of a sample's power, in fixed point: 64 bits where the catalog's totals allow,
/// else 128. Additions wrap: a period's sum is a running total of steps up and down that ends
/// where the exact figures are, never negative and within the model's bounds.
pub(super) trait Acc: Copy + Default + Ord + Send + Sync + 'static {
    /// `v`, which the model's bounds guarantee fits.
    fn put(v: u128) -> Self;
    fn get(self) -> u128;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn abs_diff(self, o: Self) -> Self;
    /// `self` where `keep`, else 0, without a branch.
    fn keep(self, keep: bool) -> Self;
    /// `(self / d, self % d)`, `magic` being `d`'s ([`Magic`]).
    fn div_rem(self, d: Self, magic: Magic) -> (Self, Self);
    fn points(table: &Table) -> &[Point<Self>];
    fn table(points: Vec<Point<Self>>) -> Table;
}

/// What both widths of [`Acc`] do alike: additions that wrap, distances, masks, and their
/// ramp tables, kept in [`Table`]'s variant `$table`.
macro_rules! acc_ops {
    ($table:ident) => {
        fn add(self, o: Self) -> Self {
            self.wrapping_add(o)
        }
        fn sub(self, o: Self) -> Self {
            self.wrapping_sub(o)
        }
        fn abs_diff(self, o: Self) -> Self {
            self.abs_diff(o)
        }
        fn keep(self, keep: bool) -> Self {
            self & Self::from(keep).wrapping_neg()
        }
        fn points(table: &Table) -> &[Point<Self>] {
            match table {
                Table::$table(p) => p,
                _ => &[],
            }
        }
        fn table(points: Vec<Point<Self>>) -> Table {
            Table::$table(points)
        }
    };
}

impl Acc for u64 {
    fn put(v: u128) -> Self {
        v as u64
    }
    fn get(self) -> u128 {
        u128::from(self)
    }
    acc_ops!(Narrow);
    fn div_rem(self, d: Self, magic: Magic) -> (Self, Self) {
        // Narrow sums stay below 2^61 ([`frac_bits`]).
        match magic.div(self) {
            Some(q) => (q, self - q * d),
            None => (self / d, self % d),
        }
    }
}

impl Acc for u128 {
    fn put(v: u128) -> Self {
        v
    }
    fn get(self) -> u128 {
        self
    }
    acc_ops!(Wide);
    fn div_rem(self, d: Self, _: Magic) -> (Self, Self) {
        (self / d, self % d)
    }
}

/// `whole + r / den` (with `0 <= r < den`) times `2^f`: the whole part exact, the fraction
/// floored from an `f64` quotient (within `2^-50` of `r / den`, so the result is within 2 of
/// the exact value times `2^f`).
pub(super) fn fixed(whole: u128, r: u128, den: u128, f: u32) -> u128 {
    // Below 2^f <= 2^32: a conversion to 64 bits, which processors do in one instruction.
    let frac = if r == 0 {
        0
    } else {
        ((r as f64 / den as f64) * (1u64 << f) as f64) as u64
    };
    (whole << f) + u128::from(frac)
}

/// The rounding of a period's fixed-point sum to the kilowatt, prepared once per run.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rounding<A> {
    /// `D * 2^F`: one kilowatt.
    unit: A,
    /// Half of it.
    half: A,
    /// `2T`: how far the fixed-point sum may be from the exact one; the largest value where
    /// that is half a kilowatt or more (only on absurd catalogs), so that every period is
    /// summed exactly.
    err: A,
    /// Division by `unit` as a multiplication ([`Acc::div_rem`]).
    magic: Magic,
}

/// `floor(n / d) = (n * m) >> shift` for every `n < 2^61`, with `shift = 61 + ceil(log2 d)`
/// and `m = ceil(2^shift / d)`, below `2^62 + 1` (Granlund and Montgomery, "Division by
/// invariant integers using multiplication", 1994: exact since `m d - 2^shift < d <=
/// 2^ceil(log2 d)`). Kept for `d >= 8`, where `shift >= 64`: the high word of the product,
/// shifted by `shift - 64`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Magic {
    m: u64,
    shift: u32,
}

impl Magic {
    fn new(d: u128) -> Magic {
        let Ok(d) = u64::try_from(d) else {
            return Magic::default();
        };
        if !(8..1 << 62).contains(&d) {
            return Magic::default();
        }
        let l = 64 - (d - 1).leading_zeros();
        let m = (1u128 << (61 + l)).div_ceil(u128::from(d));
        match u64::try_from(m) {
            Ok(m) => Magic { m, shift: l - 3 },
            Err(_) => Magic::default(),
        }
    }

    /// `n / d` where `n < 2^61`, if prepared.
    fn div(self, n: u64) -> Option<u64> {
        let high = ((u128::from(n) * u128::from(self.m)) >> 64) as u64;
        (self.m != 0).then_some(high >> self.shift)
    }
}

impl<A: Acc> Rounding<A> {
    pub(super) fn new(power_den: i128, frac_bits: u32, terms: usize) -> Self {
        let unit = (power_den as u128) << frac_bits;
        let err = 2 * terms as u128;
        Rounding {
            unit: A::put(unit),
            half: A::put(unit / 2),
            err: A::put(if 2 * err >= unit { u128::MAX } else { err }),
            magic: Magic::new(unit),
        }
    }

    /// The kilowatts of a fixed-point sum `s`, or `None` where a half-way point is within the
    /// error of `s` and the period must be summed exactly. With the error below half a
    /// kilowatt, only this kilowatt's half-way point can be that near.
    pub(super) fn kw(&self, s: A) -> Option<u64> {
        let (q, r) = s.div_rem(self.unit, self.magic);
        if r.abs_diff(self.half) <= self.err {
            return None;
        }
        // Kilowatts fit 64 bits: the model checks the largest.
        Some(q.get() as u64 + u64::from(r > self.half))
    }
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

/// `num / den` units at `watts`, split: whole units, the whole part of power and the exact
/// remainder of power `r` (over `den`).
pub(super) fn split(num: i128, den: i128, watts: i128) -> Option<(u64, i128, i128)> {
    let w = num.checked_mul(watts)?;
    Some((u64::try_from(num / den).ok()?, w / den, w % den))
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
    pub(super) table: Table,
    /// For a ramp whose products fit 64 bits, the ramp's denominator (`n`, or `n^3` for an
    /// s-curve): its figures then take two divisions, faster than a table that does not stay
    /// in the processor's cache. 0 otherwise.
    pub(super) fast_den: u64,
    /// The whole power at full capacity in fixed point.
    pub(super) full_fx: u128,
    /// The least and the most days its random slips add up to.
    pub(super) shifts: (i64, i64),
}

impl Line {
    /// Whether days on the ramp have units online: not a step, and a ramp at all.
    pub(super) fn ramps(&self) -> bool {
        self.ramp != Ramp::Step && self.n > 0
    }

    /// The figures `t` days into the ramp, with `f` fraction bits.
    pub(super) fn point<A: Acc>(&self, t: i64, f: u32) -> Point<A> {
        if let Some(p) = A::points(&self.table).get(t as usize) {
            return *p;
        }
        if self.fast_den != 0 {
            return self.fast_point(t, f);
        }
        // Checked at t = n - 1, where every intermediate value is largest, when the line was
        // built: these cannot fail.
        ramp_parts(self.units, self.n, self.ramp, t)
            .and_then(|(num, den)| {
                let (units, whole, r) = split(num, den, self.watts)?;
                let fx = fixed(whole as u128, r as u128, den as u128, f);
                Some(Point {
                    units,
                    fx: A::put(fx),
                })
            })
            .unwrap_or_default()
    }

    /// [`Line::point`] in 64 bits. With `num / den` units online (`U t / n`, or
    /// `U t^2 (3n - 2t) / n^3`) and `num = q den + rem`, the power `num w / den` is
    /// `w q + (w rem) / den`. Needs `U den`, `w den` and `U w` below 2^64, checked when the line
    /// is built ([`fast_den`]).
    fn fast_point<A: Acc>(&self, t: i64, f: u32) -> Point<A> {
        let (t, n, den) = (t as u64, self.n as u64, self.fast_den);
        let num = match self.ramp {
            Ramp::SCurve => self.units * (t * t * (3 * n - 2 * t)),
            _ => self.units * t,
        };
        let w = self.watts as u64;
        let (q, rem) = (num / den, num % den);
        let b = w * rem;
        let whole = w * q + b / den;
        Point {
            units: q,
            fx: A::put(fixed(
                u128::from(whole),
                u128::from(b % den),
                u128::from(den),
                f,
            )),
        }
    }

    /// The exact power of the line at day `e` when it starts on day `from`: its whole part and
    /// its fraction. `None` where the line has nothing online.
    fn exact_at(&self, e: i64, from: i64) -> Option<(i128, Option<Rational>)> {
        if e < from {
            return None;
        }
        let t = e - from;
        if t >= self.n {
            return Some((self.full_power, None));
        }
        if !self.ramps() {
            return None;
        }
        let (num, den) = ramp_parts(self.units, self.n, self.ramp, t)?;
        let (_, whole, r) = split(num, den, self.watts)?;
        Some((whole, (r != 0).then(|| Rational::new(r, den)).flatten()))
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

/// Per-period sums of the tranches no entry can move: GPUs, the whole part of power and the
/// exact fractions.
#[derive(Clone, Debug)]
pub(super) struct Base {
    pub(super) gpus: Vec<i128>,
    pub(super) power: Vec<i128>,
    pub(super) exact: Vec<Num>,
}

impl Base {
    pub(super) fn new(periods: usize) -> Self {
        Base {
            gpus: vec![0; periods],
            power: vec![0; periods],
            exact: vec![Num::ZERO; periods],
        }
    }

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
            let (units, whole, r) = split(num, den, watts)?;
            if gpu {
                self.gpus[p] += i128::from(units);
            }
            self.power[p] = self.power[p].checked_add(whole)?;
            if r != 0 {
                self.exact[p] = self.exact[p].checked_add(Num::Exact(Rational::new(r, den)?))?;
            }
        }
        Some(())
    }

    /// Period `p`'s power in fixed point with `f` fraction bits, one term of a period's sum.
    pub(super) fn fixed(&self, p: usize, f: u32) -> Option<u128> {
        let e = self.exact[p];
        let whole = self.power[p].checked_add(e.floor()?)?;
        let frac = e.fraction().to_approx().to_f64().unwrap_or(0.0);
        let bits = (frac * (1u64 << f) as f64) as u128;
        Some((u128::try_from(whole).ok()? << f) + bits)
    }
}

impl RiskModel {
    /// Power in kW of period `p`, every term summed exactly: where the fixed-point sum is too
    /// near a half-way point to round ([`Rounding::kw`]).
    pub(super) fn exact_kw(&self, p: usize, shift: &[i64], alive: &[bool]) -> i128 {
        let e = self.ends[p];
        let mut whole = self.base.power[p];
        let mut f = self.base.exact[p];
        for (j, line) in self.lines.iter().enumerate() {
            if !alive[j] || p >= line.p_until {
                continue;
            }
            if let Some((w, r)) = line.exact_at(e, line.from + shift[j]) {
                whole += w;
                if let Some(r) = r {
                    f = f.checked_add(Num::Exact(r)).unwrap_or(f);
                }
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
    let (q, r) = (whole.div_euclid(den), whole.rem_euclid(den));
    let half = den / 2;
    if r < half {
        q
    } else if r > half || !frac_is_zero {
        q + 1
    } else {
        q + (q & 1)
    }
}

/// The number of fraction bits of a run's fixed-point sums, and whether they need 128 bits:
/// up to 32, with the largest sum (`most`, whole units) and one kilowatt (`den`) below `2^60`
/// in 64 bits when that leaves at least 16, else below `2^124` in 128 bits.
pub(super) fn frac_bits(most: u128, den: u128) -> (u32, bool) {
    let bits = 128 - most.max(den).leading_zeros();
    match 60u32.checked_sub(bits) {
        Some(f) if f >= 16 => (f.min(32), false),
        _ => (124u32.saturating_sub(bits).min(32), true),
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

    /// The exact kilowatts of `num / den` whole units of power over `power_den`.
    fn exact(num: i128, den: i128, power_den: i128) -> i128 {
        let whole = num.div_euclid(den);
        round_kw(whole, num.rem_euclid(den) == 0, power_den)
    }

    #[test]
    fn fixed_point_sums_round_as_the_exact_ones_or_ask_for_them() {
        let (power_den, f, terms) = (10_000i128, 20u32, 3usize);
        let rounding = Rounding::<u64>::new(power_den, f, terms);
        let one = 1u128 << f;
        let mut asked = 0;
        // Sums of three terms, each `whole + r / 7`, around the half-way points 1.5 kW and
        // 2.5 kW and away from them.
        for base in [14_990i128, 15_000, 24_998, 25_000, 31_234] {
            for r in 0..21i128 {
                let (num, den) = (base * 7 + r, 7i128);
                let want = exact(num, den, power_den);
                // Three terms, each within 2 of its exact value times 2^f.
                let x = (num as u128 * one) / den as u128;
                for s in [x.saturating_sub(6), x, x + 5] {
                    match rounding.kw(s as u64) {
                        Some(kw) => assert_eq!(i128::from(kw), want, "{base} {r} {s}"),
                        None => asked += 1,
                    }
                }
            }
        }
        // Only sums within the error of 1.5 and 2.5 kW ask for the exact sum.
        assert!(asked > 0 && asked < 20, "{asked}");
        assert_eq!(rounding.kw((15_000 * one) as u64), None);
        assert_eq!(rounding.kw((15_001 * one) as u64), Some(2));
        assert_eq!(rounding.kw((14_999 * one) as u64), Some(1));
        // A kilowatt narrower than the error: always exact.
        assert_eq!(Rounding::<u64>::new(10, 0, 10).kw(1000), None);
    }

    #[test]
    fn division_by_multiplication_is_exact_below_2_pow_61() {
        for d in [
            8u64,
            9,
            10,
            1000,
            10_000 << 21,
            999_999_937,
            (1 << 40) + 1,
            (1 << 61) - 1,
        ] {
            let magic = Magic::new(u128::from(d));
            assert_ne!(magic.m, 0, "{d}");
            let top = (1u64 << 61) - 1;
            for n in [0, 1, d - 1, d, d + 1, 12_345_678_901, top - d, top - 1, top] {
                assert_eq!(magic.div(n), Some(n / d), "{n} / {d}");
            }
            for k in [1u64, 7, 1 << 20, top / d]
                .into_iter()
                .filter(|&k| k <= top / d)
            {
                for n in [k * d - 1, k * d, k * d + (d - 1).min(top - k * d)] {
                    assert_eq!(magic.div(n), Some(n / d), "{n} / {d}");
                }
            }
        }
        // Small or past the range: the processor's division instead.
        for d in [0u128, 1, 7, 1 << 62, u128::MAX] {
            assert_eq!(Magic::new(d).div(100), None);
        }
    }

    #[test]
    fn fraction_bits_leave_room_for_the_largest_sum() {
        assert_eq!(frac_bits(1_000, 10_000), (32, false));
        // 32 GW in tenths of a watt.
        assert_eq!(frac_bits(320_000_000_000, 10_000), (21, false));
        assert_eq!(frac_bits(1 << 43, 10_000), (16, false));
        assert_eq!(frac_bits(1 << 44, 10_000), (32, true));
        assert_eq!(frac_bits(1 << 100, 10_000), (23, true));
        assert_eq!(frac_bits(u128::MAX >> 1, 10), (0, true));
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
                let mut line = Line {
                    gpu: true,
                    units,
                    full_power: i128::from(units) * watts,
                    watts,
                    from: 0,
                    n,
                    ramp,
                    p_until: 0,
                    table: Table::None,
                    fast_den: den,
                    full_fx: 0,
                    shifts: (0, 0),
                };
                let fast: Vec<Point<u64>> = (0..n).map(|t| line.point(t, 24)).collect();
                line.fast_den = 0;
                for t in 0..n {
                    let want: Point<u64> = line.point(t, 24);
                    assert_eq!(fast[t as usize], want, "{ramp:?} {units} {n} {watts} t={t}");
                    let (num, d) = ramp_parts(units, n, ramp, t).unwrap();
                    let (u, whole, r) = split(num, d, watts).unwrap();
                    assert_eq!(want.units, u);
                    // Within 2 of the exact power times 2^24.
                    let exact = Rational::new((whole * d + r) << 24, d).unwrap();
                    let diff = exact.num - i128::from(want.fx) * exact.den;
                    assert!(diff.abs() < 2 * exact.den, "{ramp:?} t={t}");
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
        assert_eq!(split(num, den, 1200), Some((9, 11_988, 0)));
        let (num, den) = ramp_parts(1000, 7, Ramp::SCurve, 3).unwrap();
        // 1000 * 9 * (21 - 6) / 343 = 135000 / 343 = 393 + 201/343.
        assert_eq!(split(num, den, 1), Some((393, 393, 201)));
        // The fraction in fixed point: 201/343 of 2^10 is 600.05.
        assert_eq!(fixed(393, 201, 343, 10), (393 << 10) + 600);
    }
}
