//! `capplan sensitivity`: which contracts a figure depends on most. For a metric at one period
//! (`--metric gw@2027Q4`), each contract in turn is delayed (`--shift`, all its tranches, default
//! `1q`) and, separately, scaled (`--factor`, units and value together like `--scale`, default
//! `0.9`); the contracts are ranked by the larger absolute difference either makes, a tornado
//! table. Ties go by contract id. The rows are the contracts the filters include: never a
//! cancelled one, and no letter of intent with `--signed-only`.
//!
//! The period is a label or a date; a label reads the metric on its own grid (`gw@2027` per
//! year) unless `--by` says otherwise, and must then agree with it; a date is read on `--by`,
//! else quarters. A period outside the horizon, an unknown or malformed metric, and shifts that
//! change nothing (`--shift 0d --factor 1`) are bad usage, exit 2.
//!
//! The shifts are not called `--delay` and `--scale`: those are the global what-if flags
//! (`--delay SELECTOR=DURATION`), which, like `--scenario`, still shape the catalog that the
//! sensitivity is measured on, as they shape `plan`'s.
//!
//! Each variant is a one-entry scenario (an `[[adjust]]` that selects the contract) applied with
//! [`crate::scenario::apply_all`], so a shift means exactly what it means in a scenario file, and is
//! validated the same way: a delay that pushes a tranche past its contract's end makes that
//! variant not applicable, which the table shows as `n/a` and the summary explains; it is not an
//! error. The variant is applied to a catalog of that one contract, and its metric is the
//! baseline's exact sum with the contract's share replaced ([`crate::engine::metric`]): the
//! baseline is computed once, and a variant costs one contract's work.

use std::io::Write;

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::catalog::reader::did_you_mean;
use crate::catalog::validate::Checks;
use crate::catalog::value::Duration;
use crate::catalog::{Catalog, Contract, Origin};
use crate::cli::plan::{emit_document, load_catalog, report_format, resolve_filter};
use crate::cli::{ByArg, CliError, Context, EXIT_OK};
use crate::diagnostic::{FileId, Report, SourceFile, SourceMap};
use crate::engine::metric::{Metric, Probe, Share};
use crate::engine::{Bound, By, EngineError, Grid, Period, Timeline};
use crate::report::compare::{NotApplicable, Sensitivity, SensitivityRow, sensitivity};
use crate::scenario::flags::parse_factor;
use crate::scenario::{Adjust, Scenario, Selector, apply_all};

/// `--metric`: a metric and the period it is read at, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricAt {
    pub metric: Metric,
    pub period: String,
}

fn parse_metric(text: &str) -> Result<MetricAt, String> {
    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
    let (name, period) = text.split_once('@').ok_or_else(|| {
        format!(
            "expected METRIC@PERIOD, such as `gw@2027Q4` or `cumulative-spend@2028Q4`; metrics: {}",
            names.join(", ")
        )
    })?;
    let metric = name.parse::<Metric>().map_err(|()| {
        let hint = match did_you_mean(name.trim(), names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("metrics: {}", names.join(", ")),
        };
        format!("unknown metric `{}`; {hint}", name.trim())
    })?;
    let period = period.trim();
    if period.is_empty() {
        return Err(format!(
            "no period after `@`: write a label or a date, such as `{}@2027Q4`",
            metric.name()
        ));
    }
    Ok(MetricAt {
        metric,
        period: period.to_owned(),
    })
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The figure to explain, at one period: METRIC@PERIOD, such as `gw@2027Q4` or
    /// `cumulative-spend@2028Q4`. Metrics: gw or mw (facility power at the period's end, shown
    /// in GW or MW), gpus, cpus (units online at its end), spend (in the period),
    /// cumulative-spend (at its end); the period is a label or a date
    #[arg(long, value_name = "METRIC@PERIOD", value_parser = parse_metric)]
    pub metric: MetricAt,
    /// Period length [default: that of the period's label, such as quarter for 2027Q4; quarter
    /// for a date]
    #[arg(long, value_enum)]
    pub by: Option<ByArg>,
    /// How late each contract comes online in its delayed variant: all its tranches shifted
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1q",
        allow_hyphen_values = true
    )]
    pub shift: Duration,
    /// What each contract's units and value are multiplied by in its scaled variant
    #[arg(long, value_name = "FACTOR", default_value = "0.9", value_parser = parse_factor)]
    pub factor: Decimal,
    // Which contracts count; the metrics are accrual spend and units, so no `--basis` or
    // `--precision`.
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    #[command(flatten)]
    pub io: crate::cli::args::ReportIo,
}

/// The grid and the period that `--metric` names: a label picks its own period length unless
/// `--by` says otherwise; a date is read on `--by`, else quarters. The period must lie within
/// the horizon.
fn resolve_period(
    catalog: &Catalog,
    by: Option<By>,
    at: &MetricAt,
) -> Result<(Grid, Period), CliError> {
    let fy = catalog.portfolio.fiscal_year_start_month;
    let text = &at.period;
    let usage = |m: String| CliError::Usage(format!("`--metric {}@{text}`: {m}", at.metric));
    let bound = Grid::new(By::Quarter, fy)
        .parse_bound(text)
        .map_err(|e| usage(e.to_string()))?;
    let (by, start) = match bound {
        Bound::Date(d) => (by.unwrap_or(By::Quarter), d),
        Bound::Span(start, end) => {
            let own = [By::Month, By::Quarter, By::Year].into_iter().find(|&b| {
                Grid::new(b, fy)
                    .period_of(start)
                    .is_some_and(|p| p.start == start && p.end == end)
            });
            match (by, own) {
                (Some(b), Some(o)) if b != o => {
                    let example = Grid::new(b, fy)
                        .period_of(end.pred_opt().unwrap_or(end))
                        .map_or_else(String::new, |p| format!(" such as `{}`", p.label));
                    return Err(usage(format!(
                        "`{text}` is a {}, but `--by {}` reads the metric per {}; write a {}{example}, or leave `--by` out",
                        o.name(),
                        b.name(),
                        b.name(),
                        b.name()
                    )));
                }
                (Some(b), _) => (b, start),
                (None, o) => (o.unwrap_or(By::Quarter), start),
            }
        }
    };
    let grid = Grid::new(by, fy);
    let period = grid
        .period_of(start)
        .ok_or_else(|| usage(format!("`{text}` is outside the calendar")))?;
    let p = &catalog.portfolio;
    let earliest = grid.period_start(p.horizon_start);
    let latest = grid
        .period_of(p.horizon_end.pred_opt().unwrap_or(p.horizon_end))
        .map_or(p.horizon_end, |q| q.end);
    if period.start < earliest || period.end > latest {
        return Err(usage(format!(
            "{} [{}, {}) is outside the horizon [{}, {}) of `portfolio.toml`; choose a period within it, or widen `horizon`",
            period.label, period.start, period.end, p.horizon_start, p.horizon_end
        )));
    }
    Ok((grid, period))
}

/// The two variants of every contract, as `[[adjust]]` entries written on a command line.
struct Variants {
    file: FileId,
    delay: Duration,
    factor: Decimal,
    /// Where `--shift` and `--factor` are in the source text.
    spans: [std::ops::Range<usize>; 2],
}

impl Variants {
    fn new(delay: Duration, factor: Decimal) -> Variants {
        let shift = format!("--shift {delay}");
        let text = format!("{shift} --factor {factor}\n");
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("command line", text.clone()));
        Variants {
            file,
            delay,
            factor,
            spans: [8..shift.len(), shift.len() + 10..text.len() - 1],
        }
    }

    /// A scenario that delays (`scaled == false`) or scales contract `id`.
    fn scenario(&self, id: &str, scaled: bool) -> Scenario {
        let span = self.spans[usize::from(scaled)].clone();
        let mut origin = Origin::new(self.file, span.clone());
        origin.set_key("select", span.clone());
        let keys: &[&'static str] = if scaled {
            &["scale_units", "scale_value"]
        } else {
            &["delay"]
        };
        for key in keys {
            origin.set_key(key, span.clone());
        }
        let adjust = Adjust {
            select: Selector::Contract(id.to_owned()),
            delay: (!scaled).then_some(self.delay),
            scale_units: scaled.then_some(self.factor),
            scale_value: scaled.then_some(self.factor),
            spend: None,
            ramp: None,
            status: None,
            useful_life: None,
            scale_demand: None,
            origin,
        };
        Scenario {
            name: if scaled { "scale" } else { "delay" }.to_owned(),
            description: None,
            portfolio: None,
            hardware: Vec::new(),
            remove: Vec::new(),
            contracts: Vec::new(),
            adjusts: vec![adjust],
            risks: Vec::new(),
            workloads: Vec::new(),
            remove_workloads: Vec::new(),
        }
    }
}

/// The metric with one variant of one contract, or why that variant is invalid.
fn variant(
    probe: &Probe<'_>,
    alone: &Catalog,
    total: Share,
    base: Share,
    scenario: &Scenario,
) -> Result<Result<i128, NotApplicable>, EngineError> {
    let mut report = Report::default();
    match apply_all(
        alone,
        std::slice::from_ref(scenario),
        Checks::ErrorsOnly,
        &mut report,
    ) {
        Some(changed) => {
            let share = probe.share(&changed, &changed.contracts[0])?;
            let sum = total
                .checked_sub(base)
                .and_then(|t| t.checked_add(share))
                .ok_or_else(|| EngineError {
                    contract: changed.contracts[0].id.clone(),
                    what: "the metric",
                })?;
            Ok(Ok(probe.value(sum)?))
        }
        None => {
            let first = report.diagnostics.iter().find(|d| d.is_error());
            Ok(Err(NotApplicable {
                contract: alone.contracts[0].id.clone(),
                shift: if scenario.name == "scale" {
                    "scale"
                } else {
                    "delay"
                },
                code: first.map_or("invalid", |d| d.code.name()),
                message: first.map_or_else(String::new, |d| d.message.clone()),
            }))
        }
    }
}

/// One contract's row, and its variants that are not applicable.
fn contract_row(
    catalog: &Catalog,
    probe: &Probe<'_>,
    variants: &Variants,
    total: Share,
    c: &Contract,
    base: Share,
) -> Result<(SensitivityRow, Vec<NotApplicable>), EngineError> {
    let alone = Catalog {
        portfolio: catalog.portfolio.clone(),
        targets: catalog.targets.clone(),
        hardware: catalog.hardware.clone(),
        contracts: vec![c.clone()],
        observed: Vec::new(),
        workloads: Vec::new(),
    };
    let mut skipped = Vec::new();
    let mut run = |scaled: bool| -> Result<Option<i128>, EngineError> {
        let scenario = variants.scenario(&c.id, scaled);
        Ok(match variant(probe, &alone, total, base, &scenario)? {
            Ok(v) => Some(v),
            Err(n) => {
                skipped.push(n);
                None
            }
        })
    };
    let delayed = run(false)?;
    let scaled = run(true)?;
    Ok((
        SensitivityRow {
            contract: c.id.clone(),
            provider: c.provider.clone(),
            delayed,
            scaled,
        },
        skipped,
    ))
}

/// Runs `capplan sensitivity`.
pub fn run(
    global: &Context,
    args: &Args,
    stdout: &mut dyn Write,
    _stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let format = report_format(global)?;
    // A gate over several groups, or over variants, would be ambiguous.
    if args.shift.count == 0 && args.factor == Decimal::ONE {
        return Err(CliError::Usage(format!(
            "nothing would change: `--shift {}` and `--factor {}` leave every contract as it is; give a non-zero `--shift` or a `--factor` other than 1",
            args.shift, args.factor
        )));
    }
    let (catalog, scenarios) = load_catalog(global)?;
    let filter = resolve_filter(&catalog, &args.select.filter(None, None, None).scope)?;
    let (grid, period) = resolve_period(&catalog, args.by.map(By::from), &args.metric)?;
    let timeline = Timeline::new(&catalog, grid, period.start, period.end);
    let at = timeline.window.start;
    let probe = Probe::new(&catalog, &timeline, at, args.metric.metric, &filter)?;
    let included: Vec<&Contract> = catalog
        .contracts
        .iter()
        .filter(|c| filter.includes(c))
        .collect();
    // The baseline, once: every contract's share and their sum.
    let shares: Result<Vec<Share>, EngineError> = included
        .par_iter()
        .map(|c| probe.share(&catalog, c))
        .collect();
    let totals = shares.and_then(|shares| {
        let total = shares
            .iter()
            .try_fold(Share::default(), |a, s| a.checked_add(*s))
            .ok_or_else(|| EngineError {
                contract: String::new(),
                what: "the metric",
            })?;
        Ok((shares, total, probe.value(total)?))
    });
    let (shares, total, baseline) = totals?;
    let variants = Variants::new(args.shift, args.factor);
    let results: Result<Vec<_>, EngineError> = included
        .par_iter()
        .zip(shares.par_iter())
        .map(|(c, base)| contract_row(&catalog, &probe, &variants, total, c, *base))
        .collect();
    let results = results?;
    let mut rows = Vec::with_capacity(results.len());
    let mut not_applicable = Vec::new();
    for (row, skipped) in results {
        rows.push(row);
        not_applicable.extend(skipped);
    }
    let doc = sensitivity(&Sensitivity {
        title: catalog.portfolio.name.clone(),
        scenarios,
        metric: args.metric.metric,
        by: grid.by,
        period: timeline.periods[at].clone(),
        baseline,
        delay: args.shift,
        scale: args.factor,
        rows,
        not_applicable,
    });
    emit_document(global, format, &doc, stdout)?;
    Ok(EXIT_OK)
}
