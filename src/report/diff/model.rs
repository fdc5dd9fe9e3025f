//! What `capplan diff` compares: both catalogs' totals per period, when each target is met on
//! each side, and how spend moved, computed once into a [`Diff`].

use crate::catalog::diff::CatalogDiff;
use crate::catalog::{Catalog, Target};
use crate::engine::{self, By, EngineError, Filter, Period, TargetStatus, Timeline};
use crate::report::compare::{status_text, totals};

/// One catalog of the diff, and how messages name it.
pub struct Side<'a> {
    pub label: String,
    pub catalog: &'a Catalog,
}

/// Totals of one catalog in one period: units, kW, cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub gpus: i128,
    pub cpus: i128,
    pub power_kw: i128,
    pub spend: i128,
    pub cumulative: i128,
    /// The level demand not served, in H100e-hours; zero without demand.
    pub shortfall: i128,
}

impl Figures {
    fn minus(self, o: Figures) -> Figures {
        Figures {
            gpus: self.gpus - o.gpus,
            cpus: self.cpus - o.cpus,
            power_kw: self.power_kw - o.power_kw,
            spend: self.spend - o.spend,
            cumulative: self.cumulative - o.cumulative,
            shortfall: self.shortfall - o.shortfall,
        }
    }
}

/// Both catalogs' totals in one period of the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodDelta {
    pub period: Period,
    pub old: Figures,
    pub new: Figures,
}

impl PeriodDelta {
    pub fn delta(&self) -> Figures {
        self.new.minus(self.old)
    }

    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// When one target is met on each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetChange {
    pub id: String,
    /// NEW's status, and in words.
    pub new: TargetStatus,
    pub new_text: String,
    /// OLD's, where OLD has a target of that id.
    pub old: Option<(TargetStatus, String)>,
}

impl TargetChange {
    pub fn changed(&self) -> bool {
        self.old
            .as_ref()
            .is_none_or(|(_, text)| *text != self.new_text)
    }
}

/// How spend moved over the whole timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpendMove {
    /// NEW's total minus OLD's, in cents.
    pub net: i128,
    /// Every period whose spend changed, in timeline order, with NEW's minus OLD's cents.
    pub moves: Vec<(String, i128)>,
}

/// Where spend moved when its total did not: NEW's spend falls behind OLD's (`later`) or runs
/// ahead of it (`earlier`) by at most `amount`, first reached in the period `peak`; `from` are
/// the periods that lose spend on the way there, `to` those that make it up after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    pub later: bool,
    pub amount: i128,
    pub peak: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

impl SpendMove {
    /// The shift, where the total is unchanged and some spend moved.
    pub fn shift(&self) -> Option<Shift> {
        if self.net != 0 || self.moves.is_empty() {
            return None;
        }
        let running =
            crate::engine::cumulative(&self.moves.iter().map(|(_, c)| *c).collect::<Vec<_>>());
        // The first of the largest: `max_by_key` keeps the last, so look from the end.
        let peak = (0..running.len()).rev().max_by_key(|&i| running[i].abs())?;
        let later = running[peak] < 0;
        let pick = |range: &mut dyn Iterator<Item = usize>, negative: bool| {
            range
                .filter(|&i| (self.moves[i].1 < 0) == negative)
                .map(|i| self.moves[i].0.clone())
                .collect::<Vec<_>>()
        };
        Some(Shift {
            later,
            amount: running[peak].abs(),
            peak: self.moves[peak].0.clone(),
            from: pick(&mut (0..=peak), later),
            to: pick(&mut (peak + 1..self.moves.len()), !later),
        })
    }
}

/// Everything `diff` shows.
pub struct Diff {
    /// NEW's portfolio name.
    pub title: String,
    pub old: String,
    pub new: String,
    pub by: By,
    pub catalog: CatalogDiff,
    /// Every period of the window.
    pub periods: Vec<PeriodDelta>,
    /// Whether tables show unchanged periods too.
    pub all_periods: bool,
    pub targets: Vec<TargetChange>,
    pub spend: SpendMove,
    /// Whether either side has demand: tables then show the level shortfall.
    pub demand: bool,
}

/// Compares `old` with `new` on `timeline` (which must cover both catalogs' contracts), for
/// `targets` of NEW.
pub fn diff(
    old: &Side<'_>,
    new: &Side<'_>,
    timeline: &Timeline,
    filter: &Filter,
    targets: &[&Target],
    all_periods: bool,
) -> Result<Diff, EngineError> {
    let o = totals(old.catalog, timeline, filter)?;
    let n = totals(new.catalog, timeline, filter)?;
    // With demand on either side, each side's level shortfall per period.
    let demand = !old.catalog.workloads.is_empty() || !new.catalog.workloads.is_empty();
    let shortfall = |c: &Catalog| -> Result<Vec<i128>, EngineError> {
        if !demand {
            return Ok(vec![0; timeline.periods.len()]);
        }
        crate::report::schedule::shortfall_by_period(c, timeline, filter)
    };
    let (o_short, n_short) = (shortfall(old.catalog)?, shortfall(new.catalog)?);
    let at = |t: &crate::report::compare::Totals, short: &[i128], p: usize| Figures {
        gpus: t.gpus[p],
        cpus: t.cpus[p],
        power_kw: t.power_kw[p],
        spend: t.spend[p],
        cumulative: t.cumulative[p],
        shortfall: short[p],
    };
    let periods = timeline
        .window
        .clone()
        .map(|p| PeriodDelta {
            period: timeline.periods[p].clone(),
            old: at(&o, &o_short, p),
            new: at(&n, &n_short, p),
        })
        .collect();
    let mut spend = SpendMove::default();
    for (p, period) in timeline.periods.iter().enumerate() {
        let d = n.spend[p] - o.spend[p];
        spend.net += d;
        if d != 0 {
            spend.moves.push((period.label.clone(), d));
        }
    }
    let targets = targets
        .iter()
        .map(|t| {
            let status = engine::target_status(t, timeline, &n.power_kw, &n.h100e, &n.spend);
            let old = old.catalog.target(&t.id).map(|ot| {
                let s = engine::target_status(ot, timeline, &o.power_kw, &o.h100e, &o.spend);
                let text = status_text(ot, &s);
                (s, text)
            });
            TargetChange {
                id: t.id.clone(),
                new_text: status_text(t, &status),
                new: status,
                old,
            }
        })
        .collect();
    Ok(Diff {
        title: new.catalog.portfolio.name.clone(),
        old: old.label.clone(),
        new: new.label.clone(),
        by: timeline.grid.by,
        catalog: crate::catalog::diff::diff(old.catalog, new.catalog),
        periods,
        all_periods,
        targets,
        spend,
        demand,
    })
}

impl Diff {
    /// Whether anything differs: a file, a figure or a target.
    pub fn is_empty(&self) -> bool {
        self.catalog.is_empty()
            && self.spend.moves.is_empty()
            && !self.periods.iter().any(PeriodDelta::changed)
            && !self.targets.iter().any(TargetChange::changed)
    }

    /// The periods the tables show.
    pub fn shown(&self) -> impl Iterator<Item = &PeriodDelta> {
        self.periods
            .iter()
            .filter(|p| self.all_periods || p.changed())
    }
}
