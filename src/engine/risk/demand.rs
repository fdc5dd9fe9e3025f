//! The schedule re-run in every sample of `risk`: whether every run
//! is on time, and in which periods of the window a level workload goes short (docs/demand.md,
//! "Risk").
//!
//! The rules are those of [`crate::engine::schedule`]: workloads in service order, each
//! taking from its eligible pools in the portfolio's order, a run needing
//! `min(max_h100e, remaining / 24)` on the days of its window. A sample only needs two
//! yes-or-no answers, so its figures are kept in fixed point, as integers counting `1 / scale`
//! H100e (`scale` is 10^18 unless the catalog's totals need a smaller one): a tranche's units
//! per day are its slope times the days into its ramp (linear), its cubic times one
//! coefficient (s-curve) or its whole units, each coefficient floored once. Every operation
//! after that is an exact integer addition, subtraction or comparison, so the answers depend
//! on the seed only, never on the thread count or the machine.
//!
//! The answers: a period is short when its level shortfall, summed over the level workloads,
//! is more than half an H100e-hour (it shows as at least 1 in `capplan schedule`); a run is
//! late when it is more than half an H100e-hour short at its deadline. A day's fixed-point
//! supply is below the exact figure by less than `t` units for a linear tranche `t` days into
//! its ramp and `n^3` for an s-curve of `n` days, and taking the minimum, adding and
//! subtracting pass errors on without growing them: only a sample whose shortfall lies that
//! close to half an hour could be counted otherwise than `capplan schedule` counts the same
//! dates.
//!
//! # Cost
//!
//! Pools no workload may use are left out, and neighbouring pools used by the same workloads
//! are one sum: each of those workloads takes from them one after the other, so only the sum
//! matters. Each tranche is then at most four events on its pool's running value and forward
//! differences (none per day), the events of tranches no sample moves are prepared once, and a
//! sample sweeps the days once: per day, a few additions per pool and the allocation.

use crate::catalog::demand::{Need, Shape, Workload};
use crate::catalog::ramp::{RampShape, day_number};
use crate::catalog::{Catalog, Ramp};
use crate::engine::num::Num;
use crate::engine::schedule::{eligible, pools, run_hours, service_order};
use crate::engine::{EngineError, Filter, Timeline};
use crate::exact::Rational;

fn overflow(what: &'static str) -> EngineError {
    EngineError {
        contract: String::new(),
        what,
    }
}

/// A tranche of a pool's hardware, as the samples see it.
#[derive(Clone, Debug)]
pub(crate) struct Supply {
    pub hardware: String,
    /// Its shape, with every fixed slip applied.
    pub shape: RampShape,
    /// The risk model's line that moves or cancels it, if any.
    pub line: Option<usize>,
}

/// A tranche's contribution in fixed point.
#[derive(Clone, Debug)]
struct Line {
    pool: usize,
    from: i64,
    n: i64,
    until: i64,
    ramp: Ramp,
    /// Whole units, in fixed point.
    full: i128,
    /// Linear: per day of the ramp; s-curve: per unit of `t^2 (3n - 2t)`.
    coef: i128,
    /// The risk model's line, or `None` for tranches no sample moves.
    moved: Option<usize>,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Index into the level needs.
    Level(usize),
    Run {
        run: usize,
        /// Days (from the start) of the window: `[earliest, deadline)`.
        earliest: usize,
        deadline: usize,
        cap: i128,
        need: i128,
    },
}

#[derive(Clone, Debug)]
struct Job {
    pools: Vec<usize>,
    kind: Kind,
}

/// Everything a sample's schedule needs, prepared once.
#[derive(Clone, Debug)]
pub(crate) struct DemandModel {
    /// The first day swept, as a day number, and how many.
    start: i64,
    days: usize,
    pools: usize,
    scale: i128,
    /// The events of the tranches no sample moves, in order.
    base: Vec<Event>,
    lines: Vec<Line>,
    jobs: Vec<Job>,
    /// `[day * levels + level]`: the level workloads' needs.
    level_need: Vec<i128>,
    levels: usize,
    /// Per day: the window period it shows in, or `u32::MAX`.
    shown: Vec<u32>,
    pub window_len: usize,
    pub runs: usize,
}

/// What one chunk of samples found: samples with every run on time, and per window period
/// samples with a level shortfall.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemandCounts {
    pub on_time: u64,
    pub short: Vec<u64>,
}

/// A change to one pool's running supply on one day: its value and its first three forward
/// differences (a tranche's units per day are a polynomial of degree three at most in the days
/// into its ramp, so the running sums stay exact integers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    day: usize,
    pool: usize,
    delta: [i128; 4],
}

/// Working memory of one thread.
pub(crate) struct DemandScratch {
    events: Vec<Event>,
    /// Per pool: the value and its forward differences.
    state: Vec<[i128; 4]>,
    left: Vec<i128>,
    rem: Vec<i128>,
    short: Vec<i128>,
}

/// `floor(r * scale)`.
fn fixed(r: Rational, scale: i128) -> Option<i128> {
    Some(r.checked_mul(Rational::integer(scale))?.floor())
}

fn fixed_num(n: Num, scale: i128) -> Option<i128> {
    n.checked_mul(Num::int(scale))?.floor()
}

impl Line {
    /// Units per day `t` days into the ramp, in fixed point.
    fn ramp_at(&self, t: i64) -> i128 {
        let t = i128::from(t);
        match self.ramp {
            Ramp::Linear => self.coef * t,
            Ramp::SCurve => self.coef * t * t * (3 * i128::from(self.n) - 2 * t),
            Ramp::Step => 0,
        }
    }

    /// The value and forward differences of the ramp at `t`.
    fn ramp_state(&self, t: i64) -> [i128; 4] {
        let f: [i128; 4] = std::array::from_fn(|k| self.ramp_at(t + k as i64));
        [
            f[0],
            f[1] - f[0],
            f[2] - 2 * f[1] + f[0],
            f[3] - 3 * f[2] + 3 * f[1] - f[0],
        ]
    }

    /// The tranche's events, slipped by `shift` days, over days `[0, days)` from `start`.
    fn events(&self, start: i64, days: usize, shift: i64, out: &mut Vec<Event>) {
        let days = days as i64;
        let from = self.from + shift - start;
        let by = from + self.n;
        let until = self.until - start;
        let mut push = |day: i64, delta: [i128; 4]| {
            out.push(Event {
                day: day as usize,
                pool: self.pool,
                delta,
            });
        };
        let (lo, hi) = (from.max(0), by.min(until).min(days));
        if self.ramp != Ramp::Step && lo < hi {
            push(lo, self.ramp_state(lo - from));
            if hi < days {
                push(hi, self.ramp_state(hi - from).map(|x| -x));
            }
        }
        let (lo, hi) = (by.max(0), until.min(days));
        if lo < hi {
            push(lo, [self.full, 0, 0, 0]);
            if hi < days {
                push(hi, [-self.full, 0, 0, 0]);
            }
        }
    }
}

impl DemandModel {
    /// Prepares the schedule of `catalog`'s workloads on `supply` over `timeline`'s window.
    /// `None` where the catalog has no workloads.
    pub(crate) fn new(
        catalog: &Catalog,
        timeline: &Timeline,
        filter: &Filter,
        supply: &[Supply],
    ) -> Result<Option<DemandModel>, EngineError> {
        if catalog.workloads.is_empty() {
            return Ok(None);
        }
        let precision = filter.precision_for(catalog);
        let (reference, pool_list) = pools(catalog, precision)?;
        let pool_of = |id: &str| pool_list.iter().position(|p| p.id == id);
        let mut workloads: Vec<&Workload> = catalog.workloads.iter().collect();
        workloads.sort_by(|a, b| a.id.cmp(&b.id));
        let order = service_order(&workloads);
        // Pools no workload may use change nothing, and neighbouring pools that the same
        // workloads use are taken from one after the other by each of them, as if they were
        // one: the sweep keeps one sum per such class of pools.
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); pool_list.len()];
        for (j, &k) in order.iter().enumerate() {
            for p in eligible(workloads[k], &pool_list) {
                users[p].push(j);
            }
        }
        let mut class_of: Vec<Option<usize>> = vec![None; pool_list.len()];
        let mut classes = 0;
        let mut previous: Option<&Vec<usize>> = None;
        for (p, u) in users.iter().enumerate() {
            if u.is_empty() {
                continue;
            }
            if previous != Some(u) {
                classes += 1;
                previous = Some(u);
            }
            class_of[p] = Some(classes - 1);
        }
        let window = &timeline.periods[timeline.window.clone()];
        let horizon_end = day_number(catalog.portfolio.horizon_end);

        // The days swept: as in the schedule, from the first day of supply or demand to the
        // later of the window's end and the last deadline.
        let first_demand = workloads.iter().filter_map(|w| match &w.need {
            Need::Level { points, .. } => points.first().map(|p| day_number(p.from)),
            Need::Run(r) => Some(day_number(r.earliest)),
        });
        let first_supply = supply.iter().map(|s| s.shape.from);
        let start = first_demand
            .chain(first_supply)
            .chain(window.first().map(|p| day_number(p.start)))
            .min()
            .unwrap_or(0);
        let end = workloads
            .iter()
            .filter_map(|w| match &w.need {
                Need::Run(r) => Some(day_number(r.deadline)),
                Need::Level { .. } => None,
            })
            .chain(window.last().map(|p| day_number(p.end)))
            .max()
            .unwrap_or(start)
            .max(start);
        let days = usize::try_from(end - start).map_err(|_| overflow("the days of demand"))?;

        // The largest figure any sum can reach, in H100e: every unit of supply, every level's
        // highest point, every run's need per day.
        let mut most = Num::ZERO;
        let mut grow = |v: Num| -> Result<(), EngineError> {
            most = most
                .checked_add(v)
                .ok_or_else(|| overflow("the demand's totals"))?;
            Ok(())
        };
        for s in supply {
            if let Some(p) = pool_of(&s.hardware) {
                grow(
                    Num::Exact(pool_list[p].per_unit)
                        .checked_mul(Num::int(i128::from(s.shape.units)))
                        .ok_or_else(|| overflow("supply"))?,
                )?;
            }
        }
        let mut hours = Vec::new();
        for w in &workloads {
            match &w.need {
                Need::Level { points, .. } => {
                    for p in points {
                        grow(Num::from_decimal(p.h100e.abs()))?;
                    }
                }
                Need::Run(r) => {
                    let h = run_hours(r.work, reference)?;
                    grow(h)?;
                    hours.push(h);
                }
            }
        }
        // Sums run over at most `days` days and are compared after multiplying by 48: keep a
        // margin of 2^8 on top.
        let bound = most
            .checked_mul(Num::int(i128::try_from(days.max(1)).unwrap_or(i128::MAX)))
            .and_then(|x| x.checked_mul(Num::int(48 * 256)))
            .ok_or_else(|| overflow("the demand's totals"))?;
        let mut scale: i128 = 1_000_000_000_000_000_000;
        while scale > 1 {
            let fits = bound
                .checked_mul(Num::int(scale))
                .is_some_and(|x| x.compare(Num::int(i128::MAX)).is_lt());
            if fits {
                break;
            }
            if scale == 1 {
                return Err(overflow("the demand's totals"));
            }
            scale /= 10;
        }

        let n_pools = classes;
        let mut lines = Vec::new();
        for s in supply {
            let Some((p, class)) = pool_of(&s.hardware).and_then(|p| Some((p, class_of[p]?)))
            else {
                continue;
            };
            let per_unit = pool_list[p]
                .per_unit
                .checked_mul(Rational::integer(i128::from(s.shape.units)))
                .ok_or_else(|| overflow("supply"))?;
            let n = s.shape.by - s.shape.from;
            let den = match s.shape.ramp {
                Ramp::Linear => i128::from(n),
                Ramp::SCurve => i128::from(n)
                    .checked_pow(3)
                    .ok_or_else(|| overflow("a ramp"))?,
                Ramp::Step => 1,
            };
            let coef = if n > 0 {
                per_unit
                    .checked_div(Rational::integer(den))
                    .and_then(|r| fixed(r, scale))
                    .ok_or_else(|| overflow("supply"))?
            } else {
                0
            };
            lines.push(Line {
                pool: class,
                from: s.shape.from,
                n,
                until: s.shape.until,
                ramp: s.shape.ramp,
                full: fixed(per_unit, scale).ok_or_else(|| overflow("supply"))?,
                coef,
                moved: s.line,
            });
        }

        // Level needs per day, and the jobs in service order.
        let day_of =
            |d: i64| (d - start).clamp(0, i64::try_from(days).unwrap_or(i64::MAX)) as usize;
        let mut level_ids = Vec::new();
        let mut jobs = Vec::new();
        let mut runs = 0;
        for &k in &order {
            let w = workloads[k];
            let kind = match &w.need {
                Need::Level { .. } => {
                    level_ids.push(k);
                    Kind::Level(level_ids.len() - 1)
                }
                Need::Run(r) => {
                    let before = workloads[..k].iter().filter(|w| w.is_run()).count();
                    let cap = match r.max_h100e {
                        Some(c) => fixed_num(Num::from_decimal(c), scale)
                            .ok_or_else(|| overflow("a run's cap"))?,
                        None => i128::MAX,
                    };
                    let need = hours[before]
                        .checked_mul(Num::int(scale))
                        .and_then(|x| x.checked_div(Num::int(24)))
                        .and_then(Num::floor)
                        .ok_or_else(|| overflow("a run's work"))?;
                    runs += 1;
                    Kind::Run {
                        run: runs - 1,
                        earliest: day_of(day_number(r.earliest)),
                        deadline: day_of(day_number(r.deadline)),
                        cap,
                        need,
                    }
                }
            };
            jobs.push(Job {
                pools: {
                    let mut own: Vec<usize> = eligible(w, &pool_list)
                        .into_iter()
                        .filter_map(|p| class_of[p])
                        .collect();
                    own.dedup();
                    own
                },
                kind,
            });
        }
        let levels = level_ids.len();
        let mut level_need = vec![0i128; days * levels];
        for (l, &k) in level_ids.iter().enumerate() {
            let w = workloads[k];
            let Need::Level { points, shape } = &w.need else {
                continue;
            };
            let until = w.until.map_or(horizon_end, day_number);
            let pts: Vec<(i64, i128)> = points
                .iter()
                .map(|p| {
                    Rational::from_decimal(p.h100e)
                        .and_then(|h| fixed(h, scale))
                        .map(|h| (day_number(p.from), h))
                        .ok_or_else(|| overflow("a level point"))
                })
                .collect::<Result<_, _>>()?;
            for (i, &(from, h)) in pts.iter().enumerate() {
                let next = pts.get(i + 1).map_or(until, |p| p.0.min(until));
                let (lo, hi) = (day_of(from), day_of(next.max(from)));
                for d in lo..hi {
                    let t = start + d as i64 - from;
                    level_need[d * levels + l] = match (shape, pts.get(i + 1)) {
                        (Shape::Linear, Some(&(to, h2))) => {
                            h + (h2 - h)
                                .checked_mul(i128::from(t))
                                .ok_or_else(|| overflow("a level"))?
                                .div_euclid(i128::from(to - from))
                        }
                        _ => h,
                    };
                }
            }
        }
        let mut shown = vec![u32::MAX; days];
        for (q, p) in window.iter().enumerate() {
            let q = u32::try_from(q).unwrap_or(u32::MAX);
            shown[day_of(day_number(p.start))..day_of(day_number(p.end))].fill(q);
        }

        let mut model = DemandModel {
            start,
            days,
            pools: n_pools,
            scale,
            base: Vec::new(),
            lines: Vec::new(),
            jobs,
            level_need,
            levels,
            shown,
            window_len: window.len(),
            runs,
        };
        // The tranches no sample moves, once.
        let mut base = Vec::new();
        for line in lines.iter().filter(|l| l.moved.is_none()) {
            line.events(start, days, 0, &mut base);
        }
        base.sort_unstable();
        model.base = base;
        model.lines = lines.into_iter().filter(|l| l.moved.is_some()).collect();
        Ok(Some(model))
    }

    pub(crate) fn scratch(&self) -> DemandScratch {
        DemandScratch {
            events: Vec::with_capacity(4 * self.lines.len()),
            state: vec![[0; 4]; self.pools],
            left: vec![0; self.pools],
            rem: vec![0; self.runs],
            short: vec![0; self.window_len],
        }
    }

    /// One sample: the moved tranches slipped by `shift[line]` days unless `!alive[line]`;
    /// the answers are added to `counts`.
    pub(crate) fn sample(
        &self,
        shift: &[i64],
        alive: &[bool],
        s: &mut DemandScratch,
        counts: &mut DemandCounts,
    ) {
        s.events.clear();
        for line in &self.lines {
            let Some(l) = line.moved else { continue };
            if alive[l] {
                line.events(self.start, self.days, shift[l], &mut s.events);
            }
        }
        s.events.sort_unstable();
        s.state.iter_mut().for_each(|x| *x = [0; 4]);
        s.short.iter_mut().for_each(|x| *x = 0);
        for job in &self.jobs {
            if let Kind::Run { run, need, .. } = job.kind {
                s.rem[run] = need;
            }
        }
        let (mut next_base, mut next_own) = (0, 0);
        for d in 0..self.days {
            // Yesterday's figures moved on a day, then today's changes.
            for st in &mut s.state {
                st[0] += st[1];
                st[1] += st[2];
                st[2] += st[3];
            }
            for (events, next) in [(&self.base, &mut next_base), (&s.events, &mut next_own)] {
                while let Some(e) = events.get(*next).filter(|e| e.day == d) {
                    let st = &mut s.state[e.pool];
                    for (x, delta) in st.iter_mut().zip(e.delta) {
                        *x += delta;
                    }
                    *next += 1;
                }
            }
            for (left, st) in s.left.iter_mut().zip(&s.state) {
                *left = st[0];
            }
            let shown = self.shown[d];
            for job in &self.jobs {
                let mut need = match job.kind {
                    Kind::Level(l) => self.level_need[d * self.levels + l],
                    Kind::Run {
                        run,
                        earliest,
                        deadline,
                        cap,
                        ..
                    } => {
                        if d < earliest || d >= deadline {
                            continue;
                        }
                        s.rem[run].min(cap)
                    }
                };
                if need <= 0 {
                    continue;
                }
                let mut given = 0;
                for &p in &job.pools {
                    let take = s.left[p].min(need);
                    if take > 0 {
                        s.left[p] -= take;
                        need -= take;
                        given += take;
                        if need == 0 {
                            break;
                        }
                    }
                }
                match job.kind {
                    Kind::Level(_) => {
                        if shown != u32::MAX {
                            s.short[shown as usize] += need;
                        }
                    }
                    Kind::Run { run, .. } => s.rem[run] -= given,
                }
            }
        }
        // More than half an H100e-hour: 48 x H100e-days against one.
        let half_hour = |x: i128| x.saturating_mul(48) > self.scale;
        if !s.rem.iter().any(|&r| half_hour(r)) {
            counts.on_time += 1;
        }
        for (c, &x) in counts.short.iter_mut().zip(&s.short) {
            if half_hour(x) {
                *c += 1;
            }
        }
    }
}
