//! An `[[observed]]` table of `portfolio.toml`: one published figure, with its date,
//! tolerance and source.

use rust_decimal::Decimal;
use toml::Spanned;

use super::{MEASURES, keep};
use crate::catalog::model::*;
use crate::catalog::reader::{self, Ctx, Table};
use crate::diagnostic::{Code, Diagnostic};

/// Reads an `[[observed]]`: a date, exactly one measure, a tolerance, a source and a note.
pub(super) fn observation(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Observation> {
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
