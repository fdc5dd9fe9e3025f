//! The outputs people open elsewhere: Excel workbooks read back with calamine, SVG charts parsed
//! as XML, PNG charts decoded, and the HTML page checked for being self-contained. Each is
//! compared with the JSON report of the same command, which the other tests pin.

use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_decimal::Decimal;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

/// Runs capplan from the repository root: (exit code, stdout bytes, stderr).
fn run(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(BIN)
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CAPPLAN_CATALOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("capplan runs");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_slice(&out).expect("JSON")
}

fn workbook(path: &Path) -> Xlsx<Cursor<Vec<u8>>> {
    let bytes = fs::read(path).expect("the workbook was written");
    open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine reads")
}

/// The rows of a sheet as maps from the header row's names to cells.
fn sheet_rows(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<(String, Data)>> {
    let range = book.worksheet_range(name).expect("the sheet exists");
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .expect("a header row")
        .iter()
        .map(|c| c.to_string())
        .collect();
    rows.map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn decimal_of(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().expect("a decimal string"),
        Value::Number(n) => n.to_string().parse().expect("a number"),
        other => panic!("not a number: {other}"),
    }
}

/// Whether a JSON field is a figure, which a workbook must hold as a number.
fn is_figure(name: &str) -> bool {
    ["_usd", "_mw", "_pct", "_hour", "probability", "delta"]
        .iter()
        .any(|s| name.ends_with(s) || name.starts_with(s))
}

/// Checks every numeric cell of a workbook sheet against the JSON report's row: numbers are
/// stored as numbers, equal at the precision the JSON gives (percentages as fractions).
fn assert_sheet_matches(rows: &[Vec<(String, Data)>], report: &Value) {
    let expected = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), expected.len(), "one sheet row per report row");
    for (row, want) in rows.iter().zip(expected) {
        for (name, cell) in row {
            let want = &want[name.as_str()];
            match want {
                Value::Null => assert_eq!(*cell, Data::Empty, "{name}"),
                Value::Bool(b) => assert_eq!(*cell, Data::Bool(*b), "{name}"),
                Value::Number(_) => {
                    let Data::Float(f) = cell else {
                        panic!("{name}: {cell:?} is not a number")
                    };
                    assert_eq!(
                        Decimal::from_f64_retain(*f).map(|d| d.normalize()),
                        Some(decimal_of(want).normalize()),
                        "{name}"
                    );
                }
                Value::String(_) if is_figure(name) || matches!(cell, Data::Float(_)) => {
                    let Data::Float(f) = cell else {
                        panic!("{name}: {cell:?} is not a number")
                    };
                    let want = decimal_of(want);
                    let (got, dp) = if name.ends_with("_pct") {
                        (Decimal::from_f64_retain(*f * 100.0).expect("finite"), 2)
                    } else {
                        (Decimal::from_f64_retain(*f).expect("finite"), want.scale())
                    };
                    assert_eq!(got.round_dp(dp), want, "{name}");
                }
                Value::String(s) if s.len() == 10 && s.as_bytes()[4] == b'-' => {
                    let Data::DateTime(d) = cell else {
                        panic!("{name}: {cell:?} is not a date")
                    };
                    // Excel counts days from 1899-12-30.
                    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date");
                    let date = (epoch + chrono::Days::new(d.as_f64() as u64)).to_string();
                    assert_eq!(&date, s, "{name}");
                }
                Value::String(s) => assert_eq!(cell.to_string(), *s, "{name}"),
                other => panic!("{name}: unexpected {other}"),
            }
        }
    }
}

/// The XML of one part of a workbook.
fn workbook_part(path: &Path, part: &str) -> Option<String> {
    let mut zip = zip::ZipArchive::new(fs::File::open(path).ok()?).ok()?;
    let mut text = String::new();
    zip.by_name(part).ok()?.read_to_string(&mut text).ok()?;
    Some(text)
}

#[test]
fn every_report_as_xlsx_holds_the_json_report_s_numbers() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let risk = [
        "--scenario",
        "examples/scenarios/delivery-risk.toml",
        "risk",
        "--samples",
        "500",
        "--by",
        "year",
    ];
    let compare = [
        "--scenario",
        "examples/scenarios/aws-slip.toml",
        "compare",
        "--by",
        "year",
    ];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("plan", vec!["plan"]),
        (
            "capacity",
            vec!["capacity", "--group-by", "provider", "--by", "year"],
        ),
        ("spend", vec!["spend", "--group-by", "contract"]),
        ("contracts", vec!["contracts"]),
        ("risk", risk.to_vec()),
        ("compare", compare.to_vec()),
        ("sensitivity", vec!["sensitivity", "--metric", "gw@2028Q4"]),
    ];
    for (name, args) in cases {
        let path = dir.path().join(format!("{name}.xlsx"));
        let mut all = vec!["--output", path.to_str().expect("UTF-8")];
        all.extend_from_slice(&args);
        let (code, out, err) = run(&all);
        let wrote = format!("wrote `{}`\n", path.display());
        assert_eq!(
            (code, out.len(), err.as_str()),
            (0, 0, wrote.as_str()),
            "{name}"
        );
        let mut book = workbook(&path);
        let report = json(&args);
        let sheet = report["report"].as_str().expect("a report name").to_owned();
        let rows = sheet_rows(&mut book, &sheet);
        assert_sheet_matches(&rows, &report);
        let xml = workbook_part(&path, "xl/worksheets/sheet1.xml").expect("the first sheet");
        assert!(
            xml.contains("state=\"frozen\""),
            "{name}: the header row is frozen"
        );
        assert!(xml.contains("<cols>"), "{name}: columns have widths");
        if report.get("summary").is_some() {
            assert!(
                book.sheet_names().contains(&format!("{sheet} summary")),
                "{name}"
            );
        }
    }
}

#[test]
fn xlsx_formats_money_counts_and_percentages() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("plan.xlsx");
    let (code, _, err) = run(&["plan", "-o", path.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{err}");
    let styles = workbook_part(&path, "xl/styles.xml").expect("styles");
    for format in ["$#,##0.00", "#,##0", "0.00%", "#,##0.000"] {
        assert!(
            styles.contains(&format!("formatCode=\"{format}\""))
                || format == "0.00%" && styles.contains("numFmtId=\"10\""),
            "{format}"
        );
    }
}

#[test]
fn xlsx_bytes_are_the_same_on_every_run() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let a = dir.path().join("a.xlsx");
    let b = dir.path().join("b.xlsx");
    for p in [&a, &b] {
        let (code, _, err) = run(&["export", "xlsx", p.to_str().expect("UTF-8")]);
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(fs::read(&a).expect("a"), fs::read(&b).expect("b"));
}

#[test]
fn the_export_workbook_has_every_sheet_and_a_native_chart_of_the_ramp() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("plan.xlsx");
    let p = path.to_str().expect("UTF-8");
    let (code, out, err) = run(&[
        "--scenario",
        "examples/scenarios/aws-slip.toml",
        "export",
        "xlsx",
        p,
        "--by",
        "year",
    ]);
    assert_eq!(code, 0, "{err}");
    // What was written is said on standard error; standard output stays empty.
    assert!(out.is_empty());
    assert_eq!(
        err,
        format!("wrote `{p}`: sheets plan, capacity, spend, contracts, compare, ramp\n")
    );
    let mut book = workbook(&path);
    let names = book.sheet_names();
    for sheet in [
        "plan",
        "plan summary",
        "capacity",
        "spend",
        "contracts",
        "compare",
        "ramp",
    ] {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
    let scenario = ["--scenario", "examples/scenarios/aws-slip.toml"];
    let with = |args: &[&str]| -> Value {
        let mut all = scenario.to_vec();
        all.extend_from_slice(args);
        json(&all)
    };
    assert_sheet_matches(
        &sheet_rows(&mut book, "plan"),
        &with(&["plan", "--by", "year"]),
    );
    let capacity = with(&["capacity", "--group-by", "provider", "--by", "year"]);
    assert_sheet_matches(&sheet_rows(&mut book, "capacity"), &capacity);
    assert_sheet_matches(
        &sheet_rows(&mut book, "spend"),
        &with(&["spend", "--group-by", "provider", "--by", "year"]),
    );
    assert_sheet_matches(
        &sheet_rows(&mut book, "compare"),
        &with(&["compare", "--by", "year"]),
    );
    // The ramp: one column per provider of facility GW, the capacity report's MW / 1000.
    let ramp = sheet_rows(&mut book, "ramp");
    for row in capacity["rows"].as_array().expect("rows") {
        let period = row["period"].as_str().expect("a period");
        let provider = row["group"].as_str().expect("a group");
        let line = ramp
            .iter()
            .find(|r| r[0].1 == Data::String(period.to_owned()))
            .expect("a ramp row per period");
        let (_, cell) = line
            .iter()
            .find(|(h, _)| *h == format!("{provider} (GW)"))
            .expect("a ramp column per provider");
        let Data::Float(gw) = cell else {
            panic!("{cell:?}")
        };
        let mw = decimal_of(&row["power_mw"]);
        assert_eq!(
            Decimal::from_f64_retain(*gw * 1000.0)
                .expect("finite")
                .round_dp(3),
            mw
        );
    }
    let chart = workbook_part(&path, "xl/charts/chart1.xml").expect("a native chart");
    assert!(chart.contains("<c:areaChart>") && chart.contains("<c:grouping val=\"stacked\"/>"));
    assert!(chart.contains("Facility power by provider"));
}

fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect()
}

fn count_tag(svg: &str, tag: &str) -> usize {
    roxmltree::Document::parse(svg)
        .expect("XML")
        .descendants()
        .filter(|n| n.has_tag_name(tag))
        .count()
}

#[test]
fn the_capacity_chart_stacks_every_provider_against_the_target() {
    let (code, svg, err) = run(&["chart", "capacity", "--by", "year"]);
    assert_eq!(code, 0, "{err}");
    let svg = String::from_utf8(svg).expect("UTF-8");
    let texts = svg_texts(&svg);
    let report = json(&["capacity", "--group-by", "provider", "--by", "year"]);
    let mut providers: Vec<&str> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["group"].as_str().expect("a group"))
        .collect();
    providers.sort();
    providers.dedup();
    for p in &providers {
        assert!(texts.iter().any(|t| t == p), "legend names {p}");
    }
    for label in [
        "Facility power by provider",
        "facility power at the period's end (GW)",
        "year",
        "2026",
        "2033",
        "target altman-2025 (30 GW)",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    // One area per provider, each drawn as a polygon, plus one legend swatch each.
    assert_eq!(count_tag(&svg, "polygon"), providers.len());
    let (_, again, _) = run(&["chart", "capacity", "--by", "year"]);
    assert_eq!(
        svg.as_bytes(),
        again.as_slice(),
        "the same bytes on every run"
    );
}

#[test]
fn the_spend_risk_and_compare_charts_hold_their_series() {
    let (code, svg, err) = run(&["chart", "spend"]);
    assert_eq!(code, 0, "{err}");
    let texts = svg_texts(&String::from_utf8(svg).expect("UTF-8"));
    for label in [
        "Cumulative spend by provider",
        "target altman-2025 ($1.40T)",
        "target investors-2026 ($600.00B)",
        "$1.40T",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    let (code, svg, err) = run(&[
        "--scenario",
        "examples/scenarios/delivery-risk.toml",
        "chart",
        "risk",
        "--samples",
        "300",
    ]);
    assert_eq!(code, 0, "{err}");
    let texts = svg_texts(&String::from_utf8(svg).expect("UTF-8"));
    for label in [
        "Facility power under delivery risk",
        "P10 to P90",
        "P50",
        "target altman-2025 (30 GW)",
        "2027Q1",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    let (code, svg, err) = run(&[
        "--scenario",
        "examples/scenarios/aws-slip.toml",
        "--scenario",
        "examples/scenarios/oracle-80pct.toml",
        "chart",
        "compare",
        "--measure",
        "cumulative-spend",
    ]);
    assert_eq!(code, 0, "{err}");
    let svg = String::from_utf8(svg).expect("UTF-8");
    let texts = svg_texts(&svg);
    for label in [
        "Cumulative spend: baseline and scenarios",
        "baseline",
        "aws-slip",
        "oracle-80pct",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    // One line per group, and one legend line each, in the series' widths.
    let lines = roxmltree::Document::parse(&svg)
        .expect("XML")
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| matches!(n.attribute("stroke-width"), Some("3" | "6")))
        .count();
    assert_eq!(lines, 2 * 3);
}

#[test]
fn a_png_chart_is_a_png_of_the_chart_s_size() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("ramp.png");
    let (code, out, err) = run(&["chart", "capacity", "-o", path.to_str().expect("UTF-8")]);
    let wrote = format!("wrote `{}`\n", path.display());
    assert_eq!((code, out.len(), err.as_str()), (0, 0, wrote.as_str()));
    let decoder = png::Decoder::new(std::io::BufReader::new(
        fs::File::open(&path).expect("written"),
    ));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    assert_eq!((info.width, info.height), capplan::report::chart::SIZE);
}

#[test]
fn chart_and_workbook_outputs_refuse_bad_paths_and_write_nothing() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let missing = dir.path().join("no-such-folder");
    let cases: Vec<Vec<String>> = vec![
        vec![
            "chart".into(),
            "capacity".into(),
            "-o".into(),
            missing.join("c.svg").display().to_string(),
        ],
        vec![
            "plan".into(),
            "-o".into(),
            missing.join("p.xlsx").display().to_string(),
        ],
        vec![
            "export".into(),
            "xlsx".into(),
            missing.join("p.xlsx").display().to_string(),
        ],
        vec![
            "report".into(),
            "-o".into(),
            missing.join("p.html").display().to_string(),
        ],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = run(&args);
        assert_eq!((code, out.len()), (2, 0), "{args:?}");
        assert!(
            err.contains("cannot write") && err.contains("no-such-folder"),
            "{args:?}: {err}"
        );
    }
    assert!(!missing.exists());
    let cases: [(&[&str], &str); 4] = [
        (
            &["chart", "capacity", "-o", "chart.jpg"],
            "use `.svg`, `.png`",
        ),
        (
            &["plan", "-o", "plan.pdf"],
            "use `.txt`, `.json`, `.csv`, `.md`, `.markdown`, `.xlsx`, or give `--format`",
        ),
        (&["report", "-o", "plan.pdf"], "use `.html`, `.htm`"),
        (&["export", "xlsx", "plan.csv"], "use `.xlsx`"),
    ];
    for (args, listed) in cases {
        let (code, out, err) = run(args);
        assert_eq!((code, out.len()), (2, 0), "{args:?}");
        assert!(
            err.contains("names no format here") && err.contains(listed),
            "{args:?}: {err}"
        );
    }
    let (code, _, err) = run(&["plan", "--format", "xlsx"]);
    assert_eq!(code, 2);
    assert!(err.contains("give `--output FILE.xlsx`"), "{err}");
    for args in [
        &["report", "--fail-if", "gw@2027Q4<5"][..],
        &["export", "xlsx", "plan.xlsx", "--fail-if", "gw@2027Q4<5"][..],
    ] {
        let (code, out, err) = run(args);
        assert_eq!((code, out.len()), (2, 0), "{args:?}");
        assert!(err.contains("unexpected argument '--fail-if'"), "{err}");
    }
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("plan.xlsx")
            .exists()
    );
}

#[test]
fn the_html_report_is_one_self_contained_page_with_sources_as_links() {
    let (code, html, err) = run(&["report"]);
    assert_eq!(code, 0, "{err}");
    let html = String::from_utf8(html).expect("UTF-8");
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is fetched: no scripts, no style sheets, no images or fonts from elsewhere.
    for banned in [
        "<script", "<link", "<img", "<iframe", "@import", "url(", "src=",
    ] {
        assert!(!html.contains(banned), "{banned}");
    }
    assert_eq!(html.matches("<svg").count(), 2, "two charts inline");
    assert!(html.contains("@media print"));
    // Every summary line of `plan`, as the table prints it.
    let (_, plan, _) = run(&["plan"]);
    let plan = String::from_utf8(plan).expect("UTF-8");
    for line in plan.lines().skip(1).take_while(|l| !l.is_empty()) {
        let (label, text) = line.trim().split_once("  ").expect("label and text");
        let text = text.trim().replace('&', "&amp;");
        assert!(
            html.contains(&format!("<dt>{label}</dt><dd>{text}</dd>")),
            "{label}: {text}"
        );
    }
    // Every source of every shipped contract is a link.
    let mut links = 0;
    for entry in
        fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts")).expect("contracts")
    {
        let text = fs::read_to_string(entry.expect("entry").path()).expect("a contract");
        let doc: toml::Table = text.parse().expect("TOML");
        for source in doc
            .get("sources")
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
        {
            let url = source.as_str().expect("a string").replace('&', "&amp;");
            assert!(html.contains(&format!("<a href=\"{url}\"")), "{url}");
            links += 1;
        }
    }
    assert!(links > 20, "{links} links");
}

#[test]
fn the_readme_chart_and_the_example_page_are_current() {
    // scripts/screenshot.sh remakes them.
    for (args, file) in [
        (
            &["--catalog", "contracts", "chart", "capacity"][..],
            "examples/capacity.svg",
        ),
        (
            &["--catalog", "contracts", "report"][..],
            "examples/report.html",
        ),
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, 0, "{err}");
        let committed = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect(file);
        assert!(
            out == committed,
            "{file} is stale: run scripts/screenshot.sh"
        );
    }
}

/// The filled dots a chart draws: markers and their legend entry (rings are not filled).
fn dots(svg: &str) -> Vec<(f64, f64)> {
    roxmltree::Document::parse(svg)
        .expect("XML")
        .descendants()
        .filter(|n| n.has_tag_name("circle") && n.attribute("fill") != Some("none"))
        .map(|n| {
            let at = |a: &str| n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            (at("cx"), at("cy"))
        })
        .collect()
}

#[test]
fn charts_mark_the_published_figures_of_the_measure_they_draw() {
    let svg = |args: &[&str]| {
        let (code, out, err) = run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        String::from_utf8(out).expect("UTF-8")
    };
    let legend = "published figures (observed)";
    // Three GW figures (ends of 2023, 2024 and 2025), each drawn on its year, plus the legend's dot.
    let gw = svg(&["chart", "capacity", "--by", "year"]);
    assert!(svg_texts(&gw).iter().any(|t| t == legend));
    let marks = dots(&gw);
    assert_eq!(marks.len(), 4, "{marks:?}");
    let xs: Vec<f64> = marks[..3].iter().map(|p| p.0).collect();
    assert!(xs[0] < xs[1] && xs[1] < xs[2], "{xs:?}");
    // The end of 2025 is higher than the end of 2023 (y grows downwards).
    assert!(marks[2].1 < marks[0].1, "{marks:?}");
    // One GPU figure.
    let gpus = svg(&["chart", "capacity", "--by", "year", "--measure", "gpus"]);
    assert_eq!(dots(&gpus).len(), 2);
    // No figure of cumulative spend in the shipped catalog: no marker, no legend entry.
    let spend = svg(&["chart", "spend", "--by", "year"]);
    assert!(!svg_texts(&spend).iter().any(|t| t == legend));
    assert!(dots(&spend).is_empty());
    // Outside the window, or for part of the catalog, nothing is marked.
    let later = svg(&["chart", "capacity", "--by", "year", "--from", "2027"]);
    assert!(dots(&later).is_empty());
    let aws = svg(&["chart", "capacity", "--by", "year", "--provider", "AWS"]);
    assert!(dots(&aws).is_empty());
}

#[test]
fn a_figure_inside_a_period_is_marked_where_its_day_falls() {
    use capplan::report::chart::{Chart, Layer, Unit, mark_observed};
    use capplan::report::{Cell, Column, Document, Kind};
    let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("a date");
    let row = |label: &str, start: &str, end: &str| {
        vec![
            Cell::Text(label.to_owned()),
            Cell::Date(day(start)),
            Cell::Date(day(end)),
        ]
    };
    let doc = Document {
        report: "capacity",
        by: Some("year"),
        group_by: Some("total"),
        scenarios: Vec::new(),
        title: None,
        summary: Vec::new(),
        columns: vec![
            Column::new("period", "period", Kind::Text),
            Column::new("start", "start", Kind::Date),
            Column::new("end", "end", Kind::Date),
        ],
        rows: vec![
            row("2024", "2024-01-01", "2025-01-01"),
            row("2025", "2025-01-01", "2026-01-01"),
        ],
    };
    let mut chart = Chart {
        title: String::new(),
        subtitle: String::new(),
        x_desc: String::new(),
        y_desc: String::new(),
        y_unit: Unit::Gw,
        labels: vec!["2024".to_owned(), "2025".to_owned()],
        layers: Vec::new(),
    };
    let figures = [
        (day("2024-12-31"), 0.6),
        (day("2025-07-02"), 1.2),
        // Before the first period's end, and after the last period: not drawn.
        (day("2024-06-30"), 0.3),
        (day("2026-01-01"), 2.0),
    ];
    mark_observed(&mut chart, &doc, &figures);
    let [Layer::Markers { points, .. }] = chart.layers.as_slice() else {
        panic!("{:?}", chart.layers)
    };
    assert_eq!(points.len(), 2);
    assert_eq!(points[0], (0.0, 0.6));
    // 2025-07-02 is day 183 of 365 of 2025: between the ends of 2024 and 2025.
    assert!((points[1].0 - 183.0 / 365.0).abs() < 1e-9, "{points:?}");
}

/// `export xlsx` writes with `-o` like every other command; the file after it is the same.
#[test]
fn export_xlsx_writes_with_o_like_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    let capplan = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(args)
            .env_remove("CAPPLAN_CATALOG")
            .output()
            .unwrap()
    };
    let out = capplan(&["export", "xlsx", "-o", a.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = capplan(&["export", "xlsx", b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    for (args, says) in [
        (
            vec!["export", "xlsx"],
            "needs the workbook to write: `-o FILE.xlsx`",
        ),
        (
            vec![
                "export",
                "xlsx",
                "-o",
                a.to_str().unwrap(),
                b.to_str().unwrap(),
            ],
            "name two; give one",
        ),
        (
            vec![
                "export",
                "xlsx",
                "--format",
                "json",
                "-o",
                a.to_str().unwrap(),
            ],
            "unexpected argument '--format'",
        ),
    ] {
        let out = capplan(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// `validate -o` writes its report of an invalid catalog too, and says so like every write.
#[test]
fn validate_names_the_report_it_writes_even_of_an_invalid_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codes.sarif");
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&[
        "validate",
        "tests/fixtures/codes/empty-tranche",
        "--format",
        "sarif",
        "-o",
        p,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert_eq!(err, format!("wrote `{p}`\n"));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("empty-tranche")
    );
}

/// In `chart compare` the baseline is drawn first, wide and grey, and each scenario over it,
/// narrower and in color, so that a scenario that follows the baseline stays visible on it; the
/// legend keeps the same order.
#[test]
fn compare_charts_draw_scenarios_over_the_baseline() {
    let (code, svg, err) = run(&[
        "chart",
        "compare",
        "--scenario",
        "examples/scenarios/aws-slip.toml",
    ]);
    assert_eq!(code, 0, "{err}");
    let svg = String::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("XML");
    let widths: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("stroke-width"))
        .filter(|w| *w != "1")
        .collect();
    // The lines in the plot, then the legend's: baseline first in both.
    assert_eq!(widths, ["6", "3", "6", "3"], "{widths:?}");
}
