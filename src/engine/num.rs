//! Numbers of the projection: exact fractions while they fit, decimals past that.
//!
//! Every figure of docs/figures.md is a floor or a rounding of an exact rational value.
//! [`Num`] keeps that value as an `i128` fraction; a sum of fractions whose common denominator
//! no longer fits (many tranches with different ramp lengths in one group) continues as a
//! 28-digit `Decimal`. The final floor or half-even rounding is then exact unless the true value
//! lies within about 1e-20 of a rounding boundary. Whole numbers (units at full capacity, cents)
//! never leave the exact path.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use rust_decimal::prelude::*;

use crate::exact::Rational;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Exact(Rational),
    Approx(Decimal),
}

impl Default for Num {
    fn default() -> Self {
        Num::ZERO
    }
}

fn approx(r: Rational) -> Decimal {
    r.approx()
}

/// A running sum of many [`Num`]s. Fractions are added over a common denominator without
/// reducing each partial sum (one greatest common divisor per addition, of the denominators,
/// rather than three); the parts are reduced only when they would no longer fit, and a sum
/// past `i128` continues as a [`Num`]. The total is the exact sum wherever [`Num`]'s would be.
#[derive(Clone, Copy, Debug)]
pub struct Sum {
    num: i128,
    den: i128,
    spill: Num,
}

impl Default for Sum {
    fn default() -> Self {
        Sum::ZERO
    }
}

impl Sum {
    pub const ZERO: Sum = Sum {
        num: 0,
        den: 1,
        spill: Num::ZERO,
    };

    /// Adds `v`; `None` only when even a decimal cannot hold the sum.
    pub fn add(&mut self, v: Num) -> Option<()> {
        let r = match v {
            Num::Exact(r) if r.num == 0 => return Some(()),
            Num::Exact(r) => r,
            Num::Approx(_) => {
                self.spill = self.spill.checked_add(v)?;
                return Some(());
            }
        };
        if let Some((n, d)) = crate::exact::add_parts(self.num, self.den, r.num, r.den) {
            (self.num, self.den) = (n, d);
            return Some(());
        }
        let reduced = Rational::new(self.num, self.den)?;
        if let Some((n, d)) = crate::exact::add_parts(reduced.num, reduced.den, r.num, r.den) {
            (self.num, self.den) = (n, d);
            return Some(());
        }
        self.spill = self.spill.checked_add(Num::Exact(reduced))?;
        (self.num, self.den) = (r.num, r.den);
        Some(())
    }

    /// The sum.
    pub fn total(self) -> Option<Num> {
        let parts = Num::Exact(Rational::new(self.num, self.den)?);
        if self.spill.is_zero() {
            Some(parts)
        } else {
            self.spill.checked_add(parts)
        }
    }
}

impl Num {
    pub const ZERO: Num = Num::Exact(Rational::ZERO);

    pub fn int(n: i128) -> Num {
        Num::Exact(Rational::integer(n))
    }

    pub fn from_decimal(d: Decimal) -> Num {
        Rational::from_decimal(d).map_or(Num::Approx(d), Num::Exact)
    }

    pub fn to_approx(self) -> Decimal {
        match self {
            Num::Exact(r) => approx(r),
            Num::Approx(d) => d,
        }
    }

    pub fn is_exact(self) -> bool {
        matches!(self, Num::Exact(_))
    }

    pub fn is_zero(self) -> bool {
        match self {
            Num::Exact(r) => r.num == 0,
            Num::Approx(d) => d.is_zero(),
        }
    }

    /// `self + other`; `None` only when even a decimal cannot hold the sum.
    pub fn checked_add(self, other: Num) -> Option<Num> {
        if let (Num::Exact(a), Num::Exact(b)) = (self, other)
            && let Some(s) = a.checked_add(b)
        {
            return Some(Num::Exact(s));
        }
        self.to_approx()
            .checked_add(other.to_approx())
            .map(Num::Approx)
    }

    /// `-self`.
    pub fn negated(self) -> Num {
        match self {
            Num::Exact(r) => match r.num.checked_neg() {
                Some(num) => Num::Exact(Rational { num, den: r.den }),
                None => Num::Approx(-approx(r)),
            },
            Num::Approx(d) => Num::Approx(-d),
        }
    }

    pub fn checked_sub(self, other: Num) -> Option<Num> {
        self.checked_add(other.negated())
    }

    /// The smaller of the two.
    pub fn min(self, other: Num) -> Num {
        if other.compare(self).is_lt() {
            other
        } else {
            self
        }
    }

    /// Whether the value is above zero.
    pub fn is_positive(self) -> bool {
        self.compare(Num::ZERO).is_gt()
    }

    pub fn checked_mul(self, other: Num) -> Option<Num> {
        if let (Num::Exact(a), Num::Exact(b)) = (self, other)
            && let Some(p) = a.checked_mul(b)
        {
            return Some(Num::Exact(p));
        }
        self.to_approx()
            .checked_mul(other.to_approx())
            .map(Num::Approx)
    }

    pub fn checked_div(self, other: Num) -> Option<Num> {
        if other.is_zero() {
            return None;
        }
        if let (Num::Exact(a), Num::Exact(b)) = (self, other)
            && let Some(q) = a.checked_div(b)
        {
            return Some(Num::Exact(q));
        }
        self.to_approx()
            .checked_div(other.to_approx())
            .map(Num::Approx)
    }

    /// The largest integer not above the value.
    pub fn floor(self) -> Option<i128> {
        match self {
            Num::Exact(r) => Some(r.floor()),
            Num::Approx(d) => d.floor().to_i128(),
        }
    }

    /// The value minus its floor, in `[0, 1)`.
    pub fn fraction(self) -> Num {
        match self {
            Num::Exact(r) => Num::Exact(Rational {
                num: r.num.rem_euclid(r.den),
                den: r.den,
            }),
            Num::Approx(d) => Num::Approx(d - d.floor()),
        }
    }

    /// Rounded to a whole number, half to even.
    pub fn round_half_even(self) -> Option<i128> {
        match self {
            Num::Exact(r) => Some(r.round_half_even()),
            Num::Approx(d) => d
                .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)
                .to_i128(),
        }
    }

    /// Compares two values, exactly where both are exact and the comparison fits.
    pub fn compare(self, other: Num) -> Ordering {
        if let (Num::Exact(a), Num::Exact(b)) = (self, other)
            && let Some(o) = a.partial_cmp(&b)
        {
            return o;
        }
        self.to_approx().cmp(&other.to_approx())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_stay_exact_while_they_fit() {
        let third = Num::Exact(Rational::new(1, 3).unwrap());
        let sixth = Num::Exact(Rational::new(1, 6).unwrap());
        let half = third.checked_add(sixth).unwrap();
        assert_eq!(half, Num::Exact(Rational::new(1, 2).unwrap()));
        // Exactly one half rounds to even.
        assert_eq!(half.round_half_even(), Some(0));
        assert_eq!(
            half.checked_add(Num::int(1)).unwrap().round_half_even(),
            Some(2)
        );
    }

    #[test]
    fn sums_past_i128_continue_as_decimals() {
        // Denominators of distinct large primes overflow a common denominator quickly.
        let primes = [
            1_000_000_007_i128,
            998_244_353,
            1_000_000_009,
            999_999_937,
            999_999_929,
        ];
        let mut s = Num::ZERO;
        for p in primes {
            s = s
                .checked_add(Num::Exact(Rational::new(p / 2, p).unwrap()))
                .unwrap();
        }
        assert!(!s.is_exact());
        assert_eq!(s.floor(), Some(2));
        assert_eq!(s.round_half_even(), Some(2));
    }

    #[test]
    fn approximations_keep_28_digits_whatever_the_size_of_the_parts() {
        // A capacity-linked weight past i128 products: scaling numerator and denominator
        // together would keep only eight digits of this denominator, dollars off on a quarter.
        let r = Rational::new(
            27_394_025_541_438_271_560_185_900_582_459_961,
            43_124_444_091_425,
        )
        .unwrap();
        let expected: Decimal = "635231969213613253189.5671260".parse().unwrap();
        assert!((Num::Exact(r).to_approx() - expected).abs() < Decimal::new(1, 6));
        // A denominator past 96 bits: (10^30 + 1) / (3 x 10^30), a third and a little.
        let big = 10_i128.pow(30);
        let r = Rational::new(big + 1, 3 * big).unwrap();
        let third: Decimal = "0.3333333333333333333333333333".parse().unwrap();
        assert!((Num::Exact(r).to_approx() - third).abs() < Decimal::new(1, 27));
        // Negative values floor the whole part and keep a positive fraction.
        let r = Rational::new(-7, 2).unwrap();
        assert_eq!(Num::Exact(r).to_approx(), Decimal::new(-35, 1));
    }

    #[test]
    fn running_sums_equal_the_sum_of_their_parts() {
        let r = |n, d| Num::Exact(Rational::new(n, d).unwrap());
        let mut sum = Sum::ZERO;
        let mut plain = Num::ZERO;
        for d in 1..=60 {
            sum.add(r(d % 7, d)).unwrap();
            plain = plain.checked_add(r(d % 7, d)).unwrap();
        }
        assert!(plain.is_exact());
        assert_eq!(sum.total(), Some(plain));
        // Denominators whose product is past i128: the parts are set aside and the sum goes on.
        let (p, q) = (1_000_000_000_000_000_003i128, 999_999_999_999_999_989i128);
        let mut sum = Sum::ZERO;
        for _ in 0..3 {
            sum.add(r(1, p)).unwrap();
            sum.add(r(1, q)).unwrap();
        }
        sum.add(Num::int(5)).unwrap();
        let total = sum.total().unwrap().to_approx();
        assert!(
            (total - Decimal::from(5)).abs() < Decimal::new(1, 17),
            "{total}"
        );
        assert_eq!(Sum::ZERO.total(), Some(Num::ZERO));
    }

    #[test]
    fn comparisons_and_fractions() {
        let a = Num::Exact(Rational::new(7, 4).unwrap());
        assert_eq!(a.floor(), Some(1));
        assert_eq!(a.fraction(), Num::Exact(Rational::new(3, 4).unwrap()));
        assert_eq!(a.compare(Num::int(2)), Ordering::Less);
        assert_eq!(
            Num::Approx(Decimal::new(175, 2)).compare(a),
            Ordering::Equal
        );
    }
}
