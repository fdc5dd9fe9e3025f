//! Parsing and validating catalog files into a [`Catalog`]; finding and reading them is
//! [`super::files`].
//!
//! A catalog is a folder: `portfolio.toml` plus one contract per other `*.toml` directly in it,
//! read in file-name order so that results never depend on the file system. The shipped
//! catalog is also compiled into the binary, so capplan works with nothing but the binary.

use std::path::Path;

use rayon::prelude::*;
use toml::Spanned;
use toml::de::DeTable;

use crate::catalog::demand::{self, Workload};
pub use crate::catalog::files::{
    CatalogFiles, LoadError, MAX_CATALOG_FILES, MAX_FILE_BYTES, read_capped, read_checked,
    special_file,
};
use crate::catalog::model::{Catalog, Contract};
use crate::catalog::parse::{self, PortfolioFile};
use crate::catalog::reader::{Ctx, HardwareRef};
use crate::catalog::validate::{self, Checks};
use crate::diagnostic::{Code, Diagnostic, FileId, Location, Report, SourceFile, Span};

/// The file that holds the portfolio settings.
pub const PORTFOLIO_FILE: &str = "portfolio.toml";

/// The catalog compiled into the binary: `(file name, contents)`, sorted by name.
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_catalog.rs"));

/// Whether a catalog file is its demand file, `demand.toml`.
fn is_demand_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case(demand::DEMAND_FILE))
}

pub(crate) fn is_portfolio_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case(PORTFOLIO_FILE))
}

/// The document from the line of its first key on, so that a diagnostic on the whole file (a
/// missing key) points at the file's content, not at a comment above it.
fn from_first_key<'i>(text: &str, doc: Spanned<DeTable<'i>>) -> Spanned<DeTable<'i>> {
    let Some(first) = doc.get_ref().keys().map(|k| k.span().start).min() else {
        return doc;
    };
    let Some(before) = text.get(..first) else {
        return doc;
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Spanned::new(line_start..text.len(), doc.into_inner())
}

/// What one file turned out to be, after reading it on its own.
enum Parsed {
    /// A portfolio file that could not be read (not UTF-8, bad TOML, empty): it still counts as
    /// the catalog's portfolio file, so no second "missing" error follows.
    BrokenPortfolio,
    /// A portfolio file that parsed, with its settings if they were complete.
    Portfolio(Option<PortfolioFile>),
    /// A contract file, with the contract if it was complete.
    Contract(Option<Contract>),
    /// The demand file, with the workloads that were complete.
    Demand(Vec<Workload>),
}

/// One file read on its own: its source, its problems and what it holds.
struct FileResult {
    source: SourceFile,
    diagnostics: Vec<Diagnostic>,
    parsed: Parsed,
    /// The hardware named by the tranches of a contract left out, to check all the same.
    left_out: Vec<HardwareRef>,
}

/// Reads one file. Files do not depend on each other until validation, so this runs in
/// parallel; `file` is the id the file will have in the report.
fn read_one(name: String, bytes: Vec<u8>, file: FileId, label: &str) -> FileResult {
    let is_portfolio = is_portfolio_name(Path::new(&name));
    let is_demand = is_demand_name(Path::new(&name));
    let broken = if is_portfolio {
        Parsed::BrokenPortfolio
    } else if is_demand {
        Parsed::Demand(Vec::new())
    } else {
        Parsed::Contract(None)
    };
    let mut diagnostics = Vec::new();
    let (source, bad_utf8) = SourceFile::decode(name, bytes);
    let name = source.name.as_str();
    let text = source.text.as_str();
    let mut ctx = Ctx {
        file,
        diagnostics: &mut diagnostics,
        left_out: Vec::new(),
    };
    if let Some(range) = bad_utf8 {
        ctx.push(source.not_utf8(file, range));
        return FileResult {
            source,
            diagnostics,
            parsed: broken,
            left_out: Vec::new(),
        };
    }
    let (doc, syntax) = DeTable::parse_recoverable(text);
    let doc = from_first_key(text, doc);
    if !syntax.is_empty() {
        let syntax_spans: Vec<_> = syntax.iter().filter_map(|e| e.span()).collect();
        for err in syntax {
            let range = err.span().unwrap_or(0..0);
            let message = err.message().trim().replace('\n', "; ");
            // The parser checks calendar dates itself; give those their own code.
            let code = if message.starts_with("invalid date") {
                Code::InvalidDate
            } else {
                Code::TomlSyntax
            };
            ctx.error(code, range, message);
        }
        // Read what the parser could recover, for the file's other problems, but drop what
        // follows from the recovery itself: keys it had to leave out, values it cut short.
        let mut recovered = Vec::new();
        let mut rctx = Ctx {
            file,
            diagnostics: &mut recovered,
            left_out: Vec::new(),
        };
        let mut parsed = broken;
        if is_portfolio {
            let _ = parse::portfolio_file(&mut rctx, doc);
        } else if is_demand {
            let _ = demand::demand_file(&mut rctx, doc);
        } else if !doc.get_ref().contains_key("portfolio") {
            parsed = Parsed::Contract(parse::contract(&mut rctx, doc));
        }
        diagnostics.extend(recovered.into_iter().filter(|d| {
            let overlaps = match &d.location {
                Location::Span(s) => syntax_spans.iter().any(|r| {
                    r.start < s.range.end.max(s.range.start + 1)
                        && s.range.start < r.end.max(r.start + 1)
                }),
                Location::Path(_) => false,
            };
            let from_recovery = matches!(
                d.code,
                Code::MissingKey | Code::MissingTerm | Code::EmptyFile
            ) || (d.code == Code::TrancheQuantity
                && d.message.contains("neither"));
            !overlaps && !from_recovery
        }));
        return FileResult {
            source,
            diagnostics,
            parsed,
            left_out: Vec::new(),
        };
    }
    if is_demand {
        // An empty demand file is no demand, not a mistake.
        let workloads = demand::demand_file(&mut ctx, doc);
        return FileResult {
            source,
            diagnostics,
            parsed: Parsed::Demand(workloads),
            left_out: Vec::new(),
        };
    }
    if doc.get_ref().is_empty() {
        let what = if is_portfolio {
            "the portfolio file"
        } else {
            "the contract file"
        };
        let help = if is_portfolio {
            "add `[portfolio]`, `[[target]]` and `[[hardware]]` tables"
        } else {
            "a contract needs at least `id`, `provider`, `title`, `start`, `term` or `end`, and `value_usd`"
        };
        ctx.push(
            Diagnostic::new(
                Code::EmptyFile,
                Span::new(file, 0..0),
                format!("{what} `{name}` is empty"),
            )
            .with_help(help),
        );
        return FileResult {
            source,
            diagnostics,
            parsed: broken,
            left_out: Vec::new(),
        };
    }
    let parsed = if is_portfolio {
        Parsed::Portfolio(parse::portfolio_file(&mut ctx, doc))
    } else if let Some(key) = doc.get_ref().keys().find(|k| k.get_ref() == "portfolio") {
        let d = Diagnostic::new(
            Code::DuplicatePortfolio,
            Span::new(file, key.span()),
            format!("`{name}` holds a `[portfolio]` table, but the portfolio of catalog `{label}` belongs in `{PORTFOLIO_FILE}`"),
        )
        .with_help(format!("move these settings into `{PORTFOLIO_FILE}`; every other file is one contract"));
        ctx.push(d);
        Parsed::Contract(None)
    } else {
        Parsed::Contract(parse::contract(&mut ctx, doc))
    };
    let left_out = std::mem::take(&mut ctx.left_out);
    FileResult {
        source,
        diagnostics,
        parsed,
        left_out,
    }
}

/// Parses and validates one catalog. Every problem goes to `report`; the catalog is returned
/// only if it has no error.
pub fn load(files: &CatalogFiles, report: &mut Report) -> Option<Catalog> {
    load_owned(files.clone(), Checks::All, report)
}

/// [`load`], taking the files so that their bytes become the sources' text without a copy.
/// Only the checks that `checks` selects run.
pub fn load_owned(files: CatalogFiles, checks: Checks, report: &mut Report) -> Option<Catalog> {
    let errors_before = report.errors();
    let base = report.sources.len();
    let label = files.label;
    let results: Vec<FileResult> = files
        .files
        .into_par_iter()
        .enumerate()
        .map(|(i, (name, bytes))| read_one(name, bytes, FileId(base + i), &label))
        .collect();
    let mut diagnostics = Vec::new();
    let mut portfolio: Option<PortfolioFile> = None;
    let mut contracts = Vec::new();
    let mut workloads = Vec::new();
    let mut left_out = Vec::new();
    let mut saw_portfolio = false;
    for result in results {
        left_out.extend(result.left_out);
        let file = report.sources.add(result.source);
        match result.parsed {
            Parsed::BrokenPortfolio => {
                saw_portfolio = true;
                diagnostics.extend(result.diagnostics);
            }
            Parsed::Portfolio(_) if saw_portfolio => {
                let name = &report.sources.get(file).name;
                diagnostics.push(Diagnostic::new(
                    Code::DuplicatePortfolio,
                    Span::new(file, 0..0),
                    format!(
                        "`{name}` is a second portfolio file for catalog `{}`",
                        label
                    ),
                ));
            }
            Parsed::Portfolio(p) => {
                saw_portfolio = true;
                portfolio = p;
                diagnostics.extend(result.diagnostics);
            }
            Parsed::Contract(c) => {
                contracts.extend(c);
                diagnostics.extend(result.diagnostics);
            }
            Parsed::Demand(w) => {
                workloads.extend(w);
                diagnostics.extend(result.diagnostics);
            }
        }
    }
    if !saw_portfolio {
        let path = Path::new(&label).join(PORTFOLIO_FILE).display().to_string();
        diagnostics.push(
            Diagnostic::new(Code::MissingPortfolio, Location::Path(path), format!("catalog `{}` has no `{PORTFOLIO_FILE}`", label))
                .with_help("a catalog is a folder with one `portfolio.toml` (targets, calendar, hardware) and one file per contract"),
        );
    }
    let catalog = portfolio.map(|p| {
        // Sort by id, keeping file order among duplicates so that the first file's wins.
        contracts.sort_by(|a, b| a.id.cmp(&b.id));
        Catalog {
            portfolio: p.portfolio,
            targets: p.targets,
            hardware: p.hardware,
            contracts,
            observed: p.observed,
            workloads,
        }
    });
    if let Some(catalog) = &catalog {
        validate::validate_with(catalog, checks, &mut diagnostics);
        for r in &left_out {
            if catalog.hardware(&r.hardware).is_none() {
                diagnostics.push(validate::unknown_hardware(
                    catalog,
                    &r.what,
                    &r.hardware,
                    r.span.clone(),
                ));
            }
        }
    }
    for d in diagnostics {
        report.push(d);
    }
    catalog.filter(|_| report.errors() == errors_before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_is_sorted_and_has_a_portfolio() {
        let names: Vec<_> = BUILTIN.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(names.contains(&PORTFOLIO_FILE));
    }
}
