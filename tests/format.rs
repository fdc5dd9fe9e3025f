//! Edge cases of the file formats, on catalogs built in memory: money at the limits of
//! `rust_decimal`, dates that do not exist, floats for money, empty files, and a portfolio that
//! is missing or given twice. Each test pins the code, the place and the text a user sees.

use capplan::catalog::{self, CatalogFiles};
use capplan::diagnostic::{Code, Location, Report};

const PORTFOLIO: &str = r#"[portfolio]
name = "Edge cases"
currency = "USD"
horizon = { start = 2026-01-01, end = 2031-01-01 }

[[target]]
id = "main"
spend_usd = "100B"

[[hardware]]
id = "gb200"
kind = "gpu"
watts_per_unit = 1800
rate_usd_per_hour = "6.00"
tflops = { bf16 = 2500, fp8 = 5000 }
"#;

/// A valid contract; tests replace one line of it.
const CONTRACT: &str = r#"id = "acme"
provider = "Acme"
title = "Acme deal"
start = 2026-01-01
term = "1y"
value_usd = "50M"
"#;

/// Loads files named `cat/<name>` as the catalog `cat`, and sorts the diagnostics.
fn load(files: &[(&str, &[u8])]) -> Report {
    let files = CatalogFiles {
        label: "cat".to_owned(),
        files: files
            .iter()
            .map(|(name, bytes)| (format!("cat/{name}"), bytes.to_vec()))
            .collect(),
    };
    let mut report = Report::default();
    let catalog = catalog::load(&files, &mut report);
    assert_eq!(
        catalog.is_some(),
        !report.has_errors(),
        "a catalog is returned only without errors"
    );
    report.sort();
    report
}

/// The portfolio and one contract file `acme.toml`.
fn load_contract(contract: &str) -> Report {
    load(&[
        ("portfolio.toml", PORTFOLIO.as_bytes()),
        ("acme.toml", contract.as_bytes()),
    ])
}

/// `(code, file, line, column, message, help)` of every diagnostic.
type Seen = (Code, String, Option<(usize, usize)>, String, Option<String>);

fn seen(report: &Report) -> Vec<Seen> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let (file, pos) = report.sources.resolve(&d.location);
            (d.code, file, pos, d.message.clone(), d.help.clone())
        })
        .collect()
}

fn one(
    code: Code,
    file: &str,
    pos: (usize, usize),
    message: &str,
    help: Option<&str>,
) -> Vec<Seen> {
    vec![(
        code,
        file.to_owned(),
        Some(pos),
        message.to_owned(),
        help.map(str::to_owned),
    )]
}

fn replace(line: &str, with: &str) -> String {
    assert!(CONTRACT.contains(line), "{line}");
    CONTRACT.replace(line, with)
}

#[test]
fn money_beyond_what_a_decimal_holds_is_an_overflow() {
    let report = load_contract(&replace(
        r#"value_usd = "50M""#,
        r#"value_usd = "99999999999999999999999999999T""#,
    ));
    assert_eq!(
        seen(&report),
        one(
            Code::Overflow,
            "cat/acme.toml",
            (6, 13),
            "`value_usd`: `99999999999999999999999999999T` is too large to represent exactly",
            None
        )
    );
}

#[test]
fn a_28_digit_amount_parses_but_is_too_large_to_count_in_cents() {
    let fits = load_contract(&replace(
        r#"value_usd = "50M""#,
        r#"value_usd = "9999999999999999.99T""#,
    ));
    // 28 digits before the point parse as money, but the catalog's total in cents no longer
    // fits the exact arithmetic: an overflow at the value, not a wrong report later.
    let codes: Vec<_> = fits.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::Overflow, Code::AboveTarget]);
    let fits = load_contract(&replace(
        r#"value_usd = "50M""#,
        r#"value_usd = "700000000000000T""#,
    ));
    let codes: Vec<_> = fits.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [Code::AboveTarget],
        "$700 septillion in all still counts in cents"
    );
    let overflows = load_contract(&replace(
        r#"value_usd = "50M""#,
        r#"value_usd = "99999999999999999T""#,
    ));
    let codes: Vec<_> = overflows.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::Overflow]);
}

#[test]
fn an_integer_beyond_64_bits_is_an_overflow() {
    let report = load_contract(&replace(
        r#"value_usd = "50M""#,
        "value_usd = 99999999999999999999",
    ));
    assert_eq!(
        seen(&report),
        one(
            Code::Overflow,
            "cat/acme.toml",
            (6, 13),
            "`value_usd` does not fit in a 64-bit integer",
            None
        )
    );
}

#[test]
fn a_schedule_whose_difference_from_the_value_overflows_is_an_error_not_a_panic() {
    // Seven amounts of -1e28 sum to -7e28, within range; 1e28 minus that is not.
    let mut contract = replace(
        r#"value_usd = "50M""#,
        "value_usd = \"9999999999999999999999999999\"\nspend = \"schedule\"",
    );
    for month in 1..=7 {
        contract.push_str(&format!(
            "\n[[spend_schedule]]\nfrom = 2026-{month:02}-01\nto = 2026-{:02}-01\namount_usd = \"-9999999999999999999999999999\"\n",
            month + 1
        ));
    }
    let report = load_contract(&contract);
    let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::Overflow), "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| **c == Code::NonPositive).count(),
        7,
        "{codes:?}"
    );
    let overflow = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::Overflow)
        .unwrap();
    assert_eq!(report.sources.resolve(&overflow.location).1, Some((6, 13)));
    assert!(
        overflow.message.contains("too far from `value_usd`"),
        "{}",
        overflow.message
    );
}

#[test]
fn contracted_value_too_far_above_a_negative_target_is_reported_without_a_panic() {
    let portfolio = PORTFOLIO.replace(
        r#"spend_usd = "100B""#,
        r#"spend_usd = "-9999999999999999999999999999""#,
    );
    let mut files: Vec<(String, String)> = vec![("portfolio.toml".to_owned(), portfolio)];
    for i in 0..7 {
        let contract = CONTRACT
            .replace(r#"id = "acme""#, &format!(r#"id = "acme-{i}""#))
            .replace(
                r#"value_usd = "50M""#,
                r#"value_usd = "9999999999999999999999999999""#,
            );
        files.push((format!("acme-{i}.toml"), contract));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_bytes()))
        .collect();
    let report = load(&borrowed);
    let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
    // Seven such values also sum past what cents can count.
    assert_eq!(
        codes,
        [Code::Overflow, Code::NonPositive, Code::AboveTarget]
    );
    assert!(
        report.diagnostics[2]
            .message
            .ends_with("by more than capplan can represent"),
        "{}",
        report.diagnostics[2].message
    );
}

#[test]
fn a_date_that_does_not_exist_is_reported_at_the_date() {
    let report = load_contract(&replace("start = 2026-01-01", "start = 2026-02-30"));
    assert_eq!(
        seen(&report),
        one(
            Code::InvalidDate,
            "cat/acme.toml",
            (4, 9),
            "invalid date, expected day between 01 and 28",
            None
        )
    );
}

#[test]
fn february_29_outside_a_leap_year_is_reported_in_a_tranche() {
    let contract = format!(
        "{CONTRACT}\n[[tranche]]\nid = \"t\"\nhardware = \"gb200\"\nunits = 10\nonline_from = 2027-02-29\nonline_by = 2026-03-01\n"
    );
    let report = load_contract(&contract);
    let found: Vec<_> = seen(&report)
        .into_iter()
        .map(|(c, _, pos, _, _)| (c, pos))
        .collect();
    assert_eq!(found, [(Code::InvalidDate, Some((12, 15)))]);
}

#[test]
fn a_date_with_a_time_is_refused_with_a_hint() {
    let report = load_contract(&replace(
        "start = 2026-01-01",
        "start = 2026-01-01T09:30:00",
    ));
    assert_eq!(
        seen(&report),
        one(
            Code::InvalidDate,
            "cat/acme.toml",
            (4, 9),
            "`start` must be a plain date, found `2026-01-01T09:30:00`",
            Some("dates are whole days: write only `YYYY-MM-DD`")
        )
    );
}

#[test]
fn a_quoted_date_is_a_wrong_type_with_the_unquoted_spelling() {
    let report = load_contract(&replace("start = 2026-01-01", r#"start = "2026-01-01""#));
    assert_eq!(
        seen(&report),
        one(
            Code::WrongType,
            "cat/acme.toml",
            (4, 9),
            "`start` must be a date, found a string",
            Some("write the date without quotes: `start = 2026-01-01`")
        )
    );
}

#[test]
fn a_float_for_money_suggests_the_same_amount_as_a_string() {
    let report = load_contract(&replace(r#"value_usd = "50M""#, "value_usd = 38.5e9"));
    assert_eq!(
        seen(&report),
        one(
            Code::FloatMoney,
            "cat/acme.toml",
            (6, 13),
            "`value_usd` is a float, and money must be exact",
            Some(r#"write it as a string: `value_usd = "38.5B"`"#)
        )
    );
}

#[test]
fn a_float_rate_in_the_portfolio_is_refused_too() {
    let portfolio = PORTFOLIO.replace(r#"rate_usd_per_hour = "6.00""#, "rate_usd_per_hour = 6.25");
    let report = load(&[("portfolio.toml", portfolio.as_bytes())]);
    assert_eq!(
        seen(&report),
        one(
            Code::FloatMoney,
            "cat/portfolio.toml",
            (14, 21),
            "`rate_usd_per_hour` is a float, and money must be exact",
            Some(r#"write it as a string: `rate_usd_per_hour = "6.25"`"#)
        )
    );
}

#[test]
fn an_empty_contract_file_is_reported_once() {
    for text in ["", "\n\n", "# only a comment\n"] {
        let report = load_contract(text);
        assert_eq!(
            seen(&report),
            one(
                Code::EmptyFile,
                "cat/acme.toml",
                (1, 1),
                "the contract file `cat/acme.toml` is empty",
                Some(
                    "a contract needs at least `id`, `provider`, `title`, `start`, `term` or `end`, and `value_usd`"
                )
            ),
            "{text:?}"
        );
    }
}

#[test]
fn an_empty_portfolio_file_is_empty_not_missing() {
    let report = load(&[("portfolio.toml", b""), ("acme.toml", CONTRACT.as_bytes())]);
    assert_eq!(
        seen(&report),
        one(
            Code::EmptyFile,
            "cat/portfolio.toml",
            (1, 1),
            "the portfolio file `cat/portfolio.toml` is empty",
            Some("add `[portfolio]`, `[[target]]` and `[[hardware]]` tables")
        )
    );
}

#[test]
fn a_portfolio_table_in_a_contract_file_is_a_duplicate_portfolio() {
    let contract = format!("{CONTRACT}\n[portfolio]\nname = \"Another\"\n");
    let report = load_contract(&contract);
    assert_eq!(
        seen(&report),
        one(
            Code::DuplicatePortfolio,
            "cat/acme.toml",
            (8, 2),
            "`cat/acme.toml` holds a `[portfolio]` table, but the portfolio of catalog `cat` belongs in `portfolio.toml`",
            Some("move these settings into `portfolio.toml`; every other file is one contract")
        )
    );
}

#[test]
fn a_second_portfolio_file_is_a_duplicate_portfolio() {
    // Two names that differ only in case: both are `portfolio.toml` to capplan.
    let report = load(&[
        ("Portfolio.toml", PORTFOLIO.as_bytes()),
        ("acme.toml", CONTRACT.as_bytes()),
        ("portfolio.toml", PORTFOLIO.as_bytes()),
    ]);
    assert_eq!(
        seen(&report),
        one(
            Code::DuplicatePortfolio,
            "cat/portfolio.toml",
            (1, 1),
            "`cat/portfolio.toml` is a second portfolio file for catalog `cat`",
            None
        )
    );
}

#[test]
fn a_catalog_without_a_portfolio_is_reported_at_the_missing_path() {
    for files in [&[("acme.toml", CONTRACT.as_bytes())][..], &[]] {
        let report = load(files);
        assert_eq!(report.diagnostics.len(), 1);
        let d = &report.diagnostics[0];
        assert_eq!(d.code, Code::MissingPortfolio);
        assert_eq!(d.location, Location::Path("cat/portfolio.toml".to_owned()));
        assert_eq!(d.message, "catalog `cat` has no `portfolio.toml`");
    }
}

#[test]
fn a_missing_key_points_at_the_contract_not_at_a_comment_above_it() {
    let contract = format!(
        "# A comment first.\n\n{}",
        replace("title = \"Acme deal\"\n", "")
    );
    let report = load_contract(&contract);
    assert_eq!(
        seen(&report),
        one(
            Code::MissingKey,
            "cat/acme.toml",
            (3, 1),
            "contract `acme` is missing required key `title`",
            None
        )
    );
}

#[test]
fn bytes_that_are_not_utf8_are_located_by_character() {
    let mut bytes = b"# caf\xc3\xa9 ".to_vec();
    bytes.extend_from_slice(b"\xff\n");
    bytes.extend_from_slice(CONTRACT.as_bytes());
    let report = load(&[
        ("portfolio.toml", PORTFOLIO.as_bytes()),
        ("acme.toml", &bytes),
    ]);
    let found: Vec<_> = seen(&report)
        .into_iter()
        .map(|(c, _, pos, _, _)| (c, pos))
        .collect();
    // `# café ` is seven characters (eight bytes): the bad byte is the eighth character.
    assert_eq!(found, [(Code::NotUtf8, Some((1, 8)))]);
}
