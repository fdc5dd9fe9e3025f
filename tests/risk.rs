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
    let zero = scenario("zero-width.toml");
    let risk = json(&[
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
    ]);
    let plan = json(&["--catalog", catalog, "--format", "json", "plan", "--by", by]);
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
    for catalog in [
        "tests/fixtures/engine/calendar",
        "tests/fixtures/engine/fiscal",
        "tests/fixtures/engine/rounding",
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
    assert_eq!(risk["summary"]["at_risk"]["sampled"], 0);
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
