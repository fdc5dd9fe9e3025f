//! Charts of the reports, as SVG or PNG: the capacity ramp as stacked areas, cumulative spend
//! against the targets, the risk fan and one line per scenario of a comparison.
//!
//! A [`Chart`] is built from a report's [`Document`], so a chart always shows the figures the
//! report prints, then drawn with plotters. Figures become doubles only here, as coordinates of
//! a drawing. The text is set in DejaVu Sans, built in, so a PNG looks the same everywhere and
//! an SVG's layout does not depend on the fonts of the machine that made it. The same input
//! gives the same bytes.
//!
//! The chart itself ([`Chart`], its [`Layer`]s and the unit of its y axis) is here; `build`
//! makes one from each kind of report, and `draw` draws it as SVG or PNG.
//!
//! [`Document`]: crate::report::document::Document

mod build;
mod draw;

use rust_decimal::Decimal;
use thiserror::Error;

use crate::catalog::value::format_money_short;

pub use build::{
    Measure, capacity, compare, mark_observed, observed_figures, pivot, risk, schedule, spend,
};
pub use draw::{png, svg};

/// Width and height of a chart, in pixels.
pub const SIZE: (u32, u32) = (1200, 640);

/// Why a chart could not be drawn.
#[derive(Debug, Error)]
pub enum ChartError {
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("the report has no `{0}` column to chart")]
    MissingColumn(String),
    #[error("the report has no rows to chart")]
    Empty,
}

/// A named series of values, one per period.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// What a chart draws, in order, over one pair of axes.
#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    /// Areas stacked from zero, the first series at the bottom.
    Stack(Vec<Series>),
    /// A band between two series, such as P10 to P90.
    Band {
        name: String,
        low: Vec<f64>,
        high: Vec<f64>,
    },
    /// A line through each period's value.
    Line(Series),
    /// A line the others are measured against, drawn wide and dark beneath them.
    Baseline(Series),
    /// A dashed horizontal line, such as a target.
    Reference { name: String, value: f64 },
    /// A dashed vertical line at `x` (in periods, each period's figure at its end): the day
    /// a re-forecast's actuals end.
    Vertical { name: String, x: f64 },
    /// Single figures drawn as dots at `(x, y)`, x in periods: published observations.
    Markers {
        name: String,
        points: Vec<(f64, f64)>,
    },
}

/// A chart: its text, its periods along the x axis and its layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    pub y_desc: String,
    /// How the y axis writes a value, such as `12.5` or `$1.2T`.
    pub y_unit: Unit,
    pub labels: Vec<String>,
    pub layers: Vec<Layer>,
}

/// The unit of the y axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Gigawatts.
    Gw,
    /// A count of units.
    Count,
    /// Dollars.
    Usd,
}

impl Unit {
    fn format(self, v: f64) -> String {
        match self {
            Unit::Gw => trim_float(v, 1),
            Unit::Count if v.abs() >= 1e9 => format!("{}B", trim_float(v / 1e9, 1)),
            Unit::Count if v.abs() >= 1e6 => format!("{}M", trim_float(v / 1e6, 1)),
            Unit::Count if v.abs() >= 1e3 => format!("{}k", trim_float(v / 1e3, 0)),
            Unit::Count => trim_float(v, 0),
            // A tick reads `$800B`, not `$800.00B`; `$1.40T` keeps the decimals it needs.
            Unit::Usd => Decimal::from_f64_retain(v)
                .map(|d| format_money_short(d.round()).replacen(".00", "", 1))
                .unwrap_or_default(),
        }
    }
}

fn trim_float(v: f64, dp: usize) -> String {
    let text = format!("{v:.dp$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_ticks_drop_zero_decimals_and_keep_the_ones_they_need() {
        assert_eq!(Unit::Usd.format(800e9), "$800B");
        assert_eq!(Unit::Usd.format(1.4e12), "$1.40T");
        assert_eq!(Unit::Usd.format(0.0), "$0");
        assert_eq!(Unit::Usd.format(250e6), "$250M");
    }
}
