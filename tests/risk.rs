//! `capplan risk` as users run it: determinism across thread counts, agreement with the
//! deterministic engine where nothing is random, the distributions themselves, and the errors.
//!
//! Scenarios live in `tests/fixtures/risk/`: `delivery.toml` (slips and cancellations per
//! provider on the shipped catalog), `zero-width.toml` (slips of no width: every sample is the
//! plan), `cancel-all.toml`, `fixed-slip.toml`, and scenarios for the errors. `ties/` is a
//! catalog whose power lands on half a kilowatt only when ramp fractions are summed exactly.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");
const FIXTURES: &str = "tests/fixtures/risk";

fn capplan(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.env("CAPPLAN_CACHE_DIR", "off");
    cmd.args(args).env_remove("CAPPLAN_CATALOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("capplan runs")
}

fn scenario(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Runs a command that must succeed and returns its stdout as JSON.
fn json(args: &[&str]) -> Value {
    let out = capplan(args, &[]);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().expect("rows")
}

#[test]
fn the_same_seed_gives_the_same_bytes_on_one_and_two_threads() {
    let delivery = scenario("delivery.toml");
    for format in ["json", "csv", "table"] {
        let args = [
            "--catalog",
            "contracts",
            "--scenario",
            &delivery,
            "--format",
            format,
            "risk",
            "--samples",
            "5000",
            "--seed",
            "42",
        ];
        let one = capplan(&args, &[("RAYON_NUM_THREADS", "1")]);
        let two = capplan(&args, &[("RAYON_NUM_THREADS", "2")]);
        assert!(one.status.success() && two.status.success());
        assert!(!one.stdout.is_empty());
        assert_eq!(one.stdout, two.stdout, "{format}");
        assert!(
            one.stderr.is_empty(),
            "no progress bar when stderr is not a terminal"
        );
    }
    // Another seed draws other samples.
    let base = [
        "--catalog",
        "contracts",
        "--scenario",
        &delivery,
        "--format",
        "csv",
        "risk",
        "--samples",
        "2000",
    ];
    let a = capplan(&[&base[..], &["--seed", "1"]].concat(), &[]);
    let b = capplan(&[&base[..], &["--seed", "2"]].concat(), &[]);
    assert_ne!(a.stdout, b.stdout);
    // The default seed is 1.
    let default = capplan(&base, &[]);
    assert_eq!(a.stdout, default.stdout);
}

/// With slips of no width and no cancellation, every quantile of every period is the plan's
/// GPUs and power, and the target's power is reached when `plan` says.
fn assert_samples_are_the_plan(catalog: &str, by: &str) {
    assert_samples_are_the_plan_in(catalog, by, &[]);
}

/// [`assert_samples_are_the_plan`] on the window that `window` (`--from`, `--to`) gives.
fn assert_samples_are_the_plan_in(catalog: &str, by: &str, window: &[&str]) {
    let zero = scenario("zero-width.toml");
    let mut args = vec![
        "--catalog",
        catalog,
        "--scenario",
        &zero,
        "--format",
        "json",
        "risk",
        "--by",
        by,
        "--samples",
        "1500",
        "--quantiles",
        "0,10,50,90,100",
    ];
    args.extend(window);
    let risk = json(&args);
    let mut args = vec!["--catalog", catalog, "--format", "json", "plan", "--by", by];
    args.extend(window);
    let plan = json(&args);
    let (r, p) = (rows(&risk), rows(&plan));
    assert_eq!(r.len(), p.len(), "{catalog} by {by}");
    for (a, b) in r.iter().zip(p) {
        assert_eq!(a["period"], b["period"]);
        assert_eq!(a["group"], "total");
        for q in ["p0", "p10", "p50", "p90", "p100"] {
            let at = format!("{catalog} {} {q}", a["period"]);
            assert_eq!(a[format!("{q}_gpus")], b["gpus"], "{at}");
            assert_eq!(a[format!("{q}_power_mw")], b["power_mw"], "{at}");
        }
    }
    let met = &plan["summary"]["target_met"]["power_met_in"];
    let reached = &risk["summary"]["power_reached"];
    if plan["summary"]["target"]["power_gw"].is_null() {
        assert!(reached.is_null());
    } else {
        for q in ["p0", "p50", "p100"] {
            let expected = if met.is_null() {
                "never"
            } else {
                met.as_str().unwrap()
            };
            assert_eq!(reached[q], expected, "{catalog} by {by}");
        }
    }
}

#[test]
fn zero_width_slips_reproduce_the_plan_in_every_quantile() {
    for by in ["quarter", "month", "year"] {
        assert_samples_are_the_plan("contracts", by);
    }
    // Windows after the target's power is reached (in 2029), and before it.
    assert_samples_are_the_plan_in("contracts", "quarter", &["--from", "2031-01"]);
    assert_samples_are_the_plan_in(
        "contracts",
        "month",
        &["--from", "2030-06", "--to", "2031-12"],
    );
    assert_samples_are_the_plan_in("contracts", "quarter", &["--to", "2027-12"]);
    for catalog in [
        "tests/fixtures/engine/calendar",
        "tests/fixtures/engine/fiscal",
        "tests/fixtures/engine/rounding",
        // Sums past 64 bits.
        "tests/fixtures/risk/huge",
    ] {
        assert_samples_are_the_plan(catalog, "month");
    }
}

#[test]
fn ramp_fractions_that_sum_to_a_tie_are_summed_exactly() {
    let ties = format!("{FIXTURES}/ties");
    assert_samples_are_the_plan(&ties, "month");
    let zero = scenario("zero-width.toml");
    let risk = json(&[
        "--catalog",
        &ties,
        "--scenario",
        &zero,
        "--format",
        "json",
        "risk",
        "--by",
        "month",
        "--samples",
        "10",
    ]);
    // 1,499 W + 0.5 W + 0.5 W = 1.5 kW, half to even: 2 kW.
    assert_eq!(rows(&risk)[0]["p50_power_mw"], "0.002");
    assert_eq!(rows(&risk)[0]["target_power_probability"], "1.0000");
}

#[test]
fn cancelling_every_tranche_leaves_nothing() {
    let cancel = scenario("cancel-all.toml");
    let risk = json(&[
        "--catalog",
        "contracts",
        "--scenario",
        &cancel,
        "--format",
        "json",
        "risk",
        "--samples",
        "3000",
    ]);
    assert_eq!(rows(&risk).len(), 44);
    for row in rows(&risk) {
        for q in ["p10", "p50", "p90"] {
            assert_eq!(row[format!("{q}_gpus")], 0);
            assert_eq!(row[format!("{q}_power_mw")], "0.000");
        }
        assert_eq!(row["target_power_probability"], "0.0000");
    }
    let reached = &risk["summary"]["power_reached"];
    for q in ["p10", "p50", "p90"] {
        assert_eq!(reached[q], "never");
    }
    // Cancelled in every sample: every tranche is at risk.
    let at_risk = &risk["summary"]["at_risk"];
    assert_eq!(at_risk["sampled"], at_risk["tranches"]);
    assert!(at_risk["tranches"].as_u64().unwrap() > 30);
}

#[test]
fn a_fixed_slip_is_a_delay_of_the_same_days() {
    let fixed = scenario("fixed-slip.toml");
    let risk = json(&[
        "--catalog",
        "contracts",
        "--scenario",
        &fixed,
        "--format",
        "json",
        "risk",
        "--by",
        "month",
        "--samples",
        "5",
    ]);
    let capacity = json(&[
        "--catalog",
        "contracts",
        "--format",
        "json",
        "capacity",
        "--by",
        "month",
        "--delay",
        "provider:AWS=30d",
        "--delay",
        "provider:Oracle=2w",
    ]);
    let (r, c) = (rows(&risk), rows(&capacity));
    assert_eq!(r.len(), c.len());
    for (a, b) in r.iter().zip(c) {
        assert_eq!(a["period"], b["period"]);
        for q in ["p10", "p50", "p90"] {
            assert_eq!(a[format!("{q}_gpus")], b["gpus"], "{}", a["period"]);
            assert_eq!(a[format!("{q}_power_mw")], b["power_mw"], "{}", a["period"]);
        }
    }
}

/// Writes a scenario into a temporary folder.
fn temp_scenario(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("[scenario]\nname = \"{name}\"\n\n{body}")).unwrap();
    path.display().to_string()
}

/// The chance of reaching the `ties` target (2 kW) by the end of January, February and March,
/// when the 1,499-unit tranche that it needs, due on 2026-01-01, is sampled with `risk`.
fn chances(risk: &str) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_scenario(dir.path(), "one.toml", risk);
    let out = json(&[
        "--catalog",
        &format!("{FIXTURES}/ties"),
        "--scenario",
        &file,
        "--format",
        "json",
        "risk",
        "--by",
        "month",
        "--to",
        "2026-03",
        "--samples",
        "20000",
    ]);
    rows(&out)
        .iter()
        .map(|r| {
            r["target_power_probability"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

fn close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        // 20,000 samples: a standard error of at most 0.0036.
        assert!((g - w).abs() < 0.015, "got {got:?}, want {want:?}");
    }
}

#[test]
fn sampled_slips_and_cancellations_follow_their_distributions() {
    let select = "[[risk]]\nselect = \"tranche:ties/whole\"\n";
    // Whole days 0 to 59: on time for January when the slip is at most 30 days.
    close(
        &chances(&format!("{select}slip = \"uniform(0d, 60d)\"\n")),
        &[31.0 / 60.0, 59.0 / 60.0, 1.0],
    );
    // Triangular on [0, 60) days with mode 10: P(X < 31) = 1 - 29^2 / (60 x 50).
    close(
        &chances(&format!("{select}slip = \"triangular(0d, 10d, 60d)\"\n")),
        &[1.0 - 841.0 / 3000.0, 1.0 - 1.0 / 3000.0, 1.0],
    );
    close(
        &chances(&format!("{select}cancel = 0.3\n")),
        &[0.7, 0.7, 0.7],
    );
    // Two entries on one tranche: their slips add up and either cancels it. Delivered with
    // chance 0.5 x 0.8; the sum of two whole-day slips of 0 to 29 is at most 30 in 494 of 900
    // pairs.
    close(
        &chances(&format!(
            "{select}slip = \"uniform(0d, 30d)\"\ncancel = 0.5\n\n{select}slip = \"uniform(0d, 30d)\"\ncancel = 0.2\n"
        )),
        &[0.4 * 494.0 / 900.0, 0.4, 0.4],
    );
}

#[test]
fn quantiles_are_ordered_and_the_chance_of_the_target_only_grows() {
    let delivery = scenario("delivery.toml");
    let risk = json(&[
        "--catalog",
        "contracts",
        "--scenario",
        &delivery,
        "--format",
        "json",
        "risk",
        "--samples",
        "4000",
        "--quantiles",
        "5,50,95",
    ]);
    let mut last = 0.0;
    for row in rows(&risk) {
        let g: Vec<i64> = ["p5", "p50", "p95"]
            .iter()
            .map(|q| row[format!("{q}_gpus")].as_i64().unwrap())
            .collect();
        assert!(g[0] <= g[1] && g[1] <= g[2], "{row}");
        let mw: Vec<f64> = ["p5", "p50", "p95"]
            .iter()
            .map(|q| {
                row[format!("{q}_power_mw")]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(mw[0] <= mw[1] && mw[1] <= mw[2], "{row}");
        let p: f64 = row["target_power_probability"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(p >= last, "{row}");
        last = p;
    }
    assert_eq!(risk["summary"]["samples"], 4000);
    assert_eq!(risk["summary"]["seed"], 1);
    assert_eq!(risk["report"], "risk");
    assert_eq!(risk["scenarios"][0], "delivery");
}

#[test]
fn a_target_without_power_has_no_probability() {
    let delivery = scenario("delivery.toml");
    let risk = json(&[
        "--catalog",
        "contracts",
        "--scenario",
        &delivery,
        "--format",
        "json",
        "risk",
        "--by",
        "year",
        "--samples",
        "100",
        "--target",
        "investors-2026",
    ]);
    for row in rows(&risk) {
        assert!(row["target_power_probability"].is_null());
    }
    assert!(risk["summary"]["power_reached"].is_null());
}

#[test]
fn bad_usage_exits_2_and_bad_scenarios_exit_1() {
    let delivery = scenario("delivery.toml");
    let cases: &[(&[&str], i32, &str)] = &[
        (&["risk"], 2, "give one with `--scenario FILE`"),
        (
            &["--scenario", &scenario("no-risk.toml"), "risk"],
            2,
            "no `[[risk]]` entry",
        ),
        (
            &["--scenario", &delivery, "risk", "--samples", "0"],
            2,
            "at least one sample",
        ),
        (
            &["--scenario", &delivery, "risk", "--samples", "10000001"],
            2,
            "at most 10,000,000 samples",
        ),
        (
            &["--scenario", &delivery, "risk", "--samples", "many"],
            2,
            "not a whole number",
        ),
        (
            &["--scenario", &delivery, "risk", "--quantiles", "10,101"],
            2,
            "`101` is not a percentile",
        ),
        (
            &["--scenario", &delivery, "risk", "--quantiles=-5"],
            2,
            "not a percentile",
        ),
        (
            &["--scenario", &delivery, "risk", "--quantiles", "50,50"],
            2,
            "`50` is given twice",
        ),
        (
            &["--scenario", &scenario("unmatched.toml"), "risk"],
            1,
            "error[unmatched-selector]",
        ),
        (
            &[
                "--scenario",
                "tests/fixtures/codes/invalid-distribution/scenario.toml",
                "risk",
            ],
            1,
            "error[invalid-distribution]",
        ),
        (
            &["--scenario", &delivery, "risk", "--from", "2040"],
            2,
            "the window is empty",
        ),
    ];
    for (args, code, text) in cases {
        let out = capplan(&[&["--catalog", "contracts"][..], args].concat(), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {stderr}");
        assert!(stderr.contains(text), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// `summary.at_risk` of a `risk` run on the `ties` catalog (three tranches) under `body`.
fn at_risk(body: &str) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_scenario(dir.path(), "at-risk.toml", body);
    let out = json(&[
        "--catalog",
        &format!("{FIXTURES}/ties"),
        "--scenario",
        &file,
        "--format",
        "json",
        "risk",
        "--samples",
        "10",
    ]);
    let a = &out["summary"]["at_risk"];
    (
        a["sampled"].as_u64().unwrap(),
        a["tranches"].as_u64().unwrap(),
    )
}

#[test]
fn every_tranche_that_a_slip_moves_or_a_cancellation_can_stop_is_at_risk() {
    let one = "[[risk]]\nselect = \"tranche:ties/whole\"\n";
    // A fixed slip moves the tranche in every sample: at risk, as a random one is.
    assert_eq!(at_risk(&format!("{one}slip = \"fixed(10d)\"\n")), (1, 3));
    assert_eq!(at_risk(&format!("{one}slip = \"fixed(-1d)\"\n")), (1, 3));
    assert_eq!(
        at_risk(&format!("{one}slip = \"uniform(0d, 10d)\"\n")),
        (1, 3)
    );
    assert_eq!(at_risk(&format!("{one}cancel = 0.5\n")), (1, 3));
    assert_eq!(at_risk(&format!("{one}cancel = 1\n")), (1, 3));
    // Nothing moves and nothing is cancelled.
    assert_eq!(
        at_risk("[[risk]]\nselect = \"*\"\nslip = \"fixed(0d)\"\ncancel = 0\n"),
        (0, 3)
    );
    assert_eq!(
        at_risk(
            "[[risk]]\nselect = \"tranche:ties/half-a\"\nslip = \"fixed(1d)\"\n\n[[risk]]\nselect = \"tranche:ties/half-b\"\nslip = \"triangular(0d, 1d, 5d)\"\n"
        ),
        (2, 3)
    );
    // The table says it too.
    let dir = tempfile::tempdir().unwrap();
    let file = temp_scenario(
        dir.path(),
        "fixed.toml",
        &format!("{one}slip = \"fixed(2m)\"\n"),
    );
    let ties = format!("{FIXTURES}/ties");
    let out = capplan(
        &[
            "--catalog",
            &ties,
            "--scenario",
            &file,
            "risk",
            "--samples",
            "10",
        ],
        &[],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("at risk        1 of 3 tranches, from 1 `[[risk]]` entry"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The rows of `risk --by month` on the `ties` catalog under `body`.
fn ties_rows(body: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_scenario(dir.path(), "rows.toml", body);
    let out = json(&[
        "--catalog",
        &format!("{FIXTURES}/ties"),
        "--scenario",
        &file,
        "--format",
        "json",
        "risk",
        "--by",
        "month",
        "--samples",
        "200",
    ]);
    rows(&out).clone()
}

#[test]
fn entries_that_select_one_tranche_add_their_slips_and_any_cancellation_cancels_it() {
    let whole = "[[risk]]\nselect = \"tranche:ties/whole\"\n";
    let every = "[[risk]]\nselect = \"*\"\n";
    // 11 days for every tranche and 20 more for `whole` is 31 days for `whole`.
    let added = ties_rows(&format!(
        "{every}slip = \"fixed(11d)\"\n\n{whole}slip = \"fixed(20d)\"\n"
    ));
    let alone = ties_rows(&format!(
        "{whole}slip = \"fixed(31d)\"\n\n[[risk]]\nselect = \"tranche:ties/half-a\"\nslip = \"fixed(11d)\"\n\n[[risk]]\nselect = \"tranche:ties/half-b\"\nslip = \"fixed(11d)\"\n"
    ));
    assert_eq!(added, alone);
    // Due on 2026-01-01, online on 2026-02-01: nothing at the end of January.
    assert_eq!(added[0]["p50_gpus"], 0);
    assert_eq!(added[1]["p50_gpus"], 1501);
    // An entry that never cancels leaves another's certain cancellation alone.
    let cancelled = ties_rows(&format!("{every}cancel = 0\n\n{whole}cancel = 1\n"));
    assert_eq!(cancelled, ties_rows(&format!("{whole}cancel = 1\n")));
    assert_eq!(cancelled[1]["p50_gpus"], 2);
}

#[test]
fn a_slip_in_months_is_the_days_that_month_adds_to_each_tranche_s_own_online_from() {
    // One tranche ramping from 2026-01-31 to 2026-03-31. `1m` from 2026-01-31 is 28 days, so
    // the slip puts the ramp on 2026-02-28 to 2026-04-28, where `--delay 1m` ends it on
    // 2026-04-30 (2026-03-31 plus a month): the same start, a ramp two days longer.
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    std::fs::copy(
        format!("{FIXTURES}/ties/portfolio.toml"),
        catalog.join("portfolio.toml"),
    )
    .unwrap();
    std::fs::write(
        catalog.join("ramp.toml"),
        "id = \"ramp\"\nprovider = \"Ramp\"\ntitle = \"A linear ramp\"\nstart = 2026-01-01\nterm = \"1y\"\nvalue_usd = \"100\"\nsources = [\"https://example.com/ramp\"]\n\n[[tranche]]\nid = \"r\"\nhardware = \"w1\"\nunits = 3000\nonline_from = 2026-01-31\nonline_by = 2026-03-31\nramp = \"linear\"\n",
    )
    .unwrap();
    let catalog = catalog.to_str().unwrap();
    let file = temp_scenario(
        dir.path(),
        "month.toml",
        "[[risk]]\nselect = \"*\"\nslip = \"fixed(1m)\"\n",
    );
    let by_month = ["--by", "month", "--to", "2026-06"];
    let risk = json(
        &[
            &[
                "--catalog",
                catalog,
                "--scenario",
                &file,
                "--format",
                "json",
                "risk",
                "--samples",
                "3",
            ][..],
            &by_month,
        ]
        .concat(),
    );
    let delay = |d: &str| {
        json(
            &[
                &[
                    "--catalog",
                    catalog,
                    "--delay",
                    d,
                    "--format",
                    "json",
                    "capacity",
                ][..],
                &by_month,
            ]
            .concat(),
        )
    };
    let (days, months) = (delay("*=28d"), delay("*=1m"));
    let gpus = |rows: &[Value], key: &str| -> Vec<u64> {
        rows.iter().map(|r| r[key].as_u64().unwrap()).collect()
    };
    let sampled = gpus(rows(&risk), "p50_gpus");
    assert_eq!(sampled, gpus(rows(&days), "gpus"));
    // March ends on the ramp, which is 59 days long, not 61.
    assert_eq!(sampled, [0, 0, 3000 * 31 / 59, 3000, 3000, 3000]);
    assert_eq!(
        gpus(rows(&months), "gpus"),
        [0, 0, 3000 * 31 / 61, 3000, 3000, 3000]
    );
}

#[test]
fn a_slip_that_can_leave_the_term_is_a_warning_at_the_slip_and_changes_no_figure() {
    // The fixture of the code: a tranche due the day its contract starts, slipping up to a
    // month either way.
    let fixture = "tests/fixtures/codes/slip-outside-term";
    let run = |catalog: &str, scenario: &str| {
        let out = capplan(
            &[
                "--catalog",
                catalog,
                "--scenario",
                scenario,
                "risk",
                "--by",
                "month",
                "--samples",
                "500",
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0));
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let scenario = format!("{fixture}/scenario.toml");
    let (report, warned) = run(&format!("{fixture}/catalog"), &scenario);
    assert!(
        warned.starts_with("warning[slip-outside-term]: slip `uniform(-1m, 1m)` can bring tranche `first` of contract `acme-2026` online on 2025-12-01, before the contract starts on 2026-01-01\n")
            && warned.contains(&format!("{scenario}:7:8")),
        "{warned}"
    );
    // The same tranche in a contract that starts earlier: no warning, the same figures.
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("catalog");
    std::fs::create_dir(&earlier).unwrap();
    std::fs::copy(
        format!("{fixture}/catalog/portfolio.toml"),
        earlier.join("portfolio.toml"),
    )
    .unwrap();
    let contract = std::fs::read_to_string(format!("{fixture}/catalog/acme.toml")).unwrap();
    let moved = contract.replace(
        "start = 2026-01-01\nterm = \"1y\"",
        "start = 2025-11-01\nend = 2027-01-01",
    );
    assert_ne!(moved, contract);
    std::fs::write(earlier.join("acme.toml"), moved).unwrap();
    let (same, quiet) = run(earlier.to_str().unwrap(), &scenario);
    assert_eq!(quiet, "");
    assert_eq!(same, report);

    // Past the end: a slip whose latest day reaches the contract's end warns, one a day
    // shorter does not; entries whose slips add up there are each named.
    let catalog = format!("{fixture}/catalog");
    let warned = |body: &str| {
        let file = temp_scenario(dir.path(), "late.toml", body);
        run(&catalog, &file).1
    };
    let every = "[[risk]]\nselect = \"*\"\n";
    let at_end = warned(&format!("{every}slip = \"uniform(0d, 365d)\"\n"));
    assert!(
        at_end.contains("can move tranche `first` of contract `acme-2026` online on 2027-01-01, at or past its end on 2027-01-01"),
        "{at_end}"
    );
    assert_eq!(
        warned(&format!("{every}slip = \"uniform(0d, 364d)\"\n")),
        ""
    );
    let both = warned(&format!(
        "{every}slip = \"fixed(200d)\"\n\n{every}slip = \"triangular(0d, 10d, 200d)\"\n"
    ));
    assert_eq!(
        both.matches("warning[slip-outside-term]").count(),
        2,
        "{both}"
    );
    assert!(
        both.contains("slip `fixed(200d)`, added to the tranche's other slips, can move"),
        "{both}"
    );
    // A tranche that is surely cancelled delivers in no sample: nothing to warn of.
    assert_eq!(
        warned(&format!("{every}slip = \"fixed(2y)\"\ncancel = 1\n")),
        ""
    );
}
