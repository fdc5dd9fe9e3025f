//! The random numbers of a run: the slip distributions and cancellations each sample draws,
//! the run over chunks of samples, and one sample's figures.
//!
//! # Random numbers
//!
//! Samples are drawn in chunks of [`CHUNK`]. Chunk `c` uses `rand_chacha`'s `ChaCha8Rng`,
//! seeded with `seed_from_u64(seed)` and set to stream `c` (`set_stream`): a stable, documented
//! stream. A sample takes one `next_u64` for each (tranche, entry) pair whose slip has a width
//! and one for each whose `cancel` is strictly between 0 and 1, tranches in catalog order
//! (contract ids, then tranches as written) and entries in order, the slip before the
//! cancellation. A draw `x` is the number `u = (x >> 11) / 2^53` in `[0, 1)`; a cancellation
//! happens when `u < cancel`, compared exactly. Draws are made for every selected tranche,
//! whatever the filters, so `--provider X` shows the same samples of X's tranches as the whole
//! run. Chunks run in parallel and are combined in chunk order, so the output depends on the
//! seed only, never on the thread count.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;

use super::cost::Store;
use super::demand::{DemandCounts, DemandModel, DemandScratch};
use super::power::Acc;
use super::quantiles::select;
use super::sample::Sampler;
use super::{DemandOutcome, Quantile, RiskModel, RiskOutcome};

/// Samples per chunk: the unit of parallel work and of seeding.
pub const CHUNK: usize = 1024;

/// Bytes after each column of a chunk's figures: a cache line ([`RiskModel::simulate`]).
pub(super) const PAD: usize = 64;

/// A continuous slip distribution on days.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Dist {
    Uniform {
        lo: f64,
        hi: f64,
    },
    /// With `split = (mode - lo) / (hi - lo)`, the CDF at the mode, and the products under
    /// the square roots of the inverse CDF prepared once.
    Triangular {
        lo: f64,
        hi: f64,
        split: f64,
        left: f64,
        right: f64,
    },
}

/// `u` in `[0, 1)` from the 53 high bits of a draw.
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl Dist {
    pub(super) fn triangular(lo: i64, mode: i64, hi: i64) -> Dist {
        let (lo, mode, hi) = (lo as f64, mode as f64, hi as f64);
        let span = hi - lo;
        Dist::Triangular {
            lo,
            hi,
            split: (mode - lo) / span,
            left: span * (mode - lo),
            right: span * (hi - mode),
        }
    }

    /// Whole days of slip for a draw: the inverse CDF at `u`, floored. The triangular side is
    /// chosen without a branch: `u` below the mode's CDF is a coin toss the processor cannot
    /// predict.
    pub(super) fn days(self, x: u64) -> i64 {
        let u = unit(x);
        let (v, lo, hi) = match self {
            Dist::Uniform { lo, hi } => (lo + u * (hi - lo), lo, hi),
            Dist::Triangular {
                lo,
                hi,
                split,
                left,
                right,
            } => {
                let below = u < split;
                let root = if below { u * left } else { (1.0 - u) * right }.sqrt();
                (if below { lo + root } else { hi - root }, lo, hi)
            }
        };
        // The bounds are whole days well inside i64: the cast cannot saturate.
        floor(v.clamp(lo, hi))
    }
}

/// `v.floor()` as an integer for `|v|` well inside i64, without the library call that
/// `f64::floor` is on processors without SSE4.1.
fn floor(v: f64) -> i64 {
    let t = v as i64;
    t - i64::from((t as f64) > v)
}

/// One random number of a sample, in stream order. `line` is the tranche's index among the
/// sampled lines, or `None` for a tranche the filters leave out or that never delivers.
#[derive(Clone, Copy, Debug)]
pub(super) enum Draw {
    Slip {
        line: Option<usize>,
        dist: Dist,
    },
    /// Cancelled when the draw's 53 high bits are below `below`.
    Cancel {
        line: Option<usize>,
        below: u64,
    },
}

/// The draws of a sample by what they do, for the tranches sampled: slips (uniform ones first,
/// then triangular: the order in which they are added does not change a sum) and
/// cancellations, each with its place in the stream. Draws of tranches the filters leave out
/// are taken from the stream all the same.
#[derive(Clone, Debug, Default)]
pub(super) struct DrawPlan {
    pub(super) taken: usize,
    pub(super) slips: Vec<(usize, usize, Dist)>,
    pub(super) cancels: Vec<(usize, usize, u64)>,
}

impl DrawPlan {
    pub(super) fn new(draws: &[Draw]) -> Self {
        let mut plan = DrawPlan {
            taken: draws.len(),
            ..DrawPlan::default()
        };
        for (at, d) in draws.iter().enumerate() {
            match *d {
                Draw::Slip {
                    line: Some(l),
                    dist,
                } => plan.slips.push((at, l, dist)),
                Draw::Cancel {
                    line: Some(l),
                    below,
                } => plan.cancels.push((at, l, below)),
                _ => {}
            }
        }
        plan.slips
            .sort_by_key(|(at, _, d)| (matches!(d, Dist::Triangular { .. }), *at));
        plan
    }
}

impl RiskModel {
    /// Runs `samples` samples (at least one) from `seed`. `progress` is told the number of
    /// samples of each chunk as it finishes, from any thread.
    pub fn simulate(
        &self,
        samples: u64,
        seed: u64,
        quantiles: &[Quantile],
        progress: &(dyn Fn(u64) + Sync),
    ) -> RiskOutcome {
        let samples = samples.max(1);
        match (self.wide, self.wide_sums) {
            (false, false) => self.run::<u32, u64>(samples, seed, quantiles, progress),
            (true, false) => self.run::<u64, u64>(samples, seed, quantiles, progress),
            (false, true) => self.run::<u32, u128>(samples, seed, quantiles, progress),
            (true, true) => self.run::<u64, u128>(samples, seed, quantiles, progress),
        }
    }

    fn run<T: Store, A: Acc>(
        &self,
        samples: u64,
        seed: u64,
        quantiles: &[Quantile],
        progress: &(dyn Fn(u64) + Sync),
    ) -> RiskOutcome {
        let n = usize::try_from(samples).unwrap_or(usize::MAX);
        let w = self.window_len;
        let sampler = Sampler::<A>::new(self, n);
        // Per chunk: `[figure][window period][sample]`, figure 0 GPUs and 1 kW, each column
        // followed by `PAD` bytes: a sample writes one figure to every column, and columns a
        // whole number of pages apart (1,024 figures of 4 bytes) would all fall in one set of
        // the processor's cache and evict each other.
        let block = (2 * w).max(1);
        let pad = PAD / std::mem::size_of::<T>();
        let chunks = n.div_ceil(CHUNK);
        let mut values: Vec<T> = vec![T::default(); block * (n + chunks * pad)];
        let mut reached: Vec<u32> = vec![0; n];
        let empty = DemandCounts {
            on_time: 0,
            short: vec![0; self.demand.as_ref().map_or(0, |d| d.window_len)],
        };
        let mut demand_counts: Vec<DemandCounts> = vec![empty.clone(); chunks];
        values
            .par_chunks_mut(block * (CHUNK + pad))
            .zip(reached.par_chunks_mut(CHUNK))
            .zip(demand_counts.par_iter_mut())
            .enumerate()
            .for_each(|(c, ((vals, reach), counts))| {
                let (len, stride) = (reach.len(), vals.len() / block);
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(c as u64);
                let mut s = sampler.scratch();
                let mut ds: Option<DemandScratch> = self.demand.as_ref().map(DemandModel::scratch);
                for (i, reach) in reach.iter_mut().enumerate() {
                    let first = sampler.sample(&mut rng, &mut s, vals, stride, i);
                    if let (Some(model), Some(ds)) = (&self.demand, ds.as_mut()) {
                        model.sample(&s.shift, &s.alive, ds, counts);
                    }
                    *reach = if self.goal_kw.is_some() {
                        first as u32
                    } else {
                        0
                    };
                }
                progress(len as u64);
            });

        // Quantiles per figure and period, by selection.
        let ranks: Vec<usize> = quantiles
            .iter()
            .map(|q| (q.rank(samples) - 1) as usize)
            .collect();
        let columns: Vec<Vec<i128>> = (0..2 * w)
            .into_par_iter()
            .map(|f| {
                let parts: Vec<&[T]> = values
                    .chunks(block * (CHUNK + pad))
                    .zip(reached.chunks(CHUNK))
                    .map(|(chunk, reached)| {
                        let stride = chunk.len() / block;
                        &chunk[f * stride..f * stride + reached.len()]
                    })
                    .collect();
                select(&parts, &ranks).into_iter().map(T::get).collect()
            })
            .collect();
        drop(values);
        let (gpus, power_kw) = columns.split_at(w);

        let (reached_by, reached_in) = if self.goal_kw.is_some() {
            let mut counts = vec![0u64; self.span.len() + 1];
            for &r in &reached {
                counts[r as usize] += 1;
            }
            let mut by = Vec::with_capacity(w);
            let mut sum = 0;
            for (p, count) in counts.iter().enumerate().take(self.window_start + w) {
                sum += count;
                if p >= self.window_start {
                    by.push(sum);
                }
            }
            let firsts = select(&[&reached], &ranks)
                .into_iter()
                .map(|r| self.span.get(r as usize).cloned())
                .collect();
            (Some(by), Some(firsts))
        } else {
            (None, None)
        };
        RiskOutcome {
            samples,
            seed,
            quantiles: quantiles.to_vec(),
            periods: self.span[self.window_start..self.window_start + w].to_vec(),
            gpus: gpus.to_vec(),
            power_kw: power_kw.to_vec(),
            reached_by,
            reached_in,
            demand: self.demand.as_ref().map(|d| {
                let mut total = empty;
                for c in &demand_counts {
                    total.on_time += c.on_time;
                    for (t, x) in total.short.iter_mut().zip(&c.short) {
                        *t += x;
                    }
                }
                DemandOutcome {
                    runs: d.runs,
                    counts: total,
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_cover_the_distribution_and_floor_to_days() {
        let uniform = Dist::Uniform { lo: 0.0, hi: 1.0 };
        assert_eq!(uniform.days(0), 0);
        assert_eq!(uniform.days(u64::MAX), 0);
        let uniform = Dist::Uniform {
            lo: -10.0,
            hi: 10.0,
        };
        assert_eq!(uniform.days(0), -10);
        assert_eq!(uniform.days(1u64 << 63), 0);
        assert_eq!(uniform.days(u64::MAX), 9);
        let tri = Dist::triangular(0, 60, 270);
        assert_eq!(tri.days(0), 0);
        assert_eq!(tri.days(u64::MAX), 269);
        // The CDF at the mode is 60 / 270: the draw there lands on the mode.
        let at_mode = ((60.0 / 270.0) * (1u64 << 53) as f64) as u64;
        assert_eq!(tri.days(at_mode << 11), 60);
        // Degenerate modes at either end.
        let left = Dist::triangular(0, 0, 100);
        assert_eq!(left.days(1u64 << 63), 29);
        let right = Dist::triangular(0, 100, 100);
        assert_eq!(right.days(1u64 << 63), 70);
    }
}
