//! Charts of the reports, as SVG or PNG: the capacity ramp as stacked areas, cumulative spend
//! against the targets, the risk fan and one line per scenario of a comparison.
//!
//! A [`Chart`] is built from a report's [`Document`], so a chart always shows the figures the
//! report prints, then drawn with plotters. Figures become doubles only here, as coordinates of
//! a drawing. The text is set in DejaVu Sans, built in, so a PNG looks the same everywhere and
//! an SVG's layout does not depend on the fonts of the machine that made it. The same input
//! gives the same bytes.

use std::sync::OnceLock;

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use thiserror::Error;

use crate::catalog::value::{format_money_short, group_thousands};
use crate::catalog::{Observation, Target};
use crate::report::document::{Cell, Document};

/// Width and height of a chart, in pixels.
pub const SIZE: (u32, u32) = (1200, 640);

/// The font every chart's text is set in.
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Why a chart could not be drawn.
#[derive(Debug, Error)]
pub enum ChartError {
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("the report has no `{0}` column to chart")]
    MissingColumn(String),
    #[error("the report has no rows to chart")]
    Empty,
}

/// A named series of values, one per period.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// What a chart draws, in order, over one pair of axes.
#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    /// Areas stacked from zero, the first series at the bottom.
    Stack(Vec<Series>),
    /// A band between two series, such as P10 to P90.
    Band {
        name: String,
        low: Vec<f64>,
        high: Vec<f64>,
    },
    /// A line through each period's value.
    Line(Series),
    /// A line the others are measured against, drawn wide and dark beneath them.
    Baseline(Series),
    /// A dashed horizontal line, such as a target.
    Reference { name: String, value: f64 },
    /// A dashed vertical line at `x` (in periods, each period's figure at its end): the day
    /// a re-forecast's actuals end.
    Vertical { name: String, x: f64 },
    /// Single figures drawn as dots at `(x, y)`, x in periods: published observations.
    Markers {
        name: String,
        points: Vec<(f64, f64)>,
    },
}

/// A chart: its text, its periods along the x axis and its layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    pub y_desc: String,
    /// How the y axis writes a value, such as `12.5` or `$1.2T`.
    pub y_unit: Unit,
    pub labels: Vec<String>,
    pub layers: Vec<Layer>,
}

/// The unit of the y axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Gigawatts.
    Gw,
    /// A count of units.
    Count,
    /// Dollars.
    Usd,
}

impl Unit {
    fn format(self, v: f64) -> String {
        match self {
            Unit::Gw => trim_float(v, 1),
            Unit::Count if v.abs() >= 1e9 => format!("{}B", trim_float(v / 1e9, 1)),
            Unit::Count if v.abs() >= 1e6 => format!("{}M", trim_float(v / 1e6, 1)),
            Unit::Count if v.abs() >= 1e3 => format!("{}k", trim_float(v / 1e3, 0)),
            Unit::Count => trim_float(v, 0),
            // A tick reads `$800B`, not `$800.00B`; `$1.40T` keeps the decimals it needs.
            Unit::Usd => Decimal::from_f64_retain(v)
                .map(|d| format_money_short(d.round()).replacen(".00", "", 1))
                .unwrap_or_default(),
        }
    }
}

fn trim_float(v: f64, dp: usize) -> String {
    let text = format!("{v:.dp$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// Colors of the series, in order: distinct, and readable printed in grey.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colors of the dashed reference lines, such as targets.
const REFERENCE_COLORS: [RGBColor; 3] = [
    RGBColor(200, 30, 30),
    RGBColor(110, 40, 150),
    RGBColor(20, 20, 20),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

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

fn fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        [FontStyle::Normal, FontStyle::Bold]
            .into_iter()
            .all(|style| register_font(FONT, style, FONT_BYTES).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Draw(
            "the built-in font does not load".to_owned(),
        ))
    }
}

fn draw_error<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> Result<String, ChartError> {
    fonts()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw(chart, &root)?;
        root.present().map_err(draw_error)?;
    }
    text.push('\n');
    Ok(text)
}

/// The chart as a PNG image.
pub fn png(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    fonts()?;
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        draw(chart, &root)?;
        root.present().map_err(draw_error)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(draw_error)?;
        writer.write_image_data(&rgb).map_err(draw_error)?;
    }
    Ok(out)
}

/// The periods that get a label: at most 14, evenly spaced, starting at a year's first
/// period where the spacing is whole years.
fn tick_periods(labels: &[String]) -> Vec<usize> {
    let n = labels.len();
    let per_year = if labels.iter().any(|l| l.contains('Q')) {
        4
    } else if labels.iter().any(|l| l.contains('-')) {
        12
    } else {
        1
    };
    let steps: &[usize] = match per_year {
        4 => &[1, 2, 4, 8, 12, 20, 40],
        12 => &[1, 2, 3, 6, 12, 24, 36, 60, 120],
        _ => &[1, 2, 5, 10, 20, 50, 100],
    };
    let step = steps
        .iter()
        .copied()
        .find(|s| n.div_ceil(*s) <= 14)
        .unwrap_or(n.div_ceil(14).max(1));
    let first = if step % per_year == 0 {
        labels
            .iter()
            .take(step)
            .position(|l| l.ends_with("Q1") || l.ends_with("-01"))
            .unwrap_or(0)
    } else {
        0
    };
    (first..n).step_by(step).collect()
}

/// The highest value any layer reaches.
fn top(chart: &Chart) -> f64 {
    let mut top: f64 = 0.0;
    for layer in &chart.layers {
        match layer {
            Layer::Stack(series) => {
                for i in 0..chart.labels.len() {
                    top = top.max(series.iter().map(|s| s.values[i]).sum());
                }
            }
            Layer::Band { high, .. } => top = high.iter().copied().fold(top, f64::max),
            Layer::Line(s) | Layer::Baseline(s) => {
                top = s.values.iter().copied().fold(top, f64::max);
            }
            Layer::Reference { value, .. } => top = top.max(*value),
            Layer::Vertical { .. } => {}
            Layer::Markers { points, .. } => {
                top = points.iter().map(|p| p.1).fold(top, f64::max);
            }
        }
    }
    if top > 0.0 { top * 1.08 } else { 1.0 }
}

fn draw<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let n = chart.labels.len();
    let last = n.saturating_sub(1).max(1) as f64;
    let (title_area, body) = root.split_vertically(64);
    title_area
        .draw(&Text::new(
            chart.title.clone(),
            (24, 12),
            (FONT, 26).into_font().style(FontStyle::Bold),
        ))
        .map_err(draw_error)?;
    title_area
        .draw(&Text::new(
            chart.subtitle.clone(),
            (24, 42),
            (FONT, 15).into_font().color(&RGBColor(90, 90, 90)),
        ))
        .map_err(draw_error)?;
    let ticks: Vec<f64> = tick_periods(&chart.labels)
        .into_iter()
        .map(|i| i as f64)
        .collect();
    let mut ctx = ChartBuilder::on(&body)
        .margin_left(16)
        .margin_right(40)
        .margin_bottom(12)
        .x_label_area_size(56)
        .y_label_area_size(88)
        .build_cartesian_2d(0f64..last, 0f64..top(chart))
        .map_err(draw_error)?;
    let unit = chart.y_unit;
    // Period labels go on whole periods, which plotters' own x labels cannot promise: the
    // mesh draws none, and the labels and their grid lines are drawn below.
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|y| unit.format(*y))
        .x_desc(chart.x_desc.as_str())
        .y_desc(chart.y_desc.as_str())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(draw_error)?;
    let height = top(chart);
    let grid = ShapeStyle::from(RGBColor(215, 215, 215)).stroke_width(1);
    for &x in &ticks {
        ctx.draw_series(LineSeries::new([(x, 0.0), (x, height)], grid))
            .map_err(draw_error)?;
        let (px, py) = ctx.backend_coord(&(x, 0.0));
        let style = (FONT, 14)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        body.draw(&Text::new(
            chart.labels[x as usize].clone(),
            (
                px - body.get_base_pixel().0,
                py - body.get_base_pixel().1 + 8,
            ),
            style,
        ))
        .map_err(draw_error)?;
    }
    let xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut next_color = 0;
    let mut next_reference = 0;
    for layer in &chart.layers {
        match layer {
            Layer::Stack(series) => {
                let mut base = vec![0.0; n];
                for s in series {
                    let c = color(next_color);
                    next_color += 1;
                    let upper: Vec<f64> = base.iter().zip(&s.values).map(|(b, v)| b + v).collect();
                    let points: Vec<(f64, f64)> = xs
                        .iter()
                        .copied()
                        .zip(upper.iter().copied())
                        .chain(xs.iter().copied().zip(base.iter().copied()).rev())
                        .collect();
                    ctx.draw_series(std::iter::once(Polygon::new(points, c.mix(0.85).filled())))
                        .map_err(draw_error)?
                        .label(s.name.clone())
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled())
                        });
                    base = upper;
                }
            }
            Layer::Band { name, low, high } => {
                let c = color(0);
                let points: Vec<(f64, f64)> = xs
                    .iter()
                    .copied()
                    .zip(high.iter().copied())
                    .chain(xs.iter().copied().zip(low.iter().copied()).rev())
                    .collect();
                ctx.draw_series(std::iter::once(Polygon::new(points, c.mix(0.25).filled())))
                    .map_err(draw_error)?
                    .label(name.clone())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.mix(0.25).filled())
                    });
            }
            Layer::Line(s) | Layer::Baseline(s) => {
                let style = if matches!(layer, Layer::Baseline(_)) {
                    ShapeStyle::from(RGBColor(60, 60, 60)).stroke_width(6)
                } else {
                    next_color += 1;
                    ShapeStyle::from(color(next_color - 1)).stroke_width(3)
                };
                ctx.draw_series(LineSeries::new(
                    xs.iter().copied().zip(s.values.iter().copied()),
                    style,
                ))
                .map_err(draw_error)?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], style));
            }
            Layer::Reference { name, value } => {
                let c = REFERENCE_COLORS[next_reference % REFERENCE_COLORS.len()];
                next_reference += 1;
                let style = ShapeStyle::from(c).stroke_width(2);
                ctx.draw_series(DashedLineSeries::new(
                    [(0.0, *value), (last, *value)],
                    10,
                    6,
                    style,
                ))
                .map_err(draw_error)?
                .label(name.clone())
                // Dashed in the legend as in the plot.
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (5, 0)], style)
                        + PathElement::new(vec![(9, 0), (14, 0)], style)
                });
            }
            Layer::Vertical { name, x } => {
                let style = ShapeStyle::from(RGBColor(40, 40, 40)).stroke_width(2);
                ctx.draw_series(DashedLineSeries::new(
                    [(*x, 0.0), (*x, top(chart))],
                    8,
                    6,
                    style,
                ))
                .map_err(draw_error)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (5, 0)], style)
                        + PathElement::new(vec![(9, 0), (14, 0)], style)
                });
            }
            Layer::Markers { name, points } => {
                let c = RGBColor(20, 20, 20);
                let ring = ShapeStyle::from(WHITE).stroke_width(2);
                ctx.draw_series(points.iter().map(|&p| Circle::new(p, 8, ring)))
                    .map_err(draw_error)?;
                ctx.draw_series(points.iter().map(|&p| Circle::new(p, 6, c.filled())))
                    .map_err(draw_error)?
                    .label(name.clone())
                    .legend(move |(x, y)| Circle::new((x + 7, y), 5, c.filled()));
            }
        }
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 14))
        // Opaque, so that no line drawn beneath shows through the legend.
        .background_style(WHITE)
        .border_style(RGBColor(190, 190, 190))
        .draw()
        .map_err(draw_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_line_is_dashed_in_the_legend_too_over_an_opaque_legend() {
        let chart = Chart {
            title: "t".into(),
            subtitle: "s".into(),
            x_desc: "x".into(),
            y_desc: "y".into(),
            y_unit: Unit::Gw,
            labels: vec!["2026Q1".into(), "2026Q2".into()],
            layers: vec![
                Layer::Stack(vec![Series {
                    name: "a".into(),
                    values: vec![1.0, 2.0],
                }]),
                Layer::Reference {
                    name: "target".into(),
                    value: 1.5,
                },
            ],
        };
        let svg = svg(&chart).expect("drawn");
        // Dashes are polylines of two points; the legend's are 5 px long, the plot's 10 px.
        let short = svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#C81E1E\""))
            .filter_map(|l| l.split("points=\"").nth(1))
            .filter(|points| {
                let xs: Vec<i64> = points
                    .split_whitespace()
                    .filter_map(|p| p.split(',').next()?.parse().ok())
                    .collect();
                xs.len() == 2 && xs[1] - xs[0] == 5
            })
            .count();
        assert_eq!(short, 2, "{svg}");
        assert!(!svg.contains("opacity=\"0.9\""));
    }

    #[test]
    fn money_ticks_drop_zero_decimals_and_keep_the_ones_they_need() {
        assert_eq!(Unit::Usd.format(800e9), "$800B");
        assert_eq!(Unit::Usd.format(1.4e12), "$1.40T");
        assert_eq!(Unit::Usd.format(0.0), "$0");
        assert_eq!(Unit::Usd.format(250e6), "$250M");
    }
}
