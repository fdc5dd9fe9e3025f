//! Applying a scenario to a catalog, in memory. Each change points the keys it touched at the
//! scenario line that made it, so the validation that follows reports problems there.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::catalog::demand::{self, Need, Work};
use crate::catalog::model::*;
use crate::catalog::parse::HardwarePatch;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::exact::apportion;
use crate::scenario::{Adjust, Scenario, Selector};

/// Applies `scenario` to a copy of `catalog`. Problems go to `out`; the caller validates the
/// result again, since a change can make a valid catalog invalid.
pub fn apply(catalog: &Catalog, scenario: &Scenario, out: &mut Vec<Diagnostic>) -> Catalog {
    let mut cat = catalog.clone();
    if let Some(p) = &scenario.portfolio {
        let port = &mut cat.portfolio;
        if let Some(name) = &p.name {
            port.name = name.clone();
        }
        if let Some(currency) = &p.currency {
            port.currency = currency.clone();
        }
        if let Some((start, end)) = p.horizon {
            port.horizon_start = start;
            port.horizon_end = end;
            port.origin
                .set_key_span("horizon.start", p.origin.span("horizon.start"));
            port.origin
                .set_key_span("horizon.end", p.origin.span("horizon.end"));
        }
        if let Some(pue) = p.pue {
            port.pue = pue;
            port.origin.set_key_span("pue", p.origin.span("pue"));
        }
        if let Some(m) = p.fiscal_year_start_month {
            port.fiscal_year_start_month = m;
        }
        if let Some(compute) = &p.compute {
            // Only the keys the scenario writes change.
            for key in ["compute.reference", "compute.precision"] {
                if p.origin.has(key) {
                    port.origin.set_key_span(key, p.origin.span(key));
                }
            }
            if p.origin.has("compute.reference") {
                port.compute.reference = compute.reference.clone();
            }
            if p.origin.has("compute.precision") {
                port.compute.precision = compute.precision;
            }
        }
    }
    for h in &scenario.hardware {
        hardware(&mut cat, h, out);
    }
    for (id, span) in &scenario.remove {
        match cat.contracts.iter().position(|c| c.id == *id) {
            Some(i) => {
                cat.contracts.remove(i);
            }
            None => out.push(unmatched_selector(
                span.clone(),
                &format!("`remove` names contract `{id}`, which is not in the catalog"),
                &Selector::Contract(id.clone()),
                &cat,
            )),
        }
    }
    cat.contracts.extend(scenario.contracts.iter().cloned());
    for (id, span) in &scenario.remove_workloads {
        match cat.workloads.iter().position(|w| w.id == *id) {
            Some(i) => {
                cat.workloads.remove(i);
            }
            None => out.push(
                Diagnostic::new(
                    Code::UnmatchedSelector,
                    span.clone(),
                    format!("`remove_workloads` names workload `{id}`, which is not in the demand"),
                )
                .with_help("check the id against `capplan schedule --group-by workload`"),
            ),
        }
    }
    demand::merge(&mut cat.workloads, scenario.workloads.clone());
    for a in &scenario.adjusts {
        adjust(&mut cat, a, out);
    }
    // `[[risk]]` entries change nothing here, but one that selects nothing is an error too.
    for r in &scenario.risks {
        if r.select.select(&cat).is_empty() {
            out.push(unmatched_selector(
                r.origin.span("select"),
                &format!(
                    "`[[risk]]` selector `{}` matches nothing in the catalog",
                    r.select
                ),
                &r.select,
                &cat,
            ));
        }
    }
    cat.contracts.sort_by(|a, b| a.id.cmp(&b.id));
    cat
}

fn unmatched(span: Span, message: &str) -> Diagnostic {
    Diagnostic::new(Code::UnmatchedSelector, span, message.to_owned())
        .with_help("check the id against `capplan contracts`; a change that matches nothing is an error, not a no-op")
}

/// [`unmatched`] for a selector, with the nearest one that matches if there is one.
fn unmatched_selector(span: Span, message: &str, selector: &Selector, cat: &Catalog) -> Diagnostic {
    match selector.nearest(cat) {
        Some(near) => {
            Diagnostic::new(Code::UnmatchedSelector, span, message.to_owned()).with_help(format!(
                "did you mean `{near}`? a change that matches nothing is an error, not a no-op"
            ))
        }
        None => unmatched(span, message),
    }
}

fn hardware(cat: &mut Catalog, h: &HardwarePatch, out: &mut Vec<Diagnostic>) {
    let Some(id) = &h.id else { return };
    if let Some(hw) = cat.hardware.iter_mut().find(|x| x.id == *id) {
        if let Some(name) = &h.name {
            hw.name = name.clone();
        }
        if let Some(kind) = h.kind {
            hw.kind = kind;
        }
        if let Some(w) = h.watts_per_unit {
            hw.watts_per_unit = w;
            hw.origin
                .set_key_span("watts_per_unit", h.origin.span("watts_per_unit"));
        }
        if let Some(r) = h.rate_usd_per_hour {
            hw.rate_usd_per_hour = r;
            hw.origin
                .set_key_span("rate_usd_per_hour", h.origin.span("rate_usd_per_hour"));
        }
        if let Some(t) = &h.tflops {
            // Each precision the scenario gives replaces the profile's; the others stay.
            for (mine, theirs, key) in [
                (&mut hw.tflops.bf16, t.bf16, "tflops.bf16"),
                (&mut hw.tflops.fp8, t.fp8, "tflops.fp8"),
                (&mut hw.tflops.fp4, t.fp4, "tflops.fp4"),
            ] {
                if theirs.is_some() {
                    *mine = theirs;
                    hw.origin.set_key_span(key, h.origin.span(key));
                }
            }
        }
        return;
    }
    match h.clone().complete() {
        Some(new) => cat.hardware.push(new),
        None => out.push(
            Diagnostic::new(
                Code::MissingKey,
                h.origin.whole(),
                format!("hardware `{id}` is not in `portfolio.toml`, so the scenario must define it whole"),
            )
            .with_help("give `kind`, `watts_per_unit` and `rate_usd_per_hour`, or use the id of an existing profile"),
        ),
    }
}

/// An `[[adjust]]` of `workload:ID` or `workload:*`: `scale_demand` multiplies levels, work and
/// caps; `delay` moves level points and run windows (docs/demand.md).
fn adjust_workloads(cat: &mut Catalog, a: &Adjust, which: &str, out: &mut Vec<Diagnostic>) {
    let at = |key: &str| a.origin.span(key);
    for (key, given) in [
        ("scale_units", a.scale_units.is_some()),
        ("scale_value", a.scale_value.is_some()),
        ("spend", a.spend.is_some()),
        ("ramp", a.ramp.is_some()),
        ("status", a.status.is_some()),
        ("useful_life", a.useful_life.is_some()),
    ] {
        if given {
            out.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    at(key),
                    format!(
                        "`{key}` changes contracts, but `{}` selects workloads",
                        a.select
                    ),
                )
                .with_help("change demand with `scale_demand` (`--demand-scale`) or `delay`"),
            );
            return;
        }
    }
    let mut matched = false;
    for w in cat
        .workloads
        .iter_mut()
        .filter(|w| which == "*" || w.id == which)
    {
        matched = true;
        let what = format!("workload `{}`", w.id);
        if let Some(f) = a.scale_demand {
            let scale = |d: &mut Decimal| match d.checked_mul(f) {
                Some(x) => {
                    *d = x;
                    true
                }
                None => false,
            };
            let ok = match &mut w.need {
                Need::Level { points, .. } => points.iter_mut().all(|p| scale(&mut p.h100e)),
                Need::Run(r) => {
                    let work = match &mut r.work {
                        Work::Hours(h) => scale(h),
                        Work::Flop { flop, .. } => scale(flop),
                    };
                    work && r.max_h100e.as_mut().is_none_or(scale)
                }
            };
            if !ok {
                out.push(Diagnostic::new(
                    Code::Overflow,
                    at("scale_demand"),
                    format!("scaling {what} by {f} overflows"),
                ));
            }
            w.origin.set_key_span("level", at("scale_demand"));
            w.origin.set_key_span("run", at("scale_demand"));
        }
        if let Some(delay) = a.delay {
            let ok = match &mut w.need {
                Need::Level { points, .. } => {
                    points.iter_mut().all(|p| match delay.add_to(p.from) {
                        Some(d) => {
                            p.from = d;
                            true
                        }
                        None => false,
                    })
                }
                Need::Run(r) => match (delay.add_to(r.earliest), delay.add_to(r.deadline)) {
                    (Some(e), Some(d)) => {
                        r.earliest = e;
                        r.deadline = d;
                        true
                    }
                    _ => false,
                },
            };
            if !ok {
                out.push(Diagnostic::new(
                    Code::Overflow,
                    at("delay"),
                    format!("delaying {what} by {delay} leaves the calendar"),
                ));
            }
            for key in ["level", "run.earliest", "run.deadline"] {
                w.origin.set_key_span(key, at("delay"));
            }
        }
    }
    if !matched {
        out.push(unmatched(
            at("select"),
            &format!("selector `{}` matches no workload of the demand", a.select),
        ));
    }
}

fn adjust(cat: &mut Catalog, a: &Adjust, out: &mut Vec<Diagnostic>) {
    if let Selector::Workload(which) = &a.select {
        adjust_workloads(cat, a, which, out);
        return;
    }
    if a.scale_demand.is_some() {
        out.push(
            Diagnostic::new(
                Code::InvalidValue,
                a.origin.span("scale_demand"),
                format!(
                    "`scale_demand` changes workloads, but `{}` selects contracts",
                    a.select
                ),
            )
            .with_help("select workloads with `select = \"workload:ID\"` or `\"workload:*\"`"),
        );
        return;
    }
    let sel = a.select.select(cat);
    let at = |key: &str| a.origin.span(key);
    if sel.is_empty() {
        out.push(unmatched_selector(
            at("select"),
            &format!("selector `{}` matches nothing in the catalog", a.select),
            &a.select,
            cat,
        ));
        return;
    }
    for &(ci, ti) in &sel.tranches {
        let c = &mut cat.contracts[ci];
        let what = format!("tranche `{}` of contract `{}`", c.tranches[ti].id, c.id);
        let t = &mut c.tranches[ti];
        if let Some(delay) = a.delay {
            match (delay.add_to(t.online_from), delay.add_to(t.online_by)) {
                (Some(from), Some(by)) => {
                    t.online_from = from;
                    t.online_by = by;
                    t.origin.set_key_span("online_from", at("delay"));
                    t.origin.set_key_span("online_by", at("delay"));
                }
                _ => out.push(Diagnostic::new(
                    Code::Overflow,
                    at("delay"),
                    format!("delaying {what} by {delay} leaves the calendar"),
                )),
            }
        }
        if let Some(f) = a.scale_units {
            let scaled = match t.quantity {
                Quantity::Units(u) => Decimal::from(u)
                    .checked_mul(f)
                    .and_then(|v| v.floor().to_u64())
                    .map(Quantity::Units),
                Quantity::PowerMw(mw) => mw.checked_mul(f).map(Quantity::PowerMw),
            };
            match scaled {
                Some(q) => {
                    let key = if matches!(q, Quantity::Units(_)) {
                        "units"
                    } else {
                        "power_mw"
                    };
                    t.quantity = q;
                    t.origin.set_key_span(key, at("scale_units"));
                }
                None => out.push(Diagnostic::new(
                    Code::Overflow,
                    at("scale_units"),
                    format!("scaling {what} by {f} overflows"),
                )),
            }
        }
        if let Some(r) = a.ramp {
            t.ramp = r;
            t.origin.set_key_span("ramp", at("ramp"));
        }
    }
    for &ci in &sel.contracts {
        let c = &mut cat.contracts[ci];
        if let Some(f) = a.scale_value {
            scale_value(c, f, at("scale_value"), out);
        }
        if let Some(model) = a.spend {
            c.spend = model;
            if model != SpendModel::Schedule {
                c.spend_schedule.clear();
            }
            c.origin.set_key_span("spend", at("spend"));
        }
        if let Some(status) = a.status {
            c.status = status;
            c.origin.set_key_span("status", at("status"));
        }
    }
    if let Some(life) = a.useful_life {
        // Only bought hardware is depreciated: leased contracts in the selection stay as they are.
        let mut owned = 0;
        for &ci in &sel.contracts {
            let c = &mut cat.contracts[ci];
            if c.ownership == Ownership::Owned {
                c.useful_life = Some(life);
                c.origin.set_key_span("useful_life", at("useful_life"));
                owned += 1;
            }
        }
        if owned == 0 {
            out.push(unmatched(
                at("useful_life"),
                &format!(
                    "selector `{}` matches no owned contract, so `useful_life` changes nothing",
                    a.select
                ),
            ));
        }
    }
}

/// Multiplies a contract's value by `f`, to the cent (half to even), and apportions its schedule
/// amounts so that they still sum exactly to the new value.
fn scale_value(c: &mut Contract, f: Decimal, span: Span, out: &mut Vec<Diagnostic>) {
    let overflow = |out: &mut Vec<Diagnostic>| {
        out.push(Diagnostic::new(
            Code::Overflow,
            span.clone(),
            format!("scaling the value of contract `{}` by {f} overflows", c.id),
        ))
    };
    let Some(value) = c
        .value_usd
        .checked_mul(f)
        .map(|v| v.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven))
    else {
        return overflow(out);
    };
    if !c.spend_schedule.is_empty() {
        let cents = |d: Decimal| (d * Decimal::from(100)).to_i128();
        let weights: Option<Vec<i128>> = c
            .spend_schedule
            .iter()
            .map(|e| cents(e.amount_usd))
            .collect();
        let shares = weights
            .zip(cents(value))
            .and_then(|(w, total)| apportion(total, &w));
        match shares {
            Some(shares) => {
                for (e, share) in c.spend_schedule.iter_mut().zip(shares) {
                    e.amount_usd = Decimal::from_i128_with_scale(share, 2);
                    e.origin.set_key_span("amount_usd", span.clone());
                }
            }
            None => return overflow(out),
        }
    }
    c.value_usd = value;
    c.origin.set_key_span("value_usd", span);
}
