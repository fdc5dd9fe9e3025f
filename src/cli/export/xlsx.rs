//! `capplan export xlsx FILE.xlsx`: one workbook with every report of the plan and a native
//! Excel chart of the capacity ramp.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::args::{FilterArgs, PeriodArgs};
use crate::cli::emit::format_of_path;
use crate::cli::setting::Setting;
use crate::cli::{CliError, Context, EXIT_OK, compare, write_atomically};
use crate::report::build;
use crate::report::chart::pivot;
use crate::report::xlsx::{self, Ramp, WorkbookError};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The workbook to write (atomically), ending in `.xlsx`: the same as `-o FILE.xlsx`, which
    /// every command that writes a file takes
    #[arg(value_name = "FILE.xlsx")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub demand: crate::cli::args::DemandArgs,
    #[command(flatten)]
    pub io: crate::cli::args::FileIo,
}

/// The workbook `export xlsx` writes: `-o FILE.xlsx`, or the file given after it.
pub fn workbook_file<'a>(global: &'a Context, args: &'a Args) -> Result<&'a PathBuf, CliError> {
    match (&global.output, &args.file) {
        (Some(o), Some(f)) if o != f => Err(CliError::Usage(format!(
            "`export xlsx` writes one workbook: `-o {}` and `{}` name two; give one",
            o.display(),
            f.display()
        ))),
        (Some(o), _) => Ok(o),
        (None, Some(f)) => Ok(f),
        (None, None) => Err(CliError::Usage(
            "`export xlsx` needs the workbook to write: `-o FILE.xlsx`".to_owned(),
        )),
    }
}

/// Runs `capplan export xlsx`.
pub fn run(global: &Context, args: &Args, stderr: &mut dyn Write) -> Result<u8, CliError> {
    let file = workbook_file(global, args)?;
    format_of_path(file, &[("xlsx", ())], None)?;
    let setting = Setting::load(global, Some(&args.period), &args.filter)?;
    let ctx = setting.context();
    let whole = build::whole(&ctx)?;
    let sheets = [
        ("plan", &whole.plan),
        ("capacity", &whole.capacity),
        ("spend", &whole.spend),
        ("contracts", &whole.contracts),
    ];
    // The comparison, when there is something to compare the baseline with.
    let compared = if global.scenarios.is_empty() && global.what_if.is_empty() {
        None
    } else {
        let compare_args = compare::Options {
            period: args.period.clone(),
            filter: args.filter.clone(),
            rate: None,
        };
        Some(compare::produce(global, &compare_args)?.doc)
    };
    let (periods, series) =
        pivot(&whole.capacity, "power_mw", 1e-3).map_err(|e| CliError::Usage(e.to_string()))?;
    let ramp = Ramp {
        title: "Facility power by provider".to_owned(),
        unit: "GW".to_owned(),
        periods,
        series,
    };
    let bytes = (|| {
        let mut book = xlsx::workbook(&setting.catalog.portfolio.name)?;
        for (name, doc) in &sheets {
            xlsx::add_document(&mut book, name, doc)?;
        }
        if let Some(doc) = &compared {
            xlsx::add_document(&mut book, "compare", doc)?;
        }
        xlsx::add_ramp(&mut book, "ramp", &ramp)?;
        Ok::<_, WorkbookError>(book.save_to_buffer()?)
    })()
    .map_err(|e| CliError::Usage(e.to_string()))?;
    write_atomically(file, &bytes, &global.inputs)?;
    let mut names: Vec<&str> = sheets.iter().map(|(n, _)| *n).collect();
    if compared.is_some() {
        names.push("compare");
    }
    names.push("ramp");
    let _ = writeln!(
        stderr,
        "wrote `{}`: sheets {}",
        file.display(),
        names.join(", ")
    );
    Ok(EXIT_OK)
}
