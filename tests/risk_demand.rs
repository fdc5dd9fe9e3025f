//! `risk` with demand (docs/demand.md, "Risk"): the schedule re-run in each sample agrees with
//! `capplan schedule` wherever the samples cannot move anything, on random catalogs with every
//! ramp shape, eligibility, level shape and run; the shipped catalog with the example demand
//! gives the same answers through the command line; and the output does not depend on the
//! thread count.

use std::path::Path;
use std::process::Command;

use capplan::catalog::{self, Catalog, CatalogFiles};
use capplan::diagnostic::Report;
use capplan::engine::num::Num;
use capplan::engine::risk::RiskModel;
use capplan::engine::schedule;
use capplan::engine::{By, Filter, Grid, Timeline};
use capplan::scenario::parse::read_scenario;
use proptest::prelude::*;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

fn load(dir: &Path) -> Catalog {
    let files = CatalogFiles::read_dir(dir).expect("the catalog");
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

#[derive(Clone, Debug)]
struct Tranche {
    hardware: usize,
    units: u32,
    from: i64,
    ramp_days: i64,
    ramp: &'static str,
}

#[derive(Clone, Debug)]
enum Need {
    Level {
        points: Vec<(i64, u32)>,
        linear: bool,
    },
    Run {
        hours: u32,
        earliest: i64,
        days: i64,
        cap: Option<u32>,
    },
}

#[derive(Clone, Debug)]
struct Work {
    priority: u8,
    hardware: Option<Vec<usize>>,
    need: Need,
}

const HARDWARE: [(&str, &str); 3] = [("g1", "1979"), ("g2", "3958"), ("g3", "2500.5")];

fn day(offset: i64) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date")
        + chrono::Duration::days(offset);
    d.to_string()
}

fn tranche() -> impl Strategy<Value = Tranche> {
    (
        0usize..3,
        1u32..400,
        -30i64..250,
        0i64..150,
        prop::sample::select(vec!["linear", "s-curve", "step"]),
    )
        .prop_map(|(hardware, units, from, ramp_days, ramp)| Tranche {
            hardware,
            units,
            from,
            ramp_days,
            ramp,
        })
}

fn work() -> impl Strategy<Value = Work> {
    let level = (
        prop::collection::vec((1i64..120, 0u32..900), 1..4),
        any::<bool>(),
        0i64..200,
    )
        .prop_map(|(steps, linear, first)| {
            let mut at = first;
            let points = steps
                .into_iter()
                .map(|(gap, h)| {
                    let p = (at, h);
                    at += gap;
                    p
                })
                .collect();
            Need::Level { points, linear }
        });
    let run = (
        1u32..300_000,
        0i64..300,
        1i64..120,
        prop::option::of(1u32..400),
    )
        .prop_map(|(hours, earliest, days, cap)| Need::Run {
            hours,
            earliest,
            days,
            cap,
        });
    (
        0u8..3,
        prop::option::of(prop::collection::btree_set(0usize..3, 1..3)),
        prop_oneof![level, run],
    )
        .prop_map(|(priority, hardware, need)| Work {
            priority,
            hardware: hardware.map(|s| s.into_iter().collect()),
            need,
        })
}

fn write_catalog(dir: &Path, tranches: &[Tranche], works: &[Work]) {
    let mut portfolio = String::from(
        "[portfolio]\nname = \"Random\"\nhorizon = { start = 2026-01-01, end = 2027-01-01 }\npue = 1\n",
    );
    for (id, fp8) in HARDWARE {
        portfolio.push_str(&format!(
            "\n[[hardware]]\nid = \"{id}\"\nkind = \"gpu\"\nwatts_per_unit = 1000\nrate_usd_per_hour = \"2.00\"\ntflops = {{ fp8 = {fp8} }}\n"
        ));
    }
    std::fs::write(dir.join("portfolio.toml"), portfolio).expect("write");
    let mut deal = String::from(
        "id = \"deal\"\nprovider = \"Acme\"\ntitle = \"Random\"\nstart = 2025-11-01\nend = 2027-01-01\nvalue_usd = \"5M\"\n",
    );
    for (i, t) in tranches.iter().enumerate() {
        deal.push_str(&format!(
            "\n[[tranche]]\nid = \"t{i}\"\nhardware = \"{}\"\nunits = {}\nonline_from = {}\nonline_by = {}\nramp = \"{}\"\n",
            HARDWARE[t.hardware].0,
            t.units,
            day(t.from),
            day(t.from + t.ramp_days),
            t.ramp
        ));
    }
    std::fs::write(dir.join("deal.toml"), deal).expect("write");
    let mut demand = String::new();
    for (i, w) in works.iter().enumerate() {
        demand.push_str(&format!(
            "\n[[workload]]\nid = \"w{i}\"\npriority = {}\n",
            w.priority
        ));
        if let Some(hw) = &w.hardware {
            let ids: Vec<String> = hw
                .iter()
                .map(|h| format!("\"{}\"", HARDWARE[*h].0))
                .collect();
            demand.push_str(&format!("hardware = [{}]\n", ids.join(", ")));
        }
        match &w.need {
            Need::Level { points, linear } => {
                let pts: Vec<String> = points
                    .iter()
                    .map(|(at, h)| format!("{{ from = {}, h100e = {h} }}", day(*at)))
                    .collect();
                demand.push_str(&format!(
                    "shape = \"{}\"\nlevel = [{}]\n",
                    if *linear { "linear" } else { "step" },
                    pts.join(", ")
                ));
            }
            Need::Run {
                hours,
                earliest,
                days,
                cap,
            } => {
                let cap = cap.map_or(String::new(), |c| format!(", max_h100e = {c}"));
                demand.push_str(&format!(
                    "run = {{ h100e_hours = {hours}, earliest = {}, deadline = {}{cap} }}\n",
                    day(*earliest),
                    day(earliest + days)
                ));
            }
        }
    }
    std::fs::write(dir.join("demand.toml"), demand).expect("write");
}

/// What the exact schedule says, by the rules `risk` counts by: whether every run ends at
/// most half an H100e-hour short, and per period whether the level shortfall is more than half
/// an H100e-hour.
fn expected(catalog: &Catalog, tl: &Timeline) -> (bool, Vec<bool>) {
    let s = schedule::schedule(catalog, tl, &Filter::default()).expect("no overflow");
    let half = Num::from_decimal("0.5".parse().expect("a decimal"));
    let on_time = s.runs.iter().all(|r| {
        r.need_hours
            .checked_sub(r.served_hours)
            .expect("fits")
            .compare(half)
            .is_le()
    });
    let short = s.periods[tl.window.clone()]
        .iter()
        .map(|p| {
            let mut sum = Num::ZERO;
            for x in &p.shortfall {
                sum = sum.checked_add(*x).expect("fits");
            }
            sum.checked_mul(Num::int(24))
                .expect("fits")
                .compare(half)
                .is_gt()
        })
        .collect();
    (on_time, short)
}

/// What `risk` counts over `samples` samples of a scenario whose slips are all zero days.
fn sampled(catalog: &Catalog, tl: &Timeline, slip: &str, samples: u64) -> (u64, Vec<u64>) {
    let text =
        format!("[scenario]\nname = \"zero\"\n\n[[risk]]\nselect = \"*\"\nslip = \"{slip}\"\n");
    let mut report = Report::default();
    let scenario = read_scenario("zero.toml", text.into_bytes(), &mut report).expect("a scenario");
    let model =
        RiskModel::new(catalog, tl, &Filter::default(), &scenario.risks, None).expect("a model");
    let q = ["50".parse().expect("a quantile")];
    let out = model.simulate(samples, 7, &q, &|_| {});
    let d = out.demand.expect("demand counted");
    (d.counts.on_time, d.counts.short)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn samples_that_move_nothing_agree_with_the_exact_schedule(
        tranches in prop::collection::vec(tranche(), 1..5),
        works in prop::collection::vec(work(), 1..5),
    ) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        write_catalog(dir.path(), &tranches, &works);
        let catalog = load(dir.path());
        let tl = Timeline::new(
            &catalog,
            Grid::new(By::Quarter, 1),
            catalog.portfolio.horizon_start,
            catalog.portfolio.horizon_end,
        );
        let (on_time, short) = expected(&catalog, &tl);
        let samples = 3;
        let want = (
            if on_time { samples } else { 0 },
            short.iter().map(|s| if *s { samples } else { 0 }).collect::<Vec<u64>>(),
        );
        // A slip of no width leaves every tranche where it is, once and for all; one of zero
        // to one day is drawn in every sample and always comes out at zero days.
        for slip in ["fixed(0d)", "uniform(0d, 1d)"] {
            prop_assert_eq!(&sampled(&catalog, &tl, slip, samples), &want, "{}", slip);
        }
        // A slip applied once and for all and one drawn in every sample move tranches alike.
        prop_assert_eq!(
            sampled(&catalog, &tl, "fixed(40d)", samples),
            sampled(&catalog, &tl, "uniform(40d, 41d)", samples)
        );
    }
}

fn run_json(args: &[&str], threads: &str) -> Value {
    let out = Command::new(BIN)
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(args)
        .env_remove("CAPPLAN_CATALOG")
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("capplan runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn on_the_shipped_catalog_risk_without_slips_says_what_the_schedule_says() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let zero = dir.path().join("zero.toml");
    std::fs::write(
        &zero,
        "[scenario]\nname = \"zero\"\n\n[[risk]]\nselect = \"*\"\nslip = \"uniform(0d, 1d)\"\n",
    )
    .expect("write");
    let zero = zero.to_str().expect("UTF-8");
    let demand = ["--demand", "examples/demand/demand.toml"];
    let mut args = demand.to_vec();
    args.extend(["--format", "json", "schedule"]);
    let schedule = run_json(&args, "2");
    let mut args = demand.to_vec();
    args.extend([
        "--scenario",
        zero,
        "--format",
        "json",
        "risk",
        "--samples",
        "5",
    ]);
    let risk = run_json(&args, "2");
    let (s_rows, r_rows) = (
        schedule["rows"].as_array().expect("rows"),
        risk["rows"].as_array().expect("rows"),
    );
    assert_eq!(s_rows.len(), r_rows.len());
    let mut short = 0;
    for (s, r) in s_rows.iter().zip(r_rows) {
        assert_eq!(s["period"], r["period"]);
        let hours: i128 = s["shortfall_h100e_hours"]
            .as_str()
            .map_or_else(|| s["shortfall_h100e_hours"].to_string(), str::to_owned)
            .parse()
            .expect("a number");
        let want = if hours > 0 { "1.0000" } else { "0.0000" };
        short += usize::from(hours > 0);
        assert_eq!(r["shortfall_probability"], want, "{}", s["period"]);
    }
    assert!(short > 0, "the example demand falls short somewhere");
    assert_eq!(risk["summary"]["runs_on_time"]["runs"], 3);
    assert_eq!(risk["summary"]["runs_on_time"]["probability"], "1.0000");
}

#[test]
fn risk_with_demand_gives_the_same_bytes_on_one_and_two_threads() {
    let args = [
        "--demand",
        "examples/demand/demand.toml",
        "--scenario",
        "examples/scenarios/delivery-risk.toml",
        "--format",
        "json",
        "risk",
        "--samples",
        "3000",
        "--seed",
        "11",
    ];
    let (one, two) = (run_json(&args, "1"), run_json(&args, "2"));
    assert_eq!(one, two);
    let p = one["summary"]["runs_on_time"]["probability"]
        .as_str()
        .expect("a probability");
    // Slips make runs late in some samples and not in others.
    assert!(p != "0.0000" && p != "1.0000", "{p}");
}
