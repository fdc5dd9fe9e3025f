//! Scenarios against the catalog: an empty scenario changes nothing; a change written in a
//! scenario file and the same change given as quick flags give the same figures; every example
//! scenario runs through the commands users run it with.

use std::path::Path;
use std::process::Command;

use capplan::catalog::validate::Checks;
use capplan::catalog::{self, Catalog, CatalogFiles};
use capplan::diagnostic::{Code, Report};
use capplan::engine::{self, By, Filter, Grid, GroupBy, Timeline};
use capplan::scenario::flags::{DelayFlag, ScaleFlag, WhatIf};
use capplan::scenario::{self, Scenario, Selector};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn shipped() -> Catalog {
    let files = CatalogFiles::read_dir(Path::new("contracts")).unwrap();
    let mut report = Report::default();
    catalog::load(&files, &mut report).expect("the shipped catalog is valid")
}

/// Every figure of the engine, per tranche and per contract, on a monthly grid: if two catalogs
/// give the same fingerprint, no report can tell them apart.
fn fingerprint(catalog: &Catalog) -> String {
    let grid = Grid::new(By::Month, catalog.portfolio.fiscal_year_start_month);
    let tl = Timeline::new(
        catalog,
        grid,
        catalog.portfolio.horizon_start,
        catalog.portfolio.horizon_end,
    );
    let filter = Filter::default();
    let cap = engine::capacity(catalog, &tl, GroupBy::Tranche, &filter).expect("capacity");
    let spend = engine::spend(catalog, &tl, GroupBy::Contract, &filter).expect("spend");
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        cap.groups, cap.values, spend.groups, spend.values
    )
}

/// A scenario file's text, read as a file would be.
fn scenario_from_text(text: &str, report: &mut Report) -> Option<Scenario> {
    scenario::read_scenario("what-if.toml", text.as_bytes().to_vec(), report)
}

/// The catalog under `scenarios`, or the codes of the errors they cause.
fn applied(
    base: &Catalog,
    scenarios: &[Scenario],
    report: &mut Report,
) -> Result<Catalog, Vec<Code>> {
    scenario::apply_all(base, scenarios, Checks::ErrorsOnly, report).ok_or_else(|| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect()
    })
}

#[test]
fn an_empty_scenario_changes_no_figure() {
    let base = shipped();
    let mut report = Report::default();
    let empty =
        scenario_from_text("[scenario]\nname = \"nothing\"\n", &mut report).expect("parses");
    let after = applied(&base, &[empty], &mut report).expect("valid");
    assert_eq!(fingerprint(&after), fingerprint(&base));
}

#[test]
fn a_selector_that_matches_nothing_is_an_error_not_a_no_op() {
    let base = shipped();
    let mut report = Report::default();
    let s = scenario_from_text(
        "[scenario]\nname = \"x\"\n[[adjust]]\nselect = \"provider:Nobody\"\ndelay = \"1q\"\n",
        &mut report,
    )
    .unwrap();
    assert_eq!(
        applied(&base, &[s], &mut report).err(),
        Some(vec![Code::UnmatchedSelector])
    );
}

#[test]
fn a_delay_past_the_contract_end_is_reported_at_the_scenario_line() {
    let base = shipped();
    let mut report = Report::default();
    let text = "[scenario]\nname = \"late\"\n\n[[adjust]]\nselect = \"tranche:google-2025/b200\"\ndelay = \"3y\"\n";
    let s = scenario_from_text(text, &mut report).unwrap();
    assert!(applied(&base, &[s], &mut report).is_err());
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::TrancheOutsideTerm)
        .expect("reported");
    let (file, pos) = report.sources.resolve(&d.location);
    assert_eq!((file.as_str(), pos), ("what-if.toml", Some((6, 9))));
}

#[test]
fn scaling_a_schedule_keeps_it_summing_to_the_value() {
    let base = shipped();
    let mut report = Report::default();
    let text =
        "[scenario]\nname = \"third\"\n[[adjust]]\nselect = \"oracle-2025\"\nscale_value = 0.333\n";
    let s = scenario_from_text(text, &mut report).unwrap();
    let after = applied(&base, &[s], &mut report).expect("still valid: the schedule sums");
    let oracle = after.contract("oracle-2025").unwrap();
    assert_eq!(oracle.value_usd, Decimal::new(99_900_000_000, 0));
    let sum: Decimal = oracle.spend_schedule.iter().map(|e| e.amount_usd).sum();
    assert_eq!(sum, oracle.value_usd);
}

/// Selectors the properties draw from, all matching something in the shipped catalog.
const SELECTORS: &[&str] = &[
    "*",
    "aws-2025",
    "provider:Oracle",
    "provider:CoreWeave",
    "hardware:gb300",
    "hardware:vera-rubin",
    "tranche:aws-2025/gb300",
    "tranche:nvidia-2025/gw-1",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// `--delay SEL=D --scale SEL=F` and a file with the same `[[adjust]]` entries give the same
    /// catalog, or the same errors.
    #[test]
    fn a_scenario_file_and_the_same_quick_flags_agree(
        delay_sel in 0..SELECTORS.len(),
        delay in -3_i64..6,
        unit in prop::sample::select(vec!["d", "m", "q"]),
        scale_sel in 0..SELECTORS.len(),
        factor_pct in 50_u32..150,
        pue_pct in prop::option::of(100_u32..160),
    ) {
        let base = shipped();
        let duration = format!("{}{unit}", delay * if unit == "d" { 30 } else { 1 });
        let factor = Decimal::new(i64::from(factor_pct), 2);
        let mut file = format!(
            "[scenario]\nname = \"file\"\n\n[[adjust]]\nselect = \"{}\"\ndelay = \"{duration}\"\n\n[[adjust]]\nselect = \"{}\"\nscale_units = {factor}\nscale_value = {factor}\n",
            SELECTORS[delay_sel], SELECTORS[scale_sel]
        );
        if let Some(p) = pue_pct {
            file = file.replacen("\n\n[[adjust]]", &format!("\n\n[portfolio]\npue = {}\n\n[[adjust]]", Decimal::new(i64::from(p), 2)), 1);
        }
        let mut file_report = Report::default();
        let from_file = scenario_from_text(&file, &mut file_report).expect("the scenario parses");
        let by_file = applied(&base, &[from_file], &mut file_report);

        let flags = WhatIf {
            delay: vec![DelayFlag { select: Selector::parse(SELECTORS[delay_sel]).unwrap(), delay: duration.parse().unwrap() }],
            scale: vec![ScaleFlag { select: Selector::parse(SELECTORS[scale_sel]).unwrap(), factor }],
            pue: pue_pct.map(|p| Decimal::new(i64::from(p), 2)),
            exclude: Vec::new(),
            demand_scale: None,
        };
        let mut flag_report = Report::default();
        let from_flags = flags.to_scenario(&mut flag_report.sources).expect("flags given");
        let by_flags = applied(&base, &[from_flags], &mut flag_report);
        match (by_file, by_flags) {
            (Ok(a), Ok(b)) => prop_assert_eq!(fingerprint(&a), fingerprint(&b)),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "file: {:?}, flags: {:?}", a.err(), b.err()),
        }
    }
}

fn capplan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CAPPLAN_CATALOG")
        .output()
        .expect("capplan runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The example scenarios shipped under `examples/scenarios/`.
fn examples() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir("examples/scenarios")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 6,
        "at least six example scenarios: {files:?}"
    );
    files
}

#[test]
fn every_example_scenario_validates_and_runs_through_plan_and_compare() {
    for file in examples() {
        let (code, out, err) = capplan(&["validate", "--strict", &file]);
        assert_eq!(code, 0, "validate {file}: {out}{err}");
        let (code, out, err) = capplan(&["--catalog", "contracts", "--scenario", &file, "plan"]);
        assert_eq!(code, 0, "plan {file}: {err}");
        assert!(out.contains("2033Q4"), "plan {file}: {out}");
        let (code, out, err) = capplan(&[
            "--catalog",
            "contracts",
            "--scenario",
            &file,
            "--format",
            "json",
            "compare",
        ]);
        assert_eq!(code, 0, "compare {file}: {err}");
        let json: serde_json::Value = serde_json::from_str(&out).expect("compare JSON");
        assert!(
            json["rows"].as_array().is_some_and(|r| !r.is_empty()),
            "compare {file}"
        );
    }
}

/// Every code a scenario or a what-if flag can cause by moving a field points at the scenario
/// line or the flag, the cause, whatever the catalog line it is compared with.
#[test]
fn problems_a_scenario_causes_are_located_at_the_scenario_or_the_flag() {
    // `amd-2025`'s `gw-1` runs until 2033-01-01; `aws-2025`'s `gb300` has 120,000 units.
    let cases: [(&str, &str, Code, &str); 4] = [
        (
            "[[adjust]]\nselect = \"tranche:amd-2025/gw-1\"\ndelay = \"78m\"\n",
            "--delay=tranche:amd-2025/gw-1=78m",
            Code::EmptyTranche,
            "`until` is given here",
        ),
        (
            "[[adjust]]\nselect = \"tranche:amd-2025/gw-1\"\ndelay = \"75m\"\n",
            "--delay=tranche:amd-2025/gw-1=75m",
            Code::NeverFullCapacity,
            "",
        ),
        (
            "[[adjust]]\nselect = \"tranche:aws-2025/gb300\"\nscale_units = 0.000001\n",
            "--scale=tranche:aws-2025/gb300=0.000001",
            Code::NonPositive,
            "`units` is 0 once scaled",
        ),
        (
            "[[adjust]]\nselect = \"tranche:google-2025/b200\"\ndelay = \"3y\"\n",
            "--delay=tranche:google-2025/b200=3y",
            Code::TrancheOutsideTerm,
            "",
        ),
    ];
    for (adjust, flag, code, words) in cases {
        // The catalog's files and the scenario's in one report, as in a run.
        let files = CatalogFiles::read_dir(Path::new("contracts")).unwrap();
        let mut report = Report::default();
        let base = catalog::load(&files, &mut report).expect("valid");
        let text = format!("[scenario]\nname = \"what-if\"\n\n{adjust}");
        let s = scenario_from_text(&text, &mut report).unwrap();
        let _ = scenario::apply_all(&base, &[s], Checks::All, &mut report);
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{code:?} not reported: {:#?}", report.diagnostics));
        let (file, pos) = report.sources.resolve(&d.location);
        // Line 6 holds the `delay` or `scale_units` of the adjustment.
        assert_eq!(
            (file.as_str(), pos.map(|p| p.0)),
            ("what-if.toml", Some(6)),
            "{code:?} {text:?}"
        );
        // The same change as a flag: the diagnostic points at the command line.
        let (status, out, err) = capplan(&[flag, "validate"]);
        let err = out + &err;
        assert_eq!(status, i32::from(d.is_error()), "{flag}: {err}");
        let severity = if d.is_error() { "error" } else { "warning" };
        assert!(
            err.contains(&format!("{severity}[{}]", code.name())),
            "{flag}: {err}"
        );
        assert!(err.contains("┌─ command line:1:"), "{flag}: {err}");
        assert!(err.contains(words), "{flag}: {err}");
    }
}

#[test]
fn a_selector_that_matches_nothing_suggests_the_nearest_that_does() {
    for (flag, near) in [
        ("--delay=aws-2052=1q", "`aws-2025`"),
        (
            "--delay=tranche:aws-2025/gb30=1q",
            "`tranche:aws-2025/gb300`",
        ),
        (
            "--delay=tranche:aws-2052/gb300=1q",
            "`tranche:aws-2025/gb300`",
        ),
        (
            "--exclude=provider:Microsoft Azur",
            "`provider:Microsoft Azure`",
        ),
        ("--delay=hardware:gb3000=1q", "`hardware:gb300`"),
    ] {
        let (code, _, err) = capplan(&[flag, "plan"]);
        assert_eq!(code, 1, "{flag}: {err}");
        assert!(err.contains("error[unmatched-selector]"), "{flag}: {err}");
        assert!(
            err.contains(&format!("did you mean {near}?")),
            "{flag}: {err}"
        );
    }
}

#[test]
fn a_misspelt_scenario_table_is_checked_as_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("what-if.toml");
    std::fs::write(&file, "[scenaro]\nname = \"x\"\n").unwrap();
    for args in [
        vec!["validate", file.to_str().unwrap()],
        vec!["--scenario", file.to_str().unwrap(), "validate"],
    ] {
        let (code, out, err) = capplan(&args);
        let text = out + &err;
        assert_eq!(code, 1, "{args:?}: {text}");
        assert!(
            text.contains("unknown key `scenaro` in the scenario file"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("did you mean `scenario`?"),
            "{args:?}: {text}"
        );
        assert!(
            !text.contains("the contract is missing"),
            "{args:?}: {text}"
        );
    }
}
