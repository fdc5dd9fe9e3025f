//! Invariants of the finance layer over generated contracts (DESIGN.md section 10): cash and
//! expense each sum exactly to the contract's value over its whole life, on every grid, whatever
//! the payment terms, interval, lag, spend model and useful life.

use capplan::catalog::validate::Checks;
use capplan::catalog::value::{Duration, DurationUnit};
use capplan::catalog::{self, Catalog, CatalogFiles};
use capplan::diagnostic::Report;
use capplan::engine::spend::value_cents;
use capplan::engine::{self, Basis, By, Filter, Grid, GroupBy, Timeline};
use capplan::scenario::Selector;
use capplan::scenario::apply_all;
use capplan::scenario::flags::{DelayFlag, ScaleFlag, WhatIf};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

const PORTFOLIO: &str = r#"[portfolio]
name = "Generated"
currency = "USD"
horizon = { start = 2025-01-01, end = 2031-01-01 }
pue = 1.2
fiscal_year_start_month = FY

[[target]]
id = "main"
spend_usd = "500T"

[[hardware]]
id = "gpu"
kind = "gpu"
watts_per_unit = 1800
rate_usd_per_hour = "6.00"
tflops = { bf16 = 2500, fp8 = 5000 }
"#;

#[derive(Clone, Debug)]
struct Gen {
    fy: u32,
    start: u64,
    days: u64,
    cents: u64,
    capacity_linked: bool,
    terms: usize,
    every: (i64, usize),
    lag: (i64, usize),
    life: Option<(i64, usize)>,
    ramp_from: u64,
    ramp_len: u64,
}

const UNITS: [&str; 4] = ["d", "w", "m", "q"];
const TERMS: [&str; 4] = ["arrears", "advance", "upfront", "none"];

fn gen_contract() -> impl Strategy<Value = Gen> {
    (
        (
            1_u32..=12,
            0_u64..1500,
            30_u64..2000,
            1_u64..100_000_000_000_000,
        ),
        (any::<bool>(), 0_usize..4),
        ((1_i64..6, 0_usize..4), (0_i64..100, 0_usize..4)),
        prop::option::of((1_i64..80, 0_usize..4)),
        (0_u64..1000, 0_u64..1000),
    )
        .prop_map(
            |((fy, start, days, cents), (capacity_linked, terms), (every, lag), life, (a, b))| {
                Gen {
                    fy,
                    start,
                    days,
                    cents,
                    capacity_linked,
                    terms,
                    every,
                    lag,
                    life,
                    ramp_from: a,
                    ramp_len: b,
                }
            },
        )
}

fn load(g: &Gen) -> Option<Catalog> {
    let base = NaiveDate::from_ymd_opt(2025, 1, 1)?;
    let start = base + Days::new(g.start);
    let end = start + Days::new(g.days);
    // Online in the first half of the term, full before its end: capacity-linked spend has
    // capacity to follow.
    let from = start + Days::new(g.days * g.ramp_from / 2000);
    let by = from + Days::new((end - from).num_days().unsigned_abs() * g.ramp_len / 1000);
    let mut text = format!(
        "id = \"gen\"\nprovider = \"Gen\"\ntitle = \"Generated\"\nstart = {start}\nend = {end}\nvalue_usd = \"{}.{:02}\"\n",
        g.cents / 100,
        g.cents % 100
    );
    if g.capacity_linked {
        text.push_str("spend = \"capacity-linked\"\n");
    }
    if g.terms < 3 {
        // An interval longer than the term is refused by validation: keep it within.
        let every = format!("{}{}", g.every.0, UNITS[g.every.1]);
        text.push_str(&format!(
            "payment = {{ terms = \"{}\", every = \"{every}\", lag = \"{}{}\" }}\n",
            TERMS[g.terms], g.lag.0, UNITS[g.lag.1]
        ));
    }
    if let Some((n, u)) = g.life {
        text.push_str(&format!(
            "ownership = \"owned\"\nuseful_life = \"{n}{}\"\n",
            UNITS[u]
        ));
    }
    text.push_str(&format!(
        "\n[[tranche]]\nid = \"t\"\nhardware = \"gpu\"\nunits = 1000\nonline_from = {from}\nonline_by = {by}\n"
    ));
    let portfolio = PORTFOLIO.replace("FY", &g.fy.to_string());
    let files = CatalogFiles {
        label: "gen".to_owned(),
        files: vec![
            ("gen/portfolio.toml".to_owned(), portfolio.into_bytes()),
            ("gen/gen.toml".to_owned(), text.into_bytes()),
        ],
    };
    let mut report = Report::default();
    let cat = catalog::load(&files, &mut report);
    // Payment intervals longer than the term are refused: such cases are skipped.
    if report.has_errors() {
        let only_interval = report
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .all(|d| d.code.name() == "payment-interval-too-long");
        assert!(only_interval, "{:?}", report.diagnostics);
        return None;
    }
    cat
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn cash_and_expense_each_sum_exactly_to_the_value(g in gen_contract()) {
        let Some(cat) = load(&g) else { return Ok(()) };
        let value = value_cents(cat.contracts[0].value_usd).unwrap();
        for by in [By::Month, By::Quarter, By::Year] {
            let grid = Grid::new(by, g.fy);
            let tl = Timeline::new(&cat, grid, cat.portfolio.horizon_start, cat.portfolio.horizon_end);
            for basis in [Basis::Accrual, Basis::Cash, Basis::Expense] {
                let filter = Filter { basis, ..Filter::default() };
                let s = engine::spend(&cat, &tl, GroupBy::Total, &filter).unwrap();
                let total: i128 = s.values[0].iter().sum();
                prop_assert_eq!(total, value, "{:?} on {:?}", basis, by);
                prop_assert!(s.values[0].iter().all(|c| *c >= 0));
            }
        }
    }
}

/// The catalog with one lever of `solve` applied through the what-if flags, as `solve` does.
fn with_lever(cat: &Catalog, what_if: WhatIf) -> Catalog {
    let mut report = Report::default();
    let scenario = what_if
        .to_scenario(&mut report.sources)
        .expect("a flag makes a scenario");
    apply_all(cat, &[scenario], Checks::ErrorsOnly, &mut report).expect("a neutral lever is valid")
}

fn figures(cat: &Catalog, fy: u32) -> (Vec<Vec<i128>>, Vec<Vec<i128>>) {
    let grid = Grid::new(By::Quarter, fy);
    let tl = Timeline::new(
        cat,
        grid,
        cat.portfolio.horizon_start,
        cat.portfolio.horizon_end,
    );
    let f = Filter::default();
    let cap = engine::capacity(cat, &tl, GroupBy::Total, &f).unwrap();
    let spend = engine::spend(cat, &tl, GroupBy::Total, &f).unwrap();
    (
        cap.values
            .iter()
            .map(|row| {
                row.iter()
                    .flat_map(|c| [c.gpus, c.power_kw, c.gpu_hours])
                    .collect()
            })
            .collect(),
        spend.values,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn a_scale_of_one_or_a_delay_of_zero_reproduces_the_baseline(g in gen_contract()) {
        let Some(cat) = load(&g) else { return Ok(()) };
        let base = figures(&cat, g.fy);
        let scaled = with_lever(&cat, WhatIf {
            scale: vec![ScaleFlag { select: Selector::All, factor: Decimal::ONE }],
            ..WhatIf::default()
        });
        prop_assert_eq!(&figures(&scaled, g.fy), &base);
        let delayed = with_lever(&cat, WhatIf {
            delay: vec![DelayFlag {
                select: Selector::All,
                delay: Duration { count: 0, unit: DurationUnit::Days },
            }],
            ..WhatIf::default()
        });
        prop_assert_eq!(&figures(&delayed, g.fy), &base);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn present_value_is_the_flows_at_a_zero_rate_and_less_at_a_positive_one(
        g in gen_contract(),
        rate in 1_u32..5000,
    ) {
        use capplan::engine::npv::{Discount, contract_values};
        let Some(cat) = load(&g) else { return Ok(()) };
        let valuation = cat.portfolio.horizon_start;
        let value = |r: Decimal, basis: Basis| {
            let d = Discount::new(r, valuation).unwrap();
            let v = contract_values(&cat, &Filter::default(), basis, &d).unwrap();
            (
                v[0].undiscounted.round_half_even().unwrap(),
                v[0].present.round_half_even().unwrap(),
            )
        };
        for basis in [Basis::Cash, Basis::Accrual] {
            let (flows, at_zero) = value(Decimal::ZERO, basis);
            prop_assert_eq!(flows, at_zero);
            // Rates from 0.01% to 50%.
            let (_, pv) = value(Decimal::new(i64::from(rate), 4), basis);
            prop_assert!(pv <= flows && pv >= 0, "{} of {}", pv, flows);
        }
    }
}
