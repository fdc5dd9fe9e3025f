//! A `[[hardware]]` profile: a whole one in `portfolio.toml`, or the fields a scenario
//! replaces, with its `tflops`.

use rust_decimal::Decimal;

use super::{KINDS, TFLOPS_KEYS, keep};
use crate::catalog::model::*;
use crate::catalog::reader::{self, Ctx, Table};
use crate::diagnostic::Code;

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

pub(super) fn hardware(ctx: &mut Ctx<'_>, t: Table<'_>) -> Option<Hardware> {
    hardware_patch(ctx, t, true).complete()
}
