//! The HTML report: one self-contained page (no scripts, no requests, no external fonts) with
//! the plan's summary, the charts as inline SVG, the plan by period and the contracts with
//! their sources as links. It reads on a laptop screen and prints on A4 or Letter.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::report::document::{Cell, Document, Kind};
use crate::report::render::{for_people, is_numeric};

/// One contract's sources and notes, for the page's list of deals.
pub struct Sources {
    pub id: String,
    pub title: String,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

/// What the page shows.
pub struct Page<'a> {
    pub title: String,
    /// Shown under the title: the catalog, the scenarios, the period length.
    pub subtitle: String,
    pub plan: &'a Document,
    pub contracts: &'a Document,
    /// With demand: the schedule in total per period.
    pub schedule: Option<&'a Document>,
    /// `(caption, SVG document)`.
    pub charts: Vec<(String, String)>,
    pub sources: Vec<Sources>,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5b5b60; --rule: #d9d9de; --accent: #1f77b4; --ok: #2c8a2c; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1440px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 36px 0 10px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
.subtitle { color: var(--muted); margin: 0 0 20px; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; padding: 14px 18px; background: #f6f7f9; border-radius: 8px; }
dl.summary dt { font-weight: 600; color: var(--muted); }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
figure { margin: 18px 0; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid var(--rule); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 4px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); white-space: nowrap; }
th { text-align: left; background: #f6f7f9; position: sticky; top: 0; }
td.num, th.num { text-align: right; }
.bar { display: inline-block; width: 120px; height: 10px; background: #eceef2; border-radius: 5px; overflow: hidden; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: var(--accent); }
.bar.over > span { background: var(--ok); }
ul.sources { padding-left: 1.2em; }
ul.sources li { margin: 6px 0; }
ul.sources a { color: var(--accent); word-break: break-all; }
details { color: var(--muted); font-size: 0.9rem; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85rem; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, tr { break-inside: avoid; }
  th { position: static; }
  .table-wrap { overflow: visible; }
  details { display: none; }
  a { color: inherit; text-decoration: none; }
  ul.sources a::after { content: ""; }
}
"#;

/// A bar of a share of a target: full at 100%.
fn bar(pct: Decimal) -> String {
    let width = pct.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED).round_dp(1);
    let over = if pct > Decimal::ONE_HUNDRED {
        " over"
    } else {
        ""
    };
    format!(
        r#"<span class="bar{over}" role="img" aria-label="{pct:.2}% of the target"><span style="width:{width}%"></span></span>"#
    )
}

/// The columns tables show of `doc` as an HTML table.
pub fn table(doc: &Document) -> String {
    let shown: Vec<usize> = (0..doc.columns.len())
        .filter(|&i| doc.columns[i].in_table)
        .collect();
    let mut out = String::from("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for &i in &shown {
        let col = &doc.columns[i];
        let class = if is_numeric(col.kind) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(col.header));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &doc.rows {
        out.push_str("<tr>");
        for &i in &shown {
            let col = &doc.columns[i];
            let text = match (&row[i], col.kind) {
                (Cell::Decimal(d), Kind::Bar) => bar(*d),
                (cell, _) => escape(&for_people(cell, col)),
            };
            let class = if is_numeric(col.kind) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{text}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    out
}

fn is_link(source: &str) -> bool {
    source.starts_with("https://") || source.starts_with("http://")
}

/// The whole page.
pub fn page(p: &Page<'_>) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"capplan {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&p.title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n",
        escape(&p.title),
        escape(&p.subtitle)
    );
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"summary\">\n");
    for item in &p.plan.summary {
        let _ = writeln!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            escape(&item.label),
            escape(&item.text)
        );
    }
    out.push_str("</dl>\n</section>\n");
    if !p.charts.is_empty() {
        out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        for (caption, svg) in &p.charts {
            let _ = write!(
                out,
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                svg.trim_end(),
                escape(caption)
            );
        }
        out.push_str("</section>\n");
    }
    let by = p.plan.by.unwrap_or("period");
    let _ = write!(
        out,
        "<section id=\"plan\">\n<h2>Plan by {}</h2>\n{}</section>\n",
        escape(by),
        table(p.plan)
    );
    if let Some(schedule) = p.schedule {
        let _ = write!(
            out,
            "<section id=\"schedule\">\n<h2>Demand and the schedule by {}</h2>\n{}</section>\n",
            escape(by),
            table(schedule)
        );
    }
    let _ = write!(
        out,
        "<section id=\"contracts\">\n<h2>Contracts</h2>\n{}",
        table(p.contracts)
    );
    out.push_str("<h3>Sources</h3>\n<ul class=\"sources\">\n");
    for s in &p.sources {
        let _ = write!(
            out,
            "<li id=\"contract-{}\"><strong>{}</strong>: {}",
            escape(&s.id),
            escape(&s.id),
            escape(&s.title)
        );
        if !s.sources.is_empty() {
            out.push_str("<br>");
            let links: Vec<String> = s
                .sources
                .iter()
                .map(|src| {
                    if is_link(src) {
                        format!("<a href=\"{0}\" rel=\"noreferrer\">{0}</a>", escape(src))
                    } else {
                        escape(src)
                    }
                })
                .collect();
            out.push_str(&links.join("<br>"));
        }
        if let Some(notes) = &s.notes {
            let _ = write!(
                out,
                "<details><summary>notes</summary>{}</details>",
                escape(notes.trim()).replace('\n', "<br>")
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
    let _ = write!(
        out,
        "<footer>Projected by capplan {} from the contract catalog: figures are projections of \
         commitments as publicly reported, not bills.</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}
