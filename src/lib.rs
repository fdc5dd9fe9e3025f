//! capplan: a planner for multi-cloud compute commitments.
//!
//! A catalog of TOML contract files becomes GPU and CPU capacity, facility power and spend,
//! period by period, measured against the portfolio's targets. The stages live in folders and
//! data flows one way: [`catalog`] (formats, loading, validation) -> [`engine`] (dates, periods,
//! capacity, power, spend) -> [`report`] (tables, JSON, CSV, markdown). [`cli`] is the command
//! line over them. The library never prints: it returns values or writes to a `dyn Write`.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod actuals;
pub mod cache_dir;
pub mod catalog;
pub mod cli;
pub mod diagnostic;
pub mod engine;
pub mod exact;
#[doc(hidden)]
pub mod fuzzing;
pub mod gate;
pub mod report;
pub mod scenario;
pub mod sensitivity;
