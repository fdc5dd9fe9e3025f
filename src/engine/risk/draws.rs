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
use rand_chacha::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;

use super::cost::Store;
use super::demand::{DemandCounts, DemandModel, DemandScratch};
use super::power::round_kw;
use super::quantiles::select;
use super::{DemandOutcome, Quantile, RiskModel, RiskOutcome};

/// Samples per chunk: the unit of parallel work and of seeding.
pub const CHUNK: usize = 1024;

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

    /// Whole days of slip for a draw: the inverse CDF at `u`, floored.
    fn days(self, x: u64) -> i64 {
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
                let v = if u < split {
                    lo + (u * left).sqrt()
                } else {
                    hi - ((1.0 - u) * right).sqrt()
                };
                (v, lo, hi)
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
    if (t as f64) > v { t - 1 } else { t }
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
        if self.wide {
            self.run::<u64>(samples, seed, quantiles, progress)
        } else {
            self.run::<u32>(samples, seed, quantiles, progress)
        }
    }

    fn run<T: Store>(
        &self,
        samples: u64,
        seed: u64,
        quantiles: &[Quantile],
        progress: &(dyn Fn(u64) + Sync),
    ) -> RiskOutcome {
        let n = usize::try_from(samples).unwrap_or(usize::MAX);
        let w = self.window_len;
        // Per chunk: `[figure][window period][sample]`, figure 0 GPUs and 1 kW.
        let block = (2 * w).max(1);
        let mut values: Vec<T> = vec![T::default(); block * n];
        let mut reached: Vec<u32> = vec![0; n];
        let chunks = n.div_ceil(CHUNK);
        let empty = DemandCounts {
            on_time: 0,
            short: vec![0; self.demand.as_ref().map_or(0, |d| d.window_len)],
        };
        let mut demand_counts: Vec<DemandCounts> = vec![empty.clone(); chunks];
        values
            .par_chunks_mut(block * CHUNK)
            .zip(reached.par_chunks_mut(CHUNK))
            .zip(demand_counts.par_iter_mut())
            .enumerate()
            .for_each(|(c, ((vals, reach), counts))| {
                let len = reach.len();
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(c as u64);
                let mut s = Scratch::new(self);
                let mut ds: Option<DemandScratch> = self.demand.as_ref().map(DemandModel::scratch);
                for i in 0..len {
                    self.sample(&mut rng, &mut s);
                    if let (Some(model), Some(ds)) = (&self.demand, ds.as_mut()) {
                        model.sample(&s.shift, &s.alive, ds, counts);
                    }
                    for p in 0..w {
                        let q = self.window_start + p;
                        vals[p * len + i] = T::put(s.out_gpus[q]);
                        vals[(w + p) * len + i] = T::put(s.out_kw[q]);
                    }
                    reach[i] = match self.goal_kw {
                        Some(goal) => {
                            s.out_kw
                                .iter()
                                .position(|&kw| kw >= goal)
                                .unwrap_or(self.span.len()) as u32
                        }
                        None => 0,
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
                let mut col: Vec<T> = Vec::with_capacity(n);
                for chunk in values.chunks(block * CHUNK) {
                    let len = chunk.len() / block;
                    col.extend_from_slice(&chunk[f * len..(f + 1) * len]);
                }
                select(&mut col, &ranks).into_iter().map(T::get).collect()
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
            let firsts = select(&mut reached, &ranks)
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

    /// One sample: GPUs and kW for every period of the span into `s.out_*`.
    fn sample(&self, rng: &mut ChaCha8Rng, s: &mut Scratch) {
        s.reset();
        for d in &self.draws {
            let x = rng.next_u64();
            match *d {
                Draw::Slip { line, dist } => {
                    if let Some(l) = line {
                        s.shift[l] += dist.days(x);
                    }
                }
                Draw::Cancel { line, below } => {
                    if let Some(l) = line
                        && (x >> 11) < below
                    {
                        s.alive[l] = false;
                    }
                }
            }
        }
        let ends = &self.ends;
        for (j, line) in self.lines.iter().enumerate() {
            if !s.alive[j] {
                continue;
            }
            let from = line.from + s.shift[j];
            let hi = line.p_until;
            let lo = self.grid.first_ending_from(from).min(hi);
            if lo >= hi {
                continue;
            }
            let by = from + line.n;
            let full = self.grid.first_ending_from(by).clamp(lo, hi);
            if line.ramps() {
                for (q, &e) in ends.iter().enumerate().take(full).skip(lo) {
                    let point = line.point(e - from);
                    if line.gpu {
                        s.gpus[q] += i128::from(point.units);
                    }
                    s.power[q] += point.power;
                    if point.frac != 0.0 {
                        s.frac[q] += point.frac;
                        s.terms[q] += 1;
                    }
                }
            }
            if full < hi {
                if line.gpu {
                    let u = i128::from(line.units);
                    s.gpus_step[full] += u;
                    s.gpus_step[hi] -= u;
                }
                s.power_step[full] += line.full_power;
                s.power_step[hi] -= line.full_power;
            }
        }
        let base = &self.base;
        let (mut gpus_run, mut power_run) = (0i128, 0i128);
        // Each period's sums are read once, here, and zeroed as they are read, ready for the
        // next sample: cheaper than clearing the arrays again before it.
        use std::mem::take;
        for p in 0..ends.len() {
            gpus_run += take(&mut s.gpus_step[p]);
            power_run += take(&mut s.power_step[p]);
            s.out_gpus[p] = base.gpus[p] + gpus_run + take(&mut s.gpus[p]);
            let whole = base.power[p] + power_run + take(&mut s.power[p]);
            let terms = base.terms[p] + take(&mut s.terms[p]);
            let frac = take(&mut s.frac[p]);
            s.out_kw[p] = if terms == 0 {
                round_kw(whole, true, self.power_den)
            } else {
                let f = base.frac[p] + frac;
                let fl = floor(f);
                let fr = f - fl as f64;
                // The f64 sum of `terms` fractions below one is within this of the exact sum
                // (each term within 1.5 ulp, each addition within half an ulp of a sum below
                // `terms`), with a margin of three.
                let m = f64::from(terms) + 4.0;
                let tol = 1e-15 * m * m;
                if fr > tol && fr < 1.0 - tol {
                    round_kw(whole + i128::from(fl), false, self.power_den)
                } else {
                    self.exact_kw(p, whole, s)
                }
            };
        }
    }
}

/// A sample's working figures, reused from sample to sample.
pub(super) struct Scratch {
    pub(super) shift: Vec<i64>,
    pub(super) alive: Vec<bool>,
    gpus_step: Vec<i128>,
    power_step: Vec<i128>,
    gpus: Vec<i128>,
    power: Vec<i128>,
    frac: Vec<f64>,
    terms: Vec<u32>,
    out_gpus: Vec<i128>,
    out_kw: Vec<i128>,
}

impl Scratch {
    fn new(model: &RiskModel) -> Self {
        let (l, p) = (model.lines.len(), model.ends.len());
        Scratch {
            shift: vec![0; l],
            alive: vec![true; l],
            gpus_step: vec![0; p + 1],
            power_step: vec![0; p + 1],
            gpus: vec![0; p],
            power: vec![0; p],
            frac: vec![0.0; p],
            terms: vec![0; p],
            out_gpus: vec![0; p],
            out_kw: vec![0; p],
        }
    }

    /// Readies the scratch for a sample. The per-period sums are zeroed as the previous
    /// sample read them ([`RiskModel::sample`]); the step arrays' last entry, past the final
    /// period, is never read and is zeroed here.
    fn reset(&mut self) {
        self.shift.fill(0);
        self.alive.fill(true);
        if let Some(last) = self.gpus_step.last_mut() {
            *last = 0;
        }
        if let Some(last) = self.power_step.last_mut() {
            *last = 0;
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
