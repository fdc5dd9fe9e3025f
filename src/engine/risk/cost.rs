//! What keeps a run cheap: ramp tables prepared once, the index from days to period ends,
//! figures kept as narrow as the catalog allows, and the memory a run may keep.
//!
//! # Cost
//!
//! What does not change between samples is computed once: tranches no entry can move are
//! summed per period up front; for the others, the shape, watts, kind, the check that no sum
//! can overflow, the ramp tables and an index from day to period end are prepared once. A
//! sample then places each tranche on the period grid (two look-ups), adds its full-capacity
//! periods as a step and reads its few ramp periods from its table (or computes them in 64-bit
//! integers, two divisions, past the tables' budget), summing power in 64-bit fixed point
//! wherever the catalog's totals allow ([`super::power`]). Periods before the window are
//! computed only where power could reach the target's there, and periods after it only until
//! it is reached. Values are kept per sample and period as `u32` where the catalog's totals
//! fit, else `u64` (4 or 8 bytes per sample, period and figure: 264 MB for a million samples of
//! 33 quarters), and the quantiles are found per period by selection, not sorting
//! ([`super::quantiles`]). Memory therefore grows as samples x periods: a run that would keep
//! more than [`MAX_MEMORY_BYTES`] is refused before it starts ([`RiskModel::check_memory`]),
//! with the number of samples that would fit.

use rayon::prelude::*;

use super::RiskModel;
use super::draws::PAD;
use super::power::{Acc, Line, Point};
use super::quantiles::Key;

/// The most memory a run may keep for its samples' figures ([`RiskModel::memory_bytes`]):
/// 10,000,000 samples of the default quarterly window fit; a monthly window over decades
/// needs fewer samples, and is refused with the number that fits rather than left to run
/// out of memory.
pub const MAX_MEMORY_BYTES: u64 = 4 << 30;
/// Ramp-day figures kept in tables, over all tranches (16 bytes each in 64-bit sums, 32 in
/// 128-bit ones); past it, the remaining tranches compute them as they go.
const TABLE_BUDGET: usize = 1 << 21;
/// Ramp-day figures of tranches that could compute them in 64 bits ([`Line::point`]) kept in
/// tables all the same while every table fits a processor's second-level cache (256 KiB): a
/// lookup there is quicker than the divisions.
const CACHED_BUDGET: usize = 1 << 14;

/// A run whose samples would keep more memory than allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryError {
    pub samples: u64,
    pub periods: usize,
    /// Bytes the run would keep.
    pub needed: u128,
    /// Bytes allowed.
    pub budget: u64,
    /// The most samples that fit.
    pub fits: u64,
}

/// Fills, in parallel, the ramp tables of the `lines` that need one ([`Line::point`] for each
/// day of the ramp), in order, while [`TABLE_BUDGET`] lasts.
pub(super) fn fill_tables<A: Acc>(lines: &mut [Line], frac_bits: u32) {
    let mut budget = TABLE_BUDGET;
    let ramp_days: usize = lines
        .iter()
        .filter(|l| l.ramps())
        .map(|l| l.n as usize)
        .sum();
    let all = ramp_days <= CACHED_BUDGET;
    let mut wanted = Vec::with_capacity(lines.len());
    for line in lines.iter() {
        let len = if line.ramps() && (line.fast_den == 0 || all) {
            line.n as usize
        } else {
            0
        };
        let take = len > 0 && len <= budget;
        if take {
            budget -= len;
        }
        wanted.push(take);
    }
    lines
        .par_iter_mut()
        .zip(wanted)
        .filter(|(_, take)| *take)
        .for_each(|(line, _)| {
            let points: Vec<Point<A>> = (0..line.n).map(|t| line.point(t, frac_bits)).collect();
            line.table = A::table(points);
        });
}

impl RiskModel {
    /// The memory a run of `samples` samples keeps, in bytes: per sample, GPUs and power for
    /// every period of the window (4 or 8 bytes each), the period the target is reached in
    /// (4 bytes), and one more figure for the column being ranked; per chunk of samples, a
    /// cache line after each period's GPUs and power. Measured (peak resident memory of 2
    /// million samples less that of 1 million): 346 bytes per sample on 44 quarters at 4
    /// bytes, against 366 here.
    pub fn memory_bytes(&self, samples: u64) -> u128 {
        let (per_sample, per_chunk) = self.bytes();
        let chunks = u128::from(samples.max(1)).div_ceil(super::CHUNK as u128);
        u128::from(samples) * per_sample + chunks * per_chunk
    }

    /// Bytes per sample, and the padding per chunk of samples.
    fn bytes(&self) -> (u128, u128) {
        let width: u128 = if self.wide { 8 } else { 4 };
        let figures = 2 * self.window_len.max(1) as u128;
        ((figures + 1) * width + 4, figures * PAD as u128)
    }

    /// Checks that a run of `samples` samples keeps at most `budget` bytes
    /// ([`RiskModel::memory_bytes`]), before anything is allocated. The error says how much
    /// it would need and how many samples fit.
    pub fn check_memory(&self, samples: u64, budget: u64) -> Result<(), MemoryError> {
        let needed = self.memory_bytes(samples);
        if needed <= u128::from(budget) {
            return Ok(());
        }
        // Whole chunks, then as many samples of one more as the rest holds with its padding.
        let (per_sample, padding) = self.bytes();
        let chunk = super::CHUNK as u128;
        let per_chunk = chunk * per_sample + padding;
        let (whole, rest) = (
            u128::from(budget) / per_chunk,
            u128::from(budget) % per_chunk,
        );
        let fits = whole * chunk + rest.saturating_sub(padding) / per_sample;
        Err(MemoryError {
            samples,
            periods: self.window_len,
            needed,
            budget,
            fits: u64::try_from(fits).unwrap_or(u64::MAX),
        })
    }
}

/// For a day `d`, the first period of the span whose last day is on or after `d`: a lookup
/// in a table over the span's days (and one day past them, where the answer is the span's
/// length), or a binary search where the span is too long for one.
#[derive(Clone, Debug)]
pub(super) struct EndIndex {
    ends: Vec<i64>,
    first: i64,
    table: Vec<u32>,
}

impl EndIndex {
    const MAX_DAYS: i64 = 1 << 20;

    pub(super) fn new(ends: &[i64]) -> Self {
        let first = ends.first().copied().unwrap_or(0);
        let last = ends.last().copied().unwrap_or(0);
        let table = if !ends.is_empty() && last - first < Self::MAX_DAYS {
            (first..=last + 1)
                .map(|d| ends.partition_point(|&e| e < d) as u32)
                .collect()
        } else {
            Vec::new()
        };
        EndIndex {
            ends: ends.to_vec(),
            first,
            table,
        }
    }

    pub(super) fn first_ending_from(&self, d: i64) -> usize {
        match self.table.len() {
            0 => self.ends.partition_point(|&e| e < d),
            len => {
                self.table[d.saturating_sub(self.first).clamp(0, len as i64 - 1) as usize] as usize
            }
        }
    }
}

/// How figures are kept between sampling and selection: as narrow as the catalog allows.
pub(super) trait Store: Key + Default + Send + Sync {
    /// The model's bounds guarantee that `v` fits.
    fn put(v: i128) -> Self;
    fn get(self) -> i128;
}

impl Store for u32 {
    fn put(v: i128) -> Self {
        v as u32
    }
    fn get(self) -> i128 {
        i128::from(self)
    }
}

impl Store for u64 {
    fn put(v: i128) -> Self {
        v as u64
    }
    fn get(self) -> i128 {
        i128::from(self)
    }
}
