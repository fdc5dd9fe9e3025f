//! Checks that relate values to each other, across a file and across the catalog
//! (docs/validation.md). They run on the typed catalog, after loading and again after a
//! scenario has changed it, and push every problem they find.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::catalog::limits::MAX_CATALOG_TRANCHES;
use crate::catalog::model::*;
use crate::catalog::ramp::{day_number, ramp_shape, tranche_units};
use crate::catalog::reader::did_you_mean;
use crate::catalog::value::{format_money, format_ratio, group_thousands};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::exact::Rational;

/// The implied price must lie within these multiples of the reference rate.
mod dates;
use dates::{schedule_checks, term_checks, tranche_dates};

const PRICE_BAND: (Decimal, Decimal) = (
    Decimal::from_parts(25, 0, 0, false, 2),
    Decimal::from_parts(4, 0, 0, false, 0),
);

/// Which checks to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// Errors and warnings: what `validate` reports.
    All,
    /// Errors only, for commands that need a valid catalog and do not show warnings: the
    /// implied-price warning alone costs a tenth of a report's run on a large catalog.
    ErrorsOnly,
}

/// Runs the cross-checks that `checks` selects.
pub fn validate_with(catalog: &Catalog, checks: Checks, out: &mut Vec<Diagnostic>) {
    portfolio(catalog, out);
    // Contracts are checked independently, in parallel, and their diagnostics kept in order.
    let per_contract: Vec<Vec<Diagnostic>> = catalog
        .contracts
        .par_iter()
        .map(|contract| {
            let mut found = Vec::new();
            contract_checks(catalog, contract, checks, &mut found);
            found
        })
        .collect();
    out.extend(per_contract.into_iter().flatten());
    duplicates(
        catalog.contracts.iter().map(|c| (c.id.as_str(), &c.origin)),
        "contract",
        None,
        out,
    );
    total_fits(catalog, out);
    tranche_count(catalog, out);
    contracted_vs_target(catalog, out);
}

/// The catalog's tranches in all, against [`MAX_CATALOG_TRANCHES`].
fn tranche_count(catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    tranche_count_capped(catalog, MAX_CATALOG_TRANCHES, out);
}

/// The catalog's tranches in all, against `cap`: reported once, at the contract whose
/// tranches pass it.
fn tranche_count_capped(catalog: &Catalog, cap: usize, out: &mut Vec<Diagnostic>) {
    let mut total = 0usize;
    for c in &catalog.contracts {
        total += c.tranches.len();
        if total > cap {
            let all: usize = catalog.contracts.iter().map(|c| c.tranches.len()).sum();
            out.push(
                Diagnostic::new(
                    Code::TooManyTranches,
                    c.origin.span("tranche"),
                    format!(
                        "contract `{}`: with its tranches the catalog has {} tranches, more than the {} capplan takes in one catalog",
                        c.id,
                        group_thousands(&all.to_string()),
                        group_thousands(&cap.to_string()),
                    ),
                )
                .with_help("split the catalog into several, or merge tranches that come online together"),
            );
            return;
        }
    }
}

fn duplicates<'a>(
    items: impl Iterator<Item = (&'a str, &'a Origin)>,
    what: &str,
    scope: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let scope = scope.map_or(String::new(), |s| format!("{s}: "));
    let mut seen: BTreeMap<&str, &Origin> = BTreeMap::new();
    for (id, origin) in items {
        match seen.get(id) {
            Some(first) => out.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    origin.span("id"),
                    format!("{scope}{what} id `{id}` is defined more than once"),
                )
                .with_related(first.span("id"), "first defined here")
                .with_help(format!("give each {what} its own id")),
            ),
            None => {
                seen.insert(id, origin);
            }
        }
    }
}

fn positive(
    value: Decimal,
    origin: &Origin,
    key: &str,
    what: &str,
    out: &mut Vec<Diagnostic>,
) -> bool {
    if value > Decimal::ZERO {
        return true;
    }
    out.push(Diagnostic::new(
        Code::NonPositive,
        origin.span(key),
        format!("{what} has `{key}` = {value}; it must be positive"),
    ));
    false
}

fn pue_check(pue: Decimal, origin: &Origin, what: &str, out: &mut Vec<Diagnostic>) {
    if !positive(pue, origin, "pue", what, out) {
        return;
    }
    if pue < Decimal::ONE {
        out.push(
            Diagnostic::new(
                Code::InvalidValue,
                origin.span("pue"),
                format!(
                    "{what} has `pue` = {pue}, but facility power cannot be less than IT power"
                ),
            )
            .with_help("PUE is facility power over IT power: 1.0 or more, typically 1.1 to 1.6"),
        );
    }
}

fn portfolio(catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let p = &catalog.portfolio;
    if p.horizon_end <= p.horizon_start {
        out.push(Diagnostic::new(
            Code::EmptyTerm,
            p.origin.span("horizon.end"),
            format!(
                "`horizon` ends on {} but starts on {}; the end must be after the start",
                p.horizon_end, p.horizon_start
            ),
        ));
    }
    pue_check(p.pue, &p.origin, "`[portfolio]`", out);
    duplicates(
        catalog.targets.iter().map(|t| (t.id.as_str(), &t.origin)),
        "target",
        None,
        out,
    );
    duplicates(
        catalog.hardware.iter().map(|h| (h.id.as_str(), &h.origin)),
        "hardware",
        None,
        out,
    );
    for t in &catalog.targets {
        let what = format!("target `{}`", t.id);
        if let Some(s) = t.spend_usd {
            positive(s, &t.origin, "spend_usd", &what, out);
        }
        if let Some(g) = t.power_gw {
            positive(g, &t.origin, "power_gw", &what, out);
        }
    }
    for h in &catalog.hardware {
        let what = format!("hardware `{}`", h.id);
        positive(h.watts_per_unit, &h.origin, "watts_per_unit", &what, out);
        positive(
            h.rate_usd_per_hour,
            &h.origin,
            "rate_usd_per_hour",
            &what,
            out,
        );
    }
    compute_checks(catalog, out);
    demand_checks(catalog, out);
}

/// The workloads against each other and the hardware profiles (docs/demand.md).
pub fn demand_checks(catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    duplicates(
        catalog.workloads.iter().map(|w| (w.id.as_str(), &w.origin)),
        "workload",
        None,
        out,
    );
    let precision = catalog.portfolio.compute.precision;
    for w in &catalog.workloads {
        let what = format!("workload `{}`", w.id);
        for (i, id) in w.hardware.iter().flatten().enumerate() {
            let at = w.origin.item(i);
            match catalog.hardware(id) {
                None => {
                    let mut d = Diagnostic::new(
                        Code::UnknownHardware,
                        at,
                        format!("{what} names hardware `{id}`, which `portfolio.toml` does not define"),
                    );
                    if let Some(best) =
                        did_you_mean(id, catalog.hardware.iter().map(|h| h.id.as_str()))
                    {
                        d = d.with_help(format!("did you mean `{best}`?"));
                    }
                    out.push(d);
                }
                Some(h) if h.kind == HardwareKind::Cpu => out.push(Diagnostic::new(
                    Code::InvalidValue,
                    at,
                    format!("{what} names hardware `{id}`, a `cpu` profile; workloads run on accelerators"),
                )),
                Some(h) if h.tflops.at(precision).is_none() => out.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        at,
                        format!(
                            "{what} names hardware `{id}`, which has no `{}` figure in `tflops`, so it supplies no compute",
                            precision.name()
                        ),
                    )
                    .with_help(format!("give `tflops.{}` on hardware `{id}`, or leave it out of `hardware`", precision.name())),
                ),
                Some(_) => {}
            }
        }
    }
}

/// `[portfolio] compute` and the hardware profiles' `tflops` (docs/compute.md).
fn compute_checks(catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    for h in &catalog.hardware {
        let what = format!("hardware `{}`", h.id);
        match h.kind {
            HardwareKind::Cpu if !h.tflops.is_empty() => out.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    h.origin.span("tflops"),
                    format!("{what} is a `cpu` profile with `tflops`; CPUs never count as compute"),
                )
                .with_help("remove `tflops`, or make the profile `kind = \"gpu\"`"),
            ),
            HardwareKind::Gpu if h.tflops.is_empty() => out.push(
                Diagnostic::new(
                    Code::MissingCompute,
                    h.origin.span("id"),
                    format!("{what} has no `tflops`, so H100-equivalents and exaFLOPS leave it out"),
                )
                .with_help("give its dense throughput per unit, such as `tflops = { bf16 = 2500, fp8 = 5000 }`"),
            ),
            _ => {}
        }
    }
    let p = &catalog.portfolio;
    let reference = &p.compute.reference;
    let precision = p.compute.precision;
    let at = p.origin.span("compute.reference");
    match catalog.hardware(reference) {
        None if reference == H100 => {}
        None => {
            let mut d = Diagnostic::new(
                Code::UnknownHardware,
                at,
                format!("`compute.reference` is `{reference}`, which is neither a hardware profile nor the built-in `h100`"),
            );
            let known = catalog.hardware.iter().map(|h| h.id.as_str()).chain([H100]);
            if let Some(best) = did_you_mean(reference, known) {
                d = d.with_help(format!("did you mean `{best}`?"));
            }
            out.push(d);
        }
        Some(h) if h.kind == HardwareKind::Cpu => out.push(Diagnostic::new(
            Code::InvalidValue,
            at,
            format!("`compute.reference` is `{reference}`, a `cpu` profile; the reference must be an accelerator"),
        )),
        Some(h) if h.tflops.at(precision).is_none() => out.push(
            Diagnostic::new(
                Code::InvalidValue,
                at,
                format!(
                    "`compute.reference` `{reference}` has no `{}` figure in `tflops`, the default precision",
                    precision.name()
                ),
            )
            .with_help(format!("give `tflops.{}` on hardware `{reference}`, or choose another `compute.precision`", precision.name())),
        ),
        Some(_) => {}
    }
}

fn contract_checks(catalog: &Catalog, c: &Contract, checks: Checks, out: &mut Vec<Diagnostic>) {
    let what = format!("contract `{}`", c.id);
    positive(c.value_usd, &c.origin, "value_usd", &what, out);
    if let Some(pue) = c.pue {
        pue_check(pue, &c.origin, &what, out);
    }
    let term_ok = term_checks(c, &what, out);
    for (i, source) in c.sources.iter().enumerate() {
        let url = source
            .strip_prefix("https://")
            .or_else(|| source.strip_prefix("http://"));
        if !url.is_some_and(|rest| {
            rest.split(['/', '?', '#'])
                .next()
                .is_some_and(|host| host.contains('.'))
        }) {
            out.push(
                Diagnostic::new(Code::SourceNotUrl, c.origin.item(i), format!("{what}: source `{source}` is not an http(s) URL"))
                    .with_help("cite a web page, such as `https://example.com/article`; put other references in `notes`"),
            );
        }
    }
    schedule_checks(c, &what, term_ok, out);
    super::finance::contract_checks(catalog, c, &what, term_ok, out);
    duplicates(
        c.tranches.iter().map(|t| (t.id.as_str(), &t.origin)),
        "tranche",
        Some(&what),
        out,
    );

    // Unit-hours delivered in the term, and their worth at the hardware's reference rates.
    let mut unit_days_by_rate = Rational::ZERO;
    let mut unit_days = Rational::ZERO;
    let mut single_rate: Option<(String, Decimal)> = None;
    let mut mixed = false;
    // Whether every tranche could be measured, so that the implied price means something.
    let mut complete = true;
    for t in &c.tranches {
        let twhat = format!("tranche `{}` of {what}", t.id);
        let dates_ok = tranche_dates(c, t, &twhat, term_ok, out);
        complete &= dates_ok;
        let Some(hw) = catalog.hardware(&t.hardware) else {
            complete = false;
            out.push(unknown_hardware(
                catalog,
                &twhat,
                &t.hardware,
                t.origin.span("hardware"),
            ));
            continue;
        };
        let units = match tranche_units(catalog, c, t) {
            // Only a scale rounds `units` to none; a file's `units` is at least 1.
            Ok(0) if matches!(t.quantity, Quantity::Units(_)) => {
                out.push(
                    Diagnostic::new(
                        Code::NonPositive,
                        t.origin.span("units"),
                        format!("{twhat}: `units` is 0 once scaled, rounded down to whole units of `{}`", hw.id),
                    )
                    .with_help("scale by a larger factor, or leave this tranche out of the selection"),
                );
                complete = false;
                continue;
            }
            Ok(0) => {
                out.push(
                    Diagnostic::new(
                        Code::NonPositive,
                        t.origin.span("power_mw"),
                        format!("{twhat}: `power_mw` converts to 0 units of `{}`", hw.id),
                    )
                    .with_help(format!(
                        "one unit draws {} W of facility power; give at least that much, or `units`",
                        hw.watts_per_unit * catalog.pue_of(c)
                    )),
                );
                complete = false;
                continue;
            }
            Ok(n) => n,
            Err(_) => {
                out.push(Diagnostic::new(
                    Code::Overflow,
                    t.origin.span("power_mw"),
                    format!("{twhat}: the unit count overflows"),
                ));
                complete = false;
                continue;
            }
        };
        if !dates_ok {
            continue;
        }
        let shape = ramp_shape(c, t, units);
        let sum = shape.sum(day_number(c.start), day_number(c.end));
        let rate = Rational::from_decimal(hw.rate_usd_per_hour);
        let added = sum.and_then(|s| {
            let worth = s.checked_mul(rate?)?;
            Some((
                unit_days.checked_add(s)?,
                unit_days_by_rate.checked_add(worth)?,
            ))
        });
        match added {
            Some((days, worth)) => {
                unit_days = days;
                unit_days_by_rate = worth;
            }
            None => {
                out.push(Diagnostic::new(
                    Code::Overflow,
                    t.origin.span("units"),
                    format!("{twhat}: unit-hours delivered overflow"),
                ));
                complete = false;
            }
        }
        match &single_rate {
            Some((id, _)) if *id != hw.id => mixed = true,
            Some(_) => {}
            None => single_rate = Some((hw.id.clone(), hw.rate_usd_per_hour)),
        }
    }
    if !complete {
        return;
    }
    if c.spend == SpendModel::CapacityLinked && unit_days_by_rate.is_zero() && term_ok {
        out.push(
            Diagnostic::new(
                Code::NoCapacity,
                c.origin.span("spend"),
                format!("{what} links spend to capacity, but delivers no capacity in its term"),
            )
            .with_help(
                "add a `[[tranche]]` online within the term, or use `spend = \"straight-line\"`",
            ),
        );
    }
    if checks == Checks::All {
        implied_price(
            c,
            &what,
            unit_days,
            unit_days_by_rate,
            single_rate.filter(|_| !mixed),
            out,
        );
    }
}

fn implied_price(
    c: &Contract,
    what: &str,
    unit_days: Rational,
    worth_per_hour: Rational,
    single: Option<(String, Decimal)>,
    out: &mut Vec<Diagnostic>,
) {
    if unit_days.is_zero() || worth_per_hour.is_zero() || c.value_usd <= Decimal::ZERO {
        return;
    }
    // ratio = value / (24 * sum of unit-days x rate)
    let Some(reference) = worth_per_hour.checked_mul(Rational::integer(24)) else {
        return;
    };
    let Some(value) = Rational::from_decimal(c.value_usd) else {
        return;
    };
    let Some(ratio) = value.checked_div(reference) else {
        return;
    };
    let (lo, hi) = PRICE_BAND;
    let (Some(lo), Some(hi)) = (Rational::from_decimal(lo), Rational::from_decimal(hi)) else {
        return;
    };
    if ratio.compare(lo).is_ge() && ratio.compare(hi).is_le() {
        return;
    }
    // Unrounded: `format_ratio` keeps two significant digits of a small ratio.
    let ratio_dec = ratio.approx();
    let message = match single {
        Some((hw, rate)) => {
            let hours = unit_days.checked_mul(Rational::integer(24));
            let price = hours
                .and_then(|h| value.checked_div(h))
                .map(Rational::approx);
            format!(
                "{what}: implied price {} per unit-hour is {}x the reference rate of `{hw}` ({})",
                price.map_or("?".to_owned(), |p| if p.abs() < Decimal::ONE {
                    format!("${}", format_ratio(p))
                } else {
                    format_money(p.round_dp(2))
                }),
                format_ratio(ratio_dec),
                format_money(rate),
            )
        }
        None => format!(
            "{what}: `value_usd` is {}x what its capacity is worth at the hardware's reference rates ({})",
            format_ratio(ratio_dec),
            reference.to_decimal(2).map_or("?".to_owned(), format_money),
        ),
    };
    out.push(
        Diagnostic::new(Code::ImpliedPrice, c.origin.span("value_usd"), message)
            .with_help("check `value_usd`, the tranches' units and dates, or the hardware's `rate_usd_per_hour`"),
    );
}

/// The sum of every contract's value, in cents, must fit the exact arithmetic, so that every
/// spend, cumulative spend and total the reports show does.
fn total_fits(catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let hundred = Decimal::from(100);
    let mut total = Decimal::ZERO;
    for c in &catalog.contracts {
        match total
            .checked_add(c.value_usd)
            .filter(|t| t.checked_mul(hundred).is_some())
        {
            Some(t) => total = t,
            None => {
                out.push(
                    Diagnostic::new(
                        Code::Overflow,
                        c.origin.span("value_usd"),
                        format!("contract `{}`: with this value the catalog's contracts sum to more than capplan can count in cents", c.id),
                    )
                    .with_help("values up to about $790 septillion in all are supported; check for a stray digit"),
                );
                return;
            }
        }
    }
}

fn contracted_vs_target(catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let Some(target) = catalog.targets.first() else {
        return;
    };
    let Some(spend) = target.spend_usd else {
        return;
    };
    let mut total = Decimal::ZERO;
    for c in catalog
        .contracts
        .iter()
        .filter(|c| c.status != Status::Cancelled)
    {
        match total.checked_add(c.value_usd) {
            Some(t) => total = t,
            None => return,
        }
    }
    if total > spend {
        // `spend_usd` may be negative (reported as non-positive), so the excess can overflow.
        let excess = total.checked_sub(spend).map_or_else(
            || "more than capplan can represent".to_owned(),
            format_money,
        );
        out.push(
            Diagnostic::new(
                Code::AboveTarget,
                target.origin.span("spend_usd"),
                format!(
                    "contracted value {} is above target `{}` ({}) by {}",
                    format_money(total),
                    target.id,
                    format_money(spend),
                    excess
                ),
            )
            .with_help("check for double-counted deals, or raise the target"),
        );
    }
}

/// `unknown-hardware`: `what` (a tranche) names `hardware`, which the portfolio does not define.
pub fn unknown_hardware(catalog: &Catalog, what: &str, hardware: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownHardware,
        span,
        format!("{what} uses hardware `{hardware}`, which `portfolio.toml` does not define"),
    );
    match did_you_mean(hardware, catalog.hardware.iter().map(|h| h.id.as_str())) {
        Some(best) => d.with_help(format!("did you mean `{best}`?")),
        None => d.with_help(format!(
            "known hardware: {}",
            catalog
                .hardware
                .iter()
                .map(|h| format!("`{}`", h.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogFiles, load};
    use crate::diagnostic::{Location, Report};

    #[test]
    fn a_catalog_past_the_tranche_cap_is_reported_once_at_the_contract_that_passes_it() {
        let mut report = Report::default();
        let catalog = load(&CatalogFiles::builtin(), &mut report).unwrap();
        let all: usize = catalog.contracts.iter().map(|c| c.tranches.len()).sum();
        let mut out = Vec::new();
        tranche_count_capped(&catalog, all, &mut out);
        assert!(out.is_empty());
        tranche_count_capped(&catalog, all - 1, &mut out);
        assert_eq!(out.len(), 1);
        let d = &out[0];
        assert_eq!(d.code, Code::TooManyTranches);
        let last = catalog.contracts.last().unwrap();
        assert_eq!(
            d.message,
            format!(
                "contract `{}`: with its tranches the catalog has {all} tranches, more than the {} capplan takes in one catalog",
                last.id,
                all - 1
            )
        );
        assert!(matches!(d.location, Location::Span(_)));
    }
}
