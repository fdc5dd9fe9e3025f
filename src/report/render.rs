//! Exporters: a [`Document`] to bytes, as `table`, `json`, `csv` or `markdown`. They return
//! bytes or write to a `dyn Write`, and never open files; the caller decides where the bytes go.
//! Every format is written a row at a time from [`Rows`], so that rows computed as they are
//! written are never all held.

use std::io::{self, Write};

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};
use tabled::builder::Builder;
use tabled::settings::object::{Columns, Rows as TableRows};
use tabled::settings::{Alignment, Style};

use crate::catalog::value::{format_money_short, group_thousands};
use crate::report::document::{Cell, Column, Document, Kind, Rows, RowsError};

/// Version of the JSON shape. Fields may be added within a version; none is renamed or removed.
pub const SCHEMA_VERSION: u32 = 1;

/// The report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Markdown,
}

pub fn render(doc: &Document, format: ReportFormat) -> Vec<u8> {
    render_styled(doc, format, false)
}

/// [`render`], with colors in tables when `color` is set (a terminal, no `NO_COLOR`).
pub fn render_styled(doc: &Document, format: ReportFormat, color: bool) -> Vec<u8> {
    let mut out = Vec::new();
    // Held rows have no figure left to fail, and a `Vec` takes every byte.
    let _ = write_styled(doc, &doc.rows, format, color, &mut out, false);
    out
}

/// Writes the report whose head (title, summary, columns) is `doc` and whose rows are `rows`,
/// as `format`, to `out`. With `check_first`, every figure is computed before the first byte is
/// written, so that a figure that fails leaves no half-written report where `out` cannot be
/// taken back (standard output): a table measures its columns in a first pass over the rows
/// anyway, the other formats check them first ([`Rows::check`]). A temporary file that is
/// discarded on failure needs no such pass.
pub fn write_styled(
    doc: &Document,
    rows: &dyn Rows,
    format: ReportFormat,
    color: bool,
    out: &mut dyn Write,
    check_first: bool,
) -> Result<(), RowsError> {
    if check_first && format != ReportFormat::Table {
        rows.check()?;
    }
    match format {
        ReportFormat::Table => table(doc, rows, color, out),
        ReportFormat::Json => json_doc(doc, rows, out),
        ReportFormat::Csv => csv_doc(doc, rows, out),
        ReportFormat::Markdown => markdown(doc, rows, out),
    }
}

fn fixed(d: Decimal, dp: u32) -> String {
    format!(
        "{:.*}",
        dp as usize,
        d.round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven)
    )
}

/// A cell as plain data text: CSV, and the strings of JSON.
fn plain(cell: &Cell, kind: Kind) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Date(d) => d.to_string(),
        Cell::Count(n) => n.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Null | Cell::NotApplicable => String::new(),
        Cell::Decimal(d) => match kind {
            Kind::Mw | Kind::MwAsGw | Kind::Eflops => fixed(*d, 3),
            Kind::Probability => fixed(*d, 4),
            _ => fixed(*d, 2),
        },
    }
}

/// A cell for people: separators, scaled money, gigawatts.
fn human(cell: &Cell, kind: Kind) -> String {
    match cell {
        // Text meant for people never carries a control character raw (docs: control-character).
        Cell::Text(s) => crate::diagnostic::escape_controls(s).into_owned(),
        Cell::Count(n) => group_thousands(&n.to_string()),
        Cell::Null => "-".to_owned(),
        Cell::NotApplicable => "n/a".to_owned(),
        Cell::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Cell::Decimal(d) => match kind {
            Kind::Money => format_money_short(*d),
            Kind::Price => format!("${}", fixed(*d, 2)),
            // The reported figure itself, three decimals: rounding it again for display could
            // differ from one rounding of the exact value.
            Kind::Mw | Kind::Eflops => {
                let text = fixed(*d, 3);
                let (whole, frac) = text.split_once('.').unwrap_or((&text, "0"));
                format!("{}.{frac}", group_thousands(whole))
            }
            Kind::MwAsGw => fixed(*d / Decimal::from(1000), 2),
            Kind::Pct => format!("{}%", fixed(*d, 2)),
            Kind::Probability => fixed(*d, 4),
            Kind::Bar => bar(*d),
            _ => d.to_string(),
        },
        other => plain(other, kind),
    }
}

/// Cells of a [`Kind::Bar`] column: 100% fills them.
pub const BAR_CELLS: u32 = 10;

/// A percentage as a bar of [`BAR_CELLS`] cells in eighths, with `+` past 100%.
fn bar(pct: Decimal) -> String {
    let full = Decimal::from(BAR_CELLS * 8);
    let eighths = (pct * full / Decimal::ONE_HUNDRED)
        .round()
        .clamp(Decimal::ZERO, full);
    // In range by the clamp.
    let eighths = u32::try_from(eighths.mantissa() / 10i128.pow(eighths.scale())).unwrap_or(0);
    let mut out = "█".repeat((eighths / 8) as usize);
    if eighths % 8 > 0 {
        out.push(EIGHTHS[(eighths % 8 - 1) as usize]);
    }
    if pct > Decimal::ONE_HUNDRED {
        out.push('+');
    }
    out
}

/// The eighths a bar is drawn with, from one to eight. (In Unicode they run the other way,
/// `█` U+2588 to `▏` U+258F, so a range from `▏` to `█` would hold none of them.)
const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/// Colors the bars of a rendered table: green where past the target, cyan below it.
fn color_bars(text: &str) -> String {
    let is_bar = |c: char| EIGHTHS.contains(&c);
    let mut out = String::with_capacity(text.len() + 64);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_bar(c) {
            out.push(c);
            continue;
        }
        let mut run = String::from(c);
        while let Some(&n) = chars.peek().filter(|n| is_bar(**n)) {
            run.push(n);
            chars.next();
        }
        let over = chars.peek() == Some(&'+');
        let color = if over { "32" } else { "36" };
        out.push_str(&format!("\x1b[{color}m{run}"));
        if over {
            chars.next();
            out.push('+');
        }
        out.push_str("\x1b[0m");
    }
    out
}

/// A cell of a column for people: [`human`], with a `+` on positive differences.
pub(crate) fn for_people(cell: &Cell, col: &Column) -> String {
    let text = human(cell, col.kind);
    let positive = match cell {
        Cell::Count(n) => *n > 0,
        Cell::Decimal(d) => d.is_sign_positive() && !d.is_zero(),
        _ => false,
    };
    if col.signed && positive {
        format!("+{text}")
    } else {
        text
    }
}

pub(crate) fn is_numeric(kind: Kind) -> bool {
    !matches!(kind, Kind::Text | Kind::Date | Kind::Bool | Kind::Bar)
}

/// The scenarios a report's figures are under, for its heading in text and markdown (JSON
/// has them as `scenarios`); `compare` and `sensitivity` name them in lines of their own.
fn scenarios_applied(doc: &Document) -> Option<String> {
    let named = doc
        .summary
        .iter()
        .any(|s| matches!(s.label.as_str(), "applied" | "compared"));
    if doc.scenarios.is_empty() || doc.group_by == Some("scenario") || named {
        return None;
    }
    let names: Vec<String> = doc
        .scenarios
        .iter()
        .map(|s| {
            if s == crate::scenario::flags::COMMAND_LINE {
                "the what-if flags of the command line".to_owned()
            } else {
                format!("`{}`", crate::diagnostic::escape_controls(s))
            }
        })
        .collect();
    Some(names.join(", then "))
}

fn summary_text(doc: &Document) -> String {
    let mut out = String::new();
    if let Some(title) = &doc.title {
        out.push_str(&crate::diagnostic::escape_controls(title));
        out.push('\n');
    }
    let applied = scenarios_applied(doc);
    let width = doc
        .summary
        .iter()
        .map(|s| s.label.chars().count())
        .chain(applied.as_ref().map(|_| "scenarios".len()))
        .max()
        .unwrap_or(0);
    if let Some(applied) = &applied {
        out.push_str(&format!("  {:<width$}  {applied}\n", "scenarios"));
    }
    for item in &doc.summary {
        out.push_str(&format!(
            "  {:<width$}  {}\n",
            item.label,
            crate::diagnostic::escape_controls(&item.text)
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The table, as `tabled` draws it in its `psql` style, drawn a row at a time: the widths in a
/// first pass over the rows, then each line, so that the rows' text is never held all at once.
/// A cell with a line end (which `tabled` draws on several lines) falls back to `tabled`.
fn table(
    doc: &Document,
    rows: &dyn Rows,
    color: bool,
    out: &mut dyn Write,
) -> Result<(), RowsError> {
    use unicode_width::UnicodeWidthStr;
    let put = |out: &mut dyn Write, text: &str| -> io::Result<()> {
        if color {
            out.write_all(color_bars(text).as_bytes())
        } else {
            out.write_all(text.as_bytes())
        }
    };
    if doc.columns.is_empty() {
        put(out, &summary_text(doc))?;
        return Ok(());
    }
    let shown: Vec<usize> = (0..doc.columns.len())
        .filter(|&i| doc.columns[i].in_table)
        .collect();
    let headers: Vec<&str> = shown.iter().map(|&i| doc.columns[i].header).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    let mut lines_in_cells = headers.iter().any(|h| h.contains('\n'));
    rows.each(&mut |row| {
        for (k, &i) in shown.iter().enumerate() {
            let text = for_people(&row[i], &doc.columns[i]);
            lines_in_cells |= text.contains('\n');
            widths[k] = widths[k].max(text.width());
        }
        Ok(())
    })?;
    if lines_in_cells {
        let mut held = Vec::new();
        rows.each(&mut |row| {
            held.push(row.to_vec());
            Ok(())
        })?;
        put(out, &table_drawn_by_tabled(doc, &held))?;
        return Ok(());
    }
    let right: Vec<bool> = shown
        .iter()
        .map(|&i| is_numeric(doc.columns[i].kind))
        .collect();
    put(out, &summary_text(doc))?;
    let mut line = String::new();
    // One line: each cell padded to its column's width, a space either side, `|` between; no
    // trailing blanks.
    let mut push_line =
        |out: &mut dyn Write, cells: &mut dyn Iterator<Item = (usize, String)>| -> io::Result<()> {
            line.clear();
            for (k, (pad_left, text)) in cells.enumerate() {
                if k > 0 {
                    line.push('|');
                }
                let pad = widths[k] - text.width();
                line.push(' ');
                line.extend(std::iter::repeat_n(' ', pad_left.min(pad)));
                line.push_str(&text);
                line.extend(std::iter::repeat_n(' ', pad - pad_left.min(pad)));
                line.push(' ');
            }
            let end = line.trim_end().len();
            line.truncate(end);
            line.push('\n');
            put(out, &line)
        };
    // The header, centred (an odd space goes right).
    push_line(
        out,
        &mut headers
            .iter()
            .enumerate()
            .map(|(k, h)| ((widths[k] - h.width()) / 2, (*h).to_owned())),
    )?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    out.write_all(rule.join("+").as_bytes())?;
    out.write_all(b"\n")?;
    rows.each(&mut |row| {
        push_line(
            out,
            &mut shown.iter().enumerate().map(|(k, &i)| {
                let text = for_people(&row[i], &doc.columns[i]);
                let pad_left = if right[k] { usize::MAX } else { 0 };
                (pad_left, text)
            }),
        )
    })?;
    if rows.count() == 0 {
        out.write_all(b"(no rows)\n")?;
    }
    Ok(())
}

fn table_drawn_by_tabled(doc: &Document, rows: &[Vec<Cell>]) -> String {
    let mut out = summary_text(doc);
    // A document without columns is a summary alone.
    if doc.columns.is_empty() {
        return out;
    }
    let mut builder = Builder::default();
    let shown: Vec<usize> = (0..doc.columns.len())
        .filter(|&i| doc.columns[i].in_table)
        .collect();
    builder.push_record(shown.iter().map(|&i| doc.columns[i].header.to_owned()));
    for row in rows {
        builder.push_record(shown.iter().map(|&i| for_people(&row[i], &doc.columns[i])));
    }
    let mut t = builder.build();
    t.with(Style::psql());
    for (i, col) in shown.iter().map(|&i| &doc.columns[i]).enumerate() {
        if is_numeric(col.kind) {
            t.modify(Columns::one(i), Alignment::right());
        }
    }
    t.modify(TableRows::first(), Alignment::center());
    // No trailing blanks: they are noise in diffs, logs and pasted examples.
    for line in t.to_string().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(no rows)\n");
    }
    out
}

fn markdown(doc: &Document, rows: &dyn Rows, out: &mut dyn Write) -> Result<(), RowsError> {
    let mut head = String::new();
    if let Some(title) = &doc.title {
        head.push_str(&format!("## {title}\n\n"));
    }
    let applied = scenarios_applied(doc);
    if let Some(applied) = &applied {
        head.push_str(&format!(
            "- **scenarios**: {}\n",
            applied.replace('|', "\\|")
        ));
    }
    for item in &doc.summary {
        head.push_str(&format!(
            "- **{}**: {}\n",
            item.label,
            item.text.replace('|', "\\|")
        ));
    }
    if !doc.summary.is_empty() || applied.is_some() {
        head.push('\n');
    }
    if doc.columns.is_empty() {
        out.write_all(head.as_bytes())?;
        return Ok(());
    }
    let shown: Vec<usize> = (0..doc.columns.len())
        .filter(|&i| doc.columns[i].in_table)
        .collect();
    let header: Vec<&str> = shown.iter().map(|&i| doc.columns[i].header).collect();
    head.push_str(&format!("| {} |\n", header.join(" | ")));
    let rule: Vec<&str> = shown
        .iter()
        .map(|&i| {
            if is_numeric(doc.columns[i].kind) {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    head.push_str(&format!("| {} |\n", rule.join(" | ")));
    out.write_all(head.as_bytes())?;
    rows.each(&mut |row| {
        let cells: Vec<String> = shown
            .iter()
            .map(|&i| for_people(&row[i], &doc.columns[i]).replace('|', "\\|"))
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))
    })
}

fn json_value(cell: &Cell, col: &Column) -> Value {
    match cell {
        Cell::Null | Cell::NotApplicable => Value::Null,
        Cell::Count(n) => {
            i64::try_from(*n).map_or_else(|_| Value::String(n.to_string()), Value::from)
        }
        Cell::Bool(b) => Value::Bool(*b),
        other => Value::String(plain(other, col.kind)),
    }
}

/// The members of a JSON report before its rows, in their order.
fn json_head(doc: &Document) -> Map<String, Value> {
    let mut top = Map::new();
    top.insert("schema_version".into(), json!(SCHEMA_VERSION));
    top.insert("report".into(), json!(doc.report));
    top.insert("by".into(), json!(doc.by));
    top.insert("group_by".into(), json!(doc.group_by));
    top.insert("scenarios".into(), json!(doc.scenarios));
    if !doc.summary.is_empty() {
        let summary: Map<String, Value> = doc
            .summary
            .iter()
            .map(|s| (s.key.clone(), s.json.clone()))
            .collect();
        top.insert("summary".into(), Value::Object(summary));
    }
    top
}

/// The JSON document, pretty-printed as `serde_json` prints it, written a row at a time: the
/// rows are never held as JSON values all at once, so a report of millions of rows needs the
/// memory of one row's text only.
fn json_doc(doc: &Document, rows: &dyn Rows, out: &mut dyn Write) -> Result<(), RowsError> {
    let top = json_head(doc);
    // The head, `{` to its last member, as it prints without the rows; then `"rows"`, last.
    let mut head = serde_json::to_vec_pretty(&Value::Object(top)).unwrap_or_default();
    head.truncate(head.len().saturating_sub(2)); // the closing `\n}`
    head.extend_from_slice(b",\n  \"rows\": [");
    out.write_all(&head)?;
    let shown: Vec<(usize, &Column)> = doc
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.in_data)
        .collect();
    let mut n = 0usize;
    let mut text = Vec::new();
    let mut indented = Vec::new();
    rows.each(&mut |row| {
        let mut m = Map::new();
        for &(i, col) in &shown {
            m.insert(col.name.to_owned(), json_value(&row[i], col));
        }
        indented.clear();
        indented.extend_from_slice(if n == 0 { b"\n" } else { b",\n" });
        n += 1;
        // A row printed alone, indented two levels: JSON text holds no raw line ends, so every
        // line end is one of the printer's.
        text.clear();
        serde_json::to_writer_pretty(&mut text, &Value::Object(m)).map_err(io::Error::other)?;
        indented.extend_from_slice(b"    ");
        for &b in &text {
            indented.push(b);
            if b == b'\n' {
                indented.extend_from_slice(b"    ");
            }
        }
        out.write_all(&indented)
    })?;
    out.write_all(if n == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    Ok(())
}

/// The output's own error inside a CSV error, so that a closed pipe is still seen as one.
fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn csv_doc(doc: &Document, rows: &dyn Rows, out: &mut dyn Write) -> Result<(), RowsError> {
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = doc
        .columns
        .iter()
        .filter(|c| c.in_data)
        .map(|c| c.name)
        .collect();
    w.write_record(&header).map_err(csv_io)?;
    rows.each(&mut |row| {
        w.write_record(
            row.iter()
                .zip(&doc.columns)
                .filter(|(_, col)| col.in_data)
                .map(|(cell, col)| plain(cell, col.kind)),
        )
        .map_err(csv_io)
    })?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::SummaryItem;

    #[test]
    fn every_eighth_of_a_bar_is_colored_below_and_past_the_target() {
        for pct in ["1.25", "12.5", "50", "87.5", "99.99", "100"] {
            let bar = bar(pct.parse().unwrap());
            let colored = color_bars(&format!("| {bar} |"));
            assert_eq!(colored, format!("| \x1b[36m{bar}\x1b[0m |"), "{pct}%");
        }
        let past = bar("120".parse().unwrap());
        let run = past.trim_end_matches('+');
        assert_eq!(
            color_bars(&format!("| {past} |")),
            format!("| \x1b[32m{run}+\x1b[0m |")
        );
    }

    fn doc() -> Document {
        Document {
            report: "spend",
            by: Some("quarter"),
            group_by: Some("provider"),
            scenarios: vec![],
            title: None,
            summary: vec![],
            columns: vec![
                Column::new("group", "group", Kind::Text),
                Column::new("gpus", "GPUs", Kind::Count),
                Column::new("spend_usd", "spend", Kind::Money),
                Column::new("power_mw", "MW", Kind::Mw),
                Column::new("target_spend_pct", "% target", Kind::Pct),
            ],
            rows: vec![vec![
                Cell::Text("AWS, Inc.".into()),
                Cell::Count(1_234_567),
                Cell::Decimal(Decimal::new(3_800_000_000_000, 2)),
                Cell::Decimal(Decimal::new(1_234_567, 3)),
                Cell::Null,
            ]],
        }
    }

    /// The JSON written a row at a time is byte for byte what printing the whole document as
    /// one value gives: with rows, without, with a summary, with text that needs escapes.
    #[test]
    fn json_written_by_rows_is_the_whole_value_printed() {
        fn whole(doc: &Document) -> Vec<u8> {
            let rows: Vec<Value> = doc
                .rows
                .iter()
                .map(|row| {
                    let mut m = Map::new();
                    for (cell, col) in row.iter().zip(&doc.columns).filter(|(_, c)| c.in_data) {
                        m.insert(col.name.to_owned(), json_value(cell, col));
                    }
                    Value::Object(m)
                })
                .collect();
            let mut top = json_head(doc);
            top.insert("rows".into(), Value::Array(rows));
            let mut out = serde_json::to_vec_pretty(&Value::Object(top)).unwrap();
            out.push(b'\n');
            out
        }
        let mut many = doc();
        many.scenarios = vec!["a \"slip\"\n".into()];
        many.rows.push(vec![
            Cell::Text("line\nend, \"quoted\" \\ and \u{1b}".into()),
            Cell::Count(i128::from(i64::MAX) + 1),
            Cell::NotApplicable,
            Cell::Decimal(Decimal::new(-5, 1)),
            Cell::Bool(true),
        ]);
        let mut summed = many.clone();
        summed.summary.push(SummaryItem {
            key: "target".into(),
            label: "target".into(),
            text: "t".into(),
            json: json!({"id": "x", "gw": [1, 2]}),
        });
        let mut empty = doc();
        empty.rows.clear();
        for d in [doc(), many, summed, empty] {
            assert_eq!(
                String::from_utf8(render(&d, ReportFormat::Json)).unwrap(),
                String::from_utf8(whole(&d)).unwrap()
            );
        }
    }

    /// The table drawn a row at a time is what `tabled` draws: empty, one row, wide and accented
    /// text, headers wider and narrower than their cells (an odd space to centre), a column of
    /// bars.
    #[test]
    fn tables_drawn_by_rows_are_what_tabled_draws() {
        let mut wide = doc();
        for (text, n) in [
            ("Société Générale", 7),
            ("算力 中心", 123_456_789_012),
            ("x", -3),
            ("", 0),
        ] {
            wide.rows.push(vec![
                Cell::Text(text.into()),
                Cell::Count(n),
                Cell::Decimal(Decimal::new(n as i64 % 1_000_000, 2)),
                Cell::NotApplicable,
                Cell::Decimal(Decimal::new(12_345, 2)),
            ]);
        }
        let mut empty = doc();
        empty.rows.clear();
        let mut bars = doc();
        bars.columns
            .push(Column::new("target_power_pct", "GW vs target", Kind::Bar));
        for row in &mut bars.rows {
            row.push(Cell::Decimal(Decimal::new(8_750, 2)));
        }
        let mut titled = wide.clone();
        titled.title = Some("A title".into());
        for d in [doc(), wide, empty, bars, titled] {
            assert_eq!(
                String::from_utf8(render(&d, ReportFormat::Table)).unwrap(),
                table_drawn_by_tabled(&d, &d.rows)
            );
        }
    }

    #[test]
    fn json_keeps_counts_as_integers_and_money_as_strings() {
        let v: Value = serde_json::from_slice(&render(&doc(), ReportFormat::Json)).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["rows"][0]["gpus"], 1_234_567);
        assert_eq!(v["rows"][0]["spend_usd"], "38000000000.00");
        assert_eq!(v["rows"][0]["power_mw"], "1234.567");
        assert_eq!(v["rows"][0]["target_spend_pct"], Value::Null);
    }

    #[test]
    fn csv_quotes_text_and_has_plain_numbers() {
        let text = String::from_utf8(render(&doc(), ReportFormat::Csv)).unwrap();
        assert_eq!(
            text,
            "group,gpus,spend_usd,power_mw,target_spend_pct\n\"AWS, Inc.\",1234567,38000000000.00,1234.567,\n"
        );
        let mut empty = doc();
        empty.rows.clear();
        let text = String::from_utf8(render(&empty, ReportFormat::Csv)).unwrap();
        assert_eq!(text, "group,gpus,spend_usd,power_mw,target_spend_pct\n");
    }

    #[test]
    fn tables_scale_money_and_separate_thousands() {
        let text = String::from_utf8(render(&doc(), ReportFormat::Table)).unwrap();
        assert!(text.contains("$38.00B"), "{text}");
        assert!(text.contains("1,234,567"), "{text}");
        assert!(text.contains("1,234.567"), "{text}");
    }
}
