//! The diff as a pull-request comment: a headline, then collapsed tables cut to stay under
//! GitHub's size limit.

use super::model::Diff;
use super::prose::{headline, period_noun, periods_text, plural};
use super::render::{changes_document, document};
use crate::catalog::value::group_thousands;
use crate::report::document::{Cell, Column, Document, Kind};
use crate::report::render::{ReportFormat, render};

/// GitHub refuses a comment longer than this many characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// A markdown table cut to fit `budget` bytes: its text and the number of rows left out. The
/// header always stays; rows are kept in order up to the first that does not fit.
fn fit_table(doc: &Document, budget: usize) -> (String, usize) {
    let text = String::from_utf8(render(doc, ReportFormat::Markdown)).unwrap_or_default();
    let mut out = String::new();
    let mut left = 0;
    for (i, line) in text.lines().enumerate() {
        if left == 0 && (i < 2 || out.len() + line.len() < budget) {
            out.push_str(line);
            out.push('\n');
        } else {
            left += 1;
        }
    }
    (out, left)
}

fn details(summary: &str, body: &str) -> String {
    format!("<details><summary>{summary}</summary>\n\n{body}\n</details>\n\n")
}

/// Text of a changes cell that is safe in a comment: no HTML tags.
fn comment_safe(mut doc: Document) -> Document {
    for row in &mut doc.rows {
        for cell in row {
            if let Cell::Text(t) = cell {
                *t = t.replace('<', "&lt;").replace('>', "&gt;");
            }
        }
    }
    doc
}

/// `diff` as a pull-request comment: a marker for tools that update it, a one-line summary, then
/// collapsed tables (contract changes, targets, period deltas), cut with a note where the whole
/// would pass `limit` bytes (so characters: GitHub counts characters, never more than bytes).
pub fn github_comment(d: &Diff, limit: usize) -> String {
    let mut out = String::from("<!-- capplan-diff -->\n### capplan diff\n\n");
    out.push_str(&format!("**{}**\n\n", headline(d, true)));
    let (one, many) = period_noun(d.by);
    out.push_str(&format!(
        "`{}` → `{}`, by {one}; {}.\n\n",
        d.old,
        d.new,
        periods_text(d)
    ));
    if d.is_empty() {
        return out;
    }
    let changes = comment_safe(changes_document(d));
    let targets = targets_document(d);
    let mut periods = Document {
        title: None,
        summary: Vec::new(),
        ..document(d)
    };
    // CPUs are rarer than GPUs: their column only where one changed.
    if d.shown().all(|p| p.delta().cpus == 0) {
        for c in &mut periods.columns {
            if c.name == "delta_cpus" {
                c.in_table = false;
            }
        }
    }
    let n_fields = changes.rows.len();
    let n_contracts = d.catalog.entries().count();
    let n_periods = periods.rows.len();
    let sections = [
        (
            format!(
                "Contract changes ({} in {})",
                plural(n_fields, "row", "rows"),
                plural(n_contracts, "file", "files")
            ),
            changes,
        ),
        ("Targets".to_owned(), targets),
        (
            format!(
                "Period deltas ({} {})",
                n_periods,
                if n_periods == 1 { one } else { many }
            ),
            periods,
        ),
    ];
    // What every section needs besides its rows, and the note of a cut table.
    const NOTE: &str = "\n_… {} more rows left out to stay under GitHub's comment size limit: run `capplan diff` for all of them._\n";
    let fixed: usize = sections
        .iter()
        .map(|(s, _)| details(s, "").len() + 600)
        .sum();
    let mut budget = limit.saturating_sub(out.len() + fixed);
    for (summary, doc) in sections {
        if doc.rows.is_empty() {
            continue;
        }
        let (mut table, left) = fit_table(&doc, budget);
        budget = budget.saturating_sub(table.len());
        if left > 0 {
            table.push_str(&NOTE.replace("{}", &group_thousands(&left.to_string())));
        }
        out.push_str(&details(&summary, &table));
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// When each target is met, OLD and NEW, for the comment.
fn targets_document(d: &Diff) -> Document {
    let rows = d
        .targets
        .iter()
        .map(|t| {
            vec![
                Cell::Text(t.id.clone()),
                Cell::Text(
                    t.old
                        .as_ref()
                        .map_or("-".to_owned(), |(_, text)| text.clone()),
                ),
                Cell::Text(t.new_text.clone()),
                Cell::Text(if t.changed() { "changed" } else { "unchanged" }.to_owned()),
            ]
        })
        .collect();
    Document {
        report: "diff",
        by: Some(d.by.name()),
        group_by: Some("total"),
        scenarios: Vec::new(),
        title: None,
        summary: Vec::new(),
        columns: vec![
            Column::new("target", "target", Kind::Text),
            Column::new("old", "old", Kind::Text),
            Column::new("new", "new", Kind::Text),
            Column::new("change", "change", Kind::Text),
        ],
        rows,
    }
}
