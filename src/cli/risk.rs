//! `capplan risk`: Monte Carlo over the `[[risk]]` entries of the `--scenario` files. The
//! scenarios' other changes apply first, as for every report; then the engine
//! ([`crate::engine::risk`]) samples slips and cancellations on the resulting catalog.
//!
//! Bad usage (no scenario, no `[[risk]]` entry, `--samples 0` or past the maximum, more
//! samples than fit in the memory a run may take, a percentile outside 0 to 100) exits 2; a scenario's own problems, including a `[[risk]]`
//! selector that matches nothing, are diagnostics and exit 1. A progress bar appears on stderr
//! only when it is a terminal, outside CI, and the run lasts more than half a second.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::catalog::value::group_thousands;
use crate::cli::args::PeriodArgs;
use crate::cli::emit::{Produced, report_format};
use crate::cli::setting::{
    load_inputs, resolve_filter, resolve_target, resolve_window, targets_from,
};
use crate::cli::{CliError, Context};
use crate::diagnostic::{Code, Diagnostic, Report};
use crate::engine::risk::{
    DEFAULT_SAMPLES, DEFAULT_SEED, MAX_MEMORY_BYTES, MAX_SAMPLES, MemoryError, Quantile, RiskError,
    RiskModel, RiskOutcome,
};
use crate::engine::{Grid, Timeline};
use crate::gate;
use crate::report::diagnostics::{DiagnosticFormat, render as render_diagnostics};
use crate::report::risk::{RiskContext, risk};
use crate::scenario::Risk;

/// `capplan risk`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub options: Options,
    /// Count compute (H100e, exaFLOPS) at this precision [default: `[portfolio] compute`]
    #[arg(long, value_enum, value_name = "PRECISION")]
    pub precision: Option<crate::cli::PrecisionArg>,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::ReportIo,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

/// What `risk` and `chart risk` draw.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub select: crate::cli::args::SelectArgs,
    /// The target to measure against [default: the first in portfolio.toml]
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    /// Samples to draw, from 1 to 10,000,000
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SAMPLES, value_parser = parse_samples)]
    pub samples: u64,
    /// Seed of the random draws: the same seed gives the same output on every machine and
    /// thread count
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Percentiles to show, comma-separated, each from 0 to 100 (nearest rank)
    #[arg(
        long,
        value_name = "P,...",
        value_delimiter = ',',
        default_value = "10,50,90"
    )]
    pub quantiles: Vec<Quantile>,
}

fn parse_samples(text: &str) -> Result<u64, String> {
    let digits: String = text.trim().chars().filter(|c| *c != '_').collect();
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of samples"))?;
    if n == 0 {
        return Err("at least one sample is needed".to_owned());
    }
    if n > MAX_SAMPLES {
        return Err(format!(
            "at most {} samples are allowed",
            group_thousands(&MAX_SAMPLES.to_string())
        ));
    }
    Ok(n)
}

/// What to say when a run would need more memory than allowed.
fn memory_message(e: &MemoryError) -> String {
    let gib = |bytes: u128| format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30));
    format!(
        "--samples {} over {} period{} needs about {} of memory, more than the {} a run may take: use at most {} samples here, a shorter window (--from, --to) or longer periods (--by)",
        group_thousands(&e.samples.to_string()),
        group_thousands(&e.periods.to_string()),
        if e.periods == 1 { "" } else { "s" },
        gib(e.needed),
        gib(u128::from(e.budget)).replace(".0 ", " "),
        group_thousands(&e.fits.to_string()),
    )
}

/// Runs `capplan risk`.
pub fn run(
    global: &Context,
    args: &Args,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = report_format(global)?;
    produce(global, &args.options, args.precision, stderr)?.finish(global, output, stdout, stderr)
}

/// Runs the simulation and makes its document: [`run`] without the writing.
pub fn produce(
    global: &Context,
    args: &Options,
    precision: Option<crate::cli::PrecisionArg>,
    stderr: &mut dyn Write,
) -> Result<Produced, CliError> {
    if global.scenarios.is_empty() {
        return Err(CliError::Usage(
            "`risk` samples the `[[risk]]` entries of scenario files: give one with `--scenario FILE`"
                .to_owned(),
        ));
    }
    for (i, q) in args.quantiles.iter().enumerate() {
        if args.quantiles[..i].contains(q) {
            return Err(CliError::Usage(format!(
                "--quantiles: `{}` is given twice",
                q.percent()
            )));
        }
    }
    let mut inputs = load_inputs(global)?;
    let scenarios = std::mem::take(&mut inputs.scenarios);
    let risks: Vec<Risk> = scenarios
        .iter()
        .flat_map(|s| s.risks.iter().cloned())
        .collect();
    if risks.is_empty() {
        let files: Vec<String> = global
            .scenarios
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect();
        return Err(CliError::Usage(format!(
            "no `[[risk]]` entry in {}: `risk` needs at least one, such as `[[risk]]` with `select = \"*\"` and `slip = \"triangular(0d, 2m, 9m)\"`",
            files.join(", ")
        )));
    }
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let catalog = inputs.apply(&scenarios)?;
    let target = resolve_target(&catalog, args.target.as_deref())?;
    let filter = resolve_filter(&catalog, &args.select.filter(None, precision, None).scope)?;
    let grid = Grid::new(
        args.period.by.into(),
        catalog.portfolio.fiscal_year_start_month,
    );
    let (from, to) = resolve_window(&catalog, &grid, &args.period)?;
    let timeline = Timeline::new(&catalog, grid, from, to);
    let power_gw = target.and_then(|t| t.power_gw);
    let model = match RiskModel::new(&catalog, &timeline, &filter, &risks, power_gw) {
        Ok(model) => model,
        Err(e) => {
            let message = e.to_string();
            let d = match e {
                RiskError::Overflow(e) => return Err(e.into()),
                RiskError::Unmatched { index, .. } => Diagnostic::new(
                    Code::UnmatchedSelector,
                    risks[index].origin.span("select"),
                    message,
                )
                .with_help("check the id against `capplan contracts`; a change that matches nothing is an error, not a no-op"),
                RiskError::Calendar { index, .. } => {
                    Diagnostic::new(Code::Overflow, risks[index].origin.span("slip"), message)
                }
            };
            let report = Report {
                sources: inputs.report.sources.clone(),
                diagnostics: vec![d],
            };
            return Err(CliError::invalid_beyond_validate(
                report,
                "the `[[risk]]` entries",
            ));
        }
    };
    // Refuse before allocating: figures are kept per sample and period.
    model
        .check_memory(args.samples, MAX_MEMORY_BYTES)
        .map_err(|e| CliError::Usage(memory_message(&e)))?;
    // Slips that can leave a tranche's term: said once, since no sample can say it.
    if !model.warnings.is_empty() {
        let mut report = Report {
            sources: inputs.report.sources.clone(),
            diagnostics: model.warnings.clone(),
        };
        report.sort();
        render_diagnostics(
            &report,
            DiagnosticFormat::Human,
            global.stderr_color,
            stderr,
        )
        .map_err(CliError::Stdout)?;
    }
    let show_progress = io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let outcome = simulate(&model, args, show_progress);
    let doc = risk(&RiskContext {
        outcome: &outcome,
        title: catalog.portfolio.name.clone(),
        by: timeline.grid.by.name(),
        scenarios: names,
        target,
        entries: risks.len(),
        tranches: model.tranches,
        at_risk: model.at_risk,
    });
    let tripped = gate::evaluate(&global.fail_if, &timeline.grid, &outcome)
        .map_err(|e| CliError::Usage(e.0))?;
    Ok(Produced {
        doc,
        tripped,
        targets: targets_from(&catalog, target),
        observed: Vec::new(),
    })
}

/// Runs the samples; with `progress`, on a worker thread while this one draws a bar on stderr
/// once the run has lasted half a second. The bar is drawn from this thread only, which may
/// hold the lock on stderr.
fn simulate(model: &RiskModel, args: &Options, progress: bool) -> RiskOutcome {
    if !progress {
        return model.simulate(args.samples, args.seed, &args.quantiles, &|_| {});
    }
    let done = AtomicU64::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<()>();
        let done = &done;
        let worker = scope.spawn(move || {
            let outcome = model.simulate(args.samples, args.seed, &args.quantiles, &|n| {
                done.fetch_add(n, Ordering::Relaxed);
            });
            let _ = tx.send(());
            outcome
        });
        let start = Instant::now();
        let bar = ProgressBar::hidden();
        bar.set_length(args.samples);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} samples, {eta} left")
        {
            bar.set_style(style);
        }
        let mut shown = false;
        while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(Duration::from_millis(100))
        {
            if !shown && start.elapsed() >= Duration::from_millis(500) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                shown = true;
            }
            bar.set_position(done.load(Ordering::Relaxed));
        }
        bar.finish_and_clear();
        match worker.join() {
            Ok(outcome) => outcome,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
