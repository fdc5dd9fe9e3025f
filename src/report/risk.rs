//! The document of `capplan risk`: per period of the window, the chosen quantiles of GPUs and
//! facility power over the samples and the chance of having reached the target's power by the
//! period's end; a summary with the samples, the seed, what was sampled, the target and the
//! quantiles of the period in which its power is first reached.
//!
//! Columns are `p10_gpus`, ..., `p10_power_mw`, ..., `target_power_probability`, named after
//! `--quantiles`. The probability is a string with four decimals, `null` where the target sets
//! no power. Where the catalog has demand, `shortfall_probability` follows: the share of
//! samples with a level shortfall in the period, and the summary gains `runs_on_time`.

use rust_decimal::Decimal;
use serde_json::json;

use crate::catalog::Target;
use crate::catalog::value::group_thousands;
use crate::engine::Period;
use crate::engine::risk::RiskOutcome;
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};

/// What the document shows besides the outcome.
pub struct RiskContext<'a> {
    pub outcome: &'a RiskOutcome,
    /// The portfolio's name, shown as the title.
    pub title: String,
    /// The period length's name: `quarter`.
    pub by: &'static str,
    pub scenarios: Vec<String>,
    pub target: Option<&'a Target>,
    /// `[[risk]]` entries in all the scenarios.
    pub entries: usize,
    /// Tranches counted, and those of them that samples move (by a fixed or a random slip) or
    /// cancel: `at_risk`, shown as `sampled` in JSON.
    pub tranches: usize,
    pub at_risk: usize,
}

/// Column names and headers of fixed reports are `&'static str`; these depend on
/// `--quantiles`. A run builds one document, so the few bytes leaked live as long as it would.
fn name(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn kw_to_mw(kw: i128) -> Decimal {
    // The engine checked that every power fits a `Decimal` of MW.
    Decimal::try_from_i128_with_scale(kw, 3).unwrap_or(Decimal::MAX)
}

/// `count / samples`, rounded half-even to four decimals.
fn chance(count: u64, samples: u64) -> Option<Decimal> {
    crate::exact::Rational::new(i128::from(count), i128::from(samples.max(1)))?.to_decimal(4)
}

/// `capplan risk`.
pub fn risk(ctx: &RiskContext<'_>) -> Document {
    let out = ctx.outcome;
    let mut columns = vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date).data_only(),
        Column::new("end", "end", Kind::Date).data_only(),
        Column::new("group", "group", Kind::Text).data_only(),
    ];
    for q in &out.quantiles {
        let label = q.label();
        columns.push(Column::new(
            name(format!("{label}_gpus")),
            name(format!("{} GPUs", label.to_uppercase())),
            Kind::Count,
        ));
    }
    for q in &out.quantiles {
        let label = q.label();
        columns.push(Column::new(
            name(format!("{label}_power_mw")),
            name(format!("{} GW", label.to_uppercase())),
            Kind::MwAsGw,
        ));
    }
    columns.push(Column::new(
        "target_power_probability",
        "P(target GW)",
        Kind::Probability,
    ));
    if out.demand.is_some() {
        columns.push(Column::new(
            "shortfall_probability",
            "P(shortfall)",
            Kind::Probability,
        ));
    }

    let mut rows = Vec::with_capacity(out.periods.len());
    for (p, period) in out.periods.iter().enumerate() {
        let mut row = vec![
            Cell::Text(period.label.clone()),
            Cell::Date(period.start),
            Cell::Date(period.end),
            Cell::Text("total".to_owned()),
        ];
        row.extend(out.gpus[p].iter().map(|g| Cell::Count(*g)));
        row.extend(
            out.power_kw[p]
                .iter()
                .map(|kw| Cell::Decimal(kw_to_mw(*kw))),
        );
        row.push(out.probability(p).map_or(Cell::Null, Cell::Decimal));
        if let Some(d) = &out.demand {
            row.push(chance(d.counts.short[p], out.samples).map_or(Cell::Null, Cell::Decimal));
        }
        rows.push(row);
    }

    let mut summary = vec![
        SummaryItem {
            key: "samples".into(),
            label: "samples".into(),
            text: group_thousands(&out.samples.to_string()),
            json: json!(out.samples),
        },
        SummaryItem {
            key: "seed".into(),
            label: "seed".into(),
            text: out.seed.to_string(),
            json: json!(out.seed),
        },
        SummaryItem {
            key: "at_risk".into(),
            label: "at risk".into(),
            text: format!(
                "{} of {} tranche{}, from {} `[[risk]]` entr{}",
                group_thousands(&ctx.at_risk.to_string()),
                group_thousands(&ctx.tranches.to_string()),
                if ctx.tranches == 1 { "" } else { "s" },
                ctx.entries,
                if ctx.entries == 1 { "y" } else { "ies" }
            ),
            json: json!({"tranches": ctx.tranches, "sampled": ctx.at_risk, "entries": ctx.entries}),
        },
    ];
    if let Some(t) = ctx.target {
        summary.push(crate::report::build::target_item(t));
    }
    let (text, value) = match &out.reached_in {
        Some(firsts) => {
            let label =
                |p: &Option<Period>| p.as_ref().map_or("never".to_owned(), |p| p.label.clone());
            let parts: Vec<String> = out
                .quantiles
                .iter()
                .zip(firsts)
                .map(|(q, p)| format!("{} {}", q.label(), label(p)))
                .collect();
            let map: serde_json::Map<String, serde_json::Value> = out
                .quantiles
                .iter()
                .zip(firsts)
                .map(|(q, p)| (q.label(), json!(label(p))))
                .collect();
            (parts.join(", "), serde_json::Value::Object(map))
        }
        None if ctx.target.is_some() => (
            "-: the target sets no `power_gw`".to_owned(),
            serde_json::Value::Null,
        ),
        None => ("-: no target".to_owned(), serde_json::Value::Null),
    };
    if let Some(d) = &out.demand {
        let on_time = chance(d.counts.on_time, out.samples).filter(|_| d.runs > 0);
        summary.push(SummaryItem {
            key: "runs_on_time".into(),
            label: "runs on time".into(),
            text: match on_time {
                Some(p) => format!(
                    "{}% of samples have {} {} run{} on time",
                    (p * Decimal::ONE_HUNDRED).round_dp(2).normalize(),
                    if d.runs == 1 { "its" } else { "all" },
                    d.runs,
                    if d.runs == 1 { "" } else { "s" }
                ),
                None => "-: the demand has no runs".to_owned(),
            },
            json: json!({
                "runs": d.runs,
                "probability": on_time.map(|p| p.to_string()),
            }),
        });
    }
    summary.push(SummaryItem {
        key: "power_reached".into(),
        label: "power reached".into(),
        text,
        json: value,
    });

    Document {
        report: "risk",
        by: Some(ctx.by),
        group_by: Some("total"),
        scenarios: ctx.scenarios.clone(),
        title: Some(ctx.title.clone()),
        summary,
        columns,
        rows,
    }
}
