//! Builds and renders `capplan diff`: what changed from an OLD catalog to a NEW one.
//!
//! Three parts, computed once into a [`Diff`]:
//!
//! - the catalog changes of [`crate::catalog::diff`]: contracts added, removed or changed, with
//!   each changed field's old and new value, and the settings of `portfolio.toml`;
//! - per period of the window, both catalogs' totals (GPUs, CPUs, facility power, spend,
//!   cumulative spend, with `compare`'s machinery, on one timeline long enough for both) and
//!   their differences, NEW minus OLD; only the periods where a figure changed are shown, unless
//!   every period is asked for;
//! - when each target is met in each, each side measured against its own definition of it.
//!
//! A summary says it in a few words: which contracts changed, the largest change of power (the
//! period where it is largest, earliest on ties), how spend moved (over the whole timeline, so
//! that a shift out of the window is still seen as a shift: when the total is unchanged, how much
//! moved from which periods to which) and how targets moved. Formats: `table` and `markdown` show
//! the summary, the changes and the periods; `json` has all of it (the changes under
//! `summary.contracts.changes`, the periods as `rows`); `csv` has the period rows, like every
//! report's CSV; [`github_comment`] is a pull-request comment under GitHub's size limit.

use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::catalog::diff::{CatalogDiff, ChangeKind, FieldChange, Value};
use crate::catalog::value::{format_money_short, group_thousands};
use crate::catalog::{Catalog, Target};
use crate::engine::{self, By, EngineError, Filter, Period, TargetStatus, Timeline};
use crate::report::compare::{label, mw, status_text, totals};
use crate::report::document::{Cell, Column, Document, Kind, SummaryItem};
use crate::report::render::{ReportFormat, render};

/// GitHub refuses a comment longer than this many characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// Table cells of changed values are cut to this many characters; JSON has them whole.
const CELL_WIDTH: usize = 60;

/// One catalog of the diff, and how messages name it.
pub struct Side<'a> {
    pub label: String,
    pub catalog: &'a Catalog,
}

/// Totals of one catalog in one period: units, kW, cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub gpus: i128,
    pub cpus: i128,
    pub power_kw: i128,
    pub spend: i128,
    pub cumulative: i128,
    /// The level demand not served, in H100e-hours; zero without demand.
    pub shortfall: i128,
}

impl Figures {
    fn minus(self, o: Figures) -> Figures {
        Figures {
            gpus: self.gpus - o.gpus,
            cpus: self.cpus - o.cpus,
            power_kw: self.power_kw - o.power_kw,
            spend: self.spend - o.spend,
            cumulative: self.cumulative - o.cumulative,
            shortfall: self.shortfall - o.shortfall,
        }
    }
}

/// Both catalogs' totals in one period of the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodDelta {
    pub period: Period,
    pub old: Figures,
    pub new: Figures,
}

impl PeriodDelta {
    pub fn delta(&self) -> Figures {
        self.new.minus(self.old)
    }

    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// When one target is met on each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetChange {
    pub id: String,
    /// NEW's status, and in words.
    pub new: TargetStatus,
    pub new_text: String,
    /// OLD's, where OLD has a target of that id.
    pub old: Option<(TargetStatus, String)>,
}

impl TargetChange {
    pub fn changed(&self) -> bool {
        self.old
            .as_ref()
            .is_none_or(|(_, text)| *text != self.new_text)
    }
}

/// How spend moved over the whole timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpendMove {
    /// NEW's total minus OLD's, in cents.
    pub net: i128,
    /// Every period whose spend changed, in timeline order, with NEW's minus OLD's cents.
    pub moves: Vec<(String, i128)>,
}

/// Where spend moved when its total did not: NEW's spend falls behind OLD's (`later`) or runs
/// ahead of it (`earlier`) by at most `amount`, first reached in the period `peak`; `from` are
/// the periods that lose spend on the way there, `to` those that make it up after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    pub later: bool,
    pub amount: i128,
    pub peak: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

impl SpendMove {
    /// The shift, where the total is unchanged and some spend moved.
    pub fn shift(&self) -> Option<Shift> {
        if self.net != 0 || self.moves.is_empty() {
            return None;
        }
        let running =
            crate::engine::cumulative(&self.moves.iter().map(|(_, c)| *c).collect::<Vec<_>>());
        // The first of the largest: `max_by_key` keeps the last, so look from the end.
        let peak = (0..running.len()).rev().max_by_key(|&i| running[i].abs())?;
        let later = running[peak] < 0;
        let pick = |range: &mut dyn Iterator<Item = usize>, negative: bool| {
            range
                .filter(|&i| (self.moves[i].1 < 0) == negative)
                .map(|i| self.moves[i].0.clone())
                .collect::<Vec<_>>()
        };
        Some(Shift {
            later,
            amount: running[peak].abs(),
            peak: self.moves[peak].0.clone(),
            from: pick(&mut (0..=peak), later),
            to: pick(&mut (peak + 1..self.moves.len()), !later),
        })
    }
}

/// Everything `diff` shows.
pub struct Diff {
    /// NEW's portfolio name.
    pub title: String,
    pub old: String,
    pub new: String,
    pub by: By,
    pub catalog: CatalogDiff,
    /// Every period of the window.
    pub periods: Vec<PeriodDelta>,
    /// Whether tables show unchanged periods too.
    pub all_periods: bool,
    pub targets: Vec<TargetChange>,
    pub spend: SpendMove,
    /// Whether either side has demand: tables then show the level shortfall.
    pub demand: bool,
}

fn status_json(s: &TargetStatus) -> Json {
    json!({"met_in": label(&s.met_in), "met_by_deadline": s.met_by_deadline,
        "spend_met_in": label(&s.spend_met_in), "power_met_in": label(&s.power_met_in)})
}

/// Compares `old` with `new` on `timeline` (which must cover both catalogs' contracts), for
/// `targets` of NEW.
pub fn diff(
    old: &Side<'_>,
    new: &Side<'_>,
    timeline: &Timeline,
    filter: &Filter,
    targets: &[&Target],
    all_periods: bool,
) -> Result<Diff, EngineError> {
    let o = totals(old.catalog, timeline, filter)?;
    let n = totals(new.catalog, timeline, filter)?;
    // With demand on either side, each side's level shortfall per period.
    let demand = !old.catalog.workloads.is_empty() || !new.catalog.workloads.is_empty();
    let shortfall = |c: &Catalog| -> Result<Vec<i128>, EngineError> {
        if !demand {
            return Ok(vec![0; timeline.periods.len()]);
        }
        crate::report::schedule::shortfall_by_period(c, timeline, filter)
    };
    let (o_short, n_short) = (shortfall(old.catalog)?, shortfall(new.catalog)?);
    let at = |t: &crate::report::compare::Totals, short: &[i128], p: usize| Figures {
        gpus: t.gpus[p],
        cpus: t.cpus[p],
        power_kw: t.power_kw[p],
        spend: t.spend[p],
        cumulative: t.cumulative[p],
        shortfall: short[p],
    };
    let periods = timeline
        .window
        .clone()
        .map(|p| PeriodDelta {
            period: timeline.periods[p].clone(),
            old: at(&o, &o_short, p),
            new: at(&n, &n_short, p),
        })
        .collect();
    let mut spend = SpendMove::default();
    for (p, period) in timeline.periods.iter().enumerate() {
        let d = n.spend[p] - o.spend[p];
        spend.net += d;
        if d != 0 {
            spend.moves.push((period.label.clone(), d));
        }
    }
    let targets = targets
        .iter()
        .map(|t| {
            let status = engine::target_status(t, timeline, &n.power_kw, &n.h100e, &n.spend);
            let old = old.catalog.target(&t.id).map(|ot| {
                let s = engine::target_status(ot, timeline, &o.power_kw, &o.h100e, &o.spend);
                let text = status_text(ot, &s);
                (s, text)
            });
            TargetChange {
                id: t.id.clone(),
                new_text: status_text(t, &status),
                new: status,
                old,
            }
        })
        .collect();
    Ok(Diff {
        title: new.catalog.portfolio.name.clone(),
        old: old.label.clone(),
        new: new.label.clone(),
        by: timeline.grid.by,
        catalog: crate::catalog::diff::diff(old.catalog, new.catalog),
        periods,
        all_periods,
        targets,
        spend,
        demand,
    })
}

impl Diff {
    /// Whether anything differs: a file, a figure or a target.
    pub fn is_empty(&self) -> bool {
        self.catalog.is_empty()
            && self.spend.moves.is_empty()
            && !self.periods.iter().any(PeriodDelta::changed)
            && !self.targets.iter().any(TargetChange::changed)
    }

    /// The periods the tables show.
    pub fn shown(&self) -> impl Iterator<Item = &PeriodDelta> {
        self.periods
            .iter()
            .filter(|p| self.all_periods || p.changed())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn period_noun(by: By) -> (&'static str, &'static str) {
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
fn contracts_text(d: &CatalogDiff, noun: bool, code: bool) -> String {
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
fn capacity_text(d: &Diff) -> String {
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
fn spend_text(s: &SpendMove) -> String {
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
fn demand_text(d: &Diff) -> Option<String> {
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

fn periods_text(d: &Diff) -> String {
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

/// The text of a changed value in a table: whole if short, else cut around where the two sides
/// start to differ, so that an edit deep in `notes` shows.
fn cells(change: &FieldChange) -> (String, String) {
    let clean = |v: &Option<Value>| {
        v.as_ref()
            .map(|v| v.human().replace(['\n', '\r'], " "))
            .unwrap_or_else(|| "-".to_owned())
    };
    let (old, new) = (clean(&change.old), clean(&change.new));
    let (o, n): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    if o.len() <= CELL_WIDTH && n.len() <= CELL_WIDTH {
        return (old, new);
    }
    let common = o.iter().zip(&n).take_while(|(a, b)| a == b).count();
    let start = common.saturating_sub(CELL_WIDTH / 3);
    let cut = |s: &[char]| {
        let end = (start + CELL_WIDTH).min(s.len());
        let mut text = String::new();
        if start > 0 {
            text.push('…');
        }
        text.extend(&s[start.min(end)..end]);
        if end < s.len() {
            text.push('…');
        }
        text
    };
    (cut(&o), cut(&n))
}

fn change_json(item: &str, kind: ChangeKind, f: &FieldChange) -> Json {
    let value = |v: &Option<Value>| v.as_ref().map(Value::data);
    json!({"contract": item, "change": kind.name(),
        "field": (!f.field.is_empty()).then_some(f.field.as_str()),
        "old": value(&f.old), "new": value(&f.new)})
}

fn summary(d: &Diff) -> Vec<SummaryItem> {
    let c = &d.catalog;
    let changes: Vec<Json> = c
        .entries()
        .flat_map(|e| e.fields.iter().map(|f| change_json(&e.item, e.kind, f)))
        .collect();
    let mut items = vec![
        SummaryItem {
            key: "old".into(),
            label: "old".into(),
            text: d.old.clone(),
            json: json!(d.old),
        },
        SummaryItem {
            key: "new".into(),
            label: "new".into(),
            text: d.new.clone(),
            json: json!(d.new),
        },
        SummaryItem {
            key: "contracts".into(),
            label: "contracts".into(),
            text: contracts_text(c, false, false),
            json: json!({"added": c.ids(ChangeKind::Added), "removed": c.ids(ChangeKind::Removed),
                "changed": c.ids(ChangeKind::Changed), "portfolio_changed": c.portfolio.is_some(),
                "changes": changes}),
        },
    ];
    let figures_changed = d.periods.iter().any(PeriodDelta::changed);
    let largest = d
        .periods
        .iter()
        .filter(|p| p.delta().power_kw != 0)
        .rev()
        .max_by_key(|p| p.delta().power_kw.abs());
    items.push(SummaryItem {
        key: "capacity".into(),
        label: "capacity".into(),
        text: capacity_text(d)
            .strip_prefix("capacity ")
            .map_or_else(|| capacity_text(d), str::to_owned),
        json: json!({"largest_power_change": largest.map(|p| json!({"period": p.period.label,
            "delta_power_mw": format!("{:.3}", mw(p.delta().power_kw)), "delta_gpus": i64::try_from(p.delta().gpus).unwrap_or(i64::MAX)}))}),
    });
    let s = &d.spend;
    let cents = |c: i128| format!("{:.2}", engine::dollars(c));
    let moves: Vec<Json> = s
        .moves
        .iter()
        .map(|(p, c)| json!({"period": p, "delta_spend_usd": cents(*c)}))
        .collect();
    let shift = s.shift().map(|x| {
        json!({"direction": if x.later { "later" } else { "earlier" }, "amount_usd": cents(x.amount),
            "peak": x.peak, "from": x.from, "to": x.to})
    });
    items.push(SummaryItem {
        key: "spend".into(),
        label: "spend".into(),
        text: spend_text(s)
            .strip_prefix("spend ")
            .unwrap_or_default()
            .to_owned(),
        json: json!({"net_usd": cents(s.net), "shift": shift, "periods": moves}),
    });
    if d.demand {
        let net: i128 = d.periods.iter().map(|p| p.delta().shortfall).sum();
        let text = demand_text(d).unwrap_or_else(|| "level shortfall unchanged".to_owned());
        items.push(SummaryItem {
            key: "demand".into(),
            label: "demand".into(),
            text,
            json: json!({"delta_shortfall_h100e_hours": i64::try_from(net).unwrap_or(i64::MAX)}),
        });
    }
    let changed = d.periods.iter().filter(|p| p.changed()).count();
    items.push(SummaryItem {
        key: "periods".into(),
        label: "periods".into(),
        text: periods_text(d),
        json: json!({"changed": changed, "total": d.periods.len(), "all_shown": d.all_periods,
            "figures_changed": figures_changed}),
    });
    for t in &d.targets {
        let text = match &t.old {
            Some((_, old)) if !t.changed() => format!("{old}, unchanged"),
            Some((_, old)) => format!("{}, was {old}", t.new_text),
            None => format!("{}, a new target", t.new_text),
        };
        items.push(SummaryItem {
            key: format!("targets_met:{}", t.id),
            label: t.id.clone(),
            text,
            json: json!({"old": t.old.as_ref().map(|(s, _)| status_json(s)),
                "new": status_json(&t.new), "changed": t.changed()}),
        });
    }
    items
}

/// The changes as a table: one row per changed field, one per contract added or removed.
/// One row per contract change.
pub fn changes_document(d: &Diff) -> Document {
    let columns = vec![
        Column::new("contract", "contract", Kind::Text),
        Column::new("change", "change", Kind::Text),
        Column::new("field", "field", Kind::Text),
        Column::new("old", "old", Kind::Text),
        Column::new("new", "new", Kind::Text),
    ];
    let rows = d
        .catalog
        .entries()
        .flat_map(|e| {
            e.fields.iter().map(|f| {
                let (old, new) = cells(f);
                let field = if f.field.is_empty() { "-" } else { &f.field };
                vec![
                    Cell::Text(e.item.clone()),
                    Cell::Text(e.kind.name().to_owned()),
                    Cell::Text(field.to_owned()),
                    Cell::Text(old),
                    Cell::Text(new),
                ]
            })
        })
        .collect();
    Document {
        report: "diff",
        by: Some(d.by.name()),
        group_by: Some("total"),
        scenarios: Vec::new(),
        title: None,
        summary: Vec::new(),
        columns,
        rows,
    }
}

/// The periods as a table, with the whole summary: the document of `json` and `csv`.
pub fn document(d: &Diff) -> Document {
    let columns = vec![
        Column::new("period", "period", Kind::Text),
        Column::new("start", "start", Kind::Date).data_only(),
        Column::new("end", "end", Kind::Date).data_only(),
        Column::new("group", "group", Kind::Text).data_only(),
        Column::new("old_gpus", "old GPUs", Kind::Count).data_only(),
        Column::new("new_gpus", "GPUs", Kind::Count),
        Column::new("delta_gpus", "Δ GPUs", Kind::Count).signed(),
        Column::new("old_cpus", "old CPUs", Kind::Count).data_only(),
        Column::new("new_cpus", "CPUs", Kind::Count).data_only(),
        Column::new("delta_cpus", "Δ CPUs", Kind::Count).signed(),
        Column::new("old_power_mw", "old GW", Kind::MwAsGw).data_only(),
        Column::new("new_power_mw", "GW", Kind::MwAsGw),
        Column::new("delta_power_mw", "Δ MW", Kind::Mw).signed(),
        Column::new("old_spend_usd", "old spend", Kind::Money).data_only(),
        Column::new("new_spend_usd", "spend", Kind::Money),
        Column::new("delta_spend_usd", "Δ spend", Kind::Money).signed(),
        Column::new("old_cumulative_spend_usd", "old cumul.", Kind::Money).data_only(),
        Column::new("new_cumulative_spend_usd", "cumul.", Kind::Money).data_only(),
        Column::new("delta_cumulative_spend_usd", "Δ cumul.", Kind::Money).signed(),
    ];
    let mut columns = columns;
    if d.demand {
        columns.extend([
            Column::new("old_shortfall_h100e_hours", "old shortfall", Kind::Count).data_only(),
            Column::new(
                "new_shortfall_h100e_hours",
                "shortfall H100e-h",
                Kind::Count,
            )
            .data_only(),
            Column::new(
                "delta_shortfall_h100e_hours",
                "Δ shortfall H100e-h",
                Kind::Count,
            )
            .signed(),
        ]);
    }
    let money = |c: i128| Cell::Decimal(engine::dollars(c));
    let power = |kw: i128| Cell::Decimal(mw(kw));
    let rows = d
        .shown()
        .map(|p| {
            let (o, n, x) = (p.old, p.new, p.delta());
            let mut row = vec![
                Cell::Text(p.period.label.clone()),
                Cell::Date(p.period.start),
                Cell::Date(p.period.end),
                Cell::Text("total".to_owned()),
                Cell::Count(o.gpus),
                Cell::Count(n.gpus),
                Cell::Count(x.gpus),
                Cell::Count(o.cpus),
                Cell::Count(n.cpus),
                Cell::Count(x.cpus),
                power(o.power_kw),
                power(n.power_kw),
                power(x.power_kw),
                money(o.spend),
                money(n.spend),
                money(x.spend),
                money(o.cumulative),
                money(n.cumulative),
                money(x.cumulative),
            ];
            if d.demand {
                row.extend([
                    Cell::Count(o.shortfall),
                    Cell::Count(n.shortfall),
                    Cell::Count(x.shortfall),
                ]);
            }
            row
        })
        .collect();
    Document {
        report: "diff",
        by: Some(d.by.name()),
        group_by: Some("total"),
        scenarios: Vec::new(),
        title: Some(d.title.clone()),
        summary: summary(d),
        columns,
        rows,
    }
}

/// `diff` as `table`, `json`, `csv` or `markdown`.
pub fn render_diff(d: &Diff, format: ReportFormat) -> Vec<u8> {
    let periods = document(d);
    match format {
        ReportFormat::Json | ReportFormat::Csv => render(&periods, format),
        ReportFormat::Table | ReportFormat::Markdown => {
            let head = Document {
                columns: Vec::new(),
                rows: Vec::new(),
                ..periods.clone()
            };
            let mut out = render(&head, format);
            let markdown = format == ReportFormat::Markdown;
            let changes = changes_document(d);
            let periods = Document {
                title: None,
                summary: Vec::new(),
                ..periods
            };
            for (heading, part) in [("Contract changes", changes), ("Periods", periods)] {
                if part.rows.is_empty() {
                    continue;
                }
                if markdown {
                    out.extend_from_slice(format!("### {heading}\n\n").as_bytes());
                }
                out.extend(render(&part, format));
                out.push(b'\n');
            }
            // One blank line at the end, whatever was shown.
            while out.ends_with(b"\n\n") {
                out.pop();
            }
            out
        }
    }
}

/// A markdown table cut to fit `budget` bytes: its text and the number of rows left out. The
/// header always stays; rows are kept in order up to the first that does not fit.
fn fit_table(doc: &Document, budget: usize) -> (String, usize) {
    let text = String::from_utf8(render(doc, ReportFormat::Markdown)).unwrap_or_default();
    let mut out = String::new();
    let mut left = 0;
    for (i, line) in text.lines().enumerate() {
        if left == 0 && (i < 2 || out.len() + line.len() < budget) {
            out.push_str(line);
            out.push('\n');
        } else {
            left += 1;
        }
    }
    (out, left)
}

fn details(summary: &str, body: &str) -> String {
    format!("<details><summary>{summary}</summary>\n\n{body}\n</details>\n\n")
}

/// Text of a changes cell that is safe in a comment: no HTML tags.
fn comment_safe(mut doc: Document) -> Document {
    for row in &mut doc.rows {
        for cell in row {
            if let Cell::Text(t) = cell {
                *t = t.replace('<', "&lt;").replace('>', "&gt;");
            }
        }
    }
    doc
}

/// `diff` as a pull-request comment: a marker for tools that update it, a one-line summary, then
/// collapsed tables (contract changes, targets, period deltas), cut with a note where the whole
/// would pass `limit` bytes (so characters: GitHub counts characters, never more than bytes).
pub fn github_comment(d: &Diff, limit: usize) -> String {
    let mut out = String::from("<!-- capplan-diff -->\n### capplan diff\n\n");
    out.push_str(&format!("**{}**\n\n", headline(d, true)));
    let (one, many) = period_noun(d.by);
    out.push_str(&format!(
        "`{}` → `{}`, by {one}; {}.\n\n",
        d.old,
        d.new,
        periods_text(d)
    ));
    if d.is_empty() {
        return out;
    }
    let changes = comment_safe(changes_document(d));
    let targets = targets_document(d);
    let mut periods = Document {
        title: None,
        summary: Vec::new(),
        ..document(d)
    };
    // CPUs are rarer than GPUs: their column only where one changed.
    if d.shown().all(|p| p.delta().cpus == 0) {
        for c in &mut periods.columns {
            if c.name == "delta_cpus" {
                c.in_table = false;
            }
        }
    }
    let n_fields = changes.rows.len();
    let n_contracts = d.catalog.entries().count();
    let n_periods = periods.rows.len();
    let sections = [
        (
            format!(
                "Contract changes ({} in {})",
                plural(n_fields, "row", "rows"),
                plural(n_contracts, "file", "files")
            ),
            changes,
        ),
        ("Targets".to_owned(), targets),
        (
            format!(
                "Period deltas ({} {})",
                n_periods,
                if n_periods == 1 { one } else { many }
            ),
            periods,
        ),
    ];
    // What every section needs besides its rows, and the note of a cut table.
    const NOTE: &str = "\n_… {} more rows left out to stay under GitHub's comment size limit: run `capplan diff` for all of them._\n";
    let fixed: usize = sections
        .iter()
        .map(|(s, _)| details(s, "").len() + 600)
        .sum();
    let mut budget = limit.saturating_sub(out.len() + fixed);
    for (summary, doc) in sections {
        if doc.rows.is_empty() {
            continue;
        }
        let (mut table, left) = fit_table(&doc, budget);
        budget = budget.saturating_sub(table.len());
        if left > 0 {
            table.push_str(&NOTE.replace("{}", &group_thousands(&left.to_string())));
        }
        out.push_str(&details(&summary, &table));
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// When each target is met, OLD and NEW, for the comment.
fn targets_document(d: &Diff) -> Document {
    let rows = d
        .targets
        .iter()
        .map(|t| {
            vec![
                Cell::Text(t.id.clone()),
                Cell::Text(
                    t.old
                        .as_ref()
                        .map_or("-".to_owned(), |(_, text)| text.clone()),
                ),
                Cell::Text(t.new_text.clone()),
                Cell::Text(if t.changed() { "changed" } else { "unchanged" }.to_owned()),
            ]
        })
        .collect();
    Document {
        report: "diff",
        by: Some(d.by.name()),
        group_by: Some("total"),
        scenarios: Vec::new(),
        title: None,
        summary: Vec::new(),
        columns: vec![
            Column::new("target", "target", Kind::Text),
            Column::new("old", "old", Kind::Text),
            Column::new("new", "new", Kind::Text),
            Column::new("change", "change", Kind::Text),
        ],
        rows,
    }
}
