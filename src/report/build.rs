//! Builds the documents of `plan`, `capacity`, `spend` and `contracts` from the engine's figures.

use rust_decimal::Decimal;
use serde_json::json;

use crate::catalog::ramp::day_number;
use crate::catalog::ramp::{ramp_shape, tranche_units};
use crate::catalog::value::{format_money_short, group_thousands};
use crate::catalog::{Catalog, Contract, HardwareKind, Measure, Precision, Status, Target};
use crate::engine::num::Num;
use crate::engine::{self, CapacityCell, EngineError, Filter, GroupBy, Period, Timeline};
use crate::exact::Rational;
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};
use crate::report::stream::{self, CapacityRows, SpendRows};

/// What every report is computed from.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub timeline: &'a Timeline,
    pub filter: &'a Filter,
    /// The target percentages and the summary measure against.
    pub target: Option<&'a Target>,
    pub scenarios: Vec<String>,
}

pub(crate) fn period_cells(p: &Period, group: &str) -> [Cell; 4] {
    [
        Cell::Text(p.label.clone()),
        Cell::Date(p.start),
        Cell::Date(p.end),
        Cell::Text(group.to_owned()),
    ]
}

fn period_columns() -> Vec<Column> {
    vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date),
        Column::new("end", "end", Kind::Date),
        Column::new("group", "group", Kind::Text),
    ]
}

pub(crate) fn pct(part: Decimal, whole: Option<Decimal>) -> Cell {
    whole
        .and_then(|w| engine::percent(part, w))
        .map_or(Cell::Null, Cell::Decimal)
}

pub(crate) fn target_power_mw(target: Option<&Target>) -> Option<Decimal> {
    target
        .and_then(|t| t.power_gw)
        .and_then(|g| g.checked_mul(Decimal::from(1000)))
}

pub(crate) fn target_spend(target: Option<&Target>) -> Option<Decimal> {
    target.and_then(|t| t.spend_usd)
}

/// The gpu hardware that compute leaves out at `precision`: profiles of included tranches without
/// a figure at it, sorted by id.
fn left_out(ctx: &Context<'_>, precision: Precision) -> Vec<String> {
    let mut out: Vec<String> = ctx
        .catalog
        .contracts
        .iter()
        .filter(|c| ctx.filter.includes(c))
        .flat_map(|c| &c.tranches)
        .filter(|t| ctx.filter.hardware.is_empty() || ctx.filter.hardware.contains(&t.hardware))
        .filter_map(|t| ctx.catalog.hardware(&t.hardware))
        .filter(|h| h.kind == HardwareKind::Gpu && h.tflops.at(precision).is_none())
        .map(|h| h.id.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The summary line saying how compute is counted and which hardware it leaves out.
fn compute_item(ctx: &Context<'_>) -> SummaryItem {
    let precision = ctx.filter.precision_for(ctx.catalog);
    let reference = &ctx.catalog.portfolio.compute.reference;
    let tflops = ctx.catalog.reference_tflops(precision);
    let missing = left_out(ctx, precision);
    let shown = tflops.map_or_else(
        || "-".to_owned(),
        |t| group_thousands(&t.normalize().to_string()),
    );
    let left = if missing.is_empty() {
        "every GPU counted".to_owned()
    } else {
        let names: Vec<String> = missing.iter().map(|h| format!("`{h}`")).collect();
        format!(
            "left out (no {} figure): {}",
            precision.name(),
            names.join(", ")
        )
    };
    SummaryItem {
        key: "compute".into(),
        label: "compute".into(),
        text: format!(
            "H100e at {} ({reference} = {shown} dense TFLOPS); {left}",
            precision.name()
        ),
        json: json!({"precision": precision.name(), "reference": reference,
            "reference_tflops": tflops.map(|t| t.normalize().to_string()), "left_out": missing}),
    }
}

/// A report of rows per period and group, with no summary.
fn grouped(
    report: &'static str,
    ctx: &Context<'_>,
    by: GroupBy,
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
) -> Document {
    Document {
        report,
        by: Some(ctx.timeline.grid.by.name()),
        group_by: Some(by.name()),
        scenarios: ctx.scenarios.clone(),
        title: None,
        summary: Vec::new(),
        columns,
        rows,
    }
}

/// The columns of `capacity`.
pub(crate) fn capacity_columns() -> Vec<Column> {
    let mut columns = period_columns();
    columns.extend([
        Column::new("gpus", "GPUs", Kind::Count),
        Column::new("cpus", "CPUs", Kind::Count),
        Column::new("gpu_hours", "GPU-hours", Kind::Count),
        Column::new("cpu_hours", "CPU-hours", Kind::Count),
        Column::new("power_mw", "facility MW", Kind::Mw),
        Column::new("target_power_pct", "% target GW", Kind::Pct),
        Column::new("h100e", "H100e", Kind::Count),
        Column::new("h100e_hours", "H100e-hours", Kind::Count),
        Column::new("eflops", "EFLOPS", Kind::Eflops),
    ]);
    columns
}

/// `capplan capacity` without its rows: the head that [`CapacityRows`] completes.
pub fn capacity_head(ctx: &Context<'_>, by: GroupBy, columns: Vec<Column>) -> Document {
    let mut doc = grouped("capacity", ctx, by, columns, Vec::new());
    doc.summary.push(compute_item(ctx));
    doc
}

/// `capplan capacity`: units, unit-hours and facility power per period and group.
pub fn capacity(ctx: &Context<'_>, by: GroupBy) -> Result<Document, EngineError> {
    let (columns, rows) = CapacityRows::new(ctx, by)?;
    let mut doc = capacity_head(ctx, by, columns);
    doc.rows = stream::collect(&rows)?;
    Ok(doc)
}

/// The columns of `spend`.
pub(crate) fn spend_columns() -> Vec<Column> {
    let mut columns = period_columns();
    columns.extend([
        Column::new("spend_usd", "spend", Kind::Money),
        Column::new("cumulative_spend_usd", "cumulative", Kind::Money),
        Column::new("target_spend_pct", "% target $", Kind::Pct),
    ]);
    columns
}

/// `capplan spend` without its rows: the head that [`SpendRows`] completes.
pub fn spend_head(ctx: &Context<'_>, by: GroupBy, columns: Vec<Column>) -> Document {
    grouped("spend", ctx, by, columns, Vec::new())
}

/// `capplan spend`: spend, cumulative spend and its share of the target, per period and group.
pub fn spend(ctx: &Context<'_>, by: GroupBy) -> Result<Document, EngineError> {
    let (columns, rows) = SpendRows::new(ctx, by)?;
    let mut doc = spend_head(ctx, by, columns);
    doc.rows = stream::collect(&rows)?;
    Ok(doc)
}

/// Status counts and values for the summary.
fn status_summary(catalog: &Catalog, filter: &Filter) -> SummaryItem {
    let mut parts = Vec::new();
    let mut json = serde_json::Map::new();
    for status in [Status::Signed, Status::NonBinding, Status::Cancelled] {
        let of: Vec<&Contract> = catalog
            .contracts
            .iter()
            .filter(|c| c.status == status && filter.in_scope(c))
            .collect();
        let value = of
            .iter()
            .fold(Decimal::ZERO, |a, c| a.saturating_add(c.value_usd));
        let note = match status {
            Status::Cancelled => " (left out)",
            Status::NonBinding if filter.signed_only => " (left out: --signed-only)",
            _ => "",
        };
        if of.is_empty() {
            parts.push(format!("0 {}", status.name()));
        } else {
            parts.push(format!(
                "{} {} {}{note}",
                of.len(),
                status.name(),
                format_money_short(value)
            ));
        }
        json.insert(
            status.name().replace('-', "_"),
            json!({"count": of.len(), "value_usd": format!("{value:.2}")}),
        );
    }
    SummaryItem {
        key: "contracts".into(),
        label: "contracts".into(),
        text: parts.join(", "),
        json: json.into(),
    }
}

/// Megawatts as gigawatts with two decimals, half to even: `0.00 GW`, not `0 GW`.
fn gw_text(mw: Decimal) -> String {
    format!("{:.2} GW", (mw / Decimal::from(1000)).round_dp(2))
}

/// The summary line naming the target a report measures against.
pub(crate) fn target_item(t: &Target) -> SummaryItem {
    let mut sets = Vec::new();
    if let Some(s) = t.spend_usd {
        sets.push(format_money_short(s));
    }
    if let Some(g) = t.power_gw {
        sets.push(format!("{g} GW"));
    }
    if let Some(h) = t.h100e {
        sets.push(format!("{} H100e", group_thousands(&h.to_string())));
    }
    if let Some(by) = t.by {
        sets.push(format!("by {by}"));
    }
    SummaryItem {
        key: "target".into(),
        label: "target".into(),
        text: format!("{} ({})", t.id, sets.join(", ")),
        json: json!({"id": t.id, "name": t.name, "spend_usd": t.spend_usd.map(|s| format!("{s:.2}")),
            "power_gw": t.power_gw.map(|g| g.to_string()), "h100e": t.h100e, "by": t.by.map(|d| d.to_string())}),
    }
}

/// The summary line of a plan whose spend is not on the accrual basis.
fn basis_item(basis: engine::Basis) -> SummaryItem {
    let what = match basis {
        engine::Basis::Cash => "cash: spend as paid, each payment in the period of its date",
        engine::Basis::Expense => "expense: rent as it accrues, owned hardware as it depreciates",
        engine::Basis::Accrual => "accrual",
    };
    SummaryItem {
        key: "basis".into(),
        label: "basis".into(),
        text: what.to_owned(),
        json: json!(basis.name()),
    }
}

/// `capplan plan`: the summary and one row per period of total capacity, power and spend.
pub fn plan(ctx: &Context<'_>) -> Result<Document, EngineError> {
    // Capacity over the whole timeline, not only the window: when a target is met does not
    // depend on the rows shown.
    let whole = Timeline {
        window: 0..ctx.timeline.periods.len(),
        ..ctx.timeline.clone()
    };
    let cap = engine::capacity(ctx.catalog, &whole, GroupBy::Total, ctx.filter)?;
    let spend = engine::spend(ctx.catalog, ctx.timeline, GroupBy::Total, ctx.filter)?;
    let cap = &cap.values[0];
    let spend = &spend.values[0];
    let cum = engine::cumulative(spend);
    let power_goal = target_power_mw(ctx.target);
    let spend_goal = target_spend(ctx.target);
    let window = ctx.timeline.window.clone();

    // With a power goal, tables also draw the share of it as a bar.
    let bar = power_goal.is_some();
    let mut columns = vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date).data_only(),
        Column::new("end", "end", Kind::Date).data_only(),
        Column::new("group", "group", Kind::Text).data_only(),
        Column::new("gpus", "GPUs", Kind::Count),
        Column::new("cpus", "CPUs", Kind::Count),
        Column::new("h100e", "H100e", Kind::Count),
        Column::new("h100e_hours", "H100e-hours", Kind::Count).data_only(),
        Column::new("eflops", "EFLOPS", Kind::Eflops).data_only(),
        Column::new("power_mw", "GW", Kind::MwAsGw),
        Column::new("target_power_pct", "% GW", Kind::Pct),
    ];
    if bar {
        columns.push(Column::new("target_power_bar", "GW vs target", Kind::Bar).table_only());
    }
    columns.extend([
        Column::new("spend_usd", "spend", Kind::Money),
        Column::new("cumulative_spend_usd", "cumulative", Kind::Money),
        Column::new("target_spend_pct", "% $", Kind::Pct),
    ]);
    // With demand, the level need not served per period, and a summary of the schedule.
    let schedule = if ctx.catalog.workloads.is_empty() {
        None
    } else {
        columns.push(Column::new(
            "shortfall_h100e_hours",
            "shortfall H100e-h",
            Kind::Count,
        ));
        Some(crate::engine::schedule::schedule(
            ctx.catalog,
            ctx.timeline,
            ctx.filter,
        )?)
    };
    let mut rows = Vec::new();
    for p in window.clone() {
        let c = &cap[p];
        let total = engine::dollars(cum[p]);
        let mut row = period_cells(&ctx.timeline.periods[p], "total").to_vec();
        row.extend([
            Cell::Count(c.gpus),
            Cell::Count(c.cpus),
            Cell::Count(c.h100e),
            Cell::Count(c.h100e_hours),
            Cell::Decimal(c.eflops()),
            Cell::Decimal(c.power_mw()),
            pct(c.power_mw(), power_goal),
        ]);
        if bar {
            row.push(pct(c.power_mw(), power_goal));
        }
        row.extend([
            Cell::Decimal(engine::dollars(spend[p])),
            Cell::Decimal(total),
            pct(total, spend_goal),
        ]);
        if let Some(s) = &schedule {
            row.push(Cell::Count(crate::report::schedule::shortfall_hours(s, p)?));
        }
        rows.push(row);
    }

    let mut summary = vec![status_summary(ctx.catalog, ctx.filter)];
    if ctx.filter.basis != engine::Basis::Accrual {
        summary.push(basis_item(ctx.filter.basis));
    }
    let contracted = engine::contracted(ctx.catalog, ctx.filter);
    if let Some(t) = ctx.target {
        summary.push(target_item(t));
        let (text, json) = match t.spend_usd {
            Some(goal) => {
                let share =
                    engine::percent(contracted, goal).map_or("-".into(), |p| format!("{p:.2}%"));
                (
                    {
                        let rest = goal - contracted;
                        let rest = if rest.is_sign_negative() {
                            format!("over the target by {}", format_money_short(-rest))
                        } else {
                            format!("uncontracted {}", format_money_short(rest))
                        };
                        format!(
                            "{} of {} ({share}); {rest}",
                            format_money_short(contracted),
                            format_money_short(goal)
                        )
                    },
                    json!({"contracted_usd": format!("{contracted:.2}"), "uncontracted_usd": format!("{:.2}", goal - contracted)}),
                )
            }
            None => (
                format_money_short(contracted),
                json!({"contracted_usd": format!("{contracted:.2}"), "uncontracted_usd": null}),
            ),
        };
        summary.push(SummaryItem {
            key: "contracted".into(),
            label: "contracted".into(),
            text,
            json,
        });
    } else {
        summary.push(SummaryItem {
            key: "contracted".into(),
            label: "contracted".into(),
            text: format_money_short(contracted),
            json: json!({"contracted_usd": format!("{contracted:.2}"), "uncontracted_usd": null}),
        });
    }
    if let Some(peak) = window
        .clone()
        .max_by_key(|&p| (cap[p].gpus, std::cmp::Reverse(p)))
    {
        let period = &ctx.timeline.periods[peak];
        summary.push(SummaryItem {
            key: "peak_gpus".into(),
            label: "peak GPUs".into(),
            text: format!("{} at the end of {}", group_thousands(&cap[peak].gpus.to_string()), period.label),
            json: json!({"gpus": i64::try_from(cap[peak].gpus).unwrap_or(i64::MAX), "period": period.label}),
        });
    }
    if let Some(last) = window.clone().last() {
        let period = &ctx.timeline.periods[last];
        let mw = cap[last].power_mw();
        let share = engine::percent(mw, power_goal.unwrap_or_default())
            .map_or(String::new(), |p| format!(" ({p:.2}% of the target)"));
        summary.push(SummaryItem {
            key: "power_at_end".into(),
            label: "GW at end".into(),
            text: format!("{} at the end of {}{share}", gw_text(mw), period.label),
            json: json!({"power_mw": format!("{mw:.3}"), "period": period.label}),
        });
    }
    if let Some(t) = ctx.target {
        let power_kw: Vec<i128> = cap.iter().map(|c| c.power_kw).collect();
        let h100e = engine::target_h100e(ctx.catalog, &whole, ctx.filter, cap)?;
        let status = engine::target_status(t, ctx.timeline, &power_kw, &h100e, spend);
        let label = |p: &Option<Period>| p.as_ref().map(|p| p.label.clone());
        let mut parts = Vec::new();
        if t.power_gw.is_some() {
            parts.push(match &status.power_met_in {
                Some(p) => format!("power reached {}", p.label),
                None => {
                    let peak = cap
                        .iter()
                        .map(CapacityCell::power_mw)
                        .max()
                        .unwrap_or_default();
                    format!("power tops out at {}", gw_text(peak))
                }
            });
        }
        if let Some(goal) = t.h100e {
            parts.push(match &status.h100e_met_in {
                Some(p) => format!("H100e reached {}", p.label),
                None => {
                    let peak = h100e.iter().copied().max().unwrap_or_default();
                    let share = engine::percent(
                        Decimal::from_i128_with_scale(peak, 0),
                        Decimal::from(goal),
                    )
                    .map_or(String::new(), |p| format!(" ({p:.2}%)"));
                    format!(
                        "H100e top out at {}{share}",
                        group_thousands(&peak.to_string())
                    )
                }
            });
        }
        if let Some(goal) = t.spend_usd {
            parts.push(match &status.spend_met_in {
                Some(p) => format!("spend reached {}", p.label),
                None => {
                    let end = engine::dollars(cum.last().copied().unwrap_or(0));
                    let share =
                        engine::percent(end, goal).map_or(String::new(), |p| format!(" ({p:.2}%)"));
                    format!("spend tops out at {}{share}", format_money_short(end))
                }
            });
        }
        let head = match (&status.met_in, t.by, status.met_by_deadline) {
            (Some(p), Some(by), Some(true)) => format!("met in {} (by {by})", p.label),
            (Some(p), Some(by), _) => format!("met in {}, after {by}", p.label),
            (Some(p), None, _) => format!("met in {}", p.label),
            (None, Some(by), _) => format!("not met by {by}"),
            (None, None, _) => "not met".to_owned(),
        };
        summary.push(SummaryItem {
            key: "target_met".into(),
            label: "target met".into(),
            text: if parts.is_empty() { head } else { format!("{head}: {}", parts.join("; ")) },
            json: json!({"met_in": label(&status.met_in), "met_by_deadline": status.met_by_deadline,
                "spend_met_in": label(&status.spend_met_in), "power_met_in": label(&status.power_met_in),
                "h100e_met_in": label(&status.h100e_met_in)}),
        });
    }
    summary.push(compute_item(ctx));
    if let Some(s) = &schedule {
        summary.push(crate::report::schedule::demand_item(ctx, s)?);
    }
    summary.extend(observed_items(ctx.catalog)?);
    Ok(Document {
        report: "plan",
        by: Some(ctx.timeline.grid.by.name()),
        group_by: Some("total"),
        scenarios: ctx.scenarios.clone(),
        title: Some(ctx.catalog.portfolio.name.clone()),
        summary,
        columns,
        rows,
    })
}

/// One summary line per `[[observed]]` figure: the figure, the projection and the difference.
/// Every line carries the JSON of them all, under `observed`.
fn observed_items(catalog: &Catalog) -> Result<Vec<SummaryItem>, EngineError> {
    use crate::engine::observe::{self, format_figure};
    let checked = observe::project(catalog)?;
    let mut all = Vec::new();
    let mut texts = Vec::new();
    for c in &checked {
        let o = c.observation;
        let tolerance = format!("{}%", (o.tolerance * Decimal::from(100)).normalize());
        let relative = c
            .relative()
            .map(|r| format!("{:+.1}%", (r * Decimal::from(100)).round_dp(1)));
        // GW with three decimals like `power_mw`, money with two, counts whole.
        let fixed = |d: Decimal| match o.measure {
            Measure::PowerGw => format!("{:.3}", d.round_dp(3)),
            Measure::CumulativeSpendUsd | Measure::ContractedUsd => format!("{:.2}", d.round_dp(2)),
            Measure::Gpus | Measure::Cpus | Measure::H100e => format!("{:.0}", d.trunc()),
        };
        let text = match c.projected {
            Some(p) => format!(
                "{} on {}: projected {}, {} ({}, {} tolerance {tolerance})",
                format_figure(o.measure, o.value),
                o.date,
                format_figure(o.measure, p),
                signed_figure(o.measure, c.difference().unwrap_or_default()),
                relative.clone().unwrap_or_default(),
                if c.within() { "within" } else { "outside" },
            ),
            None => format!(
                "{} on {}: not projected",
                format_figure(o.measure, o.value),
                o.date
            ),
        };
        texts.push(text);
        all.push(json!({
            "date": o.date.to_string(),
            "measure": o.measure.key(),
            "observed": fixed(o.value),
            "projected": c.projected.map(fixed),
            "difference": c.difference().map(fixed),
            "difference_pct": c.relative().map(|r| format!("{:.2}", (r * Decimal::from(100)).round_dp(2))),
            "tolerance": o.tolerance.normalize().to_string(),
            "within": c.projected.map(|_| c.within()),
            "source": o.source,
            "note": o.note,
        }));
    }
    let json = serde_json::Value::Array(all);
    Ok(texts
        .into_iter()
        .map(|text| SummaryItem {
            key: "observed".into(),
            label: "observed".into(),
            text,
            json: json.clone(),
        })
        .collect())
}

/// A difference in a measure's unit with its sign: `+0.12 GW`, `-$1.50B`, `+12,000 GPUs`.
fn signed_figure(measure: Measure, d: Decimal) -> String {
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        "+"
    };
    format!(
        "{sign}{}",
        crate::engine::observe::format_figure(measure, d.abs())
    )
}

/// Peak figures of a contract.
struct Peaks {
    gpus: i128,
    cpus: i128,
    mw: Decimal,
    /// H100e at the run's precision: the exact sum over tranches, floored.
    h100e: i128,
    /// Unit-hours delivered in the term.
    hours: Num,
}

/// Peak units, facility power and compute of a contract: the sums are non-decreasing between
/// the days on which a tranche ends, so the peak is on one of the days before those.
fn peaks(catalog: &Catalog, c: &Contract, precision: Precision) -> Option<Peaks> {
    let reference = catalog
        .reference_tflops(precision)
        .and_then(Rational::from_decimal);
    let mut lines = Vec::new();
    for t in &c.tranches {
        let hw = catalog.hardware(&t.hardware)?;
        let units = tranche_units(catalog, c, t).ok()?;
        let kw = Rational::from_decimal(hw.watts_per_unit)?
            .checked_mul(Rational::from_decimal(catalog.pue_of(c))?)?;
        let h100e = match (hw.kind, hw.tflops.at(precision), reference) {
            (HardwareKind::Gpu, Some(t), Some(r)) => Rational::from_decimal(t)?.checked_div(r)?,
            _ => Rational::ZERO,
        };
        lines.push((hw.kind, ramp_shape(c, t, units), kw, h100e));
    }
    let mut best = (0_i128, 0_i128, Num::ZERO, Num::ZERO);
    for (_, s, _, _) in &lines {
        let day = s.until - 1;
        let (mut gpus, mut cpus, mut watts, mut h100e) = (0_i128, 0_i128, Num::ZERO, Num::ZERO);
        for (kind, s2, kw, ratio) in &lines {
            let on = s2.online(day)?;
            match kind {
                HardwareKind::Gpu => gpus += on.floor(),
                HardwareKind::Cpu => cpus += on.floor(),
            }
            watts = watts.checked_add(Num::Exact(on.checked_mul(*kw)?))?;
            if !ratio.is_zero() {
                h100e = h100e.checked_add(Num::Exact(on.checked_mul(*ratio)?))?;
            }
        }
        best.0 = best.0.max(gpus);
        best.1 = best.1.max(cpus);
        if watts.compare(best.2).is_gt() {
            best.2 = watts;
        }
        if h100e.compare(best.3).is_gt() {
            best.3 = h100e;
        }
    }
    let mw = best.2.checked_div(Num::int(1000))?.round_half_even()?;
    let peak_mw = Decimal::try_from_i128_with_scale(mw, 3).ok()?;
    // Unit-hours delivered in the term.
    let (lo, hi) = (day_number(c.start), day_number(c.end));
    let mut hours = Num::ZERO;
    for (_, s, _, _) in &lines {
        hours = hours.checked_add(Num::Exact(
            s.sum(lo, hi)?.checked_mul(Rational::integer(24))?,
        ))?;
    }
    Some(Peaks {
        gpus: best.0,
        cpus: best.1,
        mw: peak_mw,
        h100e: best.3.floor()?,
        hours,
    })
}

/// `capplan contracts`: one row per contract.
pub fn contracts(ctx: &Context<'_>) -> Result<Document, EngineError> {
    let columns = vec![
        Column::new("id", "contract", Kind::Text),
        Column::new("provider", "provider", Kind::Text),
        Column::new("status", "status", Kind::Text),
        Column::new("value_usd", "value", Kind::Money),
        Column::new("start", "start", Kind::Date),
        Column::new("end", "end", Kind::Date),
        Column::new("estimated", "est.", Kind::Bool),
        Column::new("peak_gpus", "peak GPUs", Kind::Count),
        Column::new("peak_cpus", "peak CPUs", Kind::Count),
        Column::new("peak_mw", "peak MW", Kind::Mw),
        Column::new("peak_h100e", "peak H100e", Kind::Count),
        Column::new("usd_per_unit_hour", "$/unit-h", Kind::Price),
        Column::new("share_pct", "share", Kind::Pct),
    ];
    let contracted = engine::contracted(ctx.catalog, ctx.filter);
    let mut rows = Vec::new();
    for c in &ctx.catalog.contracts {
        // Cancelled contracts are listed for the record; `--signed-only` hides letters of intent.
        let listed =
            ctx.filter.in_scope(c) && !(ctx.filter.signed_only && c.status == Status::NonBinding);
        if !listed {
            continue;
        }
        let precision = ctx.filter.precision_for(ctx.catalog);
        let peak = peaks(ctx.catalog, c, precision).ok_or_else(|| EngineError {
            contract: c.id.clone(),
            what: "peak capacity",
        })?;
        let price = Num::from_decimal(c.value_usd)
            .checked_div(peak.hours)
            .and_then(|p| p.checked_mul(Num::int(100))?.round_half_even())
            .and_then(|cents| Decimal::try_from_i128_with_scale(cents, 2).ok());
        let share = if c.status == Status::Cancelled {
            Cell::Null
        } else {
            pct(c.value_usd, Some(contracted))
        };
        rows.push(vec![
            Cell::Text(c.id.clone()),
            Cell::Text(c.provider.clone()),
            Cell::Text(c.status.name().to_owned()),
            Cell::Decimal(c.value_usd),
            Cell::Date(c.start),
            Cell::Date(c.end),
            Cell::Bool(c.estimated),
            Cell::Count(peak.gpus),
            Cell::Count(peak.cpus),
            Cell::Decimal(peak.mw),
            Cell::Count(peak.h100e),
            price.map_or(Cell::Null, Cell::Decimal),
            share,
        ]);
    }
    Ok(Document {
        report: "contracts",
        by: None,
        group_by: Some("contract"),
        scenarios: ctx.scenarios.clone(),
        title: None,
        summary: vec![compute_item(ctx)],
        columns,
        rows,
    })
}

/// The reports of a whole plan, capacity and spend by provider: what `capplan report` and
/// `capplan export xlsx` are made of.
pub struct Whole {
    pub plan: Document,
    pub capacity: Document,
    pub spend: Document,
    pub contracts: Document,
}

/// [`Whole`]: `plan`, `capacity` and `spend` by provider, and `contracts`.
pub fn whole(ctx: &Context<'_>) -> Result<Whole, EngineError> {
    Ok(Whole {
        plan: plan(ctx)?,
        capacity: capacity(ctx, GroupBy::Provider)?,
        spend: spend(ctx, GroupBy::Provider)?,
        contracts: contracts(ctx)?,
    })
}
