//! The projection engine against hand-computed figures (DESIGN.md section 3).
//!
//! Each test loads a small catalog from `tests/fixtures/engine/` and checks figures worked out by
//! hand in the comments beside them, so a reader can redo the arithmetic:
//!
//! - `calendar/`: calendar years, PUE 1.2, hardware `g1` (GPU, 1,000 W, $1.00/h) and `c1` (vCPU,
//!   5 W, $0.02/h), and four contracts:
//!   - `alpha-lin` (Alpha): straight-line, $7,300,000.01 over 2026 (365 days); 999 `g1` on a
//!     linear ramp from 2026-01-01 to 2026-04-11 (n = 100 days), so online(t) = 9.99 t.
//!   - `beta-step` (Beta): capacity-linked, $4,864,000.03, 2026-03-01 to 2027-03-01, PUE 1.5;
//!     `power_mw = 1` of `g1` on a step ramp, all online from 2026-05-01.
//!   - `gamma-sched` (Gamma, non-binding): schedule, $150M, 2026-07-01 to 2027-07-01: $30M over
//!     [2026-07-01, 2026-10-01), $120M over [2026-10-01, 2027-07-01); 1,000,000 `c1` on an
//!     s-curve from 2026-07-28 to 2026-08-04 (n = 7), until 2027-04-01.
//!   - `delta-cancelled` (Delta, cancelled): $10M, 500 `g1`; in no figure.
//! - `rounding/`: contract `tiny` with three linear tranches of 1, 1 and 5 `g1` from 2026-01-30
//!   over n = 48 days; `tie-down` and `tie-up` with 3 and 5 `g1` online from 2026-02-01 at PUE 1.5.
//! - `fiscal/`: July fiscal years; `zeta`, $365M straight-line over [2025-10-01, 2026-10-01),
//!   100,000 `g1` on a linear ramp from 2025-10-01 to 2026-01-01 (n = 92), PUE 1.25.

use std::path::Path;

use capplan::catalog::{self, Catalog, CatalogFiles, Precision};
use capplan::diagnostic::Report;
use capplan::engine::{
    self, By, CapacityCell, Filter, Grid, GroupBy, Period, Series, TargetStatus, Timeline,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn load(name: &str) -> Catalog {
    let dir = format!("tests/fixtures/engine/{name}");
    let files = CatalogFiles::read_dir(Path::new(&dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let mut report = Report::default();
    let catalog = catalog::load(&files, &mut report);
    let messages: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    // The fixtures are clean: no error, and no warning either.
    assert!(messages.is_empty(), "{dir}: {messages:#?}");
    catalog.expect("a valid catalog")
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// A timeline whose window is `[from, to)`, on the catalog's own (fiscal) calendar.
fn timeline(catalog: &Catalog, by: By, from: &str, to: &str) -> Timeline {
    let grid = Grid::new(by, catalog.portfolio.fiscal_year_start_month);
    Timeline::new(catalog, grid, date(from), date(to))
}

fn period_index(tl: &Timeline, label: &str) -> usize {
    tl.periods
        .iter()
        .position(|p| p.label == label)
        .unwrap_or_else(|| panic!("no period `{label}`"))
}

fn group_index<T>(series: &Series<T>, group: &str) -> usize {
    series
        .groups
        .iter()
        .position(|g| g == group)
        .unwrap_or_else(|| panic!("no group `{group}` in {:?}", series.groups))
}

fn at<T: Copy>(tl: &Timeline, series: &Series<T>, group: &str, label: &str) -> T {
    series.values[group_index(series, group)][period_index(tl, label)]
}

fn capacity(
    catalog: &Catalog,
    tl: &Timeline,
    by: GroupBy,
    filter: &Filter,
) -> Series<CapacityCell> {
    engine::capacity(catalog, tl, by, filter).expect("no overflow")
}

fn spend(catalog: &Catalog, tl: &Timeline, by: GroupBy, filter: &Filter) -> Series<i128> {
    engine::spend(catalog, tl, by, filter).expect("no overflow")
}

/// `(label, spend in cents)` of one group over the window.
fn window_spend(tl: &Timeline, series: &Series<i128>, group: &str) -> Vec<(String, i128)> {
    let g = group_index(series, group);
    tl.window
        .clone()
        .map(|p| (tl.periods[p].label.clone(), series.values[g][p]))
        .collect()
}

/// Dollars written as `"1234.56"` to cents.
fn cents(dollars: &str) -> i128 {
    let d: Decimal = dollars.parse().expect("an amount");
    engine::spend::value_cents(d).expect("at most two decimals")
}

fn labels(tl: &Timeline) -> Vec<&str> {
    tl.window_periods()
        .iter()
        .map(|p| p.label.as_str())
        .collect()
}

// ------------------------------------------------------------------------------------------------
// 3.1 Capacity: units online at period end, unit-hours
// ------------------------------------------------------------------------------------------------

#[test]
fn units_online_at_period_end_are_floored_per_tranche() {
    let cat = load("calendar");
    let tl = timeline(&cat, By::Month, "2026-01-01", "2027-01-01");
    let s = capacity(&cat, &tl, GroupBy::Total, &Filter::default());
    let gpus = |label| at(&tl, &s, "total", label).gpus;
    let cpus = |label| at(&tl, &s, "total", label).cpus;
    // alpha: online(t) = 999 t / 100 with t = days since 2026-01-01.
    assert_eq!(gpus("2026-01"), 299); // Jan 31, t = 30: 299.7
    assert_eq!(gpus("2026-02"), 579); // Feb 28, t = 58: 579.42
    assert_eq!(gpus("2026-03"), 889); // Mar 31, t = 89: 889.11
    assert_eq!(gpus("2026-04"), 999); // full from Apr 11; beta's step is not until May 1
    // May: alpha 999 + beta floor(1e6 / (1000 W x 1.5)) = 666 units, all on May 1.
    assert_eq!(gpus("2026-05"), 1_665);
    // gamma, s-curve: online(t) = 1e6 t^2 (21 - 2t) / 343; Jul 31 is t = 3: 135e6 / 343 =
    // 393,586.005...; from Aug 4 all 1,000,000.
    assert_eq!(cpus("2026-06"), 0);
    assert_eq!(cpus("2026-07"), 393_586);
    assert_eq!(cpus("2026-08"), 1_000_000);
    // Quarter ends are the same days: 2026Q1 ends Mar 31.
    let tq = timeline(&cat, By::Quarter, "2026-01-01", "2028-01-01");
    let q = capacity(&cat, &tq, GroupBy::Total, &Filter::default());
    let row: Vec<(i128, i128)> = tq
        .window
        .clone()
        .map(|p| (q.values[0][p].gpus, q.values[0][p].cpus))
        .collect();
    assert_eq!(
        row,
        [
            (889, 0),           // 2026Q1
            (1_665, 0),         // 2026Q2: 999 + 666
            (1_665, 1_000_000), // 2026Q3
            (1_665, 1_000_000), // 2026Q4: Dec 31 is alpha's last day
            (0, 1_000_000),     // 2027Q1: alpha ended Jan 1, beta Mar 1; gamma's until is Apr 1
            (0, 0),             // 2027Q2
            (0, 0),
            (0, 0),
        ]
    );

    // Floored per tranche, then summed: on Feb 28 (t = 29) the tranches of `tiny` have 29/48,
    // 29/48 and 5 x 29/48 = 3.02 units: 0 + 0 + 3 = 3, where the floor of the sum, 7 x 29/48 =
    // 4.23, would be 4. With tie-down's 3 and tie-up's 5: 11.
    let r = load("rounding");
    let tr = timeline(&r, By::Month, "2026-01-01", "2027-01-01");
    let by_tranche = capacity(&r, &tr, GroupBy::Tranche, &Filter::default());
    assert_eq!(at(&tr, &by_tranche, "tiny/five", "2026-02").gpus, 3);
    assert_eq!(at(&tr, &by_tranche, "tiny/one-a", "2026-02").gpus, 0);
    let total = capacity(&r, &tr, GroupBy::Total, &Filter::default());
    assert_eq!(at(&tr, &total, "total", "2026-02").gpus, 11);
    // From 2026-03-19 every unit is online.
    assert_eq!(at(&tr, &total, "total", "2026-03").gpus, 15);
}

#[test]
fn unit_hours_are_24_times_the_exact_sum_rounded_once_per_group() {
    let cat = load("calendar");
    let tm = timeline(&cat, By::Month, "2026-01-01", "2027-01-01");
    let m = capacity(&cat, &tm, GroupBy::Total, &Filter::default());
    let hours = |label| at(&tm, &m, "total", label).gpu_hours;
    // alpha, sum of 9.99 t over the days of the month, times 24:
    // Jan, t = 0..=30: sum t = 465; 9.99 x 465 = 4,645.35 unit-days; x 24 = 111,488.4 -> 111,488
    assert_eq!(hours("2026-01"), 111_488);
    // Feb, t = 31..=58: sum t = 1,711 - 465 = 1,246; 12,447.54 x 24 = 298,740.96 -> 298,741
    assert_eq!(hours("2026-02"), 298_741);
    // Mar, t = 59..=89: sum t = 4,005 - 1,711 = 2,294; 22,917.06 x 24 = 550,009.44 -> 550,009
    assert_eq!(hours("2026-03"), 550_009);
    // Apr, t = 90..=99: sum t = 945 -> 9,440.55, then Apr 11-30 at 999: 19,980;
    // 29,420.55 x 24 = 706,093.2 -> 706,093
    assert_eq!(hours("2026-04"), 706_093);
    // May: alpha 999 x 31 x 24 = 743,256 and beta 666 x 31 x 24 = 495,504: 1,238,760
    assert_eq!(hours("2026-05"), 1_238_760);
    // gamma, 1e6 t^2 (21 - 2t) / 343 summed:
    // Jul 28-31, t = 0..=3: (0 + 19 + 68 + 135) e6 / 343 = 222e6 / 343 unit-days;
    // x 24 = 5,328e6 / 343 = 15,533,527.697 -> 15,533,528
    let cpu_hours = |label| at(&tm, &m, "total", label).cpu_hours;
    assert_eq!(cpu_hours("2026-07"), 15_533_528);
    // Aug 1-3, t = 4..=6: (208 + 275 + 324) e6 / 343 = 807e6 / 343; Aug 4-31 full: 28e6;
    // x 24: 56,466,472.303 + 672,000,000 -> 728,466,472
    assert_eq!(cpu_hours("2026-08"), 728_466_472);

    // Rounded once per period: the quarter is not the sum of its rounded months.
    // 2026Q1, t = 0..=89: sum t = 4,005; 9.99 x 4,005 = 40,009.95; x 24 = 960,238.8 -> 960,239,
    // while the months give 111,488 + 298,741 + 550,009 = 960,238.
    let tq = timeline(&cat, By::Quarter, "2026-01-01", "2027-01-01");
    let q = capacity(&cat, &tq, GroupBy::Total, &Filter::default());
    assert_eq!(at(&tq, &q, "total", "2026Q1").gpu_hours, 960_239);
    // 2026Q3, gamma: the whole ramp sums to (222 + 807) e6 / 343 = 3e6 unit-days, exactly; plus
    // Aug 4-31 and September at 1e6: (3 + 28 + 30) e6 x 24 = 1,464,000,000.
    assert_eq!(at(&tq, &q, "total", "2026Q3").cpu_hours, 1_464_000_000);

    // Rounded once per group, half to even. In January each tranche of `tiny` has U/48 units on
    // its second day (Jan 31) and none on its first, so 24 x U/48 = U/2 unit-hours:
    // one-a 0.5 -> 0, one-b 0.5 -> 0, five 2.5 -> 2 (half-even), the total 3.5 -> 4.
    let r = load("rounding");
    let tr = timeline(&r, By::Month, "2026-01-01", "2027-01-01");
    let t = capacity(&r, &tr, GroupBy::Tranche, &Filter::default());
    let jan: Vec<(String, i128)> = t
        .groups
        .iter()
        .map(|g| (g.clone(), at(&tr, &t, g, "2026-01").gpu_hours))
        .collect();
    assert_eq!(
        jan,
        [
            ("tie-down/g".to_owned(), 0),
            ("tie-up/g".to_owned(), 0),
            ("tiny/five".to_owned(), 2),
            ("tiny/one-a".to_owned(), 0),
            ("tiny/one-b".to_owned(), 0),
        ]
    );
    let total = capacity(&r, &tr, GroupBy::Total, &Filter::default());
    assert_eq!(at(&tr, &total, "total", "2026-01").gpu_hours, 4);
    // February: tiny t = 2..=29, sum t = 435 - 1 = 434; 7 x 434 / 48 x 24 = 1,519; tie-down
    // 3 x 28 x 24 = 2,016; tie-up 5 x 28 x 24 = 3,360: 6,895.
    assert_eq!(at(&tr, &total, "total", "2026-02").gpu_hours, 6_895);
}

// ------------------------------------------------------------------------------------------------
// 3.2 Power
// ------------------------------------------------------------------------------------------------

#[test]
fn facility_mw_is_rounded_half_even_to_three_decimals_with_the_contract_pue() {
    let cat = load("calendar");
    let tm = timeline(&cat, By::Month, "2026-01-01", "2027-01-01");
    let c = capacity(&cat, &tm, GroupBy::Contract, &Filter::default());
    let mw = |group, label| at(&tm, &c, group, label).power_mw();
    // alpha at the portfolio's PUE 1.2, so 1.2 kW a unit:
    assert_eq!(mw("alpha-lin", "2026-01"), Decimal::new(360, 3)); // 299.7 x 1.2 = 359.64 kW
    assert_eq!(mw("alpha-lin", "2026-03"), Decimal::new(1_067, 3)); // 889.11 x 1.2 = 1,066.932
    assert_eq!(mw("alpha-lin", "2026-04"), Decimal::new(1_199, 3)); // 999 x 1.2 = 1,198.8
    // beta at its own PUE 1.5: `power_mw = 1` is floor(1e6 / (1,000 x 1.5)) = 666 units, which
    // draw 666 x 1.5 = 999 kW. (At the portfolio's 1.2 it would be 833 units and 999.6 kW,
    // 1.000 MW.)
    assert_eq!(mw("beta-step", "2026-04"), Decimal::ZERO);
    assert_eq!(mw("beta-step", "2026-05"), Decimal::new(999, 3));
    // gamma, Jul 31: 135e6 / 343 vCPUs x 5 W x 1.2 = 810,000 / 343 = 2,361.516 kW
    assert_eq!(mw("gamma-sched", "2026-07"), Decimal::new(2_362, 3));
    let t = capacity(&cat, &tm, GroupBy::Total, &Filter::default());
    // The exact sum is rounded, not the rounded parts: 1,198.8 + 999 + 2,361.516 = 4,559.316 kW.
    assert_eq!(at(&tm, &t, "total", "2026-07").power_kw, 4_559);
    // From August: 1,198.8 + 999 + 6,000 = 8,197.8 kW.
    assert_eq!(
        at(&tm, &t, "total", "2026-08").power_mw(),
        Decimal::new(8_198, 3)
    );

    // Ties go to the even kilowatt: tie-down 3 x 1.5 = 4.5 kW -> 0.004 MW; tie-up 5 x 1.5 = 7.5 kW
    // -> 0.008 MW; tiny on Feb 28, 7 x 29/48 x 1.2 = 5.075 kW -> 0.005; together 17.075 -> 0.017.
    let r = load("rounding");
    let tr = timeline(&r, By::Month, "2026-01-01", "2027-01-01");
    let rc = capacity(&r, &tr, GroupBy::Contract, &Filter::default());
    let feb = |g| at(&tr, &rc, g, "2026-02").power_kw;
    assert_eq!((feb("tie-down"), feb("tie-up"), feb("tiny")), (4, 8, 5));
    let rt = capacity(&r, &tr, GroupBy::Total, &Filter::default());
    assert_eq!(at(&tr, &rt, "total", "2026-02").power_kw, 17);
}

// ------------------------------------------------------------------------------------------------
// 3.3 Spend
// ------------------------------------------------------------------------------------------------

#[test]
fn straight_line_spend_hands_leftover_cents_to_the_largest_remainders() {
    let cat = load("calendar");
    // alpha: 730,000,001 cents over 365 days = 2,000,000 cents a day plus 1/365 of a cent.
    // A period of n days gets 2,000,000 n + n/365 cents: one cent is left over after flooring.
    let tm = timeline(&cat, By::Month, "2026-01-01", "2027-01-01");
    let m = spend(&cat, &tm, GroupBy::Contract, &Filter::default());
    let months = window_spend(&tm, &m, "alpha-lin");
    // The largest remainder is 31/365, shared by seven months: the earliest, January, wins.
    assert_eq!(months[0], ("2026-01".to_owned(), cents("620000.01")));
    assert_eq!(months[1], ("2026-02".to_owned(), cents("560000.00")));
    assert_eq!(months[2], ("2026-03".to_owned(), cents("620000.00")));
    assert_eq!(months[11], ("2026-12".to_owned(), cents("620000.00")));
    assert_eq!(
        months.iter().map(|(_, c)| c).sum::<i128>(),
        cents("7300000.01")
    );
    // Quarters of 90, 91, 92 and 92 days: 2026Q3 and Q4 tie at 92/365; Q3 is earlier.
    let tq = timeline(&cat, By::Quarter, "2026-01-01", "2027-01-01");
    let q = spend(&cat, &tq, GroupBy::Contract, &Filter::default());
    let amounts: Vec<i128> = window_spend(&tq, &q, "alpha-lin")
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert_eq!(
        amounts,
        [
            cents("1800000.00"),
            cents("1820000.00"),
            cents("1840000.01"),
            cents("1840000.00")
        ]
    );
    // One year, one period: the value itself.
    let ty = timeline(&cat, By::Year, "2026-01-01", "2027-01-01");
    let y = spend(&cat, &ty, GroupBy::Contract, &Filter::default());
    assert_eq!(at(&ty, &y, "alpha-lin", "2026"), cents("7300000.01"));
}

#[test]
fn capacity_linked_spend_follows_the_capacity_online() {
    let cat = load("calendar");
    // beta: w(d) = 666 x $1.00 x 24 from May 1, 2026 to the end of the term (Mar 1, 2027), 0
    // before: 304 days of equal weight. 486,400,003 cents / 304 = 1,600,000 + 3/304 a day.
    // A month of n such days: 1,600,000 n + 3n/304; remainders 93/304 (31 days), 90/304 (30)
    // and 84/304 (28) sum to 3 cents, which go to the first three 31-day months: May, Jul, Aug.
    let tm = timeline(&cat, By::Month, "2026-01-01", "2028-01-01");
    let m = spend(&cat, &tm, GroupBy::Contract, &Filter::default());
    let beta: Vec<(String, i128)> = window_spend(&tm, &m, "beta-step")
        .into_iter()
        .filter(|(l, _)| l.as_str() >= "2026-03" && l.as_str() <= "2027-03")
        .collect();
    let expected = [
        ("2026-03", "0.00"), // ramping, but a step ramp has nothing online before May 1
        ("2026-04", "0.00"),
        ("2026-05", "496000.01"),
        ("2026-06", "480000.00"),
        ("2026-07", "496000.01"),
        ("2026-08", "496000.01"),
        ("2026-09", "480000.00"),
        ("2026-10", "496000.00"),
        ("2026-11", "480000.00"),
        ("2026-12", "496000.00"),
        ("2027-01", "496000.00"),
        ("2027-02", "448000.00"),
        ("2027-03", "0.00"), // after the term
    ];
    let expected: Vec<(String, i128)> = expected
        .iter()
        .map(|(l, d)| ((*l).to_owned(), cents(d)))
        .collect();
    assert_eq!(beta, expected);
    // Quarters: 2026Q2 has 61 days (.602), Q3 and Q4 92 (.908), 2027Q1 59 (.582): the three
    // cents go to Q3, Q4 and Q2.
    let tq = timeline(&cat, By::Quarter, "2026-01-01", "2028-01-01");
    let q = spend(&cat, &tq, GroupBy::Contract, &Filter::default());
    let quarters: Vec<i128> = window_spend(&tq, &q, "beta-step")
        .into_iter()
        .map(|(_, c)| c)
        .take(5)
        .collect();
    assert_eq!(
        quarters,
        [
            0,
            cents("976000.01"),
            cents("1472000.01"),
            cents("1472000.01"),
            cents("944000.00")
        ]
    );
}

#[test]
fn schedule_spend_spreads_each_entry_over_its_days() {
    let cat = load("calendar");
    // gamma: $30M over [2026-07-01, 2026-10-01), all in 2026Q3; $120M over 273 days from
    // 2026-10-01: 2026Q4 (92 days) 12e9 x 92 / 273 = 4,043,956,043.956 cents, 2027Q1 (90 days)
    // 3,956,043,956.044, 2027Q2 (91 days) exactly 4e9. The one cent left goes to 2026Q4 (.956).
    let tq = timeline(&cat, By::Quarter, "2026-01-01", "2028-01-01");
    let q = spend(&cat, &tq, GroupBy::Contract, &Filter::default());
    let gamma: Vec<i128> = window_spend(&tq, &q, "gamma-sched")
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert_eq!(
        gamma,
        [
            0,
            0,
            cents("30000000.00"),
            cents("40439560.44"),
            cents("39560439.56"),
            cents("40000000.00"),
            0,
            0
        ]
    );
    assert_eq!(gamma.iter().sum::<i128>(), cents("150000000.00"));
}

#[test]
fn cumulative_spend_counts_from_the_contract_start_when_the_window_starts_later() {
    let cat = load("calendar");
    // The window is 2026Q3-2026Q4, but alpha and beta started earlier.
    let tl = timeline(&cat, By::Quarter, "2026-07-01", "2027-01-01");
    assert_eq!(labels(&tl), ["2026Q3", "2026Q4"]);
    let s = spend(&cat, &tl, GroupBy::Contract, &Filter::default());
    let cum = |group: &str, label: &str| {
        let g = group_index(&s, group);
        engine::cumulative(&s.values[g])[period_index(&tl, label)]
    };
    // alpha: 2026Q1 1,800,000.00 + Q2 1,820,000.00 + Q3 1,840,000.01
    assert_eq!(cum("alpha-lin", "2026Q3"), cents("5460000.01"));
    assert_eq!(cum("alpha-lin", "2026Q4"), cents("7300000.01"));
    // beta: 976,000.01 + 1,472,000.01
    assert_eq!(cum("beta-step", "2026Q3"), cents("2448000.02"));
    // The total: 1.8M + 2,796,000.01 (Q2) + 33,312,000.02 (Q3) = 37,908,000.03
    let t = spend(&cat, &tl, GroupBy::Total, &Filter::default());
    let total = engine::cumulative(&t.values[0]);
    assert_eq!(total[period_index(&tl, "2026Q3")], cents("37908000.03"));
    // 2026Q4: 1,840,000.00 + 1,472,000.01 + 40,439,560.44 = 43,751,560.45 more
    assert_eq!(total[period_index(&tl, "2026Q4")], cents("81659560.48"));
}

#[test]
fn a_window_that_cuts_a_contract_shows_its_periods_rounded_over_its_whole_life() {
    let cat = load("calendar");
    // Window January to March 2026: alpha runs all year, beta from March.
    let tl = timeline(&cat, By::Month, "2026-01-01", "2026-04-01");
    assert_eq!(labels(&tl), ["2026-01", "2026-02", "2026-03"]);
    // The timeline still spans every contract's life, so the cents are those of the full grid:
    // January keeps alpha's leftover cent although the window ends in March.
    let s = spend(&cat, &tl, GroupBy::Contract, &Filter::default());
    assert_eq!(
        window_spend(&tl, &s, "alpha-lin"),
        [
            ("2026-01".to_owned(), cents("620000.01")),
            ("2026-02".to_owned(), cents("560000.00")),
            ("2026-03".to_owned(), cents("620000.00")),
        ]
    );
    let first = &tl.periods[0];
    assert!(
        first.start <= date("2026-01-01") && tl.periods.last().unwrap().end >= date("2028-01-01")
    );
    // A window that starts inside a ramp: 2026-03 only; 889 units at its end.
    let tl = timeline(&cat, By::Month, "2026-03-01", "2026-04-01");
    let c = capacity(&cat, &tl, GroupBy::Total, &Filter::default());
    assert_eq!(tl.window.len(), 1);
    assert_eq!(c.values[0][tl.window.start].gpus, 889);
}

// ------------------------------------------------------------------------------------------------
// 3.4 Status and targets
// ------------------------------------------------------------------------------------------------

#[test]
fn cancelled_contracts_are_left_out_of_every_figure() {
    let cat = load("calendar");
    let filter = Filter::default();
    let tl = timeline(&cat, By::Quarter, "2026-01-01", "2028-01-01");
    // Delta's 500 GPUs online from 2026-01-01 would show in 2026Q1 (889 + 500) and its $10M in
    // the total.
    let c = capacity(&cat, &tl, GroupBy::Provider, &filter);
    assert_eq!(c.groups, ["Alpha", "Beta", "Gamma"]);
    let t = capacity(&cat, &tl, GroupBy::Total, &filter);
    assert_eq!(at(&tl, &t, "total", "2026Q1").gpus, 889);
    let s = spend(&cat, &tl, GroupBy::Provider, &filter);
    assert_eq!(s.groups, ["Alpha", "Beta", "Gamma"]);
    let total: i128 = spend(&cat, &tl, GroupBy::Total, &filter).values[0]
        .iter()
        .sum();
    // 7,300,000.01 + 4,864,000.03 + 150,000,000
    assert_eq!(total, cents("162164000.04"));
    assert_eq!(
        engine::contracted(&cat, &filter),
        "162164000.04".parse::<Decimal>().unwrap()
    );
    // Even when asked for by name.
    let only = Filter {
        contracts: vec!["delta-cancelled".into()],
        ..Filter::default()
    };
    let c = capacity(&cat, &tl, GroupBy::Contract, &only);
    assert!(c.groups.is_empty());
}

#[test]
fn signed_only_leaves_non_binding_contracts_out() {
    let cat = load("calendar");
    let signed = Filter {
        signed_only: true,
        ..Filter::default()
    };
    let tl = timeline(&cat, By::Quarter, "2026-01-01", "2028-01-01");
    let c = capacity(&cat, &tl, GroupBy::Provider, &signed);
    assert_eq!(c.groups, ["Alpha", "Beta"]);
    let t = capacity(&cat, &tl, GroupBy::Total, &signed);
    assert!(
        t.values[0]
            .iter()
            .all(|cell| cell.cpus == 0 && cell.cpu_hours == 0)
    );
    let s = spend(&cat, &tl, GroupBy::Total, &signed);
    // alpha + beta per quarter: Q1 1,800,000.00; Q2 1,820,000.00 + 976,000.01; Q3 1,840,000.01 +
    // 1,472,000.01; Q4 1,840,000.00 + 1,472,000.01; 2027Q1 944,000.00.
    let cum: Vec<i128> = engine::cumulative(&s.values[0])[tl.window.clone()].to_vec();
    assert_eq!(
        cum,
        [
            cents("1800000.00"),
            cents("4596000.01"),
            cents("7908000.03"),
            cents("11220000.04"),
            cents("12164000.04"),
            cents("12164000.04"),
            cents("12164000.04"),
            cents("12164000.04"),
        ]
    );
    assert_eq!(
        engine::contracted(&cat, &signed),
        "12164000.04".parse::<Decimal>().unwrap()
    );
}

fn status(cat: &Catalog, tl: &Timeline, target: &str, filter: &Filter) -> TargetStatus {
    let cells = capacity(cat, tl, GroupBy::Total, filter).values[0].clone();
    let power: Vec<i128> = cells.iter().map(|c| c.power_kw).collect();
    let h100e: Vec<i128> = cells.iter().map(|c| c.h100e).collect();
    let spend = spend(cat, tl, GroupBy::Total, filter).values[0].clone();
    let target = cat.target(target).expect("a target");
    engine::target_status(target, tl, &power, &h100e, &spend)
}

fn label(p: &Option<Period>) -> Option<&str> {
    p.as_ref().map(|p| p.label.as_str())
}

#[test]
fn a_target_is_met_in_the_first_period_that_reaches_every_figure() {
    let cat = load("calendar");
    let tl = timeline(&cat, By::Quarter, "2026-01-01", "2028-01-01");
    let all = Filter::default();
    let signed = Filter {
        signed_only: true,
        ..Filter::default()
    };
    // `near`: $11M and 2 MW (2,000 kW) by 2026-12-31. Power at quarter ends: 1,067, 2,198,
    // 8,198, 8,198 kW... (2,198 signed only from Q2 to Q4). Cumulative spend: 1.8M, 4.6M, 37.9M
    // with gamma; 1.8M, 4.6M, 7.9M, 11.22M signed only.
    let s = status(&cat, &tl, "near", &all);
    assert_eq!(label(&s.power_met_in), Some("2026Q2"));
    assert_eq!(label(&s.spend_met_in), Some("2026Q3"));
    assert_eq!(label(&s.met_in), Some("2026Q3"));
    assert_eq!(s.met_by_deadline, Some(true));
    let s = status(&cat, &tl, "near", &signed);
    assert_eq!(label(&s.power_met_in), Some("2026Q2"));
    assert_eq!(label(&s.spend_met_in), Some("2026Q4"));
    assert_eq!(label(&s.met_in), Some("2026Q4"));
    assert_eq!(s.met_by_deadline, Some(true)); // 2026Q4 ends on 2026-12-31
    // `late`: $11M by 2026-09-30, no power figure.
    let s = status(&cat, &tl, "late", &all);
    assert_eq!(
        (label(&s.met_in), s.met_by_deadline),
        (Some("2026Q3"), Some(true))
    );
    assert_eq!(s.power_met_in, None);
    let s = status(&cat, &tl, "late", &signed);
    assert_eq!(
        (label(&s.met_in), s.met_by_deadline),
        (Some("2026Q4"), Some(false))
    );
    // `all`: $200M and 10 MW, no date: never (at most $162.16M and 8.198 MW).
    let s = status(&cat, &tl, "all", &all);
    assert_eq!(
        (s.met_in, s.spend_met_in, s.power_met_in, s.met_by_deadline),
        (None, None, None, None)
    );
    // On a month grid, `near` is met at the end of July 2026: cumulative spend is 4,596,000.02
    // by June (on months alpha's cent is January's), then July adds alpha 620,000.00, beta
    // 496,000.01 and gamma's $30M x 31/92 = $10.1M; power passed 2,000 kW in May (2,198 kW).
    let tm = timeline(&cat, By::Month, "2026-01-01", "2028-01-01");
    let s = status(&cat, &tm, "near", &all);
    assert_eq!(
        (label(&s.power_met_in), label(&s.met_in)),
        (Some("2026-05"), Some("2026-07"))
    );
}

// ------------------------------------------------------------------------------------------------
// 3.5 Periods: fiscal years
// ------------------------------------------------------------------------------------------------

#[test]
fn fiscal_years_from_july_are_named_by_the_year_they_end() {
    let cat = load("fiscal");
    assert_eq!(cat.portfolio.fiscal_year_start_month, 7);
    let ty = timeline(&cat, By::Year, "2025-07-01", "2027-07-01");
    let periods: Vec<(&str, NaiveDate, NaiveDate)> = ty
        .window_periods()
        .iter()
        .map(|p| (p.label.as_str(), p.start, p.end))
        .collect();
    assert_eq!(
        periods,
        [
            ("FY2026", date("2025-07-01"), date("2026-07-01")),
            ("FY2027", date("2026-07-01"), date("2027-07-01")),
        ]
    );
    // zeta, $1M a day: FY2026 holds Oct 1, 2025 to Jun 30, 2026 (273 days), FY2027 the other 92.
    let y = spend(&cat, &ty, GroupBy::Total, &Filter::default());
    assert_eq!(
        window_spend(&ty, &y, "total"),
        [
            ("FY2026".to_owned(), cents("273000000.00")),
            ("FY2027".to_owned(), cents("92000000.00")),
        ]
    );
    // Unit-hours: the ramp, t = 0..=91, sums to 100,000 x 4,186 / 92 = 4,550,000 unit-days, then
    // 181 full days to Jul 1: 22,650,000 unit-days x 24 = 543,600,000; FY2027 has 92 full days
    // before the term ends on 2026-10-01: 220,800,000.
    let c = capacity(&cat, &ty, GroupBy::Total, &Filter::default());
    assert_eq!(at(&ty, &c, "total", "FY2026").gpu_hours, 543_600_000);
    assert_eq!(at(&ty, &c, "total", "FY2027").gpu_hours, 220_800_000);

    let tq = timeline(&cat, By::Quarter, "2025-07-01", "2027-07-01");
    assert_eq!(
        labels(&tq),
        [
            "FY2026Q1", "FY2026Q2", "FY2026Q3", "FY2026Q4", "FY2027Q1", "FY2027Q2", "FY2027Q3",
            "FY2027Q4"
        ]
    );
    let q = spend(&cat, &tq, GroupBy::Total, &Filter::default());
    let amounts: Vec<i128> = window_spend(&tq, &q, "total")
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    // Days: 0; Oct-Dec 92; Jan-Mar 90; Apr-Jun 91; Jul-Sep 92; then none.
    assert_eq!(
        amounts,
        [
            0,
            cents("92000000"),
            cents("90000000"),
            cents("91000000"),
            cents("92000000"),
            0,
            0,
            0
        ]
    );
    let c = capacity(&cat, &tq, GroupBy::Total, &Filter::default());
    // FY2026Q2 ends Dec 31, 2025, t = 91: 100,000 x 91 / 92 = 98,913.04 units, drawing
    // 98,913.04 x 1.25 kW = 123,641.304 kW.
    let q2 = at(&tq, &c, "total", "FY2026Q2");
    assert_eq!((q2.gpus, q2.power_mw()), (98_913, Decimal::new(123_641, 3)));
    let q3 = at(&tq, &c, "total", "FY2026Q3");
    assert_eq!(
        (q3.gpus, q3.power_mw()),
        (100_000, Decimal::new(125_000, 3))
    );
    assert_eq!(at(&tq, &c, "total", "FY2027Q2").gpus, 0);
    // Months keep calendar labels.
    let tm = timeline(&cat, By::Month, "2025-10-01", "2025-11-01");
    assert_eq!(labels(&tm), ["2025-10"]);
    // `fy`: $365M by 2026-06-30, reached with the last payment in FY2027Q1: late.
    let s = status(&cat, &tq, "fy", &Filter::default());
    assert_eq!(
        (label(&s.met_in), s.met_by_deadline),
        (Some("FY2027Q1"), Some(false))
    );
}

#[test]
fn fiscal_bounds_parse_as_fiscal_labels() {
    let g = Grid::new(By::Quarter, 7);
    assert_eq!(
        g.parse_bound("FY2027Q2"),
        Ok(engine::Bound::Span(date("2026-10-01"), date("2027-01-01")))
    );
    assert!(matches!(
        g.parse_bound("2026"),
        Err(engine::PeriodError::WrongCalendar { .. })
    ));
}

/// `compute/`: the built-in H100 (989 BF16, 1,979 FP8 dense TFLOPS); `g2` is two H100 at both
/// precisions, `g3` one at BF16 and 989/1,979 at FP8, `x4` has an FP4 figure only. Tranche `a`:
/// 3 `g3` from 2026-01-02; `b`: 10 `g2` from 2026-04-11; `c`: 7 `x4` from 2026-01-02; step ramps.
#[test]
fn h100e_are_the_floored_exact_sum_and_h100e_hours_are_rounded_once() {
    let cat = load("compute");
    let tl = timeline(&cat, By::Quarter, "2026-01-01", "2026-07-01");
    let fp8 = Filter::default();
    let total = capacity(&cat, &tl, GroupBy::Total, &fp8);
    let q1 = at(&tl, &total, "total", "2026Q1");
    // 3 x 989/1,979 = 1.4992...: one H100e; 3 x 989 TFLOPS = 0.002967 EF, 0.003 to three places.
    assert_eq!((q1.h100e, q1.eflops_milli), (1, 3));
    // 89 days x 24 h x 2,967/1,979 = 6,337,512/1,979 = 3,202.38: 3,202 H100e-hours. `x4` adds
    // GPUs (7) but no compute.
    assert_eq!((q1.gpus, q1.h100e_hours), (10, 3202));
    let q2 = at(&tl, &total, "total", "2026Q2");
    // 1.4992 + 10 x 2 = 21.4992: 21. 2,967 + 39,580 = 42,547 TFLOPS = 0.042547 EF: 0.043.
    assert_eq!((q2.h100e, q2.eflops_milli), (21, 43));
    // g3: 91 days x 24 x 2,967/1,979 = 3,274.33; g2: 81 days (from 2026-04-11) x 24 x 20 =
    // 38,880 exactly; the group's exact sum, 42,154.33, rounds once to 42,154.
    assert_eq!(q2.h100e_hours, 42_154);

    // By hardware each group floors its own exact sum: g3 1.4992 -> 1, g2 20, x4 0.
    let by_hw = capacity(&cat, &tl, GroupBy::Hardware, &fp8);
    let h100e: Vec<i128> = ["g2", "g3", "x4"]
        .iter()
        .map(|g| at(&tl, &by_hw, g, "2026Q2").h100e)
        .collect();
    assert_eq!(h100e, vec![20, 1, 0]);
    assert_eq!(at(&tl, &by_hw, "g3", "2026Q2").h100e_hours, 3274);
    assert_eq!(at(&tl, &by_hw, "g2", "2026Q2").h100e_hours, 38_880);

    // At BF16 g3 is one H100 and g2 two: 3 and 23 H100e; exaFLOPS at the end of Q2:
    // 3 x 989 + 10 x 1,978 = 22,747 TFLOPS = 0.022747 EF: 0.023.
    let bf16 = Filter {
        precision: Some(Precision::Bf16),
        ..Filter::default()
    };
    let total = capacity(&cat, &tl, GroupBy::Total, &bf16);
    let q1 = at(&tl, &total, "total", "2026Q1");
    let q2 = at(&tl, &total, "total", "2026Q2");
    assert_eq!((q1.h100e, q2.h100e, q2.eflops_milli), (3, 23, 23));
    // 89 x 24 x 3 = 6,408; Q2: 91 x 24 x 3 + 81 x 24 x 20 = 6,552 + 38,880.
    assert_eq!((q1.h100e_hours, q2.h100e_hours), (6408, 45_432));
}

#[test]
fn h100e_targets_count_at_the_portfolio_precision_whatever_the_report_shows() {
    let cat = load("compute");
    let tl = timeline(&cat, By::Quarter, "2026-01-01", "2027-01-01");
    // 22 H100e: 21 at most at FP8, the portfolio's precision, so never met ...
    let s = status(&cat, &tl, "compute", &Filter::default());
    assert_eq!((label(&s.h100e_met_in), label(&s.met_in)), (None, None));
    // ... even when the report counts at BF16, where 23 would pass it.
    let bf16 = Filter {
        precision: Some(Precision::Bf16),
        ..Filter::default()
    };
    let whole = Timeline {
        window: 0..tl.periods.len(),
        ..tl.clone()
    };
    let cells = capacity(&cat, &whole, GroupBy::Total, &bf16).values[0].clone();
    assert_eq!(cells.iter().map(|c| c.h100e).max(), Some(23));
    let h100e = engine::target_h100e(&cat, &whole, &bf16, &cells).expect("no overflow");
    assert_eq!(h100e.iter().copied().max(), Some(21));
    let power: Vec<i128> = cells.iter().map(|c| c.power_kw).collect();
    let spend = spend(&cat, &whole, GroupBy::Total, &bf16).values[0].clone();
    let target = cat.target("compute").expect("a target");
    let s = engine::target_status(target, &whole, &power, &h100e, &spend);
    assert_eq!(s.h100e_met_in, None);
    // Met once the target asks for what FP8 reaches.
    let mut lower = target.clone();
    lower.h100e = Some(21);
    let s = engine::target_status(&lower, &whole, &power, &h100e, &spend);
    assert_eq!(label(&s.h100e_met_in), Some("2026Q2"));
    assert_eq!(label(&s.met_in), Some("2026Q2"));
}

/// A catalog written before compute was counted, with an `h100` profile of watts and a rate
/// only: it stays valid, and its `h100` units count as the built-in H100 (one H100e each), the
/// reference of every other figure.
#[test]
fn an_h100_profile_without_figures_is_the_built_in_h100() {
    let portfolio = r#"
[portfolio]
name = "older"
currency = "USD"
horizon = { start = 2026-01-01, end = 2027-01-01 }
pue = 1.2

[[hardware]]
id = "h100"
kind = "gpu"
watts_per_unit = 700
rate_usd_per_hour = "2.00"
"#;
    let contract = r#"
id = "c"
provider = "P"
title = "c"
announced = 2025-12-01
start = 2026-01-01
end = 2027-01-01
value_usd = "17520"
sources = ["https://example.com/c"]

[[tranche]]
id = "t"
hardware = "h100"
units = 1
online_from = 2026-01-01
online_by = 2026-01-01
"#;
    let files = CatalogFiles {
        label: "older".to_owned(),
        files: vec![
            (
                "older/portfolio.toml".to_owned(),
                portfolio.as_bytes().to_vec(),
            ),
            ("older/c.toml".to_owned(), contract.as_bytes().to_vec()),
        ],
    };
    let mut report = Report::default();
    let cat = catalog::load(&files, &mut report).expect("a valid catalog");
    let errors: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == capplan::diagnostic::Severity::Error)
        .map(|d| d.message.as_str())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        cat.reference_tflops(Precision::Fp8),
        Some(Decimal::from(1979))
    );
    let tl = timeline(&cat, By::Quarter, "2026-01-01", "2026-07-01");
    let total = capacity(&cat, &tl, GroupBy::Total, &Filter::default());
    assert_eq!(at(&tl, &total, "total", "2026Q1").h100e, 1);
}
