//! `compare` and `sensitivity`, checked against figures computed another way: the differences
//! of `compare` against two `plan` runs subtracted here, the variants of `sensitivity` against a
//! `plan` run with the same change as a what-if flag, and the fixture's ranking against
//! arithmetic done by hand in the comments.
//!
//! The fixture `tests/fixtures/sensitivity` has "GPUs" of 1 MW at PUE 1 (1,000 draw 1 GW)
//! and straight-line values of whole cents a day:
//!
//! | contract | units | online | value, per day |
//! |---|---|---|---|
//! | alpha | 4,000 | all on 2026-10-01 (step) | $73M over 730 days, $100,000 |
//! | bravo | 10,000 | all on 2026-01-01 (step) | $146M over 730 days, $200,000 |
//! | charlie | 7,300 | linear 2026-07-01 to 2027-07-01 (365 days, 20 a day) | $54.9M over 549 days from 2026-07-01, $100,000 |
//! | delta (non-binding, one year) | 2,000 | all on 2026-12-01 (step) | $3.65M over 365 days, $10,000 |
//! | echo (cancelled) | 50,000 | | $500M |

use capplan::cli::{self, Cli};
use clap::Parser;
use rust_decimal::Decimal;
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/sensitivity";
const SCENARIOS: &str = "tests/fixtures/compare";

/// Runs capplan in-process: `(exit code, stdout, stderr)`. Arguments clap refuses give its exit
/// code and message.
fn run(args: &[&str]) -> (u8, String, String) {
    // In-process runs read this process's environment: keep them out of the user's cache.
    capplan::cache_dir::turn_off();
    let cli = match Cli::try_parse_from(std::iter::once("capplan").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(e) => return (e.exit_code() as u8, String::new(), e.to_string()),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = match cli::run(cli, &mut out, &mut err) {
        Ok(code) => code,
        Err(e) => {
            err.extend_from_slice(format!("error: {e}\n").as_bytes());
            cli::EXIT_USAGE
        }
    };
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (code, text(out), text(err))
}

/// Runs capplan with `--format json` and parses the output; the run must succeed.
fn json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).expect("JSON output")
}

fn scenario(name: &str) -> String {
    format!("{SCENARIOS}/{name}.toml")
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a string"))
        .parse()
        .unwrap()
}

fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().expect("rows")
}

/// The rows of one group of a `compare` document.
fn group<'a>(doc: &'a Value, name: &str) -> Vec<&'a Value> {
    rows(doc).iter().filter(|r| r["group"] == name).collect()
}

const DELTAS: [(&str, &str); 4] = [
    ("delta_gpus", "gpus"),
    ("delta_power_mw", "power_mw"),
    ("delta_spend_usd", "spend_usd"),
    ("delta_cumulative_spend_usd", "cumulative_spend_usd"),
];

/// A figure of a row as a decimal, whether a JSON integer or a string.
fn figure(row: &Value, key: &str) -> Decimal {
    match &row[key] {
        Value::Number(n) => Decimal::from(n.as_i64().unwrap()),
        other => dec(other),
    }
}

/// Checks every difference of group `name` against `plan` with and without its scenario.
fn deltas_match_plan(catalog: &str, compare: &Value, name: &str, scenario_args: &[&str]) {
    let base = json(&["--catalog", catalog, "plan"]);
    let mut args = vec!["--catalog", catalog];
    args.extend_from_slice(scenario_args);
    args.push("plan");
    let changed = json(&args);
    let rows = group(compare, name);
    assert_eq!(rows.len(), self::rows(&base).len());
    for ((row, b), s) in rows.iter().zip(self::rows(&base)).zip(self::rows(&changed)) {
        assert_eq!(row["period"], b["period"]);
        for (delta, key) in DELTAS {
            assert_eq!(
                figure(row, key),
                figure(s, key),
                "{name} {} {key}",
                row["period"]
            );
            assert_eq!(
                figure(row, delta),
                figure(s, key) - figure(b, key),
                "{name} {} {delta}",
                row["period"]
            );
        }
    }
}

#[test]
fn an_empty_scenario_gives_zero_differences_everywhere() {
    let empty = scenario("empty");
    for catalog in [FIXTURE, "contracts"] {
        let doc = json(&["--catalog", catalog, "--scenario", &empty, "compare"]);
        let base = group(&doc, "baseline");
        let same = group(&doc, "empty");
        assert!(!base.is_empty());
        assert_eq!(base.len(), same.len());
        assert_eq!(rows(&doc).len(), 2 * base.len());
        for (b, s) in base.iter().zip(&same) {
            for (delta, key) in DELTAS {
                assert_eq!(b[key], s[key], "{catalog} {} {key}", b["period"]);
                assert_eq!(figure(s, delta), Decimal::ZERO, "{catalog} {delta}");
                assert_eq!(figure(b, delta), Decimal::ZERO, "{catalog} {delta}");
            }
        }
        assert_eq!(doc["scenarios"], serde_json::json!(["empty"]));
    }
}

#[test]
fn a_delayed_tranche_moves_gpus_later_and_its_deltas_are_scenario_minus_baseline() {
    let late = scenario("charlie-late");
    let doc = json(&["--catalog", FIXTURE, "--scenario", &late, "compare"]);
    let delta = |period: &str| {
        group(&doc, "charlie-late")
            .iter()
            .find(|r| r["period"] == period)
            .map(|r| r["delta_gpus"].as_i64().unwrap())
            .unwrap()
    };
    // charlie ramps 20 GPUs a day. Baseline from 2026-07-01, two quarters late from 2027-01-01:
    // at the end of 2026Q2 neither has started; at the end of 2026Q3 (day 91) 1,820 against 0;
    // 2026Q4 (day 183) 3,660 against 0; 2027Q1 (days 273 and 89) 5,460 against 1,780; 2027Q3
    // (complete, and day 272) 7,300 against 5,440; 2027Q4 7,300 against day 364, 7,280.
    assert_eq!(delta("2026Q2"), 0);
    assert_eq!(delta("2026Q3"), -1_820);
    assert_eq!(delta("2026Q4"), -3_660);
    assert_eq!(delta("2027Q1"), -3_680);
    assert_eq!(delta("2027Q3"), -1_860);
    assert_eq!(delta("2027Q4"), -20);
    // Straight-line spend does not follow capacity: no money moves.
    for r in group(&doc, "charlie-late") {
        assert_eq!(dec(&r["delta_cumulative_spend_usd"]), Decimal::ZERO);
    }
    deltas_match_plan(FIXTURE, &doc, "charlie-late", &["--scenario", &late]);

    // On the shipped catalog: AWS's GB300 tranche two quarters late takes GPUs from earlier
    // periods; its contract's capacity-linked spend follows (the other tranches' days weigh a
    // little more, so the first period even pays a little more), and by the end of the window
    // the contract has ended and paid the same.
    let aws = scenario("aws-gb300-late");
    let doc = json(&["--catalog", "contracts", "--scenario", &aws, "compare"]);
    let late = group(&doc, "aws-gb300-late");
    assert!(late.iter().all(|r| r["delta_gpus"].as_i64().unwrap() <= 0));
    assert!(late.iter().any(|r| r["delta_gpus"].as_i64().unwrap() < 0));
    assert_eq!(late.last().unwrap()["delta_gpus"], 0);
    assert!(
        late.iter()
            .any(|r| dec(&r["delta_cumulative_spend_usd"]) < Decimal::ZERO)
    );
    let moved: Decimal = late.iter().map(|r| dec(&r["delta_spend_usd"])).sum();
    assert_eq!(moved, Decimal::ZERO);
    assert_eq!(
        dec(&late.last().unwrap()["delta_cumulative_spend_usd"]),
        Decimal::ZERO
    );
    deltas_match_plan("contracts", &doc, "aws-gb300-late", &["--scenario", &aws]);
}

#[test]
fn each_scenario_is_applied_alone_and_the_flags_are_one_more_group() {
    let late = scenario("charlie-late");
    let smaller = scenario("bravo-smaller");
    let doc = json(&[
        "--catalog",
        FIXTURE,
        "--scenario",
        &late,
        "--scenario",
        &smaller,
        "--scale",
        "alpha=0.5",
        "compare",
        "--by",
        "year",
    ]);
    assert_eq!(
        doc["scenarios"],
        serde_json::json!(["charlie-late", "bravo-smaller", "command line"])
    );
    // Per period: the baseline, then each group in the order given.
    let order: Vec<&str> = rows(&doc)
        .iter()
        .take(4)
        .map(|r| r["group"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["baseline", "charlie-late", "bravo-smaller", "command line"]
    );
    assert_eq!(rows(&doc).len(), 2 * 4);
    // Years are reported, so compare with `plan --by year`.
    let by_year = |args: &[&str]| {
        let mut all = vec!["--catalog", FIXTURE];
        all.extend_from_slice(args);
        all.extend(["plan", "--by", "year"]);
        json(&all)
    };
    let base = by_year(&[]);
    for (name, args) in [
        ("charlie-late", vec!["--scenario", late.as_str()]),
        ("bravo-smaller", vec!["--scenario", smaller.as_str()]),
        ("command line", vec!["--scale", "alpha=0.5"]),
    ] {
        let alone = by_year(&args);
        for ((row, b), s) in group(&doc, name).iter().zip(rows(&base)).zip(rows(&alone)) {
            for (delta, key) in DELTAS {
                assert_eq!(figure(row, key), figure(s, key), "{name} {key}");
                assert_eq!(
                    figure(row, delta),
                    figure(s, key) - figure(b, key),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn compare_summarises_when_each_target_is_met_in_each_group() {
    let smaller = scenario("bravo-smaller");
    let doc = json(&["--catalog", FIXTURE, "--scenario", &smaller, "compare"]);
    let summary = &doc["summary"];
    // `goal` ($300M) is above the $277.55M contracted: never met. `power` (15 GW by 2026-06-30)
    // is met at the end of 2026Q4 (19.66 GW) in the baseline, late; with bravo at 8,000 GPUs,
    // 17.66 GW, also 2026Q4.
    let base = &summary["targets_met:baseline"];
    assert_eq!(base["goal"]["met_in"], Value::Null);
    assert_eq!(base["goal"]["power_met_in"], "2027Q2");
    assert_eq!(base["power"]["met_in"], "2026Q4");
    assert_eq!(base["power"]["met_by_deadline"], false);
    let small = &summary["targets_met:bravo-smaller"];
    assert_eq!(small["goal"]["power_met_in"], Value::Null);
    assert_eq!(small["power"]["met_in"], "2026Q4");
    // `--target` keeps one target.
    let doc = json(&[
        "--catalog",
        FIXTURE,
        "--scenario",
        &smaller,
        "compare",
        "--target",
        "power",
    ]);
    let base = doc["summary"]["targets_met:baseline"].as_object().unwrap();
    assert_eq!(base.keys().collect::<Vec<_>>(), ["power"]);
}

#[test]
fn compare_refuses_nothing_to_compare_and_clashing_names() {
    let (code, _, err) = run(&["--catalog", FIXTURE, "compare"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs something to compare"), "{err}");
    let empty = scenario("empty");
    let again = scenario("named-empty");
    let (code, _, err) = run(&[
        "--catalog",
        FIXTURE,
        "--scenario",
        &empty,
        "--scenario",
        &again,
        "compare",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("both named `empty`"), "{err}");
    let (code, _, err) = run(&[
        "--catalog",
        FIXTURE,
        "--scenario",
        &scenario("charlie-too-late"),
        "compare",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tranche-outside-term"), "{err}");
}

/// `(contract, delayed, scaled, max_abs_delta)` of each row, in order, as strings or integers.
fn ranking(doc: &Value) -> Vec<(String, Value, Value, Value)> {
    rows(doc)
        .iter()
        .map(|r| {
            (
                r["contract"].as_str().unwrap().to_owned(),
                r["delay_delta"].clone(),
                r["scale_delta"].clone(),
                r["max_abs_delta"].clone(),
            )
        })
        .collect()
}

fn row(c: &str, delay: Value, scale: Value, max: Value) -> (String, Value, Value, Value) {
    (c.to_owned(), delay, scale, max)
}

#[test]
fn sensitivity_ranks_the_fixture_contracts_as_computed_by_hand() {
    use serde_json::json as j;
    // GW at the end of 2026Q4 (2026-12-31); JSON has MW. Baseline: alpha 4 + bravo 10 + charlie
    // 3.66 (day 183 of 365 of 7,300) + delta 2 = 19.66 GW; echo is cancelled.
    // - alpha: a quarter late arrives on 2027-01-01, -4 GW; at 0.9, 3,600 GPUs, -0.4 GW.
    // - charlie: a quarter late is on day 91 of its ramp, 1,820 GPUs, -1.84 GW; at 0.9, 6,570
    //   GPUs on day 183 of 365, 3,294, -0.366 GW.
    // - bravo: online all year either way, 0; at 0.9, -1 GW.
    // - delta: a quarter late starts on 2027-03-01, after its contract's end: n/a; at 0.9, -0.2.
    // Ranked by the larger absolute difference: alpha 4, charlie 1.84, bravo 1, delta 0.2.
    let doc = json(&["--catalog", FIXTURE, "sensitivity", "--metric", "gw@2026Q4"]);
    assert_eq!(doc["summary"]["metric"]["baseline"], "19660.000");
    assert_eq!(
        ranking(&doc),
        [
            row("alpha", j!("-4000.000"), j!("-400.000"), j!("4000.000")),
            row("charlie", j!("-1840.000"), j!("-366.000"), j!("1840.000")),
            row("bravo", j!("0.000"), j!("-1000.000"), j!("1000.000")),
            row("delta", Value::Null, j!("-200.000"), j!("200.000")),
        ]
    );
    let na = &doc["summary"]["not_applicable"];
    assert_eq!(na.as_array().unwrap().len(), 1);
    assert_eq!(na[0]["contract"], "delta");
    assert_eq!(na[0]["shift"], "delay");
    assert_eq!(na[0]["code"], "tranche-outside-term");

    // Cumulative spend at the end of 2026: straight-line spend does not move with a delay.
    // alpha 365 x $100,000 = $36.5M, bravo 365 x $200,000 = $73M, charlie 184 x $100,000 =
    // $18.4M, delta $3.65M: $131.55M. At 0.9 each loses a tenth: bravo $7.3M, alpha $3.65M,
    // charlie $1.84M, delta $0.365M.
    let doc = json(&[
        "--catalog",
        FIXTURE,
        "sensitivity",
        "--metric",
        "cumulative-spend@2026Q4",
    ]);
    assert_eq!(doc["summary"]["metric"]["baseline"], "131550000.00");
    assert_eq!(
        ranking(&doc),
        [
            row("bravo", j!("0.00"), j!("-7300000.00"), j!("7300000.00")),
            row("alpha", j!("0.00"), j!("-3650000.00"), j!("3650000.00")),
            row("charlie", j!("0.00"), j!("-1840000.00"), j!("1840000.00")),
            row("delta", Value::Null, j!("-365000.00"), j!("365000.00")),
        ]
    );

    // GPUs at the end of 2026 with a two-quarter delay, letters of intent left out: alpha
    // arrives 2027-04-01, -4,000; charlie from 2027-01-01, -3,660; bravo from 2026-07-01, 0.
    // Ties in the larger difference go by id; a factor of 1 changes nothing.
    let doc = json(&[
        "--catalog",
        FIXTURE,
        "sensitivity",
        "--metric",
        "gpus@2026",
        "--shift",
        "2q",
        "--factor",
        "1",
        "--signed-only",
    ]);
    assert_eq!(doc["by"], "year");
    assert_eq!(doc["summary"]["metric"]["baseline"], 17_660);
    assert_eq!(
        ranking(&doc),
        [
            row("alpha", j!(-4_000), j!(0), j!(4_000)),
            row("charlie", j!(-3_660), j!(0), j!(3_660)),
            row("bravo", j!(0), j!(0), j!(0)),
        ]
    );
}

/// The value of a `plan` row's figure for a metric, as `sensitivity` reports it in JSON.
fn plan_figure(row: &Value, metric: &str) -> Value {
    match metric {
        "gw" => row["power_mw"].clone(),
        "gpus" => row["gpus"].clone(),
        "cpus" => row["cpus"].clone(),
        "spend" => row["spend_usd"].clone(),
        _ => row["cumulative_spend_usd"].clone(),
    }
}

#[test]
fn sensitivity_variants_equal_a_whole_projection_of_the_changed_catalog() {
    const METRICS: [&str; 5] = ["gw", "gpus", "cpus", "spend", "cumulative-spend"];
    const PERIODS: [&str; 2] = ["2026Q4", "2028Q2"];
    let base = json(&["--catalog", "contracts", "plan"]);
    let contracts: Vec<String> = rows(&json(&["--catalog", "contracts", "contracts"]))
        .iter()
        .filter(|r| r["status"] != "cancelled")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    // Each contract delayed and scaled in a whole `plan`; `None` where the change is invalid.
    let plans: Vec<(String, Option<Value>, Option<Value>)> = contracts
        .iter()
        .map(|id| {
            let with = |flag: &str, value: &str| {
                let arg = format!("{id}={value}");
                let (code, out, err) = run(&[
                    "--catalog",
                    "contracts",
                    "--format",
                    "json",
                    flag,
                    &arg,
                    "plan",
                ]);
                match code {
                    0 => Some(serde_json::from_str::<Value>(&out).unwrap()),
                    1 => None,
                    _ => panic!("{err}"),
                }
            };
            (id.clone(), with("--delay", "1q"), with("--scale", "0.9"))
        })
        .collect();
    let at = |doc: &Value, period: &str| -> Value {
        rows(doc)
            .iter()
            .find(|r| r["period"] == period)
            .cloned()
            .unwrap()
    };
    for metric in METRICS {
        for period in PERIODS {
            let spec = format!("{metric}@{period}");
            let doc = json(&["--catalog", "contracts", "sensitivity", "--metric", &spec]);
            assert_eq!(
                doc["summary"]["metric"]["baseline"],
                plan_figure(&at(&base, period), metric),
                "{spec}"
            );
            assert_eq!(rows(&doc).len(), contracts.len());
            for (id, delayed, scaled) in &plans {
                let r = rows(&doc).iter().find(|r| r["contract"] == **id).unwrap();
                let expect = |p: &Option<Value>| {
                    p.as_ref()
                        .map_or(Value::Null, |p| plan_figure(&at(p, period), metric))
                };
                assert_eq!(r["delayed"], expect(delayed), "{spec} {id} delayed");
                assert_eq!(r["scaled"], expect(scaled), "{spec} {id} scaled");
            }
        }
    }
}

#[test]
fn sensitivity_refuses_bad_metrics_periods_and_shifts() {
    let cases: [(&[&str], &str); 7] = [
        (&["--metric", "power@2026Q4"], "unknown metric `power`"),
        (&["--metric", "gww@2026Q4"], "did you mean `gw`?"),
        (&["--metric", "gw"], "expected METRIC@PERIOD"),
        (&["--metric", "gw@2026Q5"], "is not a period or a date"),
        (&["--metric", "gw@2030Q1"], "outside the horizon"),
        (
            &["--metric", "gw@2026", "--by", "quarter"],
            "`2026` is a year",
        ),
        (
            &["--metric", "gw@2026Q4", "--shift", "0q", "--factor", "1"],
            "nothing would change",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["--catalog", FIXTURE, "sensitivity"];
        all.extend_from_slice(args);
        let (code, out, err) = run(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(message), "{args:?}: {err}");
    }
}
