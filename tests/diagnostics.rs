//! Every diagnostic code, pinned on a minimal catalog: `tests/fixtures/codes/<code>/` holds the
//! smallest folder that makes the loader report that code, and nothing else. Each test checks the
//! code, file, line, column, message and help of that one diagnostic, and snapshots the human
//! output (`tests/snapshots/diagnostics__<code>.snap`), so the exact text users see is pinned.
//!
//! Paths are relative to the crate root, the working directory of integration tests, and appear
//! as such in file names and messages.

use std::collections::BTreeSet;
use std::path::Path;

use capplan::catalog::validate::Checks;
use capplan::catalog::{self, CatalogFiles};
use capplan::diagnostic::{Code, Report, Severity};
use capplan::engine::risk_term::slips_leaving_term;
use capplan::report::diagnostics::{DiagnosticFormat, render};
use capplan::scenario;

/// The folder of one fixture catalog per code.
const FIXTURES: &str = "tests/fixtures/codes";

/// Codes that have no fixture, each with the reason.
/// (A file that cannot be read is not a diagnostic: it stops the run with exit code 2.)
const WITHOUT_FIXTURE: &[Code] = &[
    // The smallest fixture would be a contract of 10,001 tranches, a megabyte: tests/limits.rs
    // writes one for the test, and a unit test of `validate` pins the catalog-wide cap.
    Code::TooManyTranches,
];

/// Loads a fixture: a catalog folder, or, for scenario codes, `catalog/` with `scenario.toml`
/// applied to it.
fn load_dir(dir: &str) -> Report {
    let scenario_file = Path::new(dir).join("scenario.toml");
    let catalog_dir = if scenario_file.exists() {
        format!("{dir}/catalog")
    } else {
        dir.to_owned()
    };
    let files = CatalogFiles::read_dir(Path::new(&catalog_dir)).unwrap_or_else(|e| panic!("{e}"));
    let mut report = Report::default();
    let catalog = catalog::load(&files, &mut report);
    // As `capplan validate` does: a valid catalog is also checked against its observations.
    if let Some(valid) = &catalog {
        for d in capplan::engine::observe::mismatches(valid).expect("no overflow") {
            report.push(d);
        }
    }
    // As `capplan validate` does: a catalog with an `actuals/` folder has its actuals read.
    let actuals = Path::new(&catalog_dir).join("actuals");
    if actuals.is_dir() {
        let valid = catalog
            .as_ref()
            .expect("an actuals fixture's catalog is valid");
        let (_, found) = capplan::actuals::attribute::load(
            valid,
            &actuals,
            capplan::actuals::focus::CostColumn::Billed,
            None,
            None,
        );
        for d in found {
            report.push(d);
        }
    }
    if scenario_file.exists() {
        let catalog = catalog.expect("a scenario fixture's catalog is valid");
        let bytes = std::fs::read(&scenario_file).unwrap();
        let name = scenario_file.display().to_string();
        if let Some(s) = scenario::read_scenario(&name, bytes, &mut report) {
            let applied =
                scenario::apply_all(&catalog, std::slice::from_ref(&s), Checks::All, &mut report);
            // As `capplan risk` and `capplan validate` do: slips that can leave a term.
            if let Some(applied) = applied
                && let Ok(found) = slips_leaving_term(&applied, &s.risks)
            {
                for d in found {
                    report.push(d);
                }
            }
        }
    }
    report.sort();
    report
}

fn human(report: &Report) -> String {
    let mut out = Vec::new();
    render(report, DiagnosticFormat::Human, false, &mut out).expect("rendering to a Vec");
    String::from_utf8(out).expect("human output is UTF-8")
}

/// Loads `tests/fixtures/codes/<code>` and checks that it reports exactly one diagnostic, the
/// expected one, then snapshots its human rendering.
fn check_fixture(
    code: &str,
    file: &str,
    position: Option<(usize, usize)>,
    message: &str,
    help: Option<&str>,
) {
    let dir = format!("{FIXTURES}/{code}");
    let report = load_dir(&dir);
    let found: Vec<_> = report.diagnostics.iter().map(|d| d.code.name()).collect();
    assert_eq!(
        found,
        [code],
        "fixture `{dir}` must report exactly one `{code}`"
    );
    let d = &report.diagnostics[0];
    assert_eq!(d.severity, d.code.severity(), "severity of `{code}`");
    let (name, pos) = report.sources.resolve(&d.location);
    assert_eq!(name, format!("{dir}/{file}"), "file of `{code}`");
    assert_eq!(pos, position, "line and column of `{code}`");
    assert_eq!(d.message, message, "message of `{code}`");
    assert_eq!(d.help.as_deref(), help, "help of `{code}`");
    insta::with_settings!({ description => format!("capplan validate {dir}"), omit_expression => true }, {
        insta::assert_snapshot!(code, human(&report));
    });
}

/// The optional help of a `pinned!` entry.
macro_rules! help {
    () => {
        None
    };
    ($help:literal) => {
        Some($help)
    };
}

/// One test per code: `test_name: "code" in "file" at Some((line, column)), "message", help: "help";`
macro_rules! pinned {
    ($($test:ident: $code:literal in $file:literal at $pos:expr, $message:literal $(, help: $help:literal)?;)*) => {
        $(
            #[test]
            fn $test() {
                check_fixture($code, $file, $pos, $message, help!($($help)?));
            }
        )*

        /// The codes pinned above.
        const PINNED: &[&str] = &[$($code),*];
    };
}

pinned! {
    contracted_value_above_the_target_is_a_warning: "above-target" in "portfolio.toml" at Some((9, 13)),
        "contracted value $150.00B is above target `main` ($100.00B) by $50.00B",
        help: "check for double-counted deals, or raise the target";
    a_contract_id_used_twice_is_reported_at_the_second: "duplicate-id" in "acme.toml" at Some((2, 6)),
        "contract id `acme-2026` is defined more than once",
        help: "give each contract its own id";
    portfolio_settings_in_a_contract_file_are_reported: "duplicate-portfolio" in "acme.toml" at Some((9, 2)),
        "`tests/fixtures/codes/duplicate-portfolio/acme.toml` holds a `[portfolio]` table, but the portfolio of catalog `tests/fixtures/codes/duplicate-portfolio` belongs in `portfolio.toml`",
        help: "move these settings into `portfolio.toml`; every other file is one contract";
    an_empty_contract_file_is_reported: "empty-file" in "acme.toml" at Some((1, 1)),
        "the contract file `tests/fixtures/codes/empty-file/acme.toml` is empty",
        help: "a contract needs at least `id`, `provider`, `title`, `start`, `term` or `end`, and `value_usd`";
    a_contract_that_ends_on_its_start_day_is_reported: "empty-term" in "acme.toml" at Some((6, 7)),
        "contract `acme-2026` ends on 2026-01-01 but starts on 2026-01-01; the end (exclusive) must be after the start";
    a_tranche_that_ends_when_it_starts_is_reported: "empty-tranche" in "acme.toml" at Some((15, 9)),
        "tranche `first` of contract `acme-2026`: `until` (2026-01-01) is not after `online_from` (2026-01-01), so no unit is ever online";
    money_written_as_a_float_is_refused_with_a_string_suggested: "float-money" in "acme.toml" at Some((7, 13)),
        "`value_usd` is a float, and money must be exact",
        help: "write it as a string: `value_usd = \"50M\"`";
    an_implausible_implied_price_is_a_warning: "implied-price" in "acme.toml" at Some((7, 13)),
        "contract `acme-2026`: implied price $6,218.91 per unit-hour is 1036.48x the reference rate of `gb200` ($6.00)",
        help: "check `value_usd`, the tranches' units and dates, or the hardware's `rate_usd_per_hour`";
    a_date_that_does_not_exist_is_reported_at_the_date: "invalid-date" in "acme.toml" at Some((5, 9)),
        "invalid date, expected day between 01 and 28";
    a_malformed_duration_is_reported: "invalid-duration" in "acme.toml" at Some((6, 8)),
        "`term`: `1 year` is not a duration: expected a whole number and a unit `d`, `w`, `m`, `q` or `y`, such as `7y` or `-1q`";
    an_id_with_uppercase_and_underscores_is_reported_with_a_fix: "invalid-id" in "acme.toml" at Some((2, 6)),
        "`id` `Acme_2026` is not a valid id: use lowercase letters, digits and `-`",
        help: "try `id = \"acme-2026\"`";
    money_that_does_not_parse_is_reported: "invalid-money" in "acme.toml" at Some((7, 13)),
        "`value_usd`: `50 million` is not an amount: expected digits with optional `_` or `,` separators, a fraction and a `K`, `M`, `B` or `T` suffix";
    a_misspelt_status_is_reported_with_a_suggestion: "invalid-value" in "acme.toml" at Some((8, 10)),
        "`status` is `signd`; expected one of `signed`, `non-binding`, `cancelled`",
        help: "did you mean `signed`?";
    a_missing_required_key_is_reported_at_the_contract: "missing-key" in "acme.toml" at Some((2, 1)),
        "contract `acme-2026` is missing required key `provider`";
    a_catalog_without_portfolio_toml_is_reported: "missing-portfolio" in "portfolio.toml" at None,
        "catalog `tests/fixtures/codes/missing-portfolio` has no `portfolio.toml`",
        help: "a catalog is a folder with one `portfolio.toml` (targets, calendar, hardware) and one file per contract";
    schedule_spend_without_a_schedule_is_reported: "missing-schedule" in "acme.toml" at Some((8, 9)),
        "contract `acme-2026` has `spend = \"schedule\"` but no `[[spend_schedule]]`",
        help: "add `[[spend_schedule]]` entries with `from`, `to` and `amount_usd`";
    a_contract_without_term_or_end_is_reported: "missing-term" in "acme.toml" at Some((2, 1)),
        "contract `acme-2026` gives neither `term` nor `end`",
        help: "add `term = \"5y\"` or `end = YYYY-MM-DD` (exclusive)";
    a_tranche_that_never_reaches_full_capacity_is_a_warning: "never-full-capacity" in "acme.toml" at Some((14, 13)),
        "tranche `first` of contract `acme-2026` never reaches full capacity: `online_by` (2026-03-01) is not before its end (2026-02-01)",
        help: "bring `online_by` forward, or move `until` later";
    a_workload_that_is_both_a_level_and_a_run_is_reported: "workload-need" in "demand.toml" at Some((5, 7)),
        "workload `inference` gives both `level` and `run`",
        help: "a workload is a continuous `level` or one `run`: split it in two";
    level_points_out_of_order_are_reported: "demand-order" in "demand.toml" at Some((6, 12)),
        "workload `inference`: `level` point on 2026-07-01 is not after the point before it (2027-01-01)",
        help: "list the points in increasing order of `from`, one per date";
    an_empty_cost_file_is_reported: "focus-file" in "actuals/costs.csv" at None,
        "the file is empty: a FOCUS file has at least a header row";
    a_cost_file_without_a_required_column_is_reported: "focus-column" in "actuals/costs.csv, column BillingCurrency" at None,
        "the file has no `BillingCurrency` column",
        help: "FOCUS cost files need ChargePeriodStart, ChargePeriodEnd, BilledCost (or EffectiveCost with `--cost effective`) and BillingCurrency";
    a_cost_that_is_not_a_number_is_reported_at_its_row: "focus-value" in "actuals/costs.csv:3" at None,
        "`BilledCost` is `ten`, not a number";
    a_row_two_contracts_claim_is_reported: "ambiguous-actual" in "actuals/costs.csv:2" at None,
        "the row is claimed by both `acme-2026` and `acme-2026-b`: their `[actuals] match` tables both hold for it",
        help: "add a column to one of the match tables, such as `BillingAccountId` or `SubAccountId`, so that each row has one contract";
    a_delivery_of_an_unknown_contract_is_reported: "delivery-reference" in "actuals/deliveries.csv:2" at None,
        "no contract `acme-2062` in the catalog",
        help: "did you mean `acme-2026`?";
    a_delivery_of_more_units_than_the_tranche_is_reported: "delivery-value" in "actuals/deliveries.csv:3" at None,
        "1500 units of tranche `first` of `acme-2026` observed, more than its 1000";
    a_control_character_in_a_name_is_refused_and_shown_escaped: "control-character" in "acme.toml" at Some((3, 12)),
        "`provider` holds the control character \\u{1b}: `Acme\\u{1b}]0;pwned\\u{7}`",
        help: "remove it: names, ids and text are shown on terminals and pages as written";
    a_gpu_profile_without_tflops_is_a_warning: "missing-compute" in "portfolio.toml" at Some((13, 6)),
        "hardware `acme-xpu` has no `tflops`, so H100-equivalents and exaFLOPS leave it out",
        help: "give its dense throughput per unit, such as `tflops = { bf16 = 2500, fp8 = 5000 }`";
    capacity_linked_spend_without_capacity_is_reported: "no-capacity" in "acme.toml" at Some((8, 9)),
        "contract `acme-2026` links spend to capacity, but delivers no capacity in its term",
        help: "add a `[[tranche]]` online within the term, or use `spend = \"straight-line\"`";
    an_observation_of_two_figures_is_reported_at_the_second: "observation-measure" in "portfolio.toml" at Some((19, 8)),
        "observation of 2026-12-31 gives both `power_gw` and `gpus`; an observation is one figure",
        help: "write one `[[observed]]` per published figure";
    a_projection_that_misses_a_published_figure_is_a_warning_with_both: "observation-mismatch" in "portfolio.toml" at Some((18, 12)),
        "`power_gw` observed 0.50 GW on 2026-12-31, projected 0.22 GW (-56.8%), outside the tolerance of 20%",
        help: "check the contracts that count by that day; widen `tolerance` only as far as the published figure is uncertain";
    a_tranche_of_zero_units_is_reported: "non-positive" in "acme.toml" at Some((12, 9)),
        "tranche `first` has `units = 0`; units must be positive";
    a_file_that_is_not_utf8_is_reported_at_the_first_bad_byte: "not-utf8" in "acme.toml" at Some((3, 16)),
        "`tests/fixtures/codes/not-utf8/acme.toml` is not valid UTF-8",
        help: "save the file as UTF-8";
    online_by_before_online_from_is_reported: "online-order" in "acme.toml" at Some((14, 13)),
        "tranche `first` of contract `acme-2026`: `online_by` (2025-12-01) is before `online_from` (2026-01-01)",
        help: "`online_from` is the first unit's day, `online_by` the day all units are online";
    money_too_large_for_a_decimal_is_an_overflow: "overflow" in "acme.toml" at Some((7, 13)),
        "`value_usd`: `99999999999999999999999999999T` is too large to represent exactly";
    a_schedule_window_past_the_term_is_reported: "schedule-outside-term" in "acme.toml" at Some((17, 6)),
        "contract `acme-2026`: schedule window [2026-07-01, 2027-02-01) leaves the term [2026-01-01, 2027-01-01)";
    overlapping_schedule_windows_are_reported: "schedule-overlap" in "acme.toml" at Some((16, 8)),
        "contract `acme-2026`: schedule window [2026-06-01, 2027-01-01) overlaps [2026-01-01, 2026-07-01)",
        help: "windows are half-open: start this one on 2026-07-01 or later";
    a_schedule_that_misses_the_value_is_reported_with_the_difference: "schedule-sum-mismatch" in "acme.toml" at Some((7, 13)),
        "contract `acme-2026`: schedule sums to $49.90M, $100.00K short of `value_usd` ($50.00M)",
        help: "make the `amount_usd` entries add up to `value_usd` exactly";
    a_source_that_is_not_a_url_is_a_warning: "source-not-url" in "acme.toml" at Some((8, 40)),
        "contract `acme-2026`: source `Reuters` is not an http(s) URL",
        help: "cite a web page, such as `https://example.com/article`; put other references in `notes`";
    term_and_end_that_disagree_are_reported: "term-end-mismatch" in "acme.toml" at Some((7, 7)),
        "contract `acme-2026`: `end` is 2026-12-31 but `start + term` (2026-01-01 + 1y) is 2027-01-01",
        help: "write `end = 2027-01-01`, or drop one of `term` and `end`";
    a_toml_syntax_error_is_reported_where_it_is: "toml-syntax" in "acme.toml" at Some((4, 28)),
        "invalid basic string, expected `\"`";
    a_tranche_that_starts_before_its_contract_is_reported: "tranche-outside-term" in "acme.toml" at Some((13, 15)),
        "tranche `first` of contract `acme-2026`: `online_from` (2025-12-01) is outside the contract's term [2026-01-01, 2027-01-01)";
    a_tranche_with_both_units_and_power_is_reported: "tranche-quantity" in "acme.toml" at Some((13, 12)),
        "tranche `first` gives both `units` and `power_mw`",
        help: "keep one: `units` counts hardware units, `power_mw` is facility power converted to units";
    a_schedule_on_straight_line_spend_is_reported: "unexpected-schedule" in "acme.toml" at Some((9, 1)),
        "contract `acme-2026` has `[[spend_schedule]]` entries, but its spend model is `straight-line`",
        help: "set `spend = \"schedule\"`, or remove the entries";
    unknown_hardware_is_reported_with_a_suggestion: "unknown-hardware" in "acme.toml" at Some((11, 12)),
        "tranche `first` of contract `acme-2026` uses hardware `gb20`, which `portfolio.toml` does not define",
        help: "did you mean `gb200`?";
    an_unknown_key_is_reported_with_did_you_mean: "unknown-key" in "acme.toml" at Some((8, 1)),
        "unknown key `note` in contract `acme-2026`",
        help: "did you mean `notes`?";
    a_currency_other_than_usd_is_reported: "unsupported-currency" in "portfolio.toml" at Some((3, 12)),
        "currency `EUR` is not supported; capplan plans in `USD` only",
        help: "convert the amounts to USD and write `currency = \"USD\"`";
    a_value_of_the_wrong_type_is_reported: "wrong-type" in "acme.toml" at Some((8, 13)),
        "`estimated` must be `true` or `false`, found a string";
    a_payment_interval_longer_than_the_term_is_reported: "payment-interval-too-long" in "acme.toml" at Some((8, 40)),
        "contract `acme-2026`: payment interval `every = \"2y\"` is longer than the term [2026-01-01, 2027-01-01)",
        help: "use a shorter `every`, or `terms = \"upfront\"` for one payment of the whole value";
    an_owned_contract_without_a_useful_life_is_reported: "useful-life-mismatch" in "acme.toml" at Some((8, 13)),
        "contract `acme-2026` is `owned` but gives no `useful_life` to depreciate it over",
        help: "add `useful_life = \"6y\"`, the hardware's depreciation period";
    a_lag_that_pays_past_the_horizon_is_a_warning: "payment-after-horizon" in "acme.toml" at Some((8, 52)),
        "contract `acme-2026`: with `lag = \"90d\"` the last payment falls on 2031-03-01, after the horizon ends on 2031-01-01",
        help: "cash-basis reports of the default window leave it out; widen `horizon` or shorten `lag`";
    a_selector_of_no_known_form_is_reported: "invalid-selector" in "scenario.toml" at Some((6, 10)),
        "`select` is `vendor:Acme`, which is not a selector",
        help: "write a contract id, `provider:NAME`, `hardware:ID`, `tranche:CONTRACT/TRANCHE` or `*`";
    a_selector_that_matches_nothing_is_an_error: "unmatched-selector" in "scenario.toml" at Some((6, 10)),
        "selector `provider:Acme Corp` matches nothing in the catalog",
        help: "did you mean `provider:Acme`? a change that matches nothing is an error, not a no-op";
    a_triangular_slip_whose_mode_is_past_its_maximum_is_reported: "invalid-distribution" in "scenario.toml" at Some((7, 8)),
        "`slip`: `triangular(0d, 10m, 9m)` needs MIN <= MODE <= MAX with MIN < MAX",
        help: "for example `slip = \"triangular(0d, 2m, 9m)\"`, `uniform(0d, 1q)` or `fixed(30d)`";
    a_slip_that_can_bring_a_tranche_before_its_contract_is_a_warning: "slip-outside-term" in "scenario.toml" at Some((7, 8)),
        "slip `uniform(-1m, 1m)` can bring tranche `first` of contract `acme-2026` online on 2025-12-01, before the contract starts on 2026-01-01",
        help: "samples count the tranche online from that day; a `--delay` that did so would be an error (`tranche-outside-term`)";
}

#[test]
fn every_code_has_a_fixture_and_a_pinned_test() {
    let pinned: BTreeSet<&str> = PINNED.iter().copied().collect();
    assert_eq!(pinned.len(), PINNED.len(), "a code is pinned twice");
    for code in Code::ALL {
        let dir = Path::new(FIXTURES).join(code.name());
        if WITHOUT_FIXTURE.contains(code) {
            assert!(
                !dir.exists(),
                "`{code}` has a fixture: remove it from WITHOUT_FIXTURE"
            );
            assert!(
                !pinned.contains(code.name()),
                "`{code}` is pinned: remove it from WITHOUT_FIXTURE"
            );
            continue;
        }
        assert!(
            dir.is_dir(),
            "`{code}` has no fixture folder `{}`",
            dir.display()
        );
        assert!(
            pinned.contains(code.name()),
            "`{code}` has no test in `pinned!`"
        );
    }
    let names: BTreeSet<&str> = Code::ALL.iter().map(|c| c.name()).collect();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(name.as_str()),
            "fixture `{name}` is not a code in `Code::ALL`"
        );
    }
    for code in PINNED {
        assert!(
            names.contains(code),
            "`{code}` is pinned but not in `Code::ALL`"
        );
    }
}

/// A catalog with problems in every file, of every stage: syntax, shape, cross-checks, files.
const MANY: &str = "tests/fixtures/many-problems";

/// A file name, a line and column, and a code.
type Place<'a> = (String, Option<(usize, usize)>, &'a str);

#[test]
fn every_problem_in_every_file_is_reported_in_one_run() {
    let report = load_dir(MANY);
    let found: Vec<Place> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (file, pos) = report.sources.resolve(&d.location);
            let file = file
                .strip_prefix(&format!("{MANY}/"))
                .unwrap_or(&file)
                .to_owned();
            (file, pos, d.code.name())
        })
        .collect();
    let expected = [
        ("alpha.toml", Some((4, 20)), "toml-syntax"),
        ("alpha.toml", Some((7, 13)), "float-money"),
        ("alpha.toml", Some((8, 10)), "invalid-value"),
        ("beta.toml", Some((2, 6)), "invalid-id"),
        ("beta.toml", Some((6, 8)), "invalid-duration"),
        ("beta.toml", Some((8, 13)), "wrong-type"),
        ("delta.toml", Some((1, 14)), "not-utf8"),
        ("gamma.toml", Some((2, 6)), "duplicate-id"),
        ("gamma.toml", Some((7, 7)), "term-end-mismatch"),
        ("gamma.toml", Some((8, 13)), "schedule-sum-mismatch"),
        ("gamma.toml", Some((10, 12)), "source-not-url"),
        ("gamma.toml", Some((14, 12)), "unknown-hardware"),
        ("gamma.toml", Some((20, 6)), "duplicate-id"),
        ("gamma.toml", Some((24, 13)), "online-order"),
        ("gamma.toml", Some((32, 8)), "schedule-overlap"),
        ("portfolio.toml", Some((6, 7)), "invalid-value"),
        ("portfolio.toml", Some((17, 1)), "unknown-key"),
        ("zeta.toml", Some((1, 1)), "empty-file"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(f, p, c)| (f.to_string(), *p, *c))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(report.sources.len(), 7, "every file is read");
    assert_eq!((report.errors(), report.warnings()), (17, 1));
    let warnings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.code)
        .collect();
    assert_eq!(warnings, [Code::SourceNotUrl]);
    insta::with_settings!({ description => format!("capplan validate {MANY}"), omit_expression => true }, {
        insta::assert_snapshot!("many-problems", human(&report));
    });
}

#[test]
fn a_catalog_loads_the_same_whatever_order_its_files_come_in() {
    let files = CatalogFiles::read_dir(Path::new(MANY)).unwrap();
    let mut reversed = files.clone();
    reversed.files.reverse();
    let render_sorted = |files: &CatalogFiles| {
        let mut report = Report::default();
        catalog::load(files, &mut report);
        report.sort();
        let mut out = Vec::new();
        render(&report, DiagnosticFormat::Json, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    // Only the codes and places are compared: which of two duplicate ids is "first" depends on
    // the order by design (file-name order, which `read_dir` guarantees).
    let places = |json: String| {
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut out: Vec<String> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .chain(v["warnings"].as_array().unwrap())
            .filter(|d| d["code"] != "duplicate-id")
            .map(|d| format!("{} {} {} {}", d["file"], d["line"], d["column"], d["code"]))
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        places(render_sorted(&files)),
        places(render_sorted(&reversed))
    );
}

/// Loads a catalog of the observation fixture's contract and `portfolio` as its portfolio file.
fn with_portfolio(portfolio: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let contract = std::fs::read_to_string(format!("{FIXTURES}/observation-mismatch/acme.toml"));
    std::fs::write(dir.path().join("acme.toml"), contract.unwrap()).unwrap();
    std::fs::write(dir.path().join("portfolio.toml"), portfolio).unwrap();
    let files = CatalogFiles::read_dir(dir.path()).unwrap();
    let mut report = Report::default();
    if let Some(valid) = catalog::load(&files, &mut report) {
        for d in capplan::engine::observe::mismatches(&valid).unwrap() {
            report.push(d);
        }
    }
    report.sort();
    report
}

const OBSERVED_BASE: &str = r#"[portfolio]
name = "Fixture portfolio"
horizon = { start = 2026-01-01, end = 2031-01-01 }
pue = 1.2

[[hardware]]
id = "gb200"
kind = "gpu"
watts_per_unit = 1800
rate_usd_per_hour = "6.00"
tflops = { bf16 = 2500, fp8 = 5000 }
"#;

/// `(line, code, message, help)` of every diagnostic.
fn described(report: &Report) -> Vec<(usize, &'static str, String, Option<String>)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let (_, pos) = report.sources.resolve(&d.location);
            (
                pos.map_or(0, |p| p.0),
                d.code.name(),
                d.message.clone(),
                d.help.clone(),
            )
        })
        .collect()
}

#[test]
fn every_problem_of_the_observations_is_reported_where_it_is() {
    let text = format!(
        r#"{OBSERVED_BASE}
[[observed]]
date = 2026-06-30
note = "no figure"

[[observed]]
date = 2026-06-30
gpus = 0

[[observed]]
date = 2026-06-30
gpus = 100_000
tolerance = 1.5

[[observed]]
date = 2026-06-30
gpus = 100_000
tolerance = 0

[[observed]]
date = 2026-06-30
gpus = 100_000
tolerence = 0.1
"#
    );
    let found = described(&with_portfolio(&text));
    let expected = vec![
        (
            13,
            "observation-measure",
            "observation of 2026-06-30 gives no measure".to_owned(),
            Some("add one of `power_gw`, `gpus`, `cpus`, `h100e`, `cumulative_spend_usd`, `contracted_usd`".to_owned()),
        ),
        (
            19,
            "non-positive",
            "observation of 2026-06-30 has `gpus = 0`; an observed figure must be positive".to_owned(),
            None,
        ),
        (
            24,
            "invalid-value",
            "observation of 2026-06-30 has `tolerance = 1.5`; expected a share of the figure from 0 to 1".to_owned(),
            Some("`tolerance = 0.2` accepts a projection within 20% of the figure".to_owned()),
        ),
        (
            29,
            "non-positive",
            "observation of 2026-06-30 has `tolerance = 0`; a tolerance must be positive".to_owned(),
            None,
        ),
        (
            34,
            "unknown-key",
            "unknown key `tolerence` in observation of 2026-06-30".to_owned(),
            Some("did you mean `tolerance`?".to_owned()),
        ),
    ];
    assert_eq!(found, expected);
}

#[test]
fn an_observation_within_its_tolerance_is_not_reported_and_one_outside_is() {
    // 100,000 GPUs are online from 2026-03-01: 90,000 is within 20%, 70,000 is not, and on
    // 2026-01-31 the ramp has brought 50,847 of them.
    let observed = |date: &str, gpus: u64, tolerance: &str| {
        format!("{OBSERVED_BASE}\n[[observed]]\ndate = {date}\ngpus = {gpus}\n{tolerance}\n")
    };
    assert!(
        with_portfolio(&observed("2026-12-31", 90_000, ""))
            .diagnostics
            .is_empty()
    );
    assert!(
        with_portfolio(&observed("2026-01-31", 50_000, "tolerance = 0.02"))
            .diagnostics
            .is_empty()
    );
    let outside = with_portfolio(&observed("2026-12-31", 70_000, ""));
    let found = described(&outside);
    assert_eq!(
        found,
        vec![(
            15,
            "observation-mismatch",
            "`gpus` observed 70,000 GPUs on 2026-12-31, projected 100,000 GPUs (+42.9%), outside the tolerance of 20%".to_owned(),
            Some("check the contracts that count by that day; widen `tolerance` only as far as the published figure is uncertain".to_owned()),
        )]
    );
    // Spend and contracted value: $5B over 2026, announced on its start.
    let money = |key: &str, date: &str, value: &str| {
        format!(
            "{OBSERVED_BASE}\n[[observed]]\ndate = {date}\n{key} = \"{value}\"\ntolerance = 0.01\n"
        )
    };
    assert!(
        with_portfolio(&money("contracted_usd", "2026-01-01", "5B"))
            .diagnostics
            .is_empty()
    );
    assert_eq!(
        described(&with_portfolio(&money(
            "contracted_usd",
            "2025-12-31",
            "5B"
        )))[0]
            .2,
        "`contracted_usd` observed $5.00B on 2025-12-31, projected $0.00 (-100.0%), outside the tolerance of 1%"
    );
    assert!(
        with_portfolio(&money("cumulative_spend_usd", "2026-12-31", "5B"))
            .diagnostics
            .is_empty()
    );
}

#[test]
fn an_h100e_observation_is_checked_at_the_default_precision() {
    // 100,000 GPUs of 5,000 dense FP8 TFLOPS are 100,000 x 5,000 / 1,979 = 252,652 H100e.
    let h100e = |value: u64| {
        format!(
            "{OBSERVED_BASE}\n[[observed]]\ndate = 2026-12-31\nh100e = {value}\ntolerance = 0.01\n"
        )
    };
    assert!(with_portfolio(&h100e(252_652)).diagnostics.is_empty());
    let found = described(&with_portfolio(&h100e(200_000)));
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].2,
        "`h100e` observed 200,000 H100e on 2026-12-31, projected 252,652 H100e (+26.3%), outside the tolerance of 1%"
    );
}
