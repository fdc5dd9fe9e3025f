//! `validate --format sarif`: diagnostics as a SARIF 2.1.0 log, the format of code scanning
//! (GitHub shows it in a repository's Security tab and on pull requests).
//!
//! One run: the tool with a rule for every [`Code`] (its one-line description, its default
//! level, and the README's list of codes), then one result per diagnostic with its rule, level,
//! message (and help), its place relative to the repository root (a region from start to end,
//! columns in characters) and a fingerprint that stays the same when unrelated lines move
//! ([`repo::fingerprints`]). Related places, such as the first definition of a duplicate id,
//! are `relatedLocations`. Output is deterministic: rules in code order, results in the
//! report's order.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::diagnostic::{Code, Diagnostic, Location, Report, Severity};
use crate::report::repo::{self, Place, RepoPath, RepoPaths};

/// The SARIF schema this log follows: the OASIS standard, with its first errata.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key of capplan's fingerprint.
pub const FINGERPRINT_KEY: &str = "capplanLineHash/v1";

/// The base id of paths relative to the repository root.
const SRCROOT: &str = "%SRCROOT%";

/// Where the README lists every code, given the repository capplan is published from (Cargo's
/// `package.repository`); `None` when that is not set.
pub fn help_uri(repository: &str) -> Option<String> {
    let repository = repository.trim_end_matches('/');
    (!repository.is_empty()).then(|| format!("{repository}/blob/HEAD/README.md#diagnostic-codes"))
}

/// Writes `report` as a SARIF log, with paths relative to the repository of `paths`.
pub fn write(report: &Report, paths: &RepoPaths, out: &mut dyn Write) -> io::Result<()> {
    let log = log(
        report,
        paths,
        help_uri(env!("CARGO_PKG_REPOSITORY")).as_deref(),
    );
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// The SARIF log of `report`; rules link to `help` when given.
pub fn log(report: &Report, paths: &RepoPaths, help: Option<&str>) -> Value {
    let fingerprints = repo::fingerprints(report, paths);
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| result(report, paths, d, fingerprint))
        .collect();
    let mut driver = Map::new();
    driver.insert("name".into(), json!("capplan"));
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver.insert("informationUri".into(), json!(repository));
    }
    driver.insert(
        "rules".into(),
        Value::Array(Code::ALL.iter().map(|c| rule(*c, help)).collect()),
    );
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "originalUriBaseIds": {
                SRCROOT: { "description": { "text": "the root of the repository" } }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(code: Code, help: Option<&str>) -> Value {
    let mut rule = Map::new();
    rule.insert("id".into(), json!(code.name()));
    rule.insert("name".into(), json!(camel_case(code.name())));
    rule.insert(
        "shortDescription".into(),
        json!({ "text": code.description() }),
    );
    rule.insert(
        "fullDescription".into(),
        json!({ "text": code.description() }),
    );
    rule.insert(
        "help".into(),
        json!({
            "text": format!(
                "{}. Every code is listed under \"Diagnostic codes\" in capplan's README.",
                code.description()
            )
        }),
    );
    if let Some(uri) = help {
        rule.insert("helpUri".into(), json!(uri));
    }
    rule.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(code.severity()) }),
    );
    rule.insert("properties".into(), json!({ "tags": ["capplan"] }));
    Value::Object(rule)
}

/// `schedule-sum-mismatch` as `ScheduleSumMismatch`, the form SARIF suggests for a rule's name.
fn camel_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn result(report: &Report, paths: &RepoPaths, d: &Diagnostic, fingerprint: String) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let place = repo::place(report, paths, &d.location);
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(d.code.name()));
    if let Some(index) = Code::ALL.iter().position(|c| *c == d.code) {
        result.insert("ruleIndex".into(), json!(index));
    }
    result.insert("level".into(), json!(level(d.severity)));
    result.insert("message".into(), json!({ "text": text }));
    result.insert(
        "locations".into(),
        json!([{ "physicalLocation": physical(&place) }]),
    );
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, (span, note))| {
                let place = repo::place(report, paths, &Location::Span(span.clone()));
                json!({
                    "id": i + 1,
                    "physicalLocation": physical(&place),
                    "message": { "text": note },
                })
            })
            .collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
    result.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint }),
    );
    Value::Object(result)
}

fn physical(place: &Place) -> Value {
    let artifact = match &place.path {
        RepoPath::Relative(path) => json!({ "uri": repo::uri_path(path), "uriBaseId": SRCROOT }),
        RepoPath::Absolute(path) => json!({ "uri": format!("file://{}", repo::uri_path(path)) }),
    };
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), artifact);
    if let Some(r) = place.region {
        physical.insert(
            "region".into(),
            json!({
                "startLine": r.start_line,
                "startColumn": r.start_column,
                "endLine": r.end_line,
                "endColumn": r.end_column,
            }),
        );
    }
    Value::Object(physical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_uri_points_at_the_readme_list_of_codes() {
        assert_eq!(
            help_uri("https://example.org/capplan/"),
            Some("https://example.org/capplan/blob/HEAD/README.md#diagnostic-codes".to_owned())
        );
        assert_eq!(help_uri(""), None);
    }

    #[test]
    fn rule_names_are_camel_case() {
        assert_eq!(camel_case("schedule-sum-mismatch"), "ScheduleSumMismatch");
        assert_eq!(camel_case("not-utf8"), "NotUtf8");
    }
}
