//! A report as data: a summary and a table of typed cells, rendered by the exporters in
//! [`super::render()`]. Keeping the figures typed until the last moment lets each format show them
//! its own way: `$38.00B` in a table, `"38000000000.00"` in JSON, `38000000000.00` in CSV.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The type of a column, which decides how each format shows its cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    /// A whole count: units, unit-hours. JSON integers; separators in tables.
    Count,
    /// Dollars with two decimals. JSON strings; scaled like `$38.00B` in tables.
    Money,
    /// Dollars per unit-hour: like money, never scaled.
    Price,
    /// Megawatts with three decimals. JSON strings.
    Mw,
    /// Megawatts in the data, shown as gigawatts with two decimals in tables.
    MwAsGw,
    /// A percentage with two decimals. JSON strings.
    Pct,
    /// exaFLOPS with three decimals. JSON strings.
    Eflops,
    Bool,
    /// A chance from 0 to 1 with four decimals. JSON strings.
    Probability,
    /// A percentage of a target drawn as a bar, ten cells to 100%: tables and markdown only.
    Bar,
}

/// One column: its name in JSON and CSV, its header in tables, and its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub header: &'static str,
    pub kind: Kind,
    /// Whether tables and markdown show the column; JSON and CSV always carry it.
    pub in_table: bool,
    /// Whether tables and markdown show a sign on positive values too (`+1,234`): differences.
    pub signed: bool,
    /// Whether JSON, CSV and workbooks carry the column; a drawing of another column's
    /// figure, such as a bar, is for people only.
    pub in_data: bool,
}

impl Column {
    pub const fn new(name: &'static str, header: &'static str, kind: Kind) -> Self {
        Column {
            name,
            header,
            kind,
            in_table: true,
            signed: false,
            in_data: true,
        }
    }

    /// A column that only tables and markdown show: a drawing of a figure another column holds.
    pub const fn table_only(mut self) -> Self {
        self.in_data = false;
        self
    }

    /// A column that only JSON and CSV carry, to keep tables narrow.
    pub const fn data_only(mut self) -> Self {
        self.in_table = false;
        self
    }

    /// A column of differences, shown as `+1,234` and `-$2.50B` in tables.
    pub const fn signed(mut self) -> Self {
        self.signed = true;
        self
    }
}

/// One value. `Null` where a figure does not apply, such as a percentage of a target that
/// sets no power.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Date(NaiveDate),
    Count(i128),
    Decimal(Decimal),
    Bool(bool),
    Null,
    /// A figure that cannot be computed here, such as a delay that would make a contract
    /// invalid: `null` in JSON, empty in CSV, `n/a` in tables.
    NotApplicable,
}

/// A line of a report's summary: a key for JSON, a label and a value for people.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryItem {
    pub key: String,
    pub label: String,
    pub text: String,
    pub json: serde_json::Value,
}

/// A whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// `plan`, `capacity`, `spend`, `contracts`.
    pub report: &'static str,
    pub by: Option<&'static str>,
    pub group_by: Option<&'static str>,
    pub scenarios: Vec<String>,
    /// Shown above the table in text formats, as `summary` in JSON, left out of CSV.
    pub title: Option<String>,
    pub summary: Vec<SummaryItem>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// Why a report's rows could not all be written: a figure the engine could not compute, or
/// the output refusing bytes.
#[derive(Debug)]
pub enum RowsError {
    Engine(crate::engine::EngineError),
    Io(std::io::Error),
}

impl From<std::io::Error> for RowsError {
    fn from(e: std::io::Error) -> Self {
        RowsError::Io(e)
    }
}

impl From<crate::engine::EngineError> for RowsError {
    fn from(e: crate::engine::EngineError) -> Self {
        RowsError::Engine(e)
    }
}

/// A report's rows, in order: held in a [`Document`], or computed as they are written, so that a
/// report of millions of rows needs the memory of a block of them only (docs/cli.md, "Large
/// reports").
pub trait Rows {
    /// Calls `row` with each row, in order; stops at the first error.
    fn each(&self, row: &mut dyn FnMut(&[Cell]) -> std::io::Result<()>) -> Result<(), RowsError>;

    /// Computes every figure without writing any, so that rows that cannot all be computed fail
    /// before the first byte of a report is written. Held rows have nothing left to compute.
    fn check(&self) -> Result<(), crate::engine::EngineError> {
        Ok(())
    }

    /// How many rows there are.
    fn count(&self) -> usize;
}

impl Rows for Vec<Vec<Cell>> {
    fn each(&self, row: &mut dyn FnMut(&[Cell]) -> std::io::Result<()>) -> Result<(), RowsError> {
        for r in self {
            row(r)?;
        }
        Ok(())
    }

    fn count(&self) -> usize {
        self.len()
    }
}
