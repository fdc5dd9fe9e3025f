//! Finding and reading catalog files, then parsing and validating them into a [`Catalog`].
//!
//! A catalog is a folder: `portfolio.toml` plus one contract per other `*.toml` directly in it,
//! read in file-name order so that results never depend on the file system. The shipped
//! catalog is also compiled into the binary, so capplan works with nothing but the binary.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;
use toml::Spanned;
use toml::de::DeTable;

use crate::catalog::model::Catalog;
use crate::catalog::parse::{self, PortfolioFile};
use crate::catalog::reader::Ctx;
use crate::catalog::validate;
use crate::diagnostic::{Code, Diagnostic, Location, Report, SourceFile, Span};

/// The file that holds the portfolio settings.
pub const PORTFOLIO_FILE: &str = "portfolio.toml";

/// The catalog compiled into the binary: `(file name, contents)`, sorted by name.
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_catalog.rs"));

/// A path that could not be read at all. Commands exit with code 2 on it.
#[derive(Debug, Error)]
pub enum LoadError {
    // The cause is the `source`, not part of the message: `main` prints the chain with `{:#}`.
    #[error("cannot read `{path}`")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("`{path}` is not a folder or a `.toml` file")]
    NotToml { path: String },
}

/// The raw files of one catalog, before parsing.
#[derive(Clone, Debug)]
pub struct CatalogFiles {
    /// How messages name the catalog, such as `contracts`.
    pub label: String,
    /// `(display name, bytes)` in file-name order.
    pub files: Vec<(String, Vec<u8>)>,
}

impl CatalogFiles {
    /// The catalog compiled into the binary.
    pub fn builtin() -> Self {
        CatalogFiles {
            label: "contracts (built in)".to_owned(),
            files: BUILTIN
                .iter()
                .map(|(name, text)| (format!("contracts/{name}"), text.as_bytes().to_vec()))
                .collect(),
        }
    }

    /// Every `*.toml` directly in `dir`.
    pub fn read_dir(dir: &Path) -> Result<Self, LoadError> {
        let io_err = |source| LoadError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut paths = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_err)? {
            let path = entry.map_err(io_err)?.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(read_file(&path)?);
        }
        Ok(CatalogFiles {
            label: dir.display().to_string(),
            files,
        })
    }

    /// Some contract files of a folder, with that folder's `portfolio.toml`.
    pub fn read_files(dir: &Path, names: &[PathBuf]) -> Result<Self, LoadError> {
        let mut paths: Vec<PathBuf> = names.to_vec();
        let portfolio = dir.join(PORTFOLIO_FILE);
        if !paths.iter().any(|p| is_portfolio_name(p)) && portfolio.is_file() {
            paths.push(portfolio);
        }
        paths.sort();
        paths.dedup();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(read_file(&path)?);
        }
        Ok(CatalogFiles {
            label: dir.display().to_string(),
            files,
        })
    }
}

fn read_file(path: &Path) -> Result<(String, Vec<u8>), LoadError> {
    let bytes = fs::read(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok((path.display().to_string(), bytes))
}

fn is_portfolio_name(path: &Path) -> bool {
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

/// Parses and validates one catalog. Every problem goes to `report`; the catalog is returned
/// only if it has no error.
pub fn load(files: &CatalogFiles, report: &mut Report) -> Option<Catalog> {
    let errors_before = report.errors();
    let mut diagnostics = Vec::new();
    let mut portfolio: Option<(PortfolioFile, Span)> = None;
    let mut contracts = Vec::new();
    let mut saw_portfolio = false;
    for (name, bytes) in &files.files {
        let is_portfolio = is_portfolio_name(Path::new(name));
        let (text, bad_utf8_at) = match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_owned(), None),
            Err(e) => (
                String::from_utf8_lossy(bytes).into_owned(),
                Some(e.valid_up_to()),
            ),
        };
        let file = report.sources.add(SourceFile::new(name.clone(), text));
        let mut ctx = Ctx {
            file,
            diagnostics: &mut diagnostics,
        };
        if let Some(at) = bad_utf8_at {
            let d = Diagnostic::new(
                Code::NotUtf8,
                Span::new(file, at..at + 1),
                format!("`{name}` is not valid UTF-8"),
            )
            .with_help("save the file as UTF-8");
            ctx.push(d);
            if is_portfolio {
                saw_portfolio = true;
            }
            continue;
        }
        let text = &report.sources.get(file).text;
        let (doc, syntax) = DeTable::parse_recoverable(text);
        let doc = from_first_key(text, doc);
        let syntax_spans: Vec<_> = syntax.iter().filter_map(|e| e.span()).collect();
        let syntax_errors = !syntax.is_empty();
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
        if syntax_errors {
            // Read what the parser could recover, for the file's other problems, but drop what
            // follows from the recovery itself: keys it had to leave out, values it cut short.
            let mut recovered = Vec::new();
            let mut rctx = Ctx {
                file,
                diagnostics: &mut recovered,
            };
            if is_portfolio {
                saw_portfolio = true;
                let _ = parse::portfolio_file(&mut rctx, doc);
            } else if !doc.get_ref().contains_key("portfolio")
                && let Some(c) = parse::contract(&mut rctx, doc)
            {
                contracts.push(c);
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
            continue;
        }
        let whole = doc.span();
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
            if is_portfolio {
                saw_portfolio = true;
            }
            continue;
        }
        if is_portfolio {
            if saw_portfolio {
                ctx.push(Diagnostic::new(
                    Code::DuplicatePortfolio,
                    Span::new(file, 0..0),
                    format!(
                        "`{name}` is a second portfolio file for catalog `{}`",
                        files.label
                    ),
                ));
                continue;
            }
            saw_portfolio = true;
            if let Some(p) = parse::portfolio_file(&mut ctx, doc) {
                portfolio = Some((p, Span::new(file, whole)));
            }
        } else if let Some(key) = doc.get_ref().keys().find(|k| k.get_ref() == "portfolio") {
            let d = Diagnostic::new(
                Code::DuplicatePortfolio,
                Span::new(file, key.span()),
                format!("`{name}` holds a `[portfolio]` table, but the portfolio of catalog `{}` belongs in `{PORTFOLIO_FILE}`", files.label),
            )
            .with_help(format!("move these settings into `{PORTFOLIO_FILE}`; every other file is one contract"));
            ctx.push(d);
        } else if let Some(c) = parse::contract(&mut ctx, doc) {
            contracts.push(c);
        }
    }
    if !saw_portfolio {
        let path = Path::new(&files.label)
            .join(PORTFOLIO_FILE)
            .display()
            .to_string();
        diagnostics.push(
            Diagnostic::new(Code::MissingPortfolio, Location::Path(path), format!("catalog `{}` has no `{PORTFOLIO_FILE}`", files.label))
                .with_help("a catalog is a folder with one `portfolio.toml` (targets, calendar, hardware) and one file per contract"),
        );
    }
    let catalog = portfolio.map(|(p, _)| {
        // Sort by id, keeping file order among duplicates so that the first file's wins.
        contracts.sort_by(|a, b| a.id.cmp(&b.id));
        Catalog {
            portfolio: p.portfolio,
            targets: p.targets,
            hardware: p.hardware,
            contracts,
        }
    });
    if let Some(catalog) = &catalog {
        validate::validate(catalog, &mut diagnostics);
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
