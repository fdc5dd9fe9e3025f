//! Actuals: what was billed (FOCUS cost files) and what was delivered (`deliveries.csv`),
//! attributed to the catalog's contracts (docs/actuals.md).

pub mod attribute;
pub mod cache;
mod csv_scan;
pub mod deliveries;
pub mod focus;
mod focus_csv;
pub mod parquet;
