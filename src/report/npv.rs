//! The document of `capplan npv`: present value per contract, provider or in total.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;

use crate::catalog::Catalog;
use crate::catalog::value::format_money_short;
use crate::engine::npv::{ContractValue, Discount, contract_values, rounded_sum};
use crate::engine::num::Num;
use crate::engine::{Basis, EngineError, Filter, GroupBy, dollars, percent};
use crate::report::compare::Group;
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};

/// What a present-value report shows.
pub struct NpvInputs<'a> {
    pub catalog: &'a Catalog,
    pub values: &'a [ContractValue],
    pub group_by: GroupBy,
    pub rate: Decimal,
    pub valuation: NaiveDate,
    pub basis: Basis,
    pub scenarios: Vec<String>,
}

fn item(key: &str, label: &str, text: String, json: serde_json::Value) -> SummaryItem {
    SummaryItem {
        key: key.into(),
        label: label.into(),
        text,
        json,
    }
}

fn overflow() -> EngineError {
    EngineError {
        contract: String::new(),
        what: "a present value",
    }
}

/// A group's flows and present value, each summed exactly and rounded once to the cent.
fn rounded(parts: &[&ContractValue]) -> Result<(i128, i128), EngineError> {
    let mut flows = Num::ZERO;
    let mut pv = Num::ZERO;
    for v in parts {
        flows = flows.checked_add(v.undiscounted).ok_or_else(overflow)?;
        pv = pv.checked_add(v.present).ok_or_else(overflow)?;
    }
    Ok((
        flows.round_half_even().ok_or_else(overflow)?,
        pv.round_half_even().ok_or_else(overflow)?,
    ))
}

fn row(group: &str, flows: i128, pv: i128) -> Vec<Cell> {
    let (f, p) = (dollars(flows), dollars(pv));
    vec![
        Cell::Text(group.to_owned()),
        Cell::Decimal(f),
        Cell::Decimal(p),
        Cell::Decimal(f - p),
        percent(p, f).map_or(Cell::Null, Cell::Decimal),
    ]
}

/// The rate as a percentage for people: `8%`, `7.25%`.
pub fn rate_text(rate: Decimal) -> String {
    format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
}

/// `capplan npv`: one row per group, then the total row (alone with `--group-by total`). Each
/// figure is the exact sum of its flows' present values rounded once, half-even, so that it
/// matches a spreadsheet's XNPV over the same flows; rows may therefore differ from the total
/// by a cent of rounding.
pub fn npv(inputs: &NpvInputs<'_>) -> Result<Document, EngineError> {
    let columns = vec![
        Column::new("group", "group", Kind::Text),
        Column::new("flows_usd", "flows", Kind::Money),
        Column::new("npv_usd", "present value", Kind::Money),
        Column::new("discount_usd", "discount", Kind::Money),
        Column::new("npv_pct", "% of flows", Kind::Pct),
    ];
    let mut groups: BTreeMap<String, Vec<&ContractValue>> = BTreeMap::new();
    for v in inputs.values {
        let Some(c) = inputs.catalog.contracts.get(v.contract) else {
            continue;
        };
        let key = match inputs.group_by {
            GroupBy::Provider => c.provider.clone(),
            GroupBy::Total => "total".to_owned(),
            _ => c.id.clone(),
        };
        groups.entry(key).or_default().push(v);
    }
    let mut rows = Vec::new();
    if inputs.group_by != GroupBy::Total {
        for (name, parts) in &groups {
            let (f, p) = rounded(parts)?;
            rows.push(row(name, f, p));
        }
    }
    let all: Vec<&ContractValue> = inputs.values.iter().collect();
    let (flows, pv) = rounded(&all)?;
    rows.push(row("total", flows, pv));
    let summary = vec![
        item(
            "rate",
            "discount rate",
            format!("{} a year (days / 365)", rate_text(inputs.rate)),
            json!(inputs.rate.to_string()),
        ),
        item(
            "valuation_date",
            "valuation date",
            inputs.valuation.to_string(),
            json!(inputs.valuation.to_string()),
        ),
        item(
            "basis",
            "basis",
            inputs.basis.name().to_owned(),
            json!(inputs.basis.name()),
        ),
        item(
            "npv_usd",
            "present value",
            format!(
                "{} of {} of flows on or after the valuation date",
                format_money_short(dollars(pv)),
                format_money_short(dollars(flows))
            ),
            json!(format!("{:.2}", dollars(pv))),
        ),
    ];
    Ok(Document {
        report: "npv",
        by: None,
        group_by: Some(inputs.group_by.name()),
        scenarios: inputs.scenarios.clone(),
        title: Some(inputs.catalog.portfolio.name.clone()),
        summary,
        columns,
        rows,
    })
}

/// The present value of each group of `compare`, on one summary line: cash flows (or the daily
/// accrual with `--basis accrual`) from the baseline's horizon start, each group's figure and its
/// difference from the baseline. A slip that moves cash later shows as a loss of present value.
pub fn compared(
    groups: &[Group<'_>],
    filter: &Filter,
    basis: Basis,
    rate: Decimal,
) -> Result<SummaryItem, EngineError> {
    let overflow = || EngineError {
        contract: String::new(),
        what: "a present value",
    };
    let valuation = groups
        .first()
        .map_or(NaiveDate::MIN, |g| g.catalog.portfolio.horizon_start);
    let discount = Discount::new(rate, valuation).ok_or_else(overflow)?;
    let mut parts = Vec::new();
    let mut json = serde_json::Map::new();
    let mut base: Option<i128> = None;
    for g in groups {
        let values = contract_values(g.catalog, filter, basis, &discount)?;
        let cents = rounded_sum(values.iter().map(|v| &v.present)).ok_or_else(overflow)?;
        let text = format_money_short(dollars(cents));
        match base {
            None => {
                base = Some(cents);
                parts.push(format!("{} {text}", g.name));
            }
            Some(b) => {
                let d = dollars(cents - b);
                let sign = if d.is_sign_negative() { "-" } else { "+" };
                parts.push(format!(
                    "{} {text} ({sign}{})",
                    g.name,
                    format_money_short(d.abs())
                ));
            }
        }
        json.insert(
            g.name.clone(),
            serde_json::json!(format!("{:.2}", dollars(cents))),
        );
    }
    Ok(SummaryItem {
        key: "npv_usd".into(),
        label: "present value".into(),
        text: format!(
            "at {} from {valuation} ({}): {}",
            rate_text(rate),
            basis.name(),
            parts.join("; ")
        ),
        json: json.into(),
    })
}
