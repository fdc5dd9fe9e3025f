//! Memory bounded by the result, not by the rows: `capacity` and `spend` write their rows as
//! they are computed, so a report of hundreds of thousands of rows runs under a hard memory
//! limit that holding them all would break (docs/cli.md, "Large reports").

#![cfg(unix)]

use std::path::Path;
use std::process::Command;

/// The address space a run may use, in KiB: holding the rows of the report below (about
/// 317,000 of them) takes more than this in every text format.
const LIMIT_KIB: u32 = 256 * 1024;

const CONTRACTS: usize = 300;
const TRANCHES: usize = 8;
/// Months of the shipped portfolio's horizon, 2023-01 to 2033-12.
const MONTHS: usize = 132;

/// A catalog of [`CONTRACTS`] contracts of [`TRANCHES`] ramping tranches each, on the shipped
/// portfolio, whose contracts run the whole horizon.
fn catalog(dir: &Path) {
    std::fs::copy("contracts/portfolio.toml", dir.join("portfolio.toml")).unwrap();
    let hardware = ["b200", "gb200", "gb300", "vcpu", "h100"];
    for c in 0..CONTRACTS {
        let mut text = format!(
            "id = \"m{c:04}\"\nprovider = \"P{}\"\ntitle = \"memory {c}\"\nstart = 2023-01-01\n\
             end = 2034-01-01\nvalue_usd = \"{}.25\"\nspend = \"straight-line\"\n\
             sources = [\"https://example.com/m\"]\n",
            c % 7,
            1_000_000 + c
        );
        for t in 0..TRANCHES {
            text.push_str(&format!(
                "\n[[tranche]]\nid = \"t{t}\"\nhardware = \"{}\"\nunits = {}\n\
                 online_from = 2023-{:02}-01\nonline_by = 2024-{:02}-15\nramp = \"linear\"\n",
                hardware[(c + t) % hardware.len()],
                1000 + c * 7 + t,
                t + 1,
                t + 1
            ));
        }
        std::fs::write(dir.join(format!("m{c:04}.toml")), text).unwrap();
    }
}

/// Runs capplan under `ulimit -v` [`LIMIT_KIB`].
fn limited(args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .env_remove("CAPPLAN_CATALOG")
        .env("CAPPLAN_CACHE_DIR", "off")
        .output()
        .unwrap()
}

#[test]
fn a_report_of_hundreds_of_thousands_of_rows_runs_under_a_hard_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("catalog");
    std::fs::create_dir(&cat).unwrap();
    catalog(&cat);
    let rows = CONTRACTS * TRANCHES * MONTHS;
    let cat_arg = cat.to_str().unwrap();
    for format in ["csv", "json", "table"] {
        let out_path = dir.path().join(format!("capacity.{format}"));
        let out = limited(&[
            "--catalog",
            cat_arg,
            "capacity",
            "--by",
            "month",
            "--group-by",
            "tranche",
            "--format",
            format,
            "-o",
            out_path.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&out_path).unwrap();
        match format {
            // A header line, then a row each.
            "csv" => assert_eq!(text.lines().count(), rows + 1),
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["rows"].as_array().unwrap().len(), rows);
                assert_eq!(v["rows"][rows - 1]["group"], "m0299/t7");
            }
            // The summary, a blank line, the header and its rule, then a row each, all as wide.
            _ => {
                let lines: Vec<&str> = text.lines().skip_while(|l| !l.contains('|')).collect();
                assert_eq!(lines.len(), rows + 2);
                let width = lines[1].len();
                assert!(lines[2..].iter().all(|l| l.len() <= width));
                assert!(
                    lines[rows + 1].starts_with(" 2033-12 "),
                    "{}",
                    lines[rows + 1]
                );
            }
        }
    }
    // Spend by contract and month, to standard output.
    let out = limited(&[
        "--catalog",
        cat_arg,
        "spend",
        "--by",
        "month",
        "--group-by",
        "contract",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout.split(|b| *b == b'\n').count(),
        CONTRACTS * MONTHS + 2
    );
    // A workbook holds its rows all at once, and at most 1,048,575 of them: past that it is
    // refused before anything is computed or written.
    let more = std::fs::read_to_string(cat.join("m0000.toml")).unwrap();
    for c in CONTRACTS..CONTRACTS * 4 {
        std::fs::write(
            cat.join(format!("m{c:04}.toml")),
            more.replace("m0000", &format!("m{c:04}")),
        )
        .unwrap();
    }
    let book = dir.path().join("capacity.xlsx");
    let out = limited(&[
        "--catalog",
        cat_arg,
        "capacity",
        "--by",
        "month",
        "--group-by",
        "tranche",
        "-o",
        book.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the `capacity` report has 1,267,200 rows, more than the 1,048,575"),
        "{err}"
    );
    assert!(!book.exists());
}

/// A figure that fails in a late block of periods, after rows of earlier blocks could have been
/// written: no format writes any of them, to standard output or to a file.
#[test]
fn a_figure_that_fails_late_leaves_no_half_written_report() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("catalog");
    std::fs::create_dir(&cat).unwrap();
    let fixture = Path::new("tests/fixtures/overflow");
    std::fs::copy(fixture.join("portfolio.toml"), cat.join("portfolio.toml")).unwrap();
    // The overflowing tranche comes online in the window's last months: the last block.
    let big = std::fs::read_to_string(fixture.join("big.toml"))
        .unwrap()
        .replace("start = 2026-04-01", "start = 2030-01-01")
        .replace("online_from = 2026-04-01", "online_from = 2030-09-01")
        .replace("online_by = 2026-09-30", "online_by = 2030-11-30");
    std::fs::write(cat.join("big.toml"), big).unwrap();
    // Enough tranches that the 60 months of the window take more than one block.
    for c in 0..300 {
        let mut text = format!(
            "id = \"s{c:03}\"\nprovider = \"Small\"\ntitle = \"small {c}\"\nstart = 2026-01-01\n\
             term = \"5y\"\nvalue_usd = \"1M\"\nspend = \"straight-line\"\n"
        );
        for t in 0..8 {
            text.push_str(&format!(
                "\n[[tranche]]\nid = \"t{t}\"\nhardware = \"vcpu\"\nunits = {}\n\
                 online_from = 2026-02-01\nonline_by = 2026-06-30\n",
                100 + t
            ));
        }
        std::fs::write(cat.join(format!("s{c:03}.toml")), text).unwrap();
    }
    let cat_arg = cat.to_str().unwrap();
    let run = |format: &str, output: Option<&Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_capplan"));
        cmd.args(["--catalog", cat_arg, "capacity", "--by", "month"])
            .args(["--group-by", "tranche", "--format", format])
            .env_remove("CAPPLAN_CATALOG")
            .env("CAPPLAN_CACHE_DIR", "off");
        if let Some(path) = output {
            cmd.arg("-o").arg(path);
        }
        cmd.output().unwrap()
    };
    for format in ["csv", "json", "markdown", "table"] {
        let out = run(format, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{format}: {} bytes",
            out.stdout.len()
        );
        assert!(
            err.starts_with("error[overflow]: contract `big-2026`"),
            "{format}: {err}"
        );
        let file = dir.path().join(format!("capacity.{format}"));
        std::fs::write(&file, "the last good report\n").unwrap();
        let out = run(format, Some(&file));
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "the last good report\n"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
    // Without the late tranche, the same report is whole: the failure above is the figure's.
    std::fs::remove_file(cat.join("big.toml")).unwrap();
    let out = run("csv", None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.split(|b| *b == b'\n').count(), 300 * 8 * 60 + 2);
}
