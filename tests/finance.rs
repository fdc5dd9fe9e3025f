//! The finance layer (DESIGN.md section 10) on hand-computed catalogs: payments under each term
//! model, present value against an independent XNPV, and depreciation across period boundaries
//! and a leap year.

use capplan::catalog::{self, Catalog, CatalogFiles};
use capplan::diagnostic::Report;
use capplan::engine::cash::{basis_cents, payments};
use capplan::engine::npv::{Discount, contract_values};
use capplan::engine::{self, Basis, By, Filter, Grid, GroupBy, Timeline};
use chrono::NaiveDate;
use rust_decimal::Decimal;

const PORTFOLIO: &str = r#"[portfolio]
name = "Finance fixture"
currency = "USD"
horizon = { start = 2026-01-01, end = 2031-01-01 }
pue = 1

[[target]]
id = "main"
spend_usd = "10T"

[[hardware]]
id = "gpu"
kind = "gpu"
watts_per_unit = 1000
rate_usd_per_hour = "2.00"
tflops = { bf16 = 1000, fp8 = 2000 }
"#;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A catalog of `portfolio.toml` and one contract file per text.
fn load(contracts: &[&str]) -> Catalog {
    let mut files = vec![(
        "fixture/portfolio.toml".to_owned(),
        PORTFOLIO.as_bytes().to_vec(),
    )];
    for (i, text) in contracts.iter().enumerate() {
        files.push((format!("fixture/c{i}.toml"), text.as_bytes().to_vec()));
    }
    let files = CatalogFiles {
        label: "fixture".to_owned(),
        files,
    };
    let mut report = Report::default();
    let cat = catalog::load(&files, &mut report);
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
    cat.expect("a valid catalog")
}

/// A contract of $3,650.00 over 2026: $10.00 a day.
fn daily_ten(extra: &str) -> String {
    format!(
        "id = \"acme\"\nprovider = \"Acme\"\ntitle = \"Acme\"\nstart = 2026-01-01\nend = 2027-01-01\nvalue_usd = \"3650\"\n{extra}\n"
    )
}

/// Cents per period on a basis, for the contract `acme`, over a grid from 2026 to 2030.
fn per_period(cat: &Catalog, by: By, basis: Basis) -> Vec<(String, i128)> {
    let grid = Grid::new(by, 1);
    let tl = Timeline::new(cat, grid, date("2026-01-01"), date("2031-01-01"));
    let filter = Filter {
        basis,
        ..Filter::default()
    };
    let s = engine::spend(cat, &tl, GroupBy::Total, &filter).unwrap();
    tl.periods
        .iter()
        .zip(&s.values[0])
        .filter(|(_, v)| **v != 0)
        .map(|(p, v)| (p.label.clone(), *v))
        .collect()
}

fn labels(v: &[(&str, i128)]) -> Vec<(String, i128)> {
    v.iter().map(|(l, c)| ((*l).to_owned(), *c)).collect()
}

#[test]
fn monthly_arrears_pay_each_month_on_the_first_of_the_next() {
    let cat = load(&[&daily_ten(
        "payment = { terms = \"arrears\", every = \"1m\" }",
    )]);
    let paid = payments(&cat, &cat.contracts[0]).unwrap().unwrap();
    assert_eq!(paid.len(), 12);
    assert_eq!(paid[0], (date("2026-02-01"), 31_000));
    assert_eq!(paid[1], (date("2026-03-01"), 28_000));
    assert_eq!(paid[11], (date("2027-01-01"), 31_000));
    // Quarters: Feb 1 and Mar 1 fall in Q1; December's payment in 2027Q1.
    assert_eq!(
        per_period(&cat, By::Quarter, Basis::Cash),
        labels(&[
            ("2026Q1", 59_000),
            ("2026Q2", 92_000),
            ("2026Q3", 92_000),
            ("2026Q4", 91_000),
            ("2027Q1", 31_000),
        ])
    );
    // Accrual is untouched: 90, 91, 92 and 92 days.
    assert_eq!(
        per_period(&cat, By::Quarter, Basis::Accrual),
        labels(&[
            ("2026Q1", 90_000),
            ("2026Q2", 91_000),
            ("2026Q3", 92_000),
            ("2026Q4", 92_000),
        ])
    );
}

#[test]
fn quarterly_advance_with_a_lag_pays_each_quarter_thirty_days_in() {
    let cat = load(&[&daily_ten(
        "payment = { terms = \"advance\", every = \"1q\", lag = \"30d\" }",
    )]);
    let paid = payments(&cat, &cat.contracts[0]).unwrap().unwrap();
    assert_eq!(
        paid,
        vec![
            (date("2026-01-31"), 90_000),
            (date("2026-05-01"), 91_000),
            (date("2026-07-31"), 92_000),
            (date("2026-10-31"), 92_000),
        ]
    );
    assert_eq!(
        per_period(&cat, By::Month, Basis::Cash),
        labels(&[
            ("2026-01", 90_000),
            ("2026-05", 91_000),
            ("2026-07", 92_000),
            ("2026-10", 92_000),
        ])
    );
}

#[test]
fn upfront_pays_the_whole_value_at_the_start_plus_the_lag() {
    let cat = load(&[&daily_ten(
        "payment = { terms = \"upfront\", lag = \"1y\" }",
    )]);
    let paid = payments(&cat, &cat.contracts[0]).unwrap().unwrap();
    assert_eq!(paid, vec![(date("2027-01-01"), 365_000)]);
    assert_eq!(
        per_period(&cat, By::Year, Basis::Cash),
        labels(&[("2027", 365_000)])
    );
}

#[test]
fn payments_are_rounded_by_largest_remainder_and_sum_to_the_value() {
    // $1.00 over three days, paid daily in arrears: 34, 33 and 33 cents, the first largest.
    let cat = load(&[
        "id = \"acme\"\nprovider = \"Acme\"\ntitle = \"Acme\"\nstart = 2026-01-01\nend = 2026-01-04\nvalue_usd = \"1\"\npayment = { terms = \"arrears\", every = \"1d\" }\n",
    ]);
    let paid = payments(&cat, &cat.contracts[0]).unwrap().unwrap();
    assert_eq!(
        paid,
        vec![
            (date("2026-01-02"), 34),
            (date("2026-01-03"), 33),
            (date("2026-01-04"), 33)
        ]
    );
}

#[test]
fn intervals_are_anchored_at_the_start_so_month_ends_do_not_drift() {
    // From January 31: February 28, March 31, April 30, each from the start, not the last.
    let cat = load(&[
        "id = \"acme\"\nprovider = \"Acme\"\ntitle = \"Acme\"\nstart = 2026-01-31\nend = 2026-05-31\nvalue_usd = \"120\"\npayment = { terms = \"advance\" }\n",
    ]);
    let dates: Vec<NaiveDate> = payments(&cat, &cat.contracts[0])
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(
        dates,
        vec![
            date("2026-01-31"),
            date("2026-02-28"),
            date("2026-03-31"),
            date("2026-04-30")
        ]
    );
}

#[test]
fn without_payment_terms_cash_is_accrual() {
    let cat = load(&[&daily_ten("")]);
    assert!(payments(&cat, &cat.contracts[0]).is_none());
    for by in [By::Month, By::Quarter, By::Year] {
        assert_eq!(
            per_period(&cat, by, Basis::Cash),
            per_period(&cat, by, Basis::Accrual)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Depreciation

/// $366.00 spent on one day, owned, depreciated over a year from that day.
fn one_day_purchase(day: &str, next: &str) -> String {
    format!(
        "id = \"acme\"\nprovider = \"Acme\"\ntitle = \"Acme\"\nstart = {day}\nend = {next}\nvalue_usd = \"366\"\nownership = \"owned\"\nuseful_life = \"1y\"\n"
    )
}

#[test]
fn depreciation_spreads_over_the_leap_year_by_day() {
    // 2028-02-28 + 1y = 2029-02-28: 366 days with February 29, so $1.00 a day.
    let cat = load(&[&one_day_purchase("2028-02-28", "2028-02-29")]);
    assert_eq!(
        per_period(&cat, By::Quarter, Basis::Expense),
        labels(&[
            ("2028Q1", 3_300),
            ("2028Q2", 9_100),
            ("2028Q3", 9_200),
            ("2028Q4", 9_200),
            ("2029Q1", 5_800),
        ])
    );
    // Accrual: the whole purchase on its day.
    assert_eq!(
        per_period(&cat, By::Quarter, Basis::Accrual),
        labels(&[("2028Q1", 36_600)])
    );
}

#[test]
fn depreciation_over_a_common_year_rounds_by_largest_remainder() {
    // 2027-02-28 + 1y = 2028-02-28: 365 days for $366.00, 100.27.. cents a day.
    let cat = load(&[&one_day_purchase("2027-02-28", "2027-03-01")]);
    let months = per_period(&cat, By::Month, Basis::Expense);
    assert_eq!(months.iter().map(|(_, c)| c).sum::<i128>(), 36_600);
    // February 2027 has one day (the 28th), February 2028 27 days (1st to 27th).
    assert_eq!(months.first(), Some(&("2027-02".to_owned(), 100)));
    assert_eq!(months.last(), Some(&("2028-02".to_owned(), 2_707)));
    // 31 days: 3,108.49.. cents, floored, then the largest remainders get the leftover cents.
    let march = months.iter().find(|(l, _)| l == "2027-03").unwrap().1;
    assert!(march == 3_108 || march == 3_109, "{march}");
}

#[test]
fn a_term_of_purchases_depreciates_each_day_from_its_own_day() {
    // $3,650 bought evenly over 2026 ($10 a day), depreciated over two years from each day:
    // expense rises through 2026 and 2027 and ends on 2028-12-31.
    let cat = load(&[&daily_ten("ownership = \"owned\"\nuseful_life = \"2y\"")]);
    let years = per_period(&cat, By::Year, Basis::Expense);
    assert_eq!(years.iter().map(|(_, c)| c).sum::<i128>(), 365_000);
    let labels: Vec<&str> = years.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["2026", "2027", "2028"]);
    // In 2026 each day's $10 has had on average half a year of its two: about a quarter.
    let first = years[0].1;
    assert!((90_000..93_000).contains(&first), "{first}");
    // 2027 holds 365 days of every day's depreciation: $10 x 365 / 730 for the 59 days bought
    // before March, whose two years miss 2028-02-29, and $10 x 365 / 731 for the 306 after:
    // 29,500 + 152,790.69.. = 182,290.69.. cents.
    assert!((182_290..=182_291).contains(&years[1].1), "{}", years[1].1);
}

#[test]
fn leased_contracts_expense_their_accrual() {
    let cat = load(&[&daily_ten("")]);
    assert_eq!(
        per_period(&cat, By::Quarter, Basis::Expense),
        per_period(&cat, By::Quarter, Basis::Accrual)
    );
}

#[test]
fn the_grid_covers_payments_and_depreciation_past_the_horizon() {
    let cat = load(&[&one_day_purchase("2030-12-31", "2031-01-01")]);
    let grid = Grid::new(By::Quarter, 1);
    let tl = Timeline::new(&cat, grid, date("2026-01-01"), date("2031-01-01"));
    assert!(tl.periods.last().unwrap().end >= date("2031-12-31"));
    let cents = basis_cents(&cat, &cat.contracts[0], &tl.periods, Basis::Expense).unwrap();
    assert_eq!(cents.iter().map(|(_, c)| c).sum::<i128>(), 36_600);
}

// ---------------------------------------------------------------------------------------------
// Present value

/// The XNPV of flows in cents, computed independently of the engine: the daily factor is the
/// 365th root of `1 / (1 + r)`, found by bisection on `q^365 * (1 + r) = 1` with nothing but
/// multiplication, and each flow's factor `q^t` is a running product over the days.
fn independent_xnpv(
    rate: Decimal,
    valuation: NaiveDate,
    flows: &[(NaiveDate, Decimal)],
) -> Decimal {
    let one_plus = Decimal::ONE + rate;
    let pow = |x: Decimal, n: u32| (0..n).fold(Decimal::ONE, |a, _| a * x);
    let (mut lo, mut hi) = if one_plus >= Decimal::ONE {
        (Decimal::new(5, 1), Decimal::ONE)
    } else {
        (Decimal::ONE, Decimal::new(11, 1))
    };
    for _ in 0..100 {
        let mid = (lo + hi) / Decimal::TWO;
        if pow(mid, 365) * one_plus > Decimal::ONE {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let q = (lo + hi) / Decimal::TWO;
    let mut sorted: Vec<(i64, Decimal)> = flows
        .iter()
        .map(|(d, a)| ((*d - valuation).num_days(), *a))
        .filter(|(t, _)| *t >= 0)
        .collect();
    sorted.sort();
    let mut factor = Decimal::ONE;
    let mut at = 0;
    let mut pv = Decimal::ZERO;
    for (t, a) in sorted {
        while at < t {
            factor *= q;
            at += 1;
        }
        pv += a * factor;
    }
    pv
}

fn npv_cents(cat: &Catalog, basis: Basis, rate: &str, valuation: &str) -> (i128, i128) {
    let disc = Discount::new(rate.parse().unwrap(), date(valuation)).unwrap();
    let values = contract_values(cat, &Filter::default(), basis, &disc).unwrap();
    let mut flows = engine::num::Num::ZERO;
    let mut pv = engine::num::Num::ZERO;
    for v in &values {
        flows = flows.checked_add(v.undiscounted).unwrap();
        pv = pv.checked_add(v.present).unwrap();
    }
    (
        flows.round_half_even().unwrap(),
        pv.round_half_even().unwrap(),
    )
}

#[test]
fn whole_year_flows_are_discounted_exactly() {
    // $1,000.00 paid upfront two years after the valuation date at 8%: 1000 x (25/27)^2
    // = $857.338820.. -> $857.34.
    let cat = load(&[
        "id = \"acme\"\nprovider = \"Acme\"\ntitle = \"Acme\"\nstart = 2026-01-01\nend = 2027-01-01\nvalue_usd = \"1000\"\npayment = { terms = \"upfront\", lag = \"730d\" }\n",
    ]);
    assert_eq!(
        npv_cents(&cat, Basis::Cash, "0.08", "2026-01-01"),
        (100_000, 85_734)
    );
}

#[test]
fn present_value_matches_an_independent_xnpv_to_the_cent_on_a_trillion_dollars() {
    // $1.4T straight-line over eight years from 2026, paid monthly in arrears 45 days late,
    // at 8%, valued at the start; and the same accrued daily.
    let cat = load(&[
        "id = \"big\"\nprovider = \"Big\"\ntitle = \"Big\"\nstart = 2026-01-01\nterm = \"8y\"\nvalue_usd = \"1.4T\"\npayment = { terms = \"arrears\", every = \"1m\", lag = \"45d\" }\n",
    ]);
    let c = &cat.contracts[0];
    for (rate, valuation) in [
        ("0.08", "2026-01-01"),
        ("0.0725", "2027-06-15"),
        ("-0.005", "2026-01-01"),
    ] {
        let paid: Vec<(NaiveDate, Decimal)> = payments(&cat, c)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|(d, a)| (d, Decimal::from_i128_with_scale(a, 0)))
            .collect();
        let expected = independent_xnpv(rate.parse().unwrap(), date(valuation), &paid)
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven);
        let (_, pv) = npv_cents(&cat, Basis::Cash, rate, valuation);
        assert_eq!(
            Decimal::from_i128_with_scale(pv, 0),
            expected,
            "cash at {rate}"
        );
        // Accrual: each day's exact $479,123,887.74.. (1.4T / 2,922 days).
        let days_in_term = (c.end - c.start).num_days();
        assert_eq!(days_in_term, 2922);
        let daily = Decimal::from(140_000_000_000_000_i64) / Decimal::from(days_in_term);
        let days: Vec<(NaiveDate, Decimal)> = c
            .start
            .iter_days()
            .take_while(|d| *d < c.end)
            .map(|d| (d, daily))
            .collect();
        let expected = independent_xnpv(rate.parse().unwrap(), date(valuation), &days)
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven);
        let (_, pv) = npv_cents(&cat, Basis::Accrual, rate, valuation);
        let diff = (Decimal::from_i128_with_scale(pv, 0) - expected).abs();
        // The daily amount above is itself rounded to 28 digits: allow a cent.
        assert!(
            diff <= Decimal::ONE,
            "accrual at {rate}: {diff} cents apart"
        );
    }
}

#[test]
fn a_later_payment_is_worth_less() {
    let early = load(&[&daily_ten("payment = { terms = \"arrears\" }")]);
    let late = load(&[&daily_ten(
        "payment = { terms = \"arrears\", lag = \"90d\" }",
    )]);
    let (f1, pv1) = npv_cents(&early, Basis::Cash, "0.08", "2026-01-01");
    let (f2, pv2) = npv_cents(&late, Basis::Cash, "0.08", "2026-01-01");
    assert_eq!((f1, f2), (365_000, 365_000));
    assert!(pv2 < pv1, "{pv2} < {pv1}");
    // At a zero rate present value is the sum of the flows.
    assert_eq!(
        npv_cents(&late, Basis::Cash, "0", "2026-01-01"),
        (365_000, 365_000)
    );
    // Flows before the valuation date are left out.
    assert_eq!(
        npv_cents(&early, Basis::Cash, "0", "2026-07-01").0,
        paid_from(&early, "2026-07-01")
    );
}

fn paid_from(cat: &Catalog, from: &str) -> i128 {
    payments(cat, &cat.contracts[0])
        .unwrap()
        .unwrap()
        .into_iter()
        .filter(|(d, _)| *d >= date(from))
        .map(|(_, a)| a)
        .sum()
}

// ---------------------------------------------------------------------------------------------
// The useful-life lever

fn with_scenario(cat: &Catalog, text: &str) -> (Option<Catalog>, Vec<String>) {
    let mut report = Report::default();
    let scenario =
        capplan::scenario::read_scenario("lever.toml", text.as_bytes().to_vec(), &mut report)
            .expect("a scenario");
    let out = capplan::scenario::apply_all(
        cat,
        &[scenario],
        capplan::catalog::validate::Checks::All,
        &mut report,
    );
    let codes = report
        .diagnostics
        .iter()
        .map(|d| d.code.name().to_owned())
        .collect();
    (out, codes)
}

#[test]
fn a_useful_life_lever_changes_owned_contracts_only() {
    let owned =
        daily_ten("ownership = \"owned\"\nuseful_life = \"2y\"").replace("\"acme\"", "\"owned\"");
    let cat = load(&[&owned, &daily_ten("").replace("\"acme\"", "\"leased\"")]);
    let (shorter, codes) = with_scenario(
        &cat,
        "[scenario]\nname = \"one-year\"\n\n[[adjust]]\nselect = \"*\"\nuseful_life = \"1y\"\n",
    );
    assert!(codes.is_empty(), "{codes:?}");
    let shorter = shorter.unwrap();
    assert_eq!(
        shorter
            .contract("owned")
            .unwrap()
            .useful_life
            .map(|l| l.to_string()),
        Some("1y".to_owned())
    );
    assert_eq!(shorter.contract("leased").unwrap().useful_life, None);
    // A shorter life brings expense forward: more of it in 2026, all of it by the end of 2027.
    let years = |c: &Catalog| {
        let grid = Grid::new(By::Year, 1);
        let tl = Timeline::new(c, grid, date("2026-01-01"), date("2031-01-01"));
        let f = Filter {
            basis: Basis::Expense,
            contracts: vec!["owned".into()],
            ..Filter::default()
        };
        engine::spend(c, &tl, GroupBy::Total, &f).unwrap().values[0].clone()
    };
    let (before, after) = (years(&cat), years(&shorter));
    assert!(after[0] > before[0], "{after:?} vs {before:?}");
    assert_eq!(after.iter().sum::<i128>(), 365_000);
    assert_eq!(before.iter().sum::<i128>(), 365_000);
    // On leased contracts alone, the lever changes nothing: an error, not a silent no-op.
    let (none, codes) = with_scenario(
        &cat,
        "[scenario]\nname = \"leased\"\n\n[[adjust]]\nselect = \"leased\"\nuseful_life = \"1y\"\n",
    );
    assert!(none.is_none());
    assert_eq!(codes, ["unmatched-selector"]);
}
