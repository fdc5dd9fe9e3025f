//! The risk model, prepared once for every sample: which entries select each tranche, how
//! each tranche is sampled, and the figures of the tranches no entry can move.
//!
//! # A sample
//!
//! The catalog is the one every scenario change (`[[adjust]]`, `remove`, ...) has already been
//! applied to; only the `[[risk]]` entries are sampled. In each sample, every tranche that a
//! risk entry selects draws, for each such entry in the order written (scenario files in the
//! order given):
//!
//! - a **slip** in whole days. The distribution's durations are first turned into days from the
//!   tranche's `online_from` (`Duration::add_to`: `1m` from 2026-01-31 is 28 days), then the
//!   continuous distribution on days is sampled by its inverse CDF and floored: `uniform(0d, 1d)`
//!   always slips 0 days, `uniform(0d, 10d)` 0 to 9, `fixed(A)` exactly A. Where month lengths
//!   put the bounds in days out of order (`uniform(30d, 1m)` from a February date) they are
//!   taken in order.
//! - a **cancellation**, with the entry's `cancel` probability: the tranche never delivers.
//!
//! Several entries that select one tranche add their slips, and any cancellation cancels it. A
//! slip moves `online_from` and `online_by` by the same number of days and leaves `until`: like
//! a scenario `delay` measured in days. A slip written in months (or quarters, or years) is the
//! days calendar arithmetic adds to the tranche's own `online_from`, so `fixed(2m)` puts
//! `online_from` where a `delay` of `2m` does, but not always `online_by`: the `delay` adds two
//! months to each date, which can make a ramp up to three days longer or shorter, while the slip
//! keeps its length. This is deliberate: a random slip can only be drawn in days, and a late
//! tranche then ramps over the days it was planned to, whenever it starts. On the shipped
//! catalog, `fixed(2m)` on `*` and `--delay '*=2m'` differ in 23 of 44 quarters, by up to
//! 14,432 GPUs.
//!
//! A tranche pushed to or past its `until` delivers nothing in that sample, and one pushed
//! before its contract's start is counted from where it lands; sampling never raises
//! validation errors. The entries that can do either are reported once, before sampling, as
//! `slip-outside-term` warnings ([`super::term`]).
//!
//! The tranches at risk ([`RiskModel::at_risk`]) are those that samples move or cancel: by a
//! fixed slip of any days but zero, a random slip or a cancellation.
//!
//! Each sample then has, for every period, GPUs online at the period's last day (floored per
//! tranche and summed, as in [`crate::engine::capacity`]) and facility power (the exact sum
//! rounded half-even once to the kilowatt), and the first period at whose end power reaches
//! the target's `power_gw`, on the whole timeline as `plan` decides it.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::cost::{EndIndex, fill_tables};
use super::demand::{DemandModel, Supply};
use super::draws::{Dist, Draw, DrawPlan};
use super::power::{Base, Line, Table, fast_den, frac_bits, ramp_parts, scaled, split};
use super::{RiskError, overflow, too_big};
use crate::catalog::model::{Catalog, HardwareKind, Ramp};
use crate::catalog::ramp::{RampShape, day_number, ramp_shape, tranche_units};
use crate::diagnostic::Diagnostic;
use crate::engine::{Filter, Period, Timeline};
use crate::scenario::{Risk, Slip};

/// Everything a sample needs, prepared once.
#[derive(Debug)]
pub struct RiskModel {
    /// Periods computed: the whole timeline where the target sets power (when it is reached
    /// does not depend on the window), else the window.
    pub(super) span: Vec<Period>,
    /// The span's index of the window's first period.
    pub(super) window_start: usize,
    pub(super) window_len: usize,
    /// Last day of each period of the span.
    pub(super) ends: Vec<i64>,
    pub(super) grid: EndIndex,
    pub(super) lines: Vec<Line>,
    /// The draws of a sample.
    pub(super) plan: DrawPlan,
    pub(super) base: Base,
    /// Per period of the span, the base's power in fixed point ([`super::power`]).
    pub(super) base_fx: Vec<u128>,
    /// Power whole parts are over this; kW are whole parts / `power_den`.
    pub(super) power_den: i128,
    /// Fraction bits of the fixed-point power sums, and whether they need 128 bits.
    pub(super) frac_bits: u32,
    pub(super) wide_sums: bool,
    /// The first period of the span a sample computes: the window's first, or an earlier one
    /// where power could reach the target's there.
    pub(super) first_needed: usize,
    pub(super) goal_kw: Option<i128>,
    /// Whether figures need 64 bits.
    pub(super) wide: bool,
    /// Included tranches, and those of them that samples move (by a fixed or a random slip)
    /// or cancel (surely or by chance): the tranches at risk.
    pub tranches: usize,
    pub at_risk: usize,
    /// `slip-outside-term` warnings: entries whose slips can move a tranche outside its
    /// contract's term ([`super::term`]). Samples are computed all the same.
    pub warnings: Vec<Diagnostic>,
    /// The schedule re-run per sample, where the catalog has workloads.
    pub(super) demand: Option<DemandModel>,
}

/// How each selected tranche is sampled: the fixed part of its slips, whether it never
/// delivers, and its draws.
struct Plan {
    fixed: i64,
    never: bool,
    random: bool,
    draws: Vec<Draw>,
}

impl Plan {
    /// The plan of tranche `t` of contract `c` under the entries `chosen` (indices into
    /// `risks`, in order): fixed slips are summed, random ones and cancellations become draws.
    fn new(
        risks: &[Risk],
        chosen: &[usize],
        c: &crate::catalog::Contract,
        t: &crate::catalog::Tranche,
    ) -> Result<Plan, RiskError> {
        let mut plan = Plan {
            fixed: 0,
            never: false,
            random: false,
            draws: Vec::new(),
        };
        for &i in chosen {
            let risk = &risks[i];
            if let Some(slip) = risk.slip {
                let off_calendar = || RiskError::Calendar {
                    index: i,
                    slip: slip.to_string(),
                    contract: c.id.clone(),
                    tranche: t.id.clone(),
                };
                let bounds = slip_days(slip, t.online_from).ok_or_else(off_calendar)?;
                let (lo, hi) = (bounds[0], bounds[bounds.len() - 1]);
                if lo == hi {
                    plan.fixed = plan.fixed.checked_add(lo).ok_or_else(off_calendar)?;
                } else {
                    let dist = match bounds.as_slice() {
                        [_, mode, _] => Dist::triangular(lo, *mode, hi),
                        _ => Dist::Uniform {
                            lo: lo as f64,
                            hi: hi as f64,
                        },
                    };
                    plan.random = true;
                    plan.draws.push(Draw::Slip { line: None, dist });
                }
            }
            if let Some(p) = risk.cancel {
                if p >= Decimal::ONE {
                    plan.never = true;
                } else if p > Decimal::ZERO {
                    // u < p  <=>  x53 < p * 2^53  <=>  x53 < ceil(p * 2^53).
                    let below = (p * Decimal::from(1u64 << 53))
                        .ceil()
                        .to_u64()
                        .unwrap_or(1u64 << 53);
                    plan.random = true;
                    plan.draws.push(Draw::Cancel { line: None, below });
                }
            }
        }
        Ok(plan)
    }
}

fn days_from(d: crate::catalog::value::Duration, from: chrono::NaiveDate) -> Option<i64> {
    Some((d.add_to(from)? - from).num_days())
}

/// A slip's bounds (and mode) in days from `from`, a tranche's `online_from`, in increasing
/// order: each duration is what calendar arithmetic adds to `from` (`1m` from 2026-01-31 is
/// 28 days). `None` where a bound is off the calendar.
pub(super) fn slip_days(slip: Slip, from: chrono::NaiveDate) -> Option<Vec<i64>> {
    let days = |d| days_from(d, from);
    let mut bounds = match slip {
        Slip::Fixed(a) => vec![days(a)?],
        Slip::Uniform(a, b) => vec![days(a)?, days(b)?],
        Slip::Triangular(a, m, b) => vec![days(a)?, days(m)?, days(b)?],
    };
    bounds.sort_unstable();
    Some(bounds)
}

/// The entries that select each tranche, `[contract][tranche]`, in catalog order; an entry
/// that selects nothing is an error.
pub(super) fn selections(
    catalog: &Catalog,
    risks: &[Risk],
) -> Result<Vec<Vec<Vec<usize>>>, RiskError> {
    let mut entries: Vec<Vec<Vec<usize>>> = catalog
        .contracts
        .iter()
        .map(|c| vec![Vec::new(); c.tranches.len()])
        .collect();
    for (i, risk) in risks.iter().enumerate() {
        let sel = risk.select.select(catalog);
        if sel.is_empty() {
            return Err(RiskError::Unmatched {
                index: i,
                selector: risk.select.to_string(),
            });
        }
        for (ci, ti) in sel.tranches {
            entries[ci][ti].push(i);
        }
    }
    Ok(entries)
}

impl RiskModel {
    /// Prepares a run: resolves each entry's selection on `catalog` and the per-tranche
    /// figures on `timeline`. `power_gw` is the target's, if it sets one.
    pub fn new(
        catalog: &Catalog,
        timeline: &Timeline,
        filter: &Filter,
        risks: &[Risk],
        power_gw: Option<Decimal>,
    ) -> Result<RiskModel, RiskError> {
        let goal_kw = match power_gw {
            Some(gw) => Some(
                gw.checked_mul(Decimal::from(1_000_000))
                    .and_then(|kw| kw.ceil().to_i128())
                    .ok_or_else(|| too_big("the target's power"))?,
            ),
            None => None,
        };
        let span_range = if goal_kw.is_some() {
            0..timeline.periods.len()
        } else {
            timeline.window.clone()
        };
        let span: Vec<Period> = timeline.periods[span_range.clone()].to_vec();
        let window_start = timeline.window.start - span_range.start;
        let window_len = timeline.window.len();
        let ends: Vec<i64> = span.iter().map(|p| day_number(p.last_day())).collect();

        let entries = selections(catalog, risks)?;
        let warnings = super::term::leaving_term(catalog, risks, &entries);

        // The tranches that count, with one power scale for all, as in `capacity`.
        struct Raw {
            ci: usize,
            ti: usize,
            gpu: bool,
            shape: RampShape,
            watts: Decimal,
            hardware: String,
        }
        let mut raw = Vec::new();
        for (ci, c) in catalog.contracts.iter().enumerate() {
            if !filter.includes(c) {
                continue;
            }
            for (ti, t) in c.tranches.iter().enumerate() {
                if !(filter.hardware.is_empty() || filter.hardware.contains(&t.hardware)) {
                    continue;
                }
                let hw = catalog
                    .hardware(&t.hardware)
                    .ok_or_else(|| overflow(&c.id, "the hardware lookup"))?;
                let units =
                    tranche_units(catalog, c, t).map_err(|_| overflow(&c.id, "the unit count"))?;
                let watts = hw
                    .watts_per_unit
                    .checked_mul(catalog.pue_of(c))
                    .ok_or_else(|| overflow(&c.id, "the power per unit"))?;
                raw.push(Raw {
                    ci,
                    ti,
                    gpu: hw.kind == HardwareKind::Gpu,
                    shape: ramp_shape(c, t, units),
                    watts,
                    hardware: t.hardware.clone(),
                });
            }
        }
        let scale = raw.iter().map(|r| r.watts.scale()).max().unwrap_or(0);
        let power_den = crate::exact::pow10(scale + 3).ok_or_else(|| too_big("the power scale"))?;

        // Each included tranche's sampling plan; draws of left-out tranches still take their
        // place in the stream.
        let mut included: Vec<Vec<Option<usize>>> = catalog
            .contracts
            .iter()
            .map(|c| vec![None; c.tranches.len()])
            .collect();
        for (k, r) in raw.iter().enumerate() {
            included[r.ci][r.ti] = Some(k);
        }
        let mut plans: Vec<Option<Plan>> = (0..raw.len()).map(|_| None).collect();
        let mut stream: Vec<(Option<usize>, Draw)> = Vec::new();
        for (ci, c) in catalog.contracts.iter().enumerate() {
            for (ti, t) in c.tranches.iter().enumerate() {
                let chosen = &entries[ci][ti];
                if chosen.is_empty() {
                    continue;
                }
                let mut plan = Plan::new(risks, chosen, c, t)?;
                let slot = included[ci][ti];
                for d in plan.draws.drain(..) {
                    stream.push((slot, d));
                }
                if let Some(k) = slot {
                    plans[k] = Some(plan);
                }
            }
        }

        // Bounds that make every sum of a sample safe: no sample has more than every unit of
        // every included tranche online.
        let mut total_power: i128 = 0;
        let mut total_gpus: i128 = 0;
        for r in &raw {
            let c = &catalog.contracts[r.ci];
            let watts =
                scaled(r.watts, scale).ok_or_else(|| overflow(&c.id, "the power per unit"))?;
            total_power = i128::from(r.shape.units)
                .checked_mul(watts)
                .and_then(|w| total_power.checked_add(w))
                .ok_or_else(|| overflow(&c.id, "facility power"))?;
            if r.gpu {
                total_gpus = total_gpus
                    .checked_add(i128::from(r.shape.units))
                    .ok_or_else(|| overflow(&c.id, "units online"))?;
            }
        }
        let max_kw = total_power / power_den + 1;
        // Reports show power as a `Decimal` of MW.
        Decimal::try_from_i128_with_scale(max_kw, 3).map_err(|_| too_big("facility power"))?;
        if total_gpus > i128::from(u64::MAX) || max_kw > i128::from(u64::MAX) {
            return Err(too_big("units online"));
        }
        let wide = total_gpus > i128::from(u32::MAX) || max_kw > i128::from(u32::MAX);

        let n_span = span.len();
        let mut base = Base::new(n_span);
        let (frac_bits, wide_sums) = frac_bits(total_power as u128, power_den as u128);
        let mut lines = Vec::new();
        let mut supply = Vec::new();
        let mut line_of: Vec<Option<usize>> = vec![None; raw.len()];
        let mut at_risk = 0;
        for (k, r) in raw.iter().enumerate() {
            let c = &catalog.contracts[r.ci];
            let err = |what| overflow(&c.id, what);
            let watts = scaled(r.watts, scale).ok_or_else(|| err("the power per unit"))?;
            let (fixed, never, random) = plans[k]
                .as_ref()
                .map_or((0, false, false), |p| (p.fixed, p.never, p.random));
            if fixed != 0 || never || random {
                at_risk += 1;
            }
            if never {
                continue;
            }
            let s = r.shape;
            let shift = |d: i64| d.checked_add(fixed).ok_or_else(|| err("a slip"));
            let (from, by) = (shift(s.from)?, shift(s.by)?);
            let p_until = ends.partition_point(|&e| e < s.until);
            supply.push(Supply {
                hardware: r.hardware.clone(),
                shape: RampShape { from, by, ..s },
                line: random.then_some(lines.len()),
            });
            if random {
                let n = by - from;
                // The largest figures of the ramp are on its last day: if they fit, all do.
                if n > 0 && s.ramp != Ramp::Step {
                    ramp_parts(s.units, n, s.ramp, n - 1)
                        .and_then(|(num, den)| split(num, den, watts))
                        .ok_or_else(|| err("facility power"))?;
                }
                line_of[k] = Some(lines.len());
                lines.push(Line {
                    gpu: r.gpu,
                    units: s.units,
                    full_power: i128::from(s.units) * watts,
                    watts,
                    from,
                    n,
                    ramp: s.ramp,
                    p_until,
                    table: Table::None,
                    fast_den: fast_den(s.units, n, s.ramp, watts),
                    full_fx: ((s.units as u128) * (watts as u128)) << frac_bits,
                    shifts: (0, 0),
                });
                continue;
            }
            // Fixed: into the base, once.
            let shape = RampShape { from, by, ..s };
            base.add(&shape, r.gpu, watts, &ends[..p_until])
                .ok_or_else(|| err("facility power"))?;
        }
        // Ramp tables, while the budget lasts, built in parallel.
        if wide_sums {
            fill_tables::<u128>(&mut lines, frac_bits);
        } else {
            fill_tables::<u64>(&mut lines, frac_bits);
        }
        let draws: Vec<Draw> = stream
            .into_iter()
            .map(|(slot, d)| {
                let line = slot.and_then(|k| line_of[k]);
                match d {
                    Draw::Slip { dist, .. } => Draw::Slip { line, dist },
                    Draw::Cancel { below, .. } => Draw::Cancel { line, below },
                }
            })
            .collect();
        // Each line's slips add up to between the sums of their distributions' bounds.
        for d in &draws {
            if let Draw::Slip {
                line: Some(l),
                dist,
            } = d
            {
                let (lo, hi) = match *dist {
                    Dist::Uniform { lo, hi } | Dist::Triangular { lo, hi, .. } => (lo, hi),
                };
                let shifts = &mut lines[*l].shifts;
                *shifts = (
                    shifts.0.saturating_add(lo as i64),
                    shifts.1.saturating_add(hi as i64),
                );
            }
        }
        // Make sure no sample can overflow a day.
        for line in &lines {
            let (least, most) = line.shifts;
            let reach = least.saturating_abs().max(most.saturating_abs());
            let bound = line.from.abs().saturating_add(line.n).saturating_add(reach);
            if bound >= i64::MAX / 4 {
                return Err(too_big("a slip"));
            }
        }
        let grid = EndIndex::new(&ends);
        let base_fx = (0..n_span)
            .map(|p| base.fixed(p, frac_bits))
            .collect::<Option<Vec<u128>>>()
            .ok_or_else(|| too_big("facility power"))?;
        // Periods before the window are computed only where power could reach the target's
        // there: with every line that can have started by the period's end at full power.
        let first_needed = match goal_kw {
            None => window_start,
            Some(goal) => (0..window_start)
                .find(|&p| {
                    let most = lines
                        .iter()
                        .filter(|l| p < l.p_until && l.from + l.shifts.0 <= ends[p])
                        .fold(base_fx[p] >> frac_bits, |sum, l| {
                            sum.saturating_add(l.full_power as u128)
                        });
                    (most + 1) / power_den as u128 + 1 >= goal as u128
                })
                .unwrap_or(window_start),
        };
        let demand = DemandModel::new(catalog, timeline, filter, &supply)?;
        Ok(RiskModel {
            span,
            window_start,
            window_len,
            ends,
            grid,
            lines,
            plan: DrawPlan::new(&draws),
            base,
            base_fx,
            power_den,
            frac_bits,
            wide_sums,
            first_needed,
            goal_kw,
            wide,
            tranches: raw.len(),
            at_risk,
            warnings,
            demand,
        })
    }
}
