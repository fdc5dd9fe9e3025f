//! Writing what a command made: the report format `--format` or `--output` names, a document
//! rendered in it, and the `--fail-if` gates that hold, said after the report.

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::catalog::{Observation, Target};
use crate::cli::{CliError, Context, EXIT_GATE, EXIT_OK, Format, emit, emit_with, use_color};
use crate::report::document::Rows;
use crate::report::render::{render_styled, write_styled};
use crate::report::{Document, ReportFormat, xlsx};

/// The output format: `--format`, else the `--output` file's extension, else `table`.
pub fn report_format(global: &Context) -> Result<ReportOutput, CliError> {
    let format = match global.format {
        Some(f) => f,
        None => match &global.output {
            Some(path) => format_of_path(path, REPORT_EXTENSIONS, Some(Format::Table))
                .map_err(|e| CliError::Usage(format!("{e}, or give `--format`")))?,
            None => Format::Table,
        },
    };
    match format {
        Format::Table => Ok(ReportOutput::Text(ReportFormat::Table)),
        Format::Json => Ok(ReportOutput::Text(ReportFormat::Json)),
        Format::Csv => Ok(ReportOutput::Text(ReportFormat::Csv)),
        Format::Markdown => Ok(ReportOutput::Text(ReportFormat::Markdown)),
        Format::Xlsx if global.output.is_none() => Err(CliError::Usage(
            "an xlsx workbook is a binary file: give `--output FILE.xlsx`".to_owned(),
        )),
        Format::Xlsx => Ok(ReportOutput::Xlsx),
        // `Context::new` and clap take only the formats of `REPORT_FORMATS` (and `diff`'s
        // comment, which it handles before asking).
        other => Err(CliError::Usage(format!(
            "`--format {}` does not apply to `{}`",
            other.name(),
            global.command
        ))),
    }
}

/// The extensions of `--output` that name a report format.
pub const REPORT_EXTENSIONS: &[(&str, Format)] = &[
    ("txt", Format::Table),
    ("json", Format::Json),
    ("csv", Format::Csv),
    ("md", Format::Markdown),
    ("markdown", Format::Markdown),
    ("xlsx", Format::Xlsx),
];

/// The format an output path's extension names, or `bare` for a path without one. An
/// extension that names none of `known` is an error that lists them.
pub fn format_of_path<T: Copy>(
    path: &Path,
    known: &[(&str, T)],
    bare: Option<T>,
) -> Result<T, CliError> {
    let ext = match (path.extension(), bare) {
        (Some(ext), _) => ext.to_string_lossy().to_ascii_lowercase(),
        (None, Some(format)) => return Ok(format),
        (None, None) => String::new(),
    };
    known
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<String> = known.iter().map(|(e, _)| format!("`.{e}`")).collect();
            CliError::Usage(format!(
                "`{}`: `.{ext}` names no format here; use {}",
                path.display(),
                names.join(", ")
            ))
        })
}

/// How a report leaves capplan: as text in a [`ReportFormat`], or as an Excel workbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportOutput {
    Text(ReportFormat),
    Xlsx,
}

/// Renders `doc` as `output` says and sends it to standard output or `--output`. Tables are
/// colored on a terminal unless `NO_COLOR` or `--color never` says otherwise.
pub fn emit_document(
    global: &Context,
    output: ReportOutput,
    doc: &Document,
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    emit_documents(global, output, &[(doc.report, doc)], stdout)
}

/// [`emit_document`] for a report of several parts: one sheet each in a workbook; text formats
/// render the first part only.
pub fn emit_documents(
    global: &Context,
    output: ReportOutput,
    parts: &[(&str, &Document)],
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    let bytes = match output {
        ReportOutput::Text(format) => {
            let color = use_color(
                global.color,
                global.output.is_none() && std::io::stdout().is_terminal(),
            );
            match parts.first() {
                Some((_, doc)) => render_styled(doc, format, color),
                None => Vec::new(),
            }
        }
        ReportOutput::Xlsx => {
            let title = parts
                .iter()
                .find_map(|(_, d)| d.title.clone())
                .unwrap_or_else(|| "capplan".to_owned());
            let mut book = xlsx::workbook(&title).map_err(workbook_error)?;
            for (name, doc) in parts {
                xlsx::add_document(&mut book, name, doc).map_err(workbook_error)?;
            }
            book.save_to_buffer()
                .map_err(|e| workbook_error(e.into()))?
        }
    };
    emit(global, &bytes, stdout)
}

/// Writes the report whose head is `doc` and whose rows are `rows` as `format`, to standard
/// output or `--output`, a row at a time as they are computed.
pub fn emit_rows(
    global: &Context,
    format: ReportFormat,
    doc: &Document,
    rows: &dyn Rows,
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    let color = use_color(
        global.color,
        global.output.is_none() && std::io::stdout().is_terminal(),
    );
    // A temporary `--output` file is discarded if a figure fails; standard output, a pipe or a
    // device written in place cannot be.
    let check_first = global
        .output
        .as_deref()
        .is_none_or(crate::cli::output::written_in_place);
    emit_with(
        global,
        &mut |out: &mut dyn Write| write_styled(doc, rows, format, color, out, check_first),
        stdout,
    )
}

fn workbook_error(e: xlsx::WorkbookError) -> CliError {
    CliError::Usage(e.to_string())
}

/// What a report command made: its document and the `--fail-if` gates that hold.
pub struct Produced {
    pub doc: Document,
    pub tripped: Vec<String>,
    /// The catalog's targets, the one the report measures against first.
    pub targets: Vec<Target>,
    /// The catalog's published figures, where the report covers the whole catalog; charts
    /// mark them.
    pub observed: Vec<Observation>,
}

impl Produced {
    /// Writes the report, says which gates hold and gives the exit code.
    pub fn finish(
        self,
        global: &Context,
        output: ReportOutput,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<u8, CliError> {
        emit_document(global, output, &self.doc, stdout)?;
        Ok(report_gates(&self.tripped, stderr))
    }
}

/// Says which gates hold, on stderr, and gives the exit code: 3 if any does.
pub fn report_gates(tripped: &[String], stderr: &mut dyn Write) -> u8 {
    for message in tripped {
        let _ = writeln!(stderr, "error: --fail-if {message}");
    }
    if tripped.is_empty() {
        EXIT_OK
    } else {
        EXIT_GATE
    }
}
