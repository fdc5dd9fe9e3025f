//! One sample: its draws, where each moving tranche lands on the period grid, and the
//! figures of the window's periods.
//!
//! A [`Sampler`] is prepared once per run from the model, in the width of the run's sums: per
//! moving tranche, the few figures a sample reads (its start, ramp, end, full power and ramp
//! table), kept together, and where they fit the cache, shift by shift, its periods and the
//! figures of its ramp periods one after the other (its rows). A sample then fills its random
//! numbers in one call, adds its slips and cancellations, places each tranche on the grid
//! (its periods for that shift, else two look-ups), adds its ramp periods from its row or its
//! table and its full-capacity periods as a step, and reads the periods in order: running
//! sums, the kilowatts ([`Rounding::kw`]), and the figures of the window written where the run
//! keeps them.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;

use super::RiskModel;
use super::cost::Store;
use super::power::{Acc, Line, Point, Rounding};

/// A moving tranche as a sample reads it.
struct Hot<'a, A> {
    from: i64,
    /// Whether days on its ramp have units online.
    ramps: bool,
    p_until: usize,
    /// Units counted at full capacity: the tranche's where it is GPUs, else 0.
    units: u64,
    /// Whether the tranche is GPUs, as a mask over its units.
    mask: u64,
    full: A,
    /// Its ramp table; empty where it has none.
    table: &'a [Point<A>],
    line: &'a Line,
    /// The least shift its slips can add up to, and from there, shift by shift, its first
    /// period computed (where it has rows, the first of its row), its first at full capacity
    /// ([`spot`]) and where its row starts in `rows`; empty where the slips' range is too wide
    /// to keep.
    least: i64,
    spots: Vec<(u16, u16, u32)>,
    /// Whether it has rows: then, shift by shift, `width` figures of the periods from the
    /// row's first, those of its ramp and zeros around them, units only where it is GPUs. A
    /// sample adds a whole row whatever the shift and whether the tranche delivers (masked
    /// to zero where it does not), so that no branch depends on a figure still being read:
    /// the processor runs ahead to the next tranches while this one's row is on its way.
    /// Measured on the shipped catalog: 30% less time placing tranches than a day at a time
    /// from the table.
    rowed: bool,
    width: usize,
    rows: Vec<Point<A>>,
}

/// The most shifts whose periods are kept ([`Hot::spots`]), over all tranches, 8 bytes each:
/// while they fit a processor's second-level cache, a look-up there is quicker than the two on
/// the period grid; past it, slower.
const SPOTS: i64 = 1 << 15;
/// The most ramp-period figures kept in rows ([`Hot::rows`]), over all tranches: 1 MiB in
/// 64-bit sums, within a processor's second-level cache.
const ROWS: usize = 1 << 16;
/// Samples per shift from which a tranche's rows are built: a row costs about as much to
/// build as 25 samples save by reading it (measured on the shipped catalog: 0.3 to 0.5 ms for
/// all its rows, which 10,000 samples on two threads about make up for), so rows are built
/// where each will be read about a hundred times.
const ROW_USES: usize = 100;

/// A run's per-sample work, prepared once.
pub(super) struct Sampler<'a, A> {
    model: &'a RiskModel,
    round: Rounding<A>,
    lines: Vec<Hot<'a, A>>,
    /// Per period of the span: the tranches no entry moves, GPUs and power in fixed point.
    base_gpus: Vec<u64>,
    base_power: Vec<A>,
    /// The first period of the span in which no moving tranche delivers, in any sample: every
    /// tranche's `until` is behind it.
    settled: usize,
    /// Whether any tranche has rows.
    rowed: bool,
    /// Per period from `settled` on, and one past the span's end: the first period from it
    /// whose power reaches the target's, the span's length for never. From `settled` on,
    /// power is the base's alone, the same in every sample.
    reached_from: Vec<usize>,
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
    /// Per tranche with rows, where the sample's shift puts it ([`Hot::spots`]).
    picked: Vec<Option<(u16, u16, u32)>>,
}

impl<'a, A: Acc> Sampler<'a, A> {
    /// The sampler of a run of `samples` samples.
    pub(super) fn new(model: &'a RiskModel, samples: usize) -> Self {
        let spots: i64 = model
            .lines
            .iter()
            .map(|l| l.shifts.1.saturating_sub(l.shifts.0).saturating_add(1))
            .fold(0, i64::saturating_add);
        let keep = spots <= SPOTS && model.ends.len() <= usize::from(u16::MAX);
        let mut budget = ROWS;
        let mut lines = Vec::with_capacity(model.lines.len());
        for line in &model.lines {
            let (least, most) = line.shifts;
            let mask = if line.gpu { u64::MAX } else { 0 };
            let table = A::points(&line.table);
            let mut spots: Vec<(u16, u16, u32)> = Vec::new();
            if keep {
                spots = (least..=most)
                    .map(|shift| {
                        let (lo, full) = spot(model, line, line.from + shift);
                        (lo as u16, full as u16, 0)
                    })
                    .collect();
            }
            let width = match line.ramps() {
                true => spots
                    .iter()
                    .map(|&(lo, full, _)| usize::from(full - lo))
                    .max(),
                false => None,
            }
            .unwrap_or(0);
            let days = spots.len() * width;
            let rowed = keep
                && (!line.ramps() || !table.is_empty())
                && days <= budget
                && samples / ROW_USES >= spots.len();
            let mut rows = Vec::new();
            if rowed && line.ramps() {
                budget -= days;
                rows = rows_of(model, line, table, mask, &mut spots, width);
            }
            lines.push(Hot {
                from: line.from,
                ramps: line.ramps(),
                p_until: line.p_until,
                units: line.units & mask,
                mask,
                full: A::put(line.full_fx),
                table,
                line,
                least,
                spots,
                rowed,
                width,
                rows,
            });
        }
        let any_rowed = lines.iter().any(|l| l.rowed);
        let periods = model.ends.len();
        let round = Rounding::new(model.power_den, model.frac_bits, model.lines.len() + 1);
        let base_power: Vec<A> = model.base_fx.iter().map(|&p| A::put(p)).collect();
        let settled = model.lines.iter().map(|l| l.p_until).max().unwrap_or(0);
        let mut reached_from = vec![periods; periods - settled + 1];
        if let Some(goal) = model.goal_kw {
            let (shift, alive) = (vec![0; model.lines.len()], vec![false; model.lines.len()]);
            for p in (settled..periods).rev() {
                let kw = round
                    .kw(base_power[p])
                    .map_or_else(|| model.exact_kw(p, &shift, &alive), i128::from);
                reached_from[p - settled] = if kw >= goal {
                    p
                } else {
                    reached_from[p - settled + 1]
                };
            }
        }
        Sampler {
            model,
            round,
            lines,
            // The model's bounds keep every sum of GPUs within u64.
            base_gpus: model.base.gpus.iter().map(|&g| g as u64).collect(),
            base_power,
            settled,
            rowed: any_rowed,
            reached_from,
        }
    }

    pub(super) fn scratch(&self) -> Scratch<A> {
        let m = self.model;
        Scratch {
            draws: vec![0; 8 * m.plan.taken],
            shift: vec![0; m.lines.len()],
            alive: vec![true; m.lines.len()],
            cells: vec![Cell::default(); m.ends.len() + 1],
            picked: vec![None; m.lines.len()],
        }
    }

    /// One sample: GPUs and kW of the window's `p`-th period written to `vals[p * stride + i]`
    /// and `vals[(w + p) * stride + i]`. Returns the span's index of the first period whose
    /// power reaches the target's (the span's length for never, or where the target sets no
    /// power).
    pub(super) fn sample<T: Store>(
        &self,
        rng: &mut ChaCha8Rng,
        s: &mut Scratch<A>,
        vals: &mut [T],
        stride: usize,
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
        self.read(s, vals, stride, i)
    }

    /// Adds each tranche still delivering where its slips put it: its ramp days, from its
    /// rows or its table where it has them, and its full-capacity periods as a step up and
    /// down. Where tranches have rows, their places are looked up for all of them first: the
    /// look-ups then do not wait on each other.
    fn place(&self, s: &mut Scratch<A>) {
        let m = self.model;
        let (ends, f) = (&m.ends, m.frac_bits);
        let cells = &mut s.cells;
        if self.rowed {
            for ((picked, line), &shift) in s.picked.iter_mut().zip(&self.lines).zip(&s.shift) {
                if line.rowed {
                    *picked = line
                        .spots
                        .get(shift.wrapping_sub(line.least) as usize)
                        .copied();
                }
            }
        }
        let sampled = self.lines.iter().zip(&s.shift).zip(&s.alive).zip(&s.picked);
        for (((line, &shift), &alive), &picked) in sampled {
            if let (true, Some((first, full, at))) = (line.rowed, picked) {
                let (first, full, at) = (usize::from(first), usize::from(full), at as usize);
                let mask = u64::from(alive).wrapping_neg();
                let points = &line.rows[at..at + line.width];
                for (cell, point) in cells[first..first + line.width].iter_mut().zip(points) {
                    cell.gpus = cell.gpus.wrapping_add(point.units & mask);
                    cell.power = cell.power.add(point.fx.keep(alive));
                }
                // Full capacity from `full` to `p_until`, where it is before.
                let on = alive && full < line.p_until;
                let units = line.units & u64::from(on).wrapping_neg();
                step(cells, full, line.p_until, units, line.full.keep(on));
                continue;
            }
            if !alive {
                continue;
            }
            let from = line.from + shift;
            let hi = line.p_until;
            let (lo, full) = match line.spots.get(shift.wrapping_sub(line.least) as usize) {
                Some(&(lo, full, _)) if !line.rowed => (lo as usize, full as usize),
                _ => spot(m, line.line, from),
            };
            if line.ramps && lo < full {
                // Period ends before `from + n`: days on the ramp.
                let days = cells[lo..full].iter_mut().zip(&ends[lo..full]);
                match line.table {
                    table if !table.is_empty() => {
                        for (cell, &e) in days {
                            let point = table[(e - from) as usize];
                            cell.gpus = cell.gpus.wrapping_add(point.units & line.mask);
                            cell.power = cell.power.add(point.fx);
                        }
                    }
                    _ => {
                        for (cell, &e) in days {
                            let point: Point<A> = line.line.point(e - from, f);
                            cell.gpus = cell.gpus.wrapping_add(point.units & line.mask);
                            cell.power = cell.power.add(point.fx);
                        }
                    }
                }
            }
            if full < hi {
                step(cells, full, hi, line.units, line.full);
            }
        }
    }

    /// Reads the periods in order, zeroing each cell as it is read, ready for the next sample
    /// (cheaper than clearing them again before it), and writes the window's figures: before
    /// the window, only where power could reach the target's there; in it, every period; after
    /// it, until the target's power is reached.
    fn read<T: Store>(&self, s: &mut Scratch<A>, vals: &mut [T], stride: usize, i: usize) -> usize {
        let m = self.model;
        let Scratch {
            cells,
            shift,
            alive,
            ..
        } = s;
        let (ws, w) = (m.window_start, m.window_len);
        let periods = m.ends.len();
        // The target's kilowatts; one past every sum where there are none to reach.
        let goal: u128 = m
            .goal_kw
            .map_or(u128::MAX, |g| u128::try_from(g).unwrap_or(0));
        let (mut gpus_run, mut power_run) = (0u64, A::default());
        // The period in which the target is reached, `periods` until it is.
        let mut reached = periods;
        let mut kw_of = |p: usize, gpus_run: &mut u64, power_run: &mut A| {
            let cell = std::mem::take(&mut cells[p]);
            *gpus_run = gpus_run.wrapping_add(cell.gpus_step);
            *power_run = power_run.add(cell.power_step);
            let sum = self.base_power[p].add(*power_run).add(cell.power);
            let kw = match self.round.kw(sum) {
                Some(kw) => kw,
                None => m.exact_kw(p, shift, alive) as u64,
            };
            (cell.gpus, kw)
        };
        for p in m.first_needed..ws {
            let (_, kw) = kw_of(p, &mut gpus_run, &mut power_run);
            if reached == periods && u128::from(kw) >= goal {
                reached = p;
            }
        }
        let (gpus_out, kw_out) = vals.split_at_mut(w * stride);
        for (p, (g, k)) in (ws..ws + w).zip(
            gpus_out
                .chunks_exact_mut(stride)
                .zip(kw_out.chunks_exact_mut(stride)),
        ) {
            let (gpus, kw) = kw_of(p, &mut gpus_run, &mut power_run);
            let gpus = self.base_gpus[p].wrapping_add(gpus_run).wrapping_add(gpus);
            g[i] = T::put(i128::from(gpus));
            k[i] = T::put(i128::from(kw));
            let first = reached == periods && u128::from(kw) >= goal;
            reached = if first { p } else { reached };
        }
        let mut next = ws + w;
        let settled = self.settled;
        while reached == periods && goal != u128::MAX && next < settled {
            let (_, kw) = kw_of(next, &mut gpus_run, &mut power_run);
            if u128::from(kw) >= goal {
                reached = next;
            }
            next += 1;
        }
        if reached == periods && next >= settled {
            reached = self.reached_from[next.min(periods) - settled];
        }
        // Cells left unread: no sample writes past `settled`, where a step can end.
        if next <= settled {
            cells[next..=settled].fill(Cell::default());
        }
        reached
    }
}

/// The rows of a tranche with a table ([`Hot::rows`]): shift by shift, from the least, `width`
/// figures from the row's first period, written over the first period of `spots`.
fn rows_of<A: Acc>(
    model: &RiskModel,
    line: &Line,
    table: &[Point<A>],
    mask: u64,
    spots: &mut [(u16, u16, u32)],
    width: usize,
) -> Vec<Point<A>> {
    let mut rows = Vec::with_capacity(spots.len() * width);
    let periods = model.ends.len();
    for (spot, shift) in spots.iter_mut().zip(line.shifts.0..) {
        let (lo, full) = (usize::from(spot.0), usize::from(spot.1));
        // The ramp's first period, or as late as `width` periods fit.
        let first = lo.min(periods - width);
        *spot = (first as u16, spot.1, rows.len() as u32);
        rows.extend((first..first + width).map(|p| {
            if (lo..full).contains(&p) {
                let point = table[(model.ends[p] - line.from - shift) as usize];
                Point {
                    units: point.units & mask,
                    fx: point.fx,
                }
            } else {
                Point::default()
            }
        }));
    }
    rows
}

/// The first period a sample computes for a line that starts on day `from`, and its first
/// period at full capacity: both the line's last period if it delivers nothing computed.
fn spot(m: &RiskModel, line: &Line, from: i64) -> (usize, usize) {
    let hi = line.p_until;
    let lo = m.grid.first_ending_from(from).max(m.first_needed).min(hi);
    let full = m.grid.first_ending_from(from + line.n).clamp(lo, hi);
    (lo, full)
}

/// A tranche at full capacity from period `from` until period `until`: `units` and `power`
/// up at the one and down at the other.
fn step<A: Acc>(cells: &mut [Cell<A>], from: usize, until: usize, units: u64, power: A) {
    let start = &mut cells[from];
    start.gpus_step = start.gpus_step.wrapping_add(units);
    start.power_step = start.power_step.add(power);
    let end = &mut cells[until];
    end.gpus_step = end.gpus_step.wrapping_sub(units);
    end.power_step = end.power_step.sub(power);
}

#[cfg(test)]
mod tests {
    use rand_chacha::rand_core::SeedableRng;

    use super::*;
    use crate::catalog::{self, CatalogFiles};
    use crate::diagnostic::Report;
    use crate::engine::{By, Filter, Grid, Timeline};
    use crate::scenario::parse::read_scenario;

    /// The shipped catalog's model under the example delivery scenario, by `by`.
    fn shipped(by: By) -> RiskModel {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = CatalogFiles::read_dir(&root.join("contracts")).expect("the catalog");
        let mut report = Report::default();
        let catalog = catalog::load(&files, &mut report).expect("a valid catalog");
        let path = root.join("examples/scenarios/delivery-risk.toml");
        let bytes = std::fs::read(&path).expect("the scenario");
        let scenario = read_scenario("delivery-risk.toml", bytes, &mut report).expect("parsed");
        let (from, to) = (
            catalog.portfolio.horizon_start,
            catalog.portfolio.horizon_end,
        );
        let timeline = Timeline::new(&catalog, Grid::new(by, 1), from, to);
        RiskModel::new(
            &catalog,
            &timeline,
            &Filter::default(),
            &scenario.risks,
            Some(30.into()),
        )
        .expect("a model")
    }

    /// Every figure of `samples` samples, and the period each reaches the target in.
    fn figures(model: &RiskModel, sampler: &Sampler<u64>, samples: usize) -> Vec<u32> {
        let block = 2 * model.window_len;
        let mut vals = vec![0u32; block * samples];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut s = sampler.scratch();
        let mut reached = Vec::new();
        for i in 0..samples {
            reached.push(sampler.sample(&mut rng, &mut s, &mut vals, samples, i) as u32);
        }
        vals.extend(reached);
        vals
    }

    #[test]
    fn rows_give_the_figures_of_the_tables_sample_by_sample() {
        for by in [By::Quarter, By::Month] {
            let model = shipped(by);
            let (tables, rows) = (Sampler::new(&model, 0), Sampler::new(&model, usize::MAX));
            assert!(tables.lines.iter().all(|l| !l.rowed));
            // By month, the budget holds the rows of some tranches only: both ways are mixed.
            let rowed = rows.lines.iter().filter(|l| l.rowed).count();
            assert!(rowed > 0 && rowed <= rows.lines.len(), "{by:?}: {rowed}");
            assert_eq!(
                figures(&model, &tables, 300),
                figures(&model, &rows, 300),
                "{by:?}"
            );
        }
    }
}
