//! The document of `capplan solve`: the answer of a goal seek ([`crate::engine::solve`]).

use serde_json::json;

use crate::engine::solve::{Lever, Outcome, SCAN_POINTS};
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};

fn item(key: &str, label: &str, text: String, json: serde_json::Value) -> SummaryItem {
    SummaryItem {
        key: key.into(),
        label: label.into(),
        text,
        json,
    }
}

/// The answer as a document: a summary that says it, and a row for each side of the boundary
/// (or each end of the range).
///
/// A lever that does not move the goal's figure has no answer to show: `None`, for the caller
/// to say so.
pub fn solve(
    lever: &Lever,
    goal: &str,
    range: &str,
    outcome: &Outcome<String>,
    projections: usize,
) -> Option<Document> {
    let row = |point: &str, step: i64, holds: Option<bool>, figure: &str| {
        vec![
            Cell::Text(point.to_owned()),
            Cell::Text(lever.show(step)),
            holds.map_or(Cell::Null, Cell::Bool),
            Cell::Text(figure.to_owned()),
        ]
    };
    let kind = match outcome {
        Outcome::Boundary { .. } => "boundary",
        Outcome::Everywhere { .. } => "everywhere",
        Outcome::Nowhere { .. } => "nowhere",
        Outcome::NotMonotone { .. } => "not-monotone",
        Outcome::Unmoved { .. } => "unmoved",
    };
    let (answer, boundary, rows) = match outcome {
        Outcome::Boundary { holds, fails } => {
            let side = if holds.0 > fails.0 {
                "at and above"
            } else {
                "at and below"
            };
            (
                format!(
                    "`{goal}` holds {side} {} = {}: {}; at {} {}",
                    lever.name(),
                    lever.show(holds.0),
                    holds.1,
                    lever.show(fails.0),
                    fails.1
                ),
                json!(lever.show(holds.0)),
                vec![
                    row("boundary", holds.0, Some(true), &holds.1),
                    row("other side", fails.0, Some(false), &fails.1),
                ],
            )
        }
        Outcome::Everywhere { lo, hi } | Outcome::Nowhere { lo, hi } => {
            let everywhere = matches!(outcome, Outcome::Everywhere { .. });
            (
                format!(
                    "`{goal}` holds {} in the range {range}: {} at {}, {} at {}",
                    if everywhere { "everywhere" } else { "nowhere" },
                    lo.1,
                    lever.show(lo.0),
                    hi.1,
                    lever.show(hi.0)
                ),
                serde_json::Value::Null,
                vec![
                    row("range start", lo.0, Some(everywhere), &lo.1),
                    row("range end", hi.0, Some(everywhere), &hi.1),
                ],
            )
        }
        Outcome::NotMonotone { changes, points } => (
            format!(
                "`{goal}` is not monotone in {}: it changes {changes} times over {SCAN_POINTS} evenly spaced points of {range}; narrow the range to one change",
                lever.name()
            ),
            serde_json::Value::Null,
            points
                .iter()
                .map(|(x, h)| row("point", *x, Some(*h), ""))
                .collect(),
        ),
        Outcome::Unmoved { .. } => return None,
    };
    Some(Document {
        report: "solve",
        by: None,
        group_by: None,
        scenarios: Vec::new(),
        title: None,
        summary: vec![
            item("lever", "lever", lever.name(), json!(lever.name())),
            item("goal", "goal", goal.to_owned(), json!(goal)),
            item("range", "range", range.to_owned(), json!(range)),
            item("answer", "answer", answer, json!(kind)),
            item(
                "boundary",
                "boundary",
                boundary
                    .as_str()
                    .map_or_else(|| "none".to_owned(), str::to_owned),
                boundary,
            ),
            item(
                "projections",
                "projections",
                projections.to_string(),
                json!(projections),
            ),
        ],
        columns: vec![
            Column::new("point", "point", Kind::Text),
            Column::new("lever_value", "lever", Kind::Text),
            Column::new("holds", "holds", Kind::Bool),
            Column::new("figure", "figure", Kind::Text),
        ],
        rows,
    })
}
