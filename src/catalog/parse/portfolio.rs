//! `portfolio.toml`: the whole file, its `[portfolio]` settings (also as a scenario replaces
//! them) and its `[[target]]` tables.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::DeTable;

use super::hardware::hardware;
use super::observed::observation;
use super::{
    COMPUTE_KEYS, CURRENCY, HARDWARE_KEYS, HORIZON_KEYS, OBSERVED_KEYS, PORTFOLIO_FILE_KEYS,
    PORTFOLIO_KEYS, PRECISIONS, TARGET_KEYS, keep,
};
use crate::catalog::model::*;
use crate::catalog::reader::{self, Ctx, Table};
use crate::diagnostic::{Code, Diagnostic};

/// What `portfolio.toml` holds.
pub struct PortfolioFile {
    pub portfolio: Portfolio,
    pub targets: Vec<Target>,
    pub hardware: Vec<Hardware>,
    pub observed: Vec<Observation>,
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
