//! A contract file, or a scenario's `[[contract]]`: its fields, `[[tranche]]` and
//! `[[spend_schedule]]` tables, `payment` and `[actuals]`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    ACTUALS_KEYS, CONTRACT_KEYS, OWNERSHIPS, PAYMENT_KEYS, PAYMENT_TERMS, RAMPS, SCHEDULE_KEYS,
    SPEND_MODELS, STATUSES, TRANCHE_KEYS, keep,
};
use crate::catalog::limits::MAX_TRANCHES_PER_CONTRACT;
use crate::catalog::model::*;
use crate::catalog::reader::{self, Ctx, Table, Value};
use crate::catalog::value::{Duration, DurationUnit, group_thousands};
use crate::diagnostic::{Code, Diagnostic};

/// Reads one contract file. `None` if a required part is missing or malformed (already reported).
pub fn contract(ctx: &mut Ctx<'_>, doc: Spanned<DeTable<'_>>) -> Option<Contract> {
    let span = doc.span();
    let mut t = Table::new(doc.into_inner(), span, "the contract", CONTRACT_KEYS);
    contract_table(ctx, &mut t)
}

/// Reads a contract from a table: a contract file, or a `[[contract]]` of a scenario.
pub fn contract_table(ctx: &mut Ctx<'_>, t: &mut Table<'_>) -> Option<Contract> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let id = t.require(ctx, "id").and_then(|v| reader::id(ctx, "id", v));
    let id = keep(&mut origin, "id", id);
    if let Some(id) = &id {
        t.what = format!("contract `{id}`");
    }
    let provider = t
        .require(ctx, "provider")
        .and_then(|v| reader::string(ctx, "provider", v));
    let provider = keep(&mut origin, "provider", provider);
    let title = t
        .require(ctx, "title")
        .and_then(|v| reader::string(ctx, "title", v));
    let title = keep(&mut origin, "title", title);
    let announced = t
        .take("announced")
        .and_then(|v| reader::date(ctx, "announced", v));
    let announced = keep(&mut origin, "announced", announced);
    let start = t
        .require(ctx, "start")
        .and_then(|v| reader::date(ctx, "start", v));
    let start = keep(&mut origin, "start", start);
    let term_value = t.take("term");
    let end_value = t.take("end");
    if term_value.is_none() && end_value.is_none() {
        let d = Diagnostic::new(
            Code::MissingTerm,
            ctx.span(t.span.clone()),
            format!("{} gives neither `term` nor `end`", t.what),
        )
        .with_help("add `term = \"5y\"` or `end = YYYY-MM-DD` (exclusive)");
        ctx.push(d);
    }
    let term = term_value.and_then(|v| reader::duration(ctx, "term", v));
    let term = keep(&mut origin, "term", term);
    let end = end_value.and_then(|v| reader::date(ctx, "end", v));
    let end = keep(&mut origin, "end", end);
    let value = t
        .require(ctx, "value_usd")
        .and_then(|v| reader::money(ctx, "value_usd", v));
    let value_usd = keep(&mut origin, "value_usd", value);
    let estimated = t.take("estimated").and_then(|v| {
        origin.set_key("estimated", v.span());
        reader::boolean(ctx, "estimated", v)
    });
    let status = t
        .take("status")
        .and_then(|v| reader::one_of(ctx, "status", v, STATUSES));
    let status = keep(&mut origin, "status", status);
    let spend = t
        .take("spend")
        .and_then(|v| reader::one_of(ctx, "spend", v, SPEND_MODELS));
    let spend = keep(&mut origin, "spend", spend);
    let pue = t.take("pue").and_then(|v| reader::ratio(ctx, "pue", v));
    let pue = keep(&mut origin, "pue", pue);
    let mut sources = Vec::new();
    if let Some(v) = t.take("sources") {
        origin.set_key("sources", v.span());
        let mut items = Vec::new();
        for item in reader::array(ctx, "sources", v).unwrap_or_default() {
            if let Some(s) = reader::string(ctx, "sources", item) {
                items.push(s.span());
                sources.push(s.into_inner());
            }
        }
        origin.set_items(items);
    }
    let notes = t
        .take("notes")
        .and_then(|v| reader::string(ctx, "notes", v));
    let notes = keep(&mut origin, "notes", notes);
    let tranche_tables = t
        .take("tranche")
        .map(|v| {
            origin.set_key("tranche", v.span());
            reader::tables(ctx, "tranche", v, TRANCHE_KEYS)
        })
        .unwrap_or_default();
    let written = tranche_tables.len();
    let tranches: Vec<Tranche> = match tranche_tables.get(MAX_TRANCHES_PER_CONTRACT) {
        // Past the cap, the tranches are not read: the contract is left out, and its other
        // problems are still reported.
        Some(first_over) => {
            let span = ctx.span(first_over.span.clone());
            ctx.push(
                Diagnostic::new(
                    Code::TooManyTranches,
                    span,
                    format!(
                        "{} has {} `[[tranche]]` tables, more than the {} capplan takes in one contract",
                        t.what,
                        group_thousands(&written.to_string()),
                        group_thousands(&MAX_TRANCHES_PER_CONTRACT.to_string()),
                    ),
                )
                .with_help("split the deal into several contract files, or merge tranches that come online together"),
            );
            Vec::new()
        }
        None => tranche_tables
            .into_iter()
            .filter_map(|tt| tranche(ctx, tt))
            .collect(),
    };
    // Should the contract be left out for another problem, the hardware its tranches name is
    // still checked (`catalog::load`); kept only until the contract is made.
    let mark = ctx.left_out.len();
    ctx.left_out.extend(
        tranches
            .iter()
            .map(|tr| crate::catalog::reader::HardwareRef {
                what: format!("tranche `{}` of {}", tr.id, t.what),
                hardware: tr.hardware.clone(),
                span: tr.origin.span("hardware"),
            }),
    );
    let schedule_tables = t
        .take("spend_schedule")
        .map(|v| {
            origin.set_key("spend_schedule", v.span());
            reader::tables(ctx, "spend_schedule", v, SCHEDULE_KEYS)
        })
        .unwrap_or_default();
    let scheduled = schedule_tables.len();
    let spend_schedule: Vec<ScheduleEntry> = schedule_tables
        .into_iter()
        .filter_map(|st| schedule_entry(ctx, st))
        .collect();
    let payment_value = t.take("payment");
    let payment_written = payment_value.is_some();
    let payment = payment_value.and_then(|v| {
        origin.set_key("payment", v.span());
        let pt = reader::table(ctx, "payment", v, "`payment`", PAYMENT_KEYS)?;
        payment(ctx, pt).map(Box::new)
    });
    let ownership = t
        .take("ownership")
        .and_then(|v| reader::one_of(ctx, "ownership", v, OWNERSHIPS));
    let ownership = keep(&mut origin, "ownership", ownership);
    let useful_life = t
        .take("useful_life")
        .and_then(|v| reader::duration(ctx, "useful_life", v));
    let useful_life = keep(&mut origin, "useful_life", useful_life);
    let actuals = match t.take("actuals") {
        Some(v) => {
            origin.set_key("actuals", v.span());
            actuals_match(ctx, v)?
        }
        None => Vec::new(),
    };
    t.finish_in_place(ctx);
    // A payment table that did not parse would leave the contract paid as it accrues, quietly.
    if payment_written && payment.is_none() {
        return None;
    }
    // A contract missing a tranche or a schedule entry that did not parse would fail checks of
    // the whole (no capacity, a schedule that does not sum) for a problem already reported.
    if tranches.len() < written || spend_schedule.len() < scheduled {
        return None;
    }

    let start = start?;
    let end = match (end, term) {
        (Some(end), _) => end,
        (None, Some(term)) => match term.add_to(start) {
            Some(end) => end,
            None => {
                ctx.error(
                    Code::Overflow,
                    origin.span("term").range,
                    "`start + term` is past the end of the calendar",
                );
                return None;
            }
        },
        (None, None) => return None,
    };
    let made = (|| {
        Some(Contract {
            id: id?,
            provider: provider?,
            title: title?,
            announced,
            start,
            term,
            end,
            value_usd: value_usd?,
            estimated: estimated.unwrap_or(false),
            status: status.unwrap_or(Status::Signed),
            spend: spend.unwrap_or(SpendModel::StraightLine),
            pue,
            sources,
            notes,
            tranches,
            spend_schedule,
            payment,
            ownership: ownership.unwrap_or_default(),
            useful_life,
            actuals,
            origin,
        })
    })();
    if made.is_some() {
        ctx.left_out.truncate(mark);
    }
    made
}

/// Reads a contract's `[actuals]` table: `match`, a table of FOCUS column names and the value
/// each must have (docs/actuals.md).
fn actuals_match(ctx: &mut Ctx<'_>, v: Value<'_>) -> Option<Vec<(String, String)>> {
    let mut t = reader::table(ctx, "actuals", v, "`[actuals]`", ACTUALS_KEYS)?;
    let span = t.span.clone();
    let m = t.require(ctx, "match");
    t.finish(ctx);
    let m = m?;
    let m_span = m.span();
    let DeValue::Table(table) = m.into_inner() else {
        ctx.error(
            Code::WrongType,
            m_span,
            "`match` must be a table of FOCUS columns and values, such as `{ BillingAccountId = \"123456789012\" }`",
        );
        return None;
    };
    let mut out: Vec<(String, String)> = Vec::new();
    let mut ok = true;
    for (key, value) in table {
        let key_span = key.span();
        let column = key.into_inner().into_owned();
        let valid = column
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && column
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            ctx.error(
                Code::InvalidValue,
                key_span,
                format!("`{column}` is not a FOCUS column name: letters, digits and `_`, starting with a letter"),
            );
            ok = false;
            continue;
        }
        match reader::string(ctx, "match", value) {
            Some(s) if s.get_ref().trim().is_empty() => {
                ctx.error(
                    Code::InvalidValue,
                    s.span(),
                    format!("`{column}` is matched against an empty value, which no row has"),
                );
                ok = false;
            }
            Some(s) => out.push((column, s.into_inner().trim().to_owned())),
            None => ok = false,
        }
    }
    if ok && out.is_empty() {
        ctx.error(
            Code::InvalidValue,
            span,
            "`[actuals] match` is empty: it would claim every cost row",
        );
        return None;
    }
    out.sort();
    ok.then_some(out)
}

/// Reads a contract's `payment` table: `terms` required, `every` and `lag` defaulted.
fn payment(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Payment> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let terms = t
        .require(ctx, "terms")
        .and_then(|v| reader::one_of(ctx, "terms", v, PAYMENT_TERMS));
    let terms = keep(&mut origin, "terms", terms);
    let every_value = t.take("every");
    let bad_every = every_value.is_some();
    let every = every_value.and_then(|v| reader::duration(ctx, "every", v));
    let every = keep(&mut origin, "every", every);
    let bad_every = bad_every && every.is_none();
    let lag_value = t.take("lag");
    let bad_lag = lag_value.is_some();
    let lag = lag_value.and_then(|v| reader::duration(ctx, "lag", v));
    let lag = keep(&mut origin, "lag", lag);
    let bad_lag = bad_lag && lag.is_none();
    t.finish(ctx);
    if bad_every || bad_lag {
        return None;
    }
    Some(Payment {
        terms: terms?,
        every: every.unwrap_or(Duration {
            count: 1,
            unit: DurationUnit::Months,
        }),
        lag: lag.unwrap_or(Duration {
            count: 0,
            unit: DurationUnit::Days,
        }),
        origin,
    })
}

fn tranche(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Tranche> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let id = t.require(ctx, "id").and_then(|v| reader::id(ctx, "id", v));
    let id = keep(&mut origin, "id", id);
    if let Some(id) = &id {
        t.what = format!("tranche `{id}`");
    }
    let hardware = t
        .require(ctx, "hardware")
        .and_then(|v| reader::string(ctx, "hardware", v));
    let hardware = keep(&mut origin, "hardware", hardware);
    let units = t.take("units");
    let power = t.take("power_mw");
    let quantity = match (units, power) {
        (Some(u), None) => {
            origin.set_key("units", u.span());
            match reader::integer(ctx, "units", &u) {
                Some(n) if n > 0 => Some(Quantity::Units(n as u64)),
                Some(n) => {
                    ctx.error(
                        Code::NonPositive,
                        u.span(),
                        format!("{} has `units = {n}`; units must be positive", t.what),
                    );
                    None
                }
                None => None,
            }
        }
        (None, Some(p)) => {
            origin.set_key("power_mw", p.span());
            let span = p.span();
            match reader::ratio(ctx, "power_mw", p).map(Spanned::into_inner) {
                Some(mw) if mw > Decimal::ZERO => Some(Quantity::PowerMw(mw)),
                Some(mw) => {
                    ctx.error(
                        Code::NonPositive,
                        span,
                        format!("{} has `power_mw = {mw}`; power must be positive", t.what),
                    );
                    None
                }
                None => None,
            }
        }
        (Some(u), Some(p)) => {
            let d = Diagnostic::new(
                Code::TrancheQuantity,
                ctx.span(p.span()),
                format!("{} gives both `units` and `power_mw`", t.what),
            )
            .with_related(ctx.span(u.span()), "`units` is given here")
            .with_help("keep one: `units` counts hardware units, `power_mw` is facility power converted to units");
            ctx.push(d);
            None
        }
        (None, None) => {
            let d = Diagnostic::new(
                Code::TrancheQuantity,
                ctx.span(t.span.clone()),
                format!("{} gives neither `units` nor `power_mw`", t.what),
            )
            .with_help("add `units = N` or `power_mw = P` (facility MW)");
            ctx.push(d);
            None
        }
    };
    let from = t
        .require(ctx, "online_from")
        .and_then(|v| reader::date(ctx, "online_from", v));
    let online_from = keep(&mut origin, "online_from", from);
    let by = t
        .require(ctx, "online_by")
        .and_then(|v| reader::date(ctx, "online_by", v));
    let online_by = keep(&mut origin, "online_by", by);
    let ramp = t
        .take("ramp")
        .and_then(|v| reader::one_of(ctx, "ramp", v, RAMPS));
    let ramp = keep(&mut origin, "ramp", ramp).unwrap_or(Ramp::Linear);
    let until = t.take("until").and_then(|v| reader::date(ctx, "until", v));
    let until = keep(&mut origin, "until", until);
    t.finish(ctx);
    Some(Tranche {
        id: id?,
        hardware: hardware?,
        quantity: quantity?,
        online_from: online_from?,
        online_by: online_by?,
        ramp,
        until,
        origin,
    })
}

fn schedule_entry(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<ScheduleEntry> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let from = t
        .require(ctx, "from")
        .and_then(|v| reader::date(ctx, "from", v));
    let from: Option<NaiveDate> = keep(&mut origin, "from", from);
    let to = t
        .require(ctx, "to")
        .and_then(|v| reader::date(ctx, "to", v));
    let to = keep(&mut origin, "to", to);
    let amount = t
        .require(ctx, "amount_usd")
        .and_then(|v| reader::money(ctx, "amount_usd", v));
    let amount_usd = keep(&mut origin, "amount_usd", amount);
    t.finish(ctx);
    Some(ScheduleEntry {
        from: from?,
        to: to?,
        amount_usd: amount_usd?,
        origin,
    })
}
