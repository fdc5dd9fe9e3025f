//! The scenario stage: what-if changes applied to a loaded catalog, in memory
//! (docs/scenarios.md). A scenario file is read with the catalog's own reader and diagnostics;
//! applying it yields a new catalog that is validated again, so a delay that pushes a tranche
//! past its contract's end is reported at the scenario line that caused it. Files on disk are
//! never touched.
//!
//! Data flows catalog -> scenario -> engine: a scenario knows the catalog's types and nothing of
//! periods or reports.

use std::collections::BTreeSet;
use std::fmt;

use rust_decimal::Decimal;

use crate::catalog::model::*;
use crate::catalog::parse::{HardwarePatch, PortfolioPatch};
use crate::catalog::value::Duration;
use crate::diagnostic::Span;

pub mod apply;
pub mod flags;
pub mod load;
pub mod parse;
pub mod schema;

pub use apply::apply;
pub use load::apply_all;
pub use parse::{is_scenario, looks_like_scenario, parse_scenario, read_scenario};

/// A whole scenario file, or the quick what-if flags of a command line.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// `[portfolio]`: fields that replace the portfolio's.
    pub portfolio: Option<PortfolioPatch>,
    /// `[[hardware]]`: fields that replace a profile's, or a whole new profile.
    pub hardware: Vec<HardwarePatch>,
    /// `remove`: contract ids to drop, with where each was written.
    pub remove: Vec<(String, Span)>,
    /// `[[contract]]`: new contracts.
    pub contracts: Vec<Contract>,
    /// `[[adjust]]`: changes to selected contracts and tranches, in order.
    pub adjusts: Vec<Adjust>,
    /// `[[risk]]`: slip and cancellation distributions for `capplan risk`.
    pub risks: Vec<Risk>,
    /// `[[workload]]`: workloads to add, or to replace by id (docs/demand.md).
    pub workloads: Vec<crate::catalog::demand::Workload>,
    /// `remove_workloads`: workload ids to drop, with where each was written.
    pub remove_workloads: Vec<(String, Span)>,
}

/// What a selector names (docs/scenarios.md, selectors).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// `*`: every contract and tranche.
    All,
    /// `ID` or `contract:ID`: one contract and its tranches.
    Contract(String),
    /// `provider:NAME`: every contract of a counterparty (case-insensitive) and its tranches.
    Provider(String),
    /// `hardware:ID`: every tranche of a hardware profile, and the contracts that have one.
    Hardware(String),
    /// `tranche:CONTRACT/TRANCHE`: one tranche, and its contract.
    Tranche(String, String),
    /// `workload:ID` or `workload:*`: workloads of the demand, not contracts.
    Workload(String),
}

impl Selector {
    /// Parses a selector; `None` if it is not one of the forms.
    pub fn parse(text: &str) -> Option<Selector> {
        let t = text.trim();
        let valid = |s: &str| crate::catalog::value::is_valid_id(s);
        if t == "*" {
            return Some(Selector::All);
        }
        if let Some((kind, rest)) = t.split_once(':') {
            let rest = rest.trim();
            return match kind.trim() {
                "contract" if valid(rest) => Some(Selector::Contract(rest.to_owned())),
                "provider" if !rest.is_empty() => Some(Selector::Provider(rest.to_owned())),
                "hardware" if valid(rest) => Some(Selector::Hardware(rest.to_owned())),
                "workload" if rest == "*" || valid(rest) => {
                    Some(Selector::Workload(rest.to_owned()))
                }
                "tranche" => {
                    let (c, tr) = rest.split_once('/')?;
                    (valid(c) && valid(tr)).then(|| Selector::Tranche(c.to_owned(), tr.to_owned()))
                }
                _ => None,
            };
        }
        valid(t).then(|| Selector::Contract(t.to_owned()))
    }

    /// The contracts and tranches a selector names in a catalog.
    pub fn select(&self, catalog: &Catalog) -> Selection {
        let mut sel = Selection::default();
        for (ci, c) in catalog.contracts.iter().enumerate() {
            let whole = match self {
                Selector::All => true,
                Selector::Contract(id) => c.id == *id,
                Selector::Provider(p) => c.provider.eq_ignore_ascii_case(p),
                Selector::Hardware(_) | Selector::Tranche(..) | Selector::Workload(_) => false,
            };
            for (ti, t) in c.tranches.iter().enumerate() {
                let hit = whole
                    || match self {
                        Selector::Hardware(h) => t.hardware == *h,
                        Selector::Tranche(cid, tid) => c.id == *cid && t.id == *tid,
                        _ => false,
                    };
                if hit {
                    sel.tranches.insert((ci, ti));
                    sel.contracts.insert(ci);
                }
            }
            if whole {
                sel.contracts.insert(ci);
            }
        }
        sel
    }
}

impl Selector {
    /// The selector nearest to this one that matches something in `cat`, for a "did you mean":
    /// the closest contract id, provider, hardware id or tranche id.
    pub fn nearest(&self, cat: &Catalog) -> Option<Selector> {
        use crate::catalog::reader::did_you_mean;
        let contracts = || cat.contracts.iter().map(|c| c.id.as_str());
        match self {
            Selector::Contract(id) => {
                did_you_mean(id, contracts()).map(|b| Selector::Contract(b.to_owned()))
            }
            Selector::Provider(p) => {
                let mut names: Vec<&str> =
                    cat.contracts.iter().map(|c| c.provider.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                did_you_mean(p, names).map(|b| Selector::Provider(b.to_owned()))
            }
            Selector::Hardware(h) => did_you_mean(h, cat.hardware.iter().map(|x| x.id.as_str()))
                .map(|b| Selector::Hardware(b.to_owned())),
            Selector::Tranche(c, t) => match cat.contract(c) {
                Some(contract) => did_you_mean(t, contract.tranches.iter().map(|x| x.id.as_str()))
                    .map(|b| Selector::Tranche(c.clone(), b.to_owned())),
                None => {
                    did_you_mean(c, contracts()).map(|b| Selector::Tranche(b.to_owned(), t.clone()))
                }
            },
            Selector::All | Selector::Workload(_) => None,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::All => f.write_str("*"),
            Selector::Contract(id) => f.write_str(id),
            Selector::Provider(p) => write!(f, "provider:{p}"),
            Selector::Hardware(h) => write!(f, "hardware:{h}"),
            Selector::Tranche(c, t) => write!(f, "tranche:{c}/{t}"),
            Selector::Workload(w) => write!(f, "workload:{w}"),
        }
    }
}

/// The contracts and tranches a selector matched, as indices into the catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub contracts: BTreeSet<usize>,
    pub tranches: BTreeSet<(usize, usize)>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.contracts.is_empty() && self.tranches.is_empty()
    }
}

/// `[[adjust]]`: changes to what a selector names.
#[derive(Clone, Debug)]
pub struct Adjust {
    pub select: Selector,
    /// Shifts `online_from` and `online_by` of the selected tranches; `until` stays.
    pub delay: Option<Duration>,
    /// Multiplies the selected tranches' `units` (floored to whole units) or `power_mw`.
    pub scale_units: Option<Decimal>,
    /// Multiplies the selected contracts' `value_usd`, rounded to the cent, and their schedule
    /// amounts, apportioned so that they still sum exactly to the value.
    pub scale_value: Option<Decimal>,
    pub spend: Option<SpendModel>,
    pub ramp: Option<Ramp>,
    pub status: Option<Status>,
    /// Replaces the `useful_life` of the selected owned contracts.
    pub useful_life: Option<Duration>,
    /// Multiplies the selected workloads' demand: levels, work, and `max_h100e`.
    pub scale_demand: Option<Decimal>,
    /// Where the entry and each of its keys were written.
    pub origin: Origin,
}

/// A slip distribution of `[[risk]]`: how late the selected tranches come online.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slip {
    /// Always this much.
    Fixed(Duration),
    /// Anywhere between the two, evenly.
    Uniform(Duration, Duration),
    /// Between the first and the last, most likely the middle one.
    Triangular(Duration, Duration, Duration),
}

impl fmt::Display for Slip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slip::Fixed(a) => write!(f, "fixed({a})"),
            Slip::Uniform(a, b) => write!(f, "uniform({a}, {b})"),
            Slip::Triangular(a, m, b) => write!(f, "triangular({a}, {m}, {b})"),
        }
    }
}

/// `[[risk]]`: for `capplan risk`, what may happen to the selected tranches.
#[derive(Clone, Debug)]
pub struct Risk {
    pub select: Selector,
    pub slip: Option<Slip>,
    /// Chance, from 0 to 1, that a selected tranche never delivers.
    pub cancel: Option<Decimal>,
    pub origin: Origin,
}
