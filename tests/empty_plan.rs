//! A plan with no contracts left (`--exclude '*'`) is an empty but valid output in every
//! format that draws or packages it, as `plan` is: a chart with axes and its targets, an HTML
//! page, a workbook.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(args)
        .env_remove("CAPPLAN_CATALOG")
        .output()
        .expect("capplan runs")
}

#[test]
fn charts_pages_and_workbooks_of_an_empty_plan_are_valid() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    for (args, file) in [
        (vec!["chart", "capacity", "-o"], "capacity.svg"),
        (vec!["chart", "spend", "-o"], "spend.svg"),
        (vec!["chart", "spend", "-o"], "spend.png"),
        (vec!["report", "-o"], "page.html"),
    ] {
        let mut all = vec!["--exclude", "*"];
        all.extend(args.iter().copied());
        let out_path = path(file);
        all.push(&out_path);
        let out = run(&all);
        assert!(
            out.status.success(),
            "{all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&out_path).expect("written");
        if file.ends_with(".svg") {
            let text = String::from_utf8(bytes).expect("UTF-8");
            roxmltree::Document::parse(&text).expect("well-formed SVG");
            assert!(
                text.contains("target altman-2025"),
                "{file}: the target is drawn"
            );
        } else if file.ends_with(".png") {
            assert_eq!(&bytes[1..4], b"PNG");
        } else {
            let text = String::from_utf8(bytes).expect("UTF-8");
            assert!(text.contains("<svg"), "the page holds its charts");
        }
    }
    let book = path("plan.xlsx");
    let out = run(&["--exclude", "*", "export", "xlsx", &book]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&book).expect("a workbook");
    assert!(wb.sheet_names().contains(&"plan".to_owned()));
    let plan = wb.worksheet_range("plan").expect("the plan sheet");
    assert!(plan.height() > 1, "the plan's periods are there, at zero");
}
