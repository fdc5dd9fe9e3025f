//! Excel workbooks: a [`Document`] as a sheet whose numbers are numbers, with currency,
//! thousands and percent formats, a frozen header and columns wide enough to read; and
//! workbooks of several sheets with a native Excel chart of the capacity ramp.
//!
//! Excel stores numbers as IEEE doubles. Every figure capplan writes (cents up to trillions of
//! dollars, megawatts to three decimals, unit counts) is exact at the precision it is shown with.
//! The bytes are deterministic: the workbook's creation date is fixed rather than the clock's.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};
use thiserror::Error;

use crate::report::chart::Series;
use crate::report::document::{Cell, Column, Document, Kind};

/// Why a workbook could not be made.
#[derive(Debug, Error)]
pub enum WorkbookError {
    #[error("cannot make the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    #[error(
        "the `{sheet}` report has {rows} rows, more than the {limit} an Excel sheet holds below its header: choose a longer period (`--by quarter` or `year`), a coarser `--group-by`, a window, or CSV or JSON, which have no such limit",
        rows = crate::catalog::value::group_thousands(&rows.to_string()),
        limit = crate::catalog::value::group_thousands(&SHEET_ROWS.to_string())
    )]
    TooManyRows { sheet: String, rows: usize },
}

/// The rows an Excel sheet holds below its header row (1,048,576 in all).
pub const SHEET_ROWS: usize = 1_048_575;

/// Refuses a report with more rows than a sheet holds, before anything is written.
pub fn check_rows(sheet: &str, rows: usize) -> Result<(), WorkbookError> {
    if rows > SHEET_ROWS {
        return Err(WorkbookError::TooManyRows {
            sheet: sheet.to_owned(),
            rows,
        });
    }
    Ok(())
}

/// The widest a column gets, in characters.
const MAX_WIDTH: usize = 60;

/// A new workbook with fixed properties, so that the same input gives the same bytes.
pub fn workbook(title: &str) -> Result<Workbook, WorkbookError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("capplan")
            .set_creation_datetime(&created),
    );
    Ok(book)
}

/// One report as a workbook: the rows on the first sheet and, if the report has one, the
/// summary on a second.
pub fn document(doc: &Document) -> Result<Vec<u8>, WorkbookError> {
    let mut book = workbook(doc.title.as_deref().unwrap_or(doc.report))?;
    add_document(&mut book, doc.report, doc)?;
    Ok(book.save_to_buffer()?)
}

/// Adds the sheet `name` with the rows of `doc`, and `NAME summary` with its summary if it has
/// one.
pub fn add_document(book: &mut Workbook, name: &str, doc: &Document) -> Result<(), WorkbookError> {
    check_rows(name, doc.rows.len())?;
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    write_rows(sheet, doc)?;
    if !doc.summary.is_empty() || doc.title.is_some() {
        let sheet = book.add_worksheet();
        sheet.set_name(format!("{name} summary"))?;
        write_summary(sheet, doc)?;
    }
    Ok(())
}

fn number_format(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Count => Some("#,##0"),
        Kind::Money | Kind::Price => Some("$#,##0.00"),
        Kind::Mw | Kind::MwAsGw | Kind::Eflops => Some("#,##0.000"),
        Kind::Pct => Some("0.00%"),
        Kind::Probability => Some("0.0000"),
        Kind::Date => Some("yyyy-mm-dd"),
        Kind::Text | Kind::Bool | Kind::Bar => None,
    }
}

/// The columns a workbook carries: those of JSON and CSV.
fn data_columns(doc: &Document) -> Vec<(usize, &Column)> {
    doc.columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.in_data)
        .collect()
}

/// A decimal as the double Excel stores; percentages as fractions, for Excel's `%` format.
fn excel_number(d: Decimal, kind: Kind) -> f64 {
    let d = if kind == Kind::Pct {
        d / Decimal::ONE_HUNDRED
    } else {
        d
    };
    d.to_f64().unwrap_or(f64::NAN)
}

/// The header row, frozen, then one row per document row. Widths fit the longest text shown.
fn write_rows(sheet: &mut Worksheet, doc: &Document) -> Result<(), WorkbookError> {
    let columns = data_columns(doc);
    let bold = Format::new().set_bold();
    let formats: Vec<Format> = columns
        .iter()
        .map(|(_, c)| match number_format(c.kind) {
            Some(f) => Format::new().set_num_format(f),
            None => Format::new(),
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|(_, c)| c.name.len()).collect();
    for (j, (_, col)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, col_index(j)?, col.name, &bold)?;
    }
    for (i, row) in doc.rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (j, (k, col)) in columns.iter().enumerate() {
            let c = col_index(j)?;
            let shown = match &row[*k] {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                    s.chars().count()
                }
                Cell::Date(d) => {
                    let date = ExcelDateTime::parse_from_str(&d.to_string())?;
                    sheet.write_datetime_with_format(r, c, &date, &formats[j])?;
                    10
                }
                Cell::Count(n) => {
                    // Counts are far below 2^53, where doubles stop being whole.
                    sheet.write_number_with_format(r, c, *n as f64, &formats[j])?;
                    n.to_string().len() * 4 / 3 + 1
                }
                Cell::Decimal(d) => {
                    sheet.write_number_with_format(
                        r,
                        c,
                        excel_number(*d, col.kind),
                        &formats[j],
                    )?;
                    d.round_dp(3).to_string().len() * 4 / 3 + 2
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(r, c, *b)?;
                    5
                }
                Cell::Null | Cell::NotApplicable => 0,
            };
            widths[j] = widths[j].max(shown);
        }
    }
    for (j, w) in widths.iter().enumerate() {
        sheet.set_column_width(col_index(j)?, (*w).min(MAX_WIDTH) as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn col_index(j: usize) -> Result<u16, XlsxError> {
    u16::try_from(j).map_err(|_| XlsxError::RowColumnLimitError)
}

/// The title, then one line per summary item: its label and its text.
fn write_summary(sheet: &mut Worksheet, doc: &Document) -> Result<(), WorkbookError> {
    let bold = Format::new().set_bold();
    let mut r = 0;
    if let Some(title) = &doc.title {
        sheet.write_string_with_format(r, 0, title, &bold)?;
        r += 2;
    }
    let mut widths = (8, 20);
    for item in &doc.summary {
        sheet.write_string_with_format(r, 0, &item.label, &bold)?;
        sheet.write_string(r, 1, &item.text)?;
        widths.0 = widths.0.max(item.label.chars().count());
        widths.1 = widths.1.max(item.text.chars().count());
        r += 1;
    }
    sheet.set_column_width(0, widths.0.min(MAX_WIDTH) as f64 + 2.0)?;
    sheet.set_column_width(1, widths.1.min(2 * MAX_WIDTH) as f64 + 2.0)?;
    Ok(())
}

/// A wide table for a chart: one row per period, one column per series.
pub struct Ramp {
    pub title: String,
    pub unit: String,
    pub periods: Vec<String>,
    pub series: Vec<Series>,
}

/// Adds the sheet `name` with `ramp` as a table and a native stacked-area chart of it.
pub fn add_ramp(book: &mut Workbook, name: &str, ramp: &Ramp) -> Result<(), WorkbookError> {
    check_rows(name, ramp.periods.len())?;
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    let number = Format::new().set_num_format("#,##0.000");
    sheet.write_string_with_format(0, 0, "period", &bold)?;
    for (i, p) in ramp.periods.iter().enumerate() {
        sheet.write_string(row_index(i + 1)?, 0, p)?;
    }
    for (j, series) in ramp.series.iter().enumerate() {
        let c = col_index(j + 1)?;
        let header = format!("{} ({})", series.name, ramp.unit);
        sheet.write_string_with_format(0, c, &header, &bold)?;
        for (i, v) in series.values.iter().enumerate() {
            sheet.write_number_with_format(row_index(i + 1)?, c, *v, &number)?;
        }
        sheet.set_column_width(c, header.len().clamp(10, 30) as f64 + 2.0)?;
    }
    sheet.set_column_width(0, 10)?;
    sheet.set_freeze_panes(1, 1)?;
    // With no contracts in scope there is nothing to draw: the sheet keeps its (empty) table,
    // and a chart without series would make the workbook invalid.
    if ramp.series.is_empty() {
        return Ok(());
    }
    let last = row_index(ramp.periods.len())?;
    let mut chart = Chart::new(ChartType::AreaStacked);
    for (j, series) in ramp.series.iter().enumerate() {
        let c = col_index(j + 1)?;
        chart
            .add_series()
            .set_categories((name, 1, 0, last, 0))
            .set_values((name, 1, c, last, c))
            .set_name(series.name.as_str());
    }
    chart.title().set_name(&ramp.title);
    chart.x_axis().set_name("period");
    chart.y_axis().set_name(&ramp.unit);
    chart.set_width(960).set_height(480);
    let at = col_index(ramp.series.len() + 2)?;
    sheet.insert_chart(1, at, &chart)?;
    Ok(())
}

fn row_index(i: usize) -> Result<u32, XlsxError> {
    u32::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_longer_than_a_sheet_is_refused_with_what_to_do() {
        assert!(check_rows("capacity", SHEET_ROWS).is_ok());
        let e = check_rows("capacity", 6_012_345).unwrap_err().to_string();
        assert!(e.starts_with("the `capacity` report has 6,012,345 rows, more than the 1,048,575 an Excel sheet holds"), "{e}");
        assert!(e.contains("`--by quarter`") && e.contains("CSV"), "{e}");
    }
}
