//! Evaluating gates over a report's figures: [`evaluate()`], [`goal()`], and the [`Figures`] of
//! one catalog ([`Totals`]), of two ([`Change`]) and of a risk run.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::catalog::{Catalog, Target};
use crate::engine::risk::RiskOutcome;
use crate::engine::{
    self, Bound, By, CapacityCell, EngineError, Filter, Grid, GroupBy, Period, PeriodError,
    Timeline,
};

use super::*;

/// The length of a period: a month, a quarter or a year.
fn length_of(period: &Period) -> By {
    match period.days() {
        ..=31 => By::Month,
        32..=92 => By::Quarter,
        _ => By::Year,
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
                // On the grid of the period named, so that `target-met<=2028` compares years
                // whatever other gates are given.
                let met = figures.target_met(length_of(&p)).ok_or_else(|| {
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
                Metric::Figure(Figure::Spend) | Metric::Figure(Figure::CumulativeSpend) => {
                    crate::catalog::value::format_money_exact(v)
                }
                Metric::Figure(Figure::Gw) => format!("{} GW", v.normalize()),
                Metric::Figure(Figure::Mw) => format!("{} MW", v.normalize()),
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
        Condition::TargetMet { period, .. } => {
            match figures.target_met(length_of(&resolve(grid, period)?)) {
                Some(Some(p)) => format!("the target is met in {}", p.label),
                Some(None) => "the target is never met".to_owned(),
                None => {
                    return Err(GateError(format!(
                        "`{}`: the catalog has no target to be met",
                        gate.text
                    )));
                }
            }
        }
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
                    length_of(&resolve(grid, period)?)
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
            Metric::Figure(Figure::Gw) => c.power_mw() / Decimal::from(1000),
            Metric::Figure(Figure::Mw) => c.power_mw(),
            Metric::Figure(Figure::Gpus) => Decimal::from_i128_with_scale(c.gpus, 0),
            Metric::Figure(Figure::Cpus) => Decimal::from_i128_with_scale(c.cpus, 0),
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
            Metric::Figure(Figure::Spend) => engine::dollars(s.spend[p]),
            Metric::Figure(Figure::CumulativeSpend) => engine::dollars(s.cumulative[p]),
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

    fn target_met(&self, by: By) -> Option<Option<Period>> {
        let target = self.target?;
        let cache = self.by_grid.borrow();
        let s = cache.get(&by)?.as_ref().ok()?;
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
            Metric::Delta(f) => Some(
                self.new.value(Metric::Figure(f), period)?
                    - self.old.value(Metric::Figure(f), period)?,
            ),
            m => self.new.value(m, period),
        }
    }

    fn target_met(&self, by: By) -> Option<Option<Period>> {
        self.new.target_met(by)
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

    fn target_met(&self, _: By) -> Option<Option<Period>> {
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
                metric: Metric::Figure(Figure::Gw),
                period: "2027Q4".into(),
                op: Op::Lt,
                value: Decimal::from(10)
            }
        );
        let g: Gate = "spend@2026 > 60B".parse().unwrap();
        assert!(matches!(
            g.condition,
            Condition::At {
                metric: Metric::Figure(Figure::Spend),
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
                metric: Metric::Delta(Figure::Gw),
                period: "2026Q4".into(),
                op: Op::Lt,
                value: Decimal::new(-5, 1)
            }
        );
        let g: Gate = "delta-cumulative-spend@2027 >= -5B".parse().unwrap();
        assert_eq!(
            g.condition,
            Condition::At {
                metric: Metric::Delta(Figure::CumulativeSpend),
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
