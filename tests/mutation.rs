//! No input, however malformed, makes capplan panic (DESIGN.md section 2). The shipped catalog
//! is mutated at random, byte by byte and token by token, with a fixed seed so that every run
//! checks the same cases; each mutant is loaded and rendered in every format in process, and a
//! few are run through the real binary.
//!
//! A failure names the case number; `MUTATION_CASE=N cargo test --test mutation` reruns only
//! that case and prints its files.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::Command;

use capplan::catalog::{self, CatalogFiles};
use capplan::diagnostic::{Code, Location, Report, Span};
use capplan::report::diagnostics::{DiagnosticFormat, render};

const SEED: u64 = 0x5eed_cab1_a2c0_ffee;
/// Mutants loaded in process.
const CASES: usize = 3_000;
/// Mutants run through the binary.
const BINARY_CASES: usize = 50;

/// xorshift64*: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`; `n > 0`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that matter to TOML or to capplan's formats, plus some that are not UTF-8.
const INTERESTING: &[u8] = b"\"'=[]{}.,#\n\r\t -_+:0123456789eEKMBTdwmqyTZ\\\xff\xc3\xa9\xe2\x80";

/// Applies one to four random edits to one to two files, and describes them.
fn mutate(rng: &mut Rng, files: &mut [(String, Vec<u8>)]) -> String {
    let mut log = String::new();
    for _ in 0..1 + rng.below(4) {
        let f = rng.below(files.len());
        let (name, bytes) = &mut files[f];
        let at = rng.below(bytes.len() + 1);
        let op = rng.below(8);
        match op {
            // Flip bits of a byte.
            0 if at < bytes.len() => {
                let mask = 1 + rng.below(255) as u8;
                bytes[at] ^= mask;
                let _ = write!(log, "{name}: flip {at} ^ {mask:#04x}; ");
            }
            // Insert an interesting or a random byte.
            1 | 2 => {
                let b = if op == 1 {
                    *rng.pick(INTERESTING)
                } else {
                    rng.next() as u8
                };
                bytes.insert(at, b);
                let _ = write!(log, "{name}: insert {at} {b:#04x}; ");
            }
            // Delete a byte or a run of bytes.
            3 | 4 if at < bytes.len() => {
                let len = if op == 3 { 1 } else { 1 + rng.below(40) };
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
                let _ = write!(log, "{name}: delete {at}..{end}; ");
            }
            // Change a digit into another: dates, amounts and counts stay well-formed but move.
            5 => {
                let digits: Vec<usize> = (0..bytes.len())
                    .filter(|&i| bytes[i].is_ascii_digit())
                    .collect();
                if !digits.is_empty() {
                    let i = *rng.pick(&digits);
                    let d = b'0' + rng.below(10) as u8;
                    bytes[i] = d;
                    let _ = write!(log, "{name}: digit {i} = {}; ", d as char);
                }
            }
            // Duplicate or delete a whole line.
            6 | 7 => {
                let starts: Vec<usize> = std::iter::once(0)
                    .chain(
                        (0..bytes.len())
                            .filter(|&i| bytes[i] == b'\n')
                            .map(|i| i + 1),
                    )
                    .filter(|&i| i < bytes.len())
                    .collect();
                if !starts.is_empty() {
                    let s = *rng.pick(&starts);
                    let e = bytes[s..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(bytes.len(), |p| s + p + 1);
                    if op == 6 {
                        let line = bytes[s..e].to_vec();
                        bytes.splice(e..e, line);
                        let _ = write!(log, "{name}: duplicate line at {s}; ");
                    } else {
                        bytes.drain(s..e);
                        let _ = write!(log, "{name}: delete line at {s}; ");
                    }
                }
            }
            _ => {}
        }
    }
    log
}

/// Why a span does not resolve to a place in its file, if it does not.
fn bad_span(report: &Report, span: &Span) -> Option<String> {
    // An unknown file id panics here, and is reported as a panic.
    let file = report.sources.get(span.file);
    let r = &span.range;
    if r.start > r.end || r.end > file.text.len() {
        return Some(format!(
            "range {r:?} in `{}` of {} bytes",
            file.name,
            file.text.len()
        ));
    }
    let lines = file.text.split('\n').count();
    let (line, column) = file.line_col(r.start);
    if line == 0 || column == 0 || line > lines {
        return Some(format!(
            "{line}:{column} in `{}` of {lines} lines",
            file.name
        ));
    }
    None
}

/// Loads a catalog and renders its diagnostics in every format; returns a description of every
/// broken invariant, and the codes reported.
fn check(files: &CatalogFiles) -> (Vec<String>, Vec<Code>) {
    let mut problems = Vec::new();
    let mut report = Report::default();
    catalog::load(files, &mut report);
    report.sort();
    for d in &report.diagnostics {
        if let Location::Span(span) = &d.location
            && let Some(why) = bad_span(&report, span)
        {
            problems.push(format!("`{}` does not resolve: {why}", d.code));
        }
        if let Location::Path(path) = &d.location
            && path.is_empty()
        {
            problems.push(format!("`{}` has an empty path", d.code));
        }
        for (span, note) in &d.related {
            if let Some(why) = bad_span(&report, span) {
                problems.push(format!(
                    "`{}`'s note `{note}` does not resolve: {why}",
                    d.code
                ));
            }
        }
        if d.message.is_empty() {
            problems.push(format!("`{}` has no message", d.code));
        }
    }
    for (format, color) in [
        (DiagnosticFormat::Human, false),
        (DiagnosticFormat::Human, true),
        (DiagnosticFormat::Json, false),
        (DiagnosticFormat::Github, false),
        (DiagnosticFormat::Sarif, false),
        (DiagnosticFormat::Gitlab, false),
    ] {
        let mut out = Vec::new();
        if let Err(e) = render(&report, format, color, &mut out) {
            problems.push(format!("{format:?} rendering failed: {e}"));
            continue;
        }
        match format {
            DiagnosticFormat::Json => match serde_json::from_slice::<serde_json::Value>(&out) {
                Ok(v) => {
                    let n = v["errors"].as_array().map_or(0, Vec::len)
                        + v["warnings"].as_array().map_or(0, Vec::len);
                    if n != report.diagnostics.len() {
                        problems.push(format!(
                            "JSON has {n} diagnostics of {}",
                            report.diagnostics.len()
                        ));
                    }
                }
                Err(e) => problems.push(format!("JSON does not parse: {e}")),
            },
            DiagnosticFormat::Github => {
                let lines = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
                if lines != report.diagnostics.len() {
                    problems.push(format!(
                        "github has {lines} lines for {} diagnostics",
                        report.diagnostics.len()
                    ));
                }
            }
            DiagnosticFormat::Sarif | DiagnosticFormat::Gitlab => {
                let n = serde_json::from_slice::<serde_json::Value>(&out).map(|v| {
                    let items = match format {
                        DiagnosticFormat::Sarif => &v["runs"][0]["results"],
                        _ => &v,
                    };
                    items.as_array().map_or(0, Vec::len)
                });
                match n {
                    Ok(n) if n == report.diagnostics.len() => {}
                    Ok(n) => problems.push(format!(
                        "{format:?} has {n} results for {} diagnostics",
                        report.diagnostics.len()
                    )),
                    Err(e) => problems.push(format!("{format:?} does not parse: {e}")),
                }
            }
            DiagnosticFormat::Human => {}
        }
    }
    (
        problems,
        report.diagnostics.iter().map(|d| d.code).collect(),
    )
}

fn shipped() -> CatalogFiles {
    CatalogFiles::read_dir(Path::new("contracts")).expect("the shipped catalog is readable")
}

/// The `index`-th mutant of the shipped catalog and how it was made. Each case has its own
/// generator, so that one can be rerun alone.
fn mutant(base: &CatalogFiles, index: usize) -> (CatalogFiles, String) {
    let mut rng = Rng::new(SEED ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut files = base.clone();
    let log = mutate(&mut rng, &mut files.files);
    (files, log)
}

#[test]
fn the_shipped_catalog_itself_passes_the_checks() {
    assert_eq!(check(&shipped()), (Vec::new(), Vec::new()));
}

#[test]
fn mutated_catalogs_never_panic_and_every_diagnostic_resolves() {
    let base = shipped();
    let only: Option<usize> = std::env::var("MUTATION_CASE")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut failures = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    for index in 0..CASES {
        if only.is_some_and(|o| o != index) {
            continue;
        }
        let (files, log) = mutant(&base, index);
        if only.is_some() {
            for (name, bytes) in &files.files {
                println!("==== {name}\n{}", String::from_utf8_lossy(bytes));
            }
        }
        match catch_unwind(AssertUnwindSafe(|| check(&files))) {
            Ok((problems, found)) => {
                codes.extend(found);
                if !problems.is_empty() {
                    failures.push(format!("case {index} ({log}): {}", problems.join("; ")));
                }
            }
            Err(_) => failures.push(format!("case {index} ({log}): panicked")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CASES} mutants failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    if only.is_none() {
        // The mutants reach well past the parser: a sanity check on the generator.
        assert!(
            codes.len() >= 20,
            "only {} codes reached: {codes:?}",
            codes.len()
        );
    }
}

#[test]
fn the_binary_never_panics_on_mutated_catalogs_and_never_changes_them() {
    let base = shipped();
    let bin = env!("CARGO_BIN_EXE_capplan");
    let formats = ["human", "json", "github"];
    let mut failures = Vec::new();
    for case in 0..BINARY_CASES {
        // Other cases than the in-process test's, from the same seed.
        let index = CASES + case;
        let (files, log) = mutant(&base, index);
        let dir = tempfile::tempdir().expect("a temporary folder");
        for (name, bytes) in &files.files {
            let file_name = Path::new(name).file_name().expect("a file name");
            std::fs::write(dir.path().join(file_name), bytes).expect("writing a mutant");
        }
        let before = snapshot(dir.path());
        let format = formats[case % formats.len()];
        let output = Command::new(bin)
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(["validate", "--format", format, "--catalog"])
            .arg(dir.path())
            .env_remove("CAPPLAN_CATALOG")
            .env("NO_COLOR", "1")
            .output()
            .expect("running capplan");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        if !matches!(code, Some(0 | 1)) || stderr.contains("panicked") {
            failures.push(format!(
                "case {index} ({log}): exit {code:?}, stderr: {stderr}"
            ));
        }
        if snapshot(dir.path()) != before {
            failures.push(format!("case {index} ({log}): the catalog's files changed"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every file of a folder, by name, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}
