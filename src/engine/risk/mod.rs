//! Monte Carlo over the `[[risk]]` entries of scenarios: how late tranches may come online and
//! whether they deliver at all, as quantiles of GPUs and facility power per period and the
//! chance of reaching the target's power (docs/scenarios.md, risk).
//!
//! Each part describes the rules it implements:
//!
//! - `model`: a sample: what each tranche a risk entry selects draws, how several entries
//!   combine, and the [`RiskModel`] prepared once for every sample;
//! - `draws`: random numbers: the seeded streams, the order in which a sample takes its
//!   draws, and the run over chunks of samples;
//! - `power`: exact power: the figures of `capplan plan` for the same dates, digit for digit;
//! - `sample`: one sample: its draws, where each tranche lands, the figures of the window;
//! - `quantiles`: nearest rank on the samples, and the percentiles asked for ([`Quantile`]);
//! - `cost`: what is prepared once, how figures are kept between samples, and the memory a run
//!   may keep;
//! - [`demand`]: the schedule re-run in every sample, where the catalog has workloads;
//! - [`term`]: the `slip-outside-term` warnings, reported once before sampling.

mod cost;
pub mod demand;
mod draws;
mod model;
mod power;
mod quantiles;
mod sample;
pub mod term;

use rust_decimal::Decimal;
use thiserror::Error;

use crate::engine::{EngineError, Period};
use crate::exact::Rational;
use demand::DemandCounts;

pub use cost::{MAX_MEMORY_BYTES, MemoryError};
pub use draws::CHUNK;
pub use model::RiskModel;
pub use quantiles::{Quantile, QuantileError};

/// Samples when `--samples` is not given.
pub const DEFAULT_SAMPLES: u64 = 10_000;
/// The most samples a run takes: about 2.6 GB of figures on the default quarterly window.
pub const MAX_SAMPLES: u64 = 10_000_000;
/// The seed when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 1;

/// Why a risk model could not be built. The command line shows the first two at the
/// scenario line that caused them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskError {
    /// The `index`-th risk entry's selector matches nothing in the catalog.
    #[error("`[[risk]]` selector `{selector}` matches nothing in the catalog")]
    Unmatched { index: usize, selector: String },
    /// A slip of the `index`-th risk entry moves a tranche off the calendar.
    #[error("slip `{slip}` moves tranche `{tranche}` of contract `{contract}` off the calendar")]
    Calendar {
        index: usize,
        slip: String,
        contract: String,
        tranche: String,
    },
    #[error(transparent)]
    Overflow(#[from] EngineError),
}

fn overflow(contract: &str, what: &'static str) -> RiskError {
    RiskError::Overflow(EngineError {
        contract: contract.to_owned(),
        what,
    })
}

fn too_big(what: &'static str) -> RiskError {
    overflow("", what)
}

/// What a run found: per period of the window, the quantiles of GPUs and power, and how many
/// samples had reached the target's power by its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskOutcome {
    pub samples: u64,
    pub seed: u64,
    pub quantiles: Vec<Quantile>,
    /// The window's periods.
    pub periods: Vec<Period>,
    /// `[period][quantile]`: GPUs online at the period's end.
    pub gpus: Vec<Vec<i128>>,
    /// `[period][quantile]`: facility power at the period's end, in kW (MW with 3 decimals).
    pub power_kw: Vec<Vec<i128>>,
    /// `[period]`: samples whose power reached the target's by the period's end; `None` where
    /// the target sets no power.
    pub reached_by: Option<Vec<u64>>,
    /// `[quantile]`: the period in which the target's power is first reached, `None` for never.
    pub reached_in: Option<Vec<Option<Period>>>,
    /// Where the catalog has workloads: the runs, the samples with every run on time and,
    /// per window period, those with a level shortfall.
    pub demand: Option<DemandOutcome>,
}

/// What the schedule re-run per sample found ([`demand`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemandOutcome {
    pub runs: usize,
    pub counts: DemandCounts,
}

impl RiskOutcome {
    /// The chance of having reached the target's power by the end of the `p`-th window period,
    /// rounded half-even to four decimals.
    pub fn probability(&self, p: usize) -> Option<Decimal> {
        let count = self.reached_by.as_ref()?.get(p)?;
        Rational::new(i128::from(*count), i128::from(self.samples.max(1)))?.to_decimal(4)
    }
}
