//! `validate --format gitlab`: diagnostics as a GitLab Code Quality report, the JSON array a
//! merge request shows in its Code Quality widget and beside the changed lines
//! (`artifacts:reports:codequality`).
//!
//! One object per diagnostic, in the report's order: `description` (the message, and the help
//! where there is one), `check_name` (the code), `fingerprint` (unique in the report, and the
//! same from one run to the next while the line itself is unchanged: [`repo::fingerprints`]),
//! `severity` (`major` for an error, `minor` for a warning) and `location` (`path` relative
//! to the repository root, `lines.begin`; line 1 for a file with no text, such as a missing
//! `portfolio.toml`).

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Report, Severity};
use crate::report::repo::{self, RepoPaths};

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// Code Quality's severity of a diagnostic: `major` for an error, `minor` for a warning.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
    }
}

/// Writes `report` as a Code Quality report, with paths relative to the repository of `paths`.
pub fn write(report: &Report, paths: &RepoPaths, out: &mut dyn Write) -> io::Result<()> {
    let fingerprints = repo::fingerprints(report, paths);
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| {
            let place = repo::place(report, paths, &d.location);
            let mut description = d.message.clone();
            if let Some(help) = &d.help {
                description.push_str(&format!("\nhelp: {help}"));
            }
            Issue {
                description,
                check_name: d.code.name(),
                fingerprint,
                severity: severity(d.severity),
                location: IssueLocation {
                    path: place.path.as_str().to_owned(),
                    lines: Lines {
                        begin: place.region.map_or(1, |r| r.start_line),
                    },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
