//! Limits: input far larger than any real catalog gets a clear message, not an out-of-memory.

use std::process::Command;

#[test]
fn a_file_over_the_size_cap_is_refused_by_name_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "contracts/portfolio.toml",
        dir.path().join("portfolio.toml"),
    )
    .unwrap();
    let cap = capplan::catalog::load::MAX_FILE_BYTES as usize;
    std::fs::write(dir.path().join("dump.toml"), vec![b'#'; cap + 1]).unwrap();
    for args in [vec!["validate"], vec!["plan"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .arg("--catalog")
            .arg(dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("dump.toml` is larger than 16 MiB"), "{err}");
    }
    // One byte under the cap is read (and is a comment-only, empty contract file).
    std::fs::write(dir.path().join("dump.toml"), vec![b'#'; cap]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .arg("validate")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("empty-file"));
}

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

/// Runs capplan in the crate's folder, without a catalog from the environment.
fn capplan(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(args)
        .env_remove("CAPPLAN_CATALOG")
        .output()
        .expect("capplan runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit code, with a message that shows stderr where a signal (a crash) ended the run.
fn code(out: &std::process::Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("ended by a signal: {}", text(&out.stderr)))
}

const PORTFOLIO: &str = r#"[portfolio]
name = "Limits"
currency = "USD"
horizon = { start = HORIZON_START, end = HORIZON_END }
pue = 1.2

[[target]]
id = "main"
spend_usd = "10B"
power_gw = 1
by = TARGET_BY

[[hardware]]
id = "gb300"
name = "GB300"
kind = "gpu"
watts_per_unit = 1972
rate_usd_per_hour = "7.00"
tflops = { bf16 = 2500, fp8 = 5000 }
"#;

/// A contract from `start` for `term` (a TOML line such as `term = "3y"`), with one tranche
/// online from `from` to `by`.
fn contract(start: &str, term: &str, from: &str, by: &str) -> String {
    format!(
        r#"id = "acme-1"
provider = "Acme"
title = "Acme"
start = {start}
{term}
value_usd = "1B"
sources = ["https://example.com/acme"]

[[tranche]]
id = "g"
hardware = "gb300"
units = 40_000
online_from = {from}
online_by = {by}
"#
    )
}

/// A catalog folder with a portfolio over `horizon` and the given files.
fn catalog(horizon: (&str, &str), files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let portfolio = PORTFOLIO
        .replace("HORIZON_START", horizon.0)
        .replace("HORIZON_END", horizon.1)
        .replace("TARGET_BY", horizon.1);
    std::fs::write(dir.path().join("portfolio.toml"), portfolio).unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

fn path(dir: &tempfile::TempDir) -> &str {
    dir.path().to_str().unwrap()
}

/// A contract of `n` one-unit tranches, all in its term.
fn contract_with_tranches(n: usize) -> String {
    let mut body = String::from(
        "id = \"big-1\"\nprovider = \"Big\"\ntitle = \"Big\"\nstart = 2026-01-01\nterm = \"3y\"\nvalue_usd = \"1B\"\nsources = [\"https://example.com/big\"]\n",
    );
    for i in 0..n {
        body.push_str(&format!(
            "\n[[tranche]]\nid = \"t{i}\"\nhardware = \"gb300\"\nunits = 1\nonline_from = 2026-02-01\nonline_by = 2026-03-01\n"
        ));
    }
    body
}

#[test]
fn a_contract_over_the_tranche_cap_is_a_located_diagnostic() {
    let cap = capplan::catalog::limits::MAX_TRANCHES_PER_CONTRACT;
    let dir = catalog(
        ("2026-01-01", "2030-01-01"),
        &[("big.toml", &contract_with_tranches(cap + 1))],
    );
    let out = capplan(&["validate", path(&dir)]);
    assert_eq!(code(&out), 1);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("error[too-many-tranches]: contract `big-1` has 10,001 `[[tranche]]` tables, more than the 10,000 capplan takes in one contract"),
        "{stdout}"
    );
    // Located at the first tranche past the cap: line 9 holds the first, 7 lines each.
    assert!(
        stdout.contains(&format!("big.toml:{}:1", 9 + 7 * cap)),
        "{stdout}"
    );
    let out = capplan(&["--catalog", path(&dir), "plan"]);
    assert_eq!(code(&out), 1);
    assert!(text(&out.stderr).contains("too-many-tranches"));

    // At the cap, the contract is read and planned.
    let dir = catalog(
        ("2026-01-01", "2030-01-01"),
        &[("big.toml", &contract_with_tranches(cap))],
    );
    let out = capplan(&["--catalog", path(&dir), "plan", "--by", "year"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("10,000"));
}

#[test]
fn the_caps_are_generous_for_a_catalog_of_100000_contracts() {
    use capplan::catalog::limits::*;
    // Such a catalog (bench/gen_catalog.py) has 100,001 files of 1 to 4 tranches each, a few
    // KiB each.
    const CONTRACTS: usize = 100_000;
    const FILE_BYTES: u64 = 8 << 10;
    const { assert!(MAX_CATALOG_FILES >= 10 * CONTRACTS) };
    const { assert!(MAX_CATALOG_TRANCHES >= 2 * 4 * CONTRACTS) };
    const { assert!(MAX_TRANCHES_PER_CONTRACT >= 1000) };
    const { assert!(MAX_FILE_BYTES >= 1000 * FILE_BYTES) };
}

/// TOML nested ten thousand deep, as an array and as inline tables.
fn deep(depth: usize) -> [String; 2] {
    [
        format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
        format!("x = {}1{}\n", "{ a = ".repeat(depth), " }".repeat(depth)),
    ]
}

#[test]
fn deeply_nested_toml_in_a_contract_is_a_syntax_diagnostic_not_a_stack_overflow() {
    for nested in deep(10_000) {
        let dir = catalog(
            ("2026-01-01", "2030-01-01"),
            &[("deep.toml", &format!("id = \"deep-1\"\n{nested}"))],
        );
        let out = capplan(&["validate", "--format", "json", path(&dir)]);
        assert_eq!(code(&out), 1);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let syntax: Vec<_> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "toml-syntax")
            .collect();
        assert_eq!(syntax.len(), 1, "{report}");
        assert!(
            syntax[0]["message"]
                .as_str()
                .unwrap()
                .contains("cannot recurse further"),
            "{report}"
        );
        let out = capplan(&["--catalog", path(&dir), "plan"]);
        assert_eq!(code(&out), 1);
        assert!(text(&out.stderr).contains("error[toml-syntax]: cannot recurse further"));
    }
}

#[test]
fn deeply_nested_toml_in_a_scenario_is_a_syntax_diagnostic_not_a_stack_overflow() {
    for nested in deep(10_000) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("deep.toml");
        std::fs::write(&file, format!("[scenario]\nname = \"deep\"\n{nested}")).unwrap();
        let file = file.to_str().unwrap();
        let out = capplan(&["--scenario", file, "plan"]);
        assert_eq!(code(&out), 1);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("error[toml-syntax]: cannot recurse further"),
            "{stderr}"
        );
        assert!(stderr.contains("error: a scenario is invalid"), "{stderr}");
        let out = capplan(&["validate", file]);
        assert_eq!(code(&out), 1);
    }
}

#[test]
fn a_horizon_from_year_1_to_9999_is_planned() {
    let dir = catalog(
        ("0001-01-01", "9999-12-31"),
        &[(
            "acme.toml",
            &contract("0001-01-01", "end = 9999-12-31", "0001-01-01", "0001-06-01"),
        )],
    );
    let out = capplan(&["--catalog", path(&dir), "plan", "--by", "year"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\n 0001 "), "{stdout}");
    assert!(stdout.contains("\n 9999 "), "{stdout}");
    let out = capplan(&[
        "--catalog",
        path(&dir),
        "spend",
        "--by",
        "month",
        "--from",
        "9999-12",
        "--format",
        "csv",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // The last month ends after the horizon's (exclusive) end, in the year 10000.
    assert!(
        text(&out.stdout).contains("9999-12,9999-12-01,+10000-01-01,total,"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn dates_at_the_ends_of_the_toml_range_are_read_and_planned() {
    // TOML's years run from 0000 to 9999, all within the calendar; a term may end past 9999.
    let dir = catalog(
        ("0000-01-01", "9999-12-31"),
        &[
            (
                "early.toml",
                &contract("0000-01-01", "term = \"1y\"", "0000-01-01", "0000-02-29")
                    .replace("acme-1", "early-1"),
            ),
            (
                "late.toml",
                &contract("9999-12-01", "term = \"1m\"", "9999-12-01", "9999-12-30")
                    .replace("acme-1", "late-1"),
            ),
        ],
    );
    let out = capplan(&["validate", path(&dir)]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    let out = capplan(&["--catalog", path(&dir), "contracts", "--format", "csv"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("0000-01-01,0001-01-01"), "{stdout}");
    assert!(stdout.contains("9999-12-01,+10000-01-01"), "{stdout}");
    for by in ["year", "quarter", "month"] {
        let out = capplan(&["--catalog", path(&dir), "capacity", "--by", by]);
        assert_eq!(code(&out), 0, "{by}: {}", text(&out.stderr));
    }
    let out = capplan(&[
        "--catalog",
        path(&dir),
        "sensitivity",
        "--metric",
        "gw@9999Q4",
        "--shift",
        "1y",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn dates_toml_accepts_but_capplan_does_not_are_invalid_dates() {
    for (value, message) in [
        ("2026-02-30", "invalid date"),
        ("2026-01-01T00:00:00", "`start` must be a plain date"),
        ("1990-12-31T23:59:60Z", "`start` must be a plain date"),
        ("00:00:00", "`start` must be a plain date"),
    ] {
        let dir = catalog(
            ("2026-01-01", "2030-01-01"),
            &[(
                "acme.toml",
                &contract(value, "term = \"3y\"", "2026-02-01", "2026-03-01"),
            )],
        );
        let out = capplan(&["validate", path(&dir)]);
        assert_eq!(code(&out), 1, "{value}");
        let stdout = text(&out.stdout);
        assert!(stdout.contains("error[invalid-date]"), "{value}: {stdout}");
        assert!(stdout.contains(message), "{value}: {stdout}");
    }
}

#[test]
fn a_term_past_the_calendar_is_an_overflow_and_a_longer_one_is_too_long() {
    let dir = catalog(
        ("2026-01-01", "2030-01-01"),
        &[(
            "acme.toml",
            &contract(
                "2026-01-01",
                "term = \"10000000y\"",
                "2026-02-01",
                "2026-03-01",
            ),
        )],
    );
    let out = capplan(&["validate", path(&dir)]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stdout)
            .contains("error[overflow]: `start + term` is past the end of the calendar"),
        "{}",
        text(&out.stdout)
    );
    let dir = catalog(
        ("2026-01-01", "2030-01-01"),
        &[(
            "acme.toml",
            &contract(
                "2026-01-01",
                "term = \"10000001y\"",
                "2026-02-01",
                "2026-03-01",
            ),
        )],
    );
    let out = capplan(&["validate", path(&dir)]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stdout).contains("error[invalid-duration]: `term`: `10000001y` is too long: a duration counts at most 10,000,000 days, weeks, months, quarters or years"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_delay_past_the_calendar_is_an_overflow_and_a_longer_one_is_too_long() {
    for delay in ["*=10000000y", "*=-10000000y", "*=10000000m", "*=-10000000q"] {
        let out = capplan(&["plan", "--delay", delay]);
        assert_eq!(code(&out), 1, "{delay}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("error[overflow]: delaying tranche"),
            "{stderr}"
        );
        assert!(stderr.contains("leaves the calendar"), "{stderr}");
    }
    let out = capplan(&["plan", "--delay", "*=10000001y"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("`10000001y` is too long"));
}

#[test]
fn a_slip_past_the_calendar_is_too_long() {
    let dir = tempfile::tempdir().unwrap();
    for slip in [
        "uniform(0d, 9999999y)",
        "uniform(-9999999y, 0d)",
        "triangular(0d, 1d, 10000000y)",
        "fixed(9999999q)",
    ] {
        let file = dir.path().join("slip.toml");
        std::fs::write(
            &file,
            format!("[scenario]\nname = \"slip\"\n\n[[risk]]\nselect = \"*\"\nslip = \"{slip}\"\n"),
        )
        .unwrap();
        let out = capplan(&["--scenario", file.to_str().unwrap(), "risk"]);
        assert_eq!(code(&out), 1, "{slip}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("error[invalid-distribution]")
                && stderr.contains("is too long: a slip must stay within capplan's calendar"),
            "{slip}: {stderr}"
        );
    }
}

#[test]
fn slips_near_the_ends_of_the_calendar_are_sampled() {
    let dir = catalog(
        ("9990-01-01", "9999-12-31"),
        &[(
            "acme.toml",
            &contract("9999-01-01", "term = \"3y\"", "9999-01-01", "9999-06-01"),
        )],
    );
    let scenario = dir.path().join("slip.scenario");
    std::fs::write(
        &scenario,
        "[scenario]\nname = \"slip\"\n\n[[risk]]\nselect = \"*\"\nslip = \"uniform(0d, 9y)\"\n",
    )
    .unwrap();
    let out = capplan(&[
        "--catalog",
        path(&dir),
        "--scenario",
        scenario.to_str().unwrap(),
        "risk",
        "--by",
        "year",
        "--samples",
        "1000",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn samples_beyond_the_memory_budget_are_refused_before_allocating() {
    // 10,000,000 samples of 132 months need about 10.1 GiB: refused at once, exit 2, with the
    // number of samples that fit.
    let out = capplan(&[
        "--scenario",
        "examples/scenarios/delivery-risk.toml",
        "risk",
        "--by",
        "month",
        "--samples",
        "10000000",
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        text(&out.stderr),
        "error: --samples 10,000,000 over 132 periods needs about 10.1 GiB of memory, more than the 4 GiB a run may take: use at most 3,974,978 samples here, a shorter window (--from, --to) or longer periods (--by)\n"
    );
    assert!(out.stdout.is_empty());
    // Over a horizon of ten thousand years, even the default samples are too many by month.
    let dir = catalog(
        ("0001-01-01", "9999-12-31"),
        &[(
            "acme.toml",
            &contract("0001-01-01", "end = 9999-12-31", "0001-01-01", "0001-06-01"),
        )],
    );
    let scenario = dir.path().join("slip.scenario");
    std::fs::write(
        &scenario,
        "[scenario]\nname = \"slip\"\n\n[[risk]]\nselect = \"*\"\nslip = \"uniform(0d, 1y)\"\n",
    )
    .unwrap();
    let out = capplan(&[
        "--catalog",
        path(&dir),
        "--scenario",
        scenario.to_str().unwrap(),
        "risk",
        "--by",
        "month",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr)
            .starts_with("error: --samples 10,000 over 119,988 periods needs about 9.1 GiB"),
        "{}",
        text(&out.stderr)
    );
}
