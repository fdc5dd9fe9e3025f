//! `capplan diff OLD NEW` and `capplan diff --git REV [NEW]`: what changes from one catalog to
//! another, for reviewing a pull request that edits contract files.
//!
//! OLD and NEW are catalog folders. With `--git REV`, OLD is NEW's folder as it was at revision
//! REV of the repository that holds it, read with `git` without a checkout
//! ([`crate::catalog::git`]); NEW defaults to the catalog folder every command uses (`--catalog`,
//! `$CAPPLAN_CATALOG`, else `./contracts`). A path that does not exist, a folder outside a
//! repository, a revision that does not resolve or a folder missing at it: exit 2, before
//! anything is loaded. An invalid side: its errors on stderr, with a closing line that names the
//! side (`OLD catalog ...` or `NEW catalog ...`), exit 1; both sides are checked, so a pull
//! request that breaks NEW is told so even if OLD was already broken.
//!
//! Periods, window and targets are NEW's: `--by`, `--from` and `--to` are read on NEW's
//! calendar and horizon, and `--target` must be one of NEW's targets (OLD's status is measured
//! against OLD's own definition of the same id). Filters apply to both sides; a `--provider` or
//! `--contract` only has to exist on one. Scenarios and what-if flags are refused: a diff
//! compares the files as written.
//!
//! `--fail-if` takes the `delta-` metrics of [`crate::gate`] (NEW minus OLD), and plain
//! metrics and `target-met` on NEW; the output is written first, then exit 3 if one holds.
//! `--format github-comment` writes a pull-request comment ([`report::diff::github_comment`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::catalog::validate::Checks;
use crate::catalog::{self, Catalog, CatalogFiles};
use crate::cli::args::{FilterArgs, PeriodArgs};
use crate::cli::emit::{ReportOutput, emit_documents, report_format, report_gates};
use crate::cli::setting::{resolve_filter, resolve_target, resolve_window};
use crate::cli::{CliError, Context, Format, Invalid, default_catalog, emit};
use crate::diagnostic::Report;
use crate::engine::{Grid, Timeline};
use crate::gate;
use crate::report;
use crate::report::diff::{COMMENT_LIMIT, Side};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// OLD and NEW catalog folders; with `--git`, only NEW [default: the catalog folder, as for
    /// every command]
    #[arg(value_name = "OLD|NEW", num_args = 0..=2)]
    pub paths: Vec<PathBuf>,
    /// Read OLD from this git revision (a branch, tag or commit) of the repository holding NEW
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// Show every period of the window, not only those whose figures changed
    #[arg(long)]
    pub all_periods: bool,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub catalog: crate::cli::args::CatalogArg,
    #[command(flatten)]
    pub format: crate::cli::args::DiffFormatArg,
    #[command(flatten)]
    pub output: crate::cli::args::OutputArg,
    #[command(flatten)]
    pub gate: crate::cli::args::GateArg,
}

/// How `diff` writes its output.
enum Output {
    Report(ReportOutput),
    Comment,
}

/// A folder given on the command line, checked before anything is read.
fn folder(side: &str, path: &Path) -> Result<(), CliError> {
    if path.is_dir() {
        return Ok(());
    }
    Err(crate::cli::not_there(
        path,
        "folder",
        &format!("given as {side} to `diff`"),
    ))
}

/// The files of both sides: `(OLD, NEW)`.
fn sources(global: &Context, args: &Args) -> Result<(CatalogFiles, CatalogFiles), CliError> {
    let read = |side: &str, path: &Path| -> Result<CatalogFiles, CliError> {
        folder(side, path)?;
        Ok(CatalogFiles::read_dir(path)?)
    };
    match (&args.git, args.paths.as_slice()) {
        (None, [old, new]) => Ok((read("OLD", old)?, read("NEW", new)?)),
        (None, _) => Err(CliError::Usage(
            "`diff` compares two catalog folders: give OLD and NEW, or `--git REV` to read OLD from a revision of NEW's repository".to_owned(),
        )),
        (Some(_), [_, _, ..]) => Err(CliError::Usage(
            "with `--git REV`, `diff` takes one folder, NEW; OLD is that folder at REV".to_owned(),
        )),
        (Some(rev), paths) => {
            let new = match paths.first() {
                Some(p) => p.clone(),
                None => default_catalog(global).ok_or_else(|| {
                    CliError::Usage(
                        "`diff --git` reads a catalog folder at a revision, but there is no `./contracts` here: give NEW or `--catalog DIR`".to_owned(),
                    )
                })?,
            };
            folder("NEW", &new)?;
            let old = catalog::git::read_at_revision(&new, rev)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            Ok((old, read("NEW", &new)?))
        }
    }
}

/// Loads one side; its errors go to `stderr`, labelled with the side.
fn load(side: &str, files: CatalogFiles) -> Result<(String, Catalog), CliError> {
    let mut report = Report::default();
    let label = files.label.clone();
    let catalog = catalog::load_owned(files, Checks::ErrorsOnly, &mut report);
    match catalog.filter(|_| !report.has_errors()) {
        Some(c) => Ok((label, c)),
        // A folder is checked by `capplan validate FOLDER`; a revision of git, by checking it
        // out first, which the message leaves to the reader.
        None if Path::new(&label).exists() => Err(CliError::invalid_at(
            report,
            format!("{side} catalog `{label}`"),
            Path::new(&label),
        )),
        None => Err(CliError::invalid_beyond_validate(
            report,
            format!("{side} catalog `{label}`"),
        )),
    }
}

/// Runs `capplan diff`.
pub fn run(
    global: &Context,
    args: &Args,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let output = match global.format {
        Some(Format::GithubComment) => Output::Comment,
        _ => Output::Report(report_format(global)?),
    };
    let (old_files, new_files) = sources(global, args)?;
    // Both sides are checked before either stops the run, so that both are reported.
    let (old, new) = match (load("OLD", old_files), load("NEW", new_files)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            let mut parts = Vec::new();
            for side in [old.err(), new.err()].into_iter().flatten() {
                parts.extend(Invalid::parts(side)?);
            }
            return Err(CliError::Invalid(parts));
        }
    };
    let ((old_label, old), (new_label, new)) = (old, new);
    let target = resolve_target(&new, args.filter.target.as_deref())?;
    let targets: Vec<_> = match args.filter.target {
        Some(_) => target.into_iter().collect(),
        None => new.targets.iter().collect(),
    };
    // A filter only has to match on one side: a pull request may add or remove a provider.
    let filter = resolve_filter(&new, &args.filter.scope)
        .or_else(|e| resolve_filter(&old, &args.filter.scope).map_err(|_| e))?;
    let grid = Grid::new(args.period.by.into(), new.portfolio.fiscal_year_start_month);
    let (from, to) = resolve_window(&new, &grid, &args.period)?;
    let timeline = Timeline::covering(&[&old, &new], grid, from, to);
    let sides = (
        Side {
            label: old_label,
            catalog: &old,
        },
        Side {
            label: new_label,
            catalog: &new,
        },
    );
    let diff = report::diff::diff(
        &sides.0,
        &sides.1,
        &timeline,
        &filter,
        &targets,
        args.all_periods,
    )?;
    // Gates are evaluated before the output is written, so that one that cannot be evaluated is
    // a usage error with no output; what they find is said after it.
    let tripped = if global.fail_if.is_empty() {
        Vec::new()
    } else {
        let change = gate::Change {
            // `target-met` reads NEW only.
            old: gate::Totals::new(&old, &timeline, &filter, None),
            new: gate::Totals::new(&new, &timeline, &filter, target),
        };
        let usage = |e: gate::GateError| CliError::Usage(e.0);
        if let Err(e) = change
            .prepare(&global.fail_if, &timeline.grid)
            .map_err(usage)?
        {
            return Err(e.into());
        }
        gate::evaluate(&global.fail_if, &timeline.grid, &change).map_err(usage)?
    };
    match output {
        Output::Report(ReportOutput::Text(format)) => {
            emit(global, &report::diff::render_diff(&diff, format), stdout)?;
        }
        Output::Report(xlsx) => {
            let changes = report::diff::changes_document(&diff);
            let periods = report::diff::document(&diff);
            emit_documents(
                global,
                xlsx,
                &[("changes", &changes), ("periods", &periods)],
                stdout,
            )?;
        }
        Output::Comment => {
            let comment = report::diff::github_comment(&diff, COMMENT_LIMIT);
            emit(global, comment.as_bytes(), stdout)?;
        }
    }
    Ok(report_gates(&tripped, stderr))
}
