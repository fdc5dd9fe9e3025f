//! The projection: capacity, power and spend per period and group, and the targets.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use thiserror::Error;

use crate::catalog::finance::money_end;
use crate::catalog::ramp::{RampShape, day_number};
use crate::catalog::ramp::{ramp_shape, tranche_units};
use crate::catalog::{Catalog, Contract, HardwareKind, Precision, Status, Target};
use crate::engine::cash::{Basis, basis_cents};
use crate::engine::num::Num;
use crate::engine::period::{Grid, Period};
use crate::engine::spend::value_cents;
use crate::exact::Rational;

/// What the rows of a report are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupBy {
    Total,
    Provider,
    Contract,
    Hardware,
    Tranche,
}

impl GroupBy {
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Total => "total",
            GroupBy::Provider => "provider",
            GroupBy::Contract => "contract",
            GroupBy::Hardware => "hardware",
            GroupBy::Tranche => "tranche",
        }
    }
}

/// Which contracts and tranches count.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these providers, if any.
    pub providers: Vec<String>,
    /// Only these contracts, if any.
    pub contracts: Vec<String>,
    /// Only tranches of this hardware, if any (for spend: contracts with such a tranche).
    pub hardware: Vec<String>,
    /// Leave non-binding contracts out.
    pub signed_only: bool,
    /// What spend measures: accrual (the default), cash or expense.
    pub basis: Basis,
    /// The precision compute is counted at; `None` for the portfolio's default.
    pub precision: Option<Precision>,
    /// Spend re-forecast from actuals, by contract id: replaces those contracts' plan in
    /// spend (docs/actuals.md).
    pub reforecast: Option<std::sync::Arc<BTreeMap<String, crate::engine::reforecast::Reforecast>>>,
}

impl Filter {
    /// Whether a contract's figures count: in scope, not cancelled, and signed where
    /// `signed_only` is set.
    pub fn includes(&self, c: &Contract) -> bool {
        let status_ok = match c.status {
            Status::Signed => true,
            Status::NonBinding => !self.signed_only,
            Status::Cancelled => false,
        };
        status_ok && self.in_scope(c)
    }

    /// Whether a contract matches the provider, contract and hardware filters, whatever its status.
    pub fn in_scope(&self, c: &Contract) -> bool {
        (self.providers.is_empty()
            || self
                .providers
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&c.provider)))
            && (self.contracts.is_empty() || self.contracts.contains(&c.id))
            && (self.hardware.is_empty()
                || c.tranches
                    .iter()
                    .any(|t| self.hardware.contains(&t.hardware)))
    }

    /// The precision in effect for `catalog`.
    pub fn precision_for(&self, catalog: &Catalog) -> Precision {
        self.precision
            .unwrap_or(catalog.portfolio.compute.precision)
    }

    /// Whether tranches of hardware `hw` count.
    pub fn includes_hardware(&self, hw: &str) -> bool {
        self.hardware.is_empty() || self.hardware.iter().any(|h| h == hw)
    }
}

/// An arithmetic overflow, naming the contract whose figures overflowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}{what} overflows the exact arithmetic", if contract.is_empty() { String::new() } else { format!("contract `{contract}`: ") })]
pub struct EngineError {
    /// The contract whose figures overflowed; empty for a sum over several contracts.
    pub contract: String,
    pub what: &'static str,
}

fn overflow(c: &Contract, what: &'static str) -> EngineError {
    EngineError {
        contract: c.id.clone(),
        what,
    }
}

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

/// The grid of a projection: every period from the earliest contract start to the end of the
/// window or of the latest contract, whichever is later, and the window's part of it.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub grid: Grid,
    pub periods: Vec<Period>,
    pub window: Range<usize>,
}

impl Timeline {
    /// A timeline for a window `[from, to)` of whole periods, long enough for every contract.
    pub fn new(catalog: &Catalog, grid: Grid, from: NaiveDate, to: NaiveDate) -> Timeline {
        Timeline::covering(&[catalog], grid, from, to)
    }

    /// [`Timeline::new`], long enough for the contracts of every catalog given.
    pub fn covering(catalogs: &[&Catalog], grid: Grid, from: NaiveDate, to: NaiveDate) -> Timeline {
        let mut lo = from;
        let mut hi = to;
        for c in catalogs.iter().flat_map(|k| &k.contracts) {
            lo = lo.min(c.start);
            // Payments and depreciation may run past the term.
            hi = hi.max(money_end(c).unwrap_or(c.end));
        }
        let periods = grid.periods(lo, hi);
        let first = periods.partition_point(|p| p.end <= from);
        let last = periods.partition_point(|p| p.start < to);
        Timeline {
            grid,
            periods,
            window: first..last.max(first),
        }
    }

    pub fn window_periods(&self) -> &[Period] {
        &self.periods[self.window.clone()]
    }
}

/// Figures per group, each a series over the whole timeline.
#[derive(Clone, Debug)]
pub struct Series<T> {
    pub groups: Vec<String>,
    /// `[group][period]`.
    pub values: Vec<Vec<T>>,
}

impl<T: Clone + Default> Series<T> {
    fn new(groups: Vec<String>, periods: usize) -> Self {
        let values = vec![vec![T::default(); periods]; groups.len()];
        Series { groups, values }
    }
}

fn group_key(by: GroupBy, c: &Contract, tranche: Option<(&str, &str)>) -> String {
    match by {
        GroupBy::Total => "total".to_owned(),
        GroupBy::Provider => c.provider.clone(),
        GroupBy::Contract => c.id.clone(),
        GroupBy::Hardware => tranche.map_or_else(String::new, |(_, hw)| hw.to_owned()),
        GroupBy::Tranche => tranche.map_or_else(String::new, |(id, _)| format!("{}/{id}", c.id)),
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

/// The sums of some of one group's lines, per period.
struct Partial {
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
    fn new(periods: usize) -> Self {
        Partial {
            cells: vec![CapacityCell::default(); periods],
            power: vec![0; periods],
            tflops: vec![0; periods],
            tflop_hours: vec![0; periods],
            fractions: BTreeMap::new(),
        }
    }

    /// Adds one tranche's figures for the window's periods in which it has units online.
    fn add_line(
        &mut self,
        line: &Line,
        c: &Contract,
        bounds: &[(i64, i64)],
        window: &Range<usize>,
    ) -> Result<(), EngineError> {
        let err = |what| overflow(c, what);
        let s = &line.shape;
        let first = bounds.partition_point(|b| b.1 <= s.from).max(window.start);
        let last = bounds.partition_point(|b| b.0 < s.until).min(window.end);
        let cpu = line.kind == HardwareKind::Cpu;
        let units = i128::from(s.units);
        for (p, &(lo, hi)) in bounds.iter().enumerate().take(last).skip(first) {
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
                let tflops = Num::int(self.tflops[p])
                    .checked_add(f.tflops)
                    .ok_or_else(too_big)?;
                cell.h100e = tflops
                    .checked_div(Num::int(compute.reference))
                    .and_then(Num::floor)
                    .ok_or_else(too_big)?;
                cell.eflops_milli = tflops
                    .checked_div(Num::int(compute.eflops_milli_den))
                    .and_then(Num::round_half_even)
                    .ok_or_else(too_big)?;
                cell.h100e_hours = Num::int(self.tflop_hours[p])
                    .checked_add(f.tflop_hours)
                    .and_then(|t| t.checked_div(Num::int(compute.reference)))
                    .and_then(Num::round_half_even)
                    .ok_or_else(too_big)?;
            }
            let power = Num::int(self.power[p])
                .checked_add(f.power)
                .and_then(|w| w.checked_div(Num::int(power_den)))
                .ok_or_else(too_big)?;
            cell.power_kw = power.round_half_even().ok_or_else(too_big)?;
            // Reports show power as a `Decimal` of MW: make sure it is one.
            Decimal::try_from_i128_with_scale(cell.power_kw, 3).map_err(|_| too_big())?;
            let whole = [cell.gpu_hours, cell.cpu_hours];
            let hours = |k: usize| {
                Num::int(whole[k])
                    .checked_add(f.hours[k])
                    .and_then(Num::round_half_even)
                    .ok_or_else(too_big)
            };
            cell.gpu_hours = hours(0)?;
            cell.cpu_hours = hours(1)?;
        }
        Ok(self.cells)
    }
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
/// `total` always has its one group.
pub fn capacity(
    catalog: &Catalog,
    timeline: &Timeline,
    by: GroupBy,
    filter: &Filter,
) -> Result<Series<CapacityCell>, EngineError> {
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
            let units = tranche_units(catalog, c, t).map_err(|_| overflow(c, "the unit count"))?;
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

    let n = timeline.periods.len();
    let bounds: Vec<(i64, i64)> = timeline
        .periods
        .iter()
        .map(|p| (day_number(p.start), day_number(p.end)))
        .collect();
    // Lines are summed in parallel, in chunks of one group's lines whose partial sums are then
    // merged in a fixed order: the chunks do not depend on the thread count, so neither does
    // any figure.
    const CHUNK: usize = 512;
    let mut by_group: Vec<Vec<&Line>> = vec![Vec::new(); groups.len()];
    for line in &lines {
        by_group[line.group].push(line);
    }
    let work: Vec<(usize, &[&Line])> = by_group
        .iter()
        .enumerate()
        .flat_map(|(g, ls)| ls.chunks(CHUNK).map(move |chunk| (g, chunk)))
        .collect();
    let partials: Vec<(usize, Result<Partial, EngineError>)> = work
        .par_iter()
        .map(|&(g, chunk)| {
            let mut partial = Partial::new(n);
            let result = chunk.iter().try_for_each(|line| {
                partial.add_line(
                    line,
                    &catalog.contracts[line.contract],
                    &bounds,
                    &timeline.window,
                )
            });
            (g, result.map(|()| partial))
        })
        .collect();
    let mut rows: Vec<Option<Partial>> = (0..groups.len()).map(|_| None).collect();
    for (g, partial) in partials {
        let partial = partial?;
        match &mut rows[g] {
            Some(row) => row.merge(partial)?,
            empty => *empty = Some(partial),
        }
    }
    let mut out: Series<CapacityCell> = Series::new(groups, n);
    for (g, row) in rows.into_iter().enumerate() {
        if let Some(row) = row {
            out.values[g] = row.finish(power_den, &compute)?;
        }
    }
    Ok(out)
}

/// Spend in cents per group and period, over the whole timeline.
pub fn spend(
    catalog: &Catalog,
    timeline: &Timeline,
    by: GroupBy,
    filter: &Filter,
) -> Result<Series<i128>, EngineError> {
    let by = match by {
        GroupBy::Total | GroupBy::Provider | GroupBy::Contract => by,
        // Spend belongs to a contract, not to its tranches.
        GroupBy::Hardware | GroupBy::Tranche => GroupBy::Contract,
    };
    let included: Vec<&Contract> = catalog
        .contracts
        .iter()
        .filter(|c| filter.includes(c))
        .collect();
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    if by == GroupBy::Total {
        keys.insert("total".to_owned(), 0);
    }
    for c in &included {
        keys.entry(group_key(by, c, None)).or_insert(0);
    }
    let groups: Vec<String> = keys.keys().cloned().collect();
    for (i, v) in keys.values_mut().enumerate() {
        *v = i;
    }
    let mut out: Series<i128> = Series::new(groups, timeline.periods.len());
    // Each contract's cents are independent of the others': compute them in parallel, then add
    // them up in catalog order.
    let per_contract: Vec<Option<Vec<(usize, i128)>>> = included
        .par_iter()
        .map(
            |c| match filter.reforecast.as_ref().and_then(|r| r.get(&c.id)) {
                Some(r) => r.cents(&timeline.periods),
                None => basis_cents(catalog, c, &timeline.periods, filter.basis),
            },
        )
        .collect();
    for (c, cents) in included.into_iter().zip(per_contract) {
        let g = keys[&group_key(by, c, None)];
        let cents = cents.ok_or_else(|| overflow(c, "spend"))?;
        for (p, amount) in cents {
            let cell = &mut out.values[g][p];
            *cell = cell
                .checked_add(amount)
                .ok_or_else(|| overflow(c, "spend"))?;
        }
    }
    Ok(out)
}

/// Running totals of a series from the first period of the timeline, so from each contract's
/// start rather than the window's.
pub fn cumulative(values: &[i128]) -> Vec<i128> {
    let mut sum: i128 = 0;
    values
        .iter()
        .map(|v| {
            sum = sum.saturating_add(*v);
            sum
        })
        .collect()
}

/// Money from cents.
pub fn dollars(cents: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(cents, 2).unwrap_or(Decimal::MAX)
}

/// `part / whole` as a percentage rounded half-even to two decimals.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole <= Decimal::ZERO {
        return None;
    }
    let r = Rational::from_decimal(part)?
        .checked_div(Rational::from_decimal(whole)?)?
        .checked_mul(Rational::integer(100))?;
    r.to_decimal(2)
}

/// When a target is reached: each figure it sets, and both together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetStatus {
    pub target: String,
    /// First period at whose end cumulative spend reaches `spend_usd`.
    pub spend_met_in: Option<Period>,
    /// First period at whose end facility power reaches `power_gw`.
    pub power_met_in: Option<Period>,
    /// First period at whose end H100e online reach `h100e`.
    pub h100e_met_in: Option<Period>,
    /// First period at whose end every figure the target sets is reached.
    pub met_in: Option<Period>,
    /// Whether `met_in` ends on or before the target's `by` date, where it has one.
    pub met_by_deadline: Option<bool>,
}

/// Total H100e online per period at the portfolio's default precision, the one `h100e` targets
/// are set at: `cells`' own figures where the run counts at that precision, else counted again.
pub fn target_h100e(
    catalog: &Catalog,
    timeline: &Timeline,
    filter: &Filter,
    cells: &[CapacityCell],
) -> Result<Vec<i128>, EngineError> {
    let default = catalog.portfolio.compute.precision;
    let sets_h100e = catalog.targets.iter().any(|t| t.h100e.is_some());
    if filter.precision_for(catalog) == default || !sets_h100e {
        return Ok(cells.iter().map(|c| c.h100e).collect());
    }
    let at_default = Filter {
        precision: None,
        ..filter.clone()
    };
    let whole = Timeline {
        window: 0..timeline.periods.len(),
        ..timeline.clone()
    };
    let cap = capacity(catalog, &whole, GroupBy::Total, &at_default)?;
    Ok(cap.values[0].iter().map(|c| c.h100e).collect())
}

/// Evaluates a target over total power (kW per period), H100e at the portfolio's default
/// precision ([`target_h100e`]) and total spend (cents per period) on the whole timeline.
pub fn target_status(
    target: &Target,
    timeline: &Timeline,
    power_kw: &[i128],
    h100e: &[i128],
    spend_cents: &[i128],
) -> TargetStatus {
    let cum = cumulative(spend_cents);
    let spend_goal = target.spend_usd.and_then(value_cents);
    let power_goal_kw = target
        .power_gw
        .and_then(|gw| gw.checked_mul(Decimal::from(1_000_000))?.ceil().to_i128());
    let n = timeline.periods.len();
    let spend_ok = |p: usize| spend_goal.is_none_or(|g| cum.get(p).is_some_and(|c| *c >= g));
    let power_ok =
        |p: usize| power_goal_kw.is_none_or(|g| power_kw.get(p).is_some_and(|kw| *kw >= g));
    let h100e_goal = target.h100e.map(i128::from);
    let h100e_ok = |p: usize| h100e_goal.is_none_or(|g| h100e.get(p).is_some_and(|h| *h >= g));
    let first =
        |f: &dyn Fn(usize) -> bool| (0..n).find(|&p| f(p)).map(|p| timeline.periods[p].clone());
    let sets_any = spend_goal.is_some() || power_goal_kw.is_some() || h100e_goal.is_some();
    let spend_met_in = spend_goal.and_then(|_| first(&spend_ok));
    let power_met_in = power_goal_kw.and_then(|_| first(&power_ok));
    let h100e_met_in = h100e_goal.and_then(|_| first(&h100e_ok));
    let met_in = if sets_any {
        first(&|p| spend_ok(p) && power_ok(p) && h100e_ok(p))
    } else {
        None
    };
    let met_by_deadline = target
        .by
        .map(|by| met_in.as_ref().is_some_and(|p| p.last_day() <= by));
    TargetStatus {
        target: target.id.clone(),
        spend_met_in,
        power_met_in,
        h100e_met_in,
        met_in,
        met_by_deadline,
    }
}

/// Contracted value: the sum of included contracts' values.
pub fn contracted(catalog: &Catalog, filter: &Filter) -> Decimal {
    catalog
        .contracts
        .iter()
        .filter(|c| filter.includes(c))
        .fold(Decimal::ZERO, |a, c| a.saturating_add(c.value_usd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_even_to_two_decimals() {
        assert_eq!(
            percent(Decimal::from(1), Decimal::from(3)),
            Some(Decimal::new(3333, 2))
        );
        assert_eq!(
            percent(Decimal::new(1, 4), Decimal::from(1)),
            Some(Decimal::new(1, 2))
        );
        assert_eq!(percent(Decimal::from(1), Decimal::ZERO), None);
    }

    #[test]
    fn cumulative_runs_from_the_first_period() {
        assert_eq!(cumulative(&[1, 2, 0, 3]), vec![1, 3, 3, 6]);
    }
}
