//! The diff as documents: the summary, the table of contract changes and the table of
//! periods, and how `table`, `markdown`, `json` and `csv` put them together.

use serde_json::{Value as Json, json};

use super::model::{Diff, PeriodDelta};
use super::prose::{capacity_text, contracts_text, demand_text, periods_text, spend_text};
use crate::catalog::diff::{ChangeKind, FieldChange, Value};
use crate::engine::{self, TargetStatus};
use crate::report::compare::{label, mw};
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};
use crate::report::render::{ReportFormat, render};

/// Table cells of changed values are cut to this many characters; JSON has them whole.
const CELL_WIDTH: usize = 60;

fn status_json(s: &TargetStatus) -> Json {
    json!({"met_in": label(&s.met_in), "met_by_deadline": s.met_by_deadline,
        "spend_met_in": label(&s.spend_met_in), "power_met_in": label(&s.power_met_in)})
}

/// The text of a changed value in a table: whole if short, else cut around where the two sides
/// start to differ, so that an edit deep in `notes` shows.
fn cells(change: &FieldChange) -> (String, String) {
    let clean = |v: &Option<Value>| {
        v.as_ref()
            .map(|v| v.human().replace(['\n', '\r'], " "))
            .unwrap_or_else(|| "-".to_owned())
    };
    let (old, new) = (clean(&change.old), clean(&change.new));
    let (o, n): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    if o.len() <= CELL_WIDTH && n.len() <= CELL_WIDTH {
        return (old, new);
    }
    let common = o.iter().zip(&n).take_while(|(a, b)| a == b).count();
    let start = common.saturating_sub(CELL_WIDTH / 3);
    let cut = |s: &[char]| {
        let end = (start + CELL_WIDTH).min(s.len());
        let mut text = String::new();
        if start > 0 {
            text.push('…');
        }
        text.extend(&s[start.min(end)..end]);
        if end < s.len() {
            text.push('…');
        }
        text
    };
    (cut(&o), cut(&n))
}

fn change_json(item: &str, kind: ChangeKind, f: &FieldChange) -> Json {
    let value = |v: &Option<Value>| v.as_ref().map(Value::data);
    json!({"contract": item, "change": kind.name(),
        "field": (!f.field.is_empty()).then_some(f.field.as_str()),
        "old": value(&f.old), "new": value(&f.new)})
}

fn summary(d: &Diff) -> Vec<SummaryItem> {
    let c = &d.catalog;
    let changes: Vec<Json> = c
        .entries()
        .flat_map(|e| e.fields.iter().map(|f| change_json(&e.item, e.kind, f)))
        .collect();
    let mut items = vec![
        SummaryItem {
            key: "old".into(),
            label: "old".into(),
            text: d.old.clone(),
            json: json!(d.old),
        },
        SummaryItem {
            key: "new".into(),
            label: "new".into(),
            text: d.new.clone(),
            json: json!(d.new),
        },
        SummaryItem {
            key: "contracts".into(),
            label: "contracts".into(),
            text: contracts_text(c, false, false),
            json: json!({"added": c.ids(ChangeKind::Added), "removed": c.ids(ChangeKind::Removed),
                "changed": c.ids(ChangeKind::Changed), "portfolio_changed": c.portfolio.is_some(),
                "changes": changes}),
        },
    ];
    let figures_changed = d.periods.iter().any(PeriodDelta::changed);
    let largest = d
        .periods
        .iter()
        .filter(|p| p.delta().power_kw != 0)
        .rev()
        .max_by_key(|p| p.delta().power_kw.abs());
    items.push(SummaryItem {
        key: "capacity".into(),
        label: "capacity".into(),
        text: capacity_text(d)
            .strip_prefix("capacity ")
            .map_or_else(|| capacity_text(d), str::to_owned),
        json: json!({"largest_power_change": largest.map(|p| json!({"period": p.period.label,
            "delta_power_mw": format!("{:.3}", mw(p.delta().power_kw)), "delta_gpus": i64::try_from(p.delta().gpus).unwrap_or(i64::MAX)}))}),
    });
    let s = &d.spend;
    let cents = |c: i128| format!("{:.2}", engine::dollars(c));
    let moves: Vec<Json> = s
        .moves
        .iter()
        .map(|(p, c)| json!({"period": p, "delta_spend_usd": cents(*c)}))
        .collect();
    let shift = s.shift().map(|x| {
        json!({"direction": if x.later { "later" } else { "earlier" }, "amount_usd": cents(x.amount),
            "peak": x.peak, "from": x.from, "to": x.to})
    });
    items.push(SummaryItem {
        key: "spend".into(),
        label: "spend".into(),
        text: spend_text(s)
            .strip_prefix("spend ")
            .unwrap_or_default()
            .to_owned(),
        json: json!({"net_usd": cents(s.net), "shift": shift, "periods": moves}),
    });
    if d.demand {
        let net: i128 = d.periods.iter().map(|p| p.delta().shortfall).sum();
        let text = demand_text(d).unwrap_or_else(|| "level shortfall unchanged".to_owned());
        items.push(SummaryItem {
            key: "demand".into(),
            label: "demand".into(),
            text,
            json: json!({"delta_shortfall_h100e_hours": i64::try_from(net).unwrap_or(i64::MAX)}),
        });
    }
    let changed = d.periods.iter().filter(|p| p.changed()).count();
    items.push(SummaryItem {
        key: "periods".into(),
        label: "periods".into(),
        text: periods_text(d),
        json: json!({"changed": changed, "total": d.periods.len(), "all_shown": d.all_periods,
            "figures_changed": figures_changed}),
    });
    for t in &d.targets {
        let text = match &t.old {
            Some((_, old)) if !t.changed() => format!("{old}, unchanged"),
            Some((_, old)) => format!("{}, was {old}", t.new_text),
            None => format!("{}, a new target", t.new_text),
        };
        items.push(SummaryItem {
            key: format!("targets_met:{}", t.id),
            label: t.id.clone(),
            text,
            json: json!({"old": t.old.as_ref().map(|(s, _)| status_json(s)),
                "new": status_json(&t.new), "changed": t.changed()}),
        });
    }
    items
}

/// The changes as a table: one row per changed field, one per contract added or removed.
/// One row per contract change.
pub fn changes_document(d: &Diff) -> Document {
    let columns = vec![
        Column::new("contract", "contract", Kind::Text),
        Column::new("change", "change", Kind::Text),
        Column::new("field", "field", Kind::Text),
        Column::new("old", "old", Kind::Text),
        Column::new("new", "new", Kind::Text),
    ];
    let rows = d
        .catalog
        .entries()
        .flat_map(|e| {
            e.fields.iter().map(|f| {
                let (old, new) = cells(f);
                let field = if f.field.is_empty() { "-" } else { &f.field };
                vec![
                    Cell::Text(e.item.clone()),
                    Cell::Text(e.kind.name().to_owned()),
                    Cell::Text(field.to_owned()),
                    Cell::Text(old),
                    Cell::Text(new),
                ]
            })
        })
        .collect();
    Document {
        report: "diff",
        by: Some(d.by.name()),
        group_by: Some("total"),
        scenarios: Vec::new(),
        title: None,
        summary: Vec::new(),
        columns,
        rows,
    }
}

/// The periods as a table, with the whole summary: the document of `json` and `csv`.
pub fn document(d: &Diff) -> Document {
    let columns = vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date).data_only(),
        Column::new("end", "end", Kind::Date).data_only(),
        Column::new("group", "group", Kind::Text).data_only(),
        Column::new("old_gpus", "old GPUs", Kind::Count).data_only(),
        Column::new("new_gpus", "GPUs", Kind::Count),
        Column::new("delta_gpus", "Δ GPUs", Kind::Count).signed(),
        Column::new("old_cpus", "old CPUs", Kind::Count).data_only(),
        Column::new("new_cpus", "CPUs", Kind::Count).data_only(),
        Column::new("delta_cpus", "Δ CPUs", Kind::Count).signed(),
        Column::new("old_power_mw", "old GW", Kind::MwAsGw).data_only(),
        Column::new("new_power_mw", "GW", Kind::MwAsGw),
        Column::new("delta_power_mw", "Δ MW", Kind::Mw).signed(),
        Column::new("old_spend_usd", "old spend", Kind::Money).data_only(),
        Column::new("new_spend_usd", "spend", Kind::Money),
        Column::new("delta_spend_usd", "Δ spend", Kind::Money).signed(),
        Column::new("old_cumulative_spend_usd", "old cumul.", Kind::Money).data_only(),
        Column::new("new_cumulative_spend_usd", "cumul.", Kind::Money).data_only(),
        Column::new("delta_cumulative_spend_usd", "Δ cumul.", Kind::Money).signed(),
    ];
    let mut columns = columns;
    if d.demand {
        columns.extend([
            Column::new("old_shortfall_h100e_hours", "old shortfall", Kind::Count).data_only(),
            Column::new(
                "new_shortfall_h100e_hours",
                "shortfall H100e-h",
                Kind::Count,
            )
            .data_only(),
            Column::new(
                "delta_shortfall_h100e_hours",
                "Δ shortfall H100e-h",
                Kind::Count,
            )
            .signed(),
        ]);
    }
    let money = |c: i128| Cell::Decimal(engine::dollars(c));
    let power = |kw: i128| Cell::Decimal(mw(kw));
    let rows = d
        .shown()
        .map(|p| {
            let (o, n, x) = (p.old, p.new, p.delta());
            let mut row = vec![
                Cell::Text(p.period.label.clone()),
                Cell::Date(p.period.start),
                Cell::Date(p.period.end),
                Cell::Text("total".to_owned()),
                Cell::Count(o.gpus),
                Cell::Count(n.gpus),
                Cell::Count(x.gpus),
                Cell::Count(o.cpus),
                Cell::Count(n.cpus),
                Cell::Count(x.cpus),
                power(o.power_kw),
                power(n.power_kw),
                power(x.power_kw),
                money(o.spend),
                money(n.spend),
                money(x.spend),
                money(o.cumulative),
                money(n.cumulative),
                money(x.cumulative),
            ];
            if d.demand {
                row.extend([
                    Cell::Count(o.shortfall),
                    Cell::Count(n.shortfall),
                    Cell::Count(x.shortfall),
                ]);
            }
            row
        })
        .collect();
    Document {
        report: "diff",
        by: Some(d.by.name()),
        group_by: Some("total"),
        scenarios: Vec::new(),
        title: Some(d.title.clone()),
        summary: summary(d),
        columns,
        rows,
    }
}

/// `diff` as `table`, `json`, `csv` or `markdown`.
pub fn render_diff(d: &Diff, format: ReportFormat) -> Vec<u8> {
    let periods = document(d);
    match format {
        ReportFormat::Json | ReportFormat::Csv => render(&periods, format),
        ReportFormat::Table | ReportFormat::Markdown => {
            let head = Document {
                columns: Vec::new(),
                rows: Vec::new(),
                ..periods.clone()
            };
            let mut out = render(&head, format);
            let markdown = format == ReportFormat::Markdown;
            let changes = changes_document(d);
            let periods = Document {
                title: None,
                summary: Vec::new(),
                ..periods
            };
            for (heading, part) in [("Contract changes", changes), ("Periods", periods)] {
                if part.rows.is_empty() {
                    continue;
                }
                if markdown {
                    out.extend_from_slice(format!("### {heading}\n\n").as_bytes());
                }
                out.extend(render(&part, format));
                out.push(b'\n');
            }
            // One blank line at the end, whatever was shown.
            while out.ends_with(b"\n\n") {
                out.pop();
            }
            out
        }
    }
}
