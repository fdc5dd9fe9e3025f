//! Exact arithmetic shared by validation and the engine: rationals over `i128` and conversions
//! from [`Decimal`] mantissas. Every operation is checked; `None` means overflow, which callers
//! report as an error naming the contract, never a panic.

use rust_decimal::Decimal;

/// A fraction `num / den` in lowest terms with `den > 0`. Every constructor keeps that
/// invariant, so equal values have equal fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rational {
    pub num: i128,
    pub den: i128,
}

impl Rational {
    pub const ZERO: Rational = Rational { num: 0, den: 1 };

    pub fn new(num: i128, den: i128) -> Option<Rational> {
        if den == 0 {
            return None;
        }
        let (num, den) = if den < 0 {
            (num.checked_neg()?, den.checked_neg()?)
        } else {
            (num, den)
        };
        Some(Rational { num, den }.reduced())
    }

    pub fn integer(n: i128) -> Rational {
        Rational { num: n, den: 1 }
    }

    /// The fraction `d` exactly: mantissa over a power of ten.
    pub fn from_decimal(d: Decimal) -> Option<Rational> {
        Rational::new(d.mantissa(), pow10(d.scale())?)
    }

    fn reduced(self) -> Rational {
        if self.den == 1 {
            return self;
        }
        let g = gcd(self.num.unsigned_abs(), self.den.unsigned_abs());
        if g <= 1 {
            return self;
        }
        let g = g as i128;
        Rational {
            num: self.num / g,
            den: self.den / g,
        }
    }

    pub fn checked_add(self, other: Rational) -> Option<Rational> {
        if self.den == 1 && other.den == 1 {
            return Some(Rational::integer(self.num.checked_add(other.num)?));
        }
        if self.den == other.den {
            return Rational::new(self.num.checked_add(other.num)?, self.den);
        }
        let g = gcd(self.den.unsigned_abs(), other.den.unsigned_abs()) as i128;
        let (a, b) = (self.den / g, other.den / g);
        let num = self
            .num
            .checked_mul(b)?
            .checked_add(other.num.checked_mul(a)?)?;
        Rational::new(num, self.den.checked_mul(b)?)
    }

    pub fn checked_mul(self, other: Rational) -> Option<Rational> {
        if self.den == 1 && other.den == 1 {
            return Some(Rational::integer(self.num.checked_mul(other.num)?));
        }
        // Cross-reduce first so that products stay small. Both factors are in lowest terms, so
        // the product is too and needs no further reduction.
        let g1 = gcd(self.num.unsigned_abs(), other.den.unsigned_abs()).max(1) as i128;
        let g2 = gcd(other.num.unsigned_abs(), self.den.unsigned_abs()).max(1) as i128;
        Some(Rational {
            num: (self.num / g1).checked_mul(other.num / g2)?,
            den: (self.den / g2).checked_mul(other.den / g1)?,
        })
    }

    pub fn checked_div(self, other: Rational) -> Option<Rational> {
        if other.num == 0 {
            return None;
        }
        self.checked_mul(Rational::new(other.den, other.num)?)
    }

    /// The largest integer not above the fraction.
    pub fn floor(self) -> i128 {
        self.num.div_euclid(self.den)
    }

    /// Rounded to a whole number, half to even.
    pub fn round_half_even(self) -> i128 {
        let q = self.num.div_euclid(self.den);
        let r = self.num.rem_euclid(self.den);
        // Compare 2r with den without overflow: r < den, so den - r > 0.
        let half = self.den - r;
        match r.cmp(&half) {
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Equal => q + (q & 1),
        }
    }

    /// Rounded half to even to `dp` decimal places, as a `Decimal`.
    pub fn to_decimal(self, dp: u32) -> Option<Decimal> {
        let scaled = self
            .checked_mul(Rational::integer(pow10(dp)?))?
            .round_half_even();
        Decimal::try_from_i128_with_scale(scaled, dp).ok()
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// The value as a decimal, as close as 28 significant digits allow. The whole part is
    /// exact; only the fraction `rem / den` is scaled to fit the 96-bit mantissa, so that a
    /// large value keeps every digit of its whole part.
    pub fn approx(self) -> Decimal {
        let whole = self.num.div_euclid(self.den);
        let (mut rem, mut den) = (self.num.rem_euclid(self.den), self.den);
        while den > (1i128 << 95) {
            rem /= 2;
            den /= 2;
        }
        let bound = if whole < 0 {
            Decimal::MIN
        } else {
            Decimal::MAX
        };
        let Ok(whole) = Decimal::try_from_i128_with_scale(whole, 0) else {
            return bound;
        };
        let frac = Decimal::from_i128_with_scale(rem, 0)
            .checked_div(Decimal::from_i128_with_scale(den, 0))
            .unwrap_or(Decimal::ZERO);
        whole.checked_add(frac).unwrap_or(bound)
    }

    /// Compares exactly where the cross products fit, else to 28 significant digits.
    pub fn compare(self, other: Rational) -> std::cmp::Ordering {
        self.partial_cmp(&other)
            .unwrap_or_else(|| self.approx().cmp(&other.approx()))
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        // Both denominators are positive; compare by cross-multiplication, widening on overflow
        // is not available, so fall back to the integer parts and then the remainders.
        let (a, b) = (self.floor(), other.floor());
        if a != b {
            return Some(a.cmp(&b));
        }
        let ra = Rational {
            num: self.num.rem_euclid(self.den),
            den: self.den,
        };
        let rb = Rational {
            num: other.num.rem_euclid(other.den),
            den: other.den,
        };
        match (ra.num.checked_mul(rb.den), rb.num.checked_mul(ra.den)) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => None,
        }
    }
}

/// `a / b + c / d` as a numerator over a common denominator, not reduced; `None` past `i128`.
pub fn add_parts(a: i128, b: i128, c: i128, d: i128) -> Option<(i128, i128)> {
    if b == d {
        return Some((a.checked_add(c)?, b));
    }
    let g = gcd(b.unsigned_abs(), d.unsigned_abs()) as i128;
    let (bg, dg) = (b / g, d / g);
    Some((
        a.checked_mul(dg)?.checked_add(c.checked_mul(bg)?)?,
        b.checked_mul(dg)?,
    ))
}

/// Greatest common divisor, by the binary algorithm: shifts and subtractions only, since
/// 128-bit division is slow and this runs for every fraction the engine builds.
pub fn gcd(a: u128, b: u128) -> u128 {
    if a == 0 || b == 0 {
        return a | b;
    }
    if let (Ok(a), Ok(b)) = (u64::try_from(a), u64::try_from(b)) {
        return u128::from(gcd64(a, b));
    }
    let shift = (a | b).trailing_zeros();
    let (mut a, mut b) = (a >> a.trailing_zeros(), b);
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

fn gcd64(a: u64, b: u64) -> u64 {
    let shift = (a | b).trailing_zeros();
    let (mut a, mut b) = (a >> a.trailing_zeros(), b);
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

pub fn pow10(exp: u32) -> Option<i128> {
    10_i128.checked_pow(exp)
}

/// `floor(a / b)` for positive decimals, exactly.
pub fn floor_div(a: Decimal, b: Decimal) -> Option<i128> {
    Some(
        Rational::from_decimal(a)?
            .checked_div(Rational::from_decimal(b)?)?
            .floor(),
    )
}

/// Splits `total` in proportion to non-negative `weights` by largest remainder: each share is
/// floored, and the units left over go one each to the largest remainders, earlier first on
/// ties. The shares sum exactly to `total`. `None` if the weights sum to zero or overflow.
pub fn apportion(total: i128, weights: &[i128]) -> Option<Vec<i128>> {
    let sum = weights.iter().try_fold(0_i128, |a, w| a.checked_add(*w))?;
    if sum <= 0 || weights.iter().any(|w| *w < 0) {
        return None;
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    for w in weights {
        let num = total.checked_mul(*w)?;
        shares.push(num.div_euclid(sum));
        rems.push(num.rem_euclid(sum));
    }
    let left = total.checked_sub(shares.iter().sum::<i128>())?;
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(rems[i]), i));
    for &i in order.iter().take(usize::try_from(left).ok()?) {
        shares[i] += 1;
    }
    Some(shares)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d).unwrap()
    }

    #[test]
    fn rounding_is_half_to_even() {
        assert_eq!(r(5, 2).round_half_even(), 2);
        assert_eq!(r(7, 2).round_half_even(), 4);
        assert_eq!(r(-5, 2).round_half_even(), -2);
        assert_eq!(r(8, 3).round_half_even(), 3);
        assert_eq!(r(7, 3).round_half_even(), 2);
        assert_eq!(r(1, 3).to_decimal(3).unwrap().to_string(), "0.333");
        assert_eq!(
            r(2001, 2_000_000).to_decimal(3).unwrap().to_string(),
            "0.001"
        );
        assert_eq!(r(1, 2000).to_decimal(3).unwrap().to_string(), "0.000");
        assert_eq!(r(3, 2000).to_decimal(3).unwrap().to_string(), "0.002");
    }

    #[test]
    fn apportion_sums_exactly_and_favours_earlier_on_ties() {
        assert_eq!(apportion(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
        assert_eq!(apportion(80, &[30, 50]), Some(vec![30, 50]));
        assert_eq!(apportion(7, &[1, 2]), Some(vec![2, 5]));
        assert_eq!(apportion(5, &[0, 0]), None);
    }

    #[test]
    fn gcd_matches_euclid() {
        let euclid = |mut a: u128, mut b: u128| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let cases = [
            (0, 0),
            (0, 7),
            (12, 18),
            (1 << 70, 3 << 65),
            (u128::MAX, 3),
            (1_000_000_007 * 97, 97 * 13),
            (u64::MAX as u128 + 1, 1 << 20),
        ];
        for (a, b) in cases {
            assert_eq!(gcd(a, b), euclid(a, b), "{a} {b}");
            assert_eq!(gcd(b, a), euclid(a, b), "{b} {a}");
        }
    }

    #[test]
    fn sums_and_products_are_exact() {
        assert_eq!(r(1, 3).checked_add(r(1, 6)).unwrap(), r(1, 2));
        assert_eq!(r(2, 3).checked_mul(r(3, 4)).unwrap(), r(1, 2));
        assert_eq!(
            floor_div(Decimal::from(1000), Decimal::new(1800 * 12, 1)),
            Some(0)
        );
        assert_eq!(
            floor_div(Decimal::from(1_000_000_000), Decimal::new(1800 * 12, 1)),
            Some(462_962)
        );
        assert!(r(1, 3) < r(1, 2));
        assert!(r(7, 2) > r(3, 1));
        assert_eq!(Rational::new(1, 0), None);
        assert_eq!(
            Rational::integer(i128::MAX).checked_add(Rational::integer(1)),
            None
        );
    }
}
