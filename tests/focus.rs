//! `capplan export focus`, checked against the FOCUS column lists and against the figures of the
//! other commands: the costs file's totals per contract and period against `spend`, its totals
//! under a scenario against `compare`, the commitment file against each contract's value. The
//! files are read back with the `csv` crate, the way a FinOps tool would read them.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use capplan::cli::{self, Cli};
use chrono::{Datelike, NaiveDate};
use clap::Parser;
use rust_decimal::Decimal;
use serde_json::Value;

/// The Mandatory columns of a FOCUS 1.2 cost and usage dataset: the presence rules marked
/// Mandatory (`CAU-CostAndUsage-D-0NN-M`) in the FOCUS requirements model,
/// `specification/requirements_model/model_rules/datasets/costandusage.json` of the
/// FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec repository, rules introduced in 1.2.
const FOCUS_1_2_MANDATORY: [&str; 21] = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
];

/// Of those, the ones that must not be null on a usage charge that is not a correction, as every
/// exported row is. (`ChargeClass` must be null: no row is a correction.)
const FOCUS_1_2_NOT_NULL: [&str; 20] = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
];

/// The columns of the FOCUS 1.3 Contract Commitment dataset, all Mandatory:
/// `specification/datasets/contract_commitment/dataset.md` of the FOCUS_Spec repository.
const FOCUS_1_3_CONTRACT_COMMITMENT: [&str; 13] = [
    "BillingCurrency",
    "ContractCommitmentCategory",
    "ContractCommitmentCost",
    "ContractCommitmentDescription",
    "ContractCommitmentId",
    "ContractCommitmentPeriodEnd",
    "ContractCommitmentPeriodStart",
    "ContractCommitmentQuantity",
    "ContractCommitmentType",
    "ContractCommitmentUnit",
    "ContractId",
    "ContractPeriodEnd",
    "ContractPeriodStart",
];

const COSTS: &str = "focus-costs.csv";
const COMMITMENTS: &str = "focus-contract-commitments.csv";

/// Runs capplan in-process: `(exit code, stdout, stderr)`.
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

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).expect("JSON output")
}

/// A CSV file as its header and its rows, each a map from column to field.
struct Table {
    header: Vec<String>,
    rows: Vec<BTreeMap<String, String>>,
}

fn read_csv(path: &Path) -> Table {
    let mut reader = csv::Reader::from_path(path).expect("a CSV file");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a record");
            assert_eq!(r.len(), header.len(), "every row has every column");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    Table { header, rows }
}

/// Runs `export focus` into a new folder and reads both files back.
fn export(args: &[&str]) -> (Table, Table, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("focus");
    let out = out.to_str().expect("a UTF-8 path");
    let mut all = vec!["export", "focus", "--output", out];
    all.extend_from_slice(args);
    let (code, _, err) = run(&all);
    assert_eq!(code, 0, "{all:?}: {err}");
    let costs = read_csv(&dir.path().join("focus").join(COSTS));
    let commitments = read_csv(&dir.path().join("focus").join(COMMITMENTS));
    (costs, commitments, dir)
}

fn dec(text: &str) -> Decimal {
    text.parse()
        .unwrap_or_else(|_| panic!("`{text}` is not a decimal"))
}

/// Money as FOCUS gets it: decimal text with exactly two decimals.
fn money(text: &str) -> Decimal {
    let (_, cents) = text
        .split_once('.')
        .unwrap_or_else(|| panic!("`{text}` has no decimals"));
    assert_eq!(cents.len(), 2, "`{text}` has two decimals");
    dec(text)
}

fn json_money(v: &Value) -> Decimal {
    dec(v.as_str().unwrap_or_else(|| panic!("{v} is not a string")))
}

/// A FOCUS date/time in UTC, `2026-01-01T00:00:00Z`, as a date.
fn utc_day(text: &str) -> NaiveDate {
    let day = text
        .strip_suffix("T00:00:00Z")
        .unwrap_or_else(|| panic!("`{text}` is not a UTC day start"));
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("`{text}` is not a date/time"))
}

fn column<'a>(row: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    row.get(name)
        .unwrap_or_else(|| panic!("no column `{name}`"))
}

#[test]
fn both_files_have_every_mandatory_focus_column_and_custom_ones_after_them() {
    let (costs, commitments, _dir) = export(&[]);
    for (table, mandatory, version) in [
        (&costs, &FOCUS_1_2_MANDATORY[..], "1.2"),
        (&commitments, &FOCUS_1_3_CONTRACT_COMMITMENT[..], "1.3"),
    ] {
        for name in mandatory {
            assert!(
                table.header.iter().any(|h| h == name),
                "FOCUS {version} column `{name}` is missing"
            );
        }
        // FOCUS columns first, then custom columns, each prefixed `x_`.
        let first_custom = table
            .header
            .iter()
            .position(|h| h.starts_with("x_"))
            .expect("custom columns");
        assert!(
            table.header[first_custom..]
                .iter()
                .all(|h| h.starts_with("x_")),
            "{:?}",
            table.header
        );
        assert!(!table.rows.is_empty());
    }
    for row in &costs.rows {
        for name in FOCUS_1_2_NOT_NULL {
            assert!(!column(row, name).is_empty(), "`{name}` is null: {row:?}");
        }
        assert_eq!(column(row, "ChargeClass"), "", "no row is a correction");
        assert_eq!(column(row, "ChargeCategory"), "Usage");
        assert_eq!(column(row, "ChargeFrequency"), "Recurring");
        assert_eq!(column(row, "PricingCategory"), "Committed");
        assert_eq!(column(row, "ServiceCategory"), "Compute");
        assert_eq!(column(row, "ServiceSubcategory"), "Other (Compute)");
        assert_eq!(column(row, "BillingCurrency"), "USD");
        assert_eq!(column(row, "x_Scenario"), "baseline");
        // One projected figure: with no unit prices, FOCUS has list and contracted cost match
        // the billed cost.
        let billed = money(column(row, "BilledCost"));
        for name in ["EffectiveCost", "ListCost", "ContractedCost"] {
            assert_eq!(money(column(row, name)), billed, "{name}");
        }
    }
    for row in &commitments.rows {
        for name in [
            "BillingCurrency",
            "ContractCommitmentCategory",
            "ContractCommitmentCost",
            "ContractCommitmentId",
            "ContractCommitmentPeriodEnd",
            "ContractCommitmentPeriodStart",
            "ContractCommitmentType",
            "ContractId",
            "ContractPeriodEnd",
            "ContractPeriodStart",
        ] {
            assert!(!column(row, name).is_empty(), "`{name}` is null: {row:?}");
        }
        assert_eq!(column(row, "ContractCommitmentCategory"), "Spend");
        // A cost and no quantity: the unit is null with the quantity.
        assert_eq!(column(row, "ContractCommitmentQuantity"), "");
        assert_eq!(column(row, "ContractCommitmentUnit"), "");
    }
}

#[test]
fn costs_equal_the_spend_report_per_contract_and_period_to_the_cent() {
    // The spend report's window is the horizon: export the same window.
    let (costs, _, _dir) = export(&["--from", "2023-01", "--to", "2033-12"]);
    let spend = json(&["spend", "--group-by", "contract", "--by", "month"]);
    let mut expected: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    let mut per_period: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in spend["rows"].as_array().expect("rows") {
        let start = row["start"].as_str().expect("a start").to_owned();
        let amount = json_money(&row["spend_usd"]);
        let group = row["group"].as_str().expect("a group").to_owned();
        expected.insert((start.clone(), group), amount);
        *per_period.entry(start).or_default() += amount;
    }
    let mut billed: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    let mut effective_per_period: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in &costs.rows {
        let start = utc_day(column(row, "ChargePeriodStart")).to_string();
        let contract = column(row, "x_ContractId").to_owned();
        let previous = billed.insert(
            (start.clone(), contract.clone()),
            money(column(row, "BilledCost")),
        );
        assert!(previous.is_none(), "one row per contract and period");
        *effective_per_period.entry(start).or_default() += money(column(row, "EffectiveCost"));
    }
    for (key, amount) in &expected {
        let got = billed.get(key).copied().unwrap_or_default();
        assert_eq!(got, *amount, "{key:?}");
    }
    for key in billed.keys() {
        assert!(expected.contains_key(key), "{key:?} is not in the report");
    }
    for (period, amount) in &per_period {
        let got = effective_per_period
            .get(period)
            .copied()
            .unwrap_or_default();
        assert_eq!(got, *amount, "{period}");
    }
    assert_eq!(
        effective_per_period.values().copied().sum::<Decimal>(),
        per_period.values().copied().sum::<Decimal>()
    );
}

#[test]
fn dates_are_utc_and_each_contracts_periods_are_contiguous() {
    for by in ["month", "quarter", "year"] {
        let (costs, commitments, _dir) = export(&["--by", by]);
        let mut by_contract: BTreeMap<String, Vec<(NaiveDate, NaiveDate)>> = BTreeMap::new();
        for row in &costs.rows {
            let start = utc_day(column(row, "ChargePeriodStart"));
            let end = utc_day(column(row, "ChargePeriodEnd"));
            assert!(start < end, "{row:?}");
            // Billing periods are the charge periods.
            assert_eq!(utc_day(column(row, "BillingPeriodStart")), start);
            assert_eq!(utc_day(column(row, "BillingPeriodEnd")), end);
            by_contract
                .entry(column(row, "x_ContractId").to_owned())
                .or_default()
                .push((start, end));
        }
        for (contract, periods) in &by_contract {
            for pair in periods.windows(2) {
                assert_eq!(
                    pair[0].1, pair[1].0,
                    "{by}: {contract}: a gap or an overlap"
                );
            }
        }
        // The periods of the whole file are contiguous too, in order.
        let mut all: Vec<(NaiveDate, NaiveDate)> =
            by_contract.values().flatten().copied().collect();
        all.sort();
        all.dedup();
        for pair in all.windows(2) {
            assert_eq!(pair[0].1, pair[1].0, "{by}: periods");
        }
        for row in &commitments.rows {
            let (start, end) = (
                utc_day(column(row, "ContractCommitmentPeriodStart")),
                utc_day(column(row, "ContractCommitmentPeriodEnd")),
            );
            let (term_start, term_end) = (
                utc_day(column(row, "ContractPeriodStart")),
                utc_day(column(row, "ContractPeriodEnd")),
            );
            assert!(
                term_start <= start && start < end && end <= term_end,
                "{row:?}"
            );
        }
    }
}

#[test]
fn each_contracts_costs_and_commitments_add_up_to_its_value() {
    let (costs, commitments, _dir) = export(&[]);
    let contracts = json(&["contracts"]);
    let mut values = BTreeMap::new();
    for row in contracts["rows"].as_array().expect("rows") {
        if row["status"] != "cancelled" {
            values.insert(
                row["id"].as_str().expect("an id").to_owned(),
                json_money(&row["value_usd"]),
            );
        }
    }
    let mut billed: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in &costs.rows {
        *billed
            .entry(column(row, "x_ContractId").to_owned())
            .or_default() += money(column(row, "BilledCost"));
    }
    let mut committed: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in &commitments.rows {
        *committed
            .entry(column(row, "ContractId").to_owned())
            .or_default() += money(column(row, "ContractCommitmentCost"));
    }
    assert_eq!(committed, values, "commitments");
    assert_eq!(billed, values, "costs over every contract's whole term");
    // Schedules give one commitment per payment, with its own id.
    let ids: Vec<&str> = commitments
        .rows
        .iter()
        .map(|r| column(r, "ContractCommitmentId"))
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "commitment ids are unique");
    assert!(ids.contains(&"oracle-2025/2027-06-01"), "{ids:?}");
}

#[test]
fn a_scenario_is_named_in_every_row_and_changes_the_totals_as_compare_says() {
    let scenario = "examples/scenarios/oracle-80pct.toml";
    let window = ["--by", "month", "--from", "2023-01", "--to", "2033-12"];
    let (base, _, _d1) = export(&window);
    let mut args = vec!["--scenario", scenario];
    args.extend_from_slice(&window);
    let (costs, commitments, _d2) = export(&args);
    for row in costs.rows.iter().chain(&commitments.rows) {
        assert_eq!(column(row, "x_Scenario"), "oracle-80pct");
    }
    let per_period = |t: &Table| {
        let mut m: BTreeMap<String, Decimal> = BTreeMap::new();
        for row in &t.rows {
            *m.entry(utc_day(column(row, "ChargePeriodStart")).to_string())
                .or_default() += money(column(row, "BilledCost"));
        }
        m
    };
    let (before, after) = (per_period(&base), per_period(&costs));
    let compare = json(&["--scenario", scenario, "compare", "--by", "month"]);
    let mut checked = 0;
    let mut changed = Decimal::ZERO;
    for row in compare["rows"].as_array().expect("rows") {
        let start = row["start"].as_str().expect("a start");
        let spend = json_money(&row["spend_usd"]);
        match row["group"].as_str() {
            Some("baseline") => {
                assert_eq!(
                    before.get(start).copied().unwrap_or_default(),
                    spend,
                    "{start}"
                );
            }
            Some("oracle-80pct") => {
                assert_eq!(
                    after.get(start).copied().unwrap_or_default(),
                    spend,
                    "{start}"
                );
                let delta = json_money(&row["delta_spend_usd"]);
                let got = after.get(start).copied().unwrap_or_default()
                    - before.get(start).copied().unwrap_or_default();
                assert_eq!(got, delta, "{start}");
                changed += delta;
                checked += 1;
            }
            other => panic!("unexpected group {other:?}"),
        }
    }
    assert_eq!(checked, before.len().max(after.len()));
    assert!(changed < Decimal::ZERO, "Oracle shrinks by a fifth");
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let (_, _, a) = export(&["--by", "quarter"]);
    let (_, _, b) = export(&["--by", "quarter"]);
    for file in [COSTS, COMMITMENTS] {
        assert_eq!(
            fs::read(a.path().join("focus").join(file)).unwrap(),
            fs::read(b.path().join("focus").join(file)).unwrap(),
            "{file}"
        );
    }
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("a folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn bad_output_paths_are_usage_errors_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let catalog = "tests/fixtures/engine/calendar";
    let path = |p: &Path| p.to_str().expect("a UTF-8 path").to_owned();

    // No --output.
    let (code, out, err) = run(&["--catalog", catalog, "export", "focus"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("needs `--output DIR`"), "{err}");

    // A file, not a folder: left as it was.
    let file = dir.path().join("plan.csv");
    fs::write(&file, "a file\n").unwrap();
    let (code, _, err) = run(&["--catalog", catalog, "export", "focus", "-o", &path(&file)]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a folder"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "a file\n");

    // A folder whose parent does not exist: nothing created.
    let deep = dir.path().join("no").join("such");
    let (code, _, err) = run(&["--catalog", catalog, "export", "focus", "-o", &path(&deep)]);
    assert_eq!(code, 2);
    assert!(err.contains("its parent folder"), "{err}");
    assert!(!dir.path().join("no").exists());

    // A folder that does not exist, in one that does: created.
    let new = dir.path().join("new");
    let (code, out, err) = run(&["--catalog", catalog, "export", "focus", "-o", &path(&new)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("focus-costs.csv"), "{err}");
    assert_eq!(names(&new), [COMMITMENTS, COSTS]);

    // An invalid scenario (exit 1): the new folder is not even created.
    let never = dir.path().join("never");
    let (code, _, _) = run(&[
        "--catalog",
        catalog,
        "--scale",
        "no-such-contract=2",
        "export",
        "focus",
        "-o",
        &path(&never),
    ]);
    assert_eq!(code, 1);
    assert!(!never.exists());

    // The second file cannot be written (a folder has its name): exit code 2, and the first
    // file, which was written in full, is put back as it was; no temporary file is left.
    let blocked = dir.path().join("blocked");
    fs::create_dir(&blocked).unwrap();
    fs::write(blocked.join(COSTS), "old costs\n").unwrap();
    fs::create_dir(blocked.join(COMMITMENTS)).unwrap();
    let (code, out, err) = run(&[
        "--catalog",
        catalog,
        "export",
        "focus",
        "-o",
        &path(&blocked),
    ]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("cannot write") && err.contains(COMMITMENTS),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(blocked.join(COSTS)).unwrap(),
        "old costs\n"
    );
    assert!(blocked.join(COMMITMENTS).is_dir());
    assert_eq!(names(&blocked), [COMMITMENTS, COSTS]);

    // The same where the first file did not exist before: it is removed again.
    fs::remove_file(blocked.join(COSTS)).unwrap();
    let (code, _, _) = run(&[
        "--catalog",
        catalog,
        "export",
        "focus",
        "-o",
        &path(&blocked),
    ]);
    assert_eq!(code, 2);
    assert_eq!(names(&blocked), [COMMITMENTS]);

    // A folder without write permission, where permissions apply (not for root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked");
        fs::create_dir(&locked).unwrap();
        fs::write(locked.join(COSTS), "old costs\n").unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
        if fs::write(locked.join("probe"), "").is_err() {
            let (code, _, err) = run(&[
                "--catalog",
                catalog,
                "export",
                "focus",
                "-o",
                &path(&locked),
            ]);
            assert_eq!(code, 2, "{err}");
            assert!(err.contains("cannot write"), "{err}");
            assert_eq!(
                fs::read_to_string(locked.join(COSTS)).unwrap(),
                "old costs\n"
            );
            assert_eq!(names(&locked), [COSTS]);
        }
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn an_existing_export_is_replaced_whole() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().to_str().expect("a UTF-8 path");
    fs::write(dir.path().join(COSTS), "old costs\n").unwrap();
    fs::write(dir.path().join(COMMITMENTS), "old commitments\n").unwrap();
    let (code, _, err) = run(&["export", "focus", "-o", out, "--by", "year"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        fs::read_to_string(dir.path().join(COSTS))
            .unwrap()
            .starts_with("BilledCost,")
    );
    assert!(
        fs::read_to_string(dir.path().join(COMMITMENTS))
            .unwrap()
            .starts_with("BillingCurrency,")
    );
    assert_eq!(names(dir.path()), [COMMITMENTS, COSTS]);
}

#[test]
fn filters_and_periods_shape_the_rows() {
    let (costs, commitments, _dir) =
        export(&["--by", "year", "--signed-only", "--provider", "AWS"]);
    for row in &costs.rows {
        assert_eq!(column(row, "ProviderName"), "AWS");
        assert_eq!(column(row, "x_Status"), "signed");
        let start = utc_day(column(row, "ChargePeriodStart"));
        let end = utc_day(column(row, "ChargePeriodEnd"));
        assert_eq!(
            end,
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1).unwrap()
        );
        // PricingQuantity is the hours of the contract's term in the period.
        let hours: i64 = column(row, "PricingQuantity")
            .strip_suffix(".0")
            .and_then(|h| h.parse().ok())
            .expect("whole hours, written as a decimal");
        assert!(
            hours > 0 && hours <= (end - start).num_days() * 24,
            "{row:?}"
        );
        assert_eq!(column(row, "PricingUnit"), "Hours");
    }
    let ids: Vec<&str> = commitments
        .rows
        .iter()
        .map(|r| column(r, "ContractId"))
        .collect();
    assert_eq!(ids, ["aws-2025", "aws-2026"]);
    // A filter that matches nothing is a usage error, before any folder is created.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let unused = dir.path().join("unused");
    let out = unused.to_str().expect("a UTF-8 path");
    let (code, _, err) = run(&["export", "focus", "-o", out, "--contract", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown contract `nope`"), "{err}");
    assert!(!unused.exists());
}

/// The README shows what `export focus` prints (on standard error) on the shipped catalog; the
/// trycmd case `tests/cmd/export-focus-shipped` pins that output, so the two cannot drift apart.
#[test]
fn the_readme_shows_the_shipped_catalogs_export_as_it_prints() {
    let readme = fs::read_to_string("README.md").unwrap();
    let printed = fs::read_to_string("tests/cmd/export-focus-shipped.stderr").unwrap();
    assert!(!printed.is_empty());
    for line in printed.lines() {
        assert!(readme.contains(line), "README.md lacks `{line}`");
    }
}

/// FOCUS 1.4 Contract Commitment columns capplan fills, with their allowed values:
/// `specification/datasets/contract_commitment/columns/*.md` of the FOCUS_Spec repository.
const FOCUS_1_4_COMMITMENT_ALLOWED: [(&str, &[&str]); 4] = [
    ("ContractCommitmentModel", &["Continuous", "Discontinuous"]),
    (
        "ContractCommitmentPaymentModel",
        &["No Upfront", "Partial Upfront", "All Upfront"],
    ),
    (
        "ContractCommitmentPaymentInterval",
        &[
            "One-Time",
            "Monthly",
            "Quarterly",
            "Semi-Annual",
            "Annual",
            "Custom",
        ],
    ),
    (
        "ContractCommitmentFulfillmentInterval",
        &[
            "Hourly",
            "Daily",
            "Weekly",
            "Monthly",
            "Quarterly",
            "Semi-Annual",
            "Annual",
            "Full Commitment Period",
            "Transactional",
            "Custom",
        ],
    ),
];

#[test]
fn pricing_quantity_is_decimal_text_and_invoice_id_is_a_null_string() {
    // FOCUS 1.2: PricingQuantity MUST be of type Decimal. A CSV carries no types, so a reader
    // (the FOCUS validator among them) infers them from the text: whole numbers would be read as
    // integers. InvoiceId is RECOMMENDED, and MUST be null for a charge with no invoice, as no
    // projected charge has.
    let (costs, _, _dir) = export(&[]);
    assert!(costs.header.iter().any(|h| h == "InvoiceId"));
    for row in &costs.rows {
        let q = column(row, "PricingQuantity");
        let (whole, frac) = q
            .split_once('.')
            .unwrap_or_else(|| panic!("`{q}` has no decimal point"));
        assert!(!whole.is_empty() && !frac.is_empty(), "`{q}`");
        assert!(dec(q) >= Decimal::ZERO);
        assert_eq!(column(row, "InvoiceId"), "", "a projection has no invoice");
    }
}

/// `ContractApplied` as FOCUS 1.3 defines it: a JSON object with an `Elements` array of objects
/// each naming `ContractID` and `ContractCommitmentID` (strings) and applying a cost or a
/// quantity (decimals); a unit only with a quantity.
fn applied_elements(text: &str) -> Vec<(String, String, Decimal)> {
    let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("`{text}`: {e}"));
    let array = v["Elements"]
        .as_array()
        .unwrap_or_else(|| panic!("no `Elements` array: {text}"));
    assert!(!array.is_empty(), "{text}");
    let elements: Vec<(String, String, Decimal)> = array
        .iter()
        .map(|e| {
            let obj = e.as_object().expect("each element is an object");
            for key in obj.keys() {
                assert!(
                    [
                        "ContractID",
                        "ContractCommitmentID",
                        "ContractCommitmentAppliedCost",
                        "ContractCommitmentAppliedQuantity",
                        "ContractCommitmentAppliedUnit",
                    ]
                    .contains(&key.as_str())
                        || key.starts_with("x_"),
                    "`{key}` is neither a FOCUS key nor prefixed x_"
                );
            }
            assert!(e["ContractCommitmentAppliedQuantity"].is_null());
            assert!(
                e["ContractCommitmentAppliedUnit"].is_null(),
                "no unit without a quantity"
            );
            // A JSON number, read back through its shortest decimal text: exact for amounts
            // below 2^53 cents' worth of digits, as every exported one is.
            let cost = e["ContractCommitmentAppliedCost"].to_string();
            (
                e["ContractID"].as_str().expect("ContractID").to_owned(),
                e["ContractCommitmentID"]
                    .as_str()
                    .expect("ContractCommitmentID")
                    .to_owned(),
                dec(&cost),
            )
        })
        .collect();
    // As written, each applied cost has two decimals, as all money in the export has.
    for part in text.split("\"ContractCommitmentAppliedCost\":").skip(1) {
        let number: String = part
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
            .collect();
        money(&number);
    }
    elements
}

#[test]
fn contract_applied_names_the_exported_commitments_and_sums_to_the_effective_cost() {
    for args in [
        &[][..],
        &["--by", "year"][..],
        &["--by", "quarter", "--signed-only"][..],
    ] {
        let (costs, commitments, _dir) = export(args);
        assert!(costs.header.iter().any(|h| h == "ContractApplied"));
        let known: BTreeMap<&str, &str> = commitments
            .rows
            .iter()
            .map(|r| (column(r, "ContractCommitmentId"), column(r, "ContractId")))
            .collect();
        let mut schedule_rows = 0;
        for row in &costs.rows {
            let elements = applied_elements(column(row, "ContractApplied"));
            let contract = column(row, "x_ContractId");
            let mut sum = Decimal::ZERO;
            for (c, commitment, cost) in &elements {
                assert_eq!(c, contract, "{row:?}");
                assert_eq!(
                    known.get(commitment.as_str()),
                    Some(&contract),
                    "`{commitment}` is a commitment of `{contract}` in the commitments file"
                );
                sum += cost;
            }
            assert_eq!(sum, money(column(row, "EffectiveCost")), "{args:?} {row:?}");
            if column(row, "x_SpendModel") == "schedule" {
                schedule_rows += 1;
            }
        }
        assert!(schedule_rows > 0, "the catalog has schedule contracts");
    }
}

#[test]
fn a_period_spanning_two_schedule_payments_splits_its_cost_between_them() {
    // The shipped catalog, with coreweave-2025-09's second payment moved to start mid-February
    // 2026: the first ($1.3B over 2025-09-25 to 2026-02-15, 143 days) has 14 days in February,
    // the second ($5.2B over 2026-02-15 to 2031-06-01, 1932 days) has 14.
    let dir = tempfile::tempdir().expect("a temporary folder");
    for entry in fs::read_dir("contracts").expect("the shipped catalog") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a file name");
        fs::copy(&path, dir.path().join(name)).expect("a copy");
    }
    let file = dir.path().join("coreweave-2025-09.toml");
    let text = fs::read_to_string(&file).expect("the contract");
    let edited = text
        .replace("\nto = 2026-01-01", "\nto = 2026-02-15")
        .replace("\nfrom = 2026-01-01", "\nfrom = 2026-02-15");
    assert_eq!(
        edited.matches("2026-02-15").count(),
        2,
        "the fixture has both dates"
    );
    fs::write(&file, edited).expect("the edited contract");
    let catalog = dir.path().to_str().expect("a UTF-8 path");
    let (costs, commitments, _out) =
        export(&["--catalog", catalog, "--contract", "coreweave-2025-09"]);
    assert_eq!(commitments.rows.len(), 2);
    let feb = costs
        .rows
        .iter()
        .find(|r| column(r, "x_Period") == "2026-02")
        .expect("February 2026");
    let elements = applied_elements(column(feb, "ContractApplied"));
    let ids: Vec<&str> = elements.iter().map(|(_, id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "coreweave-2025-09/2025-09-25",
            "coreweave-2025-09/2026-02-15"
        ]
    );
    let total = money(column(feb, "EffectiveCost"));
    assert_eq!(elements[0].2 + elements[1].2, total);
    // In proportion to each payment's spend in the month: 1.3B x 14/143 and 5.2B x 14/1932.
    let first = Decimal::from(1_300_000_000_i64) * Decimal::from(14) / Decimal::from(143);
    let second = Decimal::from(5_200_000_000_i64) * Decimal::from(14) / Decimal::from(1932);
    let expected = total * first / (first + second);
    assert!(
        (elements[0].2 - expected).abs() <= Decimal::new(1, 2),
        "{} against {expected}",
        elements[0].2
    );
    // Every other month lies within one payment.
    for row in costs
        .rows
        .iter()
        .filter(|r| column(r, "x_Period") != "2026-02")
    {
        assert_eq!(
            applied_elements(column(row, "ContractApplied")).len(),
            1,
            "{row:?}"
        );
    }
}

#[test]
fn commitment_rows_have_the_focus_1_4_columns_with_allowed_values() {
    let (_, commitments, _dir) = export(&[]);
    for (name, allowed) in FOCUS_1_4_COMMITMENT_ALLOWED {
        assert!(commitments.header.iter().any(|h| h == name), "`{name}`");
        for row in &commitments.rows {
            let v = column(row, name);
            assert!(allowed.contains(&v), "`{name}` = `{v}`: {row:?}");
        }
    }
    for row in &commitments.rows {
        // All Upfront is one payment; a continuous commitment is never measured over the whole
        // term.
        if column(row, "ContractCommitmentPaymentModel") == "All Upfront" {
            assert_eq!(column(row, "ContractCommitmentPaymentInterval"), "One-Time");
        }
        assert_eq!(column(row, "ContractCommitmentModel"), "Discontinuous");
        assert_eq!(
            column(row, "ContractCommitmentFulfillmentInterval"),
            "Full Commitment Period"
        );
    }
}

/// The FinOps Foundation's `focus-validator`, where CI installed it: `CAPPLAN_FOCUS_VALIDATOR_VENV`
/// names the Python environment it is in. The validator reads a file of currency codes by a path
/// relative to its working folder, so it runs in the folder that holds its package.
///
/// One rule is excused: `focus-validator` 2.2.1 checks `InvoiceId-C-004-C` ("MUST be null when
/// the charge has no invoice") and `InvoiceId-C-005-C` ("MUST NOT be null when it has one") both
/// on every row, though each applies only to its own charges and their parent rule
/// `InvoiceId-C-003-C` passes when either does. Every dataset fails one of the two; a projection
/// has no invoice, so `InvoiceId` is null and `InvoiceId-C-005-C` is the one.
const VALIDATOR_EXCUSED: [&str; 1] = ["InvoiceId-C-005-C"];

#[test]
fn the_focus_validator_passes_the_costs_file() {
    let Some(venv) = std::env::var_os("CAPPLAN_FOCUS_VALIDATOR_VENV") else {
        eprintln!(
            "skipped: focus-validator is not installed (CAPPLAN_FOCUS_VALIDATOR_VENV is not set)"
        );
        return;
    };
    let venv = Path::new(&venv);
    let python = venv.join("bin").join("python");
    let site = std::process::Command::new(&python)
        .args([
            "-c",
            "import os, focus_validator; print(os.path.dirname(os.path.dirname(focus_validator.__file__)))",
        ])
        .output()
        .expect("the validator's Python runs");
    assert!(site.status.success(), "{site:?}");
    let site = String::from_utf8(site.stdout).expect("UTF-8");
    let (_, _, dir) = export(&[]);
    let file = dir.path().join("focus").join(COSTS);
    let out = std::process::Command::new(venv.join("bin").join("focus-validator"))
        .args([
            "--validate-version",
            "1.2",
            "--block-download",
            "--data-file",
        ])
        .arg(&file)
        .current_dir(site.trim())
        .output()
        .expect("focus-validator runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    let totals = text
        .lines()
        .find(|l| l.starts_with("Total:"))
        .unwrap_or_else(|| panic!("no totals: {text}"));
    eprintln!("focus-validator 1.2: {totals}");
    let count = |key: &str| -> u32 {
        totals
            .split('|')
            .find_map(|p| p.trim().strip_prefix(key))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no `{key}` in `{totals}`"))
    };
    assert!(count("Pass:") > 100, "{totals}");
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(": FAIL"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|id| id.trim_end_matches(':'))
        .collect();
    let unexcused: Vec<&&str> = failed
        .iter()
        .filter(|id| !VALIDATOR_EXCUSED.contains(id))
        .collect();
    assert!(unexcused.is_empty(), "{totals}: {unexcused:?}\n{text}");
    assert!(
        count("Fail:") as usize <= VALIDATOR_EXCUSED.len(),
        "{totals}"
    );
}
