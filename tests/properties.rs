//! Invariants of the projection engine over generated catalogs (DESIGN.md section 3).
//!
//! A generated catalog has one to four contracts with random dates, values in cents, statuses,
//! PUEs, spend models (schedules whose amounts sum exactly to the value) and one to three
//! tranches each (units or `power_mw`, any ramp, an optional `until`), on a calendar or fiscal
//! year starting in any month. It is written as TOML and goes through the real loader and
//! validator, so a generated catalog that does not load is itself a failure.

use std::fmt::Write as _;

use capplan::catalog::ramp::{RampShape, day_number};
use capplan::catalog::{self, Catalog, CatalogFiles, Ramp, SpendModel, Status};
use capplan::diagnostic::Report;
use capplan::engine::spend::{contract_cents, value_cents};
use capplan::engine::{self, By, Filter, Grid, GroupBy, Period, Timeline};
use capplan::exact::Rational;
use capplan::report::build::{self, Context};
use capplan::report::{ReportFormat, render};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

const BASE: NaiveDate = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
const GRIDS: [By; 3] = [By::Month, By::Quarter, By::Year];

fn day(offset: u32) -> NaiveDate {
    BASE + Days::new(u64::from(offset))
}

fn money(cents: u64) -> String {
    format!("\"{}.{:02}\"", cents / 100, cents % 100)
}

#[derive(Clone, Debug)]
struct GenTranche {
    gpu: bool,
    /// Units, or tenths of a facility MW where `power` is set.
    amount: u64,
    power: bool,
    /// Where `online_from` falls in the term, in thousandths.
    from: u32,
    /// Ramp length as thousandths of the days left in the term; may pass the end.
    ramp_len: u32,
    ramp: usize,
    /// `until` in thousandths of the days after `online_from`, if given.
    until: Option<u32>,
}

#[derive(Clone, Debug)]
struct GenContract {
    provider: usize,
    start: u32,
    days: u32,
    cents: u64,
    status: usize,
    spend: usize,
    /// PUE in hundredths.
    pue: Option<u32>,
    tranches: Vec<GenTranche>,
    /// Schedule cut points in thousandths of the term, and the weights of the entries.
    cuts: Vec<u32>,
    weights: Vec<u64>,
}

#[derive(Clone, Debug)]
struct GenCatalog {
    fy_start_month: u32,
    contracts: Vec<GenContract>,
}

fn tranche() -> impl Strategy<Value = GenTranche> {
    (
        any::<bool>(),
        1_u64..5_000_000,
        prop::bool::weighted(0.25),
        0_u32..1000,
        0_u32..1200,
        0_usize..3,
        prop::option::of(1_u32..=1000),
    )
        .prop_map(
            |(gpu, amount, power, from, ramp_len, ramp, until)| GenTranche {
                gpu,
                // 0.1 to 2,000 MW.
                amount: if power { amount % 20_000 + 1 } else { amount },
                power,
                from,
                ramp_len,
                ramp,
                until,
            },
        )
}

fn contract() -> impl Strategy<Value = GenContract> {
    (
        (0_usize..3, 0_u32..2500, 28_u32..2200),
        10_000_u64..10_000_000_000_000,
        (0_usize..10, 0_usize..3, prop::option::of(100_u32..=200)),
        prop::collection::vec(tranche(), 1..=3),
        prop::collection::vec(1_u32..1000, 0..4),
        prop::collection::vec(1_u64..100, 5),
    )
        .prop_map(
            |((provider, start, days), cents, (status, spend, pue), tranches, cuts, weights)| {
                GenContract {
                    provider,
                    start,
                    days,
                    cents,
                    status,
                    spend,
                    pue,
                    tranches,
                    cuts,
                    weights,
                }
            },
        )
}

fn catalog_gen() -> impl Strategy<Value = GenCatalog> {
    (1_u32..=12, prop::collection::vec(contract(), 1..=4)).prop_map(
        |(fy_start_month, contracts)| GenCatalog {
            fy_start_month,
            contracts,
        },
    )
}

const PORTFOLIO: &str = r#"[portfolio]
name = "Generated"
currency = "USD"
horizon = { start = 2025-01-01, end = 2038-01-01 }
pue = 1.2
fiscal_year_start_month = FY

[[target]]
id = "main"
name = "Generated target"
spend_usd = "500T"
power_gw = 1000
by = 2037-12-31

[[hardware]]
id = "g1"
name = "GPU"
kind = "gpu"
watts_per_unit = 1500
rate_usd_per_hour = "3.50"
tflops = { bf16 = 2500, fp8 = 5000 }

[[hardware]]
id = "c1"
name = "vCPU"
kind = "cpu"
watts_per_unit = 6
rate_usd_per_hour = "0.03"
"#;

/// One contract as a TOML file.
fn contract_toml(i: usize, c: &GenContract) -> String {
    let mut s = String::new();
    let start = day(c.start);
    let end = day(c.start + c.days);
    let status = match c.status {
        0..=6 => "signed",
        7 | 8 => "non-binding",
        _ => "cancelled",
    };
    let spend = ["straight-line", "capacity-linked", "schedule"][c.spend];
    let _ = writeln!(s, "id = \"c{i}\"");
    let _ = writeln!(s, "provider = \"{}\"", ["Acme", "Bolt", "Core"][c.provider]);
    let _ = writeln!(s, "title = \"Generated contract {i}\"");
    let _ = writeln!(s, "start = {start}\nend = {end}");
    let _ = writeln!(s, "value_usd = {}", money(c.cents));
    let _ = writeln!(s, "status = \"{status}\"\nspend = \"{spend}\"");
    if let Some(p) = c.pue {
        let _ = writeln!(s, "pue = {}.{:02}", p / 100, p % 100);
    }
    for (k, t) in c.tranches.iter().enumerate() {
        let from = t.from * (c.days - 1) / 1000;
        let left = c.days - from;
        let by = from + t.ramp_len * left / 1000;
        let _ = writeln!(s, "\n[[tranche]]\nid = \"t{k}\"");
        let _ = writeln!(s, "hardware = \"{}\"", if t.gpu { "g1" } else { "c1" });
        if t.power {
            let _ = writeln!(s, "power_mw = {}.{}", t.amount / 10, t.amount % 10);
        } else {
            let _ = writeln!(s, "units = {}", t.amount);
        }
        let _ = writeln!(
            s,
            "online_from = {}\nonline_by = {}",
            day(c.start + from),
            day(c.start + by)
        );
        let _ = writeln!(s, "ramp = \"{}\"", ["linear", "s-curve", "step"][t.ramp]);
        if let Some(u) = t.until {
            let until = from + (u * left / 1000).max(1);
            let _ = writeln!(s, "until = {}", day(c.start + until));
        }
    }
    // A capacity-linked contract needs capacity in its term: one tranche that is full from the
    // start, so that the weights never all vanish.
    if spend == "capacity-linked" {
        let _ = writeln!(
            s,
            "\n[[tranche]]\nid = \"base\"\nhardware = \"g1\"\nunits = 1000\nonline_from = {start}\nonline_by = {start}"
        );
    }
    if spend == "schedule" {
        let mut cuts: Vec<u32> = c
            .cuts
            .iter()
            .map(|x| x * c.days / 1000)
            .filter(|&x| x > 0 && x < c.days)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(c.days);
        let n = bounds.len() - 1;
        let weights = &c.weights[..n];
        let total_w: u64 = weights.iter().sum();
        let mut left = c.cents;
        for k in 0..n {
            // Every entry gets at least a cent: the value is at least $100, the weights below 100.
            let amount = if k + 1 == n {
                left
            } else {
                (u128::from(c.cents) * u128::from(weights[k]) / u128::from(total_w)) as u64
            };
            left -= amount;
            let _ = writeln!(
                s,
                "\n[[spend_schedule]]\nfrom = {}\nto = {}\namount_usd = {}",
                day(c.start + bounds[k]),
                day(c.start + bounds[k + 1]),
                money(amount)
            );
        }
    }
    s
}

fn files(g: &GenCatalog) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![(
        "gen/portfolio.toml".to_owned(),
        PORTFOLIO
            .replace("FY", &g.fy_start_month.to_string())
            .into_bytes(),
    )];
    for (i, c) in g.contracts.iter().enumerate() {
        out.push((format!("gen/c{i}.toml"), contract_toml(i, c).into_bytes()));
    }
    out
}

fn load_files(files: Vec<(String, Vec<u8>)>) -> Catalog {
    let files = CatalogFiles {
        label: "gen".to_owned(),
        files,
    };
    let mut report = Report::default();
    let catalog = catalog::load(&files, &mut report);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code.name(), d.message))
        .collect();
    assert!(
        errors.is_empty(),
        "a generated catalog must load: {errors:#?}\n{}",
        files
            .files
            .iter()
            .map(|(n, b)| format!("# {n}\n{}", String::from_utf8_lossy(b)))
            .collect::<String>()
    );
    catalog.expect("a catalog without errors")
}

fn timeline(cat: &Catalog, by: By) -> Timeline {
    let grid = Grid::new(by, cat.portfolio.fiscal_year_start_month);
    Timeline::new(
        cat,
        grid,
        cat.portfolio.horizon_start,
        cat.portfolio.horizon_end,
    )
}

fn days(p: &Period) -> (i64, i64) {
    (day_number(p.start), day_number(p.end))
}

fn overlap(a: (i64, i64), b: (i64, i64)) -> i128 {
    i128::from((a.1.min(b.1) - a.0.max(b.0)).max(0))
}

/// The exact cents of a straight-line or schedule contract in a period, as `num / den`.
fn exact_cents(c: &capplan::catalog::Contract, p: &Period) -> Option<(i128, i128)> {
    let term = (day_number(c.start), day_number(c.end));
    match c.spend {
        SpendModel::StraightLine => {
            let v = value_cents(c.value_usd)?;
            Some((v * overlap(days(p), term), i128::from(term.1 - term.0)))
        }
        SpendModel::Schedule => {
            let mut sum = Rational::ZERO;
            for e in &c.spend_schedule {
                let w = (day_number(e.from), day_number(e.to));
                let part = Rational::new(
                    value_cents(e.amount_usd)? * overlap(days(p), w),
                    i128::from(w.1 - w.0),
                )?;
                sum = sum.checked_add(part)?;
            }
            Some((sum.num, sum.den))
        }
        SpendModel::CapacityLinked => None,
    }
}

fn to_f64(r: Rational) -> f64 {
    r.num as f64 / r.den as f64
}

/// The cents of a capacity-linked contract in a period, `V x W_p / W`, in floating point: close
/// enough (about 1e-15 relative) to catch a cent's error, with no overflow whatever the sizes.
fn capacity_linked_cents(cat: &Catalog, c: &capplan::catalog::Contract, p: &Period) -> f64 {
    let term = (day_number(c.start), day_number(c.end));
    let (lo, hi) = days(p);
    let (mut part, mut whole) = (0.0, 0.0);
    for t in &c.tranches {
        let hw = cat.hardware(&t.hardware).expect("hardware");
        let units = capplan::catalog::ramp::tranche_units(cat, c, t).expect("units");
        let shape = capplan::catalog::ramp::ramp_shape(c, t, units);
        let rate = to_f64(Rational::from_decimal(hw.rate_usd_per_hour).expect("rate")) * 24.0;
        whole += rate * to_f64(shape.sum(term.0, term.1).expect("no overflow"));
        part += rate
            * to_f64(
                shape
                    .sum(lo.max(term.0), hi.min(term.1))
                    .expect("no overflow"),
            );
    }
    value_cents(c.value_usd).expect("cents") as f64 * part / whole
}

/// 96 cases a property, so that the whole test run stays fast; `PROPTEST_CASES=N` runs more.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 96;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    /// (a) Every contract's periods sum exactly to its value, on every grid and calendar; each
    /// period is its exact amount floored or raised by one cent (capacity-linked: within a cent
    /// of a floating-point reference).
    #[test]
    fn each_contract_spend_sums_exactly_to_its_value(g in catalog_gen()) {
        let cat = load_files(files(&g));
        for fy in [1, g.fy_start_month] {
            for by in GRIDS {
                let grid = Grid::new(by, fy);
                let tl = Timeline::new(&cat, grid, cat.portfolio.horizon_start, cat.portfolio.horizon_end);
                for c in &cat.contracts {
                    let cents = contract_cents(&cat, c, &tl.periods).expect("no overflow");
                    let total: i128 = cents.iter().map(|(_, a)| a).sum();
                    prop_assert_eq!(Some(total), value_cents(c.value_usd), "{} on {:?} fy {}", &c.id, by, fy);
                    for (p, a) in &cents {
                        prop_assert!(*a >= 0, "{} {}: {}", &c.id, tl.periods[*p].label, a);
                        if c.spend == SpendModel::CapacityLinked {
                            let reference = capacity_linked_cents(&cat, c, &tl.periods[*p]);
                            let slack = 1.0 + reference.abs() * 1e-12;
                            prop_assert!((*a as f64 - reference).abs() <= slack,
                                "{} {}: {} cents, about {} expected", &c.id, tl.periods[*p].label, a, reference);
                        }
                        if let Some((num, den)) = exact_cents(c, &tl.periods[*p]) {
                            let floor = num.div_euclid(den);
                            let ceil = floor + i128::from(num.rem_euclid(den) != 0);
                            prop_assert!(floor <= *a && *a <= ceil,
                                "{} {}: {} not within [{}, {}]", &c.id, tl.periods[*p].label, a, floor, ceil);
                        }
                    }
                }
                // The same through the grouped series, cancelled contracts left out.
                let s = engine::spend(&cat, &tl, GroupBy::Contract, &Filter::default()).expect("no overflow");
                for (k, id) in s.groups.iter().enumerate() {
                    let c = cat.contract(id).expect("a contract");
                    prop_assert!(c.status != Status::Cancelled);
                    prop_assert_eq!(Some(s.values[k].iter().sum::<i128>()), value_cents(c.value_usd));
                }
            }
        }
    }

    /// (b) Cumulative spend never falls, for any grouping, on any grid.
    #[test]
    fn cumulative_spend_never_falls(g in catalog_gen(), signed_only in any::<bool>()) {
        let cat = load_files(files(&g));
        let filter = Filter { signed_only, ..Filter::default() };
        for by in GRIDS {
            let tl = timeline(&cat, by);
            for group in [GroupBy::Total, GroupBy::Provider, GroupBy::Contract] {
                let s = engine::spend(&cat, &tl, group, &filter).expect("no overflow");
                for (k, values) in s.values.iter().enumerate() {
                    let cum = engine::cumulative(values);
                    for w in cum.windows(2) {
                        prop_assert!(w[0] <= w[1], "{} on {:?}: {:?}", &s.groups[k], by, cum);
                    }
                }
            }
        }
    }

    /// (c) A ramp never decreases before `until`: from 0 before `online_from` to every unit from
    /// `online_by` on, and nothing from `until`.
    #[test]
    fn a_ramp_never_decreases_before_until(
        units in 1_u64..10_000_000_000,
        n in 0_i64..400,
        tail in 1_i64..100,
        cut in prop::option::of(1_i64..500),
        ramp in prop::sample::select(vec![Ramp::Linear, Ramp::SCurve, Ramp::Step]),
    ) {
        let from = 1_000;
        let by = from + n;
        let until = cut.map_or(by + tail, |c| from + c);
        let s = RampShape { units, from, by, until, ramp };
        let full = Rational::integer(i128::from(units));
        let mut before = Rational::ZERO;
        let mut sum = Rational::ZERO;
        for d in from - 2..until {
            let on = s.online(d).expect("no overflow");
            prop_assert!(on >= before, "{ramp:?} day {d}: {on:?} < {before:?}");
            prop_assert!(on <= full);
            if d < from {
                prop_assert!(on.is_zero());
            }
            if d >= by {
                prop_assert_eq!(on, full);
            }
            if ramp == Ramp::Step && d < by {
                prop_assert!(on.is_zero());
            }
            sum = sum.checked_add(on).expect("no overflow");
            before = on;
        }
        prop_assert!(s.online(until).expect("no overflow").is_zero());
        // The closed-form sum is the sum of the days.
        prop_assert_eq!(s.sum(from - 2, until + 3), Some(sum));
    }

    /// (d) Month, quarter and year grids agree over whole years: figures on the same last day
    /// exactly; spend in total exactly, and per year within the cents that rounding moves; the
    /// year's unit-hours are the exact sum rounded once, and the months' and quarters' within
    /// half an hour per period of it.
    #[test]
    fn grids_agree_over_whole_years(g in catalog_gen()) {
        let cat = load_files(files(&g));
        let filter = Filter::default();
        let tls: Vec<Timeline> = GRIDS.iter().map(|&by| timeline(&cat, by)).collect();
        let caps: Vec<_> = tls.iter().map(|tl| engine::capacity(&cat, tl, GroupBy::Total, &filter).expect("no overflow")).collect();
        let spends: Vec<_> = tls.iter().map(|tl| engine::spend(&cat, tl, GroupBy::Contract, &filter).expect("no overflow")).collect();
        // Every grid spends every included contract's whole value.
        let contracted: i128 = cat.contracts.iter().filter(|c| filter.includes(c)).map(|c| value_cents(c.value_usd).unwrap()).sum();
        for s in &spends {
            prop_assert_eq!(s.values.iter().flatten().sum::<i128>(), contracted);
        }
        let years = &tls[2];
        for (y, year) in years.periods.iter().enumerate() {
            let inside = |tl: &Timeline| -> Vec<usize> {
                (0..tl.periods.len()).filter(|&p| tl.periods[p].start >= year.start && tl.periods[p].end <= year.end).collect()
            };
            let subs = [inside(&tls[0]), inside(&tls[1])];
            // The year grid may start before the finer grids' first month or quarter and end
            // after their last: those years hold no figure and are not compared.
            let covered = |tl: &Timeline| {
                tl.periods[0].start <= year.start && year.end <= tl.periods[tl.periods.len() - 1].end
            };
            if !covered(&tls[0]) || !covered(&tls[1]) {
                continue;
            }
            prop_assert_eq!(subs[0].len(), 12, "{}", &year.label);
            prop_assert_eq!(subs[1].len(), 4, "{}", &year.label);
            let y_cell = caps[2].values[0][y];
            // The exact unit-hours of the year, tranche by tranche.
            let mut exact = Some((Rational::ZERO, Rational::ZERO));
            for c in cat.contracts.iter().filter(|c| filter.includes(c)) {
                for t in &c.tranches {
                    let units = capplan::catalog::ramp::tranche_units(&cat, c, t).expect("units");
                    let shape = capplan::catalog::ramp::ramp_shape(c, t, units);
                    let gpu = cat.hardware(&t.hardware).unwrap().kind == capplan::catalog::HardwareKind::Gpu;
                    exact = exact.and_then(|(gh, ch)| {
                        let h = shape.sum(day_number(year.start), day_number(year.end))?.checked_mul(Rational::integer(24))?;
                        Some(if gpu { (gh.checked_add(h)?, ch) } else { (gh, ch.checked_add(h)?) })
                    });
                }
            }
            if let Some((gh, ch)) = exact {
                prop_assert_eq!(y_cell.gpu_hours, gh.round_half_even(), "{}", &year.label);
                prop_assert_eq!(y_cell.cpu_hours, ch.round_half_even(), "{}", &year.label);
            }
            for (k, sub) in subs.iter().enumerate() {
                let cells: Vec<_> = sub.iter().map(|&p| caps[k].values[0][p]).collect();
                let last = cells.last().unwrap();
                // The same last day: the same units and power.
                prop_assert_eq!((last.gpus, last.cpus, last.power_kw), (y_cell.gpus, y_cell.cpus, y_cell.power_kw), "{}", &year.label);
                // Each period is within half an hour of its exact value, the year too.
                let bound = (sub.len() as i128 + 1) / 2;
                let gh: i128 = cells.iter().map(|c| c.gpu_hours).sum();
                let ch: i128 = cells.iter().map(|c| c.cpu_hours).sum();
                prop_assert!((gh - y_cell.gpu_hours).abs() <= bound, "{}: {} vs {}", &year.label, gh, y_cell.gpu_hours);
                prop_assert!((ch - y_cell.cpu_hours).abs() <= bound, "{}: {} vs {}", &year.label, ch, y_cell.cpu_hours);
                // Each contract's periods are within a cent of their exact amounts.
                for (gi, values) in spends[k].values.iter().enumerate() {
                    let sum: i128 = sub.iter().map(|&p| values[p]).sum();
                    let yv = spends[2].values[gi][y];
                    prop_assert!((sum - yv).abs() <= sub.len() as i128, "{} {}: {} vs {}", &spends[k].groups[gi], &year.label, sum, yv);
                }
            }
        }
    }

    /// (e) The order in which contract files are read changes no output.
    #[test]
    fn file_order_changes_no_output(
        (g, order) in catalog_gen().prop_flat_map(|g| {
            let n = g.contracts.len() + 1;
            (Just(g), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        }),
    ) {
        let sorted = files(&g);
        let shuffled: Vec<_> = order.iter().map(|&i| sorted[i].clone()).collect();
        let a = load_files(sorted);
        let b = load_files(shuffled);
        prop_assert_eq!(rendered(&a), rendered(&b));
    }
}

/// Every report on its own grid, as JSON bytes.
fn rendered(cat: &Catalog) -> Vec<Vec<u8>> {
    let filter = Filter::default();
    let mut out = Vec::new();
    for (by, group) in [
        (By::Quarter, GroupBy::Tranche),
        (By::Month, GroupBy::Provider),
        (By::Year, GroupBy::Hardware),
    ] {
        let tl = timeline(cat, by);
        let ctx = Context {
            catalog: cat,
            timeline: &tl,
            filter: &filter,
            target: cat.targets.first(),
            scenarios: Vec::new(),
        };
        let docs = [
            build::plan(&ctx),
            build::capacity(&ctx, group),
            build::spend(&ctx, GroupBy::Contract),
            build::contracts(&ctx),
        ];
        for doc in docs {
            out.push(render(&doc.expect("no overflow"), ReportFormat::Json));
        }
    }
    out
}
