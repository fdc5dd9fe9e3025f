//! From a parsed TOML document to the catalog's types, one file at a time.
//!
//! Only the shape of each file is checked here: keys, types and value formats. Everything that
//! relates one value to another (dates within terms, schedules that sum, hardware that exists)
//! is in [`super::validate`], so that it also runs after a scenario changes the catalog.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::DeTable;

use crate::catalog::limits::MAX_TRANCHES_PER_CONTRACT;
use crate::catalog::model::*;
use crate::catalog::reader::{self, Ctx, Table, Value};
use crate::catalog::value::{Duration, DurationUnit, group_thousands};
use crate::diagnostic::{Code, Diagnostic};
use toml::de::DeValue;

/// What `portfolio.toml` holds.
pub struct PortfolioFile {
    pub portfolio: Portfolio,
    pub targets: Vec<Target>,
    pub hardware: Vec<Hardware>,
    pub observed: Vec<Observation>,
}

const PORTFOLIO_FILE_KEYS: &[&str] = &["portfolio", "target", "hardware", "observed"];
pub const PORTFOLIO_KEYS: &[&str] = &[
    "name",
    "currency",
    "horizon",
    "pue",
    "fiscal_year_start_month",
    "compute",
];
pub const HORIZON_KEYS: &[&str] = &["start", "end"];
/// The keys of `[portfolio] compute`.
pub const COMPUTE_KEYS: &[&str] = &["reference", "precision"];
const TARGET_KEYS: &[&str] = &["id", "name", "spend_usd", "power_gw", "h100e", "by"];
pub const HARDWARE_KEYS: &[&str] = &[
    "id",
    "name",
    "kind",
    "watts_per_unit",
    "rate_usd_per_hour",
    "tflops",
];
/// The keys of a hardware profile's `tflops`.
pub const TFLOPS_KEYS: &[&str] = &["bf16", "fp8", "fp4"];
/// The keys of an `[[observed]]`: the date, one measure, and what supports it.
pub const OBSERVED_KEYS: &[&str] = &[
    "date",
    "power_gw",
    "gpus",
    "cpus",
    "h100e",
    "cumulative_spend_usd",
    "contracted_usd",
    "tolerance",
    "source",
    "note",
];
/// The measures an observation may give, by key.
pub const MEASURES: &[(&str, Measure)] = &[
    ("power_gw", Measure::PowerGw),
    ("gpus", Measure::Gpus),
    ("cpus", Measure::Cpus),
    ("h100e", Measure::H100e),
    ("cumulative_spend_usd", Measure::CumulativeSpendUsd),
    ("contracted_usd", Measure::ContractedUsd),
];
/// The keys of a contract file.
pub const CONTRACT_KEYS: &[&str] = &[
    "id",
    "provider",
    "title",
    "announced",
    "start",
    "term",
    "end",
    "value_usd",
    "estimated",
    "status",
    "spend",
    "pue",
    "sources",
    "notes",
    "tranche",
    "spend_schedule",
    "payment",
    "ownership",
    "useful_life",
    "actuals",
];
/// The keys of a `[[tranche]]`.
pub const TRANCHE_KEYS: &[&str] = &[
    "id",
    "hardware",
    "units",
    "power_mw",
    "online_from",
    "online_by",
    "ramp",
    "until",
];
const SCHEDULE_KEYS: &[&str] = &["from", "to", "amount_usd"];
/// The keys of a contract's `payment` table.
pub const PAYMENT_KEYS: &[&str] = &["terms", "every", "lag"];
pub const ACTUALS_KEYS: &[&str] = &["match"];

pub const STATUSES: &[(&str, Status)] = &[
    ("signed", Status::Signed),
    ("non-binding", Status::NonBinding),
    ("cancelled", Status::Cancelled),
];
pub const SPEND_MODELS: &[(&str, SpendModel)] = &[
    ("straight-line", SpendModel::StraightLine),
    ("capacity-linked", SpendModel::CapacityLinked),
    ("schedule", SpendModel::Schedule),
];
pub const RAMPS: &[(&str, Ramp)] = &[
    ("linear", Ramp::Linear),
    ("s-curve", Ramp::SCurve),
    ("step", Ramp::Step),
];
pub const PAYMENT_TERMS: &[(&str, PaymentTerms)] = &[
    ("arrears", PaymentTerms::Arrears),
    ("advance", PaymentTerms::Advance),
    ("upfront", PaymentTerms::Upfront),
];
pub const OWNERSHIPS: &[(&str, Ownership)] =
    &[("leased", Ownership::Leased), ("owned", Ownership::Owned)];
pub const KINDS: &[(&str, HardwareKind)] =
    &[("gpu", HardwareKind::Gpu), ("cpu", HardwareKind::Cpu)];
pub const PRECISIONS: &[(&str, Precision)] = &[
    ("bf16", Precision::Bf16),
    ("fp8", Precision::Fp8),
    ("fp4", Precision::Fp4),
];
/// The only currency capplan plans in.
pub const CURRENCY: &str = "USD";

/// Records a value's span under `key` in the entity's origin and returns the value.
fn keep<T>(origin: &mut Origin, key: &'static str, value: Option<Spanned<T>>) -> Option<T> {
    value.map(|v| {
        origin.set_key(key, v.span());
        v.into_inner()
    })
}

/// Reads `portfolio.toml`. `None` if a required part is missing or malformed (already reported).
pub fn portfolio_file(ctx: &mut Ctx<'_>, doc: Spanned<DeTable<'_>>) -> Option<PortfolioFile> {
    let span = doc.span();
    let mut file = Table::new(
        doc.into_inner(),
        span,
        "`portfolio.toml`",
        PORTFOLIO_FILE_KEYS,
    );
    // A missing or incomplete `[portfolio]` is reported, and placeholders stand in for what is
    // missing, so that the contracts are still checked against the targets and hardware.
    let portfolio = file
        .require(ctx, "portfolio")
        .and_then(|v| reader::table(ctx, "portfolio", v, "`[portfolio]`", PORTFOLIO_KEYS))
        .map(|t| portfolio(ctx, t))
        .unwrap_or_else(|| portfolio_with_placeholders(None, Origin::new(ctx.file, 0..0)));
    let targets = file
        .take("target")
        .map(|v| reader::tables(ctx, "target", v, TARGET_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| target(ctx, t))
        .collect();
    let hardware = file
        .take("hardware")
        .map(|v| reader::tables(ctx, "hardware", v, HARDWARE_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| hardware(ctx, t))
        .collect();
    let observed = file
        .take("observed")
        .map(|v| reader::tables(ctx, "observed", v, OBSERVED_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| observation(ctx, t))
        .collect();
    file.finish(ctx);
    Some(PortfolioFile {
        portfolio,
        targets,
        hardware,
        observed,
    })
}

/// `[portfolio]` fields as written: all of them in `portfolio.toml`, where `name` and `horizon`
/// are required, or those a scenario replaces.
#[derive(Clone, Debug)]
pub struct PortfolioPatch {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub horizon: Option<(NaiveDate, NaiveDate)>,
    pub pue: Option<Decimal>,
    pub fiscal_year_start_month: Option<u32>,
    pub compute: Option<ComputeSettings>,
    pub origin: Origin,
}

/// Reads `compute = { reference, precision }`; each key defaults as in [`ComputeSettings`].
fn compute(
    ctx: &mut Ctx<'_>,
    origin: &mut Origin,
    v: reader::Value<'_>,
) -> Option<ComputeSettings> {
    origin.set_key("compute", v.span());
    let mut t = reader::table(ctx, "compute", v, "`compute`", COMPUTE_KEYS)?;
    let reference = t
        .take("reference")
        .and_then(|v| reader::id(ctx, "reference", v));
    let reference = keep(origin, "compute.reference", reference);
    let precision = t
        .take("precision")
        .and_then(|v| reader::one_of(ctx, "precision", v, PRECISIONS));
    let precision = keep(origin, "compute.precision", precision);
    t.finish(ctx);
    let default = ComputeSettings::default();
    Some(ComputeSettings {
        reference: reference.unwrap_or(default.reference),
        precision: precision.unwrap_or(default.precision),
    })
}

/// Reads `tflops = { bf16, fp8, fp4 }`: dense TFLOPS per unit, each a positive number.
fn tflops(ctx: &mut Ctx<'_>, origin: &mut Origin, v: reader::Value<'_>) -> Option<Tflops> {
    origin.set_key("tflops", v.span());
    let mut t = reader::table(ctx, "tflops", v, "`tflops`", TFLOPS_KEYS)?;
    let mut out = Tflops::default();
    for (key, slot, path) in [
        ("bf16", &mut out.bf16, "tflops.bf16"),
        ("fp8", &mut out.fp8, "tflops.fp8"),
        ("fp4", &mut out.fp4, "tflops.fp4"),
    ] {
        let Some(value) = t.take(key) else { continue };
        let Some(n) = reader::ratio(ctx, key, value) else {
            continue;
        };
        if *n.get_ref() <= Decimal::ZERO {
            ctx.error(
                Code::NonPositive,
                n.span(),
                format!(
                    "`tflops.{key}` is {}; dense TFLOPS must be positive",
                    n.get_ref()
                ),
            );
            continue;
        }
        *slot = keep(origin, path, Some(n));
    }
    t.finish(ctx);
    Some(out)
}

/// Reads `[portfolio]` fields. With `required`, a missing `name` or `horizon` is reported.
pub fn portfolio_patch(ctx: &mut Ctx<'_>, mut t: Table<'_>, required: bool) -> PortfolioPatch {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let name = t
        .take_or_require(ctx, "name", required)
        .and_then(|v| reader::string(ctx, "name", v));
    let name = keep(&mut origin, "name", name);
    let currency = t
        .take("currency")
        .and_then(|v| reader::string(ctx, "currency", v));
    let currency = match currency {
        Some(c) if c.get_ref() != CURRENCY => {
            let d = Diagnostic::new(
                Code::UnsupportedCurrency,
                ctx.span(c.span()),
                format!(
                    "currency `{}` is not supported; capplan plans in `USD` only",
                    c.get_ref()
                ),
            )
            .with_help("convert the amounts to USD and write `currency = \"USD\"`");
            ctx.push(d);
            None
        }
        other => keep(&mut origin, "currency", other),
    };
    let horizon = t.take_or_require(ctx, "horizon", required).and_then(|v| {
        origin.set_key("horizon", v.span());
        reader::table(ctx, "horizon", v, "`horizon`", HORIZON_KEYS)
    });
    let horizon = horizon.and_then(|mut h| {
        let start = h
            .require(ctx, "start")
            .and_then(|v| reader::date(ctx, "start", v));
        let end = h
            .require(ctx, "end")
            .and_then(|v| reader::date(ctx, "end", v));
        h.finish(ctx);
        let start = keep(&mut origin, "horizon.start", start);
        let end = keep(&mut origin, "horizon.end", end);
        Some((start?, end?))
    });
    let pue = t.take("pue").and_then(|v| reader::ratio(ctx, "pue", v));
    let pue = keep(&mut origin, "pue", pue);
    let fiscal_year_start_month = t.take("fiscal_year_start_month").and_then(|v| {
        origin.set_key("fiscal_year_start_month", v.span());
        let n = reader::integer(ctx, "fiscal_year_start_month", &v)?;
        if !(1..=12).contains(&n) {
            ctx.error(
                Code::InvalidValue,
                v.span(),
                format!("`fiscal_year_start_month` is {n}; expected a month from 1 to 12"),
            );
            return None;
        }
        Some(n as u32)
    });
    let compute = t.take("compute").and_then(|v| compute(ctx, &mut origin, v));
    t.finish(ctx);
    PortfolioPatch {
        name,
        currency,
        horizon,
        pue,
        fiscal_year_start_month,
        compute,
        origin,
    }
}

fn portfolio(ctx: &mut Ctx<'_>, t: Table<'_>) -> Portfolio {
    let p = portfolio_patch(ctx, t, true);
    let origin = p.origin.clone();
    portfolio_with_placeholders(Some(p), origin)
}

/// A portfolio from its fields, with placeholders for those missing (already reported): an
/// empty name and a horizon wide enough to hide nothing.
fn portfolio_with_placeholders(p: Option<PortfolioPatch>, origin: Origin) -> Portfolio {
    let p = p.unwrap_or(PortfolioPatch {
        name: None,
        currency: None,
        horizon: None,
        pue: None,
        fiscal_year_start_month: None,
        compute: None,
        origin,
    });
    let wide = (
        NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(2200, 1, 1).unwrap_or_default(),
    );
    let (horizon_start, horizon_end) = p.horizon.unwrap_or(wide);
    Portfolio {
        name: p.name.unwrap_or_default(),
        currency: p.currency.unwrap_or_else(|| CURRENCY.to_owned()),
        horizon_start,
        horizon_end,
        pue: p.pue.unwrap_or(Decimal::ONE),
        fiscal_year_start_month: p.fiscal_year_start_month.unwrap_or(1),
        compute: p.compute.unwrap_or_default(),
        origin: p.origin,
    }
}

fn target(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Target> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let id = t.require(ctx, "id").and_then(|v| reader::id(ctx, "id", v));
    let id = keep(&mut origin, "id", id);
    if let Some(id) = &id {
        t.what = format!("target `{id}`");
    }
    let name = t.take("name").and_then(|v| reader::string(ctx, "name", v));
    let name = keep(&mut origin, "name", name);
    let spend = t
        .take("spend_usd")
        .and_then(|v| reader::money(ctx, "spend_usd", v));
    let spend_usd = keep(&mut origin, "spend_usd", spend);
    let power = t
        .take("power_gw")
        .and_then(|v| reader::ratio(ctx, "power_gw", v));
    let power_gw = keep(&mut origin, "power_gw", power);
    let h100e = t.take("h100e").and_then(|v| {
        let n = reader::integer(ctx, "h100e", &v)?;
        if n <= 0 {
            ctx.error(
                Code::NonPositive,
                v.span(),
                format!("`h100e` is {n}; a target's H100-equivalents must be positive"),
            );
            return None;
        }
        origin.set_key("h100e", v.span());
        u64::try_from(n).ok()
    });
    let by = t.take("by").and_then(|v| reader::date(ctx, "by", v));
    let by = keep(&mut origin, "by", by);
    t.finish(ctx);
    let id = id?;
    Some(Target {
        name: name.unwrap_or_else(|| id.clone()),
        id,
        spend_usd,
        power_gw,
        h100e,
        by,
        origin,
    })
}

/// Reads an `[[observed]]`: a date, exactly one measure, a tolerance, a source and a note.
fn observation(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Observation> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let date = t
        .require(ctx, "date")
        .and_then(|v| reader::date(ctx, "date", v));
    let date = keep(&mut origin, "date", date);
    if let Some(d) = date {
        t.what = format!("observation of {d}");
    }
    let mut given = Vec::new();
    for &(key, measure) in MEASURES {
        if let Some(v) = t.take(key) {
            given.push((key, measure, v));
        }
    }
    let measure = match given.len() {
        0 => {
            let keys = MEASURES
                .iter()
                .map(|(k, _)| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            ctx.push(
                Diagnostic::new(
                    Code::ObservationMeasure,
                    ctx.span(t.span.clone()),
                    format!("{} gives no measure", t.what),
                )
                .with_help(format!("add one of {keys}")),
            );
            None
        }
        1 => given.pop(),
        _ => {
            let (first, _, first_value) = &given[0];
            let (second, _, second_value) = &given[1];
            ctx.push(
                Diagnostic::new(
                    Code::ObservationMeasure,
                    ctx.span(second_value.span()),
                    format!(
                        "{} gives both `{first}` and `{second}`; an observation is one figure",
                        t.what
                    ),
                )
                .with_related(
                    ctx.span(first_value.span()),
                    format!("`{first}` is given here"),
                )
                .with_help("write one `[[observed]]` per published figure"),
            );
            None
        }
    };
    let value = measure.and_then(|(key, measure, v)| {
        origin.set_key(key, v.span());
        origin.set_key("value", v.span());
        let span = v.span();
        let value = match measure {
            Measure::PowerGw => reader::ratio(ctx, key, v).map(Spanned::into_inner),
            Measure::Gpus | Measure::Cpus | Measure::H100e => {
                reader::integer(ctx, key, &v).map(Decimal::from)
            }
            Measure::CumulativeSpendUsd | Measure::ContractedUsd => {
                reader::money(ctx, key, v).map(Spanned::into_inner)
            }
        }?;
        if value <= Decimal::ZERO {
            ctx.error(
                Code::NonPositive,
                span,
                format!(
                    "{} has `{key} = {value}`; an observed figure must be positive",
                    t.what
                ),
            );
            return None;
        }
        Some((measure, value))
    });
    let tolerance = t.take("tolerance").and_then(|v| {
        let span = v.span();
        origin.set_key("tolerance", span.clone());
        let tol = reader::ratio(ctx, "tolerance", v)?.into_inner();
        if tol <= Decimal::ZERO {
            ctx.error(
                Code::NonPositive,
                span,
                format!(
                    "{} has `tolerance = {tol}`; a tolerance must be positive",
                    t.what
                ),
            );
            return None;
        }
        if tol > Decimal::ONE {
            ctx.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    ctx.span(span),
                    format!(
                        "{} has `tolerance = {tol}`; expected a share of the figure from 0 to 1",
                        t.what
                    ),
                )
                .with_help("`tolerance = 0.2` accepts a projection within 20% of the figure"),
            );
            return None;
        }
        Some(tol)
    });
    let tolerance_given = origin.has("tolerance");
    let source = t
        .take("source")
        .and_then(|v| reader::string(ctx, "source", v));
    let source = keep(&mut origin, "source", source);
    let note = t.take("note").and_then(|v| reader::string(ctx, "note", v));
    let note = keep(&mut origin, "note", note);
    t.finish(ctx);
    let (measure, value) = value?;
    if tolerance_given && tolerance.is_none() {
        return None;
    }
    Some(Observation {
        date: date?,
        measure,
        value,
        tolerance: tolerance.unwrap_or(Observation::DEFAULT_TOLERANCE),
        source,
        note,
        origin,
    })
}

/// `[[hardware]]` fields as written: a whole profile in `portfolio.toml`, or the fields a
/// scenario replaces. `id` is always required.
#[derive(Clone, Debug)]
pub struct HardwarePatch {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<HardwareKind>,
    pub watts_per_unit: Option<Decimal>,
    pub rate_usd_per_hour: Option<Decimal>,
    pub tflops: Option<Tflops>,
    pub origin: Origin,
}

impl HardwarePatch {
    /// The whole profile, if every required field is there.
    pub fn complete(self) -> Option<Hardware> {
        let id = self.id?;
        let kind = self.kind?;
        // An `h100` accelerator that gives no figures is the built-in H100 (docs/compute.md):
        // catalogs written before compute was counted keep working, `h100` as the reference.
        let tflops = match self.tflops {
            Some(t) => t,
            None if id == H100 && kind == HardwareKind::Gpu => h100_tflops(),
            None => Tflops::default(),
        };
        Some(Hardware {
            name: self.name.unwrap_or_else(|| id.clone()),
            id,
            kind,
            watts_per_unit: self.watts_per_unit?,
            rate_usd_per_hour: self.rate_usd_per_hour?,
            tflops,
            origin: self.origin,
        })
    }
}

/// Reads `[[hardware]]` fields. With `required`, missing `kind`, `watts_per_unit` or
/// `rate_usd_per_hour` are reported.
pub fn hardware_patch(ctx: &mut Ctx<'_>, mut t: Table<'_>, required: bool) -> HardwarePatch {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let id = t.require(ctx, "id").and_then(|v| reader::id(ctx, "id", v));
    let id = keep(&mut origin, "id", id);
    if let Some(id) = &id {
        t.what = format!("hardware `{id}`");
    }
    let name = t.take("name").and_then(|v| reader::string(ctx, "name", v));
    let name = keep(&mut origin, "name", name);
    let kind = t
        .take_or_require(ctx, "kind", required)
        .and_then(|v| reader::one_of(ctx, "kind", v, KINDS));
    let kind = keep(&mut origin, "kind", kind);
    let watts = t
        .take_or_require(ctx, "watts_per_unit", required)
        .and_then(|v| reader::ratio(ctx, "watts_per_unit", v));
    let watts_per_unit = keep(&mut origin, "watts_per_unit", watts);
    let rate = t
        .take_or_require(ctx, "rate_usd_per_hour", required)
        .and_then(|v| reader::money(ctx, "rate_usd_per_hour", v));
    let rate_usd_per_hour = keep(&mut origin, "rate_usd_per_hour", rate);
    let tflops = t.take("tflops").and_then(|v| tflops(ctx, &mut origin, v));
    t.finish(ctx);
    HardwarePatch {
        id,
        name,
        kind,
        watts_per_unit,
        rate_usd_per_hour,
        tflops,
        origin,
    }
}

fn hardware(ctx: &mut Ctx<'_>, t: Table<'_>) -> Option<Hardware> {
    hardware_patch(ctx, t, true).complete()
}

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
