//! Comparing two catalogs entry by entry: which contracts were added, removed or changed, and
//! for each change which fields went from what to what. The settings of `portfolio.toml`
//! (horizon, PUE, fiscal year, targets, hardware profiles) are compared too, since they move
//! figures as much as a contract does.
//!
//! Contracts are matched by id, tranches by id within their contract, targets and hardware
//! profiles by id, schedule entries by position. Fields are compared as validated, not as
//! written: `term = "7y"` and `end = 2032-11-03` are the same `end`, and an absent `ramp` is
//! `linear`. Values stay typed ([`Value`]) so that each format shows them its own way: `$38.00B`
//! for people, `38000000000.00` for programs. The order is deterministic: contracts by id, fields
//! in file-format order, tranches in OLD's order and then NEW's additions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::value::{format_money, group_thousands};
use crate::catalog::{Catalog, Contract, Hardware, Quantity, ScheduleEntry, Target, Tranche};

/// The item of `portfolio.toml`'s changes: not a valid contract id, so it cannot clash with one.
pub const PORTFOLIO_ITEM: &str = "portfolio.toml";

/// One side of a field change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Date(NaiveDate),
    Money(Decimal),
    /// Dollars per unit-hour.
    Price(Decimal),
    /// PUE, watts, GW, MW.
    Ratio(Decimal),
    Count(u64),
    Bool(bool),
    /// A schedule entry: `amount` spread over `[from, to)`.
    Entry {
        from: NaiveDate,
        to: NaiveDate,
        amount: Decimal,
    },
}

impl Value {
    /// For people: `$38.00B`, `120,000`, `2026-03-01`, `yes`.
    pub fn human(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Date(d) => d.to_string(),
            Value::Money(m) => format_money(*m),
            Value::Price(p) => format!("${p:.2}"),
            Value::Ratio(r) => r.normalize().to_string(),
            Value::Count(n) => group_thousands(&n.to_string()),
            Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
            Value::Entry { from, to, amount } => {
                format!("{} from {from} to {to}", format_money(*amount))
            }
        }
    }

    /// For programs: `38000000000.00`, `120000`, `2026-03-01`, `true`.
    pub fn data(&self) -> String {
        match self {
            Value::Money(m) | Value::Price(m) => format!("{m:.2}"),
            Value::Count(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Entry { from, to, amount } => format!("{amount:.2} from {from} to {to}"),
            other => other.human(),
        }
    }
}

/// One field that differs: absent on one side where it was added or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    /// `value_usd`, `tranche.gb300.online_from`, `spend_schedule[2]`, `hardware.gb300.watts_per_unit`;
    /// empty for a whole contract added or removed.
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// What happened to a contract, or to `portfolio.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// A contract (or `portfolio.toml`, as [`PORTFOLIO_ITEM`]) that differs, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryChange {
    pub item: String,
    pub kind: ChangeKind,
    /// For an added or removed contract, one change with an empty field that describes it.
    pub fields: Vec<FieldChange>,
}

/// Everything that differs between two catalogs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogDiff {
    /// Contracts by id.
    pub contracts: Vec<EntryChange>,
    /// The settings of `portfolio.toml`, if any changed.
    pub portfolio: Option<EntryChange>,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        self.contracts.is_empty() && self.portfolio.is_none()
    }

    /// The ids of the contracts of one kind of change, in id order.
    pub fn ids(&self, kind: ChangeKind) -> Vec<&str> {
        self.contracts
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.item.as_str())
            .collect()
    }

    /// Every change, contracts first, then `portfolio.toml`.
    pub fn entries(&self) -> impl Iterator<Item = &EntryChange> {
        self.contracts.iter().chain(&self.portfolio)
    }
}

/// Collects field changes under a prefix such as `tranche.gb300.`.
struct Fields<'a> {
    prefix: String,
    out: &'a mut Vec<FieldChange>,
}

impl Fields<'_> {
    fn field(&mut self, name: &str, old: Option<Value>, new: Option<Value>) {
        if old != new {
            self.out.push(FieldChange {
                field: format!("{}{name}", self.prefix),
                old,
                new,
            });
        }
    }

    fn same<T>(&mut self, name: &str, old: &T, new: &T, value: impl Fn(&T) -> Value) {
        self.field(name, Some(value(old)), Some(value(new)));
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// An added or removed contract in one line: `AWS, signed, $38.00B, 2025-11-03 to 2032-11-03,
/// 3 tranches`.
fn describe_contract(c: &Contract) -> Value {
    let n = c.tranches.len();
    Value::Text(format!(
        "{}, {}, {}, {} to {}, {n} tranche{}",
        c.provider,
        c.status.name(),
        format_money(c.value_usd),
        c.start,
        c.end,
        if n == 1 { "" } else { "s" }
    ))
}

fn quantity_text(q: &Quantity) -> String {
    match q {
        Quantity::Units(u) => format!("{} units", group_thousands(&u.to_string())),
        Quantity::PowerMw(mw) => format!("{} MW", mw.normalize()),
    }
}

/// An added or removed tranche in one line: `120,000 units of gb300, online 2026-03-01 to
/// 2026-12-15, linear`.
fn describe_tranche(t: &Tranche) -> Value {
    let until = t.until.map(|u| format!(", until {u}")).unwrap_or_default();
    Value::Text(format!(
        "{} of {}, online {} to {}, {}{until}",
        quantity_text(&t.quantity),
        t.hardware,
        t.online_from,
        t.online_by,
        t.ramp.name()
    ))
}

fn units(q: &Quantity) -> Option<Value> {
    match q {
        Quantity::Units(u) => Some(Value::Count(*u)),
        Quantity::PowerMw(_) => None,
    }
}

fn power_mw(q: &Quantity) -> Option<Value> {
    match q {
        Quantity::PowerMw(mw) => Some(Value::Ratio(*mw)),
        Quantity::Units(_) => None,
    }
}

fn tranches(old: &[Tranche], new: &[Tranche], out: &mut Vec<FieldChange>) {
    let find = |list: &'_ [Tranche], id: &str| list.iter().position(|t| t.id == id);
    let mut ids: Vec<&str> = old.iter().map(|t| t.id.as_str()).collect();
    ids.extend(
        new.iter()
            .map(|t| t.id.as_str())
            .filter(|id| find(old, id).is_none()),
    );
    for id in ids {
        let (o, n) = (
            find(old, id).map(|i| &old[i]),
            find(new, id).map(|i| &new[i]),
        );
        let mut f = Fields {
            prefix: format!("tranche.{id}"),
            out,
        };
        match (o, n) {
            (Some(o), None) => f.field("", Some(describe_tranche(o)), None),
            (None, Some(n)) => f.field("", None, Some(describe_tranche(n))),
            (Some(o), Some(n)) => {
                f.prefix.push('.');
                f.same("hardware", &o.hardware, &n.hardware, |h| text(h));
                f.field("units", units(&o.quantity), units(&n.quantity));
                f.field("power_mw", power_mw(&o.quantity), power_mw(&n.quantity));
                f.same("online_from", &o.online_from, &n.online_from, |d| {
                    Value::Date(*d)
                });
                f.same("online_by", &o.online_by, &n.online_by, |d| Value::Date(*d));
                f.same("ramp", &o.ramp, &n.ramp, |r| text(r.name()));
                f.field("until", o.until.map(Value::Date), n.until.map(Value::Date));
            }
            (None, None) => {}
        }
    }
}

fn schedule(old: &[ScheduleEntry], new: &[ScheduleEntry], out: &mut Vec<FieldChange>) {
    let entry = |e: &ScheduleEntry| Value::Entry {
        from: e.from,
        to: e.to,
        amount: e.amount_usd,
    };
    let mut f = Fields {
        prefix: String::new(),
        out,
    };
    for i in 0..old.len().max(new.len()) {
        f.field(
            &format!("spend_schedule[{}]", i + 1),
            old.get(i).map(entry),
            new.get(i).map(entry),
        );
    }
}

fn contract(o: &Contract, n: &Contract) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut f = Fields {
        prefix: String::new(),
        out: &mut out,
    };
    f.same("provider", &o.provider, &n.provider, |s| text(s));
    f.same("title", &o.title, &n.title, |s| text(s));
    f.field(
        "announced",
        o.announced.map(Value::Date),
        n.announced.map(Value::Date),
    );
    f.same("start", &o.start, &n.start, |d| Value::Date(*d));
    f.same("end", &o.end, &n.end, |d| Value::Date(*d));
    f.same("value_usd", &o.value_usd, &n.value_usd, |m| {
        Value::Money(*m)
    });
    f.same("estimated", &o.estimated, &n.estimated, |b| Value::Bool(*b));
    f.same("status", &o.status, &n.status, |s| text(s.name()));
    f.same("spend", &o.spend, &n.spend, |s| text(s.name()));
    f.field("pue", o.pue.map(Value::Ratio), n.pue.map(Value::Ratio));
    f.same("sources", &o.sources, &n.sources, |s| text(&s.join(" ")));
    f.field(
        "notes",
        o.notes.as_deref().map(text),
        n.notes.as_deref().map(text),
    );
    tranches(&o.tranches, &n.tranches, &mut out);
    schedule(&o.spend_schedule, &n.spend_schedule, &mut out);
    out
}

/// Entries of two lists matched by id: OLD's order, then NEW's additions.
#[allow(clippy::type_complexity)]
fn by_id<'a, T>(
    old: &'a [T],
    new: &'a [T],
    id: impl Fn(&T) -> &str,
) -> Vec<(&'a str, Option<&'a T>, Option<&'a T>)> {
    let new_ids: BTreeMap<&str, &T> = new.iter().map(|n| (id(n), n)).collect();
    let old_ids: BTreeMap<&str, &T> = old.iter().map(|o| (id(o), o)).collect();
    let mut out: Vec<(&str, Option<&T>, Option<&T>)> = old
        .iter()
        .map(|o| (id(o), Some(o), new_ids.get(id(o)).copied()))
        .collect();
    out.extend(
        new.iter()
            .filter(|n| !old_ids.contains_key(id(n)))
            .map(|n| (id(n), None, Some(n))),
    );
    out
}

fn describe_target(t: &Target) -> Value {
    let mut parts = Vec::new();
    if let Some(s) = t.spend_usd {
        parts.push(format_money(s));
    }
    if let Some(gw) = t.power_gw {
        parts.push(format!("{} GW", gw.normalize()));
    }
    if let Some(by) = t.by {
        parts.push(format!("by {by}"));
    }
    Value::Text(if parts.is_empty() {
        t.name.clone()
    } else {
        parts.join(", ")
    })
}

fn describe_hardware(h: &Hardware) -> Value {
    Value::Text(format!(
        "{}, {} W, ${:.2} an hour",
        h.name,
        h.watts_per_unit.normalize(),
        h.rate_usd_per_hour
    ))
}

fn portfolio(old: &Catalog, new: &Catalog) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let (o, n) = (&old.portfolio, &new.portfolio);
    let mut f = Fields {
        prefix: String::new(),
        out: &mut out,
    };
    f.same("name", &o.name, &n.name, |s| text(s));
    let horizon = |p: &crate::catalog::Portfolio| {
        Value::Text(format!("{} to {}", p.horizon_start, p.horizon_end))
    };
    f.same("horizon", o, n, horizon);
    f.same("pue", &o.pue, &n.pue, |r| Value::Ratio(*r));
    f.same(
        "fiscal_year_start_month",
        &o.fiscal_year_start_month,
        &n.fiscal_year_start_month,
        |m| Value::Count(u64::from(*m)),
    );
    let first = |c: &Catalog| c.targets.first().map(|t| text(&t.id));
    f.field("default target", first(old), first(new));
    for (id, o, n) in by_id(&old.targets, &new.targets, |t| &t.id) {
        f.prefix = format!("target.{id}");
        match (o, n) {
            (Some(o), Some(n)) => {
                f.prefix.push('.');
                f.same("name", &o.name, &n.name, |s| text(s));
                f.field(
                    "spend_usd",
                    o.spend_usd.map(Value::Money),
                    n.spend_usd.map(Value::Money),
                );
                f.field(
                    "power_gw",
                    o.power_gw.map(Value::Ratio),
                    n.power_gw.map(Value::Ratio),
                );
                f.field("by", o.by.map(Value::Date), n.by.map(Value::Date));
            }
            (o, n) => f.field("", o.map(describe_target), n.map(describe_target)),
        }
    }
    for (id, o, n) in by_id(&old.hardware, &new.hardware, |h| &h.id) {
        f.prefix = format!("hardware.{id}");
        match (o, n) {
            (Some(o), Some(n)) => {
                f.prefix.push('.');
                f.same("name", &o.name, &n.name, |s| text(s));
                f.same("kind", &o.kind, &n.kind, |k| {
                    text(match k {
                        crate::catalog::HardwareKind::Gpu => "gpu",
                        crate::catalog::HardwareKind::Cpu => "cpu",
                    })
                });
                f.same(
                    "watts_per_unit",
                    &o.watts_per_unit,
                    &n.watts_per_unit,
                    |w| Value::Ratio(*w),
                );
                f.same(
                    "rate_usd_per_hour",
                    &o.rate_usd_per_hour,
                    &n.rate_usd_per_hour,
                    |r| Value::Price(*r),
                );
            }
            (o, n) => f.field("", o.map(describe_hardware), n.map(describe_hardware)),
        }
    }
    out
}

/// Everything that differs from `old` to `new`.
pub fn diff(old: &Catalog, new: &Catalog) -> CatalogDiff {
    let mut contracts = Vec::new();
    for (id, o, n) in by_id(&old.contracts, &new.contracts, |c| &c.id) {
        let (kind, fields) = match (o, n) {
            (Some(o), Some(n)) => (ChangeKind::Changed, contract(o, n)),
            (Some(o), None) => (
                ChangeKind::Removed,
                vec![FieldChange {
                    field: String::new(),
                    old: Some(describe_contract(o)),
                    new: None,
                }],
            ),
            (None, Some(n)) => (
                ChangeKind::Added,
                vec![FieldChange {
                    field: String::new(),
                    old: None,
                    new: Some(describe_contract(n)),
                }],
            ),
            (None, None) => continue,
        };
        if !fields.is_empty() {
            contracts.push(EntryChange {
                item: id.to_owned(),
                kind,
                fields,
            });
        }
    }
    contracts.sort_by(|a, b| a.item.cmp(&b.item));
    let fields = portfolio(old, new);
    CatalogDiff {
        contracts,
        portfolio: (!fields.is_empty()).then(|| EntryChange {
            item: PORTFOLIO_ITEM.to_owned(),
            kind: ChangeKind::Changed,
            fields,
        }),
    }
}
