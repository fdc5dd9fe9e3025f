//! One sample: its draws, where each moving tranche lands on the period grid, and the
//! figures of the window's periods.
//!
//! A [`Sampler`] is prepared once per run from the model, in the width of the run's sums: per
//! moving tranche, the few figures a sample reads (its start, ramp, end, full power and ramp
//! table), kept together. A sample then fills its random numbers in one call, adds its slips
//! and cancellations, places each tranche on the grid (two look-ups), adds its ramp periods
//! from the table and its full-capacity periods as a step, and reads the periods in order:
//! running sums, the kilowatts ([`Rounding::kw`]), and the figures of the window written where
//! the run keeps them.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;

use super::RiskModel;
use super::cost::Store;
use super::power::{Acc, Line, Point, Rounding};

/// A moving tranche as a sample reads it.
struct Hot<'a, A> {
    from: i64,
    /// Days of ramp, and whether days on it have units online.
    n: i64,
    ramps: bool,
    p_until: usize,
    /// Units counted at full capacity: the tranche's where it is GPUs, else 0.
    units: u64,
    /// Whether the tranche is GPUs, as a mask over its units.
    mask: u64,
    full: A,
    table: &'a [Point<A>],
    line: &'a Line,
}

/// A run's per-sample work, prepared once.
pub(super) struct Sampler<'a, A> {
    model: &'a RiskModel,
    round: Rounding<A>,
    lines: Vec<Hot<'a, A>>,
    /// Per period of the span: the tranches no entry moves, GPUs and power in fixed point.
    base_gpus: Vec<u64>,
    base_power: Vec<A>,
}

/// A period's sums in a sample: steps of full capacity and ramp figures, GPUs and power.
#[derive(Clone, Copy, Default)]
struct Cell<A> {
    gpus_step: u64,
    gpus: u64,
    power_step: A,
    power: A,
}

/// A sample's working figures, reused from sample to sample.
pub(super) struct Scratch<A> {
    /// The sample's random numbers, in stream order, as bytes.
    draws: Vec<u8>,
    pub(super) shift: Vec<i64>,
    pub(super) alive: Vec<bool>,
    /// One cell a period of the span, and one past its end.
    cells: Vec<Cell<A>>,
}

impl<'a, A: Acc> Sampler<'a, A> {
    pub(super) fn new(model: &'a RiskModel) -> Self {
        let lines = model
            .lines
            .iter()
            .map(|line| {
                let mask = if line.gpu { u64::MAX } else { 0 };
                Hot {
                    from: line.from,
                    n: line.n,
                    ramps: line.ramps(),
                    p_until: line.p_until,
                    units: line.units & mask,
                    mask,
                    full: A::put(line.full_fx),
                    table: A::points(&line.table),
                    line,
                }
            })
            .collect();
        Sampler {
            model,
            round: Rounding::new(model.power_den, model.frac_bits, model.lines.len() + 1),
            lines,
            // The model's bounds keep every sum of GPUs within u64.
            base_gpus: model.base.gpus.iter().map(|&g| g as u64).collect(),
            base_power: model.base_fx.iter().map(|&p| A::put(p)).collect(),
        }
    }

    pub(super) fn scratch(&self) -> Scratch<A> {
        let m = self.model;
        Scratch {
            draws: vec![0; 8 * m.plan.taken],
            shift: vec![0; m.lines.len()],
            alive: vec![true; m.lines.len()],
            cells: vec![Cell::default(); m.ends.len() + 1],
        }
    }

    /// One sample: GPUs and kW of the window's `p`-th period written to `vals[p * len + i]`
    /// and `vals[(w + p) * len + i]`. Returns the span's index of the first period whose
    /// power reaches the target's (the span's length for never, or where the target sets no
    /// power).
    pub(super) fn sample<T: Store>(
        &self,
        rng: &mut ChaCha8Rng,
        s: &mut Scratch<A>,
        vals: &mut [T],
        len: usize,
        i: usize,
    ) -> usize {
        let m = self.model;
        s.shift.fill(0);
        s.alive.fill(true);
        // The stream's next `u64`s, as `next_u64` gives them: two `u32` words, low first.
        rng.fill_bytes(&mut s.draws);
        let draw = |at: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&s.draws[8 * at..8 * at + 8]);
            u64::from_le_bytes(x)
        };
        for &(at, l, dist) in &m.plan.slips {
            s.shift[l] += dist.days(draw(at));
        }
        for &(at, l, below) in &m.plan.cancels {
            s.alive[l] &= (draw(at) >> 11) >= below;
        }
        self.place(s);
        self.read(s, vals, len, i)
    }

    /// Adds each tranche still delivering where its slips put it.
    fn place(&self, s: &mut Scratch<A>) {
        let m = self.model;
        let (ends, f, need) = (&m.ends, m.frac_bits, m.first_needed);
        let cells = &mut s.cells;
        for ((line, &shift), &alive) in self.lines.iter().zip(&s.shift).zip(&s.alive) {
            if !alive {
                continue;
            }
            let from = line.from + shift;
            let hi = line.p_until;
            let lo = m.grid.first_ending_from(from).max(need).min(hi);
            if lo >= hi {
                continue;
            }
            let full = m.grid.first_ending_from(from + line.n).clamp(lo, hi);
            if line.ramps {
                // Period ends before `from + n`: days on the ramp, inside the table if any.
                for (cell, &e) in cells[lo..full].iter_mut().zip(&ends[lo..full]) {
                    let t = (e - from) as usize;
                    let point = match line.table.get(t) {
                        Some(p) => *p,
                        None => line.line.point(t as i64, f),
                    };
                    cell.gpus = cell.gpus.wrapping_add(point.units & line.mask);
                    cell.power = cell.power.add(point.fx);
                }
            }
            if full < hi {
                let start = &mut cells[full];
                start.gpus_step = start.gpus_step.wrapping_add(line.units);
                start.power_step = start.power_step.add(line.full);
                let end = &mut cells[hi];
                end.gpus_step = end.gpus_step.wrapping_sub(line.units);
                end.power_step = end.power_step.sub(line.full);
            }
        }
    }

    /// Reads the periods in order, zeroing each cell as it is read, ready for the next sample
    /// (cheaper than clearing them again before it), and writes the window's figures.
    fn read<T: Store>(&self, s: &mut Scratch<A>, vals: &mut [T], len: usize, i: usize) -> usize {
        let m = self.model;
        let (ws, w) = (m.window_start, m.window_len);
        let periods = m.ends.len();
        let (mut gpus_run, mut power_run) = (0u64, A::default());
        let mut reached = None;
        let mut last = periods;
        for p in m.first_needed..periods {
            let cell = std::mem::take(&mut s.cells[p]);
            gpus_run = gpus_run.wrapping_add(cell.gpus_step);
            power_run = power_run.add(cell.power_step);
            let in_window = p >= ws && p < ws + w;
            let seeking = reached.is_none() && m.goal_kw.is_some();
            if !in_window && !seeking {
                if p < ws {
                    // Before the window with the target reached: only the running sums.
                    continue;
                }
                // Past the window with the target reached: nothing more is read.
                last = p + 1;
                break;
            }
            let sum = self.base_power[p].add(power_run).add(cell.power);
            let kw = match self.round.kw(sum) {
                Some(kw) => kw as i128,
                None => m.exact_kw(p, &s.shift, &s.alive),
            };
            if in_window {
                let gpus = self.base_gpus[p]
                    .wrapping_add(gpus_run)
                    .wrapping_add(cell.gpus);
                vals[(p - ws) * len + i] = T::put(i128::from(gpus));
                vals[(w + p - ws) * len + i] = T::put(kw);
            }
            if seeking && m.goal_kw.is_some_and(|goal| kw >= goal) {
                reached = Some(p);
            }
        }
        // Cells left unread, and the one past the end, which is written but never read.
        s.cells[last..].fill(Cell::default());
        reached.unwrap_or(periods)
    }
}
