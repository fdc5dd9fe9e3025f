//! Spend: how a contract's value spreads over its days, then over periods, rounded to cents
//! by largest remainder so that every contract's periods sum exactly to its value
//! (docs/figures.md, spend).

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::catalog::ramp::day_number;
use crate::catalog::ramp::{ramp_shape, tranche_units};
use crate::catalog::{Catalog, Contract, Ramp, SpendModel};
use crate::engine::num::Num;
use crate::engine::period::Period;
use crate::exact::Rational;

/// The contract's value in cents.
pub fn value_cents(value: Decimal) -> Option<i128> {
    let scale = value.scale();
    if scale > 2 {
        return None;
    }
    value.mantissa().checked_mul(10_i128.pow(2 - scale))
}

fn overlap_days(a: (i64, i64), b: (i64, i64)) -> i64 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0)
}

/// The exact (or, past `i128`, 28-digit) amount in cents of each period that overlaps the
/// contract's term. `periods` is the grid; the result pairs period indices with amounts.
pub(crate) fn raw_amounts(
    catalog: &Catalog,
    c: &Contract,
    periods: &[Period],
    range: std::ops::Range<usize>,
) -> Option<Vec<(usize, Num)>> {
    let v = value_cents(c.value_usd)?;
    let term = (day_number(c.start), day_number(c.end));
    let days = |p: &Period| (day_number(p.start), day_number(p.end));
    let mut out = Vec::with_capacity(range.len());
    match c.spend {
        SpendModel::StraightLine => {
            let d = i128::from(term.1 - term.0);
            for i in range {
                let share = i128::from(overlap_days(days(&periods[i]), term));
                out.push((i, Num::Exact(Rational::new(v.checked_mul(share)?, d)?)));
            }
        }
        SpendModel::Schedule => {
            for i in range {
                let mut amount = Num::ZERO;
                for e in &c.spend_schedule {
                    let window = (day_number(e.from), day_number(e.to));
                    let share = i128::from(overlap_days(days(&periods[i]), window));
                    if share == 0 {
                        continue;
                    }
                    let cents = value_cents(e.amount_usd)?;
                    let part =
                        Rational::new(cents.checked_mul(share)?, i128::from(window.1 - window.0))?;
                    amount = amount.checked_add(Num::Exact(part))?;
                }
                out.push((i, amount));
            }
        }
        SpendModel::CapacityLinked => {
            // w(d) = sum over tranches of online(d) x rate x 24; each period gets V x W_p / W.
            let mut shapes = Vec::with_capacity(c.tranches.len());
            for t in &c.tranches {
                let rate = catalog.hardware(&t.hardware)?.rate_usd_per_hour;
                let units = tranche_units(catalog, c, t).ok()?;
                let per_day = Rational::from_decimal(rate)?.checked_mul(Rational::integer(24))?;
                shapes.push((ramp_shape(c, t, units), per_day));
            }
            let mut weights = Vec::with_capacity(range.len());
            let mut total = Num::ZERO;
            for i in range {
                let (lo, hi) = days(&periods[i]);
                let (lo, hi) = (lo.max(term.0), hi.min(term.1));
                let mut w = Num::ZERO;
                for (shape, per_day) in &shapes {
                    let unit_days = shape.sum(lo, hi)?;
                    if unit_days.is_zero() {
                        continue;
                    }
                    w = w.checked_add(Num::Exact(unit_days).checked_mul(Num::Exact(*per_day))?)?;
                }
                total = total.checked_add(w)?;
                weights.push((i, w));
            }
            let v = Num::int(v);
            for (i, w) in weights {
                // The share first: it is at most one, so the product stays in range.
                out.push((i, v.checked_mul(w.checked_div(total)?)?));
            }
        }
    }
    Some(out)
}

/// Cents per period for one contract over its whole life on the grid, summing exactly to its
/// value. `None` on overflow.
pub fn contract_cents(
    catalog: &Catalog,
    c: &Contract,
    periods: &[Period],
) -> Option<Vec<(usize, i128)>> {
    let start = periods.partition_point(|p| p.end <= c.start);
    let end = periods.partition_point(|p| p.start < c.end);
    let range = start..end.max(start);
    let total = value_cents(c.value_usd)?;
    // Most contracts' period amounts share one denominator that fits an i128: then every floor
    // and remainder is one integer division. Otherwise the general fractions take over.
    if let Some((nums, den)) = common_amounts(catalog, c, periods, range.clone()) {
        return largest_remainder_common(total, &nums, den);
    }
    let amounts = raw_amounts(catalog, c, periods, range)?;
    largest_remainder(total, &amounts)
}

/// The least common multiple, if it fits.
fn lcm(a: i128, b: i128) -> Option<i128> {
    let g = crate::exact::gcd(a.unsigned_abs(), b.unsigned_abs()) as i128;
    (a / g.max(1)).checked_mul(b)
}

/// Period amounts in cents as numerators over one common denominator, where one fits:
/// `(amounts, denominator)`.
pub(crate) fn common_amounts(
    catalog: &Catalog,
    c: &Contract,
    periods: &[Period],
    range: std::ops::Range<usize>,
) -> Option<(Vec<(usize, i128)>, i128)> {
    let v = value_cents(c.value_usd)?;
    let term = (day_number(c.start), day_number(c.end));
    let days = |p: &Period| (day_number(p.start), day_number(p.end));
    let mut out = Vec::with_capacity(range.len());
    match c.spend {
        SpendModel::StraightLine => {
            // V x days / D, all over D.
            let d = i128::from(term.1 - term.0);
            for i in range {
                let share = i128::from(overlap_days(days(&periods[i]), term));
                out.push((i, v.checked_mul(share)?));
            }
            Some((out, d))
        }
        SpendModel::Schedule => {
            // Each entry's amount x overlap / its length, over the lengths' common multiple.
            let mut den: i128 = 1;
            for e in &c.spend_schedule {
                den = lcm(
                    den,
                    i128::from(day_number(e.to) - day_number(e.from)).max(1),
                )?;
            }
            for i in range {
                let mut num: i128 = 0;
                for e in &c.spend_schedule {
                    let window = (day_number(e.from), day_number(e.to));
                    let share = i128::from(overlap_days(days(&periods[i]), window));
                    if share != 0 {
                        let scale = den / i128::from(window.1 - window.0);
                        num = num.checked_add(
                            value_cents(e.amount_usd)?
                                .checked_mul(share)?
                                .checked_mul(scale)?,
                        )?;
                    }
                }
                out.push((i, num));
            }
            Some((out, den))
        }
        SpendModel::CapacityLinked => {
            // Each period's weight W_p = sum of unit-days x rate x 24, as integers over a common
            // denominator of the tranches' ramp denominators and rate scales; then V x W_p / W.
            let mut lines = Vec::with_capacity(c.tranches.len());
            let mut den: i128 = 1;
            let mut rate_scale = 0;
            for t in &c.tranches {
                let rate = catalog.hardware(&t.hardware)?.rate_usd_per_hour;
                let shape = ramp_shape(c, t, tranche_units(catalog, c, t).ok()?);
                let ramp_den = match shape.ramp {
                    Ramp::Linear => i128::from(shape.by - shape.from).max(1),
                    Ramp::SCurve => i128::from(shape.by - shape.from).max(1).checked_pow(3)?,
                    Ramp::Step => 1,
                };
                den = lcm(den, ramp_den)?;
                rate_scale = rate_scale.max(rate.scale());
                lines.push((shape, ramp_den, rate));
            }
            let mut weights = Vec::with_capacity(range.len());
            let mut total: i128 = 0;
            for i in range {
                let (lo, hi) = days(&periods[i]);
                let (lo, hi) = (lo.max(term.0), hi.min(term.1));
                let mut w: i128 = 0;
                for (shape, ramp_den, rate) in &lines {
                    let (num, part_den) = shape.sum_parts(lo, hi)?;
                    if num == 0 {
                        continue;
                    }
                    // Bring num / part_den (part_den is 1 or the ramp's) over `den`.
                    let num = if part_den == 1 {
                        num.checked_mul(den)?
                    } else {
                        num.checked_mul(den / ramp_den)?
                    };
                    let rate_num = rate
                        .mantissa()
                        .checked_mul(10_i128.checked_pow(rate_scale - rate.scale())?)?;
                    w = w.checked_add(num.checked_mul(rate_num)?.checked_mul(24)?)?;
                }
                total = total.checked_add(w)?;
                weights.push((i, w));
            }
            if total == 0 {
                return None;
            }
            for (i, w) in weights {
                out.push((i, v.checked_mul(w)?));
            }
            Some((out, total))
        }
    }
}

/// [`largest_remainder`] for amounts `num / den` with one denominator: exact integer work.
fn largest_remainder_common(
    total: i128,
    nums: &[(usize, i128)],
    den: i128,
) -> Option<Vec<(usize, i128)>> {
    if den <= 0 {
        return None;
    }
    let mut out = Vec::with_capacity(nums.len());
    let mut sum: i128 = 0;
    for &(i, n) in nums {
        let f = n.div_euclid(den);
        sum = sum.checked_add(f)?;
        out.push((i, f));
    }
    let left = total.checked_sub(sum)?;
    // Exact amounts sum to the total, so fewer cents are left than there are periods.
    if left < 0 || left as usize > out.len() {
        return None;
    }
    if left > 0 {
        let mut order: Vec<usize> = (0..nums.len()).collect();
        order.sort_by_key(|&k| (std::cmp::Reverse(nums[k].1.rem_euclid(den)), k));
        for &k in order.iter().take(left as usize) {
            out[k].1 += 1;
        }
    }
    Some(out)
}

/// Floors each amount to the cent and hands the cents left over, one each, to the largest
/// remainders, earlier period first on ties. The result sums exactly to `total`.
pub fn largest_remainder(total: i128, amounts: &[(usize, Num)]) -> Option<Vec<(usize, i128)>> {
    let mut out: Vec<(usize, i128)> = Vec::with_capacity(amounts.len());
    let mut sum: i128 = 0;
    for (i, a) in amounts {
        let f = a.floor()?;
        sum = sum.checked_add(f)?;
        out.push((*i, f));
    }
    if out.is_empty() {
        return Some(out);
    }
    let mut left = total.checked_sub(sum)?;
    if left == 0 {
        return Some(out);
    }
    // Largest remainder first, earlier period first among equals. The remainders are computed
    // once; where they share a denominator, as they do for most contracts, they compare as
    // integers.
    let fractions: Vec<Num> = amounts.iter().map(|(_, a)| a.fraction()).collect();
    let common_den = match fractions.first() {
        Some(Num::Exact(first)) => fractions
            .iter()
            .all(|f| matches!(f, Num::Exact(r) if r.den == first.den || r.num == 0)),
        _ => false,
    };
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    if common_den {
        let key = |i: usize| match fractions[i] {
            Num::Exact(r) => r.num,
            Num::Approx(_) => 0,
        };
        order.sort_by_key(|&i| (std::cmp::Reverse(key(i)), i));
    } else {
        order.sort_by(|&a, &b| match fractions[b].compare(fractions[a]) {
            Ordering::Equal => a.cmp(&b),
            o => o,
        });
    }
    // Exact amounts leave fewer cents than periods; a decimal approximation may leave one more
    // or one fewer, which this still distributes so that the sum is exact.
    let n = order.len() as i128;
    let step = if left > 0 { 1 } else { -1 };
    let rounds = left.abs() / n;
    for slot in &mut out {
        slot.1 += step * rounds;
    }
    left -= step * rounds * n;
    let pick: Box<dyn Iterator<Item = &usize>> = if left > 0 {
        Box::new(order.iter())
    } else {
        Box::new(order.iter().rev())
    };
    for &k in pick.take(left.unsigned_abs() as usize) {
        out[k].1 += step;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_cents_go_to_the_largest_remainders_earlier_first() {
        let r = |n, d| Num::Exact(Rational::new(n, d).unwrap());
        // 100 cents in thirds: 33.33.. each, one cent left, to the first period.
        let amounts = vec![(0, r(100, 3)), (1, r(100, 3)), (2, r(100, 3))];
        assert_eq!(
            largest_remainder(100, &amounts),
            Some(vec![(0, 34), (1, 33), (2, 33)])
        );
        // The largest remainder wins regardless of position.
        let amounts = vec![(0, r(101, 10)), (1, r(109, 10)), (2, r(0, 1))];
        assert_eq!(
            largest_remainder(21, &amounts),
            Some(vec![(0, 10), (1, 11), (2, 0)])
        );
    }

    #[test]
    fn value_in_cents_is_exact() {
        assert_eq!(
            value_cents(Decimal::new(3_800_000_000_000, 2)),
            Some(3_800_000_000_000)
        );
        assert_eq!(value_cents(Decimal::from(38)), Some(3_800));
        assert_eq!(value_cents(Decimal::new(1250, 2)), Some(1_250));
    }
}
