//! The schedule against hand-computed figures (docs/demand.md).
//!
//! `tests/fixtures/schedule/`: pools `g1` (100 H100e) and `g2` (100 H100e), constant from
//! 2026-01-01; workloads `serve` (level 150 on g2 only), `batch` (level 80), runs `train`
//! (4,800 H100e-hours), `late` (100,000 H100e-hours at most 10 a day from 2026-01-20, deadline
//! 2026-02-01) and `flop` (3.5622e21 FLOP at 50% MFU = 1,000 H100e-hours, in March). 2026Q1 has
//! 90 days: each pool supplies 100 x 90 x 24 = 216,000 H100e-hours.

use std::path::Path;

use capplan::catalog::{self, Catalog, CatalogFiles};
use capplan::diagnostic::Report;
use capplan::engine::num::Num;
use capplan::engine::schedule::{self, Schedule};
use capplan::engine::{By, Filter, Grid, Timeline};
use capplan::report::Cell;
use capplan::report::build::Context;
use capplan::report::schedule::{self as doc, ScheduleGroup};

fn load(dir: &str) -> Catalog {
    let files = CatalogFiles::read_dir(Path::new(dir)).expect("the fixture");
    let mut report = Report::default();
    let catalog = catalog::load(&files, &mut report);
    let errors: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    catalog.expect("a valid catalog")
}

fn quarters(catalog: &Catalog, to: &str) -> Timeline {
    let grid = Grid::new(By::Quarter, 1);
    Timeline::new(
        catalog,
        grid,
        catalog.portfolio.horizon_start,
        to.parse().expect("a date"),
    )
}

fn run(catalog: &Catalog, tl: &Timeline) -> Schedule {
    schedule::schedule(catalog, tl, &Filter::default()).expect("no overflow")
}

fn hours(n: Num) -> i128 {
    schedule::hours(n).expect("fits")
}

fn q1(tl: &Timeline) -> usize {
    tl.periods
        .iter()
        .position(|p| p.label == "2026Q1")
        .expect("2026Q1")
}

#[test]
fn workloads_take_from_their_pools_in_order_and_levels_short_of_supply_are_shortfall() {
    let cat = load("tests/fixtures/schedule");
    let tl = quarters(&cat, "2026-04-01");
    let s = run(&cat, &tl);
    assert_eq!(s.pools, ["g1", "g2"]);
    assert_eq!(s.workloads, ["batch", "flop", "late", "serve", "train"]);
    let q = &s.periods[q1(&tl)];
    let supply: Vec<i128> = q.supply.iter().map(|n| hours(*n)).collect();
    assert_eq!(supply, [216_000, 216_000]);
    // `serve` may use g2 only: all of it, 100 a day, short 50 a day = 108,000 H100e-hours.
    let w = |id: &str| s.workloads.iter().position(|x| x == id).expect(id);
    assert_eq!(hours(q.served[w("serve")]), 216_000);
    assert_eq!(hours(q.shortfall[w("serve")]), 108_000);
    // `batch` comes next and takes 80 a day from g1, the first pool: 80 x 90 x 24.
    assert_eq!(hours(q.served[w("batch")]), 172_800);
    assert_eq!(hours(q.shortfall[w("batch")]), 0);
    // g1 gives batch, train (4,800), late (10 x 12 days x 24 = 2,880) and flop (1,000).
    let by_pool: Vec<i128> = q.served_by_pool.iter().map(|n| hours(*n)).collect();
    assert_eq!(by_pool, [181_480, 216_000]);
    // Idle: 34,520 H100e-hours of g1 at $1.00 per H100e-hour; none of g2.
    let idle: Vec<i128> = q
        .idle_usd
        .iter()
        .map(|n| schedule::idle_cents(*n).expect("fits"))
        .collect();
    assert_eq!(idle, [3_452_000, 0]);
    assert_eq!(
        schedule::utilization(q.served_by_pool[0], q.supply[0]).map(|d| d.to_string()),
        Some("84.02".to_owned())
    );
}

#[test]
fn runs_are_served_by_deadline_until_done_and_a_run_short_at_its_deadline_is_missed() {
    let cat = load("tests/fixtures/schedule");
    let tl = quarters(&cat, "2026-04-01");
    let s = run(&cat, &tl);
    let by_id = |id: &str| s.runs.iter().find(|r| r.id == id).expect(id);
    // `train` takes g1's last 20 a day from 2026-01-01: 4,800 / (20 x 24) = 10 days.
    let train = by_id("train");
    assert_eq!(
        train.start.map(|d| d.to_string()),
        Some("2026-01-01".into())
    );
    assert_eq!(
        train.finish.map(|d| d.to_string()),
        Some("2026-01-11".into())
    );
    assert!(!train.missed);
    // `late` is capped at 10 a day over 2026-01-20 to 2026-01-31: 2,880 of 100,000.
    let late = by_id("late");
    assert_eq!(late.start.map(|d| d.to_string()), Some("2026-01-20".into()));
    assert_eq!(late.finish, None);
    assert!(late.missed);
    assert_eq!(
        (
            late.served_hours.round_half_even(),
            late.need_hours.round_half_even()
        ),
        (Some(2_880), Some(100_000))
    );
    // `flop`: 3.5622e21 FLOP / (1,979e12 x 0.5 x 3,600) = 1,000 H100e-hours exactly, 20 + 20 +
    // 1.67 H100e over 2026-03-01 to 03-03.
    let flop = by_id("flop");
    assert_eq!(flop.need_hours, Num::int(1000));
    assert_eq!(
        flop.finish.map(|d| d.to_string()),
        Some("2026-03-04".into())
    );
}

#[test]
fn every_row_adds_up_and_blanks_what_does_not_belong_to_its_group() {
    let cat = load("tests/fixtures/schedule");
    let tl = quarters(&cat, "2026-04-01");
    let s = run(&cat, &tl);
    let ctx = Context {
        catalog: &cat,
        timeline: &tl,
        filter: &Filter::default(),
        target: None,
        scenarios: Vec::new(),
    };
    let total = doc::periods(&ctx, &s, ScheduleGroup::Total).expect("a document");
    let row = total.rows.last().expect("2026Q1");
    assert_eq!(
        &row[4..],
        &[
            Cell::Count(432_000),
            Cell::Count(397_480),
            Cell::Count(34_520),
            Cell::Count(108_000),
            Cell::Decimal("92.01".parse().unwrap()),
            Cell::Decimal("34520.00".parse().unwrap()),
        ]
    );
    // By workload, supply, idle, utilization and idle dollars are blank; a run has no level
    // shortfall.
    let by_w = doc::periods(&ctx, &s, ScheduleGroup::Workload).expect("a document");
    let train = by_w
        .rows
        .iter()
        .find(|r| r[0] == Cell::Text("2026Q1".into()) && r[3] == Cell::Text("train".into()))
        .expect("train's row");
    assert_eq!(
        &train[4..],
        &[
            Cell::Null,
            Cell::Count(4_800),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null
        ]
    );
    // By hardware the shortfall is blank: a level may span pools.
    let by_h = doc::periods(&ctx, &s, ScheduleGroup::Hardware).expect("a document");
    assert!(by_h.rows.iter().all(|r| r[7] == Cell::Null));
}

#[test]
fn a_linear_level_is_interpolated_by_day_between_its_points() {
    let mut cat = load("tests/fixtures/schedule");
    let mut report = Report::default();
    // From 0 on 2026-01-01 to 100 on 2026-01-11 on g2 alone: 10 d a day for ten days (450
    // H100e-days), then 100 a day for the other 80 days of the quarter: 8,450 x 24 = 202,800.
    let text = r#"
[[workload]]
id = "ramp"
hardware = ["g2"]
level = [{ from = 2026-01-01, h100e = 0 }, { from = 2026-01-11, h100e = 100 }]
"#;
    let workloads =
        catalog::demand::read_demand("ramp.toml", text.as_bytes().to_vec(), &mut report);
    assert!(!report.has_errors());
    cat.workloads = workloads;
    let tl = quarters(&cat, "2026-04-01");
    let s = run(&cat, &tl);
    let q = &s.periods[q1(&tl)];
    assert_eq!(hours(q.served[0]), 202_800);
    assert_eq!(hours(q.shortfall[0]), 0);
}

#[test]
fn no_demand_schedules_nothing_and_leaves_all_supply_idle() {
    let mut cat = load("tests/fixtures/schedule");
    cat.workloads.clear();
    let tl = quarters(&cat, "2026-04-01");
    let s = run(&cat, &tl);
    let q = &s.periods[q1(&tl)];
    assert!(q.served_by_pool.iter().all(|n| n.is_zero()));
    assert_eq!(hours(q.supply[0]) + hours(q.supply[1]), 432_000);
    assert!(s.runs.is_empty());
}

#[test]
fn the_example_demand_never_serves_more_than_supply_nor_a_run_more_than_it_needs() {
    let mut cat = load("contracts");
    let mut report = Report::default();
    let bytes = std::fs::read("examples/demand/demand.toml").expect("the example");
    cat.workloads = catalog::demand::read_demand("demand.toml", bytes, &mut report);
    assert!(!report.has_errors());
    let grid = Grid::new(By::Quarter, 1);
    let tl = Timeline::new(
        &cat,
        grid,
        cat.portfolio.horizon_start,
        cat.portfolio.horizon_end,
    );
    let s = run(&cat, &tl);
    for sums in &s.periods {
        for (served, supply) in sums.served_by_pool.iter().zip(&sums.supply) {
            assert!(!served.compare(*supply).is_gt());
        }
    }
    for r in &s.runs {
        assert!(!r.served_hours.compare(r.need_hours).is_gt(), "{}", r.id);
    }
    // Served by pool and served by workload are the same H100e, counted two ways.
    for sums in &s.periods {
        let a = sums
            .served_by_pool
            .iter()
            .fold(Num::ZERO, |a, b| a.checked_add(*b).unwrap());
        let b = sums
            .served
            .iter()
            .fold(Num::ZERO, |a, b| a.checked_add(*b).unwrap());
        assert_eq!(hours(a), hours(b));
    }
}

fn with_scenario(dir: &str, scenario_file: &str) -> (Catalog, Report) {
    let cat = load(dir);
    let mut report = Report::default();
    let bytes = std::fs::read(scenario_file).expect("the scenario");
    let s = capplan::scenario::read_scenario(scenario_file, bytes, &mut report)
        .expect("a readable scenario");
    let applied = capplan::scenario::apply_all(
        &cat,
        &[s],
        capplan::catalog::validate::Checks::All,
        &mut report,
    )
    .expect("a valid result");
    (applied, report)
}

#[test]
fn scenarios_scale_delay_remove_and_add_workloads() {
    let (cat, report) = with_scenario(
        "tests/fixtures/schedule",
        "tests/fixtures/demand/double-batch.toml",
    );
    assert!(!report.has_errors());
    let tl = quarters(&cat, "2026-04-01");
    let s = run(&cat, &tl);
    assert_eq!(s.workloads, ["batch", "extra", "late", "serve", "train"]);
    let q = &s.periods[q1(&tl)];
    let w = |id: &str| s.workloads.iter().position(|x| x == id).expect(id);
    // `batch` needs 160 a day; g1 has 100 (g2 goes to `serve` first): short 60 a day.
    assert_eq!(hours(q.served[w("batch")]), 216_000);
    assert_eq!(hours(q.shortfall[w("batch")]), 60 * 90 * 24);
    // Nothing is left for the runs or for `extra`.
    assert_eq!(hours(q.served[w("extra")]), 0);
    let late = s.runs.iter().find(|r| r.id == "late").expect("late");
    assert!(late.missed && late.start.is_none());
}

#[test]
fn demand_changes_on_contract_selectors_and_the_reverse_are_refused_where_written() {
    let cat = load("tests/fixtures/schedule");
    let mut report = Report::default();
    let name = "tests/fixtures/demand/misplaced.toml";
    let s = capplan::scenario::read_scenario(name, std::fs::read(name).unwrap(), &mut report)
        .expect("a readable scenario");
    let applied = capplan::scenario::apply_all(
        &cat,
        &[s],
        capplan::catalog::validate::Checks::All,
        &mut report,
    );
    assert!(applied.is_none());
    let messages: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code.name(), d.message))
        .collect();
    assert_eq!(
        messages,
        [
            "unmatched-selector: `remove_workloads` names workload `nightly`, which is not in the demand",
            "invalid-value: `scale_units` changes contracts, but `workload:batch` selects workloads",
            "invalid-value: `scale_demand` changes workloads, but `deal` selects contracts",
        ]
    );
}

#[test]
fn the_schedule_chart_stacks_served_by_workload_shades_the_shortfall_and_draws_the_supply() {
    use capplan::report::chart::{self, Layer};
    let cat = load("tests/fixtures/schedule");
    let tl = quarters(&cat, "2026-07-01");
    let s = run(&cat, &tl);
    let ctx = Context {
        catalog: &cat,
        timeline: &tl,
        filter: &Filter::default(),
        target: None,
        scenarios: Vec::new(),
    };
    let by_w = doc::periods(&ctx, &s, ScheduleGroup::Workload).expect("a document");
    let total = doc::periods(&ctx, &s, ScheduleGroup::Total).expect("a document");
    let c = chart::schedule(&by_w, &total).expect("a chart");
    assert_eq!(c.labels, ["2026Q1", "2026Q2"]);
    let Layer::Stack(served) = &c.layers[0] else {
        panic!("a stack first")
    };
    let names: Vec<&str> = served.iter().map(|s| s.name.as_str()).collect();
    // `flop` and `late` are served in 2026Q1 only, `train` too: every workload with any service.
    assert_eq!(names, ["batch", "flop", "late", "serve", "train"]);
    let Layer::Band { name, low, high } = &c.layers[1] else {
        panic!("the shortfall band second")
    };
    assert_eq!(name, "level shortfall");
    // Whole numbers of H100e-hours, drawn as floats: exact.
    assert_eq!(
        (low[0].to_bits(), high[0].to_bits()),
        (397_480f64.to_bits(), 505_480f64.to_bits())
    );
    let Layer::Line(supply) = &c.layers[2] else {
        panic!("the supply line last")
    };
    assert_eq!(supply.values[0].to_bits(), 432_000f64.to_bits());
    // Drawn: an SVG with the title and each series' name.
    let svg = chart::svg(&c).expect("drawn");
    for text in [
        "Demand served against supply",
        "level shortfall",
        "supply",
        "serve",
    ] {
        assert!(svg.contains(text), "{text}");
    }
}

#[test]
fn the_html_page_shows_the_schedule_when_there_is_demand_and_not_otherwise() {
    let dir = tempfile::tempdir().expect("a folder");
    let page = |catalog: &str, name: &str| {
        let out = dir.path().join(name);
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(["--catalog", catalog, "report", "-o"])
            .arg(&out)
            .status()
            .expect("capplan runs");
        assert!(status.success());
        std::fs::read_to_string(out).expect("the page")
    };
    let with = page("tests/fixtures/schedule", "with.html");
    assert!(with.contains("<section id=\"schedule\">"));
    assert!(with.contains("Demand served against supply"));
    assert!(with.contains("<dt>demand</dt>"));
    let without = page("tests/fixtures/engine/compute", "without.html");
    assert!(!without.contains("<section id=\"schedule\">"));
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    /// A demand file of random levels and runs on the schedule fixture's pools.
    fn demand_text(
        levels: &[(u32, u32, bool, u8)],
        runs: &[(u32, u32, u32, Option<u32>)],
    ) -> String {
        let mut out = String::new();
        for (i, (a, b, step, pools)) in levels.iter().enumerate() {
            let hw = match pools % 3 {
                0 => "",
                1 => "hardware = [\"g1\"]\n",
                _ => "hardware = [\"g2\", \"g1\"]\n",
            };
            out.push_str(&format!(
                "[[workload]]\nid = \"l{i}\"\npriority = {}\n{hw}shape = \"{}\"\nlevel = [{{ from = 2026-01-{:02}, h100e = {a} }}, {{ from = 2026-03-{:02}, h100e = {b} }}]\n\n",
                i % 3,
                if *step { "step" } else { "linear" },
                1 + i % 27,
                1 + i % 27,
            ));
        }
        for (i, (hours, from, len, cap)) in runs.iter().enumerate() {
            let cap = cap.map_or(String::new(), |c| format!(", max_h100e = {c}"));
            out.push_str(&format!(
                "[[workload]]\nid = \"r{i}\"\npriority = {}\nrun = {{ h100e_hours = {hours}, earliest = 2026-{:02}-01, deadline = 2026-{:02}-01{cap} }}\n\n",
                i % 3,
                1 + from % 6,
                2 + from % 6 + len % 5,
            ));
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn served_never_exceeds_supply_or_need_and_every_row_adds_up(
            levels in proptest::collection::vec((0u32..400, 0u32..400, any::<bool>(), 0u8..3), 0..4),
            runs in proptest::collection::vec((1u32..300_000, 0u32..6, 0u32..5, proptest::option::of(1u32..150)), 0..3),
        ) {
            let mut cat = load("tests/fixtures/schedule");
            let mut report = Report::default();
            let text = demand_text(&levels, &runs);
            cat.workloads = catalog::demand::read_demand("random.toml", text.into_bytes(), &mut report);
            prop_assert!(!report.has_errors(), "{:?}", report.diagnostics);
            let tl = quarters(&cat, "2027-01-01");
            let s = run(&cat, &tl);
            let ctx = Context {
                catalog: &cat,
                timeline: &tl,
                filter: &Filter::default(),
                target: None,
                scenarios: Vec::new(),
            };
            for sums in &s.periods {
                // No pool gives more than it has; what pools give is what workloads get.
                for (served, supply) in sums.served_by_pool.iter().zip(&sums.supply) {
                    prop_assert!(!served.compare(*supply).is_gt());
                }
                let total = |v: &[Num]| v.iter().fold(Num::ZERO, |a, b| a.checked_add(*b).unwrap());
                prop_assert_eq!(total(&sums.served_by_pool).compare(total(&sums.served)), std::cmp::Ordering::Equal);
            }
            // No run is served more than it needs, and a run that finished is not missed.
            for r in &s.runs {
                prop_assert!(!r.served_hours.compare(r.need_hours).is_gt());
                prop_assert_eq!(r.missed, r.finish.is_none());
            }
            // Every row adds up: served + idle = supply, for every period and group.
            for by in [ScheduleGroup::Total, ScheduleGroup::Hardware] {
                let d = doc::periods(&ctx, &s, by).expect("a document");
                for row in &d.rows {
                    if let (Cell::Count(supply), Cell::Count(served), Cell::Count(idle)) = (&row[4], &row[5], &row[6]) {
                        prop_assert_eq!(served + idle, *supply);
                        prop_assert!(*idle >= 0);
                    } else {
                        prop_assert!(false, "a row without figures: {:?}", row);
                    }
                }
            }
        }
    }
}

#[test]
fn an_empty_demand_changes_no_figure_of_the_other_reports() {
    let run_json = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(args)
            .output()
            .expect("capplan runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    for command in [
        &["plan"][..],
        &["capacity", "--group-by", "provider"],
        &["spend"],
        &["contracts"],
    ] {
        let mut plain = vec!["--format", "json"];
        plain.extend_from_slice(command);
        let mut with = vec![
            "--demand",
            "tests/fixtures/demand/empty.toml",
            "--format",
            "json",
        ];
        with.extend_from_slice(command);
        assert_eq!(run_json(&plain), run_json(&with), "{command:?}");
    }
}
