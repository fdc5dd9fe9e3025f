//! Capacity, power and compute per group and period: each tranche's figures summed exactly,
//! whole parts as integers and the fractions that ramps leave apart, then rounded once.

use std::collections::BTreeMap;
use std::ops::Range;

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::{EngineError, Filter, GroupBy, Series, Timeline, group_key, overflow};
use crate::catalog::ramp::{RampShape, day_number, ramp_shape, tranche_units};
use crate::catalog::{Catalog, Contract, HardwareKind};
use crate::engine::num::Num;
use crate::exact::Rational;

/// Capacity figures of one group in one period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CapacityCell {
    /// GPUs online on the period's last day, floored per tranche.
    pub gpus: i128,
    pub cpus: i128,
    /// GPU-hours in the period, rounded once.
    pub gpu_hours: i128,
    pub cpu_hours: i128,
    /// Facility power on the last day in kW, that is MW with three decimals.
    pub power_kw: i128,
    /// H100-equivalents online on the period's last day: the group's exact sum, floored.
    pub h100e: i128,
    /// H100e-hours in the period, rounded half-even once.
    pub h100e_hours: i128,
    /// Dense exaFLOPS online on the last day, in thousandths, rounded half-even.
    pub eflops_milli: i128,
}

impl CapacityCell {
    /// exaFLOPS with three decimals.
    pub fn eflops(&self) -> Decimal {
        Decimal::try_from_i128_with_scale(self.eflops_milli, 3).unwrap_or(Decimal::MAX)
    }

    /// Power in MW. The engine only builds cells whose power fits a `Decimal`.
    pub fn power_mw(&self) -> Decimal {
        Decimal::try_from_i128_with_scale(self.power_kw, 3).unwrap_or(Decimal::MAX)
    }
}

/// One tranche ready for projection.
struct Line {
    group: usize,
    kind: HardwareKind,
    shape: RampShape,
    /// Facility power per unit, watts x PUE, as an integer over `10^scale` of the whole run.
    watts_scaled: i128,
    /// Dense TFLOPS per unit at the run's precision, over `10^tscale` of the whole run; zero for
    /// CPUs and for hardware without a figure.
    tflops_scaled: i128,
    contract: usize,
}

/// Sums of one group in one period: whole parts as integers, and the fractions that ramps
/// leave, kept apart so that the common case costs one integer addition.
#[derive(Clone, Copy, Default)]
struct Fractions {
    hours: [Num; 2],
    power: Num,
    tflops: Num,
    tflop_hours: Num,
}

fn too_big() -> EngineError {
    EngineError {
        contract: String::new(),
        what: "a group's total",
    }
}

/// The sums of some of one group's lines, per period of a block of periods.
struct Partial {
    /// The first period of the block: `cells[i]` is period `start + i`.
    start: usize,
    cells: Vec<CapacityCell>,
    /// Whole parts of watts x units, over the run's power scale.
    power: Vec<i128>,
    /// Whole parts of TFLOPS x units online on the last day, and of TFLOPS x unit-hours, over
    /// the run's compute scale.
    tflops: Vec<i128>,
    tflop_hours: Vec<i128>,
    /// Fractions that ramps leave, by period.
    fractions: BTreeMap<usize, Fractions>,
}

impl Partial {
    fn new(periods: &Range<usize>) -> Self {
        let n = periods.len();
        Partial {
            start: periods.start,
            cells: vec![CapacityCell::default(); n],
            power: vec![0; n],
            tflops: vec![0; n],
            tflop_hours: vec![0; n],
            fractions: BTreeMap::new(),
        }
    }

    /// Adds one tranche's figures for the block's periods in which it has units online.
    fn add_line(
        &mut self,
        line: &Line,
        c: &Contract,
        bounds: &[(i64, i64)],
    ) -> Result<(), EngineError> {
        let err = |what| overflow(c, what);
        let s = &line.shape;
        let end = self.start + self.cells.len();
        let first = bounds.partition_point(|b| b.1 <= s.from).max(self.start);
        let last = bounds.partition_point(|b| b.0 < s.until).min(end);
        let cpu = line.kind == HardwareKind::Cpu;
        let units = i128::from(s.units);
        for (at, &(lo, hi)) in bounds.iter().enumerate().take(last).skip(first) {
            let p = at - self.start;
            let cell = &mut self.cells[p];
            let (count, hours) = if cpu {
                (&mut cell.cpus, &mut cell.cpu_hours)
            } else {
                (&mut cell.gpus, &mut cell.gpu_hours)
            };
            if lo >= s.by && hi <= s.until {
                // At full capacity all period long: whole numbers only.
                let h = units
                    .checked_mul(i128::from(hi - lo) * 24)
                    .ok_or_else(|| err("unit-hours"))?;
                *count = count
                    .checked_add(units)
                    .ok_or_else(|| err("units online"))?;
                *hours = hours.checked_add(h).ok_or_else(|| err("unit-hours"))?;
                let pw = &mut self.power[p];
                *pw = units
                    .checked_mul(line.watts_scaled)
                    .and_then(|w| pw.checked_add(w))
                    .ok_or_else(|| err("facility power"))?;
                if line.tflops_scaled != 0 {
                    let tf = &mut self.tflops[p];
                    *tf = units
                        .checked_mul(line.tflops_scaled)
                        .and_then(|t| tf.checked_add(t))
                        .ok_or_else(|| err("compute"))?;
                    let th = &mut self.tflop_hours[p];
                    *th = h
                        .checked_mul(line.tflops_scaled)
                        .and_then(|t| th.checked_add(t))
                        .ok_or_else(|| err("compute-hours"))?;
                }
                continue;
            }
            // On the ramp: each figure is a fraction whose whole part goes to the integer sums
            // with one division; only the remainder below one is carried as a fraction, so that
            // the carried sums stay small and exact as long as they can.
            let (on_num, on_den) = s.sum_parts(hi - 1, hi).ok_or_else(|| err("units online"))?;
            *count = count
                .checked_add(on_num / on_den)
                .ok_or_else(|| err("units online"))?;
            let w_num = on_num
                .checked_mul(line.watts_scaled)
                .ok_or_else(|| err("facility power"))?;
            let pw = &mut self.power[p];
            *pw = pw
                .checked_add(w_num / on_den)
                .ok_or_else(|| err("facility power"))?;
            let (h_num, h_den) = s.sum_parts(lo, hi).ok_or_else(|| err("unit-hours"))?;
            let h_num = h_num.checked_mul(24).ok_or_else(|| err("unit-hours"))?;
            *hours = hours
                .checked_add(h_num / h_den)
                .ok_or_else(|| err("unit-hours"))?;
            let (mut tf, mut thf) = (0, 0);
            if line.tflops_scaled != 0 {
                let t_num = on_num
                    .checked_mul(line.tflops_scaled)
                    .ok_or_else(|| err("compute"))?;
                let th_num = h_num
                    .checked_mul(line.tflops_scaled)
                    .ok_or_else(|| err("compute-hours"))?;
                let tw = &mut self.tflops[p];
                *tw = tw
                    .checked_add(t_num / on_den)
                    .ok_or_else(|| err("compute"))?;
                let thw = &mut self.tflop_hours[p];
                *thw = thw
                    .checked_add(th_num / h_den)
                    .ok_or_else(|| err("compute-hours"))?;
                (tf, thf) = (t_num % on_den, th_num % h_den);
            }
            let (wf, hf) = (w_num % on_den, h_num % h_den);
            if wf != 0 || hf != 0 || tf != 0 || thf != 0 {
                let frac = self.fractions.entry(p).or_default();
                let k = usize::from(cpu);
                for (acc, num, den) in [
                    (&mut frac.power, wf, on_den),
                    (&mut frac.hours[k], hf, h_den),
                    (&mut frac.tflops, tf, on_den),
                    (&mut frac.tflop_hours, thf, h_den),
                ] {
                    if num != 0 {
                        let part = Rational::new(num, den).ok_or_else(|| err("a fraction"))?;
                        *acc = acc
                            .checked_add(Num::Exact(part))
                            .ok_or_else(|| err("a fraction"))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn merge(&mut self, other: Partial) -> Result<(), EngineError> {
        let add = |a: &mut i128, b: i128| -> Result<(), EngineError> {
            *a = a.checked_add(b).ok_or_else(too_big)?;
            Ok(())
        };
        for (mine, theirs) in self.cells.iter_mut().zip(other.cells) {
            add(&mut mine.gpus, theirs.gpus)?;
            add(&mut mine.cpus, theirs.cpus)?;
            add(&mut mine.gpu_hours, theirs.gpu_hours)?;
            add(&mut mine.cpu_hours, theirs.cpu_hours)?;
        }
        for (mine, theirs) in self.power.iter_mut().zip(other.power) {
            add(mine, theirs)?;
        }
        for (mine, theirs) in self.tflops.iter_mut().zip(other.tflops) {
            add(mine, theirs)?;
        }
        for (mine, theirs) in self.tflop_hours.iter_mut().zip(other.tflop_hours) {
            add(mine, theirs)?;
        }
        for (p, f) in other.fractions {
            let mine = self.fractions.entry(p).or_default();
            mine.power = mine.power.checked_add(f.power).ok_or_else(too_big)?;
            mine.tflops = mine.tflops.checked_add(f.tflops).ok_or_else(too_big)?;
            mine.tflop_hours = mine
                .tflop_hours
                .checked_add(f.tflop_hours)
                .ok_or_else(too_big)?;
            for k in 0..2 {
                mine.hours[k] = mine.hours[k].checked_add(f.hours[k]).ok_or_else(too_big)?;
            }
        }
        Ok(())
    }

    /// The figures: one rounding of each exact sum.
    fn finish(
        mut self,
        power_den: i128,
        compute: &ComputeScale,
    ) -> Result<Vec<CapacityCell>, EngineError> {
        for (p, cell) in self.cells.iter_mut().enumerate() {
            let f = self.fractions.get(&p).copied().unwrap_or_default();
            if compute.reference != 0 {
                cell.h100e = over(self.tflops[p], f.tflops, compute.reference)
                    .and_then(Num::floor)
                    .ok_or_else(too_big)?;
                cell.eflops_milli = over(self.tflops[p], f.tflops, compute.eflops_milli_den)
                    .and_then(Num::round_half_even)
                    .ok_or_else(too_big)?;
                cell.h100e_hours = over(self.tflop_hours[p], f.tflop_hours, compute.reference)
                    .and_then(Num::round_half_even)
                    .ok_or_else(too_big)?;
            }
            cell.power_kw = over(self.power[p], f.power, power_den)
                .and_then(Num::round_half_even)
                .ok_or_else(too_big)?;
            // Reports show power as a `Decimal` of MW: make sure it is one.
            Decimal::try_from_i128_with_scale(cell.power_kw, 3).map_err(|_| too_big())?;
            let whole = [cell.gpu_hours, cell.cpu_hours];
            let hours = |k: usize| over(whole[k], f.hours[k], 1).and_then(Num::round_half_even);
            cell.gpu_hours = hours(0).ok_or_else(too_big)?;
            cell.cpu_hours = hours(1).ok_or_else(too_big)?;
        }
        Ok(self.cells)
    }
}

/// A group's lines summed by one task at most: the unit of parallel work.
const CHUNK: usize = 512;

/// `(whole + fraction) / den` exactly, `den` positive. Most cells have no fraction: their
/// quotient is the plain integer one, which floors and rounds without reducing a fraction first.
fn over(whole: i128, fraction: Num, den: i128) -> Option<Num> {
    if fraction == Num::ZERO && den > 0 {
        return Some(Num::Exact(Rational { num: whole, den }));
    }
    Num::int(whole)
        .checked_add(fraction)?
        .checked_div(Num::int(den))
}

/// The compute figures' common scale: the reference unit's dense TFLOPS and the divisor from
/// scaled TFLOPS to thousandths of an exaFLOPS, both over `10^tscale` (docs/compute.md).
struct ComputeScale {
    /// Zero where the reference has no figure at the precision: no compute is shown.
    reference: i128,
    eflops_milli_den: i128,
}

/// `d` as an integer over `10^scale`, `scale` at least `d`'s own.
fn scaled(d: Decimal, scale: u32) -> Option<i128> {
    10_i128
        .checked_pow(scale.checked_sub(d.scale())?)?
        .checked_mul(d.mantissa())
}

/// Capacity and power per group and period. Groups are every key of an included tranche, sorted;
/// `total` always has its one group. Only the window's periods are computed; the others are
/// zero.
pub fn capacity(
    catalog: &Catalog,
    timeline: &Timeline,
    by: GroupBy,
    filter: &Filter,
) -> Result<Series<CapacityCell>, EngineError> {
    let projection = CapacityProjection::new(catalog, timeline, by, filter)?;
    let window = timeline.window.clone();
    let block = projection.cells(window.clone())?;
    let n = timeline.periods.len();
    let mut out: Series<CapacityCell> = Series::new(projection.groups, n);
    for (row, cells) in out.values.iter_mut().zip(block) {
        row[window.clone()].copy_from_slice(&cells);
    }
    Ok(out)
}

/// The tranches of a capacity projection, ready to be summed over any block of periods: a
/// report of many groups and periods is computed a block at a time, so that its memory is
/// bounded by the block, not by the whole result (docs/cli.md, "Large reports").
pub struct CapacityProjection<'a> {
    catalog: &'a Catalog,
    /// The groups, sorted.
    pub groups: Vec<String>,
    /// The lines, each group's side by side.
    lines: Vec<Line>,
    /// The chunks of one group's lines summed on their own: `(group, lines)`.
    work: Vec<(usize, Range<usize>)>,
    /// Each period's first and last-plus-one day numbers.
    bounds: Vec<(i64, i64)>,
    power_den: i128,
    compute: ComputeScale,
}

impl<'a> CapacityProjection<'a> {
    /// Groups the included tranches and puts every figure on one integer scale.
    pub fn new(
        catalog: &'a Catalog,
        timeline: &Timeline,
        by: GroupBy,
        filter: &Filter,
    ) -> Result<Self, EngineError> {
        let mut keys: BTreeMap<String, usize> = BTreeMap::new();
        if by == GroupBy::Total {
            keys.insert("total".to_owned(), 0);
        }
        let precision = filter.precision_for(catalog);
        let reference = catalog.reference_tflops(precision);
        // (group key, kind, shape, watts x PUE, contract index, TFLOPS)
        let mut raw = Vec::new();
        for (ci, c) in catalog.contracts.iter().enumerate() {
            if !filter.includes(c) {
                continue;
            }
            if matches!(by, GroupBy::Provider | GroupBy::Contract) {
                keys.entry(group_key(by, c, None)).or_insert(0);
            }
            for t in &c.tranches {
                if !filter.includes_hardware(&t.hardware) {
                    continue;
                }
                let hw = catalog
                    .hardware(&t.hardware)
                    .ok_or_else(|| overflow(c, "the hardware lookup"))?;
                let units =
                    tranche_units(catalog, c, t).map_err(|_| overflow(c, "the unit count"))?;
                let facility_watts = hw
                    .watts_per_unit
                    .checked_mul(catalog.pue_of(c))
                    .ok_or_else(|| overflow(c, "the power per unit"))?;
                let key = group_key(by, c, Some((&t.id, &t.hardware)));
                keys.entry(key.clone()).or_insert(0);
                let tflops = match hw.kind {
                    HardwareKind::Gpu => hw.tflops.at(precision).unwrap_or_default(),
                    HardwareKind::Cpu => Decimal::ZERO,
                };
                raw.push((
                    key,
                    hw.kind,
                    ramp_shape(c, t, units),
                    facility_watts,
                    ci,
                    tflops,
                ));
            }
        }
        let groups: Vec<String> = keys.keys().cloned().collect();
        for (i, v) in keys.values_mut().enumerate() {
            *v = i;
        }
        // One scale for every line's watts, so that whole-unit power adds up as integers.
        let scale = raw.iter().map(|r| r.3.scale()).max().unwrap_or(0);
        // And one scale for TFLOPS, the reference's included, so that H100e are a plain quotient.
        let tscale = raw
            .iter()
            .map(|r| r.5.scale())
            .chain(reference.map(|r| r.scale()))
            .max()
            .unwrap_or(0);
        let scale_error = || EngineError {
            contract: String::new(),
            what: "the compute scale",
        };
        let compute = ComputeScale {
            reference: match reference {
                Some(r) => scaled(r, tscale).ok_or_else(scale_error)?,
                None => 0,
            },
            eflops_milli_den: 10_i128.checked_pow(tscale + 3).ok_or_else(scale_error)?,
        };
        let mut lines = Vec::with_capacity(raw.len());
        for (key, kind, shape, watts, contract, tflops) in raw {
            let c = &catalog.contracts[contract];
            let factor = 10_i128
                .checked_pow(scale - watts.scale())
                .ok_or_else(|| overflow(c, "the power per unit"))?;
            let watts_scaled = watts
                .mantissa()
                .checked_mul(factor)
                .ok_or_else(|| overflow(c, "the power per unit"))?;
            let tflops_scaled =
                scaled(tflops, tscale).ok_or_else(|| overflow(c, "the TFLOPS per unit"))?;
            lines.push(Line {
                group: keys[&key],
                kind,
                shape,
                watts_scaled,
                tflops_scaled,
                contract,
            });
        }
        // Power in kW is watts / 1000: the whole parts are over 10^(scale + 3).
        let power_den = 10_i128.checked_pow(scale + 3).ok_or_else(|| EngineError {
            contract: String::new(),
            what: "the power scale",
        })?;
        let bounds: Vec<(i64, i64)> = timeline
            .periods
            .iter()
            .map(|p| (day_number(p.start), day_number(p.end)))
            .collect();
        // Each group's lines side by side, in catalog order (the sort is stable), cut into the
        // chunks every block of periods sums in parallel.
        lines.sort_by_key(|l| l.group);
        let mut work = Vec::new();
        let mut start = 0;
        for run in lines.chunk_by(|a, b| a.group == b.group) {
            for chunk in (start..start + run.len()).step_by(CHUNK) {
                work.push((run[0].group, chunk..(chunk + CHUNK).min(start + run.len())));
            }
            start += run.len();
        }
        Ok(CapacityProjection {
            catalog,
            groups,
            lines,
            work,
            bounds,
            power_den,
            compute,
        })
    }

    /// The figures of every group (in [`Self::groups`]' order) for the periods of `block`:
    /// `[group][period - block.start]`.
    pub fn cells(&self, block: Range<usize>) -> Result<Vec<Vec<CapacityCell>>, EngineError> {
        let catalog = self.catalog;
        // Lines are summed in parallel, in chunks of one group's lines whose partial sums are
        // then merged in a fixed order: the chunks do not depend on the thread count, so neither
        // does any figure.
        let partials: Vec<(usize, Result<Partial, EngineError>)> = self
            .work
            .par_iter()
            .map(|(g, chunk)| {
                let mut partial = Partial::new(&block);
                let result = self.lines[chunk.clone()].iter().try_for_each(|line| {
                    partial.add_line(line, &catalog.contracts[line.contract], &self.bounds)
                });
                (*g, result.map(|()| partial))
            })
            .collect();
        let mut rows: Vec<Option<Partial>> = (0..self.groups.len()).map(|_| None).collect();
        for (g, partial) in partials {
            let partial = partial?;
            match &mut rows[g] {
                Some(row) => row.merge(partial)?,
                empty => *empty = Some(partial),
            }
        }
        rows.into_iter()
            .map(|row| match row {
                Some(row) => row.finish(self.power_den, &self.compute),
                None => Ok(vec![CapacityCell::default(); block.len()]),
            })
            .collect()
    }
}
