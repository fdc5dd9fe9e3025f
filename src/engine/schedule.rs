//! The schedule: supply (the contracts' compute, by hardware pool) against demand (the
//! workloads), day by day, in exact arithmetic (docs/demand.md).
//!
//! Each day, workloads are served in order (priority ascending; level workloads before runs;
//! runs by deadline; then id), each taking what it needs from its eligible pools in the order
//! of the portfolio's `[[hardware]]` entries. What a pool has left is idle. The result keeps,
//! per period, exact sums in H100e-days; reports multiply by 24 and round once.
//!
//! The figures of a day are exact fractions (or, past the range of `i128`, 28-digit decimals,
//! as in the projection). What does not need the days one by one is not swept day by day:
//! supply per period and pool comes from the ramps' closed forms, idle dollars from supply
//! minus served, and days before the first need are not swept at all. A day whose supply and
//! needs equal the day before's, with no run at work, reuses that day's allocation; sums over
//! many days are kept as unreduced fractions ([`Sum`]).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::demand::{Need, Shape, Work, Workload};
use crate::catalog::ramp::{RampShape, day_number, ramp_shape, tranche_units};
use crate::catalog::{Catalog, HardwareKind};
use crate::engine::num::{Num, Sum};
use crate::engine::{EngineError, Filter, Timeline};
use crate::exact::Rational;

/// Exact sums of one period, in H100e-days (and dollars for `idle_usd`).
#[derive(Clone, Debug, Default)]
pub struct PeriodSums {
    /// Per pool: the supply.
    pub supply: Vec<Num>,
    /// Per pool: what the workloads took from it.
    pub served_by_pool: Vec<Num>,
    /// Per pool: what it had left, at its hardware's reference rate, in dollars per hour of a
    /// day (times 24 in reports).
    pub idle_usd: Vec<Num>,
    /// Per workload (in [`Schedule::workloads`] order): what it was given.
    pub served: Vec<Num>,
    /// Per workload: the level need it was not given (zero for runs).
    pub shortfall: Vec<Num>,
}

/// How one run went.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub id: String,
    /// The run's need in H100e-hours, exact.
    pub need_hours: Num,
    /// What it was given in H100e-hours, exact.
    pub served_hours: Num,
    /// The first day it was given anything.
    pub start: Option<NaiveDate>,
    /// The day after the day its work was done.
    pub finish: Option<NaiveDate>,
    /// Short of its work at its deadline.
    pub missed: bool,
}

/// A whole schedule over a timeline.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Hardware ids that supply compute at the precision, in the portfolio's order.
    pub pools: Vec<String>,
    /// Workload ids, sorted.
    pub workloads: Vec<String>,
    /// Whether each workload (same order) is a run.
    pub is_run: Vec<bool>,
    /// One entry per period of the timeline.
    pub periods: Vec<PeriodSums>,
    /// Every run, by id.
    pub runs: Vec<RunOutcome>,
}

fn overflow(what: &'static str) -> EngineError {
    EngineError {
        contract: String::new(),
        what,
    }
}

/// What one day of the schedule gives: per pool, what the workloads took; per workload, what it
/// was given and the level it was not.
#[derive(Clone, Debug)]
struct DayOut {
    by_pool: Vec<Num>,
    served: Vec<Num>,
    shortfall: Vec<Num>,
}

impl DayOut {
    fn new(pools: usize, workloads: usize) -> Self {
        DayOut {
            by_pool: vec![Num::ZERO; pools],
            served: vec![Num::ZERO; workloads],
            shortfall: vec![Num::ZERO; workloads],
        }
    }
}

/// One workload ready for the daily loop.
struct Job<'a> {
    w: &'a Workload,
    /// Index in [`Schedule::workloads`].
    slot: usize,
    /// Pools it may take from, in order.
    pools: Vec<usize>,
    /// Level points as (day, H100e), and the day the need ends.
    points: Vec<(i64, Rational)>,
    until: i64,
    /// Runs: the window, the cap and the work left in H100e-hours.
    window: (i64, i64),
    cap: Option<Num>,
    remaining: Num,
    outcome: Option<RunOutcome>,
}

impl Job<'_> {
    /// The level's need on day `d`, in H100e.
    fn level(&self, d: i64, shape: Shape) -> Option<Num> {
        if d >= self.until {
            return Some(Num::ZERO);
        }
        let i = self.points.partition_point(|(from, _)| *from <= d);
        if i == 0 {
            return Some(Num::ZERO);
        }
        let (from, h) = self.points[i - 1];
        match (shape, self.points.get(i)) {
            (Shape::Linear, Some(&(next, h2))) => {
                let t = Rational::new(i128::from(d - from), i128::from(next - from))?;
                Some(Num::Exact(
                    h.checked_add(h2.checked_add(neg(h)?)?.checked_mul(t)?)?,
                ))
            }
            _ => Some(Num::Exact(h)),
        }
    }
}

fn neg(r: Rational) -> Option<Rational> {
    Rational::new(r.num.checked_neg()?, r.den)
}

/// Days per chunk of the supply computation: fixed, so that no figure depends on the thread
/// count.
const DAYS_PER_CHUNK: i64 = 128;

/// The supply of every pool on every day of `[start, end)`, in H100e: `[day][pool]`.
///
/// Units at full capacity change only where a tranche reaches it or ends, so each chunk of days
/// starts from the whole units online then and follows a difference list; only tranches on
/// their ramp need their day's fraction, and those of one pool and one ramp length add up as
/// integers over their common denominator before any division. Chunks of days are independent
/// and computed in parallel; each day's figure is the same whatever the chunking.
fn pool_supply(
    lines: &[(usize, RampShape)],
    per_unit: &[Rational],
    start: i64,
    end: i64,
) -> Result<Vec<Vec<Num>>, EngineError> {
    use rayon::prelude::*;
    let n_pools = per_unit.len();
    let chunks: Vec<(i64, i64)> = (start..end)
        .step_by(usize::try_from(DAYS_PER_CHUNK).unwrap_or(1))
        .map(|c| (c, (c + DAYS_PER_CHUNK).min(end)))
        .collect();
    let parts: Vec<Result<Vec<Vec<Num>>, EngineError>> = chunks
        .par_iter()
        .map(|&(c0, c1)| {
            let mut base = vec![0i128; n_pools];
            // (day, pool, change) of whole units within the chunk.
            let mut steps: Vec<(i64, usize, i128)> = Vec::new();
            // (first day, last day + 1, line) of ramps within the chunk.
            let mut ramps: Vec<(i64, i64, usize)> = Vec::new();
            for (i, (pool, shape)) in lines.iter().enumerate() {
                let units = i128::from(shape.units);
                let (full_from, full_to) = (shape.by.max(shape.from), shape.until);
                if full_from < full_to {
                    if full_from <= c0 && c0 < full_to {
                        base[*pool] = base[*pool]
                            .checked_add(units)
                            .ok_or_else(|| overflow("units online"))?;
                    } else if c0 < full_from && full_from < c1 {
                        steps.push((full_from, *pool, units));
                    }
                    if c0 < full_to && full_to < c1 && full_from <= full_to {
                        steps.push((full_to, *pool, -units));
                    }
                }
                let (ramp_from, ramp_to) = (shape.from.max(c0), shape.by.min(shape.until).min(c1));
                if ramp_from < ramp_to && shape.ramp != crate::catalog::Ramp::Step {
                    ramps.push((ramp_from, ramp_to, i));
                }
            }
            steps.sort_unstable();
            ramps.sort_unstable();
            let (mut next_step, mut next_ramp) = (0usize, 0usize);
            // (pool, denominator, last day + 1, line) of the tranches on their ramp that day,
            // sorted by pool and denominator.
            let mut active: Vec<(usize, i128, i64, usize)> = Vec::new();
            let mut out = Vec::with_capacity(usize::try_from(c1 - c0).unwrap_or(0));
            for d in c0..c1 {
                while let Some(&(at, pool, delta)) = steps.get(next_step) {
                    if at > d {
                        break;
                    }
                    base[pool] = base[pool]
                        .checked_add(delta)
                        .ok_or_else(|| overflow("units online"))?;
                    next_step += 1;
                }
                while let Some(&(from, to, i)) = ramps.get(next_ramp) {
                    if from > d {
                        break;
                    }
                    let (pool, shape) = &lines[i];
                    let den = ramp_den(shape);
                    let at = active.partition_point(|a| (a.0, a.1) <= (*pool, den));
                    active.insert(at, (*pool, den, to, i));
                    next_ramp += 1;
                }
                active.retain(|a| a.2 > d);
                // Per pool, the units online as one fraction, not reduced, then times the
                // pool's H100e per unit with one reduction; past `i128`, as `Num`s.
                let mut units: Vec<Result<(i128, i128), Num>> =
                    base.iter().map(|b| Ok((*b, 1))).collect();
                let mut k = 0;
                while k < active.len() {
                    let (pool, den) = (active[k].0, active[k].1);
                    let mut num: i128 = 0;
                    while k < active.len() && (active[k].0, active[k].1) == (pool, den) {
                        let (n, _) = lines[active[k].3]
                            .1
                            .sum_parts(d, d + 1)
                            .ok_or_else(|| overflow("units online"))?;
                        num = num.checked_add(n).ok_or_else(|| overflow("units online"))?;
                        k += 1;
                    }
                    units[pool] = match units[pool] {
                        Ok((a, b)) => crate::exact::add_parts(a, b, num, den).ok_or_else(|| {
                            Num::Exact(Rational::new(a, b).unwrap_or(Rational::ZERO))
                        }),
                        Err(n) => Err(n),
                    };
                    if let Err(n) = units[pool] {
                        let part =
                            Rational::new(num, den).ok_or_else(|| overflow("units online"))?;
                        units[pool] = Err(n
                            .checked_add(Num::Exact(part))
                            .ok_or_else(|| overflow("units online"))?);
                    }
                }
                let mut day = Vec::with_capacity(n_pools);
                for (u, ratio) in units.into_iter().zip(per_unit) {
                    let exact = match u {
                        Ok((0, _)) => Some(Num::ZERO),
                        Ok((num, den)) => num
                            .checked_mul(ratio.num)
                            .zip(den.checked_mul(ratio.den))
                            .and_then(|(n, d)| Rational::new(n, d))
                            .map(Num::Exact),
                        Err(_) => None,
                    };
                    let value = match (exact, u) {
                        (Some(v), _) => v,
                        (None, Ok((num, den))) => Num::Exact(
                            Rational::new(num, den).ok_or_else(|| overflow("units online"))?,
                        )
                        .checked_mul(Num::Exact(*ratio))
                        .ok_or_else(|| overflow("supply"))?,
                        (None, Err(n)) => n
                            .checked_mul(Num::Exact(*ratio))
                            .ok_or_else(|| overflow("supply"))?,
                    };
                    day.push(value);
                }
                out.push(day);
            }
            Ok(out)
        })
        .collect();
    let mut all = Vec::new();
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}

/// The denominator of a ramping tranche's units on one day: `n` for a linear ramp, `n^3` for an
/// s-curve ([`RampShape::sum_parts`]).
fn ramp_den(shape: &RampShape) -> i128 {
    let n = i128::from(shape.by - shape.from);
    match shape.ramp {
        crate::catalog::Ramp::SCurve => n.saturating_pow(3),
        _ => n,
    }
}

/// The order workloads are served in: priority, levels before runs, runs by deadline, id.
fn service_key(w: &Workload) -> (i64, bool, Option<NaiveDate>, &str) {
    let deadline = match &w.need {
        Need::Run(r) => Some(r.deadline),
        Need::Level { .. } => None,
    };
    (w.priority, w.is_run(), deadline, w.id.as_str())
}

/// A hardware pool of the schedule: gpu hardware with a figure at the precision.
pub(crate) struct Pool {
    pub id: String,
    /// H100e per unit.
    pub per_unit: Rational,
    /// Dollars per H100e-hour of its idle capacity.
    pub idle_rate: Num,
}

/// The reference's throughput at the precision, and the pools in the portfolio's order.
pub(crate) fn pools(
    catalog: &Catalog,
    precision: crate::catalog::Precision,
) -> Result<(Rational, Vec<Pool>), EngineError> {
    let reference = catalog
        .reference_tflops(precision)
        .and_then(Rational::from_decimal)
        .ok_or_else(|| overflow("the reference's throughput"))?;
    let mut pools = Vec::new();
    for h in &catalog.hardware {
        let Some(t) = h.tflops.at(precision) else {
            continue;
        };
        if h.kind != HardwareKind::Gpu {
            continue;
        }
        let ratio = Rational::from_decimal(t)
            .and_then(|t| t.checked_div(reference))
            .ok_or_else(|| overflow("a hardware's H100e per unit"))?;
        let rate = Rational::from_decimal(h.rate_usd_per_hour)
            .and_then(|r| r.checked_div(ratio))
            .ok_or_else(|| overflow("a hardware's idle rate"))?;
        pools.push(Pool {
            id: h.id.clone(),
            per_unit: ratio,
            idle_rate: Num::Exact(rate),
        });
    }
    Ok((reference, pools))
}

/// The workloads in the order they are served ([`service_key`]), as indices into `workloads`.
pub(crate) fn service_order(workloads: &[&Workload]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..workloads.len()).collect();
    order.sort_by(|&a, &b| service_key(workloads[a]).cmp(&service_key(workloads[b])));
    order
}

/// The pools a workload may take from, in order.
pub(crate) fn eligible(w: &Workload, pools: &[Pool]) -> Vec<usize> {
    match &w.hardware {
        Some(ids) => (0..pools.len())
            .filter(|&p| ids.iter().any(|id| *id == pools[p].id))
            .collect(),
        None => (0..pools.len()).collect(),
    }
}

/// A run's need in H100e-hours: as given, or its FLOP at the reference's throughput.
pub(crate) fn run_hours(work: Work, reference: Rational) -> Result<Num, EngineError> {
    match work {
        Work::Hours(h) => Ok(Num::from_decimal(h)),
        Work::Flop { flop, mfu } => {
            // flop / (reference TFLOPS x 1e12 x mfu x 3,600) H100e-hours.
            let per_hour = Num::Exact(reference)
                .checked_mul(Num::int(3_600_000_000_000_000))
                .and_then(|x| x.checked_mul(Num::from_decimal(mfu)))
                .ok_or_else(|| overflow("a run's FLOP"))?;
            Num::from_decimal(flop)
                .checked_div(per_hour)
                .ok_or_else(|| overflow("a run's FLOP"))
        }
    }
}

/// Schedules the catalog's workloads on its compute over `timeline`, at the filter's precision.
pub fn schedule(
    catalog: &Catalog,
    timeline: &Timeline,
    filter: &Filter,
) -> Result<Schedule, EngineError> {
    let precision = filter.precision_for(catalog);
    let (reference, pool_list) = pools(catalog, precision)?;
    let per_unit: Vec<Rational> = pool_list.iter().map(|p| p.per_unit).collect();
    let idle_rate: Vec<Num> = pool_list.iter().map(|p| p.idle_rate).collect();
    let pools: Vec<String> = pool_list.iter().map(|p| p.id.clone()).collect();
    let pool_of = |id: &str| pools.iter().position(|p| p == id);

    // Supply lines: every included tranche of a pool's hardware.
    let mut lines: Vec<(usize, RampShape)> = Vec::new();
    for c in catalog.contracts.iter().filter(|c| filter.includes(c)) {
        for t in &c.tranches {
            if !filter.includes_hardware(&t.hardware) {
                continue;
            }
            let Some(pool) = pool_of(&t.hardware) else {
                continue;
            };
            let units = tranche_units(catalog, c, t).map_err(|_| EngineError {
                contract: c.id.clone(),
                what: "the unit count",
            })?;
            lines.push((pool, ramp_shape(c, t, units)));
        }
    }

    // Workloads: display order by id, service order by the rule.
    let mut workloads: Vec<&Workload> = catalog.workloads.iter().collect();
    workloads.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<String> = workloads.iter().map(|w| w.id.clone()).collect();
    let is_run: Vec<bool> = workloads.iter().map(|w| w.is_run()).collect();
    let order = service_order(&workloads);
    let horizon_end = day_number(catalog.portfolio.horizon_end);
    let mut jobs = Vec::with_capacity(order.len());
    for &slot in &order {
        let w = workloads[slot];
        let mut job = Job {
            w,
            slot,
            pools: eligible(w, &pool_list),
            points: Vec::new(),
            until: w.until.map_or(horizon_end, day_number),
            window: (0, 0),
            cap: None,
            remaining: Num::ZERO,
            outcome: None,
        };
        match &w.need {
            Need::Level { points, .. } => {
                for p in points {
                    let h =
                        Rational::from_decimal(p.h100e).ok_or_else(|| overflow("a level point"))?;
                    job.points.push((day_number(p.from), h));
                }
            }
            Need::Run(r) => {
                let hours = run_hours(r.work, reference)?;
                job.window = (day_number(r.earliest), day_number(r.deadline));
                job.cap = r.max_h100e.map(Num::from_decimal);
                job.remaining = hours;
                job.outcome = Some(RunOutcome {
                    id: w.id.clone(),
                    need_hours: hours,
                    served_hours: Num::ZERO,
                    start: None,
                    finish: None,
                    missed: false,
                });
            }
        }
        jobs.push(job);
    }

    // The days: from the first of supply or demand to the later of the timeline's end and the
    // last deadline.
    let bounds: Vec<(i64, i64)> = timeline
        .periods
        .iter()
        .map(|p| (day_number(p.start), day_number(p.end)))
        .collect();
    let first_supply = lines.iter().map(|(_, s)| s.from).min();
    let first_demand = jobs
        .iter()
        .map(|j| match &j.w.need {
            Need::Level { .. } => j.points.first().map_or(i64::MAX, |p| p.0),
            Need::Run(_) => j.window.0,
        })
        .min();
    let start = [first_supply, first_demand, bounds.first().map(|b| b.0)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0);
    let end = jobs
        .iter()
        .filter(|j| j.outcome.is_some())
        .map(|j| j.window.1)
        .chain(bounds.last().map(|b| b.1))
        .max()
        .unwrap_or(start);

    let n_pools = pools.len();
    let n_work = ids.len();
    let mut periods: Vec<PeriodSums> = (0..bounds.len())
        .map(|_| PeriodSums {
            supply: vec![Num::ZERO; n_pools],
            served_by_pool: vec![Num::ZERO; n_pools],
            idle_usd: vec![Num::ZERO; n_pools],
            served: vec![Num::ZERO; n_work],
            shortfall: vec![Num::ZERO; n_work],
        })
        .collect();
    let add = |acc: &mut Num, v: Num| -> Result<(), EngineError> {
        // Most pools and workloads add nothing on most days: skip the arithmetic.
        if v.is_zero() {
            return Ok(());
        }
        *acc = if acc.is_zero() {
            v
        } else {
            acc.checked_add(v)
                .ok_or_else(|| overflow("a schedule sum"))?
        };
        Ok(())
    };
    let mut period = 0usize;
    let mut left = vec![Num::ZERO; n_pools];
    // Before the first need, every day leaves all supply idle, which the closed-form sums
    // below count: the days are swept from the first need on.
    let sweep = first_demand.unwrap_or(end).clamp(start, end);
    let supply = pool_supply(&lines, &per_unit, sweep, end)?;
    // A day whose supply and needs equal the day before's, with no run at work, is served as
    // that day was: its figures are reused rather than allocated again.
    let mut last: Option<(usize, Vec<Option<Num>>, DayOut)> = None;
    // The figures being added to a period, and for how many days (period, days).
    let mut last_added: Option<(usize, Vec<Option<Num>>, DayOut)> = None;
    let mut pending: Option<(usize, usize)> = None;
    // Per period: what was served by pool and by workload, and the shortfall, as running sums.
    let mut acc: Vec<[Vec<Sum>; 3]> = (0..bounds.len())
        .map(|_| {
            [
                vec![Sum::ZERO; n_pools],
                vec![Sum::ZERO; n_work],
                vec![Sum::ZERO; n_work],
            ]
        })
        .collect();
    let flush = |sums: &mut [Vec<Sum>; 3], out: &DayOut, days: usize| -> Result<(), EngineError> {
        let times = Num::int(i128::try_from(days).map_err(|_| overflow("a schedule sum"))?);
        for (sums, values) in sums
            .iter_mut()
            .zip([&out.by_pool, &out.served, &out.shortfall])
        {
            for (sum, v) in sums.iter_mut().zip(values) {
                if v.is_zero() {
                    continue;
                }
                let v = if days == 1 {
                    *v
                } else {
                    v.checked_mul(times)
                        .ok_or_else(|| overflow("a schedule sum"))?
                };
                sum.add(v).ok_or_else(|| overflow("a schedule sum"))?;
            }
        }
        Ok(())
    };
    for (index, (d, today)) in (sweep..end).zip(&supply).enumerate() {
        while period < bounds.len() && bounds[period].1 <= d {
            period += 1;
        }
        let shown = period < bounds.len() && bounds[period].0 <= d;
        // What each job needs today; `None` where it needs nothing.
        let mut needs: Vec<Option<Num>> = Vec::with_capacity(jobs.len());
        let mut runs_at_work = false;
        for job in &jobs {
            let need = match &job.w.need {
                Need::Level { shape, .. } => {
                    Some(job.level(d, *shape).ok_or_else(|| overflow("a level"))?)
                }
                Need::Run(_) => {
                    if d < job.window.0 || d >= job.window.1 || !job.remaining.is_positive() {
                        None
                    } else {
                        runs_at_work = true;
                        let mut need = job
                            .remaining
                            .checked_div(Num::int(24))
                            .ok_or_else(|| overflow("a run's need"))?;
                        if let Some(cap) = job.cap {
                            need = need.min(cap);
                        }
                        Some(need)
                    }
                }
            };
            needs.push(need.filter(|n| n.is_positive()));
        }
        let same = !runs_at_work
            && last
                .as_ref()
                .is_some_and(|(i, n, _)| *n == needs && index > 0 && supply[*i] == *today);
        if !same {
            left.clone_from(today);
            let mut out = DayOut::new(n_pools, n_work);
            for (job, need) in jobs.iter_mut().zip(&needs) {
                let Some(mut need) = *need else { continue };
                let mut given = Num::ZERO;
                for &p in &job.pools {
                    if !need.is_positive() {
                        break;
                    }
                    if left[p].is_zero() {
                        continue;
                    }
                    let take = left[p].min(need);
                    if !take.is_positive() {
                        continue;
                    }
                    left[p] = left[p]
                        .checked_sub(take)
                        .ok_or_else(|| overflow("supply"))?;
                    need = need.checked_sub(take).ok_or_else(|| overflow("a need"))?;
                    add(&mut given, take)?;
                    add(&mut out.by_pool[p], take)?;
                }
                out.served[job.slot] = given;
                if !job.w.is_run() && need.is_positive() {
                    out.shortfall[job.slot] = need;
                }
                if let Some(outcome) = &mut job.outcome {
                    if given.is_positive() && outcome.start.is_none() {
                        outcome.start = date_of(d);
                    }
                    let hours = given
                        .checked_mul(Num::int(24))
                        .ok_or_else(|| overflow("a run's hours"))?;
                    add(&mut outcome.served_hours, hours)?;
                    job.remaining = job
                        .remaining
                        .checked_sub(hours)
                        .ok_or_else(|| overflow("a run's work"))?;
                    if !job.remaining.is_positive() && outcome.finish.is_none() {
                        outcome.finish = date_of(d + 1);
                    }
                }
            }
            last = Some((index, needs, out));
        }
        // Days whose figures equal the pending ones, in the same period, are counted, not
        // added: a run of them is added once, times its length.
        if same && shown && pending.is_some_and(|(p, _)| p == period) {
            if let Some((_, n)) = &mut pending {
                *n += 1;
            }
            continue;
        }
        if let (Some((p, n)), Some((_, _, out))) = (pending.take(), &last_added) {
            flush(&mut acc[p], out, n)?;
        }
        if shown && let Some((i, needs, out)) = &last {
            last_added = Some((*i, needs.clone(), out.clone()));
            pending = Some((period, 1));
        }
    }
    if let (Some((p, n)), Some((_, _, out))) = (pending.take(), &last_added) {
        flush(&mut acc[p], out, n)?;
    }
    // Supply per period in closed form, and the dollars of what was left: `rate x (supply -
    // served)`, summed over days, is the sum of each day's.
    for (sums, acc) in periods.iter_mut().zip(acc) {
        let total = |v: &[Sum]| -> Result<Vec<Num>, EngineError> {
            v.iter()
                .map(|s| s.total().ok_or_else(|| overflow("a schedule sum")))
                .collect()
        };
        sums.served_by_pool = total(&acc[0])?;
        sums.served = total(&acc[1])?;
        sums.shortfall = total(&acc[2])?;
    }
    for (sums, &(lo, hi)) in periods.iter_mut().zip(&bounds) {
        let mut units: Vec<Num> = vec![Num::ZERO; n_pools];
        for (pool, shape) in &lines {
            let part = shape.sum(lo, hi).ok_or_else(|| overflow("units online"))?;
            if !part.is_zero() {
                units[*pool] = units[*pool]
                    .checked_add(Num::Exact(part))
                    .ok_or_else(|| overflow("units online"))?;
            }
        }
        for p in 0..n_pools {
            sums.supply[p] = units[p]
                .checked_mul(Num::Exact(per_unit[p]))
                .ok_or_else(|| overflow("supply"))?;
            let left = sums.supply[p]
                .checked_sub(sums.served_by_pool[p])
                .ok_or_else(|| overflow("supply"))?;
            sums.idle_usd[p] = left
                .checked_mul(idle_rate[p])
                .ok_or_else(|| overflow("idle dollars"))?;
        }
    }
    let mut runs: Vec<RunOutcome> = jobs
        .into_iter()
        .filter_map(|j| {
            let remaining = j.remaining;
            j.outcome.map(|mut o| {
                o.missed = remaining.is_positive();
                o
            })
        })
        .collect();
    runs.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Schedule {
        pools,
        workloads: ids,
        is_run,
        periods,
        runs,
    })
}

/// The date of day number `d` ([`day_number`]'s inverse).
fn date_of(d: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(d).ok()?)
}

/// `value * 24`, rounded half-even: H100e-days as H100e-hours.
pub fn hours(value: Num) -> Option<i128> {
    value.checked_mul(Num::int(24))?.round_half_even()
}

/// Dollars per hour of a day's idle capacity, summed over days, as cents: `24 *` then rounded
/// half-even to the cent.
pub fn idle_cents(value: Num) -> Option<i128> {
    value.checked_mul(Num::int(2400))?.round_half_even()
}

/// `part / whole` as a percentage with two decimals, or `None` where `whole` is zero.
pub fn utilization(part: Num, whole: Num) -> Option<Decimal> {
    if !whole.is_positive() {
        return None;
    }
    let pct = part
        .checked_mul(Num::int(10_000))?
        .checked_div(whole)?
        .round_half_even()?;
    Decimal::try_from_i128_with_scale(pct, 2).ok()
}
