//! Monte Carlo over the `[[risk]]` entries of scenarios: how late tranches may come online and
//! whether they deliver at all, as quantiles of GPUs and facility power per period and the
//! chance of reaching the target's power (docs/scenarios.md, risk).
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
//! `slip-outside-term` warnings ([`super::risk_term`]).
//!
//! The tranches at risk ([`RiskModel::at_risk`]) are those that samples move or cancel: by a
//! fixed slip of any days but zero, a random slip or a cancellation.
//!
//! Each sample then has, for every period, GPUs online at the period's last day (floored per
//! tranche and summed, as in [`super::capacity`]) and facility power (the exact sum rounded
//! half-even once to the kilowatt), and the first period at whose end power reaches the
//! target's `power_gw`, on the whole timeline as `plan` decides it.
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
//!
//! # Exact power
//!
//! Per period, power in kW is `round_half_even(sum_i online_i * watts_i / D)` with each
//! tranche's facility watts an integer over one power of ten `D`, as in the deterministic
//! engine. Each tranche's term splits into a whole part (an integer) and a fraction below one
//! (`r / den`, with `den` the ramp's `n` or `n^3`). Whole parts are summed as integers; the
//! fractions are summed in `f64` only to find the floor of their sum, which is all the
//! rounding needs, and whenever that sum lies within a proven error bound of an integer the
//! period is summed again exactly (as fractions, continued as 28-digit decimals past `i128`
//! as everywhere in the engine). So the figures are those of `capplan plan` for the same
//! dates, digit for digit.
//!
//! # Quantiles
//!
//! Nearest rank on the sorted samples: the `q`-th percentile of `N` samples is the value of
//! rank `max(1, ceil(q / 100 * N))`, so `p0` is the minimum, `p100` the maximum, and every
//! quantile is a value some sample had. The period in which the target is first reached is
//! ranked in time order, with `never` after every period.
//!
//! # Cost
//!
//! What does not change between samples is computed once: tranches no entry can move are
//! summed per period up front; for the others, the shape, watts, kind, the check that no sum
//! can overflow and an index from day to period end are prepared once. A sample then places
//! each tranche on the period grid (two look-ups), adds its full-capacity periods as a step
//! and computes its few ramp periods in 64-bit integers (two divisions; a table prepared once
//! where the products do not fit). Values are kept per sample and period as `u32` where the
//! catalog's totals fit, else `u64` (4 or 8 bytes per sample, period and figure: 264 MB for
//! a million samples of 33 quarters), and the quantiles are found per period by selection,
//! not sorting. Memory therefore grows as samples x periods: a run that would keep more than
//! [`MAX_MEMORY_BYTES`] is refused before it starts ([`RiskModel::check_memory`]), with the
//! number of samples that would fit.

use std::str::FromStr;

use rand_chacha::ChaCha8Rng;

use crate::engine::risk_demand::{DemandCounts, DemandModel, DemandScratch, Supply};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use thiserror::Error;

use crate::catalog::model::{Catalog, HardwareKind, Ramp};
use crate::catalog::ramp::{RampShape, day_number};
use crate::catalog::ramp::{ramp_shape, tranche_units};
use crate::diagnostic::Diagnostic;
use crate::engine::num::Num;
use crate::engine::{EngineError, Filter, Period, Timeline};
use crate::exact::Rational;
use crate::scenario::{Risk, Slip};

/// Samples when `--samples` is not given.
pub const DEFAULT_SAMPLES: u64 = 10_000;
/// The most samples a run takes: about 2.6 GB of figures on the default quarterly window.
pub const MAX_SAMPLES: u64 = 10_000_000;
/// The most memory a run may keep for its samples' figures ([`RiskModel::memory_bytes`]):
/// 10,000,000 samples of the default quarterly window fit; a monthly window over decades
/// needs fewer samples, and is refused with the number that fits rather than left to run
/// out of memory.
pub const MAX_MEMORY_BYTES: u64 = 4 << 30;
/// The seed when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 1;
/// Samples per chunk: the unit of parallel work and of seeding.
pub const CHUNK: usize = 1024;
/// Ramp-day figures kept in tables, over all tranches (32 bytes each); past it, the remaining
/// tranches compute them as they go.
const TABLE_BUDGET: usize = 1 << 21;

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

/// A percentile from 0 to 100, with at most four decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantile(Decimal);

/// Why a percentile was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "`{0}` is not a percentile: expected a number from 0 to 100 with at most four decimals, such as `10` or `97.5`"
)]
pub struct QuantileError(pub String);

impl FromStr for Quantile {
    type Err = QuantileError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || QuantileError(text.to_owned());
        let t = text.trim();
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(err());
        }
        let d = Decimal::from_str_exact(t).map_err(|_| err())?.normalize();
        if d > Decimal::ONE_HUNDRED || d.scale() > 4 {
            return Err(err());
        }
        Ok(Quantile(d))
    }
}

impl Quantile {
    /// The percentile, from 0 to 100.
    pub fn percent(self) -> Decimal {
        self.0
    }

    /// `p10`, `p97.5`: the prefix of the figures' column names.
    pub fn label(self) -> String {
        format!("p{}", self.0)
    }

    /// The nearest rank among `n` sorted samples, from 1: `max(1, ceil(q / 100 * n))`.
    pub fn rank(self, n: u64) -> u64 {
        let r = (self.0 * Decimal::from(n) / Decimal::ONE_HUNDRED)
            .ceil()
            .to_u64()
            .unwrap_or(n);
        r.clamp(1, n.max(1))
    }
}

/// Why a risk model could not be built. The command line shows the first two at the
/// scenario line that caused them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskError {
    /// The `index`-th risk entry's selector matches nothing in the catalog.
    #[error("`[[risk]]` selector `{selector}` matches nothing in the catalog")]
    Unmatched { index: usize, selector: String },
    /// A slip of the `index`-th risk entry moves a tranche off the calendar.
    #[error("slip `{slip}` moves tranche `{tranche}` of contract `{contract}` off the calendar")]
    Calendar {
        index: usize,
        slip: String,
        contract: String,
        tranche: String,
    },
    #[error(transparent)]
    Overflow(#[from] EngineError),
}

fn overflow(contract: &str, what: &'static str) -> RiskError {
    RiskError::Overflow(EngineError {
        contract: contract.to_owned(),
        what,
    })
}

fn too_big(what: &'static str) -> RiskError {
    overflow("", what)
}

/// A continuous slip distribution on days.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Dist {
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
    fn triangular(lo: i64, mode: i64, hi: i64) -> Dist {
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
enum Draw {
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

/// A tranche's figures on one day of its ramp: whole units, the whole part of power (watts x
/// units over the run's power scale) and the fraction it leaves.
#[derive(Clone, Copy, Debug, Default)]
struct Point {
    power: i128,
    units: u64,
    frac: f64,
}

/// `(num, den)` of units online `t` days into a ramp of `n` days.
fn ramp_parts(units: u64, n: i64, ramp: Ramp, t: i64) -> Option<(i128, i128)> {
    let shape = RampShape {
        units,
        from: 0,
        by: n,
        until: i64::MAX,
        ramp,
    };
    shape.sum_parts(t, t.checked_add(1)?)
}

/// Splits `num / den` units at `watts` into a [`Point`] and the exact remainder `r` (over `den`).
fn split(num: i128, den: i128, watts: i128) -> Option<(Point, i128)> {
    let w = num.checked_mul(watts)?;
    let r = w % den;
    let point = Point {
        power: w / den,
        units: u64::try_from(num / den).ok()?,
        frac: if r == 0 { 0.0 } else { r as f64 / den as f64 },
    };
    Some((point, r))
}

/// A tranche that samples can move or cancel.
#[derive(Clone, Debug)]
struct Line {
    gpu: bool,
    units: u64,
    /// Units x watts: the whole power at full capacity.
    full_power: i128,
    watts: i128,
    /// `online_from` with the fixed part of its slips, as a day number.
    from: i64,
    /// Days of ramp: `online_by - online_from`.
    n: i64,
    ramp: Ramp,
    /// First period (of the span) whose last day is on or after `until`.
    p_until: usize,
    /// Figures per ramp day; empty where the budget ran out (computed as needed) or where the
    /// ramp has no days between 0 and all units.
    table: Vec<Point>,
    /// For a ramp whose products fit 64 bits, the ramp's denominator (`n`, or `n^3` for an
    /// s-curve): its figures then take two divisions, faster than a table that does not stay
    /// in the processor's cache. 0 otherwise.
    fast_den: u64,
}

impl Line {
    /// Whether days on the ramp have units online: not a step, and a ramp at all.
    fn ramps(&self) -> bool {
        self.ramp != Ramp::Step && self.n > 0
    }

    fn point(&self, t: i64) -> Point {
        if self.fast_den != 0 {
            return self.fast_point(t);
        }
        if let Some(p) = self.table.get(t as usize) {
            return *p;
        }
        // Checked at t = n - 1, where every intermediate value is largest, when the line was
        // built: these cannot fail.
        ramp_parts(self.units, self.n, self.ramp, t)
            .and_then(|(num, den)| split(num, den, self.watts))
            .map_or_else(Point::default, |(p, _)| p)
    }

    /// [`Line::point`] in 64 bits. With `num / den` units online (`U t / n`, or
    /// `U t^2 (3n - 2t) / n^3`) and `num = q den + rem`, the power `num w / den` is
    /// `w q + (w rem) / den`. Needs `U den`, `w den` and `U w` below 2^64, checked when the line
    /// is built ([`fast_den`]).
    fn fast_point(&self, t: i64) -> Point {
        let (t, n, den) = (t as u64, self.n as u64, self.fast_den);
        let num = match self.ramp {
            Ramp::SCurve => self.units * (t * t * (3 * n - 2 * t)),
            _ => self.units * t,
        };
        let w = self.watts as u64;
        let (q, rem) = (num / den, num % den);
        let b = w * rem;
        let r = b % den;
        Point {
            power: i128::from(w * q + b / den),
            units: q,
            frac: if r == 0 { 0.0 } else { r as f64 / den as f64 },
        }
    }

    fn exact_frac(&self, t: i64) -> Option<Rational> {
        let (num, den) = ramp_parts(self.units, self.n, self.ramp, t)?;
        let (_, r) = split(num, den, self.watts)?;
        Rational::new(r, den)
    }
}

/// The denominator of a ramp's figures where [`Line::fast_point`] can compute them in 64 bits,
/// else 0: `units x den`, `watts x den` and `units x watts` must stay below 2^64 (`num` is at
/// most `units x den`, `t^2 (3n - 2t)` at most `n^3`).
fn fast_den(units: u64, n: i64, ramp: Ramp, watts: i128) -> u64 {
    let fits = |x: Option<u128>| x.is_some_and(|x| x < u128::from(u64::MAX));
    let (Ok(n), Ok(w)) = (u128::try_from(n), u128::try_from(watts)) else {
        return 0;
    };
    let den = match ramp {
        Ramp::Linear => Some(n),
        Ramp::SCurve => n.checked_mul(n).and_then(|x| x.checked_mul(n)),
        Ramp::Step => None,
    };
    let u = u128::from(units);
    match den {
        Some(den)
            if n > 0
                && fits(Some(den))
                && fits(u.checked_mul(den))
                && fits(w.checked_mul(den))
                && fits(u.checked_mul(w)) =>
        {
            den as u64
        }
        _ => 0,
    }
}

/// Per-period sums of the tranches no entry can move.
#[derive(Clone, Debug)]
struct Base {
    gpus: Vec<i128>,
    power: Vec<i128>,
    frac: Vec<f64>,
    terms: Vec<u32>,
    exact: Vec<Num>,
}

impl Base {
    /// Adds a tranche that no sample moves, at the period ends `ends` (those before its
    /// `until`). `None` on overflow.
    fn add(&mut self, shape: &RampShape, gpu: bool, watts: i128, ends: &[i64]) -> Option<()> {
        for (p, &e) in ends.iter().enumerate() {
            if e < shape.from {
                continue;
            }
            let (num, den) = shape.sum_parts(e, e + 1)?;
            let (point, rem) = split(num, den, watts)?;
            if gpu {
                self.gpus[p] += i128::from(point.units);
            }
            self.power[p] += point.power;
            if rem != 0 {
                self.frac[p] += point.frac;
                self.terms[p] += 1;
                self.exact[p] = self.exact[p].checked_add(Num::Exact(Rational::new(rem, den)?))?;
            }
        }
        Some(())
    }
}

/// Everything a sample needs, prepared once.
#[derive(Debug)]
pub struct RiskModel {
    /// Periods computed: the whole timeline where the target sets power (when it is reached
    /// does not depend on the window), else the window.
    span: Vec<Period>,
    /// The span's index of the window's first period.
    window_start: usize,
    window_len: usize,
    /// Last day of each period of the span.
    ends: Vec<i64>,
    grid: EndIndex,
    lines: Vec<Line>,
    draws: Vec<Draw>,
    base: Base,
    /// Power whole parts are over this; kW are whole parts / `power_den`.
    power_den: i128,
    goal_kw: Option<i128>,
    /// Whether figures need 64 bits.
    wide: bool,
    /// Included tranches, and those of them that samples move (by a fixed or a random slip)
    /// or cancel (surely or by chance): the tranches at risk.
    pub tranches: usize,
    pub at_risk: usize,
    /// `slip-outside-term` warnings: entries whose slips can move a tranche outside its
    /// contract's term ([`super::risk_term`]). Samples are computed all the same.
    pub warnings: Vec<Diagnostic>,
    /// The schedule re-run per sample, where the catalog has workloads.
    demand: Option<DemandModel>,
}

/// What a run found: per period of the window, the quantiles of GPUs and power, and how many
/// samples had reached the target's power by its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskOutcome {
    pub samples: u64,
    pub seed: u64,
    pub quantiles: Vec<Quantile>,
    /// The window's periods.
    pub periods: Vec<Period>,
    /// `[period][quantile]`: GPUs online at the period's end.
    pub gpus: Vec<Vec<i128>>,
    /// `[period][quantile]`: facility power at the period's end, in kW (MW with 3 decimals).
    pub power_kw: Vec<Vec<i128>>,
    /// `[period]`: samples whose power reached the target's by the period's end; `None` where
    /// the target sets no power.
    pub reached_by: Option<Vec<u64>>,
    /// `[quantile]`: the period in which the target's power is first reached, `None` for never.
    pub reached_in: Option<Vec<Option<Period>>>,
    /// Where the catalog has workloads: the runs, the samples with every run on time and,
    /// per window period, those with a level shortfall.
    pub demand: Option<DemandOutcome>,
}

/// What the schedule re-run per sample found ([`super::risk_demand`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemandOutcome {
    pub runs: usize,
    pub counts: DemandCounts,
}

impl RiskOutcome {
    /// The chance of having reached the target's power by the end of the `p`-th window period,
    /// rounded half-even to four decimals.
    pub fn probability(&self, p: usize) -> Option<Decimal> {
        let count = self.reached_by.as_ref()?.get(p)?;
        Rational::new(i128::from(*count), i128::from(self.samples.max(1)))?.to_decimal(4)
    }
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
        let warnings = super::risk_term::leaving_term(catalog, risks, &entries);

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
        let mut base = Base {
            gpus: vec![0; n_span],
            power: vec![0; n_span],
            frac: vec![0.0; n_span],
            terms: vec![0; n_span],
            exact: vec![Num::ZERO; n_span],
        };
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
                    table: Vec::new(),
                    fast_den: fast_den(s.units, n, s.ramp, watts),
                });
                continue;
            }
            // Fixed: into the base, once.
            let shape = RampShape { from, by, ..s };
            base.add(&shape, r.gpu, watts, &ends[..p_until])
                .ok_or_else(|| err("facility power"))?;
        }
        // Ramp tables, while the budget lasts, built in parallel.
        let mut budget = TABLE_BUDGET;
        let mut wanted = Vec::with_capacity(lines.len());
        for line in &lines {
            let len = if line.ramps() && line.fast_den == 0 {
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
                line.table = (0..line.n).map(|t| line.point(t)).collect();
            });
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
        // Slips are bounded by their distributions: make sure no sample can overflow a day.
        let mut reach = vec![0i64; lines.len()];
        for d in &draws {
            if let Draw::Slip {
                line: Some(l),
                dist,
            } = d
            {
                let (lo, hi) = match *dist {
                    Dist::Uniform { lo, hi } | Dist::Triangular { lo, hi, .. } => (lo, hi),
                };
                let most = (lo.abs().max(hi.abs()) as i64).saturating_add(1);
                reach[*l] = reach[*l].saturating_add(most);
            }
        }
        for (line, r) in lines.iter().zip(&reach) {
            let bound = line.from.abs().saturating_add(line.n).saturating_add(*r);
            if bound >= i64::MAX / 4 {
                return Err(too_big("a slip"));
            }
        }
        let grid = EndIndex::new(&ends);
        let demand = DemandModel::new(catalog, timeline, filter, &supply)?;
        Ok(RiskModel {
            span,
            window_start,
            window_len,
            ends,
            grid,
            lines,
            draws,
            base,
            power_den,
            goal_kw,
            wide,
            tranches: raw.len(),
            at_risk,
            warnings,
            demand,
        })
    }

    /// The memory a run of `samples` samples keeps, in bytes: per sample, GPUs and power for
    /// every period of the window (4 or 8 bytes each), the period the target is reached in
    /// (4 bytes), and one more figure for the column being ranked. Measured: 272 bytes per
    /// sample on 33 quarters at 4 bytes, against 272 here.
    pub fn memory_bytes(&self, samples: u64) -> u128 {
        let width: u128 = if self.wide { 8 } else { 4 };
        let figures = 2 * self.window_len.max(1) as u128 + 1;
        u128::from(samples) * (figures * width + 4)
    }

    /// Checks that a run of `samples` samples keeps at most `budget` bytes
    /// ([`RiskModel::memory_bytes`]), before anything is allocated. The error says how much
    /// it would need and how many samples fit.
    pub fn check_memory(&self, samples: u64, budget: u64) -> Result<(), MemoryError> {
        let needed = self.memory_bytes(samples);
        if needed <= u128::from(budget) {
            return Ok(());
        }
        let per_sample = self.memory_bytes(1);
        Err(MemoryError {
            samples,
            periods: self.window_len,
            needed,
            budget,
            fits: u64::try_from(u128::from(budget) / per_sample).unwrap_or(u64::MAX),
        })
    }

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

    /// Power in kW of period `p`, with the fractions summed exactly.
    fn exact_kw(&self, p: usize, whole: i128, s: &Scratch) -> i128 {
        let e = self.ends[p];
        let mut f = self.base.exact[p];
        for (j, line) in self.lines.iter().enumerate() {
            if !s.alive[j] || !line.ramps() || p >= line.p_until {
                continue;
            }
            let from = line.from + s.shift[j];
            if e < from || e >= from + line.n {
                continue;
            }
            if let Some(r) = line.exact_frac(e - from) {
                f = f.checked_add(Num::Exact(r)).unwrap_or(f);
            }
        }
        let floor = f.floor().unwrap_or(0);
        round_kw(whole + floor, f.fraction().is_zero(), self.power_den)
    }
}

/// For a day `d`, the first period of the span whose last day is on or after `d`: a lookup
/// in a table over the span's days, or a binary search where the span is too long for one.
#[derive(Clone, Debug)]
struct EndIndex {
    ends: Vec<i64>,
    first: i64,
    table: Vec<u32>,
}

impl EndIndex {
    const MAX_DAYS: i64 = 1 << 20;

    fn new(ends: &[i64]) -> Self {
        let first = ends.first().copied().unwrap_or(0);
        let last = ends.last().copied().unwrap_or(0);
        let table = if last - first < Self::MAX_DAYS {
            (first..=last)
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

    fn first_ending_from(&self, d: i64) -> usize {
        if d <= self.first {
            return 0;
        }
        match self.table.get((d - self.first) as usize) {
            Some(&p) => p as usize,
            None if self.table.is_empty() => self.ends.partition_point(|&e| e < d),
            None => self.ends.len(),
        }
    }
}

/// `units x watts` of a decimal as an integer over `10^scale`.
fn scaled(watts: Decimal, scale: u32) -> Option<i128> {
    watts
        .mantissa()
        .checked_mul(crate::exact::pow10(scale.checked_sub(watts.scale())?)?)
}

/// `round_half_even((whole + f) / den)` for a fraction `0 <= f < 1` that is zero or not, with
/// `den` an even power of ten: the fraction only matters on an exact half.
fn round_kw(whole: i128, frac_is_zero: bool, den: i128) -> i128 {
    let (q, r) = match (u64::try_from(whole), u64::try_from(den)) {
        (Ok(w), Ok(d)) => (i128::from(w / d), i128::from(w % d)),
        _ => (whole.div_euclid(den), whole.rem_euclid(den)),
    };
    let half = den / 2;
    if r < half {
        q
    } else if r > half || !frac_is_zero {
        q + 1
    } else {
        q + (q & 1)
    }
}

/// A sample's working figures, reused from sample to sample.
struct Scratch {
    shift: Vec<i64>,
    alive: Vec<bool>,
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

/// How figures are kept between sampling and selection: as narrow as the catalog allows.
trait Store: Copy + Default + Ord + Send + Sync {
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

/// The values of 0-based `ranks` in `values` as if sorted, by successive selection.
fn select<T: Copy + Ord>(values: &mut [T], ranks: &[usize]) -> Vec<T> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by_key(|&i| ranks[i]);
    let mut out: Vec<Option<T>> = vec![None; ranks.len()];
    let mut lo = 0;
    let mut last: Option<(usize, T)> = None;
    for i in order {
        let k = ranks[i].min(values.len().saturating_sub(1));
        let v = match last {
            Some((lk, lv)) if lk == k => lv,
            _ => {
                let (_, v, _) = values[lo..].select_nth_unstable(k - lo);
                let v = *v;
                lo = k + 1;
                v
            }
        };
        last = Some((k, v));
        out[i] = Some(v);
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantile {
        text.parse().unwrap()
    }

    #[test]
    fn percentiles_parse_from_0_to_100_with_four_decimals() {
        assert_eq!(q("10").label(), "p10");
        assert_eq!(q(" 97.50 ").label(), "p97.5");
        assert_eq!(q("0").label(), "p0");
        assert_eq!(q("100").label(), "p100");
        for bad in ["", "-1", "100.01", "abc", "1e1", "12.34567", "+5", "5%"] {
            assert!(bad.parse::<Quantile>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nearest_rank_is_the_ceiling_of_the_share_at_least_one() {
        assert_eq!(q("0").rank(10), 1);
        assert_eq!(q("10").rank(10), 1);
        assert_eq!(q("10.01").rank(10), 2);
        assert_eq!(q("50").rank(10), 5);
        assert_eq!(q("90").rank(10), 9);
        assert_eq!(q("100").rank(10), 10);
        assert_eq!(q("50").rank(1), 1);
        assert_eq!(q("99.9").rank(10_000_000), 9_990_000);
    }

    #[test]
    fn selection_matches_sorting() {
        let mut values: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 1009).collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let ranks = [899, 0, 499, 499, 999, 100];
        let got = select(&mut values, &ranks);
        let want: Vec<u32> = ranks.iter().map(|&r| sorted[r]).collect();
        assert_eq!(got, want);
    }

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

    #[test]
    fn rounding_to_the_kilowatt_is_half_even_on_the_exact_value() {
        // 2.5 kW exactly: to even; a hair above: up.
        assert_eq!(round_kw(25_000, true, 10_000), 2);
        assert_eq!(round_kw(25_000, false, 10_000), 3);
        assert_eq!(round_kw(35_000, true, 10_000), 4);
        assert_eq!(round_kw(34_999, false, 10_000), 3);
        assert_eq!(round_kw(35_001, true, 10_000), 4);
        let big = i128::from(u64::MAX) * 10;
        assert_eq!(round_kw(big, true, 10), i128::from(u64::MAX));
    }

    #[test]
    fn fast_points_match_the_exact_figures() {
        for ramp in [Ramp::Linear, Ramp::SCurve] {
            for (units, n, watts) in [
                (999, 100, 1200),
                (1000, 7, 3),
                (200_000, 540, 23_400),
                (1, 2, 1),
            ] {
                let den = fast_den(units, n, ramp, watts);
                assert_ne!(den, 0);
                let line = Line {
                    gpu: true,
                    units,
                    full_power: i128::from(units) * watts,
                    watts,
                    from: 0,
                    n,
                    ramp,
                    p_until: 0,
                    table: Vec::new(),
                    fast_den: den,
                };
                for t in 0..n {
                    let (num, d) = ramp_parts(units, n, ramp, t).unwrap();
                    let (want, _) = split(num, d, watts).unwrap();
                    let got = line.fast_point(t);
                    assert_eq!(
                        (got.units, got.power, got.frac.to_bits()),
                        (want.units, want.power, want.frac.to_bits()),
                        "{ramp:?} {units} {n} {watts} t={t}"
                    );
                }
            }
        }
        // Past 64 bits: no fast path.
        assert_eq!(fast_den(u64::MAX / 2, 1000, Ramp::Linear, 10), 0);
        assert_eq!(fast_den(1, 3_000_000, Ramp::SCurve, 10), 0);
        assert_eq!(fast_den(1, 10, Ramp::Step, 10), 0);
    }

    #[test]
    fn ramp_points_split_whole_and_fraction() {
        // 999 units over 100 days at 1,200 W (watts over 10^0): day 1 has 9.99 units.
        let (num, den) = ramp_parts(999, 100, Ramp::Linear, 1).unwrap();
        let (p, r) = split(num, den, 1200).unwrap();
        assert_eq!(p.units, 9);
        assert_eq!(p.power, 11_988);
        assert_eq!(r, 0);
        let (num, den) = ramp_parts(1000, 7, Ramp::SCurve, 3).unwrap();
        let (p, r) = split(num, den, 1).unwrap();
        // 1000 * 9 * (21 - 6) / 343 = 135000 / 343 = 393 + 201/343.
        assert_eq!((p.units, p.power, r), (393, 393, 201));
        assert!((p.frac - 201.0 / 343.0).abs() < 1e-15);
    }
}
