//! Actuals against hand-computed figures (docs/actuals.md): attribution, spreading by seconds,
//! the cut at `as_of`, planned against actual spend, the run-rate, the projection, the shortfall
//! and the implied slip of a delivery; and every kind of bad cost file, each a located, coded
//! error that leaves the file as it was.
//!
//! The catalog is written for each test: `acme` (2026, $36.5M straight-line: $100,000 a day,
//! account 1001, one tranche of 1,000 GB200 ramping linearly over January and February) and
//! `beta` (2026, $10M, account 2002 at provider Beta).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

const PORTFOLIO: &str = r#"[portfolio]
name = "Actuals fixture"
horizon = { start = 2026-01-01, end = 2028-01-01 }
pue = 1

[[hardware]]
id = "gb200"
kind = "gpu"
watts_per_unit = 1000
rate_usd_per_hour = "4.00"
"#;

const ACME: &str = r#"id = "acme"
provider = "Acme"
title = "Acme"
start = 2026-01-01
end = 2027-01-01
value_usd = "36.5M"

[actuals]
match = { BillingAccountId = "1001" }

[[tranche]]
id = "gpus"
hardware = "gb200"
units = 1_000
online_from = 2026-01-01
online_by = 2026-03-01
"#;

const BETA: &str = r#"id = "beta"
provider = "Beta"
title = "Beta"
start = 2026-01-01
end = 2027-01-01
value_usd = "10M"

[actuals]
match = { BillingAccountId = "2002", ServiceProviderName = "Beta" }

[[tranche]]
id = "gpus"
hardware = "gb200"
units = 100
online_from = 2026-01-01
online_by = 2026-01-02
"#;

const HEADER: &str = "BillingAccountId,ServiceProviderName,BillingCurrency,BilledCost,EffectiveCost,ChargePeriodStart,ChargePeriodEnd,x_Note";

/// A catalog folder with `acme`, `beta` and the given files in `actuals/`.
fn catalog(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("portfolio.toml"), PORTFOLIO).unwrap();
    std::fs::write(dir.path().join("acme.toml"), ACME).unwrap();
    std::fs::write(dir.path().join("beta.toml"), BETA).unwrap();
    std::fs::create_dir(dir.path().join("actuals")).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join("actuals").join(name), bytes).unwrap();
    }
    dir
}

/// Daily rows of `amount` for `account` from 2026-01-01 for `days` days.
fn daily(account: &str, provider: &str, amount: &str, days: i64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut out = String::new();
    for d in 0..days {
        let a = start + chrono::Duration::days(d);
        let b = a + chrono::Duration::days(1);
        out.push_str(&format!(
            "{account},{provider},USD,{amount},{amount},{a}T00:00:00Z,{b}T00:00:00Z,daily\n"
        ));
    }
    out
}

fn capplan(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--catalog")
        .arg(dir)
        .args(args)
        .env_remove("CAPPLAN_CATALOG")
        .env("CAPPLAN_CACHE_DIR", "off")
        .output()
        .expect("capplan runs")
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = capplan(dir, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn row<'a>(doc: &'a Value, key: &str, value: &str) -> &'a Value {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value}: {doc}"))
}

/// 100 days of $80,000 on acme's account (as of 2026-04-11), a day of Beta, a row of Beta's
/// account at another provider and one of an unknown account.
fn burn_catalog() -> tempfile::TempDir {
    let mut csv = format!("{HEADER}\n");
    csv.push_str(&daily("1001", "AWS", "80000.00", 100));
    csv.push_str(&daily("2002", "Beta", "1234.56", 1));
    csv.push_str("2002,Other,USD,10.005,10.005,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,other\n");
    csv.push_str("9999,AWS,USD,0.01,0.01,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,unknown\n");
    catalog(&[("costs.csv", csv.as_bytes())])
}

#[test]
fn the_burn_down_of_a_contract_under_consumed_at_its_run_rate() {
    let dir = burn_catalog();
    let burn = json(dir.path(), &["burn"]);
    assert_eq!(burn["summary"]["as_of"], "2026-04-11");
    let acme = row(&burn, "contract", "acme");
    assert_eq!(acme["value_usd"], "36500000.00");
    assert_eq!(acme["consumed_usd"], "8000000.00");
    assert_eq!(acme["remaining_usd"], "28500000.00");
    // 100 of 365 days, $8M of $36.5M.
    assert_eq!(acme["elapsed_pct"], "27.40");
    assert_eq!(acme["consumed_pct"], "21.92");
    // The last 90 days at $80,000; 265 days left: 8M + 265 x 80,000 = 29.2M.
    assert_eq!(acme["run_rate_usd_per_day"], "80000.00");
    assert_eq!(acme["projected_usd"], "29200000.00");
    assert_eq!(acme["shortfall_usd"], "7300000.00");
    assert_eq!(acme["overrun_usd"], "0.00");
    // Beta: one day of $1,234.56 on 2026-01-01, before the 90-day window [2026-01-11,
    // 2026-04-11): no run-rate, so the projection is what was consumed.
    let beta = row(&burn, "contract", "beta");
    assert_eq!(beta["consumed_usd"], "1234.56");
    assert_eq!(beta["run_rate_usd_per_day"], "0.00");
    assert_eq!(beta["projected_usd"], "1234.56");
    assert_eq!(beta["shortfall_usd"], "9998765.44");
    // Unattributed: Beta's account at another provider and an unknown account, exactly.
    assert_eq!(burn["summary"]["unattributed"]["rows"], 2);
    assert_eq!(burn["summary"]["unattributed"]["usd"], "10.02");
    assert_eq!(burn["summary"]["true_up_risk"]["at_risk"], 2);
}

#[test]
fn planned_against_actual_spend_by_month_counts_the_plan_through_as_of() {
    let dir = burn_catalog();
    let doc = json(
        dir.path(),
        &["actuals", "--by", "month", "--group-by", "contract"],
    );
    let rows = doc["rows"].as_array().expect("rows");
    let jan = rows
        .iter()
        .find(|r| r["period"] == "2026-01" && r["group"] == "acme")
        .expect("January");
    // $100,000 a day planned, $80,000 a day billed.
    assert_eq!(jan["planned_spend_usd"], "3100000.00");
    assert_eq!(jan["actual_spend_usd"], "2480000.00");
    assert_eq!(jan["variance_usd"], "-620000.00");
    assert_eq!(jan["variance_pct"], "-20.00");
    // April runs to as_of (2026-04-11): 10 days of each.
    let apr = rows
        .iter()
        .find(|r| r["period"] == "2026-04" && r["group"] == "acme")
        .expect("April");
    assert_eq!(apr["through"], "2026-04-11");
    assert_eq!(apr["planned_spend_usd"], "1000000.00");
    assert_eq!(apr["actual_spend_usd"], "800000.00");
    // No period after as_of.
    assert!(rows.iter().all(|r| r["period"] != "2026-05"));
}

#[test]
fn rows_are_spread_by_seconds_and_cut_at_as_of() {
    let csv = format!(
        "{HEADER}\n\
         1001,AWS,USD,100.00,100.00,2026-01-31T12:00:00Z,2026-02-01T12:00:00Z,across months\n\
         1001,AWS,USD,310.00,310.00,2026-03-01,2026-04-01,a month\n"
    );
    let dir = catalog(&[("costs.csv", csv.as_bytes())]);
    let doc = json(
        dir.path(),
        &["actuals", "--by", "month", "--group-by", "contract"],
    );
    let actual = |p: &str| {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["period"] == p && r["group"] == "acme")
            .map(|r| r["actual_spend_usd"].clone())
            .unwrap_or_else(|| panic!("{p}: {doc}"))
    };
    assert_eq!(actual("2026-01"), "50.00");
    assert_eq!(actual("2026-02"), "50.00");
    assert_eq!(actual("2026-03"), "310.00");
    assert_eq!(doc["summary"]["as_of"], "2026-04-01");
    // --as-of cuts the month row by seconds: 10 of 31 days.
    let cut = json(
        dir.path(),
        &[
            "actuals",
            "--by",
            "month",
            "--group-by",
            "contract",
            "--as-of",
            "2026-03-11",
        ],
    );
    let march = cut["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "2026-03" && r["group"] == "acme")
        .expect("March");
    assert_eq!(march["actual_spend_usd"], "100.00");
    assert_eq!(march["through"], "2026-03-11");
}

#[test]
fn a_delivery_behind_the_ramp_implies_its_slip() {
    let csv = format!("{HEADER}\n");
    let deliveries =
        "date,contract,tranche,units\n2026-02-15,acme,gpus,500\n2026-03-10,acme,gpus,1000\n";
    let dir = catalog(&[
        ("costs.csv", csv.as_bytes()),
        ("deliveries.csv", deliveries.as_bytes()),
    ]);
    let doc = json(dir.path(), &["actuals", "--deliveries"]);
    let rows = doc["rows"].as_array().expect("rows");
    // 1,000 units over 59 days: 500 online from day 30 (2026-01-31); on 2026-02-15 (day 45)
    // the plan has floor(45,000 / 59) = 762.
    assert_eq!(rows[0]["planned_units"], 762);
    assert_eq!(rows[0]["observed_units"], 500);
    assert_eq!(rows[0]["implied_slip_days"], 15);
    // Full on 2026-03-01, observed full on 2026-03-10: 9 days late at most.
    assert_eq!(rows[1]["implied_slip_days"], 9);
    // Without cost rows, as_of is the day after the latest delivery.
    assert_eq!(doc["summary"]["as_of"], "2026-03-11");
}

#[test]
fn gates_on_the_shortfall_and_the_unattributed_cost_trip_with_exit_3() {
    let dir = burn_catalog();
    let out = capplan(
        dir.path(),
        &["burn", "--fail-if", "shortfall-usd>17M", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shortfall-usd is $"), "{err}");
    // $7,300,000 + $9,998,765.44.
    let out = capplan(
        dir.path(),
        &["burn", "--fail-if", "shortfall-usd>17298765.44"],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = capplan(dir.path(), &["actuals", "--fail-if", "unattributed-usd>10"]);
    assert_eq!(out.status.code(), Some(3));
    // `shortfall-usd` belongs to `burn`, and the actuals gates to the actuals commands.
    let out = capplan(dir.path(), &["actuals", "--fail-if", "shortfall-usd>0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = capplan(dir.path(), &["plan", "--fail-if", "unattributed-usd>0"]);
    assert_eq!(out.status.code(), Some(2));
}

fn gz(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

/// Runs `burn` on a catalog whose only cost file is `name`, expecting exit 1 and a diagnostic
/// with `code` at `at`; the file must be left as it was.
fn refused(name: &str, bytes: &[u8], code: &str, at: &str) {
    let dir = catalog(&[(name, bytes)]);
    for command in [&["burn"][..], &["actuals"], &["validate"]] {
        let out = capplan(dir.path(), command);
        let err = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{name} {command:?}: {err}");
        assert!(
            err.contains(&format!("[{code}]")),
            "{name} {command:?}: {err}"
        );
        assert!(
            err.contains(at),
            "{name} {command:?}: expected `{at}` in {err}"
        );
    }
    let after = std::fs::read(dir.path().join("actuals").join(name)).unwrap();
    assert_eq!(after, bytes, "{name} was changed");
}

#[test]
fn every_kind_of_bad_cost_file_is_a_located_coded_error() {
    let good =
        format!("{HEADER}\n1001,AWS,USD,1.00,1.00,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,ok\n");
    refused(
        "missing.csv",
        b"BillingAccountId,BilledCost,ChargePeriodStart,ChargePeriodEnd\n1001,1,2026-01-01,2026-01-02\n",
        "focus-column",
        "missing.csv, column BillingCurrency",
    );
    refused(
        "eur.csv",
        good.replace(",USD,", ",EUR,").as_bytes(),
        "focus-value",
        "eur.csv:2",
    );
    refused(
        "backwards.csv",
        format!("{HEADER}\n1001,AWS,USD,1.00,1.00,2026-01-02T00:00:00Z,2026-01-01T00:00:00Z,x\n")
            .as_bytes(),
        "focus-value",
        "backwards.csv:2",
    );
    refused(
        "nan.csv",
        good.replace(",1.00,1.00,", ",NaN,1.00,").as_bytes(),
        "focus-value",
        "nan.csv:2",
    );
    refused(
        "time.csv",
        good.replace("2026-01-01T00:00:00Z", "01/01/2026")
            .as_bytes(),
        "focus-value",
        "time.csv:2",
    );
    refused("empty.csv", b"", "focus-file", "empty.csv");
    refused(
        "semicolons.csv",
        good.replace(',', ";").as_bytes(),
        "focus-file",
        "semicolons.csv:1",
    );
    let body = good.lines().nth(1).unwrap().to_owned() + "\n";
    let whole = gz(&format!("{HEADER}\n{}", body.repeat(2000)));
    for cut in [10, whole.len() / 2, whole.len() - 4] {
        refused("cut.csv.gz", &whole[..cut], "focus-file", "cut.csv.gz");
    }
    refused(
        "notgz.csv.gz",
        good.as_bytes(),
        "focus-file",
        "notgz.csv.gz",
    );
    refused(
        "short.csv",
        format!("{good}1001,AWS,USD\n").as_bytes(),
        "focus-value",
        "short.csv:3",
    );
}

#[test]
fn a_byte_order_mark_and_gzip_change_nothing_but_the_bytes() {
    let rows = format!("{HEADER}\n{}", daily("1001", "AWS", "12.3456789", 3));
    let plain = catalog(&[("costs.csv", rows.as_bytes())]);
    let bom = catalog(&[("costs.csv", format!("\u{feff}{rows}").as_bytes())]);
    let zipped = catalog(&[("costs.csv.gz", &gz(&rows))]);
    let consumed = |dir: &tempfile::TempDir| {
        let doc = json(dir.path(), &["burn"]);
        row(&doc, "contract", "acme")["consumed_usd"].clone()
    };
    assert_eq!(consumed(&plain), "37.04");
    assert_eq!(consumed(&bom), "37.04");
    assert_eq!(consumed(&zipped), "37.04");
}

#[test]
fn a_row_claimed_by_no_contract_is_counted_never_dropped() {
    // A FOCUS 1.0 file names the provider `ProviderName`: Beta's table matches on
    // `ServiceProviderName` and reads it there.
    let csv = "BillingAccountId,ProviderName,BillingCurrency,BilledCost,ChargePeriodStart,ChargePeriodEnd\n\
               2002,Beta,USD,5.00,2026-01-01,2026-01-02\n\
               2002,Gamma,USD,7.00,2026-01-01,2026-01-02\n";
    let dir = catalog(&[("v10.csv", csv.as_bytes())]);
    let doc = json(dir.path(), &["burn"]);
    assert_eq!(row(&doc, "contract", "beta")["consumed_usd"], "5.00");
    assert_eq!(doc["summary"]["unattributed"]["usd"], "7.00");
    assert_eq!(doc["summary"]["unattributed"]["rows"], 1);
}

fn spend_rows(dir: &Path, args: &[&str]) -> Vec<(String, String, String)> {
    let mut all = vec!["spend", "--group-by", "contract", "--contract", "acme"];
    all.extend_from_slice(args);
    let doc = json(dir, &all);
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap().to_owned(),
                r["spend_usd"].as_str().unwrap().to_owned(),
                r["spend_basis"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_re_forecast_scales_the_rest_of_the_plan_and_rounds_by_largest_remainder() {
    let dir = burn_catalog();
    let rows = spend_rows(
        dir.path(),
        &["--actuals", "--from", "2026", "--to", "2026Q4"],
    );
    // A = $8M over 100 days, P = $10M, so the 265 planned days after as_of carry
    // $28.5M in proportion: $100,000 x 28.5 / 26.5 a day. 2026Q2: 10 actual days ($800,000)
    // and 81 forecast days ($8,711,320.7547...); Q3 and Q4: 92 days ($9,894,339.6226...).
    // The cent left over goes to the largest remainder, Q2's .47.
    let want = [
        ("2026Q1", "7200000.00", "actual"),
        ("2026Q2", "9511320.76", "actual+forecast"),
        ("2026Q3", "9894339.62", "forecast"),
        ("2026Q4", "9894339.62", "forecast"),
    ];
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, want);
    // Without --actuals, the plan: $100,000 a day.
    let plan = spend_rows(dir.path(), &["--from", "2026Q1", "--to", "2026Q1"]);
    assert_eq!(plan[0].1, "9000000.00");
    assert_eq!(plan[0].2, "");
}

#[test]
fn a_re_forecast_past_the_term_is_a_true_up_and_past_the_value_an_overrun() {
    let dir = burn_catalog();
    // as_of after the term: the $28.5M left falls on as_of, in 2027Q1.
    let rows = spend_rows(
        dir.path(),
        &[
            "--actuals",
            "--as-of",
            "2027-02-01",
            "--from",
            "2026Q4",
            "--to",
            "2027Q1",
        ],
    );
    assert_eq!(rows[0].1, "0.00");
    assert_eq!(rows[1].1, "28500000.00");
    // Actuals past the value: the contract sums to what was billed, never less.
    let mut csv = format!("{HEADER}\n");
    csv.push_str("1001,AWS,USD,36500000.004,36500000.004,2026-01-01,2026-01-02,all\n");
    csv.push_str("1001,AWS,USD,1000000,1000000,2026-01-02,2026-01-03,more\n");
    let over = catalog(&[("costs.csv", csv.as_bytes())]);
    let doc = json(
        over.path(),
        &[
            "spend",
            "--actuals",
            "--group-by",
            "contract",
            "--contract",
            "acme",
            "--by",
            "year",
        ],
    );
    let total: rust_decimal::Decimal = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["spend_usd"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(total.to_string(), "37500000.00");
    let note = doc["summary"]["reforecast"]["contracts"].clone();
    assert_eq!(note, serde_json::json!(["acme"]));
}

#[test]
fn actuals_with_no_rows_change_no_figure() {
    let dir = catalog(&[("costs.csv", format!("{HEADER}\n").as_bytes())]);
    for command in [&["spend", "--by", "month"][..], &["plan"]] {
        let mut with = command.to_vec();
        with.push("--actuals");
        let (a, b) = (json(dir.path(), command), json(dir.path(), &with));
        let figures = |d: &Value| {
            d["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.as_object_mut().unwrap().remove("spend_basis");
                    r
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(figures(&a), figures(&b), "{command:?}");
    }
}

mod properties {
    use std::collections::BTreeMap;

    use capplan::actuals::attribute::{Actuals, AsOfSource};
    use capplan::engine::num::Num;
    use capplan::engine::reforecast;
    use capplan::engine::{By, Grid, Timeline};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn load(dir: &std::path::Path) -> capplan::catalog::Catalog {
        let files = capplan::catalog::CatalogFiles::read_dir(dir).unwrap();
        let mut report = capplan::diagnostic::Report::default();
        capplan::catalog::load(&files, &mut report).expect("valid")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Every grid's cents of a re-forecast sum exactly to the value (or to the actual,
        /// rounded, past it), and the days before `as_of` are the actuals.
        #[test]
        fn a_re_forecast_sums_exactly_to_its_contract(
            days in prop::collection::vec((0i64..400, 0u64..5_000_000_000u64), 0..40),
            as_of in 1i64..500,
        ) {
            let dir = super::catalog(&[]);
            let catalog = load(dir.path());
            let start = capplan::catalog::ramp::day_number(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
            let mut cost: BTreeMap<i64, Num> = BTreeMap::new();
            for (d, milli) in &days {
                let v = Num::from_decimal(Decimal::new(*milli as i64, 3));
                let e = cost.entry(start + d).or_insert(Num::ZERO);
                *e = e.checked_add(v).unwrap();
            }
            let acme = catalog.contracts.iter().position(|c| c.id == "acme").unwrap();
            let mut per = vec![BTreeMap::new(); catalog.contracts.len()];
            per[acme] = cost.clone();
            let mut claimed = vec![0; catalog.contracts.len()];
            claimed[acme] = 1;
            let a = Actuals {
                folder: dir.path().to_path_buf(),
                as_of: chrono::NaiveDate::from_num_days_from_ce_opt((start + as_of) as i32).unwrap(),
                as_of_source: AsOfSource::Given,
                files: 1,
                rows: 1,
                cost: per,
                claimed,
                unattributed_rows: 0,
                unattributed_usd: Num::ZERO,
                deliveries: Vec::new(),
            };
            let r = reforecast::contract(&catalog, acme, &a).unwrap();
            let actual: Num = cost.range(..start + as_of).fold(Num::ZERO, |s, (_, v)| s.checked_add(*v).unwrap());
            let value = Num::int(36_500_000);
            let want = if actual.compare(value).is_ge() {
                actual.checked_mul(Num::int(100)).unwrap().round_half_even().unwrap()
            } else {
                3_650_000_000
            };
            prop_assert_eq!(r.total_cents, want);
            for by in [By::Month, By::Quarter, By::Year] {
                let tl = Timeline::new(&catalog, Grid::new(by, 1), catalog.portfolio.horizon_start, catalog.portfolio.horizon_end);
                let cents = r.cents(&tl.periods).unwrap();
                prop_assert_eq!(cents.iter().map(|c| c.1).sum::<i128>(), want);
                prop_assert!(cents.iter().all(|c| c.1 >= 0));
            }
        }
    }
}

#[test]
fn the_cache_serves_a_file_it_has_seen_and_never_one_that_changed() {
    let dir = burn_catalog();
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("--catalog")
            .arg(dir.path())
            .args(args)
            .args(["--format", "json"])
            .env_remove("CAPPLAN_CATALOG")
            .env("CAPPLAN_CACHE_DIR", cache.path())
            .output()
            .expect("capplan runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let entries = || std::fs::read_dir(cache.path().join("actuals")).map_or(0, |d| d.count());
    let uncached = json(dir.path(), &["burn"]);
    let first = run(&["burn"]);
    assert_eq!(entries(), 1, "the file is cached");
    let second = run(&["burn"]);
    assert_eq!(first, second, "a hit gives the same bytes");
    assert_eq!(serde_json::from_slice::<Value>(&first).unwrap(), uncached);
    // A cut at as_of inside the file is read from the file, and gives the cut figures.
    let cut = run(&["burn", "--as-of", "2026-02-01"]);
    let cut: Value = serde_json::from_slice(&cut).unwrap();
    assert_eq!(row(&cut, "contract", "acme")["consumed_usd"], "2480000.00");
    // A changed file is another key: its new figures, never the cached ones.
    let costs = dir.path().join("actuals").join("costs.csv");
    let text = std::fs::read_to_string(&costs)
        .unwrap()
        .replace("80000.00", "80000.01");
    std::fs::write(&costs, text).unwrap();
    let changed: Value = serde_json::from_slice(&run(&["burn"])).unwrap();
    assert_eq!(
        row(&changed, "contract", "acme")["consumed_usd"],
        "8000001.00"
    );
    // So is a changed match table.
    let acme = std::fs::read_to_string(dir.path().join("acme.toml")).unwrap();
    std::fs::write(
        dir.path().join("acme.toml"),
        acme.replace("\"1001\"", "\"1002\""),
    )
    .unwrap();
    let rematched: Value = serde_json::from_slice(&run(&["burn"])).unwrap();
    assert_eq!(row(&rematched, "contract", "acme")["consumed_usd"], "0.00");
}
