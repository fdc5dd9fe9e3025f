//! The JSON Schemas that editors use (`capplan schema`, committed under `schema/`) against the
//! loader that capplan uses. The loader is the authority; the schemas must agree with it:
//!
//! - key by key: for every table of every schema, a document with every key the schema defines
//!   at that table, plus one key no format has, must make the loader report that one key as
//!   unknown and nothing else, and list exactly the schema's keys as the ones it expected. A key
//!   added to the loader and not to the schema fails this test, and so does the reverse;
//! - value by value: the schemas' patterns accept exactly the strings the loader's parsers
//!   accept (money, durations, ids, selectors, distributions), on many generated strings;
//! - file by file: every shipped contract, portfolio and scenario is valid, and every fixture
//!   of `tests/fixtures/codes` whose problem a schema can express is refused.
//!
//! TOML documents become JSON as editors convert them: a TOML date becomes its string.
//! `CAPPLAN_UPDATE_SCHEMAS=1 cargo test --test schema` rewrites the committed schemas.

use std::collections::BTreeSet;
use std::path::Path;

use boon::{Compiler, SchemaIndex, Schemas};
use capplan::catalog::{self, CatalogFiles};
use capplan::cli::schema::SchemaKind;
use capplan::diagnostic::{Code, Diagnostic, Report};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Where the schemas are registered with the validator; nothing is fetched from it.
const BASE_URL: &str = "https://capplan.invalid/schema/";

/// A key that no table of any format has, and that no known key is close to, so that the
/// loader lists every key it expected instead of guessing one.
const PROBE: &str = "qqqqqqqqqq";

/// A complete, valid contract that has one of every table the contract format has.
const CONTRACT_BASE: &str = r#"
id = "acme-2026"
provider = "Acme"
title = "Acme capacity deal"
start = 2026-01-01
term = "1y"
value_usd = "50M"
spend = "schedule"
payment = { terms = "arrears", every = "1m", lag = "30d" }
actuals = { match = { BillingAccountId = "123456789012" } }

[[tranche]]
id = "first"
hardware = "gb200"
units = 1_000
online_from = 2026-01-01
online_by = 2026-03-01

[[spend_schedule]]
from = 2026-01-01
to = 2027-01-01
amount_usd = "50M"
"#;

/// A complete, valid `portfolio.toml` that has one of every table the format has.
const PORTFOLIO_BASE: &str = r#"
[portfolio]
name = "Probe portfolio"
horizon = { start = 2026-01-01, end = 2031-01-01 }
compute = { reference = "h100", precision = "fp8" }

[[target]]
id = "main"

[[hardware]]
id = "gb200"
kind = "gpu"
watts_per_unit = 1800
rate_usd_per_hour = "6.00"
tflops = { bf16 = 2500, fp8 = 5000 }

[[observed]]
date = 2026-12-31
power_gw = 0.5
"#;

/// A valid scenario that has one of every table the scenario format has.
const SCENARIO_BASE: &str = r#"
remove = ["old-deal"]
remove_workloads = ["old-work"]

[scenario]
name = "probe"

[[adjust]]
select = "*"

[portfolio]
horizon = { start = 2026-01-01, end = 2031-01-01 }
compute = { precision = "bf16" }

[[hardware]]
id = "gb200"
tflops = { fp4 = 10000 }

[[contract]]
id = "acme-2027"
provider = "Acme"
title = "Acme capacity deal"
start = 2027-01-01
term = "1y"
value_usd = "50M"
spend = "schedule"
payment = { terms = "advance" }
actuals = { match = { BillingAccountId = "123456789012" } }

[[contract.tranche]]
id = "first"
hardware = "gb200"
units = 1_000
online_from = 2027-01-01
online_by = 2027-03-01

[[contract.spend_schedule]]
from = 2027-01-01
to = 2028-01-01
amount_usd = "50M"

[[risk]]
select = "*"

[[workload]]
id = "serve"
level = [{ from = 2026-01-01, h100e = 1_000 }]
"#;

/// A valid demand file with a level and a run.
const DEMAND_BASE: &str = r#"
[[workload]]
id = "serve"
level = [{ from = 2026-01-01, h100e = 1_000 }]

[[workload]]
id = "train"
run = { h100e_hours = 1_000_000, earliest = 2027-01-01, deadline = 2027-07-01 }
"#;

/// [`DEMAND_BASE`] with a run first.
const DEMAND_BASE_RUN: &str = r#"
[[workload]]
id = "train"
run = { h100e_hours = 1_000_000, earliest = 2027-01-01, deadline = 2027-07-01 }
"#;

fn base_document(kind: SchemaKind) -> &'static str {
    match kind {
        SchemaKind::Contract => CONTRACT_BASE,
        SchemaKind::Portfolio => PORTFOLIO_BASE,
        SchemaKind::Scenario => SCENARIO_BASE,
        SchemaKind::Demand => DEMAND_BASE,
    }
}

/// What the loader reports on one file of `kind`: a contract is read in a catalog with
/// [`PORTFOLIO_BASE`], a portfolio alone, a scenario by the scenario reader.
fn load(kind: SchemaKind, text: &str) -> Vec<Diagnostic> {
    let mut report = Report::default();
    let file = |name: &str, text: &str| (format!("probe/{name}"), text.as_bytes().to_vec());
    match kind {
        SchemaKind::Contract => {
            let files = CatalogFiles {
                label: "probe".to_owned(),
                files: vec![
                    file("acme.toml", text),
                    file("portfolio.toml", PORTFOLIO_BASE),
                ],
            };
            catalog::load(&files, &mut report);
        }
        SchemaKind::Portfolio => {
            let files = CatalogFiles {
                label: "probe".to_owned(),
                files: vec![file("portfolio.toml", text)],
            };
            catalog::load(&files, &mut report);
        }
        SchemaKind::Scenario => {
            capplan::scenario::read_scenario("probe/scenario.toml", text.into(), &mut report);
        }
        SchemaKind::Demand => {
            let files = CatalogFiles {
                label: "probe".to_owned(),
                files: vec![
                    file("demand.toml", text),
                    file("portfolio.toml", PORTFOLIO_BASE),
                ],
            };
            catalog::load(&files, &mut report);
        }
    }
    report.diagnostics
}

fn describe(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  {}: {}", d.code.name(), d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A TOML document as an editor hands it to a JSON Schema validator: dates become strings.
fn to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => json!(b),
        toml::Value::Datetime(d) => json!(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

fn parse_toml(text: &str) -> toml::Table {
    text.parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("not TOML: {e}\n{text}"))
}

/// The three schemas, compiled once by a validator.
struct Validator {
    schemas: Schemas,
    compiler: Compiler,
}

impl Validator {
    fn new() -> Self {
        let mut compiler = Compiler::new();
        for kind in SchemaKind::ALL {
            let schema = kind.schema().to_value();
            compiler
                .add_resource(&url(kind), schema)
                .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
        }
        Validator {
            schemas: Schemas::new(),
            compiler,
        }
    }

    /// The compiled schema at `location`, such as `contract.schema.json#/definitions/Money`.
    fn index(&mut self, location: &str) -> SchemaIndex {
        self.compiler
            .compile(location, &mut self.schemas)
            .unwrap_or_else(|e| panic!("`{location}` does not compile: {e:#}"))
    }

    /// Why `instance` is invalid against the schema at `location`, or `None` if it is valid.
    fn errors(&mut self, location: &str, instance: &Value) -> Option<String> {
        let index = self.index(location);
        self.schemas
            .validate(instance, index)
            .err()
            .map(|e| format!("{e:#}"))
    }

    fn accepts(&mut self, location: &str, instance: &Value) -> bool {
        self.errors(location, instance).is_none()
    }

    /// Why a TOML document of `kind` is invalid, or `None` if it is valid.
    fn document_errors(&mut self, kind: SchemaKind, text: &str) -> Option<String> {
        let json = to_json(&toml::Value::Table(parse_toml(text)));
        self.errors(&url(kind), &json)
    }
}

thread_local! {
    /// One validator per test thread, for the generated cases.
    static VALIDATOR: std::cell::RefCell<Validator> = std::cell::RefCell::new(Validator::new());
}

/// Whether the schema at `location` accepts `instance`, with this thread's validator.
fn accepts(location: &str, instance: &Value) -> bool {
    VALIDATOR.with(|v| v.borrow_mut().accepts(location, instance))
}

fn url(kind: SchemaKind) -> String {
    format!("{BASE_URL}{}.schema.json", kind.name())
}

// ---------------------------------------------------------------------------------------------
// The committed schemas

#[test]
fn committed_schemas_match_the_code() {
    let update = std::env::var_os("CAPPLAN_UPDATE_SCHEMAS").is_some_and(|v| v == "1");
    for kind in SchemaKind::ALL {
        let path = format!("schema/{}.schema.json", kind.name());
        let generated = kind.json();
        if update {
            std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("{path}: {e}"));
            continue;
        }
        let regenerate = format!(
            "regenerate it with `CAPPLAN_UPDATE_SCHEMAS=1 cargo test --test schema` (or \
             `cargo run -- schema {} > {path}`), and commit it",
            kind.name()
        );
        let Ok(committed) = std::fs::read_to_string(&path) else {
            panic!("`{path}` is missing: {regenerate}");
        };
        if committed != generated {
            let line = committed
                .lines()
                .zip(generated.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
            panic!(
                "`{path}` is out of date (first difference on line {}): {regenerate}",
                line + 1
            );
        }
    }
}

#[test]
fn schemas_are_deterministic_draft_07_with_a_final_newline() {
    for kind in SchemaKind::ALL {
        let text = kind.json();
        assert_eq!(text, kind.json(), "{}", kind.name());
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["$schema"], "http://json-schema.org/draft-07/schema#");
        assert!(
            !text.contains("\"null\""),
            "TOML has no null: {}",
            kind.name()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The schemas and the loader agree on every key of every table

/// A step into a TOML document: a key, or the first element of an array of tables.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    First,
}

fn show(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::First => out.push_str("[0]"),
        }
    }
    if out.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`{out}`")
    }
}

/// A schema after its references: `$ref`, or a lone `allOf` around one.
fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> (&'a Value, Option<String>) {
    let mut pointer = None;
    loop {
        if let Some(Value::String(r)) = node.get("$ref") {
            let p = r.trim_start_matches('#').to_owned();
            node = root
                .pointer(&p)
                .unwrap_or_else(|| panic!("dangling `$ref` {r}"));
            pointer = Some(p);
        } else if let Some(Value::Array(all)) = node.get("allOf")
            && all.len() == 1
            && node.get("properties").is_none()
        {
            node = &all[0];
        } else {
            return (node, pointer);
        }
    }
}

/// One table of a format: where it is in a document, where its schema is, and its schema.
struct TableSchema<'a> {
    path: Vec<Step>,
    pointer: String,
    schema: &'a Value,
}

/// Every table the schema of a format defines, with the path to it in a document.
fn tables(root: &Value) -> Vec<TableSchema<'_>> {
    fn visit<'a>(
        root: &'a Value,
        schema: &'a Value,
        path: Vec<Step>,
        pointer: String,
        out: &mut Vec<TableSchema<'a>>,
    ) {
        out.push(TableSchema {
            path: path.clone(),
            pointer: pointer.clone(),
            schema,
        });
        let Some(Value::Object(properties)) = schema.get("properties") else {
            return;
        };
        for (key, property) in properties {
            let here = format!("{pointer}/properties/{key}");
            let (node, at) = resolve(root, property);
            let mut child = path.clone();
            child.push(Step::Key(key.clone()));
            let (node, at) = match node.get("items") {
                Some(items) => {
                    child.push(Step::First);
                    let (n, a) = resolve(root, items);
                    (n, a.unwrap_or(format!("{here}/items")))
                }
                None => (node, at.unwrap_or(here)),
            };
            if node.get("properties").is_some() {
                visit(root, node, child, at, out);
            }
        }
    }
    let mut out = Vec::new();
    visit(root, root, Vec::new(), String::new(), &mut out);
    out
}

fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The table at `path`, which the base document must have.
fn table_at<'a>(doc: &'a mut toml::Table, path: &[Step], kind: SchemaKind) -> &'a mut toml::Table {
    let mut table = doc;
    for (i, step) in path.iter().enumerate() {
        let missing = || {
            format!(
                "the {} base document has no {}: add one, so that its keys are checked",
                kind.name(),
                show(&path[..=i])
            )
        };
        table = match step {
            Step::Key(k) => match table.get_mut(k) {
                Some(toml::Value::Table(t)) => t,
                Some(toml::Value::Array(a)) if matches!(path.get(i + 1), Some(Step::First)) => {
                    // The array itself; the next step takes its first table.
                    let Some(toml::Value::Table(t)) = a.first_mut() else {
                        panic!("{}", missing())
                    };
                    t
                }
                _ => panic!("{}", missing()),
            },
            Step::First => table,
        };
    }
    table
}

/// A value for a property the base document lacks: the first of its `examples` (every leaf
/// property has some, for editors), as TOML.
fn sample(root: &Value, property: &Value) -> Option<toml::Value> {
    let example = property.get("examples")?.get(0)?;
    as_toml(root, property, example)
}

/// A JSON example as TOML, under its schema: strings of `format: date` become TOML dates, in
/// arrays and inline tables too, as an editor's TOML would have them.
fn as_toml(root: &Value, schema: &Value, example: &Value) -> Option<toml::Value> {
    let (node, _) = resolve(root, schema);
    Some(match example {
        Value::String(s) if node.get("format") == Some(&json!("date")) => {
            toml::Value::Datetime(s.parse().ok()?)
        }
        Value::Array(items) => {
            let item_schema = node.get("items")?;
            toml::Value::Array(
                items
                    .iter()
                    .map(|i| as_toml(root, item_schema, i))
                    .collect::<Option<_>>()?,
            )
        }
        Value::Object(map) => {
            // Named properties, or a map's values (`additionalProperties`).
            let properties = node.get("properties");
            let values = node.get("additionalProperties");
            toml::Value::Table(
                map.iter()
                    .map(|(k, v)| {
                        let schema = properties.and_then(|p| p.get(k)).or(values)?;
                        Some((k.clone(), as_toml(root, schema, v)?))
                    })
                    .collect::<Option<_>>()?,
            )
        }
        other => toml::Value::try_from(other).ok()?,
    })
}

/// The codes of a value that does not parse: an example that draws one is a bad example.
const VALUE_CODES: &[Code] = &[
    Code::WrongType,
    Code::FloatMoney,
    Code::InvalidMoney,
    Code::InvalidDuration,
    Code::InvalidDate,
    Code::InvalidValue,
    Code::InvalidId,
    Code::UnsupportedCurrency,
    Code::InvalidSelector,
    Code::InvalidDistribution,
];

#[test]
fn every_key_of_every_table_is_one_the_loader_reads_and_every_key_it_reads_is_in_the_schema() {
    for kind in SchemaKind::ALL {
        let root = kind.schema().to_value();
        let tables = tables(&root);
        assert!(tables.len() > 1, "{}: no nested tables found", kind.name());
        for table in &tables {
            let at = show(&table.path);
            let names = property_names(table.schema);
            assert!(
                table.schema.get("additionalProperties") == Some(&json!(false)),
                "{} schema, {at}: the loader refuses unknown keys, so the schema must too \
                 (`deny_unknown_fields`)",
                kind.name()
            );
            // Every key of the schema at this table, with the probe beside them.
            // A workload is a level or a run: the run's keys are probed on a run.
            let run = show(&table.path).contains("run");
            let base = match kind {
                SchemaKind::Demand if run => DEMAND_BASE_RUN.to_owned(),
                SchemaKind::Scenario if run => SCENARIO_BASE.replace(
                    "level = [{ from = 2026-01-01, h100e = 1_000 }]",
                    "run = { h100e_hours = 1_000_000, earliest = 2027-01-01, deadline = 2027-07-01 }",
                ),
                _ => base_document(kind).to_owned(),
            };
            let base = base.as_str();
            let mut doc = parse_toml(base);
            let t = table_at(&mut doc, &table.path, kind);
            for (name, property) in table.schema["properties"].as_object().unwrap() {
                if t.contains_key(name) {
                    continue;
                }
                let value = sample(&root, property).unwrap_or_else(|| {
                    panic!(
                        "{} schema, {at}: `{name}` has no example to try, and the base document \
                         does not give it",
                        kind.name()
                    )
                });
                t.insert(name.clone(), value);
            }
            t.insert(PROBE.to_owned(), toml::Value::Boolean(true));
            let text = toml::to_string(&doc).unwrap();
            let diagnostics = load(kind, &text);
            let unknown: Vec<&Diagnostic> = diagnostics
                .iter()
                .filter(|d| d.code == Code::UnknownKey)
                .collect();
            let refused: Vec<&Diagnostic> = unknown
                .iter()
                .copied()
                .filter(|d| !d.message.contains(PROBE))
                .collect();
            assert!(
                refused.is_empty(),
                "{} schema, {at}: the schema has keys that the loader refuses:\n{}\n{text}",
                kind.name(),
                describe(&refused.into_iter().cloned().collect::<Vec<_>>())
            );
            let [probe] = unknown.as_slice() else {
                panic!(
                    "{} schema, {at}: expected the loader to refuse `{PROBE}` once, found:\n{}\n{text}",
                    kind.name(),
                    describe(&diagnostics)
                );
            };
            let help = probe.help.as_deref().unwrap_or_default();
            let listed = help.strip_prefix("expected one of ").unwrap_or_else(|| {
                panic!("the loader's help for an unknown key changed: `{help}`")
            });
            let known: BTreeSet<String> = listed
                .split(", ")
                .map(|k| k.trim_matches('`').to_owned())
                .collect();
            let missing: Vec<_> = known.difference(&names).collect();
            let extra: Vec<_> = names.difference(&known).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{} schema, {at}: the loader reads {missing:?} that the schema lacks, and the \
                 schema has {extra:?} that the loader does not know; update the types in \
                 src/catalog/schema.rs or src/scenario/schema.rs",
                kind.name()
            );
            // The examples tried above are values the loader parses.
            let bad: Vec<Diagnostic> = diagnostics
                .iter()
                .filter(|d| VALUE_CODES.contains(&d.code))
                .cloned()
                .collect();
            assert!(
                bad.is_empty(),
                "{} schema, {at}: an example is a value the loader refuses:\n{}\n{text}",
                kind.name(),
                describe(&bad)
            );
        }
    }
}

#[test]
fn every_example_in_the_schemas_is_valid_against_its_own_property() {
    let mut validator = Validator::new();
    for kind in SchemaKind::ALL {
        let root = kind.schema().to_value();
        for table in tables(&root) {
            let Some(Value::Object(properties)) = table.schema.get("properties") else {
                continue;
            };
            for (name, property) in properties {
                let location = format!("{}#{}/properties/{name}", url(kind), table.pointer);
                for example in property
                    .get("examples")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(e) = validator.errors(&location, example) {
                        panic!("{location}: example {example} is invalid: {e}");
                    }
                }
            }
        }
    }
}

#[test]
fn base_documents_are_valid_for_the_loader_and_the_schema() {
    let mut validator = Validator::new();
    for kind in SchemaKind::ALL {
        let text = base_document(kind);
        let diagnostics = load(kind, text);
        assert!(
            diagnostics.iter().all(|d| !d.is_error()),
            "{}:\n{}",
            kind.name(),
            describe(&diagnostics)
        );
        if let Some(e) = validator.document_errors(kind, text) {
            panic!("{}: {e}", kind.name());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shipped files are valid

fn toml_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn kind_of_catalog_file(path: &Path) -> SchemaKind {
    if path.file_name().is_some_and(|n| n == "demand.toml") {
        SchemaKind::Demand
    } else if path.file_name().is_some_and(|n| n == "portfolio.toml") {
        SchemaKind::Portfolio
    } else {
        SchemaKind::Contract
    }
}

#[test]
fn every_shipped_contract_portfolio_and_scenario_is_valid() {
    let mut validator = Validator::new();
    let mut checked = 0;
    for dir in [
        "contracts",
        "examples/starter",
        "examples/scenarios",
        "examples/demand",
    ] {
        for path in toml_files(dir) {
            let kind = if dir == "examples/scenarios" {
                SchemaKind::Scenario
            } else {
                kind_of_catalog_file(&path)
            };
            let text = std::fs::read_to_string(&path).unwrap();
            if let Some(e) = validator.document_errors(kind, &text) {
                panic!(
                    "{} is invalid for the {} schema: {e}",
                    path.display(),
                    kind.name()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 12 + 1 + 3 + 6, "only {checked} files checked");
}

#[test]
fn the_loader_reads_a_file_that_starts_with_a_schema_directive() {
    // `#:schema PATH` is how Taplo and Even Better TOML learn a file's schema: a TOML comment.
    let contract = format!("#:schema ../schema/contract.schema.json\n{CONTRACT_BASE}");
    let portfolio = format!("#:schema ../schema/portfolio.schema.json\n{PORTFOLIO_BASE}");
    let scenario = format!("#:schema ../schema/scenario.schema.json\n{SCENARIO_BASE}");
    for (kind, text) in [
        (SchemaKind::Contract, contract),
        (SchemaKind::Portfolio, portfolio),
        (SchemaKind::Scenario, scenario),
    ] {
        let diagnostics = load(kind, &text);
        assert!(diagnostics.is_empty(), "{}", describe(&diagnostics));
        assert!(Validator::new().document_errors(kind, &text).is_none());
    }
}

/// Whether a relative path matches a glob of `.taplo.toml`: `*` within a folder name, `**` for
/// any number of folders (the forms the file uses).
fn glob_matches(pattern: &str, path: &str) -> bool {
    fn segments(pattern: &[&str], path: &[&str]) -> bool {
        match (pattern.first(), path.first()) {
            (None, None) => true,
            (Some(&"**"), _) => {
                segments(&pattern[1..], path) || (!path.is_empty() && segments(pattern, &path[1..]))
            }
            (Some(p), Some(name)) => segment(p, name) && segments(&pattern[1..], &path[1..]),
            _ => false,
        }
    }
    fn segment(pattern: &str, name: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == name,
            Some((head, tail)) => {
                name.len() >= head.len() + tail.len()
                    && name.starts_with(head)
                    && name.ends_with(tail)
            }
        }
    }
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    segments(&pattern, &path)
}

#[test]
fn the_taplo_configuration_gives_every_shipped_file_its_schema() {
    let config = parse_toml(&std::fs::read_to_string(".taplo.toml").unwrap());
    let rules = config["rule"].as_array().unwrap();
    let globs = |rule: &toml::Value, key: &str| -> Vec<String> {
        rule.get(key)
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().map(|g| g.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    for dir in ["contracts", "examples/starter", "examples/scenarios"] {
        for path in toml_files(dir) {
            let path = path.display().to_string();
            let kind = if dir == "examples/scenarios" {
                SchemaKind::Scenario
            } else {
                kind_of_catalog_file(Path::new(&path))
            };
            let schemas: Vec<&str> = rules
                .iter()
                .filter(|r| globs(r, "include").iter().any(|g| glob_matches(g, &path)))
                .filter(|r| !globs(r, "exclude").iter().any(|g| glob_matches(g, &path)))
                .map(|r| r["schema"]["path"].as_str().unwrap())
                .collect();
            let expected = format!("schema/{}.schema.json", kind.name());
            assert_eq!(schemas, [expected.as_str()], "{path}");
        }
    }
    // The README shows the rules as they are.
    let readme = std::fs::read_to_string("README.md").unwrap();
    let text = std::fs::read_to_string(".taplo.toml").unwrap();
    let rules_text = &text[text.find("[[rule]]").unwrap()..];
    assert!(
        readme.contains(&format!("```toml\n{rules_text}```")),
        "README.md's `.taplo.toml` differs from the file"
    );
}

// ---------------------------------------------------------------------------------------------
// Invalid fixtures are refused

/// The fixtures of `tests/fixtures/codes` whose problem the schema can express: the file, which
/// schema it is checked with, and a word of the validator's explanation.
const SCHEMA_CHECKED: &[(&str, &str, SchemaKind, &str)] = &[
    // `additionalProperties: false` on every table.
    ("unknown-key", "acme.toml", SchemaKind::Contract, "'note'"),
    // A contract file that holds `[portfolio]`: a key the contract format does not have.
    (
        "duplicate-portfolio",
        "acme.toml",
        SchemaKind::Contract,
        "'portfolio'",
    ),
    // `required`.
    (
        "missing-key",
        "acme.toml",
        SchemaKind::Contract,
        "'provider'",
    ),
    ("empty-file", "acme.toml", SchemaKind::Contract, "'id'"),
    // `type`.
    (
        "wrong-type",
        "acme.toml",
        SchemaKind::Contract,
        "/estimated",
    ),
    // `pattern`.
    (
        "invalid-money",
        "acme.toml",
        SchemaKind::Contract,
        "/value_usd",
    ),
    (
        "invalid-duration",
        "acme.toml",
        SchemaKind::Contract,
        "/term",
    ),
    ("invalid-id", "acme.toml", SchemaKind::Contract, "/id"),
    (
        "invalid-selector",
        "scenario.toml",
        SchemaKind::Scenario,
        "/adjust/0/select",
    ),
    // `enum`.
    (
        "invalid-value",
        "acme.toml",
        SchemaKind::Contract,
        "/status",
    ),
    (
        "unsupported-currency",
        "portfolio.toml",
        SchemaKind::Portfolio,
        "/portfolio/currency",
    ),
    // `minimum`.
    (
        "non-positive",
        "acme.toml",
        SchemaKind::Contract,
        "/tranche/0/units",
    ),
    // `anyOf` and `oneOf` of `required`, and `if`/`then`.
    ("missing-term", "acme.toml", SchemaKind::Contract, "'term'"),
    (
        "tranche-quantity",
        "acme.toml",
        SchemaKind::Contract,
        "/tranche/0",
    ),
    // `oneOf` of the measures.
    (
        "observation-measure",
        "portfolio.toml",
        SchemaKind::Portfolio,
        "/observed/0",
    ),
    (
        "missing-schedule",
        "acme.toml",
        SchemaKind::Contract,
        "'spend_schedule'",
    ),
    (
        "unexpected-schedule",
        "acme.toml",
        SchemaKind::Contract,
        "'spend'",
    ),
];

/// The codes whose fixture the schema cannot refuse, and why. `capplan validate` reports them
/// all; an editor with the schema reports the others as the file is typed.
const NOT_SCHEMA_CHECKED: &[(&str, &str)] = &[
    (
        "workload-need",
        "a choice of one key of two (`level` or `run`, `flop` or `h100e_hours`), which the \
         demand schema leaves to the loader so that an editor offers both",
    ),
    (
        "control-character",
        "a character class inside any string of every file, which a schema pattern on each \
         string would have to repeat; editors show such characters anyway",
    ),
    (
        "focus-file",
        "a FOCUS cost file of `actuals/`, which is not TOML and has no schema here",
    ),
    (
        "focus-column",
        "a FOCUS cost file of `actuals/`, which is not TOML and has no schema here",
    ),
    (
        "focus-value",
        "a FOCUS cost file of `actuals/`, which is not TOML and has no schema here",
    ),
    (
        "ambiguous-actual",
        "two contracts' match tables both holding for one cost row: a relation between files \
         and data that no schema of one file describes",
    ),
    (
        "delivery-reference",
        "`actuals/deliveries.csv`, which is not TOML and has no schema here",
    ),
    (
        "delivery-value",
        "`actuals/deliveries.csv`, which is not TOML and has no schema here",
    ),
    (
        "demand-order",
        "the order of dates in an array, and in a demand file, which no schema here describes",
    ),
    (
        "missing-compute",
        "a warning: a `gpu` profile without `tflops` is a valid profile that compute figures \
         leave out, so the schema accepts it",
    ),
    (
        "too-many-tranches",
        "a cap that guards memory, on one contract and across the whole catalog after scenarios; \
         the catalog-wide count is beyond any one file's schema",
    ),
    (
        "float-money",
        "JSON has one kind of number: a TOML float with no fraction, like the fixture's \
         `50000000.0`, is the integer 50000000 to a schema; a float with a fraction is refused \
         (see `values_the_fixtures_do_not_show`)",
    ),
    (
        "invalid-distribution",
        "the fixture's bounds are out of order, a relation between values; the distribution's \
         syntax is checked by a pattern",
    ),
    (
        "invalid-date",
        "the TOML parser refuses a date that does not exist before any schema applies; a date \
         with a time or an offset is refused by a pattern",
    ),
    ("not-utf8", "the file is not text: no TOML parser reads it"),
    ("toml-syntax", "the file is not TOML: no schema applies"),
    (
        "overflow",
        "the size of an exact amount after scaling is not a pattern",
    ),
    (
        "missing-portfolio",
        "a property of a catalog folder, not of a file",
    ),
    (
        "duplicate-id",
        "ids unique across files, or across the tables of a file, are beyond JSON Schema",
    ),
    (
        "unknown-hardware",
        "a tranche's hardware must be defined in another file, `portfolio.toml`",
    ),
    (
        "unmatched-selector",
        "what a selector matches depends on the catalog",
    ),
    (
        "empty-term",
        "a relation between dates (`end` after `start`, a positive `term` is a pattern)",
    ),
    ("term-end-mismatch", "calendar arithmetic on `start + term`"),
    ("online-order", "a relation between two dates"),
    (
        "tranche-outside-term",
        "a relation between a tranche's dates and its contract's",
    ),
    ("empty-tranche", "a relation between two dates"),
    (
        "schedule-sum-mismatch",
        "a sum of amounts compared with another",
    ),
    ("schedule-overlap", "a relation between schedule windows"),
    (
        "schedule-outside-term",
        "a relation between schedule windows and the term",
    ),
    (
        "no-capacity",
        "whether a tranche delivers any unit depends on its hardware and the portfolio",
    ),
    (
        "implied-price",
        "a warning, and arithmetic across files; a schema can only refuse",
    ),
    (
        "above-target",
        "a warning, and a sum over every contract of the catalog",
    ),
    (
        "source-not-url",
        "a warning; a schema can only refuse, so `sources` takes any string",
    ),
    (
        "never-full-capacity",
        "a warning, and a relation between dates",
    ),
    (
        "payment-interval-too-long",
        "calendar arithmetic: an interval compared with the term",
    ),
    (
        "useful-life-mismatch",
        "a relation between two keys, left to `capplan validate` so that its message can say which \
         key to add or drop",
    ),
    (
        "payment-after-horizon",
        "a warning, and calendar arithmetic across files (the horizon is in `portfolio.toml`)",
    ),
    (
        "observation-mismatch",
        "a warning, and the projection of the whole catalog",
    ),
    (
        "slip-outside-term",
        "a warning, and a relation between a slip and the dates of the tranches it selects, \
         in other files",
    ),
];

#[test]
fn every_diagnostic_code_is_either_schema_checked_or_explained() {
    let checked: BTreeSet<&str> = SCHEMA_CHECKED.iter().map(|(c, ..)| *c).collect();
    let explained: BTreeSet<&str> = NOT_SCHEMA_CHECKED.iter().map(|(c, _)| *c).collect();
    assert!(checked.is_disjoint(&explained));
    let listed: BTreeSet<&str> = checked.union(&explained).copied().collect();
    let all: BTreeSet<&str> = Code::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        listed, all,
        "a code is listed in neither SCHEMA_CHECKED nor NOT_SCHEMA_CHECKED"
    );
}

fn fixture(code: &str, file: &str) -> String {
    let path = format!("tests/fixtures/codes/{code}/{file}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_schema_refuses_every_fixture_whose_problem_it_can_express() {
    let mut validator = Validator::new();
    for (code, file, kind, word) in SCHEMA_CHECKED {
        let text = fixture(code, file);
        let Some(errors) = validator.document_errors(*kind, &text) else {
            panic!(
                "the {} schema accepts the `{code}` fixture {file}",
                kind.name()
            );
        };
        assert!(
            errors.contains(word),
            "`{code}`: the validator's explanation does not mention {word}:\n{errors}"
        );
    }
}

#[test]
fn the_schema_accepts_the_fixtures_it_cannot_check() {
    // They are refused by `capplan validate` only; if the schema starts refusing one, move its
    // code to SCHEMA_CHECKED.
    let mut validator = Validator::new();
    for (code, _) in NOT_SCHEMA_CHECKED {
        let dir = format!("tests/fixtures/codes/{code}");
        if *code == "too-many-tranches" {
            continue; // no fixture: tests/limits.rs makes its 10,001 tranches
        }
        let (files, kind) = if Path::new(&dir).join("scenario.toml").exists() {
            (
                vec![Path::new(&dir).join("scenario.toml")],
                SchemaKind::Scenario,
            )
        } else {
            (toml_files(&dir), SchemaKind::Contract)
        };
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // not UTF-8
            };
            let Ok(doc) = text.parse::<toml::Table>() else {
                continue; // not TOML, or a date the TOML parser refuses
            };
            let kind = if kind == SchemaKind::Scenario {
                kind
            } else {
                kind_of_catalog_file(&path)
            };
            let json = to_json(&toml::Value::Table(doc));
            if let Some(e) = validator.errors(&url(kind), &json) {
                panic!(
                    "the {} schema refuses {} (`{code}`), which NOT_SCHEMA_CHECKED says it \
                     cannot: {e}",
                    kind.name(),
                    path.display()
                );
            }
        }
    }
}

#[test]
fn values_the_fixtures_do_not_show() {
    let mut validator = Validator::new();
    let refused_contracts = [
        // A float with a fraction for money.
        CONTRACT_BASE.replace("value_usd = \"50M\"", "value_usd = 50000000.5"),
        // Money with a `$`, with three decimals, negative.
        CONTRACT_BASE.replace("value_usd = \"50M\"", "value_usd = \"$50M\""),
        CONTRACT_BASE.replace("value_usd = \"50M\"", "value_usd = \"50.125\""),
        CONTRACT_BASE.replace("value_usd = \"50M\"", "value_usd = \"-50M\""),
        CONTRACT_BASE.replace("value_usd = \"50M\"", "value_usd = -50_000_000"),
        // A term that is not positive.
        CONTRACT_BASE.replace("term = \"1y\"", "term = \"0y\""),
        // A date with a time.
        CONTRACT_BASE.replace("start = 2026-01-01", "start = 2026-01-01T00:00:00"),
        // A PUE below 1.
        CONTRACT_BASE.replace("spend = \"schedule\"", "spend = \"schedule\"\npue = 0.9"),
        // A tranche with neither units nor power.
        CONTRACT_BASE.replace("units = 1_000\n", ""),
        // Both.
        CONTRACT_BASE.replace("units = 1_000", "units = 1_000\npower_mw = 2"),
        // A ramp that is not one.
        CONTRACT_BASE.replace("units = 1_000", "units = 1_000\nramp = \"exponential\""),
    ];
    for text in &refused_contracts {
        assert!(
            validator
                .document_errors(SchemaKind::Contract, text)
                .is_some(),
            "accepted:\n{text}"
        );
    }
    let refused_portfolios = [
        PORTFOLIO_BASE.replace(
            "name = \"Probe portfolio\"",
            "name = \"P\"\nfiscal_year_start_month = 13",
        ),
        PORTFOLIO_BASE.replace("kind = \"gpu\"", "kind = \"tpu\""),
        PORTFOLIO_BASE.replace("watts_per_unit = 1800", "watts_per_unit = 0"),
    ];
    for text in &refused_portfolios {
        assert!(
            validator
                .document_errors(SchemaKind::Portfolio, text)
                .is_some(),
            "accepted:\n{text}"
        );
    }
    let refused_scenarios = [
        SCENARIO_BASE.replace(
            "[[risk]]\nselect = \"*\"",
            "[[risk]]\nselect = \"*\"\ncancel = 1.5",
        ),
        SCENARIO_BASE.replace(
            "[[risk]]\nselect = \"*\"",
            "[[risk]]\nselect = \"*\"\nslip = \"normal(0d, 1m)\"",
        ),
        SCENARIO_BASE.replace(
            "[[adjust]]\nselect = \"*\"",
            "[[adjust]]\nselect = \"*\"\nscale_units = 0",
        ),
        SCENARIO_BASE.replace(
            "[scenario]\nname = \"probe\"",
            "[scenario]\nname = \"probe\"\nnote = \"x\"",
        ),
        // A scenario needs its `[scenario]` table.
        SCENARIO_BASE.replace("[scenario]\nname = \"probe\"", ""),
    ];
    for text in &refused_scenarios {
        assert!(
            validator
                .document_errors(SchemaKind::Scenario, text)
                .is_some(),
            "accepted:\n{text}"
        );
    }
    // And what the loader takes, the schema takes.
    let accepted_contracts = [
        CONTRACT_BASE.replace("value_usd = \"50M\"", "value_usd = 50_000_000"),
        CONTRACT_BASE.replace("value_usd = \"50M\"", "value_usd = \"50,000,000.00\""),
        CONTRACT_BASE.replace("term = \"1y\"", "end = 2027-01-01"),
        CONTRACT_BASE.replace("term = \"1y\"", "term = \"1y\"\nend = 2027-01-01"),
        CONTRACT_BASE.replace("units = 1_000", "power_mw = 2.5"),
    ];
    for text in &accepted_contracts {
        let diagnostics = load(SchemaKind::Contract, text);
        assert!(
            diagnostics.iter().all(|d| !d.is_error()),
            "the loader refuses:\n{text}\n{}",
            describe(&diagnostics)
        );
        if let Some(e) = validator.document_errors(SchemaKind::Contract, text) {
            panic!("refused: {e}\n{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The patterns accept what the parsers accept

fn definition(kind: SchemaKind, name: &str) -> String {
    format!("{}#/definitions/{name}", url(kind))
}

/// Strings near a format: mostly well-formed, with a few characters that are not.
fn near(valid: &'static str, noise: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::string::string_regex(valid).unwrap(),
        1 => proptest::string::string_regex(noise).unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_money_pattern_accepts_what_parse_money_accepts(
        s in near(
            r" ?[0-9]{1,4}([_,][0-9]{1,3}){0,2}(\.[0-9]{0,16})?[KMBTk]? ?",
            r"[-$ 0-9_,.KMBT]{0,10}",
        )
    ) {
        use capplan::catalog::value::{MoneyError, parse_money};
        let loader = !s.trim().starts_with('-')
            && !matches!(parse_money(&s), Err(MoneyError::Malformed(_) | MoneyError::TooPrecise(_)));
        let schema = accepts(&definition(SchemaKind::Contract, "Money"), &json!(s));
        prop_assert_eq!(schema, loader, "{:?}", s);
    }

    #[test]
    fn the_duration_patterns_accept_what_the_duration_parser_accepts(
        s in near(r" ?[-+]?0{0,2}[0-9]{1,9}[dwmqyx] ?", r"[-+ 0-9dwmqy.]{0,6}")
    ) {
        use capplan::catalog::value::Duration;
        let parsed = s.parse::<Duration>();
        let duration = accepts(&definition(SchemaKind::Scenario, "Duration"), &json!(s));
        prop_assert_eq!(duration, parsed.is_ok(), "{:?}", s);
        let term = accepts(&definition(SchemaKind::Contract, "Term"), &json!(s));
        prop_assert_eq!(term, parsed.is_ok_and(|d| d.is_positive()), "{:?}", s);
    }

    #[test]
    fn the_id_pattern_accepts_what_is_valid_id_accepts(
        s in near(r"[a-z0-9-]{1,6}", r"[-a-zA-Z0-9_ .]{0,6}")
    ) {
        let schema = accepts(&definition(SchemaKind::Contract, "Id"), &json!(s));
        prop_assert_eq!(schema, capplan::catalog::value::is_valid_id(&s), "{:?}", s);
    }

    #[test]
    fn the_selector_pattern_accepts_what_selectors_parse(
        s in near(
            r" ?((contract|provider|hardware|tranche|vendor) ?: ?)?([a-z0-9-]{0,4}(/[a-z0-9-]{0,3})?|\*|[A-Z][a-z]{0,3}( [A-Z][a-z]{0,3})?) ?",
            r"[-a-zA-Z0-9:/* ]{0,8}",
        )
    ) {
        let schema = accepts(&definition(SchemaKind::Scenario, "Selector"), &json!(s));
        prop_assert_eq!(schema, capplan::scenario::Selector::parse(&s).is_some(), "{:?}", s);
    }

    #[test]
    fn the_distribution_pattern_accepts_what_parse_slip_accepts(
        s in near(
            r" ?(fixed|uniform|triangular|normal) ?\( ?[-+]?[0-9]{1,2}[dwmqy] ?(, ?[-+]?[0-9]{1,2}[dwmqy] ?){0,3}\) ?",
            r"[a-z(), 0-9]{0,12}",
        )
    ) {
        let schema = accepts(&definition(SchemaKind::Scenario, "Distribution"), &json!(s));
        match capplan::scenario::parse::parse_slip(&s) {
            Ok(_) => prop_assert!(schema, "the pattern refuses {:?}", s),
            // Out of order bounds are well-formed: the pattern takes them, the loader does not.
            Err(e) if e.contains("out of order") || e.contains("MIN <= MODE") => {
                prop_assert!(schema, "the pattern refuses {:?}", s)
            }
            Err(_) => prop_assert!(!schema, "the pattern accepts {:?}", s),
        }
    }
}
