//! Percentiles: the ones asked for, and the values of their ranks among the samples.
//!
//! # Quantiles
//!
//! Nearest rank on the sorted samples: the `q`-th percentile of `N` samples is the value of
//! rank `max(1, ceil(q / 100 * N))`, so `p0` is the minimum, `p100` the maximum, and every
//! quantile is a value some sample had. The period in which the target is first reached is
//! ranked in time order, with `never` after every period.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use thiserror::Error;

/// A percentile from 0 to 100, with at most four decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantile(Decimal);

/// Why a percentile was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "`{0}` is not a percentile: expected a number from 0 to 100 with at most four decimals, such as `10` or `97.5`"
)]
pub struct QuantileError(pub String);

impl FromStr for Quantile {
    type Err = QuantileError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || QuantileError(text.to_owned());
        let t = text.trim();
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(err());
        }
        let d = Decimal::from_str_exact(t).map_err(|_| err())?.normalize();
        if d > Decimal::ONE_HUNDRED || d.scale() > 4 {
            return Err(err());
        }
        Ok(Quantile(d))
    }
}

impl Quantile {
    /// The percentile, from 0 to 100.
    pub fn percent(self) -> Decimal {
        self.0
    }

    /// `p10`, `p97.5`: the prefix of the figures' column names.
    pub fn label(self) -> String {
        format!("p{}", self.0)
    }

    /// The nearest rank among `n` sorted samples, from 1: `max(1, ceil(q / 100 * n))`.
    pub fn rank(self, n: u64) -> u64 {
        let r = (self.0 * Decimal::from(n) / Decimal::ONE_HUNDRED)
            .ceil()
            .to_u64()
            .unwrap_or(n);
        r.clamp(1, n.max(1))
    }
}

/// The values of 0-based `ranks` in `values` as if sorted, by successive selection.
pub(super) fn select<T: Copy + Ord>(values: &mut [T], ranks: &[usize]) -> Vec<T> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by_key(|&i| ranks[i]);
    let mut out: Vec<Option<T>> = vec![None; ranks.len()];
    let mut lo = 0;
    let mut last: Option<(usize, T)> = None;
    for i in order {
        let k = ranks[i].min(values.len().saturating_sub(1));
        let v = match last {
            Some((lk, lv)) if lk == k => lv,
            _ => {
                let (_, v, _) = values[lo..].select_nth_unstable(k - lo);
                let v = *v;
                lo = k + 1;
                v
            }
        };
        last = Some((k, v));
        out[i] = Some(v);
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantile {
        text.parse().unwrap()
    }

    #[test]
    fn percentiles_parse_from_0_to_100_with_four_decimals() {
        assert_eq!(q("10").label(), "p10");
        assert_eq!(q(" 97.50 ").label(), "p97.5");
        assert_eq!(q("0").label(), "p0");
        assert_eq!(q("100").label(), "p100");
        for bad in ["", "-1", "100.01", "abc", "1e1", "12.34567", "+5", "5%"] {
            assert!(bad.parse::<Quantile>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nearest_rank_is_the_ceiling_of_the_share_at_least_one() {
        assert_eq!(q("0").rank(10), 1);
        assert_eq!(q("10").rank(10), 1);
        assert_eq!(q("10.01").rank(10), 2);
        assert_eq!(q("50").rank(10), 5);
        assert_eq!(q("90").rank(10), 9);
        assert_eq!(q("100").rank(10), 10);
        assert_eq!(q("50").rank(1), 1);
        assert_eq!(q("99.9").rank(10_000_000), 9_990_000);
    }

    #[test]
    fn selection_matches_sorting() {
        let mut values: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 1009).collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let ranks = [899, 0, 499, 499, 999, 100];
        let got = select(&mut values, &ranks);
        let want: Vec<u32> = ranks.iter().map(|&r| sorted[r]).collect();
        assert_eq!(got, want);
    }
}
