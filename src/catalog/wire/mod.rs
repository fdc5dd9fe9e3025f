//! A [`Catalog`] in a compact binary form, for the catalog cache ([`super::cache`]).
//!
//! The form is private to one build of capplan: [`fingerprint`] names it, and a stored catalog
//! whose fingerprint differs is not read. The fingerprint covers capplan's version, the hash of
//! the sources it was built from (`CAPPLAN_SOURCE_HASH`, from `build.rs`), [`FORMAT`],
//! the table of origin keys ([`KEYS`]) and the text of every layout below, so a field added,
//! removed, renamed, retyped or moved changes it even where the version does not.
//!
//! Each struct's layout is written once, in `wire!`, as its fields and their types: encoding
//! destructures the struct without `..` and decoding builds it with a literal, so a layout that
//! misses a field, or gives it another type, does not compile. Serde was the other choice; but
//! the serde forms of `Decimal` and `NaiveDate` are text, which would need an adapter on every
//! such field, and serde would give no fingerprint.
//!
//! Numbers are LEB128 varints (signed ones zigzag), amounts `Decimal`'s exact 16-byte form,
//! dates their year and day of the year. File ids are stored relative to the first file of the catalog, so
//! that a catalog decodes into any report.

use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::demand::{Need, Point, Run, Shape, Work, Workload};
use crate::catalog::model::*;
use crate::catalog::value::{Duration, DurationUnit};
use crate::diagnostic::{Code, Diagnostic, FileId, Location, Severity, Span};

mod basic;

use basic::{Reader, Wire, Writer, put_all};

/// The version of the form, raised when the encoding of a type changes without its layout text
/// changing (a new varint scheme, a hand-written form below).
const FORMAT: u32 = 1;

/// Every key the loader records in an [`Origin`], stored by index. A catalog with a key not
/// listed is not stored: it is only slower to load, never wrong.
const KEYS: &[&str] = &[
    "actuals",
    "amount_usd",
    "announced",
    "by",
    "compute",
    "compute.precision",
    "compute.reference",
    "contracted_usd",
    "cpus",
    "cumulative_spend_usd",
    "currency",
    "date",
    "end",
    "estimated",
    "every",
    "fiscal_year_start_month",
    "from",
    "gpus",
    "h100e",
    "hardware",
    "horizon",
    "horizon.end",
    "horizon.start",
    "id",
    "kind",
    "lag",
    "level",
    "name",
    "note",
    "notes",
    "online_by",
    "online_from",
    "ownership",
    "payment",
    "power_gw",
    "power_mw",
    "priority",
    "provider",
    "pue",
    "ramp",
    "rate_usd_per_hour",
    "run",
    "run.deadline",
    "run.earliest",
    "run.flop",
    "run.h100e_hours",
    "run.max_h100e",
    "run.mfu",
    "shape",
    "source",
    "sources",
    "spend",
    "spend_schedule",
    "spend_usd",
    "start",
    "status",
    "term",
    "terms",
    "tflops",
    "tflops.bf16",
    "tflops.fp4",
    "tflops.fp8",
    "title",
    "to",
    "tolerance",
    "tranche",
    "units",
    "until",
    "useful_life",
    "value",
    "value_usd",
    "watts_per_unit",
];

/// The encoding of `catalog` and the `diagnostics` its load raised, whose files start at `base`
/// in the report; `None` if they hold what the form cannot store (a key not in [`KEYS`], a
/// span before `base`).
pub fn encode(catalog: &Catalog, diagnostics: &[Diagnostic], base: usize) -> Option<Vec<u8>> {
    let mut w = Writer {
        buf: Vec::with_capacity(1 << 16),
        base,
    };
    catalog.put(&mut w)?;
    put_all(diagnostics, &mut w)?;
    Some(w.buf)
}

/// The catalog and diagnostics `bytes` encode, their files starting at `base`; `None` unless
/// `bytes` are exactly one [`encode`]'s output.
pub fn decode(bytes: &[u8], base: usize) -> Option<(Catalog, Vec<Diagnostic>)> {
    let mut r = Reader { bytes, base };
    let catalog = Catalog::take(&mut r)?;
    let diagnostics = Vec::take(&mut r)?;
    r.bytes.is_empty().then_some((catalog, diagnostics))
}

/// What names this build's form: two builds with the same fingerprint encode alike.
pub fn fingerprint() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = foldhash::fast::FixedState::with_seed(0x6361_7470_6c61_6e31).build_hasher();
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    // Another build of the same version may load the same files otherwise.
    h.write(env!("CAPPLAN_SOURCE_HASH").as_bytes());
    h.write_u32(FORMAT);
    h.write(LAYOUT.as_bytes());
    h.write(HAND_WRITTEN.as_bytes());
    for key in KEYS {
        h.write(key.as_bytes());
        h.write_u8(0);
    }
    h.finish()
}

/// A key of an origin, by its index in [`KEYS`].
impl Wire for &'static str {
    fn put(&self, w: &mut Writer) -> Option<()> {
        let i = KEYS.iter().position(|k| k == self)?;
        w.u64(i as u64);
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        KEYS.get(r.len()?).copied()
    }
}

impl Wire for Origin {
    fn put(&self, w: &mut Writer) -> Option<()> {
        let (file, whole, keys, items) = self.parts();
        file.put(w)?;
        whole.put(w)?;
        put_all(keys, w)?;
        put_all(items, w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        let file = FileId::take(r)?;
        let whole = <Range<usize> as Wire>::take(r)?;
        let keys = Vec::<(&'static str, Span)>::take(r)?;
        let items = Vec::take(r)?;
        Some(Origin::from_parts(file, whole, keys, items))
    }
}

/// The forms of structs, field by field, and of enums without fields, variant by variant. The
/// text of the whole invocation is [`LAYOUT`], part of the [`fingerprint`].
macro_rules! wire {
    (
        $(struct $ty:ident { $($field:ident: $fty:ty),* $(,)? })*
        $(enum $ety:ident { $($variant:ident),* $(,)? })*
    ) => {
        $(
            impl Wire for $ty {
                fn put(&self, w: &mut Writer) -> Option<()> {
                    let $ty { $($field),* } = self;
                    $($field.put(w)?;)*
                    Some(())
                }
                fn take(r: &mut Reader<'_>) -> Option<Self> {
                    $(let $field: $fty = Wire::take(r)?;)*
                    Some($ty { $($field),* })
                }
            }
        )*
        $(
            impl Wire for $ety {
                fn put(&self, w: &mut Writer) -> Option<()> {
                    // Every variant is listed, or this does not compile.
                    match self {
                        $($ety::$variant)|* => {}
                    }
                    let all = [$($ety::$variant),*];
                    let i = all.iter().position(|v| v == self)?;
                    w.buf.push(u8::try_from(i).ok()?);
                    Some(())
                }
                fn take(r: &mut Reader<'_>) -> Option<Self> {
                    let all = [$($ety::$variant),*];
                    all.get(usize::from(r.u8()?)).copied()
                }
            }
        )*
        /// The text of every layout written with `wire!`.
        const LAYOUT: &str = stringify!(
            $(struct $ty { $($field: $fty),* })*
            $(enum $ety { $($variant),* })*
        );
    };
}

/// How many contracts make one chunk, which decodes on its own: a large catalog decodes on
/// every thread.
const CHUNK: usize = 512;

impl Wire for Catalog {
    fn put(&self, w: &mut Writer) -> Option<()> {
        let Catalog {
            portfolio,
            targets,
            hardware,
            contracts,
            observed,
            workloads,
        } = self;
        portfolio.put(w)?;
        targets.put(w)?;
        hardware.put(w)?;
        w.u64(contracts.chunks(CHUNK).len() as u64);
        for chunk in contracts.chunks(CHUNK) {
            let mut part = Writer {
                buf: Vec::new(),
                base: w.base,
            };
            put_all(chunk, &mut part)?;
            w.u64(part.buf.len() as u64);
            w.buf.extend_from_slice(&part.buf);
        }
        observed.put(w)?;
        workloads.put(w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        use rayon::prelude::*;
        let portfolio = Wire::take(r)?;
        let targets = Wire::take(r)?;
        let hardware = Wire::take(r)?;
        let mut chunks = Vec::new();
        for _ in 0..r.len()? {
            let len = r.len()?;
            chunks.push(r.slice(len)?);
        }
        let base = r.base;
        let parts: Option<Vec<Vec<Contract>>> = chunks
            .into_par_iter()
            .map(|bytes| {
                let mut part = Reader { bytes, base };
                let contracts = Vec::take(&mut part)?;
                part.bytes.is_empty().then_some(contracts)
            })
            .collect();
        let contracts = parts?.into_iter().flatten().collect();
        Some(Catalog {
            portfolio,
            targets,
            hardware,
            contracts,
            observed: Wire::take(r)?,
            workloads: Wire::take(r)?,
        })
    }
}

wire! {
    struct Portfolio {
        name: String,
        currency: String,
        horizon_start: NaiveDate,
        horizon_end: NaiveDate,
        pue: Decimal,
        fiscal_year_start_month: u32,
        compute: ComputeSettings,
        origin: Origin,
    }
    struct ComputeSettings {
        reference: String,
        precision: Precision,
    }
    struct Tflops {
        bf16: Option<Decimal>,
        fp8: Option<Decimal>,
        fp4: Option<Decimal>,
    }
    struct Target {
        id: String,
        name: String,
        spend_usd: Option<Decimal>,
        power_gw: Option<Decimal>,
        h100e: Option<u64>,
        by: Option<NaiveDate>,
        origin: Origin,
    }
    struct Hardware {
        id: String,
        name: String,
        kind: HardwareKind,
        watts_per_unit: Decimal,
        rate_usd_per_hour: Decimal,
        tflops: Tflops,
        origin: Origin,
    }
    struct Contract {
        id: String,
        provider: String,
        title: String,
        announced: Option<NaiveDate>,
        start: NaiveDate,
        term: Option<Duration>,
        end: NaiveDate,
        value_usd: Decimal,
        estimated: bool,
        status: Status,
        spend: SpendModel,
        pue: Option<Decimal>,
        sources: Vec<String>,
        notes: Option<String>,
        tranches: Vec<Tranche>,
        spend_schedule: Vec<ScheduleEntry>,
        payment: Option<Box<Payment>>,
        ownership: Ownership,
        useful_life: Option<Duration>,
        actuals: Vec<(String, String)>,
        origin: Origin,
    }
    struct Tranche {
        id: String,
        hardware: String,
        quantity: Quantity,
        online_from: NaiveDate,
        online_by: NaiveDate,
        ramp: Ramp,
        until: Option<NaiveDate>,
        origin: Origin,
    }
    struct ScheduleEntry {
        from: NaiveDate,
        to: NaiveDate,
        amount_usd: Decimal,
        origin: Origin,
    }
    struct Payment {
        terms: PaymentTerms,
        every: Duration,
        lag: Duration,
        origin: Origin,
    }
    struct Observation {
        date: NaiveDate,
        measure: Measure,
        value: Decimal,
        tolerance: Decimal,
        source: Option<String>,
        note: Option<String>,
        origin: Origin,
    }
    struct Duration {
        count: i64,
        unit: DurationUnit,
    }
    struct Workload {
        id: String,
        title: String,
        priority: i64,
        hardware: Option<Vec<String>>,
        need: Need,
        until: Option<NaiveDate>,
        origin: Origin,
    }
    struct Diagnostic {
        code: Code,
        severity: Severity,
        location: Location,
        message: String,
        help: Option<String>,
        related: Vec<(Span, String)>,
    }
    struct Point {
        from: NaiveDate,
        h100e: Decimal,
    }
    struct Run {
        work: Work,
        earliest: NaiveDate,
        deadline: NaiveDate,
        max_h100e: Option<Decimal>,
    }
    enum Precision { Bf16, Fp8, Fp4 }
    enum HardwareKind { Gpu, Cpu }
    enum Status { Signed, NonBinding, Cancelled }
    enum SpendModel { StraightLine, CapacityLinked, Schedule }
    enum Ramp { Linear, SCurve, Step }
    enum PaymentTerms { Arrears, Advance, Upfront }
    enum Ownership { Leased, Owned }
    enum Measure { PowerGw, Gpus, Cpus, H100e, CumulativeSpendUsd, ContractedUsd }
    enum DurationUnit { Days, Weeks, Months, Quarters, Years }
    enum Shape { Linear, Step }
    enum Severity { Error, Warning }
}

/// The layouts of the enums with fields, whose forms are written by hand below; change this
/// text with them.
const HAND_WRITTEN: &str = "Catalog { portfolio: Portfolio, targets: Vec<Target>, \
     hardware: Vec<Hardware>, contracts: chunks of 512 Vec<Contract>, observed: Vec<Observation>, \
     workloads: Vec<Workload> } \
     Quantity { Units(u64), PowerMw(Decimal) } \
     Work { Hours(Decimal), Flop { flop: Decimal, mfu: Decimal } } \
     Need { Level { points: Vec<Point>, shape: Shape }, Run(Run) } \
     Origin { file, whole, keys, items } Code(name) Location { Span(Span), Path(String) }";

/// A code by its name, which never changes.
impl Wire for Code {
    fn put(&self, w: &mut Writer) -> Option<()> {
        self.name().to_owned().put(w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        let name = String::take(r)?;
        Code::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl Wire for Location {
    fn put(&self, w: &mut Writer) -> Option<()> {
        match self {
            Location::Span(span) => {
                w.buf.push(0);
                span.put(w)
            }
            Location::Path(path) => {
                w.buf.push(1);
                path.put(w)
            }
        }
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        match r.u8()? {
            0 => Some(Location::Span(Wire::take(r)?)),
            1 => Some(Location::Path(Wire::take(r)?)),
            _ => None,
        }
    }
}

impl Wire for Quantity {
    fn put(&self, w: &mut Writer) -> Option<()> {
        match self {
            Quantity::Units(n) => {
                w.buf.push(0);
                n.put(w)
            }
            Quantity::PowerMw(mw) => {
                w.buf.push(1);
                mw.put(w)
            }
        }
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        match r.u8()? {
            0 => Some(Quantity::Units(Wire::take(r)?)),
            1 => Some(Quantity::PowerMw(Wire::take(r)?)),
            _ => None,
        }
    }
}

impl Wire for Work {
    fn put(&self, w: &mut Writer) -> Option<()> {
        match self {
            Work::Hours(h) => {
                w.buf.push(0);
                h.put(w)
            }
            Work::Flop { flop, mfu } => {
                w.buf.push(1);
                flop.put(w)?;
                mfu.put(w)
            }
        }
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        match r.u8()? {
            0 => Some(Work::Hours(Wire::take(r)?)),
            1 => Some(Work::Flop {
                flop: Wire::take(r)?,
                mfu: Wire::take(r)?,
            }),
            _ => None,
        }
    }
}

impl Wire for Need {
    fn put(&self, w: &mut Writer) -> Option<()> {
        match self {
            Need::Level { points, shape } => {
                w.buf.push(0);
                points.put(w)?;
                shape.put(w)
            }
            Need::Run(run) => {
                w.buf.push(1);
                run.put(w)
            }
        }
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        match r.u8()? {
            0 => Some(Need::Level {
                points: Wire::take(r)?,
                shape: Wire::take(r)?,
            }),
            1 => Some(Need::Run(Wire::take(r)?)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::load::CatalogFiles;
    use crate::catalog::validate::Checks;
    use crate::diagnostic::Report;

    #[test]
    fn keys_are_listed_once_in_order() {
        assert!(KEYS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_shipped_catalog_round_trips_exactly_from_any_first_file() {
        let mut report = Report::default();
        let catalog =
            crate::catalog::load_owned(CatalogFiles::builtin(), Checks::ErrorsOnly, &mut report)
                .unwrap();
        let warning = Diagnostic::new(
            Code::MissingCompute,
            catalog.hardware[0].origin.span("id"),
            "a warning",
        )
        .with_help("help")
        .with_related(catalog.portfolio.origin.whole(), "here");
        let bytes = encode(&catalog, std::slice::from_ref(&warning), 0).unwrap();
        let (back, diagnostics) = decode(&bytes, 0).unwrap();
        // The model has no `PartialEq` on its entities; its debug form shows every field.
        assert_eq!(format!("{back:?}"), format!("{catalog:?}"));
        assert_eq!(diagnostics, [warning]);
        let (moved, _) = decode(&bytes, 3).unwrap();
        assert_eq!(
            moved.contracts[0].origin.file,
            FileId(catalog.contracts[0].origin.file.0 + 3)
        );
        // Cut short or followed by more, it is no catalog.
        assert!(decode(&bytes[..bytes.len() - 1], 0).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, 0).is_none());
    }

    #[test]
    fn a_key_the_table_lacks_is_not_stored() {
        let mut report = Report::default();
        let mut catalog =
            crate::catalog::load_owned(CatalogFiles::builtin(), Checks::ErrorsOnly, &mut report)
                .unwrap();
        let span = catalog.portfolio.origin.whole();
        catalog.portfolio.origin.set_key_span("no-such-key", span);
        assert!(encode(&catalog, &[], 0).is_none());
    }
}
