//! Why a command stops: invalid input, rendered once by [`crate::cli::run`] with the
//! `capplan validate` command line that finds it (exit 1), or bad usage, an unreadable path or
//! an output that cannot be written (exit 2).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::catalog::LoadError;
use crate::cli::{Context, setting};
use crate::diagnostic::Report;
use crate::engine::EngineError;
use crate::report::diagnostics::{DiagnosticFormat, render as render_diagnostics};

/// Why a command could not run: invalid input (exit 1), rendered once by [`crate::cli::run`], or bad
/// usage, an unreadable path or an output that cannot be written (exit 2), printed by `main`.
#[derive(Debug, Error)]
pub enum CliError {
    /// The catalog, a scenario, the demand, the actuals or the `[[risk]]` entries are invalid:
    /// each part says what and holds its errors (`diff` reports both catalogs at once).
    #[error("invalid input")]
    Invalid(Vec<Invalid>),
    /// A figure of the projection does not fit exact arithmetic.
    #[error(transparent)]
    Overflow(#[from] EngineError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write `{path}`")]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the output")]
    Stdout(#[source] io::Error),
}

impl CliError {
    /// Invalid input: the errors of `report`, about `what`.
    pub fn invalid(report: Report, what: impl Into<String>) -> CliError {
        CliError::Invalid(vec![Invalid {
            report,
            what: what.into(),
            check: Check::Run,
        }])
    }

    /// Invalid input that `command`, a `capplan validate` command line, checks.
    pub fn invalid_checked_by(
        report: Report,
        what: impl Into<String>,
        command: String,
    ) -> CliError {
        CliError::Invalid(vec![Invalid {
            report,
            what: what.into(),
            check: Check::Command(command),
        }])
    }

    /// Invalid input that `capplan validate PATH` checks: a catalog or file named apart from
    /// the run's options (`diff`'s OLD and NEW).
    pub fn invalid_at(report: Report, what: impl Into<String>, path: &Path) -> CliError {
        CliError::Invalid(vec![Invalid {
            report,
            what: what.into(),
            check: Check::Path(path.to_path_buf()),
        }])
    }

    /// Invalid input that `capplan validate` does not check (the actuals, `[[risk]]` entries
    /// against a catalog): every diagnostic of `report` is shown, warnings included, which say
    /// what was left out.
    pub fn invalid_beyond_validate(report: Report, what: impl Into<String>) -> CliError {
        CliError::Invalid(vec![Invalid {
            report,
            what: what.into(),
            check: Check::Beyond,
        }])
    }
}

/// One invalid input of a run, and its diagnostics.
#[derive(Debug)]
pub struct Invalid {
    pub report: Report,
    /// What is invalid: `catalog `contracts``, `a scenario`, ...
    pub what: String,
    /// How `capplan validate` checks it, which the closing line then suggests.
    pub check: Check,
}

/// The `capplan validate` command line that checks an invalid input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// `capplan validate` with the run's catalog, demand, scenario and what-if options: the
    /// catalog, demand and scenarios as this run read them.
    Run,
    /// `capplan validate PATH`.
    Path(PathBuf),
    /// This `capplan validate` command line.
    Command(String),
    /// Nothing `capplan validate` checks (actuals, `[[risk]]` entries).
    Beyond,
}

/// The `capplan validate` command line that checks what the run read: its catalog, `--demand`
/// files, scenario files and what-if flags, each as given, quoted for a shell where needed.
pub fn validate_command(ctx: &Context) -> String {
    let mut words = vec!["capplan".to_owned(), "validate".to_owned()];
    let mut option = |name: &str, value: String| {
        words.push(name.to_owned());
        words.push(shell_word(&value));
    };
    if let Some(dir) = &ctx.catalog {
        option("--catalog", dir.display().to_string());
    }
    for path in &ctx.demand {
        option("--demand", path.display().to_string());
    }
    for path in &ctx.scenarios {
        option("--scenario", path.display().to_string());
    }
    let w = &ctx.what_if;
    for d in &w.delay {
        option("--delay", format!("{}={}", d.select, d.delay));
    }
    for s in &w.scale {
        option("--scale", format!("{}={}", s.select, s.factor));
    }
    if let Some(pue) = w.pue {
        option("--pue", pue.to_string());
    }
    for e in &w.exclude {
        option("--exclude", e.to_string());
    }
    if let Some(x) = w.demand_scale {
        option("--demand-scale", x.to_string());
    }
    words.join(" ")
}

/// `text` as one word of a POSIX shell: as it is when it holds only safe characters, else in
/// single quotes.
pub fn shell_word(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

impl Invalid {
    /// The parts of an error that is [`CliError::Invalid`].
    pub fn parts(err: CliError) -> Result<Vec<Invalid>, CliError> {
        match err {
            CliError::Invalid(parts) => Ok(parts),
            other => Err(other),
        }
    }
}

/// Prints the errors of `report` and a closing line that names the `capplan validate` command
/// that checks it (`run`: the run's own); the run exits with code 1.
pub(super) fn print_errors(
    part: &mut Invalid,
    run: &str,
    color: bool,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    let Invalid {
        report,
        what,
        check,
    } = part;
    report.sort();
    if *check != Check::Beyond {
        report.diagnostics.retain(|d| d.is_error());
    }
    render_diagnostics(report, DiagnosticFormat::Human, color, stderr).map_err(CliError::Stdout)?;
    let n = report.errors();
    let see = match check {
        Check::Run => format!("; run `{run}` for every problem"),
        Check::Path(path) => format!(
            "; run `capplan validate {}` for every problem",
            shell_word(&path.display().to_string())
        ),
        Check::Command(command) => format!("; run `{command}` for every problem"),
        Check::Beyond => String::new(),
    };
    let _ = writeln!(
        stderr,
        "error: {what} is invalid: {n} error{}{see}",
        if n == 1 { "" } else { "s" },
    );
    Ok(())
}

/// Prints an overflow of the projection, located at the contract whose figures overflowed
/// (in its file, or in the scenario that adds it) where one did, with the validate command that
/// reports every overflow; the run exits with code 1. The inputs are read again to find the
/// contract: this happens once, on the way out.
pub(super) fn print_overflow(
    ctx: &Context,
    err: &EngineError,
    color: bool,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    let located = (!err.contract.is_empty())
        .then(|| setting::load_inputs(ctx).ok())
        .flatten()
        .and_then(|inputs| {
            let in_scenarios = inputs
                .scenarios
                .iter()
                .flat_map(|s| &s.contracts)
                .find(|c| c.id == err.contract);
            let d = match in_scenarios {
                Some(c) if inputs.baseline.contract(&c.id).is_none() => {
                    let mut d = err.diagnostic(&inputs.baseline);
                    d.location = crate::diagnostic::Location::Span(c.origin.span("id"));
                    d
                }
                _ if inputs.baseline.contract(&err.contract).is_some() => {
                    err.diagnostic(&inputs.baseline)
                }
                _ => return None,
            };
            Some(Report {
                sources: inputs.report.sources,
                diagnostics: vec![d],
            })
        });
    match located {
        Some(report) => {
            render_diagnostics(&report, DiagnosticFormat::Human, color, stderr)
                .map_err(CliError::Stdout)?;
            let _ = writeln!(
                stderr,
                "error: the projection overflows; run `{}` for every overflow",
                validate_command(ctx)
            );
        }
        None => {
            let _ = writeln!(stderr, "error[overflow]: {err}");
        }
    }
    Ok(())
}

/// A path the command line names that is not there, or is not a folder where a folder is
/// needed (`kind` is `folder`, or `file or folder`), in the one wording of every command:
/// "cannot read `PATH`: no such folder (given by `--catalog`)"; exit code 2.
pub fn not_there(path: &Path, kind: &str, origin: &str) -> CliError {
    let reason = if path.exists() {
        "not a folder".to_owned()
    } else {
        format!("no such {kind}")
    };
    CliError::Load(LoadError::Io {
        path: path.display().to_string(),
        source: io::Error::new(io::ErrorKind::NotFound, format!("{reason} ({origin})")),
    })
}
