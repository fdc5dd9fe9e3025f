//! The checks behind the fuzz targets in `fuzz/`, shared with `tests/fuzz.rs`, which replays the
//! committed corpus and every input a fuzzer ever found a bug with.
//!
//! Each entry point takes arbitrary bytes and runs them through the same code as the command
//! line, then checks what must always hold: no panic, every diagnostic located inside its file
//! and renderable, parsers that print what they read back the same way. A failed check panics,
//! which is how a fuzzer reports it.

use std::str::{self, FromStr};
use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::catalog::load::{self, CatalogFiles, PORTFOLIO_FILE};
use crate::catalog::value::{
    Duration, format_money, format_money_exact, money_literal, parse_money,
};
use crate::catalog::{Catalog, validate::Checks};
use crate::diagnostic::{Location, Report};
use crate::engine::{By, Filter, Grid, GroupBy, Timeline};
use crate::gate::{self, Gate};
use crate::report::build::{self, Context};
use crate::report::diagnostics::{DiagnosticFormat, render as render_diagnostics};
use crate::report::render::{ReportFormat, render};
use crate::scenario::parse::parse_slip;
use crate::scenario::{self, Selector};

/// Separates files in the input of [`catalog`].
pub const FILE_SEPARATOR: &str = "\n%%%\n";

/// The shipped catalog, loaded once, with the report that holds its files.
fn shipped_with_sources() -> &'static (Catalog, Report) {
    static SHIPPED: OnceLock<(Catalog, Report)> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let mut report = Report::default();
        let catalog = load::load(&CatalogFiles::builtin(), &mut report)
            .expect("the shipped catalog is valid");
        report.diagnostics.clear();
        (catalog, report)
    })
}

fn shipped() -> &'static Catalog {
    &shipped_with_sources().0
}

/// Renders every diagnostic in every format; a location outside its file or a renderer that
/// fails is a bug.
fn check_report(report: &Report) {
    for d in &report.diagnostics {
        let own = match &d.location {
            Location::Span(span) => Some(span),
            Location::Path(_) => None,
        };
        for label in own.into_iter().chain(d.related.iter().map(|(s, _)| s)) {
            let text = &report.sources.get(label.file).text;
            assert!(
                label.range.start <= label.range.end && label.range.end <= text.len(),
                "{:?} at {:?} is outside its file of {} bytes",
                d.code,
                label.range,
                text.len()
            );
            assert!(
                text.is_char_boundary(label.range.start) && text.is_char_boundary(label.range.end)
            );
        }
    }
    for format in [
        DiagnosticFormat::Human,
        DiagnosticFormat::Json,
        DiagnosticFormat::Github,
        DiagnosticFormat::Sarif,
        DiagnosticFormat::Gitlab,
    ] {
        let mut out = Vec::new();
        render_diagnostics(report, format, false, &mut out).expect("diagnostics render");
    }
}

/// Projects every report of `catalog` on a quarterly grid and renders it. An overflow must be
/// an error, never a panic.
fn project(catalog: &Catalog) {
    let filter = Filter::default();
    for by in [By::Quarter, By::Year] {
        let grid = Grid::new(by, catalog.portfolio.fiscal_year_start_month);
        let timeline = Timeline::new(
            catalog,
            grid,
            catalog.portfolio.horizon_start,
            catalog.portfolio.horizon_end,
        );
        let ctx = Context {
            catalog,
            timeline: &timeline,
            filter: &filter,
            target: catalog.targets.first(),
            scenarios: Vec::new(),
        };
        let docs = [
            build::plan(&ctx),
            build::capacity(&ctx, GroupBy::Provider),
            build::capacity(&ctx, GroupBy::Tranche),
            build::spend(&ctx, GroupBy::Contract),
            build::contracts(&ctx),
        ];
        for doc in docs.into_iter().flatten() {
            for format in [ReportFormat::Table, ReportFormat::Json, ReportFormat::Csv] {
                render(&doc, format);
            }
        }
    }
}

/// Loads `files`, checks the diagnostics and projects the catalog if it is valid.
fn load_and_project(files: CatalogFiles) {
    let mut report = Report::default();
    let catalog = load::load_owned(files, Checks::All, &mut report);
    check_report(&report);
    if let Some(catalog) = catalog {
        assert!(!report.has_errors(), "a catalog with errors was returned");
        project(&catalog);
    }
}

/// One file of a catalog. The first byte chooses its role: even, a contract beside the shipped
/// portfolio; odd, the portfolio of the shipped contracts.
pub fn catalog_file(data: &[u8]) {
    let Some((&role, bytes)) = data.split_first() else {
        return;
    };
    let mut files = CatalogFiles::builtin();
    if role % 2 == 0 {
        files
            .files
            .retain(|(name, _)| name.ends_with(PORTFOLIO_FILE));
        files
            .files
            .push(("contracts/fuzzed.toml".to_owned(), bytes.to_vec()));
    } else {
        let portfolio = files
            .files
            .iter_mut()
            .find(|(name, _)| name.ends_with(PORTFOLIO_FILE))
            .expect("the shipped catalog has a portfolio");
        portfolio.1 = bytes.to_vec();
    }
    load_and_project(files);
}

/// A whole catalog: files separated by [`FILE_SEPARATOR`], the first being the portfolio.
pub fn catalog(data: &[u8]) {
    let separator = FILE_SEPARATOR.as_bytes();
    let mut files = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let end = rest
            .windows(separator.len())
            .position(|w| w == separator)
            .unwrap_or(rest.len());
        let name = if files.is_empty() {
            format!("fuzz/{PORTFOLIO_FILE}")
        } else {
            format!("fuzz/c{:03}.toml", files.len())
        };
        files.push((name, rest[..end].to_vec()));
        rest = rest.get(end + separator.len()..).unwrap_or(&[]);
    }
    load_and_project(CatalogFiles {
        label: "fuzz".to_owned(),
        files,
    });
}

/// A scenario file applied to the shipped catalog, then projected.
pub fn scenario(data: &[u8]) {
    // As on the command line: the scenario's file joins the catalog's in one report, so that a
    // diagnostic of the changed catalog can point into a contract file.
    let mut report = shipped_with_sources().1.clone();
    let read = scenario::read_scenario("scenario.toml", data.to_vec(), &mut report);
    check_report(&report);
    let Some(read) = read else {
        assert!(
            report.has_errors(),
            "a scenario was refused without an error"
        );
        return;
    };
    if report.has_errors() {
        return;
    }
    let applied = scenario::apply_all(shipped(), &[read], Checks::All, &mut report);
    check_report(&report);
    if let Some(catalog) = applied {
        project(&catalog);
    }
}

/// A money amount: what parses prints back as a literal that parses to the same amount.
pub fn money(data: &[u8]) {
    let Ok(text) = str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = parse_money(text) {
        let literal = money_literal(value);
        assert_eq!(
            parse_money(&literal),
            Ok(value),
            "`{text}` printed as `{literal}`"
        );
        format_money(value);
        format_money_exact(value);
    }
}

/// A duration: what parses prints back the same, and adding it to any date gives a date or
/// `None`, never a panic.
pub fn duration(data: &[u8]) {
    let Ok(text) = str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = Duration::from_str(text) {
        assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        for date in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            day(2025, 1, 31),
            day(2024, 2, 29),
        ] {
            d.add_to(date);
        }
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A `--from`/`--to` bound on every grid: what parses is a day or a span that starts before it
/// ends, and a span that is one period is labelled the way it was written.
pub fn period(data: &[u8]) {
    let Ok(text) = str::from_utf8(data) else {
        return;
    };
    for by in [By::Month, By::Quarter, By::Year] {
        for fy_start in [1, 4, 6, 10] {
            let grid = Grid::new(by, fy_start);
            if let Ok(crate::engine::period::Bound::Span(start, end)) = grid.parse_bound(text) {
                assert!(start < end, "`{text}` spans {start} to {end}");
                if grid.period_start(start) == start
                    && grid.period_at(start).is_some_and(|p| p.end == end)
                {
                    let label = grid.label(start);
                    assert!(
                        label.eq_ignore_ascii_case(text.trim()),
                        "`{text}` is the period `{label}`"
                    );
                }
            }
        }
    }
}

/// A slip distribution, and a selector: what parses prints back the same.
pub fn distribution(data: &[u8]) {
    let Ok(text) = str::from_utf8(data) else {
        return;
    };
    if let Ok(slip) = parse_slip(text) {
        assert_eq!(parse_slip(&slip.to_string()), Ok(slip), "`{text}`");
    }
    if let Some(selector) = Selector::parse(text) {
        assert_eq!(
            Selector::parse(&selector.to_string()),
            Some(selector.clone())
        );
        selector.select(shipped());
    }
}

/// A `--fail-if` gate, evaluated against the shipped catalog's quarterly plan.
pub fn fail_if(data: &[u8]) {
    let Ok(text) = str::from_utf8(data) else {
        return;
    };
    let Ok(gate) = Gate::from_str(text) else {
        return;
    };
    let catalog = shipped();
    let filter = Filter::default();
    let grid = Grid::new(By::Quarter, catalog.portfolio.fiscal_year_start_month);
    let timeline = Timeline::new(
        catalog,
        grid,
        catalog.portfolio.horizon_start,
        catalog.portfolio.horizon_end,
    );
    let totals = gate::Totals::new(catalog, &timeline, &filter, catalog.targets.first());
    let gates = [gate];
    if let Ok(Ok(())) = totals.prepare(&gates, &timeline.grid) {
        let _ = gate::evaluate(&gates, &timeline.grid, &totals);
    }
}
