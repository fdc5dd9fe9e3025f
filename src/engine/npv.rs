//! Present value (docs/finance.md, present value): `sum of CF / (1 + r) ^ ((date - v) / 365)`
//! over the flows dated on or after the valuation date `v`, the XNPV convention of
//! spreadsheets.
//!
//! Flows are exact: payments in cents, or each day's exact accrual. A discount factor is exact
//! where it is a rational number that fits, that is on whole years from `v` (`(25/27)^n` at 8%)
//! or at a zero rate. Elsewhere it is a power of the daily factor `q = exp(-ln(1 + r) / 365)`:
//! `ln` by its `atanh` series after halving to `[1, 2)`, `exp` by its Taylor series, each in
//! 28-digit decimals; the powers `q^t` and their running sums are tabled day by day from `v`, so
//! that a run of equal daily flows (a straight-line or scheduled accrual) is discounted as one
//! amount times a difference of sums. The relative error of a factor stays below `1e-24`, a
//! ten-thousandth of a cent on a trillion dollars; `tests/finance.rs` checks present values
//! against an independent XNPV (a root found by bisection, products taken day by day) and
//! whole-year flows against exact fractions.

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

/// The longest table of daily factors built: past it (a lag of centuries), each factor is
/// computed on its own.
const MAX_TABLE_DAYS: i64 = 1_000_000;

/// Daily discount factors from the valuation date: `powers[t] = q^t` and
/// `sums[t] = q^0 + ... + q^(t-1)`, each by one multiplication or addition from the last, so a
/// run of equal daily flows is discounted with one subtraction.
#[derive(Clone, Debug)]
pub struct Factors {
    powers: Vec<Decimal>,
    sums: Vec<Decimal>,
}

impl Discount {
    /// Factor tables for days `0..=last`; `None` past `MAX_TABLE_DAYS` or on overflow.
    pub fn tables(&self, last: i64) -> Option<Factors> {
        if !(0..=MAX_TABLE_DAYS).contains(&last) {
            return None;
        }
        let n = usize::try_from(last).ok()? + 1;
        let mut powers = Vec::with_capacity(n);
        let mut sums = Vec::with_capacity(n + 1);
        let mut power = Decimal::ONE;
        let mut sum = Decimal::ZERO;
        sums.push(sum);
        for t in 0..n {
            if t > 0 {
                power = power.checked_mul(self.daily)?;
            }
            powers.push(power);
            sum = sum.checked_add(power)?;
            sums.push(sum);
        }
        Some(Factors { powers, sums })
    }

    /// The factor for a flow `days` after the valuation date, from `tables` where they reach:
    /// exact on whole years, as [`Discount::factor`].
    fn factor_from(&self, days: i64, tables: Option<&Factors>) -> Option<Num> {
        if days == 0 || self.rate.is_zero() || days % 365 == 0 {
            return self.factor(days);
        }
        match tables.and_then(|t| t.powers.get(usize::try_from(days).ok()?)) {
            Some(p) => Some(Num::Approx(*p)),
            None => self.factor(days),
        }
    }
}

/// The present value of flows (cents), in date order, counting those dated on or after the
/// valuation date: `(undiscounted sum, present value)`, in cents, before rounding. A run of
/// equal amounts on consecutive days (a straight-line or scheduled accrual) is discounted as
/// one amount times a sum of factors. `None` on overflow.
pub fn present_value(
    flows: &[(NaiveDate, Num)],
    discount: &Discount,
    tables: Option<&Factors>,
) -> Option<(Num, Num)> {
    let mut sum = Num::ZERO;
    let mut pv = Num::ZERO;
    let mut i = 0;
    while i < flows.len() {
        let (date, amount) = flows[i];
        let t = (date - discount.valuation).num_days();
        if t < 0 {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < flows.len()
            && flows[j].1 == amount
            && (flows[j].0 - flows[j - 1].0).num_days() == 1
        {
            j += 1;
        }
        let n = j - i;
        let run = tables
            .filter(|_| n > 1 && !discount.rate.is_zero())
            .and_then(|tb| {
                let lo = usize::try_from(t).ok()?;
                tb.sums.get(lo + n)?.checked_sub(*tb.sums.get(lo)?)
            });
        match run {
            Some(factor_sum) => {
                let count = Num::int(i128::try_from(n).ok()?);
                sum = sum.checked_add(amount.checked_mul(count)?)?;
                pv = pv.checked_add(amount.checked_mul(Num::Approx(factor_sum))?)?;
            }
            None => {
                for (k, (_, a)) in flows[i..j].iter().enumerate() {
                    let days = t.checked_add(i64::try_from(k).ok()?)?;
                    let f = discount.factor_from(days, tables)?;
                    sum = sum.checked_add(*a)?;
                    pv = pv.checked_add(a.checked_mul(f)?)?;
                }
            }
        }
        i = j;
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
    // One table of daily factors for every contract, as far as the last flow.
    let last = per_contract
        .iter()
        .flatten()
        .map(|(d, _)| (*d - discount.valuation).num_days())
        .max()
        .unwrap_or(0);
    let tables = discount.tables(last.max(0));
    let values: Vec<Result<ContractValue, EngineError>> = included
        .par_iter()
        .zip(per_contract.par_iter())
        .map(|((i, c), f)| {
            let (undiscounted, present) = present_value(f, discount, tables.as_ref())
                .ok_or_else(|| err(c, "present value"))?;
            let last_flow = f
                .iter()
                .map(|(d, _)| *d)
                .filter(|d| *d >= discount.valuation)
                .max();
            Ok(ContractValue {
                contract: *i,
                undiscounted,
                present,
                last_flow,
            })
        })
        .collect();
    values.into_iter().collect()
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
