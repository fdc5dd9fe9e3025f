//! The documents of `capplan schedule`: supply, served, idle and shortfall per period and group,
//! and the run table (docs/demand.md).

use serde_json::json;

use crate::catalog::value::group_thousands;
use crate::engine::num::Num;
use crate::engine::schedule::{self, Schedule};
use crate::engine::{EngineError, dollars};
use crate::report::build::Context;
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};

/// What the rows of a schedule are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleGroup {
    Total,
    Workload,
    Hardware,
}

impl ScheduleGroup {
    pub fn name(self) -> &'static str {
        match self {
            ScheduleGroup::Total => "total",
            ScheduleGroup::Workload => "workload",
            ScheduleGroup::Hardware => "hardware",
        }
    }
}

fn too_big() -> EngineError {
    EngineError {
        contract: String::new(),
        what: "a schedule figure",
    }
}

fn sum(values: &[Num]) -> Result<Num, EngineError> {
    values
        .iter()
        .try_fold(Num::ZERO, |a, v| a.checked_add(*v))
        .ok_or_else(too_big)
}

/// One row's figures: each exact sum, and what is blank for the group.
struct Row {
    supply: Option<Num>,
    served: Num,
    shortfall: Option<Num>,
    idle_usd: Option<Num>,
}

fn cells(row: &Row) -> Result<Vec<Cell>, EngineError> {
    let hours = |n: Num| schedule::hours(n).ok_or_else(too_big);
    let served = hours(row.served)?;
    let (supply, idle, utilization) = match row.supply {
        Some(s) => {
            let supply = hours(s)?;
            (
                Cell::Count(supply),
                Cell::Count(supply - served),
                schedule::utilization(row.served, s).map_or(Cell::Null, Cell::Decimal),
            )
        }
        None => (Cell::Null, Cell::Null, Cell::Null),
    };
    let shortfall = match row.shortfall {
        Some(s) => Cell::Count(hours(s)?),
        None => Cell::Null,
    };
    let idle_usd = match row.idle_usd {
        Some(u) => Cell::Decimal(dollars(schedule::idle_cents(u).ok_or_else(too_big)?)),
        None => Cell::Null,
    };
    Ok(vec![
        supply,
        Cell::Count(served),
        idle,
        shortfall,
        utilization,
        idle_usd,
    ])
}

/// The `demand` summary line: workloads, runs on time, peak level shortfall, utilization.
pub fn demand_item(ctx: &Context<'_>, s: &Schedule) -> Result<SummaryItem, EngineError> {
    let window = ctx.timeline.window.clone();
    let mut peak: Option<(i128, usize)> = None;
    let (mut supply, mut served) = (Num::ZERO, Num::ZERO);
    for p in window {
        let sums = &s.periods[p];
        let short = schedule::hours(sum(&sums.shortfall)?).ok_or_else(too_big)?;
        if short > 0 && peak.is_none_or(|(best, _)| short > best) {
            peak = Some((short, p));
        }
        supply = supply.checked_add(sum(&sums.supply)?).ok_or_else(too_big)?;
        served = served
            .checked_add(sum(&sums.served_by_pool)?)
            .ok_or_else(too_big)?;
    }
    let on_time = s.runs.iter().filter(|r| !r.missed).count();
    let utilization = schedule::utilization(served, supply);
    let shortfall = match peak {
        Some((h, p)) => format!(
            "peak level shortfall {} H100e-hours in {}",
            group_thousands(&h.to_string()),
            ctx.timeline.periods[p].label
        ),
        None => "no level shortfall".to_owned(),
    };
    let text = format!(
        "{} workload{}; {shortfall}; runs on time {on_time} of {}; utilization {}",
        s.workloads.len(),
        if s.workloads.len() == 1 { "" } else { "s" },
        s.runs.len(),
        utilization.map_or_else(|| "-".to_owned(), |u| format!("{u:.2}%"))
    );
    Ok(SummaryItem {
        key: "demand".into(),
        label: "demand".into(),
        text,
        json: json!({
            "workloads": s.workloads.len(),
            "peak_shortfall_h100e_hours": peak.map(|(h, _)| i64::try_from(h).unwrap_or(i64::MAX)),
            "peak_shortfall_period": peak.map(|(_, p)| ctx.timeline.periods[p].label.clone()),
            "runs": s.runs.len(),
            "runs_on_time": on_time,
            "utilization_pct": utilization.map(|u| format!("{u:.2}")),
        }),
    })
}

/// The shortfall of level demand per period, in H100e-hours, over every workload.
pub fn shortfall_hours(s: &Schedule, p: usize) -> Result<i128, EngineError> {
    schedule::hours(sum(&s.periods[p].shortfall)?).ok_or_else(too_big)
}

/// The level shortfall of `catalog`'s demand in H100e-hours, per period of `timeline`: what
/// `compare` and `diff` set side by side.
pub fn shortfall_by_period(
    catalog: &crate::catalog::Catalog,
    timeline: &crate::engine::Timeline,
    filter: &crate::engine::Filter,
) -> Result<Vec<i128>, EngineError> {
    let s = schedule::schedule(catalog, timeline, filter)?;
    (0..timeline.periods.len())
        .map(|p| shortfall_hours(&s, p))
        .collect()
}

/// `capplan schedule`: per period and group.
pub fn periods(
    ctx: &Context<'_>,
    s: &Schedule,
    by: ScheduleGroup,
) -> Result<Document, EngineError> {
    let columns = vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date),
        Column::new("end", "end", Kind::Date),
        Column::new("group", "group", Kind::Text),
        Column::new("supply_h100e_hours", "supply H100e-h", Kind::Count),
        Column::new("served_h100e_hours", "served H100e-h", Kind::Count),
        Column::new("idle_h100e_hours", "idle H100e-h", Kind::Count),
        Column::new("shortfall_h100e_hours", "shortfall H100e-h", Kind::Count),
        Column::new("utilization_pct", "utilization", Kind::Pct),
        Column::new("idle_usd", "idle $", Kind::Money),
    ];
    let mut rows = Vec::new();
    for p in ctx.timeline.window.clone() {
        let period = &ctx.timeline.periods[p];
        let sums = &s.periods[p];
        let groups: Vec<(String, Row)> = match by {
            ScheduleGroup::Total => vec![(
                "total".to_owned(),
                Row {
                    supply: Some(sum(&sums.supply)?),
                    served: sum(&sums.served_by_pool)?,
                    shortfall: Some(sum(&sums.shortfall)?),
                    idle_usd: Some(sum(&sums.idle_usd)?),
                },
            )],
            ScheduleGroup::Hardware => (0..s.pools.len())
                .map(|h| {
                    (
                        s.pools[h].clone(),
                        Row {
                            supply: Some(sums.supply[h]),
                            served: sums.served_by_pool[h],
                            shortfall: None,
                            idle_usd: Some(sums.idle_usd[h]),
                        },
                    )
                })
                .collect(),
            ScheduleGroup::Workload => (0..s.workloads.len())
                .map(|w| {
                    (
                        s.workloads[w].clone(),
                        Row {
                            supply: None,
                            served: sums.served[w],
                            shortfall: (!s.is_run[w]).then_some(sums.shortfall[w]),
                            idle_usd: None,
                        },
                    )
                })
                .collect(),
        };
        for (name, row) in groups {
            let mut out = vec![
                Cell::Text(period.label.clone()),
                Cell::Date(period.start),
                Cell::Date(period.end),
                Cell::Text(name),
            ];
            out.extend(cells(&row)?);
            rows.push(out);
        }
    }
    Ok(Document {
        report: "schedule",
        by: Some(ctx.timeline.grid.by.name()),
        group_by: Some(by.name()),
        scenarios: ctx.scenarios.clone(),
        title: None,
        summary: vec![demand_item(ctx, s)?],
        columns,
        rows,
    })
}

/// `capplan schedule --runs`: one row per run.
pub fn runs(ctx: &Context<'_>, s: &Schedule) -> Result<Document, EngineError> {
    let columns = vec![
        Column::new("workload", "run", Kind::Text),
        Column::new("start", "start", Kind::Date),
        Column::new("finish", "finish", Kind::Date),
        Column::new("need_h100e_hours", "need H100e-h", Kind::Count),
        Column::new("served_h100e_hours", "served H100e-h", Kind::Count),
        Column::new("status", "status", Kind::Text),
        Column::new("shortfall_h100e_hours", "shortfall H100e-h", Kind::Count),
    ];
    let mut rows = Vec::new();
    for r in &s.runs {
        let need = r.need_hours.round_half_even().ok_or_else(too_big)?;
        let served = r.served_hours.round_half_even().ok_or_else(too_big)?;
        let date = |d: Option<chrono::NaiveDate>| d.map_or(Cell::Null, Cell::Date);
        rows.push(vec![
            Cell::Text(r.id.clone()),
            date(r.start),
            date(r.finish),
            Cell::Count(need),
            Cell::Count(served),
            Cell::Text(if r.missed { "missed" } else { "on-time" }.to_owned()),
            if r.missed {
                Cell::Count(need - served)
            } else {
                Cell::Null
            },
        ]);
    }
    Ok(Document {
        report: "schedule-runs",
        by: None,
        group_by: Some("run"),
        scenarios: ctx.scenarios.clone(),
        title: None,
        summary: vec![demand_item(ctx, s)?],
        columns,
        rows,
    })
}

/// What a chart of the schedule is drawn from: the periods by workload and in total.
pub fn chart_documents(
    ctx: &Context<'_>,
    s: &Schedule,
) -> Result<(Document, Document), EngineError> {
    Ok((
        periods(ctx, s, ScheduleGroup::Workload)?,
        periods(ctx, s, ScheduleGroup::Total)?,
    ))
}
