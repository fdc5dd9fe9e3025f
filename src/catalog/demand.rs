//! Demand: the workloads that capacity is for, read from `demand.toml` beside `portfolio.toml`
//! or from `--demand FILE` (docs/demand.md).
//!
//! A workload is a continuous need (a `level` of H100e online, by day) or a `run` (an amount of
//! H100e-hours, or of FLOP at an MFU, to be done in a window). Like contracts, a demand file is
//! read into typed values here, with every problem located, and cross-checked against the
//! hardware profiles in [`super::validate`].

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::catalog::model::Origin;
use crate::catalog::reader::{self, Ctx, Table};
use crate::catalog::value::ratio_from_float;
use crate::diagnostic::{Code, Diagnostic};

/// The file name of a catalog's demand.
pub const DEMAND_FILE: &str = "demand.toml";

const FILE_KEYS: &[&str] = &["workload"];
/// The keys of a `[[workload]]`.
pub const WORKLOAD_KEYS: &[&str] = &[
    "id", "title", "priority", "hardware", "level", "shape", "until", "run",
];
/// The keys of a level point.
pub const POINT_KEYS: &[&str] = &["from", "h100e"];
/// The keys of `run`.
pub const RUN_KEYS: &[&str] = &[
    "flop",
    "mfu",
    "h100e_hours",
    "earliest",
    "deadline",
    "max_h100e",
];

/// How a level moves between its points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Interpolated by day between points. The default.
    Linear,
    /// Each point's level holds until the next point.
    Step,
}

pub const SHAPES: &[(&str, Shape)] = &[("linear", Shape::Linear), ("step", Shape::Step)];

/// One point of a level: the H100e needed from `from` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub from: NaiveDate,
    pub h100e: Decimal,
}

/// What a run needs done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// H100e-hours, as given.
    Hours(Decimal),
    /// Floating-point operations at a model FLOPS utilization, converted at the reference's
    /// dense throughput at the precision in effect.
    Flop { flop: Decimal, mfu: Decimal },
}

/// `run = { ... }`: work to be done within `[earliest, deadline)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub work: Work,
    pub earliest: NaiveDate,
    /// Exclusive.
    pub deadline: NaiveDate,
    /// The most H100e the run uses on any day; `None` for no cap.
    pub max_h100e: Option<Decimal>,
}

/// What a workload needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    Level { points: Vec<Point>, shape: Shape },
    Run(Run),
}

/// `[[workload]]`: one need for compute.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Unique among the workloads: lowercase letters, digits and `-`.
    pub id: String,
    /// A description; default the id.
    pub title: String,
    /// Lower is served first; default 0.
    pub priority: i64,
    /// Eligible hardware ids; `None` for every gpu profile with a figure.
    pub hardware: Option<Vec<String>>,
    pub need: Need,
    /// The need ends here (exclusive); `None` for no end.
    pub until: Option<NaiveDate>,
    pub origin: Origin,
}

impl Workload {
    pub fn is_run(&self) -> bool {
        matches!(self.need, Need::Run(_))
    }
}

fn keep<T>(origin: &mut Origin, key: &'static str, value: Option<Spanned<T>>) -> Option<T> {
    value.map(|v| {
        origin.set_key(key, v.span());
        v.into_inner()
    })
}

/// A positive count or figure: a TOML integer or float, or a string such as `"3e27"` for
/// numbers too large to write plainly.
fn figure(ctx: &mut Ctx<'_>, key: &str, value: reader::Value<'_>) -> Option<Spanned<Decimal>> {
    let span = value.span();
    let parsed = match value.get_ref() {
        DeValue::String(s) => {
            let text = s.replace('_', "");
            let n = Decimal::from_scientific(&text)
                .ok()
                .or_else(|| text.parse().ok());
            if n.is_none() {
                ctx.error(
                    Code::InvalidValue,
                    span.clone(),
                    format!("`{key}` is `{s}`, not a number such as `\"3e27\"` or `\"2.5\"`"),
                );
            }
            n
        }
        DeValue::Float(f) => {
            let n = f
                .as_str()
                .replace('_', "")
                .parse::<f64>()
                .ok()
                .and_then(ratio_from_float);
            if n.is_none() {
                ctx.error(
                    Code::Overflow,
                    span.clone(),
                    format!("`{key}` is not a finite number capplan can represent exactly; write it as a string such as `\"3e27\"`"),
                );
            }
            n
        }
        _ => reader::ratio(ctx, key, value).map(Spanned::into_inner),
    };
    let n = parsed?;
    if n <= Decimal::ZERO {
        ctx.error(
            Code::NonPositive,
            span,
            format!("`{key}` is {n}; it must be positive"),
        );
        return None;
    }
    Some(Spanned::new(span, n))
}

/// Reads a demand file: its `[[workload]]` tables. An empty file has no workloads.
pub fn demand_file(ctx: &mut Ctx<'_>, doc: Spanned<DeTable<'_>>) -> Vec<Workload> {
    let span = doc.span();
    let mut file = Table::new(doc.into_inner(), span, "the demand file", FILE_KEYS);
    let workloads = file
        .take("workload")
        .map(|v| reader::tables(ctx, "workload", v, WORKLOAD_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| workload(ctx, t))
        .collect();
    file.finish(ctx);
    workloads
}

/// Reads one `[[workload]]` table, in a demand file or a scenario.
pub fn workload(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Workload> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let id = t.require(ctx, "id").and_then(|v| reader::id(ctx, "id", v));
    let id = keep(&mut origin, "id", id);
    if let Some(id) = &id {
        t.what = format!("workload `{id}`");
    }
    let what = t.what.clone();
    let title = t
        .take("title")
        .and_then(|v| reader::string(ctx, "title", v));
    let title = keep(&mut origin, "title", title);
    let priority = t.take("priority").and_then(|v| {
        origin.set_key("priority", v.span());
        reader::integer(ctx, "priority", &v)
    });
    let hardware = t.take("hardware").map(|v| {
        origin.set_key("hardware", v.span());
        let mut ids = Vec::new();
        let mut spans = Vec::new();
        for item in reader::array(ctx, "hardware", v).unwrap_or_default() {
            let span = item.span();
            if let Some(id) = reader::id(ctx, "hardware", item) {
                ids.push(id.into_inner());
                spans.push(span);
            }
        }
        origin.set_items(spans);
        ids
    });
    let level = t.take("level");
    let run = t.take("run");
    let shape = t
        .take("shape")
        .and_then(|v| reader::one_of(ctx, "shape", v, SHAPES));
    let shape = keep(&mut origin, "shape", shape);
    let until = t.take("until").and_then(|v| reader::date(ctx, "until", v));
    let until = keep(&mut origin, "until", until);
    // A need that cannot be read is reported; the workload is still returned, with no need,
    // so that its other fields (its hardware) are checked too. Nothing uses a catalog with errors.
    let none = || Need::Level {
        points: Vec::new(),
        shape: Shape::Linear,
    };
    let need = match (level, run) {
        (Some(level), None) => {
            origin.set_key("level", level.span());
            match points(ctx, &origin, level, &what) {
                Some(points) => Need::Level {
                    points,
                    shape: shape.unwrap_or(Shape::Linear),
                },
                None => none(),
            }
        }
        (None, Some(run)) => {
            origin.set_key("run", run.span());
            if shape.is_some() {
                ctx.error(
                    Code::InvalidValue,
                    origin.span("shape").range,
                    format!("{what} is a `run`; `shape` applies to a `level` only"),
                );
            }
            run_table(ctx, &mut origin, run, &what).map_or_else(none, Need::Run)
        }
        (Some(_), Some(run)) => {
            ctx.push(
                Diagnostic::new(
                    Code::WorkloadNeed,
                    ctx.span(run.span()),
                    format!("{what} gives both `level` and `run`"),
                )
                .with_help("a workload is a continuous `level` or one `run`: split it in two"),
            );
            none()
        }
        (None, None) => {
            ctx.push(
                Diagnostic::new(
                    Code::WorkloadNeed,
                    ctx.span(t.span.clone()),
                    format!("{what} gives neither `level` nor `run`"),
                )
                .with_help("add `level = [{ from = 2026-01-01, h100e = 100_000 }]` or `run = { h100e_hours = 2_000_000_000, earliest = ..., deadline = ... }`"),
            );
            none()
        }
    };
    t.finish(ctx);
    let id = id?;
    Some(Workload {
        title: title.unwrap_or_else(|| id.clone()),
        id,
        priority: priority.unwrap_or(0),
        hardware,
        need,
        until,
        origin,
    })
}

/// `level = [{ from, h100e }, ...]`, in strictly increasing order of `from` (`demand-order`).
fn points(
    ctx: &mut Ctx<'_>,
    origin: &Origin,
    value: reader::Value<'_>,
    what: &str,
) -> Option<Vec<Point>> {
    let items = reader::array(ctx, "level", value)?;
    if items.is_empty() {
        ctx.error(
            Code::MissingKey,
            origin.span("level").range,
            format!("{what}: `level` has no points; give at least `{{ from = DATE, h100e = N }}`"),
        );
        return None;
    }
    let mut out: Vec<Point> = Vec::new();
    let mut ok = true;
    for item in items {
        let span = item.span();
        let DeValue::Table(table) = item.into_inner() else {
            ctx.error(
                Code::WrongType,
                span,
                "a `level` point must be a table `{ from = DATE, h100e = N }`".to_owned(),
            );
            ok = false;
            continue;
        };
        let mut p = Table::new(table, span.clone(), "a `level` point", POINT_KEYS);
        let from = p
            .require(ctx, "from")
            .and_then(|v| reader::date(ctx, "from", v));
        let h100e = p.require(ctx, "h100e").and_then(|v| {
            let span = v.span();
            match v.get_ref() {
                // Zero is a level too: a need that stops.
                DeValue::Integer(_) | DeValue::Float(_) => {
                    let n = reader::ratio(ctx, "h100e", v)?;
                    if *n.get_ref() < Decimal::ZERO {
                        ctx.error(
                            Code::NonPositive,
                            span,
                            format!("`h100e` is {}; a level cannot be negative", n.get_ref()),
                        );
                        return None;
                    }
                    Some(n)
                }
                _ => figure(ctx, "h100e", v),
            }
        });
        p.finish(ctx);
        let (Some(from), Some(h100e)) = (from, h100e) else {
            ok = false;
            continue;
        };
        if let Some(prev) = out.last()
            && from.get_ref() <= &prev.from
        {
            ctx.push(
                Diagnostic::new(
                    Code::DemandOrder,
                    ctx.span(from.span()),
                    format!(
                        "{what}: `level` point on {} is not after the point before it ({})",
                        from.get_ref(),
                        prev.from
                    ),
                )
                .with_help("list the points in increasing order of `from`, one per date"),
            );
            ok = false;
        }
        out.push(Point {
            from: from.into_inner(),
            h100e: h100e.into_inner(),
        });
    }
    ok.then_some(out)
}

fn run_table(
    ctx: &mut Ctx<'_>,
    origin: &mut Origin,
    value: reader::Value<'_>,
    what: &str,
) -> Option<Run> {
    let mut t = reader::table(ctx, "run", value, "`run`", RUN_KEYS)?;
    let flop = t.take("flop").and_then(|v| figure(ctx, "flop", v));
    let flop = keep(origin, "run.flop", flop);
    let mfu = t.take("mfu").and_then(|v| reader::ratio(ctx, "mfu", v));
    let mfu = mfu.and_then(|m| {
        if *m.get_ref() <= Decimal::ZERO || *m.get_ref() > Decimal::ONE {
            ctx.error(
                Code::InvalidValue,
                m.span(),
                format!(
                    "`mfu` is {}; a utilization is above 0 and at most 1",
                    m.get_ref()
                ),
            );
            return None;
        }
        Some(m)
    });
    let had_mfu = mfu.is_some();
    let mfu = keep(origin, "run.mfu", mfu);
    let hours = t
        .take("h100e_hours")
        .and_then(|v| figure(ctx, "h100e_hours", v));
    let hours = keep(origin, "run.h100e_hours", hours);
    let earliest = t
        .require(ctx, "earliest")
        .and_then(|v| reader::date(ctx, "earliest", v));
    let earliest = keep(origin, "run.earliest", earliest);
    let deadline = t
        .require(ctx, "deadline")
        .and_then(|v| reader::date(ctx, "deadline", v));
    let deadline = keep(origin, "run.deadline", deadline);
    let max_h100e = t
        .take("max_h100e")
        .and_then(|v| figure(ctx, "max_h100e", v));
    let max_h100e = keep(origin, "run.max_h100e", max_h100e);
    let whole = origin.span("run").range;
    t.finish(ctx);
    let work = match (flop, hours) {
        (Some(flop), None) => match mfu {
            Some(mfu) => Some(Work::Flop { flop, mfu }),
            None => {
                if !had_mfu {
                    ctx.push(
                        Diagnostic::new(
                            Code::MissingKey,
                            origin.span("run.flop"),
                            format!("{what}: a `flop` run needs `mfu`, the share of peak throughput it achieves"),
                        )
                        .with_help("add `mfu = 0.4` (typical large training runs achieve 0.3 to 0.5)"),
                    );
                }
                None
            }
        },
        (None, Some(h)) => Some(Work::Hours(h)),
        (Some(_), Some(_)) => {
            ctx.error(
                Code::WorkloadNeed,
                origin.span("run.h100e_hours").range,
                format!("{what}: `run` gives both `flop` and `h100e_hours`; keep one"),
            );
            None
        }
        (None, None) => {
            ctx.push(
                Diagnostic::new(
                    Code::WorkloadNeed,
                    ctx.span(whole),
                    format!("{what}: `run` gives neither `flop` nor `h100e_hours`"),
                )
                .with_help(
                    "add `h100e_hours = 2_000_000_000`, or `flop = \"3e27\"` with `mfu = 0.4`",
                ),
            );
            None
        }
    };
    let (earliest, deadline) = (earliest?, deadline?);
    if earliest >= deadline {
        ctx.push(
            Diagnostic::new(
                Code::EmptyTerm,
                origin.span("run.deadline"),
                format!("{what}: `run` has `deadline` {deadline}, not after `earliest` {earliest}"),
            )
            .with_help("the window is [earliest, deadline): move `deadline` later"),
        );
        return None;
    }
    Some(Run {
        work: work?,
        earliest,
        deadline,
        max_h100e,
    })
}

/// Reads a demand file named on the command line (`--demand FILE`) into `report`'s sources:
/// every workload that could be read, the file's problems reported, so that the workloads can
/// still be checked against the catalog (a value error does not hide a reference error).
pub fn read_demand(
    name: &str,
    bytes: Vec<u8>,
    report: &mut crate::diagnostic::Report,
) -> Vec<Workload> {
    reader::read_standalone(name, bytes, report, demand_file)
        .0
        .unwrap_or_default()
}

/// Adds `more` to `workloads`: a known id replaces the earlier workload, a new one is appended.
pub fn merge(workloads: &mut Vec<Workload>, more: Vec<Workload>) {
    for w in more {
        match workloads.iter_mut().find(|x| x.id == w.id) {
            Some(slot) => *slot = w,
            None => workloads.push(w),
        }
    }
}
