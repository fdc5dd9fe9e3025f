//! Present value (DESIGN.md section 10): `sum of CF / (1 + r) ^ ((date - v) / 365)` over the
//! flows dated on or after the valuation date `v`, the XNPV convention of spreadsheets.
//!
//! Flows are exact: payments in cents, or each day's exact accrual. A discount factor is exact
//! where it is a rational number that fits, that is on whole years from `v` (`(25/27)^n` at 8%)
//! or at a zero rate. Elsewhere it is a 365th root, computed as `q^t` with
//! `q = exp(-ln(1 + r) / 365)`: `ln` by its `atanh` series after halving to `[1, 2)`, `exp` by
//! its Taylor series after halving the argument, `q^t` by squaring, each step in 28-digit
//! decimals. The relative error of a factor is then below `1e-24`, a ten-thousandth of a cent
//! on a trillion dollars; `tests/npv.rs` checks the factors against an independent root found
//! by bisection, and whole-year flows against exact fractions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::catalog::{Catalog, Contract};
use crate::engine::cash::{Basis, flows};
use crate::engine::num::Num;
use crate::engine::project::{EngineError, Filter};
use crate::exact::Rational;

/// The highest rate `--rate` takes: 1000% a year.
pub const MAX_RATE: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Why a rate cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RateError {
    #[error("`{0}` is not a rate: write a percentage such as `8%` or a fraction such as `0.08`")]
    Malformed(String),
    #[error(
        "`{0}` is ambiguous: write `{0}%` for a percentage, or a fraction such as `0.08` for 8%"
    )]
    Ambiguous(String),
    #[error("`{0}` is -100% or below, where the discount factor `1 / (1 + r)` has no meaning")]
    TooLow(String),
    #[error(
        "`{0}` is above 1000% a year, which no cost of capital is; write a yearly rate such as `8%`"
    )]
    TooHigh(String),
}

/// Parses `--rate`: a percentage (`8%`, `-0.5%`) or a fraction (`0.08`), exactly. A bare
/// number of 1 or more is refused as ambiguous (`8` could mean 8% or 800%).
pub fn parse_rate(text: &str) -> Result<Decimal, RateError> {
    let t = text.trim();
    let malformed = || RateError::Malformed(text.to_owned());
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    if number.is_empty() {
        return Err(malformed());
    }
    let value = Decimal::from_str_exact(number)
        .or_else(|_| Decimal::from_scientific(number))
        .map_err(|_| malformed())?;
    let rate = if percent {
        value
            .checked_div(Decimal::ONE_HUNDRED)
            .ok_or_else(malformed)?
    } else {
        if value.abs() >= Decimal::ONE {
            return Err(RateError::Ambiguous(t.to_owned()));
        }
        value
    };
    if rate <= Decimal::NEGATIVE_ONE {
        return Err(RateError::TooLow(t.to_owned()));
    }
    if rate > MAX_RATE {
        return Err(RateError::TooHigh(t.to_owned()));
    }
    Ok(rate.normalize())
}

/// `ln(2)` to 28 decimals.
const LN2: Decimal = Decimal::from_parts(0xaa7a_65bf, 0x81f5_2f01, 0x1665_943f, false, 28);

/// The natural logarithm of a positive decimal, to about 27 significant digits.
pub fn ln(x: Decimal) -> Option<Decimal> {
    if x <= Decimal::ZERO {
        return None;
    }
    let two = Decimal::TWO;
    let mut m = x;
    let mut k: i64 = 0;
    while m >= two {
        m = m.checked_div(two)?;
        k += 1;
    }
    while m < Decimal::ONE {
        m = m.checked_mul(two)?;
        k -= 1;
    }
    // ln(m) = 2 atanh(y) = 2 (y + y^3/3 + y^5/5 + ...), y = (m - 1) / (m + 1) in [0, 1/3).
    let y = (m - Decimal::ONE).checked_div(m + Decimal::ONE)?;
    let y2 = y.checked_mul(y)?;
    let mut term = y;
    let mut sum = Decimal::ZERO;
    let mut n = Decimal::ONE;
    for _ in 0..100 {
        if term.is_zero() {
            break;
        }
        sum = sum.checked_add(term.checked_div(n)?)?;
        term = term.checked_mul(y2)?;
        n += two;
    }
    sum.checked_mul(two)?
        .checked_add(LN2.checked_mul(Decimal::from(k))?)
}

/// `e^z`, to about 27 significant digits, for `|z|` up to a few hundred.
pub fn exp(z: Decimal) -> Option<Decimal> {
    let small = Decimal::new(5, 1);
    let mut z = z;
    let mut halvings = 0;
    while z.abs() > small {
        z = z.checked_div(Decimal::TWO)?;
        halvings += 1;
        if halvings > 64 {
            return None;
        }
    }
    let mut sum = Decimal::ONE;
    let mut term = Decimal::ONE;
    for n in 1..40 {
        term = term.checked_mul(z)?.checked_div(Decimal::from(n))?;
        if term.is_zero() {
            break;
        }
        sum = sum.checked_add(term)?;
    }
    for _ in 0..halvings {
        sum = sum.checked_mul(sum)?;
    }
    Some(sum)
}

/// Discount factors at one rate from one valuation date.
#[derive(Clone, Debug)]
pub struct Discount {
    pub rate: Decimal,
    pub valuation: NaiveDate,
    /// `1 + r`, exactly.
    growth: Rational,
    /// `(1 + r) ^ (-1 / 365)`.
    daily: Decimal,
}

impl Discount {
    /// `None` where `rate` is -100% or below, or a factor cannot be computed.
    pub fn new(rate: Decimal, valuation: NaiveDate) -> Option<Discount> {
        let one_plus = Decimal::ONE.checked_add(rate)?;
        if one_plus <= Decimal::ZERO {
            return None;
        }
        let z = -ln(one_plus)?.checked_div(Decimal::from(365))?;
        Some(Discount {
            rate,
            valuation,
            growth: Rational::from_decimal(one_plus)?,
            daily: exp(z)?,
        })
    }

    /// The factor `(1 + r) ^ (-days / 365)` for a flow `days` after the valuation date: exact
    /// on whole years where the fraction fits, else to 28 digits. `None` on overflow.
    pub fn factor(&self, days: i64) -> Option<Num> {
        if days == 0 || self.rate.is_zero() {
            return Some(Num::int(1));
        }
        if days % 365 == 0
            && let Some(exact) = self.whole_years(days / 365)
        {
            return Some(Num::Exact(exact));
        }
        let mut result = Decimal::ONE;
        let mut base = self.daily;
        let mut e = days.unsigned_abs();
        if days < 0 {
            base = Decimal::ONE.checked_div(base)?;
        }
        while e > 0 {
            if e & 1 == 1 {
                result = result.checked_mul(base)?;
            }
            e >>= 1;
            if e > 0 {
                base = base.checked_mul(base)?;
            }
        }
        Some(Num::Approx(result))
    }

    /// `(1 + r) ^ -years`, exactly, if it fits.
    fn whole_years(&self, years: i64) -> Option<Rational> {
        let mut power = Rational::integer(1);
        for _ in 0..years.unsigned_abs() {
            power = power.checked_mul(self.growth)?;
        }
        if years > 0 {
            Rational::integer(1).checked_div(power)
        } else {
            Some(power)
        }
    }
}

/// The present value of flows (cents), counting those dated on or after the valuation date:
/// `(undiscounted sum, present value)`, both exact or 28-digit, in cents. `None` on overflow.
pub fn present_value(
    flows: &[(NaiveDate, Num)],
    discount: &Discount,
    factors: &BTreeMap<i64, Num>,
) -> Option<(Num, Num)> {
    let mut sum = Num::ZERO;
    let mut pv = Num::ZERO;
    for (date, amount) in flows {
        let days = (*date - discount.valuation).num_days();
        if days < 0 {
            continue;
        }
        let f = match factors.get(&days) {
            Some(f) => *f,
            None => discount.factor(days)?,
        };
        sum = sum.checked_add(*amount)?;
        pv = pv.checked_add(amount.checked_mul(f)?)?;
    }
    Some((sum, pv))
}

/// One contract's present value: its flows on or after the valuation date, undiscounted and
/// discounted, in cents, before rounding.
#[derive(Clone, Debug)]
pub struct ContractValue {
    pub contract: usize,
    pub undiscounted: Num,
    pub present: Num,
    /// The last flow's date, on or after the valuation date, if any.
    pub last_flow: Option<NaiveDate>,
}

/// Present values of every contract the filter includes, in catalog order.
pub fn contract_values(
    catalog: &Catalog,
    filter: &Filter,
    basis: Basis,
    discount: &Discount,
) -> Result<Vec<ContractValue>, EngineError> {
    let included: Vec<(usize, &Contract)> = catalog
        .contracts
        .iter()
        .enumerate()
        .filter(|(_, c)| filter.includes(c))
        .collect();
    let err = |c: &Contract, what| EngineError {
        contract: c.id.clone(),
        what,
    };
    let all: Vec<Result<Vec<(NaiveDate, Num)>, EngineError>> = included
        .par_iter()
        .map(|(_, c)| flows(catalog, c, basis).ok_or_else(|| err(c, "cash flows")))
        .collect();
    let mut per_contract = Vec::with_capacity(all.len());
    for f in all {
        per_contract.push(f?);
    }
    // Each distinct day's factor once, for every contract.
    let mut days: Vec<i64> = per_contract
        .iter()
        .flatten()
        .map(|(d, _)| (*d - discount.valuation).num_days())
        .filter(|d| *d >= 0)
        .collect();
    days.sort_unstable();
    days.dedup();
    let computed: Vec<Option<(i64, Num)>> = days
        .par_iter()
        .map(|d| discount.factor(*d).map(|f| (*d, f)))
        .collect();
    let mut factors = BTreeMap::new();
    for f in computed {
        let (d, f) = f.ok_or_else(|| EngineError {
            contract: String::new(),
            what: "a discount factor",
        })?;
        factors.insert(d, f);
    }
    let mut out = Vec::with_capacity(included.len());
    for ((i, c), f) in included.into_iter().zip(&per_contract) {
        let (undiscounted, present) =
            present_value(f, discount, &factors).ok_or_else(|| err(c, "present value"))?;
        let last_flow = f
            .iter()
            .map(|(d, _)| *d)
            .filter(|d| *d >= discount.valuation)
            .max();
        out.push(ContractValue {
            contract: i,
            undiscounted,
            present,
            last_flow,
        });
    }
    Ok(out)
}

/// A sum of values in cents rounded half-even to the cent. `None` on overflow.
pub fn rounded_sum<'a>(values: impl IntoIterator<Item = &'a Num>) -> Option<i128> {
    let mut s = Num::ZERO;
    for v in values {
        s = s.checked_add(*v)?;
    }
    s.round_half_even()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rates_are_percentages_or_fractions() {
        assert_eq!(parse_rate("8%"), Ok(d("0.08")));
        assert_eq!(parse_rate("0.08"), Ok(d("0.08")));
        assert_eq!(parse_rate(" 7.5 % "), Ok(d("0.075")));
        assert_eq!(parse_rate("-0.5%"), Ok(d("-0.005")));
        assert!(matches!(parse_rate("8"), Err(RateError::Ambiguous(_))));
        assert!(matches!(parse_rate("-100%"), Err(RateError::TooLow(_))));
        assert!(matches!(parse_rate("1e9%"), Err(RateError::TooHigh(_))));
        assert!(matches!(parse_rate("eight"), Err(RateError::Malformed(_))));
        assert!(matches!(parse_rate("%"), Err(RateError::Malformed(_))));
    }

    #[test]
    fn ln2_is_the_constant() {
        assert_eq!(LN2.to_string(), "0.6931471805599453094172321215");
        let err = (ln(d("2")).unwrap() - LN2).abs();
        assert!(err < d("1e-26"), "{err}");
        // ln(e^1) = 1 and exp(ln(1.08)) = 1.08, to 26 digits.
        let e1 = exp(Decimal::ONE).unwrap();
        let err = (ln(e1).unwrap() - Decimal::ONE).abs();
        assert!(err < d("1e-26"), "{err}");
        assert!((exp(ln(d("1.08")).unwrap()).unwrap() - d("1.08")).abs() < d("1e-26"));
    }

    #[test]
    fn whole_years_are_exact() {
        let v = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let disc = Discount::new(d("0.08"), v).unwrap();
        assert_eq!(
            disc.factor(730),
            Some(Num::Exact(Rational::new(625, 729).unwrap()))
        );
        assert_eq!(disc.factor(0), Some(Num::int(1)));
    }
}
