//! Rendering diagnostics: `human` (rustc-like, with the source line and a caret), `json` and
//! `github` (workflow commands that annotate the changed lines of a pull request).
//! `sarif` (code scanning) and `gitlab` (Code Quality) name files from the repository root:
//! see [`crate::report::sarif`] and [`crate::report::gitlab`].

use std::io::{self, Write};
use std::ops::Range;

use crate::diagnostic::{escape_controls, mask_controls};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config, termcolor::Ansi};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, FileId, Location, Report, Severity, SourceMap};
use crate::report::repo::RepoPaths;
use crate::report::{gitlab, sarif};

/// How `validate` prints diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticFormat {
    Human,
    Json,
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitLab Code Quality JSON.
    Gitlab,
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.get(id).name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.get(id).text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let starts = self.get(id).line_starts();
        Ok(starts
            .partition_point(|&s| s <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.get(id);
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

/// A span cut to its first line, so that a label on a whole table points at its header.
pub(crate) fn first_line(sources: &SourceMap, file: FileId, range: &Range<usize>) -> Range<usize> {
    let text = &sources.get(file).text;
    let boundary = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = boundary(range.start);
    let end = boundary(range.end).max(start);
    let cut = text[start..end].find('\n').map_or(end, |i| start + i);
    // Point at one character at least, never past a character boundary.
    if cut == start {
        // An empty span, or one that starts at a line's end: point at the one character there,
        // unless it is the line break itself.
        let next = text[start..]
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r');
        return start..start + next.map_or(0, char::len_utf8);
    }
    start..cut
}

/// Writes every diagnostic of `report` in `format`, then (for `human`) a summary line.
pub fn render(
    report: &Report,
    format: DiagnosticFormat,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_in(report, format, color, &RepoPaths::default(), out)
}

/// [`render`], with the paths of `sarif` and `gitlab` made relative to the repository root of
/// `paths` (the other formats name files as they were given).
pub fn render_in(
    report: &Report,
    format: DiagnosticFormat,
    color: bool,
    paths: &RepoPaths,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        DiagnosticFormat::Human => human(report, color, out),
        DiagnosticFormat::Json => json(report, out),
        DiagnosticFormat::Github => github(report, out),
        DiagnosticFormat::Sarif => sarif::write(report, paths, out),
        DiagnosticFormat::Gitlab => gitlab::write(report, paths, out),
    }
}

/// The sources as shown: every control character masked ([`mask_controls`]), so that a source
/// line quoted under a diagnostic cannot rewrite the terminal; offsets stay those of the file.
struct Shown<'a> {
    map: &'a SourceMap,
    texts: Vec<std::borrow::Cow<'a, str>>,
    names: Vec<std::borrow::Cow<'a, str>>,
}

impl<'a> Shown<'a> {
    fn new(map: &'a SourceMap) -> Self {
        let ids = (0..map.len()).map(FileId);
        Shown {
            map,
            texts: ids
                .clone()
                .map(|i| mask_controls(&map.get(i).text))
                .collect(),
            names: ids.map(|i| escape_controls(&map.get(i).name)).collect(),
        }
    }
}

impl<'a> Files<'a> for Shown<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.names[id.0])
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.texts[id.0])
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        self.map.line_index(id, byte_index)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        self.map.line_range(id, line_index)
    }
}

fn to_codespan(report: &Report, d: &Diagnostic) -> CsDiagnostic<FileId> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut cs = CsDiagnostic::new(severity)
        .with_code(d.code.name())
        .with_message(escape_controls(&d.message));
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    match &d.location {
        Location::Span(span) => labels.push(Label::primary(
            span.file,
            first_line(&report.sources, span.file, &span.range),
        )),
        Location::Path(path) => notes.push(format!("in `{}`", escape_controls(path))),
    }
    for (span, note) in &d.related {
        labels.push(
            Label::secondary(
                span.file,
                first_line(&report.sources, span.file, &span.range),
            )
            .with_message(escape_controls(note)),
        );
    }
    if let Some(help) = &d.help {
        notes.push(format!("help: {}", escape_controls(help)));
    }
    cs = cs.with_labels(labels).with_notes(notes);
    cs
}

fn human(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let config = Config::default();
    let shown = Shown::new(&report.sources);
    for d in &report.diagnostics {
        let cs = to_codespan(report, d);
        let result = if color {
            term::emit_to_write_style(&mut Ansi::new(&mut *out), &config, &shown, &cs)
        } else {
            term::emit_to_io_write(&mut *out, &config, &shown, &cs)
        };
        result.map_err(|e| match e {
            FilesError::Io(io) => io,
            other => io::Error::other(other.to_string()),
        })?;
    }
    Ok(())
}

/// One diagnostic as JSON.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    files: usize,
    errors: Vec<JsonDiagnostic<'a>>,
    warnings: Vec<JsonDiagnostic<'a>>,
}

fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut doc = JsonReport {
        schema_version: crate::report::SCHEMA_VERSION,
        files: report.sources.len(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    for d in &report.diagnostics {
        let (file, pos) = report.sources.resolve(&d.location);
        let item = JsonDiagnostic {
            severity: d.severity,
            code: d.code.name(),
            file,
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: &d.message,
            help: d.help.as_deref(),
        };
        match d.severity {
            Severity::Error => doc.errors.push(item),
            Severity::Warning => doc.warnings.push(item),
        }
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Escapes a workflow command's data: `%`, CR and LF.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let (file, pos) = report.sources.resolve(&d.location);
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = format!("file={}", escape_property(&escape_controls(&file)));
        if let Some((line, col)) = pos {
            props.push_str(&format!(",line={line},col={col}"));
        }
        props.push_str(&format!(",title={}", escape_property(d.code.name())));
        let mut message = escape_controls(&d.message).into_owned();
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {}", escape_controls(help)));
        }
        writeln!(out, "::{level} {props}::{}", escape_data(&message))?;
    }
    Ok(())
}
