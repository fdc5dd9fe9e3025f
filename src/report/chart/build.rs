//! Charts made from the reports' documents: capacity, spend, risk, schedule and comparison
//! charts, and the published figures marked on them.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{Chart, ChartError, Layer, Series, Unit};
use crate::catalog::value::{format_money_short, group_thousands};
use crate::catalog::{Observation, Target};
use crate::report::document::{Cell, Document};

/// The figure of a cell as a double, for drawing.
fn number(cell: &Cell) -> f64 {
    match cell {
        Cell::Count(n) => *n as f64,
        Cell::Decimal(d) => d.to_f64().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn column(doc: &Document, name: &str) -> Result<usize, ChartError> {
    doc.columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| ChartError::MissingColumn(name.to_owned()))
}

/// The period labels of `doc` in order, and one series per group of the values of `value`
/// times `scale`, groups in order of first appearance.
pub fn pivot(
    doc: &Document,
    value: &str,
    scale: f64,
) -> Result<(Vec<String>, Vec<Series>), ChartError> {
    let (p, g, v) = (
        column(doc, "period")?,
        column(doc, "group")?,
        column(doc, value)?,
    );
    let mut labels: Vec<String> = Vec::new();
    let mut series: Vec<Series> = Vec::new();
    for row in &doc.rows {
        let text = |c: &Cell| match c {
            Cell::Text(s) => s.clone(),
            _ => String::new(),
        };
        let (period, group) = (text(&row[p]), text(&row[g]));
        if labels.last() != Some(&period) {
            labels.push(period);
        }
        let i = match series.iter().position(|s| s.name == group) {
            Some(i) => i,
            None => {
                series.push(Series {
                    name: group,
                    values: Vec::new(),
                });
                series.len() - 1
            }
        };
        let values = &mut series[i].values;
        // A group missing from earlier periods is zero there.
        values.resize(labels.len() - 1, 0.0);
        values.push(number(&row[v]) * scale);
    }
    for s in &mut series {
        s.values.resize(labels.len(), 0.0);
    }
    Ok((labels, series))
}

fn period_name(doc: &Document) -> String {
    doc.by.unwrap_or("period").to_owned()
}

fn subtitle(doc: &Document, what: &str) -> String {
    let by = doc.by.map(|b| format!("by {b}")).unwrap_or_default();
    let scenarios = if doc.scenarios.is_empty() {
        String::new()
    } else {
        format!("; scenario {}", doc.scenarios.join(" then "))
    };
    format!("{what} {by}{scenarios}")
}

fn decimal(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The line of a target's facility power, if it sets one.
fn power_target(target: Option<&Target>) -> Option<Layer> {
    let t = target?;
    let gw = t.power_gw?;
    Some(Layer::Reference {
        name: format!("target {} ({} GW)", t.id, gw.normalize()),
        value: decimal(gw),
    })
}

/// The figures of the observations of `measure`, as `(day, value)` in the unit its chart draws.
pub fn observed_figures(
    observed: &[Observation],
    measure: crate::catalog::Measure,
) -> Vec<(NaiveDate, f64)> {
    observed
        .iter()
        .filter(|o| o.measure == measure)
        .map(|o| (o.date, decimal(o.value)))
        .collect()
}

/// Adds published figures `(day, value)` to a chart of `doc` as markers, each where its day
/// falls along the period axis (a period's figure is drawn at its end, so a figure of a period's
/// last day sits on it). Figures outside the periods drawn are left out, and so is a layer
/// with none.
pub fn mark_observed(chart: &mut Chart, doc: &Document, figures: &[(NaiveDate, f64)]) {
    let (Ok(p), Ok(s), Ok(e)) = (
        column(doc, "period"),
        column(doc, "start"),
        column(doc, "end"),
    ) else {
        return;
    };
    let mut periods: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut last_label = None;
    for row in &doc.rows {
        if let (Cell::Text(label), Cell::Date(start), Cell::Date(end)) = (&row[p], &row[s], &row[e])
            && last_label != Some(label)
        {
            periods.push((*start, *end));
            last_label = Some(label);
        }
    }
    let mut points = Vec::new();
    for &(day, value) in figures {
        let Some(i) = periods.iter().position(|(a, b)| *a <= day && day < *b) else {
            continue;
        };
        let (a, b) = periods[i];
        let through = ((day - a).num_days() + 1) as f64 / (b - a).num_days().max(1) as f64;
        let x = i as f64 - 1.0 + through;
        if x >= 0.0 {
            points.push((x, value));
        }
    }
    if !points.is_empty() {
        chart.layers.push(Layer::Markers {
            name: "published figures (observed)".to_owned(),
            points,
        });
    }
}

/// What a capacity or comparison chart measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Facility power, in GW.
    Gw,
    /// GPUs online.
    Gpus,
    /// H100-equivalents online (capacity charts only).
    H100e,
    /// Cumulative spend (comparisons only).
    CumulativeSpend,
}

/// Capacity of a `capacity` report by provider or hardware as stacked areas, with the target's
/// power as a line when the measure is power.
pub fn capacity(
    doc: &Document,
    measure: Measure,
    target: Option<&Target>,
) -> Result<Chart, ChartError> {
    let (labels, series, y_desc, unit) = match measure {
        Measure::Gpus => {
            let (l, s) = pivot(doc, "gpus", 1.0)?;
            (l, s, "GPUs online at the period's end", Unit::Count)
        }
        Measure::H100e => {
            let (l, s) = pivot(doc, "h100e", 1.0)?;
            (
                l,
                s,
                "H100-equivalents online at the period's end",
                Unit::Count,
            )
        }
        _ => {
            let (l, s) = pivot(doc, "power_mw", 1e-3)?;
            (l, s, "facility power at the period's end (GW)", Unit::Gw)
        }
    };
    // A group with nothing to show, such as CPUs in a chart of GPUs, would only crowd the legend.
    let series = series
        .into_iter()
        .filter(|s| s.values.iter().any(|v| *v != 0.0))
        .collect();
    let mut layers = vec![Layer::Stack(series)];
    match measure {
        Measure::Gw => layers.extend(power_target(target)),
        Measure::H100e => layers.extend(target.and_then(|t| {
            let goal = t.h100e?;
            Some(Layer::Reference {
                name: format!(
                    "target {} ({} H100e)",
                    t.id,
                    group_thousands(&goal.to_string())
                ),
                value: goal as f64,
            })
        })),
        _ => {}
    }
    let by = doc.group_by.unwrap_or("group");
    Ok(Chart {
        title: match measure {
            Measure::Gpus => format!("GPUs online by {by}"),
            Measure::H100e => format!("Compute in H100-equivalents by {by}"),
            _ => format!("Facility power by {by}"),
        },
        subtitle: subtitle(doc, "capacity"),
        x_desc: period_name(doc),
        y_desc: y_desc.to_owned(),
        y_unit: unit,
        labels,
        layers,
    })
}

/// Cumulative spend of a `spend` report by group as stacked areas, with one line per target
/// that sets `spend_usd`.
pub fn spend(doc: &Document, targets: &[Target]) -> Result<Chart, ChartError> {
    let (labels, series) = pivot(doc, "cumulative_spend_usd", 1.0)?;
    let mut layers = vec![Layer::Stack(series)];
    for t in targets {
        if let Some(usd) = t.spend_usd {
            layers.push(Layer::Reference {
                name: format!("target {} ({})", t.id, format_money_short(usd)),
                value: decimal(usd),
            });
        }
    }
    if let Some(x) = as_of_x(doc) {
        let as_of = doc
            .summary
            .iter()
            .find(|s| s.key == "reforecast")
            .and_then(|s| s.json["as_of"].as_str())
            .unwrap_or_default();
        layers.push(Layer::Vertical {
            name: format!("as of {as_of}: actual before, re-forecast after"),
            x,
        });
    }
    Ok(Chart {
        title: format!("Cumulative spend by {}", doc.group_by.unwrap_or("group")),
        subtitle: subtitle(doc, "spend"),
        x_desc: period_name(doc),
        y_desc: "cumulative spend (USD)".to_owned(),
        y_unit: Unit::Usd,
        labels,
        layers,
    })
}

/// Where a re-forecast's `as_of` falls on the x axis: each period's figure stands at its end,
/// so a day `f` of the way through period `i` is at `i - 1 + f`. `None` without a re-forecast.
fn as_of_x(doc: &Document) -> Option<f64> {
    let as_of: chrono::NaiveDate =
        doc.summary.iter().find(|s| s.key == "reforecast")?.json["as_of"]
            .as_str()?
            .parse()
            .ok()?;
    let (p, s, e) = (
        column(doc, "period").ok()?,
        column(doc, "start").ok()?,
        column(doc, "end").ok()?,
    );
    let mut labels: Vec<&Cell> = Vec::new();
    for row in &doc.rows {
        if labels.last() != Some(&&row[p]) {
            labels.push(&row[p]);
            if let (Cell::Date(start), Cell::Date(end)) = (&row[s], &row[e])
                && *start <= as_of
                && as_of < *end
            {
                let i = labels.len() - 1;
                let f = (as_of - *start).num_days() as f64 / (*end - *start).num_days() as f64;
                return Some((i as f64 - 1.0 + f).max(0.0));
            }
        }
    }
    None
}

/// The fan of a `risk` report: the band between its lowest and highest quantile of power, the
/// median (or middle quantile) as a line, and the target's power.
pub fn risk(doc: &Document, target: Option<&Target>) -> Result<Chart, ChartError> {
    let quantiles: Vec<(u32, &str)> = doc
        .columns
        .iter()
        .filter_map(|c| {
            let q = c.name.strip_prefix('p')?.strip_suffix("_power_mw")?;
            Some((q.parse().ok()?, c.name))
        })
        .collect();
    let (Some(low), Some(high)) = (quantiles.first(), quantiles.last()) else {
        return Err(ChartError::MissingColumn("p50_power_mw".to_owned()));
    };
    let mid = quantiles
        .iter()
        .find(|(q, _)| *q == 50)
        .unwrap_or(&quantiles[quantiles.len() / 2]);
    let one = |name: &str| -> Result<(Vec<String>, Vec<f64>), ChartError> {
        let (labels, mut series) = pivot(doc, name, 1e-3)?;
        Ok((labels, series.swap_remove(0).values))
    };
    let (labels, low_values) = one(low.1)?;
    let (_, high_values) = one(high.1)?;
    let (_, mid_values) = one(mid.1)?;
    let mut layers = Vec::new();
    if low.0 != high.0 {
        layers.push(Layer::Band {
            name: format!("P{} to P{}", low.0, high.0),
            low: low_values,
            high: high_values,
        });
    }
    layers.push(Layer::Line(Series {
        name: format!("P{}", mid.0),
        values: mid_values,
    }));
    layers.extend(power_target(target));
    Ok(Chart {
        title: "Facility power under delivery risk".to_owned(),
        subtitle: subtitle(doc, "risk"),
        x_desc: period_name(doc),
        y_desc: "facility power at the period's end (GW)".to_owned(),
        y_unit: Unit::Gw,
        labels,
        layers,
    })
}

/// Demand against supply from the documents of `schedule` by workload and in total: what each
/// workload was served, stacked; the level shortfall shaded above it; the supply as a line.
pub fn schedule(by_workload: &Document, total: &Document) -> Result<Chart, ChartError> {
    let (labels, served) = pivot(by_workload, "served_h100e_hours", 1.0)?;
    let one = |name: &str| -> Result<Vec<f64>, ChartError> {
        let (_, mut series) = pivot(total, name, 1.0)?;
        if series.is_empty() {
            return Err(ChartError::Empty);
        }
        Ok(series.swap_remove(0).values)
    };
    let supply = one("supply_h100e_hours")?;
    let served_total = one("served_h100e_hours")?;
    let shortfall = one("shortfall_h100e_hours")?;
    // A workload never served in the window would only crowd the legend.
    let served: Vec<Series> = served
        .into_iter()
        .filter(|s| s.values.iter().any(|v| *v != 0.0))
        .collect();
    let mut layers = vec![Layer::Stack(served)];
    if shortfall.iter().any(|v| *v > 0.0) {
        layers.push(Layer::Band {
            name: "level shortfall".to_owned(),
            high: served_total
                .iter()
                .zip(&shortfall)
                .map(|(a, b)| a + b)
                .collect(),
            low: served_total,
        });
    }
    layers.push(Layer::Line(Series {
        name: "supply".to_owned(),
        values: supply,
    }));
    Ok(Chart {
        title: "Demand served against supply".to_owned(),
        subtitle: subtitle(total, "schedule"),
        x_desc: period_name(total),
        y_desc: "H100e-hours in the period".to_owned(),
        y_unit: Unit::Count,
        labels,
        layers,
    })
}

/// One line per group (the baseline, then each scenario) of a `compare` report.
pub fn compare(doc: &Document, measure: Measure) -> Result<Chart, ChartError> {
    let (value, scale, y_desc, unit, what) = match measure {
        Measure::Gw => (
            "power_mw",
            1e-3,
            "facility power at the period's end (GW)",
            Unit::Gw,
            "Facility power",
        ),
        // Comparisons do not offer H100e (`chart compare --measure` refuses it).
        Measure::Gpus | Measure::H100e => (
            "gpus",
            1.0,
            "GPUs online at the period's end",
            Unit::Count,
            "GPUs online",
        ),
        Measure::CumulativeSpend => (
            "cumulative_spend_usd",
            1.0,
            "cumulative spend (USD)",
            Unit::Usd,
            "Cumulative spend",
        ),
    };
    let (labels, series) = pivot(doc, value, scale)?;
    let layers = series
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                Layer::Baseline(s)
            } else {
                Layer::Line(s)
            }
        })
        .collect();
    let by = doc.by.map(|b| format!(" by {b}")).unwrap_or_default();
    Ok(Chart {
        title: format!("{what}: baseline and scenarios"),
        subtitle: format!("compare{by}; each scenario applied alone"),
        x_desc: period_name(doc),
        y_desc: y_desc.to_owned(),
        y_unit: unit,
        labels,
        layers,
    })
}
