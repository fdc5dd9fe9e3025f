//! CI gates: `--fail-if EXPR`, repeatable, on every report command but `compare` and
//! `sensitivity`. The report is written first; then, if any condition holds, capplan says which
//! on stderr and exits with code 3.
//!
//! Grammar (spaces are allowed around the operator):
//!
//! ```text
//! gate      := metric "@" period op value      gw@2027Q4<10   spend@2026>60B
//!            | "target-met" op period          target-met>2030Q4
//!            | "runs-missed" op value          runs-missed>0               (with demand)
//!            | "unattributed-usd" op value     unattributed-usd>0          (actuals, burn)
//!            | "shortfall-usd" op value        shortfall-usd>1B            (burn)
//! metric    := figure
//!            | "delta-" figure                 delta-gw@2026Q4<-0.5        (diff only)
//!            | "p" N "-" (gw | mw | gpus)      p50-gw@2028Q4<15            (risk only)
//!            | "probability"                   probability@2030Q4<0.5      (risk only)
//! figure    := gw | mw | gpus | cpus | h100e | spend | cumulative-spend
//!            | shortfall | utilization                                  (with demand)
//! period    := a period label (2027Q4, 2027-10, 2027, FY2027Q2) or a date
//! op        := < | <= | > | >= | == | !=
//! value     := a number, optionally negative, with an optional K, M, B or T suffix:
//!              10, 2.5, 60B, 1.4T, -0.5, -5B
//! ```
//!
//! `gw` and `mw` are facility power at the period's end, `gpus` and `cpus` units online at its
//! end, `h100e` H100-equivalents online at its end (at `--precision`; not a `delta-` figure), `spend` the period's spend and `cumulative-spend` spend from the contracts' starts to the
//! period's end, all for the report's catalog, scenarios and filters, over every group.
//! With demand (docs/demand.md), `shortfall` is the level need not served in the period, in
//! H100e-hours, `utilization` the share of supply served, in percent, and `runs-missed` the
//! number of runs short of their work at their deadline.
//! `target-met` compares the period in which the report's target is met with the one given; a
//! target never met counts as later than any period.
//!
//! On `diff`, `delta-FIGURE` is the change of the figure from OLD to NEW (NEW minus OLD, so
//! `delta-gw@2026Q4<-0.5` holds when NEW has more than half a gigawatt less than OLD at the end of
//! 2026Q4); a plain figure and `target-met` are NEW's.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::catalog::value::parse_money;
use crate::catalog::{Catalog, Target};
use crate::engine::risk::RiskOutcome;
use crate::engine::{
    self, Bound, By, CapacityCell, EngineError, Filter, Grid, GroupBy, Period, PeriodError,
    Timeline,
};

/// A figure a gate can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Gw,
    Mw,
    Gpus,
    Cpus,
    /// H100-equivalents online at the period's end, at the report's precision.
    H100e,
    /// The level demand not served in the period, in H100e-hours.
    Shortfall,
    /// Served over supply in the period, in percent.
    Utilization,
    Spend,
    CumulativeSpend,
    /// A quantile of a risk run, such as P50 of GW.
    Quantile(u8, Base),
    /// The probability, from a risk run, of having reached the target's power by then.
    Probability,
    /// The change of a plain figure from OLD to NEW, from `diff`: one of [`DELTA_OF`].
    Delta(&'static Metric),
}

/// The figures whose change `diff` gates can test, as `delta-gw` and so on.
pub static DELTA_OF: [Metric; 6] = [
    Metric::Gw,
    Metric::Mw,
    Metric::Gpus,
    Metric::Cpus,
    Metric::Spend,
    Metric::CumulativeSpend,
];

/// The figure a risk quantile is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    Gw,
    Mw,
    Gpus,
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = |b: &Base| match b {
            Base::Gw => "gw",
            Base::Mw => "mw",
            Base::Gpus => "gpus",
        };
        match self {
            Metric::Gw => f.write_str("gw"),
            Metric::Mw => f.write_str("mw"),
            Metric::Gpus => f.write_str("gpus"),
            Metric::Cpus => f.write_str("cpus"),
            Metric::H100e => f.write_str("h100e"),
            Metric::Shortfall => f.write_str("shortfall"),
            Metric::Utilization => f.write_str("utilization"),
            Metric::Spend => f.write_str("spend"),
            Metric::CumulativeSpend => f.write_str("cumulative-spend"),
            Metric::Quantile(p, b) => write!(f, "p{p}-{}", base(b)),
            Metric::Probability => f.write_str("probability"),
            Metric::Delta(m) => write!(f, "delta-{m}"),
        }
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    fn holds(self, o: Ordering) -> bool {
        match self {
            Op::Lt => o.is_lt(),
            Op::Le => o.is_le(),
            Op::Gt => o.is_gt(),
            Op::Ge => o.is_ge(),
            Op::Eq => o.is_eq(),
            Op::Ne => o.is_ne(),
        }
    }
}

/// One parsed `--fail-if`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gate {
    /// As written, for messages.
    pub text: String,
    pub condition: Condition,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    At {
        metric: Metric,
        period: String,
        op: Op,
        value: Decimal,
    },
    TargetMet {
        op: Op,
        period: String,
    },
    /// How many runs miss their deadline.
    RunsMissed {
        op: Op,
        value: Decimal,
    },
    /// A dollar figure of the actuals: `unattributed-usd` or `shortfall-usd`.
    Usd {
        figure: UsdFigure,
        op: Op,
        value: Decimal,
    },
}

/// The dollar figures of the actuals that gates test (docs/actuals.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsdFigure {
    /// Cost in rows that no contract claims (`actuals`, `burn`).
    Unattributed,
    /// The portfolio's projected shortfall at term end (`burn`).
    Shortfall,
}

impl UsdFigure {
    pub fn name(self) -> &'static str {
        match self {
            UsdFigure::Unattributed => "unattributed-usd",
            UsdFigure::Shortfall => "shortfall-usd",
        }
    }
}

const OPS: &[(&str, Op)] = &[
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("<", Op::Lt),
    (">", Op::Gt),
];

fn split_op(text: &str) -> Option<(&str, Op, &str)> {
    let i = text.find(['<', '>', '=', '!'])?;
    let (left, rest) = text.split_at(i);
    let (sym, op) = OPS.iter().find(|(sym, _)| rest.starts_with(sym))?;
    Some((left.trim(), *op, rest[sym.len()..].trim()))
}

fn parse_metric(text: &str) -> Result<Metric, String> {
    if let Some(figure) = text.strip_prefix("delta-") {
        let inner = parse_metric(figure).ok();
        return DELTA_OF
            .iter()
            .find(|m| Some(**m) == inner)
            .map(Metric::Delta)
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a metric: `delta-` takes gw, mw, gpus, cpus, spend or cumulative-spend"
                )
            });
    }
    Ok(match text {
        "gw" => Metric::Gw,
        "mw" => Metric::Mw,
        "gpus" => Metric::Gpus,
        "cpus" => Metric::Cpus,
        "h100e" => Metric::H100e,
        "shortfall" => Metric::Shortfall,
        "utilization" => Metric::Utilization,
        "spend" => Metric::Spend,
        "cumulative-spend" | "cum-spend" => Metric::CumulativeSpend,
        "probability" => Metric::Probability,
        other => {
            let q = other
                .strip_prefix('p')
                .and_then(|rest| rest.split_once('-'));
            let Some((n, base)) = q else {
                return Err(format!(
                    "`{other}` is not a metric: expected gw, mw, gpus, cpus, h100e, shortfall, utilization, spend, cumulative-spend, delta-FIGURE, pN-gw, pN-mw, pN-gpus or probability"
                ));
            };
            let n: u8 = n
                .parse()
                .ok()
                .filter(|n| *n <= 100)
                .ok_or_else(|| format!("`p{n}` is not a quantile from p0 to p100"))?;
            let base = match base {
                "gw" => Base::Gw,
                "mw" => Base::Mw,
                "gpus" => Base::Gpus,
                b => return Err(format!("`p{n}-{b}`: a quantile is of gw, mw or gpus")),
            };
            Metric::Quantile(n, base)
        }
    })
}

impl FromStr for Gate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim();
        let (left, op, right) = split_op(t).ok_or_else(|| {
            format!("`{t}` has no comparison: write METRIC@PERIOD<VALUE (also <=, >, >=, ==, !=) or target-met>PERIOD")
        })?;
        if right.is_empty() {
            return Err(format!("`{t}` has nothing to compare with"));
        }
        let condition = if left == "target-met" {
            Condition::TargetMet {
                op,
                period: right.to_owned(),
            }
        } else if let Some(figure) = [UsdFigure::Unattributed, UsdFigure::Shortfall]
            .into_iter()
            .find(|f| f.name() == left)
        {
            let value = parse_money(right).map_err(|_| format!("`{right}` is not an amount"))?;
            Condition::Usd { figure, op, value }
        } else if left == "runs-missed" {
            let value =
                parse_money(right).map_err(|_| format!("`{right}` is not a number of runs"))?;
            Condition::RunsMissed { op, value }
        } else {
            let (metric, period) = left.split_once('@').ok_or_else(|| {
                format!("`{left}` needs a period: write METRIC@PERIOD, such as gw@2027Q4")
            })?;
            let metric = parse_metric(metric.trim())?;
            let period = period.trim();
            if period.is_empty() {
                return Err(format!("`{left}` needs a period after `@`"));
            }
            let value = parse_money(right).map_err(|_| {
                format!("`{right}` is not a number (a leading `-` and a K, M, B or T suffix are allowed)")
            })?;
            Condition::At {
                metric,
                period: period.to_owned(),
                op,
                value,
            }
        };
        Ok(Gate {
            text: t.to_owned(),
            condition,
        })
    }
}

/// What gates read: the figures of the report just written.
pub trait Figures {
    /// The metric's value in a period, or `None` where this report has no such figure (a risk
    /// quantile on a plan, a period outside the projection).
    fn value(&self, metric: Metric, period: &Period) -> Option<Decimal>;
    /// The period in which the target is met: `Some(None)` if never, `None` without a target.
    fn target_met(&self) -> Option<Option<Period>>;
    /// How many runs miss their deadline, or `None` where the report has no demand.
    fn runs_missed(&self) -> Option<usize> {
        None
    }
    /// A dollar figure of the actuals, or `None` where the report has none.
    fn usd(&self, _figure: UsdFigure) -> Option<Decimal> {
        None
    }
}

/// Why a gate could not be evaluated; exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateError(pub String);

/// The period a gate names: a label's own period (`2026Q1` is that quarter even in a yearly
/// report), or the period of the report's grid that holds a date.
fn resolve(grid: &Grid, text: &str) -> Result<Period, GateError> {
    let bad = |e: PeriodError| GateError(format!("--fail-if: {e}"));
    match grid.parse_bound(text).map_err(bad)? {
        Bound::Span(start, end) => {
            let months =
                (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
            let by = match months {
                1 => By::Month,
                3 => By::Quarter,
                _ => By::Year,
            };
            let own = Grid::new(by, grid.fy_start_month);
            own.period_at(start)
                .ok_or_else(|| GateError(format!("--fail-if: `{text}` is out of range")))
        }
        Bound::Date(d) => grid
            .period_of(d)
            .ok_or_else(|| GateError(format!("--fail-if: `{text}` is out of range"))),
    }
}

/// Evaluates every gate; returns the messages of those whose condition holds.
pub fn evaluate(
    gates: &[Gate],
    grid: &Grid,
    figures: &dyn Figures,
) -> Result<Vec<String>, GateError> {
    let mut tripped = Vec::new();
    for gate in gates {
        match &gate.condition {
            Condition::At {
                metric,
                period,
                op,
                value,
            } => {
                let p = resolve(grid, period)?;
                let actual = figures.value(*metric, &p).ok_or_else(|| {
                    GateError(format!(
                        "--fail-if `{}`: this report has no `{metric}` for {}",
                        gate.text, p.label
                    ))
                })?;
                if op.holds(actual.cmp(value)) {
                    tripped.push(format!(
                        "`{}` holds: {metric} at {} is {}",
                        gate.text,
                        p.label,
                        actual.normalize()
                    ));
                }
            }
            Condition::RunsMissed { op, value } => {
                let missed = figures.runs_missed().ok_or_else(|| {
                    GateError(format!(
                        "--fail-if `{}`: this report has no demand; add `demand.toml` or give `--demand FILE`",
                        gate.text
                    ))
                })?;
                if op.holds(Decimal::from(missed).cmp(value)) {
                    let runs = if missed == 1 { "run" } else { "runs" };
                    tripped.push(format!("`{}` holds: {missed} {runs} missed", gate.text));
                }
            }
            Condition::Usd { figure, op, value } => {
                let actual = figures.usd(*figure).ok_or_else(|| {
                    GateError(format!(
                        "--fail-if `{}`: {} is a figure of {}",
                        gate.text,
                        figure.name(),
                        match figure {
                            UsdFigure::Unattributed => "`actuals` and `burn`",
                            UsdFigure::Shortfall => "`burn`",
                        }
                    ))
                })?;
                if op.holds(actual.cmp(value)) {
                    tripped.push(format!(
                        "`{}` holds: {} is {}",
                        gate.text,
                        figure.name(),
                        crate::catalog::value::format_money_exact(actual)
                    ));
                }
            }
            Condition::TargetMet { op, period } => {
                let p = resolve(grid, period)?;
                let met = figures.target_met().ok_or_else(|| {
                    GateError(format!(
                        "--fail-if `{}`: this report has no target to be met",
                        gate.text
                    ))
                })?;
                // Never met is later than any period.
                let order = match &met {
                    Some(m) => m.start.cmp(&p.start),
                    None => Ordering::Greater,
                };
                if op.holds(order) {
                    let when =
                        met.map_or("never met".to_owned(), |m| format!("met in {}", m.label));
                    tripped.push(format!("`{}` holds: the target is {when}", gate.text));
                }
            }
        }
    }
    Ok(tripped)
}

/// Whether a goal holds and the figure it tests, in words (`gw at 2030Q4 is 30.5`, `the target
/// is met in 2031Q2`), for `solve`. A figure the report does not have is an error.
pub fn goal(gate: &Gate, grid: &Grid, figures: &dyn Figures) -> Result<(bool, String), GateError> {
    let holds = !evaluate(std::slice::from_ref(gate), grid, figures)?.is_empty();
    let figure = match &gate.condition {
        Condition::At { metric, period, .. } => {
            let p = resolve(grid, period)?;
            let v = figures.value(*metric, &p).ok_or_else(|| {
                GateError(format!("`{}`: no `{metric}` for {}", gate.text, p.label))
            })?;
            let shown = match metric {
                Metric::Spend | Metric::CumulativeSpend => {
                    crate::catalog::value::format_money_exact(v)
                }
                Metric::Gw => format!("{} GW", v.normalize()),
                Metric::Mw => format!("{} MW", v.normalize()),
                _ => v.normalize().to_string(),
            };
            format!("{metric} at {} is {shown}", p.label)
        }
        Condition::RunsMissed { .. } => match figures.runs_missed() {
            Some(missed) => format!(
                "{missed} {} missed",
                if missed == 1 { "run" } else { "runs" }
            ),
            None => {
                return Err(GateError(format!(
                    "`{}`: there is no demand whose runs could be missed",
                    gate.text
                )));
            }
        },
        Condition::Usd { figure, .. } => match figures.usd(*figure) {
            Some(v) => format!(
                "{} is {}",
                figure.name(),
                crate::catalog::value::format_money_exact(v)
            ),
            None => {
                return Err(GateError(format!(
                    "`{}`: there are no actuals here",
                    gate.text
                )));
            }
        },
        Condition::TargetMet { .. } => match figures.target_met() {
            Some(Some(p)) => format!("the target is met in {}", p.label),
            Some(None) => "the target is never met".to_owned(),
            None => {
                return Err(GateError(format!(
                    "`{}`: the catalog has no target to be met",
                    gate.text
                )));
            }
        },
    };
    Ok((holds, figure))
}

/// The figures of `plan`, `capacity`, `spend` and `contracts`: totals of the report's catalog,
/// scenarios and filters, computed for each period length a gate asks for.
pub struct Totals<'a> {
    catalog: &'a Catalog,
    filter: &'a Filter,
    target: Option<&'a Target>,
    /// The report's window, for the extent of each grid's timeline.
    window: (NaiveDate, NaiveDate),
    by_grid: RefCell<BTreeMap<By, Result<Series, EngineError>>>,
}

/// Totals on one grid.
struct Series {
    timeline: Timeline,
    /// With demand: the schedule on this grid.
    schedule: Option<crate::engine::schedule::Schedule>,
    capacity: Vec<CapacityCell>,
    spend: Vec<i128>,
    cumulative: Vec<i128>,
}

impl<'a> Totals<'a> {
    pub fn new(
        catalog: &'a Catalog,
        timeline: &Timeline,
        filter: &'a Filter,
        target: Option<&'a Target>,
    ) -> Self {
        let window = timeline.window_periods();
        let window = match (window.first(), window.last()) {
            (Some(a), Some(b)) => (a.start, b.end),
            _ => (
                catalog.portfolio.horizon_start,
                catalog.portfolio.horizon_end,
            ),
        };
        Totals {
            catalog,
            filter,
            target,
            window,
            by_grid: RefCell::new(BTreeMap::new()),
        }
    }

    fn series(&self, by: By) -> Result<Series, EngineError> {
        let grid = Grid::new(by, self.catalog.portfolio.fiscal_year_start_month);
        let timeline = Timeline::new(self.catalog, grid, self.window.0, self.window.1);
        let whole = Timeline {
            window: 0..timeline.periods.len(),
            ..timeline.clone()
        };
        let capacity = engine::capacity(self.catalog, &whole, GroupBy::Total, self.filter)?
            .values
            .swap_remove(0);
        let spend = engine::spend(self.catalog, &whole, GroupBy::Total, self.filter)?
            .values
            .swap_remove(0);
        let cumulative = engine::cumulative(&spend);
        let schedule = if self.catalog.workloads.is_empty() {
            None
        } else {
            Some(crate::engine::schedule::schedule(
                self.catalog,
                &whole,
                self.filter,
            )?)
        };
        Ok(Series {
            schedule,
            timeline: whole,
            capacity,
            spend,
            cumulative,
        })
    }

    /// Computes, once, the totals on every grid the gates need; an overflow is an error.
    pub fn prepare(
        &self,
        gates: &[Gate],
        grid: &Grid,
    ) -> Result<Result<(), EngineError>, GateError> {
        for gate in gates {
            let by = match &gate.condition {
                Condition::RunsMissed { .. } | Condition::Usd { .. } => grid.by,
                Condition::At { period, .. } | Condition::TargetMet { period, .. } => {
                    let p = resolve(grid, period)?;
                    let days = p.days();
                    if days <= 31 {
                        By::Month
                    } else if days <= 92 {
                        By::Quarter
                    } else {
                        By::Year
                    }
                }
            };
            let mut cache = self.by_grid.borrow_mut();
            let series = cache.entry(by).or_insert_with(|| self.series(by));
            if let Err(e) = series {
                return Ok(Err(e.clone()));
            }
        }
        Ok(Ok(()))
    }
}

impl Totals<'_> {
    /// What a target is measured on, spend and power per period of every grid computed so
    /// far: two projections with the same fingerprint meet every target alike.
    pub fn fingerprint(&self) -> Vec<i128> {
        let cache = self.by_grid.borrow();
        let mut out = Vec::new();
        for s in cache.values().filter_map(|s| s.as_ref().ok()) {
            out.extend(&s.spend);
            out.extend(s.capacity.iter().map(|c| c.power_kw));
        }
        out
    }
}

impl Figures for Totals<'_> {
    fn value(&self, metric: Metric, period: &Period) -> Option<Decimal> {
        let cache = self.by_grid.borrow();
        let s = cache
            .values()
            .filter_map(|s| s.as_ref().ok())
            .find(|s| s.timeline.periods.iter().any(|q| q == period))?;
        let p = s.timeline.periods.iter().position(|q| q == period)?;
        let c = s.capacity.get(p)?;
        Some(match metric {
            Metric::Gw => c.power_mw() / Decimal::from(1000),
            Metric::Mw => c.power_mw(),
            Metric::Gpus => Decimal::from_i128_with_scale(c.gpus, 0),
            Metric::Cpus => Decimal::from_i128_with_scale(c.cpus, 0),
            Metric::H100e => Decimal::from_i128_with_scale(c.h100e, 0),
            Metric::Shortfall => {
                let schedule = s.schedule.as_ref()?;
                let hours = crate::report::schedule::shortfall_hours(schedule, p).ok()?;
                Decimal::from_i128_with_scale(hours, 0)
            }
            Metric::Utilization => {
                let sums = s.schedule.as_ref()?.periods.get(p)?;
                let total = |v: &[crate::engine::num::Num]| {
                    v.iter()
                        .try_fold(crate::engine::num::Num::ZERO, |a, b| a.checked_add(*b))
                };
                crate::engine::schedule::utilization(
                    total(&sums.served_by_pool)?,
                    total(&sums.supply)?,
                )?
            }
            Metric::Spend => engine::dollars(s.spend[p]),
            Metric::CumulativeSpend => engine::dollars(s.cumulative[p]),
            Metric::Quantile(..) | Metric::Probability | Metric::Delta(_) => return None,
        })
    }

    fn runs_missed(&self) -> Option<usize> {
        let cache = self.by_grid.borrow();
        let s = cache.values().find_map(|s| s.as_ref().ok())?;
        Some(
            s.schedule
                .as_ref()?
                .runs
                .iter()
                .filter(|r| r.missed)
                .count(),
        )
    }

    fn target_met(&self) -> Option<Option<Period>> {
        let target = self.target?;
        let cache = self.by_grid.borrow();
        let s = cache.values().find_map(|s| s.as_ref().ok())?;
        let power: Vec<i128> = s.capacity.iter().map(|c| c.power_kw).collect();
        let h100e =
            engine::target_h100e(self.catalog, &s.timeline, self.filter, &s.capacity).ok()?;
        Some(engine::target_status(target, &s.timeline, &power, &h100e, &s.spend).met_in)
    }
}

/// The figures of `diff`: `delta-` metrics are NEW's totals minus OLD's; plain metrics and
/// `target-met` are NEW's.
pub struct Change<'a> {
    pub old: Totals<'a>,
    pub new: Totals<'a>,
}

impl Change<'_> {
    /// Computes, once, the totals of both catalogs on every grid the gates need.
    pub fn prepare(
        &self,
        gates: &[Gate],
        grid: &Grid,
    ) -> Result<Result<(), EngineError>, GateError> {
        match self.old.prepare(gates, grid)? {
            Ok(()) => self.new.prepare(gates, grid),
            Err(e) => Ok(Err(e)),
        }
    }
}

impl Figures for Change<'_> {
    fn value(&self, metric: Metric, period: &Period) -> Option<Decimal> {
        match metric {
            Metric::Delta(m) => Some(self.new.value(*m, period)? - self.old.value(*m, period)?),
            m => self.new.value(m, period),
        }
    }

    fn target_met(&self) -> Option<Option<Period>> {
        self.new.target_met()
    }
}

/// The figures of `risk`: quantiles and probabilities on the run's own periods.
impl Figures for RiskOutcome {
    fn value(&self, metric: Metric, period: &Period) -> Option<Decimal> {
        let p = self.periods.iter().position(|q| q == period)?;
        match metric {
            Metric::Quantile(n, base) => {
                let i = self
                    .quantiles
                    .iter()
                    .position(|q| q.percent() == Decimal::from(n))?;
                let kw = || Decimal::try_from_i128_with_scale(self.power_kw[p][i], 3).ok();
                match base {
                    Base::Gpus => Some(Decimal::from_i128_with_scale(self.gpus[p][i], 0)),
                    Base::Mw => kw(),
                    Base::Gw => kw().map(|mw| mw / Decimal::from(1000)),
                }
            }
            Metric::Probability => self.probability(p),
            _ => None,
        }
    }

    fn target_met(&self) -> Option<Option<Period>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_parse_every_form() {
        let g: Gate = "gw@2027Q4<10".parse().unwrap();
        assert_eq!(
            g.condition,
            Condition::At {
                metric: Metric::Gw,
                period: "2027Q4".into(),
                op: Op::Lt,
                value: Decimal::from(10)
            }
        );
        let g: Gate = "spend@2026 > 60B".parse().unwrap();
        assert!(matches!(
            g.condition,
            Condition::At {
                metric: Metric::Spend,
                op: Op::Gt,
                ..
            }
        ));
        let g: Gate = "target-met>2030Q4".parse().unwrap();
        assert_eq!(
            g.condition,
            Condition::TargetMet {
                op: Op::Gt,
                period: "2030Q4".into()
            }
        );
        let g: Gate = "p50-gw@2028Q4<=15".parse().unwrap();
        assert!(matches!(
            g.condition,
            Condition::At {
                metric: Metric::Quantile(50, Base::Gw),
                op: Op::Le,
                ..
            }
        ));
        let g: Gate = "delta-gw@2026Q4<-0.5".parse().unwrap();
        assert_eq!(
            g.condition,
            Condition::At {
                metric: Metric::Delta(&Metric::Gw),
                period: "2026Q4".into(),
                op: Op::Lt,
                value: Decimal::new(-5, 1)
            }
        );
        let g: Gate = "delta-cumulative-spend@2027 >= -5B".parse().unwrap();
        assert_eq!(
            g.condition,
            Condition::At {
                metric: Metric::Delta(&Metric::CumulativeSpend),
                period: "2027".into(),
                op: Op::Ge,
                value: Decimal::from(-5_000_000_000_i64)
            }
        );
        assert_eq!(g.text, "delta-cumulative-spend@2027 >= -5B");
        for (text, shown) in [
            ("delta-gw@2026Q4<=-0.5", "delta-gw"),
            ("delta-mw@2026Q4!=0", "delta-mw"),
            ("delta-gpus@2026Q4>-1K", "delta-gpus"),
            ("delta-cpus@2026Q4==0", "delta-cpus"),
            ("delta-spend@2027>5B", "delta-spend"),
            ("delta-cum-spend@2027<0", "delta-cumulative-spend"),
        ] {
            let g: Gate = text.parse().unwrap();
            let Condition::At { metric, .. } = g.condition else {
                panic!("{text}")
            };
            assert_eq!(metric.to_string(), shown);
        }
        for bad in [
            "",
            "gw",
            "gw<10",
            "gw@<10",
            "gw@2027Q4<",
            "watts@2027Q4<1",
            "p150-gw@2027Q4<1",
            "p50-cpus@2027Q4<1",
            "gw@2027Q4<ten",
            "gw@2027Q4=>10",
            "delta-probability@2027Q4<1",
            "delta-p50-gw@2027Q4<1",
            "delta-delta-gw@2027Q4<1",
            "delta-gw@2027Q4<--1",
            "delta-gw@2027Q4<-",
        ] {
            assert!(bad.parse::<Gate>().is_err(), "{bad}");
        }
    }
}
