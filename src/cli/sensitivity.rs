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
//! The variants and their ranking are [`crate::sensitivity`]; a variant that is not applicable
//! shows as `n/a` in the table, and the summary explains it.

use std::io::Write;

use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::catalog::reader::did_you_mean;
use crate::catalog::value::Duration;
use crate::cli::emit::{emit_document, report_format};
use crate::cli::setting::{load_catalog, resolve_filter};
use crate::cli::{ByArg, CliError, Context, EXIT_OK};
use crate::engine::metric::{Metric, Probe};
use crate::engine::{Bound, By, Grid, Period, Timeline};
use crate::report::compare::{Sensitivity, sensitivity};
use crate::scenario::flags::parse_factor;
use crate::sensitivity::{Ranking, rank};

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
    let Ranking {
        baseline,
        rows,
        not_applicable,
    } = rank(&catalog, &filter, &probe, args.shift, args.factor)?;
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
