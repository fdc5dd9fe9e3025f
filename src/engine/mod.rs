//! The projection engine: from a validated catalog to capacity, power and spend by period
//! (docs/figures.md). It knows nothing of TOML, the command line or terminals.
//!
//! Figures are computed per tranche and per whole period with closed forms ([`crate::catalog::ramp`]),
//! never day by day, so the cost grows with tranches x periods, not with days.

pub mod cash;
pub mod expense;
pub mod metric;
pub mod npv;
pub mod num;
pub mod observe;
pub mod period;
pub mod project;
pub mod reforecast;
pub mod risk;
pub mod schedule;
pub mod solve;
pub mod spend;

pub use cash::Basis;
pub use period::{Bound, By, Grid, Period, PeriodError};
pub use project::*;
/// Parts of [`risk`] that callers use on their own.
pub use risk::{demand as risk_demand, term as risk_term};
