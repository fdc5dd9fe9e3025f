//! Where a diagnostic is, for tools that read a whole repository rather than a terminal: code
//! scanning (SARIF) and merge-request widgets (GitLab Code Quality). They want a file path
//! relative to the repository root with `/` separators, a region with a start and an end, and
//! a fingerprint that names one problem across runs.
//!
//! Invariants: paths are computed from names alone (no file system access), so the same names
//! give the same paths on every machine; a region is the part of a span that the human format
//! underlines (its first line); a fingerprint depends on the code, the path and the text of the
//! line the problem is on, never on a line number, so it stays the same when lines above or
//! below move, and problems that would share one are numbered in file order so no two do.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Diagnostic, Location, Report, SourceFile};
use crate::report::diagnostics::first_line;

/// Turns the file names of diagnostics, which are paths as the user gave them (relative to the
/// working directory, or absolute), into paths relative to a repository root.
///
/// The default is the identity on relative names: the working directory is the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoPaths {
    /// The repository root, absolute; `None` when unknown.
    root: Option<PathBuf>,
    /// The working directory relative to the root, as normal components.
    cwd_in_root: Vec<String>,
}

/// A path made relative to the repository root, or an absolute path outside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoPath {
    /// Relative to the root, with `/` separators, such as `contracts/aws.toml`.
    Relative(String),
    /// Outside the root: an absolute path with `/` separators.
    Absolute(String),
}

impl RepoPath {
    /// The path as a string, with `/` separators.
    pub fn as_str(&self) -> &str {
        match self {
            RepoPath::Relative(p) | RepoPath::Absolute(p) => p,
        }
    }
}

impl RepoPaths {
    /// Paths relative to `root`, for names relative to `cwd`. Both are absolute; `cwd` is `root`
    /// or inside it (otherwise names are taken as relative to the root itself).
    pub fn new(root: &Path, cwd: &Path) -> Self {
        let cwd_in_root = cwd
            .strip_prefix(root)
            .map(|rel| normalize(Vec::new(), rel))
            .unwrap_or_default();
        RepoPaths {
            root: Some(normalize_absolute(root)),
            cwd_in_root,
        }
    }

    /// The repository that holds `cwd`: the nearest folder, `cwd` or above, with a `.git`
    /// entry (a folder, or the file of a worktree or submodule); `cwd` itself if there is none.
    pub fn discover(cwd: &Path) -> Self {
        let root = cwd
            .ancestors()
            .find(|dir| dir.join(".git").exists())
            .unwrap_or(cwd);
        RepoPaths::new(root, cwd)
    }

    /// The path of the file a diagnostic names.
    pub fn path(&self, name: &str) -> RepoPath {
        let path = Path::new(name);
        if path.is_absolute() {
            let absolute = normalize_absolute(path);
            if let Some(rel) = self
                .root
                .as_ref()
                .and_then(|root| absolute.strip_prefix(root).ok())
            {
                return RepoPath::Relative(normalize(Vec::new(), rel).join("/"));
            }
            return RepoPath::Absolute(slashes(&absolute));
        }
        RepoPath::Relative(normalize(self.cwd_in_root.clone(), path).join("/"))
    }
}

/// Appends the components of a relative `path` to `parts`, resolving `.` and `..` by their
/// names alone. A `..` above the start is kept, as `../`.
fn normalize(mut parts: Vec<String>, path: &Path) -> Vec<String> {
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".to_owned());
                }
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    parts
}

/// An absolute path with `.` and `..` resolved by name.
fn normalize_absolute(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A path with `/` separators.
fn slashes(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    format!("/{}", parts.join("/"))
}

/// A region of a file: 1-based lines and columns (in characters); the end column is that of
/// the first character after the region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Where one diagnostic is, with everything a repository tool needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub path: RepoPath,
    /// `None` for a diagnostic on a file with no text, such as a missing `portfolio.toml`.
    pub region: Option<Region>,
}

/// The place of a location: its file's path and the region the human format underlines.
pub fn place(report: &Report, paths: &RepoPaths, location: &Location) -> Place {
    match location {
        Location::Span(span) => {
            let file = report.sources.get(span.file);
            let range = first_line(&report.sources, span.file, &span.range);
            let (start_line, start_column) = file.line_col(range.start);
            let (end_line, end_column) = file.line_col(range.end);
            Place {
                path: paths.path(&file.name),
                region: Some(Region {
                    start_line,
                    start_column,
                    end_line,
                    end_column,
                }),
            }
        }
        Location::Path(name) => Place {
            path: paths.path(name),
            region: None,
        },
    }
}

/// The version of the fingerprint below: a change to what it hashes is a new version.
pub const FINGERPRINT_VERSION: &str = "v1";

/// One fingerprint per diagnostic of `report`, in order: 32 hexadecimal digits.
///
/// What is hashed: the code, the file's path, and, for a diagnostic in a file's text, the
/// line it starts on and the text it underlines, both with surrounding white space trimmed;
/// for one on a bare path, its message. Line numbers are left out, so moving unrelated lines
/// keeps every fingerprint; editing the line itself makes a new one. When several diagnostics
/// hash the same (one key twice in a file, say), each gets its rank in file order as well.
pub fn fingerprints(report: &Report, paths: &RepoPaths) -> Vec<String> {
    let mut seen: BTreeMap<u128, usize> = BTreeMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let base = fnv1a_128(&key(report, paths, d));
            let rank = seen.entry(base).or_insert(0);
            let hash = if *rank == 0 {
                base
            } else {
                fnv1a_128(&format!("{base:032x}\u{0}{rank}"))
            };
            *rank += 1;
            format!("{hash:032x}")
        })
        .collect()
}

/// The text a fingerprint hashes, fields separated by NUL.
fn key(report: &Report, paths: &RepoPaths, d: &Diagnostic) -> String {
    match &d.location {
        Location::Span(span) => {
            let file = report.sources.get(span.file);
            let range = first_line(&report.sources, span.file, &span.range);
            let underlined = file.text.get(range.clone()).unwrap_or("").trim();
            format!(
                "{}\u{0}{}\u{0}{}\u{0}{}",
                d.code.name(),
                paths.path(&file.name).as_str(),
                line_text(file, range.start),
                underlined
            )
        }
        Location::Path(name) => format!(
            "{}\u{0}{}\u{0}\u{0}{}",
            d.code.name(),
            paths.path(name).as_str(),
            d.message
        ),
    }
}

/// The line that holds byte `offset`, trimmed.
fn line_text(file: &SourceFile, offset: usize) -> &str {
    let text = &file.text;
    let offset = offset.min(text.len());
    let start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(offset..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |i| offset + i);
    text.get(start..end).unwrap_or("").trim()
}

/// The 128-bit FNV-1a hash: small, stable across platforms and versions of Rust, and enough to
/// tell problems apart (it is not a defence against anyone forging a collision).
fn fnv1a_128(text: &str) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    text.bytes()
        .fold(OFFSET, |hash, b| (hash ^ u128::from(b)).wrapping_mul(PRIME))
}

/// Percent-encodes a path for a URI: every byte but unreserved characters, sub-delimiters, `:`,
/// `@` and `/` is written `%XX`.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, Span};

    #[test]
    fn names_become_paths_from_the_repository_root() {
        let paths = RepoPaths::new(Path::new("/repo"), Path::new("/repo/sub/dir"));
        let rel = |s: &str| RepoPath::Relative(s.to_owned());
        assert_eq!(paths.path("a.toml"), rel("sub/dir/a.toml"));
        assert_eq!(paths.path("./x/../b.toml"), rel("sub/dir/b.toml"));
        assert_eq!(
            paths.path("../../contracts/c.toml"),
            rel("contracts/c.toml")
        );
        assert_eq!(
            paths.path("/repo/contracts/d.toml"),
            rel("contracts/d.toml")
        );
        assert_eq!(
            paths.path("/elsewhere/e.toml"),
            RepoPath::Absolute("/elsewhere/e.toml".to_owned())
        );
        assert_eq!(paths.path("../../../up.toml"), rel("../up.toml"));
    }

    #[test]
    fn without_a_root_names_stay_as_given() {
        let paths = RepoPaths::default();
        assert_eq!(paths.path("contracts/a.toml").as_str(), "contracts/a.toml");
        assert_eq!(
            paths.path("./contracts/a.toml").as_str(),
            "contracts/a.toml"
        );
    }

    #[test]
    fn a_repository_is_found_by_its_git_entry() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join(".git"), "gitdir: elsewhere\n").unwrap();
        let paths = RepoPaths::discover(&root.join("a/b"));
        assert_eq!(paths.path("c.toml").as_str(), "a/b/c.toml");
    }

    #[test]
    fn uris_escape_what_a_path_may_hold_but_a_uri_may_not() {
        assert_eq!(uri_path("contracts/a b.toml"), "contracts/a%20b.toml");
        assert_eq!(uri_path("dé/#1.toml"), "d%C3%A9/%231.toml");
        assert_eq!(uri_path("plain/path-1_x.toml"), "plain/path-1_x.toml");
    }

    fn report_of(text: &str, at: &[(&str, Code)]) -> Report {
        let mut report = Report::default();
        let file = report
            .sources
            .add(SourceFile::new("contracts/acme.toml", text));
        for (needle, code) in at {
            let start = text.find(needle).unwrap();
            report.push(Diagnostic::new(
                *code,
                Span::new(file, start..start + needle.len()),
                "a message",
            ));
        }
        report
    }

    #[test]
    fn fingerprints_survive_unrelated_lines_moving() {
        let before = report_of(
            "id = \"acme\"\nvalue_usd = 5.5\n",
            &[("5.5", Code::FloatMoney)],
        );
        let after = report_of(
            "# a comment\n\nid = \"acme\"\n  value_usd = 5.5\n",
            &[("5.5", Code::FloatMoney)],
        );
        let paths = RepoPaths::default();
        assert_eq!(fingerprints(&before, &paths), fingerprints(&after, &paths));
        let edited = report_of(
            "id = \"acme\"\nvalue_usd = 6.5\n",
            &[("6.5", Code::FloatMoney)],
        );
        assert_ne!(fingerprints(&before, &paths), fingerprints(&edited, &paths));
    }

    #[test]
    fn equal_problems_get_distinct_fingerprints() {
        let report = report_of(
            "a = 1\nb = 2\na = 1\n",
            &[("a = 1", Code::UnknownKey), ("a = 1", Code::UnknownKey)],
        );
        let prints = fingerprints(&report, &RepoPaths::default());
        assert_eq!(prints.len(), 2);
        assert_ne!(prints[0], prints[1]);
        assert!(prints.iter().all(|p| p.len() == 32));
    }

    #[test]
    fn a_region_is_the_underlined_first_line() {
        let report = report_of(
            "[[tranche]]\nid = \"x\"\n",
            &[("[[tranche]]\nid", Code::MissingKey)],
        );
        let d = &report.diagnostics[0];
        let place = place(&report, &RepoPaths::default(), &d.location);
        assert_eq!(
            place.region,
            Some(Region {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 12
            })
        );
    }
}
