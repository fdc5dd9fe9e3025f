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
    fn from_key(key: u64) -> Self;
}

impl Key for u32 {
    fn key(self) -> u64 {
        u64::from(self)
    }
    fn from_key(key: u64) -> Self {
        key as u32
    }
}

impl Key for u64 {
    fn key(self) -> u64 {
        self
    }
    fn from_key(key: u64) -> Self {
        key
    }
}

/// Buckets of the histograms that narrow a selection: 2^11, small enough to stay in the
/// processor's first-level cache.
const BUCKET_BITS: u32 = 11;
/// Values few enough to gather and sort rather than narrow further.
const GATHER: usize = 2048;

/// Values in the sorted subsample that [`select`] bounds each rank with.
const SUBSAMPLE: usize = 512;
/// How far, in the subsample, each bound is from the rank's expected place: about three
/// standard deviations of that place.
const MARGIN: usize = 36;

/// The values of 0-based `ranks` (each clamped to the last) among the values of `parts`, taken
/// together, as if sorted.
///
/// Bounded, then counted (Floyd and Rivest, "Expected time bounds for selection", 1975): a
/// subsample, the first values (samples are independent, so it is a random one), is sorted,
/// and two of its values that almost surely enclose each rank are taken as bounds. One pass
/// counts, for up to three ranks, the values below each lower bound and those at most each
/// upper one, and one more gathers the few values from each lower bound to its upper one,
/// among which the rank is. Where the bounds miss a rank, a radix selection finds it
/// ([`find`]), so the result never depends on the subsample.
pub(super) fn select<T: Key>(parts: &[&[T]], ranks: &[usize]) -> Vec<T> {
    let n: usize = parts.iter().map(|p| p.len()).sum();
    if n == 0 {
        return Vec::new();
    }
    let mut sub: Vec<T> = Vec::with_capacity(SUBSAMPLE.min(n));
    for part in parts {
        let take = (SUBSAMPLE - sub.len()).min(part.len());
        sub.extend_from_slice(&part[..take]);
    }
    sub.sort_unstable();
    let last = sub.len() - 1;
    let ranks: Vec<usize> = ranks.iter().map(|&r| r.min(n - 1)).collect();
    let bounds: Vec<(T, T)> = ranks
        .iter()
        .map(|&r| {
            let at = r * sub.len() / n;
            (sub[at.saturating_sub(MARGIN)], sub[(at + MARGIN).min(last)])
        })
        .collect();
    // Up to three ranks a pass: counted, then gathered.
    let mut missed = Vec::new();
    let mut out: Vec<u64> = vec![0; ranks.len()];
    for (batch, at) in bounds.chunks(3).zip((0..).step_by(3)) {
        let counts = match batch {
            [a] => count(parts, [*a]).to_vec(),
            [a, b] => count(parts, [*a, *b]).to_vec(),
            [a, b, c] => count(parts, [*a, *b, *c]).to_vec(),
            _ => Vec::new(),
        };
        // Ranks within their bounds: `(i, rank there, bounds, values there)`.
        let mut inner = Vec::new();
        for (i, (&(lo, hi), (below, upto))) in (at..).zip(batch.iter().zip(counts)) {
            let r = ranks[i];
            if r < below || r >= upto {
                missed.push((i, r));
            } else if lo == hi {
                out[i] = lo.key();
            } else {
                inner.push((i, r - below, (lo, hi), upto - below));
            }
        }
        let found = match inner.as_slice() {
            [a] => within(parts, [a.2], [a.3]).to_vec(),
            [a, b] => within(parts, [a.2, b.2], [a.3, b.3]).to_vec(),
            [a, b, c] => within(parts, [a.2, b.2, c.2], [a.3, b.3, c.3]).to_vec(),
            _ => Vec::new(),
        };
        for (&(i, k, _, _), mut values) in inner.iter().zip(found) {
            out[i] = values.select_nth_unstable(k).1.key();
        }
    }
    if !missed.is_empty() {
        let (mut lo, mut hi) = (u64::MAX, 0);
        for part in parts {
            for &v in *part {
                lo = lo.min(v.key());
                hi = hi.max(v.key());
            }
        }
        find(parts, (lo, hi), n, &missed, &mut out);
    }
    out.into_iter().map(T::from_key).collect()
}

/// For each pair of `bounds`, the values below the lower and the values at most the upper, in
/// one pass: sums the processor takes several values at a time.
fn count<T: Key, const R: usize>(parts: &[&[T]], bounds: [(T, T); R]) -> [(usize, usize); R] {
    let mut counts = [(0, 0); R];
    for part in parts {
        let mut n = [(0u32, 0u32); R];
        for &v in *part {
            for ((below, upto), &(lo, hi)) in n.iter_mut().zip(&bounds) {
                *below += u32::from(v < lo);
                *upto += u32::from(v <= hi);
            }
        }
        for (c, n) in counts.iter_mut().zip(n) {
            *c = (c.0 + n.0 as usize, c.1 + n.1 as usize);
        }
    }
    counts
}

/// The values from each lower bound of `bounds` to its upper one, of which there are `counts`,
/// in one pass, written without a branch: each value is written at its list's next place,
/// which moves on only for those within (`lo <= v <= hi` as one unsigned comparison).
fn within<T: Key, const R: usize>(
    parts: &[&[T]],
    bounds: [(T, T); R],
    counts: [usize; R],
) -> [Vec<T>; R] {
    let from = bounds.map(|(lo, _)| lo.key());
    let width = bounds.map(|(lo, hi)| hi.key() - lo.key());
    let mut lists: [Vec<T>; R] = std::array::from_fn(|j| vec![bounds[j].0; counts[j] + 1]);
    let mut k = [0; R];
    for part in parts {
        for &v in *part {
            for j in 0..R {
                lists[j][k[j]] = v;
                k[j] += usize::from(v.key().wrapping_sub(from[j]) <= width[j]);
            }
        }
    }
    for (list, k) in lists.iter_mut().zip(k) {
        list.truncate(k);
    }
    lists
}

/// For each `(i, k)` of `wanted`, the `k`-th smallest (from 0) of the `count` keys in
/// `lo..=hi`, into `out[i]`.
fn find<T: Key>(
    parts: &[&[T]],
    (lo, hi): (u64, u64),
    count: usize,
    wanted: &[(usize, usize)],
    out: &mut [u64],
) {
    if lo == hi {
        for &(i, _) in wanted {
            out[i] = lo;
        }
        return;
    }
    let span = hi - lo;
    if count <= GATHER {
        let mut keys = Vec::with_capacity(count);
        for part in parts {
            keys.extend(
                part.iter()
                    .map(|v| v.key())
                    .filter(|k| k.wrapping_sub(lo) <= span),
            );
        }
        keys.sort_unstable();
        for &(i, k) in wanted {
            out[i] = keys[k];
        }
        return;
    }
    let shift = (64 - span.leading_zeros()).saturating_sub(BUCKET_BITS);
    let buckets = (span >> shift) as usize + 1;
    // Keys outside the range count in one more bucket, past the others.
    let mut counts = vec![0u32; buckets + 1];
    for part in parts {
        for &v in *part {
            let d = v.key().wrapping_sub(lo);
            let b = if d <= span {
                (d >> shift) as usize
            } else {
                buckets
            };
            counts[b] += 1;
        }
    }
    // Each rank's bucket and its rank there, in bucket order.
    let mut placed: Vec<(usize, usize, usize)> = wanted
        .iter()
        .map(|&(i, mut k)| {
            let mut b = 0;
            while k >= counts[b] as usize {
                k -= counts[b] as usize;
                b += 1;
            }
            (b, i, k)
        })
        .collect();
    placed.sort_unstable();
    for group in placed.chunk_by(|a, b| a.0 == b.0) {
        let b = group[0].0;
        let from = lo + ((b as u64) << shift);
        let to = from.saturating_add((1u64 << shift) - 1).min(hi);
        let ranks: Vec<(usize, usize)> = group.iter().map(|&(_, i, k)| (i, k)).collect();
        find(parts, (from, to), counts[b] as usize, &ranks, out);
    }
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

    #[test]
    fn a_subsample_that_misleads_the_bounds_still_gives_the_exact_ranks() {
        // The first 512 values, which the subsample takes, are the smallest, and equal: the
        // bounds it gives are both that value and miss every rank past them, which the radix
        // selection then finds.
        let n = 51_200u32;
        let values: Vec<u32> = (0..n)
            .map(|i| {
                if i < 512 {
                    7
                } else {
                    1_000 + (i * 7919) % 100_003
                }
            })
            .collect();
        let ranks = [0, 511, 512, 5_000, 25_600, 51_199];
        assert_eq!(select(&[&values], &ranks), sorted_ranks(&values, &ranks));
        let (a, b) = values.split_at(1024);
        assert_eq!(select(&[a, b], &ranks), sorted_ranks(&values, &ranks));
        // The radix selection alone: gathered, narrowed once or more, and a shared value.
        for values in [
            values.clone(),
            (0..n).map(|i| (i * 48_271) % 65_537).collect(),
            (0..n).map(|i| if i % 3 == 0 { 5 } else { i }).collect(),
            vec![9; 3000],
        ] {
            let keys = values.iter().map(|&v| u64::from(v));
            let (lo, hi) = (keys.clone().min().unwrap(), keys.max().unwrap());
            let wanted: Vec<(usize, usize)> = ranks
                .iter()
                .map(|&r| r.min(values.len() - 1))
                .enumerate()
                .collect();
            let mut out = vec![0; ranks.len()];
            find(&[&values], (lo, hi), values.len(), &wanted, &mut out);
            let want: Vec<u64> = sorted_ranks(&values, &ranks)
                .into_iter()
                .map(u64::from)
                .collect();
            assert_eq!(out, want);
        }
    }
}
