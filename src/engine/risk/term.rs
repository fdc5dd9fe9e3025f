//! Slips that can move a tranche outside its contract's term, reported once per run.
//!
//! A `--delay` that moves a tranche's `online_from` before its contract starts or to or past
//! its contract's end is an error (`tranche-outside-term`), and one that moves it to or past
//! its `until`, `empty-tranche`. A `[[risk]]` slip is not an error: samples count each
//! tranche where its slips put it (online before the contract starts, or, at or past its end,
//! not at all), and a sample cannot raise a diagnostic of its own. So, before sampling, each
//! selected tranche's reachable range is found: its `online_from` plus the sum of the lower
//! bounds of its entries' slips, to the same plus the sum of the upper bounds (each bound in
//! days from that `online_from`, as samples take them). Where the earliest day is before the
//! contract's start, each entry whose slip can move the tranche earlier gets a
//! `slip-outside-term` warning at its `slip`; where the latest day is on or after the
//! tranche's end (`until`, else the contract's end), so does each entry whose slip can move it
//! later. A tranche that an entry surely cancels (`cancel = 1`) delivers in no sample and is
//! not reported. One warning per entry and side names the first such tranche in catalog
//! order and counts the others. The figures are the same with or without the warnings.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use rust_decimal::Decimal;

use super::RiskError;
use super::model::{selections, slip_days};
use crate::catalog::model::Catalog;
use crate::diagnostic::{Code, Diagnostic};
use crate::scenario::Risk;

/// The `slip-outside-term` warnings of `risks` on `catalog`, as `capplan risk` prints them. A
/// selector that matches nothing is an error, as for the run.
pub fn slips_leaving_term(catalog: &Catalog, risks: &[Risk]) -> Result<Vec<Diagnostic>, RiskError> {
    Ok(leaving_term(catalog, risks, &selections(catalog, risks)?))
}

/// Which way a slip leaves the term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    /// Online before the contract starts.
    Before,
    /// Online on or after the tranche's end.
    Past,
}

/// The first tranche an entry moves out on one side, and how many it does.
struct Found {
    contract: usize,
    tranche: usize,
    /// The reachable `online_from` on that side; `None` off the calendar.
    online_from: Option<NaiveDate>,
    /// The contract's start, or the tranche's end.
    bound: NaiveDate,
    /// Whether other entries' slips move that tranche too, and count in its range.
    shared: bool,
    count: usize,
}

/// [`slips_leaving_term`] with the entries that select each tranche, `[contract][tranche]`,
/// already found.
pub(super) fn leaving_term(
    catalog: &Catalog,
    risks: &[Risk],
    entries: &[Vec<Vec<usize>>],
) -> Vec<Diagnostic> {
    let mut found: BTreeMap<(usize, Side), Found> = BTreeMap::new();
    for (ci, c) in catalog.contracts.iter().enumerate() {
        for (ti, t) in c.tranches.iter().enumerate() {
            let chosen = &entries[ci][ti];
            let never = chosen
                .iter()
                .any(|&i| risks[i].cancel.is_some_and(|p| p >= Decimal::ONE));
            if never {
                continue;
            }
            // (entry, lowest days, highest days), for the entries with a slip; a slip off the
            // calendar stops the run with its own error.
            let slips: Vec<(usize, i64, i64)> = chosen
                .iter()
                .filter_map(|&i| {
                    let days = slip_days(risks[i].slip?, t.online_from)?;
                    Some((i, days[0], days[days.len() - 1]))
                })
                .collect();
            let lo = slips.iter().fold(0i64, |a, s| a.saturating_add(s.1));
            let hi = slips.iter().fold(0i64, |a, s| a.saturating_add(s.2));
            let moved = |days: i64| {
                TimeDelta::try_days(days).and_then(|d| t.online_from.checked_add_signed(d))
            };
            let end = t.until_or(c.end);
            let (earliest, latest) = (moved(lo), moved(hi));
            let mut note = |i: usize, side: Side, online_from: Option<NaiveDate>, bound| {
                found
                    .entry((i, side))
                    .and_modify(|f| f.count += 1)
                    .or_insert(Found {
                        contract: ci,
                        tranche: ti,
                        online_from,
                        bound,
                        shared: slips.len() > 1,
                        count: 1,
                    });
            };
            if earliest.is_none_or(|d| d < c.start) {
                for &(i, low, _) in &slips {
                    if low < 0 {
                        note(i, Side::Before, earliest, c.start);
                    }
                }
            }
            if latest.is_none_or(|d| d >= end) {
                for &(i, _, high) in &slips {
                    if high > 0 {
                        note(i, Side::Past, latest, end);
                    }
                }
            }
        }
    }
    found
        .into_iter()
        .map(|((i, side), f)| warning(catalog, &risks[i], side, &f))
        .collect()
}

fn warning(catalog: &Catalog, risk: &Risk, side: Side, f: &Found) -> Diagnostic {
    let c = &catalog.contracts[f.contract];
    let t = &c.tranches[f.tranche];
    let on = match f.online_from {
        Some(d) => format!("on {d}"),
        None => "off the calendar".to_owned(),
    };
    let others = f.count - 1;
    let also = |theirs: &str| match others {
        0 => String::new(),
        1 => format!(", and 1 other tranche {theirs}"),
        n => format!(", and {n} other tranches {theirs}"),
    };
    let slip = risk.slip.map(|s| s.to_string()).unwrap_or_default();
    let slip = if f.shared {
        format!("`{slip}`, added to the tranche's other slips,")
    } else {
        format!("`{slip}`")
    };
    let (message, help) = match side {
        Side::Before => (
            format!(
                "slip {slip} can bring tranche `{}` of contract `{}` online {on}, before the contract starts on {}{}",
                t.id,
                c.id,
                f.bound,
                also("before theirs")
            ),
            "samples count the tranche online from that day; a `--delay` that did so would be an error (`tranche-outside-term`)",
        ),
        Side::Past => (
            format!(
                "slip {slip} can move tranche `{}` of contract `{}` online {on}, at or past its end on {}{}",
                t.id,
                c.id,
                f.bound,
                also("past theirs")
            ),
            "samples that move the tranche that far count none of its units; narrow the slip if it should stay within the term",
        ),
    };
    Diagnostic::new(Code::SlipOutsideTerm, risk.origin.span("slip"), message).with_help(help)
}
