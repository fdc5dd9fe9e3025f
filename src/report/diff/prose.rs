//! The diff in words: the sentences of the summary and the one-line headline.

use rust_decimal::Decimal;

use super::model::{Diff, Figures, PeriodDelta, SpendMove, TargetChange};
use crate::catalog::diff::{CatalogDiff, ChangeKind};
use crate::catalog::value::{format_money_short, group_thousands};
use crate::engine::{self, By};
use crate::report::compare::mw;

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn period_noun(by: By) -> (&'static str, &'static str) {
    match by {
        By::Month => ("month", "months"),
        By::Quarter => ("quarter", "quarters"),
        By::Year => ("year", "years"),
    }
}

/// Ids for a sentence, a few at most: `a, b, c and 4 more`.
fn some_ids(ids: &[&str], code: bool) -> String {
    const SHOWN: usize = 5;
    let q = if code { "`" } else { "" };
    let mut text = ids
        .iter()
        .take(SHOWN)
        .map(|id| format!("{q}{id}{q}"))
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

/// `1 contract changed: aws-2025; 1 added: new-deal; portfolio.toml changed`. With `noun`, the
/// first clause says "contract(s)".
pub(super) fn contracts_text(d: &CatalogDiff, noun: bool, code: bool) -> String {
    let mut parts = Vec::new();
    for kind in [ChangeKind::Changed, ChangeKind::Added, ChangeKind::Removed] {
        let ids = d.ids(kind);
        if ids.is_empty() {
            continue;
        }
        let n = if noun && parts.is_empty() {
            plural(ids.len(), "contract", "contracts")
        } else {
            ids.len().to_string()
        };
        parts.push(format!("{n} {}: {}", kind.name(), some_ids(&ids, code)));
    }
    if d.portfolio.is_some() {
        let q = if code { "`" } else { "" };
        parts.push(format!("{q}portfolio.toml{q} changed"));
    }
    if parts.is_empty() {
        if noun {
            "no contract changes"
        } else {
            "no changes"
        }
        .to_owned()
    } else {
        parts.join("; ")
    }
}

fn signed_count(n: i128) -> String {
    let text = group_thousands(&n.to_string());
    if n > 0 { format!("+{text}") } else { text }
}

fn signed_money(cents: i128) -> String {
    let text = format_money_short(engine::dollars(cents));
    if cents > 0 { format!("+{text}") } else { text }
}

/// A change of power for people: GW with two decimals, or MW where that would read as zero.
fn signed_power(kw: i128) -> (&'static str, String) {
    let sign = if kw > 0 { "+" } else { "" };
    let gw = (mw(kw) / Decimal::from(1000)).round_dp(2);
    if gw.is_zero() {
        ("MW", format!("{sign}{:.3}", mw(kw)))
    } else {
        ("GW", format!("{sign}{gw:.2}"))
    }
}

/// The largest change of capacity in the window and where capacity changed: `GW at 2026Q2
/// -0.09 (-38,117 GPUs), lower in 2026Q1–2026Q4`.
pub(super) fn capacity_text(d: &Diff) -> String {
    let capacity = |f: &Figures| [f.power_kw, f.gpus, f.cpus];
    let changed: Vec<&PeriodDelta> = d
        .periods
        .iter()
        .filter(|p| capacity(&p.delta()) != [0; 3])
        .collect();
    let largest = |f: fn(&Figures) -> i128| {
        changed
            .iter()
            .filter(|p| f(&p.delta()) != 0)
            // The first of the largest: `max_by_key` keeps the last, so look from the end.
            .rev()
            .max_by_key(|p| f(&p.delta()).abs())
    };
    let head = if let Some(p) = largest(|f| f.power_kw) {
        let delta = p.delta();
        let (what, value) = signed_power(delta.power_kw);
        let gpus = if delta.gpus != 0 {
            format!(" ({} GPUs)", signed_count(delta.gpus))
        } else {
            String::new()
        };
        format!("{what} at {} {value}{gpus}", p.period.label)
    } else if let Some(p) = largest(|f| f.gpus) {
        format!(
            "GPUs at {} {}",
            p.period.label,
            signed_count(p.delta().gpus)
        )
    } else if let Some(p) = largest(|f| f.cpus) {
        format!(
            "CPUs at {} {}",
            p.period.label,
            signed_count(p.delta().cpus)
        )
    } else {
        return "capacity unchanged".to_owned();
    };
    let deltas = || changed.iter().flat_map(|p| capacity(&p.delta()));
    let direction = if deltas().all(|x| x <= 0) {
        "lower"
    } else if deltas().all(|x| x >= 0) {
        "higher"
    } else {
        "changed"
    };
    let labels: Vec<String> = changed.iter().map(|p| p.period.label.clone()).collect();
    format!("{head}, {direction} in {}", span(&labels))
}

/// `2026Q2` or `2026Q2–2026Q4`: the first and last of some periods.
fn span(labels: &[String]) -> String {
    match (labels.first(), labels.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    }
}

/// `spend timing shifts $804.66M later, from 2026Q1–2027Q1 to 2027Q2–2032Q4`, or a change of
/// the total: `spend +$2.00B (2026Q1–2027Q4)`.
pub(super) fn spend_text(s: &SpendMove) -> String {
    if s.moves.is_empty() {
        return "spend unchanged".to_owned();
    }
    match s.shift() {
        Some(shift) => format!(
            "spend timing shifts {} {}, from {} to {}",
            format_money_short(engine::dollars(shift.amount)),
            if shift.later { "later" } else { "earlier" },
            span(&shift.from),
            span(&shift.to)
        ),
        None => {
            let labels: Vec<String> = s.moves.iter().map(|(p, _)| p.clone()).collect();
            format!("spend {} ({})", signed_money(s.net), span(&labels))
        }
    }
}

fn target_sentence(t: &TargetChange) -> String {
    match &t.old {
        Some((_, old)) => format!("{} {} (was {old})", t.id, t.new_text),
        None => format!("{} {} (new target)", t.id, t.new_text),
    }
}

/// `targets unchanged`, or what changed for each target that did.
fn targets_text(d: &Diff) -> Option<String> {
    if d.targets.is_empty() {
        return None;
    }
    let changed: Vec<String> = d
        .targets
        .iter()
        .filter(|t| t.changed())
        .map(target_sentence)
        .collect();
    Some(if changed.is_empty() {
        "targets unchanged".to_owned()
    } else {
        changed.join("; ")
    })
}

/// The summary in one line, for a comment's first line.
pub fn headline(d: &Diff, code: bool) -> String {
    if d.is_empty() {
        return "no changes: the catalogs are the same".to_owned();
    }
    let mut parts = vec![contracts_text(&d.catalog, true, code)];
    if d.periods.iter().any(PeriodDelta::changed) || !d.spend.moves.is_empty() {
        parts.push(capacity_text(d));
        parts.push(spend_text(&d.spend));
    } else {
        parts.push("capacity and spend unchanged".to_owned());
    }
    if let Some(text) = demand_text(d) {
        parts.push(text);
    }
    parts.extend(targets_text(d));
    parts.join("; ")
}

/// The change of the level shortfall over the window, where demand exists and it changed.
pub(super) fn demand_text(d: &Diff) -> Option<String> {
    if !d.demand || d.periods.iter().all(|p| p.delta().shortfall == 0) {
        return None;
    }
    let net: i128 = d.periods.iter().map(|p| p.delta().shortfall).sum();
    let sign = if net > 0 { "+" } else { "" };
    Some(format!(
        "level shortfall {sign}{} H100e-hours over the window",
        crate::catalog::value::group_thousands(&net.to_string())
    ))
}

pub(super) fn periods_text(d: &Diff) -> String {
    let (one, many) = period_noun(d.by);
    let changed = d.periods.iter().filter(|p| p.changed()).count();
    let total = d.periods.len();
    let noun = if total == 1 { one } else { many };
    let head = if changed == 0 {
        format!("none of {total} {noun} changed")
    } else {
        format!("{changed} of {total} {noun} changed")
    };
    if d.all_periods && changed < total {
        format!("{head}; all shown")
    } else {
        head
    }
}
