//! Builds the documents of `compare` and `sensitivity`.
//!
//! `compare` has one row per period and group, the baseline first, then each scenario in the
//! order given; every row carries its figures and their differences from the baseline's, which
//! are zero on the baseline's own rows, so the series of every group are complete and a program
//! never has to subtract. Tables leave out `start`, `end` and the per-period spend difference
//! (the cumulative difference carries it) to stay within 100 columns.
//!
//! `sensitivity` has one row per contract, ranked by the larger absolute difference that its
//! delay or its scale makes to the metric, then by id; a variant that would make the contract
//! invalid is not applicable (`null` in JSON, `n/a` in tables), and the summary says why.

use std::cmp::Reverse;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::catalog::value::{Duration, format_money_short, group_thousands};
use crate::catalog::{Catalog, Target};
use crate::engine::metric::Metric;
use crate::engine::{self, By, EngineError, Filter, GroupBy, Period, TargetStatus, Timeline};
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};

/// One column of `compare`: the baseline or a scenario applied alone to it.
pub struct Group<'a> {
    /// `baseline`, or the scenario's name.
    pub name: String,
    pub catalog: &'a Catalog,
}

/// Totals of one group over the whole timeline.
pub(crate) struct Totals {
    pub(crate) gpus: Vec<i128>,
    pub(crate) cpus: Vec<i128>,
    pub(crate) power_kw: Vec<i128>,
    /// H100e at the portfolio's default precision, for `h100e` targets.
    pub(crate) h100e: Vec<i128>,
    pub(crate) spend: Vec<i128>,
    pub(crate) cumulative: Vec<i128>,
}

pub(crate) fn totals(
    catalog: &Catalog,
    timeline: &Timeline,
    filter: &Filter,
) -> Result<Totals, EngineError> {
    // Capacity over the whole timeline, not only the window: when a target is met does not
    // depend on the rows shown.
    let whole = Timeline {
        window: 0..timeline.periods.len(),
        ..timeline.clone()
    };
    let cap = engine::capacity(catalog, &whole, GroupBy::Total, filter)?;
    let spend = engine::spend(catalog, &whole, GroupBy::Total, filter)?;
    let cap = &cap.values[0];
    let spend = spend.values[0].clone();
    let h100e = engine::target_h100e(catalog, &whole, filter, cap)?;
    Ok(Totals {
        h100e,
        gpus: cap.iter().map(|c| c.gpus).collect(),
        cpus: cap.iter().map(|c| c.cpus).collect(),
        power_kw: cap.iter().map(|c| c.power_kw).collect(),
        cumulative: engine::cumulative(&spend),
        spend,
    })
}

pub(crate) fn mw(kw: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(kw, 3).unwrap_or(Decimal::MAX)
}

pub(crate) fn label(p: &Option<Period>) -> Option<String> {
    p.as_ref().map(|p| p.label.clone())
}

/// When one group meets a target, in words: `met in 2029Q2`, `not met (power reached 2029Q1)`.
pub(crate) fn status_text(target: &Target, status: &TargetStatus) -> String {
    match (&status.met_in, status.met_by_deadline, target.by) {
        (Some(p), Some(false), Some(by)) => format!("met in {}, after {by}", p.label),
        (Some(p), _, _) => format!("met in {}", p.label),
        (None, _, _) => {
            let head = "not met";
            // Where the target sets both figures, say which one was reached.
            let reached = match (&status.power_met_in, &status.spend_met_in) {
                (Some(p), None) if target.spend_usd.is_some() => Some(("power", p)),
                (None, Some(p)) if target.power_gw.is_some() => Some(("spend", p)),
                _ => None,
            };
            match reached {
                Some((what, p)) => format!("{head} ({what} reached {})", p.label),
                None => head.to_owned(),
            }
        }
    }
}

/// `capplan compare`: the baseline and each scenario per period, with differences, and when
/// each of `targets` is met in each.
pub fn compare(
    groups: &[Group<'_>],
    timeline: &Timeline,
    filter: &Filter,
    targets: &[&Target],
) -> Result<Document, EngineError> {
    let all: Vec<Totals> = groups
        .iter()
        .map(|g| totals(g.catalog, timeline, filter))
        .collect::<Result<_, _>>()?;
    let columns = vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date).data_only(),
        Column::new("end", "end", Kind::Date).data_only(),
        Column::new("group", "group", Kind::Text),
        Column::new("gpus", "GPUs", Kind::Count),
        Column::new("power_mw", "GW", Kind::MwAsGw),
        Column::new("spend_usd", "spend", Kind::Money),
        Column::new("cumulative_spend_usd", "cumul.", Kind::Money),
        Column::new("delta_gpus", "Δ GPUs", Kind::Count).signed(),
        Column::new("delta_power_mw", "Δ GW", Kind::MwAsGw).signed(),
        Column::new("delta_spend_usd", "Δ spend", Kind::Money)
            .signed()
            .data_only(),
        Column::new("delta_cumulative_spend_usd", "Δ cumul.", Kind::Money).signed(),
    ];
    // With demand on either side, each group's schedule: its level shortfall per period.
    let schedules = if groups.iter().any(|g| !g.catalog.workloads.is_empty()) {
        let shortfall = |g: &Group<'_>| {
            crate::report::schedule::shortfall_by_period(g.catalog, timeline, filter)
        };
        Some(
            groups
                .iter()
                .map(shortfall)
                .collect::<Result<Vec<_>, _>>()?,
        )
    } else {
        None
    };
    let mut columns = columns;
    if schedules.is_some() {
        columns.push(Column::new(
            "shortfall_h100e_hours",
            "shortfall H100e-h",
            Kind::Count,
        ));
        columns
            .push(Column::new("delta_shortfall_h100e_hours", "Δ shortfall", Kind::Count).signed());
    }
    let base = &all[0];
    let mut rows = Vec::new();
    for p in timeline.window.clone() {
        let period = &timeline.periods[p];
        for (i, (g, t)) in groups.iter().zip(&all).enumerate() {
            let demand = schedules.as_ref().map(|all| {
                let short = all[i][p];
                [Cell::Count(short), Cell::Count(short - all[0][p])]
            });
            rows.push(vec![
                Cell::Text(period.label.clone()),
                Cell::Date(period.start),
                Cell::Date(period.end),
                Cell::Text(g.name.clone()),
                Cell::Count(t.gpus[p]),
                Cell::Decimal(mw(t.power_kw[p])),
                Cell::Decimal(engine::dollars(t.spend[p])),
                Cell::Decimal(engine::dollars(t.cumulative[p])),
                Cell::Count(t.gpus[p] - base.gpus[p]),
                Cell::Decimal(mw(t.power_kw[p] - base.power_kw[p])),
                Cell::Decimal(engine::dollars(t.spend[p] - base.spend[p])),
                Cell::Decimal(engine::dollars(t.cumulative[p] - base.cumulative[p])),
            ]);
            if let (Some(cells), Some(row)) = (demand, rows.last_mut()) {
                row.extend(cells);
            }
        }
    }

    let names: Vec<&str> = groups.iter().skip(1).map(|g| g.name.as_str()).collect();
    let mut summary = vec![SummaryItem {
        key: "compared".into(),
        label: "compared".into(),
        text: format!(
            "the baseline and {} scenario{}, each applied alone to it: {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
        json: json!({"baseline": "baseline", "scenarios": names}),
    }];
    // One line per group, so that the groups read down like the table's rows.
    for (g, t) in groups.iter().zip(&all) {
        let mut parts = Vec::new();
        let mut by_target = serde_json::Map::new();
        for target in targets {
            let status = engine::target_status(target, timeline, &t.power_kw, &t.h100e, &t.spend);
            parts.push(format!("{} {}", target.id, status_text(target, &status)));
            by_target.insert(
                target.id.clone(),
                json!({"met_in": label(&status.met_in), "met_by_deadline": status.met_by_deadline,
                    "spend_met_in": label(&status.spend_met_in), "power_met_in": label(&status.power_met_in)}),
            );
        }
        if !targets.is_empty() {
            summary.push(SummaryItem {
                key: format!("targets_met:{}", g.name),
                label: g.name.clone(),
                text: parts.join("; "),
                json: Value::Object(by_target),
            });
        }
    }
    Ok(Document {
        report: "compare",
        by: Some(timeline.grid.by.name()),
        group_by: Some("scenario"),
        scenarios: names.iter().map(|s| (*s).to_owned()).collect(),
        title: Some(groups[0].catalog.portfolio.name.clone()),
        summary,
        columns,
        rows,
    })
}

/// One contract of `sensitivity`: the metric with its delay and with its scale, where the
/// variant is valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SensitivityRow {
    pub contract: String,
    pub provider: String,
    pub delayed: Option<i128>,
    pub scaled: Option<i128>,
}

/// A variant that would make its contract invalid, and the first reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotApplicable {
    pub contract: String,
    /// `delay` or `scale`.
    pub shift: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// Everything `sensitivity` shows.
pub struct Sensitivity {
    pub title: String,
    pub scenarios: Vec<String>,
    pub metric: Metric,
    pub by: By,
    pub period: Period,
    /// The metric with no contract changed: kW, units or cents.
    pub baseline: i128,
    pub delay: Duration,
    pub scale: Decimal,
    pub rows: Vec<SensitivityRow>,
    pub not_applicable: Vec<NotApplicable>,
}

fn metric_kind(metric: Metric) -> Kind {
    match metric {
        Metric::Gw => Kind::MwAsGw,
        Metric::Mw => Kind::Mw,
        Metric::Gpus | Metric::Cpus => Kind::Count,
        Metric::Spend | Metric::CumulativeSpend => Kind::Money,
    }
}

fn metric_cell(metric: Metric, value: Option<i128>) -> Cell {
    match (value, metric) {
        (None, _) => Cell::NotApplicable,
        (Some(v), Metric::Gw | Metric::Mw) => Cell::Decimal(mw(v)),
        (Some(v), Metric::Gpus | Metric::Cpus) => Cell::Count(v),
        (Some(v), _) => Cell::Decimal(engine::dollars(v)),
    }
}

/// The metric for people: `15.57 GW`, `5,719,932`, `$351.67B`.
fn metric_text(metric: Metric, value: i128) -> String {
    match metric {
        Metric::Gw => format!("{:.2} GW", (mw(value) / Decimal::from(1000)).round_dp(2)),
        Metric::Mw => {
            let text = format!("{:.3}", mw(value));
            let (whole, frac) = text.split_once('.').unwrap_or((&text, "000"));
            format!("{}.{frac} MW", group_thousands(whole))
        }
        Metric::Gpus => format!("{} GPUs", group_thousands(&value.to_string())),
        Metric::Cpus => format!("{} CPUs", group_thousands(&value.to_string())),
        Metric::Spend | Metric::CumulativeSpend => format_money_short(engine::dollars(value)),
    }
}

/// The metric as JSON: a string of MW or dollars, or an integer count.
fn metric_json(metric: Metric, value: i128) -> Value {
    match metric {
        Metric::Gw | Metric::Mw => json!(format!("{:.3}", mw(value))),
        Metric::Gpus | Metric::Cpus => json!(i64::try_from(value).unwrap_or(i64::MAX)),
        Metric::Spend | Metric::CumulativeSpend => {
            json!(format!("{:.2}", engine::dollars(value)))
        }
    }
}

fn date(d: NaiveDate) -> String {
    d.to_string()
}

/// The largest absolute difference a row's variants make.
fn max_abs(row: &SensitivityRow, baseline: i128) -> Option<i128> {
    [row.delayed, row.scaled]
        .into_iter()
        .flatten()
        .map(|v| (v - baseline).abs())
        .max()
}

/// `capplan sensitivity`: the contracts ranked by how much their delay or scale moves the metric.
pub fn sensitivity(s: &Sensitivity) -> Document {
    let kind = metric_kind(s.metric);
    let columns = vec![
        Column::new("contract", "contract", Kind::Text),
        Column::new("provider", "provider", Kind::Text),
        Column::new("baseline", "baseline", kind).data_only(),
        Column::new("delayed", "delayed", kind),
        Column::new("delay_delta", "Δ delay", kind).signed(),
        Column::new("scaled", "scaled", kind),
        Column::new("scale_delta", "Δ scale", kind).signed(),
        Column::new("max_abs_delta", "max abs Δ", kind),
    ];
    let mut order: Vec<&SensitivityRow> = s.rows.iter().collect();
    order.sort_by_key(|r| {
        (
            Reverse(max_abs(r, s.baseline).map_or(-1, |d| d)),
            r.contract.as_str(),
        )
    });
    let delta = |v: Option<i128>| v.map(|v| v - s.baseline);
    let rows = order
        .into_iter()
        .map(|r| {
            vec![
                Cell::Text(r.contract.clone()),
                Cell::Text(r.provider.clone()),
                metric_cell(s.metric, Some(s.baseline)),
                metric_cell(s.metric, r.delayed),
                metric_cell(s.metric, delta(r.delayed)),
                metric_cell(s.metric, r.scaled),
                metric_cell(s.metric, delta(r.scaled)),
                metric_cell(s.metric, max_abs(r, s.baseline)),
            ]
        })
        .collect();

    let unit = match s.metric {
        Metric::Gw | Metric::Mw => "MW",
        Metric::Gpus | Metric::Cpus => "units",
        Metric::Spend | Metric::CumulativeSpend => "USD",
    };
    let mut summary = vec![
        SummaryItem {
            key: "metric".into(),
            label: "metric".into(),
            text: format!(
                "{} at {}, {}: {}",
                s.metric,
                s.period.label,
                s.metric.description(),
                metric_text(s.metric, s.baseline)
            ),
            json: json!({"name": s.metric.name(), "period": s.period.label, "start": date(s.period.start),
                "end": date(s.period.end), "unit": unit, "baseline": metric_json(s.metric, s.baseline)}),
        },
        SummaryItem {
            key: "variants".into(),
            label: "variants".into(),
            text: format!(
                "each of {} contract{} alone: all its tranches delayed {}; its units and value scaled by {}",
                s.rows.len(),
                if s.rows.len() == 1 { "" } else { "s" },
                s.delay,
                s.scale
            ),
            json: json!({"contracts": s.rows.len(), "delay": s.delay.to_string(), "scale": s.scale.to_string()}),
        },
    ];
    if !s.scenarios.is_empty() {
        let names: Vec<String> = s.scenarios.iter().map(|n| format!("`{n}`")).collect();
        summary.insert(
            0,
            SummaryItem {
                key: "applied".into(),
                label: "applied".into(),
                text: format!("measured on the catalog under {}", names.join(" then ")),
                json: json!(s.scenarios),
            },
        );
    }
    if !s.not_applicable.is_empty() {
        // One clause per shift and reason, naming a few contracts: JSON has every message.
        let mut clauses: Vec<(&str, &str, Vec<&str>)> = Vec::new();
        for n in &s.not_applicable {
            match clauses
                .iter_mut()
                .find(|(shift, code, _)| *shift == n.shift && *code == n.code)
            {
                Some((_, _, ids)) => ids.push(&n.contract),
                None => clauses.push((n.shift, n.code, vec![&n.contract])),
            }
        }
        let text: Vec<String> = clauses
            .iter()
            .map(|(shift, code, ids)| {
                const SHOWN: usize = 3;
                let names: Vec<String> =
                    ids.iter().take(SHOWN).map(|id| format!("`{id}`")).collect();
                let mut names = names.join(", ");
                if ids.len() > SHOWN {
                    names.push_str(&format!(" and {} more", ids.len() - SHOWN));
                }
                let variant = if *shift == "delay" {
                    "delayed"
                } else {
                    "scaled"
                };
                format!(
                    "{} {variant} contract{} would be invalid (`{code}`): {names}",
                    ids.len(),
                    if ids.len() == 1 { "" } else { "s" },
                )
            })
            .collect();
        let json: Vec<Value> = s
            .not_applicable
            .iter()
            .map(|n| json!({"contract": n.contract, "shift": n.shift, "code": n.code, "message": n.message}))
            .collect();
        summary.push(SummaryItem {
            key: "not_applicable".into(),
            label: "n/a".into(),
            text: text.join("; "),
            json: Value::Array(json),
        });
    }
    Document {
        report: "sensitivity",
        by: Some(s.by.name()),
        group_by: Some("contract"),
        scenarios: s.scenarios.clone(),
        title: Some(s.title.clone()),
        summary,
        columns,
        rows,
    }
}
