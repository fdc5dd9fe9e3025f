//! The formats of `validate` that other tools read: SARIF 2.1.0 (code scanning), checked
//! against the official schema committed under `tests/sarif/`, and GitLab Code Quality JSON,
//! checked against the fields GitLab documents. Both name files from the repository root and
//! carry fingerprints that must not change when unrelated lines move.
//!
//! The exact output is pinned by trycmd cases (`tests/cmd/validate-sarif.toml`,
//! `tests/cmd/validate-gitlab.toml`); these tests hold it to its consumers' rules on every
//! fixture.

use std::path::Path;

use boon::{Compiler, Schemas};
use capplan::catalog::validate::Checks;
use capplan::catalog::{self, CatalogFiles};
use capplan::diagnostic::{Code, Report};
use capplan::engine::risk_term::slips_leaving_term;
use capplan::report::diagnostics::{DiagnosticFormat, render_in};
use capplan::report::repo::RepoPaths;
use capplan::report::sarif;
use capplan::scenario;
use serde_json::{Value, json};

const SARIF_SCHEMA: &str = "tests/sarif/sarif-schema-2.1.0.json";

/// Every fixture folder that reports diagnostics: one per code, and a catalog with many.
fn fixtures() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir("tests/fixtures/codes")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    dirs.sort();
    dirs.push("tests/fixtures/many-problems".to_owned());
    dirs
}

/// Loads a fixture as `capplan validate` does: a catalog, or a catalog under `catalog/` with
/// `scenario.toml` applied to it.
fn load(dir: &str) -> Report {
    let scenario_file = Path::new(dir).join("scenario.toml");
    let catalog_dir = if scenario_file.exists() {
        format!("{dir}/catalog")
    } else {
        dir.to_owned()
    };
    let files = CatalogFiles::read_dir(Path::new(&catalog_dir)).unwrap();
    let mut report = Report::default();
    let loaded = catalog::load(&files, &mut report);
    // A whole catalog is held to its published figures, as `capplan validate` holds a folder.
    if let Some(catalog) = loaded.as_ref().filter(|_| !report.has_errors()) {
        for d in capplan::engine::observe::mismatches(catalog).unwrap() {
            report.push(d);
        }
        // And its actuals, where it has an `actuals/` folder.
        let actuals = Path::new(&catalog_dir).join("actuals");
        if actuals.is_dir() {
            let (_, found) = capplan::actuals::attribute::load(
                catalog,
                &actuals,
                capplan::actuals::focus::CostColumn::Billed,
                None,
                None,
            );
            for d in found {
                report.push(d);
            }
        }
    }
    if scenario_file.exists() {
        let name = scenario_file.display().to_string();
        let bytes = std::fs::read(&scenario_file).unwrap();
        if let (Some(catalog), Some(s)) =
            (loaded, scenario::read_scenario(&name, bytes, &mut report))
        {
            let scenarios = std::slice::from_ref(&s);
            // As `capplan validate` does: slips that can leave a term are warned of.
            if let Some(applied) =
                scenario::apply_all(&catalog, scenarios, Checks::All, &mut report)
                && let Ok(found) = slips_leaving_term(&applied, &s.risks)
            {
                for d in found {
                    report.push(d);
                }
            }
        }
    }
    report.sort();
    report
}

fn rendered(report: &Report, format: DiagnosticFormat, paths: &RepoPaths) -> Value {
    let mut out = Vec::new();
    render_in(report, format, false, paths, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// The official SARIF schema, compiled with format assertions (`uri`, `uri-reference`) on.
fn sarif_validator() -> (Schemas, boon::SchemaIndex) {
    let text = std::fs::read_to_string(SARIF_SCHEMA).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut compiler = Compiler::new();
    compiler.enable_format_assertions();
    let url = "file:///sarif-schema-2.1.0.json";
    compiler.add_resource(url, schema).unwrap();
    let mut schemas = Schemas::new();
    let index = compiler
        .compile(url, &mut schemas)
        .unwrap_or_else(|e| panic!("the SARIF schema does not compile: {e:#}"));
    (schemas, index)
}

#[test]
fn sarif_of_every_fixture_is_valid_against_the_official_schema() {
    let (schemas, index) = sarif_validator();
    let paths = RepoPaths::default();
    let mut checked = 0;
    for dir in fixtures() {
        let report = load(&dir);
        assert!(!report.diagnostics.is_empty(), "`{dir}` reports nothing");
        let log = rendered(&report, DiagnosticFormat::Sarif, &paths);
        if let Err(e) = schemas.validate(&log, index) {
            panic!("the SARIF of `{dir}` is not valid: {e:#}");
        }
        // As published from a repository, rules also link to the README's list of codes.
        let linked = sarif::log(
            &report,
            &paths,
            sarif::help_uri("https://example.org/capplan").as_deref(),
        );
        if let Err(e) = schemas.validate(&linked, index) {
            panic!("the SARIF of `{dir}` with help links is not valid: {e:#}");
        }
        checked += report.diagnostics.len();
    }
    assert!(checked > Code::ALL.len());
}

#[test]
fn the_schema_check_can_fail() {
    let (schemas, index) = sarif_validator();
    let report = load("tests/fixtures/codes/schedule-sum-mismatch");
    let mut log = rendered(&report, DiagnosticFormat::Sarif, &RepoPaths::default());
    log["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(schemas.validate(&log, index).is_err());
    let mut log = rendered(&report, DiagnosticFormat::Sarif, &RepoPaths::default());
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    assert!(schemas.validate(&log, index).is_err());
    // Formats are asserted: a help link must be an absolute URI.
    let mut log = rendered(&report, DiagnosticFormat::Sarif, &RepoPaths::default());
    log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = json!("README.md#diagnostic-codes");
    assert!(schemas.validate(&log, index).is_err());
}

#[test]
fn sarif_has_a_rule_for_every_code_with_its_description_and_level() {
    let log = rendered(
        &Report::default(),
        DiagnosticFormat::Sarif,
        &RepoPaths::default(),
    );
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "capplan");
    assert_eq!(run["results"], json!([]));
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Code::ALL.len());
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.name());
        assert_eq!(rule["shortDescription"]["text"], code.description());
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            code.severity().to_string()
        );
    }
    let linked = sarif::log(
        &Report::default(),
        &RepoPaths::default(),
        sarif::help_uri("https://example.org/capplan").as_deref(),
    );
    for rule in linked["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        assert_eq!(
            rule["helpUri"],
            "https://example.org/capplan/blob/HEAD/README.md#diagnostic-codes"
        );
    }
}

#[test]
fn sarif_results_say_rule_level_message_and_region_from_the_repository_root() {
    let report = load("tests/fixtures/codes/duplicate-id");
    // The working directory as the repository root's `tests/` folder: paths gain its name.
    let here = std::env::current_dir().unwrap();
    let root = here.parent().unwrap();
    let paths = RepoPaths::new(root, &here);
    let log = rendered(&report, DiagnosticFormat::Sarif, &paths);
    let result = &log["runs"][0]["results"][0];
    let folder = here.file_name().unwrap().to_string_lossy();
    assert_eq!(result["ruleId"], "duplicate-id");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(Code::ALL[index], Code::DuplicateId);
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["message"]["text"],
        "contract id `acme-2026` is defined more than once\nhelp: give each contract its own id"
    );
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        format!("{folder}/tests/fixtures/codes/duplicate-id/acme.toml")
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        location["region"],
        json!({ "startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 17 })
    );
    // The first definition is a related location.
    let related = &result["relatedLocations"][0];
    assert_eq!(related["id"], 1);
    assert!(related["physicalLocation"]["region"]["startLine"].is_u64());
}

/// Copies a fixture into a scratch folder, with `lines` blank lines and comments put before
/// the first line of each of its files but empty ones (which would then not be empty).
fn shifted(dir: &str, lines: usize) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read(&path).unwrap();
            let mut bytes = Vec::new();
            if !text.is_empty() {
                bytes.extend("# moved down\n\n".repeat(lines / 2).into_bytes());
            }
            bytes.extend(text);
            std::fs::write(out.path().join(path.file_name().unwrap()), bytes).unwrap();
        }
    }
    out
}

fn load_at(dir: &Path) -> Report {
    let mut report = Report::default();
    catalog::load(&CatalogFiles::read_dir(dir).unwrap(), &mut report);
    report.sort();
    report
}

#[test]
fn fingerprints_stay_the_same_when_unrelated_lines_move() {
    let dir = "tests/fixtures/many-problems";
    let before = shifted(dir, 0);
    let after = shifted(dir, 6);
    // Paths relative to each scratch folder, so only the lines differ.
    let at = |d: &tempfile::TempDir| RepoPaths::new(d.path(), d.path());
    let (old, new) = (load_at(before.path()), load_at(after.path()));
    let (old_sarif, new_sarif) = (
        rendered(&old, DiagnosticFormat::Sarif, &at(&before)),
        rendered(&new, DiagnosticFormat::Sarif, &at(&after)),
    );
    let results = |log: &Value| log["runs"][0]["results"].as_array().unwrap().clone();
    let (old_results, new_results) = (results(&old_sarif), results(&new_sarif));
    assert_eq!(old_results.len(), 18);
    assert_eq!(old_results.len(), new_results.len());
    let print = |r: &Value| r["partialFingerprints"][sarif::FINGERPRINT_KEY].clone();
    for (o, n) in old_results.iter().zip(&new_results) {
        assert_eq!(print(o), print(n), "{o:#}\nmoved to\n{n:#}");
        let line =
            |r: &Value| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64();
        if o["ruleId"] != "empty-file" {
            assert_eq!(line(n), line(o).map(|l| l + 6), "the lines did move");
        }
    }
    let mut prints: Vec<String> = old_results.iter().map(|r| print(r).to_string()).collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), old_results.len(), "fingerprints are unique");
    // GitLab's fingerprints are the same ones.
    let gitlab = rendered(&old, DiagnosticFormat::Gitlab, &at(&before));
    let gitlab_prints: Vec<String> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].to_string())
        .collect();
    let sarif_prints: Vec<String> = old_results.iter().map(|r| print(r).to_string()).collect();
    assert_eq!(gitlab_prints, sarif_prints);
}

#[test]
fn a_fingerprint_changes_when_its_own_line_changes() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = "tests/fixtures/codes/float-money";
    for entry in std::fs::read_dir(fixture).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let paths = RepoPaths::new(dir.path(), dir.path());
    let print = |report: &Report| {
        rendered(report, DiagnosticFormat::Sarif, &paths)["runs"][0]["results"][0]
            ["partialFingerprints"][sarif::FINGERPRINT_KEY]
            .clone()
    };
    let before = print(&load_at(dir.path()));
    let file = dir.path().join("acme.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("value_usd = 50000000.0", "value_usd = 60000000.0", 1);
    assert_ne!(text, edited, "the fixture has the line this test edits");
    std::fs::write(&file, edited).unwrap();
    assert_ne!(before, print(&load_at(dir.path())));
}

#[test]
fn gitlab_issues_have_every_field_code_quality_reads() {
    let paths = RepoPaths::default();
    for dir in fixtures() {
        let report = load(&dir);
        let issues = rendered(&report, DiagnosticFormat::Gitlab, &paths);
        let issues = issues.as_array().unwrap();
        assert_eq!(issues.len(), report.diagnostics.len());
        for (issue, d) in issues.iter().zip(&report.diagnostics) {
            assert_eq!(issue["check_name"], d.code.name());
            assert!(
                issue["description"]
                    .as_str()
                    .unwrap()
                    .starts_with(&d.message)
            );
            let fingerprint = issue["fingerprint"].as_str().unwrap();
            assert_eq!(fingerprint.len(), 32);
            assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
            let severity = issue["severity"].as_str().unwrap();
            assert!(["info", "minor", "major", "critical", "blocker"].contains(&severity));
            assert_eq!(severity == "major", d.is_error());
            let path = issue["location"]["path"].as_str().unwrap();
            assert!(path.starts_with(&format!("{dir}/")), "{path}");
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        }
    }
}
