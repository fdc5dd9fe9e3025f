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

/// Figures that rank as their `u64` key does.
pub(super) trait Key: Copy + Ord {
    fn key(self) -> u64;
}

impl Key for u32 {
    fn key(self) -> u64 {
        u64::from(self)
    }
}

impl Key for u64 {
    fn key(self) -> u64 {
        self
    }
}

/// Buckets of the histogram that narrows a selection: 2^11, small enough to stay in the
/// processor's first-level cache.
const BUCKET_BITS: u32 = 11;

/// The values of 0-based `ranks` (each clamped to the last) among the values of `parts`, taken
/// together, as if sorted. One pass finds the range, a second counts the values in 2,048
/// buckets of equal width over it, which gives the bucket of each rank; a third gathers the
/// values of those buckets alone, among which the ranks are selected.
pub(super) fn select<T: Key>(parts: &[&[T]], ranks: &[usize]) -> Vec<T> {
    let n: usize = parts.iter().map(|p| p.len()).sum();
    let Some(&first) = parts.iter().find_map(|p| p.first()) else {
        return Vec::new();
    };
    let (mut lo, mut hi) = (first, first);
    for part in parts {
        for &v in *part {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo == hi {
        return vec![lo; ranks.len()];
    }
    let lo_key = lo.key();
    let span = hi.key() - lo_key;
    let shift = (64 - span.leading_zeros()).saturating_sub(BUCKET_BITS);
    let bucket = |v: T| ((v.key() - lo_key) >> shift) as usize;
    // Four histograms, filled in turn, so that runs of values in one bucket do not wait on
    // each other's counts.
    let buckets = bucket(hi) + 1;
    let mut four = vec![0u32; 4 * buckets];
    for part in parts {
        let mut quads = part.chunks_exact(4);
        for q in &mut quads {
            four[bucket(q[0])] += 1;
            four[buckets + bucket(q[1])] += 1;
            four[2 * buckets + bucket(q[2])] += 1;
            four[3 * buckets + bucket(q[3])] += 1;
        }
        for &v in quads.remainder() {
            four[bucket(v)] += 1;
        }
    }
    let counts: Vec<usize> = (0..buckets)
        .map(|b| (0..4).map(|h| four[h * buckets + b] as usize).sum())
        .collect();
    // Each rank's bucket, and its rank among the bucket's values.
    let mut wanted: Vec<usize> = Vec::new();
    let places: Vec<(usize, usize)> = ranks
        .iter()
        .map(|&r| {
            let mut k = r.min(n - 1);
            let mut b = 0;
            while k >= counts[b] {
                k -= counts[b];
                b += 1;
            }
            if !wanted.contains(&b) {
                wanted.push(b);
            }
            (b, k)
        })
        .collect();
    let mut slot = vec![usize::MAX; counts.len()];
    for (i, &b) in wanted.iter().enumerate() {
        slot[b] = i;
    }
    let mut gathered: Vec<Vec<T>> = wanted
        .iter()
        .map(|&b| Vec::with_capacity(counts[b]))
        .collect();
    for part in parts {
        for &v in *part {
            if let Some(g) = gathered.get_mut(slot[bucket(v)]) {
                g.push(v);
            }
        }
    }
    places
        .into_iter()
        .map(|(b, k)| *gathered[slot[b]].select_nth_unstable(k).1)
        .collect()
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

    fn sorted_ranks<T: Key>(values: &[T], ranks: &[usize]) -> Vec<T> {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        ranks
            .iter()
            .map(|&r| sorted[r.min(sorted.len() - 1)])
            .collect()
    }

    #[test]
    fn selection_matches_sorting() {
        let ranks = [899, 0, 499, 499, 999, 100, 5000];
        // Spread, clustered, two values far apart, constant, and at the ends of u64.
        let spread: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 1009).collect();
        let clustered: Vec<u32> = (0..1000u32).map(|i| 4_000_000 + (i * 31) % 7).collect();
        let two: Vec<u32> = (0..1000u32)
            .map(|i| if i % 3 == 0 { 9 } else { u32::MAX })
            .collect();
        let constant = vec![42u32; 1000];
        for values in [&spread, &clustered, &two, &constant] {
            let want = sorted_ranks(values, &ranks);
            assert_eq!(select(&[values], &ranks), want);
            // Split into parts of any length, the answer is the same.
            let (a, b) = values.split_at(337);
            let (b, c) = b.split_at(1);
            assert_eq!(select(&[a, b, &[], c], &ranks), want);
        }
        let wide: Vec<u64> = (0..5000u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | (i % 2) << 63)
            .collect();
        assert_eq!(select(&[&wide], &ranks), sorted_ranks(&wide, &ranks));
        assert_eq!(select::<u32>(&[], &ranks), Vec::<u32>::new());
    }
}
