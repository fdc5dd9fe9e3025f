//! The report stage: turns diagnostics and projections into text for people and machines.
//! Renderers return bytes or write to a `dyn Write`, and never touch files themselves.

pub mod actuals;
pub mod build;
pub mod chart;
pub mod compare;
pub mod diagnostics;
pub mod diff;
pub mod document;
pub mod focus;
pub mod gitlab;
pub mod html;
pub mod npv;
pub mod render;
pub mod repo;
pub mod risk;
pub mod sarif;
pub mod schedule;
pub mod solve;
pub mod stream;
pub mod xlsx;

pub use document::{Cell, Column, Document, Kind, SummaryItem};
pub use render::{ReportFormat, SCHEMA_VERSION, render};
